"""Start-up cost: ``import rnnexpr`` and ``rnnexpr --help`` against the code of commit 6eca430.

Issue 11 benchmark.  Each measurement is a fresh interpreter (best of 5 wall-clock
times): ``python -c "import rnnexpr"``, ``python -m rnnexpr.cli --help`` (what the
console script runs) and, for comparison, the same two on the code of commit
6eca430 (``git worktree add`` into a temporary directory, removed at the end).
Also lists which heavy optional modules (tensorly, torch, matplotlib, scipy, sympy,
python-flint) a bare ``import rnnexpr`` loads, and the largest import-time entries
(``python -X importtime``).  Target: no tensorly, torch or matplotlib; ``--help``
under 1 s.

Usage: python benchmarks/bench_import.py [--repeat 5] [--old-rev 6eca430]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

from timing import ROOT, best_of, old_checkout

HEAVY = ("tensorly", "torch", "matplotlib", "scipy", "sympy", "flint")


def wall(cmd: list[str], env: dict[str, str], repeat: int, cwd: str) -> float:
    # cwd: a neutral directory, since `python -c` puts the working directory first on sys.path.
    return best_of(lambda: subprocess.run(cmd, env=env, capture_output=True, check=True, cwd=cwd), repeat)[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--old-rev", default="6eca430")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; best of {args.repeat}")
    env = dict(os.environ, PYTHONPATH=ROOT)
    code = "import sys, rnnexpr; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    loaded = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                            cwd=ROOT)
    present = set(loaded.stdout.split())
    print("heavy modules after `import rnnexpr`:", [m for m in HEAVY if m in present] or "none")
    prof = subprocess.run([sys.executable, "-X", "importtime", "-c", "import rnnexpr"], env=env,
                          capture_output=True, text=True, check=True)
    rows = []
    for line in prof.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    for us, name in sorted(rows, reverse=True)[:5]:
        print(f"  importtime cumulative {us / 1e3:8.1f} ms {name}")

    with old_checkout(args.old_rev) as old:
        neutral = os.path.dirname(old) if old else tempfile.gettempdir()
        envs = [("current", env)] + ([(args.old_rev, dict(os.environ, PYTHONPATH=old))] if old else [])
        results = {}
        for label, e in envs:
            t_import = wall([sys.executable, "-c", "import rnnexpr"], e, args.repeat, neutral)
            t_help = wall([sys.executable, "-m", "rnnexpr.cli", "--help"], e, args.repeat, neutral)
            results[label] = (t_import, t_help)
            print(f"{label:>8}: import rnnexpr {t_import:.3f} s, rnnexpr --help {t_help:.3f} s")
        if old:
            (a, b), (c, d) = results["current"], results[args.old_rev]
            print(f"ratio old/new: import {c / a:.1f}x, --help {d / b:.1f}x (target: --help < 1 s)")


if __name__ == "__main__":
    main()
