"""Run the three evaluations for every liquidation-price model × leverage profile of the engine."""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from liqheat_nautilus.core import MapParams
from liqheat_nautilus.core.leverage import PROFILES
from liqheat_nautilus.core.params import MODELS
from liqheat_nautilus.evaluation.attraction import Attraction, cluster_attraction
from liqheat_nautilus.evaluation.baselines import abs_return_oi, excursion_oi
from liqheat_nautilus.evaluation.bias import BiasAccuracy, bias_accuracy
from liqheat_nautilus.evaluation.price_path import close_at, covered_until, extremes_between
from liqheat_nautilus.evaluation.replay import replay
from liqheat_nautilus.evaluation.series import NS_PER_HOUR, EvaluationData
from liqheat_nautilus.evaluation.tracking import SideTracking, track_side
from liqheat_nautilus.sweep.executor import Executor


def all_models() -> tuple[str, ...]:
    """The engine's liquidation-price models, read at run time (``liqheat_nautilus.core.params.MODELS``)."""
    return tuple(MODELS)


def all_profiles() -> tuple[str, ...]:
    """The engine's named leverage profiles at run time (``core.leverage.PROFILES``) plus ``"dynamic"``."""
    names = list(PROFILES)
    return (*names, "dynamic") if "dynamic" not in names else tuple(names)


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

    def resolved_models(self) -> tuple[str, ...]:
        """The models to run."""
        return tuple(self.models) if self.models else all_models()

    def resolved_profiles(self) -> tuple[str, ...]:
        """The leverage profiles to run."""
        return tuple(self.profiles) if self.profiles else all_profiles()


@dataclass(frozen=True)
class RunResult:
    """
    The evaluations of one model × leverage profile.

    Attributes
    ----------
    model, profile : str
        The engine configuration.
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
    """

    model: str
    profile: str
    long: SideTracking | None
    short: SideTracking | None
    attraction: tuple[Attraction, ...]
    bias: tuple[BiasAccuracy, ...]
    replay_seconds: float
    error: str = ""


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
    settings: EvaluationSettings
    runs: tuple[RunResult, ...]
    seconds: float


@dataclass(frozen=True)
class _Context:
    """Everything that does not depend on the map: eligibility masks, price outcomes and baselines."""

    judged: np.ndarray
    window_hours: float
    base_abs: np.ndarray
    base_exc_long: np.ndarray
    base_exc_short: np.ndarray
    extremes: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]]
    returns: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]]


def _context(data: EvaluationData, s: EvaluationSettings) -> _Context:
    w = data.liquidations
    window_ns = int(np.median(w.end_ns - w.start_ns))
    base_abs = abs_return_oi(data)
    exc_long, exc_short = excursion_oi(data)
    warm = w.start_ns >= w.start_ns[0] + int(s.warmup_hours * NS_PER_HOUR)
    judged = warm & np.isfinite(base_abs) & np.isfinite(exc_long) & np.isfinite(exc_short)
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
    return _Context(judged, window_ns / NS_PER_HOUR, base_abs, exc_long, exc_short, extremes, returns)


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
    j = ctx.judged
    w = data.liquidations
    block = max(1, round(24.0 / ctx.window_hours))  # one day of windows
    sides = []
    for name, actual, est, exc in (("long", w.long_usd, r.est_long_usd, ctx.base_exc_long),
                                   ("short", w.short_usd, r.est_short_usd, ctx.base_exc_short)):
        sides.append(track_side(name, actual[j], est[j], ctx.base_abs[j], exc[j], s.top_share, block,
                                s.n_boot, s.seed))
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
    return RunResult(params.model, profile, sides[0], sides[1], tuple(attractions), tuple(biases), r.seconds)


def _iso(ns: int) -> str:
    return np.datetime64(int(ns), "ns").astype("datetime64[s]").astype(str) + "Z"


def _evaluate_cell(data: EvaluationData, s: EvaluationSettings, ctx: _Context, model: str, profile: str) -> RunResult:
    """One model × profile run (a task of the executor); rejected engine parameters become the run's error."""
    try:
        params = MapParams(model=model, leverage_profile=profile, bin_bps=s.bin_bps, n_bins=s.n_bins,
                           **s.extra_params)
    except (ValueError, TypeError) as exc:
        return RunResult(model, profile, None, None, (), (), 0.0, error=str(exc))
    return evaluate_run(data, params, s, ctx)


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
        Runs in model × profile order. A run whose engine parameters are rejected (or that raised, or whose
        worker died) carries the message in ``error`` instead of failing the whole evaluation.

    Raises
    ------
    ValueError
        If no window is left to judge after the warm-up.
    """
    s = settings or EvaluationSettings()
    started = time.perf_counter()
    ctx = _context(data, s)
    if not ctx.judged.any():
        raise ValueError(f"no liquidation window left to judge after a warm-up of {s.warmup_hours} h")
    cells = {f"{m} × {p}": (m, p) for m in s.resolved_models() for p in s.resolved_profiles()}
    executor = executor or Executor(in_process=True, capture_logs=False)
    done = {}
    for r in executor.map(_evaluate_cell, ((k, k, mp) for k, mp in cells.items()), shared=(data, s, ctx),
                          on_submit=progress):
        done[r.key] = r.value if r.ok else RunResult(*cells[r.key], None, None, (), (), 0.0, error=r.error)
    runs = [done[k] for k in cells]
    judged_starts = data.liquidations.start_ns[ctx.judged]
    return EvaluationReport(
        source=data.source,
        notes=tuple(data.notes),
        window_hours=ctx.window_hours,
        first_window_utc=_iso(int(judged_starts[0])),
        last_window_utc=_iso(int(judged_starts[-1])),
        n_windows=int(ctx.judged.sum()),
        settings=s,
        runs=tuple(runs),
        seconds=time.perf_counter() - started,
    )
