"""A test strategy that opens one market position and records the account balance at every bar (the funding tests
read how a funding payment moves it)."""

from decimal import Decimal

from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy


class OpenOnceConfig(StrategyConfig, frozen=True):
    """The instrument and its bars, the side (``"BUY"``/``"SELL"``), quantity and the bar index to open at."""

    instrument_id: InstrumentId
    bar_type: BarType
    side: str = "BUY"
    quantity: str = "1000"
    open_at: int = 0


class OpenOnce(Strategy):
    """
    Opens one market position at bar ``open_at`` and records the balance at each bar, in the instrument's settlement
    currency (USDT for a linear contract, the coin for an inverse one).
    """

    def __init__(self, config: OpenOnceConfig) -> None:
        super().__init__(config)
        self.balances: list[float] = []

    def on_start(self) -> None:
        self.subscribe_bars(self.config.bar_type)

    def on_bar(self, bar: Bar) -> None:
        instrument = self.cache.instrument(self.config.instrument_id)
        account = self.portfolio.account(self.config.instrument_id.venue)
        self.balances.append(account.balance_total(instrument.get_settlement_currency()).as_double())
        if len(self.balances) - 1 == self.config.open_at:
            side = OrderSide.BUY if self.config.side == "BUY" else OrderSide.SELL
            quantity = instrument.make_qty(Decimal(self.config.quantity))
            self.submit_order(self.order_factory.market(self.config.instrument_id, side, quantity))
