"""Speed of the Binance archive ingest against a bare read-and-write baseline, on a real aggTrades day.

Input: the real data.binance.vision COIN-M file ``BTCUSD_PERP-aggTrades-2026-05-08.zip`` (105,280 rows) in
``tests/data/binance_cm_aggtrades/`` (or ``--file``).

Run A (ours): ``ingest_binance_files([file], <fresh catalog>)`` -- header detection, streamed Arrow batches,
row checks (finite/positive prices and sizes, timestamp order), conversion to ``TradeTick``, chunked writes via a
scratch catalog, range replacement, the instrument definition and the staging copy-then-swap.

Run B (baseline, same process, same file): a bare ``pyarrow.csv.read_csv`` of the zip member, building the
``TradeTick`` objects from its columns (``TradeTick.from_raw_arrays_to_list``) and ``ParquetDataCatalog.write_data``
of them — all three timed: the least any ingest must do.

Each run is repeated (``--repeat``, default 5) into fresh folders; the medians of wall-clock seconds are
compared. Speed ratio = B / A (target >= 0.5, i.e. our parsing, checking and conversion add at most as much time
again as the bare read + write). Also printed: rows per second of A.

Run: ``PYTHONPATH=. python benchmarks/bench_ingest.py [--file F] [--repeat N]``.
"""

import argparse
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from nautilus_trader.model.data import TradeTick
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.adapters.binance.loaders import ingest_binance_files
from liqheat_nautilus.adapters.binance.providers import binance_instrument_id
from liqheat_nautilus.adapters.common.providers import InstrumentSources, resolve_instruments

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = ROOT / "tests" / "data" / "binance_cm_aggtrades" / "BTCUSD_PERP-aggTrades-2026-05-08.zip"
SOURCES = InstrumentSources.offline(exchange_info=[
    ROOT / "tests" / "adapters" / "binance" / "fixtures" / f"binance_{api}_exchange_info_recorded.json"
    for api in ("fapi", "dapi")])
"""Instrument definitions from Binance's recorded exchangeInfo (offline)."""


def read_bare(path: Path) -> pa.Table:
    """The baseline read: one ``pyarrow.csv.read_csv`` of the (zip member) CSV."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive, archive.open(archive.namelist()[0]) as fh:
            return pacsv.read_csv(fh)
    return pacsv.read_csv(path)


def build_ticks(table: pa.Table, symbol: str) -> list[TradeTick]:
    """The baseline's conversion: the table's columns to ``TradeTick`` objects (timed as part of the baseline)."""
    iid = binance_instrument_id(symbol).value
    instrument = resolve_instruments({iid: symbol}, Path(tempfile.gettempdir()) / "none", SOURCES)[iid][0]
    ts = (table["transact_time"].to_numpy().astype(np.uint64) * np.uint64(1_000_000))
    sides = np.where(table["is_buyer_maker"].to_numpy(zero_copy_only=False), 2, 1).astype(np.uint8)
    return TradeTick.from_raw_arrays_to_list(
        instrument.id, instrument.price_precision, instrument.size_precision,
        np.array(table["price"].to_numpy(), dtype=np.float64), np.array(table["quantity"].to_numpy(), dtype=np.float64),
        sides, pc.cast(table["agg_trade_id"], pa.string()).to_pylist(), ts, ts,
    )


def main() -> None:
    """Run both measurements and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = args.file
    symbol = path.name.split("-")[0]
    rows = read_bare(path).num_rows
    build_ticks(read_bare(path), symbol)  # instrument lookup and imports outside the timings

    ours, base_read, base_build, base_write = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            start = time.perf_counter()
            summary = ingest_binance_files([path], Path(tmp) / f"ours{i}", instruments=SOURCES)
            ours.append(time.perf_counter() - start)
            assert sum(summary.counts.values()) == rows

            start = time.perf_counter()
            table = read_bare(path)
            base_read.append(time.perf_counter() - start)
            assert table.num_rows == rows
            start = time.perf_counter()
            ticks = build_ticks(table, symbol)
            base_build.append(time.perf_counter() - start)
            catalog = ParquetDataCatalog(str(Path(tmp) / f"base{i}"))
            start = time.perf_counter()
            catalog.write_data(ticks)
            base_write.append(time.perf_counter() - start)

    a = statistics.median(ours)
    b_read, b_build, b_write = (statistics.median(base_read), statistics.median(base_build),
                                statistics.median(base_write))
    b = b_read + b_build + b_write
    print(f"file: {path.name}  rows: {rows:,}  repeats: {args.repeat} (medians of wall-clock seconds)")
    print(f"A ours  ingest_binance_files:            {a:8.3f} s  {rows / a:12,.0f} rows/s")
    print(f"B base  read_csv {b_read:.3f} s + ticks {b_build:.3f} s + write_data {b_write:.3f} s = {b:8.3f} s  "
          f"{rows / b:12,.0f} rows/s")
    print(f"speed ratio B/A = {b / a:.2f}  (target >= 0.5)  -> {'PASS' if b / a >= 0.5 else 'FAIL'}")


if __name__ == "__main__":
    main()
