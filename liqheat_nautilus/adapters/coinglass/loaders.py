"""``liqheat catalog ingest coinglass``: the shipped Coinglass BTC set as a Nautilus catalog of a Binance perpetual.

The set (``catalog/coinglass_btc_4h/``, see its README.md) is read by the evaluation's own reader,
:func:`~liqheat_nautilus.evaluation.coinglass.read_coinglass_dir`, so the catalog and ``liqheat evaluate`` align it the
same way. Every Coinglass timestamp is a window **open** time:

=====================================  =====================================================================
catalog stream                          from
=====================================  =====================================================================
``Bar`` ``<id>-1-HOUR-LAST-EXTERNAL``   ``binance_btcusdt_1h.csv``: Binance BTCUSDT **spot** 1 h bars (volume in BTC),
                                        stamped at the bar close (open + 1 h); from 2025-09-01, so the bars before
                                        the first open-interest reading are the map's warm-up
``OpenInterest``                        ``coinglass_oi_4h.csv`` ``close``: open interest in USD of **all exchanges
                                        aggregated** (venue label ``COINGLASS``), observed at the window end
                                        (open + 4 h); base units = USD ÷ the close of the 1 h bar ending then
``FundingRate``                         ``coinglass_funding_4h.csv`` ``close`` ÷ 100 (percent -> fraction), observed
                                        at the window end; only the readings at Binance's 8-hourly settlement times
                                        (00:00, 08:00, 16:00 UTC) are written, as settlements of an 8 h interval (the
                                        backtest's ``FundingModule`` charges each record once; the 04/12/20 h
                                        readings are predictions of the running interval, not settlements)
``TakerVolume``                         ``coinglass_taker_volume_4h.csv`` (Binance taker buy/sell USD of the
                                        window), at the window end, ``period_secs`` 14,400
=====================================  =====================================================================

The actual liquidations (``coinglass_liquidation_4h.csv``) are what ``liqheat evaluate`` judges the map against;
they are not written (they are 4-hour totals, not liquidation prints). The instrument is the folder's
``instrument.toml`` (``BTCUSDT-PERP.BINANCE``) unless the user gives another source.
"""

from pathlib import Path

import numpy as np
from nautilus_trader.model.data import Bar, BarType

from liqheat_nautilus import validation
from liqheat_nautilus.adapters.binance.providers import raw_symbol_of
from liqheat_nautilus.adapters.common.loaders import write_streams
from liqheat_nautilus.adapters.common.parsing import funding_rate_from_venue, open_interest_from_venue
from liqheat_nautilus.adapters.common.providers import InstrumentSources, resolve_instruments, with_folder_spec
from liqheat_nautilus.core.units import NS_PER_HOUR, NS_PER_SECOND
from liqheat_nautilus.data import TakerVolume
from liqheat_nautilus.evaluation.coinglass import (
    INSTRUMENT_FILE,
    INSTRUMENT_ID,
    default_dataset_dir,
    read_coinglass_dir,
)
from liqheat_nautilus.paths import project_root
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.reader import value_at
from liqheat_nautilus.persistence.writer import IngestSummary

COINGLASS_VENUE_LABEL = "COINGLASS"
"""``OpenInterest.venue`` of the set's open interest (an aggregate of all exchanges, not one venue's)."""

FUNDING_INTERVAL_HOURS = 8.0
"""Binance BTCUSDT's funding interval; settlements at 00:00, 08:00 and 16:00 UTC."""


def default_coinglass_catalog_dir() -> Path:
    """
    Where ``liqheat catalog ingest coinglass`` builds the catalog by default.

    Returns
    -------
    Path
        ``catalog/build/coinglass_btc_4h`` under the project root.
    """
    return project_root() / "catalog" / "build" / "coinglass_btc_4h"


def ingest_coinglass(source_dir: str | Path | None, catalog_dir: str | Path,
                     instrument_id: str = INSTRUMENT_ID,
                     instruments: InstrumentSources | None = None,
                     lock_timeout: float | None = None) -> IngestSummary:
    """
    Build (or rebuild) a catalog from the Coinglass BTC set, atomically.

    Parameters
    ----------
    source_dir : str, Path or None
        The set's folder (``None``: the shipped ``catalog/coinglass_btc_4h``).
    catalog_dir : str or Path
        The catalog folder: new, empty or a catalog (each stream replaces its time range; other data stay).
    instrument_id : str, default "BTCUSDT-PERP.BINANCE"
        The instrument the set is replayed as.
    instruments : InstrumentSources, optional
        Where the definition may come from besides the folder's ``instrument.toml`` and the catalog (default:
        Binance online as the last resort).
    lock_timeout : float, optional
        Seconds to wait while another process writes the catalog (default: as long as it takes; 0: fail at once).

    Returns
    -------
    IngestSummary
        Counts and first/last ``ts_event`` per stream (``Bar``, ``OpenInterest``, ``FundingRate``,
        ``TakerVolume``).

    Raises
    ------
    IngestError
        For a missing or bad file (naming file, line and field), no funding reading at a settlement time, or an
        instrument no source defines; the catalog is left as it was.
    """
    source = Path(source_dir) if source_dir is not None else default_dataset_dir()
    try:  # before the instrument look-up, whose online path needs a venue
        validation.instrument_id(instrument_id, "--instrument-id")
    except ValueError:
        raise IngestError(source, f"{instrument_id!r} is not a Nautilus instrument id such as "
                                  "'BTCUSDT-PERP.BINANCE'", field="--instrument-id") from None
    data = read_coinglass_dir(source)
    sources = with_folder_spec(instruments, source, INSTRUMENT_FILE)
    raw = raw_symbol_of(instrument_id)
    instrument = resolve_instruments({instrument_id: raw}, catalog_dir, sources, where=source)[instrument_id][0]
    iid = instrument.id

    b = data.bars
    step_h = int(round(float(np.median(b.close_ns - b.open_ns)) / NS_PER_HOUR))
    bar_type = BarType.from_str(f"{instrument_id}-{step_h}-HOUR-LAST-EXTERNAL")
    ts_bars = b.close_ns.astype(np.uint64)
    bars = Bar.from_raw_arrays_to_list(bar_type, instrument.price_precision, instrument.size_precision, b.open,
                                       b.high, b.low, b.close, b.volume, ts_bars, ts_bars)

    oi_ts = data.open_interest.ts_ns
    price = value_at(b.close_ns, b.close, oi_ts)  # the close of the last bar closed by the observation
    open_interest = [
        open_interest_from_venue(iid, COINGLASS_VENUE_LABEL, contract_size=float(instrument.multiplier),
                                 inverse=bool(instrument.is_inverse), ts_event=t, ts_init=t, usd=v, price=p)
        for t, v, p in zip(oi_ts.tolist(), data.open_interest.value.tolist(), price.tolist(), strict=True)
    ]
    period = 8 * NS_PER_HOUR
    settled = data.funding.ts_ns % period == 0
    if not settled.any():
        raise IngestError(source, "no funding reading falls on a settlement time (00:00, 08:00, 16:00 UTC)",
                          field="timestamp")
    funding = [funding_rate_from_venue(iid, r, interval_hours=FUNDING_INTERVAL_HOURS, ts_event=t, ts_init=t)
               for t, r in zip(data.funding.ts_ns[settled].tolist(), data.funding.value[settled].tolist(),
                               strict=True)]
    groups: dict[str, list] = {"Bar": bars, "OpenInterest": [o for o in open_interest if o is not None],
                               "FundingRate": funding}
    if data.taker is not None:
        tk = data.taker
        secs = int(np.median(np.diff(tk.ts_ns)) // NS_PER_SECOND) if len(tk.ts_ns) > 1 else 0
        groups["TakerVolume"] = [
            TakerVolume(instrument_id=iid, buy_usd=bu, sell_usd=se, period_secs=secs, ts_event=t, ts_init=t)
            for t, bu, se in zip(tk.ts_ns.tolist(), tk.buy_usd.tolist(), tk.sell_usd.tolist(), strict=True)
        ]
    return write_streams(catalog_dir, instrument, groups, sources=(source,), lock_timeout=lock_timeout,
                         command="ingest coinglass")
