"""``bar_arrays``: the compiled read of Nautilus bars equals their Python accessors exactly, and falls back safely.

Bars here are SYNTHETIC (a seeded generator) except the REAL OKX sample's, read from the shipped catalog.
"""

import logging
import random

import numpy as np
import pytest
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.objects import FIXED_PRECISION_BYTES, Price, Quantity

import liqheat_nautilus.bar_arrays as module
from liqheat_nautilus.bar_arrays import BarArrays, bar_arrays

BAR_TYPE = BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL")


def _accessors(bars) -> BarArrays:
    """The reference: every field through Nautilus' accessors."""
    return BarArrays(np.array([b.ts_event for b in bars], dtype=np.int64),
                     *(np.array([getattr(b, f).as_double() for b in bars]) for f in ("open", "high", "low", "close",
                                                                                   "volume")))


def _random_bars(n: int, seed: int) -> list[Bar]:
    """SYNTHETIC bars: prices from 1e-4 to 1e8 at precisions 0-9 (raw values beyond 2**64 at 128-bit precision)."""
    rng = random.Random(seed)
    bars = []
    for i in range(n):
        precision = rng.randint(0, 9)
        low, close, high = sorted(round(rng.uniform(1e-4, 10.0 ** rng.randint(0, 8)), precision) for _ in range(3))
        volume = Quantity(round(rng.uniform(0.0, 10.0 ** rng.randint(0, 12)), 3), 3)
        bars.append(Bar(BAR_TYPE, Price(close, precision), Price(high, precision), Price(low, precision),
                        Price(close, precision), volume, 1_700_000_000_000_000_000 + i * 60_000_000_000,
                        1_700_000_000_000_000_000 + i * 60_000_000_000))
    return bars


def _equal(a: BarArrays, b: BarArrays) -> bool:
    return all(x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.fixture(autouse=True)
def _fresh_layout(monkeypatch):
    """Each test finds the layout itself (module state restored afterwards)."""
    monkeypatch.setattr(module, "_layout", module._UNSET)
    monkeypatch.setattr(module, "_checked", False)


def test_the_compiled_read_equals_the_accessors_on_random_bars():
    bars = _random_bars(5000, 1)
    assert _equal(bar_arrays(bars), _accessors(bars))
    assert module._layout is not None and module._checked  # the compiled read ran, not the fallback


def test_wide_raw_values_round_like_nautilus():
    """Prices whose raw value needs more than 64 bits (128-bit builds) and negative prices, exactly as_double."""
    prices = ["1844.6744073709551", "1844.6744073709552", "123456789.123456789", "99999999.99999999",
              "-0.5", "-123456.75", "-1844.6744073709552", "0.0000000000000001"]
    bars = [Bar(BAR_TYPE, Price.from_str(p), Price.from_str(p), Price.from_str(p), Price.from_str(p),
                Quantity.from_str("184467.44073709551617"), i, i) for i, p in enumerate(prices)]
    assert _equal(bar_arrays(bars), _accessors(bars))
    if FIXED_PRECISION_BYTES == 16:
        assert any(abs(b.close.raw) >= 2**64 for b in bars)


def test_the_real_sample_bars_read_equal(okx_catalog):
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    bars = ParquetDataCatalog(str(okx_catalog)).bars()
    assert len(bars) > 10_000
    assert _equal(bar_arrays(bars), _accessors(bars))


def test_other_objects_are_read_through_their_accessors(monkeypatch):
    """A Bar subclass (or anything with the fields) never goes through the memory read."""
    class MyBar(Bar):
        pass

    base = _random_bars(3, 2)
    mine = [MyBar(b.bar_type, b.open, b.high, b.low, b.close, b.volume, b.ts_event, b.ts_init) for b in base]
    module._layout = module._find_layout()
    monkeypatch.setattr(module, "_read", lambda *a: pytest.fail("the memory read ran on a subclass"))
    assert _equal(bar_arrays(mine), _accessors(base))


def test_no_layout_found_reads_through_the_accessors_and_says_so(monkeypatch, caplog):
    monkeypatch.setattr(module, "_find_layout", lambda: None)
    bars = _random_bars(20, 3)
    with caplog.at_level(logging.WARNING, logger=module.__name__):
        assert _equal(bar_arrays(bars), _accessors(bars))
    assert "lays out Bar differently" in caplog.text and module._layout is None


def test_a_read_that_disagrees_falls_back_for_good(monkeypatch, caplog):
    """The first read of real bars is checked against the accessors; a mismatch switches the compiled read off."""
    bars = _random_bars(20, 4)
    real_read = module._read

    def wrong(bars, layout):
        arrays = real_read(bars, layout)
        arrays.high[0] += 1.0
        return arrays

    module._layout = module._find_layout()
    monkeypatch.setattr(module, "_read", wrong)
    with caplog.at_level(logging.WARNING, logger=module.__name__):
        assert _equal(bar_arrays(bars), _accessors(bars))
    assert "disagreed" in caplog.text and module._layout is None


def test_the_layout_is_found_by_value_not_assumed():
    """Each field's offset holds that field's raw value in the probe bar (so the offsets cannot be swapped)."""
    layout = module._find_layout()
    assert layout is not None and len(set(layout.tolist())) == 6
    probe = module._probe_bar()
    read = module._read([probe], layout)
    assert read.high[0] == probe.high.as_double() != read.low[0] == probe.low.as_double()
    assert read.ts_ns[0] == probe.ts_event != probe.ts_init


def test_no_bars_give_empty_arrays():
    arrays = bar_arrays([])
    assert all(len(a) == 0 for a in arrays) and arrays.ts_ns.dtype == np.int64
