"""Run several backtest files on the same catalog and compare them (``liqheat backtest --all``)."""

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from liqheat_nautilus.backtest.config import BacktestFile, naming_file
from liqheat_nautilus.backtest.metrics import ComparisonRow, buy_and_hold_row, format_table
from liqheat_nautilus.backtest.reports import results_folder
from liqheat_nautilus.backtest.runner import BacktestOutcome, run_backtest
from liqheat_nautilus.backtest.summary import format_ts


@dataclass
class Comparison:
    """
    The runs of a comparison and their table.

    Attributes
    ----------
    outcomes : list[BacktestOutcome]
        One per backtest file, in order.
    rows : list[ComparisonRow]
        One per run, then the buy-and-hold row.
    table_path : Path or None
        Where ``comparison.csv`` / ``comparison.md`` were written, if anywhere.
    failures : list[str]
        One line per run that failed (``<file>: <error>``), in order; the other runs are compared.
    """

    outcomes: list[BacktestOutcome] = field(default_factory=list)
    rows: list[ComparisonRow] = field(default_factory=list)
    table_path: Path | None = None
    failures: list[str] = field(default_factory=list)

    def text(self) -> str:
        """
        Return the printable comparison: span, the table, and where the reports are.

        Returns
        -------
        str
        """
        first = self.outcomes[0] if self.outcomes else None
        lines = []
        if first is not None:
            r = first.result
            lines.append(f"comparison on {first.spec.data.instrument_id} ({first.spec.catalog_path()}), "
                         f"{format_ts(r.backtest_start)} -> {format_ts(r.backtest_end)}")
        lines.append(format_table(self.rows))
        lines.append("return: account PnL % incl. fees and funding; Sharpe/Sortino (252 days), win rate, profit "
                     "factor: Nautilus' portfolio analyzer; max DD: mark-to-market equity; buy & hold: no fees/funding")
        paths = [(f"reports of {o.spec.name}", o.results_path) for o in self.outcomes if o.results_path is not None]
        if self.table_path is not None:
            paths.append(("comparison table", self.table_path))
        width = max([len("reports of ") + 20, *(len(label) for label, _ in paths)])  # long names: still one column
        lines += [f"  {label:<{width}} {path}" for label, path in paths]
        return "\n".join(lines)


def run_all(
    specs: list[BacktestFile],
    log_level: str = "ERROR",
    results_dir: str | Path | None = None,
    show_progress: bool = True,
    sources: list[str] | None = None,
) -> Comparison:
    """
    Run each backtest file and build the comparison table with a buy-and-hold line.

    A run that fails on its file or catalog (``FileNotFoundError``, ``ValueError``: e.g. no bars in its span) does
    not stop the others: its one-line error, naming its file, goes to :attr:`Comparison.failures`.

    Parameters
    ----------
    specs : list[BacktestFile]
        Backtest files on the same catalog, instrument and span.
    log_level : str, default "ERROR"
        Nautilus log level.
    results_dir : str or Path, optional
        Write each run's reports to ``<results_dir>/<name>-<UTC time>/`` and the table to
        ``<results_dir>/comparison-<UTC time>/``.
    show_progress : bool, default True
        Progress bars (rich) on long runs.
    sources : list[str], optional
        The file each spec was read from, to name it in a failure (default: the spec's ``name``).

    Returns
    -------
    Comparison
        Without rows, buy-and-hold line or table when every run failed.

    Raises
    ------
    ValueError
        If the files do not share catalog, instrument, bar specification and time range, or none is given.
    """
    if not specs:
        raise ValueError("run_all needs at least one backtest file")
    names = sources or [s.name for s in specs]
    keys = [(str(s.catalog_path().resolve()), s.data.instrument_id, s.data.bar_spec, s.data.start, s.data.end)
            for s in specs]
    for name, key in zip(names, keys, strict=True):
        if key != keys[0]:
            raise ValueError(f"{name}: [data] (catalog, instrument_id, bar_spec, start, end) {key} differs from "
                             f"{names[0]}'s {keys[0]}; files compared with --all must share them")
    comparison = Comparison()
    with contextlib.ExitStack() as stack:
        progress: Progress | None = None
        task: TaskID | None = None
        if show_progress and len(specs) > 1:
            progress = stack.enter_context(Progress(TextColumn("backtests {task.description}"), BarColumn(),
                                                    MofNCompleteColumn(), TimeElapsedColumn(), transient=True,
                                                    console=Console(stderr=True)))  # stdout: the table alone
            task = progress.add_task("", total=len(specs))
        for spec, source in zip(specs, names, strict=True):
            if progress is not None and task is not None:
                progress.update(task, description=spec.name)
            try:
                outcome = run_backtest(spec, log_level=log_level, results_dir=results_dir,
                                       show_progress=show_progress)
            except (FileNotFoundError, ValueError) as exc:
                comparison.failures.append(naming_file(source, exc))
                if progress is not None and task is not None:
                    progress.advance(task)
                continue
            comparison.outcomes.append(outcome)
            if outcome.row is not None:  # run_backtest sets it on every run it returns
                comparison.rows.append(outcome.row)
            if progress is not None and task is not None:
                progress.advance(task)
    if not comparison.outcomes:
        return comparison
    first_stats = comparison.outcomes[0].run_stats
    if first_stats is not None:  # likewise
        comparison.rows.append(buy_and_hold_row(first_stats))
    if results_dir is not None:
        folder = results_folder(Path(results_dir), "comparison")
        pd.DataFrame([r.to_dict() for r in comparison.rows]).to_csv(folder / "comparison.csv", index=False)
        (folder / "comparison.md").write_text(format_table(comparison.rows, markdown=True) + "\n")
        comparison.table_path = folder
    return comparison
