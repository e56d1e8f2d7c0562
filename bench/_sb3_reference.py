"""Stable-Baselines3 reference runs for rlkit's throughput and memory benchmarks.

rlkit's own benchmarks run this file as a subprocess -- one process per case, so the peak RSS is that of a
single run -- and compare its env-steps-per-second and memory against rlkit's. Each case trains an SB3 agent
with the rl-baselines3-zoo hyperparameters, written out below (nothing is downloaded):

* ``ppo_cartpole``   -- PPO, CartPole-v1, 8 DummyVecEnv envs, n_steps 32, batch 256, 20 epochs, linear lr/clip.
* ``sac_pendulum``   -- SAC, Pendulum-v1, 1 env, [256, 256], batch 256, buffer 1e6 (``--buffer-size`` overrides).
* ``td3_pendulum``   -- TD3, Pendulum-v1, 1 env, [256, 256] (the zoo uses [400, 300]), Normal action noise 0.1.
* ``dqn_cartpole``   -- DQN, CartPole-v1, 1 env, [256, 256], train_freq 256, gradient_steps 128.
* ``qrdqn_cartpole`` -- QR-DQN from sb3_contrib, same settings as DQN; skipped when sb3_contrib is not installed.

Measurement: the model (policy, envs, replay buffer) is built first and not timed; then
``model.learn(total_timesteps=STEPS)`` is timed with ``time.perf_counter``. ``steps_per_s`` is the number of
env steps SB3 actually took (``model.num_timesteps``; PPO rounds STEPS up to whole 8x32 rollouts) divided by
those seconds. ``peak_rss_mib`` is the process's ``ru_maxrss`` (imports + build + training). For off-policy
cases, ``replay_bytes_per_transition`` is the sum of ``nbytes`` of the SB3 ReplayBuffer's numpy arrays divided
by its capacity in transitions (SB3's default ``optimize_memory_usage=False`` stores ``next_observations``
too). Those arrays come from ``np.zeros``, so the OS only commits the pages a run touches: a short run with a
1e6 buffer has a large ``replay_buffer_mib`` but a much smaller RSS.

Usage (prints one JSON object; ``--json`` also writes it to a file):

    python bench/_sb3_reference.py CASE --steps N [--threads T] [--seed S] [--buffer-size B] [--json OUT]

A skipped case (e.g. ``qrdqn_cartpole`` without sb3_contrib) prints ``{"case": ..., "skipped": reason}`` and
exits 0.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from typing import Any, Callable

import gymnasium
import numpy as np
import stable_baselines3 as sb3
import torch
from stable_baselines3 import DQN, PPO, SAC, TD3
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.noise import NormalActionNoise

Builder = Callable[[argparse.Namespace], tuple[BaseAlgorithm, dict[str, Any]]]


# --------------------------------------------------------------------------- helpers
def linear_schedule(initial: float) -> Callable[[float], float]:
    """The zoo's ``lin_<x>``: SB3 calls it with progress_remaining (1 -> 0), so the value falls linearly to 0."""
    def schedule(progress_remaining: float) -> float:
        return progress_remaining * initial
    return schedule


def common_kwargs(seed: int) -> dict[str, Any]:
    """Settings shared by every case: quiet, CPU, no tensorboard."""
    return dict(verbose=0, device="cpu", seed=seed, tensorboard_log=None)


def printable(hparams: dict[str, Any]) -> dict[str, Any]:
    """Hyperparameters with the non-JSON objects (schedules, noise) already replaced by strings."""
    return {k: (v if isinstance(v, (int, float, str, bool, list, dict, type(None))) else repr(v))
            for k, v in hparams.items()}


# --------------------------------------------------------------------------- cases
def build_ppo_cartpole(a: argparse.Namespace) -> tuple[BaseAlgorithm, dict[str, Any]]:
    """rl-zoo ppo.yml CartPole-v1. Default MlpPolicy: separate pi/vf MLPs of (64, 64) with tanh."""
    n_envs = 8
    hp = dict(n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20, ent_coef=0.0)
    env = make_vec_env("CartPole-v1", n_envs=n_envs, seed=a.seed)  # DummyVecEnv, no VecNormalize
    model = PPO("MlpPolicy", env, learning_rate=linear_schedule(1e-3), clip_range=linear_schedule(0.2),
                **hp, **common_kwargs(a.seed))
    return model, dict(algo="PPO", env="CartPole-v1", n_envs=n_envs, vec_env="DummyVecEnv", **hp,
                       learning_rate="lin_1e-3", clip_range="lin_0.2",
                       net_arch="default: pi [64, 64], vf [64, 64], tanh", normalize=False)


def build_sac_pendulum(a: argparse.Namespace) -> tuple[BaseAlgorithm, dict[str, Any]]:
    """rl-zoo sac.yml Pendulum-v1 (learning_rate 1e-3; the rest are SB3 defaults, written out)."""
    hp = dict(batch_size=256, train_freq=1, gradient_steps=1, learning_rate=1e-3,
              buffer_size=a.buffer_size or 1_000_000, learning_starts=100, ent_coef="auto",
              gamma=0.99, tau=0.005)
    env = make_vec_env("Pendulum-v1", n_envs=1, seed=a.seed)
    model = SAC("MlpPolicy", env, policy_kwargs=dict(net_arch=[256, 256]), **hp, **common_kwargs(a.seed))
    return model, dict(algo="SAC", env="Pendulum-v1", n_envs=1, net_arch=[256, 256], **hp)


def build_td3_pendulum(a: argparse.Namespace) -> tuple[BaseAlgorithm, dict[str, Any]]:
    """TD3 on Pendulum-v1 as the zoo (Normal noise 0.1, lr 1e-3, train_freq 1) but with SAC's [256, 256] net."""
    env = make_vec_env("Pendulum-v1", n_envs=1, seed=a.seed)
    n_act = env.action_space.shape[0]
    noise = NormalActionNoise(mean=np.zeros(n_act), sigma=0.1 * np.ones(n_act))
    hp = dict(batch_size=256, train_freq=1, gradient_steps=1, learning_rate=1e-3,
              buffer_size=a.buffer_size or 1_000_000, learning_starts=100, gamma=0.99, tau=0.005)
    model = TD3("MlpPolicy", env, action_noise=noise, policy_kwargs=dict(net_arch=[256, 256]),
                **hp, **common_kwargs(a.seed))
    return model, dict(algo="TD3", env="Pendulum-v1", n_envs=1, net_arch=[256, 256],
                       net_arch_note="zoo uses [400, 300]; [256, 256] here to match SAC",
                       action_noise="Normal(0, 0.1)", **hp)


DQN_CARTPOLE_HP = dict(learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1000,
                       gamma=0.99, target_update_interval=10, train_freq=256, gradient_steps=128,
                       exploration_fraction=0.16, exploration_final_eps=0.04)


def build_dqn_cartpole(a: argparse.Namespace) -> tuple[BaseAlgorithm, dict[str, Any]]:
    """rl-zoo dqn.yml CartPole-v1."""
    hp = dict(DQN_CARTPOLE_HP, buffer_size=a.buffer_size or DQN_CARTPOLE_HP["buffer_size"])
    env = make_vec_env("CartPole-v1", n_envs=1, seed=a.seed)
    model = DQN("MlpPolicy", env, policy_kwargs=dict(net_arch=[256, 256]), **hp, **common_kwargs(a.seed))
    return model, dict(algo="DQN", env="CartPole-v1", n_envs=1, net_arch=[256, 256], **hp)


def build_qrdqn_cartpole(a: argparse.Namespace) -> tuple[BaseAlgorithm, dict[str, Any]]:
    """rl-zoo qrdqn.yml CartPole-v1: the DQN settings plus n_quantiles 10. Needs sb3_contrib."""
    from sb3_contrib import QRDQN  # ImportError -> the case is skipped by main()
    hp = dict(DQN_CARTPOLE_HP, buffer_size=a.buffer_size or DQN_CARTPOLE_HP["buffer_size"])
    env = make_vec_env("CartPole-v1", n_envs=1, seed=a.seed)
    pk = dict(net_arch=[256, 256], n_quantiles=10)
    model = QRDQN("MlpPolicy", env, policy_kwargs=pk, **hp, **common_kwargs(a.seed))
    return model, dict(algo="QRDQN", env="CartPole-v1", n_envs=1, **pk, **hp)


CASES: dict[str, Builder] = {
    "ppo_cartpole": build_ppo_cartpole,
    "sac_pendulum": build_sac_pendulum,
    "td3_pendulum": build_td3_pendulum,
    "dqn_cartpole": build_dqn_cartpole,
    "qrdqn_cartpole": build_qrdqn_cartpole,
}


# --------------------------------------------------------------------------- measurement
def current_rss_mib() -> float | None:
    """Resident set size now (Linux /proc), in MiB; None where /proc is unavailable."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"): return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_rss_mib() -> float:
    """Peak RSS of this process so far, in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def replay_stats(model: BaseAlgorithm) -> dict[str, Any]:
    """Bytes per transition and total allocated size of the model's SB3 replay buffer (nulls when it has none)."""
    buf = getattr(model, "replay_buffer", None)
    if buf is None:
        return dict(replay_bytes_per_transition=None, replay_buffer_mib=None, replay_arrays=None)
    arrays = {k: v for k, v in vars(buf).items() if isinstance(v, np.ndarray)}
    total = sum(v.nbytes for v in arrays.values())
    capacity = buf.buffer_size * buf.n_envs  # SB3 stores buffer_size // n_envs rows of n_envs transitions
    return dict(replay_bytes_per_transition=total / capacity, replay_buffer_mib=total / 2**20,
                replay_capacity=capacity, optimize_memory_usage=buf.optimize_memory_usage,
                replay_arrays={k: f"{v.dtype}{list(v.shape)}" for k, v in arrays.items()})


def timed_learn(model: BaseAlgorithm, steps: int) -> float:
    """Wall-clock seconds of ``model.learn(total_timesteps=steps)``."""
    t = time.perf_counter()
    model.learn(total_timesteps=steps)
    return time.perf_counter() - t


def environment_info() -> dict[str, Any]:
    """Library versions and machine description."""
    return dict(versions=dict(sb3=sb3.__version__, torch=torch.__version__, gymnasium=gymnasium.__version__,
                              numpy=np.__version__, python=platform.python_version()),
                machine=dict(platform=platform.platform(), processor=platform.machine(), cpu_count=os.cpu_count()))


def run_case(a: argparse.Namespace) -> dict[str, Any]:
    """Build the case's model (untimed), time its training, and collect the measurements."""
    torch.set_num_threads(a.threads)
    model, hparams = CASES[a.case](a)
    rss_built = current_rss_mib()
    replay = replay_stats(model)
    seconds = timed_learn(model, a.steps)
    env_steps = int(model.num_timesteps)
    return dict(case=a.case, steps=a.steps, env_steps=env_steps, seconds=round(seconds, 3),
                steps_per_s=round(env_steps / seconds, 1), peak_rss_mib=round(peak_rss_mib(), 1),
                rss_after_build_mib=None if rss_built is None else round(rss_built, 1),
                **replay, threads=torch.get_num_threads(), seed=a.seed, **environment_info(),
                hyperparameters=printable(hparams))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("case", choices=sorted(CASES))
    p.add_argument("--steps", type=int, required=True, help="total_timesteps passed to model.learn")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--buffer-size", type=int, default=None, help="override the replay buffer capacity")
    p.add_argument("--json", help="also write the JSON result to this file")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    a = parse_args(argv)
    try:
        out = run_case(a)
    except ModuleNotFoundError as e:  # only the optional sb3_contrib may be missing
        if e.name != "sb3_contrib": raise
        print(f"skipping {a.case}: {e}", file=sys.stderr)
        out = dict(case=a.case, skipped=f"ImportError: {e}")
    text = json.dumps(out, indent=1)
    print(text)
    if a.json:
        with open(a.json, "w") as f: f.write(text + "\n")
    return out


if __name__ == "__main__":
    main()
