"""Fault injection: the catalog write is stopped at every step boundary; the catalog is then exactly as before or
exactly as after (every byte of every data file), passes ``catalog validate``, and holds no leftovers.

Three ways to stop it: the process is killed (``os._exit`` in a ``liqheat`` subprocess, as ``kill -9`` or a power cut
would, so no ``finally`` runs); Ctrl-C (``KeyboardInterrupt``) raised in the writer; the disk filling up (ENOSPC, and
a real ``EFBIG`` from a file-size limit). The write is the one of :mod:`tests.faults.scenario` (real data plus a
labelled synthetic overlay).
"""

import errno
from dataclasses import dataclass
from pathlib import Path

import pytest

import liqheat_nautilus.persistence.transaction as transaction
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.validate import validate_catalog
from tests.cli_run import assert_clean_failure, run_liqheat
from tests.faults import scenario as sc

STEPS = ["staged", "staged", "staged", "staged", "prepared", "synced", "journal", "remove:0", "add:0", "add:1",
         "add:2", "add:3", "add:4", "add:5", "add:6", "manifest", "cleanup"]
"""The step boundaries of the scenario's write, in order: four streams staged (trades, funding, two instrument
definitions), the block done, files synced, the journal written (the commit point), one replaced file moved out,
seven new files moved in, the manifest's generation advanced, the scratch folder removed."""
COMMIT_POINT = STEPS.index("journal")
CLEAN_CONTROL = [".liqheat/catalog.json", ".liqheat/write.lock"]


@dataclass(frozen=True)
class States:
    before_dir: Path
    inputs: list
    before: dict
    after: dict


@pytest.fixture(scope="module")
def states(tmp_path_factory) -> States:
    """The catalog before the write, the write's inputs, and the data files before and after an undisturbed run."""
    base = tmp_path_factory.mktemp("faults")
    before_dir = base / "before"
    sc.build_before(before_dir)
    inputs = sc.write_inputs(base / "src")
    after_dir = sc.copy_catalog(before_dir, base / "after")
    seen: list[str] = []
    transaction.STEP_HOOK = seen.append
    try:
        sc.run_write(inputs, after_dir)
    finally:
        transaction.STEP_HOOK = None
    assert seen == STEPS
    before, after = sc.committed(before_dir), sc.committed(after_dir)
    assert before != after and sc.control_files(after_dir) == CLEAN_CONTROL
    assert not validate_catalog(before_dir).errors and not validate_catalog(after_dir).errors
    return States(before_dir, inputs, before, after)


def _expected(states: States, step: int) -> dict:
    return states.after if step >= COMMIT_POINT else states.before


def _kill_at(step: int) -> str:
    """Python run before the CLI: kill the process (no cleanup of any kind) at the ``step``-th boundary."""
    return ("import os\nimport liqheat_nautilus.persistence.transaction as _t\n_calls = []\n"
            "def _hook(name):\n    _calls.append(name)\n"
            f"    if len(_calls) == {step + 1}:\n        os._exit(137)\n_t.STEP_HOOK = _hook\n")


@pytest.mark.parametrize("step", range(len(STEPS)), ids=[f"{i:02d}-{s}" for i, s in enumerate(STEPS)])
def test_killed_at_every_step_then_the_next_reader_sees_before_or_after(states, tmp_path, step):
    catalog = sc.copy_catalog(states.before_dir, tmp_path / "cat")
    proc = run_liqheat(*sc.cli_args(states.inputs, catalog), prelude=_kill_at(step))
    assert proc.returncode == 137, proc.stderr[-2000:]
    if step < COMMIT_POINT:  # before the commit point nothing Nautilus reads has changed, even before recovery
        assert sc.committed(catalog) == states.before
    report = validate_catalog(catalog)  # the next open (a reader) finishes or undoes the write
    assert not report.errors, report.format()
    assert sc.committed(catalog) == _expected(states, step)
    assert sc.control_files(catalog) == CLEAN_CONTROL


@pytest.mark.parametrize("step", [STEPS.index("synced"), COMMIT_POINT, STEPS.index("add:3"), STEPS.index("cleanup")],
                         ids=["synced", "journal", "add:3", "cleanup"])
def test_killed_then_the_next_writer_recovers_and_completes(states, tmp_path, step):
    catalog = sc.copy_catalog(states.before_dir, tmp_path / "cat")
    assert run_liqheat(*sc.cli_args(states.inputs, catalog), prelude=_kill_at(step)).returncode == 137
    proc = run_liqheat(*sc.cli_args(states.inputs, catalog))  # the same ingest again
    assert proc.returncode == 0, proc.stderr
    assert "interrupted" in proc.stderr  # it says what it found: "finished the interrupted commit" / "removed"
    assert sc.committed(catalog) == states.after
    assert sc.control_files(catalog) == CLEAN_CONTROL


class _Stop(Exception):
    pass


def _raise_at(step: int, exc: BaseException):
    calls: list[str] = []

    def hook(name: str) -> None:
        calls.append(name)
        if len(calls) == step + 1:
            raise exc

    return hook


@pytest.mark.parametrize("step", range(len(STEPS)), ids=[f"{i:02d}-{s}" for i, s in enumerate(STEPS)])
def test_ctrl_c_at_every_step_leaves_before_or_after_at_once(states, tmp_path, step, monkeypatch):
    catalog = sc.copy_catalog(states.before_dir, tmp_path / "cat")
    monkeypatch.setattr(transaction, "STEP_HOOK", _raise_at(step, KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt) as caught:
        sc.run_write(states.inputs, catalog)
    monkeypatch.setattr(transaction, "STEP_HOOK", None)
    assert sc.committed(catalog) == _expected(states, step)  # no recovery needed: the writer cleaned up
    assert sc.control_files(catalog) == CLEAN_CONTROL
    assert getattr(caught.value, "catalog_committed", False) == (step >= COMMIT_POINT)
    assert not validate_catalog(catalog).errors


@pytest.mark.parametrize("step", range(COMMIT_POINT), ids=STEPS[:COMMIT_POINT])
def test_disk_full_before_the_commit_point_is_one_error_and_no_change(states, tmp_path, step, monkeypatch):
    catalog = sc.copy_catalog(states.before_dir, tmp_path / "cat")
    full = OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(transaction, "STEP_HOOK", _raise_at(step, full))
    with pytest.raises(IngestError, match="no space left on the device.*nothing was committed"):
        sc.run_write(states.inputs, catalog)
    assert sc.committed(catalog) == states.before
    assert sc.control_files(catalog) == CLEAN_CONTROL


def test_real_file_size_limit_through_the_cli(states, tmp_path):
    """A file-size limit (RLIMIT_FSIZE) makes the OS refuse the writes (EFBIG) as a full disk would (ENOSPC)."""
    catalog = sc.copy_catalog(states.before_dir, tmp_path / "cat")
    limit = ("import resource, signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
             "resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, resource.RLIM_INFINITY))\n")
    proc = run_liqheat("catalog", "ingest", "binance", sc.AGG_TRADES, "--catalog", catalog, *sc.OFFLINE,
                       prelude=limit)  # the real day: 2 MB of Parquet
    assert_clean_failure(proc, "ingest failed, catalog unchanged", "no space left on the device",
                         "nothing was committed")
    assert sc.committed(catalog) == states.before
    assert sc.control_files(catalog) == CLEAN_CONTROL


def test_interrupted_apply_with_a_failing_disk_reports_the_commit(states, tmp_path, monkeypatch):
    """After the commit point a failure cannot undo the write: it is finished by the next open, and said so."""
    catalog = sc.copy_catalog(states.before_dir, tmp_path / "cat")
    failing = {"on": True}

    def hook(name: str) -> None:
        if name == "add:2" and failing["on"]:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(transaction, "STEP_HOOK", hook)
    with pytest.raises(IngestError, match="committed"):
        sc.run_write(states.inputs, catalog)
    failing["on"] = False
    assert not validate_catalog(catalog).errors
    assert sc.committed(catalog) == states.after
    assert sc.control_files(catalog) == CLEAN_CONTROL
