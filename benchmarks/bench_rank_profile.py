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

Numerical part (``--part numerical``): float models, ``rank_profile(model, K)`` (the
numerical method: the same sets by float64 evaluation, ranks by SVD with their rounding
level, see rnnexpr.hankel.rank_profile), best of 3, against the code of revision
``--old-rev`` (the monomial-feature numerical path, in a ``git worktree`` of it, run in a
child process of the same run) on the sizes it can still do, with the ratio; then the
new path alone where the old one is refused.  Both are checked against the exact ranks of
the same model (``method="modular"``, proven or not): ``agree`` counts the lengths where a
path gives the exact rank, ``warned`` those where it raised a NumericalRankWarning.

Usage: python benchmarks/bench_rank_profile.py [--quick] [--seed 0] [--part all|modular|numerical]
                                               [--old-rev 072fcee]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from timing import best_of, old_checkout  # noqa: E402

from rnnexpr import exact_rank, rank_profile  # noqa: E402
from rnnexpr.errors import NumericalRankWarning  # noqa: E402
from rnnexpr.growth import generic_stack  # noqa: E402
from rnnexpr.models import random_stack  # noqa: E402, F401 - used by the cases' sources (eval)
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


#: Float models of the numerical part: (name, constructor source, K with the old path, K with the new one).
NUMERICAL_CASES = [
    ("(2, 2) pure, issue", "random_stack([2, 2], 2, kind='pure', seed=0, exact=True).to_float()", 7, 12),
    ("(2, 2) UVb", "random_stack([2, 2], 2, kind='2rnn', seed=0)", 7, 12),
    ("(2, 2) generic", "generic_stack([2, 2], 2, seed=0, bound=3).to_float()", 6, 10),
    ("(1, 1, 1) UVb", "random_stack([1, 1, 1], 2, kind='2rnn', seed=0)", 6, 10),
    ("(2, 2, 2) UVb", "random_stack([2, 2, 2], 2, kind='2rnn', seed=0)", 4, 10),
    ("(2, 2, 2) UVb s1", "random_stack([2, 2, 2], 2, kind='2rnn', seed=1)", 4, 10),
    ("(2, 2, 2) generic", "generic_stack([2, 2, 2], 2, seed=0).to_float()", 4, 10),
]

CHILD = r"""
import json, sys, time, warnings
sys.path.insert(0, sys.argv[1])
import rnnexpr
assert rnnexpr.__file__.startswith(sys.argv[1]), rnnexpr.__file__
from rnnexpr import rank_profile
from rnnexpr.errors import NumericalRankWarning
from rnnexpr.growth import generic_stack
from rnnexpr.models import random_stack
model, K = eval(sys.argv[2]), int(sys.argv[3])
best, out = float("inf"), None
for _ in range(3):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        try:
            p = rank_profile(model, K, method="numerical")
            out = {"ranks": p.ranks, "warned": sum(issubclass(w.category, NumericalRankWarning) for w in caught)}
        except Exception as exc:
            out = {"error": type(exc).__name__ + ": " + str(exc)[:90]}
        best = min(best, time.perf_counter() - t0)
    if "error" in out:
        break
out["time"] = best
print(json.dumps(out))
"""


def numerical_new(model, K):
    def run():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            p = rank_profile(model, K, method="numerical")
        return p, {int(str(w.message).split("at k=")[1].split()[0]) for w in caught
                   if issubclass(w.category, NumericalRankWarning)}
    return best_of(run, 3)


def old_numerical(old: str, source: str, K: int, timeout: float) -> dict:
    """The old revision's numerical profile of the model ``source`` in a child process: ranks, warnings, time."""
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, old, source, str(K)], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    if proc.returncode != 0:  # pragma: no cover - environment dependent
        return {"error": proc.stderr.strip().splitlines()[-1][:90]}
    return json.loads(proc.stdout)


def numerical_part(old_rev: str) -> None:
    print(f"numerical method, float models; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'model':>18} {'K':>3} {'new (s)':>8} {'old ' + old_rev:>14} {'ratio':>7} {'new exact/warn':>14} "
          f"{'old exact/warn':>14}  last ranks: new | old | exact")
    with old_checkout(old_rev) as old:
        for name, source, k_old, k_new in NUMERICAL_CASES:
            model = eval(source)
            for K in (k_old, k_new):
                t_new, (prof, warned) = numerical_new(model, K)
                exact = rank_profile(model.to_exact(), K, method="modular").ranks
                silent = [k for k in range(K + 1) if k not in warned and prof.ranks[k] != exact[k]]
                res = old_numerical(old, source, K, 3600 if K == k_old else 120) if old else {"error": "no checkout"}
                if "error" in res:
                    old_cell, ratio, old_q, old_ranks = res["error"].split(":")[0][:14], "", "", "-"
                else:
                    old_cell, ratio = f"{res['time']:.2f} s", f"{res['time'] / t_new:.1f}x"
                    old_q = f"{sum(a == b for a, b in zip(res['ranks'], exact))}/{res['warned']}"
                    old_ranks = res["ranks"][-1]
                print(f"{name:>18} {K:>3} {t_new:8.2f} {old_cell:>14} {ratio:>7} "
                      f"{f'{sum(a == b for a, b in zip(prof.ranks, exact))}/{len(warned)}':>14} {old_q:>14}  "
                      f"{prof.ranks[-1]} | {old_ranks} | {exact[-1]}"
                      + (f"  SILENTLY WRONG at k in {silent}" if silent else ""), flush=True)


def modular_part(args) -> None:
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="K - 3 for every modular case")
    ap.add_argument("--part", choices=["all", "modular", "numerical"], default="all")
    ap.add_argument("--old-rev", default="072fcee", help="revision with the monomial-feature numerical path")
    args = ap.parse_args()
    if args.part in ("all", "modular"):
        modular_part(args)
    if args.part in ("all", "numerical"):
        numerical_part(args.old_rev)


if __name__ == "__main__":
    main()
