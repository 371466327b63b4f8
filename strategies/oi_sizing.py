"""OI-sized magnet strategy: the example strategy of :class:`~strategies.oi_sizer.OISizer`.

Rule: follow the map's magnet bias toward the nearest cluster in its direction (bias ``UP`` -> long toward the
nearest short-side cluster above; ``DOWN`` -> short toward the nearest long-side cluster below), stop beyond the
nearest cluster behind the entry; every position is sized by risk and then by the OI sizer: the open-interest
tier multiplier times the long/short skew (see :mod:`strategies.oi_sizer`). The skew uses the venue's real
long/short ratio when the data holds one (:class:`~liqheat_nautilus.data.LongShortRatio` of the instrument, of the
sizer's ``ratio_kind``: the Binance ``metrics`` archives and the OKX sample carry them), else the map's long/short
liquidation ratio.
"""

from nautilus_trader.core.data import Data
from nautilus_trader.model.data import CustomData, DataType

from liqheat_nautilus.core.enums import Bias
from liqheat_nautilus.data import LiquidationMapSnapshot, LongShortRatio
from strategies.cluster_strategy import ClusterStrategy, ClusterStrategyConfig, pct_away
from strategies.oi_sizer import OISizerConfig


class OISizedMagnetConfig(ClusterStrategyConfig, frozen=True):
    """
    Configuration of :class:`OISizedMagnetStrategy`: the sizer and the target cluster's strength and distance.

    Plus the shared fields of :class:`~strategies.cluster_strategy.ClusterStrategyConfig`.

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
        self.ratios_received = 0

    def on_start(self) -> None:
        """Subscribe as the base strategy does, and to the venue's long/short ratios."""
        super().on_start()
        if self.instrument is not None:
            self.subscribe_data(DataType(LongShortRatio))

    def on_reset(self) -> None:
        """Forget the map and the venue ratio."""
        super().on_reset()
        self.sizer.reset()
        self.ratios_received = 0

    def on_data(self, data: Data) -> None:
        """
        Feed the instrument's long/short ratios to the sizer; clusters and snapshots as the base strategy.

        Parameters
        ----------
        data : Data
            A ``LongShortRatio``, ``LiquidationCluster`` or ``LiquidationMapSnapshot`` (bare or in ``CustomData``).
        """
        inner = data.data if isinstance(data, CustomData) else data
        if isinstance(inner, LongShortRatio):
            if inner.instrument_id == self.config.instrument_id and self.sizer.update_ratio(inner.ratio, inner.kind):
                self.ratios_received += 1
            return
        super().on_data(data)

    def on_map_update(self, snapshot: LiquidationMapSnapshot) -> None:
        """
        Enter in the bias direction toward the nearest qualifying cluster (bias ``UP``: above, ``DOWN``: below).

        Parameters
        ----------
        snapshot : LiquidationMapSnapshot
            The update's snapshot (price, magnet, bias); its clusters are in :attr:`book`.
        """
        if not self.has_capacity() or snapshot.bias not in (Bias.UP, Bias.DOWN):
            return
        cfg = self.config
        price = self.price
        target = (self.book.resistance(price, cfg.min_strength) if snapshot.bias == Bias.UP
                  else self.book.support(price, cfg.min_strength))
        if target is None:
            return
        distance = abs(pct_away(price, target.price_level))
        if not cfg.min_distance_pct <= distance <= cfg.max_distance_pct:
            return
        self.enter_toward(target, f"magnet bias {snapshot.bias} (net {snapshot.magnet_net:,.0f}); nearest "
                                  f"{target.side}-side cluster {distance:.2f}% away, strength {target.strength:.2f}")
