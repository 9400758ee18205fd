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
from ..validation import check_bool, check_int, deprecated_positional
from .certificate import Certificate, Step, register_deriver
from ._common import binom, check_positive, check_seed, load_model, stored_int

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

    layers: list[Linear2RNNLayer] = []
    m = 1
    for _ in range(depth):
        if linear:
            layers.append(LinearRNNLayer(U=draw((width, m)), V=draw((width, width)), b=draw((width,))))
        else:
            layers.append(Linear2RNNLayer(A=draw((width, m, width)), U=draw((width, m)), V=draw((width, width)),
                                          b=draw((width,)), h0=draw((width,))))
        m = width
    return Stack(layers, C=draw((1, width)), c=draw((1,)))


#: The fields of a degree result a T4 certificate stores (each one re-checked).
_DEGREE_FIELDS = ("total", "per_input", "method", "error_probability")
_LARGE_FIELDS = _DEGREE_FIELDS + ("certified", "seed")


def _degree(model: Any, length: int, method: str | None, seed: int = 0) -> Any:
    from ..polydegree import degree

    if method is None:
        return degree(model, length, seed=seed)
    return degree(model, length, method=method, seed=seed)


def _stored(res: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    d = res.to_dict()
    return {k: d[k] for k in keys}


def _other_method(model: Any, length: int, method: str) -> Any:
    """The degree by the other exact method (symbolic <-> modular), or None when it does not fit."""
    from ..errors import SizeLimitError

    other = {"symbolic": "modular", "modular": "symbolic"}.get(method)
    if other is None:
        return None
    try:
        return _degree(model, length, other)
    except SizeLimitError:
        return None


def describe_T4(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> dict[str, Any]:
    """Description, summary and exactness (error probability) of a T4 certificate, from its stored data."""
    T = instance["length"]
    models = [load_model(case["model"]) for case in instance["cases"]]
    if len(models) == 1:
        description = f"widths {models[0].widths}, T={T}"
    else:
        description = (f"2RNN and linear stacks, depths 1..{max(m.depth for m in models)}, "
                       f"width {models[0].widths[0]}, T={T}")
    totals = [rec["total"] for rec in evidence["degrees"]]
    summary = f"T={T}: degrees {totals} (2RNN depths then linear)"
    probs = [float(rec["error_probability"]) for rec in evidence["degrees"] if rec["error_probability"]]
    large = instance.get("large")
    if large is not None:
        rec = evidence["large"]
        summary += f"; T={large['length']}, depth {load_model(large['model']).depth}: {rec['total']} (modular)"
        if rec["error_probability"]:
            probs.append(float(rec["error_probability"]))
    exact: Any = True if not probs else {"error_probability": min(1.0, sum(probs))}
    return {"description": description, "summary": summary, "exact": exact}


@register_deriver("T4", statement=STATEMENT_T4, describe=describe_T4)
def derive_T4(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> list[Step]:
    """Re-derive T4: recompute every stored degree (all its fields), cross-check by the other method."""
    T = stored_int(instance["length"], "instance.length", minimum=1)
    steps = []
    for case, rec in zip(instance["cases"], evidence["degrees"], strict=True):
        model = load_model(case["model"])
        L = model.depth
        res = _degree(model, T, rec["method"])
        again = _stored(res, _DEGREE_FIELDS)
        stored_ok = again == {k: rec[k] for k in _DEGREE_FIELDS} and set(rec) == set(_DEGREE_FIELDS)
        other = _other_method(model, T, res.method)
        cross = other is None or (other.total == res.total and tuple(other.per_input) == tuple(res.per_input))
        how = f"recomputed ({res.method}){'' if other is None else ', and by ' + other.method}"
        total, per = int(res.total), [int(v) for v in res.per_input]
        if case["kind"] == "linear":
            steps.append(Step(f"linear RNN stack, depth {L}: degree {total} <= 1",
                              stored_ok and cross and total <= 1 and model.is_linear_rnn,
                              f"{how}; per input {per}; stored {rec['total']}, {rec['per_input']}"))
        elif case["kind"] == "2rnn":
            bound, bound1 = binom(T + L - 1, L), binom(T + L - 2, L - 1)
            steps.append(Step(
                f"2RNN depth {L}, T={T}: degree {total} = binom(T+L-1, L) = {bound}",
                stored_ok and cross and total == bound,
                f"{how}; stored {rec['total']}"))
            steps.append(Step(f"2RNN depth {L}: degree in x_1 {per[0]} <= binom(T+L-2, L-1) = {bound1}",
                              stored_ok and cross and per[0] <= bound1, f"per input {per}"))
        else:
            steps.append(Step("the case is a 2RNN or a linear RNN stack", False, f"kind {case['kind']!r}"))
    large = instance.get("large")
    if large is not None:
        # Large T: modular evaluation and interpolation, re-run with the stored seed (every field must agree)
        # and with fresh primes (another seed: the degree must agree).
        model, TL = load_model(large["model"]), stored_int(large["length"], "instance.large.length", minimum=1)
        rec = evidence["large"]
        L = model.depth
        seed = check_int(rec["seed"], "evidence.large.seed", minimum=0, maximum=2**63 - 2)
        res = _degree(model, TL, "modular", seed=seed)
        fresh = _degree(model, TL, "modular", seed=seed + 1)
        bound = binom(TL + L - 1, L)
        same = _stored(res, _LARGE_FIELDS) == {k: rec[k] for k in _LARGE_FIELDS} and set(rec) == set(_LARGE_FIELDS)
        steps.append(Step(
            f"2RNN depth {L}, T={TL} (modular): degree {int(res.total)} = binom(T+L-1, L) = {bound}",
            same and int(res.total) == int(fresh.total) == bound and bool(res.certified) and bool(fresh.certified),
            f"certified={res.certified} (lower bound from a nonzero value mod p meets the structural upper bound); "
            f"error probability {res.error_probability}; fresh primes agree: {int(fresh.total) == int(res.total)}"))
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
            raise InvalidArgumentError(f"instance: expected a Stack (linear RNN or linear 2RNN layers) with scalar "
                                       f"input and output (T4 is about such stacks), got {instance!r}")
        cases = [{"kind": "linear" if instance.is_linear_rnn else "2rnn", "model": instance.to_exact()}]
    else:
        max_depth = check_positive(max_depth, "max_depth")
        cases = []
        for L in range(1, max_depth + 1):
            cases.append({"kind": "2rnn", "model": _generic_stack(L, width, seed + 101 * L, False)})
        for L in range(1, max_depth + 1):
            cases.append({"kind": "linear", "model": _generic_stack(L, width, seed + 101 * L + 7, True)})
    degrees = [_stored(_degree(case["model"], T, method), _DEGREE_FIELDS) for case in cases]
    evidence: dict[str, Any] = {"degrees": degrees}
    inst: dict[str, Any] = {"length": T, "cases": cases}
    if instance is None and large_length:
        TL = check_positive(large_length, "large_length")
        model = _generic_stack(max_depth, width, seed + 999, False)
        inst["large"] = {"model": model, "length": TL}
        evidence["large"] = _stored(_degree(model, TL, "modular", seed=seed), _LARGE_FIELDS)
    return Certificate.build("T4", STATEMENT_T4, inst, evidence)
