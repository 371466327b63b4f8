"""Running the real ``liqheat`` CLI in a fresh interpreter, and what a clean failure looks like (test helper).

A subprocess, because a Rust panic aborts the whole process (exit 134), which an in-process call could not survive.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI_CODE = "import sys; from liqheat_nautilus.cli import main; sys.exit(main(sys.argv[1:]))"


def run_liqheat(*args: str, prelude: str = "", env: dict | None = None, timeout: float = 300.0,
                cwd: Path | None = None) -> subprocess.CompletedProcess:
    """
    ``liqheat ARGS`` in a fresh interpreter; ``prelude`` is Python run first (e.g. to install a fault hook).

    Returns
    -------
    subprocess.CompletedProcess
        With text ``stdout`` and ``stderr``.
    """
    code = f"{prelude}\n{CLI_CODE}" if prelude else CLI_CODE
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=full_env, cwd=cwd or ROOT)


def call_liqheat(capsys, *args: str) -> subprocess.CompletedProcess:
    """
    ``liqheat ARGS`` in this process, for option checks that stop before any data or Nautilus parser is touched.

    An exception would propagate (and fail the test) instead of becoming a traceback on stderr.

    Returns
    -------
    subprocess.CompletedProcess
        The exit code and what was printed.
    """
    from liqheat_nautilus.cli import main

    capsys.readouterr()
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, captured.out, captured.err)


def assert_clean_failure(proc: subprocess.CompletedProcess, *expected: str, among_logs: bool = False) -> str:
    """
    Non-zero exit, no traceback or panic, one stderr line holding every ``expected`` text; returns the line.

    With ``among_logs`` the process may also log other lines (a live node's log, flushed in any order): exactly one
    line holds the first expected text, and the others.
    """
    assert proc.returncode not in (0, -6, 134), (proc.returncode, proc.stderr[-2000:])  # 134/-6: process abort
    assert "Traceback" not in proc.stderr and "panicked" not in proc.stderr, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    if among_logs:
        lines = [line for line in lines if expected[0] in line]
    assert len(lines) == 1, proc.stderr[-3000:]
    for text in expected:
        assert text in lines[0], (text, lines[0])
    return lines[0]
