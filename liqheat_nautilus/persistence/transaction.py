"""Crash-safe writes into a ``ParquetDataCatalog``: a writer lock, new files staged in the catalog, a journalled commit.

Layout: the catalog folder holds Nautilus' ``data/<type>/<identifier>/*.parquet`` and a control folder ``.liqheat/``
(``write.lock``, ``catalog.json``, and during a write ``tx-<id>/`` and ``journal.json``). Nautilus only ever reads
``data/``.

A write (:func:`catalog_transaction`) goes through these steps; its cost is proportional to the new data, never to
the catalog:

1. **Lock.** ``.liqheat/write.lock`` is taken with ``filelock`` (an OS lock, released by the kernel when a process
   dies). A second writer waits, saying so once, or fails after ``lock_timeout`` seconds naming the holder.
   Readers never take the lock.
2. **Recover.** An interrupted earlier write is finished (journal present: rolled forward) or its leftovers are
   removed (no journal: rolled back), see :func:`recover`.
3. **Stage.** New Parquet files are written by Nautilus' own ``write_data`` into scratch catalogs under
   ``.liqheat/tx-<id>/`` (same filesystem as ``data/``, invisible to Nautilus). Each stream (data class and
   identifier) keeps a plan: the new files, the committed files the new range replaces (closed range of
   ``ts_init``), and the rows of partly covered files that must be kept (re-written into the scratch folder).
   Nothing under ``data/`` changes. A failure or Ctrl-C here deletes the scratch folder: the catalog is as before.
4. **Commit point.** The new files and folders are ``fsync``-ed, then ``journal.json`` (the list of renames) is
   written to a temporary name, ``fsync``-ed and renamed into place: from this instant the write is committed.
5. **Apply.** Replaced files are renamed out of ``data/`` into the scratch folder's ``trash/``, then every new file
   is renamed to its final name; ``catalog.json`` gets the next *generation*; the scratch folder and the journal
   are deleted. Every step is idempotent, so :func:`recover` repeats the remaining ones after a crash.

Readers (:func:`consistent_read`) are never blocked by a writer: they read, then check that no commit started or
finished meanwhile (the journal is absent and the generation unchanged, as a sequence lock) and read again if one
did, so they never return a half-applied commit. Nautilus' own reader lists ``data/`` directly: during the
milliseconds of step 5 it may see a stream with its old files already moved away.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

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

_T = TypeVar("_T")

STEP_HOOK: Callable[[str], None] | None = None
"""Called with the name of every step boundary of a write (``"staged"``, ``"journal"``, ``"remove:0"``, ...).

For fault-injection tests only: a hook that kills the process or raises at a chosen step shows what a crash there
leaves behind."""


def log_stderr(line: str) -> None:
    """The default ``log`` of writes: one line on standard error."""
    print(line, file=sys.stderr, flush=True)


def _step(name: str) -> None:
    if STEP_HOOK is not None:
        STEP_HOOK(name)


# -- errors ------------------------------------------------------------------------------------------------------


class CatalogBusyError(IngestError):
    """Another process holds the catalog's write lock (after waiting ``lock_timeout`` seconds)."""


class CommitIncompleteError(IngestError):
    """A write passed its commit point but could not be applied completely; the next open of the catalog will."""


def is_disk_full(exc: BaseException) -> bool:
    """
    Whether an exception is a full disk or an exceeded quota (``ENOSPC``/``EDQUOT``/``EFBIG``).

    pyarrow's I/O errors carry the errno in their text rather than in ``errno``, so the text is checked too.
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
    """The control folder ``<catalog>/.liqheat``."""
    return Path(root) / CONTROL_DIR


def read_manifest(root: str | Path) -> dict:
    """
    The catalog's manifest ``.liqheat/catalog.json`` (``{}`` for a plain Nautilus catalog or a new folder).

    Returns
    -------
    dict
        ``format``, ``version``, ``generation`` (number of commits), ``last_txid``, ``updated`` (UTC ISO time).
    """
    path = control_dir(root) / MANIFEST_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except (ValueError, OSError):  # unreadable: treat as unknown generation (readers retry, writers rewrite it)
        return {"generation": -1}


def generation(root: str | Path) -> int:
    """The number of commits recorded in the manifest (0 for a catalog written by other tools)."""
    return int(read_manifest(root).get("generation", 0))


def commit_in_progress(root: str | Path) -> bool:
    """Whether a journal says a commit has started and not finished (a writer is applying it, or it crashed)."""
    return (control_dir(root) / JOURNAL_NAME).exists()


def describe_folder(root: Path) -> str:
    """A few of a folder's entries, for error messages."""
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
        If the target is a file, a folder that is not a catalog (listing some of what it holds), is one of the
        sources or holds one, or if an older liqheat left the catalog in a ``<name>.old-*`` folder.
    """
    root = Path(target).expanduser().absolute()
    for source in sources:
        src = Path(source).expanduser().absolute()
        if src == root or root in src.parents:
            raise IngestError(root, f"the catalog folder is the same as (or holds) the input {src}: choose another "
                                    "--catalog folder", field="--catalog")
    if root.exists() and not root.is_dir():
        raise IngestError(root, "is a file, not a catalog folder: choose a new or empty folder", field="--catalog")
    if not root.exists():
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


# -- the journal and recovery ----------------------------------------------------------------------------------------


def _apply_journal(root: Path, journal: dict) -> None:
    """
    Roll a committed write forward (idempotent; called by the writer and by :func:`recover`).

    Renames replaced files to the trash (only while no new file has been moved in yet: the removals all happen
    before the first addition), renames every new file still in the scratch folder to its final name, advances the
    manifest's generation once per transaction, then deletes the scratch folder and the journal.
    """
    control = control_dir(root)
    adds = [(root / src, root / dst) for src, dst in journal["adds"]]
    removes = [(root / dst, root / trash) for dst, trash in journal["removes"]]
    touched: set[Path] = set()
    if all(src.exists() for src, _ in adds):  # no addition yet, so an existing path is still the replaced file
        for i, (dst, trash) in enumerate(removes):
            if dst.exists():
                trash.parent.mkdir(parents=True, exist_ok=True)
                os.replace(dst, trash)
                touched.add(dst.parent)
            _step(f"remove:{i}")
    for i, (src, dst) in enumerate(adds):
        if src.exists():
            if not dst.parent.is_dir():
                dst.parent.mkdir(parents=True, exist_ok=True)
                _fsync_path(dst.parent.parent, directory=True)
            os.replace(src, dst)
            touched.add(dst.parent)
        _step(f"add:{i}")
    for folder in touched:
        if folder.is_dir():
            _fsync_path(folder, directory=True)
    manifest = read_manifest(root)
    if manifest.get("last_txid") != journal["txid"]:
        _write_json_atomic(control / MANIFEST_NAME, {
            "format": FORMAT, "version": FORMAT_VERSION, "generation": max(int(manifest.get("generation", 0)), 0) + 1,
            "last_txid": journal["txid"], "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "last_command": journal.get("command", ""),
        })
    _step("manifest")
    shutil.rmtree(control / f"{TX_PREFIX}{journal['txid']}", ignore_errors=True)
    _step("cleanup")
    (control / JOURNAL_NAME).unlink(missing_ok=True)
    _fsync_path(control, directory=True)


def recover(root: str | Path) -> str:
    """
    Finish or undo an interrupted write; call with the write lock held.

    A journal means the interrupted write had reached its commit point: it is rolled forward
    (:func:`_apply_journal`). Without a journal nothing of it is visible: its scratch folders and temporary files
    are removed (rolled back). Also removes the ``.scratch`` folder of liqheat versions before the journal.

    Parameters
    ----------
    root : str or Path
        The catalog folder.

    Returns
    -------
    str
        What was done (``""`` when there was nothing to do).

    Raises
    ------
    IngestError
        If the journal is unreadable (it is written by one rename, so only outside damage can cause this).
    """
    root = Path(root)
    control = control_dir(root)
    done = []
    journal_path = control / JOURNAL_NAME
    if journal_path.exists():
        try:
            journal = json.loads(journal_path.read_text(encoding="utf-8"))
            journal["adds"], journal["removes"], journal["txid"]  # noqa: B018  (shape check)
        except (ValueError, KeyError, TypeError) as exc:
            raise IngestError(journal_path, f"unreadable commit journal ({exc}); it lists the renames of an "
                                            "interrupted write: inspect it before deleting it") from exc
        _apply_journal(root, journal)
        done.append(f"finished the interrupted commit {journal['txid']} (rolled forward)")
    leftovers = [p for p in control.glob(f"{TX_PREFIX}*")] + [p for p in control.glob("*.tmp")]
    legacy = root / ".scratch"
    if legacy.is_dir():
        leftovers.append(legacy)
    for path in leftovers:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    if leftovers:
        done.append(f"removed {len(leftovers)} leftover(s) of an interrupted write (rolled back)")
    return "; ".join(done)


# -- the lock ----------------------------------------------------------------------------------------------------


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


# -- the plan of one stream ------------------------------------------------------------------------------------------


def _name_interval(name: str) -> tuple[int, int] | None:
    from nautilus_trader.persistence.catalog.parquet import _parse_filename_timestamps

    try:
        return _parse_filename_timestamps(name)
    except (ValueError, IndexError):
        return None


def _content_interval(path: Path) -> tuple[int, int] | None:
    from liqheat_nautilus.persistence.scan import ts_range

    lo, hi = ts_range(pq.ParquetFile(path).metadata)
    return None if lo is None else (lo, hi)


def file_name_for(start_ns: int, end_ns: int) -> str:
    """Nautilus' file name for rows with ``ts_init`` in ``[start_ns, end_ns]`` (``<start>_<end>.parquet``)."""
    from nautilus_trader.persistence.catalog.parquet import _timestamps_to_filename

    return _timestamps_to_filename(int(start_ns), int(end_ns))


@dataclass
class _Entry:
    path: Path
    committed: bool
    interval: tuple[int, int] | None  # None: unknown (no parsable name): compared by content


@dataclass
class _StreamPlan:
    """The files a stream folder ``data/<type>/<identifier>`` will hold after the commit."""

    rel_dir: str
    files: dict[str, _Entry] = field(default_factory=dict)  # final name -> entry (committed kept, or new)
    removed: dict[str, Path] = field(default_factory=dict)  # final name -> committed file to remove

    def overlapping(self, start: int, end: int) -> list[str]:
        out = []
        for name, entry in self.files.items():
            interval = entry.interval
            if interval is None or (interval[0] <= end and interval[1] >= start):
                content = _content_interval(entry.path)
                spans = [s for s in (interval, content) if s is not None]
                if any(lo <= end and hi >= start for lo, hi in spans):
                    out.append(name)
        return out


class CatalogTransaction:
    """
    One write into a catalog: stage new files, replace ranges of streams, commit atomically.

    Created by :func:`catalog_transaction` (which holds the lock, recovers, commits or rolls back); the loaders
    write through :class:`~liqheat_nautilus.persistence.writer.RangeReplacingWriter` (chunked streams) or
    :meth:`write_data` (lists of objects, e.g. instrument definitions).

    Parameters
    ----------
    root : Path
        The catalog folder.
    command : str, default ""
        Recorded in the manifest.

    Attributes
    ----------
    path : str
        The catalog folder (reading it shows the committed state, not this transaction's staged files).
    """

    def __init__(self, root: Path, command: str = "") -> None:
        self.root = Path(root)
        self.path = str(self.root)
        self.txid = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.scratch_dir = control_dir(self.root) / f"{TX_PREFIX}{self.txid}"
        self.command = command
        self._plans: dict[str, _StreamPlan] = {}
        self._n_scratch = 0
        self.committed = False

    # -- staging ------------------------------------------------------------------------------------------------

    def new_scratch(self):
        """
        A fresh scratch ``ParquetDataCatalog`` inside this transaction's folder (invisible to readers).

        Returns
        -------
        ParquetDataCatalog
        """
        from nautilus_trader.persistence.catalog import ParquetDataCatalog

        path = self.scratch_dir / f"w{self._n_scratch}"
        self._n_scratch += 1
        path.mkdir(parents=True)
        return ParquetDataCatalog(str(path))

    def _plan(self, rel_dir: str) -> _StreamPlan:
        plan = self._plans.get(rel_dir)
        if plan is None:
            plan = _StreamPlan(rel_dir)
            folder = self.root / rel_dir
            if folder.is_dir():
                for file in sorted(folder.glob("*.parquet")):
                    plan.files[file.name] = _Entry(file, True, _name_interval(file.name))
            self._plans[rel_dir] = plan
        return plan

    def replace_range(self, scratch_root: str | Path, start_ns: int, end_ns: int) -> None:
        """
        Stage the files a scratch catalog holds as the new content of their streams in ``[start_ns, end_ns]``.

        Whatever the catalog (or this transaction) held for the same streams with ``ts_init`` in the closed range
        is dropped; rows of partly covered files outside the range are kept (re-written into new files named
        after their own first and last ``ts_init``).

        Parameters
        ----------
        scratch_root : str or Path
            A catalog from :meth:`new_scratch` holding the new files.
        start_ns, end_ns : int
            The closed ``ts_init`` range the new files replace (UNIX ns).
        """
        scratch_root = Path(scratch_root)
        by_dir: dict[str, list[Path]] = {}
        for file in sorted((scratch_root / "data").rglob("*.parquet")):
            by_dir.setdefault(_rel(scratch_root, file.parent), []).append(file)
        for rel_dir, files in by_dir.items():
            plan = self._plan(rel_dir)
            for name in plan.overlapping(start_ns, end_ns):
                self._drop(plan, name, start_ns, end_ns)
            for file in files:
                if file.name in plan.files:  # cannot happen for disjoint content; never overwrite silently
                    raise RuntimeError(f"{rel_dir}/{file.name} staged twice")
                plan.files[file.name] = _Entry(file, False, _name_interval(file.name) or _content_interval(file))
        _step("staged")

    def _drop(self, plan: _StreamPlan, name: str, start_ns: int, end_ns: int) -> None:
        """Remove a file from the plan, keeping its rows outside ``[start_ns, end_ns]`` in new scratch files."""
        entry = plan.files.pop(name)
        table = pq.read_table(entry.path)
        if entry.committed:
            plan.removed[name] = entry.path
        ts = table.column("ts_init")
        pieces = (table.filter(pc.less(ts, pa.scalar(start_ns, ts.type))),
                  table.filter(pc.greater(ts, pa.scalar(end_ns, ts.type))))
        if not entry.committed:
            entry.path.unlink()
        for piece in pieces:
            if not piece.num_rows:
                continue
            ts_piece = piece.column("ts_init").to_numpy()
            new_name = file_name_for(int(np.min(ts_piece)), int(np.max(ts_piece)))
            folder = self.scratch_dir / "split" / f"{self._n_scratch}"
            self._n_scratch += 1
            folder.mkdir(parents=True)
            path = folder / new_name
            pq.write_table(piece, path)
            plan.files[new_name] = _Entry(path, False, _name_interval(new_name))

    def write_data(self, data: list) -> None:
        """
        Stage objects (each type and identifier sorted by ``ts_init``), replacing their range in each stream.

        Mirrors ``ParquetDataCatalog.write_data``: objects are grouped by class and identifier (instrument id, or
        bar type for bars); each group replaces what its stream held in ``[first ts_init, last ts_init]``. An
        instrument definition identical to the stored one leaves its file untouched.

        Parameters
        ----------
        data : list
            Nautilus data objects or instruments.
        """
        from nautilus_trader.model.data import CustomData

        groups: dict[tuple[str, str], list] = {}
        for obj in data:
            inner = obj.data if isinstance(obj, CustomData) else obj
            ident = getattr(inner, "bar_type", None) or getattr(inner, "instrument_id", None) \
                or getattr(inner, "id", "")
            groups.setdefault((type(inner).__name__, str(ident)), []).append(obj)
        for items in groups.values():
            scratch = self.new_scratch()
            scratch.write_data(items)
            self.replace_range(scratch.path, int(items[0].ts_init), int(items[-1].ts_init))

    # -- commit ---------------------------------------------------------------------------------------------------

    def _renames(self) -> tuple[list[list[str]], list[list[str]]]:
        adds, removes = [], []
        for rel_dir, plan in sorted(self._plans.items()):
            intervals = sorted(e.interval for e in plan.files.values() if e.interval is not None)
            for (_, end), (start, _) in zip(intervals, intervals[1:], strict=False):
                if start <= end:
                    raise RuntimeError(f"{rel_dir}: the planned files overlap ({intervals}); nothing was committed")
            for name, old in sorted(plan.removed.items()):
                new = plan.files.get(name)
                if new is not None and not new.committed and _same_bytes(old, new.path):
                    plan.files[name] = _Entry(old, True, new.interval)  # identical rewrite: keep the committed file
                    continue
                removes.append([f"{rel_dir}/{name}", _rel(self.root, self.scratch_dir / "trash" / f"{len(removes)}")])
            for name, entry in sorted(plan.files.items()):
                if not entry.committed:
                    adds.append([_rel(self.root, entry.path), f"{rel_dir}/{name}"])
        return adds, removes

    def commit(self) -> int:
        """
        Make the staged files the catalog's content: the commit point is the rename of the journal into place.

        Returns
        -------
        int
            Files added plus files replaced (0 when the catalog already held exactly this content).
        """
        adds, removes = self._renames()
        if not adds and not removes:
            shutil.rmtree(self.scratch_dir, ignore_errors=True)
            return 0
        for src, _ in adds:
            _fsync_path(self.root / src)
        for folder in {(self.root / src).parent for src, _ in adds}:
            _fsync_path(folder, directory=True)
        _step("synced")
        journal = {"txid": self.txid, "command": self.command, "adds": adds, "removes": removes}
        _write_json_atomic(control_dir(self.root) / JOURNAL_NAME, journal)
        self.committed = True
        _step("journal")
        _apply_journal(self.root, journal)
        return len(adds) + len(removes)

    def abort(self) -> None:
        """Undo everything staged (before the commit point) or finish the commit (after it)."""
        if self.committed:
            recover(self.root)
        else:
            shutil.rmtree(self.scratch_dir, ignore_errors=True)


@contextlib.contextmanager
def catalog_transaction(target: str | Path, sources: tuple[str | Path, ...] = (), lock_timeout: float | None = None,
                        log: Callable[[str], None] | None = log_stderr,
                        command: str = "") -> Iterator[CatalogTransaction]:
    """
    A crash-safe write into a catalog: lock, recover, stage, commit on success, roll back on any exception.

    Parameters
    ----------
    target : str or Path
        The catalog folder (created when missing; see :func:`check_target` for what is refused).
    sources : tuple of str or Path
        The write's input files or folders (the catalog may not be one of them nor hold one).
    lock_timeout : float, optional
        Seconds to wait for another writer (``None``: as long as it takes; ``0``: fail at once).
    log : callable, default :func:`log_stderr`
        Receives one line for a wait or a recovery (``None``: silent).
    command : str, default ""
        What is writing, recorded in the manifest.

    Yields
    ------
    CatalogTransaction

    Raises
    ------
    IngestError
        For a refused target (:func:`check_target`), a busy lock (:class:`CatalogBusyError`) or a full disk
        (the staged files are removed; the catalog is unchanged). Any exception of the block (also
        ``KeyboardInterrupt``) rolls the write back and propagates.
    """
    root = check_target(target, sources)
    created = [p for p in (root, *root.parents) if not p.exists()]
    try:
        with writer_lock(root, lock_timeout, log):
            message = recover(root)
            if message and log is not None:
                log(f"catalog {root}: {message}")
            tx = CatalogTransaction(root, command)
            try:
                yield tx
                _step("prepared")
                tx.commit()
            except BaseException as exc:
                try:
                    tx.abort()
                except BaseException as abort_exc:
                    if not tx.committed:
                        raise
                    if not isinstance(abort_exc, Exception):  # a second Ctrl-C: the next open finishes the commit
                        with contextlib.suppress(AttributeError, TypeError):
                            abort_exc.catalog_committed = True
                        raise
                    raise CommitIncompleteError(root, f"the write is committed, but applying it failed ({abort_exc});"
                                                      " the next command that opens this catalog finishes it") \
                        from None
                if tx.committed:  # interrupted while applying the commit: abort() finished it
                    if not isinstance(exc, Exception):  # Ctrl-C: stop, and say that the write is complete
                        with contextlib.suppress(AttributeError, TypeError):
                            exc.catalog_committed = True
                        raise
                    if log is not None:
                        log(f"catalog {root}: finished the commit after an error ({exc})")
                    return
                if is_disk_full(exc):
                    raise IngestError(root, f"no space left on the device ({exc.strerror or exc}); nothing was "
                                            "committed and the partial files were removed") from None
                raise
    finally:
        if created and not _holds_data(root):
            _remove_new_folders(root, created)


def _holds_data(root: Path) -> bool:
    return (root / "data").is_dir() and any((root / "data").iterdir())


def _remove_new_folders(root: Path, created: list[Path]) -> None:
    """Remove the folders a write created when it committed nothing (an empty catalog is not left behind)."""
    control = control_dir(root)
    for name in (LOCK_NAME, MANIFEST_NAME, WRITER_NAME):
        with contextlib.suppress(OSError):
            (control / name).unlink(missing_ok=True)
    for folder in (control, root / "data", *created):
        with contextlib.suppress(OSError):
            folder.rmdir()


# -- readers --------------------------------------------------------------------------------------------------------


def _leftovers(root: Path) -> bool:
    control = control_dir(root)
    return (control / JOURNAL_NAME).exists() or any(control.glob(f"{TX_PREFIX}*")) or any(control.glob("*.tmp")) \
        or (root / ".scratch").is_dir() or (control / WRITER_NAME).exists()


def _recover_if_writer_gone(root: Path) -> None:
    """A reader that finds a journal or leftovers finishes or undoes the write if no writer holds the lock (crashed)."""
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
    _recover_if_writer_gone(root)
    while True:
        if commit_in_progress(root):
            _recover_if_writer_gone(root)
        if not commit_in_progress(root):
            before = generation(root)
            try:
                result = read()
            except (OSError, pa.ArrowException, ValueError):
                if commit_in_progress(root) or generation(root) != before:
                    continue
                raise
            if not commit_in_progress(root) and generation(root) == before:
                return result
        if time.monotonic() > deadline:
            raise IngestError(root, "a commit of another process kept changing the catalog during the read (or an "
                                    "interrupted commit cannot be finished without write access); try again")
        time.sleep(0.02)
