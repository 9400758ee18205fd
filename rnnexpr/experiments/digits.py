"""Experiment ``digits``: scikit-learn's handwritten digits read row by row.

Data: :func:`sklearn.datasets.load_digits` (1797 images of 8x8 pixels, shipped
with scikit-learn), scaled to ``[0, 1]``; each image is a sequence of 8 steps
with 8 inputs (one pixel row per step); the class is read from the last output.
A stratified train/test split (70/30) is drawn per seed.  Models at (nearly)
equal parameter counts: linear RNN stacks of depth 1 and 2 (T1: the depth-2
one computes nothing a single wider layer cannot), linear 2RNN stacks of depth
1 and 2, a depth-wise-nonlinear stack (ReLU between two linear recurrent
layers) and a tanh RNN.  Reported: test accuracy (mean and spread over seeds).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .harness import match_parameters, progress, seed_everything, summarize, train
from .nets import TanhRNN, TorchDepthwiseStack, TorchStack

FULL = {"budgets": [300, 1500], "steps": 800, "batch": 128, "lr": 5e-3, "test_fraction": 0.3}
QUICK = {"budgets": [200], "steps": 10, "batch": 32, "lr": 5e-3, "test_fraction": 0.3}

MODELS = {
    "linear RNN, depth 1": lambda n: TorchStack([n], 8, 10, kind="linear"),
    "linear RNN, depth 2": lambda n: TorchStack([n, n], 8, 10, kind="linear"),
    "linear 2RNN, depth 1": lambda n: TorchStack([n], 8, 10, kind="2rnn"),
    "linear 2RNN, depth 2": lambda n: TorchStack([n, n], 8, 10, kind="2rnn"),
    "relu stack, depth 2": lambda n: TorchDepthwiseStack([n, n], 8, 10, activation="relu"),
    "tanh RNN": lambda n: TanhRNN(n, 8, 10),
}


def load_sequences() -> tuple[np.ndarray, np.ndarray]:
    """The digits as sequences: ``x`` of shape ``(1797, 8, 8)`` in ``[0, 1]``, labels ``(1797,)``.

    Examples
    --------
    >>> x, y = load_sequences()
    >>> x.shape, int(y.max()), float(x.max())
    ((1797, 8, 8), 9, 1.0)
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.images.astype(np.float64) / 16.0, data.target.astype(np.int64)


def run(quick: bool = False, seed: int = 0, seeds: int = 3) -> tuple[dict[str, Any], Any]:
    """Run the digits experiment; return ``(results, figure)`` (see the module docstring).

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
    One seed of the quick version (10 steps per model, about a second):

    >>> results, fig = run(quick=True, seeds=1)
    >>> sorted(results)
    ['config', 'data', 'experiment', 'quick', 'runs', 'seeds', 'summary']
    >>> [row["model"] for row in results["summary"]] == list(MODELS)
    True
    >>> all(0.0 <= run["test_accuracy"] <= 1.0 for run in results["runs"]), type(fig).__name__
    (True, 'Figure')
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    from sklearn.model_selection import train_test_split

    cfg = QUICK if quick else FULL
    x_all, y_all = load_sequences()
    results: dict[str, Any] = {"experiment": "digits", "quick": quick, "config": cfg,
                               "seeds": list(range(seed, seed + seeds)), "runs": [], "summary": [],
                               "data": {"samples": int(len(y_all)), "steps": 8, "inputs_per_step": 8}}
    jobs = [(budget, name) for budget in cfg["budgets"] for name in MODELS]
    for budget, name in progress(jobs, "digits"):
        size, params = match_parameters(MODELS[name], budget)
        accs = []
        for s in range(seed, seed + seeds):
            xtr, xte, ytr, yte = train_test_split(x_all, y_all, test_size=cfg["test_fraction"], random_state=s,
                                                  stratify=y_all)
            xtr_t, ytr_t = torch.from_numpy(xtr), torch.from_numpy(ytr)
            rng = seed_everything(s)
            net = MODELS[name](size)

            def batch(r: np.random.Generator, n: int = cfg["batch"]) -> tuple[torch.Tensor, torch.Tensor]:
                idx = torch.from_numpy(r.choice(len(ytr), size=n, replace=False))
                return xtr_t[idx], ytr_t[idx]

            info = train(net, batch, lambda out, y: F.cross_entropy(out[:, -1], y), cfg["steps"], rng,
                         lr=cfg["lr"])
            with torch.no_grad():
                pred = net(torch.from_numpy(xte))[:, -1].argmax(-1).numpy()
            acc = float(np.mean(pred == yte))
            accs.append(acc)
            results["runs"].append({"budget": budget, "model": name, "seed": s, "size": size, "parameters": params,
                                    "test_accuracy": acc, **{k: v for k, v in info.items() if k != "loss_curve"}})
        results["summary"].append({"budget": budget, "model": name, "size": size, "parameters": params,
                                   "test_accuracy": summarize(accs)})
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
    >>> from rnnexpr.experiments.harness import summarize
    >>> rows = [{"budget": 200, "model": name, "parameters": 200, "test_accuracy": summarize([0.8, 0.9])}
    ...         for name in MODELS]
    >>> fig = figure({"config": {"budgets": [200]}, "summary": rows})
    >>> type(fig).__name__, len(fig.axes), fig.axes[0].get_title()
    ('Figure', 1, 'budget ~200 parameters')
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .harness import FIGURE_STYLE

    budgets = results["config"]["budgets"]
    with plt.rc_context(FIGURE_STYLE):
        fig, axes = plt.subplots(1, len(budgets), figsize=(min(7.2, 3.6 * len(budgets)), 3.0), squeeze=False)
        for ax, budget in zip(axes[0], budgets, strict=True):
            rows = [r for r in results["summary"] if r["budget"] == budget]
            ypos = np.arange(len(rows))[::-1]
            ax.barh(ypos, [float(r["test_accuracy"]["mean"]) for r in rows], color="tab:blue", alpha=0.6)
            for yv, r in zip(ypos, rows, strict=True):
                vals = [float(v) for v in r["test_accuracy"]["values"]]
                ax.plot(vals, [yv] * len(vals), "k.", ms=5, zorder=3)
            ax.set_yticks(ypos, [f"{r['model']} ({r['parameters']})" for r in rows])
            ax.set_xlabel("test accuracy (bar: mean, dots: seeds)")
            # zoom on the spread (the axis does not start at 0; chance is 0.1)
            lowest = min(float(v) for r in rows for v in r["test_accuracy"]["values"])
            ax.set_xlim(max(0.0, np.floor((lowest - 0.05) * 20) / 20), 1.0)
            ax.set_title(f"budget ~{budget} parameters")
        fig.suptitle("scikit-learn digits read row by row (8 steps x 8 pixels); parameters in brackets")
        fig.tight_layout()
    return fig


def summary_table(results: dict[str, Any]) -> list[list[str]]:
    """Rows ``[budget, model, parameters, test accuracy]`` as text, a header first.

    Parameters
    ----------
    results : dict
        The results of :func:`run` (or read back from its JSON).

    Returns
    -------
    list of list of str

    Examples
    --------
    >>> from rnnexpr.experiments.harness import summarize
    >>> rows = [{"budget": 200, "model": "tanh RNN", "parameters": 210, "test_accuracy": summarize([0.8, 0.9])}]
    >>> summary_table({"summary": rows})
    [['budget', 'model', 'params', 'accuracy'], ['200', 'tanh RNN', '210', '0.85 ± 0.07']]
    """
    out = [["budget", "model", "params", "accuracy"]]
    for r in results["summary"]:
        s = r["test_accuracy"]
        out.append([str(r["budget"]), r["model"], str(r["parameters"]), f"{float(s['mean']):.2f} ± {float(s['std']):.2f}"])
    return out
