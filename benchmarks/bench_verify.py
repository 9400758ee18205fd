"""Benchmark: the default ``rnnexpr verify`` run, serial vs ``--jobs 2`` (parallel processes).

Run with ``python benchmarks/bench_verify.py [--instances N]``.  Prints the wall
time of each statement's certificate (serial), the total serial time (the
baseline), the total with two worker processes, and the ratio.  The target is
the default run (one instance per statement) in under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import time

from rnnexpr.theorems import THEOREMS, verify_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()

    per = {}
    start = time.perf_counter()
    for name in THEOREMS:
        t0 = time.perf_counter()
        certs = verify_all([name], instances=args.instances, quick=args.quick)
        t1 = time.perf_counter()
        # Re-checking a certificate re-derives its verdict from the stored evidence.
        ok = all(c.holds and c.check() for c in certs)
        per[name] = (t1 - t0, time.perf_counter() - t1, ok)
    serial = time.perf_counter() - start
    for name, (build, check, ok) in per.items():
        print(f"{name}: build {build:6.2f} s   check {check:6.2f} s   {'holds' if ok else 'FAILS'}")
    build_total = sum(v[0] for v in per.values())

    start = time.perf_counter()
    certs = verify_all(instances=args.instances, quick=args.quick, jobs=2)
    parallel = time.perf_counter() - start
    assert all(c.holds for c in certs)
    print(f"serial (build only, baseline): {build_total:6.2f} s")
    print(f"serial (build + check):        {serial:6.2f} s")
    print(f"--jobs 2 (build only):         {parallel:6.2f} s")
    print(f"ratio serial / parallel:       {build_total / parallel:6.2f}x")


if __name__ == "__main__":
    main()
