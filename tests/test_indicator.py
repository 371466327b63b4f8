"""LiquidationMap indicator on a small labelled SYNTHETIC case with hand-computed liquidation prices and bins.

Setup (synthetic): bin width 1.0, isolated_mmr model with MMR 0.005, tiers 10x and 25x weighted 50/50, equal
long/short split, no holding-time closing, the seed at the current price. Bar (H 101, L 99, C 100, V 10); the
first open interest, 1,000 USD = 10 base units, seeds 5 base units per side at 100 (500 USD per side). Flat bars
(100, V 1) and (103, V 3): volume weights 1/4 and 3/4; OI 20 base units -> 5 more base units per side, placed at
the bars by volume: ``OPENED = 5 / (0.25/100 + 0.75/103)`` USD per side (no later bar reaches any level).
Binance isolated formula: long EP(1 - 1/L)/(1 - MMR), short EP(1 + 1/L)/(1 + MMR).
"""

import math

import numpy as np
import pytest
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Price, Quantity

from liqheat_nautilus import LiquidationMap, MapParams
from liqheat_nautilus.core.kernels import STATUS_ACTIVE, STATUS_CLEARED, STATUS_PARTIAL
from liqheat_nautilus.data import LongShortRatio, TakerVolume

SEED = 500.0  # USD per side at entry 100
OPENED = 5.0 / (0.25 / 100.0 + 0.75 / 103.0)  # 511.17 USD per side
IID = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")

# (entry, leverage, side) -> hand-computed liquidation price and its bin's lower edge
EXPECTED = {
    (100, 10, "long"): 90 / 0.995,  # 90.4523 -> bin 90
    (100, 25, "long"): 96 / 0.995,  # 96.4824 -> bin 96
    (103, 10, "long"): 92.7 / 0.995,  # 93.1658 -> bin 93
    (103, 25, "long"): 98.88 / 0.995,  # 99.3769 -> bin 99
    (100, 10, "short"): 110 / 1.005,  # 109.4527 -> bin 109
    (100, 25, "short"): 104 / 1.005,  # 103.4826 -> bin 103
    (103, 10, "short"): 113.3 / 1.005,  # 112.7363 -> bin 112
    (103, 25, "short"): 107.12 / 1.005,  # 106.5871 -> bin 106
}
# USD at each entry per side after the second reading
AT_ENTRY = {100: SEED + 0.25 * OPENED, 103: 0.75 * OPENED}


def _params(**kw) -> MapParams:
    base = dict(model="isolated_mmr", mmr=0.005, tiers=(10.0, 25.0), leverage_profile={10.0: 0.5, 25.0: 0.5},
                bin_size=1.0, n_bins=200, side_split="equal", half_life_hours=0.0, seed_lookback_hours=0.0)
    base.update(kw)
    return MapParams(**base)


def _map() -> LiquidationMap:
    liq = LiquidationMap(_params())
    liq.update_raw(101.0, 99.0, 100.0, 10.0, 1)
    assert not liq.initialized
    assert liq.update_open_interest_raw(1_000.0, 1) == pytest.approx(2 * SEED)  # the seed: the whole OI
    assert liq.initialized
    liq.update_raw(100.0, 100.0, 100.0, 1.0, 2)
    liq.update_raw(103.0, 103.0, 103.0, 3.0, 3)
    return liq


def _bin_totals(liq: LiquidationMap, side: str) -> dict[int, float]:
    values = liq.long_usd if side == "long" else liq.short_usd
    edges = liq.bin_edges
    return {int(round(edges[k])): float(values[k]) for k in range(values.size) if values[k] > 0}


def test_open_interest_places_hand_computed_bins():
    liq = _map()
    opened = liq.update_open_interest_raw(2_000.0, 3, oi_base=20.0)
    assert opened == pytest.approx(2 * OPENED)
    assert liq.engine.side_units() == (pytest.approx(10.0), pytest.approx(10.0))
    for side in ("long", "short"):
        expected: dict[int, float] = {}
        for (entry, _lev, s), lp in EXPECTED.items():
            if s == side:
                expected[math.floor(lp)] = expected.get(math.floor(lp), 0.0) + AT_ENTRY[entry] * 0.5
        assert _bin_totals(liq, side) == pytest.approx(expected)


def test_engine_liquidation_prices_match_the_formula():
    liq = _map()
    long_lp, _ = liq.engine.liquidation_prices(np.array([100.0, 103.0]), +1)
    short_lp, _ = liq.engine.liquidation_prices(np.array([100.0, 103.0]), -1)
    for i, entry in enumerate((100, 103)):
        for j, lev in enumerate((10, 25)):
            assert long_lp[i, j, 0] == pytest.approx(EXPECTED[(entry, lev, "long")], rel=1e-12)
            assert short_lp[i, j, 0] == pytest.approx(EXPECTED[(entry, lev, "short")], rel=1e-12)


def test_price_sweeps_clear_and_partially_clear_bins():
    liq = _map()
    liq.update_open_interest_raw(2_000.0, 3, oi_base=20.0)
    assert liq.engine.take_swept() == (0.0, 0.0)
    # low 98.5 passes through long bin 99 (cleared); high 103.2 enters short bin 103 by 20 % (partial)
    liq.update_raw(103.2, 98.5, 99.0, 1.0, 4)
    swept_long, swept_short = liq.engine.take_swept()
    assert swept_long == pytest.approx(AT_ENTRY[103] * 0.5)
    assert swept_short == pytest.approx(AT_ENTRY[100] * 0.5 * 0.2)
    long_status, short_status = liq.engine.bin_status()
    edges = liq.bin_edges
    k99 = int(round(99 - edges[0]))
    k103 = int(round(103 - edges[0]))
    k96 = int(round(96 - edges[0]))
    assert long_status[k99] == STATUS_CLEARED
    assert short_status[k103] == STATUS_PARTIAL
    assert long_status[k96] == STATUS_ACTIVE
    assert liq.short_usd[k103] == pytest.approx(AT_ENTRY[100] * 0.5 * 0.8)


def test_open_interest_decrease_closes_pro_rata():
    liq = _map()
    liq.update_open_interest_raw(2_000.0, 3, oi_base=20.0)
    long_before = liq.long_usd.copy()
    # 15 base units: each side holds 7.5 of its 10, so a quarter of each side is closed
    assert liq.update_open_interest_raw(1_545.0, 4, oi_base=15.0) == 0.0
    assert liq.long_usd == pytest.approx(long_before * 0.75)
    assert liq.engine.ledger.closed == pytest.approx(0.25 * 2 * (SEED + OPENED))


def test_handle_bar_unpacks_nautilus_bars():
    bar_type = BarType.from_str("SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL")
    liq = LiquidationMap(MapParams(bin_size=1.0, n_bins=100))
    bar = Bar(bar_type, Price.from_str("100.00"), Price.from_str("101.00"), Price.from_str("99.00"),
              Price.from_str("100.50"), Quantity.from_str("7.00"), 60, 60)
    liq.handle_bar(bar)
    assert liq.has_inputs
    assert liq.price == 100.5
    assert liq.engine.bars.array()[:, 3].tolist() == [7.0]  # the bar's volume, recorded


def test_an_older_bar_handed_by_nautilus_is_dropped_and_counted():
    # Nautilus feeds requested history to registered indicators, possibly after live bars (SYNTHETIC bars)
    bar_type = BarType.from_str("SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL")
    liq = LiquidationMap(MapParams(bin_size=1.0, n_bins=100))

    def bar(close: str, ts: int) -> Bar:
        return Bar(bar_type, Price.from_str(close), Price.from_str("101.00"), Price.from_str("99.00"),
                   Price.from_str(close), Quantity.from_str("7.00"), ts, ts)

    liq.handle_bar(bar("100.50", 120))
    liq.handle_bar(bar("99.50", 60))  # older: dropped, the map unchanged
    assert liq.price == 100.5 and liq.bars_dropped == 1 and len(liq.engine.bars) == 1
    with pytest.raises(ValueError, match="older than the bar fed before it"):  # the numbers API says so
        liq.update_raw(101.0, 99.0, 99.5, 7.0, 60)
    liq.reset()
    assert liq.bars_dropped == 0


def test_update_raw_refuses_a_float_time_after_integer_ones():
    # the engine checks the first bar's time only (its per-bar path stays as fast); the numbers API checks each one
    liq = LiquidationMap(MapParams(bin_size=1.0, n_bins=100))
    liq.update_raw(101.0, 99.0, 100.0, 7.0, 60)
    with pytest.raises(ValueError, match=r"^bar: ts_ns must be an integer time \(UNIX ns\), was 1\.7e\+18$"):
        liq.update_raw(101.0, 99.0, 100.0, 7.0, 1.7e18)
    assert liq.engine.last_bar_ns == 60 and len(liq.engine.bars) == 1  # unchanged
    with pytest.raises(ValueError, match="ts_ns must be an integer time"):
        liq.update_trade_raw(100.0, 120.0, 1.0)
    liq.update_raw(101.0, 99.0, 100.0, 7.0, np.int64(120))  # numpy integers are times
    assert liq.engine.last_bar_ns == 120


def test_reset_empties_the_map():
    liq = _map()
    liq.update_open_interest_raw(2_000.0, 3, oi_base=20.0)
    liq.reset()
    assert not liq.initialized and not liq.has_inputs
    assert liq.bin_edges.size == 0


def _trade(price: str, size: str, seller_taker: bool, ts: int):
    from nautilus_trader.model.data import TradeTick
    from nautilus_trader.model.enums import AggressorSide
    from nautilus_trader.model.identifiers import TradeId

    side = AggressorSide.SELLER if seller_taker else AggressorSide.BUYER
    return TradeTick(InstrumentId.from_str("BTCUSD-PERP.BINANCE"), Price.from_str(price), Quantity.from_str(size),
                     side, TradeId(str(ts)), ts, ts)


def test_trade_ticks_feed_taker_volume_in_base_units_for_inverse_contracts():
    # SYNTHETIC: 3 inverse contracts of 100 USD at 50,000 = 0.006 BTC = 300 USD gross, seller taker
    liq = LiquidationMap(MapParams(bin_size=100.0, n_bins=100, inverse=True), contract_multiplier=100.0)
    liq.handle_trade_tick(_trade("50000.0", "3", True, 1))
    liq.handle_trade_tick(_trade("50000.0", "1", False, 2))
    assert liq.engine.bars.taker_sell == pytest.approx(300.0)
    assert liq.engine.bars.taker_buy == pytest.approx(100.0)
    assert liq.price == 50_000.0


def test_trades_mode_opens_positions_on_the_taker_side_from_trade_ticks():
    # SYNTHETIC: linear, gross-value threshold 1,000 USD; a buyer-taker trade of
    # 20 units x 100 = 2,000 USD >= threshold -> a long at 100 liquidated at 100(1 - 1/10) = 90 (simple model)
    params = MapParams(model="simple", tiers=(10.0,), leverage_profile={10.0: 1.0}, entry_mode="trades",
                       trade_threshold=1_000.0, bin_size=1.0, n_bins=200)
    liq = LiquidationMap(params)
    liq.update_raw(100.5, 99.5, 100.0, 1.0, 1)
    liq.handle_trade_tick(_trade("100.0", "20", False, 2))
    liq.handle_trade_tick(_trade("100.0", "5", False, 3))  # 500 USD: below the threshold
    totals = _bin_totals(liq, "long")
    assert totals == pytest.approx({90: 2_000.0})
    assert _bin_totals(liq, "short") == {}


def test_funding_rates_between_funding_times_are_not_settled():
    from nautilus_trader.model.identifiers import InstrumentId

    from liqheat_nautilus.data import FundingRate

    iid = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
    hour = 3_600_000_000_000
    liq = LiquidationMap(MapParams(bin_size=1.0, n_bins=100))
    calls = []
    liq.update_funding_raw = lambda rate, ts, settled=True: calls.append(settled)  # observe the adapter only
    liq.handle_funding_rate(FundingRate(instrument_id=iid, rate=1e-4, interval_hours=8.0, next_funding_ns=16 * hour,
                                        ts_event=8 * hour, ts_init=8 * hour))  # a record at its funding time
    liq.handle_funding_rate(FundingRate(instrument_id=iid, rate=1e-4, interval_hours=8.0, next_funding_ns=16 * hour,
                                        ts_event=13 * hour, ts_init=13 * hour))  # predicted, mid-interval
    liq.handle_funding_rate(FundingRate(instrument_id=iid, rate=1e-4, ts_event=5, ts_init=5))  # next unknown
    assert calls == [True, False, True]


@pytest.mark.parametrize(("selection", "threshold"), [("gross_value", 1_500.0), ("top_n", 1.0), ("portion", 0.5)])
def test_trades_mode_selections_open_positions_through_trade_ticks(selection, threshold):
    # SYNTHETIC: two buyer-taker trades (20 and 5 units at 100) and two seller-taker trades (10 and 2 at 101),
    # fed tick by tick, then a bar that ends the batch: every selection keeps the largest trade of each side
    # (gross 2,000 -> long at 90; 1,010 -> short at 111.1; gross_value: >= 1,500 USD keeps the long only)
    params = MapParams(model="simple", tiers=(10.0,), leverage_profile={10.0: 1.0}, entry_mode="trades",
                       trade_selection=selection, trade_threshold=threshold, bin_size=0.5, n_bins=400)
    liq = LiquidationMap(params)
    liq.update_raw(100.5, 99.5, 100.0, 1.0, 1)
    for i, (price, size, seller) in enumerate([("100.0", "20", False), ("100.0", "5", False), ("101.0", "10", True),
                                                ("101.0", "2", True)]):
        liq.handle_trade_tick(_trade(price, size, seller, 10 + i))
    liq.update_raw(101.0, 99.9, 100.5, 1.0, 60_000_000_000)  # the bar ends the batch (top_n / portion)
    assert liq.initialized
    assert _bin_totals(liq, "long") == pytest.approx({90: 2_000.0})
    assert _bin_totals(liq, "short") == ({} if selection == "gross_value" else {111: pytest.approx(1_010.0)})


def test_positioning_data_reach_the_engine():
    liq = LiquidationMap(_params(side_split="ratio", taker_share_skew=1.0))
    liq.handle_long_short_ratio(LongShortRatio(instrument_id=IID, ratio=3.0, kind="accounts", period_secs=300,
                                               ts_event=1, ts_init=1))
    liq.handle_taker_volume(TakerVolume(instrument_id=IID, buy_usd=300.0, sell_usd=100.0, period_secs=300,
                                        ts_event=1, ts_init=1))
    assert liq.engine.long_short_ratio == 3.0
    assert (liq.engine.bars.taker_buy, liq.engine.bars.taker_sell) == (300.0, 100.0)
    liq.update_raw(100.0, 100.0, 100.0, 1.0, 2)
    liq.update_open_interest_raw(1_000.0, 2, oi_base=10.0)
    # ratio 3: 0.75; taker imbalance 0.5 with skew 1: 0.75·1.5 / (0.75·1.5 + 0.25·0.5) = 0.9
    assert liq.engine.side_units() == (pytest.approx(9.0), pytest.approx(1.0))
