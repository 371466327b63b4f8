"""A SYNTHETIC funding market for the FundingModule tests: ``SOL-USDT-SWAP.OKX`` (real contract spec), hand-made
minute bars, a strategy that opens one position at the first bar and records the account balance at each bar.
Nothing here is real market data."""

from decimal import Decimal

import pandas as pd
import pytest
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, StrategyConfig
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import Bar, BarType, CustomData, DataType, FundingRateUpdate
from nautilus_trader.model.enums import AccountType, OmsType, OrderSide
from nautilus_trader.model.identifiers import ClientId, InstrumentId, Venue
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.trading.strategy import Strategy

from liqheat_nautilus.adapters.common.providers import known_perpetual
from liqheat_nautilus.data import FundingRate
from liqheat_nautilus.simulation import FundingModule, FundingModuleConfig

T0 = pd.Timestamp("2026-01-05T00:00:00Z").value
MINUTE = 60_000_000_000
INSTRUMENT_ID = InstrumentId.from_str("SOL-USDT-SWAP.OKX")
BAR_TYPE = BarType.from_str("SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL")


class OpenOnceConfig(StrategyConfig, frozen=True):
    """Side (``"BUY"``/``"SELL"``), quantity and the bar index at which to open."""

    side: str = "BUY"
    quantity: str = "1000"
    open_at: int = 0


class OpenOnce(Strategy):
    """Opens one market position at bar ``open_at`` and records ``(bar index, USDT balance)`` at each bar."""

    def __init__(self, config: OpenOnceConfig) -> None:
        super().__init__(config)
        self.balances: list[float] = []

    def on_start(self) -> None:
        self.subscribe_bars(BAR_TYPE)

    def on_bar(self, bar: Bar) -> None:
        account = self.portfolio.account(Venue("OKX"))
        self.balances.append(account.balance_total(USDT).as_double())
        if len(self.balances) - 1 == self.config.open_at:
            side = OrderSide.BUY if self.config.side == "BUY" else OrderSide.SELL
            quantity = self.cache.instrument(INSTRUMENT_ID).make_qty(Decimal(self.config.quantity))
            self.submit_order(self.order_factory.market(INSTRUMENT_ID, side, quantity))


class FundingMarket:
    """
    Engine + FundingModule + :class:`OpenOnce` on synthetic closes.

    Parameters
    ----------
    closes : list[float]
        One close per minute (open = high = low = close).
    """

    def __init__(self, closes: list[float]) -> None:
        self.instrument_id = INSTRUMENT_ID
        self.bar_type = BAR_TYPE
        self.module = FundingModule(FundingModuleConfig())
        self.engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(log_level="ERROR")))
        self.engine.add_venue(Venue("OKX"), OmsType.NETTING, AccountType.MARGIN, [Money(100_000, USDT)],
                              default_leverage=Decimal(10), modules=[self.module])
        self.engine.add_instrument(known_perpetual("SOL-USDT-SWAP.OKX"))
        self.engine.add_data([Bar(BAR_TYPE, Price(c, 2), Price(c, 2), Price(c, 2), Price(c, 2),
                                  Quantity(1_000_000, 2), T0 + i * MINUTE, T0 + i * MINUTE)
                              for i, c in enumerate(closes)])
        self._custom: list = []

    def funding(self, minute: int, rate: float) -> None:
        """Queue a ``FundingRate`` settlement 1 ns after the bar of ``minute``."""
        ts = T0 + minute * MINUTE + 1
        f = FundingRate(instrument_id=INSTRUMENT_ID, rate=rate, interval_hours=8.0, next_funding_ns=0,
                        ts_event=ts, ts_init=ts)
        self._custom.append(CustomData(DataType(FundingRate, metadata={"instrument_id": INSTRUMENT_ID.value}), f))

    def funding_update(self, minute: int, rate: str) -> None:
        """Add a Nautilus ``FundingRateUpdate`` 1 ns after the bar of ``minute``."""
        ts = T0 + minute * MINUTE + 1
        self.engine.add_data([FundingRateUpdate(INSTRUMENT_ID, Decimal(rate), ts, ts)])

    def run(self, **strategy_config) -> OpenOnce:
        """Run with an :class:`OpenOnce` strategy; returns it."""
        strategy = OpenOnce(OpenOnceConfig(**strategy_config))
        self.engine.add_strategy(strategy)
        if self._custom:
            self.engine.add_data(self._custom, client_id=ClientId("LIQHEAT"))
        self.engine.run()
        return strategy


@pytest.fixture
def funding_market():
    """Factory of :class:`FundingMarket` (engines disposed after the test)."""
    made = []

    def make(closes: list[float]) -> FundingMarket:
        m = FundingMarket(closes)
        made.append(m)
        return m

    yield make
    for m in made:
        m.engine.dispose()
