"""Bracket management: a strategy that trades one instrument with bracket orders and follows each bracket's life.

:class:`BracketStrategy` (a Nautilus ``Strategy``) handles, for every bracket it submits (market entry, stop-loss
and take-profit as an OUO pair, Nautilus ``order_factory.bracket``):

- at most ``max_positions`` positions (and pending entries) at a time for the instrument;
- rejects: an entry denied or rejected is recorded (``REJECTED``) and frees its slot; a rejected stop-loss closes
  the unprotected position;
- partial fills: an entry canceled or expired after a partial fill leaves its children sized to the filled quantity
  (a ``PARTIAL_FILL`` record); children that the venue cancels with the entry (as Nautilus' simulated exchange does
  for an OTO parent) are submitted again for the quantity held;
- an optional time stop, and flat at strategy stop;
- a :class:`~liqheat_nautilus.signals.TradeSignal` record for every decision, in :attr:`BracketStrategy.signals`
  and the log.

Trade directions are Nautilus ``PositionSide`` values (``LONG`` / ``SHORT``).
"""

import json
import math
from decimal import Decimal

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
from nautilus_trader.model.identifiers import ClientOrderId, PositionId
from nautilus_trader.trading.strategy import Strategy

from liqheat_nautilus.core.units import NS_PER_MINUTE
from liqheat_nautilus.signals import SIGNALS_TOPIC, Sentiment, SignalAction, TradeSignal, encode_signal, risk_reward
from liqheat_nautilus.validation import enum_name
from strategies.bracket_book import Bracket, BracketBook
from strategies.bracket_config import BracketStrategyConfig

ENTRY_ORDER_SIDE = {PositionSide.LONG: OrderSide.BUY, PositionSide.SHORT: OrderSide.SELL}
"""The side of the order that opens a position of each side."""

__all__ = ["ENTRY_ORDER_SIDE", "BracketStrategy", "BracketStrategyConfig"]


class BracketStrategy(Strategy):
    """
    A strategy trading one instrument with bracket orders (see the module docstring for what it handles).

    Subclasses size and submit entries with :meth:`submit_bracket`, close with :meth:`exit_all`, record their
    decisions with :meth:`record` and may override :meth:`market_context` (the support, resistance and sentiment
    written into every record).

    Parameters
    ----------
    config : BracketStrategyConfig
        The configuration.

    Raises
    ------
    ValueError
        If ``emulation_trigger`` is not a ``TriggerType`` name (the config itself refuses a bad ``instrument_id`` /
        ``bar_type``, ``max_positions`` and ``time_stop_minutes``).
    """

    def __init__(self, config: BracketStrategyConfig) -> None:
        super().__init__(config)
        name = type(config).__name__
        # trigger_type_from_str aborts the process on a bad name: check it first
        self._emulation_trigger = trigger_type_from_str(
            enum_name(config.emulation_trigger, TriggerType, f"{name}.emulation_trigger", exact=True))
        self.signals: list[dict] = []
        self.brackets = BracketBook()
        self._closing: set[PositionId] = set()  # positions with a strategy close order in flight
        self._leftovers: list[ClientOrderId] = []  # reduce-only children still open when the strategy went flat

    # -- lifecycle -----------------------------------------------------------------------------------------

    def on_stop(self) -> None:
        """Flat at stop (unless ``flatten_on_stop`` is False): cancel the instrument's orders, close its positions."""
        if not self.config.flatten_on_stop:
            return
        self.cancel_all_orders(self.config.instrument_id)
        self.close_all_positions(self.config.instrument_id)

    def on_reset(self) -> None:
        """Forget the signals and the order bookkeeping."""
        self.signals.clear()
        self.brackets.clear()
        self._closing.clear()
        self._leftovers.clear()

    # -- state ---------------------------------------------------------------------------------------------

    def open_positions(self) -> list:
        """
        Return the strategy's open positions in the instrument.

        Returns
        -------
        list[Position]
        """
        return self.cache.positions_open(instrument_id=self.config.instrument_id, strategy_id=self.id)

    def has_capacity(self) -> bool:
        """
        Return whether another entry is allowed (open positions + working entries < ``max_positions``).

        Returns
        -------
        bool
        """
        return len(self.open_positions()) + len(self.brackets) < self.config.max_positions

    def market_context(self) -> tuple[float, float, Sentiment]:
        """
        Return the support and resistance prices and the sentiment written into each record (override).

        Returns
        -------
        tuple[float, float, Sentiment]
            Default ``(nan, nan, NEUTRAL)``.
        """
        return math.nan, math.nan, Sentiment.NEUTRAL

    # -- decisions -----------------------------------------------------------------------------------------

    def record(
        self,
        action: SignalAction,
        side: PositionSide,
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
        action : SignalAction
            What was decided.
        side : PositionSide
            ``LONG`` or ``SHORT``: the trade's direction.
        entry, stop_loss, take_profit : float, optional
            Prices.
        quantity : float, optional
            Order quantity (contracts).
        confidence : float, optional
            In [0, 1].
        reason : str, optional
            Explanation.
        cluster_id : int, optional
            The cluster behind the decision.
        ts : int, optional
            Decision time (UNIX ns); default the strategy clock.

        Returns
        -------
        TradeSignal
        """
        support, resistance, sentiment = self.market_context()
        record = TradeSignal(
            ts=int(ts if ts is not None else self.clock.timestamp_ns()), strategy=str(self.id), action=action,
            instrument_id=self.config.instrument_id.value, position_side=side.name, entry=float(entry),
            stop_loss=float(stop_loss), take_profit=float(take_profit), quantity=float(quantity),
            confidence=float(confidence),
            risk_reward=risk_reward(entry, stop_loss, take_profit) if math.isfinite(stop_loss) else math.nan,
            reason=reason, cluster_id=int(cluster_id), support=support, resistance=resistance, sentiment=sentiment,
        )
        row = record.to_dict()
        self.signals.append(row)
        self.msgbus.publish(topic=f"{SIGNALS_TOPIC}.{record.instrument_id}", msg=encode_signal(record))  # Redis, if set
        if self.config.log_signals:
            self.log.info(f"trade signal {json.dumps(row)}")
        return record

    def submit_bracket(self, side: PositionSide, quantity: Decimal, stop_loss: float, take_profit: float,
                       signal: TradeSignal, trailing_offset_bps: float = 0.0) -> Bracket:
        """
        Submit a bracket for the instrument (market entry, stop-loss, take-profit; OUO children) and track it.

        Parameters
        ----------
        side : PositionSide
            The position to open.
        quantity : Decimal
            Contracts.
        stop_loss, take_profit : float
            Prices (rounded to the instrument's tick).
        signal : TradeSignal
            The ``ENTER`` record behind it.
        trailing_offset_bps : float, default 0.0
            When > 0 the stop-loss is a trailing stop (``TRAILING_STOP_MARKET``) this many basis points behind
            the market, starting at ``stop_loss``.

        Returns
        -------
        Bracket
        """
        inst = self.cache.instrument(self.config.instrument_id)
        kwargs = {}
        if trailing_offset_bps > 0:
            kwargs = {"sl_order_type": OrderType.TRAILING_STOP_MARKET,
                      "sl_trailing_offset": Decimal(repr(float(trailing_offset_bps))),
                      "sl_trailing_offset_type": TrailingOffsetType.BASIS_POINTS}
        order_list = self.order_factory.bracket(
            instrument_id=self.config.instrument_id,
            order_side=ENTRY_ORDER_SIDE[side],
            quantity=inst.make_qty(quantity),
            sl_trigger_price=inst.make_price(stop_loss),
            tp_price=inst.make_price(take_profit),
            tp_post_only=False,
            emulation_trigger=self._emulation_trigger,
            **kwargs,
        )
        entry_order, stop_order, tp_order = order_list.orders
        bracket = Bracket(side, entry_order.client_order_id, stop_order.client_order_id, tp_order.client_order_id,
                          signal)
        self.brackets.add(bracket)
        self.submit_order_list(order_list)
        return bracket

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

    def apply_time_stop(self, now_ns: int) -> None:
        """
        Close the positions held ``time_stop_minutes`` or longer (an ``EXIT`` record each).

        Parameters
        ----------
        now_ns : int
            The current time (UNIX ns).
        """
        limit = self.config.time_stop_minutes * NS_PER_MINUTE
        for position in self.open_positions():
            if now_ns - position.ts_opened >= limit and position.id not in self._closing:
                reason = f"time stop after {self.config.time_stop_minutes} min"
                self._close(position, reason, submit=False)  # marked as closing before its children end
                self._cancel_reduce_only_orders()
                self.close_position(position)

    def _close(self, position, reason: str, submit: bool = True) -> None:
        if position.id in self._closing:
            return
        self._closing.add(position.id)
        self.record(SignalAction.EXIT, position.side, entry=position.avg_px_open,
                    quantity=position.quantity.as_double(), reason=reason)
        if submit:
            self.close_position(position)

    def _open_orders(self) -> list:
        return self.cache.orders_open(instrument_id=self.config.instrument_id, strategy_id=self.id)

    def _cancel_reduce_only_orders(self) -> None:
        for order in self._open_orders():
            if order.is_reduce_only:
                self.cancel_order(order)

    def _record_follow_up(self, bracket: Bracket, action: SignalAction, reason: str, **fields) -> None:
        """Record what became of a bracket's entry (rejected, partly filled), with the fields of its ``ENTER``."""
        s = bracket.signal
        values = {"entry": s.entry, "stop_loss": s.stop_loss, "take_profit": s.take_profit, "quantity": s.quantity,
                  "confidence": s.confidence, "cluster_id": s.cluster_id, **fields}
        self.record(action, bracket.side, reason=reason, **values)

    # -- events --------------------------------------------------------------------------------------------

    def on_order_denied(self, event: OrderDenied) -> None:
        """Record an entry denied by the risk engine as ``REJECTED`` (and free its slot).

        Parameters
        ----------
        event : OrderDenied
            The event.
        """
        self._entry_failed(event.client_order_id, f"denied: {event.reason}")

    def on_order_rejected(self, event: OrderRejected) -> None:
        """Handle a rejected order of a bracket.

        Entry rejected: a ``REJECTED`` record. Stop-loss rejected: close the unprotected position. A rejected
        take-profit leaves the position with its stop-loss.

        Parameters
        ----------
        event : OrderRejected
            The event.
        """
        if event.client_order_id in self.brackets.entries:
            self._entry_failed(event.client_order_id, f"rejected: {event.reason}")
            return
        bracket = self.brackets.children.get(event.client_order_id)
        if bracket is None:
            return
        self._forget_child(event.client_order_id, bracket)
        if event.client_order_id == bracket.stop_id:
            self.log.warning(f"stop-loss {event.client_order_id} rejected ({event.reason}); closing the position")
            self.exit_all(f"stop-loss rejected: {event.reason}")

    def on_order_filled(self, event: OrderFilled) -> None:
        """Stop tracking a fully filled entry as working; end the bracket's bookkeeping on a child's fill.

        Parameters
        ----------
        event : OrderFilled
            The event.
        """
        order = self.cache.order(event.client_order_id)
        if order is None or not order.is_closed:
            return
        if event.client_order_id in self.brackets.entries:
            bracket = self.brackets.entries.pop(event.client_order_id)
            self._resize_children(bracket, order.filled_qty)  # only re-submitted children can differ
        elif event.client_order_id in self.brackets.children:
            self.brackets.drop_children(self.brackets.children[event.client_order_id])

    def on_order_canceled(self, event: OrderCanceled) -> None:
        """Handle a canceled order of a bracket.

        A partially filled entry that is canceled leaves a position: its children are sized to the filled quantity
        (``PARTIAL_FILL`` record). A child canceled while its position is open and not being closed by the
        strategy (e.g. by a venue that cancels an entry's children with it) is submitted again.

        Parameters
        ----------
        event : OrderCanceled
            The event.
        """
        self._order_ended(event.client_order_id, "canceled")

    def on_order_expired(self, event: OrderExpired) -> None:
        """
        Handle an expired order of a bracket as :meth:`on_order_canceled` handles a canceled one.

        Parameters
        ----------
        event : OrderExpired
            The expiry (of an entry or child order of a bracket; any other order is ignored).
        """
        self._order_ended(event.client_order_id, "expired")

    def on_position_closed(self, event: PositionClosed) -> None:
        """When flat in the instrument, mark the remaining (reduce-only) children for :meth:`cancel_leftovers`.

        They are not cancelled here: the fill that closed the position is still being processed, and a venue (or
        Nautilus' simulated exchange) that handles the bracket's OUO pair cancels the other child right after it; a
        cancel sent now would reach it after that and be rejected ("not found"). For a venue that does not, the
        next bar cancels them.

        Parameters
        ----------
        event : PositionClosed
            The event.
        """
        self._closing.discard(event.position_id)
        if event.instrument_id != self.config.instrument_id or self.open_positions():
            return
        self._leftovers += [order.client_order_id for order in self._open_orders()
                            if order.is_reduce_only and order.client_order_id not in self._leftovers]

    def cancel_leftovers(self) -> None:
        """Cancel the children marked by :meth:`on_position_closed` that are still open (called on each bar)."""
        if not self._leftovers:
            return
        leftovers, self._leftovers = self._leftovers, []
        for order_id in leftovers:
            order = self.cache.order(order_id)
            if order is not None and order.is_open:
                self.cancel_order(order)

    # -- internals -----------------------------------------------------------------------------------------

    def _entry_failed(self, entry_id: ClientOrderId, why: str) -> None:
        bracket = self.brackets.entries.pop(entry_id, None)
        if bracket is None:
            return
        self.brackets.drop_children(bracket)
        self._record_follow_up(bracket, SignalAction.REJECTED, f"entry {why}")

    def _order_ended(self, order_id: ClientOrderId, how: str) -> None:
        if order_id in self.brackets.children:
            self._child_ended(order_id, how)
        elif order_id in self.brackets.entries:
            self._entry_ended(order_id, how)

    def _entry_ended(self, entry_id: ClientOrderId, how: str) -> None:
        bracket = self.brackets.entries.pop(entry_id)
        entry = self.cache.order(entry_id)
        if entry is None or entry.filled_qty.as_double() <= 0:
            self.brackets.drop_children(bracket)
            return
        filled = entry.filled_qty
        if self._open_position_of(bracket) is None:
            note = "the position is already closed or being closed"
        else:
            self._resize_children(bracket, filled)
            note = f"stop-loss and take-profit follow the {filled} held"
        self._record_follow_up(bracket, SignalAction.PARTIAL_FILL,
                               f"entry {how} with {filled} of {entry.quantity} filled; {note}",
                               entry=entry.avg_px, quantity=filled.as_double())

    def _resize_children(self, bracket: Bracket, quantity) -> None:
        for child_id in bracket.children:
            child = self.cache.order(child_id)
            if child is not None and child.is_open and child.quantity != quantity:
                self.modify_order(child, quantity=quantity)

    def _child_ended(self, child_id: ClientOrderId, how: str) -> None:
        bracket = self.brackets.children[child_id]
        child = self.cache.order(child_id)
        sibling = self.cache.order(bracket.sibling(child_id))
        position = self._open_position_of(bracket)
        if (child is not None and position is not None
                and (sibling is None or sibling.status != OrderStatus.FILLED)):  # not the OUO end of a bracket
            self._replace_child(bracket, child, position, how)
            return
        self._forget_child(child_id, bracket)

    def _forget_child(self, child_id: ClientOrderId, bracket: Bracket) -> None:
        self.brackets.children.pop(child_id, None)
        sibling = self.cache.order(bracket.sibling(child_id))
        if sibling is None or sibling.is_closed:  # forget the pair once neither is working
            self.brackets.drop_children(bracket)

    def _open_position_of(self, bracket: Bracket):
        """Return the position the bracket's entry opened while it is open and not being closed, else ``None``.

        A netting position id is reused by later positions: those have another opening order.
        """
        position = self.cache.position_for_order(bracket.entry_id)
        if (position is None or position.is_closed or position.id in self._closing
                or position.opening_order_id != bracket.entry_id):
            return None
        return position

    def _replace_child(self, bracket: Bracket, child, position, how: str) -> None:
        is_stop = child.client_order_id == bracket.stop_id
        kind = "stop-loss" if is_stop else "take-profit"
        self.brackets.children.pop(child.client_order_id, None)
        if child.client_order_id in bracket.replacements:  # the venue keeps canceling it: stop trying
            self.log.warning(f"re-submitted {kind} {child.client_order_id} {how} again; closing the position")
            self.exit_all(f"{kind} {how} twice while the position was open")
            return
        entry = self.cache.order(bracket.entry_id)
        quantity = entry.filled_qty if entry.filled_qty < position.quantity else position.quantity
        order = self._copy_child(child, quantity)
        if order is None:  # not an order type submit_bracket makes
            self.exit_all(f"{kind} {how} while the position was open")
            return
        if is_stop:
            bracket.stop_id = order.client_order_id
        else:
            bracket.take_profit_id = order.client_order_id
        bracket.replacements.add(order.client_order_id)
        self.brackets.children[order.client_order_id] = bracket
        self.log.warning(f"{kind} {child.client_order_id} {how} while {position.id} holds {position.quantity}; "
                         f"re-submitted for {quantity} as {order.client_order_id}")
        self.submit_order(order, position_id=position.id)

    def _copy_child(self, child, quantity):
        """Return a reduce-only copy of a stop-loss or take-profit for ``quantity``, ``None`` for other types."""
        iid = self.config.instrument_id
        if child.order_type == OrderType.STOP_MARKET:
            return self.order_factory.stop_market(iid, child.side, quantity, child.trigger_price,
                                                  trigger_type=child.trigger_type, reduce_only=True, tags=child.tags)
        if child.order_type == OrderType.TRAILING_STOP_MARKET:
            return self.order_factory.trailing_stop_market(
                iid, child.side, quantity, child.trailing_offset, trigger_price=child.trigger_price,
                trigger_type=child.trigger_type, trailing_offset_type=child.trailing_offset_type,
                reduce_only=True, tags=child.tags)
        if child.order_type == OrderType.LIMIT:
            return self.order_factory.limit(iid, child.side, quantity, child.price, reduce_only=True,
                                            tags=child.tags)
        return None
