"""Bad backtest files and options end the `liqheat backtest` process cleanly: exit code != 0, no traceback, no Rust
panic, and one line that names the field or option (with the valid values where there is a list).

Each case runs the real CLI in a subprocess (a Rust panic would abort the process, which an in-process call could not
survive). The files are the shipped ``config/liquidation_hunt.toml`` with one value changed, on the real OKX sample
catalog built by the session fixture.
"""

import importlib.util
import shutil
import subprocess
import sys

import pytest

from liqheat_nautilus import validation
from liqheat_nautilus.paths import config_dir
from tests.cli_run import assert_clean_failure

BASE = (config_dir() / "liquidation_hunt.toml").read_text()
DATA_LINE = 'bar_spec = "1-MINUTE-LAST"'


def _variant(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``liqheat backtest ARGS --no-progress`` in a fresh interpreter."""
    code = "import sys; from liqheat_nautilus.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, "backtest", *args, "--no-progress"], capture_output=True,
                          text=True, timeout=300)


FILE_CASES = {
    # enum-like values Nautilus parses in Rust (a bad one aborted the process): the valid names are listed
    "oms_type": (_variant('oms_type = "HEDGING"', 'oms_type = "SIDEWAYS"'),
                 ["[venue] oms_type", "NETTING, HEDGING", "'SIDEWAYS'"]),
    "account_type": (_variant('account_type = "MARGIN"', 'account_type = "MARGINAL"'),
                     ["[venue] account_type", "CASH, MARGIN, BETTING"]),
    "end_before_start": (_variant(DATA_LINE, f'{DATA_LINE}\nstart = "2026-06-20"\nend = "2026-06-15"'),
                         ["[data] end (2026-06-15) must be after start (2026-06-20)"]),
    "start_not_a_time": (_variant(DATA_LINE, f'{DATA_LINE}\nstart = "yesterday"'), ["[data] start", "ISO-8601"]),
    "balance_not_a_number": (_variant('["100000 USDT"]', '["abc USDT"]'),
                             ["[venue] starting_balances[0]", "positive number", "'abc USDT'"]),
    "balance_without_currency": (_variant('["100000 USDT"]', '["100000"]'),
                                 ["[venue] starting_balances[0]", "'100000 USDT'"]),
    "balance_unknown_currency": (_variant('["100000 USDT"]', '["100000 XYZ"]'),
                                 ["[venue] starting_balances[0]", "'XYZ' is not a currency"]),
    "balance_negative": (_variant('["100000 USDT"]', '["-5 USDT"]'), ["[venue] starting_balances[0]", "positive"]),
    # was accepted and the run started with the last one only (5 USDT)
    "balance_currency_twice": (_variant('["100000 USDT"]', '["100000 USDT", "5 USDT"]'),
                               ["[venue] starting_balances[1] '5 USDT': USDT is already given by [venue] "
                                "starting_balances[0] '100000 USDT'"]),
    "strategy_module": (_variant('path = "strategies.liquidation_hunt:LiquidationHuntStrategy"',
                                 'path = "strategies.liquidation_hnt:LiquidationHuntStrategy"'),
                        ["strategies[0].path", "module 'strategies.liquidation_hnt' not found"]),
    "strategy_class": (_variant('path = "strategies.liquidation_hunt:LiquidationHuntStrategy"',
                                'path = "strategies.liquidation_hunt:LiquidationHunt"'),
                       ["strategies[0].path", "no class 'LiquidationHunt'", "it defines LiquidationHuntStrategy"]),
    "strategy_path_form": (_variant('path = "strategies.liquidation_hunt:LiquidationHuntStrategy"',
                                    'path = "strategies.liquidation_hunt.LiquidationHuntStrategy"'),
                           ["strategies[0].path must be 'package.module:Class'"]),
    "strategy_not_a_strategy": (_variant('path = "strategies.liquidation_hunt:LiquidationHuntStrategy"',
                                         'path = "strategies.liquidation_hunt:LiquidationHuntConfig"'),
                                ["strategies[0].path", "is not a nautilus_trader.trading.strategy.Strategy"]),
    "strategy_config_unknown_field": (_variant("min_notional_usd = 50000.0", "min_notionl_usd = 50000.0"),
                                      ["strategies[0].config: unknown field min_notionl_usd for LiquidationHuntConfig",
                                       "min_notional_usd"]),
    "strategy_config_wrong_type": (_variant("risk_per_trade = 0.005", 'risk_per_trade = "lots"'),
                                   ["strategies[0].config", "risk_per_trade"]),
    "actor_config_unknown_field": (_variant("n_bins = 1000", "n_bins = 1000\nnbins = 10"),
                                   ["actors[0].config: unknown field nbins for LiquidationMapActorConfig"]),
    "bar_spec": (_variant(DATA_LINE, 'bar_spec = "1-FOO-LAST"'), ["[data] bar_spec '1-FOO-LAST'", "1-MINUTE-LAST"]),
    "venue_of_another_instrument": (_variant('name = "OKX"', 'name = "BINANCE"'),
                                    ["[venue] name 'BINANCE' must be the instrument's venue 'OKX'"]),
    "leverage_below_one": (_variant("default_leverage = 10.0", "default_leverage = 0.5"),
                           ["[venue] default_leverage: expected a number >= 1.0"]),
    # the valid values were not listed
    "actor_model": (_variant('model = "isolated_mmr"', 'model = "isolated"'),
                    ["actors[0].config", "model='isolated' (one of simple, isolated_mmr, binance_standard,"]),
    # TOML's nan / inf were reported as "Expected `float`, got `null`" (they reach Nautilus as JSON)
    "strategy_config_nan": (_variant("risk_per_trade = 0.005", "risk_per_trade = nan"),
                            ["strategies[0].config.risk_per_trade: nan is not a finite number"]),
    "actor_config_inf": (_variant("bin_bps = 10.0", "bin_bps = inf"),
                         ["actors[0].config.bin_bps: inf is not a finite number"]),
    # was accepted: the run replayed everything and the strategy, receiving no cluster, never traded
    "strategy_without_map_actor": (BASE[:BASE.index("[[actors]]")] + BASE[BASE.index("[[strategies]]"):],
                                   ["strategies[0]: LiquidationHuntStrategy trades on the clusters of a "
                                    "LiquidationMapActor of SOL-USDT-SWAP.OKX, but [[actors]] holds 0 "
                                    "liquidation-map actors"]),
    "actor_option_wrong_type": (_variant("publish_interval_secs = 3600", 'publish_interval_secs = "hourly"'),
                                ["actors[0].config.publish_interval_secs: expected a whole number, got a string"]),
    # a step of 0 aborted the process in Nautilus' Rust bar-type parser (exit 134, a panic's backtrace)
    "bar_spec_step_0": (_variant(DATA_LINE, 'bar_spec = "0-MINUTE-LAST"'),
                        ["[data] bar_spec '0-MINUTE-LAST' has a step of 0; the step must be 1 or more"]),
    "actor_bar_type_step_0": (_variant('bar_type = "SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL"\npublish',
                                       'bar_type = "SOL-USDT-SWAP.OKX-0-MINUTE-LAST-EXTERNAL"\npublish'),
                              ["actors[0].config.bar_type 'SOL-USDT-SWAP.OKX-0-MINUTE-LAST-EXTERNAL' has a step of 0"]),
    "strategy_bar_type_step_0": (
        BASE[:BASE.index("[[strategies]]")] + BASE[BASE.index("[[strategies]]"):].replace(
            "OKX-1-MINUTE-LAST-EXTERNAL", "OKX-00-MINUTE-LAST-EXTERNAL", 1),
        ["strategies[0].config.bar_type 'SOL-USDT-SWAP.OKX-00-MINUTE-LAST-EXTERNAL' has a step of 0"]),
}


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_bad_backtest_file_fails_with_one_line_naming_the_field(case, tmp_path, okx_catalog):
    text, expected = FILE_CASES[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text)
    proc = run_cli("--config", str(path), "--catalog", str(okx_catalog), "--no-reports")
    line = assert_clean_failure(proc, *expected)
    assert line.startswith(f"backtest failed: {path}: ")  # the file, then the field


def test_bad_log_level_is_refused_before_nautilus_sees_it(okx_catalog):
    proc = run_cli("--catalog", str(okx_catalog), "--no-reports", "--log-level", "LOUD")
    assert_clean_failure(proc, "--log-level", "OFF, TRACE, DEBUG, INFO, WARNING, ERROR", "'LOUD'")
    assert proc.returncode == 2  # a usage error


def test_config_dir_without_all_is_refused(okx_catalog):
    # was ignored: the default file ran from config/ and the run exited 0
    proc = run_cli("--config-dir", str(config_dir() / "coinglass"), "--catalog", str(okx_catalog), "--no-reports")
    assert_clean_failure(proc, "--config-dir goes with --all", "--config")
    assert proc.returncode == 2


@pytest.mark.parametrize("option", ["--out", "--results-dir"])
def test_results_folder_that_is_a_file_is_refused(option, okx_catalog, tmp_path):
    blocker = tmp_path / "results.txt"
    blocker.write_text("a user's file\n")
    proc = run_cli("--catalog", str(okx_catalog), option, str(blocker))
    assert_clean_failure(proc, "--results-dir", "is a file, not a folder")
    assert blocker.read_text() == "a user's file\n"  # untouched


def test_a_folder_that_creates_nothing_is_named_a_virtual_file_system(tmp_path, monkeypatch):
    # /proc answers "No such file or directory" when asked to create in a folder that exists: said plainly instead
    import errno
    import tempfile

    def refuse(*args, **kwargs):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    expected = r"--out .*: cannot write there \(in .*\): it creates no files \(a virtual file system\)"
    with pytest.raises(ValueError, match=expected):
        validation.output_dir(tmp_path / "x", "--out")


def test_a_results_folder_that_cannot_be_written_is_refused_before_the_run(okx_catalog, tmp_path):
    # was found only after the whole run: a PermissionError traceback (exit 1), or a message blaming the config
    proc = run_cli("--catalog", str(okx_catalog), "--results-dir", "/proc/liqheat-results")
    assert_clean_failure(proc, "--results-dir /proc/liqheat-results: cannot write there (in /proc)")
    assert proc.returncode == 2 and "data span" not in proc.stdout
    validation.output_dir(tmp_path / "new" / "folder", "--results-dir")  # writable: checked, nothing left behind
    assert list(tmp_path.iterdir()) == []


def test_a_folder_given_as_the_backtest_file_is_named_as_a_folder(tmp_path):
    # was "backtest config not found: <folder>", although the folder exists
    proc = run_cli("--config", str(tmp_path), "--no-reports")
    assert_clean_failure(proc, f"{tmp_path} is a folder, not a backtest config", "--all --config-dir")


def test_instrument_not_in_the_catalog_lists_the_catalog_instruments(okx_catalog):
    proc = run_cli("--catalog", str(okx_catalog), "--no-reports", "--instrument", "BTC-USDT-SWAP.OKX")
    assert_clean_failure(proc, "instrument BTC-USDT-SWAP.OKX is not in the catalog", "it holds: SOL-USDT-SWAP.OKX")


@pytest.mark.parametrize("extra", [[], ["--all"]])
def test_bad_instrument_option_names_it(okx_catalog, extra):
    proc = run_cli("--catalog", str(okx_catalog), "--no-reports", "--instrument", "BTCUSDT", *extra)
    assert_clean_failure(proc, "--instrument-id 'BTCUSDT' is not a Nautilus instrument id")
    assert proc.returncode == 2  # a usage error, like every other bad option value (was 1, after loading the file)


def test_time_range_without_data_fails_instead_of_an_empty_run(okx_catalog, tmp_path):
    path = tmp_path / "empty_span.toml"
    path.write_text(_variant(DATA_LINE, f'{DATA_LINE}\nstart = "2020-01-01"\nend = "2020-01-02"'))
    proc = run_cli("--config", str(path), "--catalog", str(okx_catalog), "--no-reports")
    assert_clean_failure(proc, "no SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL bars between start 2020-01-01 and end "
                               "2020-01-02", "the catalog's bars span 2026-06-11")


def test_catalog_that_is_not_a_catalog_is_named(tmp_path):
    proc = run_cli("--catalog", str(tmp_path), "--no-reports")
    assert_clean_failure(proc, f"{tmp_path} is not a Nautilus catalog")


def test_catalog_url_whose_fsspec_driver_is_missing_is_named(tmp_path):
    # docs/sweep.md's s3:// catalog on a machine without s3fs: one line, not fsspec's ImportError traceback
    if importlib.util.find_spec("s3fs") is not None:
        pytest.skip("s3fs is installed: the s3:// URL would be read")
    path = tmp_path / "s3.toml"
    path.write_text(BASE.replace('catalog = "catalog/build/okx_sol_usdt_swap"',
                                 'catalog = "s3://my-bucket/catalogs/okx"', 1))
    assert "s3://my-bucket" in path.read_text()
    proc = run_cli("--config", str(path), "--no-reports")
    assert_clean_failure(proc, "catalog s3://my-bucket/catalogs/okx: Install s3fs to access S3")


# Values that Nautilus accepted and that made the run end without a trade or an error (or failed inside the node,
# without the file or the field): refused while the file is loaded, naming the file and the field.
STRATEGY_LINES = 'bar_type = "SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL"\nrisk_per_trade'
SILENT_CASES = {
    "risk_negative": (_variant("risk_per_trade = 0.005", "risk_per_trade = -0.005"),
                      ["strategies[0].config", "risk_per_trade must be in (0, 1)", "-0.005"]),
    "max_positions_zero": (_variant("max_positions = 1", "max_positions = 0"),
                           ["strategies[0].config.max_positions", "expected a whole number >= 1", "was 0"]),
    "trade_size_zero": (_variant("max_positions = 1", "max_positions = 1\ntrade_size = 0"),
                        ["strategies[0].config", "trade_size must be > 0", "got 0"]),
    "trade_size_negative": (_variant("max_positions = 1", "max_positions = 1\ntrade_size = -5"),
                            ["strategies[0].config", "trade_size must be > 0", "got -5"]),
    "max_leverage_negative": (_variant("max_leverage = 3.0", "max_leverage = -3.0"),
                              ["strategies[0].config", "max_leverage must be >= 0", "-3.0"]),
    "strategy_on_another_instrument": (
        BASE.replace('[strategies.config]\ninstrument_id = "SOL-USDT-SWAP.OKX"',
                     '[strategies.config]\ninstrument_id = "SOLUSDT-PERP.BINANCE"', 1)
        .replace(STRATEGY_LINES, STRATEGY_LINES.replace("SOL-USDT-SWAP.OKX", "SOLUSDT-PERP.BINANCE"), 1),
        ["strategies[0].config.instrument_id 'SOLUSDT-PERP.BINANCE'", "'SOL-USDT-SWAP.OKX'",
         "[data] instrument_id"]),
    "strategy_bars_of_another_instrument": (
        BASE.replace('[strategies.config]\ninstrument_id = "SOL-USDT-SWAP.OKX"',
                     '[strategies.config]\ninstrument_id = "SOLUSDT-PERP.BINANCE"', 1),
        ["strategies[0].config", "bar_type SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL is of instrument "
         "SOL-USDT-SWAP.OKX, not instrument_id SOLUSDT-PERP.BINANCE"]),
    "strategy_on_bars_not_replayed": (
        _variant(STRATEGY_LINES, STRATEGY_LINES.replace("1-MINUTE", "5-MINUTE")),
        ["strategies[0].config.bar_type 'SOL-USDT-SWAP.OKX-5-MINUTE-LAST-EXTERNAL'",
         "'SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL'", "bar_spec"]),
}


@pytest.mark.parametrize("case", list(SILENT_CASES))
def test_value_that_made_a_silent_or_anonymous_failure_names_file_and_field(case, tmp_path, okx_catalog):
    text, expected = SILENT_CASES[case]
    assert text != BASE
    path = tmp_path / f"{case}.toml"
    path.write_text(text)
    proc = run_cli("--config", str(path), "--catalog", str(okx_catalog), "--no-reports")
    line = assert_clean_failure(proc, *expected)
    assert line.startswith(f"backtest failed: {path}: ")


@pytest.mark.parametrize(("case", "text", "expected"), [
    # found only when the catalog is read: the error named the field but not the file
    ("instrument_not_in_catalog", BASE.replace("SOL-USDT-SWAP.OKX", "BTC-USDT-SWAP.OKX"),
     ["instrument BTC-USDT-SWAP.OKX is not in the catalog", "it holds: SOL-USDT-SWAP.OKX"]),
    ("span_without_bars", _variant(DATA_LINE, f'{DATA_LINE}\nstart = "2020-01-01"\nend = "2020-01-02"'),
     ["no SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL bars between start 2020-01-01"]),
    # was accepted: SOL-USDT-SWAP's margin_init 0.01 allows 100x at most
    # was refused as "summing venues is for live nodes"; now summed when the catalog holds it, else named
    ("oi_of_another_venue_not_in_the_catalog",
     _variant("n_bins = 1000", 'n_bins = 1000\noi_instrument_ids = ["BTCUSDT-PERP.BINANCE"]'),
     ["actors[0].config.oi_instrument_ids", "no open interest of BTCUSDT-PERP.BINANCE", "never update"]),
    ("leverage_above_the_instrument_maximum", _variant("default_leverage = 10.0", "default_leverage = 500.0"),
     ["[venue] default_leverage 500 is above SOL-USDT-SWAP.OKX's maximum 100", "give 1 to 100"]),
])
def test_catalog_time_error_names_the_file(case, text, expected, tmp_path, okx_catalog):
    path = tmp_path / f"{case}.toml"
    path.write_text(text)
    proc = run_cli("--config", str(path), "--catalog", str(okx_catalog), "--no-reports")
    line = assert_clean_failure(proc, *expected)
    assert line.startswith(f"backtest failed: {path}: ")


def test_all_runs_the_good_files_and_names_each_broken_one(tmp_path, okx_catalog):
    # was: one broken file (or a missing one) stopped --all before any run
    span = f'{DATA_LINE}\nstart = "2026-06-20"\nend = "2026-06-21"'
    for name in ("liquidation_hunt", "support_resistance", "cluster_breakout"):
        text = (config_dir() / f"{name}.toml").read_text()
        assert DATA_LINE in text
        text = text.replace(DATA_LINE, span, 1)
        if name == "support_resistance":
            text = text.replace("risk_per_trade = 0.005", "risk_per_trade = 5", 1)
        if name == "cluster_breakout":  # fails only when the catalog is read
            text = text.replace("default_leverage = 10.0", "default_leverage = 500.0", 1)
        (tmp_path / f"{name}.toml").write_text(text)
    proc = run_cli("--all", "--config-dir", str(tmp_path), "--catalog", str(okx_catalog), "--no-reports",
                   "--no-report")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    table = [line.split()[0] for line in proc.stdout.splitlines() if line.split()]
    assert "liquidation_hunt" in table and "buy" in table  # the good file ran and was compared
    assert "support_resistance" not in table and "cluster_breakout" not in table
    errors = [line for line in proc.stderr.splitlines() if line.startswith("backtest failed: ")]
    assert len(errors) == 3, proc.stderr
    assert f"{tmp_path / 'support_resistance.toml'}: strategies[0].config" in errors[0]
    assert f"{tmp_path / 'oi_sizing.toml'}: backtest config not found" in errors[1]
    assert f"{tmp_path / 'cluster_breakout.toml'}: [venue] default_leverage 500" in errors[2]


def test_catalog_without_open_interest_is_refused_instead_of_an_empty_run(tmp_path, okx_catalog):
    # was: exit 0, "0 clusters, 0 snapshots published", no trade (klines ingested without the metrics files)
    catalog = tmp_path / "bars_only"
    shutil.copytree(okx_catalog, catalog)
    shutil.rmtree(catalog / "data" / "custom_open_interest")
    path = tmp_path / "bars_only.toml"
    path.write_text(BASE)
    proc = run_cli("--config", str(path), "--catalog", str(catalog), "--no-reports")
    line = assert_clean_failure(proc, "actors[0]: the catalog", "has no open interest of SOL-USDT-SWAP.OKX",
                                "the liquidation map updates only on open interest")
    assert line.startswith(f"backtest failed: {path}: ")
    # the file sets no [data] start or end: said so (it read "between start - and end -"), with the bars' span
    assert "within its bars' span 2026-06-11 " in line and "([data] start and end not set)" in line
    # the ways to add it include your own CSV file (a catalog of `ingest csv --trades --bars-from-trades`)
    assert "(ingest it: `liqheat catalog ingest csv --open-interest`, Binance metrics files" in line
    assert "trade ticks" not in line  # no trades in this catalog: the trades mode is not offered
    path.write_text(BASE.replace(DATA_LINE, f'{DATA_LINE}\nstart = "2026-06-12"'))
    proc = run_cli("--config", str(path), "--catalog", str(catalog), "--no-reports")
    assert_clean_failure(proc, "has no open interest of SOL-USDT-SWAP.OKX between start 2026-06-12 and end (the "
                               "last bar)")


def test_open_interest_outside_the_bars_span_is_refused(tmp_path, okx_catalog):
    # open interest of a year before the bars passed the check (it looked at the catalog's whole span): the run
    # published nothing, exit 0, and its warning blamed a missing client_id
    catalog = tmp_path / "oi_elsewhere"
    shutil.copytree(okx_catalog, catalog)
    shutil.rmtree(catalog / "data" / "custom_open_interest")
    year_ms = 365 * 86_400_000
    rows = (config_dir().parent / "catalog" / "okx_sol_usdt_swap_2026-06" / "open_interest.csv").read_text()
    shifted = ["timestamp,open_interest_usd"] + [f"{int(r.split(',')[0]) - year_ms},{r.split(',')[2]}"
                                                 for r in rows.splitlines()[1:]]
    (tmp_path / "oi.csv").write_text("\n".join(shifted) + "\n")
    ingest = subprocess.run([sys.executable, "-m", "liqheat_nautilus.cli", "catalog", "ingest", "csv", "--catalog",
                             str(catalog), "--instrument-id", "SOL-USDT-SWAP.OKX", "--open-interest",
                             str(tmp_path / "oi.csv")], capture_output=True, text=True, timeout=300)
    assert ingest.returncode == 0, ingest.stderr
    path = tmp_path / "run.toml"
    path.write_text(BASE)
    proc = run_cli("--config", str(path), "--catalog", str(catalog), "--no-reports")
    assert_clean_failure(proc, "actors[0]: the catalog", "has no open interest of SOL-USDT-SWAP.OKX within its bars' "
                         "span 2026-06-11 ", "([data] start and end not set)")


@pytest.mark.parametrize(("name", "text", "expected"), [
    # msgspec kept the last of two equal keys: the run went on under name 'y', exit 0
    ("twice.yaml", 'name: x\nname: y\n', "twice.yaml: line 2: key 'name' given twice in one table (only the last"),
    ("twice.json", '{"name": "x", "name": "y"}', "twice.json: key 'name' given twice in one object"),
    # printed over four lines naming "<byte string>"
    ("syntax.yaml", "name: x\ndata: [1, 2\n", "syntax.yaml: not valid YAML: line 3, column 1: expected ',' or ']'"),
    # said only "Input data was truncated"
    ("cut.json", '{"name": "x", "data": {"catalog": ', "cut.json: not valid JSON: line 1, column 35: Expecting value"),
])
def test_a_yaml_or_json_file_with_a_key_twice_or_a_syntax_error_is_one_line(tmp_path, name, text, expected):
    from liqheat_nautilus.backtest import load_backtest_file

    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValueError) as caught:
        load_backtest_file(path)
    assert expected in str(caught.value) and "\n" not in str(caught.value), str(caught.value)
