"""Grids of backtests, evaluations and calibration trials on Ray (``liqheat sweep``).

Public API
----------
- :class:`Executor` / :class:`TaskResult` — run module-level functions as Ray tasks (a local Ray or a cluster)
  or in-process; what ``liqheat evaluate --workers N`` and ``liqheat calibrate`` use;
- :func:`load_grid`, :class:`GridFile`, :func:`expand`, :class:`Cell` — the TOML grid file and its cells;
- :func:`run_sweep`, :class:`SweepReport` — run a grid, resumably, into ``results.parquet``.
"""

import importlib

_EXPORTS = {
    "Executor": "executor", "ExecutorError": "executor", "TaskResult": "executor",
    "Cell": "grid", "GridFile": "grid", "expand": "grid", "load_grid": "grid",
    "SweepReport": "runner", "run_sweep": "runner",
}
"""Name -> submodule. Imported on first use, so ``liqheat_nautilus.sweep.executor`` (used by ``evaluate``) does
not pull in the backtest stack."""

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"liqheat_nautilus.sweep.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'liqheat_nautilus.sweep' has no attribute {name!r}")
