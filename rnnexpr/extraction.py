"""Black-box extraction: a WFA from any trained sequence model, with how good any WFA of each size can be.

Given a sequence model ``f`` (a torch ``nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` with
a readout, any torch module mapping ``(B, T, d)`` to ``(B, T, p)``, an rnnexpr
model, or any Python function from words to numbers), :func:`extract`

1. queries ``f`` on a Hankel basis: every word ``u s v`` and ``u v`` for
   prefixes and suffixes ``u, v`` of length ``<= max_length`` (all words of length
   ``<= 2 max_length + 1``, evaluated in batches);
2. estimates the numerical rank profile: the rank of the block ``H[u, v] = f(uv)``
   restricted to words of length ``<= k``, for ``k = 0 .. max_length``, each with
   its tolerance and singular-value gap (:func:`rnnexpr.exact.numerical_rank`).
   A linear RNN or 2RNN of depth 1 with n units has rank ``<= n + 1`` at every
   ``k``; a rank that keeps growing with ``k`` is the signature of depth or of a
   nonlinearity (:doc:`/theory/t5`);
3. learns a WFA by the spectral method (:func:`rnnexpr.spectral.spectral_learn`)
   of the numerical rank (or a given size);
4. reports, for each size n, the held-out error of the spectral WFA of size n
   against ``f`` on random test words, next to the Eckart-Young lower bound:
   no WFA with n states (no depth-1 linear 2RNN with n - 1 units) has a smaller
   relative error on the queried block (:class:`rnnexpr.spectral.DepthOneErrorProfile`).

Loading a saved torch network is not part of this module: ``torch.load`` on
an untrusted file can run arbitrary code unless ``weights_only=True``; the
command line (``rnnexpr extract``) reads only state dictionaries with
``weights_only=True`` (:func:`rnnexpr.torch.load_sequence_model`).

Examples
--------
>>> from rnnexpr.models import random_wfa
>>> target = random_wfa(3, 2, seed=0)
>>> result = extract(target, max_length=3)
>>> result.num_states, [r.rank for r in result.rank_profile]
(3, [1, 3, 3, 3])
>>> result.test_error < 1e-8, result.profile.lower_bounds[2] < 1e-12
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import InvalidArgumentError, ModelKindError, ShapeError
from .exact import RankResult, numerical_rank
from .hankel import words_up_to
from .limits import check_size
from .models import WFA, check_words
from .spectral import DepthOneErrorProfile, hankel_blocks, held_out_error, spectral_learn
from .validation import check_int, check_seed, check_tolerance

__all__ = ["ExtractionResult", "extract", "as_word_function"]

Word = tuple[int, ...]


def _is_torch_module(obj: Any) -> bool:
    return any(c.__module__.startswith("torch.nn") and c.__name__ == "Module" for c in type(obj).__mro__)


def as_word_function(model: Any, alphabet_size: int | None = None, *, readout: Any = None
                     ) -> tuple[Callable[[list[Word]], np.ndarray], int]:
    """A batched function ``words -> float64 values`` for any sequence model, and its alphabet size.

    Parameters
    ----------
    model : torch module, rnnexpr model or callable
        A torch module (see :func:`rnnexpr.torch.sequence_function`: an
        ``nn.RNN``/``nn.LSTM``/``nn.GRU`` needs ``readout``); an object with
        ``values(words)`` (WFA, Stack with one output); or a callable, batched
        (called on a list of words, returning one number per word: mark it with
        an attribute ``batched = True``) or not (called on one word, a list of
        symbols).
    alphabet_size : int, optional
        Needed unless the model knows it.
    readout : torch module, optional

    Returns
    -------
    (callable, int)

    Examples
    --------
    >>> f, d = as_word_function(lambda w: float(len(w)), 2)
    >>> f([(), (0, 1)]).tolist(), d
    ([0.0, 2.0], 2)
    """
    if _is_torch_module(model):
        from .torch import sequence_function

        if alphabet_size is None:
            alphabet_size = getattr(model, "input_size", None) or getattr(model, "input_dim", None)
        if alphabet_size is None:
            raise InvalidArgumentError("alphabet_size: expected an integer for this torch module, got None")
        d = check_int(alphabet_size, "alphabet_size", minimum=1)
        return sequence_function(model, d, readout=readout), d
    if readout is not None:
        raise InvalidArgumentError("readout: expected None unless the model is a torch module, got a readout")
    known = getattr(model, "alphabet_size", None)
    if known is None and hasattr(model, "values") and hasattr(model, "input_dim"):
        known = model.input_dim
    if alphabet_size is None:
        alphabet_size = known
    if alphabet_size is None:
        raise InvalidArgumentError("alphabet_size: expected an integer for a callable model, got None")
    d = check_int(alphabet_size, "alphabet_size", minimum=1)
    if known is not None and int(known) != d:
        raise ShapeError(f"alphabet_size: expected {known} (the model's alphabet), got {d}")
    if hasattr(model, "values") and not isinstance(model, dict):
        def f(words: list[Word]) -> np.ndarray:
            vals = np.asarray(model.values(words), dtype=np.float64)
            if vals.ndim != 1:
                raise ShapeError(f"model: expected one output per word, got outputs of shape {vals.shape[1:]}")
            return vals
        return f, d
    if not callable(model):
        raise ModelKindError(f"model: expected a torch module, a model with values() or a callable, got "
                             f"{type(model).__name__}")
    if getattr(model, "batched", False):
        def g(words: list[Word]) -> np.ndarray:
            return np.asarray(model(words), dtype=np.float64).reshape(len(words))
        return g, d

    def h(words: list[Word]) -> np.ndarray:
        return np.array([float(model(list(w))) for w in words], dtype=np.float64)

    return h, d


@dataclass(frozen=True, eq=False)
class ExtractionResult:
    """What :func:`extract` found.

    Attributes
    ----------
    wfa : WFA
        The extracted WFA (float64), of size ``num_states``.
    num_states : int
    rank_profile : tuple of RankResult
        Numerical rank of the Hankel block on words of length ``<= k``, for
        ``k`` in ``lengths`` (each with its tolerance and gap).
    lengths : tuple of int
    profile : DepthOneErrorProfile
        Held-out error of the spectral WFA of each size (NaN for sizes above
        the numerical rank, not identifiable from the block) and the
        Eckart-Young lower bound on the queried block.
    block_errors : tuple of float
        ``||H_n - H||_F / ||H||_F`` for the spectral WFA of each size n, on the
        queried block: never below the lower bound of that size (NaN where the
        size is not identifiable).  The held-out errors are measured on other
        words and may fall on either side of the bound.
    test_error : float
        Relative held-out error of ``wfa`` against the model.
    queries : int
        Number of words the model was evaluated on (Hankel block and test words).
    rtol : float
        The relative tolerance of the ranks.

    Examples
    --------
    >>> r = extract(lambda w: 0.5 ** len(w), alphabet_size=2, max_length=2)
    >>> r.num_states, r.to_dict()["rank_profile"]
    (1, [1, 1, 1])
    """

    wfa: WFA
    num_states: int
    rank_profile: tuple[RankResult, ...]
    lengths: tuple[int, ...]
    profile: DepthOneErrorProfile = field(repr=False)
    block_errors: tuple[float, ...]
    test_error: float
    queries: int
    rtol: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable summary."""
        return {
            "num_states": self.num_states,
            "lengths": list(self.lengths),
            "rank_profile": [r.rank for r in self.rank_profile],
            "tolerances": [r.tolerance for r in self.rank_profile],
            "gaps": [None if r.gap is None or math.isinf(r.gap) else r.gap for r in self.rank_profile],
            "rtol": self.rtol,
            "sizes": list(self.profile.sizes),
            "held_out_errors": [None if math.isnan(e) else e for e in self.profile.held_out_errors],
            "lower_bounds": list(self.profile.lower_bounds),
            "block_errors": [None if math.isnan(e) else e for e in self.block_errors],
            "test_error": self.test_error,
            "queries": self.queries,
        }

    def describe(self) -> str:
        """A table: rank profile, then error against lower bound per size.

        Examples
        --------
        >>> print(extract(lambda w: 0.5 ** len(w), alphabet_size=2, max_length=1).describe())  # doctest: +ELLIPSIS
        rank profile (words of length <= k, rtol 1e-06): k=0: 1, k=1: 1 (gap ...)
        size  held-out error  block error  lower bound
           1  ...  <- extracted
           2             nan          nan  ...
        """
        gap = self.rank_profile[-1].gap
        ranks = ", ".join(f"k={k}: {r.rank}" for k, r in zip(self.lengths, self.rank_profile, strict=True))
        lines = [f"rank profile (words of length <= k, rtol {self.rtol:g}): {ranks} "
                 f"(gap {'inf' if gap is None or math.isinf(gap) else f'{gap:.3g}'})",
                 "size  held-out error  block error  lower bound"]
        for n, e, be, lb in zip(self.profile.sizes, self.profile.held_out_errors, self.block_errors,
                                self.profile.lower_bounds, strict=True):
            mark = "  <- extracted" if n == self.num_states else ""
            lines.append(f"{n:4d}  {e:14.3e}  {be:11.3e}  {lb:11.3e}{mark}")
        return "\n".join(lines)


def extract(
    model: Any,
    *,
    alphabet_size: int | None = None,
    readout: Any = None,
    max_length: int = 3,
    num_states: int | None = None,
    sizes: Sequence[int] | None = None,
    test_words: Sequence[Sequence[int]] | None = None,
    test_count: int = 200,
    test_length: int | None = None,
    rtol: float = 1e-6,
    seed: int = 0,
) -> ExtractionResult:
    """Extract a WFA from a trained sequence model by querying it on a Hankel basis.

    Parameters
    ----------
    model : torch module, rnnexpr model or callable
        See :func:`as_word_function`.
    alphabet_size : int, optional
        Needed unless the model knows it (``input_size`` of a torch RNN).
    readout : torch module, optional
        The readout of an ``nn.RNN``/``nn.LSTM``/``nn.GRU`` (states to outputs).
    max_length : int
        Prefixes and suffixes: all words of length ``<= max_length``.
    num_states : int, optional
        Size of the extracted WFA; default the numerical rank of the full block.
    sizes : sequence of int, optional
        Sizes of the error profile; default ``1 .. min(rank + 2, |P|)``.
    test_words : sequence of words, optional
        Held-out words; default ``test_count`` random words of random lengths
        in ``0 .. test_length`` (default ``2 max_length + 4``: longer than any
        queried word), drawn with ``seed``.
    test_count, test_length : int
    rtol : float
        Relative tolerance of the numerical ranks (a network's outputs are
        noisy at the level of its float arithmetic and training: ``1e-6`` by
        default).
    seed : int

    Returns
    -------
    ExtractionResult

    Raises
    ------
    SizeLimitError
        When the queries exceed the ``words`` budget of :mod:`rnnexpr.limits`.

    Examples
    --------
    The parity of the number of 1s, as a Python function: a 2-state WFA.

    >>> r = extract(lambda w: float(sum(w) % 2), alphabet_size=2, max_length=2)
    >>> r.num_states, round(r.test_error, 8)
    (2, 0.0)
    """
    l = check_int(max_length, "max_length", minimum=0)
    rtol = check_tolerance(rtol, "rtol")
    seed = check_seed(seed)
    f, d = as_word_function(model, alphabet_size, readout=readout)
    count = sum(d**k for k in range(2 * l + 2))
    check_size(count, "max_length: words queried (all words of length <= 2 max_length + 1)", "words")
    P = words_up_to(d, l)
    queried = words_up_to(d, 2 * l + 1, max_words=count)
    if test_words is None:
        tl = 2 * l + 4 if test_length is None else check_int(test_length, "test_length", minimum=0)
        n_test = check_int(test_count, "test_count", minimum=1)
        rng = np.random.default_rng(seed)
        tests = [tuple(rng.integers(0, d, size=int(rng.integers(0, tl + 1))).tolist()) for _ in range(n_test)]
    else:
        tests = [tuple(w) for w in check_words(test_words, d, "test_words")]
        if not tests:
            raise InvalidArgumentError("test_words: expected at least one held-out word, got none")
    new_tests = sorted(set(tests) - set(queried))
    values = f(queried + new_tests)
    if not np.all(np.isfinite(values)):
        raise InvalidArgumentError("model: expected finite outputs on the queried words, got NaN or infinity")
    table = dict(zip(queried + new_tests, values.tolist(), strict=True))
    blocks = hankel_blocks({w: table[w] for w in queried}, prefixes=P, suffixes=P, alphabet_size=d)
    H = np.asarray(blocks.H, dtype=np.float64)
    lengths = tuple(range(l + 1))
    ranks = []
    for k in lengths:
        m = sum(d**j for j in range(k + 1))
        ranks.append(numerical_rank(H[:m, :m], rtol=rtol, warn=False))
    rank = ranks[-1].rank
    s = np.linalg.svd(H, compute_uv=False)
    if sizes is None:
        size_list = list(range(1, max(1, min(rank + 2, len(P))) + 1))
    else:
        size_list = [check_int(n, "sizes", minimum=1) for n in sizes]
        if not size_list:
            raise InvalidArgumentError("sizes: expected at least one size, got none")
    n_final = max(rank, 1) if num_states is None else check_int(num_states, "num_states", minimum=1)
    if n_final > len(s) or s[n_final - 1] <= rtol * s[0]:
        raise InvalidArgumentError(f"num_states: expected at most {rank} (the numerical rank of the queried "
                                   f"block at rtol={rtol:g}), got {n_final}; increase max_length or lower rtol")
    test_target = {w: table[w] for w in tests}
    total = float(np.sqrt(np.sum(s**2)))
    errors, lower, block_errors = [], [], []
    learned: dict[int, WFA] = {}
    for n in size_list:
        lower.append(float(np.sqrt(np.sum(s[n:] ** 2))) / total if total > 0 else 0.0)
        if n > len(s) or s[n - 1] <= rtol * s[0]:
            errors.append(math.nan)  # sigma_n is numerically 0: size n is not identifiable from the block
            block_errors.append(math.nan)
            continue
        learned[n] = spectral_learn(blocks, num_states=n)
        errors.append(held_out_error(learned[n], test_target, tests))
        Hn = np.asarray(hankel_blocks(learned[n], prefixes=P, suffixes=P).H, dtype=np.float64)
        block_errors.append(float(np.linalg.norm(Hn - H)) / total if total > 0 else 0.0)
    wfa = learned.get(n_final) or spectral_learn(blocks, num_states=n_final)
    profile = DepthOneErrorProfile(tuple(size_list), tuple(errors), tuple(lower), s, ranks[-1], blocks.prefixes,
                                   blocks.suffixes, tuple(tests))
    return ExtractionResult(wfa, n_final, tuple(ranks), lengths, profile, tuple(block_errors),
                            held_out_error(wfa, test_target, tests), len(table), rtol)
