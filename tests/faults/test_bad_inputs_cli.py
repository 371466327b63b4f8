"""Bad inputs of ``liqheat catalog`` and ``liqheat plot``, run as a user runs them: the real CLI in a subprocess ends
with a non-zero exit, no traceback and no process abort, one stderr line naming the file, line and field (or the
option and its valid values), and the catalog and the user's files keep every byte. Option checks that stop before
any data is read run ``main`` in this process (an exception would fail the test).

Inputs: copies of the real OKX sample (``catalog/okx_sol_usdt_swap_2026-06``) and of the real Binance files in
``tests/data`` with one value changed, and small SYNTHETIC files in the documented data.binance.vision layouts
(labelled where they are written).
"""

import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.adapters.common.providers import InstrumentSources
from liqheat_nautilus.adapters.okx.loaders import ingest_okx_sample
from liqheat_nautilus.paths import sample_dir
from tests.cli_run import CLI_CODE, ROOT, assert_clean_failure, call_liqheat, run_liqheat
from tests.faults import scenario as sc

T_S = 1_712_707_200  # 2024-04-10 00:00:00 UTC in seconds
KLINE_HEADER = ("open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
                "taker_buy_quote_volume,ignore")
AGG_HEADER = "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker"
FUNDING_HEADER = "calc_time,funding_interval_hours,last_funding_rate"
METRICS_HEADER = ("create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,"
                  "sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def okx_base(tmp_path_factory) -> Path:
    """A catalog holding the real OKX sample."""
    path = tmp_path_factory.mktemp("okx") / "catalog"
    ingest_okx_sample(sample_dir(), path, instruments=InstrumentSources.offline(), log=None)
    return path


@pytest.fixture
def catalog(okx_base, tmp_path) -> Path:
    """A fresh copy of the OKX catalog."""
    return sc.copy_catalog(okx_base, tmp_path / "cat")


def kline(t: int, scale: int = 1000, price: str = "70000.0") -> str:
    """A SYNTHETIC kline row opening at ``t`` seconds, its times in ``scale`` units per second."""
    return f"{t * scale},{price},{price},{price},{price},1.5,{(t + 59) * scale},100,12,0.7,50,0"


def write_text(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def okx_source(tmp_path: Path, file: str | None = None, edit=None) -> Path:
    """A copy of the real OKX sample; ``edit(lines) -> lines`` changes one of its files."""
    source = tmp_path / "src"
    shutil.copytree(sample_dir(), source)
    if file is not None:
        path = source / file
        path.write_text("\n".join(edit(path.read_text().splitlines())) + "\n")
    return source


def replace_field(line: str, index: int, value: str) -> str:
    parts = line.split(",")
    parts[index] = value
    return ",".join(parts)


# -- liqheat catalog ingest okx ------------------------------------------------------------------------------


def test_okx_ingest_refuses_a_folder_of_user_files(tmp_path):
    user = write_text(tmp_path / "user" / "positions.csv", ["a,b", "1,2"]).parent
    before = tree(user)
    proc = run_liqheat("catalog", "ingest", "okx", "--offline", "--catalog", user)
    assert_clean_failure(proc, "ingest failed, catalog unchanged", "'--catalog'", "is not a liqheat/Nautilus catalog",
                         "positions.csv")
    assert tree(user) == before


def test_okx_ingest_refuses_its_own_source_folder(tmp_path):
    source = okx_source(tmp_path)
    before = tree(source)
    proc = run_liqheat("catalog", "ingest", "okx", "--offline", "--source", source, "--catalog", source)
    assert_clean_failure(proc, "the catalog folder is the same as (or holds) the input")
    assert tree(source) == before
    # a catalog inside the source folder was accepted: the write added folders to the source data
    proc = run_liqheat("catalog", "ingest", "okx", "--offline", "--source", source, "--catalog", source / "sub")
    assert_clean_failure(proc, f"the catalog folder lies inside the input folder {source}")
    assert tree(source) == before


def test_okx_ingest_refuses_a_file_path(tmp_path):
    file = write_text(tmp_path / "notes.txt", ["keep me"])
    proc = run_liqheat("catalog", "ingest", "okx", "--offline", "--catalog", file)
    assert_clean_failure(proc, "notes.txt", "is a file, not a catalog folder")
    assert file.read_text() == "keep me\n" and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("file", ["funding_rate.csv", "open_interest.csv", "ohlcv_1m.csv"])
def test_okx_file_with_a_header_and_no_rows_leaves_the_catalog(tmp_path, catalog, file):
    source = okx_source(tmp_path, file, lambda lines: lines[:1])
    before = tree(catalog)
    proc = run_liqheat("catalog", "ingest", "okx", "--offline", "--source", source, "--catalog", catalog)
    assert_clean_failure(proc, f"{file}: line 2: no data rows")
    assert tree(catalog) == before


OKX_ROW_CASES = {
    # file, line, edit of that line, expected texts
    "ts_in_seconds": ("ohlcv_1m.csv", 5, lambda row: replace_field(row, 0, row.split(",")[0][:-3]),
                      ["ohlcv_1m.csv: line 5: field 'ts'", "1970-01-21", "outside 2009-01-01"]),
    "ts_not_whole": ("ohlcv_1m.csv", 3, lambda row: replace_field(row, 0, "1781191500000.5"),
                     ["line 3: field 'ts'", "not a whole-number epoch timestamp"]),
    "price_rounds_to_zero": ("ohlcv_1m.csv", 7, lambda row: ",".join([row.split(",")[0], "0.001", "0.001", "0.001",
                                                                     "0.001", *row.split(",")[5:]]),
                             ["line 7: field 'open'", "rounds to 0 at the instrument's price precision (2"]),
    "price_beyond_nautilus": ("ohlcv_1m.csv", 4, lambda row: ",".join([row.split(",")[0], "1e20", "1e20", "1e20",
                                                                      "1e20", *row.split(",")[5:]]),
                              ["line 4: field 'open'", "above the largest price Nautilus can hold"]),
    "oi_1e300": ("open_interest.csv", 9, lambda row: replace_field(row, 2, "1e300"),
                 ["open_interest.csv: line 9: field 'oi_value'", "above the largest accepted value 1e+13"]),
    "funding_500_pct": ("funding_rate.csv", 4, lambda row: replace_field(row, 1, "5"),
                        ["funding_rate.csv: line 4: field 'fundingRate'", "within +-1"]),
    "one_megabyte_line": ("ohlcv_1m.csv", 6, lambda row: row + "9" * 1_000_000,
                          ["ohlcv_1m.csv: line 6: line longer than 65,536 bytes"]),
}


@pytest.mark.parametrize("case", list(OKX_ROW_CASES))
def test_okx_bad_row_names_file_line_field_and_leaves_the_catalog(tmp_path, catalog, case):
    file, line, edit, expected = OKX_ROW_CASES[case]

    def change(lines: list[str]) -> list[str]:
        lines[line - 1] = edit(lines[line - 1])
        return lines

    source = okx_source(tmp_path, file, change)
    before = tree(catalog)
    proc = run_liqheat("catalog", "ingest", "okx", "--offline", "--source", source, "--catalog", catalog)
    assert_clean_failure(proc, "ingest failed, catalog unchanged", *expected)
    assert tree(catalog) == before


@pytest.mark.parametrize(("args", "expected"), [
    (["--instrument", "BTC-USDT-SWAP.OKX"], ["field 'instrument'", "no instrument definition for ['BTC-USDT-SWAP.OKX']",
                                             "--instrument-spec FILE"]),
    (["--source", "no-such-folder"], ["'--source'", "source folder not found"]),
    (["--lock-timeout", "soon"], ["--lock-timeout must be a number >= 0", "'soon'"]),
])
def test_okx_bad_options(catalog, capsys, args, expected):
    before = tree(catalog)
    proc = call_liqheat(capsys, "catalog", "ingest", "okx", "--offline", "--catalog", catalog, *args)
    assert_clean_failure(proc, *expected)
    assert tree(catalog) == before


# -- liqheat catalog ingest binance ----------------------------------------------------------------------------


def _bad_crc(tmp_path: Path) -> Path:
    path = tmp_path / "BTCUSDT-fundingRate-2026-04.zip"
    data = bytearray(sc.FUNDING_MONTH.read_bytes())
    data[200] ^= 0xFF  # inside the compressed member
    path.write_bytes(bytes(data))
    return path


def _truncated(tmp_path: Path) -> Path:
    path = tmp_path / "BTCUSDT-fundingRate-2026-04.zip"
    data = sc.FUNDING_MONTH.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


BINANCE_FILE_CASES = {  # builder(tmp_path) -> file; expected texts
    "zip_bad_crc": (_bad_crc, ["corrupt zip archive", "Bad CRC-32"]),
    "zip_truncated": (_truncated, ["not a readable zip archive"]),
    "klines_ms_then_seconds": (  # SYNTHETIC rows
        lambda d: write_text(d / "BTCUSDT-1m-2024-04-10.csv", [KLINE_HEADER, kline(T_S), kline(T_S + 60, 1)]),
        ["BTCUSDT-1m-2024-04-10.csv: line 3: field 'open_time'", "(ms, from its first row)", "1970-01-20"]),
    # used to be stored as 5-minute bars one minute apart (a renamed 1m file)
    "klines_of_another_interval": (
        lambda d: write_text(d / "BTCUSDT-5m-2024-04-10.csv", [KLINE_HEADER, kline(T_S), kline(T_S + 60)]),
        ["BTCUSDT-5m-2024-04-10.csv: line 3: field 'open_time'",
         "a kline opening at 2024-04-10T00:01:00Z is not on a 5m boundary (UTC)"]),
    "klines_before_2009": (
        lambda d: write_text(d / "BTCUSDT-1m-2024-04-10.csv", [KLINE_HEADER, kline(1_199_145_600)]),
        ["line 2: field 'open_time'", "is no time in 2009-01-01"]),
    "klines_price_beyond_nautilus": (
        lambda d: write_text(d / "BTCUSDT-1m-2024-04-10.csv", [KLINE_HEADER, kline(T_S, price="1e20")]),
        ["line 2: field 'open'", "above the largest price Nautilus can hold"]),
    "klines_price_rounds_to_zero": (
        lambda d: write_text(d / "BTCUSDT-1m-2024-04-10.csv", [KLINE_HEADER, kline(T_S), kline(T_S + 60,
                                                                                             price="0.004")]),
        ["line 3: field 'open'", "0.004 rounds to 0 at the instrument's price precision (2 decimal places)"]),
    "aggtrades_duplicate_id": (
        lambda d: write_text(d / "BTCUSDT-aggTrades-2024-04-10.csv", [
            AGG_HEADER, f"7,70000.0,0.010,1,1,{T_S * 1000},true", f"8,70000.0,0.010,2,2,{T_S * 1000 + 1},false",
            f"8,70000.0,0.010,2,2,{T_S * 1000 + 1},false"]),
        ["line 4: field 'agg_trade_id'", "trade id 8 repeats an earlier row's id (duplicate trade)"]),
    "metrics_oi_1e300": (
        lambda d: write_text(d / "BTCUSDT-metrics-2024-04-10.csv", [
            METRICS_HEADER, "2024-04-10 00:05:00,BTCUSDT,1e300,1e300,,,,"]),
        ["line 2: field 'sum_open_interest'", "above the largest accepted value 1e+18"]),
    "metrics_oi_usd_1e15": (
        lambda d: write_text(d / "BTCUSDT-metrics-2024-04-10.csv", [
            METRICS_HEADER, "2024-04-10 00:05:00,BTCUSDT,100,1e15,,,,"]),
        ["line 2: field 'sum_open_interest_value'", "above the largest accepted value 1e+13"]),
    "metrics_in_1970": (
        lambda d: write_text(d / "BTCUSDT-metrics-2024-04-10.csv", [
            METRICS_HEADER, "1970-01-01 00:05:00,BTCUSDT,100,1000000,,,,"]),
        ["line 2: field 'create_time'", "1970-01-01T00:05:00Z is outside 2009-01-01"]),
    "funding_header_only": (
        lambda d: write_text(d / "BTCUSDT-fundingRate-2024-04.csv", [FUNDING_HEADER]),
        ["BTCUSDT-fundingRate-2024-04.csv", "no data rows"]),
}


@pytest.mark.parametrize("case", list(BINANCE_FILE_CASES))
def test_binance_bad_file_names_file_line_field_and_leaves_the_catalog(tmp_path, catalog, case):
    build, expected = BINANCE_FILE_CASES[case]
    (tmp_path / "src").mkdir()
    path = build(tmp_path / "src")
    before = tree(catalog)
    proc = run_liqheat("catalog", "ingest", "binance", path, "--catalog", catalog, *sc.OFFLINE)
    assert_clean_failure(proc, "ingest failed, catalog unchanged", *expected)
    assert tree(catalog) == before


@pytest.mark.parametrize(("args", "expected"), [
    (["--kind", "klines", "--instrument", "BTCUSDT-PERP.BINANCE", "--interval", "7x"],
     ["--interval must be one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d", "'7x'"]),
    (["--kind", "klines", "--instrument", "BTCUSDT-PERP.BINANCE"], ["'--interval'", "kline files need an interval"]),
    (["--chunk-rows", "-3"], ["--chunk-rows must be a whole number >= 1", "'-3'"]),
    (["--chunk-rows", "lots"], ["--chunk-rows must be a whole number >= 1", "'lots'"]),
    (["--instrument", "DOGEUSDT.BINANCE"], ["whose instrument id is 'BTCUSDT-PERP.BINANCE', not 'DOGEUSDT.BINANCE'"]),
])
def test_binance_bad_options(tmp_path, catalog, capsys, args, expected):
    renamed = tmp_path / "renamed.csv"
    renamed.write_text("\n".join([KLINE_HEADER, kline(T_S)]) + "\n")  # SYNTHETIC
    path = renamed if "--kind" in args else sc.FUNDING_MONTH
    before = tree(catalog)
    assert_clean_failure(call_liqheat(capsys, "catalog", "ingest", "binance", path, "--catalog", catalog, *args,
                                      *sc.OFFLINE), *expected)
    assert tree(catalog) == before


@pytest.mark.parametrize("command", [["ingest", "okx", "--offline"], ["ingest", "coinglass", "--offline"]])
def test_catalog_inside_a_file_is_refused_naming_the_option(tmp_path, capsys, command):
    # used to fail once the write began: "[Errno 20] Not a directory: '.../notes.txt/cat/.liqheat'"
    file = write_text(tmp_path / "notes.txt", ["keep me"])
    proc = call_liqheat(capsys, "catalog", *command, "--catalog", file / "cat")
    assert_clean_failure(proc, f"{file / 'cat'}: field '--catalog': is inside {file}, which is a file, not a folder")
    assert file.read_text() == "keep me\n"


@pytest.mark.parametrize("command", [["ingest", "okx", "--offline"], ["ingest", "coinglass", "--offline"]])
def test_catalog_where_nothing_can_be_created_is_refused_naming_the_option(capsys, command):
    # was "ingest failed, catalog unchanged: [Errno 2] No such file or directory: '/proc/cat'" (the OS's words, no
    # option): /proc exists but creates nothing
    proc = call_liqheat(capsys, "catalog", *command, "--catalog", "/proc/liqheat-cat/x")
    assert_clean_failure(proc, "/proc/liqheat-cat/x: field '--catalog': cannot be created in /proc: it creates no "
                               "files (a virtual file system)")


def test_binance_catalog_that_is_a_file_or_holds_the_input(tmp_path, catalog):
    file = write_text(tmp_path / "cat.parquet", ["not a catalog"])
    assert_clean_failure(run_liqheat("catalog", "ingest", "binance", sc.FUNDING_MONTH, "--catalog", file,
                                     *sc.OFFLINE), "is a file, not a catalog folder")
    assert file.read_text() == "not a catalog\n"
    inside = shutil.copy(sc.FUNDING_MONTH, catalog / sc.FUNDING_MONTH.name)
    before = tree(catalog)
    assert_clean_failure(run_liqheat("catalog", "ingest", "binance", inside, "--catalog", catalog, *sc.OFFLINE),
                         "is the same as (or holds) the input")
    assert tree(catalog) == before


def test_a_300_mb_line_fails_with_bounded_memory(tmp_path, catalog):
    path = tmp_path / "BTCUSDT-1m-2024-05-01.zip"  # SYNTHETIC: one good row, then one line of 300 MB
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive, \
            archive.open("BTCUSDT-1m-2024-05-01.csv", "w") as member:
        member.write(f"{KLINE_HEADER}\n{kline(1_714_521_600)}\n".encode())
        block = b"9" * (1 << 20)
        for _ in range(300):
            member.write(block)
        member.write(b"\n")
    rss_file = tmp_path / "rss"
    # VmHWM: the peak resident memory of this process image (ru_maxrss would also count the forking parent's pages)
    prelude = ("import atexit, re\natexit.register(lambda: open(" + repr(str(rss_file)) + ", 'w').write(re.search("
               "r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)))\n")
    before = tree(catalog)
    proc = run_liqheat("catalog", "ingest", "binance", path, "--catalog", catalog, *sc.OFFLINE, prelude=prelude)
    assert_clean_failure(proc, "BTCUSDT-1m-2024-05-01.zip: line 3: line longer than 65,536 bytes")
    assert tree(catalog) == before
    peak_mb = int(rss_file.read_text()) / 1024
    assert peak_mb < 500, peak_mb  # ~330 MB (the interpreter with Nautilus ~300): the line is never held (~1 GB was)


# -- Ctrl-C and SIGTERM ----------------------------------------------------------------------------------------


def _signal_at(step: str, sig: int) -> str:
    """Python run before the CLI: the process signals itself once, at the first ``step`` boundary."""
    return ("import os, signal\nimport liqheat_nautilus.persistence.transaction as _t\n"
            f"def _hook(name):\n    if name == {step!r}:\n        _t.STEP_HOOK = None\n"
            f"        os.kill(os.getpid(), {int(sig)})\n_t.STEP_HOOK = _hook\n")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_while_staging_ends_cleanly_and_changes_nothing(catalog, sig):
    before = tree(catalog)
    proc = run_liqheat("catalog", "ingest", "binance", sc.AGG_TRADES, "--catalog", catalog, *sc.OFFLINE,
                       prelude=_signal_at("staged", sig))
    assert proc.returncode == 130
    assert_clean_failure(proc, "ingest interrupted: nothing was committed, the catalog is unchanged")
    assert tree(catalog) == before  # the control folder included: no scratch files left


def test_interrupt_while_applying_the_commit_finishes_it(catalog):
    proc = run_liqheat("catalog", "ingest", "binance", sc.AGG_TRADES, "--catalog", catalog, *sc.OFFLINE,
                       prelude=_signal_at("add:1", signal.SIGINT))
    assert proc.returncode == 130
    assert_clean_failure(proc, "ingest interrupted after its commit point: the catalog holds the complete new data")
    assert sc.control_files(catalog) == [".liqheat/catalog.json", ".liqheat/write.lock"]
    info = run_liqheat("catalog", "info", "--catalog", catalog)
    assert "TradeTick" in info.stdout and "105,280" in info.stdout


def test_sigterm_while_the_summary_prints_says_the_data_is_committed(catalog):
    # SIGTERM after the commit, while the summary printed, ended the process with 143 and no word
    prelude = ("import os, signal\nimport liqheat_nautilus.cli.catalog_cmd as _c\n_print = _c.print_summary\n"
               "def _late(summary):\n    os.kill(os.getpid(), signal.SIGTERM)\n    _print(summary)\n"
               "_c.print_summary = _late\n")
    proc = run_liqheat("catalog", "ingest", "binance", sc.AGG_TRADES, "--catalog", catalog, *sc.OFFLINE,
                       "--no-verify", prelude=prelude)  # (no note on the archive without .CHECKSUM: one line)
    assert proc.returncode == 130
    assert_clean_failure(proc, "ingest interrupted after its commit point: the catalog holds the complete new data")
    info = run_liqheat("catalog", "info", "--catalog", catalog)
    assert "TradeTick" in info.stdout and "105,280" in info.stdout


# -- liqheat catalog validate / info ---------------------------------------------------------------------------


def _corrupt_bar_file(catalog: Path) -> Path:
    path = next((catalog / "data" / "bar").rglob("*.parquet"))
    path.write_bytes(path.read_bytes()[:1000])
    return path


def test_an_ingest_into_a_catalog_holding_an_unreadable_file_names_it(catalog):
    # the write compares its ranges with the stream's files: a corrupt one was a 39-line pyarrow traceback
    path = next((catalog / "data" / "custom_open_interest").rglob("*.parquet"))
    path.write_bytes(b"garbage\n")
    before = tree(catalog)
    proc = run_liqheat("catalog", "ingest", "okx", "--offline", "--catalog", catalog)
    assert_clean_failure(proc, "ingest failed, catalog unchanged", f"{path}: not a readable Parquet file")
    assert tree(catalog) == before


def test_validate_names_an_unreadable_parquet_file(catalog):
    path = _corrupt_bar_file(catalog)
    proc = run_liqheat("catalog", "validate", "--catalog", catalog)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"unreadable            1  {path}: not a readable Parquet file" in proc.stdout


def test_info_names_an_unreadable_parquet_file(catalog):
    path = _corrupt_bar_file(catalog)
    assert_clean_failure(run_liqheat("catalog", "info", "--catalog", catalog), f"info failed: {path}",
                         "not a readable Parquet file")


def test_info_names_an_unreadable_instrument_definition(catalog):
    path = next((catalog / "data" / "crypto_perpetual").rglob("*.parquet"))
    path.write_text("garbage")
    assert_clean_failure(run_liqheat("catalog", "info", "--catalog", catalog), str(path), "not a readable Parquet")


def test_validate_reports_bars_in_1970(tmp_path):
    """A catalog written by other tools with seconds read as milliseconds (SYNTHETIC bars in January 1970)."""
    bar_type = BarType.from_str("SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL")
    bars = [Bar(bar_type, Price(70.0, 2), Price(70.0, 2), Price(70.0, 2), Price(70.0, 2), Quantity(1.0, 2),
                (1_781_191_440 + 60 * i) * 1_000_000, (1_781_191_440 + 60 * i) * 1_000_000) for i in range(5)]
    ParquetDataCatalog(str(tmp_path / "cat")).write_data(bars)
    proc = run_liqheat("catalog", "validate", "--catalog", tmp_path / "cat")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "ERROR   time-range" in proc.stdout and "1970-01-21" in proc.stdout


@pytest.mark.parametrize(("args", "expected"), [
    (["validate", "--max-jump-pct", "-1"], ["--max-jump-pct must be a number > 0", "'-1'"]),
    (["info", "--catalog", "notes.txt"], ["info failed", "notes.txt: not a catalog"]),
    (["validate", "--catalog", "notes.txt"], ["validate failed", "notes.txt: not a catalog"]),
])
def test_validate_info_bad_options(tmp_path, catalog, capsys, args, expected):
    write_text(tmp_path / "notes.txt", ["x"])
    args = [a if a != "notes.txt" else str(tmp_path / a) for a in args]
    if "--catalog" not in args:
        args += ["--catalog", str(catalog)]
    assert_clean_failure(call_liqheat(capsys, "catalog", *args), *expected)


@pytest.mark.parametrize("command", ["info", "validate"])
def test_output_closed_early_is_not_a_traceback(catalog, command):
    """``liqheat catalog info | head``: the reader goes away; exit 141 (as SIGPIPE), no BrokenPipeError trace."""
    proc = subprocess.Popen([sys.executable, "-c", CLI_CODE, "catalog", command, "--catalog", str(catalog)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    proc.stdout.close()  # before the command writes anything
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


# -- liqheat plot ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "expected"), [
    (["--model", "isolated_mm"], ["--model 'isolated_mm' (one of simple, isolated_mmr, binance_standard"]),
    (["--leverage-profile", "wild"], ["--leverage-profile 'wild' (one of conservative, neutral, aggressive"]),
    # MapParams' own range, named as the option (was "mmr=0.5", exit 1, after reading the catalog; the option's
    # own check said "(0, 1)")
    (["--mmr", "0.5"], ["--mmr 0.5 (in [0, 1/125) = [0, 0.008): below 1/the highest leverage)"]),
    (["--at", "2030-01-01"], ["--at 2030-01-01 is outside the data: the bars of SOL-USDT-SWAP.OKX span "
                              "2026-06-11 15:25:00+00:00 -> 2026-06-26 15:24:00+00:00"]),
    (["--at", "2026-06-01"], ["--at 2026-06-01 is outside the data"]),
    (["--instrument", "BTCUSDT-PERP.BINANCE"], ["--instrument-id BTCUSDT-PERP.BINANCE has no bars in the catalog",
                                                "it holds: SOL-USDT-SWAP.OKX"]),
    (["--out", "notes.txt"], ["--out", "notes.txt is a file, not a folder"]),
    (["--name", "../escape"], ["--name must be a file name without a folder", "'../escape'"]),
    (["--n-bins", "3"], ["--n-bins 3 (in [8, 100,000])"]),
])
def test_plot_bad_options_name_the_option(tmp_path, catalog, capsys, args, expected):
    write_text(tmp_path / "notes.txt", ["x"])
    args = [str(tmp_path / a) if a == "notes.txt" else a for a in args]
    out = ["--out", str(tmp_path / "charts")] if "--out" not in args else []
    proc = call_liqheat(capsys, "plot", "map", "--catalog", catalog, "--formats", "html", *out, *args)
    assert_clean_failure(proc, "plot failed", *expected)
    assert not (tmp_path / "charts").exists() and not (tmp_path / "escape.html").exists()


def test_plot_defaults_to_the_catalogs_only_instrument(tmp_path, catalog):
    proc = run_liqheat("plot", "map", "--catalog", catalog, "--formats", "html", "--out", tmp_path / "charts",
                       "--at", "2026-06-18T06:30")
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()).name == "liquidation_map_SOL-USDT-SWAP_OKX_20260618T0630.html"


def test_backtest_names_an_unreadable_catalog_file(catalog):
    path = _corrupt_bar_file(catalog)
    proc = run_liqheat("backtest", "--catalog", catalog, "--no-reports", "--no-progress")
    assert_clean_failure(proc, f"backtest failed: {path}: not a readable Parquet file")


def test_evaluate_names_an_unreadable_catalog_file(catalog, capsys):
    # was pyarrow's own "Error creating dataset. Could not read schema from ..." (exit 1), unlike every other command
    path = next((catalog / "data" / "custom_open_interest").rglob("*.parquet"))
    path.write_bytes(path.read_bytes()[:1000])
    proc = call_liqheat(capsys, "evaluate", "--dataset", "catalog", "--catalog", catalog, "--instrument-id",
                        "SOL-USDT-SWAP.OKX", "--liquidations", catalog / "liquidations.csv", "--no-grid")
    assert_clean_failure(proc, f"evaluate failed: {path}: not a readable Parquet file (ArrowInvalid: ")
    assert proc.returncode == 1


# Python run before the CLI: Ctrl-C in the middle of the replay (at the 3,000th bar the map actor sees)
def _signal_mid_run(sig: int) -> str:
    """Python run before the CLI: the process signals itself at the 3,000th bar the map actor sees."""
    return ("import os, signal\nfrom liqheat_nautilus.actor import LiquidationMapActor as _Actor\n"
            "_on_bar, _seen = _Actor.on_bar, []\ndef _interrupting(self, bar):\n    _seen.append(1)\n"
            f"    if len(_seen) == 3000:\n        os.kill(os.getpid(), {int(sig)})\n    _on_bar(self, bar)\n"
            "_Actor.on_bar = _interrupting\n")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_backtest_interrupted_mid_run_leaves_no_recording_and_no_results(catalog, tmp_path, sig):
    # used to leave <catalog>/backtest/<run id>/ holding the first part of the run, listed and served as a run
    # (SIGTERM killed the process outright)
    before = tree(catalog)
    proc = run_liqheat("backtest", "--catalog", catalog, "--results-dir", tmp_path / "results", "--no-progress",
                       prelude=_signal_mid_run(sig))
    assert proc.returncode == 130, proc.stderr[-2000:]
    assert "interrupted" in proc.stderr and "Traceback" not in proc.stderr
    assert "ERROR" not in proc.stderr, proc.stderr[-2000:]  # was: Nautilus' "RUNNING -> DISPOSE" errors (2 lines)
    assert tree(catalog) == before
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())


def test_a_new_tick_size_over_part_of_the_bars_is_refused(tmp_path, catalog):
    # used to commit: the catalog then held bars of 2 and 3 price decimals, validate said OK and the backtest
    # stopped mid-run with a traceback ("invalid bar.open.precision=2 did not match ... price_precision=3")
    source = okx_source(tmp_path, "ohlcv_1m.csv", lambda lines: lines[:1001])  # the first 1,000 bars
    spec = source / "instrument.toml"
    spec.write_text(spec.read_text().replace('price_increment = "0.01"', 'price_increment = "0.001"'))
    before = tree(catalog)
    proc = run_liqheat("catalog", "ingest", "okx", "--offline", "--source", source, "--catalog", catalog)
    line = assert_clean_failure(proc, "ingest failed, catalog unchanged", "SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL/",
                                "holds prices with 2 and sizes with 2 decimals, but SOL-USDT-SWAP.OKX's definition "
                                "after this write has 3 and 2")
    assert str(catalog) in line
    assert tree(catalog) == before
