"""What a new user found in the charts, fixed: round ticks, cluster labels clear of the markers, legend colours that
match the drawing, cleared zones no brighter than populated bins, the currency on the price axis, every leverage
tier (5x) in view by default, a percentile or log colour scale, candles; and the map drawn from published bins
equals the map drawn from the engine."""

import math

import numpy as np
import pandas as pd
import pytest

from liqheat_nautilus.charts.heatmap import heatmap_data, heatmap_figure, heatmap_traces
from liqheat_nautilus.charts.liquidation_map import (
    MapView,
    _label_shifts,
    default_window_pct,
    liquidation_map_figure,
    nice_step,
    quote_currency,
)
from liqheat_nautilus.charts.palette import LONG_COLOUR, SHORT_COLOUR
from liqheat_nautilus.core import MapParams
from liqheat_nautilus.persistence.reader import read_market_series
from liqheat_nautilus.replay import replay_engine
from liqheat_nautilus.times import parse_time

INSTRUMENT = "SOL-USDT-SWAP.OKX"


@pytest.fixture(scope="module")
def real_state(okx_catalog):
    """The real OKX sample replayed to 2026-06-24 00:00 UTC (Binance's brackets, no funding moves: the state the
    layout checks below were written on, with 5x levels beyond 10 % of price and more than four clusters)."""
    series = read_market_series(okx_catalog, INSTRUMENT)
    return replay_engine(series, MapParams(model="binance_standard"), parse_time("2026-06-24T00:00"))


def _is_round(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(math.isclose(mantissa, m) for m in (1.0, 2.0, 2.5, 5.0))


def test_nice_steps_and_currencies():
    assert [nice_step(s) for s in (13.9, 0.7, 2500.0, 6.4e6)] == [5.0, 0.2, 500.0, 2e6]
    assert quote_currency("SOL-USDT-SWAP.OKX") == "USDT" and quote_currency("BTCUSDT-PERP.BINANCE") == "USDT"
    assert quote_currency("ETH-USD-SWAP.OKX") == "USD" and quote_currency("XYZ.SIM") == "quote currency"
    assert default_window_pct((5.0, 10.0, 125.0)) == 25.0 and default_window_pct((1.0,)) == 50.0


def test_map_axes_have_round_ticks_and_the_currency(real_state):
    fig = liquidation_map_figure(MapView.from_engine(real_state.engine, real_state.clusters, INSTRUMENT))
    for axis in (fig.layout.yaxis, fig.layout.yaxis2, fig.layout.xaxis):
        assert _is_round(axis.dtick) and axis.tick0 == 0.0
    for axis in (fig.layout.yaxis, fig.layout.yaxis2):
        top = axis.range[1]
        assert axis.range[0] == 0.0 and math.isclose(top / axis.dtick, round(top / axis.dtick))
    stacked = max(sum(float(np.sum(t.y[np.asarray(t.x) == x])) for t in fig.data if t.type == "bar")
                  for x in np.unique(np.concatenate([np.asarray(t.x) for t in fig.data if t.type == "bar"])))
    assert fig.layout.yaxis.range[1] >= stacked  # the tallest stack fits
    assert fig.layout.xaxis.title.text == "price (USDT)"


def test_every_tier_is_in_view_by_default_including_5x(real_state):
    view = MapView.from_engine(real_state.engine, real_state.clusters, INSTRUMENT)
    fig = liquidation_map_figure(view)
    drawn = {t.meta["tier"] for t in fig.data if t.type == "bar" and len(t.x) > 0}
    assert drawn == set(view.tiers.tolist())  # the 5x levels (~20 % away) are inside the default window
    narrow = liquidation_map_figure(view, window_pct=10.0)
    assert 5.0 not in {t.meta["tier"] for t in narrow.data if t.type == "bar" and len(t.x) > 0}
    assert [t.name for t in fig.data if t.type == "bar" and t.showlegend] == [f"{t:g}x" for t in view.tiers]


def test_cluster_legend_colours_match_their_markers(real_state):
    fig = liquidation_map_figure(MapView.from_engine(real_state.engine, real_state.clusters, INSTRUMENT))
    traces = {t.meta["side"]: t for t in fig.data if t.meta.get("kind") == "clusters"}
    assert set(traces) == {"LONG", "SHORT"}
    assert traces["LONG"].marker.color == LONG_COLOUR and traces["SHORT"].marker.color == SHORT_COLOUR
    assert traces["LONG"].name == "long clusters" and traces["SHORT"].name == "short clusters"
    price = real_state.engine.price
    assert max(traces["LONG"].x) < price < min(traces["SHORT"].x)  # red below price, green above


def test_cluster_labels_sit_above_their_markers_and_clear_of_each_other(real_state):
    fig = liquidation_map_figure(MapView.from_engine(real_state.engine, real_state.clusters, INSTRUMENT))
    labels = [a for a in fig.layout.annotations if a.name == "cluster label"]
    markers = [(x, y, s) for t in fig.data if t.meta.get("kind") == "clusters"
               for x, y, s in zip(t.x, t.y, t.marker.size, strict=True)]
    assert len(labels) == len(markers) > 4
    for label in labels:
        x, y, size = next(m for m in markers if m[0] == label.x and m[1] == label.y)
        assert label.yshift >= size / 2 + 8  # the text starts above the diamond, not on it
    # synthetic crowd: five clusters at the same spot get five distinct heights 13 px apart
    shifts = _label_shifts([1.0] * 5, [10.0] * 5, [12.0] * 5, x_span=10.0, y_top=100.0)
    assert sorted(np.diff(sorted(shifts))) == pytest.approx([13.0] * 4)


def _history():
    """SYNTHETIC: three hourly snapshots of a 10-bin grid (width 1) with notional from 1 to 1,000,000 USD."""
    usd = np.array([[0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 0, 0]] * 3, dtype=float)
    return {"ts_ns": np.array([0, 3_600, 7_200], dtype=np.int64) * 10**9, "price": np.array([5.5, 5.5, 5.5]),
            "base": np.array([0, 0, 0]), "width": np.array([1.0, 1.0, 1.0]), "long_usd": usd,
            "short_usd": np.zeros_like(usd)}


def test_percentile_scale_colours_by_rank_and_labels_usd():
    data = heatmap_data(_history())
    _, live = heatmap_traces(data, (0.0, 10.0))
    z = np.asarray(live.z, dtype=float)
    usd = np.asarray(live.customdata, dtype=float)
    assert live.meta["scale"] == "percentile" and live.zmin == 0.0 and live.zmax == 1.0
    # 21 populated cells (7 values x 3 snapshots): each value's rank is its share of cells at or below it
    ranks = {v: (np.sum(usd[~np.isnan(usd)] <= v)) / 21 for v in np.unique(usd[~np.isnan(usd)])}
    assert all(z[i, j] == pytest.approx(ranks[usd[i, j]]) for i, j in zip(*np.nonzero(~np.isnan(usd)), strict=True))
    assert live.colorbar.ticktext[-1] == "$1M" and "%{customdata" in live.hovertemplate
    _, log = heatmap_traces(data, (0.0, 10.0), scale="log")
    assert log.zmax == pytest.approx(6.0) and list(log.colorbar.tickvals) == [0, 1, 2, 3, 4, 5, 6]
    assert log.colorbar.ticktext[3] == "$1k"
    with pytest.raises(ValueError, match="scale"):
        heatmap_traces(data, (0.0, 10.0), scale="sqrt")


def test_heatmap_candles_and_currency_axis():
    index = pd.date_range("1970-01-01T00:01", periods=120, freq="1min", tz="UTC", name="ts")  # SYNTHETIC bars
    close = 5.0 + np.sin(np.arange(120) / 9.0)
    bars = pd.DataFrame({"open": close - 0.1, "high": close + 0.3, "low": close - 0.4, "close": close,
                         "volume": np.ones(120)}, index=index)
    fig = heatmap_figure(_history(), bars, INSTRUMENT, candles=True)
    (candles,) = [t for t in fig.data if t.meta["kind"] == "candles"]
    assert fig.layout.yaxis.title.text == "price (USDT)" and fig.layout.xaxis.rangeslider.visible is False
    # one candle per snapshot interval (1 h): a bar closing at hh:00 ends the candle before it
    first = bars[bars.index <= pd.Timestamp("1970-01-01T01:00", tz="UTC")]
    assert candles.open[0] == first["open"].iloc[0] and candles.close[0] == first["close"].iloc[-1]
    assert candles.high[0] == first["high"].max() and candles.low[0] == first["low"].min()
    assert len(candles.x) == 2


def test_map_from_published_bins_equals_the_map_from_the_engine(real_state):
    from nautilus_trader.model.identifiers import InstrumentId

    from liqheat_nautilus.data import LiquidationMapBins

    engine = real_state.engine
    bins = LiquidationMapBins.from_arrays(InstrumentId.from_str(INSTRUMENT), engine.price, engine.grid.width,
                                          engine.grid.base, engine.tiers, *engine.tier_usd(), *engine.bin_status(),
                                          engine.ts_ns)
    a = MapView.from_engine(engine, real_state.clusters, INSTRUMENT)
    b = MapView.from_bins(bins, real_state.clusters, INSTRUMENT)
    rows = bins.first_bin - engine.grid.base + np.arange(bins.n_rows)  # the rows carried, on the engine's grid
    assert np.allclose(a.centres[rows], b.centres)
    assert np.allclose(a.long_tier[rows], b.long_tier, rtol=1e-6) and np.allclose(a.short_tier[rows], b.short_tier,
                                                                                   rtol=1e-6)
    assert np.allclose(a.long_cum[rows], b.long_cum, rtol=1e-5) and np.allclose(a.short_cum[rows], b.short_cum,
                                                                                 rtol=1e-5)
    assert a.price == b.price and a.ts_ns == b.ts_ns and a.width == b.width
