"""The event stream: server-sent events, one per new map update (tag ``stream``)."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from liqheat_nautilus.serve import models as m
from liqheat_nautilus.serve.context import ApiContext
from liqheat_nautilus.serve.query import ERRORS, InstrumentQ
from liqheat_nautilus.serve.responses import bias_name


def router(ctx: ApiContext) -> APIRouter:
    """
    Build the event-stream route.

    Parameters
    ----------
    ctx : ApiContext
        ``counters["stream_clients"]`` counts the open streams.

    Returns
    -------
    APIRouter
        ``/stream``.
    """
    api = APIRouter(tags=["stream"])
    source = ctx.source

    def served(instrument_id: InstrumentQ = None) -> str | None:
        # a dependency: it runs before the response starts, so an unknown instrument is a 404, not a 200 whose
        # stream breaks at once (the check inside the generator ran after the headers were sent)
        if instrument_id is not None:
            source.instrument(instrument_id)
        return instrument_id

    @api.get("/stream", response_class=EventSourceResponse, responses=ERRORS)
    async def stream(instrument_id: Annotated[str | None, Depends(served)],
                     max_events: Annotated[int | None, Query(ge=1, le=100_000, description="Close after this many "
                                                             "events (default: never).")] = None,
                     heartbeat_s: Annotated[float, Query(ge=0.1, le=60.0, allow_inf_nan=False,
                                                         description="Seconds between keep-alive comments.")]
                     = 15.0,
                     last_event_id: Annotated[int | None, Header(
                         alias="Last-Event-ID", ge=0,
                         description="The `id` of the last event received (browsers send it when they reconnect): "
                                     "unless it is the current one, the latest update is sent at once.")] = None,
                     ) -> AsyncIterator[ServerSentEvent]:
        """Server-sent events: a `snapshot` event (StreamEvent JSON) for each new map update.

        `: ping` comments keep the connection open. Ends when the client disconnects, after max_events, or when the
        server stops. A client that reconnects with `Last-Event-ID` gets the latest update at once unless that id is
        the current sequence: the map changed while it was away, or the id is from before a server restart.
        """
        ctx.counters["stream_clients"] += 1
        sent, seen = 0, source.sequence
        if last_event_id is not None and last_event_id != seen:
            seen = -1  # updates missed while away (or an id of an earlier server process): the latest, before waiting
        try:
            while max_events is None or sent < max_events:
                if source.sequence == seen:
                    changed = await source.wait_change(heartbeat_s)
                    if source.closing:  # the server is stopping (Source.end_streams)
                        return
                    if not changed or source.sequence == seen:
                        yield ServerSentEvent(comment="ping")
                        continue
                elif source.closing:
                    return
                seen = source.sequence
                for iid, frame in list(source.latest.items()):
                    if instrument_id is not None and iid != instrument_id:
                        continue
                    event = m.StreamEvent(instrument_id=iid, ts_ns=frame.ts_ns, price=float(frame.snapshot.price),
                                          bias=bias_name(frame.snapshot.bias), clusters=len(frame.clusters),
                                          sequence=seen)
                    yield ServerSentEvent(data=event, event="snapshot", id=str(seen))
                    sent += 1
        finally:
            ctx.counters["stream_clients"] -= 1

    return api
