"""rnnexpr.torch: parameters bit for bit both ways, outputs equal, exact export, black-box wrappers, safe files."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from rnnexpr.errors import ModelFormatError, ModelKindError  # noqa: E402
from rnnexpr.hankel import rank_profile  # noqa: E402
from rnnexpr.models import (  # noqa: E402
    WFA,
    DepthwiseStack,
    Linear2RNNLayer,
    LinearRNNLayer,
    Stack,
    random_depthwise_stack,
    random_stack,
)
from rnnexpr.torch import (  # noqa: E402
    TorchDepthwiseStack,
    TorchStack,
    from_rnnexpr,
    load_sequence_model,
    save_sequence_model,
    sequence_function,
    to_rnnexpr,
)

from .oracles import brute_force_rank_profile, literal_stack_outputs  # noqa: E402

TERMS = ("A", "U", "V", "b", "h0")


def _same_bits(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a.view(np.uint64), b.view(np.uint64))


def _assert_same_stack(s1, s2) -> None:
    assert s1.widths == s2.widths
    for l1, l2 in zip(s1.layers, s2.layers, strict=True):
        for t in TERMS:
            a, b = getattr(l1, t), getattr(l2, t)
            if a is None and b is None:
                continue
            if a is None or b is None:  # an absent term and a zero one are the same layer
                assert not np.any(np.asarray(a if b is None else b, dtype=float) != 0), t
            else:
                assert _same_bits(a, b), t
    assert _same_bits(s1.C, s2.C)
    assert (s1.c is None) == (s2.c is None) and (s1.c is None or _same_bits(s1.c, s2.c))


@settings(max_examples=25, deadline=None)
@given(widths=st.lists(st.integers(1, 3), min_size=1, max_size=3), kind=st.sampled_from(["2rnn", "pure", "linear"]),
       d=st.integers(1, 3), p=st.integers(1, 2), seed=st.integers(0, 10**6))
def test_stack_round_trip_bit_for_bit_and_outputs(widths, kind, d, p, seed):
    stack = random_stack(widths, input_dim=d, output_dim=p, kind=kind, seed=seed, with_initial_state=True)
    net = from_rnnexpr(stack)
    assert isinstance(net, TorchStack)
    # parameters: rnnexpr -> torch bit for bit
    for layer, tl in zip(stack.layers, net.layers, strict=True):
        for t in ("A", "U", "V", "b"):
            if getattr(layer, t) is not None:
                assert _same_bits(getattr(tl, t).detach().numpy(), getattr(layer, t))
    back = to_rnnexpr(net)
    _assert_same_stack(stack, back)
    x = np.random.default_rng(seed).normal(size=(2, 4, d))
    with torch.no_grad():
        y_torch = net(torch.from_numpy(x)).numpy()
    y = stack.run(x)
    assert np.allclose(y_torch, y, rtol=1e-12, atol=1e-12)
    # an independent oracle, per sequence
    assert np.allclose(literal_stack_outputs(stack, x[0]), y[0], rtol=1e-10, atol=1e-10)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), kind=st.sampled_from(["2rnn", "linear"]))
def test_dyadic_outputs_identical_to_the_bit(seed, kind):
    """With dyadic parameters of few bits and one-hot inputs every intermediate is exact in float64:
    the two implementations must then agree bit for bit."""
    rng = np.random.default_rng(seed)
    vals = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    n, d = 2, 2
    A = rng.choice(vals, size=(n, d, n)) if kind == "2rnn" else None
    layer = Linear2RNNLayer(A=A, U=rng.choice(vals, size=(n, d)), V=rng.choice(vals, size=(n, n)),
                            b=rng.choice(vals, size=n), h0=rng.choice(vals, size=n))
    stack = Stack([layer], C=rng.choice(vals, size=(1, n)), c=[0.5])
    x = np.eye(d)[rng.integers(0, d, size=(3, 5))]
    with torch.no_grad():
        y_torch = from_rnnexpr(stack)(torch.from_numpy(x)).numpy()
    assert _same_bits(y_torch, stack.run(x))
    assert _same_bits(y_torch, np.array(stack.run(x, exact=True), dtype=np.float64))


def test_exact_export_is_the_binary_value_of_every_float():
    torch.manual_seed(3)
    net = TorchStack([3, 2], input_dim=2, kind="2rnn")
    exact = net.to_rnnexpr(exact=True)
    assert exact.is_exact
    for layer, tl in zip(exact.layers, net.layers, strict=True):
        for t in ("A", "U", "V", "b"):
            got = np.asarray(getattr(layer, t)).ravel()
            want = getattr(tl, t).detach().numpy().ravel()
            assert all(g == Fraction(float(w)) for g, w in zip(got, want, strict=True))
    # exact evaluation of the exported stack, rounded once, matches the network to float accuracy
    x = np.eye(2)[[[0, 1, 1, 0]]]
    with torch.no_grad():
        y = net(torch.from_numpy(x)).numpy()
    assert np.allclose(np.array(exact.run(x, exact=True), dtype=float), y, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("readout_activation", [False, True])
def test_depthwise_round_trip(activation, readout_activation):
    stack = random_depthwise_stack([3, 2], 2, output_dim=2, activation=activation, seed=4)
    stack = DepthwiseStack(stack.layers, stack.C, stack.c, stack.activation, readout_activation)
    net = from_rnnexpr(stack)
    assert isinstance(net, TorchDepthwiseStack)
    back = net.to_rnnexpr()
    _assert_same_stack(stack, back)
    x = np.random.default_rng(0).normal(size=(3, 6, 2))
    with torch.no_grad():
        assert np.allclose(net(torch.from_numpy(x)).numpy(), stack.run(x), rtol=1e-12, atol=1e-12)


def test_dispatch_errors():
    with pytest.raises(ModelKindError):
        from_rnnexpr(WFA([1.0], [[[1.0]]], [1.0]))
    with pytest.raises(ModelKindError, match="extract"):
        to_rnnexpr(torch.nn.LSTM(2, 3))
    poly = DepthwiseStack([LinearRNNLayer(U=[[1.0]], V=[[0.0]])], C=[[1.0]], activation=[0, 0, 1])
    with pytest.raises(ModelKindError, match="relu or tanh"):
        from_rnnexpr(poly)


def _manual_values(module, readout, words, d):
    """Each word on its own, through torch's own modules: the independent reference."""
    out = []
    with torch.no_grad():
        for w in words:
            if not w:
                out.append(float(readout(torch.zeros(1, module.hidden_size, dtype=torch.float64))[0, 0]))
                continue
            x = torch.zeros(1, len(w), d, dtype=torch.float64)
            x[0, torch.arange(len(w)), torch.tensor(w)] = 1
            states, _ = module(x if module.batch_first else x.transpose(0, 1))
            last = states[0, -1] if module.batch_first else states[-1, 0]
            out.append(float(readout(last)[0]))
    return np.array(out)


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [True, False])
def test_sequence_function_equals_per_word_evaluation(cell, batch_first):
    torch.manual_seed(0)
    module = getattr(torch.nn, cell)(3, 4, num_layers=2, batch_first=batch_first, dtype=torch.float64)
    head = torch.nn.Linear(4, 1, dtype=torch.float64)
    words = [(), (0,), (2, 1), (1, 1, 0), (0, 2), (2, 2, 2, 1)]
    f = sequence_function(module, 3, readout=head, batch_size=2)
    assert np.allclose(f(words), _manual_values(module, head, words, 3), rtol=1e-12, atol=1e-14)


def test_sequence_function_of_a_torch_stack_equals_its_export():
    stack = random_stack([2, 2], input_dim=2, seed=1, with_initial_state=True)
    f = sequence_function(from_rnnexpr(stack), 2)
    words = [(), (1,), (0, 1, 1), (1, 0, 0, 0)]
    assert np.allclose(f(words), stack.values(words), rtol=1e-12, atol=1e-12)


def test_sequence_function_needs_a_readout_for_recurrent_modules():
    with pytest.raises(ValueError, match="readout"):
        sequence_function(torch.nn.RNN(2, 3), 2)


def test_save_and_load_sequence_model(tmp_path):
    torch.manual_seed(1)
    module = torch.nn.RNN(2, 3, nonlinearity="relu", batch_first=True, dtype=torch.float64)
    head = torch.nn.Linear(3, 2, dtype=torch.float64)
    path = save_sequence_model(tmp_path / "m.pt", module, head)
    m2, h2 = load_sequence_model(path)
    assert m2.nonlinearity == "relu" and h2.out_features == 2
    words = [(0, 1, 1), (1,)]
    for out in (0, 1):
        assert _same_bits(sequence_function(module, 2, readout=head, output=out)(words),
                          sequence_function(m2, 2, readout=h2, output=out)(words))


class _Payload:
    def __reduce__(self):  # what a malicious pickle does: call a function on load
        return (print, ("pwned",))


def test_load_refuses_pickled_objects_and_wrong_files(tmp_path, capsys):
    torch.save({"format": "rnnexpr-sequence-model", "payload": _Payload()}, tmp_path / "evil.pt")
    with pytest.raises(ModelFormatError, match="weights_only"):
        load_sequence_model(tmp_path / "evil.pt")
    assert "pwned" not in capsys.readouterr().out
    torch.save({"state_dict": {}}, tmp_path / "plain.pt")
    with pytest.raises(ModelFormatError, match="format"):
        load_sequence_model(tmp_path / "plain.pt")
    path = save_sequence_model(tmp_path / "ok.pt", torch.nn.GRU(2, 3), torch.nn.Linear(3, 1))
    data = torch.load(path, weights_only=True)
    data["architecture"]["hidden_size"] = 5
    torch.save(data, tmp_path / "bad.pt")
    with pytest.raises(ModelFormatError, match="state_dict"):
        load_sequence_model(tmp_path / "bad.pt")


def test_trained_linear_2rnn_exports_with_exact_certificates():
    """Train briefly, export exactly: the exact Hankel rank profile obeys the depth-2 bounds of the stack
    and agrees with the numerical one of the float export."""
    torch.manual_seed(0)
    net = TorchStack([2, 2], input_dim=2, kind="2rnn")
    x = torch.eye(2, dtype=torch.float64)[torch.randint(0, 2, (32, 6))]
    target = x[..., 0].cumsum(dim=1)[..., None] * 0.25
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    for _ in range(20):
        opt.zero_grad()
        loss = ((net(x) - target) ** 2).mean()
        loss.backward()
        opt.step()
    exact = net.to_rnnexpr(exact=True)
    prof = rank_profile(exact, 2)
    assert prof.exact
    assert list(prof.ranks) == brute_force_rank_profile(exact, 2, exact=True)
    # the exact function is the float network's: same values on words, to float accuracy
    words = [(0, 1, 1), (1, 0), ()]
    assert np.allclose(np.array(exact.values(words, exact=True), dtype=float), net.to_rnnexpr().values(words),
                       rtol=1e-12, atol=1e-12)


def test_sequence_function_of_the_experiments_tanh_rnn():
    nets = pytest.importorskip("rnnexpr.experiments.nets")
    torch.manual_seed(0)
    net = nets.TanhRNN(3, 2)
    f = sequence_function(net, 2)
    words = [(), (0, 1), (1,)]
    with torch.no_grad():
        expected = [float(net.readout(torch.zeros(1, 3, dtype=torch.float64))[0, 0])]
        for w in words[1:]:
            x = torch.nn.functional.one_hot(torch.tensor([w]), 2).to(torch.float64)
            expected.append(float(net(x)[0, -1, 0]))
    assert np.allclose(f(words), expected, rtol=1e-12, atol=1e-14)
