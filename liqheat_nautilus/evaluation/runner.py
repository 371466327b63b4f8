"""Run the three evaluations for the default configuration, map profiles and every model × leverage profile.

The first run is always the **default configuration** (``MapParams()`` plus ``extra_params``: what the actor uses
without options), then any profile files (e.g. the calibrated one ``liqheat calibrate`` wrote), then the grid of
liquidation-price models × leverage profiles. With ``holdout_start`` the tracking figures are also computed on the
windows from that date on alone (for the shipped set: windows that were not looked at while the defaults were
chosen).
"""

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from liqheat_nautilus.core import MapParams
from liqheat_nautilus.core.anchor import seed_is_short
from liqheat_nautilus.core.leverage import NORMAL_PROFILES, PROFILES
from liqheat_nautilus.core.params import MODELS
from liqheat_nautilus.core.profile import load_profile
from liqheat_nautilus.evaluation.attraction import Attraction, cluster_attraction
from liqheat_nautilus.evaluation.baselines import abs_return_oi, excursion_oi
from liqheat_nautilus.evaluation.bias import BiasAccuracy, bias_accuracy
from liqheat_nautilus.evaluation.price_path import adverse_moves, close_at, covered_until, extremes_between
from liqheat_nautilus.evaluation.replay import replay
from liqheat_nautilus.evaluation.series import NS_PER_HOUR, EvaluationData
from liqheat_nautilus.evaluation.tracking import SideTracking, track_side
from liqheat_nautilus.sweep.executor import Executor


def all_models() -> tuple[str, ...]:
    """Return the engine's liquidation-price models, read at run time (``liqheat_nautilus.core.params.MODELS``)."""
    return tuple(MODELS)


def all_profiles() -> tuple[str, ...]:
    """Return the named leverage profiles (``PROFILES``, ``NORMAL_PROFILES``) plus ``"dynamic"``."""
    return tuple(dict.fromkeys([*PROFILES, *NORMAL_PROFILES, "dynamic"]))


@dataclass(frozen=True)
class EvaluationSettings:
    """
    What to evaluate and how (defaults fixed before looking at any result; see docs/evaluation.md).

    Parameters
    ----------
    models : tuple[str, ...], optional
        Liquidation-price models (default: all of the engine's).
    profiles : tuple[str, ...], optional
        Leverage profiles (default: all named ones plus ``dynamic``).
    bin_bps : float, default 10
        Map bin width (basis points of the first price).
    n_bins : int, default 1000
        Bins of the map grid.
    warmup_hours : float, default 24
        Windows starting earlier than this after the first window are replayed but not judged (the map is
        empty until open interest has changed).
    top_share : float, default 0.1
        "Top" windows of the tracking overlap (0.1 = decile).
    top_k : int, default 5
        Clusters judged per snapshot.
    max_distance_pct : float, default 5
        Only clusters within this distance of price (percent).
    touch_hours : tuple[float, ...], default (24,)
        Horizons H of the attraction test.
    bias_hours : tuple[float, ...], default (4, 24)
        Horizons H of the bias test.
    n_boot : int, default 500
        Block-bootstrap resamples (0 skips the intervals).
    seed : int, default 0
        Bootstrap seed.
    extra_params : dict
        Further :class:`~liqheat_nautilus.core.MapParams` fields applied to every run.
    profile_files : tuple[str, ...]
        Map profile files (``liqheat calibrate``) evaluated after the default configuration.
    grid : bool, default True
        Also run every model × leverage profile.
    holdout_start : str, optional
        ISO-8601 date: the tracking figures are also computed on the windows starting at or after it.
    oi_venue_share : float, default 1.0
        Share of the open interest that belongs to the venue whose liquidations are counted; the reported
        totals ratio is ``estimated · share / actual`` (the map itself is not changed).
    """

    models: tuple[str, ...] | None = None
    profiles: tuple[str, ...] | None = None
    bin_bps: float = 10.0
    n_bins: int = 1000
    warmup_hours: float = 24.0
    top_share: float = 0.1
    top_k: int = 5
    max_distance_pct: float = 5.0
    touch_hours: tuple[float, ...] = (24.0,)
    bias_hours: tuple[float, ...] = (4.0, 24.0)
    n_boot: int = 500
    seed: int = 0
    extra_params: dict = field(default_factory=dict)
    profile_files: tuple[str, ...] = ()
    grid: bool = True
    holdout_start: str | None = None
    oi_venue_share: float = 1.0

    def resolved_models(self) -> tuple[str, ...]:
        """Return the models to run."""
        return tuple(self.models) if self.models else all_models()

    def resolved_profiles(self) -> tuple[str, ...]:
        """Return the leverage profiles to run."""
        return tuple(self.profiles) if self.profiles else all_profiles()


@dataclass(frozen=True)
class RunResult:
    """
    The evaluations of one map configuration.

    Attributes
    ----------
    model, profile : str
        The engine configuration (``"default"`` / ``"defaults"`` for the default configuration, ``"profile"`` and
        the file name for a profile file).
    long, short : SideTracking or None
        Liquidation tracking per side.
    attraction : tuple[Attraction, ...]
        One per touch horizon.
    bias : tuple[BiasAccuracy, ...]
        One per bias horizon.
    replay_seconds : float
        Wall time of the engine replay.
    error : str
        Why the run failed (empty when it succeeded).
    holdout_long, holdout_short : SideTracking or None
        Tracking on the holdout windows (``holdout_start``), else ``None``.
    totals_ratio_long, totals_ratio_short : float
        Estimated total × ``oi_venue_share`` ÷ actual total over the judged windows.
    seed_span_hours, seed_lookback_hours : float
        Hours of bars the seed used (:attr:`ReplayResult.seed_span_hours`) and the configured lookback
        (``MapParams.seed_lookback_hours``).
    """

    model: str
    profile: str
    long: SideTracking | None
    short: SideTracking | None
    attraction: tuple[Attraction, ...]
    bias: tuple[BiasAccuracy, ...]
    replay_seconds: float
    error: str = ""
    holdout_long: SideTracking | None = None
    holdout_short: SideTracking | None = None
    totals_ratio_long: float = math.nan
    totals_ratio_short: float = math.nan
    seed_span_hours: float = math.nan
    seed_lookback_hours: float = math.nan


@dataclass(frozen=True)
class EvaluationReport:
    """
    All runs of one evaluation, with the data description.

    Attributes
    ----------
    source : str
        Where the data came from.
    notes : tuple[str, ...]
        Caveats of the data.
    window_hours : float
        Length of the actual-liquidation windows.
    first_window_utc, last_window_utc : str
        First and last judged window start (ISO-8601 UTC).
    n_windows : int
        Windows judged by the tracking test.
    n_holdout : int
        Judged windows from ``holdout_start`` on (0 without a holdout).
    settings : EvaluationSettings
        The settings used.
    runs : tuple[RunResult, ...]
        One per model × profile.
    seconds : float
        Wall time of the whole evaluation.
    """

    source: str
    notes: tuple[str, ...]
    window_hours: float
    first_window_utc: str
    last_window_utc: str
    n_windows: int
    n_holdout: int
    settings: EvaluationSettings
    runs: tuple[RunResult, ...]
    seconds: float


@dataclass(frozen=True)
class _Context:
    """Everything that does not depend on the map: eligibility masks, price outcomes and baselines."""

    judged: np.ndarray
    holdout: np.ndarray
    window_hours: float
    base_abs: np.ndarray
    base_exc_long: np.ndarray
    base_exc_short: np.ndarray
    fall: np.ndarray
    rise: np.ndarray
    extremes: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]]
    returns: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]]


def _context(data: EvaluationData, s: EvaluationSettings) -> _Context:
    w = data.liquidations
    window_ns = int(np.median(w.end_ns - w.start_ns))
    base_abs = abs_return_oi(data)
    exc_long, exc_short = excursion_oi(data)
    fall, rise = adverse_moves(data.bars, w.start_ns, w.end_ns)
    warm = w.start_ns >= w.start_ns[0] + int(s.warmup_hours * NS_PER_HOUR)
    judged = warm & np.isfinite(base_abs) & np.isfinite(exc_long) & np.isfinite(exc_short) & np.isfinite(fall)
    holdout = np.zeros(len(w), dtype=bool)
    if s.holdout_start:
        holdout = judged & (w.start_ns >= utc_ns(s.holdout_start, "holdout_start"))
    t = w.end_ns
    price = close_at(data.bars, t)
    last = covered_until(data.bars)
    extremes = {}
    for h in s.touch_hours:
        end = t + int(h * NS_PER_HOUR)
        low, high = extremes_between(data.bars, t, end)
        ok = judged & (end <= last)
        extremes[h] = (low / price - 1.0, high / price - 1.0, ok)
    returns = {}
    for h in s.bias_hours:
        dt = int(h * NS_PER_HOUR)
        future = close_at(data.bars, t + dt) / price - 1.0
        past = price / close_at(data.bars, t - dt) - 1.0
        ok = judged & (t + dt <= last)
        returns[h] = (future, past, ok)
    return _Context(judged, holdout, window_ns / NS_PER_HOUR, base_abs, exc_long, exc_short, fall, rise, extremes,
                    returns)


def judged_windows(data: EvaluationData, s: EvaluationSettings) -> np.ndarray:
    """
    Select the windows an evaluation judges: after the warm-up, with finite baselines.

    Parameters
    ----------
    data : EvaluationData
    s : EvaluationSettings
        ``warmup_hours``.

    Returns
    -------
    np.ndarray
        Shape ``(n_windows,)`` bool, with at least one window selected.

    Raises
    ------
    ValueError
        If the inputs cover different periods or no window is left to judge (:func:`check_judged`).
    """
    judged = _context(data, s).judged
    check_judged(data, s, judged)
    return judged


def _unjudged(data: EvaluationData, s: EvaluationSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return why windows are not judged, as masks: in the warm-up; after it, no bar closing inside; no OI before."""
    w, oi = data.liquidations, data.open_interest
    warm = w.start_ns < w.start_ns[0] + int(s.warmup_hours * NS_PER_HOUR)
    low, _ = extremes_between(data.bars, w.start_ns, w.end_ns)
    no_bars = ~warm & ~np.isfinite(low)
    no_oi = ~warm & ~no_bars & (w.start_ns < (oi.ts_ns[0] if len(oi) else np.iinfo(np.int64).max))
    return warm, no_bars, no_oi


def _unjudged_note(data: EvaluationData, s: EvaluationSettings) -> tuple[str, ...]:
    """Return a note counting the windows after the warm-up that are not judged (no bar inside, no OI yet)."""
    _, no_bars, no_oi = _unjudged(data, s)
    if not (no_bars.any() or no_oi.any()):
        return ()
    w = data.liquidations
    window_h = float(np.median(w.end_ns - w.start_ns)) / NS_PER_HOUR
    bar_h = float(np.median(data.bars.close_ns - data.bars.open_ns)) / NS_PER_HOUR
    shorter = f" (the windows, {window_h:g} h, are shorter than the bars, {bar_h:g} h)" if window_h < bar_h else ""
    return (f"{int(no_bars.sum() + no_oi.sum())} windows after the warm-up are not judged: {int(no_bars.sum())} have "
            f"no bar of the price path closing inside them{shorter} and {int(no_oi.sum())} start before the first "
            "open-interest reading.",)


def check_judged(data: EvaluationData, s: EvaluationSettings, judged: np.ndarray) -> None:
    """
    Reject inputs that leave nothing comparable: no judged window, stale open interest, or no liquidation at all.

    Parameters
    ----------
    data : EvaluationData
    s : EvaluationSettings
        ``warmup_hours`` (named in the message).
    judged : np.ndarray
        Shape ``(n_windows,)`` bool, the judged windows.

    Raises
    ------
    ValueError
        Saying why: how many windows fell in the warm-up, had no bar inside them or started before the first
        open-interest reading (with the periods each input covers); open interest with no reading inside the
        windows' span, or 0 in every reading; or zero actual liquidations on both sides in every judged window.
    """
    w, bars, oi = data.liquidations, data.bars, data.open_interest
    span = f"{_iso(int(w.start_ns[0]))} .. {_iso(int(w.end_ns[-1]))}"
    if len(oi) and not np.any((oi.ts_ns >= w.start_ns[0]) & (oi.ts_ns <= w.end_ns[-1])):
        raise ValueError(f"open interest ({oi.name}, {_iso(int(oi.ts_ns[0]))} .. {_iso(int(oi.ts_ns[-1]))}) has no "
                         f"reading within the {len(w)} liquidation windows ({span}): the inputs cover different "
                         "periods")
    if len(oi) and not np.any(oi.value != 0.0):
        raise ValueError(f"open interest ({oi.name}) is 0 in all {len(oi)} readings: the map would hold nothing "
                         "(a wrong column or file?)")
    if not judged.any():
        warm, no_bars, no_oi = _unjudged(data, s)
        bar_span = f"{_iso(int(bars.open_ns[0]))} .. {_iso(int(bars.close_ns[-1]))}" if len(bars) else "none"
        oi_from = _iso(int(oi.ts_ns[0])) if len(oi) else "none"
        raise ValueError(
            f"no liquidation window left to judge: of the {len(w)} windows ({span}), {int(warm.sum())} fall in the "
            f"warm-up of {s.warmup_hours:g} h after the first one (--warmup-hours), {int(no_bars.sum())} have no bar "
            f"of the price path closing inside them (bars: {bar_span}) and {int(no_oi.sum())} start before the first "
            f"open-interest reading ({oi_from}); give more windows or inputs covering the same period")
    if not (np.any(w.long_usd[judged] > 0.0) or np.any(w.short_usd[judged] > 0.0)):
        raise ValueError(f"the actual liquidations are 0 on both sides in all {int(judged.sum())} judged windows "
                         f"({_iso(int(w.start_ns[judged][0]))} .. {_iso(int(w.start_ns[judged][-1]))}): nothing to "
                         "compare the map with (a wrong column, unit or period?)")


def evaluate_run(data: EvaluationData, params: MapParams, s: EvaluationSettings,
                 ctx: "_Context | None" = None) -> RunResult:
    """
    Replay one engine configuration and run the three evaluations.

    Parameters
    ----------
    data : EvaluationData
        The inputs.
    params : MapParams
        The engine configuration.
    s : EvaluationSettings
        Evaluation settings.
    ctx : _Context, optional
        Pre-computed map-independent context (computed when omitted).

    Returns
    -------
    RunResult
    """
    ctx = ctx or _context(data, s)
    profile = params.leverage_profile if isinstance(params.leverage_profile, str) else "custom"
    r = replay(data, params)
    w = data.liquidations
    block = max(1, round(24.0 / ctx.window_hours))  # one day of windows
    tracked = {}
    for label, j in (("all", ctx.judged), ("holdout", ctx.holdout)):
        if not j.any():
            continue
        tracked[label] = [track_side(name, actual[j], est[j], ctx.base_abs[j], exc[j], s.top_share, block,
                                     s.n_boot, s.seed, move[j], closest)
                          for name, actual, est, exc, move, closest in (
                              ("long", w.long_usd, r.est_long_usd, ctx.base_exc_long, ctx.fall,
                               r.closest_liquidation[0]),
                              ("short", w.short_usd, r.est_short_usd, ctx.base_exc_short, ctx.rise,
                               r.closest_liquidation[1]))]
    sides = tracked["all"]
    hold = tracked.get("holdout", [None, None])
    j = ctx.judged
    ratios = [float(est[j].sum()) * s.oi_venue_share / float(actual[j].sum()) if actual[j].sum() > 0 else math.nan
              for est, actual in ((r.est_long_usd, w.long_usd), (r.est_short_usd, w.short_usd))]
    attractions = []
    for h, (drop, rise, ok) in ctx.extremes.items():
        cl_block = max(block, math.ceil(2.0 * h / ctx.window_hours))
        attractions.append(cluster_attraction(r.cluster_snapshot, r.cluster_distance_pct, r.cluster_notional_usd,
                                              drop, rise, ok, h, s.top_k, s.max_distance_pct, cl_block,
                                              s.n_boot, s.seed))
    biases = []
    for h, (future, past, ok) in ctx.returns.items():
        stride = max(1, math.ceil(h / ctx.window_hours - 1e-9))
        biases.append(bias_accuracy(r.bias, future, past, ok, stride, h))
    return RunResult(params.model, profile, sides[0], sides[1], tuple(attractions), tuple(biases), r.seconds,
                     holdout_long=hold[0], holdout_short=hold[1], totals_ratio_long=ratios[0],
                     totals_ratio_short=ratios[1], seed_span_hours=r.seed_span_hours,
                     seed_lookback_hours=params.seed_lookback_hours)


#: Largest warm-up/touch/bias horizon, hours (~114 years): nanosecond times overflow int64 far beyond it.
MAX_HOURS = 1e6


def check_settings(s: EvaluationSettings) -> None:
    """
    Reject unknown models, profiles and ``extra_params`` fields, and settings out of range, before anything runs.

    Parameters
    ----------
    s : EvaluationSettings

    Raises
    ------
    ValueError
        Naming the bad value and listing the valid ones.
    """
    bad_models = [m for m in s.models or () if m not in MODELS]
    if bad_models:
        raise ValueError(f"unknown model(s) {bad_models}; valid: {list(MODELS)}")
    valid_profiles = all_profiles()
    bad_profiles = [p for p in s.profiles or () if p not in valid_profiles]
    if bad_profiles:
        raise ValueError(f"unknown leverage profile(s) {bad_profiles}; valid: {list(valid_profiles)}")
    known = {f.name for f in dataclasses.fields(MapParams)}
    bad_fields = sorted(set(s.extra_params) - known)
    if bad_fields:
        raise ValueError(f"unknown map parameter(s) {bad_fields}; valid: {sorted(known)}")
    try:
        MapParams(**{"bin_bps": s.bin_bps, "n_bins": s.n_bins, **s.extra_params})
    except (TypeError, ValueError) as exc:
        raise ValueError(f"map parameters rejected: {exc}") from None
    if not 0.0 < s.oi_venue_share <= 1.0:
        raise ValueError(f"oi_venue_share must lie in (0, 1], was {s.oi_venue_share}")
    ranges = {
        "warmup_hours (hours, >= 0)": [s.warmup_hours] if not 0.0 <= s.warmup_hours < math.inf else [],
        "touch_hours (hours, > 0)": [h for h in s.touch_hours if not 0.0 < h < math.inf],
        "bias_hours (hours, > 0)": [h for h in s.bias_hours if not 0.0 < h < math.inf],
        "top_share (in (0, 1])": [s.top_share] if not 0.0 < s.top_share <= 1.0 else [],
        "top_k (>= 1)": [s.top_k] if s.top_k < 1 else [],
        "max_distance_pct (percent, > 0)": [s.max_distance_pct] if not 0.0 < s.max_distance_pct < math.inf else [],
        "n_boot (>= 0)": [s.n_boot] if s.n_boot < 0 else [],
        **{f"{name} (hours, at most {MAX_HOURS:.0f})": [h for h in hours if math.isfinite(h) and h > MAX_HOURS]
           for name, hours in (("warmup_hours", [s.warmup_hours]), ("touch_hours", s.touch_hours),
                               ("bias_hours", s.bias_hours))},
    }
    bad = [f"{name}: {values}" for name, values in ranges.items() if values]
    if bad:
        raise ValueError(f"invalid evaluation setting(s): {'; '.join(bad)}")
    if s.holdout_start:
        utc_ns(s.holdout_start, "holdout_start")


def utc_ns(text: str, field: str) -> int:
    """
    Return a date or time of the evaluation (e.g. ``holdout_start``; naive = UTC) in UNIX nanoseconds.

    Parameters
    ----------
    text : str
        ISO-8601, e.g. ``"2025-12-01"`` or ``"2025-12-01T08:00Z"`` (:func:`liqheat_nautilus.replay.parse_time`).
    field : str
        The setting to name in the error.

    Returns
    -------
    int
        UNIX ns.

    Raises
    ------
    ValueError
        If the text is not a time (the message names ``field`` and shows the form).
    """
    from liqheat_nautilus.replay import parse_time

    try:
        ns = parse_time(text)
    except ValueError:
        ns = None
    if ns is None:
        raise ValueError(f"{field} must be a UTC date or time like 2025-12-01 or 2025-12-01T08:00, was "
                         f"{text!r}") from None
    return ns


def _iso(ns: int) -> str:
    return np.datetime64(int(ns), "ns").astype("datetime64[s]").astype(str) + "Z"


def _evaluate_cell(data: EvaluationData, s: EvaluationSettings, ctx: _Context, model: str, profile: str,
                   fields: dict) -> RunResult:
    """One configuration (a task of the executor); rejected engine parameters become the run's error."""
    try:
        params = MapParams(**fields)
    except (ValueError, TypeError) as exc:
        return RunResult(model, profile, None, None, (), (), 0.0, error=str(exc))
    return dataclasses.replace(evaluate_run(data, params, s, ctx), model=model, profile=profile)


def _short_seed_notes(runs: list[RunResult]) -> tuple[str, ...]:
    """Return a note when a run's seed had less bar history than its ``seed_lookback_hours`` (the first such run)."""
    for run in runs:
        if seed_is_short(run.seed_span_hours, run.seed_lookback_hours):  # False for nan: not seeded, or failed
            name = "the default configuration" if run.model == "default" else f"{run.model} × {run.profile}"
            return (f"The seed of {name} had only {run.seed_span_hours:,.1f} h of bars before the first open-interest "
                    f"reading, against seed_lookback_hours = {run.seed_lookback_hours:g}: the open interest was spread "
                    f"over less history than configured. Give bars from {run.seed_lookback_hours:g} h before the "
                    "first reading (or lower seed_lookback_hours with --param).",)
    return ()


def _run_name(run: RunResult) -> str:
    """Return how the notes name a run: ``the default configuration``, ``profile x.toml`` or ``model × profile``."""
    if run.model == "default":
        return "the default configuration"
    return f"profile {run.profile}" if run.model == "profile" else f"{run.model} × {run.profile}"


def _undefined_notes(data: EvaluationData, s: EvaluationSettings, ctx: _Context,
                     runs: list[RunResult]) -> tuple[str, ...]:
    """
    Return a note for each reason a figure of the report is undefined (printed as nan, ``null`` in JSON).

    Parameters
    ----------
    data : EvaluationData
    s : EvaluationSettings
    ctx : _Context
    runs : list[RunResult]

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
            if a.n_clusters == 0:
                by_reason.setdefault(f"had no cluster within {a.max_distance_pct:g} % of price at any judged snapshot "
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


def run_evaluation(
    data: EvaluationData,
    settings: EvaluationSettings | None = None,
    progress: Callable[[str], None] | None = None,
    executor: Executor | None = None,
) -> EvaluationReport:
    """
    Evaluate every model × leverage profile on the data.

    Parameters
    ----------
    data : EvaluationData
        The inputs.
    settings : EvaluationSettings, optional
        Defaults when omitted.
    progress : Callable[[str], None], optional
        Called with a short message when each run starts (is submitted, on Ray).
    executor : Executor, optional
        Where the runs go (:class:`~liqheat_nautilus.sweep.Executor`, entered; e.g. Ray with several workers).
        Default: one after another in this process.

    Returns
    -------
    EvaluationReport
        The default configuration first, then the profile files, then the grid (model × profile order). A grid run
        whose engine parameters are rejected (or that raised, or whose worker died) carries the message in
        ``error`` instead of failing the whole evaluation.

    Raises
    ------
    ValueError
        If a model, profile or ``extra_params`` field is unknown (the message lists the valid ones), a profile file
        cannot be read, the inputs leave nothing to judge (:func:`check_judged`), or ``holdout_start`` leaves no
        holdout window.
    """
    s = settings or EvaluationSettings()
    started = time.perf_counter()
    check_settings(s)
    ctx = _context(data, s)
    check_judged(data, s, ctx.judged)
    if s.holdout_start and not ctx.holdout.any():
        last = _iso(int(data.liquidations.start_ns[ctx.judged][-1]))
        raise ValueError(f"holdout_start {s.holdout_start}: none of the {int(ctx.judged.sum())} judged windows starts "
                         f"on or after it (the last starts {last})")
    base = {"bin_bps": s.bin_bps, "n_bins": s.n_bins, **s.extra_params}
    configs: dict[str, tuple[str, str, dict]] = {"default × defaults": ("default", "defaults", base)}
    for f in s.profile_files:
        configs[f"profile × {Path(f).name}"] = ("profile", Path(f).name, {**base, **load_profile(f)})
    if s.grid:
        for m in s.resolved_models():
            for pr in s.resolved_profiles():
                configs[f"{m} × {pr}"] = (m, pr, {**base, "model": m, "leverage_profile": pr})
    executor = executor or Executor(in_process=True, capture_logs=False)
    done = {}
    for r in executor.map(_evaluate_cell, ((k, k, cfg) for k, cfg in configs.items()), shared=(data, s, ctx),
                          on_submit=progress):
        model, profile, _ = configs[r.key]
        done[r.key] = r.value if r.ok else RunResult(model, profile, None, None, (), (), 0.0, error=r.error)
    runs = [done[k] for k in configs]
    judged_starts = data.liquidations.start_ns[ctx.judged]
    return EvaluationReport(
        source=data.source,
        notes=(tuple(data.notes) + _unjudged_note(data, s) + _short_seed_notes(runs)
               + _undefined_notes(data, s, ctx, runs)),
        window_hours=ctx.window_hours,
        first_window_utc=_iso(int(judged_starts[0])),
        last_window_utc=_iso(int(judged_starts[-1])),
        n_windows=int(ctx.judged.sum()),
        n_holdout=int(ctx.holdout.sum()),
        settings=s,
        runs=tuple(runs),
        seconds=time.perf_counter() - started,
    )
