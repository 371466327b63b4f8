"""``CcxtDataClient``: a Nautilus ``LiveMarketDataClient`` polling open interest and funding through ccxt.

Nautilus 1.221 streams neither open interest (no type) nor funding for every venue. This client polls
``fetch_open_interest`` / ``fetch_funding_rate`` of ``ccxt.async_support`` (non-blocking aiohttp) for each
configured target at a fixed interval, publishes :class:`~liqheat_nautilus.data.OpenInterest` and
:class:`~liqheat_nautilus.data.FundingRate` as ``CustomData`` with ``metadata={"instrument_id": "<id>"}``, backs off
exponentially on errors and marks targets stale when the venue stops producing new observations. It also answers
``request_data`` for both types from the venues' history endpoints (warm-up).
"""

import asyncio
import math
from dataclasses import dataclass

import ccxt.async_support as ccxt_async
import pandas as pd
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.common.enums import LogColor
from nautilus_trader.common.providers import InstrumentProvider
from nautilus_trader.data.messages import RequestData, SubscribeData, UnsubscribeData
from nautilus_trader.live.data_client import LiveMarketDataClient
from nautilus_trader.model.enums import PriceType
from nautilus_trader.model.identifiers import ClientId, InstrumentId

from liqheat_nautilus.adapters.ccxt.client import ccxt_client
from liqheat_nautilus.adapters.ccxt.config import (
    DEFAULT_OPEN_INTEREST_PARAMS,
    OPEN_INTEREST_UPDATE_SECS,
    CcxtDataClientConfig,
    PollTarget,
    history_row_limit,
)
from liqheat_nautilus.adapters.ccxt.paging import backoff_delay
from liqheat_nautilus.adapters.ccxt.parsing import (
    close_at,
    finite_or_nan,
    funding_from_ccxt,
    funding_from_history,
    open_interest_from_ccxt,
    timeframe_ms,
)
from liqheat_nautilus.core.units import NS_PER_MS, NS_PER_SECOND
from liqheat_nautilus.data import FundingRate, OpenInterest, as_custom_data


def describe_poll_error(exc: BaseException, timeout_secs: float) -> str:
    """
    One line for a failed poll, as logged and kept in the target's ``last_error``.

    ``asyncio.wait_for`` raises a ``TimeoutError`` without a message: the summary showed ``"TimeoutError: "``.

    Parameters
    ----------
    exc : BaseException
        What the poll raised.
    timeout_secs : float
        The poller's ``request_timeout_secs`` (seconds), named for a timeout.

    Returns
    -------
    str
        ``"<type>: <message>"`` (the message cut at 200 characters), or for a timeout without a message
        ``"TimeoutError: no answer within request_timeout_secs = <n> s"``.
    """
    text = str(exc)[:200]
    if not text and isinstance(exc, TimeoutError):
        text = f"no answer within request_timeout_secs = {timeout_secs:g} s"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass
class TargetStatus:
    """
    Health of one poll target (read it from :attr:`CcxtDataClient.status`).

    Attributes
    ----------
    polls, errors, consecutive_errors, published : int
        Counters (``published``: OpenInterest objects).
    funding_published : int
        FundingRate objects published.
    repeats : int
        Polls that returned an observation of the same venue time as the previous one (not published again).
    out_of_order : int
        Polls that returned an observation older than the newest published one (dropped, logged as a warning).
    held_back : int
        Polls whose observation had no USD value and no price to give it one (not published; the first of a run
        of them is logged as a warning).
    last_venue_ts_ns : int
        Venue timestamp (UNIX ns) of the newest open-interest observation.
    last_fresh_ns : int
        Local time (UNIX ns) a newer observation last arrived (connect time before the first).
    last_error : str
        The last error (type and message), ``""`` if none.
    stale : bool
        No newer observation for ``stale_after_secs``.
    next_delay_secs : float
        Wait before the next poll (grows on errors).
    """

    polls: int = 0
    errors: int = 0
    consecutive_errors: int = 0
    published: int = 0
    funding_published: int = 0
    repeats: int = 0
    out_of_order: int = 0
    held_back: int = 0
    last_venue_ts_ns: int = 0
    last_fresh_ns: int = 0
    last_error: str = ""
    stale: bool = False
    next_delay_secs: float = 0.0


class CcxtDataClient(LiveMarketDataClient):
    """
    Polls open interest (and optionally funding) of several venues through ``ccxt.async_support``.

    Polling starts on connect for every target; no subscription is needed (subscribers just
    ``subscribe_data(DataType(OpenInterest))``). Each target runs in its own task: a slow or failing venue never
    delays another, and all I/O is awaited on the node's event loop.

    Units follow :func:`~liqheat_nautilus.adapters.common.parsing.open_interest_from_venue` (the same rules as the
    history fetch and the archive ingest). Where a price is needed (USD of a linear venue reporting base units only,
    base units of an inverse contract) it is the mark price the venue reports in the same response (Hyperliquid
    ``markPx`` of ``metaAndAssetCtxs``), else the Nautilus cache (last trade, else mid, else mark price of the
    target's ``price_instrument_id`` or ``instrument_id``), else the mark price of the funding response of the
    same poll (Bybit tickers, Binance premium index; funding is polled first when enabled). Without a USD value the
    observation is held back (not counted fresh) until a price exists.

    Venues whose open interest comes in interval records (Bybit: 5 minutes, see
    :data:`~liqheat_nautilus.adapters.ccxt.config.OPEN_INTEREST_UPDATE_SECS`) are marked stale only after
    ``max(stale_after_secs, update_secs + interval_secs)``. Venues reporting no timestamp (Hyperliquid) get the
    local receive time, so they become stale only through errors.

    Parameters
    ----------
    loop : asyncio.AbstractEventLoop
        The node's event loop.
    client_id : ClientId
        E.g. ``ClientId("LIQHEAT_OI")``.
    msgbus, cache, clock
        The node's components.
    config : CcxtDataClientConfig
        Targets, interval, backoff, staleness.

    Raises
    ------
    ValueError
        If there is no target or an exchange id is unknown to ccxt.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        client_id: ClientId,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
        config: CcxtDataClientConfig,
    ) -> None:
        for target in config.targets:
            if not hasattr(ccxt_async, target.exchange):
                raise ValueError(f"poll target {target.key}: unknown ccxt exchange id {target.exchange!r}")
        super().__init__(
            loop=loop, client_id=client_id, venue=None, msgbus=msgbus, cache=cache, clock=clock,
            instrument_provider=InstrumentProvider(), config=config,
        )
        self._poll_config = config
        self._exchanges: dict[str, ccxt_async.Exchange] = {}
        self._markets_lock: dict[str, asyncio.Lock] = {}
        self._poll_tasks: list[asyncio.Task] = []
        self._stopping = False  # set by _disconnect: poll loops end even if a cancellation was swallowed
        self._sleep = asyncio.sleep  # the wait between polls (tests substitute one driven by a virtual clock)
        self.status: dict[str, TargetStatus] = {t.key: TargetStatus() for t in config.targets}
        self._holding: set[str] = set()  # targets whose last observations were held back (no USD value)

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def _exchange(self, exchange_id: str) -> ccxt_async.Exchange:
        exchange = self._exchanges.get(exchange_id)
        if exchange is None:
            cfg = self._poll_config
            exchange = ccxt_client(exchange_id, asynchronous=True, options=(cfg.ccxt_options or {}).get(exchange_id),
                                   settings=(cfg.ccxt_config or {}).get(exchange_id),
                                   api_base=(cfg.api_base_overrides or {}).get(exchange_id),
                                   timeout_ms=int(cfg.request_timeout_secs * 1000))
            self._exchanges[exchange_id] = exchange
            self._markets_lock[exchange_id] = asyncio.Lock()
        return exchange

    async def _connect(self) -> None:
        self._stopping = False
        now = self._clock.timestamp_ns()
        for target in self._poll_config.targets:
            self.status[target.key].last_fresh_ns = now
            self._exchange(target.exchange)
            self._poll_tasks.append(self._loop.create_task(self._poll_loop(target), name=f"oi-poll {target.key}"))
        self._log.info(f"Polling {len(self._poll_config.targets)} targets every "
                       f"{self._poll_config.interval_secs}s", LogColor.BLUE)

    async def _disconnect(self) -> None:
        # The flag as well as cancel(): on Python 3.11 ``asyncio.wait_for`` can swallow a cancellation that
        # arrives just as its request completes, and the loop would then poll on forever (seen as a hung test).
        self._stopping = True
        for task in self._poll_tasks:
            task.cancel()
        if self._poll_tasks:
            await asyncio.gather(*self._poll_tasks, return_exceptions=True)
        self._poll_tasks.clear()
        for exchange in self._exchanges.values():
            await exchange.close()
        self._exchanges.clear()

    async def _subscribe(self, command: SubscribeData) -> None:
        if command.data_type.type not in (OpenInterest, FundingRate):
            self._log.error(f"Cannot subscribe to {command.data_type.type.__name__}: this client publishes "
                            "OpenInterest and FundingRate only")

    async def _unsubscribe(self, command: UnsubscribeData) -> None:
        pass  # polling runs for the configured targets until disconnect

    # -- polling -----------------------------------------------------------------------------------------------

    @property
    def stale_targets(self) -> list[str]:
        """Keys (``"exchange:symbol"``) of the targets currently marked stale."""
        return [key for key, st in self.status.items() if st.stale]

    async def _ensure_markets(self, exchange_id: str) -> ccxt_async.Exchange:
        exchange = self._exchange(exchange_id)
        if not exchange.markets:
            async with self._markets_lock[exchange_id]:
                if not exchange.markets:
                    await asyncio.wait_for(exchange.load_markets(), self._poll_config.request_timeout_secs * 3)
        return exchange

    async def _poll_loop(self, target: PollTarget) -> None:
        cfg = self._poll_config
        st = self.status[target.key]
        while not self._stopping:
            st.polls += 1
            try:
                await self.poll_once(target)
                st.consecutive_errors = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - every venue failure must only back off this target
                st.errors += 1
                st.consecutive_errors += 1
                st.last_error = describe_poll_error(exc, cfg.request_timeout_secs)
                self._log.warning(f"{target.key}: poll failed ({st.consecutive_errors} in a row): {st.last_error}")
            self.check_stale(target)
            st.next_delay_secs = backoff_delay(cfg.interval_secs, st.consecutive_errors, cfg.max_backoff_secs)
            await self._sleep(st.next_delay_secs)

    def check_stale(self, target: PollTarget) -> bool:
        """
        Update and return the stale flag of ``target`` (logs on each transition).

        The flag is ``True`` when no newer observation arrived for :meth:`stale_after_secs` seconds.

        Parameters
        ----------
        target : PollTarget
            A polled market of this client (its ``key`` indexes :attr:`status`).

        Returns
        -------
        bool
            Whether the target is stale now.
        """
        st = self.status[target.key]
        stale_secs = self.stale_after_secs(target)
        stale = self._clock.timestamp_ns() - st.last_fresh_ns > stale_secs * NS_PER_SECOND
        if stale and not st.stale:
            self._log.warning(f"{target.key}: STALE (no new open interest for > {stale_secs}s"
                              f"{'; last error ' + st.last_error if st.last_error else ''})")
        elif st.stale and not stale:
            self._log.info(f"{target.key}: fresh again", LogColor.GREEN)
        st.stale = stale
        return stale

    def stale_after_secs(self, target: PollTarget) -> float:
        """
        Return the seconds without a newer observation after which ``target`` is stale.

        That is ``stale_after_secs``, raised to ``update_secs + interval_secs`` for venues producing a new
        observation only every ``update_secs`` (:data:`OPEN_INTEREST_UPDATE_SECS`).

        Parameters
        ----------
        target : PollTarget
            A polled market (its ``exchange`` picks the venue's update period).

        Returns
        -------
        float
            Seconds.
        """
        cfg = self._poll_config
        update_secs = OPEN_INTEREST_UPDATE_SECS.get(target.exchange)
        if update_secs is None:
            return cfg.stale_after_secs
        return max(cfg.stale_after_secs, update_secs + cfg.interval_secs)

    def open_interest_params(self, exchange_id: str) -> dict:
        """
        Return the ccxt ``fetch_open_interest`` params of an exchange.

        Parameters
        ----------
        exchange_id : str
            ccxt exchange id.

        Returns
        -------
        dict
            ``open_interest_params[exchange_id]`` if configured, else
            :data:`~liqheat_nautilus.adapters.ccxt.config.DEFAULT_OPEN_INTEREST_PARAMS` for it, else ``{}``.
        """
        configured = self._poll_config.open_interest_params or {}
        if exchange_id in configured:
            return dict(configured[exchange_id])
        return dict(DEFAULT_OPEN_INTEREST_PARAMS.get(exchange_id, {}))

    async def poll_once(self, target: PollTarget) -> None:
        """
        Poll one target once and publish what is new.

        Open interest is published only when its venue time is later than the last published one: a reading of the
        same time counts as a repeat (:attr:`TargetStatus.repeats`), an older one is dropped with a warning
        (``out_of_order``), and one that cannot be valued in USD is held back with a warning (``held_back``), so the
        map never gets a reading twice or out of order.

        Parameters
        ----------
        target : PollTarget
            The target.

        Raises
        ------
        ValueError
            If the venue answered an empty open-interest list (ccxt's ``IndexError``, reworded).
        Exception
            Any ccxt/network error or timeout (the poll loop counts it and backs off).
        """
        exchange = await self._ensure_markets(target.exchange)
        timeout = self._poll_config.request_timeout_secs
        funding_mark = math.nan
        if target.funding:  # first: its mark price can value open interest reported in base units only
            raw = await asyncio.wait_for(exchange.fetch_funding_rate(target.symbol), timeout)
            self._publish(self._to_funding(target, raw))
            self.status[target.key].funding_published += 1
            funding_mark = finite_or_nan(raw.get("markPrice"))
        if target.open_interest:
            try:
                raw = await asyncio.wait_for(
                    exchange.fetch_open_interest(target.symbol, self.open_interest_params(target.exchange)), timeout)
            except IndexError:  # ccxt reads the first record of the answer's list: Bybit's and OKX's were empty
                raise ValueError(f"{target.key}: the venue answered an empty open-interest list (no record for "
                                 f"{target.symbol})") from None
            oi = self._to_open_interest(exchange, target, raw, fallback_price=funding_mark)
            st = self.status[target.key]
            if oi is None:
                st.held_back += 1
                if target.key not in self._holding:  # the first of a run: the venue or the price went missing
                    self._holding.add(target.key)
                    self._log.warning(f"{target.key}: open interest not published: the venue gave no USD value and "
                                      "no price is known to value it (set price_instrument_id to a streamed "
                                      f"instrument); raw {str(raw.get('info'))[:200]}")
            elif oi.ts_event < st.last_venue_ts_ns:
                st.out_of_order += 1
                self._log.warning(f"{target.key}: open interest of venue time {oi.ts_event} is older than the last "
                                  f"published ({st.last_venue_ts_ns}): dropped (out of order)")
            elif oi.ts_event == st.last_venue_ts_ns:
                st.repeats += 1
            else:
                self._holding.discard(target.key)
                st.last_venue_ts_ns = oi.ts_event
                st.last_fresh_ns = self._clock.timestamp_ns()
                self._publish(oi)
                st.published += 1

    def _publish(self, obj) -> None:
        self._handle_data(as_custom_data(obj))

    def _reference_price(self, instrument_id: InstrumentId) -> float:
        for price_type in (PriceType.LAST, PriceType.MID, PriceType.MARK):
            price = self._cache.price(instrument_id, price_type)
            if price is not None:
                return price.as_double()
        return math.nan

    @staticmethod
    def _venue_mark_price(raw: dict) -> float:
        """Return the mark price the venue sent with the open interest (Hyperliquid ``markPx``), NaN if none."""
        info = raw.get("info")
        if isinstance(info, dict):
            for key in ("markPx", "markPrice"):
                price = finite_or_nan(info.get(key))
                if math.isfinite(price) and price > 0:
                    return price
        return math.nan

    def _to_open_interest(self, exchange, target: PollTarget, raw: dict, ts_init: int | None = None,
                          fallback_price: float = math.nan, price: float = math.nan) -> OpenInterest | None:
        market = exchange.market(target.symbol)
        if not math.isfinite(price):  # a history row's own price, else the venue's, the cache's, the fallback
            price = self._venue_mark_price(raw)
        if not math.isfinite(price):
            price = self._reference_price(InstrumentId.from_str(target.price_instrument_id or target.instrument_id))
        if not math.isfinite(price):
            price = fallback_price
        now_ns = self._clock.timestamp_ns()
        oi = open_interest_from_ccxt(
            raw, InstrumentId.from_str(target.instrument_id), target.venue_label, exchange_id=target.exchange,
            contract_size=finite_or_nan(market.get("contractSize")) if market.get("contractSize") else 1.0,
            inverse=bool(market.get("inverse")), price=price, ts_init=now_ns if ts_init is None else ts_init,
            now_ms=now_ns // NS_PER_MS,
        )
        return oi

    def _to_funding(self, target: PollTarget, raw: dict) -> FundingRate:
        try:
            return funding_from_ccxt(raw, InstrumentId.from_str(target.instrument_id), target.funding_interval_hours,
                                     self._clock.timestamp_ns())
        except ValueError as exc:
            raise ValueError(f"{target.key}: {exc}") from None

    # -- history requests (warm-up) ----------------------------------------------------------------------------

    async def _request(self, request: RequestData) -> None:
        cls = request.data_type.type
        wanted = request.data_type.metadata.get("instrument_id") if request.data_type.metadata else None
        wanted = str(wanted) if wanted is not None else None
        targets = [t for t in self._poll_config.targets if wanted in (None, t.instrument_id)]
        since_ms = int(pd.Timestamp(request.start).value // NS_PER_MS) if request.start is not None else None
        out: list = []
        for target in targets:
            try:
                if cls is OpenInterest and target.open_interest:
                    out += await self._open_interest_history(target, since_ms)
                elif cls is FundingRate and self._serves_funding_history(target):
                    out += await self._funding_history(target, since_ms)
            except Exception as exc:  # noqa: BLE001 - a failed venue must not fail the whole warm-up
                self._log.warning(f"{target.key}: history request for {cls.__name__} failed: "
                                  f"{type(exc).__name__}: {str(exc)[:200]}")
        out.sort(key=lambda d: d.ts_event)
        self._log.info(f"History {cls.__name__}: {len(out)} rows from {len(targets)} targets", LogColor.BLUE)
        self._handle_data_response(
            data_type=request.data_type, data=out, correlation_id=request.id, start=request.start,
            end=request.end, params=request.params,
        )

    def _serves_funding_history(self, target: PollTarget) -> bool:
        """Funding history of an instrument comes from its targets polling funding, else from its first target."""
        same = [t for t in self._poll_config.targets if t.instrument_id == target.instrument_id]
        polled = [t for t in same if t.funding]
        return target in polled if polled else target == same[0]

    async def _open_interest_history(self, target: PollTarget, since_ms: int | None) -> list[OpenInterest]:
        exchange = await self._ensure_markets(target.exchange)
        rows = await asyncio.wait_for(
            exchange.fetch_open_interest_history(
                target.symbol, self._poll_config.history_timeframe, since_ms,
                history_row_limit(target.exchange, "oi", self._poll_config.history_limit)),
            self._poll_config.request_timeout_secs,
        )
        price_at = await self._history_prices(exchange, target, rows)
        now = self._clock.timestamp_ns()
        out = [self._to_open_interest(exchange, target, row, ts_init=now,
                                      price=price_at(int(row["timestamp"])) if row.get("timestamp") else math.nan)
               for row in rows]
        return [oi for oi in out if oi is not None]

    async def _history_prices(self, exchange, target: PollTarget, rows: list[dict]):
        """
        Return ``price_at(ts_ms)`` valuing each open-interest history row at its own time, as the fetch does.

        The closes of the venue's candles of ``history_timeframe`` (:func:`~.parsing.close_at`) when a row needs a
        price (an inverse contract's base units, a venue reporting base units only, e.g. Bybit linear); else, or
        when the candles cannot be had, ``nan`` (the current price is then used, with a warning).
        """
        stamped = [int(r["timestamp"]) for r in rows if r.get("timestamp")]
        needs_price = exchange.market(target.symbol).get("inverse") or any(
            r.get("openInterestValue") is None for r in rows)
        if not stamped or not needs_price:
            return lambda ts_ms: math.nan
        timeframe = self._poll_config.history_timeframe
        try:
            candles = await asyncio.wait_for(
                exchange.fetch_ohlcv(target.symbol, timeframe, min(stamped) - timeframe_ms(timeframe),
                                     history_row_limit(target.exchange, "ohlcv", len(stamped) + 1)),
                self._poll_config.request_timeout_secs)
        except Exception as exc:  # noqa: BLE001 - the rows are still valued, at the current price
            self._log.warning(f"{target.key}: no candles to value the open-interest history at its own times "
                              f"({type(exc).__name__}: {str(exc)[:200]}); the current price is used")
            return lambda ts_ms: math.nan
        return close_at(candles, timeframe)

    async def _funding_history(self, target: PollTarget, since_ms: int | None) -> list[FundingRate]:
        exchange = await self._ensure_markets(target.exchange)
        limit = history_row_limit(target.exchange, "funding", self._poll_config.history_limit)
        rows = await asyncio.wait_for(
            exchange.fetch_funding_rate_history(target.symbol, since_ms, limit),
            self._poll_config.request_timeout_secs,
        )
        return funding_from_history(rows, InstrumentId.from_str(target.instrument_id), target.funding_interval_hours,
                                    f"{target.key} funding history", ts_init=self._clock.timestamp_ns())
