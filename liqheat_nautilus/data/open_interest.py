"""The ``OpenInterest`` custom data type (NautilusTrader 1.221 has no open-interest type)."""

from nautilus_trader.core.data import Data
from nautilus_trader.model.custom import customdataclass
from nautilus_trader.model.identifiers import InstrumentId


@customdataclass
class OpenInterest(Data):
    """
    Venue-reported open interest of a perpetual-futures instrument at one instant.

    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument the open interest belongs to.
    venue : str
        The venue that reported it (e.g. ``"OKX"``, ``"BINANCE"``); informational: ``LiquidationMapActor`` sums
        open interest per ``instrument_id`` (its ``oi_instrument_ids``), not per ``venue``.
    open_interest_usd : float
        Open interest as USD (quote) notional, as reported by the venue.
    open_interest_contracts : float
        Open interest in contracts where the venue reports it, ``nan`` when unknown.
    open_interest_base : float
        Open interest in base-currency units (e.g. BTC) where known, ``nan`` when unknown.
    ts_event : int
        UNIX time (nanoseconds) of the venue's observation.
    ts_init : int
        UNIX time (nanoseconds) the object was created (in backtests: equal to ``ts_event``).

    Notes
    -----
    Optional values are ``nan`` because ``customdataclass`` rejects optional field types.
    """

    instrument_id: InstrumentId = InstrumentId.from_str("NULL.NULL")
    venue: str = ""
    open_interest_usd: float = 0.0
    open_interest_contracts: float = float("nan")
    open_interest_base: float = float("nan")
