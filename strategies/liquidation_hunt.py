"""Liquidation hunt: trade toward a strong liquidation cluster near price with a bracket order.

Rule (the product's trading playbook): a strong cluster (``strength >= min_strength``) within
``max_distance_pct`` of price, with at least ``min_notional_usd``:
- a ``SHORT``-side cluster above price (short liquidations would push price up) -> go long toward it;
- a ``LONG``-side cluster below price -> go short toward it.
Take-profit at the cluster's ``price_level``; stop-loss beyond the nearest cluster on the opposite side
(or ``default_stop_pct`` away when there is none), never inside a known cluster.
"""

import json
from decimal import Decimal

from nautilus_trader.config import StrategyConfig
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import Bar, BarType, CustomData, DataType
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy

from liqheat_nautilus.data import LiquidationCluster, LiquidationMapSnapshot


class LiquidationHuntConfig(StrategyConfig, frozen=True):
    """
    Configuration of :class:`LiquidationHuntStrategy`.

    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument traded (the one the map is built for).
    bar_type : BarType
        Bars for the current price.
    trade_size : Decimal
        Order quantity in the instrument's size unit (base units for linear contracts).
    min_strength : float, default 0.6
        Minimum cluster strength in [0, 1].
    max_distance_pct : float, default 2.0
        Maximum |distance| from price to the cluster level (percent).
    min_distance_pct : float, default 0.2
        Minimum |distance| (percent), so that the take-profit is not inside the spread.
    min_notional_usd : float, default 0.0
        Minimum cluster notional (USD).
    stop_buffer_pct : float, default 0.1
        Extra distance (percent of price) beyond the opposite cluster's far edge for the stop.
    default_stop_pct : float, default 1.0
        Stop distance (percent) when no opposite cluster lies within ``max_stop_pct``.
    max_stop_pct : float, default 3.0
        Largest stop distance (percent).
    """

    instrument_id: InstrumentId
    bar_type: BarType
    trade_size: Decimal = Decimal("10")
    min_strength: float = 0.6
    max_distance_pct: float = 2.0
    min_distance_pct: float = 0.2
    min_notional_usd: float = 0.0
    stop_buffer_pct: float = 0.1
    default_stop_pct: float = 1.0
    max_stop_pct: float = 3.0


class LiquidationHuntStrategy(Strategy):
    """
    Enters toward strong liquidation clusters published by ``LiquidationMapActor``.

    Decisions are taken on each :class:`~liqheat_nautilus.data.LiquidationMapSnapshot` (published right after
    the clusters of the same map update), one position at a time. Every decision is kept in :attr:`signals`
    and logged as a JSON trade-signal record.

    Parameters
    ----------
    config : LiquidationHuntConfig
        The configuration.
    """

    def __init__(self, config: LiquidationHuntConfig) -> None:
        super().__init__(config)
        self.instrument = None
        self.clusters: dict[int, LiquidationCluster] = {}
        self.clusters_received = 0
        self.snapshots_received = 0
        self.signals: list[dict] = []
        self._last_close: float | None = None

    def on_start(self) -> None:
        """Look up the instrument and subscribe to bars, clusters and snapshots of the instrument."""
        self.instrument = self.cache.instrument(self.config.instrument_id)
        if self.instrument is None:
            self.log.error(f"instrument {self.config.instrument_id} not in the cache; stopping")
            self.stop()
            return
        metadata = {"instrument_id": self.config.instrument_id.value}
        self.subscribe_bars(self.config.bar_type)
        self.subscribe_data(DataType(LiquidationCluster, metadata=metadata))
        self.subscribe_data(DataType(LiquidationMapSnapshot, metadata=metadata))

    def on_bar(self, bar: Bar) -> None:
        """Track the last close."""
        self._last_close = bar.close.as_double()

    def on_data(self, data: Data) -> None:
        """Keep the live clusters; decide on each snapshot."""
        if isinstance(data, CustomData):
            data = data.data
        if isinstance(data, LiquidationCluster):
            self.clusters_received += 1
            if data.status == "CLEARED":
                self.clusters.pop(data.cluster_id, None)
            else:
                self.clusters[data.cluster_id] = data
        elif isinstance(data, LiquidationMapSnapshot):
            self.snapshots_received += 1
            # clusters not refreshed by this update are gone from the map
            self.clusters = {k: c for k, c in self.clusters.items() if c.ts_event == data.ts_event}
            self._decide(data)

    def _decide(self, snapshot: LiquidationMapSnapshot) -> None:
        if not self.portfolio.is_flat(self.config.instrument_id):
            return
        if self.cache.orders_open(instrument_id=self.config.instrument_id):
            return
        price = self._last_close or snapshot.price
        cfg = self.config
        candidates = [
            c for c in self.clusters.values()
            if c.strength >= cfg.min_strength
            and cfg.min_distance_pct <= abs(c.distance_pct) <= cfg.max_distance_pct
            and c.notional_usd >= cfg.min_notional_usd
            and ((c.side == "SHORT" and c.price_level > price) or (c.side == "LONG" and c.price_level < price))
        ]
        if not candidates:
            return
        target = max(candidates, key=lambda c: (c.strength, -abs(c.distance_pct)))
        side = OrderSide.BUY if target.side == "SHORT" else OrderSide.SELL
        stop = self._stop_price(price, side)
        if stop is None:
            self.log.info(f"no stop outside the known clusters for cluster {target.cluster_id}; no trade")
            return
        take_profit = target.price_level
        risk = abs(price - stop)
        record = {
            "ts": snapshot.ts_event,
            "symbol": cfg.instrument_id.value,
            "signal": "LONG" if side == OrderSide.BUY else "SHORT",
            "entry": price,
            "stop_loss": stop,
            "take_profit": take_profit,
            "confidence": target.strength,
            "risk_reward": abs(take_profit - price) / risk if risk > 0 else float("inf"),
            "reason": f"{target.side}-side cluster {target.distance_pct:+.2f}% away, "
            f"{target.notional_usd:,.0f} USD, strength {target.strength:.2f}",
            "cluster_id": target.cluster_id,
            "support": snapshot.nearest_below_price,
            "resistance": snapshot.nearest_above_price,
            "sentiment": snapshot.bias,
        }
        self.signals.append(record)
        self.log.info(f"trade signal {json.dumps(record)}")
        order_list = self.order_factory.bracket(
            instrument_id=cfg.instrument_id,
            order_side=side,
            quantity=self.instrument.make_qty(cfg.trade_size),
            sl_trigger_price=self.instrument.make_price(stop),
            tp_price=self.instrument.make_price(take_profit),
            tp_post_only=False,
        )
        self.submit_order_list(order_list)

    def _stop_price(self, price: float, side: OrderSide) -> float | None:
        """Stop beyond the nearest opposite-side cluster; ``None`` when it would fall inside a cluster."""
        cfg = self.config
        buffer = price * cfg.stop_buffer_pct / 100.0
        max_dist = price * cfg.max_stop_pct / 100.0
        if side == OrderSide.BUY:
            below = [c for c in self.clusters.values() if c.side == "LONG" and price - c.price_low <= max_dist]
            stop = min(below, key=lambda c: price - c.price_high).price_low - buffer if below else (
                price * (1.0 - cfg.default_stop_pct / 100.0))
            for c in sorted(self.clusters.values(), key=lambda c: -c.price_high):
                if c.price_low <= stop <= c.price_high:
                    stop = c.price_low - buffer
            return self._outside_clusters(max(stop, price - max_dist))
        above = [c for c in self.clusters.values() if c.side == "SHORT" and c.price_high - price <= max_dist]
        stop = max(above, key=lambda c: price - c.price_low).price_high + buffer if above else (
            price * (1.0 + cfg.default_stop_pct / 100.0))
        for c in sorted(self.clusters.values(), key=lambda c: c.price_low):
            if c.price_low <= stop <= c.price_high:
                stop = c.price_high + buffer
        return self._outside_clusters(min(stop, price + max_dist))

    def _outside_clusters(self, stop: float) -> float | None:
        inside = any(c.price_low <= stop <= c.price_high for c in self.clusters.values())
        return None if inside else stop

    def on_stop(self) -> None:
        """Cancel open orders and flatten."""
        self.cancel_all_orders(self.config.instrument_id)
        self.close_all_positions(self.config.instrument_id)

    def on_reset(self) -> None:
        """Forget clusters and signals."""
        self.clusters.clear()
        self.signals.clear()
        self.clusters_received = self.snapshots_received = 0
        self._last_close = None
