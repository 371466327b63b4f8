"""Brackets with locally emulated children (``emulation_trigger``), the mode used on Binance live.

Nautilus 1.221's Binance execution client denies any order list with linked orders; with an emulation trigger the
``OrderEmulator`` sends the entry alone and holds the stop-loss / take-profit locally, releasing them when price
(quotes) reaches them. SYNTHETIC scenario (see conftest): bars plus one quote per minute, a strong SHORT-side
cluster 1 % above price; price then rises through it.
"""

import pytest
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import OrderStatus, OrderType
from nautilus_trader.model.events import OrderEmulated, OrderReleased
from nautilus_trader.model.objects import Price, Quantity

from strategies.liquidation_hunt import LiquidationHuntConfig, LiquidationHuntStrategy
from tests.strategies.runs import run_strategy


def _quotes(s, mids: list[float]) -> None:
    quotes = [QuoteTick(s.instrument_id, Price(m - 0.01, 2), Price(m + 0.01, 2), Quantity(1e6, 2),
                        Quantity(1e6, 2), s.ts(i) + 2, s.ts(i) + 2) for i, m in enumerate(mids)]
    s.engine.add_data(quotes)


def test_emulated_bracket_holds_children_locally_and_takes_profit(scenario):
    s = scenario
    closes = [100.0] * 10 + [100.5, 101.2, 101.3, 101.3]
    s.bars([(c, c, c, c) for c in closes])
    _quotes(s, closes)
    s.cluster(4, 1, "SHORT", 101.0, strength=0.9)
    s.snapshot(4)
    hunt = run_strategy(s, LiquidationHuntStrategy, LiquidationHuntConfig, emulation_trigger="DEFAULT")

    [entry] = s.entries(hunt)
    assert entry["position_side"] == "LONG" and entry["take_profit"] == 101.0
    orders = s.orders()
    market = [o for o in orders if o.order_type == OrderType.MARKET and o.side.name == "BUY"]
    assert len(market) == 1 and market[0].status == OrderStatus.FILLED
    children = [o for o in orders if o.client_order_id != market[0].client_order_id]
    # both children went through the emulator (held locally, never sent as a linked list)
    assert all(any(isinstance(e, OrderEmulated) for e in o.events) for o in children[:2])
    released = [o for o in children if any(isinstance(e, OrderReleased) for e in o.events)]
    assert len(released) == 1  # the take-profit, released when the quotes reached 101
    [tp] = released
    assert tp.side.name == "SELL" and tp.status == OrderStatus.FILLED  # the emulator releases it to the market
    [position] = s.positions()
    assert position.is_closed
    # the take-profit triggered when the bid crossed 101 and filled at the 101.19 bid, never below 101
    assert 101.0 <= position.avg_px_close <= 101.2
    stop = [o for o in children if o.order_type == OrderType.STOP_MARKET]
    assert len(stop) == 1 and stop[0].status == OrderStatus.CANCELED  # OUO: the emulator canceled the stop


def test_bad_emulation_trigger_is_refused(scenario):
    with pytest.raises(ValueError, match="emulation_trigger"):
        scenario.strategy(LiquidationHuntStrategy, LiquidationHuntConfig, emulation_trigger="LAST")
