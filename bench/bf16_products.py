"""The products of SAC's wide layers, alone: rlkit's own bfloat16 products (`kernels.bf16_matmul`, AVX512-BF16) against
PyTorch's float32 (MKL) and bfloat16 (oneDNN) `mm`, in the three layouts a network's passes use (forward `h @ W`,
weight gradient `h.T @ d`, input gradient `d @ W.T`). Best of five means of 200 calls, microseconds.

Usage: python bench/bf16_products.py [--threads 1 2] [--rows 256 512]
"""
import argparse

import torch

from rlkit.core import kernels
from engine_breakdown import best_us   # (bench/engine_breakdown.py: best-of-5 mean of 200 calls)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, nargs='+', default=[1, 2]); p.add_argument('--rows', type=int, nargs='+', default=[256, 512])
    a = p.parse_args()
    print(f"AVX512-BF16 products: {kernels.bf16_products_native()}")
    for threads in a.threads:
        torch.set_num_threads(threads)
        for M in a.rows:
            h, W, d = torch.randn(M, 256), torch.randn(256, 256), torch.randn(M, 256)
            hb, Wb = h.bfloat16(), W.bfloat16()
            flop = 2 * M * 256 * 256
            cases = {'rlkit bf16 h @ W': lambda: kernels.bf16_matmul(h, W), 'rlkit bf16 h.T @ d': lambda: kernels.bf16_matmul(h.T, d),
                     'rlkit bf16 d @ W.T': lambda: kernels.bf16_matmul(d, W.T), 'torch float32 h @ W': lambda: h @ W,
                     'torch bf16 h @ W (bf16 result)': lambda: hb @ Wb}
            for name, f in cases.items():
                us = best_us(f)
                print(f"threads {threads}  [{M}, 256] x [256, 256]  {name:32s} {us:7.1f} us  {flop / us / 1e3:6.1f} GFLOP/s", flush=True)


if __name__ == '__main__':
    main()
