"""
Hankel rank profiles: depth 1 plateaus, depth 2 grows
=====================================================

The Hankel matrix of :math:`f : \\Sigma^* \\to \\mathbb{R}` is
:math:`H[u, v] = f(uv)`; the rank of the block over all prefixes and suffixes
of length at most :math:`k` is a lower bound on the number of states of any
weighted automaton computing :math:`f` (Fliess), hence, by T3, on the width of
any one-layer linear 2RNN computing it.

* A depth-1 linear 2RNN with :math:`n` units is a WFA with :math:`n` states
  (pure) or :math:`n+1` states (with :math:`U, V, b`): its profile **plateaus**.
* A depth-2 stack is not a WFA in general (T5): its profile keeps **growing**,
  within the bound :math:`\\sum_{j \\le k} n_2 \\binom{n_1 + j - 1}{j}` that
  comes from the factorization :math:`f(uv) = \\langle G_v, \\phi_{|v|}(u)\\rangle`.

:func:`rnnexpr.hankel.rank_profile` computes the exact ranks from that
factorization, from bases of prefix features and suffix functionals, without
forming the :math:`|\\Sigma^{\\le k}| \\times |\\Sigma^{\\le k}|` blocks.
"""

# %%
# Exact rank profiles
# -------------------
from math import comb

import matplotlib.pyplot as plt

from rnnexpr.constructions import t5_witness
from rnnexpr.hankel import rank_profile
from rnnexpr.models import random_stack

K = 5
models = {
    "depth 1, width 3, pure": random_stack([3], input_dim=2, kind="pure", seed=0, exact=True),
    "depth 1, width 3, all terms": random_stack([3], input_dim=2, seed=0, exact=True),
    "depth 2, widths (2, 2), pure": random_stack([2, 2], input_dim=2, kind="pure", seed=0, exact=True),
    "T5 witness (unary, widths (1, 1))": t5_witness(),
}
profiles = {name: rank_profile(model, K) for name, model in models.items()}
for name, prof in profiles.items():
    assert prof.exact
    print(f"{name:36s} ranks {prof.ranks}")

# %%
# Plateau against growth
# ----------------------
# Dashed: the factorization bound for widths (2, 2), and the number of words of
# length at most k over two symbols (no block can have a larger rank).
ks = list(range(K + 1))
bound = [sum(2 * comb(2 + j - 1, j) for j in range(k + 1)) for k in ks]
words = [2 ** (k + 1) - 1 for k in ks]
fig, ax = plt.subplots(figsize=(6.5, 4))
for (name, prof), style in zip(profiles.items(), ["o-", "s-", "D-", "^-"]):
    ax.plot(ks, prof.ranks, style, label=name)
ax.plot(ks, bound, "k--", lw=0.8, label=r"$\sum_{j\leq k} n_2\binom{n_1+j-1}{j}$, widths (2, 2)")
ax.plot(ks, words, ":", color="0.5", label=r"$|\Sigma^{\leq k}|$, two symbols")
ax.set_xlabel("k (prefixes and suffixes of length at most k)")
ax.set_ylabel(r"exact rank of $H[\Sigma^{\leq k}, \Sigma^{\leq k}]$")
ax.set_ylim(0, 45)
ax.set_title("Hankel rank profiles")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
