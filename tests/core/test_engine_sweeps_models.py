"""Engine: sweeps and bin status, estimated liquidations, re-centring, decay, funding_adjusted, ensemble,
binance_standard per bracket, inverse contracts. Synthetic hand-made inputs (labelled), hand-computed values.
"""

import math

import numpy as np
import pytest

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.core.brackets import BINANCE_BTCUSDT_BRACKETS
from liqheat_nautilus.core.kernels import STATUS_ACTIVE, STATUS_CLEARED, STATUS_PARTIAL

H = 3_600_000_000_000


def make(**kw) -> LiquidationMapEngine:
    base = dict(model="simple", tiers=(10.0,), leverage_profile={10.0: 1.0}, bin_size=1.0, n_bins=1000)
    base.update(kw)
    return LiquidationMapEngine(MapParams(**base))


def opened(engine, price=1000.5, base_units=100.0) -> None:
    """Synthetic: one flat bar at ``price`` and an OI rise of ``base_units`` -> that notional at price·(1∓1/L)."""
    engine.update_bar(price, price, price, 1.0, 1)
    engine.update_open_interest(0.0, 1, oi_base=1000.0)
    engine.update_bar(price, price, price, 1.0, 2)
    engine.update_open_interest(0.0, H, oi_base=1000.0 + base_units)


def test_partial_then_cleared_with_estimated_liquidations():
    e = make()
    opened(e)  # long 100,050 in bin [900, 901), short in [1100, 1101)
    k = e.grid.local_index(900.45)
    e.update_bar(1000.0, 900.75, 1000.0, 1.0, H + 1)  # enters a quarter of the bin from above
    status, _ = e.bin_status()
    assert status[k] == STATUS_PARTIAL
    assert e.long.share[k] == pytest.approx(0.25)
    assert e.take_swept() == pytest.approx((0.25 * 100_050.0, 0.0))
    e.update_bar(1000.0, 900.5, 1000.0, 1.0, H + 2)  # half of the range traded now: another third of the rest
    assert e.take_swept()[0] == pytest.approx(0.25 * 100_050.0)
    assert e.take_swept() == (0.0, 0.0)  # reset by the call
    e.update_bar(1000.0, 899.0, 1000.0, 1.0, H + 3)  # passes through
    status, _ = e.bin_status()
    assert status[k] == STATUS_CLEARED
    assert e.take_swept()[0] == pytest.approx(0.5 * 100_050.0)
    assert e.long_usd().sum() == 0.0
    assert e.ledger.swept == pytest.approx(100_050.0)


def test_refill_makes_a_cleared_bin_active_again():
    e = make()
    opened(e)
    e.update_bar(1100.0, 899.0, 1000.5, 1.0, H + 1)  # low 899 clears longs; high 1100 is the short bin's lower edge
    k = e.grid.local_index(900.45)
    assert e.bin_status()[0][k] == STATUS_CLEARED
    e.update_bar(1000.5, 1000.5, 1000.5, 1.0, 2 * H - 1)
    e.update_open_interest(0.0, 2 * H, oi_base=1200.0)
    # two pending bars, equal volume: typical prices 999.8333 and 1000.5, ΔOI 100 base at their mean 1000.1667;
    # the 1000.5 half lands at 900.45 in the cleared bin, which becomes ACTIVE again
    assert e.bin_status()[0][k] == STATUS_ACTIVE
    assert e.long_usd()[k] == pytest.approx(0.5 * 100.0 * (2999.5 / 3.0 + 1000.5) / 2.0)
    assert e.long.share[k] == 0.0


def test_short_side_sweep_status():
    e = make()
    opened(e)
    k = e.grid.local_index(1100.55)
    e.update_trade(1100.6, H + 1)  # 60 % of [1100, 1101)
    assert e.bin_status()[1][k] == STATUS_PARTIAL
    assert e.take_swept()[1] == pytest.approx(0.6 * 100_050.0)
    e.update_trade(1101.0, H + 2)
    assert e.bin_status()[1][k] == STATUS_CLEARED


def test_recentre_loses_nothing_inside_the_range():
    e = make(n_bins=1000, recentre_margin=0.2)  # grid [500, 1500) around 1000.5, re-centre beyond local 799
    opened(e)
    long_before = e.long_usd().sum()
    assert e.grid.base == 500
    e.update_trade(1300.0, H + 2)  # local index 800 > 799: re-centre to base 1300 - 500 = 800
    assert e.grid.base == 800
    assert e.long_usd().sum() == pytest.approx(long_before)
    assert e.long_usd()[e.grid.local_index(900.45)] == pytest.approx(long_before)  # same price bin
    assert e.ledger.dropped == 0.0
    assert e.ledger.swept == pytest.approx(100_050.0)  # the shorts at 1100.55 were swept on the way up
    e.update_trade(860.0, H + 3)  # falls through the longs: swept, not lost
    assert e.ledger.swept == pytest.approx(100_050.0 + long_before)


def test_per_tier_half_lives():
    e = LiquidationMapEngine(MapParams(model="simple", tiers=(10.0, 20.0), leverage_profile={10.0: 1, 20.0: 1},
                                       bin_size=1.0, n_bins=1000, tier_half_lives_hours=(1.0, 0.0)))
    opened(e)  # 50,025 per tier per side
    e.update_bar(1000.5, 1000.5, 1000.5, 1.0, 3 * H - 1)
    e.update_open_interest(0.0, 3 * H, oi_base=1100.0)  # 2 hours later, no OI change
    long_usd, _ = e.tier_usd()
    assert long_usd[:, 0].sum() == pytest.approx(50_025.0 * 0.25)
    assert long_usd[:, 1].sum() == pytest.approx(50_025.0)
    assert e.ledger.decayed == pytest.approx(2 * 50_025.0 * 0.75)


def test_half_life_all_tiers():
    e = make(half_life_hours=2.0)
    opened(e)
    e.update_bar(1000.5, 1000.5, 1000.5, 1.0, 3 * H - 1)
    e.update_open_interest(0.0, 3 * H, oi_base=1100.0)
    assert e.long_usd().sum() == pytest.approx(100_050.0 * 0.5)


def weighted_mean(engine, usd) -> float:
    return float(np.dot(engine.grid.centres(), usd) / usd.sum())


def test_funding_adjusted_moves_levels_by_the_funding_paid():
    e = make(model="funding_adjusted", funding_base_model="isolated_mmr", mmr=0.004)
    opened(e)
    long_mean, short_mean = weighted_mean(e, e.long_usd()), weighted_mean(e, e.short_usd())
    e.update_funding(0.0004, 8 * H)  # settlement at price 1000.5: 0.4002 price units per base unit
    assert e.funding_index == pytest.approx(0.4002)
    assert weighted_mean(e, e.long_usd()) - long_mean == pytest.approx(0.4002 / 0.996, rel=1e-9)
    assert weighted_mean(e, e.short_usd()) - short_mean == pytest.approx(0.4002 / 1.004, rel=1e-9)
    assert e.long_usd().sum() == pytest.approx(100_050.0)  # notional conserved
    e.update_funding(0.0004, 8 * H + 1_000_000_000)  # same 8 h period: not charged again
    e.update_funding(0.0004, 16 * H, settled=False)  # predicted rate: not charged
    assert e.funding_index == pytest.approx(0.4002)
    e.update_funding(-0.0004, 16 * H)  # next period, negative: back down
    assert weighted_mean(e, e.long_usd()) == pytest.approx(long_mean, rel=1e-12)


def test_funding_adjusted_positions_opened_later_are_not_shifted():
    e = make(model="funding_adjusted", funding_base_model="simple")
    opened(e)
    e.update_funding(0.001, 8 * H)  # 1.0005 price units: exactly one bin and 0.05 %
    before = e.long_usd().copy()
    e.update_bar(1000.5, 1000.5, 1000.5, 1.0, 9 * H - 1)
    e.update_open_interest(0.0, 9 * H, oi_base=1200.0)  # new cohort at 900.45, unshifted
    added = e.long_usd() - before
    assert added[e.grid.local_index(900.45)] == pytest.approx(100_050.0)


def test_ensemble_is_the_weighted_mixture_of_the_models():
    e = make(model="ensemble", ensemble_weights={"simple": 3.0, "isolated_mmr": 1.0}, mmr=0.01)
    opened(e)
    # simple long 900.45 (3/4); isolated 1000.5·0.9/0.99 = 909.545... (1/4)
    assert e.long_usd()[e.grid.local_index(900.45)] == pytest.approx(0.75 * 100_050.0)
    assert e.long_usd()[e.grid.local_index(909.5454)] == pytest.approx(0.25 * 100_050.0)
    # short: simple 1100.55, isolated 1000.5·1.1/1.01 = 1089.66...
    assert e.short_usd()[e.grid.local_index(1089.66)] == pytest.approx(0.25 * 100_050.0)


@pytest.mark.parametrize("notional", [20e3, 100e3, 500e3, 5e6, 15e6, 30e6, 75e6, 150e6, 250e6, 400e6])
def test_binance_standard_uses_the_bracket_of_each_position_size(notional):
    e = LiquidationMapEngine(MapParams(model="binance_standard", tiers=(125.0,), leverage_profile={125.0: 1.0},
                                       position_sizes_usd=(notional,), position_size_weights=(1.0,)))
    prices, weights = e.liquidation_prices(np.array([50_000.0]), 1)
    mmr, cum, max_lev = BINANCE_BTCUSDT_BRACKETS.lookup(notional)
    lev = min(125.0, float(max_lev))  # 125x is capped at the bracket's maximum
    expected = 50_000.0 * (1.0 - 1.0 / lev - float(cum) / notional) / (1.0 - float(mmr))
    assert weights.tolist() == [1.0]
    assert float(prices[0, 0, 0]) == pytest.approx(expected, rel=1e-12)


def test_binance_standard_hand_value_bracket_two():
    # 100k USD at 50,000 and 100x (bracket 2: MMR 0.5 %, cum 50): 50000·(1 - 0.01 - 0.0005)/0.995
    e = LiquidationMapEngine(MapParams(model="binance_standard", tiers=(100.0,), leverage_profile={100.0: 1.0},
                                       position_sizes_usd=(100e3,), position_size_weights=(1.0,)))
    prices, _ = e.liquidation_prices(np.array([50_000.0]), 1)
    assert float(prices[0, 0, 0]) == pytest.approx(49723.61809045226, rel=1e-12)


def test_inverse_instrument_uses_coin_margined_formula():
    e = make(model="isolated_mmr", mmr=0.005, inverse=True, tiers=(20.0,), leverage_profile={20.0: 1.0})
    prices, _ = e.liquidation_prices(np.array([50_000.0]), 1)
    assert float(prices[0, 0, 0]) == pytest.approx(50_000.0 * 1.005 / 1.05, rel=1e-12)
    prices, _ = e.liquidation_prices(np.array([50_000.0]), -1)
    assert float(prices[0, 0, 0]) == pytest.approx(50_000.0 * 0.995 / 0.95, rel=1e-12)


def test_params_reject_levels_on_the_wrong_side_of_entry():
    with pytest.raises(ValueError, match="mmr"):
        MapParams(mmr=0.01)  # 125x tier: 1/125 = 0.008 < MMR would put long levels above entry
    with pytest.raises(ValueError, match="ensemble_weights"):
        MapParams(model="ensemble", ensemble_weights={"funding_adjusted": 1.0})
    with pytest.raises(ValueError, match="tier_half_lives_hours"):
        MapParams(tier_half_lives_hours=(1.0,))
    assert math.isfinite(MapParams().mmr)


def test_relative_bin_width_and_absolute_bin_size():
    e = LiquidationMapEngine(MapParams(bin_bps=10.0))
    e.update_bar(2000.0, 2000.0, 2000.0, 1.0, 1)
    assert e.grid.width == pytest.approx(2.0)  # 10 bp of the first price
    e = LiquidationMapEngine(MapParams(bin_size=0.25, bin_bps=10.0))
    e.update_trade(2000.0, 1)
    assert e.grid.width == 0.25  # absolute width wins


def test_long_intervals_are_compacted_without_changing_the_vwap():
    # synthetic: 5,000 bars (> the 4,096 kept individually) before one OI update
    e = make(entry_mode="hot_zones")
    e.update_bar(1000.5, 1000.5, 1000.5, 1.0, 0)
    e.update_open_interest(0.0, 0, oi_base=1000.0)
    prices = [1000.5 + (i % 7) for i in range(5000)]
    volumes = [1.0 + (i % 3) for i in range(5000)]
    for i, (p, v) in enumerate(zip(prices, volumes, strict=True)):
        e.update_bar(p, p, p, v, i + 1)
    assert len(e._pending_price) < 5000
    vwap = sum(p * v for p, v in zip(prices, volumes, strict=True)) / sum(volumes)
    delta = e.update_open_interest(0.0, H, oi_base=1010.0)
    assert delta == pytest.approx(10.0 * vwap, rel=1e-12)
    assert e.long_usd().sum() == pytest.approx(10.0 * vwap, rel=1e-12)


def test_input_validation_names_the_field():
    e = make()
    with pytest.raises(ValueError, match="open interest"):
        e.update_open_interest(-1.0, 1)
    with pytest.raises(ValueError, match="funding rate"):
        e.update_funding(float("nan"), 1)
    with pytest.raises(ValueError, match="taker volumes"):
        e.update_taker_volume(-1.0, 0.0, 1)
    with pytest.raises(ValueError, match="equal length"):
        e.update_trades([1.0, 2.0], [1.0], [True, False], 1)
    with pytest.raises(ValueError, match="prices must be finite"):
        e.update_trades([1.0, -2.0], [1.0, 1.0], [True, False], 1)
    with pytest.raises(ValueError, match="entry_mode"):
        MapParams(entry_mode="magic")


def test_revision_changes_only_when_the_map_changes():
    e = make()
    opened(e)
    r = e.revision
    e.update_bar(1000.6, 1000.4, 1000.5, 1.0, H + 1)  # reaches no level
    assert e.revision == r
    e.update_bar(1000.6, 900.9, 1000.5, 1.0, H + 2)  # enters the long bin
    assert e.revision > r


def test_single_entry_cohort_of_a_non_proportional_model_lands_at_its_levels():
    # synthetic: inverse isolated_mmr with a maintenance amount gives levels not proportional to the entry (the
    # engine hands the levels themselves to the scatter), and vwap entries make a cohort of one entry
    e = LiquidationMapEngine(MapParams(model="isolated_mmr", inverse=True, maintenance_amount=0.01,
                                       entry_mode="vwap", n_bins=2000, bin_bps=5.0))
    hour = 3_600_000_000_000
    e.update_bar(30_100.0, 29_900.0, 30_000.0, 10.0, hour)
    e.update_open_interest(3e9, hour)  # first observation: 100,000 BTC at 30,000
    e.update_bar(30_100.0, 29_900.0, 30_000.0, 10.0, 2 * hour)
    e.update_open_interest(3.3e9, 2 * hour)  # +10,000 BTC at the VWAP 30,000 = 3e8 USD per side
    levels, _ = e.liquidation_prices(np.array([30_000.0]), 1)
    expected_bins = set((np.floor(levels.ravel() / e.grid.width).astype(int) - e.grid.base).tolist())
    long_usd = e.long_usd()
    assert e.ledger.dropped == 0.0
    assert long_usd.sum() + e.ledger.swept == pytest.approx(3e8, rel=1e-9)
    assert set(np.flatnonzero(long_usd).tolist()) <= expected_bins and long_usd.sum() > 0.0
