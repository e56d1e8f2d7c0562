"""Trust-region BO benchmark: rlkit TuRBO (ENN with several geometries, several regions; GP) against a BoTorch
TuRBO-1 reference and Sobol, on Ackley-20, Levy-100, a rotated ill-conditioned Rosenbrock-20 and Hartmann-6.

Usage (from the repository root):
  .venv/bin/python bench/bo.py quality  [--problems ackley20 ...] [--methods enn-box ...] [--seeds 5] [--budget 500] [--out bench/bo_runs.jsonl]
  .venv/bin/python bench/bo.py proposal [--sizes 100 1000 10000 50000] [--dim 20]
  .venv/bin/python bench/bo.py report   [--out bench/bo_runs.jsonl]
`quality` appends one JSON line per (problem, method, seed) to --out and skips runs already there, so an interrupted
benchmark resumes; `report` prints the Markdown table (median over seeds of the best value after 200 and 500
evaluations, and of the wall time). All problems are minimised; q = 10.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from rlkit.bo.optimizer import TurboOptimizer, minimize  # noqa: E402
from rlkit.bo.problems import BENCHMARKS  # noqa: E402

METHODS = {
    "enn-box": dict(surrogate="enn", geometry="box"),
    "enn-box-plain": dict(surrogate="enn", geometry="box", trend="none"),       # the reference ENN (no trend)
    "enn-ellipsoid": dict(surrogate="enn", geometry="ellipsoid"),
    "enn-metric": dict(surrogate="enn", geometry="metric"),
    "enn-metric-plain": dict(surrogate="enn", geometry="metric", trend="none"),
    "enn-multi4": dict(surrogate="enn", geometry="box", n_regions=4, allocation="score"),
    "gp-box": dict(surrogate="gp", geometry="box"),
    "botorch-turbo1": None,   # bench/_bo_reference.py
    "sobol": None,
}


def run_one(problem: str, method: str, seed: int, budget: int, q: int) -> dict:
    "One optimisation run; returns the record written to the JSONL file."
    p = BENCHMARKS[problem]()
    t0 = time.perf_counter()
    if method == "botorch-turbo1":
        from _bo_reference import turbo1_botorch
        r = turbo1_botorch(p, p.bounds, budget, batch_size=q, seed=seed)
        f = r["y"]
    elif method == "sobol":
        from _bo_reference import sobol_search
        f = sobol_search(p, p.bounds, budget, seed=seed)["y"]
    else:
        f = minimize(p, p.bounds, budget, batch_size=q, progress=False, seed=seed, **METHODS[method]).f
    wall = time.perf_counter() - t0
    best = torch.cummin(torch.as_tensor(f, dtype=torch.float64), 0).values
    return dict(problem=problem, method=method, seed=seed, budget=budget, q=q, wall_s=wall,
                best_at={str(n): float(best[n - 1]) for n in (50, 100, 200, 300, 400, 500) if n <= len(best)},
                optimum=p.optimal_value)


def versions() -> dict:
    from importlib.metadata import version
    out = {"python": platform.python_version(), "torch_threads": torch.get_num_threads(), "cpu": platform.processor() or platform.machine()}
    for pkg in ("rlkit", "torch", "botorch", "gpytorch"):
        out[pkg] = version(pkg)
    return out


def quality(args) -> None:
    done = set()
    out = Path(args.out)
    if out.exists():
        for line in out.read_text().splitlines():
            r = json.loads(line); done.add((r["problem"], r["method"], r["seed"], r["budget"]))
    for problem in args.problems:
        for method in args.methods:
            for seed in range(args.seeds):
                if (problem, method, seed, args.budget) in done: continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    r = run_one(problem, method, seed, args.budget, args.q)
                r["versions"] = versions()
                with out.open("a") as fh: fh.write(json.dumps(r) + "\n")
                print(f"{problem:18s} {method:15s} seed {seed}: best@200 {r['best_at'].get('200', float('nan')):.4g} "
                      f"best@500 {r['best_at'].get('500', float('nan')):.4g} {r['wall_s']:.1f} s", flush=True)


def report(args) -> None:
    latest = {}                                          # one record per (problem, method, seed): the last written
    for out in args.out.split(","):
        for line in Path(out).read_text().splitlines():
            r = json.loads(line); latest[(r["problem"], r["method"], r["seed"])] = r
    groups = {}
    for r in latest.values(): groups.setdefault((r["problem"], r["method"]), []).append(r)
    print("| problem | method | seeds | median best@200 | median best@500 | median wall (s) |")
    print("|---|---|---|---|---|---|")
    for (problem, method), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], list(METHODS).index(kv[0][1]))):
        med = lambda xs: statistics.median(xs)
        b2 = med([r["best_at"]["200"] for r in rs]); b5 = med([r["best_at"]["500"] for r in rs if "500" in r["best_at"]])
        print(f"| {problem} | {method} | {len(rs)} | {b2:.4g} | {b5:.4g} | {med([r['wall_s'] for r in rs]):.1f} |")


def synthetic_campaign(n: int, d: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """n observations shaped like a converging TuRBO campaign on Ackley (unit cube): a cloud around the eventual
    incumbent whose radius is log-uniform in [0.005, 0.5], plus 5% uniform points. Values: -Ackley."""
    g = torch.Generator().manual_seed(seed)
    c = torch.full((d,), 1 / 3, dtype=torch.float64)      # Ackley's optimum in [-5, 10]^d, unit coordinates
    c = c + 0.05 * torch.rand(d, generator=g, dtype=torch.float64)
    r = 10 ** (torch.rand(n, 1, generator=g, dtype=torch.float64) * 2 - 2.3)
    X = (c + r * (2 * torch.rand(n, d, generator=g, dtype=torch.float64) - 1)).clamp(0, 1)
    k = n // 20
    X[:k] = torch.rand(k, d, generator=g, dtype=torch.float64)
    p = BENCHMARKS["ackley20"]() if d == 20 else None
    U = p.from_unit(X) if p is not None else X
    y = -p(U) if p is not None else -(X - c).norm(dim=1)
    return U, y


def proposal(args) -> None:
    "Time one proposal (ask, then the tell that refits) at N observations, ENN box and ellipsoid, and GP at small N."
    p = BENCHMARKS["ackley20"]()
    print(json.dumps(versions()))
    print("| N | surrogate / geometry | ask (candidates + acquisition) ms | tell (refit + region update) ms | proposal ms |")
    print("|---|---|---|---|---|")
    for n in args.sizes:
        X, y = synthetic_campaign(n, args.dim)
        for label, kw in (("enn / box", dict(geometry="box")), ("enn / ellipsoid", dict(geometry="ellipsoid")),
                          ("gp / box", dict(surrogate="gp"))):
            if kw.get("surrogate") == "gp" and n > 1000: continue
            asks, tells = [], []
            opt = TurboOptimizer(p.bounds, batch_size=10, seed=0, **kw)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                opt.tell(X, y)                                  # the campaign so far (not timed)
                opt.regions[0].init = opt.regions[0].init[:0]   # past the initial design
                opt.regions[0].tr.rule.length = 0.1            # a converging region
                for _ in range(args.repeats):
                    t0 = time.perf_counter(); Xq = opt.ask(); t1 = time.perf_counter()
                    opt.tell(Xq, -p(Xq)); t2 = time.perf_counter()
                    asks.append(t1 - t0); tells.append(t2 - t1)
            a, t = statistics.median(asks) * 1e3, statistics.median(tells) * 1e3
            print(f"| {n:,} | {label} | {a:.1f} | {t:.1f} | {a + t:.1f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("quality", "proposal", "report"), nargs="?", default="proposal")
    ap.add_argument("--problems", nargs="+", default=list(BENCHMARKS))
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--budget", type=int, default=500)
    ap.add_argument("--q", type=int, default=10)
    ap.add_argument("--out", default="bench/bo_runs.jsonl", help="JSONL file (report: several, comma-separated)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000, 50000])
    ap.add_argument("--dim", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    {"quality": quality, "proposal": proposal, "report": report}[args.mode](args)


if __name__ == "__main__":
    main()
