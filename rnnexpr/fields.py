"""Exact linear algebra over a field: the rationals ``QQ`` and the prime fields ``GF(p)``.

One small interface, in the spirit of sympy's ``DomainMatrix``, written against by
every exact algorithm of the toolkit (reachable and observable bases, Hankel ranks,
rank profiles, minimization, equivalence, degree)::

    F = QQ                       # or GF(p) for a prime p < 2**31
    M = F.matrix(rows)           # a numpy array of the field's elements
    F.rank(M); F.rref(M); F.nullspace(M); F.solve(M, b); F.independent_rows(M)
    S = F.span(n); S.add_rows(V) # incremental span membership, batched
    GF(p).residues(a)            # Fractions / ints -> int64 residues mod p

Elements cross this module's boundary only as numpy arrays: object arrays of
:class:`~fractions.Fraction` over Q, ``int64`` arrays of residues in ``[0, p)``
over GF(p).  The backends never leave it:

* ``"flint"`` (default when python-flint is installed): ``fmpq_mat`` over Q and
  ``nmod_mat`` over GF(p);
* ``"sympy"``: sympy's ``DomainMatrix`` over ``QQ``, numpy ``int64`` elimination
  over GF(p);
* ``"numpy"``: numpy ``int64`` elimination over GF(p) (Q falls back to sympy).

The backend is chosen by the context manager :func:`backend` (a context variable:
thread- and task-safe), never by a module-global setter.

Reduction modulo a prime is the bridge between the two fields: it maps Q's
``Z_(p)`` (rationals whose denominator is prime to p) onto GF(p) and can only
lower a rank.  :func:`random_prime` draws the prime and :func:`error_probability`
bounds the chance that a random prime lowers it (see the theory page on
certificates, :doc:`/theory/index`).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import random
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import numpy as np

from .errors import InvalidArgumentError, InvalidTypeError, ShapeError

try:  # python-flint is optional (the "fast" extra)
    import flint as _fl
except ImportError:  # pragma: no cover - depends on the environment
    _fl = None  # type: ignore[assignment]

__all__ = [
    "QQ",
    "GF",
    "Field",
    "RationalField",
    "PrimeField",
    "Span",
    "backend",
    "current_backend",
    "available_backends",
    "random_prime",
    "is_prime",
    "error_probability",
    "log2_hadamard_bound",
    "suitable_prime",
    "orbit_basis",
    "matmul_mod",
    "power_mod",
    "DEFAULT_PRIME",
    "PRIME_RANGE",
]

#: The largest prime below 2**31: a product of two residues fits in int64.
DEFAULT_PRIME = 2147483647

#: Range ``[low, high)`` of the random primes.
PRIME_RANGE = (2**30, 2**31)

_BACKENDS = ("flint", "sympy", "numpy")
_BACKEND: contextvars.ContextVar[str | None] = contextvars.ContextVar("rnnexpr_fields_backend", default=None)


def available_backends() -> tuple[str, ...]:
    """The backends usable here: ``"flint"`` when python-flint is installed, ``"sympy"``, ``"numpy"``.

    Examples
    --------
    >>> {"sympy", "numpy"} <= set(available_backends())
    True
    """
    return _BACKENDS if _fl is not None else _BACKENDS[1:]


def current_backend() -> str:
    """Name of the backend in use: the innermost :func:`backend` context, else the default.

    The default is ``"flint"`` when python-flint is installed, ``"sympy"`` otherwise.

    Examples
    --------
    >>> with backend("sympy"):
    ...     current_backend()
    'sympy'
    """
    name = _BACKEND.get()
    if name is not None:
        return name
    return "flint" if _fl is not None else "sympy"


@contextlib.contextmanager
def backend(name: str) -> Iterator[str]:
    """Use the backend ``name`` (``"flint"``, ``"sympy"`` or ``"numpy"``) inside the block.

    Parameters
    ----------
    name : str
        ``"flint"`` (python-flint for Q and GF(p)), ``"sympy"`` (sympy's
        DomainMatrix for Q, numpy for GF(p)) or ``"numpy"`` (numpy for GF(p), sympy
        for Q).

    Yields
    ------
    str
        The name.

    Raises
    ------
    InvalidArgumentError
        For an unknown name, or ``"flint"`` without python-flint installed.

    Examples
    --------
    >>> with backend("numpy"):
    ...     GF(7).rank([[1, 2], [2, 4]])
    1
    """
    if not isinstance(name, str):
        raise InvalidTypeError(f"name: expected one of {', '.join(map(repr, _BACKENDS))}, got {name!r}")
    if name not in _BACKENDS:
        raise InvalidArgumentError(f"name: expected one of {', '.join(map(repr, _BACKENDS))}, got {name!r}")
    if name == "flint" and _fl is None:
        raise InvalidArgumentError(
            "name: expected an installed backend ('sympy', 'numpy'), got 'flint' "
            "(python-flint is not installed: pip install rnnexpr[fast])"
        )
    token = _BACKEND.set(name)
    try:
        yield name
    finally:
        _BACKEND.reset(token)


def _use_flint() -> bool:
    return _fl is not None and current_backend() == "flint"


# ---------------------------------------------------------------------------
# Primes and the error bound
# ---------------------------------------------------------------------------

_SMALL_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)


def is_prime(n: int) -> bool:
    """Deterministic primality test for ``n < 3.3e24`` (Miller-Rabin with fixed bases).

    Examples
    --------
    >>> is_prime(DEFAULT_PRIME), is_prime(2**31 + 1)
    (True, False)
    """
    n = int(n)
    if n < 2:
        return False
    for q in _SMALL_PRIMES:
        if n % q == 0:
            return n == q
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41):
        if a % n == 0:
            continue
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def random_prime(seed: int | None = 0, *, low: int = PRIME_RANGE[0], high: int = PRIME_RANGE[1],
                 avoid: int = 1) -> int:
    """A prime drawn uniformly from the primes in ``[low, high)``, reproducibly from ``seed``.

    Rejection sampling: odd numbers are drawn until one is prime, so every prime of
    the range is equally likely.  Every random prime of the toolkit comes from here.

    Parameters
    ----------
    seed : int or None
        Seed of the draw (``None``: fresh randomness).
    low, high : int
        The range; ``high <= 2**31`` keeps products of residues inside int64.
    avoid : int
        Redraw while the prime divides this integer (pass the common denominator
        of the data, so that every residue exists).

    Returns
    -------
    int

    Examples
    --------
    >>> p = random_prime(0); 2**30 <= p < 2**31 and is_prime(p)
    True
    >>> random_prime(0) == random_prime(0)
    True
    """
    if not (3 <= low < high <= 2**31):
        raise InvalidArgumentError(f"low, high: expected 3 <= low < high <= 2**31, got [{low}, {high})")
    rng = random.Random(seed)
    avoid = int(avoid) or 1
    for _ in range(100_000):
        n = rng.randrange(low, high) | 1
        if n < high and is_prime(n) and avoid % n:
            return n
    raise InvalidArgumentError(f"low, high: expected a range holding primes, found none in [{low}, {high})")


def _primes_in_range_lower_bound(low: int, high: int) -> float:
    """Rosser-Schoenfeld: pi(x) > x / ln x (x >= 17) and pi(x) < 1.25506 x / ln x (x > 1)."""
    return high / math.log(high) - 1.25506 * low / math.log(low)


def error_probability(log2_bound: float, *, count: int = 1, low: int = PRIME_RANGE[0],
                      high: int = PRIME_RANGE[1], avoid_log2: float = 0.0) -> float:
    """Chance that a random prime of ``[low, high)`` divides one of ``count`` nonzero integers.

    Each integer has absolute value at most ``2**log2_bound`` (for a rank: a nonzero
    minor, bounded by :func:`log2_hadamard_bound`), so at most
    ``log2_bound / log2(low)`` primes of the range divide it; the range holds more
    than ``high/ln(high) - 1.25506 low/ln(low)`` primes (Rosser-Schoenfeld).  A rank
    mod p is below the rank over Q only if p divides a nonzero maximal minor, so
    this bounds the chance that a modular rank is not the rational one.

    Parameters
    ----------
    log2_bound : float
        ``log2`` of a bound on the absolute values.
    count : int
        How many integers (a union bound).
    low, high : int
        The range of :func:`random_prime`.
    avoid_log2 : float
        ``log2`` of the integer passed as ``avoid`` to :func:`random_prime`: its
        prime factors are never drawn, so fewer primes remain in the draw.

    Returns
    -------
    float
        In ``[0, 1]``.

    Examples
    --------
    >>> error_probability(1000.0) < 1e-5
    True
    >>> error_probability(0.0)
    0.0
    """
    if log2_bound <= 0 or count <= 0:
        return 0.0  # |N| <= 1: a nonzero integer is +-1, no prime divides it
    bad = count * math.floor(log2_bound / math.log2(low))
    good = _primes_in_range_lower_bound(low, high) - math.floor(max(avoid_log2, 0.0) / math.log2(low))
    return 1.0 if good <= 0 else min(1.0, bad / good)


def log2_hadamard_bound(M: Any) -> float:
    """``log2`` of Hadamard's bound on every minor of the integer matrix obtained by clearing denominators row by row.

    Row scaling keeps the rank and the row dependencies, so this bounds the size
    of the nonzero minors that a reduction mod p must not hit.

    Examples
    --------
    >>> round(log2_hadamard_bound([[3, 4], [0, 1]]), 6)   # rows of norm 5 and 1
    2.321928
    """
    a = _as_object_array(M, "M")
    total = 0.0
    for row in a.reshape(a.shape[0], -1) if a.ndim else a.reshape(1, 1):
        fr = [_fraction(v) for v in row]
        lcm = math.lcm(*(v.denominator for v in fr)) if fr else 1
        sq = sum((v.numerator * (lcm // v.denominator)) ** 2 for v in fr)
        if sq > 1:
            total += 0.5 * math.log2(sq)
    return total


def suitable_prime(*arrays: Any, seed: int | None = None) -> int:
    """A prime for which every entry of ``arrays`` (exact numbers) has a residue.

    Parameters
    ----------
    *arrays : array_like
        Exact data (ints, Fractions).
    seed : int or None
        ``None``: :data:`DEFAULT_PRIME` unless it divides a denominator (then a
        seeded random prime); an integer: :func:`random_prime` of that seed,
        avoiding the denominators.

    Returns
    -------
    int

    Examples
    --------
    >>> from fractions import Fraction
    >>> suitable_prime([Fraction(1, 3)]) == DEFAULT_PRIME
    True
    >>> suitable_prime([Fraction(1, DEFAULT_PRIME)]) != DEFAULT_PRIME
    True
    """
    q = 1
    for a in arrays:
        flat = _as_object_array(a, "arrays").ravel()
        try:
            dens = {v.denominator for v in flat}
        except AttributeError:
            dens = {_fraction(v).denominator for v in flat}
        q = math.lcm(q, *dens)
    if seed is None:
        if q % DEFAULT_PRIME:
            return DEFAULT_PRIME
        seed = 0
    return random_prime(seed, avoid=q)


# ---------------------------------------------------------------------------
# Conversions
# ---------------------------------------------------------------------------


def _fraction(v: Any) -> Fraction:
    if isinstance(v, Fraction):
        return v
    if isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_):
        return Fraction(int(v))
    from .numbers import to_fraction

    return to_fraction(v)


def _as_object_array(M: Any, name: str) -> np.ndarray:
    if isinstance(M, np.ndarray) and M.dtype == object:
        return M
    if isinstance(M, np.ndarray) and M.dtype.kind in "iu":
        return M.astype(object)
    return np.array(M, dtype=object)


def _new_fraction(num: int, den: int) -> Fraction:
    """A Fraction from an already reduced pair (no gcd)."""
    f = object.__new__(Fraction)
    f._numerator = num  # type: ignore[attr-defined]  # CPython's slots (fractions.py), not in the stubs
    f._denominator = den  # type: ignore[attr-defined]
    return f


def _fraction_matrix(M: Any, name: str) -> np.ndarray:
    """A 2-D object array of Fractions (a new array unless already one)."""
    if isinstance(M, np.ndarray) and M.dtype == object and M.ndim == 2:
        flat = M.ravel()
        if all(type(v) is Fraction for v in flat):
            return M
        out = np.empty(M.shape, dtype=object)
        out.ravel()[:] = [_fraction(v) for v in flat]  # ravel of a fresh C array is a view
        return out
    if isinstance(M, np.ndarray) and M.dtype.kind in "iu" and M.ndim == 2:
        out = np.empty(M.shape, dtype=object)
        out.ravel()[:] = [Fraction(int(v)) for v in M.ravel()]
        return out
    from .numbers import as_array

    a = as_array(M, name, ndim=2, exact=True)
    return np.array(a, dtype=object)


def _fraction_vector_or_matrix(b: Any, name: str) -> np.ndarray:
    if isinstance(b, np.ndarray) and b.ndim == 1:
        return _fraction_matrix(b.reshape(-1, 1), name)[:, 0]
    from .numbers import as_array

    a = b if isinstance(b, np.ndarray) and b.dtype == object else as_array(b, name, ndim=(1, 2), exact=True)
    if a.ndim == 1:
        return _fraction_matrix(np.asarray(a, dtype=object).reshape(-1, 1), name)[:, 0]
    return _fraction_matrix(np.asarray(a, dtype=object), name)


def _qq_to_flint(a: np.ndarray):
    r, c = a.shape
    fmpq = _fl.fmpq
    return _fl.fmpq_mat(r, c, [fmpq(v.numerator, v.denominator) for v in a.ravel()])


def _qq_from_flint(m) -> np.ndarray:
    r, c = m.nrows(), m.ncols()
    out = np.empty((r, c), dtype=object)
    out.ravel()[:] = [_new_fraction(int(q.p), int(q.q)) for q in m.entries()]
    return out


def _qq_to_domain(a: np.ndarray):
    from sympy.polys.domains import QQ as _SQQ
    from sympy.polys.matrices import DomainMatrix

    rows = [[_SQQ(v.numerator, v.denominator) for v in row] for row in a]
    return DomainMatrix(rows, a.shape, _SQQ)


def _qq_from_domain(dm) -> np.ndarray:
    r, c = dm.shape
    out = np.empty((r, c), dtype=object)
    out.ravel()[:] = [_new_fraction(int(q.numerator), int(q.denominator)) for row in dm.to_list() for q in row]
    return out


def _gf_to_flint(a: np.ndarray, p: int):
    r, c = a.shape
    return _fl.nmod_mat(r, c, a.ravel().tolist(), p)


def _gf_from_flint(m) -> np.ndarray:
    r, c = m.nrows(), m.ncols()
    return np.fromiter(map(int, m.entries()), dtype=np.int64, count=r * c).reshape(r, c)


def _flint_pivots(R: Any, rank: int) -> tuple[int, ...]:
    """Pivot columns of a flint reduced echelon form, read in place.

    Each row's pivot lies right of the one above, so the first nonzero of the first
    ``rank`` rows takes about ``rank + ncols`` entry reads instead of converting the
    whole matrix to numpy (which dominated rank profiles' independent-row searches).
    """
    out, j = [], 0
    for i in range(rank):
        while R[i, j] == 0:
            j += 1
        out.append(j)
        j += 1
    return tuple(out)


def _pivots_of_rref(R: np.ndarray, rank: int) -> tuple[int, ...]:
    """Pivot columns of the first ``rank`` rows of a reduced echelon form (nonzero test)."""
    if rank == 0:
        return ()
    nz = R[:rank] != 0
    return tuple(int(j) for j in np.argmax(nz, axis=1))


# ---------------------------------------------------------------------------
# numpy int64 arithmetic mod p (p < 2**31)
# ---------------------------------------------------------------------------


def matmul_mod(X: Any, Y: Any, p: int) -> np.ndarray:
    """``X @ Y mod p`` for int64 residues in ``[0, p)``, ``p < 2**31``, without overflow.

    The int64 product kernel of :class:`PrimeField` (``GF(p).matmul`` validates and
    calls it) and of the mod-p runs in :mod:`rnnexpr.lifted`.  ``X`` is split into
    16-bit halves, so every partial sum of ``hi * y < 2**46`` or ``lo * y < 2**47``
    stays below ``2**63`` for inner sizes up to ``2**15``; longer inner dimensions
    are summed in slices.  Batched (``...``) leading dimensions broadcast as in
    ``numpy.matmul``.

    Parameters
    ----------
    X, Y : array_like of int
        Residues in ``[0, p)``; ``X.shape[-1] == Y.shape[-2]``.
    p : int
        The modulus, below ``2**31``.

    Returns
    -------
    numpy.ndarray
        int64 residues.

    See Also
    --------
    power_mod, PrimeField.matmul

    Examples
    --------
    >>> import numpy as np
    >>> p = 2147483647
    >>> matmul_mod(np.array([[p - 1, p - 1]]), np.array([[p - 1], [p - 1]]), p).tolist()
    [[2]]
    """
    X = np.asarray(X, dtype=np.int64)
    Y = np.asarray(Y, dtype=np.int64)
    inner = X.shape[-1]
    if inner > 2**15:
        out = matmul_mod(X[..., : 2**15], Y[..., : 2**15, :], p)
        for i in range(2**15, inner, 2**15):
            out = (out + matmul_mod(X[..., i : i + 2**15], Y[..., i : i + 2**15, :], p)) % p
        return out
    hi, lo = X >> 16, X & 0xFFFF
    return ((hi @ Y) % p * 65536 + lo @ Y) % p


def power_mod(x: Any, e: int, p: int) -> np.ndarray:
    """Elementwise ``x ** e mod p`` for int64 residues (square and multiply).

    Parameters
    ----------
    x : array_like of int
        Residues in ``[0, p)`` (other integers are reduced first).
    e : int
        The exponent, ``>= 0``.
    p : int
        The modulus, below ``2**31``.

    Returns
    -------
    numpy.ndarray
        int64 residues.

    See Also
    --------
    matmul_mod

    Examples
    --------
    >>> import numpy as np
    >>> power_mod(np.array([2, 3]), 10, 1000003).tolist()
    [1024, 59049]
    """
    x = np.asarray(x, dtype=np.int64) % p
    out = np.ones_like(x)
    e = int(e)
    while e:
        if e & 1:
            out = out * x % p
        e >>= 1
        if e:
            x = x * x % p
    return out


def _np_rref_mod(a: np.ndarray, p: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """Reduced row echelon form mod p by vectorized Gauss-Jordan elimination."""
    a = np.array(a, dtype=np.int64) % p
    nrows, ncols = a.shape
    pivots: list[int] = []
    r = 0
    for col in range(ncols):
        if r == nrows:
            break
        nz = a[r:, col].nonzero()[0]
        if not nz.size:
            continue
        piv = r + int(nz[0])
        if piv != r:
            a[[r, piv]] = a[[piv, r]]
        row = a[r, col:]
        inv = pow(int(row[0]), -1, p)
        if inv != 1:
            row *= inv
            row %= p
        c = a[:, col].copy()
        c[r] = 0
        rows = c.nonzero()[0]
        if rows.size:
            a[rows, col:] = (a[rows, col:] - (c[rows, None] * row) % p) % p
        pivots.append(col)
        r += 1
    return a, tuple(pivots)


# ---------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------


class Field:
    """Common interface of :data:`QQ` and :func:`GF` (matrices are numpy arrays of the field's elements).

    Examples
    --------
    >>> isinstance(QQ, Field) and isinstance(GF(5), Field)
    True
    """

    name = "field"

    def matrix(self, rows: Any) -> np.ndarray:  # pragma: no cover - overridden
        """The 2-D numpy array of the field's elements for ``rows``."""
        raise NotImplementedError

    def vector(self, v: Any) -> np.ndarray:
        """A 1-D numpy array of the field's elements."""
        a = np.asarray(v, dtype=object) if not isinstance(v, np.ndarray) else v
        if a.ndim != 1:
            raise ShapeError(f"v: expected a vector, got shape {a.shape}")
        return self.matrix(a.reshape(1, -1))[0]

    def rank(self, M: Any) -> int:
        """The rank of ``M`` over this field."""
        return len(self.rref(M)[1])

    def rref(self, M: Any) -> tuple[np.ndarray, tuple[int, ...]]:  # pragma: no cover - overridden
        """Reduced row echelon form and its pivot columns."""
        raise NotImplementedError

    def to_numpy(self, M: Any) -> np.ndarray:
        """The numpy array of ``M`` (object Fractions over Q, int64 residues over GF(p))."""
        return self.matrix(M)

    def nullspace(self, M: Any) -> np.ndarray:
        """A basis of the right null space of ``M``, as the columns of an ``(ncols, nullity)`` array."""
        a = self.matrix(M)
        R, pivots = self.rref(a)
        ncols = a.shape[1]
        pset = set(pivots)
        free = [j for j in range(ncols) if j not in pset]
        N = self._zeros((ncols, len(free)))
        one = self._one()
        for k, f in enumerate(free):
            N[f, k] = one
            for i, pc in enumerate(pivots):
                N[pc, k] = self._neg(R[i, f])
        return N

    def solve(self, M: Any, b: Any) -> np.ndarray | None:
        """One solution ``x`` of ``M x = b`` (``b`` a vector or a matrix), or None when there is none."""
        a = self.matrix(M)
        vec = self._is_vector(b)
        rhs = self.matrix(np.asarray(b, dtype=object).reshape(-1, 1) if vec else b)
        if rhs.shape[0] != a.shape[0]:
            raise ShapeError(f"b: expected {a.shape[0]} rows to match M, got {rhs.shape[0]}")
        n = a.shape[1]
        R, pivots = self.rref(np.concatenate([a, rhs], axis=1))
        if any(pc >= n for pc in pivots):
            return None
        x = self._zeros((n, rhs.shape[1]))
        for i, pc in enumerate(pivots):
            x[pc] = R[i, n:]
        return x[:, 0] if vec else x

    def independent_rows(self, M: Any) -> list[int]:
        """Indices of a maximal independent set of rows, greedily first ones first."""
        a = self.matrix(M)
        if a.size == 0:
            return []
        return list(self._pivots(a.T))

    def _pivots(self, a: np.ndarray) -> tuple[int, ...]:
        """The pivot columns of the reduced echelon form of a (validated, nonempty) matrix."""
        return self.rref(a)[1]

    def matmul(self, A: Any, B: Any) -> np.ndarray:  # pragma: no cover - overridden
        """The product ``A @ B`` over this field."""
        raise NotImplementedError

    def span(self, n: int) -> Span:
        """An empty :class:`Span` in ``F^n`` (incremental membership)."""
        from .validation import check_int

        return Span(self, check_int(n, "n", minimum=0))

    # element helpers (overridden)
    def _zeros(self, shape: tuple[int, ...]) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _one(self) -> Any:  # pragma: no cover
        raise NotImplementedError

    def _neg(self, x: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    @staticmethod
    def _is_vector(b: Any) -> bool:
        if isinstance(b, np.ndarray):
            return b.ndim == 1
        return not (len(b) and isinstance(b[0], list | tuple | np.ndarray))


class RationalField(Field):
    """The field Q of rational numbers (elements: :class:`~fractions.Fraction`).

    Use the instance :data:`QQ`.  Backends: python-flint ``fmpq_mat`` (default when
    installed) or sympy's ``DomainMatrix`` over ``QQ`` (``with backend("sympy")``).

    Examples
    --------
    >>> QQ.rank([[1, 2], ["1/2", 1]])
    1
    >>> QQ.solve([[1, 1], [0, 2]], [3, 2]).tolist()
    [Fraction(2, 1), Fraction(1, 1)]
    """

    name = "QQ"

    def __repr__(self) -> str:
        return "QQ"

    def matrix(self, rows: Any) -> np.ndarray:
        """A 2-D object array of Fractions (ints, Fractions, ``"p/q"`` strings; floats at their binary value).

        Examples
        --------
        >>> QQ.matrix([[1, "1/2"]]).tolist()
        [[Fraction(1, 1), Fraction(1, 2)]]
        """
        return _fraction_matrix(rows, "M")

    def rank(self, M: Any) -> int:
        """Rank over Q.

        Examples
        --------
        >>> QQ.rank([[1, 2, 3], [2, 4, 6]])
        1
        """
        a = self.matrix(M)
        if a.size == 0:
            return 0
        if _use_flint():
            # Row scaling keeps the rank; flint's integer rank is fastest on the tall orientation.
            Z = _fl.fmpz_mat(_integer_rows(a))
            return int((Z if a.shape[0] >= a.shape[1] else Z.transpose()).rank())
        return int(_qq_to_domain(a).rank())

    def rref(self, M: Any) -> tuple[np.ndarray, tuple[int, ...]]:
        """Reduced row echelon form over Q and the pivot columns.

        Examples
        --------
        >>> R, piv = QQ.rref([[2, 4], [1, 2]]); R.tolist(), piv
        ([[Fraction(1, 1), Fraction(2, 1)], [Fraction(0, 1), Fraction(0, 1)]], (0,))
        """
        a = self.matrix(M)
        if a.size == 0:
            return np.array(a, dtype=object), ()
        if _use_flint():
            R, rank = _qq_to_flint(a).rref()
            out = _qq_from_flint(R)
            return out, _pivots_of_rref(out, int(rank))
        R, pivots = _qq_to_domain(a).rref()
        return _qq_from_domain(R), tuple(int(x) for x in pivots)

    def _pivots(self, a: np.ndarray) -> tuple[int, ...]:
        if _use_flint():
            R, rank = _qq_to_flint(a).rref()
            return _flint_pivots(R, int(rank))
        return tuple(int(x) for x in _qq_to_domain(a).rref()[1])

    def matmul(self, A: Any, B: Any) -> np.ndarray:
        """Exact product over Q.

        Examples
        --------
        >>> QQ.matmul([[1, 2]], [[3], ["1/2"]]).tolist()
        [[Fraction(4, 1)]]
        """
        a, b = self.matrix(A), self.matrix(B)
        if a.shape[1] != b.shape[0]:
            raise ShapeError(f"B: expected {a.shape[1]} rows to match A, got {b.shape[0]}")
        if a.size == 0 or b.size == 0:
            return self._zeros((a.shape[0], b.shape[1]))
        if _use_flint():
            return _qq_from_flint(_qq_to_flint(a) * _qq_to_flint(b))
        return _qq_from_domain(_qq_to_domain(a) * _qq_to_domain(b))

    def solve(self, M: Any, b: Any) -> np.ndarray | None:
        """One exact solution of ``M x = b``, or None (square invertible systems go to the backend's solver).

        Examples
        --------
        >>> QQ.solve([[1, 1], [1, 1]], [1, 2]) is None
        True
        """
        a = self.matrix(M)
        if a.shape[0] == a.shape[1] and a.size and _use_flint():
            vec = self._is_vector(b)
            rhs = self.matrix(np.asarray(b, dtype=object).reshape(-1, 1) if vec else b)
            if rhs.shape[0] != a.shape[0]:
                raise ShapeError(f"b: expected {a.shape[0]} rows to match M, got {rhs.shape[0]}")
            try:
                x = _qq_from_flint(_qq_to_flint(a).solve(_qq_to_flint(rhs)))
            except ZeroDivisionError:
                pass  # singular: the general path decides consistency
            else:
                return x[:, 0] if vec else x
        return super().solve(a, b)

    def row_combinations(self, X: Any, Y: Any, columns: Any) -> np.ndarray | None:
        """Coefficients ``C`` with ``C @ X == Y`` exactly, or None when a row of Y is outside X's row span.

        ``X`` has independent rows and ``X[:, columns]`` is invertible (for example
        the pivots found mod p); ``C`` is solved on those columns and verified on all.

        Examples
        --------
        >>> QQ.row_combinations([[1, 0, 1], [0, 1, 1]], [[2, 3, 5]], [0, 1]).tolist()
        [[Fraction(2, 1), Fraction(3, 1)]]
        >>> QQ.row_combinations([[1, 0, 1], [0, 1, 1]], [[2, 3, 4]], [0, 1]) is None
        True
        """
        x, y = self.matrix(X), self.matrix(Y)
        cols = [int(j) for j in columns]
        r = x.shape[0]
        if len(cols) != r:
            raise ShapeError(f"columns: expected {r} columns (one per row of X), got {len(cols)}")
        if y.shape[0] == 0:
            return self._zeros((0, r))
        if r == 0:
            return self._zeros((y.shape[0], 0)) if not any(v for v in y.ravel()) else None
        if _use_flint():
            XJt = _qq_to_flint(np.ascontiguousarray(x[:, cols].T))
            try:
                Ct = XJt.solve(_qq_to_flint(np.ascontiguousarray(y[:, cols].T)))
            except ZeroDivisionError:
                return None
            C = Ct.transpose()
            if C * _qq_to_flint(x) != _qq_to_flint(y):
                return None
            return _qq_from_flint(C)
        Ct = self.solve(np.ascontiguousarray(x[:, cols].T), np.ascontiguousarray(y[:, cols].T))
        if Ct is None:
            return None
        C = np.ascontiguousarray(Ct.T)
        return C if np.array_equal(self.matmul(C, x), y) else None

    def orbit_vectors(self, start: Any, mats: Any, words: Any) -> np.ndarray:
        """The rows ``start M_w`` for words whose prefixes come before them (breadth-first order).

        Examples
        --------
        >>> QQ.orbit_vectors([1, 0], [[[0, 1], [1, 0]]], [(), (0,), (0, 0)]).tolist()
        [[Fraction(1, 1), Fraction(0, 1)], [Fraction(0, 1), Fraction(1, 1)], [Fraction(1, 1), Fraction(0, 1)]]
        """
        x = self.vector(np.asarray(start, dtype=object) if not isinstance(start, np.ndarray) else start)
        m = np.asarray(mats, dtype=object) if not isinstance(mats, np.ndarray) else mats
        words = [tuple(int(s) for s in w) for w in words]
        n = x.shape[0]
        index = {w: i for i, w in enumerate(words)}
        for w in words[1:] if words and words[0] == () else words:
            if w[:-1] not in index or index[w[:-1]] >= index[w]:
                raise InvalidArgumentError(f"words: expected every prefix before its word, got {w} first")
        if not words:
            return self._zeros((0, n))
        if _use_flint():
            fm = [_qq_to_flint(self.matrix(m[s])) for s in range(m.shape[0])]
            vec = {(): _qq_to_flint(x.reshape(1, n))}
            for w in words:
                if w not in vec:
                    vec[w] = vec[w[:-1]] * fm[w[-1]]
            return _qq_from_flint(_fl.fmpq_mat(len(words), n, [q for w in words for q in vec[w].entries()]))
        X = self._zeros((len(words), n))
        for i, w in enumerate(words):
            X[i] = x if not w else self.matmul(X[index[w[:-1]]].reshape(1, n), self.matrix(m[w[-1]]))[0]
        return X

    def is_invariant(self, X: Any, mats: Any) -> bool:
        """Whether the row span of X is invariant under every ``M_s`` (``X M_s`` in the span of X), exactly.

        With python-flint: an integer basis N of the right null space of X (rows
        scaled to integers), then ``X M_s N == 0`` in integer arithmetic for every s.
        Otherwise: the rank of X stacked on every ``X M_s`` is that of X.

        Examples
        --------
        >>> QQ.is_invariant([[1, 1]], [[[2, 0], [0, 2]], [[0, 1], [1, 0]]]), QQ.is_invariant([[1, 0]], [[[0, 1], [1, 0]]])
        (True, False)
        """
        x = self.matrix(X)
        m = np.asarray(mats, dtype=object) if not isinstance(mats, np.ndarray) else mats
        r, n = x.shape
        if r == 0 or m.shape[0] == 0:
            return True
        if not _use_flint():
            images = [self.matmul(x, self.matrix(m[s])) for s in range(m.shape[0])]
            return self.rank(np.concatenate([x, *images], axis=0)) == self.rank(x)
        Xz = _fl.fmpz_mat(_integer_rows(x))
        N, k = Xz.nullspace()
        k = int(k)
        if k == 0:
            return True  # X spans everything
        Nk = _fl.fmpz_mat(n, k, [N[i, j] for i in range(n) for j in range(k)])
        for s in range(m.shape[0]):
            Ms = self.matrix(m[s])
            q = math.lcm(*(v.denominator for v in Ms.ravel()))
            Mz = _fl.fmpz_mat(n, n, [v.numerator * (q // v.denominator) for v in Ms.ravel()])
            if not (Xz * (Mz * Nk)).is_zero():
                return False
        return True

    def restrict(self, X: Any, mats: Any, columns: Any, rows: Any = None
                 ) -> tuple[np.ndarray, np.ndarray | None] | None:
        """Matrices of the maps ``M_s`` restricted to the row span of X, if that span is invariant.

        ``X`` (r x n) has independent rows and ``X[:, columns]`` is invertible (for
        example the pivots found mod p).  Returns ``(C, c)`` with ``C[s] @ X == X @ M_s``
        for every s (shape ``(d, r, r)``) and ``c @ X == rows`` (or None without
        ``rows``), each solved on ``columns`` and verified on every entry; None when
        some ``X M_s`` or some row of ``rows`` leaves the span.  A proof, over Q,
        that the span is invariant.

        Examples
        --------
        >>> C, c = QQ.restrict([[1, 1]], [[[2, 0], [0, 2]]], [0], rows=[[3, 3]])
        >>> C.tolist(), c.tolist()
        ([[[Fraction(2, 1)]]], [[Fraction(3, 1)]])
        >>> QQ.restrict([[1, 0]], [[[0, 1], [1, 0]]], [0]) is None
        True
        """
        x = self.matrix(X)
        m = np.asarray(mats, dtype=object) if not isinstance(mats, np.ndarray) else mats
        r, n = x.shape
        d = m.shape[0]
        cols = [int(j) for j in columns]
        if len(cols) != r:
            raise ShapeError(f"columns: expected {r} columns (one per row of X), got {len(cols)}")
        extra = None if rows is None else self.matrix(rows)
        if r == 0:
            if extra is not None and (extra != 0).any():
                return None
            return self._zeros((d, 0, 0)), (None if extra is None else self._zeros((extra.shape[0], 0)))
        if not _use_flint():
            C = self._zeros((d, r, r))
            for s in range(d):
                Cs = self.row_combinations(x, self.matmul(x, self.matrix(m[s])), cols)
                if Cs is None:
                    return None
                C[s] = Cs
            c = None if extra is None else self.row_combinations(x, extra, cols)
            if extra is not None and c is None:
                return None
            return C, c
        xf = _qq_to_flint(x)
        XJt = _qq_to_flint(np.ascontiguousarray(x[:, cols].T))

        def combos(Yf):
            k = Yf.nrows()
            YJt = _fl.fmpq_mat(r, k, [Yf[i, j] for j in cols for i in range(k)])
            try:
                Cf = XJt.solve(YJt).transpose()
            except ZeroDivisionError:
                return None
            return Cf if Cf * xf == Yf else None

        out = []
        for s in range(d):
            Cf = combos(xf * _qq_to_flint(self.matrix(m[s])))
            if Cf is None:
                return None
            out.append(_qq_from_flint(Cf))
        c = None
        if extra is not None:
            cf = combos(_qq_to_flint(extra)) if extra.shape[0] else None
            if extra.shape[0] and cf is None:
                return None
            c = _qq_from_flint(cf) if extra.shape[0] else self._zeros((0, r))
        C = self._zeros((d, r, r))
        for s in range(d):
            C[s] = out[s]
        return C, c

    def _zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        out = np.empty(shape, dtype=object)
        out[...] = Fraction(0)
        return out

    def _one(self) -> Fraction:
        return Fraction(1)

    def _neg(self, x: Fraction) -> Fraction:
        return -x


def _integer_rows(a: np.ndarray) -> list[list[int]]:
    """Clear denominators row by row (keeps the rank and the row dependencies)."""
    rows = []
    for row in a:
        lcm = math.lcm(*(v.denominator for v in row)) if len(row) else 1
        rows.append([v.numerator * (lcm // v.denominator) for v in row])
    return rows


class PrimeField(Field):
    """The prime field GF(p) for a prime ``p < 2**31`` (elements: int64 residues in ``[0, p)``).

    Use :func:`GF`.  Backends: python-flint ``nmod_mat`` (default when installed) or
    numpy int64 elimination (``with backend("numpy")``).

    Examples
    --------
    >>> F = GF(7); F.rank([[1, 2], [2, 4]]), F.residues(["1/2", -1]).tolist()
    (1, [4, 6])
    """

    def __init__(self, p: int) -> None:
        self.p = int(p)
        self.name = f"GF({self.p})"

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrimeField) and other.p == self.p

    def __hash__(self) -> int:
        return hash(("GF", self.p))

    @property
    def characteristic(self) -> int:
        """The prime p."""
        return self.p

    def residues(self, a: Any) -> np.ndarray:
        """The residues mod p of exact numbers (ints, Fractions, ``"p/q"`` strings), same shape, int64.

        Vectorized: numerators and denominators are split once, each distinct
        denominator is inverted once.

        Raises
        ------
        InvalidArgumentError
            If p divides a denominator (the number has no residue).

        Examples
        --------
        >>> GF(5).residues([[1, "2/3"], [-1, 10]]).tolist()
        [[1, 4], [4, 0]]
        """
        p = self.p
        if isinstance(a, np.ndarray) and a.dtype.kind in "iu":
            return np.asarray(a, dtype=np.int64) % p if a.dtype != np.uint64 else (a % p).astype(np.int64)
        arr = _as_object_array(a, "a")
        flat = arr.ravel()
        if flat.size and not all(type(v) is Fraction or type(v) is int for v in flat):
            flat = np.array([_fraction(v) for v in flat], dtype=object)
        nums = [v.numerator for v in flat]
        dens = [v.denominator for v in flat]
        try:
            num = np.array(nums, dtype=np.int64) % p
        except OverflowError:
            num = np.array([x % p for x in nums], dtype=np.int64)
        inv: dict[int, int] = {}
        for dd in set(dens):
            if dd == 1:
                inv[1] = 1
                continue
            r = dd % p
            if r == 0:
                raise InvalidArgumentError(
                    f"a: expected denominators not divisible by p={p}, got the denominator {dd}"
                )
            inv[dd] = pow(r, -1, p)
        if len(inv) > 1 or 1 not in inv:
            den = np.array([inv[dd] for dd in dens], dtype=np.int64)
            num = (num * den) % p
        return num.reshape(arr.shape)

    def matrix(self, rows: Any) -> np.ndarray:
        """A 2-D int64 array of residues mod p (exact numbers are reduced with :meth:`residues`).

        Examples
        --------
        >>> GF(5).matrix([[7, -1]]).tolist()
        [[2, 4]]
        """
        if isinstance(rows, np.ndarray) and rows.dtype == np.int64:
            out = rows % self.p if rows.size and (rows.min() < 0 or rows.max() >= self.p) else rows
        else:
            out = self.residues(rows)
        if out.ndim != 2:
            raise ShapeError(f"M: expected a 2-D matrix, got shape {out.shape}")
        return out

    def rank(self, M: Any) -> int:
        """Rank over GF(p).

        Examples
        --------
        >>> GF(3).rank([[1, 1], [1, 4]])   # 4 = 1 mod 3
        1
        """
        a = self.matrix(M)
        if a.size == 0:
            return 0
        if _use_flint():
            return int(_gf_to_flint(a, self.p).rank())
        return len(_np_rref_mod(a, self.p)[1])

    def rref(self, M: Any) -> tuple[np.ndarray, tuple[int, ...]]:
        """Reduced row echelon form mod p and its pivot columns.

        Examples
        --------
        >>> R, piv = GF(7).rref([[2, 4], [1, 2]]); R.tolist(), piv
        ([[1, 2], [0, 0]], (0,))
        """
        a = self.matrix(M)
        if a.size == 0:
            return np.array(a, dtype=np.int64), ()
        if _use_flint() and a.size >= _FLINT_RREF_MIN_ENTRIES:
            R, rank = _gf_to_flint(a, self.p).rref()
            out = _gf_from_flint(R)
            return out, _pivots_of_rref(out, int(rank))
        return _np_rref_mod(a, self.p)

    def _pivots(self, a: np.ndarray) -> tuple[int, ...]:
        if _use_flint() and a.size >= _FLINT_RREF_MIN_ENTRIES:
            R, rank = _gf_to_flint(a, self.p).rref()
            return _flint_pivots(R, int(rank))
        return _np_rref_mod(a, self.p)[1]

    def matmul(self, A: Any, B: Any) -> np.ndarray:
        """The product mod p.

        Examples
        --------
        >>> GF(7).matmul([[3, 4]], [[5], [6]]).tolist()   # 15 + 24 = 39 = 4 mod 7
        [[4]]
        """
        a, b = self.matrix(A), self.matrix(B)
        if a.shape[1] != b.shape[0]:
            raise ShapeError(f"B: expected {a.shape[1]} rows to match A, got {b.shape[0]}")
        if a.size == 0 or b.size == 0:
            return np.zeros((a.shape[0], b.shape[1]), dtype=np.int64)
        # numpy int64 (two 16-bit halves) beats flint here: converting to and from nmod_mat costs more
        # than the product itself at the sizes the toolkit meets (measured 10x at 100 x 100 x 300).
        return matmul_mod(a, b, self.p)

    def _zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape, dtype=np.int64)

    def _one(self) -> int:
        return 1

    def _neg(self, x: int) -> int:
        return (-int(x)) % self.p


#: Below this many entries numpy's elimination mod p beats flint's (whose cost is converting the matrix).
_FLINT_RREF_MIN_ENTRIES = 4000

_GF_CACHE: dict[int, PrimeField] = {}


def GF(p: int) -> PrimeField:
    """The prime field GF(p), for a prime ``p < 2**31``.

    Parameters
    ----------
    p : int
        A prime below ``2**31`` (so that products of residues fit in int64).

    Returns
    -------
    PrimeField

    Raises
    ------
    InvalidArgumentError
        If ``p`` is not a prime below ``2**31``.

    Examples
    --------
    >>> GF(DEFAULT_PRIME).rank([[1, 2], [3, 4]])
    2
    >>> GF(6)
    Traceback (most recent call last):
    ...
    rnnexpr.errors.InvalidArgumentError: p: expected a prime below 2**31, got 6
    """
    if isinstance(p, bool) or not isinstance(p, int | np.integer):
        raise InvalidTypeError(f"p: expected a prime below 2**31, got {type(p).__name__} {p!r}")
    p = int(p)
    field = _GF_CACHE.get(p)
    if field is None:
        if not (2 <= p < 2**31 and is_prime(p)):
            raise InvalidArgumentError(f"p: expected a prime below 2**31, got {p}")
        field = _GF_CACHE.setdefault(p, PrimeField(p))
    return field


#: The rational numbers.
QQ = RationalField()


class Span:
    """Incremental span membership in ``F^n``: a basis kept in reduced row echelon form.

    Create with ``F.span(n)``.  :meth:`add_rows` reduces a whole batch against the
    basis with one matrix product and picks its independent rows with one
    elimination; :meth:`add` is the one-vector case.

    Examples
    --------
    >>> S = GF(7).span(3)
    >>> S.add_rows([[1, 0, 1], [2, 0, 2], [0, 1, 0], [1, 1, 1]])
    [0, 2]
    >>> S.dimension, S.contains([3, 5, 3]), S.contains([0, 0, 1])
    (2, True, False)
    """

    def __init__(self, field: Field, n: int) -> None:
        self.field = field
        self.n = int(n)
        self._rows = field._zeros((0, self.n))  # reduced: row i has 1 at pivots[i], 0 at other pivots
        self._pivots: list[int] = []
        self._kept = field._zeros((0, self.n))  # the added vectors that were kept, in order

    @property
    def dimension(self) -> int:
        """Dimension of the span."""
        return len(self._pivots)

    def basis(self) -> np.ndarray:
        """The kept vectors (rows, in the order they were added): a basis of the span."""
        return self._kept.copy()

    def echelon(self) -> tuple[np.ndarray, tuple[int, ...]]:
        """The reduced echelon basis and its pivot columns (row i is 1 at ``pivots[i]``, 0 at the others)."""
        return self._rows.copy(), tuple(self._pivots)

    def _check(self, V: Any) -> np.ndarray:
        a = self.field.matrix(V)
        if a.shape[1] != self.n:
            raise ShapeError(f"V: expected rows of length {self.n}, got shape {a.shape}")
        return a

    def reduce(self, V: Any) -> np.ndarray:
        """The rows of ``V`` minus their projections on the basis (zero rows are in the span)."""
        a = self._check(V)
        if not self._pivots or a.shape[0] == 0:
            return a.copy()
        F = self.field
        proj = F.matmul(np.ascontiguousarray(a[:, self._pivots]), self._rows)
        if isinstance(F, PrimeField):
            return (a - proj) % F.p
        return a - proj

    def contains(self, v: Any) -> bool:
        """Whether ``v`` lies in the span."""
        r = self.reduce(np.asarray(v, dtype=object).reshape(1, -1) if not isinstance(v, np.ndarray)
                        else v.reshape(1, -1))
        return not bool((r != 0).any())

    def add(self, v: Any) -> bool:
        """Insert ``v`` if it is independent of the span so far; return whether it was."""
        row = np.asarray(v, dtype=object).reshape(1, -1) if not isinstance(v, np.ndarray) else v.reshape(1, -1)
        return bool(self.add_rows(row))

    def add_rows(self, V: Any) -> list[int]:
        """Insert the rows of ``V`` that are independent of the span and of the earlier rows of ``V``.

        Returns
        -------
        list of int
            The indices of the kept rows, increasing (greedy, first rows first).
        """
        a = self._check(V)
        if a.shape[0] == 0 or self.dimension == self.n:
            return []
        F = self.field
        res = self.reduce(a)
        nonzero = [int(i) for i in np.flatnonzero((res != 0).any(axis=1))]
        if not nonzero:
            return []
        sub = res[nonzero]
        keep_local = F.independent_rows(sub)
        if not keep_local:  # pragma: no cover - a nonzero row is independent
            return []
        kept = [nonzero[i] for i in keep_local]
        R, piv = F.rref(sub[keep_local])  # the new directions, reduced among themselves
        R = R[: len(piv)]
        if self._pivots:
            # Clear the new pivot columns from the old rows (R is zero on the old pivots).
            proj = F.matmul(np.ascontiguousarray(self._rows[:, list(piv)]), R)
            old = self._rows - proj
            if isinstance(F, PrimeField):
                old %= F.p
            self._rows = np.concatenate([old, R], axis=0)
        else:
            self._rows = R
        self._pivots += list(piv)
        self._kept = np.concatenate([self._kept, a[kept]], axis=0)
        return kept


def orbit_basis(field: Field, start: Any, mats: Any) -> tuple[np.ndarray, tuple[tuple[int, ...], ...], Span]:
    """Breadth-first basis of ``span{start M_w}`` over the words ``w`` (``M_w = M_{w_1} ... M_{w_k}``).

    The reachable space of a weighted automaton, or the observable one with
    transposed matrices.  One breadth-first level at a time: the images of the
    level's new vectors under every matrix are stacked (vector-major: the children
    of a vector, symbol by symbol, before those of the next) and reduced against the
    span in one batch, which keeps the same vectors as the one-vector-at-a-time
    search.  The search stops when no vector is new or the span is the whole space.

    Parameters
    ----------
    field : Field
        :data:`QQ` or ``GF(p)``.
    start : array_like
        The vector, length n.
    mats : array_like
        Shape ``(d, n, n)``: ``mats[s]`` acts on row vectors from the right.

    Returns
    -------
    vectors : numpy.ndarray
        Shape ``(r, n)``: ``start M_w`` for the basis words, in breadth-first order.
    words : tuple of tuple of int
        The basis words, shortest first; each word's prefix is a basis word.
    span : Span
        The span (its :meth:`Span.echelon` gives pivot columns).

    Examples
    --------
    >>> vecs, words, _ = orbit_basis(QQ, [1, 0], [[[0, 1], [0, 0]], [[1, 0], [0, 1]]])
    >>> words, vecs.tolist()
    (((), (0,)), [[Fraction(1, 1), Fraction(0, 1)], [Fraction(0, 1), Fraction(1, 1)]])
    """
    x = field.vector(np.asarray(start, dtype=object) if not isinstance(start, np.ndarray) else start)
    n = x.shape[0]
    m = np.asarray(mats, dtype=object) if not isinstance(mats, np.ndarray) else mats
    if m.ndim != 3 or m.shape[1:] != (n, n):
        raise ShapeError(f"mats: expected shape (d, {n}, {n}), got {m.shape}")
    d = m.shape[0]
    cat = field.matrix(np.concatenate([m[s] for s in range(d)], axis=1)) if d else field._zeros((n, 0))
    S = field.span(n)
    parts: list[np.ndarray] = []
    words: list[tuple[int, ...]] = []
    fv = x.reshape(1, n)
    fw: list[tuple[int, ...]] = [()]
    while fv.shape[0]:
        kept = S.add_rows(fv)
        if not kept:
            break
        nv = fv[kept]
        nw = [fw[i] for i in kept]
        parts.append(nv)
        words += nw
        if S.dimension == n or d == 0:
            break
        fv = field.matmul(nv, cat).reshape(len(kept) * d, n)
        fw = [w + (s,) for w in nw for s in range(d)]
    vectors = np.concatenate(parts, axis=0) if parts else field._zeros((0, n))
    return vectors, tuple(words), S
