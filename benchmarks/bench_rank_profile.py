"""Rank profiles of deep linear 2RNN stacks (issue 10): evaluation-based bases vs brute-force blocks.

For each stack (binary alphabet, random nonzero integer parameters in [-64, 64],
``rnnexpr.growth.generic_stack``, seed 0): the fast path
``rank_profile(stack, K, method="modular")`` (ranks over GF(p) of blocks on prefix and
suffix sets grown from the reachable features; each rank labelled proven or a lower
bound, with the prime and the error probability), timed for all k <= K.  Baseline, in the
same run: the full block over all words of length <= k, evaluated word by word
(``Stack.values``) and ranked exactly over Q (``tests.oracles.brute_force_rank_profile``),
for k = 0, 1, ... until it has used as much time as the fast path; we report the largest
k it finished, checks agreement there, and extrapolates its cost to K (x4 per k, the
block doubles both ways) to print the ratio.

Usage: python benchmarks/bench_rank_profile.py [--quick] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from rnnexpr import exact_rank, rank_profile  # noqa: E402
from rnnexpr.growth import generic_stack  # noqa: E402
from tests.oracles import all_words  # noqa: E402

CASES = [
    ((2, 2, 2), "pure", 10),
    ((2, 2, 2), "2rnn", 10),
    ((1, 1, 1), "pure", 10),
    ((1, 1, 1), "2rnn", 10),
    ((2, 1, 1, 1), "pure", 10),
    ((2, 1, 1, 1), "2rnn", 10),
    ((2, 2), "pure", 16),
    ((2, 2), "2rnn", 16),
]


def brute(stack, K: int, budget: float) -> tuple[list[int], list[float]]:
    ranks, times = [], []
    t0 = time.perf_counter()
    for k in range(K + 1):
        words = all_words(2, k)
        tk = time.perf_counter()
        vals = stack.values([list(u) + list(v) for u in words for v in words], exact=True)
        H = np.asarray(vals, dtype=object).reshape(len(words), len(words))
        ranks.append(exact_rank(H).rank)
        times.append(time.perf_counter() - tk)
        if time.perf_counter() - t0 > budget:
            break
    return ranks, times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="K - 3 for every case")
    args = ap.parse_args()
    print(f"{'widths':>12} {'terms':>5} {'K':>3} {'fast (s)':>8} {'proven':>7} {'eps':>8} "
          f"{'brute k':>7} {'agree':>5} {'ratio':>8}  ranks")
    for widths, kind, K in CASES:
        K = K - 3 if args.quick else K
        stack = generic_stack(list(widths), 2, kind=kind, seed=args.seed)
        t0 = time.perf_counter()
        prof = rank_profile(stack, K, method="modular", seed=args.seed)
        t_fast = time.perf_counter() - t0
        b, times = brute(stack, K, max(t_fast, 1.0))
        kb = len(b) - 1
        growth = max(times[-1] / times[-2], 4.0) if len(times) > 1 and times[-2] > 0 else 4.0
        est = times[-1] * growth ** (K - kb)
        terms = "pure" if kind == "pure" else "UVb"
        print(f"{str(widths):>12} {terms:>5} {K:>3} {t_fast:8.1f} {sum(prof.proven):>3}/{K + 1:<3} "
              f"{prof.error_probability:8.1e} {kb:>7} {str(b == prof.ranks[: kb + 1]):>5} {est / t_fast:8.0f}x  "
              f"{prof.ranks}", flush=True)
    print(f"prime p = {prof.prime} (random_prime(seed={args.seed}))")


if __name__ == "__main__":
    main()
