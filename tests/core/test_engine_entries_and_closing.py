"""Engine: OI-delta entry modes, closing (pro rata, newest first), taker skew, trades-mode closes.

All data here is synthetic (hand-made bars and open interest) so that every expected value is hand-computed.
Grid: bin_size 1.0, so bin g covers [g, g+1); one 10x tier with the ``simple`` model: long level entry·0.9,
short level entry·1.1.
"""

import pytest

from liqheat_nautilus.core import LiquidationMapEngine, MapParams

H = 3_600_000_000_000  # one hour in ns


def make(**kw) -> LiquidationMapEngine:
    base = dict(model="simple", tiers=(10.0,), leverage_profile={10.0: 1.0}, bin_size=1.0, n_bins=1000)
    base.update(kw)
    return LiquidationMapEngine(MapParams(**base))


def flat_bar(engine, price, volume, ts):
    engine.update_bar(price, price, price, volume, ts)


def at(engine, side, price) -> float:
    usd = engine.long_usd() if side == "long" else engine.short_usd()
    return float(usd[engine.grid.local_index(price)])


def open_two_bars(engine) -> float:
    flat_bar(engine, 1000.5, 1.0, 1)
    engine.update_open_interest(1_000_000.0, 1, oi_base=1000.0)  # first observation: nothing opened
    flat_bar(engine, 1000.5, 1.0, 2)
    flat_bar(engine, 1010.5, 3.0, 3)
    return engine.update_open_interest(0.0, H, oi_base=1100.0)


def test_volume_profile_entries_hand_computed():
    e = make()
    delta = open_two_bars(e)
    # VWAP of typical prices (1000.5·1 + 1010.5·3)/4 = 1008.0; ΔOI 100 base -> 100,800 USD per side
    assert delta == pytest.approx(100_800.0)
    assert at(e, "long", 900.45) == pytest.approx(25_200.0)  # 1000.5·0.9, volume share 1/4
    assert at(e, "long", 909.45) == pytest.approx(75_600.0)  # 1010.5·0.9, share 3/4
    assert at(e, "short", 1100.55) == pytest.approx(25_200.0)
    assert at(e, "short", 1111.55) == pytest.approx(75_600.0)
    assert e.ledger.opened == pytest.approx(201_600.0)


def test_vwap_entry_mode_places_one_block():
    e = make(entry_mode="vwap")
    open_two_bars(e)
    assert at(e, "long", 907.2) == pytest.approx(100_800.0)  # 1008.0 · 0.9
    assert at(e, "short", 1108.8) == pytest.approx(100_800.0)


def test_hot_zone_mode_gives_hot_bar_its_share():
    e = make(entry_mode="hot_zones", hot_zone_share=0.7, hot_zone_window=1)
    flat_bar(e, 1000.5, 1.0, 1)
    e.update_open_interest(0.0, 1, oi_base=1000.0)
    flat_bar(e, 1000.5, 1.0, 2)  # not hot (no rise)
    flat_bar(e, 1010.5, 3.0, 3)  # rise on volume 3 > mean 1: hot
    e.update_open_interest(0.0, H, oi_base=1100.0)
    # shares 0.3·(1/4, 3/4) + 0.7·(0, 1) = (0.075, 0.925) of 100,800
    assert at(e, "long", 900.45) == pytest.approx(0.075 * 100_800.0)
    assert at(e, "long", 909.45) == pytest.approx(0.925 * 100_800.0)


def test_oi_spike_mode_places_spike_as_one_block_at_vwap():
    e = make(entry_mode="oi_spikes", spike_k_sigma=3.0, spike_window=4, spike_min_samples=4)
    flat_bar(e, 1000.5, 1.0, 0)
    base = 1000.0
    e.update_open_interest(0.0, 0, oi_base=base)
    for i, step in enumerate([1.0, -1.0, 1.0, -1.0]):  # ordinary changes: ±1000.5 USD, sigma 1000.5
        flat_bar(e, 1000.5, 1.0, (i + 1) * H - 1)
        base += step
        e.update_open_interest(0.0, (i + 1) * H, oi_base=base)
        assert not e.last_oi_spike
    before = e.long_usd().copy()
    flat_bar(e, 1000.5, 1.0, 5 * H - 2)
    flat_bar(e, 1010.5, 3.0, 5 * H - 1)
    e.update_open_interest(0.0, 5 * H, oi_base=base + 100.0)  # 100,800 USD > 3 sigma
    assert e.last_oi_spike
    added = e.long_usd() - before
    assert added[e.grid.local_index(907.2)] == pytest.approx(100_800.0)  # one block at VWAP 1008.0
    assert added.sum() == pytest.approx(100_800.0)


def test_pro_rata_close():
    e = make()
    open_two_bars(e)
    flat_bar(e, 1008.0, 1.0, H + 1)
    delta = e.update_open_interest(0.0, 2 * H, oi_base=1050.0)  # -50 base at 1008.0: -50,400 USD
    assert delta == pytest.approx(-50_400.0)
    assert at(e, "long", 900.45) == pytest.approx(12_600.0)  # halved
    assert at(e, "long", 909.45) == pytest.approx(37_800.0)
    assert e.ledger.closed == pytest.approx(100_800.0)


def test_newest_first_close_removes_latest_cohort_first():
    e = make(close_mode="newest_first", cohort_layers=3)
    flat_bar(e, 1000.5, 1.0, 1)
    e.update_open_interest(0.0, 1, oi_base=1000.0)
    flat_bar(e, 1000.5, 1.0, 2)
    e.update_open_interest(0.0, H, oi_base=1100.0)  # cohort A: 100,050 at 1000.5
    flat_bar(e, 1010.5, 1.0, H + 1)
    e.update_open_interest(0.0, 2 * H, oi_base=1150.0)  # cohort B: 50,525 at 1010.5
    flat_bar(e, 1010.5, 1.0, 2 * H + 1)
    e.update_open_interest(0.0, 3 * H, oi_base=1110.0)  # close 40 base · 1010.5 = 40,420 from B only
    assert at(e, "long", 900.45) == pytest.approx(100_050.0)
    assert at(e, "long", 909.45) == pytest.approx(50_525.0 - 40_420.0)
    flat_bar(e, 1010.5, 1.0, 3 * H + 1)
    e.update_open_interest(0.0, 4 * H, oi_base=1050.0)  # close 60,630: the rest of B (10,105), then A
    assert at(e, "long", 909.45) == pytest.approx(0.0, abs=1e-9)
    assert at(e, "long", 900.45) == pytest.approx(100_050.0 - (60_630.0 - 10_105.0))
    assert e.long.layer_totals().sum() == pytest.approx(e.long_usd().sum())


def test_newest_first_merges_oldest_layers_when_full():
    e = make(close_mode="newest_first", cohort_layers=2)
    flat_bar(e, 1000.5, 1.0, 0)
    e.update_open_interest(0.0, 0, oi_base=0.0)
    for i, price in enumerate([1000.5, 1005.5, 1010.5]):
        flat_bar(e, price, 1.0, i * H + 1)
        e.update_open_interest(0.0, (i + 1) * H, oi_base=10.0 * (i + 1))
    # three cohorts, two layers: the first two are pooled, the newest is separate
    assert e.long.layer_totals().tolist() == pytest.approx([10_005.0 + 10_055.0, 10_105.0])


def test_taker_share_and_leverage_skew():
    e = LiquidationMapEngine(MapParams(model="simple", tiers=(10.0, 100.0), leverage_profile={10.0: 1, 100.0: 1},
                                       bin_size=1.0, n_bins=1000, taker_share_skew=0.5,
                                       taker_leverage_skew=math_log2()))
    flat_bar(e, 1000.5, 1.0, 1)
    e.update_open_interest(0.0, 1, oi_base=1000.0)
    flat_bar(e, 1000.5, 1.0, 2)
    e.update_taker_volume(3.0, 1.0, 2)  # imbalance 0.5
    e.update_open_interest(0.0, H, oi_base=1100.0)  # 100,050 per side before skew
    long_usd, short_usd = e.tier_usd()
    assert long_usd.sum() == pytest.approx(100_050.0 * 1.25)
    assert short_usd.sum() == pytest.approx(100_050.0 * 0.75)
    # leverage tilt a = ln2 · 0.5 on z = (-1, +1): long weights ∝ (0.5/√2, 0.5·√2) -> (1/3, 2/3)
    assert long_usd.sum(axis=0) / long_usd.sum() == pytest.approx([1 / 3, 2 / 3])
    assert short_usd.sum(axis=0) / short_usd.sum() == pytest.approx([2 / 3, 1 / 3])


def math_log2() -> float:
    import math

    return math.log(2.0)


def test_net_liquidations_adds_swept_notional_back_to_the_flow():
    e = make(net_liquidations=True)
    open_two_bars(e)  # long 25,200 at [900, 901) and 75,600 at [909, 910)
    e.update_bar(1008.0, 905.0, 1008.0, 1.0, H + 1)  # sweeps the 909 bin: 75,600 liquidated
    assert e.take_swept() == pytest.approx((75_600.0, 0.0))
    # OI falls by 75 base valued at the bar's typical price (1008 + 905 + 1008)/3 = 973.667: ΔOI -73,025.
    # The plain rule would close 73,025 more from the surviving longs; the net rule gives the long side a
    # flow of -73,025 + 75,600 = +2,575 (opened at 973.667, level 876.3) and the short side -73,025.
    e.update_open_interest(0.0, 2 * H, oi_base=1025.0)
    assert e.long_usd().sum() == pytest.approx(25_200.0 + 2_575.0)
    assert at(e, "long", 876.3) == pytest.approx(2_575.0)
    assert e.short_usd().sum() == pytest.approx(100_800.0 - 73_025.0)


def test_trades_mode_closes_a_fraction_on_oi_decrease():
    e = make(entry_mode="trades", trade_threshold=1_000.0)
    e.update_trade(1000.5, 1, 2.0, False)  # 2,001 USD long
    assert e.update_open_interest(0.0, 1, oi_base=100.0) == 0.0
    assert e.update_open_interest(0.0, 2, oi_base=150.0) == 0.0  # increases open nothing
    assert e.long_usd().sum() == pytest.approx(2_001.0)
    e.update_open_interest(0.0, 3, oi_base=120.0)  # -20 %
    assert e.long_usd().sum() == pytest.approx(2_001.0 * 0.8)
