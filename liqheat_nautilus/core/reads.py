"""Reads of the map's book: clusters and magnet in one compiled pass, cumulative curves, bin status.

Every function takes a settled :class:`~liqheat_nautilus.core.book.MapBook` (the engine settles deferred sweeps
before calling them) and returns plain numbers or arrays; nothing here mutates the book.
"""

import numpy as np

from liqheat_nautilus.core.book import MapBook
from liqheat_nautilus.core.enums import ClusterStatus, Side
from liqheat_nautilus.core.kernels import (
    METHOD_QUANTILE,
    METHOD_SIGMA,
    STATUS_ACTIVE,
    STATUS_CLEARED,
    STATUS_PARTIAL,
    read_map,
)
from liqheat_nautilus.core.params import MapParams

__all__ = ["SWEPT_SHARE_CLEARED", "SWEPT_SHARE_PARTIAL", "bin_status", "cluster_fields", "cumulative_curves"]

SWEPT_SHARE_CLEARED = 0.8
"""``status_rule="swept_share"``: a bin more than 80 % swept is CLEARED (Liquidation Map Indicator API)."""
SWEPT_SHARE_PARTIAL = 0.2
"""``status_rule="swept_share"``: a bin more than 20 % swept is PARTIAL."""


def bin_status(status: np.ndarray, share: np.ndarray, rule: str) -> np.ndarray:
    """
    Status codes per bin under a status rule.

    Parameters
    ----------
    status : np.ndarray
        ``(n_bins,)`` int8 path status (0 ACTIVE, 1 PARTIAL once price entered the bin, 2 CLEARED once it passed).
    share : np.ndarray
        ``(n_bins,)`` swept share of each bin since it was (re)filled, in [0, 1] (notional is assumed uniform
        inside a bin, so the traded share of its price range is the swept share of its notional).
    rule : str
        ``"path"`` (``status`` as is) or ``"swept_share"`` (CLEARED when ``share > 0.8``, PARTIAL when
        ``> 0.2``, else ACTIVE; the reference API's rule).

    Returns
    -------
    np.ndarray
        ``(n_bins,)`` int8 codes.
    """
    if rule == "path":
        return status
    out = np.full(status.shape, STATUS_ACTIVE, dtype=np.int8)
    out[share > SWEPT_SHARE_PARTIAL] = STATUS_PARTIAL
    out[share > SWEPT_SHARE_CLEARED] = STATUS_CLEARED
    return out


def cluster_fields(book: MapBook, params: MapParams, tiers: np.ndarray) -> tuple[list[dict], float, float]:
    """
    One compiled pass (:func:`~.kernels.read_map`): every cluster's fields and the magnet forces.

    Parameters
    ----------
    book : MapBook
        The settled book (a grid must exist).
    params : MapParams
        Cluster parameters (``cluster_method``, ``cluster_quantile``, ``cluster_k_sigma``, ``cluster_max_gap``,
        ``max_clusters_per_side``, ``avg_position_usd``, ``status_rule``).
    tiers : np.ndarray
        ``(n_tiers,)`` leverage points (x).

    Returns
    -------
    tuple[list[dict], float, float]
        ``(fields, up, down)``: one dict per cluster with the :class:`~.clusters.ClusterInfo` fields (id 0,
        times 0; prices in quote currency, notional USD, distance in percent), long clusters first; the magnet
        forces up and down (USD / %²).
    """
    grid, p = book.grid, params
    width, base, price = grid.width, grid.base, book.price
    method = METHOD_SIGMA if p.cluster_method == "sigma" else METHOD_QUANTILE
    runs, n_long, up, down = read_map(
        book.long.usd, book.short.usd, bin_status(book.long.status, book.long.share, p.status_rule),
        bin_status(book.short.status, book.short.share, p.status_rule), tiers, base, width, method,
        p.cluster_quantile, p.cluster_k_sigma, p.cluster_max_gap, p.max_clusters_per_side, price,
    )
    if not len(runs):
        return [], up, down
    rows = runs.tolist()
    top = max(r[2] for r in rows)
    avg = p.avg_position_usd
    return [
        {
            "cluster_id": 0, "side": Side.SHORT if i >= n_long else Side.LONG, "price_level": level,
            "price_low": (base + int(a)) * width, "price_high": (base + int(b) + 1) * width,
            "leverage_tier": lev, "notional_usd": notional, "liquidation_count": int(round(notional / avg)),
            "strength": min(max(notional / top, 0.0), 1.0), "distance_pct": (level - price) / price * 100.0,
            "status": ClusterStatus.PARTIAL if partial else ClusterStatus.ACTIVE, "first_seen": 0, "last_seen": 0,
        }
        for i, (a, b, notional, level, lev, partial) in enumerate(rows)
    ], up, down


def cumulative_curves(book: MapBook) -> tuple[np.ndarray, np.ndarray]:
    """
    The "depth" view: cumulative liquidation notional outward from price.

    Parameters
    ----------
    book : MapBook
        The settled book.

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        ``(long_cum, short_cum)``, each ``(n_bins,)`` USD: ``long_cum[k]`` is the long notional liquidated if
        price falls to bin ``k`` (0 above price); ``short_cum[k]`` the short notional liquidated if it rises to
        bin ``k`` (0 below price). Monotone outward from price.
    """
    long_t, short_t = book.long.totals(), book.short.totals()
    long_cum = np.cumsum(long_t[::-1])[::-1]
    short_cum = np.cumsum(short_t)
    if book.grid is not None:
        k = book.grid.local_index(book.price)
        long_cum[max(k + 1, 0) :] = 0.0
        short_cum[: max(k, 0)] = 0.0
    return long_cum, short_cum
