"""OI-sized magnet strategy: the example strategy of :class:`~strategies.oi_sizer.OISizer`.

Rule: follow the map's magnet bias toward the nearest cluster in its direction (bias ``UP`` -> long toward the
nearest short-side cluster above; ``DOWN`` -> short toward the nearest long-side cluster below), stop beyond the
nearest cluster behind the entry; every position is sized by risk and then by the OI sizer: the open-interest
tier multiplier times the long/short liquidation skew (see :mod:`strategies.oi_sizer`).
"""

from nautilus_trader.model.enums import PositionSide

from liqheat_nautilus.core.enums import Bias
from liqheat_nautilus.data import LiquidationMapSnapshot
from strategies.cluster_strategy import ClusterStrategy, ClusterStrategyConfig
from strategies.oi_sizer import OISizerConfig


class OISizedMagnetConfig(ClusterStrategyConfig, frozen=True):
    """
    Configuration of :class:`OISizedMagnetStrategy` (plus the shared fields of
    :class:`~strategies.cluster_strategy.ClusterStrategyConfig`).

    Parameters
    ----------
    oi_sizer : OISizerConfig, default OISizerConfig()
        The sizer's thresholds (required here; the default is the playbook's 5 B / 1 B USD tiers).
    min_strength : float, default 0.3
        Minimum strength of the target cluster.
    min_distance_pct, max_distance_pct : float, default 0.3, 3.0
        Distance band (percent) of the target cluster.
    """

    oi_sizer: OISizerConfig | None = OISizerConfig()
    min_strength: float = 0.3
    min_distance_pct: float = 0.3
    max_distance_pct: float = 3.0


class OISizedMagnetStrategy(ClusterStrategy):
    """
    Follows the magnet bias, sized by open interest and liquidation imbalance.

    Parameters
    ----------
    config : OISizedMagnetConfig
        The configuration.

    Raises
    ------
    ValueError
        If ``oi_sizer`` is ``None`` (this strategy exists to demonstrate it).
    """

    def __init__(self, config: OISizedMagnetConfig) -> None:
        if config.oi_sizer is None:
            raise ValueError("OISizedMagnetConfig.oi_sizer must be set")
        super().__init__(config)

    def on_map_update(self, snapshot: LiquidationMapSnapshot) -> None:
        """Enter in the bias direction toward the nearest qualifying cluster.

        Parameters
        ----------
        snapshot : LiquidationMapSnapshot
            The update's snapshot; its clusters are in ``self.book``.
        """
        if not self.has_capacity() or snapshot.bias not in (Bias.UP, Bias.DOWN):
            return
        cfg = self.config
        price = self.price
        side = PositionSide.LONG if snapshot.bias == Bias.UP else PositionSide.SHORT
        target = (self.book.resistance(price, cfg.min_strength) if side == PositionSide.LONG
                  else self.book.support(price, cfg.min_strength))
        if target is None:
            return
        distance = abs(target.price_level / price - 1.0) * 100.0
        if not cfg.min_distance_pct <= distance <= cfg.max_distance_pct:
            return
        reason = (f"magnet bias {snapshot.bias} (net {snapshot.magnet_net:,.0f}); nearest {target.side}-side "
                  f"cluster {distance:.2f}% away, strength {target.strength:.2f}")
        self.enter(side, self.stop_behind_nearest(side), target.price_level, confidence=target.strength,
                   reason=reason, cluster_id=target.cluster_id)
