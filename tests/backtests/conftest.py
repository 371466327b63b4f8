"""A SYNTHETIC funding market for the FundingModule and RunMonitor tests: the shared :class:`Scenario` (see
``tests/conftest.py``) with a ``FundingModule`` on the venue, and a strategy that opens one position and records the
account balance at each bar. Nothing here is real market data."""

from decimal import Decimal

import pytest
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy

from liqheat_nautilus.simulation import FundingModule, FundingModuleConfig


class OpenOnceConfig(StrategyConfig, frozen=True):
    """The instrument and its bars, the side (``"BUY"``/``"SELL"``), quantity and the bar index to open at."""

    instrument_id: InstrumentId
    bar_type: BarType
    side: str = "BUY"
    quantity: str = "1000"
    open_at: int = 0


class OpenOnce(Strategy):
    """Opens one market position at bar ``open_at`` and records the USDT balance at each bar."""

    def __init__(self, config: OpenOnceConfig) -> None:
        super().__init__(config)
        self.balances: list[float] = []

    def on_start(self) -> None:
        self.subscribe_bars(self.config.bar_type)

    def on_bar(self, bar: Bar) -> None:
        account = self.portfolio.account(self.config.instrument_id.venue)
        self.balances.append(account.balance_total(USDT).as_double())
        if len(self.balances) - 1 == self.config.open_at:
            side = OrderSide.BUY if self.config.side == "BUY" else OrderSide.SELL
            quantity = self.cache.instrument(self.config.instrument_id).make_qty(Decimal(self.config.quantity))
            self.submit_order(self.order_factory.market(self.config.instrument_id, side, quantity))


@pytest.fixture
def funding_market(make_scenario):
    """
    Factory: ``m = funding_market(closes)`` is a :class:`Scenario` with one flat bar per close and a
    ``FundingModule`` (``m.module``) on the venue; ``m.open_once(**config)`` runs it with an :class:`OpenOnce`
    strategy and returns the strategy.
    """

    def make(closes: list[float]):
        module = FundingModule(FundingModuleConfig())
        m = make_scenario(modules=[module])
        m.module = module
        m.closes(closes)

        def open_once(**config) -> OpenOnce:
            strategy = m.strategy(OpenOnce, OpenOnceConfig, **config)
            m.run(strategy)
            return strategy

        m.open_once = open_once
        return m

    return make
