"""Concurrent writers and readers of one catalog: writers are serialised by the lock (the second waits, saying so, or
fails clearly), nothing either commits is lost, and readers are never blocked by a writer nor shown a half-applied
commit. Real data: the OKX sample, Binance funding and COIN-M aggTrades files (see tests/faults/scenario.py)."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import liqheat_nautilus.persistence.transaction as transaction
from liqheat_nautilus.adapters.binance.loaders import ingest_binance_files
from liqheat_nautilus.adapters.common.providers import InstrumentSources
from liqheat_nautilus.adapters.okx.loaders import ingest_okx_sample
from liqheat_nautilus.paths import sample_dir
from liqheat_nautilus.persistence.transaction import consistent_read, writer_lock
from liqheat_nautilus.persistence.validate import validate_catalog
from tests.adapters.binance.archive_files import recorded_instruments
from tests.cli_run import CLI_CODE, ROOT, assert_clean_failure, run_liqheat
from tests.faults import scenario as sc

WRITES = {  # two writes touching different instruments
    "funding": ["catalog", "ingest", "binance", str(sc.FUNDING_MONTH), *sc.OFFLINE],
    "trades": ["catalog", "ingest", "binance", str(sc.AGG_TRADES), *sc.OFFLINE],
}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict:
    """A catalog with the OKX sample, and the data files after both writes (done one after the other)."""
    root = tmp_path_factory.mktemp("concurrent")
    before = root / "before"
    ingest_okx_sample(sample_dir(), before, instruments=InstrumentSources.offline(), log=None)
    both = sc.copy_catalog(before, root / "both")
    ingest_binance_files([sc.FUNDING_MONTH], both, instruments=recorded_instruments(), log=None)
    ingest_binance_files([sc.AGG_TRADES], both, instruments=recorded_instruments(), log=None)
    return {"before": before, "before_data": sc.committed(before), "both": sc.committed(both)}


def _start(args: list[str], catalog: Path, log: Path) -> subprocess.Popen:
    with log.open("w") as err:
        return subprocess.Popen([sys.executable, "-c", CLI_CODE, *args, "--catalog", str(catalog)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=err, env={"PYTHONPATH": str(ROOT),
                                                                            "PATH": "/usr/bin:/bin"})


def _wait_for(predicate, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_second_writers_wait_with_a_message_and_both_commits_survive(base, tmp_path):
    catalog = sc.copy_catalog(base["before"], tmp_path / "cat")
    logs = {name: tmp_path / f"{name}.err" for name in WRITES}
    with writer_lock(catalog):  # a writer holds the catalog
        procs = {name: _start(args, catalog, logs[name]) for name, args in WRITES.items()}
        _wait_for(lambda: all("waiting for it to finish" in logs[n].read_text() for n in WRITES))
        # a reader is not blocked by the writer and sees the committed state
        started = time.monotonic()
        info = run_liqheat("catalog", "info", "--catalog", str(catalog))
        assert info.returncode == 0 and "SOL-USDT-SWAP.OKX" in info.stdout and "BTCUSD-PERP" not in info.stdout
        assert time.monotonic() - started < 60
        assert all(p.poll() is None for p in procs.values())  # still waiting
    for name, proc in procs.items():
        assert proc.wait(timeout=300) == 0, logs[name].read_text()
        message = logs[name].read_text().splitlines()[0]
        assert f"catalog {catalog} is being written by pid" in message and "waiting" in message
    assert sc.committed(catalog) == base["both"]
    assert not validate_catalog(catalog).errors


@pytest.mark.parametrize("trial", range(3))
def test_simultaneous_writers_lose_nothing(base, tmp_path, trial):
    catalog = sc.copy_catalog(base["before"], tmp_path / "cat")
    procs = {name: _start(args, catalog, tmp_path / f"{name}.err") for name, args in WRITES.items()}
    for name, proc in procs.items():
        assert proc.wait(timeout=300) == 0, (tmp_path / f"{name}.err").read_text()
    assert sc.committed(catalog) == base["both"]
    assert sc.control_files(catalog) == [".liqheat/catalog.json", ".liqheat/write.lock"]


def test_no_wait_fails_at_once_naming_the_holder(base, tmp_path):
    catalog = sc.copy_catalog(base["before"], tmp_path / "cat")
    with writer_lock(catalog):
        proc = run_liqheat(*WRITES["funding"], "--catalog", str(catalog), "--lock-timeout", "0")
    assert_clean_failure(proc, "ingest failed, catalog unchanged", "is being written by pid", "--lock-timeout")
    assert sc.committed(catalog) == base["before_data"]


def test_coinglass_ingest_takes_the_same_lock_timeout(base, tmp_path):
    catalog = sc.copy_catalog(base["before"], tmp_path / "cat")
    with writer_lock(catalog):
        proc = run_liqheat("catalog", "ingest", "coinglass", "--catalog", str(catalog), "--lock-timeout", "0")
    assert_clean_failure(proc, "ingest failed, catalog unchanged", "is being written by pid", "--lock-timeout")
    assert sc.committed(catalog) == base["before_data"]
    proc = run_liqheat("catalog", "ingest", "coinglass", "--catalog", str(catalog), "--lock-timeout", "soon")
    assert proc.returncode == 2 and "--lock-timeout must be a number >= 0" in proc.stderr


def test_wait_limit_expires_with_a_clear_error(base, tmp_path):
    catalog = sc.copy_catalog(base["before"], tmp_path / "cat")
    with writer_lock(catalog):
        proc = run_liqheat(*WRITES["funding"], "--catalog", str(catalog), "--lock-timeout", "1.5")
    line = [x for x in proc.stderr.splitlines() if x.strip()][-1]
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "is still being written by pid" in line and "after 1.5 s" in line
    assert sc.committed(catalog) == base["before_data"]


def _paused_write(catalog: Path, inputs: list, pause_at: str, reached: threading.Event, go: threading.Event):
    """Run the scenario's write in a thread, stopping at the first ``pause_at`` boundary until ``go`` is set."""
    def hook(name: str) -> None:
        if name == pause_at and not reached.is_set():
            reached.set()
            assert go.wait(timeout=120)

    transaction.STEP_HOOK = hook
    errors: list[BaseException] = []

    def run() -> None:
        try:
            sc.run_write(inputs, catalog)
        except BaseException as exc:  # noqa: BLE001  (reported by the test)
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.fixture
def scenario_states(tmp_path):
    before = tmp_path / "before"
    sc.build_before(before)
    inputs = sc.write_inputs(tmp_path / "src")
    after = sc.copy_catalog(before, tmp_path / "after")
    sc.run_write(inputs, after)
    return before, inputs, sc.committed(before), sc.committed(after)


def test_a_reader_during_staging_is_not_blocked_and_sees_the_old_state(scenario_states, monkeypatch):
    catalog, inputs, before, after = scenario_states
    reached, go = threading.Event(), threading.Event()
    monkeypatch.setattr(transaction, "STEP_HOOK", None)
    thread, errors = _paused_write(catalog, inputs, "staged", reached, go)
    try:
        assert reached.wait(timeout=120)
        started = time.monotonic()
        assert consistent_read(catalog, lambda: sc.committed(catalog)) == before
        assert time.monotonic() - started < 5  # not waiting for the writer
    finally:
        go.set()
        thread.join(timeout=120)
        transaction.STEP_HOOK = None
    assert not errors
    assert consistent_read(catalog, lambda: sc.committed(catalog)) == after


def test_a_reader_never_returns_a_half_applied_commit(scenario_states, monkeypatch):
    catalog, inputs, before, after = scenario_states
    reached, go = threading.Event(), threading.Event()
    monkeypatch.setattr(transaction, "STEP_HOOK", None)
    thread, errors = _paused_write(catalog, inputs, "add:3", reached, go)  # 1 file out, 4 of 7 in
    results: list[dict] = []
    try:
        assert reached.wait(timeout=120)
        assert sc.committed(catalog) not in (before, after)  # what a plain directory listing shows now
        reader = threading.Thread(target=lambda: results.append(consistent_read(catalog,
                                                                                 lambda: sc.committed(catalog))))
        reader.start()
        time.sleep(0.5)
        assert not results  # it waits out the commit being applied (milliseconds in a real write)
    finally:
        go.set()
        thread.join(timeout=120)
        transaction.STEP_HOOK = None
    reader.join(timeout=120)
    assert not errors
    assert results == [after]


def test_a_backtest_starts_from_a_committed_state_and_reports_a_commit_during_its_run(tmp_path, monkeypatch, capsys):
    import msgspec

    import liqheat_nautilus.backtest.runner as runner
    from liqheat_nautilus.backtest.config import load_backtest_file
    from liqheat_nautilus.backtest.summary import format_summary
    from liqheat_nautilus.paths import config_dir

    catalog = tmp_path / "cat"
    ingest_okx_sample(sample_dir(), catalog, instruments=InstrumentSources.offline(), log=None)
    spec = load_backtest_file(config_dir() / "liquidation_hunt.toml").with_catalog(catalog)
    spec = msgspec.structs.replace(spec, data=msgspec.structs.replace(spec.data, start="2026-06-20T00:00",
                                                                      end="2026-06-21T00:00"))
    # a crashed writer left a committed journal: the run finishes that commit before Nautilus reads anything
    (transaction.control_dir(catalog) / transaction.JOURNAL_NAME).write_text(
        '{"txid": "x", "adds": [], "removes": []}')
    calm = runner.run_backtest(spec, show_progress=False)
    assert not (transaction.control_dir(catalog) / transaction.JOURNAL_NAME).exists()
    assert calm.catalog_changed is False and "WARNING" not in format_summary(calm)
    original = runner.BacktestNode.run

    writes = [sc.AGG_TRADES, sc.FUNDING_MONTH]  # each commit adds new data (an identical re-write commits nothing)

    def run_beside_a_writer(node):  # another process commits while Nautilus reads (here: just before)
        ingest_binance_files([writes.pop()], catalog, instruments=recorded_instruments(), log=None)
        return original(node)

    monkeypatch.setattr(runner.BacktestNode, "run", run_beside_a_writer)
    changed = runner.run_backtest(spec, show_progress=False)
    assert changed.catalog_changed is True
    assert f"another process committed a write to the catalog {catalog}" in format_summary(changed)
    assert changed.result.total_orders == calm.result.total_orders  # the write touched another instrument
    # a sweep cell says so in its log (stderr), its statistics unchanged
    from liqheat_nautilus.sweep.backtest_cell import run_cell

    capsys.readouterr()
    stats = run_cell(msgspec.json.encode(spec))
    assert "WARNING: another process committed a write to the catalog" in capsys.readouterr().err
    assert stats["trades"] == changed.row.to_dict()["trades"]
    assert stats["catalog_changed"] is True  # and says so in its result (the sweep's catalog_changed column)


def test_committed_generation_waits_for_a_commit_being_applied(tmp_path):
    from filelock import FileLock

    from liqheat_nautilus.persistence.errors import IngestError

    catalog = tmp_path / "cat"
    ingest_okx_sample(sample_dir(), catalog, instruments=InstrumentSources.offline(), log=None)
    before = transaction.committed_generation(catalog)
    assert before >= 1 and transaction.unchanged_since(catalog, before)
    journal = transaction.control_dir(catalog) / transaction.JOURNAL_NAME
    journal.write_text('{"txid": "x", "adds": [], "removes": []}')
    assert not transaction.unchanged_since(catalog, before)  # a commit is being applied
    with FileLock(str(transaction.control_dir(catalog) / transaction.LOCK_NAME), thread_local=False), \
            pytest.raises(IngestError, match="kept changing the catalog"):  # its writer holds the lock: wait
        transaction.committed_generation(catalog, timeout=0.3)
    assert transaction.committed_generation(catalog) == before + 1  # the writer is gone: its commit is finished
    assert not journal.exists()
    ingest_binance_files([sc.FUNDING_MONTH], catalog, instruments=recorded_instruments(), log=None)
    assert not transaction.unchanged_since(catalog, before + 1)
