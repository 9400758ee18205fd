"""Exact degree of y_T for a depth-3 linear 2RNN stack: modular finite differences vs symbolic expansion.

Issue 5 benchmark: (T, L) = (40, 3), n = 2 per layer, target under 10 s on 2 cores.
Fast method: ``degree(..., method="modular")`` (evaluation mod random primes along
random lines, degree from finite differences; certified when it meets the
structural bound).  Baseline: ``method="symbolic"`` (sympy sparse polynomials over
Q), run on T = 1, 2, ... in a child process with a per-case time budget; the
largest length it finishes is compared with the fast method on the same stack.

Usage: python benchmarks/bench_degree.py [--T 40] [--depth 3] [--width 2] [--budget 30]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time

from rnnexpr import degree, degree_bound, random_stack


def _symbolic_case(widths, input_dim, T, queue):
    stack = random_stack(widths, input_dim=input_dim, seed=0, exact=True)
    degree(stack, 1, method="symbolic")  # warm up: sympy's import is not part of the timing
    t0 = time.perf_counter()
    r = degree(stack, T, method="symbolic")
    queue.put((time.perf_counter() - t0, r.total, r.per_input))


def run_symbolic(widths, input_dim, T, budget):
    """Symbolic degree in a child process; None when it exceeds the budget (seconds)."""
    queue = mp.Queue()
    proc = mp.Process(target=_symbolic_case, args=(widths, input_dim, T, queue))
    proc.start()
    proc.join(budget)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None
    return queue.get() if not queue.empty() else None


def time_modular(stack, T, repeat=3):
    best, r = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = degree(stack, T, method="modular")
        best = min(best, time.perf_counter() - t0)
    return best, r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, default=40)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--width", type=int, default=2)
    parser.add_argument("--input-dim", type=int, default=1)
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per symbolic case")
    args = parser.parse_args()
    widths = [args.width] * args.depth
    stack = random_stack(widths, input_dim=args.input_dim, seed=0, exact=True)

    print(f"stack: widths {tuple(widths)}, input_dim {args.input_dim}, exact rational parameters (seed 0)")
    print(f"{'T':>4} {'bound':>7} {'degree':>7} {'modular s':>10} {'symbolic s':>11} {'ratio':>8}")
    last = None
    for T in range(1, args.T + 1):
        sym = run_symbolic(widths, args.input_dim, T, args.budget)
        if sym is None:
            print(f"{T:>4} symbolic expansion did not finish in {args.budget:.0f} s; baseline stops here")
            break
        t_mod, r = time_modular(stack, T)
        assert (r.total, r.per_input) == (sym[1], sym[2]), "modular and symbolic degrees disagree"
        print(f"{T:>4} {degree_bound(T, args.depth):>7} {r.total:>7} {t_mod:>10.4f} {sym[0]:>11.3f} "
              f"{sym[0] / t_mod:>7.0f}x")
        last = (T, sym[0], t_mod)

    t_mod, r = time_modular(stack, args.T, repeat=1)
    print()
    print(f"target (T, L) = ({args.T}, {args.depth}), n = {args.width}: degree {r.total} "
          f"(bound {degree_bound(args.T, args.depth)}), per-input max {max(r.per_input)}, "
          f"certified={r.certified}, error_probability={r.error_probability}")
    print(f"modular: {t_mod:.2f} s  (target < 10 s)")
    if last is not None:
        print(f"largest symbolic case: T = {last[0]} in {last[1]:.2f} s vs modular {last[2]:.4f} s "
              f"(ratio {last[1] / last[2]:.0f}x); symbolic at T = {args.T} is out of reach")


if __name__ == "__main__":
    main()
