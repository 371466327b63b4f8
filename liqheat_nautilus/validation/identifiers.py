"""Checks of identifiers and bar types (trader, instrument, bar specification) before Nautilus parses them."""

from typing import Any


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
