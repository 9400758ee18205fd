"""Brute-force oracles: literal, loop-by-loop implementations of the definitions.

They share no code with the package's vectorized paths, so agreement is evidence.
Slow by design; only for small cases.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np


def _F(v):
    return v if isinstance(v, Fraction) else Fraction(v)


def literal_layer_step(layer, h, z):
    """h_t = A x1 h x2 z + U z + V h + b, entry by entry with Fractions."""
    n, m = layer.width, layer.input_dim
    out = []
    for k in range(n):
        acc = Fraction(0)
        if layer.A is not None:
            for i in range(n):
                for j in range(m):
                    acc += _F(layer.A[i, j, k]) * h[i] * z[j]
        if layer.U is not None:
            for j in range(m):
                acc += _F(layer.U[k, j]) * z[j]
        if layer.V is not None:
            for i in range(n):
                acc += _F(layer.V[k, i]) * h[i]
        if layer.b is not None:
            acc += _F(layer.b[k])
        out.append(acc)
    return out


def literal_stack_outputs(stack, xs, activation=None):
    """All outputs y_1..y_T of a Stack (or DepthwiseStack with `activation`) on one sequence."""
    states = [[_F(v) for v in layer.initial_state] for layer in stack.layers]
    ys = []
    for x in xs:
        z = [_F(v) for v in x]
        for li, layer in enumerate(stack.layers):
            if li > 0 and activation is not None:
                z = [activation(v) for v in z]
            states[li] = literal_layer_step(layer, states[li], z)
            z = states[li]
        top = z
        if activation is not None and getattr(stack, "readout_activation", False):
            top = [activation(v) for v in top]
        y = []
        for p in range(stack.C.shape[0]):
            acc = sum((_F(stack.C[p, i]) * top[i] for i in range(len(top))), Fraction(0))
            if stack.c is not None:
                acc += _F(stack.c[p])
            y.append(acc)
        ys.append(y)
    return ys


def literal_word_value(stack, word):
    """f(word) = final output after the word (one-hot inputs); the empty word reads h_0."""
    d = stack.input_dim
    if not word:
        top = [_F(v) for v in stack.layers[-1].initial_state]
        return [
            sum((_F(stack.C[p, i]) * top[i] for i in range(len(top))), Fraction(0))
            + (_F(stack.c[p]) if stack.c is not None else 0)
            for p in range(stack.C.shape[0])
        ]
    xs = [[1 if j == s else 0 for j in range(d)] for s in word]
    return literal_stack_outputs(stack, xs)[-1]


def literal_wfa_value(wfa, word):
    """alpha^T A_{s1} ... A_{sT} omega with Fractions, entry by entry."""
    n = wfa.num_states
    v = [_F(a) for a in wfa.alpha]
    for s in word:
        v = [sum((v[i] * _F(wfa.A[i, s, j]) for i in range(n)), Fraction(0)) for j in range(n)]
    return sum((v[i] * _F(wfa.omega[i]) for i in range(n)), Fraction(0))


def all_words(alphabet_size, max_len):
    """Every word of length 0..max_len, shortest first."""
    return [w for k in range(max_len + 1) for w in itertools.product(range(alphabet_size), repeat=k)]


def brute_force_per_sequence_float(stack, x):
    """Per-sequence, per-time-step float loop (benchmark baseline): shape (batch, T, p)."""
    batch, T, _ = x.shape
    out = np.empty((batch, T, stack.output_dim))
    for b in range(batch):
        hs = [np.array(layer.initial_state, dtype=float) for layer in stack.layers]
        for t in range(T):
            z = x[b, t]
            for li, layer in enumerate(stack.layers):
                h = hs[li]
                new = np.zeros(layer.width)
                if layer.A is not None:
                    new += np.einsum("i,j,ijk->k", h, z, layer.A)
                if layer.U is not None:
                    new += layer.U @ z
                if layer.V is not None:
                    new += layer.V @ h
                if layer.b is not None:
                    new += layer.b
                hs[li] = new
                z = new
            out[b, t] = stack.C @ z + (0 if stack.c is None else stack.c)
    return out


# --- tensor trains (tests/test_tt.py, benchmarks/bench_tt_ranks.py) --------------------------


def brute_force_slice(value, alphabet_size, length):
    """The full tensor F[s_1..s_T] = value(word) of a length-T slice, word by word (object array)."""
    F = np.empty((alphabet_size,) * length, dtype=object)
    for word in itertools.product(range(alphabet_size), repeat=length):
        F[word] = value(list(word))
    return F


def literal_hankel_block(value, alphabet_size, t, length):
    """H[u, v] = value(uv) for u in Sigma^t, v in Sigma^(T-t), both in lexicographic order."""
    prefixes = list(itertools.product(range(alphabet_size), repeat=t))
    suffixes = list(itertools.product(range(alphabet_size), repeat=length - t))
    return [[value(list(u) + list(v)) for v in suffixes] for u in prefixes]


def oracle_exact_rank(M) -> int:
    """Rank over Q, independent of rnnexpr's kernels: rows scaled to integers, then python-flint's
    fmpz_mat rank when installed, else sympy's Matrix.rank."""
    rows = []
    for row in np.asarray(M, dtype=object):
        fr = [_F(v) for v in row]
        q = math.lcm(*(v.denominator for v in fr)) if fr else 1
        rows.append([int(v * q) for v in fr])
    if not rows or not rows[0]:
        return 0
    try:
        import flint
    except ImportError:  # pragma: no cover - depends on the environment
        import sympy

        return int(sympy.Matrix(rows).rank())
    Z = flint.fmpz_mat(rows)
    return int((Z if len(rows) >= len(rows[0]) else Z.transpose()).rank())


def unfolding_ranks(full, exact=True, rtol=None):
    """(1, rank of unfolding 1, ..., rank of unfolding T-1, 1) of a full tensor."""
    from rnnexpr.exact import numerical_rank

    dims = full.shape
    ranks = [1]
    for t in range(1, len(dims)):
        M = full.reshape(int(np.prod(dims[:t])), -1)
        ranks.append(oracle_exact_rank(M) if exact else numerical_rank(M.astype(float), rtol=rtol, warn=False).rank)
    return tuple(ranks + [1])


def tt_svd_ranks(full, rtol):
    """TT-SVD (Oseledets) on the full tensor with truncation at rtol * ||F||: true numerical ranks.

    The slow baseline: d^T entries and one SVD per mode of matrices with up to d^(T-1) columns.
    """
    full = np.asarray(full, dtype=float)
    dims = full.shape
    norm = np.linalg.norm(full)
    ranks = [1]
    rest = full.reshape(dims[0], -1)
    r = 1
    for t in range(len(dims) - 1):
        rest = rest.reshape(r * dims[t], -1)
        U, s, Vt = np.linalg.svd(rest, full_matrices=False)
        k = int(np.sum(s > rtol * norm))
        ranks.append(k)
        rest = s[:k, None] * Vt[:k]
        r = k
    return tuple(ranks + [1])


def line_degree_oracle(outputs, a, b, max_degree):
    """Degree over Q of s -> y(a + s b), by exact finite differences of literal evaluations.

    `outputs(xs)` returns y_T (a Fraction) on one input sequence xs (T x d lists);
    a, b are T x d lists of Fractions. Evaluates at s = 0..max_degree (max_degree must bound
    the degree). Returns -1 for the zero polynomial.
    """
    vals = []
    for s in range(max_degree + 1):
        xs = [[_F(a[t][j]) + s * _F(b[t][j]) for j in range(len(a[t]))] for t in range(len(a))]
        vals.append(_F(outputs(xs)))
    deg = 0 if vals[0] != 0 else -1
    for k in range(1, len(vals)):
        vals = [vals[i + 1] - vals[i] for i in range(len(vals) - 1)]
        if vals[0] != 0:
            deg = k
    return deg


# --- Hankel ranks (tests/test_hankel.py, benchmarks/bench_hankel_rank.py, bench_rank_profile.py) ---


def brute_force_rank_profile(model, max_len, exact=True, rtol=None):
    """Rank of the full block over all words of length <= k, for k = 0..max_len (words enumerated)."""
    from rnnexpr.exact import numerical_rank

    d = model.input_dim if hasattr(model, "input_dim") else model.alphabet_size
    ranks = []
    for k in range(max_len + 1):
        words = all_words(d, k)
        vals = model.values([list(u) + list(v) for u in words for v in words], exact=exact)
        H = np.asarray(vals, dtype=object if exact else float).reshape(len(words), len(words))
        ranks.append(oracle_exact_rank(H) if exact else numerical_rank(H, rtol=rtol, warn=False).rank)
    return ranks


def naive_hankel_rank(model, exact=True, rtol=None, max_length=12):
    """Rank of the Hankel block over words up to length k, growing k (benchmark baseline).

    Returns (rank, k).  The answer is final only when it is: the rank of an n-state
    WFA is at most n, so reaching n ends the search; otherwise words of length <= n - 1
    span both the reachable and the observable space, so k = n - 1 ends it.  (Stopping
    when the rank stalls from k to k + 1 is not enough: prefixes and suffixes grow
    together, and a stall can be followed by growth.)  Raises when ``max_length`` is
    reached before either, rather than returning a rank that may be too small.
    Costs |Sigma|^(2k) evaluations.
    """
    from rnnexpr.exact import numerical_rank

    d = model.alphabet_size
    n = model.num_states
    r = 0
    for k in range(max_length + 1):
        words = all_words(d, k)
        vals = model.values([list(u) + list(v) for u in words for v in words], exact=exact)
        H = np.asarray(vals, dtype=object if exact else float).reshape(len(words), len(words))
        r = oracle_exact_rank(H) if exact else numerical_rank(H, rtol=rtol, warn=False).rank
        if r == n or k >= n - 1:
            return r, k
    raise RuntimeError(f"naive_hankel_rank: rank {r} < {n} states at max_length={max_length}; not final")


def literal_rank_profile(model, max_length):
    """Ranks of the literal Hankel blocks H[words <= k, words <= k], k = 0..max_length.

    Every entry by the literal recurrence (:func:`literal_word_value`), every rank by
    :func:`oracle_exact_rank` (python-flint or sympy directly): nothing of rnnexpr's
    kernels is involved, so the profile can judge them.
    """
    d = model.alphabet_size
    out = []
    for k in range(max_length + 1):
        words = all_words(d, k)
        H = np.array([[literal_word_value(model, list(u) + list(v))[0] for v in words] for u in words], dtype=object)
        out.append(oracle_exact_rank(H))
    return out
