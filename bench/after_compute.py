"""Why the Python around a gradient step costs more in training than in a loop: the median time of a few small
operations (a torch.empty, a randint, a NumPy add, a short Python loop) measured right after different work, one
thread. On this VM a small operation right after a few float32 products (MKL) or a 1 ms sleep takes 10-20x as long as
in a tight loop, while after evicting 4 MiB of data it takes about 2x: not the data caches, more likely the core's
clock or the host (the products run the vector units hard; the sleep lets the vCPU idle).

Usage: python bench/after_compute.py
"""
import statistics
import time

import numpy as np
import torch


def main():
    torch.set_num_threads(1)
    pc = time.perf_counter
    A, B, junk = torch.randn(512, 256), torch.randn(256, 256), torch.zeros(1 << 20)
    g = torch.Generator().manual_seed(0)
    ops = {'torch.empty(7)': lambda: torch.empty(7), 'randint(256)': lambda: torch.randint(1000, (256,), generator=g),
           'np.add': lambda: np.add(1.0, 2.0), 'sum(range(100))': lambda: sum(range(100))}
    before = {'nothing (tight loop)': lambda: None, '3 products [512,256]x[256,256]': lambda: [A @ B for _ in range(3)],
              'evicting 4 MiB': lambda: junk.add_(1), 'sleep 1 ms': lambda: time.sleep(0.001)}
    for name, pre in before.items():
        row = []
        for op_name, op in ops.items():
            xs = []
            for _ in range(300):
                pre(); t = pc(); op(); xs.append(pc() - t)
            row.append(f'{op_name} {statistics.median(xs) * 1e6:5.1f} us')
        print(f'after {name:32s}', ' | '.join(row), flush=True)


if __name__ == '__main__':
    main()
