"""The map at one update as every source serves it (replayed, recorded or live), and the views the API reads.

A :class:`MapFrame` is what :class:`~liqheat_nautilus.actor.LiquidationMapActor` publishes at one update: the
:class:`~liqheat_nautilus.data.LiquidationMapSnapshot` summary, the clusters and the
:class:`~liqheat_nautilus.data.LiquidationMapBins` (notional per bin and leverage tier). Replays build the same
objects from the engine, recordings and Redis deliver them as published, so every endpoint reads one shape.
Pure numpy below; no engine and no Nautilus runtime.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from liqheat_nautilus.core.enums import ClusterStatus

if TYPE_CHECKING:
    from liqheat_nautilus.data import LiquidationMapBins, LiquidationMapSnapshot


@dataclass(frozen=True)
class MapFrame:
    """
    One map update.

    Attributes
    ----------
    instrument_id : str
    ts_ns : int
        Time of the update (UNIX ns).
    snapshot : LiquidationMapSnapshot
        Summary: price, open interest (USD), long/short notional (USD), swept (USD), magnet forces (USD / %²),
        bias.
    clusters : tuple
        ``LiquidationCluster`` (or ``ClusterInfo``) of the update: live ones, then those cleared since the
        update before.
    bins : LiquidationMapBins or None
        Notional per bin and tier (``None`` when the source did not publish bins).
    """

    instrument_id: str
    ts_ns: int
    snapshot: "LiquidationMapSnapshot"
    clusters: tuple[Any, ...] = ()
    bins: "LiquidationMapBins | None" = None

    @property
    def live_clusters(self) -> list[Any]:
        """Clusters that are not ``CLEARED``, strongest first."""
        return sorted((c for c in self.clusters if c.status != ClusterStatus.CLEARED), key=lambda c: -c.strength)


@dataclass(frozen=True)
class BinsView:
    """
    Decoded bins of a frame.

    Attributes
    ----------
    width : float
        Bin width (price).
    lower : np.ndarray
        ``(n,)`` lower edge of each bin (price), ascending.
    tiers : np.ndarray
        ``(t,)`` leverage tiers (x).
    long_tier, short_tier : np.ndarray
        ``(n, t)`` open notional (USD) per bin and tier.
    long_status, short_status : np.ndarray
        ``(n,)`` int8 status codes (0 ``ACTIVE``, 1 ``PARTIAL``, 2 ``CLEARED``).
    _totals : dict
        Private cache of :attr:`long_usd` and :attr:`short_usd` (filled on first access; not compared, not in the
        repr): leave it to its default.
    """

    width: float
    lower: np.ndarray
    tiers: np.ndarray
    long_tier: np.ndarray
    short_tier: np.ndarray
    long_status: np.ndarray
    short_status: np.ndarray
    _totals: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, bins) -> "BinsView":
        """
        Decode ``LiquidationMapBins``.

        Parameters
        ----------
        bins : LiquidationMapBins
            One update's published bins.

        Returns
        -------
        BinsView
        """
        long_status, short_status = bins.statuses()
        return cls(width=float(bins.bin_width), lower=bins.lower_edges(), tiers=bins.tier_values(),
                   long_tier=bins.long_tier_usd(), short_tier=bins.short_tier_usd(), long_status=long_status,
                   short_status=short_status)

    @property
    def long_usd(self) -> np.ndarray:
        """``(n,)`` long notional (USD) per bin."""
        if "long" not in self._totals:
            self._totals["long"] = self.long_tier.sum(axis=1)
        return self._totals["long"]

    @property
    def short_usd(self) -> np.ndarray:
        """``(n,)`` short notional (USD) per bin."""
        if "short" not in self._totals:
            self._totals["short"] = self.short_tier.sum(axis=1)
        return self._totals["short"]

    def window(self, price: float, window_pct: float) -> np.ndarray:
        """
        Return the indices of the bins overlapping ``price · (1 ± window_pct / 100)``.

        Parameters
        ----------
        price : float
            Centre of the window (price, quote currency), e.g. the snapshot's price.
        window_pct : float
            Half-width of the window in percent of price.

        Returns
        -------
        np.ndarray
            ``(m,)`` int indices, ascending in price.
        """
        lo, hi = price * (1.0 - window_pct / 100.0), price * (1.0 + window_pct / 100.0)
        return np.flatnonzero((self.lower + self.width > lo) & (self.lower < hi))


def cluster_score(strength: float, distance_pct: float) -> float:
    """
    Rank of a cluster for ``/api/heatmap/{instrument_id}/best``: strength discounted by distance.

    ``score = strength / (1 + |distance_pct|)``: a cluster of full strength 1 % from price scores 0.5, one 3 %
    away 0.25 (a closer cluster is more likely to be reached; see the magnet force, which decays with the square of
    the distance).

    Parameters
    ----------
    strength : float
        In [0, 1].
    distance_pct : float
        Signed distance from price in percent.

    Returns
    -------
    float
    """
    return float(strength) / (1.0 + abs(float(distance_pct)))


def best_cluster(frame: MapFrame, side: str | None = None):
    """
    Return the live cluster with the highest :func:`cluster_score`.

    Parameters
    ----------
    frame : MapFrame
        The map update; its live clusters (not ``CLEARED``) are the candidates.
    side : str, optional
        ``"LONG"`` or ``"SHORT"`` to restrict the choice.

    Returns
    -------
    LiquidationCluster or ClusterInfo or None
    """
    live = [c for c in frame.live_clusters if side is None or c.side == side]
    return max(live, key=lambda c: cluster_score(c.strength, c.distance_pct), default=None)


def nearest_clusters(clusters: Iterable[Any], price: float) -> tuple[Any | None, Any | None]:
    """
    Return the nearest live cluster above price and below it (the rule of the snapshot's ``nearest_*`` fields).

    Parameters
    ----------
    clusters : iterable
        ``LiquidationCluster`` or ``ClusterInfo``.
    price : float
        Current price.

    Returns
    -------
    tuple
        ``(above, below)``, each a cluster or ``None``.
    """
    live = [c for c in clusters if c.status != ClusterStatus.CLEARED]
    above = min((c for c in live if c.price_level > price), key=lambda c: c.price_level, default=None)
    below = max((c for c in live if c.price_level < price), key=lambda c: c.price_level, default=None)
    return above, below


def finite_or_none(value) -> float | None:
    """
    Return ``value`` as a float, ``None`` when it is missing, not a number or not finite (JSON has no NaN).

    Parameters
    ----------
    value : object
        A number, a numeric string, ``None``, NaN or ±inf (e.g. a ``TradeSignal`` field or the snapshot's open
        interest).

    Returns
    -------
    float or None
        ``float(value)`` when that succeeds and is finite, else ``None``.
    """
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class HeatmapGrid:
    """
    Frames on one price grid, aggregated to at most a number of price levels.

    Attributes
    ----------
    ts_ns : np.ndarray
        ``(k,)`` frame times (UNIX ns).
    price : np.ndarray
        ``(k,)`` price at each frame.
    levels : np.ndarray
        ``(g,)`` centre of each price level (price), ascending.
    level_width : float
        Width of a level (price): a whole number of bins.
    usd : np.ndarray
        ``(k, g)`` open long + short notional (USD) per frame and level.
    """

    ts_ns: np.ndarray
    price: np.ndarray
    levels: np.ndarray
    level_width: float
    usd: np.ndarray


def heatmap_grid(rows: list[tuple[int, float, int, np.ndarray, np.ndarray]], width: float, low: float, high: float,
                 max_levels: int) -> HeatmapGrid:
    """
    Map updates on one price grid between two prices, bins merged so that at most ``max_levels`` levels remain.

    Parameters
    ----------
    rows : list[tuple[int, float, int, np.ndarray, np.ndarray]]
        One per update, in time order: ``(ts_ns, price, first_bin, long_usd, short_usd)`` with the notional (USD)
        of the rows ``first_bin, first_bin + 1, ...`` of the global grid (bin ``g`` covers
        ``[g·width, (g+1)·width)``), e.g. :meth:`~liqheat_nautilus.serve.sources.MapSource.side_totals` of
        published bins.
    width : float
        Bin width (price, > 0).
    low, high : float
        Price range kept: the bins overlapping it.
    max_levels : int
        Upper bound on the number of levels (>= 1); ``m = ceil(bins / max_levels)`` consecutive bins form one
        level, their notional summed.

    Returns
    -------
    HeatmapGrid
        ``usd`` holds long + short notional.
    """
    g_lo = int(math.floor(low / width))
    span = max(int(math.ceil(high / width)) - g_lo, 1)
    merge = max(1, math.ceil(span / max(int(max_levels), 1)))
    n_levels = math.ceil(span / merge)
    grid = np.zeros((len(rows), n_levels * merge))
    for t, (_, _, first, long_usd, short_usd) in enumerate(rows):
        a = max(first, g_lo)
        b = min(first + long_usd.size, g_lo + grid.shape[1])
        if b > a:
            grid[t, a - g_lo : b - g_lo] = long_usd[a - first : b - first] + short_usd[a - first : b - first]
    usd = grid.reshape(len(rows), n_levels, merge).sum(axis=2)
    level_width = width * merge
    return HeatmapGrid(ts_ns=np.array([r[0] for r in rows], dtype=np.int64),
                       price=np.array([r[1] for r in rows], dtype=np.float64),
                       levels=g_lo * width + (np.arange(n_levels) + 0.5) * level_width, level_width=level_width,
                       usd=usd)
