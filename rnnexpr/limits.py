"""Size budgets: one place for every limit that protects against hostile or oversized input.

Every file reader (:func:`rnnexpr.io.load`, certificate loading) and every command-line
argument is checked against these budgets **before** anything is allocated or any loop
starts, and a request above a budget raises :class:`~rnnexpr.errors.SizeLimitError` with a
one-line message naming the field, the value and the limit.

The defaults keep anything accepted well under 1 GB of memory.  They can be changed

* for a block of code, with the context manager :func:`budget`::

      with rnnexpr.limits.budget(dimension=20_000):
          model = rnnexpr.io.load("big.json")

* for a process, with the environment variable ``RNNEXPR_LIMITS``, a comma-separated list of
  ``name=value`` pairs (``RNNEXPR_LIMITS="dimension=20000,length=10**6"`` is not accepted;
  write the integer: ``length=1000000``);
* on the command line, with ``rnnexpr --limit NAME=VALUE COMMAND ...`` (repeatable).

The budgets (see :class:`Limits`): ``file_bytes``, ``json_depth``, ``digits``, ``dimension``,
``depth``, ``entries``, ``npz_bytes``, ``length``, ``words``, ``work``.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from typing import Any

from .errors import InvalidArgumentError, InvalidTypeError, SizeLimitError

__all__ = ["Limits", "DEFAULT_LIMITS", "current", "budget", "check_size", "check_work", "parse_limits",
           "ENVIRONMENT_VARIABLE", "HOW_TO_RAISE"]

#: The environment variable read by :func:`current` (``name=value`` pairs, comma-separated).
ENVIRONMENT_VARIABLE = "RNNEXPR_LIMITS"

#: How a message tells the user to raise budget ``{0}``.
HOW_TO_RAISE = "budget {0!r}: raise it with rnnexpr.limits.budget, RNNEXPR_LIMITS or --limit {0}=N"


@dataclass(frozen=True)
class Limits:
    """The budgets, all positive integers.

    Attributes
    ----------
    file_bytes : int
        Size of a model or certificate file read from disk (at most this many bytes are read,
        so ``/dev/zero`` is refused at once).
    json_depth : int
        Nesting depth of JSON arrays and objects in a file.
    digits : int
        Characters of one number in a file (an integer, ``"p/q"`` or a float literal such
        as ``"1e100000000"``).
    dimension : int
        A declared size: ``input_dim``, a layer width, a number of WFA states, an alphabet size.
    depth : int
        Number of layers of a stack.
    entries : int
        Total number of parameter entries of a model (declared shapes, before reading them).
    npz_bytes : int
        Total decompressed size of the members of a ``.npz`` file (read from the zip headers).
    length : int
        A sequence length given on the command line (``--length``, ``--max-length``, ``--delay``).
    words : int
        Number of words enumerated for a Hankel block or an equivalence check.
    work : int
        The estimated cost of one computation, in elementary steps of about a microsecond
        (estimated from the declared sizes before starting; the default is about half a minute
        of one core).

    Examples
    --------
    >>> Limits().dimension
    4096
    >>> Limits(dimension=10).dimension
    10
    """

    file_bytes: int = 64 * 2**20
    json_depth: int = 64
    digits: int = 1000
    dimension: int = 4096
    depth: int = 256
    entries: int = 4_000_000
    npz_bytes: int = 256 * 2**20
    length: int = 100_000
    words: int = 1_000_000
    work: int = 3 * 10**7

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidTypeError(f"{f.name}: expected a positive integer budget, got {value!r}")
            if value < 1:
                raise InvalidArgumentError(f"{f.name}: expected a positive integer budget, got {value}")


#: The built-in budgets (before ``RNNEXPR_LIMITS`` and :func:`budget`).
DEFAULT_LIMITS = Limits()

_override: contextvars.ContextVar[Limits | None] = contextvars.ContextVar("rnnexpr_limits", default=None)
_env_cache: dict[str, Limits] = {}


def parse_limits(text: str, *, base: Limits = DEFAULT_LIMITS, source: str = ENVIRONMENT_VARIABLE) -> Limits:
    """Budgets from ``"name=value,name=value"`` text (the environment variable's format).

    Parameters
    ----------
    text : str
        Comma-separated ``name=value`` pairs; names are the fields of :class:`Limits`
        (hyphens or underscores), values positive integers (``_`` separators allowed).
    base : Limits
        The budgets the pairs change.
    source : str
        Named in error messages.

    Returns
    -------
    Limits

    Raises
    ------
    InvalidArgumentError
        On an unknown name or a value that is not a positive integer.

    Examples
    --------
    >>> parse_limits("dimension=100, length=1_000").length
    1000
    """
    names = {f.name for f in fields(Limits)}
    changes: dict[str, int] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in names:
            raise InvalidArgumentError(
                f"{source}: expected name=value with a name among {', '.join(sorted(names))}, got {item[:60]!r}")
        value = value.strip().replace("_", "")
        if not value.isdigit() or len(value) > 30 or int(value) < 1:
            raise InvalidArgumentError(f"{source}: {name}: expected a positive integer, got {value[:60]!r}")
        changes[name] = int(value)
    return replace(base, **changes)


def current() -> Limits:
    """The budgets in force: :func:`budget`'s if inside one, else ``RNNEXPR_LIMITS``'s, else the defaults.

    Returns
    -------
    Limits

    Examples
    --------
    >>> with budget(depth=3):
    ...     current().depth
    3
    """
    inner = _override.get()
    if inner is not None:
        return inner
    text = os.environ.get(ENVIRONMENT_VARIABLE, "")
    if not text:
        return DEFAULT_LIMITS
    if text not in _env_cache:
        _env_cache[text] = parse_limits(text)
    return _env_cache[text]


@contextmanager
def budget(**changes: int) -> Iterator[Limits]:
    """Change budgets inside a ``with`` block (thread- and task-local, nestable).

    Parameters
    ----------
    **changes : int
        New values of fields of :class:`Limits` (the others keep their current value).

    Yields
    ------
    Limits
        The budgets in force inside the block.

    Examples
    --------
    >>> with budget(dimension=8) as limits:
    ...     limits.dimension
    8
    >>> current().dimension == DEFAULT_LIMITS.dimension
    True
    """
    names = {f.name for f in fields(Limits)}
    unknown = sorted(set(changes) - names)
    if unknown:
        raise InvalidArgumentError(f"budget: expected names among {', '.join(sorted(names))}, got {', '.join(unknown)}")
    new = replace(current(), **changes)
    token = _override.set(new)
    try:
        yield new
    finally:
        _override.reset(token)


def check_size(value: Any, name: str, budget_name: str, *, limit: int | None = None) -> int:
    """Refuse ``value`` above the budget ``budget_name`` (checked before allocating).

    Parameters
    ----------
    value : int
        The declared size (an integer; Python's arbitrary size is fine: nothing is allocated).
    name : str
        The field or argument, named in the message (for example ``"layers[0].width"``).
    budget_name : str
        A field of :class:`Limits`.
    limit : int, optional
        Use this limit instead of the budget's current value.

    Returns
    -------
    int
        ``value``.

    Raises
    ------
    SizeLimitError
        ``name: V exceeds the limit L (budget 'budget_name': raise it with ...)``.

    Examples
    --------
    >>> check_size(3, "input_dim", "dimension")
    3
    >>> check_size(10**8, "input_dim", "dimension")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rnnexpr.errors.SizeLimitError: input_dim: 100000000 exceeds the limit 4096 (budget 'dimension'...
    """
    bound = getattr(current(), budget_name) if limit is None else limit
    if value > bound:
        shown = str(value) if value < 10**30 else f"a number of about {int(value.bit_length() * 0.30103)} digits"
        raise SizeLimitError(f"{name}: {shown} exceeds the limit {bound} ({HOW_TO_RAISE.format(budget_name)})")
    return value


def check_work(steps: int, what: str) -> None:
    """Refuse a computation whose estimated cost exceeds the ``work`` budget, before it starts.

    ``steps`` counts elementary steps (about 1 us each, so the default budget is about 30 s).

    Parameters
    ----------
    steps : int
        The estimate (any size: nothing is allocated).
    what : str
        What is estimated, named in the message (for example ``"--length: the degree at T=3000"``).

    Raises
    ------
    SizeLimitError
        ``what: estimated steps: N exceeds the limit L (budget 'work': ...)``.

    See Also
    --------
    check_size

    Examples
    --------
    >>> check_work(1000, "a small job")
    >>> check_work(10**12, "a long job")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rnnexpr.errors.SizeLimitError: a long job: estimated steps: 1000000000000 exceeds the limit 30000000 (budget 'work'...
    """
    check_size(int(steps), f"{what}: estimated steps", "work")
