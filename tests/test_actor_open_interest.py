"""The actor sums the latest open interest over the configured venues before it moves the map (SYNTHETIC values)."""

import math

import pytest
from nautilus_trader.model.data import BarType
from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus import LiquidationMap, MapParams, OpenInterest
from liqheat_nautilus.actor import LiquidationMapActor, LiquidationMapActorConfig

BINANCE = InstrumentId.from_str("BTCUSDT.BINANCE")
OKX = InstrumentId.from_str("BTC-USDT-SWAP.OKX")
OTHER = InstrumentId.from_str("ETHUSDT.BINANCE")


def _actor(**kwargs) -> LiquidationMapActor:
    config = LiquidationMapActorConfig(instrument_id=BINANCE,
                                       bar_type=BarType.from_str("BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL"), **kwargs)
    actor = LiquidationMapActor(config)
    actor.map = LiquidationMap(MapParams(bin_size=10.0, n_bins=400))
    actor.map.update_raw(100_100.0, 99_900.0, 100_000.0, 1.0, 1)
    return actor


def _oi(instrument, usd, ts, venue):
    return OpenInterest(instrument_id=instrument, venue=venue, open_interest_usd=usd, ts_event=ts, ts_init=ts)


def test_sum_over_venues_waits_for_every_venue_and_ignores_others():
    actor = _actor(oi_instrument_ids=["BTCUSDT.BINANCE", "BTC-USDT-SWAP.OKX"])
    actor.on_data(_oi(BINANCE, 8e9, 10, "BINANCE"))
    assert math.isnan(actor.map.open_interest_usd)  # OKX has not reported yet
    actor.on_data(_oi(OTHER, 1e9, 11, "BINANCE"))  # another instrument: ignored
    actor.on_data(_oi(OKX, 3e9, 12, "OKX"))
    assert actor.map.open_interest_usd == pytest.approx(11e9)
    actor.on_data(_oi(BINANCE, 8.5e9, 20, "BINANCE"))
    assert actor.map.open_interest_usd == pytest.approx(11.5e9)
    # +0.5e9 USD of new positions at price 100,000 on each side
    assert actor.map.engine.ledger.opened == pytest.approx(2 * 0.5e9)


def test_default_is_the_instruments_own_open_interest():
    actor = _actor()
    actor.on_data(_oi(OKX, 3e9, 5, "OKX"))
    assert math.isnan(actor.map.open_interest_usd)
    actor.on_data(_oi(BINANCE, 8e9, 6, "BINANCE"))
    assert actor.map.open_interest_usd == pytest.approx(8e9)


def test_stale_venue_holds_updates_back():
    actor = _actor(oi_instrument_ids=["BTCUSDT.BINANCE", "BTC-USDT-SWAP.OKX"], oi_max_age_secs=3600)
    hour = 3_600_000_000_000
    actor.on_data(_oi(BINANCE, 8e9, hour, "BINANCE"))
    actor.on_data(_oi(OKX, 3e9, hour, "OKX"))
    assert actor.map.open_interest_usd == pytest.approx(11e9)
    actor.on_data(_oi(BINANCE, 9e9, 3 * hour, "BINANCE"))  # OKX's report is now two hours old
    assert actor.map.open_interest_usd == pytest.approx(11e9)
    actor.on_data(_oi(OKX, 3e9, 3 * hour, "OKX"))
    assert actor.map.open_interest_usd == pytest.approx(12e9)


def test_map_params_extra_reaches_the_engine_and_rejects_unknown_fields():
    bar_type = BarType.from_str("BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL")
    config = LiquidationMapActorConfig(instrument_id=BINANCE, bar_type=bar_type,
                                       map_params_extra={"entry_mode": "vwap", "cluster_max_gap": 3})
    params = config.map_params()
    assert params.entry_mode == "vwap" and params.cluster_max_gap == 3
    bad = LiquidationMapActorConfig(instrument_id=BINANCE, bar_type=bar_type, map_params_extra={"bin_wdith": 1})
    with pytest.raises(ValueError, match="bin_wdith"):
        bad.map_params()
