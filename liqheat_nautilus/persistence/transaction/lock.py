"""The catalog's write lock (``.liqheat/write.lock``): one writer at a time, readers never take it."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from liqheat_nautilus.persistence.transaction.layout import (
    LOCK_NAME,
    WRITER_NAME,
    CatalogBusyError,
    _write_json_atomic,
    control_dir,
)


def _holder(root: Path) -> str:
    try:
        info = json.loads((control_dir(root) / WRITER_NAME).read_text(encoding="utf-8"))
        return f"pid {info['pid']} ({info['command']}), since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextlib.contextmanager
def writer_lock(root: Path, timeout: float | None = None, log: Callable[[str], None] | None = None) -> Iterator[None]:
    """
    Hold the catalog's write lock (``.liqheat/write.lock``, a ``filelock.FileLock``).

    Parameters
    ----------
    root : Path
        The catalog folder (created if missing, with its control folder).
    timeout : float, optional
        Seconds to wait for another writer; ``None`` waits as long as it takes, ``0`` fails at once.
    log : callable, optional
        Receives one line when the lock is busy and the call waits.

    Raises
    ------
    CatalogBusyError
        If the lock is still held after ``timeout`` seconds (the message names the holder).
    """
    control = control_dir(root)
    control.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(control / LOCK_NAME), thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = _holder(root)
        if timeout is not None and timeout <= 0:
            raise CatalogBusyError(root, f"is being written by {holder}; try again when it has finished (or give "
                                         "--lock-timeout SECONDS to wait)", field="--lock-timeout") from None
        if log is not None:
            limit = "as long as it takes" if timeout is None else f"up to {timeout:g} s"
            log(f"catalog {root} is being written by {holder}; waiting for it to finish ({limit})...")
        try:
            lock.acquire(timeout=-1 if timeout is None else timeout)
        except Timeout:
            raise CatalogBusyError(root, f"is still being written by {_holder(root)} after {timeout:g} s; try again "
                                         "later or give a longer --lock-timeout", field="--lock-timeout") from None
    try:
        command = " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv))[:200]
        with contextlib.suppress(OSError):
            _write_json_atomic(control / WRITER_NAME, {
                "pid": os.getpid(), "command": command or "python",
                "since": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            })
        yield
    finally:
        with contextlib.suppress(OSError):
            (control / WRITER_NAME).unlink(missing_ok=True)
        lock.release()
