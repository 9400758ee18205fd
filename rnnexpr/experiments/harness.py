"""A small, honest training harness: seeds, training loop, summaries, outputs.

Every run is seeded explicitly (``torch.manual_seed`` and a numpy generator per
run), training stops and is recorded as diverged when the loss becomes
non-finite (no silent retries), and summaries report the mean, the standard
deviation and every per-seed value.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..validation import check_int, check_seed

__all__ = ["seed_everything", "train", "summarize", "progress", "match_parameters", "write_outputs",
           "NUM_THREADS", "FIGURE_DPI", "FIGURE_STYLE"]

#: Torch threads: the target machines have 2 cores shared with other work, and
#: the networks here are too small to gain from more than one.
NUM_THREADS = 1

#: Resolution of the saved figures.  They are drawn at about the width the
#: documentation shows them (7 inches or less), so point sizes are page sizes.
FIGURE_DPI = 150

#: Matplotlib settings of the experiment figures: no text below 8 pt.
FIGURE_STYLE = {"font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8, "xtick.labelsize": 8,
                "ytick.labelsize": 8, "legend.fontsize": 8, "figure.titlesize": 9}


def seed_everything(seed: int) -> np.random.Generator:
    """Seed torch and return a numpy generator for the same seed.

    Examples
    --------
    >>> int(seed_everything(3).integers(10)) == int(np.random.default_rng(3).integers(10))
    True
    """
    seed = check_seed(seed)
    torch.manual_seed(int(seed))
    torch.set_num_threads(NUM_THREADS)
    return np.random.default_rng(int(seed))


def progress(iterable: Iterable, desc: str, total: int | None = None) -> Iterable:
    """A tqdm progress bar on stderr.

    Parameters
    ----------
    iterable : iterable
        What to iterate over.
    desc : str
        Label of the bar.
    total : int, optional
        Number of items, when ``iterable`` has no length.

    Returns
    -------
    iterable
        A tqdm iterator yielding the items of ``iterable`` unchanged.

    Examples
    --------
    >>> [v * v for v in progress(range(4), "squares")]
    [0, 1, 4, 9]
    >>> sum(1 for _ in progress(iter("abc"), "letters", total=3))
    3
    """
    return tqdm(iterable, desc=desc, total=total, file=sys.stderr, leave=False, dynamic_ncols=True)


def train(model: nn.Module, batch: Callable[[np.random.Generator], tuple[torch.Tensor, torch.Tensor]],
          loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], steps: int, rng: np.random.Generator,
          lr: float = 1e-2, clip: float = 1.0) -> dict[str, Any]:
    """Adam with gradient-norm clipping and a cosine learning-rate decay.

    Parameters
    ----------
    model : torch.nn.Module
    batch : callable
        ``batch(rng) -> (x, y)``: a fresh training batch.
    loss_fn : callable
        ``loss_fn(model(x), y) -> scalar``.
    steps : int
        Number of optimizer steps.
    rng : numpy.random.Generator
        Source of the batches.
    lr, clip : float
        Learning rate and gradient-norm bound.

    Returns
    -------
    dict
        ``{"final_loss", "diverged", "steps_done", "loss_curve"}``; the curve holds
        about 20 evenly spaced losses.

    Examples
    --------
    >>> from rnnexpr.experiments.nets import TorchStack
    >>> _ = seed_everything(0)
    >>> net = TorchStack([2], 1, kind="linear")
    >>> x = torch.randn(8, 3, 1, dtype=torch.float64)
    >>> out = train(net, lambda r: (x, x), torch.nn.functional.mse_loss, 50, np.random.default_rng(0))
    >>> out["diverged"], out["final_loss"] < 0.1
    (False, True)
    """
    steps = check_int(steps, "steps", minimum=1)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=lr * 0.05)
    every = max(1, steps // 20)
    curve: list[float] = []
    loss_value, diverged, done = math.nan, False, 0
    for step in range(steps):
        x, y = batch(rng)
        loss = loss_fn(model(x), y)
        loss_value = float(loss.detach())
        if not math.isfinite(loss_value):
            diverged = True
            break
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        sched.step()
        done = step + 1
        if step % every == 0 or step == steps - 1:
            curve.append(loss_value)
    return {"final_loss": loss_value, "diverged": diverged, "steps_done": done, "loss_curve": curve}


def summarize(values: Sequence[float]) -> dict[str, Any]:
    """Mean, standard deviation (ddof=1 when there are >= 2 values) and the values.

    Non-finite values (diverged runs) are kept in ``values`` and counted in
    ``n_nonfinite``; mean and std are over the finite ones.

    Examples
    --------
    >>> summarize([1.0, 2.0, 3.0])["mean"], summarize([1.0, 2.0, 3.0])["std"]
    (2.0, 1.0)
    """
    vals = [float(v) for v in values]
    finite = [v for v in vals if math.isfinite(v)]
    mean = float(np.mean(finite)) if finite else math.nan
    std = float(np.std(finite, ddof=1)) if len(finite) >= 2 else 0.0 if finite else math.nan
    return {"mean": mean, "std": std, "values": vals, "n": len(vals), "n_nonfinite": len(vals) - len(finite)}


def match_parameters(build: Callable[[int], nn.Module], target: int, low: int = 1, high: int = 256) -> tuple[int, int]:
    """The size ``k`` in ``[low, high]`` whose model ``build(k)`` has a parameter count closest to ``target``.

    Returns
    -------
    tuple of int
        ``(k, count)``.

    Examples
    --------
    >>> from rnnexpr.experiments.nets import TorchStack, count_parameters
    >>> match_parameters(lambda n: TorchStack([n], 1, kind="linear"), 60)
    (6, 55)
    """
    from .nets import count_parameters

    best: tuple[int, int] | None = None
    for k in range(low, high + 1):
        count = count_parameters(build(k))
        if best is None or abs(count - target) < abs(best[1] - target):
            best = (k, count)
        if count > 2 * target + 10:  # counts grow with k: stop early
            break
    assert best is not None
    return best


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        v = float(x)
        return v if math.isfinite(v) else str(v)  # JSON has no NaN/inf: keep them readable
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    return x


def write_outputs(name: str, results: dict[str, Any], figure: Any, out: str | Path) -> dict[str, str]:
    """Write ``<out>/<name>.json`` and ``<out>/<name>.png`` (at :data:`FIGURE_DPI`); return their paths.

    Non-finite floats are written as the strings ``"nan"``/``"inf"`` (JSON has none).

    Parameters
    ----------
    name : str
        Base name of the two files.
    results : dict
        JSON-like results (numpy scalars and arrays are converted).
    figure : matplotlib.figure.Figure
        Saved as PNG, then closed.
    out : str or pathlib.Path
        Output directory, created when missing.

    Returns
    -------
    dict
        ``{"json": path, "png": path}``.

    Examples
    --------
    >>> import json, tempfile
    >>> from matplotlib.figure import Figure
    >>> paths = write_outputs("demo", {"loss": np.float64("nan"), "k": np.int64(3)}, Figure(), tempfile.mkdtemp())
    >>> sorted(paths), paths["png"].endswith("demo.png")
    (['json', 'png'], True)
    >>> json.loads(Path(paths["json"]).read_text())
    {'loss': 'nan', 'k': 3}
    """
    import matplotlib.pyplot as plt

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": str(out / f"{name}.json"), "png": str(out / f"{name}.png")}
    with open(paths["json"], "w", encoding="utf-8") as fh:
        json.dump(_jsonable(results), fh, indent=1)
    figure.savefig(paths["png"], dpi=FIGURE_DPI)
    plt.close(figure)
    return paths
