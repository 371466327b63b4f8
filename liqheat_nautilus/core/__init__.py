"""The liquidation-map mathematics (numpy and numba kernels, no NautilusTrader imports).

numpy plus a few numba-compiled loops (``kernels``); without NautilusTrader it is testable and benchmarkable
alone.
"""

from liqheat_nautilus.core.brackets import BINANCE_BTCUSDT_BRACKETS, BracketTable
from liqheat_nautilus.core.clusters import ClusterInfo
from liqheat_nautilus.core.engine import LiquidationMapEngine
from liqheat_nautilus.core.enums import Bias, ClusterStatus, Side
from liqheat_nautilus.core.magnet import Magnet
from liqheat_nautilus.core.open_interest_book import OpenInterestBook
from liqheat_nautilus.core.params import MapParams
from liqheat_nautilus.core.trades import select_large_trades, trade_liquidation_levels

__all__ = [
    "BINANCE_BTCUSDT_BRACKETS",
    "Bias",
    "BracketTable",
    "ClusterStatus",
    "ClusterInfo",
    "LiquidationMapEngine",
    "Magnet",
    "MapParams",
    "OpenInterestBook",
    "Side",
    "select_large_trades",
    "trade_liquidation_levels",
]
