"""Hankel blocks from a sample: sorted integer codes (rnnexpr) vs scikit-splearn and the per-entry dictionary.

Issue 11 benchmark (and the issue 15 cross-check).  The sample: 20,000 words drawn
(seed 0) from the 5-state, 4-symbol probabilistic automaton of
``examples/data/pautomac_target.json``, written to a PAutomaC-format file.  Rows and
columns: the prefixes (resp. suffixes, factors) of length <= 5 that occur in the sample,
splearn's ``partial=True, lrows=lcolumns=5`` choice: about 1,300 x 1,300, so the blocks
H and H_sigma have (d + 1) |P| |S| = about 8e6 entries.

* rnnexpr: ``sample_hankel_blocks(words, 4, variant=v, max_length=5)`` (sparse CSR blocks;
  one ``numpy.unique`` over the integer codes of the counted items, one vectorized scatter
  of their splits); and ``hankel_blocks(empirical_frequencies(words), P, S)`` (the dense
  mapping path, vectorized the same way);
* baseline: the previous implementation, one dictionary look-up per block entry;
* scikit-splearn 1.2.1: ``Spectral.polulate_dictionnaries`` + ``Hankel(sample_instance=...,
  partial=True, sparse=True)``, what ``Spectral.fit`` does before its SVD.  splearn needs
  numpy < 2, so it runs in its own virtualenv, in a child process, on the same file::

      python3 -m venv /tmp/splearn-venv
      /tmp/splearn-venv/bin/pip install "numpy<2" scikit-splearn
      python benchmarks/bench_hankel_blocks.py --splearn-python /tmp/splearn-venv/bin/python

  (without it the splearn column is skipped).  The blocks are compared entry by entry
  (splearn stores counts: they are divided by N for the comparison).

Best of 3 runs for each timing.

Usage: python benchmarks/bench_hankel_blocks.py [--words 20000] [--max-length 5]
       [--variants classic,prefix,suffix,factor] [--splearn-python PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from timing import best_of  # noqa: E402

from rnnexpr.data import read_sequences, sample_words, write_sequences  # noqa: E402
from rnnexpr.io import load  # noqa: E402
from rnnexpr.spectral import empirical_frequencies, hankel_blocks, sample_hankel_blocks  # noqa: E402

DEFAULT_SPLEARN = "/tmp/splearn-venv/bin/python"

SPLEARN_WORKER = r"""
import json, sys, time
import numpy as np
import scipy.sparse as sps
from splearn.datasets.base import load_data_sample
from splearn.spectral import Spectral
from splearn.hankel import Hankel

args = json.loads(sys.argv[1])
out = {}
for version in args["variants"]:
    best = float("inf")
    for _ in range(args["repeats"]):
        X = load_data_sample(args["path"]).data
        sp = Spectral(rank=2, lrows=args["l"], lcolumns=args["l"], version=version, partial=True,
                      sparse=True, mode_quiet=True)
        t = time.perf_counter()
        X = sp.polulate_dictionnaries(X)
        h = Hankel(sample_instance=X, lrows=args["l"], lcolumns=args["l"], version=version, partial=True,
                   sparse=True, mode_quiet=True)
        best = min(best, time.perf_counter() - t)
    pref = {"classic": X.pref, "prefix": X.pref, "suffix": X.fact, "factor": X.fact}[version]
    suff = {"classic": X.suff, "prefix": X.fact, "suffix": X.suff, "factor": X.fact}[version]
    rows = sorted([w for w in pref if len(w) <= args["l"]], key=lambda w: (len(w), w))
    cols = sorted([w for w in suff if len(w) <= args["l"]], key=lambda w: (len(w), w))
    for k, m in enumerate(h.lhankel):
        sps.save_npz(f"{args['out']}/{version}_{k}.npz", m.tocsr())
    out[version] = {"seconds": best, "rows": [list(w) for w in rows], "cols": [list(w) for w in cols],
                    "nbEx": int(h.nbEx)}
print(json.dumps(out))
"""


def per_entry_baseline(freq: dict, P: list, S: list, d: int) -> np.ndarray:
    """The previous implementation: one dictionary look-up per entry of H and H_sigma."""
    H = np.array([[freq.get(u + v, 0) for v in S] for u in P], dtype=np.float64)
    Hs = np.array([[[freq.get(u + (s,) + v, 0) for v in S] for u in P] for s in range(d)], dtype=np.float64)
    return np.concatenate([H[None], Hs])




def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--words", type=int, default=20000)
    ap.add_argument("--max-length", type=int, default=5)
    ap.add_argument("--variants", default="classic,prefix,suffix,factor")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--splearn-python", default=DEFAULT_SPLEARN if os.path.exists(DEFAULT_SPLEARN) else None)
    ap.add_argument("--no-baseline", action="store_true", help="skip the per-entry dictionary baseline")
    args = ap.parse_args()
    variants = args.variants.split(",")
    pfa = load(ROOT / "examples" / "data" / "pautomac_target.json")
    d, l = pfa.alphabet_size, args.max_length
    tmp = Path(tempfile.mkdtemp(prefix="bench-hankel-"))
    path = write_sequences(tmp / "sample.txt", sample_words(pfa, args.words, seed=0), d)
    words = list(read_sequences(path).sequences)

    splearn = None
    if args.splearn_python:
        payload = json.dumps({"path": str(path), "l": l, "variants": variants, "repeats": args.repeats,
                              "out": str(tmp)})
        proc = subprocess.run([args.splearn_python, "-c", SPLEARN_WORKER, payload], capture_output=True,
                              text=True, timeout=3600)
        if proc.returncode != 0:
            print(f"splearn run failed:\n{proc.stderr[-3000:]}")
        else:
            splearn = json.loads(proc.stdout.strip().splitlines()[-1])
    import scipy.sparse as sps

    print(f"sample: {len(words)} words, {sum(map(len, words))} symbols, d = {d}, rows/columns up to length {l}")
    header = f"{'variant':8} {'|P| x |S|':>12} {'entries':>9} {'rnnexpr':>9} {'splearn':>9} {'ratio':>7}  blocks"
    print(header)
    for v in variants:
        t_ours, b = best_of(lambda v=v: sample_hankel_blocks(words, d, variant=v, max_length=l), args.repeats)
        entries = (d + 1) * len(b.prefixes) * len(b.suffixes)
        line = f"{v:8} {len(b.prefixes):>5} x {len(b.suffixes):<5} {entries:9.2e} {t_ours:8.3f}s"
        if splearn is not None and v in splearn:
            s = splearn[v]
            same_words = [tuple(w) for w in s["rows"]] == list(b.prefixes) and \
                [tuple(w) for w in s["cols"]] == list(b.suffixes)
            mats = [sps.load_npz(tmp / f"{v}_{k}.npz").toarray() / s["nbEx"] for k in range(d + 1)]
            ours = [b.H.toarray()] + [m.toarray() for m in b.H_sigma]
            if not same_words:
                same = "rows differ"
            elif all(np.array_equal(m, o) for m, o in zip(mats, ours, strict=True)):
                same = "identical"
            else:
                # splearn's prefix and factor dictionaries stop at length lrows + lcolumns, one short of the
                # longest words u s v of H_sigma: those entries are 0 in splearn (see benchmarks/README.md).
                lp = np.array([len(w) for w in b.prefixes])[:, None]
                ls = np.array([len(w) for w in b.suffixes])[None, :]
                longest = (lp + ls + 1) == 2 * l + 1
                bad = sum(int(np.sum(m != o)) for m, o in zip(mats, ours, strict=True))
                explained = np.array_equal(mats[0], ours[0]) and all(
                    np.array_equal(m[~longest], o[~longest]) and not m[longest].any()
                    for m, o in zip(mats[1:], ours[1:], strict=True))
                same = f"H identical; {bad} H_sigma entries at |usv| = {2 * l + 1} are 0 in splearn" if explained \
                    else f"{bad} entries differ"
            line += f" {s['seconds']:8.3f}s {s['seconds'] / t_ours:6.1f}x  {same}"
        print(line)
    # The dense mapping path and the per-entry baseline, classic variant.
    b = sample_hankel_blocks(words, d, max_length=l)
    P, S = list(b.prefixes), list(b.suffixes)
    freq = empirical_frequencies(words, d)
    t_dense, dense = best_of(lambda: hankel_blocks(freq, P, S, alphabet_size=d), args.repeats)
    print(f"hankel_blocks(mapping), dense, classic: {t_dense:.3f}s "
          f"(identical to the sparse blocks: {np.array_equal(dense.H, b.H.toarray())})")
    if not args.no_baseline:
        t_base, base = best_of(lambda: per_entry_baseline(freq, P, S, d), 1)
        same = np.array_equal(base[0], dense.H) and np.array_equal(base[1:], dense.H_sigma)
        print(f"per-entry dictionary baseline, classic: {t_base:.3f}s, "
              f"{t_base / t_dense:.1f}x the dense path, {t_base / best_of(lambda: sample_hankel_blocks(words, d, max_length=l), args.repeats)[0]:.1f}x the sparse one "
              f"(identical: {same})")


if __name__ == "__main__":
    main()
