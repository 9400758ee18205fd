"""T4: the polynomial degree of a linear 2RNN stack grows with depth.

On real inputs, ``y_T`` of a depth-``L`` linear 2RNN is a polynomial in
``x_1..x_T`` of total degree ``<= binom(T+L-1, L)``, with equality for generic
parameters, and of degree ``<= binom(T+L-2, L-1)`` in ``x_1``; a stack of linear
RNN layers has degree ``<= 1`` at every depth.

Certificate: the exact degrees computed by :func:`rnnexpr.polydegree.degree` on
random instances of depth 1..L_max (stored with the method and its error
probability when it is probabilistic), compared with the bounds, plus one
large-T instance by the modular method.  The check recomputes every degree on
the stored instances with the other method (symbolic <-> modular) when it fits,
and the large one with fresh primes.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError
from ..models import Linear2RNNLayer, LinearRNNLayer, Stack, random_array, random_generator
from ..validation import check_bool, deprecated_positional
from .certificate import Certificate, Step, register_deriver
from ._common import binom, check_positive, check_seed, load_model

__all__ = ["verify_T4", "STATEMENT_T4"]

STATEMENT_T4 = (
    "On real inputs y_T of a depth-L linear 2RNN is a polynomial in x_1..x_T of total degree "
    "<= binom(T+L-1, L), with equality for generic parameters, and of degree <= binom(T+L-2, L-1) in x_1; "
    "a linear RNN stack has degree <= 1 at every depth."
)


def _generic_stack(depth: int, width: int, seed: int, linear: bool) -> Stack:
    # Nonzero rationals drawn from a wide range: generic with overwhelming probability.
    rng = random_generator(seed)

    def draw(shape: tuple[int, ...]) -> np.ndarray:
        a = random_array(shape, seed=rng, exact=True, max_numerator=9, max_denominator=5)
        return np.vectorize(lambda v: v if v != 0 else Fraction(1, 7), otypes=[object])(a)

    layers, m = [], 1
    for _ in range(depth):
        if linear:
            layers.append(LinearRNNLayer(U=draw((width, m)), V=draw((width, width)), b=draw((width,))))
        else:
            layers.append(Linear2RNNLayer(A=draw((width, m, width)), U=draw((width, m)), V=draw((width, width)),
                                          b=draw((width,)), h0=draw((width,))))
        m = width
    return Stack(layers, C=draw((1, width)), c=draw((1,)))


def _degree(model: Any, length: int, method: str | None) -> Any:
    from ..polydegree import degree

    return degree(model, length) if method is None else degree(model, length, method=method)


def _cross_check(model: Any, length: int, stored_method: str | None) -> Any:
    """Recompute a degree with the other exact method when it fits (symbolic <-> modular)."""
    from ..errors import SizeLimitError

    other = {"symbolic": "modular", "modular": "symbolic"}.get(stored_method or "")
    if other is not None:
        try:
            return _degree(model, length, other)
        except SizeLimitError:
            pass
    return _degree(model, length, stored_method)


@register_deriver("T4")
def derive_T4(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> list[Step]:
    """Re-derive T4: recompute every degree on the stored instances, compare with the bounds."""
    T = int(instance["length"])
    steps = []
    for case, rec in zip(instance["cases"], evidence["degrees"], strict=True):
        model = load_model(case["model"])
        L = model.depth
        res = _cross_check(model, T, rec.get("method"))
        total, first = int(res.total), int(res.per_input[0])
        stored_ok = total == int(rec["total"]) and first == int(rec["per_input"][0])
        if case["kind"] == "linear":
            steps.append(Step(f"linear RNN stack, depth {L}: degree {total} <= 1",
                              stored_ok and total <= 1, f"recomputed ({res.method}); stored {rec['total']}"))
        else:
            bound, bound1 = binom(T + L - 1, L), binom(T + L - 2, L - 1)
            steps.append(Step(
                f"2RNN depth {L}, T={T}: degree {total} = binom(T+L-1, L) = {bound}",
                stored_ok and total == bound,
                f"recomputed ({res.method}); stored {rec['total']}"))
            steps.append(Step(f"2RNN depth {L}: degree in x_1 {first} <= binom(T+L-2, L-1) = {bound1}",
                              stored_ok and first <= bound1, f"per input {list(res.per_input)}"))
    large = instance.get("large")
    if large is not None:
        # Large T: modular evaluation and interpolation, re-run with fresh primes (another seed).
        from ..polydegree import degree

        model, TL = load_model(large["model"]), int(large["length"])
        rec = evidence["large"]
        L = model.depth
        res = degree(model, TL, method="modular", seed=int(rec.get("seed") or 0) + 1)
        bound = binom(TL + L - 1, L)
        steps.append(Step(
            f"2RNN depth {L}, T={TL} (modular): degree {int(res.total)} = binom(T+L-1, L) = {bound}",
            int(res.total) == int(rec["total"]) == bound and bool(res.certified) and bool(rec["certified"]),
            f"certified={res.certified} (lower bound from a nonzero value mod p meets the structural upper bound); "
            f"error probability {res.error_probability}"))
    return steps


@deprecated_positional
def verify_T4(
    instance: Stack | None = None,
    *,
    seed: int = 0,
    length: int = 4,
    max_depth: int = 3,
    width: int = 2,
    method: str | None = None,
    large_length: int | None = 20,
    quick: bool = False,
) -> Certificate:
    """Verify T4 on random 2RNN stacks of depth 1..max_depth and linear RNN stacks.

    Parameters
    ----------
    instance : Stack, optional
        One linear 2RNN (or linear RNN) stack with scalar input to certify
        instead of the random family; its degree must reach the generic bound.
    seed : int
        Seed of the random stacks.
    length : int
        The length T.
    max_depth : int
        Depths 1..max_depth.
    width : int
        Width of every layer.
    method : str, optional
        Passed to :func:`rnnexpr.polydegree.degree` (its default otherwise).
    large_length : int or None
        Also certify a depth-``max_depth`` stack at this length with the modular
        method (evaluation mod primes and interpolation; certified when the
        degree found meets the structural bound).  None to skip.
    quick : bool
        Use T = 3 (at most).

    Returns
    -------
    Certificate

    Raises
    ------
    ValueError
        On a length, depth or width below 1.

    Examples
    --------
    >>> verify_T4(length=2, max_depth=2).holds
    True
    """
    seed = check_seed(seed)
    T = check_positive(min(length, 3) if check_bool(quick, "quick") else length, "length")
    width = check_positive(width, "width")
    if instance is not None:
        if not isinstance(instance, Stack) or instance.input_dim != 1 or instance.output_dim != 1:
            raise InvalidArgumentError("instance: expected a Stack with scalar input and output")
        cases = [{"kind": "linear" if instance.is_linear_rnn else "2rnn", "model": instance.to_exact()}]
        description = f"given: widths {instance.widths}, T={T}"
    else:
        max_depth = check_positive(max_depth, "max_depth")
        cases = []
        for L in range(1, max_depth + 1):
            cases.append({"kind": "2rnn", "model": _generic_stack(L, width, seed + 101 * L, False)})
        for L in range(1, max_depth + 1):
            cases.append({"kind": "linear", "model": _generic_stack(L, width, seed + 101 * L + 7, True)})
        description = f"seed={seed}: 2RNN and linear stacks, depths 1..{max_depth}, width {width}, T={T}"
    degrees, probs = [], []
    for case in cases:
        res = _degree(case["model"], T, method)
        d = res.to_dict()
        degrees.append(d)
        if res.error_probability:
            probs.append(float(res.error_probability))
    totals = [d["total"] for d in degrees]
    evidence: dict[str, Any] = {"degrees": degrees,
                                "summary": f"T={T}: degrees {totals} (2RNN depths then linear)"}
    inst: dict[str, Any] = {"description": description, "length": T, "cases": cases}
    if instance is None and large_length:
        from ..polydegree import degree

        TL = check_positive(large_length, "large_length")
        model = _generic_stack(max_depth, width, seed + 999, False)
        res = degree(model, TL, method="modular", seed=seed)
        if res.error_probability:
            probs.append(float(res.error_probability))
        inst["large"] = {"model": model, "length": TL}
        evidence["large"] = res.to_dict()
        evidence["summary"] += f"; T={TL}, depth {max_depth}: {res.total} (modular)"
    exact: Any = True if not probs else {"error_probability": min(1.0, sum(probs))}
    return Certificate.build("T4", STATEMENT_T4, inst, evidence, exact=exact)
