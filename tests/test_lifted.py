"""Tests of the lifted representation against brute-force evaluation (THEORY §2)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr.errors import ModelKindError, ShapeError, SizeLimitError
from rnnexpr.lifted import (
    feature_degrees,
    level_core,
    level_dimension,
    lift,
    lifted_widths,
    prefix_features,
    readout_functional,
    suffix_functionals,
)
from rnnexpr.models import Linear2RNNLayer, Stack, random_stack, random_wfa
from tests.oracles import literal_word_value


def _words(d, T):
    return [list(w) for w in itertools.product(range(d), repeat=T)]


CASES = [
    ([3], "2rnn", 5),
    ([3], "pure", 5),
    ([2, 2], "pure", 5),
    ([2, 2], "2rnn", 5),
    ([2, 1], "linear", 5),
    ([1, 1, 1], "2rnn", 5),
    ([1, 2, 1], "pure", 5),
    ([2, 1, 1], "pure", 4),
]


@pytest.mark.parametrize("widths,kind,Tmax", CASES)
def test_lift_matches_brute_force(widths, kind, Tmax):
    stack = random_stack(widths, 2, kind=kind, seed=len(widths) * 7 + Tmax, exact=True, with_initial_state=True)
    for T in range(Tmax + 1):
        rep = lift(stack, T)
        assert rep.is_exact and rep.length == T
        words = _words(2, T)
        assert list(rep.values(words)) == list(stack.values(words, exact=True))
        # Dimensions follow the formula level by level.
        assert rep.dimensions == tuple(level_dimension(stack, T - t) for t in range(T + 1))


def test_lift_agrees_with_literal_oracle_on_three_symbols():
    stack = random_stack([2, 2], 3, kind="2rnn", seed=5, exact=True, with_initial_state=True)
    rep = lift(stack, 3)
    for w in _words(3, 3)[::4]:
        assert rep.values([w])[0] == literal_word_value(stack, w)[0]


def test_dimension_formulas():
    pure2 = random_stack([2, 3], 2, kind="pure", seed=0)
    for m in range(6):
        # depth 2: n2 * binom(n1 + m - 1, m)
        assert level_dimension(pure2, m) == 3 * math.comb(2 + m - 1, m)
    full3 = random_stack([2, 2, 2], 2, seed=0)
    assert lifted_widths(full3) == (3, 3, 3)
    for m in range(5):
        D1, D2, D3 = feature_degrees(3, m)
        assert (D2, D3) == (m, 1) and D1 == m * (m + 1) // 2
        assert level_dimension(full3, m) == 3 * math.comb(3 + m - 1, m) * math.comb(3 + D1 - 1, D1)
    assert feature_degrees(4, 3) == (math.comb(5, 3), math.comb(4, 2), 3, 1)
    w = random_wfa(4, 3, seed=0)
    assert all(level_dimension(w, m) == 4 for m in range(5))


def test_depth1_lift_is_the_wfa():
    w = random_wfa(3, 2, seed=1, exact=True)
    rep = lift(w, 2)
    assert all(np.array_equal(c, w.A) for c in rep.cores)
    assert np.array_equal(rep.initial, w.alpha) and np.array_equal(rep.final, w.omega)
    assert rep.ranks == (1, 3, 1)


def test_t5_witness_values():
    t5 = Stack([Linear2RNNLayer(A=[[[2]]], h0=[1]), Linear2RNNLayer(A=[[[1]]], h0=[1])], C=[[1]])
    for T in range(7):
        assert lift(t5, T).values([[0] * T])[0] == 2 ** (T * (T + 1) // 2)


def test_float_lift_close_to_float_evaluation():
    stack = random_stack([3, 2], 2, kind="2rnn", seed=3)
    rep = lift(stack, 4)
    assert rep.final.dtype == np.float64
    words = _words(2, 4)
    np.testing.assert_allclose(rep.values(words), stack.values(words), rtol=1e-10, atol=1e-12)


def test_tt_cores_shapes_and_contraction():
    stack = random_stack([2, 2], 2, kind="pure", seed=2, exact=True)
    rep = lift(stack, 3)
    cores = rep.tt_cores()
    assert [c.shape for c in cores] == [(1, 2, 6), (6, 2, 4), (4, 2, 1)]
    assert rep.ranks == (1, 6, 4, 1)
    w = [1, 0, 1]
    v = cores[0][:, w[0], :] @ cores[1][:, w[1], :] @ cores[2][:, w[2], :]
    assert v[0, 0] == stack(w, exact=True)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), kind=st.sampled_from(["2rnn", "pure", "linear"]),
       m=st.integers(0, 3), t=st.integers(0, 3))
def test_prefix_features_times_suffix_functionals(seed, kind, m, t):
    """f(uv) = phi_m(u) . G_v for every prefix u and suffix v of length m."""
    stack = random_stack([2, 2], 2, kind=kind, seed=seed, exact=True, with_initial_state=True)
    prefixes, suffixes = _words(2, t), _words(2, m)
    H = prefix_features(stack, prefixes, m) @ suffix_functionals(stack, suffixes)
    brute = np.array([[stack(u + v, exact=True) for v in suffixes] for u in prefixes], dtype=object)
    assert np.array_equal(H, brute)


def test_core_maps_features_one_level_down():
    stack = random_stack([2, 1, 2], 2, kind="2rnn", seed=4, exact=True, with_initial_state=True)
    for m in (1, 2):
        core = level_core(stack, m)
        for u in ([], [1], [0, 1]):
            for s in range(2):
                lhs = prefix_features(stack, [u], m)[0] @ core[:, s, :]
                assert np.array_equal(lhs, prefix_features(stack, [u + [s]], m - 1)[0])
    assert np.array_equal(readout_functional(stack), suffix_functionals(stack, [[]])[:, 0])


def test_size_guard_names_the_size():
    stack = random_stack([3, 3, 3], 2, seed=0, exact=True)
    with pytest.raises(SizeLimitError, match="max_entries"):
        lift(stack, 6)
    with pytest.raises(SizeLimitError, match="entries"):
        lift(random_stack([2, 2], 2, seed=0), 4, max_entries=100)


def test_bad_input():
    stack = random_stack([2, 2], 2, seed=0)
    with pytest.raises(ValueError, match="length"):
        lift(stack, -1)
    with pytest.raises(TypeError, match="length"):
        lift(stack, 1.5)
    with pytest.raises(ModelKindError):
        lift("not a model", 2)
    with pytest.raises(ShapeError, match="output"):
        lift(stack, 2, output=3)
    with pytest.raises(ShapeError, match="common length"):
        suffix_functionals(stack, [[0], [0, 1]])
    with pytest.raises(ValueError, match="m"):
        level_core(stack, 0)
    with pytest.raises(ShapeError, match="length 2"):
        lift(stack, 2).values([[0]])


def test_output_row_and_model_kinds():
    from rnnexpr.models import random_depthwise_stack

    s = random_stack([2, 2], 2, output_dim=2, seed=6, exact=True)
    words = _words(2, 3)
    for o in range(2):
        assert list(lift(s, 3, output=o).values(words)) == list(s.values(words, exact=True)[:, o])
    with pytest.raises(ModelKindError):
        lift(random_depthwise_stack([2, 2], 2, seed=0), 2)


# --- the public deep-stack kernel (issue 10) ---------------------------------------------------


def test_kernel_values_states_and_residues_match_the_literal_oracle():
    from fractions import Fraction

    from rnnexpr.fields import GF
    from rnnexpr.lifted import homogeneous_parameters

    p = 1_000_003
    for widths, kind, d in (([2, 1, 2], "2rnn", 2), ([1, 2], "pure", 3), ([2, 2, 1, 1], "2rnn", 2)):
        s = random_stack(widths, d, kind=kind, seed=7, exact=True, with_initial_state=True)
        hp = homogeneous_parameters(s, force_constant=True)
        prefixes = [(), (0,), (d - 1, 0, 1 % d)]
        suffixes = [(), (1 % d,), (0, 0), (d - 1, 1 % d, 0)]
        want = np.array([[literal_word_value(s, list(u) + list(v))[0] for v in suffixes] for u in prefixes],
                        dtype=object)
        got = hp.values_from_states(hp.states_after(prefixes), suffixes)
        assert (got == want).all()
        hm = hp.residues(p)
        assert hm.modulus == p
        assert (hm.values_from_states(hm.states_after(prefixes), suffixes) == GF(p).residues(want)).all()
        # word_values: every word of each length in base-d order.
        vals = hm.word_values(3)
        for t, row in enumerate(vals):
            for c, w in enumerate(itertools.product(range(d), repeat=t)):
                assert row[c] == GF(p).residues([literal_word_value(s, list(w))[0]])[0]
        # Features mod p are the residues of the exact ones; the integer form is proportional row by row.
        F = hp.features(hp.states_after(prefixes), 2)
        assert (hm.features(hm.states_after(prefixes), 2) == GF(p).residues(F)).all()
        hq = hp.integer_form()
        Fq = hq.features(hq.states_after(prefixes), 2)
        for a, b in zip(F, Fq, strict=True):
            nz = [i for i, v in enumerate(a) if v != 0]
            ratio = Fraction(b[nz[0]]) / a[nz[0]]
            assert all(Fraction(b[i]) == ratio * a[i] for i in range(len(a)))
        assert hp.common_denominator() % 1 == 0


def test_kernel_embedding_restricts_features():
    """With a constant coordinate, phi_j(u) is phi_k(u) restricted to embedding_index(j, k)."""
    from rnnexpr.lifted import homogeneous_parameters

    s = random_stack([2, 1, 2], 2, kind="pure", seed=3, exact=True, with_initial_state=True)
    hp = homogeneous_parameters(s, force_constant=True)
    states = hp.states_after([(0, 1), (1,)])
    for j, k in ((0, 2), (1, 3), (2, 2)):
        idx = hp.embedding_index(j, k)
        assert (hp.features(states, k)[:, idx] == hp.features(states, j)).all()
    with pytest.raises(ValueError, match="m_to"):
        hp.embedding_index(3, 1)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 2**31 - 2), min_size=6, max_size=6), st.integers(0, 200))
def test_matmul_mod_and_power_mod_match_python_integers(vals, e):
    from rnnexpr.fields import matmul_mod, power_mod

    p = 2**31 - 1
    X = np.array(vals[:4], dtype=np.int64).reshape(2, 2) % p
    Y = np.array(vals[2:], dtype=np.int64).reshape(2, 2) % p
    want = [[sum(int(X[i, t]) * int(Y[t, j]) for t in range(2)) % p for j in range(2)] for i in range(2)]
    assert matmul_mod(X, Y, p).tolist() == want
    assert power_mod(X, e, p).tolist() == [[pow(int(v), e, p) for v in row] for row in X]


def test_to_tensor_train_takes_the_lift_budget():
    """A non-pure (3, 2) stack at T = 10 is refused by default and built with a larger max_entries."""
    from rnnexpr.tt import to_tensor_train, tt_evaluate

    s = random_stack([3, 2], 2, seed=0, exact=True)
    with pytest.raises(SizeLimitError, match="max_entries=2000000"):
        to_tensor_train(s, 10)  # refused from the dimensions, before building anything
    with pytest.raises(SizeLimitError, match="max_entries=1000"):
        to_tensor_train(s, 4, max_entries=1000)
    tt = to_tensor_train(s, 4, max_entries=10**5)
    for w in ([0] * 4, [1, 0] * 2, [1] * 4):
        assert tt_evaluate(tt, w) == literal_word_value(s, w)[0]


@pytest.mark.parametrize("kind", ["pure", "2rnn"])
@pytest.mark.parametrize("widths", [[2, 2], [1, 2, 1], [2, 1, 1, 1]])
def test_log2_bounds_bound_every_word(widths, kind):
    """2**e bounds every state entry and 2**q every denominator, for every word of each length."""
    from fractions import Fraction

    from rnnexpr.lifted import homogeneous_parameters

    s = random_stack(widths, 2, kind=kind, seed=4, exact=True, with_initial_state=True)
    hp = homogeneous_parameters(s)
    n_max = 5
    for start in ("initial", "ones"):
        bounds = hp.log2_bounds(n_max, start=start)
        assert len(bounds) == n_max + 1
        init = [np.full(h.shape, Fraction(1), dtype=object) for h in hp.h0] if start == "ones" else list(hp.h0)
        hs = hp if start == "initial" else type(hp)(hp.widths, hp.first, hp.bilinear, tuple(init), hp.readout, True)
        for n in range(n_max + 1):
            words = list(itertools.product(range(2), repeat=n))
            states = hs.states_after(words)
            exps, dens = bounds[n]
            for l, H in enumerate(states):
                big = max(abs(Fraction(v)) for v in H.ravel())
                den = math.lcm(*(Fraction(v).denominator for v in H.ravel()))
                assert big == 0 or math.log2(big) <= exps[l] + 1e-12  # (a bound of -inf says the layer is zero)
                assert math.log2(den) <= dens[l] + 1e-12
    with pytest.raises(ValueError, match="start"):
        hp.log2_bounds(2, start="zeros")
