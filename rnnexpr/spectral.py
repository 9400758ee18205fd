"""Spectral learning of WFAs (depth-1 linear 2RNNs) from Hankel blocks.

Balle, Carreras, Luque and Quattoni (2014); Rabusseau, Li and Precup,
"Connecting weighted automata and recurrent neural networks through spectral
learning" (AISTATS 2019).  From the Hankel blocks of a target ``f`` over
prefixes ``P`` and suffixes ``S``::

    H[u, v] = f(uv),   H_s[u, v] = f(u s v),   h_P[u] = f(u),   h_S[v] = f(v)

and a rank-n truncated SVD ``H ~ U D V^T``, the WFA

    alpha^T = h_S^T V,   A_s = (H V)^+ H_s V,   omega = (H V)^+ h_P

computes ``f`` exactly when ``f`` is a WFA of Hankel rank n and ``rank H = n``
(the learned WFA is the minimal one up to a change of basis).  With
``exact=True`` the projector ``V`` selects independent columns of ``H`` and the
pseudo-inverse is replaced by the inverse of an invertible ``n x n`` sub-block,
all over Q: exact recovery, no tolerance.

A WFA with n states is a pure depth-1 linear 2RNN with n units (THEORY T3), so
the learned model is also a depth-1 linear 2RNN (:func:`rnnexpr.conversions.from_wfa`).
On a depth-2 target the Hankel rank grows with the block (T5): every WFA with
n states has a Hankel block of rank <= n, so by Eckart-Young its error on the
block is at least the tail ``sqrt(sum_{i > n} sigma_i^2)`` of the singular
values of H.  :func:`depth1_error_profile` reports this lower bound next to the
held-out error of the spectral model at each size.

Examples
--------
>>> from rnnexpr.models import random_wfa
>>> target = random_wfa(3, 2, seed=0)
>>> learned = spectral_learn(target, 3)
>>> learned.num_states, held_out_error(learned, target, [[0, 1, 1, 0, 1], [1] * 6]) < 1e-10
(3, True)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .errors import ExactnessError, InvalidArgumentError, ModelKindError, ShapeError, SizeLimitError
from .exact import RankResult, exact_matmul, independent_rows, matrix_rank, solve
from .models import WFA, Stack, check_words
from .conversions import to_wfa
from .numbers import is_exact_scalar, to_exact_array, to_fraction
from .validation import check_choice, check_int

__all__ = [
    "HankelBlocks",
    "hankel_blocks",
    "empirical_frequencies",
    "spectral_learn",
    "held_out_error",
    "DepthOneErrorProfile",
    "depth1_error_profile",
]

Word = tuple[int, ...]


# ---------------------------------------------------------------------------
# Targets and Hankel blocks
# ---------------------------------------------------------------------------


def _is_model(target: Any) -> bool:
    return hasattr(target, "alphabet_size") and hasattr(target, "values") and not isinstance(target, Mapping)


def _alphabet_size(target: Any, alphabet_size: int | None) -> int:
    # Every model kind has alphabet_size (WFA, Stack, DepthwiseStack, and models built on them).
    inferred = int(target.alphabet_size) if _is_model(target) else None
    if alphabet_size is None:
        if inferred is None:
            raise InvalidArgumentError("alphabet_size: expected an integer for a callable or mapping target, got None")
        return inferred
    alphabet_size = check_int(alphabet_size, "alphabet_size", minimum=1)
    if inferred is not None and inferred != alphabet_size:
        raise ShapeError(f"alphabet_size: expected {inferred} (the target's alphabet), got {alphabet_size}")
    return int(alphabet_size)


def _evaluate(target: Any, words: list[Word], exact: bool) -> np.ndarray:
    """Target values on words: a model's ``values``, a mapping of estimates, or a callable."""
    if hasattr(target, "values") and not isinstance(target, Mapping):
        vals = np.asarray(target.values(words, exact=exact))
        if vals.ndim != 1:
            raise ShapeError(
                f"target: expected a scalar-output model, got outputs of shape {vals.shape[1:]}; "
                "select one output first"
            )
        return vals
    if isinstance(target, Mapping):
        # Empirical estimates: words never observed are estimated as 0.
        raw = [target.get(tuple(w), 0) for w in words]
    elif callable(target):
        raw = [target(list(w)) for w in words]
    else:
        raise ModelKindError(
            f"target: expected a model with .values, a mapping word -> value or a callable, got {type(target).__name__}"
        )
    if exact:
        for v in raw:
            if not is_exact_scalar(v):
                raise ExactnessError(f"target: expected exact rational values for exact=True, got {v!r}")
        return np.array([to_fraction(v, "target value") for v in raw] + [None], dtype=object)[:-1]
    out = np.array([float(v) for v in raw], dtype=np.float64)
    if not np.all(np.isfinite(out)):
        from .errors import NonFiniteError

        raise NonFiniteError("target: expected finite values, got NaN or infinity")
    return out


def empirical_frequencies(samples: Sequence[Sequence[int]], alphabet_size: int) -> dict[Word, float]:
    """Relative frequencies of sampled words: an estimate of ``f(w) = P(w)`` for spectral learning.

    The result is a mapping target for :func:`hankel_blocks` and
    :func:`spectral_learn` (words never sampled are estimated as 0).

    Parameters
    ----------
    samples : sequence of words
        Words drawn independently from a distribution over ``Sigma*``.
    alphabet_size : int

    Returns
    -------
    dict
        ``tuple(word) -> count / len(samples)``.

    Raises
    ------
    ValueError
        When there are no samples.
    AlphabetError
        On symbols outside the alphabet.

    Examples
    --------
    >>> empirical_frequencies([[0], [0], [1, 0], []], 2)
    {(0,): 0.5, (1, 0): 0.25, (): 0.25}
    """
    alphabet_size = check_int(alphabet_size, "alphabet_size", minimum=1)
    words = check_words(samples, int(alphabet_size), "samples")
    if not words:
        raise InvalidArgumentError("samples: expected at least one sampled word, got none")
    counts: dict[Word, int] = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    return {w: c / len(words) for w, c in counts.items()}


def _words_up_to(alphabet_size: int, max_length: int) -> list[Word]:
    return [w for k in range(max_length + 1) for w in itertools.product(range(alphabet_size), repeat=k)]


def _default_length(alphabet_size: int, num_states: int | None) -> int:
    # Smallest length whose words up to it outnumber the states (|Sigma^{<=l}| >= n + 1).
    n = 3 if num_states is None else num_states
    length, count = 0, 1
    while count < n + 1:
        length += 1
        count += alphabet_size**length
    return max(length, 1)


def _size_hint(target: Any, num_states: int | None) -> int | None:
    """A bound on the Hankel rank: num_states, else the size of a WFA or depth-1 stack target (T3)."""
    if num_states is not None:
        return int(num_states)
    if isinstance(target, WFA):
        return target.num_states
    if getattr(target, "depth", None) == 1 and hasattr(target, "widths"):
        return int(target.widths[0]) + 1
    return None


@dataclass(frozen=True, eq=False)
class HankelBlocks:
    """The Hankel blocks used by spectral learning, with their words.

    Attributes
    ----------
    prefixes, suffixes : tuple of tuple of int
        Row and column words.
    H : numpy.ndarray
        ``H[u, v] = f(uv)``, shape ``(|P|, |S|)``.
    H_sigma : numpy.ndarray
        ``H_sigma[s, u, v] = f(u s v)``, shape ``(d, |P|, |S|)``.
    h_P : numpy.ndarray
        ``h_P[u] = f(u)``.
    h_S : numpy.ndarray
        ``h_S[v] = f(v)``.
    exact : bool
        True when the entries are exact Fractions.

    Examples
    --------
    >>> from rnnexpr.models import WFA
    >>> b = hankel_blocks(WFA([1], [[[1], [2]]], [1]), max_length=1, exact=True)
    >>> b.prefixes, b.alphabet_size, b.H_sigma.shape
    (((), (0,), (1,)), 2, (2, 3, 3))
    >>> [int(v) for v in b.h_P], b.exact
    ([1, 1, 2], True)
    >>> b.to_float().H.tolist()
    [[1.0, 1.0, 2.0], [1.0, 1.0, 2.0], [2.0, 2.0, 4.0]]
    """

    prefixes: tuple[Word, ...]
    suffixes: tuple[Word, ...]
    H: np.ndarray = field(repr=False)
    H_sigma: np.ndarray = field(repr=False)
    h_P: np.ndarray = field(repr=False)
    h_S: np.ndarray = field(repr=False)
    exact: bool = False

    @property
    def alphabet_size(self) -> int:
        """Alphabet size d."""
        return int(self.H_sigma.shape[0])

    def to_float(self) -> HankelBlocks:
        """The same blocks in float64."""
        if not self.exact:
            return self
        conv = lambda a: np.array(a, dtype=np.float64)  # noqa: E731 - Fractions convert exactly-rounded
        return HankelBlocks(self.prefixes, self.suffixes, conv(self.H), conv(self.H_sigma), conv(self.h_P),
                            conv(self.h_S), False)


def hankel_blocks(
    target: Any,
    prefixes: Sequence[Sequence[int]] | None = None,
    suffixes: Sequence[Sequence[int]] | None = None,
    alphabet_size: int | None = None,
    max_length: int | None = None,
    exact: bool = False,
    max_entries: int = 10**7,
) -> HankelBlocks:
    """Evaluate the blocks ``H, H_sigma, h_P, h_S`` of a target on prefixes and suffixes.

    Parameters
    ----------
    target : model, mapping or callable
        Anything with ``values(words, exact=)`` (WFA, Stack with one output), a
        mapping ``tuple(word) -> value`` of estimates (missing words count as 0),
        or a callable on a word (a list of symbols).
    prefixes, suffixes : sequence of words, optional
        Default: all words of length ``<= max_length``.
    alphabet_size : int, optional
        Needed for mappings and callables.
    max_length : int, optional
        Length of the default words (default 3).
    exact : bool
        Evaluate exactly (Fractions); the target must support it.
    max_entries : int
        Refuse blocks with more than this many entries ``(d + 1) |P| |S|``.

    Returns
    -------
    HankelBlocks

    Raises
    ------
    SizeLimitError
        When the blocks exceed ``max_entries``.
    AlphabetError
        On words with symbols outside the alphabet.

    Examples
    --------
    >>> from rnnexpr.models import WFA
    >>> b = hankel_blocks(WFA([1], [[[1], [2]]], [1]), max_length=1, exact=True)
    >>> b.H.tolist()
    [[Fraction(1, 1), Fraction(1, 1), Fraction(2, 1)], [Fraction(1, 1), Fraction(1, 1), Fraction(2, 1)], [Fraction(2, 1), Fraction(2, 1), Fraction(4, 1)]]
    """
    d = _alphabet_size(target, alphabet_size)
    if max_length is None:
        max_length = 3
    max_length = check_int(max_length, "max_length", minimum=0)
    P = [tuple(w) for w in check_words(prefixes, d, "prefixes")] if prefixes is not None else None
    S = [tuple(w) for w in check_words(suffixes, d, "suffixes")] if suffixes is not None else None
    n_default = sum(d**k for k in range(int(max_length) + 1))
    nP = len(P) if P is not None else n_default
    nS = len(S) if S is not None else n_default
    size = (d + 1) * nP * nS
    if size > max_entries:
        raise SizeLimitError(
            f"prefixes/suffixes: the Hankel blocks need (d + 1) |P| |S| = {d + 1} * {nP} * {nS} = {size} "
            f"evaluations, above max_entries={max_entries}"
        )
    if P is None:
        P = _words_up_to(d, int(max_length))
    if S is None:
        S = _words_up_to(d, int(max_length))
    if not P or not S:
        raise ShapeError(f"prefixes/suffixes: expected non-empty word lists, got {len(P)} and {len(S)} words")
    wfa = _as_wfa(target)
    if wfa is not None:
        return _factorized_blocks(wfa, P, S, exact)
    index: dict[Word, int] = {}
    needed: list[Word] = []

    def need(w: Word) -> int:
        if w not in index:
            index[w] = len(needed)
            needed.append(w)
        return index[w]

    iH = [[need(u + v) for v in S] for u in P]
    iHs = [[[need(u + (s,) + v) for v in S] for u in P] for s in range(d)]
    iP = [need(u) for u in P]
    iS = [need(v) for v in S]
    vals = _evaluate(target, needed, exact)
    return HankelBlocks(tuple(P), tuple(S), vals[np.array(iH)], vals[np.array(iHs)], vals[np.array(iP)],
                        vals[np.array(iS)], exact)


def _as_wfa(target: Any) -> WFA | None:
    """The WFA of a WFA or scalar depth-1 stack target (T3), else None."""
    if isinstance(target, WFA):
        return target
    if isinstance(target, Stack) and target.depth == 1 and target.output_dim == 1:
        return to_wfa(target)
    return None


def _factorized_blocks(wfa: WFA, P: list[Word], S: list[Word], exact: bool) -> HankelBlocks:
    """H = F B^T with prefix vectors F[u] = alpha^T A_u and suffix vectors B[v] = A_v omega.

    O((|P| + |S|) n^2 l + d |P| |S| n) instead of evaluating (d + 1) |P| |S| words.
    """
    reverse = WFA(wfa.omega, wfa.A.transpose(2, 1, 0), wfa.alpha)  # reads words backwards
    F = wfa.forward(P, exact=exact)
    B = reverse.forward([v[::-1] for v in S], exact=exact)
    alpha, A, omega = (to_exact_array(a) if exact else np.asarray(a, dtype=np.float64)
                       for a in (wfa.alpha, wfa.A, wfa.omega))
    if exact:
        F, B = to_exact_array(F), to_exact_array(B)
        mul = lambda x, y: exact_matmul(np.ascontiguousarray(x), np.ascontiguousarray(y))  # noqa: E731
    else:
        mul = np.matmul
    Bt = np.ascontiguousarray(B.T)
    H = mul(F, Bt)
    Hs = np.stack([mul(mul(F, A[:, k, :]), Bt) for k in range(wfa.alphabet_size)])
    h_P = mul(F, omega.reshape(-1, 1))[:, 0]
    h_S = mul(B, alpha.reshape(-1, 1))[:, 0]
    return HankelBlocks(tuple(P), tuple(S), H, Hs, h_P, h_S, exact)


# ---------------------------------------------------------------------------
# Spectral learning
# ---------------------------------------------------------------------------


def _singular_values(H: np.ndarray) -> np.ndarray:
    return np.linalg.svd(np.asarray(H, dtype=np.float64), compute_uv=False)


def spectral_learn(
    target: Any,
    num_states: int | None = None,
    prefixes: Sequence[Sequence[int]] | None = None,
    suffixes: Sequence[Sequence[int]] | None = None,
    alphabet_size: int | None = None,
    max_length: int | None = None,
    exact: bool = False,
    rtol: float | None = None,
    max_entries: int = 10**7,
) -> WFA:
    """Learn a WFA with ``num_states`` states from the Hankel blocks of a target.

    Parameters
    ----------
    target : model, mapping, callable or HankelBlocks
        See :func:`hankel_blocks`; precomputed blocks are used as they are.
    num_states : int, optional
        The size n of the learned WFA.  Default: the rank of H (exact rank when
        ``exact``, numerical rank at ``rtol`` otherwise).
    prefixes, suffixes : sequence of words, optional
        Default: all words up to the smallest length ``l`` with
        ``|Sigma^{<=l}| >= n + 1`` (or ``max_length``), where n is ``num_states``,
        else the size of a WFA target (``width + 1`` for a depth-1 stack), else 3.  Recovery needs a block
        whose rank is the Hankel rank of the target: pass larger sets (or a basis)
        for targets whose structure hides in long words.
    alphabet_size : int, optional
        Needed for mappings and callables.
    max_length : int, optional
        Length of the default prefixes and suffixes.
    exact : bool
        Exact learning over Q: independent columns as projector and the inverse
        of an invertible ``n x n`` sub-block as left inverse.  ``num_states`` must
        then be the rank of H (or None).
    rtol : float, optional
        Float only, for the default ``num_states``: singular values
        ``<= rtol * sigma_max`` count as zero (default ``max(H.shape) * eps``).
    max_entries : int
        Size budget of the blocks (:class:`~rnnexpr.errors.SizeLimitError` above).

    Returns
    -------
    WFA
        Float64, or exact when ``exact``.

    Raises
    ------
    ValueError
        When ``num_states`` is not positive or exceeds what the block supports.
    ExactnessError
        When ``exact`` and ``num_states`` differs from the exact rank of H.

    Examples
    --------
    >>> from rnnexpr.models import random_wfa
    >>> target = random_wfa(2, 2, seed=3, exact=True)
    >>> learned = spectral_learn(target, exact=True)
    >>> learned.num_states, learned([1, 0, 0, 1], exact=True) == target([1, 0, 0, 1], exact=True)
    (2, True)
    """
    if num_states is not None:
        num_states = check_int(num_states, "num_states", minimum=1)
    if isinstance(target, HankelBlocks):
        blocks = target
        if exact and not blocks.exact:
            raise ExactnessError("exact: the given Hankel blocks hold floats; compute them with exact=True")
    else:
        d = _alphabet_size(target, alphabet_size)
        if max_length is None and (prefixes is None or suffixes is None):
            max_length = _default_length(d, _size_hint(target, num_states))
        blocks = hankel_blocks(target, prefixes, suffixes, d, max_length, exact, max_entries)
    if exact:
        return _exact_spectral(blocks, num_states)
    return _float_spectral(blocks.to_float(), num_states, rtol)


def _float_spectral(b: HankelBlocks, num_states: int | None, rtol: float | None) -> WFA:
    H = b.H
    U, s, Vt = np.linalg.svd(H, full_matrices=False)
    if num_states is None:
        if rtol is None:
            rtol = max(H.shape) * np.finfo(np.float64).eps
        n = int(np.sum(s > rtol * s[0])) if s.size and s[0] > 0 else 0
        if n == 0:
            return _zero_wfa(b.alphabet_size, False)
    else:
        n = int(num_states)
    if n > len(s):
        raise InvalidArgumentError(
            f"num_states: expected at most min(|P|, |S|) = {len(s)} for this Hankel block, got {n}; "
            "use more prefixes and suffixes"
        )
    if s[n - 1] <= 0:
        raise InvalidArgumentError(
            f"num_states: the Hankel block has rank {int(np.sum(s > 0))} < {n}; a WFA of size {n} is not identifiable "
            "from it (use fewer states or more prefixes and suffixes)"
        )
    V = Vt[:n].T  # (|S|, n)
    left = (U[:, :n] / s[:n]).T  # (H V)^+ = D^{-1} U^T
    alpha = b.h_S @ V
    omega = left @ b.h_P
    A = np.stack([left @ b.H_sigma[k] @ V for k in range(b.alphabet_size)], axis=1)  # (n, d, n)
    return WFA(alpha, A, omega)


def _zero_wfa(d: int, exact: bool) -> WFA:
    """The zero function as a one-state WFA (a zero block has rank 0)."""
    zero = Fraction(0) if exact else 0.0
    return WFA([zero], [[[zero] * 1 for _ in range(d)]], [zero])


def _exact_spectral(b: HankelBlocks, num_states: int | None) -> WFA:
    H = to_exact_array(b.H)
    cols = independent_rows(H.T)  # independent columns of H
    n = len(cols)
    if n == 0 and num_states in (None, 1):
        return _zero_wfa(b.alphabet_size, True)
    if num_states is not None and int(num_states) != n:
        raise ExactnessError(
            f"num_states: exact spectral learning needs the exact rank of H, which is {n}, got {num_states}; "
            "use exact=False for a truncated (approximate) model"
        )
    HS = np.ascontiguousarray(H[:, cols])  # (|P|, n), full column rank
    rows = independent_rows(HS)
    B = np.ascontiguousarray(HS[rows])  # invertible n x n sub-block
    eye = np.empty((n, n), dtype=object)
    eye[...] = Fraction(0)
    for i in range(n):
        eye[i, i] = Fraction(1)
    B_inv = solve(B, eye)
    Hs = to_exact_array(b.H_sigma)
    alpha = to_exact_array(b.h_S)[cols]
    omega = exact_matmul(B_inv, to_exact_array(b.h_P)[rows].reshape(n, 1))[:, 0]
    A = np.stack(
        [exact_matmul(B_inv, np.ascontiguousarray(Hs[k][np.ix_(rows, cols)])) for k in range(b.alphabet_size)], axis=1
    )
    return WFA(alpha, A, omega)


# ---------------------------------------------------------------------------
# Errors and the depth-1 error profile
# ---------------------------------------------------------------------------


_METRICS = ("rmse", "max", "relative")


def held_out_error(model: Any, target: Any, words: Sequence[Sequence[int]], metric: str = "relative") -> float:
    """Error of a learned model against the target on held-out words.

    Parameters
    ----------
    model : model with ``values`` (WFA, Stack) or callable
    target : model, mapping or callable
        As in :func:`hankel_blocks`.
    words : sequence of words
    metric : {"relative", "rmse", "max"}
        ``||y_model - y|| / ||y||`` (Euclidean over the words; the absolute norm
        when the target vanishes on them), root mean squared error, or largest
        absolute error.

    Returns
    -------
    float

    Examples
    --------
    >>> from rnnexpr.models import WFA
    >>> held_out_error(WFA([1], [[[1]]], [2]), WFA([1], [[[1]]], [1]), [[0], [0, 0]], metric="max")
    1.0
    """
    metric = check_choice(metric, "metric", _METRICS)
    if isinstance(words, str | bytes) or not isinstance(words, Sequence) or len(words) == 0:
        raise InvalidArgumentError(f"words: expected a non-empty list of words, got {words!r}")
    words = [tuple(w) for w in words]
    d = None
    for m in (model, target):
        if _is_model(m):
            d = int(m.alphabet_size)
    if d is not None:
        words = [tuple(w) for w in check_words(words, d)]
    y_model = _evaluate(model, words, False)
    y = _evaluate(target, words, False)
    diff = y_model - y
    if metric == "rmse":
        return float(np.sqrt(np.mean(diff**2)))
    if metric == "max":
        return float(np.max(np.abs(diff)))
    ref = float(np.linalg.norm(y))
    return float(np.linalg.norm(diff) / ref) if ref > 0 else float(np.linalg.norm(diff))


@dataclass(frozen=True, eq=False)
class DepthOneErrorProfile:
    """How well depth-1 models (WFAs) of each size fit a target.

    Attributes
    ----------
    sizes : tuple of int
        Numbers of states n tried.
    held_out_errors : tuple of float
        Relative held-out error of the spectral WFA of each size (an upper bound
        on the best depth-1 error on those words).
    lower_bounds : tuple of float
        ``sqrt(sum_{i > n} sigma_i^2) / ||H||_F``: no WFA with n states (no pure
        depth-1 linear 2RNN with n units, no depth-1 linear 2RNN with n - 1 units)
        has a smaller relative Frobenius error on the Hankel block H, whose rank
        is at most n for such a model (Eckart-Young).  Positive for every
        ``n < rank H``.
    singular_values : numpy.ndarray
        Singular values of H.
    block_rank : RankResult
        Rank of H (exact over Q when the target has exact values).
    prefixes, suffixes : tuple of words
        The words of the block.
    test_words : tuple of words
        The held-out words.

    Examples
    --------
    A one-state WFA is matched at size 1: zero lower bound, tiny held-out error.

    >>> from rnnexpr.models import WFA
    >>> prof = depth1_error_profile(WFA([1], [[[1], [2]]], [1]), [1, 2], [[0, 1, 1]], max_length=2)
    >>> prof.sizes, prof.block_rank.rank, prof.reaches_zero, prof.check()
    ((1, 2), 1, True, True)
    >>> prof.lower_bounds[0] < 1e-12, prof.held_out_errors[0] < 1e-9
    (True, True)
    >>> sorted(prof.to_dict())[:3]
    ['block_rank', 'held_out_errors', 'lower_bounds']
    """

    sizes: tuple[int, ...]
    held_out_errors: tuple[float, ...]
    lower_bounds: tuple[float, ...]
    singular_values: np.ndarray = field(repr=False)
    block_rank: RankResult
    prefixes: tuple[Word, ...] = field(repr=False)
    suffixes: tuple[Word, ...] = field(repr=False)
    test_words: tuple[Word, ...] = field(repr=False)

    @property
    def reaches_zero(self) -> bool:
        """True when some size has a zero lower bound (the block is matched by a WFA of that size)."""
        return any(lb == 0.0 for lb in self.lower_bounds) or self.block_rank.rank <= max(self.sizes)

    def check(self) -> bool:
        """Re-check the bounds from the stored singular values (and the held-out errors respect them)."""
        s = np.asarray(self.singular_values)
        total = float(np.sqrt(np.sum(s**2)))
        for n, lb in zip(self.sizes, self.lower_bounds, strict=True):
            expected = float(np.sqrt(np.sum(s[n:] ** 2))) / total if total > 0 else 0.0
            if not math.isclose(expected, lb, rel_tol=1e-9, abs_tol=1e-300):
                return False
        return len(self.sizes) == len(self.held_out_errors) == len(self.lower_bounds)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable dictionary."""
        return {
            "sizes": list(self.sizes),
            "held_out_errors": list(self.held_out_errors),
            "lower_bounds": list(self.lower_bounds),
            "singular_values": np.asarray(self.singular_values, dtype=float).tolist(),
            "block_rank": self.block_rank.to_dict(),
            "prefixes": [list(w) for w in self.prefixes],
            "suffixes": [list(w) for w in self.suffixes],
            "test_words": [list(w) for w in self.test_words],
        }


def depth1_error_profile(
    target: Any,
    sizes: Sequence[int],
    test_words: Sequence[Sequence[int]],
    prefixes: Sequence[Sequence[int]] | None = None,
    suffixes: Sequence[Sequence[int]] | None = None,
    alphabet_size: int | None = None,
    max_length: int = 3,
    rank_method: str | None = None,
    max_entries: int = 10**7,
) -> DepthOneErrorProfile:
    """Error of the best depth-1 model (WFA) at each size: spectral upper bound and Eckart-Young lower bound.

    On a depth-2 target such as the T5 witness the lower bound stays positive at
    every size below the rank of the block, and the rank grows with the block
    (T5), so no size reaches zero error.

    Parameters
    ----------
    target : model, mapping or callable
        As in :func:`hankel_blocks`.
    sizes : sequence of int
        Numbers of states to try.
    test_words : sequence of words
        Held-out words for :func:`held_out_error` (relative metric).
    prefixes, suffixes, alphabet_size, max_length, max_entries
        As in :func:`hankel_blocks`.
    rank_method : {"exact", "modular", "numerical"}, optional
        How to compute ``rank H``; default exact when the target has exact values.

    Returns
    -------
    DepthOneErrorProfile

    Examples
    --------
    >>> from rnnexpr.models import Linear2RNNLayer, Stack
    >>> t5 = Stack([Linear2RNNLayer(A=[[[2]]], h0=[1]), Linear2RNNLayer(A=[[[1]]], h0=[1])], C=[[1]])
    >>> prof = depth1_error_profile(t5, [1, 2, 3], [[0] * 7], max_length=3)
    >>> prof.block_rank.rank, all(lb > 0 for lb in prof.lower_bounds)
    (4, True)
    """
    size_list = []
    for n in sizes:
        size_list.append(check_int(n, "sizes", minimum=1))
    if not size_list:
        raise InvalidArgumentError("sizes: expected at least one size, got none")
    d = _alphabet_size(target, alphabet_size)
    tests = [tuple(w) for w in check_words(test_words, d, "test_words")]
    if not tests:
        raise InvalidArgumentError("test_words: expected at least one held-out word, got none")
    # Models say whether they are exact; mappings and callables are exact when their values are.
    exact_values = bool(getattr(target, "is_exact", True))
    try:
        blocks = hankel_blocks(target, prefixes, suffixes, d, max_length, exact_values, max_entries)
    except ExactnessError:
        exact_values = False
        blocks = hankel_blocks(target, prefixes, suffixes, d, max_length, False, max_entries)
    if rank_method is None:
        rank_method = "exact" if exact_values else "numerical"
    if rank_method in ("exact", "modular") and not exact_values:
        raise ExactnessError(f"rank_method: {rank_method!r} needs exact target values, which this target lacks")
    rank = matrix_rank(blocks.H, rank_method) if rank_method != "numerical" else matrix_rank(
        np.asarray(blocks.H, dtype=float), "numerical", warn=False
    )
    fb = blocks.to_float()
    s = _singular_values(fb.H)
    total = float(np.sqrt(np.sum(s**2)))
    errors, lower = [], []
    for n in size_list:
        lower.append(float(np.sqrt(np.sum(s[n:] ** 2))) / total if total > 0 else 0.0)
        if n > len(s) or s[n - 1] <= 0:
            errors.append(math.nan)  # not identifiable at this size from this block
            continue
        learned = _float_spectral(fb, n, None)
        errors.append(held_out_error(learned, target, tests))
    return DepthOneErrorProfile(tuple(size_list), tuple(errors), tuple(lower), s, rank, blocks.prefixes,
                                blocks.suffixes, tuple(tests))
