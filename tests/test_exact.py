"""Rank backends agree: flint vs sympy vs modular vs numerical on rational matrices of known rank."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr import fields
from rnnexpr.errors import InvalidArgumentError, NumericalRankWarning
from rnnexpr.exact import (
    exact_backend,
    exact_rank,
    independent_rows,
    matrix_rank,
    modular_rank,
    nullspace,
    numerical_rank,
    rref,
    set_exact_backend,
    solve,
)
from tests.oracles import oracle_exact_rank

BACKENDS = list(fields.available_backends())


def known_rank(rows, cols, rank, seed, den=5):
    """X Y with X (rows x rank), Y (rank x cols) random rationals, rank checked via a nonzero minor."""
    rng = np.random.default_rng(seed)

    def rand(shape):
        out = np.empty(shape, dtype=object)
        for idx in np.ndindex(*shape):
            out[idx] = Fraction(int(rng.integers(-9, 10)), int(rng.integers(1, den + 1)))
        return out

    while True:
        X, Y = rand((rows, rank)), rand((rank, cols))
        # Make X and Y full rank for sure: identity blocks on top / left.
        for i in range(rank):
            X[i, :] = 0
            X[i, i] = Fraction(1)
            Y[:, i] = 0
            Y[i, i] = Fraction(1)
        return X @ Y


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), shape=st.tuples(st.integers(1, 9), st.integers(1, 9)), data=st.data())
def test_backends_agree_on_known_rank(seed, shape, data):
    r = data.draw(st.integers(0, min(shape)))
    M = known_rank(shape[0], shape[1], r, seed) if r else np.full(shape, Fraction(0), dtype=object)
    for b in BACKENDS:
        with fields.backend(b):
            res = exact_rank(M)
            assert res.rank == r == oracle_exact_rank(M) and res.exact and res.error_probability in (0.0, None)
            full = r == min(shape)
            assert res.method == ("modular, full rank: proven" if full else exact_backend())
            assert len(independent_rows(M)) == r
            R, piv = rref(M)
            assert len(piv) == r
            N = nullspace(M)
            assert N.shape == (shape[1], shape[1] - r)
            assert not np.any(M @ N != 0)
    mod = modular_rank(M, seed=seed)
    assert mod.rank == r and mod.lower_bound_proven and not mod.exact and mod.error_probability < 1e-6
    num = numerical_rank(M.astype(float), warn=False)
    assert num.rank == r and num.tolerance >= 0


def test_rref_agrees_across_backends():
    M = known_rank(6, 7, 4, seed=1)
    out = []
    for b in BACKENDS:
        with fields.backend(b):
            R, piv = rref(M)
        out.append((R.tolist(), piv))
    assert all(o == out[0] for o in out)


def test_modular_rank_is_a_lower_bound_even_with_an_unlucky_prime():
    # 7 divides the determinant: mod 7 the rank drops, never rises.
    M = [[1, 0], [0, 7]]
    assert modular_rank(M, prime=7).rank == 1
    assert exact_rank(M).rank == 2
    assert modular_rank(M, prime=7).error_probability is None


def test_numerical_rank_reports_gap_and_warns():
    M = np.diag([1.0, 1e-9, 1e-20])
    res = numerical_rank(M, rtol=1e-12, warn=False)
    assert res.rank == 2 and math.isclose(res.gap, 1e11)
    with pytest.warns(NumericalRankWarning):
        numerical_rank(np.diag([1.0, 1e-11, 1e-13]), rtol=1e-12, gap_warning=1e3)
    assert matrix_rank([[1, 2], [2, 4]], method=False).method == "svd"


def test_solve_and_backend_switching():
    for b in BACKENDS:
        with fields.backend(b):
            assert exact_backend() == ("flint" if b == "flint" else "sympy")
            assert solve([[2, 0], [0, 4]], [1, 1]).tolist() == [Fraction(1, 2), Fraction(1, 4)]
            assert solve([[1, 1], [1, 1]], [1, 2]) is None
            assert solve([[1, 2], [2, 4], [0, 1]], [[1], [2], [3]]).tolist() == [[Fraction(-5)], [Fraction(3)]]


def test_set_exact_backend_still_works_with_a_deprecation_warning():
    default = exact_backend()
    with pytest.warns(DeprecationWarning, match="fields.backend"):
        set_exact_backend("sympy")
    try:
        assert exact_backend() == "sympy"
    finally:
        with pytest.warns(DeprecationWarning):
            set_exact_backend(None)
    assert exact_backend() == default
    with pytest.warns(DeprecationWarning), pytest.raises(InvalidArgumentError, match="name"):
        set_exact_backend("magma")


def test_rank_deficient_ranks_with_large_entries():
    # Rank deficient (so no modular shortcut), one row with 40-digit entries: exact elimination
    # agrees with an independent exact rank.
    rng = np.random.default_rng(7)
    for r in (1, 3, 5):
        X = known_rank(8, 6, r, seed=int(rng.integers(1000)))
        X[0] = X[0] * Fraction(10**40 + 1, 3)
        res = exact_rank(X)
        assert res.rank == r == oracle_exact_rank(X) and res.exact
        assert res.method == exact_backend()
    z = np.full((2, 3), Fraction(0), dtype=object)
    assert exact_rank(z).rank == 0 and exact_rank(z).exact


def test_modular_rank_error_bound_and_full_rank():
    M = known_rank(5, 6, 3, seed=2)
    res = modular_rank(M, seed=3)
    assert res.rank == 3 and 0 < res.error_probability < 1e-6 and res.prime == fields.random_prime(3)
    assert modular_rank([[1, 2], [3, 4]]).error_probability == 0.0  # full rank: cannot be below
    with pytest.raises(InvalidArgumentError, match="prime"):
        modular_rank(M, prime=8)
