"""Exact Hankel rank of a random rational WFA: reachable/observable bases vs the naive baseline.

Issue 3 benchmark: n = 20 states, |Sigma| = 3, small random rationals (seed 0).
Fast: ``hankel_rank(wfa, method="exact")`` (breadth-first reachable and observable bases,
O(n^3 |Sigma|), then one exact rank).  Baseline (``tests/oracles.naive_hankel_rank``):
enumerate all words up to length k, evaluate the block H[u, v] = f(uv) exactly and take
its exact rank; grow k until the rank stops growing.  Target: >= 100x.

Usage: python benchmarks/bench_hankel_rank.py [--n 20] [--d 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from rnnexpr import hankel_rank, random_wfa  # noqa: E402
from tests.oracles import naive_hankel_rank  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--d", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    wfa = random_wfa(args.n, args.d, seed=args.seed, exact=True)

    t0 = time.perf_counter()
    fast = hankel_rank(wfa, method="exact")
    t_fast = time.perf_counter() - t0

    t0 = time.perf_counter()
    base_rank, k = naive_hankel_rank(wfa, exact=True)
    t_base = time.perf_counter() - t0

    print(f"random rational WFA: n={args.n}, |Sigma|={args.d}, seed={args.seed}")
    print(f"fast   hankel_rank (bases, exact): rank {fast.rank} ({fast.method})  {t_fast:.3f} s")
    print(f"naive  words up to length {k} (block {sum(args.d ** j for j in range(k + 1))}^2), exact rank: "
          f"rank {base_rank}  {t_base:.3f} s")
    print(f"ratio  {t_base / t_fast:.0f}x   (agree: {fast.rank == base_rank})")


if __name__ == "__main__":
    main()
