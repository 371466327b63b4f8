"""Times as users write them: ISO-8601 text to UNIX nanoseconds (UTC), with a clear error for anything else.

Used by every command and config that takes a time (``--start``/``--end``, ``--holdout-start``, ``--at``, the
``[data]`` section of backtest and plot files, the API's ``start``/``end``/``at``). NautilusTrader-free, like
:mod:`liqheat_nautilus.core` and :mod:`liqheat_nautilus.replay`, which the evaluation and the API use.
"""

import re

import numpy as np
import pandas as pd

__all__ = ["ISO_TIME", "TimeOutOfRange", "parse_time"]


ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?)?"
                      r"(?:Z|[+-]\d{2}(?::?\d{2})?)?", re.IGNORECASE)
"""The ISO-8601 text :func:`parse_time` reads: a date, optionally a time (hours to nanoseconds) and a UTC offset.

pandas alone also read ``06/07/2026`` (as June 7), ``now``, ``12:00`` (today's date) and ``June`` (year 1): a run on
a period the user did not mean, or on the clock's."""


class TimeOutOfRange(ValueError):
    """A time :func:`parse_time` reads but UNIX nanoseconds cannot hold (before 1677-09-21 or after 2262-04-11)."""


def parse_time(value: str | int | pd.Timestamp | None) -> int | None:
    """
    Parse a time into UNIX nanoseconds (naive times are UTC).

    Parameters
    ----------
    value : str, int, pandas.Timestamp or None
        ISO-8601 text (``"2026-06-20T12:00"``), nanoseconds, or a timestamp; ``None`` or ``""`` for none.

    Returns
    -------
    int or None

    Raises
    ------
    ValueError
        If the text is not a time; :class:`TimeOutOfRange` (a ``ValueError``) if it is one outside the range of
        UNIX-ns timestamps.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, str) and not ISO_TIME.fullmatch(value.strip()):
        raise ValueError(f"not a time: {value!r} (use ISO-8601 UTC, e.g. 2026-06-20 or 2026-06-20T12:00)")
    try:
        ts = pd.Timestamp(value.strip() if isinstance(value, str) else value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a time: {value!r} (use ISO-8601, e.g. 2026-06-20T12:00)") from exc
    if ts is pd.NaT:
        raise ValueError(f"not a time: {value!r}")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    try:
        return int(ts.value)
    except OverflowError as exc:  # e.g. "0001-06-01", or "2262-04-12": a day too late
        raise TimeOutOfRange(f"not a time: {value!r} reads as {ts.isoformat()}, beyond the range of UNIX-ns "
                             "timestamps (1677-09-21T00:12:43Z .. 2262-04-11T23:47:16Z; use ISO-8601, e.g. "
                             "2026-06-20T12:00)") from exc
