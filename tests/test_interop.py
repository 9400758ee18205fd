"""rnnexpr.interop: splearn automata and python-control systems, round trips exact where the source is exact."""

from __future__ import annotations

import sys
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr.errors import MissingDependencyError, ModelKindError, ShapeError
from rnnexpr.interop import from_splearn, from_statespace, to_splearn, to_statespace
from rnnexpr.linear_systems import markov_parameters
from rnnexpr.models import WFA, LinearRNNLayer, Stack, random_stack, random_wfa

from .oracles import all_words, literal_wfa_value


class FakeAutomaton:
    """splearn's constructor and attributes, nothing else."""

    def __init__(self, nbL=0, nbS=0, initial=(), final=(), transitions=(), type="classic"):
        self.nbL, self.nbS, self.initial, self.final = nbL, nbS, initial, final
        self.transitions, self.type = transitions, type

    def val(self, word):  # splearn's definition of the computed function
        v = np.asarray(self.initial, dtype=float)
        for s in word:
            v = v @ self.transitions[s]
        return float(v @ self.final)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 4), d=st.integers(1, 3), seed=st.integers(0, 10**6))
def test_splearn_round_trip(n, d, seed):
    wfa = random_wfa(n, d, seed=seed)
    a = to_splearn(wfa, automaton_class=FakeAutomaton)
    assert (a.nbL, a.nbS, a.type) == (d, n, "classic")
    for w in all_words(d, 3):
        assert np.isclose(a.val(w), float(literal_wfa_value(wfa, w)), rtol=1e-12, atol=1e-14)
    back = from_splearn(a)
    assert all(np.array_equal(x, y) for x, y in ((back.alpha, wfa.alpha), (back.A, wfa.A), (back.omega, wfa.omega)))


def test_splearn_exact_round_trip_of_dyadic_weights():
    wfa = WFA([Fraction(1, 2), 1], [[[Fraction(3, 4), 0]], [[1, Fraction(-1, 8)]]], [1, Fraction(1, 4)])
    back = from_splearn(to_splearn(wfa, automaton_class=FakeAutomaton), exact=True)
    for w in all_words(1, 4):
        assert back(w, exact=True) == wfa(w, exact=True)


def test_to_splearn_accepts_a_depth_one_stack():
    stack = random_stack([2], input_dim=2, seed=1)
    a = to_splearn(stack, automaton_class=FakeAutomaton)
    for w in all_words(2, 3):
        assert np.isclose(a.val(w), stack(w), rtol=1e-10, atol=1e-12)


def test_from_splearn_errors():
    with pytest.raises(ModelKindError, match="transitions"):
        from_splearn(SimpleNamespace(initial=[1.0], final=[1.0]))
    with pytest.raises(ShapeError, match=r"transitions\[0\]"):
        from_splearn(SimpleNamespace(initial=[1.0, 0.0], final=[1.0, 0.0], transitions=[np.eye(3)]))
    with pytest.raises(ShapeError, match="nbL"):
        from_splearn(SimpleNamespace(initial=[1.0], final=[1.0], transitions=[[[1.0]]], nbL=2))


def test_to_splearn_without_splearn(monkeypatch):
    monkeypatch.setitem(sys.modules, "splearn", None)
    monkeypatch.setitem(sys.modules, "splearn.automaton", None)
    with pytest.raises(MissingDependencyError, match="scikit-splearn"):
        to_splearn(WFA([1.0], [[[1.0]]], [1.0]))


def test_real_splearn_when_installed():
    automaton = pytest.importorskip("splearn.automaton")
    wfa = random_wfa(3, 2, seed=2)
    a = to_splearn(wfa)
    assert isinstance(a, automaton.Automaton)
    for w in all_words(2, 3):
        assert np.isclose(a.val(list(w)), wfa(w), rtol=1e-12)
    assert np.array_equal(from_splearn(a).A, np.asarray(wfa.A, dtype=float))


# ---------------------------------------------------------------------------
# python-control
# ---------------------------------------------------------------------------


def _linear_stack(seed, widths=(2,), d=2, p=1, exact=False):
    s = random_stack(list(widths), input_dim=d, output_dim=p, kind="linear", seed=seed, exact=exact)
    return Stack([LinearRNNLayer(U=layer.U, V=layer.V, input_dim=layer.input_dim) for layer in s.layers], s.C)


def _simulate(A, B, C, D, u):
    """x_{k+1} = A x_k + B u_k, y_k = C x_k + D u_k from x_0 = 0: the independent reference."""
    x = np.zeros(A.shape[0])
    out = []
    for uk in u:
        out.append(C @ x + D @ uk)
        x = A @ x + B @ uk
    return np.array(out)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), widths=st.lists(st.integers(1, 3), min_size=1, max_size=2),
       d=st.integers(1, 2), p=st.integers(1, 2))
def test_statespace_round_trips_preserve_outputs(seed, widths, d, p):
    pytest.importorskip("control")
    stack = _linear_stack(seed, widths, d, p)
    sys_ = to_statespace(stack)
    u = np.random.default_rng(seed).normal(size=(7, d))
    y = stack.run(u)
    assert np.allclose(_simulate(sys_.A, sys_.B, sys_.C, sys_.D, u), y, rtol=1e-10, atol=1e-12)  # no shift
    back = from_statespace(sys_)
    assert np.allclose(back.run(u), y, rtol=1e-10, atol=1e-12)
    assert np.allclose(markov_parameters(back, 6), markov_parameters(stack, 6), rtol=1e-10, atol=1e-12)


def test_statespace_against_control_forced_response():
    control = pytest.importorskip("control")
    sys_ = control.ss([[0.5, 0.1], [0.0, -0.3]], [[1.0], [0.5]], [[2.0, -1.0]], [[0.25]], True)
    u = np.random.default_rng(0).normal(size=12)
    ref = control.forced_response(sys_, T=np.arange(12), U=u).outputs
    stack = from_statespace(sys_)
    assert np.allclose(stack.run(u[:, None])[:, 0], ref, rtol=1e-12, atol=1e-12)
    shifted = from_statespace(control.ss(sys_.A, sys_.B, sys_.C, [[0.0]], True), shift=True)
    ref0 = control.forced_response(control.ss(sys_.A, sys_.B, sys_.C, [[0.0]], True), T=np.arange(13),
                                   U=np.append(u, 0.0)).outputs
    assert shifted.widths == (2,)
    assert np.allclose(shifted.run(u[:, None])[:, 0], ref0[1:], rtol=1e-12, atol=1e-12)  # one step later


def test_statespace_exact_round_trip_of_dyadic_stack():
    pytest.importorskip("control")
    stack = Stack([LinearRNNLayer(U=[[1], [Fraction(1, 2)]], V=[[Fraction(1, 4), 1], [0, Fraction(-1, 2)]])],
                  C=[[1, Fraction(3, 8)]])
    back = from_statespace(to_statespace(stack), exact=True)
    assert back.is_exact
    assert list(markov_parameters(back, 8).ravel()) == list(markov_parameters(stack, 8).ravel())


def test_statespace_refusals(monkeypatch):
    with pytest.raises(ModelKindError, match="D = 0"):
        from_statespace(SimpleNamespace(A=[[0.5]], B=[[1.0]], C=[[1.0]], D=[[1.0]]), shift=True)
    with pytest.raises(ModelKindError, match="continuous-time"):
        from_statespace(SimpleNamespace(A=[[0.5]], B=[[1.0]], C=[[1.0]], D=[[0.0]], dt=0))
    with pytest.raises(ShapeError, match="system.D"):
        from_statespace(SimpleNamespace(A=[[0.5]], B=[[1.0]], C=[[1.0]], D=[[0.0, 1.0]]))
    with pytest.raises(ModelKindError, match="A, B, C, D"):
        from_statespace(object())
    biased = Stack([LinearRNNLayer(U=[[1.0]], V=[[0.5]], b=[1.0])], C=[[1.0]])
    with pytest.raises(ModelKindError, match="nonzero b"):
        to_statespace(biased)
    monkeypatch.setitem(sys.modules, "control", None)
    with pytest.raises(MissingDependencyError, match="python-control"):
        to_statespace(Stack([LinearRNNLayer(U=[[1.0]], V=[[0.5]])], C=[[1.0]]))
