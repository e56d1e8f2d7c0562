"""rlkit with and without its native kernels (`rlkit.core.kernels`), in one process, in alternating chunks (issue #5).

One agent is built and warmed up as in `bench/engine_paired.py`; then chunks of its collect/update loop are timed in
turns with the kernels on and off (`kernels.set_native`, who goes first alternates), so each turn's ratio compares
adjacent seconds of the same run. Off, the networks take their PyTorch path: the same arithmetic up to float32
rounding. The training continues across the turns, so both settings see the same stage of training.

`--switch phase` compares DQN's whole update phase in one native call (`kernels.dqn_phase`, `DQN.native_phase`) with
its step-by-step native path instead, `--switch step` SAC's gradient step in one native call (`kernels.sac_step`,
`SAC.native_step`) with its step through the networks' native path (the other kernels on in both).

Usage: python bench/engine_native.py [--cases ppo_cartpole,dqn_cartpole,sac_pendulum] [--turns 20] [--switch kernels|phase|step]
       [--json out.json]   (threads per case as in bench/RESULTS.md: PPO 1, the others 2)
"""
import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engine  # noqa: E402
from engine_paired import CHUNK, WARMUP, THREADS, RlkitSide  # noqa: E402
from rlkit.core import kernels  # noqa: E402


def native_ab(case:str, turns:int, threads:int, switch:str='kernels')->dict:
    "Warm up, then alternate timed chunks with the kernels (or DQN's phase kernel) on and off; the per-turn ratios (on / off) and their summary."
    chunk, warm = CHUNK[case], WARMUP[case]
    side = RlkitSide(case, threads, warm + chunk * (2 * turns + 1))
    if not kernels.native_available(): raise SystemExit("the native kernels are not available here: nothing to compare")
    attr = {'phase': 'native_phase', 'step': 'native_step'}.get(switch)
    if attr and not hasattr(side.agent, attr): raise SystemExit(f"{case}: no {attr} to switch")
    set_on = kernels.set_native if switch == 'kernels' else lambda on: setattr(side.agent, attr, on)
    side.run(warm)
    rows = []
    try:
        for turn in range(turns):
            row = {}
            for name in (('on', 'off') if turn % 2 == 0 else ('off', 'on')):
                set_on(name == 'on')
                t = time.perf_counter(); n = side.run(chunk); row[name] = n / (time.perf_counter() - t)
            rows.append(row)
            print(f"  {case} turn {turn:2d}: {switch} on {row['on']:9.0f}  off {row['off']:9.0f}  x{row['on'] / row['off']:.3f}", flush=True)
    finally: set_on(True)
    ratios = sorted(r['on'] / r['off'] for r in rows)
    q = lambda p: ratios[min(len(ratios) - 1, int(p * len(ratios)))]
    total = lambda k: turns * chunk / sum(chunk / r[k] for r in rows)
    return {'case': case, 'switch': switch, 'threads': threads, 'chunk_env_steps': chunk, 'turns': turns,
            'ratio_median': q(0.5), 'ratio_q25': q(0.25), 'ratio_q75': q(0.75),
            'native_steps_per_s': total('on'), 'torch_steps_per_s': total('off'),
            'turn_steps_per_s': [{k: round(v, 1) for k, v in r.items()} for r in rows]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--cases', default='ppo_cartpole,dqn_cartpole,sac_pendulum'); p.add_argument('--turns', type=int, default=20)
    p.add_argument('--switch', choices=['kernels', 'phase', 'step'], default='kernels'); p.add_argument('--json')
    a = p.parse_args()
    rows = []
    for case in a.cases.split(','):
        r = native_ab(case, a.turns, THREADS.get(case, 2), a.switch)
        rows.append(r)
        print(f"{case:18s} {a.switch} on/off median x{r['ratio_median']:.3f} (quartiles {r['ratio_q25']:.3f}-{r['ratio_q75']:.3f}); "
              f"totals {r['native_steps_per_s']:.0f} against {r['torch_steps_per_s']:.0f} steps/s", flush=True)
    import torch, numpy
    out = {'benchmark': 'engine_native', 'rlkit_commit': engine.git_commit(), 'rows': rows,
           'machine': f"{platform.machine()}, {os.cpu_count()} cores",
           'versions': {'torch': torch.__version__, 'numpy': numpy.__version__, 'python': platform.python_version()}}
    if a.json: Path(a.json).write_text(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
