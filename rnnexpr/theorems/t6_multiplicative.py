"""T6: multiplicative interactions are not replaced by depth-wise nonlinearities.

For stacks with linear recurrences and a nonlinearity sigma only between layers
(:class:`rnnexpr.models.DepthwiseStack`):

(a) sigma a polynomial of degree p: the output has degree ``<= p^(L-1)`` for every
    T (``p^L`` with sigma before the readout), while one linear 2RNN unit
    (:func:`rnnexpr.constructions.product_witness`) computes ``x_1 ... x_T``, of
    degree T.  Certificate: the exact degrees (:func:`rnnexpr.polydegree.degree`) of
    random instances and of the witness, for T > the bound.
(b) sigma = ReLU: the output is continuous piecewise linear, while ``x_1 x_2`` is
    not (its Hessian ``[[0, 1], [1, 0]]`` is constant and nonzero).  Certificate
    on random ReLU stacks (depth 2, and depth 3 with ReLU before the readout)
    along random rational lines ``x(s) = a + s b``: layer by layer, the
    pre-activations are affine in s between the breakpoints found so far, and
    their exact roots are the new breakpoints; between consecutive breakpoints the
    activation pattern is constant, so the output is affine there, and the stored
    affine pieces are re-evaluated exactly against the stack.  Along the same line
    ``x_1 x_2`` is the quadratic ``(a_1 + s b_1)(a_2 + s b_2)`` with leading
    coefficient ``b_1 b_2 != 0``: affine on no interval, so it differs from the
    stack on every piece.
(c) is empirical: see ``rnnexpr experiment state-tracking``.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError, ModelKindError, ShapeError
from ..models import DepthwiseStack, random_array, random_depthwise_stack, random_generator
from ..numbers import to_exact_array, zeros
from ..validation import check_bool, deprecated_positional
from .certificate import Certificate, Step, register_deriver
from ..limits import check_work
from ._common import check_positive, check_seed, exact_matrix, load_model, stored_int

__all__ = ["verify_T6", "relu_pieces", "STATEMENT_T6", "T6C_NOTE"]

STATEMENT_T6 = (
    "With linear recurrences and sigma only between layers: (a) sigma polynomial of degree p gives output "
    "degree <= p^(L-1) (p^L with sigma before the readout) while one linear 2RNN unit computes x_1...x_T "
    "(degree T); (b) sigma = ReLU gives a continuous piecewise-linear output, while x_1 x_2 is not "
    "(constant nonzero Hessian)."
)

T6C_NOTE = "T6(c) is empirical, not certified: see `rnnexpr experiment state-tracking`"


def _line_inputs(a: np.ndarray, b: np.ndarray, s_values: list[Fraction]) -> np.ndarray:
    """Batch of inputs x(s) = a + s b, shape (len(s_values), T, 1)."""
    return np.stack([(a + s * b).reshape(-1, 1) for s in s_values])


def _interior_points(bps: list[Fraction], lo_pad: Fraction = Fraction(2)) -> list[tuple[Fraction, Fraction]]:
    """Two interior points of each interval cut by the sorted breakpoints (unbounded ends padded)."""
    out = []
    for k in range(len(bps) + 1):
        lo = bps[k - 1] if k > 0 else (bps[0] - lo_pad if bps else Fraction(-1))
        hi = bps[k] if k < len(bps) else (bps[-1] + lo_pad if bps else Fraction(1))
        out.append((lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3))
    return out


def relu_pieces(stack: DepthwiseStack, a: Any, b: Any) -> dict[str, Any]:
    """Exact breakpoints and affine pieces of a ReLU depth-wise stack along ``x(s) = a + s b``.

    Layer by layer: once the breakpoints of layers ``< l`` are known, the inputs of
    layer ``l`` are affine in s on each interval between them (ReLU of affine
    functions with constant signs), and so are its pre-activations (the layer is
    linear); their exact roots inside each interval are the new breakpoints.
    After the last layer that goes through ReLU, the activation pattern is fixed
    on each interval, so ``y_T(s)`` is affine there.

    Parameters
    ----------
    stack : DepthwiseStack
        ReLU activation, scalar input and output, any depth.
    a, b : array_like
        Exact vectors of length T: the line.

    Returns
    -------
    dict
        ``breakpoints`` (sorted Fractions) and ``pieces``: one ``(slope, intercept)``
        per interval (``len(breakpoints) + 1`` of them).

    Raises
    ------
    ValueError
        If the stack is not a scalar ReLU depth-wise stack, or a and b differ in length.

    Examples
    --------
    >>> s = random_depthwise_stack([2, 2], 1, activation="relu", seed=0, exact=True)
    >>> out = relu_pieces(s, [1, 2], [1, -1]); len(out["pieces"]) == len(out["breakpoints"]) + 1
    True
    """
    if not (isinstance(stack, DepthwiseStack) and stack.activation.name == "relu"
            and stack.input_dim == 1 and stack.output_dim == 1):
        raise InvalidArgumentError("stack: expected a ReLU DepthwiseStack with scalar input and output")
    a, b = to_exact_array(a, "a"), to_exact_array(b, "b")
    if a.shape != b.shape or a.ndim != 1:
        raise ShapeError(f"a, b: expected two vectors of the same length T, got shapes {a.shape} and {b.shape}")
    ex = stack.to_exact()
    # Layers whose states pass through ReLU: all but the last, and the last too with a readout activation.
    relu_layers = ex.depth if ex.readout_activation else ex.depth - 1
    bps: list[Fraction] = []
    for l in range(relu_layers):
        samples = _interior_points(bps)
        flat = [s_ for pair in samples for s_ in pair]
        h = ex.hidden_states(_line_inputs(a, b, flat), exact=True)[l][:, 1:]  # (2 * pieces, T, n_l)
        new = set()
        for k, (s0, s1) in enumerate(samples):
            lo = bps[k - 1] if k > 0 else None
            hi = bps[k] if k < len(bps) else None
            h0, h1 = h[2 * k], h[2 * k + 1]
            beta = (h1 - h0) / (s1 - s0)
            alpha = h0 - beta * s0
            for t in range(alpha.shape[0]):
                for i in range(alpha.shape[1]):
                    if beta[t, i] != 0:
                        root = -alpha[t, i] / beta[t, i]
                        if (lo is None or root > lo) and (hi is None or root < hi):
                            new.add(root)
        bps = sorted(set(bps) | new)
    samples = _interior_points(bps)
    flat = [s_ for pair in samples for s_ in pair]
    y = ex.run(_line_inputs(a, b, flat), exact=True)[:, -1, 0]
    pieces = []
    for k, (s0, s1) in enumerate(samples):
        y0, y1 = y[2 * k], y[2 * k + 1]
        slope = (y1 - y0) / (s1 - s0)
        pieces.append((slope, y0 - slope * s0))
    return {"breakpoints": bps, "pieces": pieces}


#: The fields of a degree result a T6 certificate stores (each one re-checked).
_DEGREE_FIELDS = ("total", "per_input", "method", "error_probability")


def _degree_record(model: Any, length: int, method: str | None = None) -> dict[str, Any]:
    from ..polydegree import degree

    res = degree(model, length) if method is None else degree(model, length, method=method)
    d = res.to_dict()
    return {k: d[k] for k in _DEGREE_FIELDS}


def describe_T6(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> dict[str, Any]:
    """Description, summary and exactness of a T6 certificate, from its stored data."""
    T = instance["length"]
    first = load_model(instance["polynomial_stacks"][0])
    lines = evidence["relu"]["lines"]
    degs = [rec["total"] for rec in evidence["polynomial"]["degrees"]]
    return {"description": (f"sigma of degree {first.activation.degree}, depth {first.depth}, "
                            f"T={T}; {len(instance['relu_stacks'])} ReLU stacks (depths 2, 3)"),
            "summary": (f"(a) degrees {degs} vs x_1..x_{T} degree {T}; (b) "
                        f"{sum(len(ln['breakpoints']) for ln in lines)} breakpoints on {len(lines)} lines, Hessian "
                        "[[0,1],[1,0]]"),
            "exact": True}


@register_deriver("T6", statement=STATEMENT_T6, describe=describe_T6)
def derive_T6(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> list[Step]:
    """Re-derive T6(a) (degrees) and T6(b) (pieces, Hessian) from the stored data."""
    from ..polydegree import degree

    steps = []
    # (a)
    pa = evidence["polynomial"]
    T = stored_int(instance["length"], "instance.length", minimum=1)
    w = load_model(instance["product_witness"])
    check_work(2 * T**2, f"instance.length: the degree at T={T}")
    wdeg = degree(w, T)
    ok_w = (w.depth == 1 and w.widths == (1,) and int(wdeg.total) == T == int(pa["witness_degree"]))
    steps.append(Step(f"(a) one linear 2RNN unit computes x_1...x_{T}: degree {int(wdeg.total)} = T", ok_w,
                      f"recomputed ({wdeg.method})"))
    for case, rec in zip(instance["polynomial_stacks"], pa["degrees"], strict=True):
        model = load_model(case)
        if not (isinstance(model, DepthwiseStack) and model.activation.name in ("polynomial", "identity")):
            steps.append(Step("(a) the stack has linear recurrences and a polynomial sigma between layers", False,
                              f"got {model!r}"))
            continue
        p, L = model.activation.degree, model.depth
        bound = p ** L if model.readout_activation else p ** (L - 1)
        again = _degree_record(model, T, rec["method"])
        tot = int(again["total"])
        steps.append(Step(
            f"(a) sigma of degree {p}, depth {L}{', sigma before readout' if model.readout_activation else ''}: "
            f"degree {tot} <= {bound} < T = {T}, so it is not x_1...x_{T}",
            again == {k: rec[k] for k in _DEGREE_FIELDS} and set(rec) == set(_DEGREE_FIELDS) and tot <= bound < T,
            f"recomputed ({again['method']}), per input {again['per_input']}; stored {rec['total']}, "
            f"{rec['per_input']}"))
    # (b)
    pb = evidence["relu"]
    hess = [exact_matrix(h, "hessian") for h in pb["hessians"]]
    base = [exact_matrix(x, "hessian_points") for x in pb["hessian_points"]]
    w2 = load_model(instance["product_witness"])
    recomputed = [_hessian_2(w2, x) for x in base]
    target = np.array([[Fraction(0), Fraction(1)], [Fraction(1), Fraction(0)]], dtype=object)
    ok_h = (len(base) >= 2 and all(np.all(h == r) for h, r in zip(hess, recomputed, strict=True))
            and all(np.all(r == target) for r in recomputed))
    steps.append(Step("(b) x_1 x_2 has the constant nonzero Hessian [[0, 1], [1, 0]] (exact second differences "
                      f"at {len(base)} points)", ok_h, "a piecewise-linear function has zero Hessian a.e."))
    for k, (case, rec) in enumerate(zip(instance["relu_stacks"], pb["lines"], strict=True)):
        model = load_model(case)
        check_work(len(rec["breakpoints"]) ** 2 * T * (sum(getattr(model, "widths", (1,))) + 1) ** 2 * 8 + T * 100,
                   f"evidence.relu.lines[{k}]: the pieces")
        a, b = exact_matrix(rec["a"], "a"), exact_matrix(rec["b"], "b")
        stored_bps = [Fraction(v) for v in exact_matrix(rec["breakpoints"], "breakpoints").ravel()] \
            if rec["breakpoints"] else []
        again = relu_pieces(model, a, b)
        ok_bps = again["breakpoints"] == stored_bps
        pieces = [(Fraction(exact_matrix(p, "piece")[0]), Fraction(exact_matrix(p, "piece")[1]))
                  for p in rec["pieces"]]
        # Re-evaluate the stored affine pieces against the stack at fresh interior points.
        pts, owners = [], []
        bps = stored_bps
        for i in range(len(pieces)):
            lo = bps[i - 1] if i > 0 else (bps[0] - 5 if bps else Fraction(-3))
            hi = bps[i] if i < len(bps) else (bps[-1] + 5 if bps else Fraction(3))
            for frac in (Fraction(1, 4), Fraction(1, 2), Fraction(3, 4)):
                pts.append(lo + frac * (hi - lo))
                owners.append(i)
        ok_pieces = len(pieces) == len(bps) + 1
        if ok_pieces and pts:
            y = model.to_exact().run(_line_inputs(a, b, pts), exact=True)[:, -1, 0]
            ok_pieces = all(y[j] == pieces[i][0] * pts[j] + pieces[i][1] for j, i in enumerate(owners))
        quad = b[0] * b[1]
        steps.append(Step(
            f"(b) ReLU stack {k} (depth {model.depth}) along a random line: {len(bps)} exact breakpoints, affine between them; "
            f"x_1 x_2 along the line has s^2 coefficient {quad} != 0",
            ok_bps and ok_pieces and quad != 0, "breakpoints recomputed; pieces re-evaluated at 3 interior points each"))
    return steps


def _hessian_2(witness: Any, x: np.ndarray) -> np.ndarray:
    """Exact Hessian of y_2(x_1, x_2) at x by second differences (exact for a quadratic)."""
    one = Fraction(1)
    H = np.empty((2, 2), dtype=object)
    for i in range(2):
        for j in range(2):
            ei = zeros((2,), True)
            ej = zeros((2,), True)
            ei[i] = one
            ej[j] = one
            pts = [x + ei + ej, x + ei, x + ej, x]
            y = witness.run(np.stack([p.reshape(2, 1) for p in pts]), exact=True)[:, -1, 0]
            H[i, j] = y[0] - y[1] - y[2] + y[3]
    return H


def _nonzero_vector(rng: np.random.Generator, n: int) -> np.ndarray:
    v = random_array((n,), seed=rng, exact=True, max_numerator=5, max_denominator=4)
    return np.array([x if x != 0 else Fraction(1, 2) for x in v], dtype=object)


def _generic_depthwise(widths: list[int], activation: Any, rng: np.random.Generator,
                       readout_activation: bool = False) -> DepthwiseStack:
    # Nonzero rational entries: a generic instance (the degree bound is then attained).
    from ..models import LinearRNNLayer

    def draw(shape: tuple[int, ...]) -> np.ndarray:
        flat = _nonzero_vector(rng, int(np.prod(shape)))
        return flat.reshape(shape)

    layers, m = [], 1
    for n in widths:
        layers.append(LinearRNNLayer(U=draw((n, m)), V=draw((n, n)) / 4, b=draw((n,))))
        m = n
    return DepthwiseStack(layers, draw((1, m)), None, activation, readout_activation)


@deprecated_positional
def verify_T6(
    instance: DepthwiseStack | None = None,
    *,
    seed: int = 0,
    length: int = 5,
    power: int = 2,
    depth: int = 3,
    relu_stacks: int = 2,
    quick: bool = False,
) -> Certificate:
    """Verify T6(a) and T6(b) (T6(c) is empirical, see :data:`T6C_NOTE`).

    Parameters
    ----------
    instance : DepthwiseStack, optional
        A polynomial-activation stack to certify in place of the random ones.
    seed : int
        Seed of the random stacks and lines.
    length : int
        T; must exceed the degree bound ``p^(L-1)`` (``p^L`` with readout activation).
    power : int
        Degree p of the random polynomial activation.
    depth : int
        Depth L of the random polynomial stacks.
    relu_stacks : int
        Number of random ReLU stacks for (b) (alternately depth 2, and depth 3 with ReLU
        before the readout).
    quick : bool
        Use one ReLU stack.

    Returns
    -------
    Certificate

    Raises
    ------
    ModelKindError
        If ``instance`` is not a scalar DepthwiseStack with a polynomial activation.
    ValueError
        On a length, power or depth below 1.

    Examples
    --------
    >>> verify_T6(length=3, power=1, depth=2, relu_stacks=1).holds
    True
    """
    from ..constructions import product_witness
    from ..polydegree import degree

    seed = check_seed(seed)
    T = check_positive(length, "length")
    p = check_positive(power, "power")
    L = check_positive(depth, "depth")
    if check_bool(quick, "quick"):
        relu_stacks = min(relu_stacks, 1)
    rng = random_generator(seed)
    if instance is not None:
        if not (isinstance(instance, DepthwiseStack) and instance.activation.name in ("polynomial", "identity")
                and instance.input_dim == 1 and instance.output_dim == 1):
            raise ModelKindError(f"instance: expected a DepthwiseStack with a polynomial activation and scalar "
                                 f"input and output, got {instance!r}")
        poly = [instance.to_exact()]
    else:
        coeffs = list(_nonzero_vector(rng, p + 1))
        poly = [
            _generic_depthwise([2] * L, coeffs, rng),
            _generic_depthwise([2] * max(L - 1, 1), coeffs, rng, readout_activation=True),
        ]
    witness = product_witness(T)
    degs = [_degree_record(m, T) for m in poly]
    relus, lines = [], []
    for k in range(relu_stacks):
        # Alternate depth 2 and depth 3 (with ReLU before the readout) stacks.
        widths, top = ([3, 2], False) if k % 2 == 0 else ([2, 2, 2], True)
        model = random_depthwise_stack(widths, 1, activation="relu", seed=seed * 100 + k, exact=True,
                                       readout_activation=top)
        a, b = _nonzero_vector(rng, T), _nonzero_vector(rng, T)
        out = relu_pieces(model, a, b)
        relus.append(model)
        lines.append({"a": a, "b": b, "breakpoints": out["breakpoints"], "pieces": out["pieces"]})
    points = [_nonzero_vector(rng, 2), _nonzero_vector(rng, 2)]
    evidence = {
        "polynomial": {"degrees": degs, "witness_degree": degree(witness, T).to_dict()["total"]},
        "relu": {"hessian_points": points, "hessians": [_hessian_2(witness, x) for x in points], "lines": lines},
    }
    inst = {
        "length": T,
        "product_witness": witness,
        "polynomial_stacks": poly,
        "relu_stacks": relus,
    }
    return Certificate.build("T6", STATEMENT_T6, inst, evidence)
