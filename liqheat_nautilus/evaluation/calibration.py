"""``liqheat calibrate``: fit the map's free parameters to real liquidations, validated walk-forward.

Method. The judged windows (as in ``liqheat evaluate``) are cut into ``folds + 1`` consecutive blocks of equal
length. For fold ``k`` (1..folds) the parameters are fitted on blocks ``0..k-1`` (expanding window) and scored on
block ``k``, which the fit never saw; the out-of-sample figures are those scores, concatenated over the folds.
The profile that is written is then fitted on every judged window (the most data for later use); its own
in-sample score is reported beside the out-of-sample ones, never in their place.

Fit. Optuna's TPE sampler (seeded, so a run is reproducible) maximises the mean of the long and short Spearman
correlations between the map's estimated and the actual liquidations per window. A replay is causal (the map at
a window's end uses only data up to it), so one replay of the whole data set scores any block of windows.
The map's USD level is then matched in closed form: ``leveraged_share`` (the share of open interest held by
positions that can be liquidated) scales every notional of the map linearly, so the value that makes the
estimated total equal the actual total over the fitted windows is ``share · actual / estimated``, clipped to
(0, 1]; it changes no rank.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from liqheat_nautilus.core.params import MapParams
from liqheat_nautilus.evaluation.baselines import excursion_oi
from liqheat_nautilus.evaluation.metrics import spearman, totals_ratio
from liqheat_nautilus.evaluation.notes import few_windows_note, undefined_spearman_notes
from liqheat_nautilus.evaluation.replay import replay
from liqheat_nautilus.evaluation.series import EvaluationData

__all__ = [
    "DEFAULT_BASE",
    "DEFAULT_SPACE",
    "CalibrationResult",
    "FoldResult",
    "ParamRange",
    "calibrate",
    "check_space",
    "score_windows",
]


@dataclass(frozen=True)
class ParamRange:
    """
    Search range of one ``MapParams`` field.

    Parameters
    ----------
    low, high : float
        Bounds (inclusive).
    log : bool, default False
        Sample on a log scale (positive bounds).
    """

    low: float
    high: float
    log: bool = False


DEFAULT_BASE: dict = {"leverage_model": "normal"}
"""Fields every candidate starts from by default: the normal leverage family (two parameters to fit)."""

DEFAULT_SPACE: dict[str, ParamRange] = {
    "leverage_mean": ParamRange(3.0, 80.0, log=True),
    "leverage_std": ParamRange(2.0, 40.0, log=True),
    "half_life_hours": ParamRange(6.0, 336.0, log=True),
    "long_share_offset": ParamRange(-0.2, 0.2),
}
"""What ``calibrate`` fits by default: the leverage distribution (normal μ, σ), the holding half-life and the
long/short skew."""


@dataclass(frozen=True)
class FoldResult:
    """
    One walk-forward fold.

    Attributes
    ----------
    fit_windows, test_windows : tuple[str, str]
        First and last window start (ISO-8601 UTC) of the fitted and of the scored block.
    params : dict
        The fitted fields.
    fit_score : float
        Mean Spearman (long, short) on the fitted windows.
    test_long, test_short : float
        Spearman on the test block.
    baseline_long, baseline_short : float
        Spearman of the adverse excursion × OI baseline on the test block.
    default_long, default_short : float
        Spearman of the default configuration on the test block.
    totals_ratio_long, totals_ratio_short : float
        Estimated ÷ actual total on the test block, with ``leveraged_share`` fitted on the fitted windows.
    """

    fit_windows: tuple[str, str]
    test_windows: tuple[str, str]
    params: dict
    fit_score: float
    test_long: float
    test_short: float
    baseline_long: float
    baseline_short: float
    default_long: float
    default_short: float
    totals_ratio_long: float
    totals_ratio_short: float


@dataclass(frozen=True)
class CalibrationResult:
    """
    A calibration: the walk-forward folds and the final fit.

    Attributes
    ----------
    folds : tuple[FoldResult, ...]
        One per fold.
    oos_long, oos_short : float
        Spearman of the concatenated out-of-sample estimates (each block scored with its own fold's fit).
    oos_totals_ratio_long, oos_totals_ratio_short : float
        Estimated ÷ actual total over the out-of-sample blocks (each with its fold's ``leveraged_share``).
    oos_baseline_long, oos_baseline_short, oos_default_long, oos_default_short : float
        The same windows for the baseline and the default configuration.
    params : dict
        The final fit (every judged window), including the closed-form ``leveraged_share``.
    in_sample_long, in_sample_short : float
        Spearman of the final fit on every judged window (in sample: not a forecast).
    totals_ratio_long, totals_ratio_short : float
        Estimated ÷ actual total of the final fit over the judged windows, after ``leveraged_share``.
    fitted_windows : tuple[str, str, int]
        First and last window start (ISO-8601 UTC) and count of the final fit.
    n_trials : int
        Optuna trials per fit.
    seconds : float
        Wall time.
    base : dict
        The fixed ``MapParams`` fields every candidate started from.
    notes : tuple[str, ...]
        Why a printed figure is undefined (nan) or says little (test blocks of few windows), and a warning when the
        fit scores below the default configuration out of sample; empty for a run without such figures.
    in_sample_default_long, in_sample_default_short : float
        Spearman of the default configuration on the same judged windows as ``in_sample_long``/``short``.
    """

    folds: tuple[FoldResult, ...]
    oos_long: float
    oos_short: float
    oos_totals_ratio_long: float
    oos_totals_ratio_short: float
    oos_baseline_long: float
    oos_baseline_short: float
    oos_default_long: float
    oos_default_short: float
    params: dict
    in_sample_long: float
    in_sample_short: float
    totals_ratio_long: float
    totals_ratio_short: float
    fitted_windows: tuple[str, str, int]
    n_trials: int
    seconds: float
    base: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    in_sample_default_long: float = math.nan
    in_sample_default_short: float = math.nan


def _iso(ns: int) -> str:
    return np.datetime64(int(ns), "ns").astype("datetime64[m]").astype(str) + "Z"


def _estimates(data: EvaluationData, fields: dict) -> tuple[np.ndarray, np.ndarray]:
    r = replay(data, MapParams(**fields))
    return r.est_long_usd, r.est_short_usd


def score_windows(data: EvaluationData, fields: dict, mask: np.ndarray) -> tuple[float, float]:
    """
    Spearman (long, short) of one configuration on the windows selected by ``mask``.

    Parameters
    ----------
    data : EvaluationData
        The inputs.
    fields : dict
        ``MapParams`` fields.
    mask : np.ndarray
        Shape ``(n_windows,)`` bool.

    Returns
    -------
    tuple[float, float]
        ``(long, short)`` Spearman; ``nan`` when a configuration is rejected by MapParams.
    """
    try:
        est_l, est_s = _estimates(data, fields)
    except ValueError:
        return math.nan, math.nan
    w = data.liquidations
    return spearman(w.long_usd[mask], est_l[mask]), spearman(w.short_usd[mask], est_s[mask])


def _score_task(data: EvaluationData, mask: np.ndarray, fields: dict) -> tuple[float, float]:
    """One candidate's score (a task of the executor)."""
    return score_windows(data, fields, mask)


def _scores(data: EvaluationData, mask: np.ndarray, candidates: list[dict], executor) -> list[tuple[float, float]]:
    """Scores of the candidates, in order: on the executor (e.g. Ray workers) or one after another here."""
    if executor is None:
        return [score_windows(data, c, mask) for c in candidates]
    got = {}
    for r in executor.map(_score_task, ((str(i), f"trial {i}", (c,)) for i, c in enumerate(candidates)),
                          shared=(data, mask)):
        got[r.key] = r.value if r.ok else (math.nan, math.nan)
    return [got[str(i)] for i in range(len(candidates))]


def _fit(data: EvaluationData, base: dict, space: dict[str, ParamRange], mask: np.ndarray, n_trials: int,
         seed: int, executor, batch: int) -> tuple[dict, float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    params = MapParams(**base)
    at_rest = dict(zip(("leverage_mean", "leverage_std"), params.normal_mu_sigma(), strict=True))  # 0 = profile's
    study.enqueue_trial({k: float(np.clip(at_rest.get(k, getattr(params, k)), r.low, r.high))
                         for k, r in space.items()})  # start from the base configuration
    done = 0
    while done < n_trials:
        trials = [study.ask() for _ in range(min(batch, n_trials - done))]
        candidates = [{**base, **{k: t.suggest_float(k, r.low, r.high, log=r.log) for k, r in space.items()}}
                      for t in trials]
        scores = _scores(data, mask, candidates, executor)
        for t, (s_long, s_short) in zip(trials, scores, strict=True):
            value = 0.5 * (s_long + s_short)
            study.tell(t, value if math.isfinite(value) else -1.0)
        done += len(trials)
    best = {**base, **study.best_params}
    return best, float(study.best_value)


def _share_for_totals(data: EvaluationData, fields: dict, mask: np.ndarray) -> tuple[float, float, float]:
    est_l, est_s = _estimates(data, fields)
    w = data.liquidations
    est = float(est_l[mask].sum() + est_s[mask].sum())
    actual = float(w.long_usd[mask].sum() + w.short_usd[mask].sum())
    share = MapParams(**fields).leveraged_share
    new_share = min(max(share * actual / est, 1e-6), 1.0) if est > 0.0 else share
    scale = new_share / share
    ratio_l = totals_ratio(float(est_l[mask].sum()) * scale, float(w.long_usd[mask].sum()))
    ratio_s = totals_ratio(float(est_s[mask].sum()) * scale, float(w.short_usd[mask].sum()))
    return new_share, ratio_l, ratio_s


def check_space(base: dict, space: dict[str, ParamRange]) -> None:
    """
    Check a search space against the fixed fields before any replay: known numeric fields, valid at both bounds.

    Parameters
    ----------
    base : dict
        ``MapParams`` fields every candidate starts from (already merged with :data:`DEFAULT_BASE`).
    space : dict[str, ParamRange]
        Fields to fit.

    Raises
    ------
    ValueError
        Naming the field: not a ``MapParams`` field (the valid ones listed), both fixed in ``base`` and fitted (the
        profile would hold the fit beside a different fixed value), not a number (e.g. ``model``), or a bound
        ``MapParams`` rejects together with ``base`` (the reason given).
    """
    known = set(MapParams.__dataclass_fields__)
    unknown = sorted(set(space) - known)
    if unknown:
        defaults = MapParams()  # the fields a range can fit: numbers (brackets, tiers, model, ... are not)
        numeric = sorted(f for f in known if isinstance(v := getattr(defaults, f), int | float)
                         and not isinstance(v, bool))
        raise ValueError(f"{unknown} are not MapParams fields; valid: {numeric}")
    both = sorted(set(space) & set(base))
    if both:
        raise ValueError(f"{', '.join(both)} both fixed (--param) and fitted (--fit; fitted by default: "
                         f"{', '.join(DEFAULT_SPACE)}): a field is one or the other (give --fit to choose the fitted "
                         "fields)")
    try:
        start = MapParams(**base)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the fixed fields are rejected: {exc}") from None
    for name, r in space.items():
        value = getattr(start, name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} cannot be fitted: it is not a number (value {value!r})")
        for bound in (r.low, r.high):
            try:
                MapParams(**{**base, name: bound})
            except (TypeError, ValueError) as exc:
                fixed = ", ".join(f"{k}={v!r}" for k, v in base.items())
                hint = (f" with the fixed fields ({fixed}); if {name} does not apply with them, leave it out of "
                        f"--fit (fitted by default: {', '.join(DEFAULT_SPACE)})" if fixed else "")
                raise ValueError(f"the fit range of {name} ({r.low:g} .. {r.high:g}) reaches a value "
                                 f"MapParams rejects{hint}: {exc}") from None


def calibrate(data: EvaluationData, judged: np.ndarray, base: dict | None = None,
              space: dict[str, ParamRange] | None = None, folds: int = 4, n_trials: int = 40, seed: int = 0,
              executor=None, batch: int = 4, progress: Callable[[str], None] | None = None) -> CalibrationResult:
    """
    Fit ``space`` walk-forward and finally on every judged window.

    Parameters
    ----------
    data : EvaluationData
        Bars, open interest, funding, taker volume and the actual liquidation windows.
    judged : np.ndarray
        Shape ``(n_windows,)`` bool: the windows that count (after the warm-up, with finite baselines).
    base : dict, optional
        ``MapParams`` fields every candidate starts from (default :data:`DEFAULT_BASE`).
    space : dict[str, ParamRange], optional
        Fields to fit (default :data:`DEFAULT_SPACE`).
    folds : int, default 4
        Walk-forward folds (>= 1).
    n_trials : int, default 40
        Optuna trials per fit (>= 1).
    seed : int, default 0
        Sampler seed.
    executor : liqheat_nautilus.sweep.Executor, optional
        Where the trials of each batch run (entered; e.g. Ray workers); default: one after another here.
    batch : int, default 4
        Trials asked from Optuna at once (ask/tell) and run together; the sampler's sequence, and so the result,
        depends on the batch size but not on where the trials run.
    progress : callable, optional
        Called with a short message before each fit and with each fold's test figures when it is done.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    ValueError
        If ``folds`` or ``n_trials`` < 1, ``base`` or ``space`` is invalid (:func:`check_space`), or there are
        fewer than ``2 · (folds + 1)`` judged windows (the message gives the most folds the windows allow).
    """
    started = time.perf_counter()
    base = {**DEFAULT_BASE, **(base or {})}
    space = dict(space or DEFAULT_SPACE)
    if folds < 1 or n_trials < 1 or batch < 1:
        raise ValueError(f"folds, trials and batch must be >= 1, were {folds}, {n_trials} and {batch}")
    check_space(base, space)
    idx = np.flatnonzero(judged)
    if idx.size < 2 * (folds + 1):
        most = f"at most {idx.size // 2 - 1} folds" if idx.size >= 4 else "at least 4 judged windows for 1 fold"
        raise ValueError(f"{idx.size} judged windows are too few for {folds} folds (the folds + 1 blocks "
                         f"need 2 windows each: {most})")
    blocks = np.array_split(idx, folds + 1)
    w = data.liquidations
    exc_l, exc_s = excursion_oi(data)
    default_l, default_s = _estimates(data, {})  # the default configuration (what the actor uses)
    fold_results, oos_l, oos_s, oos_idx = [], [], [], []
    notes: list[str] = []  # why a figure is undefined: each fold's, then the out-of-sample and in-sample ones
    for k in range(1, folds + 1):
        fit_mask = np.zeros(len(w), dtype=bool)
        fit_mask[np.concatenate(blocks[:k])] = True
        test = blocks[k]
        if progress:
            progress(f"fold {k}/{folds}: fit on {fit_mask.sum()} windows, test on {test.size}")
        best, score = _fit(data, base, space, fit_mask, n_trials, seed + k, executor, batch)
        share, _, _ = _share_for_totals(data, best, fit_mask)
        best = {**best, "leveraged_share": share}
        est_l, est_s = _estimates(data, best)
        oos_l.append(est_l[test])
        oos_s.append(est_s[test])
        oos_idx.append(test)
        fold_result = FoldResult(
            fit_windows=(_iso(w.start_ns[blocks[0][0]]), _iso(w.start_ns[blocks[k - 1][-1]])),
            test_windows=(_iso(w.start_ns[test[0]]), _iso(w.start_ns[test[-1]])),
            params={k2: best[k2] for k2 in (*space, "leveraged_share")}, fit_score=score,
            test_long=spearman(w.long_usd[test], est_l[test]), test_short=spearman(w.short_usd[test], est_s[test]),
            baseline_long=spearman(w.long_usd[test], exc_l[test]),
            baseline_short=spearman(w.short_usd[test], exc_s[test]),
            default_long=spearman(w.long_usd[test], default_l[test]),
            default_short=spearman(w.short_usd[test], default_s[test]),
            totals_ratio_long=totals_ratio(float(est_l[test].sum()), float(w.long_usd[test].sum())),
            totals_ratio_short=totals_ratio(float(est_s[test].sum()), float(w.short_usd[test].sum())),
        )
        fold_results.append(fold_result)
        where = f"fold {k}'s test windows ({fold_result.test_windows[0]} .. {fold_result.test_windows[1]})"
        for side, actual, est, default, exc in (("long", w.long_usd, est_l, default_l, exc_l),
                                                 ("short", w.short_usd, est_s, default_s, exc_s)):
            notes += undefined_spearman_notes(where, side, actual[test], {"fitted map": est[test],
                                              "default": default[test], "exc·OI": exc[test]})
        if progress:  # a finished fold stays on screen even if the run is stopped later
            progress(f"fold {k}/{folds} done: test {fold_result.test_windows[0]} .. {fold_result.test_windows[1]}: "
                     f"long {fold_result.test_long:.3f} (default {fold_result.default_long:.3f}), short "
                     f"{fold_result.test_short:.3f} (default {fold_result.default_short:.3f})")
    oos = np.concatenate(oos_idx)
    if progress:
        progress(f"final fit on all {idx.size} judged windows")
    final, _ = _fit(data, base, space, judged, n_trials, seed, executor, batch)
    share, ratio_l, ratio_s = _share_for_totals(data, final, judged)
    final = {**final, "leveraged_share": share}
    in_l, in_s = score_windows(data, final, judged)
    oos_ratio_l = totals_ratio(float(np.concatenate(oos_l).sum()), float(w.long_usd[oos].sum()))
    oos_ratio_s = totals_ratio(float(np.concatenate(oos_s).sum()), float(w.short_usd[oos].sum()))
    for side, actual, oos_est, default, exc in (("long", w.long_usd, oos_l, default_l, exc_l),
                                                 ("short", w.short_usd, oos_s, default_s, exc_s)):
        if folds > 1:  # one fold: these are its test windows, noted above
            notes += undefined_spearman_notes("the out-of-sample windows (all folds)", side, actual[oos],
                                              {"fitted map": np.concatenate(oos_est), "default": default[oos],
                                               "exc·OI": exc[oos]})
    if math.isnan(in_l) or math.isnan(in_s):  # rare: the final fit's estimates are replayed once more for the note
        final_l, final_s = _estimates(data, final)
        notes += undefined_spearman_notes("the judged windows (in sample)", "long", w.long_usd[judged],
                                          {"final fit": final_l[judged]}) if math.isnan(in_l) else []
        notes += undefined_spearman_notes("the judged windows (in sample)", "short", w.short_usd[judged],
                                          {"final fit": final_s[judged]}) if math.isnan(in_s) else []
    oos_fit = (spearman(w.long_usd[oos], np.concatenate(oos_l)), spearman(w.short_usd[oos], np.concatenate(oos_s)))
    oos_default = (spearman(w.long_usd[oos], default_l[oos]), spearman(w.short_usd[oos], default_s[oos]))
    if sum(oos_fit) < sum(oos_default):  # a small budget can land below the defaults: say so before it is used
        notes.append(f"the fit scores below the default configuration out of sample (long {oos_fit[0]:.3f} vs "
                     f"{oos_default[0]:.3f}, short {oos_fit[1]:.3f} vs {oos_default[1]:.3f}): more --trials (or "
                     "other --fit ranges) may do better; the default configuration needs no profile")
    in_default = (spearman(w.long_usd[judged], default_l[judged]), spearman(w.short_usd[judged], default_s[judged]))
    if in_l + in_s < sum(in_default):  # the profile written is the final fit: below the defaults where it was fitted
        notes.append(f"the final fit (the profile written) scores below the default configuration on the windows "
                     f"it was fitted on (long {in_l:.3f} vs {in_default[0]:.3f}, short {in_s:.3f} vs "
                     f"{in_default[1]:.3f}): more --trials (or other --fit ranges) may do better; the default "
                     "configuration needs no profile")
    notes += few_windows_note([b.size for b in blocks[1:]], int(blocks[0].size), oos_ratio_l, oos_ratio_s)
    return CalibrationResult(
        folds=tuple(fold_results),
        oos_long=oos_fit[0],
        oos_short=oos_fit[1],
        oos_totals_ratio_long=oos_ratio_l,
        oos_totals_ratio_short=oos_ratio_s,
        oos_baseline_long=spearman(w.long_usd[oos], exc_l[oos]),
        oos_baseline_short=spearman(w.short_usd[oos], exc_s[oos]),
        oos_default_long=oos_default[0],
        oos_default_short=oos_default[1],
        params={k: final[k] for k in (*space, "leveraged_share")},
        in_sample_long=in_l,
        in_sample_short=in_s,
        totals_ratio_long=ratio_l,
        totals_ratio_short=ratio_s,
        fitted_windows=(_iso(w.start_ns[idx[0]]), _iso(w.start_ns[idx[-1]]), int(idx.size)),
        n_trials=n_trials,
        seconds=time.perf_counter() - started,
        base=base,
        notes=tuple(dict.fromkeys(notes)),  # in order, each once
        in_sample_default_long=in_default[0],
        in_sample_default_short=in_default[1],
    )

