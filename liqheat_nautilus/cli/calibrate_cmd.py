"""``liqheat calibrate``: fit the map to real liquidations (walk-forward) and write a map profile file."""

import argparse
import dataclasses
import json
import math
import os
import sys
from pathlib import Path

from liqheat_nautilus.cli import (
    EXIT_USAGE,
    add_ray_arguments,
    failed,
    name_values,
    on_interrupt,
    sigterm_as_interrupt,
)
from liqheat_nautilus.cli.evaluate_cmd import (
    SHIPPED_PROFILE,
    add_data_command,
    dataset_of,
    executor_from_args,
    input_paths,
    load_data,
    parse_params,
)
from liqheat_nautilus.core.profile import ProfileError, dump_profile
from liqheat_nautilus.evaluation.calibration import (
    DEFAULT_BASE,
    DEFAULT_SPACE,
    CalibrationResult,
    ParamRange,
    calibrate,
    check_space,
)
from liqheat_nautilus.evaluation.checks import CALIBRATE_OPTIONS, check_settings
from liqheat_nautilus.evaluation.runner import EvaluationSettings, judged_windows
from liqheat_nautilus.jsonable import json_safe
from liqheat_nautilus.paths import default_results_dir
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.validation import output_file


def register(subparsers) -> None:
    """
    Add ``calibrate`` to the ``liqheat`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``liqheat`` parser's subcommands (``ArgumentParser.add_subparsers()``).
    """
    p = add_data_command(
        subparsers, "calibrate",
        help="fit the map's leverage distribution, holding time and long/short skew to real liquidations",
        description=("Fit map parameters with Optuna so that the map's estimated liquidations per window rank like "
                     "the actual ones, validated walk-forward (fit on earlier windows, score on later ones), and "
                     "write the fit as a map profile file. Inputs as for 'liqheat evaluate' (default: the shipped "
                     "Coinglass BTC 4 h set)."),
    )
    p.add_argument("--out", type=Path, default=None,
                   help="profile file to write (default results/calibrated_profile.toml of the project, where "
                        f"backtest, plot and sweep write theirs; the shipped one is {SHIPPED_PROFILE})")
    p.add_argument("--folds", type=int, default=4, help="walk-forward folds (default %(default)s)")
    p.add_argument("--trials", type=int, default=40, help="Optuna trials per fit (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="sampler seed (default %(default)s)")
    p.add_argument("--batch", type=int, default=4,
                   help="trials asked from Optuna at once and run together (default %(default)s)")
    add_ray_arguments(p, "trials")
    p.add_argument("--fit", action="append", default=[], metavar="NAME=LOW:HIGH[:log]",
                   help="a MapParams field to fit and its range (repeatable; default: "
                        + ", ".join(f"{k}={r.low:g}:{r.high:g}{':log' if r.log else ''}"
                                    for k, r in DEFAULT_SPACE.items()) + ")")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="fixed MapParams field for every candidate (repeatable; VALUE is JSON, else a string)")
    p.add_argument("--warmup-hours", type=float, default=EvaluationSettings().warmup_hours,
                   help="hours after the first window that are replayed but not judged (default %(default)s)")
    p.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                   help="also write the result as JSON to FILE (or stdout)")
    p.set_defaults(func=run)


def _param_range(text: str) -> ParamRange:
    """``LOW:HIGH[:log]`` to a range; ``ValueError`` unless ``LOW < HIGH`` are finite (``LOW > 0`` with ``log``)."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "log"):
        raise ValueError(text)
    low, high = float(parts[0]), float(parts[1])
    if not (math.isfinite(low) and math.isfinite(high) and low < high) or (len(parts) == 3 and low <= 0):
        raise ValueError(text)
    return ParamRange(low, high, log=len(parts) == 3)


def _table(result: CalibrationResult) -> str:
    lines = ["walk-forward folds (Spearman on windows the fit never saw; exc·OI = adverse excursion × OI baseline):",
             f"  {'test windows':<37} {'long map/default/exc·OI':<26} {'short map/default/exc·OI':<26} fitted"]
    for f in result.folds:
        params = ", ".join(f"{k}={v:.4g}" for k, v in f.params.items())
        lines.append(f"  {f.test_windows[0]} .. {f.test_windows[1]}  "
                     f"{f.test_long:.3f} / {f.default_long:.3f} / {f.baseline_long:.3f}      "
                     f"{f.test_short:.3f} / {f.default_short:.3f} / {f.baseline_short:.3f}      {params}")
    lines += [
        f"out of sample (all folds): long {result.oos_long:.3f} (default {result.oos_default_long:.3f}, exc·OI "
        f"{result.oos_baseline_long:.3f}), short {result.oos_short:.3f} (default {result.oos_default_short:.3f}, "
        f"exc·OI {result.oos_baseline_short:.3f}); totals ratio long {result.oos_totals_ratio_long:.2f}, short "
        f"{result.oos_totals_ratio_short:.2f}",
        f"final fit on {result.fitted_windows[2]} windows {result.fitted_windows[0]} .. {result.fitted_windows[1]}: "
        + ", ".join(f"{k}={v:.4g}" for k, v in result.params.items()),
        f"  in sample (not a forecast): long {result.in_sample_long:.3f} (default "
        f"{result.in_sample_default_long:.3f}), short {result.in_sample_short:.3f} (default "
        f"{result.in_sample_default_short:.3f}); "
        f"totals ratio long {result.totals_ratio_long:.2f}, short {result.totals_ratio_short:.2f}",
        f"{result.n_trials} trials per fit, {result.seconds:.0f} s",
    ]
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)


def result_to_dict(result: CalibrationResult) -> dict:
    """
    Plain-JSON form of a calibration (non-finite numbers become ``None``).

    Parameters
    ----------
    result : CalibrationResult
        What ``liqheat calibrate`` fitted and scored (folds, in- and out-of-sample figures, the profile's fields).

    Returns
    -------
    dict
    """
    return json_safe(dataclasses.asdict(result))


@on_interrupt("calibrate interrupted: no profile written (the folds finished so far are printed above)")
def run(args: argparse.Namespace) -> int:
    """
    Run ``liqheat calibrate`` with the parsed arguments and return its exit status.

    Exit status: 0 on success, 2 for an option value or combination that is wrong whatever the files hold or an
    ``--out`` / ``--json`` file that cannot be written there (a usage error), 1 when the inputs cannot be read, the
    calibration cannot run or its result cannot be written (the figures are printed first), 130 after Ctrl-C or
    SIGTERM (no profile is written; a profile is written whole, through a temporary file, or not at all).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``liqheat calibrate`` (:func:`register`'s options).

    Returns
    -------
    int
        The exit status.
    """
    from liqheat_nautilus.sweep.executor import ExecutorError

    if args.out is None:
        args.out = default_results_dir() / "calibrated_profile.toml"
    try:  # option values that need no file: a usage error (exit 2, as argparse's and the other commands')
        for option, value in (("--folds", args.folds), ("--trials", args.trials), ("--batch", args.batch)):
            if value < 1:
                raise ValueError(f"{option} must be >= 1, was {value}")
        space = name_values(args.fit, "--fit", "NAME=LOW:HIGH[:log] with LOW < HIGH (LOW > 0 for log)",
                            _param_range) if args.fit else dict(DEFAULT_SPACE)
        base = parse_params(args.param)
        settings = EvaluationSettings(warmup_hours=args.warmup_hours, seed=args.seed)
        check_settings(dataclasses.replace(settings, extra_params={**DEFAULT_BASE, **base}), CALIBRATE_OPTIONS)
        check_space({**DEFAULT_BASE, **base}, space)
        dataset_of(args)
        inputs = input_paths(args)  # an unusable output path is a usage error, as every command's
        output_file(args.out, "--out", inputs)
        if args.json not in (None, "-"):
            output_file(args.json, "--json", {**inputs, "--out": args.out})
    except ValueError as exc:
        return failed("calibrate", exc, EXIT_USAGE)
    try:
        data = load_data(args)
        judged = judged_windows(data, settings)
        with sigterm_as_interrupt(), executor_from_args(args) as executor:  # SIGTERM: as Ctrl-C
            result = calibrate(data, judged, base=base, space=space, folds=args.folds, n_trials=args.trials,
                               seed=args.seed, executor=None if executor.in_process else executor, batch=args.batch,
                               progress=lambda m: print(m, file=sys.stderr))
        description = {
            "method": f"liqheat calibrate: Optuna TPE (seed {args.seed}), {args.trials} trials per fit, "
                      f"walk-forward over {args.folds} folds; objective mean(long, short) Spearman",
            "data": data.source,
            **({"instrument_id": data.instrument_id} if data.instrument_id else {}),
            "fitted_on": f"{result.fitted_windows[0]} .. {result.fitted_windows[1]} "
                         f"({result.fitted_windows[2]} windows)",
            "fixed": {k: v for k, v in result.base.items() if isinstance(v, int | float | str | bool)},
            "out_of_sample": {"long": result.oos_long, "short": result.oos_short,
                              "totals_ratio_long": result.oos_totals_ratio_long,
                              "totals_ratio_short": result.oos_totals_ratio_short,
                              "default_long": result.oos_default_long, "default_short": result.oos_default_short,
                              "baseline_long": result.oos_baseline_long,
                              "baseline_short": result.oos_baseline_short},
            "in_sample": {"long": result.in_sample_long, "short": result.in_sample_short,
                          "totals_ratio_long": result.totals_ratio_long,
                          "totals_ratio_short": result.totals_ratio_short},
        }
        if not description["fixed"]:
            del description["fixed"]
    except (IngestError, ValueError, ProfileError, OSError, ExecutorError) as exc:
        return failed("calibrate", exc)
    print(_table(result))  # before any file is written: a failed write loses no figure
    try:
        if args.json is not None:
            text = json.dumps(result_to_dict(result), indent=2)
            if args.json == "-":
                print(text)
            else:
                Path(args.json).parent.mkdir(parents=True, exist_ok=True)
                Path(args.json).write_text(text + "\n", encoding="utf-8")
        path = _write_profile(Path(args.out), {**result.base, **result.params}, description)
    except (ProfileError, OSError) as exc:
        return failed("calibrate", f"cannot write the result ({exc}); the fit is printed above")
    print(f"profile written to {path}")
    return 0


def _write_profile(path: Path, fields: dict, description: dict) -> Path:
    """Write the profile whole or not at all: a temporary file beside it, renamed over ``path`` once complete."""
    tmp = path.with_name(f".{path.name}.partial")
    try:
        dump_profile(tmp, fields, description)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path

