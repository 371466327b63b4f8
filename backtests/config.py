"""The declarative backtest file (TOML, YAML or JSON) and its translation into Nautilus' ``BacktestRunConfig``."""

from pathlib import Path

import msgspec
from nautilus_trader.config import (
    BacktestDataConfig,
    BacktestEngineConfig,
    BacktestRunConfig,
    BacktestVenueConfig,
    ImportableActorConfig,
    ImportableStrategyConfig,
    LoggingConfig,
)
from nautilus_trader.model.data import Bar

from liqheat_nautilus.paths import project_root

CUSTOM_DATA_CLIENT = "LIQHEAT"
FUNDING_MODULE = ("liqheat_nautilus.simulation.funding:FundingModule",
                  "liqheat_nautilus.simulation.funding:FundingModuleConfig")
CUSTOM_DATA_CLASSES = (
    "liqheat_nautilus.data.open_interest:OpenInterest",
    "liqheat_nautilus.data.funding_rate:FundingRate",
)


def is_url(catalog: str) -> bool:
    """
    Whether a catalog location is an fsspec URL (``s3://``, ``gs://``, ``file://``...) rather than a folder.

    Parameters
    ----------
    catalog : str

    Returns
    -------
    bool
    """
    return "://" in catalog


class DataSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[data]``: what to replay.

    Attributes
    ----------
    catalog : str
        Catalog folder, relative to the project root unless absolute, or an fsspec URL (``s3://bucket/catalog``,
        ``gs://...``, ``file:///shared/catalog``; Nautilus' ``catalog_fs_protocol``).
    instrument_id : str
        E.g. ``"SOL-USDT-SWAP.OKX"``.
    bar_spec : str
        Bar specification, e.g. ``"1-MINUTE-LAST"`` (the bar type is ``<instrument_id>-<bar_spec>-EXTERNAL``).
    start, end : str
        ISO-8601 UTC bounds ("" = whole catalog).
    """

    catalog: str
    instrument_id: str
    bar_spec: str = "1-MINUTE-LAST"
    start: str = ""
    end: str = ""


class ComponentSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[[actors]]`` / ``[[strategies]]``: an importable component and its config (``module:Class`` paths).

    Attributes
    ----------
    path : str
        The component class, e.g. ``"strategies.liquidation_hunt:LiquidationHuntStrategy"``.
    config_path : str
        Its config class.
    config : dict
        The config fields (strings for ids and bar types, as in Nautilus' importable configs).
    """

    path: str
    config_path: str
    config: dict = msgspec.field(default_factory=dict)


class VenueSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[venue]``: the simulated exchange (see Nautilus' ``BacktestVenueConfig``).

    Attributes
    ----------
    name : str
        Venue name (must match the instrument's venue).
    oms_type : str
        ``"NETTING"`` or ``"HEDGING"``.
    account_type : str
        ``"MARGIN"`` for perpetuals.
    starting_balances : list[str]
        E.g. ``["100000 USDT"]``.
    default_leverage : float
        Account leverage (x).
    funding : bool
        Charge/credit funding on open positions with :class:`~liqheat_nautilus.simulation.FundingModule`
        (default true). Trading fees are the instrument's maker/taker fees from the catalog.
    modules : list[ComponentSection]
        Further Nautilus ``SimulationModule`` s for the venue (``path``/``config_path``/``config``).
    """

    name: str
    oms_type: str = "NETTING"
    account_type: str = "MARGIN"
    starting_balances: list[str] = msgspec.field(default_factory=lambda: ["100000 USDT"])
    default_leverage: float = 10.0
    funding: bool = True
    modules: list[ComponentSection] = msgspec.field(default_factory=list)


class BacktestFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    A whole backtest file.

    Attributes
    ----------
    name : str
        Name of the run (used for the results folder).
    data : DataSection
    venue : VenueSection
    actors : list[ComponentSection]
    strategies : list[ComponentSection]
    """

    name: str
    data: DataSection
    venue: VenueSection
    actors: list[ComponentSection] = msgspec.field(default_factory=list)
    strategies: list[ComponentSection] = msgspec.field(default_factory=list)

    @property
    def bar_type(self) -> str:
        """The bar type string ``<instrument_id>-<bar_spec>-EXTERNAL``."""
        return f"{self.data.instrument_id}-{self.data.bar_spec}-EXTERNAL"

    def catalog_path(self) -> Path:
        """The catalog folder, resolved against the project root."""
        path = Path(self.data.catalog)
        return path if path.is_absolute() else project_root() / path

    def catalog_location(self) -> dict[str, str]:
        """
        Nautilus' ``BacktestDataConfig`` fields for the catalog: ``catalog_path`` (a local folder), plus
        ``catalog_fs_protocol`` when ``data.catalog`` is an fsspec URL (split as ``ParquetDataCatalog.from_uri``).
        """
        if not is_url(self.data.catalog):
            return {"catalog_path": str(self.catalog_path())}
        from fsspec.utils import infer_storage_options

        parts = infer_storage_options(self.data.catalog)
        return {"catalog_path": parts["path"], "catalog_fs_protocol": parts["protocol"]}


def load_backtest_file(path: str | Path) -> BacktestFile:
    """
    Read and validate a backtest file.

    Parameters
    ----------
    path : str or Path
        ``.toml``, ``.yaml``/``.yml`` or ``.json``.

    Returns
    -------
    BacktestFile

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        For an unknown extension or a field that is missing, unknown or of the wrong type (msgspec names it,
        e.g. ``Object missing required field `instrument_id` - at `$.data```).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"backtest config not found: {path}")
    decoders = {".toml": msgspec.toml.decode, ".yaml": msgspec.yaml.decode, ".yml": msgspec.yaml.decode,
                ".json": msgspec.json.decode}
    decode = decoders.get(path.suffix.lower())
    if decode is None:
        raise ValueError(f"{path}: unsupported config extension {path.suffix!r}; use .toml, .yaml or .json")
    try:
        return decode(path.read_bytes(), type=BacktestFile)
    except msgspec.ValidationError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def to_run_config(spec: BacktestFile, log_level: str = "ERROR") -> BacktestRunConfig:
    """
    Translate a backtest file into Nautilus' ``BacktestRunConfig`` (``raise_exception=True``).

    Parameters
    ----------
    spec : BacktestFile
        The parsed file.
    log_level : str, default "ERROR"
        Nautilus log level.

    Returns
    -------
    BacktestRunConfig
    """
    catalog = spec.catalog_location()
    bounds = {"start_time": spec.data.start or None, "end_time": spec.data.end or None}
    data = [
        BacktestDataConfig(**catalog, data_cls=Bar, instrument_id=spec.data.instrument_id,
                           bar_spec=spec.data.bar_spec, **bounds),
    ]
    data += [
        BacktestDataConfig(**catalog, data_cls=cls, instrument_id=spec.data.instrument_id,
                           client_id=CUSTOM_DATA_CLIENT, metadata={"instrument_id": spec.data.instrument_id},
                           **bounds)
        for cls in CUSTOM_DATA_CLASSES
    ]
    modules = [ImportableActorConfig(actor_path=m.path, config_path=m.config_path, config=dict(m.config))
               for m in spec.venue.modules]
    if spec.venue.funding:
        modules.append(ImportableActorConfig(actor_path=FUNDING_MODULE[0], config_path=FUNDING_MODULE[1],
                                             config={}))
    venue = BacktestVenueConfig(
        name=spec.venue.name, oms_type=spec.venue.oms_type, account_type=spec.venue.account_type,
        starting_balances=list(spec.venue.starting_balances), default_leverage=spec.venue.default_leverage,
        bar_adaptive_high_low_ordering=True, modules=modules or None,
    )
    engine = BacktestEngineConfig(
        logging=LoggingConfig(log_level=log_level),
        actors=[ImportableActorConfig(actor_path=a.path, config_path=a.config_path, config=dict(a.config))
                for a in spec.actors],
        strategies=[ImportableStrategyConfig(strategy_path=s.path, config_path=s.config_path,
                                             config=dict(s.config)) for s in spec.strategies],
    )
    return BacktestRunConfig(engine=engine, venues=[venue], data=data, raise_exception=True,
                             dispose_on_completion=False)
