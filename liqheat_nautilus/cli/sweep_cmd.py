"""``liqheat sweep``: run a grid of backtests (TOML grid file) as Ray tasks, resumably, into one Parquet table."""

import argparse
import sys
from pathlib import Path

from liqheat_nautilus.cli import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    add_ray_arguments,
    failed,
    on_interrupt,
    ray_options,
    sigterm_as_interrupt,
)


def register(subparsers) -> None:
    """
    Add ``sweep`` to the ``liqheat`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``liqheat`` parser's subcommands (``ArgumentParser.add_subparsers()``).
    """
    p = subparsers.add_parser(
        "sweep",
        help="run a grid of backtests on Ray (local by default, or a cluster)",
        description="Run every cell of a grid file (a base backtest file x the axes it varies: strategy and "
                    "actor parameters, instruments, periods, catalogs) as one BacktestNode run per Ray task. "
                    "Finished cells are kept in the output folder and skipped when the same sweep is run again; "
                    "a failing cell is reported and the others go on; Ctrl-C stops and keeps what finished. "
                    "Results: <out>/results.parquet (one row per cell) and a comparison table. "
                    "See docs/sweep.md.",
    )
    p.add_argument("--grid", type=Path, required=True, help="grid file, e.g. config/grids/liquidation_hunt_grid.toml")
    add_ray_arguments(p, "cells", workers_default=None)
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default results/sweeps/<grid name> of the project); re-using it resumes the "
                        "sweep")
    p.add_argument("--sort-by", default=None, metavar="METRIC",
                   help="statistic the table is sorted by (default: the grid's sort_by, else sharpe)")
    p.add_argument("--top", type=int, default=20, help="rows of the printed table (default %(default)s)")
    p.add_argument("--retries", type=int, default=None,
                   help="times Ray re-runs a cell whose worker process died (default 3)")
    p.add_argument("--dry-run", action="store_true",
                   help="list the cells (finished, or to run) and check each one's catalog covers its instrument and "
                        "period; run nothing (exit 1 when a cell cannot run)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _dry_run(cells: list, out: Path) -> int:
    """List the cells (finished, to run, or why the catalog cannot feed one); 1 when a cell cannot run."""
    from liqheat_nautilus.sweep.backtest_cell import cell_problem
    from liqheat_nautilus.sweep.grid import code_digest
    from liqheat_nautilus.sweep.runner import cell_record, code_changed, finished_by

    bad = 0
    memo: dict[str, bytes] = {}
    for c in cells:
        record = cell_record(out, c.key)
        code = code_digest(c.spec, memo)
        done = finished_by(record, code)  # as the sweep decides (a failed cell runs again)
        problem = "" if done else cell_problem(c.spec)
        bad += bool(problem)
        again = code_changed(record, code)
        state = ("finished" if done else "CANNOT RUN" if problem
                 else "to run (its code changed since it finished)" if again else "to run  ")
        print(f"{c.index:>4d}  {c.key}  {state}  {c.label}" + (f"\n        {problem}" if problem else ""))
    print(f"{len(cells)} cells; output folder {out}" + (f"; {bad} cannot run (see above)" if bad else ""))
    return EXIT_FAILURE if bad else 0


@on_interrupt("sweep interrupted before any cell ran")
def run(args: argparse.Namespace) -> int:
    """
    Run ``liqheat sweep`` with the parsed arguments and return its exit status.

    Exit status: 0 when every cell finished, 2 for an option value refused before any work (a usage error: ``--top``,
    ``--retries``, ``--workers``, ``--address``, an ``--out`` that cannot be a folder to write into), 1 when the grid
    file is bad, a cell failed or Ray cannot start or be reached (then nothing is written), 130 after Ctrl-C or
    SIGTERM (both keep what finished and write the table).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``liqheat sweep`` (:func:`register`'s options).

    Returns
    -------
    int
    """
    from liqheat_nautilus.sweep import Executor, ExecutorError, expand, load_grid, run_sweep
    from liqheat_nautilus.sweep.backtest_cell import STAT_FIELDS
    from liqheat_nautilus.sweep.executor import DEFAULT_MAX_RETRIES
    from liqheat_nautilus.sweep.runner import check_not_foreign, default_out_dir
    from liqheat_nautilus.validation import output_dir

    try:  # option values that need no file: a usage error (exit 2, as argparse's and the other commands')
        if args.sort_by is not None and args.sort_by not in STAT_FIELDS:
            raise ValueError(f"--sort-by: {args.sort_by!r} is not a statistic; valid: {', '.join(STAT_FIELDS)}")
        ray_options(args)
        if args.top < 1:
            raise ValueError(f"--top must be >= 1, got {args.top}")
        if args.retries is not None and args.retries < 0:
            raise ValueError(f"--retries must be >= 0, got {args.retries}")
        if args.out is not None:  # an unusable output folder is a usage error, as every command's
            output_dir(args.out, "--out")
            check_not_foreign(args.out, args.grid)
    except ValueError as exc:
        return failed("sweep", exc, EXIT_USAGE)
    try:
        grid = load_grid(args.grid)
        out = output_dir(args.out or default_out_dir(grid), "--out")
        if args.dry_run:
            return _dry_run(expand(grid, args.grid), out)
        retries = DEFAULT_MAX_RETRIES if args.retries is None else args.retries
        with sigterm_as_interrupt(), Executor(workers=args.workers, address=args.address,  # SIGTERM: as Ctrl-C
                                              max_retries=retries) as executor:
            report = run_sweep(grid, executor, out, grid_path=args.grid, progress=not args.no_progress)
    except (FileNotFoundError, ValueError, ExecutorError) as exc:
        return failed("sweep", exc)
    print(report.text(sort_by=args.sort_by, top=args.top))
    if report.interrupted:
        print(f"interrupted: {len(report.finished)} of {len(report.cells)} cells finished and kept; run the same "
              "command again to run the rest", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_FAILURE if report.failed else 0
