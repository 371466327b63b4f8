"""Positioning custom data: long/short ratios and taker volume (what venues publish about who holds what)."""

from nautilus_trader.core.data import Data
from nautilus_trader.model.custom import customdataclass
from nautilus_trader.model.identifiers import InstrumentId

RATIO_KINDS = ("accounts", "top_trader_accounts", "top_trader_positions")
"""What a long/short ratio counts: all accounts (Binance ``count_long_short_ratio``, OKX's account ratio), top
traders' accounts (``count_toptrader_long_short_ratio``) or top traders' positions
(``sum_toptrader_long_short_ratio``)."""


@customdataclass
class LongShortRatio(Data):
    """
    A venue's long/short ratio at one instant: longs divided by shorts.

    Parameters
    ----------
    instrument_id : InstrumentId
        The perpetual instrument.
    ratio : float
        Longs ÷ shorts (> 0), e.g. 1.5 = 60 % long; the map's long share is ``ratio / (1 + ratio)``.
    kind : str
        What is counted, one of :data:`RATIO_KINDS`.
    period_secs : int
        Length of the period the venue aggregates over (seconds), 0 when instantaneous or unknown.
    ts_event : int
        UNIX time (nanoseconds) of the observation (end of its period).
    ts_init : int
        UNIX time (nanoseconds) the object was created.
    """

    instrument_id: InstrumentId = InstrumentId.from_str("NULL.NULL")
    ratio: float = 1.0
    kind: str = "accounts"
    period_secs: int = 0


@customdataclass
class TakerVolume(Data):
    """
    Taker (aggressor) volume of one period: what market buyers and market sellers traded.

    Parameters
    ----------
    instrument_id : InstrumentId
        The perpetual instrument.
    buy_usd : float
        Taker buy volume (USD notional, >= 0).
    sell_usd : float
        Taker sell volume (USD notional, >= 0).
    period_secs : int
        Length of the period (seconds).
    ts_event : int
        UNIX time (nanoseconds) of the end of the period.
    ts_init : int
        UNIX time (nanoseconds) the object was created.
    """

    instrument_id: InstrumentId = InstrumentId.from_str("NULL.NULL")
    buy_usd: float = 0.0
    sell_usd: float = 0.0
    period_secs: int = 0
