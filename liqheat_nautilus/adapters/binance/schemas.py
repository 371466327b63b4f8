"""msgspec schemas of the Binance USD-M websocket payloads liqheat reads (the fields it needs, Binance's names).

References: Liquidation Order Streams (``<symbol>@forceOrder``, ``!forceOrder@arr``),
https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Liquidation-Order-Streams;
the futures ``@trade`` stream's ``X`` (the taker's order type: ``MARKET``, ``INSURANCE_FUND``, ``ADL``, ``NA``).
"""

import msgspec


class ForceOrderData(msgspec.Struct, frozen=True):
    """The ``o`` object of a ``forceOrder`` event (Binance field names)."""

    s: str  # symbol
    S: str  # side of the liquidation order: SELL liquidates a long, BUY a short
    q: str  # original quantity
    p: str  # price
    T: int  # trade time (ms)
    ap: str = "0"  # average price
    z: str = "0"  # accumulated filled quantity
    X: str = ""  # order status


class ForceOrderEvent(msgspec.Struct, frozen=True):
    """A ``forceOrder`` event payload."""

    e: str
    E: int
    o: ForceOrderData


class ForceOrderMsg(msgspec.Struct, frozen=True):
    """A combined-stream ``forceOrder`` message ``{"stream": ..., "data": {...}}``."""

    stream: str
    data: ForceOrderEvent


class TradeTypeData(msgspec.Struct, frozen=True):
    """The fields of a futures ``@trade`` payload needed to recognise liquidation fills."""

    s: str
    p: str
    q: str
    T: int
    m: bool
    X: str = "MARKET"


class TradeTypeMsg(msgspec.Struct, frozen=True):
    """A combined-stream ``@trade`` message."""

    stream: str
    data: TradeTypeData
