"""Historical maps for ``liqheat serve --catalog``: resumable, cached replays of the engine over a catalog.

With :mod:`~liqheat_nautilus.serve.replays`, the only part of :mod:`liqheat_nautilus.serve` that drives the engine
over a catalog (read with
:func:`~liqheat_nautilus.persistence.reader.read_market_series`, replayed by the project's one replay driver,
:class:`liqheat_nautilus.replay.MapReplay`). A :class:`~liqheat_nautilus.serve.replays.ServedReplay` holds one
driver per (instrument, model, profile) and feeds it the catalog's events only as far as a request needs; the frames
its snapshot hook recorded on the way are kept, so a later request for an earlier time is a lookup and one for a
later time continues where the engine stopped. When the catalog grows (a ``catalog fetch`` appended data),
:meth:`MapStore.refresh` appends the new events and the replays extend from where they are. Frames are taken as the
actor publishes them: on the first bar after each open-interest update and on the first bar at or after each
snapshot interval. The open interest is the instrument's own or, as a map actor with ``oi_instrument_ids`` has it,
summed over several instruments (read summed by ``read_market_series``).
"""

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from liqheat_nautilus.core import MapParams
from liqheat_nautilus.core.leverage import PROFILES
from liqheat_nautilus.core.params import MODELS
from liqheat_nautilus.core.units import NS_PER_HOUR
from liqheat_nautilus.persistence.reader import MarketSeries, read_instruments, read_market_series
from liqheat_nautilus.persistence.scan import scan_catalog
from liqheat_nautilus.serve.replays import ServedReplay, concat_series
from liqheat_nautilus.validation import wrong_kind

DEFAULT_BAR_SPEC = "1-MINUTE-LAST"
NAMED_PROFILES: tuple[str, ...] = (*PROFILES, "dynamic")
"""Leverage profiles every replay offers (``MapParams.leverage_profile`` names)."""


def load_profile_file(path: str | Path) -> tuple[str, dict]:
    """
    Load a map profile file as a named profile of the server, named as ``liqheat evaluate`` names it.

    The name is :func:`~liqheat_nautilus.core.profile.profile_name`'s: the file name without its extension. The file
    is ``liqheat calibrate``'s output, read by :func:`liqheat_nautilus.core.profile.load_profile`.

    Parameters
    ----------
    path : str or Path
        The TOML profile file.

    Returns
    -------
    tuple[str, dict]
        ``(name, MapParams fields)``.

    Raises
    ------
    liqheat_nautilus.core.profile.ProfileError
        (a ``ValueError``) if the file is missing or holds an unknown or invalid field (file and field named).
    """
    from liqheat_nautilus.core.profile import load_profile, profile_name

    return profile_name(path), load_profile(path)


class MapStore:
    """
    Cached, incrementally extended replays of a catalog.

    Parameters
    ----------
    catalog : str or Path
        Nautilus ``ParquetDataCatalog`` folder.
    bar_spec : str, default "1-MINUTE-LAST"
        Bar specification of the bars replayed.
    snapshot_interval_ns : int, default one hour
        Frame interval (as the actor's ``publish_interval_secs``).
    base_params : MapParams, optional
        Parameters other than model and leverage profile (default ``MapParams()``).
    profiles : dict[str, dict], optional
        Map profiles by name: ``MapParams`` fields (from :func:`load_profile_file`, e.g. a calibration).
    max_replays : int, default 16
        Replays kept (least recently used dropped first).
    instrument_id : str, optional
        Serve only this instrument's maps (default: every instrument with ``bar_spec`` bars).
    oi_instrument_ids : Sequence[str], optional
        Size the map on the open interest of these instruments summed, as a map actor with these
        ``oi_instrument_ids`` (e.g. ``["SOL-USDT-SWAP.OKX", "SOLUSDT-LINEAR.BYBIT"]``); the map is one instrument's:
        ``instrument_id``, or the catalog's only instrument with bars. ``None``: each instrument's own open interest.
    oi_max_age_ns : int, default 0
        With ``oi_instrument_ids``: a reading more than this (ns) behind the newest holds the sum back until that
        instrument reports again (the actor's ``oi_max_age_secs`` in ns; 0: never stale).

    Raises
    ------
    FileNotFoundError
        If the catalog folder does not exist.
    IngestError
        Naming a catalog file that is not readable Parquet or not data of its folder's type.
    ValueError
        If ``instrument_id`` has no ``bar_spec`` bars (those that have are listed), ``oi_max_age_ns`` < 0, or
        ``oi_instrument_ids`` is given without ``instrument_id`` while several instruments have bars.
    """

    def __init__(self, catalog: str | Path, bar_spec: str = DEFAULT_BAR_SPEC, snapshot_interval_ns: int = NS_PER_HOUR,
                 base_params: MapParams | None = None, profiles: dict[str, dict] | None = None,
                 max_replays: int = 16, instrument_id: str | None = None,
                 oi_instrument_ids: Sequence[str] | None = None, oi_max_age_ns: int = 0) -> None:
        self.catalog = Path(catalog)
        if not self.catalog.is_dir():
            raise FileNotFoundError(wrong_kind(self.catalog, True, "catalog folder")
                                    or f"catalog not found: {self.catalog}")
        scan_catalog(self.catalog)  # a damaged file stops the start (each request touching it was a 500)
        self.bar_spec = bar_spec
        self.snapshot_interval_ns = int(snapshot_interval_ns)
        self.base_params = base_params or MapParams()
        self.custom_profiles = dict(profiles or {})
        self.max_replays = max(1, int(max_replays))
        if oi_max_age_ns < 0:
            raise ValueError(f"oi_max_age_ns must be >= 0, got {oi_max_age_ns}")
        self.instrument_id = instrument_id
        self.oi_instrument_ids = tuple(str(i) for i in oi_instrument_ids or ())
        self.oi_max_age_ns = int(oi_max_age_ns)
        self._instruments = self._served_instruments()
        self._series: dict[str, MarketSeries] = {}
        self._replays: OrderedDict[tuple[str, str, str], ServedReplay] = OrderedDict()
        self._lock = threading.Lock()
        self._series_locks: dict[str, threading.Lock] = {}
        self.replays_built = 0
        # (profile, instrument) -> why a profile file fitted on another instrument may not suit it (set by serve)
        self.profile_warnings: dict[tuple[str, str], str] = {}

    @property
    def models(self) -> tuple[str, ...]:
        """Liquidation-price models offered (``MapParams.model``)."""
        return MODELS

    @property
    def profiles(self) -> tuple[str, ...]:
        """Profiles offered: the named leverage profiles, then the map profile files (e.g. calibrated)."""
        return (*NAMED_PROFILES, *self.custom_profiles)

    @property
    def default_model(self) -> str:
        """The engine's default model."""
        return self.base_params.model

    @property
    def default_profile(self) -> str:
        """The default leverage profile."""
        p = self.base_params.leverage_profile
        return p if isinstance(p, str) else NAMED_PROFILES[0]

    def instruments(self) -> list[str]:
        """
        Instruments served: those of the catalog that have bars of ``bar_spec`` (only ``instrument_id`` if given).

        Returns
        -------
        list[str]
        """
        return list(self._instruments)

    def _served_instruments(self) -> list[str]:
        """Return :meth:`instruments` (checked as the class says: the ``ValueError`` of its Raises section)."""
        from nautilus_trader.persistence.catalog import ParquetDataCatalog

        from liqheat_nautilus.persistence.scan import bar_types_held, bars_span

        cat = ParquetDataCatalog(str(self.catalog))  # the bars' spans as backtest and plot read them
        found = sorted(iid for iid in read_instruments(self.catalog)
                       if bars_span(cat, f"{iid}-{self.bar_spec}-EXTERNAL") is not None)
        if self.instrument_id is not None:
            if self.instrument_id not in found:
                held = ", ".join(bar_types_held(cat, self.instrument_id)) or "none"
                raise ValueError(f"catalog {self.catalog}: instrument {self.instrument_id} (--instrument-id) has no "
                                 f"{self.bar_spec} bars (its bar types: {held}); instruments with them: "
                                 f"{', '.join(found) or 'none'}")
            return [self.instrument_id]
        if self.oi_instrument_ids and len(found) > 1:
            raise ValueError(f"catalog {self.catalog}: open interest summed over oi_instrument_ids sizes one "
                             f"instrument's map, and {len(found)} instruments have {self.bar_spec} bars "
                             f"({', '.join(found)}): choose the map's with --instrument-id (instrument_id)")
        return found

    def _read(self, instrument_id: str, start_ns: int | None = None) -> MarketSeries:
        """Read the instrument's series from ``start_ns`` on (its open interest summed when configured)."""
        return read_market_series(self.catalog, instrument_id, self.bar_spec, start_ns=start_ns,
                                  oi_instrument_ids=self.oi_instrument_ids or None, oi_max_age_ns=self.oi_max_age_ns)

    def series(self, instrument_id: str) -> MarketSeries:
        """
        Return the instrument's bars, open interest and funding (read once, then kept).

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id.

        Returns
        -------
        MarketSeries
            Time ascending (bars of ``bar_spec``; open interest summed over ``oi_instrument_ids`` when set).

        Raises
        ------
        ValueError
            If the catalog has no bars of the instrument, or (an ``IngestError``) no open interest of an instrument of
            ``oi_instrument_ids``.
        """
        with self._lock:
            lock = self._series_locks.setdefault(instrument_id, threading.Lock())
        with lock:
            if instrument_id not in self._series:
                self._series[instrument_id] = self._read(instrument_id)
            return self._series[instrument_id]

    def bars_end_ns(self, instrument_id: str, read: bool = True) -> int | None:
        """
        Return the time of the instrument's last bar in the catalog (UNIX ns): where its data ends.

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id.
        read : bool, default True
            Read the instrument's series if it was not read yet (``False``: answer only from what was read, for the
            event loop, which must not wait on the catalog).

        Returns
        -------
        int or None
            ``None`` without bars of the instrument, when the catalog cannot be read for it, or (``read=False``)
            before its series was read.
        """
        series = self._series.get(instrument_id)
        if series is None and read:
            try:
                series = self.series(instrument_id)
            except (ValueError, FileNotFoundError):
                return None
        return int(series.bar_ts_ns[-1]) if series is not None and len(series.bar_ts_ns) else None

    def params(self, model: str, profile: str) -> MapParams:
        """
        Engine parameters of a model and a profile (a named leverage profile or a map profile file).

        Parameters
        ----------
        model : str
            One of :attr:`models`.
        profile : str
            One of :attr:`profiles`.

        Returns
        -------
        MapParams
            ``base_params`` with the model and profile (a profile file's fields replace the base ones), without
            history (``history_capacity = 0``: a replay keeps its frames instead).

        Raises
        ------
        ValueError
            If the model or profile is unknown (the valid ones are listed).
        """
        if model not in MODELS:
            raise ValueError(f"model {model!r} unknown; use one of {list(MODELS)}")
        if profile in self.custom_profiles:  # a map profile file: its fields, the model from the selector
            return dataclasses.replace(self.base_params, **{**self.custom_profiles[profile], "model": model,
                                                            "history_capacity": 0})
        if profile not in NAMED_PROFILES:
            raise ValueError(f"leverage profile {profile!r} unknown; use one of {list(self.profiles)}")
        return dataclasses.replace(self.base_params, model=model, leverage_profile=profile, history_capacity=0)

    def replay(self, instrument_id: str, model: str, profile: str) -> ServedReplay:
        """
        Return the cached replay of (instrument, model, profile), created on first use.

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id with bars in the catalog.
        model : str
            Liquidation-price model, one of :attr:`models`.
        profile : str
            Leverage profile, one of :attr:`profiles` (named or a map profile file).

        Returns
        -------
        ServedReplay

        Raises
        ------
        ValueError
            For an unknown model or profile, or an instrument without bars.
        """
        key = (instrument_id, model, profile)
        with self._lock:
            replay = self._replays.get(key)
            if replay is not None:
                self._replays.move_to_end(key)
                return replay
        params = self.params(model, profile)  # inverse: the replay takes it from the series' instrument
        series = self.series(instrument_id)
        with self._lock:
            replay = self._replays.get(key)
            if replay is None:
                replay = ServedReplay(series, params, self.snapshot_interval_ns)
                self._replays[key] = replay
                self.replays_built += 1
                while len(self._replays) > self.max_replays:
                    self._replays.popitem(last=False)
            return replay

    def existing(self, instrument_id: str, model: str, profile: str) -> ServedReplay | None:
        """
        Return the replay of (instrument, model, profile) if one is held, without creating it.

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id.
        model : str
            Liquidation-price model.
        profile : str
            Leverage profile.

        Returns
        -------
        ServedReplay or None
            ``None`` when no such replay is held (never created, or dropped beyond ``max_replays``).
        """
        with self._lock:
            return self._replays.get((instrument_id, model, profile))

    def cached(self) -> list[tuple[str, str, str, int, int]]:
        """
        List the replays held.

        Returns
        -------
        list[tuple[str, str, str, int, int]]
            ``(instrument_id, model, profile, frames, position_ns)`` per replay, least recently used first.
        """
        with self._lock:
            return [(*key, len(r.frames), r.position_ns) for key, r in self._replays.items()]

    def refresh(self, instrument_id: str) -> int:
        """
        Read events newer than the series' last one from the catalog; the instrument's replays extend over them.

        With ``oi_instrument_ids`` the whole series is read again and its part after the last event appended (a sum
        at a new time takes every instrument's latest reading, which may be older than the last event).

        Parameters
        ----------
        instrument_id : str
            Nautilus instrument id.

        Returns
        -------
        int
            Number of new bars.
        """
        with self._lock:
            old = self._series.get(instrument_id)
        if old is None or len(old) == 0:
            return 0
        last = max(int(getattr(old, f.name)[-1]) for f in dataclasses.fields(MarketSeries)
                   if f.name.endswith("_ts_ns") and getattr(old, f.name).size)
        try:
            if self.oi_instrument_ids:  # a sum at a new time needs each instrument's latest reading, however old
                new = self._read(instrument_id).since(last + 1)
            else:
                new = self._read(instrument_id, start_ns=last + 1)
        except ValueError:
            return 0  # no newer bars
        if not len(new):
            return 0
        merged = concat_series(old, new)
        with self._lock:
            self._series[instrument_id] = merged
            replays = [r for key, r in self._replays.items() if key[0] == instrument_id]
        for replay in replays:
            with replay.lock:
                replay.extend(merged)
        return len(new)
