"""Replay a Nautilus catalog through the pure liquidation-map engine up to a chosen time (for charts).

The replay follows :class:`~liqheat_nautilus.actor.LiquidationMapActor`: events are fed in time order (at equal
times a bar first, then funding, then open interest); a snapshot (``update_clusters()`` then
``record_history()``) is taken on the first bar after an open-interest update and on the first bar at or after
each ``snapshot_interval_ns``. Only the catalog read touches Nautilus; the rest is numpy and the engine.
"""

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from liqheat_nautilus.core import ClusterInfo, LiquidationMapEngine, MapParams
from liqheat_nautilus.core.units import NS_PER_HOUR

DEFAULT_BAR_SPEC = "1-MINUTE-LAST"

_BAR, _FUNDING, _OI = 0, 1, 2


@dataclass(frozen=True)
class MarketSeries:
    """
    Bars, open interest and funding of one instrument as numpy arrays (time ascending).

    Attributes
    ----------
    instrument_id : str
        E.g. ``"SOL-USDT-SWAP.OKX"``.
    bar_ts_ns : np.ndarray
        Shape ``(n,)`` int64 bar ``ts_event`` (bar close, UNIX ns).
    open, high, low, close, volume : np.ndarray
        Shape ``(n,)`` float64 bar prices (quote currency) and volume (base units).
    oi_ts_ns : np.ndarray
        Shape ``(m,)`` int64 open-interest times (UNIX ns).
    oi_usd, oi_base : np.ndarray
        Shape ``(m,)`` open interest (USD notional) and in base units (``nan`` when the venue did not report it).
    funding_ts_ns : np.ndarray
        Shape ``(f,)`` int64 funding times (UNIX ns).
    funding_rate : np.ndarray
        Shape ``(f,)`` funding rate (fraction per interval).
    """

    instrument_id: str
    bar_ts_ns: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    oi_ts_ns: np.ndarray
    oi_usd: np.ndarray
    oi_base: np.ndarray
    funding_ts_ns: np.ndarray
    funding_rate: np.ndarray

    def __len__(self) -> int:
        return int(self.bar_ts_ns.size)

    def until(self, at_ns: int) -> "MarketSeries":
        """
        The part of the series at or before ``at_ns``.

        Parameters
        ----------
        at_ns : int
            Cut-off time (UNIX ns, inclusive).

        Returns
        -------
        MarketSeries
        """
        b = int(np.searchsorted(self.bar_ts_ns, at_ns, side="right"))
        o = int(np.searchsorted(self.oi_ts_ns, at_ns, side="right"))
        f = int(np.searchsorted(self.funding_ts_ns, at_ns, side="right"))
        return MarketSeries(
            self.instrument_id, self.bar_ts_ns[:b], self.open[:b], self.high[:b], self.low[:b], self.close[:b],
            self.volume[:b], self.oi_ts_ns[:o], self.oi_usd[:o], self.oi_base[:o], self.funding_ts_ns[:f],
            self.funding_rate[:f],
        )

    def bars_frame(self) -> pd.DataFrame:
        """
        The bars as a DataFrame.

        Returns
        -------
        pandas.DataFrame
            Index ``ts`` (UTC timestamps of the bar close), columns ``open``, ``high``, ``low``, ``close``,
            ``volume``.
        """
        index = pd.DatetimeIndex(pd.to_datetime(self.bar_ts_ns, unit="ns", utc=True), name="ts")
        return pd.DataFrame({"open": self.open, "high": self.high, "low": self.low, "close": self.close,
                             "volume": self.volume}, index=index)


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
    return int(ts.value)


def load_market_series(
    catalog: str | Path,
    instrument_id: str,
    bar_spec: str = DEFAULT_BAR_SPEC,
    start_ns: int | None = None,
    end_ns: int | None = None,
) -> MarketSeries:
    """
    Read bars, open interest and funding of one instrument from a Nautilus ``ParquetDataCatalog``.

    Parameters
    ----------
    catalog : str or Path
        Catalog folder (e.g. ``catalog/build/okx_sol_usdt_swap``).
    instrument_id : str
        Instrument id, e.g. ``"SOL-USDT-SWAP.OKX"``.
    bar_spec : str, default "1-MINUTE-LAST"
        Bar specification; the bar type read is ``<instrument_id>-<bar_spec>-EXTERNAL``.
    start_ns, end_ns : int, optional
        Inclusive time bounds (UNIX ns).

    Returns
    -------
    MarketSeries

    Raises
    ------
    FileNotFoundError
        If the catalog folder does not exist.
    ValueError
        If the catalog holds no bars of that bar type in the bounds.
    """
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.data import FundingRate, OpenInterest

    path = Path(catalog)
    if not path.is_dir():
        raise FileNotFoundError(f"catalog not found: {path} (build it with `liqheat catalog ingest okx`)")
    cat = ParquetDataCatalog(str(path))
    bar_type = f"{instrument_id}-{bar_spec}-EXTERNAL"
    bounds = {"start": start_ns, "end": end_ns}
    bars = cat.bars(bar_types=[bar_type], **bounds)
    if not bars:
        raise ValueError(f"catalog {path}: no bars of type {bar_type} in the requested time range")
    oi = [d.data if hasattr(d, "data") else d for d in cat.query(OpenInterest, identifiers=[instrument_id], **bounds)]
    fr = [d.data if hasattr(d, "data") else d for d in cat.query(FundingRate, identifiers=[instrument_id], **bounds)]
    return MarketSeries(
        instrument_id=instrument_id,
        bar_ts_ns=np.fromiter((b.ts_event for b in bars), dtype=np.int64, count=len(bars)),
        open=np.fromiter((b.open.as_double() for b in bars), dtype=np.float64, count=len(bars)),
        high=np.fromiter((b.high.as_double() for b in bars), dtype=np.float64, count=len(bars)),
        low=np.fromiter((b.low.as_double() for b in bars), dtype=np.float64, count=len(bars)),
        close=np.fromiter((b.close.as_double() for b in bars), dtype=np.float64, count=len(bars)),
        volume=np.fromiter((b.volume.as_double() for b in bars), dtype=np.float64, count=len(bars)),
        oi_ts_ns=np.array([d.ts_event for d in oi], dtype=np.int64),
        oi_usd=np.array([d.open_interest_usd for d in oi], dtype=np.float64),
        oi_base=np.array([d.open_interest_base for d in oi], dtype=np.float64),
        funding_ts_ns=np.array([d.ts_event for d in fr], dtype=np.int64),
        funding_rate=np.array([d.rate for d in fr], dtype=np.float64),
    )


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
        The inputs (see :func:`load_market_series`).
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
