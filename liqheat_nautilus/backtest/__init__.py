"""Backtests over Nautilus Parquet catalogs, driven by declarative backtest files, on Nautilus' ``BacktestNode``.

- :func:`run_backtest` (the public entry point): one backtest file -> :class:`BacktestOutcome` (Nautilus' result,
  the map's signals, the strategies' trade-signal records, reports, the comparison row);
- :func:`run_all`: several files on the same catalog -> one comparison table with buy and hold;
- :class:`BacktestFile` / :func:`load_backtest_file` / :func:`to_run_config`: the file, checked on load, and its
  translation into Nautilus' ``BacktestRunConfig`` (run it on your own ``BacktestNode`` if you prefer);
- :func:`format_summary`: the text ``liqheat backtest`` prints.

Strategies and actors are found only through the importable paths written in the files (Nautilus'
``ImportableStrategyConfig`` / ``ImportableActorConfig``).
"""

from liqheat_nautilus.backtest.compare import Comparison, run_all
from liqheat_nautilus.backtest.config import BacktestFile, load_backtest_file
from liqheat_nautilus.backtest.metrics import ComparisonRow
from liqheat_nautilus.backtest.monitor import RunMonitor, RunMonitorConfig, RunStats
from liqheat_nautilus.backtest.reports import REPORT_FILES, RunReports
from liqheat_nautilus.backtest.run_config import to_run_config
from liqheat_nautilus.backtest.runner import BacktestOutcome, check_catalog, ensure_default_catalog, run_backtest
from liqheat_nautilus.backtest.summary import format_summary

__all__ = [
    "REPORT_FILES",
    "BacktestFile",
    "BacktestOutcome",
    "Comparison",
    "ComparisonRow",
    "RunMonitor",
    "RunMonitorConfig",
    "RunReports",
    "RunStats",
    "check_catalog",
    "ensure_default_catalog",
    "format_summary",
    "load_backtest_file",
    "run_all",
    "run_backtest",
    "to_run_config",
]
