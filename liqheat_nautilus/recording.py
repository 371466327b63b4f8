"""Recordings of what :class:`~liqheat_nautilus.actor.LiquidationMapActor` published during a backtest.

A backtest file with ``record = true`` (the default) runs with NautilusTrader's own ``StreamingConfig``: the
kernel's ``StreamingFeatherWriter`` writes every published :class:`~liqheat_nautilus.data.LiquidationCluster`,
:class:`~liqheat_nautilus.data.LiquidationMapSnapshot` and :class:`~liqheat_nautilus.data.LiquidationMapBins` to
``<catalog>/backtest/<instance_id>/`` (Nautilus' layout: one feather file per type and instrument, plus the
kernel's ``config.json``); the strategies' trade signals are added as ``trade_signals.parquet`` after the run.
:func:`load_recording` reads a run back (``ParquetDataCatalog.read_backtest``), so the report chart and
``liqheat serve --catalog`` show the run without replaying it.
"""

import contextlib
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from liqheat_nautilus.components import is_map_actor_config
from liqheat_nautilus.core.grid import common_grid

SIGNALS_FILE = "trade_signals.parquet"
"""Trade signals of a recorded run (columns: the ``TradeSignal`` fields plus ``strategy``)."""

_RUN_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def recorded_types() -> list[type]:
    """
    Return the data types a recording holds.

    Returns
    -------
    list[type]
        ``[LiquidationCluster, LiquidationMapSnapshot, LiquidationMapBins]``.
    """
    from liqheat_nautilus.data import LiquidationCluster, LiquidationMapBins, LiquidationMapSnapshot

    return [LiquidationCluster, LiquidationMapSnapshot, LiquidationMapBins]


def with_bins_published(config_path: str, config: dict) -> dict:
    """
    Return a component's config with ``publish_bins = True`` when it configures a map actor and leaves it unset.

    The map actor publishes :class:`~liqheat_nautilus.data.LiquidationMapBins` only on request (they cost about
    half of its per-bar time in a backtest, measured by ``benchmarks/bench_backtest.py``); a recorded backtest and a
    live node streaming to Redis need them (the report chart and ``liqheat serve`` draw the bins), so their
    builders call this for each actor.

    Parameters
    ----------
    config_path : str
        The component's importable config path (``module:Class``).
    config : dict
        The component's config fields as the file gives them (not changed).

    Returns
    -------
    dict
        A copy of ``config``; with ``publish_bins: True`` added when ``config_path`` names
        :class:`~liqheat_nautilus.actor.LiquidationMapActorConfig` (or a subclass) and the field is not given.
        A path that does not resolve is left to the component checks that report it.
    """
    config = dict(config)
    if "publish_bins" not in config and is_map_actor_config(config_path):
        config["publish_bins"] = True
    return config


def streaming_config(catalog: str | Path):
    """
    NautilusTrader's ``StreamingConfig`` that records the actor's output into ``catalog``.

    Parameters
    ----------
    catalog : str or Path
        The catalog folder the backtest reads (the run goes to ``<catalog>/backtest/<instance_id>/``).

    Returns
    -------
    nautilus_trader.persistence.config.StreamingConfig
    """
    from nautilus_trader.persistence.config import StreamingConfig

    return StreamingConfig(catalog_path=str(catalog), fs_protocol="file", include_types=recorded_types())


def recording_folder(catalog: str | Path, instance_id: str) -> Path:
    """
    Return the folder a backtest run is recorded into: ``<catalog>/backtest/<instance_id>/`` (Nautilus' layout).

    Parameters
    ----------
    catalog : str or Path
        The catalog the run reads.
    instance_id : str
        The run's kernel instance id (a UUID).

    Returns
    -------
    Path
    """
    return Path(catalog) / "backtest" / instance_id


def discard_recording(catalog: str | Path, instance_id: str) -> bool:
    """
    Delete the recording of a run that did not finish (Ctrl-C, an error), so no partial run is listed or served.

    Parameters
    ----------
    catalog : str or Path
        The catalog the run was recorded into.
    instance_id : str
        The run's kernel instance id.

    Returns
    -------
    bool
        Whether a folder was there to delete.
    """
    import shutil

    folder = recording_folder(catalog, instance_id)
    if not folder.is_dir():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


def write_signals(catalog: str | Path, instance_id: str, signals: pd.DataFrame | list[dict]) -> Path | None:
    """
    Add the strategies' trade signals to a recorded run.

    Parameters
    ----------
    catalog : str or Path
        The catalog the run was recorded into.
    instance_id : str
        The run's kernel instance id (``BacktestResult.instance_id``).
    signals : pandas.DataFrame or list[dict]
        Trade-signal records (:class:`~liqheat_nautilus.signals.TradeSignal` fields).

    Returns
    -------
    Path or None
        The file written; ``None`` when the run folder does not exist (nothing was recorded).
    """
    folder = recording_folder(catalog, instance_id)
    if not folder.is_dir():
        return None
    frame = signals if isinstance(signals, pd.DataFrame) else pd.DataFrame(signals)
    frame = frame.drop(columns=[c for c in ("time",) if c in frame.columns])
    path = folder / SIGNALS_FILE
    frame.reset_index(drop=True).to_parquet(path, index=False)
    return path


@dataclass(frozen=True)
class RecordingInfo:
    """
    A recorded run found in a catalog.

    Attributes
    ----------
    run_id : str
        The kernel instance id (a UUID; the folder name).
    instruments : tuple[str, ...]
        Instruments with recorded snapshots.
    trader_id : str
        The run's trader id.
    actors, strategies : tuple[str, ...]
        Class paths of the run's actors and strategies (from the kernel's ``config.json``).
    map_config : dict
        The first liquidation-map actor's config (model, leverage profile, ...), empty if unknown.
    modified_ns : int
        Time the folder was last written (UNIX ns).
    map_configs : tuple[dict, ...]
        Every liquidation-map actor's config (one per mapped instrument), in the run's order.
    """

    run_id: str
    instruments: tuple[str, ...]
    trader_id: str = ""
    actors: tuple[str, ...] = ()
    strategies: tuple[str, ...] = ()
    map_config: dict = field(default_factory=dict)
    modified_ns: int = 0
    map_configs: tuple[dict, ...] = ()

    @functools.cached_property
    def profile_warnings(self) -> dict[str, str]:
        """
        Why the run's map profile may not suit an instrument's map, per recorded instrument (as the actor warned).

        The map actor of each instrument whose ``map_profile`` was fitted on another instrument gets
        :func:`~liqheat_nautilus.core.profile.profile_instrument_warning`'s sentence, read from the profile file
        now (read once per listing). Missing (so ``""`` for a caller using ``.get``): an instrument whose actor had
        no profile file, one fitted on the same instrument or recording none, and one whose file is no longer
        readable (moved or deleted since the run: the recording keeps its path, not its ``[calibration]``).

        Returns
        -------
        dict[str, str]
            ``{instrument_id: warning}``.
        """
        from liqheat_nautilus.core.profile import ProfileError, profile_instrument_warning

        out = {}
        for config in self.map_configs or (self.map_config,):
            iid, path = str(config.get("instrument_id") or ""), config.get("map_profile")
            if iid in self.instruments and path and iid not in out:
                with contextlib.suppress(ProfileError):
                    if warning := profile_instrument_warning(path, iid):
                        out[iid] = warning
        return out

    @property
    def map_labels(self) -> tuple[str, str]:
        """
        The run's map model and leverage profile as ``liqheat serve`` names them.

        The actor config's ``model`` and ``leverage_profile``, replaced by what its ``map_params_extra`` and its
        ``map_profile`` set: a profile file goes by its name (:func:`~liqheat_nautilus.core.profile.profile_name`,
        as ``serve --profile-file`` offers it) and its ``[map] model`` when it has one and is still readable.

        Returns
        -------
        tuple[str, str]
            ``(model, leverage_profile)``; ``""`` for what the recording does not say.
        """
        from liqheat_nautilus.core.profile import ProfileError, load_profile, profile_name

        config = self.map_config
        extra = config.get("map_params_extra") or {}
        model = str(extra.get("model") or config.get("model") or "")
        profile = str(extra.get("leverage_profile") or config.get("leverage_profile") or "")
        if path := config.get("map_profile"):
            profile = profile_name(path)
            with contextlib.suppress(ProfileError):  # moved or deleted since the run: its name still says which
                model = str(extra.get("model") or load_profile(path).get("model") or model)
        return model, profile


def _read_config(folder: Path) -> dict:
    try:
        return json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return {}


def list_recordings(catalog: str | Path) -> list[RecordingInfo]:
    """
    Return the recorded runs of a catalog, newest first.

    Parameters
    ----------
    catalog : str or Path
        Catalog folder.

    Returns
    -------
    list[RecordingInfo]
        Only folders named by a UUID that hold recorded snapshots of a run that finished: the run's trade signals
        (:data:`SIGNALS_FILE`, written when it ends, empty or not) are there. A run still going, or killed before its
        end (``kill -9``: no clean-up ran), is left out instead of being shown as a whole run.
    """
    from nautilus_trader.persistence.funcs import class_to_filename

    from liqheat_nautilus.data import LiquidationMapSnapshot

    root = Path(catalog) / "backtest"
    if not root.is_dir():
        return []
    table = class_to_filename(LiquidationMapSnapshot)
    found = []
    for folder in root.iterdir():
        if not (folder.is_dir() and _RUN_ID.match(folder.name) and (folder / SIGNALS_FILE).is_file()):
            continue
        snapshots = folder / table
        instruments = tuple(sorted(p.name for p in snapshots.iterdir() if p.is_dir())) if snapshots.is_dir() else ()
        if not instruments:
            continue
        config = _read_config(folder)
        actors = config.get("actors") or []
        strategies = config.get("strategies") or []
        map_configs = tuple(dict(a.get("config") or {}) for a in actors if "instrument_id" in (a.get("config") or {})
                            and "publish_interval_secs" in (a.get("config") or {}))
        found.append(RecordingInfo(
            run_id=folder.name, instruments=instruments, trader_id=str(config.get("trader_id", "")),
            actors=tuple(str(a.get("actor_path", "")) for a in actors),
            strategies=tuple(str(s.get("strategy_path", "")) for s in strategies),
            map_config=map_configs[0] if map_configs else {}, modified_ns=int(folder.stat().st_mtime_ns),
            map_configs=map_configs,
        ))
    return sorted(found, key=lambda r: -r.modified_ns)


@dataclass
class Recording:
    """
    One recorded run, read back.

    Attributes
    ----------
    run_id : str
        The kernel instance id.
    snapshots : list
        :class:`~liqheat_nautilus.data.LiquidationMapSnapshot`, by ``ts_event``.
    clusters : list
        :class:`~liqheat_nautilus.data.LiquidationCluster`, by ``ts_event``.
    bins : list
        :class:`~liqheat_nautilus.data.LiquidationMapBins`, by ``ts_event``.
    signals : pandas.DataFrame
        Trade signals (empty when none were recorded).
    """

    run_id: str
    snapshots: list
    clusters: list
    bins: list
    signals: pd.DataFrame

    def instruments(self) -> list[str]:
        """
        Instrument ids with recorded snapshots.

        Returns
        -------
        list[str]
            Sorted.
        """
        return sorted({s.instrument_id.value for s in self.snapshots})

    def history(self, instrument_id: str) -> dict[str, np.ndarray]:
        """
        Return the recorded bins of one instrument as a heatmap history (see :func:`history_from_bins`).

        Parameters
        ----------
        instrument_id : str
            An instrument id of the run (``"SOL-USDT-SWAP.OKX"``).

        Returns
        -------
        dict[str, np.ndarray]

        Raises
        ------
        ValueError
            If the run holds no bins of the instrument.
        """
        rows = [b for b in self.bins if b.instrument_id.value == instrument_id]
        if not any(b.n_rows > 0 for b in rows):
            raise ValueError(f"recording {self.run_id}: no map bins of {instrument_id} (recorded with "
                             f"publish_bins = false?)")
        return history_from_bins(rows)


def side_totals(bins) -> tuple[np.ndarray, np.ndarray]:
    """
    Long and short notional per row of published bins, summed over the leverage tiers.

    Parameters
    ----------
    bins : LiquidationMapBins
        One published grid (rows between its first and last non-empty bin).

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        ``(long_usd, short_usd)``, each ``(n_rows,)`` USD.
    """
    return bins.long_tier_usd().sum(axis=1), bins.short_tier_usd().sum(axis=1)


def history_from_bins(bins: list, totals=side_totals) -> dict[str, np.ndarray]:
    """
    Map bins over time as a heatmap history (the layout of ``MapHistory.ordered()``).

    Parameters
    ----------
    bins : list[LiquidationMapBins]
        One instrument's bins in time order; empty ones (``n_rows == 0``) are skipped.
    totals : callable, default :func:`side_totals`
        ``bins -> (long_usd, short_usd)`` per row (a caller may pass a cached one).

    Returns
    -------
    dict[str, np.ndarray]
        ``ts_ns``, ``price``, ``base``, ``width`` ``(k,)`` and ``long_usd``, ``short_usd`` ``(k, n)`` (USD per bin,
        summed over tiers), one row per update, on one common grid of ``n`` bins (``base`` and ``width`` the same
        for all: bins published before the map re-binned its grid are moved onto the newest width,
        :func:`~liqheat_nautilus.core.grid.common_grid`).

    Raises
    ------
    ValueError
        If no bins hold data.
    """
    rows = [b for b in bins if b.n_rows > 0]
    if not rows:
        raise ValueError("no map bins with data")
    sides = [totals(b) for b in rows]
    g0, width, (long_usd, short_usd) = common_grid([b.first_bin for b in rows], [b.bin_width for b in rows],
                                                   [s[0] for s in sides], [s[1] for s in sides])
    return {
        "ts_ns": np.array([b.ts_event for b in rows], dtype=np.int64),
        "price": np.array([b.price for b in rows], dtype=np.float64),
        "base": np.full(len(rows), g0, dtype=np.int64),
        "width": np.full(len(rows), width),
        "long_usd": long_usd,
        "short_usd": short_usd,
    }


def load_recording(catalog: str | Path, run_id: str) -> Recording:
    """
    Read a recorded run.

    Parameters
    ----------
    catalog : str or Path
        Catalog folder.
    run_id : str
        The run's instance id (a UUID).

    Returns
    -------
    Recording

    Raises
    ------
    ValueError
        If ``run_id`` is not a UUID.
    FileNotFoundError
        If the catalog holds no such run.
    """
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.data import LiquidationCluster, LiquidationMapBins, LiquidationMapSnapshot

    if not _RUN_ID.match(run_id):
        raise ValueError(f"run id must be a UUID (a backtest's instance id), was {run_id!r}")
    folder = recording_folder(catalog, run_id)
    if not folder.is_dir():
        raise FileNotFoundError(f"no recorded run {run_id} in {catalog} (run the backtest with record = true)")
    data = ParquetDataCatalog(str(catalog)).read_backtest(run_id, raise_on_failed_deserialize=True)
    by_type: dict[type, list] = {LiquidationCluster: [], LiquidationMapSnapshot: [], LiquidationMapBins: []}
    for item in data:
        item = getattr(item, "data", item)
        if type(item) in by_type:
            by_type[type(item)].append(item)
    for items in by_type.values():
        items.sort(key=lambda d: d.ts_event)
    signals_path = folder / SIGNALS_FILE
    signals = pd.read_parquet(signals_path) if signals_path.is_file() else pd.DataFrame()
    return Recording(run_id=run_id, snapshots=by_type[LiquidationMapSnapshot],
                     clusters=by_type[LiquidationCluster], bins=by_type[LiquidationMapBins], signals=signals)
