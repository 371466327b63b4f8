"""Reads of the map: clusters and magnet in one compiled pass, cumulative curves, bin status, totals.

The functions take a settled :class:`~liqheat_nautilus.core.book.MapBook` and return plain numbers or arrays;
:class:`MapReads` is the engine's read interface built on them (every read settles the deferred sweeps first).
"""

import math

import numpy as np

from liqheat_nautilus.core.book import MapBook
from liqheat_nautilus.core.clusters import ClusterInfo, ClusterTracker
from liqheat_nautilus.core.enums import Bias, ClusterStatus, Side
from liqheat_nautilus.core.history import MapHistory
from liqheat_nautilus.core.kernels import (
    METHOD_QUANTILE,
    METHOD_SIGMA,
    STATUS_ACTIVE,
    STATUS_CLEARED,
    STATUS_PARTIAL,
    magnet_sums,
    read_map,
)
from liqheat_nautilus.core.magnet import Magnet, magnet_from_forces
from liqheat_nautilus.core.params import MapParams

__all__ = [
    "SWEPT_SHARE_CLEARED",
    "SWEPT_SHARE_PARTIAL",
    "MapReads",
    "bin_status",
    "cluster_fields",
    "cumulative_curves",
]

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


class MapReads:
    """
    The engine's reads (mixed into :class:`~liqheat_nautilus.core.engine.LiquidationMapEngine`).

    Expects ``book`` (:class:`MapBook`), ``params``, ``tiers`` (``(n_tiers,)`` leverage points), ``tracker``
    (:class:`~liqheat_nautilus.core.clusters.ClusterTracker`), ``history`` (:class:`MapHistory` or ``None``) and
    ``ts_ns`` on the instance, and the path extremes ``_low_since``/``_high_since`` since the last cluster update.
    """

    book: MapBook
    params: MapParams
    tiers: np.ndarray
    tracker: ClusterTracker
    history: MapHistory | None
    ts_ns: int
    _low_since: float
    _high_since: float

    def long_usd(self) -> np.ndarray:
        """Open long notional (USD) per bin, shape ``(n_bins,)``; all of it lies below price."""
        self.book.settle()
        return self.book.long.totals()

    def short_usd(self) -> np.ndarray:
        """Open short notional (USD) per bin, shape ``(n_bins,)``; all of it lies above price."""
        self.book.settle()
        return self.book.short.totals()

    def tier_usd(self) -> tuple[np.ndarray, np.ndarray]:
        """Open notional (USD) per bin × leverage point, ``(long, short)``, each a copy ``(n_bins, n_tiers)``."""
        self.book.settle()
        return self.book.long.usd.copy(), self.book.short.usd.copy()

    def bin_status(self) -> tuple[np.ndarray, np.ndarray]:
        """Status codes per bin (0 ACTIVE, 1 PARTIAL, 2 CLEARED; ``status_rule``) ``(long, short)``, int8."""
        self.book.settle()
        rule = self.params.status_rule
        return (bin_status(self.book.long.status, self.book.long.share, rule).copy(),
                bin_status(self.book.short.status, self.book.short.share, rule).copy())

    def take_swept(self) -> tuple[float, float]:
        """Return and reset the estimated liquidations (USD) swept since the last call: ``(long, short)``."""
        return self.book.take_swept()

    def side_units(self) -> tuple[float, float]:
        """Position units held per side ``(long, short)``: base units (linear) or USD (inverse contracts)."""
        return self.book.units(1), self.book.units(-1)

    def side_usd_at_price(self) -> tuple[float, float]:
        """Open notional per side valued at the current price ``(long, short)`` (USD; comparable with OI)."""
        price = self.book.price
        k = 1.0 if self.params.inverse else price
        return self.book.units(1) * k, self.book.units(-1) * k

    def cumulative_curves(self) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative liquidation notional outward from price (see :func:`~.reads.cumulative_curves`)."""
        self.book.settle()
        return cumulative_curves(self.book)

    def magnet(self) -> Magnet:
        """Magnet force and bias at the current price (see :func:`~liqheat_nautilus.core.magnet.magnet_force`)."""
        book = self.book
        if book.grid is None:
            return Magnet(0.0, 0.0, 0.0, Bias.UNBIASED)
        book.settle()
        up, down = magnet_sums(book.long.usd, book.short.usd, book.grid.base, book.grid.width, book.price)
        return magnet_from_forces(up, down, self.params.magnet_dead_band)

    def detect_clusters(self) -> list[ClusterInfo]:
        """
        Detect clusters on both sides without assigning ids (``cluster_id`` 0, times 0).

        Returns
        -------
        list[ClusterInfo]
            At most ``max_clusters_per_side`` per side, strength relative to the largest of all.
        """
        return [ClusterInfo(**fields) for fields in self._read()[0]]

    def _read(self) -> tuple[list[dict], float, float]:
        if self.book.grid is None:
            return [], 0.0, 0.0
        self.book.settle()
        return cluster_fields(self.book, self.params, self.tiers)

    def update_clusters(self) -> list[ClusterInfo]:
        """
        Detect clusters, match them to earlier ones (stable ids) and report those price has cleared.

        Returns
        -------
        list[ClusterInfo]
            Current clusters (``ACTIVE``/``PARTIAL``) followed by clusters ``CLEARED`` since the last call.
        """
        return self.update_clusters_and_magnet()[0]

    def update_clusters_and_magnet(self) -> tuple[list[ClusterInfo], Magnet]:
        """
        :meth:`update_clusters` followed by :meth:`magnet`, sharing one pass over the bins.

        Returns
        -------
        tuple[list[ClusterInfo], Magnet]
            Exactly what ``(update_clusters(), magnet())`` return.
        """
        fields, up, down = self._read()
        if self.book.grid is not None:
            self.tracker.match_tolerance = self.book.grid.width
        result = self.tracker.update_fields(fields, self.ts_ns, self._low_since, self._high_since)
        self._low_since, self._high_since = math.inf, -math.inf
        return result, magnet_from_forces(up, down, self.params.magnet_dead_band)

    def record_history(self) -> None:
        """Append the current per-bin notional to the snapshot ring buffer (no-op when disabled)."""
        if self.history is not None and self.book.grid is not None:
            self.history.push(self.ts_ns, self.book.price, self.book.grid.base, self.book.grid.width,
                              self.long_usd(), self.short_usd())

    def active_usd(self) -> float:
        """Total open notional (USD) of both sides in the grid."""
        self.book.settle()
        return self.book.active_usd()

    def outside_usd(self) -> float:
        """Open notional (USD) of both sides whose levels lie outside the grid (never liquidated within it)."""
        return self.book.outside_usd()

    def memory_bytes(self) -> int:
        """Bytes held by the engine's arrays (both sides, cohort layers and the snapshot ring buffer)."""
        total = self.book.long.nbytes() + self.book.short.nbytes()
        if self.history is not None:
            h = self.history
            total += sum(a.nbytes for a in (h.ts_ns, h.price, h.base, h.width, h.long_usd, h.short_usd))
        return total
