"""The four strategies on the REAL embedded OKX SOL-USDT-SWAP sample: they run, trade, and write their reports;
the comparison table is built from Nautilus' analyzer; funding hits the account exactly."""

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from nautilus_trader.model.data import Bar
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.backtest.compare import run_all
from liqheat_nautilus.backtest.config import load_backtest_file
from liqheat_nautilus.backtest.reports import REPORT_FILES
from liqheat_nautilus.cli import main
from liqheat_nautilus.cli.backtest_cmd import ALL_CONFIGS
from liqheat_nautilus.data import FundingRate
from liqheat_nautilus.paths import config_dir

STARTING_USDT = 100_000.0


def _spec(name, catalog):
    return load_backtest_file(config_dir() / name).with_catalog(catalog)


@pytest.fixture(scope="module")
def comparison(okx_catalog, tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    return run_all([_spec(n, okx_catalog) for n in ALL_CONFIGS], results_dir=results, show_progress=False)


def test_all_four_run_and_trade(comparison):
    assert [o.spec.name for o in comparison.outcomes] == [
        "liquidation_hunt", "support_resistance", "cluster_breakout", "oi_sizing"]
    for o in comparison.outcomes:
        assert o.clusters_published > 0 and o.clusters_received == o.clusters_published, o.spec.name
        assert len(o.entries) > 0, o.spec.name
        exits = sum(1 for s in o.signals if s["action"] == "EXIT")
        # one bracket per entry, plus one market close per strategy exit (break / time stop) or at the end
        assert 3 * len(o.entries) + exits <= o.result.total_orders <= 3 * len(o.entries) + exits + 1, o.spec.name
        assert o.result.total_positions == len(o.entries), o.spec.name  # every entry filled into a position
        for s in o.entries:
            if s["position_side"] == "LONG":
                assert s["stop_loss"] < s["entry"] < s["take_profit"]
            else:
                assert s["take_profit"] < s["entry"] < s["stop_loss"]


def test_reports_are_written(comparison):
    for o in comparison.outcomes:
        folder = o.results_path
        assert folder.name.startswith(f"{o.spec.name}-") and folder.name.endswith("Z")
        assert sorted(p.name for p in folder.iterdir()) == sorted(REPORT_FILES)
        assert len(pd.read_csv(folder / "orders.csv")) == o.result.total_orders
        assert len(pd.read_csv(folder / "positions.csv")) == o.result.total_positions
        assert len(pd.read_csv(folder / "fills.csv")) == o.orders_filled
        signals = pd.read_csv(folder / "signals.csv")
        assert len(signals) == len(o.signals) and set(signals["action"]) <= {"ENTER", "SKIP", "EXIT", "REJECTED"}
        assert len(pd.read_csv(folder / "account.csv")) > 1
    assert (comparison.table_path / "comparison.csv").is_file()


def test_funding_changes_the_balance_exactly(comparison, okx_catalog):
    rates = {f.data.ts_event: f.data.rate
             for f in ParquetDataCatalog(str(okx_catalog)).query(FundingRate, identifiers=["SOL-USDT-SWAP.OKX"])}
    paid = 0
    for o in comparison.outcomes:
        for p in o.funding_payments:
            # rate x quantity x mark (linear, multiplier 1), sign by side, with the rate of the real settlement
            assert p["rate"] == rates[p["ts"]]
            expected = (-1.0 if p["side"] == "LONG" else 1.0) * p["rate"] * p["quantity"] * p["mark"]
            assert p["amount"] == pytest.approx(expected, rel=1e-12)
            paid += 1
        account = o.reports.account
        realized = sum(float(str(v).split()[0]) for v in o.reports.positions["realized_pnl"])
        # every position is closed at the end, so the balance moved by realized PnL (incl. fees) plus funding
        assert float(account["total"].iloc[-1]) - STARTING_USDT == pytest.approx(realized + o.funding_total,
                                                                                 abs=1e-6)
    assert paid > 0


def _money(cell) -> float:
    """``'0.33995000 USDT'`` or ``"['0.33995000 USDT']"`` (the reports' money cells) -> 0.33995."""
    return sum(float(part.split()[0]) for part in str(cell).strip("[]").replace("'", "").split(",") if part.strip())


def test_account_report_rows_hold_the_balance_of_their_time(comparison):
    # Each account.csv row is the balance at its own time: the start plus, for every event up to it, the funding
    # paid or received, less each fill's commission, plus the realized PnL before fees of the position a fill
    # closed (of the events at the row's own time, those before it). Was: NautilusTrader changes the previous
    # state's balance in place when it deducts a commission, so the first row (the start) showed the balance after
    # the first entry's commission, a day later, and each row before a fill the balance after that later fill.
    for o in comparison.outcomes:
        reports = o.reports
        assert float(reports.account["total"].iloc[0]) == STARTING_USDT, o.spec.name
        positions = reports.positions
        gross = dict(zip(positions["closing_order_id"],
                         positions["realized_pnl"].map(_money) + positions["commissions"].map(_money), strict=True))
        events = [(pd.Timestamp(ts, unit="ns", tz="UTC"), amount)
                  for ts, amount in zip(reports.funding.get("ts", []), reports.funding.get("amount", []), strict=True)]
        events += [(pd.Timestamp(f.ts_event), gross.get(f.client_order_id, 0.0) - _money(f.commission))
                   for f in reports.fills.reset_index().itertuples()]
        events.sort(key=lambda e: e[0])  # stable: the fills of one time in the report's order
        for t, total in zip(pd.to_datetime(reports.account.index, utc=True), reports.account["total"].astype(float),
                            strict=True):
            balance = STARTING_USDT + sum(amount for ts, amount in events if ts < t)
            possible = [balance]
            for amount in (amount for ts, amount in events if ts == t):
                possible.append(possible[-1] + amount)
            assert any(total == pytest.approx(b, abs=1e-6) for b in possible), (o.spec.name, t, total, possible)


def test_comparison_table(comparison, okx_catalog):
    rows = comparison.rows
    assert [r.name for r in rows][-1] == "buy & hold" and len(rows) == 5
    for o, row in zip(comparison.outcomes, rows, strict=False):
        pnl = next(iter(o.result.stats_pnls.values()))
        assert row.total_return_pct == pnl["PnL% (total)"]  # Nautilus' analyzer, not re-computed
        assert row.sharpe == pytest.approx(o.result.stats_returns["Sharpe Ratio (252 days)"], nan_ok=True)
        assert row.trades == o.result.total_positions
        assert 0.0 < row.exposure_pct < 100.0 and row.max_drawdown_pct > 0.0
    # buy and hold over the same bars, checked against the catalog directly
    bars = ParquetDataCatalog(str(okx_catalog)).query(Bar, identifiers=["SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL"])
    bh = rows[-1]
    expected = (bars[-1].close.as_double() / bars[0].open.as_double() - 1.0) * 100.0
    assert bh.total_return_pct == pytest.approx(expected, rel=1e-12)
    closes = pd.Series([b.close.as_double() for b in bars])
    assert bh.max_drawdown_pct == pytest.approx(100.0 * (1.0 - closes / closes.cummax()).max(), rel=1e-12)
    assert math.isfinite(bh.sharpe)
    text = comparison.text()
    for r in rows:
        assert r.name in text


def test_cli_default_run_prints_summary_and_report_folder(okx_catalog, tmp_path, capsys):
    code = main(["backtest", "--catalog", str(okx_catalog), "--results-dir", str(tmp_path), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert "backtest 'liquidation_hunt'" in out and "reports" in out
    [folder] = list(tmp_path.iterdir())
    assert str(folder) in out and folder.name.startswith("liquidation_hunt-")
    clusters = int(out.split("map signals")[1].split("clusters")[0].replace(",", ""))
    assert clusters > 0


def test_example_script_runs_a_backtest_node_with_the_library(comparison, okx_catalog):
    # backtests/run_backtest_file.py is what a user writes: their own BacktestNode from one of our files
    script = Path(__file__).resolve().parents[2] / "backtests" / "run_backtest_file.py"
    proc = subprocess.run([sys.executable, str(script), str(config_dir() / "liquidation_hunt.toml"), "--catalog",
                           str(okx_catalog)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    hunt = comparison.outcomes[0]  # the same file run by the library's runner
    pnl = hunt.result.stats_pnls["USDT"]["PnL (total)"]
    assert f"LiquidationHuntStrategy-000: {len(hunt.entries)} entries" in proc.stdout
    assert (f"{hunt.result.total_orders} orders, {hunt.result.total_positions} positions, PnL {{'USDT': {pnl}}}"
            in proc.stdout)


def test_example_script_reports_a_bad_file_in_one_line(tmp_path):
    script = Path(__file__).resolve().parents[2] / "backtests" / "run_backtest_file.py"
    bad = tmp_path / "bad.toml"
    bad.write_text((config_dir() / "liquidation_hunt.toml").read_text().replace('"HEDGING"', '"SIDEWAYS"'))
    proc = subprocess.run([sys.executable, str(script), str(bad)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"error: {bad}: [venue] oms_type must be one of NETTING, HEDGING; got 'SIDEWAYS'"
