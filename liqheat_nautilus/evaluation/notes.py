"""The notes of an evaluation report: why a figure is undefined (nan), a seed shorter than configured.

Used by :func:`~liqheat_nautilus.evaluation.runner.run_evaluation` and, for its walk-forward figures, by
:func:`~liqheat_nautilus.evaluation.calibration.calibrate`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from liqheat_nautilus.core.anchor import seed_is_short
from liqheat_nautilus.core.profile import profile_calibration, profile_instrument_warning, profile_name
from liqheat_nautilus.evaluation.attraction import distance_band
from liqheat_nautilus.evaluation.metrics import bootstrap_block
from liqheat_nautilus.evaluation.series import EvaluationData
from liqheat_nautilus.times import parse_time

if TYPE_CHECKING:
    from liqheat_nautilus.evaluation.runner import EvaluationSettings, RunResult, _Context


def short_seed_notes(runs: list[RunResult]) -> tuple[str, ...]:
    """
    Return a note when a run's seed had less bar history than its ``seed_lookback_hours`` (the first such run).

    Parameters
    ----------
    runs : list[RunResult]
        The evaluation's runs (``seed_span_hours`` is nan for a run that was not seeded or failed: no note).

    Returns
    -------
    tuple[str, ...]
        One sentence naming the configuration, its bar history (h) and what to do, or nothing.
    """
    for run in runs:
        if seed_is_short(run.seed_span_hours, run.seed_lookback_hours):  # False for nan: not seeded, or failed
            name = "the default configuration" if run.model == "default" else f"{run.model} × {run.profile}"
            return (f"The seed of {name} had only {run.seed_span_hours:,.1f} h of bars before the first open-interest "
                    f"reading, against seed_lookback_hours = {run.seed_lookback_hours:g}: the open interest was spread "
                    f"over less history than configured. Give bars from {run.seed_lookback_hours:g} h before the "
                    "first reading (or lower seed_lookback_hours with --param).",)
    return ()


def profile_notes(data: EvaluationData, s: EvaluationSettings, ctx: _Context) -> tuple[str, ...]:
    """
    Say how many judged windows each ``--profile-file`` was fitted on, and when it was fitted on another instrument.

    A profile's figures over windows it was fitted on (``liqheat calibrate`` fits on every judged window once the
    walk-forward is scored) are in sample: the report's ``holdout`` rows are no holdout for it. A profile whose
    ``[calibration] instrument_id`` is not the data's instrument (``EvaluationData.instrument_id``: the Coinglass
    set's ``BTCUSDT-PERP.BINANCE``, ``--dataset catalog``'s ``--instrument-id``; none for CSV files) gets the
    warning the actor, ``liqheat backtest`` and ``liqheat plot`` give
    (:func:`~liqheat_nautilus.core.profile.profile_instrument_warning`), first.

    Parameters
    ----------
    data : EvaluationData
        The inputs: the liquidation windows' start times and the data's instrument.
    s : EvaluationSettings
        ``profile_files``.
    ctx : _Context
        The judged and holdout windows.

    Returns
    -------
    tuple[str, ...]
        Per profile file: the instrument warning when it applies, then a note when it has a readable ``fitted_on``
        (``"<first start> .. <last start> (...)"``, as ``liqheat calibrate`` writes it); nothing for files with
        neither.
    """
    notes = []
    starts = data.liquidations.start_ns
    for f in s.profile_files:
        if data.instrument_id and (mismatch := profile_instrument_warning(f, data.instrument_id)):
            notes.append(mismatch[:1].upper() + mismatch[1:] + ".")
        fitted = profile_calibration(f).get("fitted_on")
        span = fitted.split("(")[0].split("..") if isinstance(fitted, str) else []
        try:  # free-form text: a span written otherwise (by hand) gets no note rather than failing the report
            times = [parse_time(t.strip()) for t in span] if len(span) == 2 else []
        except ValueError:
            continue
        if len(times) != 2 or None in times:
            continue
        inside = (starts >= times[0]) & (starts <= times[1])
        n_in, n_hold = int((inside & ctx.judged).sum()), int((inside & ctx.holdout).sum())
        name = f"Profile {profile_name(f)}'s calibration section says it was fitted on {fitted}"
        if not n_in:
            notes.append(f"{name}: none of the judged windows lies in that span, so its figures here are out of "
                         "sample.")
            continue
        hold = (f", {n_hold} of the {int(ctx.holdout.sum())} holdout windows among them" if ctx.holdout.any() else "")
        notes.append(f"{name}: {n_in} of the {int(ctx.judged.sum())} judged windows lie in that span{hold}; its "
                     "figures on them are in sample, not a forecast (liqheat calibrate prints its walk-forward "
                     "out-of-sample figures).")
    return tuple(notes)


def _run_name(run: RunResult) -> str:
    """Return how the notes name a run: ``the default configuration``, ``profile x.toml`` or ``model × profile``."""
    if run.model == "default":
        return "the default configuration"
    return f"profile {run.profile}" if run.model == "profile" else f"{run.model} × {run.profile}"


def undefined_notes(data: EvaluationData, s: EvaluationSettings, ctx: _Context,
                     runs: list[RunResult]) -> tuple[str, ...]:
    """
    Return a note for each reason a figure of the report is undefined (printed as nan, ``null`` in JSON).

    Parameters
    ----------
    data : EvaluationData
        The inputs (liquidation windows and their actual USD per side).
    s : EvaluationSettings
        The settings (``n_boot``: the block bootstrap's resamples, 0 for none).
    ctx : _Context
        The judged and holdout windows and the window length (h).
    runs : list[RunResult]
        The evaluation's runs, whose figures the notes explain.

    Returns
    -------
    tuple[str, ...]
        Nothing when every figure is defined for the reasons checked here.
    """
    notes = []
    w, j = data.liquidations, ctx.judged
    n = int(j.sum())
    if s.n_boot == 0:
        notes.append("--bootstrap 0: the block-bootstrap intervals (Spearman gain, cluster lift) were not computed "
                     "and show as nan.")
    day = bootstrap_block(ctx.window_hours)
    if s.n_boot and 0 < n <= day:
        notes.append(f"Only {n} window(s) are judged, no more than one bootstrap block ({day} windows, one day): every "
                     "resample would be the sample itself, so the Spearman-gain intervals are undefined (nan).")
    n_hold = int(ctx.holdout.sum())
    if s.n_boot and n > day and 0 < n_hold <= day:
        notes.append(f"Only {n_hold} holdout window(s), no more than one bootstrap block ({day} windows, one day): "
                     "the holdout's Spearman-gain intervals are undefined (nan); an earlier --holdout-start gives "
                     "it more windows.")
    if n <= 3:
        notes.append(f"Only {n} window(s) are judged: correlations over so few windows say nothing, and the rank R² "
                     "added to exc·OI (a fit of 3 coefficients) is undefined (nan).")
    for side, actual in (("long", w.long_usd[j]), ("short", w.short_usd[j])):
        if actual.size and np.all(actual == actual[0]):
            notes.append(f"The actual {side} liquidations are {actual[0]:,.0f} USD in every one of the {n} judged "
                         f"windows: every {side} correlation and the {side} totals ratio are undefined (nan).")
    by_reason: dict[str, list[str]] = {}
    for run in runs:
        for t in (run.long, run.short):
            if t is not None and t.share_of_windows_with_estimate == 0.0:
                by_reason.setdefault(f"estimated no {t.side} liquidation in any judged window: the {t.side} "
                                     "correlations are undefined (nan); the 'without' column counts the windows that "
                                     "moved less than the closest liquidation", []).append(_run_name(run))
        for a in run.attraction:
            if a.n_snapshots == 0:
                by_reason.setdefault(f"had no judged snapshot with {a.horizon_hours:g} h of bars after it: the "
                                     f"{a.horizon_hours:g} h attraction figures are undefined (nan); choose a "
                                     "shorter --touch-hours", []).append(_run_name(run))
            elif s.n_boot and a.n_snapshots <= (block := bootstrap_block(ctx.window_hours, a.horizon_hours)):
                by_reason.setdefault(f"had only {a.n_snapshots} snapshot(s) with {a.horizon_hours:g} h of bars after "
                                     f"them, no more than one bootstrap block ({block} snapshots: a day, at least "
                                     "twice the horizon): "
                                     f"the {a.horizon_hours:g} h lift interval is undefined (nan)",
                                     []).append(_run_name(run))
            if a.n_snapshots and a.n_clusters == 0:
                band = distance_band(a.min_distance_pct, a.max_distance_pct)
                by_reason.setdefault(f"had no cluster within {band} of price at any judged snapshot "
                                     f"with {a.horizon_hours:g} h of bars after it: the {a.horizon_hours:g} h "
                                     "attraction figures are undefined (nan)", []).append(_run_name(run))
        for b in run.bias:
            if b.n_calls == 0:
                by_reason.setdefault(f"made no UP/DOWN bias call over {b.horizon_hours:g} h ({b.n_snapshots} "
                                     "snapshot(s)): the hit rate is undefined (nan)", []).append(_run_name(run))
    for reason, names in by_reason.items():
        who = "every configuration" if len(names) == len(runs) > 1 else ", ".join(names)
        notes.append(f"{who[0].upper()}{who[1:]} {reason}.")
    return tuple(notes)


MIN_TEST_WINDOWS = 10
"""Fewest windows per walk-forward test block before ``calibrate`` notes that its figures say little: a Spearman
over n windows takes few values (over 2 windows only +-1), and below 10 even |rho| = 0.6 is within chance (5 %)."""


def undefined_spearman_notes(where: str, side: str, actual: np.ndarray,
                             estimates: dict[str, np.ndarray]) -> list[str]:
    """
    Return why each Spearman of ``estimates`` against ``actual`` is undefined (nan), if it is.

    A Spearman is undefined over fewer than 2 windows and when either side's values are all equal (no ranking):
    actual liquidations of 0 USD in every window of a quiet block, or an estimate that is the same everywhere.

    Parameters
    ----------
    where : str
        The windows, as the note names them (``"fold 1's test windows (... .. ...)"``).
    side : str
        ``"long"`` or ``"short"``.
    actual : np.ndarray
        Shape ``(n,)`` actual liquidations (USD) of those windows.
    estimates : dict[str, np.ndarray]
        ``{name: shape (n,) estimate}`` of the figures printed for them (``"fitted map"``, ``"default"``, ...).

    Returns
    -------
    list[str]
        One note per reason; empty when every figure is defined.
    """
    from liqheat_nautilus.evaluation.metrics import spearman

    n = int(actual.size)
    if n < 2:
        return [f"{where} hold{'s' if n == 1 else ''} {n} window{'s' if n != 1 else ''}: every {side} Spearman is "
                "undefined (nan)."]
    if np.all(actual == actual[0]):
        total = (f"; the {side} totals ratio there is undefined (nan): no actual liquidation to divide by"
                 if actual[0] == 0.0 else "")
        return [f"The actual {side} liquidations are {actual[0]:,.0f} USD in all {n} of {where}: every {side} "
                f"Spearman there is undefined (nan){total}."]
    notes = []
    for name, estimate in estimates.items():
        if np.isnan(spearman(actual, estimate)):
            same = (f"the same in all {n} ({estimate[0]:,.4g} USD)" if np.all(estimate == estimate[0])
                    else "not a number in some")
            notes.append(f"The {name} {side} estimate is {same} of {where}: its {side} Spearman there is undefined "
                         "(nan).")
    return notes


def few_windows_note(test_sizes: list[int], first_fit: int, ratio_long: float, ratio_short: float) -> tuple[str, ...]:
    """
    Return a note when a walk-forward test block holds fewer than :data:`MIN_TEST_WINDOWS` windows.

    Parameters
    ----------
    test_sizes : list[int]
        Windows of each fold's test block.
    first_fit : int
        Windows the first fold is fitted on.
    ratio_long, ratio_short : float
        The out-of-sample totals ratios (named in the note).

    Returns
    -------
    tuple[str, ...]
        One note, or nothing when every block is large enough.
    """
    small = min(test_sizes)
    if small >= MIN_TEST_WINDOWS:
        return ()
    sizes = f"{small}" if small == max(test_sizes) else f"{small} to {max(test_sizes)}"
    need = MIN_TEST_WINDOWS * (len(test_sizes) + 1)
    return (f"The walk-forward test blocks hold only {sizes} windows (the first fold is fitted on {first_fit}): a "
            "Spearman over so few windows takes only a few values (over 2 windows: +-1, or nan) and is hard to tell "
            "from chance, and leveraged_share fitted on so few windows makes the out-of-sample totals ratios (long "
            f"{ratio_long:.2f}, short {ratio_short:.2f}) say little. Give more judged windows or fewer folds (at "
            f"least {MIN_TEST_WINDOWS} per block: {need} judged windows for {len(test_sizes)} fold(s)).",)
