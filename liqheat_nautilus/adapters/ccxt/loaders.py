"""``liqheat catalog fetch``: history from an exchange through ccxt into a Nautilus catalog, resumable.

Every request goes through ccxt (its rate limiter on) and :func:`~liqheat_nautilus.adapters.ccxt.paging.call_with_retry`
(backoff on 429/5xx/network errors); pages are walked by :func:`~liqheat_nautilus.adapters.ccxt.paging.paginate`;
objects are written by :class:`~liqheat_nautilus.persistence.writer.RangeReplacingWriter` inside one
:func:`~liqheat_nautilus.persistence.transaction.catalog_transaction`, so a failed or interrupted fetch leaves the
catalog as it was. With ``resume`` each stream starts after the latest timestamp the catalog already holds for it,
so re-running a command (or extending its end) only fetches what is missing. An answer that is not JSON or not a
list of rows is an error, not an empty page.
"""

import json
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import ccxt
from nautilus_trader.model.data import Bar, TradeTick
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from liqheat_nautilus.adapters.ccxt.client import make_exchange
from liqheat_nautilus.adapters.ccxt.config import VenueSpec, venue_spec
from liqheat_nautilus.adapters.ccxt.paging import RetryPolicy, call_with_retry, paginate, paginate_newest_first
from liqheat_nautilus.adapters.ccxt.parsing import (
    bar_type_for,
    bars_from_ohlcv,
    close_at,
    funding_from_history,
    open_interest_from_history,
    ticks_from_trades,
    timeframe_ms,
)
from liqheat_nautilus.adapters.ccxt.providers import instrument_from_market, resolve_market
from liqheat_nautilus.adapters.common.providers import refuse_legacy_ids
from liqheat_nautilus.core.units import NS_PER_HOUR, NS_PER_MS
from liqheat_nautilus.data import FundingRate, OpenInterest
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.scan import last_ts_init
from liqheat_nautilus.persistence.transaction import catalog_transaction, check_target
from liqheat_nautilus.persistence.writer import DEFAULT_CHUNK_ROWS, IngestSummary, RangeReplacingWriter

FETCH_KINDS = ("bars", "trades", "oi", "funding")
"""Data kinds: OHLCV bars, public trades, open-interest history, funding-rate history."""


HOUR_MS = NS_PER_HOUR // NS_PER_MS
DEFAULT_POLICY = RetryPolicy()
DEFAULT_FUNDING_INTERVAL_HOURS = 8.0
"""Funding interval of a history page whose rows give no spacing (a single row)."""


@dataclass(frozen=True)
class FetchPlan:
    """
    What to fetch.

    Attributes
    ----------
    exchange : str
        ``binance`` (USD-M), ``bybit``, ``okx`` or ``hyperliquid``.
    symbol : str
        ccxt unified symbol (``BTC/USDT:USDT``) or the venue's id (``BTCUSDT``, ``BTC-USDT-SWAP``,
        ``BTC-USD-PERP`` for Hyperliquid).
    start_ms, end_ms : int
        UNIX ms, ``end_ms`` exclusive (bars: open times in the range).
    kinds : tuple[str, ...]
        Subset of :data:`FETCH_KINDS`.
    timeframe : str
        Bar timeframe (ccxt notation).
    oi_period : str
        Open-interest history period (``5m``, ``15m``, ``30m``, ``1h``, ``4h``, ``1d``).
    resume : bool
        Start each stream after the catalog's latest timestamp for it.
    """

    exchange: str
    symbol: str
    start_ms: int
    end_ms: int
    kinds: tuple[str, ...] = ("bars", "oi", "funding")
    timeframe: str = "1m"
    oi_period: str = "5m"
    resume: bool = True


def _listed_rows(raw: object) -> list | None:
    """
    Return the list of rows in a venue's JSON answer, ``None`` when there is none.

    The rows are the answer itself (Binance, Hyperliquid), or under ``data`` (OKX) or ``result.list`` (Bybit).
    """
    if isinstance(raw, list):
        return raw
    if isinstance(raw, dict):
        for key in ("data", "result", "list"):
            if key in raw and (found := _listed_rows(raw[key])) is not None:
                return found
    return None


class _Fetcher:
    """One fetch run: an exchange, a market, its instrument and the request helpers."""

    def __init__(self, plan: FetchPlan, exchange: ccxt.Exchange, spec: VenueSpec, policy: RetryPolicy,
                 sleep: Callable[[float], None], log: Callable[[str], None]) -> None:
        self.plan, self.exchange, self.spec, self.policy, self.sleep, self.log = plan, exchange, spec, policy, \
            sleep, log
        self.retries = 0
        exchange.enableLastJsonResponse = True  # the raw answer of each data request is checked (rows_of)
        self.call(exchange.load_markets)
        self.market = resolve_market(exchange, plan.symbol, spec.venue)
        self.symbol = self.market["symbol"]
        self.instrument = instrument_from_market(self.market, spec.venue, exchange.precisionMode)

    def call(self, fn: Callable, *args, **kwargs):
        """Call a ccxt method with the retry policy (backoff on transient errors); raises its last error."""
        def on_retry(attempt: int, exc: Exception, wait: float) -> None:
            self.retries += 1
            self.log(f"{type(exc).__name__}: {str(exc)[:120]}; retry {attempt + 1}/{self.policy.retries} "
                     f"in {wait:.2f} s")

        return call_with_retry(fn, *args, policy=self.policy, exchange=self.exchange, sleep=self.sleep,
                               on_retry=on_retry, **kwargs)

    def rows_of(self, kind: str, fn: Callable, *args) -> list:
        """
        Call a ccxt data method (with retries) and check that the exchange's answer really was rows.

        ccxt turns an HTTP 200 whose body is not JSON, or JSON of another shape, into an empty list; a fetch would
        then store nothing and report success.

        Raises
        ------
        IngestError
            If the body was not JSON, held no list of rows, or held rows of which ccxt could read none.
        """
        try:
            rows = self.call(fn, *args)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:  # ccxt's parser on a wrong shape
            raw = json.dumps(self.exchange.last_json_response, default=str)[:160]
            raise IngestError(self.source(kind), f"ccxt could not read the exchange's answer ({type(exc).__name__}: "
                                                 f"{exc}): {raw}") from None
        raw = self.exchange.last_json_response
        if raw is None:
            text = str(self.exchange.last_http_response or "")[:120]
            raise IngestError(self.source(kind), f"the exchange answered with a body that is not JSON: {text!r}")
        listed = _listed_rows(raw)
        if listed is None:
            raise IngestError(self.source(kind), "the exchange's answer holds no list of rows: "
                                                 f"{json.dumps(raw, default=str)[:160]}")
        if listed and not rows:
            raise IngestError(self.source(kind), f"the exchange sent {len(listed)} rows of which ccxt could read "
                                                 f"none, e.g. {json.dumps(listed[0], default=str)[:160]}")
        return rows

    def until(self, until_ms: int, kind: str, since_ms: int | None = None) -> dict:
        """Request parameters bounding a window: ccxt's ``until`` or the venue's raw names (see VenueSpec)."""
        name = self.spec.until_params.get(kind, "until")
        params = {name: until_ms + 1 if self.spec.until_exclusive else until_ms}
        if since_ms is not None and kind in self.spec.since_params:
            params[self.spec.since_params[kind]] = since_ms - 1 if self.spec.until_exclusive else since_ms
        return params

    def source(self, kind: str) -> str:
        """Label of a data kind for error messages, e.g. ``"binance BTC/USDT:USDT ohlcv"``."""
        return f"{self.spec.name} {self.symbol} {kind}"

    # -- one generator per data kind: yields lists of Nautilus objects, page by page ---------------------------

    def bars(self, since: int, end: int) -> Iterator[list]:
        """Pages of ``Bar`` (stamped at the close) for ``[since, end]`` (UNIX ms)."""
        tf = self.plan.timeframe
        limit = self.spec.ohlcv_limit
        pages = paginate(lambda s, u: self.rows_of("ohlcv", self.exchange.fetch_ohlcv, self.symbol, tf, s, limit,
                                                    self.until(u, "bars")),
                         lambda r: int(r[0]), since, end, limit, limit * timeframe_ms(tf), step_ms=timeframe_ms(tf))
        for page in pages:
            yield bars_from_ohlcv(page.rows, self.instrument, tf, self.source("ohlcv"))

    def trades(self, since: int, end: int) -> Iterator[list]:
        """Pages of ``TradeTick`` for ``[since, end]`` (UNIX ms); ``ValueError`` where the venue has no history."""
        if not self.spec.historical_trades:
            raise ValueError(f"{self.spec.name} serves no public trade history by time range through its REST API "
                             "(Bybit: the latest 1000 trades only, Hyperliquid: none); use bars, or the Binance "
                             "archive ingest for trades")
        limit = self.spec.trades_limit

        def fetch(s: int, u: int) -> list:
            params = {**self.spec.trades_params, **self.until(u, "trades", s)}
            return self.rows_of("trades", self.exchange.fetch_trades, self.symbol, s, limit, params)

        window = self.spec.trades_window_ms or HOUR_MS
        if self.spec.trades_newest_first:
            pages = paginate_newest_first(fetch, lambda r: int(r["timestamp"]), since, end, limit, window,
                                          key_of=lambda r: str(r["id"]))
        else:
            pages = paginate(fetch, lambda r: int(r["timestamp"]), since, end, limit, window,
                             key_of=lambda r: str(r["id"]))
        for page in pages:
            yield ticks_from_trades(page.rows, self.instrument, self.source("trades"))

    def open_interest(self, since: int, end: int) -> Iterator[list]:
        """Pages of ``OpenInterest`` (USD; contracts/base where given) for ``[since, end]`` (UNIX ms)."""
        if not self.spec.oi_history:
            raise no_oi_history(self.spec)
        period = self.plan.oi_period
        limit = self.spec.oi_limit
        pages = paginate(lambda s, u: self.rows_of("open interest", self.exchange.fetch_open_interest_history,
                                                   self.symbol, period, s, limit, self.until(u, "oi")),
                         lambda r: int(r["timestamp"]), since, end, limit, limit * timeframe_ms(period))
        for page in pages:
            price_at = None
            # a price values base units in USD (Bybit linear reports base units only) and gives an inverse
            # contract's base units (coin = USD / price)
            if self.instrument.is_inverse or any(r.get("openInterestValue") is None for r in page.rows):
                price_at = self._price_lookup(page.since, page.until, period)
            yield open_interest_from_history(page.rows, self.instrument, self.spec.venue, self.spec.ccxt_id,
                                             price_at, self.source("open interest"))

    def _price_lookup(self, since: int, until: int, period: str) -> Callable[[int], float]:
        """Close of the last candle of ``period`` closed at or before a time (``nan`` when there is none)."""
        rows = self.rows_of("ohlcv", self.exchange.fetch_ohlcv, self.symbol, period, since - timeframe_ms(period),
                            self.spec.ohlcv_limit, self.until(until, "bars"))
        return close_at(rows, period)

    def funding(self, since: int, end: int) -> Iterator[list]:
        """Pages of ``FundingRate`` (interval from the spacing of funding times) for ``[since, end]`` (UNIX ms)."""
        limit = self.spec.funding_limit
        pages = paginate(lambda s, u: self.rows_of("funding", self.exchange.fetch_funding_rate_history, self.symbol,
                                                   s, limit, self.until(u, "funding")),
                         lambda r: int(r["timestamp"]), since, end, limit, limit * HOUR_MS)
        for page in pages:
            yield funding_from_history(page.rows, self.instrument.id, DEFAULT_FUNDING_INTERVAL_HOURS,
                                       self.source("funding"))


def no_oi_history(spec) -> ValueError:
    """
    Return the error of an open-interest history fetch from a venue that serves none (e.g. Hyperliquid).

    Parameters
    ----------
    spec : VenueSpec
        The venue (its ``oi_history`` is false); its ``name`` is quoted.

    Returns
    -------
    ValueError
        Naming the venue and what can be fetched or recorded instead.
    """
    return ValueError(f"{spec.name} serves no open-interest history through its API (only the current value); fetch "
                      "bars and funding, or record open interest live")


def fetch_to_catalog(plan: FetchPlan, catalog_dir: str | Path, exchange: ccxt.Exchange | None = None,
                     api_base: str | None = None, policy: RetryPolicy = DEFAULT_POLICY, progress: bool = True,
                     chunk_rows: int = DEFAULT_CHUNK_ROWS, sleep: Callable[[float], None] = time.sleep,
                     log: Callable[[str], None] = print, lock_timeout: float | None = None) -> IngestSummary:
    """
    Fetch history for one perpetual from an exchange into a catalog, atomically and resumably.

    Writes the instrument (from ccxt's market definition) and, per requested kind, ``Bar`` (stamped at the bar
    close), ``TradeTick``, :class:`~liqheat_nautilus.data.OpenInterest` (with ``venue``) and
    :class:`~liqheat_nautilus.data.FundingRate`.

    Parameters
    ----------
    plan : FetchPlan
        Exchange, symbol, range, kinds.
    catalog_dir : str or Path
        The catalog to create or extend.
    exchange : ccxt.Exchange, optional
        A ready client (default: :func:`~liqheat_nautilus.adapters.ccxt.client.make_exchange`).
    api_base : str, optional
        Origin to send requests to instead of the exchange (local recorded-response server, proxy).
    policy : RetryPolicy
        Retries for transient errors.
    progress : bool, default True
        Show a rich progress bar per stream (on standard error).
    chunk_rows : int
        Rows per Parquet file.
    sleep : callable
        Waiting function for backoff (injectable for tests).
    log : callable
        Receives one line per retry, and when the fetch waits for another writer of the catalog.
    lock_timeout : float, optional
        Seconds to wait while another process writes the catalog (default: as long as it takes; 0: fail at once).

    Returns
    -------
    IngestSummary
        Rows written per ``"<Type> <identifier>"`` in this run (0 when the catalog was already complete), with
        first/last ``ts_event`` (ns) of the rows written.

    Raises
    ------
    ValueError
        Unknown exchange, symbol, kind or timeframe, or a kind the venue cannot serve.
    ccxt.BaseError
        A permanent exchange error, or a transient one after the retries.
    IngestError
        A malformed row from the exchange.
    """
    spec = venue_spec(plan.exchange)
    unknown = set(plan.kinds) - set(FETCH_KINDS)
    if unknown:
        raise ValueError(f"unknown kinds {sorted(unknown)}; use {FETCH_KINDS}")
    if plan.end_ms <= plan.start_ms:
        raise ValueError(f"empty range: end {plan.end_ms} <= start {plan.start_ms}")
    timeframe_ms(plan.timeframe)
    if "oi" in plan.kinds:  # before any request, as the other checks
        if not spec.oi_history:
            raise no_oi_history(spec)
        timeframe_ms(plan.oi_period)
    check_target(catalog_dir)  # before any request: a refused folder costs no download
    exchange = exchange or make_exchange(plan.exchange, api_base=api_base)
    fetcher = _Fetcher(plan, exchange, spec, policy, sleep, log)
    instrument = fetcher.instrument
    refuse_legacy_ids(catalog_dir, [instrument], where=f"{plan.exchange} {plan.symbol}")
    bar_type = bar_type_for(instrument, plan.timeframe)
    streams = {
        # kind: (class, identifier, ms after the stored last ts_init where fetching resumes, generator)
        "bars": (Bar, str(bar_type), 0, fetcher.bars),
        "trades": (TradeTick, instrument.id.value, 1, fetcher.trades),
        "oi": (OpenInterest, instrument.id.value, 1, fetcher.open_interest),
        "funding": (FundingRate, instrument.id.value, 1, fetcher.funding),
    }
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    bar_display = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>5.1f}%"),
                           TextColumn("{task.fields[rows]:>10,} rows"), TimeElapsedColumn(), transient=False,
                           console=Console(stderr=True))  # stdout: the summary alone
    with catalog_transaction(catalog_dir, lock_timeout=lock_timeout, log=log, command=f"fetch {plan.exchange}") \
            as catalog, (bar_display if progress else nullcontext()):
        catalog.write_data([instrument])
        for kind in [k for k in FETCH_KINDS if k in plan.kinds]:
            cls, identifier, resume_step, generator = streams[kind]
            since = plan.start_ms
            stored = last_ts_init(catalog.path, cls, identifier) if plan.resume else None
            if stored is not None:
                # Bars are stamped at their close = the next bar's open; a finished run fetched every trade, OI and
                # funding row before its end, so those resume 1 ms after the stored last one.
                since = max(since, stored // NS_PER_MS + resume_step)
            key = f"{cls.__name__} {identifier}"
            counts[key] = 0
            if since >= plan.end_ms:
                continue
            task = bar_display.add_task(f"{spec.name} {fetcher.symbol} {kind}", total=plan.end_ms - since,
                                        rows=0) if progress else None
            writer = RangeReplacingWriter(catalog, cls, identifier, chunk_rows)
            for items in generator(since, plan.end_ms):
                if not items:
                    continue
                writer.add(items, [o.ts_init for o in items])
                if task is not None:
                    bar_display.update(task, completed=items[-1].ts_event // NS_PER_MS - since + 1,
                                       rows=writer.count)
            count, t0, t1 = writer.finish()
            if task is not None:
                bar_display.update(task, completed=plan.end_ms - since, rows=count)
            counts[key] = count
            if t0 is not None and t1 is not None:  # rows were written
                first[key], last[key] = t0, t1
    return IngestSummary(catalog=str(Path(catalog_dir).resolve()), instrument_id=instrument.id.value,
                         counts=counts, first_ts=first, last_ts=last)
