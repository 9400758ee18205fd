"""Result types shared by several algorithms (one definition each).

:class:`EquivalenceResult` is returned by :func:`rnnexpr.equivalence.equivalent` for every model
kind and by :func:`rnnexpr.linear_systems.equivalent`.  :class:`CheckResult` (made of
:class:`Step` s) is what every certificate's ``check()`` returns: the theorem certificates of
:mod:`rnnexpr.theorems` and :class:`rnnexpr.hankel.HankelCertificate` (one certificate protocol).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .numbers import format_fraction, to_json_array

__all__ = ["EquivalenceResult", "Step", "CheckResult", "STEP_HOOK"]

#: While set, called with every :class:`Step` created (certificate checking uses it to learn which
#: stored fields each step read).
STEP_HOOK: contextvars.ContextVar[Callable[[Any], None] | None] = contextvars.ContextVar("rnnexpr_step_hook",
                                                                                       default=None)


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


@dataclass(frozen=True)
class Step:
    """One step of a verdict: a named claim, whether it holds, and a short detail.

    Examples
    --------
    >>> Step("rank = 3", True, "exact over Q").to_dict()
    {'name': 'rank = 3', 'holds': True, 'detail': 'exact over Q'}
    """

    name: str
    holds: bool
    detail: str = ""

    def __post_init__(self) -> None:
        hook = STEP_HOOK.get()
        if hook is not None:
            hook(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON data of the step."""
        return {"name": self.name, "holds": bool(self.holds), "detail": self.detail}


@dataclass(frozen=True)
class CheckResult:
    """Outcome of a certificate's ``check()``: theorem certificates and Hankel certificates.

    Returned by :meth:`rnnexpr.theorems.certificate.Certificate.check` and
    :meth:`rnnexpr.hankel.HankelCertificate.check`.

    ``bool(result)`` is True when the re-derived verdict holds *and* every stored
    field agrees with what is re-derived from the evidence.

    Attributes
    ----------
    holds : bool
        The verdict re-derived from the evidence.
    consistent : bool
        True when every stored field (statement, description, summary, exactness,
        steps, verdict) agrees with its re-derivation and no stored evidence is unread.
    failed_step : str or None
        The first step that failed on re-derivation, or the first inconsistency.
    steps : tuple of Step
        The re-derived steps.
    field : str or None
        The stored field(s) at fault: the field that disagrees, or the fields read by
        the step that failed (for example ``"evidence.delay_hankel.rank"``).

    Examples
    --------
    >>> from dataclasses import replace
    >>> from rnnexpr.theorems import verify_T0
    >>> cert = verify_T0(seed=0)
    >>> r = cert.check()
    >>> bool(r), r.holds, r.consistent, r.failed_step, r.field
    (True, True, True, None, None)

    A stored verdict that the evidence does not support is caught, and named:

    >>> r = replace(cert, holds=False).check()
    >>> bool(r), r.holds, r.consistent, r.field
    (False, True, False, 'holds')
    """

    holds: bool
    consistent: bool
    failed_step: str | None
    steps: tuple[Step, ...]
    field: str | None = None

    def __bool__(self) -> bool:
        return bool(self.holds and self.consistent)

    def to_dict(self) -> dict[str, Any]:
        """JSON data of the result.

        Examples
        --------
        >>> CheckResult(True, True, None, ()).to_dict()["holds"]
        True
        """
        return {"holds": bool(self.holds), "consistent": bool(self.consistent), "ok": bool(self),
                "failed_step": self.failed_step, "field": self.field, "steps": [s.to_dict() for s in self.steps]}

    def describe(self) -> str:
        """One line: ``"holds"`` or what failed and which field.

        Examples
        --------
        >>> CheckResult(False, True, "rank = 3", (), "evidence.rank").describe()
        'FAILS at rank = 3 (field evidence.rank)'
        """
        if self:
            return "holds"
        return f"FAILS at {self.failed_step}" + (f" (field {self.field})" if self.field else "")
