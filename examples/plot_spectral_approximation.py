"""
The best depth-1 approximation of a depth-2 target
===================================================

Statement T5: some depth-2 linear 2RNN stacks are computed by no depth-1 linear
2RNN of any width. How well can a depth-1 model of a given size do?

For a target :math:`f` with Hankel block :math:`H[u, v] = f(uv)`, any WFA with
:math:`n` states (a pure depth-1 linear 2RNN with :math:`n` units, by T3) has a
block of rank at most :math:`n`. By Eckart--Young its relative error on the
block is therefore at least

.. math::

   \\varepsilon_n = \\sqrt{\\textstyle\\sum_{i>n} \\sigma_i^2} \\,/\\, \\|H\\|_F,

a **lower bound** on the error of the best depth-1 model of size :math:`n`.
Spectral learning [BCLQ2014]_ builds an actual model of each size, whose
held-out error is an **upper bound**. :func:`rnnexpr.spectral.depth1_error_profile`
computes both, with the rank of the block in exact arithmetic.
"""

# %%
# Targets: a depth-2 stack, and a depth-1 one for comparison
# ----------------------------------------------------------
import itertools

import matplotlib.pyplot as plt

from rnnexpr.models import random_stack
from rnnexpr.spectral import depth1_error_profile

deep = random_stack([2, 2], input_dim=2, kind="pure", seed=3, exact=True)
shallow = random_stack([3], input_dim=2, kind="pure", seed=0, exact=True)
test_words = [list(w) for k in (3, 4) for w in itertools.product(range(2), repeat=k)]
sizes = list(range(1, 17))

# %%
# Lower bounds on blocks of growing size
# --------------------------------------
# Prefixes and suffixes are all words of length at most ``max_length``. For the
# depth-2 target the exact rank of the block keeps growing with the block (T5),
# so the lower bound stays positive at every size below it; for the depth-1
# target it is 0 from its number of states on.
profiles = {}
for max_length in (2, 3, 4):
    profiles[max_length] = depth1_error_profile(deep, sizes, test_words, max_length=max_length)
    print(f"depth-2 target, words of length <= {max_length}: {profiles[max_length].block_rank.describe()}")
reference = depth1_error_profile(shallow, sizes, test_words, max_length=4)
print(f"depth-1 target (3 units), words of length <= 4: {reference.block_rank.describe()}")

# %%
# Spectral models: the upper bound
# --------------------------------
# Held-out relative error on all words of length 3 and 4. The depth-1 target is
# recovered to rounding error at 3 states. For the depth-2 target every size is
# below the rank of the function, and the truncated models extrapolate badly:
# their errors are orders of magnitude above 1. (Left, the lower bounds of the
# depth-1 target past its rank are SVD rounding noise, about 1e-16: its exact
# rank is 3.)
floor = 1e-17  # zeros drawn at the bottom of the log scale
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.2, 3.8), sharex=True, layout="constrained")
for (max_length, prof), color in zip(profiles.items(), ["C1", "C3", "C5"]):
    ax1.plot(sizes, [max(b, floor) for b in prof.lower_bounds], "o-", color=color, ms=4,
             label=f"depth 2, $|u|, |v| \\leq {max_length}$ (rank {prof.block_rank.rank})")
ax1.plot(sizes, [max(b, floor) for b in reference.lower_bounds], "s--", color="C0", ms=4,
         label=f"depth 1, 3 units (rank {reference.block_rank.rank})")
ax1.set_yscale("log")
ax1.set_xlabel("states n of the depth-1 model")
ax1.set_ylabel(r"lower bound $\varepsilon_n$ (relative)")
ax1.set_title("Best possible depth-1 error\non the block (lower bound)")
ax1.legend(fontsize=8, loc="upper right")

prof = profiles[4]
ax2.plot(sizes, [max(e, floor) for e in prof.held_out_errors], "o-", color="C5", ms=4, label="depth-2 target")
ax2.plot(sizes, [max(e, floor) for e in reference.held_out_errors], "s--", color="C0", ms=4,
         label="depth-1 target")
ax2.set_yscale("log")
ax2.set_xlabel("states n of the spectral model")
ax2.set_ylabel("held-out relative error")
ax2.set_title("Spectral depth-1 model, blocks up to\nlength 4 (upper bound)")
ax2.legend(fontsize=8)
plt.show()
