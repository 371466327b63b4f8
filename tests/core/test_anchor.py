"""The map anchored to open interest: seed, anchor per side, turnover by holding time, deferred sweeps, bad inputs.

All inputs are SYNTHETIC (hand-made bars and open interest), so every expected value is computed by hand in the
comments. Unless a test says otherwise: grid bin_size 1.0 (bin g covers [g, g + 1)), one 10x leverage point with
the ``simple`` model (long level entry·0.9, short entry·1.1), the equal long/short split, no holding-time closing
(half_life_hours 0) and the seed at the current price (seed_lookback_hours 0). Position units are base units
(USD / entry) for linear contracts.
"""

import math

import numpy as np
import pytest

from liqheat_nautilus.core import LiquidationMapEngine, MapParams

H = 3_600_000_000_000  # one hour in ns


def make(**kw) -> LiquidationMapEngine:
    base = dict(model="simple", tiers=(10.0,), leverage_profile={10.0: 1.0}, bin_size=1.0, n_bins=1000,
                side_split="equal", half_life_hours=0.0, seed_lookback_hours=0.0)
    base.update(kw)
    return LiquidationMapEngine(MapParams(**base))


def flat(e, price, volume, ts) -> None:
    e.update_bar(price, price, price, volume, ts)


def at(e, side, price) -> float:
    usd = e.long_usd() if side == "long" else e.short_usd()
    return float(usd[e.grid.local_index(price)])


def seed_flat(e, price=1000.5, oi_base=1000.0, ts=H) -> float:
    flat(e, price, 1.0, ts)
    return e.update_open_interest(oi_base * price, ts, oi_base=oi_base)


# -- seed -----------------------------------------------------------------------------------------------------


def test_seed_at_the_current_price_holds_each_sides_share_of_open_interest():
    e = make()
    assert not e.initialized
    opened = seed_flat(e)  # 1000 base -> 500 base per side at 1000.5 = 500,250 USD per side
    assert e.initialized
    assert opened == pytest.approx(1_000_500.0)
    assert e.side_units() == (pytest.approx(500.0), pytest.approx(500.0))
    assert at(e, "long", 900.45) == pytest.approx(500_250.0)
    assert at(e, "short", 1100.55) == pytest.approx(500_250.0)
    assert e.take_swept() == (0.0, 0.0)
    assert e.ledger.opened == pytest.approx(1_000_500.0)


def test_seed_weights_volume_times_holding_survival_time_clock():
    # bars at 1 h (1000.5, volume 1) and 2 h (1010.5, volume 1), reading at 2 h, half-life 1 h (time clock):
    # ages 1 h and 0 h -> survival 0.5 and 1 -> USD weights 1/3, 2/3; 500 base per side:
    # amount = 500 / (1/3 / 1000.5 + 2/3 / 1010.5)
    e = make(half_life_hours=1.0, turnover_clock="time", seed_lookback_hours=24.0)
    flat(e, 1000.5, 1.0, H)
    flat(e, 1010.5, 1.0, 2 * H)
    e.update_open_interest(0.0, 2 * H, oi_base=1000.0)
    amount = 500.0 / (1 / 3 / 1000.5 + 2 / 3 / 1010.5)
    assert at(e, "long", 900.45) == pytest.approx(amount / 3, rel=1e-12)
    assert at(e, "long", 909.45) == pytest.approx(2 * amount / 3, rel=1e-12)
    assert at(e, "short", 1111.55) == pytest.approx(2 * amount / 3, rel=1e-12)
    assert e.side_units() == (pytest.approx(500.0, rel=1e-12), pytest.approx(500.0, rel=1e-12))
    # the ledger counts what was placed (regression: unnormalised survival weights overstated `opened`)
    assert e.ledger.opened == pytest.approx(e.active_usd(), rel=1e-12)


def test_seed_span_hours_is_the_bar_history_the_seed_used_capped_at_the_lookback():
    # synthetic: hourly bars closing at 1..10 h, first reading at 10 h. The span runs from the first used bar's
    # open (its close minus the 1 h spacing) to the reading.
    def seeded(lookback: float) -> LiquidationMapEngine:
        e = make(seed_lookback_hours=lookback)
        assert math.isnan(e.seed_span_hours)  # before the seed
        for h in range(1, 11):
            flat(e, 1000.5, 1.0, h * H)
        e.update_open_interest(0.0, 10 * H, oi_base=1000.0)
        return e

    assert seeded(24.0).seed_span_hours == pytest.approx(10.0)  # bars 1..10 h: from 0 h to 10 h, under 24 h
    assert seeded(4.0).seed_span_hours == pytest.approx(4.0)  # bars closing at 6..10 h span 5 h: capped at 4 h
    assert seeded(0.0).seed_span_hours == 0.0  # no lookback: the seed sits at the current price
    e = make(seed_lookback_hours=24.0)
    seed_flat(e)  # one bar: its spacing, so the span, is unknown
    assert e.seed_span_hours == 0.0
    e.reset()
    assert math.isnan(e.seed_span_hours)


def test_seed_weights_with_the_volume_clock():
    # bars at 1 h (volume 1) and 2 h (volume 3), reading at 2 h: the span runs from the first bar's open (0 h) to
    # 2 h, so the mean volume is 4 / 2 h = 2 per hour; volume traded after the first bar is 3 -> age 1.5 h,
    # survival 2^-1.5 with a 1 h half-life; weights ∝ 1·2^-1.5 and 3·1
    e = make(half_life_hours=1.0, turnover_clock="volume", seed_lookback_hours=24.0)
    flat(e, 1000.5, 1.0, H)
    flat(e, 1010.5, 3.0, 2 * H)
    e.update_open_interest(0.0, 2 * H, oi_base=1000.0)
    w1, w2 = 2.0 ** -1.5, 3.0
    w1, w2 = w1 / (w1 + w2), w2 / (w1 + w2)
    amount = 500.0 / (w1 / 1000.5 + w2 / 1010.5)
    assert at(e, "long", 900.45) == pytest.approx(w1 * amount, rel=1e-12)
    assert at(e, "long", 909.45) == pytest.approx(w2 * amount, rel=1e-12)


def test_seed_leaves_out_levels_that_later_bars_reached():
    # bar 1 flat at 1000.5; bar 2: high 1000.5, low 900, close 950 (typical 950.1667), equal volume, no decay.
    # Longs of bar 1 (level 900.45) were reached by bar 2's low: left out. Bar 2 spreads its half over its low
    # (1/4), typical (1/2) and high (1/4), each half before / half after its own extremes: the high's "before" half
    # (level 900.45 <= low 900? no: 900.45 >= 900, reached) is left out, its "after" half (only the price 950
    # follows) survives. Surviving USD weights: 0.125 at 900, 0.25 at 950.1667, 0.0625 at 1000.5.
    e = make(seed_lookback_hours=24.0)
    flat(e, 1000.5, 1.0, H)
    e.update_bar(1000.5, 900.0, 950.0, 1.0, 2 * H)
    e.update_open_interest(0.0, 2 * H, oi_base=1000.0)
    typical = (1000.5 + 900.0 + 950.0) / 3.0
    amount = 500.0 / (0.125 / 900.0 + 0.25 / typical + 0.0625 / 1000.5)
    assert at(e, "long", 810.0) == pytest.approx(0.125 * amount, rel=1e-12)
    assert at(e, "long", 0.9 * typical) == pytest.approx(0.25 * amount, rel=1e-12)
    assert at(e, "long", 900.45) == pytest.approx(0.0625 * amount, rel=1e-12)
    assert e.long_usd().sum() == pytest.approx(0.4375 * amount, rel=1e-12)
    assert e.side_units()[0] == pytest.approx(500.0, rel=1e-12)
    # what the past liquidated is not an estimated liquidation of now
    assert e.take_swept() == (0.0, 0.0)
    led = e.ledger
    assert led.opened == pytest.approx(e.active_usd() + e.outside_usd() + led.swept, rel=1e-12)


def test_open_interest_before_any_price_seeds_at_the_next_reading():
    e = make()
    assert e.update_open_interest(1e6, 1, oi_base=1000.0) == 0.0
    assert not e.initialized and e.open_interest_usd == 1e6
    assert seed_flat(e, ts=2) == pytest.approx(1_000_500.0)
    assert e.initialized


def test_units_from_usd_when_the_venue_gives_no_base_and_usd_for_inverse_contracts():
    e = make()
    flat(e, 1000.5, 1.0, H)
    e.update_open_interest(1_000_500.0, H)  # no oi_base: 1,000,500 / 1000.5 = 1000 base
    assert e.side_units() == (pytest.approx(500.0), pytest.approx(500.0))
    inv = make(inverse=True, model="isolated_mmr", mmr=0.0)
    flat(inv, 1000.5, 1.0, H)
    inv.update_open_interest(2e6, H, oi_base=5.0)  # inverse: units are USD, oi_base is ignored
    assert inv.side_units() == (pytest.approx(1e6), pytest.approx(1e6))
    assert inv.long_usd().sum() == pytest.approx(1e6)  # one USD per unit, whatever the entry


def test_leveraged_share_scales_every_notional_linearly():
    def run(share):
        e = make(leveraged_share=share, half_life_hours=12.0, seed_lookback_hours=24.0)
        prices = [1000.5, 1003.0, 995.0, 1010.0, 1001.0, 890.0, 1020.0, 1130.0, 1005.0]
        for i, p in enumerate(prices):
            e.update_bar(p * 1.002, p * 0.998, p, 1.0 + i % 3, (i + 1) * H)
            if i >= 3:
                e.update_open_interest(0.0, (i + 1) * H, oi_base=1000.0 + 40.0 * i)
        return e

    full, part = run(1.0), run(0.25)
    np.testing.assert_allclose(part.tier_usd()[0], 0.25 * full.tier_usd()[0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(part.tier_usd()[1], 0.25 * full.tier_usd()[1], rtol=1e-9, atol=1e-9)
    assert part.ledger.swept == pytest.approx(0.25 * full.ledger.swept, rel=1e-9)
    assert full.ledger.swept > 0.0
    assert part.side_units()[0] == pytest.approx(0.25 * full.side_units()[0], rel=1e-12)


# -- the anchor after later readings -------------------------------------------------------------------------


def test_gap_is_opened_at_the_intervals_bars():
    # seed 500 base per side at 1000.5; interval: flat 1000.5 (volume 1) and (H 1010.5, L 990.5, C 1000.5,
    # volume 1); OI 1100 base -> 50 base more per side, USD weights: bar 1 all 0.5 at 1000.5, bar 2 low 990.5
    # 0.125, typical 1000.5 0.25, high 1010.5 0.125. Nothing reaches a 10x level.
    e = make()
    seed_flat(e)
    flat(e, 1000.5, 1.0, 2 * H)
    e.update_bar(1010.5, 990.5, 1000.5, 1.0, 3 * H)
    opened = e.update_open_interest(0.0, 3 * H, oi_base=1100.0)
    amount = 50.0 / (0.125 / 990.5 + 0.75 / 1000.5 + 0.125 / 1010.5)
    assert opened == pytest.approx(2 * amount, rel=1e-12)
    assert at(e, "long", 891.45) == pytest.approx(0.125 * amount, rel=1e-12)
    assert at(e, "long", 900.45) == pytest.approx(500_250.0 + 0.75 * amount, rel=1e-12)
    assert at(e, "long", 909.45) == pytest.approx(0.125 * amount, rel=1e-12)
    assert e.side_units() == (pytest.approx(550.0, rel=1e-12), pytest.approx(550.0, rel=1e-12))


def test_positions_opened_and_swept_within_the_interval_are_estimated_liquidations():
    # seed 500 base per side at 1000.5 (longs at 900.45). Interval: flat 1000.5, then (H 1000.5, L 899, C 950).
    # The low 899 sweeps the seed's longs: 500,250 USD, and 500,250·0.9/900.5 base units (the unit estimate at
    # the bin centre). The anchor then opens the long gap at the interval's bars: bar 1's longs (level 900.45)
    # and bar 2's high "before" half are reached by the low 899 -> liquidated at once (0.5 + 0.0625 of the
    # amount); the survivors are 0.125 at 899, 0.25 at the typical price, 0.0625 at 1000.5.
    e = make()
    seed_flat(e)
    flat(e, 1000.5, 1.0, 2 * H)
    e.update_bar(1000.5, 899.0, 950.0, 1.0, 3 * H)
    e.update_open_interest(0.0, 3 * H, oi_base=1100.0)
    typical = (1000.5 + 899.0 + 950.0) / 3.0
    left = 500.0 - 500_250.0 * 0.9 / 900.5  # units the sweep estimate leaves on the counter (≈ 0.028)
    amount = (550.0 - left) / (0.125 / 899.0 + 0.25 / typical + 0.0625 / 1000.5)
    swept_long, swept_short = e.take_swept()
    assert swept_long == pytest.approx(500_250.0 + 0.5625 * amount, rel=1e-12)
    # shorts: only bar 2's low "before" half (0.0625; level 988.9 <= its high 1000.5) is reached at once
    amount_short = 50.0 / (0.625 / 1000.5 + 0.0625 / 899.0 + 0.25 / typical)
    assert swept_short == pytest.approx(0.0625 * amount_short, rel=1e-12)
    assert e.long_usd().sum() == pytest.approx(0.4375 * amount, rel=1e-12)
    assert e.side_units()[0] == pytest.approx(550.0, rel=1e-12)


def test_excess_is_closed_pro_rata():
    e = make()
    seed_flat(e)
    flat(e, 1000.5, 1.0, 2 * H)
    assert e.update_open_interest(0.0, 2 * H, oi_base=800.0) == 0.0  # 100 base too many per side: 20 %
    assert at(e, "long", 900.45) == pytest.approx(0.8 * 500_250.0)
    assert at(e, "short", 1100.55) == pytest.approx(0.8 * 500_250.0)
    assert e.ledger.closed == pytest.approx(0.2 * 1_000_500.0)
    e.update_open_interest(0.0, 3 * H, oi_base=0.0)  # open interest 0: both sides closed
    assert e.long_usd().sum() == 0.0 and e.short_usd().sum() == 0.0
    assert e.side_units() == (0.0, 0.0)


def test_long_short_ratio_splits_open_interest():
    e = make(side_split="ratio")
    seed_flat(e)  # no ratio yet: "ratio" falls back to 0.5
    e.update_long_short_ratio(3.0, 2 * H - 1)  # 3 longs per short: long share 3 / 4
    flat(e, 1000.5, 1.0, 2 * H)
    e.update_open_interest(0.0, 2 * H, oi_base=1000.0)
    assert e.side_units() == (pytest.approx(750.0), pytest.approx(250.0))
    assert e.long_usd().sum() == pytest.approx(750.0 * 1000.5)
    with pytest.raises(ValueError, match="long/short ratio"):
        e.update_long_short_ratio(0.0, 3 * H)


def test_funding_split_is_neutral_until_a_rate_is_known():
    # regression: before any funding rate the "auto" split read a rate of 0 (0.5 + 0.2·tanh(-0.25) = 0.451)
    e = make(side_split="auto")
    seed_flat(e)
    assert e.side_units() == (pytest.approx(500.0), pytest.approx(500.0))
    e.update_funding(0.0003, 2 * H - 1)  # per 8 h: 0.5 + 0.2·tanh(2500·0.0002) = 0.5924234
    flat(e, 1000.5, 1.0, 2 * H)
    e.update_open_interest(0.0, 2 * H, oi_base=1000.0)
    assert e.side_units()[0] == pytest.approx(1000.0 * (0.5 + 0.2 * math.tanh(0.5)), rel=1e-12)


# -- turnover ----------------------------------------------------------------------------------------------------


def test_turnover_time_clock_closes_and_reopens_the_stock():
    # half-life 8 h, readings 4 h apart, no price move: 1 - 2^-0.5 = 29.29 % of the stock is closed by holding
    # time and reopened at the same price, so the map looks the same and the ledger shows the turnover
    e = make(half_life_hours=8.0, turnover_clock="time")
    seed_flat(e, ts=H)
    for i in range(4):
        flat(e, 1000.5, 1.0, (2 + i) * H)
    opened = e.update_open_interest(0.0, 5 * H, oi_base=1000.0)
    closed_share = 1.0 - 2.0 ** -0.5
    assert e.ledger.decayed == pytest.approx(closed_share * 1_000_500.0, rel=1e-12)
    assert opened == pytest.approx(closed_share * 1_000_500.0, rel=1e-12)
    assert at(e, "long", 900.45) == pytest.approx(500_250.0, rel=1e-12)
    assert e.side_units() == (pytest.approx(500.0), pytest.approx(500.0))


@pytest.mark.parametrize("clock", ["volume", "time"])
def test_uniform_volume_ages_like_time(clock):
    # 8 hourly seed bars of volume 1, then 4 more: the mean volume is 1 per hour, so the volume clock runs like
    # the wall clock (regression: the span used to miss the first bar's own hour, a clock 8/7 too slow here)
    e = make(half_life_hours=4.0, turnover_clock=clock, seed_lookback_hours=24.0)
    for i in range(8):
        flat(e, 1000.5, 1.0, (i + 1) * H)
    e.update_open_interest(0.0, 8 * H, oi_base=1000.0)
    stock = e.active_usd()
    for i in range(4):
        flat(e, 1000.5, 1.0, (9 + i) * H)
    e.update_open_interest(0.0, 12 * H, oi_base=1000.0)
    assert e.ledger.decayed == pytest.approx(0.5 * stock, rel=1e-12)


def test_volume_clock_twice_the_mean_volume_ages_twice_as_fast():
    def decayed_share(volume):
        e = make(half_life_hours=8.0, turnover_clock="volume", seed_lookback_hours=24.0)
        for i in range(8):
            flat(e, 1000.5, 1.0, (i + 1) * H)  # mean volume 1 per hour
        e.update_open_interest(0.0, 8 * H, oi_base=1000.0)
        stock = e.active_usd()
        for i in range(4):
            flat(e, 1000.5, volume, (9 + i) * H)
        e.update_open_interest(0.0, 12 * H, oi_base=1000.0)
        return e.ledger.decayed / stock

    assert decayed_share(1.0) == pytest.approx(1.0 - 2.0 ** -0.5, rel=1e-12)  # 4 h of the clock
    assert decayed_share(2.0) == pytest.approx(0.5, rel=1e-12)  # 8 h


def test_volume_clock_starts_without_seed_bars():
    # regression: with no bar before the first reading the mean volume was never set (or, with one bar closing
    # at the reading, set from a span of 1e-9 h: the clock froze). Now the first interval sets it and ages by time.
    for seed_bars in (0, 1):
        e = make(half_life_hours=4.0, turnover_clock="volume", seed_lookback_hours=24.0)
        if seed_bars:
            flat(e, 1000.5, 1.0, 8 * H - 1)  # one bar: its length is unknown, so no mean volume from it
        else:
            e.update_trade(1000.5, 8 * H)
        e.update_open_interest(0.0, 8 * H, oi_base=1000.0)
        stock = e.active_usd()
        for i in range(4):
            flat(e, 1000.5, 1.0, (9 + i) * H)
        e.update_open_interest(0.0, 12 * H, oi_base=1000.0)
        assert e.ledger.decayed == pytest.approx(0.5 * stock, rel=1e-12), seed_bars


def test_first_reading_at_time_zero_still_ages_positions():
    # regression: the reading time 0 was read as "no previous reading"
    e = make(half_life_hours=2.0, turnover_clock="time")
    seed_flat(e, ts=0)
    flat(e, 1000.5, 1.0, 2 * H)
    e.update_open_interest(0.0, 2 * H, oi_base=1000.0)
    assert e.ledger.decayed == pytest.approx(0.5 * 1_000_500.0, rel=1e-12)


# -- deferred sweeps -----------------------------------------------------------------------------------------


def _path(e, settle_each_bar: bool) -> LiquidationMapEngine:
    """A synthetic zig-zag over 60 bars with readings every 6 bars, trades and funding."""
    rng = np.random.default_rng(11)
    price = 1000.0
    for i in range(60):
        close = price * (1.0 + rng.normal(0.0, 0.02))
        high, low = max(price, close) * (1.0 + rng.uniform(0, 0.01)), min(price, close) * (1.0 - rng.uniform(0, 0.01))
        e.update_bar(high, low, close, rng.uniform(1.0, 3.0), (i + 1) * H)
        price = close
        if settle_each_bar:
            e.book.settle()
        if i % 7 == 3:
            e.update_trade(price * 0.99, (i + 1) * H + 1)
            if settle_each_bar:
                e.book.settle()
        if i % 6 == 5:
            e.update_open_interest(0.0, (i + 1) * H + 2, oi_base=1000.0 + 30.0 * math.sin(i))
        if i % 16 == 8:
            e.update_funding(0.0005, (i + 1) * H + 3)
    return e


@pytest.mark.parametrize("kw", [dict(model="binance_standard", leverage_profile="aggressive", tiers=None),
                                dict(model="funding_adjusted", close_mode="newest_first"),
                                dict(leverage_model="normal", tiers=None, leverage_profile="neutral",
                                     half_life_hours=24.0, model="isolated_mmr")])
def test_deferred_sweeps_equal_sweeping_bar_by_bar(kw):
    params = dict(bin_size=2.0, n_bins=600, seed_lookback_hours=12.0, **kw)
    lazy, eager = _path(make(**params), False), _path(make(**params), True)
    for a, b in zip(lazy.tier_usd(), eager.tier_usd(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-6)
    assert lazy.ledger.swept == pytest.approx(eager.ledger.swept, rel=1e-12) and lazy.ledger.swept > 0.0
    assert lazy.side_units() == (pytest.approx(eager.side_units()[0], rel=1e-12),
                                 pytest.approx(eager.side_units()[1], rel=1e-12))
    # the status of every bin that holds notional agrees (an *empty* bin that price passed in one deferred sweep
    # is CLEARED, while sweeping bar by bar may leave it ACTIVE: the eager edge skips empty bins)
    for a, b, side in zip(lazy.bin_status(), eager.bin_status(), (lazy.long, lazy.short), strict=True):
        held = side.totals() > 0.0
        assert held.any() and np.array_equal(a[held], b[held])
    np.testing.assert_allclose(lazy.long.share, eager.long.share, rtol=1e-12)


# -- bad inputs leave the state unchanged ----------------------------------------------------------------------


def _state(e) -> tuple:
    long_usd, short_usd = e.tier_usd()
    led = e.ledger
    return (long_usd.tobytes(), short_usd.tobytes(), (led.opened, led.swept, led.closed, led.decayed), e.side_units(),
            e.price, e.ts_ns, len(e.bars), e.bars.taker_buy, e.bars.taker_sell, e.open_interest_usd,
            e.outside_usd())


@pytest.mark.parametrize(("call", "match"), [
    (lambda e: e.update_bar(math.inf, 990.0, 1000.0, 1.0, 5 * H), "bar at"),
    (lambda e: e.update_bar(1010.0, 990.0, math.nan, 1.0, 5 * H), "bar at"),
    (lambda e: e.update_bar(1010.0, 990.0, 1000.0, math.nan, 5 * H), "bar at"),
    (lambda e: e.update_open_interest(1e6, H, oi_base=1000.0), "older than the previous"),
    (lambda e: e.update_open_interest(math.inf, 5 * H), "open interest"),
    (lambda e: e.update_open_interest(1e6, 5 * H, oi_base=-1.0), "open interest"),
    (lambda e: e.update_trade(math.nan, 5 * H), "price must be finite"),
    (lambda e: e.update_trade(1000.0, 5 * H, math.inf), "quantity"),  # regression: inf reached the grid
    (lambda e: e.update_trade(1000.0, 5 * H, -1.0), "quantity"),
    (lambda e: e.update_trades([1000.0], [math.nan], [False], 5 * H), "quantities"),
    (lambda e: e.update_funding(math.inf, 5 * H), "funding rate"),
    (lambda e: e.update_taker_volume(math.nan, 0.0, 5 * H), "taker volumes"),
    (lambda e: e.update_long_short_ratio(math.inf, 5 * H), "long/short ratio"),
])
def test_bad_inputs_raise_and_leave_the_state_unchanged(call, match):
    e = make(half_life_hours=4.0, taker_leverage_skew=1.0, seed_lookback_hours=24.0)
    flat(e, 1000.5, 1.0, H)
    e.update_open_interest(0.0, 2 * H, oi_base=1000.0)
    e.update_bar(1010.0, 950.0, 990.0, 2.0, 3 * H)  # a pending sweep and interval bar
    e.update_taker_volume(5.0, 1.0, 3 * H)
    e.book.settle()
    before = _state(e)
    with pytest.raises(ValueError, match=match):
        call(e)
    assert _state(e) == before
    # and the engine goes on as if nothing happened: the next reading is anchored
    e.update_open_interest(0.0, 4 * H, oi_base=1200.0)
    assert sum(e.side_units()) == pytest.approx(1200.0, rel=1e-9)
    assert np.isfinite(e.long_usd()).all() and np.isfinite(e.short_usd()).all()


# -- turnover floor ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("floor", [True, False])
def test_a_falling_target_still_replaces_what_holding_time_closed(floor):
    # half-life 2 h on the time clock: 500 base per side seeded at 1000.5 (levels 900.45 / 1100.55); one hour later
    # at 1010.5 (levels 909.45 / 1111.55) open interest falls to 600 base -> target 300 per side. The decay leaves
    # 500·2^-0.5 = 353.553 (146.447 replaced). With the floor the fall is closed from the old positions first, so
    # 300 - 146.447 = 153.553 old units are left and 146.447 are opened at 1010.5; without it the side closes to
    # 300 old units and opens nothing.
    e = make(half_life_hours=2.0, turnover_clock="time", turnover_floor=floor)
    seed_flat(e)
    flat(e, 1010.5, 1.0, 2 * H)
    opened = e.update_open_interest(600.0 * 1010.5, 2 * H, oi_base=600.0)
    replaced = 500.0 * (1.0 - 2.0 ** -0.5)
    new_units = replaced if floor else 0.0
    assert e.side_units() == (pytest.approx(300.0, rel=1e-12), pytest.approx(300.0, rel=1e-12))
    assert opened == pytest.approx(2 * new_units * 1010.5, rel=1e-12, abs=1e-9)
    assert at(e, "long", 909.45) == pytest.approx(new_units * 1010.5, rel=1e-12, abs=1e-9)
    assert at(e, "long", 900.45) == pytest.approx((300.0 - new_units) * 1000.5, rel=1e-12)
    assert at(e, "short", 1111.55) == pytest.approx(new_units * 1010.5, rel=1e-12, abs=1e-9)
    led = e.ledger
    assert led.opened == pytest.approx(e.active_usd() + e.outside_usd() + led.swept + led.closed + led.decayed,
                                       rel=1e-12)


def test_the_floor_opens_nothing_more_when_the_target_is_above_what_survived():
    # the same hour with open interest up to 900 base (target 450 > 353.553): both settings open 96.447 per side
    results = []
    for floor in (True, False):
        e = make(half_life_hours=2.0, turnover_clock="time", turnover_floor=floor)
        seed_flat(e)
        flat(e, 1010.5, 1.0, 2 * H)
        results.append(e.update_open_interest(900.0 * 1010.5, 2 * H, oi_base=900.0))
    assert results[0] == results[1] == pytest.approx(2 * (450.0 - 500.0 * 2.0 ** -0.5) * 1010.5, rel=1e-12)


def test_seed_is_short_below_95_percent_of_the_lookback():
    from liqheat_nautilus.core.anchor import seed_is_short

    assert seed_is_short(300.0, 336.0)  # 300 < 0.95 x 336 = 319.2
    assert not seed_is_short(320.0, 336.0)
    assert not seed_is_short(math.nan, 336.0)  # never seeded (trades mode, no reading yet)
    assert not seed_is_short(0.0, 0.0)  # no lookback configured: nothing is missing


# -- a side price has emptied (SYNTHETIC; found by tests/core/test_fuzz_invariants.py) --------------------------------

# the fused compiled reading (pro rata), and the step-by-step paths (cohort layers; the reference blend)
PATHS = [{}, {"close_mode": "newest_first"}, {"entry_mode": "reference"}]


@pytest.mark.parametrize("kw", [{}, {"close_mode": "newest_first"}])
def test_a_side_whose_entries_price_has_liquidated_opens_at_the_current_price(kw):
    # seed 1,000 base at 100.5 (500 units a side), one bar to 1,000.5 and back, then open interest 1,500: the
    # interval's VWAP block is (1000.5 + 100.5 + 100.5) / 3 = 400.5, its long level 360.45 is above the price since
    # (100.5): nothing survived and the longs stayed at 500 units. The 250 units open at 100.5 instead (level 90.45)
    e = make(entry_mode="vwap", **kw)
    seed_flat(e, price=100.5)
    e.update_bar(1000.5, 100.5, 100.5, 1.0, 2 * H)
    e.update_open_interest(1500.0 * 100.5, 3 * H, oi_base=1500.0)
    assert e.side_units() == pytest.approx((750.0, 750.0), rel=1e-12)
    assert at(e, "long", 90.45) == pytest.approx(750.0 * 100.5, rel=1e-12)
    assert e.long_usd().sum() == pytest.approx(750.0 * 100.5, rel=1e-12)


@pytest.mark.parametrize("kw", PATHS)
def test_entries_all_liquidated_by_a_trade_open_at_the_current_price(kw):
    # bars at 100.5 and then a trade at 10.5 (a trade is no bar: the interval's entries stay at 100.5, their long
    # levels 90.45 above 10.5); open interest 1,500: the longs open 750 units at 10.5 (level 9.45)
    e = make(**kw)
    seed_flat(e, price=100.5)
    flat(e, 100.5, 1.0, 2 * H)
    e.update_trade(10.5, 2 * H + 1)
    e.update_open_interest(1500.0 * 10.5, 3 * H, oi_base=1500.0)
    assert e.side_units()[0] == pytest.approx(750.0, rel=1e-9)
    assert e.long_usd()[e.grid.local_index(9.45) + 1:].sum() == 0.0
    assert at(e, "long", 9.45) > 0.0


@pytest.mark.parametrize("kw", PATHS)
def test_a_side_swept_out_closes_the_units_its_swept_estimate_left(kw):
    # seed at 100 (short level 110 in the bin [110, 111)), then a bar to 1,000: every short swept, its units estimated
    # at the bin centre, 50,000 · 1.1 / 110.5 = 497.74 of 500 (docs/methodology.md §6). Open interest 0 then closed
    # 0 USD and left the shorts 2.26 units without notional, for good
    e = make(**kw)
    seed_flat(e, price=100.0)
    e.update_bar(1000.0, 100.0, 100.0, 0.0, 2 * H)
    e.book.settle()
    assert e.book.short.total_usd() == 0.0
    assert e.side_units()[1] == pytest.approx(500.0 - 50_000.0 * 1.1 / 110.5, rel=1e-9)
    e.update_open_interest(0.0, 3 * H, oi_base=0.0)
    assert e.side_units() == (0.0, 0.0)
    e.update_open_interest(1000.0 * 100.0, 4 * H, oi_base=1000.0)
    assert e.side_units() == pytest.approx((500.0, 500.0), rel=1e-12)


def test_a_subnormal_survival_opens_at_the_current_price_not_an_infinite_amount():
    # 100.5, a bar to 1,000.5, a bar 1,000.5..10,000.5 of volume 2.2e-313, a flat bar without volume: only the tiny
    # bar's "after" entries keep short levels (the last bar has no volume). units / survival overflowed: inf USD
    # opened, the ledger inf and the short units nan. The 500 short units now open at 1,000.5 (level 1,100.55)
    e = make()
    seed_flat(e, price=100.5)
    e.update_bar(1000.5, 100.5, 1000.5, 1.0, 2 * H)
    e.update_bar(10000.5, 1000.5, 1000.5, 2.2250738585e-313, 2 * H)
    flat(e, 1000.5, 0.0, 2 * H)
    opened = e.update_open_interest(1000.0 * 1000.5, 3 * H, oi_base=1000.0)
    assert math.isfinite(opened) and math.isfinite(e.ledger.opened) and math.isfinite(e.ledger.swept)
    assert e.side_units() == pytest.approx((500.0, 500.0), rel=1e-9)
    assert at(e, "short", 1100.55) == pytest.approx(500.0 * 1000.5, rel=1e-12)
