"""Checked table rows into Nautilus bars, open interest and funding.

What the OKX folder ingest and ``liqheat catalog ingest csv`` share, after
:func:`~liqheat_nautilus.persistence.table.read_table` read the rows.

Open interest and funding go through the one normaliser (:mod:`.parsing`); bars through NautilusTrader's
``BarDataWrangler``.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.persistence.wranglers import BarDataWrangler

from liqheat_nautilus.adapters.common.parsing import funding_rate_from_venue, open_interest_from_venue
from liqheat_nautilus.core.units import NS_PER_HOUR
from liqheat_nautilus.data import FundingRate, OpenInterest
from liqheat_nautilus.persistence.checks import (
    finer_than_precision,
    fixed_point_problem,
    line_of,
    require_ohlc_consistent,
    require_positive,
    too_many_decimals,
)
from liqheat_nautilus.persistence.errors import IngestError

OHLCV = ("open", "high", "low", "close", "volume")
"""The bar columns of a table, besides its time column."""


def require_fixed(df: pd.DataFrame, columns: list[str], precision: int, kind: str, path: str | Path,
                  allow_zero: bool = False) -> None:
    """
    Check that prices or quantities can be Nautilus ``Price`` / ``Quantity`` values at ``precision``.

    Parameters
    ----------
    df : pd.DataFrame
        Rows read from a CSV file with a one-line header, ``columns`` already float64, finite and non-negative.
    columns : list[str]
        The price or quantity columns to check.
    precision : int
        Decimal places of the instrument's price (``price_precision``) or size (``size_precision``).
    kind : str
        ``"price"`` or ``"quantity"``.
    path : str or Path
        The file (for error messages).
    allow_zero : bool, default False
        Whether 0 (and values rounding to it at ``precision``) are valid (bar volumes).

    Raises
    ------
    IngestError
        Naming the line and field of the first value :func:`~liqheat_nautilus.persistence.checks.fixed_point_problem`
        refuses.
    """
    for column in columns:
        problem = fixed_point_problem(df[column].to_numpy(), precision, kind, allow_zero)
        if problem is not None:
            raise IngestError(path, problem[1], line_of(problem[0]), column)


def require_price_decimals(df: pd.DataFrame, columns: list[str], instrument, path: str | Path) -> None:
    """
    Refuse a price with more decimal places than the instrument's price precision (``Price`` would round it).

    As the Binance archives' check: a price off the tick but at the precision is kept.

    Parameters
    ----------
    df : pd.DataFrame
        Rows read from a CSV file with a one-line header, ``columns`` already float64 and finite.
    columns : list[str]
        The price columns (e.g. ``open``, ``high``, ``low``, ``close``).
    instrument : Instrument
        The instrument (its ``price_precision`` and ``price_increment``).
    path : str or Path
        The file (for error messages).

    Raises
    ------
    IngestError
        Naming the line and field of the first such price (the earliest line over ``columns``), the value, the
        precision and the tick.
    """
    precision = instrument.price_precision
    found = [(pos, column) for column in columns
             if (pos := finer_than_precision(df[column].to_numpy(), precision)) is not None]
    if found:
        pos, column = min(found)
        every = np.concatenate([df[c].to_numpy(dtype=np.float64) for c in columns])  # what the tick must fit
        fine = too_many_decimals(df[column].to_numpy(), precision, "price", instrument.price_increment, every)
        assert fine is not None  # the column holds the price found above
        raise IngestError(path, fine[1], line_of(pos), column)


BAR_TIMES = ("open", "close")
"""What a bar file's time column may be: the bar's open time (the default) or its close time."""


MIN_STEPS_SEEN = 10
"""Rows of a bar file (less one) from which a file none of whose rows are one bar apart is refused as bars of another
length: fewer may be a sparse sample."""


def bars_of_table(df: pd.DataFrame, times_ns: np.ndarray, path: str | Path, bar_type: BarType, instrument,
                  step_ns: int, time_column: str = "ts", on_boundaries: bool = False,
                  bar_time: str = "open") -> list[Bar]:
    """
    Turn checked OHLCV rows into Nautilus bars stamped at the bar *close*.

    Parameters
    ----------
    df : pd.DataFrame
        Rows with float64 ``open``, ``high``, ``low``, ``close``, ``volume``.
    times_ns : np.ndarray, shape (n,)
        The rows' times (UNIX ns), strictly increasing: the bars' open times (``bar_time="open"``: the bars are
        stamped at ``times_ns + step_ns``) or their close times (``bar_time="close"``: stamped at ``times_ns``).
    path : str or Path
        The file, for messages.
    bar_type : BarType
        The bar type written.
    instrument : Instrument
        For price and size precision.
    step_ns : int
        The bar's length (ns).
    time_column : str, default "ts"
        Named in messages.
    on_boundaries : bool, default False
        Require every time (open or close) on a multiple of ``step_ns`` since the epoch (UTC), as exchanges'
        candles are.
    bar_time : {"open", "close"}, default "open"
        What ``times_ns`` are (see there).

    Returns
    -------
    list[Bar]
        Sorted by ``ts_init``; ``ts_event == ts_init`` is the bar close (UNIX ns).

    Raises
    ------
    IngestError
        For a non-positive price, a negative volume, a value Nautilus cannot hold at the instrument's precision, a
        price with more decimal places than it (a volume, a sum, may have them: it is rounded), an inconsistent
        OHLC row or (``on_boundaries``) a time off the bar's grid (naming file, line and field).
    ValueError
        If ``bar_time`` is not one of :data:`BAR_TIMES` (a programming error: the callers check their option).
    """
    if bar_time not in BAR_TIMES:
        raise ValueError(f"bar_time must be one of {BAR_TIMES}, got {bar_time!r}")
    require_positive(df, ["open", "high", "low", "close"], path)
    require_positive(df, ["volume"], path, allow_zero=True)
    require_fixed(df, ["open", "high", "low", "close"], instrument.price_precision, "price", path)
    require_price_decimals(df, ["open", "high", "low", "close"], instrument, path)
    require_fixed(df, ["volume"], instrument.size_precision, "quantity", path, allow_zero=True)
    require_ohlc_consistent(df, path)
    if on_boundaries and (off := times_ns % step_ns).any():
        pos = int(np.flatnonzero(off)[0])
        when = pd.Timestamp(int(times_ns[pos]), unit="ns").strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        verb = "opening" if bar_time == "open" else "closing"
        raise IngestError(path, f"a bar {verb} at {when} is not on a {bar_type.spec} boundary (UTC): the rows are "
                                f"not such bars, or the time is not the bar's {bar_time}", line_of(pos), time_column)
    steps = np.diff(times_ns)
    if on_boundaries and len(steps) >= MIN_STEPS_SEEN and steps.min() > step_ns:
        # hourly rows given as 1-MINUTE bars were on the minute grid too: stored as minute bars an hour apart
        minutes = int(steps.min()) / 60e9
        closest = f"{minutes / 60:g} h" if minutes >= 60 else f"{minutes:g} min"
        raise IngestError(path, f"no two of the {len(times_ns)} rows are one {bar_type.spec} bar apart (the closest "
                                f"are {closest} apart): the rows are not such bars", line_of(1), time_column)
    frame = df[list(OHLCV)].copy()
    close_ns = times_ns + step_ns if bar_time == "open" else times_ns
    frame.index = pd.to_datetime(close_ns, unit="ns", utc=True)
    return BarDataWrangler(bar_type, instrument).process(frame)


def open_interest_of_table(df: pd.DataFrame, ts_ns: np.ndarray, path: str | Path, instrument_id, venue: str,
                           columns: dict[str, str], contract_size: float = 1.0, inverse: bool = False,
                           prices: np.ndarray | None = None) -> list[OpenInterest]:
    """
    Turn checked open-interest rows into :class:`OpenInterest` through the normaliser.

    Parameters
    ----------
    df : pd.DataFrame
        Rows with float64 figure columns (``nan``: not reported).
    ts_ns : np.ndarray, shape (n,)
        Observation times (UNIX ns).
    path : str or Path
        The file, for messages.
    instrument_id : InstrumentId
        The perpetual.
    venue : str
        ``OpenInterest.venue``.
    columns : dict[str, str]
        ``{"usd" | "contracts" | "base": column}``: the figures the file has.
    contract_size : float, default 1.0
        The instrument's ``multiplier`` (base units per contract, or USD per contract when ``inverse``).
    inverse : bool, default False
        Coin-margined contract.
    prices : np.ndarray, optional
        Price at each observation (``nan`` when unknown), to value rows that have no USD figure (rows with one keep
        the others as reported): a linear contract's USD from base units, an inverse one's coin amount from its
        USD value (contracts x size). Given, such a row must have a price.

    Returns
    -------
    list[OpenInterest]
        One per row, in time order (the normaliser's units: USD, contracts, base).

    Raises
    ------
    IngestError
        For a negative or implausibly large figure, a row whose USD value cannot be known, or (with ``prices``) a row
        of an inverse contract without a USD figure whose coin amount no price values (naming file, line and
        field).
    """
    figures = {name: df[column].to_numpy(dtype=np.float64) for name, column in columns.items()}
    items: list[OpenInterest] = []
    for pos, t in enumerate(ts_ns.tolist()):
        row = {name: float(values[pos]) for name, values in figures.items()}
        # a price only values a row without USD: with USD reported, missing figures stay unknown, as the OKX folder's
        price = float(prices[pos]) if prices is not None and np.isnan(row.get("usd", np.nan)) else None
        field = next((columns[n] for n, v in row.items() if not np.isnan(v)), next(iter(columns.values())))
        try:
            item = open_interest_from_venue(instrument_id, venue, contract_size=contract_size, inverse=inverse,
                                            ts_event=t,
                                            ts_init=t, price=price, **row)
        except ValueError as exc:
            raise IngestError(path, str(exc), line_of(pos), field) from None
        if item is None:
            why = "no figure" if all(np.isnan(v) for v in row.values()) else \
                "no USD value and no price to derive it (give the bars too, or a USD column)"
            raise IngestError(path, f"open interest unknown: {why}", line_of(pos), field)
        if price is not None and np.isnan(item.open_interest_base):  # inverse: coin = USD / price, none known yet
            raise IngestError(path, "open interest in coin unknown: an inverse contract's coin amount is its USD "
                                    "value / price, and no bar has closed by this time to price it (give the bars "
                                    "too, or an open_interest_base column)", line_of(pos), field)
        if prices is not None:
            _check_usd_agrees(row, columns, float(prices[pos]), contract_size, inverse, path, pos)
        items.append(item)
    return items


OI_UNIT_TOLERANCE = 2.0
"""How far (a factor, up or down) a row's USD open interest may lie from its contracts or base units valued at the
price: beyond it one of the columns is in another unit (USD labelled contracts: a map sized 65 times too large)."""


def _check_usd_agrees(row: dict[str, float], columns: dict[str, str], price: float, contract_size: float,
                      inverse: bool, path: str | Path, pos: int) -> None:
    """
    Refuse a row whose reported USD and contracts (or base units) disagree by more than :data:`OI_UNIT_TOLERANCE`.

    The map sizes a linear contract's positions by its base units when they are known, so a USD figure in the
    contracts column went in silently as a map tens of times too large. Rows without both figures, or without a
    price (``nan``: no bar closed yet), are not checked.

    Parameters
    ----------
    row : dict[str, float]
        The row's figures by kind (``usd``, ``contracts``, ``base``; ``nan``: not reported).
    columns : dict[str, str]
        The file's column of each kind, for the message.
    price : float
        The close of the last bar closed by the row's time (quote currency; ``nan`` when none has).
    contract_size : float
        Base units per contract (linear) or USD per contract (inverse).
    inverse : bool
        Coin-margined contract.
    path : str or Path
        The file, for the message.
    pos : int
        The row's position (0-based data row).

    Raises
    ------
    IngestError
        Naming the file, line and the non-USD field, both figures, the price and the USD they make.
    """
    usd, contracts, base = (row.get(k, np.nan) for k in ("usd", "contracts", "base"))
    if not (np.isfinite(usd) and usd > 0.0 and np.isfinite(price) and price > 0.0):
        return
    at = f"price {price:g} (the close of the last bar by then)"
    if inverse and np.isfinite(contracts):  # USD = contracts x USD per contract
        field, implied, how = "contracts", contracts * contract_size, f"{contract_size:g} USD per contract"
    elif np.isfinite(base):
        field, implied, how = "base", base * price, at
    elif np.isfinite(contracts):
        field, implied, how = "contracts", contracts * contract_size * price, f"{contract_size:g} per contract x {at}"
    else:
        return
    if implied > 0.0 and 1.0 / OI_UNIT_TOLERANCE <= usd / implied <= OI_UNIT_TOLERANCE:
        return
    raise IngestError(path, f"{columns['usd']} {usd:,.10g} disagrees with {columns[field]} {row[field]:,.10g}, which "
                            f"at {how} is {implied:,.0f} USD ({_times(usd, implied)}): a column holds another "
                            "unit (USD in a contracts column?); give only the columns whose unit you know",
                      line_of(pos), columns[field])


def _times(usd: float, implied: float) -> str:
    """``"N times that"`` for the message (``"none of it"`` when the units give 0)."""
    return f"{usd / implied:.3g} times that" if implied > 0.0 else "against none"


def funding_of_table(df: pd.DataFrame, ts_ns: np.ndarray, path: str | Path, instrument_id, rate_column: str,
                     interval_hours: float, time_column: str = "timestamp") -> list[FundingRate]:
    """
    Turn checked funding rows (a fraction per interval, stamped at the funding time) into :class:`FundingRate`.

    ``next_funding_ns`` is the row's time + one interval.

    Parameters
    ----------
    df : pd.DataFrame
        The file's checked rows (``rate_column`` a fraction per interval).
    ts_ns : np.ndarray
        Shape ``(n,)`` int64 funding times (UNIX ns), increasing.
    path : str or Path
        The file (for errors).
    instrument_id : InstrumentId
        The perpetual.
    rate_column, time_column : str
        The rate's and the time's column names (for errors).
    interval_hours : float
        Funding interval (hours) of every row.

    Returns
    -------
    list[FundingRate]

    Raises
    ------
    IngestError
        For a rate beyond +-100 % per interval (naming file, line and field), or rows closer together than 0.9
        interval (naming the first such line): each row is one settlement of ``interval_hours``, so a file of 4-hourly
        settlements read as 8-hourly would charge every position twice the funding (give the venue's interval).
    """
    interval_ns = interval_hours * NS_PER_HOUR
    close = np.flatnonzero(np.diff(ts_ns) < 0.9 * interval_ns)
    if close.size:
        pos = int(close[0]) + 1
        apart = (int(ts_ns[pos]) - int(ts_ns[pos - 1])) / NS_PER_HOUR
        raise IngestError(path, f"{close.size:,} funding row(s) follow the previous one by less than the funding "
                                f"interval of {interval_hours:g} h (this one by {apart:g} h): each row is one "
                                "settlement, so every position would pay too often; give the venue's interval "
                                "(--funding-interval-hours) or one row per settlement", line_of(pos), time_column)
    items = []
    for pos, (t, r) in enumerate(zip(ts_ns.tolist(), df[rate_column].tolist(), strict=True)):
        try:
            items.append(funding_rate_from_venue(instrument_id, r, interval_hours=interval_hours, ts_event=t,
                                                 ts_init=t))
        except ValueError as exc:
            raise IngestError(path, str(exc), line_of(pos), rate_column) from None
    return items
