"""Quality tooling in the suite: ruff and mypy stay green, project files stay consistent.

The rule sets are chosen and justified in pyproject.toml (``[tool.ruff]``,
``[tool.mypy]``).  Both tools are in the ``test`` extra; where one is not installed
its test is skipped, not failed.  Neither formats anything: these tests only read.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

import rnnexpr

REPO = Path(__file__).resolve().parents[1]


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed (pip install -e .[test])")
def test_ruff_is_clean():
    proc = _run([sys.executable, "-m", "ruff", "check", "--no-fix", "--output-format", "concise",
                 "rnnexpr", "tests", "benchmarks", "examples"], timeout=300)
    assert proc.returncode == 0, "ruff check (rules in pyproject.toml [tool.ruff]):\n" + proc.stdout + proc.stderr


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed (pip install -e .[test])")
def test_mypy_is_clean_on_the_core():
    # Files, excluded modules and strictness come from pyproject.toml [tool.mypy].
    proc = _run([sys.executable, "-m", "mypy"], timeout=900)
    assert proc.returncode == 0, "mypy (settings in pyproject.toml [tool.mypy]):\n" + proc.stdout + proc.stderr


def _version_literal() -> str:
    """The literal assigned to __version__ in rnnexpr/__init__.py (the one place it is written)."""
    tree = ast.parse((REPO / "rnnexpr" / "__init__.py").read_text(encoding="utf-8"))
    values = [n.value.value for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
              and any(isinstance(t, ast.Name) and t.id == "__version__" for t in n.targets)]
    assert len(values) == 1, "rnnexpr/__init__.py must assign __version__ one string literal, once"
    return values[0]


def test_the_version_is_defined_once():
    version = _version_literal()
    assert rnnexpr.__version__ == version
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?", version), version
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg", encoding="utf-8")
    # setup.cfg reads it from the package (setuptools evaluates the literal without importing rnnexpr).
    assert cfg["metadata"]["version"].strip() == "attr: rnnexpr.__version__"
    # CITATION.cff cannot read Python: it repeats the version, and this keeps it equal.
    cff = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    assert re.findall(r"^version:\s*\"?([^\"\s]+)\"?\s*$", cff, re.M) == [version]


def test_the_command_line_prints_the_version_without_heavy_imports():
    code = ("import sys\nfrom rnnexpr.cli import main\ntry:\n    code = main(['--version'])\nexcept SystemExit as e:\n"
            "    code = e.code\nprint(sorted(m for m in ('torch', 'matplotlib') if m in sys.modules))\nsys.exit(code)")
    proc = _run([sys.executable, "-c", code], timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"rnnexpr {_version_literal()}", "[]"]


def test_citation_and_license():
    cff = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    assert "arXiv:2604.02201" in cff and "On the Role of Depth in the Expressivity of RNNs" in cff
    for author in ("Lizaire", "Rizvi-Martel", "Dupuis", "Rabusseau"):
        assert f"family-names: {author}" in cff
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg", encoding="utf-8")
    assert cfg["metadata"]["license"].strip() == "MIT"
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "the rnnexpr developers" in text


def _layers_from_test() -> list[set[str]]:
    tree = ast.parse((REPO / "tests" / "test_layers.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == "LAYERS" for t in targets):
                return [set(ast.literal_eval(elt)) for elt in node.value.elts]
    raise AssertionError("tests/test_layers.py defines no LAYERS")


def _layers_from_table(text: str) -> list[set[str]]:
    """Rows ``| n | `a`, `b` | ... |`` (Markdown) or ``n  `a`, `b` ...`` (reST simple table)."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\|?\s*(\d)\s*\|?\s+(.*)$", line)
        if not m:
            continue
        cells = re.split(r"\s\|\s|\s{2,}", m.group(2).strip().strip("|"))
        names = re.findall(r"`+([A-Za-z_][\w.]*)`+", cells[0]) if cells else []
        if names:
            rows[int(m.group(1))] = set(names)
    return [rows[i] for i in sorted(rows)]


@pytest.mark.parametrize("doc", ["CONTRIBUTING.md", "docs/guide/layers.rst"])
def test_the_written_layer_order_matches_the_enforced_one(doc):
    path = REPO / doc
    if not path.exists():
        pytest.fail(f"{doc} must state the layer order")
    # `__main__` is a module entry point, listed in the test but not worth a table cell.
    enforced = [layer - {"__main__"} for layer in _layers_from_test()]
    assert _layers_from_table(path.read_text(encoding="utf-8")) == enforced, (
        f"the layer table in {doc} differs from LAYERS in tests/test_layers.py")


def test_the_table_parser_reads_both_formats():
    md = "| layer | modules | what |\n|---|---|---|\n| 0 | `errors`, `numbers` | x |\n| 1 | `fields` | y |\n"
    rst = "=====  ============================  ====\n0      ``errors``, ``numbers``       x\n1      ``fields``                    y\n"
    assert _layers_from_table(md) == _layers_from_table(rst) == [{"errors", "numbers"}, {"fields"}]
