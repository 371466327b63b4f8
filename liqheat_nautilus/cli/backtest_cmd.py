"""``liqheat backtest``: run a backtest from a config file (default: the embedded real sample), or all four."""

import argparse
import sys
from pathlib import Path

from liqheat_nautilus.cli import EXIT_FAILURE, EXIT_USAGE, add_instrument_argument, failed, sigterm_as_interrupt
from liqheat_nautilus.paths import config_dir, default_results_dir

DEFAULT_CONFIG = "liquidation_hunt.toml"
ALL_CONFIGS = ("liquidation_hunt.toml", "support_resistance.toml", "cluster_breakout.toml", "oi_sizing.toml")
"""The four example strategies' configs in ``config/``, run by ``liqheat backtest --all``."""


def register(subparsers) -> None:
    """
    Add ``backtest`` to the ``liqheat`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``liqheat`` parser's subcommands (``ArgumentParser.add_subparsers()``).
    """
    parser = subparsers.add_parser(
        "backtest",
        help="run a backtest (default: liquidation hunt on the embedded real OKX sample)",
        description="Run a backtest from a config file, or the four example strategies with --all. "
                    "Reports (orders, fills, positions, account, signals, funding, stats) go to "
                    "<results-dir>/<name>-<UTC time>/.",
    )
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--config", type=Path, default=None,
                        help=f"backtest file (.toml/.yaml/.json); default config/{DEFAULT_CONFIG}")
    target.add_argument("--all", action="store_true",
                        help="run the four example strategies on the same catalog and print a comparison table")
    parser.add_argument("--config-dir", type=Path, default=None,
                        help="with --all: the folder holding the four strategies' files (default config/; e.g. "
                             "config/coinglass for the Coinglass BTC catalog)")
    parser.add_argument("--catalog", type=Path, default=None,
                        help="use this catalog instead of the one in the config(s)")
    add_instrument_argument(parser, "trade this instrument id of the catalog instead of the config's (e.g. "
                                    "BTCUSDT-PERP.BINANCE; default: the config's, or with --catalog and the "
                                    "shipped config(s), the catalog's only instrument); the venue and the "
                                    "components' ids and bar types follow")
    parser.add_argument("--bar-spec", default=None, metavar="SPEC",
                        help="replay these bars of the instrument instead of the config's [data] bar_spec, as a "
                             "Nautilus bar specification, e.g. 1-HOUR-LAST or 5-MINUTE-LAST (the catalog must hold "
                             "them); the components' bar types follow")
    parser.add_argument("--starting-balance", action="append", default=None, metavar="AMOUNT",
                        help="the venue's starting balance instead of the config's [venue] starting_balances, e.g. "
                             "'1 BTC' for a coin-margined --instrument-id (repeatable, one per currency)")
    parser.add_argument("--results-dir", "--out", dest="results_dir", type=Path, default=None,
                        help="root of the results folders (default: results/ in the project)")
    parser.add_argument("--no-reports", action="store_true", help="do not write the reports")
    parser.add_argument("--report", action=argparse.BooleanOptionalAction, default=True,
                        help="also write the HTML (and, with Chromium, PNG) backtest report chart: price over the "
                             "liquidation heatmap, entries/exits, equity, drawdown, comparison table (default on)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--log-level", default="ERROR",
                        help="Nautilus log level: OFF, TRACE, DEBUG, INFO, WARNING or ERROR (default ERROR)")
    parser.set_defaults(func=_run)


def _load(path: Path, args: argparse.Namespace):
    """
    Read a backtest file and apply ``--catalog`` / ``--instrument-id`` / ``--bar-spec`` / ``--starting-balance``.

    With ``--catalog``, no ``--instrument-id`` and the shipped files (no ``--config`` or ``--config-dir``, whose
    instrument is only the example's), a catalog whose only instrument with bars is another runs on that one, as
    ``liqheat plot`` takes the catalog's only instrument when none is named; a catalog of several, or a file of the
    user's naming an instrument the catalog does not hold, is refused by the run, listing the catalog's instruments.
    """
    from liqheat_nautilus.backtest import load_backtest_file
    from liqheat_nautilus.persistence.scan import bar_spans

    spec = load_backtest_file(path)
    instrument, given = args.instrument, "--instrument-id"
    if args.catalog is not None:
        spec = spec.with_catalog(args.catalog)
        shipped = args.config is None and args.config_dir is None
        if instrument is None and shipped and args.catalog.is_dir():  # unreadable files: the run's check names them
            held = bar_spans(args.catalog, on_error=lambda _error: None)
            if len(held) == 1 and spec.data.instrument_id not in held:
                (instrument,), given = held, "the catalog's only instrument"
    if args.starting_balance is not None:
        spec = spec.with_starting_balances(args.starting_balance)
    if instrument is not None:
        spec = spec.with_instrument(instrument)
    if args.bar_spec is not None:  # after the instrument: the bar type is the run's instrument's
        spec = spec.with_bar_spec(args.bar_spec)
    overrides = [f"{option} {value}" for option, value in ((given, instrument),
                                                           ("--bar-spec", args.bar_spec)) if value is not None]
    if overrides:
        try:
            spec.validate()
        except ValueError as exc:
            raise ValueError(f"{path} with {' '.join(overrides)}: {exc}") from exc
    return spec


def _run(args: argparse.Namespace) -> int:
    from liqheat_nautilus import validation
    from liqheat_nautilus.backtest import format_summary, run_backtest
    from liqheat_nautilus.backtest.config import naming_file

    try:
        if args.config_dir and not args.all:
            raise ValueError("--config-dir goes with --all; for one backtest file use --config")
        if args.config_dir and not args.config_dir.is_dir():  # was one "not found" line per strategy file
            raise ValueError(validation.wrong_kind(args.config_dir, True, "folder of backtest files")
                             or f"--config-dir {args.config_dir}: no such folder")
        if args.config_dir and not any((args.config_dir / name).exists() for name in ALL_CONFIGS):
            # was one "not found" line per example file, and the folder's own files went unmentioned
            held = sorted(p.name for p in args.config_dir.iterdir() if p.suffix in (".toml", ".yaml", ".yml", ".json"))
            raise ValueError(f"--config-dir {args.config_dir} holds none of the files --all runs ("
                             f"{', '.join(ALL_CONFIGS)})" + (f"; it holds {', '.join(held)}: run one with --config"
                                                             if held else ""))
        log_level = validation.log_level(args.log_level)
        if args.instrument is not None:  # its syntax; whether the catalog holds it is the run's to say
            validation.instrument_id(args.instrument, "--instrument-id")
        if args.bar_spec is not None:  # its syntax (Nautilus' parser); whether the catalog holds the bars: the run's
            validation.bar_spec(args.bar_spec, "--bar-spec")
        if args.starting_balance is not None:  # amounts and currencies; the settlement currency is the run's
            validation.balances(args.starting_balance, "--starting-balance")
        results_dir = None if args.no_reports else validation.output_dir(
            args.results_dir or default_results_dir(), "--results-dir")
    except ValueError as exc:  # a bad option value: a usage error
        return failed("backtest", exc, EXIT_USAGE)
    if args.all:
        with sigterm_as_interrupt():
            return _run_all(args, log_level, results_dir)
    path = args.config or config_dir() / DEFAULT_CONFIG
    try:
        spec = _load(path, args)
        with sigterm_as_interrupt():  # as Ctrl-C: the run's partial recording is discarded
            outcome = run_backtest(spec, log_level=log_level, results_dir=results_dir,
                                   show_progress=not args.no_progress)
    except (FileNotFoundError, ValueError) as exc:
        return failed("backtest", naming_file(path, exc))
    print(format_summary(outcome))
    if args.report and results_dir is not None:
        _write_chart_report(outcome, None)
    return 0


def _run_all(args: argparse.Namespace, log_level: str, results_dir: Path | None) -> int:
    """
    ``--all``: run every file of the folder that loads, compare them, then report each file that failed.

    A broken file does not stop the others: its error (one line naming it) is printed after the table and the exit
    code is 1.
    """
    from liqheat_nautilus.backtest import run_all
    from liqheat_nautilus.backtest.config import naming_file
    from liqheat_nautilus.backtest.summary import catalog_changed_message

    failures: list[str] = []
    loaded = []
    for name in ALL_CONFIGS:
        path = (args.config_dir or config_dir()) / name
        try:
            loaded.append((path, _load(path, args)))
        except (FileNotFoundError, ValueError) as exc:
            failures.append(naming_file(path, exc))
    comparison = None
    if loaded:
        try:
            comparison = run_all([spec for _, spec in loaded], log_level=log_level, results_dir=results_dir,
                                 show_progress=not args.no_progress, sources=[str(path) for path, _ in loaded])
        except (FileNotFoundError, ValueError) as exc:
            failures.append(str(exc))
    if comparison is not None and comparison.rows:
        print(comparison.text())
        for outcome in comparison.outcomes:
            if funding_missing := getattr(outcome, "funding_missing", ""):
                print(f"WARNING: {outcome.spec.name}: {funding_missing}", file=sys.stderr)
            if outcome.catalog_changed:
                print(f"WARNING: {catalog_changed_message(outcome)}", file=sys.stderr)
        if args.report and results_dir is not None:
            for outcome in comparison.outcomes:
                _write_chart_report(outcome, comparison.rows)
    failures += comparison.failures if comparison is not None else []
    for failure in failures:
        failed("backtest", failure)
    return EXIT_FAILURE if failures else 0


def _write_chart_report(outcome, comparison_rows) -> None:
    """Write the report chart of one run into its results folder and print the paths."""
    from liqheat_nautilus.charts.backtest_report import report_from_outcome
    from liqheat_nautilus.charts.browser import BrowserError, find_chromium

    formats = ("html", "png") if find_chromium() else ("html",)
    skipped = "" if "png" in formats else ("no Chromium found (apt-get install chromium, or set LIQHEAT_CHROMIUM to a "
                                           "Chromium executable)")
    try:
        files = report_from_outcome(outcome, outcome.results_path, comparison=comparison_rows, formats=formats)
    except BrowserError as exc:  # Chromium found but failed: the run and its page stand without the picture
        files = report_from_outcome(outcome, outcome.results_path, comparison=comparison_rows, formats=("html",))
        skipped = str(exc)
    for path in files.paths():
        print(f"  report chart     {path}")
    if skipped:  # the page is complete; only its picture needs a browser
        print(f"  report chart     PNG skipped: {skipped}")
