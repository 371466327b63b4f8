"""Backtest report: entries/exits from a positions report, mark-to-market equity, drawdown, comparison table.

The unit cases use SYNTHETIC reports laid out like Nautilus 1.221's ``generate_positions_report()`` and
``generate_account_report()`` (money as "<amount> <currency>" strings) over six SYNTHETIC one-minute bars with
hand-computed equity; the last test runs the real backtest on the embedded OKX sample.
"""

import msgspec
import numpy as np
import pandas as pd
import pytest

from liqheat_nautilus.charts.backtest_report import backtest_report_figure, report_from_outcome, write_backtest_report
from liqheat_nautilus.charts.report_data import drawdown_pct, equity_curve, trades_from_positions

T0 = pd.Timestamp("2026-06-20T00:00", tz="UTC")


def _m(i):
    return T0 + pd.Timedelta(minutes=i)


def _bars():
    closes = [100.0, 101.0, 103.0, 99.0, 98.0, 100.0]
    index = pd.DatetimeIndex([_m(i) for i in range(1, 7)], name="ts")
    return pd.DataFrame({"high": [c + 0.5 for c in closes], "low": [c - 0.5 for c in closes], "close": closes},
                        index=index)


def _positions():
    # A: long 2 @ 100.5 at minute 2, closed @ 99 at minute 4: (99 - 100.5) * 2 - 0.4 commission = -3.4
    # B: short 1 @ 99.5 at minute 5, still open
    return pd.DataFrame({
        "entry": ["BUY", "SELL"], "side": ["FLAT", "SHORT"], "peak_qty": ["2.00", "1.00"],
        "ts_opened": [_m(2), _m(5)], "ts_closed": [_m(4), pd.NaT], "avg_px_open": [100.5, 99.5],
        "avg_px_close": [99.0, np.nan], "realized_pnl": ["-3.40000000 USDT", "-0.10000000 USDT"],
    }, index=pd.Index(["P-1", "P-2"], name="position_id"))


def _account():
    # balance 1000; -0.2 commission at A's open, A's close settles -3.2 more, -0.1 commission at B's open
    return pd.DataFrame({"total": ["1000.00000000", "999.80000000", "996.60000000", "996.50000000"],
                         "currency": "USDT"}, index=pd.DatetimeIndex([_m(0), _m(2), _m(4), _m(5)]))


def test_trades_parse_nautilus_money_and_open_positions():
    trades = trades_from_positions(_positions())
    assert trades["direction"].tolist() == [1, -1]
    assert trades["qty"].tolist() == [2.0, 1.0]
    assert trades["pnl"].tolist() == [-3.4, -0.1]
    assert trades["ts_close"].isna().tolist() == [False, True]


def test_equity_is_balance_plus_unrealised_pnl():
    eq = equity_curve(_bars(), _account(), trades_from_positions(_positions()))
    # m1 1000 | m2 999.8 + (101-100.5)*2 | m3 999.8 + (103-100.5)*2 | m4 closed: 996.6
    # m5 996.5 + (99.5-98)*1 | m6 996.5 + (99.5-100)*1
    assert eq.tolist() == pytest.approx([1000.0, 1000.8, 1004.8, 996.6, 998.0, 996.0])
    dd = drawdown_pct(eq)
    assert dd.tolist() == pytest.approx([0.0, 0.0, 0.0, (996.6 / 1004.8 - 1) * 100, (998.0 / 1004.8 - 1) * 100,
                                         (996.0 / 1004.8 - 1) * 100])


def test_equity_without_account_report_uses_realised_pnl():
    eq = equity_curve(_bars(), None, trades_from_positions(_positions()), starting_balance=1000.0)
    assert eq.tolist() == pytest.approx([1000.0, 1001.0, 1005.0, 996.6, 998.1, 996.1])


def test_figure_rows_markers_and_table():
    comparison = pd.DataFrame({"trades": [2, 0], "PnL": [-3.5, 0.0], "Sharpe": [-1.25, float("nan")]},
                              index=pd.Index(["liquidation_hunt", "flat"], name="strategy"))
    fig = backtest_report_figure(_bars(), positions=_positions(), account=_account(), comparison=comparison)
    kinds = [t.meta["kind"] for t in fig.data]
    assert kinds == ["price", "entries", "entries", "exits", "exits", "equity", "drawdown", "comparison"]
    longs, shorts = fig.data[1], fig.data[2]
    assert list(longs.y) == [100.5] and list(shorts.y) == [99.5]
    assert (longs.marker.symbol, shorts.marker.symbol) == ("triangle-up", "triangle-down")
    profit, loss = fig.data[3], fig.data[4]
    assert list(profit.y) == [] and list(loss.y) == [99.0]  # A lost 3.4; the open position has no exit yet
    # every marker trace has one colour (the legend symbol is the drawing), fixed by kind, not by the data
    for trace in fig.data[1:5]:
        assert isinstance(trace.marker.color, str)
    assert profit.marker.color != loss.marker.color and longs.marker.color != shorts.marker.color
    assert fig.data[5].yaxis == "y2" and fig.data[6].yaxis == "y3"
    assert [pd.Timestamp(v) for v in fig.layout.xaxis.range] == [_m(1), _m(6)]  # the bars' span, shared below
    assert fig.layout.xaxis2.matches == "x" and fig.layout.xaxis3.matches == "x"
    table = fig.data[7]
    assert list(table.header.values) == ["<b>strategy</b>", "<b>trades</b>", "<b>PnL</b>", "<b>Sharpe</b>"]
    assert list(table.cells.values[0]) == ["liquidation_hunt", "flat"]
    assert list(table.cells.values[3]) == ["-1.25", "–"]


def test_figure_with_heatmap_underlay_and_fills_fallback():
    hist = {"ts_ns": np.array([_m(1).value, _m(3).value]), "price": np.array([100.0, 103.0]),
            "base": np.array([95, 95]), "width": np.array([1.0, 1.0]),
            "long_usd": np.eye(2, 10, 2) * 500.0, "short_usd": np.eye(2, 10, 9) * 300.0}  # SYNTHETIC
    fills = pd.DataFrame({"ts_event": [_m(2), _m(4)], "last_px": ["100.50", "99.00"], "order_side": ["BUY", "SELL"]})
    fig = backtest_report_figure(_bars(), history=hist, fills=fills)
    kinds = [t.meta["kind"] for t in fig.data]
    assert kinds == ["cleared", "live", "price", "buys", "sells", "equity", "drawdown"]
    assert list(fig.data[3].y) == [100.5] and list(fig.data[4].y) == [99.0]


def test_bad_reports_raise_naming_row_or_column():
    bad = _positions()
    bad.loc["P-2", "entry"] = "HOLD"
    with pytest.raises(ValueError, match="row 'P-2'.*entry"):
        trades_from_positions(bad)
    with pytest.raises(ValueError, match="account report.*total"):
        equity_curve(_bars(), _account().rename(columns={"total": "balance"}))


def test_write_backtest_report_writes_a_self_contained_page(tmp_path):
    files = write_backtest_report(tmp_path, _bars(), positions=_positions(), account=_account())
    text = files.html.read_text(encoding="utf-8")
    assert files.png is None and files.html.name == "backtest_report.html"
    assert "Plotly.newPlot" in text and 'src="http' not in text


def test_report_from_a_real_backtest_outcome(okx_catalog, tmp_path):
    """Real OKX sample: the default liquidation-hunt backtest, reports taken as Nautilus generates them."""
    from liqheat_nautilus.backtest.config import load_backtest_file
    from liqheat_nautilus.backtest.runner import run_backtest
    from liqheat_nautilus.paths import config_dir

    spec = load_backtest_file(config_dir() / "liquidation_hunt.toml")
    spec = msgspec.structs.replace(spec, data=msgspec.structs.replace(spec.data, catalog=str(okx_catalog)))
    outcome = run_backtest(spec)
    # the heatmap underlay is the run's recording (Nautilus streaming into the catalog), not a replay
    from liqheat_nautilus.recording import load_recording

    recording = load_recording(okx_catalog, outcome.result.instance_id)
    assert len(recording.snapshots) == outcome.snapshots_published == len(recording.bins) > 300
    files = report_from_outcome(outcome, tmp_path, comparison=pd.DataFrame({"PnL": [1.0]}, index=["x"]))
    assert files.html.name == "liquidation_hunt_report.html"
    text = files.html.read_text(encoding="utf-8")
    assert "liquidation_hunt" in text and "Plotly.newPlot" in text
    assert '"kind":"live"' in text and '"kind":"comparison"' in text
    positions = getattr(getattr(outcome, "reports", None), "positions", None)
    if positions is not None:  # the runner keeps Nautilus' reports: one entry marker per position
        fig = backtest_report_figure(pd.DataFrame({"high": [1.0], "low": [1.0], "close": [1.0]},
                                                  index=pd.DatetimeIndex([T0])), positions=positions)
        entries = [t for t in fig.data if t.meta["kind"] == "entries"]
        assert sum(len(t.x) for t in entries) == len(positions) == outcome.result.total_positions > 0


def test_comparison_rows_become_a_table():
    class Row:  # SYNTHETIC stand-in for liqheat_nautilus.backtest.ComparisonRow (anything with to_dict())
        def __init__(self, name, ret):
            self.name, self.ret = name, ret

        def to_dict(self):
            return {"name": self.name, "total_return_pct": self.ret}

    fig = backtest_report_figure(_bars(), comparison=[Row("hunt", 0.067), Row("buy & hold", 4.2)])
    table = fig.data[-1]
    assert list(table.header.values) == ["<b>name</b>", "<b>total_return_pct</b>"]
    assert list(table.cells.values[0]) == ["hunt", "buy & hold"]
    assert list(table.cells.values[1]) == ["0.067", "4.2"]


def test_drawdown_is_undefined_without_a_positive_peak():
    eq = pd.Series([0.0, -5.0, 10.0, 5.0])
    dd = drawdown_pct(eq)
    assert dd.isna().tolist() == [True, True, False, False]
    assert dd.iloc[3] == pytest.approx(-50.0)


def _inverse_positions():
    # SYNTHETIC: long 500 BTCUSD_PERP contracts (100 USD each) @ 80,000 at minute 1, still open
    return pd.DataFrame({
        "entry": ["BUY"], "side": ["LONG"], "peak_qty": ["500"], "ts_opened": [_m(1)], "ts_closed": [pd.NaT],
        "avg_px_open": [80_000.0], "avg_px_close": [np.nan], "realized_pnl": ["0.00000000 BTC"],
    }, index=pd.Index(["P-1"], name="position_id"))


def test_equity_of_an_inverse_contract_is_in_its_base_currency():
    """SYNTHETIC bars and position: a coin-margined long gains contracts·100 USD·(1/open - 1/close) BTC."""
    closes = [80_000.0, 80_800.0, 79_200.0]
    bars = pd.DataFrame({"high": closes, "low": closes, "close": closes},
                        index=pd.DatetimeIndex([_m(i) for i in range(1, 4)], name="ts"))
    trades = trades_from_positions(_inverse_positions())
    eq = equity_curve(bars, None, trades, multiplier=100.0, starting_balance=1.0, inverse=True)
    expected = [1.0 + 500 * 100.0 * (1 / 80_000.0 - 1 / c) for c in closes]
    assert eq.tolist() == pytest.approx(expected, rel=1e-12)
    assert eq.iloc[1] == pytest.approx(1.0061881188, rel=1e-9)  # +1 %: +0.0062 BTC on 1 BTC, not +400,000
    assert drawdown_pct(eq).min() > -2.0  # the linear formula gave a drawdown far below -100 %


def test_report_from_outcome_passes_the_catalogs_contract(tmp_path, monkeypatch):
    """An inverse catalog instrument (RECORDED Binance COIN-M definition, SYNTHETIC bars) reaches the equity."""
    import types

    from nautilus_trader.model.data import BarType
    from nautilus_trader.persistence.catalog import ParquetDataCatalog
    from nautilus_trader.persistence.wranglers import BarDataWrangler

    from liqheat_nautilus.adapters.binance.providers import perpetuals_from_exchange_info
    from liqheat_nautilus.charts import backtest_report
    from tests.adapters.binance.archive_files import DAPI_EXCHANGE_INFO

    instrument = perpetuals_from_exchange_info(DAPI_EXCHANGE_INFO.read_bytes(), DAPI_EXCHANGE_INFO)[
        "BTCUSD-PERP.BINANCE"]
    catalog = ParquetDataCatalog(str(tmp_path / "catalog"))
    catalog.write_data([instrument])
    frame = pd.DataFrame({"open": [80_000.0] * 3, "high": [80_900.0] * 3, "low": [79_100.0] * 3,
                          "close": [80_000.0, 80_800.0, 79_200.0], "volume": [10.0] * 3},
                         index=pd.DatetimeIndex([_m(i) for i in range(1, 4)]))
    catalog.write_data(BarDataWrangler(BarType.from_str("BTCUSD-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"), instrument)
                       .process(frame))
    spec = types.SimpleNamespace(
        name="inverse", catalog_path=lambda: tmp_path / "catalog",
        data=types.SimpleNamespace(instrument_id="BTCUSD-PERP.BINANCE", bar_spec="1-MINUTE-LAST", start="", end=""),
        venue=types.SimpleNamespace(starting_balances=["1 BTC"]))
    outcome = types.SimpleNamespace(spec=spec, result=None, row=None,
                                    reports=types.SimpleNamespace(positions=_inverse_positions(), fills=None,
                                                                  account=None))
    seen = {}

    def capture(out_dir, bars, **kwargs):
        seen.update(kwargs, figure=backtest_report.backtest_report_figure(bars, **{
            k: v for k, v in kwargs.items() if k not in ("name", "formats")}))

    monkeypatch.setattr(backtest_report, "write_backtest_report", capture)
    report_from_outcome(outcome, tmp_path / "out")
    assert seen["multiplier"] == 100.0 and seen["inverse"] is True
    (equity,) = [t for t in seen["figure"].data if t.meta["kind"] == "equity"]
    assert max(equity.y) < 1.01 and min(equity.y) > 0.99  # BTC, around the 1 BTC starting balance


def test_comparison_rows_read_as_the_command_line_table():
    # SYNTHETIC rows: the report's table showed the field names ("max_drawdown_pct", cut to "max_drawdown_p" in the
    # PNG) and its own number formats (-1.704 for the printed -1.70, 0 for an undefined win rate): the report now
    # shows the headers and texts of `liqheat backtest --all`
    from liqheat_nautilus.backtest.metrics import ComparisonRow, format_table

    nan = float("nan")
    rows = [ComparisonRow("hunt", -1.70374, 0.19199, 0.39902, 4.28133, 34.61538, 1.01786, 26, 29.09722, 16.29665),
            ComparisonRow("idle", 0.0, nan, nan, 0.0, nan, nan, 0, 0.0, 0.0),
            ComparisonRow("buy & hold", 8.49186, 3.05684, 6.15200, 15.51724, nan, nan, 1, 100.0, nan)]
    fig = backtest_report_figure(_bars(), comparison=rows)
    table = fig.data[-1]
    text = format_table(rows).splitlines()
    assert [h.removeprefix("<b>").removesuffix("</b>") for h in table.header.values] == [
        "run", "return %", "Sharpe", "Sortino", "max DD %", "win %", "profit factor", "trades", "exposure %", "funding"]
    for i, line in enumerate(text[2:]):
        cells = [column[i] for column in table.cells.values]
        assert cells[1:] == line.split()[-9:] and cells[0] == rows[i].name
    assert [column[0] for column in table.cells.values][1:] == [
        "-1.70", "0.19", "0.40", "4.28", "34.6", "1.02", "26", "29.1", "+16.30"]
