"""The declarative backtest file (TOML, YAML or JSON): its sections, loading and checks.

Everything a file says is checked while it is loaded (:func:`load_backtest_file`), before Nautilus sees it: every
field's type (msgspec), the enum-like values against Nautilus' own enums (its parsers would abort the process on a
bad one), the time range, the starting balances, the instrument and bar ids, and every component's importable
paths and config fields (:func:`liqheat_nautilus.components.check_component`). Each error is one line naming the
file and the field. Its translation into Nautilus' ``BacktestRunConfig`` is
:func:`~liqheat_nautilus.backtest.run_config.to_run_config` (also importable from here).
"""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import msgspec
from nautilus_trader.model.data import BarType
from nautilus_trader.model.enums import AccountType, OmsType
from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus import validation
from liqheat_nautilus.backtest.run_config import to_run_config, with_warmup  # noqa: F401 (to_run_config re-exported)
from liqheat_nautilus.components import ComponentSection, check_component, check_components, is_map_actor_config
from liqheat_nautilus.config_messages import other_file_kind
from liqheat_nautilus.paths import project_root

if TYPE_CHECKING:
    from liqheat_nautilus.actor import LiquidationMapActorConfig

def is_url(catalog: str) -> bool:
    """
    Whether a catalog location is an fsspec URL (``s3://``, ``gs://``, ``file://``...) rather than a folder.

    Parameters
    ----------
    catalog : str
        The ``[data] catalog`` setting as written.

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
        ``gs://...``, ``file:///shared/catalog``; read through Nautilus' ``catalog_fs_protocol``).
    instrument_id : str
        E.g. ``"SOL-USDT-SWAP.OKX"``.
    bar_spec : str
        Bar specification, e.g. ``"1-MINUTE-LAST"`` (the bar type is ``<instrument_id>-<bar_spec>-EXTERNAL``).
    start, end : str
        ISO-8601 UTC bounds, both included (a bar closing at `end` is replayed; "" = whole catalog).
    """

    catalog: str
    instrument_id: str
    bar_spec: str = "1-MINUTE-LAST"
    start: str = ""
    end: str = ""


class VenueSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[venue]``: the simulated exchange (see Nautilus' ``BacktestVenueConfig``).

    Attributes
    ----------
    name : str
        Venue name (must match the instrument's venue).
    oms_type : str
        Nautilus ``OmsType`` name: ``"NETTING"`` or ``"HEDGING"``.
    account_type : str
        Nautilus ``AccountType`` name; ``"MARGIN"`` for perpetuals.
    starting_balances : list[str]
        E.g. ``["100000 USDT"]`` (positive amounts of currencies Nautilus knows, each currency once; one must be
        the instrument's settlement currency).
    default_leverage : float
        Account leverage (x, >= 1).
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
    default_leverage: Annotated[float, msgspec.Meta(ge=1.0)] = 10.0
    funding: bool = True
    modules: list[ComponentSection] = msgspec.field(default_factory=list)


class BacktestFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    A whole backtest file.

    Attributes
    ----------
    name : str
        Name of the run (used for the results folder): letters, digits, ``_``, ``-`` and ``.``.
    data : DataSection
    venue : VenueSection
    actors : list[ComponentSection]
    strategies : list[ComponentSection]
    record : bool
        Record what the liquidation-map actor publishes into the catalog (Nautilus ``StreamingConfig``; see
        :mod:`liqheat_nautilus.recording`), so the report chart and ``liqheat serve`` show the run without
        replaying it (default true).
    """

    name: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.-]+$")]
    data: DataSection
    venue: VenueSection
    record: bool = True
    actors: list[ComponentSection] = msgspec.field(default_factory=list)
    strategies: list[ComponentSection] = msgspec.field(default_factory=list)

    @property
    def bar_type(self) -> str:
        """The bar type string ``<instrument_id>-<bar_spec>-EXTERNAL``."""
        return f"{self.data.instrument_id}-{self.data.bar_spec}-EXTERNAL"

    def catalog_path(self) -> Path:
        """
        Return the catalog folder, resolved against the project root.

        Returns
        -------
        Path
        """
        path = Path(self.data.catalog)
        return path if path.is_absolute() else project_root() / path

    def catalog_location(self) -> dict[str, str]:
        """
        Return Nautilus' ``BacktestDataConfig`` fields for the catalog.

        ``catalog_path`` (a local folder), plus ``catalog_fs_protocol`` when ``data.catalog`` is an fsspec URL
        (split as ``ParquetDataCatalog.from_uri``).

        Returns
        -------
        dict[str, str]
        """
        if not is_url(self.data.catalog):
            return {"catalog_path": str(self.catalog_path())}
        from fsspec.utils import infer_storage_options

        parts = infer_storage_options(self.data.catalog)
        return {"catalog_path": parts["path"], "catalog_fs_protocol": parts["protocol"]}

    def with_catalog(self, catalog: str | Path) -> "BacktestFile":
        """
        Return the same file on another catalog.

        Parameters
        ----------
        catalog : str or Path
            The catalog folder (resolved against the current folder), or an fsspec URL (kept as it is).

        Returns
        -------
        BacktestFile
        """
        location = str(catalog) if is_url(str(catalog)) else str(Path(catalog).resolve())
        return msgspec.structs.replace(self, data=msgspec.structs.replace(self.data, catalog=location))

    def with_starting_balances(self, balances: list[str], field: str = "--starting-balance") -> "BacktestFile":
        """
        Return the same file with other starting balances (``[venue] starting_balances``).

        Parameters
        ----------
        balances : list[str]
            Amounts with their currency, e.g. ``["1 BTC"]``, each currency once.
        field : str, default "--starting-balance"
            Where the balances were given, named in the error.

        Returns
        -------
        BacktestFile
            The file with ``balances`` as its venue's starting balances.

        Raises
        ------
        ValueError
            If the list is empty, an entry is not an amount with a currency, or a currency is given twice.
        """
        validation.balances(balances, field)
        return msgspec.structs.replace(self, venue=msgspec.structs.replace(self.venue,
                                                                           starting_balances=list(balances)))

    def with_instrument(self, instrument_id: str, field: str = "--instrument-id") -> "BacktestFile":
        """
        Return the same file on another instrument.

        ``[data] instrument_id`` and the venue name change, and so does every string in the components' config
        tables that names the old instrument: a value equal to the old id, or starting with it and ``-`` (a bar
        type such as ``SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL``).

        Parameters
        ----------
        instrument_id : str
            A Nautilus instrument id, e.g. ``"BTCUSDT-PERP.BINANCE"``.
        field : str, default "--instrument-id"
            Where the id was given, named in the error (a sweep grid's ``[axes] instruments``).

        Returns
        -------
        BacktestFile
            The file on ``instrument_id``.

        Raises
        ------
        ValueError
            If ``instrument_id`` is not a Nautilus instrument id.
        """
        new = validation.instrument_id(instrument_id, field).value
        old = self.data.instrument_id

        swapped = self._with_component_strings(
            lambda value: new + value[len(old):] if value == old or value.startswith(old + "-") else value)
        venue = msgspec.structs.replace(swapped.venue, name=InstrumentId.from_str(new).venue.value)
        return msgspec.structs.replace(swapped, data=msgspec.structs.replace(self.data, instrument_id=new), venue=venue)

    def with_bar_spec(self, bar_spec: str, field: str = "--bar-spec") -> "BacktestFile":
        """
        Return the same file on other bars of its instrument (``[data] bar_spec``).

        Every string in the components' config tables equal to the old bar type
        (``<instrument_id>-<old bar_spec>-EXTERNAL``, e.g. an actor's or strategy's ``bar_type``) becomes the new
        one, as :meth:`with_instrument` renames the instrument, so the components subscribe to the bars the run
        replays.

        Parameters
        ----------
        bar_spec : str
            A Nautilus bar specification, e.g. ``"1-HOUR-LAST"``.
        field : str, default "--bar-spec"
            Where it was given, named in the error.

        Returns
        -------
        BacktestFile
            The file on ``<instrument_id>-<bar_spec>-EXTERNAL`` bars.

        Raises
        ------
        ValueError
            If ``bar_spec`` is not a bar specification (:func:`~liqheat_nautilus.validation.bar_spec`: naming
            ``field`` and examples of valid ones).
        """
        validation.bar_spec(bar_spec, field, self.data.instrument_id)
        old, new = self.bar_type, f"{self.data.instrument_id}-{bar_spec}-EXTERNAL"
        return msgspec.structs.replace(self._with_component_strings(lambda value: new if value == old else value),
                                       data=msgspec.structs.replace(self.data, bar_spec=bar_spec))

    def _with_component_strings(self, rename: Callable[[str], str]) -> "BacktestFile":
        """Return the file with ``rename`` applied to every string of its components' config tables (nested too)."""

        def swap(value):
            if isinstance(value, str):
                return rename(value)
            if isinstance(value, dict):
                return {k: swap(v) for k, v in value.items()}
            if isinstance(value, list):
                return [swap(v) for v in value]
            return value

        def component(c: ComponentSection) -> ComponentSection:
            return msgspec.structs.replace(c, config=swap(c.config))

        venue = msgspec.structs.replace(self.venue, modules=[component(m) for m in self.venue.modules])
        return msgspec.structs.replace(self, venue=venue, actors=[component(a) for a in self.actors],
                                       strategies=[component(s) for s in self.strategies])

    def map_actor_config(self) -> "LiquidationMapActorConfig":
        """
        Return the config of the file's liquidation-map actor, parsed as the run parses it.

        Returns
        -------
        liqheat_nautilus.actor.LiquidationMapActorConfig
            The config of the one ``[[actors]]`` entry whose ``config_path`` names
            :class:`~liqheat_nautilus.actor.LiquidationMapActorConfig` (or a subclass); its
            :meth:`~liqheat_nautilus.actor.LiquidationMapActorConfig.map_params` are the run's map parameters, and
            its ``warmup_lookback_secs`` the run's warm-up before ``start`` (the seed lookback of a run with a
            start, unless the file sets it; see :func:`to_run_config`).

        Raises
        ------
        ValueError
            If the file has no such actor or several (naming their ``config_path``), or its config is invalid
            (naming the field).
        """
        found = [(i, a) for i, a in enumerate(self.actors) if is_map_actor_config(a.config_path)]
        if len(found) != 1:
            paths = ", ".join(a.config_path for a in self.actors) or "none"
            raise ValueError(f"[[actors]]: {len(found)} liquidation-map actors (liqheat_nautilus.actor:"
                             f"LiquidationMapActorConfig); exactly one is needed (actors' config_path: {paths})")
        i, actor = found[0]
        as_run = msgspec.structs.replace(actor, config=with_warmup(actor, self))
        return cast("LiquidationMapActorConfig", check_component(as_run, "actor", f"actors[{i}]"))

    def validate(self) -> None:
        """
        Check the values msgspec's types cannot (see the module docstring); imports the components.

        Raises
        ------
        ValueError
            One line naming the field (without the file name; :func:`load_backtest_file` adds it).
        """
        validation.time_range(self.data.start, self.data.end, "[data]")
        iid = validation.instrument_id(self.data.instrument_id, "[data] instrument_id")
        step = self.data.bar_spec.split("-", 1)[0].strip()
        if step.isdigit() and int(step) == 0:  # Nautilus' parser aborts the process on it
            raise ValueError(f"[data] bar_spec {self.data.bar_spec!r} has a step of 0; the step must be 1 or more, "
                             "e.g. '1-MINUTE-LAST'")
        try:
            BarType.from_str(self.bar_type)
        except ValueError as exc:
            raise ValueError(f"[data] bar_spec {self.data.bar_spec!r} does not make a Nautilus bar type "
                             f"({exc}); e.g. '1-MINUTE-LAST'") from exc
        validation.enum_name(self.venue.oms_type, OmsType, "[venue] oms_type", exclude=("UNSPECIFIED",))
        validation.enum_name(self.venue.account_type, AccountType, "[venue] account_type")
        if self.venue.name != iid.venue.value:
            raise ValueError(f"[venue] name {self.venue.name!r} must be the instrument's venue "
                             f"{iid.venue.value!r} ({iid})")
        validation.balances(self.venue.starting_balances, "[venue] starting_balances")
        check_components(self.actors, self.strategies, self.venue.modules, each=self._check_replayed)

    def summed_open_interest_ids(self) -> list[str]:
        """
        Return the instruments besides ``[data] instrument_id`` whose open interest a map actor sums.

        Their readings are replayed from the same catalog (``oi_instrument_ids`` of each liquidation-map actor; e.g.
        the same contract on other venues), so a backtest sums open interest as a live node does.

        Returns
        -------
        list[str]
            Instrument ids, sorted, without duplicates; empty when no map actor names another instrument.
        """
        ids = {str(i) for a in self.actors if is_map_actor_config(a.config_path)
               for i in (a.config.get("oi_instrument_ids") or [])}
        return sorted(ids - {self.data.instrument_id})

    def _check_replayed(self, section: ComponentSection, field: str) -> None:
        """
        Check that a component's ``instrument_id`` and ``bar_type`` are what the run replays.

        A run replays the bars of ``[data] instrument_id`` and ``bar_spec`` (and the open interest a map actor sums,
        :meth:`summed_open_interest_ids`): a component on another instrument would stop at start, one on other bars
        would never see a bar, and the run would end with no trade and no error.
        """
        expected = {"instrument_id": self.data.instrument_id, "bar_type": self.bar_type}
        for key, value in expected.items():
            given = section.config.get(key)
            if given is not None and given != value:
                source = "[data] instrument_id" if key == "instrument_id" else "[data] instrument_id and bar_spec"
                raise ValueError(f"{field}.config.{key} {given!r} is not what the run replays: {value!r} (from "
                                 f"{source}); the backtest feeds only that")


def naming_file(path: str | Path, exc: Exception) -> str:
    """
    Return the one-line message of an error about a backtest file, starting with the file (once).

    Parameters
    ----------
    path : str or Path
        The backtest file.
    exc : Exception
        The error of its load or run; an ``IngestError`` names its own file (a catalog's Parquet file) and is kept
        as it is.

    Returns
    -------
    str
    """
    from liqheat_nautilus.persistence.errors import IngestError

    message = str(exc)
    if isinstance(exc, IngestError) or message.startswith(str(path)):
        return message
    return f"{path}: {message}"


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
        For a folder, an unknown extension, a file that does not decode, or a field that is missing, unknown, of the
        wrong type or with an invalid value (see :meth:`BacktestFile.validate`); one line starting with the path.
    """
    path = validation.input_file(path, "backtest config (.toml, .yaml or .json)",
                                 "; a folder of them runs with --all --config-dir")
    decoders: dict[str, Callable[..., BacktestFile]] = {
        ".toml": msgspec.toml.decode, ".yaml": msgspec.yaml.decode, ".yml": msgspec.yaml.decode,
        ".json": msgspec.json.decode}
    decode = decoders.get(path.suffix.lower())
    if decode is None:
        raise ValueError(f"{path}: unsupported config extension {path.suffix!r}; use .toml, .yaml or .json")
    raw = path.read_bytes()
    try:
        _check_syntax(raw, path.suffix.lower())
        spec = _with_profiles_found(decode(raw, type=BacktestFile), path)
        spec.validate()
    except msgspec.ValidationError as exc:
        hint = other_file_kind(decode(raw), path, "backtest file")
        raise ValueError(f"{path}: {validation.decode_message(exc)}{hint}") from exc
    except (msgspec.DecodeError, ValueError) as exc:
        raise ValueError(f"{path}: {validation.decode_message(exc)}") from exc
    return spec


def _check_syntax(raw: bytes, suffix: str) -> None:
    """
    Refuse a YAML or JSON backtest file that does not parse, or that gives a key twice in one table.

    msgspec's YAML and JSON decoders keep the last of two equal keys (TOML refuses them): a YAML file giving
    ``name`` twice ran under the second name, exit 0. A YAML syntax error was printed over four lines naming
    ``<byte string>``; a cut JSON file said only "Input data was truncated".

    Raises
    ------
    ValueError
        One line: where (line and column) and what.
    """
    import json

    import yaml

    if suffix == ".json":
        def unique(pairs: list[tuple[str, object]]) -> dict:
            keys = [key for key, _ in pairs]
            twice = next((key for i, key in enumerate(keys) if key in keys[:i]), None)
            if twice is not None:
                raise ValueError(f"key {twice!r} given twice in one object (only the last would count)")
            return dict(pairs)

        try:
            json.loads(raw, object_pairs_hook=unique)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    elif suffix in (".yaml", ".yml"):
        class UniqueKeyLoader(yaml.SafeLoader):
            def construct_mapping(self, node, deep=False):
                seen = set()
                for key_node, _ in node.value:
                    key = self.construct_object(key_node, deep=deep)
                    if not isinstance(key, str | int | float | bool):  # unhashable: msgspec refuses it
                        continue
                    if key in seen:
                        raise ValueError(f"line {key_node.start_mark.line + 1}: key {key!r} given twice in one "
                                         "table (only the last would count)")
                    seen.add(key)
                return super().construct_mapping(node, deep=deep)

        try:
            yaml.load(raw, Loader=UniqueKeyLoader)  # a SafeLoader: no Python objects
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
            context = f" ({exc.context})" if exc.context else ""
            raise ValueError(f"not valid YAML: {where}{exc.problem}{context}") from None
        except yaml.YAMLError as exc:  # e.g. bytes that are not UTF-8
            raise ValueError(f"not valid YAML: {' '.join(str(exc).split())}") from None


def _with_profiles_found(spec: BacktestFile, path: Path) -> BacktestFile:
    """
    Return ``spec`` with each actor's relative ``map_profile`` found.

    Looked for in the current folder (as before), else beside the file, else under the project root (as ``[data]
    catalog``); the path found becomes absolute (resolved), so that what the run records (its kernel's
    ``config.json``) still names the file for ``liqheat serve`` run from another folder.

    Raises
    ------
    ValueError
        If a relative ``map_profile`` is in none of the three places (naming them).
    """
    actors = []
    for i, actor in enumerate(spec.actors):
        profile = actor.config.get("map_profile")
        if isinstance(profile, str) and profile and not Path(profile).is_absolute():
            here, places = Path(profile), [path.resolve().parent / profile, project_root() / profile]
            found = here.resolve() if here.exists() else next((p for p in places if p.is_file()), None)
            if found is None:
                raise ValueError(f"actors[{i}].config.map_profile: {profile!r} not found in the current folder, "
                                 f"beside the file ({path.resolve().parent}) or under the project root "
                                 f"({project_root()})")
            actor = msgspec.structs.replace(actor, config={**actor.config, "map_profile": str(found)})
        actors.append(actor)
    return msgspec.structs.replace(spec, actors=actors)
