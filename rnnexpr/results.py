"""Result types shared by several algorithms (one definition each).

:class:`EquivalenceResult` is returned by :func:`rnnexpr.equivalence.equivalent` for every model
kind and by :func:`rnnexpr.linear_systems.equivalent`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .numbers import format_fraction, to_json_array

__all__ = ["EquivalenceResult"]


@dataclass(frozen=True, eq=False)
class EquivalenceResult:
    """Outcome of an equivalence test, with its evidence.

    Attributes
    ----------
    equivalent : bool
        True when the two functions agree (on the stated scope).
    witness : tuple or numpy.ndarray or None
        A word (one-hot models) or an input sequence (real inputs) on which they
        differ, verified by evaluating both models; None when equivalent.
    exact : bool
        True when decided in rational arithmetic (a proof).
    values : tuple or None
        ``(f_a(witness), f_b(witness))`` as computed when verifying the witness.
    method : str
        How it was decided.
    scope : str
        What was decided ("all words", "all words of length <= N", "all real input sequences").
    tolerance : float or None
        Float only.

    Examples
    --------
    >>> from rnnexpr import WFA, equivalent
    >>> r = equivalent(WFA([1], [[[2]]], [1]), WFA([1], [[[3]]], [1])); r.equivalent, r.witness, r.values
    (False, (0,), (Fraction(2, 1), Fraction(3, 1)))
    """

    equivalent: bool
    witness: Any = None
    exact: bool = True
    values: tuple | None = None
    method: str = ""
    scope: str = "all words"
    tolerance: float | None = None

    def __bool__(self) -> bool:
        return self.equivalent

    def to_dict(self) -> dict[str, Any]:
        """JSON-serializable summary."""
        def fmt(v):
            if isinstance(v, Fraction):
                return format_fraction(v)
            if isinstance(v, np.ndarray):
                return to_json_array(v)
            return float(v) if isinstance(v, float | np.floating) else v

        w = self.witness
        if isinstance(w, np.ndarray):
            w = fmt(w)
        elif isinstance(w, tuple):
            w = list(w)
        return {
            "equivalent": self.equivalent,
            "witness": w,
            "exact": self.exact,
            "values": None if self.values is None else [fmt(v) for v in self.values],
            "method": self.method,
            "scope": self.scope,
            "tolerance": self.tolerance,
        }
