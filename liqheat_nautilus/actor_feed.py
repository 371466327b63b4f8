"""The map inputs of :class:`~liqheat_nautilus.actor.LiquidationMapActor`: warm-up requests and time-ordered feeding.

A mixin of the actor (it uses the actor's ``config``, ``map``, ``clock`` and Nautilus' request methods): history
requested on start and live data arriving meanwhile are held back until every request has answered (or the
timeout passed), then fed in time order, with older items of a kind already fed dropped.

Inputs stamped with the same time are fed in one order whatever order they arrive in
(:data:`~liqheat_nautilus.feed_order.FEED_ORDER`, the replay driver's): an open-interest reading closes its interval,
so it is applied only once an input of a later time arrives (or the actor stops); the bar, funding rate, long/short
ratio and taker volume of its own time go first.
Taker volume and ratios are stamped at the end of their period, so they describe the interval the reading closes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from nautilus_trader.common.actor import Actor
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import Bar, CustomData, DataType, TradeTick
from nautilus_trader.model.identifiers import ClientId, InstrumentId

from liqheat_nautilus.data import FundingRate, LongShortRatio, OpenInterest, TakerVolume
from liqheat_nautilus.feed_order import FEED_ORDER

if TYPE_CHECKING:
    from liqheat_nautilus.actor import LiquidationMapActorConfig
    from liqheat_nautilus.indicator import LiquidationMap


_FEED_RANK = {name: rank for rank, name in enumerate(FEED_ORDER)}
"""Rank of each input type (by name) at equal times: :data:`~liqheat_nautilus.feed_order.FEED_ORDER`, the replay
driver's."""
_NOTHING_HELD = 2**63 - 1
"""``_held_oi_ts`` when no reading is held: later than any time (UNIX ns), so no input releases anything."""


class MapFeedMixin(Actor):
    """
    Warm-up and feeding of the map's inputs (bars, open interest, funding, long/short ratio, taker volume).

    Attributes
    ----------
    warmup_received : dict[str, int]
        Items of history received per type name (``"Bar"``, ``"OpenInterest"``, ``"FundingRate"``, ...).
    """

    config: LiquidationMapActorConfig
    map: LiquidationMap | None
    _metadata: dict[str, str]
    _oi_instruments: dict[InstrumentId, str]  # each open-interest instrument -> its id string
    _bar_fast: bool

    def _init_feed(self) -> None:
        """Set up the warm-up state (called by the actor's ``__init__``)."""
        self.warmup_received: dict[str, int] = {"Bar": 0, "OpenInterest": 0, "FundingRate": 0}
        self._warmup_buffer: list[Any] = []  # held back until the warm-up requests answered (history and live)
        self._warming = False
        self._warmup_pending: set[Any] = set()
        self._fed_ts: dict[tuple, int] = {}  # newest ts_event fed per (kind, instrument), bars aside (the engine's)
        self._held_oi: list[OpenInterest] = []  # readings of one time, applied once a later input arrives
        self._held_oi_ts = _NOTHING_HELD  # their time: an input later than it releases them (one comparison)

    def _reset_feed(self) -> None:
        """Forget the warm-up state and what was fed (``on_reset``)."""
        self.warmup_received = dict.fromkeys(self.warmup_received, 0)
        self._warmup_buffer = []
        self._warming = False
        self._warmup_pending.clear()
        self._fed_ts.clear()
        self._held_oi.clear()
        self._held_oi_ts = _NOTHING_HELD

    def _request_warmup(self) -> None:
        """Request ``warmup_lookback_secs`` of bars (and open interest/funding) and hold data back meanwhile."""
        start = self.clock.utc_now() - timedelta(seconds=int(self.config.warmup_lookback_secs))
        self._warming = True
        self._bar_fast = False
        if self.config.warmup_bars:
            self._warmup_pending.add(self.request_bars(self.config.bar_type, start=start,
                                                       callback=self._warmup_answered))
        if self.config.warmup_client_id:
            client = ClientId(self.config.warmup_client_id)
            for cls in (OpenInterest, FundingRate):
                self._warmup_pending.add(self.request_data(DataType(cls, metadata=self._metadata), client,
                                                           start=start, callback=self._warmup_answered))
        if not self._warmup_pending:
            self._finish_warmup()
            return
        self.clock.set_time_alert(f"{self.id}-warmup", self.clock.utc_now() + timedelta(
            seconds=int(self.config.warmup_timeout_secs)), lambda _event: self._finish_warmup())

    def _warmup_answered(self, request_id: Any) -> None:
        """Record that the request ``request_id`` answered; finish the warm-up after the last one."""
        self._warmup_pending.discard(request_id)
        if not self._warmup_pending:
            self._finish_warmup()

    def on_historical_data(self, data: Data) -> None:
        """
        Hold back warm-up history (with live data) until every request has answered, then feed it in time order.

        History arriving later is fed when it is newer than what the map has seen of its kind (else dropped).

        Parameters
        ----------
        data : Data
            A bar of ``config.bar_type`` or one of the map's custom data (possibly wrapped in ``CustomData``);
            anything else is ignored.
        """
        if isinstance(data, CustomData):
            data = data.data
        if isinstance(data, Bar):
            if data.bar_type != self.config.bar_type:
                return
        elif not self._is_map_input(data):
            return
        self.warmup_received[type(data).__name__] = self.warmup_received.get(type(data).__name__, 0) + 1
        self._warmup_buffer.append(data)
        if not self._warming:
            self._flush_warmup()

    def _is_map_input(self, data: Data) -> bool:
        """Whether ``data`` is custom data the map uses (its instrument, its open-interest venues, its ratio kind)."""
        if isinstance(data, OpenInterest):
            return data.instrument_id in self._oi_instruments
        if isinstance(data, LongShortRatio) and data.kind != self.config.long_short_ratio_kind:
            return False
        return isinstance(data, FundingRate | LongShortRatio | TakerVolume) and (
            data.instrument_id == self.config.instrument_id)

    def _finish_warmup(self) -> None:
        """Feed the held-back history and live data in time order and start publishing."""
        if not self._warming:
            return
        self._warming = False
        self._warmup_pending.clear()
        self._flush_warmup()
        if self.map is not None and self.map.engine.initialized:
            self.publish_map(self.map.engine.ts_ns)

    def _flush_warmup(self) -> None:
        """Feed what is held back, in time order (bars first at equal times, see ``FEED_ORDER``)."""
        if not self._warmup_buffer or self.map is None:
            return
        buffered = sorted(self._warmup_buffer, key=lambda d: (d.ts_event, _FEED_RANK.get(type(d).__name__, 9)))
        self._warmup_buffer = []
        for item in buffered:
            self._feed(item)

    def _map_to_feed(self, item: Any) -> LiquidationMap | None:
        """Return the map to feed ``item`` to now; ``None`` without a map, or while the warm-up holds it back."""
        liq_map = self.map
        if liq_map is not None and self._warming:
            self._warmup_buffer.append(item)
            return None
        return liq_map

    def _feed(self, item: Any) -> None:
        """Give one bar, trade tick or custom data item to the map (dropped when older than the newest of its kind)."""
        liq_map = self.map
        if liq_map is None:
            return
        ts = item.ts_event
        kind = type(item)
        if kind is Bar:  # the engine keeps the last bar's time (on_bar's fast path feeds it directly)
            if ts <= liq_map.engine.last_bar_ns:
                return
        else:
            key = (kind, item.instrument_id)
            if ts < self._fed_ts.get(key, -1):
                return
            self._fed_ts[key] = ts
        if kind is TradeTick:  # after the readings of its own time too
            if ts >= self._held_oi_ts:
                self._release_open_interest()
            liq_map.handle_trade_tick(item)
            return
        if ts > self._held_oi_ts:
            self._release_open_interest()
        if kind is Bar:
            liq_map.handle_bar(item)
        elif kind is OpenInterest:
            self._held_oi.append(item)
            self._held_oi_ts = ts
        elif kind is FundingRate:
            liq_map.handle_funding_rate(item)
        elif kind is LongShortRatio:
            liq_map.handle_long_short_ratio(item)
        elif kind is TakerVolume:
            liq_map.handle_taker_volume(item)

    def _release_open_interest(self) -> None:
        """
        Apply the held open-interest readings: an input of a later time arrived, or the end.

        The readings share one time (several venues reporting at once): each is recorded, then their sum is fed as
        one reading, so the map never sees a partial sum (one venue's new value beside another's old one) that the
        next reading of the same time would undo.
        """
        held, self._held_oi, self._held_oi_ts = self._held_oi, [], _NOTHING_HELD
        if len(held) == 1:
            self.handle_open_interest(held[0])
            return
        for reading in held:
            self._record_open_interest(reading)
        if held:
            self._feed_open_interest(held[-1].ts_event)
