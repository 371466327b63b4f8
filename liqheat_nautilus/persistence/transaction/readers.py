"""Reads that see only committed states of a catalog (a sequence lock), without waiting for a writer."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
from filelock import FileLock, Timeout

from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.transaction.journal import recover
from liqheat_nautilus.persistence.transaction.layout import (
    JOURNAL_NAME,
    LOCK_NAME,
    TX_PREFIX,
    WRITER_NAME,
    commit_in_progress,
    control_dir,
    generation,
)

_T = TypeVar("_T")


def _leftovers(root: Path) -> bool:
    control = control_dir(root)
    return (control / JOURNAL_NAME).exists() or any(control.glob(f"{TX_PREFIX}*")) or any(control.glob("*.tmp")) \
        or (root / ".scratch").is_dir() or (control / WRITER_NAME).exists()


def _recover_if_writer_gone(root: Path) -> None:
    """Finish or undo a crashed write (journal or leftovers present) if no writer holds the lock."""
    if not _leftovers(root):
        return
    lock = FileLock(str(control_dir(root) / LOCK_NAME), thread_local=False)
    try:
        lock.acquire(timeout=0)
    except (Timeout, OSError):
        return
    try:
        recover(root)
        (control_dir(root) / WRITER_NAME).unlink(missing_ok=True)  # the crashed writer's note
    except OSError:
        pass
    finally:
        lock.release()


_KEPT_CHANGING = ("a commit of another process kept changing the catalog during the read (or an interrupted commit "
                  "cannot be finished without write access); try again")


def committed_generation(root: str | Path, timeout: float = 60.0) -> int:
    """
    Wait until no commit is being applied to a catalog and return its generation.

    A commit left half-applied by a crashed writer is finished first (when no writer holds the lock). With
    :func:`unchanged_since` after a read that cannot be repeated (a ``BacktestNode`` run), it tells whether the read
    saw one committed state.

    Parameters
    ----------
    root : str or Path
        The catalog folder.
    timeout : float, default 60
        Seconds after which a commit that never finishes is reported.

    Returns
    -------
    int
        The number of commits recorded in the catalog's manifest (0 for a catalog written by other tools).

    Raises
    ------
    IngestError
        If a commit was still being applied after ``timeout`` seconds, or a half-applied commit cannot be finished
        (no write access).
    """
    root = Path(root)
    deadline = time.monotonic() + timeout
    while True:
        _recover_if_writer_gone(root)  # nothing to do unless a commit or its leftovers are there
        if not commit_in_progress(root):
            return generation(root)
        if time.monotonic() > deadline:
            raise IngestError(root, _KEPT_CHANGING)
        time.sleep(0.02)


def unchanged_since(root: str | Path, before: int) -> bool:
    """
    Tell whether no commit started or finished since :func:`committed_generation` returned ``before``.

    Parameters
    ----------
    root : str or Path
        The catalog folder.
    before : int
        The generation returned before the read.

    Returns
    -------
    bool
        ``True`` when no journal is present and the generation is still ``before``.
    """
    return not commit_in_progress(root) and generation(root) == before


def consistent_read(root: str | Path, read: Callable[[], _T], timeout: float = 60.0) -> _T:
    """
    Run a read of a catalog so that it sees only committed states, without waiting for a writer's lock.

    Sequence-lock protocol: the read runs when no commit is being applied, and is repeated if a commit started or
    finished meanwhile (journal present, or the manifest's generation changed). A commit left half-applied by a
    crashed writer is finished first (when no writer holds the lock).

    Parameters
    ----------
    root : str or Path
        The catalog folder.
    read : callable
        The read; called again when it overlapped a commit.
    timeout : float, default 60
        Seconds after which a catalog whose commit never finishes is reported.

    Returns
    -------
    The result of ``read``.

    Raises
    ------
    IngestError
        If commits kept overlapping the read for ``timeout`` seconds, or a half-applied commit cannot be finished
        (no write access).
    Any exception of ``read`` that did not overlap a commit.
    """
    root = Path(root)
    deadline = time.monotonic() + timeout
    while True:
        before = committed_generation(root, max(deadline - time.monotonic(), 0.0))
        try:
            result = read()
        except (OSError, pa.ArrowException, ValueError):
            if not unchanged_since(root, before):
                continue
            raise
        if unchanged_since(root, before):
            return result
        if time.monotonic() > deadline:
            raise IngestError(root, _KEPT_CHANGING)
        time.sleep(0.02)
