"""
Polynomial degree grows with depth
==================================

On real inputs the output :math:`y_T` of a depth-:math:`L` linear 2RNN is a
polynomial in :math:`x_1, \\dots, x_T` of total degree at most
:math:`\\binom{T+L-1}{L}`, with equality for generic parameters (statement T4).
A linear RNN stack stays at degree 1, whatever its depth.

We draw random stacks with small rational parameters from fixed seeds and
compute the **exact** degree of :math:`y_T` with :func:`rnnexpr.polydegree.degree`
(symbolic expansion for small polynomials, evaluation modulo primes and
interpolation for larger ones; each result says which, and whether it is
certified).
"""

# %%
# Exact degrees of random stacks
# ------------------------------
from math import comb

import matplotlib.pyplot as plt

from rnnexpr.polydegree import degree, degree_bound
from rnnexpr.models import random_stack

lengths = list(range(1, 11))
depths = [1, 2, 3]
observed = {}
for depth in depths:
    stack = random_stack([2] * depth, input_dim=1, seed=depth, exact=True)
    results = [degree(stack, T) for T in lengths]
    assert all(r.certified for r in results)
    observed[depth] = [r.total for r in results]
    print(f"depth {depth}: degrees {observed[depth]}  ({results[-1].method} at T = {lengths[-1]})")

linear = random_stack([2, 2, 2], input_dim=1, kind="linear", seed=2, exact=True)
linear_degrees = [degree(linear, T).total for T in lengths]
print(f"linear RNN stack of depth 3: degrees {linear_degrees}")

# %%
# Against the bound :math:`\binom{T+L-1}{L}`
# ------------------------------------------
# Markers are the exact degrees, lines the bound of T4. They coincide: random
# rational parameters are generic.
fig, ax = plt.subplots(figsize=(6, 4))
for depth, color in zip(depths, ["C0", "C1", "C2"]):
    ax.plot(lengths, [comb(T + depth - 1, depth) for T in lengths], "-", color=color, alpha=0.5)
    ax.plot(lengths, observed[depth], "o", color=color, label=f"linear 2RNN, depth {depth}")
    assert observed[depth] == [degree_bound(T, depth) for T in lengths]
ax.plot(lengths, linear_degrees, "s--", color="gray", label="linear RNN, depth 3")
ax.set_yscale("log")
ax.set_xlabel("sequence length T")
ax.set_ylabel("total degree of $y_T$")
ax.set_title(r"Exact degree (markers) vs $\binom{T+L-1}{L}$ (lines)")
ax.legend()
fig.tight_layout()
plt.show()
