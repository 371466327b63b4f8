"""Ingest of the OKX CSV layout (ccxt exports): 1-minute candles, hourly open interest, funding rates.

The embedded sample ``catalog/okx_sol_usdt_swap_2026-06/`` is real OKX ``SOL-USDT-SWAP`` data collected
through ccxt: ``ohlcv_1m.csv`` (``ts`` = bar open time in ms, open, high, low, close, volume in contracts),
``open_interest.csv`` (``ts`` ms, ``oi`` and ``oi_value`` both in USD), ``funding_rate.csv`` (``ts`` = funding
time in ms, ``fundingRate`` fraction per 8-hour interval).
"""

from pathlib import Path

import numpy as np
import pandas as pd
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.persistence.wranglers import BarDataWrangler

from liqheat_nautilus.adapters.common.instruments import perpetual_from
from liqheat_nautilus.adapters.common.parsing import funding_rate_from_venue, open_interest_from_venue
from liqheat_nautilus.adapters.okx.providers import OKX_PERPETUALS, OKX_VENUE
from liqheat_nautilus.core.units import NS_PER_MINUTE, NS_PER_MS
from liqheat_nautilus.data import FundingRate, OpenInterest
from liqheat_nautilus.persistence.checks import (
    require_columns,
    require_increasing,
    require_ohlc_consistent,
    require_positive,
    to_numeric,
)
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.staging import staged_catalog
from liqheat_nautilus.persistence.writer import IngestSummary

BAR_NS = NS_PER_MINUTE
OKX_FUNDING_INTERVAL_HOURS = 8.0


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


def ingest_okx_sample(source_dir: str | Path, catalog_dir: str | Path,
                      instrument_id: str = "SOL-USDT-SWAP.OKX") -> IngestSummary:
    """
    Build or refresh a catalog from an OKX sample folder, atomically.

    Writes the ``CryptoPerpetual`` definition, ``Bar`` (1-MINUTE-LAST-EXTERNAL), :class:`OpenInterest` and
    :class:`FundingRate`, each sorted by ``ts_init``. The whole catalog is rebuilt in a staging folder and
    swapped in, so re-running is idempotent and a failure leaves an existing catalog unchanged.

    Parameters
    ----------
    source_dir : str or Path
        Folder with ``ohlcv_1m.csv``, ``open_interest.csv``, ``funding_rate.csv``.
    catalog_dir : str or Path
        The catalog folder to (re)build.
    instrument_id : str, default "SOL-USDT-SWAP.OKX"
        A key of :data:`~liqheat_nautilus.adapters.okx.providers.OKX_PERPETUALS`.

    Returns
    -------
    IngestSummary

    Raises
    ------
    IngestError
        For any bad source file (the catalog is left as it was).
    """
    source = Path(source_dir)
    try:
        instrument = perpetual_from(OKX_PERPETUALS, instrument_id)
    except KeyError as exc:
        raise IngestError(source, str(exc.args[0]), field="instrument_id") from None
    bar_type = BarType.from_str(f"{instrument_id}-1-MINUTE-LAST-EXTERNAL")
    bars = read_okx_bars(source / "ohlcv_1m.csv", bar_type, instrument)
    oi = read_okx_open_interest(source / "open_interest.csv", instrument.id)
    funding = read_okx_funding(source / "funding_rate.csv", instrument.id)
    with staged_catalog(catalog_dir, fresh=True) as catalog:
        catalog.write_data([instrument])
        for items in (bars, oi, funding):
            catalog.write_data(items)
    groups = {"Bar": bars, "OpenInterest": oi, "FundingRate": funding}
    return IngestSummary(
        catalog=str(Path(catalog_dir).resolve()),
        instrument_id=instrument_id,
        counts={k: len(v) for k, v in groups.items()},
        first_ts={k: int(v[0].ts_event) for k, v in groups.items()},
        last_ts={k: int(v[-1].ts_event) for k, v in groups.items()},
    )
