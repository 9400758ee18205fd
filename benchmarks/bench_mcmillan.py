"""Numerical McMillan degree on a corpus of float systems of known degree: rnnexpr vs control.minreal.

Issue 12 benchmark.  The corpus (``tests/numerics_corpus.py``, seeded) has random
minimal systems of degree r embedded in state dimension n with uncontrollable and
unobservable parts, random similarity transforms of condition number up to 1e8,
diagonal rescalings by up to 1e+-10, Jordan chains (``V = 0.9 I + shift``, degree
k of e_1..e_k reached) and near pole-zero cancellations (one mode coupled with
strength 1e-6..1e-1: degree r + 1).  For each case it counts

* right: the answer is the known degree, no warning;
* warned: a :class:`~rnnexpr.errors.NumericalRankWarning` was raised (right or not);
* silent wrong: a wrong degree without a warning (must be 0 for rnnexpr);

for ``rnnexpr.mcmillan_degree`` (float input: the numerical method by default) and
for ``control.minreal`` (python-control with slycot's TB01PD at its default
tolerance; it never warns, so every wrong answer of it is silent), and the total
time of each.  control is a reference only: install the ``reference`` extra
(``pip install control slycot``); without it only rnnexpr runs.

The rules of the numerical method were tuned on seed 0; run seeds 1 and 2 to see
that they generalize.  The load average (the machine is shared) is printed before
and after.

Usage: python benchmarks/bench_mcmillan.py [--count 2000] [--max-states 30] [--seed 0]
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

from rnnexpr.errors import NumericalRankWarning  # noqa: E402
from rnnexpr.linear_systems import mcmillan_degree  # noqa: E402
from tests.numerics_corpus import corpus  # noqa: E402


def run_rnnexpr(cases):
    counts = collections.Counter()
    per_family = collections.defaultdict(collections.Counter)
    t0 = time.perf_counter()
    for c in cases:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = int(mcmillan_degree(c.system))
        warned = any(issubclass(w.category, NumericalRankWarning) for w in caught)
        key = "warned" if warned else ("right" if r == c.degree else "silent wrong")
        counts[key] += 1
        counts["warned and right"] += warned and r == c.degree
        per_family[c.family][key] += 1
        per_family[c.family]["warned and right"] += warned and r == c.degree
    return counts, per_family, time.perf_counter() - t0


def run_control(cases):
    try:
        import control
        import slycot  # noqa: F401  (control.minreal needs it)
    except ImportError:
        return None
    counts = collections.Counter()
    per_family = collections.defaultdict(collections.Counter)
    t0 = time.perf_counter()
    for c in cases:
        sys_ = control.ss(c.V, c.U, c.C, np.zeros((c.C.shape[0], c.U.shape[1])), True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = control.minreal(sys_, verbose=False).nstates
        key = "right" if r == c.degree else "silent wrong"
        counts[key] += 1
        per_family[c.family][key] += 1
    return counts, per_family, time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="number of systems (default 2000)")
    parser.add_argument("--max-states", type=int, default=30, help="largest state dimension (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    args = parser.parse_args(argv)
    cases = corpus(args.count, max_states=args.max_states, seed=args.seed)
    print(f"{len(cases)} systems, state dimension <= {args.max_states}, seed {args.seed}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ours, ours_fam, t_ours = run_rnnexpr(cases)
    ref = run_control(cases)
    print(f"{'':24s}{'right':>8s}{'warned':>8s}{'(right)':>9s}{'silent wrong':>14s}{'time':>9s}")
    print(f"{'rnnexpr.mcmillan_degree':24s}{ours['right']:8d}{ours['warned']:8d}{ours['warned and right']:9d}"
          f"{ours['silent wrong']:14d}{t_ours:8.2f}s")
    if ref is None:
        print("control.minreal: not installed (pip install control slycot)")
    else:
        theirs, theirs_fam, t_ref = ref
        print(f"{'control.minreal':24s}{theirs['right']:8d}{0:8d}{0:9d}{theirs['silent wrong']:14d}{t_ref:8.2f}s")
        print(f"time ratio rnnexpr / control.minreal: {t_ours / t_ref:.2f}")
    print("per family (rnnexpr right / warned (of which right) / silent wrong; control right / silent wrong):")
    for fam in sorted(ours_fam):
        o = ours_fam[fam]
        line = f"  {fam:14s} {o['right']:5d} {o['warned']:5d} ({o['warned and right']:3d}) {o['silent wrong']:3d}"
        if ref is not None:
            t = ref[1][fam]
            line += f"   | {t['right']:5d} {t['silent wrong']:5d}"
        print(line)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 1 if ours["silent wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
