"""Linear RNN stacks on real inputs as linear time-invariant systems (THEORY §2, T1, T2).

A stack of linear RNN layers is one block-lower-triangular system on the joint
state ``x_t = [h^(1)_t; ...; h^(L)_t]``::

    x_t = V x_{t-1} + U u_t + b,    y_t = C x_t + c,    x_0 = [h^(1)_0; ...; h^(L)_0].

Its input-output map from zero initial state and without bias is given by the
Markov parameters ``M_j = C V^j U``; the rank of their Hankel matrix is the
McMillan degree (the minimal width of one linear RNN layer with the same map),
and a minimal realization follows by Kalman reduction (Ho-Kalman), exact on
rationals.  Two stacks agree on every real input sequence iff their first
``n + n'`` Markov parameters agree and their free responses (zero input, from
``h_0`` with the biases) agree for ``t = 1..n + n' + 2`` (Cayley-Hamilton).

The joint matrices are built by a private helper here (the T1 construction lives
in :mod:`rnnexpr.constructions`, which this module must not import).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from .errors import ModelKindError, ShapeError
from .exact import RankResult, matrix_rank
from .models import LinearRNNLayer, Stack
from .numbers import to_exact_array, to_float_array, zeros
from .results import EquivalenceResult
from .wfa import DEFAULT_RTOL, _Echelon, _restrict

__all__ = ["markov_parameters", "mcmillan_degree", "minimal_realization", "equivalent", "joint_system"]


def _check_stack(stack: Any, name: str = "stack") -> Stack:
    if not isinstance(stack, Stack):
        raise ModelKindError(f"{name}: expected a Stack of linear RNN layers, got {type(stack).__name__}")
    if not stack.is_linear_rnn:
        bad = next(i for i, layer in enumerate(stack.layers) if not layer.is_linear)
        raise ModelKindError(
            f"{name}: expected a stack of linear RNN layers (no A term), got an A term in layer {bad}; "
            "linear 2RNN stacks are not linear systems (see rnnexpr.hankel.rank_profile)"
        )
    return stack


def joint_system(stack: Stack, exact: bool | None = None) -> dict[str, np.ndarray]:
    """The joint block-lower-triangular system ``(V, U, b, C, c, x0)`` of a linear RNN stack.

    Row block l: ``V[l, l] = V_l``, ``V[l, :] += U_l V[l-1, :]``, ``U[l] = U_l U[l-1]``,
    ``b[l] = U_l b[l-1] + b_l`` (THEORY T1).

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> js = joint_system(random_stack([2, 3], 2, kind="linear", seed=0, exact=True))
    >>> js["V"].shape, js["U"].shape
    ((5, 5), (5, 2))
    """
    stack = _check_stack(stack)
    exact = stack.is_exact if exact is None else bool(exact)
    conv = to_exact_array if exact else to_float_array
    n = sum(stack.widths)
    d = stack.input_dim
    V = zeros((n, n), exact)
    U = zeros((n, d), exact)
    b = zeros((n,), exact)
    x0 = zeros((n,), exact)
    off = 0
    prevP = prevQ = prevr = None
    for layer in stack.layers:
        w = layer.width
        sl = slice(off, off + w)
        Ul = conv(layer.U) if layer.U is not None else zeros((w, layer.input_dim), exact)
        if prevP is None:
            P = zeros((w, n), exact)
            Q = Ul.copy()
            r = zeros((w,), exact)
        else:
            P, Q, r = Ul @ prevP, Ul @ prevQ, Ul @ prevr
        if layer.V is not None:
            P[:, sl] = P[:, sl] + conv(layer.V)
        if layer.b is not None:
            r = r + conv(layer.b)
        V[sl], U[sl], b[sl] = P, Q, r
        x0[sl] = conv(layer.initial_state)
        prevP, prevQ, prevr = P, Q, r
        off += w
    C = zeros((stack.output_dim, n), exact)
    C[:, n - stack.widths[-1]:] = conv(stack.C)
    c = conv(stack.c) if stack.c is not None else zeros((stack.output_dim,), exact)
    return {"V": V, "U": U, "b": b, "C": C, "c": c, "x0": x0}


def markov_parameters(stack: Stack, k: int, exact: bool | None = None) -> np.ndarray:
    """The first k Markov parameters ``M_j = C V^j U``, shape ``(k, p, d)``.

    ``M_j`` is the effect of ``u_{t-j}`` on ``y_t`` (zero initial state, no bias).

    Examples
    --------
    >>> from rnnexpr.models import LinearRNNLayer
    >>> s = Stack([LinearRNNLayer(U=[[1]], V=[[2]])], C=[[3]])
    >>> markov_parameters(s, 3).ravel().tolist()
    [Fraction(3, 1), Fraction(6, 1), Fraction(12, 1)]
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise ValueError(f"k: expected a non-negative integer, got {k!r}")
    js = joint_system(stack, exact)
    V, U, C = js["V"], js["U"], js["C"]
    out = np.empty((int(k), C.shape[0], U.shape[1]), dtype=V.dtype)
    X = U
    for j in range(int(k)):
        out[j] = C @ X
        X = V @ X
    return out


def mcmillan_degree(stack: Stack, method: str = "exact", exact: bool | None = None, **kwargs: Any) -> RankResult:
    """McMillan degree: rank of the block Hankel matrix ``[M_{i+j}]_{i,j<n}`` (n = total width).

    The minimal width of one linear RNN layer computing the same input-output map
    (zero initial state, no bias).  By Cayley-Hamilton n x n blocks suffice.

    Parameters
    ----------
    stack : Stack
        Linear RNN layers.
    method : {"exact", "modular", "numerical"}
    exact : bool, optional
        Alias: True for "exact", False for "numerical".

    Returns
    -------
    RankResult

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> mcmillan_degree(random_stack([2, 2], 1, kind="linear", seed=2, exact=True)).rank
    4
    """
    if exact is not None:
        method = "exact" if exact else "numerical"
    stack = _check_stack(stack)
    n = sum(stack.widths)
    use_exact = method in ("exact", "modular")
    M = markov_parameters(stack, 2 * n, exact=use_exact)
    p, d = M.shape[1], M.shape[2]
    H = np.empty((n * p, n * d), dtype=M.dtype)
    for i in range(n):
        for j in range(n):
            H[i * p:(i + 1) * p, j * d:(j + 1) * d] = M[i + j]
    return matrix_rank(H, method, **kwargs)


def _span_rows(starts: np.ndarray, V: np.ndarray, exact: bool, rtol: float) -> np.ndarray:
    """Basis (rows) of span{s V^j : s a row of starts, j >= 0}."""
    n = V.shape[0]
    if exact:
        ech = _Echelon(n)
        vecs: list[np.ndarray] = []
        for s in starts:
            if ech.add(list(s)):
                vecs.append(np.array(s, dtype=object))
        head = 0
        while head < len(vecs):
            v = vecs[head] @ V
            head += 1
            if ech.add(list(v)):
                vecs.append(np.array([x if isinstance(x, Fraction) else Fraction(x) for x in v], dtype=object))
        out = np.empty((len(vecs), n), dtype=object)
        for i, v in enumerate(vecs):
            out[i] = v
        return out
    Q = np.zeros((0, n))

    def push(v: np.ndarray) -> bool:
        nonlocal Q
        vn = float(np.linalg.norm(v))
        if vn == 0 or Q.shape[0] >= n:
            return False
        r = v - (Q @ v) @ Q
        r = r - (Q @ r) @ Q
        rn = float(np.linalg.norm(r))
        if rn > rtol * vn:
            Q = np.vstack([Q, r / rn])
            return True
        return False

    for s in starts:
        push(np.asarray(s, dtype=float))
    head = 0
    while head < Q.shape[0]:
        push(Q[head] @ V)
        head += 1
    return Q


def minimal_realization(stack: Stack, exact: bool | None = None, rtol: float = DEFAULT_RTOL) -> Stack:
    """A minimal one-layer linear RNN with the same input-output map (Kalman / Ho-Kalman reduction).

    Zero initial state, no bias: the map ``u -> y`` with ``y_t = sum_j M_j u_{t-j}``.
    Its width is the McMillan degree.  Exact on rationals; float uses orthonormal bases.

    Returns
    -------
    Stack
        One :class:`~rnnexpr.models.LinearRNNLayer` of width = McMillan degree (at
        least 1: a zero map gets one dead unit) and readout C.

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> s = random_stack([2, 1], 1, kind="linear", seed=0, exact=True)
    >>> m = minimal_realization(s); m.widths[0] == mcmillan_degree(s).rank
    True
    """
    stack = _check_stack(stack)
    exact = stack.is_exact if exact is None else bool(exact)
    js = joint_system(stack, exact)
    V, U, C = js["V"], js["U"], js["C"]
    # Row convention: M_j = C V^j U; forward span of rows of C under x -> x V (observability),
    # then backward span of rows of U^T under x -> x V^T (controllability).
    F = _span_rows(C, V, exact, rtol)
    c1, V1s, u1 = _restrict(F, V[None], C.T, U, exact)  # C = c1^T F, F V = V1 F, u1 = F U
    V1 = _fix(V1s)
    C1 = _as2(c1).T
    B = _span_rows(u1.T, V1.T, exact, rtol)
    u2, V2s, c2 = _restrict(B, V1.T[None], u1, C1.T, exact)
    V2 = _fix(V2s).T
    U2 = _as2(u2)
    C2 = _as2(c2).T
    r = V2.shape[0]
    if r == 0:
        d, p = U.shape[1], C.shape[0]
        return Stack([LinearRNNLayer(U=zeros((1, d), exact), V=zeros((1, 1), exact))], C=zeros((p, 1), exact))
    return Stack([LinearRNNLayer(U=U2, V=V2)], C=C2)


def _fix(Ms: np.ndarray) -> np.ndarray:
    """_restrict returns (r, 1, r) for one transition matrix: take it as (r, r)."""
    return Ms[:, 0, :]


def _as2(a: np.ndarray) -> np.ndarray:
    return a.reshape(a.shape[0], -1) if a.ndim == 2 else a.reshape(-1, 1)


def _free_response(stack: Stack, T: int, exact: bool) -> np.ndarray:
    x = zeros((T, stack.input_dim), exact)
    return stack.run(x, exact=exact) if T else zeros((0, stack.output_dim), exact)


def equivalent(a: Stack, b: Stack, exact: bool | None = None, rtol: float = DEFAULT_RTOL) -> EquivalenceResult:
    """Decide whether two linear RNN stacks agree on every real input sequence (THEORY §2).

    Criterion: the free responses (zero input, from ``h_0`` with the biases) agree for
    ``t = 1..n + n' + 2`` and the Markov parameters ``M_0..M_{n+n'-1}`` agree.  When they
    differ the witness is an input sequence of shape ``(T, d)`` (all zeros, or a unit
    impulse followed by zeros) on which the last outputs differ, verified by running both.

    Examples
    --------
    >>> from rnnexpr.models import LinearRNNLayer
    >>> one = Stack([LinearRNNLayer(U=[[1]], V=[[0]])], C=[[1]])
    >>> two = Stack([LinearRNNLayer(U=[[1]], V=[[0]]), LinearRNNLayer(U=[[1]], V=[[0]])], C=[[1]])
    >>> equivalent(one, two).equivalent
    True
    """
    a, b = _check_stack(a, "a"), _check_stack(b, "b")
    if a.input_dim != b.input_dim:
        raise ShapeError(f"b: expected input dimension {a.input_dim} like a, got {b.input_dim}")
    if a.output_dim != b.output_dim:
        raise ShapeError(f"b: expected output dimension {a.output_dim} like a, got {b.output_dim}")
    exact = (a.is_exact and b.is_exact) if exact is None else bool(exact)
    na, nb = sum(a.widths), sum(b.widths)
    Tf = na + nb + 2
    scope = "all real input sequences"
    method = "free responses and Markov parameters (Cayley-Hamilton)"

    def differ(x: Any, y: Any) -> bool:
        if exact:
            return bool(np.any(x != y))
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        return bool(np.any(np.abs(x - y) > np.sqrt(rtol) * np.maximum(1.0, np.maximum(np.abs(x), np.abs(y)))))

    fa, fb = _free_response(a, Tf, exact), _free_response(b, Tf, exact)
    for t in range(Tf):
        if differ(fa[t], fb[t]):
            x = zeros((t + 1, a.input_dim), exact)
            return _witness(a, b, x, exact, method, scope, rtol)
    k = na + nb
    Ma, Mb = markov_parameters(a, k, exact), markov_parameters(b, k, exact)
    for j in range(k):
        if differ(Ma[j], Mb[j]):
            diff = np.argwhere(Ma[j] != Mb[j]) if exact else np.argwhere(
                np.abs(np.asarray(Ma[j], float) - np.asarray(Mb[j], float)) > 0)
            _, i = (int(v) for v in diff[0])
            x = zeros((j + 1, a.input_dim), exact)
            x[0, i] = Fraction(1) if exact else 1.0
            return _witness(a, b, x, exact, method, scope, rtol)
    return EquivalenceResult(True, None, exact, None, method, scope, None if exact else rtol)


def _witness(a: Stack, b: Stack, x: np.ndarray, exact: bool, method: str, scope: str, rtol: float) -> EquivalenceResult:
    ya, yb = a.run(x, exact=exact)[-1], b.run(x, exact=exact)[-1]
    if exact and not np.any(ya != yb):  # pragma: no cover - the criterion guarantees a difference
        raise ArithmeticError("equivalent: witness did not verify")
    va = ya[0] if ya.shape[0] == 1 else ya
    vb = yb[0] if yb.shape[0] == 1 else yb
    return EquivalenceResult(False, x, exact, (va, vb), method, scope, None if exact else rtol)
