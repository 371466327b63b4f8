"""Heatmap figure data: grid alignment across re-centring, cleared zones, colour scale, price path, axis range.

SYNTHETIC snapshot histories (hand-built, bin width 1.0, 8 bins) are used for the hand-computed cases; the last
test reads the history of the real OKX sample.
"""

import colorsys
import math

import numpy as np
import pandas as pd
import pytest

from liqheat_nautilus.charts.heatmap import heatmap_data, heatmap_figure, heatmap_traces
from liqheat_nautilus.charts.palette import HEATMAP_COLOURSCALE


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb`` or ``rgb(a)(r, g, b[, a])`` (alpha ignored), in [0, 1]."""
    if colour.startswith("#"):
        rgb = [int(colour[i : i + 2], 16) / 255.0 for i in (1, 3, 5)]
    else:
        rgb = [float(v) / 255.0 for v in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3]]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


H = 3_600_000_000_000  # one hour in ns


def _history(prices, bases, longs, shorts, ts=None):
    """SYNTHETIC history: longs/shorts are {local bin: USD} per snapshot."""
    k, n = len(prices), 8
    long_usd, short_usd = np.zeros((k, n)), np.zeros((k, n))
    for t in range(k):
        for b, v in longs[t].items():
            long_usd[t, b] = v
        for b, v in shorts[t].items():
            short_usd[t, b] = v
    return {"ts_ns": np.asarray(ts if ts is not None else [t * H for t in range(k)], dtype=np.int64),
            "price": np.asarray(prices, float), "base": np.asarray(bases, np.int64), "width": np.full(k, 1.0),
            "long_usd": long_usd, "short_usd": short_usd}


def _recentring_history():
    # t0: price 8.5, grid bins 4..11: longs 100 at [5,6) and 50 at [6,7), shorts 70 at [10,11)
    # t1 (+1 h): price 5.5, grid re-centred to bins 2..9: both long bins swept, 40 new at [3,4); [10,11) left grid
    # t2 (+25 h): unchanged map, 24 h later
    return _history(prices=[8.5, 5.5, 5.5], bases=[4, 2, 2],
                    longs=[{1: 100.0, 2: 50.0}, {1: 40.0}, {1: 40.0}],
                    shorts=[{6: 70.0}, {}, {}], ts=[0, H, 25 * H])


def _row(data, price):
    return int(np.flatnonzero(np.isclose(data.centres, price))[0])


def test_snapshots_land_on_one_global_grid_after_recentring():
    data = heatmap_data(_recentring_history())
    assert data.centres.tolist() == [2.5 + i for i in range(10)]  # global bins 2..11
    assert data.live_usd[0, _row(data, 5.5)] == 100.0 and data.live_usd[0, _row(data, 6.5)] == 50.0
    assert data.live_usd[0, _row(data, 10.5)] == 70.0
    assert data.live_usd[1, _row(data, 3.5)] == 40.0
    assert data.live_usd.sum(axis=1).tolist() == [220.0, 40.0, 40.0]


def test_snapshots_before_a_regrid_are_moved_onto_the_newest_width():
    # the map re-binned its grid (regrid_ratio) between t1 and t2: width 1 -> 2; t2's bins 1..8 of width 2
    hist = _recentring_history()
    hist["width"] = np.array([1.0, 1.0, 2.0])
    hist["base"] = np.array([4, 2, 1])
    data = heatmap_data(hist)
    assert data.width == 2.0
    # t0's 100 at [5, 6) and 50 at [6, 7): the width-2 bins [4, 6) and [6, 8); its 70 at [10, 11) in [10, 12)
    assert data.live_usd[0, _row(data, 5.0)] == 100.0 and data.live_usd[0, _row(data, 7.0)] == 50.0
    assert data.live_usd[0, _row(data, 11.0)] == 70.0
    assert data.live_usd.sum(axis=1).tolist() == [220.0, 40.0, 40.0]  # nothing lost


def test_bins_price_traded_into_are_cleared_and_fade_with_the_half_life():
    data = heatmap_data(_recentring_history(), cleared_half_life_hours=24.0)
    assert data.swept_usd[1, _row(data, 5.5)] == 100.0 and data.swept_usd[1, _row(data, 6.5)] == 50.0
    # the short bin vanished because the grid moved away, not because price reached it: not cleared
    assert data.swept_usd[1, _row(data, 10.5)] == 0.0
    assert data.swept_usd[0].sum() == 0.0
    # 24 h later the faded layer is at half strength
    assert data.cleared_usd[2, _row(data, 5.5)] == pytest.approx(50.0)
    assert data.cleared_usd[2, _row(data, 6.5)] == pytest.approx(25.0)


def test_wick_from_the_bars_clears_a_bin_the_snapshot_prices_never_reached():
    # snapshot prices 8.5 then 8.2; a bar in between wicks down to 5.8, into the long bin [5, 6)
    hist = _history(prices=[8.5, 8.2], bases=[4, 4], longs=[{1: 100.0}, {}], shorts=[{}, {}])
    assert heatmap_data(hist).swept_usd[1].sum() == 0.0  # without bars: price never reached 6
    idx = pd.to_datetime([H // 2, H], unit="ns", utc=True)
    bars = pd.DataFrame({"low": [5.8, 8.1], "high": [8.6, 8.3], "close": [8.0, 8.2]}, index=idx)
    data = heatmap_data(hist, bars)
    assert data.swept_usd[1, _row(data, 5.5)] == 100.0


def test_colour_scale_runs_purple_blue_teal_yellow():
    fig = heatmap_figure(_recentring_history())
    (live,) = [t for t in fig.data if t.meta and t.meta.get("kind") == "live"]
    stops = [(float(s), c) for s, c in live.colorscale]
    assert stops == [(float(s), c) for s, c in HEATMAP_COLOURSCALE]
    hue = [colorsys.rgb_to_hsv(*(int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)))[0] * 360 for _, c in stops]
    assert 255 <= hue[0] <= 290  # purple
    assert 210 <= hue[2] <= 235  # blue
    assert 165 <= hue[3] <= 185  # teal
    assert 45 <= hue[-1] <= 65  # yellow
    assert [s for s, _ in stops][0] == 0.0 and [s for s, _ in stops][-1] == 1.0


def test_layers_order_transparency_and_axis_range():
    fig = heatmap_figure(_recentring_history(), pad_pct=5.0)
    kinds = [t.meta["kind"] for t in fig.data]
    assert kinds == ["cleared", "live", "price"]  # faded layer under the live density, price path on top
    cleared, live, path = fig.data
    assert cleared.showscale is False
    # a cleared zone is never brighter than the live scale's 20th-percentile colour (populated bins)
    brightest_cleared = max(relative_luminance(c) for _, c in cleared.colorscale)
    assert brightest_cleared <= relative_luminance(dict(HEATMAP_COLOURSCALE)[0.2])
    z = np.asarray(live.z, dtype=float)
    assert np.isnan(z).any() and np.nanmin(z) > 0.0  # empty cells are transparent, not dark
    assert np.asarray(cleared.z, dtype=float)[_row_of(cleared, 5.5), 1] == 100.0
    assert tuple(fig.layout.yaxis.range) == pytest.approx((5.5 * 0.95, 8.5 * 1.05))
    assert list(path.y) == [8.5, 5.5, 5.5]


def _row_of(trace, price):
    return int(np.flatnonzero(np.isclose(np.asarray(trace.y, float), price))[0])


def test_bad_histories_raise_naming_the_problem():
    hist = _recentring_history()
    with pytest.raises(ValueError, match="no snapshot"):
        heatmap_data({k: v[:0] for k, v in hist.items()})
    with pytest.raises(ValueError, match="long_usd"):
        heatmap_data({k: v for k, v in hist.items() if k != "long_usd"})


def test_real_sample_heatmap(okx_catalog):
    """Real OKX SOL-USDT-SWAP sample, whole span: live density, cleared zones and the 1-minute price path."""
    from liqheat_nautilus.core import MapParams
    from liqheat_nautilus.persistence.reader import read_market_series
    from liqheat_nautilus.replay import replay_engine

    series = read_market_series(okx_catalog, "SOL-USDT-SWAP.OKX")
    state = replay_engine(series, MapParams(mmr=0.005))
    bars = state.series.bars_frame()
    fig = heatmap_figure(state.history, bars, "SOL-USDT-SWAP.OKX")
    cleared, live, path = fig.data
    assert len(live.x) == len(state.history["ts_ns"]) > 300  # about one snapshot per hour over 15 days
    assert np.nansum(np.asarray(cleared.z, dtype=float)) > 0.0  # price did sweep zones
    lo, hi = fig.layout.yaxis.range
    assert lo == pytest.approx(min(bars["low"].min(), state.history["price"].min()) * 0.95)
    assert hi == pytest.approx(max(bars["high"].max(), state.history["price"].max()) * 1.05)
    assert len(path.x) == int(((bars.index.asi8 >= state.history["ts_ns"][0])
                               & (bars.index.asi8 <= state.history["ts_ns"][-1])).sum())
    assert math.isclose(float(path.y[-1]), state.engine.price)


def test_long_histories_are_thinned_to_max_columns_keeping_first_and_last():
    # SYNTHETIC: 50 hourly snapshots of one long bin whose notional is the snapshot number
    k = 50
    hist = _history(prices=[8.5] * k, bases=[4] * k, longs=[{1: float(t + 1)} for t in range(k)],
                    shorts=[{}] * k)
    data = heatmap_data(hist)
    _, live = heatmap_traces(data, (0.0, 20.0), max_columns=10)
    values = np.asarray(live.customdata, dtype=float)[_row_of(live, 5.5)]  # USD (z is the percentile rank)
    assert values.size == 10 and values[0] == 1.0 and values[-1] == 50.0
    assert np.all(np.diff(values) > 0)  # evenly spaced snapshots in time order
