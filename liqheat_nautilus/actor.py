"""``LiquidationMapActor``: feeds a :class:`LiquidationMap` from the message bus and publishes its signals."""

import math
from collections import deque

from nautilus_trader.core.data import Data
from nautilus_trader.model.data import Bar, CustomData, DataType, TradeTick
from nautilus_trader.model.identifiers import ClientId, InstrumentId

from liqheat_nautilus.actor_config import LiquidationMapActorConfig
from liqheat_nautilus.actor_feed import MapFeedMixin
from liqheat_nautilus.actor_publishing import MapPublishingMixin
from liqheat_nautilus.bar_arrays import bar_arrays
from liqheat_nautilus.core.anchor import seed_is_short
from liqheat_nautilus.core.enums import ClusterStatus
from liqheat_nautilus.core.kernels import warm_up
from liqheat_nautilus.core.open_interest_book import OpenInterestBook
from liqheat_nautilus.core.profile import profile_instrument_warning
from liqheat_nautilus.core.units import NS_PER_SECOND
from liqheat_nautilus.data import (
    FundingRate,
    LiquidationEvent,
    LongShortRatio,
    OpenInterest,
    TakerVolume,
)
from liqheat_nautilus.indicator import LiquidationMap

_FEW_BARS = 10
"""Bars kept by ``on_bar`` below which they are fed one by one: a compiled pass of fewer costs more than reading
them through Python (measured outside Nautilus on real bars, docs/benchmarks.md, 2026-11-29)."""


class LiquidationMapActor(MapFeedMixin, MapPublishingMixin):
    """
    Runs a :class:`LiquidationMap` on bars, open interest, funding and positioning data, and publishes its signals.

    Subscribes to ``config.bar_type`` bars (and trade ticks when configured) and to the
    :class:`~liqheat_nautilus.data.OpenInterest`, :class:`~liqheat_nautilus.data.FundingRate`,
    :class:`~liqheat_nautilus.data.LongShortRatio` and :class:`~liqheat_nautilus.data.TakerVolume` custom data of
    ``config.instrument_id``. Publishes :class:`~liqheat_nautilus.data.LiquidationCluster` and
    :class:`~liqheat_nautilus.data.LiquidationMapSnapshot` with
    ``DataType(cls, metadata={"instrument_id": "<id>"})``: subscribe to that (or to ``DataType(cls)``) to receive
    them. Clusters are published before the snapshot of the same update.

    When it publishes (the rule): the map is read — clusters with their ids, magnet, in one compiled pass — on the
    first bar after every open-interest update and on the first bar at or after each ``publish_interval_secs``.
    An *update* (every live cluster, the ``CLEARED`` reports, then the snapshot, all stamped with that bar's time)
    is published when the interval has elapsed since the previous update, or when the read differs from the last
    published one in which clusters there are: a cluster appeared or vanished (its id), or was cleared, or the
    magnet's bias changed. A read whose clusters only moved (notional, strength, distance, counts, range by a bin
    or two, status) publishes nothing until the interval; the snapshot's swept notional then covers everything
    since the previous snapshot. With open interest every ``publish_interval_secs`` or less often (the hourly
    default) every reading is published, as before; with finer open interest (e.g. Binance's 5-minute metrics)
    the strategies see every change of the clusters at once and their notional at least every interval, without
    about 13 messages per reading. Each update's clusters are complete (a strategy's book keeps exactly the clusters
    stamped with the snapshot's time).

    Inputs of the same time are applied in one order whatever order they arrive in, the replay driver's (bar,
    funding rate, long/short ratio, taker volume, then open interest; see :mod:`liqheat_nautilus.actor_feed`): an
    open-interest reading received through the message bus is held back until an input of a later time arrives (or
    the actor stops), so a backtest, a live node, ``liqheat evaluate`` and the charts build the same map from the
    same data. (Without this, a backtest applied each reading before the ratio and taker volume of its own time.)
    Trade ticks come last: a tick at or after a held reading's time applies it first (Nautilus delivers a
    subscription's ticks after the data stream's items of the same time), so readings of several venues stamped
    with one time are still summed once.

    Real liquidation prints (:class:`~liqheat_nautilus.data.LiquidationEvent`) are recorded in
    :attr:`liquidation_events`; each one sweeps the map at its price like a trade (a liquidation at a price proves
    price reached it, so predicted levels up to there are cleared) and confirms the same-side clusters of the last
    update whose zone contains it (:attr:`confirmed_clusters`: cluster id -> confirmed USD, and
    :attr:`liquidation_matches`), so the map can later be judged against real prints.

    A ``map_profile`` fitted on another instrument (its ``[calibration] instrument_id``) is logged as a warning on
    start and kept in :attr:`profile_warning` (``""`` otherwise;
    :func:`~liqheat_nautilus.core.profile.profile_instrument_warning`).

    Parameters
    ----------
    config : LiquidationMapActorConfig
        The configuration.
    """

    def __init__(self, config: LiquidationMapActorConfig) -> None:
        super().__init__(config)
        self._map: LiquidationMap | None = None
        self._pending_bars: list[Bar] = []  # the fast path's bars not yet fed (fed at once before the map is used)
        self.profile_warning = ""
        self._metadata = {"instrument_id": config.instrument_id.value}
        self._init_publishing()
        self._init_feed()
        self._bar_fast = False  # on_bar's short path: the map exists, is initialized and not warming up
        oi_ids = config.oi_instrument_ids or [config.instrument_id.value]
        # each open-interest instrument -> its id string, the book's key (InstrumentId.value builds a new string on
        # every call: about 1 us per reading)
        self._oi_instruments = {iid: iid.value for iid in (
            InstrumentId.from_str(i) if isinstance(i, str) else i for i in oi_ids)}
        # keyed by instrument: two instruments of one venue (USD-M and COIN-M on BINANCE) are two readings to sum
        self.oi_book = OpenInterestBook(
            venues=tuple(sorted(self._oi_instruments.values())),
            max_age_ns=int(config.oi_max_age_secs) * NS_PER_SECOND,
        )
        self.liquidation_events: deque[LiquidationEvent] = deque(maxlen=max(int(config.max_liquidation_events), 1))
        self.liquidation_matches: deque[tuple[int, int, str, float, float]] = deque(
            maxlen=max(int(config.max_liquidation_events), 1))
        self.confirmed_clusters: dict[int, float] = {}

    @property
    def map(self) -> LiquidationMap | None:
        """
        The map (``None`` before ``on_start``), with every bar received so far fed to it.

        On its short path :meth:`on_bar` only keeps each bar; the bars kept are fed in one compiled pass
        (:func:`~liqheat_nautilus.bar_arrays.bar_arrays`, ``LiquidationMapEngine.update_bars``) whenever the map is
        used: before an input of another kind, a read or a publication, and on every access to this attribute
        (from a strategy too), so no reader ever sees a map without the bars already received.

        Raises
        ------
        ValueError
            If a bar kept is one the map refuses (as ``LiquidationMap.update_raw``); the bars before it are fed.
        """
        if self._pending_bars:
            self._feed_pending_bars()
        return self._map

    @map.setter
    def map(self, value: LiquidationMap | None) -> None:
        self._pending_bars.clear()
        self._map = value

    def _feed_pending_bars(self) -> None:
        """Feed the bars :meth:`on_bar` kept to the map: a few one by one, more in one compiled pass."""
        pending, self._pending_bars = self._pending_bars, []
        liq_map = self._map
        if liq_map is None:
            return
        engine = liq_map.engine  # (bars are kept only once the map is initialized: no indicator flag to set)
        if len(pending) < _FEW_BARS:  # a compiled pass costs about as much as 10 bars read through Python
            update = engine.update_bar
            for bar in pending:
                update(bar.high.as_double(), bar.low.as_double(), bar.close.as_double(), bar.volume.as_double(),
                       bar.ts_event)
            return
        arrays = bar_arrays(pending)
        engine.update_bars(arrays.high, arrays.low, arrays.close, arrays.volume, arrays.ts_ns)

    def on_start(self) -> None:
        """
        Build the map and subscribe to bars, trades (optional), open interest and funding.

        Raises
        ------
        ValueError
            If ``config.instrument_id`` is not in the cache (the map needs its contract: linear or inverse,
            multiplier); the message lists the instruments the cache holds. Also if ``map_profile`` or
            ``map_params_extra`` sets ``inverse = true`` for a linear instrument.
        """
        instrument = self.cache.instrument(self.config.instrument_id)
        if instrument is None:
            held = sorted(i.value for i in self.cache.instrument_ids()) or ["none"]
            raise ValueError(f"{type(self).__name__}: instrument_id {self.config.instrument_id} is not in the cache "
                             f"(instruments: {', '.join(held)}); add the instrument to the engine or node, or fix "
                             "LiquidationMapActorConfig.instrument_id")
        params = self.config.map_params(inverse=bool(instrument.is_inverse), inverse_known=True)
        self.map = LiquidationMap.for_instrument(instrument, params)
        if self.config.map_profile:
            self.profile_warning = profile_instrument_warning(self.config.map_profile, str(self.config.instrument_id))
            if self.profile_warning:
                self.log.warning(self.profile_warning)
        warm_up()  # compile/load the engine's kernels now rather than on the first open-interest update
        # fed from on_bar / on_historical_data rather than registered: one dispatch per bar instead of two
        self.subscribe_bars(self.config.bar_type)
        if self.config.subscribe_trade_ticks:  # fed from on_trade_tick, after a held reading (not registered)
            self.subscribe_trade_ticks(self.config.instrument_id)
        self.subscribe_data(DataType(OpenInterest))
        self.subscribe_data(DataType(FundingRate))
        self.subscribe_data(DataType(LongShortRatio))
        self.subscribe_data(DataType(TakerVolume))
        if self.config.liquidation_client_id:
            self.subscribe_data(DataType(LiquidationEvent, metadata=self._metadata),
                                client_id=ClientId(self.config.liquidation_client_id))
        else:
            self.subscribe_data(DataType(LiquidationEvent))
        if self.config.warmup_lookback_secs > 0:
            self._request_warmup()

    def on_stop(self) -> None:
        """
        Apply an open-interest reading still held back; warn when the map never had what it needs to publish.

        The warning (:meth:`missing_inputs`) names what never arrived, so a run with no signal is not silent.
        """
        if self.map is not None and self._held_oi:  # (reading the map feeds the bars kept)
            self._release_open_interest()
        missing = self.missing_inputs()
        if missing:
            self.log.warning(f"no liquidation map was published: {'; '.join(missing)}")

    def missing_inputs(self) -> list[str]:
        """
        Return what the map has not received of what it needs before its first publication.

        The map publishes once it has bars of ``config.bar_type`` and an open-interest reading of every
        instrument of ``config.oi_instrument_ids`` (default: ``config.instrument_id``).

        Returns
        -------
        list[str]
            One sentence per missing input naming the config field (empty once the map is initialized, or
            before ``on_start``).
        """
        liq_map = self.map
        if liq_map is None or liq_map.initialized:
            return []
        missing = []
        if not liq_map.has_inputs:
            missing.append(f"no bar of bar_type {self.config.bar_type} arrived (is it in the data, with this bar "
                           "specification and aggregation source?)")
        absent = sorted(name for name in self._oi_instruments.values() if math.isnan(self.oi_book.latest(name)))
        if absent:
            missing.append(f"no OpenInterest of {', '.join(absent)} arrived (custom data needs a client_id and "
                           "this instrument_id)")
        return missing

    def on_reset(self) -> None:
        """Reset the map (``engine.reset()`` does not reset indicators) and the counters."""
        self._pending_bars.clear()
        if self._map is not None:
            self._map.reset()
        self._reset_publishing()
        self._bar_fast = False
        self.oi_book.reset()
        self.liquidation_events.clear()
        self.liquidation_matches.clear()
        self.confirmed_clusters.clear()
        self._reset_feed()

    def on_data(self, data: Data) -> None:
        """
        Feed open interest, funding and positioning data of the configured instrument to the map; record prints.

        Parameters
        ----------
        data : Data
            An ``OpenInterest``, ``FundingRate``, ``LongShortRatio``, ``TakerVolume`` or ``LiquidationEvent`` (bare
            or wrapped in ``CustomData``, as the catalog and the message bus deliver them); others are ignored, as
            is anything that arrives before the map exists (``on_start``).
        """
        if isinstance(data, CustomData):
            data = data.data
        if self.map is None:
            return
        if self._is_map_input(data):
            if self._map_to_feed(data) is not None:
                self._feed(data)
        elif isinstance(data, LiquidationEvent) and data.instrument_id == self.config.instrument_id:
            if data.ts_event > self._held_oi_ts:
                self._release_open_interest()
            self.handle_liquidation(data)

    def handle_open_interest(self, oi: OpenInterest) -> None:
        """
        Record an instrument's open interest and, once every configured one has reported, feed their sum to the map.

        Parameters
        ----------
        oi : OpenInterest
            An observation of one of ``config.oi_instrument_ids`` (or the instrument itself).
        """
        self._record_open_interest(oi)
        self._feed_open_interest(oi.ts_event)

    def _record_open_interest(self, oi: OpenInterest) -> None:
        """Record a reading in the open-interest book (no feed)."""
        instrument_id = oi.instrument_id
        name = self._oi_instruments.get(instrument_id)
        self.oi_book.update(name if name is not None else instrument_id.value, oi.open_interest_usd, oi.ts_event,
                            oi.open_interest_base)

    def _feed_open_interest(self, ts_ns: int) -> None:
        """Feed the book's sum to the map as the reading at ``ts_ns`` (UNIX ns), once every instrument reported."""
        totals = self.oi_book.totals()  # (total_usd(), total_base()) once ready
        if totals is not None:
            liq_map = self._require_map()
            engine = liq_map.engine
            seeding = not engine.seeded
            liq_map.update_open_interest_raw(totals[0], ts_ns, totals[1])
            self._oi_pending = True
            if seeding and seed_is_short(engine.seed_span_hours, engine.params.seed_lookback_hours):
                self.log.warning(
                    f"the map was seeded from {engine.seed_span_hours:.1f} h of bars before the first open-interest "
                    f"reading, less than seed_lookback_hours={engine.params.seed_lookback_hours:g}: give the "
                    "catalog bars from that long before the start, or set warmup_lookback_secs (live)")

    def handle_liquidation(self, event: LiquidationEvent) -> int:
        """
        Record a real liquidation print, sweep the map at its price and confirm the clusters it falls in.

        Parameters
        ----------
        event : LiquidationEvent
            The print (``side`` = liquidated position side).

        Returns
        -------
        int
            The confirmed cluster's id (the nearest same-side cluster of the last update whose zone, widened by
            ``liquidation_match_pct`` percent of the print price, contains it), ``-1`` if none.
        """
        liq_map = self._require_map()
        self.liquidation_events.append(event)
        margin = event.price * self.config.liquidation_match_pct / 100.0
        matches = [c for c in liq_map.clusters if c.side == event.side and c.status != ClusterStatus.CLEARED
                   and c.price_low - margin <= event.price <= c.price_high + margin]
        cluster_id = -1
        if matches:
            best = min(matches, key=lambda c: abs(c.price_level - event.price))
            cluster_id = best.cluster_id
            self.confirmed_clusters[cluster_id] = self.confirmed_clusters.get(cluster_id, 0.0) + event.notional_usd
        self.liquidation_matches.append((event.ts_event, cluster_id, event.side, event.price, event.notional_usd))
        if liq_map.engine.grid is not None:
            liq_map.update_trade_raw(event.price, event.ts_event)
        return cluster_id

    def on_bar(self, bar: Bar) -> None:
        """
        Feed the bar to the map; read the map after an open-interest update or once the publish interval elapsed.

        An update is published when the rule of the class docstring says so. Once the map is initialized the bar
        is kept and fed with the others kept at the next use of the map (see :attr:`map`): the same map, without
        reading each bar's fields through Python.

        Parameters
        ----------
        bar : Bar
            A bar of ``config.bar_type`` (held back while the warm-up runs).
        """
        if self._bar_fast:  # the hot path: the bar kept, three comparisons
            ts_ns = bar.ts_event
            if ts_ns > self._held_oi_ts:
                self._release_open_interest()
            self._pending_bars.append(bar)
            if self._oi_pending or ts_ns >= self._next_publish_ns:
                self._map_update(ts_ns)
            return
        liq_map = self._map_to_feed(bar)
        if liq_map is None:
            return
        ts_ns = bar.ts_event
        if ts_ns <= liq_map.engine.last_bar_ns:  # the last bar of the warm-up's history, again from the stream
            return
        if ts_ns > self._held_oi_ts:
            self._release_open_interest()
        liq_map.update_raw(bar.high.as_double(), bar.low.as_double(), bar.close.as_double(), bar.volume.as_double(),
                           ts_ns)
        self._bar_fast = liq_map.initialized
        if self._oi_pending or ts_ns >= self._next_publish_ns:
            self._map_update(ts_ns)

    def on_trade_tick(self, tick: TradeTick) -> None:
        """
        Feed a trade tick to the map (``subscribe_trade_ticks``), after the open interest held back for its time.

        Held back while the warm-up runs, like the bars.

        Parameters
        ----------
        tick : TradeTick
            A trade of ``config.instrument_id`` (size in contracts; the map converts it with the multiplier).
        """
        liq_map = self._map_to_feed(tick)
        if liq_map is None:
            return
        if tick.ts_event >= self._held_oi_ts:
            self._release_open_interest()
        liq_map.handle_trade_tick(tick)
