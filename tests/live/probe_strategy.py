"""A tiny strategy for the offline live test: trades once on the first liquidation cluster, then tries an order the
risk engine must deny. It makes no trading claim; it proves the order path (submit -> sandbox fill, risk denial)."""

from decimal import Decimal

from nautilus_trader.config import StrategyConfig
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import CustomData, DataType
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy

from liqheat_nautilus.data import LiquidationCluster


class ProbeStrategyConfig(StrategyConfig, frozen=True):
    """
    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument.
    trade_size : Decimal
        The first (allowed) market order quantity (base units).
    oversize : Decimal
        The second order's quantity, above the risk engine's max notional per order.
    """

    instrument_id: InstrumentId
    trade_size: Decimal = Decimal("0.002")
    oversize: Decimal = Decimal("1")


class ProbeStrategy(Strategy):
    """Buys ``trade_size`` at market on the first non-cleared cluster, then submits ``oversize`` (to be denied)."""

    def __init__(self, config: ProbeStrategyConfig) -> None:
        super().__init__(config)
        self.fired = False
        self.fills = 0
        self.denied = 0

    def on_start(self) -> None:
        """Subscribe to the map's clusters."""
        self.subscribe_data(DataType(LiquidationCluster, metadata={"instrument_id": self.config.instrument_id.value}))

    def on_data(self, data: Data) -> None:
        """Fire once."""
        if isinstance(data, CustomData):
            data = data.data
        if self.fired or not isinstance(data, LiquidationCluster) or data.status == "CLEARED":
            return
        instrument = self.cache.instrument(self.config.instrument_id)
        if instrument is None:
            return
        self.fired = True
        for qty in (self.config.trade_size, self.config.oversize):
            order = self.order_factory.market(self.config.instrument_id, OrderSide.BUY, instrument.make_qty(qty))
            self.submit_order(order)

    def on_order_filled(self, event) -> None:
        """Count fills."""
        self.fills += 1

    def on_order_denied(self, event) -> None:
        """Count risk denials."""
        self.denied += 1
