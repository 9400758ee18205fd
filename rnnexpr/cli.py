"""The ``rnnexpr`` command line (argparse); no mathematics here.

Placeholder of the foundation: ``rnnexpr verify`` runs the checks that exist so
far (T3 conversions).  The theorem certificates extend it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _verify(args: argparse.Namespace) -> int:
    from .models import random_stack
    from .wfa import from_wfa, to_wfa
    import itertools

    ok = True
    for seed in range(args.seed, args.seed + args.instances):
        stack = random_stack([3], input_dim=2, seed=seed, exact=True)
        wfa = to_wfa(stack)
        words = [w for k in range(5) for w in itertools.product(range(2), repeat=k)]
        same = list(wfa.values(words, exact=True)) == list(stack.values(words, exact=True))
        back = from_wfa(wfa)
        same = same and list(back.values(words, exact=True)) == list(stack.values(words, exact=True))
        ok = ok and same
        print(f"T3  seed={seed}  2RNN(3 units) -> WFA({wfa.num_states} states) -> 2RNN  "
              f"exact on {len(words)} words  {'holds' if same else 'FAILS'}")
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rnnexpr`` command."""
    parser = argparse.ArgumentParser(prog="rnnexpr", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="verify the statements of the theory")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--instances", type=int, default=3)
    v.set_defaults(func=_verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rnnexpr`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
