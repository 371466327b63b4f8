"""End to end: the default backtest config on the real OKX sample, asserted from the returned results."""

import pickle

import pandas as pd

from liqheat_nautilus.backtest.config import BacktestFile, load_backtest_file
from liqheat_nautilus.backtest.runner import run_backtest
from liqheat_nautilus.backtest.summary import format_summary, format_ts
from liqheat_nautilus.core.units import NS_PER_HOUR, NS_PER_MINUTE
from liqheat_nautilus.paths import config_dir


def _default_spec(catalog) -> BacktestFile:
    return load_backtest_file(config_dir() / "liquidation_hunt.toml").with_catalog(catalog)


def test_default_backtest_publishes_clusters_and_trades(okx_catalog):
    outcome = run_backtest(_default_spec(okx_catalog))
    result = outcome.result
    assert result.iterations >= 21_600  # every real bar (plus OI and funding) was replayed
    assert outcome.clusters_published > 0
    assert outcome.snapshots_published > 0
    assert outcome.clusters_received == outcome.clusters_published  # the strategy received every cluster
    entries = outcome.entries
    assert len(entries) > 0
    # one bracket (entry, stop, take-profit) per entry, plus at most one closing order when the run ends
    assert 3 * len(entries) <= result.total_orders <= 3 * len(entries) + 1
    assert outcome.orders_filled >= len(entries)  # every market entry filled
    assert result.total_positions > 0
    for signal in entries:
        if signal["position_side"] == "LONG":
            assert signal["stop_loss"] < signal["entry"] < signal["take_profit"]
        else:
            assert signal["take_profit"] < signal["entry"] < signal["stop_loss"]
    text = format_summary(outcome)
    assert "clusters" in text and "PnL" in text
    # the clusters listed are those of the last (hourly) map update, and the summary says when that was
    stats = outcome.run_stats
    assert stats.last_ns - NS_PER_HOUR < outcome.final_clusters_ns <= stats.last_ns
    assert f"strongest clusters at the last map update, {format_ts(outcome.final_clusters_ns)} (top " in text
    # exposure, counted independently: the sample's 1-minute bars have no gap, so a position is open at the close of
    # (ts_closed - ts_opened) / 1 minute bars (its entry's bar to the one before its exit's; the monitor missed one)
    positions = outcome.reports.positions
    assert stats.bars == (stats.last_ns - stats.first_ns) // NS_PER_MINUTE + 1  # no gap
    opened, closed = pd.to_datetime(positions["ts_opened"]), pd.to_datetime(positions["ts_closed"])
    assert closed.notna().all()  # every position closed by the end
    assert stats.bars_exposed == int(((closed - opened).dt.total_seconds() // 60).sum())
    copy = pickle.loads(pickle.dumps(outcome))  # plain data: can cross processes (e.g. a Ray sweep)
    assert copy.result.total_orders == result.total_orders and repr(copy.entries) == repr(entries)
    assert copy.run_stats.bars == outcome.run_stats.bars > 21_000
