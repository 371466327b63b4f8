"""Regression tests of the catalog write path (issue "nothing is ever lost", points 1-5), in this process.

Real data: the OKX sample and Binance files of tests/data; small SYNTHETIC kline files where labelled.
"""

import json
import os

import pytest
from filelock import FileLock

from liqheat_nautilus.adapters.binance.loaders import ingest_binance_files
from liqheat_nautilus.adapters.common.providers import InstrumentSources
from liqheat_nautilus.adapters.okx.loaders import ingest_okx_sample
from liqheat_nautilus.paths import sample_dir
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.transaction import (
    JOURNAL_NAME,
    check_target,
    consistent_read,
    control_dir,
    generation,
    recover,
)
from tests.adapters.binance.archive_files import recorded_instruments, write_archive
from tests.faults import scenario as sc

OKX = InstrumentSources.offline()  # the sample folder's instrument.toml
BINANCE = recorded_instruments()  # Binance's recorded exchangeInfo, no network
DAY_MS = 86_400_000
T0 = 1_712_707_200_000  # 2024-04-10 00:00 UTC


def _day_of_klines(folder, day: int):
    """A SYNTHETIC daily 1-minute kline file of 60 bars for 2024-04-(10 + day)."""
    start = T0 + day * DAY_MS
    rows = [[start + i * 60_000, 70000.0, 70001.0, 69999.0, 70000.5, 1.0, start + i * 60_000 + 59_999, 70000.0, 3,
             0.5, 35000.0, 0] for i in range(60)]
    return write_archive(folder, f"BTCUSDT-1m-2024-04-{10 + day:02d}", rows)


def test_okx_ingest_adds_to_another_venues_catalog(tmp_path):
    catalog = tmp_path / "cat"
    ingest_binance_files([sc.FUNDING_MONTH], catalog, instruments=BINANCE, log=None)
    binance = sc.committed(catalog)
    ingest_okx_sample(sample_dir(), catalog, instruments=OKX, log=None)
    after = sc.committed(catalog)
    assert {k: v for k, v in after.items() if k in binance} == binance  # every Binance byte kept
    assert any("SOL-USDT-SWAP.OKX" in k for k in after)


def test_identical_reingest_commits_nothing(tmp_path):
    catalog = tmp_path / "cat"
    ingest_okx_sample(sample_dir(), catalog, instruments=OKX, log=None)
    files, gen = sc.committed(catalog), generation(catalog)
    ingest_okx_sample(sample_dir(), catalog, instruments=OKX, log=None)
    assert sc.committed(catalog) == files and generation(catalog) == gen == 1


@pytest.mark.parametrize("file", ["funding_rate.csv", "open_interest.csv"])
def test_okx_file_without_rows_fails_before_anything_is_committed(tmp_path, file):
    catalog = tmp_path / "cat"
    ingest_okx_sample(sample_dir(), catalog, instruments=OKX, log=None)
    before = sc.committed(catalog)
    source = tmp_path / "src"
    source.mkdir()
    for name in ("ohlcv_1m.csv", "open_interest.csv", "funding_rate.csv"):
        lines = (sample_dir() / name).read_text().splitlines()
        (source / name).write_text("\n".join(lines[:1] if name == file else lines) + "\n")
    with pytest.raises(IngestError, match="no data rows"):
        ingest_okx_sample(source, catalog, instruments=OKX, log=None)
    assert sc.committed(catalog) == before


def test_appending_a_day_touches_no_committed_file(tmp_path):
    catalog = tmp_path / "cat"
    days = [_day_of_klines(tmp_path / "src", d) for d in range(3)]
    ingest_binance_files(days, catalog, instruments=BINANCE, log=None)
    stats = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (catalog / "data").rglob("*.parquet")}
    siblings = sorted(p.name for p in tmp_path.iterdir())
    ingest_binance_files([_day_of_klines(tmp_path / "src", 3)], catalog, instruments=BINANCE, log=None)
    now = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (catalog / "data").rglob("*.parquet")}
    assert {p: now[p] for p in stats} == stats  # not copied, rewritten nor moved
    assert len(now) == len(stats) + 2  # the new day's files only: its bars and its taker volume
    assert sorted(p.name for p in tmp_path.iterdir()) == siblings  # no staging copy beside the catalog


def test_leftovers_of_an_uncommitted_write_are_removed_on_the_next_open(tmp_path):
    catalog = tmp_path / "cat"
    ingest_okx_sample(sample_dir(), catalog, instruments=OKX, log=None)
    before = sc.committed(catalog)
    scratch = control_dir(catalog) / "tx-dead" / "w0" / "data" / "bar"
    scratch.mkdir(parents=True)
    (scratch / "x.parquet").write_bytes(b"half written")
    (control_dir(catalog) / "journal.json.tmp").write_text("{")
    (catalog / ".scratch").mkdir()  # the scratch folder of liqheat before the journal
    assert "rolled back" in recover(catalog)
    assert sc.committed(catalog) == before
    assert sorted(p.name for p in control_dir(catalog).iterdir()) == ["catalog.json", "write.lock"]
    assert not (catalog / ".scratch").exists()


def test_a_journal_is_applied_once_and_again_harmlessly(tmp_path):
    catalog = tmp_path / "cat"
    ingest_okx_sample(sample_dir(), catalog, instruments=OKX, log=None)
    old = next((catalog / "data" / "custom_funding_rate").rglob("*.parquet"))
    staged = control_dir(catalog) / "tx-t1" / "w0" / old.name
    staged.parent.mkdir(parents=True)
    staged.write_bytes(old.read_bytes() + b"")  # a replacement with the same content
    journal = {"txid": "t1", "adds": [[staged.relative_to(catalog).as_posix(), old.relative_to(catalog).as_posix()]],
               "removes": [[old.relative_to(catalog).as_posix(), ".liqheat/tx-t1/trash/0"]]}
    (control_dir(catalog) / JOURNAL_NAME).write_text(json.dumps(journal))
    gen = generation(catalog)
    assert "rolled forward" in recover(catalog)
    assert old.is_file() and generation(catalog) == gen + 1
    assert recover(catalog) == ""  # nothing left to do


@pytest.mark.parametrize(("layout", "ok"), [
    ({}, True),  # empty folder
    ({".liqheat/write.lock": ""}, True),  # only our control folder
    ({"data/bar/X/a.parquet": "x"}, True),  # a catalog
    ({"data/readme.txt": "x"}, False),  # data/ holding a file: not a catalog
    ({"prices.csv": "x"}, False),
])
def test_which_folders_may_receive_a_catalog(tmp_path, layout, ok):
    target = tmp_path / "t"
    target.mkdir()
    for rel, text in layout.items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_text(text)
    if ok:
        assert check_target(target) == target
    else:
        with pytest.raises(IngestError, match="is not a liqheat/Nautilus catalog"):
            check_target(target)


def test_a_catalog_moved_aside_by_an_older_version_is_pointed_out(tmp_path):
    (tmp_path / "cat.old-123-abcd" / "data").mkdir(parents=True)
    with pytest.raises(IngestError, match=r"cat.old-123-abcd holds a catalog .* rename it back to cat"):
        check_target(tmp_path / "cat")


def test_a_reader_reports_a_commit_that_never_finishes(tmp_path):
    catalog = tmp_path / "cat"
    ingest_okx_sample(sample_dir(), catalog, instruments=OKX, log=None)
    (control_dir(catalog) / JOURNAL_NAME).write_text(json.dumps({"txid": "x", "adds": [], "removes": []}))
    lock = FileLock(str(control_dir(catalog) / "write.lock"), thread_local=False)
    with lock, pytest.raises(IngestError, match="kept changing the catalog"):  # a writer applying it forever
        consistent_read(catalog, lambda: 1, timeout=0.3)
    assert consistent_read(catalog, lambda: 2) == 2  # the writer is gone: the reader finishes the commit
    assert not (control_dir(catalog) / JOURNAL_NAME).exists()


def test_a_failed_first_write_leaves_no_folder(tmp_path):
    bad = tmp_path / "BTCUSDT-fundingRate-2024-04.csv"
    bad.write_text("calc_time,funding_interval_hours,last_funding_rate\n")
    with pytest.raises(IngestError):
        ingest_binance_files([bad], tmp_path / "new" / "cat", instruments=BINANCE, log=None)
    assert sorted(os.listdir(tmp_path)) == ["BTCUSDT-fundingRate-2024-04.csv"]
