"""Replay of the pure liquidation-map engine over bars, open interest and funding, with a snapshot per window.

Events are fed in time order; at equal times a bar comes first, then funding, then taker volume, then open
interest, then the snapshot. Bars are stamped with their close time. At each snapshot (the end ``E`` of an
actual-liquidation window) the replay records:

* the estimated liquidations swept since the previous snapshot (``engine.take_swept()``): price moves of the
  bars closing in ``(E_prev, E]`` plus levels swept when the open-interest update at ``E`` opened positions
  already beyond price. Only information up to ``E`` is used;
* the clusters of ``engine.update_clusters()`` that are not ``CLEARED`` (side, level, notional, distance);
* the magnet of ``engine.magnet()`` (up and down forces, bias).
"""

import math
import time
from dataclasses import dataclass

import numpy as np

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.evaluation.series import EvaluationData

_BAR, _FUNDING, _TAKER, _OI, _SNAPSHOT = 0, 1, 2, 3, 4
_BIAS_CODE = {"UP": 1, "DOWN": -1}


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


def _event_order(data: EvaluationData) -> tuple[np.ndarray, np.ndarray]:
    taker_ts = data.taker.ts_ns if data.taker is not None else np.zeros(0, dtype=np.int64)
    ts = np.concatenate([data.bars.close_ns, data.funding.ts_ns, taker_ts, data.open_interest.ts_ns,
                         data.liquidations.end_ns])
    kind = np.concatenate([np.full(len(data.bars), _BAR), np.full(len(data.funding), _FUNDING),
                           np.full(taker_ts.size, _TAKER), np.full(len(data.open_interest), _OI),
                           np.full(len(data.liquidations), _SNAPSHOT)])
    idx = np.concatenate([np.arange(len(data.bars)), np.arange(len(data.funding)), np.arange(taker_ts.size),
                          np.arange(len(data.open_interest)), np.arange(len(data.liquidations))])
    order = np.lexsort((kind, ts))
    last = int(data.liquidations.end_ns[-1])
    order = order[ts[order] <= last]
    return kind[order], idx[order]


def replay(data: EvaluationData, params: MapParams) -> ReplayResult:
    """
    Drive a fresh :class:`~liqheat_nautilus.core.LiquidationMapEngine` over the data and snapshot each window.

    Parameters
    ----------
    data : EvaluationData
        Bars, open interest, funding and the liquidation windows (whose ends are the snapshot times).
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
    engine = LiquidationMapEngine(params)
    bars, oi, funding = data.bars, data.open_interest, data.funding
    high, low, close, volume, close_ns = (a.tolist() for a in (bars.high, bars.low, bars.close, bars.volume,
                                                                bars.close_ns))
    n = len(data.liquidations)
    price = np.full(n, np.nan)
    est = np.zeros((n, 2))
    mag = np.zeros((n, 2))
    bias = np.zeros(n, dtype=np.int8)
    active = np.zeros(n)
    cl_rows: list[tuple[int, int, float, float, float]] = []
    taker = data.taker
    kinds, indices = _event_order(data)
    for kind, i in zip(kinds.tolist(), indices.tolist(), strict=True):
        if kind == _BAR:
            engine.update_bar(high[i], low[i], close[i], volume[i], close_ns[i])
        elif kind == _FUNDING:
            engine.update_funding(float(funding.value[i]), int(funding.ts_ns[i]))
        elif kind == _TAKER:
            engine.update_taker_volume(float(taker.buy_usd[i]), float(taker.sell_usd[i]), int(taker.ts_ns[i]))
        elif kind == _OI:
            engine.update_open_interest(float(oi.value[i]), int(oi.ts_ns[i]),
                                        math.nan if oi.base is None else float(oi.base[i]))
        else:
            est[i] = engine.take_swept()
            price[i] = engine.price
            m = engine.magnet()
            mag[i] = (m.up, m.down)
            bias[i] = _BIAS_CODE.get(m.bias, 0)
            active[i] = engine.active_usd()
            for c in engine.update_clusters():
                if c.status != "CLEARED":
                    cl_rows.append((i, 1 if c.side == "LONG" else -1, c.price_level, c.notional_usd,
                                    c.distance_pct))
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
    )
