"""Round trips of every custom data type through ParquetDataCatalog, and the FundingRateUpdate conversion."""

import math
from decimal import Decimal

import pytest
from nautilus_trader.model.data import FundingRateUpdate
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.data import (
    RATIO_KINDS,
    FundingRate,
    LiquidationCluster,
    LiquidationMapBins,
    LiquidationMapSnapshot,
    LongShortRatio,
    OpenInterest,
    TakerVolume,
)

IID = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _examples():
    return [
        [
            OpenInterest(instrument_id=IID, venue="BINANCE", open_interest_usd=8.1e9, open_interest_contracts=1.5,
                         open_interest_base=120_000.5, ts_event=1_000, ts_init=1_001),
            OpenInterest(instrument_id=IID, venue="BYBIT", open_interest_usd=5.0e9, ts_event=2_000, ts_init=2_001),
        ],
        [
            FundingRate(instrument_id=IID, rate=-0.000125, interval_hours=8.0, next_funding_ns=9_000,
                        ts_event=1_000, ts_init=1_000),
            FundingRate(instrument_id=IID, rate=0.0001, interval_hours=4.0, ts_event=5_000, ts_init=5_000),
        ],
        [
            LiquidationCluster(instrument_id=IID, cluster_id=7, side="SHORT", price_level=70_100.5,
                               price_low=70_000.0, price_high=70_200.0, leverage_tier=42.5, notional_usd=3.2e6,
                               liquidation_count=320, strength=0.83, distance_pct=1.25, status="PARTIAL",
                               first_seen=100, last_seen=900, ts_event=900, ts_init=900),
        ],
        [
            LiquidationMapSnapshot(instrument_id=IID, price=69_000.0, total_oi_usd=8e9,
                                   long_liquidation_usd=1e8, short_liquidation_usd=2e8, swept_long_usd=5.0,
                                   swept_short_usd=0.0, magnet_up=3.0, magnet_down=1.0, magnet_net=2.0, bias="UP",
                                   nearest_above_price=70_100.5, nearest_above_usd=3.2e6, nearest_above_id=7,
                                   ts_event=900, ts_init=900),
        ],
        [  # SYNTHETIC positioning data: a Binance-like account ratio and a top-trader position ratio, taker volume
            LongShortRatio(instrument_id=IID, ratio=1.8421, kind="accounts", period_secs=300, ts_event=1_000,
                           ts_init=1_001),
            LongShortRatio(instrument_id=IID, ratio=0.9375, kind="top_trader_positions", period_secs=300,
                           ts_event=301_000, ts_init=301_001),
        ],
        [
            TakerVolume(instrument_id=IID, buy_usd=12_345_678.9, sell_usd=9_876_543.21, period_secs=300,
                        ts_event=1_000, ts_init=1_001),
            TakerVolume(instrument_id=IID, buy_usd=0.0, sell_usd=1.5, period_secs=300, ts_event=301_000,
                        ts_init=301_001),
        ],
    ]


@pytest.mark.parametrize("items", _examples(), ids=lambda items: type(items[0]).__name__)
def test_catalog_round_trip_keeps_every_field(tmp_path, items):
    catalog = ParquetDataCatalog(str(tmp_path))
    catalog.write_data(items)
    cls = type(items[0])
    back = [d.data if hasattr(d, "data") else d for d in catalog.query(cls, identifiers=[IID.value])]
    assert len(back) == len(items)
    for original, restored in zip(items, back, strict=True):
        assert type(restored) is cls
        a, b = original.to_dict(), restored.to_dict()
        assert a.keys() == b.keys()
        for key in a:
            assert _same(a[key], b[key]), key
        assert restored.ts_event == original.ts_event and restored.ts_init == original.ts_init


def test_unknown_optional_values_are_nan_or_zero():
    oi = OpenInterest(instrument_id=IID, venue="OKX", open_interest_usd=1.0)
    assert math.isnan(oi.open_interest_contracts) and math.isnan(oi.open_interest_base)
    assert FundingRate(instrument_id=IID, rate=0.0).next_funding_ns == 0


def test_funding_rate_converts_to_and_from_nautilus_funding_rate_update():
    ours = FundingRate(instrument_id=IID, rate=0.00012345, interval_hours=8.0, next_funding_ns=28_800,
                       ts_event=10, ts_init=11)
    theirs = ours.to_nautilus()
    assert isinstance(theirs, FundingRateUpdate)
    assert theirs.rate == Decimal("0.00012345")
    assert theirs.next_funding_ns == 28_800 and theirs.ts_event == 10 and theirs.ts_init == 11
    back = FundingRate.from_nautilus(theirs, interval_hours=8.0)
    assert back == ours
    unknown_next = FundingRate(instrument_id=IID, rate=0.0, ts_event=1, ts_init=1).to_nautilus()
    assert unknown_next.next_funding_ns is None


def test_custom_data_travels_on_the_message_bus_as_nautilus_data():
    from nautilus_trader.core.data import Data

    for items in _examples():
        assert isinstance(items[0], Data)
        assert type(items[0]).from_bytes(items[0].to_bytes()).to_dict() == pytest.approx(items[0].to_dict(),
                                                                                          nan_ok=True)


def test_positioning_defaults_and_kinds():
    assert RATIO_KINDS == ("accounts", "top_trader_accounts", "top_trader_positions")
    ratio = LongShortRatio(instrument_id=IID, ratio=1.5)
    assert (ratio.kind, ratio.period_secs, ratio.ratio / (1.0 + ratio.ratio)) == ("accounts", 0, pytest.approx(0.6))
    volume = TakerVolume(instrument_id=IID, buy_usd=3.0, sell_usd=1.0)
    assert (volume.buy_usd, volume.sell_usd, volume.period_secs) == (3.0, 1.0, 0)


def test_bins_of_an_empty_map_read_as_zero_rows():
    # a map initialized at 0 open interest publishes bins with n_rows 0: reading them raised "cannot reshape array
    # of size 0 into shape (0,newaxis)" (SYNTHETIC map)
    import numpy as np

    from liqheat_nautilus.core import LiquidationMapEngine

    e = LiquidationMapEngine()
    for i in range(100):
        e.update_bar(101.0, 99.0, 100.0, 10.0, (i + 1) * 60_000_000_000)
    e.update_open_interest(0.0, 6_000_000_000_000)
    bins = LiquidationMapBins.from_arrays(InstrumentId.from_str("X-PERP.T"), e.price, e.grid.width, e.grid.base,
                                          e.tiers, *e.tier_usd(), *e.bin_status(), 1)
    assert bins.n_rows == 0
    assert bins.long_tier_usd().shape == bins.short_tier_usd().shape == (0, e.tiers.size)
    assert bins.lower_edges().shape == (0,) and [s.shape for s in bins.statuses()] == [(0,), (0,)]
    assert np.array_equal(bins.tier_values(), e.tiers)
