"""Bad options that used to end in a traceback, after the work, or were silently accepted: each now stops first.

Every case runs in this process on data shipped in the repository (the Coinglass set, the sweep grid's files);
none of them gets as far as a replay, a fit, a Ray start or a server.
"""

import pytest

from tests.cli_run import ROOT, assert_clean_failure, call_liqheat

GRID = ROOT / "config" / "grids" / "liquidation_hunt_grid.toml"


@pytest.mark.parametrize(("argv", "expected"), [
    # used to raise OverflowError (traceback) while turning the hours into int64 nanoseconds
    (["evaluate", "--warmup-hours", "1e9"], "--warmup-hours (hours, at most 1000000): [1000000000.0]"),
    (["evaluate", "--touch-hours", "24", "1e12"], "--touch-hours (hours, at most 1000000): [1000000000000.0]"),
    (["evaluate", "--bias-hours", "1e300"], "--bias-hours (hours, at most 1000000)"),
    (["calibrate", "--warmup-hours", "1e9", "--trials", "1", "--folds", "2"], "--warmup-hours (hours, at most"),
])
def test_huge_hours_are_refused_by_name(argv, expected, capsys, tmp_path):
    extra = ["--out", str(tmp_path / "p.toml")] if argv[0] == "calibrate" else ["--no-grid"]
    proc = call_liqheat(capsys, *argv, *extra)
    assert_clean_failure(proc, expected)
    assert proc.returncode == 2  # an option value: a usage error, as every command's
    assert not (tmp_path / "p.toml").exists()


def test_evaluate_json_into_a_folder_stops_before_evaluating(capsys, tmp_path):
    # used to evaluate everything, then die with IsADirectoryError (traceback), losing the report
    proc = call_liqheat(capsys, "evaluate", "--no-grid", "--json", str(tmp_path))
    assert_clean_failure(proc, f"--json {tmp_path} is a folder, not a file")
    assert "evaluating" not in proc.stderr


def test_evaluate_json_creates_missing_folders(capsys, tmp_path):
    # used to evaluate everything, then die with FileNotFoundError (traceback)
    out = tmp_path / "new" / "sub" / "r.json"
    proc = call_liqheat(capsys, "evaluate", "--no-grid", "--windows", "40", "--bootstrap", "0", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.is_file()


@pytest.mark.parametrize("option", ["--out", "--json"])
def test_calibrate_output_into_a_folder_stops_before_fitting(option, capsys, tmp_path):
    # --out: used to fit every fold and only then fail ("[Errno 21] Is a directory"), losing the fit;
    # --json: used to write the profile, then die with IsADirectoryError (traceback); a later --out wins over the first
    argv = ["calibrate", "--trials", "1", "--folds", "2", "--out", str(tmp_path / "p.toml"), option, str(tmp_path)]
    proc = call_liqheat(capsys, *argv)
    assert_clean_failure(proc, f"{option} {tmp_path} is a folder, not a file")
    assert not (tmp_path / "p.toml").exists()


@pytest.mark.parametrize(("argv", "option", "name"), [
    (["evaluate", "--no-grid", "--json"], "--json", "r.json"),
    (["calibrate", "--trials", "1", "--folds", "2", "--out"], "--out", "p.toml"),
    (["calibrate", "--trials", "1", "--folds", "2", "--out", "P_TOML", "--json"], "--json", "r.json"),
    (["plot", "map", "--catalog", "MISSING", "--out"], "--out", "charts"),
    (["sweep", "--grid", str(GRID), "--dry-run", "--out"], "--out", "sweep"),
    (["backtest", "--results-dir"], "--results-dir", "results"),
    (["live", "--check", "--summary"], "--summary", "s.json"),
])
def test_an_output_path_inside_a_file_is_a_usage_error_naming_option_and_path(argv, option, name, capsys, tmp_path):
    # evaluate, calibrate, plot and sweep exited 1 (after the option checks) where backtest and live exited 2
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me\n")
    argv = [{"MISSING": str(tmp_path / "missing"), "P_TOML": str(tmp_path / "p.toml")}.get(a, a) for a in argv]
    proc = call_liqheat(capsys, *argv, blocker / name)
    line = assert_clean_failure(proc, f"{argv[0]} failed: {option} {blocker / name}", f"{blocker}", "is a file, not a "
                                "folder")
    assert proc.returncode == 2, line
    assert blocker.read_text() == "keep me\n" and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_calibrate_unknown_fit_field_lists_the_valid_ones(capsys, tmp_path):
    proc = call_liqheat(capsys, "calibrate", "--fit", "foo=1:2", "--trials", "1", "--folds", "2",
                        "--out", str(tmp_path / "p.toml"))
    assert_clean_failure(proc, "calibrate failed: ['foo'] are not MapParams fields; valid: [", "'leverage_mean'")
    assert proc.returncode == 2
    assert "'brackets'" not in proc.stderr and "'model'" not in proc.stderr  # only fields a range can fit


@pytest.mark.parametrize(("argv", "expected"), [
    (["--top", "-1"], "--top must be >= 1, got -1"),  # used to print the table minus its last row
    (["--top", "0"], "--top must be >= 1, got 0"),  # used to print an empty table
    (["--retries", "-1"], "--retries must be >= 0, got -1"),  # Ray reads -1 as "retry forever"
])
def test_sweep_bad_numbers_are_refused(argv, expected, capsys, tmp_path):
    proc = call_liqheat(capsys, "sweep", "--grid", str(GRID), "--dry-run", "--out", str(tmp_path / "s"), *argv)
    assert_clean_failure(proc, expected)
    assert proc.returncode == 2  # a bad option value: a usage error, as argparse's


def test_sweep_out_that_is_a_file_is_refused(capsys, tmp_path):
    # used to be listed as the output folder (rc 0) and fail only when the cells wrote into it
    afile = tmp_path / "f"
    afile.write_text("x")
    proc = call_liqheat(capsys, "sweep", "--grid", str(GRID), "--dry-run", "--out", str(afile))
    assert_clean_failure(proc, f"--out {afile} is a file, not a folder")


def test_serve_bad_log_level_lists_the_choices(capsys):
    # used to print the URL, then die in uvicorn with KeyError: 'loud' (traceback)
    with pytest.raises(SystemExit) as exc:
        call_liqheat(capsys, "serve", "--log-level", "LOUD", "--no-warm-up")
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'loud'" in err and "'warning'" in err and "Traceback" not in err


@pytest.mark.parametrize("value", ["-1", "nan"])
def test_serve_bad_refresh_secs_is_refused(value, capsys, tmp_path):
    # used to be read as 0 (never refresh) and serve
    proc = call_liqheat(capsys, "serve", "--catalog", str(tmp_path), "--refresh-secs", value, "--no-warm-up")
    assert_clean_failure(proc, "--refresh-secs must be a number >= 0 (0: never)")
    assert proc.returncode == 2


@pytest.mark.parametrize(("argv", "expected"), [
    # these exited 1, while every other liqheat command (and argparse itself) exits 2 for a bad option value
    (["--port", "0"], "--port must be in 1..65535, was 0"),
    (["--snapshot-minutes", "0"], "--snapshot-minutes must be >= 1, was 0"),
    (["--live", "redis://127.0.0.1:6379", "--live-history", "5"], "--live-history must be >= 10, was 5"),
    (["--live", "http://127.0.0.1:6379"], "--live must be a redis:// or rediss:// URL"),
    (["--cors-origin", "localhost:3000"], "--cors-origin must be an origin"),
    (["--host", "0.0.0.0"], "--host 0.0.0.0 accepts connections from other machines"),
    # these two were silently ignored without --live (the server started)
    (["--live-history", "5"], "--live-history applies only with --live"),
    (["--trader-id", "T-1", "--live-history", "50"], "--live-history and --trader-id apply only with --live"),
])
def test_serve_bad_option_values_exit_2(argv, expected, capsys, monkeypatch):
    monkeypatch.delenv("LIQHEAT_SERVE_TOKEN", raising=False)
    quiet = [] if "--live" in argv else ["--no-warm-up"]  # (a catalog option: refused with --live)
    proc = call_liqheat(capsys, "serve", *quiet, *argv)  # checked before any catalog is read
    assert_clean_failure(proc, f"serve failed: {expected}")
    assert proc.returncode == 2


def _coinglass_csvs(tmp_path):
    import pandas as pd

    src = ROOT / "catalog" / "coinglass_btc_4h"
    oi = pd.read_csv(src / "coinglass_oi_4h.csv")
    oi[["timestamp"]].assign(oi_usd=oi["close"]).to_csv(tmp_path / "oi.csv", index=False)
    return {"--bars": src / "binance_btcusdt_1h.csv", "--open-interest": tmp_path / "oi.csv",
            "--liquidations": src / "coinglass_liquidation_4h.csv"}


def _csv_argv(files):
    return ["evaluate", "--dataset", "csv", "--no-grid", *[str(x) for kv in files.items() for x in kv]]


def test_csv_nan_cell_is_named_without_numpy_repr(capsys, tmp_path):
    # used to print "not a finite number: np.float64(nan)"
    files = _coinglass_csvs(tmp_path)
    lines = (tmp_path / "oi.csv").read_text().splitlines()
    lines[4] = lines[4].split(",")[0] + ",nan"
    (tmp_path / "oi.csv").write_text("\n".join(lines) + "\n")
    proc = call_liqheat(capsys, *_csv_argv(files))
    line = assert_clean_failure(proc, "oi.csv: line 5: field 'oi_usd': not a finite number: 'nan'")
    assert "np.float64" not in line


@pytest.mark.parametrize(("column", "epoch", "expected"), [
    ("oi_usd", False, "line 5: field 'oi_usd': not a finite number: ''"),
    ("timestamp", False, "line 5: field 'timestamp': not an ISO-8601 timestamp: ''"),
    ("timestamp", True, "line 5: field 'timestamp': not an integer epoch timestamp: ''"),
])
def test_csv_blank_cell_is_shown_as_written(column, epoch, expected, capsys, tmp_path):
    # a blank cell said "not a finite number: nan" (pandas' NaN), though the file holds no "nan"; the ingest of
    # the same file shows the cell as written ('')
    import pandas as pd

    files = _coinglass_csvs(tmp_path)
    if epoch:
        oi = pd.read_csv(tmp_path / "oi.csv")
        oi["timestamp"] = pd.to_datetime(oi["timestamp"], utc=True).astype("int64") // 1_000_000
        oi.to_csv(tmp_path / "oi.csv", index=False)
    lines = (tmp_path / "oi.csv").read_text().splitlines()
    cells = lines[4].split(",")
    cells[0 if column == "timestamp" else 1] = ""
    lines[4] = ",".join(cells)
    (tmp_path / "oi.csv").write_text("\n".join(lines) + "\n")
    proc = call_liqheat(capsys, *_csv_argv(files))
    assert_clean_failure(proc, f"{tmp_path / 'oi.csv'}: {expected}")
    assert proc.returncode == 1


def test_csv_option_given_a_folder_says_so(capsys, tmp_path):
    # used to say "file not found" for a folder that exists
    files = {**_coinglass_csvs(tmp_path), "--bars": tmp_path}
    proc = call_liqheat(capsys, *_csv_argv(files))
    assert_clean_failure(proc, f"{tmp_path}: is a folder, not a CSV file")


def test_backtest_file_with_a_default_stop_beyond_the_largest_is_refused(capsys, tmp_path):
    # used to run (rc 0) with every default stop silently cut to max_stop_pct
    text = (ROOT / "config" / "liquidation_hunt.toml").read_text()
    assert "default_stop_pct = 1.0" in text and "max_stop_pct = 3.0" in text
    path = tmp_path / "stops.toml"
    path.write_text(text.replace("default_stop_pct = 1.0", "default_stop_pct = 5.0"))
    proc = call_liqheat(capsys, "backtest", "--config", str(path), "--no-reports")
    assert_clean_failure(proc, f"backtest failed: {path}: strategies[0].config: LiquidationHuntConfig.default_stop_pct "
                               "(5.0) must be at most max_stop_pct (3.0)")
    assert proc.returncode == 1 and not proc.stdout


@pytest.mark.parametrize(("argv", "expected"), [
    # the defaults were not stated ("instrument id", "default: catalog/build/...") or the unit was missing
    (["catalog", "ingest", "okx"], ["instrument id (default SOL-USDT-SWAP.OKX)", "catalog/build/okx_sol_usdt_swap)"]),
    (["catalog", "ingest", "coinglass"], ["instrument id (default BTCUSDT-PERP.BINANCE)"]),
    (["catalog", "ingest", "binance"], ["archive (default: from the file name)", "(default 500000)"]),
    (["catalog", "validate"], ["an outlier, in percent (default 10)", "catalog/build/okx_sol_usdt_swap)"]),
    (["catalog", "info"], ["catalog/build/okx_sol_usdt_swap)"]),
])
def test_catalog_help_states_defaults_and_units(argv, expected, capsys):
    with pytest.raises(SystemExit) as exc:
        call_liqheat(capsys, *argv, "--help")
    assert exc.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps the lines
    for part in expected:
        assert part in text, (part, text)


def test_backtest_on_the_unbuilt_coinglass_catalog_names_the_command(capsys, tmp_path, monkeypatch):
    # said "build it with `liqheat catalog ingest ...`" for the catalog of config/coinglass/
    from liqheat_nautilus.adapters.coinglass import loaders

    monkeypatch.setattr(loaders, "default_coinglass_catalog_dir", lambda: tmp_path / "coinglass_btc_4h")
    text = (ROOT / "config" / "coinglass" / "liquidation_hunt.toml").read_text()
    assert 'catalog = "catalog/build/coinglass_btc_4h"' in text
    path = tmp_path / "hunt.toml"
    path.write_text(text.replace("catalog/build/coinglass_btc_4h", str(tmp_path / "coinglass_btc_4h")))
    proc = call_liqheat(capsys, "backtest", "--config", str(path), "--no-reports")
    assert_clean_failure(proc, f"catalog not found: {tmp_path / 'coinglass_btc_4h'} (build it with `liqheat catalog "
                               "ingest coinglass`)")


@pytest.mark.parametrize(("argv", "expected"), [
    # a folder where a file is wanted, or a file where a folder is: each said "not found" of a path that exists
    (["sweep", "--grid", str(ROOT / "config")], f"{ROOT / 'config'} is a folder, not a grid file (.toml)"),
    (["live", "--check", "--config", str(ROOT / "config")], f"{ROOT / 'config'} is a folder, not a live config"),
    (["evaluate", "--no-grid", "--data-dir", str(ROOT / "README.md")], "README.md: a file, not the Coinglass dataset"),
    (["serve", "--catalog", str(ROOT / "README.md")], f"{ROOT / 'README.md'} is a file, not a catalog folder"),
    (["plot", "map", "--formats", "html", "--catalog", str(ROOT / "README.md")],
     f"{ROOT / 'README.md'} is a file, not a catalog folder"),
    # was four "not found" lines, one per strategy file
    (["backtest", "--all", "--config-dir", str(ROOT / "no-such-dir")], f"--config-dir {ROOT / 'no-such-dir'}: no such"),
])
def test_a_path_of_the_wrong_kind_is_named_as_such(argv, expected, capsys):
    proc = call_liqheat(capsys, *argv)
    assert_clean_failure(proc, expected)


def test_all_with_a_folder_of_other_backtest_files_names_what_it_runs(capsys, tmp_path):
    # was four "backtest config not found" lines, one per example file, not a word about mine.toml
    (tmp_path / "mine.toml").write_text("name = 'mine'\n")
    proc = call_liqheat(capsys, "backtest", "--all", "--config-dir", str(tmp_path))
    line = assert_clean_failure(proc, f"--config-dir {tmp_path} holds none of the files --all runs (",
                                "liquidation_hunt.toml, support_resistance.toml, cluster_breakout.toml, "
                                "oi_sizing.toml); it holds mine.toml: run one with --config")
    assert proc.returncode == 2 and "not found" not in line


def test_fetching_open_interest_history_a_venue_does_not_serve_is_a_usage_error(capsys, tmp_path):
    # was exit 1, "fetch failed, catalog unchanged: hyperliquid BTC: ValueError: ..." (no request is made either way)
    proc = call_liqheat(capsys, "catalog", "fetch", "hyperliquid", "BTC", "--data", "oi", "--start", "2026-01-01",
                        "--end", "2026-01-02", "--catalog", str(tmp_path / "cat"))
    assert_clean_failure(proc, "--data oi: hyperliquid serves no open-interest history")
    assert proc.returncode == 2 and not (tmp_path / "cat").exists()


def test_a_bar_timeframe_the_venue_does_not_serve_is_refused_before_any_request(capsys, tmp_path):
    # '7m' went to the venue, was refused and retried five times (~30 s) before failing
    proc = call_liqheat(capsys, "catalog", "fetch", "binance", "BTCUSDT", "--timeframe", "7m", "--start", "2026-01-01",
                        "--end", "2026-01-02", "--catalog", str(tmp_path / "cat"))
    assert_clean_failure(proc, "--timeframe '7m': binance serves bars of 1s, 1m, 3m, 5m")
    assert proc.returncode == 2 and not (tmp_path / "cat").exists()


@pytest.mark.parametrize("symbol", ["", "  ", "BTC USDT"])
def test_an_empty_or_spaced_symbol_is_refused_before_any_request(symbol, capsys, tmp_path):
    # was sent to the venue's instrument list and retried five times (~30 s), then "fetch failed ... NetworkError"
    proc = call_liqheat(capsys, "catalog", "fetch", "bybit", symbol, "--start", "2024-01-01", "--end", "2024-01-02",
                        "--catalog", str(tmp_path / "cat"), "--retries", "0", "--api-base", "http://127.0.0.1:9")
    assert_clean_failure(proc, "fetch failed: SYMBOL must be a ccxt symbol (BTC/USDT:USDT) or a venue id (BTCUSDT, "
                               f"BTC-USDT-SWAP), without spaces; got {symbol!r}")
    assert proc.returncode == 2 and not (tmp_path / "cat").exists()


def test_ctrl_c_while_the_commands_load_is_an_interrupt_not_a_traceback(capsys, monkeypatch):
    # building the parser imports every command (NautilusTrader among them, most of a second): Ctrl-C then printed
    # a traceback through Nautilus' modules
    import liqheat_nautilus.cli as cli

    def interrupted_import():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted_import)
    assert cli.main(["catalog", "info"]) == 130
    assert capsys.readouterr().err == "interrupted\n"


@pytest.mark.parametrize(("argv", "kind", "run_with"), [
    (["live", "--check", "--config", "config/oi_sizing.toml"], "a backtest file ([data], [venue])",
     "liqheat backtest --config config/oi_sizing.toml"),
    (["backtest", "--config", "config/live_binance.toml"], "a live file ([binance], [execution])",
     "liqheat live --config config/live_binance.toml"),
    (["backtest", "--config", str(GRID)], "a sweep grid (base, [axes])", f"liqheat sweep --grid {GRID}"),
    (["sweep", "--dry-run", "--grid", "config/liquidation_hunt.toml"], "a backtest file ([data], [venue])",
     "liqheat backtest --config config/liquidation_hunt.toml"),
])
def test_a_config_file_of_another_command_names_that_command(argv, kind, run_with, capsys, monkeypatch):
    # said only "unknown field `data`" (`trader_id`, `base`): not that the file is another command's
    monkeypatch.chdir(ROOT)
    proc = call_liqheat(capsys, *argv)
    assert_clean_failure(proc, "unknown field `", f"; it is {kind}: run it with `{run_with}`")
    assert proc.returncode == 1


def test_evaluate_negative_seed_is_refused_by_name(capsys):
    # used to replay every run, then fail each in numpy's bootstrap: "every run failed (2); ... ValueError: expected
    # non-negative integer" (exit 1, the option unnamed)
    proc = call_liqheat(capsys, "evaluate", "--no-grid", "--bootstrap", "10", "--seed", "-1")
    assert_clean_failure(proc, "evaluate failed: --seed must lie in 0 .. 2**32 - 1, was -1")
    assert proc.returncode == 2


@pytest.mark.parametrize("text", ["06/07/2026", "now", "12:00", "June 20 2026"])
def test_a_time_not_in_iso_8601_is_refused_naming_the_field(text, capsys, tmp_path):
    # pandas read these (06/07/2026 as June 7, 'now' and '12:00' from the clock): the backtest ran, exit 0, on a
    # period the user did not mean
    src = (ROOT / "config" / "liquidation_hunt.toml").read_text()
    config = tmp_path / "b.toml"
    config.write_text(src.replace('bar_spec = "1-MINUTE-LAST"', f'bar_spec = "1-MINUTE-LAST"\nstart = "{text}"', 1))
    proc = call_liqheat(capsys, "backtest", "--config", config, "--no-reports", "--no-progress")
    assert_clean_failure(proc, f"backtest failed: {config}: [data] start: not a time: {text!r} (use ISO-8601")
    for option in (["plot", "map", "--at", text, "--out", str(tmp_path / "c")],
                   ["evaluate", "--no-grid", "--holdout-start", text]):
        proc = call_liqheat(capsys, *option)
        assert_clean_failure(proc, "not a time" if option[0] == "plot" else "--holdout-start must be a UTC date")
        assert proc.returncode == 2, option


@pytest.mark.parametrize("command", ["evaluate", "calibrate", "sweep"])
@pytest.mark.parametrize("address", ["bogus", ""])
def test_a_malformed_ray_address_is_a_usage_error_before_any_work(command, address, capsys, tmp_path):
    # was found only when the executor started, after the data was read (exit 1): calibrate had printed its first
    # fold, sweep had created its output folder (cells/, grid.toml)
    argv = {"evaluate": ["evaluate", "--no-grid"],
            "calibrate": ["calibrate", "--trials", "1", "--folds", "2", "--out", str(tmp_path / "p.toml")],
            "sweep": ["sweep", "--grid", str(GRID), "--out", str(tmp_path / "s")]}[command]
    proc = call_liqheat(capsys, *argv, "--address", address)
    assert_clean_failure(proc, f"{command} failed: --address: Ray address {address!r}: expected 'auto', "
                               "'ray://HOST:PORT' or 'HOST:PORT'")
    assert proc.returncode == 2
    assert "fold" not in proc.stderr and list(tmp_path.iterdir()) == []


def test_an_output_that_is_an_input_or_the_other_output_is_refused_before_any_work(capsys, tmp_path):
    # evaluate --json given its --bars file wrote the report over the bars (exit 0); calibrate with --out and --json
    # the same file kept only the profile (the JSON written first was replaced, exit 0)
    files = _coinglass_csvs(tmp_path)
    bars = tmp_path / "bars.csv"
    bars.write_bytes(files["--bars"].read_bytes())
    files["--bars"] = bars
    before = bars.read_bytes()
    proc = call_liqheat(capsys, *_csv_argv(files), "--json", bars)
    assert_clean_failure(proc, f"evaluate failed: --json {bars} is also --bars {bars}: writing it would replace")
    assert bars.read_bytes() == before
    same = tmp_path / "p.toml"
    proc = call_liqheat(capsys, "calibrate", "--trials", "1", "--folds", "2", "--out", same, "--json", same)
    assert_clean_failure(proc, f"calibrate failed: --json {same} is also --out {same}: writing it would replace")
    assert not same.exists() and "fold" not in proc.stderr
    shipped = ROOT / "catalog" / "coinglass_btc_4h" / "coinglass_oi_4h.csv"  # a file of the default --data-dir
    proc = call_liqheat(capsys, "evaluate", "--no-grid", "--json", shipped)
    assert_clean_failure(proc, f"--json {shipped} is a file of --data-dir")


@pytest.mark.parametrize(("argv", "expected"), [
    # the last one counted, silently (exit 0), as --starting-balance given twice for a currency no longer does
    (["evaluate", "--no-grid", "--param", "mmr=0.001", "--param", "mmr=0.002"],
     "evaluate failed: --param gives mmr twice ('mmr=0.002'); give each field once"),
    (["calibrate", "--fit", "leverage_mean=1:2", "--fit", "leverage_mean=3:4"],
     "calibrate failed: --fit gives leverage_mean twice ('leverage_mean=3:4'); give each field once"),
])
def test_a_map_field_given_twice_is_refused(argv, expected, capsys, tmp_path):
    extra = ["--trials", "1", "--folds", "2", "--out", str(tmp_path / "p.toml")] if argv[0] == "calibrate" else []
    proc = call_liqheat(capsys, *argv, *extra)
    assert_clean_failure(proc, expected)
    assert proc.returncode == 2 and not (tmp_path / "p.toml").exists()


@pytest.mark.parametrize("second", ["b/p.toml", "b/p.TOML"])
def test_two_profile_files_of_one_name_are_refused(second, capsys, tmp_path):
    # the report names a profile by its name: the second replaced the first, one profile evaluated (exit 0)
    shipped = (ROOT / "config" / "profiles" / "btc_coinglass_calibrated.toml").read_text(encoding="utf-8")
    for name in ("a/p.toml", second):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(shipped, encoding="utf-8")
    proc = call_liqheat(capsys, "evaluate", "--no-grid", "--profile-file", tmp_path / "a" / "p.toml",
                        "--profile-file", tmp_path / second)
    assert_clean_failure(proc, f"evaluate failed: --profile-file: {tmp_path / 'a' / 'p.toml'} and "
                               f"{tmp_path / second} have one name, 'p' (the file name without its extension)")
    assert proc.returncode == 2
    # the same file twice (was: "p.toml and p.toml have one name ... rename one")
    proc = call_liqheat(capsys, "evaluate", "--no-grid", "--profile-file", tmp_path / "a" / "p.toml",
                        "--profile-file", tmp_path / "a" / ".." / "a" / "p.toml")
    assert_clean_failure(proc, "evaluate failed: --profile-file: ",
                         "p.toml is given twice; give each profile file once")
    assert proc.returncode == 2


def test_evaluate_and_serve_name_a_profile_file_alike(capsys, tmp_path, okx_catalog):
    # evaluate named it "calibrated_profile.toml" (its file name), serve "calibrated_profile" (as docs/serve.md says)
    import json

    from liqheat_nautilus.cli import build_parser
    from liqheat_nautilus.cli.serve_cmd import build_source

    profile = tmp_path / "calibrated_profile.toml"
    profile.write_text((ROOT / "config" / "profiles" / "btc_coinglass_calibrated.toml").read_text(encoding="utf-8"))
    proc = call_liqheat(capsys, "evaluate", "--no-grid", "--bootstrap", "0", "--windows", "40", "--profile-file",
                        profile, "--json", "-")
    assert proc.returncode == 0, proc.stderr
    evaluated = [run["profile"] for run in json.loads(proc.stdout)["runs"] if run["model"] == "profile"]
    served = build_source(build_parser().parse_args(["serve", "--catalog", str(okx_catalog), "--profile-file",
                                                     str(profile)])).store.custom_profiles
    assert evaluated == list(served) == ["calibrated_profile"]


@pytest.mark.parametrize("command", ["evaluate", "calibrate"])
@pytest.mark.parametrize("bar_type", ["bogus", "0-MINUTE-LAST", "SOL-USDT-SWAP.OKX-1-MINUTE-LAST-FOO",
                                      "BTC-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL"])
def test_a_malformed_bar_type_is_a_usage_error_naming_both_forms(command, bar_type, capsys, tmp_path):
    # was read from the catalog as SOL-USDT-SWAP.OKX-<it>-EXTERNAL: "no bars of ...", exit 1
    extra = ["--out", tmp_path / "p.toml"] if command == "calibrate" else ["--no-grid"]
    proc = call_liqheat(capsys, command, "--dataset", "catalog", "--catalog", tmp_path, "--instrument-id",
                        "SOL-USDT-SWAP.OKX", "--bar-type", bar_type, *extra)
    assert_clean_failure(proc, f"--bar-type {bar_type!r} is neither a bar type of --instrument-id SOL-USDT-SWAP.OKX "
                               "(e.g. 'SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL') nor a bar specification")
    assert proc.returncode == 2 and not (tmp_path / "p.toml").exists()
