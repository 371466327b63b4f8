"""``LiquidationMapEngine.update_bars`` (a batch in one compiled pass) against ``update_bar`` on each bar in turn.

Bars are the REAL OKX sample's (``catalog/okx_sol_usdt_swap_2026-06/``), with its hourly open interest, fed in
batches of random sizes (a seeded generator) between the readings; the states must be equal bit for bit.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import liqheat_nautilus.core.engine as engine_module
from liqheat_nautilus.core import LiquidationMapEngine, MapParams

SAMPLE = Path(__file__).resolve().parents[2] / "catalog" / "okx_sol_usdt_swap_2026-06"


def _sample(n_bars: int) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    bars = pd.read_csv(SAMPLE / "ohlcv_1m.csv").iloc[:n_bars]
    oi = pd.read_csv(SAMPLE / "open_interest.csv")
    arrays = {name: bars[name].to_numpy(dtype=np.float64) for name in ("high", "low", "close", "volume")}
    arrays["ts"] = bars["ts"].to_numpy(dtype=np.int64) * 1_000_000
    return arrays, oi[oi["ts"] * 1_000_000 <= arrays["ts"][-1]]


def _feed(engine: LiquidationMapEngine, bars: dict[str, np.ndarray], oi: pd.DataFrame, batch: bool,
          seed: int = 0) -> list:
    """Bars up to each reading (in random batches when ``batch``), the reading, a read; returns the reads."""
    rng = np.random.default_rng(seed)
    reads, i, n = [], 0, len(bars["ts"])
    for ts_ms, value in zip(oi["ts"].tolist(), oi["oi_value"].tolist(), strict=True):
        end = int(np.searchsorted(bars["ts"], ts_ms * 1_000_000, side="right"))
        while i < end:
            j = min(end, i + int(rng.integers(1, 90))) if batch else i + 1
            if batch:
                engine.update_bars(*(bars[k][i:j] for k in ("high", "low", "close", "volume", "ts")))
            else:
                engine.update_bar(*(float(bars[k][i]) for k in ("high", "low", "close", "volume")), int(bars["ts"][i]))
            i = j
        engine.update_open_interest(value, ts_ms * 1_000_000)
        reads.append(engine.update_clusters_and_magnet())
    assert i <= n
    return reads


def _assert_same(a: LiquidationMapEngine, b: LiquidationMapEngine) -> None:
    np.testing.assert_array_equal(a.long.usd, b.long.usd)
    np.testing.assert_array_equal(a.short.usd, b.short.usd)
    np.testing.assert_array_equal(a.long.units, b.long.units)
    np.testing.assert_array_equal(a.short.units, b.short.units)
    assert a.ledger == b.ledger
    assert a.bars.rows == b.bars.rows and a.bars.ts == b.bars.ts and a.bars.hot == b.bars.hot
    assert (a.book.pending_low, a.book.pending_high, a.book.keep_low, a.book.keep_high) == \
        (b.book.pending_low, b.book.pending_high, b.book.keep_low, b.book.keep_high)
    assert (a.price, a.ts_ns, a.last_bar_ns, a._low_since, a._high_since) == \
        (b.price, b.ts_ns, b.last_bar_ns, b._low_since, b._high_since)
    assert a.book.grid.base == b.book.grid.base and a.book.grid.width == b.book.grid.width


@pytest.mark.parametrize("kw", [
    {},
    {"entry_mode": "hot_zones"},  # bar by bar inside update_bars (a per-bar volume mean)
    {"n_bins": 60},  # a narrow grid: re-centred inside many batches
    {"n_bins": 60, "regrid_ratio": 1.02},  # and re-gridded
])
def test_update_bars_equals_update_bar_on_each_bar(kw):
    bars, oi = _sample(4000)
    batched, single = LiquidationMapEngine(MapParams(**kw)), LiquidationMapEngine(MapParams(**kw))
    reads_a, reads_b = _feed(batched, bars, oi, True), _feed(single, bars, oi, False)
    _assert_same(batched, single)
    assert [r[0] for r in reads_a] == [r[0] for r in reads_b] and [r[1] for r in reads_a] == [r[1] for r in reads_b]
    assert batched.active_usd() > 0.0 and len(reads_a) == len(oi) > 50


def test_update_bars_recentres_where_update_bar_does():
    """The narrow grid really moves inside batches (else the test above would not test the split)."""
    bars, _ = _sample(4000)
    engine = LiquidationMapEngine(MapParams(n_bins=60))
    engine.update_bars(*(bars[k] for k in ("high", "low", "close", "volume", "ts")))
    single = LiquidationMapEngine(MapParams(n_bins=60))
    bases = set()
    for i in range(len(bars["ts"])):
        single.update_bar(*(float(bars[k][i]) for k in ("high", "low", "close", "volume")), int(bars["ts"][i]))
        bases.add(single.book.grid.base)
    assert len(bases) > 3
    _assert_same(engine, single)


def test_update_bars_compacts_where_update_bar_does(monkeypatch):
    monkeypatch.setattr(engine_module, "_MAX_PENDING_BARS", 50)
    monkeypatch.setattr("liqheat_nautilus.core.interval.MAX_BARS", 50)
    bars, oi = _sample(1500)
    batched, single = LiquidationMapEngine(), LiquidationMapEngine()
    _feed(batched, bars, oi, True, seed=3)
    _feed(single, bars, oi, False)
    _assert_same(batched, single)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("low", 0.0, "need 0 < low <= close <= high"),
    ("volume", float("nan"), "finite volume"),
    ("ts", -1, "older than the bar fed before it"),
])
def test_a_refused_bar_stops_the_batch_where_update_bar_stops(field, value, message):
    """The bars before the refused one are fed, it and the rest are not, with update_bar's error."""
    bars, _ = _sample(300)
    bad = {k: v.copy() for k, v in bars.items()}
    bad[field][200] = value if field != "ts" else bars["ts"][150]
    batched, single = LiquidationMapEngine(), LiquidationMapEngine()
    with pytest.raises(ValueError, match=message) as batch_error:
        batched.update_bars(*(bad[k] for k in ("high", "low", "close", "volume", "ts")))
    with pytest.raises(ValueError, match=message) as single_error:
        for i in range(len(bad["ts"])):
            single.update_bar(*(float(bad[k][i]) for k in ("high", "low", "close", "volume")), int(bad["ts"][i]))
    assert str(batch_error.value) == str(single_error.value)
    _assert_same(batched, single)
    assert len(batched.bars.ts) == 200


def test_update_bars_refuses_float_times():
    bars, _ = _sample(10)
    engine = LiquidationMapEngine()
    with pytest.raises(ValueError, match="integer UNIX nanoseconds, were float64"):
        engine.update_bars(bars["high"], bars["low"], bars["close"], bars["volume"], bars["ts"].astype(float))
    assert engine.price != engine.price  # nothing fed (nan)


def test_update_bars_after_pending_trades_flushes_them_as_update_bar_does():
    """trades mode: a trade batch pending when bars arrive is selected at the first bar, as bar by bar."""
    bars, _ = _sample(200)
    kw = {"entry_mode": "trades", "trade_selection": "top_n", "trade_threshold": 2.0}
    batched, single = LiquidationMapEngine(MapParams(**kw)), LiquidationMapEngine(MapParams(**kw))
    for engine in (batched, single):
        engine.update_bar(*(float(bars[k][0]) for k in ("high", "low", "close", "volume")), int(bars["ts"][0]))
        engine.update_open_interest(1e8, int(bars["ts"][0]))
        for k, (p, q) in enumerate([(101.0, 5.0), (99.5, 2.0), (100.2, 9.0), (100.9, 1.0)]):
            engine.update_trade(p, int(bars["ts"][0]) + k + 1, q, k % 2 == 0)
    batched.update_bars(*(bars[k][1:] for k in ("high", "low", "close", "volume", "ts")))
    for i in range(1, len(bars["ts"])):
        single.update_bar(*(float(bars[k][i]) for k in ("high", "low", "close", "volume")), int(bars["ts"][i]))
    assert not batched._trade_batch and batched.ledger == single.ledger and batched.ledger.opened > 0.0
    _assert_same(batched, single)
