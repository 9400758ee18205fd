"""One vocabulary and one recurrence (issue 13): the conventions of CONTRIBUTING.md, checked.

* options after the model are keyword-only, and no public function swallows a
  misspelt option through ``**options``;
* renamed parameters (``max_len``, ``k``, ``T``) keep working for one release,
  with a DeprecationWarning, and mean exactly what the new names mean;
* every model kind has ``alphabet_size``;
* the one network recurrence (:func:`rnnexpr.models.run_recurrence`) agrees with
  a literal, independent evaluation for every block size and every ``keep``, and
  its other arithmetics (degree bounds, residues mod p) agree with exact
  evaluation.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnexpr
from rnnexpr.errors import ConflictingArgumentsError, InvalidTypeError
from rnnexpr.models import (
    WFA,
    Arithmetic,
    ArrayArithmetic,
    DepthwiseStack,
    LinearRNNLayer,
    Stack,
    random_array,
    random_depthwise_stack,
    random_generator,
    random_stack,
    random_wfa,
    run_recurrence,
)
from rnnexpr.theorems import THEOREMS, verify_all
from rnnexpr.validation import deprecated_positional, renamed_parameter

from .oracles import literal_stack_outputs, literal_wfa_value

# ---------------------------------------------------------------- the public functions


def _public_callables():
    """(qualified name, function) for every public function and method of the package."""
    names = ["rnnexpr"] + [m.name for m in pkgutil.walk_packages(rnnexpr.__path__, "rnnexpr.")
                           if not any(p.startswith("_") for p in m.name.split("."))
                           and not m.name.startswith("rnnexpr.experiments")]
    seen, out = set(), []
    for modname in names:
        try:
            module = importlib.import_module(modname)
        except ImportError:  # an optional dependency (torch) is missing
            continue
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            funcs = []
            if inspect.isfunction(obj):
                funcs.append((f"{obj.__module__}.{obj.__qualname__}", obj))
            elif inspect.isclass(obj) and obj.__module__.startswith("rnnexpr"):
                for attr, value in vars(obj).items():
                    if isinstance(value, staticmethod | classmethod):
                        value = value.__func__
                    if inspect.isfunction(value) and (not attr.startswith("_") or attr == "__call__"):
                        funcs.append((f"{obj.__module__}.{obj.__qualname__}.{attr}", value))
            for qual, f in funcs:
                if qual not in seen:
                    seen.add(qual)
                    out.append((qual, f))
    return out


#: ``**kwargs`` that cannot swallow a typo: each forwards to a callee that refuses unknown names.
VAR_KEYWORD_ALLOWED = {
    "rnnexpr.limits.budget",               # named budgets; an unknown name is refused (tested below)
    "rnnexpr.growth.RankGrowth.to_json",   # json.dumps options; json.dumps refuses unknown ones
}


def test_no_public_function_swallows_options():
    catch_alls = sorted(q for q, f in _public_callables()
                        if any(p.kind is p.VAR_KEYWORD for p in inspect.signature(f).parameters.values()))
    assert set(catch_alls) <= VAR_KEYWORD_ALLOWED, f"**options catch-alls: {sorted(set(catch_alls) - VAR_KEYWORD_ALLOWED)}"


#: Optional parameters that stay positional by design: the thing a call is about, not an option of it.
POSITIONAL_BY_DESIGN = {
    # the model or the data, optional only because a default instance exists
    "rnnexpr.constructions.collapse_linear_feedforward": ["biases"],
    "rnnexpr.constructions.dfa_stack": ["transitions"],
    "rnnexpr.constructions.product_witness": ["length"],
    "rnnexpr.constructions.random_depth2_witness": ["seed"],
    "rnnexpr.fields.random_prime": ["seed"],
    "rnnexpr.models.random_generator": ["seed"],
    "rnnexpr.hankel.HankelCertificate.check": ["model"],
    "rnnexpr.hankel.hankel_certificate": ["prefixes", "suffixes"],
    "rnnexpr.spectral.hankel_blocks": ["prefixes", "suffixes"],
    "rnnexpr.spectral.spectral_learn": ["num_states"],
    "rnnexpr.extraction.as_word_function": ["alphabet_size"],
    "rnnexpr.growth.generic_stack": ["alphabet_size"],
    "rnnexpr.fields.RationalField.restrict": ["rows"],   # a second matrix (data), not an option
    "rnnexpr.exact.matrix_rank": ["method"],
    "rnnexpr.theorems.verify_all": ["theorems"],
    **{f"rnnexpr.theorems.{m}.verify_T{i}": ["instance"] for i, m in enumerate(
        ["t0_feedforward", "t1_collapse", "t2_memory", "t3_wfa", "t4_degree", "t5_no_collapse", "t6_multiplicative"])},
    # validators: (value, name, ...) like rnnexpr.validation.check_int
    "rnnexpr.models.check_word": ["name"],
    "rnnexpr.models.check_words": ["name"],
    "rnnexpr.numbers.as_array": ["ndim", "exact"],
    "rnnexpr.numbers.from_json_array": ["ndim"],
    "rnnexpr.numbers.to_exact_array": ["name"],
    "rnnexpr.numbers.to_float_array": ["name"],
    "rnnexpr.numbers.to_fraction": ["name"],
    "rnnexpr.io.read_json": ["name"],
    "rnnexpr.wfa.as_wfa": ["name"],
    "rnnexpr.validation.check_seed": ["name"],
    "rnnexpr.validation.check_tolerance": ["name"],
    "rnnexpr.validation.resolve_method": ["method", "exact"],
    # the inner step of the recurrence (run_recurrence's hot loop), not an entry point
    "rnnexpr.models.Linear2RNNLayer.step_batch": ["drive"],
}

#: Options still positional today (issue 13): this list may only shrink.
POSITIONAL_OPTIONS_TO_FIX: dict[str, list[str]] = {}


def _positional_options() -> dict[str, list[str]]:
    out = {}
    for q, f in _public_callables():
        params = [p for p in inspect.signature(f).parameters.values() if p.name not in ("self", "cls")]
        names = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is not p.empty]
        if names:
            out[q] = names
    return out


def test_options_after_the_model_are_keyword_only():
    found = _positional_options()
    new = {q: v for q, v in found.items()
           if v != POSITIONAL_BY_DESIGN.get(q) and v != POSITIONAL_OPTIONS_TO_FIX.get(q)}
    assert not new, ("options given positionally (put them after `*`, with @deprecated_positional from "
                     f"rnnexpr.validation for one release): {new}")


def test_positional_options_to_fix_only_shrink():
    found = _positional_options()
    fixed = sorted(q for q, v in POSITIONAL_OPTIONS_TO_FIX.items() if found.get(q) != v and q in found or
                   q not in found and not q.startswith("rnnexpr.torch"))
    assert not fixed, f"these are keyword-only now: remove them from POSITIONAL_OPTIONS_TO_FIX: {fixed}"


def test_the_allowed_var_keywords_still_refuse_a_typo():
    limits = pytest.importorskip("rnnexpr.limits")
    with pytest.raises((TypeError, ValueError)), limits.budget(lenght=3):
        pass


@pytest.mark.parametrize("name", sorted(THEOREMS))
def test_every_verifier_refuses_a_misspelt_option(name):
    # verify_T1(widht=(9, 9, 9), qiuck=True) used to succeed on the default widths.
    verify = THEOREMS[name].verify
    with pytest.raises(TypeError, match="qiuck"):
        verify(qiuck=True)
    params = inspect.signature(verify).parameters
    assert "quick" in params and params["quick"].kind is inspect.Parameter.KEYWORD_ONLY
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for n, p in params.items() if n != "instance")


def test_verify_all_passes_quick_to_every_verifier():
    certs = verify_all(["T0", "T1"], quick=True)
    assert [c.theorem for c in certs] == ["T0", "T1"] and all(c.holds and c.check() for c in certs)


@pytest.mark.parametrize("call", [
    lambda: random_stack([2], 1, 1),
    lambda: random_wfa(2, 2, 3),
    lambda: random_stack([2], 1, seed=0).values([[0]], True),
])
def test_options_by_position_warn_then_work(call):
    with pytest.warns(DeprecationWarning, match="by position"):
        call()


def test_options_by_position_mean_the_same_as_by_keyword():
    with pytest.warns(DeprecationWarning):
        old = random_stack([2, 3], 2, 1, "pure", 5, True)
    new = random_stack([2, 3], 2, output_dim=1, kind="pure", seed=5, exact=True)
    words = [[], [1], [0, 1, 1]]
    assert list(old.values(words, exact=True)) == list(new.values(words, exact=True))


# ---------------------------------------------------------------- renamed parameters


def test_the_shared_decorators_warn_at_the_caller_and_forward():
    @renamed_parameter("max_len", "max_length")
    @deprecated_positional
    def f(a, *, max_length=1, other=2):
        return a, max_length, other

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert f(1, max_len=5) == (1, 5, 2)
        assert f(1, 7, 8) == (1, 7, 8)
    assert [w.category for w in caught] == [DeprecationWarning] * 2
    assert all(w.filename == __file__ for w in caught)  # the caller's line, not the wrapper's
    with pytest.raises(ConflictingArgumentsError):
        f(1, max_len=5, max_length=6)
    with pytest.raises(TypeError):
        f(1, 2, 3, 4)
    assert str(inspect.signature(f)) == "(a, *, max_length=1, other=2)"


def test_max_len_still_means_max_length():
    from rnnexpr.hankel import hankel_certificate, rank_profile

    s = random_stack([2, 2], 2, kind="pure", seed=0, exact=True)
    with pytest.warns(DeprecationWarning, match="max_len"):
        old = rank_profile(s, max_len=3)
    assert old.ranks == rank_profile(s, max_length=3).ranks == [1, 3, 7, 15]
    with pytest.warns(DeprecationWarning, match="max_len"):
        c_old = hankel_certificate(s, max_len=2)
    assert c_old.rank == hankel_certificate(s, max_length=2).rank == 7


def test_k_still_means_count_for_markov_parameters():
    from rnnexpr.linear_systems import markov_parameters

    s = random_stack([2], 1, kind="linear", seed=1, exact=True)
    with pytest.warns(DeprecationWarning, match="'k'"):
        old = markov_parameters(s, k=4)
    assert np.array_equal(old, markov_parameters(s, count=4))


# ---------------------------------------------------------------- one property, every model kind


def test_every_model_kind_has_alphabet_size():
    models = [random_wfa(2, 3, seed=0, exact=True), random_stack([2, 2], 3, seed=0, exact=True),
              random_depthwise_stack([2, 2], 3, activation=[0, 1, 1], seed=0, exact=True)]
    words = [[], [2], [0, 1, 2, 2]]
    for m in models:
        assert m.alphabet_size == 3
        assert len(m.values(words, exact=True)) == 3
        with pytest.raises(ValueError):
            m([3])


def test_depthwise_to_float_is_the_same_function():
    s = random_depthwise_stack([2, 3], 2, activation=[1, "1/2", 1], seed=3, exact=True, readout_activation=True)
    f = s.to_float()
    assert not f.is_exact and f.activation == s.activation and f.readout_activation
    words = [[0, 1, 1], [1, 0], []]
    np.testing.assert_allclose(f.values(words), [float(v) for v in s.values(words, exact=True)], rtol=1e-12)
    # Dyadic parameters survive the round trip exactly.
    d = DepthwiseStack([LinearRNNLayer(U=[["1/2"]], V=[["1/4"]])], C=[[2]], activation="relu")
    assert d.to_float().to_exact().layers[0].V[0, 0] == Fraction(1, 4)


# ---------------------------------------------------------------- public random helpers


def test_random_array_draws_within_its_bounds_and_streams():
    a = random_array((50, 4), seed=7, exact=True, max_numerator=2, max_denominator=3)
    assert all(isinstance(v, Fraction) and abs(v.numerator) <= 2 and 1 <= v.denominator <= 3 for v in a.ravel())
    assert np.array_equal(a, random_array((50, 4), seed=7, exact=True, max_numerator=2, max_denominator=3))
    g = random_generator(7)
    first, second = random_array(5, seed=g), random_array(5, seed=g)
    assert not np.array_equal(first, second)  # one stream, two draws
    assert np.array_equal(first, random_array(5, seed=7))
    with pytest.raises(InvalidTypeError):
        random_generator(1.5)
    with pytest.raises(ValueError):
        random_generator(-1)


# ---------------------------------------------------------------- the one recurrence


class _Blocked(ArrayArithmetic):
    """Exact batches, in blocks of a chosen number of steps."""

    def __init__(self, size, activation=None):
        super().__init__(exact=True, activation=activation)
        self.size = size

    def block(self, widths):
        return self.size


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), T=st.integers(0, 7), size=st.integers(1, 8),
       widths=st.lists(st.integers(1, 3), min_size=1, max_size=3), kind=st.sampled_from(["2rnn", "pure", "linear"]))
def test_run_recurrence_matches_a_literal_evaluation(seed, T, size, widths, kind):
    s = random_stack(widths, 2, kind=kind, seed=seed, exact=True, with_initial_state=True)
    rng = np.random.default_rng(seed)
    xs = [[Fraction(int(p), int(q)) for p, q in zip(rng.integers(-3, 4, 2), rng.integers(1, 4, 2))] for _ in range(T)]
    x = np.array(xs, dtype=object).reshape(T, 1, 2)
    oracle = literal_stack_outputs(s, xs)
    C = s.C
    everything = run_recurrence(s.layers, x, _Blocked(size), keep="all")
    assert [seq.shape for seq in everything] == [(T + 1, 1, n) for n in widths]
    last = run_recurrence(s.layers, x, _Blocked(size), keep="last")
    assert np.array_equal(last, everything[-1][-1])
    if T:
        top = run_recurrence(s.layers, x, _Blocked(size), keep="top")[0]
        assert np.array_equal(top, everything[-1][1:])
        ys = [list(h[0] @ C.T + (0 if s.c is None else s.c)) for h in top]
        assert ys == oracle
    assert s.run(np.array(xs, dtype=object).reshape(T, 2), exact=True).tolist() == oracle


def test_run_recurrence_with_an_activation_matches_the_literal_evaluation():
    s = random_depthwise_stack([2, 2, 1], 1, activation=[1, 0, "1/3"], seed=2, exact=True, readout_activation=True)
    xs = [[Fraction(1, 2)], [Fraction(-2)], [Fraction(3)]]
    sigma = lambda v: 1 + v * v / 3  # noqa: E731
    assert s.run(xs, exact=True).tolist() == literal_stack_outputs(s, xs, activation=sigma)


def test_wfa_and_depth1_stack_agree_through_the_recurrence():
    w = random_wfa(3, 2, seed=4, exact=True)
    from rnnexpr.conversions import from_wfa

    s = from_wfa(w)
    for word in ([], [1], [0, 1, 1, 0]):
        assert s(word, exact=True) == w(word, exact=True) == literal_wfa_value(w, word)


class _ModP(Arithmetic):
    """Scalar inputs, states as lists of residues: an independent arithmetic written here."""

    def __init__(self, p):
        self.p = p

    def terms(self, index, layer):
        conv = lambda a: None if a is None else np.vectorize(  # noqa: E731
            lambda v: v.numerator * pow(v.denominator, -1, self.p) % self.p, otypes=[object])(a)
        return {t: conv(getattr(layer.to_exact(), t)) for t in ("A", "U", "V", "b", "h0")}

    def initial(self, terms, width):
        return [0] * width if terms["h0"] is None else list(terms["h0"])

    def step(self, terms, h, z, drive):
        n, p = len(h), self.p
        out = [0] * n
        for k in range(n):
            acc = 0
            if terms["A"] is not None:
                acc += sum(h[i] * z[j] * terms["A"][i, j, k] for i in range(n) for j in range(len(z)))
            if terms["U"] is not None:
                acc += sum(terms["U"][k, j] * z[j] for j in range(len(z)))
            if terms["V"] is not None:
                acc += sum(terms["V"][k, i] * h[i] for i in range(n))
            if terms["b"] is not None:
                acc += terms["b"][k]
            out[k] = acc % p
        return out


@pytest.mark.parametrize("seed", range(4))
def test_a_residue_arithmetic_plugged_in_is_exact_evaluation_mod_p(seed):
    p = 1_000_003
    s = random_stack([2, 2], 2, seed=seed, exact=True, with_initial_state=True)
    xs = [[Fraction(seed + t, 1), Fraction(-1, 2)] for t in range(5)]
    z = [[v.numerator * pow(v.denominator, -1, p) % p for v in x] for x in xs]
    state = run_recurrence(s.layers, z, _ModP(p), keep="last")
    exact = s.hidden_states(xs, exact=True)[-1][-1]
    assert state == [v.numerator * pow(v.denominator, -1, p) % p for v in exact]


def test_degree_bounds_come_from_the_same_recurrence_and_bound_the_degree():
    from rnnexpr.polydegree import degree, degree_upper_bounds

    for seed in range(3):
        s = random_stack([2, 2], 1, seed=seed, exact=True)
        total, per = degree_upper_bounds(s, 4)
        r = degree(s, 4, method="symbolic")
        assert r.total <= total and all(a <= b for a, b in zip(r.per_input, per, strict=True))
        assert (total, per) == (10, (4, 3, 2, 1))


def test_keep_is_validated():
    s = random_stack([1], 1, seed=0)
    with pytest.raises(ValueError, match="keep"):
        run_recurrence(s.layers, np.zeros((1, 1, 1)), ArrayArithmetic(False), keep="every")


def test_stack_and_wfa_types_are_what_the_docs_say():
    assert issubclass(ArrayArithmetic, Arithmetic)
    assert isinstance(random_stack([1], 1, seed=0), Stack) and isinstance(random_wfa(1, 1, seed=0), WFA)


def test_a_warning_from_a_decorated_function_names_the_users_line():
    from rnnexpr.errors import NumericalRankWarning
    from rnnexpr.exact import numerical_rank

    M = np.diag([1.0, 1e-3, 1e-12])   # a gap of 1e9 between the kept and the dropped singular value
    with pytest.warns(NumericalRankWarning) as caught:
        assert numerical_rank(M, rtol=1e-10, gap_warning=1e20).rank == 2
    assert caught[0].filename == __file__
