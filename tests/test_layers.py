"""The layer rule, enforced: imports go one way, no cycles, no private names across modules.

The order is written down in CONTRIBUTING.md and docs/guide/layers.rst.  Every
import counts, including those inside functions (lazy imports hide cycles, they do
not remove them).  A module missing from LAYERS fails the test: a new module must
say where it sits.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "rnnexpr"

#: Low to high.  A module may import modules of its own layer or lower ones, never higher.
LAYERS: list[set[str]] = [
    {"errors", "numbers", "validation", "limits"},
    {"fields"},
    {"exact", "results"},
    {"models"},
    {"conversions", "io"},
    {"lifted", "wfa", "linear_systems", "polydegree"},
    {"hankel", "tt", "spectral", "constructions", "equivalence", "growth"},
    {"theorems", "interop", "data", "torch", "extraction"},
    {"cli", "experiments", "__init__", "__main__"},
]

#: Violations that exist today and are being removed (issue 13).  The test fails
#: when an entry here no longer occurs, so this list can only shrink.
KNOWN_VIOLATIONS: set[str] = set()


def _rank() -> dict[str, int]:
    return {m: i for i, layer in enumerate(LAYERS) for m in layer}


def _top(module: str) -> str:
    """The layer key of a dotted module name below rnnexpr (a package counts as one module)."""
    return module.split(".")[0]


def _modules() -> dict[str, Path]:
    out = {}
    for p in ROOT.rglob("*.py"):
        rel = p.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _resolve(importer: str, is_pkg: bool, node: ast.ImportFrom) -> str | None:
    """Absolute module path (below rnnexpr) of a `from X import ...`, or None if outside rnnexpr."""
    if node.level == 0:
        if node.module and (node.module == "rnnexpr" or node.module.startswith("rnnexpr.")):
            return node.module[len("rnnexpr."):] if node.module != "rnnexpr" else ""
        return None
    base = importer.split(".") if importer else []
    if not is_pkg:
        base = base[:-1]
    up = node.level - 1
    base = base[: len(base) - up] if up else base
    return ".".join(base + ([node.module] if node.module else []))


def _parsed() -> tuple[dict[str, Path], list[tuple[str, bool, ast.AST]]]:
    """Every module below ROOT, parsed once: (name -> path, [(name, is package, tree)])."""
    mods = _modules()
    return mods, [(name, path.name == "__init__.py", ast.parse(path.read_text(), str(path)))
                  for name, path in sorted(mods.items())]


def _module_imports(name: str, is_pkg: bool, tree: ast.AST, mods: dict[str, Path]):
    """(imported module, imported name or None, local binding, line) for every import of rnnexpr code.

    `from . import x` naming submodule x gives (x, None, binding): a module, not a name.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(name, is_pkg, node)
            if target is None:
                continue
            for alias in node.names:
                full = f"{target}.{alias.name}".strip(".")
                if full in mods:
                    yield full, None, alias.asname or alias.name, node.lineno
                else:
                    yield target, alias.name, None, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("rnnexpr.") or alias.name == "rnnexpr":
                    yield alias.name[len("rnnexpr."):], None, None, node.lineno


def _imports():
    """(importer, imported module, imported name or None, line) over the whole package."""
    mods, parsed = _parsed()
    for name, is_pkg, tree in parsed:
        for module, imported, _binding, line in _module_imports(name, is_pkg, tree, mods):
            yield name, module, imported, line


def _private_attributes() -> set[str]:
    """`from . import exact as m` then `m._helper`: a private name reached through a module alias."""
    mods, parsed = _parsed()
    out = set()
    for name, is_pkg, tree in parsed:
        aliases = {binding: module for module, imported, binding, _ in _module_imports(name, is_pkg, tree, mods)
                   if imported is None and binding}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                out.add(f"{name} imports private name {aliases[node.value.id]}.{node.attr}")
    return out


def _violations() -> set[str]:
    rank = _rank()
    out = set(_private_attributes())
    for importer, tgt, imported_name, _line in _imports():
        src_key = _top(importer) if importer else "__init__"
        if importer.endswith("__init__") or importer == "":
            src_key = "__init__"
        tgt_key = _top(tgt) if tgt else "__init__"
        same_package = src_key == tgt_key and "." in importer
        # Private names: never across modules; private modules only inside their own package.
        if imported_name and imported_name.startswith("_") and not imported_name.startswith("__") and tgt != importer:
            out.add(f"{importer} imports private name {tgt}.{imported_name}")
        if any(part.startswith("_") and part != "__init__" for part in tgt.split(".")) and not same_package:
            out.add(f"{importer} imports private module {tgt}")
        if src_key == "__init__" and importer == "":
            continue
        if same_package:
            continue
        if src_key not in rank:
            out.add(f"{importer}: module not in LAYERS")
            continue
        if tgt_key not in rank:
            out.add(f"{tgt}: module not in LAYERS (imported by {importer})")
            continue
        if rank[tgt_key] > rank[src_key]:
            out.add(f"{importer} imports higher layer {tgt}")
    return out


def _cycles() -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for importer, module, _imported, _ in _imports():
        a = _top(importer) or "__init__"
        b = _top(module) or "__init__"
        if a != b and "__init__" not in (a, b):
            graph.setdefault(a, set()).add(b)
    cycles, state = [], {}

    def visit(n, path):
        state[n] = 1
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                cycles.append(path[path.index(m):] + [m] if m in path else [n, m])
            elif m not in state:
                visit(m, path + [m])
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])
    return cycles


def test_every_module_has_a_layer():
    rank = _rank()
    missing = sorted({_top(m) for m in _modules() if m and _top(m) not in rank})
    assert not missing, f"add these modules to LAYERS (tests/test_layers.py) and CONTRIBUTING.md: {missing}"


def test_no_import_cycles():
    assert not _cycles(), f"import cycles (counting imports inside functions): {_cycles()}"


def test_imports_follow_the_layers():
    new = sorted(_violations() - KNOWN_VIOLATIONS)
    assert not new, "layer violations:\n" + "\n".join(new)


def test_known_violations_only_shrink():
    gone = sorted(KNOWN_VIOLATIONS - _violations())
    assert not gone, "these are fixed: remove them from KNOWN_VIOLATIONS:\n" + "\n".join(gone)


@pytest.mark.parametrize("bad", ["from .hankel import rank_profile", "from .cli import main"])
def test_the_checker_catches_an_upward_import(bad, tmp_path, monkeypatch):
    # The checker itself must be able to fail: an upward import planted in a low module is found.
    fake = tmp_path / "rnnexpr"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "numbers.py").write_text(bad + "\n")
    (fake / "hankel.py").write_text("")
    (fake / "cli.py").write_text("")
    globals()["ROOT"], saved = fake, ROOT
    try:
        assert any("higher layer" in v for v in _violations())
    finally:
        globals()["ROOT"] = saved
