"""RunMonitor (drawdown, exposure, progress) on a SYNTHETIC market, and the comparison table formatting."""

import math

import pytest

from liqheat_nautilus.backtest.metrics import ComparisonRow, format_table
from liqheat_nautilus.backtest.monitor import RunMonitor, RunMonitorConfig


def test_monitor_drawdown_exposure_and_progress(funding_market, capsys):
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
    assert monitor.stats().bars_exposed == 1500  # opened at the first bar's time, open at every bar's close
    assert monitor.first_open == 100.0 and monitor.last_close == 99.0
    assert monitor.bh_max_drawdown == pytest.approx(1.0 - 99.0 / 110.0)
    assert monitor.progress_shown
    # the bar goes to stderr: on stdout, redirected to a file, it left an empty line above the run's summary
    assert capsys.readouterr().out == ""


class _RoundTrips:
    """SYNTHETIC test strategy: at each bar index of ``opens`` a market buy and a take-profit limit sell at ``exit_px``
    (filled by the venue when a bar trades there, before any strategy sees that bar, as a bracket's exit is)."""

    @staticmethod
    def make(opens: tuple[int, ...], exit_px: float):
        from decimal import Decimal

        from nautilus_trader.config import StrategyConfig
        from nautilus_trader.model.data import Bar, BarType
        from nautilus_trader.model.enums import OrderSide
        from nautilus_trader.model.identifiers import InstrumentId
        from nautilus_trader.trading.strategy import Strategy

        class RoundTripsConfig(StrategyConfig, frozen=True):
            instrument_id: InstrumentId
            bar_type: BarType

        class RoundTrips(Strategy):
            def __init__(self, config: RoundTripsConfig) -> None:
                super().__init__(config)
                self.seen = 0

            def on_start(self) -> None:
                self.subscribe_bars(self.config.bar_type)

            def on_bar(self, bar: Bar) -> None:
                i, self.seen = self.seen, self.seen + 1
                if i in opens:
                    instrument = self.cache.instrument(self.config.instrument_id)
                    qty = instrument.make_qty(Decimal("10"))
                    self.submit_order(self.order_factory.market(self.config.instrument_id, OrderSide.BUY, qty))
                    self.submit_order(self.order_factory.limit(self.config.instrument_id, OrderSide.SELL, qty,
                                                               instrument.make_price(exit_px), reduce_only=True))

        return RoundTrips, RoundTripsConfig


def test_exposure_counts_every_bar_a_position_was_open_at(make_scenario):
    # SYNTHETIC, hand-counted: 60 one-minute bars at 100 but bars 25 and 41 at 105. A position bought at bar 10 is
    # sold by its take-profit at 105 at bar 25: open at the close of bars 10..24 (15 bars: opened at bar 10's time,
    # closed at bar 25's); one bought at bar 40 and sold at bar 41: open at bar 40's close (1 bar). 16 of 60 bars.
    # The monitor checked the position before the strategy handled each bar (the entry filled after that) and the
    # exit had filled before it: it missed each position's entry bar (14 + 0).
    m = make_scenario()
    m.closes([105.0 if i in (25, 41) else 100.0 for i in range(60)])
    monitor = RunMonitor(RunMonitorConfig(instrument_id=m.instrument_id, bar_type=m.bar_type, expected_bars=60))
    m.engine.add_actor(monitor)
    cls, config_cls = _RoundTrips.make(opens=(10, 40), exit_px=105.0)
    m.run(m.strategy(cls, config_cls))
    stats = monitor.stats()
    assert stats.bars == 60
    assert stats.bars_exposed == 16
    assert stats.exposure == pytest.approx(16 / 60)
    positions = m.engine.trader.generate_positions_report()
    assert len(positions) == 2 and (positions["side"] == "FLAT").all()  # two round trips, both closed


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
