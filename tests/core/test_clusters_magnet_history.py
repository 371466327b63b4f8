"""Clusters (runs, thresholds, ids, transitions), magnet force and bias, cumulative curves, ring buffer.

Synthetic, hand-made maps (labelled); every expected value is computed by hand in the comments.
"""

import sys

import numpy as np
import pytest

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.core.clusters import ClusterInfo, ClusterTracker
from liqheat_nautilus.core.enums import ClusterStatus, Side
from liqheat_nautilus.core.history import MapHistory
from liqheat_nautilus.core.magnet import Magnet, magnet_force, magnet_from_forces
from tests.core.references import cluster_threshold, find_runs

H = 3_600_000_000_000
ACTIVE, PARTIAL, CLEARED = ClusterStatus
LONG, SHORT = Side


def test_find_runs_merges_small_gaps():
    mask = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1], dtype=bool)
    assert find_runs(mask, 0) == [(0, 1), (3, 3), (6, 6), (10, 10)]
    assert find_runs(mask, 1) == [(0, 3), (6, 6), (10, 10)]
    assert find_runs(mask, 2) == [(0, 6), (10, 10)]
    assert find_runs(np.zeros(4, dtype=bool), 3) == []


def test_cluster_thresholds():
    totals = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 0.0])
    assert cluster_threshold(totals, "quantile", 0.5, 2.0) == 2.5  # median of 1..4
    # mean 2.5, population std sqrt(1.25)
    assert cluster_threshold(totals, "sigma", 0.9, 2.0) == pytest.approx(2.5 + 2.0 * np.sqrt(1.25))
    assert cluster_threshold(np.zeros(3), "quantile", 0.5, 2.0) == float("inf")
    with pytest.raises(ValueError, match="method"):
        cluster_threshold(totals, "max", 0.5, 2.0)


def info(low, high, notional=1.0, side=LONG) -> ClusterInfo:
    return ClusterInfo(0, side, (low + high) / 2, low, high, 10.0, notional, 1, 1.0, -1.0, ACTIVE, 0, 0)


def test_tracker_keeps_ids_and_reports_cleared():
    tr = ClusterTracker(match_tolerance=1.0)
    first = tr.update([info(90, 92, 5.0), info(80, 81, 1.0), info(110, 112, 2.0, SHORT)], 1, 100.0, 100.0)
    ids = {c.price_low: c.cluster_id for c in first}
    assert sorted(ids.values()) == [1, 2, 3]
    # the 90-92 cluster moved up by one bin (no overlap) keeps its id thanks to the tolerance; 80-81 vanished
    # without price reaching it: dropped silently
    second = tr.update([info(92, 94, 5.0), info(110, 112, 2.0, SHORT)], 2, 95.0, 111.0)
    by_low = {c.price_low: c for c in second}
    assert by_low[92].cluster_id == ids[90] and by_low[92].first_seen == 1 and by_low[92].last_seen == 2
    assert by_low[110].cluster_id == ids[110]
    assert len(second) == 2
    # the long cluster disappears after a low at 91 (<= its price_low 92): reported once as CLEARED
    third = tr.update([info(110, 112, 2.0, SHORT)], 3, 91.0, 100.0)
    cleared = [c for c in third if c.status == CLEARED]
    assert [c.cluster_id for c in cleared] == [ids[90]] and cleared[0].strength == 0.0
    assert [c.status for c in tr.update([info(110, 112, 2.0, SHORT)], 4, 99.0, 100.0)] == [ACTIVE]


def test_tracker_without_tolerance_churns_on_a_one_bin_move():
    tr = ClusterTracker()
    a = tr.update([info(90, 92)], 1, 100.0, 100.0)[0].cluster_id
    b = tr.update([info(92, 94)], 2, 100.0, 100.0)[0].cluster_id
    assert a != b


def engine_with_two_long_clusters() -> LiquidationMapEngine:
    """
    Synthetic: the seed places 60,000 USD of longs at [900, 901) (from 1000.5) and 20,000 at [950, 951)
    (1056.5·0.9 = 950.85), and the same USD of shorts at 1100.55 and 1162.15.

    Two flat lookback bars (1000.5 with volume 3, then 1056.5 with volume 1; no holding-time decay) give USD
    weights 3/4 and 1/4; 80,000 USD per side is 60,000/1000.5 + 20,000/1056.5 base units, half of the open
    interest (equal split).
    """
    e = LiquidationMapEngine(MapParams(model="simple", tiers=(10.0,), leverage_profile={10.0: 1.0}, bin_size=1.0,
                                       n_bins=1000, cluster_quantile=0.0, cluster_max_gap=0,
                                       avg_position_usd=5_000.0, side_split="equal", half_life_hours=0.0))
    e.update_bar(1000.5, 1000.5, 1000.5, 3.0, H)
    e.update_bar(1056.5, 1056.5, 1056.5, 1.0, 2 * H)
    e.update_open_interest(0.0, 2 * H, oi_base=2.0 * (60_000.0 / 1000.5 + 20_000.0 / 1056.5))
    return e


def test_detect_clusters_fields():
    e = engine_with_two_long_clusters()
    longs = [c for c in e.update_clusters() if c.side == LONG]
    assert [round(c.notional_usd) for c in longs] == [60_000, 20_000]
    top = longs[0]
    assert top.price_level == 900.5 and top.price_low == 900.0 and top.price_high == 901.0
    assert top.liquidation_count == 12  # 60,000 / 5,000
    assert top.leverage_tier == 10.0
    assert top.distance_pct == pytest.approx((900.5 - 1056.5) / 1056.5 * 100.0)
    shorts = [c for c in e.detect_clusters() if c.side == SHORT]
    assert max(c.strength for c in longs + shorts) == 1.0  # the 60,000 clusters (long and short)
    assert longs[1].strength == pytest.approx(1 / 3)


def test_cluster_transitions_active_partial_cleared_with_stable_id():
    e = engine_with_two_long_clusters()
    first = {c.price_low: c for c in e.update_clusters() if c.side == LONG}
    cid = first[950.0].cluster_id
    e.update_bar(1000.0, 950.5, 1000.0, 1.0, 2 * H + 1)  # half of the 950 bin
    second = {c.cluster_id: c for c in e.update_clusters() if c.side == LONG}
    assert second[cid].status == PARTIAL
    assert second[cid].notional_usd == pytest.approx(10_000.0)
    e.update_bar(1000.0, 949.0, 1000.0, 1.0, 2 * H + 2)
    third = [c for c in e.update_clusters() if c.cluster_id == cid]
    assert len(third) == 1 and third[0].status == CLEARED
    assert all(c.cluster_id != cid for c in e.update_clusters())  # reported once


def test_magnet_hand_computed():
    centres = np.array([90.0, 95.0, 105.0, 110.0])
    long_usd = np.array([100.0, 200.0, 0.0, 0.0])
    short_usd = np.array([0.0, 0.0, 300.0, 400.0])
    # distances 10, 5, 5, 10 %: down = 100/100 + 200/25 = 9; up = 300/25 + 400/100 = 16; rel = 7/25 = 0.28
    m = magnet_force(centres, long_usd, short_usd, 100.0, 5.0, 0.05)
    assert (m.up, m.down, m.net, m.bias) == (pytest.approx(16.0), pytest.approx(9.0), pytest.approx(7.0), "UP")
    assert magnet_force(centres, long_usd, short_usd, 100.0, 5.0, 0.3).bias == "UNBIASED"
    assert magnet_force(centres, long_usd * 4, short_usd, 100.0, 5.0, 0.05).bias == "DOWN"  # 36 vs 16
    # distance floored at half a bin: a bin 0.1 % away with width 10 counts at 5 %
    near = magnet_force(np.array([100.1]), np.zeros(1), np.array([25.0]), 100.0, 10.0, 0.05)
    assert near.up == pytest.approx(25.0 / 25.0)


def test_magnet_from_forces_equals_the_dataclass_constructor():
    """It fills ``__dict__`` instead of running the frozen dataclass ``__init__``: the same object, order too."""
    for up, down, bias in ((16.0, 9.0, "UP"), (9.0, 16.0, "DOWN"), (10.0, 10.2, "UNBIASED"), (0.0, 0.0, "UNBIASED")):
        got = magnet_from_forces(up, down, 0.05)
        want = Magnet(up=up, down=down, net=up - down, bias=bias)
        assert type(got) is Magnet and got == want and hash(got) == hash(want)
        assert list(got.__dict__.items()) == list(want.__dict__.items())
        assert sys.getsizeof(got.__dict__) == sys.getsizeof(want.__dict__)  # the class's key-sharing dict too
    with pytest.raises(AttributeError):  # still frozen
        got.up = 1.0  # type: ignore[misc]


def test_cumulative_curves_hand_values_and_monotone():
    e = engine_with_two_long_clusters()
    long_cum, short_cum = e.cumulative_curves()
    k900, k950 = e.grid.local_index(900.5), e.grid.local_index(950.5)
    assert long_cum[k950] == pytest.approx(20_000.0)
    assert long_cum[k900] == pytest.approx(80_000.0)
    assert long_cum[e.grid.local_index(1056.5) + 1] == 0.0
    k_price = e.grid.local_index(1056.5)
    assert np.all(np.diff(long_cum[: k_price + 1]) <= 1e-9)  # grows outward (downward) from price
    assert np.all(np.diff(short_cum[k_price:]) >= -1e-9)
    assert short_cum[-1] == pytest.approx(e.short_usd().sum())


def test_history_ring_buffer_keeps_the_latest_in_order():
    h = MapHistory(3, 2)
    for i in range(5):
        h.push(i, 100.0 + i, i, 1.0, np.array([i, 0.0]), np.array([0.0, i]))
    got = h.ordered()
    assert len(h) == 3
    assert got["ts_ns"].tolist() == [2, 3, 4]
    assert got["long_usd"][:, 0].tolist() == [2.0, 3.0, 4.0]
    assert h.long_usd.shape == (3, 2)  # bounded
    with pytest.raises(ValueError, match="capacity"):
        MapHistory(0, 2)


def test_engine_records_history_when_enabled():
    e = LiquidationMapEngine(MapParams(history_capacity=2, n_bins=16, bin_size=1.0))
    e.update_bar(100.5, 100.5, 100.5, 1.0, 1)
    for _ in range(3):
        e.record_history()
    assert len(e.history) == 2
    assert e.memory_bytes() > 0
