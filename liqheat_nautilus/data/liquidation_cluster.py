"""The ``LiquidationCluster`` signal published by ``LiquidationMapActor``."""

from nautilus_trader.core.data import Data
from nautilus_trader.model.custom import customdataclass
from nautilus_trader.model.identifiers import InstrumentId


@customdataclass
class LiquidationCluster(Data):
    """
    A price zone where the map estimates that many leveraged positions would be liquidated.

    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument of the map.
    cluster_id : int
        Identifier that stays the same across map updates while the zone overlaps its earlier self.
    side : str
        ``"LONG"``: long positions liquidated if price falls to the zone (the zone lies below price);
        ``"SHORT"``: short positions liquidated if price rises to it (the zone lies above price).
    price_level : float
        Notional-weighted centre of the zone (price).
    price_low, price_high : float
        Lower and upper edge of the zone (price).
    leverage_tier : float
        Notional-weighted mean leverage of the positions in the zone (x).
    notional_usd : float
        Estimated position notional (USD) that would be liquidated in the zone.
    liquidation_count : int
        Estimated number of positions: ``notional_usd`` / the configured average position notional.
    strength : float
        ``notional_usd`` relative to the largest live cluster of the same map update (either side), in [0, 1];
        ``0.0`` in a ``CLEARED`` report.
    distance_pct : float
        Signed distance from the current price to ``price_level`` in percent of the price (negative below price).
        In a ``CLEARED`` report it is the distance when the zone was last detected (``last_seen``), as are its
        range, notional and counts: compute the distance to the current price from ``price_level``.
    status : str
        ``"ACTIVE"`` (untouched), ``"PARTIAL"`` (price entered the zone), ``"CLEARED"`` (price passed through it;
        reported once, in the first update after it cleared, then gone). ``side`` and ``status`` are ``str``
        enums (``Side``, ``ClusterStatus`` of :mod:`liqheat_nautilus.core.enums`): compare them with strings.
    first_seen, last_seen : int
        UNIX times (nanoseconds) the zone was first and last detected.
    ts_event, ts_init : int
        UNIX times (nanoseconds) of the map update that produced the signal.
    """

    instrument_id: InstrumentId = InstrumentId.from_str("NULL.NULL")
    cluster_id: int = 0
    side: str = "LONG"
    price_level: float = 0.0
    price_low: float = 0.0
    price_high: float = 0.0
    leverage_tier: float = 0.0
    notional_usd: float = 0.0
    liquidation_count: int = 0
    strength: float = 0.0
    distance_pct: float = 0.0
    status: str = "ACTIVE"
    first_seen: int = 0
    last_seen: int = 0
