"""Every error rnnexpr raises is an RnnexprError: checked on the source and on calls.

The source check parses every module of the package with ``ast`` and fails on any
``raise`` of a builtin exception class (``ValueError``, ``TypeError``, ``KeyError``,
``RuntimeError``, ``Exception``, ...) outside the commented allow-list below, so that
``except RnnexprError`` catches everything the package raises on bad input.  The
classes of :mod:`rnnexpr.errors` also derive from the builtin class a caller would
expect (``InvalidArgumentError`` is a ``ValueError``, ``InvalidTypeError`` a
``TypeError``, ``MissingDependencyError`` an ``ImportError``, ...), so nothing that
caught the builtin class before stops working.
"""

from __future__ import annotations

import ast
import builtins
import inspect
from pathlib import Path

import numpy as np
import pytest

import rnnexpr
from rnnexpr import errors

ROOT = Path(__file__).resolve().parents[1] / "rnnexpr"

#: Builtin exception classes a module must not raise directly (warnings are issued, not raised).
BUILTIN_EXCEPTIONS = frozenset(
    name for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, BaseException) and not issubclass(obj, Warning)
)

#: Python protocols: (special method, builtin class) that the language itself requires there.
PROTOCOLS = {
    ("__getattr__", "AttributeError"),  # module/class __getattr__ (PEP 562): hasattr() and getattr(.., default) rely on it
    ("__getitem__", "KeyError"),  # mapping access (e.g. the 0.1 dict interface kept, deprecated, on LinearSystem)
    ("__getitem__", "IndexError"),  # sequence access
    ("__next__", "StopIteration"),  # iterators
}

#: (module path below rnnexpr/, enclosing function, builtin class) -> why the builtin class is right there.
#: Keep it short: each entry is an internal "cannot happen" check (marked ``# pragma: no cover`` in the
#: source) after a proof step; exact arithmetic makes it unreachable, a failure is a bug in rnnexpr,
#: and it must not be caught by callers as a bad-input RnnexprError.  Never an error bad input reaches.
#: Besides these, a method whose whole body is ``raise NotImplementedError`` (an interface stub that
#: subclasses override, as in ``fields.Field`` and ``models.Arithmetic``) is allowed.
ALLOWED: dict[tuple[str, str, str], str] = {
    ("equivalence.py", "_equivalent_deep", "ArithmeticError"): "exact witness re-check",
    ("linear_systems.py", "_witness", "ArithmeticError"): "exact witness re-check",
    ("linear_systems.py", "_solve_left", "ArithmeticError"): "Krylov row space invariant by construction",
    ("linear_systems.py", "_solve_right", "ArithmeticError"): "Krylov column space invariant by construction",
    ("wfa.py", "wfa_equivalent", "ArithmeticError"): "exact witness re-check",
    ("wfa.py", "_restrict", "ArithmeticError"): "invariant span by construction",
}


def _raised_name(node: ast.Raise) -> str | None:
    exc = node.exc
    if exc is None:  # a bare `raise` re-raises what was caught
        return None
    func = exc.func if isinstance(exc, ast.Call) else exc
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "builtins":
        return func.attr
    return None


def _builtin_raises(root: Path = ROOT) -> list[tuple[str, str, str, int]]:
    """(path below root, enclosing function, class name, line) for every raise of a builtin class."""
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        # Names bound in the module to something else (e.g. `from .errors import X as ValueError`) are not builtins.
        shadowed = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        shadowed |= {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}

        _visit(tree, "<module>", rel, shadowed, out)
    return out


def _is_stub(func: ast.AST | None) -> bool:
    """A function whose body is only ``raise NotImplementedError`` (after an optional docstring)."""
    if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    body = func.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return len(body) == 1 and isinstance(body[0], ast.Raise) and _raised_name(body[0]) == "NotImplementedError"


def _visit(node: ast.AST, func: str, rel: str, shadowed: set[str], out: list, fnode: ast.AST | None = None) -> None:
    for child in ast.iter_child_nodes(node):
        name, fchild = func, fnode
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            name, fchild = child.name, child
        if isinstance(child, ast.Raise):
            cls = _raised_name(child)
            if (cls in BUILTIN_EXCEPTIONS and cls not in shadowed and (func, cls) not in PROTOCOLS
                    and not (cls == "NotImplementedError" and _is_stub(fnode))):
                out.append((rel, func, cls, child.lineno))
        _visit(child, name, rel, shadowed, out, fchild)


def test_no_bare_builtin_exception_is_raised():
    found = [r for r in _builtin_raises() if r[:3] not in ALLOWED]
    assert not found, (
        "raise an rnnexpr.errors class instead (InvalidArgumentError, InvalidTypeError, ShapeError, "
        "MissingDependencyError, ...; or a validator of rnnexpr.validation):\n"
        + "\n".join(f"rnnexpr/{path}:{line} in {func}: raise {cls}" for path, func, cls, line in found)
    )


def test_allow_list_has_no_stale_entries():
    present = {r[:3] for r in _builtin_raises()}
    stale = sorted(set(ALLOWED) - present)
    assert not stale, f"these allowed raises are gone: remove them from ALLOWED in tests/test_errors.py: {stale}"


def test_allowed_internal_checks_are_marked_unreachable():
    # An allowed "cannot happen" raise is marked `# pragma: no cover` on its line or the line before it.
    for path, func, cls, line in _builtin_raises():
        if (path, func, cls) in ALLOWED:
            lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
            near = " ".join(lines[max(0, line - 3): line])
            assert "pragma: no cover" in near, f"rnnexpr/{path}:{line}: mark the internal check `# pragma: no cover`"


@pytest.mark.parametrize("source, expected", [
    ("def f(x):\n    raise ValueError('x: bad')\n", [("m.py", "f", "ValueError", 2)]),
    ("class A:\n    def g(self):\n        raise TypeError\n", [("m.py", "g", "TypeError", 3)]),
    ("raise KeyError('k')\n", [("m.py", "<module>", "KeyError", 1)]),
    ("def f():\n    raise builtins.RuntimeError('r')\n", [("m.py", "f", "RuntimeError", 2)]),
    ("def f():\n    raise Exception('e') from None\n", [("m.py", "f", "Exception", 2)]),
    # A NotImplementedError next to other code is not an interface stub.
    ("class A:\n    def g(self, x):\n        if x:\n            raise NotImplementedError('x')\n        return 1\n",
     [("m.py", "g", "NotImplementedError", 4)]),
    # A KeyError outside __getitem__ is an error like any other.
    ("def get(d, k):\n    raise KeyError(k)\n", [("m.py", "get", "KeyError", 2)]),
    # Not builtin raises: a package class, a re-raise, a caught exception object, a shadowed name,
    # an interface stub, a protocol.
    ("class A:\n    def g(self):\n        \"\"\"Doc.\"\"\"\n        raise NotImplementedError\n", []),
    ("class M:\n    def __getitem__(self, k):\n        raise KeyError(k)\n", []),
    ("def __getattr__(name):\n    raise AttributeError(name)\n", []),
    ("from .errors import ShapeError\ndef f():\n    raise ShapeError('s')\n", []),
    ("def f():\n    try:\n        pass\n    except ValueError:\n        raise\n", []),
    ("def f():\n    try:\n        pass\n    except ValueError as exc:\n        raise exc\n", []),
    ("from .errors import InvalidArgumentError as ValueError\ndef f():\n    raise ValueError('v')\n", []),
])
def test_the_checker_finds_builtin_raises(source, expected, tmp_path):
    # The checker itself must be able to fail.
    (tmp_path / "m.py").write_text(source)
    assert _builtin_raises(tmp_path) == expected


def _error_classes() -> list[type]:
    return [obj for _, obj in inspect.getmembers(errors, inspect.isclass) if obj.__module__ == errors.__name__]


def test_every_error_class_is_an_rnnexpr_error():
    classes = _error_classes()
    assert len(classes) >= 14
    for cls in classes:
        if issubclass(cls, Warning):
            assert not issubclass(cls, errors.RnnexprError), cls
            continue
        assert issubclass(cls, errors.RnnexprError), f"{cls.__name__} must subclass RnnexprError"
        if cls is not errors.RnnexprError:
            # ... and the builtin class a caller who does not know rnnexpr would catch.
            assert any(issubclass(cls, b) for b in (ValueError, TypeError, ImportError, OSError)), cls


def test_every_error_class_is_public_and_reexported():
    for cls in _error_classes():
        assert cls.__name__ in errors.__all__, cls
        assert getattr(rnnexpr, cls.__name__) is cls, f"re-export {cls.__name__} from rnnexpr"


def test_the_builtin_bases_still_catch():
    assert issubclass(errors.InvalidArgumentError, ValueError)
    assert issubclass(errors.InvalidTypeError, TypeError)
    assert issubclass(errors.ConflictingArgumentsError, errors.InvalidArgumentError)
    assert issubclass(errors.MissingDependencyError, ImportError)
    assert issubclass(errors.MissingFileError, FileNotFoundError)
    e = errors.MissingFileError("path: expected an existing file, got 'x.json'")
    assert isinstance(e, OSError) and str(e) == "path: expected an existing file, got 'x.json'"


def _bad_calls():
    from rnnexpr import (
        hankel_rank, random_stack, random_wfa, rank_profile, to_tensor_train, tt_round, words_up_to,
    )
    from rnnexpr.spectral import empirical_frequencies, held_out_error
    from rnnexpr.tt import monomial_exponents, polynomial_degrees
    from rnnexpr.theorems import verify_all
    wfa = random_wfa(2, 2, seed=0)
    stack = random_stack([2, 2], input_dim=2, seed=0)
    tt = to_tensor_train(wfa, 3)
    return [
        # (call, argument the message must name)
        (lambda: words_up_to(2, -1), "max_length"),
        (lambda: words_up_to(2.5, 2), "alphabet_size"),
        (lambda: to_tensor_train(wfa, 0), "length"),
        (lambda: to_tensor_train(wfa, 2, feature_map="fourier"), "feature_map"),
        (lambda: tt_round(tt, -1.0), "tol"),
        (lambda: monomial_exponents(0, 2), "input_dim"),
        (lambda: polynomial_degrees(1.5, 3), "depth"),
        (lambda: empirical_frequencies([], 2), "samples"),
        (lambda: held_out_error(wfa, wfa, [[0]], metric="mae"), "metric"),
        (lambda: verify_all(["T7"]), "theorems"),
        (lambda: verify_all(["T0"], instances=0), "instances"),
        (lambda: hankel_rank(wfa, method="fast"), "method"),
        (lambda: rank_profile(stack, -1), "max_length"),
        (lambda: rnnexpr.equivalent(wfa, wfa, rtol=2.0), "rtol"),
        (lambda: rnnexpr.equivalent(stack, stack, inputs="binary", max_length=2), "inputs"),
        (lambda: rnnexpr.Stack(rnnexpr.random_layer(2, input_dim=2, seed=0), C=np.ones((1, 2))), "layers"),
    ]


def test_bad_input_raises_rnnexpr_errors_naming_the_argument():
    # Behaviour, not only source: `except RnnexprError` catches bad input across the modules, and the
    # one-line message starts with the argument's name.
    for call, name in _bad_calls():
        with pytest.raises(errors.RnnexprError) as info:
            call()
        message = str(info.value)
        assert "\n" not in message, message
        assert message.startswith(name), f"expected a message naming {name!r}, got {message!r}"
