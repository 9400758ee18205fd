"""The field layer: QQ and GF(p) agree with brute force and with each other, on every backend.

The oracles here (pure-Python Fraction elimination, span enumeration over tiny
prime fields) share no code with rnnexpr.fields.
"""

from __future__ import annotations

import itertools
import threading
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr import fields
from rnnexpr.errors import InvalidArgumentError, InvalidTypeError, ShapeError
from rnnexpr.fields import GF, QQ, backend, error_probability, is_prime, random_prime

BACKENDS = list(fields.available_backends())


# ---------------------------------------------------------------------------
# Independent oracles
# ---------------------------------------------------------------------------


def oracle_rank_q(rows) -> int:
    """Rank over Q by plain Gaussian elimination on Python Fractions."""
    a = [[Fraction(v) for v in row] for row in rows]
    rank, ncols = 0, len(a[0]) if a else 0
    for col in range(ncols):
        piv = next((i for i in range(rank, len(a)) if a[i][col] != 0), None)
        if piv is None:
            continue
        a[rank], a[piv] = a[piv], a[rank]
        for i in range(len(a)):
            if i != rank and a[i][col] != 0:
                f = a[i][col] / a[rank][col]
                a[i] = [x - f * y for x, y in zip(a[i], a[rank])]
        rank += 1
    return rank


def oracle_rank_mod_p_enumerated(rows, p: int) -> int:
    """Rank over GF(p) as log_p of the number of distinct combinations of the rows (tiny p and sizes)."""
    if not rows:
        return 0
    vecs = set()
    for coefs in itertools.product(range(p), repeat=len(rows)):
        vecs.add(tuple(sum(c * v for c, v in zip(coefs, col)) % p for col in zip(*rows)))
    r = 0
    while p**r < len(vecs):
        r += 1
    assert p**r == len(vecs)
    return r


def residue(v, p):
    v = Fraction(v)
    return v.numerator * pow(v.denominator, -1, p) % p


def known_rank(rng, rows, cols, rank, den=4):
    """X @ Y (random rationals, X rows x rank, Y rank x cols): rank <= ``rank``, = rank almost surely."""

    def rand(shape):
        out = np.empty(shape, dtype=object)
        for idx in np.ndindex(*shape):
            out[idx] = Fraction(int(rng.integers(-9, 10)), int(rng.integers(1, den + 1)))
        return out

    return rand((rows, rank)) @ rand((rank, cols))


def as_lists(M):
    return [[Fraction(v) for v in row] for row in np.asarray(M, dtype=object)]


def q_matmul(A, B):
    """Product over Q by Python loops (no library)."""
    return [[sum((a * b for a, b in zip(row, col)), Fraction(0)) for col in zip(*B)] for row in A]


# ---------------------------------------------------------------------------
# 1,000 seeded cases: GF(p) and Q agree
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("block", range(10))
def test_rank_mod_p_and_over_q_agree_on_1000_seeded_cases(block):
    # 10 blocks x 100 cases; rank over Q against the oracle, rank mod a random 31-bit prime
    # is never above it, and equal on these random instances.
    for case in range(100):
        seed = 1000 * block + case
        rng = np.random.default_rng(seed)
        rows, cols = int(rng.integers(1, 7)), int(rng.integers(1, 7))
        r = int(rng.integers(0, min(rows, cols) + 1))
        M = known_rank(rng, rows, cols, r) if r else np.full((rows, cols), Fraction(0), dtype=object)
        rq = QQ.rank(M)
        assert rq == oracle_rank_q(as_lists(M)), seed
        p = random_prime(seed)
        rp = GF(p).rank(GF(p).residues(M))
        assert rp <= rq, seed
        assert rp == rq, seed


@pytest.mark.parametrize("p", [2, 3, 5])
def test_small_primes_drop_rank_and_match_enumeration(p):
    # Over tiny fields ranks really drop; the modular rank stays a lower bound and
    # matches the enumerated span size exactly.
    rng = np.random.default_rng(p)
    drops = 0
    for _ in range(150):
        rows, cols = int(rng.integers(1, 4)), int(rng.integers(1, 5))
        M = rng.integers(-4, 5, size=(rows, cols))
        rq = oracle_rank_q(M.tolist())
        res = GF(p).residues(M)
        for b in BACKENDS:
            with backend(b):
                rp = GF(p).rank(res)
            assert rp == oracle_rank_mod_p_enumerated(res.tolist(), p)
            assert rp <= rq
        drops += rp < rq
    assert drops > 0  # the inequality is exercised, not only equality


# ---------------------------------------------------------------------------
# rref, nullspace, solve, independent rows: verified by multiplying back
# ---------------------------------------------------------------------------


def _random_cases(n_cases, seed):
    rng = np.random.default_rng(seed)
    for _ in range(n_cases):
        rows, cols = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        r = int(rng.integers(1, min(rows, cols) + 1))
        yield rng, known_rank(rng, rows, cols, r)


@pytest.mark.parametrize("b", BACKENDS)
def test_rref_nullspace_solve_over_q(b):
    with backend(b):
        for rng, M in _random_cases(60, 1):
            rows = as_lists(M)
            R, piv = QQ.rref(M)
            r = oracle_rank_q(rows)
            assert len(piv) == r and list(piv) == sorted(piv)
            # R is reduced: pivot columns are unit vectors, rows below the rank are zero.
            for i, pc in enumerate(piv):
                assert [R[k, pc] for k in range(R.shape[0])] == [Fraction(int(k == i)) for k in range(R.shape[0])]
            assert all(v == 0 for v in R[r:].ravel())
            # Same row space: stacking R's rows on M keeps the rank.
            assert oracle_rank_q(rows + as_lists(R[:r])) == r
            N = QQ.nullspace(M)
            assert N.shape == (M.shape[1], M.shape[1] - r)
            assert all(v == 0 for v in np.asarray(q_matmul(rows, as_lists(N)), dtype=object).ravel())
            if N.shape[1]:
                assert oracle_rank_q(as_lists(N.T)) == N.shape[1]
            # Solve a consistent system, then an inconsistent one when M is rank deficient in its rows.
            x0 = [Fraction(int(v)) for v in rng.integers(-3, 4, size=M.shape[1])]
            rhs = [row[0] for row in q_matmul(rows, [[v] for v in x0])]
            x = QQ.solve(M, rhs)
            assert [row[0] for row in q_matmul(rows, [[v] for v in x])] == rhs
            if r < M.shape[0]:
                bad = np.array(rhs, dtype=object)
                null_left = QQ.nullspace(np.ascontiguousarray(M.T))[:, 0]
                bad = bad + null_left  # not orthogonal to the left null space any more
                assert QQ.solve(M, bad) is None
            ind = QQ.independent_rows(M)
            assert len(ind) == r and oracle_rank_q([rows[i] for i in ind]) == r
            # Greedy: each row not chosen depends on the chosen rows before it.
            for i in range(M.shape[0]):
                if i not in ind:
                    before = [rows[j] for j in ind if j < i]
                    assert oracle_rank_q(before + [rows[i]]) == len(before)


@pytest.mark.parametrize("b", BACKENDS)
@pytest.mark.parametrize("p", [7, 101, fields.DEFAULT_PRIME])
def test_rref_nullspace_solve_mod_p(b, p):
    F = GF(p)
    rng = np.random.default_rng(p)
    with backend(b):
        for _ in range(40):
            rows, cols = int(rng.integers(1, 7)), int(rng.integers(1, 7))
            M = rng.integers(0, p, size=(rows, cols)) * (rng.random((rows, cols)) < 0.7)
            M[-1] = (M[0] * 3) % p  # force dependencies
            R, piv = F.rref(M)
            r = len(piv)
            for i, pc in enumerate(piv):
                assert R[:, pc].tolist() == [int(k == i) for k in range(rows)]
            assert not R[r:].any()
            N = F.nullspace(M)
            assert N.shape == (cols, cols - r)
            assert not (np.array(M, dtype=object) @ np.array(N, dtype=object) % p).any()
            x0 = rng.integers(0, p, size=cols)
            rhs = (np.array(M, dtype=object) @ np.array(x0, dtype=object)) % p
            x = F.solve(M, rhs.astype(np.int64))
            assert ((np.array(M, dtype=object) @ np.array(x, dtype=object)) % p == rhs).all()
            prod = F.matmul(M, N)
            assert not prod.any()
            assert r == _rank_p_oracle(M.tolist(), p)


@pytest.mark.parametrize("b", BACKENDS)
def test_matmul_mod_p_without_overflow(b):
    # Residues near 2**31: a naive int64 matmul would overflow on inner size 200.
    p = fields.DEFAULT_PRIME
    rng = np.random.default_rng(0)
    A = rng.integers(p - 1000, p, size=(30, 200))
    B = rng.integers(p - 1000, p, size=(200, 40))
    exact = (A.astype(object) @ B.astype(object)) % p
    with backend(b):
        assert (GF(p).matmul(A, B).astype(object) == exact).all()


# ---------------------------------------------------------------------------
# Spans: against a brute-force rank
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("b", BACKENDS)
@pytest.mark.parametrize("field", ["QQ", "GF5", "GFbig"])
def test_span_against_brute_force(b, field):
    F = {"QQ": QQ, "GF5": GF(5), "GFbig": GF(fields.DEFAULT_PRIME)}[field]
    rng = np.random.default_rng(hash(field) % 2**32)
    with backend(b):
        for _ in range(25):
            n = int(rng.integers(1, 6))
            r = int(rng.integers(1, n + 1))
            V = known_rank(rng, int(rng.integers(1, 9)), n, r, den=1)
            V = F.matrix(V)
            S = F.span(n)
            kept_all, seen = [], []
            for start in range(0, V.shape[0], 3):  # batches of 3
                batch = V[start:start + 3]
                kept = S.add_rows(batch)
                kept_all += [start + k for k in kept]
                seen += list(range(start, start + batch.shape[0]))
                assert S.dimension == F.rank(V[seen])
            # Greedy: a row is kept iff it raises the rank of the rows before it (brute force).
            rank_of = (oracle_rank_q if F is QQ else (lambda rows: _rank_p_oracle(rows, F.p)))
            for i in range(V.shape[0]):
                raised = rank_of(V[: i + 1].tolist()) > rank_of(V[:i].tolist()) if i else rank_of(V[:1].tolist()) > 0
                assert (i in kept_all) == raised
            assert S.basis().shape == (S.dimension, n)
            assert rank_of(S.basis().tolist()) == S.dimension if S.dimension else True
            for row in V:
                assert S.contains(row)
            assert not S.add(V[0])


@pytest.mark.parametrize("b", BACKENDS)
def test_independent_rows_mod_p_large_enough_for_flint(b):
    """Above the flint threshold the pivots are read in place: the greedy first independent rows."""
    p = fields.DEFAULT_PRIME
    rng = np.random.default_rng(5)
    # 90 x 60 of rank 25, with a block of zero rows and repeated rows so the greedy choice matters.
    M = (rng.integers(0, 50, size=(90, 25)) @ rng.integers(0, 50, size=(25, 60))) % p
    M[10:20] = 0
    M[30:40] = M[:10]
    assert M.size >= fields._FLINT_RREF_MIN_ENTRIES
    rows = M.tolist()
    with backend(b):
        ind = GF(p).independent_rows(M)
    r = _rank_p_oracle(rows, p)
    assert len(ind) == r == 25 and _rank_p_oracle([rows[i] for i in ind], p) == r
    assert ind == sorted(ind) and not set(ind) & (set(range(10, 20)) | set(range(30, 40)))
    for i in [j for j in range(90) if j not in ind][::7]:
        before = [rows[j] for j in ind if j < i]
        assert _rank_p_oracle(before + [rows[i]], p) == len(before)


def _rank_p_oracle(rows, p):
    """Rank mod p by Python-int Gaussian elimination."""
    a = [[int(v) % p for v in row] for row in rows]
    rank = 0
    for col in range(len(a[0]) if a else 0):
        piv = next((i for i in range(rank, len(a)) if a[i][col]), None)
        if piv is None:
            continue
        a[rank], a[piv] = a[piv], a[rank]
        inv = pow(a[rank][col], -1, p)
        for i in range(len(a)):
            if i != rank and a[i][col]:
                f = a[i][col] * inv % p
                a[i] = [(x - f * y) % p for x, y in zip(a[i], a[rank])]
        rank += 1
    return rank


def test_span_not_contains_outside_vector():
    S = QQ.span(3)
    S.add_rows([[1, 2, 3]])
    assert not S.contains([1, 2, 4]) and S.contains(["1/2", 1, "3/2"])
    with pytest.raises(ShapeError):
        S.add_rows([[1, 2]])


# ---------------------------------------------------------------------------
# Property tests (hypothesis): small, shrinking matrices
# ---------------------------------------------------------------------------

small_int_matrix = st.integers(1, 4).flatmap(
    lambda r: st.integers(1, 4).flatmap(
        lambda c: st.lists(st.lists(st.integers(-5, 5), min_size=c, max_size=c), min_size=r, max_size=r)))


@settings(max_examples=60, deadline=None)
@given(rows=small_int_matrix, den=st.integers(1, 6))
def test_property_rank_q_and_mod_p(rows, den):
    M = [[Fraction(v, den) for v in row] for row in rows]
    rq = QQ.rank(M)
    assert rq == oracle_rank_q(M)
    for p in (3, 7, fields.DEFAULT_PRIME):
        if den % p == 0:
            continue
        res = GF(p).residues(M)
        assert GF(p).rank(res) <= rq
        assert GF(p).rank(res) == _rank_p_oracle(res.tolist(), p)


@settings(max_examples=40, deadline=None)
@given(rows=small_int_matrix)
def test_property_backends_agree(rows):
    out = set()
    for b in BACKENDS:
        with backend(b):
            R, piv = QQ.rref(rows)
            Rp, pivp = GF(13).rref(GF(13).residues(rows))
            out.add((tuple(map(tuple, R.tolist())), piv, tuple(map(tuple, Rp.tolist())), pivp))
    assert len(out) == 1


# ---------------------------------------------------------------------------
# Residues, primes, the error bound, backends
# ---------------------------------------------------------------------------


def test_residues_vectorized_matches_scalar_formula():
    import random

    rng = random.Random(3)
    p = random_prime(3)
    vals = np.empty((20, 7), dtype=object)
    for idx in np.ndindex(*vals.shape):
        vals[idx] = Fraction(rng.randrange(-10**30, 10**30), rng.randrange(1, 10**6))
    vals[0, 0] = 0
    vals[0, 1] = -5
    out = GF(p).residues(vals)
    assert out.dtype == np.int64 and out.shape == vals.shape
    assert out.tolist() == [[residue(v, p) for v in row] for row in vals]


def test_residues_refuse_a_denominator_divisible_by_p():
    with pytest.raises(InvalidArgumentError, match="denominator 14"):
        GF(7).residues([Fraction(1, 14)])


def test_random_prime_is_reproducible_prime_and_in_range():
    sympy = pytest.importorskip("sympy")
    ps = [random_prime(s) for s in range(30)]
    assert ps == [random_prime(s) for s in range(30)]
    assert all(2**30 <= p < 2**31 and sympy.isprime(p) for p in ps)
    assert len(set(ps)) > 25
    assert random_prime(0, low=10, high=20) in (11, 13, 17, 19)
    assert random_prime(0, low=10, high=14, avoid=11) == 13


def test_is_prime_against_sympy():
    sympy = pytest.importorskip("sympy")
    for n in list(range(-3, 3000)) + [2**31 - 1, 2**31 + 11, 3215031751, 2**61 - 1, (2**31 - 1) * (2**30 + 3)]:
        assert is_prime(n) == bool(sympy.isprime(n)), n


def test_error_probability_bound():
    assert error_probability(0) == 0.0
    assert error_probability(29.9) == 0.0  # |N| < 2**30 has no prime factor >= 2**30
    a, b = error_probability(1e3), error_probability(1e4)
    assert 0 < a < b < 1
    assert error_probability(1e3, count=10) == pytest.approx(10 * a)
    assert error_probability(1e12) == 1.0


def test_log2_hadamard_bound_bounds_determinants():
    rng = np.random.default_rng(5)
    for _ in range(50):
        M = rng.integers(-20, 21, size=(4, 4))
        det = abs(round(np.linalg.det(M.astype(float))))
        if det:
            assert np.log2(det) <= fields.log2_hadamard_bound(M) + 1e-9


def test_backend_context_is_scoped_and_per_thread():
    default = fields.current_backend()
    with backend("numpy"):
        assert fields.current_backend() == "numpy"
        with backend("sympy"):
            assert fields.current_backend() == "sympy"
        seen = []
        t = threading.Thread(target=lambda: seen.append(fields.current_backend()))
        t.start()
        t.join()
        assert seen == [default]  # a new thread starts from the default
        assert fields.current_backend() == "numpy"
    assert fields.current_backend() == default


def test_backend_refuses_unknown_names():
    with pytest.raises(InvalidArgumentError, match="name: expected one of"), backend("magma"):
        pass
    with pytest.raises(InvalidTypeError), backend(3):
        pass


def test_gf_refuses_non_primes():
    for bad in (1, 4, 2**31 - 3, 2**31 + 11):
        with pytest.raises(InvalidArgumentError):
            GF(bad)
    with pytest.raises(InvalidTypeError):
        GF(7.0)
    assert GF(7) is GF(7)


def test_backend_types_never_leave():
    M = [[1, "1/2"], [2, 1]]
    for b in BACKENDS:
        with backend(b):
            for out in (QQ.rref(M)[0], QQ.nullspace(M), QQ.matmul(M, M), QQ.span(2).basis()):
                assert isinstance(out, np.ndarray) and out.dtype == object
                assert all(type(v) is Fraction for v in out.ravel())
            for out in (GF(7).rref(M)[0], GF(7).nullspace(M), GF(7).matmul(GF(7).matrix(M), GF(7).matrix(M))):
                assert isinstance(out, np.ndarray) and out.dtype == np.int64


# ---------------------------------------------------------------------------
# Orbits (reachable spaces): breadth-first bases, exact vectors, invariance proofs
# ---------------------------------------------------------------------------


def _orbit_oracle(start, mats, max_len):
    """All vectors start M_w for |w| <= max_len (Python Fractions): their rank is the orbit's dimension."""
    vecs, frontier = [], [[Fraction(v) for v in start]]
    for _ in range(max_len + 1):
        vecs += frontier
        frontier = [[sum((v[i] * Fraction(M[i][j]) for i in range(len(v))), Fraction(0)) for j in range(len(v))]
                    for v in frontier for M in mats]
    return vecs


@pytest.mark.parametrize("b", BACKENDS)
def test_orbit_basis_and_vectors_against_enumeration(b):
    rng = np.random.default_rng(11)
    with backend(b):
        for _ in range(12):
            n, d = int(rng.integers(1, 5)), int(rng.integers(1, 3))
            start = rng.integers(-2, 3, size=n).tolist()
            mats = (rng.integers(-1, 2, size=(d, n, n)) * (rng.random((d, n, n)) < 0.5)).tolist()
            X, words, span = fields.orbit_basis(QQ, start, mats)
            assert len(words) == oracle_rank_q(_orbit_oracle(start, mats, n)) if any(start) else not words
            assert [len(w) for w in words] == sorted(len(w) for w in words)  # breadth first
            assert QQ.orbit_vectors(start, mats, words).tolist() == X.tolist()
            for w, row in zip(words, X):
                v = [Fraction(x) for x in start]
                for s in w:
                    v = [sum((v[i] * mats[s][i][j] for i in range(n)), Fraction(0)) for j in range(n)]
                assert list(row) == v
            if len(words):
                assert QQ.is_invariant(X, mats)
                C, c = QQ.restrict(X, mats, span.echelon()[1], rows=X[:1])
                for s in range(d):
                    assert q_matmul(as_lists(C[s]), as_lists(X)) == q_matmul(as_lists(X), mats[s])
                assert q_matmul(as_lists(c), as_lists(X)) == as_lists(X[:1])
            # Mod p, the same search gives at most as many words (a lower bound), here as many.
            G = GF(fields.DEFAULT_PRIME)
            _, wp, _ = fields.orbit_basis(G, G.residues(start), G.residues(np.array(mats)))
            assert len(wp) <= len(words) and wp == words


@pytest.mark.parametrize("b", BACKENDS)
def test_invariance_detects_a_non_invariant_span(b):
    with backend(b):
        assert not QQ.is_invariant([[1, 0, 0]], [[[0, 1, 0], [0, 0, 1], [1, 0, 0]]])
        assert QQ.is_invariant([[1, 1, 1]], [[[0, 1, 0], [0, 0, 1], [1, 0, 0]]])
        assert QQ.restrict([[1, 0, 0]], [[[0, 1, 0], [0, 0, 1], [1, 0, 0]]], [0]) is None
        assert QQ.restrict([[1, 1, 1]], [[[1, 0, 0], [0, 1, 0], [0, 0, 1]]], [0], rows=[[1, 2, 3]]) is None
    with pytest.raises(InvalidArgumentError, match="prefix"):
        QQ.orbit_vectors([1], [[[1]]], [(), (0, 0)])


# ---------------------------------------------------------------------------
# The algorithms written on the field layer: every proof path against brute force
# ---------------------------------------------------------------------------


def test_exact_hankel_rank_every_proof_path_against_brute_force():
    # Sparse small integer WFAs: the rank mod p is full, or the bases are proven over Q and meet
    # it, or one exact rank decides.  Truth: the block over all words of length < n (a WFA with
    # n states has Hankel rank equal to that block's rank), with an independent exact rank.
    from rnnexpr import WFA, hankel_rank
    from tests.oracles import all_words, oracle_exact_rank

    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(120):
        n, d = int(rng.integers(2, 5)), int(rng.integers(1, 3))
        A = rng.integers(-1, 2, size=(n, d, n)) * (rng.random((n, d, n)) < 0.35)
        alpha = rng.integers(-1, 2, size=n) * (rng.random(n) < 0.6)
        omega = rng.integers(-1, 2, size=n) * (rng.random(n) < 0.6)
        w = WFA(alpha.tolist(), A.tolist(), omega.tolist())
        words = all_words(d, n - 1)
        H = np.array([[w(list(u) + list(v), exact=True) for v in words] for u in words], dtype=object)
        res = hankel_rank(w)
        assert res.exact and res.rank == oracle_exact_rank(H)
        seen.add(res.method)
    assert {"modular, full rank: proven", "modular, bound proven over Q"} <= seen and len(seen) == 3


def test_an_unlucky_prime_falls_back_to_exact_search():
    # Entries divisible by the default prime: mod p the search misses a direction, the proof over Q
    # fails, and the search is redone over Q; the start vector itself vanishing mod p likewise.
    from rnnexpr import WFA, hankel_rank, minimize, reachable_basis

    p = fields.DEFAULT_PRIME
    w = WFA([1, 0], [[[0, p]], [[0, 0]]], [0, 1])  # f(0) = p, f(empty) = 0: Hankel rank 2
    assert reachable_basis(w).words == ((), (0,))
    assert hankel_rank(w).rank == 2 and hankel_rank(w).exact and minimize(w).num_states == 2
    w2 = WFA([p, 0], [[[1, 0]], [[0, 1]]], [1, 1])  # start = p e_0 vanishes mod p
    assert reachable_basis(w2).words == ((),) and hankel_rank(w2).rank == 1
