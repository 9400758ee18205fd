"""Float Hankel rank of a 200-state WFA on 10 symbols: orthogonal bases vs an SVD of an enumerated block.

Issue 3 benchmark.  The WFA: a random float WFA with ``r`` = 150 states, padded with 25
unreachable and 25 unobservable states and mixed by a random orthogonal change of basis
(n = 200 states, |Sigma| = 10, seed 0), so its Hankel rank is 150.
Fast: ``hankel_rank(wfa, method="numerical")`` (orthonormal reachable/observable bases by
breadth-first search with two rounds of Gram-Schmidt, then the SVD of their 150 x 150
product; reports tolerance and gap).  Target: a few seconds at most.
Baseline: enumerate the words up to length 3 (1111 words, the first length with more words
than states), form the 1111 x 1111 block H[u, v] = f(uv) from the prefix and suffix vectors,
and take ``numpy.linalg.matrix_rank`` (SVD, numpy's default tolerance).  One length further
(11111 words, a 10^8-entry block) is out of reach, so the baseline cannot even confirm its rank.

Usage: python benchmarks/bench_float_hankel_rank.py [--r 150] [--pad 25] [--d 10] [--seed 0]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from rnnexpr import WFA, hankel_rank  # noqa: E402


def padded_wfa(r: int, pad: int, d: int, seed: int) -> WFA:
    rng = np.random.default_rng(seed)
    n = r + 2 * pad
    A = np.zeros((n, d, n))
    core = rng.normal(0, 1 / np.sqrt(r * d) * 2.5, size=(r, d, r))
    A[:r, :, :r] = core
    u = slice(r, r + pad)  # unreachable: no edges in, alpha = 0
    v = slice(r + pad, n)  # unobservable: no edges out to the rest, omega = 0
    A[u, :, :] = rng.normal(0, 1 / np.sqrt(n * d), size=(pad, d, n))
    A[:r, :, v] = rng.normal(0, 1 / np.sqrt(n * d), size=(r, d, pad))
    A[v, :, v] = rng.normal(0, 1 / np.sqrt(pad * d), size=(pad, d, pad))
    alpha = np.zeros(n)
    alpha[:r] = rng.normal(size=r)
    alpha[v] = rng.normal(size=pad)
    omega = np.zeros(n)
    omega[:r] = rng.normal(size=r)
    omega[u] = rng.normal(size=pad)
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    A2 = np.einsum("ij,jsk,kl->isl", Q.T, A, Q)
    return WFA(alpha @ Q, A2, Q.T @ omega)


def enumerated_block_rank(wfa: WFA, k: int) -> tuple[int, int]:
    At = np.asarray(wfa.A).transpose(1, 0, 2)
    pref = [np.asarray(wfa.alpha)[None, :]]
    suf = [np.asarray(wfa.omega)[:, None]]
    for _ in range(k):  # all words of the next length, lexicographic
        pref.append(np.einsum("bi,sij->bsj", pref[-1], At).reshape(-1, wfa.num_states))
        suf.append(np.einsum("sij,jb->isb", At, suf[-1]).reshape(wfa.num_states, -1))
    P, S = np.vstack(pref), np.hstack(suf)
    H = P @ S
    return int(np.linalg.matrix_rank(H)), H.shape[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--r", type=int, default=150)
    ap.add_argument("--pad", type=int, default=25)
    ap.add_argument("--d", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    wfa = padded_wfa(args.r, args.pad, args.d, args.seed)
    n = wfa.num_states
    k = next(j for j in itertools.count() if sum(args.d ** i for i in range(j + 1)) > n)

    t0 = time.perf_counter()
    fast = hankel_rank(wfa, method="numerical")
    t_fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    base, size = enumerated_block_rank(wfa, k)
    t_base = time.perf_counter() - t0

    print(f"WFA: n={n} states (true Hankel rank {args.r}), |Sigma|={args.d}, seed={args.seed}")
    print(f"fast   hankel_rank(numerical): rank {fast.rank}, rel. tol {fast.tolerance:.0e}, gap {fast.gap:.2e}  "
          f"{t_fast:.2f} s")
    print(f"naive  SVD of the {size} x {size} block over words up to length {k}: rank {base}  {t_base:.2f} s")
    print(f"ratio  {t_base / t_fast:.1f}x   (fast correct: {fast.rank == args.r}, naive correct: {base == args.r})")


if __name__ == "__main__":
    main()
