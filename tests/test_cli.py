"""Tests of the ``rnnexpr`` command line: exit codes, JSON output, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rnnexpr.cli import main
from rnnexpr.io import load, save
from rnnexpr.models import random_stack, random_wfa


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rnnexpr.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture()
def models(tmp_path):
    paths = {}
    paths["linear"] = save(random_stack([2, 2], input_dim=1, kind="linear", seed=0, exact=True), tmp_path / "lin.json")
    paths["deep"] = save(random_stack([2, 2], input_dim=1, seed=1, exact=True), tmp_path / "deep.json")
    paths["shallow"] = save(random_stack([2], input_dim=2, seed=2, exact=True), tmp_path / "shallow.json")
    paths["wfa"] = save(random_wfa(3, 2, seed=3, exact=True), tmp_path / "wfa.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    paths["bad"] = bad
    return {k: str(v) for k, v in paths.items()}


# -- through subprocesses: the real entry point -------------------------------------------


def test_verify_json_subprocess():
    proc = _run("verify", "--theorem", "T0", "--theorem", "T1", "--instances", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    certs = json.loads(proc.stdout)
    assert [c["theorem"] for c in certs] == ["T0", "T0", "T1", "T1"]
    assert all(c["holds"] and c["format"] == "rnnexpr-certificate" for c in certs)


def test_usage_errors_subprocess(tmp_path, models):
    for args in (["verify", "--theorem", "T9"], ["degree", str(tmp_path / "missing.json"), "--length", "2"],
                 ["degree", models["bad"], "--length", "2"], ["degree", models["deep"], "--length", "0"],
                 ["collapse", models["deep"], "-o", str(tmp_path / "o.json")]):
        proc = _run(*args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert proc.stdout == ""
        if args[0] != "degree" or args[-1] != "0":  # argparse adds its usage line
            assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_verify_failure_exit_code_1(monkeypatch, capsys):
    # A failing certificate makes the command exit 1 and name the failed step.
    import rnnexpr.theorems as th

    real = th.THEOREMS["T0"]

    def failing(seed=0, quick=False):
        cert = real.verify(seed=seed)
        d = cert.to_dict()
        d["evidence"]["W"][0][0] = "12345"
        from rnnexpr.theorems.certificate import Certificate

        bad = Certificate.from_dict(d)
        return Certificate.build(bad.theorem, bad.statement, bad.instance, bad.evidence)

    monkeypatch.setitem(th.THEOREMS, "T0", th.Theorem("T0", real.title, real.statement, failing))
    assert main(["verify", "--theorem", "T0"]) == 1
    out = capsys.readouterr().out
    assert "FAILS at" in out and "FAILED T0" in out


# -- in process (same code path, faster) -------------------------------------------------------


def test_verify_table(capsys):
    assert main(["verify", "--theorem", "T2", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "depth buys memory" in out and "holds" in out and "3/3 certified" in out


def test_memory_table(capsys):
    assert main(["memory", "--delay", "3", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["hankel_rank"] for r in rows] == [2, 3, 4]
    assert main(["memory", "--delay", "2"]) == 0
    assert "Hankel rank" in capsys.readouterr().out


def test_collapse_writes_an_equivalent_layer(tmp_path, models, capsys):
    out = tmp_path / "collapsed.json"
    assert main(["collapse", models["linear"], "-o", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["output_widths"] == [4]
    a, b = load(models["linear"]), load(out)
    x = [[1], ["1/2"], [-3], [2], [0], [5]]
    assert (a.run(x, exact=True) == b.run(x, exact=True)).all()
    capsys.readouterr()
    assert main(["equivalent", models["linear"], str(out), "--inputs", "real", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["equivalent"] and res["exact"] and res["scope"] == "all real input sequences"
    assert main(["equivalent", models["linear"], models["deep"], "--inputs", "real"]) == 2  # a 2RNN stack


def test_degree_and_tt_ranks(models, capsys):
    assert main(["degree", models["deep"], "--length", "3", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["total"] == 6 and d["per_input"] == [3, 2, 1]
    assert main(["tt-ranks", models["wfa"], "--length", "3", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["exact"] and r["ranks"][0] == 1 and max(r["ranks"]) <= 3


def test_hankel_minimize_equivalent(models, tmp_path, capsys):
    assert main(["hankel-rank", models["shallow"], "--exact", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["exact"] and r["rank"] == 3  # 2 units with U, V, b: at most n + 1 = 3
    # A deep stack needs --max-len; with it, the rank of the block on words <= K.
    assert main(["hankel-rank", models["deep"]]) == 2
    assert "--max-len" in capsys.readouterr().err
    assert main(["rank-profile", models["deep"], "--max-len", "2", "--json"]) == 0
    prof = json.loads(capsys.readouterr().out)
    assert prof["exact"] and prof["ranks"] == sorted(prof["ranks"]) and len(prof["ranks"]) == 3
    out = tmp_path / "min.json"
    assert main(["minimize", models["shallow"], "-o", str(out)]) == 0
    capsys.readouterr()
    assert load(out).widths == (3,)
    assert main(["equivalent", models["shallow"], str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["equivalent"] is True
    assert main(["equivalent", models["shallow"], models["wfa"]]) == 1
    assert "not equivalent: witness" in capsys.readouterr().out


def test_wrong_model_kind(models, tmp_path, capsys):
    assert main(["degree", models["wfa"], "--length", "2"]) == 2
    err = capsys.readouterr().err
    assert "expected a model of kind" in err and len(err.strip().splitlines()) == 1


def test_experiment_without_torch(monkeypatch, capsys):
    # Simulate a missing torch: importing rnnexpr.experiments then raises ImportError.
    monkeypatch.setitem(sys.modules, "rnnexpr.experiments", None)
    assert main(["experiment", "state_tracking", "--quick"]) == 2
    assert 'pip install "rnnexpr[experiments]"' in capsys.readouterr().err


def test_help_on_every_subcommand(capsys):
    for cmd in ("verify", "hankel-rank", "rank-profile", "collapse", "degree", "tt-ranks", "memory", "minimize",
                "equivalent", "experiment"):
        assert main([cmd, "--help"]) == 0
        assert "--json" in capsys.readouterr().out
