"""Leverage profiles: named, user {tier: weight}, dynamic funding tilt (bounded) and the generic tilt."""

import math

import numpy as np
import pytest

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.core.leverage import DEFAULT_TIERS, PROFILES, funding_tilt, leverage_weights, tilt_weights


@pytest.mark.parametrize("name", ["conservative", "neutral", "aggressive", "dynamic"])
def test_named_profiles_are_distributions(name):
    w = leverage_weights(name)
    assert w.shape == (8,)
    assert math.isclose(w.sum(), 1.0, rel_tol=1e-15)
    assert np.all(w >= 0.0)


def test_named_profiles_put_mass_where_documented():
    tiers = np.asarray(DEFAULT_TIERS)
    cons, neut, aggr = (leverage_weights(n) for n in ("conservative", "neutral", "aggressive"))
    assert cons[tiers <= 10].sum() == pytest.approx(0.70)  # mass on 5-10x
    assert neut[(tiers >= 20) & (tiers <= 50)].sum() == pytest.approx(0.65)  # centred on 20-50x
    assert aggr[tiers >= 75].sum() == pytest.approx(0.65)  # skewed to 75-125x
    assert np.dot(cons, tiers) < np.dot(neut, tiers) < np.dot(aggr, tiers)
    assert leverage_weights("dynamic").tolist() == leverage_weights("neutral").tolist()
    assert PROFILES["neutral"][3] == 0.25


def test_user_profile_is_normalised_and_validated():
    w = leverage_weights({10.0: 1.0, 100.0: 3.0}, (10.0, 25.0, 100.0))
    assert w.tolist() == [0.25, 0.0, 0.75]
    with pytest.raises(ValueError, match="not one of"):
        leverage_weights({7.0: 1.0}, (10.0, 25.0))
    with pytest.raises(ValueError, match="not all 0"):
        leverage_weights({10.0: 0.0}, (10.0, 25.0))
    with pytest.raises(ValueError, match="defined on tiers"):
        leverage_weights("neutral", (10.0, 25.0))


def test_funding_tilt_direction_and_bound():
    base = leverage_weights("neutral")
    tiers = np.asarray(DEFAULT_TIERS)
    long_w, short_w = funding_tilt(base, DEFAULT_TIERS, 0.0001)  # a = 0.2
    assert np.dot(long_w, tiers) > np.dot(base, tiers) > np.dot(short_w, tiers)
    long_n, short_n = funding_tilt(base, DEFAULT_TIERS, -0.0001)
    np.testing.assert_allclose(long_n, short_w, rtol=1e-14)  # negative funding: the reverse
    # bounded: any funding beyond max_tilt/sensitivity gives the same weights as the bound itself
    at_bound, _ = funding_tilt(base, DEFAULT_TIERS, 0.0005)
    extreme, _ = funding_tilt(base, DEFAULT_TIERS, 0.05)
    np.testing.assert_allclose(extreme, at_bound, rtol=1e-14)
    ratio = extreme / base
    assert ratio.max() <= math.exp(2.0 * 1.0 * math.sqrt(7.0))


def test_tilt_weights_hand_value_two_tiers():
    # tiers 10, 100: ln L = (2.3026, 4.6052), z = (-1, +1); a = ln 2 -> weights ∝ (0.5·0.5, 0.5·2) = (0.2, 0.8)
    w = tilt_weights(np.array([0.5, 0.5]), (10.0, 100.0), math.log(2.0))
    np.testing.assert_allclose(w, [0.2, 0.8], rtol=1e-12)


def test_user_weights_on_the_normal_grid_and_on_1x():
    # regression: MapParams accepts leverage points >= 1 (the normal model's grid starts at 1x) but a
    # {tier: weight} profile on them failed when the engine was built ("values > 1")
    from liqheat_nautilus.core import LiquidationMapEngine, MapParams

    e = LiquidationMapEngine(MapParams(leverage_model="normal", leverage_profile={1.0: 1.0, 10.0: 3.0}))
    w = dict(zip(e.tiers.tolist(), e.base_weights.tolist(), strict=True))
    assert (w[1.0], w[10.0], sum(w.values())) == (0.25, 0.75, 1.0)
    assert leverage_weights({1.0: 1.0, 5.0: 1.0}, (1.0, 5.0)).tolist() == [0.5, 0.5]
    with pytest.raises(ValueError, match=">= 1"):
        leverage_weights({0.5: 1.0}, (0.5, 5.0))


@pytest.mark.parametrize(("profile", "reason"), [
    ({5: -1.0, 10: 2.0}, "not all 0"), ({5: 1.0, 7: 1.0}, "tier 7, which is not one of"),
    ({"x": 1.0}, "could not convert"),
])
def test_map_params_refuses_weights_the_engine_cannot_use(profile, reason):
    # accepted, then the engine failed on them naming no field (through a profile file: naming no file either)
    with pytest.raises(ValueError, match=rf"leverage_profile=.*\{{tier: weight\}} on the leverage points .*{reason}"):
        MapParams(leverage_profile=profile)
    MapParams(leverage_profile={5: 1.0, 125: 2.0})  # weights on the tiers: fine


@pytest.mark.parametrize("call", [
    lambda e: e.update_open_interest(1e6, float("nan")), lambda e: e.update_funding(1e-4, float("nan")),
    lambda e: e.update_bar(101.0, 99.0, 100.0, 1.0, float("nan")), lambda e: e.update_open_interest(1e6, 1.5e11),
])
def test_times_must_be_integers(call):
    # a nan open-interest time passed the order check and switched it off for good (nan < t is False)
    e = LiquidationMapEngine()
    e.update_bar(101.0, 99.0, 100.0, 1.0, 3_600_000_000_000)
    with pytest.raises(ValueError, match=r"ts_ns must be an integer time \(UNIX ns\)"):
        call(e)


H = 3_600_000_000_000


@pytest.mark.parametrize(("name", "call"), [
    ("bar", lambda e: e.update_bar(101.0, 99.0, 100.0, 1.0, 1.7e18)),
    ("trade", lambda e: e.update_trade(100.0, 1.7e18, 2.0)),
    ("trade batch", lambda e: e.update_trades([100.0], [2.0], [False], 1.7e18)),
    ("open-interest reading", lambda e: e.update_open_interest(1e6, 1.7e18)),
    ("funding rate", lambda e: e.update_funding(1e-4, 1.7e18)),
])
def test_a_float_time_is_refused_naming_the_argument_and_its_value(name, call):
    # 1.7e18 as a float has lost its nanoseconds: a first bar, trades and batches of trades took it silently
    e = LiquidationMapEngine()
    if name != "bar":
        e.update_bar(101.0, 99.0, 100.0, 1.0, H)
    before = (e.last_bar_ns, e.ts_ns, e.price, len(e.bars), e.bars.taker_buy, e.open_interest_usd, e.funding_rate)
    with pytest.raises(ValueError, match=rf"^{name}: ts_ns must be an integer time \(UNIX ns\), was 1\.7e\+18$"):
        call(e)
    assert (e.last_bar_ns, e.ts_ns, e.price, len(e.bars), e.bars.taker_buy, e.open_interest_usd,
            e.funding_rate) == pytest.approx(before, nan_ok=True)  # the state is unchanged


def test_the_first_bar_time_is_checked_at_no_cost_to_the_next_bars():
    # the first bar (and the first after a reset) takes update_bar's checking branch; the per-bar path is unchanged
    e = LiquidationMapEngine()
    assert e.last_bar_ns == -(2**63)
    with pytest.raises(ValueError, match=r"bar: ts_ns must be an integer time \(UNIX ns\), was np.float64"):
        e.update_bar(101.0, 99.0, 100.0, 1.0, np.float64(H))
    assert e.grid is None and e.last_bar_ns == -(2**63)
    e.update_bar(101.0, 99.0, 100.0, 1.0, np.int64(H))  # numpy integers are times
    e.update_bar(101.0, 99.0, 100.0, 1.0, H)  # the same time again: fine
    assert e.last_bar_ns == H and len(e.bars) == 2
    with pytest.raises(ValueError, match="older than the bar fed before it"):
        e.update_bar(101.0, 99.0, 100.0, 1.0, H - 1)
    e.reset()
    with pytest.raises(ValueError, match=r"ts_ns must be an integer time \(UNIX ns\), was 1\.7e\+18"):
        e.update_bar(101.0, 99.0, 100.0, 1.0, 1.7e18)
    with pytest.raises(ValueError, match="need 0 < low <= close <= high"):  # a first bar's prices still checked
        e.update_bar(101.0, 99.0, 102.0, 1.0, H)
