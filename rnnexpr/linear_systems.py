"""Linear RNN stacks on real inputs as linear time-invariant systems (:doc:`/theory/t1`, :doc:`/theory/t2`).

A stack of linear RNN layers is one block-lower-triangular system on the joint
state ``x_t = [h^(1)_t; ...; h^(L)_t]`` (the T1 construction, :func:`joint_system`)::

    x_t = V x_{t-1} + U u_t + b,    y_t = C x_t + c,    x_0 = h0.

:class:`LinearSystem` holds ``(V, U, b, C, c, h0)``.  Its input-output map from
zero initial state and without bias is given by the Markov parameters
``M_j = C V^j U``; the rank of their Hankel matrix is the McMillan degree (the
minimal width of one linear RNN layer with the same map), and a minimal
realization follows by Kalman reduction.  Two stacks agree on every real input
sequence iff their first ``n + n'`` Markov parameters agree and their free
responses (zero input, from ``h_0`` with the biases) agree for
``t = 1..n + n' + 2`` (Cayley-Hamilton).

Exact or numerical (the rule of :doc:`/guide/exact`): exact systems get exact
answers by default (rank over Q of the block Hankel matrix; Kalman reduction by
row reduction over Q), float systems numerical ones.  The numerical McMillan degree
and minimal realization are computed the way control engineers do it (as
SLICOT's ``TB01PD``): the realization is first scaled (powers of two, so
exactly) and balanced by a diagonal similarity (least squares on the logarithms
of its entries), then reduced by the orthogonal controllability and
observability staircases, with the tolerance ``n^2 eps max(||V||_F, ||U||_F)``
(respectively ``||C||_F``) of the balanced system; the degree is never above the
state dimension.  A doubtful rank decision is recomputed in extended precision
(where numpy's long double has it), and the doubt is lifted when that second
computation finds the same degree without a doubt of its own.  The reduced
system is then checked: by the PBH test at its eigenvectors (it must not be nearly
uncontrollable or unobservable) and by its Markov parameters against the
original ones on ``2n`` terms.  A :class:`~rnnexpr.errors.NumericalRankWarning`
is raised when a check fails or a rank decision stays unclear.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from .errors import InvalidArgumentError, ModelKindError, NumericalRankWarning, ShapeError
from .exact import RankResult, independent_rows, matrix_rank, solve
from .models import DepthwiseStack, LinearRNNLayer, Stack
from .numbers import as_array, is_exact_array, to_exact_array, to_float_array, zeros
from .results import EquivalenceResult
from .validation import check_bool, check_int, check_tolerance, deprecated_positional, renamed_parameter, resolve_method, user_stacklevel
from .wfa import DEFAULT_RTOL

__all__ = [
    "LinearSystem",
    "joint_system",
    "markov_parameters",
    "mcmillan_degree",
    "minimal_realization",
    "equivalent",
    "GAP_WARNING",
]

#: A numerical rank decision is clear when its singular-value gap (smallest kept
#: over largest discarded, relative to the scale) is at least this.
GAP_WARNING = 1e3

_EPS = float(np.finfo(np.float64).eps)
#: The widest float type numpy has here (80-bit extended on x86; float64 where long double is double).
_WIDE = np.longdouble
#: Kept singular values below this (relative to the balanced system's scale) are
#: too small to be told from rounding in the data (about sqrt(eps)): their rank
#: decision is reported as unclear.
_WEAK = math.sqrt(_EPS)
_METHODS = ("exact", "modular", "numerical")
#: True when numpy's long double has more precision than float64 (80-bit x87 on x86; not on
#: platforms where it is float64): only then is the extended-precision second opinion computed.
_HAS_WIDE = float(np.finfo(_WIDE).eps) <= _EPS / 256
#: Most one-sided Jacobi sweeps per staircase block (started from float64 singular vectors, one
#: or two suffice).
_JACOBI_SWEEPS = 30
_REALIZATION_METHODS = ("exact", "numerical")


# ---------------------------------------------------------------------------
# The system
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LinearSystem:
    """A discrete-time linear system ``x_t = V x_{t-1} + U u_t + b``, ``y_t = C x_t + c``, ``x_0 = h0``.

    The state space of a stack of linear RNN layers (:func:`joint_system`), or of
    one layer.  Immutable; the arrays are exact (object arrays of
    :class:`~fractions.Fraction`) when every given entry is exact, else float64.

    Parameters
    ----------
    V : array_like
        Shape ``(n, n)``.
    U : array_like
        Shape ``(n, d)``.
    b : array_like, optional
        Shape ``(n,)``; zero when omitted.
    C : array_like
        Shape ``(p, n)``.
    c : array_like, optional
        Shape ``(p,)``; zero when omitted.
    h0 : array_like, optional
        Shape ``(n,)``; zero when omitted.

    Attributes
    ----------
    V, U, b, C, c, h0 : numpy.ndarray
        The (read-only) arrays.
    state_dim, input_dim, output_dim : int
        ``n``, ``d``, ``p``.
    is_exact : bool

    See Also
    --------
    joint_system : the system of a stack.
    markov_parameters, mcmillan_degree, minimal_realization

    Examples
    --------
    >>> s = LinearSystem(V=[[0, 0], [1, 0]], U=[[1], [0]], C=[[0, 1]])   # y_t = u_{t-1}
    >>> s.state_dim, s.is_exact, s.markov_parameters(3).ravel().tolist()
    (2, True, [Fraction(0, 1), Fraction(1, 1), Fraction(0, 1)])
    >>> int(s.mcmillan_degree())
    2
    """

    V: Any
    U: Any
    b: Any = None
    C: Any = None
    c: Any = None
    h0: Any = None

    def __post_init__(self) -> None:
        given = {k: getattr(self, k) for k in ("V", "U", "b", "C", "c", "h0")}
        for k, what in (("V", "a square recurrence matrix (n, n)"), ("U", "an input matrix (n, d)"),
                        ("C", "a readout matrix (p, n)")):
            if given[k] is None:
                raise ShapeError(f"{k}: expected {what}, got None")
        ndims = {"V": 2, "U": 2, "b": 1, "C": 2, "c": 1, "h0": 1}
        arrays = {k: as_array(v, k, ndim=ndims[k]) for k, v in given.items() if v is not None}
        exact = all(is_exact_array(a) for a in arrays.values())
        conv = to_exact_array if exact else to_float_array
        arrays = {k: conv(a) for k, a in arrays.items()}
        V = arrays["V"]
        n = V.shape[0]
        if V.shape != (n, n):
            raise ShapeError(f"V: expected a square matrix, got shape {V.shape}")
        if arrays["U"].shape[0] != n:
            raise ShapeError(f"U: expected {n} rows like V, got shape {arrays['U'].shape}")
        if arrays["C"].shape[1] != n:
            raise ShapeError(f"C: expected {n} columns like V, got shape {arrays['C'].shape}")
        p = arrays["C"].shape[0]
        for k, size in (("b", n), ("h0", n), ("c", p)):
            if k not in arrays:
                arrays[k] = zeros((size,), exact)
            elif arrays[k].shape != (size,):
                raise ShapeError(f"{k}: expected shape ({size},), got {arrays[k].shape}")
        for k, a in arrays.items():
            a = np.array(a, dtype=object if exact else np.float64)
            a.setflags(write=False)
            object.__setattr__(self, k, a)

    @property
    def state_dim(self) -> int:
        """``n``, the dimension of the state."""
        return int(self.V.shape[0])

    @property
    def input_dim(self) -> int:
        """``d``, the dimension of the input."""
        return int(self.U.shape[1])

    @property
    def output_dim(self) -> int:
        """``p``, the dimension of the output."""
        return int(self.C.shape[0])

    @property
    def is_exact(self) -> bool:
        """True when the arrays hold exact rationals."""
        return is_exact_array(self.V)

    def to_exact(self) -> LinearSystem:
        """The same system with exact entries (floats taken at their binary value)."""
        return self if self.is_exact else LinearSystem(*(to_exact_array(a) for a in self._arrays()))

    def to_float(self) -> LinearSystem:
        """The same system with float64 entries."""
        return self if not self.is_exact else LinearSystem(*(to_float_array(a) for a in self._arrays()))

    def _arrays(self) -> tuple[np.ndarray, ...]:
        return (self.V, self.U, self.b, self.C, self.c, self.h0)

    def markov_parameters(self, count: int) -> np.ndarray:
        """The first ``count`` Markov parameters ``M_j = C V^j U``, shape ``(count, p, d)``.

        Examples
        --------
        >>> LinearSystem(V=[[2]], U=[[1]], C=[[3]]).markov_parameters(3).ravel().tolist()
        [Fraction(3, 1), Fraction(6, 1), Fraction(12, 1)]
        """
        count = check_int(count, "count", minimum=0)
        out = np.empty((count, self.output_dim, self.input_dim), dtype=self.V.dtype)
        X = self.U
        for j in range(count):
            out[j] = self.C @ X
            if j + 1 < count:
                X = self.V @ X
        return out

    def mcmillan_degree(
        self, *, method: str | None = None, exact: bool | None = None, rtol: float | None = None,
        warn: bool = True, gap_warning: float = GAP_WARNING,
    ) -> RankResult:
        """The McMillan degree of ``u -> y`` (zero initial state, no bias); see :func:`mcmillan_degree`.

        Examples
        --------
        >>> LinearSystem(V=[[1, 0], [0, 1]], U=[[1], [1]], C=[[1, 1]]).mcmillan_degree().rank
        1
        """
        method = resolve_method(self.is_exact, method, exact, methods=_METHODS)
        n = self.state_dim
        if method == "numerical":
            red = _numerical_reduction(self, rtol, gap_warning)
            _maybe_warn(red, warn, "McMillan degree")
            return red.result
        # resolve_method checked method against _METHODS, and "numerical" returned above.
        rank_method: Literal["exact", "modular"] = "modular" if method == "modular" else "exact"
        sys = self.to_exact()
        M = sys.markov_parameters(2 * n)
        p, d = self.output_dim, self.input_dim
        if n == 0 or p == 0 or d == 0:
            return matrix_rank(np.empty((n * p, n * d), dtype=object), rank_method)
        H = np.empty((n * p, n * d), dtype=object)
        for i in range(n):
            for j in range(n):
                H[i * p:(i + 1) * p, j * d:(j + 1) * d] = M[i + j]
        return matrix_rank(H, rank_method)

    def minimal(
        self, *, method: str | None = None, exact: bool | None = None, rtol: float | None = None,
        warn: bool = True, gap_warning: float = GAP_WARNING,
    ) -> LinearSystem:
        """A minimal system with the same map ``u -> y`` (zero initial state and bias).

        Its state dimension is the McMillan degree (possibly 0).  See
        :func:`minimal_realization` for the methods.

        Examples
        --------
        >>> s = LinearSystem(V=[[1, 0], [0, 1]], U=[[1], [1]], C=[[1, 1]])
        >>> m = s.minimal(); m.state_dim, m.markov_parameters(2).ravel().tolist()
        (1, [Fraction(2, 1), Fraction(2, 1)])
        """
        method = resolve_method(self.is_exact, method, exact, methods=_REALIZATION_METHODS)
        if method == "exact":
            V, U, C = _exact_reduction(self.to_exact())
            return LinearSystem(V=V, U=U, C=C)
        red = _numerical_reduction(self, rtol, gap_warning)
        _maybe_warn(red, warn, "minimal realization")
        return red.system

    def to_stack(self) -> Stack:
        """One :class:`~rnnexpr.models.LinearRNNLayer` with this recurrence and readout.

        Zero ``b``, ``h0`` and ``c`` are left out (absent terms count as zero); a
        system with no state gets one dead unit (``V = 0``, ``U = 0``, ``C = 0``).

        Examples
        --------
        >>> LinearSystem(V=[[2]], U=[[1]], C=[[3]]).to_stack().widths
        (1,)
        """
        exact = self.is_exact
        if self.state_dim == 0:
            layer = LinearRNNLayer(U=zeros((1, self.input_dim), exact), V=zeros((1, 1), exact))
            return Stack([layer], C=zeros((self.output_dim, 1), exact), c=_or_none(self.c))
        layer = LinearRNNLayer(U=self.U, V=self.V, b=_or_none(self.b), h0=_or_none(self.h0))
        return Stack([layer], C=self.C, c=_or_none(self.c))

    def __getitem__(self, key: str) -> np.ndarray:
        # Deprecated (0.2): joint_system returned a dict in 0.1.
        names = {"V": "V", "U": "U", "b": "b", "C": "C", "c": "c", "x0": "h0", "h0": "h0"}
        if key not in names:
            raise KeyError(key)
        warnings.warn(
            f"joint_system(...)[{key!r}]: joint_system returns a LinearSystem now; use its attribute "
            f".{names[key]} (dictionary access goes away in 0.3)",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(self, names[key])


def _or_none(a: np.ndarray) -> np.ndarray | None:
    return a if np.any(a != 0) else None


def _check_stack(stack: Any, name: str = "stack") -> Stack | DepthwiseStack:
    if isinstance(stack, DepthwiseStack):
        if stack.activation.name != "identity":
            raise ModelKindError(
                f"{name}: expected a linear stack, got a DepthwiseStack with activation "
                f"{stack.activation.name!r} (only 'identity' is a linear system)"
            )
        return stack
    if not isinstance(stack, Stack):
        raise ModelKindError(f"{name}: expected a Stack of linear RNN layers, got {type(stack).__name__}")
    if not stack.is_linear_rnn:
        bad = next(i for i, layer in enumerate(stack.layers) if not layer.is_linear)
        raise ModelKindError(
            f"{name}: expected a stack of linear RNN layers (no A term), got an A term in layer {bad}; "
            "linear 2RNN stacks are not linear systems (see rnnexpr.hankel.rank_profile)"
        )
    return stack


def _system(model: Any, name: str = "stack") -> LinearSystem:
    return model if isinstance(model, LinearSystem) else joint_system(model, name=name)


@deprecated_positional
def joint_system(stack: Stack | DepthwiseStack, *, exact: bool | None = None, name: str = "stack") -> LinearSystem:
    """The joint block-lower-triangular system of a linear RNN stack (T1, :doc:`/theory/t1`).

    Row block l: ``V[l, l] = V_l``, ``V[l, :] += U_l V[l-1, :]``, ``U[l] = U_l U[l-1]``,
    ``b[l] = U_l b[l-1] + b_l``, obtained by substituting ``h_t^(l-1)`` into layer
    ``l``; ``h0`` stacks the layers' initial states and ``C`` reads the last block.

    Parameters
    ----------
    stack : Stack or DepthwiseStack
        Linear RNN layers (a DepthwiseStack only with the identity activation).
    exact : bool, optional
        Exact arrays (default: when the stack is exact) or float64.
    name : str
        The argument's name in error messages.

    Returns
    -------
    LinearSystem

    Raises
    ------
    ModelKindError
        For a layer with an ``A`` term or a non-identity activation.

    See Also
    --------
    rnnexpr.constructions.collapse : the same system as a one-layer stack.

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> js = joint_system(random_stack([2, 3], 2, kind="linear", seed=0, exact=True))
    >>> js.V.shape, js.U.shape, js.is_exact
    ((5, 5), (5, 2), True)
    """
    stack = _check_stack(stack, name)
    exact = stack.is_exact if exact is None else check_bool(exact, "exact")
    conv = to_exact_array if exact else to_float_array
    n = sum(stack.widths)
    d = stack.input_dim
    V = zeros((n, n), exact)
    U = zeros((n, d), exact)
    b = zeros((n,), exact)
    h0 = zeros((n,), exact)
    off = 0
    prev: np.ndarray | None = None  # rows [V[l-1, :], U[l-1], b[l-1]] of the previous block
    for layer in stack.layers:
        w = layer.width
        Ul = conv(layer.U) if layer.U is not None else zeros((w, layer.input_dim), exact)
        if prev is None:
            block = np.concatenate([zeros((w, n), exact), Ul, zeros((w, 1), exact)], axis=1)
        else:
            block = np.array(Ul @ prev, dtype=object if exact else np.float64)
            if exact:
                block = to_exact_array(block)
        if layer.V is not None:
            block[:, off:off + w] = block[:, off:off + w] + conv(layer.V)
        if layer.b is not None:
            block[:, -1] = block[:, -1] + conv(layer.b)
        V[off:off + w] = block[:, :n]
        U[off:off + w] = block[:, n:n + d]
        b[off:off + w] = block[:, -1]
        h0[off:off + w] = conv(layer.initial_state)
        prev = block
        off += w
    C = zeros((stack.output_dim, n), exact)
    C[:, n - stack.widths[-1]:] = conv(stack.C)
    c = conv(stack.c) if stack.c is not None else zeros((stack.output_dim,), exact)
    return LinearSystem(V=V, U=U, b=b, C=C, c=c, h0=h0)


@renamed_parameter("k", "count")
@deprecated_positional
def markov_parameters(stack: Stack | LinearSystem, count: int, *, exact: bool | None = None) -> np.ndarray:
    """The first ``count`` Markov parameters ``M_j = C V^j U``, shape ``(count, p, d)``.

    ``M_j`` is the effect of ``u_{t-j}`` on ``y_t`` (zero initial state, no bias).

    Parameters
    ----------
    stack : Stack or LinearSystem
    count : int
        The number of terms (``k`` before 0.2, still accepted with a warning).
    exact : bool, optional
        Exact arithmetic (default: when the stack is exact).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> from rnnexpr.models import LinearRNNLayer
    >>> s = Stack([LinearRNNLayer(U=[[1]], V=[[2]])], C=[[3]])
    >>> markov_parameters(s, 3).ravel().tolist()
    [Fraction(3, 1), Fraction(6, 1), Fraction(12, 1)]
    """
    count = check_int(count, "count", minimum=0)
    sys = _system(stack)
    if exact is not None:
        sys = sys.to_exact() if check_bool(exact, "exact") else sys.to_float()
    return sys.markov_parameters(count)


@deprecated_positional
def mcmillan_degree(
    stack: Stack | LinearSystem, *, method: str | None = None, exact: bool | None = None,
    rtol: float | None = None, warn: bool = True, gap_warning: float = GAP_WARNING,
) -> RankResult:
    """McMillan degree: the minimal width of one linear RNN layer with the same input-output map.

    The map is ``u -> y`` from zero initial state without bias; the degree is the
    rank of the block Hankel matrix ``[M_{i+j}]_{i,j<n}`` of its Markov parameters
    (n = total width; by Cayley-Hamilton ``n x n`` blocks suffice), never above n.

    Parameters
    ----------
    stack : Stack or LinearSystem
        Linear RNN layers.
    method : {"exact", "modular", "numerical"}, optional
        By the rule of :doc:`/guide/exact`: ``"exact"`` for exact stacks,
        ``"numerical"`` for float ones.  Exact: rank over Q of the Hankel matrix.
        Modular: its rank mod a prime (a proven lower bound).  Numerical: scaling
        and diagonal balancing, then the orthogonal controllability and
        observability staircases (as SLICOT's ``TB01PD``), doubtful decisions
        recomputed in extended precision, and the reduced system checked by the
        PBH test and by its Markov parameters against the original ones on ``2n`` terms.
    exact : bool, optional
        True means ``method="exact"``, False ``method="numerical"``; conflicting
        with ``method`` raises :class:`~rnnexpr.errors.ConflictingArgumentsError`.
    rtol : float, optional
        Numerical only: singular values of the staircase blocks below
        ``rtol * max(||V||_F, ||U||_F)`` (of the balanced system; ``||C||_F`` for the
        observability staircase) count as zero.  Default ``n^2 eps``.
    warn : bool
        Numerical only: warn (:class:`~rnnexpr.errors.NumericalRankWarning`) when
        a rank decision is unclear (a gap below ``gap_warning``, a kept singular
        value below ``sqrt(eps)`` of the scale or below ``gap_warning`` times its
        step's tolerance, or a value discarded only because an earlier step was
        ill-conditioned) and the extended-precision recomputation does not
        confirm the degree, when the reduced system is within ``gap_warning``
        times the discarded values (or the tolerance) of an uncontrollable or
        unobservable one (PBH test), or when the Markov check fails.  The answer
        is then doubtful; without a warning it is the McMillan degree of the
        input up to perturbations of relative size ``rtol`` (see
        :ref:`exact-or-numerical`).
    gap_warning : float
        Numerical only: the smallest clear gap.

    Returns
    -------
    RankResult
        An integer-like result (``int(r)``, ``r == 3``).  Numerical: ``method`` is
        ``"staircase"``, ``tolerance`` the relative tolerance, ``gap`` the smallest
        kept over the largest discarded relative singular value (of the
        extended-precision recomputation when that one decided), ``residual`` the
        relative Markov-parameter error of the reduced system.

    See Also
    --------
    minimal_realization, LinearSystem.mcmillan_degree

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> mcmillan_degree(random_stack([2, 2], 1, kind="linear", seed=2, exact=True)).rank
    4
    >>> r = mcmillan_degree(random_stack([2, 2], 1, kind="linear", seed=2)); int(r), r.method
    (4, 'staircase')
    """
    return _system(stack).mcmillan_degree(method=method, exact=exact, rtol=rtol, warn=warn, gap_warning=gap_warning)


@deprecated_positional
def minimal_realization(
    stack: Stack | LinearSystem, *, exact: bool | None = None, rtol: float | None = None,
    method: str | None = None, warn: bool = True, gap_warning: float = GAP_WARNING,
) -> Stack:
    """A minimal one-layer linear RNN with the same input-output map (Kalman reduction).

    Zero initial state, no bias: the map ``u -> y`` with ``y_t = sum_j M_j u_{t-j}``.
    Its width is the McMillan degree (:func:`mcmillan_degree`, same method).

    Parameters
    ----------
    stack : Stack or LinearSystem
    exact : bool, optional
        True means ``method="exact"``, False ``method="numerical"``.
    rtol : float, optional
        Numerical only: as in :func:`mcmillan_degree`.
    method : {"exact", "numerical"}, optional
        By the rule of :doc:`/guide/exact` (exact for exact stacks).  Exact: the
        observable then reachable Krylov bases over Q.  Numerical: balancing and
        orthogonal staircases, then the PBH test and the Markov check on ``2n`` terms.
    warn, gap_warning
        As in :func:`mcmillan_degree`; the warning names the relative
        Markov-parameter error when the check fails.

    Returns
    -------
    Stack
        One :class:`~rnnexpr.models.LinearRNNLayer` of width = McMillan degree (at
        least 1: a zero map gets one dead unit) and readout C.

    See Also
    --------
    LinearSystem.minimal

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> s = random_stack([2, 1], 1, kind="linear", seed=0, exact=True)
    >>> m = minimal_realization(s); m.widths[0] == mcmillan_degree(s)
    True
    """
    sys = _system(stack)
    return sys.minimal(method=method, exact=exact, rtol=rtol, warn=warn, gap_warning=gap_warning).to_stack()


# ---------------------------------------------------------------------------
# Exact Kalman reduction
# ---------------------------------------------------------------------------


def _exact_reduction(sys: LinearSystem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observable then reachable part over Q: ``(V, U, C)`` of a minimal realization."""
    V, U, C = sys.V, sys.U, sys.C
    n = sys.state_dim
    # Observability: rows C V^j (j < n) span the V-invariant row space (Cayley-Hamilton).
    F = _krylov_rows(C, V, n)
    if F.shape[0] == 0:
        return zeros((0, 0), True), zeros((0, sys.input_dim), True), zeros((sys.output_dim, 0), True)
    V1 = _solve_left(F, F @ V)   # F V = V1 F
    C1 = _solve_left(F, C)       # C = C1 F
    U1 = to_exact_array(np.asarray(F @ U, dtype=object))
    # Reachability of (V1, U1): columns V1^j U1, as rows of the transposes.
    G = _krylov_rows(U1.T, V1.T, F.shape[0]).T  # columns spanning the reachable space
    if G.shape[1] == 0:
        return zeros((0, 0), True), zeros((0, sys.input_dim), True), zeros((sys.output_dim, 0), True)
    V2 = _solve_right(G, V1 @ G)  # V1 G = G V2
    U2 = _solve_right(G, U1)      # U1 = G U2
    C2 = to_exact_array(np.asarray(C1 @ G, dtype=object))
    return V2, U2, C2


def _krylov_rows(start: np.ndarray, V: np.ndarray, n: int) -> np.ndarray:
    """A basis (independent rows, first ones first) of span{s V^j : s a row of start, j < n}."""
    blocks = [to_exact_array(start)]
    X = blocks[0]
    for _ in range(1, n):
        X = to_exact_array(np.asarray(X @ V, dtype=object))
        blocks.append(X)
    K = np.concatenate(blocks, axis=0) if blocks else zeros((0, V.shape[0]), True)
    if K.size == 0:
        return zeros((0, V.shape[0]), True)
    idx = independent_rows(K)
    return K[list(idx)]


def _solve_left(F: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """X with X F = Y (F of full row rank, Y in its row space)."""
    X = solve(F.T, Y.T)
    if X is None:  # pragma: no cover - the row space is invariant by construction
        raise ArithmeticError("linear_systems: the Krylov row space is not invariant")
    return to_exact_array(np.asarray(X, dtype=object).T)


def _solve_right(G: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """X with G X = Y (G of full column rank, Y in its column space)."""
    X = solve(G, Y)
    if X is None:  # pragma: no cover - the column space is invariant by construction
        raise ArithmeticError("linear_systems: the Krylov column space is not invariant")
    return to_exact_array(np.asarray(X, dtype=object))


# ---------------------------------------------------------------------------
# Numerical reduction: scaling, balancing, orthogonal staircases, Markov check
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reduction:
    system: LinearSystem
    result: RankResult
    unclear: bool
    reason: str


def _pow2(x: float) -> float:
    """The power of two nearest to x > 0 (scaling by it is exact)."""
    return 2.0 ** _log2_pow2(x)


def _log2_pow2(x: float) -> int:
    """The exponent of the power of two nearest to x > 0."""
    return round(math.log2(x))


def _norm(x: np.ndarray) -> float:
    """Euclidean/Frobenius norm without overflow or underflow (scaled by the largest entry)."""
    m = np.max(np.abs(x)) if x.size else 0.0
    if m == 0.0 or not np.isfinite(m):
        return float(m)
    y = x / m
    return float(m) * math.sqrt(float(np.sum(y * y)))


def _wnorm(x: np.ndarray) -> float:
    """Frobenius norm of an extended-precision array (its exponent range makes squaring safe here)."""
    return float(np.sqrt(np.sum(x * x)))


def _balance(A: np.ndarray, B: np.ndarray, C: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """Diagonal similarity by powers of two bringing the nonzero entries of [[A, B], [C, 0]] to one size.

    ``A <- D^-1 A D``, ``B <- D^-1 B``, ``C <- C D``, then each of the three divided
    by a power of two ``2**k`` that brings its largest entry to ``[1, 2)``; returns
    them and the three ``k``.  The system (up to those three factors), its
    Markov parameters and every rank are unchanged; only rounding is equalized
    across the states.  The exponents are added before anything is computed, so
    entries spread over the whole float64 range neither overflow nor underflow on
    the way (an entry more than ``2**1074`` below the largest of its matrix is
    rounding anyway).  A state whose row (or column) vanishes off the diagonal is
    uncontrollable (unobservable) alone: its column (row) has no effect on the map
    and is set to zero first, so that no rank decision can mistake it for structure.

    ``D`` minimizes the sum of squares of ``log2 |entry|`` over the nonzero
    off-diagonal entries of ``A`` and the nonzero entries of ``B`` and ``C``, each
    of the three measured from its own mean (a least-squares problem on the
    graph of the system, solved through its normal equations).  Unlike balancing
    of row and column norms (SLICOT's ``TB01ID``, Osborne's iteration), this has
    a bounded solution on a reducible system (one with uncontrollable or
    unobservable parts, where norm balancing drives the couplings between the
    parts towards zero and stops only at a cap), and it undoes a diagonal
    rescaling of the states up to a factor about the spread of the entries of the
    unscaled system: on the corpus of ``benchmarks/bench_mcmillan.py`` it
    recovers systems rescaled by up to ``1e+-10`` that the iterated norm
    balancing left warned or wrong.
    """
    A, B, C = A.copy(), B.copy(), C.copy()
    n = A.shape[0]
    if n == 0:
        return A, B, C, [0, 0, 0]
    diag = np.eye(n, dtype=bool)
    for _ in range(2 * n + 1):  # every pass that changes anything removes a row or a column
        off = (A != 0) & ~diag
        col = off.any(axis=0) | (C != 0).any(axis=0)
        row = off.any(axis=1) | (B != 0).any(axis=1)
        dead_in = ~row & col   # nothing drives x_i from a zero state: its column has no effect
        dead_out = ~col & row  # nothing reads x_i: its row has no effect
        if not (dead_in.any() or dead_out.any()):
            break
        keep = np.diag(A).copy()
        A[:, dead_in] = 0.0
        C[:, dead_in] = 0.0
        A[dead_out, :] = 0.0
        B[dead_out, :] = 0.0
        A[diag] = keep
    e = _log_scaling(A, B, C)
    out: list[np.ndarray] = []
    shifts: list[int] = []
    for M, E in ((A, e[None, :] - e[:, None]), (B, -e[:, None]), (C, e[None, :])):
        E = np.broadcast_to(E, M.shape)
        nz = M != 0
        if not nz.any():
            out.append(M)
            shifts.append(0)
            continue
        _, ex = np.frexp(M)
        k = int(np.max(np.where(nz, ex + E, np.iinfo(np.int64).min))) - 1
        with np.errstate(under="ignore"):
            out.append(np.ldexp(M, (E - k).astype(np.int64)))
        shifts.append(k)
    return out[0], out[1], out[2], shifts


def _log_scaling(A: np.ndarray, B: np.ndarray, C: np.ndarray) -> np.ndarray:
    """The exponents ``e`` of ``D = diag(2**e)`` for :func:`_balance` (least squares in ``log2``).

    Unknowns: ``e`` and the mean logarithms ``a, b, c`` of the scaled ``A``, ``B``
    and ``C``; equations ``log2|A_ij| + e_j - e_i = a``, ``log2|B_ik| - e_i = b``
    and ``log2|C_kj| + e_j = c`` for every nonzero entry.  The diagonal of ``A``
    does not scale, but it fixes ``a``: couplings are brought to the size of the
    diagonal (a chain ``B -> x_2 -> x_1 -> C`` with a coupling of 1e-20 gets
    every link near 1, where the three means alone leave it free).  The normal
    equations (a graph Laplacian bordered by the three means) are assembled from
    counts and sums and solved by least squares (they are singular along shifts
    of ``e``, and on states that touch nothing); ``e`` is rounded to integers and
    centred.  Only logarithms of the entries are used, so
    any float64 data can be scaled.
    """
    n = A.shape[0]
    off = (A != 0) & ~np.eye(n, dtype=bool)
    nzB, nzC = B != 0, C != 0
    if not (off.any() or nzB.any() or nzC.any()):
        return np.zeros(n, dtype=np.int64)
    diag = np.diag(A)
    with np.errstate(divide="ignore"):
        LD = np.log2(np.abs(diag[diag != 0]))
        LA = np.where(off, np.log2(np.abs(A)), 0.0)
        LB = np.where(nzB, np.log2(np.abs(B)), 0.0)
        LC = np.where(nzC, np.log2(np.abs(C)), 0.0)
    W = off.astype(np.float64)
    rows_A, cols_A = W.sum(axis=1), W.sum(axis=0)
    rows_B, cols_C = nzB.sum(axis=1).astype(np.float64), nzC.sum(axis=0).astype(np.float64)
    a, b, c = n, n + 1, n + 2
    G = np.zeros((n + 3, n + 3))
    h = np.zeros(n + 3)
    # A: e_j - e_i - a = -log2|A_ij|.
    G[:n, :n] += np.diag(rows_A + cols_A) - W - W.T
    G[:n, a] += rows_A - cols_A
    G[a, :n] += rows_A - cols_A
    G[a, a] += W.sum() + LD.size
    h[:n] += LA.sum(axis=1) - LA.sum(axis=0)
    h[a] += LA.sum() + LD.sum()
    # B: -e_i - b = -log2|B_ik|.
    G[:n, :n] += np.diag(rows_B)
    G[:n, b] += rows_B
    G[b, :n] += rows_B
    G[b, b] += rows_B.sum()
    h[:n] += LB.sum(axis=1)
    h[b] += LB.sum()
    # C: e_j - c = -log2|C_kj|.
    G[:n, :n] += np.diag(cols_C)
    G[:n, c] -= cols_C
    G[c, :n] -= cols_C
    G[c, c] += cols_C.sum()
    h[:n] -= LC.sum(axis=0)
    h[c] += LC.sum()
    sol = np.linalg.lstsq(G, h, rcond=None)[0][:n]
    return np.rint(sol - np.median(sol)).astype(np.int64)


def _staircase(A: np.ndarray, B: np.ndarray, C: np.ndarray, rtol: float, *, wide: bool = False):
    """Orthogonal controllability staircase of (A, B), carrying C along.

    Returns the controllable dimension k, the transformed (A, B, C) whose leading
    k states are the controllable part, and a :class:`_StepInfo` of what the rank
    decisions saw.  The threshold of a step is ``rtol * scale`` amplified by the
    conditioning of the steps before it: the computed range of a block whose
    smallest kept singular value is ``s`` is only accurate to about
    ``eps * scale / s``, and that error lands in the next block.  A decision is
    doubtful (see :func:`_doubts`) when a kept singular value is below
    ``sqrt(eps) * scale`` or less than ``GAP_WARNING`` times the threshold, when
    a discarded one is above the unamplified threshold (discarded only because
    of that conditioning), or when the kept and discarded values of a step are
    less than ``GAP_WARNING`` apart.

    ``wide``: the same staircase in extended precision (:data:`_WIDE`): each
    block's singular values by one-sided Jacobi (from the float64 right singular
    vectors) and its range by Householder reflections, so that a value that is
    rounding of the float64 computation shrinks by ``eps(wide) / eps``, while one
    that is in the data stays.  The thresholds are the same (they describe the
    data, which are float64).
    """
    dtype = _WIDE if wide else np.float64
    A, B, C = (np.array(M, dtype=dtype) for M in (A, B, C))
    n = A.shape[0]
    scale = max(_norm(A.astype(np.float64)), _norm(B.astype(np.float64)))
    info = _StepInfo()
    if scale == 0.0 or n == 0:
        return 0, A, B, C, info
    base = rtol * scale
    amp = 1.0
    start, prev = 0, -1
    while start < n:
        X = B[start:] if prev < 0 else A[start:, prev:start]
        if X.size == 0:
            break
        if wide:
            _, _, Vt = np.linalg.svd(X.astype(np.float64))
            Y = _jacobi(X @ Vt.T.astype(_WIDE))
            norms = np.sqrt(np.sum(Y * Y, axis=0))
            order = np.argsort(-norms, kind="stable")
            Y, s = Y[:, order], norms[order].astype(np.float64)
        else:
            Q, s, _ = np.linalg.svd(X, full_matrices=True)
        threshold = base * amp
        k = min(int(np.sum(s > threshold)), n - start)
        if k:
            info.min_kept = min(info.min_kept, float(s[k - 1]) / scale)
            info.margin = min(info.margin, float(s[k - 1]) / threshold)
        if k < len(s):
            info.max_dropped = max(info.max_dropped, float(s[k]) / scale)
            if s[k] > base:
                info.max_dropped_above = max(info.max_dropped_above, float(s[k]) / base)
            if k:
                info.gap = min(info.gap, float(s[k - 1]) / max(float(s[k]), base))
        if k:
            amp = max(amp, min(scale / float(s[k - 1]), 1.0 / math.sqrt(_EPS)))
        if k == 0:
            break
        if wide:
            _reflect(A, B, C, start, Y[:, :k])
        else:
            A[start:, :] = Q.T @ A[start:, :]
            A[:, start:] = A[:, start:] @ Q
            B[start:, :] = Q.T @ B[start:, :]
            C[:, start:] = C[:, start:] @ Q
        prev, start = start, start + k
    return start, A, B, C, info


def _jacobi(Y: np.ndarray) -> np.ndarray:
    """One-sided Jacobi rotations (in Y's precision) until the columns of Y are orthogonal.

    The column norms are then the singular values of the input, each to about
    ``eps(Y) * ||Y||``.  Started from ``X V`` with the float64 right singular
    vectors ``V`` of ``X``, one or two sweeps suffice.
    """
    Y = Y.copy()
    q = Y.shape[1]
    tiny = float(np.finfo(Y.dtype).eps)
    for _ in range(_JACOBI_SWEEPS):
        rotated = False
        for i in range(q - 1):
            for j in range(i + 1, q):
                a, b, c = Y[:, i] @ Y[:, i], Y[:, j] @ Y[:, j], Y[:, i] @ Y[:, j]
                if abs(c) <= tiny * np.sqrt(a * b):
                    continue
                rotated = True
                zeta = (b - a) / (2 * c)
                t = (1 if zeta >= 0 else -1) / (abs(zeta) + np.sqrt(1 + zeta * zeta))
                cs = 1 / np.sqrt(1 + t * t)
                sn = cs * t
                yi = Y[:, i].copy()
                Y[:, i] = cs * yi - sn * Y[:, j]
                Y[:, j] = sn * yi + cs * Y[:, j]
        if not rotated:
            break
    return Y


def _reflect(A: np.ndarray, B: np.ndarray, C: np.ndarray, start: int, Y: np.ndarray) -> None:
    """Householder reflections taking the columns of Y (states ``start:``) to the leading states, applied in place.

    ``(A, B, C) <- (H A H, H B, C H)`` with ``H`` the product of the reflections
    (orthogonal and symmetric in the arrays' precision), so the system is only
    rotated; the leading ``k = Y.shape[1]`` states of ``start:`` then span the
    range of Y.
    """
    Y = Y.copy()
    for i in range(Y.shape[1]):
        x = Y[i:, i]
        nx = np.sqrt(x @ x)
        if nx == 0:
            continue
        v = x.copy()
        v[0] += nx if x[0] >= 0 else -nx
        v = v / np.sqrt(v @ v)
        r = start + i
        Y[i:, :] -= 2 * np.outer(v, v @ Y[i:, :])
        A[r:, :] -= 2 * np.outer(v, v @ A[r:, :])
        A[:, r:] -= 2 * np.outer(A[:, r:] @ v, v)
        B[r:, :] -= 2 * np.outer(v, v @ B[r:, :])
        C[:, r:] -= 2 * np.outer(C[:, r:] @ v, v)


class _StepInfo:
    """What the rank decisions of a staircase saw (relative to its scale)."""

    def __init__(self) -> None:
        self.min_kept = math.inf
        self.max_dropped = 0.0
        self.max_dropped_above = 0.0  # largest discarded value over the unamplified threshold (0: none)
        self.gap = math.inf           # smallest kept over largest discarded within one step
        self.margin = math.inf        # smallest kept value over the (amplified) threshold of its step

    def merge(self, other: _StepInfo) -> _StepInfo:
        out = _StepInfo()
        out.min_kept = min(self.min_kept, other.min_kept)
        out.max_dropped = max(self.max_dropped, other.max_dropped)
        out.max_dropped_above = max(self.max_dropped_above, other.max_dropped_above)
        out.gap = min(self.gap, other.gap)
        out.margin = min(self.margin, other.margin)
        return out

    @property
    def overall_gap(self) -> float:
        """Smallest kept over largest discarded value, over all steps (inf when nothing was discarded)."""
        return math.inf if self.max_dropped == 0.0 else self.min_kept / self.max_dropped


def _markov_error(A, B, C, Ar, Br, Cr, count: int) -> float:
    """The relative Markov-parameter error of a reduced system, by two measures (the larger is returned).

    * per term: ``||M_j - M'_j|| / max(||M_j||, sqrt(eps) ||C|| ||A||^j ||B||)``
      (2-norms; below that floor a term is cancellation noise);
    * overall: ``max_j ||M_j - M'_j|| / max_j ||M_j||`` with the recurrence
      divided by its spectral radius (or its norm when that is negligible), so
      that no term is small only because the others decay.

    Computed in extended precision where the platform has it (the reference
    terms of an ill-conditioned realization lose digits in float64), with the
    iterates rescaled by powers of two at each step (logarithms of the scales
    are kept), so nothing overflows or underflows.
    """
    floor = math.sqrt(_EPS)
    nA = float(np.linalg.norm(A, 2)) if A.size else 0.0
    rho = float(np.max(np.abs(np.linalg.eigvals(A)))) if A.size else 0.0
    s = rho if rho > 1e-12 * nA else nA
    log_s = math.log(s) if s > 0 else 0.0
    bound = _norm(C) * _norm(B)
    empty = Ar.size == 0
    A, B, C = (np.asarray(M, dtype=_WIDE) for M in (A, B, C))
    Ar, Br, Cr = (np.asarray(M, dtype=_WIDE) for M in (Ar, Br, Cr))
    Xa, Xr = B.copy(), Br.copy()
    worst = 0.0
    log_scale = 0.0  # log of the factor the iterates were divided by, so far
    top_ref = top_err = -math.inf
    for j in range(count):
        Ma = C @ Xa
        Mr = np.zeros_like(Ma) if empty else Cr @ Xr
        na, nd = _wnorm(Ma), _wnorm(Ma - Mr)
        den = max(na, floor * bound)
        if den > 0.0:
            worst = max(worst, nd / den)
        elif nd > 0.0:
            worst = math.inf
        shift = log_scale - j * log_s
        if na > 0.0:
            top_ref = max(top_ref, math.log(na) + shift)
        if nd > 0.0:
            top_err = max(top_err, math.log(nd) + shift)
        if j + 1 == count:
            break
        f = max(_wnorm(Xa), 0.0 if empty else _wnorm(Xr))
        if f == 0.0:
            break
        g = _pow2(f)
        Xa = A @ (Xa / g)
        if not empty:
            Xr = Ar @ (Xr / g)
        bound = bound * nA / g
        log_scale += math.log(g)
    if top_err > -math.inf:
        overall = math.inf if top_ref == -math.inf else math.exp(min(top_err - top_ref, 700.0))
        worst = max(worst, overall)
    return worst


def _kalman_reduction(A: np.ndarray, B: np.ndarray, C: np.ndarray, rtol: float, *, wide: bool = False):
    """Controllability then observability staircase: ``(k, Ar, Br, Cr, info)`` of the reduced system (float64)."""
    k1, A1, B1, C1, info1 = _staircase(A, B, C, rtol, wide=wide)
    A1, B1, C1 = A1[:k1, :k1], B1[:k1], C1[:, :k1]
    k2, A2t, C2t, B2t, info2 = _staircase(A1.T, C1.T, B1.T, rtol, wide=wide)
    Ar, Br, Cr = (np.asarray(M, dtype=np.float64) for M in (A2t[:k2, :k2].T, B2t[:, :k2].T, C2t[:k2].T))
    return k2, Ar, Br, Cr, info1.merge(info2)


def _doubts(info: _StepInfo, gap_warning: float, *, confirmed: bool = False) -> list[str]:
    """The doubtful rank decisions of a Kalman reduction, as the warning states them.

    ``confirmed``: the decisions of the extended-precision recomputation.  A value
    discarded above the unamplified threshold is then accepted when every kept
    value is at least ``gap_warning`` times every discarded one: the value
    survived 11 more bits of precision, so it is in the data, and it is clearly
    apart from the structure that was kept.
    """
    reasons = []
    if info.gap < gap_warning:
        reasons.append(f"singular-value gap {info.gap:.2e} < {gap_warning:.0e} in a staircase step")
    if info.min_kept < _WEAK:
        reasons.append(f"a kept singular value {info.min_kept:.2e} (relative) is below sqrt(eps)")
    if info.margin < gap_warning:
        reasons.append(f"a kept singular value is only {info.margin:.1e} times its step's tolerance "
                       "(raised by the conditioning of the previous steps)")
    if info.max_dropped_above > 0.0 and not (confirmed and info.overall_gap >= gap_warning):
        reasons.append(f"a discarded singular value is {info.max_dropped_above:.1e} times the tolerance "
                       "(discarded because the previous steps were ill-conditioned)")
    return reasons


def _pbh_distance(A: np.ndarray, B: np.ndarray, C: np.ndarray, scale: float) -> float:
    """How near the reduced system is to an uncontrollable or unobservable one, relative to ``scale``.

    The Popov-Belevitch-Hautus test, evaluated at the computed eigenvectors: for a
    unit left eigenvector ``w`` of ``A`` (eigenvalue ``l``), ``||w^T [A - l I, B]||``
    is the size of a perturbation of ``[A, B]`` that makes ``w`` an exact left
    eigenvector with ``w^T B = 0``, i.e. the mode uncontrollable; likewise
    ``||[A - l I; C] v||`` for a unit right eigenvector ``v`` and observability.
    So the smallest of these values proves that a system of lower degree is that
    close, whatever the staircase's blocks looked like (it bounds
    ``sigma_min([A - l I, B])`` from above, and equals it at an exactly
    uncontrollable mode).  Two eigendecompositions: ``O(k^3)``.
    """
    k = A.shape[0]
    if k == 0 or scale == 0.0:
        return math.inf
    lam, W = np.linalg.eig(A.T)  # columns w with w^T A = l w^T
    ctrb = np.sum(np.abs(W.T @ A - lam[:, None] * W.T) ** 2, axis=1) + np.sum(np.abs(W.T @ B) ** 2, axis=1)
    lam, Vr = np.linalg.eig(A)
    obsv = np.sum(np.abs(A @ Vr - Vr * lam[None, :]) ** 2, axis=0) + np.sum(np.abs(C @ Vr) ** 2, axis=0)
    return math.sqrt(float(min(ctrb.min(), obsv.min()))) / scale


def _numerical_reduction(sys: LinearSystem, rtol: float | None, gap_warning: float) -> _Reduction:
    f = sys.to_float()
    V0, U0, C0 = f.V, f.U, f.C
    n, d, p = f.state_dim, f.input_dim, f.output_dim
    shape = (n * p, n * d)
    given = rtol
    rtol = max(n, 1) ** 2 * _EPS if given is None else check_tolerance(given, "rtol")
    if isinstance(gap_warning, bool) or not isinstance(gap_warning, int | float) or not gap_warning >= 1:
        raise InvalidArgumentError(f"gap_warning: expected a real number >= 1, got {gap_warning!r}")
    # Scaling by powers of two (exact, reversible): subspaces, ranks and the Markov check are unchanged.
    # (2**kA A, 2**kU B, 2**kC C) is a diagonal similarity of (V, U, C): the same map.
    A, B, C, (kA, kU, kC) = _balance(V0, U0, C0)
    # After balancing, the recurrence at unit scale, and inputs and outputs at its scale
    # (TB01ID scales B and C likewise).
    nA = _norm(A)
    if nA > 0.0:
        g = _log2_pow2(1.0 / nA)
        A, kA = np.ldexp(A, g), kA - g
    nA = _norm(A) or 1.0
    gB = _log2_pow2(nA / _norm(B)) if np.any(B) else 0
    gC = _log2_pow2(nA / _norm(C)) if np.any(C) else 0
    B, C, kU, kC = np.ldexp(B, gB), np.ldexp(C, gC), kU - gB, kC - gC
    k2, Ar, Br, Cr, info = _kalman_reduction(A, B, C, rtol)
    reasons = _doubts(info, gap_warning)
    if reasons and _HAS_WIDE:
        # A second opinion on the doubtful decisions: the same reduction in extended precision.
        # Rounding of the float64 computation shrinks there; the degree is accepted when both agree
        # and the recomputation has no doubt of its own (its gap then is the one that decided).
        kw, Arw, Brw, Crw, infow = _kalman_reduction(A, B, C, rtol, wide=True)
        second = _doubts(infow, gap_warning, confirmed=True)
        if kw == k2 and not second:
            Ar, Br, Cr, info, reasons = Arw, Brw, Crw, infow, []
        elif kw != k2:
            reasons.append(f"the extended-precision recomputation finds degree {kw}")
    scale = max(_norm(A), _norm(B), _norm(C))
    near = _pbh_distance(Ar, Br, Cr, scale)
    floor = max(info.max_dropped, float(rtol))
    if near < gap_warning * floor:
        reasons.append(f"the reduced system is {near:.1e} (relative) from an uncontrollable or unobservable "
                       f"one (PBH test at its eigenvectors), less than {gap_warning:.0e} times the discarded "
                       f"singular values or the tolerance ({floor:.1e})")
    err = _markov_error(A, B, C, Ar, Br, Cr, 2 * n)
    markov_tol = max(1e-6, 2 * n * math.sqrt(_EPS))
    if not err <= markov_tol:
        reasons.append(f"Markov parameters of the reduced system differ by a relative error {err:.2e} "
                       f"(> {markov_tol:.1e}) on {2 * n} terms")
    result = RankResult(k2, False, "staircase", shape, tolerance=float(rtol), gap=float(info.overall_gap),
                        residual=float(err))
    # Undo the scalings: (2**kA Ar, 2**kU Br, 2**kC Cr) realizes the original map, and so does any
    # split of 2**(kU + kC) between the input and the readout: the even one when the other overflows.
    with np.errstate(over="ignore", under="ignore"):
        Vr, Ur, Crr = np.ldexp(Ar, kA), np.ldexp(Br, kU), np.ldexp(Cr, kC)
        if not (np.all(np.isfinite(Ur)) and np.all(np.isfinite(Crr))):
            m = (kC - kU) // 2
            Ur, Crr = np.ldexp(Br, kU + m), np.ldexp(Cr, kC - m)
    if not (np.all(np.isfinite(Vr)) and np.all(np.isfinite(Ur)) and np.all(np.isfinite(Crr))):
        reasons.append("the reduced system overflows float64 when scaled back")
        Vr, Ur, Crr = np.nan_to_num(Vr), np.nan_to_num(Ur), np.nan_to_num(Crr)
    system = LinearSystem(V=Vr, U=Ur.reshape(k2, d), C=Crr.reshape(p, k2))
    return _Reduction(system, result, bool(reasons), "; ".join(reasons))


def _maybe_warn(red: _Reduction, warn: bool, what: str) -> None:
    if warn and red.unclear:
        r = red.result
        warnings.warn(
            f"numerical {what} {r.rank} is doubtful (relative tolerance {r.tolerance:.1e}, singular-value gap "
            f"{r.gap:.1e}): {red.reason}; use method='exact' for a proof",
            NumericalRankWarning,
            stacklevel=user_stacklevel(),
        )


# ---------------------------------------------------------------------------
# Equivalence on real inputs
# ---------------------------------------------------------------------------


def _free_response(sys: LinearSystem, T: int) -> np.ndarray:
    """y_1..y_T with zero input (from h0, with the biases)."""
    exact = sys.is_exact
    out = zeros((T, sys.output_dim), exact)
    x = sys.h0
    for t in range(T):
        x = sys.V @ x + sys.b
        out[t] = sys.C @ x + sys.c
    return out


def _abs_system(sys: LinearSystem) -> LinearSystem:
    return LinearSystem(*(np.abs(a) for a in sys.to_float()._arrays()))


@deprecated_positional
def equivalent(a: Stack | LinearSystem, b: Stack | LinearSystem, *, exact: bool | None = None,
               rtol: float = DEFAULT_RTOL) -> EquivalenceResult:
    """Decide whether two linear RNN stacks agree on every real input sequence (:doc:`/theory/t1`).

    Criterion: the free responses (zero input, from ``h_0`` with the biases) agree for
    ``t = 1..n + n' + 2`` and the Markov parameters ``M_0..M_{n+n'-1}`` agree.  When they
    differ the witness is an input sequence of shape ``(T, d)`` (all zeros, or a unit
    impulse followed by zeros) on which the last outputs differ, verified by running both.

    Float threshold: a Markov parameter (or free response) entry differs when
    ``|x_a - x_b| > rtol * (t + 1) * (|x|_a + |x|_b)``, where ``t`` is its index
    (the word length) and ``|x|`` the same quantity computed with every matrix
    replaced by its entrywise absolute value (``|C| |V|^t |U|``): the size that
    bounds the rounding of ``x``.  The threshold thus scales with the models' norms
    and the lengths; see :doc:`/guide/exact`.

    Parameters
    ----------
    a, b : Stack or LinearSystem
    exact : bool, optional
        Rational arithmetic (default: when both are exact, by the rule of :doc:`/guide/exact`).
    rtol : float
        Float only: the relative threshold above.

    Returns
    -------
    EquivalenceResult

    Examples
    --------
    >>> from rnnexpr.models import LinearRNNLayer
    >>> one = Stack([LinearRNNLayer(U=[[1]], V=[[0]])], C=[[1]])
    >>> two = Stack([LinearRNNLayer(U=[[1]], V=[[0]]), LinearRNNLayer(U=[[1]], V=[[0]])], C=[[1]])
    >>> equivalent(one, two).equivalent
    True
    """
    sa, sb = _system(a, "a"), _system(b, "b")
    if sa.input_dim != sb.input_dim:
        raise ShapeError(f"b: expected input dimension {sa.input_dim} like a, got {sb.input_dim}")
    if sa.output_dim != sb.output_dim:
        raise ShapeError(f"b: expected output dimension {sa.output_dim} like a, got {sb.output_dim}")
    use_exact = resolve_method(sa.is_exact and sb.is_exact, None, exact, methods=_REALIZATION_METHODS) == "exact"
    rtol = check_tolerance(rtol, "rtol")
    sa, sb = (sa.to_exact(), sb.to_exact()) if use_exact else (sa.to_float(), sb.to_float())
    na, nb = sa.state_dim, sb.state_dim
    Tf = na + nb + 2
    scope = "all real input sequences"
    method = "free responses and Markov parameters (Cayley-Hamilton)"
    d = sa.input_dim

    def first_difference(xa: np.ndarray, xb: np.ndarray, size: np.ndarray | None) -> tuple[int, int] | None:
        for t in range(xa.shape[0]):
            if use_exact:
                bad = np.argwhere(xa[t] != xb[t])
            else:
                assert size is not None  # the float comparison is always given the entry sizes
                bad = np.argwhere(np.abs(xa[t] - xb[t]) > rtol * (t + 1) * size[t])
            if bad.size:
                return t, int(bad[0][-1])
        return None

    fa, fb = _free_response(sa, Tf), _free_response(sb, Tf)
    sizes = None if use_exact else _free_response(_abs_system(sa), Tf) + _free_response(_abs_system(sb), Tf)
    hit = first_difference(fa, fb, sizes)
    if hit is not None:
        x = zeros((hit[0] + 1, d), use_exact)
        return _witness(sa, sb, x, use_exact, method, scope, rtol)
    k = na + nb
    Ma, Mb = sa.markov_parameters(k), sb.markov_parameters(k)
    sizes = None if use_exact else _abs_system(sa).markov_parameters(k) + _abs_system(sb).markov_parameters(k)
    hit = first_difference(Ma, Mb, sizes)
    if hit is not None:
        x = zeros((hit[0] + 1, d), use_exact)
        x[0, hit[1]] = Fraction(1) if use_exact else 1.0
        return _witness(sa, sb, x, use_exact, method, scope, rtol)
    return EquivalenceResult(True, None, use_exact, None, method, scope, None if use_exact else rtol)


def _witness(a: LinearSystem, b: LinearSystem, x: np.ndarray, exact: bool, method: str, scope: str,
             rtol: float) -> EquivalenceResult:
    # The output after the witness's last step, by the one stack recurrence (Stack.run).
    ya, yb = (sys.to_stack().run(x, exact=exact)[-1] for sys in (a, b))
    if exact and not np.any(ya != yb):  # pragma: no cover - the criterion guarantees a difference
        raise ArithmeticError("equivalent: witness did not verify")
    va = ya[0] if ya.shape[0] == 1 else ya
    vb = yb[0] if yb.shape[0] == 1 else yb
    return EquivalenceResult(False, x, exact, (va, vb), method, scope, None if exact else rtol)
