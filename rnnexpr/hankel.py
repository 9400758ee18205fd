"""Hankel blocks, Hankel ranks, rank profiles of deep stacks, Hankel certificates (:doc:`/theory/t3`, :doc:`/theory/t5`).

* :func:`hankel_block` evaluates ``H[u, v] = f(uv)`` on given word lists (guarded);
* :func:`hankel_rank` of a WFA or a depth-1 stack from reachable and observable
  bases in ``O(n^3 |Sigma|)`` -- never by enumerating words;
* :func:`rank_profile` of any stack of linear 2RNN layers: for ``k = 0..max_len``
  the rank of the block over all words of length ``<= k`` (as prefixes and as
  suffixes), from the lifted factorization ``f(uv) = phi_{|v|}(u) . G_v`` of
  :mod:`rnnexpr.lifted` -- a basis of the prefix features and a basis of the
  suffix functionals, never the ``|Sigma|^k x |Sigma|^k`` block;
* :class:`HankelCertificate`: a finite block, its exact rank and the lower bound
  it proves on the width of any depth-1 linear 2RNN computing f (T5).
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .errors import InvalidArgumentError, MissingDependencyError, ModelKindError, NumericalRankWarning, ShapeError, SizeLimitError
from .exact import RankResult, exact_backend, exact_rank, independent_rows, matrix_rank, numerical_rank
from .fields import GF, QQ, error_probability, orbit_basis, random_prime, suitable_prime
from .lifted import (
    _budget,
    _core_from_params,
    _dimension,
    _features_from_states,
    _homogeneous,
    _mul_table,
    _states_after,
    feature_degrees,
)
from .models import WFA, Stack, check_words
from .numbers import as_array, as_fractions, format_fraction, to_exact_array
from .validation import check_int, check_tolerance, deprecated_positional, renamed_parameter, resolve_method
from .wfa import DEFAULT_RTOL, as_wfa, observable_basis, reachable_basis

__all__ = [
    "words_of_length",
    "words_up_to",
    "hankel_block",
    "hankel_rank",
    "hankel_basis_words",
    "RankProfile",
    "rank_profile",
    "HankelCertificate",
    "hankel_certificate",
    "DEFAULT_MAX_WORDS",
    "DEFAULT_MAX_BLOCK_ENTRIES",
]

#: Default budget for word enumeration.
DEFAULT_MAX_WORDS = 1_000_000
#: Default budget for the number of entries of an evaluated Hankel block.
DEFAULT_MAX_BLOCK_ENTRIES = 4_000_000


def _check_int(v: Any, name: str, low: int = 0) -> int:
    return check_int(v, name, minimum=low)


@deprecated_positional
def words_of_length(alphabet_size: int, length: int, *, max_words: int = DEFAULT_MAX_WORDS) -> list[tuple[int, ...]]:
    """All words of one length, in lexicographic order.

    Raises
    ------
    SizeLimitError
        When ``alphabet_size ** length`` exceeds ``max_words``.

    Examples
    --------
    >>> words_of_length(2, 2)
    [(0, 0), (0, 1), (1, 0), (1, 1)]
    """
    d = _check_int(alphabet_size, "alphabet_size", 1)
    k = _check_int(length, "length", 0)
    count = d**k
    if count > max_words:
        raise SizeLimitError(f"length: {d}^{k} = {count} words exceed the budget max_words={max_words}")
    return list(itertools.product(range(d), repeat=k))


@deprecated_positional
def words_up_to(alphabet_size: int, max_length: int, *, max_words: int = DEFAULT_MAX_WORDS) -> list[tuple[int, ...]]:
    """All words of length ``0..max_length``, shortest first then lexicographic.

    Raises
    ------
    SizeLimitError
        When the number of words exceeds ``max_words``.

    Examples
    --------
    >>> words_up_to(2, 1)
    [(), (0,), (1,)]
    """
    d = _check_int(alphabet_size, "alphabet_size", 1)
    k = _check_int(max_length, "max_length", 0)
    count = sum(d**j for j in range(k + 1))
    if count > max_words:
        raise SizeLimitError(f"max_length: {count} words up to length {k} exceed the budget max_words={max_words}")
    return [w for j in range(k + 1) for w in itertools.product(range(d), repeat=j)]


@deprecated_positional
def hankel_block(
    model_or_function: Stack | WFA | Callable[[tuple[int, ...]], Any],
    prefixes: Sequence[Sequence[int]],
    suffixes: Sequence[Sequence[int]],
    *,
    exact: bool = False,
    max_entries: int = DEFAULT_MAX_BLOCK_ENTRIES,
) -> np.ndarray:
    """The block ``H[u, v] = f(uv)`` for the given prefixes and suffixes.

    Parameters
    ----------
    model_or_function : Stack, WFA or callable
        A scalar-output model on one-hot inputs, or a function of a word (tuple of ints).
    prefixes, suffixes : list of words
    exact : bool
        Evaluate models in exact rationals (functions' values are converted exactly).
    max_entries : int
        Refuse blocks with more entries.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(prefixes), len(suffixes))``, float64 or exact.

    Raises
    ------
    SizeLimitError
        When ``len(prefixes) * len(suffixes) > max_entries`` (the size is named).

    Examples
    --------
    >>> from rnnexpr.constructions import t5_witness
    >>> hankel_block(t5_witness(), [[], [0]], [[], [0]], exact=True).tolist()
    [[Fraction(1, 1), Fraction(2, 1)], [Fraction(2, 1), Fraction(8, 1)]]
    """
    d = model_or_function.alphabet_size if isinstance(model_or_function, Stack | WFA) else None
    if d is None and not callable(model_or_function):
        raise ModelKindError(f"model_or_function: expected a Stack, a WFA or a callable, got "
                             f"{type(model_or_function).__name__}")
    if isinstance(model_or_function, Stack) and model_or_function.output_dim != 1:
        raise ModelKindError(f"model_or_function: expected a scalar-output stack, got output_dim="
                             f"{model_or_function.output_dim}")
    P = check_words(prefixes, d if d is not None else 2**62, "prefixes")
    S = check_words(suffixes, d if d is not None else 2**62, "suffixes")
    size = len(P) * len(S)
    if size > max_entries:
        raise SizeLimitError(
            f"prefixes, suffixes: a {len(P)} x {len(S)} block has {size} entries, above the budget "
            f"max_entries={max_entries}"
        )
    words = [u + v for u in P for v in S]
    if d is not None:
        vals = model_or_function.values(words, exact=exact) if words else np.empty(0, dtype=object if exact else float)
    else:
        raw = [model_or_function(w) for w in words]
        vals = as_array(raw, "values", ndim=1, exact=exact) if raw else np.empty(0, dtype=object if exact else float)
    out = np.asarray(vals, dtype=object if exact else np.float64).reshape(len(P), len(S))
    return out


# ---------------------------------------------------------------------------
# Hankel rank of a WFA
# ---------------------------------------------------------------------------


def _method(method: Any, exact: Any = None) -> str:
    if exact is not None:
        method = "exact" if exact else "numerical"
    if method is True:
        return "exact"
    if method is False:
        return "numerical"
    if method not in ("exact", "numerical"):
        raise InvalidArgumentError(f"method: expected 'exact' or 'numerical', got {method!r}")
    return method


@deprecated_positional
def hankel_rank(model: WFA | Stack, *, method: str | None = None, exact: bool | None = None,
                rtol: float = DEFAULT_RTOL, warn: bool = True, gap_warning: float = 1e3) -> RankResult:
    """Rank of the infinite Hankel matrix of a WFA (or depth-1 stack): its minimal WFA size.

    ``H = P S`` with ``P[u] = alpha^T A_u`` and ``S[:, v] = A_v omega``, so the rank is
    ``rank(F B^T)`` for bases F of the reachable and B of the observable span
    (breadth-first searches, ``O(n^3 |Sigma|)``).  No word is enumerated.

    Parameters
    ----------
    model : WFA or depth-1 Stack
    method : {"exact", "modular", "numerical"}, optional
        By the rule of :doc:`/guide/exact`: ``"exact"`` for an exact model,
        ``"numerical"`` for a float one.  Exact rationals (float parameters are
        taken at their binary value); the Hankel rank of the WFA reduced modulo a
        31-bit prime (a proven lower bound on the rank over Q, equal to it unless
        the prime divides a nonzero minor; the result names the prime); or the
        orthogonal float algorithm whose result reports its tolerance and gap.  The
        numerical algorithm first rescales ``alpha``, ``omega`` and the transition
        matrices by powers of two (which leaves the rank unchanged), so a model
        with entries of 1e308 or 1e-300 gets the answer of its rescaled copy.
    exact : bool, optional
        True means ``method="exact"``, False ``method="numerical"``; conflicting
        with ``method`` raises :class:`~rnnexpr.errors.ConflictingArgumentsError`.
    rtol : float
        Numerical only: tolerance of the bases and of the final SVD.
    warn : bool
        Numerical only: warn (NumericalRankWarning) when the gap is unclear.
    gap_warning : float
        Numerical only: the reported gap is the smallest of the searches' gaps
        (smallest accepted relative residual over the largest rejected one) and the
        final SVD gap; below this value the rank is doubtful.

    Returns
    -------
    RankResult
        Numerical: ``tolerance`` is the relative tolerance ``rtol``.

    See Also
    --------
    rank_profile : ranks of the blocks over all words up to each length (deep stacks).
    hankel_block : an explicit block, to look at or to pass to another rank method.
    hankel_certificate : a saved, re-checkable certificate of a rank lower bound.
    rnnexpr.wfa.minimize : a minimal WFA, whose number of states is this rank.

    Examples
    --------
    >>> from rnnexpr.models import random_wfa
    >>> hankel_rank(random_wfa(4, 2, seed=0, exact=True)).rank
    4
    >>> hankel_rank(random_wfa(4, 2, seed=0, exact=True), method="modular").rank
    4
    """
    wfa = as_wfa(model)
    method = resolve_method(wfa.is_exact, method, exact)
    if method == "modular":
        return _hankel_rank_modular(wfa)
    if method == "exact":
        return _hankel_rank_exact(wfa)
    rtol = check_tolerance(rtol, "rtol")
    wfa = _rescaled_float_wfa(wfa)
    fb = reachable_basis(wfa, exact=False, rtol=rtol)
    ob = observable_basis(wfa, exact=False, rtol=rtol)
    F, B = fb.vectors, ob.vectors
    if F.shape[0] == 0 or B.shape[0] == 0:
        return RankResult(0, False, "svd", (F.shape[0], B.shape[0]), tolerance=rtol, gap=math.inf)
    # Orthonormal bases: the singular values of F B^T are cosines of principal angles.
    res = numerical_rank(F @ B.T, rtol=max(rtol, 1e-12) * 100, warn=False)
    # The evidence is as good as the weakest decision: the searches' own gaps
    # (smallest accepted residual over largest rejected one) and the final SVD gap.
    gaps = [g for g in (fb.gap, ob.gap, res.gap) if g is not None]
    gap = min(gaps) if gaps else math.inf
    if warn and gap < gap_warning:
        warnings.warn(
            f"numerical Hankel rank {res.rank} has an unclear gap {gap:.2e} (< {gap_warning:.0e}) at relative "
            f"tolerance {rtol:.1e}; use method='exact'",
            NumericalRankWarning,
            stacklevel=2,
        )
    return RankResult(res.rank, False, "svd", res.shape, tolerance=rtol, gap=gap)


def _power_of_two_scale(a: np.ndarray) -> float:
    m = float(np.max(np.abs(a))) if a.size else 0.0
    return 1.0 if m == 0.0 else 2.0 ** math.floor(math.log2(m))


def _rescaled_float_wfa(wfa: WFA) -> WFA:
    """The float WFA with alpha, omega and all A_s divided by powers of two (exactly).

    ``f'(w) = f(w) / (a o c^|w|)``: the Hankel matrix is multiplied by invertible
    diagonal matrices on both sides, so its rank is unchanged, and no
    intermediate vector overflows or underflows.
    """
    f = wfa.to_float()
    alpha, A, omega = np.asarray(f.alpha), np.asarray(f.A), np.asarray(f.omega)
    return WFA(alpha / _power_of_two_scale(alpha), A / _power_of_two_scale(A), omega / _power_of_two_scale(omega))


def _hankel_rank_mod_p(ex: WFA, p: int) -> tuple[int, int, int]:
    """(rank, reachable dim, observable dim) over GF(p) of the WFA reduced mod p (p prime to its denominators).

    The Hankel matrix of the reduced WFA is the reduction of the rational one, so its
    rank is a lower bound on the rank over Q.  Bases by breadth-first levels
    (:func:`rnnexpr.fields.orbit_basis`), then one rank of ``F B^T``.
    """
    G = GF(p)
    A = G.residues(ex.A)  # (n, d, n)
    Fb, _, _ = orbit_basis(G, G.residues(ex.alpha), A.transpose(1, 0, 2))
    Bb, _, _ = orbit_basis(G, G.residues(ex.omega), A.transpose(1, 2, 0))
    if not Fb.shape[0] or not Bb.shape[0]:
        return 0, int(Fb.shape[0]), int(Bb.shape[0])
    return G.rank(G.matmul(Fb, np.ascontiguousarray(Bb.T))), int(Fb.shape[0]), int(Bb.shape[0])


def _hankel_rank_exact(wfa: WFA) -> RankResult:
    """Exact Hankel rank, modular first: a rank mod p equal to an upper bound proven over Q is the rank over Q.

    ``rank_p <= rank_Q <= n`` always; when ``rank_p = n`` that is the proof (no
    rational arithmetic at all).  Otherwise the bases of the reachable and observable
    spans are proven over Q (:func:`rnnexpr.wfa.reachable_basis`), which bounds the
    rank by their dimensions; if that bound is not met, one exact rank of ``F B^T``.
    """
    ex = wfa if wfa.is_exact else wfa.to_exact()
    n = ex.num_states
    p = suitable_prime(ex.alpha, ex.A, ex.omega)
    rank_p, rf, rb = _hankel_rank_mod_p(ex, p)
    if rank_p == n:
        return RankResult(n, True, "modular, full rank: proven", (rf, rb), prime=p, error_probability=0.0)
    F = reachable_basis(ex, exact=True).vectors
    B = observable_basis(ex, exact=True).vectors
    shape = (int(F.shape[0]), int(B.shape[0]))
    if rank_p == min(shape):
        return RankResult(rank_p, True, "modular, bound proven over Q", shape, prime=p, error_probability=0.0)
    if 0 in shape:  # pragma: no cover - then rank_p == 0 == min(shape)
        return RankResult(0, True, exact_backend(), shape)
    res = exact_rank(QQ.matmul(F, np.ascontiguousarray(B.T)))
    return RankResult(res.rank, True, res.method, shape, prime=res.prime, error_probability=res.error_probability)


def _hankel_rank_modular(wfa: WFA, prime: int | None = None, seed: int = 0) -> RankResult:
    """Hankel rank over GF(p) of the reduced WFA: a proven lower bound on the rank over Q.

    The Hankel matrix of the WFA reduced mod p is the reduction of the rational one,
    and ranks can only drop under reduction.
    """
    ex = wfa if wfa.is_exact else wfa.to_exact()
    n = wfa.num_states
    vals = np.concatenate([ex.alpha.ravel(), ex.A.ravel(), ex.omega.ravel()])
    q = math.lcm(*(v.denominator for v in vals)) if vals.size else 1
    p = int(prime) if prime is not None else random_prime(seed, avoid=q)
    if q % p == 0:  # pragma: no cover - needs a denominator divisible by a 31-bit prime
        raise InvalidArgumentError(f"prime: {p} divides a denominator of the WFA; choose another prime")
    rank, rf, rb = _hankel_rank_mod_p(ex, p)
    if rank == n:  # the upper bound n is met: equality with the rank over Q cannot fail
        return RankResult(rank, False, "modular", (rf, rb), prime=p, error_probability=0.0)
    # Error bound over the random prime: the rank drops only if p divides a nonzero r x r
    # minor of H on basis words (lengths < n).  With all weights over a common denominator q
    # and integer numerators <= M, entries scale to integers <= n^(2n-1) M^(2n); Hadamard
    # bounds the minor, hence the number of 31-bit primes dividing it.
    M = max(max(abs(v.numerator) * (q // v.denominator) for v in vals), 2)
    r = max(rank, 1)
    log2_minor = r * (0.5 * math.log2(r) + (2 * n - 1) * math.log2(max(n, 2)) + 2 * n * math.log2(M))
    prob = error_probability(log2_minor) if prime is None else None
    return RankResult(rank, False, "modular", (rf, rb), prime=p, error_probability=prob)


def _exact_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from .exact import exact_matmul

    return exact_matmul(to_exact_array(a), to_exact_array(b))


def hankel_basis_words(model: WFA | Stack) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    """Prefixes and suffixes whose Hankel block has the full Hankel rank (WFA or depth-1 stack).

    The words of exact reachable and observable bases: ``H[P, S] = F B^T`` has the rank of H.

    Examples
    --------
    >>> from rnnexpr.models import WFA
    >>> hankel_basis_words(WFA([1], [[[2]]], [1]))
    ([()], [()])
    """
    wfa = as_wfa(model)
    return list(reachable_basis(wfa, exact=True).words), list(observable_basis(wfa, exact=True).words)


# ---------------------------------------------------------------------------
# Rank profiles of deep stacks
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RankProfile:
    """Ranks of the Hankel blocks over all words of length ``<= k``, for ``k = 0..max_len``.

    Attributes
    ----------
    ranks : list of int
        ``ranks[k]`` = rank of ``H[Sigma^{<=k}, Sigma^{<=k}]``.
    exact : bool
        True for rational arithmetic (a proof).
    method : str
        ``"exact"`` or ``"numerical"``.
    tolerances, gaps : list of float, or None
        Numerical only: the tolerance and singular-value gap of each rank.
    prefix_counts, suffix_counts : list of int
        Sizes of the prefix-feature and suffix-functional bases used at each k.
    prime : int or None
        Modular only: the prime p (ranks over GF(p) are proven lower bounds).

    Examples
    --------
    >>> from rnnexpr.models import random_wfa
    >>> p = rank_profile(random_wfa(2, 2, seed=0, exact=True), 2); p.ranks, p.exact
    ([1, 2, 2], True)
    """

    ranks: list[int]
    exact: bool
    method: str
    tolerances: list[float] | None = None
    gaps: list[float] | None = None
    prefix_counts: list[int] = field(default_factory=list)
    suffix_counts: list[int] = field(default_factory=list)
    prime: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serializable dictionary."""
        d = {"ranks": list(self.ranks), "exact": self.exact, "method": self.method,
             "prefix_counts": list(self.prefix_counts), "suffix_counts": list(self.suffix_counts)}
        if self.prime is not None:
            d["prime"] = self.prime
        if self.tolerances is not None:
            d["tolerances"] = list(self.tolerances)
            d["gaps"] = [g if math.isfinite(g) else "inf" for g in self.gaps]
        return d


def _independent(M: np.ndarray, exact: bool, rtol: float) -> list[int]:
    """Indices of a maximal independent set of rows (first ones first)."""
    if M.shape[0] == 0 or M.shape[1] == 0:
        return []
    if exact:
        return _independent_rows_exact(M)
    import scipy.linalg

    A = np.asarray(M, dtype=np.float64)
    # Scale rows so that the tolerance is relative per row (features differ wildly in size).
    norms = np.linalg.norm(A, axis=1)
    keep = np.nonzero(norms > 0)[0]
    if keep.size == 0:
        return []
    A = A[keep] / norms[keep, None]
    _, R, piv = scipy.linalg.qr(A.T, pivoting=True, mode="economic")
    diag = np.abs(np.diag(R))
    r = int(np.sum(diag > rtol * max(diag[0], 1e-300) * max(A.shape)))
    return sorted(int(keep[i]) for i in piv[:r])


def _independent_rows_exact(M: np.ndarray) -> list[int]:
    """Exact maximal independent row set: chosen mod p, then proven over Q.

    Rows independent mod p are independent over Q, so they form a basis as soon
    as their number equals the exact rank, computed by python-flint on the tall
    orientation of the integer-scaled matrix (measured: fraction-free elimination
    on wide matrices of these huge-entry features is 100x slower).  If the counts
    differ (an unlucky prime), fall back to exact row reduction.
    """
    from . import exact as _exact

    if _exact._flint is None or _exact.exact_backend() != "flint":
        return independent_rows(M)
    flint = _exact._flint
    rows = _exact._integer_rows(M)  # row scaling keeps row dependencies
    p = _exact.DEFAULT_PRIME
    nr, nc = len(rows), len(rows[0])
    Nt = flint.nmod_mat(nc, nr, [rows[i][j] % p for j in range(nc) for i in range(nr)], p)
    R, rank_p = Nt.rref()
    r = int(rank_p)
    ent = np.array([int(v) for v in R.entries()], dtype=np.int64).reshape(nc, nr)[:r]
    pivots = [int(np.argmax(row != 0)) for row in ent]
    Z = flint.fmpz_mat(rows)
    rank_q = int((Z if nr >= nc else Z.transpose()).rank())
    if rank_q == r:
        return pivots
    return independent_rows(M)  # pragma: no cover - needs p to divide a minor


def _embed_index(widths: tuple[int, ...], m_from: int, m_to: int) -> np.ndarray:
    """Index map level m_from -> level m_to (>= m_from) multiplying by powers of the constant coordinate."""
    L = len(widths)
    Df, Dt = feature_degrees(L, m_from), feature_degrees(L, m_to)
    idx = np.zeros(1, dtype=np.int64)
    for l in range(L, 0, -1):  # feature order: layer L first
        N = widths[l - 1]
        lay = _mul_table(N, Df[l - 1], Dt[l - 1] - Df[l - 1])[:, 0]  # times x_0^(extra): x_0 is [1; h][0] = 1
        size_to = math.comb(N + Dt[l - 1] - 1, Dt[l - 1])
        idx = (idx[:, None] * size_to + lay[None, :]).reshape(-1)
    return idx


def rank_profile(model: Stack | WFA, max_len: int, method: str = "exact", exact: bool | None = None,
                 rtol: float = 1e-9, max_entries: int | None = None, output: int = 0) -> RankProfile:
    """Ranks of ``H[Sigma^{<=k}, Sigma^{<=k}]`` for ``k = 0..max_len``, by the lifted factorization.

    Uses augmented homogeneous states (a constant coordinate in every layer), so
    ``phi_j(u)`` is a coordinate restriction of ``phi_k(u)`` for ``j <= k`` and
    ``H[u, v] = phi_k(u) . g_v`` with ``g_v`` the embedded suffix functional.  Then
    ``rank H = rank(Phi_P* G_S*)`` for a basis of the suffix functionals (backward
    recursion through the level cores, level by level) and a basis of the prefix
    features (breadth-first over prefixes; a prefix of length t is pruned when its
    level ``2k - t`` feature depends on the kept ones, which is exact since all
    its extensions then depend on theirs).  Costs are polynomial in the feature
    dimensions, never ``|Sigma|^k``.

    Parameters
    ----------
    model : Stack or WFA
        Any stack of linear 2RNN layers on one-hot inputs (scalar output row ``output``).
    max_len : int
        Largest k.
    method : {"exact", "modular", "numerical"}
        Exact rationals (default; float parameters at their binary value); the same
        algorithm over GF(p) for a 31-bit prime p (each rank is the rank of the
        reduced block: a proven lower bound on the rank over Q, equal to it unless p
        divides one of its minors; ``prime`` is reported); or float with pivoted
        QR / SVD and the tolerance ``rtol``.
    exact : bool, optional
        Alias for method (True: "exact", False: "numerical").
    rtol : float
        Numerical only.
    max_entries : int, optional
        Budget for the lifted cores (see :func:`rnnexpr.lifted.lift`).
    output : int
        Readout row.

    Returns
    -------
    RankProfile

    Raises
    ------
    SizeLimitError
        When a lifted core would exceed the budget.

    Examples
    --------
    >>> from rnnexpr.constructions import t5_witness
    >>> rank_profile(t5_witness(), 3).ranks
    [1, 2, 3, 4]
    """
    K = _check_int(max_len, "max_len", 0)
    if not isinstance(model, Stack | WFA):
        raise ModelKindError(f"model: expected a Stack or a WFA, got {type(model).__name__}")
    if method == "modular" and exact is None:
        return _rank_profile_modular(model, K, max_entries, output)
    method = _method(method, exact)
    is_exact = method == "exact"
    if is_exact and not model.is_exact:
        model = model.to_exact()
    if not is_exact and model.is_exact:
        model = model.to_float()
    hp = _homogeneous(model, output, force_constant=True)
    budget = _budget(is_exact, max_entries)
    d = hp.alphabet_size
    widths = hp.widths
    # Suffix-functional bases per level j (columns in R^{r_j}), by the backward recursion.
    suffix_bases: list[np.ndarray] = []
    Sj = hp.readout.reshape(-1, 1)
    Sj = Sj[:, _independent(Sj.T, is_exact, rtol)]
    suffix_bases.append(Sj)
    for j in range(1, K + 1):
        core = _core_from_params(hp, j, budget)
        if is_exact:
            cand = np.concatenate([_exact_product(core[:, s, :], suffix_bases[-1]) for s in range(d)], axis=1)
        else:
            cand = np.concatenate([core[:, s, :] @ suffix_bases[-1] for s in range(d)], axis=1)
        suffix_bases.append(cand[:, _independent(cand.T, is_exact, rtol)])
    hp_int = _projective_integer(hp) if is_exact else hp
    ranks, tols, gaps, pcounts, scounts = [], [], [], [], []
    for k in range(K + 1):
        # g-space basis at level k.
        G = np.concatenate([_embed_rows(widths, j, k, suffix_bases[j], is_exact) for j in range(k + 1)], axis=1)
        if G.shape[1]:
            G = G[:, _independent(G.T, is_exact, rtol)]
        # Row scaling does not change ranks: exact prefix features use projective integer states.
        hq = hp_int if is_exact else hp
        prefixes = _prefix_basis(hq, k, is_exact, rtol)
        Phi = _features_from_states(hq, _states_after(hq, prefixes), k) if prefixes else np.zeros((0, G.shape[0]))
        pcounts.append(len(prefixes))
        scounts.append(int(G.shape[1]))
        if Phi.shape[0] == 0 or G.shape[1] == 0:
            ranks.append(0)
            tols.append(0.0)
            gaps.append(math.inf)
            continue
        if is_exact:
            res = matrix_rank(_exact_product(as_fractions(Phi), G), "exact")
        else:
            M = Phi @ G
            res = numerical_rank(M, rtol=rtol, warn=True)
            tols.append(res.tolerance)
            gaps.append(res.gap)
        ranks.append(res.rank)
    if is_exact:
        return RankProfile(ranks, True, "exact", None, None, pcounts, scounts)
    return RankProfile(ranks, False, "numerical", tols, gaps, pcounts, scounts)


def _rank_profile_modular(model: Stack | WFA, K: int, max_entries: int | None, output: int,
                          prime: int | None = None) -> RankProfile:
    """rank_profile over GF(p): the exact algorithm run on the model reduced mod p."""
    from . import exact as _exact

    flint = _exact._flint
    if flint is None:  # pragma: no cover - environment dependent
        raise MissingDependencyError("method: 'modular' rank profiles need python-flint (pip install rnnexpr[fast])")
    if not model.is_exact:
        model = model.to_exact()
    p = int(prime or _exact.DEFAULT_PRIME)
    hp = _homogeneous(model, output, force_constant=True)
    budget = _budget(True, max_entries)
    d, widths = hp.alphabet_size, hp.widths

    def red_array(a: np.ndarray) -> np.ndarray:
        out = np.empty(a.shape, dtype=np.int64)
        flat = out.reshape(-1)
        for i, v in enumerate(a.ravel()):
            v = v if isinstance(v, Fraction) else Fraction(v)
            if v.denominator % p == 0:  # pragma: no cover - a 31-bit prime dividing a denominator
                raise InvalidArgumentError(f"prime: {p} divides a denominator of the model; choose another prime")
            flat[i] = v.numerator % p * pow(v.denominator, -1, p) % p
        return out

    def nm(a: np.ndarray):
        return flint.nmod_mat(int(a.shape[0]), int(a.shape[1]), [int(x) for x in a.ravel()], p)

    def arr(m) -> np.ndarray:
        return np.array([int(x) for x in m.entries()], dtype=np.int64).reshape(m.nrows(), m.ncols())

    def indep_rows(a: np.ndarray) -> list[int]:
        if a.shape[0] == 0 or a.shape[1] == 0:
            return []
        R, r = nm(a.T).rref()
        ent = arr(R)[: int(r)]
        return [int(np.argmax(row != 0)) for row in ent]

    suffix_bases = [red_array(hp.readout.reshape(-1, 1))]
    suffix_bases[0] = suffix_bases[0][:, indep_rows(suffix_bases[0].T)]
    for j in range(1, K + 1):
        core = red_array(_core_from_params(hp, j, budget))
        cand = np.concatenate([arr(nm(core[:, s, :]) * nm(suffix_bases[-1])) for s in range(d)], axis=1)
        suffix_bases.append(cand[:, indep_rows(cand.T)])
    hq = _projective_integer(hp)

    def features(words: list[tuple[int, ...]], m: int) -> np.ndarray:
        states = [red_array(st) for st in _states_after(hq, words)]
        degs = feature_degrees(hq.depth, m)
        out = None
        for l in range(hq.depth, 0, -1):
            H = states[l - 1]
            cur = np.ones((H.shape[0], 1), dtype=np.int64)
            for deg in range(1, degs[l - 1] + 1):
                from .lifted import _parent_table

                first, parent = _parent_table(H.shape[1], deg)
                cur = cur[:, parent] * H[:, first] % p  # residues < 2^31: products fit in int64
            out = cur if out is None else (out[:, :, None] * cur[:, None, :] % p).reshape(out.shape[0], -1)
        return out

    ranks, pcounts, scounts = [], [], []
    for k in range(K + 1):
        G = np.concatenate([_embed_rows_int(widths, j, k, suffix_bases[j]) for j in range(k + 1)], axis=1)
        G = G[:, indep_rows(G.T)]
        kept, frontier = [()], [()]
        for t in range(1, k + 1):
            words = kept + [u + (s,) for u in frontier for s in range(d)]
            idx = indep_rows(features(words, 2 * k - t))
            kept = [words[i] for i in idx]
            frontier = [w for w in kept if len(w) == t]
            if not frontier:
                break
        Phi = features(kept, k)
        pcounts.append(len(kept))
        scounts.append(int(G.shape[1]))
        ranks.append(int((nm(Phi) * nm(G)).rank()) if G.shape[1] and Phi.shape[0] else 0)
    return RankProfile(ranks, False, "modular", None, None, pcounts, scounts, p)


def _embed_rows_int(widths: tuple[int, ...], j: int, k: int, S: np.ndarray) -> np.ndarray:
    idx = _embed_index(widths, j, k)
    out = np.zeros((_dimension(widths, k), S.shape[1]), dtype=np.int64)
    out[idx] = S
    return out


def _embed_rows(widths: tuple[int, ...], j: int, k: int, S: np.ndarray, exact: bool) -> np.ndarray:
    """Embed level-j functionals (columns) into level k: g = Pi S with Pi a coordinate injection."""
    idx = _embed_index(widths, j, k)
    out = np.zeros((_dimension(widths, k), S.shape[1]), dtype=object if exact else np.float64)
    if exact:
        out[...] = Fraction(0)
    out[idx] = S
    return out


def _projective_integer(hp):
    """Integer parameters proportional to the homogeneous ones, layer by layer.

    States computed with them are nonzero scalar multiples of the true homogeneous
    states (each layer is bilinear), so every feature row phi_m(u) gets multiplied by
    a nonzero scalar: row spans, independence and ranks are unchanged, and Python
    ints are several times faster than Fractions.
    """
    from dataclasses import replace

    from .lifted import _integer_form

    first, _ = _integer_form(hp.first)
    bil = tuple(_integer_form(B)[0] for B in hp.bilinear)
    h0 = tuple(_integer_form(h)[0] for h in hp.h0)
    return replace(hp, first=first, bilinear=bil, h0=h0)


def _prefix_basis(hp, k: int, exact: bool, rtol: float) -> list[tuple[int, ...]]:
    """Words u, |u| <= k, whose phi_k(u) span all phi_k(u') with |u'| <= k (see rank_profile).

    ``hp`` may be the projective integer form (see :func:`_projective_integer`).
    """
    d = hp.alphabet_size
    kept: list[tuple[int, ...]] = [()]
    frontier: list[tuple[int, ...]] = [()]
    for t in range(1, k + 1):
        cands = [u + (s,) for u in frontier for s in range(d)]
        words = kept + cands
        F = _features_from_states(hp, _states_after(hp, words), 2 * k - t)
        idx = _independent(F, exact, rtol)
        kept = [words[i] for i in idx]
        frontier = [words[i] for i in idx if len(words[i]) == t]
        if not frontier:
            break
    if k == 0:
        F = _features_from_states(hp, _states_after(hp, kept), 0)
        if not np.any(F != 0):
            return []
    return kept


# ---------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------

_STATEMENT = (
    "no depth-1 linear 2RNN with <= {n} units (with U, V, b terms) and no pure depth-1 linear 2RNN with <= {p} "
    "units computes f on one-hot inputs: the Hankel block below has {how} rank {r}, while such networks have Hankel "
    "rank <= n + 1 (augmentation) and <= n (pure), statements T3 and T5"
)


@dataclass(frozen=True, eq=False)
class HankelCertificate:
    """A finite Hankel block with its rank: a lower bound on the size of any WFA computing f.

    Attributes
    ----------
    prefixes, suffixes : tuple of words
        The rows and columns of the block.
    block : numpy.ndarray
        Exact values ``f(uv)``.
    rank : int
        Its rank (exact over Q, or modular: a proven lower bound).
    method : str
        The rank backend (``"flint"``, ``"sympy"`` or ``"modular"``).
    exact : bool
        True when ``rank`` is the rank over Q.
    max_units : int
        N = rank - 2: no depth-1 linear 2RNN (with U, V, b) of <= N units computes f.
    max_units_pure : int
        rank - 1: no pure depth-1 linear 2RNN of that many units computes f.
    statement : str
        The statement proved.
    prime : int or None
        Modular only.

    Examples
    --------
    >>> from rnnexpr.constructions import t5_witness
    >>> c = hankel_certificate(t5_witness(), words_up_to(1, 2), words_up_to(1, 2))
    >>> c.rank, c.verify(), c.statement.split(":")[0]
    (3, True, 'no depth-1 linear 2RNN with <= 1 units (with U, V, b terms) and no pure depth-1 linear 2RNN with <= 2 units computes f on one-hot inputs')
    """

    prefixes: tuple[tuple[int, ...], ...]
    suffixes: tuple[tuple[int, ...], ...]
    block: np.ndarray
    rank: int
    method: str
    exact: bool
    max_units: int
    max_units_pure: int
    statement: str
    prime: int | None = None

    def verify(self) -> bool:
        """Recompute the rank of the stored block; True when it is at least the claimed rank."""
        res = _block_rank(self.block, self.method, self.prime)
        return res.rank >= self.rank

    def check(self, model: Stack | WFA | Callable) -> bool:
        """Recompute the block from ``model`` (exactly) and its rank; True when both match.

        Examples
        --------
        >>> from rnnexpr.constructions import t5_witness
        >>> c = hankel_certificate(t5_witness(), words_up_to(1, 3), words_up_to(1, 3)); c.check(t5_witness())
        True
        """
        block = hankel_block(model, self.prefixes, self.suffixes, exact=True)
        if block.shape != self.block.shape or not bool(np.all(block == self.block)):
            return False
        return self.verify()

    def to_json(self) -> str:
        """A JSON string (exact values as ``"p/q"``)."""
        return json.dumps({
            "kind": "HankelCertificate",
            "prefixes": [list(u) for u in self.prefixes],
            "suffixes": [list(v) for v in self.suffixes],
            "block": [[format_fraction(Fraction(x)) for x in row] for row in self.block],
            "rank": self.rank,
            "method": self.method,
            "exact": self.exact,
            "max_units": self.max_units,
            "max_units_pure": self.max_units_pure,
            "statement": self.statement,
            "prime": self.prime,
        })

    @staticmethod
    def from_json(text: str | dict) -> HankelCertificate:
        """Inverse of :meth:`to_json` (validated).

        Examples
        --------
        >>> from rnnexpr.constructions import t5_witness
        >>> c = hankel_certificate(t5_witness(), [[], [0]], [[], [0]])
        >>> HankelCertificate.from_json(c.to_json()).rank
        2
        """
        d = json.loads(text) if isinstance(text, str) else dict(text)
        if d.get("kind") != "HankelCertificate":
            raise InvalidArgumentError(f"text: expected a HankelCertificate JSON object, got kind={d.get('kind')!r}")
        prefixes = tuple(tuple(int(s) for s in u) for u in d["prefixes"])
        suffixes = tuple(tuple(int(s) for s in v) for v in d["suffixes"])
        block = as_array(d["block"], "block", ndim=2, exact=True) if prefixes and suffixes else \
            np.empty((len(prefixes), len(suffixes)), dtype=object)
        if block.shape != (len(prefixes), len(suffixes)):
            raise ShapeError(f"block: expected shape {(len(prefixes), len(suffixes))}, got {block.shape}")
        return HankelCertificate(prefixes, suffixes, block, int(d["rank"]), str(d["method"]), bool(d["exact"]),
                                 int(d["max_units"]), int(d["max_units_pure"]), str(d["statement"]),
                                 None if d.get("prime") is None else int(d["prime"]))


def _block_rank(block: np.ndarray, method: str, prime: int | None) -> RankResult:
    if block.size == 0:
        return RankResult(0, True, exact_backend(), block.shape)
    if method == "modular":
        return matrix_rank(block, "modular", prime=prime)
    return matrix_rank(block, "exact")


@renamed_parameter("max_len", "max_length")
@deprecated_positional
def hankel_certificate(
    model: Stack | WFA | Callable,
    prefixes: Sequence[Sequence[int]] | None = None,
    suffixes: Sequence[Sequence[int]] | None = None,
    *,
    max_units: int | None = None,
    pure: bool = False,
    method: str = "exact",
    max_length: int = 3,
    compress: bool = True,
) -> HankelCertificate:
    """Build a Hankel certificate: a block of f with exact (or modular, stated) rank r.

    It proves that no depth-1 linear 2RNN with ``<= r - 2`` units (with U, V, b)
    and no pure one with ``<= r - 1`` units computes f (T3, T5).

    Parameters
    ----------
    model : Stack, WFA or callable
    prefixes, suffixes : list of words, optional
        Default: basis words (WFA or depth-1 stack) or all words up to ``max_length``.
    max_units : int, optional
        The N to prove: raises ValueError unless rank >= N + 2 (N + 1 when ``pure``).
    pure : bool
        Whether ``max_units`` is meant for pure 2RNNs.
    method : {"exact", "modular"}
        Rank over Q, or over GF(p) (still a proven lower bound; stated).
    max_length : int
        Length of the default words for deep stacks and functions (formerly
        ``max_len``, which still works for one release with a DeprecationWarning).
    compress : bool
        Keep only ``r`` independent rows and columns (an r x r nonsingular block).

    Returns
    -------
    HankelCertificate

    Examples
    --------
    >>> from rnnexpr.constructions import t5_witness
    >>> c = hankel_certificate(t5_witness(), max_units=2)
    >>> c.rank, c.max_units, c.max_units_pure
    (4, 2, 3)
    """
    if method not in ("exact", "modular"):
        raise InvalidArgumentError(f"method: expected 'exact' or 'modular', got {method!r}")
    d = model.alphabet_size if isinstance(model, Stack | WFA) else None
    if prefixes is None or suffixes is None:
        shallow = isinstance(model, WFA) or (isinstance(model, Stack) and model.depth == 1)
        if shallow:
            P0, S0 = hankel_basis_words(model)
        else:
            if d is None:
                raise InvalidArgumentError("prefixes: expected word lists when model is a function (alphabet unknown), got None")
            P0 = S0 = words_up_to(d, _check_int(max_length, "max_length"))
        prefixes = P0 if prefixes is None else prefixes
        suffixes = S0 if suffixes is None else suffixes
    block = hankel_block(model, prefixes, suffixes, exact=True)
    P = [tuple(int(s) for s in u) for u in prefixes]
    S = [tuple(int(s) for s in v) for v in suffixes]
    res = _block_rank(block, method, None)
    r = res.rank
    if compress and r > 0 and method == "exact" and block.size:
        rows = independent_rows(block)
        cols = independent_rows(block[rows].T)
        P = [P[i] for i in rows]
        S = [S[j] for j in cols]
        block = block[np.ix_(rows, cols)]
    if max_units is not None:
        N = _check_int(max_units, "max_units")
        need = N + 1 if pure else N + 2
        if r < need:
            raise InvalidArgumentError(
                f"max_units: a block of rank {r} cannot prove that no {'pure ' if pure else ''}depth-1 linear 2RNN "
                f"with <= {N} units computes f (needs rank >= {need}); use more prefixes and suffixes"
            )
    how = "exact" if res.exact else f"modular (p={res.prime}, a proven lower bound)"
    statement = _STATEMENT.format(n=r - 2, p=r - 1, how=how, r=r)
    return HankelCertificate(tuple(P), tuple(S), block, r, res.method, res.exact, r - 2, r - 1, statement, res.prime)
