"""The trade-signal record: one row per decision a strategy takes, read by the backtest reports (``signals.csv``).

A strategy trading on the liquidation map keeps a :class:`TradeSignal` for every decision (a bracket submitted, a
setup skipped and why, a position closed, an entry rejected or partly filled). The record is plain data
(``msgspec``), so it can be logged as JSON, written to CSV/Parquet and read back without the strategy's code.

Strategies also publish each record on the message bus under :data:`SIGNALS_TOPIC` ``.<instrument_id>`` as JSON
bytes (:func:`encode_signal`; bytes are among the payloads NautilusTrader's bus writes to Redis as they are), so a
node with a Redis-backed message bus streams its signals: ``liqheat serve --live`` and any Redis consumer read them
(:func:`decode_signal`).
"""

import math
from enum import StrEnum

import msgspec
from nautilus_trader.model.enums import PositionSide, position_side_to_str

from liqheat_nautilus.core.enums import Bias
from liqheat_nautilus.validation import enum_name

POSITION_SIDES = (position_side_to_str(PositionSide.LONG), position_side_to_str(PositionSide.SHORT))
"""Nautilus ``PositionSide`` names a trade can take (``FLAT`` is no trade)."""


class SignalAction(StrEnum):
    """What a strategy decided."""

    ENTER = "ENTER"
    """A bracket (entry, stop-loss, take-profit) was submitted."""
    SKIP = "SKIP"
    """A setup was seen but not traded; ``reason`` says why."""
    EXIT = "EXIT"
    """The strategy closed a position at market (a level broke, a time stop, a rejected stop-loss)."""
    REJECTED = "REJECTED"
    """The entry was denied by the risk engine or rejected by the venue."""
    PARTIAL_FILL = "PARTIAL_FILL"
    """The entry was canceled or expired after a partial fill: ``quantity`` is the filled quantity, ``entry`` the
    average fill price; the stop-loss and take-profit follow that quantity. (Not the cluster status ``PARTIAL``.)"""


class Sentiment(StrEnum):
    """The market mood the map's magnet bias suggests."""

    BULLISH = "BULLISH"
    BEARISH = "BEARISH"
    NEUTRAL = "NEUTRAL"


_SENTIMENT = {Bias.UP: Sentiment.BULLISH, Bias.DOWN: Sentiment.BEARISH, Bias.UNBIASED: Sentiment.NEUTRAL}


def sentiment_from_bias(bias: Bias | str) -> Sentiment:
    """
    Map a snapshot's magnet bias to a sentiment.

    Parameters
    ----------
    bias : Bias or str
        ``LiquidationMapSnapshot.bias`` (``"UP"``, ``"DOWN"`` or ``"UNBIASED"``).

    Returns
    -------
    Sentiment
        ``BULLISH`` for ``UP``, ``BEARISH`` for ``DOWN``, ``NEUTRAL`` for ``UNBIASED``.

    Raises
    ------
    ValueError
        If ``bias`` is not a :class:`~liqheat_nautilus.core.enums.Bias` name.
    """
    return _SENTIMENT[Bias(enum_name(bias, Bias, "bias"))]


class TradeSignal(msgspec.Struct, frozen=True, kw_only=True):
    """
    One decision of a strategy (JSON-serialisable with ``msgspec.json``).

    Attributes
    ----------
    ts : int
        UNIX time (ns) of the decision.
    strategy : str
        Strategy id (e.g. ``"LiquidationHuntStrategy-000"``).
    action : SignalAction
        What was decided.
    instrument_id : str
        Nautilus instrument id (e.g. ``"SOL-USDT-SWAP.OKX"``).
    position_side : str
        Nautilus ``PositionSide`` name of the trade, ``"LONG"`` or ``"SHORT"`` (for ``EXIT``: of the position
        closed).
    entry, stop_loss, take_profit : float
        Prices in the instrument's quote currency (``nan`` when not applicable).
    quantity : float
        Order quantity in the instrument's size unit (contracts; 0 when nothing was submitted).
    confidence : float
        In [0, 1]; the strength of the cluster behind the decision.
    risk_reward : float
        ``|take_profit - entry| / |entry - stop_loss|`` (``nan`` when undefined).
    reason : str
        Human-readable explanation.
    cluster_id : int
        ``cluster_id`` of the cluster behind the decision, ``-1`` if none.
    support, resistance : float
        The support (long-side cluster below) and resistance (short-side cluster above) levels the strategy saw
        (price, ``nan`` if none).
    sentiment : Sentiment
        From the map's magnet bias (:func:`sentiment_from_bias`).
    """

    ts: int
    strategy: str
    action: SignalAction
    instrument_id: str
    position_side: str
    entry: float
    stop_loss: float
    take_profit: float
    quantity: float
    confidence: float
    risk_reward: float
    reason: str
    cluster_id: int
    support: float
    resistance: float
    sentiment: Sentiment

    def __post_init__(self) -> None:
        """
        Validate the enumerated fields.

        Raises
        ------
        ValueError
            If ``action``, ``position_side`` or ``sentiment`` is not one of its values (the message names the
            field and lists them).
        """
        enum_name(self.action, SignalAction, "TradeSignal.action", exact=True)
        enum_name(self.position_side, PositionSide, "TradeSignal.position_side", exact=True,
                  exclude=tuple(m.name for m in PositionSide if m.name not in POSITION_SIDES))
        enum_name(self.sentiment, Sentiment, "TradeSignal.sentiment", exact=True)

    def to_dict(self) -> dict:
        """
        Return the record as a plain ``dict`` (builtin types only) in :data:`SIGNAL_COLUMNS` order.

        Returns
        -------
        dict
        """
        return msgspec.to_builtins(self)


SIGNAL_COLUMNS: tuple[str, ...] = TradeSignal.__struct_fields__
"""Column order of the signal log (``signals.csv``) written by the backtest runner: the :class:`TradeSignal`
fields."""


SIGNALS_TOPIC = "liqheat.signals"
"""Message-bus topic prefix of published trade signals (``liqheat.signals.<instrument_id>``)."""

_PRICE_FIELDS = ("entry", "stop_loss", "take_profit", "risk_reward", "support", "resistance")


def encode_signal(signal: TradeSignal) -> bytes:
    """
    Return the record as JSON bytes (NaN prices become ``null``).

    Parameters
    ----------
    signal : TradeSignal
        The trade-signal record of one strategy decision.

    Returns
    -------
    bytes
    """
    return msgspec.json.encode(signal)


def decode_signal(payload: bytes | str) -> TradeSignal:
    """
    Read a record written by :func:`encode_signal`.

    Parameters
    ----------
    payload : bytes or str
        JSON object with the :class:`TradeSignal` fields (``null`` for a missing price).

    Returns
    -------
    TradeSignal

    Raises
    ------
    msgspec.DecodeError, msgspec.ValidationError, ValueError
        If the payload is not such a record (the message names the field).
    """
    fields = msgspec.json.decode(payload)
    if not isinstance(fields, dict):
        raise ValueError("a trade signal is a JSON object")
    for name in _PRICE_FIELDS:
        if fields.get(name) is None:
            fields[name] = math.nan  # JSON has no NaN
    return msgspec.convert(fields, TradeSignal)


def risk_reward(entry: float, stop_loss: float, take_profit: float) -> float:
    """
    Reward-to-risk ratio of a bracket.

    Parameters
    ----------
    entry, stop_loss, take_profit : float
        Prices.

    Returns
    -------
    float
        ``|take_profit - entry| / |entry - stop_loss|``; ``nan`` when the risk is zero.
    """
    risk = abs(entry - stop_loss)
    return abs(take_profit - entry) / risk if risk > 0 else float("nan")
