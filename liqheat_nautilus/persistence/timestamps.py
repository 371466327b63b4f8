"""Epoch timestamps of a file's own unit (s, ms, µs or ns, told apart by magnitude) to checked UNIX nanoseconds.

Exchange files carry epoch times in different units: Binance futures archives in milliseconds, Binance spot files
from 2025-01-01 on in microseconds (Binance announcement "Binance Data: spot data in microseconds", 2025), other
exports in seconds or nanoseconds. For any date in the accepted window the four units differ by factors of 1000, so
the first timestamp of a file tells its unit: in seconds a time of 2009 … 2100 is about 1.2e9 … 4.1e9, in
milliseconds 1.2e12 … 4.1e12, in microseconds 1.2e15 … 4.1e15, in nanoseconds 1.2e18 … 4.1e18.

The unit is decided once per file (:class:`EpochUnit`), and every row is then checked against the window
:data:`EARLIEST_NS` … now + 1 day: a row in another unit (1970 or year 50,000 once scaled) or a corrupt value is
an error naming the file, line and field instead of a bar in 1970 or an int64 overflow in Nautilus.
"""

import time
from pathlib import Path

import numpy as np

from liqheat_nautilus.core.units import NS_PER_DAY, NS_PER_MS, NS_PER_SECOND, NS_PER_US
from liqheat_nautilus.persistence.errors import IngestError

EARLIEST_NS = 1_230_768_000 * NS_PER_SECOND
"""2009-01-01T00:00:00Z: no crypto market data is older (the Bitcoin genesis block is of 2009-01-03)."""

UNITS: tuple[tuple[str, int], ...] = (("s", NS_PER_SECOND), ("ms", NS_PER_MS), ("us", NS_PER_US), ("ns", 1))
"""Epoch units and their nanoseconds, from the coarsest."""


def latest_ns() -> int:
    """
    Return the latest accepted time: now + 1 day (UNIX ns).

    Returns
    -------
    int
    """
    return time.time_ns() + NS_PER_DAY


def _utc(ns: int) -> str:
    return str(np.datetime64(int(ns), "ns"))[:19] + "Z"


def window_text() -> str:
    """
    Return the accepted window, for messages: ``"2009-01-01 ... 2026-07-02 (now + 1 day)"``.

    Returns
    -------
    str
    """
    return f"{_utc(EARLIEST_NS)[:10]} ... {_utc(latest_ns())[:10]} (now + 1 day)"


def detect_unit(value: int) -> tuple[str, int] | None:
    """
    Return the unit in which an epoch value is a time in the accepted window.

    Parameters
    ----------
    value : int
        An epoch timestamp of unknown unit.

    Returns
    -------
    tuple[str, int] or None
        ``(name, nanoseconds per unit)``, e.g. ``("ms", 1_000_000)``; ``None`` when no unit fits.
    """
    value, latest = int(value), latest_ns()
    for name, scale in UNITS:
        if EARLIEST_NS <= value * scale <= latest:
            return name, scale
    return None


class EpochUnit:
    """
    The epoch unit of one file, decided by its first timestamp; converts and range-checks every row.

    Parameters
    ----------
    path : str or Path
        The file (for error messages).
    unit : str, optional
        Force a unit (``"s"``, ``"ms"``, ``"us"``, ``"ns"``) instead of detecting it.

    Attributes
    ----------
    name : str or None
        The unit once known.
    scale : int or None
        Nanoseconds per unit once known.
    iso : bool
        The file's times are ISO-8601 date-times (set by :func:`text_times_ns` once it has read some).
    """

    def __init__(self, path: str | Path, unit: str | None = None) -> None:
        self.path = str(path)
        self.name: str | None = unit
        self.scale: int | None = dict(UNITS)[unit] if unit else None
        self.iso = False

    def to_ns(self, values: np.ndarray, first_line: int, field: str) -> np.ndarray:
        """
        Convert a block of epoch values to UNIX ns, checking each against the accepted window.

        Parameters
        ----------
        values : np.ndarray, shape (n,)
            Integer epoch timestamps in the file's unit.
        first_line : int
            1-based file line of ``values[0]``.
        field : str
            The column name.

        Returns
        -------
        np.ndarray, shape (n,), int64
            UNIX nanoseconds.

        Raises
        ------
        IngestError
            Naming the line and field of the first value that fits no unit (first row of the file) or falls
            outside 2009-01-01 … now + 1 day in the file's unit.
        """
        values = np.asarray(values, dtype=np.int64)
        if not len(values):
            return values
        if self.scale is None:
            found = detect_unit(int(values[0]))
            if found is None:
                raise IngestError(self.path, f"timestamp {int(values[0])} is no time in {window_text()} in seconds, "
                                             "milliseconds, microseconds or nanoseconds", row=first_line, field=field)
            self.name, self.scale = found
        low = -(-EARLIEST_NS // self.scale)
        high = latest_ns() // self.scale
        bad = (values < low) | (values > high)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            value = int(values[pos])
            when = _utc(value * self.scale) if abs(value) < 2**63 // self.scale else "beyond the year 2262"
            raise IngestError(self.path, f"timestamp {value} read in the file's unit ({self.name}, from its first "
                                         f"row) is {when}, outside {window_text()}", row=first_line + pos,
                              field=field)
        return values * self.scale


def check_ns_window(ts_ns: np.ndarray, path: str | Path, first_line: int, field: str) -> None:
    """
    Reject UNIX-ns times outside 2009-01-01 … now + 1 day (for times parsed from date-time text).

    Parameters
    ----------
    ts_ns : np.ndarray, shape (n,)
        Times (UNIX nanoseconds), in file order.
    path : str or Path
        The file (for error messages).
    first_line : int
        1-based file line of ``ts_ns[0]``.
    field : str
        The time column (named in the error).

    Raises
    ------
    IngestError
        Naming the line and field of the first time outside the window.
    """
    ts_ns = np.asarray(ts_ns, dtype=np.int64)
    bad = (ts_ns < EARLIEST_NS) | (ts_ns > latest_ns())
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise IngestError(path, f"time {_utc(int(ts_ns[pos]))} is outside {window_text()}", row=first_line + pos,
                          field=field)


ACCEPTED_TIMES = ("epoch integers in seconds, milliseconds, microseconds or nanoseconds, or ISO-8601 date-times such "
                  "as 2026-06-12T08:00:00Z, 2026-06-12 08:00:00+08:00 or 2026-06-12 08:00:00 UTC (without an "
                  "offset: UTC)")
"""The time formats of :func:`text_times_ns`, for messages."""

_UTC_SUFFIX = r"(?<=\d)\s*UTC$"
"""A trailing ``UTC`` after the time of day (``2026-06-12 08:00:00 UTC``), read as the offset ``+00:00``."""


def text_times_ns(text: np.ndarray, unit: EpochUnit, path: str | Path, first_line: int, field: str,
                  iso: bool = True) -> np.ndarray:
    """
    Read a column of times written as text: epoch integers of the file's unit, or ISO-8601 date-times.

    The first value decides: digits mean epoch times (seconds, milliseconds, microseconds or nanoseconds, told
    apart by :class:`EpochUnit` from the file's first row), anything else an ISO-8601 date-time
    (``2026-06-12T08:00:00Z``, ``2026-06-12 08:00:00+08:00``, ``2026-06-12 08:00:00 UTC``; without an offset, UTC).
    Every value must then be of the same kind and inside :data:`EARLIEST_NS` … now + 1 day.

    Parameters
    ----------
    text : np.ndarray, shape (n,)
        The column's values as text.
    unit : EpochUnit
        The file's epoch unit (decided by its first epoch value, kept across blocks of one file).
    path : str or Path
        The file, for messages.
    first_line : int
        1-based file line of ``text[0]``.
    field : str
        The column name.
    iso : bool, default True
        Whether ISO-8601 date-times are accepted (else only epoch integers).

    Returns
    -------
    np.ndarray, shape (n,), int64
        The times in UNIX nanoseconds (an empty column gives an empty array).

    Raises
    ------
    IngestError
        Naming the line and field of the first value that is not a time of the file's kind (with the accepted
        formats, :data:`ACCEPTED_TIMES`) or lies outside the window.
    """
    text = np.asarray(text, dtype=str)
    if not len(text):
        return np.zeros(0, dtype=np.int64)
    stripped = np.char.strip(text)
    if unit.scale is not None or not iso or (stripped[0].isdigit() and not unit.iso):
        digits = np.char.isdigit(stripped) & (np.char.str_len(stripped) <= 19)
        if not digits.all():
            pos = int(np.flatnonzero(~digits)[0])
            what = "whole-number epoch timestamp" if not iso else \
                "whole-number epoch timestamp (the file's first row is one)"
            raise IngestError(path, f"not a {what}: {str(text[pos])!r}", row=first_line + pos, field=field)
        raw = np.minimum(stripped.astype(np.uint64), np.uint64(2**63 - 1)).astype(np.int64)  # 19 digits may overflow
        return unit.to_ns(raw, first_line, field)
    import pandas as pd

    # a trailing " UTC" (as SQL databases and pandas print UTC times) is the offset +00:00: unambiguous
    iso_text = pd.Series(stripped).str.replace(_UTC_SUFFIX, "+00:00", regex=True)
    parsed = pd.to_datetime(iso_text, utc=True, errors="coerce", format="ISO8601")
    bad = parsed.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        kind = " (the file's first row is one)" if pos or unit.iso else ""
        raise IngestError(path, f"not an ISO-8601 date-time{kind}: {str(text[pos])!r}; accepted times: "
                                f"{ACCEPTED_TIMES}", row=first_line + pos, field=field)
    ts = parsed.astype("int64").to_numpy()
    check_ns_window(ts, path, first_line, field)
    unit.iso = True
    return ts
