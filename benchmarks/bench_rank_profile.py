"""Rank profile of a depth-2 linear 2RNN stack: lifted factorization vs brute-force blocks.

Issue 3 benchmark: widths (2, 2), binary alphabet, all terms (U, V, b, c), exact rational
parameters (seed 0).  Fast: ``rank_profile(stack, 12)`` (exact; prefix-feature and
suffix-functional bases through the lifted representation, never the block), and the same
over GF(p) (``method="modular"``: proven lower bounds, equal w.h.p.).  Baseline
(``tests/oracles``): for k = 0, 1, 2, ... evaluate the full block over all words of length
<= k exactly and take its exact rank; it runs until it has used as much time as the fast
method took for all k <= 12, and we report the largest k it finished.

Usage: python benchmarks/bench_rank_profile.py [--max-len 12] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from rnnexpr import exact_rank, random_stack, rank_profile  # noqa: E402
from tests.oracles import all_words  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-len", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    stack = random_stack([2, 2], 2, kind="2rnn", seed=args.seed, exact=True)

    t0 = time.perf_counter()
    prof = rank_profile(stack, args.max_len)
    t_fast = time.perf_counter() - t0
    print(f"depth-2 stack widths (2, 2), |Sigma|=2, all terms, exact, seed={args.seed}")
    print(f"fast   rank_profile up to k={args.max_len}: {t_fast:.1f} s")
    print(f"       ranks {prof.ranks}")
    t0 = time.perf_counter()
    mod = rank_profile(stack, args.max_len, method="modular")
    print(f"fast   rank_profile(method='modular', p={mod.prime}): {time.perf_counter() - t0:.1f} s, "
          f"same ranks: {mod.ranks == prof.ranks}")

    brute, times = [], []
    t0 = time.perf_counter()
    for k in range(args.max_len + 1):
        words = all_words(2, k)
        tk = time.perf_counter()
        vals = stack.values([list(u) + list(v) for u in words for v in words], exact=True)
        H = np.asarray(vals, dtype=object).reshape(len(words), len(words))
        brute.append(exact_rank(H).rank)
        times.append(time.perf_counter() - tk)
        if time.perf_counter() - t0 > t_fast:
            break
    kb = len(brute) - 1
    print(f"brute  full blocks, k=0..{kb} in {sum(times):.1f} s (k={kb}: {len(all_words(2, kb))}^2 block, "
          f"{times[-1]:.1f} s); ranks {brute}")
    print(f"agree on k <= {kb}: {brute == prof.ranks[: kb + 1]}")
    # Growth of the brute-force cost per k (about 4x per k: the block doubles in both directions).
    growth = times[-1] / times[-2] if len(times) > 1 and times[-2] > 0 else float("nan")
    est = times[-1] * growth ** (args.max_len - kb)
    print(f"ratio  at k={args.max_len}: brute force would need about {est:.0f} s "
          f"(x{growth:.1f} per k) vs {t_fast:.1f} s, i.e. about {est / t_fast:.0f}x")


if __name__ == "__main__":
    main()
