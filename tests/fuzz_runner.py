"""Run many ``rnnexpr`` command lines in one interpreter, under a memory limit, timing each.

Used by tests/test_fuzz.py (one process per batch instead of one per case).  Reads
``{"cases": [{"id": str, "argv": [str, ...]}, ...], "alarm": seconds, "address_space": bytes}``
as JSON on stdin and writes one JSON object per case on stdout:
``{"id", "code", "stderr", "stdout_bytes", "seconds", "rss_kb"}`` where ``code`` is the exit code
returned by ``rnnexpr.cli.main``, or ``"timeout"`` / ``"escaped: <type>"`` when it did not return,
and ``rss_kb`` the process's peak resident size so far (so a case that raised the peak is found).
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import signal
import sys
import time


class _Timeout(BaseException):
    """Raised by the alarm: a BaseException, so the command line's handlers cannot swallow it."""


def _on_alarm(signum, frame):  # noqa: ARG001
    raise _Timeout()


def main() -> int:
    job = json.loads(sys.stdin.read())
    limit = int(job.get("address_space", 2 * 1024**3))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from rnnexpr.cli import main as cli_main

    signal.signal(signal.SIGALRM, _on_alarm)
    out = sys.stdout
    for case in job["cases"]:
        stdout, stderr = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        signal.alarm(int(job.get("alarm", 20)))
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code: object = cli_main(case["argv"])
        except _Timeout:
            code = "timeout"
        except BaseException as exc:  # noqa: BLE001 - anything escaping main is a finding
            code = f"escaped: {type(exc).__name__}: {str(exc)[:200]}"
        finally:
            signal.alarm(0)
        seconds = time.perf_counter() - start
        record = {"id": case["id"], "code": code, "stderr": stderr.getvalue()[-2000:],
                  "stdout_bytes": len(stdout.getvalue()), "seconds": round(seconds, 3),
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
        out.write(json.dumps(record) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
