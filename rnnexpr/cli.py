"""The ``rnnexpr`` command line (argparse); no mathematics here.

Every subcommand reads models in the JSON (or ``.npz``) format of
:mod:`rnnexpr.io`, calls one library function and prints its result (a table or
``--json``).  Bad input gives one line on stderr and exit code 2; ``verify``
exits 1 when a statement fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input on the command line: reported in one line, exit code 2."""


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _int_at_least(minimum: int):
    """An argparse type: an integer >= ``minimum``, with a one-line error otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
        return value

    return parse


_positive = _int_at_least(1)
_nonnegative = _int_at_least(0)


def _load(path: str, kinds: tuple[str, ...] = ("stack", "depthwise", "wfa")) -> Any:
    """Load a model file, accepting only the given kinds."""
    from .io import load
    from .models import WFA, DepthwiseStack, Stack

    model = load(path)
    kind = {Stack: "stack", DepthwiseStack: "depthwise", WFA: "wfa"}[type(model)]
    if kind not in kinds:
        raise UsageError(f"{path}: expected a model of kind {' or '.join(kinds)}, got {kind}")
    return model


def _emit(args: argparse.Namespace, data: Any, lines: Sequence[str]) -> None:
    from .theorems.certificate import jsonable

    if args.json:
        print(json.dumps(jsonable(data), indent=1))
    else:
        for line in lines:
            print(line)


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join("{:<%d}" % w for w in widths)
    return [fmt.format(*header), fmt.format(*("-" * w for w in widths))] + [fmt.format(*map(str, r)) for r in rows]


def _save(model: Any, out: str) -> str:
    from .io import save

    if not out.endswith((".json", ".npz")):
        raise UsageError(f"-o: expected a file name ending in .json or .npz, got {out!r}")
    return str(save(model, out))


# ---------------------------------------------------------------------------
# subcommands
# ---------------------------------------------------------------------------


def _cmd_verify(args: argparse.Namespace) -> int:
    from .theorems import EMPIRICAL, THEOREMS, verify_all

    names = []
    for item in args.theorem or []:
        names.extend(x.strip().upper() for x in item.split(",") if x.strip())
    unknown = [n for n in names if n not in THEOREMS]
    if unknown:
        raise UsageError(f"--theorem: expected names among {', '.join(THEOREMS)}, got {', '.join(unknown)}")
    start = time.perf_counter()
    certs = verify_all(names or None, seed=args.seed, instances=args.instances, jobs=args.jobs,
                       quick=args.quick, progress=not args.json and sys.stderr.isatty() or args.progress)
    elapsed = time.perf_counter() - start
    ok = all(c.holds for c in certs)
    if args.json:
        print(json.dumps([c.to_dict() for c in certs], indent=1))
        return EXIT_OK if ok else EXIT_FAIL
    rows = [[c.theorem + "  " + THEOREMS[c.theorem].title, c.instance.get("description", ""),
             c.evidence.get("summary", ""), c.exactness, c.verdict] for c in certs]
    if not names or "T6" in names:
        for key, note in EMPIRICAL.items():
            rows.append([key, "-", note, "empirical", "not certified"])
    for line in _table(rows, ["statement", "instance", "evidence", "exact/numerical", "verdict"]):
        print(line)
    failed = [c for c in certs if not c.holds]
    print(f"\n{len(certs) - len(failed)}/{len(certs)} certificates hold ({elapsed:.1f} s)")
    for c in failed:
        print(f"FAILED {c.theorem} ({c.instance.get('description', '')}): step {c.failed_step!r}")
    return EXIT_OK if ok else EXIT_FAIL


def _cmd_hankel_rank(args: argparse.Namespace) -> int:
    from .hankel import hankel_rank, rank_profile

    model = _load(args.model, ("stack", "wfa"))
    method = "exact" if args.exact else "numerical"
    deep = not hasattr(model, "alpha") and model.depth > 1
    if args.max_len is None:
        if deep:
            raise UsageError(f"{args.model}: a depth-{model.depth} stack is not a WFA; give --max-len K for the "
                             "block on words of length <= K")
        res = hankel_rank(model, method=method)
        _emit(args, res.to_dict(), [f"Hankel {res.describe()} (infinite Hankel matrix: minimal WFA size)"])
        return EXIT_OK
    prof = rank_profile(model, args.max_len, method=method)
    data = prof.to_dict()
    data["rank"] = int(prof.ranks[-1])
    how = "exact over Q" if prof.exact else "numerical"
    _emit(args, data, [f"Hankel rank {prof.ranks[-1]} on words of length <= {args.max_len} ({how})"])
    return EXIT_OK


def _cmd_rank_profile(args: argparse.Namespace) -> int:
    from .hankel import rank_profile

    model = _load(args.model, ("stack", "wfa"))
    res = rank_profile(model, args.max_len, method="numerical" if args.numerical else "exact")
    rows = [[m, r] for m, r in enumerate(res.ranks)]
    how = "exact over Q" if res.exact else "numerical"
    _emit(args, res.to_dict(), _table(rows, ["max length m", f"rank of H[words <= m, words <= m] ({how})"]))
    return EXIT_OK


def _cmd_collapse(args: argparse.Namespace) -> int:
    from .constructions import collapse

    model = _load(args.model, ("stack",))
    if not model.is_linear_rnn:
        raise UsageError(f"{args.model}: expected a stack of linear RNN layers (no A term); linear 2RNN stacks "
                         "do not collapse (T5)")
    out = collapse(model)
    path = _save(out, args.output)
    _emit(args, {"input_widths": list(model.widths), "output_widths": list(out.widths), "path": path},
          [f"collapsed widths {model.widths} -> one linear RNN layer of width {out.widths[0]}; wrote {path}"])
    return EXIT_OK


def _cmd_degree(args: argparse.Namespace) -> int:
    from .polydegree import degree

    model = _load(args.model, ("stack", "depthwise"))
    kwargs = {} if args.method is None else {"method": args.method}
    res = degree(model, args.length, **kwargs)
    how = "exact, certified" if not res.error_probability else f"error probability <= {res.error_probability:.1e}"
    _emit(args, res.to_dict(), [f"total degree of y_{args.length}: {res.total}  ({res.method}, {how})",
                                f"degree in x_1..x_{args.length}: {list(res.per_input)}"])
    return EXIT_OK


def _cmd_tt_ranks(args: argparse.Namespace) -> int:
    from .tt import to_tensor_train, tt_ranks

    model = _load(args.model, ("stack", "wfa"))
    tt = to_tensor_train(model, args.length, feature_map=args.feature_map)
    res = tt_ranks(tt, exact=not args.numerical)
    _emit(args, res.to_dict(), [res.describe()])
    return EXIT_OK


def _cmd_memory(args: argparse.Namespace) -> int:
    from .theorems import memory_table

    rows = memory_table(args.delay)
    lines = _table([[r["delay"], r["hankel_rank"], r["min_width"], r["shallow_recurrent"], r["shallow_params"],
                     r["deep_depth"], r["deep_params"]] for r in rows],
                   ["delay k", "Hankel rank", "min width (1 layer)", "recurrent params (1 layer)",
                    "params (1 layer)", "depth (width 2)", "params (deep)"])
    _emit(args, rows, lines)
    return EXIT_OK


def _cmd_minimize(args: argparse.Namespace) -> int:
    from .models import WFA
    from .conversions import from_wfa, to_wfa
    from .wfa import minimize

    model = _load(args.model, ("stack", "wfa"))
    if not isinstance(model, WFA) and model.depth != 1:
        raise UsageError(f"{args.model}: expected a WFA or a depth-1 stack, got depth {model.depth} (deep linear "
                         "2RNN stacks are not WFAs in general, T5)")
    wfa = model if isinstance(model, WFA) else to_wfa(model)
    small = minimize(wfa)
    out = small if isinstance(model, WFA) else from_wfa(small)
    path = _save(out, args.output)
    before = wfa.num_states
    _emit(args, {"states_before": before, "states_after": small.num_states, "path": path},
          [f"minimized: {before} -> {small.num_states} states "
           f"({'WFA' if isinstance(model, WFA) else 'pure 2RNN of width ' + str(small.num_states)}); wrote {path}"])
    return EXIT_OK


def _cmd_equivalent(args: argparse.Namespace) -> int:
    from .equivalence import equivalent

    a = _load(args.a, ("stack", "wfa"))
    b = _load(args.b, ("stack", "wfa"))
    deep = any(not hasattr(m, "alpha") and m.depth > 1 for m in (a, b))
    if deep and args.max_len is None and args.inputs == "one-hot":
        raise UsageError("a deep stack is not a WFA: give --max-len K to compare all words of length <= K, or "
                         "--inputs real for linear RNN stacks")
    res = equivalent(a, b, inputs=args.inputs, max_length=args.max_len)
    line = "equivalent" if res.equivalent else f"not equivalent: witness {res.to_dict()['witness']}"
    _emit(args, res.to_dict(), [f"{line} (scope: {res.scope}; {'exact' if res.exact else 'numerical'})"])
    return EXIT_OK if res.equivalent else EXIT_FAIL


def _cmd_experiment(args: argparse.Namespace) -> int:
    try:
        from .experiments import EXPERIMENTS, run_experiment
    except ImportError:
        raise UsageError('experiments need torch: pip install "rnnexpr[experiments]"') from None
    if args.name not in EXPERIMENTS:
        raise UsageError(f"NAME: expected one of {', '.join(EXPERIMENTS)}, got {args.name!r}")
    res = run_experiment(args.name, quick=args.quick, seed=args.seed, out=args.out)
    lines = [f"experiment {args.name}: done"] + [f"  {k}: {v}" for k, v in res.items()
                                                if isinstance(v, str | int | float)]
    outputs = res.get("outputs")
    if outputs:
        lines.append("  wrote " + ", ".join(map(str, outputs.values() if isinstance(outputs, dict) else outputs)))
    _emit(args, res, lines)
    return EXIT_OK


# ---------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rnnexpr`` command.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> build_parser().parse_args(["memory", "--delay", "3"]).delay
    3
    """
    parser = argparse.ArgumentParser(
        prog="rnnexpr",
        description="Exact, checkable statements about depth in linear RNNs and linear 2RNNs.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("--json", action="store_true", help="print the result as JSON")
        p.set_defaults(func=func)
        return p

    v = add("verify", _cmd_verify, "verify the statements T0-T6 and print a table of certificates "
                                   "(exit 0 when all hold, 1 when one fails)")
    v.add_argument("--theorem", action="append", metavar="T", help="statement to verify (T0..T6; repeatable, "
                                                                   "or comma-separated); default all")
    v.add_argument("--seed", type=_nonnegative, default=0, help="first seed (default 0)")
    v.add_argument("--instances", type=_positive, default=3, help="seeded instances per statement (default 3)")
    v.add_argument("--jobs", type=_positive, default=1, help="parallel worker processes (default 1)")
    v.add_argument("--quick", action="store_true", help="smaller instances")
    v.add_argument("--progress", action="store_true", help="show progress on stderr even when not a terminal")

    p = add("hankel-rank", _cmd_hankel_rank, "rank of the Hankel matrix of a WFA or depth-1 stack (its minimal WFA "
                                             "size), or of the block on words of length <= K")
    p.add_argument("model", metavar="MODEL.json")
    p.add_argument("--max-len", type=_nonnegative, default=None, metavar="K",
                   help="use the block on words of length <= K (required for deep stacks)")
    p.add_argument("--exact", action="store_true", help="exact rank over Q, a proof (default: numerical, with its "
                                                       "tolerance and singular-value gap)")

    p = add("rank-profile", _cmd_rank_profile, "Hankel ranks on words of length <= m for m = 0..K (factorized)")
    p.add_argument("model", metavar="MODEL.json")
    p.add_argument("--max-len", type=_nonnegative, required=True, metavar="K")
    p.add_argument("--numerical", action="store_true", help="float ranks (default: exact over Q)")

    p = add("collapse", _cmd_collapse, "collapse a stack of linear RNN layers into one layer (T1)")
    p.add_argument("model", metavar="MODEL.json")
    p.add_argument("-o", "--output", required=True, metavar="OUT.json")

    p = add("degree", _cmd_degree, "exact polynomial degree of y_T in x_1..x_T (T4, T6)")
    p.add_argument("model", metavar="MODEL.json")
    p.add_argument("--length", type=_positive, required=True, metavar="T")
    p.add_argument("--method", default=None, help="degree method (default: the library's choice)")

    p = add("tt-ranks", _cmd_tt_ranks, "TT ranks of the length-T slice of a model")
    p.add_argument("model", metavar="MODEL.json")
    p.add_argument("--length", type=_positive, required=True, metavar="T")
    p.add_argument("--feature-map", default="one_hot", choices=["one_hot", "affine", "polynomial"])
    p.add_argument("--numerical", action="store_true", help="numerical ranks (default: exact over Q)")

    p = add("memory", _cmd_memory, "the T2 table: Hankel rank and parameter counts of the delay y_t = x_(t-k)")
    p.add_argument("--delay", type=_positive, required=True, metavar="K", help="largest delay")

    p = add("minimize", _cmd_minimize, "minimal WFA / smallest pure 2RNN computing a WFA or depth-1 stack (T3)")
    p.add_argument("model", metavar="MODEL.json")
    p.add_argument("-o", "--output", required=True, metavar="OUT.json")

    p = add("equivalent", _cmd_equivalent, "equivalence of two WFAs or stacks, with a witness when they differ "
                                           "(exit 0 when equivalent, 1 when not)")
    p.add_argument("a", metavar="A.json")
    p.add_argument("b", metavar="B.json")
    p.add_argument("--max-len", type=_nonnegative, default=None, metavar="K",
                   help="deep stacks: compare all words of length <= K")
    p.add_argument("--inputs", choices=["one-hot", "real"], default="one-hot",
                   help="'real': linear RNN stacks on real input sequences")

    p = add("experiment", _cmd_experiment, "run a training experiment (needs the experiments extra)")
    p.add_argument("name", metavar="NAME", help="memory, degree, state_tracking or digits")
    p.add_argument("--quick", action="store_true", help="the seconds-long version")
    p.add_argument("--seed", type=_nonnegative, default=0)
    p.add_argument("--out", default=None, metavar="DIR", help="output directory")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rnnexpr`` console script.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success (all certificates hold), 1 when a statement fails or two
        models differ, 2 on bad input.

    Examples
    --------
    >>> main(["verify", "--theorem", "T0", "--json"]) == 0  # doctest: +ELLIPSIS
    [...
    True
    """
    from .errors import RnnexprError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors (2) and --help (0)
        return int(exc.code or 0)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"rnnexpr {args.command}: error: {exc}", file=sys.stderr)
    except FileNotFoundError as exc:
        print(f"rnnexpr {args.command}: error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
    except OSError as exc:
        print(f"rnnexpr {args.command}: error: {exc}", file=sys.stderr)
    except (RnnexprError, ValueError, TypeError) as exc:
        print(f"rnnexpr {args.command}: error: {exc}", file=sys.stderr)
    except ImportError as exc:
        print(f"rnnexpr {args.command}: error: a required module is missing ({exc})", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"rnnexpr {args.command}: interrupted", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
