"""liqheat-nautilus: liquidation maps for crypto perpetual futures on NautilusTrader.

Public API
----------
- :class:`LiquidationMap` — the Nautilus ``Indicator``;
- :class:`LiquidationMapActor` / :class:`LiquidationMapActorConfig` — the ``Actor`` that publishes signals;
- data types :class:`OpenInterest`, :class:`FundingRate`, :class:`LiquidationCluster`,
  :class:`LiquidationMapSnapshot`;
- :class:`MapParams` and :class:`LiquidationMapEngine` — the numpy core (hot loops compiled with numba),
  no Nautilus imports.
"""

from liqheat_nautilus.actor import LiquidationMapActor, LiquidationMapActorConfig
from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.data import FundingRate, LiquidationCluster, LiquidationMapSnapshot, OpenInterest
from liqheat_nautilus.indicator import LiquidationMap

__version__ = "0.1.0"

__all__ = [
    "FundingRate",
    "LiquidationCluster",
    "LiquidationMap",
    "LiquidationMapActor",
    "LiquidationMapActorConfig",
    "LiquidationMapEngine",
    "LiquidationMapSnapshot",
    "MapParams",
    "OpenInterest",
]
