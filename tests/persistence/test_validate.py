"""``liqheat catalog validate`` and ``info`` on SYNTHETIC catalogs with planted problems, and on a clean one."""

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.adapters.common.providers import known_perpetual
from liqheat_nautilus.cli import main
from liqheat_nautilus.data import FundingRate, OpenInterest
from liqheat_nautilus.persistence.info import catalog_info
from liqheat_nautilus.persistence.validate import decode_fixed, validate_catalog

T0 = 1_712_707_260_000_000_000  # 2024-04-10 00:01 UTC (ns), first bar close
M = 60_000_000_000
BAR_TYPE = BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL")
IID = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")


def _bars(closes, stamps):
    """SYNTHETIC bars: open = previous close, high/low 1 above/below."""
    closes = np.array(closes, dtype=np.float64)
    opens = np.concatenate(([closes[0]], closes[:-1]))
    ts = np.array(stamps, dtype=np.uint64)
    return Bar.from_raw_arrays_to_list(BAR_TYPE, 2, 3, opens, np.maximum(opens, closes) + 1,
                                       np.minimum(opens, closes) - 1, closes, np.ones(len(ts)), ts, ts)


def _clean(path):
    catalog = ParquetDataCatalog(str(path))
    catalog.write_data([known_perpetual("BTCUSDT-PERP.BINANCE")])
    catalog.write_data(_bars([70_000.0 + i for i in range(30)], [T0 + i * M for i in range(30)]))
    catalog.write_data([OpenInterest(instrument_id=IID, venue="BINANCE", open_interest_usd=1e9 + i,
                                     ts_event=T0 + i * 5 * M, ts_init=T0 + i * 5 * M) for i in range(6)])
    catalog.write_data([FundingRate(instrument_id=IID, rate=0.0001, interval_hours=8.0, ts_event=T0 + i * 8 * 60 * M,
                                    ts_init=T0 + i * 8 * 60 * M) for i in range(3)])
    return catalog


def test_clean_catalog_passes(tmp_path, capsys):
    _clean(tmp_path)
    report = validate_catalog(tmp_path)
    assert report.findings == []
    assert main(["catalog", "validate", "--catalog", str(tmp_path)]) == 0
    # 3 streams as `catalog info` counts them (the definition was counted as a fourth stream)
    assert ": 3 streams, 1 instrument definition(s), 0 errors, 0 warnings" in capsys.readouterr().out
    assert main(["catalog", "info", "--catalog", str(tmp_path)]) == 0
    assert "data (3 streams):" in capsys.readouterr().out


def test_planted_problems_are_reported(tmp_path, capsys):
    catalog = ParquetDataCatalog(str(tmp_path))
    catalog.write_data([known_perpetual("BTCUSDT-PERP.BINANCE")])
    closes = [70_000.0, 70_001.0, 70_002.0, 80_000.0, 70_003.0, 70_004.0]  # a +14 % spike and back
    stamps = [T0, T0 + M, T0 + M, T0 + 2 * M, T0 + 6 * M, T0 + 7 * M]  # one duplicate, a 4-minute gap
    catalog.write_data(_bars(closes, stamps))
    catalog.write_data([OpenInterest(instrument_id=IID, venue="BINANCE", open_interest_usd=v, ts_event=T0 + i * M,
                                     ts_init=T0 + i * M) for i, v in enumerate([1e9, float("nan"), 0.0, 1e9])])
    report = validate_catalog(tmp_path)
    found = {(f.stream.split("/")[0], f.check): f for f in report.findings}
    assert found[("bar", "duplicates")].count == 1
    assert found[("bar", "gaps")].count == 1 and "3 missing bars" in found[("bar", "gaps")].detail
    assert found[("bar", "outliers")].count == 2  # up 14.3 % and down 12.5 %
    assert "14.3 %" in found[("bar", "outliers")].detail
    assert found[("custom_open_interest", "bad-values")].count == 1
    assert found[("custom_open_interest", "zero-values")].severity == "warning"
    assert main(["catalog", "validate", "--catalog", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "ERROR" in out and "duplicates" in out


def _rewrite(file, column, values_fn):
    table = pq.read_table(file)
    metadata = table.schema.metadata
    new = values_fn(table)
    index = table.column_names.index(column)
    table = table.set_column(index, table.schema.field(column), new).replace_schema_metadata(metadata)
    pq.write_table(table, file)


def _fixed(values, scale=1e16):
    """Encode floats as Nautilus 16-byte little-endian fixed-point raw values."""
    raw = b"".join(int(round(v * scale)).to_bytes(16, "little", signed=True) for v in values)
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(16), len(values), [None, pa.py_buffer(raw)])


def test_ohlc_and_order_problems_from_edited_files(tmp_path):
    _clean(tmp_path)
    file = next((tmp_path / "data" / "bar").rglob("*.parquet"))
    assert list(decode_fixed(pq.read_table(file).column("close"))[:2]) == [70_000.0, 70_001.0]

    def low_above_close(table):
        low = decode_fixed(table.column("low"))
        low[5] = 90_000.0
        return _fixed(low)

    def swap_times(table):
        ts = table.column("ts_init").to_numpy().copy()
        ts[10], ts[11] = ts[11], ts[10]
        return pa.array(ts, pa.uint64())

    _rewrite(file, "low", low_above_close)
    _rewrite(file, "ts_init", swap_times)
    found = {f.check: f for f in validate_catalog(tmp_path).findings}
    assert found["ohlc"].count == 1 and "low=90000.0" in found["ohlc"].detail
    assert found["non-monotonic"].count == 1


def test_a_parquet_file_of_another_kind_is_named_not_passed(tmp_path, capsys):
    # a valid Parquet file without ts_init in the bar folder was skipped: the stream was reported OK with its rows
    _clean(tmp_path)
    file = next((tmp_path / "data" / "bar").rglob("*.parquet"))
    pq.write_table(pa.table({"a": [1, 2]}), file)
    found = {f.check: f for f in validate_catalog(tmp_path).findings}
    assert found["unreadable"].severity == "error"
    assert found["unreadable"].detail == f"{file}: not a bar file (no ts_init column; columns: a)"
    assert main(["catalog", "validate", "--catalog", str(tmp_path)]) == 1
    assert "ERRORS" in capsys.readouterr().out
    assert main(["catalog", "info", "--catalog", str(tmp_path)]) == 1  # it listed the stream: 2 rows, no times
    assert f"info failed: {file}: not a bar file (no ts_init column; columns: a)" in capsys.readouterr().err


def test_a_stream_of_zero_rows_is_an_error_naming_its_folder(tmp_path, capsys):
    # a bar folder whose Parquet file held 0 rows was reported "(0 rows)  OK" and validate exited 0
    _clean(tmp_path)
    file = next((tmp_path / "data" / "bar").rglob("*.parquet"))
    table = pq.read_table(file)
    pq.write_table(table.slice(0, 0), file)
    (empty,) = [f for f in validate_catalog(tmp_path).findings if f.check == "empty"]
    assert empty.severity == "error" and empty.stream == f"bar/{file.parent.name}"
    assert empty.detail == f"{file.parent}: its 1 Parquet file(s) hold 0 rows ({file.name})"
    assert main(["catalog", "validate", "--catalog", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"bar/{file.parent.name}  (0 rows)  ERRORS" in out and str(file.parent) in out
    file.unlink()  # a stream folder left without any Parquet file
    (empty,) = [f for f in validate_catalog(tmp_path).findings if f.check == "empty"]
    assert empty.detail == f"{file.parent}: holds no Parquet file"


def test_a_catalog_of_no_data_is_an_error(tmp_path, capsys):
    # a data/ folder holding nothing was reported "0 streams, ..., 0 errors" and validate exited 0
    (tmp_path / "data").mkdir()
    (empty,) = validate_catalog(tmp_path).findings
    assert (empty.severity, empty.stream, empty.check) == ("error", "data", "empty")
    assert main(["catalog", "validate", "--catalog", str(tmp_path)]) == 1
    assert "the catalog holds no data (its data/ folder is empty)" in capsys.readouterr().out


def test_info_lists_instruments_and_streams(tmp_path, capsys):
    _clean(tmp_path)
    info = catalog_info(tmp_path)
    rows = {(s.type_name, s.identifier): s for s in info.streams}
    bars = rows[("bar", str(BAR_TYPE))]
    assert (bars.rows, bars.first_ts, bars.last_ts) == (30, T0, T0 + 29 * M)
    assert rows[("custom_open_interest", "BTCUSDT-PERP.BINANCE")].rows == 6
    assert main(["catalog", "info", "--catalog", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "BTCUSDT-PERP.BINANCE  CryptoPerpetual linear  multiplier 1  tick 0.10  lot 0.001" in out
    assert "2024-04-10 00:01:00" in out and "OpenInterest" in out


def test_missing_catalog(tmp_path, capsys):
    # a folder that does not exist was "not a catalog (no data/ folder)", as an existing folder of other files
    with pytest.raises(FileNotFoundError):
        validate_catalog(tmp_path / "nope")
    for command in ("info", "validate"):
        assert main(["catalog", command, "--catalog", str(tmp_path / "nope")]) == 1
        assert f"{tmp_path / 'nope'}: catalog not found: no such folder" in capsys.readouterr().err
    (tmp_path / "notes").mkdir()
    assert main(["catalog", "info", "--catalog", str(tmp_path / "notes")]) == 1
    assert "not a catalog (no data/ folder)" in capsys.readouterr().err


def test_default_catalog_is_built_on_first_use(tmp_path, monkeypatch, capsys):
    sample = Path(__file__).resolve().parents[2] / "catalog" / "okx_sol_usdt_swap_2026-06"
    home = tmp_path / "home"
    shutil.copytree(sample, home / "catalog" / sample.name)
    monkeypatch.setenv("LIQHEAT_HOME", str(home))
    assert main(["catalog", "info"]) == 0
    out = capsys.readouterr().out
    assert "SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL" in out and "21,600" in out  # the real sample's bar count
    assert main(["catalog", "validate"]) == 0
