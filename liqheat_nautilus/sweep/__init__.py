"""Grids of backtests, evaluations and calibration trials on Ray (``liqheat sweep``).

Public API
----------
- :class:`Executor` / :class:`TaskResult` — run module-level functions as Ray tasks (a local Ray or a cluster)
  or in-process; what ``liqheat evaluate --workers N`` and ``liqheat calibrate`` use;
- :func:`load_grid`, :class:`GridFile`, :func:`expand`, :class:`Cell` — the TOML grid file and its cells;
- :func:`run_sweep`, :class:`SweepReport` — run a grid, resumably, into ``results.parquet``.
"""

from liqheat_nautilus.sweep.executor import Executor, ExecutorError, TaskResult
from liqheat_nautilus.sweep.grid import Cell, GridFile, expand, load_grid
from liqheat_nautilus.sweep.runner import SweepReport, run_sweep

__all__ = [
    "Cell",
    "Executor",
    "ExecutorError",
    "GridFile",
    "SweepReport",
    "TaskResult",
    "expand",
    "load_grid",
    "run_sweep",
]
