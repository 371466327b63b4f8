"""The FastAPI application of ``liqheat serve``: REST endpoints, the event stream and the dashboard.

Every route is ``GET``, validates its parameters (unknown instrument -> 404 listing the known ones; a bad time or
value -> 422 naming the field; windows capped) and answers with a typed model (see :mod:`.models`). Maps come from
a :class:`~liqheat_nautilus.serve.sources.MapSource`; the JSON of map responses is cached per map update, so a
repeated question costs a dictionary lookup.
"""

import asyncio
import importlib.metadata
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import orjson
import pandas as pd
from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from liqheat_nautilus.charts.heatmap import ohlcv_candles
from liqheat_nautilus.core.params import MODELS
from liqheat_nautilus.core.units import NS_PER_DAY, NS_PER_HOUR, NS_PER_MINUTE, NS_PER_SECOND
from liqheat_nautilus.serve import models as m
from liqheat_nautilus.serve.frames import (
    STATUS_NAMES,
    BinsView,
    MapFrame,
    best_cluster,
    cluster_score,
    finite_or_none,
    heatmap_grid,
)
from liqheat_nautilus.serve.security import COOKIE, AccessControl
from liqheat_nautilus.serve.sources import InvalidRequest, MapSource, Selection, UnknownName

STATIC = Path(__file__).resolve().parent / "static"
MAX_WINDOW_NS = 30 * NS_PER_DAY
"""Longest heatmap / history window (30 days)."""
RANGES: dict[str, int] = {"12h": 12 * NS_PER_HOUR, "24h": NS_PER_DAY, "3d": 3 * NS_PER_DAY, "7d": 7 * NS_PER_DAY,
                          "14d": 14 * NS_PER_DAY, "30d": 30 * NS_PER_DAY}
"""Heatmap and history ranges by name (12 hours to 30 days)."""
RangeName = Literal["12h", "24h", "3d", "7d", "14d", "30d"]
CANDLE_STEPS_NS = (NS_PER_MINUTE, 5 * NS_PER_MINUTE, 15 * NS_PER_MINUTE, 30 * NS_PER_MINUTE, NS_PER_HOUR,
                   4 * NS_PER_HOUR, NS_PER_DAY)
MAX_CANDLES = 400
MAX_COLUMNS = 500
_TIME_MIN_NS, _TIME_MAX_NS = 0, 2**63 - 1

ERRORS = {404: {"model": m.ErrorDetail, "description": "Unknown instrument or run (the known ones are listed)."},
          422: {"model": m.ValidationErrorResponse, "description": "Invalid parameter (the field is named)."}}

TIME_PATTERN = (r"^\s*(\d{1,19}|\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d{1,9})?)?)?)?"
                r"(Z|[+-]\d{2}(:?\d{2})?)?)\s*$")
"""Times: UNIX nanoseconds, or ISO-8601 dates/times (naive = UTC)."""
InstrumentQ = Annotated[str | None, Query(max_length=64, description="Instrument id (default: the first served).")]
ModelQ = Annotated[Literal[MODELS] | None, Query(description="Liquidation-price model (catalog mode).")]
RunQ = Annotated[str | None, Query(pattern=r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$",
                                   description="Recorded backtest run id, a UUID (catalog mode).")]
AtQ = Annotated[str | None, Query(max_length=40, pattern=TIME_PATTERN,
                                  description="Time: ISO-8601 (UTC if naive) or UNIX ns; default the latest update.")]
TimeQ = Annotated[str | None, Query(max_length=40, pattern=TIME_PATTERN, description="Time: ISO-8601 (UTC if naive) "
                                                                                      "or UNIX ns.")]
WindowQ = Annotated[float, Query(gt=0.0, le=50.0, description="Half-width of the price window (percent of price).")]


@dataclass
class ServeSettings:
    """
    Settings of the application.

    Attributes
    ----------
    token : str or None
        Required API token (see :mod:`.security`).
    cors_origins : list[str]
        Origins allowed by CORS (empty: CORS off).
    title : str
        OpenAPI title.
    refresh_secs : float
        Catalog mode: look for data appended to the catalog every this many seconds and extend the replays over
        it (0: never).
    """

    token: str | None = None
    cors_origins: list[str] = field(default_factory=list)
    title: str = "liqheat serve"
    refresh_secs: float = 0.0


class _JsonCache:
    """An LRU of encoded JSON bodies, bounded by their total size (bytes), so memory stays flat."""

    def __init__(self, max_bytes: int = 32 * 2**20) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key, body: bytes) -> bytes:
        with self._lock:
            old = self._items.pop(key, None)
            self.size += len(body) - (len(old) if old is not None else 0)
            self._items[key] = body
            while self.size > self.max_bytes and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self.size -= len(dropped)
        return body


def _invalid(field: str, message: str, where: str = "query") -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": (where, field), "msg": message, "input": None}])


def parse_time_param(value: str | None, name: str) -> int | None:
    """
    A time parameter as UNIX ns.

    Parameters
    ----------
    value : str or None
        ISO-8601 text (naive = UTC) or an integer number of nanoseconds.
    name : str
        The parameter's name, for the error.

    Returns
    -------
    int or None

    Raises
    ------
    RequestValidationError
        If the value is not a time between 1970 and 2262 (the error names the field).
    """
    from liqheat_nautilus.replay import parse_time

    if value is None:
        return None
    text = value.strip()
    try:
        ns = int(text) if text.lstrip("-").isdigit() else parse_time(text)
    except (ValueError, TypeError, OverflowError) as exc:
        raise _invalid(name, f"not a time: {value!r} (ISO-8601, e.g. 2026-06-20T12:00, or UNIX ns)") from exc
    if ns is None or not _TIME_MIN_NS <= ns <= _TIME_MAX_NS:
        raise _invalid(name, f"time out of range: {value!r} (1970-01-01 .. 2262-04-11)")
    return ns


def _iso(ns: int) -> str:
    return pd.Timestamp(int(ns), unit="ns", tz="UTC").isoformat().replace("+00:00", "Z")


def _cluster(c) -> m.ClusterLevel:
    return m.ClusterLevel(
        cluster_id=int(c.cluster_id), side=str(c.side), price_level=float(c.price_level), price_low=float(c.price_low),
        price_high=float(c.price_high), leverage_tier=float(c.leverage_tier), notional_usd=float(c.notional_usd),
        liquidation_count=int(c.liquidation_count), strength=float(c.strength), distance_pct=float(c.distance_pct),
        status=str(c.status), first_seen_ns=int(c.first_seen), last_seen_ns=int(c.last_seen),
    )


def _ordered_clusters(frame: MapFrame) -> list[m.ClusterLevel]:
    live = frame.live_clusters
    cleared = [c for c in frame.clusters if c.status == "CLEARED"]
    return [_cluster(c) for c in (*live, *cleared)]


def _cluster_by_id(frame: MapFrame, cluster_id: int) -> m.ClusterLevel | None:
    found = next((c for c in frame.clusters if c.cluster_id == cluster_id and c.status != "CLEARED"), None)
    return _cluster(found) if found is not None else None


def _key(sel: Selection, frame: MapFrame) -> dict:
    return {"instrument_id": sel.instrument_id, "source": sel.source, "model": sel.model,
            "leverage_profile": sel.profile, "run_id": sel.run_id, "ts_ns": int(frame.ts_ns),
            "time": _iso(frame.ts_ns)}


def _bias(value: str) -> str:
    return value if value in ("UP", "DOWN", "UNBIASED") else "UNBIASED"


def _json(body: bytes) -> Response:
    return Response(content=body, media_type="application/json")


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            import os

            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def _version() -> str:
    try:
        return importlib.metadata.version("liqheat-nautilus")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def create_app(source: MapSource, settings: ServeSettings | None = None) -> FastAPI:  # noqa: C901 (the routes)
    """
    Build the application around a map source.

    Parameters
    ----------
    source : MapSource
        Catalog or live source.
    settings : ServeSettings, optional
        Token, CORS origins.

    Returns
    -------
    fastapi.FastAPI
        Serve it with uvicorn (``liqheat serve`` does).
    """
    settings = settings or ServeSettings()
    store = getattr(source, "store", None)
    profiles = tuple(store.profiles) if store is not None else ()
    ProfileQ = Annotated[Literal[profiles] | None if profiles else str | None,  # noqa: N806 (a type alias)
                         Query(max_length=64, description="Leverage profile (catalog mode).")]
    cache = _JsonCache()
    counters = {"requests": 0, "stream_clients": 0}

    async def refresher() -> None:
        while True:
            await asyncio.sleep(settings.refresh_secs)
            await run_in_threadpool(source.refresh)

    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        source.bind_loop(asyncio.get_running_loop())
        start = getattr(source, "start", None)
        if start is not None:
            await start()
        task = None
        if settings.refresh_secs > 0 and hasattr(source, "refresh"):
            task = asyncio.create_task(refresher(), name="liqheat-catalog-refresh")
        yield
        if task is not None:
            task.cancel()
        stop = getattr(source, "stop", None)
        if stop is not None:
            await stop()

    app = FastAPI(
        title=settings.title, version=_version(), lifespan=lifespan,
        description="Liquidation maps of crypto perpetual futures (liqheat-nautilus): replayed from a Nautilus "
                    "catalog, recorded backtests, or streamed live from a TradingNode through Redis. Read-only. "
                    "Units: prices in quote currency, notional in USD, leverage in x, times in UNIX ns.",
    )
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET"],
                           allow_headers=["Authorization"], allow_credentials=False)
    app.add_middleware(AccessControl, token=settings.token, counters=counters)

    @app.exception_handler(UnknownName)
    async def unknown_name(request: Request, exc: UnknownName):
        if exc.status == 422:
            return JSONResponse({"detail": [{"type": "value_error", "loc": ["query", exc.field],
                                             "msg": str(exc), "input": exc.value}]}, status_code=422)
        return JSONResponse({"detail": str(exc), "known": exc.known}, status_code=404)

    @app.exception_handler(InvalidRequest)
    async def invalid_request(request: Request, exc: InvalidRequest):
        return JSONResponse({"detail": [{"type": "value_error", "loc": ["query", exc.field], "msg": str(exc),
                                         "input": None}]}, status_code=422)

    def select(instrument_id, model, profile, run) -> Selection:
        return source.select(instrument_id, model, profile, run)

    def frame_or_404(sel: Selection, at_ns: int | None) -> MapFrame:
        frame = source.frame_at(sel, at_ns)
        if frame is None:
            when = "yet" if at_ns is None else f"at or before {_iso(at_ns)}"
            span = source.span(sel)
            hint = f" (data from {_iso(span[0])})" if span else ""
            raise UnknownName("map update", f"{sel.instrument_id} {when}{hint}", [])
        return frame

    # -- dashboard ------------------------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def dashboard(token: str | None = None):
        if token is not None and settings.token is not None:  # the middleware has checked it
            response = RedirectResponse("/", status_code=303)
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
            return response
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js():
        import plotly

        return FileResponse(Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
                            media_type="application/javascript")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: Annotated[str, PathParam(pattern=r"^dashboard\.(js|css)$")]):
        media = "application/javascript" if name.endswith(".js") else "text/css"
        return FileResponse(STATIC / name, media_type=media)

    # -- service --------------------------------------------------------------------------------------------

    @app.get("/health", response_model=m.Health, tags=["service"])
    async def health() -> m.Health:
        """Liveness: answers while the server runs."""
        return m.Health(status="ok", mode=source.mode, version=_version(), time_ns=time.time_ns())

    @app.get("/api/status", response_model=m.StatusResponse, tags=["service"])
    def status() -> m.StatusResponse:
        """Per instrument: INITIALIZING / READY / ERROR; the selectable models, profiles and recorded runs."""
        runs = []
        store = getattr(source, "store", None)
        if hasattr(source, "runs"):
            for r in source.runs():
                runs.append(m.RunInfo(run_id=r.run_id, instruments=list(r.instruments),
                                      strategies=list(r.strategies), model=str(r.map_config.get("model", "")),
                                      leverage_profile=str(r.map_config.get("leverage_profile", "")),
                                      recorded_ns=r.modified_ns))
        state, message = source.overall()
        return m.StatusResponse(
            mode=source.mode, state=state, message=message,
            instruments=[m.InstrumentStatus(**s) for s in source.status()],
            models=list(store.models) if store else [], profiles=list(store.profiles) if store else [],
            default_model=store.default_model if store else "", default_profile=store.default_profile if store else "",
            runs=runs, snapshot_interval_s=int(getattr(store, "snapshot_interval_ns", 0) // NS_PER_SECOND),
        )

    @app.get("/api/stats", response_model=m.StatsResponse, tags=["service"])
    def stats() -> m.StatsResponse:
        """Requests served, stream clients, memory, cached replays, live messages read."""
        store = getattr(source, "store", None)
        replays = [m.ReplayCacheEntry(instrument_id=i, model=mo, leverage_profile=p, frames=n, position_ns=pos)
                   for i, mo, p, n, pos in (store.cached() if store else [])]
        return m.StatsResponse(
            mode=source.mode, uptime_s=time.time() - source.started, requests=counters["requests"],
            stream_clients=counters["stream_clients"], memory_rss_bytes=_rss_bytes(),
            replays_built=getattr(store, "replays_built", 0), replays=replays,
            live_messages=int(getattr(source, "messages_read", 0)),
        )

    # -- maps -----------------------------------------------------------------------------------------------

    inflight: dict = {}

    async def single_flight(key, fn, *args) -> bytes:
        """Run ``fn(*args)`` in a worker thread once per key at a time: concurrent askers share the result (a burst
        of the same question costs one computation, not one per request)."""
        pending = inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future = asyncio.get_running_loop().create_future()
        inflight[key] = future
        try:
            body = await run_in_threadpool(fn, *args)
            future.set_result(body)
            return body
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here: the waiters (if any) re-raise it
            raise
        finally:
            inflight.pop(key, None)

    async def framed(sel: Selection, at_ns: int | None, kind: str, params: tuple, build) -> Response:
        """
        Answer from the JSON cache (per map update) in the event loop when possible; otherwise look the update up
        and build the answer in a worker thread (a replay may have to run first).
        """
        ready, frame = source.peek_frame(sel, at_ns)
        if ready and frame is not None:
            body = cache.get((kind, sel, frame.ts_ns, frame.bins is not None, params))
            if body is not None:
                return _json(body)

        def compute() -> bytes:
            found = frame_or_404(sel, at_ns)
            key = (kind, sel, found.ts_ns, found.bins is not None, params)
            cached = cache.get(key)
            return cached if cached is not None else cache.put(key, build(found))

        return _json(await single_flight((kind, sel, at_ns, params, source.sequence), compute))

    @app.get("/api/liquidation-map", response_model=m.LiquidationMapResponse, responses=ERRORS, tags=["maps"])
    async def liquidation_map(instrument_id: InstrumentQ = None, model: ModelQ = None, profile: ProfileQ = None,
                              run: RunQ = None, at: AtQ = None, window_pct: WindowQ = 10.0):
        """The map at a time: summary (price, 24 h high/low, open interest, funding), direction (bias, magnet
        forces, nearest clusters), bins sorted by price with USD intensity and status, and the clusters."""
        at_ns = parse_time_param(at, "at")
        sel = select(instrument_id, model, profile, run)
        return await framed(sel, at_ns, "map", (window_pct,),
                            lambda frame: _map_response(sel, frame, window_pct).model_dump_json().encode())

    def _map_response(sel: Selection, frame: MapFrame, window_pct: float) -> m.LiquidationMapResponse:
        snap = frame.snapshot
        bars = source.bars(sel.instrument_id)
        hl = bars.high_low(frame.ts_ns)
        funding = source.funding_at(sel.instrument_id, frame.ts_ns)
        bins, width = [], None
        if frame.bins is not None:
            view = BinsView.of(frame.bins)
            width = view.width
            idx = view.window(snap.price, window_pct)
            total = view.long_usd[idx] + view.short_usd[idx]
            top = float(total.max()) if total.size else 0.0
            for k, tot in zip(idx.tolist(), total.tolist(), strict=True):
                lo = float(view.lower[k])
                bins.append(m.MapBin(price_low=lo, price_high=lo + width, long_usd=float(view.long_usd[k]),
                                     short_usd=float(view.short_usd[k]), total_usd=tot,
                                     intensity=tot / top if top > 0 else 0.0,
                                     long_status=STATUS_NAMES[int(view.long_status[k])],
                                     short_status=STATUS_NAMES[int(view.short_status[k])]))
        return m.LiquidationMapResponse(
            **_key(sel, frame), bin_width=width,
            summary=m.Summary(
                price=float(snap.price), high_24h=hl[0] if hl else None, low_24h=hl[1] if hl else None,
                total_oi_usd=finite_or_none(snap.total_oi_usd), funding_rate=funding[0] if funding else None,
                funding_ts_ns=funding[1] if funding else None,
                long_liquidation_usd=float(snap.long_liquidation_usd),
                short_liquidation_usd=float(snap.short_liquidation_usd),
                swept_long_usd=float(snap.swept_long_usd), swept_short_usd=float(snap.swept_short_usd)),
            direction=m.Direction(
                bias=_bias(snap.bias), magnet_up=float(snap.magnet_up), magnet_down=float(snap.magnet_down),
                magnet_net=float(snap.magnet_net), nearest_above=_cluster_by_id(frame, snap.nearest_above_id),
                nearest_below=_cluster_by_id(frame, snap.nearest_below_id)),
            bins=bins, clusters=_ordered_clusters(frame),
        )

    def _levels(sel: Selection, frame: MapFrame, window_pct: float) -> bytes:
        out, tiers = [], []
        if frame.bins is not None:
            view = BinsView.of(frame.bins)
            tiers = view.tiers.tolist()
            idx = view.window(frame.snapshot.price, window_pct)
            rows, cols = np.nonzero((view.long_tier[idx] > 0.0) | (view.short_tier[idx] > 0.0))
            for r, c in zip(idx[rows].tolist(), cols.tolist(), strict=True):
                lo = float(view.lower[r])
                out.append(m.LeverageLevel(price_low=lo, price_high=lo + view.width, leverage=tiers[c],
                                           long_usd=float(view.long_tier[r, c]),
                                           short_usd=float(view.short_tier[r, c])))
        resp = m.LevelsResponse(**_key(sel, frame), price=float(frame.snapshot.price), tiers=tiers, levels=out)
        return resp.model_dump_json().encode()

    @app.get("/liquidations/levels", response_model=m.LevelsResponse, responses=ERRORS, tags=["maps"])
    async def levels(instrument_id: InstrumentQ = None, model: ModelQ = None, profile: ProfileQ = None,
                     run: RunQ = None, at: AtQ = None, window_pct: WindowQ = 10.0):
        """Liquidation levels per price bin × leverage tier (non-empty cells within window_pct of price)."""
        at_ns = parse_time_param(at, "at")
        sel = select(instrument_id, model, profile, run)
        return await framed(sel, at_ns, "levels", (window_pct,), lambda frame: _levels(sel, frame, window_pct))

    def window(start: str | None, end: str | None, range_name: str, sel: Selection) -> tuple[int, int]:
        start_ns, end_ns = parse_time_param(start, "start"), parse_time_param(end, "end")
        if end_ns is None:
            latest = source.frame_at(sel, None)
            span = source.span(sel)
            end_ns = latest.ts_ns if latest is not None else (span[1] if span else time.time_ns())
        if start_ns is None:
            start_ns = max(end_ns - RANGES[range_name], 0)
        if start_ns >= end_ns:
            raise _invalid("start", "start must be before end")
        if end_ns - start_ns > MAX_WINDOW_NS:
            raise _invalid("start", "the window is longer than 30 days (the cap); narrow start/end")
        return start_ns, end_ns

    def _heatmap(sel: Selection, start: str | None, end: str | None, range_name: str, levels: int) -> bytes:
        start_ns, end_ns = window(start, end, range_name, sel)
        frames = [f for f in source.frames(sel, start_ns, end_ns) if f.bins is not None and f.bins.n_rows > 0]
        if len(frames) > MAX_COLUMNS:
            keep = np.unique(np.linspace(0, len(frames) - 1, MAX_COLUMNS).round().astype(np.int64))
            frames = [frames[k] for k in keep.tolist()]
        bars = source.bars(sel.instrument_id)
        step = next((s for s in CANDLE_STEPS_NS if (end_ns - start_ns) / s <= MAX_CANDLES), CANDLE_STEPS_NS[-1])
        ohlcv = ohlcv_candles(bars.ts_ns, bars.open, bars.high, bars.low, bars.close, bars.volume, start_ns, end_ns,
                              step)
        times, price_levels, cells, width, top = [], [], [], 0.0, 0.0
        if frames:
            prices = np.r_[ohlcv[:, 2], ohlcv[:, 3]] if len(ohlcv) else np.array([f.snapshot.price for f in frames])
            lo, hi = float(prices.min()) * 0.9, float(prices.max()) * 1.1
            width = float(frames[-1].bins.bin_width)  # a node restarted on another price has another bin width:
            rows = [(f.ts_ns, f.snapshot.price, f.bins.first_bin, *source.side_totals(f.bins)) for f in frames
                    if abs(f.bins.bin_width - width) <= 1e-12 * width]  # only the updates on the newest grid
            grid = heatmap_grid(rows, width, lo, hi, levels)
            t_idx, p_idx = np.nonzero(grid.usd >= 0.005)
            values = np.round(grid.usd[t_idx, p_idx], 2)  # USD to the cent: shorter JSON, nothing lost
            times = grid.ts_ns.tolist()
            price_levels = grid.levels.tolist()
            cells = [list(c) for c in zip(t_idx.tolist(), p_idx.tolist(), values.tolist(), strict=True)]
            width, top = grid.level_width, float(values.max()) if values.size else 0.0
        # tens of thousands of cells: encoded directly (orjson) in the HeatmapResponse layout, which the OpenAPI
        # schema documents and the Schemathesis tests check, instead of validating each cell with pydantic
        return orjson.dumps({
            "instrument_id": sel.instrument_id, "source": sel.source, "model": sel.model,
            "leverage_profile": sel.profile, "run_id": sel.run_id, "start_ns": start_ns, "end_ns": end_ns,
            "times_ns": times, "price_levels": price_levels, "level_width": width, "cells": cells, "max_usd": top,
            "candle_interval_s": step // NS_PER_SECOND,
            "candles": [[int(r[0]), *r[1:].tolist()] for r in ohlcv],
        })

    @app.get("/liquidations/heatmap", response_model=m.HeatmapResponse, responses=ERRORS, tags=["maps"])
    async def heatmap(instrument_id: InstrumentQ = None, model: ModelQ = None, profile: ProfileQ = None,
                      run: RunQ = None,
                      start: Annotated[TimeQ, Query(description="Window start (time).")] = None,
                      end: Annotated[TimeQ, Query(description="Window end (default: latest).")] = None,
                      range: Annotated[RangeName, Query(description="Window length when start is omitted.")] = "24h",  # noqa: A002
                      levels: Annotated[int, Query(ge=10, le=1000, description="Most price levels returned.")] = 200):
        """Time × price heatmap: price levels, [time index, price index, USD] cells, OHLCV candles (12 h .. 30 d)."""
        parse_time_param(start, "start"), parse_time_param(end, "end")  # 422 before any work
        sel = select(instrument_id, model, profile, run)
        key = ("heatmap", sel, start, end, range, levels, source.sequence)
        body = cache.get(key)
        if body is None:
            body = cache.put(key, await single_flight(key, _heatmap, sel, start, end, range, levels))
        return _json(body)

    @app.get("/liquidations/history", response_model=m.HistoryResponse, responses=ERRORS, tags=["maps"])
    def history(instrument_id: InstrumentQ = None,
                start: Annotated[TimeQ, Query(description="Window start (time).")] = None,
                end: Annotated[TimeQ, Query(description="Window end (default: latest).")] = None,
                range: Annotated[RangeName, Query(description="Window length when start is omitted.")] = "24h",  # noqa: A002
                limit: Annotated[int, Query(ge=1, le=10_000, description="Most records returned.")] = 1000):
        """Real liquidation records (LiquidationEvent) in a window, where the catalog or stream holds them."""
        sel = select(instrument_id, None, None, None)
        start_ns, end_ns = window(start, end, range, sel)
        available, note, events = source.liquidations(sel.instrument_id, start_ns, end_ns)
        truncated = len(events) > limit
        events = events[-limit:]
        records = [m.LiquidationRecord(ts_ns=int(e.ts_event), side=e.side if e.side in ("LONG", "SHORT") else "LONG",
                                       price=float(e.price), quantity=float(e.quantity),
                                       notional_usd=float(e.notional_usd), source=str(e.source)) for e in events]
        return m.HistoryResponse(
            instrument_id=sel.instrument_id, start_ns=start_ns, end_ns=end_ns, available=available, note=note,
            long_usd=sum(r.notional_usd for r in records if r.side == "LONG"),
            short_usd=sum(r.notional_usd for r in records if r.side == "SHORT"), truncated=truncated,
            records=records)

    @app.get("/liquidations/compare-models", response_model=m.CompareModelsResponse, responses=ERRORS,
             tags=["maps"])
    def compare_models(instrument_id: InstrumentQ = None, profile: ProfileQ = None, run: RunQ = None,
                       at: AtQ = None):
        """Every liquidation-price model on the same data at one time (replays; a recorded run or the live node
        has its one model)."""
        at_ns = parse_time_param(at, "at")
        sel = select(instrument_id, None, profile, run)
        if at_ns is None:
            latest = source.frame_at(sel, None)
            at_ns = latest.ts_ns if latest is not None else time.time_ns()
        out = []
        for model_name, frame in source.compare(sel, at_ns):
            if frame is None:
                out.append(m.ModelMap(model=model_name, ts_ns=None, long_liquidation_usd=0.0,
                                      short_liquidation_usd=0.0, bias="UNBIASED", magnet_net=0.0, nearest_above=None,
                                      nearest_below=None, top_clusters=[]))
                continue
            snap = frame.snapshot
            out.append(m.ModelMap(
                model=model_name, ts_ns=frame.ts_ns, long_liquidation_usd=float(snap.long_liquidation_usd),
                short_liquidation_usd=float(snap.short_liquidation_usd), bias=_bias(snap.bias),
                magnet_net=float(snap.magnet_net), nearest_above=_cluster_by_id(frame, snap.nearest_above_id),
                nearest_below=_cluster_by_id(frame, snap.nearest_below_id),
                top_clusters=[_cluster(c) for c in frame.live_clusters[:3]]))
        return m.CompareModelsResponse(instrument_id=sel.instrument_id, source=sel.source, leverage_profile=sel.profile,
                                       at_ns=at_ns, models=out)

    @app.get("/api/heatmap/{instrument_id}/best", response_model=m.BestClusterResponse, responses=ERRORS,
             tags=["maps"])
    def best(instrument_id: Annotated[str, PathParam(max_length=64, description="Instrument id.")],
             model: ModelQ = None, profile: ProfileQ = None, run: RunQ = None, at: AtQ = None,
             side: Annotated[Literal["LONG", "SHORT"] | None, Query(description="Only clusters of this side.")] = None):
        """The best live cluster by strength and distance: score = strength / (1 + |distance_pct|)."""
        at_ns = parse_time_param(at, "at")
        sel = select(instrument_id, model, profile, run)
        frame = frame_or_404(sel, at_ns)
        c = best_cluster(frame, side)
        return m.BestClusterResponse(**_key(sel, frame), price=float(frame.snapshot.price),
                                     score=cluster_score(c.strength, c.distance_pct) if c is not None else None,
                                     cluster=_cluster(c) if c is not None else None)

    @app.get("/signals", response_model=m.SignalsResponse, responses=ERRORS, tags=["maps"])
    def signals(instrument_id: InstrumentQ = None, run: RunQ = None,
                limit: Annotated[int, Query(ge=1, le=5000, description="Most signals returned (newest).")] = 500):
        """Trade signals: of a recorded run (catalog mode, run=...) or of the live node."""
        sel = select(instrument_id, None, None, run)
        note, rows = source.signals(sel)
        out = []
        for r in rows[-limit:]:
            out.append(m.TradeSignalRecord(
                ts_ns=int(r["ts"]), strategy=str(r.get("strategy", "")), action=str(r["action"]),
                instrument_id=str(r.get("instrument_id", sel.instrument_id)), position_side=r["position_side"],
                entry=finite_or_none(r.get("entry")), stop_loss=finite_or_none(r.get("stop_loss")),
                take_profit=finite_or_none(r.get("take_profit")), quantity=float(r.get("quantity") or 0.0),
                confidence=float(r.get("confidence") or 0.0), risk_reward=finite_or_none(r.get("risk_reward")),
                reason=str(r.get("reason", "")), cluster_id=int(r.get("cluster_id", -1)),
                support=finite_or_none(r.get("support")), resistance=finite_or_none(r.get("resistance")),
                sentiment=str(r.get("sentiment", "NEUTRAL"))))
        return m.SignalsResponse(instrument_id=sel.instrument_id, source=sel.source, note=note, signals=out)

    # -- charts (the dashboard draws these: the same figures as `liqheat plot`) -----------------------------

    @app.get("/charts/map", response_model=m.FigureResponse, responses=ERRORS, tags=["charts"])
    def chart_map(instrument_id: InstrumentQ = None, model: ModelQ = None, profile: ProfileQ = None,
                  run: RunQ = None, at: AtQ = None,
                  window_pct: Annotated[float | None, Query(gt=0.0, le=50.0, description="Price window (percent); "
                                                            "default: wide enough for the lowest leverage tier.")]
                  = None):
        """The liquidation map by leverage tier as a Plotly figure (liqheat_nautilus.charts.liquidation_map)."""
        from liqheat_nautilus.serve.figures import map_figure_json

        at_ns = parse_time_param(at, "at")
        sel = select(instrument_id, model, profile, run)
        frame = frame_or_404(sel, at_ns)
        ck = ("chart-map", sel, frame.ts_ns, frame.bins is not None, window_pct)
        body = cache.get(ck)
        if body is None:
            body = cache.put(ck, map_figure_json(frame, sel.instrument_id, window_pct))
        return _json(body)

    @app.get("/charts/heatmap", response_model=m.FigureResponse, responses=ERRORS, tags=["charts"])
    def chart_heatmap(instrument_id: InstrumentQ = None, model: ModelQ = None, profile: ProfileQ = None,
                      run: RunQ = None,
                      start: Annotated[TimeQ, Query(description="Window start.")] = None,
                      end: Annotated[TimeQ, Query(description="Window end.")] = None,
                      range: Annotated[RangeName, Query(description="Window length when start is omitted.")] = "3d"):  # noqa: A002
        """The time × price heatmap with candles as a Plotly figure (liqheat_nautilus.charts.heatmap)."""
        from liqheat_nautilus.serve.figures import heatmap_figure_json

        sel = select(instrument_id, model, profile, run)
        start_ns, end_ns = window(start, end, range, sel)
        data, frames = source.heatmap(sel, start_ns, end_ns)
        ck = ("chart-heatmap", sel, start_ns, end_ns, len(frames), frames[-1].ts_ns if frames else 0)
        body = cache.get(ck)
        if body is None:
            body = cache.put(ck, heatmap_figure_json(frames, source.bars(sel.instrument_id), sel.instrument_id,
                                                     start_ns, end_ns))
        return _json(body)

    # -- event stream ---------------------------------------------------------------------------------------

    @app.get("/stream", response_class=EventSourceResponse, responses=ERRORS, tags=["stream"])
    async def stream(instrument_id: InstrumentQ = None,
                     max_events: Annotated[int | None, Query(ge=1, le=100_000, description="Close after this many "
                                                             "events (default: never).")] = None,
                     heartbeat_s: Annotated[float, Query(ge=0.1, le=60.0, description="Seconds between keep-alive "
                                                         "comments.")] = 15.0) -> AsyncIterator[ServerSentEvent]:
        """Server-sent events: a `snapshot` event (StreamEvent JSON) for each new map update; `: ping` comments
        keep the connection open. Ends when the client disconnects or after max_events."""
        if instrument_id is not None:
            source.instrument(instrument_id)  # 404 for an unknown instrument
        counters["stream_clients"] += 1
        sent, seen = 0, source.sequence
        try:
            while max_events is None or sent < max_events:
                changed = await source.wait_change(heartbeat_s)
                if not changed or source.sequence == seen:
                    yield ServerSentEvent(comment="ping")
                    continue
                seen = source.sequence
                for iid, frame in list(source.latest.items()):
                    if instrument_id is not None and iid != instrument_id:
                        continue
                    event = m.StreamEvent(instrument_id=iid, ts_ns=frame.ts_ns, price=float(frame.snapshot.price),
                                          bias=_bias(frame.snapshot.bias), clusters=len(frame.clusters),
                                          sequence=seen)
                    yield ServerSentEvent(data=event, event="snapshot", id=str(seen))
                    sent += 1
        finally:
            counters["stream_clients"] -= 1

    return app
