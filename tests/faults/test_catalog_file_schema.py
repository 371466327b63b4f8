"""Catalog files that older versions or hand edits left behind and that Nautilus reads silently wrong: a custom-data
file without a column of its class (a backtest got no data and exited 0), and bars at another price precision than
the instrument's definition (the backtest stopped mid-run with a traceback). ``liqheat catalog validate``, ``liqheat
catalog info`` and ``liqheat backtest`` (its pre-run check) name the file and what is wrong, and exit non-zero.

Inputs: a copy of the real OKX sample's catalog (``okx_catalog``) with one Parquet file rewritten by pyarrow.
"""

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.cli_run import assert_clean_failure, run_liqheat

IID = "SOL-USDT-SWAP.OKX"
BARS = f"bar/{IID}-1-MINUTE-LAST-EXTERNAL"


def copy_of(okx_catalog: Path, tmp_path: Path) -> Path:
    """A copy of the real OKX catalog (the session fixture stays pristine)."""
    return Path(shutil.copytree(okx_catalog, tmp_path / "catalog"))


def only_file(catalog: Path, stream: str) -> Path:
    """The one Parquet file of ``data/<stream>/`` (the fixture writes each stream as one file)."""
    (path,) = (catalog / "data" / stream).glob("*.parquet")
    return path


def drop_column(path: Path, column: str) -> None:
    """Rewrite a Parquet file without one column."""
    table = pq.read_table(path)
    assert column in table.column_names
    pq.write_table(table.drop_columns([column]), path)


def set_price_precision(path: Path, precision: int) -> None:
    """Rewrite a bar file with another ``price_precision`` in its Parquet metadata (as older versions wrote)."""
    table = pq.read_table(path)
    metadata = dict(table.schema.metadata)
    assert metadata[b"price_precision"] != str(precision).encode()
    pq.write_table(table.replace_schema_metadata({**metadata, b"price_precision": str(precision).encode()}), path)


MISSING = {
    # stream, column dropped
    "oi_instrument_id": (f"custom_open_interest/{IID}", "instrument_id"),
    "long_short_ratio": (f"custom_long_short_ratio/{IID}", "ratio"),
    "taker_volume_instrument_id": (f"custom_taker_volume/{IID}", "instrument_id"),
}


@pytest.mark.parametrize("case", MISSING)
def test_validate_and_info_name_a_file_missing_a_column_of_its_class(okx_catalog, tmp_path, case):
    stream, column = MISSING[case]
    catalog = copy_of(okx_catalog, tmp_path)
    path = only_file(catalog, stream)
    drop_column(path, column)
    proc = run_liqheat("catalog", "validate", "--catalog", catalog)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors = [line for line in proc.stdout.splitlines() if line.strip().startswith("ERROR")]
    assert len(errors) == 1, proc.stdout
    assert "missing-columns" in errors[0] and str(path) in errors[0], errors[0]
    assert f"missing column(s) {column} of " in errors[0]
    assert_clean_failure(run_liqheat("catalog", "info", "--catalog", catalog), "info failed", str(path),
                         f"missing column(s) {column} of ")


def test_backtest_refuses_open_interest_without_instrument_id(okx_catalog, tmp_path):
    # used to exit 0 with no trades: Nautilus read the rows without their instrument and the map never updated
    catalog = copy_of(okx_catalog, tmp_path)
    path = only_file(catalog, f"custom_open_interest/{IID}")
    drop_column(path, "instrument_id")
    proc = run_liqheat("backtest", "--catalog", catalog, "--no-progress", "--results-dir", tmp_path / "results")
    assert_clean_failure(proc, "backtest failed", str(path), "missing column(s) instrument_id of OpenInterest")
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())


def test_validate_and_backtest_refuse_bars_at_another_precision_than_the_instrument(okx_catalog, tmp_path):
    # used to pass validate, and the backtest stopped mid-run with a traceback ("bar.open.precision=3 did not match")
    catalog = copy_of(okx_catalog, tmp_path)
    path = only_file(catalog, BARS)
    set_price_precision(path, 3)
    expected = (str(path), "holds prices with 3 and sizes with 2 decimals", f"{IID}'s definition has 2 and 2",
                "Re-ingest")
    proc = run_liqheat("catalog", "validate", "--catalog", catalog)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors = [line for line in proc.stdout.splitlines() if line.strip().startswith("ERROR")]
    assert len(errors) == 1 and "precision" in errors[0], proc.stdout
    for text in expected:
        assert text in errors[0], (text, errors[0])
    proc = run_liqheat("backtest", "--catalog", catalog, "--no-progress", "--results-dir", tmp_path / "results")
    assert_clean_failure(proc, "backtest failed", *expected)


def test_the_unchanged_catalog_passes_the_same_checks(okx_catalog, tmp_path):
    # the checks above flag the rewritten file, not the fixture: the same copy rewritten without a change passes
    catalog = copy_of(okx_catalog, tmp_path)
    for path in (only_file(catalog, BARS), only_file(catalog, f"custom_open_interest/{IID}")):
        table = pq.read_table(path)
        pq.write_table(table, path)
    proc = run_liqheat("catalog", "validate", "--catalog", catalog)
    assert proc.returncode == 0 and "ERROR" not in proc.stdout, proc.stdout + proc.stderr
    assert run_liqheat("catalog", "info", "--catalog", catalog).returncode == 0
