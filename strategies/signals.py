"""The structured trade-signal record every strategy writes for each decision it takes.

Strategies also publish each record on the message bus under :data:`SIGNALS_TOPIC` ``.<instrument_id>``, as JSON
bytes (:func:`encode_signal`; bytes are among the payloads NautilusTrader's bus writes to Redis as they are), so a
node with a Redis-backed message bus streams the signals to Redis: ``liqheat serve --live`` and any Redis consumer
read them (:func:`decode_signal`).
"""

import math

import msgspec

ACTIONS = ("ENTER", "SKIP", "EXIT", "REJECTED", "PARTIAL")
"""Decision kinds: a bracket submitted, a setup seen but not traded, a position closed by the strategy, an entry
rejected by the venue or the risk engine, an entry canceled or expired after a partial fill (its ``quantity`` is
the filled quantity, ``entry`` the average fill price; the stop-loss and take-profit follow that quantity)."""

def sentiment_from_bias(bias: str) -> str:
    """
    Map a snapshot's magnet bias to a sentiment word.

    Parameters
    ----------
    bias : str
        ``"UP"``, ``"DOWN"`` or ``"UNBIASED"`` (``LiquidationMapSnapshot.bias``).

    Returns
    -------
    str
        ``"BULLISH"``, ``"BEARISH"`` or ``"NEUTRAL"``.
    """
    return {"UP": "BULLISH", "DOWN": "BEARISH"}.get(bias, "NEUTRAL")


class TradeSignal(msgspec.Struct, frozen=True, kw_only=True):
    """
    One decision of a strategy (JSON-serialisable with ``msgspec.json``).

    Attributes
    ----------
    ts : int
        UNIX time (ns) of the decision.
    strategy : str
        Strategy id (e.g. ``"LiquidationHuntStrategy-000"``).
    action : str
        One of :data:`ACTIONS`.
    symbol : str
        Instrument id (e.g. ``"SOL-USDT-SWAP.OKX"``).
    signal : str
        ``"LONG"`` or ``"SHORT"``: the direction of the trade (for ``EXIT``: of the position closed).
    entry, stop_loss, take_profit : float
        Prices (``nan`` when not applicable).
    quantity : float
        Order quantity in the instrument's size unit (0 when nothing was submitted).
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
        (``nan`` if none).
    sentiment : str
        ``"BULLISH"``, ``"BEARISH"`` or ``"NEUTRAL"`` from the map's magnet bias.
    """

    ts: int
    strategy: str
    action: str
    symbol: str
    signal: str
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
    sentiment: str

    def __post_init__(self) -> None:
        """
        Validate the enumerated fields.

        Raises
        ------
        ValueError
            If ``action`` or ``signal`` is not one of the allowed values (the message names the field).
        """
        if self.action not in ACTIONS:
            raise ValueError(f"TradeSignal.action must be one of {ACTIONS}, got {self.action!r}")
        if self.signal not in ("LONG", "SHORT"):
            raise ValueError(f"TradeSignal.signal must be 'LONG' or 'SHORT', got {self.signal!r}")

    def to_dict(self) -> dict:
        """
        The record as a plain ``dict`` in :data:`SIGNAL_COLUMNS` order.

        Returns
        -------
        dict
        """
        return msgspec.structs.asdict(self)


SIGNAL_COLUMNS: tuple[str, ...] = TradeSignal.__struct_fields__
SIGNALS_TOPIC = "liqheat.signals"
"""Message-bus topic prefix of the published trade signals (``liqheat.signals.<instrument_id>``)."""


def encode_signal(signal: TradeSignal) -> bytes:
    """
    The record as JSON bytes (NaN prices become ``null``).

    Parameters
    ----------
    signal : TradeSignal

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
    for name in ("entry", "stop_loss", "take_profit", "risk_reward", "support", "resistance"):
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
