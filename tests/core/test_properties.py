"""Property tests (hypothesis) on synthetic random inputs: conservation, level sides, monotone curves,
lossless re-centring."""

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.core.leverage import DEFAULT_TIERS
from liqheat_nautilus.core.params import STATIC_MODELS

H = 3_600_000_000_000
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

event = st.one_of(
    st.tuples(st.just("bar"), st.floats(-0.03, 0.03), st.floats(0.0, 0.02), st.floats(0.0, 10.0)),
    st.tuples(st.just("oi"), st.floats(-0.4, 0.4), st.just(0.0), st.just(0.0)),
    st.tuples(st.just("funding"), st.floats(-0.003, 0.003), st.just(0.0), st.just(0.0)),
    st.tuples(st.just("trade"), st.floats(-0.01, 0.01), st.floats(0.0, 5_000.0), st.booleans()),
    st.tuples(st.just("taker"), st.floats(0.0, 1e6), st.floats(0.0, 1e6), st.just(0.0)),
    st.tuples(st.just("batch"), st.floats(-0.01, 0.01), st.floats(0.0, 5_000.0), st.integers(0, 5)),
)

params_strategy = st.builds(
    dict,
    model=st.sampled_from(("simple", "isolated_mmr", "binance_standard", "funding_adjusted", "ensemble")),
    funding_base_model=st.sampled_from(STATIC_MODELS),
    entry_mode=st.sampled_from(("volume_profile", "vwap", "hot_zones", "oi_spikes", "trades")),
    close_mode=st.sampled_from(("pro_rata", "newest_first")),
    cohort_layers=st.integers(2, 4),
    half_life_hours=st.sampled_from((0.0, 1.0, 24.0)),
    net_liquidations=st.booleans(),
    taker_share_skew=st.sampled_from((0.0, 0.5, 1.0)),
    taker_leverage_skew=st.sampled_from((0.0, 2.0)),
    leverage_profile=st.sampled_from(("neutral", "aggressive", "dynamic")),
    inverse=st.booleans(),
    bin_bps=st.sampled_from((5.0, 20.0)),
    trade_threshold=st.sampled_from((1_000.0, 100_000.0)),
    trade_selection=st.just("gross_value"),
    spike_min_samples=st.just(2),
)


def run(kw: dict, events: list) -> LiquidationMapEngine:
    e = LiquidationMapEngine(MapParams(n_bins=120, funding_interval_hours=0.0, **kw))
    price, oi, ts = 100.0, 1_000.0, 0
    e.update_bar(price, price, price, 1.0, ts)
    e.update_open_interest(oi * price, ts, oi_base=oi)
    for kind, a, b, c in events:
        ts += H // 4
        if kind == "bar":
            close = price * (1.0 + a)
            high, low = max(price, close) * (1.0 + b), min(price, close) * (1.0 - b)
            e.update_bar(high, low, close, c, ts)
            price = close
        elif kind == "oi":
            oi = max(oi * (1.0 + a), 0.0)
            e.update_open_interest(oi * price, ts, oi_base=oi)
        elif kind == "funding":
            e.update_funding(a, ts)
        elif kind == "trade":
            price = price * (1.0 + a)
            e.update_trade(price, ts, b / price, bool(c))
        elif kind == "batch":  # a few trades around the price, alternating taker sides
            prices = [price * (1.0 + a * (i + 1) / (c + 1)) for i in range(c + 1)]
            e.update_trades(prices, [b / p for p in prices], [i % 2 == 1 for i in range(c + 1)], ts)
            price = prices[-1]
        else:
            e.update_taker_volume(a, b, ts)
    return e


@SETTINGS
@given(params_strategy, st.lists(event, min_size=1, max_size=40))
def test_notional_is_conserved(kw, events):
    e = run(kw, events)
    led = e.ledger
    accounted = e.active_usd() + led.swept + led.closed + led.decayed + led.dropped
    assert math.isclose(led.opened, accounted, rel_tol=1e-9, abs_tol=1e-6)
    assert min(led.swept, led.closed, led.decayed) >= 0.0
    assert np.all(e.long.usd >= -1e-9) and np.all(e.short.usd >= -1e-9)


@SETTINGS
@given(params_strategy, st.lists(event, min_size=1, max_size=40))
def test_cumulative_curves_are_monotone_and_levels_lie_on_their_side(kw, events):
    e = run(kw, events)
    long_cum, short_cum = e.cumulative_curves()
    k = e.grid.local_index(e.price)
    tol = 1e-9 * max(1.0, float(long_cum.max()), float(short_cum.max()))
    assert np.all(np.diff(long_cum) <= tol)  # non-increasing in price (grows downward)
    assert np.all(np.diff(short_cum) >= -tol)
    # nothing survives beyond price: longs only at or below the price's bin, shorts at or above it
    assert e.long_usd()[max(k + 1, 0):].sum() <= tol
    assert e.short_usd()[: max(k, 0)].sum() <= tol


@SETTINGS
@given(
    model=st.sampled_from(STATIC_MODELS),
    entries=st.lists(st.floats(1e-3, 1e6), min_size=1, max_size=5),
    tiers=st.sets(st.floats(1.5, 200.0), min_size=1, max_size=6),
    mmr_share=st.floats(0.0, 0.95),
    buffer_share=st.floats(0.0, 0.95),
    inverse=st.booleans(),
    sizes=st.lists(st.floats(1.0, 4e8), min_size=1, max_size=4),
)
def test_long_levels_below_entry_and_short_above_for_every_model(model, entries, tiers, mmr_share, buffer_share,
                                                                  inverse, sizes):
    tiers = tuple(sorted(tiers))
    inv_max = 1.0 / max(tiers)
    p = MapParams(model=model, tiers=tiers, leverage_profile=dict.fromkeys(tiers, 1.0), mmr=mmr_share * inv_max,
                  buffer=buffer_share * inv_max, inverse=inverse, position_sizes_usd=tuple(sizes),
                  position_size_weights=(1.0,) * len(sizes))
    e = LiquidationMapEngine(p)
    entry = np.asarray(entries)
    long_p, _ = e.liquidation_prices(entry, 1)
    short_p, _ = e.liquidation_prices(entry, -1)
    assert np.all(long_p < entry[:, None, None])
    assert np.all(short_p > entry[:, None, None])


def test_ensemble_and_funding_adjusted_levels_lie_on_their_side():
    for model in ("ensemble", "funding_adjusted"):
        e = LiquidationMapEngine(MapParams(model=model, tiers=DEFAULT_TIERS))
        entry = np.array([10.0, 100.0, 65_000.0])
        assert np.all(e.liquidation_prices(entry, 1)[0] < entry[:, None, None])
        assert np.all(e.liquidation_prices(entry, -1)[0] > entry[:, None, None])


@SETTINGS
@given(
    masses=st.lists(st.tuples(st.integers(0, 119), st.integers(0, 7), st.floats(0.0, 1e6)), min_size=1,
                    max_size=30),
    shift=st.integers(-150, 150),
    layers=st.sampled_from(("pro_rata", "newest_first")),
)
def test_recentring_loses_nothing_inside_the_range(masses, shift, layers):
    e = LiquidationMapEngine(MapParams(n_bins=120, bin_size=1.0, close_mode=layers))
    e.update_bar(1000.5, 1000.5, 1000.5, 1.0, 0)
    for k, t, m in masses:
        added = np.zeros_like(e.long.usd)
        added[k, t] = m
        e.long.add(added)
        e.short.add(added)
    base0 = e.grid.base
    before = {base0 + k: e.long.usd[k].copy() for k in range(120)}
    total = e.long.usd.sum()
    dropped0 = e.ledger.dropped
    e._recentre(e.grid.width * (base0 + shift + 60) + 0.5)  # moves base by `shift` bins
    assert e.grid.base == base0 + shift
    kept = 0.0
    for k in range(120):
        g = e.grid.base + k
        if g in before:
            np.testing.assert_array_equal(e.long.usd[k], before[g])
            kept += before[g].sum()
        else:
            assert not e.long.usd[k].any()
    assert math.isclose(kept + (e.ledger.dropped - dropped0) / 2.0, total, rel_tol=1e-12, abs_tol=1e-6)
    if e.long.layers is not None:
        np.testing.assert_allclose(e.long.layers.sum(axis=0), e.long.usd, rtol=1e-12, atol=1e-9)
