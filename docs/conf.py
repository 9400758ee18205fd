"""Sphinx configuration of the rnnexpr documentation.

The API reference is generated at build time from the package itself (one page
per module, each public object documented once, in the module of its concept),
so modules that land later appear without editing the docs.  The examples
gallery is built by sphinx-gallery from ``../examples``.  The build never needs
torch: ``rnnexpr.experiments`` is imported with torch mocked, and no training runs.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if (ROOT / "rnnexpr" / "__init__.py").exists():
    # A source checkout: document this tree (the editable install points here too).
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("MPLBACKEND", "Agg")

import rnnexpr  # noqa: E402

# -- Project -----------------------------------------------------------------

project = "rnnexpr"
author = "the rnnexpr developers"
copyright = "2026, the rnnexpr developers"
release = rnnexpr.__version__
version = release

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "sg_execution_times.rst"]
root_doc = "index"
nitpicky = True
default_role = "math"

# Libraries the optional experiments need; mocked when missing so the docs never depend on them
# (the API reference is the same with and without them: tests/test_docs.py builds it both ways).
OPTIONAL_IMPORTS = ["torch", "sklearn"]


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


autodoc_mock_imports = [m for m in OPTIONAL_IMPORTS if not _importable(m)]

autodoc_typehints = "none"  # the numpy-style docstrings carry the types
autodoc_member_order = "bysource"
autodoc_class_signature = "mixed"

napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_param = False  # parameter types stay plain text ("array_like, optional")
napoleon_use_rtype = False
# Attributes sections are rendered like Parameters: plain-text types, and
# "prefixes, suffixes : tuple of words" documents two names at once.
napoleon_custom_sections = [("Attributes", "params_style")]

# Pseudo-types of numpy-style docstrings and names outside the package: there is
# no network for intersphinx, so references into other projects are not checked.
nitpick_ignore = [
    ("py:class", name)
    for name in (
        "array_like", "array-like", "optional", "callable", "sequence", "iterable", "mapping",
        "path-like", "scalar", "ndarray", "Fraction", "default", "Any", "Generator",
        "TTTensor",  # tensorly's class, named bare in docstrings
    )
]
EXTERNAL_PACKAGES = (
    "numpy", "np", "scipy", "sympy", "fractions", "tensorly", "tl", "flint", "torch", "nn", "sklearn",
    "matplotlib", "pathlib", "os", "typing", "collections", "concurrent", "dataclasses", "json",
    "argparse", "numbers", "math", "random", "itertools", "functools", "abc", "builtins", "tqdm",
    "warnings", "contextlib", "inspect", "sys", "io", "re", "enum", "operator", "zipfile", "pickle",
)
nitpick_ignore_regex = [
    # numpy.ndarray, fractions.Fraction, tensorly.tt_tensor.TTTensor, torch.nn.Module ...
    (r"py:.*", rf"({'|'.join(EXTERNAL_PACKAGES)})\..+"),
]

# -- HTML --------------------------------------------------------------------

html_theme = "furo"
html_title = f"rnnexpr {release}"
html_show_sourcelink = False
html_static_path = ["_static"]  # the vendored MathJax and the experiments' JSON and figures

# -- MathJax: vendored (no network needed), and the macros the pages use -----

# MathJax 3.2.2's tex-chtml component under _static/mathjax (see its README.md);
# it loads its fonts from output/chtml/fonts/woff-v2 next to itself.
mathjax_path = "mathjax/tex-chtml.js"
mathjax3_config = {
    "tex": {
        "macros": {
            "R": r"\mathbb{R}",
            "Q": r"\mathbb{Q}",
        }
    }
}

# -- Examples gallery --------------------------------------------------------

EXAMPLES = (HERE / ".." / "examples").resolve()
sys.path.insert(0, str(HERE / "_ext"))  # gallery_style, experiment_results

sphinx_gallery_conf = {
    "examples_dirs": str(EXAMPLES),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "plot_gallery": "True",
    "matplotlib_animations": False,
    "min_reported_time": 0,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "first_notebook_cell": None,
    "write_computation_times": False,
    "reset_modules": ("matplotlib", "gallery_style.reset"),  # 150 dpi, no text below 8 pt
}

# -- API reference, written from the package ----------------------------------

API_DIR = HERE / "gen_modules" / "api"


def package_modules(root: Path | None = None) -> list[str]:
    """Every public module of the package, from its files (never from what happens to import).

    A module or package whose name (or any parent's) starts with ``_`` is private.
    Listing files rather than walking imports keeps modules whose optional
    dependencies are missing (``rnnexpr.experiments.*`` without torch): they are
    imported with those dependencies mocked.
    """
    root = Path(rnnexpr.__file__).resolve().parent if root is None else Path(root)
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if any(part.startswith("_") for part in parts[1:]):
            continue
        if all((root.parent.joinpath(*parts[:k]) / "__init__.py").is_file() for k in range(1, len(parts))):
            names.append(".".join(parts))
    return sorted(set(names))


_public_modules = package_modules


def _import(name: str):
    from sphinx.ext.autodoc.mock import mock

    with mock(autodoc_mock_imports), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return importlib.import_module(name)


def _documented_data(module) -> set[str]:
    """Module-level names with a ``#:`` doc comment."""
    from sphinx.pycode import ModuleAnalyzer

    try:
        analyzer = ModuleAnalyzer.for_module(module.__name__)
        return {name for (scope, name) in analyzer.find_attr_docs() if scope == ""}
    except Exception:  # no source available
        return set()


def _assigned_names(module) -> set[str]:
    """Names assigned at the top level of the module's own source (not re-exports)."""
    import ast

    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError, SyntaxError):
        return set()
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        for t in targets:
            if isinstance(t, ast.Name):
                names.add(t.id)
    return names


def _own_objects(module) -> list[tuple[str, str, object]]:
    """(kind, name, object) for the public objects whose home is this module."""
    explicit = getattr(module, "__all__", None)
    names = explicit if explicit is not None else [n for n in vars(module) if not n.startswith("_")]
    data_docs = _documented_data(module)
    assigned = _assigned_names(module)
    out = []
    for name in names:
        if not hasattr(module, name):
            continue
        obj = getattr(module, name)
        if inspect.ismodule(obj):
            continue
        if inspect.isclass(obj):
            if obj.__module__ != module.__name__:
                continue
            kind = "exception" if issubclass(obj, BaseException) else "class"
        elif inspect.isfunction(obj) or inspect.isbuiltin(obj):
            if getattr(obj, "__module__", None) != module.__name__:
                continue
            kind = "function"
        elif name in assigned and (name in data_docs or explicit is not None):
            kind = "data"  # a constant documented where it is defined
        else:
            continue
        out.append((kind, name, obj))
    return out


def _foreign_bases(cls: type) -> list[str]:
    """Names of the non-rnnexpr classes in the MRO: their members are not re-documented."""
    # A mocked base (torch missing) adds sphinx's private _MockObject: leave private classes out so the
    # page is the same with and without torch.
    return [b.__name__ for b in cls.__mro__[1:]
            if not b.__module__.startswith("rnnexpr") and not b.__name__.startswith("_")]


def _has_private_base(cls: type) -> bool:
    return any(b.__name__.startswith("_") and b.__module__.startswith("rnnexpr") for b in cls.__mro__[1:])


def _summary(obj, kind: str) -> str:
    """The first paragraph of a docstring, on one line (a complete rst unit, never cut)."""
    doc = inspect.getdoc(obj) if kind != "data" else ""
    if not doc:
        return ""
    para = doc.strip().split("\n\n", 1)[0]
    return " ".join(line.strip() for line in para.splitlines())


def _underline(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


#: short name -> full names of every documented object (resolves ``Stack``,
#: ``rnnexpr.Stack``, ``ShapeError`` from any page; see _resolve_short_names).
SHORT_NAMES: dict[str, set[str]] = {}


def _register(full: str) -> None:
    parts = full.split(".")
    for k in range(1, len(parts)):
        SHORT_NAMES.setdefault(".".join(parts[k:]), set()).add(full)
        SHORT_NAMES.setdefault("rnnexpr." + ".".join(parts[k:]), set()).add(full)


_ROLE = {"function": "func", "class": "class", "exception": "exc", "data": "data"}


def _table(rows: list[tuple[str, str, str]]) -> list[str]:
    """A two-column list-table: linked name, one-line summary."""
    out = [".. list-table::", "   :widths: 30 70", ""]
    for role, target, summary in rows:
        out.append(f"   * - :py:{role}:`{target}`")
        out.append(f"     - {summary}" if summary else "     -")
    out.append("")
    return out


def _write_api() -> None:
    API_DIR.mkdir(parents=True, exist_ok=True)
    for old in API_DIR.glob("*.rst"):
        old.unlink()  # modules may have been renamed since the last build
    modules = []
    for modname in _public_modules():
        try:
            module = _import(modname)
        except Exception as exc:  # loud: a module that cannot be imported has no reference page
            raise RuntimeError(f"docs: cannot import {modname} for the API reference: {exc!r}") from exc
        modules.append((modname, module))

    for modname, module in modules:
        if modname == "rnnexpr":
            continue
        objects = _own_objects(module)
        out = [_underline(f"``{modname}``"), f".. automodule:: {modname}\n"]
        if objects:
            out += [".. rubric:: Summary\n"]
            out += _table([(_ROLE[kind], f"~{modname}.{name}", _summary(obj, kind)) for kind, name, obj in objects])
        for kind, name, obj in objects:
            full = f"{modname}.{name}"
            _register(full)
            if kind == "function":
                out.append(f".. autofunction:: {full}\n")
            elif kind == "data":
                out.append(f".. autodata:: {full}")
                if len(repr(obj)) > 60:  # a long value (a dict of theorems) is described, not dumped
                    out.append("   :no-value:")
                out.append("")
            else:
                directive = "autoexception" if kind == "exception" else "autoclass"
                out.append(f".. {directive}:: {full}")
                out.append("   :members:")
                if [b for b in obj.__bases__ if b is not object and not b.__name__.startswith("_")]:
                    out.append("   :show-inheritance:")  # only when it says something
                if kind == "class" and _has_private_base(obj):
                    # Methods such as run/values live in a private base class.
                    out.append("   :inherited-members: " + ", ".join(_foreign_bases(obj)))
                out.append("")
                for member, _ in inspect.getmembers(obj):
                    if not member.startswith("_"):
                        _register(f"{full}.{member}")
        (API_DIR / f"{modname}.rst").write_text("\n".join(out) + "\n")
    for modname, _ in modules:
        _register(modname)
    # Re-exports (``rnnexpr.theorems.verify_T1`` for ``rnnexpr.theorems.t1_collapse.verify_T1``)
    # resolve to the one documented object.
    for modname, module in modules:
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            canonical = f"{getattr(obj, '__module__', '')}.{name}"
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and canonical in SHORT_NAMES.get(name, set()):
                SHORT_NAMES.setdefault(f"{modname}.{name}", set()).add(canonical)

    # Top-level page: every name of rnnexpr.__all__, linked to its home module.
    lines = [_underline("The ``rnnexpr`` namespace"), ".. module:: rnnexpr\n",
             "Every name below is importable as ``from rnnexpr import name``; its",
             "documentation lives with the module of its concept.\n"]
    rows = []
    for name in rnnexpr.__all__:
        obj = getattr(rnnexpr, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            homes = [obj.__module__]
            kind = "exception" if inspect.isclass(obj) and issubclass(obj, BaseException) else (
                "class" if inspect.isclass(obj) else "function")
        else:  # a constant: its home is the module that documents it
            homes = [m for m, mod in modules if m != "rnnexpr" and getattr(mod, name, None) is obj]
            kind = "data"
        home = next((m for m in homes if f"{m}.{name}" in SHORT_NAMES.get(name, set())), None)
        if home is None:
            continue  # not documented in a module page: reported by tests/test_docs.py
        rows.append((_ROLE[kind], f"{name} <{home}.{name}>", _summary(obj, kind)))
    lines += _table(rows)
    (API_DIR / "rnnexpr.rst").write_text("\n".join(lines) + "\n")


_write_api()


#: Width of the CLI help on the command-line page: it fits furo's code column.
CLI_WIDTH = 78


def _fit(text: str, width: int) -> str:
    """Wrap the lines argparse leaves longer than ``width`` (raw descriptions, long option names).

    A continuation keeps the line's indentation, plus two spaces when the line
    is an option's help (it starts with a dash).
    """
    import textwrap

    out = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        more = indent + ("  " if line.lstrip().startswith("-") else "")
        out += textwrap.wrap(line.strip(), width=width, initial_indent=indent, subsequent_indent=more,
                             break_long_words=True, break_on_hyphens=False)
    return "\n".join(out) + "\n"


def _write_results() -> None:
    """The numbers of the results page, from the committed JSON (docs/_ext/experiment_results.py)."""
    import experiment_results

    experiment_results.write_all(HERE / "_static" / "experiments", HERE / "gen_modules" / "results")


_write_results()


def _write_cli() -> None:
    """The command-line reference, from the argparse parser itself (always current)."""
    import argparse
    import textwrap

    from rnnexpr.cli import build_parser

    parser = build_parser()
    lines = [_underline("Command line"),
             "The ``rnnexpr`` command is a thin argparse front end over the functions of",
             "the package (:mod:`rnnexpr.cli`).  Models are read from the JSON files of",
             ":doc:`../guide/format`; ``--json`` prints machine-readable results.\n",
             "This page is generated from the parser, so it matches the installed version.\n"]
    os.environ["COLUMNS"] = str(CLI_WIDTH)  # argparse wraps its help at this width

    def block(text: str) -> str:
        return textwrap.indent(_fit(text, CLI_WIDTH), "   ")

    lines += [".. code-block:: text", "", block(parser.format_help()), ""]
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for action in subparsers:
        for name, sub in action.choices.items():
            lines += [_underline(f"``rnnexpr {name}``", "-"), ".. code-block:: text", "",
                      block(sub.format_help()), ""]
    (API_DIR.parent / "cli.rst").write_text("\n".join(lines) + "\n")


_write_cli()


def _resolve_short_names(app, env, node, contnode):
    """Resolve ``Stack``, ``rnnexpr.Stack``, ``ShapeError`` ... to the documented object.

    Docstrings name objects the way users import them (``rnnexpr.Stack``) or by
    their short name inside another module (``:raises ShapeError:``).  A name is
    resolved only when it designates exactly one documented object; anything
    else stays a broken reference and fails the build.
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").lstrip(".~")
    candidates = SHORT_NAMES.get(target, set())
    domain = env.get_domain("py")
    if len(candidates) != 1:
        if node.get("reftype") == "attr":
            return _resolve_field(app, env, node, contnode, target, domain)
        return None
    (full,) = candidates
    found = domain.resolve_xref(env, node.get("refdoc"), app.builder, node.get("reftype"), full, node, contnode)
    if found is None and node.get("reftype") == "attr":
        return _resolve_field(app, env, node, contnode, target, domain)
    return found


def _resolve_field(app, env, node, contnode, target, domain):
    """``:attr:`rank``` inside ``RankResult``, or ``:attr:`CheckResult.field```: a field documented in its
    class's Attributes section (no object of its own) links to the class, when the class has that field."""
    import dataclasses

    owner, _, field = target.rpartition(".")
    if owner:
        owners = SHORT_NAMES.get(owner, set())
    else:
        module, cls = node.get("py:module"), node.get("py:class")
        owners = {f"{module}.{cls}"} if module and cls else set()
    if len(owners) != 1:
        return None
    (full,) = owners
    modname, _, clsname = full.rpartition(".")
    try:
        klass = getattr(_import(modname), clsname)
    except Exception:
        return None
    fields = {f.name for f in dataclasses.fields(klass)} if dataclasses.is_dataclass(klass) else set()
    if not inspect.isclass(klass) or (field not in fields and not hasattr(klass, field)):
        return None
    return domain.resolve_xref(env, node.get("refdoc"), app.builder, "class", full, node, contnode)


_FIRST_LINES: dict[tuple[str, str], str] = {}


def _before_napoleon(app, what, name, obj, options, lines):
    """Drop a constant's inherited type docstring; remember first lines of attributes.

    A module constant without a ``#:`` comment would show the docstring of its
    type (``dict``'s); attributes and properties get their first line restored
    after napoleon (see _after_napoleon).
    """
    if what == "data" and inspect.getdoc(type(obj)) and "\n".join(lines).strip() == inspect.getdoc(type(obj)).strip():
        lines[:] = []
    if what in ("property", "attribute", "data") and lines:
        _FIRST_LINES[(what, name)] = lines[0]


def _after_napoleon(app, what, name, obj, options, lines):
    """Undo napoleon's "type: description" split of a prose first line.

    For attributes and properties napoleon reads ``"True when ...: a linear RNN
    layer."`` as a type (``True when ...``) and a description; our docstrings
    are numpy style, where that line is prose.  Restore it and drop the type.
    """
    first = _FIRST_LINES.pop((what, name), None)
    if first is None:
        return
    typed = [i for i, line in enumerate(lines) if line.startswith(":type: ")]
    if not typed:
        return
    for i in reversed(typed):
        del lines[i]
    while lines and not lines[-1].strip():
        lines.pop()
    for i, line in enumerate(lines):
        if line.strip():
            lines[i] = first
            break


def _drop_private_bases(app, name, obj, options, bases):
    bases[:] = [b for b in bases if not getattr(b, "__name__", "").startswith("_")]


def setup(app):
    app.connect("missing-reference", _resolve_short_names)
    app.connect("autodoc-process-docstring", _before_napoleon, priority=400)
    app.connect("autodoc-process-docstring", _after_napoleon, priority=600)
    app.connect("autodoc-process-bases", _drop_private_bases)
