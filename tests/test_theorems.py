"""Tests of rnnexpr.theorems: certificates hold, re-check, round-trip, and tampering is caught."""

from __future__ import annotations

import copy
import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr.errors import ModelFormatError, ModelKindError
from rnnexpr.models import Linear2RNNLayer, LinearRNNLayer, Stack, random_stack
from rnnexpr.theorems import (
    THEOREMS,
    Certificate,
    verify_all,
    verify_T0,
    verify_T1,
    verify_T2,
    verify_T3,
    verify_T4,
    verify_T5,
    verify_T6,
)
from rnnexpr.theorems.t2_memory import memory_table
from rnnexpr.theorems.t6_multiplicative import relu_pieces


def _tampered(cert: Certificate, edit) -> Certificate:
    d = copy.deepcopy(cert.to_dict())
    edit(d)
    return Certificate.from_dict(d)


def _assert_sound(cert: Certificate) -> None:
    assert cert.holds, (cert.failed_step, [s for s in cert.steps if not s.holds])
    assert cert.failed_step is None
    assert cert.check()
    again = Certificate.from_json(cert.to_json())
    assert again.to_dict() == cert.to_dict()
    assert again.check()
    assert cert.theorem in cert.summary() and "holds" in cert.summary()


def _bump(x):
    return str(Fraction(x) + 1)


# ---------------------------------------------------------------------------
# T0
# ---------------------------------------------------------------------------


def test_T0_default_and_tampered():
    cert = verify_T0()
    _assert_sound(cert)

    def edit(d):
        d["evidence"]["W"][0][0] = _bump(d["evidence"]["W"][0][0])

    bad = _tampered(cert, edit)
    res = bad.check()
    assert not res and not res.holds and "equals" in res.failed_step


def test_T0_given_instance_checks_the_map():
    weights = [[[1, 2], [0, 1]], [[3, 0]]]
    biases = [[1, -1], [2]]
    cert = verify_T0((weights, biases))
    _assert_sound(cert)
    # x -> 3 (x1 + 2 x2 + 1) + 2 = 3 x1 + 6 x2 + 5
    assert cert.evidence["W"] == [[3, 6]] and cert.evidence["b"] == [5]


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), widths=st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_T0_random(seed, widths):
    _assert_sound(verify_T0(seed=seed, widths=widths, input_dim=2))


# ---------------------------------------------------------------------------
# T1
# ---------------------------------------------------------------------------


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), widths=st.lists(st.integers(1, 3), min_size=1, max_size=3),
       d=st.integers(1, 2))
def test_T1_random(seed, widths, d):
    cert = verify_T1(seed=seed, widths=widths, input_dim=d)
    _assert_sound(cert)
    assert cert.evidence["equivalence"]["equivalent"] is True
    assert cert.evidence["collapsed"]["layers"][0]["V"] is not None


def test_T1_tampered_construction_fails():
    cert = verify_T1(seed=5)

    def edit(d):
        V = d["evidence"]["collapsed"]["layers"][0]["V"]
        V[-1][0] = _bump(V[-1][0])

    res = _tampered(cert, edit).check()
    assert not res and "same function" in res.failed_step


def test_T1_rejects_2rnn_instance():
    with pytest.raises(ModelKindError, match="instance"):
        verify_T1(random_stack([2], input_dim=1, seed=0, exact=True))


def test_T1_float_instance_is_checked_exactly():
    stack = random_stack([2, 2], input_dim=1, kind="linear", seed=3)  # float64 parameters
    _assert_sound(verify_T1(stack))


# ---------------------------------------------------------------------------
# T2
# ---------------------------------------------------------------------------


def test_T2_default_and_tampering():
    cert = verify_T2(delay=5, seed=1)
    _assert_sound(cert)
    assert cert.evidence["delay_hankel"]["rank"] == 6
    assert cert.evidence["shallow"]["recurrent"] == 36
    assert cert.evidence["generic"]["rank"] == 6  # 3 layers of width 2

    def rank(d):
        d["evidence"]["delay_hankel"]["rank"] = 5

    assert not _tampered(cert, rank).check()

    def deep(d):  # break the deep network's readout: it no longer computes the delay
        d["evidence"]["deep"]["network"]["C"] = [[1, 0]]

    res = _tampered(cert, deep).check()
    assert not res and "deep network computes" in res.failed_step

    def generic(d):
        d["evidence"]["generic"]["matrix"][0][0] = _bump(d["evidence"]["generic"]["matrix"][0][0])

    assert not _tampered(cert, generic).check()

    def mcmillan(d):
        d["evidence"]["generic"]["mcmillan_degree"] = 5

    res = _tampered(cert, mcmillan).check()
    assert not res and "linear_systems" in res.failed_step


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10_000), delay=st.integers(1, 6), depth=st.integers(1, 3), width=st.integers(1, 3))
def test_T2_random(seed, delay, depth, width):
    cert = verify_T2(seed=seed, delay=delay, depth=depth, width=width)
    _assert_sound(cert)
    assert cert.evidence["generic"]["rank"] == depth * width


def test_T2_memory_table_matches_theory():
    rows = memory_table(6)
    assert [r["hankel_rank"] for r in rows] == [k + 1 for k in range(1, 7)]
    assert [r["shallow_recurrent"] for r in rows] == [(k + 1) ** 2 for k in range(1, 7)]
    # Deep networks: linear growth (8 parameters per layer).
    assert [r["deep_params"] for r in rows] == [8 * k for k in range(1, 7)]


def test_T2_bad_delay():
    with pytest.raises(ValueError, match="delay"):
        verify_T2(delay=0)


# ---------------------------------------------------------------------------
# T3
# ---------------------------------------------------------------------------


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000), width=st.integers(1, 3), d=st.integers(1, 3))
def test_T3_random(seed, width, d):
    cert = verify_T3(seed=seed, width=width, alphabet_size=d)
    _assert_sound(cert)
    n = width + seed % 2  # odd seeds add a duplicated unit
    assert cert.evidence["hankel"]["rank"] <= n + 1
    minimal = cert.evidence["minimal_wfa"]
    assert cert.evidence["hankel"]["rank"] == (len(minimal["alpha"]) if minimal else 0)


def test_T3_minimization_removes_the_redundant_unit():
    cert = verify_T3(seed=1, width=3)  # odd seed: pure layer with a duplicated unit
    _assert_sound(cert)
    assert len(cert.evidence["wfa"]["alpha"]) == 4
    assert len(cert.evidence["minimal_wfa"]["alpha"]) == cert.evidence["hankel"]["rank"] <= 3


def test_T3_tampering():
    cert = verify_T3(seed=0)

    def rank(d):
        d["evidence"]["hankel"]["rank"] -= 1

    assert not _tampered(cert, rank).check()

    def wfa(d):
        A = d["evidence"]["wfa"]["A"]
        A[1][0][1] = _bump(A[1][0][1])

    res = _tampered(cert, wfa).check()
    assert not res and "to_wfa" in res.failed_step

    def minimal(d):
        om = d["evidence"]["minimal_wfa"]["omega"]
        om[0] = _bump(om[0])

    assert not _tampered(cert, minimal).check()


def test_T3_rejects_deep_instance():
    with pytest.raises(ModelKindError):
        verify_T3(random_stack([2, 2], input_dim=2, seed=0, exact=True))


# ---------------------------------------------------------------------------
# T4
# ---------------------------------------------------------------------------


def test_T4_default_degrees():
    cert = verify_T4(seed=2, length=3)
    _assert_sound(cert)
    totals = [d["total"] for d in cert.evidence["degrees"]]
    assert totals == [math.comb(3 + L - 1, L) for L in (1, 2, 3)] + [1, 1, 1]

    def edit(d):
        d["evidence"]["degrees"][1]["total"] = 5

    assert not _tampered(cert, edit).check()

    large = cert.evidence["large"]
    assert large["total"] == math.comb(20 + 3 - 1, 3) and large["certified"] and large["method"] == "modular"

    def edit_large(d):
        d["evidence"]["large"]["total"] -= 1

    res = _tampered(cert, edit_large).check()
    assert not res and "modular" in res.failed_step


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_T4_random(seed):
    _assert_sound(verify_T4(seed=seed, length=3, max_depth=2, large_length=8))


def test_T4_degenerate_instance_fails_with_its_step():
    # A = 0 in layer 2: degree drops below the generic bound, so the equality step fails.
    l1 = Linear2RNNLayer(A=[[[1]]], U=[[1]], h0=[1])
    l2 = Linear2RNNLayer(A=[[[0]]], U=[[1]], input_dim=1)
    cert = verify_T4(Stack([l1, l2], C=[[1]]), length=3)
    assert not cert.holds and "binom" in cert.failed_step
    assert cert.check().holds is False and cert.check().consistent


# ---------------------------------------------------------------------------
# T5
# ---------------------------------------------------------------------------


def test_T5_default_and_tampering():
    cert = verify_T5(seed=0, units=4, random_witnesses=1, max_length=2)
    _assert_sound(cert)
    assert cert.evidence["witness"]["rank"] == 6
    # f(a^T) = 2^(T(T+1)/2) in the first row of the witness block
    assert [int(v) for v in cert.evidence["witness"]["block"][0]] == [2 ** (T * (T + 1) // 2) for T in range(6)]

    def block(d):
        d["evidence"]["witness"]["block"][2][3] = 7

    res = _tampered(cert, block).check()
    assert not res and "witness Hankel block" in res.failed_step

    def profile(d):
        d["evidence"]["random"][0]["ranks"][-1] += 1

    assert not _tampered(cert, profile).check()

    def product(d):  # a wrong product WFA: the simulation check must catch it
        A = d["evidence"]["caveat"]["wfa"]["A"]
        A[1][0][1] = _bump(A[1][0][1])

    res = _tampered(cert, product).check()
    assert not res and "caveat" in res.failed_step


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_T5_random(seed):
    _assert_sound(verify_T5(seed=seed, units=3, random_witnesses=1, max_length=2))


def test_T5_wfa_instance_does_not_pass_for_a_witness():
    # A depth-1 linear 2RNN is outside the statement's class (depth-2 stacks): refused, naming it.
    s = Stack([Linear2RNNLayer(A=[[[2]]], h0=[1])], C=[[1]])
    with pytest.raises(ModelKindError, match=r"depth-2 .*got Stack\(widths=\(1,\)"):
        verify_T5(s, units=3, random_witnesses=0, max_length=2)
    # A depth-2 stack whose first layer is constant is a WFA with 1 state (f(a^T) = 2^T): rank 1 < N + 2.
    s2 = Stack([Linear2RNNLayer(A=[[[1]]], h0=[1]), Linear2RNNLayer(A=[[[2]]], h0=[1])], C=[[1]])
    cert = verify_T5(s2, units=3, random_witnesses=0, max_length=2)
    assert not cert.holds and "rank" in cert.failed_step
    # A stored certificate whose witness is swapped for a depth-1 model fails, naming the class.
    good = verify_T5(units=3, random_witnesses=0, max_length=2)
    d = good.to_dict()
    from rnnexpr.io import model_to_dict

    d["instance"]["witness"] = model_to_dict(s)
    res = Certificate.from_dict(d).check()
    assert not res and "depth-2" in res.failed_step and "instance.witness" in res.field


# ---------------------------------------------------------------------------
# T6
# ---------------------------------------------------------------------------


def test_T6_default_and_tampering():
    cert = verify_T6(seed=1)
    _assert_sound(cert)
    assert cert.evidence["polynomial"]["witness_degree"] == 5
    assert "note" not in cert.evidence  # T6(c) is listed by theorems.EMPIRICAL, not stored as unchecked evidence

    def slope(d):
        piece = d["evidence"]["relu"]["lines"][0]["pieces"][0]
        piece[0] = _bump(piece[0])

    res = _tampered(cert, slope).check()
    assert not res and "ReLU" in res.failed_step

    def hessian(d):
        d["evidence"]["relu"]["hessians"][0][0][0] = 1

    assert not _tampered(cert, hessian).check()


def test_T6_given_polynomial_instance_and_bad_instance():
    from rnnexpr.models import DepthwiseStack, random_depthwise_stack

    # sigma(x) = x^2 between two layers: degree <= 2 < T = 3.
    s = DepthwiseStack([LinearRNNLayer(U=[[1]], V=[["1/2"]]), LinearRNNLayer(U=[[1]], V=[[0]])], C=[[1]],
                       activation=[0, 0, 1])
    cert = verify_T6(s, length=3, relu_stacks=1)
    _assert_sound(cert)
    assert cert.evidence["polynomial"]["degrees"][0]["total"] == 2
    with pytest.raises(ModelKindError):
        verify_T6(random_depthwise_stack([2], 1, activation="relu", seed=0), length=3)


@pytest.mark.parametrize("widths, top", [([3, 2], False), ([2, 2, 2], True), ([2], True)])
def test_relu_pieces_are_affine_between_breakpoints(widths, top):
    from rnnexpr.models import random_depthwise_stack

    s = random_depthwise_stack(widths, 1, activation="relu", seed=4, exact=True, readout_activation=top)
    a, b = [1, -2, "1/2"], [2, 1, -1]
    out = relu_pieces(s, a, b)
    bps, pieces = out["breakpoints"], out["pieces"]
    assert bps == sorted(set(bps)) and len(pieces) == len(bps) + 1
    # Brute force on a fine exact grid: the value matches the piece of its interval.
    grid = [Fraction(k, 7) for k in range(-40, 41)] + [p + e for p in bps for e in (Fraction(1, 10**6), -Fraction(1, 10**6))]
    x = np.stack([(np.array([Fraction(v) for v in a], dtype=object)
                   + s_ * np.array([Fraction(v) for v in b], dtype=object)).reshape(-1, 1) for s_ in grid])
    y = s.run(x, exact=True)[:, -1, 0]
    for s_, v in zip(grid, y, strict=True):
        k = sum(1 for p in bps if p < s_)
        slope, icpt = pieces[k]
        assert v == slope * s_ + icpt


# ---------------------------------------------------------------------------
# framework
# ---------------------------------------------------------------------------


def test_stored_verdict_must_match():
    cert = verify_T0(seed=2)

    def edit(d):
        d["holds"] = False
        d["failed_step"] = "made up"

    res = _tampered(cert, edit).check()
    assert res.holds and not res.consistent and not res


def test_malformed_evidence_fails_without_crashing():
    cert = verify_T1(seed=1)

    def edit(d):
        del d["evidence"]["collapsed"]

    res = _tampered(cert, edit).check()
    assert not res and res.failed_step == "evidence is well formed"


def test_from_json_rejects_garbage():
    with pytest.raises(ModelFormatError):
        Certificate.from_json("{not json")
    with pytest.raises(ModelFormatError):
        Certificate.from_json(json.dumps({"format": "something-else"}))
    with pytest.raises(ModelFormatError, match="theorem"):
        d = verify_T0().to_dict()
        d["theorem"] = "T99"
        Certificate.from_dict(d).check()


def test_registry_and_verify_all_order():
    assert list(THEOREMS) == [f"T{i}" for i in range(7)]
    certs = verify_all(["T1", "T0"], seed=3, instances=2)
    expected = [verify_T1(seed=3), verify_T1(seed=4), verify_T0(seed=3), verify_T0(seed=4)]
    assert [c.to_dict() for c in certs] == [c.to_dict() for c in expected]
    assert certs[0].to_dict() != certs[1].to_dict()
    with pytest.raises(ValueError, match="theorems"):
        verify_all(["T7"])
    with pytest.raises(ValueError, match="instances"):
        verify_all(["T0"], instances=0)


def test_verify_all_parallel_matches_serial():
    serial = verify_all(["T0", "T2"], instances=2, quick=True)
    parallel = verify_all(["T0", "T2"], instances=2, quick=True, jobs=2)
    assert [c.to_json() for c in serial] == [c.to_json() for c in parallel]


# ---------------------------------------------------------------------------
# every stored field of every certificate kind is re-derived by check()
# ---------------------------------------------------------------------------

_SMALL = {
    "T0": dict(widths=(2, 2), input_dim=2),
    "T1": dict(widths=(1, 2), input_dim=1),
    "T2": dict(delay=2, depth=2, width=1),
    "T3": dict(width=2),
    "T4": dict(length=2, max_depth=2, large_length=5),
    "T5": dict(units=2, random_witnesses=1, max_length=2),
    "T6": dict(length=3, power=1, depth=2, relu_stacks=1),
}


def _is_model(v):
    return isinstance(v, dict) and v.get("format") == "rnnexpr-model"


def _edit_value(v):
    """A different value of the same kind (a rational moved by 1, a string changed, a list edited)."""
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return v + 1
    if isinstance(v, float):
        return v + 1.0
    if v is None:
        return 1
    if isinstance(v, str):
        try:
            return str(Fraction(v) + 1)
        except (ValueError, ZeroDivisionError):
            return v + " (edited)"
    if isinstance(v, list):
        if not v:
            return [0]
        return [_edit_value(v[0]), *v[1:]]
    if isinstance(v, dict):
        return {**v, "edited": 1}
    raise AssertionError(type(v))


def _field_paths(d, prefix):
    """(path, keys) of every stored field: dict keys, elements of lists of dicts; a model is one field."""
    items = d.items() if isinstance(d, dict) else enumerate(d)
    for k, v in items:
        path = f"{prefix}.{k}" if isinstance(d, dict) else f"{prefix}[{k}]"
        keys = (k,)
        if _is_model(v):
            yield path, keys, "model"
        elif (isinstance(v, dict) and v) or (isinstance(v, list) and v and any(isinstance(w, dict) for w in v)):
            for p, ks, kind in _field_paths(v, path):
                yield p, keys + ks, kind
        else:
            yield path, keys, "value"


def _set(d, keys, value):
    for k in keys[:-1]:
        d = d[k]
    d[keys[-1]] = value


def _get(d, keys):
    for k in keys:
        d = d[k]
    return d


def _edit_model(m):
    """Change one parameter of a model dictionary (the first entry of its first array)."""
    m = copy.deepcopy(m)
    target = m["layers"][0] if "layers" in m else m
    key = next(k for k in ("A", "U", "V", "b", "h0", "alpha", "omega") if target.get(k) is not None)
    target[key] = _edit_value(target[key])
    return m


def _ancestors(path):
    out, cut = [path], path
    while "." in cut or "[" in cut:
        cut = cut[: max(cut.rfind("."), cut.rfind("["))]
        out.append(cut)
    return out


#: Fields whose edit may leave a *true* certificate (check() re-derives it and it still holds), with why.
_STILL_TRUE_AFTER_EDIT = {
    # A generic model with one parameter moved by 1 is still generic: its degree is still the bound.
    "T4": {"instance.cases[0].model", "instance.cases[1].model", "instance.cases[2].model",
           "instance.cases[3].model", "instance.large.model",
           # the seed only chooses the primes of the modular re-run; every seed gives a valid run
           "evidence.large.seed"},
    # Same for the polynomial-activation stack (degree p^(L-1) < T still holds); the Hessian of x_1 x_2 is
    # constant, so it is checked correctly at any points.
    "T6": {"instance.polynomial_stacks[0]", "evidence.relu.hessian_points"},
}


@pytest.mark.parametrize("name", sorted(_SMALL))
def test_check_fails_naming_every_edited_field(name):
    """Edit each stored field of the certificate in turn: check() fails and names that field.

    The exceptions (listed in _STILL_TRUE_AFTER_EDIT, with the reason) are edits after which the
    certificate is still a true one: check() then re-derives every step on the edited data.
    """
    from rnnexpr.theorems import THEOREMS

    cert = THEOREMS[name].verify(seed=1, **_SMALL[name])
    assert cert.holds and cert.check()
    base = cert.to_dict()
    fields = [("statement", ("statement",), "value"), ("holds", ("holds",), "value"),
              ("exact", ("exact",), "value"), ("failed_step", ("failed_step",), "value")]
    fields += [(f"steps[{i}]", ("steps", i, "detail"), "value") for i in range(len(base["steps"]))]
    for top in ("instance", "evidence"):
        fields += [(p, (top, *ks), kind) for p, ks, kind in _field_paths(base[top], top)]
    missed = []
    for path, keys, kind in fields:
        d = copy.deepcopy(base)
        old = _get(d, keys)
        special = {"exact": {"error_probability": 0.5}, "failed_step": "an edited step"}
        new = _edit_model(old) if kind == "model" else special.get(path, _edit_value(old))
        _set(d, keys, new)
        res = Certificate.from_dict(d).check()
        named = res.field is not None and any(a in res.field.split(", ") or res.field.startswith(a)
                                              for a in _ancestors(path))
        if res and path in _STILL_TRUE_AFTER_EDIT.get(name, ()):
            assert all(st.holds for st in res.steps)
            continue
        if res or not named:
            missed.append((path, bool(res), res.field, res.failed_step))
    assert not missed, missed
    # Unchecked extra evidence is refused, named.
    d = copy.deepcopy(base)
    d["evidence"]["extra"] = [1, 2, 3]
    res = Certificate.from_dict(d).check()
    assert not res and "evidence.extra" in res.field


def test_T1_certificate_edited_to_claim_2rnn_collapse_fails():
    # The example: a T1 certificate whose statement now claims that linear 2RNN stacks collapse.
    cert = verify_T1(seed=0)
    d = cert.to_dict()
    d["statement"] = "Stacks of linear 2RNNs collapse to one linear 2RNN layer."
    res = Certificate.from_dict(d).check()
    assert not res and res.field == "statement"
    d = cert.to_dict()
    d["instance"]["description"] = "seed=0: linear 2RNN stack widths (2, 3, 2)"
    assert Certificate.from_dict(d).check().field == "instance.description"
    d = cert.to_dict()
    d["exact"] = {"error_probability": 0.1}
    assert Certificate.from_dict(d).check().field == "exact"


def test_certificate_format_and_version_are_checked():
    d = verify_T0(seed=0).to_dict()
    for key, value, match in (("version", 2, "version: expected 1"), ("format", "other", "format: expected"),
                              ("holds", "yes", "holds: expected bool")):
        bad = {**d, key: value}
        with pytest.raises(ModelFormatError, match=match):
            Certificate.from_dict(bad)
    with pytest.raises(ModelFormatError, match="unknown field"):
        Certificate.from_dict({**d, "comment": "x"})


def test_oversized_numbers_in_a_certificate_are_refused_quickly():
    from rnnexpr.errors import SizeLimitError

    d = verify_T2(delay=2, depth=1, width=1).to_dict()
    d["instance"]["delay"] = 10**9  # a loop of 10^18 steps if believed
    with pytest.raises(SizeLimitError, match="instance.delay"):
        Certificate.from_dict(d).check()
    text = verify_T0(seed=0).to_json().replace('"1/2"', '"1e100000000"', 1)
    with pytest.raises(SizeLimitError, match="digits"):
        Certificate.from_json(text)
    d = verify_T5(units=2, random_witnesses=0, max_length=1).to_dict()
    d["instance"]["units"] = 10**6
    with pytest.raises(SizeLimitError):
        Certificate.from_dict(d).check()
