"""T2: depth buys memory per parameter.

The delay ``y_t = x_{t-k}`` has impulse response ``M_j = [j = k]``, whose Hankel
matrix ``H[i, j] = M_{i+j}`` (i, j = 0..k) is the exchange matrix of exact rank
``k + 1``: one linear RNN layer computing it needs width ``>= k + 1`` (Ho-Kalman),
so ``>= (k+1)^2`` recurrent parameters; a stack of ``k`` layers of width 2
computes it with ``O(k)``.  A generic stack of ``L`` layers of width ``n`` has
McMillan degree ``L n``.

Certificate: the exact Hankel rank, the explicit shallow and deep networks
(checked exactly against the delay by the Markov/free-response criterion: the
delay is realized with McMillan degree ``k + 1``), their parameter counts, and the
Hankel matrix of Markov parameters of a generic stack with its exact rank.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from ..exact import exact_rank
from ..models import LinearRNNLayer, Stack, random_array, random_generator
from ..validation import check_bool, deprecated_positional
from .certificate import Certificate, Step, register_deriver
from ..limits import check_work
from ._common import check_positive, check_seed, exact_matrix, load_model, lti_responses, stored_int

__all__ = ["verify_T2", "memory_table", "STATEMENT_T2"]

STATEMENT_T2 = (
    "The delay y_t = x_{t-k} needs one linear RNN layer of width >= k+1 (its impulse response has Hankel "
    "rank k+1), hence >= (k+1)^2 recurrent parameters, while k layers of width 2 compute it with O(k) "
    "parameters; a generic stack of L layers of width n has McMillan degree L*n."
)


def _delay_hankel(k: int) -> np.ndarray:
    """Hankel matrix H[i, j] = M_{i+j}, i, j = 0..k, of the delay's impulse response M_j = [j = k]."""
    H = np.empty((k + 1, k + 1), dtype=object)
    for i in range(k + 1):
        for j in range(k + 1):
            H[i, j] = Fraction(1 if i + j == k else 0)
    return H


def _computes_delay(net: Stack, k: int) -> tuple[bool, str]:
    """Exact check that a linear RNN stack computes y_t = x_{t-k} (scalar input and output).

    The delay is an LTI system of McMillan degree k + 1 with zero free response, so
    by the finite criterion of :doc:`/theory/t1` it suffices to compare n + (k + 1) + 2
    free-response values and Markov parameters.
    """
    if not (isinstance(net, Stack) and net.is_linear_rnn and net.input_dim == 1 and net.output_dim == 1):
        return False, "not a scalar linear RNN stack"
    steps = sum(net.widths) + (k + 1) + 2
    free, markov = lti_responses(net, steps)
    target = [Fraction(1 if j == k else 0) for j in range(steps)]
    ok_free = all(v == 0 for v in free.ravel())
    ok_markov = [markov[j, 0, 0] for j in range(steps)] == target
    return ok_free and ok_markov, (f"free response 0 and M_j = [j={k}] for j < {steps}: "
                                   f"{'yes' if ok_free and ok_markov else 'no'} (exact)")


def _counts(net: Stack) -> dict[str, Any]:
    return {
        "depth": net.depth,
        "widths": list(net.widths),
        "recurrent": sum(0 if layer.V is None else int(layer.V.size) for layer in net.layers),
        "total": int(net.num_parameters()),
    }


def _markov_hankel(stack: Stack, size: int) -> np.ndarray:
    """Hankel matrix H[i, j] = M_{i+j} (i, j < size) of a scalar linear RNN stack."""
    _, markov = lti_responses(stack, 2 * size - 1)
    H = np.empty((size, size), dtype=object)
    for i in range(size):
        for j in range(size):
            H[i, j] = markov[i + j, 0, 0]
    return H


def describe_T2(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> dict[str, Any]:
    """Description, summary and exactness of a T2 certificate, from its stored data."""
    stack = load_model(instance["generic_stack"])
    shape = f"{stack.depth}x{max(stack.widths)}"
    sh, dp = evidence["shallow"], evidence["deep"]
    return {"description": f"delay k={instance['delay']}; generic linear stack {shape}",
            "summary": (f"Hankel rank {evidence['delay_hankel']['rank']}; params shallow {sh['total']} "
                        f"(V: {sh['recurrent']}) vs deep {dp['total']}; McMillan degree {shape}"),
            "exact": True}


@register_deriver("T2", statement=STATEMENT_T2, describe=describe_T2)
def derive_T2(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> list[Step]:
    """Re-derive T2 from the stored Hankel matrices, networks and counts."""
    k = stored_int(instance["delay"], "instance.delay", minimum=1)
    check_work((k + 2) ** 3 * 8, f"instance.delay: the T2 check at k={k}")
    steps = []
    dh = evidence["delay_hankel"]
    H = exact_matrix(dh["matrix"], "delay_hankel")
    H_ok = H.shape == (k + 1, k + 1) and bool(np.all(H == _delay_hankel(k)))
    steps.append(Step(f"stored block is the Hankel matrix of M_j = [j={k}]", H_ok, f"shape {H.shape}"))
    r = exact_rank(H).rank
    claimed = dh["rank"]
    steps.append(Step(f"Hankel rank of the delay = {k + 1} (exact)", r == claimed == k + 1 and dh["method"] == "exact",
                      f"recomputed exact rank {r}, stored {claimed} ({dh['method']})"))
    nets = {}
    for name in ("shallow", "deep"):
        net = load_model(evidence[name]["network"])
        nets[name] = net
        ok, detail = _computes_delay(net, k)
        steps.append(Step(f"the {name} network computes y_t = x_(t-{k})", ok, detail))
        counts = _counts(net)
        stored = {key: evidence[name][key] for key in counts}
        steps.append(Step(f"{name} parameter counts", stored == counts, f"recomputed {counts}"))
    shallow = nets["shallow"]
    steps.append(Step(
        f"the shallow network is one layer of the minimal width {k + 1} ((k+1)^2 = {(k + 1) ** 2} recurrent parameters)",
        shallow.depth == 1 and shallow.widths == (k + 1,) and _counts(shallow)["recurrent"] == (k + 1) ** 2,
        f"widths {shallow.widths}"))
    deep = nets["deep"]
    steps.append(Step(
        f"the deep network has {k} layers of width <= 2", deep.depth == k and max(deep.widths) <= 2,
        f"widths {deep.widths}"))
    gen = evidence["generic"]
    stack = load_model(instance["generic_stack"])
    L, n = stack.depth, max(stack.widths)
    size = sum(stack.widths) + 1
    check_work(8 * size**3 * (size + 2), "instance.generic_stack: the McMillan-degree check")
    Hg = exact_matrix(gen["matrix"], "generic.matrix")
    Hg_ok = Hg.shape == (size, size) and bool(np.all(Hg == _markov_hankel(stack, size)))
    steps.append(Step("stored block is the Markov-parameter Hankel matrix of the generic stack", Hg_ok,
                      f"shape {Hg.shape}, recomputed by exact simulation"))
    rg = exact_rank(Hg).rank
    steps.append(Step(f"McMillan degree of the generic stack = L*n = {L * n} (exact)",
                      rg == gen["rank"] == L * n and stack.widths == (n,) * L and gen["method"] == "exact",
                      f"recomputed exact rank {rg}, stored {gen['rank']} ({gen['method']})"))
    # Independent route: Markov parameters C V^j U of the joint (block lower-triangular) system.
    from ..linear_systems import markov_parameters, mcmillan_degree

    M = markov_parameters(stack, count=2 * size - 1, exact=True)
    same = all(M[i + j, 0, 0] == Hg[i, j] for i in range(size) for j in range(size)) if Hg_ok else False
    md = int(mcmillan_degree(stack, method="exact"))
    steps.append(Step("linear_systems agrees: Markov parameters C V^j U and McMillan degree",
                      same and md == gen["mcmillan_degree"] == L * n,
                      f"mcmillan_degree = {md}, stored {gen['mcmillan_degree']}"))
    return steps


def _generic_stack(depth: int, width: int, seed: int) -> Stack:
    # Nonzero rationals with larger numerators: generic with overwhelming probability.
    rng = random_generator(seed)

    def draw(shape: tuple[int, ...]) -> np.ndarray:
        a = random_array(shape, seed=rng, exact=True, max_numerator=9, max_denominator=7)
        return np.vectorize(lambda v: v if v != 0 else Fraction(1, 11), otypes=[object])(a)

    layers, m = [], 1
    for _ in range(depth):
        layers.append(LinearRNNLayer(U=draw((width, m)), V=draw((width, width))))
        m = width
    return Stack(layers, C=draw((1, width)))


@deprecated_positional
def verify_T2(
    instance: int | None = None,
    *,
    seed: int = 0,
    delay: int = 12,
    depth: int = 3,
    width: int = 2,
    quick: bool = False,
) -> Certificate:
    """Verify T2 for the delay ``k`` and a generic stack of ``depth`` layers of ``width``.

    Parameters
    ----------
    instance : int, optional
        The delay k (overrides ``delay``).
    seed : int
        Seed of the generic stack.
    delay : int
        The delay k (>= 1).
    depth, width : int
        Shape of the generic stack whose McMillan degree is certified.
    quick : bool
        Use a smaller delay (6).

    Returns
    -------
    Certificate

    Raises
    ------
    ValueError
        On a delay, depth or width below 1.

    Examples
    --------
    >>> verify_T2(delay=3, depth=2, width=2).holds
    True
    """
    from ..constructions import delay_network_deep, delay_network_shallow
    from ..linear_systems import mcmillan_degree

    seed = check_seed(seed)
    if instance is not None:
        delay = instance
    elif check_bool(quick, "quick"):
        delay = min(delay, 6)
    k = check_positive(delay, "delay")
    depth = check_positive(depth, "depth")
    width = check_positive(width, "width")
    H = _delay_hankel(k)
    shallow = delay_network_shallow(k)
    deep = delay_network_deep(k)
    stack = _generic_stack(depth, width, seed)
    size = sum(stack.widths) + 1
    Hg = _markov_hankel(stack, size)
    cs, cd = _counts(shallow), _counts(deep)
    evidence = {
        "delay_hankel": {"matrix": H, "rank": exact_rank(H).rank, "method": "exact"},
        "shallow": {"network": shallow, **cs},
        "deep": {"network": deep, **cd},
        "generic": {"matrix": Hg, "rank": exact_rank(Hg).rank, "method": "exact",
                    "mcmillan_degree": int(mcmillan_degree(stack, method="exact"))},
    }
    return Certificate.build("T2", STATEMENT_T2, {"delay": k, "generic_stack": stack}, evidence)


def memory_table(max_delay: int) -> list[dict[str, Any]]:
    """The T2 table: for each delay k <= max_delay, the Hankel rank and parameter counts.

    Parameters
    ----------
    max_delay : int
        Largest delay (>= 1).

    Returns
    -------
    list of dict
        Rows with ``delay``, ``hankel_rank`` (exact), ``min_width`` (= rank),
        ``shallow_params``, ``shallow_recurrent``, ``deep_params``, ``deep_depth``.

    Raises
    ------
    InvalidArgumentError
        If ``max_delay < 1``.
    SizeLimitError
        If the table's cost (exact ranks of Hankel blocks of size up to ``max_delay + 1``, about
        ``(max_delay + 1)^4 / 100`` steps) exceeds the ``work`` budget of :mod:`rnnexpr.limits`;
        checked before starting.

    Examples
    --------
    >>> [row["hankel_rank"] for row in memory_table(3)]
    [2, 3, 4]
    """
    from ..constructions import delay_network_deep, delay_network_shallow
    from ..limits import check_size

    max_delay = check_positive(max_delay, "delay")
    check_size((max_delay + 1) ** 4 // 100, f"delay: the table up to delay {max_delay}: estimated steps", "work")
    rows = []
    for k in range(1, max_delay + 1):
        shallow, deep = _counts(delay_network_shallow(k)), _counts(delay_network_deep(k))
        r = exact_rank(_delay_hankel(k)).rank
        rows.append({
            "delay": k,
            "hankel_rank": r,
            "min_width": r,
            "shallow_params": shallow["total"],
            "shallow_recurrent": shallow["recurrent"],
            "deep_params": deep["total"],
            "deep_depth": deep["depth"],
        })
    return rows
