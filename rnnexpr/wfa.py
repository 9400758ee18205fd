"""WFA algorithms: reachable and observable bases, minimization, equivalence (theory page T3).

:func:`reachable_basis` / :func:`observable_basis` (breadth-first, ``O(n^3 |Sigma|)``),
:func:`minimize` and :func:`wfa_equivalent` (with verified witnesses).  The
conversions between 2RNNs and WFAs are in :mod:`rnnexpr.conversions`; the
equivalence of any two models (:func:`rnnexpr.equivalence.equivalent`) in
:mod:`rnnexpr.equivalence`; Hankel ranks and certificates in :mod:`rnnexpr.hankel`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass as _dataclass
from typing import Any as _Any

import numpy as np

from .conversions import to_wfa
from .errors import AlphabetError as _AlphabetError
from .errors import ModelKindError
from .fields import GF, QQ, orbit_basis, suitable_prime
from .models import WFA, Stack
from .numbers import to_exact_array, to_float_array, zeros
from .results import EquivalenceResult
from .validation import deprecated_positional as _deprecated_positional
from .validation import resolve_method as _resolve_method
from .validation import check_tolerance

__all__ = [
    "SpanBasis",
    "reachable_basis",
    "observable_basis",
    "minimize",
    "as_wfa",
    "wfa_equivalent",
    "DEFAULT_RTOL",
]


#: Default relative tolerance of the float (orthogonal) basis algorithms.
DEFAULT_RTOL = 1e-10


@_dataclass(frozen=True, eq=False)
class SpanBasis:
    """A basis of the reachable (row) or observable (column) span of a WFA.

    Attributes
    ----------
    vectors : numpy.ndarray
        Shape ``(r, n)``: for a reachable basis the rows ``alpha^T A_w`` of the basis
        words (exact), or an orthonormal basis of their span (float); for an
        observable basis the vectors ``A_w omega`` as rows, likewise.
    words : tuple of tuple of int
        The words ``w`` whose vectors span the same space, shortest first
        (breadth-first order).
    exact : bool
        True for rational arithmetic; False for the orthogonal float algorithm.
    tolerance : float or None
        Float only: relative residual below which a vector counted as dependent.
    min_accepted, max_rejected : float or None
        Float only: the smallest relative residual of an accepted vector and the
        largest of a rejected one (their ratio is the search's gap).

    Examples
    --------
    >>> b = reachable_basis(WFA([1], [[[2], [3]]], [1])); b.dimension, b.words, b.exact
    (1, ((),), True)
    """

    vectors: np.ndarray
    words: tuple[tuple[int, ...], ...]
    exact: bool
    tolerance: float | None = None
    min_accepted: float | None = None
    max_rejected: float | None = None

    @property
    def gap(self) -> float | None:
        """Float only: smallest accepted relative residual over max(largest rejected, tolerance)."""
        if self.exact or self.min_accepted is None or self.tolerance is None:
            return None
        return self.min_accepted / max(self.max_rejected or 0.0, self.tolerance)

    @property
    def dimension(self) -> int:
        """Dimension of the span."""
        return int(self.vectors.shape[0])


def _wfa_domain(wfa: WFA, exact: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    conv = to_exact_array if exact else to_float_array
    return conv(wfa.alpha), conv(wfa.A), conv(wfa.omega)


def _forward_span(start: np.ndarray, mats: np.ndarray, exact: bool, rtol: float) -> SpanBasis:
    """BFS over words: span of start^T M_w (mats[s] = M_s), O(n^3 d)."""
    n = start.shape[0]
    d = mats.shape[0]
    if exact:
        return _forward_span_exact(start, mats)
    Q = np.zeros((0, n))
    words: list[tuple[int, ...]] = []
    min_acc, max_rej = None, 0.0
    nrm = float(np.linalg.norm(start))
    if nrm > 0:
        Q = (start / nrm)[None, :]
        words.append(())
    head = 0
    while head < Q.shape[0]:
        q = Q[head]
        w = words[head]
        head += 1
        for s in range(d):
            v = q @ mats[s]
            vn = float(np.linalg.norm(v))
            if vn == 0:
                continue
            # Two rounds of Gram-Schmidt: numerically orthogonal to working precision.
            r = v - (Q @ v) @ Q
            r = r - (Q @ r) @ Q
            rn = float(np.linalg.norm(r))
            if rn > rtol * vn and Q.shape[0] < n:
                Q = np.vstack([Q, r / rn])
                words.append(w + (s,))
                min_acc = rn / vn if min_acc is None else min(min_acc, rn / vn)
            else:
                max_rej = max(max_rej, rn / vn)
    return SpanBasis(Q, tuple(words), False, rtol, min_acc, max_rej)


def _forward_span_exact(start: np.ndarray, mats: np.ndarray) -> SpanBasis:
    """Exact reachable basis: the words found by a breadth-first search mod p, proven over Q.

    Vectors independent mod p are independent over Q, so the exact vectors ``x_w`` of the
    words found mod p are independent.  They span the reachable space when there are n of
    them, or else when every ``x_w M_s`` lies in their span (solved on the pivot columns
    found mod p, where ``X`` is invertible, and verified on all columns).  If that check
    fails (the prime divided a minor), the search is redone over Q.
    """
    n = start.shape[0]
    G = GF(suitable_prime(start, mats))
    _, words, span = orbit_basis(G, G.residues(start), G.residues(mats))
    if not words:
        if not any(v != 0 for v in start):
            return SpanBasis(zeros((0, n), True), (), True)
    else:
        X = QQ.orbit_vectors(start, mats, words)
        if len(words) == n or QQ.is_invariant(X, mats):
            return SpanBasis(X, words, True)
    X, words, _ = orbit_basis(QQ, start, mats)  # p divided a minor: search over Q
    return SpanBasis(X, words, True)


def as_wfa(model: _Any, name: str = "model") -> WFA:
    """The WFA of a model that is one: a WFA itself, or a scalar-output depth-1 stack.

    Parameters
    ----------
    model : WFA or Stack
        A WFA, or a depth-1 stack with one output (converted by :func:`rnnexpr.conversions.to_wfa`).
    name : str
        The argument's name in error messages.

    Returns
    -------
    WFA

    Raises
    ------
    ModelKindError
        For deeper stacks (not a WFA in general), several outputs or other kinds.

    See Also
    --------
    rnnexpr.conversions.to_wfa : the conversion used for depth-1 stacks.

    Examples
    --------
    >>> from rnnexpr import Linear2RNNLayer, Stack
    >>> as_wfa(Stack([Linear2RNNLayer(A=[[[2]]], h0=[1])], C=[[1]])).num_states
    1
    """
    if isinstance(model, WFA):
        return model
    if isinstance(model, Stack):
        if model.depth != 1:
            raise ModelKindError(
                f"{name}: expected a WFA or a depth-1 stack, got a depth-{model.depth} stack (not a WFA in general; "
                "see rnnexpr.hankel.rank_profile)"
            )
        if model.output_dim != 1:
            raise ModelKindError(f"{name}: expected a scalar-output stack, got output_dim={model.output_dim}")
        return to_wfa(model)
    raise ModelKindError(f"{name}: expected a WFA or a depth-1 Stack, got {type(model).__name__}")


def _check_rtol(rtol: float) -> float:
    return check_tolerance(rtol, "rtol")


@_deprecated_positional
def reachable_basis(wfa: WFA, *, exact: bool | None = None, rtol: float = DEFAULT_RTOL) -> SpanBasis:
    """Basis of the reachable span ``{alpha^T A_w}`` by breadth-first search, ``O(n^3 |Sigma|)``.

    Parameters
    ----------
    wfa : WFA or depth-1 Stack
    exact : bool, optional
        Rational arithmetic (default: when the WFA is exact).  Float uses an
        orthonormal basis (Gram-Schmidt twice) with relative tolerance ``rtol``.
    rtol : float
        Float only: a new vector counts when its residual exceeds ``rtol`` times its norm.

    Returns
    -------
    SpanBasis

    Examples
    --------
    >>> w = WFA([1, 0], [[[1, 0]], [[0, 1]]], [1, 1])   # state 2 is unreachable
    >>> reachable_basis(w).dimension, reachable_basis(w).words
    (1, ((),))
    """
    wfa = as_wfa(wfa, "wfa")
    exact = wfa.is_exact if exact is None else bool(exact)
    alpha, A, _ = _wfa_domain(wfa, exact)
    return _forward_span(alpha, A.transpose(1, 0, 2), exact, _check_rtol(rtol))


@_deprecated_positional
def observable_basis(wfa: WFA, *, exact: bool | None = None, rtol: float = DEFAULT_RTOL) -> SpanBasis:
    """Basis of the observable span ``{A_w omega}`` (as rows), words read right to left.

    ``words[k]`` is the word ``w`` with ``vectors[k]`` spanning like ``A_w omega``.

    Examples
    --------
    >>> w = WFA([1, 1], [[[1, 0]], [[0, 1]]], [1, 0])   # state 2 is unobservable
    >>> observable_basis(w).dimension
    1
    """
    wfa = as_wfa(wfa, "wfa")
    exact = wfa.is_exact if exact is None else bool(exact)
    _, A, omega = _wfa_domain(wfa, exact)
    # Column vectors A_w omega are row vectors omega^T A_w^T: a forward search on transposes.
    basis = _forward_span(omega, A.transpose(1, 2, 0), exact, _check_rtol(rtol))
    return SpanBasis(basis.vectors, tuple(tuple(reversed(w)) for w in basis.words), basis.exact, basis.tolerance,
                     basis.min_accepted, basis.max_rejected)


def _restrict(F: np.ndarray, mats: np.ndarray, start: np.ndarray, end: np.ndarray, exact: bool):
    """Restriction to the invariant row span of F: start' F = start, F M_s = M'_s F, end' = F end."""
    r = F.shape[0]
    d = mats.shape[0]
    if r == 0:
        z = zeros((0,), exact)
        return z, zeros((0, d, 0), exact), z.copy()
    if exact:
        # Coordinates on the rows of F, solved on columns where F is invertible and verified on all.
        G = GF(suitable_prime(F))
        _, pivots = G.rref(G.residues(F))
        if len(pivots) < r:  # pragma: no cover - needs p to divide a minor of F
            pivots = QQ.rref(F)[1]
        res = QQ.restrict(F, mats, pivots, rows=start.reshape(1, -1))
        if res is None:  # pragma: no cover - the span is invariant by construction
            raise ArithmeticError("reachable span is not invariant")
        C, coef = res
        assert coef is not None  # restrict returns the coordinates of rows= whenever it is given
        return coef[0], np.ascontiguousarray(C.transpose(1, 0, 2)), QQ.matmul(F, end.reshape(-1, 1))[:, 0]
    # Orthonormal rows: coordinates are inner products.
    new = np.stack([F @ mats[s] @ F.T for s in range(d)], axis=1)
    return F @ start, new, F @ end


@_deprecated_positional
def minimize(wfa: WFA, *, exact: bool | None = None, rtol: float = DEFAULT_RTOL) -> WFA:
    """A minimal WFA computing the same function (forward then backward reduction).

    Its number of states is the Hankel rank of f (Fliess / Carlyle-Paz).  Exact on
    rationals; on floats the numerically stable orthogonal version (projections on
    orthonormal bases of the reachable, then observable, spans).

    Parameters
    ----------
    wfa : WFA or depth-1 Stack
    exact : bool, optional
        Default: exact when the WFA is.
    rtol : float
        Float only: relative tolerance of the bases.

    Returns
    -------
    WFA
        Possibly with 0 states (when f is identically zero).

    See Also
    --------
    reachable_basis, observable_basis : the two spans the reduction restricts to.
    rnnexpr.hankel.hankel_rank : the number of states of the minimal WFA, without building it.
    rnnexpr.equivalence.equivalent : decide whether two models compute the same function.

    Examples
    --------
    >>> w = WFA(["1", "1"], [[["1/2", 0]], [[0, "1/2"]]], [1, 1])   # twice the same state
    >>> m = minimize(w); m.num_states, m([0, 0], exact=True)
    (1, Fraction(1, 2))
    """
    wfa = as_wfa(wfa, "wfa")
    exact = wfa.is_exact if exact is None else bool(exact)
    rtol = _check_rtol(rtol)
    alpha, A, omega = _wfa_domain(wfa, exact)
    mats = A.transpose(1, 0, 2)
    F = _forward_span(alpha, mats, exact, rtol).vectors
    a1, A1, o1 = _restrict(F, mats, alpha, omega, exact)
    # Backward: the row span of {omega'^T A'_w^T} is invariant under the transposes.
    mats1t = A1.transpose(1, 2, 0)
    B = _forward_span(o1, mats1t, exact, rtol).vectors
    o2, A2t, a2 = _restrict(B, mats1t, o1, a1, exact)
    return WFA(a2, A2t.transpose(2, 1, 0), o2)


def _difference_wfa(a: WFA, b: WFA, exact: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    aa, Aa, oa = _wfa_domain(a, exact)
    ab, Ab, ob = _wfa_domain(b, exact)
    na, nb, d = a.num_states, b.num_states, a.alphabet_size
    A = zeros((na + nb, d, na + nb), exact)
    A[:na, :, :na] = Aa
    A[na:, :, na:] = Ab
    return np.concatenate([aa, ab]), A, np.concatenate([oa, -ob])


@_deprecated_positional
def wfa_equivalent(a: _Any, b: _Any, *, exact: bool | None = None, rtol: float = DEFAULT_RTOL) -> EquivalenceResult:
    """Decide whether two WFAs (or depth-1 stacks) compute the same function on all words.

    The difference WFA ``f_a - f_b`` is zero iff it vanishes on the words of a
    reachable basis (breadth-first, so the witness is a shortest word on which
    they differ).  Exact on rationals.  :func:`rnnexpr.equivalence.equivalent` dispatches here
    for WFAs and depth-1 stacks.

    Parameters
    ----------
    a, b : WFA or depth-1 Stack
    exact : bool, optional
        Rational arithmetic (default: when both models are exact, by the rule of
        :doc:`/guide/exact`); False forces the float algorithm.
    rtol : float
        Float only: the relative threshold below.

    Returns
    -------
    EquivalenceResult

    Notes
    -----
    Float threshold: the two functions are declared different on a basis word
    ``w`` when ``|f_a(w) - f_b(w)| > rtol * (|w| + 1) * (S_a(w) + S_b(w))``, where
    ``S(w) = |alpha|^T |A_{w_1}| ... |A_{w_k}| |omega|`` is the value computed with
    every weight replaced by its absolute value (the size that bounds the
    rounding of ``f(w)``).  The threshold scales with the models' norms and the
    word length; a relative perturbation of a weight well above ``rtol`` is
    detected, one well below it is not (see :doc:`/guide/exact`).

    See Also
    --------
    rnnexpr.equivalence.equivalent : equivalence of any two models.

    Examples
    --------
    >>> wfa_equivalent(WFA([1], [[[1], [2]]], [1]), WFA([1], [[[1], [3]]], [1])).witness
    (1,)
    """
    wa, wb = as_wfa(a, "a"), as_wfa(b, "b")
    if wa.alphabet_size != wb.alphabet_size:
        raise _AlphabetError(f"b: expected the alphabet size {wa.alphabet_size} of a, got {wb.alphabet_size}")
    exact = _resolve_method(wa.is_exact and wb.is_exact, None, exact, methods=("exact", "numerical")) == "exact"
    rtol = _check_rtol(rtol)
    given_a, given_b = wa, wb  # witnesses are evaluated on the given models
    if not exact:
        wa, wb = _common_rescaling(wa.to_float(), wb.to_float())
    alpha, A, omega = _difference_wfa(wa, wb, exact)
    mats = A.transpose(1, 0, 2)
    # Forward search with word tracking: f_D vanishes iff it vanishes on the basis words,
    # since their vectors x_w span the reachable space and f_D(w) = x_w . omega_D.
    basis = _forward_span(alpha, mats, exact, rtol)
    if exact:
        vals = [v @ omega for v in basis.vectors]
        nz = [k for k, v in enumerate(vals) if v != 0]
    else:
        # Float basis vectors are orthonormalized combinations: evaluate the words themselves,
        # against the threshold rtol (|w| + 1) (S_a(w) + S_b(w)) (see Notes).
        fa, fb = wa, wb
        wvals = [float(fa(list(w))) - float(fb(list(w))) for w in basis.words]
        ref = [_abs_value(fa, w) + _abs_value(fb, w) for w in basis.words]
        nz = [k for k, v in enumerate(wvals) if abs(v) > rtol * (len(basis.words[k]) + 1) * ref[k]]
    method = "difference WFA, reachable basis" + (" (exact)" if exact else " (float)")
    if not nz:
        return EquivalenceResult(True, None, exact, None, method, "all words", None if exact else rtol)
    w = basis.words[nz[0]]
    va, vb = given_a(w, exact=exact), given_b(w, exact=exact)
    if exact and va == vb:  # pragma: no cover - cannot happen in exact arithmetic
        raise ArithmeticError("equivalent: witness did not verify")
    return EquivalenceResult(False, w, exact, (va, vb), method, "all words", None if exact else rtol)


def _common_rescaling(a: WFA, b: WFA) -> tuple[WFA, WFA]:
    """Both WFAs with alpha, A and omega divided by the same powers of two (exactly).

    Both functions are multiplied by the same ``c^|w|`` on each word, so they are
    equal (and the relative threshold decides) exactly as before, but no norm of a
    model with weights of 1e-200 or 1e200 underflows or overflows.
    """
    def p2(*arrays: np.ndarray) -> float:
        m = max((float(np.max(np.abs(x))) for x in arrays if x.size), default=0.0)
        return 1.0 if m == 0.0 else 2.0 ** _floor_log2(m)

    ka = p2(np.asarray(a.alpha), np.asarray(b.alpha))
    kA = p2(np.asarray(a.A), np.asarray(b.A))
    ko = p2(np.asarray(a.omega), np.asarray(b.omega))
    return tuple(WFA(np.asarray(w.alpha) / ka, np.asarray(w.A) / kA, np.asarray(w.omega) / ko)  # type: ignore[return-value]
                 for w in (a, b))


def _floor_log2(x: float) -> int:
    return int(np.floor(np.log2(x)))


def _abs_value(wfa: WFA, word: tuple[int, ...]) -> float:
    """``|alpha|^T |A_{w_1}| ... |A_{w_k}| |omega|`` (float): the size bounding the rounding of ``f(w)``."""
    x = np.abs(np.asarray(wfa.alpha, dtype=float))
    A = np.abs(np.asarray(wfa.A, dtype=float))
    for s in word:
        x = x @ A[:, s, :]
    return float(x @ np.abs(np.asarray(wfa.omega, dtype=float)))


_MOVED = {
    "augment": "conversions", "augment_layer": "conversions", "to_wfa": "conversions", "from_wfa": "conversions",
    "equivalent": "equivalence", "EquivalenceResult": "results",
}


def __getattr__(name: str) -> _Any:
    # Deprecation shim (0.2): these names lived here in 0.1.  The lazy import of the
    # higher-level rnnexpr.equivalence is the one sanctioned upward import (removed in 0.3).
    if name in _MOVED:
        import importlib

        warnings.warn(
            f"rnnexpr.wfa.{name} moved to rnnexpr.{_MOVED[name]}.{name} (or use rnnexpr.{name}); "
            "the old path goes away in 0.3",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(f"rnnexpr.{_MOVED[name]}"), name)
    raise AttributeError(f"module 'rnnexpr.wfa' has no attribute {name!r}")
