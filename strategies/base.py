"""``ClusterStrategy``: what every liquidation-map strategy shares, written once.

- subscriptions to the bars and to the ``LiquidationCluster`` / ``LiquidationMapSnapshot`` data of one instrument
  (``DataType(cls, metadata={"instrument_id": "<id>"})``, as ``LiquidationMapActor`` publishes them), kept in a
  :class:`~strategies.cluster_book.ClusterBook`; subclasses decide in :meth:`ClusterStrategy.on_map_update`;
- bracket entries (market entry, stop-loss and take-profit as an OUO pair, Nautilus ``order_factory.bracket``);
- at most ``max_positions`` positions (and pending entries) at a time per instrument;
- risk per trade as a fraction of equity (size from the stop distance, rounded to the size increment, capped by
  ``max_leverage``), optionally scaled by an :class:`~strategies.oi_sizer.OISizer`;
- rejects (entry: recorded, nothing left behind; stop-loss: the unprotected position is closed), partial fills (an
  entry canceled or expired after a partial fill leaves its children sized to the filled quantity, with a
  ``PARTIAL`` record; children that the venue cancels with the entry, as Nautilus' simulated exchange does for an
  OTO parent, are submitted again for the quantity held), an optional time stop, flat at strategy stop;
- a :class:`~strategies.signals.TradeSignal` record for every decision, in :attr:`ClusterStrategy.signals` and the log.
"""

import json
import math
from dataclasses import dataclass, field
from decimal import Decimal

from nautilus_trader.config import StrategyConfig
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import Bar, BarType, CustomData, DataType
from nautilus_trader.model.enums import (
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TrailingOffsetType,
    TriggerType,
    trigger_type_from_str,
)
from nautilus_trader.model.events import (
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    PositionClosed,
)
from nautilus_trader.model.identifiers import ClientOrderId, InstrumentId, PositionId
from nautilus_trader.trading.strategy import Strategy

from liqheat_nautilus.core.units import NS_PER_MINUTE
from liqheat_nautilus.data import LiquidationCluster, LiquidationMapSnapshot
from strategies.cluster_book import ClusterBook
from strategies.oi_sizer import OISizer, OISizerConfig
from strategies.signals import SIGNALS_TOPIC, TradeSignal, encode_signal, risk_reward, sentiment_from_bias
from strategies.sizing import leverage_cap, risk_quantity, round_quantity
from strategies.stops import stop_outside_zones

LONG, SHORT = "LONG", "SHORT"


class ClusterStrategyConfig(StrategyConfig, frozen=True):
    """
    Settings shared by every liquidation-map strategy.

    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument traded (the one the map is built for).
    bar_type : BarType
        Bars giving the current price (and driving time stops).
    risk_per_trade : float, default 0.005
        Fraction of account equity lost if the stop is hit (0.005 = 0.5 %). Ignored when ``trade_size`` is set.
    trade_size : Decimal, optional
        Fixed order quantity (instrument size units) instead of risk sizing.
    max_leverage : float, default 3.0
        Cap on a position's notional as a multiple of equity, applied after the OI sizer, also to ``trade_size``
        (0 = no cap).
    max_positions : int, default 1
        Open positions plus pending entries allowed at once for the instrument (> 1 needs a ``HEDGING`` venue).
    min_risk_reward : float, default 0.0
        Skip setups whose ``|TP - entry| / |entry - SL|`` is below this.
    stop_buffer_pct : float, default 0.1
        Distance beyond a cluster edge for stops (percent of price).
    default_stop_pct : float, default 1.0
        Stop distance (percent) when the strategy has no cluster to anchor the stop.
    max_stop_pct : float, default 3.0
        Largest stop distance (percent).
    time_stop_minutes : int, default 0
        Close a position held this long (0 = off).
    oi_sizer : OISizerConfig, optional
        When set, every entry's size is multiplied by :class:`~strategies.oi_sizer.OISizer` (OI tier x skew).
    log_signals : bool, default True
        Log each trade-signal record as JSON at INFO level.
    emulation_trigger : str, default "NO_TRIGGER"
        Nautilus ``TriggerType`` name for emulating the bracket's stop-loss and take-profit locally with the
        ``OrderEmulator`` (e.g. ``"DEFAULT"``): the entry is sent alone and the children are released as single
        orders when triggered. Needed on venues whose Nautilus adapter refuses linked order lists (Binance in
        NautilusTrader 1.221 denies them with ``UNSUPPORTED_OCO_CONDITIONAL_ORDERS``).
    flatten_on_stop : bool, default True
        Cancel the instrument's orders and close its positions when the strategy stops (False keeps them, e.g.
        for a live node restarted with ``[shutdown] close_positions = false``).
    """

    instrument_id: InstrumentId
    bar_type: BarType
    risk_per_trade: float = 0.005
    trade_size: Decimal | None = None
    max_leverage: float = 3.0
    max_positions: int = 1
    min_risk_reward: float = 0.0
    stop_buffer_pct: float = 0.1
    default_stop_pct: float = 1.0
    max_stop_pct: float = 3.0
    time_stop_minutes: int = 0
    oi_sizer: OISizerConfig | None = None
    log_signals: bool = True
    emulation_trigger: str = "NO_TRIGGER"
    flatten_on_stop: bool = True


@dataclass
class _Bracket:
    """The three orders of one entry and the signal that produced them."""

    entry_id: ClientOrderId
    stop_id: ClientOrderId
    take_profit_id: ClientOrderId
    signal: TradeSignal
    replacements: set[ClientOrderId] = field(default_factory=set)  # children re-submitted by the strategy


class ClusterStrategy(Strategy):
    """
    Base class of the liquidation-map strategies (see the module docstring for what it handles).

    Subclasses implement :meth:`on_map_update` (called once per map update, after its clusters and snapshot
    are in :attr:`book`) and optionally :meth:`on_price` (each bar), and enter with :meth:`enter`.

    Parameters
    ----------
    config : ClusterStrategyConfig
        The configuration.

    Raises
    ------
    ValueError
        If ``max_positions < 1``, ``risk_per_trade`` is outside (0, 1) without a ``trade_size``, or the OI sizer
        config is inconsistent.
    """

    def __init__(self, config: ClusterStrategyConfig) -> None:
        super().__init__(config)
        if config.max_positions < 1:
            raise ValueError(f"{type(config).__name__}.max_positions must be >= 1, got {config.max_positions}")
        if config.trade_size is None and not 0.0 < config.risk_per_trade < 1.0:
            raise ValueError(f"{type(config).__name__}.risk_per_trade must be in (0, 1), "
                             f"got {config.risk_per_trade}")
        names = [t.name for t in TriggerType]
        if config.emulation_trigger not in names:  # trigger_type_from_str aborts the process on a bad name
            raise ValueError(f"{type(config).__name__}.emulation_trigger must be one of {names}, "
                             f"got {config.emulation_trigger!r}")
        self._emulation_trigger = trigger_type_from_str(config.emulation_trigger)
        self.instrument = None
        self.book = ClusterBook()
        self.sizer = OISizer(config.oi_sizer) if config.oi_sizer is not None else None
        self.signals: list[dict] = []
        self.clusters_received = 0
        self.snapshots_received = 0
        self.last_close: float | None = None
        self._brackets: dict[ClientOrderId, _Bracket] = {}  # by entry id, while the entry is working
        self._children: dict[ClientOrderId, _Bracket] = {}  # by stop-loss / take-profit id
        self._closing: set[PositionId] = set()  # positions with a strategy close order in flight

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

    def on_stop(self) -> None:
        """Flat at stop (unless ``flatten_on_stop`` is False): cancel the instrument's orders, close its positions."""
        if not self.config.flatten_on_stop:
            return
        self.cancel_all_orders(self.config.instrument_id)
        self.close_all_positions(self.config.instrument_id)

    def on_reset(self) -> None:
        """Forget the map, the signals and the order bookkeeping."""
        self.book.reset()
        self.signals.clear()
        self.clusters_received = self.snapshots_received = 0
        self.last_close = None
        self._brackets.clear()
        self._children.clear()
        self._closing.clear()

    # -- data ----------------------------------------------------------------------------------------------

    def on_bar(self, bar: Bar) -> None:
        """Track the price, apply the time stop, then call :meth:`on_price`.

        Parameters
        ----------
        bar : Bar
            A bar (others than ``config.bar_type`` are ignored).
        """
        if bar.bar_type != self.config.bar_type:
            return
        self.last_close = bar.close.as_double()
        if self.config.time_stop_minutes > 0:
            self._apply_time_stop(bar.ts_event)
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
        """

    # -- state helpers -------------------------------------------------------------------------------------

    @property
    def price(self) -> float:
        """The last bar close, else the latest snapshot's price, else ``nan``."""
        if self.last_close is not None:
            return self.last_close
        return self.book.snapshot.price if self.book.snapshot is not None else math.nan

    def open_positions(self) -> list:
        """This strategy's open positions in the instrument."""
        return self.cache.positions_open(instrument_id=self.config.instrument_id, strategy_id=self.id)

    def has_capacity(self) -> bool:
        """Whether another entry is allowed (open positions + working entries < ``max_positions``)."""
        return len(self.open_positions()) + len(self._brackets) < self.config.max_positions

    def equity(self) -> float:
        """
        Account equity in the instrument's settlement currency: total balance plus the unrealized PnL of the
        instrument's open positions (Nautilus portfolio, marked at the last price).

        Returns
        -------
        float
            ``nan`` if the venue has no account yet.
        """
        account = self.portfolio.account(self.config.instrument_id.venue)
        if account is None:
            return math.nan
        balance = account.balance_total(self.instrument.get_settlement_currency())
        if balance is None:
            return math.nan
        equity = balance.as_double()
        if not self.portfolio.is_flat(self.config.instrument_id):
            unrealized = self.portfolio.unrealized_pnl(self.config.instrument_id)
            if unrealized is not None:
                equity += unrealized.as_double()
        return equity

    def levels(self) -> tuple[float, float]:
        """
        The nearest support (long-side cluster below) and resistance (short-side cluster above) levels.

        Returns
        -------
        tuple[float, float]
            ``(support, resistance)``, ``nan`` where none.
        """
        price = self.price
        support = self.book.support(price)
        resistance = self.book.resistance(price)
        return (support.price_level if support else math.nan, resistance.price_level if resistance else math.nan)

    def stop_beyond(self, entry: float, direction: int, initial_stop: float | None = None) -> float | None:
        """
        A stop-loss outside every live cluster (see :func:`strategies.stops.stop_outside_zones`).

        Parameters
        ----------
        entry : float
            Entry price.
        direction : int
            ``+1`` long, ``-1`` short.
        initial_stop : float, optional
            Desired stop; default ``default_stop_pct`` away from the entry.

        Returns
        -------
        float or None
            ``None`` when no stop within ``max_stop_pct`` lies outside the clusters.
        """
        cfg = self.config
        if initial_stop is None:
            initial_stop = entry * (1.0 - direction * cfg.default_stop_pct / 100.0)
        return stop_outside_zones(entry, direction, initial_stop, self.book.zones(), cfg.stop_buffer_pct,
                                  cfg.max_stop_pct)

    # -- decisions -----------------------------------------------------------------------------------------

    def record(
        self,
        action: str,
        signal: str,
        *,
        entry: float = math.nan,
        stop_loss: float = math.nan,
        take_profit: float = math.nan,
        quantity: float = 0.0,
        confidence: float = 0.0,
        reason: str = "",
        cluster_id: int = -1,
        ts: int | None = None,
    ) -> TradeSignal:
        """
        Append a trade-signal record to :attr:`signals` (and log it).

        Parameters
        ----------
        action : str
            One of :data:`strategies.signals.ACTIONS`.
        signal : str
            ``"LONG"`` or ``"SHORT"``.
        entry, stop_loss, take_profit : float, optional
            Prices.
        quantity : float, optional
            Order quantity.
        confidence : float, optional
            In [0, 1].
        reason : str, optional
            Explanation.
        cluster_id : int, optional
            The cluster behind the decision.
        ts : int, optional
            Decision time (ns); default the strategy clock.

        Returns
        -------
        TradeSignal
        """
        support, resistance = self.levels()
        snapshot = self.book.snapshot
        record = TradeSignal(
            ts=int(ts if ts is not None else self.clock.timestamp_ns()), strategy=str(self.id), action=action,
            symbol=self.config.instrument_id.value, signal=signal, entry=float(entry), stop_loss=float(stop_loss),
            take_profit=float(take_profit), quantity=float(quantity), confidence=float(confidence),
            risk_reward=risk_reward(entry, stop_loss, take_profit) if math.isfinite(stop_loss) else math.nan,
            reason=reason, cluster_id=int(cluster_id), support=support, resistance=resistance,
            sentiment=sentiment_from_bias(snapshot.bias if snapshot is not None else "UNBIASED"),
        )
        row = record.to_dict()
        self.signals.append(row)
        self.msgbus.publish(topic=f"{SIGNALS_TOPIC}.{record.symbol}", msg=encode_signal(record))  # Redis, if set
        if self.config.log_signals:
            self.log.info(f"trade signal {json.dumps(row)}")
        return record

    def quantity_for(self, signal: str, entry: float, stop: float) -> tuple[Decimal, str]:
        """
        The entry quantity: fixed or risk-based, times the OI sizer's multiplier when configured, capped at
        ``max_leverage`` x equity of notional.

        Parameters
        ----------
        signal : str
            ``"LONG"`` or ``"SHORT"``.
        entry, stop : float
            Prices.

        Returns
        -------
        tuple[Decimal, str]
            The quantity rounded down to the size increment (0 if below the minimum) and a note on how it was
            sized.
        """
        cfg = self.config
        inst = self.instrument
        increment = inst.size_increment.as_decimal()
        min_qty = inst.min_quantity.as_decimal() if inst.min_quantity is not None else None
        multiplier, inverse = float(inst.multiplier), bool(inst.is_inverse)
        equity = self.equity()
        if cfg.trade_size is not None:
            quantity, note = float(cfg.trade_size), f"fixed size {cfg.trade_size}"
        else:
            quantity = float(risk_quantity(equity, cfg.risk_per_trade, entry, stop, increment, None, multiplier,
                                           inverse))
            note = f"risk {cfg.risk_per_trade:.2%} of equity {equity:,.2f}"
        if self.sizer is not None and self.book.snapshot is not None:
            s = self.book.snapshot
            mult = self.sizer.multiplier(signal, s.total_oi_usd, s.long_liquidation_usd, s.short_liquidation_usd)
            quantity *= mult
            note += (f", OI sizer x{mult:.2f} (OI {s.total_oi_usd / 1e6:,.0f} M USD, long/short "
                     f"{self.sizer.long_short_ratio(s.long_liquidation_usd, s.short_liquidation_usd):.2f})")
        cap = leverage_cap(equity, cfg.max_leverage, entry, multiplier, inverse)
        if quantity > cap:
            quantity = cap
            note += f", capped at {cfg.max_leverage:g}x equity"
        return round_quantity(quantity, increment, min_qty), note

    def enter(
        self,
        signal: str,
        stop_loss: float,
        take_profit: float,
        *,
        confidence: float,
        reason: str,
        cluster_id: int = -1,
        trailing_offset_bps: float = 0.0,
    ) -> bool:
        """
        Submit a bracket (market entry, stop-loss, take-profit; OUO children) at the current price.

        Skips (with a ``SKIP`` record) when the bracket is not ordered (stop, entry, take-profit), the
        risk/reward is below ``min_risk_reward`` or the size rounds to zero.

        Parameters
        ----------
        signal : str
            ``"LONG"`` or ``"SHORT"``.
        stop_loss, take_profit : float
            Prices.
        confidence : float
            In [0, 1].
        reason : str
            Why (goes into the record).
        cluster_id : int, optional
            The cluster behind the trade.
        trailing_offset_bps : float, default 0.0
            When > 0 the stop-loss is a trailing stop (``TRAILING_STOP_MARKET``) this many basis points behind
            the market, starting at ``stop_loss``.

        Returns
        -------
        bool
            Whether a bracket was submitted.
        """
        entry = self.price
        direction = 1 if signal == LONG else -1
        inst = self.instrument
        stop_loss = inst.make_price(stop_loss).as_double()  # on the tick grid, as the orders will be
        take_profit = inst.make_price(take_profit).as_double()
        common = {"entry": entry, "stop_loss": stop_loss, "take_profit": take_profit, "confidence": confidence,
                  "cluster_id": cluster_id}
        if not (direction * (entry - stop_loss) > 0 and direction * (take_profit - entry) > 0):
            self.record("SKIP", signal, reason=f"bracket not ordered around the entry; {reason}", **common)
            return False
        rr = risk_reward(entry, stop_loss, take_profit)
        if rr < self.config.min_risk_reward:
            self.record("SKIP", signal, reason=f"risk/reward {rr:.2f} < {self.config.min_risk_reward}; {reason}",
                        **common)
            return False
        quantity, note = self.quantity_for(signal, entry, stop_loss)
        if quantity <= 0:
            self.record("SKIP", signal, reason=f"size rounds to zero ({note}); {reason}", **common)
            return False
        kwargs = {}
        if trailing_offset_bps > 0:
            kwargs = {"sl_order_type": OrderType.TRAILING_STOP_MARKET,
                      "sl_trailing_offset": Decimal(repr(float(trailing_offset_bps))),
                      "sl_trailing_offset_type": TrailingOffsetType.BASIS_POINTS}
        order_list = self.order_factory.bracket(
            instrument_id=self.config.instrument_id,
            order_side=OrderSide.BUY if direction > 0 else OrderSide.SELL,
            quantity=inst.make_qty(quantity),
            sl_trigger_price=inst.make_price(stop_loss),
            tp_price=inst.make_price(take_profit),
            tp_post_only=False,
            emulation_trigger=self._emulation_trigger,
            **kwargs,
        )
        entry_order, stop_order, tp_order = order_list.orders
        record = self.record("ENTER", signal, quantity=float(quantity), reason=f"{reason}; {note}", **common)
        bracket = _Bracket(entry_order.client_order_id, stop_order.client_order_id, tp_order.client_order_id,
                           record)
        self._brackets[bracket.entry_id] = bracket
        self._children[bracket.stop_id] = bracket
        self._children[bracket.take_profit_id] = bracket
        self.submit_order_list(order_list)
        return True

    def exit_all(self, reason: str) -> None:
        """
        Close every open position of the instrument at market (an ``EXIT`` record each) and cancel its orders.

        Parameters
        ----------
        reason : str
            Why.
        """
        for position in self.open_positions():
            self._close(position, reason)
        self.cancel_all_orders(self.config.instrument_id)

    def _close(self, position, reason: str, submit: bool = True) -> None:
        if position.id in self._closing:
            return
        self._closing.add(position.id)
        signal = LONG if position.side == PositionSide.LONG else SHORT
        self.record("EXIT", signal, entry=position.avg_px_open, quantity=position.quantity.as_double(), reason=reason)
        if submit:
            self.close_position(position)

    # -- events --------------------------------------------------------------------------------------------

    def on_order_denied(self, event: OrderDenied) -> None:
        """An entry denied by the risk engine is recorded as ``REJECTED``.

        Parameters
        ----------
        event : OrderDenied
            The event.
        """
        self._entry_failed(event.client_order_id, f"denied: {event.reason}")

    def on_order_rejected(self, event: OrderRejected) -> None:
        """Entry rejected: ``REJECTED`` record. Stop-loss rejected: close the unprotected position. A rejected
        take-profit leaves the position with its stop-loss.

        Parameters
        ----------
        event : OrderRejected
            The event.
        """
        if event.client_order_id in self._brackets:
            self._entry_failed(event.client_order_id, f"rejected: {event.reason}")
            return
        bracket = self._children.get(event.client_order_id)
        if bracket is None:
            return
        self._forget_child(event.client_order_id, bracket)
        if event.client_order_id == bracket.stop_id:
            self.log.warning(f"stop-loss {event.client_order_id} rejected ({event.reason}); closing the position")
            self.exit_all(f"stop-loss rejected: {event.reason}")

    def on_order_filled(self, event: OrderFilled) -> None:
        """A fully filled entry stops being 'working'; children fills end the bracket's bookkeeping.

        Parameters
        ----------
        event : OrderFilled
            The event.
        """
        order = self.cache.order(event.client_order_id)
        if order is None or not order.is_closed:
            return
        if event.client_order_id in self._brackets:
            bracket = self._brackets.pop(event.client_order_id)
            self._resize_children(bracket, order.filled_qty)  # only re-submitted children can differ
        elif event.client_order_id in self._children:
            bracket = self._children.pop(event.client_order_id)
            self._children.pop(bracket.stop_id, None)
            self._children.pop(bracket.take_profit_id, None)

    def on_order_canceled(self, event: OrderCanceled) -> None:
        """A partially filled entry that is canceled leaves a position: size its children to the filled qty
        (``PARTIAL`` record). A child canceled while its position is open and not being closed by the
        strategy (e.g. by a venue that cancels an entry's children with it) is submitted again.

        Parameters
        ----------
        event : OrderCanceled
            The event.
        """
        self._order_ended(event.client_order_id, "canceled")

    def on_order_expired(self, event: OrderExpired) -> None:
        """As :meth:`on_order_canceled`.

        Parameters
        ----------
        event : OrderExpired
            The event.
        """
        self._order_ended(event.client_order_id, "expired")

    def on_position_closed(self, event: PositionClosed) -> None:
        """When flat in the instrument, cancel the remaining (reduce-only) children.

        Parameters
        ----------
        event : PositionClosed
            The event.
        """
        self._closing.discard(event.position_id)
        if event.instrument_id != self.config.instrument_id or self.open_positions():
            return
        for order in self.cache.orders_open(instrument_id=self.config.instrument_id, strategy_id=self.id):
            if order.is_reduce_only:
                self.cancel_order(order)

    # -- internals -----------------------------------------------------------------------------------------

    def _entry_failed(self, entry_id: ClientOrderId, why: str) -> None:
        bracket = self._brackets.pop(entry_id, None)
        if bracket is None:
            return
        self._children.pop(bracket.stop_id, None)
        self._children.pop(bracket.take_profit_id, None)
        s = bracket.signal
        self.record("REJECTED", s.signal, entry=s.entry, stop_loss=s.stop_loss, take_profit=s.take_profit,
                    quantity=s.quantity, confidence=s.confidence, reason=f"entry {why}", cluster_id=s.cluster_id)

    def _order_ended(self, order_id: ClientOrderId, how: str) -> None:
        if order_id in self._children:
            self._child_ended(order_id, how)
        elif order_id in self._brackets:
            self._entry_ended(order_id, how)

    def _entry_ended(self, entry_id: ClientOrderId, how: str) -> None:
        bracket = self._brackets.pop(entry_id)
        entry = self.cache.order(entry_id)
        if entry is None or entry.filled_qty.as_double() <= 0:
            self._children.pop(bracket.stop_id, None)
            self._children.pop(bracket.take_profit_id, None)
            return
        filled = entry.filled_qty
        if self._open_position_of(bracket) is None:
            note = "the position is already closed or being closed"
        else:
            self._resize_children(bracket, filled)
            note = f"stop-loss and take-profit follow the {filled} held"
        s = bracket.signal
        self.record("PARTIAL", s.signal, entry=entry.avg_px, stop_loss=s.stop_loss, take_profit=s.take_profit,
                    quantity=filled.as_double(), confidence=s.confidence, cluster_id=s.cluster_id,
                    reason=f"entry {how} with {filled} of {entry.quantity} filled; {note}")

    def _resize_children(self, bracket: _Bracket, quantity) -> None:
        for child_id in (bracket.stop_id, bracket.take_profit_id):
            child = self.cache.order(child_id)
            if child is not None and child.is_open and child.quantity != quantity:
                self.modify_order(child, quantity=quantity)

    def _child_ended(self, child_id: ClientOrderId, how: str) -> None:
        bracket = self._children[child_id]
        child = self.cache.order(child_id)
        sibling_id = bracket.take_profit_id if child_id == bracket.stop_id else bracket.stop_id
        sibling = self.cache.order(sibling_id)
        position = self._open_position_of(bracket)
        if (child is not None and position is not None
                and (sibling is None or sibling.status != OrderStatus.FILLED)):  # not the OUO end of a bracket
            self._replace_child(bracket, child, position, how)
            return
        self._forget_child(child_id, bracket)

    def _forget_child(self, child_id: ClientOrderId, bracket: _Bracket) -> None:
        self._children.pop(child_id, None)
        sibling_id = bracket.take_profit_id if child_id == bracket.stop_id else bracket.stop_id
        sibling = self.cache.order(sibling_id)
        if sibling is None or sibling.is_closed:  # forget the pair once neither is working
            self._children.pop(sibling_id, None)

    def _open_position_of(self, bracket: _Bracket):
        """The position the bracket's entry opened if it is still open and the strategy is not closing it, else
        ``None`` (a netting position id is reused by later positions: those have another opening order)."""
        position = self.cache.position_for_order(bracket.entry_id)
        if (position is None or position.is_closed or position.id in self._closing
                or position.opening_order_id != bracket.entry_id):
            return None
        return position

    def _replace_child(self, bracket: _Bracket, child, position, how: str) -> None:
        is_stop = child.client_order_id == bracket.stop_id
        kind = "stop-loss" if is_stop else "take-profit"
        self._children.pop(child.client_order_id, None)
        if child.client_order_id in bracket.replacements:  # the venue keeps canceling it: stop trying
            self.log.warning(f"re-submitted {kind} {child.client_order_id} {how} again; closing the position")
            self.exit_all(f"{kind} {how} twice while the position was open")
            return
        entry = self.cache.order(bracket.entry_id)
        quantity = entry.filled_qty if entry.filled_qty < position.quantity else position.quantity
        iid = self.config.instrument_id
        if child.order_type == OrderType.STOP_MARKET:
            order = self.order_factory.stop_market(iid, child.side, quantity, child.trigger_price,
                                                   trigger_type=child.trigger_type, reduce_only=True,
                                                   tags=child.tags)
        elif child.order_type == OrderType.TRAILING_STOP_MARKET:
            order = self.order_factory.trailing_stop_market(
                iid, child.side, quantity, child.trailing_offset, trigger_price=child.trigger_price,
                trigger_type=child.trigger_type, trailing_offset_type=child.trailing_offset_type,
                reduce_only=True, tags=child.tags)
        elif child.order_type == OrderType.LIMIT:
            order = self.order_factory.limit(iid, child.side, quantity, child.price, reduce_only=True,
                                             tags=child.tags)
        else:  # not an order type enter() makes
            self.exit_all(f"{kind} {how} while the position was open")
            return
        if is_stop:
            bracket.stop_id = order.client_order_id
        else:
            bracket.take_profit_id = order.client_order_id
        bracket.replacements.add(order.client_order_id)
        self._children[order.client_order_id] = bracket
        self.log.warning(f"{kind} {child.client_order_id} {how} while {position.id} holds {position.quantity}; "
                         f"re-submitted for {quantity} as {order.client_order_id}")
        self.submit_order(order, position_id=position.id)

    def _apply_time_stop(self, now_ns: int) -> None:
        limit = self.config.time_stop_minutes * NS_PER_MINUTE
        for position in self.open_positions():
            if now_ns - position.ts_opened >= limit and position.id not in self._closing:
                reason = f"time stop after {self.config.time_stop_minutes} min"
                self._close(position, reason, submit=False)  # marked as closing before its children end
                for order in self.cache.orders_open(instrument_id=self.config.instrument_id, strategy_id=self.id):
                    if order.is_reduce_only:
                        self.cancel_order(order)
                self.close_position(position)
