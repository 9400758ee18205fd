"""Tests of the linear-systems view of linear RNN stacks on real inputs."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr.errors import ModelKindError, ShapeError
from rnnexpr.exact import exact_rank
from rnnexpr.linear_systems import (
    equivalent,
    joint_system,
    markov_parameters,
    mcmillan_degree,
    minimal_realization,
)
from rnnexpr.models import LinearRNNLayer, Stack, random_stack
from tests.oracles import literal_stack_outputs


def _rand_inputs(rng, T, d):
    return [[Fraction(int(rng.integers(-3, 4)), int(rng.integers(1, 4))) for _ in range(d)] for _ in range(T)]


def joint_layer_stack(stack):
    js = joint_system(stack)
    return Stack([LinearRNNLayer(U=js.U, V=js.V, b=js.b, h0=js.h0)], C=js.C, c=js.c)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_joint_system_computes_the_stack(seed):
    s = random_stack([2, 1, 2], 2, kind="linear", seed=seed, exact=True, with_initial_state=True)
    one = joint_layer_stack(s)
    xs = _rand_inputs(np.random.default_rng(seed), 5, 2)
    assert literal_stack_outputs(one, xs) == literal_stack_outputs(s, xs)
    assert equivalent(s, one).equivalent


def test_markov_parameters_are_impulse_responses():
    s = random_stack([2, 2], 2, kind="linear", seed=3, exact=True, with_initial_state=True)
    M = markov_parameters(s, 5)
    assert M.shape == (5, 1, 2)
    T = 5
    zero = [[0, 0]] * T
    free = literal_stack_outputs(s, zero)
    for i in range(2):
        x = [[1 if (t == 0 and j == i) else 0 for j in range(2)] for t in range(T)]
        y = literal_stack_outputs(s, x)
        for j in range(T):
            assert y[j][0] - free[j][0] == M[j, 0, i]


def test_mcmillan_degree_and_minimal_realization():
    for seed in range(4):
        s = random_stack([2, 3], 2, kind="linear", seed=seed, exact=True, with_initial_state=True)
        n = sum(s.widths)
        deg = mcmillan_degree(s)
        assert deg.exact and deg.rank <= n
        # Oracle: a larger block Hankel matrix has the same rank.
        M = markov_parameters(s, 2 * n + 4)
        H = np.block([[M[i + j] for j in range(n + 2)] for i in range(n + 2)])
        assert exact_rank(H).rank == deg.rank
        m = minimal_realization(s)
        assert m.depth == 1 and m.widths[0] == max(deg.rank, 1)
        assert np.array_equal(markov_parameters(m, 3 * n), markov_parameters(s, 3 * n))


def test_delay_line_degree_is_k_plus_one():
    """T2: y_t = x_{t-k} needs McMillan degree k + 1 (shift register of width k + 1)."""
    for k in range(1, 5):
        n = k + 1
        V = [[1 if i == j + 1 else 0 for j in range(n)] for i in range(n)]
        U = [[1 if i == 0 else 0] for i in range(n)]
        C = [[1 if j == k else 0 for j in range(n)]]
        s = Stack([LinearRNNLayer(U=U, V=V)], C=C)
        assert mcmillan_degree(s).rank == k + 1
        M = markov_parameters(s, k + 3)
        assert [int(M[j, 0, 0]) for j in range(k + 3)] == [1 if j == k else 0 for j in range(k + 3)]


def test_float_minimal_realization():
    s = random_stack([2, 2], 1, kind="linear", seed=2)
    m = minimal_realization(s)
    assert m.widths[0] == mcmillan_degree(s, method="numerical").rank
    np.testing.assert_allclose(markov_parameters(m, 10), markov_parameters(s, 10), atol=1e-8)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), what=st.sampled_from(["b", "h0", "V", "C"]))
def test_equivalent_detects_differences_with_verified_witness(seed, what):
    s = random_stack([2, 2], 2, kind="linear", seed=seed, exact=True, with_initial_state=True)
    layers = list(s.layers)
    C = np.array(s.C, dtype=object)
    top = layers[-1]
    h0 = np.array(top.initial_state, dtype=object)
    b = np.array(top.b, dtype=object)
    V = np.array(top.V, dtype=object)
    if what == "b":
        b[0] += 1
    elif what == "h0":
        h0[0] += 1
    elif what == "V":
        V[0, 0] += 1
    else:
        C[0, 0] += 1
    layers[-1] = LinearRNNLayer(U=top.U, V=V, b=b, h0=h0)
    t = Stack(layers, C, s.c)
    res = equivalent(s, t)
    # Oracle: outputs on a few random inputs of length 8.
    rng = np.random.default_rng(seed)
    differ = any(literal_stack_outputs(s, xs) != literal_stack_outputs(t, xs)
                 for xs in [_rand_inputs(rng, 8, 2) for _ in range(3)] + [[[0, 0]] * 8])
    assert res.equivalent == (not differ)
    if not res.equivalent:
        x = [list(row) for row in res.witness]
        assert literal_stack_outputs(s, x)[-1] != literal_stack_outputs(t, x)[-1]


def test_equivalent_bad_inputs_and_wfa_dispatch():
    from rnnexpr.equivalence import equivalent as wfa_equivalent

    a = random_stack([2], 2, kind="linear", seed=0, exact=True)
    assert wfa_equivalent(a, joint_layer_stack(a), inputs="real").equivalent
    with pytest.raises(ModelKindError, match="A term"):
        equivalent(a, random_stack([2], 2, kind="2rnn", seed=0))
    with pytest.raises(ShapeError, match="input dimension"):
        equivalent(a, random_stack([2], 3, kind="linear", seed=0))
    with pytest.raises(ModelKindError):
        markov_parameters("stack", 3)
    with pytest.raises(ValueError, match="count"):
        markov_parameters(a, -1)


# ---------------------------------------------------------------- LinearSystem


def test_joint_system_is_a_frozen_linear_system():
    from rnnexpr.linear_systems import LinearSystem

    s = random_stack([2, 3], 2, kind="linear", seed=1, exact=True, with_initial_state=True)
    js = joint_system(s)
    assert isinstance(js, LinearSystem) and js.is_exact
    assert (js.state_dim, js.input_dim, js.output_dim) == (5, 2, 1)
    with pytest.raises(AttributeError):
        js.V = js.V
    with pytest.raises(ValueError):
        js.V[0, 0] = 1  # read-only arrays
    # The T1 blocks (independent construction for depth 2): V = [[V1, 0], [U2 V1, V2]], U = [U1; U2 U1].
    l1, l2 = s.layers
    assert np.array_equal(js.V[:2, :2], l1.V) and not np.any(js.V[:2, 2:] != 0)
    assert np.array_equal(js.V[2:, :2], l2.U @ l1.V) and np.array_equal(js.V[2:, 2:], l2.V)
    assert np.array_equal(js.U[2:], l2.U @ l1.U) and np.array_equal(js.b[2:], l2.U @ l1.b + l2.b)
    assert np.array_equal(js.h0, np.concatenate([l1.initial_state, l2.initial_state]))
    # to_stack computes the stack's function (literal oracle), and the float system is the rounded one.
    xs = _rand_inputs(np.random.default_rng(1), 5, 2)
    assert literal_stack_outputs(js.to_stack(), xs) == literal_stack_outputs(s, xs)
    fl = joint_system(s, exact=False)
    assert not fl.is_exact and np.allclose(fl.V.astype(float), js.V.astype(float))


def test_linear_system_validation_and_deprecations():
    from rnnexpr.linear_systems import LinearSystem

    with pytest.raises(ShapeError, match="V"):
        LinearSystem(V=[[1, 2]], U=[[1]], C=[[1]])
    with pytest.raises(ShapeError, match="U"):
        LinearSystem(V=[[1]], U=[[1], [2]], C=[[1]])
    with pytest.raises(ShapeError, match="h0"):
        LinearSystem(V=[[1]], U=[[1]], C=[[1]], h0=[1, 2])
    s = random_stack([2], 1, kind="linear", seed=0, exact=True)
    js = joint_system(s)
    with pytest.warns(DeprecationWarning, match="LinearSystem"):
        assert js["x0"] is js.h0
    with pytest.warns(DeprecationWarning, match="count"):
        M = markov_parameters(s, k=3)
    assert np.array_equal(M, markov_parameters(s, 3))
    with pytest.warns(DeprecationWarning, match="keyword"):
        mcmillan_degree(s, "exact")


def test_minimal_system_is_minimal_and_equivalent():
    """Exact Kalman reduction: same Markov parameters (oracle: the stack's own), degree = exact Hankel rank."""
    for seed in range(3):
        s = random_stack([2, 2, 1], 1, kind="linear", seed=seed, exact=True)
        js = joint_system(s)
        m = js.minimal()
        n = js.state_dim
        assert m.is_exact and m.state_dim == mcmillan_degree(s).rank
        assert np.array_equal(m.markov_parameters(2 * n + 2), js.markov_parameters(2 * n + 2))
        assert m.minimal().state_dim == m.state_dim  # minimal is minimal


def test_float_equivalence_of_linear_systems_is_scale_aware():
    a = random_stack([2, 2], 1, kind="linear", seed=3)
    assert equivalent(a, joint_system(a).to_stack()).equivalent
    js = joint_system(a)
    perturbed = type(js)(V=js.V, U=js.U * (1 + 1e-6), b=js.b, C=js.C, c=js.c, h0=js.h0)
    res = equivalent(a, perturbed)
    assert not res.equivalent and res.witness.shape[1] == 1
