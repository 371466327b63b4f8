"""One write into a catalog: stream plans, the staged files, the commit, and :func:`catalog_transaction`."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.scan import INSTRUMENT_TYPES, file_name_interval, precision_mismatches
from liqheat_nautilus.persistence.transaction.journal import apply_journal, recover, step
from liqheat_nautilus.persistence.transaction.layout import (
    COMMITTED_FLAG,
    JOURNAL_NAME,
    LOCK_NAME,
    MANIFEST_NAME,
    TX_PREFIX,
    WRITER_NAME,
    CommitIncompleteError,
    _fsync_path,
    _rel,
    _same_bytes,
    _write_json_atomic,
    check_target,
    control_dir,
    is_disk_full,
    log_stderr,
)
from liqheat_nautilus.persistence.transaction.lock import writer_lock


def _content_interval(path: Path) -> tuple[int, int] | None:
    """
    ``ts_init`` range of a catalog file from its Parquet metadata (``None`` without statistics).

    Raises
    ------
    IngestError
        If the file is not readable Parquet (the catalog holds a corrupt file: the write stops, naming it).
    """
    from liqheat_nautilus.persistence.scan import ts_range, unreadable

    try:
        metadata = pq.ParquetFile(path).metadata
    except (OSError, pa.ArrowException) as exc:
        raise unreadable(path, exc) from None
    lo, hi = ts_range(metadata)
    return None if lo is None or hi is None else (lo, hi)


def file_name_for(start_ns: int, end_ns: int) -> str:
    """
    Return Nautilus' file name for rows with ``ts_init`` in ``[start_ns, end_ns]`` (``<start>_<end>.parquet``).

    Parameters
    ----------
    start_ns : int
        The first row's ``ts_init`` (UNIX nanoseconds).
    end_ns : int
        The last row's ``ts_init`` (UNIX nanoseconds).

    Returns
    -------
    str
        E.g. ``2024-01-01T00-00-00-000000000Z_2024-01-01T23-59-00-000000000Z.parquet`` (UTC, nanosecond digits).
    """
    from nautilus_trader.persistence.catalog.parquet import _timestamps_to_filename

    return _timestamps_to_filename(int(start_ns), int(end_ns))


DROPPED_RATIO = 10
"""A write replacing at least this many times the rows it adds to a stream is named with a warning."""


@dataclass
class _Entry:
    path: Path
    committed: bool
    interval: tuple[int, int] | None  # None: unknown (no parsable name): compared by content
    existing: bool = False  # its rows were in the catalog before this write (a committed file, or a piece of one)


@dataclass
class _StreamPlan:
    """The files a stream folder ``data/<type>/<identifier>`` will hold after the commit."""

    rel_dir: str
    files: dict[str, _Entry] = field(default_factory=dict)  # final name -> entry (committed kept, or new)
    removed: dict[str, Path] = field(default_factory=dict)  # final name -> committed file to remove
    replaced_rows: int = 0  # rows the catalog held that this write's ranges replace
    added_rows: int = 0  # rows this write adds (less those a later range of the same write replaced)

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
        Create a fresh scratch ``ParquetDataCatalog`` inside this transaction's folder (invisible to readers).

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
                    plan.files[file.name] = _Entry(file, True, file_name_interval(file.name), existing=True)
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
                plan.files[file.name] = _Entry(file, False, file_name_interval(file.name) or _content_interval(file))
                plan.added_rows += pq.ParquetFile(file).metadata.num_rows
        step("staged")

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
        inside = table.num_rows - sum(piece.num_rows for piece in pieces)
        if entry.existing:
            plan.replaced_rows += inside
        else:
            plan.added_rows -= inside
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
            plan.files[new_name] = _Entry(path, False, file_name_interval(new_name), existing=entry.existing)

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

    def replacement_notes(self) -> list[str]:
        """
        Say, one line per stream, how many rows the catalog held that this write replaces.

        A stream's new rows replace everything it held in their time range (docs/data.md): a sparse file over a
        dense stream drops many rows. Lines for streams whose write replaces at least
        :data:`DROPPED_RATIO` times the rows it adds say so with ``WARNING``.

        Returns
        -------
        list[str]
            ``"replaced N existing rows of <type>/<identifier> with M rows"`` for each data stream (not instrument
            definitions) with replaced rows, in stream order; empty when nothing existing was replaced.
        """
        lines = []
        for rel_dir, plan in sorted(self._plans.items()):
            _, kind, ident = rel_dir.split("/", 2)
            if kind in INSTRUMENT_TYPES or not plan.replaced_rows:
                continue
            line = (f"catalog {self.root}: replaced {plan.replaced_rows:,} existing rows of {kind}/{ident} with "
                    f"{plan.added_rows:,} rows")
            if plan.replaced_rows >= DROPPED_RATIO * max(plan.added_rows, 1):
                line += (f"; WARNING: {plan.replaced_rows - plan.added_rows:,} more rows were dropped than added: an "
                         "input replaces everything the catalog held for its data type and instrument within its "
                         "time span (docs/data.md); if the input is only a sample of that span, ingest the complete "
                         "data of the span again")
            lines.append(line)
        return lines

    # -- commit ---------------------------------------------------------------------------------------------------

    def _renames(self) -> tuple[list[list[str]], list[list[str]]]:
        adds: list[list[str]] = []
        removes: list[list[str]] = []
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

    def _final_files(self, rel_dir: str) -> dict[str, Path]:
        """Return the files a stream folder will hold after the commit (final name -> current path)."""
        plan = self._plans.get(rel_dir)
        if plan is not None:
            return {name: entry.path for name, entry in plan.files.items()}
        folder = self.root / rel_dir
        return {f.name: f for f in sorted(folder.glob("*.parquet"))} if folder.is_dir() else {}

    def _check_precisions(self) -> None:
        """
        Refuse a write after which an instrument's bars or trades disagree with its definition's precisions.

        Nautilus stores the price and size precision of bars and trade ticks with each file; a backtest stops with a
        ``RuntimeError`` at the first bar whose precision is not the instrument's. A definition with another tick or
        lot size (a venue changed it; a new spec file) written over part of a stream would leave such files.

        Raises
        ------
        IngestError
            Naming the first file (as it will be named in the catalog) and both precisions.
        """
        from nautilus_trader.model.data import BarType

        touched: set[str] = set()
        for rel_dir in self._plans:
            _, kind, ident = rel_dir.split("/", 2)
            if kind == "bar":
                touched.add(BarType.from_str(ident).instrument_id.value)
            elif kind in ("trade_tick", *INSTRUMENT_TYPES):
                touched.add(ident)
        for iid in sorted(touched):
            streams = [f"data/bar/{p.name}" for p in sorted((self.root / "data" / "bar").glob(f"{iid}-*"))]
            streams += [d for d in self._plans if d.startswith(f"data/bar/{iid}-") and d not in streams]
            streams.append(f"data/trade_tick/{iid}")
            mismatch = next(precision_mismatches(self.root, iid, streams, self._final_files), None)
            if mismatch is not None:
                raise mismatch.error("definition after this write has",
                                     "write into a new catalog, or give the definition the catalog holds")

    def commit(self) -> int:
        """
        Make the staged files the catalog's content: the commit point is the rename of the journal into place.

        Returns
        -------
        int
            Files added plus files replaced (0 when the catalog already held exactly this content).

        Raises
        ------
        IngestError
            Before the commit point, when an instrument's bars or trades would disagree with its definition
            (:meth:`_check_precisions`).
        """
        self._check_precisions()
        adds, removes = self._renames()
        if not adds and not removes:
            shutil.rmtree(self.scratch_dir, ignore_errors=True)
            return 0
        for src, _ in adds:
            _fsync_path(self.root / src)
        for folder in {(self.root / src).parent for src, _ in adds}:
            _fsync_path(folder, directory=True)
        step("synced")
        journal = {"txid": self.txid, "command": self.command, "adds": adds, "removes": removes}
        _write_json_atomic(control_dir(self.root) / JOURNAL_NAME, journal)
        self.committed = True
        step("journal")
        apply_journal(self.root, journal)
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
    Write into a catalog crash-safely: lock, recover, stage, commit on success, roll back on any exception.

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
                step("prepared")
                tx.commit()
                if log is not None:
                    for line in tx.replacement_notes():
                        log(line)
            except BaseException as exc:
                try:
                    tx.abort()
                except BaseException as abort_exc:
                    if not tx.committed:
                        raise
                    if not isinstance(abort_exc, Exception):  # a second Ctrl-C: the next open finishes the commit
                        _mark_committed(abort_exc)
                        raise
                    raise CommitIncompleteError(root, f"the write is committed, but applying it failed ({abort_exc});"
                                                      " the next command that opens this catalog finishes it") \
                        from None
                if tx.committed:  # interrupted while applying the commit: abort() finished it
                    if not isinstance(exc, Exception):  # Ctrl-C: stop, and say that the write is complete
                        _mark_committed(exc)
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


def _mark_committed(exc: BaseException) -> None:
    """Set :data:`COMMITTED_FLAG` on a propagating interruption: the write it interrupted is committed."""
    with contextlib.suppress(AttributeError, TypeError):
        setattr(exc, COMMITTED_FLAG, True)


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
