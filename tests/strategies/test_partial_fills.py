"""Partial fills of ``ClusterStrategy`` entries in Nautilus' simulated exchange, on SYNTHETIC markets.

Everything here is synthetic (hand-made flat bars, hand-made order books, hand-made map updates); nothing is
market data. The strategy is ``LiquidationHuntStrategy`` with a fixed ``trade_size``: a strong short-side cluster
at 101.00 with the price at 100.00 gives a LONG bracket, take-profit 101.00, stop-loss 99.00 (1 % default stop).

How the partial fills are produced (Nautilus 1.221 ``OrderMatchingEngine``):

- ``book_type=L2_MBP`` with a hand-made book holding only 4 SOL at the best ask: a market BUY of 10 fills 4 and
  its remainder stays working (an L2 market order never slips into an empty book);
- ``ThreeTierFillModel`` (Nautilus' own model: 50 at the best price, 30 one tick worse, 20 two ticks worse) on
  the default L1 book: a market order of 120 fills 50 + 30 + 20, and the L1 exhausted-book rule fills the last
  20 one tick beyond the last level, so the entry completes in four fills.
"""

from decimal import Decimal

import pytest
from nautilus_trader.backtest.models import ThreeTierFillModel
from nautilus_trader.model.data import BookOrder, OrderBookDelta, OrderBookDeltas
from nautilus_trader.model.enums import (
    BookAction,
    BookType,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    RecordFlag,
)
from nautilus_trader.model.events import OrderUpdated
from nautilus_trader.model.objects import Price, Quantity

from strategies.liquidation_hunt import LiquidationHuntConfig, LiquidationHuntStrategy
from tests.strategies.runs import actions


def add_book(s, minute: int, bid: float, bid_size: float, ask: float, ask_size: float) -> None:
    """Replace the synthetic L2 book of scenario ``s`` with one bid and one ask level, 1 ns before the bar of
    ``minute``."""
    ts = s.ts(minute) - 1
    iid, seq = s.instrument_id, minute + 1
    deltas = [
        OrderBookDelta.clear(iid, seq, ts, ts),
        OrderBookDelta(iid, BookAction.ADD, BookOrder(OrderSide.BUY, Price(bid, 2), Quantity(bid_size, 2), 1),
                       0, seq, ts, ts),
        OrderBookDelta(iid, BookAction.ADD, BookOrder(OrderSide.SELL, Price(ask, 2), Quantity(ask_size, 2), 2),
                       RecordFlag.F_LAST, seq, ts, ts),
    ]
    s.engine.add_data([OrderBookDeltas(iid, deltas)])


class _Probe(LiquidationHuntStrategy):
    """
    The hunt strategy plus test hooks: at the bar of ``cancel_buys_at`` it cancels its working BUY orders (the
    unfilled remainder of the entry, as a trader or the venue would), at ``look_at`` it copies its order and
    bookkeeping state into :attr:`seen`, and it keeps every ``OrderFilled`` of its entry.
    """

    cancel_buys_at: int | None = None
    cancel_stop_at: int | None = None
    look_at: int | None = None
    trailing_bps: float = 0.0

    def on_start(self) -> None:
        super().on_start()
        self.seen: dict = {}
        self.entry_fills: list[tuple[float, float, bool]] = []  # (qty, px, entry still tracked as working)

    def on_map_update(self, snapshot) -> None:
        if not self.trailing_bps:
            super().on_map_update(snapshot)
        elif self.has_capacity():  # the hunt's bracket, with a trailing stop-loss
            self.enter(PositionSide.LONG, 99.0, 101.0, confidence=0.9, reason="synthetic probe", cluster_id=1,
                       trailing_offset_bps=self.trailing_bps)

    def on_price(self, bar) -> None:
        if bar.ts_event == self.cancel_buys_at:
            self.cancel_all_orders(self.config.instrument_id, OrderSide.BUY)
        if bar.ts_event == self.cancel_stop_at:  # as a trader or the venue would, with the position open
            [stop_id] = [k for k, b in self.brackets.children.items() if k == b.stop_id]
            self.cancel_order(self.cache.order(stop_id))
        if bar.ts_event == self.look_at:
            self.seen = {"orders": order_rows(self.cache.orders(strategy_id=self.id)),
                         "positions": [p.quantity.as_double() for p in self.open_positions()],
                         "working_entries": len(self.brackets), "tracked_children": len(self.brackets.children)}

    def on_order_filled(self, event) -> None:
        super().on_order_filled(event)
        if event.order_side == OrderSide.BUY:
            self.entry_fills.append((event.last_qty.as_double(), event.last_px.as_double(),
                                     event.client_order_id in self.brackets.entries))


def order_rows(orders) -> list[tuple]:
    """``(type, side, status, quantity, filled, price or trigger, reduce_only)`` per order, in submission order."""
    rows = []
    for o in sorted(orders, key=lambda o: (o.ts_init, o.client_order_id.value)):
        level = o.price if o.has_price else (o.trigger_price if o.has_trigger_price else None)
        rows.append((o.order_type, o.side, o.status, o.quantity.as_double(), o.filled_qty.as_double(),
                     level.as_double() if level is not None else None, o.is_reduce_only))
    return rows


M, S, L = OrderType.MARKET, OrderType.STOP_MARKET, OrderType.LIMIT
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def _partial_entry_scenario(make_scenario, **venue) -> tuple:
    # synthetic: flat 100.00 bars; the L2 book offers only 4 SOL at 100.01 when the entry (10 SOL) arrives at
    # minute 4; the remainder is canceled at minute 6; at minute 8 the book drops to 98.90 / 98.92 (through the
    # 99.00 stop)
    s = make_scenario(venue={"book_type": BookType.L2_MBP, **venue})
    s.bars(s.flat(100.0, 12))
    add_book(s, 0, 99.99, 1_000, 100.01, 4)
    add_book(s, 8, 98.90, 1_000, 98.92, 1_000)
    s.cluster(4, 1, "SHORT", 101.0, strength=0.9)
    s.snapshot(4)
    probe = s.strategy(_Probe, LiquidationHuntConfig, trade_size=Decimal("10"))
    probe.cancel_buys_at, probe.look_at = s.ts(6), s.ts(7)
    return s, probe


def test_canceled_partial_entry_resizes_its_children_when_the_venue_keeps_them(make_scenario):
    # a venue that leaves the children alone when the entry is canceled (support_contingent_orders=False: the
    # stop-loss and take-profit are working from the start, at the entry's full 10)
    s, probe = _partial_entry_scenario(make_scenario, support_contingent_orders=False)
    s.run(probe)
    assert probe.entry_fills == [(4.0, 100.01, True)]  # one partial fill, the entry still working after it
    # at minute 7, after the cancel: entry canceled with 4 filled, both children resized 10 -> 4 and working
    assert probe.seen["orders"] == [
        (M, BUY, OrderStatus.CANCELED, 10.0, 4.0, None, False),
        (S, SELL, OrderStatus.ACCEPTED, 4.0, 0.0, 99.0, True),
        (L, SELL, OrderStatus.ACCEPTED, 4.0, 0.0, 101.0, True),
    ]
    assert probe.seen["positions"] == [4.0]
    assert probe.seen["working_entries"] == 0 and probe.seen["tracked_children"] == 2
    # the resize is the strategy's: one modify each (this venue never resizes children itself)
    for child in sorted(s.engine.cache.orders(), key=lambda o: o.ts_init)[1:]:
        assert [e.quantity.as_double() for e in child.events if isinstance(e, OrderUpdated)] == [4.0]
    # the record: ENTER for 10, then PARTIAL_FILL for the 4 actually held
    assert [(r["action"], r["quantity"]) for r in probe.signals] == [("ENTER", 10.0), ("PARTIAL_FILL", 4.0)]
    assert probe.signals[1]["stop_loss"] == 99.0 and probe.signals[1]["take_profit"] == 101.0
    # minute 8: the stop sells exactly the 4 held at the book's bid, the take-profit is canceled, flat
    rows = order_rows(s.engine.cache.orders())
    assert rows[1] == (S, SELL, OrderStatus.FILLED, 4.0, 4.0, 99.0, True)
    assert rows[2][2] == OrderStatus.CANCELED
    assert len(rows) == 3  # no close order at the end: nothing left to flatten
    [position] = s.positions()
    assert position.is_closed and position.peak_qty.as_double() == 4.0
    assert position.avg_px_close == 98.90
    assert probe.brackets.entries == {} and probe.brackets.children == {}


@pytest.mark.parametrize("trailing_bps", [0.0, 50.0])
def test_canceled_partial_entry_is_re_protected_when_the_venue_cancels_its_children(make_scenario, trailing_bps):
    # Nautilus' simulated exchange (support_contingent_orders=True, the default) cancels an OTO entry's
    # children together with the entry, although 4 SOL were bought: the strategy must protect those 4 again
    # (with a plain stop-market and with a trailing stop 50 bps behind, which has not moved yet at minute 7)
    s, probe = _partial_entry_scenario(make_scenario)
    probe.trailing_bps = trailing_bps
    stop_type = OrderType.TRAILING_STOP_MARKET if trailing_bps else S
    s.run(probe)
    assert probe.entry_fills == [(4.0, 100.01, True)]
    orders = probe.seen["orders"]
    assert orders[:3] == [
        (M, BUY, OrderStatus.CANCELED, 10.0, 4.0, None, False),
        (stop_type, SELL, OrderStatus.CANCELED, 10.0, 0.0, 99.0, True),  # canceled by the venue with the entry
        (L, SELL, OrderStatus.CANCELED, 10.0, 0.0, 101.0, True),
    ]
    # a new stop-loss (same kind) and take-profit for the 4 held, same prices, working at minute 7
    assert sorted(orders[3:]) == sorted([
        (stop_type, SELL, OrderStatus.ACCEPTED, 4.0, 0.0, 99.0, True),
        (L, SELL, OrderStatus.ACCEPTED, 4.0, 0.0, 101.0, True),
    ])
    [new_stop] = [o for o in s.engine.cache.orders() if o.order_type == stop_type and o.quantity.as_double() == 4]
    assert new_stop.tags == ["STOP_LOSS"]
    if trailing_bps:
        assert float(new_stop.trailing_offset) == 50.0
    assert probe.seen["positions"] == [4.0]
    assert probe.seen["working_entries"] == 0 and probe.seen["tracked_children"] == 2
    assert [(r["action"], r["quantity"]) for r in probe.signals] == [("ENTER", 10.0), ("PARTIAL_FILL", 4.0)]
    # minute 8: the new stop closes the 4, the new take-profit is canceled, flat; no market close
    final = order_rows(s.engine.cache.orders())
    assert [r[:5] for r in final[3:] if r[0] == stop_type] == [(stop_type, SELL, OrderStatus.FILLED, 4.0, 4.0)]
    assert [r[2] for r in final[3:] if r[0] == L] == [OrderStatus.CANCELED]
    assert len(final) == 5
    [position] = s.positions()
    assert position.is_closed and position.peak_qty.as_double() == 4.0 and position.avg_px_close == 98.90
    assert probe.brackets.entries == {} and probe.brackets.children == {}


def test_partial_fills_that_complete_leave_the_children_at_full_size(make_scenario):
    # synthetic flat bars at 100.00 (L1 book: bid = ask = 100.00) with Nautilus' ThreeTierFillModel; a fixed
    # 120 SOL entry fills 50 @ 100.00, 30 @ 100.01, 20 @ 100.02 and the last 20 @ 100.03 (one tick beyond the
    # exhausted third level); at minute 8 a bar trades down to 98.50 through the 99.00 stop
    s = make_scenario(venue={"fill_model": ThreeTierFillModel()})
    s.bars(s.flat(100.0, 8) + [(100.0, 100.0, 98.5, 98.5)] + s.flat(98.5, 3))
    s.cluster(4, 1, "SHORT", 101.0, strength=0.9)
    s.snapshot(4)
    probe = s.strategy(_Probe, LiquidationHuntConfig, trade_size=Decimal("120"))
    probe.look_at = s.ts(7)
    s.run(probe)
    # the entry is tracked as working until its last fill
    assert probe.entry_fills == [(50.0, 100.0, True), (30.0, 100.01, True), (20.0, 100.02, True),
                                 (20.0, 100.03, False)]
    assert probe.seen["orders"] == [
        (M, BUY, OrderStatus.FILLED, 120.0, 120.0, None, False),
        (S, SELL, OrderStatus.ACCEPTED, 120.0, 0.0, 99.0, True),
        (L, SELL, OrderStatus.ACCEPTED, 120.0, 0.0, 101.0, True),
    ]
    assert probe.seen["positions"] == [120.0]
    assert actions(probe) == ["ENTER"]  # no PARTIAL_FILL: the entry completed
    [position] = s.positions()
    assert position.is_closed and position.peak_qty.as_double() == 120.0
    assert position.avg_px_open == pytest.approx((50 * 100.0 + 30 * 100.01 + 20 * 100.02 + 20 * 100.03) / 120)
    rows = order_rows(s.engine.cache.orders())
    assert rows[1][:5] == (S, SELL, OrderStatus.FILLED, 120.0, 120.0) and rows[2][2] == OrderStatus.CANCELED


def test_stop_loss_rejected_by_the_venue_after_a_partial_fill_closes_what_was_bought(make_scenario):
    # synthetic L2 book with its bid (98.50) already below the 99.00 stop: the simulated exchange rejects the
    # stop-loss when it is released by the entry's partial fill (4 of 10 at 100.01, reject_stop_orders=True)
    s = make_scenario(venue={"book_type": BookType.L2_MBP})
    s.bars(s.flat(100.0, 12))
    add_book(s, 0, 98.50, 1_000, 100.01, 4)
    s.cluster(4, 1, "SHORT", 101.0, strength=0.9)
    s.snapshot(4)
    probe = s.strategy(_Probe, LiquidationHuntConfig, trade_size=Decimal("10"))
    probe.look_at = s.ts(7)
    s.run(probe)
    assert probe.entry_fills == [(4.0, 100.01, True)]
    # EXIT at once for the 4 held; the entry's remainder is canceled by the strategy's cancel-all and recorded
    assert [(r["action"], r["quantity"]) for r in probe.signals] == [("ENTER", 10.0), ("EXIT", 4.0),
                                                                     ("PARTIAL_FILL", 4.0)]
    assert "stop-loss rejected: STOP_MARKET SELL order stop px of 99.00" in probe.signals[1]["reason"]
    assert "4.00 of 10.00 filled; the position is already closed" in probe.signals[2]["reason"]
    assert probe.signals[2]["entry"] == 100.01  # the average fill price of the entry
    orders = probe.seen["orders"]
    assert orders[1][:3] == (S, SELL, OrderStatus.REJECTED)
    assert orders[0][2] == OrderStatus.CANCELED and orders[0][4] == 4.0  # the remainder canceled too
    assert orders[2][2] == OrderStatus.REJECTED  # the venue rejects the OUO take-profit of a rejected stop
    assert orders[3] == (M, SELL, OrderStatus.FILLED, 4.0, 4.0, None, True)  # the close at market
    assert len(orders) == 4 and probe.seen["tracked_children"] == 0  # rejected children are forgotten
    assert probe.seen["positions"] == []
    [position] = s.positions()
    assert position.is_closed and position.avg_px_close == 98.50
    assert probe.brackets.entries == {} and probe.brackets.children == {}


def test_a_re_submitted_stop_loss_canceled_again_closes_the_position(make_scenario):
    # as the test above, then at minute 7 the re-submitted stop-loss is canceled too (the probe cancels it, as
    # a trader or the venue would): the strategy stops re-submitting and closes the 4 held at market
    s, probe = _partial_entry_scenario(make_scenario)
    probe.cancel_stop_at, probe.look_at = s.ts(7), s.ts(8)
    s.run(probe)
    assert [(r["action"], r["quantity"]) for r in probe.signals] == [("ENTER", 10.0), ("PARTIAL_FILL", 4.0),
                                                                     ("EXIT", 4.0)]
    assert probe.signals[2]["reason"] == "stop-loss canceled twice while the position was open"
    assert probe.signals[2]["ts"] == s.ts(7)
    orders = order_rows(s.engine.cache.orders())
    assert orders[-1] == (M, SELL, OrderStatus.FILLED, 4.0, 4.0, None, True)  # the close, not a 3rd stop
    assert sum(r[0] == S for r in orders) == 2
    assert all(r[2] in (OrderStatus.CANCELED, OrderStatus.FILLED) for r in orders)
    [position] = s.positions()
    assert position.is_closed and position.ts_closed == s.ts(7) and position.avg_px_close == 99.99
    assert probe.seen["positions"] == [] and probe.brackets.entries == {} and probe.brackets.children == {}
