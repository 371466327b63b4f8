"""Where ``liqheat serve`` gets its maps: a catalog (replays and recorded runs) or, in :mod:`.live`, Redis.

Every source answers the same questions with :class:`~liqheat_nautilus.serve.frames.MapFrame` objects, so the
API (:mod:`.app`) does not know where a map came from. Requests name what they want with a :class:`Selection`;
:meth:`MapSource.select` validates it against what the source holds (unknown names raise :class:`UnknownName`,
listing the valid ones).
"""

import asyncio
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from liqheat_nautilus.core.units import NS_PER_DAY
from liqheat_nautilus.serve.frames import MapFrame


class UnknownName(LookupError):
    """
    A request named something the source does not hold.

    Parameters
    ----------
    field : str
        The request field (``instrument_id``, ``run``, ...).
    value : str
        What was asked for.
    known : list[str]
        The valid values.
    status : int, default 404
        HTTP status (404 for a resource, 422 for a parameter value).
    """

    def __init__(self, field: str, value: str, known: list[str], status: int = 404) -> None:
        self.field, self.value, self.known, self.status = field, value, list(known), status
        super().__init__(f"unknown {field} {value!r}; known: {', '.join(self.known) or '(none)'}")


class InvalidRequest(ValueError):
    """
    A request field is invalid in this mode or combination; ``field`` names it (HTTP 422).

    Parameters
    ----------
    field : str
    message : str
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Selection:
    """
    Which map: instrument, and (catalog mode) model and leverage profile of a replay, or a recorded run.

    Attributes
    ----------
    instrument_id : str
    source : str
        ``"replay"``, ``"recording"`` or ``"live"``.
    model, profile : str
        Model and leverage profile (of the replay, or of the recorded run's actor; ``""`` if unknown).
    run_id : str or None
        The recorded run.
    """

    instrument_id: str
    source: str
    model: str = ""
    profile: str = ""
    run_id: str | None = None


@dataclass(frozen=True)
class Bars:
    """
    An instrument's bars as arrays (time ascending).

    Attributes
    ----------
    ts_ns : np.ndarray
        ``(n,)`` bar close times (UNIX ns).
    open, high, low, close, volume : np.ndarray
        ``(n,)`` prices (quote currency) and volume (base units).
    """

    ts_ns: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def high_low(self, end_ns: int, span_ns: int = NS_PER_DAY) -> tuple[float, float] | None:
        """Highest high and lowest low of the bars in ``(end_ns - span_ns, end_ns]``; ``None`` without bars."""
        a = int(np.searchsorted(self.ts_ns, end_ns - span_ns, side="right"))
        b = int(np.searchsorted(self.ts_ns, end_ns, side="right"))
        if b <= a:
            return None
        return float(self.high[a:b].max()), float(self.low[a:b].min())


EMPTY_BARS = Bars(*(np.zeros(0, dtype=np.int64 if i == 0 else np.float64) for i in range(6)))


class MapSource:
    """
    Base of the sources: selection checks, a change counter for the event stream, cached heatmap grids.

    Subclasses implement :meth:`instruments`, :meth:`status`, :meth:`frame_at`, :meth:`frames`, :meth:`bars`,
    :meth:`funding_at`, :meth:`liquidations`, :meth:`signals` and :meth:`compare`.
    """

    mode = "catalog"

    def __init__(self) -> None:
        self.sequence = 0  # bumped for every new map update (event stream)
        self.started = time.time()
        self._changed: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._heatmaps: OrderedDict = OrderedDict()
        self._heatmap_lock = threading.Lock()
        self._totals: OrderedDict = OrderedDict()  # id(bins) -> (bins, long, short): decoded once per update
        self.latest: dict[str, MapFrame] = {}

    # -- event stream ---------------------------------------------------------------------------------------

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach the server's event loop (the stream's waiters live there)."""
        self._loop = loop
        self._changed = asyncio.Event()

    def notify(self, frame: MapFrame) -> None:
        """
        Record a new map update and wake the event-stream clients (thread-safe).

        Parameters
        ----------
        frame : MapFrame
        """
        self.latest[frame.instrument_id] = frame
        self.sequence += 1
        if self._loop is not None and self._changed is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._pulse)

    def _pulse(self) -> None:
        event = self._changed
        self._changed = asyncio.Event()
        event.set()

    async def wait_change(self, timeout: float) -> bool:
        """Wait until :meth:`notify` is called or ``timeout`` seconds pass; True if something changed."""
        if self._changed is None:
            await asyncio.sleep(timeout)
            return False
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
            return True
        except TimeoutError:
            return False

    # -- selection ------------------------------------------------------------------------------------------

    def instruments(self) -> list[str]:
        """Instrument ids served."""
        raise NotImplementedError

    def select(self, instrument_id: str | None, model: str | None, profile: str | None,
               run_id: str | None) -> Selection:
        """
        Validate a request's choice of map.

        Parameters
        ----------
        instrument_id, model, profile, run_id : str or None
            ``None``: the default (first instrument, default model and profile, no run).

        Returns
        -------
        Selection

        Raises
        ------
        UnknownName
            For an unknown instrument (404) or run (404), model or profile (422).
        InvalidRequest
            For a combination the mode does not support.
        """
        raise NotImplementedError

    def instrument(self, instrument_id: str | None) -> str:
        """
        The instrument a request names (``None``: the first served).

        Raises
        ------
        UnknownName
            If it is not served (404, listing the served ones).
        """
        known = self.instruments()
        if instrument_id is None:
            if not known:
                raise UnknownName("instrument_id", "", known)
            return known[0]
        if instrument_id not in known:
            raise UnknownName("instrument_id", instrument_id, known)
        return instrument_id

    # -- data -----------------------------------------------------------------------------------------------

    def frame_at(self, sel: Selection, at_ns: int | None) -> MapFrame | None:
        """The last map update at or before ``at_ns`` (``None``: the latest); ``None`` if there is none."""
        raise NotImplementedError

    def peek_frame(self, sel: Selection, at_ns: int | None) -> tuple[bool, MapFrame | None]:
        """
        :meth:`frame_at` when it needs no replay work or waiting (the event loop asks first); ``(False, None)`` says
        "ask :meth:`frame_at` from a worker thread". Default: always answered.
        """
        return True, self.frame_at(sel, at_ns)

    def frames(self, sel: Selection, start_ns: int, end_ns: int) -> list[MapFrame]:
        """Map updates with ``start_ns <= ts <= end_ns``."""
        raise NotImplementedError

    def bars(self, instrument_id: str) -> Bars:
        """The instrument's bars (may be empty)."""
        raise NotImplementedError

    def funding_at(self, instrument_id: str, at_ns: int) -> tuple[float, int] | None:
        """The latest funding rate at or before ``at_ns`` and its time, ``None`` if unknown."""
        raise NotImplementedError

    def liquidations(self, instrument_id: str, start_ns: int, end_ns: int) -> tuple[bool, str, list]:
        """``(available, note, LiquidationEvent list)`` in the window."""
        raise NotImplementedError

    def signals(self, sel: Selection) -> tuple[str, list[dict]]:
        """``(note, TradeSignal dicts)`` of the selection."""
        raise NotImplementedError

    def compare(self, sel: Selection, at_ns: int) -> list[tuple[str, MapFrame | None]]:
        """``(model, frame)`` for every model available at ``at_ns``."""
        raise NotImplementedError

    def status(self) -> list[dict]:
        """Per instrument: ``instrument_id``, ``state``, ``message``, ``frames``, ``first_ns``, ``last_ns``."""
        raise NotImplementedError

    def overall(self) -> tuple[str, str]:
        """``(state, message)`` of the whole source (default: from the instruments' states)."""
        states = [s["state"] for s in self.status()]
        if "ERROR" in states:
            return "ERROR", "; ".join(s["message"] for s in self.status() if s["state"] == "ERROR")
        if states and all(s == "READY" for s in states):
            return "READY", f"{len(states)} instrument(s) ready"
        return "INITIALIZING", "replaying the catalog" if states else "no instrument yet"

    def span(self, sel: Selection) -> tuple[int, int] | None:
        """First and last update time of the selection, ``None`` when there is none."""
        raise NotImplementedError

    def close(self) -> None:
        """Release resources (background readers)."""

    # -- heatmap grids --------------------------------------------------------------------------------------

    def side_totals(self, bins) -> tuple[np.ndarray, np.ndarray]:
        """
        :func:`liqheat_nautilus.recording.side_totals` of published bins, decoded once per update (LRU of 8,000
        updates, a few kB each).
        """
        from liqheat_nautilus.recording import side_totals

        key = id(bins)
        with self._heatmap_lock:
            hit = self._totals.get(key)
            if hit is not None and hit[0] is bins:
                self._totals.move_to_end(key)
                return hit[1], hit[2]
        long_usd, short_usd = side_totals(bins)
        with self._heatmap_lock:
            self._totals[key] = (bins, long_usd, short_usd)
            while len(self._totals) > 8000:
                self._totals.popitem(last=False)
        return long_usd, short_usd

    def heatmap(self, sel: Selection, start_ns: int, end_ns: int):
        """
        The frames of a window on one price grid (``charts.heatmap.heatmap_data``), cached per window.

        Parameters
        ----------
        sel : Selection
        start_ns, end_ns : int

        Returns
        -------
        tuple
            ``(HeatmapData or None, frames)``; ``None`` when no frame in the window has bins.
        """
        from liqheat_nautilus.charts.heatmap import heatmap_data
        from liqheat_nautilus.recording import history_from_bins

        frames = self.frames(sel, start_ns, end_ns)
        bins = [f.bins for f in frames if f.bins is not None and f.bins.n_rows > 0]
        key = (sel, start_ns, end_ns, len(frames), frames[-1].ts_ns if frames else 0)
        with self._heatmap_lock:
            if key in self._heatmaps:
                self._heatmaps.move_to_end(key)
                return self._heatmaps[key], frames
        data = heatmap_data(history_from_bins(bins, self.side_totals)) if bins else None
        with self._heatmap_lock:
            self._heatmaps[key] = data
            while len(self._heatmaps) > 4:  # a few windows (each ~ frames × bins × 3 float64): memory stays small
                self._heatmaps.popitem(last=False)
        return data, frames


class CatalogSource(MapSource):
    """
    Maps from a Nautilus catalog: replays for any model and leverage profile (:class:`~.maps.MapStore`) and the
    runs recorded into it by backtests (:mod:`liqheat_nautilus.recording`).

    Parameters
    ----------
    store : MapStore
        The replays.
    max_recordings : int, default 4
        Recorded runs kept in memory.
    """

    mode = "catalog"

    def __init__(self, store, max_recordings: int = 4) -> None:
        super().__init__()
        self.store = store
        self.catalog = Path(store.catalog)
        self._instruments = store.instruments()
        self._errors: dict[str, str] = {}
        self._ready: set[str] = set()
        self._recordings: OrderedDict = OrderedDict()
        self._recording_frames: dict[tuple[str, str], list[MapFrame]] = {}
        self._runs = None
        self._runs_checked = 0.0
        self._liquidations: dict[str, list] = {}
        self._lock = threading.Lock()
        self.max_recordings = max_recordings

    def instruments(self) -> list[str]:
        """Instruments with bars in the catalog."""
        return list(self._instruments)

    def warm_up(self) -> None:
        """Replay the default map of every instrument to its end (run in a background thread at start)."""
        for iid in self._instruments:
            try:
                replay = self.store.replay(iid, self.store.default_model, self.store.default_profile)
                frame = replay.frame_at(np.iinfo(np.int64).max)
                self._ready.add(iid)
                if frame is not None:
                    self.notify(frame)
            except (ValueError, FileNotFoundError) as exc:
                self._errors[iid] = str(exc)

    def refresh(self) -> int:
        """
        Extend the replays over data appended to the catalog since it was read (``MapStore.refresh``) and push the
        default map's newest update on the event stream when there is one.

        Returns
        -------
        int
            New bars read, all instruments together.
        """
        added = 0
        for iid in self._instruments:
            if iid not in self._ready:
                continue
            try:
                n = self.store.refresh(iid)
            except (ValueError, FileNotFoundError):
                continue
            added += n
            if n:
                replay = self.store.replay(iid, self.store.default_model, self.store.default_profile)
                frame = replay.frame_at(np.iinfo(np.int64).max)
                if frame is not None and frame is not self.latest.get(iid):
                    self.notify(frame)
        return added

    def runs(self):
        """The recorded runs (re-listed at most every 5 s)."""
        from liqheat_nautilus.recording import list_recordings

        now = time.monotonic()
        if self._runs is None or now - self._runs_checked > 5.0:
            self._runs = list_recordings(self.catalog)
            self._runs_checked = now
        return self._runs

    def select(self, instrument_id, model, profile, run_id) -> Selection:
        """See :meth:`MapSource.select`; ``run`` excludes ``model`` and ``profile``."""
        iid = self.instrument(instrument_id)
        if run_id is not None:
            if model is not None or profile is not None:
                field = "model" if model is not None else "profile"
                raise InvalidRequest(field, f"{field} cannot be combined with run: a recorded run has its own")
            runs = {r.run_id: r for r in self.runs()}
            run = runs.get(run_id)
            if run is None:
                raise UnknownName("run", run_id, list(runs))
            if iid not in run.instruments:
                raise UnknownName("instrument_id", iid, list(run.instruments))
            config = run.map_config
            return Selection(iid, "recording", str(config.get("model", "")), str(config.get("leverage_profile", "")),
                             run_id)
        model = self.store.default_model if model is None else model
        profile = self.store.default_profile if profile is None else profile
        if model not in self.store.models:
            raise UnknownName("model", model, list(self.store.models), status=422)
        if profile not in self.store.profiles:
            raise UnknownName("profile", profile, list(self.store.profiles), status=422)
        return Selection(iid, "replay", model, profile)

    # -- recordings ---------------------------------------------------------------------------------------------

    def _recording(self, run_id: str):
        from liqheat_nautilus.recording import load_recording

        with self._lock:
            if run_id in self._recordings:
                self._recordings.move_to_end(run_id)
                return self._recordings[run_id]
        recording = load_recording(self.catalog, run_id)
        with self._lock:
            self._recordings[run_id] = recording
            while len(self._recordings) > self.max_recordings:
                old, _ = self._recordings.popitem(last=False)
                self._recording_frames = {k: v for k, v in self._recording_frames.items() if k[0] != old}
        return recording

    def _recorded_frames(self, sel: Selection) -> list[MapFrame]:
        key = (sel.run_id, sel.instrument_id)
        with self._lock:
            if key in self._recording_frames:
                return self._recording_frames[key]
        rec = self._recording(sel.run_id)
        iid = sel.instrument_id
        clusters: dict[int, list] = {}
        for c in rec.clusters:
            if c.instrument_id.value == iid:
                clusters.setdefault(c.ts_event, []).append(c)
        bins = {b.ts_event: b for b in rec.bins if b.instrument_id.value == iid}
        frames = [MapFrame(iid, s.ts_event, s, tuple(clusters.get(s.ts_event, ())), bins.get(s.ts_event))
                  for s in rec.snapshots if s.instrument_id.value == iid]
        with self._lock:
            self._recording_frames[key] = frames
        return frames

    # -- data ---------------------------------------------------------------------------------------------------

    def frame_at(self, sel: Selection, at_ns: int | None) -> MapFrame | None:
        """See :meth:`MapSource.frame_at` (replays run as far as needed)."""
        at = np.iinfo(np.int64).max if at_ns is None else at_ns
        if sel.source == "recording":
            frames = self._recorded_frames(sel)
            k = int(np.searchsorted([f.ts_ns for f in frames], at, side="right")) - 1
            return frames[k] if k >= 0 else None
        return self.store.replay(sel.instrument_id, sel.model, sel.profile).frame_at(at)

    def peek_frame(self, sel: Selection, at_ns: int | None) -> tuple[bool, MapFrame | None]:
        """See :meth:`MapSource.peek_frame`: recordings answer at once once read; replays when they got that far."""
        if sel.source == "recording":
            key = (sel.run_id, sel.instrument_id)
            if key not in self._recording_frames:
                return False, None
            return True, self.frame_at(sel, at_ns)
        at = np.iinfo(np.int64).max if at_ns is None else at_ns
        replay = self.store.existing(sel.instrument_id, sel.model, sel.profile)
        return (False, None) if replay is None else replay.peek(at)

    def frames(self, sel: Selection, start_ns: int, end_ns: int) -> list[MapFrame]:
        """See :meth:`MapSource.frames`."""
        if sel.source == "recording":
            frames = self._recorded_frames(sel)
            ts = [f.ts_ns for f in frames]
            return frames[int(np.searchsorted(ts, start_ns, "left")):int(np.searchsorted(ts, end_ns, "right"))]
        return self.store.replay(sel.instrument_id, sel.model, sel.profile).frames_between(start_ns, end_ns)

    def span(self, sel: Selection) -> tuple[int, int] | None:
        """See :meth:`MapSource.span` (for replays: the catalog's bar span)."""
        if sel.source == "recording":
            frames = self._recorded_frames(sel)
            return (frames[0].ts_ns, frames[-1].ts_ns) if frames else None
        series = self.store.series(sel.instrument_id)
        return (int(series.bar_ts_ns[0]), int(series.bar_ts_ns[-1])) if len(series) else None

    def bars(self, instrument_id: str) -> Bars:
        """The catalog's bars of the instrument."""
        s = self.store.series(instrument_id)
        return Bars(s.bar_ts_ns, s.open, s.high, s.low, s.close, s.volume)

    def funding_at(self, instrument_id: str, at_ns: int) -> tuple[float, int] | None:
        """The catalog's funding rate at or before ``at_ns``."""
        s = self.store.series(instrument_id)
        k = int(np.searchsorted(s.funding_ts_ns, at_ns, side="right")) - 1
        return (float(s.funding_rate[k]), int(s.funding_ts_ns[k])) if k >= 0 else None

    def liquidations(self, instrument_id: str, start_ns: int, end_ns: int) -> tuple[bool, str, list]:
        """The catalog's ``LiquidationEvent`` records of the instrument in the window."""
        from nautilus_trader.persistence.catalog import ParquetDataCatalog

        from liqheat_nautilus.data import LiquidationEvent

        with self._lock:
            events = self._liquidations.get(instrument_id)
        if events is None:
            try:
                raw = ParquetDataCatalog(str(self.catalog)).query(LiquidationEvent, identifiers=[instrument_id])
            except Exception:  # noqa: BLE001 (no such table in this catalog)
                raw = []
            events = sorted((getattr(d, "data", d) for d in raw), key=lambda e: e.ts_event)
            with self._lock:
                self._liquidations[instrument_id] = events
        if not events:
            return False, (f"the catalog holds no liquidation records (LiquidationEvent) for {instrument_id}; "
                           "ingest them or use --live"), []
        ts = [e.ts_event for e in events]
        a, b = int(np.searchsorted(ts, start_ns, "left")), int(np.searchsorted(ts, end_ns, "right"))
        return True, "LiquidationEvent records of the catalog", events[a:b]

    def signals(self, sel: Selection) -> tuple[str, list[dict]]:
        """Trade signals of a recorded run (a replay has none)."""
        if sel.source != "recording":
            return ("a replay has no strategy: select a recorded run (run=...) or use --live for the node's "
                    "signals"), []
        frame = self._recording(sel.run_id).signals
        if frame.empty:
            return (f"run {sel.run_id} holds no trade signals: `liqheat backtest` adds them to a recording; a run of "
                    "your own BacktestNode records the map only"), []
        rows = frame[frame["instrument_id"] == sel.instrument_id] if "instrument_id" in frame.columns else frame
        return f"trade signals recorded by run {sel.run_id}", rows.to_dict("records")

    def compare(self, sel: Selection, at_ns: int) -> list[tuple[str, MapFrame | None]]:
        """Replays of every model (same profile) at ``at_ns``; a recorded run has its one model."""
        if sel.source == "recording":
            return [(sel.model, self.frame_at(sel, at_ns))]
        return [(m, self.store.replay(sel.instrument_id, m, sel.profile).frame_at(at_ns)) for m in self.store.models]

    def status(self) -> list[dict]:
        """INITIALIZING until the default replay of an instrument reached its end, READY, or ERROR."""
        out = []
        for iid in self._instruments:
            frames = 0
            first = last = None
            if iid in self._errors:
                state, message = "ERROR", self._errors[iid]
            elif iid in self._ready:
                replay = self.store.replay(iid, self.store.default_model, self.store.default_profile)
                frames = len(replay.frames)
                series = replay.series
                first, last = int(series.bar_ts_ns[0]), int(series.bar_ts_ns[-1])
                state, message = "READY", f"replayed {frames} map updates from the catalog"
            else:
                state, message = "INITIALIZING", "replaying the catalog"
            out.append({"instrument_id": iid, "state": state, "message": message, "frames": frames,
                        "first_ns": first, "last_ns": last})
        return out
