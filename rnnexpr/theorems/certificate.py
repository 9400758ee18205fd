"""The :class:`Certificate` of a statement: evidence that re-checks itself.

A certificate holds everything needed to re-derive its verdict: the instance
(models serialized with :func:`rnnexpr.io.model_to_dict`) and the evidence
(constructed networks, Hankel blocks with their words, ranks, degrees, parameter
counts), all as JSON data.  The verdict is a list of *steps*, each re-derived
from the instance and the evidence by the theorem's registered *deriver*; the
certificate holds when every step holds.  :meth:`Certificate.check` runs the
deriver again on the stored data, so a tampered certificate (a changed rank, a
changed construction) fails its check.

Each theorem module registers its deriver with :func:`register_deriver`; the
same function is used when the certificate is built and when it is checked, so
the verdict of a fresh certificate and of one read back from JSON are computed
the same way.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InvalidTypeError, ModelFormatError
from ..numbers import format_fraction, is_exact_array, to_json_array

__all__ = [
    "Certificate",
    "CheckResult",
    "Step",
    "register_deriver",
    "jsonable",
    "CERTIFICATE_FORMAT",
    "load_certificates",
]

CERTIFICATE_FORMAT = "rnnexpr-certificate"

#: A deriver maps (instance, evidence) to the list of steps of the verdict.
Deriver = Callable[[Mapping[str, Any], Mapping[str, Any]], list["Step"]]

_DERIVERS: dict[str, Deriver] = {}


def register_deriver(theorem: str) -> Callable[[Deriver], Deriver]:
    """Decorator registering the function that re-derives a theorem's verdict.

    Parameters
    ----------
    theorem : str
        The theorem's name, e.g. ``"T1"``.

    Returns
    -------
    callable
        The decorator (returns the function unchanged).

    Examples
    --------
    >>> @register_deriver("T-doc")
    ... def _derive(instance, evidence):
    ...     return [Step("answer is 42", evidence["answer"] == 42)]
    >>> Certificate.build("T-doc", "doc", {}, {"answer": 42}).holds
    True
    """

    def decorate(fn: Deriver) -> Deriver:
        _DERIVERS[theorem] = fn
        return fn

    return decorate


def _deriver(theorem: str) -> Deriver:
    if theorem not in _DERIVERS:
        # The theorem modules register themselves on import: importing the package imports them all.
        from . import THEOREMS  # noqa: F401
    if theorem not in _DERIVERS:
        raise ModelFormatError(f"theorem: expected one of {sorted(_DERIVERS)}, got {theorem!r}")
    return _DERIVERS[theorem]


def jsonable(obj: Any) -> Any:
    """Convert evidence to JSON data: exact numbers become ints or ``"p/q"`` strings.

    Handles Fractions, numpy scalars and arrays (exact arrays keep exactness),
    models (via :func:`rnnexpr.io.model_to_dict`), objects with ``to_dict()``,
    dataclasses, tuples, and non-finite floats (as ``"inf"``, ``"-inf"``, ``"nan"``).

    Parameters
    ----------
    obj : Any

    Returns
    -------
    Any
        Nested dicts, lists, strings, ints, floats, bools and None.

    Examples
    --------
    >>> jsonable({"r": Fraction(1, 2), "v": np.array([1.5]), "t": (1, 2)})
    {'r': '1/2', 'v': [1.5], 't': [1, 2]}
    """
    from ..io import model_to_dict
    from ..models import WFA, DepthwiseStack, Stack

    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, Fraction):
        return format_fraction(obj)
    if isinstance(obj, float | np.floating):
        v = float(obj)
        if math.isfinite(v):
            return v
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(obj, np.ndarray):
        if is_exact_array(obj):
            return to_json_array(obj)
        return [jsonable(v) for v in obj.tolist()] if obj.ndim else jsonable(obj.item())
    if isinstance(obj, Stack | DepthwiseStack | WFA):
        return model_to_dict(obj)
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "to_dict"):
        return jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable(dataclasses.asdict(obj))
    raise InvalidTypeError(f"evidence: cannot serialize an object of type {type(obj).__name__} to JSON")


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

    def to_dict(self) -> dict[str, Any]:
        """JSON data of the step."""
        return {"name": self.name, "holds": bool(self.holds), "detail": self.detail}


@dataclass(frozen=True)
class CheckResult:
    """Outcome of :meth:`Certificate.check`.

    ``bool(result)`` is True when the re-derived verdict holds *and* agrees with
    the stored one (``holds`` and ``failed_step``).

    Attributes
    ----------
    holds : bool
        The verdict re-derived from the evidence.
    consistent : bool
        True when it agrees with the verdict stored in the certificate.
    failed_step : str or None
        The first step that failed on re-derivation (or the inconsistency).
    steps : tuple of Step
        The re-derived steps.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from rnnexpr.theorems import verify_T0
    >>> cert = verify_T0(seed=0)
    >>> r = cert.check()
    >>> bool(r), r.holds, r.consistent, r.failed_step, all(s.holds for s in r.steps)
    (True, True, True, None, True)

    A stored verdict that the evidence does not support is caught:

    >>> r = replace(cert, holds=False).check()
    >>> bool(r), r.holds, r.consistent, r.failed_step.startswith("stored verdict")
    (False, True, False, True)
    """

    holds: bool
    consistent: bool
    failed_step: str | None
    steps: tuple[Step, ...]

    def __bool__(self) -> bool:
        return bool(self.holds and self.consistent)


def _exact_label(exact: Any) -> str:
    if exact is True:
        return "exact"
    if isinstance(exact, Mapping):
        parts = [f"{k}={v:.1e}" if isinstance(v, float) else f"{k}={v}" for k, v in exact.items()]
        return "numerical: " + ", ".join(parts) if "tolerance" in exact else "probabilistic: " + ", ".join(parts)
    return "numerical"


@dataclass(frozen=True)
class Certificate:
    """A statement verified on an instance, with the evidence that re-checks it.

    Build certificates with :meth:`build` (which derives the verdict) or read them
    with :meth:`from_json`; the theorem functions ``verify_T0`` .. ``verify_T6``
    return them.

    Attributes
    ----------
    theorem : str
        ``"T0"`` .. ``"T6"``.
    statement : str
        The statement, in words.
    instance : dict
        ``{"description": str, ...}`` plus the models as JSON model dictionaries.
    evidence : dict
        JSON data: constructions, Hankel blocks with their words, ranks (with the
        method), degrees, parameter counts.
    holds : bool
        True when every step holds.
    exact : True or dict
        True for an exact verdict; otherwise the error probability
        (``{"error_probability": p}``) or tolerance (``{"tolerance": t}``) used.
    failed_step : str or None
        Name of the first step that failed.
    steps : tuple of Step
        The steps of the verdict.

    Examples
    --------
    >>> from rnnexpr.theorems import verify_T0
    >>> cert = verify_T0(seed=0)
    >>> cert.holds, bool(cert.check()), Certificate.from_json(cert.to_json()).holds
    (True, True, True)
    """

    theorem: str
    statement: str
    instance: dict[str, Any]
    evidence: dict[str, Any]
    holds: bool
    exact: Any = True
    failed_step: str | None = None
    steps: tuple[Step, ...] = field(default_factory=tuple)

    # -- construction -------------------------------------------------------
    @classmethod
    def build(
        cls,
        theorem: str,
        statement: str,
        instance: Mapping[str, Any],
        evidence: Mapping[str, Any],
        exact: Any = True,
    ) -> Certificate:
        """Serialize instance and evidence, derive the verdict and return the certificate.

        Parameters
        ----------
        theorem : str
            Name with a registered deriver.
        statement : str
            The statement in words.
        instance, evidence : mapping
            Converted with :func:`jsonable` before deriving, so the verdict is
            computed from exactly the data the certificate stores.
        exact : True or dict
            See the class attributes.

        Returns
        -------
        Certificate
        """
        inst = jsonable(dict(instance))
        evid = jsonable(dict(evidence))
        steps = tuple(_run_deriver(theorem, inst, evid))
        failed = next((s.name for s in steps if not s.holds), None)
        return cls(theorem, statement, inst, evid, failed is None and bool(steps), jsonable(exact), failed, steps)

    # -- verification ---------------------------------------------------------
    def check(self) -> CheckResult:
        """Re-derive the verdict from the stored instance and evidence.

        Returns
        -------
        CheckResult
            Truthy when the re-derived verdict holds and agrees with the stored
            ``holds`` and ``failed_step``.
        """
        steps = tuple(_run_deriver(self.theorem, self.instance, self.evidence))
        failed = next((s.name for s in steps if not s.holds), None)
        holds = failed is None and bool(steps)
        consistent = holds == bool(self.holds) and failed == self.failed_step
        if not consistent and failed is None:
            failed = (
                f"stored verdict (holds={self.holds}, failed_step={self.failed_step!r}) "
                "disagrees with the evidence"
            )
        return CheckResult(holds, consistent, failed, steps)

    # -- serialization --------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON data of the certificate."""
        return {
            "format": CERTIFICATE_FORMAT,
            "version": 1,
            "theorem": self.theorem,
            "statement": self.statement,
            "holds": bool(self.holds),
            "exact": self.exact,
            "failed_step": self.failed_step,
            "steps": [s.to_dict() for s in self.steps],
            "instance": self.instance,
            "evidence": self.evidence,
        }

    def to_json(self, indent: int | None = None) -> str:
        """The certificate as a JSON string (exact numbers as ints or ``"p/q"``)."""
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, d: Any) -> Certificate:
        """Inverse of :meth:`to_dict`, with validation.

        Raises
        ------
        ModelFormatError
            When a field is missing or of the wrong type.
        """
        if not isinstance(d, Mapping) or d.get("format") != CERTIFICATE_FORMAT:
            raise ModelFormatError(f"certificate: expected an object with format {CERTIFICATE_FORMAT!r}")
        for key, typ in (("theorem", str), ("statement", str), ("holds", bool), ("instance", dict),
                         ("evidence", dict), ("steps", list)):
            if not isinstance(d.get(key), typ):
                raise ModelFormatError(f"certificate.{key}: expected {typ.__name__}, got {type(d.get(key)).__name__}")
        try:
            steps = tuple(Step(str(s["name"]), bool(s["holds"]), str(s.get("detail", ""))) for s in d["steps"])
        except (KeyError, TypeError) as exc:
            raise ModelFormatError(f"certificate.steps: malformed step ({exc})") from exc
        return cls(d["theorem"], d["statement"], dict(d["instance"]), dict(d["evidence"]), d["holds"],
                   d.get("exact", True), d.get("failed_step"), steps)

    @classmethod
    def from_json(cls, text: str) -> Certificate:
        """Read a certificate written by :meth:`to_json`.

        Raises
        ------
        ModelFormatError
            When the text is not valid JSON or not a certificate.
        """
        try:
            d = json.loads(text)
        except (json.JSONDecodeError, TypeError) as exc:
            raise ModelFormatError(f"certificate: not valid JSON ({exc})") from exc
        return cls.from_dict(d)

    # -- display ----------------------------------------------------------------
    @property
    def exactness(self) -> str:
        """``"exact"``, or the error probability / tolerance used, as text."""
        return _exact_label(self.exact)

    @property
    def verdict(self) -> str:
        """``"holds"`` or ``"FAILS at <step>"``."""
        return "holds" if self.holds else f"FAILS at {self.failed_step}"

    def summary(self) -> str:
        """One line for the table: theorem, instance, evidence, exactness, verdict."""
        brief = self.evidence.get("summary", "")
        return (f"{self.theorem}  {self.instance.get('description', '')}  |  {brief}  |  "
                f"{self.exactness}  |  {self.verdict}")


def _run_deriver(theorem: str, instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> list[Step]:
    deriver = _deriver(theorem)
    try:
        steps = list(deriver(instance, evidence))
    except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError, AttributeError) as exc:
        # Tampered or truncated evidence must fail, not crash the checker.
        return [Step("evidence is well formed", False, f"{type(exc).__name__}: {exc}")]
    return steps


def steps_from(pairs: Sequence[tuple[str, bool, str]]) -> list[Step]:
    """Build steps from ``(name, holds, detail)`` triples.

    Examples
    --------
    >>> steps_from([("a", True, "")])[0].holds
    True
    """
    return [Step(n, bool(h), d) for n, h, d in pairs]


def load_certificates(path: Any) -> list[Certificate]:
    """Read a certificate file: one certificate or a list (the output of ``rnnexpr verify --json``).

    Parameters
    ----------
    path : str or os.PathLike
        A JSON file.

    Returns
    -------
    list of Certificate

    Raises
    ------
    ModelFormatError
        When the file is not JSON or an item is not a certificate.

    Examples
    --------
    >>> import os, tempfile
    >>> from rnnexpr.theorems import verify_T0
    >>> path = os.path.join(tempfile.mkdtemp(), "certs.json")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("[" + verify_T0(seed=0).to_json() + "]")
    >>> [c.theorem for c in load_certificates(path)]
    ['T0']
    """
    with open(path, "rb") as fh:
        text = fh.read()
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{path}: not valid JSON ({exc})") from None
    items = data if isinstance(data, list) else [data]
    return [Certificate.from_dict(d) for d in items]
