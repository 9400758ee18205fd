"""Torch versions of the toolkit's model families, built from the same layer definitions.

A :class:`TorchLayer` holds the terms of :class:`rnnexpr.models.Linear2RNNLayer`
with the same shapes and index conventions (THEORY §1)::

    h_t = A x1 h_{t-1} x2 z_t + U z_t + V h_{t-1} + b,   (A x1 h x2 z)_k = sum_ij A[i,j,k] h_i z_j

:class:`TorchStack` (linear RNN / linear 2RNN stacks) and
:class:`TorchDepthwiseStack` (linear recurrences, ``sigma`` only between layers)
export a trained network with ``to_rnnexpr()`` to a :class:`rnnexpr.models.Stack`
or :class:`rnnexpr.models.DepthwiseStack` computing the same function, which the
analysis functions of the toolkit then accept.  :class:`TanhRNN` is the
nonlinear reference; it has no counterpart in the toolkit and refuses export.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ..errors import ModelKindError, ShapeError
from ..models import Activation, DepthwiseStack, Linear2RNNLayer, LinearRNNLayer, Stack

__all__ = ["TorchLayer", "TorchStack", "TorchDepthwiseStack", "TanhRNN", "count_parameters"]

_KIND_TERMS = {"2rnn": ("A", "U", "V", "b"), "pure": ("A",), "linear": ("U", "V", "b")}


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars of a torch model.

    Examples
    --------
    >>> count_parameters(TorchStack([2], input_dim=1, kind="linear"))  # U 2, V 4, b 2, C 2, c 1
    11
    """
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


def _check_positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


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

    def __init__(self, width: int, input_dim: int, terms: Sequence[str] = ("A", "U", "V", "b"),
                 learn_h0: bool = False, h0: object = None, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        n = _check_positive("width", width)
        m = _check_positive("input_dim", input_dim)
        bad = [t for t in terms if t not in ("A", "U", "V", "b")]
        if bad or not terms:
            raise ValueError(f"terms: expected a non-empty subset of ('A', 'U', 'V', 'b'), got {tuple(terms)!r}")
        self.width, self.input_dim, self.term_names = n, m, tuple(terms)
        shapes = {"A": (n, m, n), "U": (n, m), "V": (n, n), "b": (n,)}
        # Scales keep the recurrence near-contractive at initialization.
        scales = {"A": 1.0 / math.sqrt(n * m), "U": 1.0 / math.sqrt(m), "V": 0.5 / math.sqrt(n), "b": 0.0}
        for t in ("A", "U", "V", "b"):
            if t in terms:
                setattr(self, t, nn.Parameter(torch.randn(shapes[t], dtype=dtype) * scales[t]))
            else:
                setattr(self, t, None)
        if h0 is None:
            init = torch.zeros(n, dtype=dtype)
        elif isinstance(h0, torch.Tensor):
            init = h0.detach().clone().to(dtype)
        else:
            init = torch.tensor(np.array(h0, dtype=np.float64), dtype=dtype)
        if init.shape != (n,):
            raise ShapeError(f"h0: expected shape ({n},), got {tuple(init.shape)}")
        if learn_h0:
            self.h0 = nn.Parameter(init)
        else:
            self.register_buffer("h0", init)

    def forward(self, z: torch.Tensor, normalize: bool = False) -> torch.Tensor:
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

    def to_rnnexpr(self) -> Linear2RNNLayer:
        """The same layer as an :class:`rnnexpr.models.Linear2RNNLayer` (float64).

        Examples
        --------
        >>> TorchLayer(2, 1, terms=("U", "V")).to_rnnexpr().is_linear
        True
        """
        arrays = {t: None if getattr(self, t) is None else getattr(self, t).detach().cpu().double().numpy().copy()
                  for t in ("A", "U", "V", "b")}
        h0 = self.h0.detach().cpu().double().numpy().copy()
        h0 = h0 if np.any(h0 != 0) else None
        if arrays["A"] is None:
            return LinearRNNLayer(U=arrays["U"], V=arrays["V"], b=arrays["b"], h0=h0, input_dim=self.input_dim)
        return Linear2RNNLayer(A=arrays["A"], U=arrays["U"], V=arrays["V"], b=arrays["b"], h0=h0,
                               input_dim=self.input_dim)

    @classmethod
    def from_rnnexpr(cls, layer: Linear2RNNLayer, dtype: torch.dtype = torch.float64) -> TorchLayer:
        """A torch layer with the parameters of an rnnexpr layer (exact entries rounded to float).

        Examples
        --------
        >>> from rnnexpr.models import random_layer
        >>> TorchLayer.from_rnnexpr(random_layer(2, 3, seed=0)).term_names
        ('A', 'U', 'V', 'b')
        """
        if not isinstance(layer, Linear2RNNLayer):
            raise ModelKindError(f"layer: expected a Linear2RNNLayer, got {type(layer).__name__}")
        flt = layer.to_float()
        terms = tuple(t for t in ("A", "U", "V", "b") if getattr(flt, t) is not None)
        if not terms:  # a layer holding only h0 maps every state to 0, as a zero V does
            terms = ("V",)
        out = cls(flt.width, flt.input_dim, terms=terms, h0=flt.initial_state, dtype=dtype)
        with torch.no_grad():
            for t in terms:
                value = getattr(flt, t)
                getattr(out, t).copy_(torch.zeros_like(getattr(out, t)) if value is None
                                      else torch.tensor(np.array(value, dtype=np.float64), dtype=dtype))
        return out


class _TorchStackBase(nn.Module):
    layers: nn.ModuleList

    def _readout_arrays(self) -> tuple[np.ndarray, np.ndarray | None]:
        C = self.readout.weight.detach().cpu().double().numpy().copy()
        c = None if self.readout.bias is None else self.readout.bias.detach().cpu().double().numpy().copy()
        return C, c

    def _check_input(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x: expected a torch.Tensor of shape (batch, T, {self.input_dim}), "
                            f"got {type(x).__name__}")
        if x.ndim != 3 or x.shape[-1] != self.input_dim:
            raise ShapeError(f"x: expected shape (batch, T, {self.input_dim}), got {tuple(x.shape)}")
        if not torch.isfinite(x).all():
            raise ValueError("x: expected finite inputs, got NaN or infinity")
        return x.to(self.readout.weight.dtype)

    @property
    def widths(self) -> tuple[int, ...]:
        """Layer widths."""
        return tuple(layer.width for layer in self.layers)


class TorchStack(_TorchStackBase):
    """A stack of linear 2RNN or linear RNN layers with readout ``y_t = C h_t^(L) + c``.

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
    >>> net.to_rnnexpr().widths
    (3, 2)
    """

    def __init__(self, widths: Sequence[int], input_dim: int, output_dim: int = 1, kind: str = "2rnn",
                 readout_bias: bool = True, learn_h0: bool = False, normalize_state: bool = False,
                 dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        if kind not in _KIND_TERMS:
            raise ValueError(f"kind: expected '2rnn', 'pure' or 'linear', got {kind!r}")
        if isinstance(widths, int | np.integer) or len(widths) == 0:
            raise ValueError(f"widths: expected a non-empty sequence of widths, got {widths!r}")
        if normalize_state and (kind != "pure" or readout_bias):
            raise ValueError("normalize_state: expected kind='pure' and readout_bias=False "
                             f"(only then is normalization decision-preserving), got kind={kind!r}, "
                             f"readout_bias={readout_bias!r}")
        self.input_dim = _check_positive("input_dim", input_dim)
        self.kind, self.normalize_state = kind, bool(normalize_state)
        layers, m = [], self.input_dim
        for i, n in enumerate(widths):
            n = _check_positive(f"widths[{i}]", n)
            # A pure layer from a zero state stays at zero: start from a random one.
            h0 = torch.randn(n, dtype=dtype) / math.sqrt(n) if kind == "pure" else None
            layers.append(TorchLayer(n, m, _KIND_TERMS[kind], learn_h0=learn_h0, h0=h0, dtype=dtype))
            m = n
        self.layers = nn.ModuleList(layers)
        self.readout = nn.Linear(m, _check_positive("output_dim", output_dim), bias=readout_bias, dtype=dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs ``y_1 .. y_T`` for inputs of shape ``(B, T, d)``: shape ``(B, T, p)``."""
        z = self._check_input(x)
        for layer in self.layers:
            z = layer(z, normalize=self.normalize_state)
        return self.readout(z)

    def to_rnnexpr(self, exact: bool = False) -> Stack:
        """The trained network as an :class:`rnnexpr.models.Stack` (exact: floats at their binary value)."""
        C, c = self._readout_arrays()
        stack = Stack([layer.to_rnnexpr() for layer in self.layers], C, c)
        return stack.to_exact() if exact else stack

    @classmethod
    def from_rnnexpr(cls, stack: Stack, dtype: torch.dtype = torch.float64) -> TorchStack:
        """A torch network with the parameters of an rnnexpr :class:`~rnnexpr.models.Stack`.

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
        out.layers = nn.ModuleList([TorchLayer.from_rnnexpr(layer, dtype) for layer in flt.layers])
        out.readout = nn.Linear(flt.layers[-1].width, flt.output_dim, bias=flt.c is not None, dtype=dtype)
        with torch.no_grad():
            out.readout.weight.copy_(torch.tensor(np.array(flt.C, dtype=np.float64), dtype=dtype))
            if flt.c is not None:
                out.readout.bias.copy_(torch.tensor(np.array(flt.c, dtype=np.float64), dtype=dtype))
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

    def __init__(self, widths: Sequence[int], input_dim: int, output_dim: int = 1, activation: str = "relu",
                 readout_activation: bool = False, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        if activation not in ("relu", "tanh"):
            raise ValueError(f"activation: expected 'relu' or 'tanh', got {activation!r}")
        if isinstance(widths, int | np.integer) or len(widths) == 0:
            raise ValueError(f"widths: expected a non-empty sequence of widths, got {widths!r}")
        self.input_dim = _check_positive("input_dim", input_dim)
        self.activation, self.readout_activation = activation, bool(readout_activation)
        layers, m = [], self.input_dim
        for i, n in enumerate(widths):
            n = _check_positive(f"widths[{i}]", n)
            layers.append(TorchLayer(n, m, ("U", "V", "b"), dtype=dtype))
            m = n
        self.layers = nn.ModuleList(layers)
        self.readout = nn.Linear(m, _check_positive("output_dim", output_dim), dtype=dtype)

    def _sigma(self, h: torch.Tensor) -> torch.Tensor:
        return torch.relu(h) if self.activation == "relu" else torch.tanh(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs ``y_1 .. y_T`` for inputs of shape ``(B, T, d)``: shape ``(B, T, p)``."""
        z = self._check_input(x)
        for i, layer in enumerate(self.layers):
            z = layer(self._sigma(z) if i > 0 else z)
        return self.readout(self._sigma(z) if self.readout_activation else z)

    def to_rnnexpr(self, exact: bool = False) -> DepthwiseStack:
        """The trained network as an :class:`rnnexpr.models.DepthwiseStack` (float64, or exact for relu)."""
        C, c = self._readout_arrays()
        stack = DepthwiseStack([layer.to_rnnexpr() for layer in self.layers], C, c,
                               Activation(self.activation), self.readout_activation)
        return stack.to_exact() if exact else stack


class TanhRNN(nn.Module):
    """The nonlinear reference ``h_t = tanh(W h_{t-1} + U x_t + b)``, ``y_t = C h_t + c`` (torch.nn.RNN).

    Examples
    --------
    >>> TanhRNN(4, input_dim=2)(torch.zeros(1, 3, 2, dtype=torch.float64)).shape
    torch.Size([1, 3, 1])
    """

    def __init__(self, width: int, input_dim: int, output_dim: int = 1, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.input_dim = _check_positive("input_dim", input_dim)
        self.width = _check_positive("width", width)
        self.rnn = nn.RNN(self.input_dim, self.width, nonlinearity="tanh", batch_first=True, dtype=dtype)
        self.readout = nn.Linear(self.width, _check_positive("output_dim", output_dim), dtype=dtype)

    @property
    def widths(self) -> tuple[int, ...]:
        """Layer widths (one layer)."""
        return (self.width,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs ``y_1 .. y_T`` for inputs of shape ``(B, T, d)``: shape ``(B, T, p)``."""
        if not isinstance(x, torch.Tensor) or x.ndim != 3 or x.shape[-1] != self.input_dim:
            raise ShapeError(f"x: expected a tensor of shape (batch, T, {self.input_dim}), "
                             f"got {tuple(getattr(x, 'shape', ())) or type(x).__name__}")
        h, _ = self.rnn(x.to(self.readout.weight.dtype))
        return self.readout(h)

    def to_rnnexpr(self, exact: bool = False) -> None:
        """Refused: the tanh RNN has a nonlinear recurrence, outside every rnnexpr model family.

        Raises
        ------
        ModelKindError
            Always.
        """
        raise ModelKindError(
            "to_rnnexpr: expected a linear (2)RNN stack or a depth-wise-nonlinear stack, got a tanh RNN "
            "(nonlinear recurrence; rnnexpr has no model for it)"
        )
