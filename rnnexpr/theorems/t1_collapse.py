"""T1: stacks of linear RNN layers collapse to one linear RNN layer.

Certificate: the block lower-triangular layer built by
:func:`rnnexpr.constructions.collapse` (width ``sum n_l``), and an exact
equivalence check by the finite criterion of :doc:`/theory/t1` (the first ``n + n'``
Markov parameters and ``n + n' + 2`` free-response values agree), re-derived by
exact simulation of the stored stack and the stored construction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ModelKindError
from ..models import Stack, random_stack
from ..validation import deprecated_positional
from .certificate import Certificate, Step, register_deriver
from ..limits import check_work
from ._common import check_positive, check_seed, load_model, lti_equal

__all__ = ["verify_T1", "STATEMENT_T1"]

STATEMENT_T1 = (
    "A stack of linear RNN layers of widths n_1..n_L computes exactly what one linear RNN layer of "
    "width n_1+...+n_L computes (block lower-triangular joint recurrence): depth adds no function."
)


def describe_T1(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> dict[str, Any]:
    """Description, summary and exactness of a T1 certificate, from its stored data."""
    stack = load_model(instance["stack"])
    return {"description": f"linear RNN stack widths {stack.widths}, d={stack.input_dim}",
            "summary": f"depth {stack.depth} widths {stack.widths} -> one layer of width {sum(stack.widths)}",
            "exact": True}


@register_deriver("T1", statement=STATEMENT_T1, describe=describe_T1)
def derive_T1(instance: Mapping[str, Any], evidence: Mapping[str, Any]) -> list[Step]:
    """Re-derive the T1 verdict: shape of the construction, then exact equivalence."""
    stack = load_model(instance["stack"])
    collapsed = load_model(evidence["collapsed"])
    total = sum(stack.widths)
    # Exact simulation of both on 2n + 2 steps, d + 1 inputs: about (d + 1) (2n + 2) n^2 per model.
    check_work((stack.input_dim + 1) * (2 * total + 2) * (total + 1) ** 2 * 4, "instance.stack: the T1 check")
    shape_ok = (isinstance(collapsed, Stack) and collapsed.depth == 1 and collapsed.is_linear_rnn
                and collapsed.widths == (total,))
    steps = [Step(f"the construction is one linear RNN layer of width {total}", shape_ok,
                  f"got {type(collapsed).__name__} widths {getattr(collapsed, 'widths', None)}")]
    if not shape_ok or not stack.is_linear_rnn:
        if not stack.is_linear_rnn:
            steps.append(Step("the instance is a stack of linear RNN layers", False, "it has an A term"))
        return steps
    equal, n_steps, detail = lti_equal(stack, collapsed)
    steps.append(Step("the construction computes the same function (Markov/free-response criterion)", equal, detail))
    # An independent route: the linear-systems equivalence test, recomputed on the stored models.
    from ..linear_systems import equivalent as lti_equivalent

    res = lti_equivalent(stack, collapsed)
    same = bool(getattr(res, "equivalent", res))
    stored = evidence["equivalence"]
    steps.append(Step("linear_systems.equivalent agrees (exact)", same and bool(res.exact)
                      and stored == {"equivalent": same, "exact": bool(res.exact)},
                      f"equivalent={same}, exact={bool(res.exact)}; stored {stored}"))
    return steps


@deprecated_positional
def verify_T1(
    instance: Stack | None = None,
    *,
    seed: int = 0,
    widths: Sequence[int] = (2, 3, 2),
    input_dim: int = 2,
    quick: bool = False,
) -> Certificate:
    """Verify T1 on a linear RNN stack (default: a random exact stack from ``seed``).

    Parameters
    ----------
    instance : Stack, optional
        A stack of linear RNN layers (exact parameters make the check exact; float
        parameters are taken at their binary value).
    seed : int
        Seed of the random instance.
    widths : sequence of int
        Widths of the random instance.
    input_dim : int
        Input dimension of the random instance.
    quick : bool
        Accepted for the uniform signature of the ``verify_T*`` functions; the
        instance is already small, so it changes nothing.

    Returns
    -------
    Certificate

    Raises
    ------
    ModelKindError
        If ``instance`` is not a stack of linear RNN layers.

    Examples
    --------
    >>> verify_T1(seed=3).holds
    True
    """
    from ..constructions import collapse

    if instance is None:
        seed = check_seed(seed)
        widths = [check_positive(w, "widths[i]") for w in widths]
        stack = random_stack(widths, input_dim=check_positive(input_dim, "input_dim"), kind="linear", seed=seed,
                             exact=True, with_initial_state=True)
    else:
        if not isinstance(instance, Stack) or not instance.is_linear_rnn:
            raise ModelKindError(f"instance: expected a Stack of linear RNN layers (T1 is about linear RNN stacks), "
                                 f"got {instance!r}")
        stack = instance.to_exact()
    from ..linear_systems import equivalent as lti_equivalent

    collapsed = collapse(stack)
    res = lti_equivalent(stack, collapsed)
    evidence: dict[str, Any] = {
        "collapsed": collapsed,
        "equivalence": {"equivalent": bool(res.equivalent), "exact": bool(res.exact)},
    }
    return Certificate.build("T1", STATEMENT_T1, {"stack": stack}, evidence)
