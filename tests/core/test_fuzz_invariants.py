"""Adversarial property tests (hypothesis, derandomized) of the engine on SYNTHETIC event sequences.

Every input here is SYNTHETIC: random but legal sequences of bars (10x jumps up or down within one bar, zero-volume
bars, gaps of up to a month, several bars at one time), open-interest readings (to 0 and back, at the time of a
bar, with and without ``oi_base``), funding rates (settled and predicted), trades, trade batches, taker volumes,
long/short ratios, reads and ``take_swept`` calls, over random options (linear and inverse contracts, ``bin_size``
and ``bin_bps`` grids, small ``n_bins``, ``regrid_ratio``, ``newest_first`` with cohort layers, every entry mode and
model, trades mode). Checked after every event:

* the ledger identity ``opened = active + outside + swept + closed + decayed`` (1e-9 relative), every notional,
  unit count and ledger entry finite and >= 0, each side's open notional at most what it opened;
* after a settle, long notional only in bins at or below the price's bin and short notional at or above it (the
  edge bin may be partially traded), and the prices whose crossing sweeps each side on their side of price;
* after every open-interest reading (not in ``trades`` mode) each side's position units equal its share of
  ``leveraged_share × OI`` to 1e-9 relative; with ``close_mode="newest_first"`` only for a side that opens (a
  documented limitation: closing the newest layers by USD lands the unit counter near, not on, the target, see
  test_properties.py; after the 10x moves here up to ~20 % off);
* reads (clusters, curves, magnet, history) finite and consistent with the per-bin notional (numpy references);
* ``reset()`` gives the state of a fresh engine, and the same input gives bit-identical output (determinism);
* the deferred sweeps leave the state of sweeping after every event (1e-9 relative).

Levels outside the grid (small ``n_bins``) stay open ``outside`` and are never swept, whatever the price does
(docs/methodology.md §1): the side-of-price check covers the grid only.
"""

import dataclasses
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from tests.core.test_properties import params_strategy as properties_params

H = 3_600_000_000_000
MINUTE = 60_000_000_000
SETTINGS = settings(max_examples=500, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ANCHOR_TOL = 1e-9  # test_properties.py's pro-rata tolerance
PRICE_MIN, PRICE_MAX = 1e-2, 1e7  # keeps 10x jumps from running the synthetic price to under/overflow

# (kind, a, b, c, dt): dt is the time step (ns) before the event; 0 puts it at the previous event's time
gap = st.sampled_from((0, MINUTE, 15 * MINUTE, H, 7 * 24 * H, 30 * 24 * H))
move = st.one_of(st.floats(-0.03, 0.03), st.sampled_from((9.0, -0.9, 0.5, -0.5)))  # 9.0: x10, -0.9: x0.1
event = st.one_of(
    st.tuples(st.just("bar"), move, st.floats(0.0, 0.05), st.sampled_from((0.0, 1.0, 50.0)), gap),
    st.tuples(st.just("jump_bar"), st.sampled_from((10.0, 0.1)), st.booleans(), st.floats(0.0, 5.0), gap),
    st.tuples(st.just("oi"), st.one_of(st.floats(-0.5, 0.5), st.sampled_from((1e6, -0.999999))), st.booleans(),
              st.just(0), gap),
    st.tuples(st.just("oi_zero"), st.just(0.0), st.booleans(), st.just(0), gap),
    st.tuples(st.just("funding"), st.one_of(st.floats(-0.003, 0.003), st.sampled_from((0.05, -0.05, 0.5))),
              st.booleans(), st.just(0), gap),
    st.tuples(st.just("trade"), move, st.floats(0.0, 5_000.0), st.booleans(), gap),
    st.tuples(st.just("batch"), st.floats(-0.05, 0.05), st.floats(0.0, 5_000.0), st.integers(0, 4), gap),
    st.tuples(st.just("taker"), st.floats(0.0, 1e6), st.floats(0.0, 1e6), st.just(0), gap),
    st.tuples(st.just("ratio"), st.one_of(st.floats(0.2, 5.0), st.sampled_from((1e-6, 1e6))), st.just(0.0),
              st.just(0), gap),
    st.tuples(st.just("read"), st.just(0.0), st.just(0.0), st.just(0), st.just(0)),
)


@st.composite
def params_strategy(draw) -> dict:
    """:func:`tests.core.test_properties.params_strategy`'s options, widened to the grid, clusters and edge levels."""
    kw = draw(properties_params())
    levels = draw(st.sampled_from(("default", "custom", "edge")))
    if levels == "custom":  # 1x longs are never liquidated; per-tier half-lives; maintenance amount (inverse: not
        # proportional to the entry, the step-by-step path)
        tiers = (1.0, 1.5, 10.0, 100.0)
        kw.update(tiers=tiers, leverage_profile=dict(zip(tiers, (0.4, 0.1, 0.3, 0.2), strict=True)),
                  tier_half_lives_hours=(0.0, 2.0, 24.0, 1.0), maintenance_amount=50.0,
                  ensemble_weights={"simple": 1.0, "isolated_mmr": 0.0, "binance_standard": 2.0})
    elif levels == "edge":  # MMR and buffer just below 1/the highest leverage: levels just beyond the entry
        kw.update(mmr=0.0079, buffer=0.0079, leverage_model="tiers", leverage_profile="aggressive")
    return kw | dict(
        turnover_floor=draw(st.booleans()),
        bin_bps=draw(st.sampled_from((5.0, 20.0, 150.0))),
        bin_size=draw(st.sampled_from((0.0, 0.0, 0.5, 3.0))),
        n_bins=draw(st.sampled_from((8, 9, 16, 60, 400))),
        recentre_margin=draw(st.sampled_from((0.05, 0.2, 0.45))),
        regrid_ratio=draw(st.sampled_from((0.0, 1.5, 2.0, 4.0))),
        status_rule=draw(st.sampled_from(("path", "swept_share"))),
        cluster_method=draw(st.sampled_from(("quantile", "sigma"))),
        cluster_max_gap=draw(st.sampled_from((0, 1, 3))),
        max_clusters_per_side=draw(st.sampled_from((1, 3))),
        interval_entry_groups=draw(st.sampled_from((0, 2, 64))),
        funding_interval_hours=draw(st.sampled_from((0.0, 8.0))),
        history_capacity=draw(st.sampled_from((0, 3))),
        trade_batch_secs=draw(st.sampled_from((1.0, 60.0))),
    )


def canon(x):
    """A comparable, bit-exact form of engine state (floats by their hex form, so nan == nan)."""
    if isinstance(x, np.ndarray):
        return ("nd", x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, float | np.floating):
        return float(x).hex()
    if isinstance(x, dict):
        return tuple(sorted((k, canon(v)) for k, v in x.items()))
    if isinstance(x, list | tuple):
        return tuple(canon(v) for v in x)
    if hasattr(x, "__iter__") and not isinstance(x, str):
        return tuple(canon(v) for v in x)
    return x


def snapshot(e: LiquidationMapEngine) -> dict:
    """Every piece of the engine's state that a later input or read can depend on."""
    b = e.book
    state = {
        "grid": None if b.grid is None else (b.grid.width, b.grid.base, b.grid.n_bins),
        "ledger": dataclasses.astuple(b.ledger),
        "book": [b.price, b.swept_long, b.swept_short, b.long_trigger, b.short_trigger, b.pending_low,
                 b.pending_high, b.keep_low, b.keep_high, b._lo_idx, b._hi_idx, b.spans, b.revision],
        "anchor": [e.anchor.seeded, e.anchor.seed_span_hours, e.anchor.last_oi_spike, e.anchor.units,
                   e.anchor.ts_ns, e.anchor._volume_rate, list(e.anchor._deltas), list(e.anchor._periods),
                   e.anchor._last_close],
        "bars": [e.bars.rows, e.bars.ts, e.bars.hot, e.bars._vol_ema, e.bars._prev_close, e.bars.taker_buy,
                 e.bars.taker_sell],
        "engine": [e.ts_ns, e._last_bar_ns, e.open_interest_usd, e.seeded, e.funding_rate, e._funding_known,
                   e.funding_index, e.long_short_ratio, e._last_funding_period, e._low_since, e._high_since,
                   e._oi_ts_ns, e._trade_oi_units, e._trade_batch, e._batch_start_ns, e.base_weights],
        "tracker": [e.tracker.ints[: e.tracker.count], e.tracker.low[: e.tracker.count],
                    e.tracker.high[: e.tracker.count], e.tracker.count, e.tracker.next_id],
        "history": None if e.history is None else e.history.ordered(),
    }
    for name, side in (("long", b.long), ("short", b.short)):
        state[name] = [side.usd, side.status, side.share, side.edge, side.outside, side.units, side.order,
                       side.layer_block]
    return canon(state)


class Run:
    """Drives one engine over SYNTHETIC events; checks every invariant after every event; records the outputs."""

    def __init__(self, kw: dict) -> None:
        self.kw = kw
        self.params = MapParams(**kw)
        self.e = LiquidationMapEngine(self.params)
        self.opened = {1: 0.0, -1: 0.0}
        self.peak_units = 0.0  # the largest unit count a side held after an event: the scale of unit rounding
        count = self.e.book._count_swept

        def counted(sign: int, amount: float, swept: float) -> None:  # per-side opened USD (the ledger sums both)
            self.opened[sign] += amount
            count(sign, amount, swept)

        self.e.book._count_swept = counted
        self.outputs: list = []
        self.eager = False  # settle (sweep) before every event instead of when the state is needed

    # -- invariants --------------------------------------------------------------------------------------------

    def check_state(self) -> None:
        book = self.e.book
        led = book.ledger
        active = book.active_usd()  # unsettled is fine: the identity holds at any time
        accounted = active + book.outside_usd() + led.swept + led.closed + led.decayed
        assert math.isclose(led.opened, accounted, rel_tol=1e-9, abs_tol=1e-6), (led, active, book.outside_usd())
        for side in (book.long, book.short):
            for arr in (side.usd, side.outside, side.units, side.share):
                assert np.all(np.isfinite(arr)), arr
                assert np.all(arr >= 0.0), arr
            assert np.all(side.share <= 1.0)
            if side.layers is not None:
                assert np.all(side.layers >= 0.0) and np.all(np.isfinite(side.layers))
                np.testing.assert_allclose(side.layers.sum(axis=0), side.usd, rtol=1e-9,
                                           atol=1e-9 * max(1.0, float(side.usd.max(initial=0.0))))
        for value in dataclasses.astuple(led):
            assert math.isfinite(value) and value >= 0.0, led
        for sign, side in ((1, book.long), (-1, book.short)):
            held = float(side.usd.sum() + side.outside.sum())
            assert held <= self.opened[sign] * (1.0 + 1e-9) + 1e-6, (sign, held, self.opened[sign])

    def check_sides_of_price(self) -> None:
        """After a settle: longs only at or below the price's bin, shorts at or above it; triggers beside price."""
        book = self.e.book
        book.settle()
        if book.grid is None:
            return
        k = book.grid.local_index(book.price)
        n = book.grid.n_bins
        scale = 1e-12 * max(1.0, float(book.long.usd.sum() + book.short.usd.sum()))
        assert book.long.usd[max(k + 1, 0):].sum() <= scale, (k, book.long.usd.sum(axis=1))
        assert book.short.usd[: min(max(k, 0), n)].sum() <= scale, (k, book.short.usd.sum(axis=1))
        # the edge bin may be the price's own bin, refilled (share 0): its whole range counts as not yet traded
        lower, upper = book.grid.lower_edge(k), book.grid.lower_edge(k + 1)
        tol = 1e-9 * book.grid.width
        assert book.long_trigger <= max(book.price, upper) + tol, (book.long_trigger, book.price)
        assert book.short_trigger >= min(book.price, lower) - tol, (book.short_trigger, book.price)

    def check_reads(self) -> None:
        e, book = self.e, self.e.book
        read = e.read()
        long_cum, short_cum = e.cumulative_curves()
        lt, st_ = e.long_usd(), e.short_usd()
        for arr in (long_cum, short_cum, lt, st_):
            assert np.all(np.isfinite(arr)) and np.all(arr >= 0.0)
        assert math.isfinite(read.up) and math.isfinite(read.down) and read.up >= 0.0 and read.down >= 0.0
        e.record_history()
        if e.history is not None and book.grid is not None:
            row = e.history.ordered()
            np.testing.assert_array_equal(row["long_usd"][-1], lt)
            np.testing.assert_array_equal(row["short_usd"][-1], st_)
            assert row["width"][-1] == book.grid.width and row["base"][-1] == book.grid.base
        self.outputs.append(("read", read.ints, read.floats, read.up, read.down, long_cum, short_cum,
                             [c.cluster_id for c in read.cleared]))
        if book.grid is None:
            return
        grid = book.grid
        np.testing.assert_allclose(lt, book.long.usd.sum(axis=1), rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(st_, book.short.usd.sum(axis=1), rtol=1e-12, atol=1e-300)
        # curves: numpy reference (cumulative outward from the price's bin)
        k = grid.local_index(book.price)
        ref_long = np.cumsum(lt[::-1])[::-1]
        ref_long[max(k + 1, 0):] = 0.0
        ref_short = np.cumsum(st_)
        ref_short[: max(k, 0)] = 0.0
        tol = 1e-9 * max(1.0, float(lt.sum() + st_.sum()))
        np.testing.assert_allclose(long_cum, ref_long, rtol=1e-9, atol=tol)
        np.testing.assert_allclose(short_cum, ref_short, rtol=1e-9, atol=tol)
        # magnet: numpy reference of docs/methodology.md §8
        centres = grid.centres()
        price = book.price
        dist = np.maximum(np.abs(centres - price) / price * 100.0, 50.0 * grid.width / price)
        up = float(np.sum(st_ * (centres > price) / dist**2))
        down = float(np.sum(lt * (centres < price) / dist**2))
        assert math.isclose(read.up, up, rel_tol=1e-9, abs_tol=1e-300 + 1e-12 * up), (read.up, up)
        assert math.isclose(read.down, down, rel_tol=1e-9, abs_tol=1e-300 + 1e-12 * down), (read.down, down)
        # clusters: inside the grid, notional = the bins' sum, level inside the range, at most max per side
        per_side = {1: 0, -1: 0}
        for (side, first, last, _cid, _seen), (notional, level, lev, _partial) in zip(read.ints.tolist(),
                                                                                        read.floats.tolist(),
                                                                                        strict=True):
            per_side[side] += 1
            a, b = first - grid.base, last - grid.base
            assert 0 <= a <= b < grid.n_bins, (a, b)
            bins = (lt if side > 0 else st_)[a: b + 1]
            assert math.isclose(notional, float(bins.sum()), rel_tol=1e-9), (notional, bins.sum())
            assert notional > 0.0
            assert first * grid.width * (1 - 1e-12) <= level <= (last + 1) * grid.width * (1 + 1e-12)
            assert float(self.e.tiers.min()) * (1 - 1e-12) <= lev <= float(self.e.tiers.max()) * (1 + 1e-12)
        assert max(per_side.values()) <= self.params.max_clusters_per_side
        for c in read.clusters:
            assert 0.0 <= c.strength <= 1.0 and math.isfinite(c.distance_pct)

    def reading(self, oi_base: float, price: float, ts: int, give_base: bool) -> None:
        e = self.e
        share = e._long_share()
        before = e.side_units()
        oi_usd = oi_base * price
        opened = e.update_open_interest(oi_usd, ts, oi_base=oi_base if give_base else math.nan)
        assert math.isfinite(opened) and opened >= 0.0
        self.outputs.append(("oi", opened, e.side_units()))
        if self.kw["entry_mode"] == "trades" or e.book.grid is None:
            return
        units = self.kw["leveraged_share"] * (oi_usd if self.kw["inverse"] else (oi_base if give_base
                                                                                 else oi_usd / price))
        tol = ANCHOR_TOL * max(units, sum(before)) + 1e-9
        for held, had, target in zip(e.side_units(), before, (share * units, (1.0 - share) * units), strict=True):
            if self.kw["close_mode"] == "newest_first" and had > target:
                # closing newest layers by USD scales each leverage point's unit counter by the USD it lost while the
                # layers hold different units per USD (test_properties.py: "lands near, not on, the target"; after
                # the 10x moves here far from it): only a side that opens is checked (opening is exact)
                continue
            assert abs(held - target) <= tol, (held, target, had)

    # -- driver ------------------------------------------------------------------------------------------------

    def run(self, events: list, check: bool = True, start: tuple = (False, 1_000.0, 1.0)) -> list:
        """Feed ``events`` after a start: ``(a reading before any price, the seed's open interest, its bars'
        volume)``."""
        e = self.e
        early, oi, volume = start
        price, ts = 100.0, 0
        if early:  # before any price: nothing to place, no grid
            assert e.update_open_interest(5e4, ts) == 0.0 and not e.seeded
            e.update_funding(0.001, ts)
            e.update_long_short_ratio(2.0, ts)
        for i in range(4):  # the seed's lookback
            ts += H // 4
            e.update_bar(price * 1.01, price * 0.99, price, volume * (1.0 + i), ts)
        self.reading(oi, price, ts, False)
        for kind, a, b, c, dt in events:
            if self.eager:
                e.book.settle()
            ts += dt
            if kind == "bar":
                close = min(max(price * (1.0 + a), PRICE_MIN), PRICE_MAX)
                high, low = max(price, close) * (1.0 + b), min(price, close) * (1.0 - b)
                e.update_bar(high, low, close, c, ts)
                price = close
            elif kind == "jump_bar":  # the whole 10x move inside one bar, closing at either end
                other = min(max(price * a, PRICE_MIN), PRICE_MAX)
                low, high = min(price, other), max(price, other)
                close = other if b else price
                e.update_bar(high, low, close, c, ts)
                price = close
            elif kind in ("oi", "oi_zero"):
                oi = (oi * (1.0 + a) if oi > 0.0 else 1_000.0 * (1.0 + a)) if kind == "oi" else 0.0
                self.reading(oi, price, ts, b)
            elif kind == "funding":
                e.update_funding(a, ts, settled=b)
            elif kind == "trade":
                price = min(max(price * (1.0 + a), PRICE_MIN), PRICE_MAX)
                e.update_trade(price, ts, b / price, bool(c))
            elif kind == "batch":
                prices = [min(max(price * (1.0 + a * (i + 1) / (c + 1)), PRICE_MIN), PRICE_MAX) for i in range(c + 1)]
                e.update_trades(prices, [b / p for p in prices], [i % 2 == 1 for i in range(c + 1)], ts)
                price = prices[-1]
            elif kind == "taker":
                e.update_taker_volume(a, b, ts)
            elif kind == "ratio":
                e.update_long_short_ratio(a, ts)
            else:
                swept = e.take_swept()
                assert all(math.isfinite(s) and s >= 0.0 for s in swept)
                self.outputs.append(("swept", swept))
                if check:
                    self.check_reads()
                else:
                    e.read()
                    e.cumulative_curves()
                    e.record_history()
            self.peak_units = max(self.peak_units, float(e.long.units.sum()), float(e.short.units.sum()))
            if check:
                self.check_state()
                self.check_sides_of_price()
        self.outputs.append(("end", e.take_swept(), snapshot(e)))
        if check:
            self.check_state()
            self.check_reads()
        return self.outputs


starts = st.tuples(st.booleans(), st.sampled_from((1_000.0, 1_000.0, 0.0)), st.sampled_from((1.0, 0.0)))
runs = st.tuples(params_strategy(), st.lists(event, min_size=3, max_size=60), starts)


@SETTINGS
@given(runs)
def test_ledger_sides_anchor_and_reads_hold_after_every_event(case):
    kw, events, start = case
    Run(kw).run(events, start=start)


@settings(SETTINGS, max_examples=150)
@given(runs)
def test_same_input_gives_bit_identical_output_and_reset_equals_a_fresh_engine(case):
    kw, events, start = case
    first = Run(kw)
    out1 = canon(first.run(events, check=False, start=start))
    first.e.reset()
    fresh = LiquidationMapEngine(MapParams(**kw))
    assert snapshot(first.e) == snapshot(fresh)
    # the reset engine and a new one give the same output, bit for bit
    first.outputs = []
    first.opened = {1: 0.0, -1: 0.0}
    out2 = canon(first.run(events, check=False, start=start))
    out3 = canon(Run(kw).run(events, check=False, start=start))
    assert out1 == out3
    assert out2 == out3


@settings(SETTINGS, max_examples=150)
@given(runs)
def test_deferred_sweeps_give_the_state_of_eager_sweeps(case):
    """Sweeping only when the state is needed equals sweeping after every event (docs/methodology.md §6), up to
    rounding: a partially swept bin keeps ``(1 − σ2)/(1 − σ0)`` either way."""
    kw, events, start = case
    assert_deferred_equals_eager(kw, events, start)


def assert_deferred_equals_eager(kw: dict, events: list, start: tuple) -> None:
    """Run ``events`` with deferred and with eager sweeps; assert the same book up to rounding."""
    lazy, eager = Run(kw), Run(kw)
    eager.eager = True
    lazy.run(events, check=False, start=start)
    eager.run(events, check=False, start=start)
    a, b = lazy.e.book, eager.e.book
    a.settle()
    b.settle()
    scale = max(1.0, a.ledger.opened)
    for x, y in ((a.long, b.long), (a.short, b.short)):
        np.testing.assert_allclose(x.usd, y.usd, rtol=1e-9, atol=1e-9 * scale)
        np.testing.assert_allclose(x.outside, y.outside, rtol=1e-9, atol=1e-9 * scale)
        # units rounding scales with the counts that passed through: a side swept empty keeps 0 one way and
        # ~1e-16 of its earlier count (9.5e-7 of 2.6e10, found with fresh random examples) the other
        np.testing.assert_allclose(x.units, y.units, rtol=1e-9,
                                   atol=1e-9 * max(1.0, float(x.units.sum()), lazy.peak_units, eager.peak_units))
    np.testing.assert_allclose(dataclasses.astuple(a.ledger), dataclasses.astuple(b.ledger), rtol=1e-9,
                               atol=1e-9 * scale)
    assert (a.grid.width, a.grid.base) == (b.grid.width, b.grid.base)



def test_subnormal_bar_volume_keeps_the_ledger_identity():
    # found by the property test above once other modules' constants changed its examples: hot_zones weights summed
    # to 1.3 with a bar volume of 5e-324 (0.7 × 5e-324 rounds to 5e-324), so 11 % more was placed than booked
    kw = {**dict(model="simple", funding_base_model="simple", entry_mode="hot_zones", close_mode="pro_rata",
                 cohort_layers=2, half_life_hours=0.0, turnover_clock="volume", seed_lookback_hours=0.0,
                 leverage_model="tiers", leverage_profile="neutral", side_split="auto", leveraged_share=1.0,
                 taker_share_skew=0.0, taker_leverage_skew=0.0, inverse=False, bin_bps=20.0,
                 trade_selection="gross_value", trade_threshold=1000.0, spike_min_samples=2, turnover_floor=False,
                 bin_size=0.0, n_bins=9, recentre_margin=0.05, regrid_ratio=0.0, status_rule="path",
                 cluster_method="quantile", cluster_max_gap=0, max_clusters_per_side=1, interval_entry_groups=0,
                 funding_interval_hours=0.0, history_capacity=0, trade_batch_secs=1.0)}
    events = [("jump_bar", 10.0, False, 0.0, 0), ("jump_bar", 10.0, True, 5e-324, 0), ("oi", 0.0, False, 0, 0)]
    Run(kw).run(events, start=(False, 1_000.0, 0.0))  # check_state after every event: the ledger identity


def test_a_side_swept_empty_is_compared_within_the_rounding_of_its_earlier_units():
    # found with fresh random examples: an inverse long side of ~2.6e10 units swept empty kept 0 units with deferred
    # sweeps and 9.5e-7 (1e-16 of the earlier count) with eager ones; the tolerance was 1e-9 of what was left (0)
    kw = {**dict(model="isolated_mmr", funding_base_model="simple", entry_mode="volume_profile",
                 close_mode="pro_rata", cohort_layers=2, half_life_hours=0.0, turnover_clock="volume",
                 seed_lookback_hours=0.0, leverage_model="tiers", leverage_profile="neutral", side_split="auto",
                 leveraged_share=1.0, taker_share_skew=0.0, taker_leverage_skew=0.0, inverse=True, bin_bps=5.0,
                 trade_selection="gross_value", trade_threshold=1000.0, spike_min_samples=2, turnover_floor=False,
                 bin_size=3.0, n_bins=8, recentre_margin=0.05, regrid_ratio=0.0, status_rule="path",
                 cluster_method="quantile", cluster_max_gap=0, max_clusters_per_side=1, interval_entry_groups=0,
                 funding_interval_hours=0.0, history_capacity=0, trade_batch_secs=1.0)}
    events = [("oi_zero", 0.0, False, 0, 0), ("batch", 0.03125, 0.0, 0, 0), ("trade", 0.0234375, 0.0, False, 0),
              ("jump_bar", 10.0, False, 0.0, 0), ("oi", 1e6, False, 0, 0), ("bar", 0.0, 0.04296875, 0.0, 0),
              ("jump_bar", 0.1, False, 0.0, 0)]
    assert_deferred_equals_eager(kw, events, (False, 1_000.0, 1.0))
