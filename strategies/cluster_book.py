"""``ClusterBook``: a strategy's view of the live liquidation map built from the actor's published data."""

from dataclasses import dataclass

from liqheat_nautilus.core.enums import ClusterStatus, Side
from liqheat_nautilus.data import LiquidationCluster, LiquidationMapSnapshot


@dataclass(frozen=True)
class ClearedCluster:
    """
    A cluster that the latest map update reported as ``CLEARED`` (price went through it).

    Attributes
    ----------
    cluster : LiquidationCluster
        The ``CLEARED`` report.
    previous : LiquidationCluster or None
        The same cluster as last seen live (``ACTIVE``/``PARTIAL``) by this book, ``None`` if never seen live.
    """

    cluster: LiquidationCluster
    previous: LiquidationCluster | None

    @property
    def strength(self) -> float:
        """The strength it had while live (the report's own when never seen live)."""
        return self.previous.strength if self.previous is not None else self.cluster.strength


class ClusterBook:
    """
    Keeps the clusters of the latest map update and the latest snapshot.

    ``LiquidationMapActor`` publishes all clusters of one update, then the snapshot of that update (same
    ``ts_event``). Feed both to :meth:`on_cluster` / :meth:`on_snapshot` in that order; after a snapshot the
    book holds exactly the live (``ACTIVE``/``PARTIAL``) clusters of that update, and :attr:`cleared` the
    clusters that update reported as ``CLEARED``.

    Attributes
    ----------
    clusters : dict[int, LiquidationCluster]
        Live clusters by ``cluster_id``.
    snapshot : LiquidationMapSnapshot or None
        The latest snapshot.
    cleared : list[ClearedCluster]
        ``CLEARED`` reports of the latest update.
    """

    def __init__(self) -> None:
        self.clusters: dict[int, LiquidationCluster] = {}
        self.snapshot: LiquidationMapSnapshot | None = None
        self.cleared: list[ClearedCluster] = []
        self._pending_cleared: list[ClearedCluster] = []

    def reset(self) -> None:
        """Forget everything."""
        self.clusters.clear()
        self.snapshot = None
        self.cleared = []
        self._pending_cleared = []

    def on_cluster(self, cluster: LiquidationCluster) -> None:
        """
        Add or update a cluster; a ``CLEARED`` one is removed and queued for :attr:`cleared`.

        Parameters
        ----------
        cluster : LiquidationCluster
            A cluster of the map update being received (clusters come before their update's snapshot).
        """
        if cluster.status == ClusterStatus.CLEARED:
            previous = self.clusters.pop(cluster.cluster_id, None)
            self._pending_cleared.append(ClearedCluster(cluster, previous))
        else:
            self.clusters[cluster.cluster_id] = cluster

    def on_snapshot(self, snapshot: LiquidationMapSnapshot) -> None:
        """
        Close the update: drop clusters not refreshed by it and publish its ``CLEARED`` reports.

        Parameters
        ----------
        snapshot : LiquidationMapSnapshot
            The update's snapshot (same ``ts_event`` as its clusters).
        """
        self.clusters = {k: c for k, c in self.clusters.items() if c.ts_event == snapshot.ts_event}
        self.cleared = [c for c in self._pending_cleared if c.cluster.ts_event == snapshot.ts_event]
        self._pending_cleared = []
        self.snapshot = snapshot

    def zones(self) -> list[tuple[float, float]]:
        """
        Return the ``(price_low, price_high)`` of every live cluster.

        Returns
        -------
        list[tuple[float, float]]
            Price zones (quote currency), in the order the clusters were first reported.
        """
        return [(c.price_low, c.price_high) for c in self.clusters.values()]

    def ahead(self, price: float, min_strength: float = 0.0) -> list[LiquidationCluster]:
        """
        Return the live clusters price has yet to reach: long-side below ``price``, short-side above.

        Long positions are liquidated when price falls to their level, short positions when it rises to it, so a
        cluster on its own side of price is one that a move can still trigger.

        Parameters
        ----------
        price : float
            Current price.
        min_strength : float, default 0.0
            Minimum strength in [0, 1].

        Returns
        -------
        list[LiquidationCluster]
            In the order the clusters were first reported.
        """
        def is_ahead(c: LiquidationCluster) -> bool:
            return c.price_level > price if c.side == Side.SHORT else c.price_level < price

        return [c for c in self.clusters.values() if c.strength >= min_strength and is_ahead(c)]

    def nearest(self, side: Side, price: float, min_strength: float = 0.0) -> LiquidationCluster | None:
        """
        Return the nearest cluster of a side among those :meth:`ahead` of price.

        Parameters
        ----------
        side : Side
            The liquidated side (``LONG``: levels below price; ``SHORT``: above).
        price, min_strength : float
            As in :meth:`ahead`.

        Returns
        -------
        LiquidationCluster or None
            ``None`` when there is none.
        """
        side = Side(side)
        sign = 1.0 if side == Side.SHORT else -1.0  # the nearest short-side level is the lowest, long-side the highest
        return min((c for c in self.ahead(price, min_strength) if c.side == side),
                   key=lambda c: sign * c.price_level, default=None)

    def support(self, price: float, min_strength: float = 0.0) -> LiquidationCluster | None:
        """
        Return the nearest ``LONG``-side cluster below ``price``: ``nearest(Side.LONG, price, min_strength)``.

        Parameters
        ----------
        price : float
            The current price.
        min_strength : float, default 0.0
            Lowest ``strength`` (in [0, 1]) a cluster needs to count.

        Returns
        -------
        LiquidationCluster or None
            ``None`` when there is none.
        """
        return self.nearest(Side.LONG, price, min_strength)

    def resistance(self, price: float, min_strength: float = 0.0) -> LiquidationCluster | None:
        """
        Return the nearest ``SHORT``-side cluster above ``price``: ``nearest(Side.SHORT, price, min_strength)``.

        Parameters
        ----------
        price : float
            The current price.
        min_strength : float, default 0.0
            Lowest ``strength`` (in [0, 1]) a cluster needs to count.

        Returns
        -------
        LiquidationCluster or None
            ``None`` when there is none.
        """
        return self.nearest(Side.SHORT, price, min_strength)
