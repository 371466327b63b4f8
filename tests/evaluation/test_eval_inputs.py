"""CSV readers of ``liqheat evaluate``: the shipped real Coinglass set and errors on bad SYNTHETIC files."""

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from liqheat_nautilus.evaluation.coinglass import read_coinglass_dir
from liqheat_nautilus.evaluation.csv_inputs import read_bars_csv, read_liquidations_csv, read_observations_csv
from liqheat_nautilus.persistence.errors import IngestError
from tests.data_files import data_file

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "catalog" / "coinglass_btc_4h"
ORIGINALS = data_file("coinglass_btc_4h/SHA256SUMS")  # SHA-256 of the originals in the project's data set
H = 3_600_000_000_000


def _ns(iso: str) -> int:
    return int(np.datetime64(iso, "ns").astype(np.int64))


def test_shipped_coinglass_set_reads_with_documented_alignment():
    d = read_coinglass_dir(SHIPPED)
    liq = d.liquidations
    assert len(liq) == 543 and len(d.open_interest) == 543 and len(d.funding) == 543 and len(d.bars) == 3024
    assert liq.start_ns[0] == _ns("2025-10-06T12:00") and liq.end_ns[0] == _ns("2025-10-06T16:00")
    # the crash window of 2025-10-10 20:00 (row 28 of the file): 235.6 M USD of longs
    crash = int(np.flatnonzero(liq.start_ns == _ns("2025-10-10T20:00"))[0])
    assert liq.long_usd[crash] == pytest.approx(235_601_000, rel=1e-3)
    # OI "close" of the 12:00 bar (95,255,789,756 USD) is observed at the bar's end, 16:00
    assert d.open_interest.ts_ns[0] == _ns("2025-10-06T16:00")
    assert d.open_interest.value[0] == 95_255_789_756.0
    # funding in percent -> fraction: 0.004664 % = 4.664e-5
    assert d.funding.value[0] == pytest.approx(4.664e-5)
    # taker volume of the 12:00 window (3,162,186,379 buy) is fed at the window's end
    assert d.taker is not None and len(d.taker) == 543
    assert d.taker.ts_ns[0] == _ns("2025-10-06T16:00")
    assert d.taker.buy_usd[0] == pytest.approx(3_162_186_379.2651)
    # bars stamped by open time, closing one hour later
    assert d.bars.open_ns[0] == _ns("2025-09-01T00:00") and d.bars.close_ns[0] == _ns("2025-09-01T01:00")


def test_the_report_label_names_the_folders_instrument_not_always_btc(tmp_path):
    assert read_coinglass_dir(SHIPPED).source == "Coinglass BTC 4h (catalog/coinglass_btc_4h)"
    folder = tmp_path / "eth"
    shutil.copytree(SHIPPED, folder)
    spec = folder / "instrument.toml"
    text = spec.read_text().replace("BTCUSDT", "ETHUSDT")
    spec.write_text(text.replace('base = "BTC"', 'base = "ETH"'))
    assert read_coinglass_dir(folder).source == f"Coinglass ETH 4h ({folder})"  # was "Coinglass BTC 4h"
    spec.unlink()
    assert read_coinglass_dir(folder).source == f"Coinglass 4h ({folder})"
    spec.write_text("[[perpetual]]\ninstrument_id = 1\n")
    with pytest.raises(IngestError, match="instrument.toml"):
        read_coinglass_dir(folder)


def test_shipped_files_are_byte_identical_to_the_originals():
    expected = dict(reversed(line.split("  ", 1)) for line in ORIGINALS.read_text().splitlines())
    assert sorted(expected) == sorted(p.name for p in SHIPPED.glob("*.csv"))
    for name, digest in expected.items():
        assert hashlib.sha256((SHIPPED / name).read_bytes()).hexdigest() == digest, name


def test_bad_value_names_file_line_and_field(tmp_path):
    path = tmp_path / "liq.csv"
    path.write_text("timestamp,long_usd,short_usd\n2025-01-01T00:00,1,2\n2025-01-01T04:00,abc,2\n")
    with pytest.raises(IngestError) as info:
        read_liquidations_csv(path)
    assert info.value.row == 3 and info.value.field == "long_usd"
    assert str(path) in str(info.value)


def test_a_blank_line_between_rows_is_named_not_skipped(tmp_path):
    # SYNTHETIC. was: pandas skipped the blank line 3 and the bad value of line 5 was reported at line 4
    path, first = tmp_path / "liq.csv", "timestamp,long_usd,short_usd\n2025-01-01T00:00,1,2\n"
    cases = {"\n2025-01-01T04:00,1,2\n2025-01-01T08:00,abc,2\n": (3, None, "blank line between the rows"),
             "2025-01-01T04:00,abc,2\n\n\n": (3, "long_usd", "abc")}  # blank lines at the end are accepted
    for rest, (line, field, said) in cases.items():
        path.write_text(first + rest)
        with pytest.raises(IngestError, match=said) as info:
            read_liquidations_csv(path)
        assert (info.value.row, info.value.field) == (line, field)


def test_negative_liquidation_and_decreasing_time_are_rejected(tmp_path):
    neg = tmp_path / "neg.csv"
    neg.write_text("timestamp,long_usd,short_usd\n2025-01-01T00:00,1,2\n2025-01-01T04:00,1,-2\n")
    with pytest.raises(IngestError, match="negative") as info:
        read_liquidations_csv(neg)
    assert info.value.row == 3 and info.value.field == "short_usd"
    back = tmp_path / "back.csv"
    back.write_text("timestamp,oi_usd\n2025-01-01T04:00,10\n2025-01-01T00:00,11\n")
    with pytest.raises(IngestError, match="earlier") as info:
        read_observations_csv(back, "oi_usd")
    assert info.value.row == 3 and info.value.field == "timestamp"


def test_missing_column_and_inconsistent_bar(tmp_path):
    bad = tmp_path / "bars.csv"
    bad.write_text("timestamp,open,high,low,close\n1700000000000,1,2,0.5,1\n")
    with pytest.raises(IngestError, match="missing column") as info:
        read_bars_csv(bad)
    assert info.value.field == "volume"
    inconsistent = tmp_path / "bars2.csv"
    inconsistent.write_text("timestamp,open,high,low,close,volume\n"
                            "1700000000000,1,2,0.5,1,3\n1700003600000,1,0.9,0.5,1,3\n")
    with pytest.raises(IngestError) as info:
        read_bars_csv(inconsistent)
    assert info.value.row == 3 and info.value.field == "high"


def test_millisecond_timestamps_and_inferred_bar_length(tmp_path):
    path = tmp_path / "bars.csv"
    path.write_text("timestamp,open,high,low,close,volume\n"
                    "1700000000000,1,2,0.5,1,3\n1700000300000,1,2,0.5,1,3\n1700000600000,1,2,0.5,1,3\n")
    bars = read_bars_csv(path)
    assert bars.open_ns[0] == 1_700_000_000_000_000_000
    assert (bars.close_ns - bars.open_ns).tolist() == [300_000_000_000] * 3  # 5-minute bars


@pytest.mark.parametrize("scale", [1, 1_000, 1_000_000, 1_000_000_000], ids=["s", "ms", "us", "ns"])
def test_epoch_timestamps_in_any_unit_read_as_the_same_windows(tmp_path, scale):
    # SYNTHETIC windows; the same times written in seconds, milliseconds, microseconds and nanoseconds
    path = tmp_path / "liq.csv"
    path.write_text("timestamp,long_usd,short_usd\n"
                    + "".join(f"{(1_759_766_400 + 14_400 * i) * scale},1,2\n" for i in range(3)))
    liq = read_liquidations_csv(path)
    assert liq.start_ns[0] == _ns("2025-10-06T16:00") and liq.end_ns[0] - liq.start_ns[0] == 4 * H


def test_a_row_in_another_epoch_unit_names_its_line(tmp_path):
    # SYNTHETIC: first row in seconds, the second in milliseconds (a merged file)
    path = tmp_path / "liq.csv"
    path.write_text("timestamp,long_usd,short_usd\n1759766400,1,2\n1759780800000,1,2\n")
    with pytest.raises(IngestError, match=r"file's unit \(s") as info:
        read_liquidations_csv(path)
    assert info.value.row == 3 and info.value.field == "timestamp"
