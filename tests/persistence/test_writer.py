"""Chunked writes: files cut only between distinct timestamps, ranges replaced (SYNTHETIC ticks)."""

import numpy as np
from nautilus_trader.model.data import TradeTick
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.persistence.transaction import catalog_transaction
from liqheat_nautilus.persistence.writer import RangeReplacingWriter

IID = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")


def _ticks(ts_ms, price=70_000.0, first_id=0):
    """SYNTHETIC trade ticks at the given millisecond stamps."""
    ts = np.array(ts_ms, dtype=np.uint64) * np.uint64(1_000_000)
    n = len(ts)
    return TradeTick.from_raw_arrays_to_list(IID, 1, 3, np.full(n, price), np.full(n, 0.001), np.ones(n, np.uint8),
                                             [str(first_id + i) for i in range(n)], ts, ts), ts.astype(np.int64)


def test_chunks_never_split_a_timestamp(tmp_path):
    catalog = ParquetDataCatalog(str(tmp_path))
    with catalog_transaction(tmp_path) as tx:
        writer = RangeReplacingWriter(tx, TradeTick, IID.value, chunk_rows=2)
        stamps = [1, 1, 1, 2, 3, 3, 4, 4, 4, 4, 5]
        ticks, ts = _ticks(stamps)
        writer.add(ticks[:5], ts[:5])
        writer.add(ticks[5:], ts[5:])
        assert writer.finish() == (11, 1_000_000, 5_000_000)
        assert not (tmp_path / "data").exists()  # nothing visible before the commit
    intervals = catalog.get_intervals(TradeTick, IID.value)
    assert intervals == [(1_000_000, 1_000_000), (2_000_000, 3_000_000), (4_000_000, 4_000_000),
                         (5_000_000, 5_000_000)]
    assert len(catalog.query(TradeTick)) == 11
    assert sorted(p.name for p in (tmp_path / ".liqheat").iterdir()) == ["catalog.json", "write.lock"]


def test_second_write_replaces_its_closed_range(tmp_path):
    catalog = ParquetDataCatalog(str(tmp_path))
    with catalog_transaction(tmp_path) as tx:
        writer = RangeReplacingWriter(tx, TradeTick, IID.value)
        writer.add(*_ticks(list(range(10))))
        writer.finish()
    with catalog_transaction(tmp_path) as tx:
        again = RangeReplacingWriter(tx, TradeTick, IID.value)
        again.add(*_ticks([3, 4, 4, 5], price=71_000.0, first_id=100))
        again.finish()
    got = [(t.ts_event // 1_000_000, float(t.price), t.trade_id.value) for t in catalog.query(TradeTick)]
    assert got == ([(t, 70_000.0, str(t)) for t in range(3)] + [(3, 71_000.0, "100"), (4, 71_000.0, "101"),
                                                                 (4, 71_000.0, "102"), (5, 71_000.0, "103")]
                   + [(t, 70_000.0, str(t)) for t in range(6, 10)])
