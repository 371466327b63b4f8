"""Ingest of the real OKX SOL-USDT-SWAP sample: row counts and first/last timestamps equal the source files; the
sample's positioning files (long/short account ratio, taker volume) round-trip through the catalog."""

import csv
import hashlib
import shutil
from pathlib import Path

import pytest
from nautilus_trader.model.data import Bar
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.adapters.common.providers import InstrumentSources
from liqheat_nautilus.adapters.okx.loaders import ingest_okx_sample
from liqheat_nautilus.data import FundingRate, LongShortRatio, OpenInterest, TakerVolume
from liqheat_nautilus.persistence.errors import IngestError

OKX_SAMPLE = Path(__file__).resolve().parents[3] / "catalog" / "okx_sol_usdt_swap_2026-06"

IID = "SOL-USDT-SWAP.OKX"


def _source(name: str) -> list[dict]:
    with open(OKX_SAMPLE / name, newline="") as f:
        return list(csv.DictReader(f))


def _tree_digest(path: Path) -> dict[str, str]:
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def _unwrap(items):
    return [d.data if hasattr(d, "data") else d for d in items]


def test_counts_and_time_ranges_equal_the_source_files(okx_catalog):
    catalog = ParquetDataCatalog(str(okx_catalog))
    bars = catalog.bars()
    oi = _unwrap(catalog.query(OpenInterest, identifiers=[IID]))
    funding = _unwrap(catalog.query(FundingRate, identifiers=[IID]))
    src_bars, src_oi, src_funding = (_source(n) for n in ("ohlcv_1m.csv", "open_interest.csv", "funding_rate.csv"))
    assert len(bars) == len(src_bars)
    assert len(oi) == len(src_oi)
    assert len(funding) == len(src_funding)
    minute_ns = 60_000_000_000
    # bars are stamped at their close: open time (source `ts`, ms) + 1 minute
    assert bars[0].ts_event == int(src_bars[0]["ts"]) * 1_000_000 + minute_ns
    assert bars[-1].ts_event == int(src_bars[-1]["ts"]) * 1_000_000 + minute_ns
    assert oi[0].ts_event == int(src_oi[0]["ts"]) * 1_000_000
    assert oi[-1].ts_event == int(src_oi[-1]["ts"]) * 1_000_000
    assert funding[0].ts_event == int(src_funding[0]["ts"]) * 1_000_000
    assert funding[-1].ts_event == int(src_funding[-1]["ts"]) * 1_000_000
    assert bars[0].close.as_double() == float(src_bars[0]["close"])
    assert oi[5].open_interest_usd == pytest.approx(float(src_oi[5]["oi_value"]))
    assert oi[5].venue == "OKX"
    assert funding[3].rate == pytest.approx(float(src_funding[3]["fundingRate"]))
    assert all(isinstance(b, Bar) for b in bars[:3])
    assert [b.ts_init for b in bars] == sorted(b.ts_init for b in bars)


def test_instrument_definition_has_the_venue_increments(okx_catalog):
    (instrument,) = ParquetDataCatalog(str(okx_catalog)).instruments()
    assert str(instrument.id) == IID
    assert str(instrument.price_increment) == "0.01"
    assert str(instrument.size_increment) == "0.01"
    assert not instrument.is_inverse


def test_reingest_is_idempotent(tmp_path):
    target = tmp_path / "cat"
    ingest_okx_sample(OKX_SAMPLE, target)
    first = _tree_digest(target)
    ingest_okx_sample(OKX_SAMPLE, target)
    assert _tree_digest(target) == first


@pytest.mark.parametrize(
    ("file", "line", "field", "mutate"),
    [
        ("ohlcv_1m.csv", 101, "high", lambda row: {**row, "high": "abc"}),
        ("ohlcv_1m.csv", 51, "low", lambda row: {**row, "low": str(float(row["close"]) + 5)}),
        ("open_interest.csv", 11, "oi_value", lambda row: {**row, "oi_value": "-5"}),
        ("funding_rate.csv", 3, "ts", lambda row: {**row, "ts": "1"}),
        ("long_short_ratio.csv", 7, "ratio", lambda row: {**row, "ratio": "0"}),
        ("taker_volume.csv", 9, "buyVol", lambda row: {**row, "buyVol": "n/a"}),
    ],
)
def test_malformed_row_names_file_line_field_and_leaves_catalog_unchanged(tmp_path, okx_catalog, file, line, field,
                                                                           mutate):
    source = tmp_path / "src"
    shutil.copytree(OKX_SAMPLE, source)
    rows = _source(file)
    rows[line - 2] = mutate(rows[line - 2])  # line 1 is the header
    with open(source / file, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    target = tmp_path / "existing"
    shutil.copytree(okx_catalog, target)
    before = _tree_digest(target)
    with pytest.raises(IngestError) as info:
        ingest_okx_sample(source, target)
    assert info.value.path.endswith(file)
    assert info.value.row == line
    assert info.value.field == field
    assert f"line {line}" in str(info.value)
    assert _tree_digest(target) == before
    assert not list(tmp_path.glob("existing.staging-*"))


@pytest.mark.parametrize("blank", ["", "   ", "\r"])
def test_a_blank_line_between_rows_is_named_by_its_line(tmp_path, blank):
    # pandas skips blank (and whitespace-only) lines: a bad value after one was named a line too early, and the
    # blank line passed without a word
    source = tmp_path / "src"
    shutil.copytree(OKX_SAMPLE, source)
    lines = (OKX_SAMPLE / "ohlcv_1m.csv").read_text().splitlines()
    lines[5] = ",".join(["-5" if i == 1 else v for i, v in enumerate(lines[5].split(","))])  # line 6: bad open
    (source / "ohlcv_1m.csv").write_text("\n".join([*lines[:3], blank, *lines[3:], "", ""]) + "\n")
    with pytest.raises(IngestError) as info:
        ingest_okx_sample(source, tmp_path / "cat")
    assert (info.value.path, info.value.row, info.value.field) == (str(source / "ohlcv_1m.csv"), 4, None)
    assert "blank line between the rows" in info.value.message
    (source / "ohlcv_1m.csv").write_text("\n".join([*lines, "", ""]) + "\n")  # blank lines at the end only
    with pytest.raises(IngestError) as info:
        ingest_okx_sample(source, tmp_path / "cat")
    assert (info.value.row, info.value.field) == (6, "open")  # the bad value, at its own line
    assert not (tmp_path / "cat").exists()


def test_positioning_files_round_trip_through_the_catalog(okx_catalog):
    catalog = ParquetDataCatalog(str(okx_catalog))
    ratios = _unwrap(catalog.query(LongShortRatio, identifiers=[IID]))
    taker = _unwrap(catalog.query(TakerVolume, identifiers=[IID]))
    src_ratio, src_taker = _source("long_short_ratio.csv"), _source("taker_volume.csv")
    assert len(ratios) == len(src_ratio) == 360 and len(taker) == len(src_taker) == 360
    # first rows: 1781193600000,2.17 and 1781193600000,sellVol 19933216.2427,buyVol 18964812.9593
    first = ratios[0]
    assert (first.instrument_id.value, first.ratio, first.kind, first.period_secs, first.ts_event) == \
        (IID, 2.17, "accounts", 3600, 1_781_193_600_000_000_000)
    assert (taker[0].buy_usd, taker[0].sell_usd, taker[0].period_secs, taker[0].ts_event) == \
        (18964812.9593, 19933216.2427, 3600, 1_781_193_600_000_000_000)
    assert [r.ratio for r in ratios[-3:]] == [float(r["ratio"]) for r in src_ratio[-3:]]
    assert [t.ts_event for t in taker] == [int(r["ts"]) * 1_000_000 for r in src_taker]


def test_sample_without_positioning_files_or_instrument(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("ohlcv_1m.csv", "open_interest.csv", "funding_rate.csv", "instrument.toml"):
        shutil.copy(OKX_SAMPLE / name, source / name)
    summary = ingest_okx_sample(source, tmp_path / "cat")
    assert set(summary.counts) == {"Bar", "OpenInterest", "FundingRate"}
    (source / "instrument.toml").unlink()
    # offline, the catalog built just before is the cache; a new catalog has no definition
    assert ingest_okx_sample(source, tmp_path / "cat", instruments=InstrumentSources.offline()).counts["Bar"] == 21_600
    with pytest.raises(IngestError, match=r"no instrument definition for \['SOL-USDT-SWAP.OKX'\]") as caught:
        ingest_okx_sample(source, tmp_path / "other", instruments=InstrumentSources.offline())
    # the OKX ingest has no --exchange-info option (it reads Binance's answer only): not offered
    assert str(caught.value).endswith("Give one with --instrument-spec FILE (TOML, see docs/data.md)")
    with pytest.raises(IngestError, match="not an OKX instrument id"):
        ingest_okx_sample(source, tmp_path / "other", "SOLUSDT-PERP.BINANCE")


def test_the_instrument_look_up_says_the_command_has_no_exchange_info_option(tmp_path, monkeypatch):
    # was: the OKX ingest looked its instrument up as if it had --exchange-info (the sources' default), so a missing
    # instrument's message would offer that option, which the command lacks, had the id been a Binance one
    from liqheat_nautilus.adapters.okx import loaders
    from liqheat_nautilus.adapters.okx.loaders import okx_instrument

    seen: list[InstrumentSources] = []

    def recording(wanted, catalog_dir, sources, where=""):
        seen.append(sources)
        return real(wanted, catalog_dir, sources, where=where)

    real = loaders.resolve_instruments
    monkeypatch.setattr(loaders, "resolve_instruments", recording)
    for given in (None, InstrumentSources.offline()):
        assert okx_instrument(OKX_SAMPLE, tmp_path / "cat", "SOL-USDT-SWAP.OKX", given).id.value == "SOL-USDT-SWAP.OKX"
    assert [s.exchange_info_option for s in seen] == [False, False]
    assert seen[1].online is False and seen[1].spec_files == (OKX_SAMPLE / "instrument.toml",)  # the rest is kept


def test_an_instrument_id_of_another_venue_is_a_usage_error(tmp_path, capsys):
    # exited 1 naming the sample folder, as if the data were bad: the option alone is wrong
    from liqheat_nautilus.cli import main

    assert main(["catalog", "ingest", "okx", "--catalog", str(tmp_path / "cat"), "--instrument-id",
                 "SOLUSDT-PERP.BINANCE"]) == 2
    err = capsys.readouterr().err
    assert err == ("ingest failed: --instrument-id 'SOLUSDT-PERP.BINANCE' is not an instrument of OKX, the venue this "
                   "command reads, e.g. 'SOL-USDT-SWAP.OKX'\n")
    assert not (tmp_path / "cat").exists()


def test_a_folder_without_the_sample_files_is_named_before_any_instrument_lookup(tmp_path, monkeypatch):
    # an empty or wrong --source folder went to the instrument look-up first: the error was about instrument
    # definitions (after asking OKX online), not the missing files
    import liqheat_nautilus.adapters.common.providers as providers

    monkeypatch.setattr(providers, "online_instruments", lambda *a, **k: pytest.fail("asked the venue"))
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(OKX_SAMPLE / "ohlcv_1m.csv", source)
    with pytest.raises(IngestError, match=r"src: field '--source': no open_interest\.csv, funding_rate\.csv here"):
        ingest_okx_sample(source, tmp_path / "cat")
    with pytest.raises(IngestError, match=r"ohlcv_1m\.csv: field '--source': is a file, not a folder"):
        ingest_okx_sample(source / "ohlcv_1m.csv", tmp_path / "cat")
    assert not (tmp_path / "cat").exists()
