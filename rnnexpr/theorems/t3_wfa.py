"""T3: a one-layer linear 2RNN is a WFA, and every WFA is one.

Certificate (all exact):

* the WFA of :func:`rnnexpr.conversions.to_wfa` (``n + 1`` states, or ``n`` for a pure
  layer without readout bias) *simulates* the layer: with ``phi(h) = [1; h]``
  (or ``h``), ``alpha = phi(h_0)``, ``phi(h)^T A_s = phi(step(h, e_s))`` and
  ``phi(h)^T omega = C h + c``.  Both sides are affine in ``h``, so checking them
  on ``0, e_1, ..., e_n`` proves them for every ``h`` and, by induction on the
  word, that the two compute the same function;
* :func:`rnnexpr.conversions.from_wfa` gives back a pure 2RNN simulated the same way;
* a Hankel block with its prefixes and suffixes, recomputed from the instance,
  has exact rank ``r <= n + 1``: no WFA (no pure 2RNN) with fewer than ``r``
  states (units) computes the function;
* minimization gives a WFA with ``r`` states equivalent to the original (checked
  by :func:`rnnexpr.equivalence.equivalent`), hence the smallest equivalent pure 2RNN.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import ModelKindError
from ..exact import exact_rank
from ..models import WFA, Stack, random_stack
from ..numbers import to_exact_array, zeros
from ..validation import deprecated_positional
from .certificate import Certificate, Step, register_deriver
from ..limits import check_work
from ._common import exact_block, check_positive, check_seed, exact_matrix, load_model

__all__ = ["verify_T3", "simulates", "STATEMENT_T3"]

STATEMENT_T3 = (
    "On one-hot inputs a one-layer linear 2RNN with n units (U, V, b terms allowed) is a WFA with n+1 "
    "states (n for a pure 2RNN) and every WFA is a pure 2RNN; so its Hankel rank is <= n+1 and WFA "
    "minimization gives the smallest equivalent 2RNN."
)


def simulates(stack: Stack, wfa: WFA) -> tuple[bool, str]:
    """Exact proof that a WFA computes the same function as a depth-1 linear 2RNN.

    Checks the simulation relation ``p_u = phi(h_u)`` between the WFA's forward
    vector and the layer's state, with ``phi(h) = [1; h]`` when the WFA has
    ``n + 1`` states and ``phi(h) = h`` when it has ``n`` (pure layer, no bias).

    Parameters
    ----------
    stack : Stack
        Depth-1 stack.
    wfa : WFA

    Returns
    -------
    (bool, str)
        Verdict and a one-line reason.

    Examples
    --------
    >>> from rnnexpr.conversions import to_wfa
    >>> s = random_stack([2], input_dim=2, seed=0, exact=True)
    >>> simulates(s, to_wfa(s))[0]
    True
    """
    if not isinstance(stack, Stack) or stack.depth != 1 or stack.output_dim != 1:
        return False, "not a depth-1 scalar-output stack"
    layer = stack.layers[0]
    n, d = layer.width, layer.input_dim
    if wfa.alphabet_size != d:
        return False, f"alphabet sizes differ ({wfa.alphabet_size} vs {d})"
    alpha, A, omega = (to_exact_array(a) for a in (wfa.alpha, wfa.A, wfa.omega))
    C = to_exact_array(stack.C)[0]
    c = Fraction(0) if stack.c is None else to_exact_array(stack.c)[0]
    one = Fraction(1)
    if wfa.num_states == n + 1:
        def phi(h: np.ndarray) -> np.ndarray:
            return np.concatenate([np.array([one], dtype=object), h])
        points = [zeros((n,), True)]
    elif wfa.num_states == n and layer.is_pure and c == 0:
        def phi(h: np.ndarray) -> np.ndarray:
            return h
        points = []
    else:
        return False, f"{wfa.num_states} states match neither n+1 = {n + 1} nor a pure layer of width {n}"
    for i in range(n):
        e = zeros((n,), True)
        e[i] = one
        points.append(e)
    lay = layer.to_exact()
    if not np.all(alpha == phi(to_exact_array(lay.initial_state))):
        return False, "alpha != phi(h_0)"
    for s in range(d):
        z = zeros((1, d), True)
        z[0, s] = one
        for h in points:
            nxt = lay.step_batch(h[None, :], z, exact=True)[0]
            if not np.all(phi(h) @ A[:, s, :] == phi(nxt)):
                return False, f"phi(h)^T A_{s} != phi(step(h, e_{s})) at h = {list(map(str, h))}"
    for h in points:
        if phi(h) @ omega != C @ h + c:
            return False, "phi(h)^T omega != C h + c"
    return True, (f"alpha = phi(h0), phi(h)^T A_s = phi(step(h, e_s)) and readouts agree on "
                  f"{len(points)} {'affinely' if wfa.num_states == n + 1 else 'linearly'} spanning states (exact)")


def describe_T3(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> dict[str, Any]:
    """Description, summary and exactness of a T3 certificate, from its stored data."""
    stack = load_model(instance["stack"])
    n, kind = stack.widths[0], "pure" if stack.is_pure else "2rnn"
    states = load_model(evidence["wfa"]).num_states
    minimal = 0 if evidence["minimal_wfa"] is None else load_model(evidence["minimal_wfa"]).num_states
    return {"description": f"{kind} 2RNN width {n}, |Sigma|={stack.input_dim}",
            "summary": (f"WFA {states} states, Hankel rank {evidence['hankel']['rank']} <= n+1 = {n + 1}, "
                        f"minimal 2RNN width {minimal}"),
            "exact": True}


@register_deriver("T3", statement=STATEMENT_T3, describe=describe_T3)
def derive_T3(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> list[Step]:
    """Re-derive T3: simulations, Hankel block rank, minimization."""
    from ..equivalence import equivalent

    stack = load_model(instance["stack"])
    if not (isinstance(stack, Stack) and stack.depth == 1 and stack.output_dim == 1):
        return [Step("the instance is a depth-1 linear 2RNN with one output", False, f"got {stack!r}")]
    n, d = stack.widths[0], stack.input_dim
    hb = evidence["hankel"]
    words = len(hb["prefixes"]) * len(hb["suffixes"])
    longest = max((len(u) for u in hb["prefixes"] + hb["suffixes"]), default=0)
    check_work(8 * (n + 2) ** 3 * (d + 1) + words * (2 * longest + 1) * (n + 1) ** 2 + (n + 2) ** 3 * d * 8,
               "instance.stack: the T3 check")
    wfa = load_model(evidence["wfa"])
    steps = []
    expected_states = n if (stack.layers[0].is_pure and stack.is_pure) else n + 1
    ok, why = simulates(stack, wfa)
    steps.append(Step(f"to_wfa gives a WFA with {expected_states} states computing the 2RNN",
                      ok and wfa.num_states == expected_states, why))
    back = load_model(evidence["back"])
    ok, why = simulates(back, wfa)
    steps.append(Step("from_wfa gives a pure 2RNN with as many units computing the WFA",
                      ok and back.depth == 1 and back.is_pure and back.widths == (wfa.num_states,), why))
    prefixes, suffixes = [list(map(int, u)) for u in hb["prefixes"]], [list(map(int, v)) for v in hb["suffixes"]]
    raw_block = hb["block"]
    block = (exact_matrix(raw_block, "hankel.block") if prefixes and suffixes
             else np.empty((len(prefixes), len(suffixes)) if raw_block == [] else (-1, -1), dtype=object))
    recomputed = exact_block(stack, prefixes, suffixes)
    steps.append(Step("stored Hankel block equals f(uv) on its words", block.shape == recomputed.shape
                      and bool(np.all(block == recomputed)), f"{len(prefixes)} x {len(suffixes)} block"))
    r = exact_rank(recomputed).rank if recomputed.size else 0
    steps.append(Step(f"Hankel rank r = {hb['rank']} <= n+1 = {n + 1} (exact)",
                      r == hb["rank"] and r <= n + 1 and hb["method"] == "exact",
                      f"recomputed exact rank {r}; stored method {hb['method']}"))
    if evidence["minimal_wfa"] is None:
        # f = 0: the minimal WFA has no state; check f = 0 against a zero WFA.
        zero = WFA([0], zeros((1, wfa.alphabet_size, 1), True), [0])
        eq = equivalent(zero, wfa)
        steps.append(Step("f = 0: the minimal WFA and 2RNN have no state", r == 0 and bool(eq.equivalent)
                          and evidence["minimal_2rnn"] is None, f"Hankel rank {r}; equivalent to 0: {eq.equivalent}"))
        return steps
    minimal = load_model(evidence["minimal_wfa"])
    eq = equivalent(minimal, wfa)
    steps.append(Step(f"the minimized WFA has r = {r} states and is equivalent",
                      minimal.num_states == r and bool(eq.equivalent),
                      f"{minimal.num_states} states; equivalent={bool(eq.equivalent)} (exact={eq.exact})"))
    small = load_model(evidence["minimal_2rnn"])
    ok, why = simulates(small, minimal)
    steps.append(Step(f"the smallest equivalent pure 2RNN has r = {r} units", ok and small.is_pure
                      and small.widths == (r,), why + "; no WFA with fewer states exists (Hankel block of rank r)"))
    return steps


@deprecated_positional
def verify_T3(
    instance: Stack | None = None,
    *,
    seed: int = 0,
    width: int = 3,
    alphabet_size: int = 2,
    kind: str | None = None,
    quick: bool = False,
) -> Certificate:
    """Verify T3 on a depth-1 linear 2RNN (default: random exact, from ``seed``).

    Parameters
    ----------
    instance : Stack, optional
        A depth-1 stack with exact (or float, taken exactly) parameters.
    seed : int
        Seed of the random instance.
    width, alphabet_size : int
        Shape of the random instance.
    kind : {"2rnn", "pure"}, optional
        Kind of the random instance; default alternates with the seed (even seeds
        full 2RNN, odd seeds pure).  Odd seeds also make a redundant layer (two
        equal units) so that minimization has something to remove.
    quick : bool
        Accepted for the uniform signature of the ``verify_T*`` functions; the
        instance is already small, so it changes nothing.

    Returns
    -------
    Certificate

    Raises
    ------
    ModelKindError
        If ``instance`` is not a depth-1 stack with one output.

    Examples
    --------
    >>> verify_T3(seed=0, width=2).holds
    True
    """
    from ..hankel import hankel_certificate
    from ..conversions import from_wfa, to_wfa
    from ..wfa import minimize

    if instance is None:
        seed = check_seed(seed)
        width = check_positive(width, "width")
        alphabet_size = check_positive(alphabet_size, "alphabet_size")
        kind = kind or ("2rnn" if seed % 2 == 0 else "pure")
        stack = random_stack([width], input_dim=alphabet_size, kind=kind, seed=seed, exact=True)
        if seed % 2 == 1:
            stack = _with_duplicate_unit(stack)
    else:
        if not isinstance(instance, Stack) or instance.depth != 1 or instance.output_dim != 1:
            raise ModelKindError(f"instance: expected a depth-1 Stack with one output (T3 is about one-layer linear "
                                 f"2RNNs), got {instance!r}")
        stack = instance.to_exact()
    wfa = to_wfa(stack)
    minimal = minimize(wfa)
    hc = hankel_certificate(wfa)
    prefixes = [list(u) for u in hc.prefixes]
    suffixes = [list(v) for v in hc.suffixes]
    evidence = {
        "wfa": wfa,
        "back": from_wfa(wfa),
        "hankel": {"prefixes": prefixes, "suffixes": suffixes, "block": exact_block(stack, prefixes, suffixes),
                   "rank": int(getattr(hc.rank, "rank", hc.rank)), "method": "exact"},
        "minimal_wfa": minimal if minimal.num_states else None,
        "minimal_2rnn": from_wfa(minimal) if minimal.num_states else None,
    }
    return Certificate.build("T3", STATEMENT_T3, {"stack": stack}, evidence)


def _with_duplicate_unit(stack: Stack) -> Stack:
    """Append a copy of unit 0 to a pure layer (same function, one redundant unit)."""
    from ..models import Linear2RNNLayer

    layer = stack.layers[0]
    n, d = layer.width, layer.input_dim
    A = to_exact_array(layer.A)
    # New unit n copies unit 0: it receives the same contributions, and it feeds
    # nothing (its outgoing weights are zero), so h_t[n] = h_t[0] for all t.
    A2 = zeros((n + 1, d, n + 1), True)
    A2[:n, :, :n] = A
    A2[:n, :, n] = A[:, :, 0]
    h0 = list(to_exact_array(layer.initial_state)) + [to_exact_array(layer.initial_state)[0]]
    C = list(to_exact_array(stack.C)[0]) + [Fraction(1)]
    return Stack([Linear2RNNLayer(A=A2, h0=h0)], C=[C])
