"""Re-binning the grid when price has moved far (``regrid_ratio``): :func:`rebin`, :func:`to_width`,
:meth:`SideBook.regrid` on hand-made bins with hand-computed results, and the engine on a SYNTHETIC falling price
path (ledger, units and sweep prices kept)."""

import math

import numpy as np
import pytest

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.core.cohorts import SideBook
from liqheat_nautilus.core.grid import PriceGrid, rebin, to_width
from liqheat_nautilus.core.kernels import STATUS_ACTIVE, STATUS_CLEARED, STATUS_PARTIAL

M = 60_000_000_000


def test_rebin_spreads_each_interval_uniformly_and_conserves_content():
    values = np.array([[1.0, 10.0], [2.0, 20.0]])  # [0, 1) and [1, 2)
    binned, below, above = rebin(values, np.array([0.0, 1.0]), np.array([1.0, 2.0]), np.array([0.0, 0.5, 1.5, 2.5]))
    np.testing.assert_allclose(binned, [[0.5, 5.0], [1.5, 15.0], [1.0, 10.0]])
    np.testing.assert_array_equal(below, [0.0, 0.0])
    np.testing.assert_array_equal(above, [0.0, 0.0])
    binned, below, above = rebin(values, np.array([0.0, 1.0]), np.array([1.0, 2.0]), np.array([0.5, 1.0, 1.5]))
    np.testing.assert_allclose(binned, [[0.5, 5.0], [1.0, 10.0]])
    np.testing.assert_allclose(below, [0.5, 5.0])
    np.testing.assert_allclose(above, [1.0, 10.0])
    # a gap between the intervals holds nothing: [0, 1) and [3, 4) onto [0, 2), [2, 4)
    binned, _, _ = rebin(np.array([[4.0], [8.0]]), np.array([0.0, 3.0]), np.array([1.0, 4.0]),
                         np.array([0.0, 2.0, 4.0]))
    np.testing.assert_allclose(binned[:, 0], [4.0, 8.0])


def test_to_width_merges_and_splits_bins():
    first, values = to_width(10, 1.0, np.array([1.0, 3.0]), 2.0)  # [10, 12) -> the bin [10, 12) of width 2
    assert first == 5
    np.testing.assert_allclose(values, [4.0])
    first, values = to_width(10, 1.0, np.array([1.0, 3.0]), 0.5)
    assert first == 20
    np.testing.assert_allclose(values, [0.5, 0.5, 1.5, 1.5])
    same = np.array([1.0, 2.0])
    assert to_width(3, 1.0, same, 1.0) == (3, same)


def _long_side() -> tuple[SideBook, PriceGrid]:
    """Hand-made long side on bins of width 1 from 0: 6 USD in [2, 3); 4 USD left in [3, 4), its top half traded."""
    old = PriceGrid(1.0, 8, 4.5)
    assert old.base == 0
    side = SideBook(8, 1)
    side.usd[2, 0], side.usd[3, 0] = 6.0, 4.0
    side.share[3], side.status[3] = 0.5, STATUS_PARTIAL
    side.units[0] = 7.0
    return side, old


def test_side_regrid_to_wider_bins_keeps_the_sweep_price():
    side, old = _long_side()
    new = PriceGrid(2.0, 8, 4.5)  # base -2: local bin 3 is [2, 4)
    assert side.regrid(1, old, new) == 0.0
    assert side.usd[:, 0].tolist() == [0, 0, 0, 10.0, 0, 0, 0, 0]
    # the highest level left is 3.5 = 2 + 2 x (1 - share): share 0.25, PARTIAL
    assert side.share[3] == pytest.approx(0.25)
    assert side.status[3] == STATUS_PARTIAL
    assert side.units[0] == 7.0  # positions unchanged


def test_side_regrid_to_narrower_bins_and_outside():
    side, old = _long_side()
    new = PriceGrid(0.5, 8, 3.0)  # base 2: bins [1, 1.5) ... [4.5, 5)
    side.regrid(1, old, new)
    np.testing.assert_allclose(side.usd[:, 0], [0, 0, 3.0, 3.0, 4.0, 0, 0, 0])
    assert side.share[:5].tolist() == [0.0] * 5  # the level 3.5 is the edge bin's top: nothing traded inside it
    assert side.status[2] == side.status[3] == STATUS_ACTIVE
    assert side.status[4] == STATUS_PARTIAL  # it covers the old traded bin [3, 4) and holds its 4 USD
    # [3.5, 4) is the traded half of [3, 4), emptied by the sweep: CLEARED, swept share 1 (was an empty PARTIAL)
    assert side.usd[5, 0] == 0.0 and side.status[5] == STATUS_CLEARED and side.share[5] == 1.0
    assert (side.status[6:] == STATUS_ACTIVE).all()  # never filled
    side, old = _long_side()
    pushed = side.regrid(1, old, PriceGrid(0.5, 8, 4.75))  # base 5: [2.5, 6.5); [2, 2.5) falls below
    assert pushed == pytest.approx(3.0)
    assert side.outside[0] == pytest.approx(3.0)
    np.testing.assert_allclose(side.usd[:3, 0], [3.0, 4.0, 0.0])


def test_side_regrid_of_an_empty_side_with_cohort_layers():
    # an empty side (no non-empty bin) with layers: the layers' block had no rows, and reshape(0, -1) raised
    side = SideBook(8, 1, 2)
    assert side.regrid(1, PriceGrid(1.0, 8, 4.5), PriceGrid(2.0, 8, 4.5)) == 0.0
    assert not side.usd.any() and not side.layers.any()


def test_engine_regrids_with_cohort_layers_and_a_side_outside_the_grid():
    # SYNTHETIC: 8 bins of 5 bps hold no level (all outside the grid), then one bar 10x up: the regrid raised
    e = LiquidationMapEngine(MapParams(n_bins=8, bin_bps=5.0, recentre_margin=0.05, regrid_ratio=1.5,
                                       close_mode="newest_first", cohort_layers=2, seed_lookback_hours=0.0))
    e.update_bar(100.0, 100.0, 100.0, 1.0, M)
    e.update_open_interest(1e5, M)
    assert e.long.usd.sum() == 0.0
    e.update_bar(1000.0, 100.0, 1000.0, 0.0, 2 * M)
    assert e.grid.width == pytest.approx(1000.0 * 5.0 / 1e4)
    assert _ledger_gap(e) <= 1e-9 * e.ledger.opened


@pytest.mark.parametrize("rule", ["path", "swept_share"])
def test_an_empty_bin_after_a_regrid_is_cleared_or_active_never_partial(rule):
    # SYNTHETIC: bins of 1 % at 100; a high of 100.5 sweeps the lowest short bin [100, 101) halfway (PARTIAL), then
    # price falls to 55: the regrid (width 1 -> 0.55) made [99.55, 100.1), empty, PARTIAL (the highest status of
    # the old bins it covers: [99, 100) never filled, the traded half of [100, 101)) - a bin without notional
    # shown as still holding some. As a sweep reports them: emptied by a sweep CLEARED, never filled ACTIVE.
    e = LiquidationMapEngine(MapParams(n_bins=200, bin_bps=100.0, regrid_ratio=1.2, recentre_margin=0.3,
                                       seed_lookback_hours=0.0, status_rule=rule))
    e.update_bar(100.0, 100.0, 100.0, 1.0, M)
    e.update_open_interest(1e6, M)
    e.update_bar(100.5, 99.9, 100.0, 1.0, 2 * M)
    short_usd = e.tier_usd()[1].sum(axis=1)
    k = int(np.flatnonzero(short_usd)[0])
    assert (e.grid.base + k) * e.grid.width == pytest.approx(100.0) and e.bin_status()[1][k] == STATUS_PARTIAL
    for i, p in enumerate([90.0, 80.0, 70.0, 60.0, 55.0]):
        e.update_bar(p + 1.0, p, p, 1.0, (3 + i) * M)
    assert e.grid.width == pytest.approx(0.55)  # re-binned
    low = e.grid.edges()[:-1]
    for status, usd in zip(e.bin_status(), (x.sum(axis=1) for x in e.tier_usd()), strict=True):
        assert not ((usd == 0.0) & (status == STATUS_PARTIAL)).any()  # no empty PARTIAL bin, on either side
    status, usd = e.bin_status()[1], e.tier_usd()[1].sum(axis=1)
    j = int(np.argmin(np.abs(low - 99.55)))  # [99.55, 100.1): below the high 100.5, its notional was swept
    assert usd[j] == 0.0 and status[j] == STATUS_CLEARED
    assert usd[j + 1] > 0.0 and status[j + 1] == STATUS_PARTIAL  # [100.1, 100.65): notional above 100.5 left
    assert status[j - 1] == STATUS_ACTIVE and usd[j - 1] == 0.0  # [99, 99.55): no short level ever there
    long_status = e.bin_status()[0]
    i55 = int(np.argmin(np.abs(low - 55.0)))  # the low 55 is an old bin's lower edge (55 / 0.55 = 99.999...)
    assert long_status[i55 - 1] == STATUS_ACTIVE  # [54.45, 55): price never went below 55


def _falling(**kw) -> LiquidationMapEngine:
    """SYNTHETIC: 1,000 at the first reading, then a steady fall to 1/4 over three days (hourly readings)."""
    e = LiquidationMapEngine(MapParams(seed_lookback_hours=0.0, **kw))
    n = 3 * 24 * 60
    prices = 1000.0 * 0.25 ** (np.arange(n + 1) / n)
    for i in range(n):
        a, b = prices[i], prices[i + 1]
        e.update_bar(a * 1.0005, b * 0.9995, b, 10.0, (i + 1) * M)
        if i % 60 == 0:
            e.update_open_interest(1e6, (i + 1) * M)
    return e


def _ledger_gap(e: LiquidationMapEngine) -> float:
    led = e.ledger
    return abs(led.opened - (e.book.active_usd() + e.book.outside_usd() + led.swept + led.closed + led.decayed))


def test_engine_regrids_as_price_falls_and_keeps_the_ledger():
    e = _falling()
    width_bps = e.grid.width / e.price * 1e4
    assert 5.0 <= width_bps <= 20.0  # bin_bps 10 within regrid_ratio 2
    assert e.grid.edges()[0] > 0.0  # no bin below price 0
    assert _ledger_gap(e) <= 1e-9 * e.ledger.opened
    kept = _falling(regrid_ratio=0.0)
    assert kept.grid.width == pytest.approx(1000.0 * 10 / 1e4, rel=1e-3)  # the first price's width, for good
    assert kept.grid.width / kept.price * 1e4 > 35.0


def test_regrid_keeps_units_notional_and_sweep_prices():
    e = LiquidationMapEngine(MapParams(seed_lookback_hours=0.0))
    for i, p in enumerate(np.linspace(1000.0, 1400.0, 600)):
        e.update_bar(p * 1.0005, p * 0.9995, p, 10.0, (i + 1) * M)
        if i % 60 == 0:
            e.update_open_interest(1e6, (i + 1) * M)
    book = e.book
    book.settle()
    before = (book.long.units.copy(), book.short.units.copy(), book.active_usd() + book.outside_usd(),
              book.long_trigger, book.short_trigger)
    book.regrid(book.price)  # 1.4x: not due yet; forced here
    assert e.grid.width == pytest.approx(book.price * 10 / 1e4)
    np.testing.assert_array_equal(book.long.units, before[0])
    np.testing.assert_array_equal(book.short.units, before[1])
    assert book.active_usd() + book.outside_usd() == pytest.approx(before[2], rel=1e-12)
    assert book.long_trigger == pytest.approx(before[3], rel=1e-12)
    assert book.short_trigger == pytest.approx(before[4], rel=1e-12)
    assert math.isfinite(e.read().up)


def test_regrid_ratio_is_checked():
    with pytest.raises(ValueError, match="regrid_ratio"):
        MapParams(regrid_ratio=0.5)


def test_published_bins_before_and_after_a_regrid_make_one_history():
    from nautilus_trader.model.identifiers import InstrumentId

    from liqheat_nautilus.data import LiquidationMapBins
    from liqheat_nautilus.recording import history_from_bins

    iid = InstrumentId.from_str("X-PERP.T")
    tiers = (10.0,)

    def bins(width, base, longs, ts):  # SYNTHETIC: 8 bins, one tier, long notional only
        long_usd = np.zeros((8, 1))
        for k, v in longs.items():
            long_usd[k, 0] = v
        return LiquidationMapBins.from_arrays(iid, 5.0, width, base, tiers, long_usd, np.zeros((8, 1)),
                                              np.zeros(8, np.int8), np.zeros(8, np.int8), ts)

    # width 1 from bin 0: 30 at [2, 3), 10 at [3, 4); then width 2 from bin 0: 40 at [2, 4)
    hist = history_from_bins([bins(1.0, 0, {2: 30.0, 3: 10.0}, 1), bins(2.0, 0, {1: 40.0}, 2)])
    assert hist["width"].tolist() == [2.0, 2.0]
    assert hist["base"].tolist() == [1, 1]
    assert hist["long_usd"][:, 0].tolist() == [40.0, 40.0]
    assert hist["long_usd"].sum() == 80.0
