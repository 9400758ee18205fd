"""Exact rank of a 200 x 200 rational matrix of rank 50: the toolkit's backend vs raw libraries.

Issue 3 benchmark.  The matrix is X Y with X (200 x 50) and Y (50 x 200) small random
rationals (seed 0), given as numpy object arrays of Fractions (the toolkit's exact arrays).
Compared, in the same run:
* ``rnnexpr.exact_rank`` with the default backend (modular first, then the dependencies
  found mod p proven over Q; conversion included);
* raw python-flint ``fmpq_mat.rank`` on a matrix built beforehand (conversion excluded);
* ``rnnexpr.exact_rank`` inside ``fields.backend("sympy")`` (numpy int64 mod p, sympy's
  DomainMatrix over QQ for the proof);
* sympy ``DomainMatrix`` over QQ with pure-Python ground types (``SYMPY_GROUND_TYPES=python``,
  in a child process, since ground types are fixed at sympy's import).
Target: the toolkit within 2x of raw flint.

Usage: python benchmarks/bench_exact_rank.py [--n 200] [--rank 50] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from timing import best_of  # noqa: E402

from rnnexpr.exact import exact_rank  # noqa: E402
from rnnexpr.fields import backend  # noqa: E402

try:
    import flint as _flint
except ImportError:  # pragma: no cover - depends on the environment
    _flint = None

CHILD = r"""
import sys, time, random
from fractions import Fraction
n, r, seed = map(int, sys.argv[1:4])
from sympy.external.gmpy import GROUND_TYPES
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix
rows = [[QQ(int(p), int(q)) for p, q in zip(line.split()[0::2], line.split()[1::2])] for line in sys.stdin]
M = DomainMatrix(rows, (n, n), QQ)
t0 = time.perf_counter(); rk = M.rank(); t = time.perf_counter() - t0
print(GROUND_TYPES, rk, t)
"""


def matrix(n: int, r: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)

    def rand(shape):
        out = np.empty(shape, dtype=object)
        for idx in np.ndindex(*shape):
            out[idx] = Fraction(int(rng.integers(-9, 10)), int(rng.integers(1, 6)))
        return out

    return rand((n, r)) @ rand((r, n))




def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--rank", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    M = matrix(args.n, args.rank, args.seed)
    print(f"{args.n} x {args.n} rational matrix of rank {args.rank} (seed {args.seed}); best of 3 runs")

    t_tool, res = best_of(lambda: exact_rank(M))
    print(f"rnnexpr.exact_rank ({res.method}, conversion included): rank {res.rank}  {t_tool:.3f} s")
    if _flint is not None:
        F = _flint.fmpq_mat(args.n, args.n, [_flint.fmpq(v.numerator, v.denominator) for v in M.ravel()])
        t_flint, rk = best_of(lambda: F.rank())
        print(f"raw python-flint fmpq_mat.rank (prebuilt matrix):        rank {rk}  {t_flint:.3f} s")
        print(f"ratio toolkit / raw flint: {t_tool / t_flint:.2f}  (target <= 2)")
    with backend("sympy"):
        t_sym, res_s = best_of(lambda: exact_rank(M), repeat=1)
    print(f"rnnexpr.exact_rank in fields.backend('sympy') ({res_s.method}): rank {res_s.rank}  {t_sym:.3f} s")
    env = dict(os.environ, SYMPY_GROUND_TYPES="python")
    data = "\n".join(" ".join(f"{v.numerator} {v.denominator}" for v in row) for row in M)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(args.n), str(args.rank), str(args.seed)],
                          input=data, capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode == 0:
        gt, rk, t = proc.stdout.split()
        print(f"sympy DomainMatrix over QQ, {gt} ground types (child process): rank {rk}  {float(t):.3f} s")
        print(f"ratio pure-Python DomainMatrix / toolkit: {float(t) / t_tool:.0f}x")
    else:  # pragma: no cover - environment dependent
        print("pure-Python DomainMatrix run failed:", proc.stderr.strip().splitlines()[-1:], time.perf_counter() - t0)


if __name__ == "__main__":
    main()
