"""Backtest files (TOML / YAML / JSON), the shipped configs, and the `liqheat backtest --all` wiring."""

import subprocess
import sys
import tomllib

import msgspec
import pytest
from nautilus_trader.common.config import ActorFactory
from nautilus_trader.config import ImportableStrategyConfig
from nautilus_trader.trading.config import StrategyFactory

from liqheat_nautilus.backtest.compare import Comparison
from liqheat_nautilus.backtest.config import load_backtest_file, to_run_config
from liqheat_nautilus.backtest.metrics import ComparisonRow
from liqheat_nautilus.cli import main
from liqheat_nautilus.cli.backtest_cmd import ALL_CONFIGS
from liqheat_nautilus.paths import config_dir


@pytest.mark.parametrize("name", ALL_CONFIGS)
def test_shipped_configs_build_their_strategy_and_actor(name):
    spec = load_backtest_file(config_dir() / name)
    run = to_run_config(spec)
    [strategy_config] = run.engine.strategies
    assert isinstance(strategy_config, ImportableStrategyConfig)
    strategy = StrategyFactory.create(strategy_config)  # the config parses and the strategy constructs
    assert strategy.config.instrument_id.value == "SOL-USDT-SWAP.OKX"
    [actor_config] = run.engine.actors
    assert type(ActorFactory.create(actor_config)).__name__ == "LiquidationMapActor"
    assert [m.actor_path for m in run.venues[0].modules] == ["liqheat_nautilus.simulation.funding:FundingModule"]
    assert spec.catalog_path() == load_backtest_file(config_dir() / ALL_CONFIGS[0]).catalog_path()  # same catalog


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_yaml_and_json_files_are_equivalent(tmp_path, suffix):
    spec = load_backtest_file(config_dir() / "support_resistance.toml")
    raw = msgspec.to_builtins(spec)
    path = tmp_path / f"sr{suffix}"
    path.write_bytes(msgspec.yaml.encode(raw) if suffix == ".yaml" else msgspec.json.encode(raw))
    assert load_backtest_file(path) == spec


def test_funding_can_be_switched_off(tmp_path):
    spec = load_backtest_file(config_dir() / "liquidation_hunt.toml")
    raw = msgspec.to_builtins(spec)
    raw["venue"]["funding"] = False
    path = tmp_path / "nofunding.json"
    path.write_bytes(msgspec.json.encode(raw))
    assert to_run_config(load_backtest_file(path)).venues[0].modules is None


def test_unknown_field_is_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text((config_dir() / "liquidation_hunt.toml").read_text().replace("funding = true", "fundng = true"))
    with pytest.raises(ValueError, match="fundng"):
        load_backtest_file(path)


def test_unknown_field_in_a_nested_strategy_config_table_is_named(tmp_path):
    path = tmp_path / "bad_sizer.toml"
    path.write_text((config_dir() / "oi_sizing.toml").read_text().replace("base_multiplier = 0.5",
                                                                          "base_multiplier = 0.5\nbase_multplier = 1"))
    with pytest.raises(ValueError, match=r"strategies\[0\]\.config: unknown field oi_sizer\.base_multplier"):
        load_backtest_file(path)


def test_with_instrument_moves_the_data_the_venue_and_the_component_ids():
    spec = load_backtest_file(config_dir() / "liquidation_hunt.toml").with_instrument("BTCUSDT-PERP.BINANCE")
    spec.validate()  # still a valid file: the venue follows the instrument
    assert (spec.data.instrument_id, spec.venue.name) == ("BTCUSDT-PERP.BINANCE", "BINANCE")
    assert spec.bar_type == "BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"
    for component in (*spec.actors, *spec.strategies):
        assert component.config["instrument_id"] == "BTCUSDT-PERP.BINANCE"
        assert component.config["bar_type"] == spec.bar_type
    assert spec.strategies[0].config["min_strength"] == 0.6  # other values untouched
    with pytest.raises(ValueError, match="--instrument-id 'BTCUSDT' is not a Nautilus instrument id"):
        spec.with_instrument("BTCUSDT")


def test_cli_all_runs_the_four_and_prints_one_table(monkeypatch, capsys, tmp_path):
    seen = {}

    def fake_run_all(specs, log_level, results_dir, show_progress, sources=None):
        seen["names"] = [s.name for s in specs]
        seen["catalogs"] = {s.data.catalog for s in specs}
        rows = [ComparisonRow(n, 1.0, 0.1, 0.2, 3.0, 50.0, 1.1, 7, 20.0, 0.0) for n in seen["names"]]
        rows.append(ComparisonRow("buy & hold", 8.0, 3.0, 6.0, 15.0, float("nan"), float("nan"), 1, 100.0,
                                  float("nan")))
        return Comparison(outcomes=[], rows=rows)

    monkeypatch.setattr("liqheat_nautilus.backtest.run_all", fake_run_all)
    assert main(["backtest", "--all", "--catalog", str(tmp_path), "--no-reports"]) == 0
    out = capsys.readouterr().out
    assert seen["names"] == ["liquidation_hunt", "support_resistance", "cluster_breakout", "oi_sizing"]
    assert seen["catalogs"] == {str(tmp_path.resolve())}
    table = [line for line in out.splitlines() if line.split() and line.split()[0] in seen["names"]]
    assert len(table) == 4 and "buy & hold" in out


def test_the_results_paths_stay_one_column_with_long_run_names(tmp_path):
    # "reports of liquidation_hunt_coinglass /..." ran into its path while shorter names were padded to a column
    from types import SimpleNamespace

    spec = load_backtest_file(config_dir() / "coinglass" / "liquidation_hunt.toml")
    names = ["liquidation_hunt_coinglass", "oi_sizing_coinglass", "a_much_longer_run_name_than_the_others"]
    outcomes = [SimpleNamespace(spec=msgspec.structs.replace(spec, name=n), results_path=tmp_path / n,
                                result=SimpleNamespace(backtest_start=None, backtest_end=None)) for n in names]
    rows = [ComparisonRow(n, 1.0, 0.1, 0.2, 3.0, 50.0, 1.1, 7, 20.0, 0.0) for n in names]
    text = Comparison(outcomes=outcomes, rows=rows, table_path=tmp_path / "comparison").text()
    lines = [line for line in text.splitlines() if line.startswith(("  reports of ", "  comparison table"))]
    assert len(lines) == 4
    assert len({line.index(str(tmp_path)) for line in lines}) == 1  # every path starts in the same column


def test_the_all_progress_bar_keeps_off_stdout(monkeypatch, capsys):
    # on stdout redirected to a file it left empty lines above the comparison table
    import liqheat_nautilus.backtest.compare as compare

    def failing_run(spec, **_):
        raise ValueError(f"{spec.name}: SYNTHETIC failure")

    monkeypatch.setattr(compare, "run_backtest", failing_run)
    specs = [load_backtest_file(config_dir() / name) for name in ALL_CONFIGS]
    comparison = compare.run_all(specs, show_progress=True)
    assert len(comparison.failures) == 4
    assert capsys.readouterr().out == ""


def test_the_library_does_not_import_the_example_packages():
    # the CLI and the backtest package find strategies only through the importable paths of the files
    code = ("import sys; import liqheat_nautilus.backtest, liqheat_nautilus.signals; "
            "from liqheat_nautilus.cli import build_parser; build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('strategies', 'backtests')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


def test_relative_map_profile_is_found_beside_the_file_or_under_the_project_root(tmp_path, monkeypatch):
    # was read from the current folder only: the documented "config/profiles/..." failed outside the project root,
    # and so did a profile beside the user's own file
    base = (config_dir() / "liquidation_hunt.toml").read_text()
    shipped = "config/profiles/btc_coinglass_calibrated.toml"
    (tmp_path / "mine.toml").write_text((config_dir() / "profiles" / "btc_coinglass_calibrated.toml").read_text())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for profile, expected in (("mine.toml", tmp_path / "mine.toml"),
                              (shipped, config_dir() / "profiles" / "btc_coinglass_calibrated.toml")):
        path = tmp_path / "with_profile.toml"
        path.write_text(base.replace("n_bins = 1000", f'n_bins = 1000\nmap_profile = "{profile}"', 1))
        spec = load_backtest_file(path)
        assert spec.actors[0].config["map_profile"] == str(expected)
        written = tomllib.loads(expected.read_text())["map"]["half_life_hours"]
        assert spec.map_actor_config().map_params().half_life_hours == pytest.approx(written)  # its [map]
    path.write_text(base.replace("n_bins = 1000", 'n_bins = 1000\nmap_profile = "nope.toml"', 1))
    with pytest.raises(ValueError, match=r"with_profile.toml: actors\[0\].config.map_profile: 'nope.toml' not found "
                                         r"in the current folder, beside the file"):
        load_backtest_file(path)


def test_starting_balance_option_replaces_the_venue_balances(okx_catalog, capsys):
    from liqheat_nautilus.backtest.runner import check_catalog
    from tests.cli_run import call_liqheat

    spec = load_backtest_file(config_dir() / "liquidation_hunt.toml").with_catalog(okx_catalog)
    assert spec.venue.starting_balances == ["100000 USDT"]  # the shipped file's
    richer = spec.with_starting_balances(["250000 USDT"])
    [venue] = to_run_config(richer).venues
    assert venue.starting_balances == ["250000.00000000 USDT"]  # what Nautilus' venue is given
    # a balance without the contract's settlement currency is refused before the run, saying how to give one
    with pytest.raises(ValueError, match=r"hold no USDT, the settlement currency of SOL-USDT-SWAP\.OKX \(add a "
                                         r"USDT balance; with liqheat backtest: --starting-balance '<amount> USDT'\)"):
        check_catalog(spec.with_starting_balances(["1 BTC"]))
    # option values are checked as usage errors, naming the option
    for values, message in ((["lots"], "--starting-balance[0] must look like '100000 USDT'"),
                            (["1 BTC", "2 BTC"], "--starting-balance[1] '2 BTC': BTC is already given")):
        done = call_liqheat(capsys, "backtest", *[a for v in values for a in ("--starting-balance", v)])
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_with_bar_spec_moves_the_data_and_the_components_bar_types():
    spec = load_backtest_file(config_dir() / "liquidation_hunt.toml").with_bar_spec("1-HOUR-LAST")
    spec.validate()  # still a valid file: the components' bar types follow
    assert spec.data.bar_spec == "1-HOUR-LAST" and spec.bar_type == "SOL-USDT-SWAP.OKX-1-HOUR-LAST-EXTERNAL"
    for component in (*spec.actors, *spec.strategies):
        assert component.config["bar_type"] == spec.bar_type
        assert component.config["instrument_id"] == "SOL-USDT-SWAP.OKX"  # other values untouched
    moved = spec.with_instrument("BTCUSDT-PERP.BINANCE")  # the instrument moves the new bar type too
    assert moved.strategies[0].config["bar_type"] == "BTCUSDT-PERP.BINANCE-1-HOUR-LAST-EXTERNAL"
    with pytest.raises(ValueError, match="--bar-spec '1-HOURS-LAST' is not a bar specification"):
        spec.with_bar_spec("1-HOURS-LAST")


def test_bar_spec_option_is_checked_and_names_the_bar_types_the_catalog_holds(okx_catalog, capsys):
    # there was no --bar-spec: a config file had to be written to run on other bars
    from tests.cli_run import call_liqheat

    # not a bar specification: a usage error naming the option and valid values, before any work (Nautilus'
    # BarSpecification parser aborts the process on an unknown aggregation such as HOURS)
    for value in ("1-HOURS-LAST", "0-MINUTE-LAST", "hourly"):
        done = call_liqheat(capsys, "backtest", "--bar-spec", value, "--no-reports", "--no-progress")
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert (f"backtest failed: --bar-spec {value!r} is not a bar specification STEP-AGGREGATION-PRICE_TYPE (a "
                "step of 1 or more), e.g. '1-MINUTE-LAST' or '5-MINUTE-MID'") in done.stderr
    # a specification the catalog has no bars of: the bar types it holds are named (exit 1, as a missing instrument)
    done = call_liqheat(capsys, "backtest", "--catalog", str(okx_catalog), "--bar-spec", "1-HOUR-LAST",
                        "--no-reports", "--no-progress")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert ("has no SOL-USDT-SWAP.OKX-1-HOUR-LAST-EXTERNAL bars; bar types of SOL-USDT-SWAP.OKX: "
            "SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL (choose one with --bar-spec or [data] bar_spec)") in done.stderr


def test_a_profile_of_another_instrument_is_a_summary_warning(okx_catalog, tmp_path):
    # the shipped profile was fitted on the Coinglass BTCUSDT set; the main job's SOL map run with it gets one
    # WARNING naming both (was: no word, a BTC leveraged_share sizing the SOL map)
    from liqheat_nautilus.backtest.runner import run_backtest
    from liqheat_nautilus.backtest.summary import format_summary

    base = (config_dir() / "liquidation_hunt.toml").read_text()
    path = tmp_path / "with_profile.toml"
    path.write_text(base.replace("n_bins = 1000", 'n_bins = 1000\nmap_profile = "config/profiles/'
                                 'btc_coinglass_calibrated.toml"', 1))
    outcome = run_backtest(load_backtest_file(path).with_catalog(okx_catalog), show_progress=False)
    [warning] = outcome.profile_warnings
    assert "btc_coinglass_calibrated.toml was fitted on BTCUSDT-PERP.BINANCE (Coinglass BTC 4h" in warning
    assert "not on SOL-USDT-SWAP.OKX" in warning
    assert f"  WARNING          {warning}" in format_summary(outcome).splitlines()
    plain = run_backtest(load_backtest_file(config_dir() / "liquidation_hunt.toml").with_catalog(okx_catalog),
                         show_progress=False)
    assert plain.profile_warnings == []


def test_check_catalog_reads_the_bar_intervals_once(okx_catalog, monkeypatch):
    # the pre-run check takes the bars' span from the intervals it counts bars over (one glob of the bar folder, not
    # get_intervals again through bars_span), and the span is bars_span's
    from nautilus_trader.model.data import Bar
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.backtest.runner import check_catalog
    from liqheat_nautilus.persistence.scan import bars_span, intervals_span

    spec = load_backtest_file(config_dir() / "liquidation_hunt.toml").with_catalog(okx_catalog)
    cat = ParquetDataCatalog(str(okx_catalog))
    intervals = cat.get_intervals(Bar, spec.bar_type)
    assert intervals and intervals_span(intervals) == bars_span(cat, spec.bar_type) == (intervals[0][0],
                                                                                        intervals[-1][1])
    assert intervals_span([]) is None
    calls: list[str] = []
    original = ParquetDataCatalog.get_intervals

    def counting(self, data_cls, identifier=None):
        if data_cls is Bar:
            calls.append(str(identifier))
        return original(self, data_cls, identifier)

    monkeypatch.setattr(ParquetDataCatalog, "get_intervals", counting)
    assert check_catalog(spec) > 0
    assert calls == [spec.bar_type]


def test_catalog_option_takes_the_catalogs_only_instrument(okx_catalog, tmp_path, capsys):
    # `liqheat plot --catalog` takes the catalog's only instrument; `liqheat backtest --catalog` (the shipped
    # liquidation hunt on SOL-USDT-SWAP.OKX) refused any other unless --instrument-id named it again
    import shutil

    from nautilus_trader.model.data import Bar, BarType
    from nautilus_trader.model.objects import Price, Quantity
    from nautilus_trader.persistence.catalog import ParquetDataCatalog
    from nautilus_trader.test_kit.providers import TestInstrumentProvider

    from liqheat_nautilus.adapters.coinglass.loaders import ingest_coinglass
    from liqheat_nautilus.adapters.common.providers import InstrumentSources
    from liqheat_nautilus.paths import project_root
    from tests.cli_run import call_liqheat

    btc = tmp_path / "coinglass"  # the REAL Coinglass BTC set as BTCUSDT-PERP.BINANCE, 1 h bars: one instrument
    ingest_coinglass(project_root() / "catalog" / "coinglass_btc_4h", btc, instruments=InstrumentSources.offline())
    options = ("--bar-spec", "1-HOUR-LAST", "--no-reports", "--no-progress")
    proc = call_liqheat(capsys, "backtest", "--catalog", btc, *options)
    assert proc.returncode == 0, proc.stderr
    assert f"backtest 'liquidation_hunt' on BTCUSDT-PERP.BINANCE ({btc})" in proc.stdout
    # a file of the user's names its instrument: kept, and refused as before
    mine = tmp_path / "mine.toml"
    mine.write_text((config_dir() / "liquidation_hunt.toml").read_text())
    proc = call_liqheat(capsys, "backtest", "--config", mine, "--catalog", btc, *options)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert (f"instrument SOL-USDT-SWAP.OKX is not in the catalog {btc}; it holds: BTCUSDT-PERP.BINANCE (choose one "
            "with --instrument-id") in proc.stderr
    # a catalog of several instruments (SYNTHETIC bars of a second one added to a copy): refused, listing them
    several = shutil.copytree(btc, tmp_path / "several")
    eth = TestInstrumentProvider.ethusdt_perp_binance()
    bar_type, price = BarType.from_str(f"{eth.id}-1-HOUR-LAST-EXTERNAL"), Price.from_str("3000.00")
    t0 = 1_767_225_600_000_000_000  # 2026-01-01 00:00 UTC
    catalog = ParquetDataCatalog(str(several))
    catalog.write_data([eth])
    catalog.write_data([Bar(bar_type, price, price, price, price, Quantity.from_str("1.000"), t0 + i * 3600 * 10**9,
                            t0 + i * 3600 * 10**9) for i in range(1, 4)])
    proc = call_liqheat(capsys, "backtest", "--catalog", several, *options)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert (f"instrument SOL-USDT-SWAP.OKX is not in the catalog {several}; it holds: BTCUSDT-PERP.BINANCE, "
            "ETHUSDT-PERP.BINANCE (choose one with --instrument-id") in proc.stderr
