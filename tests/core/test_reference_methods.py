"""The reference methods against hand-computed values: normal leverage distribution (static and dynamic), the
70/20/10 entry blend, bin status by swept share, the long/short split, and the entry helpers of the anchored map
(adverse prices, holding survival, clock ages, intrabar spreading).

Φ values quoted below are standard normal CDF values (any table; e.g. Φ(1/3) = 0.6305587). All inputs are
SYNTHETIC hand-made numbers.
"""

import math

import numpy as np
import pytest

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.core.entries import (
    BAR_SPREAD,
    REFERENCE_BLEND,
    adverse_after,
    bar_entries,
    clock_ages,
    holding_survival,
    reference_entries,
    volume_span_hours,
)
from liqheat_nautilus.core.kernels import STATUS_ACTIVE, STATUS_CLEARED, STATUS_PARTIAL
from liqheat_nautilus.core.leverage import (
    NORMAL_LEVERAGE_GRID,
    NORMAL_PROFILES,
    dynamic_normal_parameters,
    normal_leverage_weights,
)
from liqheat_nautilus.core.positioning import long_share, ratio_long_share
from liqheat_nautilus.core.reads import bin_status

H = 3_600_000_000_000


def phi(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


# -- normal leverage distribution ---------------------------------------------------------------------------------


def test_normal_neutral_profile_hand_values():
    # N(25, 15) on 1, 2, 3, 5, ..., 125x; midpoints 1.5, 2.5, 4, ..., 112.5
    w = normal_leverage_weights(25.0, 15.0)
    grid = list(NORMAL_LEVERAGE_GRID)
    assert w[grid.index(1.0)] == pytest.approx(0.0585963, abs=1e-7)  # Φ((1.5 - 25)/15) = Φ(-1.5667): clipped to 1x
    assert w[grid.index(2.0)] == pytest.approx(0.0668072 - 0.0585963, abs=1e-7)  # Φ(-1.5) - Φ(-1.5667)
    assert w[grid.index(25.0)] == pytest.approx(0.6305587 - 0.4338162, abs=1e-7)  # Φ(1/3) - Φ(-1/6)
    assert w[grid.index(125.0)] == pytest.approx(2.7165e-9, rel=1e-4)  # 1 - Φ(5.8333): mass above 112.5x
    assert w.sum() == pytest.approx(1.0, rel=1e-15)
    # every point against the definition, Φ by erf
    mids = [(a + b) / 2 for a, b in zip(grid[:-1], grid[1:], strict=True)]
    edges = [0.0, *(phi((m - 25.0) / 15.0) for m in mids), 1.0]
    np.testing.assert_allclose(w, np.diff(edges), rtol=1e-12, atol=1e-15)


def test_normal_profiles_and_clipping():
    assert NORMAL_PROFILES == {"conservative": (12.0, 8.0), "neutral": (25.0, 15.0), "aggressive": (60.0, 25.0)}
    means = [float(np.dot(normal_leverage_weights(*NORMAL_PROFILES[n]), NORMAL_LEVERAGE_GRID))
             for n in ("conservative", "neutral", "aggressive")]
    assert means[0] < means[1] < means[2]
    far_up = normal_leverage_weights(500.0, 5.0)  # all mass beyond 125x is 125x
    assert far_up[-1] == pytest.approx(1.0) and far_up[:-1].sum() < 1e-12
    far_down = normal_leverage_weights(-50.0, 5.0)  # below 1x counts as 1x
    assert far_down[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="sigma"):
        normal_leverage_weights(25.0, 0.0)
    with pytest.raises(ValueError, match="ascend"):
        normal_leverage_weights(25.0, 15.0, (10.0, 5.0))


def test_dynamic_normal_parameters_hand_values():
    assert dynamic_normal_parameters(0.0) == (25.0, 15.0)
    assert dynamic_normal_parameters(0.0001) == pytest.approx((55.0, 10.0))  # a = 1
    assert dynamic_normal_parameters(-0.0001) == pytest.approx((55.0, 10.0))  # |f|
    assert dynamic_normal_parameters(0.00005) == pytest.approx((40.0, 12.5))  # a = 0.5
    assert dynamic_normal_parameters(0.0003) == pytest.approx((85.0, 5.0))  # a clipped at 2


def test_engine_normal_model_profiles_mean_std_and_dynamic():
    e = LiquidationMapEngine(MapParams(leverage_model="normal", leverage_profile="aggressive"))
    assert e.tiers.tolist() == list(NORMAL_LEVERAGE_GRID)
    np.testing.assert_array_equal(e.base_weights, normal_leverage_weights(60.0, 25.0))
    e = LiquidationMapEngine(MapParams(leverage_model="normal", leverage_mean=18.5, leverage_std=11.2))
    np.testing.assert_array_equal(e.base_weights, normal_leverage_weights(18.5, 11.2))
    e = LiquidationMapEngine(MapParams(leverage_model="normal", leverage_profile="dynamic"))
    np.testing.assert_array_equal(e.base_weights, normal_leverage_weights(25.0, 15.0))  # before any funding
    e.update_funding(0.0001, H)
    np.testing.assert_array_equal(e.base_weights, normal_leverage_weights(55.0, 10.0))
    e.reset()  # as new: reset() kept the last funding's weights, so a reset engine seeded unlike a new one
    np.testing.assert_array_equal(e.base_weights, normal_leverage_weights(25.0, 15.0))
    with pytest.raises(ValueError, match="leverage_mean"):
        MapParams(leverage_model="tiers", leverage_mean=20.0)  # would be ignored silently
    with pytest.raises(ValueError, match="leverage_profile"):
        MapParams(leverage_model="normal", leverage_profile="wild")


# -- reference entry blend ----------------------------------------------------------------------------------------

# six synthetic periods: closes, volumes, returns and OI changes (thresholds given directly: volume > 3, ΔOI > 50)
CLOSE = np.array([100.0, 101.0, 102.5, 102.0, 103.5, 103.0])
VOLUME = np.array([1.0, 5.0, 6.0, 1.0, 4.0, 1.0])
RETURNS = np.array([0.0, 0.01, 0.0149, -0.0049, 0.0147, -0.0048])
D_OI = np.array([0.0, 100.0, 80.0, 0.0, 10.0, 0.0])
VWAP = float(np.dot(CLOSE, VOLUME) / VOLUME.sum())  # 1839 / 18 = 102.1667


def test_reference_entries_hot_zone_big_moves_and_vwap():
    # longs: periods 1, 2, 4 rose > 0.8 % on volume > 3; 1 and 2 also with ΔOI > 50: one hot zone (run 1-2) at
    # its volume-weighted close (101·5 + 102.5·6)/11 = 101.818, weight 0.7; big moves: runs 1-2 (volume 11) and
    # 4 (volume 4) share 0.2 as 11:4; the VWAP takes 0.1
    prices, weights = reference_entries(CLOSE, VOLUME, RETURNS, D_OI, 1, 3.0, 50.0)
    run = 1120.0 / 11.0
    np.testing.assert_allclose(prices, [run, run, 103.5, VWAP], rtol=1e-12)
    np.testing.assert_allclose(weights, [0.7, 0.2 * 11 / 15, 0.2 * 4 / 15, 0.1], rtol=1e-12)
    assert REFERENCE_BLEND == (0.7, 0.2, 0.1)


def test_reference_entries_missing_methods_are_renormalised():
    # shorts: no period fell more than 0.8 %: only the VWAP is left and takes everything
    prices, weights = reference_entries(CLOSE, VOLUME, RETURNS, D_OI, -1, 3.0, 50.0)
    np.testing.assert_allclose(prices, [VWAP], rtol=1e-12)
    assert weights.tolist() == [1.0]
    # no OI history (the seed): no hot zone; big moves 0.2 and VWAP 0.1 renormalised to 2/3 and 1/3
    prices, weights = reference_entries(CLOSE, VOLUME, RETURNS, np.full(6, np.nan), 1, 3.0, math.inf)
    np.testing.assert_allclose(prices, [1120.0 / 11.0, 103.5, VWAP], rtol=1e-12)
    np.testing.assert_allclose(weights, [2 / 3 * 11 / 15, 2 / 3 * 4 / 15, 1 / 3], rtol=1e-12)


def test_engine_reference_mode_seeds_by_the_blend_over_hourly_periods():
    # eight hourly flat bars, closes 1000 ×3 then 1012 ×5, volumes 1 except 5 in the hour of the rise: the 75 %
    # volume quantile is 1, so the rise (+1.2 % on volume 5) is the only big move; no OI history before the
    # first reading -> no hot zone. Longs: 2/3 at 1012 (big move), 1/3 at the VWAP (3·1000 + 9·1012)/12 = 1009;
    # shorts (no fall): everything at the VWAP. 500 base per side.
    e = LiquidationMapEngine(MapParams(model="simple", tiers=(10.0,), leverage_profile={10.0: 1.0}, bin_size=0.1,
                                       n_bins=4000, entry_mode="reference", side_split="equal",
                                       half_life_hours=0.0, seed_lookback_hours=24.0))
    for i, (close, volume) in enumerate(zip([1000.0] * 3 + [1012.0] * 5, [1, 1, 1, 5, 1, 1, 1, 1], strict=True)):
        e.update_bar(close, close, close, float(volume), (i + 1) * H)
    e.update_open_interest(0.0, 8 * H, oi_base=1000.0)
    amount = 500.0 / (2 / 3 / 1012.0 + 1 / 3 / 1009.0)
    long_usd, short_usd = e.long_usd(), e.short_usd()
    assert long_usd[e.grid.local_index(910.85)] == pytest.approx(2 / 3 * amount, rel=1e-12)
    assert long_usd[e.grid.local_index(908.15)] == pytest.approx(1 / 3 * amount, rel=1e-12)
    assert short_usd[e.grid.local_index(1109.95)] == pytest.approx(500.0 * 1009.0, rel=1e-12)
    assert long_usd.sum() == pytest.approx(amount, rel=1e-12)
    # after the seed each open-interest interval is one period, so its hot zone, big move and VWAP are all the
    # interval's VWAP: the blend places the gap there whatever the classification
    e.update_bar(1030.0, 1030.0, 1030.0, 9.0, 9 * H)
    e.update_bar(1020.0, 1020.0, 1020.0, 1.0, 10 * H)
    e.update_open_interest(0.0, 10 * H, oi_base=1100.0)
    vwap = (1030.0 * 9 + 1020.0) / 10
    assert e.long_usd()[e.grid.local_index(0.9 * vwap + 0.05)] == pytest.approx(50.0 * vwap, rel=1e-12)


# -- bin status by swept share ----------------------------------------------------------------------------------


def test_bin_status_swept_share_thresholds():
    path = np.array([0, 1, 1, 1, 1, 2], dtype=np.int8)
    share = np.array([0.0, 0.2, 0.21, 0.8, 0.81, 1.0])
    assert bin_status(path, share, "swept_share").tolist() == [
        STATUS_ACTIVE, STATUS_ACTIVE, STATUS_PARTIAL, STATUS_PARTIAL, STATUS_CLEARED, STATUS_CLEARED]
    assert bin_status(path, share, "path") is path


@pytest.mark.parametrize(("low", "path_status", "share_status"), [
    (900.9, STATUS_PARTIAL, STATUS_ACTIVE),  # 10 % of the bin swept
    (900.7, STATUS_PARTIAL, STATUS_PARTIAL),  # 30 %
    (900.1, STATUS_PARTIAL, STATUS_CLEARED),  # 90 %
])
def test_engine_status_rules(low, path_status, share_status):
    for rule, expected in (("path", path_status), ("swept_share", share_status)):
        e = LiquidationMapEngine(MapParams(model="simple", tiers=(10.0,), leverage_profile={10.0: 1.0},
                                           bin_size=1.0, n_bins=1000, status_rule=rule, seed_lookback_hours=0.0))
        e.update_bar(1000.5, 1000.5, 1000.5, 1.0, H)
        e.update_open_interest(0.0, H, oi_base=1000.0)  # longs at 900.45
        e.update_bar(1000.5, low, 1000.0, 1.0, 2 * H)
        assert e.bin_status()[0][e.grid.local_index(900.45)] == expected, rule


# -- long/short split ---------------------------------------------------------------------------------------------


def test_long_share_hand_values():
    assert ratio_long_share(1.5) == pytest.approx(0.6)
    assert long_share("ratio", 1.5, 0.0, 8.0, 2500.0) == pytest.approx(0.6)
    assert long_share("auto", 3.0, 0.01, 8.0, 2500.0) == pytest.approx(0.75)  # the ratio wins when known
    # funding 0.0003 per 8 h, k = 2500: 0.5 + 0.2·tanh(0.5) = 0.5924234 (the docstring's value)
    assert long_share("funding", 1.5, 0.0003, 8.0, 2500.0) == pytest.approx(0.5924234, abs=1e-7)
    assert long_share("auto", math.nan, 0.00015, 4.0, 2500.0) == pytest.approx(0.5924234, abs=1e-7)  # per 4 h
    assert long_share("funding", math.nan, 0.0001, 0.0, 2500.0) == 0.5  # the base rate: no tilt (0 h read as 8)
    assert long_share("funding", math.nan, math.nan, 8.0, 2500.0) == 0.5  # no rate known
    assert long_share("ratio", math.nan, 0.01, 8.0, 2500.0) == 0.5  # no ratio yet
    assert long_share("equal", 3.0, 0.01, 8.0, 2500.0) == 0.5
    # taker skew a = 0.5 with I = 0.5 on s = 0.6: 0.6·1.25 / (0.6·1.25 + 0.4·0.75) = 0.75 / 1.05
    assert long_share("ratio", 1.5, 0.0, 8.0, 2500.0, 0.5, 0.5) == pytest.approx(0.75 / 1.05)
    assert long_share("ratio", 1.5, 0.0, 8.0, 2500.0, offset=-0.1) == pytest.approx(0.5)
    assert long_share("ratio", 100.0, 0.0, 8.0, 2500.0) == 0.95  # clipped
    assert long_share("equal", 1.0, 0.0, 8.0, 2500.0, offset=-0.45) == 0.05
    with pytest.raises(ValueError, match="long/short ratio"):
        ratio_long_share(-1.0)


# -- entry helpers ---------------------------------------------------------------------------------------------


def test_adverse_after_excludes_the_bars_own_range():
    lowest, highest = adverse_after(np.array([5.0, 3.0, 4.0]), np.array([6.0, 8.0, 7.0]), 4.5)
    assert lowest.tolist() == [3.0, 4.0, 4.5]  # min of the later lows and the current price
    assert highest.tolist() == [8.0, 7.0, 4.5]
    empty = adverse_after(np.zeros(0), np.zeros(0), 1.0)
    assert empty[0].size == 0 and empty[1].size == 0


def test_holding_survival_per_leverage_point():
    s = holding_survival(np.array([0.0, 1.0, 2.0]), np.array([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(s, [[1.0, 1.0, 1.0], [0.5, 1.0, 2 ** -0.5], [0.25, 1.0, 0.5]], rtol=1e-15)


def test_clock_ages_time_and_volume():
    ts = np.array([1, 2, 3]) * H
    assert clock_ages(ts, np.array([1.0, 1.0, 2.0]), 3 * H, "time").tolist() == [2.0, 1.0, 0.0]
    # volume: 4 units over 3 h (first bar's open at 0 h to now) -> 4/3 per hour; volume after each bar 3, 2, 0
    np.testing.assert_allclose(clock_ages(ts, np.array([1.0, 1.0, 2.0]), 3 * H, "volume"), [2.25, 1.5, 0.0])
    np.testing.assert_allclose(clock_ages(ts, np.ones(3), 3 * H, "volume"), [2.0, 1.0, 0.0])  # uniform = time
    assert clock_ages(ts, np.zeros(3), 3 * H, "volume").tolist() == [2.0, 1.0, 0.0]  # no volume: time
    assert volume_span_hours(ts, 3 * H) == 3.0
    assert volume_span_hours(np.array([2 * H]), 3 * H) == 0.0  # one bar: its length (the spacing) is unknown
    assert volume_span_hours(np.zeros(0, dtype=np.int64), 3 * H) == 0.0


def test_bar_entries_spread_each_bar_over_low_typical_high_before_and_after():
    # one synthetic bar (low 98, typical 100, high 103), current price 101: six virtual entries, each half of
    # a point "before" the bar's own extremes (adverse prices 98 / 103) and half "after" (only the price 101)
    entries, weights, lowest, highest = bar_entries(np.array([100.0]), np.array([98.0]), np.array([103.0]),
                                                    np.ones((1, 1)), 101.0)
    assert [share for _, share in BAR_SPREAD] == [0.25, 0.5, 0.25]
    assert entries.tolist() == [98.0, 98.0, 100.0, 100.0, 103.0, 103.0]
    assert weights[:, 0].tolist() == [0.125, 0.125, 0.25, 0.25, 0.125, 0.125]
    assert lowest.tolist() == [98.0, 101.0] * 3
    assert highest.tolist() == [103.0, 101.0] * 3
    # per-tier weights keep their columns and each bar's total
    _, w2, _, _ = bar_entries(np.array([100.0, 110.0]), np.array([99.0, 108.0]), np.array([101.0, 111.0]),
                              np.array([[0.3, 0.6], [0.7, 0.4]]), 110.0)
    np.testing.assert_allclose(w2.sum(axis=0), [1.0, 1.0])
