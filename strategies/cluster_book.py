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
        """
        self.clusters = {k: c for k, c in self.clusters.items() if c.ts_event == snapshot.ts_event}
        self.cleared = [c for c in self._pending_cleared if c.cluster.ts_event == snapshot.ts_event]
        self._pending_cleared = []
        self.snapshot = snapshot

    def zones(self) -> list[tuple[float, float]]:
        """
        The ``(price_low, price_high)`` of every live cluster.

        Returns
        -------
        list[tuple[float, float]]
        """
        return [(c.price_low, c.price_high) for c in self.clusters.values()]

    def nearest(self, side: Side, price: float, min_strength: float = 0.0) -> LiquidationCluster | None:
        """
        The nearest cluster of a side on its own side of price: long-side below, short-side above.

        Parameters
        ----------
        side : Side
            The liquidated side (``LONG``: levels below price; ``SHORT``: above).
        price : float
            Current price.
        min_strength : float, default 0.0
            Minimum strength in [0, 1].

        Returns
        -------
        LiquidationCluster or None
        """
        sign = 1.0 if Side(side) == Side.SHORT else -1.0
        beyond = [c for c in self.clusters.values()
                  if c.side == side and sign * (c.price_level - price) > 0 and c.strength >= min_strength]
        return min(beyond, key=lambda c: sign * c.price_level, default=None)

    def support(self, price: float, min_strength: float = 0.0) -> LiquidationCluster | None:
        """
        The nearest ``LONG``-side cluster whose level is below ``price`` (:meth:`nearest`).

        Parameters
        ----------
        price : float
        min_strength : float, default 0.0

        Returns
        -------
        LiquidationCluster or None
        """
        return self.nearest(Side.LONG, price, min_strength)

    def resistance(self, price: float, min_strength: float = 0.0) -> LiquidationCluster | None:
        """
        The nearest ``SHORT``-side cluster whose level is above ``price`` (:meth:`nearest`).

        Parameters
        ----------
        price : float
        min_strength : float, default 0.0

        Returns
        -------
        LiquidationCluster or None
        """
        return self.nearest(Side.SHORT, price, min_strength)
