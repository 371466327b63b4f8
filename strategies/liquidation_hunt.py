"""Liquidation hunt: trade toward a strong liquidation cluster near price with a bracket order.

Rule (the product's trading playbook): a strong cluster (``strength >= min_strength``) within
``max_distance_pct`` of price, with at least ``min_notional_usd``:

- a ``SHORT``-side cluster above price (short liquidations would push price up) -> go long toward it;
- a ``LONG``-side cluster below price -> go short toward it.

Take-profit at the cluster's ``price_level``; stop-loss beyond the nearest cluster on the opposite side (or
``default_stop_pct`` away when there is none within ``max_stop_pct``), never inside a known cluster.
"""

from liqheat_nautilus.data import LiquidationMapSnapshot
from strategies.cluster_strategy import ClusterStrategy, ClusterStrategyConfig, pct_away


class LiquidationHuntConfig(ClusterStrategyConfig, frozen=True):
    """
    Configuration of :class:`LiquidationHuntStrategy`: which clusters are worth trading toward.

    Plus the shared fields of :class:`~strategies.cluster_strategy.ClusterStrategyConfig`.

    Parameters
    ----------
    min_strength : float, default 0.6
        Minimum cluster strength in [0, 1].
    max_distance_pct : float, default 2.0
        Maximum |distance| from price to the cluster level (percent, exclusive).
    min_distance_pct : float, default 0.2
        Minimum |distance| (percent), so that the take-profit is worth the fees.
    min_notional_usd : float, default 0.0
        Minimum cluster notional (USD).
    """

    min_strength: float = 0.6
    max_distance_pct: float = 2.0
    min_distance_pct: float = 0.2
    min_notional_usd: float = 0.0


class LiquidationHuntStrategy(ClusterStrategy):
    """
    Enters toward strong liquidation clusters published by ``LiquidationMapActor``.

    Decides on each map update (snapshot), one position at a time unless ``max_positions`` says otherwise.
    The target is the strongest qualifying cluster (nearest on ties).

    Parameters
    ----------
    config : LiquidationHuntConfig
        The configuration.
    """

    def on_map_update(self, snapshot: LiquidationMapSnapshot) -> None:
        """
        Enter toward the strongest qualifying cluster ahead of price (nearest on ties).

        Parameters
        ----------
        snapshot : LiquidationMapSnapshot
            The update's snapshot (price, magnet, bias); its clusters are in :attr:`book`.
        """
        if not self.has_capacity():
            return
        cfg = self.config
        price = self.price
        candidates = [c for c in self.book.ahead(price, cfg.min_strength)
                      if cfg.min_distance_pct <= abs(pct_away(price, c.price_level)) < cfg.max_distance_pct
                      and c.notional_usd >= cfg.min_notional_usd]
        if not candidates:
            return
        target = max(candidates, key=lambda c: (c.strength, -abs(c.price_level - price)))
        self.enter_toward(target, f"{target.side}-side cluster {pct_away(price, target.price_level):+.2f}% away, "
                                  f"{target.notional_usd:,.0f} USD, strength {target.strength:.2f}")
