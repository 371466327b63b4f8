"""Run a grid's cells on the executor, keep each finished cell on disk, and build the results table.

Output folder::

    <out>/results.parquet          one row per cell: key, label, status, error, axis values, statistics
    <out>/grid.toml                the grid file used
    <out>/cells/<key>/config.json  the cell's complete backtest file (``liqheat backtest --config`` runs it)
    <out>/cells/<key>/result.json  status, error, statistics, catalog_changed, seconds, worker host and pid, code
    <out>/cells/<key>/cell.log     everything the cell printed (Nautilus logs, the traceback of a failure)

A cell is finished when its ``result.json`` says ``"ok"`` and was written by the same code (``code``,
:func:`~liqheat_nautilus.sweep.grid.code_digest`); re-running the sweep skips it (failed cells, and cells finished by
other code of ``liqheat_nautilus`` or of a component's package, run again). The driver writes every file, so the
output folder only needs to exist where the sweep is started.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from filelock import FileLock, Timeout

from liqheat_nautilus.jsonable import json_safe
from liqheat_nautilus.paths import default_catalog_dir, default_results_dir
from liqheat_nautilus.sweep.backtest_cell import (
    CATALOG_CHANGED,
    LOWER_IS_BETTER,
    STAT_FIELDS,
    format_table,
    prepare_catalog,
    run_cell,
    stats_row,
)
from liqheat_nautilus.sweep.executor import Executor, ExecutorError, TaskResult
from liqheat_nautilus.sweep.grid import Cell, GridFile, code_digest, expand

RESULTS_FILE = "results.parquet"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
"""Terminal colour codes (Nautilus colours its log lines), removed from the cell logs."""
STATUS_OK, STATUS_FAILED, STATUS_NOT_RUN = "ok", "failed", "not run"


def default_out_dir(grid: GridFile) -> Path:
    """
    Return the default output folder ``results/sweeps/<grid name>`` (under ``paths.default_results_dir()``).

    Parameters
    ----------
    grid : GridFile
        The grid file read (its ``name``).

    Returns
    -------
    Path
    """
    return default_results_dir() / "sweeps" / grid.name


@dataclass
class SweepReport:
    """
    What a sweep did.

    Attributes
    ----------
    grid : GridFile
    out_dir : Path
    cells : list[Cell]
        Every cell of the grid.
    records : dict[str, dict]
        ``result.json`` content per cell key, for the cells that have one (finished earlier or now).
    ran : list[str]
        Keys of the cells run by this call.
    skipped : list[str]
        Keys of the cells already finished before this call.
    code_changed : list[str]
        Keys of the cells that had finished with other code (:func:`finished_by`) and were run again by this call.
    interrupted : bool
        Stopped by Ctrl-C before every cell had run.
    table : pandas.DataFrame
        The rows of ``results.parquet``.
    """

    grid: GridFile
    out_dir: Path
    cells: list[Cell]
    records: dict[str, dict] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    code_changed: list[str] = field(default_factory=list)
    interrupted: bool = False
    table: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def failed(self) -> list[Cell]:
        """Cells whose latest run failed."""
        return [c for c in self.cells if self.records.get(c.key, {}).get("status") == STATUS_FAILED]

    @property
    def finished(self) -> list[Cell]:
        """Cells with statistics."""
        return [c for c in self.cells if self.records.get(c.key, {}).get("status") == STATUS_OK]

    @property
    def catalog_changed(self) -> list[Cell]:
        """Finished cells during whose run another process committed to their catalog."""
        return [c for c in self.finished if self.records[c.key].get(CATALOG_CHANGED) is True]

    def text(self, sort_by: str | None = None, top: int = 20) -> str:
        """
        Build the printable comparison: finished cells sorted by a statistic, then the failed ones with their error.

        Parameters
        ----------
        sort_by : str, optional
            A statistic (default: the grid's ``sort_by``).
        top : int, default 20
            Rows printed (every row is in ``results.parquet``).

        Returns
        -------
        str
        """
        metric = sort_by or self.grid.sort_by
        rows = sorted(self.finished, key=lambda c: _sort_value(self.records[c.key]["stats"].get(metric), metric))
        lines = [f"sweep {self.grid.name!r}: {len(self.cells)} cells, {len(self.finished)} finished "
                 f"({len(self.ran)} run now"
                 + (f", {len(self.code_changed)} of them again as their code changed" if self.code_changed else "")
                 + f", {len(self.skipped)} skipped as already finished), "
                 f"{len(self.failed)} failed" + (", INTERRUPTED" if self.interrupted else "")]
        if rows:
            order = "ascending" if metric in LOWER_IS_BETTER else "descending"
            lines.append(f"sorted by {metric} ({order}){'' if len(rows) <= top else f', top {top} of {len(rows)}'}:")
            lines.append(format_table([stats_row(c.label, self.records[c.key]["stats"]) for c in rows[:top]]))
        for c in self.catalog_changed:
            lines.append(f"  WARNING {c.label} [{c.key}]: another process committed a write to its catalog during "
                         f"its run, so it may have read part old and part new data; run it again to be sure "
                         f"(log: {self.out_dir / 'cells' / c.key / 'cell.log'})")
        for c in self.failed:
            lines.append(f"  FAILED {c.label} [{c.key}]: {self.records[c.key]['error']}  "
                         f"(log: {self.out_dir / 'cells' / c.key / 'cell.log'})")
        left = len(self.cells) - len(self.finished) - len(self.failed)
        if left:
            lines.append(f"  {left} cells not run: run the same command again to resume")
        lines.append(f"  results table  {self.out_dir / RESULTS_FILE}")
        return "\n".join(lines)


def _sort_value(value, metric: str) -> tuple[int, float]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (1, 0.0)
    return (0, value if metric in LOWER_IS_BETTER else -value)


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(json_safe(obj), indent=1, default=str, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _read_record(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def cell_record(out_dir: Path, key: str) -> dict | None:
    """
    Read a cell's ``result.json``.

    Parameters
    ----------
    out_dir : Path
        The sweep's output folder.
    key : str
        The cell's key.

    Returns
    -------
    dict or None
        ``None`` when the cell has no readable record.
    """
    return _read_record(out_dir / "cells" / key / "result.json")


def finished_by(record: dict | None, code: str) -> bool:
    """
    Tell whether a cell's ``result.json`` record is a finished run of the current code.

    Parameters
    ----------
    record : dict or None
        The record (``None``: no ``result.json``).
    code : str
        :func:`~liqheat_nautilus.sweep.grid.code_digest` of the cell now.

    Returns
    -------
    bool
        ``True`` when its status is ``ok`` and its ``code`` is ``code``, or missing (a record of a version that did
        not write it: kept, as before).
    """
    return record is not None and record.get("status") == STATUS_OK and record.get("code", code) == code


def code_changed(record: dict | None, code: str) -> bool:
    """
    Tell whether a cell finished, but by other code than ``code`` (it runs again; :func:`finished_by`).

    Parameters
    ----------
    record : dict or None
        The cell's ``result.json`` record (``None``: none).
    code : str
        :func:`~liqheat_nautilus.sweep.grid.code_digest` of the cell now.

    Returns
    -------
    bool
    """
    return record is not None and record.get("status") == STATUS_OK and not finished_by(record, code)


def _save(out_dir: Path, cell: Cell, result: TaskResult, code: str) -> dict:
    folder = out_dir / "cells" / cell.key
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cell.log").write_text(ANSI_ESCAPE.sub("", result.log), encoding="utf-8")
    stats = dict(result.value) if result.ok else {}
    changed = stats.pop(CATALOG_CHANGED, None) if result.ok else None
    record = {
        "key": cell.key, "label": cell.label, "axes": cell.axes,
        "status": STATUS_OK if result.ok else STATUS_FAILED, "error": result.error,
        "stats": stats, CATALOG_CHANGED: changed, "seconds": result.seconds, "host": result.host,
        "pid": result.pid, "code": code,
    }
    _write_json(folder / "result.json", record)
    return json_safe(record)  # as a later run reads it back (an undefined Sharpe ratio is None, not nan)


def _column(values: list) -> list:
    kinds = {type(v) for v in values if v is not None}
    if len(kinds) <= 1 and not kinds & {list, dict}:
        return values
    if kinds <= {int, float}:
        return [None if v is None else float(v) for v in values]
    return [None if v is None else (json.dumps(v) if isinstance(v, list | dict) else str(v)) for v in values]


def results_table(cells: list[Cell], records: dict[str, dict]) -> pd.DataFrame:
    """
    Tabulate the results: one row per cell.

    Columns: ``cell`` (key), ``label``, ``status``, ``error``, the axis values, the statistics,
    ``catalog_changed``, ``seconds`` and ``host``. ``catalog_changed`` (pandas' nullable ``boolean``) is True when
    another process committed to the cell's catalog during its run, False when none did, and missing (``<NA>``)
    when unknown: a cell not run, failed, or finished by a version that did not record it.

    Parameters
    ----------
    cells : list[Cell]
        Every cell of the grid, in the table's row order.
    records : dict[str, dict]
        ``result.json`` per key (cells without one are ``"not run"``).

    Returns
    -------
    pandas.DataFrame
    """
    axis_names: list[str] = []
    for c in cells:
        axis_names += [n for n in c.axes if n not in axis_names]
    rows = []
    for c in cells:
        rec = records.get(c.key)
        stats = (rec or {}).get("stats") or {}
        row = {"cell": c.key, "label": c.label, "status": rec["status"] if rec else STATUS_NOT_RUN,
               "error": (rec or {}).get("error", "")}
        row.update({n: c.axes.get(n) for n in axis_names})
        row.update({f: stats.get(f, math.nan) for f in STAT_FIELDS})
        changed = (rec or {}).get(CATALOG_CHANGED)
        row[CATALOG_CHANGED] = changed if isinstance(changed, bool) else None
        row.update(seconds=(rec or {}).get("seconds", math.nan), host=(rec or {}).get("host", ""))
        rows.append(row)
    columns = ["cell", "label", "status", "error", *axis_names, *STAT_FIELDS, CATALOG_CHANGED, "seconds", "host"]
    data = {name: _column([r[name] for r in rows]) for name in columns}
    data[CATALOG_CHANGED] = pd.array(data[CATALOG_CHANGED], dtype="boolean")
    return pd.DataFrame(data, columns=columns)


def write_results(out_dir: Path, table: pd.DataFrame) -> Path:
    """
    Write ``results.parquet`` atomically.

    Parameters
    ----------
    out_dir : Path
        The sweep's output folder.
    table : pandas.DataFrame
        The rows (:func:`results_table`).

    Returns
    -------
    Path
    """
    path = out_dir / RESULTS_FILE
    tmp = out_dir / (RESULTS_FILE + ".tmp")
    table.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path


def run_sweep(
    grid: GridFile,
    executor: Executor,
    out_dir: str | Path | None = None,
    grid_path: str | Path | None = None,
    progress: bool = True,
    on_result: Callable[[Cell, dict], None] | None = None,
) -> SweepReport:
    """
    Run every unfinished cell of a grid on the executor and write the results table.

    Parameters
    ----------
    grid : GridFile
        The grid file read (:func:`~liqheat_nautilus.sweep.grid.load_grid`).
    executor : Executor
        Started (inside its ``with`` block).
    out_dir : str or Path, optional
        Output folder (default :func:`default_out_dir`).
    grid_path : str or Path, optional
        The grid file (copied to ``<out>/grid.toml``; named in errors).
    progress : bool, default True
        A progress bar over the cells (rich; nothing when the terminal is not interactive).
    on_result : Callable[[Cell, dict], None], optional
        Called in the driver with each cell's record as it finishes.

    Returns
    -------
    SweepReport
        ``interrupted`` is set when Ctrl-C stopped it: the finished cells are kept (and in the table), the
        running ones are cancelled, and the interrupt does not propagate.

    Raises
    ------
    FileNotFoundError, ValueError
        If the grid does not expand (see :func:`~liqheat_nautilus.sweep.grid.expand`), another sweep is running
        in the same output folder, or that folder holds a ``grid.toml`` that is not a sweep's
        (:func:`check_not_foreign`). A missing catalog is the error of the cells that use it.
    ExecutorError
        If Ray cannot start or be reached while cells are left to run. Nothing is written then: an output folder
        this call created is removed, an existing one is left as it was.
    """
    cells = expand(grid, grid_path or "<grid>")
    out = Path(out_dir) if out_dir is not None else default_out_dir(grid)
    check_not_foreign(out, grid_path)
    new_folders = [p for p in (out, *out.parents) if not p.exists()]  # this call creates them
    lock_path = out / ".sweep.lock"
    new_lock = not lock_path.exists()
    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path))
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        raise ValueError(f"output folder {out} is in use by another running sweep") from exc
    try:
        try:
            return _run(grid, cells, executor, out, grid_path, progress, on_result)
        finally:
            lock.release()
    except ExecutorError:  # Ray did not start: nothing ran, and nothing but the lock was written (_run)
        if new_lock:
            lock_path.unlink(missing_ok=True)
        for folder in new_folders:  # innermost first; one that is not empty (another process's files) stays
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def check_not_foreign(out: Path, grid_path: str | Path | None) -> None:
    """
    Refuse an output folder whose ``grid.toml`` is not a sweep's copy: the sweep would overwrite that file.

    A sweep's folder holds its lock, ``cells/`` or ``results.parquet`` beside ``grid.toml``; a folder of the user's
    grid files may hold a ``grid.toml`` of its own, which copying the grid replaced without a word.

    Parameters
    ----------
    out : Path
        The output folder (it may not exist yet).
    grid_path : str or Path, optional
        The grid file of the sweep (allowed to be that ``grid.toml`` itself).

    Raises
    ------
    ValueError
        Naming the folder and the file.
    """
    theirs = out / "grid.toml"
    if not theirs.is_file() or any((out / n).exists() for n in (".sweep.lock", "cells", RESULTS_FILE)):
        return
    if grid_path is not None and Path(grid_path).resolve() == theirs.resolve():
        return  # the grid itself: nothing is copied over it
    raise ValueError(f"output folder {out} holds a grid.toml that is not a sweep's (no cells/ or {RESULTS_FILE}): "
                     "the sweep would overwrite it with its copy of the grid; choose another --out folder")


def _run(grid, cells, executor, out, grid_path, progress, on_result) -> SweepReport:
    """Run the body of :func:`run_sweep`, with the output folder locked; Ray starts before anything is written."""
    report = SweepReport(grid=grid, out_dir=out, cells=cells)
    todo = []
    memo: dict[str, bytes] = {}
    codes = {c.key: code_digest(c.spec, memo) for c in cells}
    for c in cells:
        rec = cell_record(out, c.key)
        if rec is not None:
            report.records[c.key] = rec
        if finished_by(rec, codes[c.key]):
            report.skipped.append(c.key)
        else:
            todo.append(c)
            if code_changed(rec, codes[c.key]):
                report.code_changed.append(c.key)
    if executor.address is None:  # a local Ray: build the embedded catalog once here rather than in a worker
        default = str(default_catalog_dir().resolve())
        first = next((c for c in todo if c.spec.data.catalog == default), None)
        if first is not None:
            prepare_catalog(first.spec)
    try:
        if todo:
            executor.connect()  # a failed start (--address auto and no cluster) leaves no folder that looks resumable
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM while Ray started: stopped as in the run, nothing run
        report.interrupted = True
        todo = []
    if grid_path is not None and Path(grid_path).resolve() != (out / "grid.toml").resolve():
        shutil.copyfile(grid_path, out / "grid.toml")
    for c in todo:
        folder = out / "cells" / c.key
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_bytes(c.spec_json())
    by_key = {c.key: c for c in cells}
    items = ((c.key, c.label, (c.spec_json(), grid.log_level)) for c in todo)
    with contextlib.ExitStack() as stack:
        bar = task = None
        if progress and todo:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            bar = stack.enter_context(Progress(TextColumn(f"sweep {grid.name}"), BarColumn(), MofNCompleteColumn(),
                                               TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn(),
                                               transient=True, console=Console(stderr=True)))  # stdout: the table
            task = bar.add_task("", total=len(todo), failed=0)
        try:
            for result in executor.map(run_cell, items):
                cell = by_key[result.key]
                record = _save(out, cell, result, codes[cell.key])
                report.records[cell.key] = record
                report.ran.append(cell.key)
                if on_result is not None:
                    on_result(cell, record)
                if bar is not None and task is not None:
                    bar.update(task, advance=1, failed=len(report.failed))
        except KeyboardInterrupt:
            report.interrupted = True
    report.table = results_table(cells, report.records)
    write_results(out, report.table)
    return report
