"""Numerical answers you can trust (issue 12): right or warned, never silently wrong.

* a corpus of >= 1000 seeded float systems of known McMillan degree (built in
  Kalman form, independently of the library, then disguised): every float answer
  is the known degree or comes with a NumericalRankWarning;
* the one exact-vs-numerical rule, applied by every rank, degree and equivalence function;
* rescaling: entries of 1e308 or 1e-300 give the answer of the rescaled copy;
* the float equivalence threshold, tested just above and just below it;
* RankResult behaves as an int.
"""

from __future__ import annotations

import operator
import warnings
from fractions import Fraction

import numpy as np
import pytest

from rnnexpr.errors import ConflictingArgumentsError, NumericalRankWarning
from rnnexpr.exact import RankResult, exact_rank
from rnnexpr.hankel import hankel_rank
from rnnexpr.linear_systems import LinearSystem, equivalent, markov_parameters, mcmillan_degree, minimal_realization
from rnnexpr.models import WFA, LinearRNNLayer, Stack, random_stack, random_wfa
from rnnexpr.tt import to_tensor_train, tt_cores, tt_ranks
from rnnexpr.wfa import wfa_equivalent
from tests.numerics_corpus import corpus, kalman_form, transform


def _run(system, **options):
    """(result, warned): the numerical McMillan degree and whether it warned."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = mcmillan_degree(system, **options)
    return res, any(issubclass(w.category, NumericalRankWarning) for w in caught)


# ---------------------------------------------------------------- the corpus


#: numpy's long double is wider than float64 here (x87 extended on x86): the McMillan degree's
#: extended-precision second opinion runs (elsewhere doubtful decisions simply stay warned).
WIDE = bool(np.finfo(np.longdouble).eps <= np.finfo(np.float64).eps / 256)


def _tally(cases):
    """(right without a warning, warned and right, warned and wrong, silent wrong answers) on corpus cases."""
    right = warned_right = warned_wrong = 0
    silent = []
    for c in cases:
        res, warned = _run(c.system)
        assert not res.exact and res.method == "staircase" and 0 <= res <= c.V.shape[0]
        assert res.tolerance > 0 and res.gap is not None and res.residual is not None
        if res == c.degree:
            right += not warned
            warned_right += warned
        elif warned:
            warned_wrong += 1
        else:
            silent.append((c.family, c.seed, c.degree, int(res)))
    return right, warned_right, warned_wrong, silent


def test_corpus_has_no_silent_wrong_answer():
    cases = corpus(1000, max_states=8, seed=0)
    assert len(cases) >= 1000
    right, warned_right, warned_wrong, silent = _tally(cases)
    assert silent == []
    # Warnings are not a way out: measured 910 right and unwarned on this seed (888 without
    # extended precision); 841 with the norm balancing and the Hankel check this replaced.
    assert right >= (890 if WIDE else 870), (right, warned_right, warned_wrong)


def test_corpus_on_a_seed_not_tuned_on():
    """The rules were tuned on seed 0; seed 1 checks that they generalize (measured 924 right, 894 without
    extended precision, 847 before)."""
    right, warned_right, warned_wrong, silent = _tally(corpus(1000, max_states=8, seed=1))
    assert silent == []
    assert right >= (900 if WIDE else 875), (right, warned_right, warned_wrong)


def test_diagonally_rescaled_corpus_systems_are_recovered():
    """Rescaling the states by up to 1e+-10 is undone by the log balancing: every case right, none warned
    (the norm balancing left a quarter of them warned)."""
    cases = [c for c in corpus(600, max_states=8, seed=2) if c.family == "rescaled"]
    assert len(cases) == 100
    assert _tally(cases) == (100, 0, 0, [])


def test_a_conditioned_case_the_staircase_alone_got_wrong_warns():
    """Seed 0's case 1303 (30 states, degree 14, a similarity of condition up to 1e8 whose rounding makes the
    uncontrollable part look weakly controllable): the reduced system is within 1e-13 of an uncontrollable or
    unobservable one, and the warning says so with the tolerance and the gap."""
    c = corpus(1304, max_states=30, seed=0)[1303]
    assert (c.family, c.degree, c.V.shape) == ("conditioned", 14, (30, 30))
    with pytest.warns(NumericalRankWarning, match=r"relative tolerance .*singular-value gap .*PBH") as caught:
        res = mcmillan_degree(c.system)
    assert res != 14 and len(caught) == 1


@pytest.mark.skipif(not WIDE, reason="long double is float64 on this platform")
def test_extended_precision_lifts_a_discard_that_was_rounding(monkeypatch):
    """Seed 0's case 48 (24 states, degree 12, exact zeros): after many float64 staircase steps the discarded
    value is rounding at 19 times the tolerance; the extended-precision recomputation shrinks it and agrees."""
    c = corpus(49, max_states=30, seed=0)[48]
    assert (c.family, c.degree, c.V.shape) == ("embedded", 12, (24, 24))
    res, warned = _run(c.system)
    assert res == 12 and not warned and res.gap > 1e11  # the recomputation's gap decided
    monkeypatch.setattr("rnnexpr.linear_systems._HAS_WIDE", False)
    with pytest.warns(NumericalRankWarning, match="discarded singular value"):
        alone = mcmillan_degree(c.system)
    assert alone == 12 and alone.gap < res.gap


def test_corpus_minimal_realizations_reproduce_the_markov_parameters():
    for c in corpus(120, max_states=8, seed=5):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m = c.system.minimal()
        if any(issubclass(w.category, NumericalRankWarning) for w in caught):
            continue
        n = c.V.shape[0]
        assert m.state_dim == c.degree
        # Exact evaluation of both (float evaluation of an ill-conditioned system loses digits itself).
        M = c.system.to_exact().markov_parameters(2 * n + 2).astype(float)
        Mm = m.to_exact().markov_parameters(2 * n + 2).astype(float)
        assert np.abs(M - Mm).max() <= 1e-6 * np.abs(M).max(), (c.family, c.seed)


def test_corpus_degrees_are_those_of_the_construction():
    """The corpus is trustworthy itself: on undisguised cases the exact degree (over Q) is the known one."""
    for c in [c for c in corpus(60, max_states=6, seed=3) if c.family in ("embedded", "minimal", "jordan")][:20]:
        assert mcmillan_degree(c.system.to_exact()).rank == c.degree


def test_control_minreal_reference():
    control = pytest.importorskip("control")
    pytest.importorskip("slycot")  # control.minreal needs slycot's TB01PD
    for c in corpus(30, max_states=6, seed=7):
        if c.family != "minimal":
            continue
        sys = control.ss(c.V, c.U, c.C, np.zeros((c.C.shape[0], c.U.shape[1])), True)
        ref = control.minreal(sys, verbose=False).nstates
        res, warned = _run(c.system)
        assert ref == c.degree
        assert res == ref or warned


def test_a_long_staircase_that_loses_the_structure_warns():
    """120 states, 2 inputs, degree 60 (exact zeros): 60 float64 staircase steps amplify rounding into the
    uncontrollable part until all 120 states look controllable (the old code said 120 without a warning).
    The PBH test finds modes within rounding of uncontrollable, and the extended-precision recomputation
    disagrees: the answer warns and says both."""
    A, B, C = kalman_form(np.random.default_rng(0), 60, 20, 20, 20, 2, 2)
    with pytest.warns(NumericalRankWarning, match="PBH") as caught:
        mcmillan_degree(LinearSystem(V=A, U=B, C=C))
    assert len(caught) == 1
    if WIDE:
        assert "extended-precision recomputation finds degree 60" in str(caught[0].message)


# ---------------------------------------------------------------- the cases


def test_jordan_chain_of_30_states_has_degree_30():
    n = 30
    V = 0.9 * np.eye(n) + np.eye(n, k=1)
    U = np.zeros((n, 1))
    U[-1] = 1
    C = np.zeros((1, n))
    C[0, 0] = 1
    s = LinearSystem(V=V, U=U, C=C)
    res, warned = _run(s)
    assert res == 30 and not warned
    assert mcmillan_degree(s.to_exact()) == 30
    stack = Stack([LinearRNNLayer(U=U, V=V)], C=C)
    assert int(mcmillan_degree(stack)) == 30


def test_degree_never_exceeds_the_state_dimension():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(1, 7))
        s = LinearSystem(V=rng.normal(size=(n, n)), U=rng.normal(size=(n, 2)), C=rng.normal(size=(2, n)))
        res, _ = _run(s)
        assert 0 <= res <= n


def test_diagonally_rescaled_five_state_system():
    """The issue's case: 5 states, degree 3, similarity by diag(1e-10 .. 1e10)."""
    rng = np.random.default_rng(12)
    A, B, C = kalman_form(rng, 3, 1, 1, 0, 1, 1)
    D = np.diag(np.logspace(-10, 10, 5))
    V, U, Cr = transform(A, B, C, D)
    s = LinearSystem(V=V, U=U, C=Cr)
    res, warned = _run(s)
    assert res == 3 and not warned
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericalRankWarning)
        m = minimal_realization(s)
    assert m.widths == (3,)
    M, Mm = markov_parameters(s, 12), markov_parameters(m, 12)
    assert np.abs(M - Mm).max() <= 1e-8 * np.abs(M).max()
    control = pytest.importorskip("control")
    pytest.importorskip("slycot")
    assert control.minreal(control.ss(V, U, Cr, [[0.0]], True), verbose=False).nstates == 3


def test_markov_check_warns_naming_the_relative_error():
    rng = np.random.default_rng(1)
    A, B, C = kalman_form(rng, 4, 0, 0, 0, 1, 1)
    s = LinearSystem(V=A, U=B, C=C)
    # A huge tolerance throws structure away: the Markov check must catch it.
    with pytest.warns(NumericalRankWarning, match="relative error"):
        r = s.mcmillan_degree(rtol=0.5)
    assert r < 4 and r.residual > 1e-6


def test_float_input_defaults_to_numerical_and_agrees_with_minimal_realization():
    s = random_stack([3, 3], 1, kind="linear", seed=4)
    deg = mcmillan_degree(s)
    assert not deg.exact and deg.method == "staircase" and deg.tolerance > 0 and deg.gap is not None
    assert minimal_realization(s).widths[0] == max(int(deg), 1)
    ex = mcmillan_degree(s.to_exact())
    assert ex.exact and ex == deg


# ---------------------------------------------------------------- one rule everywhere


def test_the_rule_for_every_function():
    w = random_wfa(3, 2, seed=0, exact=True)
    wf = w.to_float()
    s = random_stack([2, 1], 1, kind="linear", seed=0, exact=True)
    sf = random_stack([2, 1], 1, kind="linear", seed=0)
    tt = to_tensor_train(w, length=4)
    ttf = tt_cores(tt, exact=False)
    assert hankel_rank(w).exact and not hankel_rank(wf).exact
    assert mcmillan_degree(s).exact and not mcmillan_degree(sf).exact
    assert tt_ranks(tt).exact and not tt_ranks(ttf).exact
    assert wfa_equivalent(w, w).exact and not wfa_equivalent(wf, wf).exact
    assert equivalent(s, s).exact and not equivalent(sf, sf).exact
    # exact= and method= override, in both directions.
    assert hankel_rank(wf, exact=True).exact and not hankel_rank(w, method="numerical").exact
    assert mcmillan_degree(sf, method="exact").exact and not mcmillan_degree(s, exact=False).exact
    assert tt_ranks(ttf, exact=True).exact and not tt_ranks(tt, method="numerical").exact
    assert hankel_rank(w, method="modular").method == "modular"
    # Conflicts are refused, never resolved silently.
    for call in (
        lambda: hankel_rank(w, method="modular", exact=True),
        lambda: hankel_rank(w, method="numerical", exact=True),
        lambda: mcmillan_degree(s, method="exact", exact=False),
        lambda: minimal_realization(s, method="numerical", exact=True),
        lambda: tt_ranks(tt, method="exact", exact=False),
    ):
        with pytest.raises(ConflictingArgumentsError):
            call()


# ---------------------------------------------------------------- rescaling


@pytest.mark.parametrize("factor", [1e300, 1e-300])
def test_mcmillan_degree_is_scale_free(factor):
    rng = np.random.default_rng(2)
    A, B, C = kalman_form(rng, 3, 2, 1, 1, 1, 1)
    base, _ = _run(LinearSystem(V=A, U=B, C=C))
    for V, U, Cc in ((A, B * factor, C), (A, B, C * factor), (A * factor, B, C), (A * factor, B * factor, C)):
        res, warned = _run(LinearSystem(V=V, U=U, C=Cc))
        assert res == base == 3 or warned


def test_mcmillan_degree_with_entries_spread_over_the_float64_range():
    """Scales that no single factor per matrix can fix (entries 1e-200 and 1e200 in one matrix, a coupling
    of 1e-200 on the only path from input to output): the balancing's exponents are added before anything
    is computed, so nothing underflows, and the exact degree comes out without a warning."""
    systems = [
        LinearSystem(V=np.diag([0.1, 1.0, 10.0]), U=[[1e-200], [1.0], [1e200]], C=[[1e200, 1.0, 1e-200]]),
        LinearSystem(V=[[0.5, 1e-200], [0.0, 0.3]], U=[[0.0], [1.0]], C=[[1.0, 0.0]]),
        LinearSystem(V=[[0.5, 1e-20], [0.0, 0.3]], U=[[0.0], [1.0]], C=[[1.0, 0.0]]),
    ]
    for s in systems:
        res, warned = _run(s)
        assert res == mcmillan_degree(s.to_exact()) and not warned
        m = s.minimal()
        M, Mm = (x.to_exact().markov_parameters(6) for x in (s, m))
        top = max(abs(v) for v in M.ravel())
        assert max(abs(a - b) for a, b in zip(M.ravel(), Mm.ravel())) <= 1e-12 * top


@pytest.mark.parametrize("factor", [1e300, 1e-300])
def test_hankel_rank_is_scale_free(factor):
    w = random_wfa(4, 2, seed=0, exact=True).to_float()
    base = hankel_rank(w)
    for scaled in (WFA(np.asarray(w.alpha) * factor, w.A, w.omega),
                   WFA(w.alpha, np.asarray(w.A) * factor, w.omega),
                   WFA(np.asarray(w.alpha) * factor, np.asarray(w.A) * factor, np.asarray(w.omega) * factor)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = hankel_rank(scaled)
        assert res == base == 4 or any(issubclass(c.category, NumericalRankWarning) for c in caught)


def test_tt_ranks_with_huge_entries_are_not_zero():
    """The issue's [1, 0, 0, 0, 1] with 'min gap=inf' on an entry of 1e308."""
    tt = to_tensor_train(random_wfa(2, 2, seed=1, exact=True), length=4)
    exact = tt_ranks(tt).ranks
    cores = tt_cores(tt, exact=False)
    for factor in (1e308 / max(np.abs(cores[1]).max(), 1.0), 1e-300):
        scaled = [c * factor if i == 1 else c for i, c in enumerate(cores)]
        assert tt_ranks(scaled).ranks == exact


# ---------------------------------------------------------------- float equivalence threshold


def _one_state(a, x, o):
    return WFA([a], [[[x]]], [o])


@pytest.mark.parametrize("rtol", [1e-10, 1e-6])
def test_wfa_equivalence_threshold_just_above_and_below(rtol):
    # f_a(()) - f_b(()) = -delta against the threshold rtol * (0 + 1) * (1 + 1 + delta).
    a = _one_state(1.0, 0.7, 1.0)
    assert not wfa_equivalent(a, _one_state(1.0, 0.7, 1.0 + 3 * rtol), rtol=rtol).equivalent
    assert wfa_equivalent(a, _one_state(1.0, 0.7, 1.0 + 1.5 * rtol), rtol=rtol).equivalent
    # The 1e-9 relative perturbation is detected at the default threshold.
    assert not wfa_equivalent(a, _one_state(1.0, 0.7, 1.0 + 1e-9)).equivalent


def test_wfa_equivalence_threshold_scales_with_the_norms():
    # The same relative perturbation at any scale of the weights: the same answer.
    for scale in (1e-200, 1.0, 1e200):
        a = _one_state(scale, 0.7, 1.0)
        assert not wfa_equivalent(a, _one_state(scale * (1 + 3e-10), 0.7, 1.0)).equivalent
        assert wfa_equivalent(a, _one_state(scale * (1 + 1e-10), 0.7, 1.0)).equivalent


def test_wfa_equivalence_threshold_scales_with_the_word_length():
    # Two states: f_b differs from f_a only on words of length >= 1, by delta * |f|.
    a = WFA([1.0, 0.0], [[[0.5, 0.5]], [[0.0, 0.5]]], [1.0, 1.0])

    def b(delta):
        return WFA([1.0, 0.0], [[[0.5, 0.5 * (1 + delta)]], [[0.0, 0.5]]], [1.0, 1.0])
    # On the word (0,), f = 0.5 + 0.5 (1 + delta); S_a + S_b = 2 + delta/2; threshold 2 rtol (2 + ...).
    assert not wfa_equivalent(a, b(1e-8)).equivalent
    res = wfa_equivalent(a, b(1e-11))
    assert res.equivalent and res.tolerance == 1e-10


def test_linear_system_equivalence_threshold():
    one = Stack([LinearRNNLayer(U=[[1.0]], V=[[0.5]])], C=[[1.0]])
    for delta, same in ((3e-10, False), (1e-10, True)):
        other = Stack([LinearRNNLayer(U=[[1.0 + delta]], V=[[0.5]])], C=[[1.0]])
        assert equivalent(one, other).equivalent is same
    big = Stack([LinearRNNLayer(U=[[1e150]], V=[[0.5]])], C=[[1e150]])
    assert not equivalent(big, Stack([LinearRNNLayer(U=[[1e150 * (1 + 3e-10)]], V=[[0.5]])], C=[[1e150]])).equivalent


# ---------------------------------------------------------------- RankResult as an int


def test_rank_result_behaves_as_an_int():
    r = exact_rank([[1, 2], [2, 4], [0, 1]])
    assert int(r) == 2 and operator.index(r) == 2 and float(r) == 2.0 and bool(r)
    assert r == 2 and r != 3 and 1 < r < 3 and r >= 2 and r <= 2 and 2 == r
    assert list(range(r)) == [0, 1] and [0] * r == [0, 0] and hash(r) == hash(2)
    assert {r: "two"}[2] == "two" and r.exact and r.method  # the evidence stays
    zero = exact_rank([[0]])
    assert not zero and zero == 0
    assert r != "2" and r != 2.5
    numerical = RankResult(2, False, "svd", (3, 2), tolerance=1e-12, gap=1e9)
    assert numerical == r and numerical.gap == 1e9
    with pytest.raises(TypeError):
        r < "3"  # noqa: B015
    assert int(mcmillan_degree(Stack([LinearRNNLayer(U=[[1]], V=[["1/2"]])], C=[[1]]))) == 1
    assert Fraction(int(r)) == 2


# ---------------------------------------------------------------- the command line follows the rule


def test_cli_numerical_defaults_follow_the_file(tmp_path, capsys):
    import json

    from rnnexpr.cli import main
    from rnnexpr.io import save

    exact = random_wfa(3, 2, seed=0, exact=True)
    save(exact, tmp_path / "exact.json")
    save(exact.to_float(), tmp_path / "float.json")
    assert main(["hankel-rank", str(tmp_path / "exact.json"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["exact"] is True and out["rank"] == 3
    assert main(["hankel-rank", str(tmp_path / "float.json"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["exact"] is False and out["rank"] == 3 and out["tolerance"] > 0 and out["gap"] is not None
    assert main(["hankel-rank", str(tmp_path / "float.json"), "--exact", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["exact"] is True
    # The case: an exact WFA of rank 3 on a long block gets its exact rank by default.
    assert main(["hankel-rank", str(tmp_path / "exact.json"), "--max-length", "12", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rank"] == 3 and out["exact"] is True
    assert main(["tt-ranks", str(tmp_path / "exact.json"), "--length", "4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["exact"] is True


def test_cli_prints_a_warning_line_when_the_gap_is_unclear(tmp_path, capsys):
    from rnnexpr.cli import main
    from rnnexpr.io import save

    # Two states whose weights differ by 1e-11: numerically ambiguous at the tolerance.
    save(WFA([1.0, 1.0], [[[0.5, 0.0]], [[0.0, 0.5 + 1e-11]]], [1.0, -1.0]), tmp_path / "w.json")
    assert main(["hankel-rank", str(tmp_path / "w.json")]) == 0
    captured = capsys.readouterr()
    assert "Hankel rank" in captured.out and "numerical" in captured.out
    assert any(line.startswith("warning: ") for line in captured.err.splitlines())


def test_cli_tt_ranks_with_an_entry_of_1e308(tmp_path, capsys):
    """The issue's `tt-ranks --numerical` printing [1, 0, 0, 0, 1] with 'min gap=inf'."""
    import json

    from rnnexpr.cli import main
    from rnnexpr.io import save

    w = random_wfa(2, 2, seed=1, exact=True).to_float()
    alpha = np.asarray(w.alpha).copy()
    alpha[0] = 1e308
    big = WFA(alpha, np.asarray(w.A) * 0.5, np.asarray(w.omega) * 0.5)
    save(big, tmp_path / "big.json")
    assert main(["tt-ranks", str(tmp_path / "big.json"), "--length", "4", "--numerical", "--json"]) == 0
    numerical = json.loads(capsys.readouterr().out)["ranks"]
    assert main(["tt-ranks", str(tmp_path / "big.json"), "--length", "4", "--exact", "--json"]) == 0
    assert numerical == json.loads(capsys.readouterr().out)["ranks"] == [1, 2, 2, 2, 1]
