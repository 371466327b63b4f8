"""Property tests (hypothesis) on synthetic random inputs: the ledger identity and the anchor to open interest after
every reading, estimated liquidations = swept notional after the seed, level sides, monotone curves, lossless
re-centring.

Tolerances (measured over thousands of random sequences, then given a margin):

* ledger ``opened = active + outside + swept + closed + decayed``: 1e-9 relative (floating-point sums only);
* anchor, ``close_mode="pro_rata"``: ``side_units() == (s·U, (1 − s)·U)`` to 1e-9 relative (measured ≤ 5e-16:
  the side's unit counter is closed and reopened exactly);
* anchor, ``close_mode="newest_first"``: 2 % relative (measured ≤ 1.4e-3). Closing the newest cohort layers
  scales each leverage point's unit counter by the USD it lost, while the layers hold different units per USD
  (entry prices, swept tiers), so the counter lands near, not on, the target.

Swept units are an estimate (``usd · unit_factor[t] / bin centre``): that moves the counter away from the "true"
units of the positions, but not away from the target, because the anchor reads the same counter.
"""

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.core.leverage import DEFAULT_TIERS
from liqheat_nautilus.core.params import STATIC_MODELS

H = 3_600_000_000_000
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ANCHOR_TOL = {"pro_rata": 1e-9, "newest_first": 0.02}

event = st.one_of(
    st.tuples(st.just("bar"), st.floats(-0.03, 0.03), st.floats(0.0, 0.02), st.floats(0.0, 10.0)),
    st.tuples(st.just("oi"), st.floats(-0.4, 0.4), st.just(0.0), st.just(0.0)),
    st.tuples(st.just("oi_zero"), st.just(0.0), st.just(0.0), st.just(0.0)),
    st.tuples(st.just("funding"), st.floats(-0.003, 0.003), st.just(0.0), st.just(0.0)),
    st.tuples(st.just("trade"), st.floats(-0.01, 0.01), st.floats(0.0, 5_000.0), st.booleans()),
    st.tuples(st.just("price_only"), st.floats(-0.01, 0.01), st.just(0.0), st.just(0.0)),
    st.tuples(st.just("taker"), st.floats(0.0, 1e6), st.floats(0.0, 1e6), st.just(0.0)),
    st.tuples(st.just("batch"), st.floats(-0.01, 0.01), st.floats(0.0, 5_000.0), st.integers(0, 5)),
    st.tuples(st.just("ratio"), st.floats(0.2, 5.0), st.just(0.0), st.just(0.0)),
)

SELECTIONS = {"gross_value": 1_000.0, "top_n": 1.0, "portion": 0.5}


@st.composite
def params_strategy(draw) -> dict:
    selection = draw(st.sampled_from(tuple(SELECTIONS)))
    return dict(
        model=draw(st.sampled_from(("simple", "isolated_mmr", "binance_standard", "funding_adjusted", "ensemble"))),
        funding_base_model=draw(st.sampled_from(STATIC_MODELS)),
        entry_mode=draw(st.sampled_from(("volume_profile", "vwap", "hot_zones", "oi_spikes", "reference",
                                         "trades"))),
        close_mode=draw(st.sampled_from(("pro_rata", "newest_first"))),
        cohort_layers=draw(st.integers(2, 4)),
        half_life_hours=draw(st.sampled_from((0.0, 1.0, 24.0))),
        turnover_clock=draw(st.sampled_from(("volume", "time"))),
        seed_lookback_hours=draw(st.sampled_from((0.0, 1.0, 336.0))),
        leverage_model=draw(st.sampled_from(("tiers", "normal"))),
        leverage_profile=draw(st.sampled_from(("neutral", "aggressive", "dynamic"))),
        side_split=draw(st.sampled_from(("auto", "ratio", "funding", "equal"))),
        leveraged_share=draw(st.sampled_from((1.0, 0.3))),
        taker_share_skew=draw(st.sampled_from((0.0, 0.5, 1.0))),
        taker_leverage_skew=draw(st.sampled_from((0.0, 2.0))),
        inverse=draw(st.booleans()),
        bin_bps=draw(st.sampled_from((5.0, 20.0))),
        trade_selection=selection,
        trade_threshold=SELECTIONS[selection],
        spike_min_samples=2,
    )


class Run:
    """Drives an engine over synthetic events and checks the ledger and the anchor after every reading."""

    def __init__(self, kw: dict) -> None:
        self.e = LiquidationMapEngine(MapParams(n_bins=120, funding_interval_hours=0.0, **kw))
        self.kw = kw
        self.taken = np.zeros(2)  # Σ take_swept() after the first reading
        self.swept_base = 0.0

    def check_ledger(self) -> None:
        e, led = self.e, self.e.ledger
        accounted = e.active_usd() + e.outside_usd() + led.swept + led.closed + led.decayed
        assert math.isclose(led.opened, accounted, rel_tol=1e-9, abs_tol=1e-6), (led, e.active_usd(),
                                                                                   e.outside_usd())
        assert min(led.swept, led.closed, led.decayed, e.outside_usd()) >= 0.0
        assert np.all(e.long.usd >= 0.0) and np.all(e.short.usd >= 0.0)
        assert np.all(np.isfinite(e.long.usd)) and np.all(np.isfinite(e.short.usd))

    def reading(self, oi_base: float, price: float, ts: int) -> None:
        e = self.e
        share = e._long_share()  # the split the reading uses (taker volume of the interval included)
        before = e.side_units()
        e.update_open_interest(oi_base * price, ts, oi_base=oi_base)
        self.check_ledger()
        if self.kw["entry_mode"] == "trades":
            return
        units = self.kw["leveraged_share"] * (oi_base * price if self.kw["inverse"] else oi_base)
        long_u, short_u = e.side_units()
        scale = max(units, sum(before))
        tol = ANCHOR_TOL[self.kw["close_mode"]] * scale + 1e-9
        assert abs(long_u - share * units) <= tol, (long_u, share * units)
        assert abs(short_u - (1.0 - share) * units) <= tol, (short_u, (1.0 - share) * units)

    def run(self, events: list) -> LiquidationMapEngine:
        e = self.e
        price, oi, ts = 100.0, 1_000.0, 0
        for i in range(4):  # the seed's lookback
            ts += H // 4
            e.update_bar(price * 1.01, price * 0.99, price, 1.0 + i, ts)
        self.reading(oi, price, ts)
        first = e.take_swept()
        if self.kw["entry_mode"] != "trades":
            assert first == (0.0, 0.0)  # levels the lookback reached are left out, not estimated liquidations
        self.swept_base = e.ledger.swept
        for kind, a, b, c in events:
            ts += H // 4
            if kind == "bar":
                close = price * (1.0 + a)
                high, low = max(price, close) * (1.0 + b), min(price, close) * (1.0 - b)
                e.update_bar(high, low, close, c, ts)
                price = close
            elif kind in ("oi", "oi_zero"):
                oi = max(oi * (1.0 + a), 0.0) if kind == "oi" else 0.0
                self.reading(oi, price, ts)
                self.taken += e.take_swept()
            elif kind == "funding":
                e.update_funding(a, ts)
            elif kind == "trade":
                price = price * (1.0 + a)
                e.update_trade(price, ts, b / price, bool(c))
            elif kind == "price_only":
                price = price * (1.0 + a)
                e.update_trade(price, ts)
            elif kind == "batch":  # a few trades around the price, alternating taker sides
                prices = [price * (1.0 + a * (i + 1) / (c + 1)) for i in range(c + 1)]
                e.update_trades(prices, [b / p for p in prices], [i % 2 == 1 for i in range(c + 1)], ts)
                price = prices[-1]
            elif kind == "taker":
                e.update_taker_volume(a, b, ts)
            else:
                e.update_long_short_ratio(a, ts)
        self.taken += e.take_swept()
        self.check_ledger()
        # the estimated liquidations reported by take_swept() are exactly the swept notional after the seed
        assert math.isclose(float(self.taken.sum()), e.ledger.swept - self.swept_base, rel_tol=1e-9, abs_tol=1e-6)
        return e


@SETTINGS
@given(params_strategy(), st.lists(event, min_size=1, max_size=40))
def test_ledger_identity_and_anchor_after_every_reading(kw, events):
    Run(kw).run(events)


@SETTINGS
@given(params_strategy(), st.lists(event, min_size=1, max_size=40))
def test_cumulative_curves_are_monotone_and_levels_lie_on_their_side(kw, events):
    e = Run(kw).run(events)
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
    outside0 = e.long.outside.copy()
    e.book.recentre(e.grid.width * (base0 + shift + 60) + 0.5)  # moves base by `shift` bins
    assert e.grid.base == base0 + shift
    kept = 0.0
    for k in range(120):
        g = e.grid.base + k
        if g in before:
            np.testing.assert_array_equal(e.long.usd[k], before[g])
            kept += before[g].sum()
        else:
            assert not e.long.usd[k].any()
    # what left the window is still open, counted outside the grid (per leverage point)
    assert math.isclose(kept + (e.long.outside - outside0).sum(), total, rel_tol=1e-12, abs_tol=1e-6)
    if e.long.layers is not None:
        np.testing.assert_allclose(e.long.layers.sum(axis=0), e.long.usd, rtol=1e-12, atol=1e-9)
