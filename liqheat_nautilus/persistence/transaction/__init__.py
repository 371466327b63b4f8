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
milliseconds of step 5 it may see a stream with its old files already moved away. A ``liqheat backtest`` run, which
Nautilus reads and cannot repeat, waits for a commit being applied before it starts (:func:`committed_generation`)
and reports when one started or finished during the run (:func:`unchanged_since`).

Modules, by role: :mod:`.layout` (names, manifest, ``fsync``-ed file operations, errors, :func:`check_target`),
:mod:`.lock` (:func:`writer_lock`), :mod:`.journal` (:func:`recover`, the roll-forward), :mod:`.staging`
(:class:`CatalogTransaction`, :func:`catalog_transaction`), :mod:`.readers` (:func:`consistent_read`,
:func:`committed_generation`, :func:`unchanged_since`). Every name
is importable from this package.
"""

from __future__ import annotations

from collections.abc import Callable

from liqheat_nautilus.persistence.transaction.journal import apply_journal, recover
from liqheat_nautilus.persistence.transaction.layout import (
    COMMITTED_FLAG,
    CONTROL_DIR,
    FORMAT,
    FORMAT_VERSION,
    JOURNAL_NAME,
    LOCK_NAME,
    MANIFEST_NAME,
    TX_PREFIX,
    WRITER_NAME,
    CatalogBusyError,
    CommitIncompleteError,
    check_target,
    commit_in_progress,
    control_dir,
    describe_folder,
    generation,
    is_disk_full,
    log_stderr,
    read_manifest,
)
from liqheat_nautilus.persistence.transaction.lock import writer_lock
from liqheat_nautilus.persistence.transaction.readers import committed_generation, consistent_read, unchanged_since
from liqheat_nautilus.persistence.transaction.staging import (
    CatalogTransaction,
    catalog_transaction,
    file_name_for,
)

STEP_HOOK: Callable[[str], None] | None = None
"""Called with the name of every step boundary of a write (``"staged"``, ``"journal"``, ``"remove:0"``, ...).

For fault-injection tests only: a hook that kills the process or raises at a chosen step shows what a crash there
leaves behind. Set it on this package (``transaction.STEP_HOOK = hook``); every module reads it from here."""

__all__ = [
    "COMMITTED_FLAG", "CONTROL_DIR", "FORMAT", "FORMAT_VERSION", "JOURNAL_NAME", "LOCK_NAME", "MANIFEST_NAME",
    "STEP_HOOK", "TX_PREFIX", "WRITER_NAME", "CatalogBusyError", "CatalogTransaction", "CommitIncompleteError",
    "apply_journal", "catalog_transaction", "check_target", "commit_in_progress", "committed_generation",
    "consistent_read", "control_dir", "describe_folder", "file_name_for", "generation", "is_disk_full", "log_stderr",
    "read_manifest", "recover", "unchanged_since", "writer_lock",
]
