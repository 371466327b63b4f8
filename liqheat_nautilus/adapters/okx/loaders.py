"""Ingest of the OKX CSV layout (ccxt exports): 1-minute candles, hourly open interest, funding, positioning.

The files are parsed by :mod:`.parsing`; this module finds the instrument and writes the catalog.

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

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from nautilus_trader.model.data import BarType

from liqheat_nautilus.adapters.common.loaders import write_streams
from liqheat_nautilus.adapters.common.providers import InstrumentSources, resolve_instruments, with_folder_spec
from liqheat_nautilus.adapters.okx.parsing import (
    read_okx_bars,
    read_okx_funding,
    read_okx_long_short_ratio,
    read_okx_open_interest,
    read_okx_taker_volume,
)
from liqheat_nautilus.adapters.okx.providers import OKX_VENUE
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.transaction import check_target, log_stderr
from liqheat_nautilus.persistence.writer import IngestSummary

REQUIRED_FILES = ("ohlcv_1m.csv", "open_interest.csv", "funding_rate.csv")
"""The files an OKX source folder must hold (``long_short_ratio.csv`` and ``taker_volume.csv`` are optional)."""
INSTRUMENT_FILE = "instrument.toml"
"""The instrument-spec file a sample folder may carry (the embedded sample's: ``SOL-USDT-SWAP.OKX``)."""


def okx_instrument(source_dir: str | Path, catalog_dir: str | Path, instrument_id: str,
                   instruments: InstrumentSources | None = None):
    """
    Return the instrument of an OKX sample folder.

    Looked up in the user's sources, else the folder's ``instrument.toml``, the catalog, OKX online.

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
                          field="--instrument-id")
    # the OKX ingest has no --exchange-info option (that reads Binance's answer): a missing instrument's message must
    # not offer it (it could not today only because the id is OKX's, checked above)
    sources = replace(with_folder_spec(instruments, source, INSTRUMENT_FILE), exchange_info_option=False)
    return resolve_instruments({instrument_id: symbol}, catalog_dir, sources, where=source)[instrument_id][0]


def ingest_okx_sample(source_dir: str | Path, catalog_dir: str | Path, instrument_id: str = "SOL-USDT-SWAP.OKX",
                      instruments: InstrumentSources | None = None, lock_timeout: float | None = None,
                      log: Callable[[str], None] = log_stderr) -> IngestSummary:
    """
    Build or refresh a catalog from an OKX sample folder, atomically.

    Writes the ``CryptoPerpetual`` definition (:func:`okx_instrument`), ``Bar`` (1-MINUTE-LAST-EXTERNAL),
    :class:`OpenInterest` and :class:`FundingRate`, and, when the folder has them, :class:`LongShortRatio` and
    :class:`TakerVolume`, each sorted by ``ts_init``. Every file is read and checked first; then each stream replaces
    what the catalog held for the same type and instrument in the stream's time range, in one commit
    (:func:`~liqheat_nautilus.adapters.common.loaders.write_streams`). Other instruments' data and other times stay as
    they were, re-running is idempotent, and a failure leaves the catalog unchanged.

    Parameters
    ----------
    source_dir : str or Path
        Folder with ``ohlcv_1m.csv``, ``open_interest.csv``, ``funding_rate.csv``, optionally
        ``long_short_ratio.csv``, ``taker_volume.csv`` and ``instrument.toml``.
    catalog_dir : str or Path
        The catalog folder: new, empty, or a catalog (anything else is refused), not the source folder.
    instrument_id : str, default "SOL-USDT-SWAP.OKX"
        The OKX instrument id.
    instruments : InstrumentSources, optional
        Where the definition may come from besides the folder's ``instrument.toml`` and the catalog.
    lock_timeout, log
        As for :func:`~liqheat_nautilus.persistence.transaction.catalog_transaction`.

    Returns
    -------
    IngestSummary

    Raises
    ------
    IngestError
        For any bad source file (naming file, line and field), an instrument no source defines, a refused target, a
        busy catalog or a full disk (the catalog is left as it was).
    """
    source = Path(source_dir)
    needed = ", ".join(REQUIRED_FILES)
    if not source.is_dir():
        problem = "is a file, not a folder" if source.exists() else "source folder not found"
        raise IngestError(source, f"{problem} (it must hold {needed})", field="--source")
    missing = [name for name in REQUIRED_FILES if not (source / name).is_file()]
    if missing:  # before the instrument look-up, which may ask the venue online
        raise IngestError(source, f"no {', '.join(missing)} here (an OKX source folder holds {needed})",
                          field="--source")
    check_target(catalog_dir, (source,))  # before its instrument definitions are read
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
    return write_streams(catalog_dir, instrument, groups, sources=(source,), lock_timeout=lock_timeout, log=log,
                         command="ingest okx")
