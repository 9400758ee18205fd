"""The :class:`Certificate` of a statement: evidence that re-checks itself.

A certificate holds everything needed to re-derive its verdict: the instance
(models serialized with :func:`rnnexpr.io.model_to_dict`) and the evidence
(constructed networks, Hankel blocks with their words, ranks, degrees, parameter
counts), all as JSON data.  The verdict is a list of *steps*, each re-derived
from the instance and the evidence by the theorem's registered *deriver*; the
certificate holds when every step holds.  :meth:`Certificate.check` runs the
deriver again on the stored data, so a tampered certificate (a changed rank, a
changed construction) fails its check.

Each theorem module registers its deriver with :func:`register_deriver`, with the
statement and a *describer* that writes the instance's description, the evidence's
summary and the exactness label from the stored data; the same functions are used
when the certificate is built and when it is checked.  :meth:`Certificate.check`
compares **every stored field** with what it re-derives: the statement, the
description, the summary, the exactness label, each step (name, verdict, detail),
the verdict and the failed step; and it refuses evidence that no step reads
(every piece of stored evidence is re-checked, or it must not be stored).  A failed
check names the field (:attr:`CheckResult.field`).

Sizes are bounded like model files (:mod:`rnnexpr.limits`): a certificate read
from JSON goes through the bounded parser of :mod:`rnnexpr.io`, and the derivers
check the sizes they loop over before looping.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError, InvalidTypeError, ModelFormatError, SizeLimitError
from ..limits import HOW_TO_RAISE
from ..limits import current as current_limits
from ..numbers import format_fraction, is_exact_array, to_json_array
from ..results import STEP_HOOK, CheckResult, Step
from ..validation import deprecated_positional

__all__ = [
    "Certificate",
    "CheckResult",
    "Step",
    "register_deriver",
    "jsonable",
    "CERTIFICATE_FORMAT",
    "CERTIFICATE_VERSION",
    "load_certificates",
    "registered_statement",
]

CERTIFICATE_FORMAT = "rnnexpr-certificate"

#: The version of the certificate format written by :meth:`Certificate.to_dict` (and the only one read).
CERTIFICATE_VERSION = 1

#: A deriver maps (instance, evidence) to the list of steps of the verdict.
Deriver = Callable[[Mapping[str, Any], Mapping[str, Any]], list["Step"]]

#: A describer maps (instance, evidence) to ``{"description": str, "summary": str, "exact": True | dict}``.
Describer = Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class _Registration:
    deriver: Deriver
    statement: str | None
    describe: Describer | None


_DERIVERS: dict[str, _Registration] = {}


def register_deriver(theorem: str, *, statement: str | None = None,
                     describe: Describer | None = None) -> Callable[[Deriver], Deriver]:
    """Decorator registering the function that re-derives a theorem's verdict.

    Parameters
    ----------
    theorem : str
        The theorem's name, e.g. ``"T1"``.
    statement : str, optional
        The statement in words; :meth:`Certificate.check` refuses any other.
    describe : callable, optional
        ``describe(instance, evidence) -> {"description", "summary", "exact"}`` from the
        stored data; :meth:`Certificate.build` writes these and :meth:`Certificate.check`
        compares them.  Without one, a certificate must store no description or summary
        and be exact.

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
        _DERIVERS[theorem] = _Registration(fn, statement, describe)
        return fn

    return decorate


def _registration(theorem: str) -> _Registration:
    if theorem not in _DERIVERS:
        # The theorem modules register themselves on import: importing the package imports them all.
        from . import THEOREMS  # noqa: F401
    if theorem not in _DERIVERS:
        raise ModelFormatError(f"theorem: expected one of {sorted(_DERIVERS)}, got {str(theorem)[:40]!r}")
    return _DERIVERS[theorem]


def registered_statement(theorem: str) -> str | None:
    """The statement registered for ``theorem`` (None when it registered none).

    Parameters
    ----------
    theorem : str

    Returns
    -------
    str or None

    Examples
    --------
    >>> registered_statement("T1").startswith("A stack of linear RNN layers")
    True
    """
    return _registration(theorem).statement


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


# ---------------------------------------------------------------------------
# which stored fields the derivers read (so unread evidence is refused)
# ---------------------------------------------------------------------------


class _ReadLog:
    """The paths of stored fields read while deriving, per step."""

    def __init__(self) -> None:
        self.reads: set[str] = set()
        self.pending: set[str] = set()
        self.per_step: list[set[str]] = []

    def read(self, path: str) -> None:
        self.reads.add(path)
        self.pending.add(path)

    def close_step(self) -> None:
        self.per_step.append(self.pending)
        self.pending = set()




class _Tracked(dict):
    """A dict of stored data recording which keys are read (values are wrapped on access)."""

    __slots__ = ("_path", "_log")

    def __init__(self, data: Mapping[str, Any], path: str, log: _ReadLog) -> None:
        super().__init__(data)
        self._path = path
        self._log = log

    def __getitem__(self, key: str) -> Any:
        value = dict.__getitem__(self, key)
        path = f"{self._path}.{key}"
        self._log.read(path)
        return _track(value, path, self._log)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if dict.__contains__(self, key) else default

    def items(self) -> Any:  # type: ignore[override]
        return [(k, self[k]) for k in dict.keys(self)]

    def values(self) -> Any:  # type: ignore[override]
        return [self[k] for k in dict.keys(self)]


def _track(value: Any, path: str, log: _ReadLog) -> Any:
    if isinstance(value, dict) and not isinstance(value, _Tracked):
        return _Tracked(value, path, log)
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        return [_track(v, f"{path}[{i}]", log) for i, v in enumerate(value)]
    return value


def _unread(data: Any, path: str, reads: set[str]) -> list[str]:
    """Stored fields under ``path`` that no step read (a dict read whole counts as read)."""
    if isinstance(data, dict):
        children = [(f"{path}.{k}", v) for k, v in data.items()]
    elif isinstance(data, list) and any(isinstance(v, dict) for v in data):
        children = [(f"{path}[{i}]", v) for i, v in enumerate(data)]
    else:
        return []
    out = []
    for p, v in children:
        below = any(r.startswith(p + ".") or r.startswith(p + "[") for r in reads)
        if p not in reads and not below:
            if not (isinstance(v, list) and any(isinstance(w, dict) for w in v) and below):
                out.append(p)
        elif below:
            out.extend(_unread(v, p, reads))
    return out


def _brief(paths: set[str], limit: int = 24) -> str:
    """The most specific paths, sorted, at most ``limit`` of them."""
    leaves = sorted(p for p in paths if not any(q != p and (q.startswith(p + ".") or q.startswith(p + "["))
                                                for q in paths))
    text = ", ".join(leaves[:limit])
    return text + (f" (+{len(leaves) - limit} more)" if len(leaves) > limit else "")


def _exact_label(exact: Any) -> str:
    if exact is True:
        return "exact"
    if isinstance(exact, Mapping):
        parts = [f"{k}={v:.1e}" if isinstance(v, float) else f"{k}={v}" for k, v in exact.items()]
        return "numerical: " + ", ".join(parts) if "tolerance" in exact else "probabilistic: " + ", ".join(parts)
    return "numerical"


@dataclass(frozen=True)
class _Derivation:
    steps: tuple[Step, ...]
    per_step: list[set[str]]
    unread: list[str]
    description: str | None
    summary: str | None
    exact: Any


def _derive(theorem: str, instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> _Derivation:
    """Run the registered deriver and describer on the stored data, recording what is read."""
    from ..io import check_numbers

    reg = _registration(theorem)
    check_numbers(dict(instance), "instance")
    check_numbers(dict(evidence), "evidence")
    data_instance = {k: v for k, v in instance.items() if k != "description"}
    data_evidence = {k: v for k, v in evidence.items() if k != "summary"}
    log = _ReadLog()
    token = STEP_HOOK.set(lambda step: log.close_step())
    try:
        try:
            steps = list(reg.deriver(_Tracked(data_instance, "instance", log), _Tracked(data_evidence, "evidence", log)))
        except (KeyError, IndexError, TypeError, AttributeError, ZeroDivisionError, OverflowError) as exc:
            # Tampered or truncated evidence must fail, not crash the checker.
            steps = [Step("evidence is well formed", False, f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}")]
        except ValueError as exc:
            if isinstance(exc, SizeLimitError):
                raise
            steps = [Step("evidence is well formed", False, f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}")]
    finally:
        STEP_HOOK.reset(token)
    unread = _unread(data_instance, "instance", log.reads) + _unread(data_evidence, "evidence", log.reads)
    described: dict[str, Any] = {"description": None, "summary": None, "exact": True}
    if reg.describe is not None:
        try:
            described = dict(reg.describe(data_instance, data_evidence))
        except (KeyError, IndexError, TypeError, AttributeError, ZeroDivisionError, ValueError) as exc:
            if isinstance(exc, SizeLimitError):
                raise
            described = {"description": f"<cannot describe: {type(exc).__name__}>", "summary": None, "exact": None}
    per_step = log.per_step[-len(steps):] if steps else []
    return _Derivation(tuple(steps), per_step, unread, described.get("description"), described.get("summary"),
                       jsonable(described.get("exact", True)))


def _with_texts(data: Mapping[str, Any], key: str, text: str | None) -> dict[str, Any]:
    out = {key: text} if text is not None else {}
    out.update({k: v for k, v in data.items() if k != key})
    return out


@dataclass(frozen=True)
class Certificate:
    """A statement verified on an instance, with the evidence that re-checks it.

    Build certificates with :meth:`build` (which derives the verdict) or read them
    with :meth:`from_json`; the theorem functions ``verify_T0`` .. ``verify_T6``
    return them.  :meth:`check` re-derives every stored field from the instance and
    the evidence.

    Attributes
    ----------
    theorem : str
        ``"T0"`` .. ``"T6"``.
    statement : str
        The statement, in words (the one registered for the theorem).
    instance : dict
        ``{"description": str, ...}`` plus the models as JSON model dictionaries.
    evidence : dict
        ``{"summary": str, ...}`` plus JSON data: constructions, Hankel blocks with
        their words, ranks (with the method), degrees, parameter counts.
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
    @deprecated_positional
    def build(
        cls,
        theorem: str,
        statement: str,
        instance: Mapping[str, Any],
        evidence: Mapping[str, Any],
        *,
        exact: Any = True,
    ) -> Certificate:
        """Serialize instance and evidence, derive the verdict and return the certificate.

        The description, summary and exactness label are written by the theorem's
        registered describer (from the stored data, as :meth:`check` re-derives them);
        ``exact`` is used only when no describer is registered.

        Parameters
        ----------
        theorem : str
            Name with a registered deriver.
        statement : str
            The statement in words (must be the registered one, when one is registered).
        instance, evidence : mapping
            Converted with :func:`jsonable` before deriving, so the verdict is
            computed from exactly the data the certificate stores.
        exact : True or dict
            See the class attributes.

        Returns
        -------
        Certificate

        Examples
        --------
        >>> @register_deriver("T-build")
        ... def _derive(instance, evidence):
        ...     return [Step("answer is 42", evidence["answer"] == 42)]
        >>> Certificate.build("T-build", "doc", {}, {"answer": 41}).verdict
        'FAILS at answer is 42'
        """
        reg = _registration(theorem)
        if reg.statement is not None and statement != reg.statement:
            raise InvalidArgumentError(f"statement: expected the statement registered for {theorem}, got "
                                       f"{statement[:60]!r}")
        inst = jsonable(dict(instance))
        evid = jsonable(dict(evidence))
        der = _derive(theorem, inst, evid)
        inst = _with_texts(inst, "description", der.description)
        evid = _with_texts(evid, "summary", der.summary)
        label = der.exact if reg.describe is not None else jsonable(exact)
        failed = next((s.name for s in der.steps if not s.holds), None)
        if failed is None and der.unread:
            failed = f"stored evidence is re-checked: {', '.join(der.unread[:3])} never read"
        holds = failed is None and bool(der.steps)
        return cls(theorem, statement, inst, evid, holds, label, failed, der.steps)

    # -- verification ---------------------------------------------------------
    def check(self) -> CheckResult:
        """Re-derive every stored field from the stored instance and evidence, and compare.

        Compared, in order: the statement (with the registered one), the description,
        the summary and the exactness label (with the describer's), each step (name,
        verdict and detail), the verdict and the failed step; evidence that no step
        reads is refused.

        Returns
        -------
        CheckResult
            Truthy when the re-derived verdict holds and every stored field agrees;
            otherwise ``field`` names the field at fault.

        Raises
        ------
        SizeLimitError
            When a stored size exceeds a budget of :mod:`rnnexpr.limits` (checked before
            the work it would cause).

        Examples
        --------
        >>> from dataclasses import replace
        >>> from rnnexpr.theorems import verify_T1
        >>> cert = verify_T1(seed=0)
        >>> r = replace(cert, statement="Stacks of linear 2RNNs collapse.").check()
        >>> bool(r), r.field
        (False, 'statement')
        """
        reg = _registration(self.theorem)
        der = _derive(self.theorem, self.instance, self.evidence)
        steps = der.steps
        failed = next((i for i, s in enumerate(steps) if not s.holds), None)
        holds = failed is None and bool(steps)
        failed_name = None if failed is None else steps[failed].name

        # Every stored field against its re-derivation, in order: (field, what should hold).
        problems: list[tuple[str, str]] = []
        if reg.statement is not None and self.statement != reg.statement:
            problems.append(("statement", "the statement is the one registered for " + self.theorem))
        for name, stored, derived in (("instance.description", self.instance.get("description"), der.description),
                                      ("evidence.summary", self.evidence.get("summary"), der.summary)):
            if stored != derived:
                problems.append((name, f"{name} agrees with the stored data (re-derived: {str(derived)[:80]!r})"))
        expected_exact = der.exact if reg.describe is not None else True
        if jsonable(self.exact) != expected_exact:
            problems.append(("exact", f"the exactness label is {_exact_label(expected_exact)!r}"))
        if der.unread:
            problems.append((", ".join(der.unread[:6]), "every stored piece of evidence is re-checked"))
        stored_steps = tuple(self.steps)
        for i, (a, b) in enumerate(zip(stored_steps, steps)):
            if a.to_dict() != b.to_dict():
                problems.append((f"steps[{i}]", f"stored step {i} agrees with its re-derivation ({b.name!r})"))
                break
        if len(stored_steps) != len(steps):
            problems.append(("steps", f"{len(steps)} steps are re-derived, {len(stored_steps)} stored"))
        if bool(self.holds) != holds:
            problems.append(("holds", f"stored verdict (holds={self.holds}) agrees with the evidence"))
        elif self.failed_step != failed_name:
            problems.append(("failed_step", f"stored failed step {self.failed_step!r} agrees with the evidence"))

        if failed is not None:
            # A step fails on the stored data: name it and the stored fields it read.
            # The fields it read first, then those read by the steps before it (its premises).
            own = set(der.per_step[failed]) if failed < len(der.per_step) else set()
            before = set().union(*der.per_step[:failed]) - own if failed else set()
            text = ", ".join(x for x in (_brief(own), _brief(before)) if x)
            return CheckResult(holds, not problems, failed_name, steps, text or None)
        if problems:
            field_name, what = problems[0]
            return CheckResult(holds, False, what, steps, field_name)
        return CheckResult(holds, True, None, steps, None)

    # -- serialization --------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON data of the certificate (a deep copy: editing it leaves the certificate unchanged)."""
        return copy.deepcopy({
            "format": CERTIFICATE_FORMAT,
            "version": CERTIFICATE_VERSION,
            "theorem": self.theorem,
            "statement": self.statement,
            "holds": bool(self.holds),
            "exact": self.exact,
            "failed_step": self.failed_step,
            "steps": [s.to_dict() for s in self.steps],
            "instance": self.instance,
            "evidence": self.evidence,
        })

    @deprecated_positional
    def to_json(self, *, indent: int | None = None) -> str:
        """The certificate as a JSON string (exact numbers as ints or ``"p/q"``)."""
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, d: Any) -> Certificate:
        """Inverse of :meth:`to_dict`, with validation of the format, the version and every field.

        Raises
        ------
        ModelFormatError
            When a field is missing or of the wrong type, or the format or version is not this one.
        """
        if not isinstance(d, Mapping) or d.get("format") != CERTIFICATE_FORMAT:
            got = d.get("format") if isinstance(d, Mapping) else type(d).__name__
            raise ModelFormatError(f"certificate.format: expected {CERTIFICATE_FORMAT!r}, got {str(got)[:40]!r}")
        version = d.get("version")
        if version != CERTIFICATE_VERSION or isinstance(version, bool):
            raise ModelFormatError(f"certificate.version: expected {CERTIFICATE_VERSION}, got {str(version)[:40]!r}")
        for key, typ in (("theorem", str), ("statement", str), ("holds", bool), ("instance", dict),
                         ("evidence", dict), ("steps", list)):
            if not isinstance(d.get(key), typ):
                raise ModelFormatError(f"certificate.{key}: expected {typ.__name__}, got {type(d.get(key)).__name__}")
        if d.get("failed_step") is not None and not isinstance(d["failed_step"], str):
            raise ModelFormatError("certificate.failed_step: expected a string or null")
        exact = d.get("exact", True)
        if not (exact is True or isinstance(exact, dict)):
            raise ModelFormatError(f"certificate.exact: expected true or an object, got {str(exact)[:40]!r}")
        unknown = set(d) - {"format", "version", "theorem", "statement", "holds", "exact", "failed_step", "steps",
                            "instance", "evidence"}
        if unknown:
            raise ModelFormatError(f"certificate: unknown field(s) {sorted(unknown)[:5]}")
        steps = []
        for i, s in enumerate(d["steps"]):
            if not (isinstance(s, Mapping) and isinstance(s.get("name"), str) and isinstance(s.get("holds"), bool)
                    and isinstance(s.get("detail", ""), str)):
                raise ModelFormatError(f"certificate.steps[{i}]: expected {{name: str, holds: bool, detail: str}}")
            steps.append(Step(s["name"], s["holds"], s.get("detail", "")))
        return cls(d["theorem"], d["statement"], dict(d["instance"]), dict(d["evidence"]), d["holds"],
                   exact, d.get("failed_step"), tuple(steps))

    @classmethod
    def from_json(cls, text: str | bytes) -> Certificate:
        """Read a certificate written by :meth:`to_json`, within the budgets of :mod:`rnnexpr.limits`.

        The output of ``rnnexpr verify --json`` is a list: a list holding one certificate
        is read as that certificate; read longer lists with :meth:`list_from_json` or
        :func:`load_certificates`.

        Raises
        ------
        ModelFormatError
            When the text is not valid JSON or not a certificate of this format and version.
        SizeLimitError
            When the text is too large, nested too deeply or holds oversized numbers.

        Examples
        --------
        >>> from rnnexpr.theorems import verify_T0
        >>> text = verify_T0(seed=0).to_json()
        >>> Certificate.from_json(text).theorem, Certificate.from_json("[" + text + "]").theorem
        ('T0', 'T0')
        """
        items = cls.list_from_json(text)
        if len(items) != 1:
            raise ModelFormatError(f"certificate: expected one certificate, got a list of {len(items)} (read it with "
                                   "Certificate.list_from_json or rnnexpr.theorems.certificate.load_certificates)")
        return items[0]

    @classmethod
    def list_from_json(cls, text: str | bytes) -> list[Certificate]:
        """Read one certificate or a list of them (the output of ``rnnexpr verify --json``).

        Parameters
        ----------
        text : str or bytes
            JSON text, read within the budgets of :mod:`rnnexpr.limits`.

        Returns
        -------
        list of Certificate

        Raises
        ------
        ModelFormatError, SizeLimitError
            As :meth:`from_json`; an item is named by its index.

        Examples
        --------
        >>> from rnnexpr.theorems import verify_all
        >>> import json
        >>> text = json.dumps([c.to_dict() for c in verify_all(["T0", "T1"])])
        >>> [bool(c.check()) for c in Certificate.list_from_json(text)]
        [True, True]
        """
        from ..io import parse_json

        limit = current_limits().file_bytes
        if len(text) > limit:
            raise SizeLimitError(f"certificate: {len(text)} characters, above the limit {limit} "
                                 f"({HOW_TO_RAISE.format('file_bytes')})")
        return _certificates_from_data(parse_json(text, "certificate"), "certificate")

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

    The file is read within the budgets of :mod:`rnnexpr.limits` (size, nesting depth,
    digits of numbers), like a model file.

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
    SizeLimitError
        When the file exceeds a budget.

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
    from ..io import read_json

    return _certificates_from_data(read_json(path), str(path))


def _certificates_from_data(data: Any, where: str) -> list[Certificate]:
    items = data if isinstance(data, list) else [data]
    if not items:
        raise ModelFormatError(f"{where}: expected a certificate or a non-empty list of certificates, got []")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(Certificate.from_dict(item))
        except ModelFormatError as exc:
            raise ModelFormatError(f"[{i}]: {exc}" if isinstance(data, list) else str(exc)) from None
    return out
