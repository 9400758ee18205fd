"""The torch bridge: train a linear (2)RNN stack in torch, analyse it exactly in rnnexpr, and back.

:class:`TorchStack` (linear RNN and linear 2RNN stacks) and
:class:`TorchDepthwiseStack` (linear recurrences, ``sigma`` only between layers)
are :class:`torch.nn.Module` versions of :class:`rnnexpr.models.Stack` and
:class:`rnnexpr.models.DepthwiseStack`, built from the same layer definition
(:class:`TorchLayer`, the terms of :class:`rnnexpr.models.Linear2RNNLayer` with
the same shapes and index conventions, see :doc:`/theory/index`)::

    h_t = A x1 h_{t-1} x2 z_t + U z_t + V h_{t-1} + b,   (A x1 h x2 z)_k = sum_ij A[i,j,k] h_i z_j
    y_t = C h_t^(L) + c

The two directions are faithful:

* :func:`from_rnnexpr` (or ``TorchStack.from_rnnexpr``) copies the parameters into
  float64 tensors: a float64 model gives bit-identical parameters, an exact model
  its parameters rounded to the nearest float64;
* :func:`to_rnnexpr` (or ``net.to_rnnexpr(exact=...)``) copies them back: float64
  parameters bit for bit, or with ``exact=True`` as the dyadic rationals the
  floats are (``Fraction(float)`` is exact), so the exported stack's exact Hankel
  rank profile and TT ranks are those of the very function the trained network
  computes.

The outputs agree to the rounding of float64 arithmetic (the two implementations
sum in different orders), and bit for bit when every intermediate value is a
float64 exactly (for example dyadic parameters and inputs of small size).

Networks that are not linear (2)RNNs (``torch.nn.RNN``, ``nn.LSTM``,
``nn.GRU``) cannot be exported exactly; :func:`sequence_function` turns them
(with a readout) into a function from words to numbers for black-box extraction
(:func:`rnnexpr.extraction.extract`).

torch is an optional dependency (the ``torch`` extra, or ``experiments``): it is
imported by this module only, never by ``import rnnexpr``.

Examples
--------
>>> from rnnexpr.models import random_stack
>>> stack = random_stack([2, 2], input_dim=2, seed=0)
>>> net = from_rnnexpr(stack)
>>> back = to_rnnexpr(net)
>>> all((a.C == b.C).all() for a, b in [(stack, back)]), back.widths
(True, (2, 2))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from .errors import InvalidArgumentError, InvalidTypeError, ModelKindError, NonFiniteError, ShapeError
from .models import Activation, DepthwiseStack, Linear2RNNLayer, LinearRNNLayer, Stack, check_words
from .validation import check_bool, check_choice, check_int, deprecated_positional

__all__ = [
    "TorchLayer",
    "TorchStack",
    "TorchDepthwiseStack",
    "from_rnnexpr",
    "to_rnnexpr",
    "sequence_function",
    "save_sequence_model",
    "load_sequence_model",
]

_KIND_TERMS = {"2rnn": ("A", "U", "V", "b"), "pure": ("A",), "linear": ("U", "V", "b")}
_TERM_NAMES = ("A", "U", "V", "b")


def _positive(name: str, value: object) -> int:
    return check_int(value, name, minimum=1)


def _widths(widths: Any) -> list[int]:
    if isinstance(widths, int | np.integer) or not isinstance(widths, Sequence) or len(widths) == 0:
        raise InvalidArgumentError(f"widths: expected a non-empty sequence of widths, got {widths!r}")
    return [_positive(f"widths[{i}]", n) for i, n in enumerate(widths)]


def _tensor(value: Any, dtype: torch.dtype) -> torch.Tensor:
    """A float64 numpy array (bit-exact) as a tensor of ``dtype``."""
    return torch.from_numpy(np.array(value, dtype=np.float64)).to(dtype)


def _array(t: torch.Tensor) -> np.ndarray:
    """A tensor as a float64 numpy array (bit-exact for float64 tensors)."""
    return t.detach().cpu().to(torch.float64).numpy().copy()


class TorchLayer(nn.Module):
    """One linear (2)RNN layer with the terms of :class:`rnnexpr.models.Linear2RNNLayer`.

    Parameters
    ----------
    width, input_dim : int
        Width ``n`` and input dimension ``m``.
    terms : sequence of str
        Which of ``"A"``, ``"U"``, ``"V"``, ``"b"`` are present (absent terms are zero).
    learn_h0 : bool
        Make the initial state a trainable parameter (otherwise a buffer).
    h0 : array_like, optional
        Initial state; zero when absent.
    dtype : torch.dtype
        Parameter dtype (float64 by default so exports are faithful).

    Examples
    --------
    >>> layer = TorchLayer(3, 2, terms=("A",))
    >>> tuple(layer.A.shape), layer.U is None
    ((3, 2, 3), True)
    """

    def __init__(self, width: int, input_dim: int, terms: Sequence[str] = _TERM_NAMES, *,
                 learn_h0: bool = False, h0: object = None, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        n = _positive("width", width)
        m = _positive("input_dim", input_dim)
        if isinstance(terms, str) or not terms or any(t not in _TERM_NAMES for t in terms):
            raise InvalidArgumentError(f"terms: expected a non-empty subset of {_TERM_NAMES}, got {terms!r}")
        self.width, self.input_dim, self.term_names = n, m, tuple(t for t in _TERM_NAMES if t in terms)
        shapes = {"A": (n, m, n), "U": (n, m), "V": (n, n), "b": (n,)}
        # Scales keep the recurrence near-contractive at initialization.
        scales = {"A": 1.0 / math.sqrt(n * m), "U": 1.0 / math.sqrt(m), "V": 0.5 / math.sqrt(n), "b": 0.0}
        for t in _TERM_NAMES:
            if t in terms:
                setattr(self, t, nn.Parameter(torch.randn(shapes[t], dtype=dtype) * scales[t]))
            else:
                setattr(self, t, None)
        if h0 is None:
            init = torch.zeros(n, dtype=dtype)
        elif isinstance(h0, torch.Tensor):
            init = h0.detach().clone().to(dtype)
        else:
            init = _tensor(h0, dtype)
        if tuple(init.shape) != (n,):
            raise ShapeError(f"h0: expected shape ({n},), got {tuple(init.shape)}")
        if check_bool(learn_h0, "learn_h0"):
            self.h0 = nn.Parameter(init)
        else:
            self.register_buffer("h0", init)

    @deprecated_positional
    def forward(self, z: torch.Tensor, *, normalize: bool = False) -> torch.Tensor:
        """States ``h_1 .. h_T`` for inputs ``z`` of shape ``(B, T, m)``: shape ``(B, T, n)``.

        ``normalize`` rescales the state to unit norm after each step; for a pure
        layer (only ``A``) this changes ``h_t`` by a positive factor only.
        """
        batch, T, _ = z.shape
        n, m = self.width, self.input_dim
        # Input-only terms for all steps at once: one GEMM instead of T.
        drive = None
        if self.U is not None:
            drive = z @ self.U.T
        if self.b is not None:
            drive = self.b.expand(batch, T, n) if drive is None else drive + self.b
        h = self.h0.expand(batch, n)
        out = []
        A2 = None if self.A is None else self.A.reshape(n, m * n)
        for t in range(T):
            new = None
            if A2 is not None:
                g = (h @ A2).reshape(batch, m, n)
                new = torch.bmm(z[:, t, None, :], g)[:, 0, :]
            if self.V is not None:
                vh = h @ self.V.T
                new = vh if new is None else new + vh
            if drive is not None:
                new = drive[:, t] if new is None else new + drive[:, t]
            if new is None:
                new = torch.zeros_like(h)
            if normalize:
                new = new / new.norm(dim=-1, keepdim=True).clamp_min(1e-300)
            h = new
            out.append(h)
        if not out:
            return z.new_zeros((batch, 0, n))
        return torch.stack(out, dim=1)

    @deprecated_positional
    def to_rnnexpr(self, *, exact: bool = False) -> Linear2RNNLayer:
        """The same layer as an :class:`rnnexpr.models.Linear2RNNLayer` (float64 bit for bit, or exact).

        A layer without ``A`` term becomes a :class:`~rnnexpr.models.LinearRNNLayer`;
        a zero initial state is left out.

        Examples
        --------
        >>> TorchLayer(2, 1, terms=("U", "V")).to_rnnexpr().is_linear
        True
        """
        arrays = {t: None if getattr(self, t) is None else _array(getattr(self, t)) for t in _TERM_NAMES}
        h0_values = _array(self.h0)
        h0 = h0_values if np.any(h0_values != 0) else None
        if arrays["A"] is None:
            layer: Linear2RNNLayer = LinearRNNLayer(U=arrays["U"], V=arrays["V"], b=arrays["b"], h0=h0,
                                                    input_dim=self.input_dim)
        else:
            layer = Linear2RNNLayer(A=arrays["A"], U=arrays["U"], V=arrays["V"], b=arrays["b"], h0=h0,
                                    input_dim=self.input_dim)
        return layer.to_exact() if check_bool(exact, "exact") else layer

    @classmethod
    def from_rnnexpr(cls, layer: Linear2RNNLayer, *, dtype: torch.dtype = torch.float64) -> TorchLayer:
        """A torch layer with the parameters of an rnnexpr layer (exact entries rounded to float64).

        Examples
        --------
        >>> from rnnexpr.models import random_layer
        >>> TorchLayer.from_rnnexpr(random_layer(2, 3, seed=0)).term_names
        ('A', 'U', 'V', 'b')
        """
        if not isinstance(layer, Linear2RNNLayer):
            raise ModelKindError(f"layer: expected a Linear2RNNLayer, got {type(layer).__name__}")
        flt = layer.to_float()
        terms = tuple(t for t in _TERM_NAMES if getattr(flt, t) is not None)
        if not terms:  # a layer holding only h0 maps every state to 0, as a zero V does
            terms = ("V",)
        out = cls(flt.width, flt.input_dim, terms=terms, h0=flt.initial_state, dtype=dtype)
        with torch.no_grad():
            for t in terms:
                value = getattr(flt, t)
                getattr(out, t).copy_(torch.zeros_like(getattr(out, t)) if value is None else _tensor(value, dtype))
        return out


class _TorchStackBase(nn.Module):
    layers: nn.ModuleList
    readout: nn.Linear
    input_dim: int

    def _readout_arrays(self) -> tuple[np.ndarray, np.ndarray | None]:
        C = _array(self.readout.weight)
        c = None if self.readout.bias is None else _array(self.readout.bias)
        return C, c

    def _set_readout(self, C: Any, c: Any, dtype: torch.dtype) -> None:
        C = np.array(C, dtype=np.float64)
        self.readout = nn.Linear(C.shape[1], C.shape[0], bias=c is not None, dtype=dtype)
        with torch.no_grad():
            self.readout.weight.copy_(_tensor(C, dtype))
            if c is not None:
                self.readout.bias.copy_(_tensor(c, dtype))

    def _check_input(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise InvalidTypeError(f"x: expected a torch.Tensor of shape (batch, T, {self.input_dim}), "
                                   f"got {type(x).__name__}")
        if x.ndim != 3 or x.shape[-1] != self.input_dim:
            raise ShapeError(f"x: expected shape (batch, T, {self.input_dim}), got {tuple(x.shape)}")
        if not torch.isfinite(x).all():
            raise NonFiniteError("x: expected finite inputs, got NaN or infinity")
        return x.to(self.readout.weight.dtype)

    @property
    def widths(self) -> tuple[int, ...]:
        """Layer widths."""
        return tuple(layer.width for layer in self.layers)

    @property
    def output_dim(self) -> int:
        """Output dimension p."""
        return int(self.readout.weight.shape[0])


class TorchStack(_TorchStackBase):
    """A stack of linear 2RNN or linear RNN layers with readout ``y_t = C h_t^(L) + c``.

    The torch counterpart of :class:`rnnexpr.models.Stack`: train it with any
    torch optimizer, then :meth:`to_rnnexpr` gives the stack it computes.

    Parameters
    ----------
    widths : sequence of int
        Layer widths ``(n_1, ..., n_L)``.
    input_dim, output_dim : int
        Input dimension ``d`` and output dimension ``p``.
    kind : {"2rnn", "pure", "linear"}
        All four terms, only ``A`` (pure 2RNN), or no ``A`` (linear RNN).
    readout_bias : bool
        Learn the readout bias ``c``.
    learn_h0 : bool
        Learn the initial states (pure layers always need a nonzero one: it is
        drawn at random when not learned).
    normalize_state : bool
        Rescale states to unit norm after every step.  Allowed only for a pure
        stack without readout bias: the outputs then change by a positive factor
        per time step, so ``argmax`` decisions and signs are those of the exported
        (unnormalized) model; use it for classification on long sequences.
    dtype : torch.dtype

    Examples
    --------
    >>> net = TorchStack([3, 2], input_dim=2, kind="2rnn")
    >>> net(torch.zeros(4, 5, 2, dtype=torch.float64)).shape
    torch.Size([4, 5, 1])
    >>> net.to_rnnexpr().widths, net.to_rnnexpr(exact=True).is_exact
    ((3, 2), True)
    """

    def __init__(self, widths: Sequence[int], input_dim: int, output_dim: int = 1, *, kind: str = "2rnn",
                 readout_bias: bool = True, learn_h0: bool = False, normalize_state: bool = False,
                 dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        kind = check_choice(kind, "kind", tuple(_KIND_TERMS))
        sizes = _widths(widths)
        readout_bias = check_bool(readout_bias, "readout_bias")
        if check_bool(normalize_state, "normalize_state") and (kind != "pure" or readout_bias):
            raise InvalidArgumentError("normalize_state: expected kind='pure' and readout_bias=False "
                                       f"(only then is normalization decision-preserving), got kind={kind!r}, "
                                       f"readout_bias={readout_bias!r}")
        self.input_dim = _positive("input_dim", input_dim)
        self.kind, self.normalize_state = kind, bool(normalize_state)
        layers, m = [], self.input_dim
        for n in sizes:
            # A pure layer from a zero state stays at zero: start from a random one.
            h0 = torch.randn(n, dtype=dtype) / math.sqrt(n) if kind == "pure" else None
            layers.append(TorchLayer(n, m, _KIND_TERMS[kind], learn_h0=learn_h0, h0=h0, dtype=dtype))
            m = n
        self.layers = nn.ModuleList(layers)
        self.readout = nn.Linear(m, _positive("output_dim", output_dim), bias=readout_bias, dtype=dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs ``y_1 .. y_T`` for inputs of shape ``(B, T, d)``: shape ``(B, T, p)``."""
        z = self._check_input(x)
        for layer in self.layers:
            z = layer(z, normalize=self.normalize_state)
        return self.readout(z)

    @deprecated_positional
    def to_rnnexpr(self, *, exact: bool = False) -> Stack:
        """The network as an :class:`rnnexpr.models.Stack`: float64 bit for bit, or exact.

        With ``exact=True`` every parameter is the dyadic rational its float is,
        so exact analyses (Hankel rank profile, TT ranks, degree) describe the
        very function the network computes.

        Examples
        --------
        >>> net = TorchStack([2], input_dim=1, kind="linear")
        >>> float(net.to_rnnexpr(exact=True).C[0, 0]) == net.readout.weight[0, 0].item()
        True
        """
        C, c = self._readout_arrays()
        stack = Stack([layer.to_rnnexpr() for layer in self.layers], C, c)
        return stack.to_exact() if check_bool(exact, "exact") else stack

    @classmethod
    def from_rnnexpr(cls, stack: Stack, *, dtype: torch.dtype = torch.float64) -> TorchStack:
        """A torch network with the parameters of an rnnexpr :class:`~rnnexpr.models.Stack`.

        Float64 parameters are copied bit for bit; exact ones are rounded to the
        nearest float64.

        Examples
        --------
        >>> from rnnexpr.models import random_stack
        >>> TorchStack.from_rnnexpr(random_stack([2, 2], 1, seed=0)).widths
        (2, 2)
        """
        if not isinstance(stack, Stack):
            raise ModelKindError(f"stack: expected an rnnexpr Stack, got {type(stack).__name__}")
        flt = stack.to_float()
        out = cls([1], input_dim=flt.input_dim, output_dim=flt.output_dim, kind="2rnn",
                  readout_bias=flt.c is not None, dtype=dtype)
        out.layers = nn.ModuleList([TorchLayer.from_rnnexpr(layer, dtype=dtype) for layer in flt.layers])
        out._set_readout(flt.C, flt.c, dtype)
        out.kind = "linear" if flt.is_linear_rnn else "2rnn"
        return out


class TorchDepthwiseStack(_TorchStackBase):
    """Linear recurrences with ``sigma`` only between layers (:class:`rnnexpr.models.DepthwiseStack`).

    Layer 1 reads ``x_t``; layer ``l >= 2`` reads ``sigma(h_t^(l-1))``; readout
    ``C h_t^(L) + c`` (or ``C sigma(h_t^(L)) + c`` with ``readout_activation``).

    Parameters
    ----------
    widths : sequence of int
    input_dim, output_dim : int
    activation : {"relu", "tanh"}
    readout_activation : bool
    dtype : torch.dtype

    Examples
    --------
    >>> net = TorchDepthwiseStack([4, 4], input_dim=1, activation="tanh")
    >>> net.to_rnnexpr().activation.name
    'tanh'
    """

    def __init__(self, widths: Sequence[int], input_dim: int, output_dim: int = 1, *, activation: str = "relu",
                 readout_activation: bool = False, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        activation = check_choice(activation, "activation", ("relu", "tanh"))
        sizes = _widths(widths)
        self.input_dim = _positive("input_dim", input_dim)
        self.activation = activation
        self.readout_activation = check_bool(readout_activation, "readout_activation")
        layers, m = [], self.input_dim
        for n in sizes:
            layers.append(TorchLayer(n, m, ("U", "V", "b"), dtype=dtype))
            m = n
        self.layers = nn.ModuleList(layers)
        self.readout = nn.Linear(m, _positive("output_dim", output_dim), dtype=dtype)

    def _sigma(self, h: torch.Tensor) -> torch.Tensor:
        return torch.relu(h) if self.activation == "relu" else torch.tanh(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs ``y_1 .. y_T`` for inputs of shape ``(B, T, d)``: shape ``(B, T, p)``."""
        z = self._check_input(x)
        for i, layer in enumerate(self.layers):
            z = layer(self._sigma(z) if i > 0 else z)
        return self.readout(self._sigma(z) if self.readout_activation else z)

    @deprecated_positional
    def to_rnnexpr(self, *, exact: bool = False) -> DepthwiseStack:
        """The network as an :class:`rnnexpr.models.DepthwiseStack` (float64 bit for bit, or exact parameters).

        Examples
        --------
        >>> TorchDepthwiseStack([2], input_dim=1).to_rnnexpr(exact=True).is_exact
        True
        """
        C, c = self._readout_arrays()
        stack = DepthwiseStack([layer.to_rnnexpr() for layer in self.layers], C, c,
                               Activation(self.activation), self.readout_activation)
        return stack.to_exact() if check_bool(exact, "exact") else stack

    @classmethod
    def from_rnnexpr(cls, stack: DepthwiseStack, *, dtype: torch.dtype = torch.float64) -> TorchDepthwiseStack:
        """A torch network with the parameters of a relu or tanh :class:`~rnnexpr.models.DepthwiseStack`.

        Examples
        --------
        >>> from rnnexpr.models import random_depthwise_stack
        >>> TorchDepthwiseStack.from_rnnexpr(random_depthwise_stack([2, 3], 1, seed=0)).widths
        (2, 3)
        """
        if not isinstance(stack, DepthwiseStack):
            raise ModelKindError(f"stack: expected an rnnexpr DepthwiseStack, got {type(stack).__name__}")
        name = stack.activation.name
        if name not in ("relu", "tanh"):
            raise ModelKindError(f"stack: expected a relu or tanh DepthwiseStack, got activation {name!r}")
        flt = DepthwiseStack([layer.to_float() for layer in stack.layers],
                             np.array(stack.C, dtype=np.float64),
                             None if stack.c is None else np.array(stack.c, dtype=np.float64),
                             stack.activation, stack.readout_activation)
        out = cls([1], input_dim=flt.input_dim, output_dim=flt.output_dim, activation=name,
                  readout_activation=bool(flt.readout_activation), dtype=dtype)
        out.layers = nn.ModuleList([TorchLayer.from_rnnexpr(layer, dtype=dtype) for layer in flt.layers])
        out._set_readout(flt.C, flt.c, dtype)
        return out


def from_rnnexpr(model: Stack | DepthwiseStack, *, dtype: torch.dtype = torch.float64
                 ) -> TorchStack | TorchDepthwiseStack:
    """The torch network of an rnnexpr stack: :class:`TorchStack` or :class:`TorchDepthwiseStack`.

    Parameters
    ----------
    model : Stack or DepthwiseStack
        A relu or tanh depth-wise stack, or any linear (2)RNN stack (a WFA:
        convert it first with :func:`rnnexpr.conversions.from_wfa`).
    dtype : torch.dtype
        float64 by default (bit-exact parameters).

    Returns
    -------
    TorchStack or TorchDepthwiseStack

    Raises
    ------
    ModelKindError
        On any other model.

    Examples
    --------
    >>> from rnnexpr.models import Linear2RNNLayer, Stack
    >>> t5 = Stack([Linear2RNNLayer(A=[[[2]]], h0=[1]), Linear2RNNLayer(A=[[[1]]], h0=[1])], C=[[1]])
    >>> net = from_rnnexpr(t5)
    >>> net(torch.ones(1, 3, 1, dtype=torch.float64))[0, :, 0].tolist()   # 2^(T(T+1)/2)
    [2.0, 8.0, 64.0]
    """
    if isinstance(model, Stack):
        return TorchStack.from_rnnexpr(model, dtype=dtype)
    if isinstance(model, DepthwiseStack):
        return TorchDepthwiseStack.from_rnnexpr(model, dtype=dtype)
    raise ModelKindError(f"model: expected an rnnexpr Stack or DepthwiseStack, got {type(model).__name__}")


def to_rnnexpr(net: TorchStack | TorchDepthwiseStack, *, exact: bool = False) -> Stack | DepthwiseStack:
    """The rnnexpr stack a torch network computes (float64 bit for bit, or exact dyadic rationals).

    Parameters
    ----------
    net : TorchStack or TorchDepthwiseStack
    exact : bool
        Convert every float parameter to the exact rational it is.

    Returns
    -------
    Stack or DepthwiseStack

    Raises
    ------
    ModelKindError
        For other torch modules (an ``nn.RNN`` or ``nn.LSTM`` has no rnnexpr
        counterpart: use :func:`sequence_function` and
        :func:`rnnexpr.extraction.extract`).

    Examples
    --------
    >>> from fractions import Fraction
    >>> net = TorchStack([1], input_dim=1, kind="linear")
    >>> with torch.no_grad():
    ...     _ = net.layers[0].V.fill_(0.1)
    >>> to_rnnexpr(net, exact=True).layers[0].V[0, 0] == Fraction(0.1)
    True
    """
    if isinstance(net, TorchStack | TorchDepthwiseStack):
        return net.to_rnnexpr(exact=exact)
    raise ModelKindError(
        f"net: expected a TorchStack or TorchDepthwiseStack, got {type(net).__name__}; other sequence models "
        "are extracted as black boxes (rnnexpr.torch.sequence_function, rnnexpr.extraction.extract)"
    )


def sequence_function(module: nn.Module, alphabet_size: int, *, readout: nn.Module | None = None,
                      output: int = 0, batch_size: int = 4096) -> Callable[[Sequence[Sequence[int]]], np.ndarray]:
    """A trained torch sequence model as a batched function from words to numbers.

    Symbols are fed one-hot; the value of a word is the output (``output``-th
    coordinate) after its last symbol.  The empty word gets the readout of the
    zero state, which is the initial state of ``nn.RNN``, ``nn.LSTM`` and
    ``nn.GRU``; a :class:`TorchStack` or :class:`TorchDepthwiseStack` gets its
    readout of its initial state; another module gets its ``readout``
    attribute (an ``nn.Linear``) of the zero state, the convention of a
    network with zero initial state such as ``rnnexpr.experiments.nets.TanhRNN``
    (a module without one has no value on the empty word).

    Parameters
    ----------
    module : torch.nn.Module
        ``nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` (``batch_first`` either way, one
        direction), or any module mapping ``(B, T, d)`` inputs to ``(B, T, p)``
        outputs (a :class:`TorchStack`, a custom network with its own readout).
    alphabet_size : int
        ``d``: the input size of the module.
    readout : torch.nn.Module, optional
        Applied to the recurrent states (for ``nn.RNN``/``nn.LSTM``/``nn.GRU``,
        which return states, not outputs).  Required for those three.
    output : int
        The output coordinate to read.
    batch_size : int
        Words evaluated per forward pass.

    Returns
    -------
    callable
        ``f(words) -> numpy.ndarray`` of float64, one value per word.  It has
        ``alphabet_size`` and ``batched = True`` attributes, which
        :func:`rnnexpr.extraction.extract` uses.

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> rnn, head = torch.nn.RNN(2, 3, batch_first=True), torch.nn.Linear(3, 1)
    >>> f = sequence_function(rnn, 2, readout=head)
    >>> f([[0, 1], [], [1]]).shape
    (3,)
    """
    d = _positive("alphabet_size", alphabet_size)
    output = check_int(output, "output", minimum=0)
    batch_size = _positive("batch_size", batch_size)
    if not isinstance(module, nn.Module):
        raise InvalidTypeError(f"module: expected a torch.nn.Module, got {type(module).__name__}")
    recurrent = isinstance(module, nn.RNNBase)
    if recurrent:
        if module.input_size != d:
            raise ShapeError(f"alphabet_size: expected {module.input_size} (the module's input_size), got {d}")
        if module.bidirectional:
            raise ModelKindError("module: expected a one-directional recurrent network, got a bidirectional one")
        if readout is None:
            raise InvalidArgumentError(f"readout: expected a module mapping the {type(module).__name__} states "
                                       "to outputs, got None")
    if readout is not None and not isinstance(readout, nn.Module):
        raise InvalidTypeError(f"readout: expected a torch.nn.Module, got {type(readout).__name__}")
    try:
        param = next(module.parameters())
        dtype, device = param.dtype, param.device
    except StopIteration:
        dtype, device = torch.float64, torch.device("cpu")
    hidden = module.hidden_size if recurrent else None

    def head(states: torch.Tensor) -> torch.Tensor:
        y = states if readout is None else readout(states)
        if y.ndim == states.ndim - 1:
            y = y.unsqueeze(-1)
        if output >= y.shape[-1]:
            raise ShapeError(f"output: expected an index below {y.shape[-1]} (the output size), got {output}")
        return y[..., output]

    def run(x: torch.Tensor) -> torch.Tensor:
        if recurrent:
            seq = x if module.batch_first else x.transpose(0, 1)
            states, _ = module(seq)
            states = states if module.batch_first else states.transpose(0, 1)
            return head(states[:, -1])
        return head(module(x)[:, -1])

    def empty() -> float:
        if isinstance(module, _TorchStackBase):  # its own readout, at the initial state of the top layer
            top = module.layers[-1].h0
            if isinstance(module, TorchDepthwiseStack) and module.readout_activation:
                top = module._sigma(top)
            return float(module.readout(top[None, :])[0, output])
        own = getattr(module, "readout", None)
        if hidden is None and isinstance(own, nn.Linear):  # e.g. experiments.nets.TanhRNN: zero initial state
            return float(head(own(torch.zeros(1, own.in_features, dtype=dtype, device=device)))[0])
        if hidden is None:
            raise ModelKindError("words: the empty word has no value for a module without a separate readout "
                                 "(its output is only defined after a symbol); leave it out of the words")
        return float(head(torch.zeros(1, hidden, dtype=dtype, device=device))[0])

    def f(words: Sequence[Sequence[int]]) -> np.ndarray:
        ws = check_words(words, d)
        out = np.empty(len(ws), dtype=np.float64)
        by_length: dict[int, list[int]] = {}
        for i, w in enumerate(ws):
            by_length.setdefault(len(w), []).append(i)
        eye = torch.eye(d, dtype=dtype, device=device)
        with torch.no_grad():
            for length, idx in by_length.items():
                if length == 0:
                    out[idx] = empty()
                    continue
                codes = torch.tensor([ws[i] for i in idx], dtype=torch.long, device=device)
                for s in range(0, len(idx), batch_size):
                    vals = run(eye[codes[s:s + batch_size]])
                    out[idx[s:s + batch_size]] = vals.detach().cpu().to(torch.float64).numpy()
        return out

    f.alphabet_size = d  # type: ignore[attr-defined]
    f.batched = True  # type: ignore[attr-defined]
    return f


_CELLS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
_FORMAT = "rnnexpr-sequence-model"


def save_sequence_model(path: Any, module: nn.Module, readout: nn.Linear) -> Any:
    """Save a trained ``nn.RNN``/``nn.LSTM``/``nn.GRU`` and its linear readout for ``rnnexpr extract``.

    The file holds a state dictionary (tensors) and a plain description of the
    architecture, nothing else, so that :func:`load_sequence_model` reads it with
    ``torch.load(..., weights_only=True)``: loading never runs code from the file.

    Parameters
    ----------
    path : path-like
    module : torch.nn.RNN, torch.nn.LSTM or torch.nn.GRU
        One direction, no projection.
    readout : torch.nn.Linear
        From the hidden size to the outputs.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import os, tempfile
    >>> rnn, head = nn.GRU(3, 4, batch_first=True), nn.Linear(4, 1)
    >>> path = save_sequence_model(os.path.join(tempfile.mkdtemp(), "gru.pt"), rnn, head)
    >>> module, readout = load_sequence_model(path)
    >>> type(module).__name__, module.hidden_size, readout.out_features
    ('GRU', 4, 1)
    """
    from pathlib import Path

    cell = next((k for k, v in _CELLS.items() if type(module) is getattr(nn, v)), None)
    if cell is None:
        raise ModelKindError(f"module: expected a torch.nn.RNN, LSTM or GRU, got {type(module).__name__}")
    if module.bidirectional or getattr(module, "proj_size", 0):
        raise ModelKindError("module: expected a one-directional network without projection, got "
                             f"bidirectional={module.bidirectional}, proj_size={getattr(module, 'proj_size', 0)}")
    if not isinstance(readout, nn.Linear) or readout.in_features != module.hidden_size:
        raise ModelKindError(f"readout: expected a torch.nn.Linear from {module.hidden_size} features, got "
                             f"{type(readout).__name__}")
    arch = {"cell": cell, "input_size": int(module.input_size), "hidden_size": int(module.hidden_size),
            "num_layers": int(module.num_layers), "bias": bool(module.bias), "batch_first": bool(module.batch_first),
            "output_size": int(readout.out_features), "readout_bias": readout.bias is not None,
            "dtype": str(next(module.parameters()).dtype).replace("torch.", "")}
    if cell == "rnn":
        arch["nonlinearity"] = module.nonlinearity
    state = {f"module.{k}": v.detach().cpu() for k, v in module.state_dict().items()}
    state.update({f"readout.{k}": v.detach().cpu() for k, v in readout.state_dict().items()})
    out = Path(path)
    torch.save({"format": _FORMAT, "version": 1, "architecture": arch, "state_dict": state}, out)
    return out


def load_sequence_model(path: Any) -> tuple[nn.Module, nn.Linear]:
    """Read a file of :func:`save_sequence_model`: ``(module, readout)``, safely.

    Uses ``torch.load(path, weights_only=True)`` (no pickled code is run), checks
    the architecture description against the budgets of :mod:`rnnexpr.limits`,
    builds the modules and loads the state dictionary strictly.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    (torch.nn.Module, torch.nn.Linear)

    Raises
    ------
    ModelFormatError
        When the file is not such a file (or not loadable with ``weights_only=True``).

    Examples
    --------
    >>> import os, tempfile
    >>> path = save_sequence_model(os.path.join(tempfile.mkdtemp(), "m.pt"), nn.LSTM(2, 3), nn.Linear(3, 1))
    >>> type(load_sequence_model(path)[0]).__name__
    'LSTM'
    """
    from pathlib import Path

    from .errors import MissingFileError, ModelFormatError
    from .limits import check_size

    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"path: expected an existing file, got {str(p)!r}")
    check_size(p.stat().st_size, f"{p}: file size in bytes", "file_bytes")
    try:
        data = torch.load(p, weights_only=True, map_location="cpu")
    except Exception as exc:  # any unpickling refusal: the file is not a weights-only sequence model
        raise ModelFormatError(f"{p}: expected a sequence-model file of rnnexpr.torch.save_sequence_model "
                               f"(loadable with weights_only=True), got an unreadable file "
                               f"({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("architecture"), dict) \
            or not isinstance(data.get("state_dict"), dict):
        raise ModelFormatError(f"{p}: expected a dictionary with format {_FORMAT!r}, architecture and state_dict, "
                               "got something else")
    arch = data["architecture"]
    cell = arch.get("cell")
    if cell not in _CELLS:
        raise ModelFormatError(f"{p}: architecture.cell: expected one of {sorted(_CELLS)}, got {cell!r}")
    sizes = {}
    for key in ("input_size", "hidden_size", "num_layers", "output_size"):
        value = arch.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ModelFormatError(f"{p}: architecture.{key}: expected a positive integer, got {value!r}")
        sizes[key] = check_size(value, f"{p}: architecture.{key}", "depth" if key == "num_layers" else "dimension")
    dtype = {"float64": torch.float64, "float32": torch.float32}.get(arch.get("dtype", "float32"))
    if dtype is None:
        raise ModelFormatError(f"{p}: architecture.dtype: expected 'float32' or 'float64', got {arch.get('dtype')!r}")
    kwargs: dict[str, Any] = {"num_layers": sizes["num_layers"], "bias": bool(arch.get("bias", True)),
                              "batch_first": bool(arch.get("batch_first", False)), "dtype": dtype}
    if cell == "rnn":
        nonlinearity = arch.get("nonlinearity", "tanh")
        if nonlinearity not in ("tanh", "relu"):
            raise ModelFormatError(f"{p}: architecture.nonlinearity: expected 'tanh' or 'relu', got {nonlinearity!r}")
        kwargs["nonlinearity"] = nonlinearity
    module = getattr(nn, _CELLS[cell])(sizes["input_size"], sizes["hidden_size"], **kwargs)
    readout = nn.Linear(sizes["hidden_size"], sizes["output_size"], bias=bool(arch.get("readout_bias", True)),
                        dtype=dtype)
    state = data["state_dict"]
    parts: dict[str, dict[str, Any]] = {"module": {}, "readout": {}}
    for key, value in state.items():
        head, _, rest = str(key).partition(".")
        if head not in parts or not isinstance(value, torch.Tensor):
            raise ModelFormatError(f"{p}: state_dict: expected tensors under 'module.' and 'readout.', got {key!r}")
        parts[head][rest] = value
    try:
        module.load_state_dict(parts["module"], strict=True)
        readout.load_state_dict(parts["readout"], strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0][:200]
        raise ModelFormatError(f"{p}: state_dict: expected the parameters of the described architecture, "
                               f"got others ({first})") from None
    return module.eval(), readout.eval()
