"""Explicit networks behind the statements of :doc:`/theory/index`.

* :func:`collapse` (T1): a stack of linear RNN layers is one linear RNN layer of
  width ``sum n_l`` with a block lower-triangular recurrence;
* :func:`collapse_linear_feedforward` (T0): a stack of affine maps is one affine map;
* :func:`delay_network_shallow`, :func:`delay_network_deep`,
  :func:`delay_parameter_counts` (T2): ``y_t = x_{t-k}`` with one wide layer or
  ``k`` narrow ones;
* :func:`t5_witness`, :func:`random_depth2_witness` (T5): depth-2 linear 2RNN
  stacks that no depth-1 linear 2RNN computes;
* :func:`reachable_states`, :func:`product_construction`, :func:`dfa_stack`
  (T5 caveat): when layer 1 reaches finitely many states the stack *is* a WFA;
* :func:`product_witness` (T6): one unit computing ``x_1 x_2 ... x_T``.

Every construction is exact on rational parameters (numpy object arrays of
:class:`~fractions.Fraction`, see :mod:`rnnexpr.numbers`).
"""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .errors import InvalidArgumentError, ModelKindError, ShapeError, SizeLimitError
from .models import (
    WFA,
    DepthwiseStack,
    Linear2RNNLayer,
    LinearRNNLayer,
    Stack,
    random_array,
    random_generator,
    random_layer,
)
from .numbers import as_array, is_exact_array, to_exact_array, to_float_array, zeros
from .validation import check_int, deprecated_positional, renamed_parameter
from .conversions import augment_layer
from .linear_systems import joint_system

__all__ = [
    "collapse",
    "collapse_linear_feedforward",
    "delay_network_shallow",
    "delay_network_deep",
    "DelayParameterCounts",
    "delay_parameter_counts",
    "t5_witness",
    "random_depth2_witness",
    "reachable_states",
    "product_construction",
    "dfa_stack",
    "DFA_PRESETS",
    "product_witness",
    "MAX_EXACT_ENTRIES",
]

#: Constructions refuse to build exact arrays with more entries than this (Fractions cost ~100 bytes each).
MAX_EXACT_ENTRIES = 4_000_000


def _positive_int(value: Any, name: str, minimum: int = 1) -> int:
    return check_int(value, name, minimum=minimum)


def _dot(a: np.ndarray, b: np.ndarray, exact: bool) -> np.ndarray:
    """Matrix product in the array's domain (object arrays keep Fractions exact)."""
    out = a @ b
    if exact:
        out = to_exact_array(np.asarray(out, dtype=object))
    return out


# ---------------------------------------------------------------------------
# T1 and T0: collapsing linear stacks
# ---------------------------------------------------------------------------


def collapse(stack: Stack | DepthwiseStack) -> Stack:
    """T1: the one-layer linear RNN computing exactly what a linear RNN stack computes.

    The joint state ``H_t = [h_t^(1); ...; h_t^(L)]`` follows
    ``H_t = V H_{t-1} + U x_t + b`` with the block lower-triangular

    * ``V[l, l] = V_l`` and ``V[l, k] = U_l V[l-1, k]`` for ``k < l``,
    * ``U[l] = U_l U[l-1]`` (``U[1] = U_1``),
    * ``b[l] = U_l b[l-1] + b_l``,

    obtained by substituting ``h_t^(l-1)`` into layer ``l`` (for L = 2:
    ``V = [[V1, 0], [U2 V1, V2]]``, ``U = [U1; U2 U1]``, ``b = [b1; U2 b1 + b2]``).
    The initial state is ``[h_0^(1); ...; h_0^(L)]`` and the readout reads the
    last block.  Absent terms count as zero.  The recurrence is the
    :class:`~rnnexpr.linear_systems.LinearSystem` of
    :func:`~rnnexpr.linear_systems.joint_system`, returned as a one-layer stack.

    Parameters
    ----------
    stack : Stack or DepthwiseStack
        Every layer linear (no multiplicative term); a :class:`DepthwiseStack`
        is accepted only with the identity activation.

    Returns
    -------
    Stack
        Depth 1, one :class:`LinearRNNLayer` of width ``sum n_l``; exact when the
        stack is exact.

    Raises
    ------
    ModelKindError
        For a layer with a multiplicative term (linear 2RNN stacks do not
        collapse, T5) or a non-identity activation.

    See Also
    --------
    collapse_linear_feedforward : the same collapse for feedforward linear networks (T0).
    rnnexpr.linear_systems.mcmillan_degree : the size of a minimal realization of the collapsed system.
    rnnexpr.linear_systems.minimal_realization : a minimal realization itself.

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> s = random_stack([2, 3], input_dim=1, kind="linear", seed=0, exact=True)
    >>> one = collapse(s); one.widths
    (5,)
    >>> x = [[1], ["1/2"], [-2]]
    >>> bool((one.run(x, exact=True) == s.run(x, exact=True)).all())
    True
    """
    if isinstance(stack, DepthwiseStack):
        if stack.activation.name != "identity":
            raise ModelKindError(
                f"stack: expected a linear stack, got a DepthwiseStack with activation "
                f"{stack.activation.name!r} (only 'identity' collapses)"
            )
    elif not isinstance(stack, Stack):
        raise ModelKindError(f"stack: expected a Stack of linear RNN layers, got {type(stack).__name__}")
    for i, layer in enumerate(stack.layers):
        if not layer.is_linear:
            raise ModelKindError(
                f"stack: expected linear RNN layers only, got a multiplicative term A in layers[{i}] "
                "(linear 2RNN stacks do not collapse, statement T5)"
            )
    # The joint system of the T1 construction (rnnexpr.linear_systems.joint_system), as one layer;
    # terms absent from every layer stay absent.
    system = joint_system(stack)
    has_h0 = any(layer.h0 is not None for layer in stack.layers)
    has_b = any(layer.b is not None for layer in stack.layers)
    layer = LinearRNNLayer(U=system.U, V=system.V, b=system.b if has_b else None,
                           h0=system.h0 if has_h0 else None)
    return Stack([layer], system.C, stack.c)


def collapse_linear_feedforward(
    weights: Sequence[Any], biases: Sequence[Any] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """T0: the affine map ``x -> W x + c`` equal to ``W_L(...(W_1 x + b_1)...) + b_L``.

    ``W = W_L ... W_1`` and ``c = W_L (... (W_2 b_1 + b_2) ...) + b_L``.

    Parameters
    ----------
    weights : sequence of array_like
        ``W_l`` of shape ``(n_l, n_{l-1})``, applied first to last.
    biases : sequence of array_like or None, optional
        ``b_l`` of shape ``(n_l,)``; None (or a None entry) means zero.

    Returns
    -------
    (W, c) : tuple of numpy.ndarray
        Exact (object arrays of Fractions) when every input is exact.

    Raises
    ------
    ShapeError
        When the shapes do not chain or the number of biases differs.

    Examples
    --------
    >>> W, c = collapse_linear_feedforward([[[1, 2]], [[3], [4]]], [[1], None])
    >>> W.tolist(), c.tolist()
    ([[Fraction(3, 1), Fraction(6, 1)], [Fraction(4, 1), Fraction(8, 1)]], [Fraction(3, 1), Fraction(4, 1)])
    """
    if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence) or len(weights) == 0:
        raise ShapeError("weights: expected a non-empty sequence of matrices, got "
                         f"{type(weights).__name__}")
    if biases is None:
        biases = [None] * len(weights)
    if len(biases) != len(weights):
        raise ShapeError(f"biases: expected {len(weights)} entries (one per weight), got {len(biases)}")
    Ws = [as_array(w, f"weights[{i}]", ndim=2) for i, w in enumerate(weights)]
    bs = [None if v is None else as_array(v, f"biases[{i}]", ndim=1) for i, v in enumerate(biases)]
    exact = all(is_exact_array(w) for w in Ws) and all(v is None or is_exact_array(v) for v in bs)
    conv = to_exact_array if exact else to_float_array
    W = conv(Ws[0])
    c = zeros((W.shape[0],), exact)
    for i, (Wi, bi) in enumerate(zip(Ws, bs, strict=True)):
        if bi is not None and bi.shape != (Wi.shape[0],):
            raise ShapeError(f"biases[{i}]: expected shape ({Wi.shape[0]},) to match weights[{i}], got {bi.shape}")
        if i > 0:
            if Wi.shape[1] != W.shape[0]:
                raise ShapeError(
                    f"weights[{i}]: expected {W.shape[0]} columns (the output size of weights[{i - 1}]), "
                    f"got shape {Wi.shape}"
                )
            W = _dot(conv(Wi), W, exact)
            c = _dot(conv(Wi), c, exact)
        if bi is not None:
            c = c + conv(bi)
    return conv(W), conv(c)


# ---------------------------------------------------------------------------
# T2: delay networks
# ---------------------------------------------------------------------------


def _frac_matrix(rows: list[list[int]]) -> np.ndarray:
    return to_exact_array(np.array(rows, dtype=object))


@renamed_parameter("k", "delay")
def delay_network_shallow(delay: int) -> Stack:
    """T2: one linear RNN layer of width ``k + 1`` computing ``y_t = x_{t-k}`` (zero for ``t <= k``).

    A shift register: ``h_t = [x_t, x_{t-1}, ..., x_{t-k}]`` (``U = e_1``, ``V``
    the down-shift), read out by ``C = e_{k+1}^T``.  Width ``k + 1`` is the
    minimum: the impulse response has Hankel rank ``k + 1``.

    Parameters
    ----------
    delay : int
        The delay ``k >= 1`` (formerly the keyword ``k``, which still works for
        one release with a DeprecationWarning).

    Returns
    -------
    Stack
        Exact, depth 1, scalar input and output.

    Examples
    --------
    >>> s = delay_network_shallow(2)
    >>> [int(v) for v in s.run([[1], [2], [3], [4]], exact=True)[:, 0]]
    [0, 0, 1, 2]
    """
    k = _positive_int(delay, "delay")
    n = k + 1
    if n * n > MAX_EXACT_ENTRIES:
        raise SizeLimitError(
            f"delay: the shallow delay network for k={k} has a {n} x {n} recurrence ({n * n} exact entries), "
            f"above the limit {MAX_EXACT_ENTRIES}"
        )
    U = [[1 if i == 0 else 0] for i in range(n)]
    V = [[1 if i == j + 1 else 0 for j in range(n)] for i in range(n)]
    C = [[1 if j == k else 0 for j in range(n)]]
    return Stack([LinearRNNLayer(U=_frac_matrix(U), V=_frac_matrix(V))], _frac_matrix(C))


@renamed_parameter("k", "delay")
def delay_network_deep(delay: int) -> Stack:
    """T2: ``k`` linear RNN layers of width 2 computing ``y_t = x_{t-k}`` (zero for ``t <= k``).

    Layer ``l`` holds ``h_t^(l) = [x_{t-l+1}, x_{t-l}]``: it copies the delayed
    coordinate of the layer below (``U_l = [[0, 1], [0, 0]]``, or ``[[1], [0]]``
    for ``l = 1``) and shifts it once (``V_l = [[0, 0], [1, 0]]``).  Each layer
    adds one unit of delay and width 2 is the least that can: a width-1 layer
    has transfer function ``u / (1 - v q^-1)``, with no zero to build a delay,
    while a width-``n`` layer delays by at most ``n - 1``.  So ``k`` layers of
    width 2 reach delay ``k`` with ``4k`` recurrent parameters against
    ``(k + 1)^2`` for one layer.

    Parameters
    ----------
    delay : int
        The delay ``k >= 1`` (formerly the keyword ``k``).

    Returns
    -------
    Stack
        Exact, depth ``k``, widths ``(2,) * k``.

    Examples
    --------
    >>> s = delay_network_deep(2); s.widths
    (2, 2)
    >>> [int(v) for v in s.run([[1], [2], [3], [4]], exact=True)[:, 0]]
    [0, 0, 1, 2]
    """
    k = _positive_int(delay, "delay")
    if 8 * k > MAX_EXACT_ENTRIES:
        raise SizeLimitError(f"delay: the deep delay network for k={k} has {8 * k} exact entries, "
                             f"above the limit {MAX_EXACT_ENTRIES}")
    V = _frac_matrix([[0, 0], [1, 0]])
    layers = [LinearRNNLayer(U=_frac_matrix([[1], [0]]), V=V)]
    for _ in range(k - 1):
        layers.append(LinearRNNLayer(U=_frac_matrix([[0, 1], [0, 0]]), V=V))
    return Stack(layers, _frac_matrix([[0, 1]]))


@dataclass(frozen=True)
class DelayParameterCounts:
    """Parameter counts of the two T2 delay networks for a delay ``k``.

    ``recurrent`` counts the entries of the recurrence matrices ``V``;
    ``total`` counts every parameter (``U``, ``V``, ``b`` when present, and the
    readout ``C``).  Formulas: shallow ``(k+1)^2`` / ``(k+1)^2 + 2(k+1)``,
    deep ``4k`` / ``8k``.

    Attributes
    ----------
    delay : int
        The delay ``k`` (``.k`` still reads it for one release, with a DeprecationWarning).
    shallow_width : int
        Width ``k + 1`` of the depth-1 delay network.
    shallow_recurrent, shallow_total : int
        Recurrent and total parameter counts of the depth-1 network.
    deep_depth : int
        Depth of the deep delay network.
    deep_widths : tuple of int
        Layer widths of the deep delay network.
    deep_recurrent, deep_total : int
        Recurrent and total parameter counts of the deep network.

    Examples
    --------
    >>> c = delay_parameter_counts(2)
    >>> c.shallow_width, c.shallow_recurrent, c.shallow_total
    (3, 9, 15)
    >>> c.deep_widths, c.deep_recurrent, c.deep_total
    ((2, 2), 8, 16)
    >>> c.to_dict()["deep_widths"]
    [2, 2]
    """

    delay: int
    shallow_width: int
    shallow_recurrent: int
    shallow_total: int
    deep_depth: int
    deep_widths: tuple[int, ...]
    deep_recurrent: int
    deep_total: int

    @property
    def k(self) -> int:
        """Deprecated name of ``delay``."""
        warnings.warn("DelayParameterCounts.k is renamed delay; k will stop working in the next release",
                      DeprecationWarning, stacklevel=2)
        return self.delay

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        out = asdict(self)
        out["deep_widths"] = list(self.deep_widths)
        return out


def _recurrent_count(stack: Stack) -> int:
    return sum(layer.V.size for layer in stack.layers if layer.V is not None)


@renamed_parameter("k", "delay")
def delay_parameter_counts(delay: int) -> DelayParameterCounts:
    """Recurrent and total parameter counts of :func:`delay_network_shallow` and :func:`delay_network_deep`.

    Counted on the constructed networks (not from the formulas), so a change of
    construction shows here.

    Parameters
    ----------
    delay : int
        The delay ``k >= 1`` (formerly the keyword ``k``).

    Returns
    -------
    DelayParameterCounts

    Examples
    --------
    >>> c = delay_parameter_counts(5)
    >>> c.shallow_recurrent, c.deep_recurrent, c.shallow_total, c.deep_total
    (36, 20, 48, 40)
    """
    k = _positive_int(delay, "delay")
    shallow, deep = delay_network_shallow(k), delay_network_deep(k)
    return DelayParameterCounts(
        delay=k,
        shallow_width=shallow.widths[0],
        shallow_recurrent=_recurrent_count(shallow),
        shallow_total=shallow.num_parameters(),
        deep_depth=deep.depth,
        deep_widths=deep.widths,
        deep_recurrent=_recurrent_count(deep),
        deep_total=deep.num_parameters(),
    )


# ---------------------------------------------------------------------------
# T5: witnesses that depth-2 linear 2RNNs are not WFAs
# ---------------------------------------------------------------------------


def t5_witness() -> Stack:
    """T5: the unary depth-2 witness ``h1_t = 2 h1_{t-1} x_t``, ``h2_t = h2_{t-1} h1_t``, ``h_0 = 1``.

    On the one-symbol alphabet ``f(a^T) = 2^{T(T+1)/2}``: it grows faster than
    any WFA can and its ``k x k`` Hankel block is a Vandermonde matrix in
    ``2^i`` of rank ``k``.

    Returns
    -------
    Stack
        Exact, pure, widths ``(1, 1)``, input dimension 1.

    Examples
    --------
    >>> s = t5_witness()
    >>> [int(s([0] * T, exact=True)) for T in range(5)]
    [1, 2, 8, 64, 1024]
    """
    one = Fraction(1)
    return Stack(
        [
            Linear2RNNLayer(A=to_exact_array([[[2]]]), h0=to_exact_array([one])),
            Linear2RNNLayer(A=to_exact_array([[[1]]]), h0=to_exact_array([one])),
        ],
        C=to_exact_array([[1]]),
    )


def _nonzero_integers(rng: np.random.Generator, shape: tuple[int, ...], high: int) -> np.ndarray:
    vals = rng.integers(1, high + 1, size=shape) * rng.choice([-1, 1], size=shape)
    out = np.empty(shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(vals.ravel()):
        flat[i] = Fraction(int(v))
    return out


@deprecated_positional
def random_depth2_witness(
    seed: int | np.random.Generator | None = 0,
    *,
    widths: Sequence[int] = (2, 2),
    alphabet_size: int = 2,
    exact: bool = True,
) -> Stack:
    """T5: a random pure depth-2 linear 2RNN stack, generically computed by no WFA.

    Entries of ``A^(1)``, ``A^(2)``, ``h_0`` and ``C`` are nonzero integers in
    ``[-3, 3]`` (exact) or their float values.

    Why generically not a WFA: for each ``N`` the parameters whose Hankel block
    on unary words ``0^i, i < N + 1`` has rank ``<= N`` form the zero set of
    polynomials (its minors).  The set is proper, since embedding the
    :func:`t5_witness` (one unit per layer acting by 2 and 1 on symbol 0, all
    else zero) gives rank ``N + 1``.  So almost every real parameter avoids
    every such set and has infinite Hankel rank, which no WFA has
    (Fliess / Carlyle-Paz).  For integer draws Schwartz-Zippel bounds the
    failure probability per ``N``.  The cause is the growth: along a symbol,
    ``h1_T`` grows like ``rho^T`` and ``h2_T`` picks up one factor of ``h1_t``
    per step, hence ``rho^{T^2/2}``.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Explicit seed.
    widths : (int, int)
        Widths ``(n1, n2)``.
    alphabet_size : int
        Input dimension ``d`` (one-hot symbols ``0..d-1``).
    exact : bool
        Exact Fractions (default) or float64.

    Returns
    -------
    Stack

    Examples
    --------
    >>> s = random_depth2_witness(seed=0)
    >>> s.widths, s.input_dim, s.is_pure, s.is_exact
    ((2, 2), 2, True, True)
    """
    if isinstance(widths, int | np.integer) or len(widths) != 2:
        raise ShapeError(f"widths: expected two widths (n1, n2), got {widths!r}")
    n1 = _positive_int(widths[0], "widths[0]")
    n2 = _positive_int(widths[1], "widths[1]")
    d = _positive_int(alphabet_size, "alphabet_size")
    rng = random_generator(seed)
    layer1 = Linear2RNNLayer(A=_nonzero_integers(rng, (n1, d, n1), 3), h0=_nonzero_integers(rng, (n1,), 3))
    layer2 = Linear2RNNLayer(A=_nonzero_integers(rng, (n2, n1, n2), 3), h0=_nonzero_integers(rng, (n2,), 3))
    stack = Stack([layer1, layer2], C=_nonzero_integers(rng, (1, n2), 3))
    return stack if exact else stack.to_float()


# ---------------------------------------------------------------------------
# T5 caveat: finitely many layer-1 states give a WFA
# ---------------------------------------------------------------------------


def _first_layer(layer_or_stack: Any) -> Linear2RNNLayer:
    if isinstance(layer_or_stack, Linear2RNNLayer):
        return layer_or_stack
    if isinstance(layer_or_stack, Stack | DepthwiseStack):
        return layer_or_stack.layers[0]
    raise ModelKindError(
        f"layer_or_stack: expected a Linear2RNNLayer or a Stack, got {type(layer_or_stack).__name__}"
    )


def _reachable_graph(layer: Linear2RNNLayer, max_states: int) -> tuple[list[np.ndarray], np.ndarray]:
    """BFS over one-hot inputs: the reachable states and the table ``delta[i, s]``."""
    layer = layer.to_exact()
    d = layer.input_dim
    eye = to_exact_array(np.eye(d, dtype=np.int64))
    start = to_exact_array(layer.initial_state)
    states = [start]
    index = {tuple(start): 0}
    delta: list[list[int]] = []
    queue = deque([0])
    while queue:
        i = queue.popleft()
        # One batched step for all d symbols from state i.
        h = np.broadcast_to(states[i], (d, layer.width)).copy()
        nxt = layer.step_batch(h, eye, exact=True)
        row = []
        for s in range(d):
            key = tuple(Fraction(v) for v in nxt[s])
            j = index.get(key)
            if j is None:
                if len(states) >= max_states:
                    raise SizeLimitError(
                        f"max_states: layer 1 reached more than {max_states} distinct states "
                        "(its reachable set may be infinite); raise max_states to search further"
                    )
                j = len(states)
                index[key] = j
                states.append(to_exact_array(np.array(key, dtype=object)))
                queue.append(j)
            row.append(j)
        delta.append(row)
    return states, np.array(delta, dtype=np.int64).reshape(len(states), d)


@deprecated_positional
def reachable_states(layer_or_stack: Linear2RNNLayer | Stack, *, max_states: int = 1000) -> list[np.ndarray]:
    """The states reached by layer 1 on one-hot inputs, found exactly by breadth-first search.

    Starting at ``h_0``, every state is stepped with each symbol ``e_s``;
    states are compared exactly (float parameters are converted at their binary
    value).

    Parameters
    ----------
    layer_or_stack : Linear2RNNLayer or Stack
        A layer, or a stack whose first layer is searched.
    max_states : int
        Refuse to search beyond this many distinct states.

    Returns
    -------
    list of numpy.ndarray
        Exact states in BFS order, ``h_0`` first.

    Raises
    ------
    SizeLimitError
        When more than ``max_states`` states are reached (e.g. an infinite set).

    Examples
    --------
    >>> len(reachable_states(dfa_stack("mod3")))
    3
    >>> reachable_states(t5_witness(), max_states=5)
    Traceback (most recent call last):
    ...
    rnnexpr.errors.SizeLimitError: max_states: layer 1 reached more than 5 distinct states ...
    """
    max_states = _positive_int(max_states, "max_states")
    states, _ = _reachable_graph(_first_layer(layer_or_stack), max_states)
    return states


@deprecated_positional
def product_construction(stack: Stack, *, max_states: int = 1000, output: int = 0) -> WFA:
    """T5 caveat: the WFA of a depth-2 stack whose first layer reaches finitely many states.

    With reachable layer-1 states ``r_1 .. r_N`` (``r_1 = h_0^(1)``), transitions
    ``delta(i, s)`` and the augmented second layer ``hat A`` (width
    ``n2 + 1``, state ``[1; h2]``, input ``[1; h1]``), the WFA has the
    ``N (n2 + 1)`` states ``e_i (x) hat h2`` and

    * ``A_s[(i, p), (j, q)] = [delta(i, s) = j] M(r_j)[p, q]`` with
      ``M(z)[p, q] = sum_k hat A[p, k, q] [1; z]_k``,
    * ``alpha = e_1 (x) [1; h_0^(2)]``, ``omega[(i, q)] = [c; C]_q``.

    Parameters
    ----------
    stack : Stack
        Depth 2; any terms in either layer.
    max_states : int
        Bound on the reachable set searched (see :func:`reachable_states`).
    output : int
        Output coordinate (WFAs are scalar).

    Returns
    -------
    WFA
        Exact, ``|reach(h1)| * (n2 + 1)`` states.

    Raises
    ------
    ModelKindError
        If the stack is not a depth-2 :class:`Stack`.
    SizeLimitError
        If layer 1 reaches more than ``max_states`` states.

    Examples
    --------
    >>> s = dfa_stack("parity", width=2, seed=0)
    >>> w = product_construction(s); w.num_states
    6
    >>> w([1, 0, 1, 1], exact=True) == s([1, 0, 1, 1], exact=True)
    True
    """
    if not isinstance(stack, Stack):
        raise ModelKindError(f"stack: expected a depth-2 Stack, got {type(stack).__name__}")
    if stack.depth != 2:
        raise ModelKindError(f"stack: expected a depth-2 Stack, got depth {stack.depth}")
    if isinstance(output, bool) or not isinstance(output, int | np.integer) or not 0 <= output < stack.output_dim:
        raise ShapeError(f"output: expected an index in 0..{stack.output_dim - 1}, got {output!r}")
    max_states = _positive_int(max_states, "max_states")
    states, delta = _reachable_graph(stack.layers[0], max_states)
    N, d = delta.shape
    m = stack.layers[1].width + 1
    # Refuse before converting layer 2 to exact arrays.
    if (N * m) ** 2 * d > MAX_EXACT_ENTRIES:
        raise SizeLimitError(
            f"stack: the product WFA would have {N * m} states ({N} reachable layer-1 states x {m}) and "
            f"{(N * m) ** 2 * d} exact transition entries, above the limit {MAX_EXACT_ENTRIES}"
        )
    exact_stack = stack.to_exact()
    aug = augment_layer(exact_stack.layers[1])
    Ah = to_exact_array(aug.A)  # (n2+1, n1+1, n2+1)
    # M(r_j): the augmented layer-2 transition when layer 1 is in state r_j.
    Ms = []
    for r in states:
        z = np.concatenate([[Fraction(1)], r]).astype(object)
        Ms.append(to_exact_array(np.einsum("pkq,k->pq", Ah, z)))
    A = zeros((N * m, d, N * m), True)
    for i in range(N):
        for s in range(d):
            j = int(delta[i, s])
            A[i * m:(i + 1) * m, s, j * m:(j + 1) * m] = Ms[j]
    alpha = zeros((N * m,), True)
    alpha[:m] = to_exact_array(aug.h0)
    readout = zeros((m,), True)
    readout[0] = Fraction(0) if exact_stack.c is None else exact_stack.c[output]
    readout[1:] = exact_stack.C[output]
    omega = to_exact_array(np.tile(readout, N))
    return WFA(alpha, A, omega)


#: Named DFAs for :func:`dfa_stack`: transition tables ``delta[state, symbol]``.
DFA_PRESETS: dict[str, list[list[int]]] = {
    # symbol 1 flips the parity, symbol 0 keeps it
    "parity": [[0, 1], [1, 0]],
    # symbol 1 adds one mod 3, symbol 0 keeps the count
    "mod3": [[0, 1], [1, 2], [2, 0]],
}


@deprecated_positional
def dfa_stack(
    transitions: str | Sequence[Sequence[int]] = "parity",
    *,
    initial: int = 0,
    width: int = 2,
    seed: int | np.random.Generator | None = 0,
    exact: bool = True,
) -> Stack:
    """A depth-2 stack whose first layer runs a DFA (0-1 matrices), so it reaches finitely many states.

    Layer 1 is the pure 2RNN ``A^(1)[i, s, j] = [delta(i, s) = j]`` with
    ``h_0 = e_initial``: its state is the one-hot DFA state.  Layer 2 is a
    random linear 2RNN layer (all four terms, see
    :func:`rnnexpr.models.random_layer`) of the given width, with a random
    readout.  :func:`product_construction` turns it into a WFA.

    Parameters
    ----------
    transitions : str or array_like of int
        ``"parity"``, ``"mod3"`` (see :data:`DFA_PRESETS`) or a table of shape
        ``(num_states, alphabet_size)`` with entries in ``0..num_states-1``.
    initial : int
        Initial DFA state.
    width : int
        Width of layer 2.
    seed : int or numpy.random.Generator
        Seed of layer 2 and the readout.
    exact : bool
        Exact parameters (default).

    Returns
    -------
    Stack

    Examples
    --------
    >>> dfa_stack("mod3", width=3).widths
    (3, 3)
    """
    if isinstance(transitions, str):
        if transitions not in DFA_PRESETS:
            raise InvalidArgumentError(f"transitions: expected one of {sorted(DFA_PRESETS)} or a table, got {transitions!r}")
        transitions = DFA_PRESETS[transitions]
    table = np.asarray(transitions)
    if table.ndim != 2 or table.size == 0 or table.dtype.kind not in "iu":
        raise ShapeError(
            f"transitions: expected an integer table of shape (num_states, alphabet_size), got "
            f"{table.dtype} array of shape {table.shape}"
        )
    q, d = table.shape
    if table.min() < 0 or table.max() >= q:
        raise InvalidArgumentError(f"transitions: expected states in 0..{q - 1}, got values in {table.min()}..{table.max()}")
    initial = _positive_int(initial, "initial", minimum=0)
    if initial >= q:
        raise InvalidArgumentError(f"initial: expected a state in 0..{q - 1}, got {initial}")
    width = _positive_int(width, "width")
    A1 = np.zeros((q, d, q), dtype=np.int64)
    for i in range(q):
        for s in range(d):
            A1[i, s, table[i, s]] = 1
    h0 = np.zeros(q, dtype=np.int64)
    h0[initial] = 1
    rng = random_generator(seed)
    layer2 = random_layer(width, q, kind="2rnn", seed=rng, exact=True, with_initial_state=True)
    C = random_array((1, width), seed=rng, exact=True)
    c = random_array((1,), seed=rng, exact=True, scale=0.1)
    stack = Stack([Linear2RNNLayer(A=to_exact_array(A1), h0=to_exact_array(h0)), layer2], C, c)
    return stack if exact else stack.to_float()


# ---------------------------------------------------------------------------
# T6: the product witness
# ---------------------------------------------------------------------------


@renamed_parameter("T", "length")
def product_witness(length: int | None = None) -> Stack:
    """T6: one linear 2RNN unit computing ``y_T = x_1 x_2 ... x_T`` on scalar real inputs.

    ``h_t = h_{t-1} x_t`` (``A = [[[1]]]``), ``h_0 = 1``, ``y_t = h_t``: the
    output at every length ``T`` is exactly the monomial of degree ``T``.

    Parameters
    ----------
    length : int, optional
        The length ``T`` of interest (validated, ``T >= 1``; formerly the keyword
        ``T``); the network is the same for every ``T``.

    Returns
    -------
    Stack
        Exact, pure, width 1, input dimension 1.

    Examples
    --------
    >>> product_witness(3).run([[2], ["1/2"], [5]], exact=True)[:, 0].tolist()
    [Fraction(2, 1), Fraction(1, 1), Fraction(5, 1)]
    """
    if length is not None:
        _positive_int(length, "length")
    return Stack([Linear2RNNLayer(A=to_exact_array([[[1]]]), h0=to_exact_array([1]))], C=to_exact_array([[1]]))
