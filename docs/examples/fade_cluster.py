"""A strategy of your own on the map actor's signals alone: fade the nearest strong cluster once price touches it.

Not built on ``strategies/`` (see docs/backtests.md, "A strategy on the signals alone"): it subscribes to the
``LiquidationCluster`` and ``LiquidationMapSnapshot`` data a ``LiquidationMapActor`` of its instrument publishes,
keeps the clusters of the latest map update, and when a bar touches a strong one, enters against the move with a
bracket order (stop-loss and take-profit a fixed percentage away). Run it from the repository root with::

    PYTHONPATH=docs/examples liqheat backtest --config docs/examples/fade_cluster.toml
"""

from nautilus_trader.config import StrategyConfig
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import Bar, BarType, CustomData, DataType
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy

from liqheat_nautilus import LiquidationCluster, LiquidationMapSnapshot


class FadeClusterConfig(StrategyConfig, frozen=True):
    """
    Configuration of :class:`FadeCluster`.

    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument traded, the map actor's ``instrument_id``.
    bar_type : BarType
        Bars of that instrument (the touches are checked on their high and low).
    trade_size : float, default 10.0
        Order quantity (contracts).
    min_strength : float, default 0.5
        Faded clusters' least ``strength`` (notional relative to the update's largest cluster).
    stop_pct, take_profit_pct : float, default 0.5, 1.0
        Stop-loss and take-profit distance from the entry (percent of the bar close).
    """

    instrument_id: InstrumentId
    bar_type: BarType
    trade_size: float = 10.0
    min_strength: float = 0.5
    stop_pct: float = 0.5
    take_profit_pct: float = 1.0


class FadeCluster(Strategy):
    """
    Sell a touch of a short-side cluster above price, buy a touch of a long-side cluster below; one position at a time.

    Parameters
    ----------
    config : FadeClusterConfig
        The configuration.
    """

    trades_on_map_signals = True
    """A backtest or live file naming this strategy without a map actor of its instrument is refused when loaded."""

    def __init__(self, config: FadeClusterConfig) -> None:
        super().__init__(config)
        self.clusters: dict[int, LiquidationCluster] = {}  # the live clusters of the latest map update
        self._update: dict[int, LiquidationCluster] = {}  # the clusters of the update being received
        self.clusters_received = 0  # liqheat backtest's summary prints this count
        self.entries = 0

    def on_start(self) -> None:
        """Subscribe to the bars and to the map's clusters and snapshots of the instrument."""
        self.instrument = self.cache.instrument(self.config.instrument_id)
        metadata = {"instrument_id": self.config.instrument_id.value}  # the id with its venue, as a string
        self.subscribe_data(DataType(LiquidationCluster, metadata=metadata))
        self.subscribe_data(DataType(LiquidationMapSnapshot, metadata=metadata))
        self.subscribe_bars(self.config.bar_type)

    def on_data(self, data: Data) -> None:
        """Collect an update's clusters; its snapshot (published after them) completes it."""
        if isinstance(data, CustomData):  # backtests may deliver custom data wrapped
            data = data.data
        if isinstance(data, LiquidationCluster):
            self.clusters_received += 1
            if data.status != "CLEARED":  # a CLEARED report is the cluster's last message
                self._update[data.cluster_id] = data
        elif isinstance(data, LiquidationMapSnapshot):
            self.clusters, self._update = self._update, {}

    def on_bar(self, bar: Bar) -> None:
        """Fade the strong cluster nearest the close that the bar touched, when flat and without open orders."""
        iid = self.config.instrument_id
        if not self.clusters or not self.portfolio.is_flat(iid) or self.cache.orders_open(instrument_id=iid):
            return
        close, high, low = bar.close.as_double(), bar.high.as_double(), bar.low.as_double()
        strong = [c for c in self.clusters.values() if c.strength >= self.config.min_strength]
        for cluster in sorted(strong, key=lambda c: abs(c.price_level - close)):
            if cluster.side == "SHORT" and high >= cluster.price_low and close < cluster.price_high:
                self._enter(OrderSide.SELL, close, cluster)
                return
            if cluster.side == "LONG" and low <= cluster.price_high and close > cluster.price_low:
                self._enter(OrderSide.BUY, close, cluster)
                return

    def _enter(self, side: OrderSide, close: float, cluster: LiquidationCluster) -> None:
        """Submit a market entry with its stop-loss and take-profit (Nautilus' bracket order list)."""
        sign = 1.0 if side == OrderSide.BUY else -1.0
        bracket = self.order_factory.bracket(
            instrument_id=self.config.instrument_id,
            order_side=side,
            quantity=self.instrument.make_qty(self.config.trade_size),
            sl_trigger_price=self.instrument.make_price(close * (1 - sign * self.config.stop_pct / 100)),
            tp_price=self.instrument.make_price(close * (1 + sign * self.config.take_profit_pct / 100)),
        )
        self.submit_order_list(bracket)
        self.entries += 1
        del self.clusters[cluster.cluster_id]  # each cluster once per update

    def on_stop(self) -> None:
        """Cancel the open orders and close the position."""
        self.cancel_all_orders(self.config.instrument_id)
        self.close_all_positions(self.config.instrument_id)
