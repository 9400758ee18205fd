"""Experiment ``state_tracking`` (T6c): train on short sequences, test on longer ones, fairly.

Tasks (labels at every step, inputs uniform random symbols):

* ``parity``: bits, label = number of ones mod 2;
* ``mod3``: bits, label = number of ones mod 3;
* ``s3``: the 6 permutations of 3 points, label = the running product (composition) in S3.

Each has a small exact linear 2RNN (permutation matrices acting on the state).
Four families ("arms") are compared:

* ``linear 2RNN``: one pure linear 2RNN layer (only the bilinear term ``A``, no readout bias);
* ``relu stack (2 layers)`` and ``tanh stack (2 layers)``: two linear recurrences
  (``U``, ``V``, ``b``) with the activation only between them (:doc:`/theory/t6`'s class);
* ``tanh RNN``: a nonlinear recurrence ``h_t = tanh(W h_{t-1} + U x_t + b)`` (outside T6's class).

The protocol gives every arm the same chances:

* every arm has a **learned initial state**, and the option of **normalization**:
  each layer's output is rescaled to unit norm at every step (for the stacks
  between the layers and before the readout, outside the recurrence, so the
  stack stays linear in time; for the pure 2RNN the rescaling is done inside
  the recurrence, which is the same function because the layer is homogeneous
  in its state);
* for each arm and size, the **learning rate and the normalization** are chosen
  from the same small grid on a validation set at the training length, with
  the first seed; the other seeds are trained with the chosen setting;
* each family **grows** until the mean last-step validation accuracy over the
  seeds at the training length is at least 99 %: the 2RNN by width
  (2, 3, ...), the others along a ladder of parameter counts (1/2, 1, 2 and 4
  times the matched count ``P``, the largest being the cap: 4 times the 2RNN's
  parameters at ``P``); a family that never fits is reported as such;
* a **matched** count ``P`` (a 2RNN width near 6 for which every family has a
  size within 5 % of its parameter count) is trained for every family.

Reported: last-step accuracy at 1x to 16x the training length for every trained
size (mean, spread and per-seed values), the comparison at each family's
smallest fitting size and at ``P``, and for the 2RNNs the numerical Hankel and
TT ranks of the exported WFA per class.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import InvalidArgumentError
from ..models import Stack
from .analysis import hankel_rank_of, tt_ranks_of
from .harness import FIGURE_STYLE, progress, seed_everything, summarize, train
from .nets import TorchStack, count_parameters

__all__ = ["FULL", "QUICK", "TASKS", "FAMILIES", "labels", "matched_sizes", "run", "figure", "summary_table"]

#: The full protocol (about 15 minutes on one core of a loaded machine).
FULL = {"tasks": ["parity", "mod3", "s3"], "train_length": 10, "test_lengths": [10, 20, 40, 80, 160],
        "rnn_widths": [2, 3, 4, 5, 6, 7, 8], "ladder": [0.5, 1, 2, 4], "cap": 4, "lrs": [3e-3, 1e-2, 3e-2],
        "normalize": [False, True], "steps": 600, "batch": 128, "validation": 1000, "test": 1000,
        "fit": 0.99, "match": 0.05}
#: The seconds-long version: the same code path at tiny sizes (its numbers are not results).
QUICK = {"tasks": ["parity", "mod3", "s3"], "train_length": 4, "test_lengths": [4, 8], "rnn_widths": [2],
         "ladder": [1], "cap": 4, "lrs": [1e-2], "normalize": [False, True], "steps": 10, "batch": 16,
         "validation": 50, "test": 50, "fit": 0.99, "match": 0.05}

_PERMS = list(itertools.permutations(range(3)))
_PERM_INDEX = {p: i for i, p in enumerate(_PERMS)}
#: _COMPOSE[a, b] = index of the permutation  i -> a(b(i))  (apply b, then a).
_COMPOSE = np.array([[_PERM_INDEX[tuple(_PERMS[a][_PERMS[b][i]] for i in range(3))] for b in range(6)]
                     for a in range(6)])

#: Task name -> (alphabet size, number of classes).
TASKS = {"parity": (2, 2), "mod3": (2, 3), "s3": (6, 6)}

#: The compared families, in plotting order.
FAMILIES = ("linear 2RNN", "relu stack (2 layers)", "tanh stack (2 layers)", "tanh RNN")


def labels(task: str, words: np.ndarray) -> np.ndarray:
    """Prefix labels of each word: shape ``(batch, T)``.

    Parameters
    ----------
    task : {"parity", "mod3", "s3"}
    words : ndarray of int, shape (batch, T)

    Returns
    -------
    ndarray of int, shape (batch, T)

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
    raise InvalidArgumentError(f"task: expected one of {sorted(TASKS)}, got {task!r}")


def _data(task: str, rng: np.random.Generator, batch: int, T: int) -> tuple[torch.Tensor, torch.Tensor]:
    d, _ = TASKS[task]
    words = rng.integers(0, d, size=(batch, T))
    x = np.zeros((batch, T, d))
    np.put_along_axis(x, words[:, :, None], 1.0, axis=2)
    return torch.from_numpy(x), torch.from_numpy(labels(task, words))


def _unit(h: torch.Tensor) -> torch.Tensor:
    return h / h.norm(dim=-1, keepdim=True).clamp_min(1e-300)


class _LinearRecurrence(nn.Module):
    """``h_t = V h_{t-1} + U z_t + b`` from a learned ``h_0`` (a linear RNN layer)."""

    def __init__(self, width: int, input_dim: int) -> None:
        super().__init__()
        self.U = nn.Parameter(torch.randn(width, input_dim, dtype=torch.float64) / math.sqrt(input_dim))
        self.V = nn.Parameter(torch.randn(width, width, dtype=torch.float64) * 0.5 / math.sqrt(width))
        self.b = nn.Parameter(torch.zeros(width, dtype=torch.float64))
        self.h0 = nn.Parameter(torch.zeros(width, dtype=torch.float64))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        drive = z @ self.U.T + self.b
        h = self.h0.expand(z.shape[0], -1)
        out = []
        for t in range(z.shape[1]):
            h = h @ self.V.T + drive[:, t]
            out.append(h)
        return torch.stack(out, dim=1)


class _DepthwiseArm(nn.Module):
    """Two linear recurrences, ``sigma`` between them; optional unit-norm rescaling of each layer's output."""

    def __init__(self, widths: tuple[int, int], input_dim: int, classes: int, activation: str,
                 normalize: bool) -> None:
        super().__init__()
        self.layers = nn.ModuleList([_LinearRecurrence(widths[0], input_dim), _LinearRecurrence(widths[1], widths[0])])
        self.sigma = torch.relu if activation == "relu" else torch.tanh
        self.normalize = normalize
        self.readout = nn.Linear(widths[1], classes, dtype=torch.float64)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = x
        for i, layer in enumerate(self.layers):
            z = layer(z if i == 0 else self.sigma(z))
            if self.normalize:  # a per-step map between layers: the stack stays linear in time
                z = _unit(z)
        return self.readout(z)


class _TanhArm(nn.Module):
    """``h_t = tanh(W h_{t-1} + U x_t + b)`` (torch.nn.RNN) from a learned ``h_0``; optional unit-norm output."""

    def __init__(self, width: int, input_dim: int, classes: int, normalize: bool) -> None:
        super().__init__()
        self.rnn = nn.RNN(input_dim, width, nonlinearity="tanh", batch_first=True, dtype=torch.float64)
        self.h0 = nn.Parameter(torch.zeros(width, dtype=torch.float64))
        self.normalize = normalize
        self.readout = nn.Linear(width, classes, dtype=torch.float64)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.rnn(x, self.h0.expand(1, x.shape[0], -1).contiguous())
        return self.readout(_unit(h) if self.normalize else h)


def _build(task: str, family: str, size: Any, normalize: bool) -> nn.Module:
    d, K = TASKS[task]
    if family == "linear 2RNN":
        return TorchStack([int(size)], d, K, kind="pure", readout_bias=False, learn_h0=True,
                          normalize_state=normalize)
    if family in ("relu stack (2 layers)", "tanh stack (2 layers)"):
        return _DepthwiseArm(tuple(size), d, K, family.split()[0], normalize)
    if family == "tanh RNN":
        return _TanhArm(int(size), d, K, normalize)
    raise InvalidArgumentError(f"family: expected one of {FAMILIES}, got {family!r}")


def _count(task: str, family: str, size: Any) -> int:
    return count_parameters(_build(task, family, size, False))


def _sizes(task: str, family: str, limit: int) -> list[tuple[Any, int]]:
    """Every size of a family with at most ``limit`` parameters, with its count (stacks: widths within 2)."""
    out: list[tuple[Any, int]] = []
    for w in range(1, 200):
        if family.endswith("(2 layers)"):
            row = [((w1, w), _count(task, family, (w1, w))) for w1 in range(max(1, w - 2), w + 3)]
            row = [r for r in row if r[1] <= limit]
            if not row and _count(task, family, (max(1, w - 2), w)) > limit:
                break
            out += row
        else:
            c = _count(task, family, w)
            if c > limit:
                break
            out.append((w, c))
    return out


def _closest(sizes: list[tuple[Any, int]], target: float) -> tuple[Any, int]:
    return min(sizes, key=lambda sc: (abs(sc[1] - target), sc[1]))


def matched_sizes(task: str, match: float = 0.05, preferred_width: int = 6) -> dict[str, tuple[Any, int]]:
    """Sizes of every family with parameter counts within ``match`` of one 2RNN's count.

    The 2RNN width is the one nearest ``preferred_width`` (the larger one on a
    tie) for which every other family has a size within the relative tolerance.

    Parameters
    ----------
    task : {"parity", "mod3", "s3"}
    match : float
        Relative tolerance on the parameter counts.
    preferred_width : int
        2RNN width tried first (then the widths next to it).

    Returns
    -------
    dict
        family -> ``(size, parameters)``; the stacks' size is a pair of widths.

    Examples
    --------
    >>> m = matched_sizes("s3")
    >>> m["linear 2RNN"], m["tanh RNN"]
    ((6, 258), (10, 256))
    >>> all(abs(c - 258) <= 0.05 * 258 for _, c in m.values())
    True
    """
    for n in sorted(range(2, 4 * preferred_width), key=lambda k: (abs(k - preferred_width), -k)):
        target = _count(task, "linear 2RNN", n)
        chosen = {"linear 2RNN": (n, target)}
        for family in FAMILIES[1:]:
            size = _closest(_sizes(task, family, int(2 * target) + 10), target)
            if abs(size[1] - target) > match * target:
                break
            chosen[family] = size
        else:
            return chosen
    raise InvalidArgumentError(f"match: no 2RNN width gives every family a size within {match:.0%} for task {task!r}")


def _loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def _evaluate(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Last-step accuracy and all-steps cross-entropy (nan for non-finite outputs)."""
    with torch.no_grad():
        logits = net(x)
    if not torch.isfinite(logits).all():
        return math.nan, math.nan
    acc = float((logits[:, -1].argmax(-1) == y[:, -1]).double().mean())
    return acc, float(_loss(logits, y))


def _analyse_2rnn(net: TorchStack, length: int) -> dict[str, Any]:
    """Effective sizes of a trained one-layer 2RNN: per-class numerical Hankel and TT ranks.

    The exported model is a WFA per output row (:doc:`/theory/t3`); its Hankel
    rank is its minimal WFA size (exact 2RNN solutions exist with 2 states for
    parity and 3 for mod 3 and S3).  Ranks are numerical (TT: relative tolerance
    1e-3; Hankel: ``hankel_rank(rtol=1e-5)``, whose final SVD uses 100 * rtol).
    """
    stack = net.to_rnnexpr()
    rows = [Stack(stack.layers, stack.C[k: k + 1]) for k in range(stack.output_dim)]
    return {"hankel_rank": [hankel_rank_of(r, method="numerical", rtol=1e-5, warn=False) for r in rows],
            "tt_ranks": [tt_ranks_of(r, length, rtol=1e-3, warn=False) for r in rows]}


def _train_one(task: str, family: str, size: Any, lr: float, normalize: bool, s: int, cfg: dict[str, Any],
               validation: tuple[torch.Tensor, torch.Tensor]) -> tuple[nn.Module, dict[str, Any]]:
    rng = seed_everything(s)
    net = _build(task, family, size, normalize)
    info = train(net, lambda r: _data(task, r, cfg["batch"], cfg["train_length"]), _loss, cfg["steps"], rng, lr=lr)
    acc, loss = _evaluate(net, *validation)
    return net, {"seed": s, "lr": lr, "normalize": normalize, "validation_accuracy": acc, "validation_loss": loss,
                 "final_loss": info["final_loss"], "diverged": info["diverged"], "steps_done": info["steps_done"]}


def _score(entry: dict[str, Any]) -> tuple[float, float]:
    acc, loss = entry["validation_accuracy"], entry["validation_loss"]
    if entry["diverged"] or not math.isfinite(acc):
        return (-math.inf, -math.inf)
    return (acc, -loss)


def _config(task: str, family: str, size: Any, cfg: dict[str, Any], seeds: list[int],
            validation: tuple[torch.Tensor, torch.Tensor],
            tests: dict[int, tuple[torch.Tensor, torch.Tensor]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Grid on the first seed, the chosen setting on the others; test every chosen run."""
    grid = []
    for lr, normalize in itertools.product(cfg["lrs"], cfg["normalize"]):
        net, entry = _train_one(task, family, size, lr, normalize, seeds[0], cfg, validation)
        grid.append((net, entry))
    best_net, best = max(grid, key=lambda ne: _score(ne[1]))
    nets = [(best_net, best)]
    for s in seeds[1:]:
        nets.append(_train_one(task, family, size, best["lr"], best["normalize"], s, cfg, validation))
    runs = []
    for net, entry in nets:
        entry = {"task": task, "model": family, "size": size, "parameters": count_parameters(net), **entry}
        entry["accuracy"] = {L: _evaluate(net, *tests[L])[0] if not entry["diverged"] else math.nan
                             for L in cfg["test_lengths"]}
        if family == "linear 2RNN" and not entry["diverged"]:
            entry["analysis"] = _analyse_2rnn(net, cfg["train_length"])
        runs.append(entry)
    val = [r["validation_accuracy"] for r in runs]
    row = {"task": task, "model": family, "size": size, "parameters": runs[0]["parameters"],
           "chosen": {"lr": best["lr"], "normalize": best["normalize"]},
           "grid": [{k: e[k] for k in ("lr", "normalize", "validation_accuracy", "diverged")} for _, e in grid],
           "validation_accuracy": summarize(val),
           "fits": all(math.isfinite(v) for v in val) and float(np.mean(val)) >= cfg["fit"],
           "accuracy": {L: summarize([r["accuracy"][L] for r in runs]) for L in cfg["test_lengths"]}}
    return row, runs


def _plan(task: str, family: str, cfg: dict[str, Any], matched: dict[str, tuple[Any, int]]) -> list[tuple[Any, int]]:
    """Sizes to try in order (growth stops at the first fit, once the matched size is done)."""
    target = matched["linear 2RNN"][1]
    cap = cfg["cap"] * target
    if family == "linear 2RNN":
        plan = [(n, _count(task, family, n)) for n in cfg["rnn_widths"]]
        plan = [p for p in plan if p[1] <= cap]
    else:
        sizes = _sizes(task, family, int(cap * (1 + cfg["match"])))
        plan = [matched[family] if f == 1 else _closest(sizes, f * target) for f in cfg["ladder"]]
    if matched[family] not in plan:
        plan.append(matched[family])
    return sorted(dict.fromkeys(plan), key=lambda p: p[1])


def run(quick: bool = False, seed: int = 0, seeds: int = 3) -> tuple[dict[str, Any], Any]:
    """Run the state-tracking experiment; return ``(results, figure)`` (see the module docstring).

    Parameters
    ----------
    quick : bool
        Tiny sizes and few steps (same code path).
    seed : int
        First seed; seeds ``seed .. seed + seeds - 1`` are used (the first one
        chooses the learning rate and the normalization).
    seeds : int
        Number of seeds (at least 3 for a spread).

    Returns
    -------
    tuple
        ``(results, figure)``: a JSON-ready dict and its :func:`figure`.
        ``results["summary"]`` has one row per task, family and trained size;
        ``results["comparison"]`` the smallest fitting and matched rows per task.

    Examples
    --------
    One seed of the quick version (train length 4, 10 steps per model, a few seconds):

    >>> results, fig = run(quick=True, seeds=1)
    >>> results["theorem"], sorted(results["comparison"])
    ('T6c', ['mod3', 'parity', 's3'])
    >>> sorted(results["summary"][0]["accuracy"])
    [4, 8]
    >>> any("analysis" in run for run in results["runs"]), type(fig).__name__
    (True, 'Figure')
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    cfg = QUICK if quick else FULL
    seed_list = list(range(seed, seed + seeds))
    results: dict[str, Any] = {"experiment": "state_tracking", "theorem": "T6c", "quick": quick, "config": cfg,
                               "seeds": seed_list, "families": list(FAMILIES), "runs": [], "summary": [],
                               "comparison": {}}
    T = cfg["train_length"]
    for task in progress(cfg["tasks"], "state_tracking"):
        validation = _data(task, np.random.default_rng(20_000 + T), cfg["validation"], T)
        tests = {L: _data(task, np.random.default_rng(40_000 + L), cfg["test"], L) for L in cfg["test_lengths"]}
        matched = matched_sizes(task, cfg["match"])
        comparison: dict[str, Any] = {"matched_parameters": matched["linear 2RNN"][1],
                                      "cap": cfg["cap"] * matched["linear 2RNN"][1],
                                      "smallest_fitting": {}, "matched": {}}
        for family in FAMILIES:
            fitted = None
            for size, count in _plan(task, family, cfg, matched):
                is_matched = (size, count) == matched[family]
                if fitted is not None and not is_matched:
                    if count > matched[family][1]:
                        break
                    continue  # grown far enough: only the matched size is still needed
                row, runs = _config(task, family, size, cfg, seed_list, validation, tests)
                results["summary"].append(row)
                results["runs"] += runs
                if row["fits"] and fitted is None:
                    fitted = row
                if is_matched:
                    comparison["matched"][family] = row
            comparison["smallest_fitting"][family] = fitted
        results["comparison"][task] = comparison
    return results, figure(results)


def _rows(results: dict[str, Any], task: str, which: str) -> list[tuple[str, dict[str, Any] | None]]:
    comp = results.get("comparison", {}).get(task, {}).get(which, {})
    return [(family, comp.get(family)) for family in results.get("families", FAMILIES)]


_SHORT = {"linear 2RNN": "2RNN", "relu stack (2 layers)": "ReLU stack", "tanh stack (2 layers)": "tanh stack",
          "tanh RNN": "tanh RNN"}


def figure(results: dict[str, Any]) -> Any:
    """The matplotlib figure of a results dict (as returned by ``run`` or read back from its JSON).

    Top row: each family at its smallest fitting size; bottom row: at the matched
    parameter count.  Lines are means over seeds, small markers the seeds.

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

    >>> row = {"model": "linear 2RNN", "parameters": 20, "fits": True,
    ...        "accuracy": {"4": summarize([1.0, 1.0]), "8": summarize([0.5, 0.7])}}
    >>> comp = {"parity": {"matched_parameters": 20, "smallest_fitting": {"linear 2RNN": row},
    ...                    "matched": {"linear 2RNN": row}}}
    >>> fig = figure({"config": {"tasks": ["parity"], "train_length": 4, "test_lengths": [4, 8]},
    ...               "comparison": comp})
    >>> [ax.get_title() for ax in fig.axes]
    ['parity: smallest fitting size', 'parity: matched, 20 p. ± 5 %']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cfg = results["config"]
    tasks = cfg["tasks"]
    lengths = [int(L) for L in cfg["test_lengths"]]
    colors = {"linear 2RNN": "C0", "relu stack (2 layers)": "C1", "tanh stack (2 layers)": "C2", "tanh RNN": "C3"}
    markers = {"linear 2RNN": "o", "relu stack (2 layers)": "s", "tanh stack (2 layers)": "^", "tanh RNN": "D"}
    with plt.rc_context(FIGURE_STYLE):
        fig, axes = plt.subplots(2, len(tasks), figsize=(min(7.2, 2.4 * len(tasks) + 0.2), 5.6), squeeze=False,
                                 sharey=True)
        for col, task in enumerate(tasks):
            K = TASKS[task][1]
            comp = results.get("comparison", {}).get(task, {})
            for r, which in enumerate(("smallest_fitting", "matched")):
                ax = axes[r][col]
                notes = []
                for k, (family, row) in enumerate(_rows(results, task, which)):
                    if row is None:
                        tried = [x["parameters"] for x in results.get("summary", [])
                                 if x["task"] == task and x["model"] == family]
                        notes.append(f"{_SHORT[family]}: no fit up to {max(tried, default='?')} p.")
                        continue
                    if which == "smallest_fitting":
                        notes.append(f"{_SHORT[family]}: {row['parameters']} p.")
                    Ls = sorted(row["accuracy"], key=int)  # JSON turns the integer keys into strings
                    xs = [int(L) for L in Ls]
                    mean = [float(row["accuracy"][L]["mean"]) for L in Ls]
                    ax.plot(xs, mean, marker=markers[family], color=colors[family], lw=1.2, ms=4,
                            label=_SHORT[family])
                    jitter = 2 ** (0.06 * (k - 1.5))
                    for L, x in zip(Ls, xs, strict=True):
                        vals = [float(v) for v in row["accuracy"][L]["values"]]
                        ax.plot([x * jitter] * len(vals), vals, ls="none", marker=markers[family],
                                color=colors[family], ms=2.5, alpha=0.5, mfc="none")
                ax.axhline(1.0 / K, color="gray", ls=":", lw=1)
                ax.set_xscale("log", base=2)
                ax.set_xticks(lengths)
                ax.set_xticklabels([str(L) for L in lengths])
                ax.minorticks_off()
                ax.set_ylim(0, 1.05)
                if which == "matched":
                    ax.set_title(f"{task}: matched, {comp.get('matched_parameters', '?')} p. ± 5 %")
                    ax.set_xlabel(f"test length (trained at {cfg['train_length']})")
                else:
                    ax.set_title(f"{task}: smallest fitting size")
                if notes:
                    ax.text(0.03, 0.03, "\n".join(notes), transform=ax.transAxes, fontsize=8, va="bottom",
                            bbox={"facecolor": "white", "alpha": 0.6, "edgecolor": "none", "pad": 1.5})
            axes[0][0].set_ylabel("last-step accuracy")
            axes[1][0].set_ylabel("last-step accuracy")
        handles = [matplotlib.lines.Line2D([], [], color=colors[f], marker=markers[f], lw=1.2, ms=4, label=_SHORT[f])
                   for f in results.get("families", FAMILIES)]
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
        fig.suptitle("State tracking (T6c): lines are means over seeds, open markers the seeds; dotted: chance")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def summary_table(results: dict[str, Any]) -> list[list[str]]:
    """Rows ``[task, comparison, family, parameters, validation, accuracy at each test length]`` as text.

    Parameters
    ----------
    results : dict
        The results of :func:`run` (or read back from JSON).

    Returns
    -------
    list of list of str
        A header row, then one row per task, comparison and family.

    Examples
    --------
    >>> row = {"model": "linear 2RNN", "parameters": 20, "validation_accuracy": summarize([1.0]),
    ...        "accuracy": {"4": summarize([1.0]), "8": summarize([0.5])}}
    >>> res = {"config": {"tasks": ["parity"], "test_lengths": [4, 8]}, "families": ["linear 2RNN"],
    ...        "comparison": {"parity": {"smallest_fitting": {"linear 2RNN": row}, "matched": {}}}}
    >>> summary_table(res)[1]
    ['parity', 'smallest fitting', 'linear 2RNN', '20', '1.00', '1.00', '0.50']
    """
    lengths = [int(L) for L in results["config"]["test_lengths"]]
    out = [["task", "size", "family", "params", "val"] + [f"T={L}" for L in lengths]]
    for task in results["config"]["tasks"]:
        for which, label in (("smallest_fitting", "smallest fitting"), ("matched", "matched")):
            for family, row in _rows(results, task, which):
                if row is None:
                    if which == "smallest_fitting":
                        out.append([task, label, family, "-", "no fit"] + ["-"] * len(lengths))
                    continue
                acc = {int(k): v for k, v in row["accuracy"].items()}
                out.append([task, label, family, str(row["parameters"]),
                            f"{float(row['validation_accuracy']['mean']):.2f}"]
                           + [f"{float(acc[L]['mean']):.2f}" for L in lengths])
    return out
