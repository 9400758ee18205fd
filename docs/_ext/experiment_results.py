"""The numbers of the results page, written from the committed experiment JSON at build time.

``docs/experiments_results.rst`` holds the prose that quotes no number; every
table and every sentence with a number comes from here, so the page cannot
drift from ``docs/_static/experiments/*.json``.  ``write_all(static, out)`` is
called from ``conf.py``; ``tests/test_docs.py`` re-reads the JSON and checks the
built page.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

EXPERIMENTS = ("memory", "degree", "state_tracking", "digits")


def load(static: Path, name: str) -> dict[str, Any]:
    return json.loads((Path(static) / f"{name}.json").read_text(encoding="utf-8"))


def num(x: Any) -> float:
    """A JSON number (non-finite values are stored as strings)."""
    return float(x)


def pm(stat: dict[str, Any], digits: int = 2) -> str:
    """``mean ± std`` of a summary (see rnnexpr.experiments.harness.summarize)."""
    return f"{num(stat['mean']):.{digits}f} ± {num(stat['std']):.{digits}f}"


def values(stat: dict[str, Any], digits: int = 2) -> str:
    return ", ".join(f"{num(v):.{digits}f}" for v in stat["values"])


def words(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def table(caption: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    out = [f".. list-table:: {caption}", "   :header-rows: 1", ""]
    for row in [list(header)] + [list(r) for r in rows]:
        out.append(f"   * - {row[0]}")
        out += [f"     - {cell}" for cell in row[1:]]
    return out + [""]


def seconds_sentence(static: Path) -> str:
    parts = [f"``{n}`` {num(load(static, n)['seconds']):.0f} s" for n in EXPERIMENTS]
    return f"Measured wall times of the committed full runs: {words(parts)}."


# ---------------------------------------------------------------------------
# memory (T2)
# ---------------------------------------------------------------------------


def memory(static: Path) -> list[str]:
    res = load(static, "memory")
    cfg = res["config"]
    rows = res["summary"]
    budgets = sorted({r["budget"] for r in rows})
    delays = sorted({r["delay"] for r in rows})
    get = {(r["budget"], r["model"], r["delay"]): r for r in rows}
    out = [f"Delayed copy `y_t = x_{{t-k}}` of Gaussian scalar inputs for the delays "
           f"`k \\in \\{{{', '.join(map(str, delays))}\\}}`, sequences of length `k + {cfg['extra']}`, "
           f"MSE on the steps `t > k`, {cfg['steps']} Adam steps of batch {cfg['batch']}, tested on "
           f"{cfg['test']} sequences. At each parameter budget ({words([f'~{b}' for b in budgets])}), a "
           "one-layer linear RNN (the largest width `n` within the budget) is compared with a deep narrow "
           "one (layers of width 2, as many, `L`, as the budget allows). By T2 one layer of width `n` "
           "represents exactly the delays `k \\le n - 1`, and `L` layers of width 2 the delays "
           "`k \\le L`.", "",
           ".. figure:: _static/experiments/memory.png", "   :width: 100%", "",
           "   Test `R^2` against the delay, one panel per budget; lines are means, open markers the seeds; "
           "dotted: the largest delay each network represents.", ""]

    def name(r: dict[str, Any]) -> str:
        return f"{r['depth']} x {r['width']} ({r['parameters']} p.)"

    cannot = []
    for b in budgets:
        sh, dp = get[(b, "shallow", delays[0])], get[(b, "deep", delays[0])]
        for k in delays:
            if k > sh["width"] - 1:
                cannot.append((b, k, get[(b, "shallow", k)], get[(b, "deep", k)], k <= dp["depth"]))
    deep_better = [c for c in cannot if num(c[3]["test_r2"]["mean"]) > num(c[2]["test_r2"]["mean"])]
    both_cannot = [c for c in cannot if not c[4]]
    out += ["**Where one layer cannot represent the delay** (`k > n - 1`): the separation T2 is about.", ""]
    out += table("Test `R^2` (mean ± std over 3 seeds) where the single layer cannot represent the delay",
                 ["budget", "delay `k`", "one layer", "`R^2`", "deep", "`R^2`", "deep represents `k`?"],
                 [[f"~{b}", k, name(s), pm(s["test_r2"]), name(d), pm(d["test_r2"]), "yes" if ok else "no"]
                  for b, k, s, d, ok in cannot])
    sep = [c for c in cannot if c[4]]
    text = (f"In these {len(cannot)} cases the deep network has the higher mean `R^2` in {len(deep_better)}. ")
    if sep:
        best = max(sep, key=lambda c: num(c[3]["test_r2"]["mean"]) - num(c[2]["test_r2"]["mean"]))
        text += (f"In the {len(sep)} of them where the deep network can represent the delay and the single "
                 f"layer cannot, the deep network's mean `R^2` ranges from "
                 f"{min(num(c[3]['test_r2']['mean']) for c in sep):.2f} to "
                 f"{max(num(c[3]['test_r2']['mean']) for c in sep):.2f} against "
                 f"{min(num(c[2]['test_r2']['mean']) for c in sep):.2f} to "
                 f"{max(num(c[2]['test_r2']['mean']) for c in sep):.2f} for the single layer; the largest "
                 f"gap is at budget ~{best[0]}, `k = {best[1]}` ({pm(best[3]['test_r2'])} against "
                 f"{pm(best[2]['test_r2'])}). ")
    if both_cannot:
        text += (f"In the other {len(both_cannot)} neither network can represent the delay, and both only "
                 "approximate it.")
    out += [text, ""]
    out += table("Test `R^2` at every budget and delay (mean ± std over 3 seeds)",
                 ["budget", "model (parameters)"] + [f"`k = {k}`" for k in delays],
                 [[f"~{b}", name(get[(b, m, delays[0])])] + [pm(get[(b, m, k)]["test_r2"]) for k in delays]
                  for b in budgets for m in ("shallow", "deep")])
    # where both could represent it: training did not always find it
    gaps = []
    for b in budgets:
        for m in ("shallow", "deep"):
            for k in delays:
                r = get[(b, m, k)]
                limit = r["width"] - 1 if m == "shallow" else r["depth"]
                if k <= limit and num(r["test_r2"]["mean"]) < 0.99:
                    gaps.append(f"{r['depth']} x {r['width']} at `k = {k}` (`R^2` per seed "
                                f"{values(r['test_r2'])})")
    if gaps:
        out += ["**Where the network can represent the delay but training did not find it** (mean `R^2` "
                f"below 0.99): {words(gaps)}. These are optimization gaps, not expressivity: the "
                "representable cases are not all learned with this budget of steps.", ""]
    parts = []
    for m, label in (("shallow", "one-layer"), ("deep", "deep")):
        runs = [r for r in res["runs"] if r["model"] == m and isinstance(r.get("impulse_hankel_rank"), dict)]
        pairs = [(sum(r["widths"]), r["impulse_hankel_rank"]["rank"]) for r in runs]
        within = sum(1 for t, k in pairs if k <= t)
        equal = sum(1 for t, k in pairs if k == t)
        parts.append(f"in the {len(runs)} {label} runs, at most the total width in {within} and equal to it "
                     f"in {equal}")
        if m == "deep":
            deep_equal, deep_runs = equal, len(runs)
    out += ["The numerical Hankel rank of each trained model's impulse response (the JSON holds each rank "
            f"with its tolerance and gap) is, {words(parts)}"
            + (": the deep networks mostly use far less than their total width." if deep_equal < deep_runs / 2
               else "."), ""]
    return out


# ---------------------------------------------------------------------------
# degree (T4, T5)
# ---------------------------------------------------------------------------


def degree(static: Path) -> list[str]:
    res = load(static, "degree")
    cfg = res["config"]
    floor = res["floor"]
    rows = {(r["model"], r["parameters"]): r for r in res["summary"]}
    T, d = cfg["T"], cfg["input_dim"]
    out = [f"A random depth-2 linear 2RNN teacher of widths {tuple(cfg['teacher_widths'])} on inputs uniform "
           f"in `[-1, 1]^{d}`, sequences of length `T = {T}`, target its last output (standardized). The "
           "teacher is :func:`rnnexpr.models.random_stack` with its multiplicative terms ``A`` multiplied by "
           f"{cfg['teacher_A_scale']:g} (``make_teacher``): at the library's default random scale the "
           "multilinear part explains most of the teacher's variance and there is little for depth to show. "
           "Depth-1 and depth-2 students at matched parameter counts are trained for "
           f"{cfg['steps']} Adam steps on fresh samples (batch {cfg['batch']}) and scored on {cfg['test']} "
           "test sequences. The dotted line is the floor of **any** depth-1 2RNN: the least-squares "
           f"projection of the target on the `{d + 1}^{T} = {floor['features']}` multilinear monomials of "
           f"`([1; x_1], \\dots, [1; x_{T}])` (fitted on {floor['samples']} samples, scored on the same test "
           "set).", ""]
    out += [".. figure:: _static/experiments/degree.png", "   :width: 75%", "",
            "   Test MSE / variance against the parameter count; open markers are seeds.", ""]
    out += table(f"Test MSE / variance (mean ± std over 3 seeds); floor of any depth-1 2RNN: "
                 f"{pm(floor['depth1_any_width_nmse'], 3)}",
                 ["depth-1 student (parameters)", "MSE / Var", "depth-2 student (parameters)", "MSE / Var"],
                 [[f"width {p['depth1'][0]} ({p['depth1_params']})",
                   pm(rows[("depth1", p["depth1_params"])]["test_nmse"], 3),
                   f"widths {', '.join(map(str, p['depth2']))} ({p['depth2_params']})",
                   pm(rows[("depth2", p["depth2_params"])]["test_nmse"], 3)] for p in res["pairs"]])
    degs = [g for g in res["degrees"] if g["seed"] == res["seeds"][0]]
    d1 = [g for g in degs if g["model"] == "depth1"]
    d2 = [g for g in degs if g["model"] == "depth2"]
    te = [g for g in res["degrees"] if g["model"] == "teacher"]

    def same(gs: list[dict[str, Any]], key: str) -> str:
        vals = sorted({str(tuple(g["degree"][key])) if isinstance(g["degree"][key], list) else str(g["degree"][key])
                       for g in gs})
        return " or ".join(vals)

    certified = all(g["degree"]["certified"] for g in degs + te)
    out += [f"The exact degrees of the trained students, computed by :func:`rnnexpr.polydegree.degree` on the "
            f"exported models (first seed): total degree {same(d1, 'total')} with per-input degrees "
            f"{same(d1, 'per_input')} for the depth-1 students; total degree {same(d2, 'total')} with per-input "
            f"degrees {same(d2, 'per_input')} for the depth-2 students, and {same(te, 'total')} with "
            f"{same(te, 'per_input')} for the teachers ({'all certified' if certified else 'not all certified'})."
            " These are the generic degrees of T4.", ""]
    tt1 = ", ".join(f"{tuple(g['tt_ranks']['ranks'])} at width {g['widths'][0]}" for g in d1)
    tt2 = sorted({tuple(g["tt_ranks"]["ranks"]) for g in d2})
    rtol = sorted({g["tt_ranks"]["rtol"] for g in d1 + d2})
    out += [f"Their numerical TT ranks (relative tolerance {words([f'{r:g}' for r in rtol])}): on the feature "
            f"map `[1; x]`, {tt1} for the depth-1 students (each at most `n + 1`, :doc:`guide/tt`, and at "
            f"most the rank of the unfolding's smaller side); on the polynomial feature map, "
            f"{' or '.join(map(str, tt2))} for the depth-2 students.", ""]
    best1 = max(p["depth1_params"] for p in res["pairs"])
    b = rows[("depth1", best1)]["test_nmse"]["values"]
    f = floor["depth1_any_width_nmse"]["values"]
    rel = [num(x) / num(y) - 1 for x, y in zip(b, f, strict=True)]
    d2best = rows[("depth2", max(p["depth2_params"] for p in res["pairs"]))]["test_nmse"]
    out += ["What it shows: the depth-1 students stop improving at the multilinear floor whatever their width, "
            "while depth-2 students of the same size go below it, with the error falling as they grow (down "
            f"to {pm(d2best, 4)} at {max(p['depth2_params'] for p in res['pairs'])} parameters). The floor is "
            "itself an estimate (least squares on a finite sample of a heavy-tailed target): the largest "
            "depth-1 student's error relative to the floor is "
            + ", ".join(f"{100 * r:+.2f} %" for r in rel) + " on the seeds "
            + ", ".join(map(str, res["seeds"])) + ". What it does not show: that depth 1 is worse for every "
            f"target. The teacher's multiplicative terms were amplified ({cfg['teacher_A_scale']:g} x) so that "
            "its non-multilinear part is large; at the default scale there is little left below the floor.", ""]
    return out


# ---------------------------------------------------------------------------
# state tracking (T6c)
# ---------------------------------------------------------------------------

SHORT = {"linear 2RNN": "linear 2RNN", "relu stack (2 layers)": "ReLU stack", "tanh stack (2 layers)": "tanh stack",
         "tanh RNN": "tanh RNN"}
TASK = {"parity": "parity", "mod3": "mod 3", "s3": "`S_3`"}
TASK_CLASSES = {"parity": 2, "mod3": 3, "s3": 6}


def _size(row: dict[str, Any]) -> str:
    s = row["size"]
    return f"{s[0]}+{s[1]}" if isinstance(s, list) else str(s)


def state_tracking(static: Path) -> list[str]:
    res = load(static, "state_tracking")
    cfg = res["config"]
    T = cfg["train_length"]
    Ls = [int(L) for L in cfg["test_lengths"]]
    Lmax = max(Ls)
    fams = res["families"]
    lrs = ", ".join(f"{x:g}" for x in cfg["lrs"])
    out = [f"Parity and counting modulo 3 over bits, and running products in the symmetric group `S_3` (6 "
           f"symbols, 6 classes); labels at every step; training on sequences of length {T} ({cfg['steps']} "
           f"Adam steps, batch {cfg['batch']}, cross-entropy at every step), testing the last-step prediction "
           f"on {cfg['test']} fresh sequences of each length {words([str(L) for L in Ls])} (1 to "
           f"{Lmax // T} times the training length). Four families: a one-layer pure linear 2RNN, two "
           "depth-wise-nonlinear stacks (two linear recurrences with ReLU or tanh between them, the class of "
           ":doc:`theory/t6`) and a tanh RNN (a nonlinear recurrence, outside that class).", "",
           "The protocol gives every family the same chances: every one has a learned initial state and the "
           "option of a per-step unit-norm rescaling of each layer's output (between the layers for the "
           "stacks, so they stay linear in time; inside the recurrence for the 2RNN, which is the same "
           f"function since a pure layer is homogeneous in its state); for every family and size the learning "
           f"rate (from {{{lrs}}}) and the normalization (off or on) are chosen on a validation set of "
           f"{cfg['validation']} sequences at the training length, with the first seed, and the other seeds "
           f"use the chosen setting. Each family grows until its mean last-step validation accuracy over the "
           f"seeds reaches {100 * cfg['fit']:g} %: the 2RNN by width, the others along parameter counts of "
           + words([f"{f:g}" for f in cfg["ladder"]]) + " times a matched count `P` (a 2RNN for which every "
           f"family has a size within {100 * cfg['match']:g} % of its parameters), up to {cfg['cap']:g} `P`. "
           "Every family is also trained at `P`.", ""]
    out += [".. figure:: _static/experiments/state_tracking.png", "   :width: 100%", "",
            "   Last-step accuracy against the test length (log scale), top: each family at its smallest "
            "fitting size, bottom: at the matched count `P`; lines are means over seeds, open markers the "
            "seeds; dotted: chance.", ""]
    header = ["task", "family", "size (parameters)", f"validation at {T}"] + [f"`T = {L}`" for L in Ls]

    def line(task: str, row: dict[str, Any]) -> list[str]:
        acc = {int(k): v for k, v in row["accuracy"].items()}
        return ([TASK[task], SHORT[row["model"]], f"{_size(row)} ({row['parameters']})",
                 pm(row["validation_accuracy"])] + [pm(acc[L]) for L in Ls])

    small, matched = [], []
    for task in cfg["tasks"]:
        comp = res["comparison"][task]
        for fam in fams:
            row = comp["smallest_fitting"].get(fam)
            tried = max(r["parameters"] for r in res["summary"] if r["task"] == task and r["model"] == fam)
            small.append(line(task, row) if row else [TASK[task], SHORT[fam], f"none up to {tried}",
                                                      "--"] + ["--"] * len(Ls))
            if comp["matched"].get(fam):
                matched.append(line(task, comp["matched"][fam]))
    out += table("Last-step accuracy (mean ± std over 3 seeds) at each family's smallest fitting size",
                 header, small)
    out += table("Last-step accuracy (mean ± std over 3 seeds) at the matched parameter count `P`",
                 header, matched)
    # sentences from the numbers
    sentences = []
    for task in cfg["tasks"]:
        comp = res["comparison"][task]
        fit = {f: r for f, r in comp["smallest_fitting"].items() if r}
        nofit = [SHORT[f] for f in fams if f not in fit]
        held = [SHORT[f] for f, r in fit.items() if num(r["accuracy"][str(Lmax)]["mean"]) >= 0.99]
        part = f"{TASK[task]}: " + (
            f"{words([SHORT[f] + ' at ' + str(r['parameters']) for f, r in fit.items()])} parameters "
            f"{'fits' if len(fit) == 1 else 'fit'} the training length" if fit else "no family fits the training length")
        part += f" ({words(nofit)} at no tried size)" if nofit and fit else ""
        part += (f"; at {Lmax // T} times the training length, {words(held) if held else 'none'} still "
                 f"{'reach' if len(held) > 1 else 'reaches'} 99 %" if fit else "")
        sentences.append(part)
    out += ["At the smallest fitting sizes, " + "; ".join(sentences) + ".", ""]
    msent = []
    for task in cfg["tasks"]:
        comp = res["comparison"][task]
        accs = {SHORT[f]: num(r["accuracy"][str(Lmax)]["mean"]) for f, r in comp["matched"].items()}
        msent.append(f"{TASK[task]} (`P = {comp['matched_parameters']}`): "
                     + ", ".join(f"{f} {a:.2f}" for f, a in accs.items()))
    out += [f"At the matched count, the mean accuracies at length {Lmax} are: " + "; ".join(msent) + ".", ""]
    # what the run can and cannot say about T6 (c)
    stacks = [f for f in fams if f.endswith("(2 layers)")]
    unfit = []
    for task in cfg["tasks"]:
        comp = res["comparison"][task]
        if all(comp["smallest_fitting"].get(f) is None for f in stacks):
            rows = [r for r in res["summary"] if r["task"] == task and r["model"] in stacks]
            best = max(rows, key=lambda r: num(r["validation_accuracy"]["mean"]))
            unfit.append(f"{TASK[task]} (best: {SHORT[best['model']]} at {best['parameters']} parameters, "
                         f"{pm(best['validation_accuracy'])})")
    if unfit:
        out += [f"**What it does not show.** On {len(unfit)} of {len(cfg['tasks'])} tasks no depth-wise stack "
                "reached the fitting threshold at the training length at any tried size: "
                f"{words(unfit)}. On those tasks this run does not test the stacks' length generalization, "
                "which is what T6 (c) is about; it shows only that, with this training budget, the stacks did "
                "not learn the task even at the training length.", ""]
    two = [r for r in res["summary"] if r["model"] == "linear 2RNN"]
    off = [r for r in two if not r["chosen"]["normalize"]]
    def tie(r: dict[str, Any]) -> bool:
        """The other normalization setting reached the best validation accuracy too."""
        best = max(num(g["validation_accuracy"]) for g in r["grid"])
        return any(g["normalize"] != r["chosen"]["normalize"] and num(g["validation_accuracy"]) >= best
                   for g in r["grid"])

    tied = [r for r in two if tie(r)]
    gen = []
    for task in cfg["tasks"]:
        row = res["comparison"][task]["smallest_fitting"].get("linear 2RNN")
        if row:
            gen.append(f"{TASK[task]} {num(row['accuracy'][str(Lmax)]['mean']):.2f} (per seed "
                       f"{values(row['accuracy'][str(Lmax)])})")
    if gen:
        chance = words([f"{1 / TASK_CLASSES[t]:.2f}" for t in cfg["tasks"]])
        out += [f"**The 2RNN's length generalization.** At its smallest fitting size the 2RNN's accuracy at length "
                f"{Lmax} is {words(gen)} (chance: {chance}). The validation at the training length chose no normalization for "
                f"{len(off)} of the {len(two)} 2RNN sizes; in {len(tied)} of them the other setting reached the "
                "same validation accuracy, so the choice was made by the validation loss: a selection at the "
                "training length cannot see length generalization.", ""]
    # 2RNN analyses
    an = [r for r in res["runs"] if r["model"] == "linear 2RNN" and "analysis" in r]
    if an:
        pairs = [(r["size"], k) for r in an for k in r["analysis"]["hankel_rank"]]
        rank = [(r["size"], h["rank"] if isinstance(h, dict) else h) for r in an for h in r["analysis"]["hankel_rank"]]
        eq = sum(1 for n, k in rank if k == n)
        below = sum(1 for n, k in rank if k < n)
        out += [f"The exported WFAs of the trained 2RNNs (one per class; {len(pairs)} in all): their numerical "
                "Hankel ranks (:func:`rnnexpr.hankel.hankel_rank`, ``rtol=1e-5``) equal the 2RNN width in "
                f"{eq}, are below it in {below} and above it in {len(rank) - eq - below}; a rank equal to the "
                "width means that WFA is minimal at that tolerance.", ""]
    return out


# ---------------------------------------------------------------------------
# digits
# ---------------------------------------------------------------------------


def digits(static: Path) -> list[str]:
    res = load(static, "digits")
    cfg = res["config"]
    data = res["data"]
    budgets = cfg["budgets"]
    models = list(dict.fromkeys(r["model"] for r in res["summary"]))
    get = {(r["model"], r["budget"]): r for r in res["summary"]}
    out = [f"scikit-learn's digits ({data['samples']} images of 8 x 8 pixels) read row by row as "
           f"{data['steps']} steps of {data['inputs_per_step']} inputs, a stratified split with "
           f"{100 * cfg['test_fraction']:g} % held out per seed, {cfg['steps']} Adam steps of batch "
           f"{cfg['batch']}, class read from the last output; parameter budgets {words([f'~{b}' for b in budgets])}.",
           "", ".. figure:: _static/experiments/digits.png", "   :width: 100%", "",
           "   Test accuracy per model (the axis is zoomed; dots are seeds).", ""]
    out += table("Test accuracy (mean ± std over 3 seeds)", ["model"] + [f"budget ~{b}" for b in budgets],
                 [[m] + [f"{pm(get[(m, b)]['test_accuracy'])} ({get[(m, b)]['parameters']} p.)" for b in budgets]
                  for m in models])
    big, small = max(budgets), min(budgets)
    means = {m: num(get[(m, big)]["test_accuracy"]["mean"]) for m in models}
    worst_small = min(models, key=lambda m: num(get[(m, small)]["test_accuracy"]["mean"]))
    spread = max(means.values()) - min(means.values())
    stds = [num(get[(m, big)]["test_accuracy"]["std"]) for m in models]
    loss2 = [num(r["final_loss"]) for r in res["runs"] if "2RNN" in r["model"] and r["budget"] == big]
    out += [f"What it shows: on this small, short-sequence task every family reaches between "
            f"{100 * min(means.values()):.1f} % and {100 * max(means.values()):.1f} % at ~{big} parameters; "
            f"the spread of the means ({100 * spread:.1f} points) is {spread / max(max(stds), 1e-12):.1f} times "
            f"the largest seed standard deviation ({100 * max(stds):.1f} points). At ~{small} parameters the "
            f"weakest is the {worst_small} ({pm(get[(worst_small, small)]['test_accuracy'])}). The "
            "expressivity separations of the theory do not translate into an accuracy advantage here: an "
            f"honest null result for this task. The 2RNNs' final training loss at ~{big} parameters is at most "
            f"{max(loss2):.1g}: they fit the training set and overfit.", ""]
    return out


def write_all(static: str | Path, out: str | Path) -> list[Path]:
    """Write ``<out>/<name>.inc`` (included by the results page) for each experiment from ``<static>/<name>.json``; return the paths."""
    static, out = Path(static), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fn in (("memory", memory), ("degree", degree), ("state_tracking", state_tracking),
                     ("digits", digits)):
        path = out / f"{name}.inc"
        path.write_text("\n".join(fn(static)) + "\n", encoding="utf-8")
        written.append(path)
    path = out / "seconds.inc"
    path.write_text(seconds_sentence(static) + "\n", encoding="utf-8")
    written.append(path)
    return written
