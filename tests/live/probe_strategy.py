"""A tiny strategy for the offline live test: trades once on the first liquidation cluster, then tries an order the
risk engine must deny. It makes no trading claim; it proves the order path (submit -> sandbox fill, risk denial).

It also tells the test when the node has seen what the test waits for (``done_when``), by writing ``done_file``: the
test then stops the node (Ctrl-C) instead of hoping a fixed run time is long enough on a loaded machine.
"""

import json
from decimal import Decimal
from pathlib import Path

from nautilus_trader.config import StrategyConfig
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import CustomData, DataType, QuoteTick, TradeTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy

from liqheat_nautilus.data import FundingRate, LiquidationCluster, OpenInterest

COUNTED = ("TradeTick", "QuoteTick", "OpenInterest", "FundingRate", "fills", "denied")


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
    done_file : str, optional
        Written (JSON of the counts) once every count of ``done_when`` is reached.
    done_when : dict[str, int], optional
        Minimum counts, keys among ``TradeTick``, ``QuoteTick``, ``OpenInterest``, ``FundingRate`` (received by
        this strategy) and ``fills``, ``denied`` (its own orders).
    """

    instrument_id: InstrumentId
    trade_size: Decimal = Decimal("0.002")
    oversize: Decimal = Decimal("1")
    done_file: str | None = None
    done_when: dict[str, int] | None = None


class ProbeStrategy(Strategy):
    """Buys ``trade_size`` at market on the first non-cleared cluster, then submits ``oversize`` (to be denied)."""

    def __init__(self, config: ProbeStrategyConfig) -> None:
        super().__init__(config)
        self.fired = False
        self.counts = dict.fromkeys(COUNTED, 0)
        self.done_when = dict(config.done_when or {})
        unknown = set(self.done_when) - set(COUNTED)
        if unknown:
            raise ValueError(f"done_when: unknown keys {sorted(unknown)}; valid: {list(COUNTED)}")
        self._done = not config.done_file

    def on_start(self) -> None:
        """Subscribe to the map's clusters and to the feeds counted for ``done_when`` (message bus only)."""
        iid = self.config.instrument_id
        metadata = {"instrument_id": iid.value}
        self.subscribe_data(DataType(LiquidationCluster, metadata=metadata))
        if "TradeTick" in self.done_when:
            self.subscribe_trade_ticks(iid)
        if "QuoteTick" in self.done_when:
            self.subscribe_quote_ticks(iid)
        if "OpenInterest" in self.done_when:
            self.subscribe_data(DataType(OpenInterest, metadata=metadata))
        if "FundingRate" in self.done_when:
            self.subscribe_data(DataType(FundingRate, metadata=metadata))

    def _count(self, key: str) -> None:
        self.counts[key] += 1
        if not self._done and all(self.counts[k] >= n for k, n in self.done_when.items()):
            self._done = True
            Path(self.config.done_file).write_text(json.dumps(self.counts))

    def on_trade_tick(self, tick: TradeTick) -> None:
        """Count trades."""
        self._count("TradeTick")

    def on_quote_tick(self, tick: QuoteTick) -> None:
        """Count quotes."""
        self._count("QuoteTick")

    def on_data(self, data: Data) -> None:
        """Count open interest and funding; fire once on the first non-cleared cluster."""
        if isinstance(data, CustomData):
            data = data.data
        if isinstance(data, OpenInterest | FundingRate):
            self._count(type(data).__name__)
            return
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
        self._count("fills")

    def on_order_denied(self, event) -> None:
        """Count risk denials."""
        self._count("denied")
