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


# -- conventions: one spelling, choices and help everywhere, --version ------------------------------


def test_every_subcommand_documents_every_argument_and_has_an_example(capsys):
    from rnnexpr.cli import COMMANDS, build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, cmd in COMMANDS.items():
        p = sub.choices[name]
        for action in p._actions:
            assert action.help, (name, action.dest)
            if action.choices:
                assert all("_" not in c for c in action.choices), (name, action.choices)
            for flag in action.option_strings:
                assert "_" not in flag, (name, flag)
        assert cmd.examples, name
        assert main([name, "--help"]) == 0
        text = capsys.readouterr().out
        assert "examples" in text and cmd.examples[0] in text
        flat = text.replace("\n", "").replace(" ", "")
        for opt in cmd.options:
            if opt.kwargs.get("choices"):  # listed as {a,b,c} or, with a metavar, "one of a, b, c"
                listed = ",".join(opt.kwargs["choices"])
                assert "{" + listed + "}" in flat or "oneof" + listed in flat, (name, opt.flags)


def test_examples_in_help_run(tmp_path, monkeypatch, capsys):
    # The examples of the --help texts work, from a checkout, on the files of examples/models/.
    from pathlib import Path

    from rnnexpr.cli import COMMANDS

    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    for name in ("hankel-rank", "rank-profile", "degree", "tt-ranks", "memory"):
        for example in COMMANDS[name].examples:
            assert main(example.split()[1:]) == 0, example
    out = tmp_path / "c.json"
    assert main(["collapse", "examples/models/linear-stack.json", "-o", str(out)]) == 0
    assert main(["equivalent", "examples/models/linear-stack.json", str(out), "--inputs", "real"]) == 0
    assert main(["minimize", "examples/models/2rnn-depth1.json", "-o", str(tmp_path / "m.json")]) == 0
    capsys.readouterr()


def test_underscore_spellings_and_deprecated_aliases(models, capsys):
    assert main(["tt_ranks", models["wfa"], "--length", "2", "--feature_map", "ONE_HOT", "--json"]) == 0
    a = json.loads(capsys.readouterr().out)
    assert main(["tt-ranks", models["wfa"], "--length", "2", "--feature-map", "one-hot", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == a
    assert main(["rank-profile", models["deep"], "--max_length=2", "--json"]) == 0
    b = json.loads(capsys.readouterr().out)
    assert main(["rank-profile", models["deep"], "--max-len", "2", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == b and "--max-len is deprecated" in captured.err
    assert main(["equivalent", models["linear"], models["linear"], "--inputs", "real"]) == 0


def test_version(capsys):
    import rnnexpr

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"rnnexpr {rnnexpr.__version__}"


def test_unwritable_output_names_the_path_and_reason(models, tmp_path, capsys):
    for out, reason in (("/nonexistent/dir/x.json", "does not exist"), (str(tmp_path), "is a directory"),
                        (str(tmp_path / "x.txt"), "ending in .json or .npz")):
        assert main(["collapse", models["linear"], "-o", out]) == 2
        err = capsys.readouterr().err
        assert out in err and reason in err and len(err.strip().splitlines()) == 1, err


def test_budgets_on_arguments_refuse_before_computing(models, capsys, monkeypatch):
    import time
    from pathlib import Path

    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    for argv, field in ((["degree", models["deep"], "--length", "3000"], "--length"),
                        (["degree", models["deep"], "--length", "1000000000"], "--length"),
                        (["rank-profile", "examples/models/2rnn-depth2.json", "--max-length", "40"], "--max-length"),
                        (["memory", "--delay", "300"], "delay"),
                        (["tt-ranks", models["wfa"], "--length", "1000000"], "--length")):
        start = time.perf_counter()
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert time.perf_counter() - start < 2 and field in err and "limit" in err, err
    # ... and a budget can be raised for one run.
    assert main(["--limit", "length=2000000", "--limit", "work=10000000000000", "memory", "--delay", "2"]) == 0
    capsys.readouterr()
    assert main(["--limit", "dimension=1", "degree", models["deep"], "--length", "2"]) == 2
    assert "dimension" in capsys.readouterr().err


def test_verify_output_fits_100_columns_and_counts_what_it_lists(tmp_path, capsys):
    out = tmp_path / "certs.json"
    assert main(["verify", "--quick", "--instances", "1", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert all(len(line) <= 100 for line in text.splitlines())
    rows = [line for line in text.splitlines() if line[:1] == "T"]
    assert len(rows) == 8 and "7/7 certified, 1 empirical" in text  # 7 statements + the empirical T6(c)
    # The saved certificates are re-checked by `rnnexpr check` and read by the library.
    from rnnexpr.theorems.certificate import Certificate, load_certificates

    assert main(["check", str(out)]) == 0
    assert "7/7 hold on re-checking" in capsys.readouterr().out
    assert [c.theorem for c in load_certificates(out)] == [f"T{i}" for i in range(7)]
    assert len(Certificate.list_from_json(out.read_text())) == 7
    data = json.loads(out.read_text())
    (tmp_path / "one.json").write_text(json.dumps(data[:1]))
    assert Certificate.from_json((tmp_path / "one.json").read_text()).theorem == "T0"
    # An edited certificate fails its re-check: exit 1, naming the field.
    data[3]["evidence"]["summary"] = "Hankel rank 1"
    (tmp_path / "bad.json").write_text(json.dumps(data))
    assert main(["check", str(tmp_path / "bad.json")]) == 1
    assert "#3 FAILS at" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "bad.json"), "--json"]) == 1
    res = json.loads(capsys.readouterr().out)
    assert [r["ok"] for r in res] == [True] * 3 + [False] + [True] * 3 and res[3]["field"] == "evidence.summary"
    assert main(["verify", "--theorem", "T0", "-v"]) == 0
    assert all(len(line) <= 100 for line in capsys.readouterr().out.splitlines())


def test_check_reads_hankel_certificates_too(tmp_path, capsys):
    # One protocol: a Hankel certificate is re-checked by the same command, with the same result type.
    from rnnexpr.constructions import t5_witness
    from rnnexpr.hankel import hankel_certificate, words_up_to
    from rnnexpr.theorems import verify_T1

    cert = hankel_certificate(t5_witness(), words_up_to(1, 3), words_up_to(1, 3))
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([verify_T1(seed=0).to_dict(), cert.to_dict()]))
    assert main(["check", str(path), "--json"]) == 0
    assert [r["ok"] for r in json.loads(capsys.readouterr().out)] == [True, True]
    bad = json.loads(path.read_text())
    bad[1]["max_units"] = 3  # claims more than rank 4 proves
    path.write_text(json.dumps(bad))
    assert main(["check", str(path), "--json"]) == 1
    res = json.loads(capsys.readouterr().out)
    assert res[1]["ok"] is False and res[1]["field"] == "max_units"


def test_readme_main_command_in_a_pseudo_terminal():
    """The README's main command, `rnnexpr verify`, with its terminal on a pseudo-terminal (progress bar on)."""
    import os
    import pty
    import select
    from pathlib import Path

    exe = Path(sys.executable).with_name("rnnexpr")
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "rnnexpr.cli"]
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    proc = subprocess.Popen([*argv, "verify"], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 300)
        if not ready:
            proc.kill()
            pytest.fail("rnnexpr verify wrote nothing for 300 s in a terminal")
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    code = proc.wait(timeout=300)
    os.close(master)
    out = b"".join(chunks).decode("utf-8", "replace")
    assert code == 0, out[-2000:]
    assert "error" not in out.lower() and "Traceback" not in out
    assert "21/21 certified, 1 empirical" in out
    table = [ln for ln in out.replace("\r", "\n").splitlines() if ln.startswith("T")]
    assert len(table) == 22 and all(len(ln) <= 100 for ln in table)
