"""Importable components named in backtest and live files (``[[actors]]``, ``[[strategies]]``, venue modules).

A component is found only through its importable paths (``module:Class``, as in Nautilus'
``ImportableActorConfig`` / ``ImportableStrategyConfig``); :func:`check_component` imports them once while the
file is loaded and checks, before anything is built:

- both paths have the ``module:Class`` form, the module imports and defines the class;
- the class is of the right kind (a Nautilus ``Strategy``, ``Actor`` or ``SimulationModule``) and the config class
  the matching Nautilus config;
- the ``config`` table has no field its config class lacks (at any depth: nested config structs are checked
  too; Nautilus itself would ignore a misspelt field), and it parses into the config class.
"""

import importlib
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

import msgspec

from liqheat_nautilus import validation
from liqheat_nautilus.validation import decode_message

if TYPE_CHECKING:
    from nautilus_trader.common.config import NautilusConfig

ComponentKind = Literal["actor", "strategy", "module"]


class ComponentSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    An importable component and its config (``module:Class`` paths).

    Attributes
    ----------
    path : str
        The component class, e.g. ``"strategies.liquidation_hunt:LiquidationHuntStrategy"``.
    config_path : str
        Its config class, e.g. ``"strategies.liquidation_hunt:LiquidationHuntConfig"``.
    config : dict
        The config fields (strings for ids and bar types, as in Nautilus' importable configs).
    """

    path: str
    config_path: str
    config: dict = msgspec.field(default_factory=dict)


def _bases(kind: ComponentKind) -> tuple[type, type]:
    if kind == "strategy":
        from nautilus_trader.config import StrategyConfig
        from nautilus_trader.trading.strategy import Strategy

        return Strategy, StrategyConfig
    if kind == "actor":
        from nautilus_trader.common.actor import Actor
        from nautilus_trader.common.config import ActorConfig

        return Actor, ActorConfig
    from nautilus_trader.backtest.modules import SimulationModule, SimulationModuleConfig

    return SimulationModule, SimulationModuleConfig


def resolve_class(path: str, field: str, base: type) -> type:
    """
    Import the class a ``module:Class`` path names and check its base class.

    Parameters
    ----------
    path : str
        ``"package.module:Class"``.
    field : str
        Where the path is written (e.g. ``"strategies[0].path"``), for the error.
    base : type
        The class it must derive from.

    Returns
    -------
    type

    Raises
    ------
    ValueError
        If the path is malformed, the module does not import, lacks the class, or the class has another base.
    """
    module_name, sep, class_name = str(path).partition(":")
    if not sep or not module_name or not class_name or ":" in class_name:
        raise ValueError(f"{field} must be 'package.module:Class'; got {path!r}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ValueError(f"{field}: module {module_name!r} not found ({exc.msg}); got {path!r}"
                         f"{_import_hint(module_name, exc)}") from exc
    except Exception as exc:  # noqa: BLE001 (user code: any import error is reported, with its type)
        raise ValueError(f"{field}: importing {module_name!r} failed: {type(exc).__name__}: {exc}") from exc
    cls = getattr(module, class_name, None)
    if cls is None:
        names = sorted(n for n, v in vars(module).items()
                       if isinstance(v, type) and issubclass(v, base) and v.__module__ == module.__name__)
        hint = f"; it defines {', '.join(names)}" if names else ""
        raise ValueError(f"{field}: module {module_name!r} has no class {class_name!r}{hint}")
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise ValueError(f"{field}: {path} is not a {base.__module__}.{base.__name__}")
    return cls


def _import_hint(module_name: str, exc: ModuleNotFoundError) -> str:
    """
    Return how to make a module of the user's own importable when its top-level package is not on ``sys.path``.

    ``liqheat`` (a console script) imports from its installed packages and ``PYTHONPATH``, not from the current
    folder, so ``my_strategy:MyStrategy`` beside the backtest file is not found without ``PYTHONPATH``.

    Parameters
    ----------
    module_name : str
        The module of the path (``"my_strategy"``, ``"mypkg.strategies"``).
    exc : ModuleNotFoundError
        The import's error (``exc.name`` is the module that was not found).

    Returns
    -------
    str
        ``""`` when a submodule of an importable package is missing (a misspelt module name).
    """
    top = module_name.split(".")[0]
    if exc.name != top:
        return ""
    here = [p for p in (Path.cwd() / f"{top}.py", Path.cwd() / top) if p.exists()]
    where = f" ({here[0]} is in the current folder, which is not on the import path)" if here else ""
    return (f"{where}; a module of your own is imported from PYTHONPATH or an installed package: run with "
            f"PYTHONPATH=<its folder> (e.g. PYTHONPATH=. from the folder holding {top}.py) or pip install it")


def is_map_actor_config(config_path: str) -> bool:
    """
    Tell whether a ``module:Class`` config path names the liquidation-map actor's config (or a subclass).

    Parameters
    ----------
    config_path : str
        An ``[[actors]]`` section's ``config_path``.

    Returns
    -------
    bool
        ``False`` also for a path that does not resolve (:func:`check_component` reports it).
    """
    from liqheat_nautilus.actor import LiquidationMapActorConfig

    try:
        resolve_class(config_path, "config_path", LiquidationMapActorConfig)
    except ValueError:
        return False
    return True


MAP_SIGNALS_ATTRIBUTE = "trades_on_map_signals"
"""A strategy class with this attribute true trades on the signals a ``LiquidationMapActor`` of its instrument
publishes (the clusters and snapshots of ``strategies/``' ``ClusterStrategy``): :func:`check_map_signals`."""


def check_map_signals(actors: list[ComponentSection], strategies: list[ComponentSection]) -> None:
    """
    Refuse a strategy that trades on a map actor's signals when no map actor of its instrument is configured.

    Without one, the run (or live node) starts, receives no cluster and never trades, with no error.

    Parameters
    ----------
    actors, strategies : list[ComponentSection]
        The ``[[actors]]`` and ``[[strategies]]`` of a backtest or live file (already checked by
        :func:`check_component`).

    Raises
    ------
    ValueError
        ``strategies[<i>]: ...`` naming the strategy, its instrument and the actor it needs.
    """
    from nautilus_trader.trading.strategy import Strategy

    mapped = {str(a.config.get("instrument_id")) for a in actors if is_map_actor_config(a.config_path)}
    for i, section in enumerate(strategies):
        cls = resolve_class(section.path, f"strategies[{i}].path", Strategy)
        iid = str(section.config.get("instrument_id"))
        if getattr(cls, MAP_SIGNALS_ATTRIBUTE, False) and iid not in mapped:
            held = f"maps only {sorted(mapped)}" if mapped else "holds 0 liquidation-map actors"
            raise ValueError(f"strategies[{i}]: {cls.__name__} trades on the clusters of a LiquidationMapActor of "
                             f"{iid}, but [[actors]] {held} (config_path "
                             "'liqheat_nautilus.actor:LiquidationMapActorConfig'): it would never trade")


def unknown_fields(config_cls: type, data: dict, prefix: str = "") -> list[str]:
    """
    Return the keys of ``data`` (and of nested tables for struct-typed fields) that ``config_cls`` does not define.

    Parameters
    ----------
    config_cls : type
        A ``msgspec.Struct`` (every Nautilus config is one).
    data : dict
        The config table.
    prefix : str, default ""
        Dotted path of ``data`` (for nested tables).

    Returns
    -------
    list[str]
        Dotted names of the unknown keys, in the table's order.
    """
    fields = {f.encode_name: f.type for f in _struct_fields(config_cls)}
    unknown = []
    for key, value in data.items():
        if key not in fields:
            unknown.append(f"{prefix}{key}")
            continue
        nested = _struct_type(fields[key])
        if nested is not None and isinstance(value, dict):
            unknown += unknown_fields(nested, value, f"{prefix}{key}.")
    return unknown


def _struct_fields(config_cls: type) -> tuple[msgspec.inspect.Field, ...]:
    """
    Return the fields of a ``msgspec.Struct`` class (every Nautilus config is one).

    Raises
    ------
    ValueError
        If ``config_cls`` is not a ``msgspec.Struct``.
    """
    info = msgspec.inspect.type_info(config_cls)
    if not isinstance(info, msgspec.inspect.StructType):
        raise ValueError(f"{config_cls.__name__} is not a msgspec.Struct config class")
    return info.fields


def _struct_type(info: msgspec.inspect.Type) -> type | None:
    """Return the struct class of a field type (alone or in a union with ``None``), else ``None``."""
    if isinstance(info, msgspec.inspect.StructType):
        return info.cls
    if isinstance(info, msgspec.inspect.UnionType):
        structs = [t.cls for t in info.types if isinstance(t, msgspec.inspect.StructType)]
        return structs[0] if len(structs) == 1 else None
    return None


def non_finite(data: object, prefix: str = "") -> tuple[str, float] | None:
    """
    Return the first float of a config table (at any depth) that is NaN or infinite, with its dotted name.

    TOML reads ``nan`` and ``inf`` as floats, but a component config reaches Nautilus as JSON, where they become
    ``null``: without this check the error would say "got `null`" for a field the file gives a number.

    Parameters
    ----------
    data : object
        A config table (``dict``), list or value.
    prefix : str, default ""
        Dotted name of ``data``.

    Returns
    -------
    tuple[str, float] or None
        ``(name, value)``, e.g. ``("oi_sizer.base_multiplier", nan)`` or ``("levels[1]", inf)``; ``None`` when
        every number is finite.
    """
    if isinstance(data, float):
        return None if math.isfinite(data) else (prefix, data)
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        name = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}" if prefix else str(key)
        found = non_finite(value, name)
        if found is not None:
            return found
    return None


def check_component(section: ComponentSection, kind: ComponentKind, field: str):
    """
    Check an importable component before Nautilus builds it (see the module docstring).

    Parameters
    ----------
    section : ComponentSection
        The component.
    kind : {"actor", "strategy", "module"}
        What it must be.
    field : str
        Where it is written (e.g. ``"strategies[0]"``), for the errors.

    Returns
    -------
    nautilus_trader.common.config.NautilusConfig
        The parsed config.

    Raises
    ------
    ValueError
        One line naming the field: a bad path, a class of the wrong kind, an unknown config field (with the valid
        ones), a NaN or infinite number (:func:`non_finite`), a bar type with a step of 0
        (:func:`~liqheat_nautilus.validation.bar_type_step`) or a config value of the wrong type.
    """
    base, config_base = _bases(kind)
    resolve_class(section.path, f"{field}.path", base)
    config_cls = cast("type[NautilusConfig]", resolve_class(section.config_path, f"{field}.config_path", config_base))
    unknown = unknown_fields(config_cls, section.config)
    if unknown:
        valid = ", ".join(f.encode_name for f in _struct_fields(config_cls))
        raise ValueError(f"{field}.config: unknown field{'s' if len(unknown) > 1 else ''} "
                         f"{', '.join(unknown)} for {config_cls.__name__} (valid: {valid})")
    bad = non_finite(section.config)
    if bad is not None:
        raise ValueError(f"{field}.config.{bad[0]}: {bad[1]} is not a finite number")
    for f in _struct_fields(config_cls):  # Nautilus' BarType parser aborts the process on a step of 0
        if "BarType" in repr(f.type):
            value = section.config.get(f.encode_name)
            for i, item in enumerate(value) if isinstance(value, list) else ((None, value),):
                validation.bar_type_step(item, f"{field}.config.{f.encode_name}{'' if i is None else f'[{i}]'}")
    try:
        return config_cls.parse(msgspec.json.encode(section.config))
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ValueError(decode_message(exc, f"{field}.config") + _value_hint(exc, section.config)) from exc
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{field}.config: {exc}") from exc


def _value_hint(exc: Exception, config: dict) -> str:
    """
    Return the value a config error is about when Nautilus' message leaves it out, and how a bar type ends.

    Nautilus' parsers say ``Invalid decimal string`` or ``invalid token: 'BTCUSDT' at position 0`` for
    ``trade_size = "abc"`` or a bar type without its aggregation source: ``; the value was 'abc'``, and for a bar
    type that does not end in ``-EXTERNAL`` / ``-INTERNAL`` what it should look like.
    """
    where = str(exc).rpartition(" - at `$.")[2].rstrip("`")
    key = where.split(".")[0].split("[")[0]
    if not key or key not in config:
        return ""
    value = config[key]
    hint = "" if repr(value) in str(exc) else f"; the value was {value!r}"
    if "BarType" in str(exc) and isinstance(value, str) and not value.endswith(("-EXTERNAL", "-INTERNAL")):
        hint += " (a bar type ends in its aggregation source, e.g. 'BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL')"
    return hint


def check_strategy_init(section: ComponentSection, config, field: str) -> None:
    """
    Build the strategy once, so the checks its constructor makes fail while the file is loaded.

    A strategy refuses a bad value (e.g. a ``risk_per_trade`` outside (0, 1)) only when it is built, inside
    Nautilus' node, where the error could not name the file or the field. Backtest and live files call it for each
    ``[[strategies]]`` section.

    Parameters
    ----------
    section : ComponentSection
        The section (its ``path`` names the strategy class).
    config : StrategyConfig
        Its config, as :func:`check_component` built it.
    field : str
        The section, e.g. ``"strategies[0]"``, named in the error.

    Raises
    ------
    ValueError
        ``<field>.config: <the strategy's message>``.
    """
    from nautilus_trader.trading.strategy import Strategy

    cls = resolve_class(section.path, f"{field}.path", Strategy)
    try:
        cls(config)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{field}.config: {exc}") from exc


def check_components(actors: list[ComponentSection], strategies: list[ComponentSection],
                     modules: list[ComponentSection] | None = None,
                     each: Callable[[ComponentSection, str], None] | None = None) -> None:
    """
    Check every component section of a backtest or live file, in file order, before Nautilus builds any.

    Each section goes through :func:`check_component`, then ``each`` (actors and strategies), then, for a strategy,
    :func:`check_strategy_init`; last, :func:`check_map_signals` over all of them.

    Parameters
    ----------
    actors, strategies : list[ComponentSection]
        The ``[[actors]]`` and ``[[strategies]]`` sections (named ``actors[<i>]``, ``strategies[<i>]``).
    modules : list[ComponentSection], optional
        The ``[[venue.modules]]`` sections of a backtest file (named ``venue.modules[<i>]``).
    each : callable, optional
        ``each(section, field)``: the file's own check of an actor or strategy section (e.g. that its
        ``instrument_id`` is one the run replays), raising ``ValueError`` naming ``field``.

    Raises
    ------
    ValueError
        The first failed check, one line naming the section (see the functions above).
    """
    groups: list[tuple[ComponentKind, list[ComponentSection], str]] = [
        ("actor", actors, "actors"), ("strategy", strategies, "strategies"), ("module", modules or [], "venue.modules")]
    for kind, sections, where in groups:
        for i, section in enumerate(sections):
            field = f"{where}[{i}]"
            config = check_component(section, kind, field)
            if each is not None and kind != "module":
                each(section, field)
            if kind == "strategy":
                check_strategy_init(section, config, field)
    check_map_signals(actors, strategies)
