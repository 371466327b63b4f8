"""The actor's fast constructions of its published data equal the ordinary constructors' objects, attribute order too.

``MapPublishingMixin._to_clusters`` and ``MapRead._build`` fill ``__dict__`` directly instead of running the
(customdataclass / frozen dataclass) ``__init__``; these tests pin that the result is indistinguishable.
"""

import sys
from types import SimpleNamespace

import numpy as np
from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus.actor_publishing import MapPublishingMixin, nearest_clusters
from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.core.cluster_ids import ClusterIds
from liqheat_nautilus.core.clusters import ClusterInfo
from liqheat_nautilus.core.enums import ClusterStatus, Side
from liqheat_nautilus.data import LiquidationCluster, LiquidationMapSnapshot

IID = InstrumentId.from_str("SOL-USDT-SWAP.OKX")


def test_cluster_fields_are_the_published_fields_in_order():
    assert tuple(ClusterInfo.__dataclass_fields__) == tuple(LiquidationCluster.__dataclass_fields__)[1:]


def test_to_clusters_equal_the_constructor():
    info = ClusterInfo(cluster_id=7, side=Side.SHORT, price_level=70.5, price_low=70.0, price_high=71.0,
                       leverage_tier=25.0, notional_usd=1.5e6, liquidation_count=75, strength=0.4, distance_pct=1.2,
                       status=ClusterStatus.PARTIAL, first_seen=11, last_seen=22)
    actor = SimpleNamespace(config=SimpleNamespace(instrument_id=IID))
    other = ClusterInfo(**{**info.__dict__, "cluster_id": 8, "side": Side.LONG, "status": ClusterStatus.CLEARED})
    got = MapPublishingMixin._to_clusters(actor, [info, other], 123)
    assert len(got) == 2
    for cluster, source in zip(got, (info, other), strict=True):
        want = LiquidationCluster(instrument_id=IID, **source.__dict__, ts_event=123, ts_init=123)
        assert type(cluster) is LiquidationCluster
        assert list(cluster.__dict__.items()) == list(want.__dict__.items())
        assert cluster.ts_event == cluster.ts_init == 123


def test_to_snapshot_equals_the_constructor():
    engine = LiquidationMapEngine(MapParams(n_bins=200))
    rng = np.random.default_rng(5)  # synthetic random-walk bars and open interest
    price = 100.0
    for i in range(600):
        price *= 1.0 + rng.normal(0.0, 0.002)
        engine.update_bar(price * 1.001, price * 0.999, price, 10.0, (i + 1) * 60_000_000_000)
        if i % 60 == 59:
            engine.update_open_interest(1e9 + i * 1e5, (i + 1) * 60_000_000_000)
    read = engine.read()
    infos, magnet = read.clusters, read.magnet
    assert infos
    swept = engine.book.swept_long, engine.book.swept_short
    actor = SimpleNamespace(config=SimpleNamespace(instrument_id=IID))
    got = MapPublishingMixin._to_snapshot(actor, engine, infos, 321, magnet)
    above, below = nearest_clusters(infos, engine.price)
    nan = float("nan")
    want = LiquidationMapSnapshot(
        instrument_id=IID, price=engine.price, total_oi_usd=engine.open_interest_usd,
        long_liquidation_usd=float(engine.long.usd.sum()), short_liquidation_usd=float(engine.short.usd.sum()),
        swept_long_usd=swept[0], swept_short_usd=swept[1], magnet_up=magnet.up, magnet_down=magnet.down,
        magnet_net=magnet.net, bias=magnet.bias, nearest_above_price=above.price_level if above else nan,
        nearest_above_usd=above.notional_usd if above else 0.0, nearest_above_id=above.cluster_id if above else -1,
        nearest_below_price=below.price_level if below else nan,
        nearest_below_usd=below.notional_usd if below else 0.0, nearest_below_id=below.cluster_id if below else -1,
        ts_event=321, ts_init=321)
    assert type(got) is LiquidationMapSnapshot
    assert [k for k in got.__dict__] == [k for k in want.__dict__]
    assert repr(list(got.__dict__.values())) == repr(list(want.__dict__.values()))  # nan too
    assert [type(v) for v in got.__dict__.values()] == [type(v) for v in want.__dict__.values()]
    assert engine.take_swept() == (0.0, 0.0)  # the snapshot took them


def test_read_clusters_equal_the_dataclass_constructor():
    ids = ClusterIds(16)
    runs = np.array([[10.0, 12.0, 5e6, 70.3, 20.0, 0.0], [30.0, 30.0, 8e6, 72.1, 30.0, 1.0]])  # synthetic runs
    read = ids.update(runs, 1, 1000, 0.07, 5, 71.0, 1.0, 2.0, 71.0, 71.0, 20_000.0, 0.05)
    assert len(read.clusters) == 2
    for got in read.clusters:
        want = ClusterInfo(**got.__dict__)
        assert list(got.__dict__.items()) == list(want.__dict__.items())
        assert [type(v) for v in got.__dict__.values()] == [type(v) for v in want.__dict__.values()]
        assert sys.getsizeof(got.__dict__) == sys.getsizeof(want.__dict__)  # the class's key-sharing dict too
        assert type(got) is ClusterInfo


def test_nearest_clusters_equal_min_and_max_with_a_key():
    rng = np.random.default_rng(3)  # synthetic clusters: repeated levels (ties), a nan level, some CLEARED
    levels = [*rng.choice([69.0, 70.0, 70.5, 71.0, 72.0], 40).tolist(), float("nan"), 71.0]
    infos = [ClusterInfo(cluster_id=i, side=Side.LONG, price_level=lv, price_low=0.0, price_high=0.0,
                         leverage_tier=10.0, notional_usd=1.0, liquidation_count=1, strength=1.0, distance_pct=0.0,
                         status=ClusterStatus.CLEARED if i % 7 == 3 else ClusterStatus.ACTIVE, first_seen=0,
                         last_seen=0) for i, lv in enumerate(levels)]
    for price in (68.0, 70.0, 70.2, 71.0, 73.0):
        live = [c for c in infos if c.status != "CLEARED"]
        above = min((c for c in live if c.price_level > price), key=lambda c: c.price_level, default=None)
        below = max((c for c in live if c.price_level < price), key=lambda c: c.price_level, default=None)
        got = nearest_clusters(infos, price)
        assert got[0] is above and got[1] is below
