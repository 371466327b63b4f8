"""Read evaluation inputs from a Nautilus ``ParquetDataCatalog`` (the project's catalog layout).

Bars come from the catalog's ``Bar`` data (stamped at the bar close, as the project's ingests write them);
open interest and funding from the custom ``OpenInterest`` and ``FundingRate`` types of
:mod:`liqheat_nautilus.data`. Actual liquidations come either from a ``timestamp,long_usd,short_usd`` CSV (see
:mod:`liqheat_nautilus.evaluation.csv_inputs`) or from the catalog's ``LiquidationEvent`` prints, summed per
UTC-aligned window (:func:`~liqheat_nautilus.evaluation.liquidation_events.aggregate_liquidations`).
"""

from pathlib import Path

import numpy as np

from liqheat_nautilus.core.units import NS_PER_HOUR
from liqheat_nautilus.evaluation.csv_inputs import read_liquidations_csv
from liqheat_nautilus.evaluation.liquidation_events import aggregate_liquidations
from liqheat_nautilus.evaluation.series import BarSeries, EvaluationData, Observations
from liqheat_nautilus.ingest.errors import IngestError


def _unwrap(items) -> list:
    return [getattr(x, "data", x) for x in items]


def read_catalog(
    catalog_path: str | Path,
    instrument_id: str,
    liquidations_csv: str | Path | None = None,
    bar_type: str | None = None,
    window_hours: float = 4.0,
) -> EvaluationData:
    """
    Bars, open interest and funding of one instrument from a catalog, plus actual liquidations.

    Parameters
    ----------
    catalog_path : str or Path
        The ``ParquetDataCatalog`` folder.
    instrument_id : str
        E.g. ``"SOL-USDT-SWAP.OKX"``.
    liquidations_csv : str or Path, optional
        CSV ``timestamp,long_usd,short_usd`` (window start times, UTC). When omitted, the catalog's
        ``LiquidationEvent`` prints of the instrument are summed per ``window_hours`` window.
    bar_type : str, optional
        Bar type to read; required when the catalog holds several for the instrument.
    window_hours : float, default 4
        Window length for ``LiquidationEvent`` aggregation (ignored with a CSV).

    Returns
    -------
    EvaluationData
        Bars with ``open_ns = close_ns - bar length`` (the most common spacing), OI in USD at each
        ``ts_event``, funding rates (fraction) at each ``ts_event``.

    Raises
    ------
    IngestError
        If the catalog is missing, holds no bars or no open interest for the instrument, several bar types
        without ``bar_type``, or (without a CSV) no ``LiquidationEvent``.
    """
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.data import FundingRate, LiquidationEvent, OpenInterest

    path = Path(catalog_path)
    if not path.is_dir():
        raise IngestError(path, "catalog folder not found")
    catalog = ParquetDataCatalog(str(path))
    bars = catalog.bars(bar_types=[bar_type]) if bar_type else catalog.bars(instrument_ids=[instrument_id])
    if not bars:
        raise IngestError(path, f"no bars for {bar_type or instrument_id}", field="Bar")
    kinds = {str(b.bar_type) for b in bars}
    if len(kinds) > 1:
        raise IngestError(path, f"several bar types {sorted(kinds)}: choose one with bar_type", field="Bar")
    close_ns = np.array([b.ts_event for b in bars], dtype=np.int64)
    order = np.argsort(close_ns, kind="stable")
    close_ns = close_ns[order]
    ohlcv = np.array([[b.open.as_double(), b.high.as_double(), b.low.as_double(), b.close.as_double(),
                       b.volume.as_double()] for b in bars])[order]
    if close_ns.size < 2:
        raise IngestError(path, "needs at least two bars to infer the bar length", field="Bar")
    values, counts = np.unique(np.diff(close_ns), return_counts=True)
    step = int(values[counts.argmax()])
    bar_series = BarSeries(close_ns - step, close_ns, *(ohlcv[:, i].copy() for i in range(5)))
    oi = _unwrap(catalog.query(OpenInterest, identifiers=[instrument_id]))
    if not oi:
        raise IngestError(path, f"no OpenInterest for {instrument_id}", field="OpenInterest")
    oi.sort(key=lambda x: x.ts_event)
    funding = _unwrap(catalog.query(FundingRate, identifiers=[instrument_id]))
    funding.sort(key=lambda x: x.ts_event)
    if liquidations_csv is not None:
        liquidations = read_liquidations_csv(liquidations_csv)
        liq_source = f"liquidations {liquidations_csv}"
    else:
        events = _unwrap(catalog.query(LiquidationEvent, identifiers=[instrument_id]))
        if not events:
            raise IngestError(path, f"no LiquidationEvent for {instrument_id}: give a liquidations CSV",
                              field="LiquidationEvent")
        liquidations = aggregate_liquidations(
            np.array([e.ts_event for e in events], dtype=np.int64),
            np.array([e.side == "LONG" for e in events], dtype=bool),
            np.array([e.notional_usd for e in events], dtype=np.float64),
            int(round(window_hours * NS_PER_HOUR)),
        )
        liq_source = f"{len(events)} LiquidationEvent prints per {window_hours:g} h"
    return EvaluationData(
        bars=bar_series,
        open_interest=Observations(np.array([x.ts_event for x in oi], dtype=np.int64),
                                   np.array([x.open_interest_usd for x in oi], dtype=np.float64),
                                   "OpenInterest"),
        funding=Observations(np.array([x.ts_event for x in funding], dtype=np.int64),
                             np.array([x.rate for x in funding], dtype=np.float64), "FundingRate"),
        liquidations=liquidations,
        source=f"catalog {path} ({kinds.pop()}) + {liq_source}",
    )
