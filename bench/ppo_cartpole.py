"""Throughput of rlkit's native PPO on CartPole-v1 with the rl-zoo settings (8 envs, n_steps 32, batch 256, 20 epochs).

Measures, in one process: raw vectorised env stepping (random actions), collection alone, and full training
(collect + update), as environment steps per second. No evaluation, checkpoints, video or telemetry sinks during the
timed part. Usage: python bench/ppo_cartpole.py [--steps 50000] [--repeats 3] [--json out.json]
"""
import argparse
import json
import os
import platform
import statistics
import time

import numpy as np
import torch

import rlkit
from rlkit.core.config import load_config
from rlkit.core.seeding import seed_everything
from rlkit.envs.vector import VecEnv
from rlkit.backends.native import NativeCollector
from rlkit.train.loop import build


def raw_env_steps_per_s(num_envs: int, steps: int) -> float:
    venv = VecEnv.make("CartPole-v1", num_envs, seed=0)
    venv.reset()
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 2, size=(steps // num_envs, num_envs))
    t = time.perf_counter()
    for a in actions: venv.step(a)
    return (steps // num_envs) * num_envs / (time.perf_counter() - t)


def ppo_steps_per_s(steps: int, collect_only: bool = False) -> float:
    cfg = load_config("configs/ppo_cartpole.yaml", {"train.total_steps": steps})
    torch.set_num_threads(cfg.train.torch_threads or torch.get_num_threads())
    seed_everything(cfg.seed)
    venv, agent = build(cfg)
    col = NativeCollector(venv)
    col.reset(0)
    iters = steps // (cfg.algo.n_steps * cfg.env.num_envs)
    t = time.perf_counter()
    for it in range(iters):
        agent.set_progress(it / iters)
        ro, _ = col.collect(agent.policy, cfg.algo.n_steps)
        if not collect_only: agent.update(ro)
    return col.total_steps / (time.perf_counter() - t)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=50_000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json")
    a = p.parse_args()
    res = {"raw_env_8": [], "collect": [], "train": []}
    for _ in range(a.repeats):
        res["raw_env_8"].append(raw_env_steps_per_s(8, a.steps))
        res["collect"].append(ppo_steps_per_s(a.steps, collect_only=True))
        res["train"].append(ppo_steps_per_s(a.steps))
    out = {"benchmark": "ppo_cartpole", "steps": a.steps, "repeats": a.repeats,
           "median_steps_per_s": {k: round(statistics.median(v)) for k, v in res.items()},
           "machine": f"{platform.machine()}, {os.cpu_count()} cores",
           "versions": {"rlkit": rlkit.__version__, "torch": torch.__version__, "numpy": np.__version__,
                        "python": platform.python_version()}}
    print(json.dumps(out, indent=1))
    if a.json: open(a.json, "w").write(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
