"""The evaluation's replay: a map snapshot at the end of every actual-liquidation window.

It is the one replay driver (:class:`~liqheat_nautilus.replay.MapReplay`) with a snapshot hook.

Events are fed in time order; at equal times a bar comes first, then funding, then taker volume, then open
interest, then the snapshot. Bars are stamped with their close time. At each snapshot (the end ``E`` of an
actual-liquidation window) the replay records:

* the estimated liquidations swept since the previous snapshot (``engine.take_swept()``): price moves of the
  bars closing in ``(E_prev, E]`` plus levels swept when the open-interest update at ``E`` opened positions
  already beyond price. Only information up to ``E`` is used;
* the clusters of ``engine.update_clusters()`` that are not ``CLEARED`` (side, level, notional, distance);
* the magnet of ``engine.magnet()`` (up and down forces, bias).
"""

import time
from dataclasses import dataclass

import numpy as np

from liqheat_nautilus.core import MapParams
from liqheat_nautilus.core.enums import Bias, ClusterStatus, Side
from liqheat_nautilus.evaluation.series import EvaluationData
from liqheat_nautilus.replay import MapReplay

_BIAS_CODE: dict[str, int] = {Bias.UP: 1, Bias.DOWN: -1}


@dataclass(frozen=True)
class ReplayResult:
    """
    What the map said at each snapshot.

    Attributes
    ----------
    ts_ns : np.ndarray
        Shape ``(n,)`` int64 snapshot times (window ends, UNIX ns).
    price : np.ndarray
        Shape ``(n,)`` last bar close at the snapshot (price).
    est_long_usd, est_short_usd : np.ndarray
        Shape ``(n,)`` estimated long / short liquidations (USD) in the window ending at the snapshot.
    magnet_up, magnet_down : np.ndarray
        Shape ``(n,)`` magnet forces (USD / %²).
    bias : np.ndarray
        Shape ``(n,)`` int8: +1 ``UP``, -1 ``DOWN``, 0 ``UNBIASED``.
    cluster_snapshot : np.ndarray
        Shape ``(m,)`` int64 index of the snapshot of each recorded cluster.
    cluster_side : np.ndarray
        Shape ``(m,)`` int8: +1 ``LONG`` (below price), -1 ``SHORT`` (above price).
    cluster_level, cluster_notional_usd, cluster_distance_pct : np.ndarray
        Shape ``(m,)`` notional-weighted price level, USD notional, signed distance from price in percent.
    active_usd : np.ndarray
        Shape ``(n,)`` open notional (USD, both sides) held by the map at the snapshot.
    seconds : float
        Wall time of the replay.
    seed_span_hours : float
        Hours of bars the seed used (``LiquidationMapEngine.seed_span_hours``; ``nan``: never seeded).
    closest_liquidation : tuple[float, float]
        ``(long, short)`` the configuration's smallest entry-to-liquidation distance (fraction of entry;
        ``LevelModel.closest_distance``).
    """

    ts_ns: np.ndarray
    price: np.ndarray
    est_long_usd: np.ndarray
    est_short_usd: np.ndarray
    magnet_up: np.ndarray
    magnet_down: np.ndarray
    bias: np.ndarray
    cluster_snapshot: np.ndarray
    cluster_side: np.ndarray
    cluster_level: np.ndarray
    cluster_notional_usd: np.ndarray
    cluster_distance_pct: np.ndarray
    active_usd: np.ndarray
    seconds: float
    seed_span_hours: float = float("nan")
    closest_liquidation: tuple[float, float] = (float("nan"), float("nan"))


def replay(data: EvaluationData, params: MapParams) -> ReplayResult:
    """
    Drive a fresh engine over the data (:class:`~liqheat_nautilus.replay.MapReplay`) and snapshot each window end.

    Parameters
    ----------
    data : EvaluationData
        Bars, open interest, funding, taker volume and the liquidation windows (whose ends are the snapshot
        times).
    params : MapParams
        Engine parameters (model, leverage profile, grid...).

    Returns
    -------
    ReplayResult
        One snapshot per liquidation window.

    Raises
    ------
    ValueError
        If no bar closes at or before the first snapshot (the map would have no price).
    """
    if len(data.bars) == 0 or data.bars.close_ns[0] > data.liquidations.end_ns[0]:
        raise ValueError("replay: no bar closes at or before the first liquidation window's end")
    started = time.perf_counter()
    n = len(data.liquidations)
    price = np.full(n, np.nan)
    est = np.zeros((n, 2))
    mag = np.zeros((n, 2))
    bias = np.zeros(n, dtype=np.int8)
    active = np.zeros(n)
    cl_rows: list[tuple[int, int, float, float, float]] = []

    def snapshot(rep: MapReplay, ts_ns: int, i: int) -> None:
        engine = rep.engine
        est[i] = engine.take_swept()
        price[i] = engine.price
        clusters, m = engine.update_clusters_and_magnet()
        mag[i] = (m.up, m.down)
        bias[i] = _BIAS_CODE.get(m.bias, 0)
        active[i] = engine.active_usd()
        for c in clusters:
            if c.status != ClusterStatus.CLEARED:
                cl_rows.append((i, 1 if c.side == Side.LONG else -1, c.price_level, c.notional_usd, c.distance_pct))

    driver = MapReplay(data.market_series(), params, snapshot, snapshot_times=data.liquidations.end_ns)
    driver.advance_to()
    cl = np.asarray(cl_rows, dtype=np.float64).reshape(-1, 5)
    return ReplayResult(
        ts_ns=data.liquidations.end_ns.copy(),
        price=price,
        est_long_usd=est[:, 0],
        est_short_usd=est[:, 1],
        magnet_up=mag[:, 0],
        magnet_down=mag[:, 1],
        bias=bias,
        cluster_snapshot=cl[:, 0].astype(np.int64),
        cluster_side=cl[:, 1].astype(np.int8),
        cluster_level=cl[:, 2],
        cluster_notional_usd=cl[:, 3],
        cluster_distance_pct=cl[:, 4],
        active_usd=active,
        seconds=time.perf_counter() - started,
        seed_span_hours=driver.engine.seed_span_hours,
        closest_liquidation=(driver.engine.model.closest_distance(1), driver.engine.model.closest_distance(-1)),
    )
