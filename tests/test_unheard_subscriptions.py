"""Subscriptions to the map's signals that no map actor serves are named (they used to receive nothing, silently).

The message bus is Nautilus' own; the actor is a real ``LiquidationMapActor`` (not started: its published data types
come from its config). No data flows.
"""

from nautilus_trader.common.component import MessageBus, TestClock
from nautilus_trader.model.data import DataType
from nautilus_trader.model.identifiers import TraderId

from liqheat_nautilus import LiquidationCluster, LiquidationMapActor, LiquidationMapActorConfig, LiquidationMapSnapshot
from liqheat_nautilus.actor_publishing import unheard_signal_subscriptions
from liqheat_nautilus.data import LiquidationMapBins

IID = "SOL-USDT-SWAP.OKX"


class _Subscriber:
    """Stands in for a strategy: the sentence names the handler's owner by its ``id``."""

    id = "Mine-000"

    def handle(self, data) -> None:
        """Receive nothing."""


def _bus(*data_types: DataType) -> MessageBus:
    bus = MessageBus(trader_id=TraderId("TESTER-001"), clock=TestClock())
    subscriber = _Subscriber()
    for data_type in data_types:
        bus.subscribe(topic=f"data.{data_type.topic}", handler=subscriber.handle)
    return bus


def _actor(publish_bins: bool = False) -> LiquidationMapActor:
    return LiquidationMapActor(LiquidationMapActorConfig(instrument_id=IID, bar_type=f"{IID}-1-MINUTE-LAST-EXTERNAL",
                                                         publish_bins=publish_bins))


def test_the_documented_subscriptions_are_served():
    bus = _bus(DataType(LiquidationCluster, metadata={"instrument_id": IID}),
               DataType(LiquidationMapSnapshot, metadata={"instrument_id": IID}), DataType(LiquidationCluster))
    assert unheard_signal_subscriptions(bus, [_actor()]) == []


def test_an_instrument_id_without_its_venue_is_named_with_what_the_actor_publishes():
    bus = _bus(DataType(LiquidationCluster, metadata={"instrument_id": "SOL-USDT-SWAP"}),
               DataType(LiquidationMapSnapshot, metadata={"instrument_id": IID}))
    assert unheard_signal_subscriptions(bus, [_actor()]) == [
        "Mine-000 subscribed to LiquidationCluster (instrument_id=SOL-USDT-SWAP) and received none: the map actors "
        f"publish DataType(LiquidationCluster, metadata={{'instrument_id': '{IID}'}})"]


def test_signals_without_a_map_actor_or_bins_not_published_are_named():
    bus = _bus(DataType(LiquidationCluster, metadata={"instrument_id": IID}))
    [sentence] = unheard_signal_subscriptions(bus, [])
    assert sentence.endswith("the run has no LiquidationMapActor (add one of that instrument to [[actors]])")
    bins = _bus(DataType(LiquidationMapBins, metadata={"instrument_id": IID}))
    [sentence] = unheard_signal_subscriptions(bins, [_actor()])
    assert "no map actor publishes LiquidationMapBins (publish_bins = false)" in sentence
    assert unheard_signal_subscriptions(bins, [_actor(publish_bins=True)]) == []
