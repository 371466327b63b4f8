"""Epoch timestamps of unknown unit (milliseconds or microseconds) to UNIX nanoseconds."""

import numpy as np

from liqheat_nautilus.core.units import NS_PER_MS, NS_PER_US

MICROS_THRESHOLD = 100_000_000_000_000
"""Values at or above 1e14 are microseconds: 1e14 ms would be the year 5138, 1e14 us is 1973-03-03."""


def epoch_to_ns(values: np.ndarray) -> np.ndarray:
    """
    Convert epoch timestamps in milliseconds or microseconds to nanoseconds, deciding the unit per value.

    Binance public-data files carry milliseconds, except spot files from 2025-01-01 on, which carry
    microseconds (Binance announcement "Binance Data: spot data in microseconds", 2025). A millisecond
    timestamp of today is about 1.7e12 and a microsecond one about 1.7e15, so a threshold of 1e14 separates
    them for every date between 1973 and 5138.

    Parameters
    ----------
    values : np.ndarray, shape (n,)
        Integer epoch timestamps (ms or us).

    Returns
    -------
    np.ndarray, shape (n,), int64
        UNIX nanoseconds.
    """
    values = np.asarray(values, dtype=np.int64)
    return np.where(values >= MICROS_THRESHOLD, values * NS_PER_US, values * NS_PER_MS)
