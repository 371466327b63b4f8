"""Speed of the Binance archive ingest against a bare read-and-write baseline, on a real aggTrades day.

Also its cost against the catalog's size.

Input: the real data.binance.vision COIN-M file ``BTCUSD_PERP-aggTrades-2026-05-08.zip`` (105,280 rows) in
``tests/data/binance_cm_aggtrades/`` (or ``--file``).

Run A (ours): ``ingest_binance_files([file], <fresh catalog>)`` -- header detection, streamed Arrow batches,
row checks (finite/positive prices and sizes, timestamp order, trade ids), conversion to ``TradeTick``, chunked
writes into the transaction's scratch folder, range replacement, the instrument definition, the journalled commit.

Run B (baseline, same process, same file): a bare ``pyarrow.csv.read_csv`` of the zip member, building the
``TradeTick`` objects from its columns (``TradeTick.from_raw_arrays_to_list``) and ``ParquetDataCatalog.write_data``
of them — all three timed: the least any ingest must do.

Each run is repeated (``--repeat``, default 5) into fresh folders; the medians of wall-clock seconds are
compared. Speed ratio = B / A (target >= 0.5, i.e. our parsing, checking and conversion add at most as much time
again as the bare read + write). Also printed: rows per second of A.

Scaling (``--days``, default ``1,10,100``): catalogs holding N earlier days of the same instrument (the file's ticks
shifted back by whole days, written with ``ParquetDataCatalog.write_data``; N = 1 is the small catalog), then the
file's day is ingested into each, up to 3 times (its files are removed between repeats). Printed per size: the
catalog's size, the median ingest time, the catalog's growth (bytes the day added) and the peak of extra disk during
the ingest (staged files in the catalog's control folder, or the committed day), each with its ratio to the small
catalog (target: time and disk ratios near 1, not N), and, for reference, the time a whole-catalog staging copy (the
write path before the journal) takes on the same catalog.

Run: ``python benchmarks/bench_ingest.py [--file F] [--repeat N] [--days 1,10,100]``.
"""

import argparse
import contextlib
import shutil
import statistics
import tempfile
import threading
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
from liqheat_nautilus.core.units import NS_PER_DAY

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = ROOT / "tests" / "data" / "binance_cm_aggtrades" / "BTCUSD_PERP-aggTrades-2026-05-08.zip"
SOURCES = InstrumentSources.offline(exchange_info=[
    ROOT / "tests" / "adapters" / "binance" / "fixtures" / f"binance_{api}_exchange_info_recorded.json"
    for api in ("fapi", "dapi")])
"""Instrument definitions from Binance's recorded exchangeInfo (offline)."""


def read_bare(path: Path) -> pa.Table:
    """Return the baseline read: one ``pyarrow.csv.read_csv`` of the (zip member) CSV."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive, archive.open(archive.namelist()[0]) as fh:
            return pacsv.read_csv(fh)
    return pacsv.read_csv(path)


def build_ticks(table: pa.Table, symbol: str) -> list[TradeTick]:
    """Convert the table's columns to ``TradeTick`` objects (the baseline's conversion, timed as part of it)."""
    iid = binance_instrument_id(symbol).value
    instrument = resolve_instruments({iid: symbol}, Path(tempfile.gettempdir()) / "none", SOURCES)[iid][0]
    ts = (table["transact_time"].to_numpy().astype(np.uint64) * np.uint64(1_000_000))
    sides = np.where(table["is_buyer_maker"].to_numpy(zero_copy_only=False), 2, 1).astype(np.uint8)
    return TradeTick.from_raw_arrays_to_list(
        instrument.id, instrument.price_precision, instrument.size_precision,
        np.array(table["price"].to_numpy(), dtype=np.float64), np.array(table["quantity"].to_numpy(), dtype=np.float64),
        sides, pc.cast(table["agg_trade_id"], pa.string()).to_pylist(), ts, ts,
    )


def folder_bytes(path: Path) -> int:
    """Bytes of every file under a folder."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def shifted_day(table: pa.Table, symbol: str, days_back: int) -> list[TradeTick]:
    """Return the file's ticks (:func:`build_ticks`) moved ``days_back`` whole days earlier, ids made unique per day."""
    ts = pc.subtract(pc.multiply(pc.cast(table["transact_time"], pa.int64()), 1_000_000), days_back * NS_PER_DAY)
    ids = pc.binary_join_element_wise(f"{days_back}-", pc.cast(table["agg_trade_id"], pa.string()), "")
    shifted = table.set_column(table.schema.get_field_index("transact_time"), "transact_time",
                               pc.divide(ts, 1_000_000))
    shifted = shifted.set_column(shifted.schema.get_field_index("agg_trade_id"), "agg_trade_id", ids)
    return build_ticks(shifted, symbol)


class PeakDisk:
    """Samples a folder's size every few milliseconds in a thread; ``peak`` is the largest size seen.

    Pointed at the catalog's control folder ``.liqheat`` (where a write stages its files), so the sampling costs the
    same whatever the catalog's size.
    """

    def __init__(self, path: Path) -> None:
        self.path, self.peak, self._stop = path, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError):
                self.peak = max(self.peak, folder_bytes(self.path))
            time.sleep(0.005)

    def __enter__(self) -> "PeakDisk":
        """Start sampling the disk use."""
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        """Stop sampling the disk use."""
        self._stop.set()
        self._thread.join()


def scaling(path: Path, days: list[int], repeat: int) -> None:
    """Ingest one day into catalogs of ``days`` earlier days; print time and disk against the smallest."""
    symbol = path.name.split("-")[0]
    table = read_bare(path)
    rows = table.num_rows
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        ingest_binance_files([path], Path(tmp) / "warm-up", instruments=SOURCES, log=None)  # first-call costs
        catalog_dir = Path(tmp) / "catalog"
        catalog = ParquetDataCatalog(str(catalog_dir))
        iid = binance_instrument_id(symbol).value
        catalog.write_data([resolve_instruments({iid: symbol}, catalog_dir, SOURCES)[iid][0]])
        held = 0
        for n in sorted(days):
            while held < n:
                held += 1
                catalog.write_data(shifted_day(table, symbol, held))
            size = folder_bytes(catalog_dir)
            before = set((catalog_dir / "data").rglob("*.parquet"))
            times, growth, peaks = [], [], []
            for _ in range(repeat):
                with PeakDisk(catalog_dir / ".liqheat") as disk:
                    start = time.perf_counter()
                    ingest_binance_files([path], catalog_dir, instruments=SOURCES, log=None)
                    times.append(time.perf_counter() - start)
                added = set((catalog_dir / "data").rglob("*.parquet")) - before
                growth.append(sum(p.stat().st_size for p in added))
                peaks.append(max(disk.peak, growth[-1]))  # staged files, or the committed day
                for p in added:  # reset: the next repeat ingests the day again
                    p.unlink()
            start = time.perf_counter()
            shutil.copytree(catalog_dir, Path(tmp) / "copy")
            copy_s = time.perf_counter() - start
            shutil.rmtree(Path(tmp) / "copy")
            results.append((n, size, statistics.median(times), statistics.median(growth), max(peaks), copy_s))
    n0, _, t0, g0, p0, _ = results[0]
    print(f"\nscaling: ingest of one day ({rows:,} rows) into catalogs of N earlier days, medians of {repeat}")
    print(f"{'N days':>7} {'catalog MB':>11} {'ingest s':>9} {'x small':>8} {'growth MB':>10} {'x small':>8} "
          f"{'peak extra MB':>14} {'x small':>8} {'(staging copy s)':>17}")
    for n, size, t, g, p, copy_s in results:
        print(f"{n:>7} {size / 1e6:>11.1f} {t:>9.3f} {t / t0:>8.2f} {g / 1e6:>10.2f} {g / g0:>8.2f} "
              f"{p / 1e6:>14.2f} {p / p0:>8.2f} {copy_s:>17.3f}")
    largest = results[-1]
    ok = largest[2] / t0 < 2.0 and largest[3] == g0 and largest[4] / p0 < 2.0
    print(f"catalog {largest[0] // n0}x larger: time x{largest[2] / t0:.2f}, disk growth x{largest[3] / g0:.2f}, "
          f"peak extra disk x{largest[4] / p0:.2f} (target: < 2, i.e. proportional to the day, not the catalog) "
          f"-> {'PASS' if ok else 'FAIL'}")


def main() -> None:
    """Run both measurements and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--days", default="1,10,100", help="catalog sizes in days (the first is the small one)")
    parser.add_argument("--no-speed", action="store_true", help="only the scaling measurement")
    args = parser.parse_args()
    if not args.no_speed:
        speed(args.file, args.repeat)
    scaling(args.file, [int(d) for d in args.days.split(",")], max(1, min(args.repeat, 3)))


def speed(path: Path, repeat: int) -> None:
    """Our ingest against a bare ``read_csv`` + ticks + ``write_data`` of the same file."""
    symbol = path.name.split("-")[0]
    rows = read_bare(path).num_rows
    build_ticks(read_bare(path), symbol)  # instrument lookup and imports outside the timings

    ours, base_read, base_build, base_write = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            start = time.perf_counter()
            summary = ingest_binance_files([path], Path(tmp) / f"ours{i}", instruments=SOURCES, log=None)
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
    print(f"file: {path.name}  rows: {rows:,}  repeats: {repeat} (medians of wall-clock seconds)")
    print(f"A ours  ingest_binance_files:            {a:8.3f} s  {rows / a:12,.0f} rows/s")
    print(f"B base  read_csv {b_read:.3f} s + ticks {b_build:.3f} s + write_data {b_write:.3f} s = {b:8.3f} s  "
          f"{rows / b:12,.0f} rows/s")
    print(f"speed ratio B/A = {b / a:.2f}  (target >= 0.5)  -> {'PASS' if b / a >= 0.5 else 'FAIL'}")


if __name__ == "__main__":
    main()
