"""Repository-level pytest configuration.

``rnnexpr.experiments`` needs the optional ``experiments`` extra (torch,
matplotlib, scikit-learn, tqdm); without it, ``--doctest-modules`` must not try to
import those modules, so they are left out of collection.
"""

import importlib.util

_EXTRA = ("torch", "matplotlib", "sklearn", "tqdm")

collect_ignore_glob = [] if all(importlib.util.find_spec(m) for m in _EXTRA) else ["rnnexpr/experiments/*"]
