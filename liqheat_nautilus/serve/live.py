"""``liqheat serve --live redis://...``: the map a running ``TradingNode`` streams into Redis.

A live node configured with a ``[message_bus]`` section (NautilusTrader's ``MessageBusConfig`` with a Redis
database, JSON encoding, one stream per topic) writes every message it publishes to a Redis stream named
``trader-<trader id>:stream:<topic>``; each entry holds the fields ``topic`` and ``payload`` (the object as
NautilusTrader's ``MsgSpecSerializer`` encodes it). This source follows the streams of the topics it serves with
``XREAD`` (any Redis consumer can do the same):

- ``data.LiquidationMapSnapshot.*``, ``data.LiquidationCluster.*``, ``data.LiquidationMapBins.*``: the map
  (the actor publishes the clusters, then the snapshot, then the bins of one update, all with the same
  ``ts_event``);
- ``data.bars.*`` (candles, 24 h high/low), ``data.FundingRate.*``, ``data.LiquidationEvent.*``;
- ``liqheat.signals.*``: the strategies' :class:`~liqheat_nautilus.signals.TradeSignal` records (JSON bytes).

Payloads are decoded with NautilusTrader's own serializer (JSON or msgpack, as the node wrote them). History is
bounded (``max_frames`` updates and ``max_records`` bars, prints and signals per instrument), so memory stays flat
however long the node runs. On start the existing stream contents are read first (the node's ``autotrim_mins``
bounds them), then new entries as they arrive.
"""

import asyncio
import bisect
import contextlib
import logging
from collections import deque
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, cast
from urllib.parse import urlparse

import msgspec
import numpy as np

from liqheat_nautilus.serve.frames import MapFrame
from liqheat_nautilus.serve.sources import EMPTY_BARS, Bars, InvalidRequest, MapSource, Mode, Selection, State

if TYPE_CHECKING:
    import redis.asyncio
    from redis.typing import KeyT, StreamIdT

    from liqheat_nautilus.data import LiquidationMapBins

log = logging.getLogger("liqheat.serve.live")

TOPIC_PREFIXES = ("data.LiquidationMapSnapshot.", "data.LiquidationCluster.", "data.LiquidationMapBins.",
                  "data.bars.", "data.FundingRate.", "data.LiquidationEvent.", "liqheat.signals.")
"""Topics read from the node's streams."""


StreamReply = list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]] | None
"""``XREAD``'s reply (raw bytes): per stream key, its ``(entry id, fields)`` entries; ``None`` on timeout."""

def check_redis_url(url: str) -> str:
    """
    Validate a ``redis://`` / ``rediss://`` URL.

    Parameters
    ----------
    url : str
        E.g. ``redis://127.0.0.1:6379/0``.

    Returns
    -------
    str
        The URL.

    Raises
    ------
    ValueError
        If the scheme is not redis/rediss, the host is missing, or the URL carries a password (use the
        ``REDIS_PASSWORD`` environment variable instead; command lines are visible to every local user).
    """
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss"):
        raise ValueError(f"--live must be a redis:// or rediss:// URL, was {url!r}")
    if not parsed.hostname:
        raise ValueError(f"--live URL has no host: {url!r}")
    if parsed.password:
        raise ValueError("--live URL must not carry a password: set REDIS_PASSWORD in the environment")
    return url


def _priority(topic: bytes) -> int:
    """Order of the actor's messages of one update: clusters (0), snapshot (1), bins (2), anything else (3)."""
    for rank, prefix in enumerate((b"data.LiquidationCluster.", b"data.LiquidationMapSnapshot.",
                                   b"data.LiquidationMapBins.")):
        if topic.startswith(prefix):
            return rank
    return 3


@dataclass
class _Instrument:
    frames: list[MapFrame] = field(default_factory=list)
    frame_ts: list[int] = field(default_factory=list)
    clusters: dict[int, list] = field(default_factory=dict)  # ts -> clusters waiting for their snapshot
    bins: dict[int, "LiquidationMapBins"] = field(default_factory=dict)  # ts -> bins arrived before their snapshot
    bar_type: str = ""
    bars: deque = field(default_factory=deque)
    funding: deque = field(default_factory=deque)
    liquidations: deque = field(default_factory=deque)
    signals: deque = field(default_factory=deque)
    bars_cache: tuple[int, Bars] | None = None


class LiveSource(MapSource):
    """
    Maps streamed by a live node through Redis.

    Parameters
    ----------
    url : str
        ``redis://host:port[/db]`` (password from ``REDIS_PASSWORD``).
    trader_id : str, optional
        Only read the streams of this trader (default: every ``*:stream:*`` key).
    max_frames : int, default 5000
        Map updates kept per instrument.
    max_records : int, default 20000
        Bars, liquidation prints, funding updates and trade signals kept per instrument.
    poll_block_ms : int, default 500
        ``XREAD BLOCK`` timeout (milliseconds).
    """

    mode: Mode = "live"

    def __init__(self, url: str, trader_id: str | None = None, max_frames: int = 5000, max_records: int = 20_000,
                 poll_block_ms: int = 500) -> None:
        import os

        from nautilus_trader.serialization.serializer import MsgSpecSerializer

        import liqheat_nautilus.data  # noqa: F401 (registers the custom data types)

        super().__init__()
        self.url = check_redis_url(url)
        self.password = os.environ.get("REDIS_PASSWORD") or None
        self.pattern = f"trader-{trader_id}:stream:*" if trader_id else "*:stream:*"
        self.max_frames, self.max_records = int(max_frames), int(max_records)
        self.poll_block_ms = int(poll_block_ms)
        self._json = MsgSpecSerializer(encoding=msgspec.json, timestamps_as_str=True)
        self._msgpack = MsgSpecSerializer(encoding=msgspec.msgpack, timestamps_as_str=True)
        self._state: dict[str, _Instrument] = {}
        self._last_ids: dict[str, str] = {}
        self._task: asyncio.Task | None = None
        self._redis: redis.asyncio.Redis | None = None
        self.error: str | None = None
        self.other_traders: list[str] = []  # traders whose map streams exist when --trader-id's have none
        self.messages_read = 0
        self.decode_errors = 0

    # -- reading --------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect and start following the streams (called by the app's lifespan)."""
        import redis.asyncio as redis

        client = redis.Redis.from_url(self.url, password=self.password, socket_connect_timeout=5,
                                      decode_responses=False)
        self._redis = client
        self._task = asyncio.create_task(self._follow(client), name="liqheat-live-reader")

    async def stop(self) -> None:
        """Stop reading and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.aclose()

    async def _discover(self, client: "redis.asyncio.Redis") -> None:
        async for key in client.scan_iter(match=self.pattern, count=500):
            name = key.decode()
            topic = name.split(":stream:", 1)[-1]
            if name not in self._last_ids and topic.startswith(TOPIC_PREFIXES):
                self._last_ids[name] = "0-0"
        if not self._last_ids and self.pattern != "*:stream:*":  # a --trader-id matching nothing waited silently
            others = set()
            async for key in client.scan_iter(match="trader-*:stream:data.LiquidationMapSnapshot.*", count=500):
                others.add(key.decode().split(":stream:", 1)[0].removeprefix("trader-"))
            self.other_traders = sorted(others)

    async def _follow(self, client: "redis.asyncio.Redis") -> None:
        import redis.exceptions

        loop = asyncio.get_running_loop()
        next_scan = 0.0
        while True:
            try:
                if loop.time() >= next_scan:
                    await self._discover(client)
                    self._reachable()  # an empty Redis too: it said ERROR until the node's first stream
                    next_scan = loop.time() + 2.0
                if not self._last_ids:
                    await asyncio.sleep(0.5)
                    continue
                streams: dict[KeyT, StreamIdT] = {name: last for name, last in self._last_ids.items()}
                reply = cast(StreamReply, await client.xread(streams, count=2000, block=self.poll_block_ms))
                self._reachable()
                batch = []
                for key, entries in reply or ():
                    name = key.decode()
                    for entry_id, fields in entries:
                        self._last_ids[name] = entry_id.decode()
                        ms, _, seq = entry_id.decode().partition("-")
                        batch.append((int(ms), _priority(fields.get(b"topic", b"")), int(seq or 0), fields))
                # Redis returns the batch stream by stream: put it back in time order (entry ids are the server's
                # milliseconds), and within a millisecond in the actor's order: clusters, snapshot, bins (parts of
                # an update are matched by ts_event whatever the order)
                for *_, fields in sorted(batch, key=lambda e: e[:3]):
                    self._handle(fields)
            except asyncio.CancelledError:
                raise
            except (redis.exceptions.RedisError, OSError) as exc:
                error = f"Redis {self.url}: {exc}"
                if error != self.error:  # retried every second: logged once, not 3,600 times an hour
                    log.warning(f"{error} (retrying every second; logged again when the error changes)")
                self.error = error
                await asyncio.sleep(1.0)

    def _reachable(self) -> None:
        """Clear the Redis error after a successful command (logging the recovery once)."""
        if self.error is not None:
            log.warning(f"Redis {self.url}: reachable again")
        self.error = None

    def _decode(self, payload: bytes):
        serializer = self._json if payload[:1] == b"{" else self._msgpack
        return serializer.deserialize(payload)

    def _handle(self, fields: dict) -> None:
        from liqheat_nautilus.signals import SIGNALS_TOPIC, decode_signal

        self.messages_read += 1
        topic = fields.get(b"topic", b"").decode()
        payload = fields.get(b"payload", b"")
        try:
            obj = decode_signal(payload) if topic.startswith(SIGNALS_TOPIC) else self._decode(payload)
        except Exception:  # noqa: BLE001 (a foreign or malformed entry must not stop the reader)
            self.decode_errors += 1
            return
        self.ingest(topic, obj)

    def ingest(self, topic: str, obj) -> None:
        """
        Take one decoded message (what the reader does for each stream entry; public for tests and embedding).

        Parameters
        ----------
        topic : str
            The message-bus topic.
        obj : object
            The decoded message.
        """
        from nautilus_trader.model.data import Bar

        from liqheat_nautilus.data import (
            FundingRate,
            LiquidationCluster,
            LiquidationEvent,
            LiquidationMapBins,
            LiquidationMapSnapshot,
        )

        obj = getattr(obj, "data", obj)
        if isinstance(obj, LiquidationMapSnapshot):
            self._snapshot(obj)
        elif isinstance(obj, LiquidationCluster):
            st = self._instrument_state(obj.instrument_id.value)
            k = self._frame_index(st, obj.ts_event)
            if k >= 0:  # its snapshot came first: add it to the update
                st.frames[k] = replace(st.frames[k], clusters=(*st.frames[k].clusters, obj))
            else:
                st.clusters.setdefault(obj.ts_event, []).append(obj)
                self._trim_pending(st.clusters)
        elif isinstance(obj, LiquidationMapBins):
            self._bins(obj)
        elif isinstance(obj, Bar):
            iid = obj.bar_type.instrument_id.value
            st = self._instrument_state(iid)
            if not st.bar_type:
                st.bar_type = str(obj.bar_type)
            if str(obj.bar_type) == st.bar_type:
                self._push(st.bars, (obj.ts_event, obj.open.as_double(), obj.high.as_double(),
                                     obj.low.as_double(), obj.close.as_double(), obj.volume.as_double()))
        elif isinstance(obj, FundingRate):
            self._push(self._instrument_state(obj.instrument_id.value).funding, (obj.ts_event, float(obj.rate)))
        elif isinstance(obj, LiquidationEvent):
            self._push(self._instrument_state(obj.instrument_id.value).liquidations, obj)
        elif topic.startswith("liqheat.signals.") and hasattr(obj, "to_dict"):
            row = obj.to_dict()
            self._push(self._instrument_state(str(row.get("instrument_id", topic[16:]))).signals, row)

    def _push(self, queue: deque, item) -> None:
        queue.append(item)
        while len(queue) > self.max_records:
            queue.popleft()

    def _instrument_state(self, iid: str) -> _Instrument:
        st = self._state.get(iid)
        if st is None:
            st = self._state[iid] = _Instrument()
        return st

    @staticmethod
    def _frame_index(st: _Instrument, ts: int) -> int:
        """Index of the update at ``ts``, -1 if there is none."""
        k = bisect.bisect_left(st.frame_ts, ts)
        return k if k < len(st.frame_ts) and st.frame_ts[k] == ts else -1

    def _trim_pending(self, pending: dict) -> None:
        """Parts whose snapshot never came are not kept for ever (bounded memory)."""
        while len(pending) > 256:
            del pending[min(pending)]

    def _snapshot(self, snap) -> None:
        iid = snap.instrument_id.value
        st = self._instrument_state(iid)
        ts = snap.ts_event
        if self._frame_index(st, ts) >= 0:
            return  # already seen (a re-read after reconnecting)
        frame = MapFrame(iid, ts, snap, tuple(st.clusters.pop(ts, ())), st.bins.pop(ts, None))
        k = bisect.bisect_right(st.frame_ts, ts)  # in time order, whatever order the streams were read in
        st.frames.insert(k, frame)
        st.frame_ts.insert(k, ts)
        if len(st.frames) > self.max_frames * 1.1:
            drop = len(st.frames) - self.max_frames
            del st.frames[:drop], st.frame_ts[:drop]
        self.notify(st.frames[-1])

    def _bins(self, bins) -> None:
        st = self._instrument_state(bins.instrument_id.value)
        k = self._frame_index(st, bins.ts_event)
        if k >= 0:
            st.frames[k] = replace(st.frames[k], bins=bins)
            if k == len(st.frames) - 1:
                self.notify(st.frames[k])
        else:  # before its snapshot: attached when the snapshot arrives
            st.bins[bins.ts_event] = bins
            self._trim_pending(st.bins)

    # -- MapSource ------------------------------------------------------------------------------------------

    def instruments(self) -> list[str]:
        """
        Return the instruments with at least one map update received.

        Returns
        -------
        list[str]
            Nautilus instrument ids, sorted; empty before the node's first map update.
        """
        return sorted(iid for iid, st in self._state.items() if st.frames)

    def select(self, instrument_id, model, profile, run_id) -> Selection:
        """
        See :meth:`MapSource.select`: the live node's map only (no model, profile or run).

        Parameters
        ----------
        instrument_id : str or None
            Nautilus instrument id, one with a map update received; ``None``: the first of them.
        model, profile, run_id : str or None
            Must be ``None``: the node's own map is served.

        Returns
        -------
        Selection
            ``source`` ``"live"``, model and profile ``""`` (not in the stream).

        Raises
        ------
        InvalidRequest
            For a ``model``, ``profile`` or ``run_id`` given (422).
        UnknownName
            For an instrument without map updates received (404, listing those with updates).
        NotReady
            Before the node's first map update (503).
        """
        for name, value in (("model", model), ("profile", profile), ("run", run_id)):
            if value is not None:
                raise InvalidRequest(name, f"{name} is not selectable in live mode: the node's own map is served")
        return Selection(self.instrument(instrument_id), "live")

    def frame_at(self, sel: Selection, at_ns: int | None) -> MapFrame | None:
        """
        See :meth:`MapSource.frame_at`: among the updates held (the newest ``max_frames`` to 1.1 × that).

        Never blocks: the updates are in memory.

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`): the node's map of ``sel.instrument_id``.
        at_ns : int or None
            Time (UNIX ns); ``None`` for the latest update received.

        Returns
        -------
        MapFrame or None
            ``None`` when no update is held at or before that time (none received yet, or older ones dropped).
        """
        st = self._state.get(sel.instrument_id)
        if st is None or not st.frames:
            return None
        if at_ns is None:
            return st.frames[-1]
        k = int(np.searchsorted(st.frame_ts, at_ns, side="right")) - 1
        return st.frames[k] if k >= 0 else None

    def frames(self, sel: Selection, start_ns: int, end_ns: int) -> list[MapFrame]:
        """
        See :meth:`MapSource.frames`: the updates held in the window (the newest ``max_frames`` to 1.1 × that).

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`): the node's map of ``sel.instrument_id``.
        start_ns, end_ns : int
            Window (UNIX ns, both included).

        Returns
        -------
        list[MapFrame]
            Time ascending.
        """
        st = self._state.get(sel.instrument_id)
        if st is None:
            return []
        a = int(np.searchsorted(st.frame_ts, start_ns, side="left"))
        b = int(np.searchsorted(st.frame_ts, end_ns, side="right"))
        return st.frames[a:b]

    def span(self, sel: Selection) -> tuple[int, int] | None:
        """
        See :meth:`MapSource.span`: the first and last update held.

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`): the node's map of ``sel.instrument_id``.

        Returns
        -------
        tuple[int, int] or None
            ``(first_ns, last_ns)`` (UNIX ns); ``None`` before the instrument's first update.
        """
        st = self._state.get(sel.instrument_id)
        return (st.frame_ts[0], st.frame_ts[-1]) if st is not None and st.frame_ts else None

    def bars(self, instrument_id: str) -> Bars:
        """
        See :meth:`MapSource.bars`: the bars received (bar type: the first seen for the instrument).

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id.

        Returns
        -------
        Bars
            The last ``max_records`` bars received, in arrival order; empty before the first.
        """
        st = self._state.get(instrument_id)
        if st is None or not st.bars:
            return EMPTY_BARS
        if st.bars_cache is not None and st.bars_cache[0] == len(st.bars) and st.bars_cache[1].ts_ns[-1] == \
                st.bars[-1][0]:
            return st.bars_cache[1]
        arr = np.array(st.bars, dtype=np.float64)
        bars = Bars(arr[:, 0].astype(np.int64), arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4], arr[:, 5])
        st.bars_cache = (len(st.bars), bars)
        return bars

    def funding_at(self, instrument_id: str, at_ns: int) -> tuple[float, int] | None:
        """
        See :meth:`MapSource.funding_at`: among the funding updates received (the last ``max_records``).

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id.
        at_ns : int
            Time (UNIX ns).

        Returns
        -------
        tuple[float, int] or None
            ``(rate, ts_ns)``: fraction per funding interval and its time (UNIX ns); ``None`` when none was
            received at or before ``at_ns``.
        """
        st = self._state.get(instrument_id)
        if st is None:
            return None
        found = None
        for ts, rate in st.funding:
            if ts > at_ns:
                break
            found = (rate, int(ts))
        return found

    def liquidations(self, instrument_id: str, start_ns: int, end_ns: int) -> tuple[bool, str, list]:
        """
        See :meth:`MapSource.liquidations`: the liquidation prints streamed by the node (the last ``max_records``).

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id.
        start_ns, end_ns : int
            Window (UNIX ns, both included).

        Returns
        -------
        tuple[bool, str, list]
            ``(available, note, events)``; ``available`` is False, with a note, until the node streamed a
            ``LiquidationEvent`` of the instrument.
        """
        st = self._state.get(instrument_id)
        events = [e for e in (st.liquidations if st else ()) if start_ns <= e.ts_event <= end_ns]
        if st is None or not st.liquidations:
            return False, (f"no LiquidationEvent received from the node for {instrument_id} yet (the Binance client "
                           "publishes forceOrder and insurance-fund prints)"), []
        return True, "LiquidationEvent prints streamed by the live node", events

    def signals(self, sel: Selection) -> tuple[str, list[dict]]:
        """
        See :meth:`MapSource.signals`: the trade signals streamed by the node's strategies (the last ``max_records``).

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`): the node's map of ``sel.instrument_id``.

        Returns
        -------
        tuple[str, list[dict]]
            ``(note, rows)``: ``TradeSignal.to_dict`` rows in arrival order; no rows, and a note saying so, before
            the first.
        """
        st = self._state.get(sel.instrument_id)
        rows = list(st.signals) if st else []
        note = "trade signals streamed by the live node" if rows else "no trade signal received from the node yet"
        return note, rows

    def compare(self, sel: Selection, at_ns: int) -> list[tuple[str, MapFrame | None]]:
        """
        See :meth:`MapSource.compare`: the node's one map (its model is not in the stream).

        Parameters
        ----------
        sel : Selection
            Which map (from :meth:`select`): the node's map of ``sel.instrument_id``.
        at_ns : int
            Time (UNIX ns).

        Returns
        -------
        list[tuple[str, MapFrame or None]]
            ``[("live", frame_at(sel, at_ns))]``.
        """
        return [("live", self.frame_at(sel, at_ns))]

    def overall(self) -> tuple[State, str]:
        """
        Return the state of the source: ERROR while Redis fails, INITIALIZING until a first update, then READY.

        Returns
        -------
        tuple[State, str]
            ``(state, message)``; the message names the Redis URL and stream pattern (and, while waiting, traders
            whose map streams exist when ``--trader-id`` matches none).
        """
        if self.error:
            return "ERROR", self.error
        if not any(st.frames for st in self._state.values()):
            hint = ""
            if self.other_traders and not self._last_ids:
                hint = (f"; no such stream yet, but this Redis holds the map streams of trader(s) "
                        f"{', '.join(self.other_traders[:10])}: check --trader-id (the live file's trader_id)")
            return "INITIALIZING", f"waiting for map updates on {self.url} (streams {self.pattern}){hint}"
        return "READY", f"following {self.url} (streams {self.pattern}); {self.messages_read} entries read"

    def status(self) -> list[dict]:
        """
        Report READY per instrument with updates; ERROR for every instrument while Redis fails.

        Returns
        -------
        list[dict]
            As :meth:`MapSource.status`, for the instruments with map updates received (sorted): ``frames`` the
            updates held, ``first_ns`` and ``last_ns`` the first and last of them.
        """
        out = []
        for iid, st in sorted(self._state.items()):
            if not st.frames:
                continue
            state = "ERROR" if self.error else "READY"
            message = self.error or f"{len(st.frames)} map updates received from Redis"
            out.append({"instrument_id": iid, "state": state, "message": message, "frames": len(st.frames),
                        "first_ns": st.frame_ts[0], "last_ns": st.frame_ts[-1]})
        return out
