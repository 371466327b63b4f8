"""The actor: open interest summed over venues, its config (profile files, checks at construction), and small
BacktestEngine runs with trade ticks (trades mode) and positioning data (long/short ratio). SYNTHETIC values."""

import math

import pytest
from nautilus_trader.model.data import BarType
from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus import LiquidationMap, MapParams, OpenInterest
from liqheat_nautilus.actor import LiquidationMapActor, LiquidationMapActorConfig
from liqheat_nautilus.data import TakerVolume
from tests.small_backtest import BAR_TYPE, MINUTE, T0, small_backtest

BINANCE = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
OKX = InstrumentId.from_str("BTC-USDT-SWAP.OKX")
OTHER = InstrumentId.from_str("ETHUSDT-PERP.BINANCE")


def _actor(**kwargs) -> LiquidationMapActor:
    config = LiquidationMapActorConfig(
        instrument_id=BINANCE, bar_type=BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"), **kwargs)
    actor = LiquidationMapActor(config)
    actor.map = LiquidationMap(MapParams(bin_size=10.0, n_bins=400))
    actor.map.update_raw(100_100.0, 99_900.0, 100_000.0, 1.0, 1)
    return actor


def _oi(instrument, usd, ts, venue):
    return OpenInterest(instrument_id=instrument, venue=venue, open_interest_usd=usd, ts_event=ts, ts_init=ts)


def _feed_oi(actor, *readings):
    """Feed readings through the data path, then an input of a later time, which releases what is held back."""
    for reading in readings:
        actor.on_data(reading)
    later = max(r.ts_event for r in readings) + 1
    actor.on_data(TakerVolume(instrument_id=BINANCE, buy_usd=0.0, sell_usd=0.0, period_secs=60, ts_event=later,
                              ts_init=later))


def test_sum_over_venues_waits_for_every_venue_and_ignores_others():
    actor = _actor(oi_instrument_ids=["BTCUSDT-PERP.BINANCE", "BTC-USDT-SWAP.OKX"])
    _feed_oi(actor, _oi(BINANCE, 8e9, 10, "BINANCE"))
    assert math.isnan(actor.map.open_interest_usd)  # OKX has not reported yet
    _feed_oi(actor, _oi(OTHER, 1e9, 12, "BINANCE"))  # another instrument: ignored
    _feed_oi(actor, _oi(OKX, 3e9, 14, "OKX"))
    assert actor.map.open_interest_usd == pytest.approx(11e9)
    # the first sum seeds the map: 11e9 USD at 100,000 = 110,000 base units, split between the sides
    assert sum(actor.map.engine.side_units()) == pytest.approx(110_000.0, rel=1e-9)
    opened = actor.map.engine.ledger.opened
    _feed_oi(actor, _oi(BINANCE, 8.5e9, 20, "BINANCE"))
    assert actor.map.open_interest_usd == pytest.approx(11.5e9)
    # +0.5e9 USD = 5,000 base units more, opened at the price 100,000 (no bar since the seed)
    assert sum(actor.map.engine.side_units()) == pytest.approx(115_000.0, rel=1e-9)
    assert actor.map.engine.ledger.opened - opened == pytest.approx(0.5e9, rel=1e-6)


def test_handle_open_interest_of_an_unconfigured_instrument_is_ignored_and_missing_inputs_names_the_absent():
    actor = _actor(oi_instrument_ids=["BTCUSDT-PERP.BINANCE", "BTC-USDT-SWAP.OKX"])
    actor.handle_open_interest(_oi(OTHER, 1e9, 10, "BINANCE"))  # called directly: not filtered by on_data
    assert math.isnan(actor.oi_book.latest("ETHUSDT-PERP.BINANCE")) and math.isnan(actor.map.open_interest_usd)
    actor.handle_open_interest(_oi(BINANCE, 8e9, 11, "BINANCE"))
    assert actor.oi_book.latest("BTCUSDT-PERP.BINANCE") == 8e9
    assert math.isnan(actor.map.open_interest_usd)  # OKX has not reported yet
    missing = actor.missing_inputs()
    assert len(missing) == 1 and "no OpenInterest of BTC-USDT-SWAP.OKX arrived" in missing[0]


def test_default_is_the_instruments_own_open_interest():
    actor = _actor()
    _feed_oi(actor, _oi(OKX, 3e9, 5, "OKX"))
    assert math.isnan(actor.map.open_interest_usd)
    _feed_oi(actor, _oi(BINANCE, 8e9, 7, "BINANCE"))
    assert actor.map.open_interest_usd == pytest.approx(8e9)


def test_stale_venue_holds_updates_back():
    actor = _actor(oi_instrument_ids=["BTCUSDT-PERP.BINANCE", "BTC-USDT-SWAP.OKX"], oi_max_age_secs=3600)
    hour = 3_600_000_000_000
    _feed_oi(actor, _oi(BINANCE, 8e9, hour, "BINANCE"), _oi(OKX, 3e9, hour, "OKX"))
    assert actor.map.open_interest_usd == pytest.approx(11e9)
    _feed_oi(actor, _oi(BINANCE, 9e9, 3 * hour, "BINANCE"))  # OKX's report is now two hours old
    assert actor.map.open_interest_usd == pytest.approx(11e9)
    _feed_oi(actor, _oi(OKX, 3e9, 3 * hour + 2, "OKX"))
    assert actor.map.open_interest_usd == pytest.approx(12e9)


def test_a_reading_is_applied_after_the_inputs_of_its_own_time_whatever_their_arrival_order():
    # SYNTHETIC: the account ratio of the reading's own time (longs / shorts = 3) arrives after the reading
    from liqheat_nautilus.data import LongShortRatio

    def ratio(value, ts):
        return LongShortRatio(instrument_id=BINANCE, ratio=value, kind="accounts", period_secs=3600, ts_event=ts,
                              ts_init=ts)

    actor = _actor(map_params_extra={"side_split": "ratio"})
    actor.on_data(_oi(BINANCE, 8e9, 10, "BINANCE"))
    assert math.isnan(actor.map.open_interest_usd)  # held back: an input of its own time may still come
    actor.on_data(ratio(3.0, 10))
    actor.on_stop()  # the end releases it (as would any later input)
    long_units, short_units = actor.map.engine.side_units()
    assert long_units / (long_units + short_units) == pytest.approx(0.75, rel=1e-9)  # r / (1 + r), not 0.5
    # a ratio of a later time arrives after the next reading: the reading goes first, with the ratio it knew
    actor.on_data(_oi(BINANCE, 8e9, 20, "BINANCE"))
    actor.on_data(ratio(1.0, 21))
    long_units, short_units = actor.map.engine.side_units()
    assert long_units / (long_units + short_units) == pytest.approx(0.75, rel=1e-9)


def test_map_params_extra_reaches_the_engine_and_rejects_unknown_fields():
    bar_type = BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL")
    config = LiquidationMapActorConfig(instrument_id=BINANCE, bar_type=bar_type,
                                       map_params_extra={"entry_mode": "vwap", "cluster_max_gap": 3})
    params = config.map_params()
    assert params.entry_mode == "vwap" and params.cluster_max_gap == 3
    with pytest.raises(ValueError, match="bin_wdith"):  # rejected when the config is built, not mid-run
        LiquidationMapActorConfig(instrument_id=BINANCE, bar_type=bar_type, map_params_extra={"bin_wdith": 1})


def test_trades_mode_without_trade_ticks_is_rejected_at_construction():
    bar_type = BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL")
    for selection, threshold in (("gross_value", 0.5), ("top_n", 5.0), ("portion", 0.5)):
        extra = {"entry_mode": "trades", "trade_selection": selection, "trade_threshold": threshold}
        with pytest.raises(ValueError, match="subscribe_trade_ticks"):
            LiquidationMapActorConfig(instrument_id=BINANCE, bar_type=bar_type, map_params_extra=extra)
        config = LiquidationMapActorConfig(instrument_id=BINANCE, bar_type=bar_type, map_params_extra=extra,
                                           subscribe_trade_ticks=True)
        assert config.map_params().entry_mode == "trades"


def test_map_profile_fields_reach_the_engine_and_extra_wins(tmp_path):
    from liqheat_nautilus.core.profile import dump_profile

    bar_type = BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL")
    path = dump_profile(tmp_path / "p.toml", {"leverage_model": "normal", "leverage_mean": 30.0, "leverage_std": 9.0,
                                              "half_life_hours": 12.0, "leveraged_share": 0.4}, {"note": "synthetic"})
    config = LiquidationMapActorConfig(instrument_id=BINANCE, bar_type=bar_type, map_profile=str(path),
                                       half_life_hours=99.0, map_params_extra={"leveraged_share": 0.5})
    params = config.map_params()
    assert (params.leverage_model, params.leverage_mean, params.leverage_std) == ("normal", 30.0, 9.0)
    assert params.half_life_hours == 12.0  # the profile replaces the config's own fields
    assert params.leveraged_share == 0.5  # map_params_extra is applied last
    with pytest.raises(ValueError, match="nope.toml"):
        LiquidationMapActorConfig(instrument_id=BINANCE, bar_type=bar_type, map_profile=str(tmp_path / "nope.toml"))


def test_a_profile_inverse_true_over_a_linear_instrument_is_refused_not_dropped(tmp_path):
    # the actor took the instrument's contract silently (a backtest ran as if the profile said nothing) while
    # plot --backtest-file refused the same file: a linear instrument with inverse = true is now refused by name
    from liqheat_nautilus.core.profile import dump_profile

    bar_type = BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL")
    path = dump_profile(tmp_path / "inv.toml", {"inverse": True, "half_life_hours": 12.0}, {})
    config = LiquidationMapActorConfig(instrument_id=BINANCE, bar_type=bar_type, map_profile=str(path))
    with pytest.raises(ValueError, match=r"map_profile .*inv\.toml: inverse = true contradicts the instrument "
                                         r"BTCUSDT-PERP\.BINANCE, which is linear"):
        config.map_params(inverse=False, inverse_known=True)
    assert config.map_params(inverse=True, inverse_known=True).inverse  # an inverse instrument: consistent
    extra = LiquidationMapActorConfig(instrument_id=BINANCE, bar_type=bar_type, map_params_extra={"inverse": True})
    with pytest.raises(ValueError, match="map_params_extra: inverse = true contradicts"):
        extra.map_params(inverse=False, inverse_known=True)


# -- small BacktestEngine runs ------------------------------------------------------------------------------------

_backtest = small_backtest


def _tick(price: str, size: str, seller_taker: bool, ts: int):
    from nautilus_trader.model.data import TradeTick
    from nautilus_trader.model.enums import AggressorSide
    from nautilus_trader.model.identifiers import TradeId
    from nautilus_trader.model.objects import Price, Quantity

    side = AggressorSide.SELLER if seller_taker else AggressorSide.BUYER
    return TradeTick(BINANCE, Price.from_str(price), Quantity.from_str(size), side, TradeId(str(ts)), ts, ts)


@pytest.mark.parametrize(("selection", "threshold"), [("gross_value", 1_500.0), ("top_n", 1.0), ("portion", 0.5)])
def test_trades_mode_opens_positions_inside_a_backtest(selection, threshold):
    # between the bars of minutes 1 and 2: buyer takers 20 and 5 at 100, seller takers 10 and 2 at 101. Every
    # selection keeps the largest of each side (gross_value >= 1,500 USD: the long only): a 2,000 USD long
    # liquidated at 90 (simple 10x) and a 1,010 USD short at 111.1; top_n/portion select when the bar of
    # minute 2 ends the batch (they opened 0 USD inside Nautilus before)
    ticks = [_tick(p, q, seller, T0 + MINUTE + (i + 1) * 1_000_000_000)
             for i, (p, q, seller) in enumerate([("100.00", "20.000", False), ("100.00", "5.000", False),
                                                 ("101.00", "10.000", True), ("101.00", "2.000", True)])]
    config = LiquidationMapActorConfig(
        instrument_id=BINANCE, bar_type=BAR_TYPE, subscribe_trade_ticks=True, publish_interval_secs=60,
        model="simple", leverage_weights={"10": 1.0}, bin_size=0.5, n_bins=400,
        map_params_extra={"entry_mode": "trades", "trade_selection": selection, "trade_threshold": threshold})
    engine, actor = _backtest(config, trades=ticks)
    try:
        liq = actor.map
        edges = liq.bin_edges
        longs = {float(edges[k]): float(v) for k, v in enumerate(liq.long_usd) if v > 0.0}
        shorts = {float(edges[k]): float(v) for k, v in enumerate(liq.short_usd) if v > 0.0}
        assert longs == {90.0: pytest.approx(2_000.0)}
        assert shorts == ({} if selection == "gross_value" else {111.0: pytest.approx(1_010.0)})
        assert actor.snapshots_published > 0 and actor.last_snapshot.long_liquidation_usd == pytest.approx(2_000.0)
    finally:
        engine.dispose()


@pytest.mark.parametrize(("skew", "long_units"), [(0.0, 7_500.0), (1.0, 9_000.0)])
def test_long_short_ratio_and_open_interest_through_a_backtest(skew, long_units):
    # SYNTHETIC: open interest 1e6 USD (10,000 base at 100) after minute 1 seeds the map half and half (no ratio
    # yet); a long/short ratio of 3 (long share 0.75) and taker volume buy 30 / sell 10 (imbalance 0.5) arrive
    # after minute 2; the next reading (same open interest, after minute 3) gives the long side
    # 0.75·1.5 / (0.75·1.5 + 0.25·0.5) = 0.9 with taker_share_skew 1 (0.75 without the taker volume)
    from nautilus_trader.model.data import CustomData, DataType

    from liqheat_nautilus.data import LongShortRatio, TakerVolume

    meta = {"instrument_id": BINANCE.value}
    oi = [CustomData(DataType(OpenInterest, metadata=meta), _oi(BINANCE, 1e6, T0 + m * MINUTE + 1, "BINANCE"))
          for m in (1, 3)]
    ratio = LongShortRatio(instrument_id=BINANCE, ratio=3.0, kind="accounts", period_secs=300,
                           ts_event=T0 + 2 * MINUTE + 1, ts_init=T0 + 2 * MINUTE + 1)
    taker = TakerVolume(instrument_id=BINANCE, buy_usd=30.0, sell_usd=10.0, period_secs=60,
                        ts_event=T0 + 2 * MINUTE + 2, ts_init=T0 + 2 * MINUTE + 2)
    custom = [*oi, CustomData(DataType(LongShortRatio, metadata=meta), ratio),
              CustomData(DataType(TakerVolume, metadata=meta), taker)]
    config = LiquidationMapActorConfig(instrument_id=BINANCE, bar_type=BAR_TYPE, publish_interval_secs=60,
                                       model="simple", leverage_weights={"10": 1.0}, bin_size=0.5, n_bins=400,
                                       map_params_extra={"side_split": "ratio", "taker_share_skew": skew})
    engine, actor = _backtest(config, custom=custom)
    try:
        engine_map = actor.map.engine
        assert engine_map.long_short_ratio == 3.0
        assert engine_map.side_units() == (pytest.approx(long_units), pytest.approx(10_000.0 - long_units))
        assert actor.last_snapshot.long_liquidation_usd == pytest.approx(100.0 * long_units)
        assert actor.last_snapshot.short_liquidation_usd == pytest.approx(100.0 * (10_000.0 - long_units))
    finally:
        engine.dispose()


def test_only_the_configured_ratio_kind_reaches_the_map():
    from liqheat_nautilus.actor import LiquidationMapActor, LiquidationMapActorConfig
    from liqheat_nautilus.data import LongShortRatio
    from liqheat_nautilus.indicator import LiquidationMap

    iid = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
    config = LiquidationMapActorConfig(instrument_id=iid, bar_type=BarType.from_str(
        "BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"), long_short_ratio_kind="top_trader_positions")
    actor = LiquidationMapActor(config)
    actor.map = LiquidationMap(config.map_params())
    for kind, ratio in (("accounts", 3.0), ("top_trader_positions", 1.5), ("top_trader_accounts", 0.5)):
        actor.on_data(LongShortRatio(instrument_id=iid, ratio=ratio, kind=kind, period_secs=300, ts_event=1,
                                     ts_init=1))
    assert actor.map.engine.long_short_ratio == 1.5
    with pytest.raises(ValueError, match="long_short_ratio_kind 'bogus' is not one of"):
        LiquidationMapActorConfig(instrument_id=iid, bar_type=config.bar_type, long_short_ratio_kind="bogus")


def test_the_warmups_last_bar_arriving_again_from_the_stream_is_fed_once():
    # SYNTHETIC bars: a run that starts late gets its first bar in the warm-up history and again from the stream
    from nautilus_trader.model.data import Bar
    from nautilus_trader.model.objects import Price, Quantity

    actor = _actor()

    def bar(ts, close):
        return Bar(actor.config.bar_type, Price.from_str(f"{close:.1f}"), Price.from_str(f"{close + 10:.1f}"),
                   Price.from_str(f"{close - 10:.1f}"), Price.from_str(f"{close:.1f}"), Quantity.from_str("5"),
                   ts, ts)

    first = bar(60, 100_000.0)
    actor.on_historical_data(first)  # not warming: fed at once, in time order
    held = len(actor.map.engine.bars)
    actor.on_bar(first)
    assert len(actor.map.engine.bars) == held
    actor.on_bar(bar(120, 100_050.0))
    assert len(actor.map.engine.bars) == held + 1
