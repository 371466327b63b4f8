"""Binance archive ingest on small SYNTHETIC files in the documented klines/metrics/trades layouts."""

import pytest
from nautilus_trader.model.data import Bar, TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.adapters.binance.loaders import ingest_binance_files
from liqheat_nautilus.data import LongShortRatio, OpenInterest, TakerVolume
from liqheat_nautilus.persistence.errors import IngestError
from tests.adapters.binance.archive_files import recorded_instruments, snapshot, write_archive

T0 = 1_712_707_200_000  # 2024-04-10 00:00 UTC (ms)
M = 60_000
RECORDED = recorded_instruments()


def _kline(i, o, h, lo, c, v=1.5, unit=1):
    """A SYNTHETIC kline row (timestamps in ms, or us when unit=1000)."""
    t = (T0 + i * M) * unit
    return [t, o, h, lo, c, v, t + (M - 1) * unit, v * c, 12, v / 2, v * c / 2, 0]


SYNTHETIC_KLINES = [_kline(0, 70000.0, 70010.5, 69990.0, 70005.1), _kline(1, 70005.1, 70020.0, 70001.0, 70019.9),
                    _kline(2, 70019.9, 70019.9, 69950.2, 69960.0, v=0.0)]


def _bars(catalog):
    return ParquetDataCatalog(str(catalog)).query(Bar)


def test_coarser_klines_keep_the_finer_taker_volume(tmp_path):
    # was: a 5-minute file replaced the 1-minute TakerVolume of its span (3 rows -> 1), without a word
    five = [[T0, 70000.0, 70020.0, 69950.2, 69960.0, 3.0, T0 + 5 * M - 1, 3.0 * 69960.0, 36, 1.5, 1.5 * 69960.0, 0]]
    one = write_archive(tmp_path / "src", "BTCUSDT-1m-2024-04-10", SYNTHETIC_KLINES)
    coarse = write_archive(tmp_path / "src", "BTCUSDT-5m-2024-04-10", five)  # SYNTHETIC
    notes: list[str] = []
    for name, runs in (("later", [[one], [coarse]]), ("same_command", [[one, coarse]])):
        for paths in runs:
            summary = ingest_binance_files(paths, tmp_path / name, instruments=RECORDED, log=notes.append)
        taker = [d.data for d in ParquetDataCatalog(str(tmp_path / name)).query(TakerVolume)]
        assert [t.period_secs for t in taker] == [60, 60, 60]
        assert summary.counts["Bar BTCUSDT-PERP.BINANCE-5-MINUTE-LAST-EXTERNAL"] == 1  # the bars are written
        assert summary.counts.get("TakerVolume BTCUSDT-PERP.BINANCE", 0) == (3 if name == "same_command" else 0)
        assert any(f"{coarse}: its taker volume is not written" in n and "1-MINUTE-LAST bars" in n for n in notes)
        notes.clear()
    summary = ingest_binance_files([coarse], tmp_path / "coarse_only", instruments=RECORDED)
    assert summary.counts["TakerVolume BTCUSDT-PERP.BINANCE"] == 1  # alone, a coarser file gives taker volume


def test_summary_counts_the_rows_kept_when_files_repeat_or_overlap(tmp_path):
    # was 6 and 6 + 3: the rows of a file given twice, or of a daily file under its monthly one, counted twice
    daily = write_archive(tmp_path / "src", "BTCUSDT-1m-2024-04-10", SYNTHETIC_KLINES[:2])
    monthly = write_archive(tmp_path / "src", "BTCUSDT-1m-2024-04", SYNTHETIC_KLINES)  # SYNTHETIC, the same rows
    key = "Bar BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"
    for name, paths, rows in (("twice", [daily, daily], 2), ("overlap", [daily, monthly], 3)):
        summary = ingest_binance_files(paths, tmp_path / name, instruments=RECORDED)
        assert len(_bars(tmp_path / name)) == rows
        assert summary.counts[key] == summary.counts["TakerVolume BTCUSDT-PERP.BINANCE"] == rows


@pytest.mark.parametrize(("header", "as_zip", "unit"), [(True, True, 1), (False, True, 1), (True, False, 1000)])
def test_klines_with_or_without_header_ms_or_us(tmp_path, header, as_zip, unit):
    rows = [_kline(i, *r[1:6], unit=unit) for i, r in enumerate(SYNTHETIC_KLINES)]
    path = write_archive(tmp_path / "src", "BTCUSDT-1m-2024-04-10", rows, header=header, as_zip=as_zip)
    summary = ingest_binance_files([path], tmp_path / "cat", instruments=RECORDED)
    assert summary.counts == {"Bar BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL": 3,
                              "TakerVolume BTCUSDT-PERP.BINANCE": 3}
    bars = _bars(tmp_path / "cat")
    assert [b.ts_event for b in bars] == [(T0 + (i + 1) * M) * 1_000_000 for i in range(3)]  # at the close
    assert [(str(b.open), str(b.high), str(b.low), str(b.close), str(b.volume)) for b in bars] == [
        ("70000.00", "70010.50", "69990.00", "70005.10", "1.500"),
        ("70005.10", "70020.00", "70001.00", "70019.90", "1.500"),
        ("70019.90", "70019.90", "69950.20", "69960.00", "0.000"),
    ]


def test_klines_taker_volume_usd_m_and_coin_m(tmp_path):
    # SYNTHETIC klines: USD-M quote_volume = v x close, taker_buy_quote_volume = a third of it; COIN-M volume 40
    # contracts, taker_buy_volume 10 contracts (and its "quote" columns in BTC, which must not be used)
    um = [[T0, 100.0, 101.0, 99.0, 100.5, 3.0, T0 + M - 1, 301.5, 7, 1.0, 100.5, 0]]
    cm = [[T0, 70000.0, 70010.0, 69990.0, 70001.0, 40, T0 + M - 1, 0.05714, 7, 10, 0.01428, 0]]
    paths = [write_archive(tmp_path / "src", "BTCUSDT-1m-2024-04-10", um),
             write_archive(tmp_path / "src", "BTCUSD_PERP-1m-2024-04-10", cm)]
    summary = ingest_binance_files(paths, tmp_path / "cat", instruments=RECORDED)
    assert summary.counts["TakerVolume BTCUSD-PERP.BINANCE"] == 1
    rows = {v.instrument_id.value: v for v in (d.data for d in ParquetDataCatalog(str(tmp_path / "cat"))
                                               .query(TakerVolume))}
    usdm, coinm = rows["BTCUSDT-PERP.BINANCE"], rows["BTCUSD-PERP.BINANCE"]
    assert (usdm.buy_usd, usdm.sell_usd, usdm.period_secs, usdm.ts_event) == (100.5, 201.0, 60, (T0 + M) * 1_000_000)
    assert (coinm.buy_usd, coinm.sell_usd) == (1_000.0, 3_000.0)  # 10 and 30 contracts x 100 USD
    bad = write_archive(tmp_path / "src", "BTCUSDT-1m-2024-04-11", [[*um[0][:9], 1.0, 400.0, 0]])
    with pytest.raises(IngestError) as caught:
        ingest_binance_files([bad], tmp_path / "cat", instruments=RECORDED)
    assert (caught.value.row, caught.value.field) == (2, "taker_buy_quote_volume")
    assert "exceeds the bar's volume" in caught.value.message


def test_metrics_long_short_ratios(tmp_path):
    # SYNTHETIC metrics: the 4 ratio columns are count_toptrader, sum_toptrader, count (all accounts), taker vol
    path = write_archive(tmp_path / "src", "BTCUSDT-metrics-2024-04-10", [
        ["2024-04-10 00:00:00", "BTCUSDT", "80000.5", "5600035000.0", "1.1", "1.2", "1.3", "0.9"],
        ["2024-04-10 00:05:00", "BTCUSDT", "80010.0", "5601400000.0", "", "", "", ""],
        ["2024-04-10 00:10:00", "BTCUSDT", "80020.0", "5602800000.0", "", "", "2.5", ""],
    ])
    summary = ingest_binance_files([path], tmp_path / "cat", instruments=RECORDED)
    assert summary.counts["LongShortRatio BTCUSDT-PERP.BINANCE"] == 4
    rows = [d.data for d in ParquetDataCatalog(str(tmp_path / "cat")).query(LongShortRatio)]
    assert [(r.ts_event // 1_000_000 - T0, r.kind, r.ratio, r.period_secs) for r in rows] == [
        (0, "top_trader_positions", 1.2, 300), (0, "top_trader_accounts", 1.1, 300), (0, "accounts", 1.3, 300),
        (10 * M, "accounts", 2.5, 300),
    ]
    for cell, column in (("0", "count_long_short_ratio"), ("x", "sum_taker_long_short_vol_ratio")):
        row = ["2024-04-10 00:15:00", "BTCUSDT", "1", "1", "1", "1", "1", "1"]
        row[6 if column == "count_long_short_ratio" else 7] = cell
        bad = write_archive(tmp_path / "src", "BTCUSDT-metrics-2024-04-11", [row])
        with pytest.raises(IngestError) as caught:
            ingest_binance_files([bad], tmp_path / "cat", instruments=RECORDED)
        assert (caught.value.row, caught.value.field) == (2, column)


def test_metrics_row_of_another_symbol_names_it_plainly(tmp_path):
    # was "field 'symbol': np.str_('ETHUSDT') is not BTCUSDT" (numpy's repr in the message)
    path = write_archive(tmp_path / "src", "BTCUSDT-metrics-2024-04-10", [  # SYNTHETIC
        ["2024-04-10 00:00:00", "ETHUSDT", "80000.5", "5600035000.0", "1.1", "1.2", "1.3", "0.9"]])
    with pytest.raises(IngestError) as caught:
        ingest_binance_files([path], tmp_path / "cat", instruments=RECORDED)
    assert (caught.value.row, caught.value.field) == (2, "symbol")
    assert "'ETHUSDT' is not BTCUSDT" in str(caught.value) and "np." not in str(caught.value)


def test_metrics_usd_m_and_coin_m(tmp_path):
    # SYNTHETIC metrics rows: create_time, symbol, sum_open_interest, sum_open_interest_value, 4 ratio columns
    um = write_archive(tmp_path / "src", "BTCUSDT-metrics-2024-04-10", [
        ["2024-04-10 00:00:00", "BTCUSDT", "80000.5", "5600035000.0", "1.1", "1.2", "1.3", "0.9"],
        ["2024-04-10 00:05:00", "BTCUSDT", "80010.0", "5601400000.0", "", "", "", ""],  # blank ratios are fine
    ])
    cm = write_archive(tmp_path / "src", "BTCUSD_PERP-metrics-2024-04-10", [
        ["2024-04-10 00:00:00", "BTCUSD_PERP", "1000000", "1428.57142857", "1", "1", "1", "1"],
    ], as_zip=False)
    ingest_binance_files([um, cm], tmp_path / "cat", instruments=RECORDED)
    oi = [d.data for d in ParquetDataCatalog(str(tmp_path / "cat")).query(OpenInterest)]
    by_id = {(o.instrument_id.value, o.ts_event): o for o in oi}
    first = by_id[("BTCUSDT-PERP.BINANCE", T0 * 1_000_000)]
    assert (first.open_interest_usd, first.open_interest_base, first.venue) == (5_600_035_000.0, 80_000.5, "BINANCE")
    assert by_id[("BTCUSDT-PERP.BINANCE", (T0 + 5 * M) * 1_000_000)].open_interest_usd == 5_601_400_000.0
    coin = by_id[("BTCUSD-PERP.BINANCE", T0 * 1_000_000)]
    # COIN-M: sum_open_interest is contracts of 100 USD; sum_open_interest_value is BTC
    assert (coin.open_interest_contracts, coin.open_interest_usd, coin.open_interest_base) == \
        (1_000_000.0, 100_000_000.0, 1428.57142857)


def test_trades_file(tmp_path):
    # SYNTHETIC trades rows: id, price, qty, quote_qty, time, is_buyer_maker
    path = write_archive(tmp_path / "src", "BTCUSDT-trades-2024-04-10", [
        [11, "70000.1", "0.010", "700.001", T0, "true"],
        [12, "70000.2", "0.250", "17500.05", T0, "false"],
        [13, "69999.9", "1.000", "69999.9", T0 + 5, "True"],
    ], header=False)
    ingest_binance_files([path], tmp_path / "cat", instruments=RECORDED)
    ticks = ParquetDataCatalog(str(tmp_path / "cat")).query(TradeTick)
    assert [(t.trade_id.value, str(t.price), str(t.size), t.aggressor_side) for t in ticks] == [
        ("11", "70000.10", "0.010", AggressorSide.SELLER),
        ("12", "70000.20", "0.250", AggressorSide.BUYER),
        ("13", "69999.90", "1.000", AggressorSide.SELLER),
    ]


def test_prices_off_the_tick_are_kept_and_counted_finer_ones_refused(tmp_path):
    # was: 70000.05 (BTCUSDT's tick is 0.10) went in without a word, and 70000.123 was stored rounded to 70000.12
    rows = [_kline(0, 70000.0, 70010.55, 69990.0, 70005.1), _kline(1, 70005.1, 70020.0, 70001.0, 70019.9),
            _kline(2, 70019.9, 70019.9, 69950.25, 69960.05)]  # SYNTHETIC, 3 prices off the 0.10 tick
    path = write_archive(tmp_path / "src", "BTCUSDT-1m-2024-04-10", rows)
    notes: list[str] = []
    # (verify=False: these archives have no .CHECKSUM, whose note is not the one looked at here)
    ingest_binance_files([path], tmp_path / "cat", instruments=RECORDED, log=notes.append, verify=False)
    bars = _bars(tmp_path / "cat")
    assert [str(bars[0].high), str(bars[2].low), str(bars[2].close)] == ["70010.55", "69950.25", "69960.05"]
    assert notes == [f"{path}: 3 prices are off the instrument's tick 0.10 (first: line 2, field 'high': 70010.55), "
                     "kept as they are at its precision (2 decimal places): the venue's tick may have been finer "
                     "when the file was written"]
    notes.clear()
    ingest_binance_files([write_archive(tmp_path / "src", "BTCUSDT-1m-2024-04-11", [
        [r[0] + 86_400_000, *r[1:6], r[6] + 86_400_000, *r[7:]] for r in SYNTHETIC_KLINES])],
        tmp_path / "cat", instruments=RECORDED, log=notes.append, verify=False)
    assert notes == []  # on the tick: no note
    before = snapshot(tmp_path / "cat")
    finer = write_archive(tmp_path / "src", "BTCUSDT-trades-2024-04-10", [
        [11, "70000.1", "0.010", "700.001", T0, "true"], [12, "70000.123", "0.250", "17500.03", T0, "false"]])
    with pytest.raises(IngestError) as caught:
        ingest_binance_files([finer], tmp_path / "cat", instruments=RECORDED)
    assert (caught.value.path, caught.value.row, caught.value.field) == (str(finer), 3, "price")
    assert "70000.123 has more decimal places than the instrument's price precision (2; tick 0.10)" in str(caught.value)
    assert snapshot(tmp_path / "cat") == before
    # a trade quantity finer than the size precision (BTCUSDT: 3 decimals) was stored rounded: 0.0105 -> 0.010
    finer = write_archive(tmp_path / "src", "BTCUSDT-trades-2024-04-10", [
        [11, "70000.1", "0.010", "700.001", T0, "true"], [12, "70000.2", "0.0105", "735.0021", T0, "false"]])
    with pytest.raises(IngestError) as caught:
        ingest_binance_files([finer], tmp_path / "cat", instruments=RECORDED)
    assert (caught.value.path, caught.value.row, caught.value.field) == (str(finer), 3, "qty")
    assert "0.0105 has more decimal places than the instrument's size precision (3; size increment 0.001)" in str(
        caught.value)
    assert snapshot(tmp_path / "cat") == before


@pytest.mark.parametrize(("row", "line", "field", "message"), [
    (_kline(2, 70019.9, "abc", 69950.2, 69960.0), 4, "high", "cannot read 'abc'"),
    (_kline(2, 70019.9, 69000.0, 69950.2, 69960.0), 4, "high", "inconsistent bar"),
    (_kline(2, -1.0, 70019.9, 69950.2, 69960.0), 4, "open", "not a finite positive"),
    (_kline(0, 70019.9, 70019.9, 69950.2, 69960.0), 4, "open_time", "earlier than the previous"),
    (_kline(2, 70019.9, 70019.9, 69950.2, 69960.0)[:11], 4, None, "expected 12 fields, found 11"),
])
def test_malformed_row_names_line_and_field_and_leaves_catalog(tmp_path, row, line, field, message):
    good = write_archive(tmp_path / "src", "BTCUSDT-1m-2024-04-09", [
        [r[0] - 86_400_000, *r[1:6], r[6] - 86_400_000, *r[7:]] for r in SYNTHETIC_KLINES])
    ingest_binance_files([good], tmp_path / "cat", instruments=RECORDED)
    before = snapshot(tmp_path / "cat")
    bad = write_archive(tmp_path / "src", "BTCUSDT-1m-2024-04-10", SYNTHETIC_KLINES[:2] + [row])
    with pytest.raises(IngestError) as caught:
        ingest_binance_files([bad], tmp_path / "cat", instruments=RECORDED)
    error = caught.value
    assert (error.path, error.row, error.field) == (str(bad), line, field)
    assert message in error.message
    assert snapshot(tmp_path / "cat") == before
    assert not list(tmp_path.glob("*.staging-*"))


def test_error_in_a_later_batch_has_the_right_line(tmp_path):
    rows = [_kline(i, 70000.0, 70001.0, 69999.0, 70000.0) for i in range(2000)]
    rows[1500] = _kline(1500, 70000.0, 70001.0, 69999.0, 0.0)
    path = write_archive(tmp_path / "src", "BTCUSDT-1m-2024-04-10", rows)
    with pytest.raises(IngestError) as caught:
        ingest_binance_files([path], tmp_path / "cat", block_bytes=16_384, instruments=RECORDED)  # small batches
    assert (caught.value.row, caught.value.field) == (1502, "close")  # header + 1-based


@pytest.mark.parametrize("header", [True, False])
def test_blank_lines_keep_the_physical_line_numbers(tmp_path, header):
    # was: blank lines were skipped without a word and a later error named a line too early by their number
    path = write_archive(tmp_path / "src", "BTCUSDT-1m-2024-04-10", SYNTHETIC_KLINES, header=header, as_zip=False)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines[:-1], "", "", lines[-1], "", ""]) + "\n")  # SYNTHETIC: blank lines added
    with pytest.raises(IngestError) as caught:
        ingest_binance_files([path], tmp_path / "cat", instruments=RECORDED)
    assert (caught.value.path, caught.value.row) == (str(path), len(lines))  # the first blank line
    assert "blank line" in caught.value.message
    assert not (tmp_path / "cat").exists()
    path.write_text("\n".join([*lines, "", ""]) + "\n")  # blank lines only at the end: ingested
    summary = ingest_binance_files([path], tmp_path / "cat", instruments=RECORDED)
    assert summary.counts["Bar BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"] == len(SYNTHETIC_KLINES)


def test_bad_header_checksum_name_and_symbol(tmp_path):
    src = tmp_path / "src"
    path = write_archive(src, "BTCUSDT-fundingRate-2024-04", [[T0, 8, "0.0001"]], checksum=True)
    ingest_binance_files([path], tmp_path / "cat", instruments=RECORDED)  # a matching CHECKSUM passes
    (src / f"{path.name}.CHECKSUM").write_text("0" * 64 + f"  {path.name}\n")
    with pytest.raises(IngestError, match="does not match"):
        ingest_binance_files([path], tmp_path / "cat", instruments=RECORDED)
    renamed = write_archive(src, "BTCUSDT-fundingRate-2024-05", [[T0, 8, "0.0001"]])
    target = renamed.with_name("funding.zip")
    renamed.rename(target)
    with pytest.raises(IngestError, match="data.binance.vision name"):
        ingest_binance_files([target], tmp_path / "cat", instruments=RECORDED)
    summary = ingest_binance_files([target], tmp_path / "cat", instrument_id="BTCUSDT-PERP.BINANCE",
                                   kind="fundingRate", instruments=RECORDED)
    assert summary.counts == {"FundingRate BTCUSDT-PERP.BINANCE": 1}
    header = src / "BTCUSDT-fundingRate-2024-06.csv"
    header.write_text("calc_time,interval,last_funding_rate\n1712707200000,8,0.0001\n")
    with pytest.raises(IngestError) as caught:
        ingest_binance_files([header], tmp_path / "cat", instruments=RECORDED)
    assert (caught.value.row, caught.value.field) == (1, "interval")
    unknown = write_archive(src, "SOLUSDT-fundingRate-2024-04", [[T0, 8, "0.0001"]])
    before = snapshot(tmp_path / "cat")
    with pytest.raises(IngestError, match=r"no instrument definition for \['SOLUSDT-PERP.BINANCE'\]") as caught:
        ingest_binance_files([unknown], tmp_path / "cat", instruments=RECORDED)
    assert "--instrument-spec FILE" in str(caught.value)
    assert snapshot(tmp_path / "cat") == before


def test_a_missing_file_is_named_before_any_instrument_lookup(tmp_path, monkeypatch):
    # a well-named but missing file went to the instrument look-up first: offline the error was "no instrument
    # definition", online it asked Binance before saying the file did not exist
    import liqheat_nautilus.adapters.common.providers as providers

    monkeypatch.setattr(providers, "online_instruments", lambda *a, **k: pytest.fail("asked the venue"))
    missing = tmp_path / "BTCUSDT-1m-2024-04-10.zip"
    with pytest.raises(IngestError, match=r"BTCUSDT-1m-2024-04-10\.zip: file not found$"):
        ingest_binance_files([missing], tmp_path / "cat")
    folder = tmp_path / "BTCUSDT-1m-2024-04-11.zip"
    folder.mkdir()
    with pytest.raises(IngestError, match=r"BTCUSDT-1m-2024-04-11\.zip: is a folder, not a file$"):
        ingest_binance_files([folder], tmp_path / "cat")
    assert not (tmp_path / "cat").exists()


def test_an_undefined_instrument_is_named_with_its_own_file(tmp_path):
    """SYNTHETIC funding rows: of two files, the one whose instrument no source defines is the one named."""
    src = tmp_path / "src"
    known = write_archive(src, "BTCUSDT-fundingRate-2024-04", [[T0, 8, "0.0001"]])
    unknown = write_archive(src, "SOLUSDT-fundingRate-2024-04", [[T0, 8, "0.0001"]])
    for order in ([known, unknown], [unknown, known]):
        with pytest.raises(IngestError, match=r"no instrument definition for \['SOLUSDT-PERP.BINANCE'\]") as caught:
            ingest_binance_files(order, tmp_path / "cat", instruments=RECORDED)
        assert caught.value.path == str(unknown)  # was the first file given, BTCUSDT's, in the first order


def _metrics_times(tmp_path, name: str, times: list[str]) -> list[int]:
    """Ingest SYNTHETIC metrics rows at ``times`` (create_time text); return the OpenInterest ts_event (ns)."""
    rows = [[t, "BTCUSDT", "80000.5", "5600035000.0", "1.1", "1.2", "1.3", "0.9"] for t in times]
    path = write_archive(tmp_path / "src", f"BTCUSDT-metrics-{name}", rows)
    ingest_binance_files([path], tmp_path / name, instruments=RECORDED)
    return [d.data.ts_event for d in ParquetDataCatalog(str(tmp_path / name)).query(OpenInterest)]


_T0_NS, _T1_NS = T0 * 1_000_000, (T0 + 5 * M) * 1_000_000  # 2024-04-10 00:00 and 00:05 UTC


@pytest.mark.parametrize(("times", "expected"), [
    (["2024-04-10 00:00:00", "2024-04-10 00:05:00"], [_T0_NS, _T1_NS]),  # the archive's own form
    (["2024-04-10T00:00:00Z", "2024-04-10T00:05:00Z"], [_T0_NS, _T1_NS]),
    (["2024-04-10T08:00:00+08:00", "2024-04-10 08:05:00+08:00"], [_T0_NS, _T1_NS]),
    (["2024-04-10 00:00:00.000", "2024-04-10 00:05:00.250"], [_T0_NS, _T1_NS + 250_000_000]),
    (["2024-04-10", "2024-04-10 00:05"], [_T0_NS, _T1_NS]),
    ([str(T0 // 1000), str((T0 + 5 * M) // 1000)], [_T0_NS, _T1_NS]),  # epoch s
    ([str(T0), str(T0 + 5 * M)], [_T0_NS, _T1_NS]),  # epoch ms
    ([str(T0 * 1000), str((T0 + 5 * M) * 1000 + 7)], [_T0_NS, _T1_NS + 7000]),  # epoch us
    ([str(_T0_NS), str(_T1_NS + 3)], [_T0_NS, _T1_NS + 3]),  # epoch ns (19 digits)
], ids=["archive", "iso-z", "iso-offset", "iso-fraction", "iso-date-minute", "s", "ms", "us", "ns"])
def test_metrics_create_time_forms(tmp_path, times, expected):
    # SYNTHETIC rows: every create_time form is read as the other files' time columns are (text_times_ns)
    assert _metrics_times(tmp_path, "2024-04-10", times) == expected


@pytest.mark.parametrize(("times", "text"), [
    (["2024-04-10 00:00:00", "2024-04-10 25:00:00"], "not an ISO-8601 date-time (the file's first row is one): "
                                                     "'2024-04-10 25:00:00'"),
    (["2024-04-10 00:00:00", str(T0 + 5 * M)], "not an ISO-8601 date-time"),
    ([str(T0), "2024-04-10 00:05:00"], "not a whole-number epoch timestamp (the file's first row is one): "
                                       "'2024-04-10 00:05:00'"),
    ([str(T0), str(T0 + 5 * M) + "0" * 10], "not a whole-number epoch timestamp"),  # 23 digits
    ([str(T0), str((T0 + 5 * M) * 1000)], "outside 2009-01-01"),  # a row in another unit
    (["2024-04-10 00:00:00", "2124-04-10 00:05:00"], "outside 2009-01-01"),
], ids=["bad-iso", "epoch-in-iso-file", "iso-in-epoch-file", "too-long", "other-unit", "future"])
def test_metrics_bad_create_time_names_file_line_and_field(tmp_path, times, text):
    rows = [[t, "BTCUSDT", "80000.5", "5600035000.0", "1.1", "1.2", "1.3", "0.9"] for t in times]  # SYNTHETIC
    path = write_archive(tmp_path / "src", "BTCUSDT-metrics-2024-04-10", rows)
    with pytest.raises(IngestError) as caught:
        ingest_binance_files([path], tmp_path / "cat", instruments=RECORDED)
    assert (caught.value.path, caught.value.row, caught.value.field) == (str(path), 3, "create_time")
    assert text in caught.value.message
    assert not (tmp_path / "cat").exists()
