"""Experiment ``state_tracking`` (T6c): train on short sequences, test on longer ones.

Tasks (labels at every step, inputs uniform random symbols):

* ``parity``: bits, label = number of ones mod 2;
* ``mod3``: bits, label = number of ones mod 3;
* ``s3``: the 6 permutations of 3 points, label = the running product (composition) in S3.

Each has a small exact linear 2RNN (a WFA: permutation matrices acting on the
state).  Models at (nearly) equal parameter counts: a one-layer pure linear 2RNN
(state rescaled to unit norm each step, which for a pure layer without readout
bias changes the logits by a positive factor only and keeps the exported model's
decisions), depth-wise-nonlinear stacks (two linear recurrent layers, ReLU or tanh
between them), and a tanh RNN.  Reported: accuracy of the last-step prediction
at each test length (mean and spread over seeds), and for each trained 2RNN the
numerical Hankel and TT ranks of its exported WFA per class.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..models import Stack
from .analysis import hankel_rank_of, tt_ranks_of
from .harness import match_parameters, progress, seed_everything, summarize, train
from .nets import TanhRNN, TorchDepthwiseStack, TorchStack, count_parameters

FULL = {"tasks": ["parity", "mod3", "s3"], "train_length": 10, "test_lengths": [10, 20, 40, 80, 160],
        "width_2rnn": 6, "steps": 1000, "batch": 64, "lr": 1e-2, "test": 500}
QUICK = {"tasks": ["parity", "mod3", "s3"], "train_length": 4, "test_lengths": [4, 8], "width_2rnn": 3,
         "steps": 10, "batch": 16, "lr": 1e-2, "test": 50}

_PERMS = list(itertools.permutations(range(3)))
_PERM_INDEX = {p: i for i, p in enumerate(_PERMS)}
#: _COMPOSE[a, b] = index of the permutation  i -> a(b(i))  (apply b, then a).
_COMPOSE = np.array([[_PERM_INDEX[tuple(_PERMS[a][_PERMS[b][i]] for i in range(3))] for b in range(6)]
                     for a in range(6)])

TASKS = {"parity": (2, 2), "mod3": (2, 3), "s3": (6, 6)}  # name -> (alphabet size, classes)


def labels(task: str, words: np.ndarray) -> np.ndarray:
    """Prefix labels of each word: shape ``(batch, T)``.

    Examples
    --------
    >>> labels("mod3", np.array([[1, 1, 0, 1]])).tolist()
    [[1, 2, 2, 0]]
    >>> labels("s3", np.array([[1, 1]])).tolist()  # a transposition twice is the identity
    [[1, 0]]
    """
    if task == "parity":
        return np.cumsum(words, axis=1) % 2
    if task == "mod3":
        return np.cumsum(words, axis=1) % 3
    if task == "s3":
        out = np.empty_like(words)
        state = np.zeros(words.shape[0], dtype=words.dtype)  # identity permutation has index 0
        for t in range(words.shape[1]):
            state = _COMPOSE[words[:, t], state]  # new symbol applied after the running product
            out[:, t] = state
        return out
    raise ValueError(f"task: expected one of {sorted(TASKS)}, got {task!r}")


def _data(task: str, rng: np.random.Generator, batch: int, T: int) -> tuple[torch.Tensor, torch.Tensor]:
    d, _ = TASKS[task]
    words = rng.integers(0, d, size=(batch, T))
    x = np.zeros((batch, T, d))
    np.put_along_axis(x, words[:, :, None], 1.0, axis=2)
    return torch.from_numpy(x), torch.from_numpy(labels(task, words))


def _models(task: str, width: int) -> dict[str, Any]:
    d, K = TASKS[task]
    builders = {"linear 2RNN": lambda n: TorchStack([n], d, K, kind="pure", readout_bias=False, learn_h0=True,
                                                    normalize_state=True)}
    target = count_parameters(builders["linear 2RNN"](width))
    out = {"linear 2RNN": (builders["linear 2RNN"], width)}
    for name, build in (("relu stack (2 layers)", lambda w: TorchDepthwiseStack([w, w], d, K, "relu")),
                        ("tanh stack (2 layers)", lambda w: TorchDepthwiseStack([w, w], d, K, "tanh")),
                        ("tanh RNN", lambda w: TanhRNN(w, d, K))):
        out[name] = (build, match_parameters(build, target)[0])
    return out


def _analyse_2rnn(net: TorchStack, length: int) -> dict[str, Any]:
    """Effective sizes of a trained one-layer 2RNN: per-class numerical Hankel and TT ranks.

    The exported model is a WFA per output row (T3); its Hankel rank is its
    minimal WFA size (exact 2RNN solutions exist with 2 states for parity and 3
    for mod 3 and S3).  Ranks are numerical (TT: relative tolerance 1e-3; Hankel: ``hankel_rank(rtol=1e-5)``, whose
    final SVD uses 100 * rtol), reported with tolerances and gaps.
    """
    stack = net.to_rnnexpr()
    rows = [Stack(stack.layers, stack.C[k: k + 1]) for k in range(stack.output_dim)]
    return {"hankel_rank": [hankel_rank_of(r, method="numerical", rtol=1e-5, warn=False) for r in rows],
            "tt_ranks": [tt_ranks_of(r, length, rtol=1e-3, warn=False) for r in rows]}


def _loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def run(quick: bool = False, seed: int = 0, seeds: int = 3) -> tuple[dict[str, Any], Any]:
    """Run the state-tracking experiment; return ``(results, figure)`` (see the module docstring).

    Parameters
    ----------
    quick : bool
        Tiny sizes and few steps (same code path).
    seed : int
        First seed; seeds ``seed .. seed + seeds - 1`` are used.
    seeds : int
        Number of seeds (at least 3 for a spread).

    Returns
    -------
    tuple
        ``(results, figure)``: a JSON-ready dict and its :func:`figure`.

    Examples
    --------
    One seed of the quick version (train length 4, 10 steps per model, about a second):

    >>> results, fig = run(quick=True, seeds=1)
    >>> results["theorem"], sorted({row["task"] for row in results["summary"]})
    ('T6c', ['mod3', 'parity', 's3'])
    >>> sorted(results["summary"][0]["accuracy"])
    [4, 8]
    >>> any("analysis" in run for run in results["runs"]), type(fig).__name__
    (True, 'Figure')
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    cfg = QUICK if quick else FULL
    results: dict[str, Any] = {"experiment": "state_tracking", "theorem": "T6c", "quick": quick, "config": cfg,
                               "seeds": list(range(seed, seed + seeds)), "runs": [], "summary": []}
    jobs = [(task, name, build, size) for task in cfg["tasks"]
            for name, (build, size) in _models(task, cfg["width_2rnn"]).items()]
    for task, name, build, size in progress(jobs, "state_tracking"):
        accs: dict[int, list[float]] = {L: [] for L in cfg["test_lengths"]}
        for s in range(seed, seed + seeds):
            rng = seed_everything(s)
            net = build(size)
            info = train(net, lambda r: _data(task, r, cfg["batch"], cfg["train_length"]), _loss, cfg["steps"],
                         rng, lr=cfg["lr"])
            run_acc = {}
            for L in cfg["test_lengths"]:
                x, y = _data(task, np.random.default_rng(40_000 + 97 * s + L), cfg["test"], L)
                with torch.no_grad():
                    pred = net(x)[:, -1].argmax(-1)
                acc = float((pred == y[:, -1]).double().mean())
                accs[L].append(acc)
                run_acc[L] = acc
            entry = {"task": task, "model": name, "seed": s, "size": size, "parameters": count_parameters(net),
                     "accuracy": run_acc, **{k: v for k, v in info.items() if k != "loss_curve"}}
            if isinstance(net, TorchStack):
                entry["analysis"] = _analyse_2rnn(net, cfg["train_length"])
            results["runs"].append(entry)
        results["summary"].append({"task": task, "model": name, "size": size,
                                   "parameters": count_parameters(build(size)),
                                   "accuracy": {L: summarize(v) for L, v in accs.items()}})
    return results, figure(results)


def figure(results: dict[str, Any]) -> Any:
    """The matplotlib figure of a results dict (as returned by ``run`` or read back from its JSON).

    Parameters
    ----------
    results : dict
        The results of :func:`run`, or the same read back from its JSON (only
        the keys used by the plot are needed).

    Returns
    -------
    matplotlib.figure.Figure
        Drawn with the Agg backend (no display needed).

    Examples
    --------
    Accuracy keys may be integers or, read back from JSON, strings:

    >>> from rnnexpr.experiments.harness import summarize
    >>> rows = [{"task": "parity", "model": "2rnn", "parameters": 20,
    ...          "accuracy": {"4": summarize([1.0]), "8": summarize([0.5])}}]
    >>> fig = figure({"config": {"tasks": ["parity"], "train_length": 4}, "summary": rows})
    >>> type(fig).__name__, [ax.get_title() for ax in fig.axes]
    ('Figure', ['parity'])
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = results["config"]["tasks"]
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.0 * len(tasks), 3.4), squeeze=False, sharey=True)
    styles = ["o-", "s--", "^-.", "d:"]
    for ax, task in zip(axes[0], tasks, strict=True):
        rows = [r for r in results["summary"] if r["task"] == task]
        for row, style in zip(rows, styles, strict=False):
            Ls = sorted(row["accuracy"], key=int)  # JSON turns the integer keys into strings
            mean = [float(row["accuracy"][L]["mean"]) for L in Ls]
            std = [float(row["accuracy"][L]["std"]) for L in Ls]
            ax.errorbar([int(L) for L in Ls], mean, yerr=std, fmt=style, capsize=3,
                        label=f"{row['model']} ({row['parameters']} p.)")
        K = TASKS[task][1]
        ax.axhline(1.0 / K, color="gray", ls=":", lw=1)
        ax.axvline(results["config"]["train_length"], color="gray", ls="--", lw=0.8)
        ax.set_xscale("log", base=2)
        ax.set_title(task)
        ax.set_xlabel("test length (train length dashed)")
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=6)
    axes[0][0].set_ylabel("last-step accuracy (mean ± std)")
    fig.suptitle("State tracking: length generalization (T6c); dotted = chance", fontsize=9)
    fig.tight_layout()
    return fig
