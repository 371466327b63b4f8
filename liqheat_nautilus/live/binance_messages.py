"""Pure conversions of Binance USD-M websocket payloads into liqheat data (no I/O).

References
----------
- Liquidation Order Streams (``<symbol>@forceOrder``, ``!forceOrder@arr``):
  https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Liquidation-Order-Streams
- Mark Price Stream (``<symbol>@markPrice@1s``): fields ``r`` (funding rate) and ``T`` (next funding time), parsed by
  Nautilus into ``BinanceFuturesMarkPriceUpdate``.
- The futures ``@trade`` stream carries ``X``, the order type of the taker: ``MARKET``, ``INSURANCE_FUND``
  (a liquidation filled by the insurance fund), ``ADL``, ``NA`` (see the captures in ``binance_um_ws_captures``).
"""

import msgspec
from nautilus_trader.adapters.binance.futures.types import BinanceFuturesMarkPriceUpdate
from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus.core.units import NS_PER_MS
from liqheat_nautilus.data import FundingRate, LiquidationEvent


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


_FORCE_ORDER_DECODER = msgspec.json.Decoder(ForceOrderMsg)
_TRADE_DECODER = msgspec.json.Decoder(TradeTypeMsg)


def decode_force_order(raw: bytes) -> ForceOrderData:
    """
    Decode a raw combined-stream ``forceOrder`` message.

    Parameters
    ----------
    raw : bytes
        E.g. ``{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","E":...,"o":{"s":"BTCUSDT",...}}}``.

    Returns
    -------
    ForceOrderData
        The ``o`` object.

    Raises
    ------
    ValueError
        If the message is not a valid ``forceOrder`` payload (the message names the field) or ``o.S`` is unknown.
    """
    try:
        order = _FORCE_ORDER_DECODER.decode(raw).data.o
    except msgspec.DecodeError as exc:
        raise ValueError(f"invalid forceOrder message: {exc}") from exc
    if order.S not in ("SELL", "BUY"):
        raise ValueError(f"forceOrder field `o.S` must be SELL or BUY, was {order.S!r}")
    return order


def force_order_to_event(
    order: ForceOrderData, instrument_id: InstrumentId, ts_init: int, multiplier: float = 1.0,
) -> LiquidationEvent:
    """
    Convert a decoded ``forceOrder`` into a :class:`LiquidationEvent`.

    Parameters
    ----------
    order : ForceOrderData
        From :func:`decode_force_order`.
    instrument_id : InstrumentId
        The Nautilus instrument of ``order.s``.
    ts_init : int
        Creation time (UNIX ns).
    multiplier : float, default 1.0
        Contract multiplier (1 for Binance USD-M: quantity in base units).

    Returns
    -------
    LiquidationEvent
        ``side`` ``"LONG"`` for a SELL liquidation order, ``"SHORT"`` for BUY; price = ``ap`` when > 0 else ``p``;
        quantity = ``z`` when > 0 else ``q``; notional = price * quantity * multiplier (USD); ``ts_event`` = ``T``.
    """
    price = float(order.ap) if float(order.ap) > 0.0 else float(order.p)
    quantity = float(order.z) if float(order.z) > 0.0 else float(order.q)
    return LiquidationEvent(
        instrument_id=instrument_id,
        side="LONG" if order.S == "SELL" else "SHORT",
        price=price,
        quantity=quantity,
        notional_usd=price * quantity * multiplier,
        source="forceOrder",
        ts_event=int(order.T) * NS_PER_MS,
        ts_init=ts_init,
    )


def decode_trade(raw: bytes) -> TradeTypeData:
    """
    Decode a raw combined-stream futures ``@trade`` message (with its taker order type ``X``).

    Parameters
    ----------
    raw : bytes
        The websocket message.

    Returns
    -------
    TradeTypeData

    Raises
    ------
    ValueError
        If the message is not a valid trade payload.
    """
    try:
        return _TRADE_DECODER.decode(raw).data
    except msgspec.DecodeError as exc:
        raise ValueError(f"invalid trade message: {exc}") from exc


def liquidation_trade_to_event(
    trade: TradeTypeData,
    instrument_id: InstrumentId,
    ts_init: int,
    order_types: tuple[str, ...] = ("INSURANCE_FUND",),
    multiplier: float = 1.0,
) -> LiquidationEvent | None:
    """
    A :class:`LiquidationEvent` for a trade whose taker order type ``X`` is a liquidation, else ``None``.

    Parameters
    ----------
    trade : TradeTypeData
        From :func:`decode_trade`.
    instrument_id : InstrumentId
        The Nautilus instrument of ``trade.s``.
    ts_init : int
        Creation time (UNIX ns).
    order_types : tuple[str, ...], default ("INSURANCE_FUND",)
        Values of ``X`` treated as liquidation fills.
    multiplier : float, default 1.0
        Contract multiplier.

    Returns
    -------
    LiquidationEvent or None
        The liquidation order is the taker: ``m`` true (buyer is maker) means a forced SELL, i.e. a ``"LONG"``
        position was liquidated; ``m`` false means ``"SHORT"``.
    """
    if trade.X not in order_types:
        return None
    price, quantity = float(trade.p), float(trade.q)
    return LiquidationEvent(
        instrument_id=instrument_id,
        side="LONG" if trade.m else "SHORT",
        price=price,
        quantity=quantity,
        notional_usd=price * quantity * multiplier,
        source=f"trade:{trade.X}",
        ts_event=int(trade.T) * NS_PER_MS,
        ts_init=ts_init,
    )


def mark_price_to_funding(update: BinanceFuturesMarkPriceUpdate, interval_hours: float = 8.0) -> FundingRate:
    """
    Convert Nautilus' ``BinanceFuturesMarkPriceUpdate`` (``@markPrice`` stream) into our :class:`FundingRate`.

    Parameters
    ----------
    update : BinanceFuturesMarkPriceUpdate
        The update (``funding_rate``: the rate of the running interval as a fraction; ``next_funding_ns``).
    interval_hours : float, default 8.0
        The symbol's funding interval (the stream does not carry it; 8 h for BTCUSDT).

    Returns
    -------
    FundingRate
        ``rate`` = ``float(funding_rate)``; ``next_funding_ns`` and ``ts_event`` from the update rounded to the
        nearest millisecond (Binance sends milliseconds; Nautilus' float ``millis_to_nanos`` leaves errors of
        ~100 ns, e.g. 1680652800010 ms -> ...009999872 ns); ``ts_init`` unchanged.
    """
    return FundingRate(
        instrument_id=update.instrument_id,
        rate=float(update.funding_rate),
        interval_hours=float(interval_hours),
        next_funding_ns=_round_ms(int(update.next_funding_ns)),
        ts_event=_round_ms(int(update.ts_event)),
        ts_init=update.ts_init,
    )


def _round_ms(ts_ns: int) -> int:
    return (ts_ns + NS_PER_MS // 2) // NS_PER_MS * NS_PER_MS


class FundingThrottle:
    """
    Decides which funding updates to publish: the mark-price stream repeats the running rate every second.

    Publishes the first update, every change of ``next_funding_ns`` (a funding settled) and any change of the
    rate at least ``min_interval_ns`` (``ts_event``) after the previous publication.

    Parameters
    ----------
    min_interval_ns : int
        Minimum spacing (ns) between publications of a merely changed rate.
    """

    def __init__(self, min_interval_ns: int) -> None:
        self.min_interval_ns = int(min_interval_ns)
        self._last: dict[InstrumentId, tuple[float, int, int]] = {}

    def should_publish(self, funding: FundingRate) -> bool:
        """
        Whether to publish ``funding`` (and remember it when so).

        Parameters
        ----------
        funding : FundingRate
            The candidate update.

        Returns
        -------
        bool
        """
        last = self._last.get(funding.instrument_id)
        publish = (
            last is None
            or funding.next_funding_ns != last[1]
            or (funding.rate != last[0] and funding.ts_event - last[2] >= self.min_interval_ns)
        )
        if publish:
            self._last[funding.instrument_id] = (funding.rate, funding.next_funding_ns, funding.ts_event)
        return publish
