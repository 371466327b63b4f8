"""The base of every map source of ``liqheat serve``: selection, request errors, bars, the change signal.

Every source answers the same questions with :class:`~liqheat_nautilus.serve.frames.MapFrame` objects, so the
API does not know where a map came from. Requests name what they want with a :class:`Selection`;
:meth:`MapSource.select` validates it against what the source holds (unknown names raise :class:`UnknownName`,
listing the valid ones).
"""

import asyncio
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from liqheat_nautilus.core.units import NS_PER_DAY
from liqheat_nautilus.serve.frames import MapFrame
from liqheat_nautilus.serve.models import Mode, State
from liqheat_nautilus.serve.models import Source as SourceKind


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
    message : str, optional
        The text to answer instead of ``unknown <field> '<value>'; known: ...`` (e.g. for a time with no map
        update yet, where there is no list of valid values).
    """

    def __init__(self, field: str, value: str, known: list[str], status: int = 404, message: str | None = None) -> None:
        self.field, self.value, self.known, self.status = field, value, list(known), status
        super().__init__(message or f"unknown {field} {value!r}; known: {', '.join(self.known) or '(none)'}")


class NoMapUpdate(LookupError):
    """
    The selected map has no update at the time or in the window asked for (HTTP 404).

    Not an unknown name: there is no list of valid values, but a span of valid times.

    Parameters
    ----------
    message : str
        What was asked for and where the map's updates are.
    span : tuple[int, int] or None, default None
        ``(start_ns, end_ns)`` (UNIX ns) the request could have asked about, answered as the 404's ``span``;
        ``None`` when the map has no update at all (the message says why when it is known).
    """

    def __init__(self, message: str, span: tuple[int, int] | None = None) -> None:
        self.span = span
        super().__init__(message)


class InvalidRequest(ValueError):
    """
    A request field is invalid in this mode or combination; ``field`` names it (HTTP 422).

    Parameters
    ----------
    field : str
        The request field (``model``, ``profile``, ``run``, ...), reported as the 422's ``loc``.
    message : str
        Why the value is refused, one sentence (the 422's ``msg``).
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class NotReady(RuntimeError):
    """
    The source has no map to serve yet (a live node has published no update, or Redis cannot be read): HTTP 503.

    The message says what the source is waiting for (:meth:`MapSource.overall`).
    """


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
    profile_warning : str
        ``""``, or why the profile may not suit the instrument: a map profile file fitted on another instrument
        (:func:`~liqheat_nautilus.core.profile.profile_instrument_warning`), returned with every map answer.
    """

    instrument_id: str
    source: SourceKind
    model: str = ""
    profile: str = ""
    run_id: str | None = None
    profile_warning: str = ""


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
        """
        Return the highest high and lowest low of the bars closing in ``(end_ns - span_ns, end_ns]``.

        Parameters
        ----------
        end_ns : int
            End of the window, included (UNIX ns), e.g. the time of a map update.
        span_ns : int, default one day
            Length of the window (ns).

        Returns
        -------
        tuple[float, float] or None
            ``(high, low)`` (price, quote currency); ``None`` when no bar closes in the window.
        """
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

    mode: Mode = "catalog"
    data_ends: bool = False
    """Whether the source's data has an end (:meth:`data_end_ns`): a catalog's has, a live node's has not."""

    def __init__(self) -> None:
        self.sequence = 0  # bumped for every new map update (event stream)
        self.closing = False  # set by end_streams: the event streams return
        self.started = time.time()
        self._changed: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._heatmaps: OrderedDict = OrderedDict()
        self._heatmap_lock = threading.Lock()
        self._totals: OrderedDict = OrderedDict()  # id(bins) -> (bins, long, short): decoded once per update
        self.latest: dict[str, MapFrame] = {}

    # -- event stream ---------------------------------------------------------------------------------------

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """
        Attach the server's event loop (the stream's waiters live there) and arm the change event.

        Until this is called, :meth:`notify` wakes nobody and :meth:`wait_change` only sleeps.

        Parameters
        ----------
        loop : asyncio.AbstractEventLoop
            The running loop of the application (its lifespan passes ``asyncio.get_running_loop()``);
            :meth:`notify` and :meth:`end_streams` schedule the wake-up on it from any thread.
        """
        self._loop = loop
        self._changed = asyncio.Event()

    def notify(self, frame: MapFrame) -> None:
        """
        Record a new map update and wake the event-stream clients (thread-safe).

        Parameters
        ----------
        frame : MapFrame
            The new update; it becomes ``latest[frame.instrument_id]``, what the event stream sends.
        """
        self.latest[frame.instrument_id] = frame
        self.sequence += 1
        if self._loop is not None and self._changed is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._pulse)

    def end_streams(self) -> None:
        """
        Make every event stream end at once (thread-safe; callable from a signal handler): the server is stopping.

        An event stream never ends by itself, so a server's graceful shutdown would wait for its clients (an open
        dashboard) to leave.
        """
        self.closing = True
        if self._loop is not None and self._changed is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._pulse)

    def _pulse(self) -> None:
        """Wake the waiters of the current change event and arm a new one (in the event loop)."""
        event = self._changed
        self._changed = asyncio.Event()
        if event is not None:
            event.set()

    async def wait_change(self, timeout: float) -> bool:
        """
        Wait until :meth:`notify` (or :meth:`end_streams`) is called or ``timeout`` seconds pass.

        Parameters
        ----------
        timeout : float
            Longest wait (seconds), e.g. the event stream's ``heartbeat_s``.

        Returns
        -------
        bool
            True if woken by a change, False on timeout (always False before :meth:`bind_loop`, after sleeping
            ``timeout``).
        """
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
        """
        Return the instrument ids served.

        Returns
        -------
        list[str]
            Nautilus instrument ids; the first is the default of a request that names none. Empty while there is
            nothing to serve (a live node before its first map update).
        """
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
            For a combination the mode does not support (422).
        NotReady
            When no instrument is served yet (503, :meth:`instrument`).
        """
        raise NotImplementedError

    def instrument(self, instrument_id: str | None) -> str:
        """
        Return the instrument a request names (``None``: the first served).

        Parameters
        ----------
        instrument_id : str or None
            Nautilus instrument id (e.g. ``SOL-USDT-SWAP.OKX``); ``None`` for the first of :meth:`instruments`.

        Returns
        -------
        str
            The instrument id, one of :meth:`instruments`.

        Raises
        ------
        UnknownName
            If it is not served (404, listing the served ones).
        NotReady
            If no instrument is served yet (503 saying what the source waits for): a live source before the
            node's first map update was a 404 "unknown instrument_id ''; known: (none)".
        """
        known = self.instruments()
        if not known:
            state, message = self.overall()
            raise NotReady(f"no map to serve yet ({state}): {message}")
        if instrument_id is None:
            return known[0]
        if instrument_id not in known:
            raise UnknownName("instrument_id", instrument_id, known)
        return instrument_id

    # -- data -----------------------------------------------------------------------------------------------

    def frame_at(self, sel: Selection, at_ns: int | None) -> MapFrame | None:
        """
        Return the last map update at or before ``at_ns``.

        May block (a catalog replay runs as far as needed): the event loop asks :meth:`peek_frame` first.

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`).
        at_ns : int or None
            Time (UNIX ns); ``None`` for the latest update.

        Returns
        -------
        MapFrame or None
            ``None`` when the map has no update at or before that time.
        """
        raise NotImplementedError

    def peek_frame(self, sel: Selection, at_ns: int | None) -> tuple[bool, MapFrame | None]:
        """
        Answer :meth:`frame_at` when that needs no replay work or waiting (the event loop asks first).

        ``(False, None)`` says "ask :meth:`frame_at` from a worker thread". Default: always answered.

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`).
        at_ns : int or None
            Time (UNIX ns); ``None`` for the latest update.

        Returns
        -------
        tuple[bool, MapFrame or None]
            ``(True, frame_at(sel, at_ns))`` when answered at once, ``(False, None)`` when it would have to wait.
        """
        return True, self.frame_at(sel, at_ns)

    def frames(self, sel: Selection, start_ns: int, end_ns: int) -> list[MapFrame]:
        """
        Return the map updates with ``start_ns <= ts <= end_ns``.

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`).
        start_ns, end_ns : int
            Window (UNIX ns, both included).

        Returns
        -------
        list[MapFrame]
            Time ascending; empty when the window holds no update.
        """
        raise NotImplementedError

    def bars(self, instrument_id: str) -> Bars:
        """
        Return the instrument's bars (candles of the heatmap, 24 h high and low).

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id, one of :meth:`instruments`.

        Returns
        -------
        Bars
            Time ascending; may be empty.
        """
        raise NotImplementedError

    def funding_at(self, instrument_id: str, at_ns: int) -> tuple[float, int] | None:
        """
        Return the latest funding rate at or before ``at_ns`` and its time.

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id.
        at_ns : int
            Time (UNIX ns), e.g. the time of a map update.

        Returns
        -------
        tuple[float, int] or None
            ``(rate, ts_ns)``: the rate as a fraction per funding interval and its time (UNIX ns); ``None`` when no
            funding rate is known at or before ``at_ns``.
        """
        raise NotImplementedError

    def liquidations(self, instrument_id: str, start_ns: int, end_ns: int) -> tuple[bool, str, list]:
        """
        Return the real liquidations (``LiquidationEvent`` records) of the instrument in a window.

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id.
        start_ns, end_ns : int
            Window (UNIX ns, both included).

        Returns
        -------
        tuple[bool, str, list]
            ``(available, note, events)``: whether the source holds liquidation records of the instrument at all,
            where they come from (or why there are none: one sentence for the API's ``note``), and the
            ``LiquidationEvent`` records in the window (price in quote currency, notional in USD).
        """
        raise NotImplementedError

    def signals(self, sel: Selection) -> tuple[str, list[dict]]:
        """
        Return the strategies' trade signals of the selection.

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`).

        Returns
        -------
        tuple[str, list[dict]]
            ``(note, rows)``: where the signals come from or why there are none (one sentence for the API's
            ``note``), and :meth:`~liqheat_nautilus.signals.TradeSignal.to_dict` rows (``ts`` in UNIX ns, prices in
            quote currency), in the order recorded or received (newest last).
        """
        raise NotImplementedError

    def compare(self, sel: Selection, at_ns: int) -> list[tuple[str, MapFrame | None]]:
        """
        Return the map of every model the source can show at ``at_ns`` (same instrument and profile).

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`); its model is one of those compared.
        at_ns : int
            Time (UNIX ns).

        Returns
        -------
        list[tuple[str, MapFrame or None]]
            ``(model, frame)`` per model: its last update at or before ``at_ns``, ``None`` when it had none yet.
        """
        raise NotImplementedError

    def status(self) -> list[dict]:
        """
        Report the readiness of each instrument's map (``/api/status``).

        Returns
        -------
        list[dict]
            Per instrument: ``instrument_id``, ``state`` (``INITIALIZING``, ``READY``, ``ERROR``), ``message``,
            ``frames`` (map updates available), ``first_ns`` and ``last_ns`` (UNIX ns or ``None``), the fields of
            :class:`~liqheat_nautilus.serve.models.InstrumentStatus`.
        """
        raise NotImplementedError

    def overall(self) -> tuple[State, str]:
        """
        Return the state of the whole source (default: from the instruments' states).

        Returns
        -------
        tuple[State, str]
            ``("ERROR", their messages)`` when an instrument failed, ``("READY", ...)`` when every instrument is
            ready, else ``("INITIALIZING", ...)``.
        """
        states = [s["state"] for s in self.status()]
        if "ERROR" in states:
            return "ERROR", "; ".join(s["message"] for s in self.status() if s["state"] == "ERROR")
        if states and all(s == "READY" for s in states):
            return "READY", f"{len(states)} instrument(s) ready"
        return "INITIALIZING", "replaying the catalog" if states else "no instrument yet"

    def span(self, sel: Selection) -> tuple[int, int] | None:
        """
        Return the time span of the selection's data.

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`).

        Returns
        -------
        tuple[int, int] or None
            ``(first_ns, last_ns)`` (UNIX ns); ``None`` when there is no data.
        """
        raise NotImplementedError

    def data_end_ns(self, instrument_id: str, read: bool = True) -> int | None:
        """
        Return where the source's data of the instrument ends (UNIX ns), ``None`` when it has no such end.

        A request for a map at a later time is a 404 naming the data's span (``ServeContext.frame_or_404``), as one
        before the data is and as ``liqheat plot --at`` refuses a time outside the bars. Default ``None``: a live
        node's data has no end (the latest update stands for any later time).

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id.
        read : bool, default True
            ``False``: answer without reading data (the event loop asks so; ``None`` when that would be needed).

        Returns
        -------
        int or None
            Time of the data's last bar (UNIX ns); ``None`` when the data has no end or it is unknown.
        """
        return None

    def no_updates_reason(self, sel: Selection) -> str:
        """
        Say why the selection can have no map update at all, for its 404s and ``/api/status``.

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`).

        Returns
        -------
        str
            One clause (e.g. the catalog holds no open interest of the instrument); ``""`` when there is no known
            reason (the default).
        """
        return ""

    def close(self) -> None:
        """Release resources (background readers)."""

    def refresh(self) -> int:
        """
        Take in data appended to the source since it was read (``liqheat serve --refresh-secs``).

        Returns
        -------
        int
            New bars read; the default (a source that is pushed its data) reads none.
        """
        return 0

    # -- heatmap grids --------------------------------------------------------------------------------------

    def side_totals(self, bins) -> tuple[np.ndarray, np.ndarray]:
        """
        Decode the long and short notional (USD) per bin row of published bins, once per update.

        :func:`liqheat_nautilus.recording.side_totals`, kept in an LRU of 8,000 updates (a few kB each).

        Parameters
        ----------
        bins : LiquidationMapBins
            One update's published bins (the object itself is the cache key).

        Returns
        -------
        tuple[np.ndarray, np.ndarray]
            ``(long_usd, short_usd)``, each ``(n_rows,)`` notional (USD) per bin row, summed over the leverage
            tiers.
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
        Return the frames of a window on one price grid (``charts.heatmap.heatmap_data``), cached per window.

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`).
        start_ns, end_ns : int
            Window (UNIX ns, both included).

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

