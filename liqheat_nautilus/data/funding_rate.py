"""The ``FundingRate`` custom data type and its conversion to and from Nautilus' ``FundingRateUpdate``."""

from decimal import Decimal

from nautilus_trader.core.data import Data
from nautilus_trader.model.custom import customdataclass
from nautilus_trader.model.data import FundingRateUpdate
from nautilus_trader.model.identifiers import InstrumentId


@customdataclass
class FundingRate(Data):
    """
    A perpetual-futures funding rate for one funding interval.

    Nautilus' own ``FundingRateUpdate`` cannot be written to the 1.221 ``ParquetDataCatalog``; this type can,
    and converts losslessly (up to float precision of ``rate``) with :meth:`to_nautilus` /
    :meth:`from_nautilus`.

    Parameters
    ----------
    instrument_id : InstrumentId
        The perpetual instrument.
    rate : float
        Funding rate as a fraction per funding interval (``0.0001`` = 0.01 %). Positive: longs pay shorts.
    interval_hours : float
        Length of the funding interval in hours (8 on most venues, 1 or 4 on some).
    next_funding_ns : int
        UNIX time (nanoseconds) of the next funding when known, ``0`` when unknown.
    ts_event : int
        UNIX time (nanoseconds) the rate applies at (the funding time).
    ts_init : int
        UNIX time (nanoseconds) the object was created.
    """

    instrument_id: InstrumentId = InstrumentId.from_str("NULL.NULL")
    rate: float = 0.0
    interval_hours: float = 8.0
    next_funding_ns: int = 0

    def to_nautilus(self) -> FundingRateUpdate:
        """
        Convert to Nautilus' built-in ``FundingRateUpdate``.

        Returns
        -------
        FundingRateUpdate
            With ``rate`` as a ``Decimal`` built from ``repr(float)`` (round-trips exactly) and
            ``next_funding_ns`` ``None`` when unknown. ``interval_hours`` has no counterpart and is dropped.
        """
        return FundingRateUpdate(
            instrument_id=self.instrument_id,
            rate=Decimal(repr(self.rate)),
            ts_event=self.ts_event,
            ts_init=self.ts_init,
            next_funding_ns=self.next_funding_ns or None,
        )

    @classmethod
    def from_nautilus(cls, update: FundingRateUpdate, interval_hours: float = 8.0) -> "FundingRate":
        """
        Build from Nautilus' ``FundingRateUpdate``.

        Parameters
        ----------
        update : FundingRateUpdate
            The Nautilus funding update.
        interval_hours : float, default 8.0
            The funding interval, which ``FundingRateUpdate`` does not carry.

        Returns
        -------
        FundingRate
        """
        return cls(
            instrument_id=update.instrument_id,
            rate=float(update.rate),
            interval_hours=float(interval_hours),
            next_funding_ns=int(update.next_funding_ns or 0),
            ts_event=update.ts_event,
            ts_init=update.ts_init,
        )
