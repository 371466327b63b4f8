"""The compiled open-interest reading and reads against the numpy/Python code they replace: equal bit for bit.

Maps here are synthetic (seeded random generators, labelled as such) or replayed from the real OKX sample shipped
in ``catalog/okx_sol_usdt_swap_2026-06/``.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.core.book import MapBook
from liqheat_nautilus.core.clusters import ClusterTracker
from liqheat_nautilus.core.entries import bar_entries, volume_profile
from liqheat_nautilus.core.interval import IntervalBars
from liqheat_nautilus.core.kernels import (
    anchor_interval,
    anchor_sides,
    interval_entries,
    open_cohort,
    pairwise_sum,
    pairwise_sum_nonzero,
    read_curves,
    read_map,
    read_totals,
    read_tracked,
    row_totals,
    scale_sides,
    scatter_cohort,
    sweep_down,
    sweep_side,
    sweep_up,
    track_clusters,
)
from liqheat_nautilus.core.kernels.anchor import _scale_kept
from liqheat_nautilus.core.models import LevelModel
from liqheat_nautilus.core.reads import cumulative_curves
from tests.core.references import open_survival

SAMPLE = Path(__file__).resolve().parents[2] / "catalog" / "okx_sol_usdt_swap_2026-06"


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 100, 128, 129, 1000, 8191, 20_000])
def test_pairwise_sum_is_numpys_sum(n):
    values = np.random.default_rng(n).standard_normal(n) * 1e6  # synthetic
    assert pairwise_sum(values, 0, n) == values.sum()


@pytest.mark.parametrize(("n", "a", "b"), [(0, 0, 0), (100, 10, 20), (8000, 0, 8000), (8000, 2400, 4800),
                                           (8000, 7992, 8000), (8000, 3000, 3000), (8000, 8000, 0), (1000, 1, 999),
                                           (20_000, 129, 5000)])
def test_pairwise_sum_nonzero_is_numpys_sum_of_values_zero_outside_the_range(n, a, b):
    values = np.zeros(n)
    values[a:b] = np.abs(np.random.default_rng(n + a).standard_normal(max(b - a, 0))) * 1e6  # synthetic
    assert pairwise_sum_nonzero(values, 0, n, a, b) == values.sum()
    if n > 10:
        assert pairwise_sum_nonzero(values, 3, n - 5, a, b) == values[3:n - 2].sum()


def _bars(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)  # synthetic bars: typical, low, high, volume
    low = 100.0 + rng.uniform(-2, 2, n)
    high = low + rng.uniform(0.0, 1.0, n)
    typical = low + (high - low) * rng.uniform(0.2, 0.8, n)
    volume = rng.uniform(0.0, 1e4, n) * (rng.uniform(size=n) > 0.1)
    return np.column_stack((typical, low, high, volume))


@pytest.mark.parametrize("n", [1, 5, 60])
def test_interval_entries_without_groups_equal_bar_entries_of_the_volume_profile(n):
    bars = _bars(n, n)
    got = interval_entries(bars, np.zeros(0), 0, 100.5)
    prices, w = volume_profile(bars[:, 0].copy(), bars[:, 3].copy())
    want = bar_entries(prices, bars[:, 1].copy(), bars[:, 2].copy(), w[:, None], 100.5)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


def test_interval_entries_groups_are_coarser_bars():
    bars = _bars(60, 3)
    entries, weights, lowest, highest = interval_entries(bars, np.zeros(0), 16, 100.5)
    assert entries.size == 6 * 16
    assert weights.sum() == pytest.approx(1.0, rel=1e-12)
    # group 0 holds bars 0..3 (⌊g·60/16⌋): its low entry is their lowest low, its high entry their highest high
    assert entries[0] == bars[0:3, 1].min() and entries[4 * 16] == bars[0:3, 2].max()
    v = bars[0:3, 3]
    assert entries[2 * 16] == pytest.approx((bars[0:3, 0] * v).sum() / v.sum(), rel=1e-14)
    # after the last group only the current price can liquidate; before it, the group's own extremes too
    assert lowest[16 + 15] == 100.5 and lowest[15] == min(100.5, bars[-4:, 1].min())


@pytest.mark.parametrize("side", [1, -1])
@pytest.mark.parametrize("per_tier", [False, True])
@pytest.mark.parametrize("inverse", [False, True])
def test_open_cohort_equals_numpy_survival_then_scatter(side, per_tier, inverse):
    params = MapParams(inverse=inverse)
    model = LevelModel(params, np.asarray(params.leverage_points()))
    rng = np.random.default_rng(7)  # synthetic interval
    entries, weights, lowest, highest = interval_entries(_bars(40, 11), np.zeros(0), 0, 100.5)
    if per_tier:
        weights = rng.uniform(size=(entries.size, 8))
        weights /= weights.sum(axis=0)
    adverse = lowest if side > 0 else highest
    tier_w = np.full(8, 1 / 8)
    books = []
    for _ in range(2):
        book = MapBook(params, model)
        book.init_grid(100.0)
        books.append(book)
    survive = open_survival(books[0], side, entries, weights, tier_w, adverse)
    books[0].open(side, entries, weights, tier_w, 1e6 / survive, adverse)
    amount = books[1].open_units(side, 1e6, entries, weights, tier_w, adverse)
    assert amount == 1e6 / survive
    a, b = books[0].side(side), books[1].side(side)
    np.testing.assert_array_equal(a.usd, b.usd)
    np.testing.assert_array_equal(a.units, b.units)
    np.testing.assert_array_equal(a.outside, b.outside)
    np.testing.assert_array_equal(a.status, b.status)
    assert books[0].ledger == books[1].ledger and a.edge == b.edge


@pytest.mark.parametrize("side", [1, -1])
@pytest.mark.parametrize("moved", [False, True])
def test_open_cohort_with_twin_rows_equals_computing_every_level(side, moved):
    # twin=m computes the bins of an "after" row from its "before" twin (same entry price): only the work changes
    params = MapParams()
    model = LevelModel(params, np.asarray(params.leverage_points()))
    entries, weights, lowest, highest = interval_entries(_bars(9, 5), np.zeros(0), 0, 100.5)  # synthetic, m = 9
    if moved:  # a row whose price is not its twin's is computed anew
        entries[9 + 4] *= 1.003
    book = MapBook(params, model)
    book.init_grid(100.0)
    (levels, size_w), tier_w = model.per_unit[side], np.full(8, 1 / 8)
    g = book.grid
    results = []
    for twin in (9, 0):
        usd, status, share = np.zeros((g.n_bins, 8)), np.zeros(g.n_bins, np.int8), np.zeros(g.n_bins)
        units, outside = np.zeros(8), np.zeros(8)
        out = open_cohort(entries, levels, True, weights, tier_w, size_w, 1e6, g.base * g.width, g.width, g.base, usd,
                          np.zeros((0, g.n_bins, 8)), -1, -1, -1, status, share, lowest if side > 0 else highest,
                          side, False, units, outside, twin)
        results.append((out, usd, status, units, outside))
    assert results[0][0] == results[1][0] and results[0][0][0] > 0.0
    for a, b in zip(results[0][1:], results[1][1:], strict=True):
        np.testing.assert_array_equal(a, b)


def test_open_cohort_opens_nothing_when_every_level_is_reached():
    usd = np.zeros((10, 1))
    out = open_cohort(np.array([50.0]), np.full((1, 1, 1), 0.9), True, np.ones((1, 1)), np.ones(1), np.ones(1),
                      1.0, 0.0, 10.0, 0, usd, np.zeros((0, 10, 1)), -1, -1, -1, np.zeros(10, np.int8), np.zeros(10),
                      np.array([40.0]), 1, False, np.zeros(1), np.zeros(1))
    assert out == (0.0, 0.0, -1, -1) and not usd.any()
    # the scatter kernel agrees: everything is liquidated at once
    swept, _, _ = scatter_cohort(np.array([50.0]), np.full((1, 1, 1), 0.9), True, np.ones((1, 1)), np.ones(1),
                                 np.ones(1), 1.0, 0.0, 10.0, 0, usd, np.zeros((0, 10, 1)), -1, np.zeros(10, np.int8),
                                 np.zeros(10), np.array([40.0]), 1, False, np.zeros(1), np.zeros(1))
    assert swept == 1.0


def test_open_cohort_opens_nothing_when_the_amount_needed_overflows():
    # a survival of 1e-321 units per USD (the surviving entry's weight is subnormal) needs 1e321 USD for one unit:
    # inf USD was opened (ledger inf, units nan); now nothing, and MapBook opens at the current price instead
    usd, units = np.zeros((10, 1)), np.zeros(1)
    out = open_cohort(np.array([50.0, 50.0]), np.full((1, 1, 1), 0.9), True, np.array([[1.0], [1e-321]]), np.ones(1),
                      np.ones(1), 1.0, 0.0, 10.0, 0, usd, np.zeros((0, 10, 1)), -1, -1, -1, np.zeros(10, np.int8),
                      np.zeros(10), np.array([40.0, 50.0]), 1, True, units, np.zeros(1))
    assert out == (0.0, 0.0, -1, -1) and not usd.any() and not units.any()


def _okx(n_bars: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    bars = pd.read_csv(SAMPLE / "ohlcv_1m.csv").iloc[:n_bars]
    oi = pd.read_csv(SAMPLE / "open_interest.csv")
    return bars, oi[oi["ts"] <= bars["ts"].iloc[-1]]


def _replay(engine: LiquidationMapEngine, bars: pd.DataFrame, oi: pd.DataFrame, reads: list) -> None:
    oi_ts, oi_v = oi["ts"].tolist(), oi["oi_value"].tolist()
    j = 0
    for h, lo, c, v, t in zip(bars["high"], bars["low"], bars["close"], bars["volume"], bars["ts"], strict=True):
        engine.update_bar(h, lo, c, v, int(t) * 1_000_000)
        if j < len(oi_ts) and oi_ts[j] <= t:
            engine.update_open_interest(oi_v[j], oi_ts[j] * 1_000_000)
            j += 1
            reads.append(engine.update_clusters_and_magnet())


@pytest.mark.parametrize("kw", [{}, {"entry_mode": "hot_zones"}, {"model": "ensemble", "half_life_hours": 24.0}])
def test_fused_reading_equals_the_step_by_step_reading_on_real_bars(kw, monkeypatch):
    """One compiled call per reading (MapBook.anchor) against decay + open_units/close_fraction, on the real OKX
    sample's first 3,000 bars and their hourly open interest."""
    bars, oi = _okx(3000)
    fused, stepwise = LiquidationMapEngine(MapParams(**kw)), LiquidationMapEngine(MapParams(**kw))
    reads_a, reads_b = [], []
    _replay(fused, bars, oi, reads_a)
    monkeypatch.setattr(MapBook, "fused_anchor", property(lambda self: False))
    _replay(stepwise, bars, oi, reads_b)
    np.testing.assert_array_equal(fused.long.usd, stepwise.long.usd)
    np.testing.assert_array_equal(fused.short.usd, stepwise.short.usd)
    np.testing.assert_array_equal(fused.long.units, stepwise.long.units)
    assert fused.ledger == stepwise.ledger
    assert [r[0] for r in reads_a] == [r[0] for r in reads_b] and [r[1] for r in reads_a] == [r[1] for r in reads_b]
    assert len(reads_a) == len(oi) and fused.active_usd() > 0.0


def test_compiled_cluster_ids_equal_the_python_tracker():
    """The engine's compiled ids (ClusterIds) against ClusterTracker fed the same detections, on real bars."""
    bars, oi = _okx(6000)
    engine = LiquidationMapEngine(MapParams())
    tracker = ClusterTracker()
    oi_ts, oi_v = oi["ts"].tolist(), oi["oi_value"].tolist()
    j, low, high, checked = 0, np.inf, -np.inf, 0
    for h, lo, c, v, t in zip(bars["high"], bars["low"], bars["close"], bars["volume"], bars["ts"], strict=True):
        engine.update_bar(h, lo, c, v, int(t) * 1_000_000)
        low, high = min(low, lo), max(high, h)
        if j < len(oi_ts) and oi_ts[j] <= t:
            engine.update_open_interest(oi_v[j], oi_ts[j] * 1_000_000)
            j += 1
            detected = engine.detect_clusters()
            tracker.match_tolerance = engine.grid.width
            want = tracker.update(detected, engine.ts_ns, low, high)
            got = engine.update_clusters()
            assert got == want
            low, high, checked = np.inf, -np.inf, checked + len(got)
    assert checked > 100


@pytest.mark.parametrize("method", [0, 1])  # METHOD_QUANTILE, METHOD_SIGMA
def test_read_totals_over_the_spans_equals_the_full_read(method):
    engine = LiquidationMapEngine(MapParams())
    bars, oi = _okx(3000)
    _replay(engine, bars, oi, [])
    book, p = engine.book, engine.params
    g = book.grid
    args = (book.long.usd, book.short.usd, book.long.status, book.short.status, engine.tiers, g.base, g.width, method,
            p.cluster_quantile, p.cluster_k_sigma, p.cluster_max_gap, p.max_clusters_per_side, book.price)
    runs, n_long, up, down = read_map(*args)
    lt, st = np.zeros(p.n_bins), np.zeros(p.n_bins)
    got = read_totals(*args, lt, st, book.spans)
    assert book.spans[0, 1] - book.spans[0, 0] < p.n_bins - 1  # the spans do leave bins out
    np.testing.assert_array_equal(got[0], runs)
    assert got[1:] == (n_long, up, down)
    np.testing.assert_array_equal(lt, row_totals(book.long.usd))
    np.testing.assert_array_equal(st, row_totals(book.short.usd))


def _side_arrays(book: MapBook) -> list[np.ndarray]:
    return [a.copy() for side in (book.long, book.short) for a in (side.usd, side.status, side.share, side.units,
                                                                   side.outside)]


@pytest.mark.parametrize("floor", [False, True])
def test_anchor_interval_equals_interval_entries_then_anchor_sides(floor):
    engine = LiquidationMapEngine(MapParams())
    bars, oi = _okx(3000)
    _replay(engine, bars, oi, [])
    book = engine.book
    g = book.grid
    (long_levels, size_w), short_levels = book.model.per_unit[1], book.model.per_unit[-1][0]
    rows = _bars(7, 3) * np.array([0.7, 0.7, 0.7, 1.0])  # synthetic bars near the replay's last price
    factor = np.exp2(-0.2 / np.full(engine.tiers.size, 48.0))
    long_w, short_w = engine.base_weights, engine.base_weights
    units = float(book.long.units.sum()) * 1.01, float(book.short.units.sum()) * 0.97
    results = []
    for fused in (True, False):
        arrays = _side_arrays(book)
        edges, spans = np.array([book.long.edge, book.short.edge]), book.spans.copy()
        before, out = np.zeros(engine.tiers.size), np.zeros((2, 3))
        tail = (long_levels, short_levels, size_w, long_w, short_w, *units, g.base * g.width, g.width, g.base, False,
                *arrays, book.long.layer_block, edges, spans, out)
        if fused:
            anchor_interval(rows, np.zeros(0), 4, book.price, factor, floor, before, *tail)
        else:
            anchor_sides(factor, floor, before, *interval_entries(rows, np.zeros(0), 4, book.price), *tail)
        results.append([*arrays, edges, spans, before, out])
    assert results[0][-1][:, 0].sum() > 0.0  # something was opened
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


def test_read_tracked_equals_read_totals_then_track_clusters():
    engine = LiquidationMapEngine(MapParams())
    bars, oi = _okx(3000)
    _replay(engine, bars, oi, [])
    engine.read()
    book, p, tracker = engine.book, engine.params, engine.tracker
    g = book.grid
    args = (book.long.usd, book.short.usd, book.long.status, book.short.status, engine.tiers, g.base, g.width, 0,
            p.cluster_quantile, p.cluster_k_sigma, p.cluster_max_gap, p.max_clusters_per_side, book.price)
    low_since, high_since = book.price * 0.9, book.price * 1.1  # price passed far: earlier clusters may clear
    results = []
    for fused in (True, False):
        prev = (tracker.ints.copy(), tracker.low.copy(), tracker.high.copy())
        lt, st = np.zeros(p.n_bins), np.zeros(p.n_bins)
        if fused:
            cleared = np.zeros(tracker.ints.shape[0], dtype=np.int64)
            ints, floats, n_cleared, next_id, up, down = read_tracked(
                *args, lt, st, book.spans, *prev, tracker.count, g.width, tracker.next_id, 7, low_since, high_since,
                cleared)
            cleared = cleared[:n_cleared]
        else:
            runs, n_long, up, down = read_totals(*args, lt, st, book.spans)
            ints, floats, cleared, next_id = track_clusters(runs, n_long, g.base, g.width, *prev, tracker.count,
                                                            g.width, tracker.next_id, 7, low_since, high_since)
        results.append([ints, floats, cleared, np.array([next_id, up, down]), lt, st, *prev])
    assert len(results[0][0]) > 0
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("bins", [0.97, 3.5])
def test_sweep_side_equals_the_sweep_then_numpys_units_update(sign, bins):
    engine = LiquidationMapEngine(MapParams())
    bars, oi = _okx(3000)
    _replay(engine, bars, oi, [])
    book = engine.book
    book.settle()
    g, side = book.grid, book.side(sign)
    # a low into (or bins past) the long edge bin sweeps longs; a high into or past the short edge bin, shorts
    price = (g.base + side.edge + 0.5 - sign * (bins - 0.5)) * g.width
    j = int(np.floor(price / g.width)) - g.base
    new_share = ((g.base + j) * g.width + g.width - price) / g.width if sign > 0 else (
        price - (g.base + j) * g.width) / g.width
    unit_w = book.model.unit_factor[sign]
    results = []
    for fused in (True, False):
        usd, status, share, units = side.usd.copy(), side.status.copy(), side.share.copy(), side.units.copy()
        if fused:
            swept, edge = sweep_side(sign, usd, side.layer_block, status, share, side.edge, j, new_share, unit_w,
                                     False, g.base, g.width, units, np.full(units.size, 9.0))
        else:
            swept_units = np.zeros(units.size)
            sweep = sweep_down if sign > 0 else sweep_up
            swept, edge = sweep(usd, side.layer_block, status, share, side.edge, j, new_share, unit_w, False, g.base,
                                g.width, swept_units)
            units -= swept_units
            np.maximum(units, 0.0, out=units)
        results.append([usd, status, share, units, np.array([swept, edge])])
    assert results[0][-1][0] > 0.0
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n_layers", [0, 3])
def test_scale_sides_equals_the_numpy_decay(n_layers):
    rng = np.random.default_rng(5)  # synthetic sides: bins 40..89 long, 100..159 short, 8 tiers
    usd = [np.zeros((200, 8)), np.zeros((200, 8))]
    usd[0][40:90] = rng.uniform(0.0, 1e6, (50, 8))
    usd[1][100:160] = rng.uniform(0.0, 1e6, (60, 8))
    layers = [rng.uniform(0.0, 1.0, (n_layers, 200, 8)) * (u > 0.0) for u in usd]
    outside, units = [rng.uniform(0.0, 1e5, 8) for _ in range(2)], [rng.uniform(0.0, 1e3, 8) for _ in range(2)]
    spans = np.array([[40, 89], [100, 159]])
    factor = np.exp2(-rng.uniform(0.0, 0.3, 8))
    want = [a.copy() for a in (*usd, *layers, *outside, *units)]
    cols = []
    for side, (lo, hi) in enumerate(spans):
        col = np.zeros(8)
        for k in range(lo, hi + 1):  # bin by bin, as the kernel adds
            col += usd[side][k]
        cols.append(col)
    before_want = ((cols[0] + outside[0]) + cols[1]) + outside[1]
    for a in want:
        a *= factor
    before = np.zeros(8)
    scale_sides(usd[0], layers[0], outside[0], units[0], usd[1], layers[1], outside[1], units[1], factor, before,
                spans)
    np.testing.assert_array_equal(before, before_want)
    for got, expected in zip((*usd, *layers, *outside, *units), want, strict=True):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("keeps", [(1.0, 1.0), (0.75, 1.0), (1.0, 0.3), (0.5, 0.0)])
def test_scale_kept_equals_the_floor_close_then_the_numpy_decay(keeps):
    rng = np.random.default_rng(6)  # synthetic sides: bins 40..89 long, 100..159 short, 8 tiers
    usd = [np.zeros((200, 8)), np.zeros((200, 8))]
    usd[0][40:90] = rng.uniform(0.0, 1e6, (50, 8))
    usd[1][100:160] = rng.uniform(0.0, 1e6, (60, 8))
    outside, units = [rng.uniform(0.0, 1e5, 8) for _ in range(2)], [rng.uniform(0.0, 1e3, 8) for _ in range(2)]
    spans = np.array([[40, 89], [100, 159]])
    factor = np.exp2(-rng.uniform(0.0, 0.3, 8))
    want_usd = [u * keep for u, keep in zip(usd, keeps, strict=True)]  # the floor's close stores usd·keep
    cols = [np.zeros(8), np.zeros(8)]
    for side, (lo, hi) in enumerate(spans):
        col = np.zeros(8)
        for k in range(lo, hi + 1):  # bin by bin, as the kernel adds
            col += want_usd[side][k]
        cols[side] = col
    before_want = ((cols[0] + outside[0]) + cols[1]) + outside[1]
    want = [a * factor for a in (*want_usd, *outside, *units)]
    before = np.zeros(8)
    _scale_kept(usd[0], outside[0], units[0], usd[1], outside[1], units[1], factor, keeps[0], keeps[1], before, spans)
    np.testing.assert_array_equal(before, before_want)
    for got, expected in zip((*usd, *outside, *units), want, strict=True):
        np.testing.assert_array_equal(got, expected)


def test_read_curves_equals_numpys_cumulative_sums_on_a_real_map():
    """The curves kernel (both running sums in one loop) against ``reads.cumulative_curves`` (numpy ``cumsum``) on
    the real OKX sample's first 3,000 bars, at the map's price and at prices off the grid's ends."""
    engine = LiquidationMapEngine(MapParams())
    bars, oi = _okx(3000)
    _replay(engine, bars, oi, [])
    book = engine.book
    book.settle()
    long_t, short_t = row_totals(book.long.usd), row_totals(book.short.usd)
    assert long_t.any() and short_t.any()
    np.testing.assert_array_equal(np.stack(engine.cumulative_curves()), np.stack(cumulative_curves(book)))
    n = long_t.size
    for k in (-3, -1, 0, 1, book.grid.local_index(book.price), n - 2, n - 1, n, n + 5):
        got = np.full(n, np.nan), np.full(n, np.nan)
        read_curves(long_t, short_t, k, *got)
        want_long, want_short = np.cumsum(long_t[::-1])[::-1], np.cumsum(short_t)
        want_long[max(k + 1, 0):] = 0.0
        want_short[: max(k, 0)] = 0.0
        np.testing.assert_array_equal(got[0], want_long)
        np.testing.assert_array_equal(got[1], want_short)


def test_interval_bars_array_equals_numpys_array_of_the_rows():
    bars = IntervalBars(False, 3.0, 20, 0)
    assert bars.array().shape == (0, 4) and bars.array().dtype == np.float64
    rows = _bars(9, 4)  # synthetic
    for typical, low, high, volume in rows.tolist():
        bars.append(high, low, 3.0 * typical - high - low, volume, 0)
    np.testing.assert_array_equal(bars.array(), np.array(bars.rows).reshape(-1, 4))
