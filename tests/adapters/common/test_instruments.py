"""Instrument-spec files (msgspec, unknown fields rejected) and ingesting a symbol no code knows: SOLUSDT from a spec
file, LTCUSDT from a recorded exchangeInfo. Archive rows are SYNTHETIC (documented layout); the metadata is real."""

from pathlib import Path

import msgspec
import pytest
from nautilus_trader.model.data import Bar
from nautilus_trader.model.instruments import CryptoPerpetual
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.adapters.binance.loaders import ingest_binance_files
from liqheat_nautilus.adapters.binance.providers import perpetuals_from_exchange_info
from liqheat_nautilus.adapters.common.instruments import load_instrument_specs, spec_of
from liqheat_nautilus.adapters.common.providers import InstrumentSources, known_perpetual, shipped_instruments
from liqheat_nautilus.cli import main
from liqheat_nautilus.persistence.errors import IngestError, IngestOptionError
from tests.adapters.binance.archive_files import DAPI_EXCHANGE_INFO, FAPI_EXCHANGE_INFO, snapshot, write_archive

T0 = 1_712_707_200_000  # 2024-04-10 00:00 UTC (ms)
M = 60_000
SOL_SPEC = """
[[perpetual]]
instrument_id = "SOLUSDT-PERP.BINANCE"
raw_symbol = "SOLUSDT"
base = "SOL"
quote = "USDT"
settlement = "USDT"
price_increment = "0.0100"
size_increment = "1"
margin_init = "0.05"
margin_maint = "0.025"
maker_fee = "0.0002"
taker_fee = "0.0005"
"""


def _klines(n: int, price: float) -> list[list]:
    """SYNTHETIC one-minute klines in the data.binance.vision layout."""
    rows = []
    for i in range(n):
        t = T0 + i * M
        rows.append([t, price, price + 0.05, price - 0.05, price + 0.01, 10, t + M - 1, 10 * price, 5, 4,
                     4 * price, 0])
    return rows


def test_spec_file_builds_the_instrument(tmp_path):
    path = tmp_path / "sol.toml"
    path.write_text(SOL_SPEC)
    [(iid, sol)] = load_instrument_specs(path).items()
    assert (iid, sol.raw_symbol.value, str(sol.price_increment), sol.price_precision, str(sol.size_increment),
            str(sol.min_quantity), str(sol.taker_fee), sol.is_inverse) == \
        ("SOLUSDT-PERP.BINANCE", "SOLUSDT", "0.0100", 4, "1", "1", "0.0005", False)
    # a spec written back from the instrument reads the same
    again = tmp_path / "again.json"
    again.write_bytes(msgspec.json.encode({"perpetual": [spec_of(sol)]}))
    assert load_instrument_specs(again)[iid].to_dict(sol) == sol.to_dict(sol)


@pytest.mark.parametrize(("text", "message"), [
    (SOL_SPEC + 'leverage = "20"\n', "unknown field `leverage`"),
    (SOL_SPEC.replace('price_increment = "0.0100"', 'price_increment = "-1"'),
     "`price_increment` must be a finite number > 0, was '-1'"),
    # said "`margin_init` must be >= 0, was 'inf'", which inf is
    (SOL_SPEC.replace('margin_init = "0.05"', 'margin_init = "inf"'),
     "`margin_init` must be a finite number >= 0, was 'inf'"),
    (SOL_SPEC.replace('size_increment = "1"', 'size_increment = "one"'), "must be a decimal number"),
    (SOL_SPEC.replace('raw_symbol = "SOLUSDT"\n', ""), "missing required field `raw_symbol`"),
    (SOL_SPEC.replace("SOLUSDT-PERP.BINANCE", "SOLUSDT"), "instrument_id"),
    (SOL_SPEC + SOL_SPEC, "given twice"),
    # accepted before: a percentage as margin (every backtest order unaffordable), maintenance above initial margin,
    # an id the ingest never looks up (the archive's SOLUSDT is SOLUSDT-PERP.BINANCE), a COIN-M symbol made linear
    (SOL_SPEC.replace('margin_init = "0.05"', 'margin_init = "5"'), "`margin_init` is a fraction of the notional"),
    (SOL_SPEC.replace('margin_maint = "0.025"', 'margin_maint = "0.06"'), "must not exceed `margin_init`"),
    (SOL_SPEC.replace("SOLUSDT-PERP.BINANCE", "SOLUSDT.BINANCE"),
     "`instrument_id` of Binance symbol 'SOLUSDT' is 'SOLUSDT-PERP.BINANCE'"),
    (SOL_SPEC.replace("SOLUSDT-PERP", "SOLUSD-PERP").replace('"SOLUSDT"', '"SOLUSD_PERP"').replace(
        'quote = "USDT"', 'quote = "USD"').replace('settlement = "USDT"', 'settlement = "SOL"'),
     "Binance 'SOLUSD_PERP' is a COIN-M (inverse) contract: is_inverse must be true"),
    (SOL_SPEC.replace('settlement = "USDT"', 'settlement = "SOL"') + "is_inverse = true\n",
     "Binance 'SOLUSDT' is a USD-M (linear) contract: is_inverse must be false"),
    # accepted before: a linear contract settled in another currency than its quote (the notional would be wrong)
    (SOL_SPEC.replace('settlement = "USDT"', 'settlement = "SOL"'),
     "a linear contract settles in its quote currency: settlement 'SOL' is not quote 'USDT'"),
    # accepted before and written into the catalog: a fee that is not a number, or a percentage
    (SOL_SPEC.replace('maker_fee = "0.0002"', 'maker_fee = "nan"'), "`maker_fee` is a fraction of the notional above"),
    (SOL_SPEC.replace('taker_fee = "0.0005"', 'taker_fee = "5"'), "`taker_fee` is a fraction of the notional above"),
    ("[[perpetual]\n", "invalid instrument spec"),
    ("", "missing required field `perpetual`"),
])
def test_bad_spec_files_name_the_file_and_field(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(IngestError) as caught:
        load_instrument_specs(path)
    assert caught.value.path == str(path)
    assert message in str(caught.value)
    with pytest.raises(IngestError, match="must be .toml or .json"):
        load_instrument_specs(tmp_path / "spec.yaml")


def test_unknown_symbol_from_a_spec_file_then_offline_from_the_catalog(tmp_path):
    spec = tmp_path / "sol.toml"
    spec.write_text(SOL_SPEC)
    klines = write_archive(tmp_path / "src", "SOLUSDT-1m-2024-04-10", _klines(30, 150.0))
    catalog = tmp_path / "cat"
    with pytest.raises(IngestError, match=r"no instrument definition for \['SOLUSDT-PERP.BINANCE'\]"):
        ingest_binance_files([klines], catalog, instruments=InstrumentSources.offline())
    summary = ingest_binance_files([klines], catalog, instruments=InstrumentSources.offline(spec))
    assert summary.counts["Bar SOLUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"] == 30
    [instrument] = ParquetDataCatalog(str(catalog)).instruments()
    assert (instrument.id.value, str(instrument.price_increment)) == ("SOLUSDT-PERP.BINANCE", "0.0100")
    bars = ParquetDataCatalog(str(catalog)).query(Bar)
    assert str(bars[0].close) == "150.0100"  # the spec's price precision (4)
    # a later run without the file: the catalog holds the definition
    more = write_archive(tmp_path / "src", "SOLUSDT-1m-2024-04-11",
                         [[r[0] + 86_400_000, *r[1:6], r[6] + 86_400_000, *r[7:]] for r in _klines(5, 151.0)])
    assert ingest_binance_files([more], catalog, instruments=InstrumentSources.offline()).counts[
        "Bar SOLUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"] == 5


def test_cli_unknown_symbol_from_recorded_exchange_info(tmp_path, capsys):
    klines = write_archive(tmp_path / "src", "LTCUSDT-1m-2024-04-10", _klines(20, 80.0))
    catalog = tmp_path / "cat"
    assert main(["catalog", "ingest", "binance", str(klines), "--catalog", str(catalog), "--offline"]) == 1
    err = capsys.readouterr().err
    assert "no instrument definition for ['LTCUSDT-PERP.BINANCE']" in err and "--exchange-info FILE" in err
    assert not catalog.exists()
    assert main(["catalog", "ingest", "binance", str(klines), "--catalog", str(catalog), "--offline",
                 "--exchange-info", str(FAPI_EXCHANGE_INFO)]) == 0
    out = capsys.readouterr().out
    assert "instrument LTCUSDT-PERP.BINANCE" in out and "TakerVolume LTCUSDT-PERP.BINANCE" in out
    [ltc] = ParquetDataCatalog(str(catalog)).instruments()
    assert (str(ltc.price_increment), str(ltc.size_increment), str(ltc.margin_maint)) == ("0.01", "0.001", "0.025")
    before = snapshot(catalog)
    bad = tmp_path / "bad.toml"
    bad.write_text(SOL_SPEC.replace("margin_init", "margin_initial"))
    assert main(["catalog", "ingest", "binance", str(klines), "--catalog", str(catalog), "--offline",
                 "--instrument-spec", str(bad)]) == 1
    assert "unknown field `margin_initial`" in capsys.readouterr().err
    assert snapshot(catalog) == before


@pytest.mark.parametrize("listing", ["empty", "coin-m"])
def test_an_exchange_info_file_without_the_symbol_is_refused_without_asking_the_venue(listing, tmp_path, capsys,
                                                                                       monkeypatch):
    # was: looked the symbol up online (Binance's exchangeInfo, through ccxt) and only then failed, exit 1
    from liqheat_nautilus.adapters.common import providers

    asked: list[tuple] = []
    monkeypatch.setattr(providers, "online_instruments", lambda *a, **k: asked.append(a) or {})
    info = tmp_path / "exchangeInfo.json"
    if listing == "empty":
        info.write_text('{"timezone": "UTC", "symbols": []}')
    else:  # the COIN-M answer (BTCUSD_PERP only) given for a USD-M symbol
        info.write_bytes(DAPI_EXCHANGE_INFO.read_bytes())
    klines = write_archive(tmp_path / "src", "LTCUSDT-1m-2024-04-10", _klines(5, 80.0))
    catalog = tmp_path / "cat"
    code = main(["catalog", "ingest", "binance", str(klines), "--catalog", str(catalog), "--exchange-info", str(info)])
    err = capsys.readouterr().err
    assert code == 2 and asked == [], (code, asked, err)  # a usage error, and Binance was not asked
    assert f"ingest failed: {klines}: field 'instrument': no instrument definition for ['LTCUSDT-PERP.BINANCE'] " \
           f"(venue symbol 'LTCUSDT'): --exchange-info {info} does not list it, nor does the catalog; the venue is " \
           "not asked" in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and not catalog.exists()
    # the Python API refuses the same way (its path the input file, as every IngestError's)
    with pytest.raises(IngestOptionError, match=r"--exchange-info \S+exchangeInfo.json does not list it") as caught:
        ingest_binance_files([klines], catalog, instruments=InstrumentSources(exchange_info_files=(info,)))
    assert (caught.value.path, caught.value.field) == (str(klines), "instrument") and asked == []
    # another source still counts: a spec file defines it (the exchangeInfo file is then not needed)
    spec = tmp_path / "ltc.toml"
    spec.write_text(SOL_SPEC.replace("SOL", "LTC"))
    assert main(["catalog", "ingest", "binance", str(klines), "--catalog", str(catalog), "--exchange-info", str(info),
                 "--instrument-spec", str(spec)]) == 0
    assert asked == [] and "instrument LTCUSDT-PERP.BINANCE" in capsys.readouterr().out


def test_spec_symbol_must_match_the_files(tmp_path):
    spec = tmp_path / "sol.toml"
    spec.write_text(SOL_SPEC.replace('raw_symbol = "SOLUSDT"', 'raw_symbol = "SOLUSDC"'))
    klines = write_archive(tmp_path / "src", "SOLUSDT-1m-2024-04-10", _klines(3, 150.0))
    # the spec itself is now refused: SOLUSDC's id is SOLUSDC-PERP.BINANCE, not the SOLUSDT-PERP.BINANCE it claims
    with pytest.raises(IngestError, match="`instrument_id` of Binance symbol 'SOLUSDC' is 'SOLUSDC-PERP.BINANCE'"):
        ingest_binance_files([klines], tmp_path / "cat", instruments=InstrumentSources.offline(spec))


def test_shipped_data_sets_carry_their_instruments():
    assert sorted(shipped_instruments()) == ["BTCUSDT-PERP.BINANCE", "SOL-USDT-SWAP.OKX"]
    btc = known_perpetual("BTCUSDT-PERP.BINANCE")  # the Coinglass set's spec equals Binance's recorded entry
    entry = perpetuals_from_exchange_info(Path(FAPI_EXCHANGE_INFO).read_bytes())["BTCUSDT-PERP.BINANCE"]
    assert btc.to_dict(btc) == entry.to_dict(entry)
    with pytest.raises(KeyError, match="not an instrument of a shipped data set"):
        known_perpetual("BTCUSDT.BINANCE")


def test_catalog_with_the_old_id_is_not_rewritten(tmp_path):
    # a catalog of an earlier version: BTCUSDT under the id BTCUSDT.BINANCE
    # (built under today's id, then renamed: a spec file with the old id is refused now)
    today = load_instrument_specs_from_text(tmp_path, SOL_SPEC.replace("SOL", "BTC"))
    fields = CryptoPerpetual.to_dict(today)
    fields["id"] = "BTCUSDT.BINANCE"
    old = CryptoPerpetual.from_dict(fields)
    catalog = tmp_path / "cat"
    catalog.mkdir()
    ParquetDataCatalog(str(catalog)).write_data([old])
    before = snapshot(catalog)
    funding = write_archive(tmp_path / "src", "BTCUSDT-fundingRate-2024-04", [[T0, 8, "0.0001"]])
    with pytest.raises(IngestError, match="holds BTCUSDT.BINANCE, the id earlier versions gave this contract"):
        ingest_binance_files([funding], catalog, instruments=InstrumentSources.offline(exchange_info=[
            FAPI_EXCHANGE_INFO]))
    assert snapshot(catalog) == before


def load_instrument_specs_from_text(folder: Path, text: str):
    """The one instrument of a spec file written from ``text``."""
    path = folder / "spec.toml"
    path.write_text(text)
    [instrument] = load_instrument_specs(path).values()
    return instrument
