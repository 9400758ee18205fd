"""Repository-level pytest configuration (optional-extra collection, deterministic hypothesis).

``rnnexpr.experiments`` needs the optional ``experiments`` extra (torch,
matplotlib, scikit-learn, tqdm); without it, ``--doctest-modules`` must not try to
import those modules, so they are left out of collection.
"""

import importlib.util

_EXTRA = ("torch", "matplotlib", "sklearn", "tqdm")

collect_ignore_glob = [] if all(importlib.util.find_spec(m) for m in _EXTRA) else ["rnnexpr/experiments/*"]

# Property-based tests are deterministic by default, so a run (CI's included) is
# reproducible bit for bit and cannot fail by the luck of the draw; set
# RNNEXPR_HYPOTHESIS=explore to draw fresh examples (and keep hypothesis' database).
try:
    import os

    from hypothesis import settings

    settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
    settings.register_profile("explore", print_blob=True)
    settings.load_profile("explore" if os.environ.get("RNNEXPR_HYPOTHESIS") == "explore" else "deterministic")
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass
