"""Run experiments and write their JSON and figures: ``python -m rnnexpr.experiments.make_figures``.

Used to produce the results page of the documentation from full runs::

    python -m rnnexpr.experiments.make_figures --out docs/_static/experiments
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import EXPERIMENTS, run_experiment


def main(argv: Sequence[str] | None = None) -> int:
    """Run the named experiments (all by default); print each one's wall time and outputs.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments: ``[NAME ...] [--quick] [--seed S] [--out DIR]``.

    Returns
    -------
    int
        0 on success.
    """
    parser = argparse.ArgumentParser(prog="python -m rnnexpr.experiments.make_figures",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"experiments to run (default: all of {', '.join(EXPERIMENTS)})")
    parser.add_argument("--quick", action="store_true", help="the seconds-long versions")
    parser.add_argument("--seed", type=int, default=0, help="first of three seeds (default 0)")
    parser.add_argument("--out", default="docs/_static/experiments", help="output directory")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in EXPERIMENTS]
    if unknown:
        parser.error(f"NAME: expected some of {', '.join(EXPERIMENTS)}, got {', '.join(unknown)}")
    for name in args.names or list(EXPERIMENTS):
        res = run_experiment(name, quick=args.quick, seed=args.seed, out=args.out)
        print(f"{name}: {res['seconds']:.1f} s -> {res['outputs']['json']}, {res['outputs']['png']}", flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
