"""Sequence files: the PAutomaC / SPiCe text format and plain text, read and written.

The PAutomaC and SPiCe competitions (and scikit-splearn's test data) store a
sample of words as text: a header line ``"N d"`` (the number of sequences and
the alphabet size), then one line per sequence ``"length s_1 s_2 ... s_length"``
with symbols ``0 .. d-1``::

    3 2
    2 0 1
    0
    3 1 1 0

Plain text has one sequence per line, symbols separated by spaces (an empty
line is the empty word).  When every symbol is a non-negative integer the
symbols are those integers; otherwise the distinct tokens are numbered in
sorted order (kept in ``SequenceData.symbols``).

Every read is bounded before anything is allocated (the budgets of
:mod:`rnnexpr.limits`): the file size (``file_bytes``), the declared number of
sequences (``words``), the alphabet size (``dimension``) and each declared
length (``length``).  A malformed line raises
:class:`~rnnexpr.errors.ModelFormatError` naming the file, the line number, what
was expected and what was found.

Examples
--------
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "train.txt")
>>> _ = write_sequences(path, [[0, 1], [], [1, 1, 0]], alphabet_size=2)
>>> print(open(path).read(), end="")
3 2
2 0 1
0
3 1 1 0
>>> data = read_sequences(path)
>>> data.format, data.alphabet_size, data.sequences
('pautomac', 2, ((0, 1), (), (1, 1, 0)))
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InvalidArgumentError, MissingFileError, ModelFormatError, ModelKindError
from .limits import check_size, current
from .models import WFA, check_words
from .validation import check_choice, check_int, check_seed

__all__ = ["SequenceData", "read_sequences", "write_sequences", "sample_words", "FORMATS"]

#: The sequence-file formats: ``"pautomac"`` (also SPiCe), ``"text"``, or ``"auto"`` (detect).
FORMATS = ("auto", "pautomac", "text")

Word = tuple[int, ...]


@dataclass(frozen=True, eq=False)
class SequenceData(Sequence[tuple[int, ...]]):
    """A sample of words read from a file (a sequence of words: ``len``, indexing, iteration).

    Attributes
    ----------
    sequences : tuple of tuple of int
        The words, symbols ``0 .. alphabet_size - 1``.
    alphabet_size : int
        From the header (PAutomaC), else one more than the largest symbol.
    format : str
        ``"pautomac"`` or ``"text"``.
    symbols : tuple of str or None
        For plain text with non-integer tokens: ``symbols[i]`` is the token of symbol ``i``.
    path : str or None
        The file read.

    Examples
    --------
    >>> data = SequenceData(((0,), (1, 0)), 2, "text")
    >>> len(data), data.total_symbols, data.max_length
    (2, 3, 2)
    """

    sequences: tuple[Word, ...]
    alphabet_size: int
    format: str = "pautomac"
    symbols: tuple[str, ...] | None = None
    path: str | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.sequences)

    def __iter__(self) -> Iterator[Word]:
        return iter(self.sequences)

    def __getitem__(self, index: Any) -> Any:
        return self.sequences[index]

    @property
    def total_symbols(self) -> int:
        """Number of symbols over all sequences."""
        return sum(len(w) for w in self.sequences)

    @property
    def max_length(self) -> int:
        """Length of the longest sequence (0 for an empty sample)."""
        return max((len(w) for w in self.sequences), default=0)


def _fail(path: Path, line: int, message: str) -> ModelFormatError:
    return ModelFormatError(f"{path}: line {line}: {message}")


def _int_token(token: str) -> int | None:
    return int(token) if token.isdigit() and len(token) <= 18 else None


def _open(path: Any) -> tuple[Path, list[str]]:
    if not isinstance(path, str | os.PathLike):
        raise InvalidArgumentError(f"path: expected a file path, got {type(path).__name__}")
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"path: expected an existing sequence file, got {str(p)!r}")
    check_size(p.stat().st_size, f"{p}: file size in bytes", "file_bytes")
    with open(p, encoding="utf-8", errors="strict") as fh:
        try:
            text = fh.read(current().file_bytes + 1)
        except UnicodeDecodeError as exc:
            raise ModelFormatError(f"{p}: expected UTF-8 text, got undecodable bytes at offset {exc.start}") from None
    check_size(len(text.encode("utf-8")), f"{p}: file size in bytes", "file_bytes")
    return p, text.split("\n")


def _looks_pautomac(lines: list[str]) -> bool:
    first = lines[0].split() if lines else []
    if len(first) != 2 or any(_int_token(t) is None for t in first):
        return False
    body = [ln.split() for ln in lines[1:] if ln.strip()]
    if len(body) == int(first[0]):
        return True
    sample = body[:200]
    fits = sum(1 for toks in sample if _int_token(toks[0]) is not None and int(toks[0]) == len(toks) - 1)
    return bool(sample) and fits >= 0.9 * len(sample)


def read_sequences(path: str | os.PathLike, *, format: str = "auto", alphabet_size: int | None = None
                   ) -> SequenceData:
    """Read a sample of words from a PAutomaC / SPiCe file or a plain-text file.

    Parameters
    ----------
    path : path-like
    format : {"auto", "pautomac", "text"}
        ``"auto"`` takes the PAutomaC format when the first line is two integers
        ``N d`` and either N non-empty lines follow or at least 90 % of the lines
        start with their own length; plain text otherwise.  Name the format to
        be sure.
    alphabet_size : int, optional
        Check the symbols against it (and, for plain text, use it instead of the
        largest symbol + 1).  For a PAutomaC file it must equal the header's.

    Returns
    -------
    SequenceData

    Raises
    ------
    ModelFormatError
        On a malformed line: the message gives the file, the line number, what
        was expected and what came (a length that disagrees with the symbols, a
        symbol outside the alphabet, a missing or extra line, a bad header).
    SizeLimitError
        When the file, the declared number of sequences, the alphabet or a
        declared length exceeds its budget (:mod:`rnnexpr.limits`).
    MissingFileError
        When the file does not exist.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "words.txt")
    >>> _ = open(path, "w").write("a b\\n\\nb b a\\n")
    >>> data = read_sequences(path)
    >>> data.format, data.symbols, data.sequences
    ('text', ('a', 'b'), ((0, 1), (), (1, 1, 0)))
    >>> _ = open(path, "w").write("2 2\\n2 0 1\\n3 1 1\\n")
    >>> read_sequences(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rnnexpr.errors.ModelFormatError: ...words.txt: line 3: expected 3 symbols after the length 3, got 2
    """
    format = check_choice(format, "format", FORMATS)
    if alphabet_size is not None:
        alphabet_size = check_int(alphabet_size, "alphabet_size", minimum=1)
        check_size(alphabet_size, "alphabet_size", "dimension")
    p, lines = _open(path)
    if lines and lines[-1] == "":
        lines.pop()  # the final newline
    lines = [ln.rstrip("\r") for ln in lines]
    if format == "auto":
        format = "pautomac" if _looks_pautomac(lines) else "text"
    if format == "pautomac":
        return _read_pautomac(p, lines, alphabet_size)
    return _read_text(p, lines, alphabet_size)


def _read_pautomac(p: Path, lines: list[str], alphabet_size: int | None) -> SequenceData:
    if not lines:
        raise _fail(p, 1, "expected a header 'N alphabet_size', got an empty file")
    head = lines[0].split()
    if len(head) != 2 or any(_int_token(t) is None for t in head):
        raise _fail(p, 1, f"expected a header 'N alphabet_size' (two non-negative integers), got {lines[0][:60]!r}")
    count = check_size(int(head[0]), f"{p}: line 1: number of sequences", "words")
    d = check_size(int(head[1]), f"{p}: line 1: alphabet size", "dimension")
    if d < 1:
        raise _fail(p, 1, "expected an alphabet size >= 1, got 0")
    if alphabet_size is not None and alphabet_size != d:
        raise _fail(p, 1, f"expected the alphabet size {alphabet_size} (alphabet_size), got {d}")
    max_len = current().length
    words: list[Word] = []
    for number, line in enumerate(lines[1:], start=2):
        toks = line.split()
        if not toks:
            if number - 1 > count:
                continue  # trailing blank lines
            raise _fail(p, number, "expected 'length s_1 ... s_length', got an empty line")
        if len(words) == count:
            raise _fail(p, number, f"expected {count} sequences (the header's N), got more")
        length = _int_token(toks[0])
        if length is None:
            raise _fail(p, number, f"expected a non-negative integer length first, got {toks[0][:30]!r}")
        check_size(length, f"{p}: line {number}: length", "length", limit=max_len)
        if len(toks) - 1 != length:
            raise _fail(p, number, f"expected {length} symbols after the length {length}, got {len(toks) - 1}")
        word = []
        for tok in toks[1:]:
            s = _int_token(tok)
            if s is None or s >= d:
                raise _fail(p, number, f"expected a symbol in 0..{d - 1}, got {tok[:30]!r}")
            word.append(s)
        words.append(tuple(word))
    if len(words) != count:
        raise _fail(p, len(lines) + 1, f"expected {count} sequences (the header's N), got {len(words)}")
    return SequenceData(tuple(words), d, "pautomac", None, str(p))


def _read_text(p: Path, lines: list[str], alphabet_size: int | None) -> SequenceData:
    check_size(len(lines), f"{p}: number of lines", "words")
    max_len = current().length
    rows = []
    for number, line in enumerate(lines, start=1):
        toks = line.split()
        check_size(len(toks), f"{p}: line {number}: length", "length", limit=max_len)
        rows.append(toks)
    tokens = {t for row in rows for t in row}
    numeric = all(_int_token(t) is not None for t in tokens)
    symbols: tuple[str, ...] | None = None
    if numeric:
        code = {t: int(t) for t in tokens}
        d = max(code.values(), default=-1) + 1
    else:
        symbols = tuple(sorted(tokens))
        code = {t: i for i, t in enumerate(symbols)}
        d = len(symbols)
    if alphabet_size is not None:
        for number, row in enumerate(rows, start=1):
            for t in row:
                if code[t] >= alphabet_size:
                    raise _fail(p, number, f"expected a symbol in 0..{alphabet_size - 1} (alphabet_size), got {t!r}")
        d = alphabet_size
    check_size(max(d, 1), f"{p}: alphabet size", "dimension")
    words = tuple(tuple(code[t] for t in row) for row in rows)
    return SequenceData(words, max(d, 1), "text", symbols, str(p))


def write_sequences(path: str | os.PathLike, sequences: Sequence[Sequence[int]], alphabet_size: int, *,
                    format: str = "pautomac") -> Path:
    """Write words in the PAutomaC / SPiCe format (or plain text), read back by :func:`read_sequences`.

    Parameters
    ----------
    path : path-like
    sequences : sequence of words
    alphabet_size : int
    format : {"pautomac", "text"}

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, os
    >>> path = write_sequences(os.path.join(tempfile.mkdtemp(), "s.txt"), [[1, 0], [0]], 2, format="text")
    >>> open(path).read()
    '1 0\\n0\\n'
    """
    d = check_int(alphabet_size, "alphabet_size", minimum=1)
    format = check_choice(format, "format", ("pautomac", "text"))
    words = check_words(sequences, d, "sequences")
    lines = [f"{len(words)} {d}"] if format == "pautomac" else []
    for w in words:
        body = " ".join(map(str, w))
        lines.append(f"{len(w)} {body}".rstrip() if format == "pautomac" else body)
    out = Path(path)
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return out


def sample_words(model: WFA, count: int, *, seed: int = 0, max_length: int = 1000) -> list[Word]:
    """Draw words from a probabilistic automaton: ``P(w) = alpha^T A_w omega``.

    The automaton must be stochastic: ``alpha`` a probability vector,
    ``A[i, s, j] >= 0``, ``omega >= 0`` with ``sum_{s, j} A[i, s, j] + omega[i] = 1``
    for every state ``i`` (from state ``i`` the next symbol is ``s`` and the next
    state ``j`` with probability ``A[i, s, j]``, or the word stops with
    probability ``omega[i]``).

    Parameters
    ----------
    model : WFA
    count : int
        Number of words.
    seed : int
    max_length : int
        Words are cut at this length (a guard against automata that rarely stop).

    Returns
    -------
    list of tuple of int

    Raises
    ------
    ModelKindError
        When the automaton is not stochastic (to 1e-9).

    Examples
    --------
    >>> pfa = WFA([1.0], [[[0.25], [0.25]]], [0.5])   # stop w.p. 1/2, else a uniform symbol
    >>> words = sample_words(pfa, 2000, seed=0)
    >>> round(sum(len(w) == 0 for w in words) / 2000, 1)
    0.5
    """
    if not isinstance(model, WFA):
        raise ModelKindError(f"model: expected a WFA, got {type(model).__name__}")
    count = check_size(check_int(count, "count", minimum=0), "count", "words")
    max_length = check_size(check_int(max_length, "max_length", minimum=0), "max_length", "length")
    alpha = np.asarray(model.alpha, dtype=np.float64)
    A = np.asarray(model.A, dtype=np.float64)
    omega = np.asarray(model.omega, dtype=np.float64)
    n, d, _ = A.shape
    rows = A.reshape(n, d * n).sum(axis=1) + omega
    if (alpha < 0).any() or (A < 0).any() or (omega < 0).any() or abs(alpha.sum() - 1) > 1e-9 or \
            np.abs(rows - 1).max() > 1e-9:
        raise ModelKindError("model: expected a stochastic automaton (non-negative weights, alpha summing to 1, "
                             "each state's transitions and stop probability summing to 1), got other weights")
    rng = np.random.default_rng(check_seed(seed))
    # From state i: outcome k < d * n is (symbol k // n, state k % n); k = d * n stops.
    table = np.concatenate([A.reshape(n, d * n), omega[:, None]], axis=1)
    cdf = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    state = np.searchsorted(np.cumsum(alpha / alpha.sum()), rng.random(count), side="right").clip(0, n - 1)
    words: list[list[int]] = [[] for _ in range(count)]
    alive = np.arange(count)
    for _ in range(max_length):
        if alive.size == 0:
            break
        u = rng.random(alive.size)
        k = (cdf[state[alive]] <= u[:, None]).sum(axis=1).clip(0, d * n)
        go = k < d * n
        for i, kk in zip(alive[go], k[go], strict=True):
            words[i].append(int(kk // n))
        state[alive[go]] = k[go] % n
        alive = alive[go]
    return [tuple(w) for w in words]
