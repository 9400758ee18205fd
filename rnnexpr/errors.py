"""Exception types raised at the public boundary of rnnexpr.

Every error rnnexpr raises is a subclass of :class:`RnnexprError` and of the
builtin class a caller would expect (:class:`ValueError`, :class:`TypeError`,
:class:`ImportError` for a missing optional dependency, :class:`FileNotFoundError`
for a missing file), so that callers who do not know rnnexpr can still catch it
the usual way, and every message names the argument, what was expected and what
came (``name: expected ..., got ...``).  ``tests/test_errors.py`` enforces it: a
``raise`` of a bare builtin exception anywhere in the package fails the suite.
"""

from __future__ import annotations

__all__ = [
    "RnnexprError",
    "ShapeError",
    "NonFiniteError",
    "AlphabetError",
    "SizeLimitError",
    "ModelFormatError",
    "ExactnessError",
    "ModelKindError",
    "InvalidArgumentError",
    "InvalidTypeError",
    "ConflictingArgumentsError",
    "MissingDependencyError",
    "MissingFileError",
    "NumericalRankWarning",
]


class RnnexprError(Exception):
    """Base class of every error raised by rnnexpr."""


class ShapeError(RnnexprError, ValueError):
    """An array has the wrong number of dimensions or the wrong shape."""


class NonFiniteError(RnnexprError, ValueError):
    """A parameter or input contains NaN or infinity."""


class AlphabetError(RnnexprError, ValueError):
    """A word contains a symbol outside the alphabet {0, ..., d-1}."""


class SizeLimitError(RnnexprError, ValueError):
    """A request would materialize more entries than the configured budget."""


class ModelFormatError(RnnexprError, ValueError):
    """A saved model file is malformed or inconsistent."""


class ExactnessError(RnnexprError, TypeError):
    """Exact arithmetic was requested on values that are not exact (or cannot be)."""


class ModelKindError(RnnexprError, TypeError):
    """An operation was given a model of a kind it does not accept."""


class InvalidArgumentError(RnnexprError, ValueError):
    """An argument has the right type but a value outside what is accepted (range, choice)."""


class InvalidTypeError(RnnexprError, TypeError):
    """An argument has a type that is not accepted (for example a float where an integer is needed)."""


class ConflictingArgumentsError(InvalidArgumentError):
    """Two arguments ask for incompatible things (for example ``exact=True`` with ``method="numerical"``)."""


class MissingDependencyError(RnnexprError, ImportError):
    """An optional dependency needed for this call is not installed (the message names the extra to install)."""


class MissingFileError(RnnexprError, FileNotFoundError):
    """A file named by an argument does not exist."""


class NumericalRankWarning(RuntimeWarning):
    """A numerical rank was computed without a clear singular-value gap."""
