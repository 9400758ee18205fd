"""Tensor-train (MPS) view of length-T slices (:doc:`/guide/tt`).

The length-T slice of a model, ``F[s_1..s_T] = f(s_1..s_T)``, is an order-T
tensor with an exact tensor train (TT) form; on real inputs the output is a
multilinear function of per-position feature vectors, again a TT.  This module
builds these TTs as tensorly :class:`~tensorly.tt_tensor.TTTensor` objects
(exact models give exact cores: numpy object arrays of
:class:`~fractions.Fraction`, which tensorly accepts), and computes TT ranks and
compressions by TT rounding, never by forming the ``d^T`` full tensor.

Feature maps of :func:`to_tensor_train`
---------------------------------------
``"one_hot"``
    Symbols of an alphabet ``{0..d-1}``; physical dimension ``d``.  A WFA has the
    cores ``alpha^T A, A, ..., A, A omega``; a depth-1 stack goes through
    :func:`rnnexpr.conversions.to_wfa`; a deeper stack through the lifted states of
    :doc:`/theory/t5` (:func:`rnnexpr.lifted.lift`).
``"affine"``
    ``x -> [1; x]`` for a depth-1 stack on real inputs of dimension ``m``
    (physical dimension ``m + 1``).  After affine augmentation
    (:func:`rnnexpr.conversions.augment`) the layer is a pure 2RNN
    ``hat h_t = hat A x1 hat h_{t-1} x2 [1; x_t]``, so the cores are ``hat A``
    itself, with ``hat h_0`` and ``[c, C]`` absorbed at the ends: ranks ``<= n + 1``.
``"polynomial"``
    Monomials of ``x_t`` of total degree ``<= D_t`` with
    ``D_t = binom(T - t + L - 1, L - 1)`` for a depth-L stack (T4: the degree in
    ``x_t`` of the output at length T); physical dimension
    ``binom(m + D_t, m)``, ordered by :func:`monomial_exponents`.  Construction:
    let ``P`` be the principal lattice ``{a in N^m : |a| <= D_1}``, which is
    unisolvent for polynomials of total degree ``<= D`` restricted to
    ``{|a| <= D}`` for every ``D <= D_1``.  The stack with the first layer's input
    weights replaced by their values at the points of ``P``
    (``A'[:, s, :] = A x2 p_s``, ``U'[:, s] = U p_s``) computes, on one-hot
    symbol ``s``, what the stack computes on input ``p_s``; its one-hot TT (by the
    lifted states) is the tensor of values on the grid ``P^T``.  Since the output
    has degree ``<= D_t`` in ``x_t``, contracting mode ``t`` with the inverse of
    the Vandermonde matrix of the points ``{|a| <= D_t}`` yields the monomial
    coefficients: an exact TT of the polynomial over the feature map.  For
    ``L = 1`` the polynomial map is the affine map ``[1; x]``.

Examples
--------
>>> from rnnexpr.models import random_wfa
>>> tt = to_tensor_train(random_wfa(3, 2, seed=0, exact=True), length=6)
>>> tt_ranks(tt, exact=True).ranks
(1, 2, 3, 3, 3, 2, 1)
"""

from __future__ import annotations

import contextlib
import math
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations_with_replacement
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InvalidArgumentError, ModelKindError, NonFiniteError, NumericalRankWarning, ShapeError, SizeLimitError
from .exact import exact_backend, exact_matmul, rref, solve
from .lifted import LiftedRepresentation, lift
from .models import WFA, Linear2RNNLayer, Stack, check_word
from .numbers import as_array, is_exact_array, to_exact_array, to_float_array, zeros
from .validation import check_choice, check_int, deprecated_positional, resolve_method, user_stacklevel
from .conversions import augment, to_wfa

if TYPE_CHECKING:  # tensorly is imported only where a TTTensor is built (import rnnexpr stays fast)
    from tensorly.tt_tensor import TTTensor


def _tt_tensor(cores: list[np.ndarray]) -> TTTensor:
    from tensorly.tt_tensor import TTTensor

    return TTTensor(cores)


def _is_tt_tensor(tt: Any) -> bool:
    # A TTTensor exists only once tensorly is imported: no import needed to rule it out.
    if "tensorly.tt_tensor" not in sys.modules:
        return False
    return isinstance(tt, sys.modules["tensorly.tt_tensor"].TTTensor)


__all__ = [
    "to_tensor_train",
    "tt_cores",
    "tt_ranks",
    "TTRanks",
    "tt_round",
    "TTRounding",
    "tt_to_full",
    "tt_evaluate",
    "monomial_exponents",
    "polynomial_degrees",
    "FEATURE_MAPS",
]

#: The feature maps understood by :func:`to_tensor_train` and :func:`tt_evaluate`.
FEATURE_MAPS = ("one_hot", "affine", "polynomial")

_EPS = float(np.finfo(np.float64).eps)


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


@deprecated_positional
def tt_cores(tt: Any, *, exact: bool | None = None, name: str = "tt") -> list[np.ndarray]:
    """Validated cores of a tensor train, as float64 or exact (object) arrays.

    Parameters
    ----------
    tt : TTTensor, LiftedRepresentation or sequence of array_like
        Cores of shapes ``(r_t, d_t, r_{t+1})`` with ``r_0 = r_T = 1`` (a lifted
        representation has its boundary vectors absorbed).
    exact : bool, optional
        Force exact (floats converted at their binary value) or float cores;
        ``None`` keeps exact cores exact when all of them are exact.
    name : str
        Argument name for error messages.

    Returns
    -------
    list of numpy.ndarray

    Raises
    ------
    ShapeError
        When there are no cores, a core is not 3-D, the boundary ranks are not 1
        or the bond dimensions do not chain.
    NonFiniteError
        On NaN or infinite entries.

    Examples
    --------
    >>> [c.shape for c in tt_cores([np.ones((1, 2, 3)), np.ones((3, 2, 1))])]
    [(1, 2, 3), (3, 2, 1)]
    """
    if isinstance(tt, LiftedRepresentation):
        factors = tt.tt_cores()  # boundary vectors absorbed
    else:
        factors = tt.factors if _is_tt_tensor(tt) else tt
    if isinstance(factors, np.ndarray) or not isinstance(factors, Sequence) or len(factors) == 0:
        raise ShapeError(f"{name}: expected a TTTensor or a non-empty sequence of 3-D cores, got {type(tt).__name__}")
    if exact is None:
        # Exact when every core is: object arrays of rationals, integer arrays, or nested lists of
        # exact scalars (a float anywhere makes the whole train float).
        exact = all(
            is_exact_array(c) or (isinstance(c, np.ndarray) and c.dtype.kind in "iu")
            or (not isinstance(c, np.ndarray) and _all_exact_scalars(c))
            for c in factors
        )
    cores = []
    for t, core in enumerate(factors):
        if isinstance(core, np.ndarray) and core.dtype == np.float64 and not exact:
            a = core
            if a.ndim != 3:
                raise ShapeError(f"{name}[{t}]: expected a 3-D core (r_t, d_t, r_t+1), got shape {a.shape}")
            if not np.all(np.isfinite(a)):
                raise NonFiniteError(f"{name}[{t}]: expected finite values, got a NaN or infinity")
        else:
            a = as_array(core, f"{name}[{t}]", ndim=3, exact=exact)
        cores.append(a)
    if cores[0].shape[0] != 1 or cores[-1].shape[2] != 1:
        raise ShapeError(
            f"{name}: expected boundary ranks r_0 = r_T = 1, got {cores[0].shape[0]} and {cores[-1].shape[2]}"
        )
    for t in range(len(cores) - 1):
        if cores[t].shape[2] != cores[t + 1].shape[0]:
            raise ShapeError(
                f"{name}: bond dimensions do not chain: core {t} has shape {cores[t].shape} "
                f"(right rank {cores[t].shape[2]}) but core {t + 1} has shape {cores[t + 1].shape} "
                f"(left rank {cores[t + 1].shape[0]})"
            )
    for t, a in enumerate(cores):
        if min(a.shape) < 1:
            raise ShapeError(f"{name}[{t}]: expected non-empty dimensions, got shape {a.shape}")
    return cores


def _check_length(length: Any) -> int:
    return check_int(length, "length", minimum=1)


def _is_exact_cores(cores: list[np.ndarray]) -> bool:
    return all(is_exact_array(c) for c in cores)


# ---------------------------------------------------------------------------
# Feature maps
# ---------------------------------------------------------------------------


def monomial_exponents(input_dim: int, degree: int) -> list[tuple[int, ...]]:
    """Exponent vectors of the monomials of total degree ``<= degree`` in ``input_dim`` variables.

    Ordered by total degree, then lexicographically by the variables used
    (so degree 1 gives ``[1; x]``).  There are ``binom(input_dim + degree, degree)``.

    Examples
    --------
    >>> monomial_exponents(2, 2)
    [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]
    """
    input_dim = check_int(input_dim, "input_dim", minimum=1)
    degree = check_int(degree, "degree", minimum=0)
    out = []
    for k in range(int(degree) + 1):
        for combo in combinations_with_replacement(range(int(input_dim)), k):
            e = [0] * int(input_dim)
            for j in combo:
                e[j] += 1
            out.append(tuple(e))
    return out


def polynomial_degrees(depth: int, length: int) -> tuple[int, ...]:
    """Per-position degree bounds ``D_t = binom(T - t + L - 1, L - 1)``, t = 1..T (T4).

    Examples
    --------
    >>> polynomial_degrees(2, 4)
    (4, 3, 2, 1)
    >>> polynomial_degrees(1, 3)
    (1, 1, 1)
    """
    T = _check_length(length)
    depth = check_int(depth, "depth", minimum=1)
    return tuple(math.comb(T - t + int(depth) - 1, int(depth) - 1) for t in range(1, T + 1))


def _features(x: np.ndarray, exponents: list[tuple[int, ...]], exact: bool) -> np.ndarray:
    one = Fraction(1) if exact else 1.0
    out = []
    for e in exponents:
        v = one
        for xi, k in zip(x, e, strict=True):
            if k:
                v = v * xi**k
        out.append(v)
    return np.array(out, dtype=object if exact else np.float64)


def _degree_from_dim(input_dim: int, dim: int, t: int) -> int:
    D = 0
    while math.comb(input_dim + D, D) < dim:
        D += 1
    if math.comb(input_dim + D, D) != dim:
        raise ShapeError(
            f"x: a polynomial feature map in {input_dim} variables has dimension binom({input_dim}+D, D), "
            f"but core {t} has physical dimension {dim}"
        )
    return D


# ---------------------------------------------------------------------------
# Building TTs from models
# ---------------------------------------------------------------------------


def _select_output(stack: Stack, output: int) -> Stack:
    if isinstance(output, bool) or not isinstance(output, int | np.integer) or not 0 <= output < stack.output_dim:
        raise ShapeError(f"output: expected an index in 0..{stack.output_dim - 1}, got {output!r}")
    if stack.output_dim == 1:
        return stack
    c = None if stack.c is None else stack.c[output : output + 1]
    return Stack(stack.layers, stack.C[output : output + 1], c)


def _boundary_cores(initial: np.ndarray, mids: Sequence[np.ndarray], final: np.ndarray) -> list[np.ndarray]:
    """Absorb the initial and final vectors into the first and last cores."""
    cores = [np.asarray(c) for c in mids]
    first = np.tensordot(initial, cores[0], axes=(0, 0))  # (d, r_1)
    cores[0] = first[None, :, :]
    last = np.tensordot(cores[-1], final, axes=(2, 0))  # (r_{T-1}, d)
    cores[-1] = last[:, :, None]
    return cores


def _wfa_cores(wfa: WFA, T: int) -> list[np.ndarray]:
    exact = wfa.is_exact
    conv = to_exact_array if exact else to_float_array
    A = conv(wfa.A)
    return _boundary_cores(conv(wfa.alpha), [A] * T, conv(wfa.omega))


def _one_hot_cores(model: Stack | WFA, T: int, max_entries: int | None = None) -> list[np.ndarray]:
    if isinstance(model, WFA):
        return _wfa_cores(model, T)
    if model.depth == 1:
        return _wfa_cores(to_wfa(model), T)
    rep = lift(model, T, max_entries=max_entries)  # the lifted states (docs: theory/t5): level cores of the slice
    return _boundary_cores(rep.initial, list(rep.cores), rep.final)


def _affine_cores(stack: Stack, T: int) -> list[np.ndarray]:
    aug = augment(stack)
    layer = aug.layers[0]
    conv = to_exact_array if stack.is_exact else to_float_array
    Ah = conv(layer.A)
    return _boundary_cores(conv(layer.h0), [Ah] * T, conv(aug.C)[0])


def _point_stack(stack: Stack, points: list[tuple[int, ...]], exact: bool) -> Stack:
    """The stack whose first layer reads one-hot symbol s as the real input p_s."""
    layer = stack.layers[0]
    conv = to_exact_array if exact else to_float_array
    P = np.array([[Fraction(v) if exact else float(v) for v in p] for p in points], dtype=object if exact else float)
    P = P.T  # (m, K): column s is p_s
    A = None if layer.A is None else np.tensordot(conv(layer.A), P, axes=(1, 0)).transpose(0, 2, 1)
    U = None if layer.U is None else conv(layer.U) @ P
    new = Linear2RNNLayer(
        A=A, U=U, V=layer.V, b=layer.b, h0=layer.h0, input_dim=len(points)
    )
    return Stack((new,) + tuple(stack.layers[1:]), stack.C, stack.c)


def _inverse_vandermonde(exponents: list[tuple[int, ...]], exact: bool) -> np.ndarray:
    """Inverse of V[i, k] = p_i^{e_k} with the points p_i = e_i (principal lattice)."""
    N = len(exponents)
    V = np.empty((N, N), dtype=object)
    for i, p in enumerate(exponents):
        for k, e in enumerate(exponents):
            v = Fraction(1)
            for pj, ej in zip(p, e, strict=True):
                v *= Fraction(pj) ** ej
            V[i, k] = v
    eye = np.empty((N, N), dtype=object)
    eye[...] = Fraction(0)
    for i in range(N):
        eye[i, i] = Fraction(1)
    inv = solve(V, eye)
    assert inv is not None  # a Vandermonde matrix on the principal lattice is invertible
    return inv if exact else to_float_array(inv)


def _polynomial_cores(stack: Stack, T: int, max_features: int, max_entries: int | None = None) -> list[np.ndarray]:
    exact = stack.is_exact
    m = stack.input_dim
    degrees = polynomial_degrees(stack.depth, T)
    size = math.comb(m + degrees[0], m)
    if size > max_features:
        raise SizeLimitError(
            f"feature_map: the polynomial feature map of position 1 has binom({m}+{degrees[0]}, {m}) = {size} "
            f"monomials (degree {degrees[0]} in {m} variables), above max_features={max_features}"
        )
    points = monomial_exponents(m, degrees[0])  # principal lattice, as integer points
    grid = _one_hot_cores(_point_stack(stack, points, exact), T, max_entries)
    cores = []
    inverses: dict[int, np.ndarray] = {}
    for t, core in enumerate(grid):
        D = degrees[t]
        N = math.comb(m + D, m)
        if D not in inverses:
            inverses[D] = _inverse_vandermonde(points[:N], exact)
        # Coefficients of mode t: W[k, i] = inverse Vandermonde on the points of degree <= D_t.
        sub = core[:, :N, :]
        cores.append(np.tensordot(sub, inverses[D], axes=(1, 1)).transpose(0, 2, 1))
    return cores


@deprecated_positional
def to_tensor_train(
    model: Stack | WFA,
    length: int,
    *,
    feature_map: str = "one_hot",
    output: int = 0,
    max_features: int = 10_000,
    max_entries: int | None = None,
) -> TTTensor:
    """The exact tensor train of the length-T slice of a model (:doc:`/guide/tt`).

    Parameters
    ----------
    model : Stack or WFA
        A WFA (one-hot only) or a linear (2)RNN stack.
    length : int
        The length T >= 1.
    feature_map : {"one_hot", "affine", "polynomial"}
        See the module documentation: one-hot symbols (WFA or any stack),
        ``[1; x]`` (depth-1 stack on real inputs), monomials of degree
        ``<= binom(T - t + L - 1, L - 1)`` at position t (any stack on real inputs).
    output : int
        Output coordinate of a multi-output stack.
    max_features : int
        Refuse polynomial feature maps with more monomials per position.
    max_entries : int, optional
        Budget of array entries of the lifted cores of a stack of depth >= 2 on
        one-hot inputs (default: that of :func:`rnnexpr.lifted.lift`, 2e6 exact,
        5e7 float).

    Returns
    -------
    tensorly.tt_tensor.TTTensor
        Cores ``(r_t, d_t, r_{t+1})``; exact object arrays of Fractions when the
        model is exact, float64 otherwise.  The value on a word (or input
        sequence) is given by :func:`tt_evaluate`.

    Raises
    ------
    ModelKindError
        For models other than WFAs and Stacks, a WFA with a real-input feature
        map, or the affine map on a stack deeper than 1.
    ValueError
        For an unknown feature map or a length < 1.
    SizeLimitError
        When the polynomial feature map has more than ``max_features`` monomials,
        or the lifted cores more than ``max_entries`` entries.

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> s = random_stack([2], input_dim=3, seed=0, exact=True)
    >>> tt = to_tensor_train(s, 4, feature_map="affine")
    >>> tt.rank, tt.shape
    ((1, 3, 3, 3, 1), (4, 4, 4, 4))
    >>> x = [[1, 0, 2], [0, 1, 1], ["1/2", 0, 0], [1, 1, 1]]
    >>> tt_evaluate(tt, x, feature_map="affine") == s.run(x, exact=True)[-1, 0]
    True
    """
    T = _check_length(length)
    feature_map = check_choice(feature_map, "feature_map", FEATURE_MAPS)
    if isinstance(model, WFA):
        if feature_map != "one_hot":
            raise ModelKindError(
                f"feature_map: a WFA reads symbols, so only 'one_hot' fits it, got {feature_map!r}"
            )
        return _tt_tensor(_wfa_cores(model, T))
    if not isinstance(model, Stack):
        raise ModelKindError(f"model: expected a WFA or a Stack, got {type(model).__name__}")
    stack = _select_output(model, output)
    if feature_map == "one_hot":
        cores = _one_hot_cores(stack, T, max_entries)
    elif feature_map == "affine":
        if stack.depth != 1:
            raise ModelKindError(
                f"feature_map: 'affine' ([1; x]) fits only depth-1 stacks (multilinear output), got depth "
                f"{stack.depth}; use feature_map='polynomial' (degrees from T4)"
            )
        cores = _affine_cores(stack, T)
    else:
        if stack.depth == 1:
            cores = _affine_cores(stack, T)  # D_t = 1: the monomials of degree <= 1 are [1; x]
        else:
            cores = _polynomial_cores(stack, T, max_features, max_entries)
    return _tt_tensor(cores)


# ---------------------------------------------------------------------------
# Evaluation and the full tensor (tests, small cases)
# ---------------------------------------------------------------------------


@deprecated_positional
def tt_evaluate(tt: Any, x: Any, *, feature_map: str = "one_hot") -> Any:
    """Value of a TT at one word (one-hot) or one real input sequence.

    Parameters
    ----------
    tt : TTTensor or sequence of cores
    x : sequence
        A word of T symbols for ``"one_hot"``; an array ``(T, m)`` of real inputs
        for ``"affine"`` (physical dimensions ``m + 1``) and ``"polynomial"``
        (physical dimensions ``binom(m + D_t, m)``, degrees read from the cores).
    feature_map : {"one_hot", "affine", "polynomial"}

    Returns
    -------
    float or Fraction
        Exact when the cores and inputs are exact.

    Raises
    ------
    ShapeError
        When the input length or dimension does not fit the cores.

    Examples
    --------
    >>> tt_evaluate([np.array([[[1.0], [2.0]]]), np.array([[[3.0], [5.0]]])], [1, 0])
    6.0
    """
    feature_map = check_choice(feature_map, "feature_map", FEATURE_MAPS)
    cores = tt_cores(tt)
    exact = _is_exact_cores(cores)
    T = len(cores)
    if feature_map == "one_hot":
        dims = {c.shape[1] for c in cores}
        word = check_word(x, min(dims), "x")
        if len(word) != T:
            raise ShapeError(f"x: expected a word of length {T} (the number of cores), got length {len(word)}")
        v = cores[0][0, word[0], :]
        for t in range(1, T):
            v = v @ cores[t][:, word[t], :]
        return _py(v[0])
    # Exact evaluation only when both the cores and the inputs are exact.
    arr = as_array(x, "x", ndim=2, exact=bool(exact and _all_exact_scalars(x)))
    if arr.shape[0] != T:
        raise ShapeError(f"x: expected {T} time steps (the number of cores), got shape {arr.shape}")
    m = arr.shape[1]
    exact_eval = exact and is_exact_array(arr)
    if not exact_eval:
        cores = [to_float_array(c) for c in cores]
        arr = to_float_array(arr)
    acc: np.ndarray | None = None
    for t in range(T):
        dim = cores[t].shape[1]
        if feature_map == "affine":
            if dim != m + 1:
                raise ShapeError(
                    f"x: the affine feature map [1; x] of an input of dimension {m} has dimension {m + 1}, "
                    f"but core {t} has physical dimension {dim}"
                )
            D = 1
        else:
            D = _degree_from_dim(m, dim, t)
        phi = _features(arr[t], monomial_exponents(m, D), exact_eval)
        mat = np.tensordot(cores[t], phi, axes=(1, 0))  # (r_t, r_{t+1})
        acc = mat[0] if acc is None else acc @ mat
    assert acc is not None  # T >= 1: tt_cores refuses an empty list of cores
    return _py(acc[0])


def _py(v: Any) -> Any:
    """Plain Python scalars: float, or Fraction for exact values."""
    if isinstance(v, Fraction):
        return v
    if isinstance(v, int):
        return Fraction(v)
    return float(v)


def _all_exact_scalars(x: Any) -> bool:
    from .numbers import is_exact_scalar

    if isinstance(x, np.ndarray):
        return x.dtype.kind in "iu" or (x.dtype == object and all(is_exact_scalar(v) for v in x.ravel()))
    if isinstance(x, list | tuple):
        return all(_all_exact_scalars(v) for v in x)
    return is_exact_scalar(x)


@deprecated_positional
def tt_to_full(tt: Any, *, max_entries: int = 10**7) -> np.ndarray:
    """The full tensor of a TT (for tests and baselines), refused above a size budget.

    Parameters
    ----------
    tt : TTTensor or sequence of cores
    max_entries : int
        Largest number of entries (of the result, and of any intermediate) allowed.

    Returns
    -------
    numpy.ndarray
        Shape ``(d_1, ..., d_T)``; exact when the cores are.

    Raises
    ------
    SizeLimitError
        When the tensor (or an intermediate) would exceed ``max_entries``.

    Examples
    --------
    >>> tt_to_full([np.ones((1, 2, 1)), np.ones((1, 3, 1))]).shape
    (2, 3)
    >>> tt_to_full([np.ones((1, 2, 1))] * 40)
    Traceback (most recent call last):
    ...
    rnnexpr.errors.SizeLimitError: tt: the full tensor of shape (2, 2, ..., 2) (40 modes) has 1099511627776 entries, above max_entries=10000000
    """
    cores = tt_cores(tt)
    dims = [c.shape[1] for c in cores]
    total = math.prod(dims)
    inter = max(math.prod(dims[: t + 1]) * cores[t].shape[2] for t in range(len(cores)))
    if max(total, inter) > max_entries:
        shape = f"({', '.join(map(str, dims))})" if len(dims) <= 8 else f"({dims[0]}, {dims[1]}, ..., {dims[-1]})"
        raise SizeLimitError(
            f"tt: the full tensor of shape {shape} ({len(dims)} modes) has {max(total, inter)} entries, "
            f"above max_entries={max_entries}"
        )
    out = cores[0].reshape(dims[0], -1)
    for t in range(1, len(cores)):
        r, d, r2 = cores[t].shape
        out = (out @ cores[t].reshape(r, d * r2)).reshape(-1, r2)
    return out.reshape(dims)


# ---------------------------------------------------------------------------
# TT rounding: ranks and compression
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TTRanks:
    """TT ranks of a tensor train, with how they were obtained.

    Attributes
    ----------
    ranks : tuple of int
        ``(1, r_1, ..., r_{T-1}, 1)``: ``r_t`` is the rank of the t-th unfolding
        (rows indexed by the first t modes); internal ranks are 0 for the zero tensor.
    exact : bool
        True when computed over Q (a proof); False for numerical ranks.
    method : str
        ``"exact-flint"``/``"exact-sympy"`` or ``"svd"``.
    rtol : float or None
        Numerical only: singular values ``<= rtol * ||F||_F`` count as zero.
    singular_values : tuple of numpy.ndarray or None
        Numerical only: singular values of each internal unfolding, relative to ``||F||_F``.
    gaps : tuple of float or None
        Numerical only: ``sigma_r / sigma_{r+1}`` per internal bond (``inf`` when
        nothing was cut).
    log_norm : float or None
        Numerical only: natural log of ``||F||_F`` (``-inf`` for the zero tensor).

    Examples
    --------
    >>> from rnnexpr.models import random_wfa
    >>> tt = to_tensor_train(random_wfa(3, 2, seed=0, exact=True), length=6)
    >>> r = tt_ranks(tt, exact=True)
    >>> r.ranks, r.max_rank, r.exact, r.gaps
    ((1, 2, 3, 3, 3, 2, 1), 3, True, None)
    >>> f = tt_ranks(tt, method="numerical")
    >>> f.ranks == r.ranks, f.exact, f.method, f.min_gap > 1e6
    (True, False, 'svd', True)
    """

    ranks: tuple[int, ...]
    exact: bool
    method: str
    rtol: float | None = None
    singular_values: tuple[np.ndarray, ...] | None = field(default=None, repr=False)
    gaps: tuple[float, ...] | None = None
    log_norm: float | None = None

    @property
    def max_rank(self) -> int:
        """The largest rank."""
        return max(self.ranks)

    @property
    def min_gap(self) -> float | None:
        """Smallest singular-value gap over the bonds (numerical only)."""
        return None if self.gaps is None else min(self.gaps, default=math.inf)

    def describe(self) -> str:
        """One line: the ranks and how they were obtained."""
        if self.exact:
            return f"TT ranks {list(self.ranks)} (exact over Q, {self.method})"
        return f"TT ranks {list(self.ranks)} (numerical, rtol={self.rtol:.1e}, min gap={self.min_gap:.2e})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-serializable dictionary (infinite gaps become ``"inf"``)."""

        def fl(v: float) -> Any:
            return v if math.isfinite(v) else ("inf" if v > 0 else "-inf")

        return {
            "ranks": list(self.ranks),
            "exact": self.exact,
            "method": self.method,
            "rtol": self.rtol,
            "gaps": None if self.gaps is None else [fl(g) for g in self.gaps],
            "log_norm": None if self.log_norm is None else fl(self.log_norm),
            "singular_values": None
            if self.singular_values is None
            else [s.tolist() for s in self.singular_values],
        }


#: Unfoldings up to this many entries are factored with one BLAS thread (see :func:`_blas_for`).
_SMALL_UNFOLDING = 1 << 20


def _blas_for(cores: Sequence[np.ndarray]) -> Any:
    """One BLAS thread around sweeps whose unfoldings are all small, the library default otherwise.

    The sweeps factor thousands of small matrices (``r d x r``) one after the other:
    a threaded BLAS only adds synchronization there, and when other processes hold
    the cores, every QR waits for a descheduled thread (measured: 6 s with one
    thread, 150 s with the default two under load).  Large unfoldings keep the
    default, where threads help.
    """
    largest = max((c.shape[0] * c.shape[1] * c.shape[2] for c in cores), default=0)
    if largest > _SMALL_UNFOLDING:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _left_orthogonalize(cores: list[np.ndarray]) -> tuple[list[np.ndarray], float]:
    """QR sweep left to right; the norm is kept as a log factor so long trains never overflow.

    Returns cores whose first T-1 left unfoldings have orthonormal columns and
    whose last core has unit Frobenius norm, with ``log ||F||_F``.
    """
    with _blas_for(cores):
        return _left_orthogonalize_sweep(cores)


def _left_orthogonalize_sweep(cores: list[np.ndarray]) -> tuple[list[np.ndarray], float]:
    cores = [np.array(c, dtype=np.float64) for c in cores]
    log_norm = 0.0
    for t in range(len(cores) - 1):
        r, d, r2 = cores[t].shape
        Q, R = np.linalg.qr(cores[t].reshape(r * d, r2))
        scale = float(np.linalg.norm(R))
        if scale == 0.0:
            return [np.zeros((1, c.shape[1], 1)) for c in cores], -math.inf
        R = R / scale
        log_norm += math.log(scale)
        cores[t] = Q.reshape(r, d, Q.shape[1])
        cores[t + 1] = np.tensordot(R, cores[t + 1], axes=(1, 0))
    scale = float(np.linalg.norm(cores[-1]))
    if scale == 0.0:
        return [np.zeros((1, c.shape[1], 1)) for c in cores], -math.inf
    cores[-1] = cores[-1] / scale
    return cores, log_norm + math.log(scale)


def _right_truncate(
    cores: list[np.ndarray], cut: Any
) -> tuple[list[np.ndarray], list[np.ndarray], list[int]]:
    """SVD sweep right to left on left-orthogonal cores; ``cut(t, s)`` picks the kept rank."""
    with _blas_for(cores):
        return _right_truncate_sweep(cores, cut)


def _right_truncate_sweep(
    cores: list[np.ndarray], cut: Any
) -> tuple[list[np.ndarray], list[np.ndarray], list[int]]:
    cores = list(cores)
    svals, kept = [], []
    for t in range(len(cores) - 1, 0, -1):
        r, d, r2 = cores[t].shape
        U, s, Vt = np.linalg.svd(cores[t].reshape(r, d * r2), full_matrices=False)
        rank = int(cut(t, s))
        k = max(rank, 1)  # keep one (zero) direction so cores stay well-formed
        svals.append(s)
        kept.append(rank)
        cores[t] = Vt[:k].reshape(k, d, r2)
        cores[t - 1] = np.tensordot(cores[t - 1], U[:, :k] * s[:k], axes=(2, 0))
    return cores, svals[::-1], kept[::-1]


def _exact_sweep(cores: list[np.ndarray]) -> tuple[list[np.ndarray], list[int]]:
    """Exact minimal TT by rank factorizations over Q (row reduction), no orthogonality needed.

    Left to right, ``M = B C`` with B the pivot columns (full column rank) makes
    every left interface injective; right to left, ``M = B C`` with C the
    independent rows (full row rank) makes every right interface surjective, so
    each new bond dimension is the rank of the corresponding unfolding.
    """
    cores = [to_exact_array(c) for c in cores]
    T = len(cores)
    for t in range(T - 1):
        r, d, r2 = cores[t].shape
        M = cores[t].reshape(r * d, r2)
        R, piv = rref(M)
        k = len(piv)
        if k == 0:
            return _zero_exact(cores), [0] * (T - 1)
        B, C = M[:, list(piv)], R[:k]
        cores[t] = np.ascontiguousarray(B).reshape(r, d, k)
        nr, nd, nr2 = cores[t + 1].shape
        cores[t + 1] = exact_matmul(np.ascontiguousarray(C), cores[t + 1].reshape(nr, nd * nr2)).reshape(k, nd, nr2)
    ranks = []
    for t in range(T - 1, 0, -1):
        r, d, r2 = cores[t].shape
        M = cores[t].reshape(r, d * r2)
        R, piv = rref(M.T)  # pivots = independent rows of M
        k = len(piv)
        if k == 0:
            return _zero_exact(cores), [0] * (T - 1)
        C = M[list(piv), :]
        B = np.ascontiguousarray(R[:k].T)  # M = B C
        cores[t] = np.ascontiguousarray(C).reshape(k, d, r2)
        pr, pd, pr2 = cores[t - 1].shape
        cores[t - 1] = exact_matmul(cores[t - 1].reshape(pr * pd, pr2), B).reshape(pr, pd, k)
        ranks.append(k)
    return cores, ranks[::-1]


def _zero_exact(cores: list[np.ndarray]) -> list[np.ndarray]:
    return [zeros((1, c.shape[1], 1), True) for c in cores]


@deprecated_positional
def tt_ranks(tt: Any, *, exact: bool | None = None, rtol: float | None = None, warn: bool = True,
             method: str | None = None) -> TTRanks:
    """The true (minimal) TT ranks of a tensor train by TT rounding, never the full tensor.

    Float: QR sweep left to right, then SVD sweep right to left; the singular
    values at bond t are those of the t-th unfolding of the full tensor.  Exact:
    the same two sweeps with rank factorizations over Q (row reduction).  Cost
    ``O(T d r^3)`` for ranks r.  Unlike tensorly's ``tensor_train``, which reports
    its rank cap, this reports the ranks of the unfoldings.

    Parameters
    ----------
    tt : TTTensor or sequence of cores
    exact : bool, optional
        True means ``method="exact"``: ranks over Q (float cores are taken at their
        exact binary value); False means ``method="numerical"``.
    rtol : float, optional
        Numerical only: singular values ``<= rtol * ||F||_F`` count as zero.
        Default ``T * max(r_t d_t, d_t r_{t+1}) * eps``, the rounding error of the sweep.
    warn : bool
        Numerical only: warn (:class:`~rnnexpr.errors.NumericalRankWarning`) when a
        bond's singular-value gap is below 1e3, or when a discarded singular value
        is within a factor 100 of the tolerance.
    method : {"exact", "numerical"}, optional
        By the rule of :doc:`/guide/exact`: exact for exact cores (all rational),
        numerical for float ones; conflicting with ``exact`` raises
        :class:`~rnnexpr.errors.ConflictingArgumentsError`.  The numerical sweep
        first divides each core by a power of two (exactly; the factors go into
        ``log_norm``), so cores with entries of 1e308 or 1e-300 get the ranks of
        their rescaled copy.

    Returns
    -------
    TTRanks

    Raises
    ------
    ShapeError
        When the cores do not chain.

    See Also
    --------
    to_tensor_train : the tensor train of a model's values at a fixed length.
    tt_round : a lower-rank approximation with a stated error bound.
    rnnexpr.hankel.hankel_rank : the Hankel rank, an upper bound on every TT rank under one-hot inputs.

    Examples
    --------
    >>> from rnnexpr.models import random_wfa
    >>> tt = to_tensor_train(random_wfa(4, 2, seed=1), length=8)
    >>> tt.rank
    (1, 4, 4, 4, 4, 4, 4, 4, 1)
    >>> tt_ranks(tt).ranks
    (1, 2, 4, 4, 4, 4, 4, 2, 1)
    """
    given = tt_cores(tt)
    method = resolve_method(_is_exact_cores(given), method, exact, methods=("exact", "numerical"))
    if method == "exact":
        cores = tt_cores(tt, exact=True)
        _, inner = _exact_sweep(cores)
        return TTRanks((1, *inner, 1), True, f"exact-{exact_backend()}")
    cores = tt_cores(tt, exact=False)
    T = len(cores)
    if rtol is None:
        rtol = T * max(max(c.shape[0] * c.shape[1], c.shape[1] * c.shape[2]) for c in cores) * _EPS
    if isinstance(rtol, bool) or not (isinstance(rtol, int | float) and math.isfinite(rtol) and rtol >= 0):
        raise InvalidArgumentError(f"rtol: expected a finite non-negative number, got {rtol!r}")
    # Power-of-two scaling of each core (exact): no overflow or underflow in the sweep.
    log_scale = 0.0
    scaled = []
    for c in cores:
        m = float(np.max(np.abs(c)))
        e = math.floor(math.log2(m)) if m > 0 else 0
        scaled.append(c / 2.0**e if e else c)
        log_scale += e * math.log(2.0)
    ortho, log_norm = _left_orthogonalize(scaled)
    log_norm = log_norm + log_scale if log_norm != -math.inf else log_norm
    if log_norm == -math.inf:
        empty = tuple(np.zeros(0) for _ in range(T - 1))
        return TTRanks((1, *[0] * (T - 1), 1), False, "svd", float(rtol), empty, (math.inf,) * (T - 1), -math.inf)
    _, svals, inner = _right_truncate(ortho, lambda t, s: int(np.sum(s > rtol)))
    gaps = []
    for s, k in zip(svals, inner, strict=True):
        if 0 < k < len(s):
            gaps.append(float(s[k - 1] / s[k]) if s[k] > 0 else math.inf)
        else:
            gaps.append(math.inf)
    if warn and gaps and min(gaps) < 1e3:
        t = int(np.argmin(gaps)) + 1
        warnings.warn(
            f"TT rank {inner[t - 1]} at bond {t} has an unclear singular-value gap {min(gaps):.2e} (< 1e3) at "
            f"rtol {rtol:.1e}; use exact=True for a proof",
            NumericalRankWarning,
            stacklevel=user_stacklevel(),
        )
    elif warn and rtol > 0:
        near = [(t + 1, float(sv[k])) for t, (sv, k) in enumerate(zip(svals, inner, strict=True))
                if k < len(sv) and sv[k] > rtol / 100]
        if near:
            t, v = max(near, key=lambda x: x[1])
            warnings.warn(
                f"TT rank {inner[t - 1]} at bond {t} discarded a singular value {v:.2e} (relative) within a factor "
                f"100 of rtol {rtol:.1e}; the rank may be too low: use exact=True for a proof",
                NumericalRankWarning,
                stacklevel=user_stacklevel(),
            )
    return TTRanks((1, *inner, 1), False, "svd", float(rtol), tuple(svals), tuple(gaps), log_norm)


@dataclass(frozen=True)
class TTRounding:
    """Result of :func:`tt_round`: the compressed TT and the error bound it guarantees.

    Unpacks as ``tt, error_bound = tt_round(...)``.

    Attributes
    ----------
    tt : TTTensor
        The compressed tensor train.
    error_bound : float
        ``sqrt(sum of discarded squared singular values)``: a guaranteed upper
        bound on ``||F - F_rounded||_F`` (up to float rounding of the sweep, of
        order ``T eps ||F||``).
    relative_error_bound : float
        ``error_bound / ||F||_F`` (0 for the zero tensor).
    ranks : tuple of int
        Ranks of the compressed TT.
    exact : bool
        True when the rounding was exact (rational cores, ``tol = 0``).

    Examples
    --------
    >>> from rnnexpr.models import random_wfa
    >>> tt = to_tensor_train(random_wfa(3, 2, seed=0, exact=True), length=6)
    >>> r = tt_round(tt, 0)
    >>> r.ranks, r.exact, r.error_bound
    ((1, 2, 3, 3, 3, 2, 1), True, 0.0)
    >>> capped = tt_round(tt, 1e-3, relative=True, max_rank=2)
    >>> capped.ranks, capped.exact, capped.error_bound > 0
    ((1, 2, 2, 2, 2, 2, 1), False, True)
    >>> small, bound = capped
    >>> err = np.linalg.norm(tt_to_full(small) - tt_to_full(tt))
    >>> bool(err <= bound * (1 + 1e-9))
    True
    """

    tt: TTTensor
    error_bound: float
    relative_error_bound: float
    ranks: tuple[int, ...]
    exact: bool = False

    def __iter__(self):
        return iter((self.tt, self.error_bound))


@deprecated_positional
def tt_round(
    tt: Any,
    tol: float,
    *,
    relative: bool = False,
    max_rank: int | None = None,
) -> TTRounding:
    """Compress a TT by TT rounding, with the Frobenius error bound it guarantees.

    After a left-to-right QR sweep, the right-to-left SVD sweep truncates bond t
    to the smallest rank whose discarded singular values have
    ``sqrt(sum sigma^2) <= tol / sqrt(T - 1)`` (Oseledets 2011), so the total
    error is at most ``sqrt(sum over bonds of discarded sigma^2) <= tol``.  With
    exact (rational) cores and ``tol = 0`` the rounding is exact (row reduction
    over Q) and returns a minimal exact TT.

    Parameters
    ----------
    tt : TTTensor or sequence of cores
    tol : float
        Frobenius error budget (absolute, or relative to ``||F||_F`` when ``relative``).
    relative : bool
        Interpret ``tol`` relative to the norm of the tensor.
    max_rank : int, optional
        Cap every rank (the reported bound then includes what the cap discards).

    Returns
    -------
    TTRounding
        ``(tt, error_bound)`` with ranks and the relative bound.

    Raises
    ------
    ValueError
        On a negative or non-finite tolerance or a non-positive ``max_rank``.

    Examples
    --------
    >>> from rnnexpr.models import random_wfa
    >>> tt = to_tensor_train(random_wfa(4, 2, seed=1), length=8)
    >>> small, bound = tt_round(tt, 1e-3, relative=True)
    >>> err = np.linalg.norm(tt_to_full(small) - tt_to_full(tt)) / np.linalg.norm(tt_to_full(tt))
    >>> bool(err <= 1e-3), bool(err <= tt_round(tt, 1e-3, relative=True).relative_error_bound + 1e-12)
    (True, True)
    """
    if isinstance(tol, bool) or not isinstance(tol, int | float | np.floating | Fraction) or not (
        math.isfinite(float(tol)) and tol >= 0
    ):
        raise InvalidArgumentError(f"tol: expected a finite non-negative number, got {tol!r}")
    if max_rank is not None and (isinstance(max_rank, bool) or not isinstance(max_rank, int) or max_rank < 1):
        raise InvalidArgumentError(f"max_rank: expected a positive integer or None, got {max_rank!r}")
    src = tt_cores(tt)
    T = len(src)
    if tol == 0 and max_rank is None and _is_exact_cores(src):
        cores, inner = _exact_sweep(src)
        return TTRounding(_tt_tensor(cores), 0.0, 0.0, (1, *[max(k, 1) for k in inner], 1), exact=True)
    cores = [to_float_array(c) for c in src]
    ortho, log_norm = _left_orthogonalize(cores)
    if log_norm == -math.inf:
        return TTRounding(_tt_tensor(ortho), 0.0, 0.0, (1,) * (T + 1))
    # Work relative to ||F||: the sweep normalized the tensor.
    if relative or tol == 0:
        budget = float(tol)
    else:
        budget = math.exp(min(math.log(float(tol)) - log_norm, 700.0))
    delta = budget / math.sqrt(T - 1) if T > 1 else 0.0
    discarded = []

    def cut(t: int, s: np.ndarray) -> int:
        # Smallest k with sqrt(sum_{i >= k} s_i^2) <= delta, then the cap.
        tails = np.sqrt(np.cumsum((s**2)[::-1]))[::-1]  # tails[k] = ||s[k:]||
        k = next((i for i in range(len(s)) if tails[i] <= delta), len(s))
        if max_rank is not None:
            k = min(k, max_rank)
        return k

    out, svals, inner = _right_truncate(ortho, cut)
    for s, k in zip(svals, inner, strict=True):
        discarded.append(float(np.sum(s[k:] ** 2)))
    rel = math.sqrt(sum(discarded))
    # Spread the norm evenly over the cores: no overflow for long trains.
    per_core = math.exp(log_norm / T)
    out = [c * per_core for c in out]
    bound = rel * math.exp(log_norm) if log_norm < 709 else math.inf
    ranks = (1, *[c.shape[2] for c in out[:-1]], 1)
    return TTRounding(_tt_tensor(out), bound, rel, ranks)
