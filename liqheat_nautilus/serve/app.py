"""The FastAPI application of ``liqheat serve``: REST endpoints, the event stream and the dashboard.

Every route is ``GET``, validates its parameters (unknown instrument -> 404 listing the known ones; a time without
a map update -> 404 giving the span of those with one; a bad time or value, or a parameter the route does not take
-> 422 naming the field; windows capped) and answers with a typed model (see :mod:`.models`). Maps come from a
:class:`~liqheat_nautilus.serve.sources.MapSource`; the JSON of map responses is cached per map update, so a
repeated question costs a dictionary lookup.

This module assembles the application: lifespan (source start/stop, catalog refresh), access control and CORS,
error handlers, and the routers of :mod:`liqheat_nautilus.serve.routes` (one per resource). Request parameters
are in :mod:`.query`, response bodies in :mod:`.responses`, caching in :mod:`.cache`.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.serve.context import ApiContext, ServeSettings
from liqheat_nautilus.serve.query import ERRORS, parse_time_param, readable_time_errors, reject_unknown_query
from liqheat_nautilus.serve.responses import iso
from liqheat_nautilus.serve.routes import ROUTERS
from liqheat_nautilus.serve.routes.service import package_version
from liqheat_nautilus.serve.security import AccessControl, RequestCounter
from liqheat_nautilus.serve.sources import InvalidRequest, MapSource, NoMapUpdate, NotReady, UnknownName

__all__ = ["ServeSettings", "create_app", "parse_time_param"]

DESCRIPTION = ("Liquidation maps of crypto perpetual futures (liqheat-nautilus): replayed from a Nautilus catalog, "
               "recorded backtests, or streamed live from a TradingNode through Redis. Read-only. Units: prices in "
               "quote currency, notional in USD, leverage in x, times in UNIX ns.")
"""The OpenAPI description of the service."""


def _lifespan(source: MapSource,
              settings: ServeSettings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the source (and the catalog refresher when asked) with the server, stop it after."""

    async def refresher() -> None:
        while True:
            await asyncio.sleep(settings.refresh_secs)
            await run_in_threadpool(source.refresh)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        source.bind_loop(asyncio.get_running_loop())
        start = getattr(source, "start", None)
        if start is not None:
            await start()
        task = asyncio.create_task(refresher(), name="liqheat-catalog-refresh") if settings.refresh_secs > 0 else None
        yield
        if task is not None:
            task.cancel()
        stop = getattr(source, "stop", None)
        if stop is not None:
            await stop()

    return lifespan


async def _unknown_name(request: Request, exc: UnknownName) -> JSONResponse:
    """Answer :class:`UnknownName`: 404 with the known names, or 422 naming the field (a bad parameter value)."""
    if exc.status == 422:
        return JSONResponse({"detail": [{"type": "value_error", "loc": ["query", exc.field],
                                         "msg": str(exc), "input": exc.value}]}, status_code=422)
    return JSONResponse({"detail": str(exc), "known": exc.known}, status_code=404)


async def _no_map_update(request: Request, exc: NoMapUpdate) -> JSONResponse:
    """Answer :class:`NoMapUpdate`: 404 with the span of times that have a map update (none: no ``span``)."""
    body: dict[str, object] = {"detail": str(exc)}
    if exc.span is not None:
        start, end = exc.span
        body["span"] = {"start": iso(start), "end": iso(end), "start_ns": start, "end_ns": end}
    return JSONResponse(body, status_code=404)


async def _invalid_request(request: Request, exc: InvalidRequest) -> JSONResponse:
    """Answer :class:`InvalidRequest`: 422 naming the field."""
    return JSONResponse({"detail": [{"type": "value_error", "loc": ["query", exc.field], "msg": str(exc),
                                     "input": None}]}, status_code=422)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """Answer FastAPI's 422 as it does, a time parameter's item worded as a time (:func:`.readable_time_errors`)."""
    return await request_validation_exception_handler(
        request, RequestValidationError(readable_time_errors(exc.errors()), body=exc.body))


async def _not_ready(request: Request, exc: NotReady) -> JSONResponse:
    """Answer :class:`NotReady` (nothing to serve yet): 503 saying what the source waits for."""
    return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "5"})


async def _catalog_error(request: Request, exc: IngestError) -> JSONResponse:
    """Answer :class:`IngestError` (the catalog cannot give the data asked for): 503 naming the file and problem."""
    return JSONResponse({"detail": f"the catalog cannot serve this: {exc}"}, status_code=503)


def create_app(source: MapSource, settings: ServeSettings | None = None) -> FastAPI:
    """
    Build the application around a map source.

    Parameters
    ----------
    source : MapSource
        Catalog or live source.
    settings : ServeSettings, optional
        Token, CORS origins, title, catalog refresh interval (seconds).

    Returns
    -------
    fastapi.FastAPI
        Serve it with uvicorn (``liqheat serve`` does).
    """
    settings = settings or ServeSettings()
    ctx = ApiContext(source, settings)
    app = FastAPI(title=settings.title, version=package_version(), lifespan=_lifespan(source, settings),
                  description=DESCRIPTION, dependencies=[Depends(reject_unknown_query)],  # ?windw_pct=5: 422
                  responses={422: ERRORS[422]})  # also on the routes that take no parameter
    app.add_middleware(AccessControl, token=settings.token)
    if settings.cors_origins:  # added after AccessControl, so outside it: it answers a browser's preflight (an OPTIONS
        # request, no token) before AccessControl would refuse it with a 405, and labels AccessControl's 401s for the
        # browser
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET"],
                           allow_headers=["Authorization"], allow_credentials=False)
    app.add_middleware(RequestCounter, counters=ctx.counters)  # last, so outermost: preflights and refusals count
    app.exception_handler(UnknownName)(_unknown_name)
    app.exception_handler(NoMapUpdate)(_no_map_update)
    app.exception_handler(InvalidRequest)(_invalid_request)
    app.exception_handler(RequestValidationError)(_validation_error)  # at=yesterday: not a regex in the message
    app.exception_handler(IngestError)(_catalog_error)  # not a 500 "Internal Server Error"
    app.exception_handler(NotReady)(_not_ready)
    for routes in ROUTERS:
        app.include_router(routes.router(ctx))
    return app
