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
from .models import WFA, Stack, check_words
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
        Numerical only: the tolerance and singular-value gap of each rank.
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
        exceed ``max_entries``).  ``"numerical"``: float, monomial-feature bases and
        a rank grown on nested pivots, so the profile never decreases.
    exact : bool, optional
        ``True`` means ``method="exact"``, ``False`` ``"numerical"``; a conflict raises.
    rtol : float
        Numerical only: relative tolerance.
    max_entries : int, optional
        Budget of array entries for monomial features and cores (exact and numerical
        paths) and for an evaluated block (default ``DEFAULT_MAX_PROFILE_BLOCK``).
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
        When a block whose rank is needed exceeds the budget (the message names the size).
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
        _check_feature_work(model, K, "max_length")
        return _rank_profile_numerical(model.to_float() if model.is_exact else model, K, rtol, max_entries, output)
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


# --- monomial-feature bases (exact proofs where not full rank; the numerical method) ----------


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


def _rank_profile_numerical(model: Stack | WFA, K: int, rtol: float, max_entries: int | None,
                            output: int) -> RankProfile:
    """Float profile on nested pivots: the rank at k extends the pivots chosen at k - 1 (never decreases)."""
    import scipy.linalg

    hp = homogeneous_parameters(model, output=output, force_constant=True)
    budget = entry_budget(False, max_entries=max_entries)
    bases = _suffix_bases(hp, K, False, rtol, budget)
    d = hp.alphabet_size
    ranks, tols, gaps, pcounts, scounts = [], [], [], [], []
    piv_rows: list[tuple[int, ...]] = []  # prefix words
    piv_cols: list[tuple[int, int]] = []  # (level j, column of bases[j])
    for k in range(K + 1):
        prefixes = _prefix_basis(hp, k, False, rtol, budget)
        rows = piv_rows + [u for u in prefixes if u not in set(piv_rows)]
        cols = piv_cols + [(j, c) for j in range(k + 1) for c in range(bases[j].shape[1])
                           if (j, c) not in set(piv_cols)]
        pcounts.append(len(rows))
        scounts.append(len(cols))
        if not rows or not cols:
            ranks.append(len(piv_rows))
            tols.append(0.0)
            gaps.append(math.inf)
            continue
        Phi = hp.features(hp.states_after(rows), k)
        G = np.stack([_embed_rows(hp, j, k, bases[j][:, c:c + 1], False)[:, 0] for j, c in cols], axis=1)
        B = Phi @ G
        # Rescale rows and columns by powers of two (exact in floating point, rank unchanged).
        rn = np.linalg.norm(B, axis=1)
        B = B / np.exp2(np.round(np.log2(np.where(rn > 0, rn, 1.0))))[:, None]
        cn = np.linalg.norm(B, axis=0)
        B = B / np.exp2(np.round(np.log2(np.where(cn > 0, cn, 1.0))))[None, :]
        r0 = len(piv_rows)
        scale = float(np.linalg.norm(B, 2)) if B.size else 0.0
        if r0:
            B11, B12, B21, B22 = B[:r0, :r0], B[:r0, r0:], B[r0:, :r0], B[r0:, r0:]
            S = B22 - B21 @ np.linalg.solve(B11, B12)
        else:
            S = B
        if S.size == 0 or scale == 0.0:
            ranks.append(r0)
            tols.append(0.0)
            gaps.append(math.inf)
            continue
        s = np.linalg.svd(S, compute_uv=False)
        tol = rtol * scale
        r_new = int(np.sum(s > tol))
        # The gap of the decision: the smallest kept singular value over the largest dropped one, or over the
        # tolerance when none is dropped (the candidate sets were already pruned at that tolerance).
        if r_new == 0:
            gap = float(tol / s[0]) if s[0] > 0 else math.inf
        else:
            below = float(s[r_new]) if r_new < len(s) else tol
            gap = float(s[r_new - 1] / below) if below > 0 else math.inf
        if gap < 1e3:
            warnings.warn(
                f"rank_profile: numerical rank {r0 + r_new} at k={k} has an unclear singular-value gap {gap:.2e} "
                f"(< 1e+03) at tolerance {tol:.2e}; use method='exact' or 'modular'",
                NumericalRankWarning, stacklevel=user_stacklevel())
        if r_new:
            # New pivots: pivoted QR on the Schur complement, rows then columns.
            _, _, pr = scipy.linalg.qr(S.T, pivoting=True, mode="economic")
            _, _, pc = scipy.linalg.qr(S[pr[:r_new]], pivoting=True, mode="economic")
            piv_rows = piv_rows + [rows[r0 + i] for i in pr[:r_new]]
            piv_cols = piv_cols + [cols[r0 + i] for i in pc[:r_new]]
        ranks.append(len(piv_rows))
        tols.append(tol)
        gaps.append(gap)
    bounds = [min(word_count(d, k), hp.dimension(k)) for k in range(K + 1)]
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
