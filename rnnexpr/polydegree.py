"""Exact polynomial degree of a stack's output in its inputs (:doc:`/theory/t4`, :doc:`/theory/t6` (a)).

On real inputs the output ``y_T`` of a linear (2)RNN stack, or of a stack with
linear recurrences and a polynomial activation between layers, is a polynomial
in ``x_1, ..., x_T`` (each ``x_t`` in ``R^d``).  :func:`degree` computes

* ``total``: its total degree in all ``T d`` coordinates;
* ``per_input``: its degree in the block ``x_t`` (all ``d`` coordinates of
  time step ``t``), for ``t = 1..T``.

Two exact methods:

``"symbolic"``
    Runs the recurrence on sparse polynomials over Q (sympy's ``ring``) and
    reads the degrees off the expanded polynomial.  Exponential in ``T`` for
    deep 2RNN stacks: small cases only, and the baseline of the benchmark.

``"modular"``
    Never expands.  A structural recursion gives an upper bound ``U`` on each
    degree (``binom(T+L-1, L)`` for a full depth-``L`` linear 2RNN stack, T4).
    The output is evaluated modulo a random prime ``p`` in ``[2^30, 2^31)`` in
    int64 arithmetic, on ``U + 1`` points of a random line ``x = a + s b``
    (``s = 0..U``), or of a line that moves only ``x_t``.  The degree of
    ``s -> y(a + s b)`` is the largest ``k`` whose finite difference
    ``Delta^k`` at 0 is nonzero mod p (``p > U`` so ``k!`` is invertible).

    Guarantees.  Reduction mod p is a ring map on ``Z_(p)`` (primes dividing a
    parameter denominator are rejected), so a reported degree is a *proven
    lower bound*; when it meets the structural upper bound it is proven exact
    (``certified``, error probability 0).  Otherwise it can be too small only
    if the top-degree part vanishes at the random direction (Schwartz-Zippel,
    ``<= U_total / 2^30``) or ``p`` divides a nonzero coefficient of ``y``; that
    coefficient's numerator over the common denominator ``Q^J`` is at most
    ``Q^J y_abs(1, ..., 1)`` (``Q`` the lcm of parameter denominators, ``J`` the
    largest number of parameter factors in a term, ``y_abs`` the network with
    absolute parameters), so at most ``log2(that) / 30`` of the primes
    (counted with the Rosser-Schoenfeld bounds) are bad.  Rounds with
    independent primes and points multiply the per-degree failure probability;
    a union bound over the uncertified degrees gives ``error_probability``.

Float parameters are converted exactly at their binary value
(:func:`~rnnexpr.numbers.to_exact_array`): the degree is that of the
polynomial those exact values define (float evaluation of a polynomial of
degree in the thousands would be meaningless).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .errors import InvalidArgumentError, ModelKindError, ShapeError, SizeLimitError
from .fields import GF, error_probability, random_prime
from .fields import PRIME_RANGE as _FIELD_PRIME_RANGE
from .limits import check_size, check_work
from .models import Arithmetic, ArrayArithmetic, DepthwiseStack, Stack, run_recurrence
from .numbers import to_exact_array
from .validation import check_int, deprecated_positional

__all__ = [
    "DegreeResult",
    "degree",
    "degree_bound",
    "per_input_bound",
    "degree_upper_bounds",
    "PRIME_RANGE",
]

#: Primes of the modular method are drawn uniformly from this range (that of
#: :func:`rnnexpr.fields.random_prime`): residues below 2^31 keep every product of
#: two residues inside int64.
PRIME_RANGE = _FIELD_PRIME_RANGE

_NEG = None  # degree of the zero polynomial (minus infinity) in the recursions


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DegreeResult:
    """Exact degrees of ``y_T`` in ``x_1..x_T``.

    Attributes
    ----------
    total : int
        Total degree in all input coordinates; ``-1`` for the zero polynomial.
    per_input : tuple of int
        Degree in the block ``x_t`` for ``t = 1..T`` (``-1`` when ``y_T = 0``).
    method : str
        ``"symbolic"`` or ``"modular"``.
    exact : bool
        Always True: both methods are exact arithmetic (rationals, or integers
        mod p with ``error_probability`` stated).
    error_probability : float
        0 for the symbolic method and for certified modular results; else an
        upper bound on the probability that some reported degree is too small.
    length, input_dim : int
        ``T`` and ``d``.
    upper_bound : int
        Structural upper bound on ``total`` (see :func:`degree_upper_bounds`).
    per_input_upper_bound : tuple of int
        Structural upper bounds on ``per_input``.
    certified : bool
        True when every degree is proven (symbolic, or lower bound = upper bound).
    primes : tuple of int
        Primes used by the modular method (one per round).
    seed : int or None
        Seed of the modular method's randomness.

    Examples
    --------
    >>> from rnnexpr.constructions import product_witness
    >>> r = degree(product_witness(), 3)
    >>> r.total, r.per_input, r.method, r.certified
    (3, (1, 1, 1), 'symbolic', True)
    >>> r.upper_bound, r.error_probability
    (3, 0.0)
    """

    total: int
    per_input: tuple[int, ...]
    method: str
    exact: bool
    error_probability: float
    length: int
    input_dim: int
    upper_bound: int
    per_input_upper_bound: tuple[int, ...]
    certified: bool
    primes: tuple[int, ...] = field(default=())
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary.

        Examples
        --------
        >>> from rnnexpr.constructions import product_witness
        >>> degree(product_witness(), 3).to_dict()["per_input"]
        [1, 1, 1]
        """
        return {
            "total": self.total,
            "per_input": list(self.per_input),
            "method": self.method,
            "exact": self.exact,
            "error_probability": self.error_probability,
            "length": self.length,
            "input_dim": self.input_dim,
            "upper_bound": self.upper_bound,
            "per_input_upper_bound": list(self.per_input_upper_bound),
            "certified": self.certified,
            "primes": list(self.primes),
            "seed": self.seed,
        }


# ---------------------------------------------------------------------------
# Bounds
# ---------------------------------------------------------------------------


def degree_bound(length: int, depth: int) -> int:
    """T4: ``binom(T + L - 1, L)``, the total degree of a generic depth-``L`` linear 2RNN at length ``T``.

    Parameters
    ----------
    length : int
        ``T >= 1``.
    depth : int
        ``L >= 1``.

    Returns
    -------
    int

    Examples
    --------
    >>> degree_bound(5, 1), degree_bound(5, 2), degree_bound(40, 3)
    (5, 15, 11480)
    """
    T = check_int(length, "length", minimum=1)
    L = check_int(depth, "depth", minimum=1)
    return math.comb(T + L - 1, L)


def per_input_bound(length: int, depth: int, t: int) -> int:
    """T4: ``binom(T - t + L - 1, L - 1)``, the degree in ``x_t`` of a generic depth-``L`` linear 2RNN.

    For ``t = 1`` this is ``binom(T + L - 2, L - 1)``; the bounds over
    ``t = 1..T`` sum to :func:`degree_bound`.

    Parameters
    ----------
    length : int
        ``T >= 1``.
    depth : int
        ``L >= 1``.
    t : int
        Time step, ``1 <= t <= T``.

    Returns
    -------
    int

    Examples
    --------
    >>> [per_input_bound(4, 2, t) for t in range(1, 5)]
    [4, 3, 2, 1]
    """
    T = check_int(length, "length", minimum=1)
    L = check_int(depth, "depth", minimum=1)
    t = check_int(t, "t", minimum=1)
    if t > T:
        raise InvalidArgumentError(f"t: expected a time step in 1..{T}, got {t}")
    return math.comb(T - t + L - 1, L - 1)


# ---------------------------------------------------------------------------
# The network in exact form
# ---------------------------------------------------------------------------


@dataclass
class _Net:
    """Exact parameters of one scalar output; absent or all-zero terms are None."""

    layers: list[dict[str, np.ndarray | None]]
    widths: list[int]
    stack_layers: tuple  # the model's layers, for run_recurrence
    input_dim: int
    C: np.ndarray | None
    c: Fraction | None
    sigma: tuple[Fraction, ...] | None  # polynomial coefficients between layers (None: no activation)
    readout_sigma: bool


def _nonzero_or_none(a: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return None
    a = to_exact_array(a)
    return a if any(v != 0 for v in a.ravel()) else None


def _as_net(model: Any, output: int) -> _Net:
    if not isinstance(model, Stack | DepthwiseStack):
        raise ModelKindError(
            f"model: expected a Stack or a DepthwiseStack (a polynomial in the inputs), got {type(model).__name__}"
        )
    if isinstance(output, bool) or not isinstance(output, int | np.integer) or not 0 <= output < model.output_dim:
        raise ShapeError(f"output: expected an index in 0..{model.output_dim - 1}, got {output!r}")
    sigma = None
    readout_sigma = False
    if isinstance(model, DepthwiseStack):
        act = model.activation
        if act.name == "polynomial":
            coeffs = list(to_exact_array(np.array(act.coefficients, dtype=object)))
        elif act.name == "identity":
            coeffs = [Fraction(0), Fraction(1)]
        else:
            raise ModelKindError(
                f"model: expected a polynomial or identity activation, got {act.name!r}; its output is not a "
                "polynomial in the inputs (for ReLU it is piecewise linear, statement T6 (b))"
            )
        while len(coeffs) > 1 and coeffs[-1] == 0:
            coeffs.pop()
        sigma = tuple(coeffs)
        readout_sigma = bool(model.readout_activation)
    layers = []
    for layer in model.layers:
        layers.append({t: _nonzero_or_none(getattr(layer, t)) for t in ("A", "U", "V", "b", "h0")})
    C = _nonzero_or_none(model.C[output])
    c = None if model.c is None else to_exact_array(model.c)[output]
    return _Net(layers, [layer.width for layer in model.layers], tuple(model.layers), model.input_dim, C,
                c if c is not None and c != 0 else None, sigma, readout_sigma)


# ---------------------------------------------------------------------------
# Structural recursions: degree upper bounds and the number of parameter factors
# ---------------------------------------------------------------------------


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


def _max(*vals: int | None) -> int | None:
    present = [v for v in vals if v is not None]
    return max(present) if present else None


def _sigma_degree(net: _Net, deg: int | None) -> int | None:
    if net.sigma is None:  # no activation between layers: the identity keeps the degree
        return deg
    p = len(net.sigma) - 1
    const = 0 if net.sigma[0] != 0 else None
    if deg is None:
        return const
    return deg * p if p > 0 else const


class _DegreeBounds(Arithmetic):
    """Upper bounds on degrees (None: the zero polynomial), following which terms are present."""

    def __init__(self, net: _Net) -> None:
        self.net = net

    def terms(self, index: int, layer: Any) -> dict[str, np.ndarray | None]:
        return self.net.layers[index]

    def initial(self, terms: dict, width: int) -> int | None:
        return 0 if terms["h0"] is not None else None

    def step(self, terms: dict, h: int | None, z: int | None, drive: Any) -> int | None:
        return _max(
            _add(h, z) if terms["A"] is not None else None,
            z if terms["U"] is not None else None,
            h if terms["V"] is not None else None,
            0 if terms["b"] is not None else None,
        )

    def activate(self, z_block: list) -> list:
        return z_block if self.net.sigma is None else [_sigma_degree(self.net, z) for z in z_block]


def _bound_recursion(net: _Net, inputs: list[int | None]) -> int | None:
    """Upper bound on deg y_T given upper bounds on the degrees of x_1..x_T (list of length T)."""
    top = run_recurrence(net.stack_layers, inputs, _DegreeBounds(net), keep="last")
    if net.readout_sigma:
        top = _sigma_degree(net, top)
    return _max(top if net.C is not None else None, 0 if net.c is not None else None)


def _bounds(net: _Net, T: int) -> tuple[int, tuple[int, ...]]:
    total = _bound_recursion(net, [1] * T)
    per = tuple(_bound_recursion(net, [1 if s == t else 0 for s in range(T)]) for t in range(T))
    as_int = lambda v: -1 if v is None else int(v)  # noqa: E731
    return as_int(total), tuple(as_int(v) for v in per)


@deprecated_positional
def degree_upper_bounds(model: Stack | DepthwiseStack, length: int, *, output: int = 0) -> tuple[int, tuple[int, ...]]:
    """Structural upper bounds on the total and per-input degrees of ``y_T``.

    The recursion follows which terms are present (nonzero): a layer maps input
    degree ``z`` and previous-state degree ``h`` to ``max(h + z [A], z [U], h [V], 0 [b])``;
    a polynomial activation of degree ``p`` multiplies degrees by ``p``.  For a
    full depth-``L`` 2RNN stack this gives :func:`degree_bound` and
    :func:`per_input_bound`; for linear RNN stacks 1; for a polynomial
    activation between layers ``p^(L-1)`` (``p^L`` with ``readout_activation``).

    Parameters
    ----------
    model : Stack or DepthwiseStack
    length : int
        ``T >= 1``, within the ``length`` budget of :mod:`rnnexpr.limits`, and with the
        recursions' cost (about ``2 T^2 L`` steps) within its ``work`` budget.
    output : int
        Output coordinate.

    Returns
    -------
    (int, tuple of int)
        Bound on the total degree, bounds on the degree in each ``x_t``
        (``-1`` where the polynomial is identically zero).

    Raises
    ------
    SizeLimitError
        When ``length`` is above a budget (checked before anything is computed).

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> degree_upper_bounds(random_stack([2, 2], 1, seed=0, exact=True), 3)
    (6, (3, 2, 1))
    """
    T = _checked_length(length, model)
    return _bounds(_as_net(model, output), T)


def _checked_length(length: Any, model: Any) -> int:
    """``T``: a positive integer within the ``length`` budget, whose degree bounds fit the ``work`` budget.

    The one check of every entry point (the command line relies on it too), made before the
    T-long input lists of the recursions are built.
    """
    T = check_int(length, "length", minimum=1)
    check_size(T, "length", "length")
    if isinstance(model, Stack | DepthwiseStack):  # anything else is refused by _as_net
        depth = len(model.layers)
        # The bounds run T + 1 degree recursions of T steps through every layer: about 2 T^2 L steps.
        check_work(2 * T * T * depth, f"length: the degree at T={T} of a depth-{depth} stack")
    return T


class _FactorCounts(Arithmetic):
    """Upper bounds on the number of parameter factors in a term of each state."""

    def __init__(self, net: _Net) -> None:
        self.p = None if net.sigma is None else len(net.sigma) - 1

    def initial(self, terms: Any, width: int) -> int:
        return 1

    def step(self, terms: Any, h: int, z: int, drive: Any) -> int:
        return 1 + h + z

    def activate(self, z_block: list) -> list:
        return z_block if self.p is None else [1 + self.p * z for z in z_block]


def _factor_count(net: _Net, T: int) -> int:
    """Upper bound J on the number of parameter factors in any term of y_T's expansion."""
    counts = _FactorCounts(net)
    top = run_recurrence(net.stack_layers, [0] * T, counts, keep="last")
    if net.readout_sigma:
        top = 1 + (counts.p or 0) * top
    return 1 + top


def _horner(coefficients: Any, z: np.ndarray) -> np.ndarray:
    out = np.full(z.shape, Fraction(0), dtype=object)
    for coef in reversed(coefficients):
        out = out * z + coef
    return out


class _AbsoluteValues(ArrayArithmetic):
    """Exact evaluation of the network with every parameter replaced by its absolute value."""

    def __init__(self, net: _Net) -> None:
        super().__init__(exact=True, batch=1)
        self.net = net
        self.sigma = None if net.sigma is None else [abs(c) for c in net.sigma]

    def terms(self, index: int, layer: Any) -> dict[str, Any]:
        absf = np.vectorize(abs, otypes=[object])
        out: dict[str, Any] = {k: None if v is None else absf(v) for k, v in self.net.layers[index].items()}
        m = self.net.input_dim if index == 0 else self.net.widths[index - 1]
        return out | {"width": self.net.widths[index], "input_dim": m}

    def activate(self, z_block: np.ndarray) -> np.ndarray:
        return z_block if self.sigma is None else _horner(self.sigma, z_block)


def _abs_value_at_ones(net: _Net, T: int) -> Fraction:
    """y_T of the network with absolute parameters at x = (1, ..., 1): bounds the sum of |coefficients|."""
    ar = _AbsoluteValues(net)
    ones = np.full((T, 1, net.input_dim), Fraction(1), dtype=object)
    top = run_recurrence(net.stack_layers, ones, ar, keep="last")[0]
    if net.readout_sigma:
        top = _horner(ar.sigma, top)
    val = Fraction(0)
    if net.C is not None:
        val += sum(abs(cv) * tv for cv, tv in zip(net.C, top))
    if net.c is not None:
        val += abs(net.c)
    return Fraction(val)


def _all_params(net: _Net) -> list[Fraction]:
    out: list[Fraction] = []
    for terms in net.layers:
        for a in terms.values():
            if a is not None:
                out.extend(a.ravel())
    if net.C is not None:
        out.extend(net.C)
    if net.c is not None:
        out.append(net.c)
    if net.sigma is not None:
        out.extend(net.sigma)
    return [Fraction(v) for v in out]


# ---------------------------------------------------------------------------
# Symbolic method
# ---------------------------------------------------------------------------


def _monomial_estimate(net: _Net, T: int, total: int, per: tuple[int, ...]) -> int:
    d = net.input_dim
    by_block = math.prod(math.comb(d + max(e, 0), d) for e in per)
    return min(by_block, math.comb(T * d + max(total, 0), max(total, 0)))


class _Polynomials(Arithmetic):
    """States as lists of sparse polynomials over Q (sympy's ring); zero coefficients skipped."""

    def __init__(self, net: _Net, R: Any, q: Any) -> None:
        self.net, self.R, self.q = net, R, q

    def terms(self, index: int, layer: Any) -> dict[str, Any]:
        q = self.q
        terms = self.net.layers[index]
        nz = lambda a: None if a is None else {ix: q(v) for ix, v in np.ndenumerate(a) if v != 0}  # noqa: E731
        return {"A": nz(terms["A"]), "U": nz(terms["U"]), "V": nz(terms["V"]), "b": nz(terms["b"]),
                "h0": None if terms["h0"] is None else [q(v) for v in terms["h0"]], "width": self.net.widths[index]}

    def initial(self, terms: dict, width: int) -> list:
        return list(terms["h0"]) if terms["h0"] is not None else [self.R(0)] * width

    def drive(self, terms: dict, z_block: list) -> list | None:
        U, b, n = terms["U"], terms["b"], terms["width"]
        if U is None and b is None:
            return None
        out = []
        for z in z_block:
            new = [self.R(0)] * n
            if U is not None:
                for (k, j), u in U.items():
                    new[k] = new[k] + u * z[j]
            if b is not None:
                for (k,), v in b.items():
                    new[k] = new[k] + v
            out.append(new)
        return out

    def step(self, terms: dict, h: list, z: list, drive: list | None) -> list:
        new = list(drive) if drive is not None else [self.R(0)] * terms["width"]
        if terms["A"] is not None:
            hz: dict[tuple[int, int], Any] = {}
            for (i, j, k), a in terms["A"].items():
                if (i, j) not in hz:
                    hz[i, j] = h[i] * z[j]
                if hz[i, j]:
                    new[k] = new[k] + a * hz[i, j]
        if terms["V"] is not None:
            for (k, i), v in terms["V"].items():
                new[k] = new[k] + v * h[i]
        return new

    def activate(self, z_block: list) -> list:
        if self.net.sigma is None:
            return z_block
        return [self.sigma(z) for z in z_block]

    def sigma(self, z: list) -> list:
        if self.net.sigma is None:  # no activation: the identity
            return z
        out = []
        for v in z:
            acc = self.R(0)
            for coef in reversed(self.net.sigma):
                acc = acc * v + self.q(coef)
            out.append(acc)
        return out


def _symbolic(net: _Net, T: int) -> tuple[int, tuple[int, ...]]:
    from sympy import QQ, ring  # lazy: sympy is slow to import

    d = net.input_dim
    names = [f"x{t}_{j}" for t in range(1, T + 1) for j in range(d)]
    R, *gens = ring(names, QQ)
    q = lambda v: R(QQ(v.numerator, v.denominator))  # noqa: E731
    polys = _Polynomials(net, R, q)
    z_seq = [[gens[t * d + j] for j in range(d)] for t in range(T)]
    top = run_recurrence(net.stack_layers, z_seq, polys, keep="last")
    if net.readout_sigma:
        top = polys.sigma(top)
    y = R(0)
    if net.C is not None:
        y = y + sum((q(cv) * tv for cv, tv in zip(net.C, top) if cv != 0), R(0))
    if net.c is not None:
        y = y + q(net.c)
    if not y:
        return -1, tuple([-1] * T)
    total = 0
    per = [0] * T
    for mono in y:
        total = max(total, sum(mono))
        for t in range(T):
            per[t] = max(per[t], sum(mono[t * d:(t + 1) * d]))
    return total, tuple(per)


# ---------------------------------------------------------------------------
# Modular method
# ---------------------------------------------------------------------------


def _residue(v: Fraction, p: int) -> int:
    return int(GF(p).residues([v])[0])


def _mod_array(a: np.ndarray | None, p: int) -> np.ndarray | None:
    if a is None:
        return None
    return GF(p).residues(a)


class _Residues(Arithmetic):
    """Batched evaluation mod p: states (B, n) of int64 residues (products of residues < 2^31 fit)."""

    def __init__(self, net: _Net, p: int, batch: int) -> None:
        self.net, self.p, self.batch = net, p, batch
        self.sig = None if net.sigma is None else [_residue(v, p) for v in net.sigma]

    def terms(self, index: int, layer: Any) -> dict[str, Any]:
        return {k: _mod_array(v, self.p) for k, v in self.net.layers[index].items()}

    def initial(self, terms: dict, width: int) -> np.ndarray:
        h0 = terms["h0"]
        return np.broadcast_to(h0 if h0 is not None else np.zeros(width, np.int64), (self.batch, width)).copy()

    def block(self, widths: Any) -> int:
        return 1  # stream: keep one (B, n) state per layer, never a (T, B, n) array

    def step(self, terms: dict, h: np.ndarray, z: np.ndarray, drive: Any) -> np.ndarray:
        p, n = self.p, h.shape[1]
        out = np.zeros((self.batch, n), dtype=np.int64)
        # Every product of two residues (< 2^31) fits in int64; reduce before adding.
        if terms["A"] is not None:
            A = terms["A"]
            for i in range(A.shape[0]):
                for j in range(A.shape[1]):
                    if A[i, j].any():
                        hz = (h[:, i] * z[:, j]) % p
                        out += (hz[:, None] * A[i, j][None, :]) % p
        if terms["U"] is not None:
            for j in range(z.shape[1]):
                out += (z[:, j, None] * terms["U"][:, j][None, :]) % p
        if terms["V"] is not None:
            for i in range(n):
                out += (h[:, i, None] * terms["V"][:, i][None, :]) % p
        if terms["b"] is not None:
            out += terms["b"][None, :]
        return out % p

    def activate(self, z_block: list) -> list:
        return z_block if self.sig is None else [self.sigma(z) for z in z_block]

    def sigma(self, z: np.ndarray) -> np.ndarray:
        if self.sig is None:  # no activation: the identity
            return z
        out = np.full(z.shape, self.sig[-1], dtype=np.int64)
        for coef in reversed(self.sig[:-1]):
            out = (out * z + coef) % self.p
        return out


class _PointInputs:
    """x_t mod p at every point, made step by step (a sliceable sequence of (B, d) arrays)."""

    def __init__(self, p: int, a: np.ndarray, b: np.ndarray, group: np.ndarray, s: np.ndarray) -> None:
        self.p, self.a, self.b, self.group, self.s = p, a, b, group, s

    def __len__(self) -> int:
        return self.a.shape[0]

    def __getitem__(self, index: slice) -> list[np.ndarray]:
        out = []
        for t in range(*index.indices(len(self))):
            z = np.broadcast_to(self.a[t], (self.s.shape[0], self.a.shape[1])).copy()
            moving = (self.group == 0) | (self.group == t + 1)
            z[moving] = (z[moving] + (self.s[moving, None] * self.b[t][None, :]) % self.p) % self.p
            out.append(z)
        return out


def _evaluate_mod(net: _Net, T: int, p: int, a: np.ndarray, b: np.ndarray,
                  group: np.ndarray, s: np.ndarray) -> np.ndarray:
    """y_T mod p at every point: point k moves x along b by s_k, on every step (group 0) or step group_k only."""
    C = _mod_array(net.C, p)
    c = 0 if net.c is None else _residue(net.c, p)
    B = s.shape[0]
    residues = _Residues(net, p, B)
    top = run_recurrence(net.stack_layers, _PointInputs(p, a[:T], b[:T], group, s), residues, keep="last")
    if net.readout_sigma:
        top = residues.sigma(top)
    y = np.full(B, c, dtype=np.int64)
    if C is not None:
        for i in range(top.shape[1]):
            y = (y + (top[:, i] * C[i]) % p) % p
    return y


def _degree_from_values(values: np.ndarray, p: int) -> int:
    """Largest k with Delta^k v[0] != 0 mod p (the degree of the interpolating polynomial), -1 if none."""
    arr = values.astype(np.int64) % p
    deg = 0 if arr[0] != 0 else -1
    for k in range(1, arr.shape[0]):
        arr = (arr[1:] - arr[:-1]) % p
        if arr[0] != 0:
            deg = k
        elif not arr.any():
            break  # every higher difference vanishes too
    return deg


def _modular(net: _Net, T: int, bounds: tuple[int, tuple[int, ...]], seed: int, rounds: int,
             ) -> tuple[int, tuple[int, ...], float, tuple[int, ...], bool]:
    total_ub, per_ub = bounds
    params = _all_params(net)
    Q = math.lcm(*(v.denominator for v in params)) if params else 1
    rng = random.Random(seed)
    low, high = PRIME_RANGE
    group_sizes = [max(total_ub, 0) + 1] + [max(u, 0) + 1 for u in per_ub]
    group = np.repeat(np.arange(T + 1), group_sizes)
    s = np.concatenate([np.arange(k, dtype=np.int64) for k in group_sizes])
    offsets = np.concatenate([[0], np.cumsum(group_sizes)])
    best_total, best_per = -1, [-1] * T
    primes = []
    for _ in range(rounds):
        p = random_prime(rng.randrange(2**63), low=low, high=high, avoid=Q)
        primes.append(p)
        np_rng = np.random.default_rng(rng.randrange(2**63))
        a = np_rng.integers(0, p, size=(T, net.input_dim), dtype=np.int64)
        b = np_rng.integers(0, p, size=(T, net.input_dim), dtype=np.int64)
        y = _evaluate_mod(net, T, p, a, b, group, s)
        degs = [_degree_from_values(y[offsets[g]:offsets[g + 1]], p) for g in range(T + 1)]
        best_total = max(best_total, degs[0])
        best_per = [max(x, y_) for x, y_ in zip(best_per, degs[1:])]
        if best_total == total_ub and all(x == u for x, u in zip(best_per, per_ub)):
            break
    uncertified = int(best_total != total_ub) + sum(x != u for x, u in zip(best_per, per_ub))
    if uncertified == 0:
        return best_total, tuple(best_per), 0.0, tuple(primes), True
    # Failure bound per degree and round (module docstring).
    J = _factor_count(net, T)
    y_abs = _abs_value_at_ones(net, T)
    log2_height = J * math.log2(Q) + max(math.log2(y_abs) if y_abs > 0 else 0.0, 0.0) + 1
    eps = min(1.0, max(total_ub, 0) / low + error_probability(log2_height, low=low, high=high,
                                                              avoid_log2=math.log2(Q)))
    prob = min(1.0, uncertified * eps ** len(primes))
    return best_total, tuple(best_per), prob, tuple(primes), False


# ---------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------

#: ``method="auto"`` expands symbolically when the estimated number of monomials is at most this.
AUTO_SYMBOLIC_MONOMIALS = 2000
#: The symbolic method refuses more estimated monomials than this.
MAX_SYMBOLIC_MONOMIALS = 10**6
#: The modular method refuses degree bounds above this (its cost is quadratic in the bound).
MAX_MODULAR_DEGREE = 60_000
#: The modular method refuses runs whose estimated residue operations exceed this.
MAX_MODULAR_WORK = 4 * 10**9


@deprecated_positional
def degree(
    model: Stack | DepthwiseStack,
    length: int,
    *,
    method: str = "auto",
    seed: int = 0,
    output: int = 0,
    rounds: int = 2,
    exact: bool = True,
) -> DegreeResult:
    """The exact total and per-input degrees of ``y_T`` as a polynomial in ``x_1..x_T`` (T4, T6a).

    Parameters
    ----------
    model : Stack or DepthwiseStack
        A linear RNN or linear 2RNN stack (any of A, U, V, b, h0), or a stack
        with linear recurrences and a polynomial or identity activation.
    length : int
        ``T >= 1``, within the ``length`` budget of :mod:`rnnexpr.limits` (default
        100000), and with the degree bounds' cost, about ``2 T^2 L`` steps for depth
        ``L``, within its ``work`` budget (so ``T`` up to about 2700 at depth 2 by
        default); raise them with :func:`rnnexpr.limits.budget` or ``RNNEXPR_LIMITS``.
    method : {"auto", "symbolic", "modular"}
        ``"auto"`` expands symbolically when the polynomial is small (at most
        ``AUTO_SYMBOLIC_MONOMIALS`` estimated monomials) and evaluates
        modulo primes otherwise.  See the module docstring.
    seed : int
        Seed of the primes and points of the modular method.
    output : int
        Output coordinate.
    rounds : int
        Maximum number of independent modular rounds (stops early once every
        degree meets its upper bound).
    exact : bool
        Must be True (the default): both methods are exact, and a degree read
        off floating-point evaluations would be meaningless, so ``False`` is
        refused rather than silently ignored.

    Returns
    -------
    DegreeResult

    Raises
    ------
    ModelKindError
        For other models, or a ReLU / tanh activation (not a polynomial).
    SizeLimitError
        When ``length`` is above the ``length`` or ``work`` budget (checked before
        anything is computed), or the symbolic expansion or the modular evaluation
        would be too large.
    ValueError, TypeError
        For a bad ``length``, ``method``, ``seed`` or ``rounds``, or ``exact=False``.

    See Also
    --------
    degree_bound : T4's ``binom(T + L - 1, L)``, the degree of a generic depth-``L`` linear 2RNN.
    degree_upper_bounds : the bounds propagated through the given network's structure.
    per_input_bound : the bound for the degree in one input x_t.

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> s = random_stack([2, 2], input_dim=1, seed=0, exact=True)
    >>> r = degree(s, 4); r.total, r.per_input, r.method
    (10, (4, 3, 2, 1), 'symbolic')
    >>> r = degree(s, 4, method="modular"); r.total, r.certified, r.error_probability
    (10, True, 0.0)
    """
    T = _checked_length(length, model)
    if exact is not True:
        raise InvalidArgumentError(
            f"exact: expected True (degrees are computed exactly, symbolically or modulo primes), got {exact!r}"
        )
    if method not in ("auto", "symbolic", "modular"):
        raise InvalidArgumentError(f"method: expected 'auto', 'symbolic' or 'modular', got {method!r}")
    seed = check_int(seed, "seed", minimum=0)
    rounds = check_int(rounds, "rounds", minimum=1)
    net = _as_net(model, output)
    total_ub, per_ub = _bounds(net, T)
    estimate = _monomial_estimate(net, T, total_ub, per_ub)
    if method == "auto":
        method = "symbolic" if estimate <= AUTO_SYMBOLIC_MONOMIALS else "modular"
    if method == "symbolic":
        if estimate > MAX_SYMBOLIC_MONOMIALS:
            raise SizeLimitError(
                f"length: symbolic expansion at T={T} may have up to {estimate} monomials "
                f"(limit {MAX_SYMBOLIC_MONOMIALS}); use method='modular'"
            )
        total, per = _symbolic(net, T)
        return DegreeResult(total, per, "symbolic", exact=True, error_probability=0.0, length=T,
                            input_dim=net.input_dim, upper_bound=total_ub, per_input_upper_bound=per_ub,
                            certified=True)
    if total_ub > MAX_MODULAR_DEGREE:
        raise SizeLimitError(
            f"length: the degree bound at T={T} is {total_ub}, above the modular limit {MAX_MODULAR_DEGREE} "
            "(cost is quadratic in the bound)"
        )
    # Finite differences cost sum (U_g + 1)^2 / 2 over the T + 1 lines; evaluation costs points * T.
    sizes = [max(total_ub, 0) + 1] + [max(u, 0) + 1 for u in per_ub]
    work = sum(g * g for g in sizes) // 2 + sum(sizes) * T
    if work > MAX_MODULAR_WORK:
        raise SizeLimitError(
            f"length: the modular method at T={T} needs {sum(sizes)} evaluation points and about {work} "
            f"residue operations, above the limit {MAX_MODULAR_WORK}"
        )
    total, per, prob, primes, certified = _modular(net, T, (total_ub, per_ub), seed, rounds)
    return DegreeResult(total, per, "modular", exact=True, error_probability=prob, length=T,
                        input_dim=net.input_dim, upper_bound=total_ub, per_input_upper_bound=per_ub,
                        certified=certified, primes=primes, seed=seed)
