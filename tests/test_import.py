"""`import rnnexpr` is light: optional heavy dependencies load only where they are used."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("tensorly", "torch", "matplotlib")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True, timeout=120)
    return set(out.stdout.split())


def test_import_rnnexpr_loads_no_heavy_dependency():
    mods = _modules_after("import rnnexpr")
    assert not [m for m in mods if m.split(".")[0] in HEAVY]
    # Names still resolve (lazily), and using one loads its module only.
    mods = _modules_after("import rnnexpr; rnnexpr.hankel_rank(rnnexpr.random_wfa(3, 2, exact=True))")
    assert "rnnexpr.hankel" in mods and not [m for m in mods if m.split(".")[0] in HEAVY]


def test_tensorly_is_imported_where_a_tt_is_returned():
    pytest.importorskip("tensorly")
    code = ("import rnnexpr; w = rnnexpr.random_wfa(2, 2, exact=True); "
            "r = rnnexpr.tt_ranks([c for c in rnnexpr.tt.tt_cores([__import__('numpy').ones((1, 2, 1))])])")
    assert "tensorly" not in {m.split(".")[0] for m in _modules_after(code)}
    mods = _modules_after("import rnnexpr; rnnexpr.to_tensor_train(rnnexpr.random_wfa(2, 2, exact=True), 3)")
    assert "tensorly" in {m.split(".")[0] for m in mods}


def test_lazy_names_match_all_and_submodules_resolve():
    import rnnexpr

    assert set(rnnexpr.__all__) <= set(dir(rnnexpr))
    for name in rnnexpr.__all__:
        assert getattr(rnnexpr, name) is not None
    assert rnnexpr.hankel.hankel_rank is rnnexpr.hankel_rank
    with pytest.raises(AttributeError):
        rnnexpr.no_such_name  # noqa: B018
