"""Spectral learning from Hankel blocks: exact recovery of depth-1 targets, no recovery of depth-2 ones."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr import AlphabetError, ExactnessError, SizeLimitError, Stack, WFA, random_stack, random_wfa
from rnnexpr.exact import exact_rank
from rnnexpr.models import Linear2RNNLayer
from rnnexpr.spectral import (
    depth1_error_profile,
    empirical_frequencies,
    hankel_blocks,
    held_out_error,
    spectral_learn,
)
from rnnexpr.conversions import from_wfa

from .oracles import all_words, literal_wfa_value, literal_word_value

T5 = Stack([Linear2RNNLayer(A=[[[2]]], h0=[1]), Linear2RNNLayer(A=[[[1]]], h0=[1])], C=[[1]])


def _random_words(rng, d, count, max_len):
    return [list(rng.integers(0, d, size=int(rng.integers(0, max_len + 1)))) for _ in range(count)]


def test_hankel_blocks_are_the_definitions():
    wfa = random_wfa(3, 2, seed=1, exact=True)
    P, S = [(), (1,), (0, 1)], [(), (0,), (1, 1)]
    b = hankel_blocks(wfa, P, S, exact=True)
    f = lambda w: literal_wfa_value(wfa, list(w))  # noqa: E731
    assert b.H.tolist() == [[f(u + v) for v in S] for u in P]
    assert b.H_sigma.tolist() == [[[f(u + (s,) + v) for v in S] for u in P] for s in range(2)]
    assert b.h_P.tolist() == [f(u) for u in P] and b.h_S.tolist() == [f(v) for v in S]


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 3), d=st.integers(1, 3), seed=st.integers(0, 10**6))
def test_factorized_blocks_equal_word_by_word_evaluation(n, d, seed):
    # WFA and depth-1 stack targets use H = F B^T; a callable target is evaluated word by word.
    stack = random_stack([n], input_dim=d, seed=seed, exact=True, with_initial_state=True)
    words = all_words(d, 2)
    fast = hankel_blocks(stack, words, words, exact=True)
    slow = hankel_blocks(lambda w: literal_word_value(stack, w)[0], words, words, alphabet_size=d, exact=True)
    for name in ("H", "H_sigma", "h_P", "h_S"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name))


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 5), d=st.integers(1, 3), seed=st.integers(0, 10**6))
def test_float_spectral_recovers_a_wfa_at_its_hankel_rank(n, d, seed):
    target = random_wfa(n, d, seed=seed)
    # Generic: words up to one more than the shortest length with |Sigma^{<=l}| >= n + 1 reach the Hankel rank.
    length = next(k for k in range(n + 1) if sum(d**j for j in range(k + 1)) >= n + 1) + 1
    words = all_words(d, length)
    H = hankel_blocks(target, words, words).H
    rank = int(np.sum(np.linalg.svd(H, compute_uv=False) > 1e-9 * np.linalg.norm(H)))
    learned = spectral_learn(target, rank, prefixes=words, suffixes=words)
    assert learned.num_states == rank
    rng = np.random.default_rng(seed)
    tests = _random_words(rng, d, 30, 12)
    assert held_out_error(learned, target, tests) <= 1e-8


@settings(max_examples=12, deadline=None)
@given(n=st.integers(1, 4), d=st.integers(1, 3), kind=st.sampled_from(["2rnn", "pure", "linear"]),
       seed=st.integers(0, 10**6))
def test_exact_spectral_recovers_depth1_stacks_exactly(n, d, kind, seed):
    stack = random_stack([n], input_dim=d, kind=kind, seed=seed, exact=True, with_initial_state=True)
    # Words up to one more than the shortest length with |Sigma^{<=l}| >= n + 2 words.
    length = next(k for k in range(n + 2) if sum(d**j for j in range(k + 1)) >= n + 2) + 1
    words = all_words(d, length)
    learned = spectral_learn(stack, prefixes=words, suffixes=words, exact=True)
    assert learned.is_exact
    # Its size is the Hankel rank (a minimal WFA), at most n + 1 (T3).
    assert learned.num_states == max(exact_rank(hankel_blocks(stack, words, words, exact=True).H).rank, 1)
    assert learned.num_states <= n + 1
    rng = np.random.default_rng(seed)
    for w in _random_words(rng, d, 15, 7):
        assert learned(w, exact=True) == literal_word_value(stack, w)[0]


def test_default_words_recover_a_generic_wfa():
    target = random_wfa(8, 2, seed=11)
    learned = spectral_learn(target, 8)
    tests = _random_words(np.random.default_rng(0), 2, 50, 15)
    assert held_out_error(learned, target, tests) <= 1e-8
    exact_target = random_wfa(6, 3, seed=2, exact=True)
    learned = spectral_learn(exact_target, exact=True)  # default words sized from the target's 6 states
    assert all(learned(w, exact=True) == exact_target(w, exact=True) for w in tests if max(w, default=0) < 3)


def test_learns_from_a_callable_and_from_noisy_estimates():
    target = random_wfa(3, 2, seed=5)
    words = all_words(2, 3)
    f = lambda w: float(target(w))  # noqa: E731
    learned = spectral_learn(f, 3, prefixes=words, suffixes=words, alphabet_size=2)
    tests = _random_words(np.random.default_rng(1), 2, 40, 10)
    assert held_out_error(learned, target, tests) <= 1e-8
    # Empirical estimates: exact values plus noise of size 1e-6 give a model within ~1e-4.
    rng = np.random.default_rng(2)
    needed = {tuple(u) + tuple(v) for u in words for v in words} | {
        tuple(u) + (s,) + tuple(v) for u in words for v in words for s in (0, 1)
    }
    estimates = {w: f(list(w)) + 1e-6 * rng.normal() for w in needed}
    noisy = spectral_learn(estimates, 3, prefixes=words, suffixes=words, alphabet_size=2)
    err = held_out_error(noisy, target, [w for w in tests if len(w) <= 6])
    assert 0 < err <= 1e-3


def _sample_pfa(rng, alpha, A, stop, count):
    """Words from a probabilistic automaton: from state i, stop w.p. stop[i], else emit s and go to j w.p. A[i,s,j]."""
    n, d, _ = A.shape
    moves = [np.concatenate([[stop[i]], A[i].ravel()]) for i in range(n)]
    words = []
    for _ in range(count):
        state, word = rng.choice(n, p=alpha), []
        while True:
            k = rng.choice(1 + d * n, p=moves[state])
            if k == 0:
                break
            word.append((k - 1) // n)
            state = (k - 1) % n
        words.append(word)
    return words


def test_learns_a_distribution_from_samples():
    # A 2-state probabilistic automaton: f(w) = P(w) = alpha^T A_w stop is a WFA of rank <= 2.
    alpha = np.array([0.6, 0.4])
    stop = np.array([0.3, 0.2])
    A = np.array([[[0.2, 0.1], [0.3, 0.1]], [[0.1, 0.4], [0.1, 0.2]]])  # rows of [stop, A[i]] sum to 1
    pfa = WFA(alpha, A, stop)
    rng = np.random.default_rng(0)
    estimates = empirical_frequencies(_sample_pfa(rng, alpha, A, stop, 20000), 2)
    words = all_words(2, 2)
    learned = spectral_learn(estimates, 2, prefixes=words, suffixes=words, alphabet_size=2)
    short = all_words(2, 3)
    # Sampling error ~ sqrt(p / N) <= 0.005 per word: the learned model is close, the estimate is not exact.
    assert held_out_error(learned, pfa, short, metric="max") <= 0.02
    assert held_out_error(learned, pfa, short, metric="max") > 0


def test_truncated_model_is_worse_than_the_full_one():
    target = random_wfa(6, 2, seed=3)
    words = all_words(2, 4)
    tests = _random_words(np.random.default_rng(3), 2, 40, 8)
    errors = [held_out_error(spectral_learn(target, k, prefixes=words, suffixes=words), target, tests) for k in (2, 6)]
    assert errors[1] <= 1e-8 < errors[0]


def test_t5_witness_profile_never_reaches_zero():
    tests = [[0] * k for k in range(8, 11)]
    for max_length in (2, 3, 4):
        prof = depth1_error_profile(T5, range(1, max_length + 1), tests, max_length=max_length)
        # Unary alphabet: the block over lengths <= k is the Vandermonde-like matrix in 2^i, of full rank k + 1.
        assert prof.block_rank.exact and prof.block_rank.rank == max_length + 1
        assert all(lb > 0 for lb in prof.lower_bounds) and not prof.reaches_zero
        assert all(e > 1e-6 for e in prof.held_out_errors)
        assert prof.check()
        json.dumps(prof.to_dict())


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_random_depth2_stack_lower_bounds_stay_positive_where_depth1_reaches_zero(seed):
    deep = random_stack([2, 2], input_dim=2, kind="pure", seed=seed, exact=True)
    shallow = random_stack([3], input_dim=2, kind="pure", seed=seed, exact=True)
    tests = _random_words(np.random.default_rng(seed), 2, 20, 6)
    sizes = [1, 2, 3, 4]
    deep_prof = depth1_error_profile(deep, sizes, tests, max_length=3)
    shallow_prof = depth1_error_profile(shallow, sizes, tests, max_length=3)
    # A pure depth-1 stack with 3 units is a 3-state WFA: its blocks have rank <= 3, so size 3 reaches zero.
    assert shallow_prof.block_rank.rank <= 3 and shallow_prof.reaches_zero
    assert shallow_prof.lower_bounds[2] <= 1e-12
    if deep_prof.block_rank.rank > max(sizes):  # generic deep stacks: rank grows beyond any small size
        assert not deep_prof.reaches_zero and all(lb > 0 for lb in deep_prof.lower_bounds)


def test_lower_bound_is_a_real_bound_for_any_small_wfa():
    # No WFA of size n beats the Eckart-Young bound on the block: try random and learned ones.
    words = all_words(1, 3)
    prof = depth1_error_profile(T5, [1, 2], [[0] * 5], prefixes=words, suffixes=words)
    H = hankel_blocks(T5, words, words).H
    for n, lb in zip(prof.sizes, prof.lower_bounds, strict=True):
        for seed in range(5):
            w = random_wfa(n, 1, seed=seed)
            Hw = hankel_blocks(w, words, words).H
            scale = np.sum(H * Hw) / max(np.sum(Hw * Hw), 1e-300)  # best multiple of it
            assert np.linalg.norm(H - scale * Hw) / np.linalg.norm(H) >= lb * (1 - 1e-9)
        learned = spectral_learn(T5, n, prefixes=words, suffixes=words)
        Hl = hankel_blocks(learned, words, words).H
        assert np.linalg.norm(H - Hl) / np.linalg.norm(H) >= lb * (1 - 1e-9)


def test_learned_wfa_is_a_depth1_2rnn():
    target = random_wfa(3, 2, seed=8, exact=True)
    learned = spectral_learn(target, exact=True)
    rnn = from_wfa(learned)
    assert rnn.depth == 1 and rnn.widths == (learned.num_states,)
    assert rnn([1, 1, 0], exact=True) == target([1, 1, 0], exact=True)


def test_zero_target_learns_the_zero_wfa():
    zero = WFA([0, 0], np.zeros((2, 2, 2), dtype=int), [1, 1])
    learned = spectral_learn(zero, exact=True)
    assert learned.num_states == 1 and learned([0, 1], exact=True) == 0


def test_bad_input_is_refused_with_clear_errors():
    target = random_wfa(3, 2, seed=0)
    with pytest.raises(ValueError, match="num_states"):
        spectral_learn(target, 0)
    with pytest.raises(ValueError, match="at most min"):
        spectral_learn(target, 50, prefixes=[[], [0]], suffixes=[[], [1]])
    with pytest.raises(ExactnessError, match="exact rank of H"):
        spectral_learn(random_wfa(3, 2, seed=0, exact=True), 2, exact=True)
    with pytest.raises(AlphabetError):
        spectral_learn(target, 2, prefixes=[[0, 2]], suffixes=[[]])
    with pytest.raises(ValueError, match="alphabet_size"):
        spectral_learn(lambda w: 1.0, 1)
    with pytest.raises(SizeLimitError, match="max_entries"):
        spectral_learn(target, 2, max_length=12)
    with pytest.raises(ValueError, match="metric"):
        held_out_error(target, target, [[0]], metric="mae")
    with pytest.raises(ValueError, match="words"):
        held_out_error(target, target, [])
    with pytest.raises(ExactnessError, match="exact rational"):
        hankel_blocks(lambda w: 0.5, [[]], [[]], alphabet_size=1, exact=True)
    with pytest.raises(ValueError, match="sizes"):
        depth1_error_profile(T5, [0], [[0]])
    with pytest.raises(ValueError, match="samples"):
        empirical_frequencies([], 2)
    with pytest.raises(AlphabetError):
        empirical_frequencies([[3]], 2)


# ---------------------------------------------------------------------------
# Sample Hankel blocks (vectorized), variants, scoring
# ---------------------------------------------------------------------------

from rnnexpr.data import sample_words  # noqa: E402
from rnnexpr.spectral import (  # noqa: E402
    VARIANTS,
    convert_variant,
    learn_from_sample,
    ngram_wfa,
    perplexity,
    sample_hankel_blocks,
    smooth_values,
    word_error_rate,
)


def _variant_counts(words, variant):
    """The function each variant estimates, counted by brute force from its definition."""
    f: dict = {}
    for w in map(tuple, words):
        if variant == "classic":
            items = [w]
        elif variant == "prefix":
            items = [w[:k] for k in range(len(w) + 1)]
        elif variant == "suffix":
            items = [w[len(w) - k:] for k in range(len(w) + 1)]
        else:
            items = [w[i:j] for i in range(len(w) + 1) for j in range(i, len(w) + 1)]
        for it in items:
            f[it] = f.get(it, 0) + 1
    return {k: v / len(words) for k, v in f.items()}


samples_st = st.integers(1, 3).flatmap(lambda d: st.tuples(
    st.just(d), st.lists(st.lists(st.integers(0, d - 1), max_size=6), min_size=1, max_size=25), st.integers(0, 2)))


@settings(max_examples=60, deadline=None)
@given(data=samples_st, variant=st.sampled_from(VARIANTS), sparse=st.booleans())
def test_sample_hankel_blocks_against_brute_force(data, variant, sparse):
    d, words, l = data
    b = sample_hankel_blocks(words, d, variant=variant, max_length=l, sparse=sparse)
    f = _variant_counts(words, variant)
    dense = b.to_dense()
    P, S = b.prefixes, b.suffixes
    assert np.array_equal(dense.H, [[f.get(u + v, 0) for v in S] for u in P])
    assert np.array_equal(dense.H_sigma, [[[f.get(u + (s,) + v, 0) for v in S] for u in P] for s in range(d)])
    assert np.array_equal(b.h_P, [f.get(u, 0) for u in P]) and np.array_equal(b.h_S, [f.get(v, 0) for v in S])
    # default rows/columns: the observed words of length <= l, in splearn's order (length, word)
    row_kind = "prefix" if variant in ("classic", "prefix") else "factor"
    col_kind = "suffix" if variant in ("classic", "suffix") else "factor"
    assert list(P) == sorted((w for w in _variant_counts(words, row_kind) if len(w) <= l), key=lambda w: (len(w), w))
    assert list(S) == sorted((w for w in _variant_counts(words, col_kind) if len(w) <= l), key=lambda w: (len(w), w))


@settings(max_examples=40, deadline=None)
@given(data=samples_st)
def test_vectorized_mapping_path_equals_the_generic_one(data):
    d, words, l = data
    freq = empirical_frequencies(words, d)
    P = all_words(d, l)
    fast = hankel_blocks(freq, P, P, alphabet_size=d)
    slow = hankel_blocks(lambda w: freq.get(tuple(w), 0.0), P, P, alphabet_size=d)  # callables: per word
    assert np.array_equal(fast.H, slow.H) and np.array_equal(fast.H_sigma, slow.H_sigma)
    assert np.array_equal(fast.h_P, slow.h_P) and np.array_equal(fast.h_S, slow.h_S)


def test_sample_hankel_blocks_explicit_words_and_errors():
    b = sample_hankel_blocks([[0, 1], [1]], 2, prefixes=[(1,), ()], suffixes=[(), (1,)], sparse=False)
    assert b.H.tolist() == [[0.5, 0.0], [0.0, 0.5]]  # f(1), f(11); f(), f(1): in the caller's order
    with pytest.raises(ValueError, match="distinct"):
        sample_hankel_blocks([[0]], 2, prefixes=[(), ()])
    with pytest.raises(ValueError, match="variant"):
        sample_hankel_blocks([[0]], 2, variant="infix")
    with pytest.raises(ValueError, match="at least one"):
        sample_hankel_blocks([], 2)
    with pytest.raises(AlphabetError):
        sample_hankel_blocks([[0, 2]], 2)


PFA = WFA([0.6, 0.4], [[[0.1, 0.3], [0.2, 0.1]], [[0.0, 0.4], [0.3, 0.0]]], [0.3, 0.3])


@pytest.mark.parametrize("variant", VARIANTS)
def test_convert_variant_matches_the_definition(variant):
    """prefix(w) = sum over continuations, suffix and factor likewise (series truncated at length 60)."""
    conv = convert_variant(PFA, source="classic", target=variant)
    A_sum = PFA.A.sum(axis=1)
    series = sum(np.linalg.matrix_power(A_sum, k) for k in range(60))
    for w in all_words(2, 3):
        Aw = np.eye(2)
        for s in w:
            Aw = Aw @ PFA.A[:, s, :]
        left = PFA.alpha @ (series if variant in ("suffix", "factor") else np.eye(2))
        right = (series if variant in ("prefix", "factor") else np.eye(2)) @ PFA.omega
        assert np.isclose(conv(w), left @ Aw @ right, rtol=1e-10)
    back = convert_variant(conv, source=variant)
    assert all(np.isclose(back(w), PFA(w), rtol=1e-10, atol=1e-15) for w in all_words(2, 3))


@pytest.mark.parametrize("variant", VARIANTS)
def test_learn_from_sample_recovers_the_distribution(variant):
    train = sample_words(PFA, 20000, seed=11)
    learned = learn_from_sample(train, 2, 2, variant=variant, max_length=2)
    words = all_words(2, 3)
    err = held_out_error(learned, PFA, words)
    assert err < 0.1, err  # sampling noise only: 2 states, 20,000 words


def test_perplexity_and_word_error_rate_by_hand():
    words = [(), (0,), (1, 0), (0, 0, 1)]
    q = PFA.values(words)
    assert np.isclose(perplexity(PFA, words), 2 ** (-np.mean(np.log2(q))))
    p = np.array([0.4, 0.3, 0.2, 0.1])
    pn, qn = p / p.sum(), q / q.sum()
    assert np.isclose(perplexity(PFA, words, probabilities=p), 2 ** (-(pn * np.log2(qn)).sum()))
    # word error rate: brute-force argmax over continuations, prefix probabilities by a long series
    series = sum(np.linalg.matrix_power(PFA.A.sum(axis=1), k) for k in range(200))
    wrong = total = 0
    for w in words:
        for i in range(len(w) + 1):
            u = w[:i]
            state = PFA.alpha.copy()
            for s in u:
                state = state @ PFA.A[:, s, :]
            scores = [state @ PFA.A[:, s, :] @ series @ PFA.omega for s in range(2)] + [state @ PFA.omega]
            truth = w[i] if i < len(w) else 2
            wrong += int(np.argmax(scores) != truth)
            total += 1
    assert np.isclose(word_error_rate(PFA, words), wrong / total)


def test_smoothing_with_a_bigram_fallback():
    bad = WFA([1.0], [[[0.5], [-0.6]]], [0.2])  # negative on words with an odd number of 1s
    words = [(0,), (1,), (1, 0)]
    with pytest.raises(ValueError, match="fallback"):
        perplexity(bad, words)
    bigram = ngram_wfa([[0, 1], [1], [0, 0]], 2)
    total = sum(bigram.values(all_words(2, 12)))
    assert 0.99 < total <= 1.0 + 1e-12  # a distribution over words (mass beyond length 12 is small)
    smoothed = smooth_values(bad.values(words), bigram.values(words))
    assert smoothed[0] == bad([0]) and smoothed[1] == bigram([1]) and (smoothed > 0).all()
    assert np.isclose(perplexity(bad, words, fallback=bigram), 2 ** (-np.mean(np.log2(smoothed))))


def test_learn_from_a_sample_whose_block_is_zero_is_refused_in_one_line():
    # every sampled word is longer than |u| + |v| + 1: the classic block is zero, svds cannot start
    with pytest.raises(ValueError, match="rank 0 < 2"):
        learn_from_sample([[0] * 9, [1] * 9], 2, 2, max_length=1)
