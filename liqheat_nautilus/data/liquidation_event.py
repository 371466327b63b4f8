"""The ``LiquidationEvent`` custom data type: one real liquidation print reported by a venue."""

from nautilus_trader.core.data import Data
from nautilus_trader.model.custom import customdataclass
from nautilus_trader.model.identifiers import InstrumentId


@customdataclass
class LiquidationEvent(Data):
    """
    A real liquidation reported by a venue (Binance ``forceOrder`` stream or an insurance-fund trade print).

    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument of the liquidated position.
    side : str
        The side of the *liquidated position*, as in
        :class:`~liqheat_nautilus.data.LiquidationCluster`: ``"LONG"`` (a long was liquidated by a forced SELL,
        price fell into long liquidations) or ``"SHORT"`` (a short was liquidated by a forced BUY).
    price : float
        Price of the liquidation (average fill price when the venue reports it, else the order or trade price).
    quantity : float
        Quantity liquidated in the instrument's size unit (base units for Binance USD-M).
    notional_usd : float
        Notional (USD / quote currency): Nautilus' ``Instrument.notional_value`` of ``quantity`` at ``price`` (price ×
        quantity × multiplier for linear contracts; contracts × USD per contract for inverse ones).
    source : str
        Where the print comes from: ``"forceOrder"`` (Binance liquidation order stream) or
        ``"trade:INSURANCE_FUND"`` / ``"trade:ADL"`` (trade-stream fill with that ``X`` order type).
    ts_event : int
        UNIX time (nanoseconds) of the liquidation (venue trade time).
    ts_init : int
        UNIX time (nanoseconds) the object was created.
    """

    instrument_id: InstrumentId = InstrumentId.from_str("NULL.NULL")
    side: str = "LONG"
    price: float = 0.0
    quantity: float = 0.0
    notional_usd: float = 0.0
    source: str = ""
