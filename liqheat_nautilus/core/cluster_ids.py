"""One read of the map as arrays (:class:`MapRead`) and the stable cluster ids across reads (:class:`ClusterIds`).

:meth:`~.reads.MapReads.read` hands the runs of its compiled pass to :meth:`ClusterIds.update`, which matches them
to the previous read's clusters in one compiled call (:func:`~.kernels.track_clusters`) and returns a
:class:`MapRead`; its :class:`~.clusters.ClusterInfo` objects are built only when asked for.
"""

import numpy as np

from liqheat_nautilus.core.clusters import ClusterInfo, _cluster_info
from liqheat_nautilus.core.enums import ClusterStatus, Side
from liqheat_nautilus.core.kernels import track_clusters
from liqheat_nautilus.core.magnet import Magnet, magnet_bias, magnet_from_forces

__all__ = ["ClusterIds", "MapRead"]

_STATUS = (ClusterStatus.ACTIVE, ClusterStatus.PARTIAL)
_SIDE = {1: Side.LONG, -1: Side.SHORT}
_new_object = object.__new__


class MapRead:
    """
    One read of the map (:meth:`~.reads.MapReads.read`): its clusters as arrays (largest first), ids, magnet forces.

    Rows are in the order :meth:`~.reads.MapReads.update_clusters` lists the live clusters (largest notional first, ties
    in read order: long side first, then by price). :attr:`clusters` builds the :class:`~.clusters.ClusterInfo`
    objects on first use (live ones, then the ``CLEARED`` reports).

    Attributes
    ----------
    ts_ns : int
        Time of the read (UNIX ns).
    price : float
        Price at the read.
    width : float
        Bin width (price).
    ints : np.ndarray
        ``(m, 5)`` int64 per live cluster: side (+1 long-side, below price; -1 short-side), first and last global
        bin (the cluster covers ``[first·width, (last + 1)·width)``), id, first-seen time (UNIX ns).
    floats : np.ndarray
        ``(m, 4)`` per live cluster: notional (USD), price level, leverage (x), partial (1.0: a bin is PARTIAL).
    up, down : float
        Magnet forces (USD / %²).
    cleared : list[ClusterInfo]
        Earlier clusters price passed through since the previous read (status ``CLEARED``).
    avg_position_usd : float
        Average position notional (USD) that turns a cluster's notional into its ``liquidation_count``
        (``MapParams.avg_position_usd``), > 0.
    dead_band : float
        Magnet dead band (``MapParams.magnet_dead_band``): ``|net force|`` at or below it is a neutral bias.
    """

    __slots__ = ("_clusters", "_ids", "_magnet", "avg_position_usd", "cleared", "dead_band", "down", "floats", "ints",
                 "price", "ts_ns", "up", "width")

    def __init__(self, ts_ns: int, price: float, width: float, ints: np.ndarray, floats: np.ndarray, up: float,
                 down: float, cleared: list[ClusterInfo], avg_position_usd: float, dead_band: float) -> None:
        self.ts_ns, self.price, self.width, self.ints, self.floats = ts_ns, price, width, ints, floats
        self.up, self.down, self.cleared = up, down, cleared
        self.avg_position_usd, self.dead_band = avg_position_usd, dead_band
        self._clusters: list[ClusterInfo] | None = None
        self._magnet: Magnet | None = None
        self._ids: list[int] | None = None  # the sorted ids (same_clusters), computed on first use

    def __len__(self) -> int:
        """Return the number of live clusters."""
        return len(self.ints)

    @property
    def magnet(self) -> Magnet:
        """The magnet forces and bias (:func:`~.magnet.magnet_from_forces`)."""
        if self._magnet is None:
            self._magnet = magnet_from_forces(self.up, self.down, self.dead_band)
        return self._magnet

    @property
    def bias(self) -> str:
        """The magnet's bias (:attr:`magnet`'s, without building the :class:`~.magnet.Magnet`)."""
        if self._magnet is not None:
            return self._magnet.bias
        return magnet_bias(self.up, self.down, self.dead_band)

    @property
    def clusters(self) -> list[ClusterInfo]:
        """Live clusters (largest first), then the ``CLEARED`` reports (:meth:`~.reads.MapReads.update_clusters`)."""
        if self._clusters is None:
            self._clusters = self._build()
        return self._clusters + self.cleared

    def _build(self) -> list[ClusterInfo]:
        if not len(self.ints):
            return []
        width, price, avg, ts = self.width, self.price, self.avg_position_usd, self.ts_ns
        floats = self.floats.tolist()
        top = max([f[0] for f in floats])
        out: list[ClusterInfo] = []
        append, new, side_of, status_of = out.append, _new_object, _SIDE, _STATUS
        for (side, a, b, cid, first), (n, level, lev, partial) in zip(self.ints.tolist(), floats, strict=True):
            # ClusterInfo(...) without its frozen-dataclass __init__: the same attributes in the same order, set
            # one by one as that __init__ sets them (so the instance keeps the class's key-sharing dict, as a
            # constructed one does; clusters._cluster_info, without its check of the field names, which are these);
            # the strength is min(max(n / top, 0.0), 1.0) without the two calls
            info = new(ClusterInfo)
            fields = info.__dict__
            fields["cluster_id"] = cid
            fields["side"] = side_of[side]
            fields["price_level"] = level
            fields["price_low"] = a * width
            fields["price_high"] = (b + 1) * width
            fields["leverage_tier"] = lev
            fields["notional_usd"] = n
            fields["liquidation_count"] = int(round(n / avg))
            strength = n / top
            fields["strength"] = 1.0 if strength > 1.0 else 0.0 if strength < 0.0 else strength
            fields["distance_pct"] = (level - price) / price * 100.0
            fields["status"] = status_of[partial > 0.5]
            fields["first_seen"] = first
            fields["last_seen"] = ts
            append(info)
        return out

    def same_clusters(self, other: "MapRead | None") -> bool:
        """
        Return whether ``other`` holds the same clusters and this read reports none ``CLEARED``.

        The same clusters means the same ids; their notional, range and status may differ.

        Parameters
        ----------
        other : MapRead or None
            The previous published read (None before the first).

        Returns
        -------
        bool
        """
        # at most 2 × max_clusters_per_side ids: sorted lists compare faster than numpy for so few (once per read)
        return (other is not None and not self.cleared and len(self.ints) == len(other.ints)
                and self.sorted_ids() == other.sorted_ids())

    def sorted_ids(self) -> list[int]:
        """
        Return the live clusters' ids in increasing order (computed once per read).

        Returns
        -------
        list[int]
        """
        if self._ids is None:
            self._ids = sorted(self.ints[:, 3].tolist())
        return self._ids


class ClusterIds:
    """
    Stable cluster ids across reads, matched by one compiled call.

    :class:`~.clusters.ClusterTracker`'s rule as a compiled match (:func:`~.kernels.track_clusters`) over arrays.

    A new cluster takes the id of the earlier same-side cluster whose range (widened by ``match_tolerance`` on each
    side) overlaps it most, largest new clusters first, each earlier id used once; an earlier cluster no longer
    found is reported once as ``CLEARED`` when price passed through its range since the previous read.

    Parameters
    ----------
    capacity : int
        Most clusters of one read (``2 × max_clusters_per_side``).
    """

    def __init__(self, capacity: int) -> None:
        self.ints = np.zeros((capacity, 5), dtype=np.int64)
        self.low = np.zeros(capacity)
        self.high = np.zeros(capacity)
        self.match_tolerance = 0.0
        self.reset()

    def reset(self) -> None:
        """Forget all clusters and restart ids at 1."""
        self.count = 0
        self.next_id = 1
        self.last: MapRead | None = None

    def update(self, runs: np.ndarray, n_long: int, base: int, width: float, ts_ns: int, price: float, up: float,
               down: float, low_since: float, high_since: float, avg_position_usd: float,
               dead_band: float) -> MapRead:
        """
        Give this read's runs their ids and report the cleared ones.

        Parameters
        ----------
        runs : np.ndarray
            ``(n, 6)`` rows of :func:`~.kernels.read_map`, long side first.
        n_long : int
            Long-side runs.
        base, width
            Grid base index and bin width (price).
        ts_ns : int
            Time of the read (UNIX ns).
        price, up, down : float
            Price and magnet forces of the read.
        low_since, high_since : float
            Lowest low and highest high since the previous read (price).
        avg_position_usd, dead_band : float
            For the clusters' liquidation counts and the magnet's bias.

        Returns
        -------
        MapRead
        """
        ints, floats, cleared_idx, self.next_id = track_clusters(
            runs, n_long, base, width, self.ints, self.low, self.high, self.count, self.match_tolerance,
            self.next_id, ts_ns, low_since, high_since)
        return self.record(ints, floats, cleared_idx.tolist() if len(cleared_idx) else [], ts_ns, price, width, up,
                           down, avg_position_usd, dead_band)

    def record(self, ints: np.ndarray, floats: np.ndarray, cleared_idx: list[int], ts_ns: int, price: float,
               width: float, up: float, down: float, avg_position_usd: float, dead_band: float) -> MapRead:
        """
        Make the read of a compiled match (:func:`~.kernels.track_clusters`) the latest one.

        :meth:`update` calls it; :meth:`~.reads.MapReads.read` calls it after its compiled read and match
        (:func:`~.kernels.read_tracked`, which has updated :attr:`ints`, :attr:`low`, :attr:`high` and whose
        ``next_id`` the caller has stored in :attr:`next_id`).

        Parameters
        ----------
        ints, floats : np.ndarray
            This read's clusters (:class:`MapRead`'s arrays).
        cleared_idx : list[int]
            Indices, in the previous read's order, of its clusters reported ``CLEARED``.
        ts_ns : int
            Time of the read (UNIX ns).
        price, width, up, down, avg_position_usd, dead_band : float
            As :meth:`update`.

        Returns
        -------
        MapRead
        """
        cleared: list[ClusterInfo] = []
        if cleared_idx and self.last is not None:  # ids cleared only when an earlier read had clusters
            previous = self.last.clusters
            for c in cleared_idx:
                fields = dict(previous[c].__dict__)
                fields["status"], fields["strength"] = ClusterStatus.CLEARED, 0.0
                cleared.append(_cluster_info(fields))
        self.count = len(ints)
        read = MapRead(ts_ns, price, width, ints, floats, up, down, cleared, avg_position_usd, dead_band)
        self.last = read
        return read
