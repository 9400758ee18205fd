"""Write the hand-made hostile files of this folder (run from the repository root to regenerate them).

Each file attacks one reader check; the names say which.  Large files (deep nesting of 10^5,
a 5 GB zip bomb, /dev/zero) are built by tests/test_fuzz.py at run time instead of stored here.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
M = {"format": "rnnexpr-model", "version": 1}


def stack(layers, C=((1,),), **extra):
    return {**M, "kind": "stack", "layers": layers, "C": [list(r) for r in C], **extra}


def write_json(name, obj):
    (HERE / name).write_text(json.dumps(obj))


def write_text(name, text):
    (HERE / name).write_text(text)


def npz(name, meta, **arrays):
    buf = io.BytesIO()
    np.savez(buf, __meta__=np.array(json.dumps(meta)), **arrays)
    (HERE / name).write_bytes(buf.getvalue())


def main() -> None:
    # declared sizes
    write_json("input-dim-1e8.json", stack([{"V": [[0]], "input_dim": 100000000}]))
    write_json("input-dim-10e100.json", stack([{"V": [[0]], "input_dim": 10**100}]))
    write_json("input-dim-negative.json", stack([{"V": [[0]], "input_dim": -3}]))
    write_json("input-dim-string.json", stack([{"V": [[0]], "input_dim": "3"}]))
    write_json("depth-1000.json", stack([{"V": [[0]], "U": [[1]]}] * 1000))
    write_json("wide-row.json", stack([{"U": [[0] * 5000], "V": [[0]]}]))
    write_json("wfa-states-huge.json", {**M, "kind": "wfa", "alpha": [1] * 5000, "A": [[[0]]], "omega": [1]})
    # numbers
    write_json("number-1e100000000.json", stack([{"U": [["1e100000000"]], "V": [[0]]}]))
    write_json("number-1e400-string.json", stack([{"U": [["1e400"]], "V": [[0.5]]}]))
    write_text("number-1e400-float.json", json.dumps(stack([{"U": [[1]], "V": [[0]]}])).replace('"U": [[1]]',
                                                                                                  '"U": [[1e400]]'))
    write_json("number-exact-10e400.json", stack([{"U": [[10**400]], "V": [[1]]}]))
    write_json("number-exact-10e400-mixed.json", stack([{"U": [[10**400]], "V": [[0.5]]}]))
    write_json("number-huge-fraction.json", stack([{"U": [["1" * 3000 + "/7"]], "V": [[0]]}]))
    write_text("number-int-5000-digits.json", json.dumps(stack([{"U": [[1]], "V": [[0]]}])).replace(
        '"U": [[1]]', '"U": [[' + "9" * 5000 + "]]"))
    write_json("number-nan-string.json", stack([{"U": [["nan"]], "V": [[0]]}]))
    write_text("number-nan-literal.json", json.dumps(stack([{"U": [[1]], "V": [[0]]}])).replace('"V": [[0]]',
                                                                                                  '"V": [[NaN]]'))
    write_json("number-divide-by-zero.json", stack([{"U": [["1/0"]], "V": [[0]]}]))
    write_json("number-boolean.json", stack([{"U": [[True]], "V": [[0]]}]))
    # structure
    write_text("nesting-200.json", "[" * 200 + "]" * 200)
    write_json("ragged.json", stack([{"U": [[1], [1, 2]], "V": [[0, 0], [0, 0]]}]))
    write_json("wrong-ndim.json", stack([{"A": [[1]], "V": [[0]]}]))
    write_json("shape-mismatch.json", stack([{"U": [[1, 2]], "V": [[0, 0], [0, 0]]}]))
    write_json("layers-object.json", stack({"0": {"U": [[1]]}}))
    write_json("layers-empty.json", stack([]))
    write_json("unknown-field.json", stack([{"U": [[1]], "V": [[0]], "W": [[1]]}]))
    write_json("kind-unknown.json", {**M, "kind": "tree"})
    write_json("version-2.json", {**M, "version": 2, "kind": "wfa", "alpha": [1], "A": [[[1]]], "omega": [1]})
    write_json("top-level-list.json", [1, 2, 3])
    write_json("depthwise-bad-activation.json", {**stack([{"U": [[1]], "V": [[0]]}]), "kind": "depthwise",
                                                 "activation": "sigmoid"})
    write_json("depthwise-huge-polynomial.json", {**stack([{"U": [[1]], "V": [[0]]}]), "kind": "depthwise",
                                                  "activation": {"name": "polynomial",
                                                                 "coefficients": [1] * 5000}})
    write_text("not-json.json", "{ not json")
    write_text("empty.json", "")
    (HERE / "binary-garbage.json").write_bytes(bytes(range(256)) * 4)
    write_text("utf16.json", "")
    (HERE / "utf16.json").write_bytes(json.dumps(stack([{"U": [[1]], "V": [[0]]}])).encode("utf-16"))
    # .npz
    npz("npz-depth-1e8.npz", {**M, "kind": "stack", "depth": 100000000}, C=np.zeros((1, 1)))
    npz("npz-depth-string.npz", {**M, "kind": "stack", "depth": "many"}, C=np.zeros((1, 1)))
    npz("npz-missing-layers.npz", {**M, "kind": "stack", "depth": 2, "input_dims": [1, 1]}, C=np.zeros((1, 1)))
    npz("npz-input-dims-short.npz", {**M, "kind": "stack", "depth": 2, "input_dims": [1]}, C=np.zeros((1, 1)))
    npz("npz-meta-nested.npz", [[[[1]]]])
    (HERE / "npz-not-zip.npz").write_bytes(b"this is not a zip archive")
    buf = io.BytesIO()
    np.savez(buf, x=np.zeros(2))
    (HERE / "npz-no-meta.npz").write_bytes(buf.getvalue())
    with zipfile.ZipFile(HERE / "npz-header-lies.npz", "w") as z:  # a .npy header declaring 10^9 entries
        hdr = io.BytesIO()
        np.lib.format.write_array_header_1_0(hdr, {"descr": "<f8", "fortran_order": False, "shape": (10**9,)})
        z.writestr("C.npy", hdr.getvalue() + b"\0" * 64)
        z.writestr("__meta__.npy", b"")
    with zipfile.ZipFile(HERE / "npz-truncated-member.npz", "w") as z:
        hdr = io.BytesIO()
        np.lib.format.write_array_header_1_0(hdr, {"descr": "<f8", "fortran_order": False, "shape": (4,)})
        z.writestr("C.npy", hdr.getvalue() + b"\0" * 8)
    with zipfile.ZipFile(HERE / "npz-object-array.npz", "w") as z:
        hdr = io.BytesIO()
        np.lib.format.write_array_header_1_0(hdr, {"descr": "|O", "fortran_order": False, "shape": (1,)})
        z.writestr("C.npy", hdr.getvalue() + b"\x80\x04N.")
    # certificates
    C = {"format": "rnnexpr-certificate", "version": 1}
    write_json("cert-version-2.json", {**C, "version": 2})
    write_json("cert-empty-list.json", [])
    write_json("cert-not-a-certificate.json", [{"format": "other"}])
    write_json("cert-unknown-theorem.json", {**C, "theorem": "T9", "statement": "", "holds": True, "instance": {},
                                             "evidence": {}, "steps": []})
    write_json("cert-t2-delay-1e9.json", {**C, "theorem": "T2", "statement": "x", "holds": True, "exact": True,
                                          "failed_step": None, "steps": [],
                                          "instance": {"delay": 10**9, "generic_stack": stack([{"U": [[1]]}])},
                                          "evidence": {"delay_hankel": {"matrix": [], "rank": 1, "method": "exact"}}})
    write_json("cert-t5-units-huge.json", {**C, "theorem": "T5", "statement": "x", "holds": True, "exact": True,
                                           "failed_step": None, "steps": [],
                                           "instance": {"units": 10**12, "witness": stack(
                                               [{"A": [[[2]]], "h0": [1]}, {"A": [[[1]]], "h0": [1]}])},
                                           "evidence": {}})
    write_json("cert-big-exponent.json", {**C, "theorem": "T0", "statement": "x", "holds": True, "exact": True,
                                          "failed_step": None, "steps": [],
                                          "instance": {"weights": [[["1e100000000"]]], "biases": [[0]]},
                                          "evidence": {"W": [[1]], "b": [0]}})
    write_text("cert-nested.json", "[" * 2000 + "]" * 2000)


if __name__ == "__main__":
    main()
