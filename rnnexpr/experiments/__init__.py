"""Training experiments that show the theorems at work (optional: needs the ``experiments`` extra).

This is the only part of rnnexpr that imports torch.  Each experiment is a
function ``run(quick=False, seed=0) -> (results, figure)``; :func:`run_experiment`
runs one by name and writes ``<out>/<name>.json`` and ``<out>/<name>.png``.

========================  =====  ===========================================================
name                      stmt   what it compares
========================  =====  ===========================================================
``memory``                T2     delayed copy: shallow wide vs deep narrow linear RNNs
``degree``                T4/T5  depth-2 linear 2RNN teacher: depth-1 vs depth-2 students
``state_tracking``        T6c    parity, mod-3 counting, S3 products: length generalization
``digits``                --     scikit-learn digits row by row: depths and interaction types
========================  =====  ===========================================================
"""

from __future__ import annotations

from ..errors import InvalidArgumentError, MissingDependencyError
from ..validation import check_seed

try:
    import matplotlib  # noqa: F401
    import torch  # noqa: F401
    import tqdm  # noqa: F401
except ImportError as exc:
    raise MissingDependencyError(
        f"rnnexpr.experiments needs the 'experiments' extra (torch CPU build, matplotlib, scikit-learn, tqdm); "
        f'{exc.name or "a dependency"} is missing: pip install "rnnexpr[experiments]"'
    ) from exc

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import digits, memory, polynomial_degree, state_tracking
from .harness import write_outputs

__all__ = ["EXPERIMENTS", "FIGURES", "SUMMARIES", "run_experiment", "summary_lines", "DEFAULT_OUT"]

#: name -> function ``run(quick=False, seed=0) -> (results, figure)``.
EXPERIMENTS: dict[str, Callable[..., tuple[dict[str, Any], Any]]] = {
    "memory": memory.run,
    "degree": polynomial_degree.run,
    "state_tracking": state_tracking.run,
    "digits": digits.run,
}

#: name -> function ``figure(results) -> matplotlib Figure`` (also accepts results read back from JSON).
FIGURES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "memory": memory.figure,
    "degree": polynomial_degree.figure,
    "state_tracking": state_tracking.figure,
    "digits": digits.figure,
}

#: name -> function ``summary_table(results) -> rows of text`` (a header row first).
SUMMARIES: dict[str, Callable[[dict[str, Any]], list[list[str]]]] = {
    "memory": memory.summary_table,
    "degree": polynomial_degree.summary_table,
    "state_tracking": state_tracking.summary_table,
    "digits": digits.summary_table,
}

#: Where results go when no directory is given (ignored by git).
DEFAULT_OUT = "experiment-results"


def run_experiment(name: str, quick: bool = False, seed: int = 0, out: str | Path | None = None) -> dict[str, Any]:
    """Run one experiment and write ``<out>/<name>.json`` and ``<out>/<name>.png``.

    Parameters
    ----------
    name : str
        One of :data:`EXPERIMENTS`.
    quick : bool
        The seconds-long version (tiny sizes, few steps, still 3 seeds).
    seed : int
        First seed; three consecutive seeds are used.
    out : str or Path, optional
        Output directory (created); :data:`DEFAULT_OUT` when None.

    Returns
    -------
    dict
        The results, with ``"outputs"`` (paths written) and ``"seconds"`` (wall time).

    Raises
    ------
    InvalidArgumentError
        For an unknown name (the message lists the known ones) or a negative seed
        (:class:`~rnnexpr.errors.InvalidTypeError` for a seed that is not an integer).

    Examples
    --------
    >>> run_experiment("nope")
    Traceback (most recent call last):
    ...
    rnnexpr.errors.InvalidArgumentError: name: expected one of 'memory', 'degree', 'state_tracking', 'digits', got 'nope'
    """
    if name not in EXPERIMENTS:
        known = ", ".join(repr(k) for k in EXPERIMENTS)
        raise InvalidArgumentError(f"name: expected one of {known}, got {name!r}")
    seed = check_seed(seed)
    start = time.perf_counter()
    results, figure = EXPERIMENTS[name](quick=bool(quick), seed=seed)
    results["seconds"] = round(time.perf_counter() - start, 2)
    results["outputs"] = write_outputs(name, results, figure, DEFAULT_OUT if out is None else out)
    return results


def summary_lines(name: str, results: dict[str, Any]) -> list[str]:
    """The short summary table of an experiment's results, as aligned text lines.

    Parameters
    ----------
    name : str
        One of :data:`SUMMARIES`.
    results : dict
        The results of that experiment (as returned by :func:`run_experiment` or
        read back from its JSON).

    Returns
    -------
    list of str
        A header line, a rule, then one line per row.

    Examples
    --------
    >>> from rnnexpr.experiments.harness import summarize
    >>> rows = [{"budget": 200, "model": "tanh RNN", "parameters": 210, "test_accuracy": summarize([0.8, 0.9])}]
    >>> print("\\n".join(summary_lines("digits", {"summary": rows})))
    budget  model     params  accuracy
    ------  --------  ------  -----------
    200     tanh RNN  210     0.85 ± 0.07
    """
    if name not in SUMMARIES:
        known = ", ".join(repr(k) for k in SUMMARIES)
        raise InvalidArgumentError(f"name: expected one of {known}, got {name!r}")
    rows = SUMMARIES[name](results)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def fmt(row: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()

    return [fmt(rows[0]), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows[1:]]
