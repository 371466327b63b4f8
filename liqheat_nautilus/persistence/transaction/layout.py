"""The catalog's control folder and files: names, the manifest, small ``fsync``-ed file operations, errors.

Layout: the catalog folder holds Nautilus' ``data/<type>/<identifier>/*.parquet`` and a control folder ``.liqheat/``
(``write.lock``, ``catalog.json``, and during a write ``tx-<id>/`` and ``journal.json``). Nautilus only ever reads
``data/``. :func:`check_target` says whether a folder may receive a write.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path
from typing import TypeGuard

from liqheat_nautilus.file_checks import cannot_write_in
from liqheat_nautilus.persistence.errors import IngestError

CONTROL_DIR = ".liqheat"
"""The catalog's control folder (lock, manifest, journal, scratch), ignored by Nautilus."""

LOCK_NAME = "write.lock"
MANIFEST_NAME = "catalog.json"
JOURNAL_NAME = "journal.json"
WRITER_NAME = "writer.json"
TX_PREFIX = "tx-"
FORMAT = "liqheat-catalog"
FORMAT_VERSION = 1
COMMITTED_FLAG = "catalog_committed"
"""Attribute set (``True``) on a ``KeyboardInterrupt`` that stopped a write after its commit point."""


def log_stderr(line: str) -> None:
    """
    Write one line to standard error (the default ``log`` of writes).

    Parameters
    ----------
    line : str
        The message, without its newline (flushed at once).
    """
    print(line, file=sys.stderr, flush=True)



# -- errors ------------------------------------------------------------------------------------------------------


class CatalogBusyError(IngestError):
    """Another process holds the catalog's write lock (after waiting ``lock_timeout`` seconds)."""


class CommitIncompleteError(IngestError):
    """A write passed its commit point but could not be applied completely; the next open of the catalog will."""


def is_disk_full(exc: BaseException) -> TypeGuard[OSError]:
    """
    Return whether an exception is a full disk or an exceeded quota (``ENOSPC``/``EDQUOT``/``EFBIG``).

    pyarrow's I/O errors carry the errno in their text rather than in ``errno``, so the text is checked too.

    Parameters
    ----------
    exc : BaseException
        The exception a write raised.

    Returns
    -------
    bool
        True for an ``OSError`` whose ``errno`` or text is one of those codes.
    """
    if not isinstance(exc, OSError):
        return False
    codes = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
    text = str(exc)
    return exc.errno in codes or any(os.strerror(code) in text for code in codes)


# -- small filesystem helpers ----------------------------------------------------------------------------------------


def _fsync_path(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json_atomic(path: Path, payload: dict) -> None:
    """Write JSON to ``path`` via a temporary sibling, ``fsync`` and one rename (readers see old or new)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_path(path.parent, directory=True)


def _same_bytes(a: Path, b: Path, block: int = 1 << 20) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(block), fb.read(block)
            if x != y:
                return False
            if not x:
                return True


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


# -- what a folder is ------------------------------------------------------------------------------------------------


def control_dir(root: str | Path) -> Path:
    """
    Return the control folder ``<catalog>/.liqheat``.

    Parameters
    ----------
    root : str or Path
        The catalog folder.

    Returns
    -------
    Path
        ``root / ".liqheat"`` (whether or not it exists).
    """
    return Path(root) / CONTROL_DIR


def read_manifest(root: str | Path) -> dict:
    """
    Read the catalog's manifest ``.liqheat/catalog.json`` (``{}`` for a plain Nautilus catalog or a new folder).

    Parameters
    ----------
    root : str or Path
        The catalog folder.

    Returns
    -------
    dict
        ``format``, ``version``, ``generation`` (number of commits), ``last_txid``, ``updated`` (UTC ISO time),
        ``last_command``; ``{"generation": -1}`` when the manifest exists but cannot be read or parsed.
    """
    path = control_dir(root) / MANIFEST_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except (ValueError, OSError):  # unreadable: treat as unknown generation (readers retry, writers rewrite it)
        return {"generation": -1}


def generation(root: str | Path) -> int:
    """
    Return the number of commits recorded in the manifest (0 for a catalog written by other tools).

    Parameters
    ----------
    root : str or Path
        The catalog folder.

    Returns
    -------
    int
        The manifest's ``generation``; 0 without a manifest, -1 for an unreadable one (:func:`read_manifest`).
    """
    return int(read_manifest(root).get("generation", 0))


def commit_in_progress(root: str | Path) -> bool:
    """
    Whether a journal says a commit has started and not finished (a writer is applying it, or it crashed).

    Parameters
    ----------
    root : str or Path
        The catalog folder.

    Returns
    -------
    bool
        True while ``.liqheat/journal.json`` exists.
    """
    return (control_dir(root) / JOURNAL_NAME).exists()


def describe_folder(root: Path) -> str:
    """
    List a few of a folder's entries, for error messages.

    Parameters
    ----------
    root : Path
        An existing folder.

    Returns
    -------
    str
        The first five entry names (sorted, comma-separated), then ``"... (<n> entries)"`` when there are more;
        ``"nothing"`` for an empty folder.
    """
    names = sorted(p.name for p in root.iterdir())
    shown = ", ".join(names[:5]) + (f", ... ({len(names)} entries)" if len(names) > 5 else "")
    return shown or "nothing"


def check_target(target: str | Path, sources: tuple[str | Path, ...] = ()) -> Path:
    """
    Check that a folder may receive a catalog write, before anything is written.

    Accepted: a path that does not exist yet, an empty folder, and a catalog (a folder with a ``data/`` folder
    holding only folders, as Nautilus writes it, or only liqheat's control folder).

    Parameters
    ----------
    target : str or Path
        The catalog folder.
    sources : tuple of str or Path
        Input files or folders of the write; none may be the catalog or lie inside it.

    Returns
    -------
    Path
        The absolute catalog path.

    Raises
    ------
    IngestError
        If the target is a file or inside one, cannot be created where it would go (e.g. in ``/proc``), is a
        folder that is not a catalog (listing some of what it holds), is one of the sources, holds one or lies inside
        a source folder, or if an older liqheat left the catalog in a ``<name>.old-*`` folder.
    """
    root = Path(target).expanduser().absolute()
    for source in sources:
        src = Path(source).expanduser().absolute()
        if src == root or root in src.parents:
            raise IngestError(root, f"the catalog folder is the same as (or holds) the input {src}: choose another "
                                    "--catalog folder", field="--catalog")
        if src.is_dir() and src in root.parents:  # it wrote into the source data (e.g. the shipped sample)
            raise IngestError(root, f"the catalog folder lies inside the input folder {src}: choose another "
                                    "--catalog folder", field="--catalog")
    if root.exists() and not root.is_dir():
        raise IngestError(root, "is a file, not a catalog folder: choose a new or empty folder", field="--catalog")
    if not root.exists():
        existing = next(p for p in root.parents if p.exists())  # "/" at least
        if not existing.is_dir():  # was "[Errno 20] Not a directory" once the write began
            raise IngestError(root, f"is inside {existing}, which is a file, not a folder", field="--catalog")
        why = cannot_write_in(existing)
        if why is not None:  # was the OS's "[Errno 2] No such file or directory" once the write began (/proc)
            raise IngestError(root, f"cannot be created in {existing}: {why}", field="--catalog")
        leftovers = sorted(root.parent.glob(f"{root.name}.old-*")) if root.parent.is_dir() else []
        if leftovers:
            raise IngestError(root, f"does not exist, but {leftovers[0]} holds a catalog an interrupted ingest of an "
                                    f"earlier liqheat version moved aside: rename it back to {root.name} first",
                              field="--catalog")
        return root
    entries = {p.name for p in root.iterdir()}
    data = root / "data"
    if not entries or entries == {CONTROL_DIR}:
        return root
    if data.is_dir() and all(p.is_dir() for p in data.iterdir()):
        return root
    raise IngestError(root, f"exists and is not a liqheat/Nautilus catalog (no data/ folder of data types; it holds "
                            f"{describe_folder(root)}): nothing was changed; choose a new or empty folder, or a "
                            "catalog", field="--catalog")
