"""msgspec's decode and validation errors of config files, worded as the project's other errors: the field first.

``liqheat_nautilus.validation`` re-exports :func:`decode_message` and :func:`type_words`.
"""

import re

_MSGSPEC_TYPES = {"`float`": "a number", "`int`": "a whole number", "`str`": "a string", "`bool`": "true or false",
                  "`array`": "a list", "`object`": "a table", "`null`": "nothing"}


def type_words(value: object) -> str:
    """
    Word the type of a decoded config value as :func:`decode_message` words msgspec's (``0.5`` -> ``a number``).

    Parameters
    ----------
    value : object
        A value decoded from TOML or JSON.

    Returns
    -------
    str
        ``a number``, ``a whole number``, ``a string``, ``true or false``, ``a list``, ``a table``, ``nothing``, or
        the Python type's name for anything else (a TOML date-time).
    """
    names = {bool: "bool", int: "int", float: "float", str: "str", list: "array", dict: "object", type(None): "null"}
    name = names.get(type(value))
    return _MSGSPEC_TYPES[f"`{name}`"] if name else type(value).__name__


def decode_message(exc: Exception, prefix: str = "") -> str:
    """
    Word a msgspec decode or validation error of a config file as the project's other errors: the field first.

    msgspec says ``Expected `float` >= 1.0 - at `$.venue.default_leverage```; this returns
    ``[venue] default_leverage: expected a number >= 1.0``. A path starting with a list (``$.actors[0]...``) is kept
    dotted; ``prefix`` (e.g. ``"actors[0].config"``) goes before a path inside a nested table.

    Parameters
    ----------
    exc : Exception
        A ``msgspec.ValidationError`` or ``msgspec.DecodeError`` (any other exception's text is returned as is).
    prefix : str, default ""
        Where the decoded object sits in the file.

    Returns
    -------
    str
        One line naming the field.
    """
    text = str(exc)
    message, sep, where = text.rpartition(" - at `")
    if not sep:
        message, where = text, "$`"
    parts = [p for p in where.rstrip("`").removeprefix("$").replace("[...]", "").split(".") if p]  # [...]: a key
    if prefix:
        field = ".".join([prefix, *parts])
    elif not parts or "[" in parts[0]:
        field = ".".join(parts)
    else:
        field = f"[{parts[0]}]" + (f" {'.'.join(parts[1:])}" if len(parts) > 1 else "")
    message = message.replace("Object contains unknown field", "unknown field").replace("Expected ", "expected ")
    return f"{field}: {_TYPE_NAMES.sub(_type_words, message)}" if field else _TYPE_NAMES.sub(_type_words, message)


_TYPE = r"(?:array|object|float|int|str|bool|null)"
_TYPE_NAMES = re.compile(rf"`({_TYPE}(?: \| {_TYPE})*)`")


def _type_words(match: re.Match) -> str:
    """``array | null`` -> ``a list (or nothing)``: msgspec's type names in words (see :func:`decode_message`)."""
    names = match.group(1).split(" | ")
    words = " or ".join(_MSGSPEC_TYPES[f"`{n}`"] for n in names if n != "null") or "nothing"
    return f"{words} (or nothing)" if "null" in names and len(names) > 1 else words


_FILE_KINDS = (  # (kind, top-level tables that mark it, the command that reads it)
    ("backtest file", ("data", "venue"), "liqheat backtest --config"),
    ("live file", ("binance", "execution"), "liqheat live --config"),
    ("sweep grid", ("base", "axes"), "liqheat sweep --grid"),
)


def other_file_kind(decoded: object, path: object, expected: str) -> str:
    """
    Say which command reads a config file of another kind, for the error of the command it was given to.

    A backtest file given to ``liqheat live`` fails as ``unknown field `data```, which does not say that the file is
    of the wrong kind.

    Parameters
    ----------
    decoded : object
        The file decoded without a type (a dict for a TOML, YAML or JSON table).
    path : object
        The file, named in the hint.
    expected : str
        The kind the command reads (``"backtest file"``, ``"live file"`` or ``"sweep grid"``).

    Returns
    -------
    str
        ``"; it is a live file ([binance], [execution]): run it with `liqheat live --config FILE`"``, or ``""`` when
        the file is of no other kind (or of the expected one).
    """
    if not isinstance(decoded, dict):
        return ""
    for kind, tables, command in _FILE_KINDS:
        if kind != expected and all(t in decoded for t in tables):
            marks = ", ".join(f"[{t}]" if isinstance(decoded[t], dict) else t for t in tables)
            return f"; it is a {kind} ({marks}): run it with `{command} {path}`"
    return ""
