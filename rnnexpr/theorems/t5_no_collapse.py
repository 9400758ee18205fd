"""T5: stacks of linear 2RNNs do not collapse; the finite-state caveat.

Certificates (all exact):

* the witness of :func:`rnnexpr.constructions.t5_witness`, ``f(a^T) = 2^{T(T+1)/2}``:
  its Hankel block on ``a^0..a^{N+1}`` x ``a^0..a^{N+1}`` (recomputed from the
  model) has exact rank ``N + 2``, so no depth-1 linear 2RNN with ``<= N`` units
  computes it (such a layer is a WFA with ``<= N + 1`` states, T3);
* random depth-2 witnesses: their Hankel rank profile (ranks of the blocks on
  words up to length m, from :func:`rnnexpr.hankel.rank_profile`) grows, and a
  finite block with its words certifies the final rank;
* the caveat: when layer 1 reaches finitely many states (a DFA) the stack *is* a
  WFA with ``|reach(h^(1))| (n2 + 1)`` states (product construction).  Checked by
  an exact simulation: the WFA's forward vector after ``u`` is
  ``e_{i(u)} (x) [1; h2_u]`` (closure of the reachable set, and the affine
  identities on spanning states), which proves equality on every word.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import ModelKindError
from ..exact import exact_rank
from ..models import WFA, Stack
from ..numbers import to_exact_array, zeros
from ..validation import check_bool, deprecated_positional, renamed_parameter
from .certificate import Certificate, Step, register_deriver
from ..limits import check_work
from ._common import exact_block, check_positive, check_seed, exact_matrix, load_model, stored_int

__all__ = ["verify_T5", "product_simulates", "STATEMENT_T5"]

STATEMENT_T5 = (
    "Some depth-2 linear 2RNN stacks are computed by no depth-1 linear 2RNN of any width (e.g. f(a^T) = "
    "2^(T(T+1)/2): its Hankel blocks have rank k for every k); caveat: if layer 1 reaches finitely many "
    "states the stack is a WFA with <= |reach(h1)| (n2+1) states."
)


def _words(raw: Any) -> list[list[int]]:
    return [[int(s) for s in w] for w in raw]


def product_simulates(stack: Stack, states: list[np.ndarray], wfa: WFA) -> tuple[bool, str]:
    """Exact proof that the product-construction WFA computes a depth-2 stack.

    The claim is that the WFA's forward vector after ``u`` is
    ``e_{i(u)} (x) [1; h2_u]``, where ``states[i(u)] = h1_u``.  It follows by
    induction from: ``states[0] = h1_0``; every successor of a listed layer-1
    state is listed; ``alpha = e_0 (x) [1; h2_0]``;
    ``(e_i (x) [1; g]) A_s = e_j (x) [1; step2(g, states[j])]`` with
    ``states[j] = step1(states[i], e_s)``; ``(e_i (x) [1; g]) . omega = C g + c``.
    The last two are affine in ``g``, so ``g = 0, e_1, ..., e_{n2}`` suffice.

    Returns
    -------
    (bool, str)

    Examples
    --------
    >>> from rnnexpr.constructions import dfa_stack, product_construction, reachable_states
    >>> s = dfa_stack("parity", width=2, seed=0)
    >>> product_simulates(s, reachable_states(s), product_construction(s))[0]
    True
    """
    ex = stack.to_exact()
    l1, l2 = ex.layers
    n2, d = l2.width, l1.input_dim
    m = n2 + 1
    N = len(states)
    states = [to_exact_array(r) for r in states]
    if wfa.num_states != N * m or wfa.alphabet_size != d:
        return False, f"WFA has {wfa.num_states} states, expected |reach| (n2+1) = {N * m}"
    if N == 0 or not np.all(states[0] == to_exact_array(l1.initial_state)):
        return False, "states[0] is not h1_0"
    alpha, A, omega = (to_exact_array(a) for a in (wfa.alpha, wfa.A, wfa.omega))
    one = Fraction(1)

    def embed(i: int, g: np.ndarray) -> np.ndarray:
        v = zeros((N * m,), True)
        v[i * m] = one
        v[i * m + 1:(i + 1) * m] = g
        return v

    if not np.all(alpha == embed(0, to_exact_array(l2.initial_state))):
        return False, "alpha != e_0 (x) [1; h2_0]"
    points = [zeros((n2,), True)]
    for q in range(n2):
        e = zeros((n2,), True)
        e[q] = one
        points.append(e)
    C, c = to_exact_array(ex.C)[0], (Fraction(0) if ex.c is None else to_exact_array(ex.c)[0])
    for i, r in enumerate(states):
        for s in range(d):
            z = zeros((1, d), True)
            z[0, s] = one
            nxt = l1.step_batch(r[None, :], z, exact=True)[0]
            j = next((jj for jj, rr in enumerate(states) if np.all(rr == nxt)), None)
            if j is None:
                return False, f"the successor of layer-1 state {i} by symbol {s} is not in the reachable list"
            for g in points:
                g2 = l2.step_batch(g[None, :], nxt[None, :], exact=True)[0]
                if not np.all(embed(i, g) @ A[:, s, :] == embed(j, g2)):
                    return False, f"transition mismatch at layer-1 state {i}, symbol {s}"
        for g in points:
            if embed(i, g) @ omega != C @ g + c:
                return False, f"readout mismatch at layer-1 state {i}"
    return True, (f"reachable set of {N} layer-1 states closed under {d} symbols; forward vector = "
                  f"e_i (x) [1; h2] on {len(points)} affinely spanning layer-2 states (exact)")


def _is_depth2_2rnn(model: Any) -> bool:
    return isinstance(model, Stack) and model.depth == 2 and model.output_dim == 1 and not model.is_linear_rnn


def _check_block_work(model: Any, P: list, S: list, name: str) -> None:
    longest = max((len(u) for u in P + S), default=0)
    n = sum(model.widths)
    check_work(len(P) * len(S) * (2 * longest + 1) * (n + 1) ** 2 + 8 * min(len(P), len(S)) ** 3, name)


def _check_profile_work(model: Any, max_length: int, name: str) -> int:
    from ..hankel import word_count
    from ..limits import check_size

    K = stored_int(max_length, name, minimum=0)
    words = word_count(max(model.input_dim, 1), K)
    check_size(words, f"{name}: the words of length <= {K}", "words")
    check_work(8 * words**2, f"{name}: the rank profile up to length {K}")
    return K


def describe_T5(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> dict[str, Any]:
    """Description, summary and exactness of a T5 certificate, from its stored data."""
    w = load_model(instance["witness"])
    N = instance["units"]
    randoms = instance["random"]
    cav = evidence["caveat"]
    rprof = "; ".join(str(e["ranks"]) for e in evidence["random"])
    return {"description": (f"witness of widths {w.widths}, N={N}; {len(randoms)} random "
                            "(2,2) witnesses; a finite-state (DFA) stack"),
            "summary": (f"witness rank {evidence['witness']['rank']} (N={N}); random profiles {rprof}; DFA stack = "
                        f"WFA({load_model(cav['wfa']).num_states}), profile {cav['ranks']}"),
            "exact": True}


@register_deriver("T5", statement=STATEMENT_T5, describe=describe_T5)
def derive_T5(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> list[Step]:
    """Re-derive T5 from the stored blocks, rank profiles and the product WFA."""
    steps = []
    # (1) the witness
    w = load_model(instance["witness"])
    N = stored_int(instance["units"], "instance.units", minimum=1)
    steps.append(Step("the witness is a depth-2 linear 2RNN stack with one output", _is_depth2_2rnn(w),
                      f"got {w!r}"))
    if not _is_depth2_2rnn(w):
        return steps
    # Entries of f(a^T) = 2^(T(T+1)/2) have up to (N+2)^2 bits: exact rank of an (N+2)^2 block of them.
    check_work((N + 2) ** 5 // 16, f"instance.units: the witness block for N={N}")
    wit = evidence["witness"]
    P, S = _words(wit["prefixes"]), _words(wit["suffixes"])
    _check_block_work(w, P, S, "evidence.witness: the witness block")
    block = exact_matrix(wit["block"], "witness.block")
    re = exact_block(w, P, S)
    steps.append(Step("witness Hankel block equals f(uv) on its listed words",
                      block.shape == re.shape and bool(np.all(block == re)), f"{len(P)} x {len(S)} block"))
    r = exact_rank(re).rank
    steps.append(Step(f"witness block has exact rank {wit['rank']} >= N+2 = {N + 2}: no depth-1 linear "
                      f"2RNN with <= {N} units computes f", r == wit["rank"] and r >= N + 2 and wit["method"] == "exact",
                      f"recomputed exact rank {r}; stored method {wit['method']}"))
    # (2) random depth-2 witnesses
    from ..hankel import rank_profile

    for k, (case, rec) in enumerate(zip(instance["random"], evidence["random"], strict=True)):
        model = load_model(case)
        if not _is_depth2_2rnn(model):
            steps.append(Step(f"random witness {k} is a depth-2 linear 2RNN stack", False, f"got {model!r}"))
            continue
        K = _check_profile_work(model, rec["max_len"], f"evidence.random[{k}].max_len")
        prof = rank_profile(model, K, method="exact")
        ranks = [int(v) for v in prof.ranks]
        stored = [int(v) for v in rec["ranks"]]
        growing = all(b > a for a, b in zip(ranks, ranks[1:]))
        steps.append(Step(f"random witness {k}: rank profile {ranks} grows strictly",
                          ranks == stored and growing, f"recomputed (exact); stored {stored}"))
        P, S = _words(rec["prefixes"]), _words(rec["suffixes"])
        _check_block_work(model, P, S, f"evidence.random[{k}]: the block")
        block = exact_matrix(rec["block"], f"random[{k}].block")
        re = exact_block(model, P, S)
        rk = exact_rank(re).rank
        units = rk - 2
        steps.append(Step(f"random witness {k}: a {len(P)} x {len(S)} block of exact rank {rk}: no depth-1 "
                          f"linear 2RNN with <= {units} units computes it",
                          block.shape == re.shape and bool(np.all(block == re)) and rk == int(rec["rank"])
                          and rk == ranks[-1], f"recomputed exact rank {rk}"))
    # (3) the caveat
    cav = evidence["caveat"]
    stack = load_model(instance["dfa_stack"])
    if not (isinstance(stack, Stack) and stack.depth == 2 and stack.output_dim == 1):
        steps.append(Step("the caveat's stack has depth 2 and one output", False, f"got {stack!r}"))
        return steps
    check_work(len(cav["states"]) * stack.input_dim * (sum(stack.widths) + 2) ** 3 * 4,
               "evidence.caveat.states: the product simulation")
    states = [exact_matrix(r, "caveat.states") for r in cav["states"]]
    wfa = load_model(cav["wfa"])
    ok, why = product_simulates(stack, states, wfa)
    n2 = stack.widths[1]
    steps.append(Step(f"caveat: layer 1 reaches {len(states)} states and the product WFA with "
                      f"{len(states)} x {n2 + 1} states computes the stack", ok, why))
    prof = rank_profile(stack, _check_profile_work(stack, cav["max_len"], "evidence.caveat.max_len"), method="exact")
    ranks = [int(v) for v in prof.ranks]
    steps.append(Step(f"caveat: its rank profile {ranks} stays <= {wfa.num_states} (the product WFA's size)",
                      ranks == [int(v) for v in cav["ranks"]] and max(ranks) <= wfa.num_states,
                      "recomputed (exact)"))
    return steps


def _certified_block(model: Stack, max_len: int) -> tuple[list, list, np.ndarray, int]:
    """A nonsingular r x r block on words up to max_len, r the rank of the full block (hankel_certificate)."""
    from ..hankel import hankel_certificate

    hc = hankel_certificate(model, max_length=max_len, method="exact", compress=True)
    P, S = [list(u) for u in hc.prefixes], [list(v) for v in hc.suffixes]
    return P, S, exact_block(model, P, S), int(hc.rank)


@renamed_parameter("max_len", "max_length")
@deprecated_positional
def verify_T5(
    instance: Stack | None = None,
    *,
    seed: int = 0,
    units: int = 10,
    random_witnesses: int = 2,
    max_length: int = 3,
    dfa: str = "parity",
    quick: bool = False,
) -> Certificate:
    """Verify T5: the witness, random depth-2 witnesses, and the finite-state caveat.

    Parameters
    ----------
    instance : Stack, optional
        A depth-2 stack to certify in place of the T5 witness (its block on unary
        words of symbol 0 must reach rank ``units + 2``).
    seed : int
        Seed of the random witnesses and of the DFA stack's second layer.
    units : int
        N: certify that no depth-1 linear 2RNN with ``<= N`` units computes f.
    random_witnesses : int
        Number of random depth-2 witnesses.
    max_length : int
        Longest word length of their rank profiles (formerly ``max_len``, which
        still works for one release with a DeprecationWarning).
    dfa : str
        DFA of the caveat instance (see :data:`rnnexpr.constructions.DFA_PRESETS`).
    quick : bool
        Use one random witness.

    Returns
    -------
    Certificate

    Raises
    ------
    ModelKindError
        If ``instance`` is not a one-output Stack.
    ValueError
        On ``units`` or ``max_len`` below 1.

    Examples
    --------
    >>> verify_T5(units=3, random_witnesses=1, max_length=2).holds
    True
    """
    from ..constructions import dfa_stack, product_construction, random_depth2_witness, reachable_states, t5_witness
    from ..hankel import rank_profile

    seed = check_seed(seed)
    N = check_positive(units, "units")
    max_len = check_positive(max_length, "max_length")
    if check_bool(quick, "quick"):
        random_witnesses = min(random_witnesses, 1)
    if instance is not None and not _is_depth2_2rnn(instance):
        raise ModelKindError(f"instance: expected a depth-2 Stack of linear 2RNN layers with one output (T5 is about "
                             f"depth-2 linear 2RNN stacks), got {instance!r}")
    witness = t5_witness() if instance is None else instance.to_exact()
    words = [[0] * i for i in range(N + 2)]
    block = exact_block(witness, words, words)
    evidence: dict[str, Any] = {
        "witness": {"prefixes": words, "suffixes": words, "block": block, "rank": exact_rank(block).rank,
                    "method": "exact"},
        "random": [],
    }
    randoms = []
    for k in range(random_witnesses):
        model = random_depth2_witness(seed=seed * 1000 + k)
        randoms.append(model)
        prof = rank_profile(model, max_len, method="exact")
        P, S, B, r = _certified_block(model, max_len)
        evidence["random"].append({"max_len": max_len, "ranks": [int(v) for v in prof.ranks],
                                   "prefixes": P, "suffixes": S, "block": B, "rank": r})
    stack = dfa_stack(dfa, width=2, seed=seed)
    states = reachable_states(stack)
    wfa = product_construction(stack)
    cav_prof = rank_profile(stack, max_len + 1, method="exact")
    evidence["caveat"] = {"states": states, "wfa": wfa, "max_len": max_len + 1,
                          "ranks": [int(v) for v in cav_prof.ranks]}
    inst = {
        "witness": witness,
        "units": N,
        "random": randoms,
        "dfa_stack": stack,
    }
    return Certificate.build("T5", STATEMENT_T5, inst, evidence)
