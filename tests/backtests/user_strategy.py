"""A strategy as a user writes one (for the tests): it subscribes to the map's clusters and counts them under a
name of its own, keeping neither the shipped strategies' ``clusters_received`` nor their ``signals`` log."""

from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import DataType
from nautilus_trader.trading.strategy import Strategy

from liqheat_nautilus.data import LiquidationCluster


class CountingConfig(StrategyConfig, frozen=True):
    """Config of :class:`Counting`."""

    instrument_id: str = "SOL-USDT-SWAP.OKX"


class Counting(Strategy):
    """Counts the clusters of its instrument in ``seen``."""

    def __init__(self, config: CountingConfig) -> None:
        super().__init__(config)
        self.seen = 0

    def on_start(self) -> None:
        """Subscribe to the map's clusters."""
        self.subscribe_data(DataType(LiquidationCluster, metadata={"instrument_id": self.config.instrument_id}))

    def on_data(self, data) -> None:
        """Count a cluster."""
        self.seen += 1
