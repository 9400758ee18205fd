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
from .errors import InvalidArgumentError, ModelKindError
from .linear_systems import equivalent as _lti_equivalent
from .lifted import LiftedRepresentation, homogeneous_parameters
from .models import WFA, Stack
from .results import EquivalenceResult
from .validation import check_choice, check_int, check_tolerance, deprecated_positional
from .wfa import DEFAULT_RTOL, _Echelon, wfa_equivalent

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
        Required for stacks of depth >= 2 on one-hot inputs.

    Returns
    -------
    EquivalenceResult

    Raises
    ------
    AlphabetError
        When the alphabets differ.

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
    if inputs == "real":
        return _lti_equivalent(a, b, exact=exact)
    deep = any(isinstance(m, Stack) and m.depth > 1 for m in (a, b))
    if deep:
        return _equivalent_deep(a, b, exact, rtol, max_length)
    return wfa_equivalent(a, b, exact=exact, rtol=rtol)


def _equivalent_deep(a: _Any, b: _Any, exact: bool | None, rtol: float, max_length: int | None) -> EquivalenceResult:
    for name, m in (("a", a), ("b", b)):
        if not isinstance(m, Stack | WFA):
            raise ModelKindError(f"{name}: expected a WFA or a Stack, got {type(m).__name__}")
    if max_length is None:
        raise InvalidArgumentError(
            "max_length: expected an integer for stacks of depth >= 2 (their equivalence over all lengths is not "
            "decided here; equality is decided exactly for every length <= max_length), got None"
        )
    max_length = check_int(max_length, "max_length", minimum=0)
    da = a.alphabet_size
    db = b.alphabet_size
    if da != db:
        raise _AlphabetError(f"b: expected the alphabet size {da} of a, got {db}")
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
        ech = _Echelon(na + nb) if exact else None
        Q = np.zeros((0, na + nb))
        new_vecs, new_words = [], []
        for v, w in zip(vecs, words, strict=True):
            va, vb = v[: ca.shape[0]], v[ca.shape[0]:]
            for s in range(d):
                x = np.concatenate([va @ ca[:, s, :], vb @ cb[:, s, :]])
                if ech is not None:  # exact
                    keep = ech.add(list(x))
                else:
                    xn = float(np.linalg.norm(x))
                    r = x - (Q @ x) @ Q
                    rn = float(np.linalg.norm(r))
                    keep = xn > 0 and rn > rtol * xn
                    if keep:
                        Q = np.vstack([Q, r / rn])
                if keep:
                    new_vecs.append(x)
                    new_words.append(w + (s,))
        vecs, words = new_vecs, new_words
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