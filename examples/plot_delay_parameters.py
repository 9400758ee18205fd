"""
Depth buys memory per parameter: the delay copy
===============================================

Statement T2. The delay :math:`y_t = x_{t-k}` on scalar inputs needs a single
linear RNN layer of width at least :math:`k+1`: the Hankel matrix of its impulse
response (:math:`M_j = 1` if :math:`j = k`, else 0) has rank :math:`k+1`, which
is the minimal width of any equivalent layer (Ho--Kalman). So one layer needs at
least :math:`(k+1)^2` recurrent parameters. A stack of :math:`k` layers of width
2, each delaying by one step, needs :math:`O(k)`.

The two networks are :func:`rnnexpr.constructions.delay_network_shallow` and
:func:`rnnexpr.constructions.delay_network_deep`; their parameter counts come
from :func:`rnnexpr.constructions.delay_parameter_counts`.
"""

# %%
# Both networks compute the delay, exactly
# ----------------------------------------
import matplotlib.pyplot as plt

from rnnexpr.constructions import delay_network_deep, delay_network_shallow, delay_parameter_counts
from rnnexpr.exact import exact_rank

k = 4
x = [[v] for v in [3, -1, 4, 1, -5, 9, 2, -6, 5, 3]]
expected = [0] * k + [v[0] for v in x[:-k]]
for net in (delay_network_shallow(k), delay_network_deep(k)):
    y = net.run(x, exact=True)[:, 0].tolist()
    print(f"widths {net.widths}: y = {[int(v) for v in y]}")
    assert y == expected

# %%
# The single-layer lower bound is an exact Hankel rank
# ----------------------------------------------------
# The impulse response of the deep network (its output on a unit impulse, the
# Markov parameters M_j) is the unit vector at lag k; its Hankel matrix
# H[i, j] = M_{i+j} is an anti-diagonal block of rank k + 1.
impulse_input = [[1]] + [[0]] * (2 * k + 2)
M = [int(v) for v in delay_network_deep(k).run(impulse_input, exact=True)[:, 0]]
print("Markov parameters:", M)
H = [[M[i + j] for j in range(k + 2)] for i in range(k + 2)]
print("Hankel rank of the impulse response:", exact_rank(H).describe())
assert exact_rank(H).rank == k + 1

# %%
# The deep network, collapsed (T1), is one layer of width 2k; its minimal
# realization has the McMillan degree k + 1, the width the shallow network uses.
from rnnexpr.linear_systems import mcmillan_degree  # noqa: E402

print("McMillan degree of the deep network:", mcmillan_degree(delay_network_deep(k)).describe())
assert mcmillan_degree(delay_network_deep(k)).rank == k + 1

# %%
# Parameters needed against the delay
# -----------------------------------
delays = list(range(1, 21))
counts = [delay_parameter_counts(d) for d in delays]
fig, ax = plt.subplots(figsize=(6, 4))
assert all(c.shallow_recurrent == (c.delay + 1) ** 2 for c in counts)  # the single-layer lower bound, attained
ax.plot(delays, [c.shallow_recurrent for c in counts], "o-", label="one layer, width k+1 (recurrent): $(k+1)^2$, the minimum")
ax.plot(delays, [c.shallow_total for c in counts], "o:", color="C0", alpha=0.5, label="one layer (all parameters)")
ax.plot(delays, [c.deep_recurrent for c in counts], "s-", color="C1", label="k layers of width 2 (recurrent)")
ax.plot(delays, [c.deep_total for c in counts], "s:", color="C1", alpha=0.5, label="k layers (all parameters)")
ax.set_xlabel("delay k")
ax.set_ylabel("parameters")
ax.set_yscale("log")
ax.set_xticks(delays[::2])
ax.set_title("Delay copy $y_t = x_{t-k}$: shallow vs deep linear RNNs")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

print(f"{'k':>3} {'shallow':>8} {'deep':>6}")
for c in counts[::4]:
    print(f"{c.delay:>3} {c.shallow_total:>8} {c.deep_total:>6}")
