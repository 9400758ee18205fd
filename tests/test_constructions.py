"""Constructions of THEORY §4: collapse (T0, T1), delay networks (T2), witnesses (T5, T6),
reachable states and the product construction (T5 caveat)."""

from __future__ import annotations

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
    random_stack,
)
from rnnexpr.constructions import (
    collapse,
    collapse_linear_feedforward,
    delay_network_deep,
    delay_network_shallow,
    delay_parameter_counts,
    dfa_stack,
    product_construction,
    product_witness,
    random_depth2_witness,
    reachable_states,
    t5_witness,
)
from rnnexpr.errors import ConflictingArgumentsError
from rnnexpr.exact import exact_rank
from rnnexpr.numbers import to_exact_array

from .oracles import all_words, literal_stack_outputs, literal_word_value


def _rational_inputs(rng, T, d):
    nums = rng.integers(-5, 6, size=(T, d))
    dens = rng.integers(1, 4, size=(T, d))
    return to_exact_array(np.vectorize(lambda p, q: Fraction(int(p), int(q)), otypes=[object])(nums, dens))


# ---------------------------------------------------------------- T1 collapse


@settings(max_examples=25, deadline=None)
@given(widths=st.lists(st.integers(1, 3), min_size=1, max_size=4), d=st.integers(1, 3),
       p=st.integers(1, 2), seed=st.integers(0, 10**6), h0=st.booleans())
def test_collapse_equals_stack_exactly(widths, d, p, seed, h0):
    stack = random_stack(widths, input_dim=d, output_dim=p, kind="linear", seed=seed, exact=True,
                         with_initial_state=h0)
    one = collapse(stack)
    assert one.depth == 1 and one.widths == (sum(widths),) and one.is_exact and one.is_linear_rnn
    x = _rational_inputs(np.random.default_rng(seed), 6, d)
    got = one.run(x, exact=True)
    assert np.array_equal(got, stack.run(x, exact=True))
    # Independent oracle: the literal loop on the original stack.
    assert [list(r) for r in got] == literal_stack_outputs(stack, x)


def test_collapse_depth2_matches_theory_blocks():
    stack = random_stack([2, 3], input_dim=2, kind="linear", seed=3, exact=True)
    V1, U1, b1 = (stack.layers[0].V, stack.layers[0].U, stack.layers[0].b)
    V2, U2, b2 = (stack.layers[1].V, stack.layers[1].U, stack.layers[1].b)
    layer = collapse(stack).layers[0]
    assert np.array_equal(layer.V[:2, :2], V1) and not np.any(layer.V[:2, 2:] != 0)
    assert np.array_equal(layer.V[2:, :2], U2 @ V1) and np.array_equal(layer.V[2:, 2:], V2)
    assert np.array_equal(layer.U[:2], U1) and np.array_equal(layer.U[2:], U2 @ U1)
    assert np.array_equal(layer.b[2:], U2 @ b1 + b2)


def test_collapse_float_stack_and_identity_depthwise():
    stack = random_stack([2, 2, 1], input_dim=1, kind="linear", seed=1)
    x = np.random.default_rng(0).normal(size=(5, 1))
    assert np.allclose(collapse(stack).run(x), stack.run(x), rtol=1e-12, atol=1e-12)
    dw = DepthwiseStack(stack.layers, stack.C, stack.c, activation="identity")
    assert np.allclose(collapse(dw).run(x), dw.run(x), rtol=1e-12, atol=1e-12)


def test_collapse_refuses_multiplicative_and_nonlinear():
    with pytest.raises(ModelKindError, match="multiplicative"):
        collapse(random_stack([2, 2], input_dim=1, kind="2rnn", seed=0, exact=True))
    with pytest.raises(ModelKindError, match="relu"):
        collapse(DepthwiseStack([LinearRNNLayer(U=[[1]], V=[[0]])], C=[[1]], activation="relu"))
    with pytest.raises(ModelKindError):
        collapse("not a stack")


# ---------------------------------------------------------------- T0


@settings(max_examples=20, deadline=None)
@given(dims=st.lists(st.integers(1, 4), min_size=2, max_size=5), seed=st.integers(0, 10**6))
def test_collapse_linear_feedforward_is_the_composition(dims, seed):
    rng = np.random.default_rng(seed)
    Ws = [rng.integers(-3, 4, size=(dims[i + 1], dims[i])) for i in range(len(dims) - 1)]
    bs = [rng.integers(-3, 4, size=dims[i + 1]) if i % 2 == 0 else None for i in range(len(dims) - 1)]
    W, c = collapse_linear_feedforward([w.tolist() for w in Ws], [None if b is None else b.tolist() for b in bs])
    x = [Fraction(int(v), 3) for v in rng.integers(-5, 6, size=dims[0])]
    z = np.array(x, dtype=object)
    for w, b in zip(Ws, bs):
        z = w.astype(object) @ z + (0 if b is None else b.astype(object))
    assert list(W @ np.array(x, dtype=object) + c) == list(z)
    assert all(isinstance(v, Fraction) for v in W.ravel())


def test_collapse_linear_feedforward_bad_shapes():
    with pytest.raises(ShapeError, match=r"weights\[1\]"):
        collapse_linear_feedforward([[[1, 2]], [[1, 2]]])
    with pytest.raises(ShapeError, match="biases"):
        collapse_linear_feedforward([[[1]]], [[1], [2]])
    with pytest.raises(ShapeError, match=r"biases\[0\]"):
        collapse_linear_feedforward([[[1]]], [[1, 2]])


# ---------------------------------------------------------------- T2 delay


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8])
def test_delay_networks_delay_exactly(k):
    rng = np.random.default_rng(k)
    T = k + 6
    x = _rational_inputs(rng, T, 1)
    expected = [Fraction(0)] * k + list(x[: T - k, 0])
    for net in (delay_network_shallow(k), delay_network_deep(k)):
        assert net.is_exact
        assert list(net.run(x, exact=True)[:, 0]) == expected


@pytest.mark.parametrize("k", [1, 2, 4, 7])
def test_delay_counts_and_shallow_minimality(k):
    c = delay_parameter_counts(k)
    assert (c.shallow_width, c.shallow_recurrent, c.shallow_total) == (k + 1, (k + 1) ** 2, (k + 1) ** 2 + 2 * (k + 1))
    assert (c.deep_depth, c.deep_widths, c.deep_recurrent, c.deep_total) == (k, (2,) * k, 4 * k, 8 * k)
    assert c.to_dict()["deep_widths"] == [2] * k
    # Width k+1 is needed: the Hankel matrix of the impulse response (Markov parameters) has rank k+1.
    T = 2 * k + 2
    impulse = np.zeros((T, 1), dtype=int)
    impulse[0, 0] = 1
    markov = delay_network_deep(k).run(impulse, exact=True)[:, 0]
    H = [[markov[i + j] for j in range(k + 1)] for i in range(k + 1)]
    assert exact_rank(H).rank == k + 1


def test_delay_bad_delay():
    with pytest.raises(ValueError, match="delay"):
        delay_network_shallow(0)
    with pytest.raises(TypeError, match="delay"):
        delay_network_deep(1.5)


def test_delay_old_keyword_k_still_works_with_a_warning():
    # k was the delay's name until the vocabulary of issue 13: one release of grace.
    for build in (delay_network_shallow, delay_network_deep):
        with pytest.warns(DeprecationWarning, match="'k' is renamed 'delay'"):
            old = build(k=3)
        x = np.arange(1, 8).reshape(7, 1)
        assert list(old.run(x, exact=True)[:, 0]) == list(build(delay=3).run(x, exact=True)[:, 0]) == [0, 0, 0, 1, 2, 3, 4]
    with pytest.warns(DeprecationWarning, match="renamed delay"):
        assert delay_parameter_counts(delay=4).k == 4
    with pytest.raises(ConflictingArgumentsError):
        delay_network_deep(k=2, delay=3)


# ---------------------------------------------------------------- T5 witnesses


def test_t5_witness_values_and_hankel_rank():
    s = t5_witness()
    assert s.widths == (1, 1) and s.input_dim == 1 and s.is_pure
    vals = s.values([[0] * T for T in range(12)], exact=True)
    assert list(vals) == [Fraction(2 ** (T * (T + 1) // 2)) for T in range(12)]
    k = 5
    H = [[vals[i + j] for j in range(k)] for i in range(k)]
    assert exact_rank(H).rank == k


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_depth2_witness_is_deterministic_and_grows(seed):
    a, b = random_depth2_witness(seed), random_depth2_witness(seed)
    assert all(np.array_equal(la.A, lb.A) for la, lb in zip(a.layers, b.layers))
    assert a.is_pure and a.widths == (2, 2) and a.input_dim == 2
    f = random_depth2_witness(seed, widths=(3, 1), alphabet_size=3, exact=False)
    assert f.widths == (3, 1) and f.input_dim == 3 and not f.is_exact
    # Unary Hankel block along symbol 0 keeps full rank for a few sizes (generic growth).
    vals = a.values([[0] * T for T in range(9)], exact=True)
    H = [[vals[i + j] for j in range(5)] for i in range(5)]
    assert exact_rank(H).rank == 5


def test_random_depth2_witness_bad_widths():
    with pytest.raises(ShapeError, match="widths"):
        random_depth2_witness(0, widths=(2, 2, 2))


# ---------------------------------------------------------------- T5 caveat


def test_reachable_states_of_dfa_layer():
    states = reachable_states(dfa_stack("mod3"))
    assert [list(map(int, s)) for s in states] == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    # A linear layer h' = [x_0, h_1] (a shift register of the indicator of symbol 0):
    # the states are the four 0-1 vectors, in BFS order.
    shift = LinearRNNLayer(U=[[1, 0], [0, 0]], V=[[0, 0], [1, 0]])
    assert [list(map(int, s)) for s in reachable_states(shift)] == [[0, 0], [1, 0], [1, 1], [0, 1]]


def test_reachable_states_refuses_infinite_sets():
    with pytest.raises(SizeLimitError, match="more than 10"):
        reachable_states(t5_witness(), max_states=10)
    with pytest.raises(ModelKindError):
        reachable_states("layer")


@pytest.mark.parametrize("preset,width,seed", [("parity", 2, 0), ("mod3", 2, 1), ("mod3", 3, 2),
                                               ([[1, 0, 2], [2, 2, 0], [0, 1, 1]], 2, 3)])
def test_product_construction_equals_stack(preset, width, seed):
    stack = dfa_stack(preset, width=width, seed=seed)
    wfa = product_construction(stack)
    n_reach = len(reachable_states(stack))
    assert wfa.num_states == n_reach * (width + 1) and wfa.is_exact
    words = all_words(stack.input_dim, 6)
    assert list(wfa.values(words, exact=True)) == list(stack.values(words, exact=True))
    # The literal oracle agrees on a sample.
    for w in words[:: max(1, len(words) // 20)]:
        assert wfa(w, exact=True) == literal_word_value(stack, list(w))[0]


def test_product_construction_with_bias_readout_and_layer2_terms():
    layer1 = Linear2RNNLayer(A=[[[0, 1], [1, 0]], [[1, 0], [0, 1]]], h0=[1, 0])  # parity, symbol 0 flips
    layer2 = Linear2RNNLayer(A=[[["1/2"], [2]]], U=[[1, -1]], V=[[3]], b=[1], h0=[2])
    stack = Stack([layer1, layer2], C=[[1]], c=[5])
    wfa = product_construction(stack)
    assert wfa.num_states == 2 * 2
    words = all_words(2, 6)
    assert list(wfa.values(words, exact=True)) == list(stack.values(words, exact=True))


def test_product_construction_refusals():
    with pytest.raises(ModelKindError, match="depth 1"):
        product_construction(product_witness())
    with pytest.raises(SizeLimitError):
        product_construction(t5_witness(), max_states=20)
    with pytest.raises(ShapeError, match="output"):
        product_construction(dfa_stack(), output=3)


def test_dfa_stack_validation():
    with pytest.raises(ValueError, match="transitions"):
        dfa_stack("mod7")
    with pytest.raises(ValueError, match="states in"):
        dfa_stack([[0, 5]])
    with pytest.raises(ValueError, match="initial"):
        dfa_stack("parity", initial=2)


# ---------------------------------------------------------------- T6 witness


@pytest.mark.parametrize("T", [1, 2, 5, 9])
def test_product_witness_is_the_monomial(T):
    s = product_witness(T)
    assert s.widths == (1,) and s.input_dim == 1
    rng = np.random.default_rng(T)
    for _ in range(3):
        x = _rational_inputs(rng, T, 1)
        assert s.run(x, exact=True)[-1, 0] == math.prod(x[:, 0])


def test_product_witness_bad_length():
    with pytest.raises(ValueError, match="length"):
        product_witness(0)
    with pytest.warns(DeprecationWarning, match="'T' is renamed 'length'"):
        product_witness(T=2)


def test_options_given_by_position_still_work_with_a_warning():
    with pytest.warns(DeprecationWarning, match="by position"):
        old = dfa_stack("mod3", 0, 3, 1)
    new = dfa_stack("mod3", initial=0, width=3, seed=1)
    words = [[], [0], [1, 1, 0], [1, 1, 1, 0]]
    assert list(old.values(words, exact=True)) == list(new.values(words, exact=True))
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="multiple values"):
        dfa_stack("mod3", 0, initial=0)


def test_size_limits_are_refused_up_front():
    with pytest.raises(SizeLimitError, match="exact entries"):
        delay_network_shallow(10**5)
    with pytest.raises(SizeLimitError, match="exact entries"):
        delay_parameter_counts(10**6)
    parity = dfa_stack("parity").layers[0]
    wide = Stack([parity, LinearRNNLayer(U=np.ones((1500, 2)))], C=np.ones((1, 1500)))
    with pytest.raises(SizeLimitError, match="3002 states"):
        product_construction(wide)
