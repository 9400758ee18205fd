"""The numerical rank profile (float models): evaluation-based sets, SVD ranks, honest gaps.

The oracle is the exact profile of the same model (its float parameters taken at
their binary value), from the literal blocks ranked by an independent exact rank
(:func:`tests.oracles.literal_rank_profile`) or from the modular method where its
ranks are proven.  A numerical rank may differ from the exact one only at a length
for which it warned: that is what is asserted, everywhere.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr.errors import NumericalRankWarning, SizeLimitError
from rnnexpr.growth import generic_stack
from rnnexpr.hankel import rank_profile
from rnnexpr.models import Linear2RNNLayer, Stack, random_stack
from tests.oracles import literal_rank_profile


def numerical(model, K, **kw):
    """The numerical profile and the set of lengths k it warned for."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prof = rank_profile(model, K, method="numerical", **kw)
    warned = {int(re.search(r"at k=(\d+)", str(w.message)).group(1)) for w in caught
              if issubclass(w.category, NumericalRankWarning)}
    return prof, warned


def check_honest(prof, warned, exact_ranks):
    """Labels and warnings: numerical everywhere, a warning exactly where the margin is unclear, and the exact rank
    wherever there is no warning."""
    K = len(exact_ranks) - 1
    assert prof.method == "numerical" and not prof.exact and prof.proven == [False] * (K + 1)
    assert prof.error_probability is None and len(prof.tolerances) == len(prof.gaps) == K + 1
    assert warned == {k for k, g in enumerate(prof.gaps) if g < 1e3}
    assert all(b >= a for a, b in zip(prof.ranks, prof.ranks[1:]))
    for k in range(K + 1):
        assert 0 < prof.tolerances[k] <= 1.0
        if k not in warned:
            assert prof.ranks[k] == exact_ranks[k], (k, prof.ranks, exact_ranks, prof.gaps)


def stack_sum(s1: Stack, s2: Stack, weight: float) -> Stack:
    """A pure stack computing f1 + weight * f2: the layers of two pure stacks side by side (block diagonal)."""
    layers, prev = [], None
    for a, b in zip(s1.layers, s2.layers, strict=True):
        n1, n2 = a.width, b.width
        m1, m2 = (a.input_dim, 0) if prev is None else prev
        m = m1 if prev is None else m1 + m2
        A = np.zeros((n1 + n2, m, n1 + n2))
        A[:n1, :m1, :n1] = np.asarray(a.A, dtype=float)
        A[n1:, (0 if prev is None else m1):, n1:] = np.asarray(b.A, dtype=float)
        layers.append(Linear2RNNLayer(A=A, h0=np.concatenate([np.asarray(a.initial_state, dtype=float),
                                                              np.asarray(b.initial_state, dtype=float)])))
        prev = (n1, n2)
    C = np.concatenate([np.asarray(s1.C, dtype=float)[0], weight * np.asarray(s2.C, dtype=float)[0]])
    return Stack(layers, C=[C])


@st.composite
def small_float_stacks(draw):
    """Depth 1-3, widths 1-3, alphabet 2-3; small integer entries (zeros included: degenerate profiles) times a
    layer scale, optionally with U, V, b.  Shrinks towards one-unit, all-zero, pure stacks."""
    depth = draw(st.integers(1, 3))
    widths = draw(st.lists(st.integers(1, 3), min_size=depth, max_size=depth))
    d = draw(st.integers(2, 3))
    ent = st.integers(-2, 2)
    layers, m = [], d
    for n in widths:
        scale = draw(st.sampled_from([1.0, 0.5, 0.3, 1.7]))
        A = np.array(draw(st.lists(ent, min_size=n * m * n, max_size=n * m * n)), dtype=float).reshape(n, m, n)
        h0 = np.array(draw(st.lists(ent, min_size=n, max_size=n)), dtype=float)
        extra = {}
        if draw(st.booleans()):
            extra = {"b": scale * np.array(draw(st.lists(ent, min_size=n, max_size=n)), dtype=float),
                     "V": scale * np.array(draw(st.lists(ent, min_size=n * n, max_size=n * n)),
                                           dtype=float).reshape(n, n)}
        layers.append(Linear2RNNLayer(A=scale * A, h0=h0, **extra))
        m = n
    C = np.array(draw(st.lists(ent, min_size=widths[-1], max_size=widths[-1])), dtype=float)
    return Stack(layers, C=[C])


@settings(max_examples=30, deadline=None)
@given(model=small_float_stacks())
def test_numerical_profile_is_the_exact_one_wherever_it_does_not_warn(model):
    # One length less at depth 3: there the values' exponents grow like k^3, and from k = 4 on a draw can have a
    # direction about 1e-19 of the block's, below float64's rounding, which no float evaluation sees (the docs'
    # stated limit; about one draw in a hundred of these at k = 4, none at k = 3).
    K = (3 if model.input_dim == 3 else 4) - (model.depth == 3)
    prof, warned = numerical(model, K)
    check_honest(prof, warned, literal_rank_profile(model.to_exact(), K))


def test_random_float_stacks_too():
    """random_stack's float draws (dense, contracting: their singular values decay smoothly, so they warn often).

    The oracle is the exact method (proven over Q; the literal blocks of these 52-bit rationals are slow).
    """
    for widths, kind, d in (([2, 2], "2rnn", 2), ([3, 1], "pure", 3), ([1, 2, 2], "2rnn", 2), ([3], "2rnn", 3)):
        for seed in (0, 5):
            s = random_stack(widths, d, kind=kind, seed=seed, with_initial_state=seed == 5)
            K = 3 if d == 3 else 4
            prof, warned = numerical(s, K)
            exact = rank_profile(s.to_exact(), K, method="exact")
            assert exact.exact and all(exact.proven)
            check_honest(prof, warned, exact.ranks)


def test_a_clear_case_and_an_unclear_one():
    """Widths (2, 2): k <= 3 are exact with clear gaps; k = 4, 5 are not (the random float values' singular values
    decay smoothly) and warn, with ranks below the exact ones."""
    s = random_stack([2, 2], 2, kind="2rnn", seed=5)
    prof, warned = numerical(s, 5)
    exact = rank_profile(s.to_exact(), 5, method="modular")
    assert exact.proven[:4] == [True] * 4
    check_honest(prof, warned, exact.ranks)
    assert prof.ranks[:4] == [1, 3, 7, 15] and min(prof.gaps[:4]) > 1e3
    assert warned == {4, 5} and prof.ranks[5] < exact.ranks[5]


def test_random_float_depth3_stacks_reach_k8_within_the_default_budgets():
    """Widths (2, 2, 2): the exact ranks are 2^(k+1) - 1 (proven mod p); in floats the blocks are numerically of
    rank about 30, and the sets follow that rank, not the 511 words of length <= 8."""
    for seed in (0, 1):
        s = random_stack([2, 2, 2], 2, kind="2rnn", seed=seed)
        prof, warned = numerical(s, 8)
        exact = rank_profile(s.to_exact(), 8, method="modular")
        assert all(exact.proven)
        check_honest(prof, warned, exact.ranks)
        assert prof.ranks[:3] == [1, 3, 7] and prof.ranks[-1] < 100 and warned
        assert max(prof.prefix_counts[-1], prof.suffix_counts[-1]) < 400
        assert all(r <= b for r, b in zip(prof.ranks, prof.upper_bounds))


@pytest.mark.parametrize("weight", [1.0, 1e-2, 1e-4, 1e-6, 1e-9, 1e-11, 1e-13])
def test_a_tiny_component_warns_instead_of_being_lost(weight):
    """f1 + weight * f2 (two small pure stacks side by side, exact ranks 1, 3, 7, 12, 18 against f1's 1, 3, 6, 10, 15):
    f2's singular values come at about ``weight`` of f1's.  At 1 and 1e-2, the exact ranks.  Below (the smallest of
    f2's directions is then near or below the tolerance, or below it but above the rounding level at 1e-11 and
    1e-13), some of f2's directions are not counted, and the lengths where that happens warn.  (At 1e-15 and below, f2 is within the rounding of f1's values: no float
    evaluation sees it, see the docs.)"""
    s1 = random_stack([2, 1], 2, kind="pure", seed=1, with_initial_state=True)
    s2 = random_stack([1, 2], 2, kind="pure", seed=2, with_initial_state=True)
    f = stack_sum(s1, s2, weight)
    K = 4
    exact = rank_profile(f.to_exact(), K, method="exact").ranks  # proven over Q
    assert exact == [1, 3, 7, 12, 18] and rank_profile(s1.to_exact(), K, method="exact").ranks == [1, 3, 6, 10, 15]
    prof, warned = numerical(f, K)
    check_honest(prof, warned, exact)
    if weight >= 1e-2:
        assert prof.ranks == exact and not warned
    else:
        assert prof.ranks[-1] < exact[-1] and K in warned


def test_values_far_outside_the_float_range():
    """Integer weights in [-64, 64], depth 3: f(w) reaches 2^6500 at length 16.  The states are renormalized by
    powers of two at every step, so nothing overflows; the readout scaled by 2^900 or 2^-900 changes nothing."""
    s = generic_stack([2, 2, 2], 2, seed=0).to_float()
    prof, warned = numerical(s, 4)
    assert prof.ranks == [1, 3, 7, 15, 31] and not warned
    for e in (900, -900):
        t = Stack(s.layers, C=np.ldexp(np.asarray(s.C, dtype=float), e))
        other, w = numerical(t, 4)
        assert other.ranks == prof.ranks and not w
    deep, warned = numerical(s, 7)  # 2^3100 and beyond: warns (unclear), never overflows
    check_honest(deep, warned, rank_profile(s.to_exact(), 7, method="modular").ranks)


def test_deterministic():
    s = random_stack([2, 2, 2], 2, kind="2rnn", seed=3, with_initial_state=True)
    a, wa = numerical(s, 6)
    b, wb = numerical(s, 6)
    assert a.ranks == b.ranks and a.gaps == b.gaps and a.tolerances == b.tolerances and wa == wb


def test_budgets():
    s = random_stack([2, 2, 2], 2, kind="2rnn", seed=0)
    with pytest.raises(SizeLimitError, match="max_entries"):
        rank_profile(s, 6, max_entries=400)
    with pytest.raises(SizeLimitError, match="max_length"):  # refused before anything is evaluated
        rank_profile(s, 10**6)
    with pytest.raises(SizeLimitError, match="max_length"):
        rank_profile(Stack([Linear2RNNLayer(A=[[[0.5]]], h0=[1.0])], C=[[1.0]]), 10**4)
