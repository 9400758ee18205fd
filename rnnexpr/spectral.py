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

A WFA with n states is a pure depth-1 linear 2RNN with n units (:doc:`/theory/t3`), so
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
from typing import Any, Literal

import numpy as np

from .errors import ExactnessError, InvalidArgumentError, ModelKindError, ShapeError, SizeLimitError
from .exact import RankResult, exact_matmul, independent_rows, matrix_rank, solve
from .models import WFA, Stack, check_words
from .conversions import to_wfa
from .numbers import is_exact_scalar, to_exact_array, to_fraction
from .validation import check_choice, check_int, deprecated_positional

__all__ = [
    "HankelBlocks",
    "hankel_blocks",
    "empirical_frequencies",
    "spectral_learn",
    "held_out_error",
    "DepthOneErrorProfile",
    "depth1_error_profile",
    "VARIANTS",
    "sample_hankel_blocks",
    "learn_from_sample",
    "convert_variant",
    "perplexity",
    "word_error_rate",
    "smooth_values",
    "ngram_wfa",
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
    H : numpy.ndarray or scipy.sparse.csr_matrix
        ``H[u, v] = f(uv)``, shape ``(|P|, |S|)``.
    H_sigma : numpy.ndarray or tuple of scipy.sparse.csr_matrix
        ``H_sigma[s, u, v] = f(u s v)``, shape ``(d, |P|, |S|)`` (dense), or one
        sparse matrix per symbol.
    h_P : numpy.ndarray
        ``h_P[u] = f(u)``.
    h_S : numpy.ndarray
        ``h_S[v] = f(v)``.
    exact : bool
        True when the entries are exact Fractions.
    sparse : bool
        True when ``H`` and ``H_sigma`` are ``scipy.sparse`` matrices (see
        :func:`sample_hankel_blocks`); :meth:`to_dense` converts.

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
    H: Any = field(repr=False)  # numpy.ndarray, or a scipy.sparse matrix when sparse
    H_sigma: Any = field(repr=False)
    h_P: np.ndarray = field(repr=False)
    h_S: np.ndarray = field(repr=False)
    exact: bool = False
    sparse: bool = False

    @property
    def alphabet_size(self) -> int:
        """Alphabet size d."""
        return len(self.H_sigma)

    def to_dense(self) -> HankelBlocks:
        """The same blocks as dense numpy arrays.

        Examples
        --------
        >>> b = sample_hankel_blocks([[0, 1], [1]], 2, max_length=1)
        >>> b.sparse, b.to_dense().H_sigma.shape
        (True, (2, 3, 2))
        """
        if not self.sparse:
            return self
        return HankelBlocks(self.prefixes, self.suffixes, self.H.toarray(),
                            np.stack([m.toarray() for m in self.H_sigma]), self.h_P, self.h_S, False, False)

    def to_float(self) -> HankelBlocks:
        """The same blocks in float64."""
        if not self.exact:
            return self
        conv = lambda a: np.array(a, dtype=np.float64)  # noqa: E731 - Fractions convert exactly-rounded
        return HankelBlocks(self.prefixes, self.suffixes, conv(self.H), conv(self.H_sigma), conv(self.h_P),
                            conv(self.h_S), False)


@deprecated_positional
def hankel_blocks(
    target: Any,
    prefixes: Sequence[Sequence[int]] | None = None,
    suffixes: Sequence[Sequence[int]] | None = None,
    *,
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
    if isinstance(target, Mapping) and not exact:
        fast = _mapping_blocks(target, P, S, d)  # sorted integer codes: no look-up per entry
        if fast is not None:
            return fast
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


@deprecated_positional
def spectral_learn(
    target: Any,
    num_states: int | None = None,
    *,
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
        blocks = hankel_blocks(target, prefixes, suffixes, alphabet_size=d, max_length=max_length, exact=exact,
                               max_entries=max_entries)
    if exact:
        return _exact_spectral(blocks, num_states)
    return _float_spectral(blocks.to_float(), num_states, rtol)


def _float_spectral(b: HankelBlocks, num_states: int | None, rtol: float | None) -> WFA:
    if b.sparse:
        if num_states is not None and int(num_states) < min(b.H.shape):
            return _sparse_spectral(b, int(num_states))
        b = b.to_dense()
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


def _sparse_spectral(b: HankelBlocks, n: int) -> WFA:
    """The float spectral WFA from a truncated sparse SVD (``scipy.sparse.linalg.svds``)."""
    from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, svds

    H = b.H.astype(np.float64)
    try:
        if H.nnz == 0:
            raise ArpackError(-9)  # a zero block: svds cannot start, the dense path reports the rank
        U, s, Vt = svds(H, k=n, random_state=0)
    except (ArpackError, ArpackNoConvergence):
        if H.shape[0] * H.shape[1] > 10**8:
            raise InvalidArgumentError(
                f"num_states: the sparse SVD of the {H.shape[0]} x {H.shape[1]} Hankel block did not converge "
                f"for {n} states (rank below {n}?), and the block is too large for a dense SVD") from None
        return _float_spectral(b.to_dense(), n, None)
    order = np.argsort(s)[::-1]  # svds returns ascending singular values
    U, s, Vt = U[:, order], s[order], Vt[order]
    if s[n - 1] <= 0:
        raise InvalidArgumentError(
            f"num_states: the Hankel block has rank < {n}; a WFA of size {n} is not identifiable from it "
            "(use fewer states or more prefixes and suffixes)")
    V = Vt.T
    left = (U / s).T
    alpha = np.asarray(b.h_S) @ V
    omega = left @ np.asarray(b.h_P)
    A = np.stack([left @ np.asarray(b.H_sigma[k] @ V) for k in range(b.alphabet_size)], axis=1)
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
    assert B_inv is not None  # B is an invertible block: n independent rows of a rank-n matrix
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


@deprecated_positional
def held_out_error(model: Any, target: Any, words: Sequence[Sequence[int]], *, metric: str = "relative") -> float:
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
    word_list: list[Word] = [tuple(w) for w in words]
    d = None
    for m in (model, target):
        if _is_model(m):
            d = int(m.alphabet_size)
    if d is not None:
        word_list = [tuple(w) for w in check_words(word_list, d)]
    y_model = _evaluate(model, word_list, False)
    y = _evaluate(target, word_list, False)
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


@deprecated_positional
def depth1_error_profile(
    target: Any,
    sizes: Sequence[int],
    test_words: Sequence[Sequence[int]],
    *,
    prefixes: Sequence[Sequence[int]] | None = None,
    suffixes: Sequence[Sequence[int]] | None = None,
    alphabet_size: int | None = None,
    max_length: int = 3,
    rank_method: Literal["exact", "modular", "numerical"] | None = None,
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
        blocks = hankel_blocks(target, prefixes, suffixes, alphabet_size=d, max_length=max_length,
                               exact=exact_values, max_entries=max_entries)
    except ExactnessError:
        exact_values = False
        blocks = hankel_blocks(target, prefixes, suffixes, alphabet_size=d, max_length=max_length, exact=False,
                               max_entries=max_entries)
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


# ---------------------------------------------------------------------------
# Integer encodings of words: the vectorized Hankel blocks
# ---------------------------------------------------------------------------
#
# A word s_1..s_l over {0..d-1} is the integer with the base-B digits
# (s_1 + 1) .. (s_l + 1), B = d + 1 (the empty word is 0).  No digit is 0, so the
# code is a bijection, code(uv) = code(u) * B^|v| + code(v), and for words of
# equal length the numeric order is the lexicographic one, shorter words first:
# the order (length, word) of splearn's rows and columns.  Codes fit in int64
# while B^l < 2^63; longer words take the generic (dictionary) path.

_INT64_MAX = np.iinfo(np.int64).max


def _code_capacity(d: int) -> int:
    """Longest word length whose codes fit in int64 (B^l - 1 <= 2^63 - 1)."""
    B, length, power = d + 1, 0, 1
    while power <= _INT64_MAX // B:
        power *= B
        length += 1
    return length


def _padded(words: Sequence[Sequence[int]], width: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Words as an (N, L) int64 array of digits s + 1 (0 = padding) and their lengths."""
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    L = int(lengths.max(initial=0)) if width is None else width
    flat = np.fromiter(itertools.chain.from_iterable(words), dtype=np.int64, count=int(lengths.sum()))
    X = np.zeros((len(words), max(L, 1)), dtype=np.int64)
    if flat.size:
        rows = np.repeat(np.arange(len(words)), lengths)
        starts = np.cumsum(lengths) - lengths
        cols = np.arange(flat.size) - np.repeat(starts, lengths)
        X[rows, cols] = flat + 1
    return X, lengths


def _prefix_codes(X: np.ndarray, lengths: np.ndarray, B: int, upto: int) -> np.ndarray:
    """codes[i, k] = code of the first k symbols of word i (k = 0..upto); -1 past its length."""
    out = np.full((X.shape[0], upto + 1), -1, dtype=np.int64)
    code = np.zeros(X.shape[0], dtype=np.int64)
    out[:, 0] = 0
    for k in range(1, upto + 1):
        code = code * B + X[:, k - 1]
        out[:, k] = np.where(k <= lengths, code, -1)
    return out


def _encode(words: Sequence[Word], B: int) -> np.ndarray:
    X, lengths = _padded(words)
    upto = X.shape[1]
    return _prefix_codes(X, lengths, B, upto)[np.arange(len(words)), lengths]


def _decode_digits(codes: np.ndarray, B: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Digits (left-aligned, 0-padded) and lengths of codes."""
    digits_rev = np.zeros((codes.size, max(width, 1)), dtype=np.int64)
    rest = codes.copy()
    lengths = np.zeros(codes.size, dtype=np.int64)
    for k in range(width):
        digits_rev[:, k] = rest % B
        lengths += rest > 0
        rest //= B
    # digits_rev[i, :len] holds the word reversed; left-align it.
    idx = lengths[:, None] - 1 - np.arange(max(width, 1))[None, :]
    X = np.where(idx >= 0, np.take_along_axis(digits_rev, np.clip(idx, 0, None), axis=1), 0)
    return X, lengths


def _lookup(sorted_codes: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of queries in a sorted code array, and whether they are there."""
    pos = np.searchsorted(sorted_codes, queries)
    pos_c = np.minimum(pos, max(sorted_codes.size - 1, 0))
    found = (pos < sorted_codes.size) & (sorted_codes[pos_c] == queries) if sorted_codes.size else \
        np.zeros(queries.shape, dtype=bool)
    return pos_c, found


class _WordIndex:
    """Row (or column) words: their codes, sorted, with the position of each in the caller's list."""

    def __init__(self, codes: np.ndarray) -> None:
        order = np.argsort(codes, kind="stable")
        self.sorted = codes[order]
        self.position = order
        self.unique = bool(self.sorted.size < 2 or np.all(np.diff(self.sorted) > 0))

    def find(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not self.sorted.size:
            return np.zeros(queries.shape, dtype=np.int64), np.zeros(queries.shape, dtype=bool)
        pos, found = _lookup(self.sorted, queries)
        return self.position[pos], found


def _scatter(keys: np.ndarray, values: np.ndarray, B: int, d: int, rows: _WordIndex, cols: _WordIndex,
             width: int) -> tuple[tuple, list[tuple], np.ndarray, np.ndarray]:
    """COO entries of H and H_sigma from the (code -> value) pairs of a sparse function.

    Each word w = u v (and w = u s v) is split at every position; the entry is
    kept when u is a row word and v a column word.  Work O(K * width) for K
    words, independent of the block size.
    """
    X, lengths = _decode_digits(keys, B, width)
    pref = _prefix_codes(X, lengths, B, width)  # pref[i, k] = code(w[:k])
    powers = np.ones(width + 2, dtype=np.int64)
    for j in range(1, width + 2):
        powers[j] = powers[j - 1] * B if powers[j - 1] <= _INT64_MAX // B else 0
    k = np.arange(width + 1)[None, :]
    valid = k <= lengths[:, None]
    # w = u v with |u| = k: code(v) = code(w) - code(u) * B^(|w| - k).
    u = np.where(valid, pref, 0)
    shift = powers[np.clip(lengths[:, None] - k, 0, width + 1)]
    v = keys[:, None] - u * shift
    r, in_r = rows.find(u)
    c, in_c = cols.find(v)
    ok = valid & in_r & in_c
    H = (r[ok], c[ok], np.broadcast_to(values[:, None], ok.shape)[ok])
    # w = u s v with |u| = k < |w|: s = w[k], code(v) = code(w) - code(u s) * B^(|w| - k - 1).
    valid_s = k < lengths[:, None]
    s_digit = np.take_along_axis(X, np.clip(k, 0, X.shape[1] - 1), axis=1) if X.shape[1] else np.zeros_like(k)
    us = np.where(valid_s, u * B + s_digit, 0)
    shift_s = powers[np.clip(lengths[:, None] - k - 1, 0, width + 1)]
    vs = keys[:, None] - us * shift_s
    c2, in_c2 = cols.find(vs)
    ok_s = valid_s & in_r & in_c2
    sym = s_digit[ok_s] - 1
    rr, cc, vv = r[ok_s], c2[ok_s], np.broadcast_to(values[:, None], ok_s.shape)[ok_s]
    Hs = [(rr[sym == a], cc[sym == a], vv[sym == a]) for a in range(d)]
    return H, Hs, r, c


def _assemble(P: Sequence[Word], S: Sequence[Word], keys: np.ndarray, values: np.ndarray, B: int, d: int,
              rows: _WordIndex, cols: _WordIndex, width: int, sparse: bool) -> HankelBlocks:
    H, Hs, _, _ = _scatter(keys, values, B, d, rows, cols, width)
    shape = (len(P), len(S))
    if sparse:
        from scipy import sparse as sps

        def build(entries: tuple) -> Any:
            r, c, v = entries
            return sps.csr_matrix((v, (r, c)), shape=shape, dtype=np.float64)

        H_out: Any = build(H)
        Hs_out: Any = tuple(build(e) for e in Hs)
    else:
        H_out = np.zeros(shape)
        H_out[H[0], H[1]] = H[2]
        Hs_out = np.zeros((d,) + shape)
        for a, (r, c, v) in enumerate(Hs):
            Hs_out[a, r, c] = v
    key_index = _WordIndex(keys)
    h = []
    for index in (rows, cols):
        pos, found = key_index.find(index.sorted)
        vec = np.zeros(index.sorted.size)
        vec[index.position[found]] = values[pos[found]]
        h.append(vec)
    return HankelBlocks(tuple(P), tuple(S), H_out, Hs_out, h[0], h[1], False, sparse)


def _mapping_blocks(target: Mapping, P: list[Word], S: list[Word], d: int) -> HankelBlocks | None:
    """Dense blocks of a mapping of float estimates, vectorized; None when the generic path is needed."""
    width = max(map(len, P), default=0) + max(map(len, S), default=0) + 1
    if width > _code_capacity(d):
        return None
    B = d + 1
    rows, cols = _WordIndex(_encode(P, B)), _WordIndex(_encode(S, B))
    if not (rows.unique and cols.unique):
        return None
    words, vals = [], []
    for w, v in target.items():
        if isinstance(w, tuple) and len(w) <= width and all(
                isinstance(s, int | np.integer) and not isinstance(s, bool) and 0 <= s < d for s in w):
            words.append(w)
            vals.append(v)
    try:
        values = np.array(vals, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if not np.all(np.isfinite(values)):
        from .errors import NonFiniteError

        raise NonFiniteError("target: expected finite values, got NaN or infinity")
    keys = _encode(words, B) if words else np.zeros(0, dtype=np.int64)
    return _assemble(P, S, keys, values, B, d, rows, cols, width, sparse=False)


#: The Hankel variants of a sample (Balle, Carreras, Luque and Quattoni 2014): the function whose blocks are built.
VARIANTS = ("classic", "prefix", "suffix", "factor")


def _sample_items(X: np.ndarray, lengths: np.ndarray, B: int, variant: str, cap: int) -> np.ndarray:
    """Codes of the items each variant counts: words, prefixes, suffixes or factors of length <= cap."""
    N, L = X.shape
    if variant == "classic":
        keep = lengths <= cap
        pref = _prefix_codes(X[keep], lengths[keep], B, min(L, cap))
        return pref[np.arange(int(keep.sum())), lengths[keep]]
    if variant == "prefix":
        pref = _prefix_codes(X, lengths, B, min(L, cap))
        return pref[pref >= 0]
    if variant == "suffix":
        # Reverse each word (right-aligned symbols first), take prefix codes of the reversal, then re-encode.
        idx = lengths[:, None] - 1 - np.arange(L)[None, :]
        R = np.where(idx >= 0, np.take_along_axis(X, np.clip(idx, 0, None), axis=1), 0)
        out = [np.zeros(N, dtype=np.int64)]  # the empty suffix of every word
        code = np.zeros(N, dtype=np.int64)
        power = 1
        for k in range(1, min(L, cap) + 1):
            code = code + R[:, k - 1] * power  # the last k symbols, in reading order
            power *= B
            out.append(code[k <= lengths])
        return np.concatenate(out)
    # factor: every factor w[i:i+k], k = 0..cap (the empty factor len(w) + 1 times).
    out = [np.zeros(int(lengths.sum()) + N, dtype=np.int64)]
    code = np.zeros((N, L), dtype=np.int64)
    for k in range(1, min(L, cap) + 1):
        code = code[:, : L - k + 1] * B + X[:, k - 1:]
        starts = np.arange(L - k + 1)[None, :]
        out.append(code[starts + k <= lengths[:, None]])
    return np.concatenate(out)


def _observed(items_sorted: np.ndarray, B: int, max_length: int) -> np.ndarray:
    """The distinct item codes of length <= max_length (sorted: splearn's row order)."""
    bound = (B ** (max_length + 1) - 1) // (B - 1)  # the first code of length max_length + 1
    return items_sorted[items_sorted < bound] if bound <= _INT64_MAX else items_sorted


def sample_hankel_blocks(
    samples: Sequence[Sequence[int]],
    alphabet_size: int,
    *,
    variant: str = "classic",
    max_length: int = 3,
    prefixes: Sequence[Sequence[int]] | None = None,
    suffixes: Sequence[Sequence[int]] | None = None,
    sparse: bool = True,
    max_entries: int = 10**8,
) -> HankelBlocks:
    """Hankel blocks of the empirical estimate of a sample, as sparse matrices (vectorized).

    The four variants estimate, for a sample of N words drawn from a
    distribution P over words:

    * ``"classic"``: ``f(w) = P(w)``, the fraction of sampled words equal to w;
    * ``"prefix"``: ``f(w) = P(w Sigma*)``, the fraction with prefix w;
    * ``"suffix"``: ``f(w) = P(Sigma* w)``, the fraction with suffix w;
    * ``"factor"``: ``f(w) = E[number of occurrences of w as a factor]``.

    Each is a WFA when P is (spectral learning on the prefix, suffix or factor
    blocks uses more of the sample; :func:`learn_from_sample` converts the
    learned automaton back to the classic function).  The blocks are built
    from sorted integer encodings of the words (one pass of ``numpy.unique``
    over the counted items and one scatter of their splits), not one
    dictionary look-up per entry.

    Parameters
    ----------
    samples : sequence of words
        The sample (a :class:`rnnexpr.data.SequenceData` works too).
    alphabet_size : int
    variant : {"classic", "prefix", "suffix", "factor"}
    max_length : int
        Default rows and columns: the words of length ``<= max_length`` that
        occur in the sample as prefixes (rows of "classic" and "prefix") or
        factors (rows of "suffix" and "factor"), and as suffixes (columns of
        "classic" and "suffix") or factors (columns of "prefix" and "factor"),
        in the order (length, word): scikit-splearn's ``partial=True``
        ``lrows=lcolumns=max_length`` choice.  Rows and columns outside the
        sample are zero in the classic block, so nothing is lost.
    prefixes, suffixes : sequence of words, optional
        Explicit rows and columns instead (distinct words).
    sparse : bool
        ``scipy.sparse`` CSR blocks (default) or dense arrays.
    max_entries : int
        Refuse dense blocks with more than this many entries ``(d + 1) |P| |S|``
        (sparse blocks store only their nonzero entries).

    Returns
    -------
    HankelBlocks
        With ``sparse`` set; ``H`` and ``H_sigma`` are CSR matrices when sparse.

    Raises
    ------
    InvalidArgumentError
        On an empty sample, an unknown variant or repeated rows or columns.
    AlphabetError
        On symbols outside the alphabet.

    Examples
    --------
    >>> b = sample_hankel_blocks([[0], [0], [0, 1], []], 2, max_length=1)
    >>> b.prefixes, b.suffixes
    (((), (0,)), ((), (0,), (1,)))
    >>> b.H.toarray().tolist()
    [[0.25, 0.5, 0.0], [0.5, 0.0, 0.25]]
    >>> sample_hankel_blocks([[0], [0, 1]], 2, variant="prefix", max_length=1).h_P.tolist()
    [1.0, 1.0]
    """
    d = check_int(alphabet_size, "alphabet_size", minimum=1)
    variant = check_choice(variant, "variant", VARIANTS)
    max_length = check_int(max_length, "max_length", minimum=0)
    words = _fast_words(samples, d, "samples")
    if not words:
        raise InvalidArgumentError("samples: expected at least one sampled word, got none")
    B = d + 1
    P = [tuple(w) for w in check_words(prefixes, d, "prefixes")] if prefixes is not None else None
    S = [tuple(w) for w in check_words(suffixes, d, "suffixes")] if suffixes is not None else None
    lp = max(map(len, P), default=0) if P is not None else max_length
    ls = max(map(len, S), default=0) if S is not None else max_length
    width = lp + ls + 1
    if width > _code_capacity(d):
        raise InvalidArgumentError(
            f"max_length: expected rows and columns with |u| + |v| + 1 <= {_code_capacity(d)} for an alphabet of "
            f"size {d} (int64 word codes), got {lp} + {ls} + 1")
    X, lengths = _padded(words)
    items = _sample_items(X, lengths, B, variant, width)
    keys, counts = np.unique(items, return_counts=True)
    values = counts / len(words)
    def observed(kind: str, length: int) -> np.ndarray:
        items = keys if kind == variant else np.unique(_sample_items(X, lengths, B, kind, length))
        return _observed(items, B, length)

    if P is None:
        row_codes = observed("prefix" if variant in ("classic", "prefix") else "factor", lp)
    else:
        row_codes = _encode(P, B) if P else np.zeros(0, dtype=np.int64)
    if S is None:
        col_codes = observed("suffix" if variant in ("classic", "suffix") else "factor", ls)
    else:
        col_codes = _encode(S, B) if S else np.zeros(0, dtype=np.int64)
    rows, cols = _WordIndex(row_codes), _WordIndex(col_codes)
    if not (rows.unique and cols.unique):
        raise InvalidArgumentError("prefixes/suffixes: expected distinct words, got repetitions")
    if not row_codes.size or not col_codes.size:
        raise ShapeError(f"prefixes/suffixes: expected non-empty word lists, got {row_codes.size} and "
                         f"{col_codes.size} words")
    if not sparse:
        size = (d + 1) * row_codes.size * col_codes.size
        if size > max_entries:
            raise SizeLimitError(f"prefixes/suffixes: dense blocks need (d + 1) |P| |S| = {size} entries, above "
                                 f"max_entries={max_entries}; use sparse=True")
    if P is None:
        P = _words_from_codes(row_codes, B, lp)
    if S is None:
        S = _words_from_codes(col_codes, B, ls)
    return _assemble(P, S, keys, values, B, d, rows, cols, width, sparse)


_INT_TYPES = frozenset({int, np.int64, np.int32, np.int16, np.int8, np.uint8, np.uint16, np.uint32})


def _fast_words(words: Any, d: int, name: str) -> list[Word]:
    """``check_words`` for large samples: the per-symbol checks done on whole arrays."""
    if isinstance(words, Sequence) and not isinstance(words, str | bytes) and all(
            isinstance(w, tuple | list) for w in words):
        types = set(map(type, itertools.chain.from_iterable(words)))
        if types <= _INT_TYPES:
            flat = np.fromiter(itertools.chain.from_iterable(words), dtype=np.int64)
            if flat.size == 0 or (flat.min() >= 0 and flat.max() < d):
                return [w if isinstance(w, tuple) else tuple(w) for w in words]
    return check_words(list(words), d, name)  # the exact error message


def _words_from_codes(codes: np.ndarray, B: int, width: int) -> list[Word]:
    X, lengths = _decode_digits(codes, B, width)
    rows = (X - 1).tolist()
    return [tuple(r[:n]) for r, n in zip(rows, lengths.tolist(), strict=True)]


# ---------------------------------------------------------------------------
# Learning from a sample, variants, scoring, smoothing
# ---------------------------------------------------------------------------


def _sigma_sum(wfa: WFA) -> np.ndarray:
    return np.asarray(wfa.A, dtype=np.float64).sum(axis=1)  # A_Sigma = sum_s A_s


def convert_variant(model: WFA, *, source: str, target: str = "classic") -> WFA:
    """Change the function a WFA computes between the classic, prefix, suffix and factor variants.

    With ``A_Sigma = sum_s A_s`` and ``M = I - A_Sigma``: the prefix function
    ``P(w Sigma*) = alpha^T A_w M^{-1} omega``, the suffix function
    ``P(Sigma* w) = alpha^T M^{-1} A_w omega`` and the factor function
    ``alpha^T M^{-1} A_w M^{-1} omega`` of the classic ``P(w) = alpha^T A_w omega``
    (the series ``sum_k A_Sigma^k`` converges when ``P`` is a distribution).

    Parameters
    ----------
    model : WFA
        Float64.
    source, target : {"classic", "prefix", "suffix", "factor"}

    Returns
    -------
    WFA

    Raises
    ------
    InvalidArgumentError
        When ``I - A_Sigma`` is singular.

    Examples
    --------
    >>> pfa = WFA([1.0], [[[0.25], [0.25]]], [0.5])       # P(w) = 2^-(2|w| + 1)
    >>> prefix = convert_variant(pfa, source="classic", target="prefix")
    >>> round(prefix([0]), 12)                             # P(0 Sigma*) = 1/4
    0.25
    >>> back = convert_variant(prefix, source="prefix")
    >>> round(back([0, 1]), 12) == round(pfa([0, 1]), 12)
    True
    """
    if not isinstance(model, WFA):
        raise ModelKindError(f"model: expected a WFA, got {type(model).__name__}")
    source = check_choice(source, "source", VARIANTS)
    target = check_choice(target, "target", VARIANTS)
    flt = model.to_float()
    n = flt.num_states
    M = np.eye(n) - _sigma_sum(flt)
    alpha, omega = np.array(flt.alpha, dtype=np.float64), np.array(flt.omega, dtype=np.float64)
    left = {"classic": 0, "prefix": 0, "suffix": 1, "factor": 1}  # powers of M^{-1} on each side
    right = {"classic": 0, "prefix": 1, "suffix": 0, "factor": 1}
    dl, dr = left[target] - left[source], right[target] - right[source]
    try:
        if dl == 1:
            alpha = np.linalg.solve(M.T, alpha)
        elif dl == -1:
            alpha = M.T @ alpha
        if dr == 1:
            omega = np.linalg.solve(M, omega)
        elif dr == -1:
            omega = M @ omega
    except np.linalg.LinAlgError:
        raise InvalidArgumentError("model: expected I - sum_s A_s invertible to change the variant, got a "
                                   "singular matrix") from None
    return WFA(alpha, flt.A, omega)


def learn_from_sample(
    samples: Sequence[Sequence[int]],
    num_states: int,
    alphabet_size: int,
    *,
    variant: str = "classic",
    max_length: int = 3,
    prefixes: Sequence[Sequence[int]] | None = None,
    suffixes: Sequence[Sequence[int]] | None = None,
) -> WFA:
    """Spectral learning of a distribution over words from a sample (scikit-splearn's ``Spectral.fit``).

    Builds the sparse blocks of :func:`sample_hankel_blocks` for the chosen
    variant, learns a WFA with ``num_states`` states from a truncated SVD of
    ``H`` (``scipy.sparse.linalg.svds``), and converts it back to the classic
    function ``P(w)`` (:func:`convert_variant`).

    Parameters
    ----------
    samples : sequence of words
    num_states : int
        The rank of the truncated SVD.
    alphabet_size : int
    variant : {"classic", "prefix", "suffix", "factor"}
    max_length, prefixes, suffixes
        The rows and columns, as in :func:`sample_hankel_blocks`.

    Returns
    -------
    WFA
        Float64, computing an estimate of ``P(w)``.

    Examples
    --------
    >>> from rnnexpr.data import sample_words
    >>> pfa = WFA([1.0], [[[0.25], [0.25]]], [0.5])
    >>> train = sample_words(pfa, 5000, seed=1)
    >>> learned = learn_from_sample(train, 1, 2, variant="prefix", max_length=2)
    >>> abs(learned([0, 1]) - pfa([0, 1])) < 0.01
    True
    """
    n = check_int(num_states, "num_states", minimum=1)
    blocks = sample_hankel_blocks(samples, alphabet_size, variant=variant, max_length=max_length,
                                  prefixes=prefixes, suffixes=suffixes, sparse=True)
    wfa = _float_spectral(blocks, n, None)
    return convert_variant(wfa, source=variant) if variant != "classic" else wfa


def _probabilities(model: Any, words: list[Word], fallback: Any) -> tuple[np.ndarray, int]:
    q = np.asarray(_evaluate(model, words, False), dtype=np.float64)
    bad = q <= 0
    if fallback is not None and bad.any():
        q = smooth_values(q, np.asarray(_evaluate(fallback, words, False), dtype=np.float64))
    return q, int(bad.sum())


def smooth_values(values: Any, fallback: Any) -> np.ndarray:
    """Replace the values ``<= 0`` of a learned distribution by those of a fallback (positive) model.

    Spectral estimates of a distribution are not constrained to be positive;
    a few held-out words get a value ``<= 0``, and perplexity needs a log.  The
    usual remedy (scikit-splearn's ``smooth_method="trigram"``) is to back off
    to a simpler model on those words: pass the fallback's values, for
    instance those of :func:`ngram_wfa`.

    Parameters
    ----------
    values : array_like
        The learned values.
    fallback : array_like or float
        Values used where ``values <= 0`` (broadcast).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> smooth_values([0.5, -0.1, 0.0], 1e-6).tolist()
    [0.5, 1e-06, 1e-06]
    """
    v = np.asarray(values, dtype=np.float64)
    fb = np.broadcast_to(np.asarray(fallback, dtype=np.float64), v.shape)
    if np.any(fb[v <= 0] <= 0):
        raise InvalidArgumentError("fallback: expected positive values where the model's are <= 0, got <= 0")
    return np.where(v > 0, v, fb)


def ngram_wfa(samples: Sequence[Sequence[int]], alphabet_size: int, *, pseudocount: float = 1.0) -> WFA:
    """The bigram distribution of a sample (add-``pseudocount`` smoothing) as a probabilistic WFA.

    States are "start" and "last symbol s"; from each, the next symbol or the
    end of the word is drawn with probability proportional to its count in the
    sample plus ``pseudocount``.  Every word gets a positive probability, so it
    is a fallback for :func:`smooth_values`.

    Parameters
    ----------
    samples : sequence of words
    alphabet_size : int
    pseudocount : float
        Added to every count (> 0).

    Returns
    -------
    WFA
        ``d + 1`` states, a distribution over words.

    Examples
    --------
    >>> bigram = ngram_wfa([[0, 1], [0]], 2)
    >>> round(float(sum(bigram.values([[], [0], [1], [0, 1], [0, 0]]))), 3) < 1, bigram([1, 1]) > 0
    (True, True)
    """
    d = check_int(alphabet_size, "alphabet_size", minimum=1)
    k = float(pseudocount)
    if not math.isfinite(k) or k <= 0:
        raise InvalidArgumentError(f"pseudocount: expected a positive number, got {pseudocount!r}")
    words = check_words(list(samples), d, "samples")
    counts = np.zeros((d + 1, d + 1))  # counts[state, next]: state 0 = start, s + 1 = after s; next d = end
    for w in words:
        prev = 0
        for s in w:
            counts[prev, s] += 1
            prev = s + 1
        counts[prev, d] += 1
    probs = (counts + k) / (counts + k).sum(axis=1, keepdims=True)
    A = np.zeros((d + 1, d, d + 1))
    for s in range(d):
        A[:, s, s + 1] = probs[:, s]
    alpha = np.zeros(d + 1)
    alpha[0] = 1.0
    return WFA(alpha, A, probs[:, d])


def perplexity(model: Any, words: Sequence[Sequence[int]], *, probabilities: Any = None,
               fallback: Any = None) -> float:
    """Perplexity of a learned distribution on test words (the PAutomaC score, or the per-word one).

    With the true probabilities ``p(w)`` of the test words (the PAutomaC
    solution files): ``2^(-sum_w p'(w) log2 q'(w))`` where ``p'`` and ``q'`` are
    ``p`` and the model's values normalized over the test words, as in
    PAutomaC (and scikit-splearn's ``score(X, y)``).  Without them:
    ``2^(-(1/N) sum_w log2 q(w))``, the per-word perplexity of the sample.

    Parameters
    ----------
    model : WFA, model with ``values``, mapping or callable
    words : sequence of words
    probabilities : array_like, optional
        True probabilities of the test words.
    fallback : model, optional
        Used where the model's value is ``<= 0`` (:func:`smooth_values`), for
        instance :func:`ngram_wfa` of the training sample.

    Returns
    -------
    float

    Raises
    ------
    InvalidArgumentError
        When the model gives a value ``<= 0`` to some word and there is no fallback.

    Examples
    --------
    >>> pfa = WFA([1.0], [[[0.25], [0.25]]], [0.5])
    >>> perplexity(pfa, [[], [0]])             # -log2: 1 and 3 bits
    4.0
    >>> round(perplexity(pfa, [[], [0]], probabilities=[0.5, 0.125]), 6)  # p' = q' = (0.8, 0.2)
    1.649385
    """
    ws = [tuple(w) for w in words]
    if not ws:
        raise InvalidArgumentError("words: expected at least one test word, got none")
    q, bad = _probabilities(model, ws, fallback)
    if (q <= 0).any():
        raise InvalidArgumentError(
            f"model: expected positive values on the test words, got {bad} of {len(ws)} values <= 0; "
            "pass fallback= (for instance ngram_wfa of the training sample) to smooth them")
    if probabilities is None:
        return float(2.0 ** (-np.mean(np.log2(q))))
    p = np.asarray(probabilities, dtype=np.float64)
    if p.shape != (len(ws),):
        raise ShapeError(f"probabilities: expected shape ({len(ws)},) (one per word), got {p.shape}")
    if (p < 0).any() or not np.isfinite(p).all() or p.sum() <= 0:
        raise InvalidArgumentError("probabilities: expected non-negative finite values with a positive sum")
    p, qn = p / p.sum(), q / q.sum()
    return float(2.0 ** (-np.sum(p * np.log2(qn))))


def word_error_rate(model: WFA, words: Sequence[Sequence[int]]) -> float:
    """Next-symbol word error rate of a learned distribution over words.

    At every position ``i = 0 .. |w|`` of every test word, the model predicts
    the most probable continuation of the prefix ``u = w[:i]`` among the ``d``
    symbols (``P(u s Sigma*) = alpha^T A_u A_s (I - A_Sigma)^{-1} omega``) and the
    end of the word (``P(u) = alpha^T A_u omega``); the rate is the fraction of
    wrong predictions over the ``sum_w (|w| + 1)`` positions (the SPiCe task,
    with the end marker counted).

    Parameters
    ----------
    model : WFA
        Computing ``P(w)`` (the classic variant).
    words : sequence of words

    Returns
    -------
    float
        In ``[0, 1]``.

    Examples
    --------
    >>> wfa = WFA([1.0, 0.0], [[[0.0, 0.9], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]], [0.1, 1.0])  # mostly "0"
    >>> word_error_rate(wfa, [[0], [1]])     # predicts 0 then end: right on [0], wrong twice on [1]
    0.5
    """
    if not isinstance(model, WFA):
        raise ModelKindError(f"model: expected a WFA, got {type(model).__name__}")
    d = model.alphabet_size
    ws = [tuple(w) for w in check_words(words, d)]
    if not ws:
        raise InvalidArgumentError("words: expected at least one test word, got none")
    prefix = convert_variant(model, source="classic", target="prefix")
    A = np.asarray(model.A, dtype=np.float64)
    omega = np.asarray(model.omega, dtype=np.float64)
    # Scores of the d + 1 outcomes from a state vector x: x^T A_s omega_p (s < d), x^T omega (end).
    out = np.concatenate([np.einsum("isj,j->is", A, np.asarray(prefix.omega)), omega[:, None]], axis=1)
    X, lengths = _padded(ws)
    L = X.shape[1]
    states = np.broadcast_to(np.asarray(model.alpha, dtype=np.float64), (len(ws), model.num_states)).copy()
    errors = total = 0
    At = A.transpose(1, 0, 2)
    for i in range(L + 1):
        alive = lengths >= i
        if not alive.any():
            break
        pred = np.argmax(states[alive] @ out, axis=1)
        truth = np.where(lengths[alive] == i, d, X[alive, min(i, L - 1)] - 1)
        errors += int(np.sum(pred != truth))
        total += int(alive.sum())
        if i < L:
            go = lengths > i
            states[go] = np.einsum("bi,bij->bj", states[go], At[X[go, i] - 1])
    return errors / total
