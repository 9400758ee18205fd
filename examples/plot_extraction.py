"""
Extracting WFAs from a trained tanh RNN and a trained LSTM
==========================================================

A nonlinear network is not a WFA, but it may be close to one.
:func:`rnnexpr.extraction.extract` treats a trained model as a black box: it
queries it on every word of length <= 2K + 1 (prefixes and suffixes of length
<= K), estimates the numerical rank profile of the Hankel block, learns a WFA by
the spectral method, and reports for every size n the held-out error of the
spectral WFA of size n against the network, next to the Eckart--Young lower
bound: no WFA with n states is closer to the network on the queried block.

Both networks here are trained in a few seconds (seeded) to imitate a 3-state
WFA on words over two symbols.
"""

# %%
# The task and the two networks
# -----------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch

from rnnexpr.extraction import extract
from rnnexpr.models import random_wfa

target = random_wfa(3, 2, seed=1)
rng = np.random.default_rng(0)
T = 6
words = rng.integers(0, 2, size=(128, T))
x = torch.nn.functional.one_hot(torch.from_numpy(words), 2).to(torch.float64)
y = torch.tensor(np.array([target.values([tuple(w[: t + 1]) for t in range(T)]) for w in words.tolist()]))


def train(cell: type, width: int = 6, steps: int = 120):
    torch.manual_seed(0)
    rnn = cell(2, width, batch_first=True, dtype=torch.float64)
    head = torch.nn.Linear(width, 1, dtype=torch.float64)
    opt = torch.optim.Adam([*rnn.parameters(), *head.parameters()], lr=0.03)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((head(rnn(x)[0])[..., 0] - y) ** 2).mean()
        loss.backward()
        opt.step()
    print(f"{cell.__name__}: training loss {loss.item():.2e}")
    return rnn, head


networks = {"tanh RNN": train(torch.nn.RNN), "LSTM": train(torch.nn.LSTM)}

# %%
# Extraction
# ----------
# Prefixes and suffixes of length <= 3 (127 queried words), ranks at relative
# tolerance 1e-3 (the networks are trained to about that accuracy), held-out
# words of length up to 10, longer than any queried word.
results = {}
for name, (rnn, head) in networks.items():
    results[name] = extract(rnn, readout=head, max_length=3, rtol=1e-3, sizes=range(1, 13), seed=0)
    print(f"--- {name}")
    print(results[name].describe())

# %%
# Held-out error against the lower bound
# --------------------------------------
# The lower bound (dashed) holds for every WFA of that size on the queried
# block, and the spectral WFA's own block error never goes below it; its
# held-out error (solid) is measured on other, longer words. Where both
# flatten, the network is as close to a WFA of that size as its training
# allowed.
fig, ax = plt.subplots(figsize=(6, 3.6))
for (name, r), color in zip(results.items(), ["C0", "C1"], strict=True):
    ax.semilogy(r.profile.sizes, r.profile.held_out_errors, "o-", color=color, label=f"{name}: held-out error")
    ax.semilogy(r.profile.sizes, r.profile.lower_bounds, "s--", color=color, label=f"{name}: Eckart-Young bound")
ax.set_xlabel("WFA size n")
ax.set_ylabel("relative error")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
