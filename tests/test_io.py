"""Saving and loading: exact round trips, documented schema, clear errors on malformed files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr import MissingFileError, ModelFormatError, load, random_depthwise_stack, random_stack, random_wfa, save
from rnnexpr.io import model_to_dict
from rnnexpr.models import DepthwiseStack, LinearRNNLayer, Stack, WFA


def _same_arrays(a, b):
    if a is None or b is None:
        return a is None and b is None
    return a.dtype == b.dtype and a.shape == b.shape and all(x == y and type(x) is type(y)
                                                              for x, y in zip(a.ravel(), b.ravel(), strict=True))


def _same_model(m1, m2):
    assert type(m1) is type(m2)
    if isinstance(m1, WFA):
        return all(_same_arrays(getattr(m1, k), getattr(m2, k)) for k in ("alpha", "A", "omega"))
    ok = _same_arrays(m1.C, m2.C) and _same_arrays(m1.c, m2.c) and m1.depth == m2.depth
    for l1, l2 in zip(m1.layers, m2.layers, strict=True):
        ok = ok and (type(l1) is type(l2) or (l1.A is None and l2.A is None))
        ok = ok and all(_same_arrays(getattr(l1, t), getattr(l2, t)) for t in ("A", "U", "V", "b", "h0"))
        ok = ok and l1.input_dim == l2.input_dim
    if isinstance(m1, DepthwiseStack):
        ok = ok and m1.activation == m2.activation and m1.readout_activation == m2.readout_activation
    return ok


@settings(max_examples=20, deadline=None)
@given(exact=st.booleans(), suffix=st.sampled_from([".json", ".npz"]), seed=st.integers(0, 10**6),
       kind=st.sampled_from(["2rnn", "linear", "pure"]))
def test_stack_round_trip_keeps_every_parameter(tmp_path_factory, exact, suffix, seed, kind):
    stack = random_stack([2, 3], input_dim=2, output_dim=2, kind=kind, seed=seed, exact=exact,
                         with_initial_state=seed % 2 == 0)
    path = tmp_path_factory.mktemp("m") / f"model{suffix}"
    save(stack, path)
    assert _same_model(stack, load(path))


@pytest.mark.parametrize("suffix", [".json", ".npz"])
@pytest.mark.parametrize("exact", [False, True])
def test_wfa_and_depthwise_round_trips(tmp_path, suffix, exact):
    wfa = random_wfa(3, 2, seed=1, exact=exact)
    save(wfa, tmp_path / f"w{suffix}")
    assert _same_model(wfa, load(tmp_path / f"w{suffix}"))
    for act in ("relu", "tanh", ["1/2", 0, 3]):
        ds = random_depthwise_stack([2, 2], 1, activation=act, seed=2, exact=exact, readout_activation=True)
        save(ds, tmp_path / f"d{suffix}")
        assert _same_model(ds, load(tmp_path / f"d{suffix}"))


def test_model_comparison_detects_differences():
    a = random_stack([2], input_dim=2, seed=0, exact=True)
    b = random_stack([2], input_dim=2, seed=1, exact=True)
    assert _same_model(a, a) and not _same_model(a, b)
    assert not _same_model(a, a.to_float())


def test_json_schema_is_as_documented(tmp_path):
    stack = Stack([LinearRNNLayer(U=[["1/3"]], V=[[2]])], C=[[1]], c=["-1/2"])
    d = json.loads(save(stack, tmp_path / "s.json").read_text())
    assert d == {"format": "rnnexpr-model", "version": 1, "kind": "stack",
                 "layers": [{"U": [["1/3"]], "V": [[2]]}], "C": [[1]], "c": ["-1/2"]}
    assert model_to_dict(random_wfa(1, 1, exact=True))["kind"] == "wfa"


def test_hand_written_json_loads_exactly(tmp_path):
    p = tmp_path / "h.json"
    p.write_text(json.dumps({"format": "rnnexpr-model", "version": 1, "kind": "stack",
                             "layers": [{"A": [[["1/2"]]], "U": None, "h0": [1]}], "C": [[3]], "c": None}))
    s = load(p)
    assert s.is_exact and s([0, 0], exact=True) == 3 * (1 / 2) ** 2


def test_float_values_survive_json_exactly(tmp_path):
    stack = random_stack([3], input_dim=2, seed=5)
    back = load(save(stack, tmp_path / "f.json"))
    assert np.array_equal(back.layers[0].A, stack.layers[0].A)


BASE = {"format": "rnnexpr-model", "version": 1, "kind": "stack",
        "layers": [{"U": [[1]], "V": [[0]]}], "C": [[1]]}


@pytest.mark.parametrize("change,message", [
    ({"format": "other"}, "format: expected 'rnnexpr-model'"),
    ({"version": 2}, "version: expected 1"),
    ({"kind": "tree"}, "kind: expected"),
    ({"layers": []}, "layers: expected a non-empty list"),
    ({"layers": [{"U": [[1]], "V": [[0]], "W": [1]}]}, r"layers\[0\]: unknown field"),
    ({"layers": [{"U": [[1, 2]], "V": [[0, 0]]}]}, r"layers\[0\]"),
    ({"layers": [{"U": [["x"]], "V": [[0]]}]}, r"layers\[0\].U"),
    ({"layers": [{"U": [[1]], "V": [[float("nan")]]}]}, r"layers\[0\].V"),
    ({"C": [[1, 2]]}, "C: expected shape"),
    ({"C": None}, "C: required field is missing"),
])
def test_malformed_files_name_the_field(tmp_path, change, message):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps({**BASE, **change}))
    with pytest.raises(ModelFormatError, match=message):
        load(p)


def test_unreadable_files(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text("{not json")
    with pytest.raises(ModelFormatError, match="not valid JSON"):
        load(p)
    p.write_text("[1, 2]")
    with pytest.raises(ModelFormatError, match="top level"):
        load(p)
    with pytest.raises(MissingFileError, match="no such file"):
        load(tmp_path / "missing.json")
    q = tmp_path / "bad.npz"
    np.savez(q, x=np.zeros(2))
    with pytest.raises(ModelFormatError, match="__meta__"):
        load(q)
    q.write_bytes(b"garbage")
    with pytest.raises(ModelFormatError, match="npz"):
        load(q)
    with pytest.raises(ValueError, match="path: expected a .json or .npz"):
        save(random_wfa(1, 1), tmp_path / "w.txt")


def test_npz_is_loaded_without_pickle(tmp_path):
    stack = random_stack([2], input_dim=1, seed=0, exact=True)
    p = save(stack, tmp_path / "s.npz")
    with np.load(p, allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)
