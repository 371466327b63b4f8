"""``liqheat catalog ingest csv`` on REAL data: the OKX sample's files and real Binance trades, rewritten in the
plain layout (docs/data.md, "Your own CSV files") inside each test's tmp_path; nothing here is synthetic.

The OKX sample in the plain layout must give the very catalog contents the ``okx`` ingest gives (bars, open interest,
funding, instrument), and ``liqheat plot`` must run on it; bars built from trades must be the trades' OHLCV per
minute; every bad input is one line naming file, line and field, with the catalog unchanged.
"""

import csv
import hashlib
import math
import shutil
import subprocess
import zipfile
from pathlib import Path

import msgspec
import numpy as np
import pandas as pd
import pytest
from nautilus_trader.model.data import Bar, TradeTick
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.adapters.common.instruments import spec_of
from liqheat_nautilus.adapters.common.providers import resolve_instruments
from liqheat_nautilus.adapters.csv_files.loaders import ingest_csv
from liqheat_nautilus.data import FundingRate, OpenInterest
from liqheat_nautilus.persistence.errors import IngestError
from tests.adapters.binance.archive_files import recorded_instruments
from tests.cli_run import assert_clean_failure, call_liqheat, run_liqheat
from tests.data_files import data_file

ROOT = Path(__file__).resolve().parents[3]
OKX_SAMPLE = ROOT / "catalog" / "okx_sol_usdt_swap_2026-06"
OKX_SPEC = OKX_SAMPLE / "instrument.toml"
IID = "SOL-USDT-SWAP.OKX"
MINUTE_NS = 60_000_000_000


def _digest(path: Path) -> dict[str, str]:
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def _unwrap(items) -> list:
    return [d.data if hasattr(d, "data") else d for d in items]


def _write(path: Path, header: list[str], rows) -> Path:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _okx(name: str) -> list[dict]:
    with open(OKX_SAMPLE / name, newline="") as f:
        return list(csv.DictReader(f))


def plain_okx_files(folder: Path) -> dict[str, Path]:
    """
    The OKX sample's bars, open interest and funding rewritten in the plain layout, one time format each.

    Bars keep the epoch milliseconds, open interest takes the sample's own ``dt`` column (ISO-8601 with the +08:00
    offset the collector wrote), funding the epoch time in nanoseconds; extra columns of the source are dropped.
    """
    folder.mkdir(parents=True, exist_ok=True)
    bars = _write(folder / "bars.csv", ["timestamp", "open", "high", "low", "close", "volume"],
                  ([r["ts"], r["open"], r["high"], r["low"], r["close"], r["volume"]] for r in _okx("ohlcv_1m.csv")))
    oi = _write(folder / "oi.csv", ["timestamp", "open_interest_usd"],
                ([r["dt"], r["oi_value"]] for r in _okx("open_interest.csv")))
    funding = _write(folder / "funding.csv", ["funding_rate", "timestamp"],  # any column order
                     ([r["fundingRate"], str(int(r["ts"]) * 1_000_000)] for r in _okx("funding_rate.csv")))
    return {"bars": bars, "oi": oi, "funding": funding}


@pytest.fixture(scope="module")
def csv_catalog(tmp_path_factory) -> Path:
    """The OKX sample in the plain layout, ingested through the real CLI."""
    root = tmp_path_factory.mktemp("csvroute")
    files = plain_okx_files(root / "plain")
    catalog = root / "catalog"
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", catalog, "--instrument-spec", OKX_SPEC,
                       "--bars", files["bars"], "--bar-spec", "1-MINUTE-LAST", "--open-interest", files["oi"],
                       "--funding", files["funding"])
    assert proc.returncode == 0, proc.stderr
    assert "Bar" in proc.stdout and "21,600 rows" in proc.stdout
    return catalog


def _bar_rows(bars) -> list[tuple]:
    return [(str(b.bar_type), str(b.open), str(b.high), str(b.low), str(b.close), str(b.volume), b.ts_event,
             b.ts_init) for b in bars]


def _nan_same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_plain_okx_files_give_the_okx_ingest_catalog(csv_catalog, okx_catalog):
    ours, theirs = ParquetDataCatalog(str(csv_catalog)), ParquetDataCatalog(str(okx_catalog))
    assert ours.instruments() == theirs.instruments()
    assert _bar_rows(ours.bars()) == _bar_rows(theirs.bars())
    assert len(ours.bars()) == 21_600
    oi_ours, oi_theirs = (_unwrap(c.query(OpenInterest, identifiers=[IID])) for c in (ours, theirs))
    assert len(oi_ours) == len(oi_theirs) == 360
    for a, b in zip(oi_ours, oi_theirs, strict=True):
        assert (a.instrument_id, a.venue, a.ts_event, a.ts_init) == (b.instrument_id, b.venue, b.ts_event, b.ts_init)
        assert a.open_interest_usd == b.open_interest_usd
        assert _nan_same(a.open_interest_contracts, b.open_interest_contracts)
        assert _nan_same(a.open_interest_base, b.open_interest_base)
    f_ours, f_theirs = (_unwrap(c.query(FundingRate, identifiers=[IID])) for c in (ours, theirs))
    assert len(f_ours) == 45
    assert [(f.rate, f.interval_hours, f.next_funding_ns, f.ts_event, f.ts_init) for f in f_ours] == \
        [(f.rate, f.interval_hours, f.next_funding_ns, f.ts_event, f.ts_init) for f in f_theirs]


def test_plot_runs_on_the_csv_catalog(csv_catalog, tmp_path):
    out = tmp_path / "charts"
    proc = run_liqheat("plot", "map", "--catalog", csv_catalog, "--formats", "html", "--out", out, "--name", "m")
    assert proc.returncode == 0, proc.stderr
    assert (out / "m.html").stat().st_size > 10_000


def test_reingest_is_idempotent_and_five_minute_bars_need_their_spec(csv_catalog, tmp_path):
    target = tmp_path / "cat"
    shutil.copytree(csv_catalog, target)
    before = _digest(target)
    files = plain_okx_files(tmp_path / "plain")
    ingest_csv(target, [OKX_SPEC], bars=files["bars"], open_interest=files["oi"], funding=files["funding"])
    assert _digest(target) == before
    five = _write(tmp_path / "bars_5m.csv", ["timestamp", "open", "high", "low", "close", "volume"],
                  ([r["ts"], r["open"], r["high"], r["low"], r["close"], r["volume"]] for r in _okx("ohlcv_5m.csv")))
    summary = ingest_csv(target, [OKX_SPEC], bars=five, bar_spec="5-MINUTE-LAST")
    assert summary.counts == {"Bar": 4321}
    bars = ParquetDataCatalog(str(target)).bars([f"{IID}-5-MINUTE-LAST-EXTERNAL"])
    assert bars[0].ts_event == int(_okx("ohlcv_5m.csv")[0]["ts"]) * 1_000_000 + 5 * MINUTE_NS
    with pytest.raises(IngestError) as info:  # 1-minute rows are not 5-minute bars: the first opens off the grid
        ingest_csv(target, [OKX_SPEC], bars=files["bars"], bar_spec="5-MINUTE-LAST")
    assert (info.value.path, info.value.row, info.value.field) == (str(files["bars"]), 2, "timestamp")
    assert "not on a 5-MINUTE-LAST boundary" in info.value.message
    # 5-minute rows given as 1-minute bars are on the minute grid too: they were stored as minute bars 5 min apart
    before = _digest(target)
    with pytest.raises(IngestError) as info:
        ingest_csv(target, [OKX_SPEC], bars=five, bar_spec="1-MINUTE-LAST")
    assert (info.value.path, info.value.row, info.value.field) == (str(five), 3, "timestamp")
    assert "no two of the 4321 rows are one 1-MINUTE-LAST bar apart (the closest are 5 min apart)" in info.value.message
    assert _digest(target) == before


def test_close_times_with_bar_time_close_give_the_same_bars(csv_catalog, tmp_path):
    # the sample's 1-minute and 5-minute bars with each row's time moved to the bar's close (open + length), as an
    # export stamping candles at their close has them; once in epoch ms, once ISO-8601 (+08:00 as the collector wrote)
    for name, spec, step_ms in (("ohlcv_1m.csv", "1-MINUTE-LAST", 60_000), ("ohlcv_5m.csv", "5-MINUTE-LAST", 300_000)):
        rows = _okx(name)
        opened = _write(tmp_path / f"open_{name}", ["timestamp", "open", "high", "low", "close", "volume"],
                        ([r["ts"], r["open"], r["high"], r["low"], r["close"], r["volume"]] for r in rows))
        closed = _write(tmp_path / f"close_{name}", ["timestamp", "open", "high", "low", "close", "volume"],
                        ([str(int(r["ts"]) + step_ms), r["open"], r["high"], r["low"], r["close"], r["volume"]]
                         for r in rows))
        iso = _write(tmp_path / f"iso_{name}", ["timestamp", "open", "high", "low", "close", "volume"],
                     ([pd.Timestamp(int(r["ts"]) + step_ms, unit="ms", tz="UTC").tz_convert("+08:00").isoformat(),
                       r["open"], r["high"], r["low"], r["close"], r["volume"]] for r in rows))
        bar_type = f"{IID}-{spec}-EXTERNAL"
        ingest_csv(tmp_path / f"open_{spec}", [OKX_SPEC], bars=opened, bar_spec=spec)  # the default: open times
        expected = _bar_rows(ParquetDataCatalog(str(tmp_path / f"open_{spec}")).bars([bar_type]))
        assert len(expected) == len(rows) > 4000
        assert expected[0][6] == int(rows[0]["ts"]) * 1_000_000 + step_ms * 1_000_000
        for source in (closed, iso):
            target = tmp_path / f"{source.stem}_{spec}"
            proc = run_liqheat("catalog", "ingest", "csv", "--catalog", target, "--instrument-spec", OKX_SPEC,
                               "--bars", source, "--bar-spec", spec, "--bar-time", "close")
            assert proc.returncode == 0, proc.stderr
            assert _bar_rows(ParquetDataCatalog(str(target)).bars([bar_type])) == expected
    # the 1-minute bars of the shipped catalog (open times, default) are the same as read from close times
    assert _bar_rows(ParquetDataCatalog(str(csv_catalog)).bars()) == \
        _bar_rows(ParquetDataCatalog(str(tmp_path / "close_ohlcv_1m_1-MINUTE-LAST")).bars())


def test_bar_time_close_refuses_a_close_off_the_grid_and_leaves_the_catalog_unchanged(csv_catalog, tmp_path):
    # Binance's kline close_time is the close minus 1 ms: not the bar's close, refused at the first row
    rows = _okx("ohlcv_1m.csv")
    closed = _write(tmp_path / "close.csv", ["timestamp", "open", "high", "low", "close", "volume"],
                    ([str(int(r["ts"]) + 59_999), r["open"], r["high"], r["low"], r["close"], r["volume"]]
                     for r in rows))
    target = tmp_path / "cat"
    shutil.copytree(csv_catalog, target)
    before = _digest(target)
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", target, "--instrument-spec", OKX_SPEC,
                       "--bars", closed, "--bar-time", "close")
    assert_clean_failure(proc, "ingest failed, catalog unchanged", f"{closed}: line 2: field 'timestamp'",
                         "a bar closing at", "is not on a 1-MINUTE-LAST boundary", "the bar's close")
    assert proc.returncode == 1
    assert _digest(target) == before
    # the same file read as open times (the default) is refused the same way
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", target, "--instrument-spec", OKX_SPEC,
                       "--bars", closed)
    assert_clean_failure(proc, f"{closed}: line 2: field 'timestamp'", "a bar opening at")
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", target, "--instrument-spec", OKX_SPEC,
                       "--bars", closed, "--bar-time", "middle")
    assert proc.returncode == 2 and "--bar-time" in proc.stderr
    assert _digest(target) == before
    with pytest.raises(IngestError) as info:
        ingest_csv(target, [OKX_SPEC], bars=closed, bar_time="middle")
    assert (info.value.path, info.value.field) == (str(closed), "--bar-time")


def _rewrite(path: Path, line: int, column: str, value: str | None = None, swap: bool = False) -> None:
    """Change one cell (``line`` is the physical line, the header being 1) or swap that row with the next."""
    rows = list(csv.reader(path.open(newline="")))
    header = rows[0]
    if swap:
        rows[line - 1], rows[line] = rows[line], rows[line - 1]
    else:
        rows[line - 1][header.index(column)] = value or ""
    _write(path, header, rows[1:])


def _drop_column(path: Path, column: str) -> None:
    df = pd.read_csv(path, dtype=str)
    df.drop(columns=[column]).to_csv(path, index=False)


@pytest.mark.parametrize(
    ("case", "file", "line", "field", "text"),
    [
        ("missing column", "bars", None, "volume", "missing column"),
        ("bad number", "bars", 101, "high", "not a finite number: 'abc'"),
        # named the times as nanosecond counts ("timestamp 1781236800000000000 is earlier than the previous row")
        ("unsorted", "oi", 12, "timestamp", "+00:00 is earlier than the previous row's (2026-06-"),
        ("bad iso time", "oi", 40, "timestamp", "not an ISO-8601 date-time (the file's first row is one): '2026-06-13 "
                                                "25:00"),
        ("funding rate", "funding", 7, "funding_rate", "funding rate must be"),
        ("unknown bar spec", "bars", None, "--bar-spec", "is not a bar specification"),
        # was rounded to the precision without a word (65.725 stored as 65.72), as the Binance archives refuse it
        ("finer price", "bars", 101, "high", "has more decimal places than the instrument's price precision (2; tick "
                                             "0.01): it would be rounded"),
    ],
)
def test_bad_input_names_file_line_and_field_and_leaves_the_catalog_unchanged(csv_catalog, tmp_path, case, file,
                                                                              line, field, text):
    files = plain_okx_files(tmp_path / "plain")
    bar_spec = "1-MINUTE-LAST"
    if case == "missing column":
        _drop_column(files[file], field)
    elif case == "bad number":
        _rewrite(files[file], line, field, "abc")
    elif case == "unsorted":
        _rewrite(files[file], line - 1, field, swap=True)
    elif case == "bad iso time":
        _rewrite(files[file], line, field, "2026-06-13 25:00:00+08:00")
    elif case == "funding rate":
        _rewrite(files[file], line, field, "1.5")
    elif case == "finer price":
        rows = list(csv.reader(files[file].open(newline="")))
        high = float(rows[line - 1][rows[0].index(field)])
        _rewrite(files[file], line, field, f"{high:.2f}5")  # above the high: the bar stays consistent
    else:
        bar_spec = "1-MINUTES-LAST"
    target = tmp_path / "cat"
    shutil.copytree(csv_catalog, target)
    before = _digest(target)
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", target, "--instrument-spec", OKX_SPEC,
                       "--bars", files["bars"], "--bar-spec", bar_spec, "--open-interest", files["oi"],
                       "--funding", files["funding"])
    where = f"{files[file]}: line {line}: field '{field}'" if line else f"{files[file]}: field '{field}'"
    assert_clean_failure(proc, "ingest failed, catalog unchanged", where, text)
    assert proc.returncode == 1
    assert _digest(target) == before
    assert not list(tmp_path.glob("cat.staging-*"))


def test_open_interest_needs_a_figure_column(tmp_path):
    oi = _write(tmp_path / "oi.csv", ["timestamp", "oi"], ([r["ts"], r["oi"]] for r in _okx("open_interest.csv")))
    with pytest.raises(IngestError) as info:
        ingest_csv(tmp_path / "cat", [OKX_SPEC], open_interest=oi)
    assert (info.value.path, info.value.field) == (str(oi), "open_interest_usd")
    assert "one of ['open_interest_usd', 'open_interest_contracts', 'open_interest_base']" in info.value.message
    assert not (tmp_path / "cat").exists()


def test_open_interest_in_base_units_is_valued_at_the_bars_close(tmp_path):
    # the sample's USD figure / the close of the bar ending at the reading = base units; back through the ingest
    bars = {int(r["ts"]) * 1_000_000 + MINUTE_NS: float(r["close"]) for r in _okx("ohlcv_1m.csv")}
    rows = [(r["ts"], repr(float(r["oi_value"]) / bars[int(r["ts"]) * 1_000_000])) for r in _okx("open_interest.csv")
            if int(r["ts"]) * 1_000_000 in bars]
    oi = _write(tmp_path / "oi.csv", ["timestamp", "open_interest_base"], rows)
    files = plain_okx_files(tmp_path / "plain")
    ingest_csv(tmp_path / "cat", [OKX_SPEC], bars=files["bars"], open_interest=oi)
    got = _unwrap(ParquetDataCatalog(str(tmp_path / "cat")).query(OpenInterest, identifiers=[IID]))
    usd = {int(r["ts"]) * 1_000_000: float(r["oi_value"]) for r in _okx("open_interest.csv")}
    assert len(got) == len(rows) > 300
    assert all(o.open_interest_usd == pytest.approx(usd[o.ts_event], rel=1e-12) for o in got)
    with pytest.raises(IngestError) as info:  # without bars nothing prices the base units
        ingest_csv(tmp_path / "cat2", [OKX_SPEC], open_interest=oi)
    assert (info.value.row, info.value.field) == (2, "open_interest_base")
    assert "no USD value and no price" in info.value.message


def test_open_interest_whose_usd_and_units_disagree_is_refused(tmp_path):
    # the OKX sample's `oi` column is USD like `oi_value`; read as contracts (1 SOL each) beside the USD figure it
    # went in silently, and the map, which counts a linear contract's positions in base units, came out about 70
    # times too large (a backtest's top cluster 2.26 B USD on 210 M USD of open interest)
    files = plain_okx_files(tmp_path / "plain")
    rows = [(r["ts"], r["oi"], r["oi_value"]) for r in _okx("open_interest.csv")]
    mislabelled = _write(tmp_path / "oi.csv", ["timestamp", "open_interest_contracts", "open_interest_usd"], rows)
    with pytest.raises(IngestError) as info:
        ingest_csv(tmp_path / "cat", [OKX_SPEC], bars=files["bars"], open_interest=mislabelled)
    assert (info.value.row, info.value.field) == (2, "open_interest_contracts")
    close = {int(r["ts"]) * 1_000_000 + MINUTE_NS: float(r["close"]) for r in _okx("ohlcv_1m.csv")}
    first = _okx("open_interest.csv")[0]
    price = close[int(first["ts"]) * 1_000_000]  # the bar closing at the first reading
    assert f"at 1 per contract x price {price:g}" in info.value.message
    assert f"{float(first['oi']) * price:,.0f} USD" in info.value.message
    assert not (tmp_path / "cat").exists()
    # the same figures in agreement (contracts = USD / that close, to 4 decimals) go in, each kept as given
    agree = [(r["ts"], f"{float(r['oi_value']) / close[int(r['ts']) * 1_000_000]:.4f}", r["oi_value"])
             for r in _okx("open_interest.csv") if int(r["ts"]) * 1_000_000 in close]
    ok = _write(tmp_path / "oi_ok.csv", ["timestamp", "open_interest_contracts", "open_interest_usd"], agree)
    ingest_csv(tmp_path / "cat_ok", [OKX_SPEC], bars=files["bars"], open_interest=ok)
    got = _unwrap(ParquetDataCatalog(str(tmp_path / "cat_ok")).query(OpenInterest, identifiers=[IID]))
    assert len(got) == len(agree) > 300
    assert [o.open_interest_contracts for o in got] == [float(c) for _, c, _ in agree]


# -- trades ------------------------------------------------------------------------------------------------------

AGG = data_file("binance_cm_aggtrades/BTCUSD_PERP-aggTrades-2026-05-08.zip")
WS_TRADES = data_file("binance_um_ws_captures/usdm_btcusdt_20230404.trades.csv")


def _agg_frame() -> pd.DataFrame:
    with zipfile.ZipFile(AGG) as archive, archive.open(archive.namelist()[0]) as fh:
        return pd.read_csv(fh, dtype=str)


def _coin_m_spec(tmp_path: Path) -> Path:
    """An instrument-spec file of BTCUSD-PERP.BINANCE written from Binance's recorded COIN-M exchangeInfo."""
    ((instrument, _),) = resolve_instruments({"BTCUSD-PERP.BINANCE": "BTCUSD_PERP"}, tmp_path / "none",
                                             recorded_instruments()).values()
    path = tmp_path / "btcusd.json"  # the JSON form of an instrument-spec file (TOML needs a writer we lack)
    path.write_bytes(msgspec.json.encode({"perpetual": [spec_of(instrument, "recorded dapi exchangeInfo")]}))
    return path


def test_bars_from_trades_are_the_trades_ohlcv_per_minute(tmp_path):
    df = _agg_frame()
    side = np.where(df["is_buyer_maker"] == "true", "sell", "buy")
    trades = _write(tmp_path / "trades.csv", ["timestamp", "price", "quantity", "side", "trade_id"],
                    zip(df["transact_time"], df["price"], df["quantity"], side, df["agg_trade_id"], strict=True))
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", tmp_path / "cat", "--instrument-spec",
                       _coin_m_spec(tmp_path), "--trades", trades, "--bars-from-trades")
    assert proc.returncode == 0, proc.stderr
    catalog = ParquetDataCatalog(str(tmp_path / "cat"))
    ticks = catalog.query(TradeTick)
    assert len(ticks) == 105_280
    assert (ticks[0].trade_id.value, str(ticks[0].price), str(ticks[0].size)) == ("480537903", "79972.8", "542")
    bars = catalog.bars(["BTCUSD-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"])
    assert len(bars) == 1440  # the whole UTC day
    # independent check: pandas' per-minute OHLCV of the same trades, [open, close), stamped at the close
    t = pd.to_datetime(df["transact_time"].astype("int64"), unit="ms", utc=True)
    price = pd.Series(df["price"].astype(float).to_numpy(), index=t)
    ohlc = price.resample("1min").ohlc()
    volume = pd.Series(df["quantity"].astype(float).to_numpy(), index=t).resample("1min").sum()
    empty = ohlc["open"].isna()
    assert len(ohlc) == 1440 and 0 < empty.sum() < 100  # a few minutes of the COIN-M day have no trade
    last_close = None
    for bar, (opened, row) in zip(bars, ohlc.iterrows(), strict=True):
        assert bar.ts_event == opened.value + MINUTE_NS
        got = tuple(float(str(p)) for p in (bar.open, bar.high, bar.low, bar.close))  # the decimal, not the raw
        if empty[opened]:  # Nautilus' build_with_no_updates: flat at the last price, no volume
            assert got == (last_close,) * 4 and bar.volume.as_double() == 0.0
        else:
            assert got == (row["open"], row["high"], row["low"], row["close"])
            assert float(str(bar.volume)) == volume[opened]
        last_close = got[3]
    assert isinstance(bars[0], Bar)


def test_trades_only_note_and_bad_side(tmp_path):
    df = pd.read_csv(WS_TRADES, dtype=str)
    side = np.where(df["is_buyer_maker"] == "true", "SELL", "Buy")  # any case
    rows = list(zip(df["transact_time"], df["price"], df["quantity"], side, df["trade_id"], strict=True))
    spec = ROOT / "catalog" / "coinglass_btc_4h" / "instrument.toml"
    trades = _write(tmp_path / "trades.csv", ["timestamp", "price", "quantity", "side", "trade_id"], rows)
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", tmp_path / "cat", "--instrument-spec", spec,
                       "--trades", trades)
    assert proc.returncode == 0, proc.stderr
    assert "TradeTick" in proc.stdout and "2,197 rows" in proc.stdout
    assert "add --bars-from-trades" in proc.stderr
    before = _digest(tmp_path / "cat")
    rows[1500] = (*rows[1500][:3], "taker", rows[1500][4])
    _write(trades, ["timestamp", "price", "quantity", "side", "trade_id"], rows)
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", tmp_path / "cat", "--instrument-spec", spec,
                       "--trades", trades, "--bars-from-trades")
    assert_clean_failure(proc, f"{trades}: line 1502: field 'side'", "'taker' is not an aggressor side")
    assert _digest(tmp_path / "cat") == before


def test_bars_from_trades_note_a_day_long_stretch_without_trades(tmp_path):
    # two recordings joined into one file (the user trial joined two Binance websocket captures 20 days apart):
    # the gap became 28,800 flat bars at the last price with volume 0, silently, and `validate` saw gapless bars.
    # Here the REAL 2023-04-04 capture's trades, then the same trades again two days later with new ids (a
    # SYNTHETIC second recording)
    df = pd.read_csv(WS_TRADES, dtype=str)
    side = np.where(df["is_buyer_maker"] == "true", "sell", "buy")
    rows = list(zip(df["transact_time"], df["price"], df["quantity"], side, df["trade_id"], strict=True))
    two_days_ms = 2 * 86_400_000
    later = [(str(int(t) + two_days_ms), p, q, s, f"{i}b") for t, p, q, s, i in rows]
    spec = ROOT / "catalog" / "coinglass_btc_4h" / "instrument.toml"
    header = ["timestamp", "price", "quantity", "side", "trade_id"]
    lines: list[str] = []
    joined = _write(tmp_path / "joined.csv", header, rows + later)
    summary = ingest_csv(tmp_path / "cat", [spec], trades=joined, bars_from_trades=True, log=lines.append)
    # the capture's trades fall in the minutes closing 23:59 and 00:00, so do the copy's two days later: every bar
    # closing in between is flat, two days of minutes less the copy's own two bars
    assert summary.counts == {"TradeTick": 2 * len(rows), "Bar": 2 * 1_440 + 2}
    (note,) = [line for line in lines if "flat" in line]
    assert note.startswith(f"note: {joined}: 2,878 of the 2,882 bars built are flat")
    assert "2,878 in a row, 48.0 h from 2023-04-05 00:00:00+00:00 to 2023-04-06 23:58:00+00:00" in note
    lines.clear()
    alone = _write(tmp_path / "alone.csv", header, rows)  # one recording: no note
    ingest_csv(tmp_path / "cat2", [spec], trades=alone, bars_from_trades=True, log=lines.append)
    assert not [line for line in lines if "flat" in line]


def test_a_trade_id_twice_in_the_file_is_refused(tmp_path):
    # real Binance USD-M trades; a row duplicated right after itself (the same trade counted twice)
    df = pd.read_csv(WS_TRADES, dtype=str)
    side = np.where(df["is_buyer_maker"] == "true", "sell", "buy")
    rows = list(zip(df["transact_time"], df["price"], df["quantity"], side, df["trade_id"], strict=True))
    spec = ROOT / "catalog" / "coinglass_btc_4h" / "instrument.toml"
    header = ["timestamp", "price", "quantity", "side", "trade_id"]
    trades = _write(tmp_path / "trades.csv", header, rows)
    target = tmp_path / "cat"
    assert ingest_csv(target, [spec], trades=trades).counts == {"TradeTick": 2197}
    before = _digest(target)
    _write(trades, header, rows[:1001] + [rows[1000]] + rows[1001:])
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", target, "--instrument-spec", spec,
                       "--trades", trades, "--bars-from-trades")
    assert_clean_failure(proc, "ingest failed, catalog unchanged", f"{trades}: line 1003: field 'trade_id'",
                         f"trade id '{rows[1000][4]}' occurs again, first on line 1002",
                         "a duplicated row would count the same trade twice")
    assert proc.returncode == 1
    assert _digest(target) == before
    assert not list(tmp_path.glob("cat.staging-*"))


def test_a_trade_id_repeated_far_apart_is_found_across_batches(tmp_path):
    # the real COIN-M aggTrades day without a header, read in ~64 KiB batches (about 60 of them): the id of the
    # row on line 100,001 set to the id of line 6 (another trade with the same id)
    df = _agg_frame()
    side = np.where(df["is_buyer_maker"] == "true", "sell", "buy")
    ids = df["agg_trade_id"].to_numpy().copy()
    ids[100_000] = ids[5]
    trades = tmp_path / "trades.csv"
    pd.DataFrame({"t": df["transact_time"], "p": df["price"], "q": df["quantity"], "s": side, "i": ids}).to_csv(
        trades, header=False, index=False)
    spec = _coin_m_spec(tmp_path)
    with pytest.raises(IngestError) as info:
        ingest_csv(tmp_path / "cat", [spec], trades=trades, block_bytes=64 * 1024, chunk_rows=20_000)
    assert (info.value.path, info.value.row, info.value.field) == (str(trades), 100_001, "trade_id")
    assert info.value.message.startswith(f"trade id '{ids[5]}' occurs again, first on line 6")
    assert not (tmp_path / "cat").exists()
    ids[100_000] = df["agg_trade_id"].iloc[100_000]  # the file as it was: accepted
    pd.DataFrame({"t": df["transact_time"], "p": df["price"], "q": df["quantity"], "s": side, "i": ids}).to_csv(
        trades, header=False, index=False)
    summary = ingest_csv(tmp_path / "cat", [spec], trades=trades, block_bytes=64 * 1024, chunk_rows=20_000)
    assert summary.counts == {"TradeTick": 105_280}


@pytest.mark.parametrize("spec", ["0-MINUTE-LAST", "1-MINUTES-LAST", "1-TICK-LAST"])
def test_a_bar_spec_nautilus_cannot_parse_is_one_line_not_an_abort(tmp_path, spec):
    # Nautilus' parser aborts the whole process on a step of 0 or (BarSpecification.from_str) an unknown aggregation
    files = plain_okx_files(tmp_path / "plain")
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", tmp_path / "cat", "--instrument-spec", OKX_SPEC,
                       "--bars", files["bars"], "--bar-spec", spec)
    assert_clean_failure(proc, f"{files['bars']}: field '--bar-spec': '{spec}'")
    assert not (tmp_path / "cat").exists()
    if spec.startswith("0"):  # the shared check (validation.bar_spec) guards the other commands' --bar-spec too
        proc = run_liqheat("plot", "map", "--bar-spec", spec, "--formats", "html", "--out", tmp_path / "charts")
        assert_clean_failure(proc, f"--bar-spec '{spec}' is not a bar specification")


def test_without_a_spec_file_the_instrument_is_named_and_the_error_lists_the_catalogs(csv_catalog, tmp_path):
    # the error said only "no --instrument-spec file was given": not that --instrument picks the catalog's
    # definition, nor which the catalog holds
    files = plain_okx_files(tmp_path / "plain")
    for catalog, expected in ((csv_catalog, f"the catalog defines ['{IID}']"),
                              (tmp_path / "new", "the catalog defines no instrument: give its definition with "
                                                 "--instrument-spec FILE")):
        with pytest.raises(IngestError) as info:
            ingest_csv(catalog, open_interest=files["oi"])
        assert info.value.field == "--instrument-id"
        assert "give the instrument id with --instrument-id" in info.value.message
        assert expected in info.value.message
    before = _digest(csv_catalog)
    ingest_csv(csv_catalog, instrument_id=IID, open_interest=files["oi"])  # from the catalog's definition
    assert _digest(csv_catalog) == before  # the same readings: idempotent


def test_bars_from_trades_alone_names_what_it_needs(tmp_path):
    # said "nothing to ingest: give --bars, --open-interest, ..." although the option was given
    with pytest.raises(IngestError) as info:
        ingest_csv(tmp_path / "cat", [OKX_SPEC], bars_from_trades=True)
    assert info.value.field == "--bars-from-trades" and "needs --trades" in info.value.message
    assert not (tmp_path / "cat").exists()


@pytest.mark.parametrize(("argv", "text"), [
    ([], "nothing to ingest: give --bars, --open-interest, --funding and/or --trades"),
    (["--bars-from-trades"], "--bars-from-trades needs --trades and no --bars"),
    (["--bars-from-trades", "--bars", "b.csv", "--trades", "t.csv"], "--bars-from-trades needs --trades and no --bars"),
])
def test_nothing_to_ingest_is_a_usage_error_before_any_work(tmp_path, capsys, argv, text):
    # exited 1 (bad data) from inside the ingest, though no file is involved: the options alone are wrong
    proc = call_liqheat(capsys, "catalog", "ingest", "csv", "--catalog", tmp_path / "cat", *argv)
    assert_clean_failure(proc, f"ingest failed: {text}")
    assert proc.returncode == 2 and not (tmp_path / "cat").exists()


@pytest.mark.parametrize(("option", "value", "text"), [
    ("--bar-time", "close", "--bar-time close applies to --bars only"),
    ("--bar-spec", "5-MINUTE-LAST", "--bar-spec 5-MINUTE-LAST applies to --bars or --bars-from-trades only"),
    ("--funding-interval-hours", "4", "--funding-interval-hours 4 applies to --funding only"),
])
def test_a_file_option_without_its_file_is_a_usage_error_not_ignored(tmp_path, option, value, text):
    # both were ignored without a word (exit 0, no bars), as if the bars had been written as asked
    files = plain_okx_files(tmp_path / "plain")
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", tmp_path / "cat", "--instrument-spec", OKX_SPEC,
                       "--open-interest", files["oi"], option, value)
    assert_clean_failure(proc, "ingest failed", text)
    assert proc.returncode == 2 and not (tmp_path / "cat").exists()


@pytest.mark.parametrize("hours", ["0", "-1", "inf", "nan", "169"])
def test_a_funding_interval_out_of_range_is_a_usage_error_naming_the_range(tmp_path, hours):
    # 0 and 169 passed the option check and were refused by the ingest: exit 1, as if the file were bad
    files = plain_okx_files(tmp_path / "plain")
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", tmp_path / "cat", "--instrument-spec", OKX_SPEC,
                       "--funding", files["funding"], f"--funding-interval-hours={hours}")
    assert_clean_failure(proc, f"--funding-interval-hours must be a number > 0 and <= 168; got '{hours}'")
    assert proc.returncode == 2 and not (tmp_path / "cat").exists()
    with pytest.raises(IngestError, match="--funding-interval-hours must be a number > 0 and <= 168"):
        ingest_csv(tmp_path / "cat", [OKX_SPEC], funding=files["funding"], funding_interval_hours=float(hours))
    assert not (tmp_path / "cat").exists()


def test_funding_rows_closer_than_the_interval_are_refused_naming_the_first(tmp_path):
    # the real OKX funding settles every 8 h: declared 16-hourly, its rows are closer than the interval and refused
    # (a 4-hourly file ingested with the default 8 h was accepted, and a backtest charged it every 4 h: twice)
    files = plain_okx_files(tmp_path / "plain")
    n_rows = len(_okx("funding_rate.csv"))
    expected = (rf"line 3: field 'timestamp': {n_rows - 1:,} funding row\(s\) follow the previous one by less than "
                r"the funding interval of 16 h \(this one by 8 h\)")
    with pytest.raises(IngestError, match=expected):
        ingest_csv(tmp_path / "cat", [OKX_SPEC], funding=files["funding"], funding_interval_hours=16.0)
    assert not (tmp_path / "cat").exists()
    ingest_csv(tmp_path / "cat", [OKX_SPEC], funding=files["funding"], funding_interval_hours=8.0)  # the venue's
    rates = _unwrap(ParquetDataCatalog(str(tmp_path / "cat")).query(FundingRate))
    assert len(rates) == n_rows and {r.interval_hours for r in rates} == {8.0}


@pytest.mark.parametrize("option", ["--bars", "--open-interest", "--funding", "--trades"])
def test_an_input_file_option_given_twice_is_a_usage_error(tmp_path, capsys, option):
    # argparse kept the last: --trades part1.csv --trades part2.csv ingested part2 alone, exit 0
    from liqheat_nautilus.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["catalog", "ingest", "csv", "--catalog", str(tmp_path / "cat"), "--instrument-spec", str(OKX_SPEC),
              option, "part1.csv", option, "part2.csv"])
    assert stop.value.code == 2
    assert f"{option} given twice (part1.csv, part2.csv): one file per option" in capsys.readouterr().err
    assert not (tmp_path / "cat").exists()


def test_a_missing_binance_instrument_offers_only_the_options_ingest_csv_has(tmp_path):
    # said "Give one with --instrument-spec FILE ... or --exchange-info FILE": an option only the Binance ingests have
    df = pd.read_csv(WS_TRADES, dtype=str)
    side = np.where(df["is_buyer_maker"] == "true", "sell", "buy")
    trades = _write(tmp_path / "trades.csv", ["timestamp", "price", "quantity", "side", "trade_id"],
                    zip(df["transact_time"], df["price"], df["quantity"], side, df["trade_id"], strict=True))
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", tmp_path / "cat", "--instrument-id",
                       "BTCUSDT-PERP.BINANCE", "--trades", trades)
    line = assert_clean_failure(proc, "ingest failed, catalog unchanged", f"{trades}: field 'instrument'",
                                "no instrument definition for ['BTCUSDT-PERP.BINANCE']",
                                "Give one with --instrument-spec FILE")
    assert "--exchange-info" not in line and "--offline" not in line
    assert proc.returncode == 1 and not (tmp_path / "cat").exists()


def _utc_text(ms: str) -> str:
    """Epoch milliseconds as ``2026-06-12 08:00:00.123 UTC`` (as SQL databases and pandas print UTC times)."""
    return pd.Timestamp(int(ms), unit="ms", tz="UTC").strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


def test_times_with_a_trailing_utc_are_read_as_utc(tmp_path):
    # `2026-06-12 08:00:00 UTC` was refused on the first row with "not an ISO-8601 date-time (the file's first row
    # is one)"; pandas reads it unambiguously as UTC: the same rates and trades as from epoch times
    funding = _okx("funding_rate.csv")
    epoch = _write(tmp_path / "funding_ms.csv", ["timestamp", "funding_rate"],
                   ([r["ts"], r["fundingRate"]] for r in funding))
    utc = _write(tmp_path / "funding_utc.csv", ["timestamp", "funding_rate"],
                 ([_utc_text(r["ts"]), r["fundingRate"]] for r in funding))
    assert _utc_text(funding[0]["ts"]).endswith(":00:00.000 UTC")
    ingest_csv(tmp_path / "a", [OKX_SPEC], funding=epoch)
    ingest_csv(tmp_path / "b", [OKX_SPEC], funding=utc)
    assert _digest(tmp_path / "a" / "data") == _digest(tmp_path / "b" / "data")
    df = pd.read_csv(WS_TRADES, dtype=str)
    side = np.where(df["is_buyer_maker"] == "true", "sell", "buy")
    spec = ROOT / "catalog" / "coinglass_btc_4h" / "instrument.toml"
    for name, times in (("ms", df["transact_time"]), ("utc", df["transact_time"].map(_utc_text))):
        trades = _write(tmp_path / f"trades_{name}.csv", ["timestamp", "price", "quantity", "side", "trade_id"],
                        zip(times, df["price"], df["quantity"], side, df["trade_id"], strict=True))
        ingest_csv(tmp_path / f"t_{name}", [spec], trades=trades, block_bytes=16 * 1024)  # several batches
    assert _digest(tmp_path / "t_ms" / "data") == _digest(tmp_path / "t_utc" / "data")


def test_an_unreadable_first_time_names_the_accepted_formats(tmp_path):
    # the first row's time decides the file's kind: a bad one said "(the file's first row is one)" about itself
    funding = _write(tmp_path / "funding.csv", ["timestamp", "funding_rate"],
                     ([pd.Timestamp(int(r["ts"]), unit="ms").strftime("%d/%m/%Y %H:%M"), r["fundingRate"]]
                      for r in _okx("funding_rate.csv")))
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", tmp_path / "cat", "--instrument-spec", OKX_SPEC,
                       "--funding", funding)
    line = assert_clean_failure(proc, "ingest failed, catalog unchanged", f"{funding}: line 2: field 'timestamp': "
                                "not an ISO-8601 date-time: '", "accepted times: epoch integers in seconds, "
                                "milliseconds, microseconds or nanoseconds, or ISO-8601 date-times such as "
                                "2026-06-12T08:00:00Z, 2026-06-12 08:00:00+08:00 or 2026-06-12 08:00:00 UTC")
    assert "first row is one" not in line
    assert proc.returncode == 1 and not (tmp_path / "cat").exists()


def test_an_ingest_says_how_many_existing_rows_it_replaced(tmp_path):
    # two real trades over a catalog of the 2,197 trades of their span replaced 1,000s of rows without a word
    df = pd.read_csv(WS_TRADES, dtype=str)
    side = np.where(df["is_buyer_maker"] == "true", "sell", "buy")
    rows = list(zip(df["transact_time"], df["price"], df["quantity"], side, df["trade_id"], strict=True))
    spec = ROOT / "catalog" / "coinglass_btc_4h" / "instrument.toml"
    header = ["timestamp", "price", "quantity", "side", "trade_id"]
    full = _write(tmp_path / "full.csv", header, rows)
    sparse = _write(tmp_path / "sparse.csv", header, [rows[0], rows[1999]])
    target = tmp_path / "cat"
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", target, "--instrument-spec", spec, "--trades", full)
    assert proc.returncode == 0 and "replaced" not in proc.stderr  # a new catalog: nothing replaced
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", target, "--instrument-spec", spec, "--trades", sparse)
    assert proc.returncode == 0, proc.stderr
    assert "TradeTick              2 rows" in proc.stdout  # the semantics are unchanged: the span is replaced
    kept = sum(1 for r in rows if int(r[0]) > int(rows[1999][0]))
    within = len(rows) - kept  # the trades up to the time of the last sparse one (some share its millisecond)
    assert within > 2000
    assert len(ParquetDataCatalog(str(target)).query(TradeTick)) == 2 + kept
    assert f"catalog {target}: replaced {within:,} existing rows of trade_tick/BTCUSDT-PERP.BINANCE with 2 rows; " \
           f"WARNING: {within - 2:,} more rows were dropped than added: an input replaces everything the catalog " \
           "held for its data type and instrument within its time span" in proc.stderr
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", target, "--instrument-spec", spec, "--trades", full)
    assert proc.returncode == 0, proc.stderr
    replaced = [line for line in proc.stderr.splitlines() if "replaced" in line]
    assert replaced == [f"catalog {target}: replaced {2 + kept:,} existing rows of trade_tick/BTCUSDT-PERP.BINANCE "
                        "with 2,197 rows"]


def test_inverse_open_interest_in_contracts_is_stored_the_same_with_or_without_bars_in_the_command(tmp_path):
    # BTCUSD-PERP (COIN-M, 100 USD a contract): its coin amount is USD / price. With the bars in the same command it
    # was derived, with the bars already in the catalog it was stored NaN, and with no bars at all NaN silently.
    # Bars: the REAL COIN-M aggTrades day, aggregated; open interest: the REAL hourly OKX sample's USD figures as
    # contracts of 100 USD, re-stamped on that day's hours (the COIN-M day has no open-interest file)
    df = _agg_frame()
    side = np.where(df["is_buyer_maker"] == "true", "sell", "buy")
    trades = _write(tmp_path / "trades.csv", ["timestamp", "price", "quantity", "side", "trade_id"],
                    zip(df["transact_time"], df["price"], df["quantity"], side, df["agg_trade_id"], strict=True))
    day = pd.Timestamp("2026-05-08", tz="UTC")
    usd = [float(r["oi_value"]) for r in _okx("open_interest.csv")[:23]]
    oi = _write(tmp_path / "oi.csv", ["timestamp", "open_interest_contracts"],
                (((day + pd.Timedelta(hours=h + 1)).isoformat(), f"{u / 100:.0f}") for h, u in enumerate(usd)))
    spec = _coin_m_spec(tmp_path)

    def ingest(catalog: Path, *args) -> subprocess.CompletedProcess:
        return run_liqheat("catalog", "ingest", "csv", "--catalog", catalog, "--instrument-spec", spec, *args)

    def stored(catalog: Path) -> list[tuple]:
        items = _unwrap(ParquetDataCatalog(str(catalog)).query(OpenInterest))
        return [(o.ts_event, o.open_interest_usd, o.open_interest_contracts, o.open_interest_base) for o in items]

    proc = ingest(tmp_path / "one", "--trades", trades, "--bars-from-trades", "--open-interest", oi)
    assert proc.returncode == 0, proc.stderr
    assert ingest(tmp_path / "two", "--trades", trades, "--bars-from-trades").returncode == 0
    proc = ingest(tmp_path / "two", "--open-interest", oi)
    assert proc.returncode == 0, proc.stderr
    one = stored(tmp_path / "one")
    assert len(one) == 23 and one == stored(tmp_path / "two")
    bars = ParquetDataCatalog(str(tmp_path / "one")).bars()
    close = {b.ts_event: b.close.as_double() for b in bars}
    for ts, usd_value, contracts, base in one:
        assert usd_value == contracts * 100
        assert base == pytest.approx(usd_value / close[ts], rel=1e-12)  # the bar closing at the reading
    proc = ingest(tmp_path / "three", "--open-interest", oi)  # nothing prices the coin amount: refused, not NaN
    assert_clean_failure(proc, "ingest failed, catalog unchanged", f"{oi}: line 2: field 'open_interest_contracts'",
                         "open interest in coin unknown", "give the bars too, or an open_interest_base column")
    assert proc.returncode == 1 and not (tmp_path / "three").exists()


def test_another_instruments_prices_are_refused_before_anything_is_written(csv_catalog, tmp_path):
    # the REAL COIN-M BTC trades (about 80,000) ingested as trades of the SOL catalog (about 66) passed with an
    # off-tick note, and the REAL SOL bars ingested for BTC passed too: only `catalog validate` warned afterwards
    df = _agg_frame()
    side = np.where(df["is_buyer_maker"] == "true", "sell", "buy")
    btc = _write(tmp_path / "btc_trades.csv", ["timestamp", "price", "quantity", "side", "trade_id"],
                 zip(df["transact_time"], df["price"], df["quantity"], side, df["agg_trade_id"], strict=True))
    target = tmp_path / "sol"
    shutil.copytree(csv_catalog, target)
    before = _digest(target)
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", target, "--instrument-spec", OKX_SPEC, "--trades", btc)
    assert_clean_failure(proc, "ingest failed, catalog unchanged", f"{btc}: line 2: field 'price': 79972.8 is ",
                         f"times above the catalog's bar close of {IID} nearest to it",
                         "a price scale far off the instrument's (limit 5 times)",
                         f"If these really are {IID}'s prices, give --no-price-check")
    assert proc.returncode == 1 and _digest(target) == before
    files = plain_okx_files(tmp_path / "plain")  # SOL bars for BTC: refused at the first bar against BTC's trades
    btc_spec = ROOT / "catalog" / "coinglass_btc_4h" / "instrument.toml"  # BTCUSDT-PERP, tick 0.10
    btc_catalog = tmp_path / "btc"
    ingest_csv(btc_catalog, [btc_spec], trades=btc)
    before = _digest(btc_catalog)
    with pytest.raises(IngestError) as info:
        ingest_csv(btc_catalog, [btc_spec], bars=files["bars"])
    assert (info.value.path, info.value.row, info.value.field) == (str(files["bars"]), 2, "close")
    assert "times below the catalog's trade price of BTCUSDT-PERP.BINANCE nearest to it" in info.value.message
    assert _digest(btc_catalog) == before
    # a file that turns into another instrument's half-way is refused at its first such row, also in a new catalog
    rows = list(csv.reader(btc.open(newline="")))
    sol = _okx("ohlcv_1m.csv")
    mixed = _write(tmp_path / "mixed.csv", rows[0], [*rows[1:101], *([r[0], s["close"], *r[2:]] for r, s in
                                                                     zip(rows[101:201], sol, strict=False))])
    with pytest.raises(IngestError) as info:
        ingest_csv(tmp_path / "new", [btc_spec], trades=mixed)
    assert (info.value.row, info.value.field) == (102, "price")
    assert f"below the price on line 101 ({float(rows[100][1])!r})" in info.value.message
    assert not (tmp_path / "new").exists()
    # SOL bars and BTC trades in one command into a new catalog: the trades are checked against the bars just
    # checked (was: each file against the empty catalog only, so both went in)
    with pytest.raises(IngestError) as info:
        ingest_csv(tmp_path / "new", [btc_spec], bars=files["bars"], trades=btc)
    assert (info.value.path, info.value.row, info.value.field) == (str(btc), 2, "price")
    assert "times above the price on line " in info.value.message
    assert f"of {files['bars']} (" in info.value.message and "in the same command" in info.value.message
    assert not (tmp_path / "new").exists()
    # the user says the prices are this instrument's: accepted
    proc = run_liqheat("catalog", "ingest", "csv", "--catalog", target, "--instrument-spec", OKX_SPEC, "--trades", btc,
                       "--no-price-check")
    assert proc.returncode == 0, proc.stderr
    assert "TradeTick" in proc.stdout and "105,280 rows" in proc.stdout


def test_open_interest_of_zero_units_beside_usd_is_refused_not_a_crash(tmp_path):
    # 0 contracts beside a positive USD figure: no ratio to give (it divided by zero), still a refusal naming the line
    files = plain_okx_files(tmp_path / "plain")
    close = {int(r["ts"]) * 1_000_000 + MINUTE_NS: float(r["close"]) for r in _okx("ohlcv_1m.csv")}
    readings = [r for r in _okx("open_interest.csv") if int(r["ts"]) * 1_000_000 in close]
    rows = [(r["ts"], "0" if i == 1 else f"{float(r['oi_value']) / close[int(r['ts']) * 1_000_000]:.4f}",
             r["oi_value"]) for i, r in enumerate(readings)]
    zero = _write(tmp_path / "oi.csv", ["timestamp", "open_interest_contracts", "open_interest_usd"], rows)
    with pytest.raises(IngestError) as info:
        ingest_csv(tmp_path / "cat", [OKX_SPEC], bars=files["bars"], open_interest=zero)
    assert (info.value.row, info.value.field) == (3, "open_interest_contracts")  # the second reading, line 3
    assert "against none" in info.value.message
    assert not (tmp_path / "cat").exists()
