"""RunMonitor (drawdown, exposure, progress) on a SYNTHETIC market, and the comparison table formatting."""

import math

import pytest

from liqheat_nautilus.backtest.metrics import ComparisonRow, format_table
from liqheat_nautilus.backtest.monitor import RunMonitor, RunMonitorConfig


def test_monitor_drawdown_exposure_and_progress(funding_market):
    # synthetic: long 1000 SOL from 100 (taker fee 5 bps = 50 USDT); closes 100, 110 (peak equity 109,950),
    # 99 (equity 98,950) -> max drawdown 1 - 98,950 / 109,950; 1,500 bars so the progress bar ticks
    closes = [100.0] * 500 + [110.0] * 500 + [99.0] * 500
    m = funding_market(closes)
    monitor = RunMonitor(RunMonitorConfig(instrument_id=m.instrument_id, bar_type=m.bar_type, expected_bars=1500,
                                          progress_after_secs=0.0))
    m.engine.add_actor(monitor)
    m.open_once(side="BUY", quantity="1000")
    assert monitor.bars == 1500
    assert monitor.max_drawdown == pytest.approx(1.0 - 98_950.0 / 109_950.0, rel=1e-9)
    assert monitor.bars_exposed in (1499, 1500)  # the first bar may close before the entry fills
    assert monitor.first_open == 100.0 and monitor.last_close == 99.0
    assert monitor.bh_max_drawdown == pytest.approx(1.0 - 99.0 / 110.0)
    assert monitor.progress_shown


def test_format_table_text_and_markdown():
    rows = [ComparisonRow("a", 1.234, 0.5, math.nan, 2.0, 50.0, 1.5, 3, 10.0, -1.0)]
    text = format_table(rows)
    header, rule, line = text.splitlines()
    assert header.split()[:3] == ["run", "return", "%"]
    assert line.split() == ["a", "+1.23", "0.50", "-", "2.00", "50.0", "1.50", "3", "10.0", "-1.00"]
    md = format_table(rows, markdown=True).splitlines()
    assert md[0].startswith("| run | return %")
    assert md[2] == "| a | +1.23 | 0.50 | - | 2.00 | 50.0 | 1.50 | 3 | 10.0 | -1.00 |"


def test_win_rate_without_positions_is_undefined():
    # SYNTHETIC results as Nautilus' analyzer gives them: its Win Rate is 0.0 when no position was opened, which the
    # table printed as "0.0" (every trade lost) beside "-" for Sharpe and profit factor; with positions it is kept
    from types import SimpleNamespace

    from liqheat_nautilus.backtest.metrics import strategy_row
    from liqheat_nautilus.backtest.summary import _percent

    stats = {"USDT": {"PnL% (total)": 0.0, "Win Rate": 0.0}}
    none = strategy_row("idle", SimpleNamespace(stats_pnls=stats, stats_returns={}, total_positions=0), None)
    assert math.isnan(none.win_rate_pct)
    assert format_table([none]).splitlines()[-1].split()[5] == "-"  # run, return, Sharpe, Sortino, DD, win %
    assert _percent(none.win_rate_pct) == "-"
    lost = strategy_row("lost", SimpleNamespace(stats_pnls=stats, stats_returns={}, total_positions=4), None)
    assert lost.win_rate_pct == 0.0 and _percent(lost.win_rate_pct) == "0.0 %"
