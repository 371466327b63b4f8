"""msgspec schemas of the Binance USD-M websocket payloads liqheat reads (the fields it needs, Binance's names).

References: Liquidation Order Streams (``<symbol>@forceOrder``, ``!forceOrder@arr``),
https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Liquidation-Order-Streams;
the futures ``@trade`` stream's ``X`` (the taker's order type: ``MARKET``, ``INSURANCE_FUND``, ``ADL``, ``NA``).
"""

import msgspec


class ForceOrderData(msgspec.Struct, frozen=True):
    """
    The ``o`` object of a ``forceOrder`` event (Binance field names).

    The payload's other fields (``o`` order type, ``f`` time in force, ``l`` last filled quantity) are not read.
    Numbers come as JSON text, as Binance sends them.

    Parameters
    ----------
    s : str
        Symbol, e.g. ``"BTCUSDT"``.
    S : str
        Side of the liquidation order: ``"SELL"`` liquidates a long position, ``"BUY"`` a short one
        (:func:`~liqheat_nautilus.adapters.binance.parsing.decode_force_order` refuses anything else).
    q : str
        Original quantity of the order (base units on USD-M, contracts on COIN-M).
    p : str
        Order price (quote currency, USD/USDT).
    T : int
        Trade time (UNIX milliseconds).
    ap : str, default "0"
        Average fill price (quote currency); used instead of ``p`` when positive.
    z : str, default "0"
        Filled accumulated quantity (as ``q``); used instead of ``q`` when positive.
    X : str, default ""
        Order status, e.g. ``"FILLED"`` (not used).
    """

    s: str  # symbol
    S: str  # side of the liquidation order: SELL liquidates a long, BUY a short
    q: str  # original quantity
    p: str  # price
    T: int  # trade time (ms)
    ap: str = "0"  # average price
    z: str = "0"  # accumulated filled quantity
    X: str = ""  # order status


class ForceOrderEvent(msgspec.Struct, frozen=True):
    """
    A ``forceOrder`` event payload.

    Parameters
    ----------
    e : str
        Event type, ``"forceOrder"``.
    E : int
        Event time (UNIX milliseconds).
    o : ForceOrderData
        The liquidation order.
    """

    e: str
    E: int
    o: ForceOrderData


class ForceOrderMsg(msgspec.Struct, frozen=True):
    """
    A combined-stream ``forceOrder`` message ``{"stream": ..., "data": {...}}``.

    Parameters
    ----------
    stream : str
        The stream name, e.g. ``"btcusdt@forceOrder"`` or ``"!forceOrder@arr"``.
    data : ForceOrderEvent
        The event payload.
    """

    stream: str
    data: ForceOrderEvent


class TradeTypeData(msgspec.Struct, frozen=True):
    """
    The fields of a futures ``@trade`` payload needed to recognise liquidation fills.

    The payload's other fields (``e`` event type, ``E`` event time, ``t`` trade id) are not read.

    Parameters
    ----------
    s : str
        Symbol, e.g. ``"BTCUSDT"``.
    p : str
        Trade price (quote currency, as JSON text).
    q : str
        Trade quantity (base units on USD-M, contracts on COIN-M; as JSON text).
    T : int
        Trade time (UNIX milliseconds).
    m : bool
        Whether the buyer is the maker (so the taker sold).
    X : str, default "MARKET"
        The taker's order type: ``"MARKET"``, ``"INSURANCE_FUND"`` (a liquidation fill), ``"ADL"`` or ``"NA"``.
    """

    s: str
    p: str
    q: str
    T: int
    m: bool
    X: str = "MARKET"


class TradeTypeMsg(msgspec.Struct, frozen=True):
    """
    A combined-stream ``@trade`` message.

    Parameters
    ----------
    stream : str
        The stream name, e.g. ``"btcusdt@trade"``.
    data : TradeTypeData
        The trade payload.
    """

    stream: str
    data: TradeTypeData


# -- GET /fapi/v1/exchangeInfo (USD-M) and /dapi/v1/exchangeInfo (COIN-M): the fields an instrument needs ----------
# https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Exchange-Information
# https://developers.binance.com/docs/derivatives/coin-margined-futures/market-data/Exchange-Information
# Other fields are ignored (Binance adds some from time to time); numbers may come as JSON numbers or as text.
# Field names are Binance's in camelCase (msgspec ``rename="camel"``).


class SymbolFilter(msgspec.Struct, frozen=True, rename="camel"):
    """
    One entry of a symbol's ``filters`` (``PRICE_FILTER`` and ``LOT_SIZE`` are read).

    Values are decimal text, as Binance sends them; a field a filter type does not have is ``None``.

    Parameters
    ----------
    filter_type : str
        ``filterType``: ``"PRICE_FILTER"``, ``"LOT_SIZE"``, ``"MARKET_LOT_SIZE"``, ... .
    tick_size : str, optional
        ``tickSize`` of ``PRICE_FILTER``: the price increment (quote currency).
    step_size : str, optional
        ``stepSize`` of ``LOT_SIZE``: the quantity increment (base units on USD-M, contracts on COIN-M).
    min_qty : str, optional
        ``minQty`` of ``LOT_SIZE``: the smallest order quantity (as ``step_size``).
    max_qty : str, optional
        ``maxQty`` of ``LOT_SIZE``: the largest order quantity (not used).
    min_price : str, optional
        ``minPrice`` of ``PRICE_FILTER``: the lowest order price (not used).
    max_price : str, optional
        ``maxPrice`` of ``PRICE_FILTER``: the highest order price (not used).
    """

    filter_type: str
    tick_size: str | None = None
    step_size: str | None = None
    min_qty: str | None = None
    max_qty: str | None = None
    min_price: str | None = None
    max_price: str | None = None


class ExchangeInfoSymbol(msgspec.Struct, frozen=True, rename="camel"):
    """
    One ``symbols`` entry (USD-M ``status``; COIN-M ``contractStatus`` and ``contractSize``, USD per contract).

    Parameters
    ----------
    symbol : str
        Binance symbol, e.g. ``"BTCUSDT"`` (USD-M) or ``"BTCUSD_PERP"`` (COIN-M).
    contract_type : str
        ``contractType``: ``"PERPETUAL"`` (the only one an instrument is built for), ``"CURRENT_QUARTER"``, ... .
    base_asset : str
        ``baseAsset``, e.g. ``"BTC"``.
    quote_asset : str
        ``quoteAsset``, e.g. ``"USDT"`` (USD-M) or ``"USD"`` (COIN-M).
    margin_asset : str
        ``marginAsset``: the settlement currency (``"USDT"``; the base asset on COIN-M).
    filters : list[SymbolFilter]
        The symbol's trading filters (tick and lot size).
    status : str, default ""
        USD-M trading status, e.g. ``"TRADING"`` (not used).
    contract_status : str, default ""
        COIN-M trading status, e.g. ``"TRADING"`` (not used).
    contract_size : str or float, optional
        ``contractSize``: USD per contract of a COIN-M (inverse) contract, e.g. ``"100"``; required for COIN-M.
    maint_margin_percent : str, default "2.5"
        ``maintMarginPercent``: maintenance margin in percent of the notional (decimal text).
    required_margin_percent : str, default "5.0"
        ``requiredMarginPercent``: initial margin in percent of the notional (decimal text).
    """

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
    """
    A futures ``exchangeInfo`` response (the ``symbols`` list).

    Parameters
    ----------
    symbols : list[ExchangeInfoSymbol]
        Every symbol the venue lists (perpetuals, delivery contracts, ...).
    """

    symbols: list[ExchangeInfoSymbol]
