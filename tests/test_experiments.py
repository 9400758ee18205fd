"""Training experiments: torch models equal the toolkit's models, tasks and analyses are right, runs work."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

from rnnexpr import (  # noqa: E402
    DepthwiseStack,
    Linear2RNNLayer,
    LinearRNNLayer,
    ModelKindError,
    ShapeError,
    Stack,
    random_depthwise_stack,
    random_stack,
)
from rnnexpr.experiments import EXPERIMENTS, run_experiment  # noqa: E402
from rnnexpr.experiments.analysis import impulse_response, impulse_response_rank  # noqa: E402
from rnnexpr.experiments.harness import match_parameters, seed_everything, summarize, train  # noqa: E402
from rnnexpr.experiments.nets import (  # noqa: E402
    TanhRNN,
    TorchDepthwiseStack,
    TorchLayer,
    TorchStack,
    count_parameters,
)
from rnnexpr.experiments.polynomial_degree import make_teacher, multilinear_features  # noqa: E402
from rnnexpr.experiments.state_tracking import TASKS, labels  # noqa: E402

widths_st = st.lists(st.integers(1, 3), min_size=1, max_size=3)


# ---------------------------------------------------------------------------
# torch models == rnnexpr models
# ---------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(widths=widths_st, kind=st.sampled_from(["2rnn", "pure", "linear"]), d=st.integers(1, 3),
       p=st.integers(1, 2), seed=st.integers(0, 10**6))
def test_torch_forward_equals_stack_run_both_directions(widths, kind, d, p, seed):
    x = np.random.default_rng(seed).normal(size=(3, 5, d))
    # rnnexpr -> torch
    stack = random_stack(widths, input_dim=d, output_dim=p, kind=kind, seed=seed, with_initial_state=True)
    net = TorchStack.from_rnnexpr(stack)
    with torch.no_grad():
        y = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(y, stack.run(x), rtol=1e-10, atol=1e-12)
    # torch -> rnnexpr, with a learned nonzero initial state
    torch.manual_seed(seed)
    net2 = TorchStack(widths, d, p, kind=kind, learn_h0=True)
    with torch.no_grad():
        for layer in net2.layers:
            layer.h0.normal_()
        y2 = net2(torch.from_numpy(x)).numpy()
    exported = net2.to_rnnexpr()
    assert exported.widths == tuple(widths)
    assert exported.num_parameters() == count_parameters(net2) - sum(widths)  # h0 is not counted there
    np.testing.assert_allclose(y2, exported.run(x), rtol=1e-10, atol=1e-12)
    assert exported.is_linear_rnn == (kind == "linear")


def test_exact_export_evaluates_the_float_parameters_exactly():
    torch.manual_seed(0)
    net = TorchStack([2, 2], 1, kind="2rnn")
    exact = net.to_rnnexpr(exact=True)
    assert exact.is_exact
    x = np.array([[0.5], [-1.0], [0.25]])  # dyadic inputs: exact in both domains
    y_exact = exact.run(x, exact=True)
    assert all(isinstance(v, Fraction) for v in y_exact.ravel())
    with torch.no_grad():
        y = net(torch.from_numpy(x[None]))[0].numpy()
    np.testing.assert_allclose(np.array(y_exact, dtype=float), y, rtol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("readout_activation", [False, True])
def test_depthwise_forward_equals_depthwise_stack_run(activation, readout_activation):
    torch.manual_seed(1)
    net = TorchDepthwiseStack([3, 2, 2], 2, 2, activation=activation, readout_activation=readout_activation)
    x = np.random.default_rng(1).normal(size=(4, 6, 2))
    with torch.no_grad():
        y = net(torch.from_numpy(x)).numpy()
    exported = net.to_rnnexpr()
    assert isinstance(exported, DepthwiseStack) and exported.activation.name == activation
    np.testing.assert_allclose(y, exported.run(x), rtol=1e-10, atol=1e-12)
    # and an independently drawn rnnexpr depth-wise stack, copied into torch layer by layer
    ref = random_depthwise_stack([2, 3], 2, activation=activation, seed=3, readout_activation=readout_activation)
    net2 = TorchDepthwiseStack([2, 3], 2, 1, activation=activation, readout_activation=readout_activation)
    net2.layers = torch.nn.ModuleList([TorchLayer.from_rnnexpr(layer) for layer in ref.layers])
    with torch.no_grad():
        net2.readout.weight.copy_(torch.as_tensor(np.array(ref.C)))
        net2.readout.bias.zero_()
        y2 = net2(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(y2, ref.run(x), rtol=1e-10, atol=1e-12)


def test_tanh_rnn_refuses_export_clearly():
    with pytest.raises(ModelKindError, match="tanh RNN"):
        TanhRNN(3, 2).to_rnnexpr()


def test_state_normalization_keeps_the_decisions_of_the_exported_model():
    torch.manual_seed(2)
    net = TorchStack([3], 4, 5, kind="pure", readout_bias=False, normalize_state=True, learn_h0=True)
    with torch.no_grad():
        net.layers[0].A.mul_(3.0)  # growing states: unnormalized values are large
    words = np.random.default_rng(2).integers(0, 4, size=(20, 30))
    x = np.eye(4)[words]
    with torch.no_grad():
        logits = net(torch.from_numpy(x)).numpy()
    raw = net.to_rnnexpr().run(x)
    # normalized logits are positive multiples of the exported model's, step by step
    ratio = np.linalg.norm(raw, axis=-1) / np.linalg.norm(logits, axis=-1)
    np.testing.assert_allclose(logits * ratio[..., None], raw, rtol=1e-8)
    assert np.all(ratio > 0)
    assert np.array_equal(logits.argmax(-1), raw.argmax(-1))


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="kind"):
        TorchStack([2], 1, kind="quadratic")
    with pytest.raises(ValueError, match="widths"):
        TorchStack([], 1)
    with pytest.raises(ValueError, match="normalize_state"):
        TorchStack([2], 1, kind="2rnn", normalize_state=True)
    with pytest.raises(ValueError, match="activation"):
        TorchDepthwiseStack([2], 1, activation="sigmoid")
    with pytest.raises(ValueError, match="widths\\[0\\]"):
        TorchStack([0], 1)
    net = TorchStack([2], 3)
    with pytest.raises(ShapeError, match=r"\(batch, T, 3\)"):
        net(torch.zeros(2, 4, 2, dtype=torch.float64))
    with pytest.raises(TypeError, match="torch.Tensor"):
        net(np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match="finite"):
        net(torch.full((1, 2, 3), float("nan"), dtype=torch.float64))
    with pytest.raises(ModelKindError):
        TorchStack.from_rnnexpr(random_depthwise_stack([2], 1))
    with pytest.raises(ValueError, match="seed"):
        seed_everything(-1)


# ---------------------------------------------------------------------------
# harness
# ---------------------------------------------------------------------------


def test_training_is_deterministic_and_reduces_the_loss():
    def once():
        rng = seed_everything(7)
        net = TorchStack([3], 1, kind="linear")
        return train(net, lambda r: (lambda x: (x, x))(torch.from_numpy(r.normal(size=(8, 4, 1)))),
                     torch.nn.functional.mse_loss, 40, rng)

    a, b = once(), once()
    assert a == b
    assert a["loss_curve"][-1] < a["loss_curve"][0]


def test_training_stops_and_reports_divergence():
    rng = seed_everything(0)
    net = TorchStack([2], 1, kind="linear")
    out = train(net, lambda r: (torch.ones(2, 2, 1, dtype=torch.float64), torch.ones(2, 2, 1, dtype=torch.float64)),
                lambda pred, y: (pred * float("inf")).sum(), 10, rng)
    assert out["diverged"] and out["steps_done"] == 0


def test_summarize_and_match_parameters():
    s = summarize([1.0, float("nan"), 3.0])
    assert (s["mean"], s["n"], s["n_nonfinite"]) == (2.0, 3, 1)
    assert math.isclose(s["std"], math.sqrt(2.0))
    # a linear RNN layer of width n with scalar input and output: n^2 + 3n + 1 parameters
    n, count = match_parameters(lambda n: TorchStack([n], 1, kind="linear"), 131)
    assert (n, count) == (10, 131)


# ---------------------------------------------------------------------------
# tasks and analyses: checked against brute force and explicit constructions
# ---------------------------------------------------------------------------


def _brute_s3(word):
    perms = list(itertools.permutations(range(3)))
    state = (0, 1, 2)
    out = []
    for s in word:
        g = perms[s]
        state = tuple(g[state[i]] for i in range(3))  # apply the running product, then g
        out.append(perms.index(state))
    return out


def test_state_tracking_labels_match_brute_force():
    words = np.random.default_rng(0).integers(0, 6, size=(30, 12))
    assert labels("s3", words).tolist() == [_brute_s3(w) for w in words.tolist()]
    bits = np.random.default_rng(1).integers(0, 2, size=(30, 12))
    for task, mod in (("parity", 2), ("mod3", 3)):
        expected = [[sum(w[: t + 1]) % mod for t in range(12)] for w in bits.tolist()]
        assert labels(task, bits).tolist() == expected
    with pytest.raises(ValueError, match="task"):
        labels("z5", bits)


def test_s3_labels_are_computed_by_a_one_layer_pure_2rnn_exactly():
    """T6c's premise: a 3-unit pure linear 2RNN (permutation matrices) tracks S3 exactly."""
    perms = list(itertools.permutations(range(3)))
    A = np.zeros((3, 6, 3), dtype=object)
    A[...] = Fraction(0)
    for s, g in enumerate(perms):
        for i in range(3):  # h_new[g(i)] = h[i]: A_s^T is the permutation matrix of g
            A[i, s, g[i]] = Fraction(1)
    h0 = [Fraction(1), Fraction(2), Fraction(3)]
    C = np.array([[Fraction(h0[p.index(i)]) for i in range(3)] for p in perms], dtype=object)
    stack = Stack([Linear2RNNLayer(A=A, h0=h0)], C=C)
    words = np.random.default_rng(3).integers(0, 6, size=(10, 9))
    x = np.eye(6)[words]
    pred = np.array(stack.run(x.astype(int).astype(object), exact=True), dtype=float).argmax(-1)
    assert pred.tolist() == labels("s3", words).tolist()
    assert TASKS["s3"] == (6, 6)


def _stack_count(w1, w2, d, K):
    """Closed form: two linear recurrences (U, V, b, learned h0 each) and a readout with bias."""
    return (w1 * d + w1 * w1 + 2 * w1) + (w2 * w1 + w2 * w2 + 2 * w2) + K * w2 + K


@pytest.mark.parametrize("task", ["parity", "mod3", "s3"])
def test_state_tracking_matched_sizes_are_within_five_percent(task):
    from rnnexpr.experiments import state_tracking as stt

    d, K = TASKS[task]
    matched = stt.matched_sizes(task)
    n, target = matched["linear 2RNN"]
    assert target == n * d * n + n + K * n  # pure layer A, learned h0, readout without bias
    for family, (size, count) in matched.items():
        assert abs(count - target) <= 0.05 * target, (family, count, target)
        net = stt._build(task, family, size, False)
        assert count == sum(p.numel() for p in net.parameters())
        if family.endswith("(2 layers)"):
            assert count == _stack_count(*size, d, K)
        if family == "tanh RNN":  # torch's RNN has two bias vectors
            assert count == size * d + size * size + 2 * size + size + K * size + K


@pytest.mark.parametrize("family", ["linear 2RNN", "relu stack (2 layers)", "tanh stack (2 layers)", "tanh RNN"])
def test_state_tracking_arms_get_the_same_options(family):
    """Every arm: a learned initial state, and a per-step unit-norm rescaling that keeps its class."""
    from rnnexpr.experiments import state_tracking as stt

    size = stt.matched_sizes("parity")[family][0]
    x, y = stt._data("parity", np.random.default_rng(0), 16, 7)
    outputs = {}
    for normalize in (False, True):
        _ = seed_everything(1)
        net = stt._build("parity", family, size, normalize)
        h0 = [p for name, p in net.named_parameters() if name.endswith("h0")]
        assert h0 and all(p.requires_grad for p in h0)
        stt._loss(net(x), y).backward()
        assert all(p.grad is not None and torch.any(p.grad != 0) for p in h0)
        with torch.no_grad():
            outputs[normalize] = net(x)
    assert not torch.allclose(outputs[False], outputs[True])
    if family == "linear 2RNN":  # homogeneous in its state: the same decisions, scaled logits
        assert torch.equal(outputs[False].argmax(-1), outputs[True].argmax(-1))
        ratio = outputs[True] / outputs[False]
        assert torch.allclose(ratio, ratio[..., :1].expand_as(ratio)) and bool((ratio > 0).all())


def test_state_tracking_depthwise_arm_stays_linear_in_time():
    """With normalization, the stack is still linear recurrences with a per-step map between layers."""
    from rnnexpr.experiments import state_tracking as stt

    _ = seed_everything(2)
    net = stt._build("parity", "relu stack (2 layers)", (3, 2), True)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn_like(p))
    x, _ = stt._data("parity", np.random.default_rng(1), 4, 6)
    one, two = net.layers
    unit = stt._unit

    def linear(layer, z):  # an independent loop of h_t = V h_{t-1} + U z_t + b
        h, out = layer.h0.expand(z.shape[0], -1), []
        for t in range(z.shape[1]):
            h = h @ layer.V.T + z[:, t] @ layer.U.T + layer.b
            out.append(h)
        return torch.stack(out, 1)

    with torch.no_grad():
        expected = net.readout(unit(linear(two, torch.relu(unit(linear(one, x))))))
        assert torch.allclose(net(x), expected)


def test_quick_state_tracking_follows_the_protocol(tmp_path):
    from rnnexpr.experiments import state_tracking as stt
    from rnnexpr.experiments import summary_lines

    res = run_experiment("state_tracking", quick=True, seed=0, out=tmp_path)
    cfg = res["config"]
    for row in res["summary"]:
        assert len(row["grid"]) == len(cfg["lrs"]) * len(cfg["normalize"])
        assert row["chosen"]["lr"] in cfg["lrs"] and row["chosen"]["normalize"] in cfg["normalize"]
        best = max(row["grid"], key=lambda g: g["validation_accuracy"])
        assert row["validation_accuracy"]["values"][0] == pytest.approx(best["validation_accuracy"])
        assert row["fits"] == (np.mean(row["validation_accuracy"]["values"]) >= cfg["fit"])
    for task, comp in res["comparison"].items():
        assert set(comp["matched"]) == set(stt.FAMILIES)
        P = comp["matched_parameters"]
        assert all(abs(r["parameters"] - P) <= 0.05 * P for r in comp["matched"].values())
        for family, row in comp["smallest_fitting"].items():
            tried = [r for r in res["summary"] if r["task"] == task and r["model"] == family]
            fitting = [r for r in tried if r["fits"]]
            assert row == (min(fitting, key=lambda r: r["parameters"]) if fitting else None)
    lines = summary_lines("state_tracking", json.loads((tmp_path / "state_tracking.json").read_text()))
    assert lines[0].split()[:3] == ["task", "size", "family"] and len(lines) == 2 + 8 * len(cfg["tasks"])


@pytest.mark.parametrize("name", ["memory", "degree", "digits"])
def test_experiment_command_prints_a_summary_table(name, tmp_path, capsys):
    from rnnexpr.cli import main

    assert main(["experiment", name, "--quick", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    data = json.loads((tmp_path / f"{name}.json").read_text())
    key = {"memory": "test_r2", "degree": "test_nmse", "digits": "test_accuracy"}[name]
    digits_ = 3 if name == "degree" else 2
    for row in data["summary"]:
        assert f"{float(row[key]['mean']):.{digits_}f}" in out
    assert "wrote" in out and str(tmp_path) in out
    assert main(["experiment", name, "--quick", "-o", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]


def _delay_line(k):
    """One layer of width k + 1 (a shift register) computing y_t = x_{t-k}."""
    V = np.zeros((k + 1, k + 1))
    V[np.arange(1, k + 1), np.arange(k)] = 1.0
    U = np.zeros((k + 1, 1))
    U[0, 0] = 1.0
    return Stack([LinearRNNLayer(U=U, V=V)], C=np.eye(k + 1)[[k]])


def _deep_delay(k):
    """k layers of width 2 (T2's construction): each layer delays its input by one step."""
    shift = np.array([[0.0, 0.0], [1.0, 0.0]])
    layers = [LinearRNNLayer(U=[[1.0], [0.0]], V=shift)]
    layers += [LinearRNNLayer(U=[[0.0, 1.0], [0.0, 0.0]], V=shift) for _ in range(k - 1)]
    return Stack(layers, C=[[0.0, 1.0]])


@pytest.mark.parametrize("k", [1, 3, 6])
def test_impulse_response_rank_of_delay_networks_is_k_plus_1(k):
    x = np.random.default_rng(k).normal(size=(2, 12, 1))
    for stack in (_delay_line(k), _deep_delay(k)):
        y = stack.run(x)
        np.testing.assert_allclose(y[:, k:, 0], x[:, :-k, 0], atol=1e-12)
        g = impulse_response(stack, 3 * k + 4)
        assert np.flatnonzero(g).tolist() == [k]
        assert impulse_response_rank(stack, 2 * (k + 3))["rank"] == k + 1
    # T2's parameter counts: 8k for the deep line, (k+1)(k+3) for the shallow one (fewer from k = 4 on)
    assert _deep_delay(k).num_parameters() == 8 * k
    assert _delay_line(k).num_parameters() == (k + 1) * (k + 3)


@settings(max_examples=15, deadline=None)
@given(widths=st.lists(st.integers(1, 3), min_size=1, max_size=3), seed=st.integers(0, 10**6))
def test_impulse_response_rank_agrees_with_the_exact_mcmillan_degree(widths, seed):
    """Independent check: Markov parameters of rnnexpr.linear_systems, exact rank over Q."""
    from rnnexpr.linear_systems import mcmillan_degree

    stack = random_stack(widths, input_dim=1, kind="linear", seed=seed)  # float, contractive like trained nets
    exact = mcmillan_degree(stack.to_exact(), method="exact")  # the float parameters, exactly
    assert exact.exact
    half = sum(widths) + 1
    num = impulse_response_rank(stack, 2 * half, rtol=1e-9)
    # numerical evidence never exceeds the exact rank ...
    assert num["rank"] <= exact.rank
    # ... and equals it when the exact rank's last singular value is far above the tolerance
    # (a mode that contributes less than the tolerance is rightly dropped by a numerical rank)
    g = impulse_response(stack, 2 * half)
    sv = np.linalg.svd(np.array([[g[i + j] for j in range(half)] for i in range(half)]), compute_uv=False)
    if exact.rank > 0 and sv[exact.rank - 1] > 1e-6 * sv[0]:
        assert num["rank"] == exact.rank


def test_impulse_response_rank_of_a_trained_export_is_at_most_the_total_width():
    torch.manual_seed(0)
    net = TorchStack([2, 2, 2], 1, kind="linear")
    r = impulse_response_rank(net.to_rnnexpr(), 20)
    assert r["rank"] <= 6 and r["exact"] is False and r["tolerance"] > 0


def test_depth1_2rnn_lies_in_the_multilinear_span_and_depth2_does_not():
    """docs guide/tt and theory/t4: the reference line of the degree experiment, on independent models."""
    rng = np.random.default_rng(0)
    T, d = 3, 2
    x = rng.uniform(-1, 1, size=(600, T, d))
    feats = multilinear_features(x)
    assert feats.shape == (600, (d + 1) ** T)

    def residual(stack):
        y = stack.run(x)[:, -1, 0]
        coef, *_ = np.linalg.lstsq(feats, y, rcond=None)
        return float(np.mean((feats @ coef - y) ** 2) / np.var(y))

    assert residual(random_stack([4], input_dim=d, seed=1)) < 1e-20
    assert residual(make_teacher([2, 2], d, seed=1, a_scale=3.0)) > 1e-3


# ---------------------------------------------------------------------------
# experiments: quick runs end to end
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_quick_experiment_writes_json_and_figure(name, tmp_path):
    res = run_experiment(name, quick=True, seed=5, out=tmp_path)
    js = tmp_path / f"{name}.json"
    png = tmp_path / f"{name}.png"
    assert res["outputs"] == {"json": str(js), "png": str(png)}
    assert png.stat().st_size > 1000 and png.read_bytes()[:4] == b"\x89PNG"
    data = json.loads(js.read_text())
    assert data["experiment"] == name and data["quick"] is True
    assert data["seeds"] == [5, 6, 7]
    assert data["summary"]
    for row in data["summary"]:
        stats = [v for v in row.values() if isinstance(v, dict) and "values" in v]
        stats += [s for v in row.values() if isinstance(v, dict) for s in v.values()
                  if isinstance(s, dict) and "values" in s]
        assert stats and all(s["n"] == 3 for s in stats)


def test_quick_runs_are_reproducible_from_their_seed(tmp_path):
    a = run_experiment("memory", quick=True, seed=3, out=tmp_path / "a")
    b = run_experiment("memory", quick=True, seed=3, out=tmp_path / "b")
    c = run_experiment("memory", quick=True, seed=4, out=tmp_path / "c")
    assert a["summary"] == b["summary"] and a["runs"] == b["runs"]
    assert a["runs"] != c["runs"]


def test_unknown_experiment_names_the_known_ones():
    with pytest.raises(ValueError, match="memory.*degree.*state_tracking.*digits"):
        run_experiment("copy")


def test_import_without_torch_says_which_extra_to_install():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import rnnexpr; rnnexpr.random_stack([2], 1)\n"
        "try:\n    import rnnexpr.experiments\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert 'pip install "rnnexpr[experiments]"' in out.stdout


def test_make_figures_entry_point(tmp_path, capsys):
    from rnnexpr.experiments.make_figures import main

    with pytest.raises(SystemExit) as info:
        main(["memory", "nope", "--out", str(tmp_path)])
    assert info.value.code == 2
    assert "nope" in capsys.readouterr().err
    assert main(["memory", "--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "memory.json").exists() and (tmp_path / "memory.png").exists()
    assert "memory:" in capsys.readouterr().out
    (tmp_path / "memory.png").unlink()
    assert main(["memory", "--replot", "--out", str(tmp_path)]) == 0  # from the JSON, no training
    assert (tmp_path / "memory.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(FileNotFoundError, match="degree.json"):
        main(["degree", "--replot", "--out", str(tmp_path)])


@pytest.mark.parametrize("name", ["state_tracking", "degree"])
def test_figures_redraw_from_json_results(name, tmp_path):
    from rnnexpr.experiments import FIGURES

    res = run_experiment(name, quick=True, seed=0, out=tmp_path)
    fig = FIGURES[name](json.loads((tmp_path / f"{name}.json").read_text()))
    ax = fig.axes[0]
    # the same curves as from the in-memory results (JSON turned integer keys into strings)
    ref = FIGURES[name](res).axes[0]
    assert [tuple(line.get_xdata()) for line in ax.lines] == [tuple(line.get_xdata()) for line in ref.lines]
