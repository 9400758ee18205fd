"""Shared validators for arguments, and the one rule for exact versus numerical methods.

Every public function checks its arguments with these, so that every message has
the same form (``name: expected ..., got ...``) and every error is an
:class:`~rnnexpr.errors.RnnexprError` (a wrong type raises
:class:`~rnnexpr.errors.InvalidTypeError`, a wrong value
:class:`~rnnexpr.errors.InvalidArgumentError`).  This module sits at the bottom of
the layers, beside :mod:`rnnexpr.errors` and :mod:`rnnexpr.numbers`.

The method rule (stated once, applied by every rank, degree and equivalence
function and by the command line): exact input (Fractions, integers, ``"p/q"``
strings) gets the exact method by default; float input gets the numerical method
by default; ``exact=True`` means ``method="exact"`` and ``exact=False`` means
``method="numerical"``; giving both with different meanings raises
:class:`~rnnexpr.errors.ConflictingArgumentsError`.  See :func:`resolve_method`.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers as _pynumbers
import os
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np

from .errors import ConflictingArgumentsError, InvalidArgumentError, InvalidTypeError

__all__ = [
    "check_int",
    "check_seed",
    "check_choice",
    "check_probability",
    "check_tolerance",
    "check_bool",
    "resolve_method",
    "renamed_parameter",
    "deprecated_positional",
    "user_stacklevel",
    "METHODS",
]

_F = TypeVar("_F", bound=Callable[..., Any])

#: The rank/degree methods: exact over Q, modular (rank over GF(p), a proven lower bound), numerical (float SVD).
METHODS = ("exact", "modular", "numerical")


def check_int(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer argument within ``[minimum, maximum]`` (either bound optional).

    Parameters
    ----------
    value : Any
        The argument; Python and numpy integers are accepted, ``bool`` is not.
    name : str
        The argument's name, used in the message.
    minimum, maximum : int, optional
        Inclusive bounds.  ``maximum`` is how budgets are stated: it is checked
        before anything is allocated.

    Returns
    -------
    int

    Raises
    ------
    InvalidTypeError
        When ``value`` is not an integer.
    InvalidArgumentError
        When it is outside the bounds.

    See Also
    --------
    check_choice, check_probability

    Examples
    --------
    >>> check_int(3, "max_length", minimum=0)
    3
    >>> check_int(-1, "max_length", minimum=0)
    Traceback (most recent call last):
    ...
    rnnexpr.errors.InvalidArgumentError: max_length: expected an integer >= 0, got -1
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidTypeError(f"{name}: expected an integer, got {type(value).__name__} {_short(value)}")
    v = int(value)
    if minimum is not None and v < minimum:
        raise InvalidArgumentError(f"{name}: expected an integer >= {minimum}, got {v}")
    if maximum is not None and v > maximum:
        raise InvalidArgumentError(f"{name}: expected an integer <= {maximum}, got {v}")
    return v


def check_seed(seed: Any, name: str = "seed") -> int:
    """A seed: a non-negative integer.

    Parameters
    ----------
    seed : Any
    name : str

    Returns
    -------
    int

    See Also
    --------
    check_int

    Examples
    --------
    >>> check_seed(0)
    0
    """
    return check_int(seed, name, minimum=0)


def check_bool(value: Any, name: str) -> bool:
    """A boolean flag (``True`` or ``False``, numpy booleans included).

    Parameters
    ----------
    value : Any
    name : str

    Returns
    -------
    bool

    Examples
    --------
    >>> check_bool(True, "quick")
    True
    """
    if not isinstance(value, bool | np.bool_):
        raise InvalidTypeError(f"{name}: expected True or False, got {type(value).__name__} {_short(value)}")
    return bool(value)


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """One of a fixed set of strings.  Hyphens and underscores are interchangeable.

    The canonical spelling is the one in ``choices`` (hyphenated, by the house
    convention); ``"one_hot"`` is accepted for ``"one-hot"`` and returned as the
    canonical ``"one-hot"``.

    Parameters
    ----------
    value : Any
    name : str
    choices : iterable of str

    Returns
    -------
    str
        The canonical spelling.

    Raises
    ------
    InvalidTypeError
        When ``value`` is not a string.
    InvalidArgumentError
        When it is not among the choices.

    See Also
    --------
    check_int

    Examples
    --------
    >>> check_choice("one_hot", "inputs", ("one-hot", "real"))
    'one-hot'
    """
    choices = tuple(choices)
    if not isinstance(value, str):
        raise InvalidTypeError(f"{name}: expected one of {list(choices)}, got {type(value).__name__} {_short(value)}")
    key = value.replace("_", "-")
    for c in choices:
        if c.replace("_", "-") == key:
            return c
    raise InvalidArgumentError(f"{name}: expected one of {list(choices)}, got {value!r}")


def check_probability(value: Any, name: str, *, open_interval: bool = True) -> float:
    """A probability: a finite real in ``(0, 1)`` (or ``[0, 1]`` with ``open_interval=False``).

    Parameters
    ----------
    value : Any
    name : str
    open_interval : bool

    Returns
    -------
    float

    Examples
    --------
    >>> check_probability(0.5, "eps")
    0.5
    """
    if isinstance(value, bool) or not isinstance(value, _pynumbers.Real):
        raise InvalidTypeError(f"{name}: expected a real number in (0, 1), got {type(value).__name__} {_short(value)}")
    v = float(value)
    ok = (0 < v < 1) if open_interval else (0 <= v <= 1)
    if not ok or not math.isfinite(v):
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise InvalidArgumentError(f"{name}: expected a real number in {interval}, got {value!r}")
    return v


def check_tolerance(value: Any, name: str = "rtol") -> float:
    """A relative tolerance: a finite real in ``(0, 1)``.

    Parameters
    ----------
    value : Any
    name : str

    Returns
    -------
    float

    Examples
    --------
    >>> check_tolerance(1e-10)
    1e-10
    """
    return check_probability(value, name)


def resolve_method(
    is_exact_input: bool,
    method: Any = None,
    exact: Any = None,
    *,
    methods: Iterable[str] = METHODS,
    name: str = "method",
) -> str:
    """The method to run, by the one rule shared by the library and the command line.

    * neither ``method`` nor ``exact`` given: ``"exact"`` for exact input, ``"numerical"`` for float input;
    * ``exact=True``: ``"exact"``; ``exact=False``: ``"numerical"``;
    * both given: they must agree (``exact=True`` only with ``"exact"``,
      ``exact=False`` only with ``"numerical"``), else
      :class:`~rnnexpr.errors.ConflictingArgumentsError`.

    Parameters
    ----------
    is_exact_input : bool
        Whether the input (model, matrix) is exact (rational).
    method : str, optional
        One of ``methods``.
    exact : bool, optional
    methods : iterable of str
        The methods the caller supports (default: exact, modular, numerical).
    name : str
        The argument's name in messages.

    Returns
    -------
    str

    Raises
    ------
    ConflictingArgumentsError
        When ``method`` and ``exact`` disagree.
    InvalidArgumentError
        On an unknown method.

    See Also
    --------
    check_choice

    Examples
    --------
    >>> resolve_method(True), resolve_method(False)
    ('exact', 'numerical')
    >>> resolve_method(False, exact=True)
    'exact'
    >>> resolve_method(True, "modular", exact=True)
    Traceback (most recent call last):
    ...
    rnnexpr.errors.ConflictingArgumentsError: method: 'modular' conflicts with exact=True (exact=True means method='exact'); give one of them
    """
    methods = tuple(methods)
    if exact is not None:
        exact = check_bool(exact, "exact")
    if method is not None:
        method = check_choice(method, name, methods)
    if method is None:
        if exact is None:
            method = "exact" if is_exact_input else "numerical"
        else:
            method = "exact" if exact else "numerical"
        if method not in methods:
            raise InvalidArgumentError(f"{name}: the default {method!r} is not available here; choose one of {list(methods)}")
        return method
    if exact is not None and method != ("exact" if exact else "numerical"):
        implied = "exact" if exact else "numerical"
        raise ConflictingArgumentsError(
            f"{name}: {method!r} conflicts with exact={exact} (exact={exact} means method={implied!r}); give one of them"
        )
    return method


# ---------------------------------------------------------------------------
# Deprecations: renamed parameters and options that became keyword-only
# ---------------------------------------------------------------------------


def _deprecation_wrapper(func: Callable[..., Any]) -> Any:
    """The one wrapper that carries every deprecation of ``func`` (stacked decorators share it).

    One wrapper, not one per decorator: the warning must point at the caller
    (``stacklevel=2``), which a second wrapper would hide.
    """
    if hasattr(func, "__rnnexpr_deprecations__"):
        return func
    spec: dict[str, Any] = {"renames": {}, "positional": None}
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for old, new in spec["renames"].items():
            if old in kwargs:
                if new in kwargs:
                    raise ConflictingArgumentsError(
                        f"{old}: renamed to {new}; expected only {new}, got both {old}= and {new}="
                    )
                warnings.warn(
                    f"{func.__name__}: the parameter {old!r} is renamed {new!r}; "
                    f"{old!r} will stop working in the next release",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
        kept = spec["positional"]
        if kept is not None and len(args) > kept:
            names = spec["keyword_only"]
            extra = args[kept:]
            if len(extra) > len(names):
                raise InvalidTypeError(
                    f"{func.__name__}() takes at most {kept + len(names)} arguments, got {len(args)} positional"
                )
            moved = names[: len(extra)]
            warnings.warn(
                f"{func.__name__}: passing {', '.join(moved)} by position is deprecated; "
                f"give {'them' if len(moved) > 1 else 'it'} by keyword ({moved[0]}=...): "
                "options after the model are keyword-only from the next release",
                DeprecationWarning,
                stacklevel=2,
            )
            for name, value in zip(moved, extra, strict=True):
                if name in kwargs:
                    raise InvalidTypeError(f"{func.__name__}() got multiple values for argument {name!r}")
                kwargs[name] = value
            args = args[:kept]
        return func(*args, **kwargs)

    wrapper.__rnnexpr_deprecations__ = spec  # type: ignore[attr-defined]
    spec["signature"] = signature
    return wrapper


def renamed_parameter(old: str, new: str) -> Callable[[_F], _F]:
    """Keep a renamed keyword working for one release, with a :class:`DeprecationWarning`.

    The decorated function is written with the new name only; a call with
    ``old=`` warns and is forwarded as ``new=``; giving both raises
    :class:`~rnnexpr.errors.ConflictingArgumentsError`.  Stack several for
    several renames (they share one wrapper, so the warning always points at
    the caller).

    Parameters
    ----------
    old : str
        The former keyword.
    new : str
        The parameter of the decorated function it now names.

    Returns
    -------
    callable
        The decorator.

    See Also
    --------
    deprecated_positional

    Examples
    --------
    >>> import warnings
    >>> @renamed_parameter("max_len", "max_length")
    ... def words(alphabet_size, *, max_length=2):
    ...     return alphabet_size ** max_length
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     words(2, max_len=3)
    8
    >>> print(caught[0].message)
    words: the parameter 'max_len' is renamed 'max_length'; 'max_len' will stop working in the next release
    """

    def decorate(func: _F) -> _F:
        target = getattr(func, "__wrapped__", func) if hasattr(func, "__rnnexpr_deprecations__") else func
        if new not in inspect.signature(target).parameters:
            raise InvalidTypeError(f"renamed_parameter: {func.__qualname__} has no parameter {new!r}")
        wrapper = _deprecation_wrapper(func)
        wrapper.__rnnexpr_deprecations__["renames"][old] = new
        return wrapper  # type: ignore[no-any-return]

    return decorate


def deprecated_positional(func: _F) -> _F:
    """Options that became keyword-only keep working by position for one release, with a warning.

    The decorated function is written with its options after ``*``; a call that
    still passes them by position (in the order of the signature's keyword-only
    parameters, which is their former positional order) warns with a
    :class:`DeprecationWarning` and is forwarded by keyword.

    Parameters
    ----------
    func : callable
        A function with keyword-only parameters.

    Returns
    -------
    callable

    See Also
    --------
    renamed_parameter

    Examples
    --------
    >>> import warnings
    >>> @deprecated_positional
    ... def scale(x, *, factor=2):
    ...     return x * factor
    >>> scale(3, factor=3)
    9
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     scale(3, 4)
    12
    >>> caught[0].category.__name__
    'DeprecationWarning'
    """
    wrapper = _deprecation_wrapper(func)
    spec = wrapper.__rnnexpr_deprecations__
    params = list(spec["signature"].parameters.values())
    spec["positional"] = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
    spec["keyword_only"] = [p.name for p in params if p.kind == p.KEYWORD_ONLY]
    if any(p.kind == p.VAR_POSITIONAL for p in params) or not spec["keyword_only"]:
        raise InvalidTypeError(f"deprecated_positional: {func.__qualname__} needs keyword-only parameters and no *args")
    return wrapper  # type: ignore[no-any-return]


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the first caller outside rnnexpr.

    Call it as the argument of :func:`warnings.warn` inside the library: the
    warning then names the user's line however many library frames (helpers,
    the wrappers of :func:`renamed_parameter` and :func:`deprecated_positional`)
    lie in between, where a fixed ``stacklevel=2`` would name a library line.

    Returns
    -------
    int

    Examples
    --------
    >>> user_stacklevel() >= 1
    True
    """
    frame: Any = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _short(value: Any, limit: int = 60) -> str:
    # Messages quote the value, but never a huge one (a hostile input must not flood the terminal).
    try:
        text = repr(value)
    except Exception:  # pragma: no cover - a broken __repr__
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
