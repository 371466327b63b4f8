"""Cluster breakout: trade the continuation when price clears a liquidation cluster.

Rule (the product's trading playbook): when a cluster changes to ``CLEARED`` (price went through it and the
liquidations there have fired), trade the continuation: long-side cluster cleared (price broke down) -> short;
short-side cluster cleared (price broke up) -> long. The stop goes back beyond the cleared zone (a failed break),
trailing behind the market by ``trailing_stop_bps``; a time stop closes what the trail has not.
"""

from nautilus_trader.model.enums import PositionSide

from liqheat_nautilus.core.enums import Side
from liqheat_nautilus.data import LiquidationMapSnapshot
from strategies.cluster_strategy import ClusterStrategy, ClusterStrategyConfig, pct_away, trade_toward
from strategies.stops import direction


class ClusterBreakoutConfig(ClusterStrategyConfig, frozen=True):
    """
    Configuration of :class:`ClusterBreakoutStrategy`: which cleared clusters to follow and how to exit.

    Plus the shared fields of :class:`~strategies.cluster_strategy.ClusterStrategyConfig` (``time_stop_minutes``
    defaults to 240 here).

    Parameters
    ----------
    min_strength : float, default 0.5
        Minimum strength the cluster had while live.
    min_notional_usd : float, default 0.0
        Minimum notional of the cleared cluster (USD).
    require_transition : bool, default True
        Only trade clusters this strategy saw live before (a real ``ACTIVE``/``PARTIAL`` -> ``CLEARED`` change).
    max_chase_pct : float, default 1.0
        Skip when price is already farther than this (percent, > 0) beyond the cleared zone.
    trailing_stop_bps : float, default 100.0
        Trailing offset of the stop (basis points; 0 = fixed stop).
    take_profit_pct : float, default 3.0
        Take-profit distance (percent) when there is no next cluster in the breakout direction.
    time_stop_minutes : int, default 240
        Close a position held this long.
    """

    min_strength: float = 0.5
    min_notional_usd: float = 0.0
    require_transition: bool = True
    max_chase_pct: float = 1.0
    trailing_stop_bps: float = 100.0
    take_profit_pct: float = 3.0
    time_stop_minutes: int = 240


class ClusterBreakoutStrategy(ClusterStrategy):
    """
    Trades the continuation through cleared liquidation clusters.

    Parameters
    ----------
    config : ClusterBreakoutConfig
        The cleared clusters to follow, the chase limit, the trailing stop and the targets.
    """

    def on_map_update(self, snapshot: LiquidationMapSnapshot) -> None:
        """
        Enter on the strongest qualifying cluster this update cleared, in the direction of the break.

        Parameters
        ----------
        snapshot : LiquidationMapSnapshot
            The update's snapshot (price, magnet, bias); its clusters are in :attr:`book`.
        """
        if not self.has_capacity() or not self.book.cleared:
            return
        cfg = self.config
        price = self.price
        candidates = []
        for cleared in self.book.cleared:
            c = cleared.cluster
            if cfg.require_transition and cleared.previous is None:
                continue
            if cleared.strength < cfg.min_strength or c.notional_usd < cfg.min_notional_usd:
                continue
            # continuation still holds: price beyond the zone, not too far
            beyond = pct_away(c.price_high, price) if c.side == Side.SHORT else -pct_away(c.price_low, price)
            if 0.0 < beyond <= cfg.max_chase_pct:
                candidates.append(cleared)
        if not candidates:
            return
        best = max(candidates, key=lambda x: x.strength)
        c = best.cluster
        side = trade_toward(c.side)  # the continuation
        stop = self.stop_behind(c, side)  # back through the whole zone = failed break
        reason = (f"{c.side}-side cluster {c.price_low:.4f}-{c.price_high:.4f} cleared "
                  f"({c.notional_usd:,.0f} USD, strength {best.strength:.2f}); continuation")
        nxt = self.book.resistance(price) if side == PositionSide.LONG else self.book.support(price)
        if nxt is not None:
            take_profit = nxt.price_level
            reason += f"; target the next cluster {take_profit:.4f}"
        else:
            take_profit = price * (1.0 + direction(side) * cfg.take_profit_pct / 100.0)
            reason += f"; target {cfg.take_profit_pct}%"
        self.enter(side, stop, take_profit, confidence=best.strength, reason=reason, cluster_id=c.cluster_id,
                   trailing_offset_bps=cfg.trailing_stop_bps)
