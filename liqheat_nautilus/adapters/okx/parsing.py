"""Parsing of the OKX CSV layout (ccxt exports) into Nautilus bars and liqheat data, with checks (no catalog I/O).

The files and their units are described in :mod:`~liqheat_nautilus.adapters.okx.loaders` (the folder ingest). Each
reader returns the objects of one file in time order; an :class:`IngestError` names file, line and field.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from nautilus_trader.model.data import Bar, BarType

from liqheat_nautilus.adapters.common.tables import bars_of_table, funding_of_table, open_interest_of_table
from liqheat_nautilus.adapters.okx.providers import OKX_VENUE
from liqheat_nautilus.core.units import NS_PER_MINUTE, NS_PER_SECOND
from liqheat_nautilus.data import FundingRate, LongShortRatio, OpenInterest, TakerVolume
from liqheat_nautilus.persistence.checks import require_positive
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.table import read_table

BAR_NS = NS_PER_MINUTE
OKX_FUNDING_INTERVAL_HOURS = 8.0


def _read_csv(path: Path, columns: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the checked rows of one sample file and their ``ts`` in UNIX ns (unit detected from the first row)."""
    return read_table(path, [c for c in columns if c != "ts"], time_column="ts")


def read_okx_bars(path: Path, bar_type: BarType, instrument) -> list[Bar]:
    """
    Read OKX 1-minute candles into Nautilus bars stamped at the bar *close* (open time + 1 minute).

    Parameters
    ----------
    path : Path
        CSV with ``ts`` (open time, ms), ``open``, ``high``, ``low``, ``close``, ``volume`` (contracts).
    bar_type, instrument : BarType, Instrument
        The 1-minute bar type, and the instrument whose price and size precision the bars take.

    Returns
    -------
    list[Bar]
        One bar a row, in ``ts_init`` order (as :func:`~liqheat_nautilus.adapters.common.tables.bars_of_table`).

    Raises
    ------
    IngestError
        For a missing file or column, no rows, a non-numeric, non-positive (prices) or negative (volume) value, a
        price or volume Nautilus cannot hold at the instrument's precision, an inconsistent OHLC row, a time outside
        2009 … now + 1 day (ms, s, µs or ns, detected per file), or a repeated/backward timestamp (naming file,
        line and field).
    """
    df, open_ns = _read_csv(path, ["ts", "open", "high", "low", "close", "volume"])
    return bars_of_table(df, open_ns, path, bar_type, instrument, BAR_NS)


def read_okx_open_interest(path: Path, instrument_id) -> list[OpenInterest]:
    """
    Read OKX open-interest history (``ts`` ms, ``oi_value`` USD) into :class:`OpenInterest`.

    Parameters
    ----------
    path : Path
        CSV (``open_interest.csv`` of the sample folder) with ``ts`` (UNIX ms; s, µs or ns are detected) and
        ``oi_value`` (open interest in USD, >= 0).
    instrument_id : InstrumentId
        The perpetual the values belong to.

    Returns
    -------
    list[OpenInterest]
        One per row, in time order, venue ``OKX``, stamped at ``ts``; USD only (contracts and base units ``nan``:
        the file gives no price to derive them).

    Raises
    ------
    IngestError
        For a missing column, no rows, a bad, negative or implausibly large value (above 1e13 USD), or a bad,
        repeated or backward timestamp (naming file, line and field).
    """
    df, ts_ns = _read_csv(path, ["ts", "oi_value"])
    require_positive(df, ["oi_value"], path, allow_zero=True)
    # the sample has USD only (no price here): contracts and base units stay unknown (nan)
    return open_interest_of_table(df, ts_ns, path, instrument_id, OKX_VENUE, {"usd": "oi_value"})


def read_okx_funding(path: Path, instrument_id) -> list[FundingRate]:
    """
    Read OKX funding-rate history (``ts`` funding time ms, ``fundingRate`` fraction per 8 h).

    ``next_funding_ns`` is ``ts`` + 8 h (OKX's fixed schedule for this contract).

    Parameters
    ----------
    path : Path
        CSV (``funding_rate.csv`` of the sample folder) with ``ts`` (funding time, UNIX ms; s, µs or ns are
        detected) and ``fundingRate`` (fraction per 8 h, e.g. 0.0001 = 0.01 %).
    instrument_id : InstrumentId
        The perpetual the rates belong to.

    Returns
    -------
    list[FundingRate]
        One per row, in time order, stamped at ``ts``, ``interval_hours`` 8.

    Raises
    ------
    IngestError
        For a missing column, no rows, a non-numeric or out-of-range (beyond +-100 %) rate, or a bad, repeated or
        backward timestamp (naming file, line and field).
    """
    df, ts_ns = _read_csv(path, ["ts", "fundingRate"])
    return funding_of_table(df, ts_ns, path, instrument_id, "fundingRate", OKX_FUNDING_INTERVAL_HOURS, "ts")


def _period_secs(ts_ns: np.ndarray, path: Path) -> int:
    """Return the most common spacing of a series (seconds): the period of each row."""
    if len(ts_ns) < 2:
        raise IngestError(path, "needs at least two rows to know the period", field="ts")
    steps, counts = np.unique(np.diff(ts_ns), return_counts=True)
    return int(steps[np.argmax(counts)] // NS_PER_SECOND)


def read_okx_long_short_ratio(path: Path, instrument_id) -> list[LongShortRatio]:
    """
    Read OKX's long/short account ratio history (``ts`` ms, ``ratio`` = long accounts ÷ short accounts).

    Parameters
    ----------
    path : Path
        CSV (``long_short_ratio.csv`` of the sample folder) with ``ts`` (UNIX ms; s, µs or ns are detected) and
        ``ratio`` (> 0), at least two rows (the spacing of the rows is their period).
    instrument_id : InstrumentId
        The perpetual the ratios belong to.

    Returns
    -------
    list[LongShortRatio]
        ``kind`` ``"accounts"``, ``period_secs`` the file's spacing, stamped at ``ts`` (as the open interest).

    Raises
    ------
    IngestError
        For a missing column, a non-numeric or non-positive ratio, a repeated/backward timestamp, or fewer than two
        rows.
    """
    df, ts_ns = _read_csv(path, ["ts", "ratio"])
    require_positive(df, ["ratio"], path)
    period = _period_secs(ts_ns, path)
    return [LongShortRatio(instrument_id=instrument_id, ratio=r, kind="accounts", period_secs=period, ts_event=t,
                           ts_init=t) for t, r in zip(ts_ns.tolist(), df["ratio"].tolist(), strict=True)]


def read_okx_taker_volume(path: Path, instrument_id) -> list[TakerVolume]:
    """
    Read OKX taker volume history (``ts`` ms = end of the period, ``buyVol`` / ``sellVol`` in USD).

    Parameters
    ----------
    path : Path
        CSV (``taker_volume.csv`` of the sample folder) with ``ts`` (UNIX ms; s, µs or ns are detected), ``buyVol``
        and ``sellVol`` (taker buy and sell volume of the period, USD, >= 0), at least two rows (the spacing of the
        rows is their period).
    instrument_id : InstrumentId
        The perpetual the volumes belong to.

    Returns
    -------
    list[TakerVolume]
        ``period_secs`` the file's spacing, stamped at ``ts`` (the end of the period: see the module docstring).

    Raises
    ------
    IngestError
        For a missing column, a non-numeric or negative volume, a repeated/backward timestamp, or fewer than two
        rows.
    """
    df, ts_ns = _read_csv(path, ["ts", "buyVol", "sellVol"])
    require_positive(df, ["buyVol", "sellVol"], path, allow_zero=True)
    period = _period_secs(ts_ns, path)
    return [TakerVolume(instrument_id=instrument_id, buy_usd=b, sell_usd=s, period_secs=period, ts_event=t, ts_init=t)
            for t, b, s in zip(ts_ns.tolist(), df["buyVol"].tolist(), df["sellVol"].tolist(), strict=True)]
