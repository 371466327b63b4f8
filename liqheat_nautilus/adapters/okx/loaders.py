"""Ingest of the OKX CSV layout (ccxt exports): 1-minute candles, hourly open interest, funding, positioning.

The embedded sample ``catalog/okx_sol_usdt_swap_2026-06/`` is real OKX ``SOL-USDT-SWAP`` data collected
through ccxt: ``ohlcv_1m.csv`` (``ts`` = bar open time in ms, open, high, low, close, volume in contracts),
``open_interest.csv`` (``ts`` ms, ``oi`` and ``oi_value`` both in USD), ``funding_rate.csv`` (``ts`` = funding
time in ms, ``fundingRate`` fraction per 8-hour interval), ``long_short_ratio.csv`` (``ts`` ms, ``ratio``: OKX's
long/short *account* ratio, longs ÷ shorts, hourly) and ``taker_volume.csv`` (``ts`` ms, ``sellVol``, ``buyVol``:
taker volume in USD of the hour **ending** at ``ts``; on the sample each row's total matches the 1-minute bars'
notional of the hour before ``ts``, correlation 0.999, and not the hour after, 0.53). The instrument comes from the
folder's ``instrument.toml`` (an instrument-spec file) or any other source of
:func:`~liqheat_nautilus.adapters.common.providers.resolve_instruments`.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.persistence.wranglers import BarDataWrangler

from liqheat_nautilus.adapters.common.loaders import rebuild_catalog
from liqheat_nautilus.adapters.common.parsing import funding_rate_from_venue, open_interest_from_venue
from liqheat_nautilus.adapters.common.providers import InstrumentSources, resolve_instruments, with_folder_spec
from liqheat_nautilus.adapters.okx.providers import OKX_VENUE
from liqheat_nautilus.core.units import NS_PER_MINUTE, NS_PER_MS, NS_PER_SECOND
from liqheat_nautilus.data import FundingRate, LongShortRatio, OpenInterest, TakerVolume
from liqheat_nautilus.persistence.checks import (
    require_columns,
    require_increasing,
    require_ohlc_consistent,
    require_positive,
    to_numeric,
)
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.writer import IngestSummary

BAR_NS = NS_PER_MINUTE
OKX_FUNDING_INTERVAL_HOURS = 8.0
INSTRUMENT_FILE = "instrument.toml"
"""The instrument-spec file a sample folder may carry (the embedded sample's: ``SOL-USDT-SWAP.OKX``)."""


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise IngestError(path, "file not found")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise IngestError(path, f"not a readable CSV: {exc}") from exc
    require_columns(df, columns, path)
    to_numeric(df, columns, path)
    require_increasing(df["ts"].to_numpy(), path, "ts")
    return df


def read_okx_bars(path: Path, bar_type: BarType, instrument) -> list[Bar]:
    """
    Read OKX 1-minute candles into Nautilus bars stamped at the bar *close* (open time + 1 minute).

    Parameters
    ----------
    path : Path
        CSV with ``ts`` (open time, ms), ``open``, ``high``, ``low``, ``close``, ``volume`` (contracts).
    bar_type : BarType
        The 1-minute bar type.
    instrument : Instrument
        For price and size precision.

    Returns
    -------
    list[Bar]
        Sorted by ``ts_init``.

    Raises
    ------
    IngestError
        For a missing file or column, a non-numeric, non-positive (prices) or negative (volume) value, an
        inconsistent OHLC row, or a repeated/backward timestamp (naming file, line and field).
    """
    df = _read_csv(path, ["ts", "open", "high", "low", "close", "volume"])
    require_positive(df, ["open", "high", "low", "close"], path)
    require_positive(df, ["volume"], path, allow_zero=True)
    require_ohlc_consistent(df, path)
    close_ns = df["ts"].to_numpy(dtype=np.int64) * NS_PER_MS + BAR_NS
    frame = df[["open", "high", "low", "close", "volume"]].copy()
    frame.index = pd.to_datetime(close_ns, unit="ns", utc=True)
    return BarDataWrangler(bar_type, instrument).process(frame)


def read_okx_open_interest(path: Path, instrument_id) -> list[OpenInterest]:
    """
    Read OKX open-interest history (``ts`` ms, ``oi_value`` USD) into :class:`OpenInterest`.

    Raises
    ------
    IngestError
        For a missing column, a bad or negative value, or a repeated/backward timestamp.
    """
    df = _read_csv(path, ["ts", "oi_value"])
    require_positive(df, ["oi_value"], path, allow_zero=True)
    ts = (df["ts"].to_numpy(dtype=np.int64) * NS_PER_MS).tolist()
    # the sample has USD only (no price here): contracts and base units stay unknown (nan)
    return [
        open_interest_from_venue(instrument_id, OKX_VENUE, contract_size=1.0, inverse=False, ts_event=t, ts_init=t,
                                 usd=v)
        for t, v in zip(ts, df["oi_value"].tolist(), strict=True)
    ]


def read_okx_funding(path: Path, instrument_id) -> list[FundingRate]:
    """
    Read OKX funding-rate history (``ts`` funding time ms, ``fundingRate`` fraction per 8 h).

    ``next_funding_ns`` is ``ts`` + 8 h (OKX's fixed schedule for this contract).

    Raises
    ------
    IngestError
        For a missing column, a non-numeric value or a repeated/backward timestamp.
    """
    df = _read_csv(path, ["ts", "fundingRate"])
    ts = (df["ts"].to_numpy(dtype=np.int64) * NS_PER_MS).tolist()
    return [
        funding_rate_from_venue(instrument_id, r, interval_hours=OKX_FUNDING_INTERVAL_HOURS, ts_event=t, ts_init=t)
        for t, r in zip(ts, df["fundingRate"].tolist(), strict=True)
    ]


def _period_secs(ts_ms: np.ndarray, path: Path) -> int:
    """The most common spacing of a series (seconds): the period of each row."""
    if len(ts_ms) < 2:
        raise IngestError(path, "needs at least two rows to know the period", field="ts")
    steps, counts = np.unique(np.diff(ts_ms), return_counts=True)
    return int(steps[np.argmax(counts)] * NS_PER_MS // NS_PER_SECOND)


def read_okx_long_short_ratio(path: Path, instrument_id) -> list[LongShortRatio]:
    """
    Read OKX's long/short account ratio history (``ts`` ms, ``ratio`` = long accounts ÷ short accounts).

    Parameters
    ----------
    path : Path
        ``long_short_ratio.csv``.
    instrument_id : InstrumentId
        The instrument.

    Returns
    -------
    list[LongShortRatio]
        ``kind`` ``"accounts"``, ``period_secs`` the file's spacing, stamped at ``ts`` (as the open interest).

    Raises
    ------
    IngestError
        For a missing column, a non-numeric or non-positive ratio, or a repeated/backward timestamp.
    """
    df = _read_csv(path, ["ts", "ratio"])
    require_positive(df, ["ratio"], path)
    ts_ms = df["ts"].to_numpy(dtype=np.int64)
    period = _period_secs(ts_ms, path)
    return [LongShortRatio(instrument_id=instrument_id, ratio=r, kind="accounts", period_secs=period, ts_event=t,
                           ts_init=t) for t, r in zip((ts_ms * NS_PER_MS).tolist(), df["ratio"].tolist(), strict=True)]


def read_okx_taker_volume(path: Path, instrument_id) -> list[TakerVolume]:
    """
    Read OKX taker volume history (``ts`` ms = end of the period, ``buyVol`` / ``sellVol`` in USD).

    Parameters
    ----------
    path : Path
        ``taker_volume.csv``.
    instrument_id : InstrumentId
        The instrument.

    Returns
    -------
    list[TakerVolume]
        ``period_secs`` the file's spacing, stamped at ``ts`` (the end of the period: see the module docstring).

    Raises
    ------
    IngestError
        For a missing column, a non-numeric or negative volume, or a repeated/backward timestamp.
    """
    df = _read_csv(path, ["ts", "buyVol", "sellVol"])
    require_positive(df, ["buyVol", "sellVol"], path, allow_zero=True)
    ts_ms = df["ts"].to_numpy(dtype=np.int64)
    period = _period_secs(ts_ms, path)
    return [TakerVolume(instrument_id=instrument_id, buy_usd=b, sell_usd=s, period_secs=period, ts_event=t, ts_init=t)
            for t, b, s in zip((ts_ms * NS_PER_MS).tolist(), df["buyVol"].tolist(), df["sellVol"].tolist(),
                               strict=True)]


def okx_instrument(source_dir: str | Path, catalog_dir: str | Path, instrument_id: str,
                   instruments: InstrumentSources | None = None):
    """
    The instrument of an OKX sample folder: the user's sources, else the folder's ``instrument.toml``, the catalog,
    OKX online.

    Parameters
    ----------
    source_dir : str or Path
        The sample folder.
    catalog_dir : str or Path
        The target catalog.
    instrument_id : str
        E.g. ``"SOL-USDT-SWAP.OKX"`` (the venue symbol is its symbol part).
    instruments : InstrumentSources, optional
        Default: OKX online after the folder's file and the catalog.

    Returns
    -------
    CryptoPerpetual

    Raises
    ------
    IngestError
        If no source defines it, or the id is not an OKX id.
    """
    source = Path(source_dir)
    symbol, _, venue = instrument_id.rpartition(".")
    if venue != OKX_VENUE or not symbol:
        raise IngestError(source, f"{instrument_id!r} is not an OKX instrument id such as 'SOL-USDT-SWAP.OKX'",
                          field="instrument_id")
    sources = with_folder_spec(instruments, source, INSTRUMENT_FILE)
    return resolve_instruments({instrument_id: symbol}, catalog_dir, sources, where=source)[instrument_id][0]


def ingest_okx_sample(source_dir: str | Path, catalog_dir: str | Path, instrument_id: str = "SOL-USDT-SWAP.OKX",
                      instruments: InstrumentSources | None = None) -> IngestSummary:
    """
    Build or refresh a catalog from an OKX sample folder, atomically.

    Writes the ``CryptoPerpetual`` definition (:func:`okx_instrument`), ``Bar`` (1-MINUTE-LAST-EXTERNAL),
    :class:`OpenInterest` and :class:`FundingRate`, and, when the folder has them, :class:`LongShortRatio` and
    :class:`TakerVolume`, each sorted by ``ts_init``. The whole catalog is rebuilt in a staging folder and swapped
    in, so re-running is idempotent and a failure leaves an existing catalog unchanged.

    Parameters
    ----------
    source_dir : str or Path
        Folder with ``ohlcv_1m.csv``, ``open_interest.csv``, ``funding_rate.csv``, optionally
        ``long_short_ratio.csv``, ``taker_volume.csv`` and ``instrument.toml``.
    catalog_dir : str or Path
        The catalog folder to (re)build.
    instrument_id : str, default "SOL-USDT-SWAP.OKX"
        The OKX instrument id.
    instruments : InstrumentSources, optional
        Where the definition may come from besides the folder's ``instrument.toml`` and the catalog.

    Returns
    -------
    IngestSummary

    Raises
    ------
    IngestError
        For any bad source file or an instrument no source defines (the catalog is left as it was).
    """
    source = Path(source_dir)
    if not source.is_dir():
        raise IngestError(source, "OKX sample folder not found")
    instrument = okx_instrument(source, catalog_dir, instrument_id, instruments)
    bar_type = BarType.from_str(f"{instrument_id}-1-MINUTE-LAST-EXTERNAL")
    groups: dict[str, list] = {
        "Bar": read_okx_bars(source / "ohlcv_1m.csv", bar_type, instrument),
        "OpenInterest": read_okx_open_interest(source / "open_interest.csv", instrument.id),
        "FundingRate": read_okx_funding(source / "funding_rate.csv", instrument.id),
    }
    if (source / "long_short_ratio.csv").is_file():
        groups["LongShortRatio"] = read_okx_long_short_ratio(source / "long_short_ratio.csv", instrument.id)
    if (source / "taker_volume.csv").is_file():
        groups["TakerVolume"] = read_okx_taker_volume(source / "taker_volume.csv", instrument.id)
    return rebuild_catalog(catalog_dir, instrument, groups)
