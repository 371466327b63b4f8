"""``liqheat evaluate``: judge the liquidation map against actual liquidations and price outcomes."""

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from liqheat_nautilus import validation
from liqheat_nautilus.cli import (
    EXIT_USAGE,
    OneFile,
    add_oi_arguments,
    add_ray_arguments,
    failed,
    name_values,
    on_interrupt,
    ray_options,
    sigterm_as_interrupt,
    summed_oi_options,
)
from liqheat_nautilus.evaluation.catalog_input import DEFAULT_WINDOW_HOURS, check_open_interest_of, read_catalog
from liqheat_nautilus.evaluation.checks import (
    CLI_OPTIONS,
    MAX_HOURS,
    all_models,
    all_profiles,
    check_settings,
    utc_ns,
)
from liqheat_nautilus.evaluation.coinglass import default_dataset_dir, read_coinglass_dir
from liqheat_nautilus.evaluation.csv_inputs import (
    read_bars_csv,
    read_liquidations_csv,
    read_observations_csv,
    read_taker_csv,
)
from liqheat_nautilus.evaluation.report import print_report, render_markdown, report_to_json
from liqheat_nautilus.evaluation.runner import EvaluationSettings, run_evaluation
from liqheat_nautilus.evaluation.series import EvaluationData, Observations
from liqheat_nautilus.paths import project_root
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.validation import output_file

if TYPE_CHECKING:  # imported when used: Ray is loaded only by the commands that run tasks
    from liqheat_nautilus.sweep.executor import Executor

DATASETS = ("coinglass", "csv", "catalog")
HOLDOUT_START = "2025-12-01"
"""Windows of the shipped Coinglass set from this date on were not looked at while the defaults were chosen."""
SHIPPED_END = "2026-01-05"
"""The shipped Coinglass set's windows end before this date: later windows were seen by no default and no fit."""
SHIPPED_PROFILE = Path("config") / "profiles" / "btc_coinglass_calibrated.toml"
"""The calibrated profile of the shipped Coinglass set (``liqheat calibrate`` on it), under the project root."""


def register(subparsers) -> None:
    """
    Add ``evaluate`` to the ``liqheat`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``liqheat`` parser's subcommands (``ArgumentParser.add_subparsers()``).
    """
    p = add_data_command(
        subparsers, "evaluate", help="judge the map against actual liquidations and price outcomes",
        description=("Replay the liquidation map for every model × leverage profile and report liquidation "
                     "tracking, cluster attraction and magnet-bias accuracy, each beside a baseline that does "
                     "not use the map. Default: the shipped Coinglass BTC 4 h set."),
    )
    p.add_argument("--models", nargs="+", default=None, help=f"models (default all: {' '.join(all_models())})")
    p.add_argument("--profiles", nargs="+", default=None,
                   help=f"leverage profiles (default all: {' '.join(all_profiles())})")
    d = EvaluationSettings()
    p.add_argument("--profile-file", action="append", default=[], type=Path, metavar="FILE",
                   help="map profile file (liqheat calibrate) evaluated after the defaults (repeatable; default: "
                        "the shipped calibrated profile of the Coinglass set when that set is evaluated)")
    p.add_argument("--no-grid", action="store_true", help="skip the model × leverage-profile grid")
    p.add_argument("--holdout-start", default=None, metavar="DATE",
                   help="also report tracking on the windows from DATE on (default for the shipped set: "
                        f"{HOLDOUT_START}, the windows not used to choose the defaults)")
    p.add_argument("--oi-venue-share", type=float, default=None, metavar="SHARE",
                   help="share of the open interest held on the venue whose liquidations are counted, for the "
                        "totals ratio only (default 1; see docs/evaluation.md for the shipped set)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="extra MapParams field for every run, e.g. --param half_life_hours=72 (repeatable; "
                        "VALUE is JSON, else a string)")
    p.add_argument("--bin-bps", type=float, default=d.bin_bps, help="map bin width, bps (default %(default)s)")
    p.add_argument("--n-bins", type=int, default=d.n_bins, help="map bins (default %(default)s)")
    p.add_argument("--warmup-hours", type=float, default=d.warmup_hours,
                   help="hours after the first window that are replayed but not judged (default %(default)s)")
    p.add_argument("--top-k", type=int, default=d.top_k, help="clusters judged per snapshot (default %(default)s)")
    p.add_argument("--max-distance-pct", type=float, default=d.max_distance_pct,
                   help="judge clusters within this distance of price, %% (default %(default)s)")
    p.add_argument("--min-distance-pct", type=float, default=d.min_distance_pct,
                   help="... and at least this far from it, %%: one distance band, e.g. --min-distance-pct 0.5 "
                        "--max-distance-pct 1 (default %(default)s)")
    p.add_argument("--touch-hours", type=float, nargs="+", default=list(d.touch_hours),
                   help="attraction horizons H, hours (default %(default)s)")
    p.add_argument("--bias-hours", type=float, nargs="+", default=list(d.bias_hours),
                   help="bias horizons H, hours (default %(default)s)")
    p.add_argument("--bootstrap", type=int, default=d.n_boot,
                   help="block-bootstrap resamples, 0 to skip (default %(default)s)")
    p.add_argument("--seed", type=int, default=d.seed, help="bootstrap seed (default %(default)s)")
    add_ray_arguments(p, "replays")
    p.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                   help="write the report as JSON to FILE (or stdout with no FILE or '-') instead of tables")
    p.add_argument("--markdown", action="store_true",
                   help="print GitHub-markdown tables instead of rich tables (also beside --json FILE)")
    p.set_defaults(func=run)


def add_data_command(subparsers, name: str, help: str, description: str) -> argparse.ArgumentParser:
    """
    Add a subcommand that reads the evaluation's inputs: ``evaluate`` and ``calibrate`` take the same ones.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``liqheat`` subparsers.
    name, help, description : str
        The subcommand's name, one-line help and description.

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser holding ``--dataset`` and its files, for the subcommand's own options.
    """
    p = subparsers.add_parser(name, help=help, description=description)
    p.add_argument("--dataset", choices=DATASETS, default=None,
                   help="'coinglass' (the shipped set, default), 'csv' (give --bars, --open-interest, "
                        "--liquidations and optionally --funding) or 'catalog' (give --catalog and --instrument-id; "
                        "--liquidations, else the catalog's LiquidationEvent prints per --window-hours; optionally "
                        "--oi-instrument-ids)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help=f"folder of the Coinglass set (default {default_dataset_dir()})")
    p.add_argument("--bars", type=Path, action=OneFile,
                   help="CSV timestamp,open,high,low,close,volume (timestamp = bar open)")
    p.add_argument("--open-interest", type=Path, action=OneFile,
                   help="CSV timestamp,oi_usd (observation time; or open_interest_usd, as for ingest csv)")
    p.add_argument("--funding", type=Path, action=OneFile,
                   help="CSV timestamp,rate (fraction per interval, observation time; or funding_rate)")
    p.add_argument("--liquidations", type=Path, action=OneFile,
                   help="CSV timestamp,long_usd,short_usd (timestamp = window start)")
    p.add_argument("--taker-volume", type=Path, action=OneFile,
                   help="optional CSV timestamp,buy_usd,sell_usd (timestamp = period start)")
    p.add_argument("--catalog", type=Path, help="Nautilus ParquetDataCatalog folder (Bar, OpenInterest, FundingRate)")
    p.add_argument("--instrument-id", help="instrument in the catalog, e.g. SOL-USDT-SWAP.OKX")
    p.add_argument("--bar-type", help="bar type in the catalog (needed when it holds several)")
    p.add_argument("--window-hours", type=float, default=None,
                   help="--dataset catalog without --liquidations: window for summing the catalog's LiquidationEvent "
                        f"prints (hours, default {DEFAULT_WINDOW_HOURS:g})")
    add_oi_arguments(p, "--dataset catalog: ")
    p.add_argument("--windows", type=int, default=None, help="judge only the first N windows (quick look)")
    return p


def dataset_of(args: argparse.Namespace) -> str:
    """
    Return the dataset the arguments select (``coinglass``, ``csv`` or ``catalog``), checking the input options.

    Also checks ``--workers`` (``evaluate`` and ``calibrate`` share these options).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``evaluate`` (or ``calibrate``) arguments.

    Returns
    -------
    str
        ``--dataset`` when given; otherwise ``catalog`` with ``--catalog``, ``csv`` with any CSV input option,
        else ``coinglass``.

    Raises
    ------
    ValueError
        If the CSV or catalog mode lacks a required option, an input option does not apply to the dataset (e.g.
        ``--oi-instrument-ids`` with ``--dataset coinglass``), ``--instrument-id`` is not a Nautilus instrument
        id (``SYMBOL.VENUE``), ``--bar-type`` is neither its bar type nor a bar specification, ``--window-hours``,
        ``--windows`` or ``--workers`` is out of range, ``--address`` is malformed (:func:`ray_options`), or the
        summed-OI options are bad (:func:`summed_oi_options`), whatever the files hold: a usage error.
    """
    ray_options(args)  # the executor's own checks (ExecutorError) come after the data was read
    if args.window_hours is not None and not 0.0 < args.window_hours <= MAX_HOURS:
        raise ValueError(f"--window-hours must be > 0 and at most {MAX_HOURS:.0f}, was {args.window_hours:g}")
    if args.windows is not None and args.windows < 1:
        raise ValueError(f"--windows must be >= 1, was {args.windows}")
    csv_given = any(getattr(args, k) is not None for k in ("bars", "open_interest", "liquidations", "funding"))
    dataset = args.dataset or ("catalog" if args.catalog else "csv" if csv_given else "coinglass")
    _reject_unused(args, dataset)
    if dataset == "coinglass" and csv_given:
        raise ValueError("--bars/--open-interest/--funding/--liquidations need --dataset csv")
    if dataset == "catalog" and (args.catalog is None or args.instrument_id is None):
        raise ValueError("--dataset catalog needs --catalog and --instrument-id")
    if args.instrument_id is not None:  # (it was "no bars of <it>", exit 1)
        validation.instrument_id(args.instrument_id, "--instrument-id")
    if args.bar_type is not None and dataset == "catalog":  # (it was "no bars of <id>-<it>-EXTERNAL", exit 1)
        _check_bar_type(args.bar_type, args.instrument_id)
    if args.window_hours is not None and args.liquidations is not None:  # it was ignored silently
        raise ValueError("--window-hours sums the catalog's prints; with --liquidations the file's windows count")
    summed_oi_options(args)
    if dataset == "csv":
        missing = [f"--{k.replace('_', '-')}" for k in ("bars", "open_interest", "liquidations")
                   if getattr(args, k) is None]
        if missing:
            raise ValueError(f"--dataset csv needs {', '.join(missing)}")
    return dataset


def _check_bar_type(value: str, instrument: str) -> None:
    """
    Check ``--bar-type``: the instrument's full bar type or a bar specification (as the catalog reader takes it).

    Raises
    ------
    ValueError
        Naming ``--bar-type`` and both valid forms.
    """
    spec, source = value, ""
    if value.startswith(f"{instrument}-"):
        spec, _, source = value[len(instrument) + 1:].rpartition("-")
    try:
        if source not in ("", "EXTERNAL", "INTERNAL"):
            raise ValueError(source)
        validation.bar_spec(spec, "--bar-type", instrument)
    except ValueError:
        raise ValueError(f"--bar-type {value!r} is neither a bar type of --instrument-id {instrument} (e.g. "
                         f"'{instrument}-1-MINUTE-LAST-EXTERNAL') nor a bar specification STEP-AGGREGATION-PRICE_TYPE "
                         "(e.g. '1-MINUTE-LAST')") from None


def load_data(args: argparse.Namespace) -> EvaluationData:
    """
    Read the inputs named by the arguments.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``evaluate`` arguments.

    Returns
    -------
    EvaluationData

    Raises
    ------
    IngestError
        If a file is missing or bad.
    ValueError
        As :func:`dataset_of`; or if ``--param inverse`` contradicts the catalog's instrument.
    """
    dataset = dataset_of(args)
    if dataset == "coinglass":
        data = read_coinglass_dir(args.data_dir)
    elif dataset == "catalog":
        oi_ids, oi_max_age_secs = summed_oi_options(args)
        if oi_ids:
            check_open_interest_of(args.catalog, oi_ids, "--oi-instrument-ids")
        data = read_catalog(args.catalog, args.instrument_id, args.liquidations, args.bar_type,
                            args.window_hours or DEFAULT_WINDOW_HOURS,
                            oi_instrument_ids=oi_ids, oi_max_age_secs=oi_max_age_secs)
    else:
        from liqheat_nautilus.adapters.csv_files.loaders import FUNDING_COLUMN, OPEN_INTEREST_COLUMNS

        # the files of `liqheat catalog ingest csv` are read as they are (their column names as aliases)
        funding = (read_observations_csv(args.funding, "rate", allow_negative=True, aliases=(FUNDING_COLUMN,))
                   if args.funding else Observations(np.zeros(0, dtype=np.int64), np.zeros(0), "funding"))
        data = EvaluationData(
            bars=read_bars_csv(args.bars),
            open_interest=read_observations_csv(args.open_interest, "oi_usd",
                                                aliases=(OPEN_INTEREST_COLUMNS["usd"],)),
            funding=funding,
            liquidations=read_liquidations_csv(args.liquidations),
            source="CSV files ({})".format(", ".join(  # every file read (funding and taker volume were left out)
                str(f) for f in (args.bars, args.open_interest, args.funding, args.liquidations, args.taker_volume)
                if f)),
            taker=read_taker_csv(args.taker_volume) if args.taker_volume else None,
        )
    if args.windows is not None:
        data = data.head_windows(args.windows)
    data.check_inverse(parse_params(args.param))
    return data


_DATASET_OPTIONS = {
    "window_hours": ("catalog",),
    "data_dir": ("coinglass",),
    "bars": ("csv",),
    "open_interest": ("csv",),
    "funding": ("csv",),
    "taker_volume": ("csv",),
    "liquidations": ("csv", "catalog"),
    "catalog": ("catalog",),
    "instrument_id": ("catalog",),
    "bar_type": ("catalog",),
    "oi_instrument_ids": ("catalog",),
    "oi_max_age_secs": ("catalog",),
}
"""The ``--dataset`` values each input option applies to."""


def _reject_unused(args: argparse.Namespace, dataset: str) -> None:
    """Raise ``ValueError`` naming an input option the chosen ``--dataset`` would silently ignore."""
    for name, datasets in _DATASET_OPTIONS.items():
        if getattr(args, name, None) is not None and dataset not in datasets:
            raise ValueError(f"--{name.replace('_', '-')} does not apply to --dataset {dataset} (only to "
                             f"--dataset {' or '.join(datasets)})")


def input_paths(args: argparse.Namespace) -> dict[str, Path | None]:
    """
    Return the input files and folders of ``evaluate`` / ``calibrate`` by option, for :func:`output_file`.

    An output given one of them would replace it (``--json`` given the ``--bars`` file wrote JSON over the bars).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``liqheat evaluate`` or ``liqheat calibrate``.

    Returns
    -------
    dict[str, Path | None]
        Option (``"--bars"``, ``"--profile-file[0]"``, ...) -> path given (None when not given); the shipped
        Coinglass folder under ``"--data-dir"`` when that data set is read by default.
    """
    paths = {f"--{name.replace('_', '-')}": getattr(args, name, None)
             for name in ("data_dir", "bars", "open_interest", "funding", "taker_volume", "liquidations", "catalog")}
    for i, profile in enumerate(getattr(args, "profile_file", None) or ()):
        paths[f"--profile-file[{i}]"] = Path(profile)
    if args.data_dir is None and dataset_of(args) == "coinglass":
        paths["--data-dir"] = default_dataset_dir()  # the shipped set, read by default
    return paths


def parse_params(items: list[str]) -> dict:
    """
    Turn ``NAME=VALUE`` strings into a dict of MapParams fields.

    VALUE is parsed as JSON (lists become tuples), else kept as a string.

    Parameters
    ----------
    items : list[str]
        E.g. ``["half_life_hours=72", "entry_mode=vwap"]``.

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        If an item has no ``=``, or a field is given twice.
    """
    return name_values(items, "--param", "NAME=VALUE", _json_or_text)


def _json_or_text(raw: str) -> object:
    """``raw`` read as JSON (a list as a tuple), else the text itself."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return raw
    return tuple(value) if isinstance(value, list) else value


def settings_from_args(args: argparse.Namespace, data: EvaluationData | None = None) -> EvaluationSettings:
    """
    Return evaluation settings from the parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``liqheat evaluate`` (or ``calibrate``, which shares the data options).
    data : EvaluationData, optional
        The data to be evaluated: a Coinglass folder whose windows all start on the same side of ``HOLDOUT_START``
        gets no default holdout (it would repeat the "all windows" rows, or be empty).

    Returns
    -------
    EvaluationSettings
    """
    shipped = _is_shipped(args)
    if shipped and data is not None:
        before = data.liquidations.start_ns < utc_ns(HOLDOUT_START, "HOLDOUT_START")
        if before.all() or not before.any():
            shipped = False  # a Coinglass folder of another period: every window on one side of the holdout start
    profiles = [str(f) for f in args.profile_file]
    shipped_profile = project_root() / SHIPPED_PROFILE
    if _is_shipped(args) and not profiles and shipped_profile.is_file():
        profiles = [str(shipped_profile)]
    return EvaluationSettings(
        profile_files=tuple(profiles),
        grid=not args.no_grid,
        holdout_start=args.holdout_start or (HOLDOUT_START if shipped else None),
        oi_venue_share=args.oi_venue_share if args.oi_venue_share is not None else 1.0,
        models=tuple(args.models) if args.models else None,
        profiles=tuple(args.profiles) if args.profiles else None,
        bin_bps=args.bin_bps,
        n_bins=args.n_bins,
        warmup_hours=args.warmup_hours,
        top_k=args.top_k,
        max_distance_pct=args.max_distance_pct,
        min_distance_pct=args.min_distance_pct,
        touch_hours=tuple(args.touch_hours),
        bias_hours=tuple(args.bias_hours),
        n_boot=args.bootstrap,
        seed=args.seed,
        extra_params=parse_params(args.param),
    )


def out_of_sample_note(data: EvaluationData, with_profile: bool = True) -> tuple[str, ...]:
    """
    Return a note counting the windows that start after the shipped Coinglass set (none: no note).

    Those windows were seen by none of the choices made on the shipped set (the defaults, the shipped calibrated
    profile): whatever data they come from, the figures on them are out of sample for both.

    Parameters
    ----------
    data : EvaluationData
        The data to be evaluated (its liquidation windows' start times are compared with the shipped set's end).
    with_profile : bool, default True
        Whether the shipped calibrated profile is among the runs (a Coinglass folder); else the note names the
        defaults alone (a CSV or catalog dataset of any instrument, where the profile is not evaluated).

    Returns
    -------
    tuple[str, ...]
        One note, or none.
    """
    starts = data.liquidations.start_ns
    later = int(np.count_nonzero(starts >= utc_ns(SHIPPED_END, "SHIPPED_END")))
    if not later:
        return ()
    if not with_profile:
        return (f"{later} of the {starts.size} windows start on or after {SHIPPED_END}, after the whole shipped "
                "Coinglass set on which the defaults were chosen: out of sample for them.",)
    return (f"{later} of the {starts.size} windows start on or after {SHIPPED_END}, after the whole shipped Coinglass "
            "set on which the defaults were chosen and the shipped calibrated profile was fitted: out of sample for "
            "both.",)


def _is_shipped(args: argparse.Namespace) -> bool:
    """Whether the arguments select the shipped Coinglass set (no other dataset, no CSV files, no catalog)."""
    csv_given = any(getattr(args, k) is not None for k in ("bars", "open_interest", "liquidations", "funding"))
    return args.dataset in (None, "coinglass") and not csv_given and args.catalog is None


def executor_from_args(args: argparse.Namespace) -> "Executor":
    """
    Return the executor ``--workers`` and ``--address`` ask for (``evaluate`` and ``calibrate``).

    One local worker runs the tasks in this process; more workers, or a cluster address, run them as Ray tasks
    with their logs captured.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (``workers``: int >= 1, ``address``: a Ray address or None).

    Returns
    -------
    Executor
        Not yet started (Ray starts on first use).
    """
    from liqheat_nautilus.sweep.executor import Executor

    in_process = args.address is None and args.workers == 1
    return Executor(workers=args.workers, address=args.address, in_process=in_process, capture_logs=not in_process)


@on_interrupt("evaluate interrupted: nothing written")
def run(args: argparse.Namespace) -> int:
    """
    Run ``liqheat evaluate`` with the parsed arguments and return its exit status.

    Exit status: 0 on success, 2 for an option value or combination that is wrong whatever the files hold or a
    ``--json`` file that cannot be written there (a usage error, as argparse's and the other commands'), 1 when the
    inputs cannot be read or evaluated, 130 after Ctrl-C or SIGTERM.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``liqheat evaluate`` (:func:`register`'s options).

    Returns
    -------
    int
        The exit status.
    """
    from liqheat_nautilus.sweep.executor import ExecutorError

    try:
        dataset_of(args)
        grid_only = [f"--{name}" for name in ("models", "profiles") if getattr(args, name)]
        if args.no_grid and grid_only:  # they choose the grid's runs: ignored without a grid
            verb = "choose" if len(grid_only) > 1 else "chooses"
            raise ValueError(f"{' and '.join(grid_only)} {verb} the grid's runs; --no-grid skips the grid (drop one)")
        grid_fields = sorted({"bin_bps", "n_bins"} & set(parse_params(args.param)))
        if grid_fields:  # two options for one setting: --param won silently over --bin-bps/--n-bins
            options = " and ".join(f"--{f.replace('_', '-')}" for f in grid_fields)
            raise ValueError(f"--param {', '.join(grid_fields)}: set the map grid with {options} (evaluate's "
                             "option for it), not --param")
        if args.json == "-" and args.markdown:  # both print to stdout: --markdown was ignored
            raise ValueError("--json - and --markdown both print to stdout: choose one, or write the JSON to a "
                             "file (--json report.json --markdown)")
        check_settings(settings_from_args(args), CLI_OPTIONS)
        if args.json not in (None, "-"):  # an unusable output path is a usage error, as every command's
            output_file(args.json, "--json", input_paths(args))
    except ValueError as exc:
        return failed("evaluate", exc, EXIT_USAGE)
    try:
        data = load_data(args)
        data = dataclasses.replace(data, notes=data.notes + out_of_sample_note(
            data, with_profile=_is_shipped(args) and not args.profile_file))  # the runs that include it
        settings = settings_from_args(args, data)
        with sigterm_as_interrupt(), executor_from_args(args) as executor:  # SIGTERM: as Ctrl-C
            report = run_evaluation(data, settings, executor=executor, names=CLI_OPTIONS,
                                    progress=lambda msg: print(f"evaluating {msg}", file=sys.stderr))
    except (IngestError, ValueError, ExecutorError) as exc:
        return failed("evaluate", exc)
    if args.json is not None:
        text = report_to_json(report)
        if args.json == "-":
            print(text)
        else:
            try:
                Path(args.json).parent.mkdir(parents=True, exist_ok=True)
                Path(args.json).write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                print(text)  # the evaluation is not lost
                return failed("evaluate", f"cannot write --json {args.json} ({exc}); the report is printed on "
                                          "stdout instead")
            print(f"wrote {args.json}", file=sys.stderr)
    if args.markdown and args.json != "-":  # beside a JSON file too (it was ignored there)
        print(render_markdown(report))
    elif args.json is None:
        print_report(report)
    return 0


def main(argv: list[str] | None = None) -> int:
    """
    Run ``evaluate`` on its own (``python -m liqheat_nautilus.cli.evaluate_cmd``).

    Parameters
    ----------
    argv : list[str], optional
        Arguments after ``evaluate``.

    Returns
    -------
    int
        Exit code.
    """
    parser = argparse.ArgumentParser(prog="liqheat")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["evaluate", *(argv if argv is not None else sys.argv[1:])])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
