"""Affine augmentation and WFA conversions keep the function (THEORY §1, T3)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr import ModelKindError, Stack, augment, augment_layer, from_wfa, random_stack, random_wfa, to_wfa
from rnnexpr.models import LinearRNNLayer

from .oracles import all_words, literal_wfa_value, literal_word_value


@settings(max_examples=20, deadline=None)
@given(widths=st.lists(st.integers(1, 3), min_size=1, max_size=3), d=st.integers(1, 3),
       kind=st.sampled_from(["2rnn", "linear", "pure"]), seed=st.integers(0, 10**6))
def test_augmentation_keeps_outputs_on_real_inputs(widths, d, kind, seed):
    stack = random_stack(widths, input_dim=d, output_dim=2, kind=kind, seed=seed, exact=True,
                         with_initial_state=True)
    aug = augment(stack)
    assert aug.is_pure and aug.widths == tuple(w + 1 for w in widths) and aug.input_dim == d + 1
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=(2, 4, d))
    x_aug = np.concatenate([np.ones((2, 4, 1), dtype=int), x], axis=2)
    assert np.array_equal(aug.run(x_aug, exact=True), stack.run(x, exact=True))


def test_augment_layer_matches_theory_layout():
    layer = LinearRNNLayer(U=[[5, 6]], V=[[7]], b=[3], h0=[2])
    aug = augment_layer(layer)
    A = aug.A
    assert A[0, 0, 0] == 1 and A[0, 0, 1] == 3            # b
    assert A[0, 1, 1] == 5 and A[0, 2, 1] == 6            # U[:, j]
    assert A[1, 0, 1] == 7                                # V[:, i]
    assert list(aug.h0) == [1, 2]


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 4), d=st.integers(1, 3), kind=st.sampled_from(["2rnn", "linear", "pure"]),
       seed=st.integers(0, 10**6))
def test_to_wfa_keeps_the_function_on_all_words_up_to_length_5(n, d, kind, seed):
    stack = random_stack([n], input_dim=d, kind=kind, seed=seed, exact=True, with_initial_state=True)
    wfa = to_wfa(stack)
    assert wfa.num_states == (n if kind == "pure" else n + 1)
    words = all_words(d, 5 if d <= 2 else 3)
    values = stack.values(words, exact=True)
    assert list(wfa.values(words, exact=True)) == list(values)
    # An independent check of a few values by the literal definitions.
    for w in words[:: max(1, len(words) // 7)]:
        assert literal_wfa_value(wfa, w) == literal_word_value(stack, w)[0]
    back = from_wfa(wfa)
    assert back.widths == (wfa.num_states,) and back.is_pure
    assert list(back.values(words, exact=True)) == list(values)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 4), d=st.integers(1, 3), seed=st.integers(0, 10**6))
def test_wfa_round_trip(n, d, seed):
    wfa = random_wfa(n, d, seed=seed, exact=True)
    stack = from_wfa(wfa)
    again = to_wfa(stack)
    assert again.num_states == n
    assert np.array_equal(again.A, wfa.A) and np.array_equal(again.alpha, wfa.alpha)
    words = all_words(d, 4)
    assert list(stack.values(words, exact=True)) == list(wfa.values(words, exact=True))


def test_to_wfa_float_and_non_minimal_form():
    stack = random_stack([3], input_dim=2, kind="pure", seed=0)
    w1, w2 = to_wfa(stack), to_wfa(stack, minimal_form=False)
    assert (w1.num_states, w2.num_states) == (3, 4)
    words = all_words(2, 4)
    np.testing.assert_allclose(w1.values(words), stack.values(words), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(w2.values(words), stack.values(words), rtol=1e-12, atol=1e-14)


def test_to_wfa_selects_an_output():
    stack = random_stack([2], input_dim=2, output_dim=3, seed=0, exact=True)
    words = all_words(2, 3)
    for j in range(3):
        assert list(to_wfa(stack, output=j).values(words, exact=True)) == list(stack.values(words, exact=True)[:, j])
    with pytest.raises(ValueError, match="output"):
        to_wfa(stack, output=3)


def test_to_wfa_refuses_deep_stacks_and_wrong_kinds():
    with pytest.raises(ModelKindError, match="depth-1"):
        to_wfa(random_stack([2, 2], input_dim=2, seed=0))
    with pytest.raises(ModelKindError, match="bare layer"):
        to_wfa(random_stack([2], input_dim=2, seed=0).layers[0])
    with pytest.raises(ModelKindError):
        from_wfa(random_stack([2], input_dim=2, seed=0))
    with pytest.raises(ModelKindError):
        augment(random_wfa(2, 2))
    assert isinstance(from_wfa(random_wfa(2, 2)), Stack)
