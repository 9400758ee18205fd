"""Every public function and class has a docstring with a runnable example.

Public means: a name of ``rnnexpr.__all__``, or a function or class listed in
the ``__all__`` of a module of the package (the module's own objects, not its
re-exports; modules without ``__all__`` contribute their public functions and
classes defined there).  Each must have a docstring with an ``Examples`` section
holding at least one ``>>>`` line; those examples run as doctests through
``--doctest-modules`` (setup.cfg).  ``rnnexpr.experiments`` is checked only when
its optional dependencies (the ``experiments`` extra) are installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import re

import pytest

import rnnexpr

_EXPERIMENT_EXTRA = ("torch", "matplotlib", "sklearn", "tqdm")
_HAS_EXPERIMENTS = all(importlib.util.find_spec(m) is not None for m in _EXPERIMENT_EXTRA)
_EXAMPLES = re.compile(r"^\s*Examples\s*\n\s*-{3,}\s*\n", re.MULTILINE)


def _modules() -> list[str]:
    names = ["rnnexpr"]
    for info in pkgutil.walk_packages(rnnexpr.__path__, prefix="rnnexpr.",
                                      onerror=lambda name: None):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        if info.name.startswith("rnnexpr.experiments") and not _HAS_EXPERIMENTS:
            continue
        names.append(info.name)
    return sorted(names)


def _public_objects() -> dict[str, object]:
    """qualified name -> object, for every public function and class (each once, at home)."""
    found: dict[str, object] = {}
    for modname in _modules():
        if modname.startswith("rnnexpr.experiments") and not _HAS_EXPERIMENTS:
            continue
        module = importlib.import_module(modname)
        names = getattr(module, "__all__", None)
        if names is None:
            names = [n for n, o in vars(module).items()
                     if not n.startswith("_") and getattr(o, "__module__", None) == modname]
        for name in names:
            obj = getattr(module, name, None)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue  # constants are documented by comments, not examples
            home = getattr(obj, "__module__", modname)
            if not home.startswith("rnnexpr"):
                continue
            found.setdefault(f"{home}.{obj.__qualname__}", obj)
    return found


PUBLIC = _public_objects()


def test_the_walk_finds_the_package() -> None:
    """The walk is not vacuous: it sees the core objects of the foundation."""
    for name in ("rnnexpr.models.Stack", "rnnexpr.conversions.to_wfa", "rnnexpr.exact.exact_rank", "rnnexpr.io.save"):
        assert name in PUBLIC
    for name in rnnexpr.__all__:
        obj = getattr(rnnexpr, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert f"{obj.__module__}.{obj.__qualname__}" in PUBLIC, name


def test_examples_pattern_is_strict() -> None:
    """An ``Examples`` header needs its underline; a word in prose does not count."""
    assert _EXAMPLES.search("Summary.\n\nExamples\n--------\n>>> 1\n1\n")
    assert not _EXAMPLES.search("Summary with Examples in a sentence.\n")


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_docstring_has_a_runnable_example(name: str) -> None:
    obj = PUBLIC[name]
    doc = inspect.getdoc(obj)
    assert doc and doc.strip(), f"{name}: no docstring"
    if issubclass(obj, BaseException) if inspect.isclass(obj) else False:
        return  # exception classes: a one-line docstring says when they are raised
    match = _EXAMPLES.search(doc)
    assert match, f"{name}: the docstring has no 'Examples' section"
    assert ">>>" in doc[match.end():], f"{name}: the 'Examples' section has no '>>>' line to run as a doctest"
