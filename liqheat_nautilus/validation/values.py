"""Checks of single values: enum names, log levels, UTC times, money, numbers, the funding interval."""

import math
from decimal import Decimal, InvalidOperation
from enum import Enum
from numbers import Integral
from typing import Any

from nautilus_trader.core.correctness import PyCondition

from liqheat_nautilus.times import parse_time


def enum_names(enum_cls: type[Enum], exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    """
    Return the member names of an enum (e.g. Nautilus' ``OmsType``), in definition order.

    Parameters
    ----------
    enum_cls : type[Enum]
        The enum.
    exclude : tuple[str, ...], default ()
        Names not offered to users (e.g. ``"UNSPECIFIED"``).

    Returns
    -------
    tuple[str, ...]
    """
    return tuple(m.name for m in enum_cls if m.name not in exclude)


def enum_name(value: str, enum_cls: type[Enum], field: str, exclude: tuple[str, ...] = (),
              exact: bool = False) -> str:
    """
    Check that ``value`` names a member of ``enum_cls`` (case-insensitive, as Nautilus' parsers read them).

    Parameters
    ----------
    value : str
        The user's value.
    enum_cls : type[Enum]
        The Nautilus enum (``OmsType``, ``AccountType``, ``LogLevel``, ...).
    field : str
        The field or option to name in the error (e.g. ``"[venue] oms_type"`` or ``"--log-level"``).
    exclude : tuple[str, ...], default ()
        Member names that are not valid here.
    exact : bool, default False
        Require the exact (upper-case) name.

    Returns
    -------
    str
        The member name, upper case.

    Raises
    ------
    ValueError
        ``"<field> must be one of A, B, C; got 'x'"`` when it names no (allowed) member.
    """
    names = enum_names(enum_cls, exclude)
    name = value.strip().upper() if isinstance(value, str) and not exact else value
    if name not in names:
        raise ValueError(f"{field} must be one of {', '.join(names)}; got {value!r}")
    return name


def log_level(value: str, field: str = "--log-level") -> str:
    """
    Check a Nautilus log level name (``LoggingConfig.log_level``) against Nautilus' ``LogLevel`` enum.

    Parameters
    ----------
    value : str
        E.g. ``"info"`` or ``"ERROR"``.
    field : str, default "--log-level"
        The option or field to name in the error.

    Returns
    -------
    str
        The level name, upper case (``"OFF"``, ``"TRACE"``, ``"DEBUG"``, ``"INFO"``, ``"WARNING"``, ``"ERROR"``).

    Raises
    ------
    ValueError
        If it is not a level name (Nautilus' own parser would abort the process).
    """
    from nautilus_trader.common.enums import LogLevel

    return enum_name(value, LogLevel, field)


def utc_time(value: str, field: str) -> int | None:
    """
    Parse an ISO-8601 time (naive = UTC; ``""`` = unbounded) with :func:`liqheat_nautilus.times.parse_time`.

    Parameters
    ----------
    value : str
        E.g. ``"2026-06-20"`` or ``"2026-06-20T12:00:00Z"``.
    field : str
        The field to name in the error.

    Returns
    -------
    int or None
        UNIX nanoseconds, ``None`` for ``""``.

    Raises
    ------
    ValueError
        If the text is not a time (the message starts with ``field``).
    """
    try:
        return parse_time(value)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from exc


def time_range(start: str, end: str, field: str) -> tuple[int | None, int | None]:
    """
    Parse a ``start`` / ``end`` pair and check that the range is not empty.

    Parameters
    ----------
    start, end : str
        ISO-8601 UTC times, ``""`` = unbounded.
    field : str
        Where they are (e.g. ``"[data]"``), for the error.

    Returns
    -------
    tuple
        ``(start, end)`` in UNIX nanoseconds, or ``None``.

    Raises
    ------
    ValueError
        If a time does not parse or ``end`` is not after ``start``.
    """
    lo, hi = utc_time(start, f"{field} start"), utc_time(end, f"{field} end")
    if lo is not None and hi is not None and hi <= lo:
        raise ValueError(f"{field} end ({end}) must be after start ({start})")
    return lo, hi


def money(value: str, field: str):
    """
    Parse a positive amount of a currency Nautilus knows, e.g. ``"100000 USDT"`` (a starting balance).

    Parameters
    ----------
    value : str
        ``"<amount> <CURRENCY>"``.
    field : str
        The field to name in the error.

    Returns
    -------
    nautilus_trader.model.objects.Money

    Raises
    ------
    ValueError
        If the text is not ``<amount> <CURRENCY>``, the amount is not a finite positive number or is beyond
        Nautilus' ``MONEY_MAX``, or the currency is not one of Nautilus' currencies.
    """
    from nautilus_trader.model.objects import MONEY_MAX, Currency, Money

    parts = str(value).split()
    if len(parts) != 2:
        raise ValueError(f"{field} must look like '100000 USDT' (amount, space, currency code); got {value!r}")
    amount_text, code = parts
    try:
        amount = Decimal(amount_text.replace("_", ""))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount <= 0 or amount > Decimal(str(MONEY_MAX)):
        raise ValueError(f"{field}: the amount must be a positive number up to {MONEY_MAX:,.0f}; got {value!r}")
    currency = Currency.from_str(code.upper(), strict=True)
    if currency is None:
        raise ValueError(f"{field}: {code!r} is not a currency Nautilus knows (e.g. USDT, USDC, USD, BTC, ETH)")
    return Money(amount, currency)


def balances(values: list[str], field: str) -> list:
    """
    Parse starting balances: at least one, each a :func:`money` amount, each currency once.

    Parameters
    ----------
    values : list[str]
        E.g. ``["100000 USDT", "1 BTC"]``.
    field : str
        The field to name in the error, e.g. ``"[venue] starting_balances"``.

    Returns
    -------
    list[nautilus_trader.model.objects.Money]

    Raises
    ------
    ValueError
        If the list is empty, an entry is not a :func:`money` amount, or a currency is given twice (Nautilus would
        keep the last one only, silently).
    """
    if not values:
        raise ValueError(f"{field} is empty; give e.g. ['100000 USDT']")
    parsed: list = []
    first: dict[str, int] = {}
    for i, value in enumerate(values):
        amount = money(value, f"{field}[{i}]")
        code = amount.currency.code
        if code in first:
            raise ValueError(f"{field}[{i}] {value!r}: {code} is already given by {field}[{first[code]}] "
                             f"{values[first[code]]!r}; give each currency once (only the last would count)")
        first[code] = i
        parsed.append(amount)
    return parsed



def number(value: str | float, option: str, minimum: float | None = None, integer: bool = False,
           exclusive: bool = False, maximum: float | None = None) -> float | int:
    """
    Parse a finite number given on the command line or in a file, with a lower bound.

    Parameters
    ----------
    value : str or float
        The user's value.
    option : str
        The option or field to name in the error (e.g. ``"--chunk-rows"``).
    minimum : float, optional
        Lowest valid value.
    integer : bool, default False
        Require a whole number (returned as ``int``).
    exclusive : bool, default False
        ``minimum`` itself is not valid.
    maximum : float, optional
        Highest valid value (itself valid).

    Returns
    -------
    float or int

    Raises
    ------
    ValueError
        ``"<option> must be a <kind> ...; got 'x'"``.
    """
    kind = "whole number" if integer else "number"
    bounds = [] if minimum is None else [f"{'>' if exclusive else '>='} {minimum:g}"]
    if maximum is not None:
        bounds.append(f"<= {maximum:g}")
    bound = f" {' and '.join(bounds)}" if bounds else ""
    message = f"{option} must be a {kind}{bound}; got {value!r}"
    try:
        parsed = float(value)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not math.isfinite(parsed) or (integer and parsed != int(parsed)):
        raise ValueError(message)
    if minimum is not None and (parsed < minimum or (exclusive and parsed == minimum)):
        raise ValueError(message)
    if maximum is not None and parsed > maximum:
        raise ValueError(message)
    return int(parsed) if integer else parsed


FUNDING_INTERVAL_MAX_HOURS = 24.0 * 7
"""The longest funding interval accepted (hours): a week; venues settle every 1, 4 or 8 hours."""


def whole_number(value: Any, field: str, positive: bool) -> int:
    """
    Check a config's whole-number field when the config is built in Python.

    The field is typed Nautilus ``PositiveInt`` / ``NonNegativeInt``, which msgspec applies when a file is decoded
    but not when the config is built in Python (``0.5`` was accepted and truncated to 0): this applies the same
    range there with ``PyCondition``.

    Parameters
    ----------
    value : Any
        The field's value.
    field : str
        Its name in the message, e.g. ``"LiquidationMapActorConfig.warmup_timeout_secs"``.
    positive : bool
        ``> 0`` (``PositiveInt``) when True, else ``>= 0`` (``NonNegativeInt``).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If the value is not a whole number (a bool is not) or is out of range, naming ``field``.
    """
    if not isinstance(value, Integral) or isinstance(value, bool):
        raise ValueError(f"{field} must be a whole number, got {value!r}")
    check = PyCondition.positive_int if positive else PyCondition.not_negative_int
    check(int(value), field)  # Nautilus' check takes a Python int only (not a numpy integer)
    return int(value)


def funding_interval_hours(value: str | float, field: str = "funding_interval_hours") -> float:
    """
    Parse a funding interval in hours: a finite number > 0 and at most :data:`FUNDING_INTERVAL_MAX_HOURS`.

    Parameters
    ----------
    value : str or float
        The user's value.
    field : str, default "funding_interval_hours"
        The option or field to name in the error (e.g. ``"--funding-interval-hours"``).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        ``"<field> must be a number > 0 and <= 168; got 'x'"``.
    """
    return float(number(value, field, minimum=0.0, exclusive=True, maximum=FUNDING_INTERVAL_MAX_HOURS))
