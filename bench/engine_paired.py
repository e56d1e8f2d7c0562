"""rlkit against Stable-Baselines3 in one process, in alternating chunks: a speed ratio that the machine's slow spells
hit on both sides (issue #5).

`bench/engine.py` runs rlkit and SB3 as separate processes one after the other, which is right for peak RSS but lets
the ratio move with whatever the machine does in those minutes (on the 2-core VM the same code has run 1.5-2x apart
minutes apart). Here both are built in one process, trained until their warm-up is over (learning starts, first
allocations), then timed in turns: a chunk of rlkit's training loop, then a chunk of SB3's `model.learn` of the
same number of env steps, and so on. Each turn gives one ratio (rlkit steps/s over SB3 steps/s in adjacent seconds);
the report is their median with the quartiles, and the ratio of the summed times.

What is shared, and how it leans. Both sides use the same `torch.set_num_threads`. rlkit's training loop keeps freed
memory mapped (`core.device.tune_cpu_allocator`, a process-wide glibc setting) and limits NumPy's BLAS to one thread;
in one process SB3 gets both too. The allocator setting made SB3 no slower in `bench/engine.py --sb3-tuned-allocator`,
so if anything this favours SB3. SB3's `learn` is called once per chunk with `reset_num_timesteps=False` (its
set-up per call is well under 1% of a chunk); its learning-rate and clip schedules then restart each chunk, which
changes the values, not the work.

Denormal floats. rlkit's training loop sets the CPU to treat denormal floats as zero (`train.flush_denormals`,
`core.device.flush_denormals`); SB3 leaves the CPU as it is. The mode is per thread and the two sides share the
threads, so it is set before each chunk: by default each side runs as it would on its own (rlkit flushed, SB3 not);
`--sb3-denormals flushed` gives SB3 the same setting as rlkit (its Adam moments decay into denormals too, so this
speeds it up a little: the conservative comparison).

Usage: python bench/engine_paired.py [--cases ppo_cartpole,dqn_cartpole,sac_pendulum] [--turns 15] [--json out.json]
       [--sb3-denormals own|flushed]
       (threads per case as in bench/RESULTS.md: PPO 1, the others 2; --threads T sets all)
"""
import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
import engine  # noqa: E402  (bench/engine.py: the configs and overrides of each case)
import _sb3_reference as sb3ref  # noqa: E402
from engine_breakdown import built  # noqa: E402  (threads, allocator, BLAS threads, denormals, seeding and build, as training does)
from rlkit.core.device import flush_denormals  # noqa: E402

# env steps per turn, and the warm-up (past learning_starts) before timing starts
CHUNK = {'ppo_cartpole': 2048, 'dqn_cartpole': 1024, 'sac_pendulum': 200, 'sac_pendulum_bf16': 200, 'td3_pendulum': 200}
WARMUP = {'ppo_cartpole': 2048, 'dqn_cartpole': 2048, 'sac_pendulum': 300, 'sac_pendulum_bf16': 300, 'td3_pendulum': 300}
THREADS = {'ppo_cartpole': 1}   # the rest: 2


class RlkitSide:
    "rlkit's collect/update loop (as `engine.rlkit_run` times it), advanced a chunk of env steps at a time."
    def __init__(self, case:str, threads:int, total:int):
        path, extra = engine.CONFIGS[case]
        cfg, self.agent, self.col = built(str(engine.ROOT / path), threads, **{**extra, 'train.total_steps': total})
        self.total, self.flush = total, cfg.train.flush_denormals
        self.per_iter = (cfg.algo.n_steps if self.agent.on_policy else cfg.algo.train_freq) * cfg.env.num_envs

    def run(self, steps:int)->int:
        "Train for at least `steps` env steps (whole collect/update iterations); returns the steps taken."
        flush_denormals(self.flush)                 # (the threads are shared with the other side)
        start = self.col.total_steps
        while self.col.total_steps - start < steps:
            self.agent.set_progress(min(self.col.total_steps / self.total, 1.0))
            batch, _ = self.col.collect(self.agent, self.per_iter // self.col.env.num_envs)
            self.agent.update(batch)
        return self.col.total_steps - start


class SB3Side:
    "The SB3 reference model of `bench/_sb3_reference.py`, trained a chunk at a time by `learn`."
    def __init__(self, case:str, flush:bool=False):
        a = sb3ref.parse_args([case, '--steps', '1'])
        self.model, self.hparams = sb3ref.CASES[case](a)
        self.flush = flush

    def run(self, steps:int)->int:
        flush_denormals(self.flush)                 # SB3's own default (False), unless --sb3-denormals flushed
        before = self.model.num_timesteps
        self.model.learn(total_timesteps=steps, reset_num_timesteps=False)
        return self.model.num_timesteps - before


def paired(case:str, turns:int, threads:int, sb3_flush:bool=False)->dict:
    "Warm both sides up, then alternate timed chunks; per-turn ratios and their summary."
    import torch
    chunk, warm = CHUNK[case], WARMUP[case]
    mine = RlkitSide(case, threads, warm + chunk * (turns + 1))
    ref = SB3Side(engine.SB3_CASE.get(case, case), sb3_flush)
    torch.set_num_threads(threads)                  # both sides: the same setting (SB3's build does not change it)
    mine.run(warm); ref.run(warm)
    rows = []
    for turn in range(turns):
        order = (('rlkit', mine), ('sb3', ref)) if turn % 2 == 0 else (('sb3', ref), ('rlkit', mine))   # who goes first alternates too
        row = {}
        for name, side in order:
            t = time.perf_counter(); n = side.run(chunk); row[name] = n / (time.perf_counter() - t)
        rows.append(row)
        print(f"  {case} turn {turn:2d}: rlkit {row['rlkit']:9.0f}  sb3 {row['sb3']:8.0f}  x{row['rlkit'] / row['sb3']:.2f}", flush=True)
    ratios = sorted(r['rlkit'] / r['sb3'] for r in rows)
    q = lambda p: ratios[min(len(ratios) - 1, int(p * len(ratios)))]
    total = lambda k: turns * chunk / sum(chunk / r[k] for r in rows)     # steps/s over all of a side's timed chunks
    return {'case': case, 'threads': threads, 'chunk_env_steps': chunk, 'turns': turns,
            'denormals_flushed': {'rlkit': mine.flush, 'sb3': sb3_flush},
            'ratio_median': q(0.5), 'ratio_q25': q(0.25), 'ratio_q75': q(0.75), 'ratio_min': ratios[0], 'ratio_max': ratios[-1],
            'rlkit_steps_per_s': total('rlkit'), 'sb3_steps_per_s': total('sb3'), 'ratio_of_totals': total('rlkit') / total('sb3'),
            'turn_steps_per_s': [{k: round(v, 1) for k, v in r.items()} for r in rows]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--cases', default='ppo_cartpole,dqn_cartpole,sac_pendulum'); p.add_argument('--turns', type=int, default=15)
    p.add_argument('--threads', type=int); p.add_argument('--json')
    p.add_argument('--sb3-denormals', choices=('own', 'flushed'), default='own')
    a = p.parse_args()
    rows = []
    for case in a.cases.split(','):
        r = paired(case, a.turns, a.threads or THREADS.get(case, 2), a.sb3_denormals == 'flushed')
        rows.append(r)
        print(f"{case:18s} median x{r['ratio_median']:.2f} (quartiles {r['ratio_q25']:.2f}-{r['ratio_q75']:.2f}, "
              f"range {r['ratio_min']:.2f}-{r['ratio_max']:.2f}); totals rlkit {r['rlkit_steps_per_s']:.0f}, "
              f"sb3 {r['sb3_steps_per_s']:.0f} steps/s: x{r['ratio_of_totals']:.2f}", flush=True)
    import torch, gymnasium, numpy, stable_baselines3
    out = {'benchmark': 'engine_paired', 'rlkit_commit': engine.git_commit(), 'rows': rows,
           'machine': f"{platform.machine()}, {os.cpu_count()} cores",
           'versions': {'torch': torch.__version__, 'sb3': stable_baselines3.__version__, 'gymnasium': gymnasium.__version__,
                        'numpy': numpy.__version__, 'python': platform.python_version()}}
    if a.json: Path(a.json).write_text(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
