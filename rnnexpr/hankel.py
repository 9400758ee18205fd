"""Hankel blocks, Hankel ranks, rank profiles of deep stacks, Hankel certificates (:doc:`/theory/t3`, :doc:`/theory/t5`).

* :func:`hankel_block` evaluates ``H[u, v] = f(uv)`` on given word lists (guarded);
* :func:`hankel_rank` of a WFA or a depth-1 stack from reachable and observable
  bases in ``O(n^3 |Sigma|)`` -- never by enumerating words;
* :func:`rank_profile` of any stack of linear 2RNN layers: for ``k = 0..max_length``
  the rank of the block over all words of length ``<= k`` (as prefixes and as
  suffixes), from prefix and suffix sets grown from the reachable part of the
  lifted factorization ``f(uv) = phi_{|v|}(u) . G_v`` of :mod:`rnnexpr.lifted`,
  so that the cost follows the rank, not the number of monomials;
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

from .errors import (
    InvalidArgumentError,
    ModelFormatError,
    ModelKindError,
    NumericalRankWarning,
    SizeLimitError,
)
from .exact import RankResult, exact_backend, exact_rank, independent_rows, matrix_rank, numerical_rank
from .fields import (
    DEFAULT_PRIME,
    GF,
    QQ,
    error_probability,
    matmul_mod,
    orbit_basis,
    power_mod,
    random_prime,
    suitable_prime,
)
from .lifted import entry_budget, feature_degrees, homogeneous_parameters, level_dimension
from .models import WFA, Arithmetic, Stack, check_words, run_recurrence
from .numbers import as_array, as_fractions, format_fraction, to_exact_array
from .results import CheckResult, Step
from .validation import check_int, check_tolerance, deprecated_positional, renamed_parameter, resolve_method, user_stacklevel
from .wfa import DEFAULT_RTOL, as_wfa, observable_basis, reachable_basis

__all__ = [
    "word_count",
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
    "DEFAULT_MAX_PROFILE_BLOCK",
]

#: Default budget for word enumeration.
DEFAULT_MAX_WORDS = 1_000_000
#: Default budget for the number of entries of an evaluated Hankel block.
DEFAULT_MAX_BLOCK_ENTRIES = 4_000_000


def word_count(alphabet_size: int, max_length: int, *, cap: int | None = None) -> int:
    """The number of words of length ``0..max_length`` over ``alphabet_size`` symbols.

    Counted without listing them; with ``cap``, the count stops at ``cap + 1`` as soon
    as it passes ``cap``, so a budget check on a hostile ``max_length`` (``10**12``)
    costs nothing.

    Parameters
    ----------
    alphabet_size : int
        ``d >= 1``.
    max_length : int
        ``K >= 0``.
    cap : int, optional
        Stop counting above this.

    Returns
    -------
    int
        ``K + 1`` for one letter, else ``(d^(K+1) - 1) / (d - 1)``; at most ``cap + 1``.

    See Also
    --------
    words_up_to : the words themselves.

    Examples
    --------
    >>> word_count(2, 3), word_count(1, 10**12), word_count(2, 10**12, cap=1000)
    (15, 1000000000001, 1001)
    """
    d = check_int(alphabet_size, "alphabet_size", minimum=1)
    k = check_int(max_length, "max_length", minimum=0)
    if d == 1:
        return k + 1 if cap is None else min(k + 1, cap + 1)
    if cap is None:
        return (d ** (k + 1) - 1) // (d - 1)
    total, level = 0, 1
    for _ in range(k + 1):
        total += level
        if total > cap:
            return cap + 1
        level *= d
    return total


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
    d = check_int(alphabet_size, "alphabet_size", minimum=1)
    k = check_int(length, "length", minimum=0)
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
    d = check_int(alphabet_size, "alphabet_size", minimum=1)
    k = check_int(max_length, "max_length", minimum=0)
    count = word_count(d, k, cap=max_words)
    if count > max_words:
        raise SizeLimitError(f"max_length: more than {max_words} words up to length {k}, above the budget "
                             f"max_words={max_words}")
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
    if isinstance(model_or_function, Stack | WFA):  # exactly when d is not None
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
        (smallest accepted relative residual over the largest rejected one), the
        final SVD gap, and the margins of what was discarded (the tolerance over the
        largest rejected residual or discarded singular value); below this value the
        rank is doubtful (it may be below the exact one) and a warning is raised.

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
    # (smallest accepted residual over largest rejected one), the final SVD gap, and the
    # margins of what was discarded (tolerance over the largest rejected residual or
    # discarded singular value): a vector or direction discarded close to the tolerance
    # may be structure, and the rank then below the exact one.
    gaps = [g for g in (fb.gap, ob.gap, res.gap) if g is not None]
    for basis in (fb, ob):
        if basis.max_rejected:
            gaps.append(rtol / basis.max_rejected)
    sv = np.linalg.svd(F @ B.T, compute_uv=False)
    if res.rank < len(sv) and sv[res.rank] > 0 and res.tolerance:
        gaps.append(res.tolerance / float(sv[res.rank]))
    gap = min(gaps) if gaps else math.inf
    if warn and gap < gap_warning:
        warnings.warn(
            f"numerical Hankel rank {res.rank} has an unclear gap {gap:.2e} (< {gap_warning:.0e}) at relative "
            f"tolerance {rtol:.1e}; use method='exact'",
            NumericalRankWarning,
            stacklevel=user_stacklevel(),
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

#: Default budget (entries) of one Hankel block evaluated by :func:`rank_profile` (the rank costs what it holds).
DEFAULT_MAX_PROFILE_BLOCK = 2048 * 2048


@dataclass(frozen=True)
class RankProfile:
    """Ranks of the Hankel blocks over all words of length ``<= k``, for ``k = 0..max_length``.

    Attributes
    ----------
    ranks : list of int
        ``ranks[k]`` = rank of ``H[Sigma^{<=k}, Sigma^{<=k}]`` (over GF(p) for the
        modular method: a lower bound on the rank over Q).
    exact : bool
        True for the exact method (every rank is the rank over Q).  A modular
        profile has ``exact=False`` even where ``proven`` shows ranks that are the
        ranks over Q.
    method : str
        ``"exact"``, ``"modular"`` or ``"numerical"``.
    tolerances, gaps : list of float, or None
        Numerical only: for each rank, the relative tolerance it was decided at
        (``rtol``, or the rounding level of the block when that is larger) and the
        margin of the decision: the smallest kept singular value over the larger of
        the next one and the rounding level.  A margin below 1e3 came with a
        :class:`~rnnexpr.errors.NumericalRankWarning`; it is below 1 when the warning
        has another reason (the rounding level above the tolerance, a singular value
        below the tolerance but above its rounding: the exact rank is larger, or a
        rank kept from ``k - 1``).  See :doc:`/guide/growth`.
    prefix_counts, suffix_counts : list of int
        Sizes of the prefix and suffix sets whose block gave each rank.
    prime : int or None
        The prime p of the modular computation (exact and modular methods).
    proven : list of bool
        ``proven[k]``: ``ranks[k]`` is the rank over Q, proven (exact arithmetic, or
        a rank mod p equal to the upper bound ``upper_bounds[k]``).  Otherwise the
        rank is a lower bound, equal to the rank over Q except with probability at
        most ``error_probability``.
    upper_bounds : list of int
        ``min(number of words of length <= k, r_k)``, with ``r_k`` the dimension of the
        level-k features (:func:`rnnexpr.lifted.level_dimension` of the augmented stack).
    error_probability : float or None
        Bound on the probability that some rank not proven is below the rank over Q
        (random prime and random sketches, Schwartz-Zippel); 0 when all are proven.

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
    proven: list[bool] = field(default_factory=list)
    upper_bounds: list[int] = field(default_factory=list)
    error_probability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serializable dictionary.

        Examples
        --------
        >>> from rnnexpr.models import random_wfa
        >>> sorted(rank_profile(random_wfa(2, 2, seed=0, exact=True), 1).to_dict())[:3]
        ['error_probability', 'exact', 'method']
        """
        d = {"ranks": list(self.ranks), "exact": self.exact, "method": self.method,
             "prefix_counts": list(self.prefix_counts), "suffix_counts": list(self.suffix_counts),
             "proven": list(self.proven), "upper_bounds": list(self.upper_bounds),
             "error_probability": self.error_probability}
        if self.prime is not None:
            d["prime"] = self.prime
        if self.tolerances is not None:
            d["tolerances"] = list(self.tolerances)
        if self.gaps is not None:
            d["gaps"] = [g if math.isfinite(g) else "inf" for g in self.gaps]
        return d


def _independent(M: np.ndarray, exact: bool, rtol: float) -> list[int]:
    """Indices of a maximal independent set of rows (first ones first)."""
    if M.shape[0] == 0 or M.shape[1] == 0:
        return []
    if exact:
        # Rows independent mod p are independent over Q: they are a basis when their number is the
        # rank over Q (one integer rank, on the tall orientation); otherwise exact elimination.
        Z = _integer_rows_array(M)
        Fp = GF(DEFAULT_PRIME)
        idx = Fp.independent_rows(Fp.matrix(Z))
        if len(idx) == QQ.rank(Z):
            return idx
        return QQ.independent_rows(Z)  # pragma: no cover - needs p to divide a minor
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


def _integer_rows_array(M: np.ndarray) -> np.ndarray:
    """Each row of an exact matrix times the lcm of its denominators (row dependencies unchanged)."""
    out = np.empty(M.shape, dtype=object)
    for i, row in enumerate(M):
        fr = [v if isinstance(v, Fraction) else Fraction(v) for v in row]
        q = math.lcm(*(v.denominator for v in fr)) if fr else 1
        out[i] = [v.numerator * (q // v.denominator) for v in fr]
    return out


@renamed_parameter("max_len", "max_length")
def rank_profile(model: Stack | WFA, max_length: int, *, method: str | None = None, exact: bool | None = None,
                 rtol: float = 1e-9, max_entries: int | None = None, output: int = 0, prime: int | None = None,
                 seed: int = 0, rounds: int = 1) -> RankProfile:
    """Ranks of ``H[Sigma^{<=k}, Sigma^{<=k}]`` for ``k = 0..max_length``, for stacks of any depth.

    ``H[u, v] = f(uv) = phi_k(u) . g_v`` (the lifted factorization, see
    :doc:`/theory/index`), but no monomial feature is materialized on the default
    paths: the rank is taken on a block ``H[P_k, S_k]`` evaluated by running the
    stack, for a prefix set ``P_k`` and a suffix set ``S_k`` grown level by level
    from the *reachable* part of the features, so the cost follows the rank:

    * suffixes ``S_k = W_0 + ... + W_k``: ``W_j`` holds words of length j whose
      functionals ``g_v`` span those of all words of length j, grown by prepending
      symbols to ``W_{j-1}`` (a dependent ``g_v`` stays dependent when a symbol is
      prepended); dependencies are decided on the values ``f_x(v)`` of the stack run
      from random states ``x`` (a random evaluation of the polynomials ``g_v``);
    * prefixes ``P_k``: breadth first, a prefix u of length t is pruned when
      ``phi_{2k-t}(u)`` depends on the kept ones (then so do all its extensions),
      decided on random functionals ``(c . h^L_u) prod_l (a_l . h^l_u)^{D_l}`` of
      the states (products of powers of linear forms span the dual of the features);
    * where the previous block was nearly full, the whole block (every word of
      length ``<= 2k`` evaluated once) when it fits ``DEFAULT_MAX_PROFILE_BLOCK``.

    Parameters
    ----------
    model : Stack or WFA
        Any stack of linear 2RNN layers on one-hot inputs (scalar output row ``output``).
    max_length : int
        Largest k (formerly ``max_len``, still accepted with a DeprecationWarning).
    method : {"exact", "modular", "numerical"}, optional
        By the rule of :func:`rnnexpr.validation.resolve_method` (exact input: exact;
        float input: numerical).  ``"modular"``: ranks over GF(p) for a random 31-bit
        prime p (lower bounds on the ranks over Q; ``proven`` marks those equal to
        the upper bound ``min(#words, r_k)``, hence exact; the others are exact
        except with probability ``error_probability``).  ``"exact"``: the modular
        ranks where proven, the others recomputed over Q by the monomial-feature
        bases (a proof; :class:`~rnnexpr.errors.SizeLimitError` when those features
        exceed ``max_entries``).  ``"numerical"``: float64, by evaluation like the
        modular method (never the monomial features), the stack run with every state
        renormalized by a power of two (no value overflows, whatever its range): the
        sets are pruned of words whose residual is within its rounding, and each
        block is ranked by SVD (of the Schur complement of the previous pivots, or of
        the whole block, whichever shows more); a singular value counts when above
        ``rtol`` times the norm of the block and above its rounding level, measured
        on a reference run in extended precision.  Every rank is numerical, not
        proven, with its tolerance and gap; the profile never decreases.
    exact : bool, optional
        ``True`` means ``method="exact"``, ``False`` ``"numerical"``; a conflict raises.
    rtol : float
        Numerical only: relative tolerance of the singular values (relative to the
        norm of the block, rescaled by powers of two on rows and columns).
    max_entries : int, optional
        Budget of array entries for the monomial features and cores of the exact
        method and for every evaluated block, the numerical method's pruning tests
        included (default ``DEFAULT_MAX_PROFILE_BLOCK``).
    output : int
        Readout row.
    prime : int, optional
        The prime (default: drawn by :func:`rnnexpr.fields.random_prime` from ``seed``).
    seed : int
        Seed of the prime and of the random sketches.
    rounds : int
        Modular and exact methods: independent repetitions (primes and sketches from
        ``seed, seed + 1, ...``); each rank is the largest found (still a lower bound),
        and the error probability is the product of the rounds' bounds.

    Returns
    -------
    RankProfile

    Raises
    ------
    SizeLimitError
        When a block whose rank is needed exceeds the budget (the message names the size),
        or, numerical method, when ``max_length`` is beyond the ``work`` budget
        (:mod:`rnnexpr.limits`) before anything is evaluated.
    ConflictingArgumentsError
        When ``method`` and ``exact`` disagree.

    See Also
    --------
    rnnexpr.growth.rank_growth : the growth of the profile with depth.

    Examples
    --------
    >>> from rnnexpr.constructions import t5_witness
    >>> rank_profile(t5_witness(), 3).ranks
    [1, 2, 3, 4]
    >>> from rnnexpr.growth import generic_stack
    >>> p = rank_profile(generic_stack([2, 2, 2], 2, seed=0), 4, method="modular")
    >>> p.ranks, p.proven
    ([1, 3, 7, 15, 31], [True, True, True, True, True])

    A float model gets the numerical method, each rank with its tolerance and gap:

    >>> q = rank_profile(generic_stack([2, 2, 2], 2, seed=0).to_float(), 4)
    >>> q.method, q.ranks, q.proven[-1], min(q.gaps) > 1e3
    ('numerical', [1, 3, 7, 15, 31], False, True)
    """
    K = check_int(max_length, "max_length", minimum=0)
    if not isinstance(model, Stack | WFA):
        raise ModelKindError(f"model: expected a Stack or a WFA, got {type(model).__name__}")
    method = resolve_method(model.is_exact, method, exact)
    output = check_int(output, "output", minimum=0)
    seed = check_int(seed, "seed", minimum=0)
    rtol = check_tolerance(rtol)
    if prime is not None:
        GF(check_int(prime, "prime", minimum=2))  # validates primality
    block_budget = DEFAULT_MAX_PROFILE_BLOCK if max_entries is None else check_int(max_entries, "max_entries",
                                                                                   minimum=1)
    if method == "numerical":
        from threadpoolctl import threadpool_limits

        # One BLAS thread: the blocks are small (hundreds of rows), where threads only add synchronization,
        # and under load every factorization waits for a descheduled thread (measured: 60x slower).
        with threadpool_limits(limits=1, user_api="blas"):
            return _rank_profile_numerical(model.to_float() if model.is_exact else model, K, rtol, block_budget,
                                           output)
    exact_model = model if model.is_exact else model.to_exact()
    hp = homogeneous_parameters(exact_model, output=output, force_constant=True)
    rounds = check_int(rounds, "rounds", minimum=1)
    prof = _rank_profile_modular(hp, K, prime=prime, seed=seed, block_budget=block_budget)
    for extra in range(1, rounds):
        if all(prof.proven):
            break
        other = _rank_profile_modular(hp, K, prime=None, seed=seed + extra, block_budget=block_budget)
        best = [max(a, b) for a, b in zip(prof.ranks, other.ranks, strict=True)]
        proven = [r == u for r, u in zip(best, prof.upper_bounds, strict=True)]
        eps = 0.0 if all(proven) else min(1.0, (prof.error_probability or 0.0) * (other.error_probability or 0.0))
        prof = RankProfile(best, False, "modular", None, None,
                           [max(a, b) for a, b in zip(prof.prefix_counts, other.prefix_counts, strict=True)],
                           [max(a, b) for a, b in zip(prof.suffix_counts, other.suffix_counts, strict=True)],
                           prof.prime, proven, list(prof.upper_bounds), eps)
    if method == "modular":
        return prof
    # Exact: the proven modular ranks are the rational ones; the others by exact monomial-feature bases.
    todo = [k for k in range(K + 1) if not prof.proven[k]]
    ranks = list(prof.ranks)
    pcounts, scounts = list(prof.prefix_counts), list(prof.suffix_counts)
    d = hp.alphabet_size
    small = [k for k in todo if word_count(d, k) ** 2 <= min(block_budget, DEFAULT_MAX_EXACT_BLOCK)]
    if small:
        values = hp.word_values(2 * max(small))
        for k in small:
            ranks[k] = QQ.rank(_full_block(values, d, k, object))
            pcounts[k] = scounts[k] = word_count(d, k)
        todo = [k for k in todo if k not in small]
    if todo:
        try:
            _check_feature_work(exact_model, max(todo), "max_length")
            exact_ranks = _rank_profile_features(hp, todo, True, rtol, entry_budget(True, max_entries=max_entries))
        except SizeLimitError as err:
            k = todo[0]
            raise SizeLimitError(
                f"max_entries: the exact rank at k={k} (mod p it is {prof.ranks[k]} < {prof.upper_bounds[k]} = "
                f"min(words, r_k), so it is not proven by the modular method) needs the monomial features: {err}; "
                f"use method='modular' for a lower bound with its error probability"
            ) from None
        for k, (r, pc, sc) in exact_ranks.items():
            ranks[k], pcounts[k], scounts[k] = r, pc, sc
    return RankProfile(ranks, True, "exact", None, None, pcounts, scounts, prof.prime, [True] * (K + 1),
                       list(prof.upper_bounds), 0.0)


# --- the modular path: evaluation only, cost following the rank ------------------------------

#: Largest block (entries) ranked over Q by the exact method when the modular rank is not proven.
DEFAULT_MAX_EXACT_BLOCK = 64 * 64


def _full_block(values: list[np.ndarray], d: int, k: int, dtype: Any) -> np.ndarray:
    """H[Sigma^{<=k}, Sigma^{<=k}] from the values of every word of each length (base-d order)."""
    M = word_count(d, k)
    block = np.empty((M, M), dtype=dtype)
    r0 = 0
    for a in range(k + 1):
        rows = np.arange(d ** a, dtype=np.int64)
        c0 = 0
        for b in range(k + 1):
            cols = np.arange(d ** b, dtype=np.int64)
            block[r0:r0 + d ** a, c0:c0 + d ** b] = values[a + b][rows[:, None] * d ** b + cols[None, :]]
            c0 += d ** b
        r0 += d ** a
    return block



def _rank_profile_modular(hp, K: int, *, prime: int | None, seed: int, block_budget: int) -> RankProfile:
    """rank_profile over GF(p) by evaluation (see rank_profile); every rank labelled proven or lower bound."""
    d, L = hp.alphabet_size, hp.depth
    p = random_prime(seed, avoid=hp.common_denominator()) if prime is None else int(prime)
    F = GF(p)
    hm = hp.residues(p)
    rng = np.random.default_rng(seed)
    readout_bits = math.log2(max(1.0, max((abs(float(v)) for v in hp.readout), default=1.0)) + 1)
    read_den = math.log2(max(1, hp.common_denominator()))
    state_bounds = hp.log2_bounds(2 * K)
    coef_bounds = hp.log2_bounds(2 * K, start="ones")
    eps_sketch: dict[str, float] = {}
    eps_prime_bits: list[float] = []  # log2 bounds of the minors a test relies on

    def value_bits(n: int) -> float:
        """log2 bound on |D * f(w)|, |w| <= n, D a common denominator of all those values."""
        e = max((b[0][-1] for b in state_bounds[: n + 1]), default=0.0)
        e = 0.0 if e == -math.inf else e
        return e + readout_bits + state_bounds[n][1][-1] + read_den

    def random_states(c: int) -> list[np.ndarray]:
        return [rng.integers(0, p, size=(c, N), dtype=np.int64) for N in hp.widths]

    # Suffix words W_j, one length at a time (the same for every k).
    W: list[list[tuple[int, ...]]] = []
    dims = [hp.dimension(j) for j in range(2 * K + 1)]
    suffix_limit = [False]  # set when W_j grows too large to be worth computing further

    def grow_suffixes(j: int) -> bool:
        """Compute W_0..W_j; False when stopped by the evaluation budget (then only W_0..W_{j'} exist)."""
        while len(W) <= j:
            t = len(W)
            cands = [()] if t == 0 else [(s,) + w for s in range(d) for w in W[-1]]
            if not cands:
                W.append([])
                continue
            c = min(len(cands), dims[t] if t < len(dims) else hp.dimension(t))
            if t > K and c * len(cands) * t > block_budget:
                suffix_limit[0] = True
                return False
            Z = hm.values_from_states(random_states(c), cands).T  # (cands, c)
            keep = F.independent_rows(Z) if Z.size else []
            W.append([cands[i] for i in keep])
            deg = sum(feature_degrees(L, t))
            eps_sketch[f"s{t}"] = c * deg / p
            cb = coef_bounds[min(t, len(coef_bounds) - 1)]
            ent = max(cb[0][-1], 0.0) + cb[1][-1] + readout_bits + read_den
            eps_prime_bits.append(c * (0.5 * math.log2(max(c, 1)) + max(ent, 0.0)))
        return True

    def prefix_set(k: int) -> list[tuple[int, ...]]:
        kept: list[tuple[int, ...]] = [()]
        frontier: list[tuple[int, ...]] = [()]
        for t in range(1, k + 1):
            cands = kept + [u + (s,) for u in frontier for s in range(d)]
            n = 2 * k - t
            # The functional of u on all suffixes of length <= n is decided on the suffix words W_0..W_n
            # (their functionals span those of all suffixes): exact, and it prunes by the Hankel rows.
            if len(cands) <= 32:  # too few to be worth a test: keeping them all is correct
                kept, frontier = cands, [w for w in cands if len(w) == t]
                continue
            S_n = None
            if hp.dimension(n) > len(cands) and not suffix_limit[0] and grow_suffixes(n):
                S_n = [w for j in range(n + 1) for w in W[j]]
                if len(cands) * len(S_n) * max(n, 1) > block_budget:
                    S_n = None
            if S_n is None and hp.dimension(n) >= len(cands):
                # The feature sketch cannot prune here (as many dimensions as candidates): keep all.
                kept, frontier = cands, [w for w in cands if len(w) == t]
                continue
            states = hm.states_after(cands)
            if S_n is not None:
                Y = hm.values_from_states(states, S_n)
                c = len(S_n)
                eps_prime_bits.append(min(len(cands), c) * (0.5 * math.log2(max(c, 2)) + value_bits(2 * k)))
                # The row rank is at most min(#rows, r_n): random combinations of the columns, that many, keep
                # the row dependencies (w.h.p.) and shrink the elimination.
                target = min(len(cands), hp.dimension(n))
                if c > target:
                    Y = matmul_mod(Y, rng.integers(0, p, size=(c, target), dtype=np.int64), p)
                    eps_sketch[f"q{k},{t}"] = target / p
            else:
                # Random functionals of the monomial features phi_n (products of powers of linear forms).
                degs = feature_degrees(L, n)
                c = min(len(cands), hp.dimension(n))
                Y = matmul_mod(states[-1], rng.integers(0, p, size=(hp.widths[-1], c), dtype=np.int64), p)
                for l in range(L - 1):
                    lin = matmul_mod(states[l], rng.integers(0, p, size=(hp.widths[l], c), dtype=np.int64), p)
                    Y = Y * power_mod(lin, degs[l], p) % p
                eps_sketch[f"p{k},{t}"] = c * (1 + sum(degs[:-1])) / p
                mags = [max(max(b[0][l] for b in state_bounds[: t + 1]), 0.0) for l in range(L)]
                ent = sum(D * (e + q) for D, e, q in zip(degs, mags, state_bounds[t][1], strict=True))
                eps_prime_bits.append(c * (0.5 * math.log2(max(c, 1)) + ent))
            idx = F.independent_rows(Y)
            kept = [cands[i] for i in idx]
            frontier = [w for w in kept if len(w) == t]
            if not frontier:
                break
        return kept

    all_values: list[np.ndarray] = []  # values of every word of length n, in base-d order

    def values_up_to(n: int) -> None:
        if len(all_values) <= n:
            all_values[:] = hm.word_values(n)

    ranks: list[int]
    ranks, proven, bounds, pcounts, scounts = [], [], [], [], []
    unproven_bits: list[float] = []
    for k in range(K + 1):
        M = word_count(d, k)
        bound = min(M, dims[k])
        full_before = k == 0 or 2 * ranks[-1] > word_count(d, k - 1)
        if full_before and M * M <= block_budget and d ** (2 * k) * sum(hp.widths) <= 8 * block_budget:
            values_up_to(2 * k)
            r = F.rank(_full_block(all_values, d, k, np.int64))
            pcounts.append(M)
            scounts.append(M)
        else:
            grow_suffixes(k)
            S = [w for j in range(k + 1) for w in W[j]]
            P = prefix_set(k)
            size = len(P) * len(S)
            if size > block_budget:
                raise SizeLimitError(
                    f"max_entries: the block at k={k} has {len(P)} x {len(S)} = {size} entries (its rank can be "
                    f"up to {min(len(P), len(S))}), above the budget max_entries={block_budget}"
                )
            block = hm.values_from_states(hm.states_after(P), S) if P and S else np.zeros((0, 0), dtype=np.int64)
            r = F.rank(block) if block.size else 0
            pcounts.append(len(P))
            scounts.append(len(S))
        ranks.append(int(r))
        bounds.append(int(bound))
        proven.append(r == bound)
        if r != bound and r > 0:
            unproven_bits.append(r * (0.5 * math.log2(r) + value_bits(2 * k)))
    if all(proven):
        eps = 0.0
    else:
        eps = sum(eps_sketch.values())
        for bits in eps_prime_bits + unproven_bits:
            eps += error_probability(bits)
        eps = min(1.0, eps)
    return RankProfile(ranks, False, "modular", None, None, pcounts, scounts, p, proven, bounds, eps)


# --- monomial-feature bases (exact proofs where the modular rank is not proven) ---------------


def _suffix_bases(hp, K: int, exact: bool, rtol: float, budget: int) -> list[np.ndarray]:
    """Bases (columns) of the suffix functionals at levels 0..K, by the backward recursion through the cores."""
    d = hp.alphabet_size
    Sj = hp.readout.reshape(-1, 1)
    bases = [Sj[:, _independent(Sj.T, exact, rtol)]]
    for j in range(1, K + 1):
        core = hp.core(j, max_entries=budget)
        if exact:
            cand = np.concatenate([_exact_product(core[:, s, :], bases[-1]) for s in range(d)], axis=1)
        else:
            cand = np.concatenate([core[:, s, :] @ bases[-1] for s in range(d)], axis=1)
        bases.append(cand[:, _independent(cand.T, exact, rtol)])
    return bases


def _embed_rows(hp, j: int, k: int, S: np.ndarray, exact: bool) -> np.ndarray:
    """Embed level-j functionals (columns) into level k: g = Pi S with Pi a coordinate injection."""
    idx = hp.embedding_index(j, k)
    out = np.zeros((hp.dimension(k), S.shape[1]), dtype=object if exact else np.float64)
    if exact:
        out[...] = Fraction(0)
    out[idx] = S
    return out


def _prefix_basis(hp, k: int, exact: bool, rtol: float, budget: int) -> list[tuple[int, ...]]:
    """Words u, |u| <= k, whose phi_k(u) span all phi_k(u') with |u'| <= k (pruning at level 2k - t).

    ``hp`` may be the integer form (:meth:`~rnnexpr.lifted.HomogeneousParameters.integer_form`).
    """
    d = hp.alphabet_size
    kept: list[tuple[int, ...]] = [()]
    frontier: list[tuple[int, ...]] = [()]
    for t in range(1, k + 1):
        words = kept + [u + (s,) for u in frontier for s in range(d)]
        size = len(words) * hp.dimension(2 * k - t)
        if size > budget:
            raise SizeLimitError(
                f"max_entries: the level-{2 * k - t} features of {len(words)} prefixes have {size} entries, "
                f"above the budget max_entries={budget}"
            )
        F = hp.features(hp.states_after(words), 2 * k - t)
        idx = _independent(F, exact, rtol)
        kept = [words[i] for i in idx]
        frontier = [words[i] for i in idx if len(words[i]) == t]
        if not frontier:
            break
    if k == 0:
        F = hp.features(hp.states_after(kept), 0)
        if not np.any(F != 0):
            return []
    return kept


def _check_feature_work(model: Stack | WFA, k_max: int, what: str) -> None:
    """Refuse, before starting, a monomial-feature computation up to level ``k_max`` above the ``work`` budget.

    Its cost grows like the sum of the squared level dimensions (forming and reducing
    the features of each level), which for a deep stack or a long profile on a
    one-letter alphabet is far above what the word count suggests.
    """
    from .limits import check_work, current

    limit = current().work
    total = 0
    for m in range(k_max + 1):  # stop summing once past the budget: a hostile k_max costs nothing
        total += level_dimension(model, m) ** 2
        if total > limit:
            break
    check_work(total, f"{what}: the monomial features up to level {k_max}")


def _rank_profile_features(hp, ks: list[int], exact: bool, rtol: float,
                           budget: int) -> dict[int, tuple[int, int, int]]:
    """Exact ranks at the levels ks from monomial-feature bases: {k: (rank, prefixes, suffixes)}."""
    bases = _suffix_bases(hp, max(ks), exact, rtol, budget)
    hq = hp.integer_form()
    out = {}
    for k in ks:
        G = np.concatenate([_embed_rows(hp, j, k, bases[j], exact) for j in range(k + 1)], axis=1)
        if G.shape[1]:
            G = G[:, _independent(G.T, exact, rtol)]
        prefixes = _prefix_basis(hq, k, exact, rtol, budget)
        if not prefixes or G.shape[1] == 0:
            out[k] = (0, len(prefixes), int(G.shape[1]))
            continue
        Phi = hq.features(hq.states_after(prefixes), k)
        out[k] = (QQ.rank(_exact_product(as_fractions(Phi), G)), len(prefixes), int(G.shape[1]))
    return out


# --- the numerical path: float evaluation, cost following the numerical rank ----------------------

_Word = tuple[int, ...]
#: Unit roundoff of float64.
_UNIT = 2.0 ** -53
#: A rank decision whose margin (see :func:`_numerical_rank_of_block`) is below this is unclear: it warns.
_GAP_WARNING = 1e3
#: Evaluated (prefix, suffix) pairs kept for reuse by one numerical profile (32 bytes each), and the number of
#: distinct words they may involve (a table of 4 bytes per pair of words: 64 MB at most).
_MAX_CACHED_PAIRS = 1_000_000
_MAX_CACHED_WORDS = 4096
#: The reference run's type: x87 extended precision (64-bit mantissa) where numpy has it, else None
#: (then the reference is a float64 run with rounding-sized random errors, ``_JITTER`` units each).
_EXTENDED: Any = np.longdouble if np.finfo(np.longdouble).eps < 2.0**-60 else None
_JITTER = 16.0


def _normalized_rows(m: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row of ``m`` divided by a power of two so that its largest entry is in [1/2, 1); the powers added to e.

    Exact in floating point, so ``m * 2**e`` is unchanged (a zero row stays as it is).
    """
    peak = np.max(np.abs(m), axis=1) if m.shape[1] else np.zeros(m.shape[0])
    _, shift = np.frexp(peak)
    return np.ldexp(m, -shift[:, None]), e + shift


def _pseudo_uniform(x: np.ndarray) -> np.ndarray:
    """Numbers in [-1, 1) hashed from the bits of x: the same computation always draws the same numbers.

    The jittered reference run (where there is no extended precision) must be a
    function of what it perturbs, so that the fixed point of
    :func:`_rank_profile_numerical`, which re-reads blocks, sees the same run each
    time (a splitmix64 finalizer of the float's bits).
    """
    h = np.ascontiguousarray(x, dtype=np.float64).view(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    h ^= h >> np.uint64(29)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(32)
    return (h >> np.uint64(11)).astype(np.float64) * (2.0 / 2.0**53) - 1.0


@dataclass(frozen=True)
class _Width:
    """What :func:`rnnexpr.models.run_recurrence` reads of a layer (the terms come from the arithmetic)."""

    width: int


class _ScaledFloatArithmetic(Arithmetic):
    """The homogeneous form in floating point with a power-of-two exponent per row and layer.

    A state is ``(m, e)``: the rows of ``m * 2**e[:, None]``, every row of ``m``
    renormalized after each step (:func:`_normalized_rows`), so no word overflows or
    underflows however long it is or however large the parameters (a depth-3 stack
    with integer weights reaches 2^6500 at length 16).  The arrays' type is the
    run's (float64, or extended for the reference run).  With ``jitter``, every
    step's result is moved by ``_JITTER`` units in the last place of the absolute
    values' product times a number in [-1, 1): a float64 reference run whose errors
    are larger than, and independent of, the plain run's rounding (Monte Carlo
    arithmetic, Parker 1997), used where there is no extended precision.
    """

    def __init__(self, first: np.ndarray, bilinear: Sequence[np.ndarray], start: list[tuple[np.ndarray, np.ndarray]],
                 jitter: bool) -> None:
        self.M = first.transpose(1, 0, 2)  # M[s] = A_s
        self.bilinear = list(bilinear)
        self.start, self.jitter = start, jitter

    def terms(self, index: int, layer: Any) -> int:
        return index

    def initial(self, terms: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        return self.start[terms]

    def block(self, widths: Any) -> int:
        return 1  # stream: one (B, N_l) state per layer

    def collect(self, states: list) -> list:
        return states

    def step(self, terms: int, h: Any, z: Any, drive: Any) -> tuple[np.ndarray, np.ndarray]:
        m, e = h
        if terms == 0:  # z: the symbol of each row
            new = np.einsum("bi,bij->bj", m, self.M[z])
            if self.jitter:
                size = np.einsum("bi,bij->bj", np.abs(m), np.abs(self.M[z]))
                new = new + _JITTER * _UNIT * _pseudo_uniform(new) * size
            return _normalized_rows(new, e)
        zm, ze = z  # the new state of the layer below
        B = self.bilinear[terms - 1]
        new = np.einsum("bj,bjk->bk", zm, np.tensordot(m, B, axes=(1, 0)))
        if self.jitter:
            size = np.einsum("bj,bjk->bk", np.abs(zm), np.tensordot(np.abs(m), np.abs(B), axes=(1, 0)))
            new = new + _JITTER * _UNIT * _pseudo_uniform(new) * size
        return _normalized_rows(new, e + ze)


class _FloatHankel:
    """Hankel entries ``f(uv)`` of a float stack as mantissas and exponents, in two runs.

    Run 0 is the float64 evaluation whose blocks are ranked; run 1 the *reference*:
    the same computation in extended precision (11 more bits, so its difference with
    run 0 is run 0's rounding error, to a 2^-11 relative error), or, where numpy has
    no extended type, a jittered float64 rerun (:class:`_ScaledFloatArithmetic`),
    whose difference overestimates it.  What rounding does to a block, a Schur
    complement or a residual computed from the values is then read off the same
    computation on the reference values.

    The states after each prefix are computed once (both runs) and kept; each
    (prefix, suffix) pair is evaluated once and kept (up to ``_MAX_CACHED_PAIRS``),
    so the tests of :func:`_rank_profile_numerical` can re-read blocks that overlap.
    """

    def __init__(self, hp: Any) -> None:
        self.d, self.widths = hp.alphabet_size, tuple(hp.widths)
        self.params = []
        for dtype in (np.float64, _EXTENDED or np.float64):
            self.params.append((np.asarray(hp.first, dtype=np.float64).astype(dtype),
                                [np.asarray(B, dtype=np.float64).astype(dtype) for B in hp.bilinear],
                                [np.asarray(h, dtype=np.float64).astype(dtype) for h in hp.h0],
                                np.asarray(hp.readout, dtype=np.float64).astype(dtype)))
        self.jitter = _EXTENDED is None
        self.layers = [_Width(w) for w in self.widths]
        self._states: tuple[dict[_Word, list], dict[_Word, list]] = ({}, {})
        self._ids: dict[_Word, int] = {}
        self._slot = np.full((0, 0), -1, dtype=np.int32)  # _slot[id(u), id(v)]: where f(uv) is kept, -1: not yet
        self._used = 0
        self._store = [np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int64)]

    def _run(self, ref: bool, start: list[tuple[np.ndarray, np.ndarray]], symbols: np.ndarray) -> list:
        first, bilinear, _, _ = self.params[ref]
        arithmetic = _ScaledFloatArithmetic(first, bilinear, start, ref and self.jitter)
        return run_recurrence(self.layers, symbols, arithmetic, keep="final")

    def _initial(self, ref: bool, rows: int) -> list[tuple[np.ndarray, np.ndarray]]:
        return [_normalized_rows(np.broadcast_to(h, (rows, h.shape[0])).copy(), np.zeros(rows, dtype=np.int64))
                for h in self.params[ref][2]]

    def _readout(self, ref: bool, states: list) -> tuple[np.ndarray, np.ndarray]:
        """The values after the states, as float64 mantissas in [1/2, 1) (or 0) and exponents."""
        readout = self.params[ref][3]
        m, e = states[-1]
        value = m @ readout
        if ref and self.jitter:
            value = value + _JITTER * _UNIT * _pseudo_uniform(value) * (np.abs(m) @ np.abs(readout))
        v, ex = _normalized_rows(value[:, None], e)
        return v[:, 0].astype(np.float64), ex

    def _prefix_states(self, words: list[_Word]) -> None:
        for ref, cache in enumerate(self._states):
            by_length: dict[int, list[_Word]] = {}
            for w in dict.fromkeys(words):
                if w not in cache:
                    by_length.setdefault(len(w), []).append(w)
            for t, ws in by_length.items():
                states = self._initial(bool(ref), len(ws))
                if t:
                    states = self._run(bool(ref), states, np.array(ws, dtype=np.int64).reshape(len(ws), t).T)
                for i, w in enumerate(ws):
                    cache[w] = [(m[i], e[i]) for m, e in states]

    def _id(self, w: _Word) -> int:
        i = self._ids.get(w)
        if i is None:
            i = self._ids[w] = len(self._ids)
        return i

    def values(self, rows: list[_Word], cols: list[_Word]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(V, E, V2, E2)``: ``f(uv) = V 2**E`` for u in rows, v in cols, and the reference run's ``V2 2**E2``."""
        if not rows or not cols:
            zero = np.zeros((len(rows), len(cols)))
            return zero, zero.astype(np.int64), zero.copy(), zero.astype(np.int64)
        if (self._used + len(rows) * len(cols) > _MAX_CACHED_PAIRS
                or len(self._ids) + len(rows) + len(cols) > _MAX_CACHED_WORDS):  # forget rather than hold more
            self._ids.clear()
            self._slot = np.full((0, 0), -1, dtype=np.int32)
            self._used = 0
        iu = np.array([self._id(u) for u in rows], dtype=np.int64)
        iv = np.array([self._id(v) for v in cols], dtype=np.int64)
        n = len(self._ids)
        if n > self._slot.shape[0]:
            size = max(n, min(2 * n, _MAX_CACHED_WORDS))
            grown = np.full((size, size), -1, dtype=np.int32)
            grown[:self._slot.shape[0], :self._slot.shape[1]] = self._slot
            self._slot = grown
        slots = self._slot[np.ix_(iu, iv)]
        missing = np.argwhere(slots < 0)
        if missing.size:
            self._evaluate([rows[i] for i in missing[:, 0]], [cols[j] for j in missing[:, 1]],
                           iu[missing[:, 0]], iv[missing[:, 1]])
            slots = self._slot[np.ix_(iu, iv)]
        V, E, V2, E2 = (a[slots] for a in self._store)
        return V, E, V2, E2

    def _evaluate(self, us: list[_Word], vs: list[_Word], iu: np.ndarray, iv: np.ndarray) -> None:
        """Evaluate the pairs ``(us[i], vs[i])`` (word ids ``iu[i]``, ``iv[i]``) in both runs and keep them."""
        self._prefix_states(us)
        start = self._used
        need = start + len(us)
        if need > len(self._store[0]):
            size = max(need, 2 * len(self._store[0]), 1024)
            self._store = [np.concatenate([a, np.zeros(size - len(a), dtype=a.dtype)]) for a in self._store]
        by_length: dict[int, list[int]] = {}
        for i, v in enumerate(vs):
            by_length.setdefault(len(v), []).append(i)
        for ref, cache in enumerate(self._states):
            for j, idx in by_length.items():
                states = [(np.stack([cache[us[i]][l][0] for i in idx]), np.array([cache[us[i]][l][1] for i in idx]))
                          for l in range(len(self.widths))]
                if j:
                    states = self._run(bool(ref), states, np.array([vs[i] for i in idx], dtype=np.int64).T)
                mantissa, exponent = self._readout(bool(ref), states)
                pos = start + np.array(idx, dtype=np.int64)
                self._store[2 * ref][pos] = mantissa
                self._store[2 * ref + 1][pos] = exponent
        self._slot[iu, iv] = start + np.arange(len(us), dtype=np.int32)
        self._used = need

    def all_word_values(self, n: int) -> list[tuple[np.ndarray, ...]]:
        """``(v, e, v2, e2)`` of every word of each length ``0..n`` (base-d order), both runs, breadth first."""
        d = self.d
        runs = []
        for ref in (False, True):
            states = self._initial(ref, 1)
            out = [self._readout(ref, states)]
            for _ in range(n):
                B = states[0][0].shape[0]
                states = [(np.repeat(m, d, axis=0), np.repeat(e, d)) for m, e in states]
                states = self._run(ref, states, np.tile(np.arange(d, dtype=np.int64), B)[None, :])
                out.append(self._readout(ref, states))
            runs.append(out)
        return [(a[0], a[1], b[0], b[1]) for a, b in zip(*runs)]


def _full_block_values(values: list[tuple[np.ndarray, ...]], d: int, k: int) -> list[np.ndarray]:
    """``(V, E, V2, E2)`` on all words of length <= k (rows and columns, shortest first, base-d order)."""
    M = word_count(d, k)
    out = [np.empty((M, M)), np.empty((M, M), dtype=np.int64), np.empty((M, M)), np.empty((M, M), dtype=np.int64)]
    r0 = 0
    for a in range(k + 1):
        rows = np.arange(d**a, dtype=np.int64)
        c0 = 0
        for b in range(k + 1):
            index = rows[:, None] * d**b + np.arange(d**b, dtype=np.int64)[None, :]
            for X, x in zip(out, values[a + b]):
                X[r0:r0 + d**a, c0:c0 + d**b] = x[index]
            c0 += d**b
        r0 += d**a
    return out


def _scaled_pair(V: np.ndarray, E: np.ndarray, V2: np.ndarray, E2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The block ``V 2**E`` and its reference ``V2 2**E2``, multiplied by the same powers of two on rows and columns.

    Such a scaling is exact and leaves the rank unchanged.  Each entry is measured
    by the size of the computation behind it: the larger of its value and its
    rounding error (the difference with the reference) over the unit roundoff, so
    that an entry which is rounding -- an exact zero of the model, computed as a
    residue of cancellations -- stays as small next to its row and column as it is
    (scaled by its value, a row of such residues would look like rank).  First in
    the exponents (every row's, then every column's largest measure brought to
    about 1, so that nothing overflows whatever the range of the values), then by
    the rows' and columns' 2-norms of the measures; entries below 2^-1100 of their
    row and column become 0.
    """
    R, C = V.shape
    if V.size == 0:
        return np.zeros((R, C)), np.zeros((R, C))

    def log2_size(m: np.ndarray, e: np.ndarray) -> np.ndarray:
        out = (e + np.frexp(m)[1]).astype(np.float64)
        out[m == 0] = -np.inf
        return out

    value, reference = log2_size(V, E), log2_size(V2, E2)
    top = np.maximum(value, reference)
    top = np.where(np.isfinite(top), top, 0.0).astype(np.int64)
    diff = np.ldexp(V, np.clip(E - top, -1100, 0)) - np.ldexp(V2, np.clip(E2 - top, -1100, 0))
    size = np.maximum(value, log2_size(diff, top) + 53)
    r, c = np.zeros(R), np.zeros(C)
    for _ in range(2):
        peak = np.max(size + c[None, :], axis=1)
        r = np.where(np.isfinite(peak), -peak, 0.0)
        peak = np.max(size + r[:, None], axis=0)
        c = np.where(np.isfinite(peak), -peak, 0.0)
    shift = (r[:, None] + c[None, :]).astype(np.int64)
    B = np.ldexp(V, np.clip(E + shift, -1100, 1100))
    B2 = np.ldexp(V2, np.clip(E2 + shift, -1100, 1100))
    for _ in range(2):
        for axis in (1, 0):
            norms = np.linalg.norm(np.maximum(np.abs(B), np.abs(B - B2) * 2.0**53), axis=axis)
            f = np.exp2(-np.round(np.log2(np.where(norms > 0, norms, 1.0))))
            f = f[:, None] if axis == 1 else f[None, :]
            B, B2 = B * f, B2 * f
    return B, B2


def _independent_float_rows(Y: np.ndarray, Y2: np.ndarray, block: int = 32) -> list[int]:
    """Rows of Y independent of the earlier kept ones, first ones first: elimination with column pivoting.

    Row i is compared with the rows kept before it: after eliminating them, its
    residual is kept when it is more than twice its own change in ``Y2``
    (the same elimination on the reference values) -- a residual that moves by
    about itself is rounding, so the row is dependent as far as floats can tell.
    The comparison is per row and scale free, so a row whose independent part is
    far smaller than its entries (graded blocks: the values of a deep stack span
    thousands of binary orders) is still seen.  Left-looking by blocks of rows: a
    block is eliminated against all earlier pivots at once (one triangular solve
    and one product), then row by row within the block.
    """
    import scipy.linalg

    R, C = Y.shape
    kept: list[int] = []
    if R == 0 or C == 0:
        return kept
    U, U2 = np.zeros((min(R, C), C)), np.zeros((min(R, C), C))  # the pivot rows, eliminated
    cols: list[int] = []
    floor = C * _UNIT * np.max(np.abs(Y), axis=1)
    for b0 in range(0, R, block):
        X, X2 = Y[b0:b0 + block].copy(), Y2[b0:b0 + block].copy()
        m = len(cols)
        if m:
            c = np.array(cols)
            for Z, P in ((X, U[:m]), (X2, U2[:m])):
                # P[:, c] is upper triangular (pivot q is zero in the pivot rows after it); Z[:, c] = A P[:, c].
                A = scipy.linalg.solve_triangular(P[:, c], Z[:, c].T, trans="T", lower=False).T
                Z -= A @ P
                Z[:, c] = 0.0
        i = 0
        while i < len(X) and len(cols) < min(R, C):
            residual = np.max(np.abs(X[i:]), axis=1)
            moved = np.max(np.abs(X[i:] - X2[i:]), axis=1) + floor[b0 + i:b0 + len(X)]
            passing = np.nonzero(residual > 2.0 * moved)[0]
            if not passing.size:
                break
            p = i + int(passing[0])
            j = int(np.argmax(np.abs(X[p])))
            if X2[p, j] == 0:  # rounding moved the reference's pivot to 0: take the plain one
                X2[p, j] = X[p, j]
            U[len(cols)], U2[len(cols)] = X[p], X2[p]
            cols.append(j)
            kept.append(b0 + p)
            if p + 1 < len(X):
                X[p + 1:] -= np.outer(X[p + 1:, j] / X[p, j], X[p])
                X2[p + 1:] -= np.outer(X2[p + 1:, j] / X2[p, j], X2[p])
                X[p + 1:, j] = X2[p + 1:, j] = 0.0
            i = p + 1
    return kept


def _singular_value_rank(S: np.ndarray, S2: np.ndarray,
                         tol: float) -> tuple[int, float, float, int, np.ndarray, np.ndarray]:
    """Rank of S above ``tol`` and above its rounding level; ``S2`` the same computed from the reference values.

    The (i + 1)-th singular value competes with the difference ``S2 - S`` outside the
    first i singular directions (``||U_i^T (S2 - S) V_i||`` for the trailing singular
    vectors): rounding error lands there, while along the first directions it only
    moves directions that are there anyway.  A singular value counts when it is more
    than 4 times that.  Returns (rank r, margin, rounding level after r, number of
    singular values above their rounding level whatever the tolerance, U, V^T): the
    margin is sigma_r over the larger of sigma_{r+1} and the rounding level, or, for
    rank 0, the tolerance over the larger of sigma_1 and the rounding level.
    """
    # Full bases: rounding outside the span of S's singular vectors counts too.
    U, s, Vt = np.linalg.svd(S, full_matrices=True)
    n = len(s)
    top = float(s[0]) if n else 0.0
    if top == 0.0:
        return 0, math.inf, 0.0, 0, U, Vt
    D = U.T @ (S2 - S) @ Vt.T
    floor = max(S.shape) * _UNIT * top
    # Frobenius norms of all trailing blocks D[i:, i:] at once: upper bounds of their 2-norms.
    tails = np.sqrt(np.cumsum(np.cumsum((D * D)[::-1, ::-1], axis=0), axis=1)[::-1, ::-1])
    frobenius = np.diagonal(tails)[:n]

    def rounding(i: int) -> float:
        return float(np.linalg.norm(D[i:, i:], 2)) + floor if i < n else floor

    def real(i: int) -> bool:
        return bool(s[i] > 4.0 * (frobenius[i] + floor) or s[i] > 4.0 * rounding(i))

    r = 0
    while r < n and s[r] > tol and real(r):
        r += 1
    nxt = float(s[r]) if r < n else 0.0
    level = rounding(r)
    margin = float(s[r - 1]) / max(nxt, level) if r else tol / max(top, level)
    above = r
    while above < n and real(above):
        above += 1
    return r, margin, level, above, U, Vt


def _numerical_rank_of_block(B: np.ndarray, B2: np.ndarray, r0: int, counted0: int, rtol: float,
                             bound: int) -> tuple[list[int], list[int], int, float, float, str]:
    """Numerical rank of a scaled block whose first r0 rows and columns are the previous level's pivots.

    ``B2`` is the block of the reference values.  Two estimates: the previous pivots
    plus the singular values of their Schur complement (graded blocks, whose new
    directions are small next to the old ones, need it), and the singular values of
    the whole block (when the old pivots are ill-conditioned in this block, the
    complement is rounding).  Each counts the singular values above their rounding
    level (*real*: a lower bound on the exact rank as far as floats can tell) and,
    among them, those above the tolerance ``rtol * ||B||_2``; of the previous
    pivots, the ``counted0`` that were above the tolerance count.  The rank is the
    larger count above the tolerance; the pivots kept for the next level are the
    real directions of the estimate with the most (new ones by pivoted QR), so a
    direction below the tolerance is still eliminated next time.  The decision is
    unclear when the chosen estimate's margin is small, when its rounding level is
    above the tolerance, when some estimate has more real directions than the rank,
    or when the complement's rounding level is above the tolerance (directions small
    next to the previous pivots are then not decided, whatever the whole block
    shows), unless the rank is the upper bound ``bound``.  Returns (pivot rows,
    pivot columns, rank, relative tolerance, margin, warning text or "").
    """
    import scipy.linalg

    whole = float(np.linalg.norm(B, 2)) if B.size else 0.0
    if whole == 0.0:
        return [], [], 0, rtol, math.inf, ""
    tol = rtol * whole
    # (rank above the tolerance, margin, rounding level, real directions, offset, singular vectors)
    options: list[tuple[int, float, float, int, int, tuple[np.ndarray, np.ndarray] | None]] = []
    if r0 and min(B.shape) > r0:
        with np.errstate(all="ignore"):
            try:
                S = B[r0:, r0:] - B[r0:, :r0] @ np.linalg.solve(B[:r0, :r0], B[:r0, r0:])
                S2 = B2[r0:, r0:] - B2[r0:, :r0] @ np.linalg.solve(B2[:r0, :r0], B2[:r0, r0:])
            except np.linalg.LinAlgError:  # the previous pivots are singular in this block
                S = S2 = np.full((1, 1), np.nan)
        if np.isfinite(S).all() and np.isfinite(S2).all():
            r, margin, level, above, U, Vt = _singular_value_rank(S, S2, tol)
            options.append((counted0 + r, margin, level, r0 + above, r0, (U, Vt)))
    elif r0:  # nothing beyond the previous pivots: they are the evidence
        options.append((counted0, math.inf, 0.0, r0, r0, None))
    r, margin, level, above, U, Vt = _singular_value_rank(B, B2, tol)
    options.append((r, margin, level, above, 0, (U, Vt)))
    rank, margin, level, _, _, _ = max(options, key=lambda o: (o[0], o[1]))
    _, _, _, real, offset, vectors = max(options, key=lambda o: (o[3], o[0], o[1]))
    reasons = []
    if margin < _GAP_WARNING:
        reasons.append(f"unclear singular-value gap {margin:.2e} (< {_GAP_WARNING:.0e})")
    if level > tol:
        margin = min(margin, tol / level)
        reasons.append(f"the rounding level {level / whole:.1e} is above the tolerance {rtol:.1e} (relative): "
                       f"singular values in between are not decided")
    if real > rank:
        margin = min(margin, rank / real)
        reasons.append(f"{real} singular values are above their rounding level, {rank} above the tolerance: the "
                       f"exact rank is larger")
    complement_level = max((o[2] for o in options if o[4] and o[5] is not None), default=0.0)
    if complement_level > tol and rank < bound:
        margin = min(margin, tol / complement_level)
        reasons.append(f"beyond the pivots of k - 1 the rounding level is {complement_level / whole:.1e}, above the "
                       f"tolerance: directions small next to those pivots are not decided")
    # Pivots: the offset previous ones, then the rows and columns that carry the new singular directions
    # (pivoted QR of the leading singular vectors, as in subset selection).
    pr, pc = list(range(offset)), list(range(offset))
    new = real - offset
    if new > 0 and vectors is not None:
        U, Vt = vectors
        _, _, p1 = scipy.linalg.qr(U[:, :new].T, pivoting=True, mode="economic")
        _, _, p2 = scipy.linalg.qr(Vt[:new], pivoting=True, mode="economic")
        pr += [offset + int(i) for i in p1[:new]]
        pc += [offset + int(i) for i in p2[:new]]
    return pr, pc, rank, min(max(rtol, level / whole), 1.0), margin, "; ".join(reasons)


def _rank_profile_numerical(model: Stack | WFA, K: int, rtol: float, block_budget: int,
                            output: int) -> RankProfile:
    """rank_profile in float64 by evaluation (see rank_profile): sets grown from the reachable part, ranked by SVD.

    For each k, ``n = 2k``: suffix words ``W_j`` (j <= n) grown by prepending symbols,
    kept when independent over the test rows R of length <= n - j; ``S'_m``, a basis of
    ``W_0 + ... + W_m`` over the rows of length <= n - m; prefixes breadth first, a
    prefix of length t kept when independent over ``S'_{n-t}``.  R holds every prefix
    candidate seen, and the three steps repeat until no new candidate appears (a fixed
    point: every pruning was decided on rows that include the words it concerns).
    The block of level k is then the kept prefixes of length <= k, the candidates of
    the last test and the one-symbol extensions (rows) against ``S'_k``, its candidates
    and its extensions (columns), the previous level's pivots first; its rank by
    :func:`_numerical_rank_of_block`.  Where the previous block was nearly full, the
    whole block (every word of length <= 2k evaluated once) when it fits the budget.
    """
    from .limits import check_work

    hp = homogeneous_parameters(model, output=output)
    # At least one test per pair of lengths t + j <= 2k at each level, each a step per layer state:
    # refused before starting when that alone is above the budget (a hostile max_length costs nothing).
    check_work((K + 1) * (2 * K + 1) ** 2 * sum(hp.widths), f"max_length: the numerical rank profile up to length {K}")
    dims = homogeneous_parameters(model, output=output, force_constant=True)
    ev = _FloatHankel(hp)
    d = hp.alphabet_size

    def block(rows: list[_Word], cols: list[_Word], what: str) -> tuple[np.ndarray, np.ndarray]:
        size = len(rows) * len(cols)
        if size > block_budget:
            raise SizeLimitError(f"max_entries: {what} has {len(rows)} x {len(cols)} = {size} entries, above the "
                                 f"budget max_entries={block_budget}")
        return _scaled_pair(*ev.values(rows, cols))

    R: list[_Word] = [()]
    in_R = set(R)
    W_before: list[list[_Word]] = []
    piv_rows: list[_Word] = []  # the real directions of the last block (above their rounding)
    piv_cols: list[_Word] = []
    counted = 0  # how many of them were above the tolerance
    ranks: list[int] = []
    tols: list[float] = []
    gaps: list[float] = []
    pcounts: list[int] = []
    scounts: list[int] = []
    all_values: list[tuple[np.ndarray, ...]] = []
    for k in range(K + 1):
        M = word_count(d, k)
        full_before = k == 0 or 2 * ranks[-1] > word_count(d, k - 1)
        if full_before and M * M <= block_budget and d ** (2 * k) * sum(hp.widths) <= 2 * block_budget:
            if len(all_values) <= 2 * k:
                all_values = ev.all_word_values(2 * k)
            words = [w for j in range(k + 1) for w in itertools.product(range(d), repeat=j)]
            index = {w: i for i, w in enumerate(words)}
            rows = list(dict.fromkeys(piv_rows + words))
            cols = list(dict.fromkeys(piv_cols + words))
            ix = np.ix_([index[u] for u in rows], [index[v] for v in cols])
            V, E, V2, E2 = _full_block_values(all_values, d, k)
            B, B2 = _scaled_pair(V[ix], E[ix], V2[ix], E2[ix])
        else:
            n = 2 * k
            while True:
                W: list[list[_Word]] = [[()]]
                for j in range(1, n + 1):
                    tails = set(W[j - 1])
                    before = W_before[j] if j < len(W_before) else []
                    cands = list(dict.fromkeys([w for w in before if w[1:] in tails] +
                                               [(s,) + w for s in range(d) for w in W[j - 1]]))
                    test_rows = [u for u in R if len(u) <= n - j]
                    Bt, Bt2 = block(test_rows, cands, f"the suffix test at length {j} (k={k})")
                    W.append([cands[i] for i in _independent_float_rows(Bt.T, Bt2.T)])
                S_basis: list[list[_Word]] = []
                cur: list[_Word] = []
                S_cands: list[_Word] = []
                for m in range(n + 1):
                    cands = list(dict.fromkeys([v for v in piv_cols if len(v) <= m] + cur + W[m]))
                    test_rows = [u for u in R if len(u) <= n - m]
                    Bt, Bt2 = block(test_rows, cands, f"the suffix basis test at length {m} (k={k})")
                    cur = [cands[i] for i in _independent_float_rows(Bt.T, Bt2.T)]
                    S_basis.append(cur)
                    if m == k:
                        S_cands = cands
                kept: list[_Word] = [()]
                frontier: list[_Word] = [()]
                seen: list[_Word] = [()]
                P, P_cands = kept, kept
                for t in range(1, n + 1):
                    cands = list(dict.fromkeys([u for u in piv_rows if len(u) <= t] + kept +
                                               [u + (s,) for u in frontier for s in range(d)]))
                    seen.extend(cands)
                    Bt, Bt2 = block(cands, S_basis[n - t], f"the prefix test at length {t} (k={k})")
                    kept = [cands[i] for i in _independent_float_rows(Bt, Bt2)]
                    frontier = [u for u in kept if len(u) == t]
                    if t <= k:
                        P, P_cands = kept, cands
                    if not frontier and t >= k:
                        break
                W_before = W
                new = [u for u in dict.fromkeys(seen) if u not in in_R]
                if not new:
                    break
                R.extend(new)
                in_R.update(new)
            more_rows = [u + (a,) for u in P if len(u) < k for a in range(d)]
            more_cols = [(a,) + v for v in S_basis[k] if len(v) < k for a in range(d)]
            rows = list(dict.fromkeys(piv_rows + P + P_cands + more_rows))
            cols = list(dict.fromkeys(piv_cols + S_basis[k] + S_cands + more_cols))
            B, B2 = block(rows, cols, f"the block at k={k}")
        # The next level's tests start from these rows too.
        new = [u for u in rows if u not in in_R]
        R.extend(new)
        in_R.update(new)
        bound = min(M, dims.dimension(k))
        pr, pc, r, tol, gap, message = _numerical_rank_of_block(B, B2, len(piv_rows), counted, rtol, bound)
        piv_rows, piv_cols, counted = [rows[i] for i in pr], [cols[i] for i in pc], r
        if ranks and r < ranks[-1]:
            gap = min(gap, r / ranks[-1])
            message = (f"the block has numerical rank {r} < {ranks[-1]}, the rank at k={k - 1} (a sub-block of it): "
                       f"the evidence here is weaker, the rank is kept")
            r = ranks[-1]
        if r > bound:
            gap = min(gap, bound / r)
            message = f"numerical rank above its upper bound min(#words, r_k) = {bound}"
        if message:
            warnings.warn(f"rank_profile: numerical rank {r} at k={k} (numerical, not proven): {message}; use "
                          f"method='exact' or 'modular'", NumericalRankWarning, stacklevel=user_stacklevel())
        ranks.append(r)
        tols.append(tol)
        gaps.append(gap)
        pcounts.append(len(rows))
        scounts.append(len(cols))
    bounds = [min(word_count(d, k), dims.dimension(k)) for k in range(K + 1)]
    return RankProfile(ranks, False, "numerical", tols, gaps, pcounts, scounts, None, [False] * (K + 1), bounds,
                       None)


# ---------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------

#: The ``format`` and ``version`` of a saved :class:`HankelCertificate`.
HANKEL_CERTIFICATE_FORMAT = "rnnexpr-hankel-certificate"
HANKEL_CERTIFICATE_VERSION = 1

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

    def check(self, model: Stack | WFA | Callable | None = None) -> CheckResult:
        """Re-derive every stored field from the block (and, given ``model``, the block from the model).

        Steps: the block's shape matches its words; with ``model``, the block equals
        ``f(uv)`` on its words (exactly); the rank of the block (by the stored method and
        prime) is the stored rank; ``exact``, ``max_units``, ``max_units_pure``, ``prime``
        and ``statement`` are what that rank and method give.

        Parameters
        ----------
        model : Stack, WFA or callable, optional
            The function the certificate is about.

        Returns
        -------
        CheckResult
            The same result type as :meth:`rnnexpr.theorems.certificate.Certificate.check`;
            truthy when every step holds, with ``field`` naming the stored field at fault.

        Examples
        --------
        >>> from dataclasses import replace
        >>> from rnnexpr.constructions import t5_witness
        >>> c = hankel_certificate(t5_witness(), words_up_to(1, 3), words_up_to(1, 3))
        >>> bool(c.check(t5_witness())), bool(c.check())
        (True, True)
        >>> r = replace(c, max_units=7).check(); bool(r), r.field
        (False, 'max_units')
        """
        steps: list[Step] = []
        fields: list[str] = []

        def step(name: str, holds: bool, detail: str, field_name: str) -> bool:
            steps.append(Step(name, bool(holds), detail))
            if not holds:
                fields.append(field_name)
            return bool(holds)

        shape = (len(self.prefixes), len(self.suffixes))
        if not step(f"the block is {shape[0]} x {shape[1]} (its words)", self.block.shape == shape,
                    f"block shape {self.block.shape}", "block"):
            return CheckResult(False, False, steps[-1].name, tuple(steps), fields[0])
        if model is not None:
            again = hankel_block(model, self.prefixes, self.suffixes, exact=True)
            step("the block equals f(uv) on its words (exact)", bool(np.all(again == self.block)),
                 "recomputed from the model", "block")
        res = _block_rank(self.block, self.method, self.prime)
        step(f"the block has rank {self.rank}", res.rank == self.rank, f"recomputed rank {res.rank} ({res.method})",
             "rank")
        r = res.rank
        how = "exact" if res.exact else f"modular (p={res.prime}, a proven lower bound)"
        for name, stored, derived in (("method", self.method, res.method), ("exact", self.exact, res.exact),
                                      ("prime", self.prime, res.prime), ("max_units", self.max_units, r - 2),
                                      ("max_units_pure", self.max_units_pure, r - 1),
                                      ("statement", self.statement, _STATEMENT.format(n=r - 2, p=r - 1, how=how,
                                                                                      r=r))):
            step(f"{name} is what rank {r} ({res.method}) gives", stored == derived,
                 f"stored {str(stored)[:60]!r}, derived {str(derived)[:60]!r}", name)
        failed = next((st.name for st in steps if not st.holds), None)
        return CheckResult(failed is None, failed is None, failed, tuple(steps), fields[0] if fields else None)

    def verify(self) -> bool:
        """Whether :meth:`check` (without a model) holds: the stored block has the stored rank.

        Examples
        --------
        >>> from rnnexpr.constructions import t5_witness
        >>> hankel_certificate(t5_witness(), [[], [0]], [[], [0]]).verify()
        True
        """
        return bool(self.check())

    def to_dict(self) -> dict[str, Any]:
        """JSON data (exact values as ``"p/q"``), with the format and version.

        Examples
        --------
        >>> from rnnexpr.constructions import t5_witness
        >>> hankel_certificate(t5_witness(), [[], [0]], [[], [0]]).to_dict()["format"]
        'rnnexpr-hankel-certificate'
        """
        return {
            "format": HANKEL_CERTIFICATE_FORMAT,
            "version": HANKEL_CERTIFICATE_VERSION,
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
        }

    @deprecated_positional
    def to_json(self, *, indent: int | None = None) -> str:
        """A JSON string (as :meth:`rnnexpr.theorems.certificate.Certificate.to_json`)."""
        return json.dumps(self.to_dict(), indent=indent)

    @staticmethod
    def from_json(text: str | bytes | dict) -> HankelCertificate:
        """Inverse of :meth:`to_json`: the format and version are checked, sizes bounded (:mod:`rnnexpr.limits`).

        Raises
        ------
        ModelFormatError
            When the text is not JSON, or the format, the version or a field is wrong.
        SizeLimitError
            When the text is too large, nested too deeply or holds oversized numbers.

        Examples
        --------
        >>> from rnnexpr.constructions import t5_witness
        >>> c = hankel_certificate(t5_witness(), [[], [0]], [[], [0]])
        >>> HankelCertificate.from_json(c.to_json()).rank
        2
        """
        from .io import check_numbers, parse_json
        from .limits import check_size

        if isinstance(text, dict):
            d = dict(text)
            check_numbers(d, "certificate")
        else:
            d = parse_json(text, "certificate")
        if not isinstance(d, dict) or d.get("format") != HANKEL_CERTIFICATE_FORMAT:
            got = d.get("format", d.get("kind")) if isinstance(d, dict) else type(d).__name__
            raise ModelFormatError(f"certificate.format: expected {HANKEL_CERTIFICATE_FORMAT!r}, got "
                                   f"{str(got)[:40]!r}")
        if d.get("version") != HANKEL_CERTIFICATE_VERSION or isinstance(d.get("version"), bool):
            raise ModelFormatError(f"certificate.version: expected {HANKEL_CERTIFICATE_VERSION}, got "
                                   f"{str(d.get('version'))[:40]!r}")
        try:
            raw_p, raw_s = d["prefixes"], d["suffixes"]
            check_size(len(raw_p) * max(len(raw_s), 1), "certificate.block: entries", "entries")
            prefixes = tuple(tuple(int(s) for s in u) for u in raw_p)
            suffixes = tuple(tuple(int(s) for s in v) for v in raw_s)
            block = as_array(d["block"], "block", ndim=2, exact=True) if prefixes and suffixes else \
                np.empty((len(prefixes), len(suffixes)), dtype=object)
            fields = (int(d["rank"]), str(d["method"]), bool(d["exact"]), int(d["max_units"]),
                      int(d["max_units_pure"]), str(d["statement"]), None if d.get("prime") is None else int(d["prime"]))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, SizeLimitError):
                raise
            raise ModelFormatError(f"certificate: malformed field ({type(exc).__name__}: {exc})"[:300]) from None
        if block.shape != (len(prefixes), len(suffixes)):
            raise ModelFormatError(f"certificate.block: expected shape {(len(prefixes), len(suffixes))}, got "
                                   f"{block.shape}")
        return HankelCertificate(prefixes, suffixes, block, *fields)


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
        if isinstance(model, WFA) or (isinstance(model, Stack) and model.depth == 1):  # shallow: basis words
            P0, S0 = hankel_basis_words(model)
        else:
            if d is None:
                raise InvalidArgumentError("prefixes: expected word lists when model is a function (alphabet unknown), got None")
            P0 = S0 = words_up_to(d, check_int(max_length, "max_length", minimum=0))
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
        N = check_int(max_units, "max_units", minimum=0)
        need = N + 1 if pure else N + 2
        if r < need:
            raise InvalidArgumentError(
                f"max_units: a block of rank {r} cannot prove that no {'pure ' if pure else ''}depth-1 linear 2RNN "
                f"with <= {N} units computes f (needs rank >= {need}); use more prefixes and suffixes"
            )
    how = "exact" if res.exact else f"modular (p={res.prime}, a proven lower bound)"
    statement = _STATEMENT.format(n=r - 2, p=r - 1, how=how, r=r)
    return HankelCertificate(tuple(P), tuple(S), block, r, res.method, res.exact, r - 2, r - 1, statement, res.prime)
