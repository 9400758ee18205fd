"""Lifted linear representation of deep linear 2RNN stacks on one-hot inputs (:doc:`/theory/t5`).

A stack of linear 2RNN layers is not a WFA, but for a *fixed suffix length* ``m``
its output is linear in a polynomial feature of the prefix's states::

    f(u v) = < phi_m(u), G_v >        for every suffix v with |v| = m.

We work with homogeneous states: the stack itself when it is pure (no U, V, b and
no readout bias), else :func:`rnnexpr.conversions.augment` of it (states ``[1; h]``).
Write ``N_l`` for these *lifted widths* and ``h^l`` for the states.  One step of
layer ``l`` is bilinear in (its previous state, the new state of layer ``l - 1``),
so after ``m`` more symbols ``h^L`` has degree 1 in ``h^L_u`` and degree
``D_l(m) = binom(m + L - l - 1, L - l)`` in ``h^l_u`` (``D_L = 1``,
``D_{L-1}(m) = m``, ``D_{L-2}(m) = m (m + 1) / 2``, ...).  Hence

    phi_m(u) = h^L_u (x) sym^{D_{L-1}(m)}(h^{L-1}_u) (x) ... (x) sym^{D_1(m)}(h^1_u)

in the monomial basis of each symmetric power, of dimension

    r_m = N_L * prod_{l < L} binom(N_l + D_l(m) - 1, D_l(m)).

Since ``D_l(m) = D_l(m - 1) + D_{l+1}(m)``, ``phi_{m-1}(u s)`` is a linear function
of ``phi_m(u)``: ``phi_{m-1}(u s)^T = phi_m(u)^T E_s^(m)``, the *level-m core*.
Depth 1 is the WFA itself (``r_m = N_1``, ``E_s = A_s``).  The length-T slice of
``f`` is then the tensor train ``phi_T(empty)^T E^(T) ... E^(1) C``.

The cores are built without evaluating any word: ``E_s^(m)`` is the composition,
from the top layer down, of the symmetric powers of each layer's bilinear map
(a ring-homomorphism computed by monomial multiplication tables), so building
level ``m`` costs polynomial time in ``r_m``.

This module is also the *deep-stack kernel* shared by the algorithms above it
(:mod:`rnnexpr.hankel` rank profiles, :mod:`rnnexpr.equivalence`,
:mod:`rnnexpr.tt`): :class:`rnnexpr.lifted.HomogeneousParameters` (from
:func:`rnnexpr.lifted.homogeneous_parameters`) holds the pure parameters and runs them, exactly,
in floats or mod a prime (``residues``):
``states_after``, ``values_from_states`` (a batch of starting states along the
trie of the words), ``word_values`` (every word of each length), ``features``
(monomial features ``phi_m``), ``core`` (the level cores), ``embedding_index``
and ``integer_form``; :func:`rnnexpr.lifted.entry_budget` is its budget.  The runs
are the one stack recurrence, :func:`rnnexpr.models.run_recurrence`, with the
homogeneous form's arithmetic plugged in; residues use the int64 kernels of
:mod:`rnnexpr.fields` (:func:`rnnexpr.fields.matmul_mod`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np

from .errors import InvalidArgumentError, ModelKindError, ShapeError, SizeLimitError
from .fields import matmul_mod
from .models import WFA, Arithmetic, Stack, check_words, run_recurrence
from .numbers import to_exact_array, to_float_array, zeros
from .validation import check_choice, check_int, deprecated_positional

__all__ = [
    "LiftedRepresentation",
    "HomogeneousParameters",
    "homogeneous_parameters",
    "entry_budget",
    "lift",
    "lifted_widths",
    "feature_degrees",
    "level_dimension",
    "level_core",
    "prefix_features",
    "suffix_functionals",
    "readout_functional",
    "DEFAULT_MAX_ENTRIES_EXACT",
    "DEFAULT_MAX_ENTRIES_FLOAT",
]

#: Default budget (number of array entries) for exact lifts: Fractions cost ~100 bytes each.
DEFAULT_MAX_ENTRIES_EXACT = 2_000_000
#: Default budget (number of array entries) for float64 lifts.
DEFAULT_MAX_ENTRIES_FLOAT = 50_000_000


# ---------------------------------------------------------------------------
# Monomial bookkeeping
# ---------------------------------------------------------------------------


@cache
def _monomials(N: int, k: int) -> tuple[tuple[int, ...], ...]:
    """Degree-k monomials in N variables as sorted index tuples (lexicographic order)."""
    return tuple(itertools.combinations_with_replacement(range(N), k))


@cache
def _monomial_index(N: int, k: int) -> dict[tuple[int, ...], int]:
    return {mono: i for i, mono in enumerate(_monomials(N, k))}


@cache
def _parent_table(N: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For each degree-k monomial (k >= 1): its first variable and the index of the rest."""
    index = _monomial_index(N, k - 1)
    monos = _monomials(N, k)
    first = np.array([m[0] for m in monos], dtype=np.int64)
    parent = np.array([index[m[1:]] for m in monos], dtype=np.int64)
    return first, parent


@cache
def _mul_table(N: int, k1: int, k2: int) -> np.ndarray:
    """T[i, j] = index of (monomial i of degree k1) * (monomial j of degree k2) in degree k1 + k2."""
    index = _monomial_index(N, k1 + k2)
    m1, m2 = _monomials(N, k1), _monomials(N, k2)
    out = np.empty((len(m1), len(m2)), dtype=np.int64)
    for i, a in enumerate(m1):
        for j, b in enumerate(m2):
            out[i, j] = index[tuple(sorted(a + b))]
    return out


def _num_monomials(N: int, k: int) -> int:
    return math.comb(N + k - 1, k)


def _monomial_features(H: np.ndarray, k: int, exact: bool, modulus: int | None = None) -> np.ndarray:
    """Rows of H (B, N) -> all degree-k monomials of each row, shape (B, binom(N+k-1, k)); mod p if given."""
    B, N = H.shape
    # Integer 1 in the exact case: Fraction inputs stay Fractions, integer inputs stay (fast) ints.
    cur = np.ones((B, 1), dtype=np.int64 if modulus is not None else object if exact else np.float64)
    for deg in range(1, k + 1):
        first, parent = _parent_table(N, deg)
        cur = cur[:, parent] * H[:, first]
        if modulus is not None:  # products of two residues < 2**31 fit in int64
            cur %= modulus
    return cur


# ---------------------------------------------------------------------------
# Homogeneous parameters of a model
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HomogeneousParameters:
    """The parameters of a pure (homogeneous) stack, the input of every deep-stack algorithm.

    A stack of linear 2RNN layers on one-hot inputs, rewritten without U, V, b and
    readout bias (by :func:`rnnexpr.conversions.augment` when it has them): layer 1
    reads symbol ``s`` as ``h^1' = h^1 M_s`` and layer ``l >= 2`` is the bilinear map
    ``h^l'_k = sum_ab h^l_a h^{l-1}'_b B_l[a, b, k]`` (see :doc:`/theory/index`).
    Build it with :func:`homogeneous_parameters`.

    Attributes
    ----------
    widths : tuple of int
        ``N_1..N_L`` (see :func:`lifted_widths`).
    first : numpy.ndarray
        Shape ``(N_1, d, N_1)``: ``first[:, s, :] = M_s``.
    bilinear : tuple of numpy.ndarray
        ``bilinear[l - 2]`` of shape ``(N_l, N_{l-1}, N_l)`` for ``l = 2..L``.
    h0 : tuple of numpy.ndarray
        Initial states of layers 1..L.
    readout : numpy.ndarray
        Shape ``(N_L,)``: ``f(u) = h^L_u . readout``.
    exact : bool
        Fractions (or Python ints) when True, float64 otherwise.
    modulus : int or None
        A prime p when the arrays hold int64 residues mod p (:meth:`residues`).

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> hp = homogeneous_parameters(random_stack([2, 2], 2, kind="pure", seed=0, exact=True))
    >>> hp.widths, hp.depth, hp.alphabet_size, hp.dimension(3)
    ((2, 2), 2, 2, 8)
    """

    widths: tuple[int, ...]  # N_1..N_L
    first: np.ndarray  # (N_1, d, N_1): first[:, s, :] = M_s, h^1' = h^1 M_s
    bilinear: tuple[np.ndarray, ...]  # bilinear[l-2] = A of layer l (l = 2..L)
    h0: tuple[np.ndarray, ...]  # initial states, layer 1..L
    readout: np.ndarray  # (N_L,)
    exact: bool
    modulus: int | None = None

    @property
    def depth(self) -> int:
        """L, the number of layers."""
        return len(self.widths)

    @property
    def alphabet_size(self) -> int:
        """d, the number of symbols."""
        return int(self.first.shape[1])

    def dimension(self, m: int) -> int:
        """``r_m``, the dimension of the level-m feature (see :func:`level_dimension`)."""
        return _dimension(self.widths, _check_level(m))

    def core(self, m: int, *, max_entries: int | None = None) -> np.ndarray:
        """The level-m core ``E^(m)`` (see :func:`level_core`), within the entry budget."""
        if self.modulus is not None:
            raise ModelKindError("self: expected rational or float parameters for the monomial core, got residues")
        return _core_from_params(self, _check_level(m), entry_budget(self.exact, max_entries=max_entries))

    def initial_features(self, m: int) -> np.ndarray:
        """``phi_m(empty word)``, the monomial features of the initial states at level m."""
        return _initial(self, _check_level(m))

    def states_after(self, words: Any) -> list[np.ndarray]:
        """The states of every layer after each word: a list of arrays ``(len(words), N_l)``.

        Residues mod p when :attr:`modulus` is set.
        """
        return _states_after(self, check_words(words, self.alphabet_size))

    def features(self, states: list[np.ndarray], m: int) -> np.ndarray:
        """Monomial features ``phi_m`` of a batch of states (from :meth:`states_after`): ``(B, r_m)``."""
        return _features_from_states(self, states, _check_level(m))

    def embedding_index(self, m_from: int, m_to: int) -> np.ndarray:
        """Coordinates of level ``m_from`` inside level ``m_to >= m_from`` (constant-coordinate states).

        With a constant first coordinate in every layer (``force_constant=True``),
        ``phi_{m_from}(u)`` is the restriction of ``phi_{m_to}(u)`` to these coordinates.
        """
        return _embed_index(self.widths, _check_level(m_from), _check_level(m_to))

    def integer_form(self) -> HomogeneousParameters:
        """Integer parameters proportional to these, layer by layer (exact parameters only).

        States computed with them are nonzero multiples of the true states (each
        layer is bilinear), so every feature row ``phi_m(u)`` is multiplied by a
        nonzero scalar: spans, independence and ranks are unchanged.
        """
        if not self.exact or self.modulus is not None:
            raise ModelKindError("self: expected exact rational parameters")
        first, _ = _integer_form(self.first)
        bil = tuple(_integer_form(B)[0] for B in self.bilinear)
        h0 = tuple(_integer_form(h)[0] for h in self.h0)
        return replace(self, first=first, bilinear=bil, h0=h0)

    def common_denominator(self) -> int:
        """The lcm of the denominators of every parameter (1 for float or residue parameters)."""
        if not self.exact or self.modulus is not None:
            return 1
        q = 1
        for a in (self.first, self.readout, *self.bilinear, *self.h0):
            q = math.lcm(q, _common_denominator(a))
        return q

    def residues(self, p: int) -> HomogeneousParameters:
        """The same parameters reduced mod the prime p (int64 residues; exact parameters only).

        Raises
        ------
        InvalidArgumentError
            If p divides a denominator.
        """
        from .fields import GF

        if not self.exact or self.modulus is not None:
            raise ModelKindError("self: expected exact rational parameters to reduce mod p")
        F = GF(p)
        red = F.residues
        return HomogeneousParameters(self.widths, red(self.first), tuple(red(B) for B in self.bilinear),
                                     tuple(red(h) for h in self.h0), red(self.readout), True, F.p)

    def values_from_states(self, states: list[np.ndarray], words: Any) -> np.ndarray:
        """``V[i, j]`` = output after reading ``words[j]`` from the states ``states[.][i]``.

        ``states`` as returned by :meth:`states_after` (or any points of the state
        space).  The words are read along the trie of their prefixes, so a shared
        prefix is computed once per starting state.  Residues mod p when
        :attr:`modulus` is set, else exact or float like the parameters.
        """
        words = check_words(words, self.alphabet_size)
        return _values_from_states(self, states, words)

    def log2_bounds(self, max_length: int, *, start: str = "initial") -> list[tuple[list[float], list[float]]]:
        """Bounds on the states after every word of each length: log2 of the entries' size and denominators.

        The homogeneous form run with absolute values, every layer's parameters
        entrywise in absolute value and the first layer's the largest over the
        symbols, bounds ``|h^l_k|`` after any word of length ``n``; the
        denominators add up along the same recurrence.  The vectors are kept
        normalised with their log2 scale apart (and a relative slack of 1e-9 on
        each rounding), so long words neither overflow nor under-bound.  The
        bounds behind the modular rank profile's error probability
        (:func:`rnnexpr.hankel.rank_profile`).

        Parameters
        ----------
        max_length : int
            Bounds for ``n = 0 .. max_length``.
        start : {"initial", "ones"}
            From the initial states, or from all-ones states: a bound on the
            coefficients of the state after ``n`` more symbols as a polynomial in
            the starting state.

        Returns
        -------
        list of (list of float, list of float)
            For each ``n``: per layer, log2 of a bound on the absolute entries
            (``-inf`` when the layer is zero after every such word) and log2 of a
            bound on their common denominator.

        Examples
        --------
        >>> from rnnexpr.models import WFA
        >>> hp = homogeneous_parameters(WFA([1], [[[2], ["-3/2"]]], [1]))
        >>> [(round(e[0], 3), round(q[0], 3)) for e, q in hp.log2_bounds(2)]   # |h_n| <= 2^n, denominators 2^n
        [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]
        """
        n_max = _check_level(max_length, "max_length")
        start = check_choice(start, "start", ("initial", "ones"))
        if self.modulus is not None:
            raise ModelKindError("self: expected rational or float parameters for magnitude bounds, got residues")
        history = run_recurrence(_layers(self), [None] * n_max, _Log2Bounds(self, start == "ones"), keep="all")
        return [([h[n][1] for h in history], [h[n][2] for h in history]) for n in range(n_max + 1)]

    def word_values(self, max_length: int) -> list[np.ndarray]:
        """``f(w)`` for every word w of each length ``n = 0..max_length``, in base-d order of w.

        ``word_values(n)[t][c]`` is the value of the word of length t whose symbols
        are the base-d digits of c (first symbol most significant).  Breadth first,
        one step per word: ``d^n`` states are held at the last length.
        """
        n_max = _check_level(max_length, "max_length")
        d = self.alphabet_size
        cur = [h[None, :].copy() for h in self.h0]
        out = []
        for t in range(n_max + 1):
            if t:
                B = cur[0].shape[0]
                # Row b * d + s continues the word of row b with the symbol s.
                cur = _run(self, [np.repeat(st, d, axis=0) for st in cur], np.tile(np.arange(d, dtype=np.int64), B)[None])
            out.append(_readout(self, cur[-1]))
        return out


def homogeneous_parameters(model: Stack | WFA, *, output: int = 0,
                           force_constant: bool = False) -> HomogeneousParameters:
    """The pure (homogeneous) parameters of a stack or a WFA: the deep-stack kernel's input.

    Parameters
    ----------
    model : Stack or WFA
        Any stack of linear 2RNN layers on one-hot inputs (pure or with U, V, b), or a WFA.
    output : int
        Readout row.
    force_constant : bool
        Give every layer a constant first coordinate (augment even a pure stack), so
        that the features of a lower level are coordinate restrictions of those of a
        higher level (:meth:`HomogeneousParameters.embedding_index`).

    Returns
    -------
    HomogeneousParameters

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> homogeneous_parameters(random_stack([2, 1], 2, seed=0)).widths
    (3, 2)
    >>> homogeneous_parameters(random_stack([2, 1], 2, kind="pure", seed=0), force_constant=True).widths
    (3, 2)
    """
    return _homogeneous(model, output, force_constant)


def entry_budget(exact: bool, *, max_entries: int | None = None) -> int:
    """The budget of array entries: ``max_entries`` validated, or the default for exact/float arrays.

    Examples
    --------
    >>> entry_budget(True), entry_budget(False, max_entries=10)
    (2000000, 10)
    """
    return _budget(exact, max_entries)


def _homogeneous(model: Stack | WFA, output: int = 0, force_constant: bool = False) -> HomogeneousParameters:
    """Pure (homogeneous) parameters: the stack if pure, else its affine augmentation."""
    from .conversions import augment

    if isinstance(model, WFA):
        exact = model.is_exact
        conv = to_exact_array if exact else to_float_array
        A, alpha, omega = conv(model.A), conv(model.alpha), conv(model.omega)
        if force_constant:
            n, d = model.num_states, model.alphabet_size
            # A constant coordinate 1 that every symbol keeps (state [1; x]).
            Ah = zeros((n + 1, d, n + 1), exact)
            Ah[0, :, 0] = Fraction(1) if exact else 1.0
            Ah[1:, :, 1:] = A
            a0 = zeros((n + 1,), exact)
            a0[0] = Fraction(1) if exact else 1.0
            a0[1:] = alpha
            om = zeros((n + 1,), exact)
            om[1:] = omega
            A, alpha, omega = Ah, a0, om
        return HomogeneousParameters((int(A.shape[0]),), A, (), (alpha,), omega, exact)
    if not isinstance(model, Stack):
        raise ModelKindError(f"model: expected a Stack or a WFA, got {type(model).__name__}")
    if isinstance(output, bool) or not isinstance(output, int | np.integer) or not 0 <= output < model.output_dim:
        raise ShapeError(f"output: expected an index in 0..{model.output_dim - 1}, got {output!r}")
    exact = model.is_exact
    conv = to_exact_array if exact else to_float_array
    if model.is_pure and not force_constant:
        layers = model.layers
        C = conv(model.C)[output]
        first_A = conv(layers[0].A) if layers[0].A is not None else zeros(
            (layers[0].width, layers[0].input_dim, layers[0].width), exact)
        first = first_A
    else:
        aug = augment(model)
        layers = aug.layers
        C = conv(aug.C)[output]
        Ah = conv(layers[0].A)
        # One-hot e_s augments to [1; e_s]: symbol matrix hat A[:,0,:] + hat A[:,1+s,:].
        first = Ah[:, 1:, :] + Ah[:, :1, :]
    bil = []
    for layer in layers[1:]:
        bil.append(conv(layer.A) if layer.A is not None else zeros((layer.width, layer.input_dim, layer.width), exact))
    h0 = tuple(conv(layer.initial_state) for layer in layers)
    widths = tuple(layer.width for layer in layers)
    return HomogeneousParameters(widths, first, tuple(bil), h0, C, exact)


def _model_info(model: Stack | WFA) -> tuple[tuple[int, ...], int]:
    if isinstance(model, WFA):
        return (model.num_states,), model.alphabet_size
    if not isinstance(model, Stack):
        raise ModelKindError(f"model: expected a Stack or a WFA, got {type(model).__name__}")
    if model.is_pure:
        return model.widths, model.input_dim
    return tuple(w + 1 for w in model.widths), model.input_dim


# ---------------------------------------------------------------------------
# Dimensions
# ---------------------------------------------------------------------------


def lifted_widths(model: Stack | WFA) -> tuple[int, ...]:
    """Widths ``N_1..N_L`` of the homogeneous states used by the lift.

    ``n_l`` for a pure stack (no U, V, b, no readout bias), ``n_l + 1`` otherwise
    (augmented states ``[1; h]``); the number of states for a WFA.

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> lifted_widths(random_stack([2, 3], 2, kind="pure", seed=0)), lifted_widths(random_stack([2, 3], 2, seed=0))
    ((2, 3), (3, 4))
    """
    return _model_info(model)[0]


def feature_degrees(depth: int, m: int) -> tuple[int, ...]:
    """Degrees ``(D_1(m), ..., D_L(m))`` of ``phi_m`` in the states of layers 1..L.

    ``D_L = 1`` and ``D_l(m) = binom(m + L - l - 1, L - l)`` for ``l < L``.

    Parameters
    ----------
    depth : int
        Number of layers L >= 1.
    m : int
        Suffix length m >= 0.

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> feature_degrees(3, 4)
    (10, 4, 1)
    """
    depth = check_int(depth, "depth", minimum=1)
    m = check_int(m, "m", minimum=0)
    L = int(depth)
    return tuple(math.comb(m + L - l - 1, L - l) if l < L else 1 for l in range(1, L + 1))


def _dimension(widths: tuple[int, ...], m: int) -> int:
    degs = feature_degrees(len(widths), m)
    out = 1
    for N, D in zip(widths, degs, strict=True):
        out *= _num_monomials(N, D)
    return out


def level_dimension(model: Stack | WFA, m: int) -> int:
    """Dimension ``r_m`` of the level-m feature ``phi_m`` (no computation).

    ``r_m = N_L * prod_{l<L} binom(N_l + D_l(m) - 1, D_l(m))`` with ``N_l`` from
    :func:`lifted_widths` and ``D_l`` from :func:`feature_degrees`.  For depth 2 this
    is ``N_2 * binom(N_1 + m - 1, m)``; for depth 1 it is ``N_1``.

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> level_dimension(random_stack([2, 2], 2, kind="pure", seed=0), 3)
    8
    """
    widths, _ = _model_info(model)
    return _dimension(widths, m)


# ---------------------------------------------------------------------------
# Cores
# ---------------------------------------------------------------------------


def _sym_bilinear(B: np.ndarray, k: int, exact: bool, budget: int) -> np.ndarray:
    """Coefficients of z^gamma for z_j = sum_ab B[a,b,j] x_a y_b, all |gamma| = k.

    Returns C of shape (|S^k z|, |S^k x|, |S^k y|): z^gamma = sum C[gamma, delta, eps] x^delta y^eps.
    """
    Nx, Ny, Nz = B.shape
    size = _num_monomials(Nz, k) * _num_monomials(Nx, k) * _num_monomials(Ny, k)
    if size > budget:
        raise SizeLimitError(
            f"model: the degree-{k} symmetric power of a ({Nx}, {Ny}, {Nz}) layer needs {size} entries, "
            f"above the budget max_entries={budget}"
        )
    dtype = object if exact else np.float64
    C = np.ones((1, 1, 1), dtype=dtype)
    for deg in range(1, k + 1):
        first_z, parent_z = _parent_table(Nz, deg)
        mx, my = _mul_table(Nx, deg - 1, 1), _mul_table(Ny, deg - 1, 1)
        new = np.zeros((len(first_z), _num_monomials(Nx, deg), _num_monomials(Ny, deg)), dtype=dtype)
        P = C[parent_z]  # (|S^deg z|, |S^{deg-1} x|, |S^{deg-1} y|)
        for a in range(Nx):
            for b in range(Ny):
                coef = B[a, b, first_z]
                if not np.any(coef != 0):
                    continue
                # x^delta * x_a and y^eps * y_b are injective in delta, eps: plain += is safe.
                new[:, mx[:, a][:, None], my[:, b][None, :]] += coef[:, None, None] * P
        C = new
    return C


def _stage(Y: np.ndarray, B: np.ndarray, N: int, e: int, beta_deg: int, k: int, exact: bool,
           budget: int) -> np.ndarray:
    """One layer of the core: Y (P, |S^e(N)|) -> Z (P, |S^beta(N)|, |S^k(N)|, |S^k(N_below)|).

    Y holds the coefficients of the new-state monomials of degree e coming from the layer above;
    they are multiplied by the target factor of degree beta_deg and expanded through the layer's
    bilinear map at degree k = e + beta_deg.
    """
    Ck = _sym_bilinear(B, k, exact, budget)
    mul = _mul_table(N, e, beta_deg)
    P = Y.shape[0]
    out_size = P * mul.shape[1] * Ck.shape[1] * Ck.shape[2]
    if out_size > budget:
        raise SizeLimitError(
            f"model: an intermediate of the lifted core has {out_size} entries, above the budget max_entries={budget}"
        )
    Cm = Ck[mul]  # (|S^e|, |S^beta|, |S^k x|, |S^k y|)
    Z = np.tensordot(Y, Cm, axes=(1, 0))
    return Z


def _common_denominator(a: np.ndarray) -> int:
    """The lcm of the denominators of an exact array (floats count at their binary value)."""
    q = 1
    for v in np.asarray(a).ravel():
        q = math.lcm(q, (v if isinstance(v, Fraction) else Fraction(v)).denominator)
    return q


def _integer_form(a: np.ndarray) -> tuple[np.ndarray, int]:
    """A Fraction array as (integer object array, common denominator q): a = ints / q."""
    q = _common_denominator(a)
    ints = np.empty(a.shape, dtype=object)
    flat = ints.reshape(-1)
    for i, v in enumerate(a.ravel()):
        flat[i] = v.numerator * (q // v.denominator)
    return ints, q


def _core_from_params(hp: HomogeneousParameters, m: int, budget: int) -> np.ndarray:
    """Level-m core, shape (r_m, d, r_{m-1}): phi_{m-1}(u s)^T = phi_m(u)^T core[:, s, :]."""
    if m < 1:
        raise InvalidArgumentError(f"m: expected a level >= 1 (the core maps level m to m - 1), got {m}")
    exact = hp.exact
    L = hp.depth
    widths = hp.widths
    degs = feature_degrees(L, m)
    degs_prev = feature_degrees(L, m - 1)
    d = hp.alphabet_size
    r_m, r_prev = _dimension(widths, m), _dimension(widths, m - 1)
    if r_m * r_prev * d > budget:
        raise SizeLimitError(
            f"model: the level-{m} lifted core has {r_m} x {d} x {r_prev} = {r_m * r_prev * d} entries, "
            f"above the budget max_entries={budget}"
        )
    # Exact cores are computed in integers: stage l is homogeneous of degree D_l(m) in the
    # entries of layer l, so with B_l = B_l' / q_l the core is (integer core) / prod q_l^D_l.
    # Python ints are ~10x faster than Fractions in these object-array contractions.
    denominator = 1
    if exact:
        bilinear = []
        for l in range(2, L + 1):
            ints, q = _integer_form(hp.bilinear[l - 2])
            bilinear.append(ints)
            denominator *= q ** degs[l - 1]
        first, q1 = _integer_form(hp.first)
        denominator *= q1 ** degs[0]
    else:
        bilinear, first = list(hp.bilinear), hp.first
    Y = np.ones((1, 1), dtype=object if exact else np.float64)
    axes: list[tuple[str, int, int]] = []  # (kind, layer, size) of the flattened P axis
    e = 0  # degree of the incoming new-state monomials of the current layer
    for l in range(L, 1, -1):  # layers L..2 do not depend on the symbol
        N = widths[l - 1]
        k = degs[l - 1]
        beta = degs_prev[l - 1]
        Z = _stage(Y, bilinear[l - 2], N, e, beta, k, exact, budget)
        axes += [("tgt", l, Z.shape[1]), ("src", l, Z.shape[2])]
        Y = Z.reshape(-1, Z.shape[3])
        e = k
    # Layer 1 reads the symbol: its "input state" is the constant 1 (N_0 = 1).
    N1 = widths[0]
    k1, beta1 = degs[0], degs_prev[0]
    core = np.zeros((r_m, d, r_prev), dtype=object if exact else np.float64)
    for s in range(d):
        Bs = first[:, s, :][:, None, :]
        Z = _stage(Y, Bs, N1, e, beta1, k1, exact, budget)[..., 0]
        full_axes = axes + [("tgt", 1, Z.shape[1]), ("src", 1, Z.shape[2])]
        sizes = [a[2] for a in full_axes]
        # Feature order is (layer L, ..., layer 1) on both sides.
        src = sorted((i for i, a in enumerate(full_axes) if a[0] == "src"), key=lambda i: -full_axes[i][1])
        tgt = sorted((i for i, a in enumerate(full_axes) if a[0] == "tgt"), key=lambda i: -full_axes[i][1])
        core[:, s, :] = Z.reshape(sizes).transpose(src + tgt).reshape(r_m, r_prev)
    if exact:
        flat = core.reshape(-1)
        for i, v in enumerate(flat):
            flat[i] = Fraction(int(v), denominator)
    return core


def _initial(hp: HomogeneousParameters, m: int) -> np.ndarray:
    return _features_from_states(hp, [h[None, :] for h in hp.h0], m)[0]


def _features_from_states(hp: HomogeneousParameters, states: list[np.ndarray], m: int) -> np.ndarray:
    """phi_m for a batch: states[l] of shape (B, N_l) -> (B, r_m), the top layer's factor first."""
    degs = feature_degrees(hp.depth, m)
    p = hp.modulus
    out = _monomial_features(states[-1], degs[-1], hp.exact, p)
    for l in range(hp.depth - 1, 0, -1):
        F = _monomial_features(states[l - 1], degs[l - 1], hp.exact, p)
        out = (out[:, :, None] * F[:, None, :]).reshape(out.shape[0], -1)
        if p is not None:
            out %= p
    return out


def _budget(exact: bool, max_entries: int | None) -> int:
    if max_entries is None:
        return DEFAULT_MAX_ENTRIES_EXACT if exact else DEFAULT_MAX_ENTRIES_FLOAT
    return check_int(max_entries, "max_entries", minimum=1)


def _check_level(m: Any, name: str = "m") -> int:
    return check_int(m, name, minimum=0)


@deprecated_positional
def level_core(model: Stack | WFA, m: int, *, output: int = 0, max_entries: int | None = None) -> np.ndarray:
    """The level-m core ``E^(m)``: ``phi_{m-1}(u s)^T = phi_m(u)^T E^(m)[:, s, :]``.

    Parameters
    ----------
    model : Stack or WFA
        Any stack of linear 2RNN layers on one-hot inputs (pure or with U, V, b).
    m : int
        Level m >= 1.
    output : int
        Readout row (irrelevant for the core, validated for consistency).
    max_entries : int, optional
        Budget of array entries (default 2e6 exact, 5e7 float).

    Returns
    -------
    numpy.ndarray
        Shape ``(r_m, d, r_{m-1})``; exact when the model is.

    Raises
    ------
    SizeLimitError
        When the core (or an intermediate) exceeds the budget.

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> level_core(random_stack([2, 2], 2, kind="pure", seed=0), 2).shape
    (6, 2, 4)
    """
    m = _check_level(m)
    if m < 1:
        raise InvalidArgumentError(f"m: expected a level >= 1 (the core maps level m to m - 1), got {m}")
    hp = _homogeneous(model, output)
    return _core_from_params(hp, m, _budget(hp.exact, max_entries))


@deprecated_positional
def readout_functional(model: Stack | WFA, *, output: int = 0) -> np.ndarray:
    """The level-0 functional: ``f(u) = phi_0(u) . readout_functional`` (``phi_0 = h^L``).

    Examples
    --------
    >>> from rnnexpr.models import WFA
    >>> readout_functional(WFA([1], [[[2]]], [3])).tolist()
    [Fraction(3, 1)]
    """
    return _homogeneous(model, output).readout.copy()


@deprecated_positional
def prefix_features(model: Stack | WFA, words: Any, m: int, *, output: int = 0) -> np.ndarray:
    """``phi_m(u)`` for each prefix u, computed from the states reached on u.

    Parameters
    ----------
    model : Stack or WFA
    words : list of words
        Prefixes over ``{0..d-1}``.
    m : int
        Suffix length (level) m >= 0.
    output : int
        Readout row.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(words), r_m)``; ``f(u v) = phi_m(u) . G_v`` for ``|v| = m``
        (see :func:`suffix_functionals`).

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> s = random_stack([2, 1], 2, seed=0, exact=True)
    >>> Phi = prefix_features(s, [[0, 1]], 1); G = suffix_functionals(s, [[1]])
    >>> (Phi @ G)[0, 0] == s([0, 1, 1], exact=True)
    True
    """
    m = _check_level(m)
    hp = _homogeneous(model, output)
    return _prefix_features(hp, model, words, m)


def _states_after(hp: HomogeneousParameters, words: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Homogeneous states of each layer after each word: list of (B, N_l); words of one length run together."""
    B = len(words)
    states = [np.broadcast_to(h, (B, h.shape[0])).copy() for h in hp.h0]
    by_len: dict[int, list[int]] = {}
    for i, w in enumerate(words):
        by_len.setdefault(len(w), []).append(i)
    for length, rows in by_len.items():
        if length == 0:
            continue
        idx = np.array(rows)
        W = np.array([words[i] for i in rows], dtype=np.int64).reshape(len(rows), length)
        cur = _run(hp, [st[idx] for st in states], W.T)
        for l in range(hp.depth):
            states[l][idx] = cur[l]
    return states


def _rowmat(x: np.ndarray, M: np.ndarray) -> np.ndarray:
    """Batched row-vector times matrix for object arrays: out[b] = x[b] @ M[b]."""
    return (x[:, :, None] * M).sum(axis=1)


def _embed_index(widths: tuple[int, ...], m_from: int, m_to: int) -> np.ndarray:
    """Index map level m_from -> level m_to (>= m_from) multiplying by powers of the constant coordinate."""
    if m_to < m_from:
        raise InvalidArgumentError(f"m_to: expected a level >= m_from = {m_from}, got {m_to}")
    L = len(widths)
    Df, Dt = feature_degrees(L, m_from), feature_degrees(L, m_to)
    idx = np.zeros(1, dtype=np.int64)
    for l in range(L, 0, -1):  # feature order: layer L first
        N = widths[l - 1]
        lay = _mul_table(N, Df[l - 1], Dt[l - 1] - Df[l - 1])[:, 0]  # times x_0^(extra): x_0 = 1
        idx = (idx[:, None] * _num_monomials(N, Dt[l - 1]) + lay[None, :]).reshape(-1)
    return idx


# ---------------------------------------------------------------------------
# Running the homogeneous form: one arithmetic (exact, float64 or mod p) on run_recurrence
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _HomogeneousLayer:
    """What :func:`rnnexpr.models.run_recurrence` reads of a layer (the terms come from the arithmetic)."""

    index: int
    width: int


class _HomogeneousArithmetic(Arithmetic):
    """One step of the homogeneous form for a batch of rows: exactly, in float64, or in int64 mod p.

    The homogeneous form is the stack recurrence with ``A`` only: layer 1 reads
    the row's symbol (``h^1' = h^1 M_s``, i.e. ``A x2 e_s``), layer ``l >= 2`` the
    new state below (``h^l'_k = sum_ab h^l_a h^{l-1}'_b B_l[a, b, k]``).  So the
    one stack recurrence runs it; the inputs are rows of symbols ``(T, B)`` and
    the starting states any ``(B, N_l)`` points (``h_0`` for :meth:`states_after`,
    given states for :meth:`values_from_states`).
    """

    def __init__(self, hp: HomogeneousParameters, start: list[np.ndarray]) -> None:
        self.hp, self.start, self.p = hp, start, hp.modulus

    def terms(self, index: int, layer: Any) -> tuple[int, Any]:
        hp = self.hp
        if index == 0:
            if self.p is not None:  # one contiguous (N_1, N_1) matrix per symbol for the int64 products
                return 0, [np.ascontiguousarray(hp.first[:, s, :]) for s in range(hp.alphabet_size)]
            return 0, hp.first.transpose(1, 0, 2)  # M[s] = A[:, s, :]
        B = hp.bilinear[index - 1]
        return index, (B.reshape(-1, B.shape[2]) if self.p is not None else B)

    def initial(self, terms: tuple[int, Any], width: int) -> np.ndarray:
        return self.start[terms[0]]

    def block(self, widths: Any) -> int:
        return 1  # stream: one (B, N_l) state per layer, never a (T, B, N_l) array

    def collect(self, states: list) -> list:
        return states

    def step(self, terms: tuple[int, Any], h: np.ndarray, z: np.ndarray, drive: Any) -> np.ndarray:
        index, M = terms
        p = self.p
        if index == 0:  # z: the symbol of each row
            if p is not None:
                out = np.empty_like(h)
                for s in np.unique(z).tolist():
                    rows = np.nonzero(z == s)[0]
                    out[rows] = matmul_mod(h[rows], M[s], p)
                return out
            return _rowmat(h, M[z]) if self.hp.exact else np.einsum("bi,bij->bj", h, M[z])
        # z: the new state of the layer below.
        if p is not None:
            # Products of two residues < 2**31 fit in int64; reduce before the contraction.
            hz = (h[:, :, None] * z[:, None, :] % p).reshape(h.shape[0], -1)
            return matmul_mod(hz, M, p)
        G = np.tensordot(h, M, axes=(1, 0))  # (B, N_{l-1}, N_l)
        return _rowmat(z, G) if self.hp.exact else np.einsum("bj,bjk->bk", z, G)


class _Log2Bounds(Arithmetic):
    """Magnitude and denominator bounds on the homogeneous form (see HomogeneousParameters.log2_bounds).

    A state is ``(v, e, q)``: ``2**e * v`` bounds the absolute entries (``max v = 1``)
    and ``2**q`` their common denominator.
    """

    _SLACK = 1 + 1e-9  # each float rounding of a bound is covered by rounding up

    def __init__(self, hp: HomogeneousParameters, start_ones: bool) -> None:
        self.hp, self.start_ones = hp, start_ones

    def terms(self, index: int, layer: Any) -> tuple[int, np.ndarray, float]:
        hp = self.hp
        if index == 0:  # any symbol: the entrywise largest symbol matrix
            return 0, _abs_float(hp.first).max(axis=1), _log2_denominator(hp.first)
        B = hp.bilinear[index - 1]
        return index, _abs_float(B), _log2_denominator(B)

    def initial(self, terms: tuple[int, np.ndarray, float], width: int) -> tuple[np.ndarray, float, float]:
        if self.start_ones:
            return (*self._normalized(np.ones(width), 0.0), 0.0)
        h0 = self.hp.h0[terms[0]]
        return (*self._normalized(_abs_float(h0), 0.0), _log2_denominator(h0))

    def step(self, terms: tuple[int, np.ndarray, float], h: Any, z: Any, drive: Any) -> tuple[np.ndarray, float, float]:
        index, M, q = terms
        v, e, den = h
        if index == 0:
            return (*self._normalized(v @ M, e), den + q)
        zv, ze, zden = z  # the new state of the layer below
        return (*self._normalized(np.einsum("a,b,abk->k", v, zv, M), e + ze), den + zden + q)

    @classmethod
    def _normalized(cls, v: np.ndarray, e: float) -> tuple[np.ndarray, float]:
        m = float(v.max()) if v.size else 0.0
        if m == 0.0:
            return v, -math.inf
        return v / m, e + math.log2(m * cls._SLACK)


def _abs_float(a: np.ndarray) -> np.ndarray:
    return np.abs(to_float_array(a, "parameters"))


def _log2_denominator(a: np.ndarray) -> float:
    return math.log2(_common_denominator(a))


def _run(hp: HomogeneousParameters, start: list[np.ndarray], symbols: np.ndarray) -> list[np.ndarray]:
    """The states of every layer after the symbol rows ``symbols`` (T, B) from the states ``start``."""
    return run_recurrence(_layers(hp), symbols, _HomogeneousArithmetic(hp, start), keep="final")


def _layers(hp: HomogeneousParameters) -> list[_HomogeneousLayer]:
    """The layer records run_recurrence reads (each arithmetic takes its terms from hp)."""
    return [_HomogeneousLayer(i, w) for i, w in enumerate(hp.widths)]


def _readout(hp: HomogeneousParameters, top: np.ndarray) -> np.ndarray:
    """The output of each row of top-layer states."""
    if hp.modulus is not None:
        return matmul_mod(top, hp.readout.reshape(-1, 1), hp.modulus)[:, 0]
    return top @ hp.readout


def _values_from_states(hp: HomogeneousParameters, states: list[np.ndarray],
                        words: list[tuple[int, ...]], chunk: int = 1 << 20) -> np.ndarray:
    """Output after each word from each starting state, along the trie of the words' prefixes."""
    P = int(states[0].shape[0])
    p = hp.modulus
    dtype = np.int64 if p is not None else (object if hp.exact else np.float64)
    out = np.zeros((P, len(words)), dtype=dtype)
    if P == 0 or not words:
        return out
    # Trie of prefixes: node id per distinct prefix, grouped by length.
    node_of: dict[tuple[int, ...], int] = {(): 0}
    levels: list[list[tuple[int, ...]]] = [[()]]
    for w in words:
        for t in range(1, len(w) + 1):
            pre = w[:t]
            if pre not in node_of:
                node_of[pre] = len(node_of)
                while len(levels) <= t:
                    levels.append([])
                levels[t].append(pre)
    wanted: dict[tuple[int, ...], list[int]] = {}
    for j, w in enumerate(words):
        wanted.setdefault(w, []).append(j)

    # Process the starting states in chunks so that (states x nodes of a level) stays bounded.
    width = max(len(lv) for lv in levels)
    per = max(1, chunk // max(width, 1))
    for a in range(0, P, per):
        b = min(P, a + per)
        prev = [s[a:b] for s in states]
        if () in wanted:
            empty = _readout(hp, prev[-1])
            for j in wanted[()]:
                out[a:b, j] = empty
        prev_index: dict[tuple[int, ...], int] = {(): 0}
        for t in range(1, len(levels)):
            nodes = levels[t]
            parents = np.array([prev_index[w[:-1]] for w in nodes], dtype=np.int64)
            syms = np.array([w[-1] for w in nodes], dtype=np.int64)
            n, nb = len(nodes), b - a
            # Row (i, node) = state i after the node's parent, then the node's symbol.
            cur = [st.reshape(nb, -1, st.shape[-1])[:, parents, :].reshape(nb * n, -1) for st in prev]
            cur = _run(hp, cur, np.tile(syms, nb)[None])
            vals = _readout(hp, cur[-1]).reshape(nb, n)
            for c, w in enumerate(nodes):
                for j in wanted.get(w, ()):
                    out[a:b, j] = vals[:, c]
            prev = cur
            prev_index = {w: c for c, w in enumerate(nodes)}
    return out


def _prefix_features(hp: HomogeneousParameters, model: Stack | WFA, words: Any, m: int) -> np.ndarray:
    words = check_words(words, hp.alphabet_size)
    states = _states_after(hp, words)
    if not words:
        return zeros((0, _dimension(hp.widths, m)), hp.exact)
    return _features_from_states(hp, states, m)


@deprecated_positional
def suffix_functionals(model: Stack | WFA, words: Any, *, output: int = 0,
                       max_entries: int | None = None) -> np.ndarray:
    """``G_v`` for suffixes v of one common length m: ``f(u v) = phi_m(u) . G_v``.

    Backward recursion ``G_{a v} = E^(|av|)[:, a, :] G_v`` from ``G_empty`` =
    :func:`readout_functional`.

    Parameters
    ----------
    model : Stack or WFA
    words : list of words
        Suffixes, all of the same length m.
    output : int
        Readout row.
    max_entries : int, optional
        Budget for the cores.

    Returns
    -------
    numpy.ndarray
        Shape ``(r_m, len(words))``, one column per suffix.

    Raises
    ------
    ShapeError
        If the suffixes have different lengths.

    Examples
    --------
    >>> from rnnexpr.models import WFA
    >>> suffix_functionals(WFA([1], [[[2]]], [3]), [[0, 0]]).tolist()
    [[Fraction(12, 1)]]
    """
    hp = _homogeneous(model, output)
    words = check_words(words, hp.alphabet_size)
    lengths = {len(w) for w in words}
    if len(lengths) > 1:
        raise ShapeError(f"words: expected suffixes of one common length, got lengths {sorted(lengths)}")
    m = lengths.pop() if lengths else 0
    budget = _budget(hp.exact, max_entries)
    G = np.empty((hp.readout.shape[0], len(words)), dtype=hp.readout.dtype)
    for j in range(len(words)):
        G[:, j] = hp.readout
    for level in range(1, m + 1):
        core = _core_from_params(hp, level, budget)
        sym = np.array([w[m - level] for w in words], dtype=np.int64)
        newG = zeros((core.shape[0], len(words)), hp.exact)
        for s in set(sym.tolist()):
            cols = np.nonzero(sym == s)[0]
            newG[:, cols] = core[:, s, :] @ G[:, cols]
        G = newG
    return G


# ---------------------------------------------------------------------------
# The representation
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LiftedRepresentation:
    """The length-T slice of f as a product of level cores (:doc:`/theory/t5`).

    ``f(s_1..s_T) = initial^T cores[0][:, s_1, :] cores[1][:, s_2, :] ... cores[T-1][:, s_T, :] final``.

    Attributes
    ----------
    initial : numpy.ndarray
        Shape ``(r_0,)`` = ``phi_T(empty word)`` (here ``r_t`` means the dimension of
        level ``T - t``, i.e. ``dimensions[t]``).
    cores : tuple of numpy.ndarray
        ``cores[t]`` of shape ``(r_t, d, r_{t+1})`` maps ``phi_{T-t}(u)`` to ``phi_{T-t-1}(u s)``.
    final : numpy.ndarray
        Shape ``(r_T,)``: the readout functional at level 0.

    Exact (Fraction object arrays) when the model is exact, float64 otherwise.

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> rep = lift(random_stack([2, 2], 2, kind="pure", seed=0), 3)
    >>> rep.dimensions, rep.ranks
    ((8, 6, 4, 2), (1, 6, 4, 1))
    """

    initial: np.ndarray
    cores: tuple[np.ndarray, ...]
    final: np.ndarray

    @property
    def length(self) -> int:
        """T, the word length of the slice."""
        return len(self.cores)

    @property
    def alphabet_size(self) -> int:
        """d (0 when T = 0: no core says it)."""
        return int(self.cores[0].shape[1]) if self.cores else 0

    @property
    def dimensions(self) -> tuple[int, ...]:
        """``(r_0, ..., r_T)``: feature dimensions at levels ``T, T-1, ..., 0``."""
        return tuple(int(c.shape[0]) for c in self.cores) + (int(self.final.shape[0]),)

    @property
    def ranks(self) -> tuple[int, ...]:
        """TT bond dimensions ``(1, r_1, ..., r_{T-1}, 1)`` after absorbing ``initial``
        into the first core and ``final`` into the last (``(1,)`` when T = 0).

        These are upper bounds on the TT ranks of the slice (the lift is not rounded).
        """
        T = self.length
        if T == 0:
            return (1,)
        return (1,) + self.dimensions[1:T] + (1,)

    @property
    def is_exact(self) -> bool:
        """True when the arrays hold Fractions."""
        return self.final.dtype == object

    def tt_cores(self) -> list[np.ndarray]:
        """Cores with the boundary vectors absorbed: shapes ``(1, d, r_1) ... (r_{T-1}, d, 1)``."""
        if not self.cores:
            raise ShapeError("length: a length-0 slice has no cores (its value is initial . final)")
        cores = [np.asarray(c) for c in self.cores]
        cores[0] = np.tensordot(self.initial, cores[0], axes=(0, 0))[None]
        cores[-1] = np.tensordot(cores[-1], self.final, axes=(2, 0))[:, :, None]
        return cores

    def values(self, words: Any) -> np.ndarray:
        """f(w) for words of length T by contracting the cores (exact when the lift is).

        Examples
        --------
        >>> from rnnexpr.models import WFA
        >>> lift(WFA([1.0], [[[1.0], [2.0]]], [1.0]), 2).values([[1, 1], [0, 1]]).tolist()
        [4.0, 2.0]
        """
        d = self.alphabet_size if self.cores else 1
        words = check_words(words, max(d, 1))
        for i, w in enumerate(words):
            if len(w) != self.length:
                raise ShapeError(f"words[{i}]: expected length {self.length}, got {len(w)}")
        W = np.array(words, dtype=np.int64).reshape(len(words), self.length)
        # Contract along the trie of prefixes: each distinct prefix is multiplied once,
        # so the wide first cores are applied to few vectors.
        X = self.initial[None, :]
        inverse = np.zeros(len(words), dtype=np.int64)
        for t, core in enumerate(self.cores):
            keys = inverse * core.shape[1] + W[:, t]
            uniq, inverse = np.unique(keys, return_inverse=True)
            parents, syms = uniq // core.shape[1], uniq % core.shape[1]
            X = np.stack([X[p] @ core[:, s, :] for p, s in zip(parents, syms, strict=True)]) if len(uniq) else X[:0]
            inverse = inverse.reshape(-1)
        vals = X @ self.final
        return vals[inverse]


@deprecated_positional
def lift(model: Stack | WFA, length: int, *, output: int = 0, max_entries: int | None = None) -> LiftedRepresentation:
    """The lifted representation of the length-T slice of a stack (or WFA) on one-hot inputs.

    Parameters
    ----------
    model : Stack or WFA
        A stack of linear 2RNN layers of any depth (pure, or with U, V, b terms,
        handled through :func:`rnnexpr.conversions.augment`), or a WFA (depth 1).
    length : int
        T >= 0.
    output : int
        Which readout row (scalar functions only).
    max_entries : int, optional
        Budget on the total number of core entries and on each intermediate
        (default 2e6 exact, 5e7 float).

    Returns
    -------
    LiftedRepresentation
        Exact when the model is exact.

    Raises
    ------
    SizeLimitError
        When ``sum_t r_t d r_{t+1}`` (named in the message) exceeds the budget.
    ModelKindError
        When the model is not a Stack or a WFA.

    Examples
    --------
    >>> from rnnexpr.models import Stack, Linear2RNNLayer
    >>> t5 = Stack([Linear2RNNLayer(A=[[[2]]], h0=[1]), Linear2RNNLayer(A=[[[1]]], h0=[1])], C=[[1]])
    >>> int(lift(t5, 3).values([[0, 0, 0]])[0])
    64
    """
    T = _check_level(length, "length")
    hp = _homogeneous(model, output)
    budget = _budget(hp.exact, max_entries)
    dims = [_dimension(hp.widths, T - t) for t in range(T + 1)]
    total = sum(dims[t] * hp.alphabet_size * dims[t + 1] for t in range(T))
    if total > budget:
        raise SizeLimitError(
            f"length: the lift of length {T} has bond dimensions up to {max(dims)} and {total} core entries, "
            f"above the budget max_entries={budget}"
        )
    cores = tuple(_core_from_params(hp, T - t, budget) for t in range(T))
    initial, final = _initial(hp, T), hp.readout.copy()
    for a in (initial, final) + cores:
        a.setflags(write=False)  # immutable like the models
    return LiftedRepresentation(initial, cores, final)
