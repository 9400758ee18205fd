"""
A linear RNN stack is one block lower-triangular layer
======================================================

Statement T1: a stack of linear RNN layers of widths :math:`n_1, \\dots, n_L`
computes exactly what one linear RNN layer of width :math:`\\sum_l n_l`
computes. The joint state :math:`[h^{(1)}; \\dots; h^{(L)}]` follows a
recurrence whose matrix is block lower-triangular: layer :math:`l` sees the
*new* state of layer :math:`l-1`, so its block row is the row above multiplied
by :math:`U_l`, plus :math:`V_l` on the diagonal.

:func:`rnnexpr.constructions.collapse` builds that layer, in exact arithmetic.
"""

# %%
# Collapse a random stack of three layers
# ---------------------------------------
import matplotlib.pyplot as plt
import numpy as np

from rnnexpr.constructions import collapse
from rnnexpr.models import random_stack

stack = random_stack([2, 3, 2], input_dim=2, kind="linear", seed=0, exact=True)
layer = collapse(stack)
print(stack)
print(layer)

# %%
# The collapsed layer computes the same outputs, exactly
# ------------------------------------------------------
# Rational inputs, rational arithmetic: equality, not closeness.
rng = np.random.default_rng(0)
x = [[f"{int(rng.integers(-5, 6))}/{int(rng.integers(1, 5))}" for _ in range(2)] for _ in range(12)]
same = (stack.run(x, exact=True) == layer.run(x, exact=True)).all()
print("same outputs on 12 rational inputs:", same)
assert same

# %%
# Agreement on a few inputs is evidence; agreement on *every* input follows from
# finitely many exact identities (Markov parameters and free responses,
# Cayley--Hamilton), checked by :func:`rnnexpr.linear_systems.equivalent`.
from rnnexpr.linear_systems import equivalent  # noqa: E402

result = equivalent(stack, layer)
print("equivalent on every input:", result.equivalent)
assert result.equivalent

# %%
# The recurrence matrix and the input matrix
# ------------------------------------------
# White cells are exact zeros: everything above the block diagonal of V.
V = np.array(layer.layers[0].V, dtype=float)
U = np.array(layer.layers[0].U, dtype=float)
edges = np.cumsum(stack.widths)[:-1] - 0.5
fig, axes = plt.subplots(1, 2, figsize=(7, 3.4), layout="constrained",
                         gridspec_kw={"width_ratios": [V.shape[1], U.shape[1] + 1]})
lim = max(np.abs(V).max(), np.abs(U).max())  # one colour scale for both matrices
for ax, M, title in ((axes[0], V, "V (joint recurrence)"), (axes[1], U, "U (input)")):
    masked = np.ma.masked_where(M == 0, M)
    image = ax.imshow(masked, cmap="RdBu_r", vmin=-lim, vmax=lim)
    for e in edges:
        ax.axhline(e, color="k", lw=1)
        if M is V:
            ax.axvline(e, color="k", lw=1)
    ax.set_title(title)
    ax.set_xticks(range(M.shape[1]))
    ax.set_yticks(range(M.shape[0]))
fig.colorbar(image, ax=list(axes), shrink=0.85, label="entry (white: exactly 0)")
fig.suptitle("Stack of widths (2, 3, 2) as one linear RNN layer of width 7")
plt.show()
