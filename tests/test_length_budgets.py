"""Length budgets of degree() and equivalent() from Python, and the rank-profile table's proven marks.

The library functions check their length arguments against rnnexpr.limits themselves (the
command line relies on the same check): a hostile length is refused before any computation,
a length inside the budget gives the answer of an independent brute force, and the
RNNEXPR_LIMITS / budget() overrides move the bound.
"""

from __future__ import annotations

import itertools
import json
from fractions import Fraction

import numpy as np
import pytest

import rnnexpr
from rnnexpr import InvalidArgumentError, InvalidTypeError, SizeLimitError, random_stack, random_wfa
from rnnexpr import equivalence, polydegree
from rnnexpr.cli import main
from rnnexpr.growth import generic_stack
from rnnexpr.io import save
from rnnexpr.limits import DEFAULT_LIMITS, budget
from rnnexpr.polydegree import degree, degree_bound, degree_upper_bounds

from .oracles import line_degree_oracle, literal_stack_outputs, literal_word_value


@pytest.fixture()
def no_computation(monkeypatch):
    """Make every computing step fail loudly: a check that passes is then seen to be too late."""

    def forbidden(*args, **kwargs):
        raise AssertionError("computation started before the budget check")

    for name in ("_as_net", "_bounds", "_symbolic", "_modular"):
        monkeypatch.setattr(polydegree, name, forbidden)
    for name in ("homogeneous_parameters", "_graded_difference_witness", "wfa_equivalent", "_lti_equivalent"):
        monkeypatch.setattr(equivalence, name, forbidden)


# ---------------------------------------------------------------- degree


def _one_line(exc: BaseException) -> str:
    message = str(exc)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("function", [degree, degree_upper_bounds])
def test_hostile_lengths_are_refused_before_any_computation(function, no_computation):
    stack = random_stack([2, 2], input_dim=1, seed=0, exact=True)
    with pytest.raises(SizeLimitError) as info:
        function(stack, 10**9)
    assert _one_line(info.value) == (
        "length: 1000000000 exceeds the limit 100000 (budget 'length': raise it with rnnexpr.limits.budget, "
        "RNNEXPR_LIMITS or --limit length=N)")
    with pytest.raises(SizeLimitError, match=r"^length: a number of about 100 digits exceeds the limit 100000"):
        function(stack, 10**100)
    # Inside the length budget, but the degree bounds alone would take 2 T^2 L = 3.6e7 steps.
    with pytest.raises(SizeLimitError) as info:
        function(stack, 3000)
    assert _one_line(info.value).startswith(
        "length: the degree at T=3000 of a depth-2 stack: estimated steps: 36000000 exceeds the limit 30000000 "
        "(budget 'work'")
    with pytest.raises(InvalidArgumentError, match=r"^length: expected an integer >= 1, got 0"):
        function(stack, 0)
    with pytest.raises(InvalidTypeError, match=r"^length"):
        function(stack, 4.0)


def test_degree_inside_the_budget_matches_a_literal_line_oracle():
    # Independent of polydegree: exact finite differences of the literal recurrence on random lines,
    # moving every input (total degree) or one input x_t (degree in x_t).
    stack = random_stack([2, 2], input_dim=2, seed=4, exact=True, with_initial_state=True)
    T = 4
    rng = np.random.default_rng(0)
    a = [[Fraction(int(v), 3) for v in row] for row in rng.integers(-4, 5, size=(T, 2))]
    b = [[Fraction(int(v), 2) for v in row] for row in rng.integers(1, 5, size=(T, 2))]

    def y(xs):
        return literal_stack_outputs(stack, xs)[-1][0]

    bound = degree_bound(T, 2)
    total = line_degree_oracle(y, a, b, bound)
    per = tuple(line_degree_oracle(y, a, [row if s == t else [0, 0] for s, row in enumerate(b)], bound)
                for t in range(T))
    for method in ("symbolic", "modular"):
        res = degree(stack, T, method=method)
        assert (res.total, res.per_input) == (total, per) == (10, (4, 3, 2, 1)), method
        assert res.certified and res.length == T


def test_the_environment_lowers_and_budget_raises_the_degree_budgets(monkeypatch):
    stack = random_stack([2, 2], input_dim=1, seed=0, exact=True)
    expected = degree(stack, 6)
    monkeypatch.setenv("RNNEXPR_LIMITS", "length=5")
    with pytest.raises(SizeLimitError, match=r"^length: 6 exceeds the limit 5 \(budget 'length'"):
        degree(stack, 6)
    with budget(length=6):
        assert degree(stack, 6) == expected
    monkeypatch.setenv("RNNEXPR_LIMITS", "work=100")  # 2 * 6^2 * 2 = 144 steps
    with pytest.raises(SizeLimitError, match=r"^length: the degree at T=6 of a depth-2 stack: estimated steps: 144"):
        degree(stack, 6)
    with budget(work=144):
        assert degree(stack, 6) == expected


# ---------------------------------------------------------------- equivalent


def test_hostile_max_lengths_are_refused_before_any_computation(no_computation):
    deep = random_stack([2, 2], 2, seed=3, exact=True)
    with pytest.raises(SizeLimitError) as info:
        rnnexpr.equivalent(deep, deep, max_length=10**6)
    assert _one_line(info.value) == (
        "max_length: 1000000 exceeds the limit 100000 (budget 'length': raise it with rnnexpr.limits.budget, "
        "RNNEXPR_LIMITS or --limit length=N)")
    # Within the length budget: 2^21 - 1 words of length <= 20 over two letters.
    with pytest.raises(SizeLimitError, match=r"^max_length: there are more than 1000000 words of length <= 20 "
                                             r"over 2 symbols, the limit \(budget 'words'"):
        rnnexpr.equivalent(deep, deep, max_length=20)
    # On one letter the words are few, but every length up to 99999 would be compared level by level.
    unary = generic_stack([1, 1], 1, seed=0)
    with pytest.raises(SizeLimitError) as info:
        rnnexpr.equivalent(unary, unary, max_length=99_999)
    message = _one_line(info.value)
    assert message.startswith("max_length: comparing the models on every length <= 99999, level by level (levels <=")
    assert "estimated steps" in message and "exceeds the limit 30000000 (budget 'work'" in message
    # A max_length given for models that do not need it is checked too (WFAs; real inputs: the length budget).
    wfa = random_wfa(2, 2, seed=0, exact=True)
    with pytest.raises(SizeLimitError, match=r"^max_length: there are more than 1000000 words"):
        rnnexpr.equivalent(wfa, wfa, max_length=20)
    with pytest.raises(SizeLimitError, match=r"^max_length: 1000000 exceeds the limit 100000"):
        rnnexpr.equivalent(deep, deep, inputs="real", max_length=10**6)
    with pytest.raises(InvalidArgumentError, match=r"^max_length: expected an integer >= 0, got -1"):
        rnnexpr.equivalent(deep, deep, max_length=-1)


def _brute_force_equivalent(a, b, max_length):
    """(equivalent, length of a shortest word on which they differ), by the literal recurrence on every word."""
    for k in range(max_length + 1):
        for w in itertools.product(range(a.alphabet_size), repeat=k):
            if literal_word_value(a, list(w)) != literal_word_value(b, list(w)):
                return False, k
    return True, None


@pytest.mark.parametrize("seeds", [(3, 3), (3, 4), (5, 6)])
def test_equivalent_inside_the_budget_matches_the_brute_force(seeds):
    a = random_stack([2, 2], 2, seed=seeds[0], exact=True)
    b = random_stack([2, 2], 2, seed=seeds[1], exact=True)
    K = 3
    res = rnnexpr.equivalent(a, b, max_length=K)
    same, first = _brute_force_equivalent(a, b, K)
    assert res.equivalent is same and res.exact and same is (seeds[0] == seeds[1])
    if not same:
        assert len(res.witness) == first
        assert literal_word_value(a, list(res.witness)) != literal_word_value(b, list(res.witness))


def test_equivalent_finds_a_difference_that_starts_at_length_two():
    # b: a with the first layer's recurrence A and initial state negated.  In a pure stack h^1_t is
    # of degree t in A and 1 in h0, so it gets the sign (-1)^(t+1), and y_T, linear in each of
    # h^1_1..h^1_T, the sign (-1)^(T(T+1)/2 + T): + for T = 0, 1 and - for T = 2.
    a = random_stack([2, 2], 2, seed=7, exact=True, kind="pure", with_initial_state=True)
    first = a.layers[0]
    negated = type(first)(A=-np.array(first.A, dtype=object), h0=-np.array(first.h0, dtype=object))
    b = type(a)((negated, *a.layers[1:]), np.array(a.C, dtype=object), a.c)
    assert _brute_force_equivalent(a, b, 3) == (False, 2)
    assert rnnexpr.equivalent(a, b, max_length=1).equivalent
    res = rnnexpr.equivalent(a, b, max_length=3)
    assert not res.equivalent and len(res.witness) == 2 and "length <= 3" in res.scope
    assert literal_word_value(a, list(res.witness)) != literal_word_value(b, list(res.witness))


def test_the_environment_lowers_and_budget_raises_the_equivalence_budgets(monkeypatch):
    a = random_stack([2, 2], 2, seed=3, exact=True)
    monkeypatch.setenv("RNNEXPR_LIMITS", "words=10")
    with pytest.raises(SizeLimitError, match=r"^max_length: there are more than 10 words of length <= 3"):
        rnnexpr.equivalent(a, a, max_length=3)
    with budget(words=15):
        assert rnnexpr.equivalent(a, a, max_length=3).equivalent
    monkeypatch.setenv("RNNEXPR_LIMITS", "work=1000")
    with pytest.raises(SizeLimitError, match=r"^max_length: comparing the models on every length <= 3"):
        rnnexpr.equivalent(a, a, max_length=3)
    with budget(work=DEFAULT_LIMITS.work):
        assert rnnexpr.equivalent(a, a, max_length=3).equivalent


def test_kept_vector_count_is_the_literal_sum():
    for n, d, R in itertools.product(range(-1, 10), (1, 2, 3, 5), (0, 1, 2, 7, 30, 1000)):
        assert equivalence._kept_sum(n, d, R) == sum(min(d**t, R) for t in range(n + 1)), (n, d, R)


# ---------------------------------------------------------------- the command line uses the library's checks


def test_command_line_reports_the_library_checks_with_option_names(tmp_path, capsys):
    path = str(save(generic_stack([1, 1], 1, seed=0), tmp_path / "unary.json"))
    assert main(["equivalent", path, path, "--max-length", "99999"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rnnexpr equivalent: error: --max-length: comparing the models on every length <= 99999")
    assert len(err.splitlines()) == 1 and "budget 'work'" in err
    assert main(["--limit", "work=1000", "degree", path, "--length", "30"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("rnnexpr degree: error: --length: the degree at T=30 of a depth-2 stack: estimated steps: 3600 "
                   "exceeds the limit 1000 (budget 'work': raise it with rnnexpr.limits.budget, RNNEXPR_LIMITS or "
                   "--limit work=N)")
    assert main(["equivalent", path, path, "--max-length", "6"]) == 0
    assert "equivalent (scope: all words of length <= 6; exact)" in capsys.readouterr().out


# ---------------------------------------------------------------- rank-profile: which ranks are proven


def _profile_table(out: str, K: int) -> tuple[list[list[str]], str]:
    """The rows (m, rank cell) of a K-profile and the legend below them."""
    lines = out.splitlines()
    assert lines[0].startswith("max length m") and set(lines[1]) <= {"-", " "}
    return [line.split() for line in lines[2:K + 3]], " ".join(lines[K + 3:])


def test_rank_profile_table_all_proven(tmp_path, capsys):
    path = str(save(generic_stack([2, 2, 2], 2, seed=0), tmp_path / "full.json"))
    assert main(["rank-profile", path, "--max-length", "4", "--method", "modular"]) == 0
    out = capsys.readouterr().out
    # Every block is full (rank = number of words): proven, so no mark.
    assert _profile_table(out, 4) == ([[str(k), str(2 ** (k + 1) - 1)] for k in range(5)], "proven over Q")
    assert main(["rank-profile", path, "--max-length", "4", "--exact"]) == 0
    out = capsys.readouterr().out
    assert "(exact over Q)" in out.splitlines()[0] and _profile_table(out, 4)[1] == "proven over Q"


def test_rank_profile_table_marks_the_lower_bounds_like_growth(tmp_path, capsys):
    stack = generic_stack([2, 2], 2, seed=0)
    path = str(save(stack, tmp_path / "deep.json"))
    assert main(["rank-profile", path, "--max-length", "6", "--method", "modular"]) == 0
    out = capsys.readouterr().out
    rows, legend = _profile_table(out, 6)
    # 25, 37, 51 are below min(words, r_k) = 31, 63, 84: lower bounds mod p, marked as growth marks them.
    assert rows == [["0", "1"], ["1", "3"], ["2", "7"], ["3", "15"], ["4", "25*"], ["5", "37*"], ["6", "51*"]]
    assert legend.startswith("4 of 7 ranks proven, the others (*) lower bounds mod p=")
    assert "exact except with probability <=" in legend
    assert all(len(line) <= 100 for line in out.splitlines())
    # growth's table of the same stack carries the same marks.
    assert main(["growth", path, "--max-length", "6"]) == 0
    growth_rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:8]]
    assert [r[2] for r in growth_rows] == [r[1] for r in rows]
    # The exact method proves the same numbers (brute force of these blocks: tests/test_growth.py).
    assert main(["rank-profile", path, "--max-length", "5", "--exact"]) == 0
    assert [r[1] for r in _profile_table(capsys.readouterr().out, 5)[0]] == ["1", "3", "7", "15", "25", "37"]
    # --json carries the per-rank flags with their bounds and error probability.
    assert main(["rank-profile", path, "--max-length", "6", "--method", "modular", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["proven"] == [True] * 4 + [False] * 3
    assert data["ranks"] == [1, 3, 7, 15, 25, 37, 51] and data["upper_bounds"][4:] == [31, 63, 84]
    assert 0 < data["error_probability"] < 1e-3


def test_hankel_rank_block_says_whether_its_rank_is_proven(tmp_path, capsys):
    path = str(save(generic_stack([2, 2], 2, seed=0), tmp_path / "deep.json"))
    assert main(["hankel-rank", path, "--max-length", "3", "--method", "modular"]) == 0
    assert capsys.readouterr().out.strip().endswith(", proven over Q)")
    assert main(["hankel-rank", path, "--max-length", "6", "--method", "modular"]) == 0
    assert ", a lower bound, exact except with probability <=" in capsys.readouterr().out


def test_numerical_profiles_are_not_marked_as_lower_bounds(tmp_path, capsys):
    path = str(save(generic_stack([2, 2], 2, seed=0).to_float(), tmp_path / "float.json"))
    assert main(["rank-profile", path, "--max-length", "3"]) == 0
    captured = capsys.readouterr()
    rows, legend = _profile_table(captured.out, 3)
    assert all(not r[1].endswith("*") for r in rows) and "numerical" in captured.out.splitlines()[0]
    assert legend.startswith("none of the 4 ranks proven: numerical")
