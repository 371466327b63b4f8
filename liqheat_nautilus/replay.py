"""Replay a Nautilus catalog through the pure liquidation-map engine up to a chosen time (for charts).

The replay follows :class:`~liqheat_nautilus.actor.LiquidationMapActor`: events are fed in time order (at equal
times a bar first, then funding, then open interest); a snapshot (``update_clusters()`` then
``record_history()``) is taken on the first bar after an open-interest update and on the first bar at or after
each ``snapshot_interval_ns``. Only the catalog read touches Nautilus; the rest is numpy and the engine.
"""

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from liqheat_nautilus.core import ClusterInfo, LiquidationMapEngine, MapParams
from liqheat_nautilus.core.units import NS_PER_HOUR
from liqheat_nautilus.persistence.reader import MarketSeries

_BAR, _FUNDING, _OI = 0, 1, 2


@dataclass
class ReplayState:
    """
    The engine after a replay and what it recorded on the way.

    Attributes
    ----------
    engine : LiquidationMapEngine
        The engine at ``at_ns`` (its ``history`` holds the snapshots).
    history : dict[str, np.ndarray]
        ``engine.history.ordered()``: ``ts_ns``, ``price``, ``base``, ``width`` ``(k,)`` and ``long_usd``,
        ``short_usd`` ``(k, n_bins)`` (USD per bin), oldest first.
    clusters : list[ClusterInfo]
        The clusters of the last snapshot (live ones first, then those cleared since the snapshot before).
    series : MarketSeries
        The inputs that were replayed (cut at ``at_ns``).
    at_ns : int
        Time of the last event replayed (UNIX ns).
    """

    engine: LiquidationMapEngine
    history: dict[str, np.ndarray]
    clusters: list[ClusterInfo]
    series: MarketSeries
    at_ns: int


def parse_time(value: str | int | pd.Timestamp | None) -> int | None:
    """
    Parse a time into UNIX nanoseconds (naive times are UTC).

    Parameters
    ----------
    value : str, int, pandas.Timestamp or None
        ISO-8601 text (``"2026-06-20T12:00"``), nanoseconds, or a timestamp; ``None`` or ``""`` for none.

    Returns
    -------
    int or None

    Raises
    ------
    ValueError
        If the text is not a time.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a time: {value!r} (use ISO-8601, e.g. 2026-06-20T12:00)") from exc
    if ts is pd.NaT:
        raise ValueError(f"not a time: {value!r}")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    try:
        return int(ts.value)
    except OverflowError as exc:  # e.g. "June" parses as year 1, outside the nanosecond range
        raise ValueError(f"not a time: {value!r} is outside 1677..2262 (use ISO-8601, e.g. 2026-06-20T12:00)") from exc


def replay_engine(
    series: MarketSeries,
    params: MapParams | None = None,
    at_ns: int | None = None,
    snapshot_interval_ns: int = NS_PER_HOUR,
) -> ReplayState:
    """
    Drive a fresh engine over ``series`` up to ``at_ns`` and record a snapshot history.

    Parameters
    ----------
    series : MarketSeries
        The inputs (see :func:`~liqheat_nautilus.persistence.reader.read_market_series`).
    params : MapParams, optional
        Engine parameters; when ``history_capacity`` is 0 it is raised to hold every snapshot of the replay.
    at_ns : int, optional
        Last time replayed (UNIX ns, inclusive); default: the end of the series.
    snapshot_interval_ns : int, default one hour
        A snapshot is taken on the first bar at or after each interval (and on the first bar after each
        open-interest update), as the actor publishes with ``publish_interval_secs``.

    Returns
    -------
    ReplayState

    Raises
    ------
    ValueError
        If no bar lies at or before ``at_ns`` or ``snapshot_interval_ns`` is not > 0.
    """
    if snapshot_interval_ns <= 0:
        raise ValueError(f"snapshot_interval_ns must be > 0, was {snapshot_interval_ns}")
    if at_ns is not None:
        series = series.until(at_ns)
    if len(series) == 0:
        raise ValueError(f"replay: no bar of {series.instrument_id} at or before the requested time")
    params = params or MapParams()
    if params.history_capacity == 0:
        span = int(series.bar_ts_ns[-1] - series.bar_ts_ns[0])
        capacity = series.oi_ts_ns.size + span // snapshot_interval_ns + 2
        params = dataclasses.replace(params, history_capacity=int(capacity))
    engine = LiquidationMapEngine(params)

    ts = np.concatenate([series.bar_ts_ns, series.funding_ts_ns, series.oi_ts_ns])
    kind = np.concatenate([np.full(series.bar_ts_ns.size, _BAR), np.full(series.funding_ts_ns.size, _FUNDING),
                           np.full(series.oi_ts_ns.size, _OI)])
    idx = np.concatenate([np.arange(series.bar_ts_ns.size), np.arange(series.funding_ts_ns.size),
                          np.arange(series.oi_ts_ns.size)])
    order = np.lexsort((kind, ts))
    high, low, close, volume = (a.tolist() for a in (series.high, series.low, series.close, series.volume))
    bar_ts = series.bar_ts_ns.tolist()
    clusters: list[ClusterInfo] = []
    oi_pending = False
    next_snapshot = 0
    for k, i in zip(kind[order].tolist(), idx[order].tolist(), strict=True):
        if k == _BAR:
            t = bar_ts[i]
            engine.update_bar(high[i], low[i], close[i], volume[i], t)
            if oi_pending or t >= next_snapshot:
                oi_pending = False
                next_snapshot = t + snapshot_interval_ns
                if engine.initialized and engine.active_usd() > 0.0:
                    clusters = engine.update_clusters()
                    engine.record_history()
        elif k == _FUNDING:
            engine.update_funding(float(series.funding_rate[i]), int(series.funding_ts_ns[i]))
        else:
            oi_base = float(series.oi_base[i])
            engine.update_open_interest(float(series.oi_usd[i]), int(series.oi_ts_ns[i]),
                                        oi_base if math.isfinite(oi_base) else math.nan)
            oi_pending = True
    last = engine.history.ordered()["ts_ns"] if engine.history is not None and len(engine.history) else None
    if engine.initialized and engine.active_usd() > 0.0 and (last is None or last[-1] != engine.ts_ns):
        clusters = engine.update_clusters()  # the map as it stands at the last event, not the last snapshot
        engine.record_history()
    history = engine.history.ordered() if engine.history is not None else {}
    return ReplayState(engine=engine, history=history, clusters=clusters, series=series,
                       at_ns=int(ts[order][-1]))
