"""Support / resistance: liquidation clusters as levels.

Rule (the product's trading playbook): long-side clusters below price are support, short-side clusters above are
resistance (``strength >= min_strength``). Go long when price is within ``entry_zone_pct`` above support, short
when within ``entry_zone_pct`` below resistance. Exit at the opposite level (take-profit) or when the level breaks:
the stop sits beyond the level's far edge, and a bar closing beyond that edge closes the position at market.
"""

import math

from nautilus_trader.model.data import Bar
from nautilus_trader.model.enums import PositionSide

from liqheat_nautilus.data import LiquidationMapSnapshot
from strategies.cluster_strategy import ClusterStrategy, ClusterStrategyConfig, pct_away
from strategies.stops import direction, stop_side_edge


class SupportResistanceConfig(ClusterStrategyConfig, frozen=True):
    """
    Configuration of :class:`SupportResistanceStrategy`: which levels count, the entry zone and the exits.

    Plus the shared fields of :class:`~strategies.cluster_strategy.ClusterStrategyConfig`.

    Parameters
    ----------
    min_strength : float, default 0.5
        Minimum strength of a level's cluster.
    entry_zone_pct : float, default 1.0
        Enter when price is at most this far (percent) above support / below resistance.
    fallback_reward_risk : float, default 2.0
        Take-profit at ``fallback_reward_risk`` x the stop distance when there is no opposite level.
    exit_on_break : bool, default True
        Close at market when a bar closes beyond the level's far edge.
    """

    min_strength: float = 0.5
    entry_zone_pct: float = 1.0
    fallback_reward_risk: float = 2.0
    exit_on_break: bool = True


class SupportResistanceStrategy(ClusterStrategy):
    """
    Trades bounces off liquidation-cluster support and resistance.

    Parameters
    ----------
    config : SupportResistanceConfig
        The levels' minimum strength, the entry zone, the fallback target and the break exit.
    """

    def __init__(self, config: SupportResistanceConfig) -> None:
        super().__init__(config)
        self._break_level: tuple[int, float] | None = None  # (sign of the trade, price beyond which the level broke)

    def on_reset(self) -> None:
        """Forget the level being defended."""
        super().on_reset()
        self._break_level = None

    def on_map_update(self, snapshot: LiquidationMapSnapshot) -> None:
        """
        Enter on the nearer qualifying level when price is in its entry zone.

        Parameters
        ----------
        snapshot : LiquidationMapSnapshot
            The update's snapshot (price, magnet, bias); its clusters are in :attr:`book`.
        """
        if not self.has_capacity():
            return
        cfg = self.config
        price = self.price
        support = self.book.support(price, cfg.min_strength)
        resistance = self.book.resistance(price, cfg.min_strength)
        setups = []
        if support is not None and pct_away(support.price_level, price) <= cfg.entry_zone_pct:
            setups.append((price - support.price_level, PositionSide.LONG, support, resistance))
        if resistance is not None and -pct_away(resistance.price_level, price) <= cfg.entry_zone_pct:
            setups.append((resistance.price_level - price, PositionSide.SHORT, resistance, support))
        if not setups:
            return
        _, side, level, opposite = min(setups, key=lambda s: s[0])
        sign = direction(side)
        stop = self.stop_behind(level, side)
        reason = (f"{'support' if sign > 0 else 'resistance'} {level.price_level:.4f} "
                  f"({level.side}-side, strength {level.strength:.2f}) "
                  f"{abs(pct_away(level.price_level, price)):.2f}% away")
        if opposite is not None:
            take_profit = opposite.price_level
            reason += f"; target the opposite level {take_profit:.4f}"
        elif stop is not None:
            take_profit = price + sign * cfg.fallback_reward_risk * abs(price - stop)
            reason += f"; no opposite level, target {cfg.fallback_reward_risk}R"
        else:
            take_profit = math.nan
        if self.enter(side, stop, take_profit, confidence=level.strength, reason=reason,
                      cluster_id=level.cluster_id):
            self._break_level = (sign, stop_side_edge(level.price_low, level.price_high, side))

    def on_price(self, bar: Bar) -> None:
        """
        Close at market when a bar of ``config.bar_type`` closes beyond the defended level (a break).

        Parameters
        ----------
        bar : Bar
            A bar of ``config.bar_type`` (its close is compared with the level).
        """
        if self._break_level is None:
            return
        if not self.open_positions():
            if not self.brackets:  # position gone and no entry working: nothing to defend
                self._break_level = None
            return
        sign, edge = self._break_level
        close = bar.close.as_double()
        if self.config.exit_on_break and not math.isnan(edge) and sign * (close - edge) < 0:
            self.exit_all(f"level {edge:.4f} broken (close {close:.4f})")
            self._break_level = None
