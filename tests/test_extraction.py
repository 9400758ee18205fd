"""rnnexpr.extraction: recovery of WFA targets, rank profiles against brute force, Eckart-Young respected."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr.errors import InvalidArgumentError
from rnnexpr.exact import numerical_rank
from rnnexpr.extraction import as_word_function, extract
from rnnexpr.models import Linear2RNNLayer, Stack, random_wfa

from .oracles import all_words, literal_wfa_value


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 4), d=st.integers(1, 2), seed=st.integers(0, 10**6))
def test_extraction_recovers_a_wfa_target(n, d, seed):
    target = random_wfa(n, d, seed=seed)
    r = extract(lambda w: float(literal_wfa_value(target, w)), alphabet_size=d, max_length=3, rtol=1e-9)
    # the rank profile, against numpy on a block built by brute force
    for k, res in zip(r.lengths, r.rank_profile, strict=True):
        words = all_words(d, k)
        H = np.array([[float(literal_wfa_value(target, tuple(u) + tuple(v))) for v in words] for u in words])
        assert res.rank == numerical_rank(H, rtol=1e-9, warn=False).rank
        assert res.tolerance is not None and res.gap is not None
    assert r.num_states <= n
    if r.num_states == r.rank_profile[-1].rank and r.rank_profile[-1].gap > 1e6:
        assert r.test_error < 1e-6


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_block_errors_never_beat_eckart_young(seed):
    """No WFA of size n is closer to H than the best rank-n matrix: the spectral WFA's block error obeys it."""
    t5 = Stack([Linear2RNNLayer(A=[[[1.5]]], h0=[1]), Linear2RNNLayer(A=[[[1.0]]], h0=[1])], C=[[1]])
    rng = np.random.default_rng(seed)
    noise = {}

    def f(words):
        out = np.asarray(t5.values(words), dtype=float) * 1e-2
        for i, w in enumerate(words):
            noise.setdefault(w, rng.normal() * 1e-3)
            out[i] += noise[w]
        return out

    f.batched = True
    r = extract(f, alphabet_size=1, max_length=4, sizes=[1, 2, 3])
    for be, lb in zip(r.block_errors, r.profile.lower_bounds, strict=True):
        if not np.isnan(be):
            assert be >= lb * (1 - 1e-9) - 1e-15
    assert all(lb > 0 for lb in r.profile.lower_bounds)


def test_depth_two_witness_rank_grows_with_length():
    t5 = Stack([Linear2RNNLayer(A=[[[2]]], h0=[1]), Linear2RNNLayer(A=[[[1]]], h0=[1])], C=[[1]])
    r = extract(t5, max_length=3, rtol=1e-12)
    assert [x.rank for x in r.rank_profile] == [1, 2, 3, 4]


def test_batched_and_per_word_callables_agree():
    target = random_wfa(2, 2, seed=7)
    per_word = extract(lambda w: target(w), alphabet_size=2, max_length=2, seed=3)

    def batched(words):
        return target.values(words)

    batched.batched = True
    both = extract(batched, alphabet_size=2, max_length=2, seed=3)
    a, b = per_word.to_dict(), both.to_dict()
    assert a["rank_profile"] == b["rank_profile"] and a["num_states"] == b["num_states"]
    assert a["queries"] == b["queries"]
    for key in ("held_out_errors", "block_errors", "lower_bounds"):
        assert np.allclose(np.array(a[key], dtype=float), np.array(b[key], dtype=float), atol=1e-12, equal_nan=True)


def test_as_word_function_and_errors():
    f, d = as_word_function(random_wfa(2, 3, seed=0))
    assert d == 3 and f([(), (2, 1)]).shape == (2,)
    with pytest.raises(InvalidArgumentError, match="alphabet_size"):
        as_word_function(lambda w: 0.0)
    with pytest.raises(InvalidArgumentError, match="readout"):
        as_word_function(lambda w: 0.0, 2, readout=object())
    with pytest.raises(InvalidArgumentError, match="num_states"):
        extract(lambda w: 1.0, alphabet_size=1, max_length=1, num_states=2)


def test_extraction_of_a_torch_lstm_matches_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(2, 3, batch_first=True, dtype=torch.float64)
    head = torch.nn.Linear(3, 1, dtype=torch.float64)
    r = extract(lstm, readout=head, max_length=2, test_words=[(0, 1, 1, 0, 1, 1)], sizes=[1, 2])
    assert r.queries == 2**6 - 1 + 1  # words of length <= 5, and the test word
    # the extracted WFA's held-out error is measured against torch's own output on the test word
    x = torch.zeros(1, 6, 2, dtype=torch.float64)
    x[0, torch.arange(6), torch.tensor([0, 1, 1, 0, 1, 1])] = 1
    with torch.no_grad():
        y = float(head(lstm(x)[0][0, -1])[0])
    assert np.isclose(r.test_error, abs(r.wfa([0, 1, 1, 0, 1, 1]) - y) / abs(y), rtol=1e-9)


def test_cli_extract_reads_weights_only_files(tmp_path, capsys):
    import json

    torch = pytest.importorskip("torch")
    from rnnexpr.cli import main
    from rnnexpr.io import load
    from rnnexpr.torch import save_sequence_model, sequence_function

    torch.manual_seed(2)
    gru, head = torch.nn.GRU(2, 3, batch_first=True), torch.nn.Linear(3, 1)
    path = save_sequence_model(tmp_path / "gru.pt", gru, head)
    out = tmp_path / "wfa.json"
    assert main(["extract", str(path), "--max-length", "2", "--rtol", "1e-4", "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    ref = extract(sequence_function(gru, 2, readout=head), alphabet_size=2, max_length=2, rtol=1e-4)
    assert report["rank_profile"] == [x.rank for x in ref.rank_profile]
    assert report["num_states"] == ref.num_states == load(out).num_states
    assert np.allclose(report["lower_bounds"], ref.profile.lower_bounds, rtol=1e-6, atol=1e-12)
    torch.save({"module": gru}, tmp_path / "pickled.pt")  # a whole pickled module: refused, never loaded
    assert main(["extract", str(tmp_path / "pickled.pt")]) == 2
    assert "weights_only" in capsys.readouterr().err
