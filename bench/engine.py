"""Throughput and memory of rlkit's native engine against Stable-Baselines3 2.9.2, same machine, same settings.

For each case, two subprocesses run one after the other (so each peak RSS is that of one run): rlkit's training loop
(collect + update, no evaluation, checkpoints or telemetry, like SB3's `model.learn`) and `bench/_sb3_reference.py`
with identical hyperparameters and network sizes. Cases:

* ppo_cartpole  -- configs/ppo_cartpole.yaml (rl-zoo: 8 envs, n_steps 32, batch 256, 20 epochs, 64x64 tanh)
* sac_pendulum  -- configs/sac_pendulum.yaml (256x256, batch 256, one gradient step per env step, buffer 1e6)
* dqn_cartpole  -- configs/dqn_cartpole.yaml (rl-zoo: 256x256, train_freq 256, gradient_steps 128, buffer 1e5)
* td3_pendulum  -- configs/td3_pendulum.yaml with 256x256 and learning_starts 100 (as the SB3 reference)
* sac_pendulum_bf16 -- sac_pendulum with algo.matmul_precision=bfloat16 (rlkit only; SB3 runs its float32 sac_pendulum)

Each pair runs --repeats times, alternating, and the medians are reported.

Usage: python bench/engine.py [--repeats 3] [--cases ppo_cartpole,sac_pendulum,dqn_cartpole] [--threads 1] [--sb3-threads 2]
                              [--sb3-tuned-allocator] [--json out.json]
       (--sb3-threads: torch threads of the SB3 runs; default: the same as --threads; 2 is SB3's default here.
        rlkit's runs keep freed memory mapped, as its training loop does (train.tune_allocator, core.device);
        --sb3-tuned-allocator gives the SB3 runs the same glibc malloc thresholds through GLIBC_TUNABLES.)
       python bench/engine.py --run CASE --steps N --threads T     (one rlkit run; prints JSON)
"""
import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = {'ppo_cartpole': 50_000, 'sac_pendulum': 3_000, 'dqn_cartpole': 30_000, 'td3_pendulum': 3_000, 'sac_pendulum_bf16': 3_000}
CONFIGS = {'ppo_cartpole': ('configs/ppo_cartpole.yaml', {}),
           'sac_pendulum': ('configs/sac_pendulum.yaml', {}),
           'dqn_cartpole': ('configs/dqn_cartpole.yaml', {}),
           'td3_pendulum': ('configs/td3_pendulum.yaml', {'algo.hidden_sizes': [256, 256], 'algo.learning_starts': 100}),
           'sac_pendulum_bf16': ('configs/sac_pendulum.yaml', {'algo.matmul_precision': 'bfloat16'})}
SB3_CASE = {'sac_pendulum_bf16': 'sac_pendulum'}      # SB3 has no bfloat16 products: its float32 run is the reference


def rlkit_run(case: str, steps: int, threads: int) -> dict:
    "Time rlkit's collect/update loop for `steps` env steps in this process."
    import torch
    from rlkit.core.config import load_config
    from rlkit.core.seeding import seed_everything, derive_seed
    from rlkit.train.loop import build
    from rlkit.core.device import tune_cpu_allocator, set_blas_threads, flush_denormals
    torch.set_num_threads(threads)
    path, extra = CONFIGS[case]
    cfg = load_config(ROOT / path, {'train.total_steps': steps, **extra})
    allocator = cfg.train.tune_allocator and tune_cpu_allocator()         # as the training loop does
    set_blas_threads(cfg.train.blas_threads)                              # likewise
    denormals = flush_denormals(cfg.train.flush_denormals)                 # likewise
    seed_everything(cfg.seed)
    b = build(cfg)
    b.collector.reset(derive_seed(cfg.seed, 'train-envs'))
    agent, col = b.agent, b.collector
    n = cfg.algo.n_steps if agent.on_policy else cfg.algo.train_freq
    iters = max(1, steps // (n * cfg.env.num_envs))
    rss_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    for it in range(iters):
        agent.set_progress(it / iters)
        batch, _ = col.collect(agent, n)
        agent.update(batch)
    sec = time.perf_counter() - t
    buf = getattr(agent, 'buffer', None)
    return {'case': case, 'impl': 'rlkit', 'env_steps': col.total_steps, 'seconds': sec, 'steps_per_s': col.total_steps / sec,
            'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'rss_after_build_mib': rss_build,
            'replay_bytes_per_transition': None if buf is None else buf.bytes_per_transition, 'threads': threads,
            'tuned_allocator': allocator, 'blas_threads': cfg.train.blas_threads,
            'flush_denormals': cfg.train.flush_denormals and denormals is not None}   # (it returns the previous mode)


def tuned_allocator_env() -> dict:
    "GLIBC_TUNABLES with the thresholds rlkit.core.device.tune_cpu_allocator sets, for a process that does not set them itself."
    from rlkit.core.device import tune_cpu_allocator
    mmap, trim = tune_cpu_allocator.__defaults__
    return {'GLIBC_TUNABLES': f'glibc.malloc.mmap_threshold={mmap}:glibc.malloc.trim_threshold={trim}'}


def sub(args: list[str], env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=True,
                         env=None if env is None else {**os.environ, **env}).stdout
    return json.loads(out[out.index('{'):])


def git_commit() -> str:
    "The checked-out commit, with '+changes' when the working tree differs from it."
    run = lambda *c: subprocess.run(['git', *c], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return (run('rev-parse', '--short', 'HEAD') or 'unknown') + ('+changes' if run('status', '--porcelain', '--untracked-files=no') else '')


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--run'); p.add_argument('--steps', type=int); p.add_argument('--threads', type=int, default=1)
    p.add_argument('--cases', default='ppo_cartpole,sac_pendulum,dqn_cartpole'); p.add_argument('--json')
    p.add_argument('--sb3-threads', type=int); p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--sb3-tuned-allocator', action='store_true', help="run SB3 with rlkit's allocator thresholds too (GLIBC_TUNABLES)")
    a = p.parse_args()
    if a.run:
        print(json.dumps(rlkit_run(a.run, a.steps or STEPS[a.run], a.threads))); return
    rows = []
    for case in a.cases.split(','):
        steps = a.steps or STEPS[case]
        runs = {'rlkit': [], 'sb3': []}
        for _ in range(a.repeats):          # alternate the two, so a slow spell of the machine hits both
            runs['rlkit'].append(sub([str(Path(__file__)), '--run', case, '--steps', str(steps), '--threads', str(a.threads)]))
            runs['sb3'].append(sub(['bench/_sb3_reference.py', SB3_CASE.get(case, case), '--steps', str(steps), '--threads', str(a.sb3_threads or a.threads)],
                                   tuned_allocator_env() if a.sb3_tuned_allocator else None))
        med = lambda rs: sorted(rs, key=lambda r: r['steps_per_s'])[len(rs) // 2]
        mine, ref = med(runs['rlkit']), med(runs['sb3'])
        # each rlkit run against the SB3 run right after it: the two share the machine's state of those minutes
        pairs = [r['steps_per_s'] / s['steps_per_s'] for r, s in zip(runs['rlkit'], runs['sb3'])]
        rows.append({'case': case, 'steps': steps, 'rlkit': mine, 'sb3': ref, 'speedup': mine['steps_per_s'] / ref['steps_per_s'],
                     'pair_speedups': [round(x, 3) for x in pairs], 'pair_speedup_median': sorted(pairs)[len(pairs) // 2],
                     'all_steps_per_s': {k: [round(r['steps_per_s'], 1) for r in v] for k, v in runs.items()}})
        print(f"{case:14s} rlkit {mine['steps_per_s']:9.0f} steps/s  sb3 {ref['steps_per_s']:9.0f} steps/s  "
              f"x{rows[-1]['speedup']:.2f} (pairs {' '.join(f'{x:.2f}' for x in pairs)})  "
              f"peak RSS {mine['peak_rss_mib']:.0f} / {ref['peak_rss_mib']:.0f} MiB  "
              f"bytes/transition {mine['replay_bytes_per_transition']} / {ref.get('replay_bytes_per_transition')}", flush=True)
    import torch, gymnasium, numpy
    out = {'benchmark': 'engine', 'rlkit_commit': git_commit(), 'threads': a.threads, 'sb3_threads': a.sb3_threads or a.threads,
           'sb3_tuned_allocator': a.sb3_tuned_allocator, 'rows': rows, 'machine': f"{platform.machine()}, {os.cpu_count()} cores",
           'versions': {'torch': torch.__version__, 'gymnasium': gymnasium.__version__, 'numpy': numpy.__version__,
                        'python': platform.python_version()}}
    if a.json: Path(a.json).write_text(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
