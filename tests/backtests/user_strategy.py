"""A strategy as a user writes one (for the tests): it subscribes to the map's clusters and counts them under a
name of its own, keeping neither the shipped strategies' ``clusters_received`` nor their ``signals`` log."""

from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import DataType
from nautilus_trader.trading.strategy import Strategy

from liqheat_nautilus.data import LiquidationCluster


class CountingConfig(StrategyConfig, frozen=True):
    """Config of :class:`Counting`."""

    instrument_id: str = "SOL-USDT-SWAP.OKX"


class Counting(Strategy):
    """Counts the clusters of its instrument in ``seen``."""

    def __init__(self, config: CountingConfig) -> None:
        super().__init__(config)
        self.seen = 0

    def on_start(self) -> None:
        """Subscribe to the map's clusters."""
        self.subscribe_data(DataType(LiquidationCluster, metadata={"instrument_id": self.config.instrument_id}))

    def on_data(self, data) -> None:
        """Count a cluster."""
        self.seen += 1


class CountingBySymbol(Counting):
    """A typical mistake: subscribes with the instrument's symbol (``SOL-USDT-SWAP``), not its id (no venue)."""

    def on_start(self) -> None:
        """Subscribe to the clusters of ``SOL-USDT-SWAP`` (the map publishes them as ``SOL-USDT-SWAP.OKX``)."""
        symbol = self.config.instrument_id.split(".")[0]
        self.subscribe_data(DataType(LiquidationCluster, metadata={"instrument_id": symbol}))


class HoldConfig(StrategyConfig, frozen=True):
    """Config of :class:`Hold`."""

    instrument_id: str = "SOL-USDT-SWAP.OKX"
    bar_type: str = "SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL"
    quantity: str = "100"


class Hold(Strategy):
    """Buys ``quantity`` at the first bar and keeps the position to the end (it does not close it when stopping)."""

    def on_start(self) -> None:
        """Subscribe to the bars."""
        from nautilus_trader.model.data import BarType

        self.bought = False
        self.subscribe_bars(BarType.from_str(self.config.bar_type))

    def on_bar(self, bar) -> None:
        """Buy once, at market."""
        from decimal import Decimal

        from nautilus_trader.model.enums import OrderSide
        from nautilus_trader.model.identifiers import InstrumentId

        if not self.bought:
            instrument = self.cache.instrument(InstrumentId.from_str(self.config.instrument_id))
            self.submit_order(self.order_factory.market(instrument.id, OrderSide.BUY,
                                                        instrument.make_qty(Decimal(self.config.quantity))))
            self.bought = True


class Raising(Hold):
    """A strategy with a bug: raises at its 500th bar (for the tests of a run that a component stops)."""

    def on_bar(self, bar) -> None:
        """Count the bars; raise at the 500th."""
        self.bars = getattr(self, "bars", 0) + 1
        if self.bars == 500:
            raise ZeroDivisionError("user bug at bar 500")
