"""The results table says which cells read a catalog another process committed to during their run
(``catalog_changed``), and an output folder written before that column existed is still read. No Ray here."""

import json
from pathlib import Path

import pandas as pd

from liqheat_nautilus.cli import main
from liqheat_nautilus.paths import config_dir
from liqheat_nautilus.sweep import Executor, backtest_cell, load_grid, run_sweep
from liqheat_nautilus.sweep import runner as sweep_runner
from liqheat_nautilus.sweep.backtest_cell import STAT_FIELDS

BASE = config_dir() / "liquidation_hunt.toml"


def fake_cell(spec_json: bytes, log_level: str = "WARNING") -> dict:
    """Stand-in for ``run_cell``: min_strength 0.5 saw a concurrent commit, 0.7 did not, 0.9 fails."""
    strength = json.loads(spec_json)["strategies"][0]["config"]["min_strength"]
    if strength == 0.9:
        raise RuntimeError("boom")
    return {**{f: 1.0 for f in STAT_FIELDS}, "trades": 1, "catalog_changed": strength == 0.5}


def test_result_files_are_strict_json(tmp_path: Path, monkeypatch):
    # an undefined statistic (a cell without trades: Sharpe ratio nan) was written as NaN, which jq, JavaScript and
    # most JSON parsers refuse
    def no_trades(spec_json: bytes, log_level: str = "WARNING") -> dict:
        return {**{f: float("nan") for f in STAT_FIELDS}, "trades": 0, "catalog_changed": False}

    monkeypatch.setattr(sweep_runner, "run_cell", no_trades)
    monkeypatch.setattr(sweep_runner, "prepare_catalog", lambda spec: None)
    grid_path = tmp_path / "grid.toml"
    grid_path.write_text(f'name = "g"\nbase = "{BASE}"\n[axes.strategy]\nmin_strength = [0.5]\n')
    with Executor(in_process=True) as ex:
        report = run_sweep(load_grid(grid_path), ex, tmp_path / "out", progress=False)
    [path] = (tmp_path / "out" / "cells").glob("*/result.json")

    def refuse(token: str):
        raise ValueError(f"not JSON: {token}")

    record = json.loads(path.read_text(), parse_constant=refuse)
    assert record["status"] == "ok" and record["stats"]["sharpe"] is None and record["stats"]["trades"] == 0
    assert report.records[record["key"]] == record  # as a later run reads it back


def test_catalog_changed_column_and_old_result_folders(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setattr(sweep_runner, "run_cell", fake_cell)
    monkeypatch.setattr(sweep_runner, "prepare_catalog", lambda spec: None)
    grid_path = tmp_path / "grid.toml"
    grid_path.write_text(f'name = "g"\nbase = "{BASE}"\n[axes.strategy]\nmin_strength = [0.5, 0.7, 0.9]\n')
    grid = load_grid(grid_path)
    out = tmp_path / "out"
    with Executor(in_process=True) as ex:
        report = run_sweep(grid, ex, out, progress=False)
    table = pd.read_parquet(out / "results.parquet").set_index("strategy.min_strength")
    assert str(table["catalog_changed"].dtype) == "boolean"
    assert table.loc[[0.5, 0.7], "catalog_changed"].tolist() == [True, False]
    assert pd.isna(table.loc[0.9, "catalog_changed"])  # failed: unknown
    assert list(table.columns[-3:]) == ["catalog_changed", "seconds", "host"]
    changed = next(c for c in report.cells if c.axes["strategy.min_strength"] == 0.5)
    record = json.loads((out / "cells" / changed.key / "result.json").read_text())
    assert record["catalog_changed"] is True and "catalog_changed" not in record["stats"]
    text = report.text()
    assert f"WARNING min_strength=0.5 [{changed.key}]: another process committed a write to its catalog" in text
    assert text.count("WARNING") == 1
    # the dry run lists the failed cell as one to run, as the sweep treats it (was "finished": it has a result.json)
    monkeypatch.setattr(backtest_cell, "cell_problem", lambda spec: "")
    assert main(["sweep", "--grid", str(grid_path), "--out", str(out), "--dry-run"]) == 0
    listed = {line.split()[-1]: line for line in capsys.readouterr().out.splitlines() if "min_strength=" in line}
    assert " to run " in listed["min_strength=0.9"] + " " and " finished " in listed["min_strength=0.5"]
    # a folder written before the column existed: result.json without it, finished cells are skipped, not re-run
    for path in (out / "cells").glob("*/result.json"):
        old = json.loads(path.read_text())
        old.pop("catalog_changed")
        path.write_text(json.dumps(old))
    with Executor(in_process=True) as ex:
        again = run_sweep(grid, ex, out, progress=False)
    assert len(again.skipped) == 2 and len(again.ran) == 1  # the failed cell runs again
    table = pd.read_parquet(out / "results.parquet").set_index("strategy.min_strength")
    assert pd.isna(table.loc[0.5, "catalog_changed"]) and pd.isna(table.loc[0.7, "catalog_changed"])
    assert "WARNING" not in again.text()
