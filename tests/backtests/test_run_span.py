"""What a backtest's span does to the run and its summary, on the REAL OKX sample: the run ends with its last bar
(SYNTHETIC funding rates stored after it are not replayed at a stale price), and a period in which the map cannot
publish says so."""

import shutil

import msgspec
import pandas as pd
from nautilus_trader.model.data import Bar
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.backtest import load_backtest_file, run_backtest, to_run_config
from liqheat_nautilus.backtest.run_config import last_bar_ns
from liqheat_nautilus.data import FundingRate
from liqheat_nautilus.paths import config_dir

HOUR = 3_600_000_000_000
BAR_TYPE = "SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL"


def _last_bar(catalog) -> int:
    return max(end for _, end in ParquetDataCatalog(str(catalog)).get_intervals(Bar, BAR_TYPE))


def test_funding_after_the_last_bar_is_not_run(okx_catalog, tmp_path):
    catalog = tmp_path / "catalog"
    shutil.copytree(okx_catalog, catalog)
    last = _last_bar(catalog)
    # SYNTHETIC: 30 days of 8-hourly funding after the sample's last bar (a funding file that outlasts the bars)
    first = (last // (8 * HOUR) + 1) * 8 * HOUR
    iid = "SOL-USDT-SWAP.OKX"
    ParquetDataCatalog(str(catalog)).write_data([
        FundingRate.from_dict({"instrument_id": iid, "rate": 0.001, "interval_hours": 8.0, "next_funding_ns": 0,
                               "ts_event": first + i * 8 * HOUR, "ts_init": first + i * 8 * HOUR})
        for i in range(90)])
    spec = load_backtest_file(config_dir() / "liquidation_hunt.toml").with_catalog(catalog)
    outcome = run_backtest(spec, show_progress=False)
    assert pd.Timestamp(outcome.result.backtest_end).value == last  # it ran to the last funding time before
    assert outcome.funding_payments and all(p["ts"] <= last for p in outcome.funding_payments)
    assert to_run_config(spec).end == last


def test_the_end_is_the_files_when_earlier(okx_catalog):
    spec = load_backtest_file(config_dir() / "liquidation_hunt.toml").with_catalog(okx_catalog)
    assert last_bar_ns(spec) == _last_bar(okx_catalog)
    earlier = msgspec.structs.replace(spec, data=msgspec.structs.replace(spec.data, end="2026-06-20"))
    assert last_bar_ns(earlier) == pd.Timestamp("2026-06-20", tz="UTC").value


def test_no_end_without_bars(tmp_path):
    spec = load_backtest_file(config_dir() / "liquidation_hunt.toml").with_catalog(tmp_path / "missing")
    assert last_bar_ns(spec) is None


def test_a_map_that_never_publishes_is_named_in_the_summary(okx_catalog):
    # the period's only open-interest reading comes with its last bar: the run exited 0 with "0 clusters, 0
    # snapshots published" and no word why (the actor's warning is below the default log level)
    from liqheat_nautilus.backtest.summary import format_summary

    spec = load_backtest_file(config_dir() / "liquidation_hunt.toml").with_catalog(okx_catalog)
    short = msgspec.structs.replace(spec, data=msgspec.structs.replace(spec.data, start="2026-06-01",
                                                                       end="2026-06-11T16:00"))
    outcome = run_backtest(short, show_progress=False)
    assert outcome.snapshots_published == 0 and outcome.map_actors == 1
    text = format_summary(outcome)
    assert "WARNING          the liquidation map published nothing: its inputs came only at the end" in text
    assert "Sharpe -, Sortino -" in text  # no trade: undefined, as the docs write it (was "nan")
    full = run_backtest(spec, show_progress=False)
    assert "published nothing" not in format_summary(full)
