"""Spectral learning on the PAutomaC-format sample: rnnexpr against scikit-splearn, variant by variant.

Run from the repository root, with scikit-splearn in its own virtualenv (it needs numpy < 2)::

    python3 -m venv /tmp/splearn-venv && /tmp/splearn-venv/bin/pip install "numpy<2" scikit-splearn
    python examples/data/compare_splearn.py --splearn-python /tmp/splearn-venv/bin/python

The splearn half runs in that interpreter (``--splearn-worker``, which imports only splearn and
numpy); the rnnexpr half in this one.  Both learn from ``pautomac_train.txt`` with rank 5 and
rows/columns up to length 3, and predict the 1,000 words of ``pautomac_test.txt``.  The table
compares the predicted values and the PAutomaC perplexity against the true probabilities
(``pautomac_test_probabilities.txt``); non-positive values are replaced, for both libraries, by
the bigram fallback of ``rnnexpr.spectral.ngram_wfa`` (splearn's own ``score`` refuses them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VARIANTS = ("classic", "prefix", "suffix", "factor")


def splearn_worker(rank: int, length: int) -> None:
    """Runs in the splearn virtualenv: prints splearn's predictions as JSON."""
    import numpy as np
    from splearn.datasets.base import load_data_sample
    from splearn.spectral import Spectral

    train = load_data_sample(str(HERE / "pautomac_train.txt"))
    test = load_data_sample(str(HERE / "pautomac_test.txt"))
    probs = np.loadtxt(HERE / "pautomac_test_probabilities.txt", skiprows=1)
    out = {}
    for v in VARIANTS:
        sp = Spectral(rank=rank, lrows=length, lcolumns=length, version=v, partial=True, sparse=True,
                      smooth_method="none", mode_quiet=True)
        sp.fit(train.data)
        pred = sp.predict(test.data)
        score = float(sp.score(test.data, y=probs)) if (pred > 0).all() else None
        out[v] = {"predictions": pred.tolist(), "score": score}
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--splearn-python", default="/tmp/splearn-venv/bin/python")
    ap.add_argument("--splearn-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--rank", type=int, default=5)
    ap.add_argument("--max-length", type=int, default=3)
    args = ap.parse_args()
    if args.splearn_worker:
        splearn_worker(args.rank, args.max_length)
        return
    import numpy as np

    sys.path.insert(0, str(HERE.parents[1]))
    from rnnexpr.data import read_sequences
    from rnnexpr.spectral import learn_from_sample, ngram_wfa, perplexity, smooth_values, word_error_rate

    proc = subprocess.run([args.splearn_python, __file__, "--splearn-worker", "--rank", str(args.rank),
                           "--max-length", str(args.max_length)], capture_output=True, text=True, check=True)
    theirs = json.loads(proc.stdout.strip().splitlines()[-1])
    train = read_sequences(HERE / "pautomac_train.txt")
    test = read_sequences(HERE / "pautomac_test.txt")
    probs = np.loadtxt(HERE / "pautomac_test_probabilities.txt", skiprows=1)
    d = train.alphabet_size
    fallback = ngram_wfa(train, d).values(list(test))
    rows = []
    for v in VARIANTS:
        wfa = learn_from_sample(train, args.rank, d, variant=v, max_length=args.max_length)
        ours = wfa.values(list(test))
        sp = np.array(theirs[v]["predictions"])
        diff = float(np.max(np.abs(ours - sp)) / np.max(np.abs(sp)))
        ppl = [perplexity(dict(zip(test, smooth_values(q, fallback), strict=True)), list(test), probabilities=probs)
               for q in (sp, ours)]
        rows.append((v, int((sp <= 0).sum()), int((ours <= 0).sum()), diff, ppl[0], ppl[1],
                     theirs[v]["score"], word_error_rate(wfa, list(test))))
    true_ppl = perplexity(dict(zip(test, probs, strict=True)), list(test), probabilities=probs)
    print(f"rank {args.rank}, rows/columns up to length {args.max_length}; true-model perplexity {true_ppl:.4f}")
    print("variant  <=0 splearn  <=0 rnnexpr  max rel. diff  perplexity splearn  perplexity rnnexpr  "
          "splearn score  WER rnnexpr")
    for v, a, b, diff, p1, p2, score, wer in rows:
        print(f"{v:8} {a:11d} {b:12d} {diff:14.2e} {p1:19.4f} {p2:19.4f} "
              f"{'-' if score is None else f'{score:.4f}':>14} {wer:12.4f}")


if __name__ == "__main__":
    main()
