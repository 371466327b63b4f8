"""``liqheat catalog ingest binance`` refuses another symbol's prices (the price-scale check of ``ingest csv``).

An archive renamed, or given ``--instrument-id``, may be another symbol's: its prices are checked as ``ingest csv``
checks a file's (``persistence.checks.PriceScale``): the first row against the catalog's bar close or trade of the
instrument nearest in time, every later row against the row before it, refused at 5 times up or down, unless
``--no-price-check``.

Data: the REAL COIN-M BTC aggTrades day (about 80,000 USD) and the REAL OKX SOL sample's 1-minute bars (about 66 USD),
stored for the test as the Binance SOL perpetual ``SOLUSDT-PERP.BINANCE`` (SOL's price on another venue; the
instrument-spec file is written here, with the OKX contract's terms). There is no real klines archive in the
repository: the klines tests use small SYNTHETIC klines, labelled where they are made.
"""

import csv
import shutil
from pathlib import Path

import pytest
from nautilus_trader.model.data import Bar, TradeTick
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.adapters.binance.loaders import ingest_binance_files
from liqheat_nautilus.adapters.csv_files.loaders import ingest_csv
from liqheat_nautilus.persistence.errors import IngestError
from tests.adapters.binance.archive_files import recorded_instruments, snapshot, write_archive
from tests.cli_run import ROOT, assert_clean_failure, run_liqheat
from tests.data_files import data_file

AGG = data_file("binance_cm_aggtrades/BTCUSD_PERP-aggTrades-2026-05-08.zip")
OKX_BARS = ROOT / "catalog" / "okx_sol_usdt_swap_2026-06" / "ohlcv_1m.csv"
SOL = "SOLUSDT-PERP.BINANCE"
BTC = "BTCUSD-PERP.BINANCE"
DAY_MS = 1_778_198_400_000  # 2026-05-08 00:00 UTC, the aggTrades day
M = 60_000

SOL_SPEC = f"""
# For this test: the OKX SOL-USDT-SWAP contract's terms (catalog/okx_sol_usdt_swap_2026-06/instrument.toml) under
# the id of Binance's SOL perpetual, so that a Binance archive can be ingested into a catalog of real SOL prices.
[[perpetual]]
instrument_id = "{SOL}"
raw_symbol = "SOLUSDT"
base = "SOL"
quote = "USDT"
settlement = "USDT"
price_increment = "0.01"
size_increment = "0.01"
multiplier = "1"
is_inverse = false
margin_init = "0.01"
margin_maint = "0.004"
maker_fee = "0.0002"
taker_fee = "0.0005"
"""


@pytest.fixture(scope="module")
def sol_catalog(tmp_path_factory) -> Path:
    """A catalog holding the REAL OKX SOL sample's 1-minute bars as ``SOLUSDT-PERP.BINANCE`` (via ingest csv)."""
    root = tmp_path_factory.mktemp("sol")
    spec = root / "sol.toml"
    spec.write_text(SOL_SPEC)
    bars = root / "sol_bars.csv"
    with OKX_BARS.open(newline="") as src, bars.open("w", newline="") as dst:
        out = csv.writer(dst)
        out.writerow(["timestamp", "open", "high", "low", "close", "volume"])
        out.writerows([r["ts"], r["open"], r["high"], r["low"], r["close"], r["volume"]] for r in csv.DictReader(src))
    catalog = root / "catalog"
    ingest_csv(catalog, [spec], bars=bars)
    return catalog


def _renamed_btc_trades(folder: Path) -> Path:
    """The REAL BTC aggTrades day, byte for byte, under a name that says nothing of its symbol."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(AGG, folder / "sol_trades_2026-05-08.zip"))


def test_another_symbols_archive_is_refused_naming_file_line_field_and_both_prices(sol_catalog, tmp_path):
    # was: the BTC trades went into the SOL catalog (only an off-tick note, then `catalog validate` warnings)
    catalog = tmp_path / "cat"
    shutil.copytree(sol_catalog, catalog)
    first_close = ParquetDataCatalog(str(catalog)).bars()[0].close.as_double()  # the SOL bars start 2026-06-11
    btc = _renamed_btc_trades(tmp_path / "src")
    before = snapshot(catalog)
    args = ("catalog", "ingest", "binance", btc, "--catalog", catalog, "--kind", "aggTrades", "--instrument-id",
            SOL, "--offline")
    proc = run_liqheat(*args)
    assert_clean_failure(proc, "ingest failed, catalog unchanged",
                         f"{btc}: line 2: field 'price': 79972.8 is {79972.8 / first_close:.1f} times above the "
                         f"catalog's bar close of {SOL} nearest to it ({first_close!r} at 2026-06-11T15:25:00Z)",
                         "a price scale far off the instrument's (limit 5 times)", "nothing was written",
                         f"If these really are {SOL}'s prices, give --no-price-check")
    assert proc.returncode == 1 and snapshot(catalog) == before
    # the user says they are SOL's prices: accepted, every row
    proc = run_liqheat(*args, "--no-price-check")
    assert proc.returncode == 0, proc.stderr
    assert len(ParquetDataCatalog(str(catalog)).query(TradeTick, identifiers=[SOL])) == 105_280


def test_the_archive_under_its_own_instrument_is_unaffected(sol_catalog, tmp_path):
    # the same real file as BTCUSD-PERP in that catalog (whose SOL bars are another instrument's), then again on
    # top of itself: both pass the check with nothing to say
    catalog = tmp_path / "cat"
    shutil.copytree(sol_catalog, catalog)
    notes: list[str] = []
    for _ in range(2):
        summary = ingest_binance_files([AGG], catalog, instruments=recorded_instruments(), log=notes.append)
        assert summary.counts == {f"TradeTick {BTC}": 105_280}
    assert not [n for n in notes if "times" in n or "price" in n]
    assert len(ParquetDataCatalog(str(catalog)).bars()) == 21_600  # the SOL bars are untouched


def _kline(minute: int, close: float) -> list:
    """A SYNTHETIC COIN-M kline row opening ``minute`` minutes into the aggTrades day, flat at ``close``."""
    t = DAY_MS + minute * M
    return [t, close, close, close, close, 10, t + M - 1, 10 * 100 / close, 3, 5, 5 * 100 / close, 0]


def test_klines_of_another_scale_are_refused_against_the_catalogs_trades(tmp_path):
    # SYNTHETIC klines about 5.7 times below the REAL BTC trades of that minute (SOL-like prices for BTC)
    catalog = tmp_path / "cat"
    ingest_binance_files([AGG], catalog, instruments=recorded_instruments())
    klines = write_archive(tmp_path / "src", "BTCUSD_PERP-1m-2026-05-08", [_kline(i, 14000.0) for i in range(3)])
    before = snapshot(catalog)
    with pytest.raises(IngestError) as info:
        ingest_binance_files([klines], catalog, instruments=recorded_instruments())
    assert (info.value.path, info.value.row, info.value.field) == (str(klines), 2, "close")
    assert f"14000.0 is 5.7 times below the catalog's trade price of {BTC} nearest to it (" in info.value.message
    assert "give --no-price-check" in info.value.message
    assert snapshot(catalog) == before
    summary = ingest_binance_files([klines], catalog, instruments=recorded_instruments(), price_check=False)
    assert summary.counts[f"Bar {BTC}-1-MINUTE-LAST-EXTERNAL"] == 3


def test_a_file_that_turns_into_another_symbols_half_way_is_refused_at_that_line(tmp_path):
    # SYNTHETIC klines: three BTC-like closes, then one 100 times lower; a new catalog has nothing to compare the
    # first row with, the rows are compared with each other (lines 2-4 fine, line 5 refused)
    rows = [_kline(0, 80000.0), _kline(1, 80010.0), _kline(2, 79990.0), _kline(3, 800.0)]
    klines = write_archive(tmp_path / "src", "BTCUSD_PERP-1m-2026-05-08", rows)
    with pytest.raises(IngestError) as info:
        ingest_binance_files([klines], tmp_path / "new", instruments=recorded_instruments())
    assert (info.value.row, info.value.field) == (5, "close")
    assert "800.0 is 100.0 times below the price on line 4 (79990.0)" in info.value.message
    assert not (tmp_path / "new").exists()
    proc = run_liqheat("catalog", "ingest", "binance", klines, "--catalog", tmp_path / "new", "--offline",
                       "--exchange-info", recorded_instruments().exchange_info_files[1], "--no-price-check")
    assert proc.returncode == 0, proc.stderr
    assert len(ParquetDataCatalog(str(tmp_path / "new")).query(Bar)) == 4


def test_files_of_two_scales_in_one_command_into_a_new_catalog_are_refused(tmp_path):
    # the REAL BTC aggTrades day, then SYNTHETIC klines of that day about 5.7 times lower, in one command into a new
    # catalog: the klines' first row is checked against the trades just checked (was: against the empty catalog
    # only, so both went in); given the other way round, the trades are refused against the klines
    klines = write_archive(tmp_path / "src", "BTCUSD_PERP-1m-2026-05-08", [_kline(i, 14000.0) for i in range(3)])
    with pytest.raises(IngestError) as info:
        ingest_binance_files([AGG, klines], tmp_path / "new", instruments=recorded_instruments())
    assert (info.value.path, info.value.row, info.value.field) == (str(klines), 2, "close")
    assert f" of {AGG} (" in info.value.message
    assert f"ingested for {BTC} in the same command" in info.value.message
    assert "14000.0 is 5.7 times below the price on line " in info.value.message
    with pytest.raises(IngestError) as info:
        ingest_binance_files([klines, AGG], tmp_path / "new", instruments=recorded_instruments())
    assert (info.value.path, info.value.row, info.value.field) == (str(AGG), 2, "price")
    assert f"times above the price on line 2 of {klines} (14000.0 at " in info.value.message  # nearest in time
    assert not (tmp_path / "new").exists()
    summary = ingest_binance_files([AGG, klines], tmp_path / "new", instruments=recorded_instruments(),
                                   price_check=False)
    assert summary.counts[f"Bar {BTC}-1-MINUTE-LAST-EXTERNAL"] == 3
