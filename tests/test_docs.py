"""The documentation builds, with its gallery, and says true things.

* the Sphinx build runs with warnings as errors and nitpicky cross-references
  (``-W --keep-going -n``), gallery included, in a temporary copy of ``docs/``
  and ``examples/`` (so concurrent builds never share generated files);
* every name of ``rnnexpr.__all__`` and every module has an entry in the built
  object inventory (the API reference is complete);
* every theory statement T0-T6 has its page, every gallery script its page and
  figure;
* the code on the guide pages runs as doctests (what the pages claim is what
  the library does).

The build needs the ``docs`` extra (it is in the README's test command); it
never needs torch.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rnnexpr

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
GENERATED = ("_build", "auto_examples", "gen_modules", "sg_execution_times.rst")
THEORY_PAGES = [f"t{i}" for i in range(7)]


def _require_sphinx() -> None:
    for mod in ("sphinx", "sphinx_gallery", "furo", "matplotlib"):
        if importlib.util.find_spec(mod) is None:
            pytest.fail(f"{mod} is not installed: the docs build needs the docs extra (pip install -e '.[docs]')")


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory) -> Path:
    """Build the HTML docs once for this module; return the output directory."""
    _require_sphinx()
    work = tmp_path_factory.mktemp("docs-build")
    shutil.copytree(DOCS, work / "docs", ignore=shutil.ignore_patterns(*GENERATED, "__pycache__"))
    shutil.copytree(EXAMPLES, work / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    out = work / "html"
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html",
           "-d", str(work / "doctrees"), str(work / "docs"), str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=work, timeout=900,
                          env={**_env(), "MPLBACKEND": "Agg"})
    if proc.returncode != 0:
        pytest.fail(f"sphinx-build failed (exit {proc.returncode}):\n{proc.stderr[-8000:]}\n{proc.stdout[-2000:]}")
    return out


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def _inventory(out: Path) -> dict[str, dict]:
    from sphinx.util.inventory import InventoryFile

    with open(out / "objects.inv", "rb") as fh:
        inv = InventoryFile.load(fh, "", lambda base, uri: uri)
    # Sphinx >= 8.2 returns an _Inventory object; older versions a dict.
    data = getattr(inv, "data", inv)
    return data


def test_build_succeeds_with_warnings_as_errors(built_docs: Path) -> None:
    assert (built_docs / "index.html").is_file()
    assert (built_docs / "objects.inv").is_file()


def test_theory_pages_exist(built_docs: Path) -> None:
    for page in THEORY_PAGES:
        html = (built_docs / "theory" / f"{page}.html").read_text(encoding="utf-8")
        for section in ("Statement", "Intuition", "Construction", "How the toolkit certifies it", "What to run"):
            assert section in html, f"theory/{page}: missing section {section!r}"


def test_every_public_name_is_documented(built_docs: Path) -> None:
    inv = _inventory(built_docs)
    documented = set()
    for objtype, entries in inv.items():
        if objtype.startswith("py:"):
            documented.update(entries)
    missing = []
    for name in rnnexpr.__all__:
        obj = getattr(rnnexpr, name)
        home = getattr(obj, "__module__", None)
        if home is None:  # a constant: documented in some module that defines it
            homes = [m for m, mod in list(sys.modules.items())
                     if m.startswith("rnnexpr.") and getattr(mod, name, None) is obj]
            if not any(f"{m}.{name}" in documented for m in homes):
                missing.append(f"{name} (a constant, expected in one of {homes})")
        elif f"{home}.{name}" not in documented:
            missing.append(f"{name} (expected {home}.{name})")
    assert not missing, f"public names without an API entry: {missing}"


def test_every_module_has_a_page(built_docs: Path) -> None:
    inv = _inventory(built_docs)
    modules = set(inv.get("py:module", {}))
    expected = {"rnnexpr"} | {
        info.name for info in pkgutil.walk_packages(rnnexpr.__path__, prefix="rnnexpr.")
        if not info.name.rsplit(".", 1)[-1].startswith("_")
    }
    assert expected <= modules, f"modules without an API page: {sorted(expected - modules)}"


def test_gallery_examples_ran(built_docs: Path) -> None:
    scripts = sorted(EXAMPLES.glob("plot_*.py"))
    assert scripts, "the gallery has no examples"
    for script in scripts:
        page = built_docs / "auto_examples" / f"{script.stem}.html"
        assert page.is_file(), f"{script.name}: no gallery page"
        # Each example draws at least one figure, saved as a PNG by sphinx-gallery.
        images = list((built_docs / "_images").glob(f"sphx_glr_{script.stem}_*.png"))
        assert images, f"{script.name}: produced no figure"


def test_broken_reference_fails_the_build(tmp_path: Path) -> None:
    """The checker is real: with our configuration (and its name resolver), a page
    referring to objects that do not exist fails the build and names them."""
    _require_sphinx()
    shutil.copytree(DOCS, tmp_path / "docs", ignore=shutil.ignore_patterns(*GENERATED, "__pycache__"))
    shutil.copytree(EXAMPLES, tmp_path / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "docs" / "broken.rst").write_text(
        ":orphan:\n\nBroken\n======\n\n:func:`rnnexpr.no_such_function`, :class:`NoSuchModel`, "
        ":doc:`no_such_page`.\n"
    )
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html",
           "-D", "plot_gallery=0", str(tmp_path / "docs"), str(tmp_path / "html")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          env={**_env(), "MPLBACKEND": "Agg"})
    assert proc.returncode != 0
    for name in ("no_such_function", "NoSuchModel", "no_such_page"):
        assert name in proc.stderr, f"{name}: the broken reference was not reported"


GUIDE_PAGES = sorted(
    p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.rst")
    if p.relative_to(DOCS).parts[0] not in GENERATED and ">>>" in p.read_text(encoding="utf-8")
)


@pytest.mark.parametrize("page", GUIDE_PAGES)
def test_page_code_runs(page: str) -> None:
    """The ``>>>`` examples on the pages are doctests: they must print what they claim."""
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    result = doctest.testfile(str(DOCS / page), module_relative=False, optionflags=flags, verbose=False,
                              raise_on_error=False, report=True)
    assert result.attempted > 0
    assert result.failed == 0, f"{page}: {result.failed} of {result.attempted} examples failed (see the output above)"
