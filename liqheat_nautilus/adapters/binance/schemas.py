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


# -- GET /fapi/v1/exchangeInfo (USD-M) and /dapi/v1/exchangeInfo (COIN-M): the fields an instrument needs ----------
# https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Exchange-Information
# https://developers.binance.com/docs/derivatives/coin-margined-futures/market-data/Exchange-Information
# Other fields are ignored (Binance adds some from time to time); numbers may come as JSON numbers or as text.
# Field names are Binance's in camelCase (msgspec ``rename="camel"``).


class SymbolFilter(msgspec.Struct, frozen=True, rename="camel"):
    """One entry of a symbol's ``filters`` (``PRICE_FILTER`` and ``LOT_SIZE`` are read)."""

    filter_type: str
    tick_size: str | None = None
    step_size: str | None = None
    min_qty: str | None = None
    max_qty: str | None = None
    min_price: str | None = None
    max_price: str | None = None


class ExchangeInfoSymbol(msgspec.Struct, frozen=True, rename="camel"):
    """One ``symbols`` entry (USD-M ``status``; COIN-M ``contractStatus`` and ``contractSize``, USD per contract)."""

    symbol: str
    contract_type: str
    base_asset: str
    quote_asset: str
    margin_asset: str
    filters: list[SymbolFilter]
    status: str = ""
    contract_status: str = ""
    contract_size: str | float | None = None
    maint_margin_percent: str = "2.5"
    required_margin_percent: str = "5.0"


class ExchangeInfo(msgspec.Struct, frozen=True, rename="camel"):
    """A futures ``exchangeInfo`` response (the ``symbols`` list)."""

    symbols: list[ExchangeInfoSymbol]
