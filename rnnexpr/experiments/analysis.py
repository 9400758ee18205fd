"""Analysis of trained (exported) models with the toolkit's own functions.

Each function returns a plain dict (JSON-ready).  Functions that rely on modules
other parts of the toolkit provide (:mod:`rnnexpr.hankel`, :mod:`rnnexpr.polydegree`,
:mod:`rnnexpr.tt`) return ``{"available": False, "reason": ...}`` when that module
or function is missing, instead of failing the experiment.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from ..errors import ModelKindError, ShapeError
from ..exact import numerical_rank
from ..models import Stack

__all__ = ["impulse_response", "impulse_response_rank", "polynomial_degree", "hankel_rank_of", "tt_ranks_of"]


def _optional(module: str, name: str) -> tuple[Any, str | None]:
    try:
        mod = importlib.import_module(f"rnnexpr.{module}")
    except ImportError as exc:
        return None, f"rnnexpr.{module} is not available ({exc})"
    fn = getattr(mod, name, None)
    if fn is None:
        return None, f"rnnexpr.{module}.{name} is not available"
    return fn, None


def impulse_response(stack: Stack, length: int) -> np.ndarray:
    """Markov parameters ``M_0 .. M_{length-1}`` of a linear RNN stack on scalar input.

    ``M_j`` is the output ``j`` steps after a unit impulse, minus the free response
    (which removes biases and initial states): ``M_j = C V^j U`` for one layer.

    Examples
    --------
    >>> from rnnexpr.models import LinearRNNLayer
    >>> s = Stack([LinearRNNLayer(U=[[1], [0]], V=[[0, 0], [1, 0]])], C=[[0, 1]])  # delay 1
    >>> impulse_response(s, 4).tolist()
    [0.0, 1.0, 0.0, 0.0]
    """
    if not isinstance(stack, Stack) or not stack.is_linear_rnn:
        raise ModelKindError("stack: expected a linear RNN Stack (no A terms) for an impulse response")
    if stack.input_dim != 1 or stack.output_dim != 1:
        raise ShapeError(f"stack: expected scalar input and output, got input_dim={stack.input_dim}, "
                         f"output_dim={stack.output_dim}")
    x = np.zeros((2, length, 1))
    x[0, 0, 0] = 1.0
    y = stack.run(x)[..., 0]
    return y[0] - y[1]


def impulse_response_rank(stack: Stack, length: int, rtol: float = 1e-6) -> dict[str, Any]:
    """Numerical rank of the Hankel matrix ``H[i, j] = M_{i+j}`` of the impulse response.

    For a linear RNN (stack) this is the McMillan degree, the minimal width of an
    equivalent single layer (Ho-Kalman); it is numerical evidence, reported with
    its tolerance and singular-value gap.

    Examples
    --------
    >>> from rnnexpr.models import LinearRNNLayer
    >>> s = Stack([LinearRNNLayer(U=[[1], [0]], V=[[0, 0], [1, 0]])], C=[[0, 1]])
    >>> impulse_response_rank(s, 6)["rank"]
    2
    """
    half = max(1, length // 2)
    g = impulse_response(stack, 2 * half)
    H = np.array([[g[i + j] for j in range(half)] for i in range(half)])
    if not np.all(np.isfinite(H)):
        return {"rank": float("nan"), "exact": False, "tolerance": rtol, "gap": float("nan"), "size": half}
    res = numerical_rank(H, rtol=rtol, warn=False)
    return {"rank": res.rank, "exact": False, "tolerance": res.tolerance, "gap": res.gap, "size": half}


def polynomial_degree(stack: Any, length: int) -> dict[str, Any]:
    """Total degree of ``y_T`` in ``x_1 .. x_T`` via :func:`rnnexpr.polydegree.degree`, when available.

    Parameters
    ----------
    stack : Stack or DepthwiseStack
        A polynomial model (linear, 2RNN or polynomial activations).
    length : int
        The length ``T``.

    Returns
    -------
    dict
        ``{"available": True, **DegreeResult.to_dict()}``; ``{"available": True,
        "error": ...}`` when the degree computation raised (the experiment goes
        on); ``{"available": False, "reason": ...}`` without :mod:`rnnexpr.polydegree`.
        Nothing is raised.

    Examples
    --------
    >>> from rnnexpr.models import random_stack
    >>> r = polynomial_degree(random_stack([2, 2], input_dim=1, seed=0, exact=True), 4)
    >>> r["available"], r["total"], r["per_input"], r["certified"]
    (True, 10, [4, 3, 2, 1], True)
    """
    fn, reason = _optional("polydegree", "degree")
    if fn is None:
        return {"available": False, "reason": reason}
    try:
        res = fn(stack, length)
    except Exception as exc:  # report, do not hide: the experiment continues
        return {"available": True, "error": f"{type(exc).__name__}: {exc}"}
    return {"available": True, **_describe(res)}


def hankel_rank_of(model: Any, **kwargs: Any) -> dict[str, Any]:
    """Hankel rank of a model on one-hot inputs via :func:`rnnexpr.hankel.hankel_rank`, when available.

    Parameters
    ----------
    model : WFA or depth-1 Stack
        The model.
    **kwargs
        Passed to :func:`rnnexpr.hankel.hankel_rank` (``method``, ``rtol``, ...).

    Returns
    -------
    dict
        ``{"available": True, **RankResult.to_dict()}``; ``{"available": True,
        "error": ...}`` when the rank computation raised (e.g. a depth-2 stack);
        ``{"available": False, "reason": ...}`` without :mod:`rnnexpr.hankel`.
        Nothing is raised.

    Examples
    --------
    >>> from rnnexpr.models import random_stack, random_wfa
    >>> r = hankel_rank_of(random_wfa(3, 2, seed=0, exact=True))
    >>> r["available"], r["rank"], r["exact"]
    (True, 3, True)
    >>> hankel_rank_of(random_stack([2, 2], 2, seed=0))["error"].split(":")[0]
    'ModelKindError'
    """
    fn, reason = _optional("hankel", "hankel_rank")
    if fn is None:
        return {"available": False, "reason": reason}
    try:
        res = fn(model, **kwargs)
    except Exception as exc:
        return {"available": True, "error": f"{type(exc).__name__}: {exc}"}
    return {"available": True, **_describe(res)}


def tt_ranks_of(model: Any, length: int, feature_map: str = "one_hot", **kwargs: Any) -> dict[str, Any]:
    """TT ranks of the length-``T`` slice (:func:`rnnexpr.tt.to_tensor_train`, then :func:`rnnexpr.tt.tt_ranks`).

    Parameters
    ----------
    model : WFA or Stack
        The model.
    length : int
        The length ``T`` of the slice.
    feature_map : {"one_hot", "affine", "polynomial"}
        Passed to :func:`rnnexpr.tt.to_tensor_train`.
    **kwargs
        Passed to :func:`rnnexpr.tt.tt_ranks` (``exact``, ``rtol``, ...).

    Returns
    -------
    dict
        ``{"available": True, "feature_map": ..., **TTRanks.to_dict()}``;
        ``{"available": True, "error": ...}`` when the computation raised;
        ``{"available": False, "reason": ...}`` without :mod:`rnnexpr.tt`.
        Nothing is raised.

    Examples
    --------
    >>> from rnnexpr.models import random_wfa
    >>> r = tt_ranks_of(random_wfa(3, 2, seed=0, exact=True), 6, exact=True)
    >>> r["available"], r["feature_map"], r["ranks"], r["exact"]
    (True, 'one_hot', [1, 2, 3, 3, 3, 2, 1], True)
    >>> "error" in tt_ranks_of(random_wfa(3, 2, seed=0), 6, feature_map="bogus")
    True
    """
    build, reason = _optional("tt", "to_tensor_train")
    fn, reason2 = _optional("tt", "tt_ranks")
    if build is None or fn is None:
        return {"available": False, "reason": reason or reason2}
    try:
        res = fn(build(model, length, feature_map=feature_map), **kwargs)
    except Exception as exc:
        return {"available": True, "error": f"{type(exc).__name__}: {exc}"}
    return {"available": True, "feature_map": feature_map, **_describe(res)}


def _describe(res: Any) -> dict[str, Any]:
    """A JSON-ready view of a result object (its ``to_json``/``to_dict`` when it has one)."""
    for meth in ("to_dict", "to_json"):
        if hasattr(res, meth):
            out = getattr(res, meth)()
            return out if isinstance(out, dict) else {"value": out}
    if isinstance(res, int | np.integer):
        return {"value": int(res)}
    if isinstance(res, list | tuple):
        return {"value": [int(v) if isinstance(v, int | np.integer) else v for v in res]}
    return {"value": repr(res)}
