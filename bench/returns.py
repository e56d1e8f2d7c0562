"""Speed of rlkit's return/advantage estimators against Stable-Baselines3, TorchRL and a tight NumPy loop.

Usage: `.venv/bin/python bench/returns.py [--repeats 7] [--json out.json]` from the repository root.
Everything is float32 on the CPU, in one process, on the same random batches (1% terminations, 1% truncations).
Each figure is the median over `repeats` timing rounds of the mean time per call within a round.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import numpy as np
import torch

from rlkit.math.returns import gae, td_lambda, vtrace

GAMMA, LAM = 0.99, 0.95
SHAPES = ((2048, 64), (128, 1024))


def make_batch(T: int, N: int, seed: int = 0) -> dict[str, torch.Tensor]:
    "A random float32 batch with consistent next values and rare episode ends."
    g = torch.Generator().manual_seed(seed)
    r, v, nv = (torch.randn(T, N, generator=g) for _ in range(3))
    u = torch.rand(T, N, generator=g)
    term, trunc = u < 0.01, (u >= 0.01) & (u < 0.02)
    nv[:-1] = torch.where(~(term | trunc)[:-1], v[1:], nv[:-1])
    log_rhos = torch.randn(T, N, generator=g) * 0.1
    return dict(r=r, v=v, nv=nv, term=term, trunc=trunc, log_rhos=log_rhos)


def time_call(fn, repeats: int, budget_s: float = 0.2) -> float:
    "Median over `repeats` rounds of the mean seconds per call; each round runs for about `budget_s`."
    fn(); fn()
    t0 = time.perf_counter(); fn(); once = max(time.perf_counter() - t0, 1e-6)
    calls = max(1, int(budget_s / once))
    rounds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls): fn()
        rounds.append((time.perf_counter() - t0) / calls)
    return statistics.median(rounds)


def numpy_gae(r, v, nv, term, done, gamma=GAMMA, lam=LAM):
    "A tight NumPy GAE loop: vectorised over envs, one step of Python per time step."
    delta = r + gamma * nv * (1.0 - term) - v
    decay = (gamma * lam) * (1.0 - done)
    adv = np.empty_like(r)
    last = np.zeros(r.shape[1], dtype=r.dtype)
    for t in range(r.shape[0] - 1, -1, -1):
        last = delta[t] + decay[t] * last
        adv[t] = last
    return adv


def sb3_buffer(b: dict):
    "SB3's RolloutBuffer filled with the batch (reward trick at truncations), ready for compute_returns_and_advantage."
    from gymnasium import spaces
    from stable_baselines3.common.buffers import RolloutBuffer
    T, N = b["r"].shape
    buf = RolloutBuffer(T, spaces.Box(-1, 1, (1,)), spaces.Discrete(2), "cpu", gae_lambda=LAM, gamma=GAMMA, n_envs=N)
    done = (b["term"] | b["trunc"]).numpy()
    buf.rewards[:] = (b["r"] + GAMMA * b["nv"] * (b["trunc"] & ~b["term"])).numpy()
    buf.values[:] = b["v"].numpy()
    buf.episode_starts[1:] = done[:-1]
    last_values, last_dones = b["nv"][-1].clone(), done[-1]
    return lambda: buf.compute_returns_and_advantage(last_values=last_values, dones=last_dones)


def candidates(b: dict) -> dict[str, dict[str, callable]]:
    "Every implementation to time, grouped by estimator."
    r, v, nv, term, trunc, lr = (b[k] for k in ("r", "v", "nv", "term", "trunc", "log_rhos"))
    out = {
        "GAE": {"rlkit gae": lambda: gae(r, v, nv, term, trunc, GAMMA, LAM)},
        "TD(λ)": {"rlkit td_lambda": lambda: td_lambda(r, v, nv, term, trunc, GAMMA, LAM)},
        "V-trace": {"rlkit vtrace": lambda: vtrace(r, v, nv, term, trunc, lr, GAMMA)},
    }
    rn, vn, nvn = r.numpy(), v.numpy(), nv.numpy()
    termn, donen = term.numpy().astype(np.float32), (term | trunc).numpy().astype(np.float32)
    out["GAE"]["NumPy loop"] = lambda: numpy_gae(rn, vn, nvn, termn, donen)
    try:
        out["GAE"]["SB3 RolloutBuffer"] = sb3_buffer(b)
    except ImportError:
        pass
    try:
        from torchrl.objectives.value import functional as F
    except ImportError:
        return out
    R, V, NV, TE, DO, LR = (x.T.unsqueeze(-1).contiguous() for x in (r, v, nv, term, term | trunc, lr))
    out["GAE"]["TorchRL generalized_advantage_estimate"] = lambda: F.generalized_advantage_estimate(GAMMA, LAM, V, NV, R, DO, TE)
    out["GAE"]["TorchRL vec_generalized_advantage_estimate"] = lambda: F.vec_generalized_advantage_estimate(GAMMA, LAM, V, NV, R, DO, TE)
    out["TD(λ)"]["TorchRL td_lambda_return_estimate"] = lambda: F.td_lambda_return_estimate(GAMMA, LAM, NV, R, DO, TE)
    out["TD(λ)"]["TorchRL vec_td_lambda_return_estimate"] = lambda: F.vec_td_lambda_return_estimate(GAMMA, LAM, NV, R, DO, TE)
    zeros = torch.zeros_like(LR)
    out["V-trace"]["TorchRL vtrace_advantage_estimate"] = lambda: F.vtrace_advantage_estimate(GAMMA, LR, zeros, V, NV, R, DO, TE)
    return out


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version
    out = {"python": platform.python_version(), "torch_threads": str(torch.get_num_threads()),
           "cpu": platform.processor() or platform.machine()}
    for pkg in ("rlkit", "torch", "numpy", "torchrl", "tensordict", "stable-baselines3"):
        try: out[pkg] = version(pkg)
        except PackageNotFoundError: out[pkg] = "not installed"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = ap.parse_args()
    results = {"versions": versions(), "ms": {}}
    print(json.dumps(results["versions"]))
    for T, N in SHAPES:
        b = make_batch(T, N)
        for estimator, impls in candidates(b).items():
            base = None
            for name, fn in impls.items():
                ms = time_call(fn, args.repeats) * 1e3
                base = ms if base is None else base
                results["ms"][f"[{T},{N}] {estimator} | {name}"] = ms
                print(f"[{T:5d},{N:5d}] {estimator:8s} {name:45s} {ms:9.3f} ms  {ms / base:7.1f}x rlkit", flush=True)
    if args.json:
        with open(args.json, "w") as f: json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
