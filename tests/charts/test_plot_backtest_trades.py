"""``liqheat plot --backtest-file`` of a map actor with ``subscribe_trade_ticks``: the plotted map equals, bin for bin,
the map the actor had at the end of a real backtest run of the file.

Data: the REAL Binance COIN-M ``BTCUSD_PERP`` aggTrades day of ``tests/data`` (inverse, 100 USD contracts), ingested
with ``liqheat``'s own Binance loader; 1-minute bars DERIVED from those trades (open/high/low/close/contracts of each
minute). A second bar type, ``60-SECOND-LAST``, holds the same bars stamped at the time of their minute's last
trade, so that bars and trades share times (a bar ends a ``top_n``/``portion`` batch). Open interest is SYNTHETIC
(no real reading of that day ships with the tests): 300 M USD with a small made-up wiggle, every 5 minutes at a
bar's close and also at the exact times of some real trades, so that a bar, a reading and trades share times.
Funding rates, long/short ratios and taker volumes are SYNTHETIC too, made up, at some of the readings' times (an
actor with trade ticks applies a reading before them; the replay must too).
"""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from nautilus_trader.backtest.node import BacktestNode
from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus.backtest.config import load_backtest_file, to_run_config
from liqheat_nautilus.cli import build_parser, main
from liqheat_nautilus.cli.plot_cmd import check_options, map_source, replay_state
from tests.cm_trades_day import END, INSTRUMENT, START, trades_backtest_file

SECOND = "BTCUSDT-PERP.BINANCE"  # SYNTHETIC second venue of the summing test


@pytest.fixture(scope="module")
def btc_catalog(tmp_path_factory) -> Path:
    """The real aggTrades day, bars derived from it (two stampings) and SYNTHETIC open interest (module doc)."""
    from nautilus_trader.model.data import BarType
    from nautilus_trader.persistence.wranglers import BarDataWrangler

    from liqheat_nautilus.data import FundingRate, LongShortRatio, OpenInterest, TakerVolume
    from tests.cm_trades_day import cm_trades_day_with_minute_bars

    path = tmp_path_factory.mktemp("btc_trades") / "catalog"
    catalog, instrument, frame, ts = cm_trades_day_with_minute_bars(path)
    minute_ns = 60_000_000_000
    last_trade = pd.Series(ts).groupby(ts // minute_ns).max()  # int64 ns, per minute
    closes = frame.index.as_unit("ns").asi8
    at_last_trade = frame.set_axis(pd.to_datetime(last_trade.loc[closes // minute_ns - 1].to_numpy(), unit="ns",
                                                  utc=True))
    catalog.write_data(BarDataWrangler(BarType.from_str(f"{INSTRUMENT}-60-SECOND-LAST-EXTERNAL"), instrument)
                       .process(at_last_trade))
    # SYNTHETIC readings: at every 5th bar close, and at the last trade of every 7th minute (a trade time shared
    # with the 60-SECOND bars)
    stamps = np.union1d(closes[::5], last_trade.to_numpy()[3::7])
    catalog.write_data([OpenInterest(instrument_id=instrument.id, venue="BINANCE",
                                     open_interest_usd=3e8 * (1.0 + 0.02 * np.sin(k / 5.0)), open_interest_base=np.nan,
                                     ts_event=int(t), ts_init=int(t)) for k, t in enumerate(stamps)])
    iid, ratio_from = instrument.id, pd.Timestamp("2026-05-08T06:30Z").value
    catalog.write_data([FundingRate(instrument_id=iid, rate=0.0001 * (k % 5 - 2), interval_hours=8.0, next_funding_ns=0,
                                    ts_event=int(t), ts_init=int(t)) for k, t in enumerate(stamps[::2])])
    catalog.write_data([LongShortRatio(instrument_id=iid, ratio=1.0 + 0.1 * (k % 7), kind="accounts", period_secs=300,
                                       ts_event=int(t), ts_init=int(t))
                        for k, t in enumerate(stamps[1::2]) if t >= ratio_from])
    catalog.write_data([TakerVolume(instrument_id=iid, buy_usd=2e6 + 1e5 * (k % 4), sell_usd=2e6, period_secs=300,
                                    ts_event=int(t), ts_init=int(t)) for k, t in enumerate(stamps[::3])])
    return path


def _plotted_engine(path: Path):
    args = build_parser().parse_args(["plot", "map", "--backtest-file", str(path)])
    actor_config = map_source(args)
    check_options(args)
    return replay_state(args, None, actor_config)


CASES = {
    # a batch selection: the 3 largest trades of each side per batch, a batch ending at the next bar
    "top_n": ('map_params_extra = { entry_mode = "trades", trade_selection = "top_n", trade_threshold = 3.0 }',
              "1-MINUTE-LAST"),
    # bars stamped at a trade's time; batches of at most 20 s, ended by time or by a bar
    "portion_shared_times": ('map_params_extra = { entry_mode = "trades", trade_selection = "portion", '
                             "trade_threshold = 0.05, trade_batch_secs = 20.0 }", "60-SECOND-LAST"),
    "gross_value": ('map_params_extra = { entry_mode = "trades", trade_selection = "gross_value", '
                    "trade_threshold = 200000.0 }", "60-SECOND-LAST"),
    # the open-interest entry mode: trades only sweep levels and add taker volume; the split follows the ratios
    "default_entry_mode": ("map_params_extra = { taker_share_skew = 1.0 }", "1-MINUTE-LAST"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_plotted_map_of_a_trade_tick_actor_is_the_actors_map(btc_catalog, tmp_path, case):
    extra, bar_spec = CASES[case]
    path = trades_backtest_file(tmp_path, btc_catalog, extra + "\n", bar_spec)
    config = to_run_config(load_backtest_file(path))
    node = BacktestNode(configs=[config])
    node.run()
    try:
        actor = node.get_engine(config.id).trader.actors()[0].map.engine
        state = _plotted_engine(path)
        plotted = state.engine
        assert actor.seeded and actor.active_usd() > 0.0
        assert plotted.ts_ns == actor.ts_ns and plotted.price == actor.price
        assert (plotted.grid.base, plotted.grid.width) == (actor.grid.base, actor.grid.width)
        assert (plotted.bars.taker_buy, plotted.bars.taker_sell) == (actor.bars.taker_buy, actor.bars.taker_sell)
        np.testing.assert_array_equal(plotted.long_usd(), actor.long_usd())  # bin for bin, exactly
        np.testing.assert_array_equal(plotted.short_usd(), actor.short_usd())
        # the trades mattered: the same replay without them is another map
        series = state.series
        without = _replay_without_trades(series, plotted.params)
        assert not np.array_equal(without.long_usd(), actor.long_usd())
    finally:
        node.dispose()


def _replay_without_trades(series, params):
    import dataclasses

    from liqheat_nautilus.replay import replay_engine

    bare = dataclasses.replace(series, trade_ticks=False, trade_ts_ns=series.trade_ts_ns[:0],
                               trade_price=series.trade_price[:0], trade_quantity=series.trade_quantity[:0],
                               trade_seller_taker=series.trade_seller_taker[:0])
    return replay_engine(bare, params, snapshot_interval_ns=900 * 1_000_000_000).engine


def test_plot_command_draws_a_trade_tick_actors_map(btc_catalog, tmp_path, capsys):
    path = trades_backtest_file(tmp_path, btc_catalog, CASES["top_n"][0] + "\n")
    out = tmp_path / "out"
    assert main(["plot", "heatmap", "--backtest-file", str(path), "--out", str(out), "--formats", "html"]) == 0
    assert capsys.readouterr().out.strip().endswith("liquidation_heatmap_BTCUSD-PERP_BINANCE_20260508T0730.html")


def test_a_run_without_start_is_fed_the_trades_and_plotted(btc_catalog, tmp_path):
    # no [data] start: the run config had no catalog then, Nautilus streamed no trade tick and a trades-mode map
    # never opened anything (silently); now the run streams them and the chart replays the same map
    path = trades_backtest_file(tmp_path, btc_catalog, CASES["top_n"][0] + "\n", period=f'end = "{END}"\n')
    config = to_run_config(load_backtest_file(path))
    assert config.engine.catalogs
    node = BacktestNode(configs=[config])
    node.run()
    try:
        actor = node.get_engine(config.id).trader.actors()[0].map.engine
        assert actor.seeded and actor.active_usd() > 0.0
        plotted = _plotted_engine(path).engine
        assert plotted.ts_ns == actor.ts_ns
        np.testing.assert_array_equal(plotted.long_usd(), actor.long_usd())
        np.testing.assert_array_equal(plotted.short_usd(), actor.short_usd())
    finally:
        node.dispose()


def test_open_interest_summed_with_trade_ticks_is_summed_once_per_time(btc_catalog, tmp_path):
    # a SYNTHETIC second venue reporting at the same times: the actor fed each venue's reading as it arrived (with
    # trade ticks it held none back), so the map saw a partial sum first; a chart was refused. Now readings of one
    # time are summed once and the chart replays the same map
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.data import OpenInterest
    from liqheat_nautilus.persistence.reader import read_market_series

    catalog = tmp_path / "two_venues"
    shutil.copytree(btc_catalog, catalog)
    cat = ParquetDataCatalog(str(catalog))
    own = [o for o in (getattr(d, "data", d) for d in cat.query(OpenInterest)) if str(o.instrument_id) == INSTRUMENT]
    cat.write_data([OpenInterest(instrument_id=InstrumentId.from_str(SECOND), venue="BINANCE",
                                 open_interest_usd=o.open_interest_usd / 2.0, open_interest_base=np.nan,
                                 ts_event=o.ts_event, ts_init=o.ts_init) for o in own])
    path = trades_backtest_file(tmp_path, catalog,
                                CASES["top_n"][0] + f'\noi_instrument_ids = ["{INSTRUMENT}", "{SECOND}"]\n')
    config = to_run_config(load_backtest_file(path))
    node = BacktestNode(configs=[config])
    node.run()
    try:
        actor = node.get_engine(config.id).trader.actors()[0].map.engine
        start, end = pd.Timestamp(START, tz="UTC").value, pd.Timestamp(END, tz="UTC").value
        summed = read_market_series(catalog, INSTRUMENT, "1-MINUTE-LAST", start, end,
                                    oi_instrument_ids=[INSTRUMENT, SECOND])
        assert actor.open_interest_usd == pytest.approx(summed.oi_usd[-1], rel=1e-12)
        last = next(o for o in own if o.ts_event == summed.oi_ts_ns[-1])
        assert summed.oi_usd[-1] == pytest.approx(1.5 * last.open_interest_usd, rel=1e-12)
        plotted = _plotted_engine(path).engine
        assert plotted.ts_ns == actor.ts_ns and plotted.open_interest_usd == actor.open_interest_usd
        np.testing.assert_array_equal(plotted.long_usd(), actor.long_usd())
        np.testing.assert_array_equal(plotted.short_usd(), actor.short_usd())
    finally:
        node.dispose()


def test_plotted_map_at_a_time_is_the_map_of_a_run_ending_then(btc_catalog, tmp_path):
    # --at inside the period: the map a run of the same file ending at that time has (its trades end there too)
    extra = CASES["top_n"][0] + "\n"
    at = "2026-05-08T06:47"
    path = trades_backtest_file(tmp_path, btc_catalog, extra)
    args = build_parser().parse_args(["plot", "map", "--backtest-file", str(path), "--at", at])
    actor_config = map_source(args)
    check_options(args)
    plotted = replay_state(args, pd.Timestamp(at, tz="UTC").value, actor_config).engine
    (tmp_path / "shorter").mkdir()
    shorter = trades_backtest_file(tmp_path / "shorter", btc_catalog, extra,
                                   period=f'start = "{START}"\nend = "{at}"\n')
    config = to_run_config(load_backtest_file(shorter))
    node = BacktestNode(configs=[config])
    node.run()
    try:
        actor = node.get_engine(config.id).trader.actors()[0].map.engine
        assert plotted.ts_ns == actor.ts_ns == pd.Timestamp(at, tz="UTC").value
        np.testing.assert_array_equal(plotted.long_usd(), actor.long_usd())
        np.testing.assert_array_equal(plotted.short_usd(), actor.short_usd())
    finally:
        node.dispose()


def test_reader_gives_the_trades_as_the_actors_map_receives_them(btc_catalog, tmp_path):
    from nautilus_trader.model.identifiers import InstrumentId
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.core import MapParams
    from liqheat_nautilus.indicator import LiquidationMap
    from liqheat_nautilus.persistence.errors import IngestError
    from liqheat_nautilus.persistence.reader import read_market_series

    start, end = pd.Timestamp(START, tz="UTC").value, pd.Timestamp(END, tz="UTC").value
    series = read_market_series(btc_catalog, INSTRUMENT, "1-MINUTE-LAST", start, end, trade_ticks=True)
    ticks = ParquetDataCatalog(str(btc_catalog)).trade_ticks(instrument_ids=[INSTRUMENT], start=start, end=end)
    assert series.trade_ticks and series.trade_ts_ns.size == len(ticks) > 1000
    assert np.all(np.diff(series.trade_ts_ns) >= 0) and series.trade_ts_ns[0] >= start and series.trade_ts_ns[-1] <= end

    received = []

    class Recording(LiquidationMap):
        def update_trade_raw(self, price, ts_ns, quantity=float("nan"), is_buyer_maker=False):
            received.append((price, ts_ns, quantity, is_buyer_maker))

    liq_map = Recording(MapParams(inverse=True), contract_multiplier=100.0,
                        instrument_id=InstrumentId.from_str(INSTRUMENT))
    for tick in ticks:
        liq_map.handle_trade_tick(tick)
    price, ts, quantity, seller = (np.array(c) for c in zip(*received, strict=True))
    np.testing.assert_array_equal(series.trade_ts_ns, ts)
    np.testing.assert_array_equal(series.trade_price, price)
    np.testing.assert_array_equal(series.trade_quantity, quantity)  # contracts x 100 USD / price, bit for bit
    np.testing.assert_array_equal(series.trade_seller_taker, seller)
    assert 0 < seller.sum() < seller.size
    plain = read_market_series(btc_catalog, INSTRUMENT, "1-MINUTE-LAST", start, end)  # trades only when asked
    assert not plain.trade_ticks and plain.trade_ts_ns.size == 0

    # a catalog without the instrument's definition cannot convert sizes: named, not guessed
    bare = ParquetDataCatalog(str(tmp_path / "bare"))
    source = ParquetDataCatalog(str(btc_catalog))
    bare.write_data(source.bars(bar_types=[f"{INSTRUMENT}-1-MINUTE-LAST-EXTERNAL"], start=start, end=start + 10**11))
    bare.write_data(ticks[:10])
    with pytest.raises(IngestError, match="field 'Instrument': no definition of BTCUSD-PERP.BINANCE"):
        read_market_series(tmp_path / "bare", INSTRUMENT, "1-MINUTE-LAST", trade_ticks=True)
