"""Exact Hankel rank of random rational WFAs: the field-layer kernels against the code of commit 6eca430.

Issue 11 benchmark.  Random rational WFAs ``random_wfa(n, 3, seed=0, exact=True)``,
|Sigma| = 3, n = 20, 50, 100.  Fast: ``hankel_rank(wfa, method="exact")`` with the
library's defaults (breadth-first levels reduced as one batch mod p; a rank mod p
equal to n is the rank over Q, so no rational arithmetic is needed then).  Baseline:
the same call on the code of commit 6eca430 (before issue 11), checked out with
``git worktree add`` into a temporary directory and run in a child process of this
run (its import time is not counted); the worktree is removed at the end.  Second
table: non-minimal WFAs (two copies of an m-state WFA on 2m states, Hankel rank m),
where the rank mod p is not full and the bases are proven over Q.  With ``--naive``,
also the naive baseline of issue 3 at n = 20 (all words up to length k, exact rank
of the block; ``tests/oracles.naive_hankel_rank``; minutes).

Targets: n = 100 at least 15x faster than 6eca430; n = 20 under 10 ms.

Usage: python benchmarks/bench_hankel_rank.py [--sizes 20 50 100] [--d 3] [--seed 0] [--old-rev 6eca430]
                                              [--skip-old-above 100] [--naive]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from timing import best_of, old_checkout  # noqa: E402

from rnnexpr import WFA, hankel_rank, random_wfa  # noqa: E402
from tests.oracles import naive_hankel_rank  # noqa: E402

CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
import rnnexpr
assert rnnexpr.__file__.startswith(sys.argv[1]), rnnexpr.__file__
from rnnexpr import hankel_rank, random_wfa
import numpy as np
from rnnexpr import WFA
n, d, seed, double = map(int, sys.argv[2:6])
w = random_wfa(n, d, seed=seed, exact=True)
if double:
    A = np.zeros((2 * n, d, 2 * n), dtype=object); A[...] = 0
    A[:n, :, :n] = w.A; A[n:, :, n:] = w.A
    w = WFA(np.concatenate([w.alpha, w.alpha]), A, np.concatenate([w.omega, -2 * w.omega]))
t0 = time.perf_counter()
r = hankel_rank(w, method="exact")
print(r.rank, time.perf_counter() - t0)
"""


def doubled(w: WFA) -> WFA:
    """Two copies of w on 2n states computing f - 2f = -f: Hankel rank n, both bases of dimension n."""
    n, d = w.num_states, w.alphabet_size
    A = np.zeros((2 * n, d, 2 * n), dtype=object)
    A[...] = 0
    A[:n, :, :n] = w.A
    A[n:, :, n:] = w.A
    return WFA(np.concatenate([w.alpha, w.alpha]), A, np.concatenate([w.omega, -2 * w.omega]))




def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20, 50, 100])
    ap.add_argument("--d", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--old-rev", default="6eca430")
    ap.add_argument("--skip-old-above", type=int, default=100, help="do not run the old code above this n")
    ap.add_argument("--naive", action="store_true", help="also run the naive word-enumeration baseline (slow)")
    args = ap.parse_args()
    print(f"random rational WFAs, |Sigma|={args.d}, seed={args.seed}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")

    with old_checkout(args.old_rev) as old:
        for double in (0, 1):
            print("random WFAs (rank = number of states):" if not double else
                  "non-minimal WFAs, two copies of an m-state WFA (2m states, rank m):")
            print(f"{'n':>4} {'rank':>5} {'method':<30} {'new (best)':>11} {'old ' + args.old_rev:>14} {'ratio':>7}")
            for size in args.sizes:
                m = size // 2 if double else size
                wfa = random_wfa(m, args.d, seed=args.seed, exact=True)
                if double:
                    wfa = doubled(wfa)
                repeat = 20 if size <= 20 else 3
                t_new, res = best_of(lambda w=wfa: hankel_rank(w, method="exact"), repeat)
                t_old, old_rank = float("nan"), None
                if old and size <= args.skip_old_above:
                    proc = subprocess.run([sys.executable, "-c", CHILD, old, str(m), str(args.d), str(args.seed),
                                           str(double)], capture_output=True, text=True, timeout=3600)
                    if proc.returncode == 0:
                        rk, t = proc.stdout.split()
                        old_rank, t_old = int(rk), float(t)
                    else:  # pragma: no cover - environment dependent
                        print("  old code failed:", proc.stderr.strip().splitlines()[-1:])
                agree = "" if old_rank in (None, res.rank) else f"  DISAGREE (old {old_rank})"
                print(f"{wfa.num_states:>4} {res.rank:>5} {res.method:<30} {t_new * 1e3:>9.1f}ms "
                      f"{t_old:>13.2f}s {t_old / t_new:>6.0f}x{agree}")
        if not args.naive:
            return
        n = 20
        wfa = random_wfa(n, args.d, seed=args.seed, exact=True)
        t_new, res = best_of(lambda: hankel_rank(wfa, method="exact"), 20)
        t0 = time.perf_counter()
        base_rank, k = naive_hankel_rank(wfa, exact=True)
        t_base = time.perf_counter() - t0
        print(f"naive baseline at n={n}: words up to length {k}, exact rank {base_rank} in {t_base:.2f} s; "
              f"ratio {t_base / t_new:.0f}x (agree: {base_rank == res.rank})")

if __name__ == "__main__":
    main()
