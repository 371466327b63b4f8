"""What the routes of ``liqheat serve`` share: the settings, the map source, the answer cache and the lookups.

One :class:`ApiContext` is built per application (:func:`~liqheat_nautilus.serve.app.create_app`) and handed to
every router of :mod:`liqheat_nautilus.serve.routes`.
"""

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import Response

from liqheat_nautilus.serve.cache import JsonCache, SingleFlight
from liqheat_nautilus.serve.frames import MapFrame
from liqheat_nautilus.serve.query import MAX_WINDOW_NS, RANGES, invalid, parse_time_param, profile_query
from liqheat_nautilus.serve.responses import iso, json_response
from liqheat_nautilus.serve.sources import MapSource, NoMapUpdate, Selection


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


@dataclass
class ApiContext:
    """
    The state of one application that its routes share.

    Attributes
    ----------
    source : MapSource
        Where the maps come from (catalog or live).
    settings : ServeSettings
    cache : JsonCache
        Encoded answers per map update and parameters.
    flights : SingleFlight
        One computation per question at a time.
    counters : dict[str, int]
        ``requests`` (counted by the access middleware) and ``stream_clients`` (open event streams).
    """

    source: MapSource
    settings: ServeSettings
    cache: JsonCache = field(default_factory=JsonCache)
    flights: SingleFlight = field(default_factory=SingleFlight)
    counters: dict[str, int] = field(default_factory=lambda: {"requests": 0, "stream_clients": 0})

    @property
    def store(self) -> Any:
        """The catalog source's ``MapStore`` (replays, models, profiles); ``None`` in live mode."""
        return getattr(self.source, "store", None)

    @property
    def profile_query(self) -> Any:
        """The ``profile`` parameter's type: an enum of the store's profiles (:func:`~.query.profile_query`)."""
        return profile_query(tuple(self.store.profiles) if self.store is not None else ())

    def select(self, instrument_id: str | None, model: str | None, profile: str | None,
               run: str | None) -> Selection:
        """
        Validate a request's choice of map (:meth:`~.sources.MapSource.select`).

        Parameters
        ----------
        instrument_id : str or None
            The ``instrument_id`` query parameter (Nautilus instrument id); ``None``: the first served.
        model : str or None
            The ``model`` parameter (liquidation-price model, catalog mode); ``None``: the default.
        profile : str or None
            The ``profile`` parameter (leverage profile, catalog mode); ``None``: the default.
        run : str or None
            The ``run`` parameter (a recorded run's UUID, catalog mode); ``None``: a replay (or the live map).

        Returns
        -------
        Selection

        Raises
        ------
        UnknownName
            For an unknown instrument or run (404), model or profile (422).
        InvalidRequest
            For a combination the mode does not support (422).
        NotReady
            When the source serves no instrument yet (503; a live node before its first map update).
        """
        return self.source.select(instrument_id, model, profile, run)

    def frame_or_404(self, sel: Selection, at_ns: int | None) -> MapFrame:
        """
        Return the last map update at or before ``at_ns`` (``None``: the latest).

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`).
        at_ns : int or None
            Requested time (UNIX ns, the parsed ``at`` parameter); ``None``: the latest update.

        Returns
        -------
        MapFrame

        Raises
        ------
        NoMapUpdate
            (404) when the map has no update yet at that time (the data's first time is named), or ``at_ns`` lies
            after the data's end (:meth:`MapSource.data_end_ns`; the last map would stand for a time the data does
            not reach, e.g. years later). Its span runs from the first update to the data's end (a source whose
            data has no end: the latest update).
        """
        end = self.source.data_end_ns(sel.instrument_id) if at_ns is not None else None
        if end is not None and at_ns is not None and at_ns > end:
            hint, span = self._updates_hint(sel, at=True)
            raise NoMapUpdate(f"no map update of {sel.instrument_id} at {iso(at_ns)}: after the data, whose bars end "
                              f"at {iso(end)}{hint}; omit at for the latest map", span)
        frame = self.source.frame_at(sel, at_ns)
        if frame is None:
            when = "yet" if at_ns is None else f"at or before {iso(at_ns)}"
            hint, span = self._updates_hint(sel, at=True)
            raise NoMapUpdate(f"no map update of {sel.instrument_id} {when}{hint}", span)
        return frame

    def frames_or_404(self, sel: Selection, start_ns: int, end_ns: int) -> list[MapFrame]:
        """
        Return the map updates from ``start_ns`` to ``end_ns`` (UNIX ns, both included).

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`).
        start_ns, end_ns : int
            Window (UNIX ns, both included), e.g. from :meth:`window`.

        Returns
        -------
        list[MapFrame]
            Time ascending, at least one.

        Raises
        ------
        NoMapUpdate
            (404) when there is none: a window before or after the data (the updates' span is named, and is the
            error's span), not an empty heatmap.
        """
        frames = self.source.frames(sel, start_ns, end_ns)
        if not frames:
            when = f"from {iso(start_ns)} to {iso(end_ns)}"
            hint, span = self._updates_hint(sel, at=False)
            raise NoMapUpdate(f"no map update of {sel.instrument_id} {when}{hint}", span)
        return frames

    def _maybe_after_data(self, sel: Selection, at_ns: int | None) -> bool:
        """Whether ``at_ns`` may lie after the data's end, answered without reading data (the event loop asks)."""
        if at_ns is None or not self.source.data_ends:
            return False
        end = self.source.data_end_ns(sel.instrument_id, read=False)
        return end is None or at_ns > end  # unknown yet: frame_or_404 reads it in a worker thread

    def _updates_hint(self, sel: Selection, at: bool) -> tuple[str, tuple[int, int] | None]:
        """
        Say where the map's updates are, for a 404.

        Parameters
        ----------
        sel : Selection
        at : bool
            The request asks for one time (``at``: valid up to the data's end) rather than a window (valid up to
            the last update).

        Returns
        -------
        tuple[str, tuple[int, int] or None]
            `` (updates from A to B; data from C)`` (or ``""``), and the span (UNIX ns) the request could have
            asked about (``None`` without updates).
        """
        span = self.source.span(sel)
        updates = self.source.frames(sel, 0, 2**63 - 1)
        parts = [f"updates from {iso(updates[0].ts_ns)} to {iso(updates[-1].ts_ns)}"] if updates else []
        if span and (not updates or span[0] != updates[0].ts_ns):
            parts.append(f"data from {iso(span[0])}")
        if not updates and (reason := self.source.no_updates_reason(sel)):
            parts.append(reason)
        valid = None
        if updates:
            data_end = self.source.data_end_ns(sel.instrument_id) if at else None
            valid = (updates[0].ts_ns, max(updates[-1].ts_ns, data_end) if data_end is not None else updates[-1].ts_ns)
        return (f" ({'; '.join(parts)})" if parts else ""), valid

    def window(self, start: str | None, end: str | None, range_name: str, sel: Selection) -> tuple[int, int]:
        """
        Resolve a request's time window.

        Parameters
        ----------
        start, end : str or None
            Times (ISO-8601 or UNIX ns); ``end`` defaults to the latest update (or the data's end, or now),
            ``start`` to ``end`` minus the range.
        range_name : str
            A key of :data:`~.query.RANGES` (``12h`` .. ``30d``).
        sel : Selection
            Which map (from :meth:`select`): ``end`` defaults to its latest update or data end.

        Returns
        -------
        tuple[int, int]
            ``(start_ns, end_ns)``, UNIX ns.

        Raises
        ------
        RequestValidationError
            (422) for a bad time, ``start >= end`` or a window over 30 days.
        """
        start_ns, end_ns = parse_time_param(start, "start"), parse_time_param(end, "end")
        end_said = ""  # a defaulted end is named in the errors: the user did not give it
        if end_ns is None:
            latest = self.source.frame_at(sel, None)
            span = self.source.span(sel)
            end_ns = latest.ts_ns if latest is not None else (span[1] if span else time.time_ns())
            what = "the latest map update" if latest is not None else "the data's end" if span else "now"
            end_said = f" (end omitted: {what})"
        if start_ns is None:
            start_ns = max(end_ns - RANGES[range_name], 0)
        if start_ns >= end_ns:
            raise invalid("start", f"start must be before end: start {iso(start_ns)}, end {iso(end_ns)}{end_said}")
        if end_ns - start_ns > MAX_WINDOW_NS:
            raise invalid("start", f"the window is longer than 30 days (the cap): {iso(start_ns)} to "
                                   f"{iso(end_ns)}{end_said}; narrow start/end")
        return start_ns, end_ns

    def remembered(self, key: Hashable, build: Callable[..., bytes], *args: Any) -> Response:
        """
        Answer from the JSON cache, or compute ``build(*args)`` here (a worker thread of a sync route) and keep it.

        Parameters
        ----------
        key : hashable
            Everything the answer depends on.
        build : callable
            Returns the encoded answer.
        *args
            Its arguments.

        Returns
        -------
        Response
            ``application/json``.
        """
        body = self.cache.get(key)
        if body is None:
            body = self.cache.put(key, build(*args))
        return json_response(body)

    async def cached(self, key: Hashable, build: Callable[..., bytes], *args: Any) -> Response:
        """
        Answer as :meth:`remembered` does, computing in a worker thread once per key at a time (single flight).

        Parameters
        ----------
        key : hashable
            Everything the answer depends on (cache and single-flight key).
        build : callable
            Returns the encoded answer (JSON bytes); run in a worker thread.
        *args
            Its arguments.

        Returns
        -------
        Response
            ``application/json``.
        """
        body = self.cache.get(key)
        if body is None:
            body = self.cache.put(key, await self.flights.run(key, build, *args))
        return json_response(body)

    async def framed(self, sel: Selection, at_ns: int | None, kind: str, params: tuple[Any, ...],
                     build: Callable[[MapFrame], bytes]) -> Response:
        """
        Answer a question about one map update from the JSON cache (per update) when possible.

        The event loop answers a cached update at once; otherwise the update is looked up and the answer built in
        a worker thread (a replay may have to run first).

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`); part of the cache key.
        at_ns : int or None
            Requested time (UNIX ns; ``None``: the latest update).
        kind : str
            The route (part of the cache key).
        params : tuple
            The route's other parameters (part of the cache key).
        build : callable
            ``frame -> encoded answer``.

        Returns
        -------
        Response
            ``application/json``.

        Raises
        ------
        NoMapUpdate
            (404) when the map has no update at that time.
        """
        ready, frame = self.source.peek_frame(sel, at_ns)
        if ready and frame is not None and not self._maybe_after_data(sel, at_ns):
            body = self.cache.get((kind, sel, frame.ts_ns, frame.bins is not None, params))
            if body is not None:
                return json_response(body)

        def compute() -> bytes:
            found = self.frame_or_404(sel, at_ns)
            key = (kind, sel, found.ts_ns, found.bins is not None, params)
            cached = self.cache.get(key)
            return cached if cached is not None else self.cache.put(key, build(found))

        return json_response(await self.flights.run((kind, sel, at_ns, params, self.source.sequence), compute))
