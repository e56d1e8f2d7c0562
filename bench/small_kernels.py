"""The small layer kernels of `rlkit.core.kernels` at the shapes of SAC's Pendulum step (256 units, minibatch 256; the
actor's forward on 512 rows), each timed alone in a loop (median of 5 rounds of the mean over 2,000 calls).

Usage: python bench/small_kernels.py [--threads 1 2]
Run it at two commits (e.g. through `git worktree` and PYTHONPATH) to compare implementations.
"""
import argparse
import ctypes
import statistics
import time

import torch

from rlkit.core import kernels


def timed_us(f, n:int=2000, rounds:int=5)->float:
    "Median over `rounds` of the mean time of `f()` in microseconds."
    for _ in range(100): f()
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(n): f()
        out.append((time.perf_counter() - t) / n * 1e6)
    return statistics.median(out)


def cases()->dict:
    "Name -> a call of one kernel on fixed random data (the C functions directly: no Python wrapper in the timing)."
    lib, P = kernels.native_library(), lambda t: ctypes.c_void_p(t.data_ptr())
    g = torch.Generator().manual_seed(0)
    rn = lambda *s: torch.randn(*s, generator=g)
    B, N = 256, 256
    x, w, b, out = rn(B, 4), rn(2, 4, N), rn(2, N), torch.empty(2, B, N)
    xa, wa, ba, outa = rn(2 * B, 3), rn(1, 3, N), rn(1, N), torch.empty(1, 2 * B, N)
    h, d = rn(2, B, N).relu(), rn(2, B, N)
    q, w1, b1, dw1, db1, dh, dbh = rn(2, B, 1), rn(2, N, 1), rn(2, 1), torch.empty(2, N, 1), torch.empty(2, 1), torch.empty(2, B, N), torch.empty(2, N)
    ha, ga, wa2, dwa, dba, dha, dbha = rn(1, B, N).relu(), rn(1, B, 2), rn(1, N, 2), torch.empty(1, N, 2), torch.empty(1, 2), torch.empty(1, B, N), torch.empty(1, N)
    dwx = torch.empty(2, 4, N)
    return {
        'thin forward, critics [2, 256, 4 -> 256], ReLU': lambda: lib.rk_thin_forward(P(x), 0, P(w), P(b), P(out), 2, B, 4, N, 1),
        'thin forward, actor [1, 512, 3 -> 256], ReLU': lambda: lib.rk_thin_forward(P(xa), 0, P(wa), P(ba), P(outa), 1, 2 * B, 3, N, 1),
        'thin weight gradient, critics': lambda: lib.rk_thin_weight_grad(P(x), 0, P(d), P(dwx), 2, B, 4, N),
        'activation gradient + bias gradient, critics': lambda: lib.rk_activation_grad_bias(P(d), P(h), P(dbh), 2, B, N, 1),
        'narrow forward, critics [2, 256, 256 -> 1]': lambda: lib.rk_narrow_forward(P(h), P(w1), P(b1), P(q), 2, B, N, 1),
        'narrow backward, critics [2, 256, 256 -> 1]': lambda: lib.rk_narrow_backward(P(h), P(q), P(w1), P(dw1), P(db1), P(dh), P(dbh), 2, B, N, 1, 1),
        'narrow backward, actor [1, 256, 256 -> 2]': lambda: lib.rk_narrow_backward(P(ha), P(ga), P(wa2), P(dwa), P(dba), P(dha), P(dbha), 1, B, N, 2, 1),
    }


def main():
    p = argparse.ArgumentParser(); p.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    a = p.parse_args()
    for t in a.threads:
        torch.set_num_threads(t)
        for name, f in cases().items(): print(f'threads {t}  {name:48s} {timed_us(f):7.1f} us', flush=True)


if __name__ == '__main__':
    main()
