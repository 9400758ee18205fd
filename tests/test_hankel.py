"""Tests of Hankel blocks, rank profiles (vs brute force) and Hankel certificates."""

from __future__ import annotations

import json
import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr.errors import AlphabetError, ModelKindError, NumericalRankWarning, SizeLimitError
from rnnexpr.exact import exact_rank
from rnnexpr.hankel import (
    HankelCertificate,
    hankel_block,
    hankel_certificate,
    hankel_rank,
    rank_profile,
    words_of_length,
    words_up_to,
)
from rnnexpr.lifted import level_dimension
from rnnexpr.models import Linear2RNNLayer, Stack, random_stack, random_wfa
from tests.oracles import all_words, literal_hankel_block, literal_rank_profile, literal_word_value


def t5():
    return Stack([Linear2RNNLayer(A=[[[2]]], h0=[1]), Linear2RNNLayer(A=[[[1]]], h0=[1])], C=[[1]])


def test_word_helpers_and_guards():
    assert words_of_length(3, 2)[:4] == [(0, 0), (0, 1), (0, 2), (1, 0)]
    assert len(words_up_to(2, 3)) == 15 and words_up_to(2, 3)[0] == ()
    assert words_of_length(2, 0) == [()]
    with pytest.raises(SizeLimitError, match="2\\^30"):
        words_of_length(2, 30)
    with pytest.raises(SizeLimitError, match="words up to length"):
        words_up_to(3, 20, max_words=1000)
    with pytest.raises(ValueError, match="alphabet_size"):
        words_of_length(0, 2)


def test_hankel_block_matches_literal_oracle():
    s = random_stack([2, 2], 2, seed=1, exact=True)
    H = hankel_block(s, words_of_length(2, 2), words_of_length(2, 1), exact=True)
    lit = literal_hankel_block(lambda w: literal_word_value(s, w)[0], 2, 2, 3)
    assert H.tolist() == lit
    # A plain function works too, exactly.
    Hf = hankel_block(lambda w: 2 ** len(w), [(), (0,)], [(), (1,), (0, 1)], exact=True)
    assert Hf.tolist() == [[1, 2, 4], [2, 4, 8]]
    Hfl = hankel_block(s, [[0]], [[1]])
    assert Hfl.dtype == np.float64 and math.isclose(Hfl[0, 0], float(s([0, 1], exact=True)))


def test_hankel_block_guards():
    s = random_stack([2], 2, seed=0)
    with pytest.raises(SizeLimitError, match="100 x 100 block has 10000 entries"):
        hankel_block(s, [[0]] * 100, [[1]] * 100, max_entries=5000)
    with pytest.raises(AlphabetError):
        hankel_block(s, [[2]], [[]])
    with pytest.raises(ModelKindError):
        hankel_block(random_stack([2], 2, output_dim=2, seed=0), [[]], [[]])
    with pytest.raises(ModelKindError):
        hankel_block(3, [[]], [[]])


def test_t5_witness_blocks_have_full_rank():
    s = t5()
    for k in range(1, 9):
        words = [[0] * i for i in range(k)]
        H = hankel_block(s, words, words, exact=True)
        # Vandermonde in 2^i: f(a^{i+j}) = 2^{(i+j)(i+j+1)/2}.
        assert H[k - 1, k - 1] == 2 ** ((2 * k - 2) * (2 * k - 1) // 2)
        assert exact_rank(H).rank == k
    assert rank_profile(s, 6).ranks == list(range(1, 8))


PROFILE_CASES = [
    ([2], "2rnn", 4),
    ([2, 2], "pure", 4),
    ([2, 2], "2rnn", 4),
    ([1, 2], "2rnn", 4),
    ([2, 1], "linear", 4),
    ([1, 1, 1], "2rnn", 3),
    ([1, 2, 1], "pure", 3),
]


@pytest.mark.parametrize("widths,kind,K", PROFILE_CASES)
def test_rank_profile_equals_brute_force(widths, kind, K):
    s = random_stack(widths, 2, kind=kind, seed=11, exact=True, with_initial_state=True)
    prof = rank_profile(s, K)
    assert prof.exact and prof.method == "exact"
    assert prof.ranks == literal_rank_profile(s, K)
    mod = rank_profile(s, K, method="modular")
    assert not mod.exact and mod.method == "modular" and mod.prime and mod.to_dict()["prime"] == mod.prime
    assert mod.ranks == prof.ranks


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), d=st.integers(1, 3), kind=st.sampled_from(["2rnn", "pure", "linear"]))
def test_rank_profile_random_stacks(seed, d, kind):
    s = random_stack([2, 1], d, kind=kind, seed=seed, exact=True, with_initial_state=True)
    K = 3 if d < 3 else 2
    assert rank_profile(s, K).ranks == literal_rank_profile(s, K)


def test_rank_profile_of_wfa_and_depth1_saturates_at_hankel_rank():
    w = random_wfa(3, 2, seed=2, exact=True)
    prof = rank_profile(w, 4)
    assert prof.ranks[-1] == hankel_rank(w).rank == 3
    s = random_stack([2], 2, seed=4, exact=True)
    assert rank_profile(s, 4).ranks[-1] == hankel_rank(s).rank


def test_issue_numbers_for_a_pure_depth2_stack():
    """The issue's exact ranks 3, 7, 15, 25, 37, 51, 67 (k = 1..7), widths (2, 2).

    Floats used to lose them (an independent SVD per block); on nested, rescaled pivots the
    numerical profile keeps them, with clear gaps.
    """
    s = random_stack([2, 2], 2, kind="pure", seed=0, exact=True)
    assert rank_profile(s, 7).ranks == [1, 3, 7, 15, 25, 37, 51, 67]
    assert rank_profile(s, 4).ranks == literal_rank_profile(s, 4)
    num = rank_profile(s.to_float(), 7, method="numerical", rtol=1e-10)
    assert num.ranks == [1, 3, 7, 15, 25, 37, 51, 67] and min(num.gaps) > 1e3


def test_depth2_profile_grows_like_the_issue_reports():
    """Widths (2, 2): exact ranks grow past any WFA size and stay below the lifted bound."""
    s = random_stack([2, 2], 2, kind="2rnn", seed=0, exact=True)
    ranks = rank_profile(s, 5).ranks
    assert ranks[:4] == [1, 3, 7, 15]  # as in the issue: 3, 7, 15 for k = 1, 2, 3
    assert all(b > a for a, b in zip(ranks, ranks[1:]))
    for k, r in enumerate(ranks):
        bound = sum(level_dimension(s, j) for j in range(k + 1))
        assert r <= min(bound, 2 ** (k + 1) - 1)


def test_rank_profile_numerical_matches_exact_on_small_cases():
    s = random_stack([2, 2], 2, kind="2rnn", seed=5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        num = rank_profile(s, 3, method="numerical")
    assert not num.exact and num.tolerances is not None and len(num.gaps) == 4
    # Honest numerics: a warning for exactly the lengths whose gap is unclear (here k = 3, gap about 3).
    warned = {int(re.search(r"at k=(\d+)", str(w.message)).group(1)) for w in caught
              if issubclass(w.category, NumericalRankWarning)}
    assert warned == {k for k, g in enumerate(num.gaps) if g < 1e3} != set()
    assert num.ranks == rank_profile(s, 3, method="exact").ranks
    assert json.dumps(num.to_dict())


def test_rank_profile_size_guard():
    s = random_stack([3, 3, 3], 2, seed=0, exact=True)
    with pytest.raises(SizeLimitError, match="max_entries"):
        rank_profile(s, 8, max_entries=10_000)
    with pytest.raises(ValueError, match="max_length"):
        rank_profile(s, -1)
    with pytest.raises(ValueError, match="method"):
        rank_profile(s, 1, method="magic")


# --- rank profiles of deep stacks by evaluation (issue 10) ------------------------------------

DEEP_CASES = [
    # (widths, kind, alphabet, K): depth 1 to 4, widths 1 to 3, pure and with U, V, b, 2 and 3 letters
    ([3], "pure", 2, 4),
    ([2], "2rnn", 3, 3),
    ([2, 2], "pure", 2, 4),
    ([3, 1], "2rnn", 2, 4),
    ([1, 3], "pure", 3, 2),
    ([2, 2, 2], "pure", 2, 4),
    ([1, 1, 1], "2rnn", 2, 4),
    ([2, 1, 2], "2rnn", 3, 2),
    ([2, 1, 1, 1], "pure", 2, 4),
    ([1, 1, 1, 1], "2rnn", 2, 4),
    ([1, 2, 1, 2], "pure", 3, 2),
]


@pytest.mark.parametrize("widths,kind,d,K", DEEP_CASES)
@pytest.mark.parametrize("bound", [1, 3, 50])
def test_deep_rank_profile_equals_literal_brute_force(widths, kind, d, K, bound):
    """Modular and exact profiles agree with the literal block's exact rank (bound 1: +-1 entries, degenerate)."""
    from rnnexpr.growth import generic_stack

    s = generic_stack(widths, d, kind=kind, seed=len(widths) + bound, bound=bound)
    brute = literal_rank_profile(s, K)
    mod = rank_profile(s, K, method="modular")
    assert mod.ranks == brute
    # Labels: proven ranks reach the upper bound; every rank is at most its bound and at most the exact one.
    for k in range(K + 1):
        assert mod.ranks[k] <= mod.upper_bounds[k] <= len(all_words(d, k))
        assert mod.proven[k] == (mod.ranks[k] == mod.upper_bounds[k])
    assert 0.0 <= mod.error_probability <= 1.0 and (mod.error_probability == 0.0) == all(mod.proven)
    ex = rank_profile(s, K)
    assert ex.method == "exact" and ex.exact and all(ex.proven) and ex.ranks == brute


def test_deep_rank_profile_of_the_small_random_draws_too():
    """random_stack's small rationals (with zeros: degenerate states) against the oracle."""
    for widths, kind in (([2, 2, 2], "pure"), ([2, 1, 1, 1], "pure"), ([1, 1, 1], "2rnn")):
        for seed in (0, 3):
            s = random_stack(widths, 2, kind=kind, seed=seed, exact=True, with_initial_state=seed == 0)
            assert rank_profile(s, 3, method="modular").ranks == literal_rank_profile(s, 3)


@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_deep_rank_profile_hypothesis(data):
    """Small shrinking stacks: integer parameters drawn entry by entry (zeros allowed), depth 1 to 3."""
    depth = data.draw(st.integers(1, 3))
    widths = data.draw(st.lists(st.integers(1, 2), min_size=depth, max_size=depth))
    d = data.draw(st.integers(1, 2))
    ent = st.integers(-2, 2)
    layers, m = [], d
    for n in widths:
        A = data.draw(st.lists(st.lists(st.lists(ent, min_size=n, max_size=n), min_size=m, max_size=m),
                               min_size=n, max_size=n))
        h0 = data.draw(st.lists(ent, min_size=n, max_size=n))
        extra = {}
        if data.draw(st.booleans()):
            extra = {"b": data.draw(st.lists(ent, min_size=n, max_size=n)),
                     "V": data.draw(st.lists(st.lists(ent, min_size=n, max_size=n), min_size=n, max_size=n))}
        layers.append(Linear2RNNLayer(A=A, h0=h0, **extra))
        m = n
    s = Stack(layers, C=[data.draw(st.lists(ent, min_size=widths[-1], max_size=widths[-1]))])
    K = 3 if d == 2 else 4
    brute = literal_rank_profile(s, K)
    assert rank_profile(s, K, method="modular").ranks == brute
    assert rank_profile(s, K).ranks == brute


def test_rank_profile_full_blocks_are_proven_at_depth_3():
    """Generic (2, 2, 2) stacks: every block full (rank = number of words), hence proven over Q."""
    from rnnexpr.growth import generic_stack

    s = generic_stack([2, 2, 2], 2, seed=1)
    p = rank_profile(s, 7, method="modular")
    assert p.ranks == [2 ** (k + 1) - 1 for k in range(8)] and all(p.proven) and p.error_probability == 0.0
    assert p.prime is not None and p.to_dict()["proven"] == [True] * 8
    assert rank_profile(s, 7).ranks == p.ranks  # exact: the proven modular ranks


def test_rank_profile_lower_bounds_are_labelled():
    """(2, 1, 1, 1) pure: the issue's 1, 3, 7, 15, 31, 63, 120, ... ; ranks below the bound are lower bounds."""
    from rnnexpr.growth import generic_stack

    s = generic_stack([2, 1, 1, 1], 2, seed=0)
    p = rank_profile(s, 7, method="modular", rounds=2)
    assert p.ranks == [1, 3, 7, 15, 31, 63, 120, 205]
    assert p.proven == [True] * 6 + [False] * 2 and 0 < p.error_probability < 1e-3
    assert literal_rank_profile(s, 5) == p.ranks[:6]
    assert rank_profile(s, 5).ranks == p.ranks[:6]  # exact: the proven modular ranks
    with pytest.raises(SizeLimitError, match="exact rank at k=6"):
        rank_profile(s, 6)  # not proven mod p, block above 64 x 64, monomial features above the budget


def test_rank_profile_refuses_only_when_the_rank_is_large():
    from rnnexpr.growth import generic_stack

    s = generic_stack([2, 2, 2], 2, seed=0)
    assert rank_profile(s, 5, method="modular", max_entries=63 * 63).ranks[-1] == 63
    with pytest.raises(SizeLimitError, match="entries"):
        rank_profile(s, 6, method="modular", max_entries=63 * 63)


def test_rank_profile_arguments():
    s = t5()
    with pytest.warns(DeprecationWarning, match="max_len"):
        assert rank_profile(s, max_len=2).ranks == [1, 2, 3]
    from rnnexpr.errors import ConflictingArgumentsError, InvalidTypeError

    with pytest.raises(ConflictingArgumentsError):
        rank_profile(s, 2, method="numerical", exact=True)
    with pytest.raises(InvalidTypeError, match="max_length"):
        rank_profile(s, 2.0)
    assert rank_profile(s.to_float(), 2).method == "numerical"  # float input: numerical by default
    assert rank_profile(s, 2, exact=False).method == "numerical"
    with pytest.raises(ModelKindError):
        rank_profile("model", 2)
    p = rank_profile(s, 3, method="modular", prime=1_000_003)
    assert p.prime == 1_000_003 and p.ranks == [1, 2, 3, 4]


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), widths=st.sampled_from([[2, 2], [1, 1, 1], [2, 1], [3]]),
       scale=st.sampled_from([1e-150, 1.0, 1e150]))
def test_numerical_rank_profile_is_monotone_and_warns_below_exact(seed, widths, scale):
    """Nested pivots: the numerical profile never decreases; where it is below the exact one, it warned."""
    import warnings

    s = random_stack(widths, 2, kind="2rnn", seed=seed, with_initial_state=True)
    C = np.asarray(s.C, dtype=float) * scale
    s = Stack(s.layers, C=C, c=None if s.c is None else np.asarray(s.c, dtype=float) * scale)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        num = rank_profile(s, 4, method="numerical")
    assert all(b >= a for a, b in zip(num.ranks, num.ranks[1:]))
    assert len(num.tolerances) == len(num.gaps) == 5
    exact = rank_profile(s.to_exact(), 4, method="modular").ranks
    if num.ranks != exact:
        assert any(issubclass(w.category, NumericalRankWarning) for w in caught)


def test_certificate_t5_proves_no_small_wfa():
    s = t5()
    words = [[0] * i for i in range(6)]
    cert = hankel_certificate(s, words, words, max_units=4)
    assert cert.rank == 6 and cert.exact and cert.max_units == 4 and cert.max_units_pure == 5
    assert "no depth-1 linear 2RNN with <= 4 units" in cert.statement
    assert cert.check(s) and cert.verify()
    back = HankelCertificate.from_json(cert.to_json())
    assert back.rank == 6 and back.prefixes == cert.prefixes and back.check(s)
    # A different function does not pass the check.
    other = Stack([Linear2RNNLayer(A=[[[3]]], h0=[1]), Linear2RNNLayer(A=[[[1]]], h0=[1])], C=[[1]])
    assert not back.check(other)
    # A tampered rank does not verify.
    d = json.loads(cert.to_json())
    d["rank"] = 7
    res = HankelCertificate.from_json(d).check()
    assert not HankelCertificate.from_json(d).verify() and not res and res.field == "rank"
    # Every derived field is re-derived: an edited statement or unit count fails, naming it.
    for key, value in (("statement", "no WFA at all computes f"), ("max_units", 5), ("exact", False)):
        res = HankelCertificate.from_json({**json.loads(cert.to_json()), key: value}).check(s)
        assert not res and res.field == key, (key, res)
    assert type(res).__name__ == "CheckResult" and isinstance(cert.to_json(), str)
    with pytest.raises(ValueError, match="needs rank >= 8"):
        hankel_certificate(s, words, words, max_units=6)
    assert hankel_certificate(s, words, words, max_units=5, pure=True).rank == 6


def test_certificate_defaults_and_modular():
    w = random_wfa(4, 2, seed=3, exact=True)
    cert = hankel_certificate(w)
    assert cert.rank == hankel_rank(w).rank and cert.block.shape == (cert.rank, cert.rank)
    assert cert.check(w)
    deep = random_stack([2, 2], 2, seed=1, exact=True)
    c2 = hankel_certificate(deep, max_length=2)
    assert c2.rank == rank_profile(deep, 2).ranks[2] and c2.check(deep)
    cm = hankel_certificate(deep, words_up_to(2, 2), words_up_to(2, 2), method="modular")
    assert not cm.exact and cm.prime is not None and "modular" in cm.statement and cm.verify()
    with pytest.raises(ValueError, match="format"):
        HankelCertificate.from_json({"kind": "other"})
    with pytest.raises(ValueError, match="version: expected 1"):
        HankelCertificate.from_json({**cm.to_dict(), "version": 2})
