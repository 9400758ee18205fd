"""The ``rnnexpr`` command line (argparse); no mathematics here.

Every subcommand reads models in the JSON (or ``.npz``) format of
:mod:`rnnexpr.io`, calls one library function and prints its result (a table or
``--json``).  Bad input gives one line on stderr and exit code 2; ``verify`` and
``check`` exit 1 when a statement fails, ``equivalent`` when the models differ.

Conventions (one for every subcommand): option names and values are hyphenated
(``--feature-map one-hot``) and the underscore spelling is accepted too
(``--feature_map one_hot``); ``-o/--output`` names the output; choices are listed
in ``--help``; every argument has a help text; ``--json`` prints the result as JSON.

Adding a subcommand: write ``_cmd_NAME(args) -> int`` and register it with the
:func:`command` decorator, listing its arguments with :func:`option` (or the shared
ones: :data:`MODEL`, :data:`OUTPUT`, :func:`length_option`, :func:`seed_option`, ...)
and one or two examples using the files of ``examples/models/``::

    @command("growth", "Hankel-rank growth with depth",
             option("--widths", required=True, help="layer widths, e.g. 2,2,2"),
             max_length_option(required=True), seed_option(),
             examples=["rnnexpr growth --widths 2,2,2 --max-length 8"])
    def _cmd_growth(args):
        ...
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

#: Width of the terminal output the tables are fitted to.
COLUMNS = 100

#: Where the example model files live (relative to a checkout); used by the ``--help`` examples.
EXAMPLES = "examples/models"


class UsageError(Exception):
    """Bad input on the command line: reported in one line, exit code 2."""


# ---------------------------------------------------------------------------
# the table of subcommands
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One ``add_argument`` call: its flags and keyword arguments (``group`` = mutually exclusive group).

    Examples
    --------
    >>> Option(("--quick",), {"action": "store_true", "help": "smaller"}).flags
    ('--quick',)
    """

    flags: tuple[str, ...]
    kwargs: dict[str, Any]
    group: str | None = None


def option(*flags: str, group: str | None = None, **kwargs: Any) -> Option:
    """An argument of a subcommand (the arguments of ``ArgumentParser.add_argument``).

    Parameters
    ----------
    *flags : str
        ``"model"`` for a positional argument, ``"-o", "--output"`` for an option.
    group : str, optional
        Options with the same group name are mutually exclusive.
    **kwargs
        Passed to ``add_argument`` (``help`` is required).

    Returns
    -------
    Option

    Examples
    --------
    >>> option("--quick", action="store_true", help="smaller instances").flags
    ('--quick',)
    """
    if "help" not in kwargs:  # pragma: no cover - a developer's mistake in the option table
        from .errors import InvalidTypeError

        raise InvalidTypeError(f"option {flags}: every argument needs a help text")
    return Option(tuple(flags), kwargs, group)


@dataclass(frozen=True)
class Command:
    """A registered subcommand: its name, function, help, arguments and examples.

    Examples
    --------
    >>> COMMANDS["memory"].name, COMMANDS["memory"].options[0].flags
    ('memory', ('--delay',))
    """

    name: str
    run: Callable[[argparse.Namespace], int]
    help: str
    options: tuple[Option, ...]
    examples: tuple[str, ...] = field(default=())
    json: bool = True


#: name -> :class:`Command`, in the order of ``rnnexpr --help``.
COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, *options: Option, examples: Sequence[str] = (),
            json: bool = True) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    """Register a subcommand (a decorator of its ``_cmd_*(args) -> int`` function).

    Parameters
    ----------
    name : str
        The subcommand, hyphenated (``"hankel-rank"``).
    help : str
        One sentence, shown in ``rnnexpr --help`` and as the subcommand's description.
    *options : Option
        Its arguments (``--json`` is added to every subcommand unless ``json=False``).
    examples : sequence of str
        Example invocations, shown at the end of the subcommand's ``--help``.
    json : bool
        Whether to add ``--json``.

    Returns
    -------
    callable
        The decorator (it returns the function unchanged).

    Examples
    --------
    >>> "verify" in COMMANDS and COMMANDS["verify"].examples[0].startswith("rnnexpr verify")
    True
    """

    def register(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = Command(name, func, help, tuple(options), tuple(examples), json)
        return func

    return register


# -- argument types -----------------------------------------------------------


def _int_at_least(minimum: int, budget: str | None = None, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer >= ``minimum`` (within the budget ``budget`` of rnnexpr.limits, and <= maximum)."""

    def parse(text: str) -> int:
        from .limits import current

        stripped = text.strip().replace("_", "")
        body = stripped[1:] if stripped[:1] in "+-" else stripped
        if not (body.isascii() and body.isdigit()):
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text[:40]!r}")
        if len(body) > 30:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got an integer of {len(body)} digits")
        value = int(stripped)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
        if budget is not None:
            limit = getattr(current(), budget)
            if value > limit:
                raise argparse.ArgumentTypeError(f"{value} exceeds the limit {limit} (budget {budget!r}: raise it "
                                                 f"with --limit {budget}=N or RNNEXPR_LIMITS)")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"expected an integer <= {maximum}, got {value}")
        return value

    parse.__name__ = "integer"  # argparse names the type in its messages
    return parse


_positive = _int_at_least(1)
_nonnegative = _int_at_least(0)
_seed = _int_at_least(0, maximum=2**63 - 1)
_positive_length = _int_at_least(1, "length")
_nonnegative_length = _int_at_least(0, "length")


def hyphenated(choices: Sequence[str]) -> Callable[[str], str]:
    """An argparse type accepting ``one-hot`` or ``one_hot`` (any case) for the choice ``one-hot``.

    Parameters
    ----------
    choices : sequence of str
        The hyphenated choices (listed in ``--help`` by ``choices=``).

    Returns
    -------
    callable

    Examples
    --------
    >>> hyphenated(["one-hot", "real"])("ONE_HOT")
    'one-hot'
    """

    def parse(text: str) -> str:
        value = text.strip().lower().replace("_", "-")
        return value

    parse.__name__ = "choice"
    return parse


def _choice(flags: tuple[str, ...], choices: Sequence[str], help: str, **kwargs: Any) -> Option:
    if "metavar" in kwargs:  # argparse then shows the metavar, not the choices: list them in the help
        help = f"{help}: one of {', '.join(choices)}"
    return option(*flags, type=hyphenated(choices), choices=list(choices), help=help, **kwargs)


# -- shared arguments ---------------------------------------------------------

#: A model file argument (``MODEL``).
MODEL = option("model", metavar="MODEL", help="model file (.json or .npz, as written by rnnexpr.io.save; "
                                              f"examples in {EXAMPLES}/)")

#: The output model file (``-o/--output``).
OUTPUT = option("-o", "--output", required=True, metavar="FILE", help="output model file (.json or .npz)")


def length_option(*, required: bool = True, help: str = "sequence length T") -> Option:
    """``--length T``: a positive sequence length, within the ``length`` budget.

    Parameters
    ----------
    required : bool
        Whether the option must be given.
    help : str
        Its help text.

    Returns
    -------
    Option

    Examples
    --------
    >>> length_option().flags
    ('--length',)
    """
    return option("--length", type=_positive_length, required=required, metavar="T", help=help)


def max_length_option(*, required: bool = False,
                      help: str = "use all words of length <= K (a nonnegative integer)") -> Option:
    """``--max-length K`` (``--max-len`` is a deprecated alias): a nonnegative length within the budget.

    Parameters
    ----------
    required : bool
        Whether the option must be given.
    help : str
        Its help text.

    Returns
    -------
    Option

    Examples
    --------
    >>> max_length_option().flags
    ('--max-length',)
    """
    return option("--max-length", type=_nonnegative_length, required=required, default=None, metavar="K",
                  help=help)


def seed_option(*, help: str = "random seed (default 0)") -> Option:
    """``--seed S``: a nonnegative integer seed, default 0.

    Parameters
    ----------
    help : str
        Its help text.

    Returns
    -------
    Option

    Examples
    --------
    >>> seed_option().kwargs["default"]
    0
    """
    return option("--seed", type=_seed, default=0, metavar="S", help=help)


def method_options(default: str = "the input's type decides: exact for exact files, numerical for float "
                                  "ones") -> list[Option]:
    """``--method {exact,modular,numerical}`` with the shortcuts ``--exact`` and ``--numerical``.

    The three are mutually exclusive and all set ``args.method`` (``None`` when none is
    given: the library's rule, :func:`rnnexpr.validation.resolve_method`).

    Parameters
    ----------
    default : str
        Says in the help what happens when none is given.

    Returns
    -------
    list of Option

    Examples
    --------
    >>> [o.flags[0] for o in method_options()]
    ['--method', '--exact', '--numerical']
    """
    return [
        _choice(("--method",), ["exact", "modular", "numerical"], f"method (default: {default})",
                default=None, group="method"),
        option("--exact", dest="method", action="store_const", const="exact", group="method",
               help="same as --method exact: exact over Q, a proof"),
        option("--numerical", dest="method", action="store_const", const="numerical", group="method",
               help="same as --method numerical: float, with tolerance and singular-value gap"),
    ]


# -- helpers ------------------------------------------------------------------


def _load(path: str, kinds: tuple[str, ...] = ("stack", "depthwise", "wfa")) -> Any:
    """Load a model file, accepting only the given kinds."""
    from .io import load
    from .models import WFA, DepthwiseStack, Stack

    model = load(path)
    kind = {Stack: "stack", DepthwiseStack: "depthwise", WFA: "wfa"}[type(model)]
    if kind not in kinds:
        raise UsageError(f"{path}: expected a model of kind {' or '.join(kinds)}, got {kind}")
    return model


def _is_deep(model: Any) -> bool:
    from .models import WFA

    return not isinstance(model, WFA) and model.depth > 1


def _check_words(models: Sequence[Any], max_length: int, option_name: str = "--max-length") -> None:
    """Refuse ``--max-length K`` when the words of length <= K exceed the ``words`` budget (before computing)."""
    from .errors import SizeLimitError
    from .hankel import word_count
    from .limits import HOW_TO_RAISE, current

    cap = current().words
    d = max(m.alphabet_size for m in models)
    if word_count(d, max_length, cap=cap) > cap:
        raise SizeLimitError(f"{option_name}: there are more than {cap} words of length <= {max_length} over {d} "
                             f"symbols, the limit ({HOW_TO_RAISE.format('words')})")


def _check_profile_work(model: Any, max_length: int) -> None:
    """Refuse a rank profile whose evaluation cost is above the ``work`` budget (before computing).

    The profile evaluates the stack mod p on its prefix and suffix sets for every
    k <= K, words of length up to 2K each: about (K + 1)^2 times the number of words
    of length <= K steps (measured: K = 120 on a one-letter alphabet takes about 10 s).
    On a one-letter alphabet the word budget alone lets K reach a million.
    """
    from .hankel import word_count
    from .limits import check_work

    words = word_count(model.alphabet_size, max_length, cap=10**12)
    check_work(4 * (max_length + 1) ** 2 * words, "--max-length")


@contextmanager
def _option_names(**names: str) -> Iterator[None]:
    """Let the library's checks speak in option names: ``max_length: ...`` is reported as ``--max-length: ...``.

    The library functions check their own arguments against the budgets (one check, shared
    with Python callers); on the command line the message names the option the user typed.
    """
    from .errors import RnnexprError

    try:
        yield
    except RnnexprError as exc:
        message = str(exc)
        for argument, flag in names.items():
            if message.startswith(argument + ":") and len(exc.args) == 1:
                exc.args = (flag + message[len(argument):],)
                break
        raise


def _state_size(model: Any) -> int:
    from .models import WFA

    return model.num_states if isinstance(model, WFA) else sum(model.widths) + 1


def _emit(args: argparse.Namespace, data: Any, lines: Sequence[str]) -> None:
    from .theorems.certificate import jsonable

    if getattr(args, "json", False):
        print(json.dumps(jsonable(data), indent=1))
    else:
        for line in lines:
            print(line)


def _table(rows: list[list[Any]], header: list[str], *, width: int | None = None) -> list[str]:
    """Left-aligned columns; with ``width``, the widest columns are cut (ending in "...") to fit."""
    cells = [[str(c) for c in r] for r in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    if width is not None:
        while sum(widths) + 2 * (len(widths) - 1) > width and max(widths) > 8:
            widths[widths.index(max(widths))] -= 1
    cut = [[c if len(c) <= w else c[: w - 3] + "..." for c, w in zip(r, widths, strict=True)] for r in cells]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*cut[0]), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*r) for r in cut[1:]]
    return [line.rstrip() for line in lines]


def _check_output(out: str, suffixes: tuple[str, ...] = (".json", ".npz")) -> None:
    """Refuse an output path that cannot be written, before any computation (names path and reason)."""
    if os.path.isdir(out):
        raise UsageError(f"-o/--output: cannot write {out!r}: it is a directory")
    if suffixes and not out.endswith(suffixes):
        raise UsageError(f"-o/--output: expected a file name ending in {' or '.join(suffixes)}, got {out!r}")
    parent = os.path.dirname(os.path.abspath(out)) or "."
    if not os.path.isdir(parent):
        raise UsageError(f"-o/--output: cannot write {out!r}: directory {parent!r} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"-o/--output: cannot write {out!r}: directory {parent!r} is not writable")


def _save(model: Any, out: str) -> str:
    from .io import save

    _check_output(out)
    try:
        return str(save(model, out))
    except OSError as exc:
        raise UsageError(f"-o/--output: cannot write {out!r}: {exc.strerror or exc}") from None


def _examples_epilog(cmd: Command) -> str | None:
    if not cmd.examples:
        return None
    return "examples (from a checkout, with the files of " + EXAMPLES + "/):\n" + "\n".join(
        "  " + e for e in cmd.examples)


# ---------------------------------------------------------------------------
# subcommands
# ---------------------------------------------------------------------------


def _theorem_names(items: Sequence[str] | None) -> list[str]:
    from .theorems import THEOREMS

    names: list[str] = []
    for item in items or []:
        names.extend(x.strip().upper() for x in item.split(",") if x.strip())
    unknown = [n for n in names if n not in THEOREMS]
    if unknown:
        raise UsageError(f"--theorem: expected names among {', '.join(THEOREMS)}, got {', '.join(unknown)}")
    return names


def _certificate_rows(certs: Sequence[Any], instances: Sequence[str], verbose: bool,
                      verdicts: Sequence[str] | None = None) -> list[str]:
    """The certificate table, fitted to COLUMNS; with ``verbose``, each instance and its evidence below its row."""
    from .theorems import THEOREMS

    rows = []
    for i, c in enumerate(certs):
        title = THEOREMS[c.theorem].title if c.theorem in THEOREMS else ""
        rows.append([f"{c.theorem}  {title}", instances[i], c.exactness, c.verdict if verdicts is None else verdicts[i]])
    lines = _table(rows, ["statement", "instance", "exact/numerical", "verdict"], width=COLUMNS)
    if not verbose:
        return lines
    out = lines[:2]
    for line, c in zip(lines[2:], certs, strict=True):
        out.append(line)
        for label, text in (("instance", c.instance.get("description", "")),
                            ("evidence", c.evidence.get("summary", ""))):
            if text:
                out.extend(textwrap.wrap(f"{label}: {text}", COLUMNS, initial_indent="    ",
                                         subsequent_indent="      "))
    return out


@command("verify", "verify the statements T0-T6 and print a table of certificates "
                   "(exit 0 when all hold, 1 when one fails)",
         option("--theorem", action="append", metavar="T",
                help="statement to verify (T0..T6; repeatable, or comma-separated); default all"),
         seed_option(help="first seed (default 0)"),
         option("--instances", type=_int_at_least(1, maximum=1000), default=3, metavar="N",
                help="seeded instances per statement (default 3, at most 1000)"),
         option("--jobs", type=_int_at_least(1, maximum=64), default=1, metavar="N",
                help="parallel worker processes (default 1, at most 64)"),
         option("--quick", action="store_true", help="smaller instances"),
         option("--progress", action="store_true", help="show progress on stderr even when not a terminal"),
         option("-v", "--verbose", action="store_true", help="also print each instance and its evidence"),
         option("-o", "--output", default=None, metavar="FILE",
                help="also write the certificates as JSON to FILE (re-check with: rnnexpr check FILE)"),
         examples=["rnnexpr verify", "rnnexpr verify --theorem T2,T3 --quick --verbose",
                   "rnnexpr verify --json -o certs.json && rnnexpr check certs.json"])
def _cmd_verify(args: argparse.Namespace) -> int:
    from .theorems import EMPIRICAL, THEOREMS, verify_all

    names = _theorem_names(args.theorem)
    if args.output is not None:
        _check_output(args.output, (".json",))
    start = time.perf_counter()
    certs = verify_all(names or None, seed=args.seed, instances=args.instances, jobs=args.jobs,
                       quick=args.quick, progress=(not args.json and sys.stderr.isatty()) or args.progress)
    elapsed = time.perf_counter() - start
    ok = all(c.holds for c in certs)
    payload = [c.to_dict() for c in certs]
    if args.output is not None:
        try:
            with open(args.output, "w") as fh:
                json.dump(payload, fh, indent=1)
        except OSError as exc:
            raise UsageError(f"-o/--output: cannot write {args.output!r}: {exc.strerror or exc}") from None
    if args.json:
        print(json.dumps(payload, indent=1))
        return EXIT_OK if ok else EXIT_FAIL
    per_theorem = len(certs) // max(len(names or THEOREMS), 1)
    seeds = [f"seed={args.seed + i % max(per_theorem, 1)}" for i in range(len(certs))]
    lines = _certificate_rows(certs, seeds, args.verbose)
    empirical = [] if names and "T6" not in names else list(EMPIRICAL.items())
    for key, note in empirical:
        lines.append(note if note.startswith(key) else f"{key}: {note}"[:COLUMNS])
    for line in lines:
        print(line)
    failed = [c for c in certs if not c.holds]
    summary = f"{len(certs) - len(failed)}/{len(certs)} certified"
    if empirical:
        summary += f", {len(empirical)} empirical"
    print(f"\n{summary} ({elapsed:.1f} s)")
    for c in failed:
        print(f"FAILED {c.theorem} ({c.instance.get('description', '')}): step {c.failed_step!r}"[:COLUMNS])
    return EXIT_OK if ok else EXIT_FAIL


@command("check", "re-check saved certificates (one or a list, as written by verify --json or -o; theorem "
                  "or Hankel certificates) from the stored evidence alone (exit 0 only when all hold)",
         option("file", metavar="FILE", help="certificate file (JSON: one certificate or a list)"),
         option("-v", "--verbose", action="store_true", help="also print each instance and evidence, and the "
                                                            "whole reason of each failure"),
         examples=["rnnexpr verify -o certs.json && rnnexpr check certs.json"])
def _cmd_check(args: argparse.Namespace) -> int:
    from .errors import ModelFormatError
    from .hankel import HANKEL_CERTIFICATE_FORMAT, HankelCertificate
    from .io import read_json
    from .theorems import THEOREMS
    from .theorems.certificate import Certificate

    data = read_json(args.file)
    items = data if isinstance(data, list) else [data]
    if not items:
        raise ModelFormatError(f"{args.file}: expected a certificate or a non-empty list of certificates, got []")
    certs: list[Any] = []
    for i, item in enumerate(items):
        try:
            if isinstance(item, dict) and item.get("format") == HANKEL_CERTIFICATE_FORMAT:
                certs.append(HankelCertificate.from_json(item))
            else:
                certs.append(Certificate.from_dict(item))
        except ModelFormatError as exc:
            raise ModelFormatError(f"[{i}]: {exc}" if isinstance(data, list) else str(exc)) from None
    results = [c.check() for c in certs]
    good = sum(bool(r) for r in results)
    rows, details = [], []
    for i, (c, r) in enumerate(zip(certs, results, strict=True)):
        if isinstance(c, HankelCertificate):
            label = f"Hankel block of rank {c.rank} (no WFA with < {c.rank} states)"
            how, info = ("exact" if c.exact else c.method), [("statement", c.statement)]
        else:
            label = f"{c.theorem}  {THEOREMS[c.theorem].title if c.theorem in THEOREMS else ''}"
            how = c.exactness
            info = [("instance", c.instance.get("description", "")), ("evidence", c.evidence.get("summary", ""))]
        rows.append([label, f"#{i}", how, "holds" if r else "FAILS"])
        if args.verbose:
            details += [(f"#{i} {label.split('  ')[0]}", info)]
        if not r:
            text = f"#{i} FAILS at: {r.failed_step}" + (f" (field {r.field})" if r.field else "")
            details.append((text, []))
    lines = _table(rows, ["certificate", "instance", "exact/numerical", "verdict"], width=COLUMNS)
    for head, info in details:
        if not info:
            lines.extend(textwrap.wrap(head, COLUMNS, subsequent_indent="    ") if args.verbose
                         else [textwrap.shorten(head, COLUMNS, placeholder=" ...")])
        for label, text in info:
            if text:
                lines.extend(textwrap.wrap(f"{head} {label}: {text}", COLUMNS, subsequent_indent="      "))
    lines.append(f"\n{good}/{len(certs)} hold on re-checking")
    _emit(args, [{"certificate": getattr(c, "theorem", "Hankel"), **r.to_dict()}
                 for c, r in zip(certs, results, strict=True)], lines)
    return EXIT_OK if good == len(certs) else EXIT_FAIL


@command("hankel-rank", "rank of the Hankel matrix of a WFA or depth-1 stack (its minimal WFA size), "
                        "or of the block on words of length <= K",
         MODEL,
         max_length_option(help="use the block on words of length <= K (required for deep stacks)"),
         *method_options(default="the file decides: exact for an exact file, numerical (with tolerance, gap and a warning when unclear) for a float one"),
         examples=[f"rnnexpr hankel-rank {EXAMPLES}/wfa.json --exact",
                   f"rnnexpr hankel-rank {EXAMPLES}/2rnn-depth2.json --max-length 4"])
def _cmd_hankel_rank(args: argparse.Namespace) -> int:
    from .hankel import hankel_rank, rank_profile

    model = _load(args.model, ("stack", "wfa"))
    method = args.method  # None: the library's rule (the file's type decides)
    if args.max_length is None:
        if _is_deep(model):
            raise UsageError(f"{args.model}: a depth-{model.depth} stack is not a WFA; give --max-length K for "
                             "the block on words of length <= K")
        with _NumericalWarnings() as caught:
            res = hankel_rank(model, method=method)
        caught.emit(args, res.to_dict(), [f"Hankel {res.describe()} (infinite Hankel matrix: minimal WFA size)"])
        return EXIT_OK
    _check_words([model], args.max_length)
    with _NumericalWarnings() as caught:
        prof = rank_profile(model, args.max_length, method=method)
    data = prof.to_dict()
    data["rank"] = int(prof.ranks[-1])
    how = _profile_how(prof)
    if prof.method == "modular":
        how += (", proven over Q" if prof.proven[-1] else
                f", a lower bound, exact except with probability <= {prof.error_probability:.1e}")
    caught.emit(args, data, [f"Hankel rank {prof.ranks[-1]} on words of length <= {args.max_length} ({how})"])
    return EXIT_OK


class _NumericalWarnings:
    """Collects the NumericalRankWarnings of a computation: printed as ``warning: ...`` lines on stderr.

    With ``--json`` they are also in the output, as ``"warnings"``.
    """

    def __enter__(self) -> _NumericalWarnings:
        import warnings

        from .errors import NumericalRankWarning

        self._manager = warnings.catch_warnings(record=True)
        self.records = self._manager.__enter__()
        warnings.simplefilter("always", NumericalRankWarning)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._manager.__exit__(*exc)

    def emit(self, args: argparse.Namespace, data: Any, lines: Sequence[str]) -> None:
        from .errors import NumericalRankWarning

        messages = [str(w.message) for w in self.records if issubclass(w.category, NumericalRankWarning)]
        if messages and isinstance(data, dict):
            data = {**data, "warnings": messages}
        _emit(args, data, lines)
        for m in messages:
            print(f"warning: {m}", file=sys.stderr)


def _profile_how(prof: Any) -> str:
    if prof.exact:
        return "exact over Q"
    if prof.method == "modular":
        return f"mod p={prof.prime}"
    gaps = [g for g in (prof.gaps or []) if g is not None]
    return f"numerical, min gap={min(gaps):.2e}" if gaps else "numerical"


def _rank_cell(prof: Any, k: int) -> str:
    """``ranks[k]``, marked ``*`` when it is a lower bound only (a modular rank below its upper bound).

    The marking of ``rnnexpr growth``'s table.  Numerical ranks are not marked: they are neither
    proven nor lower bounds (their tolerance and gap are in ``--json``, unclear gaps warn).
    """
    lower = prof.method == "modular" and not prof.proven[k]
    return f"{prof.ranks[k]}{'*' if lower else ''}"


def _proven_legend(prof: Any) -> str:
    """Which ranks are proven, in the words of ``rnnexpr growth``'s statement."""
    K = len(prof.ranks) - 1
    if prof.method == "numerical":
        return (f"none of the {K + 1} ranks proven: numerical ranks (tolerances and gaps in --json; --exact or "
                "--method modular proves them)")
    if all(prof.proven):
        return "proven over Q"
    return (f"{sum(prof.proven)} of {K + 1} ranks proven, the others (*) lower bounds mod p={prof.prime} "
            f"(exact except with probability <= {prof.error_probability:.1e})")


@command("rank-profile", "Hankel ranks on words of length <= m for m = 0..K (factorized); a rank marked * is a "
                         "lower bound mod p, not proven (the last line says which ranks are proven)",
         MODEL,
         max_length_option(required=True, help="largest length K of the profile"),
         *method_options(default="the file decides: exact for an exact file, numerical (with tolerance, gap and a warning when unclear) for a float one"),
         examples=[f"rnnexpr rank-profile {EXAMPLES}/2rnn-depth2.json --max-length 4"])
def _cmd_rank_profile(args: argparse.Namespace) -> int:
    from .hankel import rank_profile

    model = _load(args.model, ("stack", "wfa"))
    _check_words([model], args.max_length)
    _check_profile_work(model, args.max_length)
    with _NumericalWarnings() as caught:
        res = rank_profile(model, args.max_length, method=args.method)  # None: the file's type decides
    rows = [[m, _rank_cell(res, m)] for m in range(len(res.ranks))]
    how = _profile_how(res)
    lines = _table(rows, ["max length m", f"rank of H[words <= m, words <= m] ({how})"])
    caught.emit(args, res.to_dict(), [*lines, *textwrap.wrap(_proven_legend(res), COLUMNS)])
    return EXIT_OK


def _widths(text: str) -> list[int]:
    """An argparse type: comma-separated positive layer widths (``2,2,2``)."""
    parts = [p.strip() for p in text.split(",")]
    if not text.strip() or any(not p.isdigit() or int(p) < 1 for p in parts):
        raise argparse.ArgumentTypeError(f"expected comma-separated positive widths such as 2,2,2, got {text[:40]!r}")
    if len(parts) > 16 or any(int(p) > 64 for p in parts):
        raise argparse.ArgumentTypeError(f"expected at most 16 layers of width <= 64, got {text[:40]!r}")
    return [int(p) for p in parts]


_widths.__name__ = "widths"


@command("growth", "Hankel-rank growth: the rank profile of a stack, its finite differences and the observed "
         "polynomial order (an observation on the computed range)",
         option("model", metavar="MODEL", nargs="?", default=None,
                help="stack or WFA model file (default: a random stack of the --widths)"),
         option("--widths", type=_widths, default=None, metavar="W1,W2,...",
                help="widths of a random stack (nonzero integer parameters), e.g. 2,2,2"),
         max_length_option(required=True, help="largest k of the profile"),
         seed_option(help="seed of the random stack, the prime and the sketches (default 0)"),
         option("--alphabet-size", type=_positive, default=2, metavar="D",
                help="alphabet size of the random stack (default 2)"),
         _choice(("--kind",), ["pure", "2rnn"], "terms of the random layers: pure (A only, default) or 2rnn "
                 "(A, U, V, b)", default="pure"),
         _choice(("--method",), ["modular", "exact"], "ranks mod a random prime, proven where full (default), "
                 "or every rank over Q", default="modular"),
         examples=["rnnexpr growth --widths 2,2,2 --max-length 8",
                   f"rnnexpr growth {EXAMPLES}/2rnn-depth2.json --max-length 6 --json"])
def _cmd_growth(args: argparse.Namespace) -> int:
    from .growth import generic_stack, rank_growth

    if (args.model is None) == (args.widths is None):
        raise UsageError("expected either a MODEL file or --widths W1,W2,..., not "
                         + ("both" if args.model is not None else "neither"))
    if args.model is not None:
        model = _load(args.model, ("stack", "wfa", "depthwise"))
    else:
        model = generic_stack(args.widths, args.alphabet_size, kind=args.kind, seed=args.seed)
    _check_words([model], args.max_length)
    _check_profile_work(model, args.max_length)
    res = rank_growth(model, args.max_length, method=args.method, seed=args.seed)
    _emit(args, res.to_dict(), res.table().splitlines())
    return EXIT_OK


@command("collapse", "collapse a stack of linear RNN layers into one layer (T1)",
         MODEL, OUTPUT,
         examples=[f"rnnexpr collapse {EXAMPLES}/linear-stack.json -o collapsed.json"])
def _cmd_collapse(args: argparse.Namespace) -> int:
    from .constructions import collapse

    _check_output(args.output)
    model = _load(args.model, ("stack",))
    if not model.is_linear_rnn:
        raise UsageError(f"{args.model}: expected a stack of linear RNN layers (no A term); linear 2RNN stacks "
                         "do not collapse (T5)")
    out = collapse(model)
    path = _save(out, args.output)
    _emit(args, {"input_widths": list(model.widths), "output_widths": list(out.widths), "path": path},
          [f"collapsed widths {model.widths} -> one linear RNN layer of width {out.widths[0]}; wrote {path}"])
    return EXIT_OK


@command("degree", "exact polynomial degree of y_T in x_1..x_T (T4, T6)",
         MODEL, length_option(help="sequence length T (degree of y_T)"),
         _choice(("--method",), ["auto", "symbolic", "modular"],
                 "degree method (default: auto, the library's choice)", default=None),
         examples=[f"rnnexpr degree {EXAMPLES}/2rnn-depth2.json --length 4"])
def _cmd_degree(args: argparse.Namespace) -> int:
    from .polydegree import degree

    model = _load(args.model, ("stack", "depthwise"))
    kwargs = {} if args.method is None else {"method": args.method}
    with _option_names(length="--length"):  # degree checks the length and work budgets itself
        res = degree(model, args.length, **kwargs)
    how = "exact, certified" if not res.error_probability else f"error probability <= {res.error_probability:.1e}"
    _emit(args, res.to_dict(), [f"total degree of y_{args.length}: {res.total}  ({res.method}, {how})",
                                f"degree in x_1..x_{args.length}: {list(res.per_input)}"])
    return EXIT_OK


@command("tt-ranks", "TT ranks of the length-T slice of a model",
         MODEL, length_option(help="sequence length T of the slice"),
         _choice(("--feature-map",), ["one-hot", "affine", "polynomial"], "feature map of the inputs "
                                                                          "(default one-hot)",
                 default="one-hot"),
         *method_options(default="the file decides: exact for an exact file, numerical (with tolerance, gap and a warning when unclear) for a float one"),
         examples=[f"rnnexpr tt-ranks {EXAMPLES}/wfa.json --length 4"])
def _cmd_tt_ranks(args: argparse.Namespace) -> int:
    from .tt import to_tensor_train, tt_ranks

    model = _load(args.model, ("stack", "wfa"))
    from .limits import check_work

    check_work(10 * args.length * model.alphabet_size * (_state_size(model) + 1) ** 3,
                f"--length: the TT ranks at T={args.length}")
    tt = to_tensor_train(model, args.length, feature_map=args.feature_map.replace("-", "_"))
    with _NumericalWarnings() as caught:
        res = tt_ranks(tt, method=args.method)  # None: the file's type decides
    caught.emit(args, res.to_dict(), [res.describe()])
    return EXIT_OK


@command("memory", "the T2 table: Hankel rank and parameter counts of the delay y_t = x_(t-k)",
         option("--delay", type=_positive_length, required=True, metavar="K", help="largest delay k"),
         examples=["rnnexpr memory --delay 8"])
def _cmd_memory(args: argparse.Namespace) -> int:
    from .theorems import memory_table

    rows = memory_table(args.delay)
    lines = _table([[r["delay"], r["hankel_rank"], r["min_width"], r["shallow_recurrent"], r["shallow_params"],
                     r["deep_depth"], r["deep_params"]] for r in rows],
                   ["delay k", "Hankel rank", "min width", "recurrent params", "params", "depth (width 2)",
                    "params (deep)"])
    _emit(args, rows, ["one layer: min width, recurrent params, params; deep: depth at width 2, params",
                       *lines])
    return EXIT_OK


@command("minimize", "minimal WFA / smallest pure 2RNN computing a WFA or depth-1 stack (T3)",
         MODEL, OUTPUT,
         examples=[f"rnnexpr minimize {EXAMPLES}/2rnn-depth1.json -o minimal.json"])
def _cmd_minimize(args: argparse.Namespace) -> int:
    from .conversions import from_wfa, to_wfa
    from .models import WFA
    from .wfa import minimize

    _check_output(args.output)
    model = _load(args.model, ("stack", "wfa"))
    if _is_deep(model):
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


@command("equivalent", "equivalence of two WFAs or stacks, with a witness when they differ "
                       "(exit 0 when equivalent, 1 when not)",
         option("a", metavar="A", help="first model file"),
         option("b", metavar="B", help="second model file"),
         max_length_option(help="deep stacks: compare all words of length <= K"),
         _choice(("--inputs",), ["one-hot", "real"], "one-hot: words over the alphabet (default); "
                                                     "real: linear RNN stacks on real input sequences",
                 default="one-hot"),
         examples=[f"rnnexpr equivalent {EXAMPLES}/wfa.json {EXAMPLES}/wfa.json",
                   f"rnnexpr equivalent {EXAMPLES}/linear-stack.json collapsed.json --inputs real"])
def _cmd_equivalent(args: argparse.Namespace) -> int:
    from .equivalence import equivalent

    a = _load(args.a, ("stack", "wfa"))
    b = _load(args.b, ("stack", "wfa"))
    deep = _is_deep(a) or _is_deep(b)
    if deep and args.max_length is None and args.inputs == "one-hot":
        raise UsageError("a deep stack is not a WFA: give --max-length K to compare all words of length <= K, or "
                         "--inputs real for linear RNN stacks")
    with _option_names(max_length="--max-length"):  # equivalent checks the length, words and work budgets itself
        res = equivalent(a, b, inputs=args.inputs, max_length=args.max_length)
    line = "equivalent" if res.equivalent else f"not equivalent: witness {res.to_dict()['witness']}"
    _emit(args, res.to_dict(), [f"{line} (scope: {res.scope}; {'exact' if res.exact else 'numerical'})"])
    return EXIT_OK if res.equivalent else EXIT_FAIL


_EXPERIMENT_NAMES = ["memory", "degree", "state-tracking", "digits"]


@command("experiment", "run a training experiment (needs the experiments extra)",
         _choice(("name",), _EXPERIMENT_NAMES, "the experiment", metavar="NAME"),
         option("--quick", action="store_true", help="the seconds-long version"),
         seed_option(),
         option("-o", "--output", default=None, metavar="DIR",
                help="output directory (--out is a deprecated alias)"),
         examples=["rnnexpr experiment memory --quick -o results"])
def _cmd_experiment(args: argparse.Namespace) -> int:
    try:
        from .experiments import EXPERIMENTS, run_experiment, summary_lines
    except ImportError:
        raise UsageError('experiments need torch: pip install "rnnexpr[experiments]"') from None
    name = args.name.replace("-", "_")
    if name not in EXPERIMENTS:
        raise UsageError(f"NAME: expected one of {', '.join(_EXPERIMENT_NAMES)}, got {args.name!r}")
    res = run_experiment(name, quick=args.quick, seed=args.seed, out=args.output)
    seeds = res.get("seeds", [])
    lines = [f"experiment {name}{' (quick: not results)' if args.quick else ''}: {res['seconds']} s, "
             f"seeds {', '.join(map(str, seeds))} (means over seeds)", ""]
    lines += summary_lines(name, res)
    outputs = res.get("outputs")
    if outputs:
        lines += ["", "wrote " + ", ".join(map(str, outputs.values() if isinstance(outputs, dict) else outputs))]
    _emit(args, res, lines)
    return EXIT_OK


# -- sequence data and extraction (issue 15) ----------------------------------

_VARIANT_NAMES = ["classic", "prefix", "suffix", "factor"]


def _float_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text[:40]!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text[:40]!r}")
    return value


def _probabilities_file(path: str, count: int) -> Any:
    """PAutomaC's solution format: a line N, then one probability per line."""
    import numpy as np

    from .limits import check_size

    check_size(os.path.getsize(path), f"{path}: file size in bytes", "file_bytes")
    with open(path, encoding="utf-8") as fh:
        lines = [line.strip() for line in fh if line.strip()]
    try:
        values = np.array([float(v) for v in lines[1:]], dtype=np.float64)
        declared = int(lines[0]) if lines else -1
    except ValueError as exc:
        raise UsageError(f"--test-probabilities: {path}: expected a count line then one number per line "
                         f"({exc})") from None
    if declared != len(values) or len(values) != count:
        raise UsageError(f"--test-probabilities: {path}: expected {count} probabilities (one per test word) after "
                         f"the count line, got {len(values)} (declared {declared})")
    return values


@command("learn", "learn a WFA by spectral learning from a file of sequences; with --test, print its "
                  "perplexity and word error rate on a test file",
         option("train", metavar="TRAIN", help="training sequences: PAutomaC/SPiCe format (a header 'N "
                                               "alphabet_size', then 'length s_1 ... s_length' per line) or "
                                               "plain text (one sequence per line, symbols separated by spaces)"),
         option("--rank", type=_int_at_least(1, "dimension"), required=True, metavar="R",
                help="number of states of the learned WFA"),
         _choice(("--variant",), _VARIANT_NAMES, "the function whose Hankel blocks are used: P(w) (classic), "
                 "P(w Sigma*) (prefix), P(Sigma* w) (suffix) or the expected factor count (factor); default "
                 "classic", default="classic"),
         max_length_option(help="rows and columns: the prefixes / suffixes (or factors) of length <= K that "
                                "occur in the sample (default 3)"),
         option("--test", metavar="TEST", default=None, help="test sequences, same formats: perplexity (words "
                "the WFA gives a value <= 0 are scored by the smoothed bigram model of TRAIN) and word error rate"),
         option("--test-probabilities", metavar="FILE", default=None,
                help="true probabilities of the test words (PAutomaC solution format: a line N, then one number "
                     "per line): perplexity is then PAutomaC's score"),
         OUTPUT,
         examples=["rnnexpr learn examples/data/pautomac_train.txt --rank 5 --variant suffix "
                   "--test examples/data/pautomac_test.txt -o learned.json"])
def _cmd_learn(args: argparse.Namespace) -> int:
    from .data import read_sequences
    from .spectral import learn_from_sample, ngram_wfa, perplexity, word_error_rate

    _check_output(args.output)
    if args.test_probabilities is not None and args.test is None:
        raise UsageError("--test-probabilities: expected --test TEST too, got no test file")
    train = read_sequences(args.train)
    test = read_sequences(args.test, alphabet_size=train.alphabet_size) if args.test is not None else None
    probs = _probabilities_file(args.test_probabilities, len(test)) if args.test_probabilities and test else None
    length = 3 if args.max_length is None else args.max_length
    d = train.alphabet_size
    wfa = learn_from_sample(train, args.rank, d, variant=args.variant, max_length=length)
    path = _save(wfa, args.output)
    data: dict[str, Any] = {"path": path, "num_states": args.rank, "alphabet_size": d, "variant": args.variant,
                            "max_length": length, "train_sequences": len(train)}
    lines = [f"learned a WFA with {args.rank} states over {d} symbols from {len(train)} sequences "
             f"({args.variant} Hankel blocks, words of length <= {length}); wrote {path}"]
    if test is not None:
        words = list(test)
        values = wfa.values(words)
        smoothed = int((values <= 0).sum())
        ppl = perplexity(wfa, words, probabilities=probs, fallback=ngram_wfa(train, d))
        wer = word_error_rate(wfa, words)
        data.update({"test_sequences": len(words), "perplexity": ppl, "word_error_rate": wer,
                     "smoothed": smoothed, "perplexity_kind": "pautomac" if probs is not None else "per-word"})
        kind = "PAutomaC perplexity" if probs is not None else "perplexity (per word)"
        lines += [f"{kind} on {len(words)} test sequences: {ppl:.6g} ({smoothed} values <= 0 scored by the "
                  "bigram fallback)",
                  f"word error rate (next symbol or end, {sum(len(w) + 1 for w in words)} predictions): {wer:.4f}"]
    _emit(args, data, lines)
    return EXIT_OK


@command("extract", "extract a WFA from a trained torch RNN/LSTM/GRU and report its rank profile and its error "
                    "against the Eckart-Young lower bound per size (the file is read with "
                    "torch.load(weights_only=True): only rnnexpr.torch.save_sequence_model files, never pickles)",
         option("model", metavar="MODEL.pt", help="a file of rnnexpr.torch.save_sequence_model (state dict and "
                                                  "architecture); arbitrary torch files are refused, since loading "
                                                  "them could run code"),
         max_length_option(help="query all words of length <= 2K+1: prefixes and suffixes of length <= K "
                                "(default 3)"),
         option("--rtol", type=_float_arg, default=1e-6, metavar="R",
                help="relative tolerance of the numerical ranks, about the accuracy the network was trained to "
                     "(default 1e-6)"),
         option("--num-states", type=_int_at_least(1, "dimension"), default=None, metavar="N",
                help="size of the extracted WFA (default: the numerical rank)"),
         option("--output-index", type=_nonnegative, default=0, metavar="J",
                help="the output coordinate of the readout to extract (default 0)"),
         seed_option(help="seed of the random held-out words (default 0)"),
         option("-o", "--output", default=None, metavar="FILE", help="write the extracted WFA (.json or .npz)"),
         examples=["rnnexpr extract lstm.pt --max-length 3 --rtol 1e-3 -o extracted.json"])
def _cmd_extract(args: argparse.Namespace) -> int:
    if args.output is not None:
        _check_output(args.output)
    try:
        from .torch import load_sequence_model, sequence_function
    except ImportError:
        raise UsageError('extract needs torch: pip install "rnnexpr[torch]"') from None
    from .extraction import extract

    module, readout = load_sequence_model(args.model)
    if args.output_index >= readout.out_features:
        raise UsageError(f"--output-index: expected an index below {readout.out_features} (the readout's outputs), "
                         f"got {args.output_index}")
    f = sequence_function(module, module.input_size, readout=readout, output=args.output_index)
    length = 3 if args.max_length is None else args.max_length
    res = extract(f, alphabet_size=module.input_size, max_length=length, num_states=args.num_states,
                  rtol=args.rtol, seed=args.seed)
    data = res.to_dict()
    lines = [f"{type(module).__name__} (hidden size {module.hidden_size}, {module.num_layers} layer(s)) queried on "
             f"{res.queries} words; extracted a WFA with {res.num_states} states "
             f"(held-out relative error {res.test_error:.3e})", *res.describe().splitlines()]
    if args.output is not None:
        path = _save(res.wfa, args.output)
        data["path"] = path
        lines.append(f"wrote {path}")
    _emit(args, data, lines)
    return EXIT_OK


# ---------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------

#: Deprecated option spellings -> current ones (rewritten before parsing, with a warning on stderr).
DEPRECATED_OPTIONS = {"--max-len": "--max-length", "--out": "--output"}


def _version() -> str:
    from . import __version__

    return __version__


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``rnnexpr CMD: error: ... (see rnnexpr CMD --help)``, exit 2."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        message = " ".join(message.split())
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rnnexpr`` command, built from :data:`COMMANDS`.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> build_parser().parse_args(["memory", "--delay", "3"]).delay
    3
    """
    parser = _Parser(
        prog="rnnexpr",
        description="Exact, checkable statements about depth in linear RNNs and linear 2RNNs.",
        epilog=f"Example model files: {EXAMPLES}/. Run 'rnnexpr COMMAND --help' for a command's options.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"rnnexpr {_version()}",
                        help="print the version and exit")
    parser.add_argument("--limit", action="append", default=[], metavar="NAME=N",
                        help="change a size budget of rnnexpr.limits for this run (repeatable), "
                             "e.g. --limit dimension=20000")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help, epilog=_examples_epilog(cmd),
                           formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
        groups: dict[str, Any] = {}
        for opt in cmd.options:
            target: Any = p
            if opt.group is not None:
                if opt.group not in groups:
                    groups[opt.group] = p.add_mutually_exclusive_group()
                target = groups[opt.group]
            target.add_argument(*opt.flags, **opt.kwargs)
        if cmd.json:
            p.add_argument("--json", action="store_true", help="print the result as JSON")
        p.set_defaults(func=cmd.run)
    return parser


def normalize_argv(argv: Sequence[str]) -> list[str]:
    """Accept the underscore spelling of option and command names; rewrite deprecated options.

    ``--feature_map=one_hot`` becomes ``--feature-map=one_hot`` (values are normalized by the
    option's type), ``hankel_rank`` becomes ``hankel-rank``, ``--max-len`` becomes
    ``--max-length`` (with a warning on stderr).  Nothing after ``--`` is touched.

    Parameters
    ----------
    argv : sequence of str

    Returns
    -------
    list of str

    Examples
    --------
    >>> normalize_argv(["rank_profile", "m.json", "--max_length=3"])
    ['rank-profile', 'm.json', '--max-length=3']
    """
    out: list[str] = []
    seen_command = False
    for i, arg in enumerate(argv):
        if arg == "--":
            out.extend(argv[i:])
            break
        if arg.startswith("--"):
            name, sep, value = arg.partition("=")
            name = name.replace("_", "-")
            if name in DEPRECATED_OPTIONS:
                print(f"rnnexpr: warning: {name} is deprecated, use {DEPRECATED_OPTIONS[name]}", file=sys.stderr)
                name = DEPRECATED_OPTIONS[name]
            out.append(name + sep + value)
            continue
        if not seen_command and not arg.startswith("-") and (out[-1:] != ["--limit"]):
            seen_command = True
            candidate = arg.replace("_", "-")
            out.append(candidate if candidate in COMMANDS else arg)
            continue
        out.append(arg)
    return out


def _report(command: str, message: str) -> int:
    message = " ".join(str(message).split())  # one line
    if len(message) > 400:
        message = message[:397] + "..."
    print(f"rnnexpr {command}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _os_message(exc: OSError) -> str:
    path = exc.filename
    reason = exc.strerror or str(exc)
    return f"cannot read {path!r}: {reason}" if path is not None else reason


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
    argv = normalize_argv(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors (2) and --help / --version (0)
        return int(exc.code or 0)
    name = args.command
    try:
        from .limits import budget, current, parse_limits

        limits = current()
        for item in args.limit:
            limits = parse_limits(item, base=limits, source="--limit")
        with budget(**{f: getattr(limits, f) for f in limits.__dataclass_fields__}):
            return int(args.func(args))
    except UsageError as exc:
        return _report(name, str(exc))
    except RnnexprError as exc:
        return _report(name, str(exc))
    except OSError as exc:
        return _report(name, _os_message(exc))
    except RecursionError:
        return _report(name, "input nested too deeply")
    except MemoryError:
        return _report(name, "out of memory (the input is too large for this machine; see rnnexpr.limits)")
    except OverflowError:
        return _report(name, "a number is too large for floating point (above 1.8e308) on a numerical path: "
                             "use the exact method (--exact) or rescale the model")
    except (ValueError, TypeError) as exc:
        return _report(name, str(exc))
    except ImportError as exc:
        return _report(name, f"a required module is missing ({exc})")
    except KeyboardInterrupt:
        print(f"rnnexpr {name}: interrupted", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # an internal error: still one line, no traceback (RNNEXPR_DEBUG=1 shows it)
        if os.environ.get("RNNEXPR_DEBUG"):
            raise
        print(f"rnnexpr {name}: internal error: {type(exc).__name__}: {exc} (please report; "
              "RNNEXPR_DEBUG=1 shows the traceback)"[:500], file=sys.stderr)
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
