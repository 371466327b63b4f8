"""One sweep cell = one backtest file run on a ``BacktestNode`` (this function runs inside a Ray worker).

This module is the only place of ``liqheat_nautilus.sweep`` that imports the backtest runner.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import msgspec

from liqheat_nautilus.backtest.config import (  # noqa: F401 (re-exported to the sweep)
    BacktestFile,
    VenueSection,
    is_url,
    load_backtest_file,
)
from liqheat_nautilus.backtest.metrics import COLUMNS, ComparisonRow, format_table  # noqa: F401 (re-exported)
from liqheat_nautilus.backtest.runner import (
    check_catalog,
    default_catalog_unbuilt,
    ensure_default_catalog,
    run_backtest,
)

STAT_FIELDS: tuple[str, ...] = tuple(f for f, _, _ in COLUMNS if f != "name")
"""The statistics of a cell: the columns ``liqheat backtest --all`` prints (``backtest.metrics.COLUMNS``)."""

LOWER_IS_BETTER = frozenset({"max_drawdown_pct"})
"""Statistics sorted ascending in the comparison table (every other one descending)."""

CATALOG_CHANGED = "catalog_changed"
"""Key of :func:`run_cell`'s result (and column of the sweep's results) saying that another process committed to
the cell's catalog while it ran (``BacktestOutcome.catalog_changed``)."""


def prepare_catalog(spec: BacktestFile) -> None:
    """
    Make sure a cell's catalog can be read.

    The embedded OKX catalog is built on first use (under a file lock, so two workers of one machine do not build
    it at once); URL catalogs are left to Nautilus.

    Parameters
    ----------
    spec : BacktestFile
        A cell's complete backtest file (its ``[data]`` catalog).

    Raises
    ------
    FileNotFoundError
        If a local catalog other than the embedded one does not exist.
    """
    if default_catalog_unbuilt(spec):
        from filelock import FileLock

        path = spec.catalog_path().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock"):
            ensure_default_catalog(spec)
        return
    ensure_default_catalog(spec)


def cell_problem(spec: BacktestFile) -> str:
    """
    Say why a cell's catalog cannot feed its run, without running it (``liqheat sweep --dry-run``).

    The same check ``liqheat backtest`` makes before building the node (:func:`~liqheat_nautilus.backtest.runner.
    check_catalog`): the catalog exists, holds the instrument and bars of the bar type between the cell's start and
    end. The embedded OKX catalog, built on first use, is not built here: a cell on it before it exists is
    reported as fine.

    Parameters
    ----------
    spec : BacktestFile
        The cell's complete backtest file.

    Returns
    -------
    str
        One line naming what is missing, or ``""`` when the catalog can feed the run.
    """
    if default_catalog_unbuilt(spec):
        return ""
    try:
        check_catalog(spec)
    except (FileNotFoundError, ValueError, OSError) as exc:
        return str(exc)
    return ""


def run_cell(spec_json: bytes, log_level: str = "WARNING") -> dict[str, float | bool]:
    """
    Run one cell's backtest file and return its comparison statistics.

    Parameters
    ----------
    spec_json : bytes
        The cell's complete backtest file as JSON (``msgspec.json.encode(BacktestFile)``).
    log_level : str, default "WARNING"
        Nautilus log level (the output goes to the cell's log, not to the terminal).

    Returns
    -------
    dict[str, float | bool]
        One value per :data:`STAT_FIELDS` (``trades`` an int; ``nan`` where undefined), the same statistics as a
        line of ``liqheat backtest --all``, and :data:`CATALOG_CHANGED`: True when another process committed to
        the catalog during the run (such a run also prints a WARNING to stderr, the cell's log).

    Raises
    ------
    Exception
        Whatever the backtest raised (bad config, missing catalog, engine error); the executor reports it as the
        cell's error.
    """
    spec = msgspec.structs.replace(msgspec.json.decode(spec_json, type=BacktestFile), record=False)  # stats only
    prepare_catalog(spec)
    outcome = run_backtest(spec, log_level=log_level, results_dir=None, show_progress=False)
    if outcome.row is None:
        raise RuntimeError(f"backtest {spec.name!r} produced no statistics row")
    if outcome.catalog_changed:  # into the cell's log (cells/<key>/cell.log)
        from liqheat_nautilus.backtest.summary import catalog_changed_message

        print(f"WARNING: {catalog_changed_message(outcome)}", file=sys.stderr, flush=True)
    row = outcome.row.to_dict()
    return {**{f: row[f] for f in STAT_FIELDS}, CATALOG_CHANGED: bool(outcome.catalog_changed)}


def stats_row(name: str, stats: dict[str, float] | None) -> ComparisonRow:
    """
    Build a comparison-table row from a cell's statistics (``nan`` for each one missing or ``None``).

    Parameters
    ----------
    name : str
        The text of the first column.
    stats : dict[str, float] or None
        The cell's statistics by name (:data:`STAT_FIELDS`; ``None``: the cell has none).

    Returns
    -------
    ComparisonRow
    """
    stats = stats or {}
    # a statistic a result file holds as null (undefined, e.g. a Sharpe ratio without trades) is nan here
    values: dict[str, Any] = {f: math.nan if stats.get(f) is None else stats[f] for f in STAT_FIELDS}
    values["trades"] = int(values["trades"]) if not _isnan(values["trades"]) else 0
    return ComparisonRow(name=name, **values)


def _isnan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def load_base(path: Path) -> BacktestFile:
    """
    Read a base backtest file of a grid.

    Parameters
    ----------
    path : Path
        The base file (TOML, the schema ``liqheat backtest --config`` reads).

    Returns
    -------
    BacktestFile

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`liqheat_nautilus.backtest.config.load_backtest_file`.
    """
    return load_backtest_file(path)
