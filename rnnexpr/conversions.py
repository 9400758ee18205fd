"""Conversions between linear 2RNNs and weighted finite automata (theory page T3).

* :func:`augment` turns a layer (or a stack) with U, V, b terms into a pure 2RNN
  on augmented states ``[1; h]`` and inputs ``[1; z]``;
* :func:`to_wfa` turns a depth-1 linear 2RNN on one-hot inputs into a WFA with
  ``n`` states (pure, no readout bias) or ``n + 1`` states (otherwise);
* :func:`from_wfa` turns a WFA into a pure depth-1 2RNN with as many units.

All are exact on rational parameters.  This module sits just above
:mod:`rnnexpr.models`; the WFA algorithms built on it are in :mod:`rnnexpr.wfa`.
"""


from __future__ import annotations

from fractions import Fraction

import numpy as np

from .errors import ModelKindError, ShapeError
from .models import Linear2RNNLayer, Stack, WFA
from .numbers import to_exact_array, to_float_array, zeros
from .validation import deprecated_positional

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


@deprecated_positional
def to_wfa(stack: Stack | Linear2RNNLayer, *, output: int = 0, minimal_form: bool = True) -> WFA:
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
            "generally not a WFA (statement T5)"
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
