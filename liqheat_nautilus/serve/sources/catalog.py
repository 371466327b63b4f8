"""Maps of ``liqheat serve --catalog``: replays of any model and leverage profile, and recorded backtest runs.

The replays come from :class:`~liqheat_nautilus.serve.maps.MapStore` (the engine over the catalog, resumable); the
runs are those recorded into the catalog by backtests (:mod:`liqheat_nautilus.recording`), read on first use and
kept (a few).
"""

import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from liqheat_nautilus.persistence.scan import open_interest_missing
from liqheat_nautilus.serve.frames import MapFrame
from liqheat_nautilus.serve.sources.base import Bars, InvalidRequest, MapSource, Mode, Selection, UnknownName


class CatalogSource(MapSource):
    """
    Maps from a Nautilus catalog: replays and recorded runs.

    Replays for any model and leverage profile (:class:`~liqheat_nautilus.serve.maps.MapStore`) and the runs
    recorded into the catalog by backtests (:mod:`liqheat_nautilus.recording`).

    Parameters
    ----------
    store : MapStore
        The replays.
    max_recordings : int, default 4
        Recorded runs kept in memory.
    """

    mode: Mode = "catalog"
    data_ends = True

    def __init__(self, store, max_recordings: int = 4) -> None:
        super().__init__()
        self.store = store
        self.catalog = Path(store.catalog)
        self._instruments = store.instruments()
        self._errors: dict[str, str] = {}
        self._ready: set[str] = set()
        self._recordings: OrderedDict = OrderedDict()
        self._recording_frames: dict[tuple[str | None, str], list[MapFrame]] = {}
        self._runs = None
        self._runs_checked = 0.0
        self._liquidations: dict[str, list] = {}
        self._lock = threading.Lock()
        self.max_recordings = max_recordings

    def instruments(self) -> list[str]:
        """
        Return the instruments with bars in the catalog (``--bar-spec``; only ``--instrument-id`` when given).

        Returns
        -------
        list[str]
            Nautilus instrument ids, as the store listed them at start.
        """
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
        Extend the replays over data appended to the catalog since it was read (``MapStore.refresh``).

        The default map's newest update, when there is one, goes on the event stream.

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
        """
        Return the recorded runs (re-listed at most every 5 s).

        Returns
        -------
        list[RecordingInfo]
            :func:`~liqheat_nautilus.recording.list_recordings` of the catalog: finished runs, newest first.
        """
        from liqheat_nautilus.recording import list_recordings

        now = time.monotonic()
        if self._runs is None or now - self._runs_checked > 5.0:
            self._runs = list_recordings(self.catalog)
            self._runs_checked = now
        return self._runs

    def select(self, instrument_id, model, profile, run_id) -> Selection:
        """
        See :meth:`MapSource.select`; ``run`` excludes ``model`` and ``profile``.

        A recorded run's model and profile are those of its map actor; a replay's profile carries its
        ``profile_warning`` (a map profile file fitted on another instrument).

        Parameters
        ----------
        instrument_id : str or None
            Nautilus instrument id; ``None``: the first instrument with bars in the catalog.
        model : str or None
            Liquidation-price model of a replay (one of ``store.models``); ``None``: the store's default.
        profile : str or None
            Leverage profile of a replay (one of ``store.profiles``, calibrated profile files included); ``None``:
            the store's default.
        run_id : str or None
            A recorded run's id (UUID, see :meth:`runs`); ``None``: a replay.

        Returns
        -------
        Selection
            ``source`` ``"recording"`` for a run, ``"replay"`` otherwise.

        Raises
        ------
        UnknownName
            For an unknown instrument, an unknown run or an instrument the run did not record (404), an unknown
            model or profile (422).
        InvalidRequest
            For ``model`` or ``profile`` given with ``run_id`` (422).
        """
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
            model, profile = run.map_labels  # map_profile / map_params_extra included
            return Selection(iid, "recording", model, profile, run_id,
                             profile_warning=run.profile_warnings.get(iid, ""))
        model = self.store.default_model if model is None else model
        profile = self.store.default_profile if profile is None else profile
        if model not in self.store.models:
            raise UnknownName("model", model, list(self.store.models), status=422)
        if profile not in self.store.profiles:
            raise UnknownName("profile", profile, list(self.store.profiles), status=422)
        return Selection(iid, "replay", model, profile,
                         profile_warning=self.store.profile_warnings.get((profile, iid), ""))

    # -- recordings ---------------------------------------------------------------------------------------------

    def _recording(self, run_id: str | None) -> Any:
        """Return a recorded run (a ``Recording``), read on first use (``max_recordings`` kept, least recently used)."""
        from liqheat_nautilus.recording import load_recording

        if run_id is None:
            raise InvalidRequest("run", "a recorded run must be selected (run=...)")
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
        """Return the map updates of a recorded run for the selected instrument, time ascending (built once)."""
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
        """
        See :meth:`MapSource.frame_at`: replays run as far as needed; a recorded run is read on first use.

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`): a replay (``sel.model``, ``sel.profile``) or a recorded run
            (``sel.run_id``).
        at_ns : int or None
            Time (UNIX ns); ``None`` for the latest update (a replay runs to the catalog's end).

        Returns
        -------
        MapFrame or None
            ``None`` when the map has no update at or before that time.

        Raises
        ------
        ValueError
            If the catalog cannot give the instrument's series (``MapStore.replay``; an ``IngestError`` is answered
            with a 503).
        """
        at = np.iinfo(np.int64).max if at_ns is None else at_ns
        if sel.source == "recording":
            frames = self._recorded_frames(sel)
            k = int(np.searchsorted([f.ts_ns for f in frames], at, side="right")) - 1
            return frames[k] if k >= 0 else None
        return self.store.replay(sel.instrument_id, sel.model, sel.profile).frame_at(at)

    def peek_frame(self, sel: Selection, at_ns: int | None) -> tuple[bool, MapFrame | None]:
        """
        See :meth:`MapSource.peek_frame`: recordings answer at once once read; replays when they got that far.

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`): a replay (``sel.model``, ``sel.profile``) or a recorded run
            (``sel.run_id``).
        at_ns : int or None
            Time (UNIX ns); ``None`` for the latest update.

        Returns
        -------
        tuple[bool, MapFrame or None]
            ``(False, None)`` when the run is not read yet, or the replay is not created yet, busy (another request
            advances it) or not advanced to ``at_ns``.
        """
        if sel.source == "recording":
            key = (sel.run_id, sel.instrument_id)
            if key not in self._recording_frames:
                return False, None
            return True, self.frame_at(sel, at_ns)
        at = np.iinfo(np.int64).max if at_ns is None else at_ns
        replay = self.store.existing(sel.instrument_id, sel.model, sel.profile)
        return (False, None) if replay is None else replay.peek(at)

    def frames(self, sel: Selection, start_ns: int, end_ns: int) -> list[MapFrame]:
        """
        See :meth:`MapSource.frames` (a replay runs up to ``end_ns`` first).

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`): a replay (``sel.model``, ``sel.profile``) or a recorded run
            (``sel.run_id``).
        start_ns, end_ns : int
            Window (UNIX ns, both included).

        Returns
        -------
        list[MapFrame]
            Time ascending.

        Raises
        ------
        ValueError
            If the catalog cannot give the instrument's series (``MapStore.replay``; an ``IngestError`` is answered
            with a 503).
        """
        if sel.source == "recording":
            frames = self._recorded_frames(sel)
            ts = [f.ts_ns for f in frames]
            return frames[int(np.searchsorted(ts, start_ns, "left")):int(np.searchsorted(ts, end_ns, "right"))]
        return self.store.replay(sel.instrument_id, sel.model, sel.profile).frames_between(start_ns, end_ns)

    def span(self, sel: Selection) -> tuple[int, int] | None:
        """
        See :meth:`MapSource.span`: for a replay the catalog's bar span, for a recorded run its updates' span.

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`): a replay (``sel.model``, ``sel.profile``) or a recorded run
            (``sel.run_id``).

        Returns
        -------
        tuple[int, int] or None
            ``(first_ns, last_ns)`` (UNIX ns); ``None`` without bars (replay) or updates (recorded run).
        """
        if sel.source == "recording":
            frames = self._recorded_frames(sel)
            return (frames[0].ts_ns, frames[-1].ts_ns) if frames else None
        series = self.store.series(sel.instrument_id)
        return (int(series.bar_ts_ns[0]), int(series.bar_ts_ns[-1])) if len(series) else None

    def data_end_ns(self, instrument_id: str, read: bool = True) -> int | None:
        """
        See :meth:`MapSource.data_end_ns`: the catalog's last bar of the instrument (replays and recorded runs).

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id.
        read : bool, default True
            ``False``: answer only from bars already read (``MapStore.bars_end_ns``), for the event loop.

        Returns
        -------
        int or None
            Time of the last bar (UNIX ns); ``None`` without bars, when the catalog cannot be read for the
            instrument, or (``read=False``) before its bars were read.
        """
        return self.store.bars_end_ns(instrument_id, read)

    def no_updates_reason(self, sel: Selection) -> str:
        """
        See :meth:`MapSource.no_updates_reason`: a replay of a catalog without open interest of the instrument.

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`); a recorded run has no known reason.

        Returns
        -------
        str
            The missing open interest and the fixes that apply to the catalog
            (:func:`~liqheat_nautilus.persistence.scan.open_interest_missing`: how to ingest it, and the trades mode
            when the catalog holds trade ticks of the instrument, as ``backtest`` and ``plot`` say), or ``""``.
        """
        if sel.source == "recording":
            return ""
        try:
            series = self.store.series(sel.instrument_id)
        except (ValueError, FileNotFoundError):
            return ""
        if len(series.oi_ts_ns):
            return ""
        from nautilus_trader.persistence.catalog import ParquetDataCatalog

        catalog = ParquetDataCatalog(str(self.store.catalog))
        return (f"the catalog holds no open interest of {sel.instrument_id}, and "
                f"{open_interest_missing(catalog, sel.instrument_id)}")

    def bars(self, instrument_id: str) -> Bars:
        """
        Return the catalog's bars of the instrument (the ``--bar-spec`` bars the replays run on).

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id.

        Returns
        -------
        Bars
            Time ascending.

        Raises
        ------
        ValueError
            If the catalog has no such bars, or cannot give the instrument's open interest (``MapStore.series``).
        """
        s = self.store.series(instrument_id)
        return Bars(s.bar_ts_ns, s.open, s.high, s.low, s.close, s.volume)

    def funding_at(self, instrument_id: str, at_ns: int) -> tuple[float, int] | None:
        """
        Return the catalog's funding rate at or before ``at_ns``.

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id.
        at_ns : int
            Time (UNIX ns).

        Returns
        -------
        tuple[float, int] or None
            ``(rate, ts_ns)``: fraction per funding interval and its time (UNIX ns); ``None`` when the catalog has
            no funding rate of the instrument at or before ``at_ns``.

        Raises
        ------
        ValueError
            If the catalog cannot give the instrument's series (``MapStore.series``).
        """
        s = self.store.series(instrument_id)
        k = int(np.searchsorted(s.funding_ts_ns, at_ns, side="right")) - 1
        return (float(s.funding_rate[k]), int(s.funding_ts_ns[k])) if k >= 0 else None

    def liquidations(self, instrument_id: str, start_ns: int, end_ns: int) -> tuple[bool, str, list]:
        """
        Return the catalog's ``LiquidationEvent`` records of the instrument in the window (read once, then kept).

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id.
        start_ns, end_ns : int
            Window (UNIX ns, both included).

        Returns
        -------
        tuple[bool, str, list]
            ``(available, note, events)``; ``available`` is False, with a note saying to ingest them or use
            ``--live``, when the catalog holds no liquidation record of the instrument.
        """
        from liqheat_nautilus.persistence.reader import read_liquidation_events

        with self._lock:
            events = self._liquidations.get(instrument_id)
        if events is None:
            events = read_liquidation_events(self.catalog, instrument_id)
            with self._lock:
                self._liquidations[instrument_id] = events
        if not events:
            return False, (f"the catalog holds no liquidation records (LiquidationEvent) for {instrument_id}; "
                           "ingest them or use --live"), []
        ts = [e.ts_event for e in events]
        a, b = int(np.searchsorted(ts, start_ns, "left")), int(np.searchsorted(ts, end_ns, "right"))
        return True, "LiquidationEvent records of the catalog", events[a:b]

    def signals(self, sel: Selection) -> tuple[str, list[dict]]:
        """
        Return the trade signals of a recorded run (a replay has none).

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`); only a recorded run (``source == "recording"``) has signals.

        Returns
        -------
        tuple[str, list[dict]]
            ``(note, rows)``: the run's ``signals`` log rows of the instrument; for a replay, or a run without
            signals, no rows and a note saying why.
        """
        if sel.source != "recording":
            return ("a replay has no strategy: select a recorded run (run=...) or use --live for the node's "
                    "signals"), []
        frame = self._recording(sel.run_id).signals
        if frame.empty:
            return (f"run {sel.run_id} holds no trade signals: its strategies made no decision, or keep no "
                    "`signals` log (the shipped strategies' decision records, which `liqheat backtest` saves)"), []
        rows = frame[frame["instrument_id"] == sel.instrument_id] if "instrument_id" in frame.columns else frame
        return f"trade signals recorded by run {sel.run_id}", rows.to_dict("records")

    def compare(self, sel: Selection, at_ns: int) -> list[tuple[str, MapFrame | None]]:
        """
        Return the replays of every model (same profile) at ``at_ns``; a recorded run has its one model.

        Each model's replay runs up to ``at_ns`` (created on first use).

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`): a replay (``sel.model``, ``sel.profile``) or a recorded run
            (``sel.run_id``).
        at_ns : int
            Time (UNIX ns).

        Returns
        -------
        list[tuple[str, MapFrame or None]]
            ``(model, frame)`` per model of ``store.models``, or the run's one ``(model, frame)``.

        Raises
        ------
        ValueError
            If the catalog cannot give the instrument's series (``MapStore.replay``; an ``IngestError`` is answered
            with a 503).
        """
        if sel.source == "recording":
            return [(sel.model, self.frame_at(sel, at_ns))]
        return [(m, self.store.replay(sel.instrument_id, m, sel.profile).frame_at(at_ns)) for m in self.store.models]

    def status(self) -> list[dict]:
        """
        Report per instrument: INITIALIZING until its default replay reached the end, READY, or ERROR.

        Returns
        -------
        list[dict]
            As :meth:`MapSource.status`; for READY, ``frames`` counts the default replay's updates, ``first_ns`` and
            ``last_ns`` are the catalog's first and last bar, and ``message`` says why there is no update when there
            is none (:meth:`no_updates_reason`).
        """
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
                summed = getattr(self.store, "oi_instrument_ids", ())
                oi = f" (open interest summed over {' + '.join(summed)})" if summed else ""
                state, message = "READY", f"replayed {frames} map updates from the catalog{oi}"
                if not frames:
                    sel = Selection(instrument_id=iid, source="replay", model=self.store.default_model,
                                    profile=self.store.default_profile)
                    reason = self.no_updates_reason(sel)
                    message += f": {reason}" if reason else ""
            else:
                state, message = "INITIALIZING", "replaying the catalog"
            out.append({"instrument_id": iid, "state": state, "message": message, "frames": frames,
                        "first_ns": first, "last_ns": last})
        return out
