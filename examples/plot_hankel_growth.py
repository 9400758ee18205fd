"""
Hankel-rank growth with depth
=============================

The rank :math:`r_k` of the Hankel block :math:`H[\\Sigma^{\\le k}, \\Sigma^{\\le k}]`
of a stack of linear 2RNN layers, for depths 1 to 4 at widths 1 and 2 (pure
layers, random nonzero integer parameters, :func:`rnnexpr.growth.generic_stack`),
computed by :func:`rnnexpr.growth.rank_growth` when this page is built: every
number below is printed by this script.  Each rank is computed mod a random
31-bit prime; a rank equal to its upper bound ``min(#words, r_k)`` is *proven* over
Q, the others are lower bounds, exact except with the probability printed
(two independent rounds).

The description of each curve (the smallest order of finite differences that is
constant from some :math:`k_0` on, and the polynomial it gives) is an
*observation on the computed range*, not a theorem.  See :doc:`/guide/growth`.
"""

# %%
# Rank profiles, depth 1 to 4, widths 1 and 2
# -------------------------------------------
import matplotlib.pyplot as plt

from rnnexpr.growth import generic_stack, rank_growth

K = {1: 10, 2: 8}  # the largest k per width (width-2 blocks are full: 2^(k+1) - 1 rows)
results = {}
for width in (1, 2):
    for depth in (1, 2, 3, 4):
        g = rank_growth(generic_stack([width] * depth, 2, seed=0), K[width], rounds=2)
        results[width, depth] = g
        order = "none (full on the range)" if g.order is None else f"{g.order}: r_k = {g.polynomial_string}"
        print(f"width {width} depth {depth}: ranks {g.ranks}")
        print(f"    observed order {order}; proven {sum(g.profile.proven)}/{len(g.ranks)}, "
              f"error probability <= {g.profile.error_probability:.0e}")

# %%
# One log-log figure
# ------------------
# On log-log axes a polynomial of order q is a line of slope q; a full block
# (rank = number of words, :math:`2^{k+1} - 1`) bends upwards.
fig, ax = plt.subplots(figsize=(6.5, 4.2))
styles = {1: "o-", 2: "s-", 3: "D-", 4: "^-"}
for (width, depth), g in results.items():
    ks = [k + 1 for k in range(len(g.ranks))]
    order = "full" if g.order is None else f"order {g.order}"
    ax.loglog(ks, g.ranks, styles[depth], color="C0" if width == 1 else "C1", alpha=0.45 + 0.13 * depth,
              label=f"width {width}, depth {depth} ({order})")
words = [2 ** (k + 1) - 1 for k in range(K[1] + 1)]
ax.loglog([k + 1 for k in range(K[1] + 1)], words, ":", color="0.5", label="number of words")
ax.set_xlabel("k + 1 (words of length at most k)")
ax.set_ylabel(r"rank of $H[\Sigma^{\leq k}, \Sigma^{\leq k}]$")
ax.set_title("Hankel-rank growth with depth (observed on the computed range)")
ax.legend(fontsize=7, ncol=2)
fig.tight_layout()
plt.show()

# %%
# Depth against width at (at most) the same number of parameters
# ---------------------------------------------------------------
# A pure layer of width n reading inputs of dimension m has n m n + n
# parameters (A and h0); the readout has n_L.  We compare a depth-3 stack with
# the best depth-2 and depth-1 shapes (largest rank at k = 6) among those with
# at most as many parameters.  Random parameters are *observed* to give the
# generic (largest) profile of their shape; that is not proven here, so the
# comparison is an observation, not a separation theorem.


def parameters(widths, d=2):
    total, m = 0, d
    for n in widths:
        total, m = total + n * m * n + n, n
    return total + widths[-1]


deep = (2, 2, 2)
budget = parameters(deep)
g = rank_growth(generic_stack(list(deep), 2, seed=1), 6, rounds=2)
print(f"depth 3, widths {deep}: {budget} parameters, ranks {g.ranks}, proven {sum(g.profile.proven)}/7")
for depth in (2, 1):
    shapes = [w for w in ([(a,) for a in range(1, 9)] if depth == 1 else
                          [(a, b) for a in range(1, 9) for b in range(1, 9)]) if parameters(w) <= budget]
    profiles = {w: rank_growth(generic_stack(list(w), 2, seed=1), 6, rounds=2) for w in shapes}
    best = max(shapes, key=lambda w: (profiles[w].ranks[-1], -parameters(w)))
    gb = profiles[best]
    print(f"depth {depth}, best of {len(shapes)} shapes, widths {best}: {parameters(best)} parameters, "
          f"ranks {gb.ranks}, proven {sum(gb.profile.proven)}/7")
