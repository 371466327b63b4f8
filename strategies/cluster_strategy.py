"""``ClusterStrategy``: what every liquidation-map strategy shares, written once.

- subscriptions to the bars and to the ``LiquidationCluster`` / ``LiquidationMapSnapshot`` data of one instrument
  (``DataType(cls, metadata={"instrument_id": "<id>"})``, as ``LiquidationMapActor`` publishes them), kept in a
  :class:`~strategies.cluster_book.ClusterBook`; subclasses decide in :meth:`ClusterStrategy.on_map_update`;
- stops outside every cluster, behind a chosen cluster or behind the nearest cluster on the stop side
  (:mod:`strategies.stops`);
- the playbook's "trade toward a cluster" entry, written once (:meth:`ClusterStrategy.enter_toward`: take-profit at
  the cluster, stop behind the nearest cluster on the other side);
- risk per trade as a fraction of equity (size from the stop distance, rounded to the size increment, capped by
  ``max_leverage``), optionally scaled by an :class:`~strategies.oi_sizer.OISizer`;
- bracket orders and their life (rejects, partial fills, time stop, records):
  :class:`~strategies.brackets.BracketStrategy`.
"""

import math
from decimal import Decimal

from nautilus_trader.core.data import Data
from nautilus_trader.model.data import Bar, CustomData, DataType
from nautilus_trader.model.enums import PositionSide

from liqheat_nautilus.core.enums import Side
from liqheat_nautilus.data import LiquidationCluster, LiquidationMapSnapshot
from liqheat_nautilus.equity import instrument_equity
from liqheat_nautilus.signals import Sentiment, SignalAction, risk_reward, sentiment_from_bias
from strategies.brackets import BracketStrategy
from strategies.cluster_book import ClusterBook
from strategies.cluster_config import ClusterStrategyConfig, check_ranges
from strategies.oi_sizer import OISizer
from strategies.sizing import leverage_cap, risk_quantity, round_quantity
from strategies.stops import direction, stop_behind_zone, stop_outside_zones, stop_side_edge


def trade_toward(cluster_side: Side) -> PositionSide:
    """
    Return the trade that moves with price toward a cluster of liquidations.

    Short positions are liquidated above price (a rise forces their buy-backs), long positions below it.

    Parameters
    ----------
    cluster_side : Side
        The side whose positions the cluster would liquidate.

    Returns
    -------
    PositionSide
        ``LONG`` toward a short-side cluster, ``SHORT`` toward a long-side one.
    """
    return PositionSide.LONG if Side(cluster_side) == Side.SHORT else PositionSide.SHORT


def pct_away(price: float, level: float) -> float:
    """
    Return the signed distance from ``price`` to ``level`` in percent of ``price``.

    Parameters
    ----------
    price, level : float
        Prices (> 0).

    Returns
    -------
    float
        ``(level / price - 1) x 100``: positive when ``level`` is above ``price``.
    """
    return (level / price - 1.0) * 100.0


class ClusterStrategy(BracketStrategy):
    """
    Base class of the liquidation-map strategies (see the module docstring for what it handles).

    Subclasses implement :meth:`on_map_update` (called once per map update, after its clusters and snapshot
    are in :attr:`book`) and optionally :meth:`on_price` (each bar), and enter with :meth:`enter`. A backtest or
    live file with one of them needs a ``LiquidationMapActor`` of the same instrument (``trades_on_map_signals``,
    checked by :func:`liqheat_nautilus.components.check_map_signals`).

    Parameters
    ----------
    config : ClusterStrategyConfig
        The configuration.

    Raises
    ------
    ValueError
        If ``risk_per_trade`` is outside (0, 1) without a ``trade_size``, ``trade_size`` is not positive, the
        emulation trigger is unknown, the OI sizer config is inconsistent, or a field of the config is outside its
        range (:func:`~strategies.cluster_config.check_ranges`: e.g. ``min_strength`` outside [0, 1],
        ``default_stop_pct <= 0``, ``min_distance_pct >= max_distance_pct``); the message names the field.
    """

    trades_on_map_signals = True
    """It subscribes to the ``LiquidationCluster`` / ``LiquidationMapSnapshot`` data of a map actor."""

    def __init__(self, config: ClusterStrategyConfig) -> None:
        super().__init__(config)
        check_ranges(config)
        self.instrument = None
        self.book = ClusterBook()
        self.sizer = OISizer(config.oi_sizer) if config.oi_sizer is not None else None
        self.clusters_received = 0
        self.snapshots_received = 0
        self.last_close: float | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------

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

    def on_reset(self) -> None:
        """Forget the map, the signals and the order bookkeeping."""
        super().on_reset()
        self.book.reset()
        self.clusters_received = self.snapshots_received = 0
        self.last_close = None

    # -- data ----------------------------------------------------------------------------------------------

    def on_bar(self, bar: Bar) -> None:
        """Track the price, cancel left-over children, apply the time stop, then call :meth:`on_price`.

        Parameters
        ----------
        bar : Bar
            A bar (others than ``config.bar_type`` are ignored).
        """
        if bar.bar_type != self.config.bar_type:
            return
        self.last_close = bar.close.as_double()
        self.cancel_leftovers()
        if self.config.time_stop_minutes > 0:
            self.apply_time_stop(bar.ts_event)
        self.on_price(bar)

    def on_data(self, data: Data) -> None:
        """Keep the clusters; on each snapshot close the update and call :meth:`on_map_update`.

        Parameters
        ----------
        data : Data
            A ``LiquidationCluster`` or ``LiquidationMapSnapshot`` (bare or in ``CustomData``).
        """
        if isinstance(data, CustomData):
            data = data.data
        if isinstance(data, LiquidationCluster):
            self.clusters_received += 1
            self.book.on_cluster(data)
        elif isinstance(data, LiquidationMapSnapshot):
            self.snapshots_received += 1
            self.book.on_snapshot(data)
            self.on_map_update(data)

    def on_map_update(self, snapshot: LiquidationMapSnapshot) -> None:
        """
        Decide on a map update (override).

        Parameters
        ----------
        snapshot : LiquidationMapSnapshot
            The update's snapshot; its clusters are in :attr:`book`.
        """

    def on_price(self, bar: Bar) -> None:
        """
        React to a bar of ``config.bar_type`` (override; default: nothing).

        Parameters
        ----------
        bar : Bar
            A bar of ``config.bar_type``.
        """

    # -- state -----------------------------------------------------------------------------------------------

    @property
    def price(self) -> float:
        """The last bar close, else the latest snapshot's price, else ``nan``."""
        if self.last_close is not None:
            return self.last_close
        return self.book.snapshot.price if self.book.snapshot is not None else math.nan

    def equity(self) -> float:
        """
        Return the account equity in the instrument's settlement currency.

        Total balance plus the unrealized PnL of the instrument's open positions
        (:func:`~liqheat_nautilus.equity.instrument_equity`).

        Returns
        -------
        float
            ``nan`` if the venue has no account yet.
        """
        return instrument_equity(self.portfolio, self.config.instrument_id, self.instrument.get_settlement_currency())

    def levels(self) -> tuple[float, float]:
        """
        Return the nearest support (long-side cluster below) and resistance (short-side cluster above) levels.

        Returns
        -------
        tuple[float, float]
            ``(support, resistance)`` prices, ``nan`` where none.
        """
        price = self.price
        support = self.book.support(price)
        resistance = self.book.resistance(price)
        return (support.price_level if support else math.nan, resistance.price_level if resistance else math.nan)

    def market_context(self) -> tuple[float, float, Sentiment]:
        """
        Return the levels and the sentiment of the latest snapshot's magnet bias, for the records.

        Returns
        -------
        tuple[float, float, Sentiment]
            ``(support, resistance, sentiment)``: :meth:`levels` and the magnet bias's sentiment (``NEUTRAL``
            before the first snapshot).
        """
        snapshot = self.book.snapshot
        return (*self.levels(), sentiment_from_bias(snapshot.bias) if snapshot is not None else Sentiment.NEUTRAL)

    # -- stops ---------------------------------------------------------------------------------------------

    def stop_beyond(self, entry: float, side: PositionSide, initial_stop: float | None = None) -> float | None:
        """
        Return a stop-loss outside every live cluster (see :func:`strategies.stops.stop_outside_zones`).

        Parameters
        ----------
        entry : float
            Entry price.
        side : PositionSide
            The position protected.
        initial_stop : float, optional
            Desired stop; default ``default_stop_pct`` away from the entry.

        Returns
        -------
        float or None
            ``None`` when no stop within ``max_stop_pct`` lies outside the clusters.
        """
        cfg = self.config
        if initial_stop is None:
            initial_stop = entry * (1.0 - direction(side) * cfg.default_stop_pct / 100.0)
        return stop_outside_zones(entry, side, initial_stop, self.book.zones(), cfg.stop_buffer_pct,
                                  cfg.max_stop_pct)

    def stop_behind(self, cluster: LiquidationCluster, side: PositionSide) -> float | None:
        """
        Return a stop ``stop_buffer_pct`` beyond the cluster's far edge on the stop side, outside every cluster.

        Parameters
        ----------
        cluster : LiquidationCluster
            The cluster to hide the stop behind.
        side : PositionSide
            The position protected (a long's stop goes below ``price_low``, a short's above ``price_high``).

        Returns
        -------
        float or None
            As :meth:`stop_beyond`.
        """
        initial = stop_behind_zone(cluster.price_low, cluster.price_high, side, self.config.stop_buffer_pct)
        return self.stop_beyond(self.price, side, initial)

    def stop_behind_nearest(self, side: PositionSide) -> float | None:
        """
        Return a stop behind the nearest cluster on the stop side, else ``default_stop_pct`` away.

        The cluster behind a long is the support, behind a short the resistance; it is used when its far edge
        lies within ``max_stop_pct`` of price. Either way the stop ends outside every cluster.

        Parameters
        ----------
        side : PositionSide
            The position protected.

        Returns
        -------
        float or None
            As :meth:`stop_beyond`.
        """
        price = self.price
        behind = self.book.support(price) if side == PositionSide.LONG else self.book.resistance(price)
        if behind is not None:
            edge = stop_side_edge(behind.price_low, behind.price_high, side)
            if abs(pct_away(price, edge)) <= self.config.max_stop_pct:
                return self.stop_behind(behind, side)
        return self.stop_beyond(price, side)

    # -- entries -------------------------------------------------------------------------------------------

    def quantity_for(self, side: PositionSide, entry: float, stop: float) -> tuple[Decimal, str]:
        """
        Return the entry quantity and how it was sized.

        Fixed (``trade_size``) or risk-based (:func:`~strategies.sizing.risk_quantity`), times the OI sizer's
        multiplier when configured, capped at ``max_leverage`` x equity of notional (Nautilus'
        ``Instrument.notional_value``).

        Parameters
        ----------
        side : PositionSide
            The position to open.
        entry, stop : float
            Prices.

        Returns
        -------
        tuple[Decimal, str]
            The quantity (contracts) rounded down to the size increment (0 if below the minimum) and a note on
            how it was sized.
        """
        cfg = self.config
        inst = self.instrument
        min_qty = inst.min_quantity.as_decimal() if inst.min_quantity is not None else None
        equity = self.equity()
        if cfg.trade_size is not None:
            quantity, note = float(cfg.trade_size), f"fixed size {cfg.trade_size}"
        else:
            quantity = float(risk_quantity(inst, equity, cfg.risk_per_trade, entry, stop))
            note = f"risk {cfg.risk_per_trade:.2%} of equity {equity:,.2f}"
        if self.sizer is not None and self.book.snapshot is not None:
            s = self.book.snapshot
            mult = self.sizer.multiplier(side, s.total_oi_usd, s.long_liquidation_usd, s.short_liquidation_usd)
            quantity *= mult
            ratio, what = self.sizer.decisive_ratio(s.long_liquidation_usd, s.short_liquidation_usd)
            note += f", OI sizer x{mult:.2f} (OI {s.total_oi_usd / 1e6:,.0f} M USD, {what} {ratio:.2f})"
        cap = leverage_cap(inst, equity, cfg.max_leverage, entry)
        if quantity > cap:
            quantity = cap
            note += f", capped at {cfg.max_leverage:g}x equity"
        return round_quantity(quantity, inst.size_increment.as_decimal(), min_qty), note

    def enter(
        self,
        side: PositionSide,
        stop_loss: float | None,
        take_profit: float,
        *,
        confidence: float,
        reason: str,
        cluster_id: int = -1,
        trailing_offset_bps: float = 0.0,
    ) -> bool:
        """
        Submit a bracket (market entry, stop-loss, take-profit; OUO children) at the current price.

        Skips (with a ``SKIP`` record) when there is no stop (``None``: no stop outside the clusters), the bracket
        is not ordered (stop, entry, take-profit), the risk/reward is below ``min_risk_reward`` or the size
        rounds to zero.

        Parameters
        ----------
        side : PositionSide
            ``LONG`` or ``SHORT``.
        stop_loss : float or None
            Stop price; ``None`` when the strategy found no stop outside the clusters.
        take_profit : float
            Price.
        confidence : float
            In [0, 1].
        reason : str
            Why (goes into the record).
        cluster_id : int, optional
            The cluster behind the trade.
        trailing_offset_bps : float, default 0.0
            As in :meth:`~strategies.brackets.BracketStrategy.submit_bracket` (> 0: a trailing stop-loss).

        Returns
        -------
        bool
            Whether a bracket was submitted.
        """
        entry = self.price
        common = {"entry": entry, "take_profit": take_profit, "confidence": confidence, "cluster_id": cluster_id}
        if stop_loss is None:
            self.record(SignalAction.SKIP, side, reason=f"no stop outside the clusters; {reason}", **common)
            return False
        sign = direction(side)
        inst = self.instrument
        stop_loss = inst.make_price(stop_loss).as_double()  # on the tick grid, as the orders will be
        take_profit = inst.make_price(take_profit).as_double()
        common.update(stop_loss=stop_loss, take_profit=take_profit)
        skip = None
        if not (sign * (entry - stop_loss) > 0 and sign * (take_profit - entry) > 0):
            skip = "bracket not ordered around the entry"
        elif (rr := risk_reward(entry, stop_loss, take_profit)) < self.config.min_risk_reward:
            skip = f"risk/reward {rr:.2f} < {self.config.min_risk_reward}"
        else:
            quantity, note = self.quantity_for(side, entry, stop_loss)
            if quantity <= 0:
                skip = f"size rounds to zero ({note})"
        if skip is not None:
            self.record(SignalAction.SKIP, side, reason=f"{skip}; {reason}", **common)
            return False
        record = self.record(SignalAction.ENTER, side, quantity=float(quantity), reason=f"{reason}; {note}",
                             **common)
        self.submit_bracket(side, quantity, stop_loss, take_profit, record, trailing_offset_bps)
        return True

    def enter_toward(self, target: LiquidationCluster, reason: str) -> bool:
        """
        Trade toward a cluster: take-profit at its level, stop behind the nearest cluster on the other side.

        The side is :func:`trade_toward` the cluster's side, the stop :meth:`stop_behind_nearest`, the confidence
        the cluster's strength.

        Parameters
        ----------
        target : LiquidationCluster
            The cluster price is expected to reach.
        reason : str
            Why (goes into the record).

        Returns
        -------
        bool
            As :meth:`enter`.
        """
        side = trade_toward(target.side)
        return self.enter(side, self.stop_behind_nearest(side), target.price_level, confidence=target.strength,
                          reason=reason, cluster_id=target.cluster_id)
