"""The statements T0-T6 of :doc:`/theory/index` as executable certificates.

Each ``verify_Tk(instance=None, *, seed=0, quick=False, ...)`` builds a default or seeded
random instance, computes the evidence and returns a
:class:`~rnnexpr.theorems.certificate.Certificate` whose ``check()`` re-derives
the verdict from the stored evidence.  :data:`THEOREMS` lists them and
:func:`verify_all` runs them (optionally in parallel processes).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidArgumentError
from ..validation import check_int, deprecated_positional
from .certificate import Certificate, CheckResult, Step, jsonable, register_deriver
from .t0_feedforward import STATEMENT_T0, verify_T0
from .t1_collapse import STATEMENT_T1, verify_T1
from .t2_memory import STATEMENT_T2, memory_table, verify_T2
from .t3_wfa import STATEMENT_T3, verify_T3
from .t4_degree import STATEMENT_T4, verify_T4
from .t5_no_collapse import STATEMENT_T5, verify_T5
from .t6_multiplicative import STATEMENT_T6, T6C_NOTE, verify_T6

__all__ = [
    "Certificate",
    "CheckResult",
    "Step",
    "Theorem",
    "THEOREMS",
    "EMPIRICAL",
    "jsonable",
    "register_deriver",
    "memory_table",
    "verify_T0",
    "verify_T1",
    "verify_T2",
    "verify_T3",
    "verify_T4",
    "verify_T5",
    "verify_T6",
    "verify_all",
]


@dataclass(frozen=True)
class Theorem:
    """A statement of :doc:`/theory/index`: its name, a short title, the statement and its verifier.

    Attributes
    ----------
    name : str
        ``"T0"`` .. ``"T6"``.
    title : str
        A short title.
    statement : str
        The statement, in words.
    verify : callable
        ``verify(instance=None, *, seed=0, quick=False, ...) -> Certificate``;
        every option is keyword-only and explicit (a misspelt one raises
        TypeError), and what ``instance`` is differs by statement (see each
        ``verify_Tk``).

    Examples
    --------
    >>> t = THEOREMS["T0"]
    >>> t.name, t.title
    ('T0', 'linear feed-forward layers collapse')
    >>> cert = t.verify(seed=0)
    >>> cert.theorem, cert.holds, bool(cert.check())
    ('T0', True, True)
    """

    name: str
    title: str
    statement: str
    verify: Callable[..., Certificate]


#: Statement name (``"T0"`` ... ``"T6"``) -> its :class:`Theorem` (name, title, statement, verifier).
THEOREMS: dict[str, Theorem] = {
    "T0": Theorem("T0", "linear feed-forward layers collapse", STATEMENT_T0, verify_T0),
    "T1": Theorem("T1", "linear RNN stacks collapse", STATEMENT_T1, verify_T1),
    "T2": Theorem("T2", "depth buys memory per parameter", STATEMENT_T2, verify_T2),
    "T3": Theorem("T3", "one-layer linear 2RNN = WFA", STATEMENT_T3, verify_T3),
    "T4": Theorem("T4", "degree grows with depth", STATEMENT_T4, verify_T4),
    "T5": Theorem("T5", "linear 2RNN stacks do not collapse", STATEMENT_T5, verify_T5),
    "T6": Theorem("T6", "depth-wise sigma does not replace 2RNNs", STATEMENT_T6, verify_T6),
}

#: Statements that are checked empirically (by the experiments), not certified.
EMPIRICAL: dict[str, str] = {"T6(c)": T6C_NOTE}


def _run_one(task: tuple[str, int, bool]) -> Certificate:
    name, seed, quick = task
    return THEOREMS[name].verify(seed=seed, quick=quick)


@deprecated_positional
def verify_all(
    theorems: Sequence[str] | None = None,
    *,
    seed: int = 0,
    instances: int = 1,
    jobs: int = 1,
    quick: bool = False,
    progress: bool = False,
) -> list[Certificate]:
    """Run the verifiers of the chosen statements on ``instances`` seeds each.

    Parameters
    ----------
    theorems : sequence of str, optional
        Names among :data:`THEOREMS` (default: all, in order).
    seed : int
        First seed; instance i uses ``seed + i``.
    instances : int
        Number of seeded instances per statement.
    jobs : int
        Number of parallel worker processes (1: run in this process).
    quick : bool
        Smaller instances (passed as ``quick=True`` to every verifier).
    progress : bool
        Show a tqdm progress bar on stderr.

    Returns
    -------
    list of Certificate
        In the order (statement, seed).

    Raises
    ------
    ValueError
        On an unknown statement name or a count below 1.

    Examples
    --------
    >>> [c.holds for c in verify_all(["T0", "T1"], instances=2)]
    [True, True, True, True]
    """
    names = list(THEOREMS) if not theorems else list(theorems)
    unknown = [n for n in names if n not in THEOREMS]
    if unknown:
        raise InvalidArgumentError(f"theorems: expected names among {list(THEOREMS)}, got {unknown}")
    for label, v, low in (("seed", seed, 0), ("instances", instances, 1), ("jobs", jobs, 1)):
        check_int(v, label, minimum=low)
    tasks = [(n, seed + i, bool(quick)) for n in names for i in range(instances)]
    bar = None
    if progress:
        # tqdm is a core dependency; still, a missing bar must never stop the main command.
        try:
            from tqdm import tqdm
        except ImportError:  # pragma: no cover - only with a broken install
            tqdm = None
        if tqdm is not None:
            bar = tqdm(total=len(tasks), file=sys.stderr, desc="verify", unit="cert", leave=False)
    results: list[Any] = [None] * len(tasks)
    try:
        if jobs == 1 or len(tasks) == 1:
            for i, task in enumerate(tasks):
                if bar is not None:
                    bar.set_postfix_str(f"{task[0]} seed={task[1]}")
                results[i] = _run_one(task)
                if bar is not None:
                    bar.update(1)
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {pool.submit(_run_one, task): i for i, task in enumerate(tasks)}
                from concurrent.futures import as_completed

                for fut in as_completed(futures):
                    results[futures[fut]] = fut.result()
                    if bar is not None:
                        bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return results
