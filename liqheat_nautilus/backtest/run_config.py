"""A backtest file's translation into Nautilus' ``BacktestRunConfig``: data, venue, engine, actors and strategies.

The file itself (its sections, loading and checks) is :mod:`liqheat_nautilus.backtest.config`.
"""

from typing import TYPE_CHECKING

from nautilus_trader.config import (
    BacktestDataConfig,
    BacktestEngineConfig,
    BacktestRunConfig,
    BacktestVenueConfig,
    DataCatalogConfig,
    ImportableActorConfig,
    ImportableStrategyConfig,
    LoggingConfig,
)
from nautilus_trader.model.data import Bar
from nautilus_trader.model.enums import AccountType, OmsType

from liqheat_nautilus import validation
from liqheat_nautilus.components import ComponentSection, is_map_actor_config
from liqheat_nautilus.core.params import MapParams
from liqheat_nautilus.recording import streaming_config, with_bins_published

if TYPE_CHECKING:
    from liqheat_nautilus.backtest.config import BacktestFile

CUSTOM_DATA_CLIENT = "LIQHEAT"
FUNDING_MODULE = ("liqheat_nautilus.simulation.funding:FundingModule",
                  "liqheat_nautilus.simulation.funding:FundingModuleConfig")
OPEN_INTEREST_CLASS = "liqheat_nautilus.data.open_interest:OpenInterest"
CUSTOM_DATA_CLASSES = (
    OPEN_INTEREST_CLASS,
    "liqheat_nautilus.data.funding_rate:FundingRate",
    "liqheat_nautilus.data.positioning:LongShortRatio",
    "liqheat_nautilus.data.positioning:TakerVolume",
)


class BarTypeDataConfig(BacktestDataConfig, frozen=True):
    """
    A ``BacktestDataConfig`` of bars that loads the one bar type ``{instrument_id}-{bar_spec}-EXTERNAL``.

    Nautilus 1.221 selects bar files by instrument (every bar type of it in the catalog) and its row filter on
    ``bar_type`` does not apply to bar files, so a catalog holding, say, 1-minute and 5-minute bars of the instrument
    fed both through the run (twice the data to load and dispatch; the strategy and the actor subscribe to one, and in
    a test on the OKX sample the fills were unchanged). Naming the bar type's folder as the query's identifier
    selects exactly that one (the catalog's exact-match rule).
    """

    @property
    def query(self) -> dict:
        """Return Nautilus' catalog query with the bar type as its identifier (see the class docstring)."""
        query = super().query
        query["identifiers"] = [f"{self.instrument_id}-{self.bar_spec}-EXTERNAL"]
        return query


def _actor_config(actor: ComponentSection, spec: "BacktestFile") -> dict:
    """Return the actor's config for the run: its warm-up (:func:`with_warmup`), and its bins when recorded."""
    config = with_warmup(actor, spec)
    return with_bins_published(actor.config_path, config) if spec.record else config


def with_warmup(actor: ComponentSection, spec: "BacktestFile") -> dict:
    """
    Return an actor's config as the run uses it: with the warm-up of a map actor in a run that starts late.

    A map actor in a run that starts after the catalog's first data warms up from the bars before the start (its
    seed lookback), unless the file sets ``warmup_lookback_secs`` itself.

    Parameters
    ----------
    actor : ComponentSection
        One ``[[actors]]`` entry of ``spec``.
    spec : BacktestFile
        The file (its ``[data] start``).

    Returns
    -------
    dict
        A copy of the actor's config table.
    """
    config = dict(actor.config)
    if spec.data.start and "warmup_lookback_secs" not in config and is_map_actor_config(actor.config_path):
        extra = config.get("map_params_extra") or {}
        hours = float(extra.get("seed_lookback_hours", MapParams().seed_lookback_hours))
        config["warmup_lookback_secs"] = int(hours * 3600)
    return config


def _data_config(spec: "BacktestFile", catalog: dict[str, str], data_cls: type | str, *, bar_spec: str | None = None,
                 client_id: str | None = None, metadata: dict | None = None) -> BacktestDataConfig:
    """Return the ``BacktestDataConfig`` of one data class of the file's instrument and time range."""
    config_cls = BarTypeDataConfig if data_cls is Bar else BacktestDataConfig
    return config_cls(
        catalog_path=catalog["catalog_path"], catalog_fs_protocol=catalog.get("catalog_fs_protocol"),
        # Nautilus 1.221 annotates data_cls as str, yet BacktestDataConfig.data_type also takes a class as it is
        data_cls=data_cls,  # type: ignore[arg-type]  # Nautilus' annotation is narrower than what it accepts
        instrument_id=spec.data.instrument_id,  # documented as InstrumentId | str
        start_time=spec.data.start or None, end_time=spec.data.end or None, bar_spec=bar_spec, client_id=client_id,
        metadata=metadata)


def _summed_open_interest_config(spec: "BacktestFile", catalog: dict[str, str], instrument_id: str
                                 ) -> BacktestDataConfig:
    """
    Return the ``BacktestDataConfig`` of another instrument's open interest that a map actor sums.

    The rows are selected by a filter on their ``instrument_id`` column instead of the config's ``instrument_id``:
    Nautilus would otherwise require a simulated venue for the other instrument and its definition in the catalog,
    though the run only reads these readings. They are published with that instrument's metadata, as a live
    poller publishes them.
    """
    return BacktestDataConfig(
        catalog_path=catalog["catalog_path"], catalog_fs_protocol=catalog.get("catalog_fs_protocol"),
        data_cls=OPEN_INTEREST_CLASS, filter_expr=f'field("instrument_id") == "{instrument_id}"',
        start_time=spec.data.start or None, end_time=spec.data.end or None, client_id=CUSTOM_DATA_CLIENT,
        metadata={"instrument_id": instrument_id})


def open_catalog(spec: "BacktestFile"):
    """
    Return the ``ParquetDataCatalog`` of a backtest file's ``[data] catalog``, opened as Nautilus opens it.

    A local folder, or an fsspec URL (``s3://``, ``gs://``...): ``ImportError`` when the URL's fsspec driver
    (``s3fs`` for ``s3://``) is not installed.

    Parameters
    ----------
    spec : BacktestFile
        The parsed backtest file (a relative local ``[data] catalog`` is resolved against the project root).

    Returns
    -------
    ParquetDataCatalog
        The catalog (opening it reads nothing yet).

    Raises
    ------
    ImportError
        When the URL's fsspec driver is not installed.
    """
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    if "catalog_fs_protocol" in spec.catalog_location():
        return ParquetDataCatalog.from_uri(spec.data.catalog)
    return ParquetDataCatalog(str(spec.catalog_path()))


def last_bar_ns(spec: "BacktestFile") -> int | None:
    """
    Return when the run ends: the catalog's last bar of the file's bar type, or ``[data] end`` if that is earlier.

    The run stops there (``BacktestRunConfig.end``). Open interest or funding rates stored beyond the last bar would
    otherwise move the clock on with no price: a position still open then paid or received funding at the last
    bar's stale price for as long as the rates went on (months, on a catalog whose funding file outlasted its bars).

    Parameters
    ----------
    spec : BacktestFile
        The parsed file.

    Returns
    -------
    int or None
        UNIX nanoseconds; ``None`` when the catalog cannot be read here or holds no such bar (``check_catalog``
        refuses such a file, naming why).
    """
    try:
        intervals = open_catalog(spec).get_intervals(Bar, spec.bar_type)
    except (ImportError, OSError):  # an fsspec driver not installed, a folder that is not there
        return None
    if not intervals:
        return None
    _, hi_ns = validation.time_range(spec.data.start, spec.data.end, "[data]")
    end = max(stop for _, stop in intervals)
    return min(end, hi_ns) if hi_ns is not None else end


def _streams_trade_ticks(spec: "BacktestFile") -> bool:
    """Return whether an actor of the file subscribes to trade ticks (``subscribe_trade_ticks = true``)."""
    return any(bool(a.config.get("subscribe_trade_ticks")) for a in spec.actors)


def to_run_config(spec: "BacktestFile", log_level: str = "ERROR") -> BacktestRunConfig:
    """
    Translate a backtest file into Nautilus' ``BacktestRunConfig`` (``raise_exception=True``).

    The run ends at the last bar (:func:`last_bar_ns`). A run with a ``start`` serves the catalog to the data engine
    too (``DataCatalogConfig``), so the map actor's warm-up requests the bars before the start and seeds the map
    from them (see :func:`with_warmup`); so does a run whose actor sets ``subscribe_trade_ticks``, since Nautilus
    streams subscribed trade ticks from the catalogs of the engine config only (without one the actor would get no
    trade). The open interest of other instruments that a map actor sums (``oi_instrument_ids``) is replayed from
    the same catalog.

    Parameters
    ----------
    spec : BacktestFile
        The parsed file.
    log_level : str, default "ERROR"
        Nautilus log level.

    Returns
    -------
    BacktestRunConfig

    Raises
    ------
    ValueError
        If ``log_level`` is not a Nautilus log level (its parser would abort the process).
    """
    log_level = validation.log_level(log_level, "log_level")
    catalog = spec.catalog_location()
    data = [_data_config(spec, catalog, Bar, bar_spec=spec.data.bar_spec)]
    data += [_data_config(spec, catalog, cls, client_id=CUSTOM_DATA_CLIENT,
                          metadata={"instrument_id": spec.data.instrument_id}) for cls in CUSTOM_DATA_CLASSES]
    data += [_summed_open_interest_config(spec, catalog, iid) for iid in spec.summed_open_interest_ids()]
    modules = [ImportableActorConfig(actor_path=m.path, config_path=m.config_path, config=dict(m.config))
               for m in spec.venue.modules]
    if spec.venue.funding:
        modules.append(ImportableActorConfig(actor_path=FUNDING_MODULE[0], config_path=FUNDING_MODULE[1],
                                             config={}))
    venue = BacktestVenueConfig(
        name=spec.venue.name,
        oms_type=validation.enum_name(spec.venue.oms_type, OmsType, "[venue] oms_type", exclude=("UNSPECIFIED",)),
        account_type=validation.enum_name(spec.venue.account_type, AccountType, "[venue] account_type"),
        starting_balances=[str(validation.money(b, "[venue] starting_balances"))
                           for b in spec.venue.starting_balances], default_leverage=spec.venue.default_leverage,
        bar_adaptive_high_low_ordering=True, modules=modules or None,
    )
    engine = BacktestEngineConfig(
        logging=LoggingConfig(log_level=log_level),
        streaming=streaming_config(spec.catalog_path()) if spec.record else None,
        catalogs=[DataCatalogConfig(path=catalog["catalog_path"], fs_protocol=catalog.get("catalog_fs_protocol"))]
        if spec.data.start or _streams_trade_ticks(spec) else [],
        actors=[ImportableActorConfig(actor_path=a.path, config_path=a.config_path, config=_actor_config(a, spec))
                for a in spec.actors],
        strategies=[ImportableStrategyConfig(strategy_path=s.path, config_path=s.config_path,
                                             config=dict(s.config)) for s in spec.strategies],
    )
    return BacktestRunConfig(engine=engine, venues=[venue], data=data, raise_exception=True,
                             dispose_on_completion=False, end=last_bar_ns(spec))
