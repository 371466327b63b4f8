"""A backtest file with a strategy of the user's own (tests/backtests/user_strategy.py) on the REAL OKX sample: the
summary does not claim it received no clusters or decided nothing, and the library example script runs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from liqheat_nautilus.backtest import load_backtest_file, run_backtest
from liqheat_nautilus.backtest.summary import format_summary
from liqheat_nautilus.paths import config_dir

ROOT = Path(__file__).resolve().parents[2]


def _user_file(tmp_path, catalog) -> Path:
    text = (config_dir() / "liquidation_hunt.toml").read_text()
    head, _ = text.split("[[strategies]]", 1)
    path = tmp_path / "mine.toml"
    path.write_text(head.replace('catalog = "catalog/build/okx_sol_usdt_swap"', f'catalog = "{catalog}"')
                    + '[[strategies]]\npath = "tests.backtests.user_strategy:Counting"\n'
                      'config_path = "tests.backtests.user_strategy:CountingConfig"\n')
    return path


def test_a_strategy_without_the_shipped_counters(okx_catalog, tmp_path):
    path = _user_file(tmp_path, okx_catalog)
    outcome = run_backtest(load_backtest_file(path), show_progress=False)
    assert outcome.clusters_published > 0
    assert outcome.clusters_received is None  # was 0, printed as "0 clusters received by strategies"
    text = format_summary(outcome)
    assert "receipt not counted" in text and "0 clusters received" not in text
    # nor that it decided nothing: it keeps no signals log (was "0 entries (0 decisions recorded)", whatever it traded)
    assert outcome.signal_logs == 0 and outcome.signals == []
    assert "trade signals    not recorded (no strategy keeps a signals log)" in text and "0 entries" not in text
    # the library example (docs/backtests.md) ran the file, then failed on the shipped strategies' `signals`
    proc = subprocess.run([sys.executable, str(ROOT / "backtests" / "run_backtest_file.py"), str(path)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert f"{outcome.result.total_orders} orders" in proc.stdout


def test_a_position_held_to_the_end_counts_in_the_return(okx_catalog, tmp_path):
    # a strategy that keeps its position: Nautilus' BacktestResult left its unrealized PnL out of "PnL (total)"
    # and "PnL% (total)", so the summary and the return column showed the fees and funding alone (+2.74 USDT,
    # +0.003 %, for 100 SOL bought at 65.69 and marked at 71.29 at the end)
    from nautilus_trader.model.data import Bar
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    path = _user_file(tmp_path, okx_catalog)
    path.write_text(path.read_text().replace("user_strategy:Counting", "user_strategy:Hold")
                    .replace("user_strategy:CountingConfig", "user_strategy:HoldConfig"))
    outcome = run_backtest(load_backtest_file(path), show_progress=False)
    [position] = outcome.reports.positions.itertuples()
    assert position.side == "LONG" and float(position.quantity) == 100.0
    last = ParquetDataCatalog(str(okx_catalog)).query(Bar)[-1].close.as_double()
    balance = float(outcome.reports.account["total"].iloc[-1])  # start - commission + funding
    expected = balance - 100_000.0 + 100.0 * (last - float(position.avg_px_open))
    assert expected > 500.0
    pnl = outcome.result.stats_pnls["USDT"]
    assert pnl["PnL (total)"] == pytest.approx(expected, abs=1e-6)
    assert pnl["PnL% (total)"] == pytest.approx(expected / 1_000.0, abs=1e-9)
    assert outcome.row.total_return_pct == pnl["PnL% (total)"]
    assert f"PnL              {expected:,.2f} USDT (+{expected / 1_000.0:.3f} %)" in format_summary(outcome)
    # and the library example script prints the same total
    proc = subprocess.run([sys.executable, str(ROOT / "backtests" / "run_backtest_file.py"), str(path)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"PnL {{'USDT': {pnl['PnL (total)']!r}}}" in proc.stdout, proc.stdout


def test_a_strategy_that_raises_fails_the_run_in_one_line(okx_catalog, tmp_path, capsys):
    # was: Nautilus' ERROR log, then a Python traceback through the CLI and Nautilus' engine, and --all stopped
    # at that file; now one line naming the file, the exception and where the strategy raised it, exit 1
    from liqheat_nautilus.cli import main
    from tests.backtests import user_strategy

    path = _user_file(tmp_path, okx_catalog)
    path.write_text(path.read_text().replace("user_strategy:Counting\"", "user_strategy:Raising\"")
                    .replace("user_strategy:CountingConfig", "user_strategy:HoldConfig"))
    code = main(["backtest", "--config", str(path), "--no-reports", "--no-progress", "--log-level", "OFF"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err, err
    where = f"(raised at {user_strategy.__file__}:"
    assert err.startswith(f"backtest failed: {path}: the run stopped: ZeroDivisionError: user bug at bar 500 {where}")
    from liqheat_nautilus.backtest.runner import RunFailedError

    with pytest.raises(RunFailedError) as failed:
        run_backtest(load_backtest_file(path), show_progress=False, log_level="OFF")
    assert isinstance(failed.value, ValueError) and isinstance(failed.value.__cause__, ZeroDivisionError)


def test_a_subscription_the_map_does_not_serve_is_named_in_the_summary(okx_catalog, tmp_path):
    # a strategy of the user's own subscribing with the instrument's symbol only ("SOL-USDT-SWAP", no venue): the
    # run published 3,157 clusters, the strategy received none, and the summary said nothing (exit 0)
    path = _user_file(tmp_path, okx_catalog)
    path.write_text(path.read_text().replace("user_strategy:Counting\"", "user_strategy:CountingBySymbol\""))
    outcome = run_backtest(load_backtest_file(path), show_progress=False)
    assert outcome.clusters_published > 0
    assert outcome.unheard_subscriptions == [
        "CountingBySymbol-000 subscribed to LiquidationCluster (instrument_id=SOL-USDT-SWAP) and received none: "
        "the map actors publish DataType(LiquidationCluster, metadata={'instrument_id': 'SOL-USDT-SWAP.OKX'})"]
    assert f"  WARNING          {outcome.unheard_subscriptions[0]}" in format_summary(outcome)
    # the documented subscription gets no warning
    assert run_backtest(load_backtest_file(_user_file(tmp_path, okx_catalog)),
                        show_progress=False).unheard_subscriptions == []
