"""``liqheat sweep`` on the REAL embedded OKX SOL-USDT-SWAP sample with a local Ray (2 CPUs): a small grid runs,
matches the same cells run one after another in one process, resumes without running anything, reports a failing
cell while the others finish, survives a worker killed mid-cell, and stops cleanly on Ctrl-C keeping what
finished."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from liqheat_nautilus.cli import main
from liqheat_nautilus.paths import config_dir
from liqheat_nautilus.sweep import Executor, load_grid, run_sweep
from liqheat_nautilus.sweep.backtest_cell import STAT_FIELDS

from .conftest import MARKER, marked_pids, process_title

BASE = config_dir() / "liquidation_hunt.toml"
TWO_DAYS = ('[[axes.periods]]\nstart = "2026-06-12"\nend = "2026-06-14"\n'
            '[[axes.periods]]\nstart = "2026-06-20"\nend = "2026-06-22"\n')


def grid_file(folder: Path, catalogs: list[str], body: str, name: str = "g") -> Path:
    path = folder / f"{name}.toml"
    quoted = ", ".join(f'"{c}"' for c in catalogs)
    path.write_text(f'name = "{name}"\nbase = "{BASE}"\nsort_by = "total_return_pct"\n'
                    f'[axes]\ncatalogs = [{quoted}]\n{body}')
    return path


class NoSubmit(Executor):
    """An executor that fails the test if anything is submitted to it."""

    def submit(self, *args, **kwargs):
        raise AssertionError("a finished sweep submitted a task")


def _stats(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("cell")[["label", "status", *STAT_FIELDS]].sort_index()


def test_small_real_grid_matches_sequential_and_resumes(ray_session, okx_catalog, tmp_path):
    path = grid_file(tmp_path, [str(okx_catalog)], TWO_DAYS + '[axes.strategy]\nmin_strength = [0.5, 0.7]\n')
    grid = load_grid(path)
    with Executor(workers=2) as ex:
        report = run_sweep(grid, ex, tmp_path / "ray", grid_path=path, progress=False)
    assert len(report.cells) == 4 and len(report.finished) == 4 and not report.failed
    assert {r["host"] for r in report.records.values()} and all(r["pid"] != os.getpid()
                                                               for r in report.records.values())
    table = pd.read_parquet(tmp_path / "ray" / "results.parquet")
    assert len(table) == 4 and set(table["status"]) == {"ok"}
    assert set(table["strategy.min_strength"]) == {0.5, 0.7} and set(table["start"]) == {"2026-06-12", "2026-06-20"}
    assert (table["trades"] > 0).any() and table["total_return_pct"].notna().all()
    assert table["total_return_pct"].nunique() > 1  # the axes change the outcome
    assert table["catalog_changed"].tolist() == [False] * 4  # nothing committed to the catalog meanwhile
    for key in table["cell"]:
        folder = tmp_path / "ray" / "cells" / key
        assert (folder / "config.json").is_file() and (folder / "cell.log").is_file()
    # the same cells one after another in this process give identical statistics
    with Executor(in_process=True) as ex:
        sequential = run_sweep(grid, ex, tmp_path / "seq", progress=False)
    pd.testing.assert_frame_equal(_stats(table), _stats(sequential.table))
    # the printed table is sorted by the grid's metric
    text = report.text()
    returns = [float(line.split()[-9]) for line in text.splitlines() if line.startswith("min_strength=")]
    assert returns == sorted(returns, reverse=True) and len(returns) == 4
    # re-running the finished sweep runs nothing and gives the same table
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "ray" / "cells").rglob("result.json")}
    with NoSubmit(workers=2) as ex:
        again = run_sweep(grid, ex, tmp_path / "ray", grid_path=path, progress=False)
    assert again.ran == [] and sorted(again.skipped) == sorted(c.key for c in report.cells)
    assert {p: p.stat().st_mtime_ns for p in before} == before
    pd.testing.assert_frame_equal(_stats(again.table), _stats(table))


def test_failing_cell_is_reported_and_url_catalog_reads_the_same(ray_session, okx_catalog, tmp_path, capsys):
    missing = tmp_path / "no_such_catalog"
    path = grid_file(tmp_path, [str(okx_catalog), okx_catalog.as_uri(), str(missing)],
                     '[[axes.periods]]\nstart = "2026-06-12"\nend = "2026-06-13"\n')
    out = tmp_path / "out"
    assert main(["sweep", "--grid", str(path), "--out", str(out), "--no-progress"]) == 1
    printed = capsys.readouterr().out
    assert "3 cells, 2 finished" in printed and "1 failed" in printed
    assert f"FAILED catalog={missing}" in printed and "FileNotFoundError: catalog not found" in printed
    table = pd.read_parquet(out / "results.parquet").set_index("catalog")
    assert table.loc[str(missing), "status"] == "failed" and "catalog not found" in table.loc[str(missing), "error"]
    local, url = table.loc[str(okx_catalog)], table.loc[okx_catalog.as_uri()]
    assert local["status"] == url["status"] == "ok"
    assert [local[f] for f in STAT_FIELDS] == pytest.approx([url[f] for f in STAT_FIELDS], nan_ok=True)
    log = (out / "cells" / table.loc[str(missing), "cell"] / "cell.log").read_text()
    assert "Traceback" in log and "catalog not found" in log


def _kill_first_running_cell(marker: str, killed: list[int], stop: threading.Event) -> None:
    seen: dict[int, float] = {}
    while not stop.is_set() and not killed:
        now = time.monotonic()
        for pid in marked_pids(marker):
            if "ray::_ray_task" in process_title(pid) and now - seen.setdefault(pid, now) > 0.5:  # mid-cell
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
        time.sleep(0.05)


def test_a_worker_killed_mid_cell_is_retried_and_the_sweep_completes(ray_session, okx_catalog, tmp_path):
    path = grid_file(tmp_path, [str(okx_catalog)], '[axes.strategy]\nmin_strength = [0.5, 0.6, 0.7]\n')
    killed: list[int] = []
    stop = threading.Event()
    killer = threading.Thread(target=_kill_first_running_cell, args=(ray_session, killed, stop), daemon=True)
    killer.start()
    try:
        with Executor(workers=2) as ex:
            report = run_sweep(load_grid(path), ex, tmp_path / "out", progress=False)
    finally:
        stop.set()
        killer.join()
    assert len(killed) == 1, "no cell was running long enough to be killed"
    assert len(report.finished) == 3 and not report.failed
    assert killed[0] not in {r["pid"] for r in report.records.values()}  # the killed cell ran again elsewhere


def test_ctrl_c_stops_and_keeps_what_finished(ray_session, okx_catalog, tmp_path):
    import ray

    path = grid_file(tmp_path, [str(okx_catalog)], '[axes.strategy]\nmin_strength = [0.4, 0.5, 0.6, 0.7, 0.8]\n')
    out = tmp_path / "out"
    env = {**os.environ, MARKER: ray_session}
    cmd = [sys.executable, "-m", "liqheat_nautilus.cli", "sweep", "--grid", str(path), "--out", str(out),
           "--address", ray.get_runtime_context().gcs_address, "--workers", "1"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not list((out / "cells").glob("*/result.json")) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr + stdout
    deadline = time.monotonic() + 30  # the cells still running were stopped, not left to finish on the cluster
    while (running := [p for p in marked_pids(ray_session) if "ray::_ray_task" in process_title(p)]) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not running
    assert "interrupted:" in stderr and "run the same command again" in stderr
    table = pd.read_parquet(out / "results.parquet")
    finished = set(table.loc[table["status"] == "ok", "cell"])
    assert 1 <= len(finished) < 5 and set(table["status"]) <= {"ok", "not run"}
    # what finished is kept: the next run would skip it
    listing = subprocess.run([sys.executable, "-m", "liqheat_nautilus.cli", "sweep", "--grid", str(path), "--out",
                              str(out), "--dry-run"], capture_output=True, text=True, check=True).stdout
    assert {line.split()[1] for line in listing.splitlines() if "finished" in line} == finished


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_while_the_local_ray_starts_stops_like_ctrl_c_and_leaves_no_ray_process(okx_catalog, tmp_path, sig):
    """Ctrl-C or SIGTERM during ``ray.init`` of a sweep's own local Ray: exit 130, the table written, nothing of
    that Ray left running.

    Before, the interrupted ``ray.init`` left its dashboard and runtime-env agents running after the sweep had
    exited (they ended on their own 10 s to minutes later). SIGTERM, held only after ``ray.init`` had returned,
    met Ray's own handler while Ray started: exit 15 with Ray's "SIGTERM received" dump and no table.
    """
    path = grid_file(tmp_path, [str(okx_catalog)], '[axes.strategy]\nmin_strength = [0.5, 0.7]\n')
    out = tmp_path / "out"
    proc, marker, ray_tmp = _start_sweep(path, out, "lqi")
    try:
        deadline = time.monotonic() + 120
        while not any(process_title(p).startswith("ray::") for p in marked_pids(marker)):  # Ray is starting
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.02)
        if sig == signal.SIGINT:
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        else:
            proc.terminate()  # SIGTERM to the driver only (`timeout`, a job scheduler)
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 130, stderr
        assert "Traceback" not in stdout + stderr and "SIGTERM received" not in stderr
        assert "interrupted" in stderr
        table = pd.read_parquet(out / "results.parquet")
        assert len(table) == 2 and set(table["status"]) <= {"ok", "not run"}
        _assert_ray_gone(marker, 3)  # the old code left an agent running for 10 s to minutes after the exit
    finally:
        _reap(proc, marker, ray_tmp)


def _start_sweep(grid: Path, out: Path, prefix: str) -> tuple[subprocess.Popen, str, str]:
    """Start ``liqheat sweep`` on one worker in its own session, its Ray marked and in a short temp folder.

    Returns the process, the marker its Ray processes carry (:func:`marked_pids`) and Ray's temp folder.
    """
    marker = f"{prefix}{uuid.uuid4().hex[:8]}"
    ray_tmp = tempfile.mkdtemp(prefix=prefix)  # short: Ray's socket paths live below it
    env = {**os.environ, MARKER: marker, "RAY_TMPDIR": ray_tmp, "RAY_USAGE_STATS_ENABLED": "0"}
    cmd = [sys.executable, "-m", "liqheat_nautilus.cli", "sweep", "--grid", str(grid), "--out", str(out),
           "--workers", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    return proc, marker, ray_tmp


def _assert_ray_gone(marker: str, secs: float) -> None:
    """Wait up to ``secs`` for the processes marked ``marker`` (the sweep's Ray) to exit; fail naming those left."""
    deadline = time.monotonic() + secs
    while marked_pids(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = marked_pids(marker)
    assert not left, [process_title(p) for p in left]


def _reap(proc: subprocess.Popen, marker: str, ray_tmp: str) -> None:
    """Kill the sweep and its marked Ray processes if still running; remove Ray's temp folder."""
    if proc.poll() is None:
        proc.kill()
    for pid in marked_pids(marker):
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(ray_tmp, ignore_errors=True)


def test_sigterm_stops_like_ctrl_c_and_writes_the_table(okx_catalog, tmp_path):
    """SIGTERM (``timeout``, a job scheduler) to the sweep's process: as Ctrl-C, exit 130 with the table written.

    Before, ``ray.init`` had replaced the handler with ``sys.exit(15)``: the process died with status 15, Ray's
    "SIGTERM received" dump on stderr and no ``results.parquet``.
    """
    path = grid_file(tmp_path, [str(okx_catalog)], '[axes.strategy]\nmin_strength = [0.4, 0.5, 0.6, 0.7, 0.8]\n')
    out = tmp_path / "out"
    proc, marker, ray_tmp = _start_sweep(path, out, "lqt")
    try:
        deadline = time.monotonic() + 180
        while not list((out / "cells").glob("*/result.json")):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.1)
        proc.terminate()  # SIGTERM to the driver only
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 130, stderr
        assert "Traceback" not in stdout + stderr and "SIGTERM received" not in stderr
        assert "interrupted:" in stderr
        table = pd.read_parquet(out / "results.parquet")
        assert set(table["status"]) == {"ok", "not run"} and len(table) == 5
        _assert_ray_gone(marker, 20)
    finally:
        _reap(proc, marker, ray_tmp)
