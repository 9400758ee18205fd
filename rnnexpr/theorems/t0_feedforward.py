"""T0 (warm-up): a stack of linear feed-forward layers is one linear layer.

Certificate: the collapsed affine map ``x -> W x + b`` built by
:func:`rnnexpr.constructions.collapse_linear_feedforward`, and an exact check
that it agrees with the layered network on ``0, e_1, ..., e_d``: two affine maps
that agree on ``d + 1`` affinely independent points agree everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError
from ..models import random_array, random_generator
from ..validation import deprecated_positional
from .certificate import Certificate, Step, register_deriver
from ..limits import check_work
from ._common import check_positive, check_seed, exact_matrix

__all__ = ["verify_T0", "STATEMENT_T0"]

STATEMENT_T0 = (
    "A stack of linear feed-forward layers x -> W_L(...(W_1 x + b_1)...) + b_L computes exactly one "
    "linear (affine) layer x -> W x + b."
)


def _apply_layers(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], x: np.ndarray) -> np.ndarray:
    for W, b in zip(weights, biases, strict=True):
        x = W @ x + b
    return x


def describe_T0(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> dict[str, Any]:
    """Description, summary and exactness of a T0 certificate, from its stored data."""
    weights = instance["weights"]
    dims = [len(weights[0][0]) if weights and weights[0] else 0] + [len(w) for w in weights]
    W = evidence["W"]
    shape = (len(W), len(W[0]) if W else 0)
    return {"description": f"{len(weights)} affine layers " + "->".join(map(str, dims)),
            "summary": f"{len(weights)} layers -> one layer W {shape}", "exact": True}


@register_deriver("T0", statement=STATEMENT_T0, describe=describe_T0)
def derive_T0(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> list[Step]:
    """Re-derive the T0 verdict from the stored layers and the stored collapsed layer."""
    weights = [exact_matrix(w, f"weights[{i}]") for i, w in enumerate(instance["weights"])]
    biases = [exact_matrix(b, f"biases[{i}]") for i, b in enumerate(instance["biases"])]
    W = exact_matrix(evidence["W"], "W")
    b = exact_matrix(evidence["b"], "b")
    if not weights or len(weights) != len(biases):
        return [Step("the instance is a stack of affine layers (as many biases as weights, >= 1)", False,
                     f"{len(weights)} weights, {len(biases)} biases")]
    d = weights[0].shape[1]
    out = weights[-1].shape[0]
    check_work((d + 1) * sum(w.size for w in weights), "instance.weights: evaluating the layers")
    shape_ok = W.shape == (out, d) and b.shape == (out,)
    steps = [Step(f"the construction is one layer of shape ({out}, {d})", shape_ok, f"W {W.shape}, b {b.shape}")]
    if not shape_ok:
        return steps
    points = [np.array([Fraction(0)] * d, dtype=object)]
    for j in range(d):
        e = np.array([Fraction(0)] * d, dtype=object)
        e[j] = Fraction(1)
        points.append(e)
    agree = all(np.all(_apply_layers(weights, biases, p) == W @ p + b) for p in points)
    steps.append(Step(
        f"W x + b equals the {len(weights)}-layer network on 0, e_1..e_{d}",
        bool(agree),
        "exact rational evaluation; affine maps agreeing on d+1 affinely independent points are equal",
    ))
    return steps


@deprecated_positional
def verify_T0(
    instance: tuple[Sequence[Any], Sequence[Any]] | None = None,
    *,
    seed: int = 0,
    widths: Sequence[int] = (3, 4, 2),
    input_dim: int = 3,
    quick: bool = False,
) -> Certificate:
    """Verify T0: linear feed-forward layers collapse to one layer.

    Parameters
    ----------
    instance : (weights, biases), optional
        The layers ``W_l`` of shape ``(n_l, n_{l-1})`` and ``b_l`` of shape
        ``(n_l,)``; default: random exact layers from ``seed``.
    seed : int
        Seed of the random instance.
    widths : sequence of int
        Output widths of the random layers.
    input_dim : int
        Input dimension of the random layers.
    quick : bool
        Accepted for the uniform signature of the ``verify_T*`` functions; the
        instance is already small, so it changes nothing.

    Returns
    -------
    Certificate

    Raises
    ------
    ValueError
        On a bad seed, width or instance.

    Examples
    --------
    >>> verify_T0(seed=1).holds
    True
    """
    from ..constructions import collapse_linear_feedforward

    if instance is None:
        seed = check_seed(seed)
        input_dim = check_positive(input_dim, "input_dim")
        rng = random_generator(seed)
        weights, biases, m = [], [], input_dim
        for n in widths:
            n = check_positive(n, "widths[i]")
            weights.append(random_array((n, m), seed=rng, exact=True))
            biases.append(random_array((n,), seed=rng, exact=True))
            m = n
    else:
        if not isinstance(instance, tuple | list) or len(instance) != 2:
            raise InvalidArgumentError("instance: expected a pair (weights, biases)")
        weights = [exact_matrix(w, f"weights[{i}]") for i, w in enumerate(instance[0])]
        biases = [exact_matrix(b, f"biases[{i}]") for i, b in enumerate(instance[1])]
        if not weights or len(weights) != len(biases):
            raise InvalidArgumentError(f"instance: expected as many biases as weights (>= 1), got {len(weights)} and {len(biases)}")
        for i, (w, bias) in enumerate(zip(weights, biases, strict=True)):
            if w.ndim != 2 or bias.shape != (w.shape[0],) or (i and w.shape[1] != weights[i - 1].shape[0]):
                raise InvalidArgumentError(f"instance: layer {i} is not an affine layer chained to the previous one "
                                           f"(W shape {w.shape}, b shape {bias.shape})")
    W, b = collapse_linear_feedforward(weights, biases)
    evidence = {"W": np.asarray(W, dtype=object), "b": np.asarray(b, dtype=object)}
    return Certificate.build("T0", STATEMENT_T0, {"weights": weights, "biases": biases}, evidence)
