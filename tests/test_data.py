"""rnnexpr.data: sequence files read back what was written, malformed lines are named, budgets hold, sampling is right."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnexpr.data import SequenceData, read_sequences, sample_words, write_sequences
from rnnexpr.errors import MissingFileError, ModelFormatError, ModelKindError, SizeLimitError
from rnnexpr.limits import budget
from rnnexpr.models import WFA

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "data"

words_st = st.integers(1, 5).flatmap(
    lambda d: st.tuples(st.just(d), st.lists(st.lists(st.integers(0, d - 1), max_size=8), max_size=20)))


@settings(max_examples=60, deadline=None)
@given(data=words_st, fmt=st.sampled_from(["pautomac", "text"]))
def test_write_then_read_round_trip(tmp_path_factory, data, fmt):
    d, words = data
    path = write_sequences(tmp_path_factory.mktemp("seq") / "s.txt", words, d, format=fmt)
    got = read_sequences(path, format=fmt, alphabet_size=d)
    assert got.sequences == tuple(tuple(w) for w in words)
    assert got.alphabet_size == d and got.format == fmt
    if fmt == "pautomac":  # detection
        assert read_sequences(path).sequences == got.sequences


def test_pautomac_format_by_hand(tmp_path):
    p = tmp_path / "train.txt"
    p.write_text("4 3\n3 0 1 2\n0\n1 2\n2 1 1\n")
    data = read_sequences(p)
    assert isinstance(data, SequenceData)
    assert data.sequences == ((0, 1, 2), (), (2,), (1, 1))
    assert (data.alphabet_size, len(data), data.total_symbols, data.max_length) == (3, 4, 6, 3)


def test_plain_text_tokens_and_integers(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("the cat\n\ncat the the\n")
    data = read_sequences(p)
    assert data.symbols == ("cat", "the") and data.sequences == ((1, 0), (), (0, 1, 1))
    p.write_text("3 1\n0\n")
    assert read_sequences(p, format="text").sequences == ((3, 1), (0,))
    assert read_sequences(p, format="text", alphabet_size=5).alphabet_size == 5


@pytest.mark.parametrize("text, line, fragment", [
    ("2 2\n2 0 1\n3 1 1\n", 3, "expected 3 symbols after the length 3, got 2"),
    ("2 2\n2 0 5\n1 1\n", 2, "expected a symbol in 0..1, got '5'"),
    ("2 2\n2 0 1\n", 3, "expected 2 sequences (the header's N), got 1"),
    ("1 2\n1 0\n1 1\n", 3, "got more"),
    ("x 2\n1 0\n", 1, "header"),
    ("2 2\nx 0\n1 1\n", 2, "non-negative integer length"),
    ("1 0\n0\n", 1, "alphabet size >= 1"),
])
def test_malformed_pautomac_lines_are_named(tmp_path, text, line, fragment):
    p = tmp_path / "bad.txt"
    p.write_text(text)
    with pytest.raises(ModelFormatError) as err:
        read_sequences(p, format="pautomac")
    msg = str(err.value)
    assert f"line {line}:" in msg and fragment in msg and "bad.txt" in msg
    assert "\n" not in msg


def test_alphabet_mismatch_and_missing_file(tmp_path):
    p = tmp_path / "s.txt"
    p.write_text("1 2\n1 1\n")
    with pytest.raises(ModelFormatError, match="line 1: expected the alphabet size 3"):
        read_sequences(p, alphabet_size=3)
    with pytest.raises(MissingFileError):
        read_sequences(tmp_path / "nope.txt")
    p.write_text("0 1 2\n")
    with pytest.raises(ModelFormatError, match="line 1: expected a symbol in 0..1"):
        read_sequences(p, format="text", alphabet_size=2)


def test_budgets_are_checked_before_reading(tmp_path):
    p = tmp_path / "s.txt"
    p.write_text("1000000000 2\n")  # the header claims 10^9 sequences: refused at line 1
    with pytest.raises(SizeLimitError, match="line 1: number of sequences"):
        read_sequences(p, format="pautomac")
    with pytest.raises(SizeLimitError, match="alphabet size"):  # as plain text: a symbol 10^9
        read_sequences(p)
    p.write_text("1 2\n5 0 1 0 1 0\n")
    with budget(length=4), pytest.raises(SizeLimitError, match="line 2: length"):
        read_sequences(p)
    with budget(file_bytes=8), pytest.raises(SizeLimitError, match="file size"):
        read_sequences(p)
    p.write_text("1 100000\n0\n")
    with pytest.raises(SizeLimitError, match="alphabet size"):
        read_sequences(p)


def test_example_sample_files():
    train = read_sequences(EXAMPLE / "pautomac_train.txt")
    test = read_sequences(EXAMPLE / "pautomac_test.txt")
    assert (len(train), len(test), train.alphabet_size, train.format) == (5000, 1000, 4, "pautomac")
    probs = np.loadtxt(EXAMPLE / "pautomac_test_probabilities.txt", skiprows=1)
    assert probs.shape == (1000,) and (probs > 0).all()


def test_sample_words_follows_the_distribution():
    """Empirical frequencies of short words within 5 standard deviations of P(w) = alpha^T A_w omega."""
    pfa = WFA([0.3, 0.7], [[[0.2, 0.1], [0.0, 0.4]], [[0.1, 0.3], [0.2, 0.1]]], [0.3, 0.3])
    count = 20000
    words = sample_words(pfa, count, seed=5)
    assert sample_words(pfa, count, seed=5) == words  # seeded
    freq: dict = {}
    for w in words:
        freq[w] = freq.get(w, 0) + 1
    for length in range(3):
        for w in itertools.product(range(2), repeat=length):
            p = pfa(list(w))
            sd = np.sqrt(p * (1 - p) / count)
            assert abs(freq.get(w, 0) / count - p) < 5 * sd + 1e-12, (w, p)


def test_sample_words_refuses_non_stochastic_automata():
    with pytest.raises(ModelKindError, match="stochastic"):
        sample_words(WFA([1.0], [[[0.9]]], [0.5]), 10)
    assert sample_words(WFA([1.0], [[[1.0]]], [0.0]), 3, max_length=4) == [(0,) * 4] * 3  # cut at max_length


def test_cli_learn_writes_the_model_and_scores_the_test_file(tmp_path, capsys):
    import json

    from rnnexpr.cli import main
    from rnnexpr.io import load
    from rnnexpr.spectral import learn_from_sample, ngram_wfa, perplexity, word_error_rate

    out = tmp_path / "learned.json"
    args = ["learn", str(EXAMPLE / "pautomac_train.txt"), "--rank", "5", "--variant", "suffix", "--test",
            str(EXAMPLE / "pautomac_test.txt"), "--test-probabilities",
            str(EXAMPLE / "pautomac_test_probabilities.txt"), "-o", str(out), "--json"]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    wfa = load(out)
    assert wfa.num_states == 5 and wfa.alphabet_size == 4
    train = read_sequences(EXAMPLE / "pautomac_train.txt")
    test = list(read_sequences(EXAMPLE / "pautomac_test.txt"))
    probs = np.loadtxt(EXAMPLE / "pautomac_test_probabilities.txt", skiprows=1)
    ref = learn_from_sample(train, 5, 4, variant="suffix", max_length=3)
    assert np.allclose(wfa.values(test), ref.values(test), rtol=1e-12, atol=1e-15)
    assert np.isclose(report["perplexity"], perplexity(ref, test, probabilities=probs, fallback=ngram_wfa(train, 4)))
    assert np.isclose(report["word_error_rate"], word_error_rate(ref, test))
    # close to the true automaton's score, and never below it by more than sampling noise
    true = perplexity({w: p for w, p in zip(test, probs, strict=True)}, test, probabilities=probs)
    assert true * 0.999 < report["perplexity"] < true * 1.01


def test_cli_learn_errors(tmp_path, capsys):
    from rnnexpr.cli import main

    bad = tmp_path / "bad.txt"
    bad.write_text("2 2\n2 0 1\n3 1 1\n")
    assert main(["learn", str(bad), "--rank", "2", "-o", str(tmp_path / "m.json")]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and err.count("\n") == 1
    probs = tmp_path / "p.txt"
    probs.write_text("2\n0.5\n0.5\n")
    assert main(["learn", str(EXAMPLE / "pautomac_train.txt"), "--rank", "2", "--test",
                 str(EXAMPLE / "pautomac_test.txt"), "--test-probabilities", str(probs), "-o",
                 str(tmp_path / "m.json")]) == 2
    assert "1000 probabilities" in capsys.readouterr().err
