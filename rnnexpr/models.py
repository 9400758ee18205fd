"""Model objects: linear (2)RNN layers, stacks, depth-wise-nonlinear stacks, WFAs.

All models are immutable (frozen dataclasses holding read-only arrays).  Each
array is either float64 or exact (a numpy object array of
:class:`~fractions.Fraction`); see :mod:`rnnexpr.numbers`.

Index conventions (:doc:`/theory/index`).  Layer ``l`` of a stack reads the layer below at
the same time step (``h_t^(0) = x_t``)::

    h_t = A x1 h_{t-1} x2 z_t + U z_t + V h_{t-1} + b,   (A x1 h x2 z)_k = sum_ij A[i,j,k] h_i z_j
    y_t = C h_t^(L) + c

A WFA stores its transition matrices as ``A[:, s, :] = A_s`` and computes
``f(s_1..s_T) = alpha^T A_{s_1} ... A_{s_T} omega``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import (
    AlphabetError,
    ExactnessError,
    InvalidArgumentError,
    InvalidTypeError,
    ModelKindError,
    ShapeError,
)
from .numbers import as_array, as_fractions, is_exact_array, to_exact_array, to_float_array, zeros
from .validation import check_choice, check_int, deprecated_positional

if TYPE_CHECKING:  # numpy.typing only for the checker: the annotations are never evaluated
    from typing import TypeAlias

    from numpy.typing import ArrayLike

    # What the model constructors read into arrays (:func:`~rnnexpr.numbers.as_array`): numpy's
    # array-likes and (nested sequences of) any numbers, Fractions and "p/q" strings included (a list
    # of Fractions is not an ArrayLike to numpy).  The fields keep the stored type (ndarray), so only
    # the constructors' signatures are wider.
    _ArrayInput: TypeAlias = ArrayLike | Sequence[Any] | Fraction

__all__ = [
    "Linear2RNNLayer",
    "LinearRNNLayer",
    "Stack",
    "DepthwiseStack",
    "Activation",
    "WFA",
    "check_word",
    "check_words",
    "one_hot",
    "random_generator",
    "random_array",
    "random_layer",
    "random_stack",
    "random_depthwise_stack",
    "random_wfa",
    "Arithmetic",
    "ArrayArithmetic",
    "run_recurrence",
]

_TERMS = ("A", "U", "V", "b", "h0")
# Entries of the per-chunk intermediate in the bilinear step (2 MiB of float64; measured best of 2^16..2^20 on 2 cores).
_CACHE_ENTRIES = 2**18


def _convert(a: np.ndarray | None, exact: bool) -> np.ndarray | None:
    if a is None:
        return None
    return to_exact_array(a) if exact else to_float_array(a)


def _scalar(v: Any) -> Any:
    """Plain Python scalars for single values (float or Fraction); arrays unchanged."""
    return float(v) if isinstance(v, np.floating) else v


def _prepare_input(x: Any, input_dim: int, exact: bool, name: str = "x") -> tuple[np.ndarray, bool]:
    """Validate a real input sequence: shape (T, d) or (batch, T, d)."""
    arr = as_array(x, name, ndim=(2, 3), exact=exact)
    if arr.shape[-1] != input_dim:
        raise ShapeError(
            f"{name}: expected the last axis to be the input dimension {input_dim}, "
            f"got shape {arr.shape}"
        )
    batched = arr.ndim == 3
    return (arr if batched else arr[None]), batched


# ---------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Linear2RNNLayer:
    """One linear second-order RNN layer (:doc:`/theory/index`); any term may be absent.

    ``h_t = A x1 h_{t-1} x2 z_t + U z_t + V h_{t-1} + b`` with ``z_t`` the input
    (the layer below, or ``x_t`` for the first layer).

    Parameters
    ----------
    A : array_like, optional
        Shape ``(n, m, n)``: mode 1 previous state, mode 2 input, mode 3 new state.
    U : array_like, optional
        Shape ``(n, m)``.
    V : array_like, optional
        Shape ``(n, n)``.
    b : array_like, optional
        Shape ``(n,)``.
    h0 : array_like, optional
        Initial state, shape ``(n,)``; zero when absent.
    input_dim : int, optional
        Input dimension ``m``; required only when neither ``A`` nor ``U`` is given.

    Raises
    ------
    ShapeError
        When the terms' shapes disagree or the width cannot be inferred.

    Examples
    --------
    >>> layer = Linear2RNNLayer(A=[[[2]]], h0=[1])
    >>> layer.width, layer.input_dim, layer.is_pure
    (1, 1, True)
    """

    A: np.ndarray | None = None
    U: np.ndarray | None = None
    V: np.ndarray | None = None
    b: np.ndarray | None = None
    h0: np.ndarray | None = None
    input_dim: int = None  # type: ignore[assignment]  # None means: inferred from A or U (__post_init__)
    width: int = field(init=False)

    if TYPE_CHECKING:
        # The signature of the generated __init__ as callers see it: __post_init__ reads array-likes
        # into the read-only arrays the fields hold, and infers input_dim when it is None.
        def __init__(
            self,
            A: _ArrayInput | None = None,
            U: _ArrayInput | None = None,
            V: _ArrayInput | None = None,
            b: _ArrayInput | None = None,
            h0: _ArrayInput | None = None,
            input_dim: int | None = None,
        ) -> None: ...

    def __post_init__(self) -> None:
        ndims = {"A": 3, "U": 2, "V": 2, "b": 1, "h0": 1}
        arrays = {}
        for term in _TERMS:
            value = getattr(self, term)
            arrays[term] = None if value is None else as_array(value, term, ndim=ndims[term])
        n = None
        for term, axis in (("A", 0), ("V", 0), ("U", 0), ("b", 0), ("h0", 0)):
            a = arrays[term]
            if a is not None:
                n = a.shape[axis]
                break
        if n is None:
            raise ShapeError("layer: expected at least one of A, U, V, b, h0 to fix the width, got none")
        m = None
        if arrays["A"] is not None:
            m = arrays["A"].shape[1]
        elif arrays["U"] is not None:
            m = arrays["U"].shape[1]
        if self.input_dim is not None:
            if isinstance(self.input_dim, bool) or not isinstance(self.input_dim, int | np.integer) or self.input_dim < 1:
                raise ShapeError(f"input_dim: expected a positive integer, got {self.input_dim!r}")
            if m is not None and m != self.input_dim:
                raise ShapeError(f"input_dim: expected {m} (from A or U), got {self.input_dim}")
            m = int(self.input_dim)
        if m is None:
            raise ShapeError("input_dim: expected an integer when neither A nor U is given, got None")
        expected = {"A": (n, m, n), "U": (n, m), "V": (n, n), "b": (n,), "h0": (n,)}
        for term, shape in expected.items():
            a = arrays[term]
            if a is not None and a.shape != shape:
                raise ShapeError(
                    f"{term}: expected shape {shape} for a layer of width {n} and input dimension {m}, "
                    f"got {a.shape}"
                )
        if n < 1:
            raise ShapeError(f"layer: expected a width >= 1, got {n}")
        for term in _TERMS:
            object.__setattr__(self, term, arrays[term])
        object.__setattr__(self, "input_dim", int(m))
        object.__setattr__(self, "width", int(n))

    # -- properties -------------------------------------------------------
    @property
    def terms(self) -> dict[str, np.ndarray]:
        """The present terms among A, U, V, b, h0."""
        return {t: getattr(self, t) for t in _TERMS if getattr(self, t) is not None}

    @property
    def is_exact(self) -> bool:
        """True when every present term holds exact rationals."""
        return all(is_exact_array(a) for a in self.terms.values())

    @property
    def is_linear(self) -> bool:
        """True when the layer has no multiplicative term (A absent or zero): a linear RNN layer."""
        return self.A is None or not np.any(self.A != 0)

    @property
    def is_pure(self) -> bool:
        """True for a pure 2RNN layer: U, V and b absent or zero."""
        return all(getattr(self, t) is None or not np.any(getattr(self, t) != 0) for t in ("U", "V", "b"))

    @property
    def initial_state(self) -> np.ndarray:
        """h0, or zeros of the layer's domain when absent."""
        return self.h0 if self.h0 is not None else zeros((self.width,), self.is_exact)

    @deprecated_positional
    def num_parameters(self, *, include_initial_state: bool = False) -> int:
        """Number of scalar parameters in the present terms.

        Examples
        --------
        >>> LinearRNNLayer(U=[[1], [0]], V=[[0, 0], [1, 0]]).num_parameters()
        6
        """
        return sum(a.size for t, a in self.terms.items() if include_initial_state or t != "h0")

    def to_exact(self) -> Linear2RNNLayer:
        """The same layer with exact entries (floats converted at their binary value)."""
        return _replace_arrays(self, {t: _convert(getattr(self, t), True) for t in _TERMS})

    def to_float(self) -> Linear2RNNLayer:
        """The same layer with float64 entries."""
        return _replace_arrays(self, {t: _convert(getattr(self, t), False) for t in _TERMS})

    def input_drive(self, z_seq: np.ndarray, exact: bool) -> np.ndarray | None:
        """``U z_t + b`` for a whole input sequence at once (one GEMM), or None.

        ``z_seq`` has shape (..., m); the result has shape (..., n).  Precomputing
        it takes the input-only terms out of the sequential loop (see
        :class:`ArrayArithmetic`).
        """
        ar = ArrayArithmetic(exact)
        return ar.drive(ar.terms(0, self), z_seq)

    def step_batch(self, h: np.ndarray, z: np.ndarray, exact: bool, drive: Any = "compute") -> np.ndarray:
        """One time step for a batch: ``h`` of shape (B, n), ``z`` of shape (B, m).

        ``drive`` is the precomputed ``U z + b`` of this step (see
        :meth:`input_drive`; None when the layer has neither term); by default
        it is computed here.  Arrays must already be in the requested domain:
        this is the step of :func:`run_recurrence` with :class:`ArrayArithmetic`,
        so it does not validate.
        """
        ar = ArrayArithmetic(exact)
        terms = ar.terms(0, self)
        if isinstance(drive, str):
            drive = ar.drive(terms, z)
        return ar.step(terms, h, z, drive)

    def __repr__(self) -> str:
        present = ",".join(self.terms) or "none"
        kind = "exact" if self.is_exact else "float64"
        return f"{type(self).__name__}(width={self.width}, input_dim={self.input_dim}, terms={present}, {kind})"


@dataclass(frozen=True, eq=False, init=False, repr=False)
class LinearRNNLayer(Linear2RNNLayer):
    """A linear RNN layer: the ``A = 0`` case, ``h_t = U z_t + V h_{t-1} + b``.

    Parameters
    ----------
    U : array_like
        Shape ``(n, m)``.
    V : array_like
        Shape ``(n, n)``.
    b, h0 : array_like, optional
        Shape ``(n,)``.
    input_dim : int, optional
        Required only when ``U`` is None.

    Examples
    --------
    >>> LinearRNNLayer(U=[[1]], V=[["1/2"]]).is_linear
    True
    """

    def __init__(
        self,
        U: _ArrayInput | None = None,
        V: _ArrayInput | None = None,
        b: _ArrayInput | None = None,
        h0: _ArrayInput | None = None,
        input_dim: int | None = None,
    ) -> None:
        Linear2RNNLayer.__init__(self, A=None, U=U, V=V, b=b, h0=h0, input_dim=input_dim)


def _replace_arrays(layer: Linear2RNNLayer, arrays: dict[str, np.ndarray | None]) -> Linear2RNNLayer:
    if isinstance(layer, LinearRNNLayer):
        return LinearRNNLayer(
            U=arrays["U"], V=arrays["V"], b=arrays["b"], h0=arrays["h0"], input_dim=layer.input_dim
        )
    return Linear2RNNLayer(input_dim=layer.input_dim, **arrays)


def _domain_terms(layer: Linear2RNNLayer, exact: bool) -> dict[str, np.ndarray | None]:
    # Cached per layer and domain: conversions cost a Python loop over entries.
    cache = layer.__dict__.setdefault("_domain_cache", {})
    if exact not in cache:
        terms = {t: _convert(getattr(layer, t), exact) for t in _TERMS}
        if exact and not all(a is None or all(isinstance(v, Fraction) for v in a.ravel()) for a in terms.values()):
            raise ExactnessError("layer: could not convert parameters to exact rationals")
        cache[exact] = terms
    return cache[exact]


# ---------------------------------------------------------------------------
# The network recurrence, written once; the arithmetic is plugged in
# ---------------------------------------------------------------------------


class Arithmetic:
    """The operations the network recurrence needs in one domain of numbers.

    :func:`run_recurrence` is the one implementation of the stack recurrence
    (:doc:`/guide/models`; layer ``l`` reads layer ``l - 1`` at the same step)::

        h_t = A x1 h_{t-1} x2 z_t + (U z_t + b) + V h_{t-1}

    It fixes the order of the loops and what is kept; a subclass fixes what a
    state is and how the terms act on it: float64 or Fraction arrays for
    evaluation (:class:`ArrayArithmetic`), residues mod p, sympy polynomials,
    or upper bounds on degrees (all in :mod:`rnnexpr.polydegree`).  Subclasses
    override :meth:`terms`, :meth:`initial` and :meth:`step`, and where useful
    :meth:`drive` (the input-only terms of a block of steps at once),
    :meth:`activate` (between layers), :meth:`block`, :meth:`collect` and
    :meth:`concat`.

    Examples
    --------
    Upper bounds on the polynomial degree of the states: ``A`` adds the degrees
    of ``h`` and ``z``, ``U`` keeps that of ``z``, ``V`` that of ``h``.

    >>> class Degrees(Arithmetic):
    ...     def terms(self, index, layer):
    ...         return {t: getattr(layer, t) is not None for t in ("A", "U", "V", "b", "h0")}
    ...     def initial(self, terms, width):
    ...         return 0
    ...     def step(self, terms, h, z, drive):
    ...         return max(h + z if terms["A"] else 0, z if terms["U"] else 0, h if terms["V"] else 0)
    >>> s = random_stack([2, 2], 1, kind="pure", seed=0)
    >>> run_recurrence(s.layers, [1, 1, 1], Degrees(), keep="top")
    [[1, 3, 6]]
    """

    def terms(self, index: int, layer: Linear2RNNLayer) -> Any:
        """The layer's terms in this domain (by default the layer itself)."""
        return layer

    def initial(self, terms: Any, width: int) -> Any:
        """The state ``h_0`` of a layer."""
        raise NotImplementedError

    def drive(self, terms: Any, z_block: Any) -> Any:
        """``U z_t + b`` for every input of a block of steps, or None (computed in :meth:`step`)."""
        return None

    def step(self, terms: Any, h: Any, z: Any, drive: Any) -> Any:
        """The next state from ``h_{t-1}``, ``z_t`` and this step's :meth:`drive` entry (None when none)."""
        raise NotImplementedError

    def activate(self, z_block: Any) -> Any:
        """What a layer above the first reads of a block of the states below (identity here)."""
        return z_block

    def block(self, widths: Sequence[int]) -> int | None:
        """Steps per block (None: all of them in one block)."""
        return None

    def collect(self, states: list) -> Any:
        """A block of per-step states, as the next layer reads it (a list here)."""
        return states

    def concat(self, blocks: list) -> Any:
        """Blocks of one layer joined into its sequence."""
        return [s for b in blocks for s in b]


def run_recurrence(
    layers: Sequence[Any],
    inputs: Any,
    arithmetic: Arithmetic,
    *,
    keep: str = "last",
) -> Any:
    """Run the stack recurrence on a sequence of inputs with the arithmetic plugged in.

    The one implementation behind :meth:`Stack.run`, :meth:`Stack.values`,
    :meth:`Stack.hidden_states` and the degree computations of
    :mod:`rnnexpr.polydegree` (float, Fraction, residues mod p, polynomials,
    degree bounds).  Time goes by blocks of :meth:`Arithmetic.block` steps;
    within a block, layer by layer: the input-only terms of the whole block at
    once (:meth:`Arithmetic.drive`), then the steps.

    Parameters
    ----------
    layers : sequence of Linear2RNNLayer
        The stack's layers, bottom first.  Only ``width`` is read here; the
        arithmetic's :meth:`Arithmetic.terms` reads the rest, so any layer-like
        object its arithmetic understands will do (:mod:`rnnexpr.lifted` runs its
        homogeneous parameters this way).
    inputs : sequence
        ``x_1 .. x_T`` in the arithmetic's domain; ``inputs[t0:t1]`` must give a
        block (a list, an array with time first, or any sliceable sequence).
    arithmetic : Arithmetic
    keep : {"last", "final", "top", "all"}
        ``"last"``: the top layer's state after the last step (``h_0`` of the top
        layer when ``T = 0``); ``"final"``: that state for every layer, in a list;
        ``"top"``: ``[h_1 .. h_T]`` of the top layer (as :meth:`Arithmetic.concat`
        joins them), in a one-element list; ``"all"``: for every layer
        ``[h_0, h_1 .. h_T]``.

    Returns
    -------
    state, or list of sequences

    Examples
    --------
    >>> s = Stack([Linear2RNNLayer(A=[[[2]]], h0=[1])], C=[[1]])
    >>> x = np.ones((3, 1, 1), dtype=object)   # T = 3 steps, a batch of one, d = 1
    >>> run_recurrence(s.layers, x, ArrayArithmetic(exact=True), keep="top")[0][:, 0, 0].tolist()
    [Fraction(2, 1), Fraction(4, 1), Fraction(8, 1)]
    """
    if keep not in ("last", "final", "top", "all"):
        raise InvalidArgumentError(f"keep: expected one of ['last', 'final', 'top', 'all'], got {keep!r}")
    layers = list(layers)
    terms = [arithmetic.terms(i, layer) for i, layer in enumerate(layers)]
    states = [arithmetic.initial(t, layer.width) for t, layer in zip(terms, layers, strict=True)]
    history: list[list] = [[arithmetic.collect([h])] for h in states] if keep == "all" else [[] for _ in layers]
    T = len(inputs)
    size = arithmetic.block([layer.width for layer in layers]) or max(T, 1)
    for t0 in range(0, T, size):
        z = inputs[t0 : t0 + size]
        for index, tm in enumerate(terms):
            if index > 0:
                z = arithmetic.activate(z)
            drive = arithmetic.drive(tm, z)
            h = states[index]
            out = []
            for i in range(len(z)):
                h = arithmetic.step(tm, h, z[i], None if drive is None else drive[i])
                out.append(h)
            states[index] = h
            z = arithmetic.collect(out)
            if keep == "all" or (keep == "top" and index == len(layers) - 1):
                history[index].append(z)
    if keep == "last":
        return states[-1]
    if keep == "final":
        return states
    if keep == "top":
        return [arithmetic.concat(history[-1])]
    return [arithmetic.concat(blocks) for blocks in history]


class ArrayArithmetic(Arithmetic):
    """Batched float64 or exact (Fraction) evaluation: states of shape ``(batch, n)``.

    Inputs are time-major arrays ``(T, batch, m)``.  ``U z_t + b`` is computed
    for a cache-sized block of steps as one GEMM; the bilinear term contracts
    the state with ``A`` first (one GEMM), then the input per sample, in batch
    chunks whose ``(chunk, m, n)`` intermediate stays in cache.

    Parameters
    ----------
    exact : bool
        Fractions (object arrays) instead of float64.
    activation : Activation, optional
        Applied between layers (a :class:`DepthwiseStack`'s sigma).
    batch : int
        The batch size (sets the block of steps).

    Examples
    --------
    Two steps of ``h_t = z_t + h_{t-1} / 2`` on ``z = 1, 1`` (a batch of one):

    >>> layer = LinearRNNLayer(U=[[1]], V=[["1/2"]])
    >>> ar = ArrayArithmetic(exact=True)
    >>> terms = ar.terms(0, layer)
    >>> z = np.full((2, 1, 1), Fraction(1), dtype=object)       # (T, batch, m)
    >>> drive = ar.drive(terms, z)                                # U z_t + b for both steps
    >>> h1 = ar.step(terms, ar.initial(terms, 1), z[0], drive[0])
    >>> ar.step(terms, h1, z[1], drive[1])[0, 0]
    Fraction(3, 2)
    """

    def __init__(self, exact: bool, activation: Activation | None = None, batch: int = 1) -> None:
        self.exact = bool(exact)
        self.activation = activation
        self.batch = int(batch)

    def terms(self, index: int, layer: Linear2RNNLayer) -> Any:
        return _domain_terms(layer, self.exact) | {"width": layer.width, "input_dim": layer.input_dim}

    def initial(self, terms: Any, width: int) -> np.ndarray:
        h0 = terms["h0"]
        if h0 is None:
            return zeros((self.batch, width), self.exact)
        return np.broadcast_to(h0, (self.batch, width)).copy()

    def block(self, widths: Sequence[int]) -> int:
        # Small enough that a (block, batch, n) drive stays in cache instead of a (T, batch, n) array.
        return max(1, _CACHE_ENTRIES // max(1, self.batch * max(widths)))

    def drive(self, terms: Any, z_block: np.ndarray) -> np.ndarray | None:
        U, b, n = terms["U"], terms["b"], terms["width"]
        if U is None and b is None:
            return None
        if U is None:
            return np.broadcast_to(b, z_block.shape[:-1] + (n,)).copy()
        # One 2-D GEMM: a stacked (..., m) @ (m, n) product with a transposed
        # operand misses BLAS in numpy and is ~10x slower.
        flat = z_block.reshape(-1, terms["input_dim"])
        U_T = U.T if self.exact else np.ascontiguousarray(U.T)
        out = (flat @ U_T).reshape(z_block.shape[:-1] + (n,))
        return out if b is None else out + b

    def step(self, terms: Any, h: np.ndarray, z: np.ndarray, drive: Any) -> np.ndarray:
        batch, n, m = h.shape[0], terms["width"], terms["input_dim"]
        out = None
        if terms["A"] is not None:
            A2 = terms["A"].reshape(n, m * n)
            chunk = batch if self.exact else max(1, _CACHE_ENTRIES // (m * n))
            out = np.empty((batch, n), dtype=object if self.exact else np.float64)
            for s in range(0, batch, chunk):
                g = (h[s : s + chunk] @ A2).reshape(-1, m, n)
                out[s : s + chunk] = (z[s : s + chunk, None, :] @ g)[:, 0, :]
        if terms["V"] is not None:
            contrib = h @ terms["V"].T
            out = contrib if out is None else out + contrib
        if drive is not None:
            out = drive.copy() if out is None else out + drive
        if out is None:
            out = zeros((batch, n), self.exact)
        return out

    def activate(self, z_block: np.ndarray) -> np.ndarray:
        return z_block if self.activation is None else self.activation(z_block)

    def collect(self, states: list) -> np.ndarray:
        return np.stack(states)

    def concat(self, blocks: list) -> np.ndarray:
        return np.concatenate(blocks) if len(blocks) != 1 else blocks[0]


# ---------------------------------------------------------------------------
# Activations for depth-wise-nonlinear stacks
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    """A scalar nonlinearity: ``"relu"``, ``"tanh"``, ``"identity"`` or a polynomial.

    Parameters
    ----------
    name : str
        ``"relu"``, ``"tanh"``, ``"identity"`` or ``"polynomial"``.
    coefficients : tuple
        Polynomial coefficients ``(c0, c1, ..., cp)`` of ``c0 + c1 x + ... + cp x^p``
        (polynomial only); exact when given exactly.

    Examples
    --------
    >>> Activation.parse([0, 0, 1]).degree
    2
    >>> Activation.parse("relu")(np.array([-1.0, 2.0]))
    array([0., 2.])
    """

    name: str
    coefficients: tuple = ()

    @staticmethod
    def parse(spec: Any) -> Activation:
        """Build from a name, a coefficient sequence, or an :class:`Activation`."""
        if isinstance(spec, Activation):
            return spec
        if isinstance(spec, str):
            if spec not in ("relu", "tanh", "identity"):
                raise InvalidArgumentError(
                    f"activation: expected 'relu', 'tanh', 'identity' or polynomial coefficients, got {spec!r}"
                )
            return Activation(spec)
        if isinstance(spec, dict):
            if spec.get("name") == "polynomial":
                return Activation.parse(list(spec.get("coefficients", [])))
            return Activation.parse(spec.get("name"))
        if isinstance(spec, Sequence | np.ndarray):
            coeffs = as_array(list(spec), "activation", ndim=1)
            if coeffs.size == 0:
                raise InvalidArgumentError("activation: expected at least one polynomial coefficient, got none")
            return Activation("polynomial", tuple(coeffs.tolist()))
        raise InvalidTypeError(f"activation: expected a name or polynomial coefficients, got {type(spec).__name__}")

    @property
    def degree(self) -> int | None:
        """Polynomial degree (1 for identity, None for relu and tanh)."""
        if self.name == "identity":
            return 1
        if self.name == "polynomial":
            nz = [i for i, c in enumerate(self.coefficients) if c != 0]
            return max(nz) if nz else 0
        return None

    @property
    def supports_exact(self) -> bool:
        """True when the activation maps rationals to rationals (not tanh)."""
        return self.name != "tanh"

    def __call__(self, a: np.ndarray) -> np.ndarray:
        """Apply elementwise to a float or exact array."""
        exact = is_exact_array(a)
        if self.name == "identity":
            return a
        if self.name == "relu":
            if exact:
                return np.vectorize(lambda v: v if v > 0 else Fraction(0), otypes=[object])(a)
            return np.maximum(a, 0.0)
        if self.name == "tanh":
            if exact:
                raise ExactnessError("activation: tanh has no exact rational evaluation; use exact=False")
            return np.tanh(a)
        coeffs = [Fraction(c) for c in self.coefficients] if exact else [float(c) for c in self.coefficients]
        out = zeros(a.shape, exact) + coeffs[-1]
        for c in reversed(coeffs[:-1]):  # Horner
            out = out * a + c
        return out

    def to_json(self) -> Any:
        """``"relu"``/``"tanh"``/``"identity"`` or ``{"name": "polynomial", "coefficients": [...]}``."""
        if self.name != "polynomial":
            return self.name
        from .numbers import format_fraction, to_fraction

        coeffs = [
            format_fraction(to_fraction(c)) if isinstance(c, Fraction | int) else float(c) for c in self.coefficients
        ]
        return {"name": "polynomial", "coefficients": coeffs}


# ---------------------------------------------------------------------------
# Stacks
# ---------------------------------------------------------------------------


def check_word(word: Any, alphabet_size: int, name: str = "word") -> tuple[int, ...]:
    """Validate a word over ``{0, ..., alphabet_size - 1}`` and return it as a tuple.

    Raises
    ------
    TypeError
        If the word is not a sequence of integers.
    AlphabetError
        If a symbol is outside the alphabet.

    Examples
    --------
    >>> check_word([0, 1, 1], 2)
    (0, 1, 1)
    """
    if isinstance(word, str | bytes) or not isinstance(word, Iterable):
        raise InvalidTypeError(f"{name}: expected a sequence of integer symbols, got {type(word).__name__} {word!r}")
    out = []
    for pos, s in enumerate(word):
        if isinstance(s, bool | np.bool_) or not isinstance(s, int | np.integer):
            raise InvalidTypeError(f"{name}: expected integer symbols, got {type(s).__name__} {s!r} at position {pos}")
        if not 0 <= s < alphabet_size:
            raise AlphabetError(
                f"{name}: expected symbols in 0..{alphabet_size - 1}, got {int(s)} at position {pos}"
            )
        out.append(int(s))
    return tuple(out)


def check_words(words: Any, alphabet_size: int, name: str = "words") -> list[tuple[int, ...]]:
    """Validate a list of words (see :func:`check_word`).

    Examples
    --------
    >>> check_words([[0], [], [1, 0]], 2)
    [(0,), (), (1, 0)]
    """
    if isinstance(words, str | bytes) or not isinstance(words, Iterable):
        raise InvalidTypeError(f"{name}: expected a list of words, got {type(words).__name__}")
    return [check_word(w, alphabet_size, f"{name}[{i}]") for i, w in enumerate(words)]


@deprecated_positional
def one_hot(words: Sequence[Sequence[int]], alphabet_size: int, *, exact: bool = False) -> np.ndarray:
    """One-hot encode equal-length words: shape ``(len(words), T, alphabet_size)``.

    Examples
    --------
    >>> one_hot([[1, 0]], 2).tolist()
    [[[0.0, 1.0], [1.0, 0.0]]]
    """
    words = check_words(words, alphabet_size)
    lengths = {len(w) for w in words}
    if len(lengths) > 1:
        raise ShapeError(f"words: expected equal lengths for one-hot encoding, got lengths {sorted(lengths)}")
    T = lengths.pop() if lengths else 0
    idx = np.array(words, dtype=np.int64).reshape(len(words), T)
    out = zeros((len(words), T, alphabet_size), exact)
    if exact:
        for b in range(len(words)):
            for t in range(T):
                out[b, t, idx[b, t]] = Fraction(1)
    else:
        np.put_along_axis(out, idx[:, :, None], 1.0, axis=2)
    return out


class _StackBase:
    """Shared evaluation logic of :class:`Stack` and :class:`DepthwiseStack`."""

    layers: Sequence[Linear2RNNLayer]  # a tuple once constructed; any sequence is accepted
    C: np.ndarray
    c: np.ndarray | None

    # -- structure ----------------------------------------------------------
    @property
    def depth(self) -> int:
        """Number of layers L."""
        return len(self.layers)

    @property
    def widths(self) -> tuple[int, ...]:
        """Layer widths (n_1, ..., n_L)."""
        return tuple(layer.width for layer in self.layers)

    @property
    def input_dim(self) -> int:
        """Input dimension d (alphabet size on one-hot inputs)."""
        return self.layers[0].input_dim

    @property
    def alphabet_size(self) -> int:
        """The alphabet size for one-hot inputs: the input dimension d.

        Every model kind has it (:attr:`WFA.alphabet_size` too), so code that
        enumerates words needs no case analysis: a word over ``{0..d-1}`` is
        fed to a stack as the one-hot vectors ``e_{s_1}, ..., e_{s_T}``.

        Examples
        --------
        >>> random_stack([2, 3], input_dim=4, seed=0).alphabet_size
        4
        """
        return self.input_dim

    @property
    def output_dim(self) -> int:
        """Output dimension p."""
        return int(self.C.shape[0])

    @property
    def is_exact(self) -> bool:
        """True when every parameter is an exact rational."""
        return all(layer.is_exact for layer in self.layers) and is_exact_array(self.C) and (
            self.c is None or is_exact_array(self.c)
        )

    @deprecated_positional
    def num_parameters(self, *, include_initial_state: bool = False, include_readout: bool = True) -> int:
        """Number of scalar parameters (layers, and readout unless excluded)."""
        total = sum(layer.num_parameters(include_initial_state=include_initial_state) for layer in self.layers)
        if include_readout:
            total += self.C.size + (0 if self.c is None else self.c.size)
        return total

    def _validate_readout(self) -> None:
        if not self.layers:
            raise ShapeError("layers: expected at least one layer, got an empty stack")
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Linear2RNNLayer):
                raise InvalidTypeError(f"layers[{i}]: expected a Linear2RNNLayer, got {type(layer).__name__}")
        for i in range(1, len(self.layers)):
            if self.layers[i].input_dim != self.layers[i - 1].width:
                raise ShapeError(
                    f"layers[{i}]: expected input dimension {self.layers[i - 1].width} "
                    f"(the width of layers[{i - 1}]), got {self.layers[i].input_dim}"
                )
        C = as_array(self.C, "C", ndim=(1, 2))
        if C.ndim == 1:  # documented convenience: a single readout row
            C = C.reshape(1, -1)
        nL = self.layers[-1].width
        if C.shape[1] != nL:
            raise ShapeError(f"C: expected shape (p, {nL}) to read the last layer of width {nL}, got {C.shape}")
        if C.shape[0] < 1:
            raise ShapeError(f"C: expected at least one output row, got shape {C.shape}")
        c = None
        if self.c is not None:
            c = as_array(self.c, "c", ndim=(0, 1)).reshape(-1)
            if c.shape != (C.shape[0],):
                raise ShapeError(f"c: expected shape ({C.shape[0]},) to match C, got {c.shape}")
            c.setflags(write=False)
        C.setflags(write=False)
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "C", C)
        object.__setattr__(self, "c", c)

    # -- evaluation -----------------------------------------------------------
    def _readout(self, h: np.ndarray, exact: bool) -> np.ndarray:
        C = to_exact_array(self.C) if exact else to_float_array(self.C)
        y = h @ C.T
        if self.c is not None:
            y = y + (to_exact_array(self.c) if exact else to_float_array(self.c))
        return y

    def _check_exact_possible(self, exact: bool) -> None:
        pass

    def _activation(self) -> Activation | None:
        return None

    def _forward(self, x: np.ndarray, exact: bool, keep: str) -> Any:
        """:func:`run_recurrence` on ``x`` of shape (B, T, d); states come back batch-first.

        ``keep="all"``: every layer's states, shapes (B, T + 1, n_l) with h_0;
        ``"top"``: the top layer's (B, T, n_L); ``"last"``: its last state (B, n_L).
        """
        self._check_exact_possible(exact)
        batch, T, _ = x.shape
        # Time-major inside the loop: each step reads and writes contiguous rows.
        z_seq = np.ascontiguousarray(x.transpose(1, 0, 2))
        ar = ArrayArithmetic(exact, self._activation(), batch)
        if keep == "top" and T == 0:
            return np.empty((batch, 0, self.layers[-1].width), dtype=object if exact else np.float64)
        out = run_recurrence(self.layers, z_seq, ar, keep=keep)
        if keep == "last":
            return out
        seqs = [seq.transpose(1, 0, 2) for seq in out]
        return seqs[0] if keep == "top" else seqs

    @deprecated_positional
    def hidden_states(self, x: Any, *, exact: bool = False) -> list[np.ndarray]:
        """Hidden states of every layer on real inputs, including the initial state.

        Parameters
        ----------
        x : array_like
            Shape ``(T, d)`` or ``(batch, T, d)``.
        exact : bool
            Exact rational arithmetic.

        Returns
        -------
        list of numpy.ndarray
            One array per layer, shape ``(T + 1, n_l)`` (or ``(batch, T + 1, n_l)``).
        """
        arr, batched = _prepare_input(x, self.input_dim, exact)
        states = self._forward(arr, exact, "all")
        if exact:
            states = [as_fractions(s) for s in states]
        return states if batched else [s[0] for s in states]

    @deprecated_positional
    def run(self, x: Any, *, exact: bool = False) -> np.ndarray:
        """All outputs ``y_1 .. y_T`` on real inputs.

        Parameters
        ----------
        x : array_like
            Shape ``(T, d)`` or ``(batch, T, d)``.
        exact : bool
            Evaluate in exact rationals (parameters and inputs converted exactly;
            floats at their binary value).  Returns Fractions.

        Returns
        -------
        numpy.ndarray
            Shape ``(T, p)`` or ``(batch, T, p)``; float64, or object (Fractions).

        Raises
        ------
        ShapeError, NonFiniteError
            On a wrong input shape or non-finite input.
        """
        arr, batched = _prepare_input(x, self.input_dim, exact)
        top = self._forward(arr, exact, "top")
        y = self._readout(self._top_activation(top), exact)
        if exact:
            y = as_fractions(y)
        return y if batched else y[0]

    def _top_activation(self, h: np.ndarray) -> np.ndarray:
        return h

    @deprecated_positional
    def values(self, words: Any, *, exact: bool = False) -> np.ndarray:
        """f(w) for each word w (one-hot inputs): the output after the last symbol.

        The empty word gives ``C h_0^(L) + c``.  Words of equal length are batched.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(words),)`` when p = 1, else ``(len(words), p)``.
        """
        words = check_words(words, self.input_dim)
        out = np.empty((len(words), self.output_dim), dtype=object if exact else np.float64)
        by_length: dict[int, list[int]] = {}
        for i, w in enumerate(words):
            by_length.setdefault(len(w), []).append(i)
        for idx in by_length.values():
            x = one_hot([words[i] for i in idx], self.input_dim, exact=exact)
            top = self._forward(x, exact, "last")
            out[idx] = self._readout(self._top_activation(top), exact)
        if exact:
            out = as_fractions(out)
        return out[:, 0] if self.output_dim == 1 else out

    @deprecated_positional
    def __call__(self, word: Any, *, exact: bool = False) -> Any:
        """f(word) on one-hot inputs: a scalar when p = 1, else a vector of length p."""
        return _scalar(self.values([check_word(word, self.input_dim)], exact=exact)[0])

    @deprecated_positional
    def run_words(self, words: Any, *, exact: bool = False) -> list[np.ndarray]:
        """All outputs on each word (one-hot inputs): a list of arrays of shape ``(len(w), p)``."""
        words = check_words(words, self.input_dim)
        return [self.run(one_hot([w], self.input_dim, exact=exact)[0], exact=exact) for w in words]

    def __repr__(self) -> str:
        kind = "exact" if self.is_exact else "float64"
        return (
            f"{type(self).__name__}(widths={self.widths}, input_dim={self.input_dim}, "
            f"output_dim={self.output_dim}, {kind})"
        )


@dataclass(frozen=True, eq=False, repr=False)
class Stack(_StackBase):
    """A stack of linear 2RNN (or linear RNN) layers with a linear readout.

    Parameters
    ----------
    layers : sequence of Linear2RNNLayer
        Layer ``l`` reads layer ``l - 1`` at the same time step.
    C : array_like
        Readout, shape ``(p, n_L)`` (a 1-D array is a single output row).
    c : array_like, optional
        Readout bias, shape ``(p,)``.

    Raises
    ------
    ShapeError
        On an empty stack or when widths do not chain.

    Examples
    --------
    The T5 witness: ``f(a^T) = 2^{T(T+1)/2}``.

    >>> s = Stack([Linear2RNNLayer(A=[[[2]]], h0=[1]), Linear2RNNLayer(A=[[[1]]], h0=[1])], C=[[1]])
    >>> [int(s([0] * T, exact=True)) for T in range(4)]
    [1, 2, 8, 64]
    """

    layers: Sequence[Linear2RNNLayer]  # a tuple once constructed; any sequence is accepted
    C: np.ndarray
    c: np.ndarray | None = None

    if TYPE_CHECKING:
        # The generated __init__ as callers see it: the readout is read from array-likes (_validate_readout).
        def __init__(
            self, layers: Sequence[Linear2RNNLayer], C: _ArrayInput, c: _ArrayInput | None = None
        ) -> None: ...

    def __post_init__(self) -> None:
        if isinstance(self.layers, Linear2RNNLayer):
            raise InvalidTypeError("layers: expected a sequence of layers, got a single Linear2RNNLayer")
        object.__setattr__(self, "layers", tuple(self.layers))
        self._validate_readout()

    @property
    def is_linear_rnn(self) -> bool:
        """True when every layer is a linear RNN layer (no multiplicative term)."""
        return all(layer.is_linear for layer in self.layers)

    @property
    def is_pure(self) -> bool:
        """True when every layer is a pure 2RNN layer and there is no readout bias."""
        return all(layer.is_pure for layer in self.layers) and (self.c is None or not np.any(self.c != 0))

    def to_exact(self) -> Stack:
        """The same stack with exact parameters."""
        return Stack([layer.to_exact() for layer in self.layers], to_exact_array(self.C),
                     None if self.c is None else to_exact_array(self.c))

    def to_float(self) -> Stack:
        """The same stack with float64 parameters."""
        return Stack([layer.to_float() for layer in self.layers], to_float_array(self.C),
                     None if self.c is None else to_float_array(self.c))


@dataclass(frozen=True, eq=False, repr=False)
class DepthwiseStack(_StackBase):
    """Linear recurrences with a nonlinearity only between layers (:doc:`/theory/index`).

    Layer 1 is a linear RNN layer reading ``x_t``; for ``l >= 2``,
    ``h_t^(l) = V h_{t-1}^(l) + U sigma(h_t^(l-1)) + b``.  The readout is
    ``y_t = C h_t^(L) + c``, or ``C sigma(h_t^(L)) + c`` with ``readout_activation``.

    Parameters
    ----------
    layers : sequence of LinearRNNLayer
        Linear layers (no ``A`` term).
    C, c : array_like
        Readout as in :class:`Stack`.
    activation : str or sequence or Activation
        ``"relu"``, ``"tanh"``, ``"identity"`` or polynomial coefficients ``(c0, c1, ...)``.
    readout_activation : bool
        Apply sigma before the readout too.

    Examples
    --------
    >>> s = DepthwiseStack([LinearRNNLayer(U=[[1]], V=[[0]]), LinearRNNLayer(U=[[1]], V=[[0]])],
    ...                    C=[[1]], activation=[0, 0, 1])
    >>> s.run([[3.0]]).tolist()
    [[9.0]]
    """

    layers: Sequence[Linear2RNNLayer]  # a tuple once constructed; any sequence is accepted
    C: np.ndarray
    c: np.ndarray | None = None
    activation: Any = "relu"
    readout_activation: bool = False

    if TYPE_CHECKING:
        # The generated __init__ as callers see it: the readout is read from array-likes (_validate_readout).
        def __init__(
            self,
            layers: Sequence[Linear2RNNLayer],
            C: _ArrayInput,
            c: _ArrayInput | None = None,
            activation: Any = "relu",
            readout_activation: bool = False,
        ) -> None: ...

    def __post_init__(self) -> None:
        if isinstance(self.layers, Linear2RNNLayer):
            raise InvalidTypeError("layers: expected a sequence of layers, got a single layer")
        object.__setattr__(self, "layers", tuple(self.layers))
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Linear2RNNLayer) and not layer.is_linear:
                raise ModelKindError(
                    f"layers[{i}]: expected a linear RNN layer (no A term) in a DepthwiseStack, got an A term"
                )
        object.__setattr__(self, "activation", Activation.parse(self.activation))
        if not isinstance(self.readout_activation, bool | np.bool_):
            raise InvalidTypeError(f"readout_activation: expected a bool, got {type(self.readout_activation).__name__}")
        self._validate_readout()

    def _activation(self) -> Activation | None:
        return self.activation

    def _top_activation(self, h: np.ndarray) -> np.ndarray:
        return self.activation(h) if self.readout_activation else h

    def _check_exact_possible(self, exact: bool) -> None:
        if exact and not self.activation.supports_exact:
            raise ExactnessError(f"exact: the activation {self.activation.name!r} has no exact evaluation")

    def to_exact(self) -> DepthwiseStack:
        """The same stack with exact parameters (the activation is unchanged)."""
        return DepthwiseStack([layer.to_exact() for layer in self.layers], to_exact_array(self.C),
                              None if self.c is None else to_exact_array(self.c), self.activation,
                              self.readout_activation)

    def to_float(self) -> DepthwiseStack:
        """The same stack with float64 parameters (the activation is unchanged).

        Examples
        --------
        >>> s = random_depthwise_stack([2, 2], 1, activation=[0, 0, 1], seed=0, exact=True)
        >>> f = s.to_float()
        >>> f.is_exact, f.activation == s.activation, abs(float(s([0, 0], exact=True)) - f([0, 0])) < 1e-12
        (False, True, True)
        """
        return DepthwiseStack([layer.to_float() for layer in self.layers], to_float_array(self.C),
                              None if self.c is None else to_float_array(self.c), self.activation,
                              self.readout_activation)


# ---------------------------------------------------------------------------
# Weighted finite automata
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class WFA:
    """A weighted finite automaton ``f(s_1..s_T) = alpha^T A_{s_1} ... A_{s_T} omega``.

    Parameters
    ----------
    alpha : array_like
        Initial weights, shape ``(n,)``.
    A : array_like
        Transitions, shape ``(n, d, n)`` with ``A[:, s, :]`` the matrix of symbol ``s``.
    omega : array_like
        Final weights, shape ``(n,)``.

    Examples
    --------
    >>> w = WFA(alpha=[1], A=[[[1], [2]]], omega=[1])   # f(w) = 2^(number of 1s)
    >>> w([1, 0, 1])
    4.0
    """

    alpha: np.ndarray
    A: np.ndarray
    omega: np.ndarray

    if TYPE_CHECKING:
        # The generated __init__ as callers see it: __post_init__ reads array-likes into the arrays held.
        def __init__(self, alpha: _ArrayInput, A: _ArrayInput, omega: _ArrayInput) -> None: ...

    def __post_init__(self) -> None:
        alpha = as_array(self.alpha, "alpha", ndim=1)
        A = as_array(self.A, "A", ndim=3)
        omega = as_array(self.omega, "omega", ndim=1)
        n = alpha.shape[0]
        if A.shape[0] != n or A.shape[2] != n:
            raise ShapeError(f"A: expected shape ({n}, d, {n}) to match alpha of length {n}, got {A.shape}")
        if A.shape[1] < 1:
            raise ShapeError(f"A: expected an alphabet of at least one symbol (axis 1), got shape {A.shape}")
        if omega.shape != (n,):
            raise ShapeError(f"omega: expected shape ({n},) to match alpha, got {omega.shape}")
        object.__setattr__(self, "alpha", alpha)
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "omega", omega)

    @property
    def num_states(self) -> int:
        """Number of states n."""
        return int(self.alpha.shape[0])

    @property
    def alphabet_size(self) -> int:
        """Alphabet size d."""
        return int(self.A.shape[1])

    @property
    def is_exact(self) -> bool:
        """True when every weight is an exact rational."""
        return all(is_exact_array(a) for a in (self.alpha, self.A, self.omega))

    def matrix(self, symbol: int) -> np.ndarray:
        """The transition matrix ``A_s`` of a symbol."""
        (s,) = check_word([symbol], self.alphabet_size, "symbol")
        return self.A[:, s, :]

    def to_exact(self) -> WFA:
        """The same WFA with exact weights."""
        return WFA(to_exact_array(self.alpha), to_exact_array(self.A), to_exact_array(self.omega))

    def to_float(self) -> WFA:
        """The same WFA with float64 weights."""
        return WFA(to_float_array(self.alpha), to_float_array(self.A), to_float_array(self.omega))

    def _domain(self, exact: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cache = self.__dict__.setdefault("_domain_cache", {})
        if exact not in cache:
            conv = to_exact_array if exact else to_float_array
            cache[exact] = (conv(self.alpha), conv(self.A), conv(self.omega))
        return cache[exact]

    @deprecated_positional
    def forward(self, words: Any, *, exact: bool = False) -> np.ndarray:
        """Prefix vectors ``alpha^T A_w`` for each word, shape ``(len(words), n)``."""
        words = check_words(words, self.alphabet_size)
        alpha, A, _ = self._domain(exact)
        n = self.num_states
        out = np.empty((len(words), n), dtype=object if exact else np.float64)
        by_length: dict[int, list[int]] = {}
        for i, w in enumerate(words):
            by_length.setdefault(len(w), []).append(i)
        At = A.transpose(1, 0, 2)  # At[s] = A_s
        for length, idx in by_length.items():
            idx_arr = np.array([words[i] for i in idx], dtype=np.int64).reshape(len(idx), length)
            states = np.broadcast_to(alpha, (len(idx), n)).copy()
            for t in range(length):
                mats = At[idx_arr[:, t]]
                states = np.einsum("bi,bij->bj", states, mats)
            out[idx] = states
        return out

    @deprecated_positional
    def values(self, words: Any, *, exact: bool = False) -> np.ndarray:
        """f(w) for each word, shape ``(len(words),)``.

        Examples
        --------
        >>> WFA([1], [[[1], [2]]], [1]).values([[], [1], [1, 1]], exact=True).tolist()
        [Fraction(1, 1), Fraction(2, 1), Fraction(4, 1)]
        """
        _, _, omega = self._domain(exact)
        vals = self.forward(words, exact=exact) @ omega
        return as_fractions(vals) if exact else vals

    @deprecated_positional
    def __call__(self, word: Any, *, exact: bool = False) -> Any:
        """f(word): a float, or a Fraction when ``exact``."""
        return _scalar(self.values([check_word(word, self.alphabet_size)], exact=exact)[0])

    def __repr__(self) -> str:
        kind = "exact" if self.is_exact else "float64"
        return f"WFA(num_states={self.num_states}, alphabet_size={self.alphabet_size}, {kind})"


# ---------------------------------------------------------------------------
# Random models from seeds
# ---------------------------------------------------------------------------


def random_generator(seed: int | np.random.Generator | None = 0) -> np.random.Generator:
    """The numpy Generator behind every seeded random model: from a seed, or a Generator as is.

    Passing one Generator through several calls draws them from one stream
    (how :func:`random_stack` draws its layers); an integer seed makes a call
    reproducible on its own.

    Parameters
    ----------
    seed : int or numpy.random.Generator or None
        A non-negative integer seed, a Generator (returned unchanged), or None
        (fresh entropy: not reproducible).

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    InvalidTypeError
        When ``seed`` is neither.

    See Also
    --------
    random_array

    Examples
    --------
    >>> g = random_generator(3)
    >>> random_generator(g) is g
    True
    >>> int(random_generator(3).integers(100)) == int(np.random.default_rng(3).integers(100))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None:
        seed = check_int(seed, "seed", minimum=0)
    return np.random.default_rng(seed)


def random_array(
    shape: int | tuple[int, ...],
    *,
    seed: int | np.random.Generator | None = 0,
    exact: bool = False,
    scale: float = 1.0,
    max_numerator: int = 3,
    max_denominator: int = 4,
) -> np.ndarray:
    """A random parameter array: small rationals when ``exact``, else Gaussian floats.

    The one source of random parameters of :func:`random_layer`,
    :func:`random_stack`, :func:`random_wfa`, the constructions and the
    theorem checks.

    Parameters
    ----------
    shape : int or tuple of int
    seed : int or numpy.random.Generator or None
        See :func:`random_generator`; pass a Generator to draw several arrays
        from one stream.
    exact : bool
        Fractions ``p/q`` with ``p`` uniform in ``-max_numerator..max_numerator``
        and ``q`` uniform in ``1..max_denominator`` (an object array);
        otherwise float64 draws from ``N(0, scale^2)``.
    scale : float
        Standard deviation of the float draws (unused when exact).
    max_numerator, max_denominator : int
        Bounds of the exact draws.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> random_array((2,), seed=0, exact=True, max_numerator=1, max_denominator=1).tolist()
    [Fraction(1, 1), Fraction(0, 1)]
    >>> random_array(3, seed=0).shape
    (3,)
    """
    shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
    shape = tuple(check_int(v, "shape", minimum=0) for v in shape)
    rng = random_generator(seed)
    if exact:
        max_numerator = check_int(max_numerator, "max_numerator", minimum=0)
        max_denominator = check_int(max_denominator, "max_denominator", minimum=1)
        nums = rng.integers(-max_numerator, max_numerator + 1, size=shape)
        dens = rng.integers(1, max_denominator + 1, size=shape)
        out = np.empty(shape, dtype=object)
        flat = out.reshape(-1)
        for i, (p, q) in enumerate(zip(nums.ravel(), dens.ravel(), strict=True)):
            flat[i] = Fraction(int(p), int(q))
        return out
    return rng.normal(0.0, scale, size=shape)


def _draw(rng: np.random.Generator, shape: tuple[int, ...], exact: bool, scale: float) -> np.ndarray:
    return random_array(shape, seed=rng, exact=exact, scale=scale)


@deprecated_positional
def random_layer(
    width: int,
    input_dim: int,
    *,
    kind: str = "2rnn",
    seed: int | np.random.Generator | None = 0,
    exact: bool = False,
    with_initial_state: bool = False,
) -> Linear2RNNLayer:
    """A random layer from a seed.

    Parameters
    ----------
    width, input_dim : int
        Layer width n and input dimension m.
    kind : {"2rnn", "pure", "linear"}
        All four terms, only A (pure 2RNN), or no A (linear RNN).
    seed : int or numpy.random.Generator
        Seed (explicit for reproducibility).
    exact : bool
        Small rationals (numerators in -3..3, denominators 1..4) instead of
        Gaussian floats scaled so that states stay bounded.
    with_initial_state : bool
        Draw a random h0 too.

    Returns
    -------
    Linear2RNNLayer or LinearRNNLayer

    Examples
    --------
    >>> random_layer(3, 2, kind="pure", seed=1, exact=True).is_pure
    True
    """
    width = check_int(width, "width", minimum=1)
    input_dim = check_int(input_dim, "input_dim", minimum=1)
    kind = check_choice(kind, "kind", ("2rnn", "pure", "linear"))
    rng = random_generator(seed)
    n, m = int(width), int(input_dim)
    # Scales keep the float recurrence contractive on unit-norm inputs.
    sA = 0.5 / math.sqrt(n * max(m, 1))
    sV = 0.5 / math.sqrt(n)
    h0 = _draw(rng, (n,), exact, 1.0) if with_initial_state else None
    if kind == "linear":
        return LinearRNNLayer(
            U=_draw(rng, (n, m), exact, 1.0 / math.sqrt(m)),
            V=_draw(rng, (n, n), exact, sV),
            b=_draw(rng, (n,), exact, 0.1),
            h0=h0,
        )
    A = _draw(rng, (n, m, n), exact, sA)
    if kind == "pure":
        if h0 is None:
            h0 = _draw(rng, (n,), exact, 1.0)
        return Linear2RNNLayer(A=A, h0=h0)
    return Linear2RNNLayer(
        A=A,
        U=_draw(rng, (n, m), exact, 0.5 / math.sqrt(m)),
        V=_draw(rng, (n, n), exact, sV * 0.5),
        b=_draw(rng, (n,), exact, 0.1),
        h0=h0,
    )


@deprecated_positional
def random_stack(
    widths: Sequence[int],
    input_dim: int,
    *,
    output_dim: int = 1,
    kind: str = "2rnn",
    seed: int | np.random.Generator | None = 0,
    exact: bool = False,
    with_initial_state: bool = False,
) -> Stack:
    """A random :class:`Stack` of the given widths (see :func:`random_layer`).

    Examples
    --------
    >>> random_stack([2, 3], input_dim=2, seed=0).widths
    (2, 3)
    """
    if isinstance(widths, int | np.integer) or len(widths) == 0:
        raise InvalidArgumentError(f"widths: expected a non-empty sequence of widths, got {widths!r}")
    rng = random_generator(seed)
    layers = []
    m = input_dim
    for n in widths:
        layers.append(random_layer(n, m, kind=kind, seed=rng, exact=exact, with_initial_state=with_initial_state))
        m = n
    C = _draw(rng, (output_dim, m), exact, 1.0)
    c = _draw(rng, (output_dim,), exact, 0.1) if kind != "pure" else None
    return Stack(layers, C, c)


@deprecated_positional
def random_depthwise_stack(
    widths: Sequence[int],
    input_dim: int,
    *,
    activation: Any = "relu",
    output_dim: int = 1,
    seed: int | np.random.Generator | None = 0,
    exact: bool = False,
    readout_activation: bool = False,
) -> DepthwiseStack:
    """A random :class:`DepthwiseStack` (linear recurrences, sigma between layers).

    Examples
    --------
    >>> random_depthwise_stack([2, 2], 1, activation="tanh", seed=0).depth
    2
    """
    if isinstance(widths, int | np.integer) or len(widths) == 0:
        raise InvalidArgumentError(f"widths: expected a non-empty sequence of widths, got {widths!r}")
    rng = random_generator(seed)
    layers = []
    m = input_dim
    for n in widths:
        layers.append(random_layer(n, m, kind="linear", seed=rng, exact=exact))
        m = n
    C = _draw(rng, (output_dim, m), exact, 1.0)
    return DepthwiseStack(layers, C, None, activation, readout_activation)


@deprecated_positional
def random_wfa(
    num_states: int,
    alphabet_size: int,
    *,
    seed: int | np.random.Generator | None = 0,
    exact: bool = False,
) -> WFA:
    """A random WFA; exact ones have small rational weights.

    Examples
    --------
    >>> random_wfa(3, 2, seed=0, exact=True).is_exact
    True
    """
    num_states = check_int(num_states, "num_states", minimum=1)
    alphabet_size = check_int(alphabet_size, "alphabet_size", minimum=1)
    rng = random_generator(seed)
    n, d = int(num_states), int(alphabet_size)
    return WFA(
        _draw(rng, (n,), exact, 1.0),
        _draw(rng, (n, d, n), exact, 1.0 / math.sqrt(n * d)),
        _draw(rng, (n,), exact, 1.0),
    )
