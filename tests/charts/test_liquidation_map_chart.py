"""Liquidation-map figure data: tier stacks, sides around price, cumulative curves, price line, cluster hover.

The first tests use a labelled SYNTHETIC map with hand-computed bins: bin width 1.0, isolated_mmr with MMR 0.005,
tiers 10x and 25x at 50/50; 1,022.50 USD opened per side at entries 100 (weight 1/4) and 103 (weight 3/4) directly
in the engine's book (no price path reaches the levels), price 103.
Binance isolated formula: long EP(1 - 1/L)/(1 - MMR), short EP(1 + 1/L)/(1 + MMR), giving the bins below.
The last test reads the map of the real OKX sample.
"""

import colorsys

import numpy as np
import pytest

from liqheat_nautilus.charts.liquidation_map import MapView, cluster_hover_text, liquidation_map_figure
from liqheat_nautilus.core import ClusterInfo, LiquidationMapEngine, MapParams

OPENED = 10 * (100 * 1 + 103 * 3) / 4  # 1022.5 USD per side
PRICE = 103.0
# (side, tier) -> {bin centre: USD}; entry 100 takes 1/4 of the notional, entry 103 takes 3/4, each tier 1/2
EXPECTED = {
    ("long", 10.0): {90.5: OPENED / 8, 93.5: OPENED * 3 / 8},  # 90/0.995 = 90.45, 92.7/0.995 = 93.17
    ("long", 25.0): {96.5: OPENED / 8, 99.5: OPENED * 3 / 8},  # 96/0.995 = 96.48, 98.88/0.995 = 99.38
    ("short", 10.0): {109.5: OPENED / 8, 112.5: OPENED * 3 / 8},  # 110/1.005 = 109.45, 113.3/1.005 = 112.74
    ("short", 25.0): {103.5: OPENED / 8, 106.5: OPENED * 3 / 8},  # 104/1.005 = 103.48, 107.12/1.005 = 106.59
}


def _synthetic_engine() -> LiquidationMapEngine:
    engine = LiquidationMapEngine(MapParams(model="isolated_mmr", mmr=0.005, tiers=(10.0, 25.0),
                                            leverage_profile={10.0: 0.5, 25.0: 0.5}, bin_size=1.0, n_bins=200))
    engine.update_bar(103.0, 103.0, 103.0, 1.0, 1)  # the grid around 103
    entries, weights, tier_w = np.array([100.0, 103.0]), np.array([[0.25], [0.75]]), np.array([0.5, 0.5])
    for sign, never in ((1, np.inf), (-1, -np.inf)):  # adverse prices never reached: no sweep at opening
        engine.book.open(sign, entries, weights, tier_w, OPENED, np.full(2, never))
    return engine


def _bars(fig, side):
    return [t for t in fig.data if t.type == "bar" and t.meta["side"] == side]


def test_bars_are_stacked_per_tier_at_the_hand_computed_bins():
    fig = liquidation_map_figure(MapView.from_engine(_synthetic_engine(), clusters=[]), window_pct=15.0)
    assert fig.layout.barmode == "stack"
    for side in ("long", "short"):
        traces = _bars(fig, side)
        assert [t.meta["tier"] for t in traces] == [10.0, 25.0]
        assert [t.name for t in traces] == ["10x", "25x"]
        for t in traces:
            got = {round(float(x), 6): float(y) for x, y in zip(t.x, t.y, strict=True)}
            assert got == pytest.approx(EXPECTED[(side, t.meta["tier"])])


def test_long_bars_sit_below_price_and_short_bars_above():
    fig = liquidation_map_figure(MapView.from_engine(_synthetic_engine(), clusters=[]), window_pct=15.0)
    long_x = np.concatenate([np.asarray(t.x) for t in _bars(fig, "long")])
    short_x = np.concatenate([np.asarray(t.x) for t in _bars(fig, "short")])
    assert long_x.size == 4 and short_x.size == 4
    assert long_x.max() < PRICE < short_x.min()


def test_tier_colours_are_distinct_and_shared_by_both_sides():
    view = MapView.from_engine(_synthetic_engine(), clusters=[])
    fig = liquidation_map_figure(view)
    colours = {(t.meta["side"], t.meta["tier"]): t.marker.color for t in fig.data if t.type == "bar"}
    assert colours[("long", 10.0)] == colours[("short", 10.0)]
    assert colours[("long", 10.0)] != colours[("long", 25.0)]
    # only one legend entry per tier
    assert [t.name for t in fig.data if t.type == "bar" and t.showlegend] == ["10x", "25x"]


def test_cumulative_curves_on_the_secondary_axis_reach_each_side_total():
    fig = liquidation_map_figure(MapView.from_engine(_synthetic_engine(), clusters=[]), window_pct=15.0)
    cum = {t.meta["side"]: t for t in fig.data if t.meta.get("kind") == "cumulative"}
    assert cum["long"].yaxis == "y2" and cum["short"].yaxis == "y2"
    assert fig.layout.yaxis2.overlaying == "y" and fig.layout.yaxis2.side == "right"
    # 103 +/- 15 % shows every bin: the curve at the lowest bin holds every long, at the highest every short
    assert cum["long"].y[0] == pytest.approx(OPENED)
    assert cum["short"].y[-1] == pytest.approx(OPENED)
    assert np.all(np.diff(np.asarray(cum["long"].y)) <= 1e-9)  # falls toward price
    assert np.all(np.diff(np.asarray(cum["short"].y)) >= -1e-9)  # rises away from price


def test_current_price_is_a_red_dashed_line_and_the_window_is_centred_on_it():
    fig = liquidation_map_figure(MapView.from_engine(_synthetic_engine(), clusters=[]), window_pct=12.0)
    (line,) = [s for s in fig.layout.shapes if s.name == "current price"]
    assert line.x0 == line.x1 == PRICE
    assert line.line.dash == "dash"
    r, g, b = (int(line.line.color[i : i + 2], 16) for i in (1, 3, 5))
    assert r > 200 and g < 80 and b < 80  # red
    assert tuple(fig.layout.xaxis.range) == pytest.approx((PRICE * 0.88, PRICE * 1.12))


def test_window_excludes_bins_outside_it():
    fig = liquidation_map_figure(MapView.from_engine(_synthetic_engine(), clusters=[]), window_pct=5.0)
    xs = np.concatenate([np.asarray(t.x) for t in fig.data if t.type == "bar"])
    # 103 +/- 5 % = [97.85, 108.15]: only 99.5 (long 25x), 103.5 and 106.5 (short 25x) remain
    assert sorted(xs.tolist()) == [99.5, 103.5, 106.5]


def test_cluster_markers_carry_price_notional_and_strength_on_hover():
    cluster = ClusterInfo(cluster_id=7, side="SHORT", price_level=106.2, price_low=106.0, price_high=107.0,
                          leverage_tier=25.0, notional_usd=1_234_567.0, liquidation_count=123, strength=0.83,
                          distance_pct=3.11, status="ACTIVE", first_seen=1, last_seen=3)
    cleared = ClusterInfo(cluster_id=8, side="LONG", price_level=99.6, price_low=99.0, price_high=100.0,
                          leverage_tier=25.0, notional_usd=383.4, liquidation_count=0, strength=0.0,
                          distance_pct=-3.3, status="CLEARED", first_seen=1, last_seen=2)
    fig = liquidation_map_figure(MapView.from_engine(_synthetic_engine(), clusters=[cluster, cleared]))
    (markers,) = [t for t in fig.data if t.meta.get("kind") == "clusters"]
    assert list(markers.x) == [106.2]  # the cleared cluster is not drawn
    text = markers.hovertext[0]
    assert "106.2" in text and "$1.23M" in text and "strength 0.83" in text and "SHORT cluster #7" in text
    assert cluster_hover_text(cluster) == text


def test_bad_window_and_empty_engine_raise():
    with pytest.raises(ValueError, match="window_pct"):
        liquidation_map_figure(MapView.from_engine(_synthetic_engine(), clusters=[]), window_pct=0.0)
    with pytest.raises(ValueError, match="no price"):
        MapView.from_engine(LiquidationMapEngine(MapParams()))


def test_real_sample_map_keeps_every_long_below_and_short_above(okx_catalog):
    """Real OKX SOL-USDT-SWAP sample replayed to 2026-06-20 12:00 UTC."""
    from liqheat_nautilus.persistence.reader import read_market_series
    from liqheat_nautilus.replay import replay_engine
    from liqheat_nautilus.times import parse_time

    series = read_market_series(okx_catalog, "SOL-USDT-SWAP.OKX")
    state = replay_engine(series, MapParams(mmr=0.005), parse_time("2026-06-20T12:00"))
    view = MapView.from_engine(state.engine, state.clusters, "SOL-USDT-SWAP.OKX")
    fig = liquidation_map_figure(view, window_pct=10.0)
    price, w = view.price, view.width
    long_x = np.concatenate([np.asarray(t.x) for t in _bars(fig, "long")])
    short_x = np.concatenate([np.asarray(t.x) for t in _bars(fig, "short")])
    assert long_x.size > 0 and short_x.size > 0
    assert long_x.max() <= price + w / 2 and short_x.min() >= price - w / 2  # at most the bin holding price
    # the stacked bars add up to the engine's per-bin totals inside the window
    inside = np.abs(view.centres - price) <= price * 0.10
    shown = sum(float(np.sum(t.y)) for t in fig.data if t.type == "bar")
    expected = float((state.engine.long_usd() + state.engine.short_usd())[inside].sum())
    assert shown == pytest.approx(expected, rel=1e-9)
    assert len([t for t in fig.data if t.type == "bar"]) == 2 * len(view.tiers) == 16
    hues = {round(colorsys.rgb_to_hsv(*(int(t.marker.color[i : i + 2], 16) / 255 for i in (1, 3, 5)))[0], 2)
            for t in _bars(fig, "long")}
    assert len(hues) == 8  # eight tiers, eight distinct hues


def test_tier_colours_for_custom_tiers_stay_distinct():
    from liqheat_nautilus.charts.palette import TIER_COLOURS, tier_colours

    colours = tier_colours((3.0, 5.0, 7.0, 10.0, 15.0))
    assert len(set(colours)) == 5
    assert colours[1] == TIER_COLOURS[5.0] and colours[3] == TIER_COLOURS[10.0]  # known tiers keep their colour


def test_prices_are_written_without_an_exponent():
    """A BTC-sized price read 'current price 8.015e+04' and cluster ranges '7.711e+04 – 7.727e+04'."""
    from liqheat_nautilus.charts.liquidation_map import price_hover_format, price_text

    assert [price_text(p) for p in (80_150.3, 71.15, 63.0527, 9_999.4, 0.1234, 0.00001234)] == [
        "80,150", "71.15", "63.05", "9,999", "0.1234", "0.00001234"]
    assert (price_hover_format(80_150.3), price_hover_format(71.15)) == (",.0f", ",.4g")
    # SYNTHETIC map around 80,000: the price annotation, cluster hover and hover templates
    engine = LiquidationMapEngine(MapParams(model="isolated_mmr", mmr=0.005, tiers=(10.0, 25.0),
                                            leverage_profile={10.0: 0.5, 25.0: 0.5}, bin_size=100.0, n_bins=200))
    engine.update_bar(80_150.3, 80_150.3, 80_150.3, 1.0, 1)
    entries, weights, tier_w = np.array([80_000.0]), np.array([[1.0]]), np.array([0.5, 0.5])
    for sign, never in ((1, np.inf), (-1, -np.inf)):
        engine.book.open(sign, entries, weights, tier_w, OPENED, np.full(1, never))
    cluster = ClusterInfo(cluster_id=1, side="LONG", price_level=77_213.81, price_low=77_114.2, price_high=77_274.2,
                          leverage_tier=25.0, notional_usd=3.1e7, liquidation_count=10, strength=1.0,
                          distance_pct=-3.67, status="ACTIVE", first_seen=1, last_seen=1)
    fig = liquidation_map_figure(MapView.from_engine(engine, clusters=[cluster]))
    texts = [a.text for a in fig.layout.annotations if a.text.startswith("current price")]
    assert texts == ["current price 80,150"]
    assert "price 77,214 (77,114 – 77,274)" in cluster_hover_text(cluster)
    templates = [t.hovertemplate for t in fig.data if t.hovertemplate]
    assert templates and all("%{x:,.0f}" in t for t in templates)
