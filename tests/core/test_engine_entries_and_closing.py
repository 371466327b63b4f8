"""Engine: where an interval's openings are placed (entry modes), closing (pro rata, newest first), taker skew,
trades-mode closes.

All data here is SYNTHETIC (hand-made bars and open interest) so that every expected value is hand-computed.
Grid: bin_size 1.0, so bin g covers [g, g+1); one 10x tier with the ``simple`` model: long level entry·0.9,
short level entry·1.1; equal long/short split, no holding-time closing, seed at the current price. The map is
anchored to open interest in base units: each reading brings each side to half the open interest, opening the
gap at the interval's bars — the USD weights of the bars are their volume shares and the USD amount is what makes
the units right: ``amount = gap / Σ (wᵢ / entryᵢ)``.
"""

import math

import pytest

from liqheat_nautilus.core import LiquidationMapEngine, MapParams

H = 3_600_000_000_000  # one hour in ns
SEED_USD = 500_250.0  # 500 base at 1000.5 per side


def make(**kw) -> LiquidationMapEngine:
    base = dict(model="simple", tiers=(10.0,), leverage_profile={10.0: 1.0}, bin_size=1.0, n_bins=1000,
                side_split="equal", half_life_hours=0.0, seed_lookback_hours=0.0)
    base.update(kw)
    return LiquidationMapEngine(MapParams(**base))


def flat_bar(engine, price, volume, ts):
    engine.update_bar(price, price, price, volume, ts)


def at(engine, side, price) -> float:
    usd = engine.long_usd() if side == "long" else engine.short_usd()
    return float(usd[engine.grid.local_index(price)])


def seed(engine) -> None:
    flat_bar(engine, 1000.5, 1.0, 1)
    engine.update_open_interest(0.0, 1, oi_base=1000.0)  # 500 base per side at 1000.5


def open_two_bars(engine) -> float:
    seed(engine)
    flat_bar(engine, 1000.5, 1.0, 2)
    flat_bar(engine, 1010.5, 3.0, 3)
    return engine.update_open_interest(0.0, H, oi_base=1100.0)  # +50 base per side


def test_volume_profile_entries_hand_computed():
    e = make()
    opened = open_two_bars(e)
    # volume shares 1/4 at 1000.5 and 3/4 at 1010.5: amount = 50 / (0.25/1000.5 + 0.75/1010.5) = 50,399.07
    amount = 50.0 / (0.25 / 1000.5 + 0.75 / 1010.5)
    assert amount == pytest.approx(50_399.07, abs=0.01)
    assert opened == pytest.approx(2 * amount)
    assert at(e, "long", 900.45) == pytest.approx(SEED_USD + 0.25 * amount)  # 1000.5·0.9
    assert at(e, "long", 909.45) == pytest.approx(0.75 * amount)  # 1010.5·0.9
    assert at(e, "short", 1100.55) == pytest.approx(SEED_USD + 0.25 * amount)
    assert at(e, "short", 1111.55) == pytest.approx(0.75 * amount)
    assert e.ledger.opened == pytest.approx(2 * SEED_USD + 2 * amount)


def test_vwap_entry_mode_places_one_block():
    e = make(entry_mode="vwap")
    open_two_bars(e)
    # VWAP of typical prices (1000.5·1 + 1010.5·3)/4 = 1008.0: 50 base = 50,400 USD at 907.2
    assert at(e, "long", 907.2) == pytest.approx(50_400.0)
    assert at(e, "short", 1108.8) == pytest.approx(50_400.0)


def test_hot_zone_mode_gives_hot_bar_its_share():
    e = make(entry_mode="hot_zones", hot_zone_share=0.7, hot_zone_window=1)
    seed(e)
    flat_bar(e, 1000.5, 1.0, 2)  # not hot (no rise)
    flat_bar(e, 1010.5, 3.0, 3)  # rise on volume 3 > mean 1: hot
    e.update_open_interest(0.0, H, oi_base=1100.0)
    # shares 0.3·(1/4, 3/4) + 0.7·(0, 1) = (0.075, 0.925)
    amount = 50.0 / (0.075 / 1000.5 + 0.925 / 1010.5)
    assert at(e, "long", 900.45) == pytest.approx(SEED_USD + 0.075 * amount)
    assert at(e, "long", 909.45) == pytest.approx(0.925 * amount)


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
    e.update_open_interest(0.0, 5 * H, oi_base=base + 100.0)  # 100 base at VWAP 1008.0 = 100,800 USD > 3 sigma
    assert e.last_oi_spike
    added = e.long_usd() - before
    assert added[e.grid.local_index(907.2)] == pytest.approx(50_400.0)  # 50 base per side, one block at 1008.0
    assert added.sum() == pytest.approx(50_400.0)


def test_pro_rata_close():
    e = make()
    open_two_bars(e)  # 550 base per side
    flat_bar(e, 1008.0, 1.0, H + 1)
    assert e.update_open_interest(0.0, 2 * H, oi_base=1045.0) == 0.0  # 522.5 per side: 5 % too many
    amount = 50.0 / (0.25 / 1000.5 + 0.75 / 1010.5)
    assert at(e, "long", 900.45) == pytest.approx(0.95 * (SEED_USD + 0.25 * amount))
    assert at(e, "long", 909.45) == pytest.approx(0.95 * 0.75 * amount)
    assert e.ledger.closed == pytest.approx(0.05 * 2 * (SEED_USD + amount))
    assert e.side_units() == (pytest.approx(522.5), pytest.approx(522.5))


def test_newest_first_close_removes_latest_cohort_first():
    e = make(close_mode="newest_first", cohort_layers=3)
    seed(e)  # cohort S: 500 base = 500,250 USD at 900.45
    flat_bar(e, 1010.5, 1.0, 2)
    e.update_open_interest(0.0, H, oi_base=1100.0)  # cohort A: 50 base = 50,525 USD at 909.45
    flat_bar(e, 1010.5, 1.0, H + 1)
    e.update_open_interest(0.0, 2 * H, oi_base=1060.0)  # 20 base too many per side
    # the excess is a fraction 20/550 of the side's units, closed as that fraction of its USD, newest first:
    # 20/550 · 550,775 = 20,028.18 USD, all from A
    closed = 20.0 / 550.0 * (SEED_USD + 50_525.0)
    assert at(e, "long", 900.45) == pytest.approx(SEED_USD)
    assert at(e, "long", 909.45) == pytest.approx(50_525.0 - closed)
    flat_bar(e, 1010.5, 1.0, 2 * H + 1)
    e.update_open_interest(0.0, 3 * H, oi_base=900.0)  # 80 of 530 base per side: the rest of A, then S
    closed2 = 80.0 / 530.0 * (SEED_USD + 50_525.0 - closed)
    assert at(e, "long", 909.45) == pytest.approx(0.0, abs=1e-6)
    assert at(e, "long", 900.45) == pytest.approx(SEED_USD - (closed2 - (50_525.0 - closed)))
    assert e.long.layer_totals().sum() == pytest.approx(e.long_usd().sum())
    assert e.side_units() == (pytest.approx(450.0), pytest.approx(450.0))


def test_newest_first_merges_oldest_layers_when_full():
    e = make(close_mode="newest_first", cohort_layers=2)
    flat_bar(e, 1000.5, 1.0, 0)
    e.update_open_interest(0.0, 0, oi_base=20.0)  # seed: 10 base per side at 1000.5
    for i, price in enumerate([1005.5, 1010.5]):
        flat_bar(e, price, 1.0, i * H + 1)
        e.update_open_interest(0.0, (i + 1) * H, oi_base=20.0 * (i + 2))
    # three cohorts, two layers: the seed and the first increase are pooled, the newest is separate
    assert e.long.layer_totals().tolist() == pytest.approx([10_005.0 + 10_055.0, 10_105.0])


def test_taker_share_and_leverage_skew():
    e = make(tiers=(10.0, 100.0), leverage_profile={10.0: 1, 100.0: 1}, taker_share_skew=0.5,
             taker_leverage_skew=math.log(2.0))
    seed(e)  # 500 base per side, tiers 1/2 each
    flat_bar(e, 1000.5, 1.0, 2)
    e.update_taker_volume(3.0, 1.0, 2)  # imbalance 0.5
    e.update_open_interest(0.0, H, oi_base=1000.0)
    # long share 0.5·1.25 / (0.5·1.25 + 0.5·0.75) = 0.625: longs 625 base (+125 opened), shorts 375 (-125 closed)
    assert e.side_units() == (pytest.approx(625.0), pytest.approx(375.0))
    long_usd, short_usd = e.tier_usd()
    assert long_usd.sum() == pytest.approx(625.0 * 1000.5)
    assert short_usd.sum() == pytest.approx(375.0 * 1000.5)
    # the new longs are tilted by a = ln2 · 0.5 on z = (-1, +1): weights ∝ (0.5/√2, 0.5·√2) -> (1/3, 2/3)
    opened = 125.0 * 1000.5
    assert long_usd.sum(axis=0).tolist() == pytest.approx([SEED_USD / 2 + opened / 3, SEED_USD / 2 + opened * 2 / 3])
    assert short_usd.sum(axis=0).tolist() == pytest.approx([375.0 * 1000.5 / 2] * 2)  # closed pro rata


def test_trades_mode_closes_a_fraction_on_oi_decrease():
    e = make(entry_mode="trades", trade_threshold=1_000.0)
    e.update_trade(1000.5, 1, 2.0, False)  # 2,001 USD long
    assert e.update_open_interest(0.0, 1, oi_base=100.0) == 0.0
    assert e.update_open_interest(0.0, 2, oi_base=150.0) == 0.0  # increases open nothing
    assert e.long_usd().sum() == pytest.approx(2_001.0)
    e.update_open_interest(0.0, 3, oi_base=120.0)  # -20 %
    assert e.long_usd().sum() == pytest.approx(2_001.0 * 0.8)


def test_bars_fed_out_of_time_order_are_refused_and_change_nothing():
    # newest-first bars (as many exchange APIs return them) were accepted: the engine's clock went back and the
    # seed spread the open interest over a different span, silently
    e = LiquidationMapEngine(MapParams())
    e.update_bar(101.0, 99.0, 100.0, 5.0, 2 * 60_000_000_000)  # synthetic bars
    e.update_bar(101.0, 99.0, 100.5, 5.0, 2 * 60_000_000_000)  # the same time again: accepted
    with pytest.raises(ValueError, match=r"bar at 60000000000 is older than the bar fed before it \(at 120000000000\)"):
        e.update_bar(102.0, 98.0, 99.0, 5.0, 60_000_000_000)
    assert e.price == 100.5 and e.ts_ns == 2 * 60_000_000_000 and len(e.bars) == 2
    e.reset()
    e.update_bar(102.0, 98.0, 99.0, 5.0, 60_000_000_000)  # reset forgets the last bar's time
    assert e.price == 99.0
