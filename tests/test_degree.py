"""Exact polynomial degree of stack outputs (THEORY T4, T6a)."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr import (
    DepthwiseStack,
    Linear2RNNLayer,
    LinearRNNLayer,
    ModelKindError,
    ShapeError,
    SizeLimitError,
    Stack,
    random_depthwise_stack,
    random_stack,
    random_wfa,
)
from rnnexpr.constructions import product_witness, t5_witness
from rnnexpr.polydegree import degree, degree_bound, degree_upper_bounds, per_input_bound

from .oracles import line_degree_oracle, literal_stack_outputs

# ---------------------------------------------------------------- bounds


def test_bounds_closed_forms():
    assert [degree_bound(T, 1) for T in range(1, 6)] == [1, 2, 3, 4, 5]
    assert [degree_bound(T, 2) for T in range(1, 6)] == [T * (T + 1) // 2 for T in range(1, 6)]
    assert degree_bound(40, 3) == 11480
    assert [per_input_bound(6, 3, t) for t in (1, 6)] == [math.comb(7, 2), 1]


@settings(max_examples=30, deadline=None)
@given(T=st.integers(1, 30), L=st.integers(1, 5))
def test_per_input_bounds_sum_to_total_and_match_recursion(T, L):
    # Hockey stick: sum_t binom(T-t+L-1, L-1) = binom(T+L-1, L); and the structural recursion
    # of a full 2RNN stack gives exactly these numbers.
    per = [per_input_bound(T, L, t) for t in range(1, T + 1)]
    assert sum(per) == degree_bound(T, L)
    full = Linear2RNNLayer(A=[[[1]]], U=[[1]], V=[[1]], b=[1], h0=[1])
    total, per_struct = degree_upper_bounds(Stack([full] * L, C=[[1]]), T)
    assert (total, list(per_struct)) == (degree_bound(T, L), per)


def test_bound_validation():
    with pytest.raises(ValueError, match="length"):
        degree_bound(0, 2)
    with pytest.raises(TypeError, match="depth"):
        degree_bound(3, 1.0)
    with pytest.raises(ValueError, match="t: expected a time step in 1..3"):
        per_input_bound(3, 2, 4)


# ---------------------------------------------------------------- T4: generic stacks attain the bound


@pytest.mark.parametrize("L,T", [(1, 1), (1, 5), (2, 1), (2, 3), (2, 5), (3, 2), (3, 4)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_2rnn_stacks_attain_the_bound(L, T, seed):
    stack = random_stack([2] * L, input_dim=1, seed=seed, exact=True)
    expected_per = tuple(per_input_bound(T, L, t) for t in range(1, T + 1))
    modular = degree(stack, T, method="modular", seed=seed)
    assert (modular.total, modular.per_input) == (degree_bound(T, L), expected_per)
    assert modular.certified and modular.error_probability == 0.0 and modular.exact
    if math.prod(e + 1 for e in expected_per) <= 3000:  # keep the symbolic expansion small
        symbolic = degree(stack, T, method="symbolic")
        assert (symbolic.total, symbolic.per_input) == (modular.total, modular.per_input)


def test_depth3_length15_modular_attains_the_bound():
    stack = random_stack([2, 2, 2], input_dim=2, seed=7, exact=True)
    r = degree(stack, 15)
    assert r.method == "modular" and r.certified
    assert r.total == degree_bound(15, 3) == 680
    assert r.per_input == tuple(per_input_bound(15, 3, t) for t in range(1, 16))


@settings(max_examples=20, deadline=None)
@given(widths=st.lists(st.integers(1, 2), min_size=1, max_size=3), d=st.integers(1, 2),
       kind=st.sampled_from(["2rnn", "pure", "linear"]), T=st.integers(1, 3), seed=st.integers(0, 10**6),
       h0=st.booleans())
def test_symbolic_and_modular_agree(widths, d, kind, T, seed, h0):
    stack = random_stack(widths, input_dim=d, kind=kind, seed=seed, exact=True, with_initial_state=h0)
    sym = degree(stack, T, method="symbolic")
    mod = degree(stack, T, method="modular", seed=seed)
    assert (sym.total, sym.per_input) == (mod.total, mod.per_input)
    assert sym.total <= sym.upper_bound and all(e <= u for e, u in zip(sym.per_input, sym.per_input_upper_bound))
    assert mod.error_probability < 1e-9
    if kind == "linear":
        assert sym.total <= 1


@pytest.mark.parametrize("seed", [0, 1])
def test_modular_matches_exact_line_oracle(seed):
    # Independent of degree.py: literal exact evaluation along a random rational line.
    stack = random_stack([2, 2], input_dim=2, seed=seed, exact=True, with_initial_state=True)
    T = 6
    rng = np.random.default_rng(seed)
    a = [[Fraction(int(v), 3) for v in row] for row in rng.integers(-4, 5, size=(T, 2))]
    b = [[Fraction(int(v), 2) for v in row] for row in rng.integers(-4, 5, size=(T, 2))]
    oracle = line_degree_oracle(lambda xs: literal_stack_outputs(stack, xs)[-1][0], a, b, degree_bound(T, 2))
    assert degree(stack, T, method="modular", seed=seed).total == oracle == degree_bound(T, 2)


# ---------------------------------------------------------------- witnesses and special stacks


@pytest.mark.parametrize("T", [1, 4, 12])
def test_product_witness_has_degree_T(T):
    r = degree(product_witness(T), T)
    assert r.total == T and r.per_input == (1,) * T and r.certified


@pytest.mark.parametrize("T", [1, 3, 6])
def test_t5_witness_degrees(T):
    r = degree(t5_witness(), T)
    assert r.total == T * (T + 1) // 2
    assert r.per_input == tuple(T - s + 1 for s in range(1, T + 1))


@pytest.mark.parametrize("L", [1, 2, 4])
def test_linear_rnn_stacks_have_degree_one(L):
    stack = random_stack([2] * L, input_dim=2, kind="linear", seed=L, exact=True)
    r = degree(stack, 9, method="modular")
    assert r.total == 1 and r.upper_bound == 1 and r.per_input == (1,) * 9


def test_cancellation_is_found_and_uncertified_probability_is_stated():
    # Two identical units read out with C = [1, -1]: y = 2 identically, below every structural bound.
    layer = Linear2RNNLayer(A=[[["1/2", 0]], [[0, "1/2"]]], U=[[1], [1]], h0=[3, 3])
    stack = Stack([layer, Linear2RNNLayer(A=[[[1, 0], [0, 0]], [[0, 0], [0, 1]]], h0=[1, 1])],
                  C=[[1, -1]], c=[2])
    sym = degree(stack, 4, method="symbolic")
    mod = degree(stack, 4, method="modular")
    assert (sym.total, sym.per_input) == (mod.total, mod.per_input) == (0, (0, 0, 0, 0))
    assert mod.upper_bound == 10 and not mod.certified
    assert len(mod.primes) == 2 and 0 < mod.error_probability < 1e-9
    zero = Stack(stack.layers, C=[[1, -1]])
    assert degree(zero, 3, method="modular").total == -1
    assert degree(zero, 3, method="symbolic").per_input == (-1, -1, -1)


# ---------------------------------------------------------------- T6(a): depth-wise polynomial activations


@pytest.mark.parametrize("coeffs,L,readout", [([0, 0, 1], 2, False), ([1, -1, 2], 3, False),
                                               ([0, 1, 0, 1], 2, True), ([1, 2], 3, True)])
def test_polynomial_activation_degree_is_p_to_the_depth(coeffs, L, readout):
    p = len(coeffs) - 1
    stack = random_depthwise_stack([2] * L, 1, activation=coeffs, seed=L, exact=True, readout_activation=readout)
    T = 5
    r = degree(stack, T, method="modular")
    expected = p ** (L if readout else L - 1)
    assert r.total == expected and r.upper_bound == expected and r.certified
    # Far below the product witness: T > p^(L-1) means x_1...x_T is out of reach.
    assert r.total < degree(product_witness(), expected + 1).total
    small = random_depthwise_stack([1] * L, 1, activation=coeffs, seed=0, exact=True, readout_activation=readout)
    sym, mod = degree(small, 2, method="symbolic"), degree(small, 2, method="modular")
    assert (sym.total, sym.per_input) == (mod.total, mod.per_input)


def test_identity_activation_is_linear_and_relu_is_refused():
    layers = [LinearRNNLayer(U=[[1]], V=[["1/2"]]), LinearRNNLayer(U=[[2]], V=[[1]])]
    assert degree(DepthwiseStack(layers, C=[[1]], activation="identity"), 6).total == 1
    for act in ("relu", "tanh"):
        with pytest.raises(ModelKindError, match=act):
            degree(DepthwiseStack(layers, C=[[1]], activation=act), 3)


# ---------------------------------------------------------------- inputs, outputs, results


def test_float_parameters_are_converted_exactly():
    stack = random_stack([2, 2], input_dim=1, seed=3)  # float64
    r = degree(stack, 5, method="modular")
    assert r.total == degree_bound(5, 2) and r.certified


def test_output_index_and_to_dict():
    stack = random_stack([2], input_dim=1, output_dim=2, seed=0, exact=True)
    r = degree(stack, 3, output=1)
    d = json.loads(json.dumps(r.to_dict()))
    assert d["total"] == 3 and d["per_input"] == [1, 1, 1] and d["method"] == "symbolic"
    assert d["error_probability"] == 0.0 and d["certified"] is True
    with pytest.raises(ShapeError, match="output"):
        degree(stack, 3, output=2)


def test_bad_arguments():
    stack = product_witness()
    with pytest.raises(ValueError, match="length"):
        degree(stack, 0)
    with pytest.raises(TypeError, match="length"):
        degree(stack, 2.0)
    with pytest.raises(ValueError, match="method"):
        degree(stack, 2, method="numeric")
    with pytest.raises(ModelKindError, match="WFA"):
        degree(random_wfa(2, 2, seed=0), 2)
    with pytest.raises(ValueError, match="rounds"):
        degree(stack, 2, rounds=0)
    with pytest.raises(ValueError, match="exact: expected True"):
        degree(stack, 2, exact=False)
    assert degree(stack, 3, exact=True).total == 3


def test_size_limits_are_refused_up_front():
    deep = random_stack([2] * 4, input_dim=1, seed=0, exact=True)
    with pytest.raises(SizeLimitError, match="595665"):
        degree(deep, 60, method="modular")
    with pytest.raises(SizeLimitError, match="monomials"):
        degree(random_stack([2, 2, 2], input_dim=2, seed=0, exact=True), 12, method="symbolic")


def test_modular_work_limit_names_the_size():
    # p = 3, L = 9: degree bound 3^8 = 6561 on each of T + 1 = 301 lines.
    stack = DepthwiseStack([LinearRNNLayer(U=[[1]], V=[["1/2"]])] * 9, C=[[1]], activation=[0, 0, 0, 1])
    assert degree_upper_bounds(stack, 300)[0] == 3**8
    with pytest.raises(SizeLimitError, match="evaluation points"):
        degree(stack, 300, method="modular")
