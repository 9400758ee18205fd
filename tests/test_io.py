"""Saving and loading: exact round trips, documented schema, clear errors on malformed files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr import MissingFileError, ModelFormatError, load, random_depthwise_stack, random_stack, random_wfa, save
from rnnexpr.errors import InvalidArgumentError, InvalidTypeError, SizeLimitError
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


# -- budgets: every reader refuses oversized input before allocating -------------------------------

CORPUS = Path(__file__).resolve().parent / "fuzz_corpus"


@pytest.mark.parametrize("name,error,match", [
    ("input-dim-1e8.json", SizeLimitError, r"layers\[0\].input_dim: 100000000 exceeds the limit 4096"),
    ("input-dim-10e100.json", SizeLimitError, r"layers\[0\].input_dim: a number of about 100 digits"),
    ("depth-1000.json", SizeLimitError, "layers: the number of layers .* 1000 exceeds the limit 256"),
    ("wide-row.json", SizeLimitError, r"layers\[0\].U: axis 1 .* 5000 exceeds"),
    ("wfa-states-huge.json", SizeLimitError, "alpha: axis 0"),
    ("number-1e100000000.json", SizeLimitError, "'1e100000000' has 100000011 digits"),
    ("number-huge-fraction.json", SizeLimitError, "digits"),
    ("number-int-5000-digits.json", SizeLimitError, "an integer of 5000 digits"),
    ("number-1e400-float.json", ModelFormatError, r"layers\[0\].U: expected finite"),
    ("nesting-200.json", SizeLimitError, "JSON nesting depth 200 exceeds the limit 64"),
    ("depthwise-huge-polynomial.json", SizeLimitError, "activation.coefficients"),
    ("npz-depth-1e8.npz", SizeLimitError, r"__meta__.depth: 100000000 exceeds the limit 256"),
    ("npz-depth-string.npz", ModelFormatError, "__meta__.depth: expected a positive integer"),
    ("npz-header-lies.npz", SizeLimitError, "member 'C' of shape .1000000000,.: entries"),
    ("npz-truncated-member.npz", ModelFormatError, "truncated"),
    ("npz-object-array.npz", ModelFormatError, "object arrays are not accepted"),
    ("npz-not-zip.npz", ModelFormatError, r"is not a .npz model \(not a zip archive\)"),
    ("npz-input-dims-short.npz", ModelFormatError, "__meta__.input_dims"),
    ("binary-garbage.json", ModelFormatError, "not a UTF-8 text file"),
])
def test_hostile_files_are_refused_naming_the_field(name, error, match):
    import time

    start = time.perf_counter()
    with pytest.raises(error, match=match) as info:
        load(CORPUS / name)
    assert time.perf_counter() - start < 2
    message = str(info.value)
    assert "\n" not in message and len(message) < 400
    first = message.split(":")[0]
    assert message.count(first + ":") == 1 or first == "file"  # a field is named once, never "x: x: ..."


def test_dev_zero_and_large_files_are_refused_after_reading_the_budget(tmp_path):
    import time

    from rnnexpr.limits import budget

    start = time.perf_counter()
    with pytest.raises(SizeLimitError, match="more than 67108864 bytes"):
        load("/dev/zero")
    assert time.perf_counter() - start < 5
    big = tmp_path / "big.json"
    big.write_text(" " * 2000)
    with budget(file_bytes=1000), pytest.raises(SizeLimitError, match="has 2000 bytes, above the limit 1000"):
        load(big)


def test_npz_whose_members_expand_beyond_the_budget(tmp_path):
    import io as _io
    import zipfile

    from rnnexpr.limits import budget

    stack = random_stack([3], input_dim=2, seed=0)
    p = save(stack, tmp_path / "s.npz")
    with budget(npz_bytes=100), pytest.raises(SizeLimitError, match="decompressed"):
        load(p)
    assert _same_model(stack, load(p))
    # A member whose .npy header declares more entries than the budget, with little data.
    q = tmp_path / "lies.npz"
    with zipfile.ZipFile(q, "w") as z:
        hdr = _io.BytesIO()
        np.lib.format.write_array_header_1_0(hdr, {"descr": "<f8", "fortran_order": False, "shape": (10**7,)})
        z.writestr("C.npy", hdr.getvalue())
    with pytest.raises(SizeLimitError, match="entries"):
        load(q)


def test_budgets_context_manager_environment_and_errors(tmp_path, monkeypatch):
    from rnnexpr.limits import DEFAULT_LIMITS, Limits, budget, current, parse_limits

    p = save(random_stack([3], input_dim=2, seed=0, exact=True), tmp_path / "s.json")
    with budget(dimension=2), pytest.raises(SizeLimitError, match="exceeds the limit 2 .budget 'dimension'"):
        load(p)
    assert current() == DEFAULT_LIMITS and load(p).widths == (3,)
    monkeypatch.setenv("RNNEXPR_LIMITS", "dimension=2, json_depth=10")
    assert current().dimension == 2 and current().json_depth == 10
    with pytest.raises(SizeLimitError, match="dimension"):
        load(p)
    with budget(dimension=5):  # the context manager wins over the environment
        assert load(p).widths == (3,)
    monkeypatch.setenv("RNNEXPR_LIMITS", "dimensions=2")
    with pytest.raises(InvalidArgumentError, match="RNNEXPR_LIMITS: expected name=value"):
        current()
    monkeypatch.delenv("RNNEXPR_LIMITS")
    for bad in ("length=0", "length=-3", "length=x"):
        with pytest.raises(InvalidArgumentError, match="length: expected a positive integer"):
            parse_limits(bad)
    with pytest.raises(InvalidArgumentError, match="budget: expected names"), budget(nonsense=3):
        pass
    with pytest.raises(InvalidTypeError):
        Limits(depth=2.5)


def test_a_model_within_the_budgets_round_trips_exactly_at_the_edge(tmp_path):
    from rnnexpr.limits import budget

    stack = random_stack([4, 4], input_dim=3, seed=1, exact=True)
    p = save(stack, tmp_path / "s.json")
    entries = sum(a.size for layer in stack.layers for a in layer.terms.values()) + stack.C.size
    entries += 0 if stack.c is None else stack.c.size
    with budget(entries=entries, dimension=4, depth=2):
        assert _same_model(stack, load(p))
    with budget(entries=entries - 1), pytest.raises(SizeLimitError, match="entries"):
        load(p)


def test_save_writes_compact_json(tmp_path):
    stack = random_stack([3], input_dim=2, seed=4, exact=True)
    text = save(stack, tmp_path / "s.json").read_text()
    lines = text.splitlines()
    assert len(lines) < 40
    # One matrix row per line at most: no line holds two rows, and no row is split across lines.
    for line in lines:
        assert line.count("[") - line.count("]") in (-1, 0, 1) or line.strip().startswith("[")
    d = json.loads(text)
    assert d["layers"][0]["V"] == [json.loads(ln.strip().rstrip(",")) for ln in lines
                                   if ln.strip().rstrip(",") in {json.dumps(r) for r in d["layers"][0]["V"]}]
    assert _same_model(stack, load(tmp_path / "s.json"))
