"""Conversions between linear 2RNNs and weighted finite automata (THEORY §1, T3).

* :func:`augment` turns a layer (or a stack) with U, V, b terms into a pure 2RNN
  on augmented states ``[1; h]`` and inputs ``[1; z]``;
* :func:`to_wfa` turns a depth-1 linear 2RNN on one-hot inputs into a WFA with
  ``n`` states (pure, no readout bias) or ``n + 1`` states (otherwise);
* :func:`from_wfa` turns a WFA into a pure depth-1 2RNN with as many units.

All are exact on rational parameters.  The WFA algorithms are here too:
:func:`reachable_basis` / :func:`observable_basis` (breadth-first, ``O(n^3 |Sigma|)``),
:func:`minimize` and :func:`equivalent` (with verified witnesses); Hankel ranks and
certificates are in :mod:`rnnexpr.hankel`.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .errors import ModelKindError, ShapeError
from .models import Linear2RNNLayer, Stack, WFA
from .numbers import as_fractions, to_exact_array, to_float_array, zeros

__all__ = ["augment", "augment_layer", "to_wfa", "from_wfa"]


def augment_layer(layer: Linear2RNNLayer) -> Linear2RNNLayer:
    """Affine augmentation of one layer into a pure 2RNN layer of width n + 1.

    With ``hat h = [1; h]`` and ``hat z = [1; z]``: ``hat A[0,0,0] = 1``,
    ``hat A[0,0,1:] = b``, ``hat A[0,1+j,1:] = U[:,j]``, ``hat A[1+i,0,1:] = V[:,i]``,
    ``hat A[1+i,1+j,1:] = A[i,j,:]`` and ``hat h_0 = [1; h_0]``.

    Parameters
    ----------
    layer : Linear2RNNLayer

    Returns
    -------
    Linear2RNNLayer
        Pure layer of width ``n + 1`` and input dimension ``m + 1``; exact when
        the layer is.

    Examples
    --------
    >>> from rnnexpr.models import LinearRNNLayer
    >>> aug = augment_layer(LinearRNNLayer(U=[[1]], V=[[2]], b=[3]))
    >>> aug.width, aug.input_dim, aug.is_pure
    (2, 2, True)
    """
    if not isinstance(layer, Linear2RNNLayer):
        raise ModelKindError(f"layer: expected a Linear2RNNLayer, got {type(layer).__name__}")
    exact = layer.is_exact
    conv = to_exact_array if exact else to_float_array
    n, m = layer.width, layer.input_dim
    one = Fraction(1) if exact else 1.0
    Ah = zeros((n + 1, m + 1, n + 1), exact)
    Ah[0, 0, 0] = one
    if layer.b is not None:
        Ah[0, 0, 1:] = conv(layer.b)
    if layer.U is not None:
        Ah[0, 1:, 1:] = conv(layer.U).T
    if layer.V is not None:
        Ah[1:, 0, 1:] = conv(layer.V).T
    if layer.A is not None:
        Ah[1:, 1:, 1:] = conv(layer.A)
    h0 = zeros((n + 1,), exact)
    h0[0] = one
    h0[1:] = conv(layer.initial_state)
    return Linear2RNNLayer(A=Ah, h0=h0)


def augment(stack: Stack) -> Stack:
    """Affine augmentation of a whole stack into a pure stack on inputs ``[1; x]``.

    Layer ``l`` becomes a pure layer of width ``n_l + 1`` whose state is
    ``[1; h^(l)]``, which is exactly the augmented input that layer ``l + 1``
    expects; the readout becomes ``[c, C]`` with no bias.  The result computes
    the same outputs on inputs ``[1; x_t]``.

    Parameters
    ----------
    stack : Stack

    Returns
    -------
    Stack
        Pure stack of widths ``n_l + 1`` and input dimension ``d + 1``.

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> augment(random_stack([2, 3], input_dim=2, seed=0)).widths
    (3, 4)
    """
    if not isinstance(stack, Stack):
        raise ModelKindError(f"stack: expected a Stack, got {type(stack).__name__}")
    exact = stack.is_exact
    conv = to_exact_array if exact else to_float_array
    layers = [augment_layer(layer) for layer in stack.layers]
    p = stack.output_dim
    C = zeros((p, stack.layers[-1].width + 1), exact)
    if stack.c is not None:
        C[:, 0] = conv(stack.c)
    C[:, 1:] = conv(stack.C)
    return Stack(layers, C)


def to_wfa(stack: Stack | Linear2RNNLayer, output: int = 0, minimal_form: bool = True) -> WFA:
    """The WFA computed by a depth-1 linear 2RNN on one-hot inputs (T3).

    Parameters
    ----------
    stack : Stack
        A depth-1 stack.
    output : int
        Which output coordinate to take (WFAs are scalar-valued).
    minimal_form : bool
        When True (default) a pure layer with no readout bias gives an
        ``n``-state WFA (``alpha = h0``, ``A_s = A[:, s, :]``, ``omega = C[output]``);
        otherwise the augmented ``n + 1``-state WFA is returned.

    Returns
    -------
    WFA
        Exact when the stack is.

    Raises
    ------
    ModelKindError
        If the stack has more than one layer (deep 2RNN stacks are generally not
        WFAs; see :mod:`rnnexpr.hankel` for their rank profiles).

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> s = random_stack([3], input_dim=2, seed=0, exact=True)
    >>> w = to_wfa(s); w.num_states
    4
    >>> w([1, 0, 1], exact=True) == s([1, 0, 1], exact=True)
    True
    """
    if isinstance(stack, Linear2RNNLayer):
        raise ModelKindError("stack: expected a Stack (with a readout C), got a bare layer")
    if not isinstance(stack, Stack):
        raise ModelKindError(f"stack: expected a Stack, got {type(stack).__name__}")
    if stack.depth != 1:
        raise ModelKindError(
            f"stack: expected a depth-1 stack (a WFA), got depth {stack.depth}; a deep linear 2RNN stack is "
            "generally not a WFA (THEORY T5)"
        )
    if isinstance(output, bool) or not isinstance(output, int) or not 0 <= output < stack.output_dim:
        raise ShapeError(f"output: expected an index in 0..{stack.output_dim - 1}, got {output!r}")
    layer = stack.layers[0]
    exact = stack.is_exact
    conv = to_exact_array if exact else to_float_array
    has_bias = stack.c is not None and np.any(stack.c != 0)
    if minimal_form and layer.is_pure and not has_bias:
        A = conv(layer.A) if layer.A is not None else zeros((layer.width, layer.input_dim, layer.width), exact)
        return WFA(conv(layer.initial_state), A, conv(stack.C)[output])
    aug = augment(stack)
    Ah = conv(aug.layers[0].A)
    # One-hot input e_s augments to [1; e_s]: the symbol's matrix is hat A[:,0,:] + hat A[:,1+s,:].
    mats = Ah[:, 1:, :] + Ah[:, :1, :]
    return WFA(conv(aug.layers[0].h0), mats, conv(aug.C)[output])


def from_wfa(wfa: WFA) -> Stack:
    """A pure depth-1 linear 2RNN with ``n`` units computing the WFA (T3: every WFA is one).

    ``A[:, s, :] = A_s``, ``h0 = alpha``, ``C = omega^T``.

    Examples
    --------
    >>> from rnnexpr.models import random_wfa
    >>> w = random_wfa(3, 2, seed=0, exact=True)
    >>> s = from_wfa(w); s.widths, s([0, 1], exact=True) == w([0, 1], exact=True)
    ((3,), True)
    """
    if not isinstance(wfa, WFA):
        raise ModelKindError(f"wfa: expected a WFA, got {type(wfa).__name__}")
    return Stack([Linear2RNNLayer(A=wfa.A, h0=wfa.alpha)], C=wfa.omega.reshape(1, -1))


# ---------------------------------------------------------------------------
# Reachable / observable bases, minimization, equivalence (THEORY §2, T3)
# ---------------------------------------------------------------------------

import itertools  # noqa: E402
import math as _math  # noqa: E402
from dataclasses import dataclass as _dataclass  # noqa: E402
from typing import Any as _Any  # noqa: E402

from .errors import AlphabetError as _AlphabetError  # noqa: E402
from .exact import solve as _solve  # noqa: E402

__all__ += [
    "SpanBasis",
    "reachable_basis",
    "observable_basis",
    "minimize",
    "EquivalenceResult",
    "equivalent",
    "DEFAULT_RTOL",
]

#: Default relative tolerance of the float (orthogonal) basis algorithms.
DEFAULT_RTOL = 1e-10


class _Echelon:
    """Incremental row echelon form over Q (pure Python Fractions): independence tests."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.rows: list[tuple[int, list[Fraction]]] = []  # (pivot, row with row[pivot] = 1)

    def reduce(self, v: list[Fraction]) -> list[Fraction]:
        v = list(v)
        for p, row in self.rows:
            c = v[p]
            if c:
                for j in range(p, self.n):
                    if row[j]:
                        v[j] -= c * row[j]
        return v

    def add(self, v: list[Fraction]) -> bool:
        """Insert v if independent of the rows so far; return whether it was."""
        r = self.reduce(v)
        p = next((j for j, x in enumerate(r) if x), None)
        if p is None:
            return False
        inv = 1 / r[p]
        r = [x * inv for x in r]
        # Keep earlier rows reduced at the new pivot so reduce() stays one pass.
        for k, (q, row) in enumerate(self.rows):
            c = row[p]
            if c:
                self.rows[k] = (q, [a - c * b for a, b in zip(row, r, strict=True)])
        self.rows.append((p, r))
        return True


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
        if self.exact or self.min_accepted is None:
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
        fast = _forward_span_guided(start, mats)
        if fast is not None:
            return fast
        ech = _Echelon(n)
        vecs, words = [], []
        queue = []
        if ech.add(list(start)):
            vecs.append(np.array(start, dtype=object))
            words.append(())
            queue.append(0)
        head = 0
        while head < len(queue):
            i = queue[head]
            head += 1
            for s in range(d):
                v = vecs[i] @ mats[s]
                if ech.add(list(v)):
                    vecs.append(as_fractions(np.asarray(v, dtype=object)))
                    words.append(words[i] + (s,))
                    queue.append(len(vecs) - 1)
        out = np.empty((len(vecs), n), dtype=object)
        for k, v in enumerate(vecs):
            out[k] = v
        return SpanBasis(out, tuple(words), True)
    Q = np.zeros((0, n))
    words = []
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


def _forward_span_guided(start: np.ndarray, mats: np.ndarray) -> SpanBasis | None:
    """Exact reachable basis: words chosen by a breadth-first search mod p, then proven over Q.

    The words' exact vectors ``x_w`` are independent over Q (they are mod p), and they
    span the reachable space iff ``start`` and every ``x_w M_s`` lie in their span, which
    is checked exactly with one python-flint solve and one product.  Returns None (the
    caller then row-reduces over Q) without python-flint, or if a check fails.
    """
    from . import exact as _exact

    flint = _exact._flint
    if flint is None or _exact.exact_backend() != "flint":
        return None
    n, d = start.shape[0], mats.shape[0]
    if n == 0:
        return None
    p = _exact.DEFAULT_PRIME
    q = 1
    for v in itertools.chain(start, mats.ravel()):
        q = _math.lcm(q, v.denominator)
    if q % p == 0:  # pragma: no cover - a denominator divisible by the prime
        return None

    def red(v: Fraction) -> int:
        return v.numerator % p * pow(v.denominator, -1, p) % p

    mod_mats = [flint.nmod_mat(n, n, [red(v) for v in mats[s].ravel()], p) for s in range(d)]
    basis: list[list[int]] = []
    words: list[tuple[int, ...]] = []
    frontier = [[red(v) for v in start]]
    fwords: list[tuple[int, ...]] = [()]
    while frontier:
        cand = basis + frontier
        M = flint.nmod_mat(len(cand), n, [x for row in cand for x in row], p)
        R, r = M.transpose().rref()
        ent = [int(x) for x in R.entries()]
        m = len(cand)
        piv = [next(j for j in range(m) if ent[i * m + j]) for i in range(int(r))]
        if len(piv) != len(basis) + sum(1 for j in piv if j >= len(basis)) or piv[: len(basis)] != list(
                range(len(basis))):  # pragma: no cover - the old basis stays independent
            return None
        new = [j - len(basis) for j in piv if j >= len(basis)]
        basis += [frontier[j] for j in new]
        words += [fwords[j] for j in new]
        if not new:
            break
        F = flint.nmod_mat(len(new), n, [x for j in new for x in frontier[j]], p)
        prods = [[int(x) for x in (F * mod_mats[s]).entries()] for s in range(d)]
        # Vector-major order, like the sequential search: children of x_w before those of x_w'.
        frontier = [prods[s][i * n:(i + 1) * n] for i in range(len(new)) for s in range(d)]
        fwords = [words[len(words) - len(new) + i] + (s,) for i in range(len(new)) for s in range(d)]
    r = len(words)
    if r == 0:
        return None if any(v != 0 for v in start) else SpanBasis(np.empty((0, n), dtype=object), (), True)
    # Exact vectors x_w along the trie of basis words (each word's parent is a basis word), in flint.
    fl_mats = [_exact._to_flint(as_fractions(mats[s])) for s in range(d)]
    vec = {(): _exact._to_flint(as_fractions(np.asarray(start, dtype=object)[None, :]))}
    for w in words[1:]:
        vec[w] = vec[w[:-1]] * fl_mats[w[-1]]
    rows = [[vec[w][0, j] for j in range(n)] for w in words]
    Xf = flint.fmpq_mat(r, n, [x for row in rows for x in row])
    Rx, _ = flint.nmod_mat(r, n, [int(x.p) % p * pow(int(x.q), -1, p) % p for row in rows for x in row], p).rref()
    entx = [int(x) for x in Rx.entries()]
    J = [next(j for j in range(n) if entx[i * n + j]) for i in range(r)]  # X[:, J] invertible mod p, so over Q
    XJt = flint.fmpq_mat(r, r, [rows[i][j] for j in J for i in range(r)])  # X[:, J]^T
    # Closure: start and all x_w M_s lie in span(X) over Q (solve on the columns J, then check all columns).
    for Y in [vec[()]] + [Xf * fl_mats[s] for s in range(d)]:
        k = Y.nrows()
        YJt = flint.fmpq_mat(r, k, [Y[i, j] for j in J for i in range(k)])
        C = XJt.solve(YJt).transpose()
        if C * Xf != Y:  # pragma: no cover - an unlucky prime
            return None
    X = _exact._from_flint(Xf)
    return SpanBasis(X, tuple(words), True)


def _as_wfa(model: _Any, name: str = "model") -> WFA:
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
    if isinstance(rtol, bool) or not isinstance(rtol, int | float) or not (0 < rtol < 1):
        raise ValueError(f"rtol: expected a float in (0, 1), got {rtol!r}")
    return float(rtol)


def reachable_basis(wfa: WFA, exact: bool | None = None, rtol: float = DEFAULT_RTOL) -> SpanBasis:
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
    wfa = _as_wfa(wfa, "wfa")
    exact = wfa.is_exact if exact is None else bool(exact)
    alpha, A, _ = _wfa_domain(wfa, exact)
    return _forward_span(alpha, A.transpose(1, 0, 2), exact, _check_rtol(rtol))


def observable_basis(wfa: WFA, exact: bool | None = None, rtol: float = DEFAULT_RTOL) -> SpanBasis:
    """Basis of the observable span ``{A_w omega}`` (as rows), words read right to left.

    ``words[k]`` is the word ``w`` with ``vectors[k]`` spanning like ``A_w omega``.

    Examples
    --------
    >>> w = WFA([1, 1], [[[1, 0]], [[0, 1]]], [1, 0])   # state 2 is unobservable
    >>> observable_basis(w).dimension
    1
    """
    wfa = _as_wfa(wfa, "wfa")
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
        Ft = F.T
        new = zeros((r, d, r), exact)
        for s in range(d):
            X = _solve(Ft, (F @ mats[s]).T)
            if X is None:  # pragma: no cover - the span is invariant by construction
                raise ArithmeticError("reachable span is not invariant")
            new[:, s, :] = X.T
        coef = _solve(Ft, start)
        return coef, new, F @ end
    # Orthonormal rows: coordinates are inner products.
    new = np.stack([F @ mats[s] @ F.T for s in range(d)], axis=1)
    return F @ start, new, F @ end


def minimize(wfa: WFA, exact: bool | None = None, rtol: float = DEFAULT_RTOL) -> WFA:
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

    Examples
    --------
    >>> w = WFA(["1", "1"], [[["1/2", 0]], [[0, "1/2"]]], [1, 1])   # twice the same state
    >>> m = minimize(w); m.num_states, m([0, 0], exact=True)
    (1, Fraction(1, 2))
    """
    wfa = _as_wfa(wfa, "wfa")
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


@_dataclass(frozen=True, eq=False)
class EquivalenceResult:
    """Outcome of an equivalence test, with its evidence.

    Attributes
    ----------
    equivalent : bool
        True when the two functions agree (on the stated scope).
    witness : tuple or numpy.ndarray or None
        A word (one-hot models) or an input sequence (real inputs) on which they
        differ, verified by evaluating both models; None when equivalent.
    exact : bool
        True when decided in rational arithmetic (a proof).
    values : tuple or None
        ``(f_a(witness), f_b(witness))`` as computed when verifying the witness.
    method : str
        How it was decided.
    scope : str
        What was decided ("all words", "all words of length <= N", "all real input sequences").
    tolerance : float or None
        Float only.

    Examples
    --------
    >>> r = equivalent(WFA([1], [[[2]]], [1]), WFA([1], [[[3]]], [1])); r.equivalent, r.witness, r.values
    (False, (0,), (Fraction(2, 1), Fraction(3, 1)))
    """

    equivalent: bool
    witness: _Any = None
    exact: bool = True
    values: tuple | None = None
    method: str = ""
    scope: str = "all words"
    tolerance: float | None = None

    def __bool__(self) -> bool:
        return self.equivalent

    def to_dict(self) -> dict[str, _Any]:
        """JSON-serializable summary."""
        from .numbers import format_fraction

        def fmt(v):
            if isinstance(v, Fraction):
                return format_fraction(v)
            if isinstance(v, np.ndarray):
                from .numbers import to_json_array

                return to_json_array(v)
            return float(v) if isinstance(v, float | np.floating) else v

        w = self.witness
        if isinstance(w, np.ndarray):
            w = fmt(w)
        elif isinstance(w, tuple):
            w = list(w)
        return {
            "equivalent": self.equivalent,
            "witness": w,
            "exact": self.exact,
            "values": None if self.values is None else [fmt(v) for v in self.values],
            "method": self.method,
            "scope": self.scope,
            "tolerance": self.tolerance,
        }


def _difference_wfa(a: WFA, b: WFA, exact: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    aa, Aa, oa = _wfa_domain(a, exact)
    ab, Ab, ob = _wfa_domain(b, exact)
    na, nb, d = a.num_states, b.num_states, a.alphabet_size
    A = zeros((na + nb, d, na + nb), exact)
    A[:na, :, :na] = Aa
    A[na:, :, na:] = Ab
    return np.concatenate([aa, ab]), A, np.concatenate([oa, -ob])


def equivalent(a: _Any, b: _Any, exact: bool | None = None, rtol: float = DEFAULT_RTOL,
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
        Float only: relative tolerance.
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

    Examples
    --------
    >>> w = WFA([1], [[[1], [2]]], [1])
    >>> equivalent(w, minimize(w)).equivalent
    True
    >>> equivalent(w, WFA([1], [[[1], [3]]], [1])).witness
    (1,)
    """
    if inputs == "real":
        from .linear_systems import equivalent as _lti_equivalent

        return _lti_equivalent(a, b, exact=exact)
    if inputs != "one-hot":
        raise ValueError(f"inputs: expected 'one-hot' or 'real', got {inputs!r}")
    deep = any(isinstance(m, Stack) and m.depth > 1 for m in (a, b))
    if deep:
        return _equivalent_deep(a, b, exact, rtol, max_length)
    wa, wb = _as_wfa(a, "a"), _as_wfa(b, "b")
    if wa.alphabet_size != wb.alphabet_size:
        raise _AlphabetError(f"b: expected the alphabet size {wa.alphabet_size} of a, got {wb.alphabet_size}")
    exact = (wa.is_exact and wb.is_exact) if exact is None else bool(exact)
    rtol = _check_rtol(rtol)
    alpha, A, omega = _difference_wfa(wa, wb, exact)
    mats = A.transpose(1, 0, 2)
    # Forward search with word tracking: f_D vanishes iff it vanishes on the basis words,
    # since their vectors x_w span the reachable space and f_D(w) = x_w . omega_D.
    basis = _forward_span(alpha, mats, exact, rtol)
    if exact:
        vals = [v @ omega for v in basis.vectors]
        nz = [k for k, v in enumerate(vals) if v != 0]
    else:
        # Float basis vectors are orthonormalized combinations: evaluate the words themselves.
        wvals = [float(wa(w)) - float(wb(w)) for w in basis.words]
        ref = [max(abs(float(wa(w))), abs(float(wb(w))), 1.0) for w in basis.words]
        nz = [k for k, v in enumerate(wvals) if abs(v) > _math.sqrt(rtol) * ref[k]]
    method = "difference WFA, reachable basis" + (" (exact)" if exact else " (float)")
    if not nz:
        return EquivalenceResult(True, None, exact, None, method, "all words", None if exact else rtol)
    w = basis.words[nz[0]]
    va, vb = wa(w, exact=exact), wb(w, exact=exact)
    if exact and va == vb:  # pragma: no cover - cannot happen in exact arithmetic
        raise ArithmeticError("equivalent: witness did not verify")
    return EquivalenceResult(False, w, exact, (va, vb), method, "all words", None if exact else rtol)


def _equivalent_deep(a: _Any, b: _Any, exact: bool | None, rtol: float, max_length: int | None) -> EquivalenceResult:
    from .lifted import LiftedRepresentation, _budget, _core_from_params, _homogeneous, _initial

    for name, m in (("a", a), ("b", b)):
        if not isinstance(m, Stack | WFA):
            raise ModelKindError(f"{name}: expected a WFA or a Stack, got {type(m).__name__}")
    if max_length is None:
        raise ValueError(
            "max_length: expected an integer for stacks of depth >= 2 (their equivalence over all lengths is not "
            "decided here; equality is decided exactly for every length <= max_length), got None"
        )
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 0:
        raise ValueError(f"max_length: expected a non-negative integer, got {max_length!r}")
    da = a.alphabet_size if isinstance(a, WFA) else a.input_dim
    db = b.alphabet_size if isinstance(b, WFA) else b.input_dim
    if da != db:
        raise _AlphabetError(f"b: expected the alphabet size {da} of a, got {db}")
    exact = (a.is_exact and b.is_exact) if exact is None else bool(exact)
    if exact:
        a, b = a.to_exact(), b.to_exact()
    else:
        a, b = a.to_float(), b.to_float()
    rtol = _check_rtol(rtol)
    # Level-m cores do not depend on the length T: build each once and reuse it for every T.
    hps = [_homogeneous(a), _homogeneous(b)]
    cores: list[dict[int, np.ndarray]] = [{}, {}]

    def rep(i: int, T: int) -> LiftedRepresentation:
        hp = hps[i]
        for m in range(1, T + 1):
            if m not in cores[i]:
                cores[i][m] = _core_from_params(hp, m, _budget(hp.exact, None))
        return LiftedRepresentation(_initial(hp, T), tuple(cores[i][T - t] for t in range(T)), hp.readout)

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
    vecs, words = [start], [()]
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
                if exact:
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
    for v, w in zip(vecs, words, strict=True):
        val = v @ final
        if exact and val != 0:
            return w
        if not exact:
            scale = max(float(np.linalg.norm(v)) * float(np.linalg.norm(final)), 1e-300)
            if abs(float(val)) > _math.sqrt(rtol) * scale:
                return w
    return None
