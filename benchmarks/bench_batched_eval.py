"""Batched float64 evaluation of a depth-3 linear 2RNN stack vs a per-sequence Python loop.

Issue 2 benchmark: n = 64 per layer, d = 16, batch 1024, T = 256.  The baseline is the
straightforward loop: for each sequence, for each time step, for each layer,
``h = einsum('i,j,ijk->k', h, z, A) + U z + V h + b``.  Its cost is exactly linear in the
batch size, so by default it runs on a subset of the batch and is extrapolated
(``--baseline-batch 1024`` runs it on everything); the outputs of that subset are
checked against the batched result.

Usage: python benchmarks/bench_batched_eval.py [--batch 1024] [--T 256] [--baseline-batch 32] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rnnexpr import random_stack


def per_sequence_loop(stack, x):
    batch, T, _ = x.shape
    out = np.empty((batch, T, stack.output_dim))
    for b in range(batch):
        hs = [np.zeros(layer.width) for layer in stack.layers]
        for t in range(T):
            z = x[b, t]
            for li, layer in enumerate(stack.layers):
                h = hs[li]
                h = np.einsum("i,j,ijk->k", h, z, layer.A) + layer.U @ z + layer.V @ h + layer.b
                hs[li] = h
                z = h
            out[b, t] = stack.C @ z + stack.c
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--T", type=int, default=256)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--input-dim", type=int, default=16)
    parser.add_argument("--baseline-batch", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3, help="report the best of this many runs of each")
    args = parser.parse_args()

    stack = random_stack([args.width] * 3, input_dim=args.input_dim, seed=0)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(args.batch, args.T, args.input_dim)) / np.sqrt(args.input_dim)

    # Best of --repeat runs for both methods: the machine is shared, and the
    # minimum is the least disturbed measurement of each.
    fast = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        y = stack.run(x)
        fast = min(fast, time.perf_counter() - t0)

    nb = min(args.baseline_batch, args.batch)
    base_subset = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        y_base = per_sequence_loop(stack, x[:nb])
        base_subset = min(base_subset, time.perf_counter() - t0)
    base = base_subset * args.batch / nb
    err = float(np.max(np.abs(y_base - y[:nb])) / max(1e-300, np.max(np.abs(y_base))))

    print(f"depth-3 linear 2RNN, n={args.width}, d={args.input_dim}, batch={args.batch}, T={args.T}")
    print(f"  batched Stack.run          : {fast:8.2f} s (best of {args.repeat})")
    extrap = "" if nb == args.batch else f" (measured {base_subset:.2f} s on {nb} sequences, x{args.batch / nb:g})"
    print(f"  per-sequence Python loop   : {base:8.2f} s{extrap}")
    print(f"  max relative difference    : {err:.1e}")
    print(f"  ratio (baseline / batched) : {base / fast:8.1f}x")


if __name__ == "__main__":
    main()
