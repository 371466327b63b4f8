"""Cluster attraction and magnet-bias scoring on SYNTHETIC hand-built arrays."""

import numpy as np
import pytest

from liqheat_nautilus.evaluation.attraction import cluster_attraction, distance_band, select_clusters
from liqheat_nautilus.evaluation.bias import bias_accuracy
from liqheat_nautilus.evaluation.metrics import wilson_interval


def test_select_clusters_keeps_the_k_largest_nearby_per_snapshot():
    snapshot = np.array([0, 0, 0, 1, 1, 2])
    distance = np.array([-1.0, 2.0, -8.0, 1.5, -0.5, 1.0])
    notional = np.array([5.0, 7.0, 100.0, 1.0, 3.0, 9.0])
    eligible = np.array([True, True, False])
    # snapshot 0: -8 % is too far; the two largest left are 7 (2 %) then 5 (-1 %); snapshot 2 not eligible
    chosen = select_clusters(snapshot, distance, notional, eligible, top_k=1, max_distance_pct=5.0)
    assert chosen.tolist() == [1, 4]
    chosen = select_clusters(snapshot, distance, notional, eligible, top_k=2, max_distance_pct=5.0)
    assert chosen.tolist() == [1, 0, 4, 3]
    # the band 1-2 %: snapshot 0 keeps 2 % (7 USD); snapshot 1 the 1.5 % cluster although -0.5 % (3 USD) is larger;
    # with 1-1.9 % the -1 % cluster wins snapshot 0 (the floor is inclusive: |-1 %| = 1 %)
    chosen = select_clusters(snapshot, distance, notional, eligible, top_k=1, max_distance_pct=2.0,
                             min_distance_pct=1.0)
    assert chosen.tolist() == [1, 3]
    chosen = select_clusters(snapshot, distance, notional, eligible, top_k=1, max_distance_pct=1.9,
                             min_distance_pct=1.0)
    assert chosen.tolist() == [0, 3]


def test_cluster_attraction_hit_base_and_mirror_rates_by_hand():
    # three snapshots; horizon extremes relative to price
    max_drop = np.array([-0.02, -0.005, -0.01])
    max_rise = np.array([0.005, 0.03, 0.001])
    eligible = np.ones(3, dtype=bool)
    # one cluster per snapshot: long at -1 % (touched: -2 % <= -1 %), short at +1 % (touched), long at -2 % (no)
    snapshot = np.array([0, 1, 2])
    distance = np.array([-1.0, 1.0, -2.0])
    notional = np.array([1.0, 1.0, 1.0])
    a = cluster_attraction(snapshot, distance, notional, max_drop, max_rise, eligible, 24.0, top_k=5,
                           max_distance_pct=5.0, n_boot=0)
    assert a.n_clusters == 3 and a.n_snapshots == 3
    assert a.hit_rate == pytest.approx(2.0 / 3.0)
    assert a.hit_rate_ci == pytest.approx(wilson_interval(2, 3))
    # base rates: -1 % reached at 2 of 3 snapshots (-2 %, -1 %), +1 % at 1 of 3, -2 % at 1 of 3
    assert a.base_rate == pytest.approx((2 / 3 + 1 / 3 + 1 / 3) / 3)
    assert a.lift == pytest.approx(2 / 3 - 4 / 9)
    # mirrors: +1 % at snapshot 0 (rise 0.5 %: no), -1 % at snapshot 1 (drop 0.5 %: no), +2 % at 2 (no)
    assert a.mirror_rate == 0.0
    assert a.mean_abs_distance_pct == pytest.approx(4.0 / 3.0)
    assert a.min_distance_pct == 0.0 and distance_band(a.min_distance_pct, a.max_distance_pct) == "5%"
    # the band 1.5-5 % keeps only the -2 % cluster (not touched: drop -1 %); its base rate is 1/3, its mirror
    # (+2 %, rise 0.1 %) not touched
    band = cluster_attraction(snapshot, distance, notional, max_drop, max_rise, eligible, 24.0, top_k=5,
                              max_distance_pct=5.0, n_boot=0, min_distance_pct=1.5)
    assert band.n_clusters == 1 and band.hit_rate == 0.0 and band.base_rate == pytest.approx(1 / 3)
    assert band.lift == pytest.approx(-1 / 3) and band.mirror_rate == 0.0
    assert distance_band(band.min_distance_pct, band.max_distance_pct) == "1.5-5%"


def test_bias_accuracy_with_stride_and_baselines_by_hand():
    bias = np.array([1, 1, -1, 0, -1, 1, 1, -1])
    future = np.array([0.01, -0.02, -0.01, 0.02, 0.03, 0.0, 0.01, -0.01])
    past = np.array([0.0, 0.01, 0.01, -0.01, -0.02, 0.02, 0.01, 0.01])
    eligible = np.ones(8, dtype=bool)
    b = bias_accuracy(bias, future, past, eligible, stride=2, horizon_hours=8.0)
    # stride 2 keeps snapshots 0, 2, 4, 6: calls +1, -1, -1, +1 vs outcomes +, -, +, + -> 3 hits of 4
    assert b.n_snapshots == 4 and b.n_calls == 4
    assert b.hit_rate == pytest.approx(0.75)
    assert b.up_call_share == pytest.approx(0.5)
    # independent: 0.5 * 0.75 + 0.5 * 0.25 = 0.5; momentum signs 0, +, -, + vs +, -, +, + -> 1 hit
    assert b.independent_rate == pytest.approx(0.5)
    assert b.momentum_rate == pytest.approx(0.25)
    # stride 1: UNBIASED (index 3) and the zero return (index 5) are not calls -> 6 calls
    b1 = bias_accuracy(bias, future, past, eligible, stride=1, horizon_hours=4.0)
    assert b1.n_calls == 6 and b1.n_snapshots == 8
    with pytest.raises(ValueError, match="stride"):
        bias_accuracy(bias, future, past, eligible, stride=0, horizon_hours=4.0)
