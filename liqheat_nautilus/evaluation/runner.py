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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from liqheat_nautilus.core import MapParams
from liqheat_nautilus.core.profile import load_profile, profile_name
from liqheat_nautilus.evaluation.attraction import Attraction, cluster_attraction
from liqheat_nautilus.evaluation.baselines import abs_return_oi, excursion_oi
from liqheat_nautilus.evaluation.bias import BiasAccuracy, bias_accuracy
from liqheat_nautilus.evaluation.checks import (
    all_models,
    all_profiles,
    check_judged,
    check_settings,
    funding_units_note,
    iso_utc,
    oi_gap_note,
    unjudged_note,
    utc_ns,
)
from liqheat_nautilus.evaluation.metrics import bootstrap_block, totals_ratio
from liqheat_nautilus.evaluation.notes import profile_notes, short_seed_notes, undefined_notes
from liqheat_nautilus.evaluation.price_path import adverse_moves, close_at, covered_until, extremes_between
from liqheat_nautilus.evaluation.replay import replay
from liqheat_nautilus.evaluation.series import NS_PER_HOUR, EvaluationData
from liqheat_nautilus.evaluation.tracking import SideTracking, track_side
from liqheat_nautilus.sweep.executor import Executor


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
    min_distance_pct : float, default 0
        Only clusters at least this far from price (percent), below ``max_distance_pct``: with it the attraction
        test judges one distance band (e.g. 0.5-1 %, where a published evaluation found BTC's touch lift).
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
    min_distance_pct: float = 0.0
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
        """
        Return the models to run.

        Returns
        -------
        tuple[str, ...]
            ``models`` when set, else every model of the engine (:func:`~.checks.all_models`).
        """
        return tuple(self.models) if self.models else all_models()

    def resolved_profiles(self) -> tuple[str, ...]:
        """
        Return the leverage profiles to run.

        Returns
        -------
        tuple[str, ...]
            ``profiles`` when set, else every named profile (:func:`~.checks.all_profiles`).
        """
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
        The inputs: liquidation windows, bars and open-interest readings.
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
    block = bootstrap_block(ctx.window_hours)  # one day of windows
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
    ratios = [totals_ratio(float(est[j].sum()) * s.oi_venue_share, float(actual[j].sum()))
              for est, actual in ((r.est_long_usd, w.long_usd), (r.est_short_usd, w.short_usd))]
    attractions = []
    for h, (drop, rise, ok) in ctx.extremes.items():
        cl_block = bootstrap_block(ctx.window_hours, h)
        attractions.append(cluster_attraction(r.cluster_snapshot, r.cluster_distance_pct, r.cluster_notional_usd,
                                              drop, rise, ok, h, s.top_k, s.max_distance_pct, cl_block,
                                              s.n_boot, s.seed, s.min_distance_pct))
    biases = []
    for h, (future, past, ok) in ctx.returns.items():
        stride = max(1, math.ceil(h / ctx.window_hours - 1e-9))
        biases.append(bias_accuracy(r.bias, future, past, ok, stride, h))
    return RunResult(params.model, profile, sides[0], sides[1], tuple(attractions), tuple(biases), r.seconds,
                     holdout_long=hold[0], holdout_short=hold[1], totals_ratio_long=ratios[0],
                     totals_ratio_short=ratios[1], seed_span_hours=r.seed_span_hours,
                     seed_lookback_hours=params.seed_lookback_hours)


def _evaluate_cell(data: EvaluationData, s: EvaluationSettings, ctx: _Context, model: str, profile: str,
                   fields: dict) -> RunResult:
    """One configuration (a task of the executor); rejected engine parameters become the run's error."""
    try:
        params = MapParams(**fields)
    except (ValueError, TypeError) as exc:
        return RunResult(model, profile, None, None, (), (), 0.0, error=str(exc))
    return dataclasses.replace(evaluate_run(data, params, s, ctx), model=model, profile=profile)


def run_evaluation(
    data: EvaluationData,
    settings: EvaluationSettings | None = None,
    progress: Callable[[str], None] | None = None,
    executor: Executor | None = None,
    names: Mapping[str, str] | None = None,
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
    names : Mapping[str, str], optional
        How to name each settings field in the messages, e.g.
        :data:`~liqheat_nautilus.evaluation.checks.CLI_OPTIONS` (the options that set them, as
        :func:`~liqheat_nautilus.evaluation.checks.check_settings` takes it); by default the field names.

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
        cannot be read or sets an ``inverse`` that contradicts the data's instrument (naming the file), the
        inputs leave nothing to judge (:func:`check_judged`), ``holdout_start`` leaves no
        holdout window, or every run failed (the first one's error is named).
    """
    s = settings or EvaluationSettings()
    started = time.perf_counter()
    check_settings(s, names)
    ctx = _context(data, s)
    check_judged(data, s, ctx.judged)
    if s.holdout_start and not ctx.holdout.any():
        last = iso_utc(int(data.liquidations.start_ns[ctx.judged][-1]))
        holdout = (names or {}).get("holdout_start", "holdout_start")
        raise ValueError(f"{holdout} {s.holdout_start}: none of the {int(ctx.judged.sum())} judged windows starts "
                         f"on or after it (the last starts {last})")
    base = {"bin_bps": s.bin_bps, "n_bins": s.n_bins, **s.extra_params}
    configs: dict[str, tuple[str, str, dict]] = {"default × defaults": ("default", "defaults", base)}
    for f in s.profile_files:
        named = profile_name(f)
        fields = load_profile(f)
        data.check_inverse(fields, str(f))  # here, naming the file: each replay would refuse it (an "error" row)
        configs[f"profile × {named}"] = ("profile", named, {**base, **fields})
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
    if all(r.error for r in runs):  # a report of "error" cells only, and exit 0 (the first error names why)
        raise ValueError(f"every run failed ({len(runs)}); the first, {runs[0].model} × {runs[0].profile}: "
                         f"{runs[0].error.strip().splitlines()[-1]}")
    judged_starts = data.liquidations.start_ns[ctx.judged]
    return EvaluationReport(
        source=data.source,
        notes=(tuple(data.notes) + unjudged_note(data, s) + oi_gap_note(data) + funding_units_note(data)
               + short_seed_notes(runs)
               + undefined_notes(data, s, ctx, runs) + profile_notes(data, s, ctx)),
        window_hours=ctx.window_hours,
        first_window_utc=iso_utc(int(judged_starts[0])),
        last_window_utc=iso_utc(int(judged_starts[-1])),
        n_windows=int(ctx.judged.sum()),
        n_holdout=int(ctx.holdout.sum()),
        settings=s,
        runs=tuple(runs),
        seconds=time.perf_counter() - started,
    )
