"""Equivalence of any two models, with a verified witness when they differ.

The top of the algorithm layers: it dispatches to the WFA algorithm
(:func:`rnnexpr.wfa.wfa_equivalent`), to the level-by-level comparison of lifted
representations for deeper stacks (:mod:`rnnexpr.lifted`), and to the linear
systems test on real inputs (:func:`rnnexpr.linear_systems.equivalent`).
"""

from __future__ import annotations

from typing import Any as _Any

import numpy as np

from .errors import AlphabetError as _AlphabetError
from .errors import InvalidArgumentError, ModelKindError, SizeLimitError
from .fields import QQ
from .hankel import word_count
from .limits import HOW_TO_RAISE, check_size, check_work, current
from .linear_systems import equivalent as _lti_equivalent
from .lifted import LiftedRepresentation, feature_degrees, homogeneous_parameters, level_dimension, lifted_widths
from .models import WFA, Stack
from .results import EquivalenceResult
from .validation import check_choice, check_int, check_tolerance, deprecated_positional
from .wfa import DEFAULT_RTOL, wfa_equivalent

__all__ = ["equivalent"]


@deprecated_positional
def equivalent(a: _Any, b: _Any, *, exact: bool | None = None, rtol: float = DEFAULT_RTOL,
               inputs: str = "one-hot", max_length: int | None = None) -> EquivalenceResult:
    """Decide whether two models compute the same function, with a verified witness if not.

    * WFAs and depth-1 stacks on one-hot inputs: the difference WFA ``f_a - f_b``
      is zero iff it vanishes on the words of a reachable basis (breadth-first, so
      the witness is a shortest word on which they differ).  Exact on rationals.
    * Deeper stacks on one-hot inputs: equality of all words of length
      ``<= max_length`` (required), decided level by level on the lifted
      representations (:mod:`rnnexpr.lifted`); the scope says so.
    * ``inputs="real"``: stacks of linear RNN layers on real input sequences
      (:func:`rnnexpr.linear_systems.equivalent`).

    Parameters
    ----------
    a, b : WFA or Stack
    exact : bool, optional
        Rational arithmetic (default: when both models are exact; floats are
        then taken at their binary value).
    rtol : float
        Float only: the relative threshold.  Two values differ when
        ``|f_a(w) - f_b(w)| > rtol (|w| + 1) (S_a(w) + S_b(w))``, with ``S`` the
        evaluation on absolute values: it scales with the models' norms and the
        word length (see :ref:`exact-or-numerical`).
    inputs : {"one-hot", "real"}
    max_length : int, optional
        Required for stacks of depth >= 2 on one-hot inputs.  Whenever given it is
        checked, before anything is computed, against the budgets of
        :mod:`rnnexpr.limits`: ``length``; on one-hot inputs ``words`` (the words of
        length ``<= max_length``); for deep stacks ``work`` (the estimated cost of
        the level-by-level comparison of every length ``<= max_length``).  Raise
        them with :func:`rnnexpr.limits.budget` or ``RNNEXPR_LIMITS``.

    Returns
    -------
    EquivalenceResult

    Raises
    ------
    AlphabetError
        When the alphabets differ.
    SizeLimitError
        When ``max_length`` is above a budget.

    See Also
    --------
    rnnexpr.wfa.wfa_equivalent : the WFA and depth-1 case, decided over all words.
    rnnexpr.wfa.minimize : minimal WFAs (equivalent models have the same minimal size).
    rnnexpr.linear_systems.mcmillan_degree : the size of a minimal linear system (real inputs).

    Examples
    --------
    >>> from rnnexpr import WFA, minimize
    >>> w = WFA([1], [[[1], [2]]], [1])
    >>> equivalent(w, minimize(w)).equivalent
    True
    >>> equivalent(w, WFA([1], [[[1], [3]]], [1])).witness
    (1,)
    """
    inputs = check_choice(inputs, "inputs", ("one-hot", "real"))
    if max_length is not None:
        max_length = _checked_max_length(max_length, (a, b) if inputs == "one-hot" else ())
    if inputs == "real":
        return _lti_equivalent(a, b, exact=exact)
    deep = any(isinstance(m, Stack) and m.depth > 1 for m in (a, b))
    if deep:
        return _equivalent_deep(a, b, exact, rtol, max_length)
    return wfa_equivalent(a, b, exact=exact, rtol=rtol)


def _checked_max_length(max_length: _Any, models: tuple[_Any, ...]) -> int:
    """``max_length`` within the ``length`` budget and, over the models' alphabet, the ``words`` budget.

    The one check of this argument (the command line relies on it too); nothing is enumerated.
    """
    K = check_int(max_length, "max_length", minimum=0)
    check_size(K, "max_length", "length")
    sizes = [m.alphabet_size for m in models if isinstance(m, Stack | WFA)]
    if sizes:
        cap, d = current().words, max(sizes)
        if word_count(d, K, cap=cap) > cap:
            raise SizeLimitError(f"max_length: there are more than {cap} words of length <= {K} over {d} symbols, "
                                 f"the limit ({HOW_TO_RAISE.format('words')})")
    return K


#: Estimated steps per degree of a symmetric power when a level's core or initial feature is built
#: (a few numpy calls on object arrays per degree: about 100 us measured on width-1 layers, where this
#: term dominates because the features' degrees grow like T^(L-1) while their dimension stays 1).
_STEPS_PER_FEATURE_DEGREE = 100
#: Steps per multiply-add of the products and echelon updates (exact entries: about 2 us measured).
_STEPS_PER_PRODUCT = 2
#: Steps per kept prefix vector and symbol besides its products and echelon update (measured).
_STEPS_PER_VECTOR = 20


def _kept_sum(n: int, d: int, R: int) -> int:
    """``sum_{t=0..n} min(d^t, R)`` (the kept prefix vectors of one level over the lengths), without huge powers."""
    if n < 0 or R == 0:
        return 0
    if d == 1:
        return n + 1
    total, power, t = 0, 1, 0
    while t <= n and power < R:  # at most log_d(R) + 1 terms before the count reaches R
        total, power, t = total + power, power * d, t + 1
    return total + (n + 1 - t) * R


def _deep_work(models: tuple[_Any, _Any], K: int, d: int) -> tuple[int, int]:
    """Estimated steps of the comparison of every length T <= K, and the largest level counted.

    The count stops at the first level where it passes the ``work`` budget (a hostile K costs nothing).

    Every length T builds the models' level-T initial features and (once) their level-T cores,
    symmetric powers of the degrees ``feature_degrees(L, T)``.  Its step t maps the kept prefix
    vectors, at most ``min(d^t, R_m)`` of them at level ``m = T - t``, by the ``d`` symbols through
    the level-m cores (``R_m R_(m-1)`` steps) into an echelon basis of level ``m - 1``
    (``R_(m-1)^2``), with ``R_m`` the sum of the models' level-m dimensions; level m is used by every
    length ``T >= m``, at steps ``t = 0..K-m`` in all.  Calibrated on exact stacks of widths 1 to 3
    and depths 2 and 3: the measured time in microseconds was about 0.3 to 1.2 times the estimate.
    """
    limit = current().work
    depths = [len(lifted_widths(m)) for m in models]
    steps = 0
    previous = sum(level_dimension(m, 0) for m in models)
    for level in range(K + 1):  # level T: the length-T features and the level-T cores
        steps += _STEPS_PER_FEATURE_DEGREE * sum(sum(feature_degrees(L, level)) for L in depths)
        if level >= 1:
            R = sum(level_dimension(m, level) for m in models)
            products = R * previous + previous * previous
            steps += _kept_sum(K - level, d, R) * d * (_STEPS_PER_PRODUCT * products + _STEPS_PER_VECTOR)
            previous = R
        if steps > limit:
            return steps, level
    return steps, K


def _equivalent_deep(a: _Any, b: _Any, exact: bool | None, rtol: float, max_length: int | None) -> EquivalenceResult:
    for name, m in (("a", a), ("b", b)):
        if not isinstance(m, Stack | WFA):
            raise ModelKindError(f"{name}: expected a WFA or a Stack, got {type(m).__name__}")
    if max_length is None:
        raise InvalidArgumentError(
            "max_length: expected an integer for stacks of depth >= 2 (their equivalence over all lengths is not "
            "decided here; equality is decided exactly for every length <= max_length), got None"
        )
    da = a.alphabet_size
    db = b.alphabet_size
    if da != db:
        raise _AlphabetError(f"b: expected the alphabet size {da} of a, got {db}")
    steps, counted = _deep_work((a, b), max_length, da)
    check_work(steps, f"max_length: comparing the models on every length <= {max_length}, level by level"
               + (f" (levels <= {counted} alone)" if counted < max_length else ""))
    exact = (a.is_exact and b.is_exact) if exact is None else bool(exact)
    if exact:
        a, b = a.to_exact(), b.to_exact()
    else:
        a, b = a.to_float(), b.to_float()
    rtol = check_tolerance(rtol, "rtol")
    # Level-m cores do not depend on the length T: build each once and reuse it for every T.
    hps = [homogeneous_parameters(a), homogeneous_parameters(b)]
    cores: list[dict[int, np.ndarray]] = [{}, {}]

    def rep(i: int, T: int) -> LiftedRepresentation:
        hp = hps[i]
        for m in range(1, T + 1):
            if m not in cores[i]:
                cores[i][m] = hp.core(m)
        return LiftedRepresentation(hp.initial_features(T), tuple(cores[i][T - t] for t in range(T)), hp.readout)

    for T in range(max_length + 1):
        ra, rb = rep(0, T), rep(1, T)
        witness = _graded_difference_witness(ra, rb, da, exact, rtol)
        if witness is not None:
            va, vb = a(list(witness), exact=exact), b(list(witness), exact=exact)
            if exact and va == vb:  # pragma: no cover
                raise ArithmeticError("equivalent: witness did not verify")
            return EquivalenceResult(False, witness, exact, (va, vb), "lifted representations, level bases",
                                     f"all words of length <= {max_length}", None if exact else rtol)
    return EquivalenceResult(True, None, exact, None, "lifted representations, level bases",
                             f"all words of length <= {max_length}", None if exact else rtol)


def _graded_difference_witness(ra, rb, d: int, exact: bool, rtol: float):
    """A word of length T on which two lifted slices differ, or None (level-by-level bases)."""
    T = ra.length
    start = np.concatenate([ra.initial, rb.initial])
    final = np.concatenate([ra.final, -rb.final])
    # Keep actual prefix vectors x_u (not combinations) so each basis word is evaluable.
    vecs = [start]
    words: list[tuple[int, ...]] = [()]
    for t in range(T):
        ca, cb = ra.cores[t], rb.cores[t]
        na, nb = ca.shape[2], cb.shape[2]
        cands, cand_words = [], []
        for v, w in zip(vecs, words, strict=True):
            va, vb = v[: ca.shape[0]], v[ca.shape[0]:]
            for s in range(d):
                cands.append(np.concatenate([va @ ca[:, s, :], vb @ cb[:, s, :]]))
                cand_words.append(w + (s,))
        if exact:
            # The greedy first independent candidates, in one batched elimination over Q.
            X = np.empty((len(cands), na + nb), dtype=object)
            for i, x in enumerate(cands):
                X[i] = x
            kept = QQ.span(na + nb).add_rows(X) if cands else []
        else:
            kept, Q = [], np.zeros((0, na + nb))
            for i, x in enumerate(cands):
                xn = float(np.linalg.norm(x))
                r = x - (Q @ x) @ Q
                rn = float(np.linalg.norm(r))
                if xn > 0 and rn > rtol * xn:
                    Q = np.vstack([Q, r / rn])
                    kept.append(i)
        vecs, words = [cands[i] for i in kept], [cand_words[i] for i in kept]
    na = ra.final.shape[0]
    for v, w in zip(vecs, words, strict=True):
        val = v @ final
        if exact and val != 0:
            return w
        if not exact:
            # Float threshold rtol (T + 1) (|x_a| |final_a| + |x_b| |final_b|): it scales with the
            # sizes of both models' prefix vectors and readouts and with the length (docs: guide/exact).
            scale = (float(np.linalg.norm(v[:na])) * float(np.linalg.norm(final[:na]))
                     + float(np.linalg.norm(v[na:])) * float(np.linalg.norm(final[na:])))
            if abs(float(val)) > rtol * (T + 1) * scale:
                return w
    return None