"""
Train a linear 2RNN stack in torch, export it exactly, certify its ranks
========================================================================

:class:`rnnexpr.torch.TorchStack` is a ``torch.nn.Module`` built from the same
layer definition as :class:`rnnexpr.models.Stack`. We train a small depth-2
linear 2RNN on a task, export it with ``to_rnnexpr(exact=True)`` (every float
parameter becomes the dyadic rational it is, so nothing is rounded), and
certify two exact facts about the *trained* function: its Hankel rank profile
over Q and the TT ranks of one of its slices.
"""

# %%
# A task: the running product of per-symbol gains
# -----------------------------------------------
# Words over two symbols; the target after each step is the product of the
# gains of the symbols read so far (0.5 for symbol 0, 1.5 for symbol 1): a
# one-state WFA, which a linear 2RNN can represent exactly.
import matplotlib.pyplot as plt
import torch

from rnnexpr.hankel import rank_profile
from rnnexpr.torch import TorchStack
from rnnexpr.tt import to_tensor_train, tt_ranks

torch.manual_seed(0)
words = torch.randint(0, 2, (256, 8))
x = torch.nn.functional.one_hot(words, 2).to(torch.float64)
gains = torch.tensor([0.5, 1.5], dtype=torch.float64)
y = gains[words].cumprod(dim=1)[..., None]

net = TorchStack([2, 2], input_dim=2, kind="2rnn")
opt = torch.optim.Adam(net.parameters(), lr=0.03)
losses = []
for _ in range(150):
    opt.zero_grad()
    loss = ((net(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    losses.append(loss.item())
print(f"final training loss {losses[-1]:.2e}")

# %%
# Export, exactly
# ---------------
# The exported stack computes the very function of the network: its float
# evaluation is bit for bit the parameters torch holds, and the exact one is
# that function in rational arithmetic.
exact = net.to_rnnexpr(exact=True)
float_stack = net.to_rnnexpr()
test = [0, 1, 1, 0, 1]
with torch.no_grad():
    torch_value = net(torch.nn.functional.one_hot(torch.tensor([test]), 2).to(torch.float64))[0, -1, 0].item()
print("torch:", torch_value, " rnnexpr float:", float_stack(test), " exact:", float(exact(test, exact=True)))

# %%
# Exact certificates of the trained function
# ------------------------------------------
# The rank of the Hankel block over all words of length <= k, for k = 0..3,
# over Q: a proof, not an estimate. A depth-2 stack is not a WFA in general
# (T5): the ranks may keep growing with k, and for this trained network they
# tell how far it is from the one-state target. The TT ranks of the length-6
# slice are exact too.
profile = rank_profile(exact, 3)
print("exact Hankel rank profile:", list(profile.ranks), "exact:", profile.exact)
tt = tt_ranks(to_tensor_train(exact, length=6))
print("TT ranks of the length-6 slice:", tt.ranks, "exact:", tt.exact)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2))
ax1.semilogy(losses)
ax1.set_xlabel("training step")
ax1.set_ylabel("mean squared error")
ax1.set_title("training in torch")
ax2.plot(range(len(profile.ranks)), profile.ranks, "o-")
ax2.set_xlabel("k (words of length <= k)")
ax2.set_ylabel("exact rank over Q")
ax2.set_title("certified Hankel rank profile")
fig.tight_layout()
plt.show()
