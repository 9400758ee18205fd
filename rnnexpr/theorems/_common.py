"""Helpers shared by the theorem modules: model (de)serialization, exact arrays,
and the finite linear-time-invariant equivalence criterion of :doc:`/theory/t1`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import ModelKindError
from ..io import model_from_dict, model_to_dict
from ..models import Stack
from ..numbers import as_array, to_exact_array, to_json_array, zeros
from ..validation import check_int

__all__ = ["load_model", "dump_model", "exact_matrix", "exact_block", "lti_responses", "lti_equal", "check_seed",
           "stored_int"]


def load_model(d: Mapping[str, Any]) -> Any:
    """A model from its JSON dictionary (``rnnexpr.io`` schema)."""
    return model_from_dict(dict(d))


def dump_model(model: Any) -> dict[str, Any]:
    """The JSON dictionary of a model."""
    return model_to_dict(model)


def exact_matrix(x: Any, name: str) -> np.ndarray:
    """An exact 2-D (or any-D) array from JSON data."""
    return to_exact_array(as_array(x, name, exact=True), name)


def json_matrix(a: np.ndarray) -> Any:
    """JSON form of an exact array."""
    return to_json_array(to_exact_array(a))


def check_seed(seed: Any) -> int:
    """Validate a seed argument (a non-negative integer)."""
    return check_int(seed, "seed", minimum=0)


def exact_block(model: Any, prefixes: list[list[int]], suffixes: list[list[int]]) -> np.ndarray:
    """The exact Hankel block ``H[u, v] = f(uv)`` of a stored model (:func:`rnnexpr.hankel.hankel_block`).

    The callers bound the block's size by the ``work`` budget before building it, so
    the block-size default of :func:`~rnnexpr.hankel.hankel_block` is not applied on top.
    """
    from ..hankel import hankel_block

    return hankel_block(model, prefixes, suffixes, exact=True, max_entries=max(1, len(prefixes) * len(suffixes)))


def stored_int(value: Any, name: str, *, minimum: int = 0, budget: str = "length") -> int:
    """An integer read from a certificate, within ``[minimum, budget]`` (checked before any loop uses it)."""
    from ..limits import check_size

    return check_size(check_int(value, name, minimum=minimum), name, budget)


def check_positive(value: Any, name: str, minimum: int = 1) -> int:
    """Validate an integer option (e.g. a length or a width)."""
    return check_int(value, name, minimum=minimum)


def lti_responses(stack: Stack, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Free response and Markov parameters of a linear RNN stack, by exact simulation.

    A stack of linear RNN layers is a linear time-invariant system
    ``y_t = free_t + sum_{s<=t} M_{t-s} x_s``: the zero input gives the free
    response, and an impulse ``e_i`` at ``t = 1`` minus the free response gives
    the columns ``M_{t-1} e_i``.

    Returns
    -------
    free : ndarray, shape (steps, p)
    markov : ndarray, shape (steps, p, d)
        ``markov[j] = M_j``.
    """
    if not isinstance(stack, Stack) or not stack.is_linear_rnn:
        raise ModelKindError("stack: expected a Stack of linear RNN layers")
    d = stack.input_dim
    x = zeros((d + 1, steps, d), True)
    for i in range(d):
        x[1 + i, 0, i] = Fraction(1)
    y = stack.run(x, exact=True)  # (d + 1, steps, p)
    free = y[0]
    markov = np.stack([y[1 + i] - free for i in range(d)], axis=-1)  # (steps, p, d)
    return free, markov


def lti_equal(a: Stack, b: Stack) -> tuple[bool, int, str]:
    """Exact equivalence of two linear RNN stacks by the finite criterion of :doc:`/theory/t1`.

    Systems of total widths n and n' agree on every input iff their first
    ``n + n'`` Markov parameters and their free responses for
    ``t < n + n' + 2`` agree (Cayley-Hamilton on the systems augmented with a
    constant state).  We compare ``n + n' + 2`` of each.

    Returns
    -------
    (equal, steps, detail)
    """
    steps = sum(a.widths) + sum(b.widths) + 2
    fa, ma = lti_responses(a, steps)
    fb, mb = lti_responses(b, steps)
    free_ok = bool(np.all(fa == fb))
    markov_ok = bool(np.all(ma == mb))
    detail = (f"free responses y_1..y_{steps} {'agree' if free_ok else 'differ'}, Markov parameters "
              f"M_0..M_{steps - 1} {'agree' if markov_ok else 'differ'} (exact)")
    return free_ok and markov_ok, steps, detail


def binom(n: int, k: int) -> int:
    """Binomial coefficient (0 when k < 0 or k > n)."""
    return math.comb(n, k) if 0 <= k <= n else 0
