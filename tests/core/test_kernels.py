"""The compiled kernels against hand-computed cases and straightforward numpy references.

All maps here are synthetic (hand-made or drawn from a seeded random generator), labelled as such.
"""

import numpy as np
import pytest

from liqheat_nautilus.core.cohorts import STATUS_ACTIVE, STATUS_CLEARED, STATUS_PARTIAL, SideBook
from liqheat_nautilus.core.grid import shift_fractional
from liqheat_nautilus.core.kernels import (
    METHOD_QUANTILE,
    METHOD_SIGMA,
    largest_per_side,
    magnet_sums,
    read_map,
    row_totals,
    scatter_cohort,
    shift_side,
    side_units,
    sweep_down,
    sweep_up,
)
from liqheat_nautilus.core.magnet import magnet_force
from tests.core.references import cluster_threshold, find_runs


def _side(rows: dict[int, list[float]], n_bins: int = 10, n_tiers: int = 2, n_layers: int = 0) -> SideBook:
    """A synthetic side with the given bin -> per-tier USD."""
    side = SideBook(n_bins, n_tiers, n_layers)
    for k, values in rows.items():
        side.usd[k] = values
    if n_layers:
        side.layers[0] = side.usd * 0.25
        side.layers[1] = side.usd * 0.75
        side.order[:] = [0, 1]
    return side


def test_row_totals_sum_the_tiers():
    usd = np.random.default_rng(1).uniform(0.0, 1e6, size=(50, 8))  # synthetic
    np.testing.assert_allclose(row_totals(usd), usd.sum(axis=1), rtol=1e-15)


# per-unit level factors of the synthetic sides (a long 10x level is 0.9 of its entry, a 20x one 0.95): a swept
# USD amount in bin k counts ``usd · unit_w[t] / centre_k`` base units (linear) or ``usd`` (inverse)
UNIT_W = np.array([0.9, 0.95])


def _sweep(fn, side, edge, j, share, base=0, width=1.0, inverse=False):
    units = np.zeros(side.usd.shape[1])
    swept, new_edge = fn(side.usd, side.layer_block, side.status, side.share, edge, j, share, UNIT_W, inverse, base,
                         width, units)
    return swept, new_edge, units


def _units_of(usd_removed: np.ndarray, base: int, width: float, inverse: bool = False) -> np.ndarray:
    """numpy reference of the swept units: per tier ``Σ_k removed[k, t] · unit_w[t] / centre_k``."""
    if inverse:
        return usd_removed.sum(axis=0)
    centres = (base + np.arange(usd_removed.shape[0]) + 0.5) * width
    return (usd_removed * UNIT_W[None, :] / centres[:, None]).sum(axis=0)


def test_sweep_down_clears_passed_bins_and_partially_sweeps_the_low_bin():
    # synthetic long side: bins 3, 5 and 6 hold notional, edge 6; the low falls into bin 4, 30 % of its range
    # traded... bin 4 is empty, so: bins 5 and 6 are passed through (CLEARED), 10+20+30+40 = 100 USD swept
    side = _side({3: [1.0, 2.0], 5: [10.0, 20.0], 6: [30.0, 40.0]}, n_layers=2)
    before = side.usd.copy()
    swept, edge, units = _sweep(sweep_down, side, 6, 4, 0.3, base=100, width=0.5)
    assert swept == pytest.approx(100.0)
    assert edge == 3  # the next non-empty bin below
    assert list(side.status[4:7]) == [STATUS_PARTIAL, STATUS_CLEARED, STATUS_CLEARED]
    assert list(side.share[4:7]) == [0.3, 1.0, 1.0]
    assert side.usd[5:7].sum() == 0.0 and side.layers[:, 5:7].sum() == 0.0
    np.testing.assert_allclose(side.layers.sum(axis=0), side.usd)
    # units: bins 5, 6 of a grid with base 100 and width 0.5 have centres 52.75 and 53.25 (hand: tier 0
    # 10·0.9/52.75 + 30·0.9/53.25 = 0.677646...)
    assert units[0] == pytest.approx(10 * 0.9 / 52.75 + 30 * 0.9 / 53.25, rel=1e-14)
    np.testing.assert_allclose(units, _units_of(before - side.usd, 100, 0.5), rtol=1e-14)


def test_sweep_down_partial_edge_bin_hand_computed():
    # synthetic: edge bin 6 holds 100 USD; a first low trades 40 % of its range (40 USD swept), a second 70 %:
    # (0.7 - 0.4) / (1 - 0.4) = 0.5 of the remaining 60 USD -> 30 USD
    side = _side({6: [60.0, 40.0]})
    swept, edge, units = _sweep(sweep_down, side, 6, 6, 0.4)
    assert (swept, edge) == (pytest.approx(40.0), 6)
    np.testing.assert_allclose(units, [24.0 * 0.9 / 6.5, 16.0 * 0.95 / 6.5], rtol=1e-14)
    swept, edge, _ = _sweep(sweep_down, side, 6, 6, 0.7)
    assert (swept, edge) == (pytest.approx(30.0), 6)
    assert side.usd[6].sum() == pytest.approx(30.0) and side.status[6] == STATUS_PARTIAL
    # a shallower low sweeps nothing more (and counts no units)
    swept, _, units = _sweep(sweep_down, side, 6, 6, 0.5)
    assert swept == 0.0 and not units.any()


def test_a_share_rounded_above_one_sweeps_the_whole_bin_and_no_more():
    # regression: a low exactly on a bin's lower edge gives ((base + j + 1)·w - low) / w = 1.0000000000000853
    # for w = 0.2, low = 99.0, base + j = 495; the bin kept -8.5e-14 of its notional (a negative amount)
    side = _side({5: [60.0, 40.0]})
    share = ((495 + 1) * 0.2 - 99.0) / 0.2
    assert share > 1.0  # the rounding this guards against
    swept, edge, _ = _sweep(sweep_down, side, 5, 5, share)
    assert swept == 100.0 and side.usd[5].tolist() == [0.0, 0.0]
    assert side.share[5] == 1.0 and np.all(side.usd >= 0.0)


def test_sweep_down_below_the_grid_empties_the_side():
    side = _side({2: [1.0, 1.0], 4: [2.0, 2.0]})  # synthetic
    swept, edge, units = _sweep(sweep_down, side, 4, -3, 0.5, inverse=True)
    assert (swept, edge) == (pytest.approx(6.0), -1)
    assert side.usd.sum() == 0.0
    assert units.tolist() == [3.0, 3.0]  # inverse contracts: a position unit is one USD


def test_sweep_up_mirrors_sweep_down():
    # synthetic short side: bins 3, 4 and 8 hold notional, edge 3; the high enters bin 6 for 25 % of its range
    side = _side({3: [1.0, 2.0], 4: [3.0, 4.0], 8: [5.0, 6.0]})
    before = side.usd.copy()
    swept, edge, units = _sweep(sweep_up, side, 3, 6, 0.25, base=10, width=2.0)
    assert swept == pytest.approx(10.0)  # bins 3 and 4 passed through; bin 6 empty
    assert edge == 8
    assert list(side.status[3:7]) == [STATUS_CLEARED] * 3 + [STATUS_PARTIAL]
    np.testing.assert_allclose(units, _units_of(before - side.usd, 10, 2.0), rtol=1e-14)
    swept, edge, _ = _sweep(sweep_up, side, 8, 8, 0.5, base=10, width=2.0)
    assert (swept, edge) == (pytest.approx(5.5), 8)
    swept, edge, _ = _sweep(sweep_up, side, 8, 12, 0.0, base=10, width=2.0)
    assert (swept, edge) == (pytest.approx(5.5), -1)


def _scatter_reference(entries, liq, weights, tier_w, size_w, amount, low, width, base, n_bins, sweep_at, side,
                       inverse):
    """
    numpy reference of scatter_cohort: every amount whose level price has not reached goes to its bin (np.add.at)
    or, outside the grid, to ``outside``; what price reached is swept; units of what stays open are
    ``amount / entry`` (linear) or ``amount`` (inverse).
    """
    w = np.broadcast_to(weights, (liq.shape[0], liq.shape[1]))
    amounts = amount * w[:, :, None] * tier_w[None, :, None] * size_w[None, None, :]
    at = sweep_at[:, None, None]
    reached = ((liq >= at) if side > 0 else (liq <= at)) & (liq > 0.0)
    inside = ~reached & (liq >= low) & (liq < low + n_bins * width)
    outside = ~reached & ~inside
    k = np.minimum(np.floor(liq[inside] / width).astype(np.int64) - base, n_bins - 1)
    tiers = np.broadcast_to(np.arange(liq.shape[1])[None, :, None], liq.shape)
    out = np.zeros((n_bins, liq.shape[1]))
    np.add.at(out, (k, tiers[inside]), amounts[inside])
    per_unit = np.ones_like(liq) if inverse else np.broadcast_to(1.0 / entries[:, None, None], liq.shape)
    units = np.zeros(liq.shape[1])
    np.add.at(units, tiers[~reached], (amounts * per_unit)[~reached])
    out_usd = np.zeros(liq.shape[1])
    np.add.at(out_usd, tiers[outside], amounts[outside])
    return out, float(amounts[reached].sum()), k, units, out_usd


@pytest.mark.parametrize(("seed", "side", "per_tier", "inverse"),
                         [(0, 1, False, False), (1, -1, False, False), (2, 1, True, False), (3, -1, True, True),
                          (4, 1, True, True)])
def test_scatter_cohort_matches_numpy_reference(seed, side, per_tier, inverse):
    rng = np.random.default_rng(seed)  # synthetic cohort: 30 entries x 8 tiers x 4 sizes
    n_bins, width, base = 200, 0.5, 180  # grid [90, 190)
    low = base * width
    entries = rng.uniform(120.0, 160.0, size=30)
    liq = rng.uniform(80.0, 200.0, size=(30, 8, 4))  # some levels outside the grid
    liq[0, 0, 0] = -5.0  # a long that is never liquidated (level <= 0): open, outside the grid
    # the most adverse later price of each entry: some reach a part of the levels
    sweep_at = entries * (rng.uniform(0.75, 0.95, 30) if side > 0 else rng.uniform(1.05, 1.25, 30))
    # weights: one column (n, 1) or per entry and tier (n, 8), every column summing to 1
    weights = rng.dirichlet(np.ones(30), size=8).T if per_tier else rng.dirichlet(np.ones(30))[:, None]
    tier_w, size_w = rng.dirichlet(np.ones(8)), rng.dirichlet(np.ones(4))
    book = SideBook(n_bins, 8, n_layers=3)
    book.order[:] = [2, 0]
    book.status[:] = STATUS_CLEARED
    book.share[:] = 1.0
    units, outside = np.full(8, 1.0), np.full(8, 2.0)  # added to, not overwritten
    swept, k_min, k_max = scatter_cohort(entries, liq, False, weights, tier_w, size_w, 5e6, low, width, base,
                                         book.usd, book.layer_block, 0, book.status, book.share, sweep_at, side,
                                         inverse, units, outside)
    expected, expected_swept, k, ref_units, ref_outside = _scatter_reference(
        entries, liq, weights, tier_w, size_w, 5e6, low, width, base, n_bins, sweep_at, side, inverse)
    assert 0.0 < expected_swept < 5e6 and ref_outside.sum() > 0.0  # the case exercises all three fates
    np.testing.assert_allclose(book.usd, expected, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(book.layers[0], expected, rtol=1e-12, atol=1e-9)  # slot 0 only
    assert book.layers[1:].sum() == 0.0
    assert swept == pytest.approx(expected_swept, rel=1e-12)
    np.testing.assert_allclose(units - 1.0, ref_units, rtol=1e-12)
    np.testing.assert_allclose(outside - 2.0, ref_outside, rtol=1e-12, atol=1e-9)
    # every dollar has one fate: in a bin, outside the grid or swept at once
    assert swept + book.usd.sum() + (outside - 2.0).sum() == pytest.approx(5e6, rel=1e-12)
    assert (k_min, k_max) == (k.min(), k.max())
    touched = np.zeros(n_bins, dtype=bool)
    touched[k] = True
    assert np.all(book.status[touched] == STATUS_ACTIVE) and np.all(book.share[touched] == 0.0)
    assert np.all(book.status[~touched] == STATUS_CLEARED)


def test_scatter_cohort_all_outside_adds_nothing_to_the_grid():
    side = SideBook(10, 1)  # synthetic grid [10, 20); longs from 30, price fell to 26 since: no level reached
    liq = np.array([[[5.0]], [[25.0]], [[np.nan]]])
    units, outside = np.zeros(1), np.zeros(1)
    swept, k_min, k_max = scatter_cohort(np.full(3, 30.0), liq, False, np.array([[0.2], [0.3], [0.5]]), np.ones(1),
                                         np.ones(1), 100.0, 10.0, 1.0, 10, side.usd, side.layer_block, -1,
                                         side.status, side.share, np.full(3, 26.0), 1, False, units, outside)
    assert (swept, k_min, k_max) == (0.0, -1, -1)
    assert side.usd.sum() == 0.0
    assert outside.tolist() == [pytest.approx(100.0)]  # still open, outside the grid
    assert units.tolist() == [pytest.approx(100.0 / 30.0)]  # base units at the entry price 30


def test_scatter_cohort_sweep_at_liquidates_reached_levels_at_once():
    # synthetic: two longs from 100 (levels 90 and 80); a later low of 85 reached the 90 level only
    side = SideBook(100, 1)  # grid [50, 150)
    liq = np.array([[[90.0]], [[80.0]]])
    units, outside = np.zeros(1), np.zeros(1)
    swept, k_min, k_max = scatter_cohort(np.full(2, 100.0), liq, False, np.array([[0.25], [0.75]]), np.ones(1),
                                         np.ones(1), 1000.0, 50.0, 1.0, 50, side.usd, side.layer_block, -1,
                                         side.status, side.share, np.array([85.0, 85.0]), 1, False, units, outside)
    assert swept == pytest.approx(250.0)
    assert (k_min, k_max) == (30, 30) and side.usd[30, 0] == pytest.approx(750.0)
    assert units[0] == pytest.approx(7.5)  # 750 USD from 100: the swept part holds no units


def test_scatter_cohort_levels_per_unit_of_entry_equal_the_levels_themselves():
    rng = np.random.default_rng(7)  # synthetic: 12 entries, 8 tiers, 4 sizes; factors below and above 1
    entries = rng.uniform(95.0, 105.0, size=12)
    factors = rng.uniform(0.8, 1.2, size=(1, 8, 4))
    weights, tier_w, size_w = rng.dirichlet(np.ones(12))[:, None], rng.dirichlet(np.ones(8)), rng.dirichlet(np.ones(4))
    sweep_at = np.full(12, 90.0)
    a, b = SideBook(400, 8), SideBook(400, 8)
    ua, ub, oa, ob = np.zeros(8), np.zeros(8), np.zeros(8), np.zeros(8)
    out_a = scatter_cohort(entries, factors, True, weights, tier_w, size_w, 1e6, 60.0, 0.2, 300, a.usd,
                           a.layer_block, -1, a.status, a.share, sweep_at, 1, False, ua, oa)
    levels = entries[:, None, None] * factors  # the (n, n_tiers, n_sizes) levels, same products
    out_b = scatter_cohort(entries, levels, False, weights, tier_w, size_w, 1e6, 60.0, 0.2, 300, b.usd,
                           b.layer_block, -1, b.status, b.share, sweep_at, 1, False, ub, ob)
    assert out_a == out_b and np.array_equal(a.usd, b.usd) and np.array_equal(a.status, b.status)
    assert np.array_equal(ua, ub) and np.array_equal(oa, ob)
    assert a.usd.sum() + oa.sum() == pytest.approx(1e6 - out_a[0], rel=1e-12) and a.usd.sum() > 0.0


@pytest.mark.parametrize("inverse", [False, True])
def test_side_units_matches_numpy_reference(inverse):
    usd = np.random.default_rng(3).uniform(0.0, 1e4, size=(50, 2)) * (np.arange(50)[:, None] % 3 > 0)  # synthetic
    got = side_units(usd, UNIT_W, inverse, 400, 0.25)
    np.testing.assert_allclose(got, _units_of(usd, 400, 0.25, inverse), rtol=1e-13)


def _read_reference(long_usd, short_usd, long_status, short_status, tiers, base, width, method, q, k_sigma,
                    max_gap, max_runs, price):
    """numpy reference of read_map built from clusters.cluster_threshold/find_runs and magnet.magnet_force."""
    rows = []
    n_long = 0
    centres = (base + np.arange(long_usd.shape[0]) + 0.5) * width
    for side_index, (usd, status) in enumerate(((long_usd, long_status), (short_usd, short_status))):
        totals = usd.sum(axis=1)
        thr = cluster_threshold(totals, method, q, k_sigma)
        runs = []
        for a, b in find_runs((totals >= thr) & (totals > 0.0), max_gap):
            notional = totals[a : b + 1].sum()
            runs.append((a, b, notional, (totals * centres)[a : b + 1].sum() / notional,
                         (usd @ tiers)[a : b + 1].sum() / notional, float((status[a : b + 1] == 1).any())))
        runs.sort(key=lambda r: -r[2])
        rows += runs[:max_runs]
        if side_index == 0:
            n_long = len(rows)
    m = magnet_force(centres, long_usd.sum(axis=1), short_usd.sum(axis=1), price, width, 0.05)
    return rows, n_long, m.up, m.down


@pytest.mark.parametrize(("seed", "method", "max_gap", "max_runs", "ties"),
                         [(0, "quantile", 1, 8, False), (1, "quantile", 0, 3, False), (2, "sigma", 2, 8, False),
                          (3, "sigma", 0, 1, False), (4, "quantile", 1, 8, True), (5, "quantile", 0, 4, True)])
def test_read_map_matches_numpy_reference(seed, method, max_gap, max_runs, ties):
    rng = np.random.default_rng(seed)  # synthetic sparse map: 300 bins x 8 tiers, price in the middle
    n, tiers = 300, np.array([5.0, 10.0, 20.0, 25.0, 50.0, 75.0, 100.0, 125.0])
    base, width, price = 1000, 0.1, 115.03
    long_usd = rng.exponential(1e4, size=(n, 8)) * (rng.random((n, 1)) < 0.4)
    short_usd = rng.exponential(1e4, size=(n, 8)) * (rng.random((n, 1)) < 0.4)
    if ties:  # many bins with equal notional (quantile selection and ordering ties)
        long_usd, short_usd = np.ceil(long_usd / 2e4) * 1e3, np.ceil(short_usd / 2e4) * 1e3
    k_price = int(price / width) - base
    long_usd[k_price:] = 0.0
    short_usd[: k_price + 1] = 0.0
    long_status = (rng.random(n) < 0.1).astype(np.int8)
    short_status = (rng.random(n) < 0.1).astype(np.int8)
    code = METHOD_SIGMA if method == "sigma" else METHOD_QUANTILE
    runs, n_long, up, down = read_map(long_usd, short_usd, long_status, short_status, tiers, base, width, code,
                                      0.8, 1.5, max_gap, max_runs, price)
    ref_rows, ref_long, ref_up, ref_down = _read_reference(long_usd, short_usd, long_status, short_status, tiers,
                                                           base, width, method, 0.8, 1.5, max_gap, max_runs, price)
    assert n_long == ref_long and len(runs) == len(ref_rows) > n_long > 0
    np.testing.assert_allclose(runs, np.array(ref_rows), rtol=1e-12)
    assert (up, down) == (pytest.approx(ref_up, rel=1e-12), pytest.approx(ref_down, rel=1e-12))
    assert magnet_sums(long_usd, short_usd, base, width, price) == (up, down)


def test_read_map_quantile_threshold_hand_computed():
    # synthetic: long bins 0..3 hold 1, 2, 3, 4 USD (one tier); the median of the non-empty bins is 2.5, so
    # bins 2 and 3 (3 and 4 USD) form one cluster of 7 USD at level (3·2.5 + 4·3.5) / 7 (centres k + 0.5)
    usd = np.zeros((10, 1))
    usd[:4, 0] = [1.0, 2.0, 3.0, 4.0]
    status = np.zeros(10, dtype=np.int8)
    runs, n_long, _, _ = read_map(usd, np.zeros((10, 1)), status, status, np.array([20.0]), 0, 1.0,
                                  METHOD_QUANTILE, 0.5, 2.0, 0, 8, 9.0)
    assert n_long == 1
    assert runs[0].tolist() == [2.0, 3.0, 7.0, pytest.approx((3 * 2.5 + 4 * 3.5) / 7), 20.0, 0.0]


def test_read_map_empty_map():
    usd = np.zeros((20, 2))  # synthetic
    status = np.zeros(20, dtype=np.int8)
    runs, n_long, up, down = read_map(usd, usd, status, status, np.array([10.0, 20.0]), 0, 1.0, METHOD_QUANTILE,
                                      0.9, 2.0, 1, 8, 10.0)
    assert (runs.shape, n_long, up, down) == ((0, 6), 0, 0.0, 0.0)



def _largest_per_side_reference(values: np.ndarray, is_second: np.ndarray, k_first: int, k_second: int) -> np.ndarray:
    """Per side, the first ``k`` of a stable descending sort (ties: earlier position first), as a mask."""
    mask = np.zeros(values.size, dtype=bool)
    for side, k in ((~is_second, k_first), (is_second, k_second)):
        idx = np.flatnonzero(side)
        mask[idx[np.argsort(-values[idx], kind="stable")[:k]]] = True
    return mask


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ties", [False, True])
def test_largest_per_side_matches_a_stable_sort(seed, ties):
    """Synthetic values (with many ties when ``ties``): the heaps keep what a stable descending sort keeps first."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    values = rng.integers(0, 6, n).astype(float) if ties else rng.lognormal(10.0, 2.0, n)
    is_second = rng.random(n) < 0.4
    for k_first, k_second in ((0, 0), (1, 2), (n // 100, n // 50), (n // 3, n // 4), (n - 1, 1), (n, n), (n + 5, 0)):
        got = largest_per_side(values, is_second, k_first, k_second)
        assert got.tolist() == _largest_per_side_reference(values, is_second, k_first, k_second).tolist()


def test_largest_per_side_hand_values():
    """[5, 7, 7, 1, 7 | 9 (second side)]: the two largest of the first side are the first two 7s, not the later 7."""
    values = np.array([5.0, 7.0, 7.0, 1.0, 7.0, 9.0])
    is_second = np.array([False, False, False, False, False, True])
    assert np.flatnonzero(largest_per_side(values, is_second, 2, 0)).tolist() == [1, 2]
    assert np.flatnonzero(largest_per_side(values, is_second, 4, 1)).tolist() == [0, 1, 2, 4, 5]


def _shift_reference(usd: np.ndarray, shifts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """numpy reference of a fractional move per tier: bin k's notional goes to k + n (1 - f) and k + n + 1 (f)."""
    n_bins, n_tiers = usd.shape
    out = np.zeros_like(usd)
    lost = np.zeros(n_tiers)
    for t in range(n_tiers):
        whole = int(np.floor(shifts[t]))
        frac = shifts[t] - whole
        for k in range(n_bins):
            for target, part in ((k + whole, 1.0 - frac), (k + whole + 1, frac)):
                if 0 <= target < n_bins:
                    out[target, t] += usd[k, t] * part
                else:
                    lost[t] += usd[k, t] * part
    return out, lost


def test_shift_side_hand_computed():
    side = _side({1: [10.0, 4.0], 3: [0.0, 2.0]}, n_bins=5)  # synthetic
    side.status[4] = STATUS_CLEARED
    side.share[4] = 0.7
    span = np.array([1, 3])  # the bins that may hold notional on entry
    shift_side(side.usd, side.status, side.share, np.array([1.25, -0.5]), side.outside, span)
    # tier 0: 10 at bin 1 moves up 1.25 bins -> 7.5 in bin 2, 2.5 in bin 3; tier 1 down half a bin:
    # 4 at bin 1 -> 2 in bin 0 and 2 in bin 1, 2 at bin 3 -> 1 in bin 2 and 1 in bin 3
    assert side.usd.tolist() == [[0.0, 2.0], [0.0, 2.0], [7.5, 1.0], [2.5, 1.0], [0.0, 0.0]]
    assert side.outside.tolist() == [0.0, 0.0] and span.tolist() == [0, 3]
    assert side.status[4] == STATUS_CLEARED and side.share[4] == 0.7  # still empty: not reactivated
    shift_side(side.usd, side.status, side.share, np.array([2.0, 0.0]), side.outside, span)
    # tier 0 up two whole bins: 7.5 -> bin 4 (a cleared bin filled again: ACTIVE, share 0), 2.5 beyond the grid
    assert side.usd[:, 0].tolist() == [0.0, 0.0, 0.0, 0.0, 7.5] and side.outside.tolist() == [2.5, 0.0]
    assert side.status[4] == STATUS_ACTIVE and side.share[4] == 0.0 and span.tolist() == [0, 4]
    empty = _side({}, n_bins=5)
    span[:] = (5, -1)
    shift_side(empty.usd, empty.status, empty.share, np.array([0.5, 0.5]), empty.outside, span)
    assert span.tolist() == [5, -1]


@pytest.mark.parametrize("seed", range(8))
def test_shift_side_within_its_span_equals_a_pass_over_the_whole_grid(seed):
    # synthetic: notional in rows lo..hi only (some seeds at the grid's ends, so the move pushes some beyond it)
    rng = np.random.default_rng(100 + seed)
    n = 60
    lo, hi = (0, 20) if seed == 0 else (45, n - 1) if seed == 1 else sorted(rng.integers(0, n, size=2).tolist())
    usd = np.zeros((n, 8))
    usd[lo:hi + 1] = rng.uniform(0.0, 1e6, size=(hi - lo + 1, 8)) * (rng.uniform(size=(hi - lo + 1, 8)) > 0.3)
    usd[lo, 0] = usd[hi, 0] = 1.0  # the span's ends hold notional
    shifts = rng.uniform(-4.0, 4.0, size=8)
    shifts[2] = 0.0
    results = []
    for span in (np.array([lo, hi]), np.array([0, n - 1])):  # the tight span and the whole grid
        side = _side({}, n_bins=n, n_tiers=8)
        side.usd[:] = usd
        side.status[:] = STATUS_CLEARED
        side.outside[:] = 1.0
        shift_side(side.usd, side.status, side.share, shifts, side.outside, span)
        results.append((side.usd.copy(), side.outside.copy(), side.status.copy(), side.share.copy(), span.tolist()))
    (a_usd, a_out, a_status, a_share, a_span), (b_usd, b_out, b_status, b_share, b_span) = results
    assert np.array_equal(a_usd, b_usd) and np.array_equal(a_out, b_out) and a_span == b_span
    assert np.array_equal(a_status, b_status) and np.array_equal(a_share, b_share)
    assert a_usd[:, 2].tolist() == usd[:, 2].tolist()  # the tier that does not move is untouched
    filled = np.flatnonzero(a_usd.sum(axis=1) > 0.0)
    assert a_span == [filled[0], filled[-1]] and (a_status[filled] == STATUS_ACTIVE).all()


@pytest.mark.parametrize("seed", range(6))
def test_shift_side_matches_numpy_reference_and_the_library_move(seed):
    rng = np.random.default_rng(seed)  # synthetic maps and shifts
    usd = rng.uniform(0.0, 1e6, size=(40, 8)) * (rng.uniform(size=(40, 8)) > 0.4)
    shifts = rng.uniform(-3.0, 3.0, size=8)
    shifts[0], shifts[1] = 0.0, 2.0  # none, and a whole number of bins
    side = _side({}, n_bins=40, n_tiers=8)
    side.usd[:] = usd
    side.outside[:] = 5.0
    span = np.array([0, 39])  # the whole grid: a valid span on entry
    shift_side(side.usd, side.status, side.share, shifts, side.outside, span)
    expected, lost = _shift_reference(usd, shifts)
    np.testing.assert_allclose(side.usd, expected, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(side.outside, 5.0 + lost, rtol=1e-12, atol=1e-6)  # before - after: sums round
    rows = np.flatnonzero(expected.sum(axis=1) > 0.0)
    assert span.tolist() == [rows[0], rows[-1]]
    library = usd.copy()  # bit for bit the numpy move it replaces (grid.shift_fractional per tier column)
    for t in range(8):
        shift_fractional(library[:, t], float(shifts[t]))
    assert np.array_equal(side.usd, library)
