"""Engine: sweeps and bin status, estimated liquidations, re-centring, holding-time closing, funding_adjusted,
ensemble, binance_standard per bracket, inverse contracts. Synthetic hand-made inputs (labelled), hand-computed
values.

Unless said otherwise: bin_size 1.0, one 10x tier with the ``simple`` model, equal long/short split, no
holding-time closing, the seed at the current price. ``opened(e)`` seeds 1000 base of open interest at 1000.5:
500 base = 500,250 USD per side, longs at 900.45 (bin [900, 901)), shorts at 1100.55 (bin [1100, 1101)).
"""

import math

import numpy as np
import pytest

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.core.brackets import BINANCE_BTCUSDT_BRACKETS
from liqheat_nautilus.core.interval import MAX_BARS
from liqheat_nautilus.core.kernels import STATUS_ACTIVE, STATUS_CLEARED, STATUS_PARTIAL

H = 3_600_000_000_000
SEED_USD = 500_250.0


def make(**kw) -> LiquidationMapEngine:
    base = dict(model="simple", tiers=(10.0,), leverage_profile={10.0: 1.0}, bin_size=1.0, n_bins=1000,
                side_split="equal", half_life_hours=0.0, seed_lookback_hours=0.0)
    base.update(kw)
    return LiquidationMapEngine(MapParams(**base))


def opened(engine, price=1000.5, oi_base=1000.0) -> None:
    """Synthetic: one flat bar at ``price`` and the first reading: half of ``oi_base`` per side at price·(1∓1/L)."""
    engine.update_bar(price, price, price, 1.0, 1)
    engine.update_open_interest(0.0, H, oi_base=oi_base)


def test_partial_then_cleared_with_estimated_liquidations():
    e = make()
    opened(e)  # long 500,250 in bin [900, 901), short in [1100, 1101)
    k = e.grid.local_index(900.45)
    e.update_bar(1000.0, 900.75, 1000.0, 1.0, H + 1)  # enters a quarter of the bin from above
    status, _ = e.bin_status()
    assert status[k] == STATUS_PARTIAL
    assert e.long.share[k] == pytest.approx(0.25)
    assert e.take_swept() == pytest.approx((0.25 * SEED_USD, 0.0))
    e.update_bar(1000.0, 900.5, 1000.0, 1.0, H + 2)  # half of the range traded now: another third of the rest
    assert e.take_swept()[0] == pytest.approx(0.25 * SEED_USD)
    assert e.take_swept() == (0.0, 0.0)  # reset by the call
    e.update_bar(1000.0, 899.0, 1000.0, 1.0, H + 3)  # passes through
    status, _ = e.bin_status()
    assert status[k] == STATUS_CLEARED
    assert e.take_swept()[0] == pytest.approx(0.5 * SEED_USD)
    assert e.long_usd().sum() == 0.0
    assert e.ledger.swept == pytest.approx(SEED_USD)


def test_a_low_on_a_bin_edge_leaves_no_negative_notional():
    # regression (found by the property test with more examples): bins of 0.2 from a first price of 100
    # (bin_bps 20), longs seeded over [99, 99.2); a low of exactly 99.0 swept 1 + 8.5e-14 of the bin
    e = make(model="simple", tiers=None, leverage_profile="neutral", bin_size=0.0, bin_bps=20.0, n_bins=120)
    e.update_bar(101.0, 99.0, 100.0, 1.0, 1)
    e.update_open_interest(0.0, H, oi_base=1000.0)
    k = e.grid.local_index(99.1)
    assert e.long_usd()[k] > 0.0
    e.update_bar(100.0, 99.0, 99.0, 1.0, H + 1)
    long_usd, _ = e.tier_usd()
    assert np.all(long_usd >= 0.0) and long_usd[k].sum() == 0.0


def test_a_bin_swept_exactly_to_its_far_edge_is_cleared_on_both_sides():
    # a low exactly on the long bin's lower edge traded its whole range (share 1, all its notional swept) but left
    # it PARTIAL, while the mirror (a high exactly on the short bin's upper edge) cleared the short bin (§6)
    e = make()
    opened(e)  # long 500,250 in bin [900, 901), short in [1100, 1101)
    k_long, k_short = e.grid.local_index(900.45), e.grid.local_index(1100.55)
    e.update_bar(1000.0, 900.0, 1000.0, 1.0, H + 1)  # low = 900.0: σ = (901 - 900) / 1 = 1
    assert e.take_swept() == pytest.approx((SEED_USD, 0.0))  # the whole bin
    assert e.long_usd()[k_long] == 0.0 and e.long.share[k_long] == 1.0
    assert e.bin_status()[0][k_long] == STATUS_CLEARED
    e.update_bar(1101.0, 1000.0, 1000.0, 1.0, H + 2)  # high = 1101.0: the short bin's upper edge
    assert e.take_swept() == pytest.approx((0.0, SEED_USD))
    assert e.short_usd()[k_short] == 0.0 and e.bin_status()[1][k_short] == STATUS_CLEARED
    e.update_bar(1000.0, 900.25, 1000.0, 1.0, H + 3)  # a low inside the bin after it: no PARTIAL again
    assert e.take_swept() == (0.0, 0.0) and e.bin_status()[0][k_long] == STATUS_CLEARED


def test_refill_makes_a_cleared_bin_active_again():
    e = make()
    opened(e)
    e.update_trade(899.0, H + 1)  # passes through the long bin [900, 901): CLEARED
    k = e.grid.local_index(900.45)
    assert e.bin_status()[0][k] == STATUS_CLEARED
    e.update_bar(1000.5, 1000.5, 1000.5, 1.0, 2 * H - 1)
    e.update_open_interest(0.0, 2 * H, oi_base=1200.0)
    # the sweep took 500,250·0.9/900.5 base off the long counter (units estimated at the bin centre, leaving
    # ≈ 0.028); the gap to 600 base is opened at the one flat bar, at 900.45: the cleared bin is ACTIVE again
    gap = 600.0 - (500.0 - SEED_USD * 0.9 / 900.5)
    assert e.bin_status()[0][k] == STATUS_ACTIVE
    assert e.long_usd()[k] == pytest.approx(gap * 1000.5)
    assert e.long.share[k] == 0.0


def test_short_side_sweep_status():
    e = make()
    opened(e)
    k = e.grid.local_index(1100.55)
    e.update_trade(1100.6, H + 1)  # 60 % of [1100, 1101)
    assert e.bin_status()[1][k] == STATUS_PARTIAL
    assert e.take_swept()[1] == pytest.approx(0.6 * SEED_USD)
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
    assert e.outside_usd() == 0.0
    assert e.ledger.swept == pytest.approx(SEED_USD)  # the shorts at 1100.55 were swept on the way up
    e.update_trade(860.0, H + 3)  # falls through the longs: swept, not lost
    assert e.ledger.swept == pytest.approx(SEED_USD + long_before)


def test_per_tier_half_lives():
    e = make(tiers=(10.0, 20.0), leverage_profile={10.0: 1, 20.0: 1}, tier_half_lives_hours=(1.0, 0.0),
             turnover_clock="time")
    opened(e)  # 250,125 USD per tier per side
    e.update_bar(1000.5, 1000.5, 1000.5, 1.0, 3 * H - 1)
    e.update_open_interest(0.0, 3 * H, oi_base=1000.0)  # 2 hours later, no OI change
    # the 10x tier keeps 1/4 (187.5 base per side closed by holding time); the gap is reopened at 1000.5 with
    # the tier weights 1/2, 1/2: 93,796.875 USD per tier
    reopened = 187.5 * 1000.5 / 2
    long_usd, _ = e.tier_usd()
    assert long_usd[:, 0].sum() == pytest.approx(250_125.0 * 0.25 + reopened)
    assert long_usd[:, 1].sum() == pytest.approx(250_125.0 + reopened)
    assert e.ledger.decayed == pytest.approx(2 * 250_125.0 * 0.75)
    assert e.side_units() == (pytest.approx(500.0), pytest.approx(500.0))


def test_half_life_all_tiers():
    e = make(half_life_hours=2.0, turnover_clock="time")
    opened(e)
    e.update_bar(1000.5, 1000.5, 1000.5, 1.0, 3 * H - 1)
    e.update_open_interest(0.0, 3 * H, oi_base=1000.0)
    # half of the stock was closed by holding time and reopened at the same price: same map, turnover recorded
    assert e.ledger.decayed == pytest.approx(SEED_USD)
    assert e.long_usd().sum() == pytest.approx(SEED_USD)


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
    assert e.long_usd().sum() == pytest.approx(SEED_USD)  # notional conserved
    book = e.book  # the edges (long: highest filled bin, short: lowest) follow the move, and so do the triggers
    assert (book.long.edge, book.short.edge) == (np.flatnonzero(e.long_usd())[-1], np.flatnonzero(e.short_usd())[0])
    after_move = (book.long.edge, book.short.edge, book.long_trigger, book.short_trigger, book.spans.tolist())
    book.recompute_edges()  # the full search finds the same
    assert (book.long.edge, book.short.edge, book.long_trigger, book.short_trigger, book.spans.tolist()) == after_move
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
    e.update_open_interest(0.0, 9 * H, oi_base=1200.0)  # new cohort of 100 base at 900.45, unshifted
    added = e.long_usd() - before
    assert added[e.grid.local_index(900.45)] == pytest.approx(100.0 * 1000.5)


def test_ensemble_is_the_weighted_mixture_of_the_models():
    e = make(model="ensemble", ensemble_weights={"simple": 3.0, "isolated_mmr": 1.0}, mmr=0.01)
    opened(e)
    # simple long 900.45 (3/4); isolated 1000.5·0.9/0.99 = 909.545... (1/4)
    assert e.long_usd()[e.grid.local_index(900.45)] == pytest.approx(0.75 * SEED_USD)
    assert e.long_usd()[e.grid.local_index(909.5454)] == pytest.approx(0.25 * SEED_USD)
    # short: simple 1100.55, isolated 1000.5·1.1/1.01 = 1089.66...
    assert e.short_usd()[e.grid.local_index(1089.66)] == pytest.approx(0.25 * SEED_USD)


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
    for field, value in (("leveraged_share", 0.0), ("leveraged_share", 1.5), ("side_split", "longs"),
                         ("turnover_clock", "moon"), ("status_rule", "vibes"), ("trade_batch_secs", 0.0),
                         ("seed_lookback_hours", -1.0), ("long_share_offset", 0.5), ("leverage_model", "pareto")):
        with pytest.raises(ValueError, match=field):
            MapParams(**{field: value})
    assert math.isfinite(MapParams().mmr)


def test_params_say_the_valid_values_of_a_bad_number():
    # "mmr=0.01" alone did not say that the limit is 1/the highest leverage
    with pytest.raises(ValueError, match=r"mmr=0.01 \(in \[0, 1/125\) = \[0, 0.008\)"):
        MapParams(mmr=0.01)
    with pytest.raises(ValueError, match=r"mmr=0.07 \(in \[0, 1/15\)"):
        MapParams(mmr=0.07, tiers=(5.0, 15.0), leverage_profile={5.0: 0.5, 15.0: 0.5})
    with pytest.raises(ValueError, match=r"cluster_k_sigma=-3.0 \(> 0\)"):  # was accepted: no cluster ever
        MapParams(cluster_method="sigma", cluster_k_sigma=-3.0)
    with pytest.raises(ValueError, match=r"trade_threshold=0.5 \(.*a whole count >= 1 with 'top_n'"):
        MapParams(entry_mode="trades", trade_selection="top_n", trade_threshold=0.5)  # was: selected nothing


@pytest.mark.parametrize(("field", "value"), [
    # each was accepted: an OverflowError (not a ValueError) when the engine was built, or a silently empty map
    ("seed_lookback_hours", math.inf), ("funding_interval_hours", math.inf), ("trade_batch_secs", 1e300 * 1e10),
    ("taker_leverage_skew", math.inf), ("maintenance_amount", math.inf), ("cluster_k_sigma", math.nan),
    ("position_sizes_usd", (math.inf, 1.0, 1.0, 1.0)), ("ensemble_weights", {"isolated_mmr": math.inf}),
])
def test_params_refuse_numbers_that_are_not_finite(field, value):
    with pytest.raises(ValueError, match=rf"{field}=.*\(numbers must be finite\)"):
        MapParams(**{field: value})


@pytest.mark.parametrize(("field", "value", "rule"), [
    # a typo (n_bins = 100000000) exhausted memory (the process was killed) or failed allocating 537 GiB
    ("n_bins", 100_000_000, r"in \[8, 100,000\]"), ("cohort_layers", 1_000, r"in \[2, 64\]"),
    ("history_capacity", 10**6, r">= 0, with history_capacity × n_bins <= 250,000,000"),
])
def test_params_bound_the_sizes_that_set_memory(field, value, rule):
    with pytest.raises(ValueError, match=rf"{field}={value} \({rule}"):
        MapParams(**{field: value})
    assert MapParams(n_bins=100_000, history_capacity=2_500).n_bins == 100_000  # the limits themselves are fine


def test_params_refuse_brackets_that_are_not_a_bracket_table():
    with pytest.raises(ValueError, match="brackets=None .expected a BracketTable"):  # was an AttributeError
        MapParams(brackets=None)


def test_params_name_fields_of_the_wrong_type():
    # a profile file or --param value of the wrong kind is named with what was expected (was a TypeError from a
    # comparison, naming nothing)
    for field, value, expected in (("leverage_mean", "abc", "a number"), ("n_bins", 10.5, "a whole number"),
                                   ("n_bins", True, "a whole number"), ("turnover_floor", 1, "true or false"),
                                   ("model", 3, "a string")):
        with pytest.raises(ValueError, match=rf"type\(s\): {field}=.* \(expected {expected}\)"):
            MapParams(**{field: value})
    # ints are numbers, and numpy's scalars count as their Python kinds
    assert MapParams(half_life_hours=24, n_bins=np.int64(500), turnover_floor=np.bool_(False)).n_bins == 500


def test_relative_bin_width_and_absolute_bin_size():
    e = LiquidationMapEngine(MapParams(bin_bps=10.0))
    e.update_bar(2000.0, 2000.0, 2000.0, 1.0, 1)
    assert e.grid.width == pytest.approx(2.0)  # 10 bp of the first price
    e = LiquidationMapEngine(MapParams(bin_size=0.25, bin_bps=10.0))
    e.update_trade(2000.0, 1)
    assert e.grid.width == 0.25  # absolute width wins


def test_long_intervals_are_compacted_without_changing_the_vwap():
    # synthetic: MAX_BARS + 2,000 bars in one open-interest interval: neighbours are merged (volume-weighted
    # price, summed volume), which keeps the interval's VWAP; the vwap mode places the gap there
    n = MAX_BARS + 2_000
    e = make(entry_mode="vwap")
    opened(e)
    prices = [1000.5 + (i % 7) for i in range(n)]
    volumes = [1.0 + (i % 3) for i in range(n)]
    for i, (p, v) in enumerate(zip(prices, volumes, strict=True)):
        e.update_bar(p, p, p, v, H + i + 1)
    assert len(e.bars) < n
    vwap = sum(p * v for p, v in zip(prices, volumes, strict=True)) / sum(volumes)
    delta = e.update_open_interest(0.0, 2 * H, oi_base=1010.0)  # 5 base more per side
    assert delta == pytest.approx(2 * 5.0 * vwap, rel=1e-12)
    assert e.long_usd()[e.grid.local_index(0.9 * vwap)] == pytest.approx(5.0 * vwap, rel=1e-12)


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
    with pytest.raises(ValueError, match="quantity"):
        e.update_trade(1.0, 1, float("inf"))
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
    # engine hands the levels themselves to the scatter); the seed at the price and vwap entries make cohorts of
    # one entry, 30,000
    e = LiquidationMapEngine(MapParams(model="isolated_mmr", inverse=True, maintenance_amount=0.01,
                                       entry_mode="vwap", n_bins=2000, bin_bps=5.0, seed_lookback_hours=0.0,
                                       side_split="equal"))
    e.update_bar(30_100.0, 29_900.0, 30_000.0, 10.0, H)
    e.update_open_interest(3e9, H)  # inverse: 3e9 USD of units, 1.5e9 per side at 30,000
    e.update_bar(30_100.0, 29_900.0, 30_000.0, 10.0, 2 * H)
    e.update_open_interest(3.3e9, 2 * H)  # +1.5e8 per side at the VWAP 30,000 (and the holding-time turnover)
    levels, _ = e.liquidation_prices(np.array([30_000.0]), 1)
    expected_bins = set((np.floor(levels.ravel() / e.grid.width).astype(int) - e.grid.base).tolist())
    long_usd = e.long_usd()
    assert e.side_units()[0] == pytest.approx(1.65e9, rel=1e-9)
    assert long_usd.sum() + e.long.outside.sum() == pytest.approx(1.65e9, rel=1e-9)  # one USD per unit
    assert set(np.flatnonzero(long_usd).tolist()) <= expected_bins and long_usd.sum() > 0.0
