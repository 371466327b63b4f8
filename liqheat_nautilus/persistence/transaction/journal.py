"""The commit journal: rolling a committed write forward, and recovering from an interrupted one.

The journal (``.liqheat/journal.json``) lists the renames of a write; its rename into place is the commit point.
Every step of :func:`apply_journal` is idempotent, so :func:`recover` repeats the remaining ones after a crash.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.transaction.layout import (
    FORMAT,
    FORMAT_VERSION,
    JOURNAL_NAME,
    MANIFEST_NAME,
    TX_PREFIX,
    _fsync_path,
    _write_json_atomic,
    control_dir,
    read_manifest,
)


def step(name: str) -> None:
    """
    Mark a step boundary of a write: call the package's ``STEP_HOOK`` with ``name`` when one is set.

    The hook is looked up on :mod:`liqheat_nautilus.persistence.transaction` at each call, so a test that sets
    ``transaction.STEP_HOOK`` reaches every step of every module of the package.

    Parameters
    ----------
    name : str
        The step boundary just passed (``"staged"``, ``"synced"``, ``"journal"``, ``"remove:<i>"``, ``"add:<i>"``,
        ``"manifest"``, ``"cleanup"``, ...).
    """
    hook = getattr(sys.modules[__package__], "STEP_HOOK", None)
    if hook is not None:
        hook(name)


def apply_journal(root: Path, journal: dict) -> None:
    """
    Roll a committed write forward (idempotent; called by the writer and by :func:`recover`).

    Renames replaced files to the trash (only while no new file has been moved in yet: the removals all happen
    before the first addition), renames every new file still in the scratch folder to its final name, advances the
    manifest's generation once per transaction, then deletes the scratch folder and the journal.

    Parameters
    ----------
    root : Path
        The catalog folder.
    journal : dict
        The committed journal (``.liqheat/journal.json``): ``txid`` (the transaction id, naming its scratch folder
        ``tx-<txid>``), ``command`` (recorded in the manifest), ``adds`` (``[scratch path, final path]`` pairs) and
        ``removes`` (``[final path, trash path]`` pairs); paths relative to ``root``.
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
            step(f"remove:{i}")
    for i, (src, dst) in enumerate(adds):
        if src.exists():
            if not dst.parent.is_dir():
                dst.parent.mkdir(parents=True, exist_ok=True)
                _fsync_path(dst.parent.parent, directory=True)
            os.replace(src, dst)
            touched.add(dst.parent)
        step(f"add:{i}")
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
    step("manifest")
    shutil.rmtree(control / f"{TX_PREFIX}{journal['txid']}", ignore_errors=True)
    step("cleanup")
    (control / JOURNAL_NAME).unlink(missing_ok=True)
    _fsync_path(control, directory=True)


def recover(root: str | Path) -> str:
    """
    Finish or undo an interrupted write; call with the write lock held.

    A journal means the interrupted write had reached its commit point: it is rolled forward
    (:func:`apply_journal`). Without a journal nothing of it is visible: its scratch folders and temporary files
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
        apply_journal(root, journal)
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
