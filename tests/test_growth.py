"""Tests of rank growth with depth (issue 10): descriptions checked against independent computations."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr.cli import main
from rnnexpr.errors import InvalidArgumentError, InvalidTypeError, ModelKindError
from rnnexpr.growth import RankGrowth, finite_differences, fit_polynomial, generic_stack, rank_growth
from rnnexpr.hankel import hankel_rank
from rnnexpr.models import DepthwiseStack, Linear2RNNLayer, LinearRNNLayer, Stack, random_wfa
from tests.oracles import literal_rank_profile


@settings(max_examples=30, deadline=None)
@given(coeffs=st.lists(st.integers(-20, 20), min_size=1, max_size=4), denom=st.integers(1, 6),
       start=st.integers(0, 5))
def test_fit_polynomial_and_differences_recover_a_polynomial(coeffs, denom, start):
    """The q-th differences of a degree-q polynomial are constant = q! c_q; the fit recovers its coefficients."""
    def P(k):
        return sum(Fraction(c, denom) * k**i for i, c in enumerate(coeffs))

    xs = list(range(start, start + len(coeffs)))
    fit = fit_polynomial([(x, P(x)) for x in xs])
    assert all(a == Fraction(c, denom) for a, c in zip(fit, coeffs, strict=True))
    q = len(coeffs) - 1
    vals = [int(P(k) * denom) for k in range(10)]  # integers
    dq = finite_differences(vals, q)
    assert dq == [math.factorial(q) * coeffs[q]] * (10 - q)


def test_finite_differences_by_hand():
    assert finite_differences([1, 3, 7, 15, 25, 37], 1) == [2, 4, 8, 10, 12]
    assert finite_differences([1, 3, 7, 15, 25, 37], 2) == [2, 4, 2, 2]
    assert finite_differences([5], 3) == []
    with pytest.raises(InvalidArgumentError):
        finite_differences([1, 2], -1)


def test_growth_of_the_t5_witness_is_linear():
    t5 = Stack([Linear2RNNLayer(A=[[[2]]], h0=[1]), Linear2RNNLayer(A=[[[1]]], h0=[1])], C=[[1]])
    g = rank_growth(t5, 6)
    assert isinstance(g, RankGrowth)
    assert g.ranks == list(range(1, 8)) == literal_rank_profile(t5, 6)
    assert g.order == 1 and g.k0 == 0 and g.polynomial == [1, 1] and g.polynomial_string == "k + 1"
    assert g.full_until == 6 and g.word_counts == list(range(1, 8))  # one letter: k + 1 words
    assert "not a theorem" in g.statement and "proven over Q" in g.statement


def test_depth_one_is_bounded_at_the_hankel_rank():
    w = random_wfa(3, 2, seed=4, exact=True)
    g = rank_growth(w, 6)
    assert g.order == 0 and g.ranks[-1] == hankel_rank(w).rank == 3
    assert g.polynomial == [3] and "bounded" in g.statement and g.depth == 1


def test_depth_two_pure_grows_quadratically_like_the_brute_force():
    """(2, 2) pure: r_k = 1, 3, 7, 15, 25, 37, 51, 67, ...: second differences 2 from k = 4, r_k = k^2 + 3k - 3."""
    s = generic_stack([2, 2], 2, seed=0)
    g = rank_growth(s, 9)
    assert g.ranks[:6] == literal_rank_profile(s, 5)
    assert rank_growth(s, 5, method="exact").ranks == g.ranks[:6]
    d2 = finite_differences(g.ranks, 2)
    assert g.order == 2 and all(v == d2[-1] for v in d2[g.k0:])
    poly = g.polynomial
    assert all(sum(c * k**i for i, c in enumerate(poly)) == g.ranks[k] for k in range(g.k0, 10))
    assert g.full_until == 3  # 15 = all words of length <= 3, then 25 < 31


def test_growth_json_and_table():
    s = generic_stack([1, 1], 2, seed=2)
    g = rank_growth(s, 6)
    data = json.loads(g.to_json())
    assert data["ranks"] == g.ranks and data["order"] == g.order and data["proven"] == g.profile.proven
    assert data["polynomial"] == [str(c) for c in g.polynomial]
    lines = g.table().splitlines()
    assert lines[0].split() == ["k", "words", "rank", "d1", "d2", "d3"] and len(lines) == 7 + 1 + 1
    assert lines[-1] == g.statement


def test_unproven_ranks_are_marked_in_the_table():
    s = generic_stack([2, 1, 1, 1], 2, seed=0)
    g = rank_growth(s, 7)
    assert g.profile.proven[-1] is False and g.table().splitlines()[8].split()[2].endswith("*")
    assert "lower bounds mod p" in g.statement


def test_growth_bad_input():
    s = generic_stack([1, 1], 2, seed=0)
    with pytest.raises(InvalidArgumentError, match="max_length"):
        rank_growth(s, -1)
    with pytest.raises(InvalidTypeError, match="max_length"):
        rank_growth(s, 2.5)
    with pytest.raises(ModelKindError, match="DepthwiseStack"):
        rank_growth(DepthwiseStack([LinearRNNLayer(V=[[1]], U=[[1, 0]]), LinearRNNLayer(V=[[1]], U=[[1]])],
                                   C=[[1]], activation="relu"), 2)
    with pytest.raises(ModelKindError):
        rank_growth([[1]], 2)
    with pytest.raises(InvalidArgumentError, match="min_run"):
        rank_growth(s, 3, min_run=1)
    with pytest.raises(InvalidArgumentError, match="widths"):
        generic_stack([], 2)
    with pytest.raises(InvalidArgumentError, match="alphabet_size"):
        generic_stack([2], 0)


def test_cli_growth(capsys):
    assert main(["growth", "--widths", "2,2", "--max-length", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ranks"] == rank_growth(generic_stack([2, 2], 2, seed=0), 5).ranks
    assert main(["growth", "--widths", "1,1,1", "--max-length", "4", "--kind", "2rnn", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["k", "words", "rank"] and "Observation" in out
    assert main(["growth", "examples/models/2rnn-depth2.json", "--max-length", "3"]) == 0
    capsys.readouterr()
    for bad in (["--widths", "2,2", "--max-length", "-1"], ["--widths", "", "--max-length", "2"],
                ["--widths", "2", "--max-length", "2", "--alphabet-size", "0"], ["--max-length", "2"],
                ["--widths", "2,x", "--max-length", "2"], ["--widths", "2", "--max-length", "two"]):
        assert main(["growth", *bad]) == 2
        err = capsys.readouterr().err
        assert err.startswith("rnnexpr growth: error:") and len(err.strip().splitlines()) == 1
