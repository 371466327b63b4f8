"""Reads of the map: clusters, ids and magnet in one compiled pass, cumulative curves, bin status, totals.

The functions take a settled :class:`~liqheat_nautilus.core.book.MapBook` and return plain numbers or arrays;
:class:`MapReads` is the engine's read interface built on them (every read settles the deferred sweeps first).

Cost: :meth:`MapReads.read` is one compiled pass over the bins (per-bin totals, cluster thresholds and runs, magnet
forces; :func:`~.kernels.read_totals`) and the compiled id match (:func:`~.kernels.track_clusters`) in one call
(:func:`~.kernels.read_tracked`); it returns a :class:`~.cluster_ids.MapRead` of arrays whose
:class:`~.clusters.ClusterInfo` objects are built only when asked for (ids across reads: :mod:`~.cluster_ids`). The
per-bin totals it computes are kept for the curves and the history row until the map changes (``book.revision``).
"""

import math

import numpy as np

from liqheat_nautilus.core.book import MapBook
from liqheat_nautilus.core.cluster_ids import ClusterIds, MapRead
from liqheat_nautilus.core.clusters import ClusterInfo
from liqheat_nautilus.core.enums import Bias, ClusterStatus, Side
from liqheat_nautilus.core.history import MapHistory
from liqheat_nautilus.core.kernels import (
    METHOD_QUANTILE,
    METHOD_SIGMA,
    STATUS_ACTIVE,
    STATUS_CLEARED,
    STATUS_PARTIAL,
    magnet_sums,
    read_curves,
    read_map,
    read_tracked,
    row_totals,
)
from liqheat_nautilus.core.magnet import Magnet, magnet_from_forces
from liqheat_nautilus.core.params import MapParams

__all__ = [
    "SWEPT_SHARE_CLEARED",
    "SWEPT_SHARE_PARTIAL",
    "ClusterIds",
    "MapRead",
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
    grid, p = book.ready_grid, params
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
    Return the "depth" view: cumulative liquidation notional outward from price.

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


_NO_RUNS = np.zeros((0, 6))


class MapReads:
    """
    The engine's reads (mixed into :class:`~liqheat_nautilus.core.engine.LiquidationMapEngine`).

    Expects ``book`` (:class:`MapBook`), ``params``, ``tiers`` (``(n_tiers,)`` leverage points), ``history``
    (:class:`MapHistory` or ``None``) and ``ts_ns`` on the instance, and the path extremes
    ``_low_since``/``_high_since`` since the last cluster update; :meth:`_init_reads` sets up the rest.
    """

    book: MapBook
    params: MapParams
    tiers: np.ndarray
    history: MapHistory | None
    ts_ns: int
    _low_since: float
    _high_since: float

    def _init_reads(self) -> None:
        n_bins = self.params.n_bins
        self.tracker = ClusterIds(2 * self.params.max_clusters_per_side)
        self._cleared = np.zeros(2 * self.params.max_clusters_per_side, dtype=np.int64)  # read_tracked's
        self._tot_long = np.zeros(n_bins)
        self._tot_short = np.zeros(n_bins)
        self._tot_rev = -1  # book.revision the totals belong to (-1: none)
        self._method = METHOD_SIGMA if self.params.cluster_method == "sigma" else METHOD_QUANTILE
        self.last_read: MapRead | None = None

    def _reset_reads(self) -> None:
        self.tracker.reset()
        self._tot_rev = -1
        self.last_read = None

    def _totals(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-bin totals of the settled book (kept until the map changes); the arrays are the engine's own."""
        book = self.book
        book.settle()
        if self._tot_rev != book.revision:
            self._tot_long[:] = row_totals(book.long.usd)
            self._tot_short[:] = row_totals(book.short.usd)
            self._tot_rev = book.revision
        return self._tot_long, self._tot_short

    def long_usd(self) -> np.ndarray:
        """
        Open long notional (USD) per bin, shape ``(n_bins,)``; all of it lies below price.

        Returns
        -------
        np.ndarray
        """
        return self._totals()[0].copy()

    def short_usd(self) -> np.ndarray:
        """
        Open short notional (USD) per bin, shape ``(n_bins,)``; all of it lies above price.

        Returns
        -------
        np.ndarray
        """
        return self._totals()[1].copy()

    def tier_usd(self) -> tuple[np.ndarray, np.ndarray]:
        """
        Open notional (USD) per bin × leverage point, ``(long, short)``, each a copy ``(n_bins, n_tiers)``.

        Returns
        -------
        tuple[np.ndarray, np.ndarray]
        """
        self.book.settle()
        return self.book.long.usd.copy(), self.book.short.usd.copy()

    def bin_status(self) -> tuple[np.ndarray, np.ndarray]:
        """
        Status codes per bin (0 ACTIVE, 1 PARTIAL, 2 CLEARED; ``status_rule``) ``(long, short)``, int8.

        Returns
        -------
        tuple[np.ndarray, np.ndarray]
            Each ``(n_bins,)`` int8.
        """
        self.book.settle()
        rule = self.params.status_rule
        return (bin_status(self.book.long.status, self.book.long.share, rule).copy(),
                bin_status(self.book.short.status, self.book.short.share, rule).copy())

    def take_swept(self) -> tuple[float, float]:
        """
        Return and reset the estimated liquidations (USD) swept since the last call: ``(long, short)``.

        Returns
        -------
        tuple[float, float]
            Swept notional (USD), long and short.
        """
        return self.book.take_swept()

    def side_units(self) -> tuple[float, float]:
        """
        Position units held per side ``(long, short)``: base units (linear) or USD (inverse contracts).

        Returns
        -------
        tuple[float, float]
        """
        return self.book.units(1), self.book.units(-1)

    def cumulative_curves(self) -> tuple[np.ndarray, np.ndarray]:
        """
        Cumulative liquidation notional outward from price (see :func:`~.reads.cumulative_curves`).

        Returns
        -------
        tuple[np.ndarray, np.ndarray]
            ``(long_cum, short_cum)``, each ``(n_bins,)`` USD.
        """
        long_t, short_t = self._totals()
        long_cum, short_cum = np.empty(long_t.size), np.empty(short_t.size)
        grid = self.book.grid
        k = grid.local_index(self.book.price) if grid is not None else long_t.size
        if grid is None:  # no price yet: plain cumulative sums, nothing zeroed
            long_cum[:] = np.cumsum(long_t[::-1])[::-1]
            short_cum[:] = np.cumsum(short_t)
            return long_cum, short_cum
        read_curves(long_t, short_t, k, long_cum, short_cum)
        return long_cum, short_cum

    def magnet(self) -> Magnet:
        """
        Magnet force and bias at the current price (see :func:`~liqheat_nautilus.core.magnet.magnet_force`).

        Returns
        -------
        Magnet
            Forces up and down (USD / %²), net force and bias.
        """
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
        if self.book.grid is None:
            return []
        self.book.settle()
        return [ClusterInfo(**fields) for fields in cluster_fields(self.book, self.params, self.tiers)[0]]

    def read(self) -> MapRead:
        """
        Update the map's reads: clusters with stable ids and magnet, in one compiled pass.

        Clusters (with stable ids, and the ``CLEARED`` reports since the previous read) and magnet, as arrays
        (:class:`MapRead`; its ``ClusterInfo`` objects are built when asked for). The per-bin totals it computes serve
        :meth:`cumulative_curves`, :meth:`record_history`, :meth:`long_usd` and :meth:`short_usd` until the map changes.

        Returns
        -------
        MapRead
            Also kept as :attr:`last_read`.
        """
        book, p = self.book, self.params
        grid = book.grid
        low_since, high_since = self._low_since, self._high_since
        tracker = self.tracker
        if grid is None:
            self._low_since, self._high_since = math.inf, -math.inf
            read = tracker.update(_NO_RUNS, 0, 0, 0.0, self.ts_ns, book.price, 0.0, 0.0, low_since, high_since,
                                  p.avg_position_usd, p.magnet_dead_band)
            self.last_read = read
            return read
        book.settle()  # before resetting the extremes: keeps ``_low_since <= book.pending_low`` (update_bar)
        self._low_since, self._high_since = math.inf, -math.inf
        base, width, price = grid.base, grid.width, book.price
        long, short = book.long, book.short
        rule = p.status_rule
        long_status, short_status = (long.status, short.status) if rule == "path" else (
            bin_status(long.status, long.share, rule), bin_status(short.status, short.share, rule))
        tracker.match_tolerance = width
        # read_totals then track_clusters (what tracker.update runs), in one compiled call
        ints, floats, n_cleared, tracker.next_id, up, down = read_tracked(
            long.usd, short.usd, long_status, short_status,
            self.tiers, base, width, self._method, p.cluster_quantile, p.cluster_k_sigma, p.cluster_max_gap,
            p.max_clusters_per_side, price, self._tot_long, self._tot_short, book.spans, tracker.ints, tracker.low,
            tracker.high, tracker.count, width, tracker.next_id, self.ts_ns, low_since, high_since, self._cleared)
        self._tot_rev = book.revision
        read = tracker.record(ints, floats, self._cleared[:n_cleared].tolist() if n_cleared else [], self.ts_ns,
                              price, width, up, down, p.avg_position_usd, p.magnet_dead_band)
        self.last_read = read
        return read

    def update_clusters(self) -> list[ClusterInfo]:
        """
        Detect clusters, match them to earlier ones (stable ids) and report those price has cleared.

        Returns
        -------
        list[ClusterInfo]
            Current clusters (``ACTIVE``/``PARTIAL``) followed by clusters ``CLEARED`` since the last call.
        """
        return self.read().clusters

    def update_clusters_and_magnet(self) -> tuple[list[ClusterInfo], Magnet]:
        """
        :meth:`update_clusters` followed by :meth:`magnet`, sharing one pass over the bins (:meth:`read`).

        Returns
        -------
        tuple[list[ClusterInfo], Magnet]
            Exactly what ``(update_clusters(), magnet())`` return.
        """
        read = self.read()
        return read.clusters, read.magnet

    def record_history(self) -> None:
        """Append the current per-bin notional to the snapshot ring buffer (no-op when disabled)."""
        if self.history is not None and self.book.grid is not None:
            long_t, short_t = self._totals()
            self.history.push(self.ts_ns, self.book.price, self.book.grid.base, self.book.grid.width, long_t,
                              short_t)

    def active_usd(self) -> float:
        """
        Total open notional (USD) of both sides in the grid.

        Returns
        -------
        float
        """
        self.book.settle()
        return self.book.active_usd()

    def outside_usd(self) -> float:
        """
        Open notional (USD) of both sides whose levels lie outside the grid (never liquidated within it).

        Returns
        -------
        float
        """
        return self.book.outside_usd()

    def memory_bytes(self) -> int:
        """
        Bytes held by the engine's arrays (both sides, cohort layers and the snapshot ring buffer).

        Returns
        -------
        int
        """
        total = self.book.long.nbytes() + self.book.short.nbytes()
        if self.history is not None:
            h = self.history
            total += sum(a.nbytes for a in (h.ts_ns, h.price, h.base, h.width, h.long_usd, h.short_usd))
        return total
