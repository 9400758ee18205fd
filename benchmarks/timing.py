"""What the benchmarks share: the best-of timer and a checkout of an older revision to compare with."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: The repository the benchmarks belong to.
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Run ``fn`` ``repeat`` times; return (the smallest wall time in seconds, the last result).

    The best of several runs is the least disturbed by other load on the machine.
    """
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


@contextmanager
def old_checkout(rev: str) -> Iterator[str | None]:
    """The code of revision ``rev`` in a temporary ``git worktree``, removed on exit.

    Yields the checkout's path (a ``tree`` folder inside a fresh temporary directory, whose
    parent is a neutral working directory for child interpreters), or None when the
    worktree could not be made (no git, an unknown revision): callers then skip the
    comparison.
    """
    tmp = tempfile.mkdtemp(prefix="rnnexpr-old-")
    path = os.path.join(tmp, "tree")
    made = subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", path, rev],
                          capture_output=True, text=True).returncode == 0
    try:
        yield path if made else None
    finally:
        if made:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", path], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
