"""Train an SB3 reference case (bench/_sb3_reference.py's builders) for its full budget and evaluate the final model:
10 deterministic episodes, SB3's `evaluate_policy`. Used to check whether an algorithm's final return is stable with
the rl-zoo settings (RESULTS.md, learning checks). Usage: python bench/_sb3_final_eval.py dqn_cartpole 50000 0 1 2"""
import argparse
import sys
from pathlib import Path

import gymnasium as gym
import torch
from stable_baselines3.common.evaluation import evaluate_policy

sys.path.insert(0, str(Path(__file__).parent))
import _sb3_reference as ref  # noqa: E402

ENV = {'dqn_cartpole': 'CartPole-v1', 'ppo_cartpole': 'CartPole-v1', 'sac_pendulum': 'Pendulum-v1', 'td3_pendulum': 'Pendulum-v1'}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('case', choices=sorted(ENV)); p.add_argument('steps', type=int); p.add_argument('seeds', type=int, nargs='+')
    a = p.parse_args()
    torch.set_num_threads(1)
    for seed in a.seeds:
        model, _ = ref.CASES[a.case](argparse.Namespace(case=a.case, steps=a.steps, threads=1, seed=seed, buffer_size=None, json=None))
        model.learn(a.steps)
        mean, std = evaluate_policy(model, gym.make(ENV[a.case]), n_eval_episodes=10, deterministic=True)
        print(f"{a.case} seed {seed}: final evaluation {mean:.1f} +- {std:.1f}", flush=True)


if __name__ == '__main__':
    main()
