"""The one replay driver: feed a market series through the pure engine in time order, with a snapshot hook.

Every replay of the project goes through :class:`MapReplay` — ``liqheat evaluate``/``calibrate`` (snapshots at the
ends of the liquidation windows), ``liqheat plot`` (snapshots as the actor publishes them), ``liqheat serve``
(resumable replays extended as requests and catalogs grow). The backtest report does not replay: it draws the
run's recording (:mod:`liqheat_nautilus.charts.backtest_report`). A series read from a catalog knows whether its
instrument is inverse (``MarketSeries.is_inverse``) and the replay takes ``MapParams.inverse`` from it
(:func:`instrument_params`), as the actor asks its instrument. It follows
:class:`~liqheat_nautilus.actor.LiquidationMapActor`: events are fed in time order; at equal times a bar comes first,
then funding, long/short ratio, taker volume, open interest, and last an explicit snapshot time.

A series read with trade ticks (``MarketSeries.trade_ticks``: a map actor with ``subscribe_trade_ticks``) is
replayed as a backtest feeds such an actor: each trade goes to the engine's per-trade path
(``update_trade(price, ts_ns, quantity in base units, seller taker)``, as ``LiquidationMap.handle_trade_tick``);
bars still feed the engine (a bar ends a ``top_n``/``portion`` trade batch); at equal times the trades come after
open interest (a backtest delivers the subscription's ticks after the data stream's items of the same ``ts_init``,
and the actor applies a held reading before a tick of its time), then a snapshot time. Snapshots are taken

* at explicit ``snapshot_times`` (after every event at or before each time), or
* as the actor publishes (``snapshot_interval_ns``): on the first bar at or after each interval and on the first
  bar after each open-interest reading.

Only the catalog read touches Nautilus (:func:`~liqheat_nautilus.persistence.reader.read_market_series`); the rest
is numpy and the engine.
"""

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from liqheat_nautilus.core import ClusterInfo, LiquidationMapEngine, MapParams
from liqheat_nautilus.core.units import NS_PER_HOUR
from liqheat_nautilus.feed_order import FEED_ORDER
from liqheat_nautilus.persistence.reader import MarketSeries

__all__ = ["MapReplay", "ReplayState", "SnapshotHook", "replay_engine"]

_BAR, _FUNDING, _RATIO, _TAKER, _OI, _TRADE = (FEED_ORDER.index(name) for name in (
    "Bar", "FundingRate", "LongShortRatio", "TakerVolume", "OpenInterest", "TradeTick"))
_SNAPSHOT = len(FEED_ORDER)
"""Event kinds, numbered in their feeding order at equal times (:data:`~liqheat_nautilus.feed_order.FEED_ORDER`, the
actor's); snapshots last."""
SnapshotHook = Callable[["MapReplay", int, int], None]
"""``hook(replay, ts_ns, index)``: called at each snapshot with its time and, for explicit snapshot times, the
index of the time (-1 for interval snapshots)."""


class InverseContradictionError(ValueError):
    """``MapParams(inverse=True)`` over an instrument the catalog defines as linear (:func:`instrument_params`)."""


def check_inverse_fields(fields: Mapping[str, Any], is_inverse: bool | None, source: str = "--param",
                         instrument_id: str | None = None) -> None:
    """
    Refuse an ``inverse`` engine parameter a user set that contradicts the instrument's kind.

    The check of ``liqheat evaluate`` (:meth:`~liqheat_nautilus.evaluation.series.EvaluationData.check_inverse`) and
    ``liqheat serve --profile-file``: an ``inverse`` the user gave (``--param``, a profile file's ``[map]``) is
    explicit, so either value is checked (unlike :func:`instrument_params`, whose ``inverse=False`` may be the
    default).

    Parameters
    ----------
    fields : Mapping[str, Any]
        Engine parameters given by the user (``--param NAME=VALUE``, or a profile file's ``[map]``).
    is_inverse : bool or None
        The instrument is inverse (its definition); ``None`` when unknown (nothing is checked).
    source : str, default "--param"
        Where the fields came from: ``"--param"``, or the profile file (e.g. ``"--profile-file FILE"``).
    instrument_id : str, optional
        The instrument, named in the error (default "the data's instrument").

    Raises
    ------
    InverseContradictionError
        A ``ValueError``: if ``fields`` sets ``inverse`` and the instrument is known to be the other kind (naming the
        source, the instrument and both kinds).
    """
    if "inverse" not in fields or is_inverse is None or bool(fields["inverse"]) == is_inverse:
        return
    value = str(bool(fields["inverse"])).lower()
    setting = f"--param inverse={value}" if source == "--param" else f"{source}: [map] inverse = {value}"
    which = f"the instrument {instrument_id}" if instrument_id else "the data's instrument"
    raise InverseContradictionError(f"{setting} contradicts {which}, which is {'inverse' if is_inverse else 'linear'} "
                                    f"(is_inverse={is_inverse}); drop it: the instrument decides")


def instrument_params(params: MapParams, series: MarketSeries) -> MapParams:
    """
    Return ``params`` with ``inverse`` taken from the series' instrument when the series knows it.

    ``MapParams.inverse`` is a plain ``bool`` whose default is ``False``: an ``inverse=False`` given on purpose cannot
    be told from the default, so it follows the instrument (an inverse series is replayed with ``inverse=True``, as
    every caller passing default parameters wants). ``inverse=True`` is never the default: over a series the catalog
    defines as linear it is a contradiction, refused rather than silently overridden.

    Parameters
    ----------
    params : MapParams
        Engine parameters.
    series : MarketSeries
        The inputs; ``series.is_inverse`` is ``None`` when the instrument is unknown (then ``params`` is kept).

    Returns
    -------
    MapParams
        ``params``, with ``inverse=series.is_inverse`` when that is known: the catalog's definition of the
        instrument decides, as the actor's does (``LiquidationMapActorConfig.map_params``).

    Raises
    ------
    InverseContradictionError
        A ``ValueError``: if ``params.inverse`` is ``True`` and ``series.is_inverse`` is ``False`` (naming the
        instrument and both values).
    """
    if series.is_inverse is None or params.inverse == series.is_inverse:
        return params
    if params.inverse and not series.is_inverse:  # never the default: the caller asked for it
        raise InverseContradictionError(
            f"MapParams(inverse=True) contradicts the instrument {series.instrument_id}, which the catalog defines as "
            "linear (is_inverse=False); drop inverse=True: the instrument decides")
    return dataclasses.replace(params, inverse=series.is_inverse)


class MapReplay:
    """
    One engine replayed over a market series: resumable, extendable, with a snapshot hook.

    Parameters
    ----------
    series : MarketSeries
        The inputs (longer ones can be given later with :meth:`extend`); with ``series.trade_ticks`` its trades are
        fed too, in the order of an actor subscribed to trade ticks (see the module).
    params : MapParams
        Engine parameters; ``inverse`` follows ``series.is_inverse`` when known (:func:`instrument_params`: the
        default ``False`` becomes ``True`` over an inverse instrument; ``True`` over a linear one is refused).
    on_snapshot : SnapshotHook, optional
        Called at each snapshot (e.g. to read clusters, take the swept notional, record history).
    snapshot_interval_ns : int, default 0
        > 0: snapshot as the actor publishes (first bar at or after each interval, first bar after each reading).
    snapshot_times : np.ndarray, optional
        Shape ``(k,)`` int64 ascending UNIX ns: snapshot after every event at or before each time.

    Attributes
    ----------
    engine : LiquidationMapEngine
        The engine (its state is the replay's state at :attr:`position_ns`).
    position_ns : int
        Time of the last event fed (UNIX ns; -1 before any).

    Raises
    ------
    ValueError
        If ``snapshot_interval_ns`` is negative, or ``params.inverse`` is ``True`` over a series whose instrument
        is linear (:func:`instrument_params`).
    """

    def __init__(self, series: MarketSeries, params: MapParams, on_snapshot: SnapshotHook | None = None,
                 snapshot_interval_ns: int = 0, snapshot_times: np.ndarray | None = None) -> None:
        if snapshot_interval_ns < 0:
            raise ValueError(f"snapshot_interval_ns must be >= 0, was {snapshot_interval_ns}")
        self.params = params = instrument_params(params, series)
        self.engine = LiquidationMapEngine(params)
        self.series = series
        self.on_snapshot = on_snapshot
        self.interval_ns = int(snapshot_interval_ns)
        self.snapshot_times = (np.asarray(snapshot_times, dtype=np.int64) if snapshot_times is not None
                               else np.zeros(0, dtype=np.int64))
        self.position_ns = -1
        self._ts = np.zeros(0, dtype=np.int64)
        self._kind = np.zeros(0, dtype=np.int64)
        self._idx = np.zeros(0, dtype=np.int64)
        self._cursor = 0
        self._next_ns = 0
        self._oi_pending = False
        self._schedule(series, (0, 0, 0, 0, 0, 0), self.snapshot_times)

    @staticmethod
    def _columns(series: MarketSeries) -> tuple[np.ndarray, ...]:
        return (series.bar_ts_ns, series.funding_ts_ns, series.ratio_ts_ns, series.taker_ts_ns, series.oi_ts_ns,
                series.trade_ts_ns)

    def _schedule(self, series: MarketSeries, start: tuple[int, ...], snapshots: np.ndarray) -> None:
        """Append the events of ``series`` from the per-kind indices ``start`` on (and snapshot times), in order."""
        cols = self._columns(series)
        ts = np.concatenate([c[s:] for c, s in zip(cols, start, strict=True)] + [snapshots])
        kind = np.concatenate([np.full(c.size - s, k) for k, (c, s) in enumerate(zip(cols, start, strict=True))]
                              + [np.full(snapshots.size, _SNAPSHOT)])
        idx = np.concatenate([np.arange(s, c.size) for c, s in zip(cols, start, strict=True)]
                             + [np.arange(self.snapshot_times.size - snapshots.size, self.snapshot_times.size)])
        order = np.lexsort((kind, ts))  # kinds in feeding order; stable: rows of one kind and time keep theirs
        self._ts = np.concatenate([self._ts[self._cursor:], ts[order]])
        self._kind = np.concatenate([self._kind[self._cursor:], kind[order]])
        self._idx = np.concatenate([self._idx[self._cursor:], idx[order]])
        self._cursor = 0

    @property
    def end_ns(self) -> int:
        """Time of the last event available (UNIX ns; -1 when there is none)."""
        return int(self._ts[-1]) if self._ts.size else max(self.position_ns, -1)

    def extend(self, series: MarketSeries) -> None:
        """
        Continue with a longer series (the current one followed by newer rows); nothing already fed changes.

        Parameters
        ----------
        series : MarketSeries
            Starts with the current series (same rows, in the same order), with or without trade ticks as it.

        Raises
        ------
        ValueError
            If ``series.trade_ticks`` differs from the current series' (one replay is of one actor's inputs).
        """
        if series.trade_ticks != self.series.trade_ticks:
            raise ValueError(f"extend: the series {'has' if series.trade_ticks else 'lacks'} trade ticks, the replayed "
                             f"one {'has' if self.series.trade_ticks else 'lacks'} them")
        start = tuple(c.size for c in self._columns(self.series))
        self.series = series
        self._schedule(series, start, np.zeros(0, dtype=np.int64))

    def advance_to(self, at_ns: int | None = None) -> None:
        """
        Feed every event at or before ``at_ns`` not fed yet, taking snapshots on the way.

        Parameters
        ----------
        at_ns : int, optional
            UNIX ns; default: every event.
        """
        s, engine = self.series, self.engine
        stop = self._ts.size if at_ns is None else int(np.searchsorted(self._ts, at_ns, side="right"))
        ts, kind, idx = self._ts[self._cursor:stop].tolist(), self._kind[self._cursor:stop].tolist(), \
            self._idx[self._cursor:stop].tolist()
        high, low, close, volume = s.high, s.low, s.close, s.volume
        hook, interval = self.on_snapshot, self.interval_ns
        for t, k, i in zip(ts, kind, idx, strict=True):
            if k == _TRADE:  # the most frequent kind first
                engine.update_trade(float(s.trade_price[i]), t, float(s.trade_quantity[i]),
                                    bool(s.trade_seller_taker[i]))
            elif k == _BAR:
                engine.update_bar(float(high[i]), float(low[i]), float(close[i]), float(volume[i]), t)
                if interval and (self._oi_pending or t >= self._next_ns):
                    self._oi_pending = False
                    self._next_ns = t + interval
                    if hook is not None and engine.initialized:
                        hook(self, t, -1)
            elif k == _FUNDING:
                engine.update_funding(float(s.funding_rate[i]), t)
            elif k == _RATIO:
                engine.update_long_short_ratio(float(s.ratio[i]), t)
            elif k == _TAKER:
                engine.update_taker_volume(float(s.taker_buy_usd[i]), float(s.taker_sell_usd[i]), t)
            elif k == _OI:
                base = float(s.oi_base[i])
                engine.update_open_interest(float(s.oi_usd[i]), t, base if math.isfinite(base) else math.nan)
                self._oi_pending = True
            elif hook is not None and engine.grid is not None:
                hook(self, t, i)
            self.position_ns = t
        self._cursor = stop


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


def replay_engine(
    series: MarketSeries,
    params: MapParams | None = None,
    at_ns: int | None = None,
    snapshot_interval_ns: int = NS_PER_HOUR,
) -> ReplayState:
    """
    Replay ``series`` up to ``at_ns`` with snapshots as the actor publishes them, recording a snapshot history.

    Parameters
    ----------
    series : MarketSeries
        The inputs (see :func:`~liqheat_nautilus.persistence.reader.read_market_series`).
    params : MapParams, optional
        Engine parameters; when ``history_capacity`` is 0 it is raised to hold every snapshot of the replay.
    at_ns : int, optional
        Last time replayed (UNIX ns, inclusive); default: the end of the series.
    snapshot_interval_ns : int, default one hour
        A snapshot (``update_clusters()`` then ``record_history()``) is taken on the first bar at or after each
        interval and on the first bar after each open-interest reading, as the actor publishes with
        ``publish_interval_secs``.

    Returns
    -------
    ReplayState

    Raises
    ------
    ValueError
        If no bar lies at or before ``at_ns``, ``snapshot_interval_ns`` is not > 0, or ``params.inverse`` is ``True``
        over a series whose instrument is linear (:func:`instrument_params`).
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
    clusters: list[ClusterInfo] = []

    def snapshot(replay: MapReplay, ts_ns: int, index: int) -> None:
        nonlocal clusters
        if replay.engine.active_usd() > 0.0:
            clusters = replay.engine.update_clusters()
            replay.engine.record_history()

    replay = MapReplay(series, params, snapshot, snapshot_interval_ns=snapshot_interval_ns)
    replay.advance_to()
    engine = replay.engine
    last = engine.history.ordered()["ts_ns"] if engine.history is not None and len(engine.history) else None
    if engine.initialized and engine.active_usd() > 0.0 and (last is None or last[-1] != engine.ts_ns):
        clusters = engine.update_clusters()  # the map as it stands at the last event, not the last snapshot
        engine.record_history()
    history = engine.history.ordered() if engine.history is not None else {}
    return ReplayState(engine=engine, history=history, clusters=clusters, series=series,
                       at_ns=int(replay.position_ns))
