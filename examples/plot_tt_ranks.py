"""
Tensor-train ranks across the positions of a slice
===================================================

The length-:math:`T` slice of :math:`f`, :math:`F[s_1, \\dots, s_T] = f(s_1
\\cdots s_T)`, is an order-:math:`T` tensor with :math:`d^T` entries. Its
:math:`t`-th TT rank is the rank of the Hankel block between the prefixes of
length :math:`t` and the suffixes of length :math:`T-t`.

* A depth-1 linear 2RNN is a WFA (T3): with :math:`n` units every TT rank is at
  most :math:`n + 1`, flat along the slice.
* A depth-2 stack is not (T5): its slice factors through the lifted features
  :math:`\\phi_m(u) = h^{(2)}_u \\otimes \\mathrm{sym}^m(h^{(1)}_u)`, whose
  dimension grows with the suffix length :math:`m = T - t`, and the ranks grow
  with it.

:func:`rnnexpr.tt.to_tensor_train` builds the exact TT without evaluating any
word, and :func:`rnnexpr.tt.tt_ranks` computes its minimal ranks by TT rounding
over :math:`\\mathbb{Q}` (exact ranks; the full tensor is never formed).
"""

# %%
# Exact tensor trains of two slices
# ---------------------------------
import matplotlib.pyplot as plt

from rnnexpr.constructions import random_depth2_witness
from rnnexpr.models import random_stack
from rnnexpr.tt import to_tensor_train, tt_ranks

T, d = 12, 2
models = {
    "depth 1, width 3 (all terms)": random_stack([3], input_dim=d, seed=0, exact=True),
    "depth 2, widths (2, 2), pure": random_depth2_witness(seed=0, widths=(2, 2), alphabet_size=d),
}
ranks, built = {}, {}
for name, model in models.items():
    tt = to_tensor_train(model, T)
    result = tt_ranks(tt, exact=True)
    assert result.exact
    ranks[name], built[name] = result.ranks, tt.rank
    print(f"{name}\n  ranks of the construction {tt.rank}\n  exact minimal TT ranks    {result.ranks}")

# %%
# Ranks along the slice
# ---------------------
# Dotted: the ranks of the construction (upper bounds); the gray line is
# :math:`\min(d^t, d^{T-t})`, the largest rank any tensor of this shape can have.
positions = list(range(T + 1))
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.plot(positions, [min(d**t, d ** (T - t)) for t in positions], color="0.7", lw=3, label=r"$\min(d^t, d^{T-t})$")
for (name, r), color in zip(ranks.items(), ["C0", "C3"]):
    ax.plot(positions, r, "o-", color=color, label=f"{name}: exact TT rank")
    ax.plot(positions, built[name], ":", color=color, alpha=0.7, label=f"{name}: construction")
ax.set_xlabel("bond t (prefix length)")
ax.set_ylabel("TT rank")
ax.set_ylim(0, 26)
ax.set_title(f"TT ranks of the length-{T} slice, alphabet of size {d}")
ax.legend(fontsize=8, loc="upper left")
fig.tight_layout()
plt.show()
