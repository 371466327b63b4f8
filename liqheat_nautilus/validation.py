"""Checks of user-given values *before* they reach NautilusTrader's parsers.

Several of Nautilus' string parsers are Rust functions that abort the whole process on a bad value (e.g. an
``oms_type`` of ``"SIDEWAYS"`` or a log level of ``"LOUD"`` end in a Rust panic, exit code 134). Every enum-like
value a user writes in a file or on the command line goes through :func:`enum_name` (or :func:`log_level`) first,
which raises a one-line ``ValueError`` naming the field or option and listing the valid values, taken from
Nautilus' own enums.
"""

import math
from decimal import Decimal, InvalidOperation
from enum import Enum
from numbers import Integral
from typing import Any

from nautilus_trader.core.correctness import PyCondition

from liqheat_nautilus.config_messages import decode_message, type_words
from liqheat_nautilus.file_checks import input_file, output_dir, output_file, wrong_kind

# re-exported: validation.input_file, validation.decode_message, ...
__all__ = ["decode_message", "input_file", "output_dir", "output_file", "type_words", "wrong_kind"]


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
    Parse an ISO-8601 time (naive = UTC; ``""`` = unbounded) with :func:`liqheat_nautilus.replay.parse_time`.

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
    from liqheat_nautilus.replay import parse_time

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


def trader_id(value: str, field: str = "trader_id") -> str:
    """
    Check a Nautilus trader id before ``TraderId`` parses it (its Rust constructor aborts the process on a bad one).

    Parameters
    ----------
    value : str
        E.g. ``"LIQHEAT-001"``: a name and a tag joined by a hyphen, printable ASCII without spaces.
    field : str, default "trader_id"
        The field to name in the error.

    Returns
    -------
    str
        The value as given (as a string), ready for ``TraderId``.

    Raises
    ------
    ValueError
        If the value is not ``NAME-TAG`` in printable ASCII.
    """
    name, hyphen, tag = str(value).partition("-")
    text = str(value)
    if not (hyphen and name and tag and text.isascii() and text.isprintable() and " " not in text):
        raise ValueError(f"{field} must be a name and a tag joined by a hyphen, in ASCII without spaces, e.g. "
                         f"'LIQHEAT-001'; got {value!r}")
    return text


def instrument_id(value: str, field: str):
    """
    Parse a Nautilus instrument id (``SYMBOL.VENUE``), naming the field when it is not one.

    Parameters
    ----------
    value : str
        E.g. ``"BTCUSDT-PERP.BINANCE"``.
    field : str
        The field or option to name in the error.

    Returns
    -------
    nautilus_trader.model.identifiers.InstrumentId

    Raises
    ------
    ValueError
        Naming ``field`` and the form ``SYMBOL.VENUE``, if Nautilus cannot parse it (its reason is kept).
    """
    from nautilus_trader.model.identifiers import InstrumentId

    try:
        return InstrumentId.from_str(str(value))
    except ValueError as exc:
        raise ValueError(f"{field} {value!r} is not a Nautilus instrument id SYMBOL.VENUE such as "
                         f"'SOL-USDT-SWAP.OKX' ({exc})") from exc


def bar_spec(value: str, field: str, instrument: str = "SOL-USDT-SWAP.OKX") -> str:
    """
    Check a bar specification (``STEP-AGGREGATION-PRICE_TYPE``), naming the field when it is not one.

    Parsed as the external bar type it makes with ``instrument`` (Nautilus' ``BarSpecification`` alone refuses
    specifications a catalog holds, such as ``60-SECOND-LAST``).

    Parameters
    ----------
    value, field : str
        The specification (e.g. ``"1-MINUTE-LAST"``) and the field or option to name in the error.
    instrument : str, optional
        The instrument id of the bar type.

    Returns
    -------
    str
        ``value``.

    Raises
    ------
    ValueError
        If Nautilus cannot parse the bar type.
    """
    from nautilus_trader.model.data import BarType

    step = str(value).split("-", 1)[0]
    try:
        if not (step.isdigit() and int(step) > 0):  # Nautilus' parser aborts the process on a step of 0
            raise ValueError(step)
        BarType.from_str(f"{instrument}-{value}-EXTERNAL")
    except ValueError:
        raise ValueError(f"{field} {value!r} is not a bar specification STEP-AGGREGATION-PRICE_TYPE (a step of 1 or "
                         "more), e.g. '1-MINUTE-LAST' or '5-MINUTE-MID'") from None
    return value


def bar_type_step(value: Any, field: str) -> None:
    """
    Refuse a bar type string whose step is 0 before Nautilus parses it (its Rust parser aborts the process on one).

    Parameters
    ----------
    value : Any
        The user's value; only a string of the form ``INSTRUMENT-STEP-AGGREGATION-PRICE_TYPE-SOURCE`` (a composite
        one's first part) is checked, anything else is left to Nautilus' parser.
    field : str
        The field or option to name in the error.

    Raises
    ------
    ValueError
        Naming ``field`` when the step is 0.
    """
    if not isinstance(value, str):
        return
    parts = value.split("@", 1)[0].rsplit("-", 4)
    if len(parts) == 5 and parts[1].strip().isdigit() and int(parts[1]) == 0:
        raise ValueError(f"{field} {value!r} has a step of 0: a bar type is INSTRUMENT-STEP-AGGREGATION-PRICE_TYPE-"
                         "SOURCE with a step of 1 or more, e.g. 'SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL'")


def instrument_ids(values: Any, field: str) -> None:
    """
    Check a list of Nautilus instrument ids (``InstrumentId`` objects or strings), naming the field.

    Parameters
    ----------
    values : list or None
        The ids (``None``: nothing to check).
    field : str
        The field to name in the error, e.g. ``"FundingModuleConfig.instrument_ids"``.

    Raises
    ------
    ValueError
        If ``values`` is one string (it would be read character by character), an entry does not parse, or an id
        is listed more than once (a sum over the list would wait for it forever; a per-instrument module would act
        twice).
    """
    from nautilus_trader.model.identifiers import InstrumentId

    if isinstance(values, str):
        raise ValueError(f"{field} must be a list of instrument ids, got the string {values!r} (use [{values!r}])")
    for value in values or ():
        if not isinstance(value, InstrumentId):
            instrument_id(value, f"{field}:")
    names = [str(v) for v in values or ()]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"{field} lists {', '.join(twice)} more than once; list each instrument once")


def instrument_and_bar_type(config: Any, why: str) -> None:
    """
    Parse a frozen config's ``instrument_id`` and ``bar_type`` given as strings, in place, and check the pair.

    Nautilus parses such strings when it reads a config file; a config built in Python may hold them too. Call it
    from the config's ``__post_init__`` (msgspec runs it on construction, decoding and ``structs.replace``).

    Parameters
    ----------
    config : msgspec.Struct
        A (frozen) config with ``instrument_id`` (``InstrumentId`` or str) and ``bar_type`` (``BarType`` or str).
    why : str
        Why the bars must be the instrument's, ending the error for a ``bar_type`` of another instrument.

    Raises
    ------
    TypeError
        If a field is neither its Nautilus type nor a string (naming ``<config class>.<field>``).
    ValueError
        If a string does not parse, or ``bar_type`` is of another instrument than ``instrument_id`` (naming the
        field).
    """
    from msgspec.structs import force_setattr
    from nautilus_trader.model.data import BarType
    from nautilus_trader.model.identifiers import InstrumentId

    owner = type(config).__name__
    for name, cls in (("instrument_id", InstrumentId), ("bar_type", BarType)):
        value = getattr(config, name)
        if isinstance(value, str):
            if cls is BarType:
                bar_type_step(value, f"{owner}.{name}")
            try:
                force_setattr(config, name, cls.from_str(value))
            except ValueError as exc:
                raise ValueError(f"{owner}.{name}: {value!r} does not parse as {cls.__name__} ({exc})") from None
        elif not isinstance(value, cls):
            raise TypeError(f"{owner}.{name} must be of type {cls.__name__} or str, got {type(value).__name__} "
                            f"{value!r}")
    if config.bar_type.instrument_id != config.instrument_id:
        raise ValueError(f"{owner}.bar_type {config.bar_type} is of instrument {config.bar_type.instrument_id}, not "
                         f"instrument_id {config.instrument_id}: {why}")
