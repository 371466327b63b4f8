"""A task's output, captured: file descriptors 1 and 2 into a file, and the tail of that file.

The executor's tasks (:func:`~liqheat_nautilus.sweep.executor.call_captured`) run under :func:`captured_output`, so
whatever a function prints, including compiled code writing to the file descriptors (Nautilus' Rust logger, numba),
becomes ``TaskResult.log`` (:func:`log_tail`) instead of reaching the terminal.
"""

import contextlib
import os
import sys
from collections.abc import Iterator

MAX_LOG_BYTES = 1_000_000
"""A task's captured output is cut to its last ``MAX_LOG_BYTES`` bytes."""


@contextlib.contextmanager
def captured_output(path: str) -> Iterator[None]:
    """
    Redirect file descriptors 1 and 2 (and ``sys.stdout``/``sys.stderr``) into ``path`` for the duration.

    File-descriptor level, so output of compiled code (Nautilus' Rust logger, numba) is captured too.

    Parameters
    ----------
    path : str
        File to write (truncated).
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = [os.dup(1), os.dup(2)]
    # both handles append (O_APPEND), so fd-level and Python-level writes interleave without overwriting
    with open(path, "ab", buffering=0) as sink, open(path, "a", buffering=1, encoding="utf-8") as text:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
                yield
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def log_tail(path: str) -> str:
    """
    Return the last ``MAX_LOG_BYTES`` bytes of a captured-output file as text (undecodable bytes replaced).

    Parameters
    ----------
    path : str
        The file :func:`captured_output` wrote.

    Returns
    -------
    str
    """
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - MAX_LOG_BYTES))
        return fh.read().decode("utf-8", errors="replace")
