"""A sweep run again after the code of a cell's strategy changed runs its finished cells again instead of keeping
the old code's results (the cell key covers the backtest file only). The strategy is a SYNTHETIC user package
written into the test's folder; the cells are stand-ins (no backtest, no Ray)."""

import json
import sys
from pathlib import Path

from liqheat_nautilus.cli import main
from liqheat_nautilus.paths import config_dir
from liqheat_nautilus.sweep import Executor, backtest_cell, load_grid, run_sweep
from liqheat_nautilus.sweep import runner as sweep_runner
from liqheat_nautilus.sweep.backtest_cell import STAT_FIELDS

STRATEGY = '''
from nautilus_trader.config import StrategyConfig
from nautilus_trader.trading.strategy import Strategy

from {package}.rules import TP


class MineConfig(StrategyConfig, frozen=True):
    instrument_id: str = "SOL-USDT-SWAP.OKX"
    trigger_pct: float = 1.0


class Mine(Strategy):
    take_profit_pct = TP
'''


def _cell(spec_json: bytes, log_level: str = "WARNING") -> dict:
    """Stand-in for ``run_cell``: the take-profit of the strategy's helper module as the Sharpe ratio."""
    import tour3_user_strategies.rules as rules  # as a worker imports it (afresh: see the test)

    return {**{f: 0.0 for f in STAT_FIELDS}, "sharpe": rules.TP, "trades": 1, "catalog_changed": False}


def test_a_changed_strategy_package_runs_its_finished_cells_again(tmp_path: Path, monkeypatch, capsys):
    package = tmp_path / "pkgs" / "tour3_user_strategies"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "mine.py").write_text(STRATEGY.format(package=package.name))
    rules = package / "rules.py"
    rules.write_text("TP = 1.0\n")
    monkeypatch.syspath_prepend(str(package.parent))
    head = (config_dir() / "liquidation_hunt.toml").read_text().split("[[strategies]]", 1)[0]
    base = tmp_path / "mine.toml"
    base.write_text(head + f'[[strategies]]\npath = "{package.name}.mine:Mine"\n'
                           f'config_path = "{package.name}.mine:MineConfig"\n')
    grid_path = tmp_path / "grid.toml"
    grid_path.write_text(f'name = "g"\nbase = "{base}"\n[axes.strategy]\ntrigger_pct = [0.5, 1.0]\n')
    monkeypatch.setattr(sweep_runner, "run_cell", _cell)
    monkeypatch.setattr(sweep_runner, "prepare_catalog", lambda spec: None)
    monkeypatch.setattr(backtest_cell, "cell_problem", lambda spec: "")  # the dry run's catalog check: none here
    out = tmp_path / "out"
    with Executor(in_process=True) as ex:
        first = run_sweep(load_grid(grid_path), ex, out, progress=False)
    assert len(first.ran) == 2 and {r["stats"]["sharpe"] for r in first.records.values()} == {1.0}
    with Executor(in_process=True) as ex:  # nothing changed: both kept
        same = run_sweep(load_grid(grid_path), ex, out, progress=False)
    assert same.ran == [] and len(same.skipped) == 2

    rules.write_text("TP = 2.0\n")  # a helper module of the strategy's package, not the file the config names
    sys.modules.pop(f"{package.name}.rules", None)  # a worker process imports it afresh
    assert main(["sweep", "--grid", str(grid_path), "--out", str(out), "--dry-run"]) == 0
    listed = capsys.readouterr().out
    assert listed.count("to run (its code changed since it finished)") == 2 and " finished " not in listed
    with Executor(in_process=True) as ex:
        again = run_sweep(load_grid(grid_path), ex, out, progress=False)
    # was: "0 run now, 2 skipped as already finished" with the old code's figures
    assert len(again.ran) == 2 and sorted(again.code_changed) == sorted(again.ran) and again.skipped == []
    assert {r["stats"]["sharpe"] for r in again.records.values()} == {2.0}
    assert "2 run now, 2 of them again as their code changed, 0 skipped" in again.text()

    # a result folder of a version that recorded no code digest is kept as finished, as before
    for path in (out / "cells").glob("*/result.json"):
        record = json.loads(path.read_text())
        record.pop("code")
        path.write_text(json.dumps(record))
    rules.write_text("TP = 3.0\n")
    with Executor(in_process=True) as ex:
        old = run_sweep(load_grid(grid_path), ex, out, progress=False)
    assert old.ran == [] and len(old.skipped) == 2
