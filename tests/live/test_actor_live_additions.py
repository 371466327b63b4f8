"""The actor's live additions on the real OKX sample: liquidation prints (record, sweep, confirm clusters) and the
warm-up buffer (history fed in time order once a price exists; older than the newest live observation: dropped).

The liquidation prints here are synthetic (constructed at a cluster's level to exercise the matching rule); the
bars and open interest are the real embedded OKX SOL-USDT-SWAP sample.
"""


import numpy as np
import pytest
from nautilus_trader.model.data import BarType, CustomData, DataType
from nautilus_trader.model.identifiers import ClientId, InstrumentId
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.actor import LiquidationMapActor, LiquidationMapActorConfig
from liqheat_nautilus.data import LiquidationEvent, OpenInterest
from tests.small_backtest import sample_engine

IID = InstrumentId.from_str("SOL-USDT-SWAP.OKX")
BAR_TYPE = BarType.from_str("SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL")


def _config(**kwargs) -> LiquidationMapActorConfig:
    return LiquidationMapActorConfig(instrument_id=IID, bar_type=BAR_TYPE, mmr=0.005, **kwargs)


@pytest.fixture(scope="module")
def ran_actor(okx_catalog):
    catalog, engine, _ = sample_engine(okx_catalog)
    bars = catalog.bars()
    oi = [d.data if isinstance(d, CustomData) else d for d in catalog.query(OpenInterest)]
    engine.add_data([CustomData(DataType(OpenInterest), d) for d in oi], client_id=ClientId("LIQHEAT"))
    # one synthetic print through the data path, at the last bar's close (a LONG liquidation)
    last = bars[-1]
    print_ = LiquidationEvent(instrument_id=IID, side="LONG", price=last.close.as_double(), quantity=10.0,
                              notional_usd=10.0 * last.close.as_double(), source="synthetic",
                              ts_event=last.ts_event, ts_init=last.ts_event)
    engine.add_data([CustomData(DataType(LiquidationEvent), print_)], client_id=ClientId("LIQHEAT"))
    actor = LiquidationMapActor(_config(publish_interval_secs=3600))
    engine.add_actor(actor)
    engine.run()
    yield actor, oi
    engine.dispose()


def test_prints_arrive_through_the_data_path(ran_actor):
    actor, _ = ran_actor
    assert len(actor.liquidation_events) == 1
    assert actor.liquidation_events[0].source == "synthetic"
    assert len(actor.liquidation_matches) == 1


def test_a_print_inside_a_same_side_cluster_confirms_it(ran_actor):
    actor, _ = ran_actor
    live = [c for c in actor.map.clusters if c.status != "CLEARED"]
    long_cluster = next(c for c in live if c.side == "LONG")
    before = dict(actor.confirmed_clusters)
    event = LiquidationEvent(instrument_id=IID, side="LONG", price=long_cluster.price_level, quantity=2.0,
                             notional_usd=2.0 * long_cluster.price_level, source="synthetic", ts_event=1, ts_init=1)
    assert actor.handle_liquidation(event) == long_cluster.cluster_id
    assert actor.confirmed_clusters[long_cluster.cluster_id] == pytest.approx(
        before.get(long_cluster.cluster_id, 0.0) + 2.0 * long_cluster.price_level)
    # the opposite side at the same price confirms nothing
    short = LiquidationEvent(instrument_id=IID, side="SHORT", price=long_cluster.price_level, quantity=1.0,
                             notional_usd=long_cluster.price_level, source="synthetic", ts_event=2, ts_init=2)
    assert actor.handle_liquidation(short) == -1
    # the print swept the map down to its price, like a trade there
    assert actor.map.price == pytest.approx(long_cluster.price_level)


def test_warmup_history_is_buffered_until_a_price_then_fed_in_order(ran_actor):
    actor, oi = ran_actor
    fresh = LiquidationMapActor(_config())
    first = oi[0]
    fresh.on_historical_data(CustomData(DataType(OpenInterest), first))
    assert fresh.warmup_received["OpenInterest"] == 1 and len(fresh._warmup_buffer) == 1  # no map/price yet

    newest_live = actor._fed_ts[(OpenInterest, IID)]
    assert newest_live == oi[-1].ts_event
    used_before = actor.map.open_interest_usd
    older = OpenInterest(instrument_id=IID, venue="OKX", open_interest_usd=used_before * 2,
                         ts_event=newest_live - 1, ts_init=0)
    actor.on_historical_data(older)
    assert actor.map.open_interest_usd == used_before  # older than the newest live observation: dropped
    newer = OpenInterest(instrument_id=IID, venue="OKX", open_interest_usd=used_before * 1.01,
                         ts_event=newest_live + 60_000_000_000, ts_init=0)
    actor.on_historical_data(newer)
    assert actor.map.open_interest_usd == used_before  # held back until an input of a later time (or the stop)
    actor.on_stop()
    assert actor.map.open_interest_usd == pytest.approx(used_before * 1.01)
    assert actor._warmup_buffer == []


def test_historical_bars_feed_the_map_through_nautilus_handle_bars(ran_actor, okx_catalog):
    """``request_bars`` responses reach the actor through ``Actor.handle_bars`` and ``on_historical_data``, which
    counts them; bars older than what the map has seen are dropped (they were fed after the run's last bar: on_bar's
    fast path recorded no time for ``_feed``'s check)."""
    actor, _ = ran_actor
    bars = ParquetDataCatalog(str(okx_catalog)).bars()[-3:]
    before = actor.warmup_received["Bar"]
    engine = actor.map.engine
    state = (engine.last_bar_ns, engine.price, engine.long_usd().sum(), len(engine.bars))
    actor.handle_bars(bars)
    assert actor.warmup_received["Bar"] == before + 3
    assert (engine.last_bar_ns, engine.price, engine.long_usd().sum(), len(engine.bars)) == state


def test_warmup_feeds_history_and_live_data_in_time_order(okx_catalog):
    """History and live data that arrive during the warm-up, in any order, reach the map in time order: the map
    equals one fed bar by bar with the readings in between (the first reading seeds from the bars before it)."""
    from liqheat_nautilus.indicator import LiquidationMap

    catalog = ParquetDataCatalog(str(okx_catalog))
    bars = catalog.bars()[:180]
    oi = [d.data if isinstance(d, CustomData) else d for d in catalog.query(OpenInterest)]
    oi = [o for o in oi if bars[0].ts_event < o.ts_event <= bars[-1].ts_event]
    assert len(oi) >= 2
    actor = LiquidationMapActor(_config())
    params = actor.config.map_params()
    actor.map = LiquidationMap(params)
    published = []
    actor.publish_map = published.append  # no message bus here: record the publish time instead
    actor._warming = True
    # the live bars of the last hour arrive first, then the history (bars and readings) in reverse
    for bar in bars[120:]:
        actor.on_bar(bar)
    for item in reversed([*bars[:120], *oi]):
        actor.on_historical_data(item)
    assert actor.map.engine.grid is None  # nothing fed while warming
    actor._finish_warmup()

    reference = LiquidationMap(params)
    events = sorted([*bars, *oi], key=lambda d: (d.ts_event, isinstance(d, OpenInterest)))
    for item in events:
        if isinstance(item, OpenInterest):
            reference.handle_open_interest(item)
        else:
            reference.handle_bar(item)
    got, want = actor.map.engine.tier_usd(), reference.engine.tier_usd()
    assert all(np.array_equal(g, w) for g, w in zip(got, want, strict=True))
    assert actor.map.engine.ledger == reference.engine.ledger
    assert published == [bars[-1].ts_event]  # one publication once the warm-up is over
    assert actor.warmup_received["Bar"] == 120 and actor.warmup_received["OpenInterest"] == len(oi)
