"""Models: evaluation against literal oracles, float vs exact, validation of bad input."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr import (
    WFA,
    AlphabetError,
    DepthwiseStack,
    ExactnessError,
    Linear2RNNLayer,
    LinearRNNLayer,
    ModelKindError,
    NonFiniteError,
    ShapeError,
    Stack,
    random_depthwise_stack,
    random_stack,
    random_wfa,
)
from rnnexpr.models import Activation, one_hot

from .oracles import all_words, literal_stack_outputs, literal_wfa_value, literal_word_value

widths_st = st.lists(st.integers(1, 3), min_size=1, max_size=3)
kinds_st = st.sampled_from(["2rnn", "pure", "linear"])


def _exact_inputs(rng, T, d):
    return [[Fraction(int(rng.integers(-3, 4)), int(rng.integers(1, 3))) for _ in range(d)] for _ in range(T)]


@settings(max_examples=25, deadline=None)
@given(widths=widths_st, kind=kinds_st, d=st.integers(1, 3), T=st.integers(0, 4), seed=st.integers(0, 10**6))
def test_exact_run_matches_literal_oracle(widths, kind, d, T, seed):
    stack = random_stack(widths, input_dim=d, output_dim=2, kind=kind, seed=seed, exact=True,
                         with_initial_state=True)
    xs = _exact_inputs(np.random.default_rng(seed), T, d)
    expected = literal_stack_outputs(stack, xs)
    got = stack.run(np.array(xs, dtype=object).reshape(T, d), exact=True)
    assert got.shape == (T, 2)
    assert [list(row) for row in got] == expected
    assert all(isinstance(v, Fraction) for v in got.ravel())


@settings(max_examples=25, deadline=None)
@given(widths=widths_st, kind=kinds_st, d=st.integers(1, 3), seed=st.integers(0, 10**6))
def test_float_and_exact_evaluation_agree(widths, kind, d, seed):
    stack = random_stack(widths, input_dim=d, kind=kind, seed=seed, exact=True)
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, size=(3, 4, d)) / 2.0  # dyadic: exact in both domains
    exact = stack.run(x, exact=True)
    flt = stack.to_float().run(x)
    assert flt.shape == exact.shape == (3, 4, 1)
    np.testing.assert_allclose(flt, exact.astype(float), rtol=1e-12, atol=1e-12)


def test_batched_run_equals_per_sequence_runs():
    stack = random_stack([4, 3], input_dim=2, output_dim=2, seed=3)
    x = np.random.default_rng(0).normal(size=(5, 6, 2)) * 0.3
    batched = stack.run(x)
    for b in range(5):
        np.testing.assert_allclose(batched[b], stack.run(x[b]), rtol=1e-13, atol=1e-15)


@settings(max_examples=15, deadline=None)
@given(widths=widths_st, kind=kinds_st, seed=st.integers(0, 10**6))
def test_word_values_match_literal_oracle(widths, kind, seed):
    stack = random_stack(widths, input_dim=2, kind=kind, seed=seed, exact=True, with_initial_state=True)
    words = all_words(2, 3)
    got = stack.values(words, exact=True)
    assert list(got) == [literal_word_value(stack, w)[0] for w in words]
    assert stack(list(words[5]), exact=True) == got[5]
    runs = stack.run_words(words[1:4], exact=True)
    assert [r[-1, 0] for r in runs] == list(got[1:4])


def test_t5_witness_values():
    stack = Stack([Linear2RNNLayer(A=[[[2]]], h0=[1]), Linear2RNNLayer(A=[[[1]]], h0=[1])], C=[[1]])
    assert [stack([0] * T, exact=True) for T in range(8)] == [Fraction(2 ** (T * (T + 1) // 2)) for T in range(8)]
    np.testing.assert_allclose(stack.run([[1.0]] * 4)[:, 0], [2, 8, 64, 1024])


def test_wfa_values_match_literal_oracle():
    for seed in range(4):
        w = random_wfa(3, 2, seed=seed, exact=True)
        words = all_words(2, 4)
        assert list(w.values(words, exact=True)) == [literal_wfa_value(w, x) for x in words]
        np.testing.assert_allclose(w.values(words), [float(literal_wfa_value(w, x)) for x in words], rtol=1e-12)


@pytest.mark.parametrize("activation,fn", [
    ([Fraction(1, 2), 0, 1], lambda v: Fraction(1, 2) + v * v),
    ("relu", lambda v: v if v > 0 else Fraction(0)),
    ("identity", lambda v: v),
])
@pytest.mark.parametrize("readout_activation", [False, True])
def test_depthwise_stack_matches_oracle(activation, fn, readout_activation):
    for seed in range(3):
        stack = random_depthwise_stack([2, 3, 2], 2, activation=activation, seed=seed, exact=True,
                                       readout_activation=readout_activation)
        xs = _exact_inputs(np.random.default_rng(seed), 4, 2)
        expected = literal_stack_outputs(stack, xs, activation=fn)
        got = stack.run(np.array(xs, dtype=object), exact=True)
        assert [list(r) for r in got] == expected
        np.testing.assert_allclose(stack.run(np.array(xs, dtype=float)), got.astype(float), rtol=1e-12, atol=1e-12)


def test_depthwise_tanh_is_float_only():
    stack = random_depthwise_stack([2, 2], 1, activation="tanh", seed=0)
    assert stack.run(np.zeros((3, 1))).shape == (3, 1)
    with pytest.raises(ExactnessError, match="tanh"):
        stack.run([[1]], exact=True)


def test_depthwise_rejects_multiplicative_layers():
    with pytest.raises(ModelKindError, match=r"layers\[0\]"):
        DepthwiseStack([Linear2RNNLayer(A=[[[1]]])], C=[[1]])


def test_activation_parse_and_degree():
    assert Activation.parse([0, 0, 0, 2]).degree == 3
    assert Activation.parse("identity").degree == 1
    assert Activation.parse("relu").degree is None
    with pytest.raises(ValueError, match="activation"):
        Activation.parse("sigmoid")


def test_models_are_immutable():
    layer = Linear2RNNLayer(A=[[[1]]], U=[[1]])
    with pytest.raises(dataclasses.FrozenInstanceError):
        layer.A = None
    with pytest.raises(ValueError):
        layer.U[0, 0] = 5
    stack = Stack([layer], C=[[1]])
    with pytest.raises(ValueError):
        stack.C[0, 0] = 2


def test_layer_properties_and_parameter_counts():
    layer = Linear2RNNLayer(A=np.zeros((2, 3, 2)), U=np.ones((2, 3)), V=np.eye(2), b=[0.0, 1.0])
    assert (layer.width, layer.input_dim) == (2, 3)
    assert layer.is_linear and not layer.is_pure
    assert layer.num_parameters() == 12 + 6 + 4 + 2
    lin = LinearRNNLayer(U=[[1]], V=[[0]])
    assert isinstance(lin, Linear2RNNLayer) and lin.A is None and lin.is_exact
    assert Stack([lin, LinearRNNLayer(U=[[2]], V=[[1]])], C=[[1]]).is_linear_rnn
    assert LinearRNNLayer(V=[[1]], input_dim=4).input_dim == 4


# --- bad input --------------------------------------------------------------

def test_layer_shape_errors_name_the_argument():
    with pytest.raises(ShapeError, match=r"U: expected shape \(2, 3\).*got \(2, 2\)"):
        Linear2RNNLayer(A=np.zeros((2, 3, 2)), U=np.zeros((2, 2)))
    with pytest.raises(ShapeError, match=r"V: expected shape \(2, 2\)"):
        Linear2RNNLayer(A=np.zeros((2, 3, 2)), V=np.zeros((3, 3)))
    with pytest.raises(ShapeError, match="A: expected an array with 3 dimension"):
        Linear2RNNLayer(A=np.zeros((2, 2)))
    with pytest.raises(ShapeError, match="input_dim"):
        Linear2RNNLayer(V=np.eye(2))
    with pytest.raises(ShapeError, match="ragged"):
        Linear2RNNLayer(U=[[1, 2], [3]])
    with pytest.raises(ShapeError, match="at least one"):
        Linear2RNNLayer()


def test_non_finite_parameters_and_inputs_are_rejected():
    with pytest.raises(NonFiniteError, match=r"U: expected finite values, got nan at index \(0, 1\)"):
        LinearRNNLayer(U=[[1.0, float("nan")]], V=[[0.0]])
    with pytest.raises(NonFiniteError, match="b"):
        LinearRNNLayer(U=[[1.0]], V=[[0.0]], b=np.array([np.inf]))
    stack = random_stack([2], input_dim=2, seed=0)
    with pytest.raises(NonFiniteError, match="x"):
        stack.run(np.array([[0.0, np.nan]]))


def test_type_errors():
    with pytest.raises(TypeError, match="U"):
        LinearRNNLayer(U=[[True]], V=[[0]])
    with pytest.raises(TypeError, match="U"):
        LinearRNNLayer(U=[["abc"]], V=[[0]])
    with pytest.raises(TypeError, match="U"):
        LinearRNNLayer(U=np.array([[1 + 2j]]), V=[[0]])
    with pytest.raises(TypeError, match="layers"):
        Stack(LinearRNNLayer(U=[[1]], V=[[0]]), C=[[1]])
    with pytest.raises(TypeError, match=r"layers\[0\]"):
        Stack(["not a layer"], C=[[1]])


def test_stack_validation():
    l1 = random_stack([3], input_dim=2, seed=0).layers[0]
    l2 = random_stack([2], input_dim=4, seed=0).layers[0]
    with pytest.raises(ShapeError, match=r"layers\[1\]: expected input dimension 3 .* got 4"):
        Stack([l1, l2], C=np.ones((1, 2)))
    with pytest.raises(ShapeError, match="empty stack"):
        Stack([], C=np.ones((1, 2)))
    with pytest.raises(ShapeError, match=r"C: expected shape \(p, 3\)"):
        Stack([l1], C=np.ones((1, 2)))
    with pytest.raises(ShapeError, match=r"c: expected shape \(2,\)"):
        Stack([l1], C=np.ones((2, 3)), c=[1.0])
    assert Stack([l1], C=np.ones(3)).output_dim == 1  # a 1-D C is one readout row


def test_input_validation():
    stack = random_stack([2], input_dim=3, seed=0)
    with pytest.raises(ShapeError, match=r"x: expected the last axis to be the input dimension 3, got shape \(4, 2\)"):
        stack.run(np.zeros((4, 2)))
    with pytest.raises(ShapeError, match="x: expected an array with 2 or 3 dimension"):
        stack.run(np.zeros(3))
    with pytest.raises(AlphabetError, match=r"word: expected symbols in 0..2, got 3 at position 1"):
        stack([0, 3])
    with pytest.raises(AlphabetError, match="words"):
        stack.values([[0], [-1]])
    with pytest.raises(TypeError, match="word"):
        stack("012")
    with pytest.raises(TypeError, match="integer symbols"):
        stack([0.0, 1.0])


def test_wfa_validation():
    with pytest.raises(ShapeError, match=r"A: expected shape \(2, d, 2\)"):
        WFA([1, 0], np.zeros((2, 2, 3)), [1, 0])
    with pytest.raises(ShapeError, match="omega"):
        WFA([1, 0], np.zeros((2, 2, 2)), [1, 0, 0])
    w = random_wfa(2, 3, seed=0)
    with pytest.raises(AlphabetError):
        w([3])


def test_one_hot():
    x = one_hot([[2, 0]], 3)
    assert x.tolist() == [[[0, 0, 1], [1, 0, 0]]]
    with pytest.raises(ShapeError, match="equal lengths"):
        one_hot([[0], [0, 1]], 2)


def test_empty_sequence_and_empty_word():
    stack = random_stack([2, 2], input_dim=2, seed=1, exact=True, with_initial_state=True)
    assert stack.run(np.zeros((0, 2))).shape == (0, 1)
    C = stack.C.astype(object)
    expected = (C @ stack.layers[-1].initial_state)[0] + stack.c[0]
    assert stack([], exact=True) == expected


def test_random_constructors_are_seeded():
    a = random_stack([3, 2], input_dim=2, seed=7)
    b = random_stack([3, 2], input_dim=2, seed=7)
    assert all(np.array_equal(x.A, y.A) for x, y in zip(a.layers, b.layers, strict=True))
    with pytest.raises(ValueError, match="widths"):
        random_stack([], input_dim=2)
    with pytest.raises(ValueError, match="kind"):
        random_stack([2], input_dim=2, kind="deep")
