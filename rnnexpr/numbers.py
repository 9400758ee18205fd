"""Scalar domains: float64 and exact rationals.

rnnexpr stores every array either as ``float64`` or as a numpy ``object`` array
of :class:`fractions.Fraction` ("exact").  This module converts between the two,
parses ``"p/q"`` strings and validates finiteness.  Exact rank computations live
in :mod:`rnnexpr.exact`.
"""

from __future__ import annotations

import math
import numbers as _pynumbers
from fractions import Fraction
from typing import Any

import numpy as np

from .errors import ExactnessError, InvalidTypeError, NonFiniteError, ShapeError

__all__ = [
    "to_fraction",
    "is_exact_scalar",
    "is_exact_array",
    "as_array",
    "to_exact_array",
    "to_float_array",
    "format_fraction",
    "to_json_array",
    "from_json_array",
    "zeros",
    "as_fractions",
]


def _sympy_rational(x: Any) -> Fraction | None:
    # Imported lazily: sympy is slow to import and rarely passed here.
    try:
        import sympy
    except ImportError:  # pragma: no cover - sympy is a core dependency
        return None
    if isinstance(x, sympy.Rational):
        return Fraction(int(x.p), int(x.q))
    return None


def is_exact_scalar(x: Any) -> bool:
    """Return True when ``x`` is an exact rational scalar.

    Exact scalars are Python and numpy integers, :class:`~fractions.Fraction`,
    sympy ``Rational`` and strings such as ``"3/4"`` or ``"-2"``.  Booleans and
    floats are not exact.

    Examples
    --------
    >>> is_exact_scalar("3/4"), is_exact_scalar(0.75)
    (True, False)
    """
    if isinstance(x, bool | np.bool_):
        return False
    if isinstance(x, int | np.integer | Fraction | str):
        return True
    return type(x).__module__.startswith("sympy") and _sympy_rational(x) is not None


def to_fraction(x: Any, name: str = "value") -> Fraction:
    """Convert a scalar to an exact :class:`~fractions.Fraction`.

    Floats are converted exactly (their binary value), so ``to_fraction(0.1)``
    is not ``1/10``.  Strings may be ``"p/q"``, integers or finite decimals.

    Parameters
    ----------
    x : int, Fraction, str, float or sympy.Rational
        The scalar.
    name : str
        Name of the argument, used in error messages.

    Returns
    -------
    Fraction

    Raises
    ------
    NonFiniteError
        If ``x`` is NaN or infinite.
    ExactnessError
        If ``x`` is of a type that has no rational value.

    Examples
    --------
    >>> to_fraction("-6/4")
    Fraction(-3, 2)
    >>> to_fraction(0.5)
    Fraction(1, 2)
    """
    if isinstance(x, Fraction):
        return x
    if isinstance(x, bool | np.bool_):
        raise ExactnessError(f"{name}: expected a number, got a boolean {x!r}")
    if isinstance(x, int | np.integer):
        return Fraction(int(x))
    if isinstance(x, str):
        s = x.strip()
        try:
            value = Fraction(s)
        except (ValueError, ZeroDivisionError) as exc:
            raise ExactnessError(
                f"{name}: expected a rational such as '3/4' or '-2', got {x!r}"
            ) from exc
        return value
    if isinstance(x, float | np.floating):
        if not math.isfinite(float(x)):
            raise NonFiniteError(f"{name}: expected a finite number, got {x!r}")
        return Fraction(float(x))
    rat = _sympy_rational(x)
    if rat is not None:
        return rat
    if isinstance(x, _pynumbers.Rational):
        return Fraction(int(x.numerator), int(x.denominator))
    raise ExactnessError(f"{name}: expected a rational number, got {type(x).__name__} {x!r}")


def is_exact_array(a: Any) -> bool:
    """Return True when ``a`` is a numpy object array (rnnexpr's exact arrays).

    Examples
    --------
    >>> is_exact_array(to_exact_array([1, 2])), is_exact_array(np.zeros(2))
    (True, False)
    """
    return isinstance(a, np.ndarray) and a.dtype == object


def _flatten_leaves(x: Any) -> list:
    if isinstance(x, np.ndarray):
        return list(x.ravel())
    if isinstance(x, list | tuple):
        out: list = []
        for item in x:
            out.extend(_flatten_leaves(item))
        return out
    return [x]


def _check_ndim(a: np.ndarray, name: str, ndim: int | tuple[int, ...] | None) -> None:
    if ndim is None:
        return
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if a.ndim not in allowed:
        raise ShapeError(
            f"{name}: expected an array with {' or '.join(map(str, allowed))} dimension(s), "
            f"got shape {a.shape} ({a.ndim} dimension(s))"
        )


def _check_finite(a: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0]
        raise NonFiniteError(
            f"{name}: expected finite values, got {a[tuple(bad)]} at index {tuple(int(i) for i in bad)}"
        )


def as_array(
    x: Any,
    name: str,
    ndim: int | tuple[int, ...] | None = None,
    exact: bool | None = None,
) -> np.ndarray:
    """Validate ``x`` and return it as a float64 or exact (object) array.

    Parameters
    ----------
    x : array_like
        Nested lists, tuples or a numpy array of numbers or ``"p/q"`` strings.
    name : str
        Name of the argument, used in error messages.
    ndim : int or tuple of int, optional
        The allowed numbers of dimensions.
    exact : bool, optional
        ``True`` forces exact Fractions (floats are converted exactly),
        ``False`` forces float64, ``None`` (default) picks exact when every
        entry is an exact scalar and float64 otherwise.

    Returns
    -------
    numpy.ndarray
        A new, read-only array of dtype float64 or object (Fractions).

    Raises
    ------
    ShapeError
        If the array is ragged or has the wrong number of dimensions.
    NonFiniteError
        If an entry is NaN or infinite.
    TypeError
        If an entry is not a number.

    Examples
    --------
    >>> as_array([["1/2", 1]], "U")
    array([[Fraction(1, 2), Fraction(1, 1)]], dtype=object)
    >>> as_array([[0.5, 1]], "U").dtype
    dtype('float64')
    """
    if isinstance(x, np.ndarray) and x.dtype.kind in "fiu" and exact is None:
        exact = x.dtype.kind in "iu"
    if isinstance(x, np.ndarray) and x.dtype.kind in "fiu" and exact is False:
        # Fast path for large numeric inputs: no per-entry Python work.
        out = np.array(x, dtype=np.float64)
        _check_ndim(out, name, ndim)
        _check_finite(out, name)
        out.setflags(write=False)
        return out
    if isinstance(x, np.ndarray) and x.dtype.kind == "b":
        raise InvalidTypeError(f"{name}: expected numbers, got a boolean array")
    if isinstance(x, np.ndarray) and x.dtype.kind == "c":
        raise InvalidTypeError(f"{name}: expected real numbers, got a complex array")
    try:
        # dtype=object keeps Fractions and strings intact and detects raggedness.
        raw = np.array(x, dtype=object)
    except ValueError as exc:
        raise ShapeError(f"{name}: expected a rectangular array, got a ragged nested list") from exc
    if raw.dtype != object:  # pragma: no cover - dtype=object always yields object
        raw = raw.astype(object)
    for leaf in raw.ravel()[:1]:
        if isinstance(leaf, list | tuple):
            raise ShapeError(f"{name}: expected a rectangular array, got a ragged nested list")
    _check_ndim(raw, name, ndim)
    leaves = raw.ravel()
    for leaf in leaves:
        if isinstance(leaf, bool | np.bool_) or not (
            isinstance(leaf, _pynumbers.Number | str | np.number) or is_exact_scalar(leaf)
        ):
            raise InvalidTypeError(f"{name}: expected numbers, got an entry of type {type(leaf).__name__}: {leaf!r}")
        if isinstance(leaf, complex | np.complexfloating):
            raise InvalidTypeError(f"{name}: expected real numbers, got complex {leaf!r}")
    if exact is None:
        exact = all(is_exact_scalar(v) for v in leaves)
    if exact:
        out = np.empty(raw.shape, dtype=object)
        flat = out.reshape(-1)
        for i, v in enumerate(leaves):
            flat[i] = to_fraction(v, name)
    else:
        vals = []
        for v in leaves:
            if isinstance(v, str):
                v = to_fraction(v, name)
            vals.append(float(v))
        out = np.array(vals, dtype=np.float64).reshape(raw.shape)
        _check_finite(out, name)
    out.setflags(write=False)
    return out


def to_exact_array(a: Any, name: str = "array") -> np.ndarray:
    """Return an exact (object array of Fraction) copy of ``a``; floats convert exactly.

    Examples
    --------
    >>> to_exact_array([0.25, "1/3"])
    array([Fraction(1, 4), Fraction(1, 3)], dtype=object)
    """
    if is_exact_array(a) and all(isinstance(v, Fraction) for v in a.ravel()):
        return a
    return as_array(a, name, exact=True)


def to_float_array(a: Any, name: str = "array") -> np.ndarray:
    """Return a float64 version of ``a`` (exact entries are rounded).

    Raises
    ------
    NonFiniteError
        When an exact entry is beyond the float64 range (about 1.8e308): rounding it
        would give infinity, so the numerical path cannot represent the model.

    Examples
    --------
    >>> to_float_array(["1/4", 2])
    array([0.25, 2.  ])
    """
    if isinstance(a, np.ndarray) and a.dtype == np.float64:
        return a
    if is_exact_array(a):
        try:
            values = [float(v) for v in a.ravel()]
        except OverflowError:
            big = next(v for v in a.ravel() if abs(v) > 1 and _overflows(v))
            raise NonFiniteError(
                f"{name}: expected entries within the float64 range (|x| < 1.8e308) for a numerical method, got an "
                f"exact entry of about 10^{_log10(big)}; use an exact method"
            ) from None
        out = np.array(values, dtype=np.float64).reshape(a.shape)
        out.setflags(write=False)
        return out
    return as_array(a, name, exact=False)


def format_fraction(x: Fraction) -> str | int:
    """Format a Fraction for JSON: an ``int`` when integral, else ``"p/q"``.

    Examples
    --------
    >>> format_fraction(Fraction(3, 4)), format_fraction(Fraction(2))
    ('3/4', 2)
    """
    if x.denominator == 1:
        return int(x.numerator)
    return f"{x.numerator}/{x.denominator}"


def to_json_array(a: np.ndarray) -> Any:
    """Nested lists for JSON: exact entries become ints or ``"p/q"`` strings.

    Floats are written with ``repr`` precision by the JSON encoder, so a round
    trip through :func:`from_json_array` is exact in both domains.

    Examples
    --------
    >>> to_json_array(to_exact_array(["1/2", 3]))
    ['1/2', 3]
    """
    if is_exact_array(a):
        flat = [format_fraction(to_fraction(v)) for v in a.ravel()]
        return np.array(flat, dtype=object).reshape(a.shape).tolist()
    return np.asarray(a, dtype=np.float64).tolist()


def from_json_array(x: Any, name: str, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """Inverse of :func:`to_json_array` with validation (exact unless a float appears).

    Examples
    --------
    >>> from_json_array(["1/2", 3], "b")
    array([Fraction(1, 2), Fraction(3, 1)], dtype=object)
    """
    return as_array(x, name, ndim=ndim)


def check_shape(a: np.ndarray, expected: tuple, name: str) -> None:
    """Raise :class:`ShapeError` unless ``a.shape == expected``.

    Examples
    --------
    >>> check_shape(np.zeros((2, 3)), (2, 3), "U")
    """
    if tuple(a.shape) != tuple(expected):
        raise ShapeError(f"{name}: expected shape {tuple(expected)}, got {tuple(a.shape)}")


def zeros(shape: tuple[int, ...], exact: bool) -> np.ndarray:
    """A zero array of the domain: Fraction(0) entries when ``exact``, else float64.

    Examples
    --------
    >>> zeros((2,), exact=True).tolist(), zeros((2,), exact=False).tolist()
    ([Fraction(0, 1), Fraction(0, 1)], [0.0, 0.0])
    """
    if exact:
        out = np.empty(shape, dtype=object)
        out[...] = Fraction(0)
        return out
    return np.zeros(shape, dtype=np.float64)


def as_fractions(a: np.ndarray) -> np.ndarray:
    """An object array whose entries are all Fractions.

    Exact arithmetic on object arrays can leave plain ints where a product
    collapsed to 0 or an input was an int; this normalizes them.

    Examples
    --------
    >>> as_fractions(np.array([0, Fraction(1, 2)], dtype=object)).tolist()
    [Fraction(0, 1), Fraction(1, 2)]
    """
    out = np.empty(a.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(a.ravel()):
        flat[i] = v if isinstance(v, Fraction) else Fraction(v)
    return out


def _overflows(v: Any) -> bool:
    try:
        float(v)
    except OverflowError:
        return True
    return False


def _log10(v: Any) -> int:
    # The decimal exponent of a huge rational, from bit lengths (no big float or string conversion).
    f = Fraction(v)
    return round((abs(f.numerator).bit_length() - f.denominator.bit_length()) * 0.30103)
