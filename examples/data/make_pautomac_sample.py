"""Write the small PAutomaC-format sample used by the docs and tests (seeded, reproducible).

A random probabilistic automaton with 5 states over 4 symbols (the kind PAutomaC
drew its problems from: sparse random transitions, stop probabilities around
0.1), a training sample of 5,000 words, a test sample of 1,000 words, and the
true probability of every test word (PAutomaC's solution file)::

    python examples/data/make_pautomac_sample.py

writes ``pautomac_train.txt``, ``pautomac_test.txt``, ``pautomac_test_probabilities.txt``
and ``pautomac_target.json`` (the automaton, an rnnexpr model file) next to itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnexpr.data import sample_words, write_sequences
from rnnexpr.io import save
from rnnexpr.models import WFA

HERE = Path(__file__).resolve().parent
STATES, SYMBOLS, SEED = 5, 4, 2026


def target_automaton(seed: int = SEED) -> WFA:
    """A random probabilistic automaton: each state keeps 6 of its 20 (symbol, state) moves."""
    rng = np.random.default_rng(seed)
    n, d = STATES, SYMBOLS
    alpha = rng.dirichlet(np.ones(n))
    A = np.zeros((n, d, n))
    omega = rng.uniform(0.08, 0.2, size=n)
    for i in range(n):
        moves = rng.choice(d * n, size=6, replace=False)
        weights = rng.dirichlet(np.ones(6)) * (1 - omega[i])
        for k, w in zip(moves, weights, strict=True):
            A[i, k // n, k % n] = w
    return WFA(alpha, A, omega)


def main() -> None:
    pfa = target_automaton()
    train = sample_words(pfa, 5000, seed=SEED)
    test = sample_words(pfa, 1000, seed=SEED + 1)
    write_sequences(HERE / "pautomac_train.txt", train, SYMBOLS)
    write_sequences(HERE / "pautomac_test.txt", test, SYMBOLS)
    probs = pfa.values(test)
    (HERE / "pautomac_test_probabilities.txt").write_text(
        f"{len(test)}\n" + "".join(f"{p!r}\n" for p in probs.tolist()))
    save(pfa, HERE / "pautomac_target.json")


if __name__ == "__main__":
    main()
