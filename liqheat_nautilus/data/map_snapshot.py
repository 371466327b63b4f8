"""The ``LiquidationMapSnapshot`` summary published by ``LiquidationMapActor``."""

from nautilus_trader.core.data import Data
from nautilus_trader.model.custom import customdataclass
from nautilus_trader.model.identifiers import InstrumentId


@customdataclass
class LiquidationMapSnapshot(Data):
    """
    A summary of the liquidation map at one instant.

    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument of the map.
    price : float
        The current (last close or trade) price.
    total_oi_usd : float
        The latest open interest used by the map (USD notional).
    long_liquidation_usd, short_liquidation_usd : float
        Estimated long (below price) and short (above price) notional still open in the map (USD).
    swept_long_usd, swept_short_usd : float
        Estimated liquidations (USD) swept by price since the previous snapshot.
    magnet_up, magnet_down : float
        Magnet force of the short bins above and the long bins below price: sum of USD / distance²
        with the distance in percent (USD / %²).
    magnet_net : float
        ``magnet_up - magnet_down``.
    bias : str
        ``"UP"``, ``"DOWN"`` or ``"UNBIASED"`` (relative net force within the configured dead band).
    nearest_above_price, nearest_below_price : float
        ``price_level`` of the live cluster with the lowest level above the price and of the one with the highest
        level below it, ``nan`` if none. Selected by level only, of either side (the rule of ``liqheat serve``'s
        ``nearest_*``); ``ClusterBook.resistance`` / ``support`` in ``strategies/`` also require the short side above
        and the long side below.
    nearest_above_usd, nearest_below_usd : float
        Their notional (USD), ``0.0`` if none.
    nearest_above_id, nearest_below_id : int
        Their ``cluster_id``, ``-1`` if none.
    ts_event, ts_init : int
        UNIX times (nanoseconds) of the map update.
    """

    instrument_id: InstrumentId = InstrumentId.from_str("NULL.NULL")
    price: float = 0.0
    total_oi_usd: float = 0.0
    long_liquidation_usd: float = 0.0
    short_liquidation_usd: float = 0.0
    swept_long_usd: float = 0.0
    swept_short_usd: float = 0.0
    magnet_up: float = 0.0
    magnet_down: float = 0.0
    magnet_net: float = 0.0
    bias: str = "UNBIASED"
    nearest_above_price: float = float("nan")
    nearest_above_usd: float = 0.0
    nearest_above_id: int = -1
    nearest_below_price: float = float("nan")
    nearest_below_usd: float = 0.0
    nearest_below_id: int = -1
