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

    from .harness import FIGURE_STYLE

    budgets = sorted({row["budget"] for row in results["summary"]})
    with plt.rc_context(FIGURE_STYLE):
        fig, axes = plt.subplots(1, len(budgets), figsize=(min(7.2, 2.4 * len(budgets) + 0.3), 3.0), squeeze=False,
                                 sharey=True)
        for ax, B in zip(axes[0], budgets, strict=True):
            for k, (name, marker, ls) in enumerate((("shallow", "o", "-"), ("deep", "s", "--"))):
                rows = [r for r in results["summary"] if r["budget"] == B and r["model"] == name]
                if not rows:
                    continue
                ks = [r["delay"] for r in rows]
                mean = np.array([float(r["test_r2"]["mean"]) for r in rows])
                color = f"C{k}"
                ax.plot(ks, mean, marker=marker, ls=ls, color=color, ms=4, lw=1.2,
                        label=f"{rows[0]['depth']} x {rows[0]['width']} ({rows[0]['parameters']} p.)")
                for kk, r in zip(ks, rows, strict=True):  # every seed: outcomes can be bimodal
                    vals = [float(v) for v in r["test_r2"]["values"]]
                    ax.plot([kk + (0.35 if k else -0.35)] * len(vals), vals, ls="none", marker=marker, ms=3,
                            mfc="none", color=color, alpha=0.7)
                # longest delay the architecture can represent exactly: width - 1 (shallow), depth (deep, width 2)
                reach = rows[0]["width"] - 1 if name == "shallow" else rows[0]["depth"]
                ax.axvline(reach, color=color, ls=":", lw=1)
            ax.set_xticks(sorted({r["delay"] for r in results["summary"]}))
            ax.set_title(f"budget ~{B} parameters")
            ax.set_xlabel("delay k")
            ax.set_ylim(-0.1, 1.05)
            ax.legend(loc="best", frameon=False, handlelength=1.5)
        axes[0][0].set_ylabel("test R²")
        fig.suptitle("Delayed copy: one wide layer vs layers of width 2 (T2); lines: means, open markers: seeds;\n"
                     "dotted: longest delay each network represents")
        fig.tight_layout()
    return fig


def summary_table(results: dict[str, Any]) -> list[list[str]]:
    """Rows ``[budget, model, parameters, mean R^2 at each delay]`` as text, a header first.

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
    >>> rows = [{"budget": 30, "model": "deep", "depth": 3, "width": 2, "parameters": 31, "delay": 1,
    ...          "test_r2": summarize([0.5, 1.0])}]
    >>> summary_table({"summary": rows})
    [['budget', 'model', 'params', 'R2 k=1'], ['30', '3 x 2', '31', '0.75']]
    """
    rows = results["summary"]
    delays = sorted({r["delay"] for r in rows})
    out = [["budget", "model", "params"] + [f"R2 k={k}" for k in delays]]
    keys = list(dict.fromkeys((r["budget"], r["model"]) for r in rows))
    for budget, model in keys:
        group = {r["delay"]: r for r in rows if r["budget"] == budget and r["model"] == model}
        first = next(iter(group.values()))
        out.append([str(budget), f"{first['depth']} x {first['width']}", str(first["parameters"])]
                   + [f"{float(group[k]['test_r2']['mean']):.2f}" if k in group else "-" for k in delays])
    return out
