"""Rank backends behind one interface: exact over Q, modular, numerical.

* exact over Q: python-flint (``fmpq_mat``) when installed, sympy's
  ``DomainMatrix`` over ``QQ`` otherwise;
* modular: rank over GF(p) for a large prime p.  Since reduction mod p can only
  lose rank, the modular rank is a *proven lower bound* on the rank over Q, and
  equals it except with the small probability reported;
* numerical: SVD with the tolerance and singular-value gap reported.

Every function returns or accepts plain numpy arrays (float64, or object arrays
of :class:`~fractions.Fraction` for exact data), so callers never see a backend
type.
"""

from __future__ import annotations

import math
import random
import warnings
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from .errors import ExactnessError, NumericalRankWarning, ShapeError
from .numbers import as_array, is_exact_array, to_exact_array, to_float_array

try:  # python-flint is optional ("fast" extra)
    import flint as _flint
except ImportError:  # pragma: no cover - depends on the environment
    _flint = None

__all__ = [
    "RankResult",
    "exact_backend",
    "exact_rank",
    "modular_rank",
    "numerical_rank",
    "matrix_rank",
    "rref",
    "nullspace",
    "independent_rows",
    "solve",
    "exact_matmul",
    "DEFAULT_PRIME",
]

#: The largest prime below 2**31: products of two residues fit in int64.
DEFAULT_PRIME = 2147483647

_FORCED_BACKEND: str | None = None


def exact_backend() -> str:
    """Name of the exact backend in use: ``"flint"`` or ``"sympy"``.

    Examples
    --------
    >>> exact_backend() in ("flint", "sympy")
    True
    """
    if _FORCED_BACKEND is not None:
        return _FORCED_BACKEND
    return "flint" if _flint is not None else "sympy"


def set_exact_backend(name: str | None) -> None:
    """Force the exact backend (``"flint"``, ``"sympy"``), or ``None`` for automatic.

    Used by tests and benchmarks to compare backends on the same data.

    Examples
    --------
    >>> set_exact_backend("sympy"); exact_backend()
    'sympy'
    >>> set_exact_backend(None)
    """
    global _FORCED_BACKEND
    if name not in (None, "flint", "sympy"):
        raise ValueError(f"name: expected 'flint', 'sympy' or None, got {name!r}")
    if name == "flint" and _flint is None:
        raise ImportError("name: 'flint' requested but python-flint is not installed (pip install rnnexpr[fast])")
    _FORCED_BACKEND = name


@dataclass(frozen=True)
class RankResult:
    """A matrix rank (or McMillan degree) together with how it was obtained; it behaves as an int.

    ``int(r)``, ``operator.index(r)`` (so ``range(r)`` and ``[0] * r`` work),
    ``bool(r)``, comparisons with integers (``r == 3``, ``r < 4``) and
    ``hash(r) == hash(int(r))`` all use :attr:`rank`; the evidence stays in the
    attributes.  Two results compare equal when their ranks are equal (whatever
    the method), so ``RankResult`` values and plain ints mix in sets and dicts.

    Attributes
    ----------
    rank : int
        The rank.
    exact : bool
        True when ``rank`` is the rank over Q (a proof); False for numerical
        and modular ranks.
    method : str
        ``"flint"``, ``"sympy"``, ``"modular"``, ``"svd"`` or ``"staircase"``
        (numerical McMillan degrees).
    shape : tuple of int
        Shape of the matrix.
    tolerance : float or None
        Numerical only: the singular-value threshold (absolute for
        :func:`numerical_rank`; relative for Hankel ranks and McMillan degrees,
        as their docs say).
    gap : float or None
        Numerical only: ``sigma_r / sigma_{r+1}`` (``inf`` when no smaller value).
    prime : int or None
        The prime used (modular only).
    error_probability : float or None
        Modular only: an upper bound on the probability, over the random choice
        of the prime, that ``rank`` is below the rank over Q.  The modular rank is
        never above the rank over Q, so it always proves ``rank_Q >= rank``.
    residual : float or None
        Numerical only, when the answer was checked: the relative residual of the
        check (for McMillan degrees, the relative error of the reduced system's
        Markov parameters on ``2n`` terms).

    Examples
    --------
    >>> r = exact_rank([[1, 2], [2, 4]]); r.rank, r.exact
    (1, True)
    >>> int(r), r == 1, r < 2, list(range(r)), len({r, 1})
    (1, True, True, [0], 1)
    """

    rank: int
    exact: bool
    method: str
    shape: tuple[int, int]
    tolerance: float | None = None
    gap: float | None = None
    prime: int | None = None
    error_probability: float | None = None
    residual: float | None = None

    # -- integer behaviour: the rank is the value ---------------------------------------------
    def __int__(self) -> int:
        return int(self.rank)

    def __index__(self) -> int:
        return int(self.rank)

    def __bool__(self) -> bool:
        return bool(self.rank)

    def __float__(self) -> float:
        return float(self.rank)

    def __hash__(self) -> int:
        return hash(int(self.rank))

    @staticmethod
    def _other(other: Any) -> int | None:
        if isinstance(other, RankResult):
            return int(other.rank)
        if isinstance(other, bool):
            return None
        if isinstance(other, int | np.integer):
            return int(other)
        return None

    def __eq__(self, other: object) -> bool:
        o = self._other(other)
        return NotImplemented if o is None else int(self.rank) == o  # type: ignore[return-value]

    def __ne__(self, other: object) -> bool:
        o = self._other(other)
        return NotImplemented if o is None else int(self.rank) != o  # type: ignore[return-value]

    def __lt__(self, other: Any) -> bool:
        o = self._other(other)
        return NotImplemented if o is None else int(self.rank) < o  # type: ignore[return-value]

    def __le__(self, other: Any) -> bool:
        o = self._other(other)
        return NotImplemented if o is None else int(self.rank) <= o  # type: ignore[return-value]

    def __gt__(self, other: Any) -> bool:
        o = self._other(other)
        return NotImplemented if o is None else int(self.rank) > o  # type: ignore[return-value]

    def __ge__(self, other: Any) -> bool:
        o = self._other(other)
        return NotImplemented if o is None else int(self.rank) >= o  # type: ignore[return-value]

    @property
    def lower_bound_proven(self) -> bool:
        """True when ``rank`` is a proven lower bound on the rank over Q (exact or modular)."""
        return self.exact or self.method == "modular"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable dictionary (infinite gaps become the string ``"inf"``)."""
        d = asdict(self)
        d["shape"] = list(self.shape)
        for key in ("gap", "residual"):
            if d[key] is not None and not math.isfinite(d[key]):
                d[key] = "inf"
        return d

    def describe(self) -> str:
        """One line: the rank and how it was obtained."""
        if self.exact:
            return f"rank {self.rank} (exact over Q, {self.method})"
        if self.method == "modular":
            return (
                f"rank {self.rank} (mod p={self.prime}: proven lower bound, equality fails with "
                f"probability <= {self.error_probability:.1e})"
            )
        text = f"rank {self.rank} (numerical, {self.method}, tol={self.tolerance:.2e}, gap={self.gap:.2e}"
        if self.residual is not None:
            text += f", Markov residual={self.residual:.1e}"
        return text + ")"


def _as_matrix(M: Any, name: str) -> np.ndarray:
    a = M if isinstance(M, np.ndarray) and M.ndim == 2 and M.dtype in (object, np.float64) else as_array(M, name, ndim=2)
    if a.ndim != 2:
        raise ShapeError(f"{name}: expected a 2-D matrix, got shape {a.shape}")
    return a


def _exact_matrix(M: Any, name: str) -> np.ndarray:
    a = _as_matrix(M, name)
    return to_exact_array(a, name)


def _to_flint(a: np.ndarray):
    r, c = a.shape
    return _flint.fmpq_mat(r, c, [_flint.fmpq(v.numerator, v.denominator) for v in a.ravel()])


def _from_flint(m) -> np.ndarray:
    r, c = m.nrows(), m.ncols()
    out = np.empty((r, c), dtype=object)
    for i in range(r):
        for j in range(c):
            q = m[i, j]
            out[i, j] = Fraction(int(q.p), int(q.q))
    return out


def _to_domain(a: np.ndarray):
    from sympy.polys.domains import QQ
    from sympy.polys.matrices import DomainMatrix

    rows = [[QQ(v.numerator, v.denominator) for v in row] for row in a]
    return DomainMatrix(rows, a.shape, QQ)


def _from_domain(dm) -> np.ndarray:
    r, c = dm.shape
    out = np.empty((r, c), dtype=object)
    lst = dm.to_list()
    for i in range(r):
        for j in range(c):
            q = lst[i][j]
            out[i, j] = Fraction(int(q.numerator), int(q.denominator))
    return out


def exact_rank(M: Any) -> RankResult:
    """Rank over Q of a rational matrix.

    Parameters
    ----------
    M : array_like
        Exact entries (ints, Fractions, ``"p/q"``); float entries are taken at
        their exact binary value.

    Returns
    -------
    RankResult
        With ``exact=True`` and the backend used as ``method``.

    Examples
    --------
    >>> exact_rank([[1, 2], ["1/2", 1]]).rank
    1
    """
    a = _exact_matrix(M, "M")
    shape = (int(a.shape[0]), int(a.shape[1]))
    if a.size == 0:
        return RankResult(0, True, exact_backend(), shape)
    backend = exact_backend()
    if backend == "flint":
        rank = int(_to_flint(a).rank())
    else:
        rank = int(_to_domain(a).rank())
    return RankResult(rank, True, backend, shape)


def _integer_rows(a: np.ndarray) -> list[list[int]]:
    """Clear denominators row by row (rank-preserving)."""
    rows = []
    for row in a:
        lcm = 1
        for v in row:
            lcm = lcm * v.denominator // math.gcd(lcm, v.denominator)
        rows.append([int(v * lcm) for v in row])
    return rows


def _is_probable_prime(n: int) -> bool:
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    # Deterministic Miller-Rabin bases for n < 3.3e24.
    for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41):
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


def random_prime(seed: int | None = None, low: int = 2**30, high: int = 2**31) -> int:
    """A prime drawn uniformly-ish from ``[low, high)`` (seeded).

    Examples
    --------
    >>> p = random_prime(0); 2**30 <= p < 2**31
    True
    """
    rng = random.Random(seed)
    while True:
        n = rng.randrange(low, high) | 1
        if _is_probable_prime(n):
            return n


def _rank_mod_p(rows: list[list[int]], p: int) -> int:
    if not rows or not rows[0]:
        return 0
    if _flint is not None:
        r, c = len(rows), len(rows[0])
        return int(_flint.nmod_mat(r, c, [v % p for row in rows for v in row], p).rank())
    a = np.array([[v % p for v in row] for row in rows], dtype=np.int64)
    rank = 0
    nrows, ncols = a.shape
    for col in range(ncols):
        if rank == nrows:
            break
        nz = np.nonzero(a[rank:, col])[0]
        if nz.size == 0:
            continue
        piv = rank + int(nz[0])
        if piv != rank:
            a[[rank, piv]] = a[[piv, rank]]
        inv = pow(int(a[rank, col]), p - 2, p)
        a[rank] = (a[rank] * inv) % p
        below = a[rank + 1 :, col].copy()
        if below.any():
            a[rank + 1 :] = (a[rank + 1 :] - np.outer(below, a[rank]) % p) % p
        rank += 1
    return rank


def modular_rank(M: Any, prime: int | None = None, seed: int | None = 0) -> RankResult:
    """Rank of a rational matrix over GF(p): a proven lower bound on its rank over Q.

    The prime is drawn at random from ``[2**30, 2**31)`` (seeded) unless given.
    The reported ``error_probability`` bounds, over that choice, the chance that
    the rank mod p is below the rank over Q: it happens only if p divides a
    nonzero r x r minor, whose size is bounded by Hadamard's inequality.

    Parameters
    ----------
    M : array_like
        Exact entries.
    prime : int, optional
        A fixed prime (then ``error_probability`` is None: no randomness).
    seed : int, optional
        Seed for the random prime.

    Returns
    -------
    RankResult

    Examples
    --------
    >>> modular_rank([[1, 2], [3, 4]]).rank
    2
    """
    a = _exact_matrix(M, "M")
    shape = (int(a.shape[0]), int(a.shape[1]))
    rows = _integer_rows(a)
    if prime is None:
        for attempt in range(100):
            p = random_prime(None if seed is None else seed + attempt)
            if all(v.denominator % p for v in a.ravel()):
                break
        randomized = True
    else:
        if not _is_probable_prime(int(prime)):
            raise ValueError(f"prime: expected a prime number, got {prime}")
        p = int(prime)
        randomized = False
    rank = _rank_mod_p(rows, p)
    prob = None
    if randomized:
        maxabs = max((abs(v) for row in rows for v in row), default=1) or 1
        r = max(min(shape), 1)
        log2_minor = r * (0.5 * math.log2(r) + math.log2(maxabs))
        bad_primes = max(log2_minor / 30.0, 1.0)
        primes_in_range = 2**30 / math.log(2**31)
        prob = min(1.0, bad_primes / primes_in_range)
    return RankResult(rank, False, "modular", shape, prime=p, error_probability=prob)


def numerical_rank(
    M: Any, rtol: float | None = None, gap_warning: float = 1e3, warn: bool = True
) -> RankResult:
    """Numerical rank by SVD, with the tolerance and singular-value gap reported.

    Parameters
    ----------
    M : array_like
        The matrix (converted to float64).
    rtol : float, optional
        Relative tolerance: singular values below ``rtol * sigma_max`` count as
        zero.  Default ``max(M.shape) * eps`` (numpy's).
    gap_warning : float
        Warn (:class:`~rnnexpr.errors.NumericalRankWarning`) when
        ``sigma_r / sigma_{r+1}`` is below this: the rank is then doubtful.
    warn : bool
        Set False to silence the warning (the gap is still reported).

    Returns
    -------
    RankResult
        With ``exact=False``, ``tolerance`` and ``gap``.

    Examples
    --------
    >>> numerical_rank([[1.0, 2.0], [2.0, 4.0]]).rank
    1
    """
    a = to_float_array(_as_matrix(M, "M"))
    shape = (int(a.shape[0]), int(a.shape[1]))
    if a.size == 0:
        return RankResult(0, False, "svd", shape, tolerance=0.0, gap=math.inf)
    s = np.linalg.svd(a, compute_uv=False)
    if rtol is None:
        rtol = max(shape) * np.finfo(np.float64).eps
    tol = float(rtol * s[0]) if s[0] > 0 else 0.0
    rank = int(np.sum(s > tol)) if s[0] > 0 else 0
    if rank == 0:
        gap = math.inf
    elif rank < len(s):
        gap = float(s[rank - 1] / s[rank]) if s[rank] > 0 else math.inf
    else:
        gap = math.inf
    if warn and gap < gap_warning:
        warnings.warn(
            f"numerical rank {rank} of a {shape} matrix has an unclear singular-value gap "
            f"{gap:.2e} (< {gap_warning:.0e}) at tolerance {tol:.2e}; use an exact rank",
            NumericalRankWarning,
            stacklevel=2,
        )
    return RankResult(rank, False, "svd", shape, tolerance=tol, gap=gap)


def matrix_rank(
    M: Any,
    method: Literal["exact", "modular", "numerical"] | bool = "exact",
    **kwargs: Any,
) -> RankResult:
    """Rank by the chosen method: ``"exact"`` (default), ``"modular"`` or ``"numerical"``.

    ``method=True`` means ``"exact"`` and ``False`` means ``"numerical"``.

    Examples
    --------
    >>> matrix_rank([[1, 0], [0, 0]]).describe().startswith("rank 1 (exact")
    True
    """
    if method is True:
        method = "exact"
    elif method is False:
        method = "numerical"
    if method == "exact":
        return exact_rank(M)
    if method == "modular":
        return modular_rank(M, **kwargs)
    if method == "numerical":
        return numerical_rank(M, **kwargs)
    raise ValueError(f"method: expected 'exact', 'modular' or 'numerical', got {method!r}")


def rref(M: Any) -> tuple[np.ndarray, tuple[int, ...]]:
    """Reduced row echelon form over Q and the pivot columns.

    Examples
    --------
    >>> R, piv = rref([[2, 4], [1, 2]]); R[0].tolist(), piv
    ([Fraction(1, 1), Fraction(2, 1)], (0,))
    """
    a = _exact_matrix(M, "M")
    if a.size == 0:
        return a.copy(), ()
    if exact_backend() == "flint":
        R, rank = _to_flint(a).rref()
        out = _from_flint(R)
        pivots = []
        for i in range(int(rank)):
            row = out[i]
            pivots.append(next(j for j, v in enumerate(row) if v != 0))
        return out, tuple(pivots)
    R, pivots = _to_domain(a).rref()
    return _from_domain(R), tuple(int(p) for p in pivots)


def nullspace(M: Any) -> np.ndarray:
    """Exact basis of the right null space, as the columns of a matrix.

    Examples
    --------
    >>> N = nullspace([[1, 1]]); N.T.tolist()
    [[Fraction(-1, 1), Fraction(1, 1)]]
    """
    a = _exact_matrix(M, "M")
    R, pivots = rref(a)
    ncols = a.shape[1]
    free = [j for j in range(ncols) if j not in pivots]
    N = np.empty((ncols, len(free)), dtype=object)
    N[:] = Fraction(0)
    for k, f in enumerate(free):
        N[f, k] = Fraction(1)
        for i, p in enumerate(pivots):
            N[p, k] = -R[i, f]
    return N


def independent_rows(M: Any) -> list[int]:
    """Indices of a maximal set of linearly independent rows (greedy, first ones first).

    Examples
    --------
    >>> independent_rows([[1, 2], [2, 4], [0, 1]])
    [0, 2]
    """
    a = _exact_matrix(M, "M")
    if a.size == 0:
        return []
    _, pivots = rref(a.T)
    return list(pivots)


def solve(M: Any, b: Any) -> np.ndarray | None:
    """One exact solution x of ``M x = b`` (b a vector or matrix), or None if inconsistent.

    Examples
    --------
    >>> solve([[1, 1], [0, 2]], [3, 2]).tolist()
    [Fraction(2, 1), Fraction(1, 1)]
    """
    a = _exact_matrix(M, "M")
    rhs = to_exact_array(b, "b")
    vector = rhs.ndim == 1
    rhs2 = rhs.reshape(-1, 1) if vector else rhs
    if rhs2.shape[0] != a.shape[0]:
        raise ShapeError(f"b: expected {a.shape[0]} rows to match M, got shape {rhs.shape}")
    aug = np.concatenate([a, rhs2], axis=1)
    R, pivots = rref(aug)
    n = a.shape[1]
    if any(p >= n for p in pivots):
        return None
    x = np.empty((n, rhs2.shape[1]), dtype=object)
    x[:] = Fraction(0)
    for i, p in enumerate(pivots):
        x[p] = R[i, n:]
    return x[:, 0] if vector else x


def exact_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Exact product of two Fraction matrices (uses flint when available).

    Examples
    --------
    >>> exact_matmul(to_exact_array([[1, 2]]), to_exact_array([[3], ["1/2"]])).tolist()
    [[Fraction(4, 1)]]
    """
    if not (is_exact_array(a) and is_exact_array(b)):
        raise ExactnessError("exact_matmul: expected two exact (object) arrays")
    if exact_backend() == "flint" and a.size and b.size and a.ndim == 2 and b.ndim == 2:
        return _from_flint(_to_flint(a) * _to_flint(b))
    return a @ b
