"""Run experiments and write their JSON and figures: ``python -m rnnexpr.experiments.make_figures``.

Used to produce the results page of the documentation from full runs::

    python -m rnnexpr.experiments.make_figures --out docs/_static/experiments
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import InvalidArgumentError, MissingFileError
from . import EXPERIMENTS, FIGURES, run_experiment
from .harness import FIGURE_DPI


def replot(name: str, out: str | Path) -> str:
    """Redraw ``<out>/<name>.png`` from ``<out>/<name>.json`` without training.

    Parameters
    ----------
    name : str
        One of :data:`rnnexpr.experiments.FIGURES`.
    out : str or pathlib.Path
        Directory holding ``<name>.json`` (written by an earlier run).

    Returns
    -------
    str
        The path of the figure.

    Raises
    ------
    InvalidArgumentError
        For an unknown name.
    MissingFileError
        When the JSON of that experiment is not in ``out`` (a ``FileNotFoundError``).

    Examples
    --------
    A minimal ``memory.json`` (the keys its figure reads) redrawn in a fresh directory:

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> row = {"budget": 30, "model": "deep", "depth": 3, "width": 2, "parameters": 30, "delay": 1,
    ...        "test_r2": {"mean": 0.9, "std": 0.05, "values": [0.85, 0.95]}}
    >>> _ = (out / "memory.json").write_text(json.dumps({"summary": [row]}))
    >>> png = replot("memory", out)
    >>> Path(png).name, Path(png).stat().st_size > 0
    ('memory.png', True)
    >>> replot("digits", out)
    Traceback (most recent call last):
    ...
    rnnexpr.errors.MissingFileError: out: expected ...digits.json (run the experiment first), got no such file
    """
    import matplotlib.pyplot as plt

    if name not in FIGURES:
        raise InvalidArgumentError(f"name: expected one of {', '.join(map(repr, FIGURES))}, got {name!r}")
    path = Path(out) / f"{name}.json"
    if not path.exists():
        raise MissingFileError(f"out: expected {path} (run the experiment first), got no such file")
    fig = FIGURES[name](json.loads(path.read_text(encoding="utf-8")))
    png = str(Path(out) / f"{name}.png")
    fig.savefig(png, dpi=FIGURE_DPI)
    plt.close(fig)
    return png


def main(argv: Sequence[str] | None = None) -> int:
    """Run the named experiments (all by default); print each one's wall time and outputs.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments: ``[NAME ...] [--quick] [--seed S] [--out DIR] [--replot]``.

    Returns
    -------
    int
        0 on success.

    Raises
    ------
    SystemExit
        From argparse, on an unknown experiment name or bad option (status 2).
    FileNotFoundError
        With ``--replot``, when an experiment's JSON is not in ``--out``.

    Examples
    --------
    Redraw a figure from a minimal ``memory.json`` without training:

    >>> import tempfile
    >>> out = tempfile.mkdtemp()
    >>> row = {"budget": 30, "model": "shallow", "depth": 1, "width": 4, "parameters": 32, "delay": 1,
    ...        "test_r2": {"mean": 1.0, "std": 0.0, "values": [1.0]}}
    >>> _ = (Path(out) / "memory.json").write_text(json.dumps({"summary": [row]}))
    >>> main(["memory", "--replot", "--out", out])
    memory: redrew ...memory.png
    0
    >>> main(["nope"])
    Traceback (most recent call last):
    ...
    SystemExit: 2
    """
    parser = argparse.ArgumentParser(prog="python -m rnnexpr.experiments.make_figures",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"experiments to run (default: all of {', '.join(EXPERIMENTS)})")
    parser.add_argument("--quick", action="store_true", help="the seconds-long versions")
    parser.add_argument("--seed", type=int, default=0, help="first of three seeds (default 0)")
    parser.add_argument("--out", default="docs/_static/experiments", help="output directory")
    parser.add_argument("--replot", action="store_true", help="only redraw the figures from the JSON in --out")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in EXPERIMENTS]
    if unknown:
        parser.error(f"NAME: expected some of {', '.join(EXPERIMENTS)}, got {', '.join(unknown)}")
    for name in args.names or list(EXPERIMENTS):
        if args.replot:
            print(f"{name}: redrew {replot(name, args.out)}", flush=True)
            continue
        res = run_experiment(name, quick=args.quick, seed=args.seed, out=args.out)
        print(f"{name}: {res['seconds']:.1f} s -> {res['outputs']['json']}, {res['outputs']['png']}", flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
