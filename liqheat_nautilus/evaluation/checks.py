"""Checks of an evaluation's settings and inputs before anything runs, and the accounting of the judged windows.

``check_settings`` rejects unknown models, profiles and map parameters and out-of-range settings; ``check_judged``
rejects inputs that leave nothing comparable (different periods, no judged window, no liquidation); the names of
the models and profiles an evaluation knows; times given as text (``utc_ns``). Used by
:func:`~liqheat_nautilus.evaluation.runner.run_evaluation`, ``liqheat evaluate`` and ``liqheat calibrate``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from liqheat_nautilus.core import MapParams
from liqheat_nautilus.core.leverage import NORMAL_PROFILES, PROFILES
from liqheat_nautilus.core.params import MODELS
from liqheat_nautilus.core.profile import profile_name
from liqheat_nautilus.evaluation.price_path import extremes_between
from liqheat_nautilus.evaluation.series import NS_PER_HOUR, EvaluationData
from liqheat_nautilus.times import parse_time

if TYPE_CHECKING:
    from liqheat_nautilus.evaluation.runner import EvaluationSettings


def all_models() -> tuple[str, ...]:
    """
    Return the engine's liquidation-price models, read at run time (``liqheat_nautilus.core.params.MODELS``).

    Returns
    -------
    tuple[str, ...]
    """
    return tuple(MODELS)


def all_profiles() -> tuple[str, ...]:
    """
    Return the named leverage profiles (``PROFILES``, ``NORMAL_PROFILES``) plus ``"dynamic"``.

    Returns
    -------
    tuple[str, ...]
    """
    return tuple(dict.fromkeys([*PROFILES, *NORMAL_PROFILES, "dynamic"]))


def _unjudged(data: EvaluationData, s: EvaluationSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return why windows are not judged, as masks: in the warm-up; after it, no bar closing inside; no OI before."""
    w, oi = data.liquidations, data.open_interest
    warm = w.start_ns < w.start_ns[0] + int(s.warmup_hours * NS_PER_HOUR)
    low, _ = extremes_between(data.bars, w.start_ns, w.end_ns)
    no_bars = ~warm & ~np.isfinite(low)
    no_oi = ~warm & ~no_bars & (w.start_ns < (oi.ts_ns[0] if len(oi) else np.iinfo(np.int64).max))
    return warm, no_bars, no_oi


def unjudged_note(data: EvaluationData, s: EvaluationSettings) -> tuple[str, ...]:
    """
    Return a note counting the windows after the warm-up that are not judged (no bar inside, no OI yet).

    Parameters
    ----------
    data : EvaluationData
        The evaluation's inputs (liquidation windows, bars, open interest).
    s : EvaluationSettings
        The settings (the warm-up, ``warmup_hours``, decides which windows count).

    Returns
    -------
    tuple[str, ...]
        One sentence, or nothing when every window after the warm-up is judged.
    """
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


FUNDING_MEDIAN_LIMIT = 0.001
"""A median |funding rate| above this (0.1 % per interval, ten times the usual 0.01 %) suggests rates in percent."""


def funding_units_note(data: EvaluationData) -> tuple[str, ...]:
    """
    Return a note when the funding rates look like percentages rather than fractions per interval.

    The engine reads a rate as a fraction (0.0001 = 0.01 % per interval, the usual perpetual rate); a file in
    percent moves every ``funding_adjusted`` level and the funding-based long/short split 100 times too far, and
    no row is wrong on its own, so the file passes every check.

    Parameters
    ----------
    data : EvaluationData
        The inputs; only the funding rates are read (fractions per interval expected).

    Returns
    -------
    tuple[str, ...]
        One note when the median |rate| exceeds :data:`FUNDING_MEDIAN_LIMIT`, else nothing.
    """
    f = data.funding
    if not len(f):
        return ()
    median = float(np.median(np.abs(f.value)))
    if not median > FUNDING_MEDIAN_LIMIT:
        return ()
    return (f"The funding rates ({f.name}) have a median |rate| of {100.0 * median:.3g} % per interval, above "
            f"{100.0 * FUNDING_MEDIAN_LIMIT:g} % (the usual rate is about 0.01 %): rates are read as fractions "
            "(0.0001 = 0.01 %); if the file is in percent, divide it by 100.",)


OI_GAP_FACTOR = 3.0
"""An interval between open-interest readings longer than this many times their median is a gap in the input."""


def oi_gap_note(data: EvaluationData) -> tuple[str, ...]:
    """
    Return a note when the open-interest readings have gaps (intervals > :data:`OI_GAP_FACTOR` × their median).

    Inside a gap the map holds the last reading's open interest and opens nothing new until the next one, so every
    figure of the windows there is distorted; the note names the longest gap and counts the windows that start in
    any gap.

    Parameters
    ----------
    data : EvaluationData
        The inputs; the open-interest readings' times and the liquidation windows are read.

    Returns
    -------
    tuple[str, ...]
        One note, or nothing when the readings are evenly spaced (or too few to tell).
    """
    oi, w = data.open_interest, data.liquidations
    if len(oi) < 3:
        return ()
    step = np.diff(oi.ts_ns)
    usual = float(np.median(step))
    gap = step > OI_GAP_FACTOR * usual
    if not usual > 0.0 or not gap.any():
        return ()
    longest = int(np.argmax(np.where(gap, step, 0)))
    before = np.searchsorted(oi.ts_ns, w.start_ns, side="right") - 1  # the last reading at or before each start
    in_gap = (before >= 0) & (before < gap.size) & gap[np.clip(before, 0, gap.size - 1)]
    return (f"The open interest ({oi.name}) has {int(gap.sum())} gap(s) longer than {OI_GAP_FACTOR:g}× its usual "
            f"interval of {usual / NS_PER_HOUR:g} h, the longest {iso_utc(int(oi.ts_ns[longest]))} .. "
            f"{iso_utc(int(oi.ts_ns[longest + 1]))} ({step[longest] / NS_PER_HOUR:g} h); {int(in_gap.sum())} windows "
            "start inside a gap, where the map holds the last reading and opens nothing: their figures are distorted "
            "(fill the gap, or judge a period without it).",)


def check_judged(data: EvaluationData, s: EvaluationSettings, judged: np.ndarray) -> None:
    """
    Reject inputs that leave nothing comparable: no judged window, stale open interest, or no liquidation at all.

    Parameters
    ----------
    data : EvaluationData
        The inputs: liquidation windows, bars, open interest (with the file names the messages use).
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
    span = f"{iso_utc(int(w.start_ns[0]))} .. {iso_utc(int(w.end_ns[-1]))}"
    if len(oi) and not np.any((oi.ts_ns >= w.start_ns[0]) & (oi.ts_ns <= w.end_ns[-1])):
        oi_span = f"{iso_utc(int(oi.ts_ns[0]))} .. {iso_utc(int(oi.ts_ns[-1]))}"
        raise ValueError(f"open interest ({oi.name}, {oi_span}) has no reading within the {len(w)} liquidation "
                         f"windows ({span}): the inputs cover different periods")
    if len(oi) and not np.any(oi.value != 0.0):
        raise ValueError(f"open interest ({oi.name}) is 0 in all {len(oi)} readings: the map would hold nothing "
                         "(a wrong column or file?)")
    if not judged.any():
        warm, no_bars, no_oi = _unjudged(data, s)
        bar_span = f"{iso_utc(int(bars.open_ns[0]))} .. {iso_utc(int(bars.close_ns[-1]))}" if len(bars) else "none"
        oi_from = iso_utc(int(oi.ts_ns[0])) if len(oi) else "none"
        raise ValueError(
            f"no liquidation window left to judge: of the {len(w)} windows ({span}), {int(warm.sum())} fall in the "
            f"warm-up of {s.warmup_hours:g} h after the first one (--warmup-hours), {int(no_bars.sum())} have no bar "
            f"of the price path closing inside them (bars: {bar_span}) and {int(no_oi.sum())} start before the first "
            f"open-interest reading ({oi_from}); give more windows or inputs covering the same period")
    if not (np.any(w.long_usd[judged] > 0.0) or np.any(w.short_usd[judged] > 0.0)):
        starts = w.start_ns[judged]
        raise ValueError(f"the actual liquidations are 0 on both sides in all {int(judged.sum())} judged windows "
                         f"({iso_utc(int(starts[0]))} .. {iso_utc(int(starts[-1]))}): nothing to compare the map "
                         "with (a wrong column, unit or period?)")


#: Largest warm-up/touch/bias/window horizon (and plot heatmap --hours), hours (~114 years): nanosecond times
#: overflow int64 far beyond it.
MAX_HOURS = 1e6


CLI_OPTIONS: dict[str, str] = {
    "models": "--models", "profiles": "--profiles", "extra_params": "--param", "bin_bps": "--bin-bps",
    "n_bins": "--n-bins", "oi_venue_share": "--oi-venue-share", "warmup_hours": "--warmup-hours",
    "touch_hours": "--touch-hours", "bias_hours": "--bias-hours", "top_k": "--top-k",
    "max_distance_pct": "--max-distance-pct", "min_distance_pct": "--min-distance-pct", "n_boot": "--bootstrap",
    "holdout_start": "--holdout-start",
    "seed": "--seed", "profile_files": "--profile-file",
}
"""The ``liqheat evaluate`` option of each :class:`EvaluationSettings` field it sets, for :func:`check_settings`'s
messages (``top_share`` has none; ``calibrate`` sets only :data:`CALIBRATE_OPTIONS`)."""

CALIBRATE_OPTIONS: dict[str, str] = {f: CLI_OPTIONS[f] for f in ("extra_params", "warmup_hours", "seed")}
"""The ``liqheat calibrate`` option of each settings field it sets (``--param``, ``--warmup-hours``, ``--seed``)."""

MAX_BOOT = 1_000_000
"""Most block-bootstrap resamples (``n_boot``, ``--bootstrap``): each figure keeps one value per resample (8 MB at
most); far more failed with a MemoryError only after every replay had run."""

MAX_SEED = 2**32 - 1
"""Largest seed: Optuna's sampler (calibrate) takes 0 .. 2**32 - 1; the bootstrap (evaluate) takes the same."""


def check_settings(s: EvaluationSettings, names: Mapping[str, str] | None = None) -> None:
    """
    Reject unknown models, profiles and ``extra_params`` fields, and settings out of range, before anything runs.

    Parameters
    ----------
    s : EvaluationSettings
        The settings.
    names : Mapping[str, str], optional
        How to name each settings field in the messages, e.g. :data:`CLI_OPTIONS` (the command-line options that
        set them); by default the field names.

    Raises
    ------
    ValueError
        Naming the bad value (as ``names`` says) and listing the valid ones.
    """
    def name(field: str) -> str:
        return names.get(field, field) if names is not None else field

    bad_models = [m for m in s.models or () if m not in MODELS]
    if bad_models:
        raise ValueError(f"{name('models')}: unknown model(s) {bad_models}; valid: {list(MODELS)}")
    valid_profiles = all_profiles()
    bad_profiles = [p for p in s.profiles or () if p not in valid_profiles]
    if bad_profiles:
        raise ValueError(f"{name('profiles')}: unknown leverage profile(s) {bad_profiles}; valid: "
                         f"{list(valid_profiles)}")
    first_of: dict[str, str] = {}
    for file in s.profile_files:  # a report row is named by the file's name: a second file of a name replaced the first
        named = profile_name(file)
        if named in first_of:
            if Path(first_of[named]).resolve() == Path(file).resolve():
                raise ValueError(f"{name('profile_files')}: {file} is given twice; give each profile file once")
            raise ValueError(f"{name('profile_files')}: {first_of[named]} and {file} have one name, {named!r} (the "
                             "file name without its extension), which names the profile in the report; rename one")
        first_of[named] = str(file)
    known = {f.name for f in dataclasses.fields(MapParams)}
    bad_fields = sorted(set(s.extra_params) - known)
    if bad_fields:
        raise ValueError(f"{name('extra_params')}: unknown map parameter(s) {bad_fields}; valid: {sorted(known)}")
    try:
        MapParams(**{"bin_bps": s.bin_bps, "n_bins": s.n_bins, **s.extra_params})
    except (TypeError, ValueError) as exc:
        given = [names[f] for f in ("bin_bps", "n_bins", "extra_params") if names is not None and f in names]
        where = f" ({'/'.join(given)})" if given else ""
        raise ValueError(f"map parameters rejected{where}: {exc}") from None
    if not 0.0 < s.oi_venue_share <= 1.0:
        raise ValueError(f"{name('oi_venue_share')} must lie in (0, 1], was {s.oi_venue_share}")
    if not 0 <= s.seed <= MAX_SEED:  # a negative one failed every run after the replays (numpy's bootstrap)
        raise ValueError(f"{name('seed')} must lie in 0 .. 2**32 - 1, was {s.seed}")
    ranges = {
        f"{name('warmup_hours')} (hours, >= 0)": [s.warmup_hours] if not 0.0 <= s.warmup_hours < math.inf else [],
        f"{name('touch_hours')} (hours, > 0)": [h for h in s.touch_hours if not 0.0 < h < math.inf],
        f"{name('bias_hours')} (hours, > 0)": [h for h in s.bias_hours if not 0.0 < h < math.inf],
        f"{name('top_share')} (in (0, 1])": [s.top_share] if not 0.0 < s.top_share <= 1.0 else [],
        f"{name('top_k')} (>= 1)": [s.top_k] if s.top_k < 1 else [],
        f"{name('max_distance_pct')} (percent, > 0)": (
            [s.max_distance_pct] if not 0.0 < s.max_distance_pct < math.inf else []),
        f"{name('min_distance_pct')} (percent, >= 0 and below {name('max_distance_pct')})": (
            [s.min_distance_pct] if not 0.0 <= s.min_distance_pct < s.max_distance_pct else []),
        f"{name('n_boot')} (>= 0)": [s.n_boot] if s.n_boot < 0 else [],
        f"{name('n_boot')} (at most {MAX_BOOT:,})": [s.n_boot] if s.n_boot > MAX_BOOT else [],
        **{f"{name(field)} (hours, at most {MAX_HOURS:.0f})": [h for h in hours if math.isfinite(h) and h > MAX_HOURS]
           for field, hours in (("warmup_hours", [s.warmup_hours]), ("touch_hours", s.touch_hours),
                                ("bias_hours", s.bias_hours))},
    }
    bad = [f"{label}: {values}" for label, values in ranges.items() if values]
    if bad:
        raise ValueError(f"invalid evaluation setting(s): {'; '.join(bad)}")
    if s.holdout_start:
        utc_ns(s.holdout_start, name("holdout_start"))


def utc_ns(text: str, field: str) -> int:
    """
    Return a date or time of the evaluation (e.g. ``holdout_start``; naive = UTC) in UNIX nanoseconds.

    Parameters
    ----------
    text : str
        ISO-8601, e.g. ``"2025-12-01"`` or ``"2025-12-01T08:00Z"`` (:func:`liqheat_nautilus.times.parse_time`).
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
    try:
        ns = parse_time(text)
    except ValueError:
        ns = None
    if ns is None:
        raise ValueError(f"{field} must be a UTC date or time like 2025-12-01 or 2025-12-01T08:00, was "
                         f"{text!r}") from None
    return ns


def iso_utc(ns: int) -> str:
    """
    Return UNIX ``ns`` as ISO-8601 UTC to the second, e.g. ``2025-12-01T08:00:00Z``.

    Parameters
    ----------
    ns : int
        UNIX time (ns); the sub-second part is dropped.

    Returns
    -------
    str
    """
    return np.datetime64(int(ns), "ns").astype("datetime64[s]").astype(str) + "Z"
