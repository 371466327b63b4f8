"""Generic file-input helpers: timestamp units by magnitude, ``.CHECKSUM`` sidecars (data.binance.vision format) and
prices on an instrument's precision and tick."""

import hashlib

import numpy as np
import pytest

from liqheat_nautilus.persistence.checks import (
    UniqueIds,
    decimals_needed,
    finer_than_precision,
    off_increment,
    too_many_decimals,
)
from liqheat_nautilus.persistence.checksum import verify_checksum
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.timestamps import EpochUnit, detect_unit

# 2024-04-10 00:00:00 UTC in each unit
T_S = 1_712_707_200


@pytest.mark.parametrize(("value", "unit"), [(T_S, "s"), (T_S * 1000, "ms"), (T_S * 10**6 + 1, "us"),
                                             (T_S * 10**9 + 7, "ns")])
def test_unit_by_magnitude_per_file(value, unit):
    assert detect_unit(value)[0] == unit
    reader = EpochUnit("f.csv")
    got = reader.to_ns(np.array([value, value + 1]), first_line=2, field="ts")
    scale = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}[unit]
    assert got.tolist() == [value * scale, (value + 1) * scale]
    assert reader.name == unit


def test_ms_and_us_files():
    # 2026-05-08 00:00:00.020 UTC in ms; 2025-01-01 00:00:00.000001 UTC in us (spot files from 2025 on)
    assert EpochUnit("a").to_ns(np.array([1_778_198_400_020]), 1, "t").tolist() == [1_778_198_400_020_000_000]
    assert EpochUnit("b").to_ns(np.array([1_735_689_600_000_001]), 1, "t").tolist() == [1_735_689_600_000_001_000]


@pytest.mark.parametrize(("values", "line", "text"), [
    ([T_S * 1000, T_S], 3, "1970-01-20"),  # a row in seconds inside a millisecond file
    ([T_S * 1000, 5 * 10**12], 3, "2128-06"),  # a row far in the future
    ([T_S * 1000, 10**16], 3, "beyond the year 2262"),  # beyond what int64 nanoseconds can hold
    ([5], 2, "is no time in 2009-01-01"),  # no unit fits the first row
    ([1_230_768_000 * 1000 - 1], 2, "is no time"),  # 2008-12-31T23:59:59.999 in ms, or 2008 in any unit
    ([T_S * 10**9, 2**63 - 1], 3, "2262"),  # int64 ns maximum: year 2262, outside the window
])
def test_times_outside_2009_to_tomorrow_name_the_line(values, line, text):
    with pytest.raises(IngestError) as caught:
        EpochUnit("x.csv").to_ns(np.array(values, dtype=np.int64), first_line=2, field="open_time")
    assert (caught.value.path, caught.value.row, caught.value.field) == ("x.csv", line, "open_time")
    assert text in str(caught.value)


def test_checksum(tmp_path):
    path = tmp_path / "X-aggTrades-2024-01-01.zip"
    path.write_bytes(b"archive bytes")
    assert verify_checksum(path) is False  # no sidecar
    sidecar = tmp_path / "X-aggTrades-2024-01-01.zip.CHECKSUM"
    sidecar.write_text(f"{hashlib.sha256(b'archive bytes').hexdigest()}  {path.name}\n")
    assert verify_checksum(path) is True
    path.write_bytes(b"archive bytez")
    with pytest.raises(IngestError, match="does not match"):
        verify_checksum(path)
    sidecar.write_text("garbage\n")
    with pytest.raises(IngestError, match="not a sha256 checksum line"):
        verify_checksum(path)


@pytest.mark.parametrize(("text", "precision", "tick", "finer", "off"), [
    ("70000.1", 2, 0.1, False, False),  # read as 70000.100000000006: float noise, not a third decimal
    ("70000.05", 2, 0.1, False, True),  # at the precision, off a 0.10 tick (BTCUSDT's today; 0.01 in the past)
    ("70000.123", 2, 0.1, True, None),
    ("0.162345", 6, 0.00001, False, True),  # DOGEUSDT: precision 6, tick 0.000010
    ("0.16234", 6, 0.00001, False, False),
    ("0.1623451", 6, 0.00001, True, None),
    ("16000000000.5", 1, 0.5, False, False),  # near PRICE_MAX
    ("3.3", 1, 0.1, False, False),
])
def test_prices_finer_than_the_precision_or_off_the_tick(text, precision, tick, finer, off):
    values = np.array([1.0, float(text)])  # the first is on every grid here
    assert finer_than_precision(values, precision) == (1 if finer else None)
    if off is not None:
        assert off_increment(values, precision, tick).tolist() == [False, off]


@pytest.mark.parametrize(("texts", "precision", "needed"), [
    (["46810.75", "46811", "46810.5"], 0, 2),
    (["70000.1", "70000.123", "70000.12"], 2, 3),  # 70000.1 is float noise at 2 places, not a decimal
    (["0.1623451", "0.16234512"], 6, 8),
    (["1.5", "0.1234567890123"], 0, None),  # more than MAX_DECIMALS (12)
])
def test_decimals_needed_is_the_fewest_that_hold_every_value(texts, precision, needed):
    values = np.array([float(t) for t in texts])
    assert decimals_needed(values, precision) == needed


def test_the_refusal_counts_the_finer_values_and_names_the_increment_that_fits_them():
    # a file's close column with 0.25-tick prices, checked against an instrument ticking in whole dollars
    close = np.array([46810.0, 46810.75, 46811.0, 46810.5, 46812.0])
    pos, message = too_many_decimals(close, 0, "price", "1")
    assert pos == 1 and message.startswith("46810.75 has more decimal places than the instrument's price precision "
                                           "(0; tick 1): it would be rounded; 2 of the 5 values checked have more "
                                           "(a price_increment of 0.01 or finer fits them)")
    # the other price columns of the same file must fit too: the increment is the one that fits them all
    every = np.concatenate([close, [46809.125, 46813.0]])
    assert "3 of the 7 values checked have more (a price_increment of 0.001 or finer" in too_many_decimals(
        close, 0, "price", "1", every)[1]
    _, message = too_many_decimals(np.array([0.010, 0.0105]), 3, "quantity", "0.001")
    assert "1 of the 2 values checked have more (a size_increment of 0.0001 or finer fits them)" in message
    assert too_many_decimals(close, 2, "price", "0.01") is None


def test_unique_ids_across_batches_and_hash_collisions(monkeypatch):
    # synthetic ids: three batches; "b7" of line 12 repeats line 3 across batches
    batches = [(2, ["a1", "b7", "c3"]), (5, ["d4", "e5", "f6", "g7"]), (9, ["h8", "i9", "b7", "j0"])]
    check = UniqueIds("t.csv", "trade_id", "trade id", "twice")
    for _, ids in batches:
        check.add(ids)
    with pytest.raises(IngestError) as info:
        check.check(lambda: iter(batches))
    assert (info.value.path, info.value.row, info.value.field) == ("t.csv", 11, "trade_id")
    assert info.value.message == "trade id 'b7' occurs again, first on line 3: twice"
    unique = UniqueIds("t.csv", "trade_id")
    for _, ids in batches[:2]:
        unique.add(ids)
    unique.check(lambda: pytest.fail("no equal hashes: the file is not read again"))
    # a hash collision of two different ids is no error: a coarse hash (the length) makes every id collide
    monkeypatch.setattr(UniqueIds, "_hash", staticmethod(lambda ids: np.array([len(i) for i in ids], np.uint64)))
    collide = UniqueIds("t.csv", "trade_id")
    for _, ids in batches[:2]:
        collide.add(ids)
    reread = []
    collide.check(lambda: reread.append(1) or iter(batches[:2]))
    assert reread == [1]
    collide = UniqueIds("t.csv", "trade_id")
    for _, ids in batches:
        collide.add(ids)
    with pytest.raises(IngestError, match="'b7' occurs again, first on line 3") as info:
        collide.check(lambda: iter(batches))
    assert info.value.row == 11
