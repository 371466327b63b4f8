"""The publishing side of :class:`~liqheat_nautilus.actor.LiquidationMapActor`: when to read the map and what to send.

A mixin of the actor (it uses the actor's ``config``, ``map`` and ``publish_data``). An update publishes every
cluster of an engine read as :class:`~liqheat_nautilus.data.LiquidationCluster`, then a
:class:`~liqheat_nautilus.data.LiquidationMapSnapshot` and (optionally) the
:class:`~liqheat_nautilus.data.LiquidationMapBins`, all stamped with the same time; the rule deciding when is
described on the actor class.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

import numpy as np
from nautilus_trader.common.actor import Actor
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import DataType

from liqheat_nautilus.core.clusters import ClusterInfo
from liqheat_nautilus.core.enums import ClusterStatus
from liqheat_nautilus.core.magnet import Magnet
from liqheat_nautilus.core.units import NS_PER_SECOND
from liqheat_nautilus.data import LiquidationCluster, LiquidationMapBins, LiquidationMapSnapshot

if TYPE_CHECKING:
    from liqheat_nautilus.actor import LiquidationMapActorConfig
    from liqheat_nautilus.core.engine import LiquidationMapEngine
    from liqheat_nautilus.core.reads import MapRead
    from liqheat_nautilus.indicator import LiquidationMap


SIGNAL_TYPES = (LiquidationCluster, LiquidationMapSnapshot, LiquidationMapBins)
"""The data types a map actor publishes."""

_add_reduce = np.add.reduce
_new_data = Data.__new__  # allocates a customdataclass instance without running its __init__


class MapPublishingMixin(Actor):
    """
    Reads of the map and their publication as clusters, snapshot and bins.

    Attributes
    ----------
    clusters_published : int
        Cluster messages published since start (or the last reset).
    snapshots_published : int
        Snapshots published since start (or the last reset).
    last_snapshot : LiquidationMapSnapshot or None
        The latest snapshot published.
    """

    config: LiquidationMapActorConfig
    map: LiquidationMap | None
    _metadata: dict[str, str]

    def _init_publishing(self) -> None:
        """Set up the published data types, the publish interval and the counters (the actor's ``__init__``)."""
        self._cluster_type = DataType(LiquidationCluster, metadata=self._metadata)
        self._snapshot_type = DataType(LiquidationMapSnapshot, metadata=self._metadata)
        self._bins_type = DataType(LiquidationMapBins, metadata=self._metadata)
        self._interval_ns = int(self.config.publish_interval_secs) * NS_PER_SECOND
        self._reset_publishing()

    @property
    def published_data_types(self) -> tuple[DataType, ...]:
        """
        The data types the actor publishes its signals with (subscribe to one of these to receive them).

        ``DataType(cls, metadata={"instrument_id": "<config.instrument_id>"})`` for
        :class:`~liqheat_nautilus.data.LiquidationCluster`, :class:`~liqheat_nautilus.data.LiquidationMapSnapshot`
        and, with ``config.publish_bins``, :class:`~liqheat_nautilus.data.LiquidationMapBins`.
        """
        bins = (self._bins_type,) if self.config.publish_bins else ()
        return (self._cluster_type, self._snapshot_type, *bins)

    def _reset_publishing(self) -> None:
        """Forget the last published update and zero the counters."""
        self._next_publish_ns = 0
        self._oi_pending = False
        self._published_read: MapRead | None = None  # the engine read of the last published update
        self._published_bias: str | None = None
        self.clusters_published = 0
        self.snapshots_published = 0
        self.last_snapshot: LiquidationMapSnapshot | None = None

    def _require_map(self) -> LiquidationMap:
        """
        Return the map, built by ``on_start``.

        Raises
        ------
        RuntimeError
            If the actor has not started (there is no map yet).
        """
        if self.map is None:
            raise RuntimeError(f"{type(self).__name__}: the map is built in on_start; start the actor first")
        return self.map

    def _map_update(self, ts_ns: int) -> None:
        """Read the map (after an open-interest update, or the interval elapsed); publish if due or changed."""
        due = ts_ns >= self._next_publish_ns
        self._oi_pending = False
        engine = self._require_map().engine
        if not engine.initialized:
            self._next_publish_ns = ts_ns + self._interval_ns
            return
        read = engine.read()
        if due or not read.same_clusters(self._published_read) or read.bias != self._published_bias:
            self._publish(read, ts_ns)

    def publish_map(self, ts_ns: int) -> None:
        """
        Read the map and publish an update now: the clusters and a snapshot (no-op until the map is initialized).

        Parameters
        ----------
        ts_ns : int
            ``ts_event``/``ts_init`` of the published data (UNIX ns).
        """
        self._oi_pending = False
        engine = self._require_map().engine
        if not engine.initialized:
            self._next_publish_ns = ts_ns + self._interval_ns
            return
        self._publish(engine.read(), ts_ns)

    def _publish(self, read: MapRead, ts_ns: int) -> None:
        """Publish the update of ``read`` (an engine read): every cluster, then the snapshot; record the history."""
        liq_map = self._require_map()
        engine = liq_map.engine
        self._next_publish_ns = ts_ns + self._interval_ns
        self._published_read = read
        magnet = read.magnet
        self._published_bias = magnet.bias
        infos = read.clusters
        liq_map.clusters = infos
        publish, cluster_type = self.publish_data, self._cluster_type
        for cluster in self._to_clusters(infos, ts_ns):
            publish(cluster_type, cluster)
        self.clusters_published += len(infos)
        snapshot = self._to_snapshot(engine, infos, ts_ns, magnet)
        publish(self._snapshot_type, snapshot)
        self.snapshots_published += 1
        self.last_snapshot = snapshot
        if self.config.publish_bins:
            grid = engine.grid
            assert grid is not None  # an initialized engine has its grid
            long_usd, short_usd = engine.tier_usd()
            long_status, short_status = engine.bin_status()
            publish(self._bins_type, LiquidationMapBins.from_arrays(
                self.config.instrument_id, engine.price, grid.width, grid.base, engine.tiers,
                long_usd, short_usd, long_status, short_status, ts_ns))
        engine.record_history()

    def _to_clusters(self, infos: list[ClusterInfo], ts_ns: int) -> list[LiquidationCluster]:
        """Build the published :class:`LiquidationCluster` of each of ``infos``, stamped ``ts_ns`` (UNIX ns)."""
        # Each equivalent to LiquidationCluster(instrument_id=..., cluster_id=c.cluster_id, ..., ts_event=ts_ns,
        # ts_init=ts_ns): the same instance attributes in the same order as the customdataclass __init__ sets
        # them, without its dataclass __init__ and wrapper (about 3x faster; published on every update).
        # (ClusterInfo's fields are LiquidationCluster's after instrument_id, in the same order: see
        # tests/test_actor_publishing.py / the data types' tests)
        instrument_id = self.config.instrument_id
        out: list[Any] = []
        append = out.append
        for info in infos:
            cluster = _new_data(LiquidationCluster)
            fields = cluster.__dict__
            fields["instrument_id"] = instrument_id
            fields.update(info.__dict__)
            fields["_ts_event"] = fields["_ts_init"] = ts_ns
            append(cluster)
        return out

    def _to_snapshot(self, engine: LiquidationMapEngine, infos: list[ClusterInfo], ts_ns: int,
                     magnet: Magnet) -> LiquidationMapSnapshot:
        """Build the published :class:`LiquidationMapSnapshot` (totals, swept USD, magnet, nearest clusters)."""
        price = engine.price
        above, below = nearest_clusters(infos, price)
        swept_long, swept_short = engine.take_swept()
        # LiquidationMapSnapshot(instrument_id=..., ..., ts_event=ts_ns, ts_init=ts_ns) without the
        # customdataclass __init__ (the same attributes in the same order; see _to_clusters)
        snapshot: Any = _new_data(LiquidationMapSnapshot)
        snapshot.__dict__.update({
            "instrument_id": self.config.instrument_id, "price": price, "total_oi_usd": engine.open_interest_usd,
            "long_liquidation_usd": float(_add_reduce(engine.long.usd, axis=None)),  # == usd.sum()
            "short_liquidation_usd": float(_add_reduce(engine.short.usd, axis=None)),
            "swept_long_usd": swept_long, "swept_short_usd": swept_short, "magnet_up": magnet.up,
            "magnet_down": magnet.down, "magnet_net": magnet.net, "bias": magnet.bias,
            "nearest_above_price": above.price_level if above else math.nan,
            "nearest_above_usd": above.notional_usd if above else 0.0,
            "nearest_above_id": above.cluster_id if above else -1,
            "nearest_below_price": below.price_level if below else math.nan,
            "nearest_below_usd": below.notional_usd if below else 0.0,
            "nearest_below_id": below.cluster_id if below else -1,
            "_ts_event": ts_ns, "_ts_init": ts_ns,
        })
        return snapshot


def nearest_clusters(infos: list[ClusterInfo], price: float) -> tuple[ClusterInfo | None, ClusterInfo | None]:
    """
    Return the live cluster with the lowest level above ``price`` and the one with the highest level below it.

    In one pass; the first of equal levels, as ``min``/``max`` with a key pick them (``CLEARED`` reports left out).

    Parameters
    ----------
    infos : list[ClusterInfo]
        An update's clusters.
    price : float
        The current price.

    Returns
    -------
    tuple[ClusterInfo or None, ClusterInfo or None]
        ``(above, below)``; ``None`` where no live cluster lies on that side.
    """
    above: ClusterInfo | None = None
    below: ClusterInfo | None = None
    cleared = ClusterStatus.CLEARED
    for c in infos:
        if c.status != cleared:
            level = c.price_level
            if level > price:
                if above is None or level < above.price_level:
                    above = c
            elif level < price and (below is None or level > below.price_level):
                below = c
    return above, below


def unheard_signal_subscriptions(msgbus: Any, publishers: Iterable[MapPublishingMixin]) -> list[str]:
    """
    Return the subscriptions to map signals that no map actor publishes to: their subscriber receives nothing.

    A strategy subscribing to ``DataType(LiquidationCluster, metadata={"instrument_id": "SOL-USDT-SWAP"})`` (no
    venue), to the signals of another instrument, or to signals of a run without a map actor, runs to the end
    without a cluster and without an error. The subscriptions are read from the message bus (Nautilus keeps them
    after the run; topics such as ``data.LiquidationCluster.instrument_id=SOL-USDT-SWAP.OKX``, a subscription
    without metadata ending in ``*``).

    Parameters
    ----------
    msgbus : MessageBus
        The node's or engine's message bus (``engine.kernel.msgbus``).
    publishers : iterable of LiquidationMapActor
        The map actors of the run (any object with :attr:`MapPublishingMixin.published_data_types`).

    Returns
    -------
    list[str]
        One sentence per unheard subscription, naming the subscriber, its data type and metadata, and the data
        types the map actors publish (or that the run has none); empty when every subscription is served.
    """
    types = [t for actor in publishers for t in actor.published_data_types]
    published = [f"data.{t.topic}" for t in types]
    names = {cls.__name__ for cls in SIGNAL_TYPES}
    problems = []
    for sub in msgbus.subscriptions():
        topic = str(sub.topic)
        head, _, rest = topic.partition(".")
        type_name = rest.split(".", 1)[0].rstrip("*")
        if head != "data" or type_name not in names or any(fnmatchcase(p, topic) for p in published):
            continue
        owner = getattr(sub.handler, "__self__", None)
        who = str(getattr(owner, "id", owner)) if owner is not None else "a handler"
        metadata = rest[len(type_name) + 1:] if rest.startswith(f"{type_name}.") else "no metadata"
        served = [f"DataType({type_name}, metadata={t.metadata})" for t in types if t.type.__name__ == type_name]
        if served:
            where = f"the map actors publish {' and '.join(served)}"
        elif types:
            where = f"no map actor publishes {type_name} (publish_bins = false)"
        else:
            where = "the run has no LiquidationMapActor (add one of that instrument to [[actors]])"
        problems.append(f"{who} subscribed to {type_name} ({metadata}) and received none: {where}")
    return problems
