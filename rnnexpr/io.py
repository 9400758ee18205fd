"""Saving and loading models: JSON (documented schema) and ``.npz`` (no pickling).

JSON schema (version 1)::

    {"format": "rnnexpr-model", "version": 1, "kind": "stack",
     "layers": [{"A": ..., "U": ..., "V": ..., "b": ..., "h0": ..., "input_dim": m}, ...],
     "C": ..., "c": ...}
    {"format": "rnnexpr-model", "version": 1, "kind": "depthwise", "layers": [...], "C": ..., "c": ...,
     "activation": "relu" | "tanh" | "identity" | {"name": "polynomial", "coefficients": [...]},
     "readout_activation": false}
    {"format": "rnnexpr-model", "version": 1, "kind": "wfa", "alpha": ..., "A": ..., "omega": ...}

Arrays are nested lists of numbers or ``"p/q"`` strings.  A file whose entries are
all integers or ``"p/q"`` strings loads as an exact model; floats are written with
full precision, so round trips are exact in both domains.  Absent terms are
omitted or ``null``.  ``input_dim`` is only needed for a layer with neither A nor U.

The ``.npz`` format stores the same fields as arrays named ``layers/0/A`` etc.
plus a ``__meta__`` JSON string; exact arrays are stored as unicode string
arrays, and files are read with ``allow_pickle=False``.

Reading is bounded (see :mod:`rnnexpr.limits`): before anything is allocated or
any loop starts, the file size, the JSON nesting depth, the characters of every
number (integers, ``"p/q"`` strings, exponents such as ``"1e100000000"``), the
declared sizes (depth, widths, ``input_dim``, number of states, total entries) and
the decompressed size of every ``.npz`` member (read from the zip headers and the
``.npy`` headers) are checked against the budgets, and a file above one is refused
with a one-line :class:`~rnnexpr.errors.SizeLimitError` naming the field, the value
and the limit.  A malformed file raises :class:`~rnnexpr.errors.ModelFormatError`.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InvalidArgumentError, MissingFileError, ModelFormatError, ModelKindError, RnnexprError, SizeLimitError
from .limits import HOW_TO_RAISE, check_size, current
from .models import Activation, DepthwiseStack, Linear2RNNLayer, LinearRNNLayer, Stack, WFA
from .numbers import as_array, is_exact_array, to_json_array

__all__ = ["save", "load", "model_to_dict", "model_from_dict", "read_json", "parse_json", "check_numbers",
           "FORMAT", "VERSION"]

FORMAT = "rnnexpr-model"
VERSION = 1
_TERMS = ("A", "U", "V", "b", "h0")
_NDIM: dict[str, int | tuple[int, ...]] = {"A": 3, "U": 2, "V": 2, "b": 1, "h0": 1, "C": (1, 2), "c": 1, "alpha": 1, "omega": 1}

Model = Stack | DepthwiseStack | WFA


# ---------------------------------------------------------------------------
# bounded reading: file size, JSON nesting depth, digits of numbers
# ---------------------------------------------------------------------------

_NUMBER_TEXT = re.compile(r"\s*[+-]?(?:\d[\d_]*)?(?:\.[\d_]*)?(?:[eE]([+-]?\d[\d_]*))?\s*(?:/\s*[+-]?\d[\d_]*\s*)?")
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_CHUNK = 1 << 20


def _read_bytes(path: str | os.PathLike, name: str) -> bytes:
    """At most ``file_bytes + 1`` bytes of ``path`` (so ``/dev/zero`` is refused at once)."""
    limit = current().file_bytes
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise MissingFileError(f"{name}: no such file {str(path)!r}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InvalidArgumentError(f"{name}: expected a file, got the directory {str(path)!r}")
    if stat.S_ISREG(info.st_mode) and info.st_size > limit:
        raise SizeLimitError(f"{name}: {str(path)!r} has {info.st_size} bytes, above the limit {limit} "
                             f"({HOW_TO_RAISE.format('file_bytes')})")
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise SizeLimitError(f"{name}: {str(path)!r} has more than {limit} bytes, the limit "
                             f"({HOW_TO_RAISE.format('file_bytes')})")
    return data


def _json_depth(data: bytes) -> int:
    """The nesting depth of arrays and objects in JSON text (vectorized, chunk by chunk)."""
    if b"\\" in data:
        data = _ESCAPE.sub(b"", data)
    deepest, depth, in_string = 0, 0, 0
    buf = np.frombuffer(data, dtype=np.uint8)
    for start in range(0, buf.size, _CHUNK):
        c = buf[start:start + _CHUNK]
        quotes = c == 34
        parity = (np.cumsum(quotes, dtype=np.int64) + in_string) & 1
        in_string = int(parity[-1]) if c.size else in_string
        outside = (parity == 0) & ~quotes
        delta = ((c == 91) | (c == 123)).astype(np.int64) - ((c == 93) | (c == 125))
        delta[~outside] = 0
        running = depth + np.cumsum(delta)
        if running.size:
            deepest = max(deepest, int(running.max()))
            depth = int(running[-1])
    return deepest


def _number_text_size(text: str) -> int | None:
    """Characters plus the exponent's magnitude of a number written as text, None if it is no number."""
    m = _NUMBER_TEXT.fullmatch(text)
    if m is None or not any(ch.isdigit() for ch in text):
        return None
    size = len(text)
    if m.group(1) is not None:
        exponent = m.group(1).replace("_", "")
        size += abs(int(exponent)) if len(exponent) < 30 else 10**30
    return size


def _check_number_text(text: str, where: str) -> None:
    limit = current().digits
    if len(text) > limit and _NUMBER_TEXT.fullmatch(text[:2 * limit]) is None:
        return  # long text that is no number (a description)
    size = _number_text_size(text) if len(text) <= limit else len(text)
    if size is not None and size > limit:
        shown = text if len(text) <= 40 else text[:20] + "..." + text[-10:]
        raise SizeLimitError(f"{where}: the number {shown!r} has {size if size < 10**30 else 'too many'} digits "
                             f"(counting the exponent), above the limit {limit} ({HOW_TO_RAISE.format('digits')})")


def check_numbers(data: Any, name: str) -> None:
    """Refuse numbers of JSON data above the ``digits`` budget, before any is converted.

    Every integer and every string that reads as a number (``"3/4"``, ``"1e100000000"``)
    is measured: its characters plus the magnitude of its exponent (so
    ``"1e100000000"`` counts 100 million digits).  Strings that are not numbers
    (descriptions) are not limited.  Arrays of strings (from ``.npz``) are checked
    the same way.

    Parameters
    ----------
    data : Any
        Nested lists, dicts, numbers, strings, numpy arrays.
    name : str
        The field, named in the message.

    Raises
    ------
    SizeLimitError
        Naming the field, the number and the limit.

    Examples
    --------
    >>> check_numbers({"A": [["1/2", 3]]}, "model")
    >>> check_numbers({"A": [["1e100000000"]]}, "model")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rnnexpr.errors.SizeLimitError: model.A[0][0]: the number '1e100000000' has 100000011 digits ...
    """
    limit = current().digits
    max_bits = int(limit * 3.33) + 4
    stack: list[tuple[Any, str]] = [(data, name)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            _check_number_text(item, where)
        elif isinstance(item, bool) or item is None or isinstance(item, float):
            continue
        elif isinstance(item, int):
            if item.bit_length() > max_bits:
                raise SizeLimitError(f"{where}: an integer of about {int(item.bit_length() * 0.30103)} digits, above "
                                     f"the limit {limit} ({HOW_TO_RAISE.format('digits')})")
        elif isinstance(item, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k)) for k, v in item.items())
        elif isinstance(item, list | tuple):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
        elif isinstance(item, np.ndarray):
            if item.dtype.kind == "U" and item.size:
                lengths = np.char.str_len(item)
                risky = np.flatnonzero((lengths.ravel() > limit) | np.char.find(
                    np.char.lower(item.ravel()), "e").__ge__(0))
                for k in risky:
                    _check_number_text(str(item.ravel()[k]), f"{where}[{k}]")
            elif item.dtype == object:
                stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item.ravel().tolist()))


def parse_json(text: str | bytes, name: str) -> Any:
    """Parse JSON text within the budgets: nesting depth first, then the digits of every number.

    Parameters
    ----------
    text : str or bytes
        The JSON text (already bounded in size by the caller).
    name : str
        What the text is (a path), named in messages.

    Returns
    -------
    Any
        The parsed data.

    Raises
    ------
    ModelFormatError
        When the text is not JSON (``NaN`` and ``Infinity`` are read as floats and refused where
        a finite number is needed, naming the field).
    SizeLimitError
        When the nesting depth or a number exceeds its budget.

    Examples
    --------
    >>> parse_json('{"a": [1, "2/3"]}', "doc")
    {'a': [1, '2/3']}
    >>> parse_json("[" * 100 + "]" * 100, "doc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rnnexpr.errors.SizeLimitError: doc: JSON nesting depth 100 exceeds the limit 64 ...
    """
    limits = current()
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    depth = _json_depth(data)
    if depth > limits.json_depth:
        raise SizeLimitError(f"{name}: JSON nesting depth {depth} exceeds the limit {limits.json_depth} "
                             f"({HOW_TO_RAISE.format('json_depth')})")

    def parse_int(token: str) -> int:
        if len(token) > limits.digits:
            raise SizeLimitError(f"{name}: an integer of {len(token)} digits, above the limit {limits.digits} "
                                 f"({HOW_TO_RAISE.format('digits')})")
        return int(token)

    def parse_float(token: str) -> float:
        if len(token) > limits.digits:
            raise SizeLimitError(f"{name}: a number of {len(token)} characters, above the limit {limits.digits} "
                                 f"({HOW_TO_RAISE.format('digits')})")
        return float(token)

    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFormatError(f"{name}: not a UTF-8 text file") from None
    try:
        parsed = json.loads(decoded, parse_int=parse_int, parse_float=parse_float)
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:  # pragma: no cover - the depth scan refuses this first
        raise SizeLimitError(f"{name}: JSON nested too deeply (budget 'json_depth')") from None
    check_numbers(parsed, "")
    return parsed


def read_json(path: str | os.PathLike, name: str = "file") -> Any:
    """Read a JSON file within the budgets (size, nesting depth, digits): see :func:`parse_json`.

    Parameters
    ----------
    path : str or os.PathLike
    name : str
        What the file is, named in messages.

    Returns
    -------
    Any

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    SizeLimitError
        When the file is larger than the ``file_bytes`` budget (at most that many bytes are read).
    ModelFormatError
        When it is not JSON.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "x.json")
    >>> _ = open(p, "w").write('{"rank": 3}')
    >>> read_json(p)
    {'rank': 3}
    """
    data = _read_bytes(path, name)
    return parse_json(data, f"{name}: {str(path)!r}" if name == "file" else name)


# ---------------------------------------------------------------------------
# declared sizes, checked before any array is built
# ---------------------------------------------------------------------------


def _declared_shape(x: Any, ndim: int) -> tuple[int, ...]:
    """The shape a nested list declares, read along its first elements (no full walk)."""
    if isinstance(x, np.ndarray):
        return tuple(int(n) for n in x.shape)
    dims: list[int] = []
    cur = x
    for _ in range(ndim):
        if not isinstance(cur, list | tuple):
            break
        dims.append(len(cur))
        if not cur:
            break
        cur = cur[0]
    return tuple(dims)


class _Sizes:
    """Running totals of a model's declared sizes against the budgets."""

    def __init__(self) -> None:
        self.limits = current()
        self.entries = 0

    def array(self, x: Any, where: str, ndim: int) -> None:
        shape = _declared_shape(x, ndim)
        for axis, n in enumerate(shape):
            check_size(n, f"{where}: axis {axis} of shape {shape}", "dimension")
        count = math.prod(shape) if shape else 1
        self.entries += count
        check_size(self.entries, f"{where}: the model's entries so far", "entries")

    def dimension(self, value: Any, where: str) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            check_size(value, where, "dimension")


def _max_ndim(key: str) -> int:
    nd = _NDIM.get(key, 3)
    return max(nd) if isinstance(nd, tuple) else nd


def _check_declared_sizes(d: dict[str, Any]) -> None:
    """Budgets on depth, widths, input_dim, states and total entries of a model dictionary."""
    sizes = _Sizes()
    kind = d.get("kind")
    if kind == "wfa":
        for key in ("alpha", "A", "omega"):
            if d.get(key) is not None:
                sizes.array(d[key], key, _max_ndim(key))
        return
    layers = d.get("layers")
    if isinstance(layers, list):
        check_size(len(layers), "layers: the number of layers (depth)", "depth")
        for i, entry in enumerate(layers):
            if not isinstance(entry, dict):
                continue
            for t in _TERMS:
                if entry.get(t) is not None:
                    sizes.array(entry[t], f"layers[{i}].{t}", _max_ndim(t))
            sizes.dimension(entry.get("input_dim"), f"layers[{i}].input_dim")
    for key in ("C", "c"):
        if d.get(key) is not None:
            sizes.array(d[key], key, _max_ndim(key))
    act = d.get("activation")
    if isinstance(act, dict) and isinstance(act.get("coefficients"), list):
        check_size(len(act["coefficients"]), "activation.coefficients: the number of coefficients", "dimension")


# ---------------------------------------------------------------------------
# compact JSON: one matrix row per line at most
# ---------------------------------------------------------------------------


def _compact(obj: Any, indent: int = 0) -> str:
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {_compact(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and any(isinstance(v, list | dict) for v in obj):
        return "[\n" + ",\n".join(inner + _compact(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return json.dumps(obj)


def model_to_dict(model: Model) -> dict[str, Any]:
    """The JSON-ready dictionary of a model (see the module docstring for the schema).

    Examples
    --------
    >>> from rnnexpr.models import WFA
    >>> model_to_dict(WFA([1], [[["1/2"]]], [1]))["A"]
    [[['1/2']]]
    """
    if isinstance(model, WFA):
        return {
            "format": FORMAT,
            "version": VERSION,
            "kind": "wfa",
            "alpha": to_json_array(model.alpha),
            "A": to_json_array(model.A),
            "omega": to_json_array(model.omega),
        }
    if not isinstance(model, Stack | DepthwiseStack):
        raise ModelKindError(f"model: expected a Stack, DepthwiseStack or WFA, got {type(model).__name__}")
    layers = []
    for layer in model.layers:
        entry: dict[str, Any] = {t: to_json_array(a) for t, a in layer.terms.items()}
        if layer.A is None and layer.U is None:
            entry["input_dim"] = layer.input_dim
        layers.append(entry)
    out: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "kind": "stack" if isinstance(model, Stack) else "depthwise",
        "layers": layers,
        "C": to_json_array(model.C),
        "c": None if model.c is None else to_json_array(model.c),
    }
    if isinstance(model, DepthwiseStack):
        out["activation"] = model.activation.to_json()
        out["readout_activation"] = bool(model.readout_activation)
    return out


def _field(d: dict, key: str, where: str, required: bool = True) -> Any:
    name = f"{where}{key}"
    if key not in d or d[key] is None:
        if required:
            raise ModelFormatError(f"{name}: required field is missing")
        return None
    try:
        return as_array(d[key], name, ndim=_NDIM.get(key))
    except RnnexprError as exc:
        raise ModelFormatError(_named(name, exc)) from exc
    except OverflowError:
        raise ModelFormatError(f"{name}: an entry is too large for floating point (write the model exactly, "
                               "with integers or 'p/q' strings only)") from None
    except (TypeError, ValueError) as exc:
        raise ModelFormatError(f"{name}: malformed array ({exc})") from exc


def _named(name: str, exc: BaseException) -> str:
    """The message of ``exc`` prefixed by ``name`` once (never "x: x: ...")."""
    message = str(exc)
    return message if message.startswith(name + ":") or message.startswith(name + " ") else f"{name}: {message}"


def model_from_dict(d: Any) -> Model:
    """Build a model from its dictionary, validating every field.

    Raises
    ------
    ModelFormatError
        Naming the offending field when the dictionary is malformed or inconsistent.

    Examples
    --------
    >>> model_from_dict({"format": "rnnexpr-model", "version": 1, "kind": "wfa",
    ...                  "alpha": [1], "A": [[[2]]], "omega": [1]})([0, 0])
    4.0
    """
    if not isinstance(d, dict):
        raise ModelFormatError(f"file: expected a JSON object at the top level, got {type(d).__name__}")
    if d.get("format") != FORMAT:
        raise ModelFormatError(f"format: expected {FORMAT!r}, got {d.get('format')!r}")
    if d.get("version") != VERSION:
        raise ModelFormatError(f"version: expected {VERSION}, got {d.get('version')!r}")
    kind = d.get("kind")
    _check_declared_sizes(d)
    check_numbers({k: v for k, v in d.items() if k not in ("format", "version", "kind")}, "")
    try:
        if kind == "wfa":
            return WFA(_field(d, "alpha", ""), _field(d, "A", ""), _field(d, "omega", ""))
        if kind in ("stack", "depthwise"):
            raw_layers = d.get("layers")
            if not isinstance(raw_layers, list) or not raw_layers:
                raise ModelFormatError("layers: expected a non-empty list of layer objects")
            layers: list[Linear2RNNLayer] = []
            for i, entry in enumerate(raw_layers):
                where = f"layers[{i}]."
                if not isinstance(entry, dict):
                    raise ModelFormatError(f"layers[{i}]: expected an object, got {type(entry).__name__}")
                unknown = set(entry) - set(_TERMS) - {"input_dim"}
                if unknown:
                    raise ModelFormatError(f"layers[{i}]: unknown field(s) {sorted(unknown)}")
                terms = {t: _field(entry, t, where, required=False) for t in _TERMS}
                input_dim = entry.get("input_dim")
                try:
                    if kind == "depthwise":
                        if terms["A"] is not None:
                            raise ModelFormatError(f"layers[{i}].A: a depthwise stack has linear layers only")
                        layers.append(LinearRNNLayer(U=terms["U"], V=terms["V"], b=terms["b"], h0=terms["h0"],
                                                     input_dim=input_dim))
                    elif terms["A"] is None:
                        layers.append(LinearRNNLayer(U=terms["U"], V=terms["V"], b=terms["b"], h0=terms["h0"],
                                                     input_dim=input_dim))
                    else:
                        layers.append(Linear2RNNLayer(input_dim=input_dim, **terms))
                except ModelFormatError:
                    raise
                except (TypeError, ValueError) as exc:
                    raise ModelFormatError(_named(f"layers[{i}]", exc)) from exc
            C = _field(d, "C", "")
            c = _field(d, "c", "", required=False)
            try:
                if kind == "stack":
                    return Stack(layers, C, c)
                activation = d.get("activation")
                if activation is None:
                    raise ModelFormatError("activation: required field is missing for a depthwise stack")
                try:
                    act = Activation.parse(activation)
                except (TypeError, ValueError) as exc:
                    raise ModelFormatError(_named("activation", exc)) from exc
                return DepthwiseStack(layers, C, c, act, bool(d.get("readout_activation", False)))
            except ModelFormatError:
                raise
            except (TypeError, ValueError) as exc:
                raise ModelFormatError(f"model: inconsistent fields ({exc})") from exc
    except ModelFormatError:
        raise
    except OverflowError:
        raise ModelFormatError("model: an entry is too large for floating point (write the model exactly, "
                               "with integers or 'p/q' strings only)") from None
    except (TypeError, ValueError) as exc:
        raise ModelFormatError(str(exc)) from exc
    raise ModelFormatError(f"kind: expected 'stack', 'depthwise' or 'wfa', got {kind!r}")


def _npz_arrays(d: dict[str, Any], exact_keys: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for key, arr in exact_keys.items():
        if is_exact_array(arr):
            out[key] = np.array([str(v) for v in arr.ravel()], dtype=np.str_).reshape(arr.shape)
        else:
            out[key] = np.asarray(arr, dtype=np.float64)
    return out


def save(model: Model, path: str | os.PathLike) -> Path:
    """Save a model as JSON (``.json``) or numpy ``.npz`` (any other suffix is refused).

    The JSON is compact and readable: one matrix row per line at most.

    Parameters
    ----------
    model : Stack, DepthwiseStack or WFA
    path : str or path-like
        Ends in ``.json`` or ``.npz``.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import tempfile, os
    >>> from rnnexpr.models import random_wfa
    >>> w = random_wfa(2, 2, seed=0, exact=True)
    >>> p = save(w, os.path.join(tempfile.mkdtemp(), "w.json"))
    >>> load(p)([0, 1], exact=True) == w([0, 1], exact=True)
    True
    """
    path = Path(path)
    d = model_to_dict(model)
    if path.suffix == ".json":
        path.write_text(_compact(d) + "\n")
        return path
    if path.suffix == ".npz":
        arrays: dict[str, np.ndarray] = {}
        meta = {k: v for k, v in d.items() if k in ("format", "version", "kind", "activation", "readout_activation")}
        if isinstance(model, WFA):
            arrays.update(_npz_arrays(d, {"alpha": model.alpha, "A": model.A, "omega": model.omega}))
        else:
            meta["input_dims"] = [layer.input_dim for layer in model.layers]
            meta["depth"] = model.depth
            for i, layer in enumerate(model.layers):
                arrays.update(_npz_arrays(d, {f"layers/{i}/{t}": a for t, a in layer.terms.items()}))
            arrays.update(_npz_arrays(d, {"C": model.C}))
            if model.c is not None:
                arrays.update(_npz_arrays(d, {"c": model.c}))
        arrays["__meta__"] = np.array(json.dumps(meta))
        with open(path, "wb") as fh:
            # numpy's stub lets the ** mapping fill savez's allow_pickle keyword; these keys are
            # array names ("C", "layers/0/A", "__meta__"), never that keyword.
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        return path
    raise InvalidArgumentError(f"path: expected a .json or .npz file name, got {str(path)!r}")


def _from_npz_array(a: np.ndarray) -> Any:
    if a.dtype.kind == "U":
        return a.tolist()  # "p/q" strings: parsed exactly by as_array
    return a


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    """The members of a ``.npz`` file, checking the zip and ``.npy`` headers before decompressing."""
    where = f"file: {str(path)!r}"
    _read_bytes(path, "file")  # the size budget on the compressed file
    if not zipfile.is_zipfile(path):
        raise ModelFormatError(f"{where} is not a .npz model (not a zip archive)")
    files: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            check_size(len(infos), f"{where}: the number of members", "dimension")
            total = sum(info.file_size for info in infos)
            check_size(total, f"{where}: the decompressed size of its members in bytes", "npz_bytes")
            for info in infos:
                if not info.filename.endswith(".npy"):
                    raise ModelFormatError(f"{where}: member {info.filename!r} is not a .npy array")
                key = info.filename[:-4]
                with archive.open(info) as fh:
                    version = np.lib.format.read_magic(fh)
                    if version == (1, 0):
                        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
                    elif version in ((2, 0), (3, 0)):
                        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
                    else:
                        raise ModelFormatError(f"{where}: member {key!r}: unsupported .npy version {version}")
                    if dtype.hasobject:
                        raise ModelFormatError(f"{where}: member {key!r}: object arrays are not accepted "
                                               "(models are stored as numbers or unicode strings)")
                    if dtype.kind not in "fiuU" and dtype != np.float64:
                        raise ModelFormatError(f"{where}: member {key!r}: unexpected dtype {dtype}")
                    count = math.prod(shape)
                    check_size(count, f"{where}: member {key!r} of shape {tuple(shape)}: entries", "entries")
                    nbytes = count * dtype.itemsize
                    check_size(nbytes, f"{where}: member {key!r}: decompressed bytes", "npz_bytes")
                    data = fh.read(nbytes + 1)
                    if len(data) != nbytes:
                        raise ModelFormatError(f"{where}: member {key!r} is truncated or has trailing data "
                                               f"({len(data)} bytes for a declared {nbytes})")
                    arr = np.frombuffer(data, dtype=dtype)
                    arr = arr.reshape(shape[::-1]).T if fortran else arr.reshape(shape)
                    files[key] = arr
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, KeyError, OSError) as exc:
        if isinstance(exc, RnnexprError | FileNotFoundError):
            raise
        raise ModelFormatError(f"{where} is not a readable .npz model ({type(exc).__name__}: "
                               f"{' '.join(str(exc).split())[:200]})") from None
    return files


def _dict_from_npz(files: dict[str, np.ndarray], path: Path) -> dict[str, Any]:
    if "__meta__" not in files:
        raise ModelFormatError("__meta__: required entry is missing from the .npz file")
    meta_array = files["__meta__"]
    if meta_array.dtype.kind != "U" or meta_array.size != 1:
        raise ModelFormatError("__meta__: expected one JSON string")
    meta = parse_json(str(meta_array.reshape(-1)[0]), "__meta__")
    if not isinstance(meta, dict):
        raise ModelFormatError(f"__meta__: expected a JSON object, got {type(meta).__name__}")
    d = dict(meta)
    if meta.get("kind") == "wfa":
        for key in ("alpha", "A", "omega"):
            if key in files:
                d[key] = _from_npz_array(files[key])
        return d
    depth = meta.get("depth", 0)
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ModelFormatError(f"__meta__.depth: expected a positive integer, got {depth!r}")
    check_size(depth, "__meta__.depth", "depth")
    members = sum(1 for k in files if k.startswith("layers/"))
    if depth > members + 1 and depth > len(files):
        raise ModelFormatError(f"__meta__.depth: {depth} layers declared, but the file holds {members} layer arrays")
    input_dims = meta.get("input_dims", [None] * depth)
    if not isinstance(input_dims, list) or len(input_dims) != depth:
        raise ModelFormatError(f"__meta__.input_dims: expected a list of {depth} entries, got {input_dims!r}"[:200])
    layers = []
    for i in range(depth):
        entry: dict[str, Any] = {t: _from_npz_array(files[f"layers/{i}/{t}"]) for t in _TERMS
                                 if f"layers/{i}/{t}" in files}
        if "A" not in entry and "U" not in entry:
            entry["input_dim"] = input_dims[i]
        layers.append(entry)
    d["layers"] = layers
    d["C"] = _from_npz_array(files["C"]) if "C" in files else None
    d["c"] = _from_npz_array(files["c"]) if "c" in files else None
    return d


def load(path: str | os.PathLike) -> Model:
    """Load a model saved by :func:`save` (JSON or ``.npz``, pickling disabled).

    Reading is bounded by the budgets of :mod:`rnnexpr.limits` (file size, JSON nesting
    depth, digits of numbers, declared sizes, decompressed ``.npz`` size), checked before
    anything is allocated.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.json`` or ``.npz`` file written by :func:`save`.

    Returns
    -------
    Stack, DepthwiseStack or WFA
        The model, with exact (Fraction) arrays when it was saved exact.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    SizeLimitError
        If a size exceeds its budget (the field, the value and the limit are named).
    ModelFormatError
        If it is not valid JSON / npz, or a field is malformed (the field is named).

    Examples
    --------
    >>> import tempfile, os
    >>> from rnnexpr.models import random_stack
    >>> s = random_stack([2, 3], input_dim=2, seed=0, exact=True)
    >>> t = load(save(s, os.path.join(tempfile.mkdtemp(), "s.npz")))
    >>> type(t).__name__, t.widths
    ('Stack', (2, 3))
    >>> t([0, 1, 1], exact=True) == s([0, 1, 1], exact=True)
    True
    """
    path = Path(path)
    if path.suffix == ".npz":
        return model_from_dict(_dict_from_npz(_read_npz(path), path))
    d = parse_json(_read_bytes(path, "file"), f"file: {str(path)!r}")
    return model_from_dict(d)
