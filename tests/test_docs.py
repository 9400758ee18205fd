"""The documentation builds, with its gallery, and says true things.

* the Sphinx build runs with warnings as errors and nitpicky cross-references
  (``-W --keep-going -n``), gallery included, in a temporary copy of ``docs/``
  and ``examples/`` (so concurrent builds never share generated files);
* every name of ``rnnexpr.__all__`` and every module has an entry in the built
  object inventory (the API reference is complete);
* every theory statement T0-T6 has its page, every gallery script its page and
  figure;
* the code on the guide pages runs as doctests (what the pages claim is what
  the library does);
* offline readers see everything (no page loads a script, style sheet or font
  from another host; MathJax is vendored), the API reference is the same with
  and without torch, the results page's numbers are those of the committed
  JSON, the CLI page fits its code column, figures are legible (150 dpi, no
  text below 8 pt).

The build needs the ``docs`` extra (it is in the README's test command); it
never needs torch.
"""

from __future__ import annotations

import doctest
import importlib
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


def _module_files() -> set[str]:
    """Public module names from the package's files (independent of what imports)."""
    package = ROOT / "rnnexpr"
    names = set()
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if not any(part.startswith("_") for part in parts[1:]):
            names.add(".".join(parts))
    return names


def test_every_module_has_a_page(built_docs: Path) -> None:
    inv = _inventory(built_docs)
    modules = set(inv.get("py:module", {}))
    expected = _module_files()
    assert "rnnexpr.experiments.state_tracking" in expected and "rnnexpr.cli" in expected
    assert expected <= modules, f"modules without an API page: {sorted(expected - modules)}"


_HIDE_OPTIONAL = """
import runpy, sys

class Hide:  # as if torch and scikit-learn were not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "sklearn"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Hide())
try:
    import torch
except ImportError:
    pass
else:
    raise SystemExit("torch is still importable")
runpy.run_path("conf.py")
"""


def test_api_reference_is_the_same_without_torch(tmp_path: Path) -> None:
    """The generated API pages do not depend on which optional libraries are installed.

    ``conf.py`` writes them; it runs twice, back to back, with torch and scikit-learn
    importable and hidden, and the two sets of pages must be identical and cover
    every module file of the package.
    """
    pytest.importorskip("torch")
    pages = {}
    for label, code in (("with", 'import runpy; runpy.run_path("conf.py")'), ("without", _HIDE_OPTIONAL)):
        work = tmp_path / label / "docs"
        shutil.copytree(DOCS, work, ignore=shutil.ignore_patterns(*GENERATED, "__pycache__", "mathjax"))
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=work,
                              timeout=300, env={**_env(), "MPLBACKEND": "Agg"})
        assert proc.returncode == 0, proc.stderr[-4000:]
        pages[label] = {p.name: p.read_text(encoding="utf-8") for p in (work / "gen_modules" / "api").glob("*.rst")}
    without, with_torch = pages["without"], pages["with"]
    assert sorted(without) == sorted(with_torch)
    assert {f"{m}.rst" for m in _module_files()} <= set(without)
    assert "rnnexpr.experiments.state_tracking.rst" in without
    assert [name for name in without if without[name] != with_torch[name]] == []


def test_no_page_loads_anything_from_another_host(built_docs: Path) -> None:
    """Offline readers see everything: no script, style sheet, font or image from another host."""
    import re
    from html.parser import HTMLParser

    remote = re.compile(r"^\s*(https?:)?//", re.I)

    class Loads(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[str] = []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            urls = []
            if tag in ("script", "img", "iframe", "embed", "source", "audio", "video"):
                urls.append(a.get("src"))
            if tag == "link" and set((a.get("rel") or "").lower().split()) & {
                    "stylesheet", "preload", "icon", "modulepreload", "prefetch", "manifest"}:
                urls.append(a.get("href"))
            if tag == "object":
                urls.append(a.get("data"))
            urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", a.get("style") or "")
            self.found += [f"<{tag}> {u}" for u in urls if u and remote.match(u)]

        def handle_data(self, data):  # inline <style> and scripts that fetch
            self.found += [f"inline url() {u}" for u in re.findall(r"url\(\s*['\"]?((?:https?:)?//[^'\")]+)", data)]
            self.found += [f"inline @import {u}" for u in re.findall(r"@import\s+['\"]((?:https?:)?//[^'\"]+)", data)]

    pages = sorted(built_docs.rglob("*.html"))
    assert len(pages) > 50
    bad = {}
    for page in pages:
        parser = Loads()
        parser.feed(page.read_text(encoding="utf-8"))
        if parser.found:
            bad[page.relative_to(built_docs).as_posix()] = parser.found[:3]
    assert not bad, f"pages loading from other hosts: {dict(list(bad.items())[:5])}"
    # the style sheets and scripts they load, and the fonts those name
    for asset in list(built_docs.rglob("*.css")) + list((built_docs / "_static").rglob("*.js")):
        text = asset.read_text(encoding="utf-8", errors="replace")
        urls = re.findall(r"url\(\s*['\"]?((?:https?:)?//[^'\")]+)", text)
        urls += re.findall(r"@import\s+(?:url\()?['\"]((?:https?:)?//[^'\"]+)", text)
        assert not urls, f"{asset.relative_to(built_docs)} loads {urls[:3]}"
    # math pages use the vendored MathJax, which finds its fonts next to itself
    t6 = (built_docs / "theory" / "t6.html").read_text(encoding="utf-8")
    assert re.search(r'<script[^>]+src="[./]*_static/mathjax/tex-chtml.js', t6), "t6: no local MathJax"
    assert (built_docs / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
            / "MathJax_Main-Regular.woff").is_file()


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
        ":doc:`no_such_page`, :attr:`Stack.no_such_field`.\n"
    )
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html",
           "-D", "plot_gallery=0", str(tmp_path / "docs"), str(tmp_path / "html")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          env={**_env(), "MPLBACKEND": "Agg"})
    assert proc.returncode != 0
    for name in ("no_such_function", "NoSuchModel", "no_such_page", "no_such_field"):
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


# ---------------------------------------------------------------------------
# what readers see: generated numbers, widths, figures, references
# ---------------------------------------------------------------------------

STATIC = DOCS / "_static" / "experiments"


def _text(html: str) -> str:
    """The visible text of a page, whitespace collapsed."""
    import html as html_lib
    import re

    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _pm(stat: dict, digits: int = 2) -> str:
    return f"{float(stat['mean']):.{digits}f} ± {float(stat['std']):.{digits}f}"


def test_results_page_numbers_come_from_the_committed_json(built_docs: Path) -> None:
    """Re-read the JSON (independently of the page generator) and find its numbers on the page."""
    import json
    import re

    text = _text((built_docs / "experiments_results.html").read_text(encoding="utf-8"))
    memory = json.loads((STATIC / "memory.json").read_text())
    for row in memory["summary"]:
        assert _pm(row["test_r2"]) in text, f"memory {row['budget']} {row['model']} k={row['delay']}"
    degree = json.loads((STATIC / "degree.json").read_text())
    assert _pm(degree["floor"]["depth1_any_width_nmse"], 3) in text
    for row in degree["summary"]:
        assert _pm(row["test_nmse"], 3) in text, f"degree {row['model']} {row['parameters']}"
    digits = json.loads((STATIC / "digits.json").read_text())
    for row in digits["summary"]:
        assert f"{_pm(row['test_accuracy'])} ({row['parameters']} p.)" in text, f"digits {row['model']}"
    st = json.loads((STATIC / "state_tracking.json").read_text())
    lengths = st["config"]["test_lengths"]
    for task, comp in st["comparison"].items():
        for which in ("smallest_fitting", "matched"):
            for family, row in comp[which].items():
                if row is None:
                    continue
                cells = " ".join(_pm(row["accuracy"][str(L)]) for L in lengths)
                assert f"({row['parameters']}) {_pm(row['validation_accuracy'])} {cells}" in text, \
                    f"state tracking {task} {which} {family}"
    for name in ("memory", "degree", "state_tracking", "digits"):
        seconds = float(json.loads((STATIC / f"{name}.json").read_text())["seconds"])
        assert f"``{name}`` {seconds:.0f} s".replace("``", "") in text
    # the page's own source quotes no number: they all come from the generated includes
    source = (DOCS / "experiments_results.rst").read_text(encoding="utf-8")
    stripped = re.sub(r"\bT\d(c)?\b|_static|gen_modules", "", source)
    assert not re.findall(r"\d", stripped), "experiments_results.rst: numbers belong in the generated parts"


def test_cli_page_fits_the_code_column(built_docs: Path) -> None:
    import html as html_lib
    import re

    page = (built_docs / "gen_modules" / "cli.html").read_text(encoding="utf-8")
    blocks = re.findall(r"<pre>(.*?)</pre>", page, flags=re.S)
    assert len(blocks) > 5
    too_long = [line for b in blocks for line in html_lib.unescape(re.sub(r"<[^>]+>", "", b)).splitlines()
                if len(line) > 78]
    assert not too_long, f"CLI help lines wider than 78 columns: {too_long[:3]}"


def test_long_constants_are_not_dumped_and_the_landing_page_has_no_toc_body(built_docs: Path) -> None:
    import re

    theorems = (built_docs / "gen_modules" / "api" / "rnnexpr.theorems.html").read_text(encoding="utf-8")
    assert "THEOREMS" in theorems and "&lt;function" not in theorems and "Theorem(name=" not in theorems
    index = (built_docs / "index.html").read_text(encoding="utf-8")
    main = index.split('<article', 1)[1].split("</article>", 1)[0]
    tocs = re.findall(r'class="toctree-wrapper[^"]*">(.*?)</div>', main, flags=re.S)
    assert not [t for t in tocs if "<a " in t], "the landing page repeats the table of contents"


def test_docstrings_cite_the_docs_theory_pages_not_the_internal_document() -> None:
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in (ROOT / "rnnexpr").rglob("*.py")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if "THEORY" in line]
    assert not offenders, f"references to the internal THEORY document: {offenders}"


def test_committed_figures_are_legible() -> None:
    """At least 150 dpi; drawn from the JSON, no text below 8 pt and no wider than the page (7.5 in)."""
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    import json

    import matplotlib.pyplot as plt
    from matplotlib.text import Text
    from PIL import Image

    from rnnexpr.experiments import FIGURES

    for name, draw in FIGURES.items():
        with Image.open(STATIC / f"{name}.png") as img:
            assert min(img.info.get("dpi", (0, 0))) >= 149, f"{name}.png: {img.info.get('dpi')} dpi"
        fig = draw(json.loads((STATIC / f"{name}.json").read_text()))
        try:
            assert fig.get_figwidth() <= 7.5, f"{name}: {fig.get_figwidth()} in wide"
            small = {(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text)
                     if t.get_text().strip() and t.get_visible() and t.get_fontsize() < 8}
            assert not small, f"{name}: text below 8 pt: {sorted(small)[:3]}"
        finally:
            plt.close(fig)


def test_gallery_figures_are_saved_at_150_dpi(built_docs: Path) -> None:
    from PIL import Image

    images = sorted((built_docs / "_images").glob("sphx_glr_plot_*.png"))
    images = [p for p in images if "thumb" not in p.name]
    assert images
    for path in images:
        with Image.open(path) as img:
            assert min(img.info.get("dpi", (0, 0))) >= 149, f"{path.name}: {img.info.get('dpi')}"
