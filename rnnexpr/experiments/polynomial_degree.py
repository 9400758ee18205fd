"""Experiment ``degree`` (T4/T5): a depth-2 linear 2RNN teacher, depth-1 vs depth-2 students.

Task: inputs ``x_t`` uniform in ``[-1, 1]^2``, sequences of length ``T``, target
the teacher's output ``y_T`` (standardized).  The teacher is a random depth-2
linear 2RNN (one per seed, :func:`make_teacher`: multiplicative terms amplified
three-fold, see there); its output has total degree up to ``T(T+1)/2`` and
degree up to ``T`` in each ``x_t`` (T4).  A depth-1 linear 2RNN of any width is
multilinear in ``([1; x_1], ..., [1; x_T])`` (:doc:`/guide/tt`), so its best possible
fit is the least-squares projection of the target onto the ``3^T`` multilinear
monomials: that "any-width depth-1 floor" is computed exactly (least squares on
a large sample) and drawn on the figure.  Students of depth 1 and depth 2 at
matched parameter counts are trained on fresh samples; reported: test
normalized MSE (MSE / Var) versus parameter count.  For the first seed, the
exact degree of every trained student (:func:`rnnexpr.polydegree.degree`) and its
numerical TT ranks (:func:`rnnexpr.tt.tt_ranks`, relative tolerance 1e-6) are
recorded.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..models import Linear2RNNLayer, Stack, random_stack
from .analysis import polynomial_degree, tt_ranks_of
from .harness import match_parameters, progress, seed_everything, summarize, train
from .nets import TorchStack, count_parameters

FULL = {"T": 4, "input_dim": 2, "teacher_widths": [3, 3], "teacher_A_scale": 3.0, "depth2_widths": [2, 3, 4, 5],
        "steps": 1500, "batch": 128, "lr": 5e-3, "test": 10000, "floor_samples": 50000}
QUICK = {"T": 3, "input_dim": 2, "teacher_widths": [2, 2], "teacher_A_scale": 3.0, "depth2_widths": [2],
         "steps": 15, "batch": 16, "lr": 5e-3, "test": 200, "floor_samples": 400}


def make_teacher(widths: list[int], input_dim: int, seed: int, a_scale: float) -> Stack:
    """The teacher: :func:`rnnexpr.models.random_stack` (kind ``"2rnn"``) with every ``A`` times ``a_scale``.

    At the default random scale (``a_scale = 1``) the multiplicative terms are
    small and the multilinear part explains over 99% of the teacher's variance at
    ``T = 4, 5``; amplifying them makes the high-degree part a visible share.

    Examples
    --------
    >>> make_teacher([2, 2], 2, seed=0, a_scale=3.0).widths
    (2, 2)
    """
    base = random_stack(widths, input_dim=input_dim, kind="2rnn", seed=seed)
    return Stack([Linear2RNNLayer(A=layer.A * a_scale, U=layer.U, V=layer.V, b=layer.b, h0=layer.h0)
                  for layer in base.layers], base.C, base.c)


def _inputs(rng: np.random.Generator, n: int, T: int, d: int) -> np.ndarray:
    return rng.uniform(-1.0, 1.0, size=(n, T, d))


def multilinear_features(x: np.ndarray) -> np.ndarray:
    """All products ``prod_t [1; x_t]_{i_t}``: shape ``(n, (d+1)^T)`` for ``x`` of shape ``(n, T, d)``.

    Their span is exactly the set of functions ``y_T`` a depth-1 linear 2RNN can
    reach at fixed length ``T`` (multilinear in the augmented inputs).

    Examples
    --------
    >>> multilinear_features(np.array([[[2.0], [3.0]]])).tolist()
    [[1.0, 3.0, 2.0, 6.0]]
    """
    n, T, d = x.shape
    aug = np.concatenate([np.ones((n, T, 1)), x], axis=2)
    feats = np.ones((n, 1))
    for t in range(T):
        feats = (feats[:, :, None] * aug[:, t, None, :]).reshape(n, -1)
    return feats


def _floor(teacher_net: TorchStack, cfg: dict[str, Any], rng: np.random.Generator, scale: float,
           x_test: torch.Tensor, y_test: torch.Tensor) -> float:
    """Normalized test MSE of the best multilinear fit (the any-width depth-1 floor).

    The least-squares fit uses its own large sample; it is scored on the students'
    test set, so the floor and the students are compared on the same inputs.
    """
    T, d = cfg["T"], cfg["input_dim"]
    xtr = _inputs(rng, cfg["floor_samples"], T, d)
    with torch.no_grad():
        ytr = teacher_net(torch.from_numpy(xtr))[:, -1, 0].numpy() / scale
    coef, *_ = np.linalg.lstsq(multilinear_features(xtr), ytr, rcond=None)
    yte = y_test.numpy()
    return float(np.mean((multilinear_features(x_test.numpy()) @ coef - yte) ** 2) / np.var(yte))


def run(quick: bool = False, seed: int = 0, seeds: int = 3) -> tuple[dict[str, Any], Any]:
    """Run the degree experiment; return ``(results, figure)`` (see the module docstring).

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
    One seed of the quick version (T = 3, 15 steps per student, about a second):

    >>> results, fig = run(quick=True, seeds=1)
    >>> results["theorem"], [row["model"] for row in results["summary"]]
    ('T4/T5', ['depth1', 'depth2'])
    >>> teacher = results["degrees"][0]
    >>> teacher["model"], teacher["expected_max"], teacher["degree"]["total"], teacher["degree"]["certified"]
    ('teacher', 6, 6, True)
    >>> results["floor"]["features"], type(fig).__name__
    (27, 'Figure')
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    cfg = QUICK if quick else FULL
    T, d = cfg["T"], cfg["input_dim"]
    pairs = []
    for w in cfg["depth2_widths"]:
        target = count_parameters(TorchStack([w, w], d))
        n, count1 = match_parameters(lambda n: TorchStack([n], d), target)
        pairs.append({"depth2": [w, w], "depth2_params": target, "depth1": [n], "depth1_params": count1})
    results: dict[str, Any] = {"experiment": "degree", "theorem": "T4/T5", "quick": quick, "config": cfg,
                               "seeds": list(range(seed, seed + seeds)), "pairs": pairs, "runs": [],
                               "summary": [], "floor": None, "degrees": []}
    floors = []
    errors: dict[tuple[str, int], list[float]] = {}
    jobs = [(s, p, key) for s in range(seed, seed + seeds) for p in pairs for key in ("depth1", "depth2")]
    teachers: dict[int, tuple[TorchStack, float, torch.Tensor, torch.Tensor]] = {}
    for s, p, key in progress(jobs, "degree"):
        if s not in teachers:
            teacher = make_teacher(cfg["teacher_widths"], d, 1000 + s, cfg["teacher_A_scale"])
            tnet = TorchStack.from_rnnexpr(teacher)
            with torch.no_grad():
                probe = tnet(torch.from_numpy(_inputs(np.random.default_rng(s), 4000, T, d)))[:, -1, 0]
            scale = float(probe.std())
            x_test = torch.from_numpy(_inputs(np.random.default_rng(30_000 + s), cfg["test"], T, d))
            with torch.no_grad():
                y_test = tnet(x_test)[:, -1, 0] / scale
            teachers[s] = (tnet, scale, x_test, y_test)
            floors.append(_floor(tnet, cfg, np.random.default_rng(20_000 + s), scale, x_test, y_test))
            results["degrees"].append({"seed": s, "model": "teacher", "widths": cfg["teacher_widths"],
                                       "expected_max": T * (T + 1) // 2, "degree": polynomial_degree(teacher, T)})
        tnet, scale, x_test, y_test = teachers[s]
        rng = seed_everything(s)
        net = TorchStack(p[key], d)

        def batch(r: np.random.Generator, n: int = cfg["batch"]) -> tuple[torch.Tensor, torch.Tensor]:
            x = torch.from_numpy(_inputs(r, n, T, d))
            with torch.no_grad():
                y = tnet(x)[:, -1, 0] / scale
            return x, y

        info = train(net, batch, lambda pred, y: torch.mean((pred[:, -1, 0] - y) ** 2), cfg["steps"], rng,
                     lr=cfg["lr"])
        with torch.no_grad():
            nmse = float(torch.mean((net(x_test)[:, -1, 0] - y_test) ** 2) / torch.var(y_test, correction=0))
        errors.setdefault((key, count_parameters(net)), []).append(nmse)
        results["runs"].append({"seed": s, "model": key, "widths": p[key], "parameters": count_parameters(net),
                                "test_nmse": nmse, **{k: v for k, v in info.items() if k != "loss_curve"}})
        if s == seed:  # exact degrees and TT ranks of the trained students (first seed)
            exported = net.to_rnnexpr()
            results["degrees"].append({
                "seed": s, "model": key, "widths": p[key], "parameters": count_parameters(net),
                "expected_max": T if key == "depth1" else T * (T + 1) // 2,
                "degree": polynomial_degree(exported, T),
                "tt_ranks": tt_ranks_of(exported, T, feature_map="affine" if key == "depth1" else "polynomial",
                                        rtol=1e-6, warn=False)})
    results["floor"] = {"depth1_any_width_nmse": summarize(floors),
                        "features": (d + 1) ** T, "samples": cfg["floor_samples"]}
    for (key, params), vals in sorted(errors.items()):
        results["summary"].append({"model": key, "parameters": params, "test_nmse": summarize(vals)})
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
    >>> rows = [{"model": "depth1", "parameters": 40, "test_nmse": summarize([0.3, 0.4])},
    ...         {"model": "depth2", "parameters": 42, "test_nmse": summarize([0.01, 0.02])}]
    >>> fig = figure({"config": {"T": 3}, "summary": rows,
    ...               "floor": {"depth1_any_width_nmse": summarize([0.25])}})
    >>> type(fig).__name__, fig.axes[0].get_yscale(), len(fig.axes[0].get_legend().get_texts())
    ('Figure', 'log', 3)
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .harness import FIGURE_STYLE

    with plt.rc_context(FIGURE_STYLE):
        fig, ax = plt.subplots(figsize=(5.4, 3.4))
        ticks: list[int] = []
        for k, (key, marker, ls, label) in enumerate((("depth1", "o", "-", "depth-1 student"),
                                                      ("depth2", "s", "--", "depth-2 student"))):
            rows = [r for r in results["summary"] if r["model"] == key]
            ps = [r["parameters"] for r in rows]
            ticks += ps if key == "depth1" else []
            mean = np.array([float(r["test_nmse"]["mean"]) for r in rows])
            ax.plot(ps, mean, marker=marker, ls=ls, color=f"C{k}", ms=4, lw=1.2, label=label)
            for p, r in zip(ps, rows, strict=True):  # every seed
                vals = [float(v) for v in r["test_nmse"]["values"]]
                ax.plot([p] * len(vals), vals, ls="none", marker=marker, ms=3, mfc="none", color=f"C{k}", alpha=0.7)
        floor = results["floor"]["depth1_any_width_nmse"]
        ax.axhline(float(floor["mean"]), color="gray", ls=":", label="depth-1 floor, any width (multilinear LSQ)")
        if ticks:
            ax.set_xticks(ticks)
        ax.set_xlabel("parameters (depth-2 students within a few of the depth-1 count)")
        ax.set_ylabel("test MSE / Var")
        ax.set_yscale("log")
        T = results["config"]["T"]
        ax.set_title(f"Depth-2 2RNN teacher, T = {T}: depth-1 vs depth-2 students (T4/T5)")
        ax.legend(frameon=False)
        fig.tight_layout()
    return fig


def summary_table(results: dict[str, Any]) -> list[list[str]]:
    """Rows ``[student, parameters, test MSE / Var]`` as text, a header first, the depth-1 floor last.

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
    >>> rows = [{"model": "depth2", "parameters": 39, "test_nmse": summarize([0.1, 0.3])}]
    >>> summary_table({"summary": rows, "floor": {"depth1_any_width_nmse": summarize([0.25])}})[1:]
    [['depth2', '39', '0.200 ± 0.141'], ['depth-1 floor (any width)', '-', '0.250 ± 0.000']]
    """
    out = [["student", "params", "MSE/Var"]]
    for r in results["summary"]:
        s = r["test_nmse"]
        out.append([r["model"], str(r["parameters"]), f"{float(s['mean']):.3f} ± {float(s['std']):.3f}"])
    f = results["floor"]["depth1_any_width_nmse"]
    out.append(["depth-1 floor (any width)", "-", f"{float(f['mean']):.3f} ± {float(f['std']):.3f}"])
    return out
