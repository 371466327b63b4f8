"""Readers for the plain-CSV inputs of ``liqheat evaluate`` (bars, open interest, funding, liquidations).

Formats (one header line; extra columns are ignored; times are UTC):

* bars: ``timestamp,open,high,low,close,volume`` with ``timestamp`` the bar **open** time; the bar length is
  the most common spacing of the timestamps.
* open interest: ``timestamp,oi_usd`` (observation time, USD notional; ``open_interest_usd``, the name of
  ``liqheat catalog ingest csv`` files, is read too).
* funding: ``timestamp,rate`` (observation time, fraction per funding interval: 0.0001 = 0.01 %; or
  ``funding_rate``, as for ``liqheat catalog ingest csv``).
* liquidations: ``timestamp,long_usd,short_usd`` with ``timestamp`` the window **start**; the window length is
  the most common spacing of the timestamps.
* taker volume (optional): ``timestamp,buy_usd,sell_usd`` with ``timestamp`` the period **start** (observed at
  the period end = start + the most common spacing).

A ``timestamp`` is either an ISO-8601 string (naive strings are UTC; offsets such as ``+02:00`` are converted) or an
integer number of seconds, milliseconds, microseconds or nanoseconds since the UNIX epoch: the unit is told by the
magnitude of the file's first timestamp (:class:`~liqheat_nautilus.persistence.timestamps.EpochUnit`), and every
time must lie between 2009-01-01 and now + 1 day.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from liqheat_nautilus.evaluation.series import BarSeries, LiquidationWindows, Observations, TakerFlow
from liqheat_nautilus.persistence.checks import (
    line_of,
    require_columns,
    require_ohlc_consistent,
    require_positive,
    to_numeric,
)
from liqheat_nautilus.persistence.csv_stream import check_lines
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.timestamps import EpochUnit, check_ns_window


def read_csv(path: str | Path, columns: list[str]) -> pd.DataFrame:
    """
    Read a CSV and check it has the columns and at least one row.

    Parameters
    ----------
    path : str or Path
        The file.
    columns : list[str]
        Required column names.

    Returns
    -------
    pandas.DataFrame
        All columns as read (strings where pandas cannot infer numbers; a blank cell stays ``''``, not NaN, so an
        error shows the cell as written, as ``liqheat catalog ingest csv`` does).

    Raises
    ------
    IngestError
        If the file is missing, unreadable, empty or lacks a column, or has a blank line between rows (pandas
        would skip it and every later row's line number would be off;
        :func:`~liqheat_nautilus.persistence.csv_stream.check_lines`).
    """
    path = Path(path)
    if not path.is_file():
        raise IngestError(path, "is a folder, not a CSV file" if path.is_dir() else "file not found")
    check_lines(path)
    try:
        df = pd.read_csv(path, keep_default_na=False)  # a blank cell was "not a finite number: nan"
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise IngestError(path, f"cannot be read as CSV: {exc}") from exc
    require_columns(df, columns, path)
    if df.empty:
        raise IngestError(path, "has a header but no rows")
    return df


def parse_timestamps(values: pd.Series, path: str | Path, field: str = "timestamp") -> np.ndarray:
    """
    Parse a timestamp column to UNIX nanoseconds and check it is strictly increasing.

    Parameters
    ----------
    values : pandas.Series
        ISO-8601 strings (naive = UTC) or integer epoch times in seconds, milliseconds, microseconds or
        nanoseconds (one unit per file, told by the first row's magnitude).
    path : str or Path
        The file (for error messages).
    field : str
        The column name (for error messages).

    Returns
    -------
    np.ndarray
        Shape ``(n,)`` int64 nanoseconds.

    Raises
    ------
    IngestError
        Naming the line of the first unparseable, repeated or decreasing timestamp, or of the first time outside
        2009-01-01 ... now + 1 day (e.g. a row in another epoch unit).
    """
    numeric = pd.api.types.is_numeric_dtype(values)
    if numeric or pd.notna(pd.to_numeric(values.iloc[:1], errors="coerce")).all():  # epoch times (text: a blank cell)
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(numbers) | (numbers != np.round(numbers))
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise IngestError(path, f"not an integer epoch timestamp: {_plain(values.iloc[pos])!r}", line_of(pos),
                              field)
        whole = values if numeric else pd.to_numeric(values)  # int64 from the text, exact to the nanosecond
        ns = EpochUnit(path).to_ns(whole.to_numpy(dtype=np.int64), line_of(0), field)
    else:
        parsed = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
        bad = parsed.isna().to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise IngestError(path, f"not an ISO-8601 timestamp: {values.iloc[pos]!r}", line_of(pos), field)
        ns = parsed.dt.as_unit("ns").astype("int64").to_numpy()
        check_ns_window(ns, path, line_of(0), field)
    steps = np.diff(ns)
    if np.any(steps <= 0):
        pos = int(np.flatnonzero(steps <= 0)[0]) + 1
        kind = "repeats the previous row" if steps[pos - 1] == 0 else "is earlier than the previous row"
        raise IngestError(path, f"timestamp {_plain(values.iloc[pos])!r} {kind}", line_of(pos), field)
    return ns


def _plain(value):
    """Return a cell as a plain Python value (``1759766400``, not ``np.int64(1759766400)``) for messages."""
    return value.item() if isinstance(value, np.generic) else value


def typical_step_ns(ts_ns: np.ndarray, path: str | Path) -> int:
    """
    Return the most common spacing of a timestamp column (the bar or window length).

    Parameters
    ----------
    ts_ns : np.ndarray
        Shape ``(n,)`` int64 nanoseconds, strictly increasing, n >= 2.
    path : str or Path
        The file (for error messages).

    Returns
    -------
    int
        Nanoseconds.

    Raises
    ------
    IngestError
        If there are fewer than two rows.
    """
    if ts_ns.size < 2:
        raise IngestError(path, "needs at least two rows to infer the bar or window length")
    values, counts = np.unique(np.diff(ts_ns), return_counts=True)
    return int(values[np.argmax(counts)])


def read_bars_csv(path: str | Path) -> BarSeries:
    """
    Read bars ``timestamp,open,high,low,close,volume`` (``timestamp`` = bar open time).

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    BarSeries
        Close time = open time + the most common timestamp spacing.

    Raises
    ------
    IngestError
        Naming the file, line and field of the first bad value.
    """
    cols = ["open", "high", "low", "close", "volume"]
    df = read_csv(path, ["timestamp", *cols])
    ts = parse_timestamps(df["timestamp"], path)
    to_numeric(df, cols, path)
    require_positive(df, ["open", "high", "low", "close"], path)
    require_positive(df, ["volume"], path, allow_zero=True)
    require_ohlc_consistent(df, path)
    step = typical_step_ns(ts, path)
    return BarSeries(ts, ts + step, *(df[c].to_numpy(dtype=np.float64) for c in cols))


def read_observations_csv(path: str | Path, value_column: str, scale: float = 1.0,
                          offset_ns: int = 0, allow_negative: bool = False,
                          aliases: tuple[str, ...] = ()) -> Observations:
    """
    Read point observations ``timestamp,<value_column>``.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    value_column : str
        Column holding the value (e.g. ``oi_usd``, ``rate``).
    scale : float, default 1.0
        Factor applied to the values (e.g. 0.01 for percent to fraction).
    offset_ns : int, default 0
        Added to every timestamp (e.g. a bar length when the file stamps the bar open but the value is the
        bar's close).
    allow_negative : bool, default False
        Accept negative values (funding rates).
    aliases : tuple[str, ...], default ()
        Other names of the value column, read when ``value_column`` is absent (e.g. ``open_interest_usd`` and
        ``funding_rate``, the names of ``liqheat catalog ingest csv`` files, so the same files serve both).

    Returns
    -------
    Observations

    Raises
    ------
    IngestError
        Naming the file, line and field of the first bad value; for a file with neither the column nor an alias,
        naming both and the columns it has.
    """
    df = read_csv(path, ["timestamp"])
    if value_column not in df.columns:
        alias = next((a for a in aliases if a in df.columns), None)
        if alias is None:
            others = f" (or {' / '.join(aliases)})" if aliases else ""
            raise IngestError(path, f"missing column{others}; found {list(df.columns)}", field=value_column)
        df = df.rename(columns={alias: value_column})
    ts = parse_timestamps(df["timestamp"], path)
    to_numeric(df, [value_column], path)
    if not allow_negative:
        require_positive(df, [value_column], path, allow_zero=True)
    return Observations(ts + int(offset_ns), df[value_column].to_numpy(dtype=np.float64) * scale,
                        f"{Path(path).name}:{value_column}")


def read_liquidations_csv(path: str | Path) -> LiquidationWindows:
    """
    Read actual liquidations ``timestamp,long_usd,short_usd`` (``timestamp`` = window start).

    Parameters
    ----------
    path : str or Path
        One row per window: its start, and the long and short notional liquidated in it (USD, >= 0).

    Returns
    -------
    LiquidationWindows
        Window end = start + the most common timestamp spacing.

    Raises
    ------
    IngestError
        For a missing column, or a time or USD value that does not parse or is negative (file, line, field named).
    """
    ts, step, long_usd, short_usd = _read_usd_pair(path, "long_usd", "short_usd")
    return LiquidationWindows(ts, ts + step, long_usd, short_usd)


def read_taker_csv(path: str | Path) -> TakerFlow:
    """
    Read taker volume ``timestamp,buy_usd,sell_usd`` (``timestamp`` = period start).

    Parameters
    ----------
    path : str or Path
        One row per period: its start, and the notional bought and sold by takers in it (USD, >= 0).

    Returns
    -------
    TakerFlow
        Observed at period end = start + the most common timestamp spacing.

    Raises
    ------
    IngestError
        Naming the file, line and field of the first bad value.
    """
    ts, step, buy_usd, sell_usd = _read_usd_pair(path, "buy_usd", "sell_usd")
    return TakerFlow(ts + step, buy_usd, sell_usd)


def _read_usd_pair(path: str | Path, first: str, second: str) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """
    Read ``timestamp`` and two non-negative USD columns.

    Returns
    -------
    tuple
        ``(start_ns, step_ns, first_usd, second_usd)``: period starts (UNIX ns, int64), the most common spacing
        (ns) and the two columns as float64 arrays of shape ``(n,)``.

    Raises
    ------
    IngestError
        Naming the file, line and field of the first bad value.
    """
    df = read_csv(path, ["timestamp", first, second])
    ts = parse_timestamps(df["timestamp"], path)
    to_numeric(df, [first, second], path)
    require_positive(df, [first, second], path, allow_zero=True)
    return (ts, typical_step_ns(ts, path), df[first].to_numpy(dtype=np.float64),
            df[second].to_numpy(dtype=np.float64))
