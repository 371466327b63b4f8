"""The write the fault-injection tests interrupt, and how they compare catalogs (test helper).

Before: a catalog holding the real OKX ``SOL-USDT-SWAP`` sample (``catalog/okx_sol_usdt_swap_2026-06``) and the real
Binance ``BTCUSDT-fundingRate-2026-04.zip`` (tests/data). The write (one ``liqheat catalog ingest binance``):

- a SYNTHETIC ``BTCUSD_PERP-aggTrades-2026-05-08.csv`` (30 made-up trades in the documented aggTrades layout) in
  chunks of 10 rows: a new instrument and a new stream of three files;
- a SYNTHETIC three-row ``BTCUSDT-fundingRate-2026-04-15.csv`` (made-up rates on the real funding times of that
  day): it replaces that day inside the committed April file, which is split into the rows before and after.

So the commit removes a committed file, adds new files to a new and to an existing stream, adds an instrument,
keeps an identical instrument untouched, and leaves the OKX instrument's data alone.
"""

import shutil
from pathlib import Path

from liqheat_nautilus.adapters.binance.loaders import ingest_binance_files
from liqheat_nautilus.adapters.common.providers import InstrumentSources
from liqheat_nautilus.adapters.okx.loaders import ingest_okx_sample
from liqheat_nautilus.paths import sample_dir
from liqheat_nautilus.persistence.transaction import CONTROL_DIR
from tests.adapters.binance.archive_files import DAPI_EXCHANGE_INFO, FAPI_EXCHANGE_INFO, recorded_instruments
from tests.data_files import data_file

AGG_TRADES = data_file("binance_cm_aggtrades/BTCUSD_PERP-aggTrades-2026-05-08.zip")
FUNDING_MONTH = data_file("binance_um_fundingrate/BTCUSDT-fundingRate-2026-04.zip")
CHUNK_ROWS = 10
OFFLINE = ["--offline", "--exchange-info", str(FAPI_EXCHANGE_INFO), "--exchange-info", str(DAPI_EXCHANGE_INFO)]
"""CLI options: Binance instrument definitions from the recorded exchangeInfo files, never online."""
AGG_HEADER = "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker"
OVERLAY_ROWS = [  # SYNTHETIC rates at the real funding times of 2026-04-15 (00:00, 08:00, 16:00 UTC)
    (1776211200000, 8, 0.0005), (1776240000000, 8, 0.0006), (1776268800000, 8, 0.0007),
]


def write_overlay(folder: Path) -> Path:
    """The SYNTHETIC funding overlay file (documented fundingRate layout, with header)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "BTCUSDT-fundingRate-2026-04-15.csv"
    lines = ["calc_time,funding_interval_hours,last_funding_rate", *(f"{t},{h},{r}" for t, h, r in OVERLAY_ROWS)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_trades(folder: Path) -> Path:
    """The SYNTHETIC aggTrades file: 30 trades, one every 2 s from 2026-05-08 00:00 UTC, sizes in contracts."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "BTCUSD_PERP-aggTrades-2026-05-08.csv"
    t0 = 1_778_198_400_000
    rows = [f"{100 + i},{80000.0 + i * 0.5:.1f},{1 + i % 4},{200 + i},{200 + i},{t0 + 2000 * i},"
            f"{str(i % 3 == 0).lower()}" for i in range(30)]
    path.write_text("\n".join([AGG_HEADER, *rows]) + "\n")
    return path


def build_before(catalog: Path) -> None:
    """The catalog before the write (real data, see the module docstring)."""
    ingest_okx_sample(sample_dir(), catalog, instruments=InstrumentSources.offline(), log=None)
    ingest_binance_files([FUNDING_MONTH], catalog, instruments=recorded_instruments(), log=None)


def write_inputs(folder: Path) -> list[Path]:
    """The input files of the write."""
    return [write_trades(folder), write_overlay(folder)]


def run_write(inputs: list[Path], catalog: Path) -> None:
    """The write, in this process."""
    ingest_binance_files(inputs, catalog, chunk_rows=CHUNK_ROWS, instruments=recorded_instruments(), log=None)


def cli_args(inputs: list[Path], catalog: Path) -> list[str]:
    """The same write as ``liqheat`` arguments."""
    return ["catalog", "ingest", "binance", *map(str, inputs), "--catalog", str(catalog), "--chunk-rows",
            str(CHUNK_ROWS), *OFFLINE]


def committed(catalog: Path) -> dict[str, bytes]:
    """Every data file of a catalog (what Nautilus reads) with its bytes."""
    data = catalog / "data"
    return {p.relative_to(catalog).as_posix(): p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()}


def control_files(catalog: Path) -> list[str]:
    """What the control folder holds (no journal, scratch folder or temporary file may be left)."""
    return sorted(p.relative_to(catalog).as_posix() for p in (catalog / CONTROL_DIR).rglob("*"))


def copy_catalog(source: Path, target: Path) -> Path:
    """A copy of a catalog folder (the fixture's before-state stays pristine)."""
    shutil.copytree(source, target)
    return target
