"""Ingest of the REAL data.binance.vision files in tests/data (COIN-M aggTrades day, USD-M fundingRate month)."""

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from nautilus_trader.model.data import TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.adapters.binance.loaders import ingest_binance_files
from liqheat_nautilus.cli import main
from liqheat_nautilus.data import FundingRate
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.validate import validate_catalog
from tests.adapters.binance.archive_files import FAPI_EXCHANGE_INFO, recorded_instruments, snapshot
from tests.data_files import data_file

AGG = data_file("binance_cm_aggtrades/BTCUSD_PERP-aggTrades-2026-05-08.zip")
FUNDING = data_file("binance_um_fundingrate/BTCUSDT-fundingRate-2026-04.zip")


def _raw_rows(path: Path) -> list[list[str]]:
    with zipfile.ZipFile(path) as archive:
        text = archive.read(archive.namelist()[0]).decode()
    return list(csv.reader(io.StringIO(text)))[1:]


@pytest.fixture(scope="module")
def real_catalog(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("binance") / "catalog"
    ingest_binance_files([AGG, FUNDING], path, instruments=recorded_instruments())
    return path


def _ticks(catalog: Path) -> list[TradeTick]:
    return ParquetDataCatalog(str(catalog)).query(TradeTick)


def test_aggtrades_day_all_rows_first_and_last(real_catalog):
    ticks = _ticks(real_catalog)
    assert len(ticks) == 105_280
    # first and last rows of the file: 480537903,79972.8,542.0,...,1778198400020,false / 480643182,80153.7,32.0,...
    first, last = ticks[0], ticks[-1]
    assert (first.trade_id.value, str(first.price), str(first.size), first.ts_event) == \
        ("480537903", "79972.8", "542", 1_778_198_400_020_000_000)
    assert (last.trade_id.value, str(last.price), str(last.size), last.ts_event) == \
        ("480643182", "80153.7", "32", 1_778_284_799_655_000_000)
    assert first.aggressor_side == AggressorSide.BUYER  # is_buyer_maker false: the buyer took liquidity


def test_aggressor_side_from_is_buyer_maker(real_catalog):
    rows = _raw_rows(AGG)
    buyer_maker = [r[6] == "true" for r in rows]
    ticks = _ticks(real_catalog)
    assert sum(t.aggressor_side == AggressorSide.SELLER for t in ticks) == sum(buyer_maker)
    assert all((t.aggressor_side == AggressorSide.SELLER) == m for t, m in zip(ticks[:2000], buyer_maker,
                                                                                  strict=False))


def test_coin_m_sizes_are_contracts_of_100_usd(real_catalog):
    catalog = ParquetDataCatalog(str(real_catalog))
    instrument = next(i for i in catalog.instruments() if i.id.value == "BTCUSD-PERP.BINANCE")
    assert instrument.is_inverse and str(instrument.multiplier) == "100"
    first = _ticks(real_catalog)[0]
    assert float(first.size) * float(instrument.multiplier) == 54_200.0  # 542 contracts x 100 USD


def test_funding_month(real_catalog):
    rows = [d.data for d in ParquetDataCatalog(str(real_catalog)).query(FundingRate)]
    assert len(rows) == 90
    assert (rows[0].ts_event, rows[0].rate, rows[0].interval_hours) == (1_775_001_600_000_000_000, -0.00003449, 8.0)
    assert (rows[3].ts_event, rows[3].rate) == (1_775_088_000_003_000_000, 0.00003521)  # calc_time ...003 ms
    assert rows[0].next_funding_ns == 1_775_001_600_000_000_000 + 8 * 3_600_000_000_000
    assert rows[-1].ts_event == 1_777_564_800_000_000_000  # 2026-04-30 16:00 UTC


def test_reingest_is_idempotent_and_overlaps_replace(real_catalog, tmp_path):
    catalog = tmp_path / "cat"
    shutil.copytree(real_catalog, catalog)
    before = snapshot(catalog)
    ingest_binance_files([AGG], catalog, instruments=recorded_instruments())
    assert snapshot(catalog) == before  # same files, same bytes
    # re-ingest with other chunking, then a headerless CSV holding whole milliseconds from about row 1000 to 3000
    # of the same day (a file replaces everything in its closed time range)
    ingest_binance_files([AGG], catalog, chunk_rows=30_000, instruments=recorded_instruments())
    rows = _raw_rows(AGG)
    start = next(i for i in range(1000, 2000) if rows[i][5] != rows[i - 1][5])
    stop = next(i for i in range(3000, 4000) if rows[i][5] != rows[i - 1][5])
    part = tmp_path / "part" / "BTCUSD_PERP-aggTrades-2026-05-08.csv"
    part.parent.mkdir()
    part.write_text("\n".join(",".join(r) for r in rows[start:stop]) + "\n")
    ingest_binance_files([part], catalog, instruments=recorded_instruments())
    ticks = _ticks(catalog)
    assert len(ticks) == 105_280
    assert [t.trade_id.value for t in ticks[995:1005]] == [str(480537903 + i) for i in range(995, 1005)]
    assert not validate_catalog(catalog).errors


def test_cli_ingest_and_failure_leaves_catalog(real_catalog, tmp_path, capsys):
    catalog = tmp_path / "cat"
    assert main(["catalog", "ingest", "binance", str(FUNDING), "--catalog", str(catalog), "--offline",
                 "--exchange-info", str(FAPI_EXCHANGE_INFO)]) == 0
    assert "FundingRate BTCUSDT-PERP.BINANCE" in capsys.readouterr().out
    before = snapshot(catalog)
    assert main(["catalog", "ingest", "binance", str(AGG), "--catalog", str(catalog), "--offline",
                 "--instrument", "BTCUSDT-PERP.BINANCE"]) == 1
    assert "whose instrument id is 'BTCUSD-PERP.BINANCE', not 'BTCUSDT-PERP.BINANCE'" in capsys.readouterr().err
    assert snapshot(catalog) == before
    # later runs need no source: the catalog holds the definition written by the first one
    assert main(["catalog", "ingest", "binance", str(FUNDING), "--catalog", str(catalog), "--offline"]) == 0


def test_corrupted_copy_of_the_real_day_names_the_line(real_catalog, tmp_path):
    # the real file with one value damaged deep inside (row 50,000 -> line 50,001 after the header)
    rows = _raw_rows(AGG)
    rows[49_999][1] = "79,972.8"
    bad = tmp_path / "src" / "BTCUSD_PERP-aggTrades-2026-05-08.csv"
    bad.parent.mkdir()
    header = "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker"
    bad.write_text(header + "\n" + "\n".join(",".join(r) for r in rows) + "\n")
    catalog = tmp_path / "cat"
    shutil.copytree(real_catalog, catalog)
    before = snapshot(catalog)
    with pytest.raises(IngestError) as caught:
        ingest_binance_files([bad], catalog, instruments=recorded_instruments())
    assert (caught.value.path, caught.value.row) == (str(bad), 50_001)
    assert "expected 7 fields, found 8" in caught.value.message  # the comma split the price in two
    assert snapshot(catalog) == before


def test_archives_without_a_checksum_file_are_named_as_not_verified(tmp_path, capsys):
    # an archive without its .CHECKSUM sibling was ingested without a word: the user could not tell that it was not
    # verified; now one line names those files (the real files, copied; only the funding month gets a CHECKSUM)
    import hashlib

    src = tmp_path / "raw"
    src.mkdir()
    agg, funding = (Path(shutil.copy(p, src / p.name)) for p in (AGG, FUNDING))
    (src / f"{funding.name}.CHECKSUM").write_text(f"{hashlib.sha256(funding.read_bytes()).hexdigest()}  "
                                                 f"{funding.name}\n")
    argv = ["catalog", "ingest", "binance", str(agg), str(funding), "--catalog", str(tmp_path / "cat"), "--offline",
            "--exchange-info", str(FAPI_EXCHANGE_INFO), "--exchange-info", str(recorded_instruments()
                                                                             .exchange_info_files[1])]
    assert main(argv) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if "not verified" in line]
    assert err == [f"note: 1 file(s) not verified, no .CHECKSUM file next to this: {agg} (ingested all the same; "
                   "download each archive's .CHECKSUM from data.binance.vision next to it to have it verified, or "
                   "give --no-verify to skip verification without this note)"]
    assert len(_ticks(tmp_path / "cat")) == 105_280  # ingested all the same
    (src / f"{funding.name}.CHECKSUM").unlink()
    assert main([*argv, "--no-verify"]) == 0  # asked not to verify: no note
    assert "not verified" not in capsys.readouterr().err
    assert main(argv) == 0  # both without: one line for the ingest, naming both
    err = [line for line in capsys.readouterr().err.splitlines() if "not verified" in line]
    assert len(err) == 1 and err[0].startswith(f"note: 2 file(s) not verified, no .CHECKSUM file next to these: "
                                               f"{agg}, {funding} (ingested all the same")
