"""Summing open interest over several instruments with ``oi_instrument_ids``, as the actor's config documents it.
SYNTHETIC readings."""

import math

import pytest
from nautilus_trader.model.data import BarType
from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus import LiquidationMap, MapParams, OpenInterest
from liqheat_nautilus.actor import LiquidationMapActor, LiquidationMapActorConfig
from liqheat_nautilus.data import TakerVolume

USDM = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
COINM = InstrumentId.from_str("BTCUSD-PERP.BINANCE")


def _oi(instrument: InstrumentId, usd: float, ts: int) -> OpenInterest:
    return OpenInterest(instrument_id=instrument, venue="BINANCE", open_interest_usd=usd, ts_event=ts, ts_init=ts)


def test_two_instruments_of_one_venue_are_summed_not_overwritten():
    # USD-M and COIN-M BTC perpetuals are both on BINANCE (Coinglass' aggregate open interest sums them). The book
    # was keyed by venue, so each reading replaced the other: the map scaled to 3e9, then 8.5e9, never the sum
    config = LiquidationMapActorConfig(
        instrument_id=USDM, bar_type=BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"),
        oi_instrument_ids=[USDM.value, COINM.value])
    actor = LiquidationMapActor(config)
    actor.map = LiquidationMap(MapParams(bin_size=10.0, n_bins=400))
    actor.map.update_raw(100_100.0, 99_900.0, 100_000.0, 1.0, 1)
    for reading in (_oi(USDM, 8e9, 10), _oi(COINM, 3e9, 11), _oi(USDM, 8.5e9, 20)):
        actor.on_data(reading)
        release = reading.ts_event + 1  # an input of a later time releases the held reading
        actor.on_data(TakerVolume(instrument_id=USDM, buy_usd=0.0, sell_usd=0.0, period_secs=60, ts_event=release,
                                  ts_init=release))
        if reading.ts_event == 10:
            assert math.isnan(actor.map.open_interest_usd)  # COIN-M has not reported yet
    assert actor.map.open_interest_usd == pytest.approx(11.5e9)


@pytest.mark.parametrize("ids", [[USDM.value, COINM.value, USDM.value], [USDM, USDM.value]])
def test_an_instrument_listed_twice_is_refused_when_the_config_is_made(ids):
    # the sum waits for every listed instrument; one listed twice was accepted and the map then never updated
    with pytest.raises(ValueError, match=r"oi_instrument_ids lists BTCUSDT-PERP\.BINANCE more than once"):
        LiquidationMapActorConfig(instrument_id=USDM,
                                  bar_type=BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"),
                                  oi_instrument_ids=ids)
