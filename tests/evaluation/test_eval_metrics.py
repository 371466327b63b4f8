"""Metrics of ``liqheat evaluate`` on small hand-computed series (synthetic numbers, values derived by hand)."""

import math

import numpy as np
import pytest

from liqheat_nautilus.evaluation.metrics import (
    average_ranks,
    block_bootstrap_ci,
    incremental_rank_r2,
    normal_quantile,
    pearson,
    r_squared,
    spearman,
    top_membership,
    top_share_overlap,
    wilson_interval,
)


def test_average_ranks_share_tied_ranks():
    # 20 and 20 occupy ranks 2 and 3 -> both get 2.5
    assert average_ranks(np.array([30.0, 20.0, 10.0, 20.0])).tolist() == [4.0, 2.5, 1.0, 2.5]


def test_spearman_of_a_known_permutation():
    # y swaps neighbours (1,2) and (3,4): sum d^2 = 4, rho = 1 - 6*4 / (5*24) = 0.8
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    y = np.array([2.0, 1.0, 4.0, 3.0, 5.0])
    assert spearman(x, y) == pytest.approx(0.8, abs=1e-12)
    assert spearman(x, -x) == pytest.approx(-1.0, abs=1e-12)
    # monotone but non-linear transform: rank correlation exactly 1
    assert spearman(x, np.exp(x)) == pytest.approx(1.0, abs=1e-12)


def test_spearman_with_ties_is_pearson_of_average_ranks():
    # ranks x = [1, 2.5, 2.5, 4], y = [1, 2, 3, 4]: r = 4.5 / sqrt(4.5 * 5) = 3 / sqrt(10)
    assert spearman(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0, 4.0])) == pytest.approx(
        3.0 / math.sqrt(10.0), abs=1e-12)


def test_pearson_hand_computed_and_degenerate():
    # dx = [-1, 0, 1], dy = [-4/3, -1/3, 5/3]: r = 3 / sqrt(2 * 42/9) = 9 / sqrt(84)
    assert pearson(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0])) == pytest.approx(9.0 / math.sqrt(84.0))
    assert math.isnan(pearson(np.array([1.0, 1.0, 1.0]), np.array([1.0, 2.0, 3.0])))
    assert math.isnan(spearman(np.array([1.0]), np.array([2.0])))
    with pytest.raises(ValueError, match="shapes differ"):
        pearson(np.zeros(3), np.zeros(4))


def test_top_decile_overlap_of_a_constructed_case():
    actual = np.arange(20.0)  # top decile (k = 2): windows 18 and 19
    estimate = np.zeros(20)
    estimate[19], estimate[5] = 10.0, 9.0  # one of the two is right
    assert top_share_overlap(actual, estimate, 0.1) == pytest.approx(0.5)
    assert top_share_overlap(actual, actual * 3.0, 0.1) == pytest.approx(1.0)
    assert top_share_overlap(actual, -actual, 0.1) == pytest.approx(0.0)


def test_top_overlap_shares_tied_places_fractionally():
    actual = np.arange(20.0)
    estimate = np.zeros(20)
    estimate[19] = 1.0  # window 19 certain; the second place is shared by 19 tied windows (1/19 each)
    member, k = top_membership(estimate, 0.1)
    assert k == 2
    assert member[19] == 1.0 and member[0] == pytest.approx(1.0 / 19.0)
    assert member.sum() == pytest.approx(2.0)
    # (1 * 1 + 1 * 1/19) / 2 = 10/19
    assert top_share_overlap(actual, estimate, 0.1) == pytest.approx(10.0 / 19.0)


def test_top_membership_rounds_the_top_count_up():
    _, k = top_membership(np.arange(25.0), 0.1)
    assert k == 3  # ceil(2.5)
    with pytest.raises(ValueError, match="share"):
        top_membership(np.arange(5.0), 0.0)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [  # Newcombe (1998), Stat. Med. 17:857, Table I, method 3 (Wilson score, no continuity correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_the_textbook_values(k, n, low, high):
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)


def test_wilson_interval_edge_cases():
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    lo, hi = wilson_interval(10, 10)
    # k = n: the lower bound reduces to n / (n + z^2) = 10 / 13.8415 = 0.7225
    assert hi == 1.0 and lo == pytest.approx(10.0 / (10.0 + 1.959963984540054**2), abs=1e-12)
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


def test_normal_quantile_known_values():
    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, abs=1e-9)
    assert normal_quantile(0.5) == pytest.approx(0.0, abs=1e-12)
    assert normal_quantile(0.05) == pytest.approx(-1.6448536269514722, abs=1e-9)


def test_block_bootstrap_whole_series_block_reproduces_the_statistic():
    x = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0])
    # block = n: every resample is the series itself, so the interval collapses on the full-sample value
    lo, hi = block_bootstrap_ci(lambda idx: float(x[idx].mean()), x.size, x.size, n_boot=50)
    assert lo == pytest.approx(x.mean()) and hi == pytest.approx(x.mean())


def test_block_bootstrap_interval_brackets_the_mean_and_is_seeded():
    x = np.arange(100.0)
    ci1 = block_bootstrap_ci(lambda idx: float(x[idx].mean()), 100, 10, n_boot=200, seed=3)
    ci2 = block_bootstrap_ci(lambda idx: float(x[idx].mean()), 100, 10, n_boot=200, seed=3)
    assert ci1 == ci2
    assert ci1[0] < 49.5 < ci1[1]
    assert ci1[1] - ci1[0] < 40.0


def test_r_squared_and_incremental_rank_r2():
    x = np.arange(10.0)
    assert r_squared(2.0 * x + 1.0, x) == pytest.approx(1.0)
    y = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 7.0, 6.0, 9.0, 8.0, 10.0])
    # the same regressor twice adds nothing
    assert incremental_rank_r2(y, x, x) == pytest.approx(0.0, abs=1e-12)
    # the actual series itself as the estimate completes the fit
    assert r_squared(average_ranks(y), average_ranks(x)) + incremental_rank_r2(y, x, y) == pytest.approx(1.0)


def test_track_side_counts_windows_without_an_estimate_and_those_price_could_not_reach():
    from liqheat_nautilus.evaluation.tracking import track_side

    # synthetic: 6 windows; the map estimated nothing in windows 1, 3 and 4; the moves against the side were
    # 0.1 %, 0.5 %, 0.3 %, 0.39 %, 0.41 %, 2 % and the closest liquidation distance is 0.40 %
    actual = np.array([5.0, 1.0, 7.0, 2.0, 3.0, 9.0])
    estimate = np.array([4.0, 0.0, 6.0, 0.0, 0.0, 8.0])
    move = np.array([0.001, 0.005, 0.003, 0.0039, 0.0041, 0.02])
    t = track_side("long", actual, estimate, actual, actual, n_boot=0, adverse_move=move, closest_liquidation=0.004)
    assert t.share_of_windows_with_estimate == pytest.approx(0.5)
    assert t.windows_without_estimate == 3
    assert t.without_estimate_small_move == 1  # window 3 (0.39 %); window 1 (0.5 %) and 4 (0.41 %) moved farther
    assert t.closest_liquidation == 0.004
    # the empty windows 1, 3 and 4 hold 1 + 2 + 3 of the 27 USD of actual liquidations
    assert t.actual_share_without_estimate == pytest.approx(6.0 / 27.0, rel=1e-15)
    assert math.isnan(track_side("long", 0.0 * actual, estimate, actual, actual,
                                 n_boot=0).actual_share_without_estimate)  # no actual liquidation: undefined
    plain = track_side("long", actual, estimate, actual, actual, n_boot=0)
    assert plain.windows_without_estimate == 3 and plain.without_estimate_small_move == -1
    with pytest.raises(ValueError, match="shapes differ"):
        track_side("long", actual, estimate, actual, actual, n_boot=0, adverse_move=move[:5])
