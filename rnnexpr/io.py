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
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelFormatError, RnnexprError
from .models import Activation, DepthwiseStack, Linear2RNNLayer, LinearRNNLayer, Stack, WFA
from .numbers import as_array, is_exact_array, to_json_array

__all__ = ["save", "load", "model_to_dict", "model_from_dict", "FORMAT", "VERSION"]

FORMAT = "rnnexpr-model"
VERSION = 1
_TERMS = ("A", "U", "V", "b", "h0")
_NDIM = {"A": 3, "U": 2, "V": 2, "b": 1, "h0": 1, "C": (1, 2), "c": 1, "alpha": 1, "omega": 1}

Model = Stack | DepthwiseStack | WFA


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
        raise TypeError(f"model: expected a Stack, DepthwiseStack or WFA, got {type(model).__name__}")
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
    if key not in d or d[key] is None:
        if required:
            raise ModelFormatError(f"{where}{key}: required field is missing")
        return None
    try:
        return as_array(d[key], f"{where}{key}", ndim=_NDIM.get(key))
    except RnnexprError as exc:
        raise ModelFormatError(f"{where}{key}: {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise ModelFormatError(f"{where}{key}: malformed array ({exc})") from exc


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
    try:
        if kind == "wfa":
            return WFA(_field(d, "alpha", ""), _field(d, "A", ""), _field(d, "omega", ""))
        if kind in ("stack", "depthwise"):
            raw_layers = d.get("layers")
            if not isinstance(raw_layers, list) or not raw_layers:
                raise ModelFormatError("layers: expected a non-empty list of layer objects")
            layers = []
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
                    raise ModelFormatError(f"layers[{i}]: {exc}") from exc
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
                    raise ModelFormatError(f"activation: {exc}") from exc
                return DepthwiseStack(layers, C, c, act, bool(d.get("readout_activation", False)))
            except ModelFormatError:
                raise
            except (TypeError, ValueError) as exc:
                raise ModelFormatError(f"model: inconsistent fields ({exc})") from exc
    except ModelFormatError:
        raise
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
        path.write_text(json.dumps(d, indent=1))
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
            np.savez(fh, **arrays)
        return path
    raise ValueError(f"path: expected a .json or .npz file name, got {str(path)!r}")


def _from_npz_array(a: np.ndarray) -> Any:
    if a.dtype.kind == "U":
        return a.tolist()  # "p/q" strings: parsed exactly by as_array
    return a


def load(path: str | os.PathLike) -> Model:
    """Load a model saved by :func:`save` (JSON or ``.npz``, pickling disabled).

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
    if not path.exists():
        raise FileNotFoundError(f"path: no such file {str(path)!r}")
    if path.suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as data:
                files = {k: data[k] for k in data.files}
        except (ValueError, OSError) as exc:
            raise ModelFormatError(f"file: {str(path)!r} is not a readable .npz model ({exc})") from exc
        if "__meta__" not in files:
            raise ModelFormatError("__meta__: required entry is missing from the .npz file")
        try:
            meta = json.loads(str(files["__meta__"]))
        except json.JSONDecodeError as exc:
            raise ModelFormatError(f"__meta__: not valid JSON ({exc})") from exc
        d = dict(meta)
        if meta.get("kind") == "wfa":
            for key in ("alpha", "A", "omega"):
                if key in files:
                    d[key] = _from_npz_array(files[key])
        else:
            depth = int(meta.get("depth", 0))
            input_dims = meta.get("input_dims", [None] * depth)
            layers = []
            for i in range(depth):
                entry = {t: _from_npz_array(files[f"layers/{i}/{t}"]) for t in _TERMS if f"layers/{i}/{t}" in files}
                if "A" not in entry and "U" not in entry:
                    entry["input_dim"] = input_dims[i]
                layers.append(entry)
            d["layers"] = layers
            d["C"] = _from_npz_array(files["C"]) if "C" in files else None
            d["c"] = _from_npz_array(files["c"]) if "c" in files else None
        return model_from_dict(d)
    try:
        d = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"file: {str(path)!r} is not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    except UnicodeDecodeError as exc:
        raise ModelFormatError(f"file: {str(path)!r} is not a text file") from exc
    return model_from_dict(d)
