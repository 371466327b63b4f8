"""Parsing of Binance USD-M websocket payloads into liqheat data, with checks (no I/O).

``forceOrder`` events and insurance-fund ``@trade`` fills -> :class:`LiquidationEvent`; Nautilus'
``BinanceFuturesMarkPriceUpdate`` (``@markPrice@1s``: ``r`` the running funding rate, ``T`` the next funding time)
-> :class:`FundingRate`. Payload schemas in :mod:`.schemas`. The rows of the archive files of data.binance.vision
are converted by the converter classes of :mod:`.archives` (which the loaders drive batch by batch).
"""

import msgspec
from nautilus_trader.adapters.binance.futures.types import BinanceFuturesMarkPriceUpdate
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Instrument

from liqheat_nautilus.adapters.binance.schemas import ForceOrderData, ForceOrderMsg, TradeTypeData, TradeTypeMsg
from liqheat_nautilus.adapters.common.parsing import funding_rate_from_venue
from liqheat_nautilus.adapters.common.risk_guard import quote_notional
from liqheat_nautilus.core.enums import Side
from liqheat_nautilus.core.units import NS_PER_MS
from liqheat_nautilus.data import FundingRate, LiquidationEvent

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
    order: ForceOrderData, instrument_id: InstrumentId, ts_init: int, instrument: Instrument | None = None,
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
    instrument : Instrument, optional
        The instrument's definition, which values the order (:func:`_notional_usd`); without it the quantity is
        taken as base units of a linear contract (Binance USD-M).

    Returns
    -------
    LiquidationEvent
        ``side`` ``"LONG"`` for a SELL liquidation order, ``"SHORT"`` for BUY; price = ``ap`` when > 0 else ``p``;
        quantity = ``z`` when > 0 else ``q``; notional in USD (:func:`_notional_usd`); ``ts_event`` = ``T``.
    """
    price = float(order.ap) if float(order.ap) > 0.0 else float(order.p)
    quantity = float(order.z) if float(order.z) > 0.0 else float(order.q)
    side = Side.LONG if order.S == "SELL" else Side.SHORT
    return _liquidation(instrument_id, side, price, quantity, instrument, "forceOrder", int(order.T), ts_init)


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
    instrument: Instrument | None = None,
) -> LiquidationEvent | None:
    """
    Return a :class:`LiquidationEvent` for a trade whose taker order type ``X`` is a liquidation, else ``None``.

    Parameters
    ----------
    trade : TradeTypeData
        From :func:`decode_trade`.
    instrument_id, ts_init, instrument
        As for :func:`force_order_to_event` (the instrument of ``trade.s``).
    order_types : tuple[str, ...], default ("INSURANCE_FUND",)
        Values of ``X`` treated as liquidation fills.

    Returns
    -------
    LiquidationEvent or None
        The liquidation order is the taker: ``m`` true (buyer is maker) means a forced SELL, i.e. a ``"LONG"``
        position was liquidated; ``m`` false means ``"SHORT"``.
    """
    if trade.X not in order_types:
        return None
    side = Side.LONG if trade.m else Side.SHORT
    return _liquidation(instrument_id, side, float(trade.p), float(trade.q), instrument, f"trade:{trade.X}",
                        int(trade.T), ts_init)


def _notional_usd(instrument: Instrument | None, quantity: float, price: float) -> float:
    """
    Return the USD notional of a liquidation fill.

    With the instrument: :func:`~liqheat_nautilus.adapters.common.risk_guard.quote_notional` (Nautilus'
    ``Instrument.notional_value``, valued in the quote currency also for an inverse contract: contracts x USD per
    contract). Without it: price x quantity, the value of base units of a linear contract (USD-M).
    """
    return quote_notional(instrument, quantity, price) if instrument is not None else price * quantity


def _liquidation(instrument_id: InstrumentId, side: Side, price: float, quantity: float,
                 instrument: Instrument | None, source: str, time_ms: int, ts_init: int) -> LiquidationEvent:
    """Build a :class:`LiquidationEvent`: notional in USD (:func:`_notional_usd`), ``ts_event`` from ms."""
    return LiquidationEvent(instrument_id=instrument_id, side=side.value, price=price, quantity=quantity,
                            notional_usd=_notional_usd(instrument, quantity, price), source=source,
                            ts_event=time_ms * NS_PER_MS, ts_init=ts_init)


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
    return funding_rate_from_venue(update.instrument_id, float(update.funding_rate), interval_hours=interval_hours,
                                   ts_event=_round_ms(int(update.ts_event)), ts_init=update.ts_init,
                                   next_funding_ns=_round_ms(int(update.next_funding_ns)))


def _round_ms(ts_ns: int) -> int:
    return (ts_ns + NS_PER_MS // 2) // NS_PER_MS * NS_PER_MS
