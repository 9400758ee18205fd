"""TT ranks of the length-T slice of a random WFA: TT rounding vs TT-SVD of the full tensor.

Issue 4 benchmark.  Case 1 (d = 2, n = 8, T = 22): the fast path is
``tt_ranks(to_tensor_train(wfa, T))`` (QR sweep + SVD sweep on the exact TT,
O(T d n^3)); the baselines build the d^T full tensor and run TT-SVD on it:
tensorly's ``tensor_train`` (which takes a rank cap and reports the cap, not the
rank) and the oracle TT-SVD with truncation (``tests/oracles.py``), which reports
true numerical ranks.  The ranks of all three are compared.  Case 2 (d = 10,
n = 50, T = 1000): ``tt_ranks`` alone (the full tensor would have 10^1000 entries).

BLAS threads: the library's defaults are measured (nothing is pinned here).  Case 3
starts two CPU-bound busy-loop processes (as other users would) and times case 2's
``tt_ranks`` with the defaults against the same call inside
``threadpoolctl.threadpool_limits(1)``; target: within 1.5x.  The library runs its
small-matrix sweeps with one BLAS thread by itself (threadpoolctl), since a threaded
BLAS on small QRs only adds synchronization and stalls when the cores are busy.

Usage: python benchmarks/bench_tt_ranks.py [--T 22] [--n 8] [--d 2] [--big-T 1000] [--big-n 50] [--big-d 10]
                                          [--busy 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import multiprocessing

import numpy as np
import tensorly as tl
from tensorly.decomposition import tensor_train
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from rnnexpr import WFA, random_wfa  # noqa: E402
from rnnexpr.tt import to_tensor_train, tt_ranks, tt_to_full  # noqa: E402
from tests.oracles import tt_svd_ranks  # noqa: E402
from timing import best_of  # noqa: E402


def _busy_loop() -> None:  # pragma: no cover - runs in a child process
    x = 0
    while True:
        x += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, default=22)
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--d", type=int, default=2)
    parser.add_argument("--big-T", type=int, default=1000)
    parser.add_argument("--big-n", type=int, default=50)
    parser.add_argument("--big-d", type=int, default=10)
    parser.add_argument("--rtol", type=float, default=1e-10)
    parser.add_argument("--busy", type=int, default=2, help="CPU-bound processes running during case 3")
    args = parser.parse_args()
    blas = [(i["internal_api"], i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]
    print(f"BLAS libraries and default threads: {blas}; os.cpu_count() = {os.cpu_count()}; "
          f"load average {os.getloadavg()[0]:.1f}")

    wfa = random_wfa(args.n, args.d, seed=0)
    T = args.T
    fast_time, res = best_of(lambda: tt_ranks(to_tensor_train(wfa, T), rtol=args.rtol, warn=False), 5)
    print(f"case 1: random float WFA, d={args.d}, n={args.n}, T={T} ({args.d}^{T} = {args.d**T} entries)")
    print(f"  tt_ranks (TT rounding):        {fast_time:.4f} s   ranks {list(res.ranks)}  min gap {res.min_gap:.1e}")

    t0 = time.perf_counter()
    full = tt_to_full(to_tensor_train(wfa, T), max_entries=10**9)
    build = time.perf_counter() - t0
    cap = [1] + [args.n] * (T - 1) + [1]
    t0 = time.perf_counter()
    baseline = tensor_train(tl.tensor(full), rank=cap)
    svd_time = time.perf_counter() - t0
    print(f"  tensorly tensor_train (TT-SVD): {svd_time:.4f} s (+ {build:.3f} s to build the full tensor)"
          f"   reported ranks {list(baseline.rank)} (its cap clipped by the mode sizes)")
    t0 = time.perf_counter()
    oracle = tt_svd_ranks(full, args.rtol)
    oracle_time = time.perf_counter() - t0
    print(f"  oracle TT-SVD with truncation: {oracle_time:.4f} s   ranks {list(oracle)}")
    same = tuple(res.ranks) == tuple(oracle) == tuple(baseline.rank)
    print(f"  same ranks: {same}")
    print(f"  ratio tensor_train / tt_ranks: {svd_time / fast_time:.0f}x "
          f"(with building the full tensor: {(svd_time + build) / fast_time:.0f}x)")
    rel = np.linalg.norm(tl.tt_to_tensor(baseline) - full) / np.linalg.norm(full)
    print(f"  (tensor_train relative reconstruction error {rel:.1e})")

    # A non-minimal WFA (two copies of the same n-state WFA, 2n states): the true ranks stay at n,
    # while tensor_train with the natural cap 2n reports 2n.
    A = np.zeros((2 * args.n, args.d, 2 * args.n))
    A[: args.n, :, : args.n] = wfa.A
    A[args.n :, :, args.n :] = wfa.A
    double = WFA(np.concatenate([wfa.alpha, wfa.alpha]), A, np.concatenate([wfa.omega, wfa.omega]) / 2)
    fast_time, res = best_of(lambda: tt_ranks(to_tensor_train(double, T), rtol=args.rtol, warn=False), 5)
    full = tt_to_full(to_tensor_train(double, T), max_entries=10**9)
    t0 = time.perf_counter()
    baseline = tensor_train(tl.tensor(full), rank=[1] + [2 * args.n] * (T - 1) + [1])
    svd_time = time.perf_counter() - t0
    print(f"case 1b: the same function as a non-minimal WFA with {2 * args.n} states")
    print(f"  tt_ranks: {fast_time:.4f} s, max rank {res.max_rank} (true); tensor_train: {svd_time:.4f} s, "
          f"reports max rank {max(baseline.rank)} (its cap); ratio {svd_time / fast_time:.0f}x")

    big = random_wfa(args.big_n, args.big_d, seed=1)
    t0 = time.perf_counter()
    tt = to_tensor_train(big, args.big_T)
    res = tt_ranks(tt, warn=False)
    big_time = time.perf_counter() - t0
    inner = res.ranks[1:-1]
    print(f"case 2: random float WFA, d={args.big_d}, n={args.big_n}, T={args.big_T}: "
          f"{big_time:.2f} s (build + tt_ranks), max rank {res.max_rank}, "
          f"ranks start {list(res.ranks[:4])} end {list(res.ranks[-4:])}, "
          f"{sum(r == args.big_n for r in inner)} of {len(inner)} internal bonds at n, log ||F|| = {res.log_norm:.1f}")

    # Case 3: the same tt_ranks call with the library's defaults vs pinned to one BLAS thread,
    # while `--busy` other CPU-bound processes run.
    procs = [multiprocessing.Process(target=_busy_loop, daemon=True) for _ in range(args.busy)]
    for p in procs:
        p.start()
    try:
        time.sleep(0.5)
        t_default, r_default = best_of(lambda: tt_ranks(tt, warn=False), 2)
        with threadpool_limits(limits=1):
            t_pinned, r_pinned = best_of(lambda: tt_ranks(tt, warn=False), 2)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.join()
    print(f"case 3: case 2's tt_ranks with {args.busy} busy processes running (best of 2): "
          f"defaults {t_default:.2f} s, pinned to 1 BLAS thread {t_pinned:.2f} s, "
          f"ratio {t_default / t_pinned:.2f} (target <= 1.5); same ranks: {r_default.ranks == r_pinned.ranks}")


if __name__ == "__main__":
    main()
