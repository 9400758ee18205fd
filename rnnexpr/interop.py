"""Converters to and from scikit-splearn automata and python-control state-space systems.

**scikit-splearn** (spectral learning of WFAs) stores an automaton as
``Automaton(nbL, nbS, initial, final, transitions)`` with ``transitions[s]`` the
``(nbS, nbS)`` matrix of symbol ``s`` and ``val(w) = initial^T T_{w_1} ...
T_{w_l} final``: exactly a :class:`~rnnexpr.models.WFA` with
``A[:, s, :] = transitions[s]``, ``alpha = initial``, ``omega = final``.
:func:`from_splearn` reads any object with those attributes (duck typing: splearn
need not be installed); :func:`to_splearn` builds splearn's class, or any class
with the same constructor.

**python-control** describes a discrete-time system ``x_{k+1} = A x_k + B u_k``,
``y_k = C x_k + D u_k`` (zero initial state).  A stack of linear RNN layers is
one linear system on its joint state (:func:`rnnexpr.linear_systems.joint_system`,
:doc:`/theory/t1`): ``h_t = V h_{t-1} + U x_t``, ``y_t = C h_t``.  The toolkit's
output at step t already contains the input of step t (``C h_t = C V h_{t-1} +
C U x_t``: a direct term), so the control state is the toolkit's previous
state, ``x_k = h_{k}`` with the toolkit's input ``x_t`` read as ``u_{t-1}``:

* :func:`to_statespace`: ``A = V``, ``B = U``, ``C_ctrl = C V``, ``D = C U``.  The
  toolkit's outputs ``y_1 .. y_T`` are the system's ``y_0 .. y_{T-1}`` on the same
  inputs, exactly: no shift.
* :func:`from_statespace`: with ``D`` the toolkit needs the current input in its
  state: the layer of width ``n + m`` with state ``[x_k; u_k]``,
  ``V = [[A, B], [0, 0]]``, ``U = [[0], [I]]``, readout ``[C, D]`` gives the
  system's outputs at the same steps (no shift).  With ``shift=True`` (and
  ``D = 0``) the smaller ``Stack([LinearRNNLayer(U=B, V=A)], C=C)`` of width
  ``n`` is returned instead: its output at step t is the system's output one
  step later, ``y_t`` after the inputs ``u_0 .. u_{t-1}`` (the toolkit's step t
  reads ``u_{t-1}``), i.e. the system's output sequence shifted by one step.

Affine terms (biases, a nonzero initial state) have no place in a
python-control ``StateSpace`` and are refused.

Examples
--------
>>> from rnnexpr.models import WFA
>>> class Automaton:   # splearn's attributes; the real class works the same way
...     def __init__(self, nbL, nbS, initial, final, transitions, type="classic"):
...         self.nbL, self.nbS, self.initial, self.final = nbL, nbS, initial, final
...         self.transitions, self.type = transitions, type
>>> w = WFA([1.0], [[[0.5], [2.0]]], [1.0])
>>> a = to_splearn(w, automaton_class=Automaton)
>>> a.nbL, a.nbS, [t.tolist() for t in a.transitions]
(2, 1, [[[0.5]], [[2.0]]])
>>> from_splearn(a)([1, 0]) == w([1, 0])
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InvalidArgumentError, MissingDependencyError, ModelKindError, ShapeError
from .linear_systems import LinearSystem, joint_system
from .models import WFA, LinearRNNLayer, Stack
from .numbers import as_array, to_exact_array, to_float_array
from .conversions import to_wfa
from .validation import check_bool

__all__ = ["to_splearn", "from_splearn", "to_statespace", "from_statespace"]


def _splearn_class() -> type:
    try:
        from splearn.automaton import Automaton
    except ImportError:
        raise MissingDependencyError(
            "automaton_class: expected scikit-splearn to be installed (pip install scikit-splearn; it needs "
            "numpy < 2) or a class with its constructor, got neither") from None
    return Automaton


def to_splearn(model: WFA | Stack, *, automaton_class: type | None = None) -> Any:
    """A scikit-splearn ``Automaton`` computing the same function as a WFA (or scalar depth-1 stack).

    Parameters
    ----------
    model : WFA or Stack
        A WFA, or anything :func:`rnnexpr.conversions.to_wfa` converts.
    automaton_class : type, optional
        Called as ``automaton_class(nbL=d, nbS=n, initial=alpha, final=omega,
        transitions=[A_0, ..., A_{d-1}], type="classic")``; default
        ``splearn.automaton.Automaton``.

    Returns
    -------
    Automaton
        Float64 arrays.

    Raises
    ------
    MissingDependencyError
        When no class is given and scikit-splearn is not installed.

    Examples
    --------
    >>> from rnnexpr.models import WFA
    >>> class Fake:
    ...     def __init__(self, **kw):
    ...         self.__dict__.update(kw)
    >>> to_splearn(WFA([1], [[[3]]], [1]), automaton_class=Fake).transitions[0].tolist()
    [[3.0]]
    """
    wfa = model if isinstance(model, WFA) else to_wfa(model)
    cls = _splearn_class() if automaton_class is None else automaton_class
    flt = wfa.to_float()
    A = np.asarray(flt.A, dtype=np.float64)
    return cls(nbL=flt.alphabet_size, nbS=flt.num_states, initial=np.array(flt.alpha, dtype=np.float64),
               final=np.array(flt.omega, dtype=np.float64),
               transitions=[np.ascontiguousarray(A[:, s, :]) for s in range(flt.alphabet_size)], type="classic")


def from_splearn(automaton: Any, *, exact: bool = False) -> WFA:
    """The WFA of a scikit-splearn ``Automaton`` (or any object with its attributes).

    Reads ``initial`` (length n), ``final`` (length n) and ``transitions`` (d
    matrices of shape ``(n, n)``); the automaton's ``type`` ("classic",
    "prefix", ...) names the function it computes and is not changed (use
    :func:`rnnexpr.spectral.convert_variant`).

    Parameters
    ----------
    automaton : object
    exact : bool
        Convert the float weights to the exact rationals they are.

    Returns
    -------
    WFA

    Raises
    ------
    ModelKindError
        When an attribute is missing.
    ShapeError
        When the shapes disagree.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> a = SimpleNamespace(initial=[1.0, 0.0], final=[0.0, 1.0], transitions=[[[0, 1], [0, 0]]])
    >>> w = from_splearn(a, exact=True)
    >>> w.num_states, w.alphabet_size, int(w([0])), int(w([0, 0]))
    (2, 1, 1, 0)
    """
    missing = [name for name in ("initial", "final", "transitions") if not hasattr(automaton, name)]
    if missing:
        raise ModelKindError(f"automaton: expected an object with initial, final and transitions (a splearn "
                             f"Automaton), got a {type(automaton).__name__} without {', '.join(missing)}")
    alpha = as_array(np.asarray(automaton.initial, dtype=np.float64), "automaton.initial", ndim=1)
    omega = as_array(np.asarray(automaton.final, dtype=np.float64), "automaton.final", ndim=1)
    mats = [as_array(np.asarray(t, dtype=np.float64), f"automaton.transitions[{s}]", ndim=2)
            for s, t in enumerate(automaton.transitions)]
    n = alpha.shape[0]
    if not mats:
        raise ShapeError("automaton.transitions: expected at least one symbol's matrix, got none")
    for s, M in enumerate(mats):
        if M.shape != (n, n):
            raise ShapeError(f"automaton.transitions[{s}]: expected shape ({n}, {n}) to match initial, got {M.shape}")
    if omega.shape != (n,):
        raise ShapeError(f"automaton.final: expected shape ({n},) to match initial, got {omega.shape}")
    nbL = getattr(automaton, "nbL", len(mats))
    if nbL != len(mats):
        raise ShapeError(f"automaton.nbL: expected {len(mats)} (the number of transition matrices), got {nbL}")
    wfa = WFA(alpha, np.stack(mats, axis=1), omega)
    return wfa.to_exact() if check_bool(exact, "exact") else wfa


def _control() -> Any:
    try:
        import control
    except ImportError:
        raise MissingDependencyError(
            "to_statespace: expected python-control to be installed (pip install control), got no module "
            "named 'control'") from None
    return control


def _zero(a: np.ndarray | None) -> bool:
    return a is None or not np.any(np.asarray(a) != 0)


def to_statespace(model: Stack | LinearSystem, *, dt: Any = True) -> Any:
    """A python-control discrete-time ``StateSpace`` with the input-output map of a linear RNN stack.

    ``A = V``, ``B = U``, ``C = C_stack V``, ``D = C_stack U`` on the joint state
    of the stack (:func:`rnnexpr.linear_systems.joint_system`): the stack's
    outputs ``y_1 .. y_T`` on inputs ``x_1 .. x_T`` are the system's outputs
    ``y_0 .. y_{T-1}`` on ``u_k = x_{k+1}`` from zero initial state (no shift;
    see the module text).

    Parameters
    ----------
    model : Stack or LinearSystem
        Linear RNN layers (no ``A`` term), without biases and with zero
        initial states.
    dt : True or float
        The sampling time of the system (``True``: discrete, unspecified).

    Returns
    -------
    control.StateSpace

    Raises
    ------
    ModelKindError
        For a 2RNN layer, a bias, a readout bias or a nonzero initial state
        (an affine system, which ``StateSpace`` cannot hold).
    MissingDependencyError
        When python-control is not installed.

    Examples
    --------
    >>> from rnnexpr.models import LinearRNNLayer, Stack
    >>> stack = Stack([LinearRNNLayer(U=[[1.0]], V=[[0.5]])], C=[[2.0]])
    >>> sys = to_statespace(stack)
    >>> sys.A.tolist(), sys.B.tolist(), sys.C.tolist(), sys.D.tolist()
    ([[0.5]], [[1.0]], [[1.0]], [[2.0]])
    """
    system = model if isinstance(model, LinearSystem) else joint_system(model, name="model")
    for name in ("b", "c", "h0"):
        if not _zero(getattr(system, name)):
            raise ModelKindError(f"model: expected a linear map (no bias, readout bias or initial state) for a "
                                 f"StateSpace, got a nonzero {name}")
    if dt is not True and not (isinstance(dt, int | float) and not isinstance(dt, bool) and dt > 0):
        raise InvalidArgumentError(f"dt: expected True or a positive sampling time (discrete time), got {dt!r}")
    control = _control()
    exact = system.is_exact
    conv = to_exact_array if exact else to_float_array
    V, U, C = conv(system.V), conv(system.U), conv(system.C)
    Cc, D = C @ V, C @ U  # exact products first when the system is exact, then one rounding
    f = lambda a: np.array(a, dtype=np.float64)  # noqa: E731
    return control.ss(f(V), f(U), f(Cc), f(D), dt)


def from_statespace(system: Any, *, shift: bool = False, exact: bool = False) -> Stack:
    """A one-layer linear RNN stack with the input-output map of a discrete-time state-space system.

    Parameters
    ----------
    system : control.StateSpace
        Or any object with ``A, B, C, D`` (and ``dt``, which must not be 0:
        continuous time is refused).  Read by duck typing: python-control need
        not be installed.
    shift : bool
        False (default): width ``n + m``, same outputs at the same steps (``D``
        included).  True: width ``n``, outputs one step later (``D`` must be 0).
        See the module text.
    exact : bool
        Convert the float entries to the exact rationals they are.

    Returns
    -------
    Stack

    Raises
    ------
    ModelKindError
        When the system is continuous-time, or when ``shift=True`` and ``D != 0``.
    ShapeError
        When the shapes disagree.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> sys = SimpleNamespace(A=[[0.5]], B=[[1.0]], C=[[2.0]], D=[[3.0]], dt=True)
    >>> stack = from_statespace(sys)
    >>> stack.widths, stack.run([[1.0], [1.0], [1.0]])[:, 0].tolist()   # y_k = 2 x_k + 3 u_k
    ((2,), [3.0, 5.0, 6.0])
    >>> from_statespace(SimpleNamespace(A=[[0.5]], B=[[1.0]], C=[[2.0]], D=[[0.0]]), shift=True).run(
    ...     [[1.0], [1.0], [1.0]])[:, 0].tolist()                          # y_1, y_2, y_3
    [2.0, 3.0, 3.5]
    """
    missing = [name for name in ("A", "B", "C", "D") if not hasattr(system, name)]
    if missing:
        raise ModelKindError(f"system: expected a state-space system with A, B, C, D, got a "
                             f"{type(system).__name__} without {', '.join(missing)}")
    dt = getattr(system, "dt", True)
    if dt is False or (dt is not None and not isinstance(dt, bool) and dt == 0):
        raise ModelKindError("system: expected a discrete-time system (dt True or > 0), got a continuous-time one "
                             "(dt = 0); discretize it first (control.sample_system)")
    A = as_array(np.asarray(system.A, dtype=np.float64), "system.A", ndim=2)
    B = as_array(np.asarray(system.B, dtype=np.float64), "system.B", ndim=2)
    C = as_array(np.asarray(system.C, dtype=np.float64), "system.C", ndim=2)
    D = as_array(np.asarray(system.D, dtype=np.float64), "system.D", ndim=2)
    n = A.shape[0]
    if A.shape != (n, n) or n < 1:
        raise ShapeError(f"system.A: expected a non-empty square matrix, got shape {A.shape}")
    m, p = B.shape[1], C.shape[0]
    if B.shape != (n, m) or m < 1:
        raise ShapeError(f"system.B: expected shape ({n}, m) with m >= 1, got {B.shape}")
    if C.shape != (p, n) or p < 1:
        raise ShapeError(f"system.C: expected shape (p, {n}) with p >= 1, got {C.shape}")
    if D.shape != (p, m):
        raise ShapeError(f"system.D: expected shape ({p}, {m}), got {D.shape}")
    if check_bool(shift, "shift"):
        if np.any(D != 0):
            raise ModelKindError("shift: expected D = 0 for the shifted width-n form (the input of the step after "
                                 "is not seen), got a nonzero D; use shift=False")
        stack = Stack([LinearRNNLayer(U=B, V=A)], C=C)
    else:
        V = np.zeros((n + m, n + m))
        V[:n, :n], V[:n, n:] = A, B
        U = np.zeros((n + m, m))
        U[n:, :] = np.eye(m)
        stack = Stack([LinearRNNLayer(U=U, V=V)], C=np.concatenate([C, D], axis=1))
    return stack.to_exact() if check_bool(exact, "exact") else stack
