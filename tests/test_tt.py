"""Tensor trains of length-T slices, TT ranks by rounding, TT rounding bounds (THEORY §3)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tensorly.tt_tensor import TTTensor

from rnnexpr import ModelKindError, ShapeError, SizeLimitError, Stack, WFA, random_stack, random_wfa
from rnnexpr.errors import InvalidArgumentError, NumericalRankWarning
from rnnexpr.exact import exact_rank
from rnnexpr.lifted import lift
from rnnexpr.models import Linear2RNNLayer
from rnnexpr.tt import (
    _polynomial_cores,
    monomial_exponents,
    polynomial_degrees,
    to_tensor_train,
    tt_cores,
    tt_evaluate,
    tt_ranks,
    tt_round,
    tt_to_full,
)

from .oracles import (
    brute_force_slice,
    literal_hankel_block,
    literal_stack_outputs,
    literal_wfa_value,
    literal_word_value,
    tt_svd_ranks,
    unfolding_ranks,
)

def _rational_inputs(rng, T, m):
    return [[Fraction(int(rng.integers(-4, 5)), int(rng.integers(1, 4))) for _ in range(m)] for _ in range(T)]


# ---------------------------------------------------------------------------
# Construction: the TT reconstructs the brute-force tensor
# ---------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 4), d=st.integers(1, 3), T=st.integers(1, 4), seed=st.integers(0, 10**6))
def test_wfa_tt_is_the_slice_exactly(n, d, T, seed):
    wfa = random_wfa(n, d, seed=seed, exact=True)
    tt = to_tensor_train(wfa, T)
    assert isinstance(tt, TTTensor) and tt.shape == (d,) * T
    full = tt_to_full(tt)
    assert full.dtype == object
    assert np.array_equal(full, brute_force_slice(lambda w: literal_wfa_value(wfa, w), d, T))


def test_float_wfa_tt_matches_to_1e_10():
    wfa = random_wfa(5, 3, seed=7)
    tt = to_tensor_train(wfa, 5)
    full = tt_to_full(tt)
    ref = brute_force_slice(lambda w: float(literal_wfa_value(wfa, w)), 3, 5).astype(float)
    assert full.dtype == np.float64
    assert np.max(np.abs(full - ref)) <= 1e-10 * max(1.0, np.max(np.abs(ref)))


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 3), d=st.integers(1, 3), T=st.integers(1, 3), seed=st.integers(0, 10**6),
       kind=st.sampled_from(["2rnn", "pure", "linear"]))
def test_depth1_stack_one_hot_tt_is_the_slice(n, d, T, seed, kind):
    stack = random_stack([n], input_dim=d, output_dim=2, kind=kind, seed=seed, exact=True,
                         with_initial_state=True)
    for output in (0, 1):
        full = tt_to_full(to_tensor_train(stack, T, output=output))
        assert np.array_equal(full, brute_force_slice(lambda w, o=output: literal_word_value(stack, w)[o], d, T))


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 3), m=st.integers(1, 3), T=st.integers(1, 4), seed=st.integers(0, 10**6),
       kind=st.sampled_from(["2rnn", "pure", "linear"]))
def test_affine_tt_is_multilinear_form_of_the_layer(n, m, T, seed, kind):
    stack = random_stack([n], input_dim=m, kind=kind, seed=seed, exact=True, with_initial_state=True)
    tt = to_tensor_train(stack, T, feature_map="affine")
    assert tt.shape == (m + 1,) * T and max(tt.rank) <= n + 1
    rng = np.random.default_rng(seed)
    for _ in range(3):
        x = _rational_inputs(rng, T, m)
        assert tt_evaluate(tt, x, feature_map="affine") == literal_stack_outputs(stack, x)[-1][0]
    # The polynomial map of a depth-1 stack is the affine map ([1; x] = monomials of degree <= 1).
    poly = to_tensor_train(stack, T, feature_map="polynomial")
    assert all(np.array_equal(a, b) for a, b in zip(poly.factors, tt.factors, strict=True))


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 3), m=st.integers(1, 2), T=st.integers(1, 3), seed=st.integers(0, 10**6))
def test_interpolation_construction_recovers_the_multilinear_form(n, m, T, seed):
    # The grid-and-inverse-Vandermonde construction of the polynomial map, run on a depth-1 stack
    # (grid TT through to_wfa), must give the same polynomial as the direct affine TT.
    stack = random_stack([n], input_dim=m, seed=seed, exact=True)
    cores = _polynomial_cores(stack, T, max_features=10_000)
    direct = to_tensor_train(stack, T, feature_map="affine")
    assert np.array_equal(tt_to_full(cores), tt_to_full(direct))


def test_float_affine_tt_matches_run():
    stack = random_stack([3], input_dim=2, seed=3)
    tt = to_tensor_train(stack, 6, feature_map="affine")
    x = np.random.default_rng(0).normal(size=(6, 2))
    assert abs(tt_evaluate(tt, x, feature_map="affine") - stack.run(x)[-1, 0]) <= 1e-10


@settings(max_examples=8, deadline=None)
@given(widths=st.lists(st.integers(1, 2), min_size=2, max_size=3), d=st.integers(1, 2), T=st.integers(1, 3),
       seed=st.integers(0, 10**6))
def test_deep_stack_one_hot_tt_is_the_slice(widths, d, T, seed):
    stack = random_stack(widths, input_dim=d, seed=seed, exact=True, with_initial_state=True)
    tt = to_tensor_train(stack, T)
    full = tt_to_full(tt)
    assert np.array_equal(full, brute_force_slice(lambda w: literal_word_value(stack, w)[0], d, T))
    assert tt_ranks(tt, exact=True).ranks == unfolding_ranks(full)
    assert tt_ranks(lift(stack, T), exact=True).ranks == unfolding_ranks(full)  # a lift is a TT too


@settings(max_examples=6, deadline=None)
@given(widths=st.lists(st.integers(1, 2), min_size=2, max_size=2), m=st.integers(1, 2), T=st.integers(1, 3),
       seed=st.integers(0, 10**6))
def test_deep_stack_polynomial_tt_matches_brute_force_at_random_points(widths, m, T, seed):
    stack = random_stack(widths, input_dim=m, seed=seed, exact=True, with_initial_state=True)
    tt = to_tensor_train(stack, T, feature_map="polynomial")
    degrees = polynomial_degrees(stack.depth, T)
    assert tt.shape == tuple(math.comb(m + D, m) for D in degrees)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        x = _rational_inputs(rng, T, m)
        assert tt_evaluate(tt, x, feature_map="polynomial") == literal_stack_outputs(stack, x)[-1][0]


def test_float_deep_polynomial_tt_matches_run():
    stack = random_stack([2, 2], input_dim=2, seed=5, with_initial_state=True)
    T = 4
    tt = to_tensor_train(stack, T, feature_map="polynomial")
    x = np.random.default_rng(1).uniform(-1, 1, size=(T, 2))
    y = stack.run(x)[-1, 0]
    assert abs(tt_evaluate(tt, x, feature_map="polynomial") - y) <= 1e-10 * max(1.0, abs(y))


def test_t5_witness_polynomial_degree_in_first_input():
    # h1_t = 2 h1_{t-1} x_t, h2_t = h2_{t-1} h1_t: y_T = 2^{T(T+1)/2} prod_t x_t^{T-t+1}; degree T in x_1.
    s = Stack([Linear2RNNLayer(A=[[[2]]], h0=[1]), Linear2RNNLayer(A=[[[1]]], h0=[1])], C=[[1]])
    T = 3
    tt = to_tensor_train(s, T, feature_map="polynomial")
    assert tt.shape == (4, 3, 2)
    full = tt_to_full(tt)
    expected = np.zeros((4, 3, 2), dtype=object)
    expected[...] = Fraction(0)
    expected[3, 2, 1] = Fraction(2**6)
    assert np.array_equal(full, expected)


def test_monomials_and_degrees():
    assert monomial_exponents(3, 1) == [(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)]
    assert len(monomial_exponents(3, 4)) == math.comb(7, 4)
    assert polynomial_degrees(3, 3) == (6, 3, 1)  # binom(T-t+2, 2)
    assert sum(polynomial_degrees(2, 5)) == 15  # total degree T(T+1)/2 for L = 2 (T4)


# ---------------------------------------------------------------------------
# Ranks: equal to unfolding ranks and Hankel-block ranks
# ---------------------------------------------------------------------------


@settings(max_examples=12, deadline=None)
@given(n=st.integers(1, 4), d=st.integers(1, 3), T=st.integers(1, 5), seed=st.integers(0, 10**6))
def test_exact_ranks_equal_unfolding_and_hankel_ranks(n, d, T, seed):
    if d**T > 250:
        T = 3
    wfa = random_wfa(n, d, seed=seed, exact=True)
    tt = to_tensor_train(wfa, T)
    ranks = tt_ranks(tt, exact=True)
    assert ranks.exact and ranks.ranks == unfolding_ranks(tt_to_full(tt))
    for t in range(1, T):
        H = literal_hankel_block(lambda w: literal_wfa_value(wfa, w), d, t, T)
        assert ranks.ranks[t] == exact_rank(H).rank


def _redundant_wfa(seed, n, d, exact=True):
    """A non-minimal WFA: two copies of a random one (2n states, Hankel rank <= n)."""
    w = random_wfa(n, d, seed=seed, exact=exact)
    Z = np.zeros((n, d, n), dtype=object if exact else float)
    if exact:
        Z[...] = Fraction(0)
    A = np.concatenate([np.concatenate([w.A, Z], axis=2), np.concatenate([Z, w.A], axis=2)], axis=0)
    half = [Fraction(1, 2) if exact else 0.5]
    return WFA(np.concatenate([w.alpha, w.alpha]), A, np.concatenate([w.omega * half[0], w.omega * half[0]]))


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 3), d=st.integers(2, 3), seed=st.integers(0, 10**6))
def test_true_ranks_below_the_bond_dimensions(n, d, seed):
    wfa = _redundant_wfa(seed, n, d)
    T = 4
    tt = to_tensor_train(wfa, T)
    assert tt.rank[1:-1] == (2 * n,) * (T - 1)  # the cap tensorly would report
    exact = tt_ranks(tt, exact=True).ranks
    assert exact == unfolding_ranks(tt_to_full(tt))
    assert max(exact) <= n
    num = tt_ranks(tt_cores(tt, exact=False), warn=False)
    assert num.ranks == exact and not num.exact


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 5), d=st.integers(1, 3), T=st.integers(2, 6), seed=st.integers(0, 10**6))
def test_float_ranks_equal_tt_svd_of_full_tensor(n, d, T, seed):
    if d**T > 800:
        T = 4
    wfa = random_wfa(n, d, seed=seed)
    tt = to_tensor_train(wfa, T)
    res = tt_ranks(tt, rtol=1e-9, warn=False)
    assert res.ranks == tt_svd_ranks(tt_to_full(tt), rtol=1e-9)
    assert math.isclose(math.exp(res.log_norm), np.linalg.norm(tt_to_full(tt)), rel_tol=1e-9)
    # The singular values at bond t are those of the t-th unfolding (relative to ||F||).
    full = tt_to_full(tt)
    for t in range(1, T):
        s = np.linalg.svd(full.reshape(d**t, -1), compute_uv=False) / np.linalg.norm(full)
        k = min(len(s), len(res.singular_values[t - 1]))
        assert np.allclose(res.singular_values[t - 1][:k], s[:k], atol=1e-12)


def test_long_train_does_not_overflow_and_gives_generic_ranks():
    wfa = random_wfa(6, 2, seed=4)
    scaled = WFA(wfa.alpha, wfa.A * 30.0, wfa.omega)  # ||F|| ~ 30^300: far beyond float64
    res = tt_ranks(to_tensor_train(scaled, 300), warn=False)
    assert res.ranks == (1, 2, 4) + (6,) * 295 + (4, 2, 1)
    assert res.log_norm > 709


def test_zero_tensor_has_rank_zero():
    wfa = WFA([0, 0], np.zeros((2, 2, 2), dtype=int), [1, 1])
    tt = to_tensor_train(wfa, 3)
    assert tt_ranks(tt, exact=True).ranks == (1, 0, 0, 1)
    assert tt_ranks(tt_cores(tt, exact=False)).ranks == (1, 0, 0, 1)


def test_numerical_rank_warns_without_a_gap():
    # F = diag(1, 1e-11, 1e-13): rank 2 at rtol 1e-12, but with a gap of only 100.
    cores = [np.eye(3)[None], np.diag([1.0, 1e-11, 1e-13])[:, :, None]]
    with pytest.warns(NumericalRankWarning, match="gap"):
        res = tt_ranks(cores, rtol=1e-12)
    assert res.ranks == (1, 2, 1) and math.isclose(res.gaps[0], 100.0)
    assert tt_ranks(cores, rtol=1e-12, warn=False).to_dict()["ranks"] == [1, 2, 1]
    assert tt_ranks(cores, exact=True).ranks == (1, 3, 1)


# ---------------------------------------------------------------------------
# Rounding
# ---------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 3), T=st.integers(1, 6), seed=st.integers(0, 10**6),
       tol=st.floats(1e-6, 0.8), relative=st.booleans(), cap=st.one_of(st.none(), st.integers(1, 4)))
def test_rounding_error_never_exceeds_its_bound(n, d, T, seed, tol, relative, cap):
    if d**T > 800:
        T = 4
    tt = to_tensor_train(random_wfa(n, d, seed=seed), T)
    full = tt_to_full(tt)
    norm = np.linalg.norm(full)
    res = tt_round(tt, tol * (1 if relative else norm), relative=relative, max_rank=cap)
    err = np.linalg.norm(tt_to_full(res.tt) - full)
    slack = 1e-12 * max(norm, 1.0)
    assert err <= res.error_bound + slack
    assert math.isclose(res.relative_error_bound * norm, res.error_bound, rel_tol=1e-9, abs_tol=1e-300)
    if cap is None:
        assert res.relative_error_bound <= tol * (1 + 1e-9)
    else:
        assert max(res.ranks) <= cap
    assert res.ranks == tuple(res.tt.rank)
    rounded, bound = res
    assert bound == res.error_bound


def test_rounding_to_zero_tolerance_keeps_the_tensor_and_finds_minimal_ranks():
    wfa = _redundant_wfa(3, 3, 2, exact=True)
    tt = to_tensor_train(wfa, 4)
    res = tt_round(tt, 0)
    assert res.exact and res.error_bound == 0
    assert np.array_equal(tt_to_full(res.tt), tt_to_full(tt))
    assert res.ranks == tt_ranks(tt, exact=True).ranks
    fl = tt_round(tt_cores(tt, exact=False), 1e-10, relative=True)
    assert fl.ranks == res.ranks and not fl.exact


# ---------------------------------------------------------------------------
# Clear errors
# ---------------------------------------------------------------------------


def test_bad_input_is_refused_with_clear_errors():
    with pytest.raises(ShapeError, match="bond dimensions do not chain: core 0"):
        tt_ranks([np.ones((1, 2, 3)), np.ones((2, 2, 1))])
    with pytest.raises(ShapeError, match="boundary ranks"):
        tt_ranks([np.ones((2, 2, 1))])
    with pytest.raises(ShapeError, match="3-D core"):
        tt_cores([np.ones((2, 2))])
    with pytest.raises(ShapeError, match="non-empty sequence"):
        tt_cores([])
    wfa = random_wfa(2, 2, seed=0)
    with pytest.raises(InvalidArgumentError, match="length: expected an integer >= 1"):
        to_tensor_train(wfa, 0)
    with pytest.raises(TypeError, match="length"):
        to_tensor_train(wfa, 2.0)
    with pytest.raises(ValueError, match="feature_map"):
        to_tensor_train(wfa, 2, feature_map="fourier")
    with pytest.raises(ModelKindError, match="only 'one_hot'"):
        to_tensor_train(wfa, 2, feature_map="affine")
    deep = random_stack([2, 2], input_dim=2, seed=0)
    with pytest.raises(ModelKindError, match="depth 2"):
        to_tensor_train(deep, 2, feature_map="affine")
    with pytest.raises(ModelKindError, match="WFA or a Stack"):
        to_tensor_train("not a model", 2)
    with pytest.raises(ShapeError, match="output"):
        to_tensor_train(random_stack([2], input_dim=2, seed=0), 2, output=1)
    with pytest.raises(SizeLimitError, match=r"2\*\*40|1099511627776 entries"):
        tt_to_full(to_tensor_train(wfa, 40))
    with pytest.raises(SizeLimitError, match="max_features"):
        to_tensor_train(random_stack([1, 1], input_dim=3, seed=0), 6, feature_map="polynomial", max_features=50)
    stack = random_stack([2], input_dim=3, seed=0)
    tt = to_tensor_train(stack, 3, feature_map="affine")
    with pytest.raises(ShapeError, match="input of dimension 2 has dimension 3"):
        tt_evaluate(tt, np.zeros((3, 2)), feature_map="affine")
    with pytest.raises(ShapeError, match="3 time steps"):
        tt_evaluate(tt, np.zeros((2, 3)), feature_map="affine")
    with pytest.raises(ValueError, match="tol"):
        tt_round(tt, -1.0)
    with pytest.raises(ValueError, match="max_rank"):
        tt_round(tt, 0.1, max_rank=0)
