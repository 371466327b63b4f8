"""The sweep grid file (TOML): a base backtest file and the axes to vary; its expansion into cells.

Example (``config/grids/liquidation_hunt_grid.toml``)::

    name = "liquidation_hunt_grid"
    base = "config/liquidation_hunt.toml"     # or a list of backtest files (a strategies axis)
    sort_by = "sharpe"

    [axes.strategy]                           # fields of every [[strategies]] config
    min_strength = [0.5, 0.7]
    [axes.actor]                              # fields of every [[actors]] config (the map's parameters)
    leverage_profile = ["neutral", "aggressive"]
    [[axes.periods]]
    start = "2026-06-11T15:25"
    end = "2026-06-19"

Every cell is one combination of one value per axis (the Cartesian product, in the order of the file), turned
into a complete backtest file. A cell's key is the SHA-256 of that file's canonical JSON, so anything that
changes what the cell runs (the base file, an axis value, the catalog) changes its key.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.util
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import msgspec

from liqheat_nautilus import validation
from liqheat_nautilus.components import unknown_fields
from liqheat_nautilus.config_messages import other_file_kind
from liqheat_nautilus.paths import project_root
from liqheat_nautilus.sweep.backtest_cell import STAT_FIELDS, BacktestFile, VenueSection, is_url, load_base

KEY_LENGTH = 16
"""Hex digits of a cell key (64 bits of the SHA-256)."""


class Period(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[[axes.periods]]``: one replay window.

    Attributes
    ----------
    start, end : str
        ISO-8601 UTC bounds ("" = from the start / to the end of the catalog).
    name : str
        Optional label for the table (default ``"<start>..<end>"``).
    """

    start: str = ""
    end: str = ""
    name: str = ""

    @property
    def label(self) -> str:
        """The period's name, else ``"<start>..<end>"``."""
        return self.name or f"{self.start or 'start'}..{self.end or 'end'}"


class Axes(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[axes]``: what varies. An axis left out keeps the base file's value.

    Attributes
    ----------
    strategy : dict[str, list]
        Strategy config fields -> values, applied to every ``[[strategies]]`` of the base file(s). A dotted name
        (``"oi_sizer.base_multiplier"``) sets a field of a nested table.
    actor : dict[str, list]
        Actor config fields -> values (e.g. the ``LiquidationMapActor``'s ``model``, ``leverage_profile``,
        ``mmr``, ``bin_bps``), applied to every ``[[actors]]``.
    venue : dict[str, list]
        ``[venue]`` fields -> values (e.g. ``default_leverage``, ``starting_balances``).
    instruments : list[str]
        Instrument ids. The data section, every config value equal to the base instrument id, every bar type
        starting with it and the venue name are switched to the cell's instrument.
    periods : list[Period]
        Replay windows.
    catalogs : list[str]
        Catalog folders (relative to the project root unless absolute) or fsspec URLs (``s3://bucket/catalog``,
        ``gs://...``, ``file:///shared/catalog``).
    """

    strategy: dict[str, list[Any]] = msgspec.field(default_factory=dict)
    actor: dict[str, list[Any]] = msgspec.field(default_factory=dict)
    venue: dict[str, list[Any]] = msgspec.field(default_factory=dict)
    instruments: list[str] | None = None
    periods: list[Period] | None = None
    catalogs: list[str] | None = None


class GridFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    A whole grid file.

    Attributes
    ----------
    name : str
        Name of the sweep (default output folder ``results/sweeps/<name>``): letters, digits, ``_``, ``-``, ``.``.
    base : str or list[str]
        The base backtest file(s), relative to the project root unless absolute. Several files make a
        ``backtest`` axis (e.g. several strategies on the same data).
    axes : Axes
        The axes to vary.
    sort_by : str
        Statistic the printed comparison is sorted by (one of :data:`STAT_FIELDS`; ``max_drawdown_pct``
        ascending, the others descending).
    log_level : str
        Nautilus log level inside the cells (their output goes to the per-cell logs).
    """

    name: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.-]+$")]
    base: str | list[str]
    axes: Axes = msgspec.field(default_factory=Axes)
    sort_by: str = "sharpe"
    log_level: str = "WARNING"

    @property
    def bases(self) -> list[str]:
        """The base file(s) as a list."""
        return [self.base] if isinstance(self.base, str) else list(self.base)


@dataclass(frozen=True)
class Cell:
    """
    One point of the grid.

    Attributes
    ----------
    index : int
        Position in the grid (0-based, product order).
    key : str
        Hash of the complete backtest file (:data:`KEY_LENGTH` hex digits).
    axes : dict[str, Any]
        The axis values of this cell (``backtest``, ``catalog``, ``instrument``, ``period``/``start``/``end``,
        ``strategy.<field>``, ``actor.<field>``, ``venue.<field>``; only the axes the grid names).
    label : str
        Short description: the values of the axes that vary.
    spec : BacktestFile
        The complete backtest file of the cell.
    """

    index: int
    key: str
    axes: dict[str, Any]
    label: str
    spec: BacktestFile

    def spec_json(self) -> bytes:
        """
        Encode the backtest file as JSON (what the worker decodes; ``liqheat backtest --config`` reads it too).

        Returns
        -------
        bytes
            UTF-8 JSON of the cell's ``BacktestFile``.
        """
        return msgspec.json.encode(self.spec)


def _resolve(path: str) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else project_root() / p


def load_grid(path: str | Path) -> GridFile:
    """
    Read and check a grid file.

    Parameters
    ----------
    path : str or Path
        The grid, a ``.toml`` file (its relative ``base`` and catalog paths are taken from the project root).

    Returns
    -------
    GridFile
        Decoded and checked (fields, axes, periods, ``sort_by``); the base files are read when expanded.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        Naming the file and the field: a missing, unknown or mistyped field (msgspec), an empty axis, a value
        listed twice in one axis, a bad period bound, an unknown ``sort_by`` or ``log_level`` (with the valid
        values).
    """
    path = validation.input_file(path, "grid file (.toml)")
    if path.suffix.lower() != ".toml":
        raise ValueError(f"{path}: a grid file is TOML (.toml), got {path.suffix!r}")
    data = path.read_bytes()
    try:
        grid = msgspec.toml.decode(data, type=GridFile)
    except msgspec.ValidationError as exc:  # msgspec names a table's key "[...]": [axes] strategy, not the field
        hint = other_file_kind(msgspec.toml.decode(data), path, "sweep grid")
        raise ValueError(f"{path}: {_scalar_axis(data) or validation.decode_message(exc)}{hint}") from exc
    except msgspec.DecodeError as exc:
        raise ValueError(f"{path}: {validation.decode_message(exc)}") from exc
    _check(grid, path)
    return grid


def _scalar_axis(data: bytes) -> str:
    """
    Name the first ``[axes.strategy|actor|venue]`` field holding one value instead of a list of values, else ``""``.

    Parameters
    ----------
    data : bytes
        The grid file's TOML (already known to decode as TOML).

    Returns
    -------
    str
        ``field 'axes.strategy.min_strength': expected a list of values, got a number (...)``, or ``""``.
    """
    axes = msgspec.toml.decode(data).get("axes")
    for section in ("strategy", "actor", "venue"):
        table = axes.get(section) if isinstance(axes, dict) else None
        for name, values in (table.items() if isinstance(table, dict) else ()):
            if not isinstance(values, list):
                hint = (f" (one value is a list of one: {name} = [{msgspec.json.encode(values).decode()}])"
                        if isinstance(values, bool | int | float | str) else "")
                return (f"field 'axes.{section}.{name}': expected a list of values, got "
                        f"{validation.type_words(values)}{hint}")
    return ""


def _check(grid: GridFile, path: Path) -> None:
    if not grid.bases:
        raise ValueError(f"{path}: field 'base': give at least one backtest file")
    _check_no_repeat(path, "base", grid.bases)
    if grid.sort_by not in STAT_FIELDS:
        raise ValueError(f"{path}: field 'sort_by': {grid.sort_by!r} is not a statistic; "
                         f"valid: {', '.join(STAT_FIELDS)}")
    try:  # every cell failed on it, after Ray had started (and --dry-run listed them as to run)
        validation.log_level(grid.log_level, "field 'log_level'")
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    for section in ("strategy", "actor", "venue"):
        for name, values in getattr(grid.axes, section).items():
            if not values:
                raise ValueError(f"{path}: field 'axes.{section}.{name}': empty list of values")
            _check_no_repeat(path, f"axes.{section}.{name}", values)
    for section in ("instruments", "periods", "catalogs"):
        if getattr(grid.axes, section) == []:
            raise ValueError(f"{path}: field 'axes.{section}': empty list of values")
        if section != "periods":  # periods: a repeated name is refused below
            _check_no_repeat(path, f"axes.{section}", getattr(grid.axes, section) or [])
    labels: dict[str, int] = {}
    for i, period in enumerate(grid.axes.periods or ()):
        try:
            validation.time_range(period.start, period.end, f"field 'axes.periods[{i}]'")
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from exc
        if period.label in labels:  # the table and results.csv showed two different periods under one name
            raise ValueError(f"{path}: field 'axes.periods[{i}]': its name {period.label!r} is that of "
                             f"axes.periods[{labels[period.label]}]; give each period its own name")
        labels[period.label] = i
    bad = set(grid.axes.venue) - set(VenueSection.__struct_fields__)
    if bad:
        raise ValueError(f"{path}: field 'axes.venue.{sorted(bad)[0]}': not a [venue] field; "
                         f"valid: {', '.join(VenueSection.__struct_fields__)}")


def _config_classes(components) -> list[tuple[str, type]]:
    """Return the ``(config_path, config class)`` of each component whose config class imports."""
    from nautilus_trader.common.config import resolve_config_path

    found = []
    for component in components:
        try:
            found.append((component.config_path, resolve_config_path(component.config_path)))
        except Exception:  # noqa: BLE001 (the base file's own check reports a bad path)
            continue
    return found


def _has_field(config_cls: type, name: str) -> bool:
    probe: dict = {}
    _set_dotted(probe, name, None)
    return not unknown_fields(config_cls, probe)


def _check_no_repeat(path: Path, field: str, values: list[Any]) -> None:
    """
    Refuse an axis that lists one value twice (a typo: the grid silently had fewer cells than its axes promise).

    Raises
    ------
    ValueError
        Naming the file, the field and the value (``1`` and ``1.0`` are the same value).
    """
    seen: list[tuple[bool, Any]] = []
    for value in values:
        this = (isinstance(value, bool), value)  # true is not 1
        if this in seen:
            raise ValueError(f"{path}: field '{field}': the value {msgspec.json.encode(value).decode()} is listed "
                             f"twice; each value of an axis gives its own cells")
        seen.append(this)


def _check_fields(grid_path: Path, section: str, names: list[str], components, base: str,
                  other: tuple[str, list] = ("", []), peers: Sequence[tuple[str, list]] = ()) -> None:
    """
    Check that every component of a base file has each axis field of ``[axes.<section>]``.

    Parameters
    ----------
    grid_path : Path
        The grid file (for messages).
    section : str
        ``"strategy"`` or ``"actor"``.
    names : list[str]
        The axis field names (dotted for a nested table).
    components : list
        The base file's ``[[strategies]]`` or ``[[actors]]``.
    base : str
        The base file as the grid names it.
    other : tuple[str, list], optional
        The other section and its components: a field found there is named as misplaced, not misspelt.
    peers : Sequence[tuple[str, list]], optional
        The other base files and their components of this section: a field only they have is named as such.

    Raises
    ------
    ValueError
        Naming the grid file, the field and the config class, with where it belongs or the closest name.
    """
    for config_path, config_cls in _config_classes(components):
        info = msgspec.inspect.type_info(config_cls)
        fields = [f.encode_name for f in info.fields] if isinstance(info, msgspec.inspect.StructType) else []
        for name in names:
            if not _has_field(config_cls, name):
                head = name.split(".", 1)[0]
                owner = next((path for path, cls in _config_classes(other[1]) if _has_field(cls, name)), None)
                peer = next((f"{path} in {peer_base}" for peer_base, peer_components in peers
                             for path, cls in _config_classes(peer_components) if _has_field(cls, name)), None)
                near = difflib.get_close_matches(head, fields, n=1)
                hint = (f" (it is a field of {owner}: put it under [axes.{other[0]}])" if owner
                        else f" (only {peer} has it: an axis applies to every base file; sweep it in a grid of "
                             f"its own)" if peer
                        else f" (did you mean {near[0]!r}?)" if near and near[0] != head else "")
                raise ValueError(f"{grid_path}: field 'axes.{section}.{name}': {config_path} "
                                 f"(in {base}) has no field {name!r}{hint}")


def _set_dotted(config: dict, name: str, value: Any) -> None:
    parts = name.split(".")
    node = config
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def _catalog_value(catalog: str) -> str:
    return catalog if is_url(catalog) else str(_resolve(catalog).resolve())


def _axis_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def cell_key(spec: BacktestFile) -> str:
    """
    Compute the key of a cell: SHA-256 of its backtest file's canonical JSON (sorted keys).

    Parameters
    ----------
    spec : BacktestFile
        The cell's complete backtest file.

    Returns
    -------
    str
        :data:`KEY_LENGTH` hex digits.
    """
    canonical = msgspec.json.encode(msgspec.to_builtins(spec), order="sorted")
    return hashlib.sha256(canonical).hexdigest()[:KEY_LENGTH]


def _source_digest(top: str) -> bytes:
    """SHA-256 of the ``.py`` files of a top-level package (or the file of a top-level module); empty if not found."""
    try:
        found = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        found = None
    if found is None:
        return b""
    if found.submodule_search_locations:
        roots = [Path(p) for p in found.submodule_search_locations]
        files = sorted((f.relative_to(root).as_posix(), f) for root in roots for f in root.rglob("*.py")
                       if "__pycache__" not in f.parts)
    elif found.origin and Path(found.origin).is_file():
        files = [(Path(found.origin).name, Path(found.origin))]
    else:  # built-in or frozen
        return b""
    digest = hashlib.sha256()
    for name, path in files:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.digest()


def code_digest(spec: BacktestFile, memo: dict[str, bytes] | None = None) -> str:
    """
    Compute a digest of the Python code a cell runs, to tell a cell finished by other code.

    The ``.py`` files of ``liqheat_nautilus`` and of the top-level package (or module) of every component the
    backtest file names (``path`` / ``config_path`` of its actors, strategies and venue modules, e.g. the whole
    ``strategies`` package for ``strategies.liquidation_hunt``). :func:`cell_key` covers the file only, so without
    this a sweep run again after a change to a strategy's code would keep the results of the old code.

    Parameters
    ----------
    spec : BacktestFile
        The cell's complete backtest file (its strategy and actor paths name the packages).
    memo : dict[str, bytes], optional
        Digests of packages already read, by top-level name (filled here): pass one dict for the cells of one
        sweep, so that each package is read once; the files are read again for a new dict.

    Returns
    -------
    str
        :data:`KEY_LENGTH` hex digits.
    """
    memo = {} if memo is None else memo
    tops = {"liqheat_nautilus"}
    for section in (*spec.actors, *spec.strategies, *spec.venue.modules):
        for path in (section.path, section.config_path):
            tops.add(path.split(":", 1)[0].split(".", 1)[0])
    digest = hashlib.sha256()
    for top in sorted(tops):
        if top not in memo:
            memo[top] = _source_digest(top)
        digest.update(top.encode() + b"\0" + memo[top])
    return digest.hexdigest()[:KEY_LENGTH]


def expand(grid: GridFile, grid_path: str | Path = "<grid>") -> list[Cell]:
    """
    Expand a grid into cells: the Cartesian product of its axes applied to its base file(s).

    Parameters
    ----------
    grid : GridFile
        The grid file read (:func:`load_grid`).
    grid_path : str or Path
        The grid file (for error messages).

    Returns
    -------
    list[Cell]
        In product order: base files, catalogs, instruments, periods, then the strategy, actor and venue fields
        in the order of the file. Cells with identical backtest files are kept once.

    Raises
    ------
    FileNotFoundError
        If a base file is missing.
    ValueError
        Naming the file and field: a base file that does not load, an axis field its strategies or actors do not
        have (with the closest name), or a value the backtest file's schema rejects.
    """
    grid_path = Path(grid_path)
    bases = []
    for base in grid.bases:
        try:
            bases.append(load_base(_resolve(base)))
        except (FileNotFoundError, ValueError) as exc:
            raise type(exc)(f"{grid_path}: field 'base': {exc}") from exc
    for base, spec in zip(grid.bases, bases, strict=True):
        peers = [(b, s) for b, s in zip(grid.bases, bases, strict=True) if b != base]
        _check_fields(grid_path, "strategy", list(grid.axes.strategy), spec.strategies, base, ("actor", spec.actors),
                      [(b, s.strategies) for b, s in peers])
        _check_fields(grid_path, "actor", list(grid.axes.actor), spec.actors, base, ("strategy", spec.strategies),
                      [(b, s.actors) for b, s in peers])
    a = grid.axes
    axes: list[tuple[str, list[Any]]] = [("backtest", bases)]
    if a.catalogs:
        axes.append(("catalog", list(a.catalogs)))
    if a.instruments:
        axes.append(("instrument", list(a.instruments)))
    if a.periods:
        axes.append(("period", list(a.periods)))
    axes += [(f"strategy.{k}", v) for k, v in a.strategy.items()]
    axes += [(f"actor.{k}", v) for k, v in a.actor.items()]
    axes += [(f"venue.{k}", v) for k, v in a.venue.items()]
    varying = {name for name, values in axes if len(values) > 1}
    cells: list[Cell] = []
    seen: set[str] = set()
    for combo in itertools.product(*(values for _, values in axes)):
        values = dict(zip([n for n, _ in axes], combo, strict=True))
        spec = _apply(values.pop("backtest"), values, grid_path)
        key = cell_key(spec)
        if key in seen:
            continue
        seen.add(key)
        shown = {"backtest": spec.name, **values}
        if "period" in shown:
            period = shown.pop("period")
            shown.update(period=period.label, start=period.start, end=period.end)
        label = " ".join(f"{n.rsplit('.', 1)[-1]}={_axis_text(v)}" for n, v in values.items()
                         if n in varying and n != "period")
        if "period" in varying:
            label = f"{label} period={shown['period']}".strip()
        if "backtest" in varying:
            label = f"{spec.name} {label}".strip()
        cells.append(Cell(index=len(cells), key=key, axes=shown, label=label or spec.name, spec=spec))
    return cells


def _apply(spec: BacktestFile, values: dict[str, Any], grid_path: Path) -> BacktestFile:
    """Apply one cell's axis values to the base file, checked as ``liqheat backtest`` checks a file."""
    try:
        spec = spec.with_catalog(_catalog_value(values.get("catalog", spec.data.catalog)))
        if "instrument" in values:
            spec = spec.with_instrument(values["instrument"], "[axes] instruments")
        raw = msgspec.to_builtins(spec)
        if "period" in values:
            raw["data"]["start"], raw["data"]["end"] = values["period"].start, values["period"].end
        for name, value in values.items():
            section, _, field = name.partition(".")
            if section in ("strategy", "actor"):
                for component in raw["strategies" if section == "strategy" else "actors"]:
                    component.setdefault("config", {})
                    _set_dotted(component["config"], field, value)
            elif section == "venue":
                raw["venue"][field] = value
        spec = msgspec.convert(raw, type=BacktestFile)
        spec.validate()
    except (msgspec.ValidationError, ValueError) as exc:
        shown = {k: (v.label if isinstance(v, Period) else v) for k, v in values.items()}
        raise ValueError(f"{grid_path}: cell {shown}: {validation.decode_message(exc)}") from exc
    return spec
