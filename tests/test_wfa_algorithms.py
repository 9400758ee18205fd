"""Tests of reachable/observable bases, Hankel ranks, minimization and equivalence of WFAs."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr.errors import AlphabetError, ModelKindError, NumericalRankWarning
from rnnexpr.exact import exact_rank
from rnnexpr.hankel import hankel_rank
from rnnexpr.models import WFA, random_stack, random_wfa
from rnnexpr.conversions import to_wfa
from rnnexpr.equivalence import equivalent
from rnnexpr.wfa import minimize, observable_basis, reachable_basis
from tests.oracles import all_words, literal_wfa_value


def brute_hankel_rank(wfa, max_len):
    """Oracle: exact rank of the block over all words up to max_len (enough for n <= max_len + 1)."""
    words = all_words(wfa.alphabet_size, max_len)
    H = [[literal_wfa_value(wfa, u + v) for v in words] for u in words]
    return exact_rank(np.array(H, dtype=object)).rank


def _rand_frac(rng, shape, lo=-3, hi=3, den=4):
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = Fraction(int(rng.integers(lo, hi + 1)), int(rng.integers(1, den + 1)))
    return out


def padded(wfa, extra_unreach, extra_unobs, seed):
    """Same function, more states: unreachable and unobservable ones, then a random change of basis."""
    rng = np.random.default_rng(seed)
    n, d = wfa.num_states, wfa.alphabet_size
    N = n + extra_unreach + extra_unobs
    A = np.empty((N, d, N), dtype=object)
    A[...] = Fraction(0)
    A[:n, :, :n] = wfa.A
    a = np.empty(N, dtype=object)
    a[...] = Fraction(0)
    a[:n] = wfa.alpha
    o = np.empty(N, dtype=object)
    o[...] = Fraction(0)
    o[:n] = wfa.omega
    u = slice(n, n + extra_unreach)  # never entered (alpha 0, no edges in), may feed the rest
    v = slice(n + extra_unreach, N)  # entered, but never observed (omega 0, no edges out to the rest)
    A[u, :, :] = _rand_frac(rng, (extra_unreach, d, N))
    o[u] = _rand_frac(rng, (extra_unreach,))
    A[:n, :, v] = _rand_frac(rng, (n, d, extra_unobs))
    A[v, :, v] = _rand_frac(rng, (extra_unobs, d, extra_unobs))
    a[v] = _rand_frac(rng, (extra_unobs,))
    # Random change of basis P (unit lower triangular: invertible over Q).
    P = _rand_frac(rng, (N, N))
    for i in range(N):
        P[i, i] = Fraction(1)
        P[i, i + 1:] = Fraction(0)
    Pinv = np.array(__import__("sympy").Matrix(P.tolist()).inv().tolist(), dtype=object)
    Pinv = np.vectorize(lambda x: Fraction(int(x.p), int(x.q)), otypes=[object])(Pinv)
    A2 = np.stack([Pinv @ A[:, s, :] @ P for s in range(d)], axis=1)
    return WFA(a @ P, A2, Pinv @ o)


def hadamard(w1, w2):
    d = w1.alphabet_size
    A = np.stack([np.kron(w1.A[:, s, :], w2.A[:, s, :]) for s in range(d)], axis=1)
    return WFA(np.kron(w1.alpha, w2.alpha), A, np.kron(w1.omega, w2.omega))


@pytest.mark.parametrize("n,d,seed", [(3, 2, 0), (4, 2, 1), (2, 3, 2)])
def test_padded_wfa_has_its_minimal_rank(n, d, seed):
    core = random_wfa(n, d, seed=seed, exact=True)
    r = brute_hankel_rank(core, n)
    big = padded(core, 2, 2, seed)
    assert big.num_states == n + 4
    words = all_words(d, 4)
    assert [literal_wfa_value(big, w) for w in words] == [literal_wfa_value(core, w) for w in words]
    res = hankel_rank(big)
    # Words up to length r - 1 <= n - 1 reach the full Hankel rank of a rank-r function.
    assert res.exact and res.rank == r == brute_hankel_rank(big, n)
    m = minimize(big)
    assert m.num_states == r
    for w in all_words(d, 6 if d == 2 else 4):
        assert m(list(w), exact=True) == literal_wfa_value(big, w)


def test_product_wfa_rank_matches_brute_force():
    w1, w2 = random_wfa(2, 2, seed=3, exact=True), random_wfa(2, 2, seed=4, exact=True)
    prod = hadamard(w1, w2)
    for w in all_words(2, 3):
        assert literal_wfa_value(prod, w) == literal_wfa_value(w1, w) * literal_wfa_value(w2, w)
    assert hankel_rank(prod).rank == brute_hankel_rank(prod, 4)
    assert minimize(prod).num_states == hankel_rank(prod).rank


def test_bases_hold_the_vectors_of_their_words():
    w = random_wfa(4, 2, seed=5, exact=True)
    fb = reachable_basis(w)
    for vec, word in zip(fb.vectors, fb.words, strict=True):
        assert list(vec) == list(w.forward([list(word)], exact=True)[0])
    ob = observable_basis(w)
    for vec, word in zip(ob.vectors, ob.words, strict=True):
        x = np.array(w.omega, dtype=object)
        for s in reversed(word):
            x = w.A[:, s, :] @ x
        assert list(vec) == list(x)
    assert fb.words[0] == () and all(len(a) <= len(b) for a, b in zip(fb.words, fb.words[1:]))


def test_float_rank_and_minimize_agree_with_exact():
    core = random_wfa(4, 2, seed=6, exact=True)
    big = padded(core, 1, 2, 6)
    exact = hankel_rank(big).rank
    fl = big.to_float()
    res = hankel_rank(fl, method="numerical")
    assert not res.exact and res.rank == exact and res.tolerance > 0 and res.gap > 1e3
    m = minimize(fl)
    assert m.num_states == exact
    words = [list(w) for w in all_words(2, 6)]
    np.testing.assert_allclose(m.values(words), fl.values(words), rtol=1e-8, atol=1e-10)


def test_numerical_rank_warns_on_unclear_gap():
    # Two states whose weights differ by 1e-11: numerically ambiguous at rtol 1e-12.
    w = WFA([1.0, 1.0], [[[0.5, 0.0]], [[0.0, 0.5 + 1e-11]]], [1.0, -1.0])
    with pytest.warns(NumericalRankWarning):
        hankel_rank(w, method="numerical", rtol=1e-12)


def test_zero_function_minimizes_to_zero_states():
    w = WFA([0, 0], random_wfa(2, 2, seed=0, exact=True).A, [1, 1])
    assert hankel_rank(w).rank == 0 and minimize(w).num_states == 0


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 3), perturb=st.booleans())
def test_equivalent_agrees_with_brute_force(seed, n, perturb):
    a = random_wfa(n, 2, seed=seed, exact=True)
    b = padded(a, 1, 1, seed)
    if perturb:
        A = np.array(b.A, dtype=object)
        A[0, 1, 0] += Fraction(1, 3)
        b = WFA(b.alpha, A, b.omega)
    res = equivalent(a, b)
    # Oracle: two WFAs of sizes n, m agree iff they agree on all words of length < n + m.
    words = all_words(2, a.num_states + b.num_states - 1)
    brute = all(literal_wfa_value(a, w) == literal_wfa_value(b, w) for w in words)
    assert res.equivalent == brute and res.exact
    if not res.equivalent:
        w = list(res.witness)
        assert literal_wfa_value(a, w) != literal_wfa_value(b, w)
        assert res.values == (literal_wfa_value(a, w), literal_wfa_value(b, w))
        # Breadth-first: no shorter word differs.
        assert all(literal_wfa_value(a, u) == literal_wfa_value(b, u) for u in words if len(u) < len(w))


def test_equivalent_stack_and_its_wfa_and_json():
    s = random_stack([3], 2, seed=1, exact=True)
    res = equivalent(s, to_wfa(s))
    assert res and res.witness is None
    assert res.to_dict()["equivalent"] is True
    other = random_stack([3], 2, seed=2, exact=True)
    res2 = equivalent(s, other)
    assert not res2 and s(list(res2.witness), exact=True) != other(list(res2.witness), exact=True)
    assert isinstance(res2.to_dict()["witness"], list)


def test_equivalent_deep_stacks_up_to_length():
    s = random_stack([2, 2], 2, seed=3, exact=True)
    assert equivalent(s, s, max_length=4).equivalent
    C = np.array(s.C, dtype=object)
    t = type(s)(s.layers, C, s.c + Fraction(1, 7) if s.c is not None else [Fraction(1, 7)])
    res = equivalent(s, t, max_length=3)
    assert not res.equivalent and "length <= 3" in res.scope
    assert s(list(res.witness), exact=True) != t(list(res.witness), exact=True)
    with pytest.raises(ValueError, match="max_length"):
        equivalent(s, t)
    fl = equivalent(s.to_float(), t.to_float(), max_length=3)
    assert not fl.equivalent and not fl.exact and fl.witness == res.witness
    assert equivalent(s.to_float(), s, exact=False, max_length=3).equivalent


def test_bad_inputs():
    with pytest.raises(AlphabetError):
        equivalent(random_wfa(2, 2, seed=0), random_wfa(2, 3, seed=0))
    with pytest.raises(ModelKindError):
        minimize(random_stack([2, 2], 2, seed=0))
    with pytest.raises(ModelKindError):
        reachable_basis("wfa")
    with pytest.raises(ValueError, match="rtol"):
        minimize(random_wfa(2, 2, seed=0), rtol=2.0)
    with pytest.raises(ValueError, match="inputs"):
        equivalent(random_wfa(2, 2, seed=0), random_wfa(2, 2, seed=0), inputs="binary")


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 5), extra=st.integers(0, 2))
def test_modular_hankel_rank_matches_exact(seed, n, extra):
    w = padded(random_wfa(n, 2, seed=seed, exact=True), extra, extra, seed)
    mod = hankel_rank(w, method="modular")
    ex = hankel_rank(w)
    assert mod.method == "modular" and not mod.exact and mod.lower_bound_proven
    assert mod.rank == ex.rank and mod.prime and 0 <= mod.error_probability < 1e-3
    assert "mod p" in mod.describe()


def test_float_equivalence_uses_tolerance():
    a = random_wfa(4, 2, seed=8)
    res = equivalent(a, minimize(a))
    assert res.equivalent and not res.exact and res.tolerance > 0
    A = np.array(a.A)
    A[1, 0, 2] += 0.1
    b = WFA(a.alpha, A, a.omega)
    res2 = equivalent(a, b)
    assert not res2.equivalent
    va, vb = res2.values
    assert abs(va - vb) > 1e-6 and abs(a(list(res2.witness)) - b(list(res2.witness))) > 1e-6


def test_guided_and_plain_exact_searches_agree():
    """The mod-p-guided search (flint) and the plain rational row reduction give the same spans."""
    from rnnexpr.fields import backend

    w = padded(random_wfa(4, 3, seed=9, exact=True), 2, 1, 9)
    guided = reachable_basis(w), observable_basis(w), minimize(w)
    with backend("sympy"):  # sympy over Q, numpy int64 mod p
        plain = reachable_basis(w), observable_basis(w), minimize(w)
    assert guided[0].dimension == plain[0].dimension and guided[1].dimension == plain[1].dimension
    assert guided[0].words == plain[0].words  # same breadth-first, first-come order
    assert guided[2].num_states == plain[2].num_states == 4
    assert equivalent(guided[2], plain[2]).equivalent
