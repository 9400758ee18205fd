"""Experiment ``memory`` (T2): delayed copy at fixed parameter budgets.

Task: scalar inputs ``x_t ~ N(0, 1)``, target ``y_t = x_{t-k}`` for ``t > k``
(MSE over those steps).  Models: a shallow wide linear RNN (one layer, the
largest width within the budget) and a deep narrow one (layers of width 2, as
many as the budget allows), at (nearly) equal parameter counts.  T2 says one
layer needs width ``k + 1`` for delay ``k`` (about ``k^2`` parameters) while ``k``
layers of width 2 suffice (``O(k)`` parameters): at a fixed budget the deep model
can represent longer delays.  Reported: test ``R^2`` (1 - MSE / Var) per delay and
budget, and the numerical Hankel rank of each trained model's impulse response
(with its tolerance and gap; the exact delay has rank ``k + 1``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .analysis import impulse_response_rank
from .harness import match_parameters, progress, seed_everything, summarize, train
from .nets import TorchStack, count_parameters

FULL = {"delays": [2, 4, 8, 12, 16], "budgets": [60, 130, 250], "steps": 500, "batch": 32, "extra": 8,
        "lr": 1e-2, "test": 512}
QUICK = {"delays": [1, 3], "budgets": [30], "steps": 15, "batch": 8, "extra": 3, "lr": 1e-2, "test": 64}


def _architectures(budget: int) -> dict[str, list[int]]:
    n, _ = match_parameters(lambda n: TorchStack([n], 1, kind="linear"), budget)
    depth, _ = match_parameters(lambda L: TorchStack([2] * L, 1, kind="linear"), budget, high=64)
    return {"shallow": [n], "deep": [2] * depth}


def _data(rng: np.random.Generator, batch: int, T: int, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = rng.standard_normal((batch, T, 1))
    y = np.zeros_like(x)
    y[:, k:] = x[:, : T - k]
    return torch.from_numpy(x), torch.from_numpy(y)


def run(quick: bool = False, seed: int = 0, seeds: int = 3) -> tuple[dict[str, Any], Any]:
    """Run the memory experiment; return ``(results, figure)``.

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
    One seed of the quick version (delays 1 and 3, 15 steps per model, about a second):

    >>> results, fig = run(quick=True, seeds=1)
    >>> results["theorem"], sorted({row["model"] for row in results["summary"]})
    ('T2', ['deep', 'shallow'])
    >>> [(row["model"], row["delay"]) for row in results["summary"]][:2]
    [('shallow', 1), ('shallow', 3)]
    >>> all("impulse_hankel_rank" in run for run in results["runs"]), type(fig).__name__
    (True, 'Figure')
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    cfg = QUICK if quick else FULL
    results: dict[str, Any] = {"experiment": "memory", "theorem": "T2", "quick": quick, "config": cfg,
                               "seeds": list(range(seed, seed + seeds)), "runs": [], "summary": []}
    jobs = [(B, k, name, widths) for B in cfg["budgets"] for name, widths in _architectures(B).items()
            for k in cfg["delays"]]
    for B, k, name, widths in progress(jobs, "memory"):
        T = k + cfg["extra"]
        r2s, ranks = [], []
        for s in range(seed, seed + seeds):
            rng = seed_everything(s)
            net = TorchStack(widths, 1, kind="linear")

            def loss(pred: torch.Tensor, y: torch.Tensor, k: int = k) -> torch.Tensor:
                return torch.mean((pred[:, k:] - y[:, k:]) ** 2)

            info = train(net, lambda r: _data(r, cfg["batch"], T, k), loss, cfg["steps"], rng, lr=cfg["lr"])
            x, y = _data(np.random.default_rng(10_000 + s), cfg["test"], T, k)
            with torch.no_grad():
                pred = net(x)
            mse = float(torch.mean((pred[:, k:] - y[:, k:]) ** 2))
            var = float(torch.var(y[:, k:]))
            r2 = 1.0 - mse / var if np.isfinite(mse) else float("nan")
            rank = impulse_response_rank(net.to_rnnexpr(), length=2 * (sum(widths) + 2))
            r2s.append(r2)
            ranks.append(rank["rank"])
            results["runs"].append({"budget": B, "model": name, "widths": widths, "delay": k, "seed": s,
                                    "parameters": count_parameters(net), "test_r2": r2, "test_mse": mse,
                                    "impulse_hankel_rank": rank, **{k_: v for k_, v in info.items()
                                                                    if k_ != "loss_curve"}})
        results["summary"].append({"budget": B, "model": name, "depth": len(widths), "width": widths[0],
                                   "parameters": count_parameters(TorchStack(widths, 1, kind="linear")),
                                   "delay": k, "test_r2": summarize(r2s), "impulse_hankel_rank": summarize(ranks)})
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
    >>> rows = [{"budget": 30, "model": m, "depth": depth, "width": width, "parameters": 30, "delay": k,
    ...          "test_r2": summarize([0.9, 1.0])} for m, depth, width in (("shallow", 1, 4), ("deep", 3, 2))
    ...         for k in (1, 3)]
    >>> fig = figure({"summary": rows})
    >>> type(fig).__name__, len(fig.axes), fig.axes[0].get_title()
    ('Figure', 1, 'budget ~30 parameters')
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    budgets = sorted({row["budget"] for row in results["summary"]})
    fig, axes = plt.subplots(1, len(budgets), figsize=(4.2 * len(budgets), 3.4), squeeze=False, sharey=True)
    for ax, B in zip(axes[0], budgets, strict=True):
        for name, style in (("shallow", "o-"), ("deep", "s--")):
            rows = [r for r in results["summary"] if r["budget"] == B and r["model"] == name]
            if not rows:
                continue
            ks = [r["delay"] for r in rows]
            mean = np.array([float(r["test_r2"]["mean"]) for r in rows])
            std = np.array([float(r["test_r2"]["std"]) for r in rows])
            label = f"{name}: {rows[0]['depth']}x{rows[0]['width']} ({rows[0]['parameters']} params)"
            lines = ax.errorbar(ks, mean, yerr=std, fmt=style, capsize=3, label=label)
            # longest delay the architecture can represent exactly: width - 1 (shallow), depth (deep, width 2)
            reach = rows[0]["width"] - 1 if name == "shallow" else rows[0]["depth"]
            ax.axvline(reach, color=lines[0].get_color(), ls=":", lw=1)
        ax.set_title(f"budget ~{B} parameters")
        ax.set_xlabel("delay k")
        ax.set_ylim(-0.1, 1.05)
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("test R^2 (mean ± std over seeds)")
    fig.suptitle("Delayed copy y_t = x_{t-k}: shallow wide vs deep narrow linear RNNs (T2); "
                 "dotted: longest delay each can represent", fontsize=9)
    fig.tight_layout()
    return fig
