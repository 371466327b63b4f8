"""One resumable replay of ``liqheat serve --catalog``: an engine over a market series, with the frames it produced.

:class:`~liqheat_nautilus.serve.maps.MapStore` holds one :class:`ServedReplay` per (instrument, model, profile): the
project's one replay driver (:class:`liqheat_nautilus.replay.MapReplay`) with a hook that takes the frames.
"""

import bisect
import dataclasses
import math
import threading
from typing import Any

import numpy as np

from liqheat_nautilus.core import MapParams
from liqheat_nautilus.core.units import NS_PER_HOUR
from liqheat_nautilus.persistence.reader import MarketSeries
from liqheat_nautilus.replay import MapReplay
from liqheat_nautilus.serve.frames import MapFrame

__all__ = ["ServedReplay", "concat_series"]


def _instrument_id(value: str):
    from nautilus_trader.model.identifiers import InstrumentId

    return InstrumentId.from_str(value)


def concat_series(a: MarketSeries, b: MarketSeries) -> MarketSeries:
    """
    Join ``a`` and then ``b`` (same instrument): the array fields concatenated, the others taken from ``a``.

    Nothing is sorted or de-duplicated: every time in ``b`` (bars, open interest, funding, ...) must be later than
    all of ``a``'s for the result to stay time ascending, as ``MapStore.refresh`` reads it (from ``a``'s latest time
    + 1 ns).

    Parameters
    ----------
    a : MarketSeries
        The series read so far.
    b : MarketSeries
        The data appended to the catalog since (same instrument and bar type), all later than ``a``'s.

    Returns
    -------
    MarketSeries
        ``a`` with each array field extended by ``b``'s (the scalar fields, e.g. ``instrument_id``, from ``a``).
    """
    joined: dict[str, Any] = {f.name: np.concatenate([getattr(a, f.name), getattr(b, f.name)])
                              for f in dataclasses.fields(MarketSeries) if isinstance(getattr(a, f.name), np.ndarray)}
    return dataclasses.replace(a, **joined)


class ServedReplay(MapReplay):
    """
    One engine replayed over a market series, resumable, with the frames it produced.

    The project's replay driver (:class:`liqheat_nautilus.replay.MapReplay`, whose :meth:`~MapReplay.extend` and
    :meth:`~MapReplay.advance_to` continue it) with a snapshot hook that takes a frame as the actor publishes.

    Parameters
    ----------
    series : MarketSeries
        The inputs (more can be appended with :meth:`extend`).
    params : MapParams
        Engine parameters.
    snapshot_interval_ns : int
        A frame is taken on the first bar at or after each interval and on the first bar after each
        open-interest update (UNIX ns, > 0), as the actor publishes.

    Attributes
    ----------
    frames : list[MapFrame]
        The frames taken so far, in time order.
    frame_ts : list[int]
        Their times (UNIX ns).
    lock : threading.Lock
        Held by the server while it advances the replay or reads its frames.

    Raises
    ------
    ValueError
        If ``snapshot_interval_ns`` is not > 0.
    """

    def __init__(self, series: MarketSeries, params: MapParams, snapshot_interval_ns: int = NS_PER_HOUR) -> None:
        if snapshot_interval_ns <= 0:
            raise ValueError(f"snapshot_interval_ns must be > 0, was {snapshot_interval_ns}")
        self.frames: list[MapFrame] = []
        self.frame_ts: list[int] = []
        self.lock = threading.Lock()
        super().__init__(series, params, self._take_frame, snapshot_interval_ns=int(snapshot_interval_ns))

    @property
    def exhausted(self) -> bool:
        """Whether every event of the series has been fed."""
        return self.position_ns >= self.end_ns

    def _take_frame(self, replay: MapReplay, ts_ns: int, index: int) -> None:
        """Take one frame as the actor would publish it (the driver's snapshot hook): clusters, snapshot, bins."""
        from liqheat_nautilus.data import LiquidationCluster, LiquidationMapBins, LiquidationMapSnapshot
        from liqheat_nautilus.serve.frames import nearest_clusters

        engine = replay.engine
        grid = engine.grid
        if grid is None or engine.active_usd() <= 0.0:
            return
        iid = _instrument_id(self.series.instrument_id)
        infos, magnet = engine.update_clusters_and_magnet()
        clusters = tuple(
            LiquidationCluster(instrument_id=iid, ts_event=ts_ns, ts_init=ts_ns,
                               **{**dataclasses.asdict(c), "side": str(c.side), "status": str(c.status)})
            for c in infos)
        swept_long, swept_short = engine.take_swept()
        price = float(engine.price)
        above, below = nearest_clusters(clusters, price)
        nan = math.nan
        snapshot = LiquidationMapSnapshot(
            instrument_id=iid, price=price, total_oi_usd=float(engine.open_interest_usd),
            long_liquidation_usd=float(engine.long_usd().sum()), short_liquidation_usd=float(engine.short_usd().sum()),
            swept_long_usd=swept_long, swept_short_usd=swept_short, magnet_up=magnet.up, magnet_down=magnet.down,
            magnet_net=magnet.net, bias=str(magnet.bias),
            nearest_above_price=above.price_level if above else nan,
            nearest_above_usd=above.notional_usd if above else 0.0, nearest_above_id=above.cluster_id if above else -1,
            nearest_below_price=below.price_level if below else nan,
            nearest_below_usd=below.notional_usd if below else 0.0, nearest_below_id=below.cluster_id if below else -1,
            ts_event=ts_ns, ts_init=ts_ns,
        )
        long_tier, short_tier = engine.tier_usd()
        long_status, short_status = engine.bin_status()
        bins = LiquidationMapBins.from_arrays(iid, engine.price, grid.width, int(round(grid.edges()[0] / grid.width)),
                                              engine.tiers, long_tier, short_tier, long_status, short_status, ts_ns)
        self.frames.append(MapFrame(self.series.instrument_id, ts_ns, snapshot, clusters, bins))
        self.frame_ts.append(ts_ns)

    def frame_at(self, at_ns: int) -> MapFrame | None:
        """
        Return the last frame at or before ``at_ns``, replaying as far as needed.

        Parameters
        ----------
        at_ns : int
            Time asked for (UNIX ns); the replay is advanced to it when it has not got there yet.

        Returns
        -------
        MapFrame or None
            ``None`` when the map had no frame yet at that time.
        """
        with self.lock:
            if at_ns > self.position_ns and not self.exhausted:
                self.advance_to(at_ns)
            k = bisect.bisect_right(self.frame_ts, at_ns) - 1
            return self.frames[k] if k >= 0 else None

    def peek(self, at_ns: int) -> tuple[bool, MapFrame | None]:
        """
        Return the frame at or before ``at_ns`` if it is known without replaying or waiting (for the event loop).

        Parameters
        ----------
        at_ns : int
            Time asked for (UNIX ns); never replayed to here.

        Returns
        -------
        tuple[bool, MapFrame or None]
            ``(True, frame or None)`` when answered; ``(False, None)`` when the replay must run (or is running)
            first: call :meth:`frame_at` from a worker thread.
        """
        if not self.lock.acquire(blocking=False):
            return False, None
        try:
            if at_ns > self.position_ns and not self.exhausted:
                return False, None
            k = bisect.bisect_right(self.frame_ts, at_ns) - 1
            return True, (self.frames[k] if k >= 0 else None)
        finally:
            self.lock.release()

    def frames_between(self, start_ns: int, end_ns: int) -> list[MapFrame]:
        """
        Frames with ``start_ns <= ts <= end_ns`` (replaying as far as needed).

        Parameters
        ----------
        start_ns, end_ns : int
            UNIX ns.

        Returns
        -------
        list[MapFrame]
        """
        with self.lock:
            if end_ns > self.position_ns and not self.exhausted:
                self.advance_to(end_ns)
            a = bisect.bisect_left(self.frame_ts, start_ns)
            b = bisect.bisect_right(self.frame_ts, end_ns)
            return self.frames[a:b]
