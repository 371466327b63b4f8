"""Nautilus custom data types published and consumed by liqheat-nautilus.

Every type is a ``nautilus_trader.core.data.Data`` subclass decorated with Nautilus'
``customdataclass``: it can be published on the message bus, written to and queried from a
``ParquetDataCatalog`` and named in a ``BacktestDataConfig``.
"""

from liqheat_nautilus.data.funding_rate import FundingRate
from liqheat_nautilus.data.liquidation_cluster import LiquidationCluster
from liqheat_nautilus.data.liquidation_event import LiquidationEvent
from liqheat_nautilus.data.map_snapshot import LiquidationMapSnapshot
from liqheat_nautilus.data.open_interest import OpenInterest
from liqheat_nautilus.data.positioning import RATIO_KINDS, LongShortRatio, TakerVolume
from liqheat_nautilus.data.wrap import as_custom_data

__all__ = [
    "FundingRate",
    "LiquidationCluster",
    "LiquidationEvent",
    "LiquidationMapSnapshot",
    "LongShortRatio",
    "OpenInterest",
    "RATIO_KINDS",
    "TakerVolume",
    "as_custom_data",
]
