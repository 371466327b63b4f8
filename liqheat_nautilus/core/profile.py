"""Map profile files: a TOML file of :class:`~liqheat_nautilus.core.params.MapParams` fields, e.g. a calibration.

A profile is what ``liqheat calibrate`` writes and what the actor config (``map_profile``), ``liqheat evaluate
--profile-file``, ``liqheat backtest`` (through the actor config) and ``liqheat plot --profile-file`` accept by
path::

    [map]                       # any MapParams fields (values as in Python: numbers, strings, lists)
    leverage_mean = 18.5
    leverage_std = 11.2
    half_life_hours = 96.0

    [calibration]               # free-form description; not read by the engine
    fitted_on = "2025-10-07T16:00Z .. 2026-01-04T16:00Z (537 windows)"

Unknown sections and unknown ``[map]`` field names are rejected with the file and the name, never ignored; so is a
file without any ``[map]`` field (it would run the defaults under the profile's name).
"""

import dataclasses
import difflib
import tomllib
from pathlib import Path
from typing import Any

import msgspec

from liqheat_nautilus.core.params import MapParams

__all__ = ["MapProfile", "ProfileError", "dump_profile", "load_profile", "profile_calibration", "profile_name",
           "profile_instrument_warning"]

_FIELDS = {f.name for f in dataclasses.fields(MapParams)} - {"extra", "brackets"}


class ProfileError(ValueError):
    """A profile file cannot be read or holds an unknown or invalid field (the message names file and field)."""


class MapProfile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """
    The content of a profile file.

    Parameters
    ----------
    map : dict[str, Any]
        ``MapParams`` fields and values.
    calibration : dict[str, Any]
        Description of how the profile was made (fitted windows, scores); not used by the engine.
    """

    map: dict[str, Any] = {}
    calibration: dict[str, Any] = {}


def profile_name(path: str | Path) -> str:
    """
    Return the name a profile file goes by: its file name without the extension.

    ``liqheat evaluate`` names the file's rows of its report by it and ``liqheat serve`` offers the file as a
    profile of that name (``results/calibrated_profile.toml`` -> ``calibrated_profile``).

    Parameters
    ----------
    path : str or Path
        The profile file.

    Returns
    -------
    str
    """
    return Path(path).stem


def load_profile(path: str | Path) -> dict[str, Any]:
    """
    Read a profile file's ``[map]`` fields, checked against :class:`MapParams`.

    Parameters
    ----------
    path : str or Path
        The TOML file.

    Returns
    -------
    dict[str, Any]
        Field -> value (lists become tuples), ready for ``MapParams(**fields)``.

    Raises
    ------
    ProfileError
        If the file is missing or not TOML, has no ``[map]`` field, holds an unknown section or field, or a value
        MapParams rejects.
    """
    path = Path(path)
    profile = _read(path)
    if not profile.map:  # an empty or misplaced file would silently run the defaults
        raise ProfileError(f"{path}: no [map] fields: a profile sets at least one MapParams field under [map]")
    unknown = sorted(set(profile.map) - _FIELDS)
    if unknown:
        near = {u: m[0] for u in unknown if (m := difflib.get_close_matches(u, sorted(_FIELDS), n=1))}
        hint = "".join(f"; did you mean {m!r} for {u!r}?" for u, m in near.items())
        known = "" if len(near) == len(unknown) else f"; known: {sorted(_FIELDS)}"  # every one guessed: no list
        raise ProfileError(f"{path}: [map] field(s) {unknown} are not MapParams fields{hint}{known}")
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in profile.map.items()}
    try:
        MapParams(**fields)
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"{path}: {exc}") from None
    return fields


def profile_calibration(path: str | Path) -> dict[str, Any]:
    """
    Read a profile file's ``[calibration]`` section (how it was made; e.g. ``fitted_on``, the windows it was fitted on).

    Parameters
    ----------
    path : str or Path
        The TOML file.

    Returns
    -------
    dict[str, Any]
        The section as written (empty when the file has none).

    Raises
    ------
    ProfileError
        If the file is missing, not TOML or holds an unknown section.
    """
    return dict(_read(Path(path)).calibration)


def profile_instrument_warning(path: str | Path, instrument_id: str) -> str:
    """
    Say when a profile was fitted on another instrument than the map it is applied to, else return ``""``.

    ``liqheat calibrate`` records the instrument of its data in ``[calibration] instrument_id`` (the Coinglass set's
    ``BTCUSDT-PERP.BINANCE``, ``--dataset catalog``'s ``--instrument-id``; none for CSV files). A fitted
    ``leveraged_share`` is a share of that instrument's open interest and the leverage mix that market's, so another
    instrument's map sized with them may be off by orders of magnitude; the profile still applies (a warning, not a
    refusal).

    Parameters
    ----------
    path : str or Path
        The profile file.
    instrument_id : str
        The map's instrument (``"SOL-USDT-SWAP.OKX"``).

    Returns
    -------
    str
        One sentence naming the file, both instruments and what to do; ``""`` when the profile records no
        instrument or the same one.

    Raises
    ------
    ProfileError
        If the file is missing, not TOML or holds an unknown section.
    """
    calibration = profile_calibration(path)
    fitted = calibration.get("instrument_id")
    if not fitted or str(fitted) == str(instrument_id):
        return ""
    return (f"map profile {path} was fitted on {fitted} ({calibration.get('data', 'its data')}), not on "
            f"{instrument_id}: its leveraged_share is a share of {fitted}'s open interest and its leverage mix that "
            f"market's; fit one on {instrument_id}'s data (liqheat calibrate --dataset catalog --instrument-id "
            f"{instrument_id}) or use it knowingly")


def _read(path: Path) -> MapProfile:
    """Parse a profile file into :class:`MapProfile` (the file's errors as :class:`ProfileError` naming it)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: map profile file not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: not a readable TOML file ({exc})") from None
    try:
        return msgspec.convert(raw, MapProfile)
    except msgspec.ValidationError as exc:
        raise ProfileError(f"{path}: {exc} (sections: [map], [calibration])") from None


def dump_profile(path: str | Path, fields: dict[str, Any], calibration: dict[str, Any]) -> Path:
    """
    Write a profile file.

    Parameters
    ----------
    path : str or Path
        Destination (parent folders are created).
    fields : dict[str, Any]
        ``MapParams`` fields (numbers, strings, bools, tuples/lists of numbers).
    calibration : dict[str, Any]
        Description (strings, numbers, lists, nested tables).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ProfileError
        If a field is not a MapParams field.
    """
    unknown = sorted(set(fields) - _FIELDS)
    if unknown:
        raise ProfileError(f"{path}: field(s) {unknown} are not MapParams fields")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# liquidation-map profile (liqheat calibrate); see docs/calibration.md", "", "[map]"]
    lines += [f"{k} = {_toml(v)}" for k, v in sorted(fields.items())]
    lines += ["", "[calibration]"]
    nested = {k: v for k, v in calibration.items() if isinstance(v, dict)}
    lines += [f"{k} = {_toml(v)}" for k, v in calibration.items() if not isinstance(v, dict)]
    for name, table in nested.items():
        lines += ["", f"[calibration.{name}]"] + [f"{k} = {_toml(v)}" for k, v in table.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise ProfileError(f"cannot write {value!r} ({type(value).__name__}) to a profile file")
