"""The shipped REAL Coinglass BTC set as a catalog of BTCUSDT-PERP.BINANCE: counts, the +4 h alignment of the 4-hourly
readings (hand-checked rows of the CSVs), funding at settlement times only, and a backtest file over it."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
from nautilus_trader.model.data import Bar
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.adapters.coinglass.loaders import ingest_coinglass
from liqheat_nautilus.adapters.common.providers import InstrumentSources
from liqheat_nautilus.backtest import load_backtest_file, run_backtest
from liqheat_nautilus.cli import main
from liqheat_nautilus.data import FundingRate, OpenInterest, TakerVolume
from liqheat_nautilus.persistence.errors import IngestError

ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT / "catalog" / "coinglass_btc_4h"
IID = "BTCUSDT-PERP.BINANCE"


def _ns(text: str) -> int:
    return pd.Timestamp(text, tz="UTC").value


@pytest.fixture(scope="module")
def coinglass_catalog(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("coinglass") / "cat"
    ingest_coinglass(SOURCE, path, instruments=InstrumentSources.offline())
    return path


def _query(catalog: Path, cls) -> list:
    return [d.data if hasattr(d, "data") else d for d in ParquetDataCatalog(str(catalog)).query(cls)]


def test_streams_and_alignment(coinglass_catalog):
    catalog = ParquetDataCatalog(str(coinglass_catalog))
    [instrument] = catalog.instruments()
    assert (instrument.id.value, str(instrument.price_increment), instrument.is_inverse) == (IID, "0.10", False)
    bars = catalog.query(Bar)
    assert len(bars) == 3024 and str(bars[0].bar_type) == f"{IID}-1-HOUR-LAST-EXTERNAL"
    # first bar 2025-09-01T00:00 (open 108246.36), stamped at its close
    assert (bars[0].ts_event, str(bars[0].open)) == (_ns("2025-09-01T01:00"), "108246.36")
    oi = _query(coinglass_catalog, OpenInterest)
    assert len(oi) == 543
    # window 2025-10-06T12:00 closes at 95,255,789,756 USD, observed at 16:00; the 1 h bar ending then closes 125,000
    assert (oi[0].ts_event, oi[0].open_interest_usd, oi[0].venue) == (_ns("2025-10-06T16:00"), 95_255_789_756.0,
                                                                      "COINGLASS")
    assert oi[0].open_interest_base == pytest.approx(95_255_789_756.0 / 125_000.0)
    funding = _query(coinglass_catalog, FundingRate)
    # settlements only (00, 08, 16 UTC): the 12:00 window's close 0.004664 % at 16:00, the 20:00 window's 0.005592 %
    # at 00:00; the 16:00 window (observed 20:00) is a prediction, not a settlement
    assert [(f.ts_event, f.rate, f.interval_hours) for f in funding[:2]] == [
        (_ns("2025-10-06T16:00"), pytest.approx(4.664e-05), 8.0), (_ns("2025-10-07T00:00"), pytest.approx(5.592e-05),
                                                                   8.0)]
    assert len(funding) == 272 and all(f.ts_event % (8 * 3_600 * 10**9) == 0 for f in funding)
    assert funding[-1].ts_event == _ns("2026-01-05T00:00") and funding[-1].rate == pytest.approx(5.693e-05)
    taker = _query(coinglass_catalog, TakerVolume)
    assert (taker[0].ts_event, taker[0].buy_usd, taker[0].sell_usd, taker[0].period_secs) == \
        (_ns("2025-10-06T16:00"), 3_162_186_379.2651, 3_435_936_015.2982, 14_400)


def test_bad_source_leaves_the_catalog(tmp_path, coinglass_catalog):
    source = tmp_path / "src"
    shutil.copytree(SOURCE, source)
    text = (source / "coinglass_oi_4h.csv").read_text().splitlines()
    text[5] = text[5].replace(text[5].split(",")[4], "n/a")
    (source / "coinglass_oi_4h.csv").write_text("\n".join(text) + "\n")
    target = tmp_path / "cat"
    shutil.copytree(coinglass_catalog, target)
    before = sorted((p.name, p.stat().st_size) for p in target.rglob("*") if p.is_file())
    with pytest.raises(IngestError) as caught:
        ingest_coinglass(source, target, instruments=InstrumentSources.offline())
    assert (Path(caught.value.path).name, caught.value.row, caught.value.field) == ("coinglass_oi_4h.csv", 6, "close")
    assert sorted((p.name, p.stat().st_size) for p in target.rglob("*") if p.is_file()) == before
    with pytest.raises(IngestError, match="folder not found"):
        ingest_coinglass(tmp_path / "missing", target)


def test_an_instrument_id_without_a_venue_is_named(tmp_path, capsys):
    # online (the default), the instrument look-up split the id on its venue: an IndexError traceback; the CLI
    # refuses it as a usage error before the ingest, whose own check (library callers) names the field
    assert main(["catalog", "ingest", "coinglass", "--catalog", str(tmp_path / "cat"), "--instrument", "BTCUSDT"]) == 2
    err = capsys.readouterr().err
    assert "--instrument-id 'BTCUSDT' is not a Nautilus instrument id SYMBOL.VENUE" in err
    with pytest.raises(IngestError, match="field '--instrument-id': 'BTCUSDT' is not a Nautilus instrument id such as "
                                          "'BTCUSDT-PERP.BINANCE'"):
        ingest_coinglass(SOURCE, tmp_path / "cat", "BTCUSDT")
    assert not (tmp_path / "cat").exists()


def test_cli_ingest_and_a_backtest_file_over_it(tmp_path, capsys):
    catalog = tmp_path / "cat"
    assert main(["catalog", "ingest", "coinglass", "--catalog", str(catalog), "--offline"]) == 0
    out = capsys.readouterr().out
    assert f"instrument {IID}" in out and "FundingRate" in out and "272 rows" in out
    spec = load_backtest_file(ROOT / "config" / "coinglass" / "liquidation_hunt.toml").with_catalog(catalog)
    assert spec.data.instrument_id == IID
    outcome = run_backtest(spec, show_progress=False)
    assert outcome.result.iterations == 3024 + 543 + 272 + 543  # bars, open interest, funding, taker volume
    assert outcome.snapshots_published > 0
