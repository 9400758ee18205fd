"""How the Hankel rank of a deep stack grows with the word length: one result per stack.

:func:`rank_growth` computes the rank profile ``r_k = rank H[Sigma^{<=k}, Sigma^{<=k}]``
(:func:`rnnexpr.hankel.rank_profile`) and describes its growth on the computed range
``k = 0..max_length``: where the block is still full (``r_k`` = number of words), the
finite differences, the smallest order ``q`` at which they become constant from some
``k0`` on, and the integer-valued polynomial of degree ``q`` that then fits ``r_k``.
This is an *observation on the computed range*, not a theorem: a profile may leave any
polynomial beyond ``max_length`` (see :doc:`/guide/growth` and the theory pages,
:doc:`/theory/index`).  Depth 1 is bounded (the rank of a WFA, order 0); deeper stacks
of linear 2RNN layers grow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .errors import InvalidArgumentError, ModelKindError
from .hankel import RankProfile, rank_profile
from .models import WFA, DepthwiseStack, Stack
from .validation import check_int

__all__ = ["RankGrowth", "rank_growth", "generic_stack", "finite_differences", "fit_polynomial"]


def finite_differences(values: list[int], order: int) -> list[int]:
    """The order-q forward differences: ``D^q[k] = sum_i (-1)^(q-i) binom(q, i) values[k + i]``.

    Parameters
    ----------
    values : list of int
    order : int
        q >= 0 (``D^0`` is ``values``).

    Returns
    -------
    list of int
        Length ``len(values) - order`` (empty when that is not positive).

    Examples
    --------
    >>> finite_differences([1, 3, 7, 13, 21], 2)
    [2, 2, 2]
    """
    q = check_int(order, "order", minimum=0)
    out = [int(v) for v in values]
    for _ in range(q):
        out = [b - a for a, b in zip(out, out[1:], strict=False)]
    return out


def fit_polynomial(points: list[tuple[int, int]]) -> list[Fraction]:
    """Coefficients ``c_0..c_q`` (low degree first) of the polynomial through ``q + 1`` points, exactly.

    Parameters
    ----------
    points : list of (int, int)
        Distinct abscissas.

    Returns
    -------
    list of Fraction

    Examples
    --------
    >>> [str(c) for c in fit_polynomial([(0, 1), (1, 3), (2, 7)])]   # k^2 + k + 1
    ['1', '1', '1']
    """
    n = len(points)
    coeffs = [Fraction(0)] * n
    for i, (xi, yi) in enumerate(points):
        # Lagrange basis polynomial l_i(x) = prod_{j != i} (x - x_j) / (x_i - x_j).
        basis = [Fraction(1)]
        denom = Fraction(1)
        for j, (xj, _) in enumerate(points):
            if j == i:
                continue
            basis = [Fraction(0)] + basis  # times x
            for t in range(len(basis) - 1):
                basis[t] -= xj * basis[t + 1]
            denom *= xi - xj
        for t in range(n):
            coeffs[t] += Fraction(yi) * basis[t] / denom
    return coeffs


def _poly_str(coeffs: list[Fraction]) -> str:
    terms = []
    for t in range(len(coeffs) - 1, -1, -1):
        c = coeffs[t]
        if c == 0:
            continue
        mono = "" if t == 0 else ("k" if t == 1 else f"k^{t}")
        cs = str(abs(c))
        body = (cs if mono == "" else (mono if abs(c) == 1 else f"{cs} {mono}"))
        sign = "-" if c < 0 else "+"
        terms.append((sign, body))
    if not terms:
        return "0"
    first_sign, first = terms[0]
    out = ("-" if first_sign == "-" else "") + first
    for sign, body in terms[1:]:
        out += f" {sign} {body}"
    return out


@dataclass(frozen=True)
class RankGrowth:
    """The rank profile of a stack and a description of its growth on the computed range.

    Attributes
    ----------
    profile : RankProfile
        The ranks ``r_0..r_K`` with their labels (proven, or lower bound with the
        prime and the error probability).
    word_counts : list of int
        Number of words of length ``<= k`` (the size of the block).
    full_until : int
        Largest k with ``r_j`` = number of words for every ``j <= k`` (-1 if none).
    differences : list of list of int
        ``differences[q]`` = the order-q finite differences of the ranks.
    order : int or None
        The smallest q whose differences are constant on ``k0..K`` (at least
        ``min_run`` values), or None when no order up to ``K - min_run + 1`` is.
    k0 : int or None
        The first k of that constant run (in terms of the ranks: ``r_k`` is the fitted
        polynomial for ``k >= k0``).
    polynomial : list of Fraction or None
        Coefficients (low degree first) of the integer-valued polynomial fitting
        ``r_k`` for ``k0 <= k <= K``.
    depth, widths : int, tuple of int
        Of the stack.
    statement : str
        What the numbers show, labelled as an observation on the computed range.

    Examples
    --------
    >>> from rnnexpr.constructions import t5_witness
    >>> g = rank_growth(t5_witness(), 5); g.order, g.polynomial_string
    (1, 'k + 1')
    """

    profile: RankProfile
    word_counts: list[int]
    full_until: int
    differences: list[list[int]]
    order: int | None
    k0: int | None
    polynomial: list[Fraction] | None
    depth: int
    widths: tuple[int, ...]
    statement: str

    @property
    def ranks(self) -> list[int]:
        """The ranks ``r_0..r_K``."""
        return list(self.profile.ranks)

    @property
    def max_length(self) -> int:
        """K, the largest computed k."""
        return len(self.profile.ranks) - 1

    @property
    def polynomial_string(self) -> str | None:
        """The fitted polynomial in ``k``, as text (None when there is none)."""
        return None if self.polynomial is None else _poly_str(self.polynomial)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serializable dictionary (polynomial coefficients as ``"p/q"`` strings).

        Examples
        --------
        >>> from rnnexpr.constructions import t5_witness
        >>> rank_growth(t5_witness(), 3).to_dict()["ranks"]
        [1, 2, 3, 4]
        """
        return {
            "depth": self.depth,
            "widths": list(self.widths),
            "max_length": self.max_length,
            "ranks": self.ranks,
            "word_counts": list(self.word_counts),
            "proven": list(self.profile.proven),
            "method": self.profile.method,
            "prime": self.profile.prime,
            "error_probability": self.profile.error_probability,
            "full_until": self.full_until,
            "differences": [list(d) for d in self.differences],
            "order": self.order,
            "k0": self.k0,
            "polynomial": None if self.polynomial is None else [str(c) for c in self.polynomial],
            "polynomial_string": self.polynomial_string,
            "statement": self.statement,
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON text.

        Examples
        --------
        >>> from rnnexpr.constructions import t5_witness
        >>> '"order": 1' in rank_growth(t5_witness(), 3).to_json()
        True
        """
        return json.dumps(self.to_dict(), **kwargs)

    def table(self) -> str:
        """A plain-text table: k, words, rank (``*`` = lower bound, not proven), differences of order 1..3.

        Examples
        --------
        >>> from rnnexpr.constructions import t5_witness
        >>> print(rank_growth(t5_witness(), 2).table().splitlines()[0])
        k  words  rank  d1  d2  d3
        """
        qs = [1, 2, 3]
        header = ["k", "words", "rank"] + [f"d{q}" for q in qs]
        rows = []
        for k, r in enumerate(self.ranks):
            cells = [str(k), str(self.word_counts[k]), str(r) + ("" if self.profile.proven[k] else "*")]
            for q in qs:
                dq = self.differences[q] if q < len(self.differences) else []
                cells.append(str(dq[k - q]) if k - q >= 0 and k - q < len(dq) else "")
            rows.append(cells)
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        lines.append(self.statement)
        return "\n".join(lines)


def _describe(ranks: list[int], min_run: int) -> tuple[list[list[int]], int | None, int | None, list[Fraction] | None]:
    K = len(ranks) - 1
    max_order = max(0, K + 1 - min_run)
    diffs = [finite_differences(ranks, q) for q in range(max_order + 2) if q <= K]
    for q in range(0, max_order + 1):
        dq = diffs[q]  # dq[i] uses ranks[i..i+q]; in terms of k = i + q
        if len(dq) < min_run:
            break
        last = dq[-1]
        i0 = len(dq) - 1
        while i0 > 0 and dq[i0 - 1] == last:
            i0 -= 1
        if len(dq) - i0 >= min_run:
            k0 = i0  # ranks[k0..K] agree with a degree-q polynomial
            pts = [(k, ranks[k]) for k in range(k0, k0 + q + 1)]
            poly = fit_polynomial(pts)
            # Trim exact zero leading coefficients (the degree is q when the q-th differences are nonzero).
            while len(poly) > 1 and poly[-1] == 0:
                poly.pop()
            return diffs, q, k0, poly
    return diffs, None, None, None


def rank_growth(model: Stack | WFA, max_length: int, *, method: str | None = None, seed: int = 0,
                max_entries: int | None = None, min_run: int = 3, rounds: int = 1) -> RankGrowth:
    """The Hankel-rank profile of a stack and how it grows with k, on ``k = 0..max_length``.

    Parameters
    ----------
    model : Stack or WFA
        A stack of linear 2RNN (or linear RNN) layers on one-hot inputs, or a WFA.
    max_length : int
        The largest k (>= 0).
    method : {"modular", "exact"}, optional
        ``"modular"`` (default): ranks over GF(p) for a random prime, each proven
        when it reaches its upper bound (then it is the rank over Q), else a lower
        bound with the error probability stated.  ``"exact"``: every rank over Q
        (:func:`rnnexpr.hankel.rank_profile`; may refuse with
        :class:`~rnnexpr.errors.SizeLimitError` on large rank-deficient blocks).
    seed : int
        Seed of the prime and of the random sketches.
    max_entries : int, optional
        Budget passed to :func:`rnnexpr.hankel.rank_profile`.
    min_run : int
        How many consecutive equal differences count as "constant" (>= 2).
    rounds : int
        Independent modular repetitions (see :func:`rnnexpr.hankel.rank_profile`):
        the error probability of the ranks not proven is the product of theirs.

    Returns
    -------
    RankGrowth

    Raises
    ------
    ModelKindError
        For a depth-wise nonlinear stack (its Hankel blocks are not those of a
        linear 2RNN stack) or anything that is not a Stack or a WFA.
    InvalidArgumentError, InvalidTypeError
        On a negative or non-integer ``max_length``, or a bad ``min_run``.

    Examples
    --------
    >>> g = rank_growth(generic_stack([1, 1], 2, seed=1), 7)
    >>> g.ranks, g.order, g.polynomial_string
    ([1, 2, 3, 4, 5, 6, 7, 8], 1, 'k + 1')
    """
    if isinstance(model, DepthwiseStack):
        raise ModelKindError(
            "model: expected a stack of linear 2RNN layers or a WFA, got a DepthwiseStack (a nonlinearity between "
            "layers: its Hankel blocks are not those of the lifted factorization)"
        )
    if not isinstance(model, Stack | WFA):
        raise ModelKindError(f"model: expected a Stack or a WFA, got {type(model).__name__}")
    K = check_int(max_length, "max_length", minimum=0)
    min_run = check_int(min_run, "min_run", minimum=2)
    if method is None:
        method = "modular"
    if method not in ("modular", "exact"):
        raise InvalidArgumentError(f"method: expected 'modular' or 'exact', got {method!r}")
    exact_model = model if model.is_exact else model.to_exact()
    prof = rank_profile(exact_model, K, method=method, seed=seed, max_entries=max_entries, rounds=rounds)
    d = model.alphabet_size
    words = [k + 1 if d == 1 else (d ** (k + 1) - 1) // (d - 1) for k in range(K + 1)]
    full_until = -1
    for k in range(K + 1):
        if prof.ranks[k] != words[k]:
            break
        full_until = k
    diffs, order, k0, poly = _describe(prof.ranks, min_run)
    depth = 1 if isinstance(model, WFA) else model.depth
    widths = (model.num_states,) if isinstance(model, WFA) else tuple(model.widths)
    label = "proven over Q" if all(prof.proven) else (
        f"{sum(prof.proven)} of {K + 1} ranks proven, the others lower bounds mod p={prof.prime} "
        f"(exact except with probability <= {prof.error_probability:.1e})")
    if order is None:
        shape = ("the block is full (rank = number of words) on the whole range" if full_until == K
                 else f"no order of finite differences up to {max(0, K + 1 - min_run)} is constant on "
                      f"{min_run} or more values")
    elif order == 0:
        shape = f"the rank is constant, {prof.ranks[-1]}, from k = {k0} on (bounded)"
    else:
        assert k0 is not None and poly is not None  # _describe finds the order, k0 and the polynomial together
        shape = (f"the order-{order} differences are constant from k = {k0 + order} on: r_k = "
                 f"{_poly_str(poly)} for {k0} <= k <= {K} (polynomial growth of order {order})")
    statement = (f"Observation on the computed range k <= {K}, not a theorem: {shape}; block full up to "
                 f"k = {full_until}; {label}.")
    return RankGrowth(prof, words, full_until, diffs, order, k0, poly, depth, widths, statement)


def generic_stack(widths: list[int] | tuple[int, ...], alphabet_size: int = 2, *, kind: str = "pure",
                  seed: int = 0, bound: int = 64) -> Stack:
    """A stack of linear 2RNN layers with random nonzero integer parameters in ``[-bound, bound]``.

    Every parameter (A, the initial states, the readout, and U, V, b with
    ``kind="2rnn"``) is drawn uniformly among the nonzero integers of the range,
    so no entry vanishes by accident (small-rational draws with zeros make
    degenerate profiles) and exact arithmetic stays cheap.  The profiles of such
    stacks are *observed* to be those of generic parameters (see
    :doc:`/guide/growth`); that is not proven for any one draw.

    Parameters
    ----------
    widths : sequence of int
        Widths of the layers, at least one.
    alphabet_size : int
        d >= 1 (one-hot inputs).
    kind : {"pure", "2rnn"}
        Bilinear term only, or all four terms.
    seed : int
    bound : int
        Largest absolute value.

    Returns
    -------
    Stack
        Exact (integer) parameters, one output.

    Examples
    --------
    >>> generic_stack([2, 2], 2, seed=0).widths
    (2, 2)
    """
    import numpy as np

    from .models import Linear2RNNLayer

    ws = [check_int(w, "widths", minimum=1) for w in widths] if isinstance(widths, list | tuple) else None
    if not ws:
        raise InvalidArgumentError(f"widths: expected a non-empty list of positive widths, got {widths!r}")
    d = check_int(alphabet_size, "alphabet_size", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    bound = check_int(bound, "bound", minimum=1)
    if kind not in ("pure", "2rnn"):
        raise InvalidArgumentError(f"kind: expected 'pure' or '2rnn', got {kind!r}")
    rng = np.random.default_rng(seed)

    def draw(*shape: int) -> list:
        v = rng.integers(1, bound + 1, size=shape) * rng.choice([-1, 1], size=shape)
        return v.astype(object).tolist()

    layers = []
    m = d
    for n in ws:
        A, h0 = draw(n, m, n), draw(n)
        if kind == "2rnn":
            U, V, b = draw(n, m), draw(n, n), draw(n)  # drawn after A and h0, as always (same seed, same stack)
            layers.append(Linear2RNNLayer(A=A, U=U, V=V, b=b, h0=h0))
        else:
            layers.append(Linear2RNNLayer(A=A, h0=h0))
        m = n
    return Stack(layers, C=draw(1, ws[-1]))
