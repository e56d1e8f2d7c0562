"""Reference baselines for the Bayesian-optimisation benchmark.

* ``turbo1_botorch`` -- GP-based TuRBO-1 (Eriksson et al., 2019) built on BoTorch,
  following the recipe of BoTorch's public TuRBO-1 tutorial (trust-region state,
  Thompson sampling over Sobol perturbations, exact GP with a Matern-5/2 ARD kernel).
* ``sobol_search`` -- scrambled Sobol points in the box.
* ``propose_time_gp`` -- time of one GP TuRBO-1 proposal (fit + selection) at N observations.

All optimisers here MINIMISE ``f(X) -> [n]`` over a box ``bounds`` ([2, d] tensor, user
units). Internally TuRBO maximises ``-f`` on the unit cube. Everything is float64.

Run on its own:  python bench/_bo_reference.py --method turbo1 --budget 500 --seeds 0
"""
from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from typing import Callable

import gpytorch
import torch
from botorch.fit import fit_gpytorch_mll
from botorch.generation import MaxPosteriorSampling
from botorch.models import SingleTaskGP
from gpytorch.constraints import Interval
from gpytorch.kernels import MaternKernel, ScaleKernel
from gpytorch.likelihoods import GaussianLikelihood
from gpytorch.mlls import ExactMarginalLogLikelihood
from torch import Tensor
from torch.quasirandom import SobolEngine

DTYPE = torch.float64
Objective = Callable[[Tensor], Tensor]

# Above this many observations an exact-GP proposal is refused by propose_time_gp.
MAX_EXACT_GP_OBS = 3000


# --------------------------------------------------------------------------- problems
def ackley(X: Tensor, a: float = 20.0, b: float = 0.2, c: float = 2 * math.pi) -> Tensor:
    """Ackley function, ``X [n, d] -> [n]``; global minimum 0 at the origin."""
    d = X.shape[-1]
    term1 = -a * torch.exp(-b * torch.sqrt((X**2).sum(-1) / d))
    term2 = -torch.exp(torch.cos(c * X).sum(-1) / d)
    return term1 + term2 + a + math.e


def ackley20_problem() -> tuple[Objective, Tensor]:
    """Ackley-20 on [-5, 10]^20, the setting of the TuRBO paper."""
    dim = 20
    bounds = torch.tensor([[-5.0] * dim, [10.0] * dim], dtype=DTYPE)
    return ackley, bounds


PROBLEMS: dict[str, Callable[[], tuple[Objective, Tensor]]] = {"ackley20": ackley20_problem}


# --------------------------------------------------------------------------- helpers
def _to_user(X_unit: Tensor, bounds: Tensor) -> Tensor:
    """Map points from the unit cube to the box ``bounds``."""
    return bounds[0] + (bounds[1] - bounds[0]) * X_unit


def _evaluate(f: Objective, X_unit: Tensor, bounds: Tensor) -> Tensor:
    """Evaluate the user objective at unit-cube points; returns float64 ``[n]``."""
    y = f(_to_user(X_unit, bounds))
    return torch.as_tensor(y, dtype=DTYPE).reshape(-1)


def _sobol(dim: int, n: int, seed: int) -> Tensor:
    """``n`` scrambled, seeded Sobol points in ``[0, 1]^dim`` (float64)."""
    return SobolEngine(dimension=dim, scramble=True, seed=seed).draw(n).to(DTYPE)


def _next_seed() -> int:
    """A Sobol seed drawn from torch's (seeded) global generator."""
    return int(torch.randint(0, 2**31 - 1, (1,)).item())


def _result(y: Tensor, wall_s: float, fit_s: float, propose_s: float, n_restarts: int) -> dict:
    """Common result dictionary for every method in this file."""
    return {
        "y": y,
        "best": torch.cummin(y, dim=0).values,
        "wall_s": wall_s,
        "fit_s": fit_s,
        "propose_s": propose_s,
        "n_restarts": n_restarts,
    }


# --------------------------------------------------------------------------- TuRBO-1
@dataclass
class TurboState:
    """Trust-region state of one TuRBO-1 run (side length is in unit-cube coordinates)."""

    dim: int
    batch_size: int
    length: float = 0.8
    length_min: float = 0.5**7
    length_max: float = 1.6
    failure_counter: int = 0
    failure_tolerance: int = -1  # set in __post_init__
    success_counter: int = 0
    # The BoTorch tutorial uses 10; the original TuRBO paper (and its reference code) uses 3.
    success_tolerance: int = 3
    best_value: float = -float("inf")  # best of the MAXIMISED objective (-f)
    restart_triggered: bool = False

    def __post_init__(self) -> None:
        if self.failure_tolerance < 0:
            self.failure_tolerance = math.ceil(
                max(4.0 / self.batch_size, float(self.dim) / self.batch_size)
            )


def update_state(state: TurboState, y_next: Tensor) -> TurboState:
    """Expand/shrink the trust region after a batch ``y_next`` (maximisation values).

    A batch is a success if it beats the incumbent by a relative margin of 1e-3.
    ``success_tolerance`` consecutive successes double the side length (capped at
    ``length_max``); ``failure_tolerance`` consecutive failures halve it. A side length
    below ``length_min`` triggers a restart.
    """
    batch_best = float(y_next.max())
    if batch_best > state.best_value + 1e-3 * abs(state.best_value):
        state.success_counter += 1
        state.failure_counter = 0
    else:
        state.success_counter = 0
        state.failure_counter += 1

    if state.success_counter == state.success_tolerance:
        state.length = min(2.0 * state.length, state.length_max)
        state.success_counter = 0
    elif state.failure_counter == state.failure_tolerance:
        state.length /= 2.0
        state.failure_counter = 0

    state.best_value = max(state.best_value, batch_best)
    state.restart_triggered = state.length < state.length_min
    return state


def _standardise(y: Tensor) -> Tensor:
    """Zero-mean, unit-std targets (std floored to avoid division by zero)."""
    std = y.std() if y.numel() > 1 else torch.ones((), dtype=y.dtype)
    return (y - y.mean()) / std.clamp_min(1e-12)


def fit_gp(X: Tensor, y: Tensor, max_cholesky_size: float = float("inf")) -> SingleTaskGP:
    """Fit the tutorial's GP to unit-cube ``X [n, d]`` and maximisation targets ``y [n]``.

    Kernel and likelihood are given explicitly as in the tutorial: a scaled Matern-5/2 ARD
    kernel with lengthscales constrained to [0.005, 4] and a Gaussian likelihood with noise
    in [1e-8, 1e-3], no priors. (BoTorch 0.18's own SingleTaskGP defaults differ: an RBF
    kernel without outputscale, a dimension-scaled LogNormal lengthscale prior and a
    LogNormal noise prior with noise >= 1e-4.) Targets are standardised here, so the
    default Standardize outcome transform is switched off.
    """
    dim = X.shape[-1]
    likelihood = GaussianLikelihood(noise_constraint=Interval(1e-8, 1e-3))
    covar_module = ScaleKernel(
        MaternKernel(nu=2.5, ard_num_dims=dim, lengthscale_constraint=Interval(0.005, 4.0))
    )
    model = SingleTaskGP(
        X,
        _standardise(y).unsqueeze(-1),
        likelihood=likelihood,
        covar_module=covar_module,
        outcome_transform=None,
    ).to(DTYPE)
    mll = ExactMarginalLogLikelihood(model.likelihood, model)
    with gpytorch.settings.max_cholesky_size(max_cholesky_size):
        fit_gpytorch_mll(mll)
    return model


def default_n_candidates(dim: int) -> int:
    """The tutorial's candidate-set size: ``min(5000, max(2000, 200 * dim))``."""
    return min(5000, max(2000, 200 * dim))


def trust_region(model: SingleTaskGP, x_center: Tensor, length: float) -> tuple[Tensor, Tensor]:
    """Box around ``x_center`` with sides ``length * w`` clipped to the unit cube.

    ``w`` are the GP lengthscales rescaled to geometric mean 1, so the box volume is
    ``length ** dim`` before clipping and longer sides go to less sensitive dimensions.
    """
    weights = model.covar_module.base_kernel.lengthscale.detach().reshape(-1)
    weights = weights / weights.mean()
    weights = weights / torch.exp(torch.log(weights).mean())
    lower = (x_center - weights * length / 2.0).clamp(0.0, 1.0)
    upper = (x_center + weights * length / 2.0).clamp(0.0, 1.0)
    return lower, upper


def candidate_set(x_center: Tensor, lower: Tensor, upper: Tensor, n_candidates: int) -> Tensor:
    """Sobol perturbations of the incumbent inside the trust region.

    Each coordinate is replaced by the Sobol value with probability ``min(20/dim, 1)``;
    every candidate gets at least one perturbed coordinate.
    """
    dim = x_center.shape[-1]
    sobol = _sobol(dim, n_candidates, seed=_next_seed())
    perturbed = lower + (upper - lower) * sobol
    prob = min(20.0 / dim, 1.0)
    mask = torch.rand(n_candidates, dim, dtype=DTYPE) <= prob
    untouched = torch.nonzero(mask.sum(dim=1) == 0).reshape(-1)
    if untouched.numel() > 0:
        mask[untouched, torch.randint(0, dim, (untouched.numel(),))] = True
    candidates = x_center.expand(n_candidates, dim).clone()
    candidates[mask] = perturbed[mask]
    return candidates


def generate_batch(
    state: TurboState,
    model: SingleTaskGP,
    X: Tensor,
    y: Tensor,
    batch_size: int,
    n_candidates: int | None = None,
    max_cholesky_size: float = float("inf"),
) -> Tensor:
    """Pick ``batch_size`` new unit-cube points by Thompson sampling in the trust region.

    One joint posterior sample per batch slot is drawn over the candidate set and its
    maximiser taken, without replacement (``MaxPosteriorSampling(replacement=False)``).
    """
    dim = X.shape[-1]
    n_candidates = n_candidates or default_n_candidates(dim)
    x_center = X[y.argmax()].clone()
    lower, upper = trust_region(model, x_center, state.length)
    candidates = candidate_set(x_center, lower, upper, n_candidates)
    sampler = MaxPosteriorSampling(model=model, replacement=False)
    with torch.no_grad(), gpytorch.settings.max_cholesky_size(max_cholesky_size):
        return sampler(candidates, num_samples=batch_size)


def turbo1_botorch(
    f: Objective,
    bounds: Tensor,
    budget: int,
    batch_size: int = 10,
    n_init: int | None = None,
    seed: int = 0,
    max_cholesky_size: float = float("inf"),
    n_candidates: int | None = None,
    verbose: bool = False,
) -> dict:
    """Minimise ``f`` over ``bounds`` with GP TuRBO-1 using exactly ``budget`` evaluations.

    Each TuRBO-1 run starts from ``n_init`` (default ``2 * dim``) scrambled Sobol points and
    fits its GP only to its own data; when the trust region collapses below ``length_min``
    a fresh run starts from a new Sobol design (only the evaluations record is kept).
    The caller's torch RNG state is left untouched (forked), and the same ``seed`` gives
    the same trajectory up to floating-point nondeterminism in the GP fit.

    Returns ``{"y", "best", "wall_s", "fit_s", "propose_s", "n_restarts"}`` with ``y`` the
    ``f`` values in evaluation order and ``best`` their running minimum.
    """
    bounds = torch.as_tensor(bounds, dtype=DTYPE)
    dim = bounds.shape[-1]
    n_init = n_init or 2 * dim
    fit_s = propose_s = 0.0
    n_restarts = 0
    y_all: list[Tensor] = []
    n_done = 0
    start = time.perf_counter()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        while n_done < budget:
            # ---- a new TuRBO-1 run: initial design
            n_first = min(n_init, budget - n_done)
            X = _sobol(dim, n_first, seed=seed + 7919 * n_restarts)
            f_vals = _evaluate(f, X, bounds)
            y_all.append(f_vals)
            n_done += n_first
            y = -f_vals  # maximise -f
            state = TurboState(dim=dim, batch_size=batch_size, best_value=float(y.max()))
            # ---- trust-region iterations
            while n_done < budget and not state.restart_triggered:
                t0 = time.perf_counter()
                model = fit_gp(X, y, max_cholesky_size)
                t1 = time.perf_counter()
                q = min(batch_size, budget - n_done)
                X_next = generate_batch(state, model, X, y, q, n_candidates, max_cholesky_size)
                t2 = time.perf_counter()
                fit_s += t1 - t0
                propose_s += t2 - t1
                f_next = _evaluate(f, X_next, bounds)
                y_all.append(f_next)
                n_done += q
                state = update_state(state, -f_next)
                X = torch.cat([X, X_next])
                y = torch.cat([y, -f_next])
                if verbose:
                    print(
                        f"[turbo1 seed={seed}] n={n_done} best={-state.best_value:.4f} "
                        f"global={float(torch.cat(y_all).min()):.4f} L={state.length:.3g}",
                        flush=True,
                    )
            if state.restart_triggered and n_done < budget:
                n_restarts += 1
                if verbose:
                    print(f"[turbo1 seed={seed}] restart #{n_restarts} at n={n_done}", flush=True)
    wall_s = time.perf_counter() - start
    return _result(torch.cat(y_all)[:budget], wall_s, fit_s, propose_s, n_restarts)


# --------------------------------------------------------------------------- Sobol
def sobol_search(f: Objective, bounds: Tensor, budget: int, seed: int = 0) -> dict:
    """Evaluate ``f`` at ``budget`` scrambled, seeded Sobol points in ``bounds``."""
    bounds = torch.as_tensor(bounds, dtype=DTYPE)
    start = time.perf_counter()
    X = _sobol(bounds.shape[-1], budget, seed=seed)
    y = _evaluate(f, X, bounds)
    return _result(y, time.perf_counter() - start, 0.0, 0.0, 0)


# --------------------------------------------------------------------------- timing
def propose_time_gp(
    n_obs: int,
    dim: int,
    batch_size: int = 10,
    seed: int = 0,
    repeats: int = 1,
    force: bool = False,
    max_cholesky_size: float = float("inf"),
) -> dict:
    """Time one TuRBO-1 proposal with ``n_obs`` random Ackley observations in ``dim`` dims.

    Returns the mean over ``repeats`` of ``fit_s`` (GP hyperparameter fit) and
    ``select_s`` (candidate generation + Thompson selection of ``batch_size`` points).
    """
    if n_obs > MAX_EXACT_GP_OBS and not force:
        raise ValueError(
            f"n_obs={n_obs} > {MAX_EXACT_GP_OBS}: an exact GP needs an O(N^3) Cholesky of the "
            f"N x N kernel matrix at every one of the ~100 optimiser steps of the fit (N=10,000: "
            f"~3e11 flops and 0.8 GB per factorisation), plus a joint posterior over "
            f"N + candidates points for Thompson sampling; on a CPU this takes hours. "
            f"Pass force=True to run it anyway."
        )
    fit_times, select_times = [], []
    with torch.random.fork_rng(devices=[]):
        for r in range(repeats):
            torch.manual_seed(seed + r)
            X = torch.rand(n_obs, dim, dtype=DTYPE)
            y = -ackley(-5.0 + 15.0 * X)  # Ackley on [-5, 10]^dim, maximised as -f
            state = TurboState(dim=dim, batch_size=batch_size, best_value=float(y.max()))
            t0 = time.perf_counter()
            model = fit_gp(X, y, max_cholesky_size)
            t1 = time.perf_counter()
            generate_batch(state, model, X, y, batch_size, max_cholesky_size=max_cholesky_size)
            t2 = time.perf_counter()
            fit_times.append(t1 - t0)
            select_times.append(t2 - t1)
    return {"fit_s": sum(fit_times) / repeats, "select_s": sum(select_times) / repeats}


# --------------------------------------------------------------------------- CLI
def _best_at(best: Tensor, n: int) -> float | None:
    """Running minimum after ``n`` evaluations, or None if fewer were made."""
    return float(best[n - 1]) if best.numel() >= n else None


def main() -> None:
    """Run the chosen baseline on the chosen problem; one JSON line per seed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default="ackley20", choices=sorted(PROBLEMS))
    parser.add_argument("--budget", type=int, default=500)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--method", default="turbo1", choices=["turbo1", "sobol"])
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    f, bounds = PROBLEMS[args.problem]()
    for seed in args.seeds:
        if args.method == "turbo1":
            res = turbo1_botorch(
                f, bounds, args.budget, batch_size=args.batch_size, seed=seed, verbose=args.verbose
            )
        else:
            res = sobol_search(f, bounds, args.budget, seed=seed)
        print(
            json.dumps(
                {
                    "method": args.method,
                    "problem": args.problem,
                    "seed": seed,
                    "budget": args.budget,
                    "best@200": _best_at(res["best"], 200),
                    "best@500": _best_at(res["best"], 500),
                    "best_final": float(res["best"][-1]),
                    "wall_s": round(res["wall_s"], 2),
                    "fit_s": round(res["fit_s"], 2),
                    "propose_s": round(res["propose_s"], 2),
                    "n_restarts": res["n_restarts"],
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
