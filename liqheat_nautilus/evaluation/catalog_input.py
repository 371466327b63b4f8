"""Read evaluation inputs from a Nautilus ``ParquetDataCatalog`` (the project's catalog layout).

Bars, open interest (USD and base units) and funding come from the one catalog reader,
:func:`~liqheat_nautilus.persistence.reader.read_market_series` (bars stamped at their close, as the project's
ingests write them), the open interest optionally summed over several instruments as a map actor with
``oi_instrument_ids`` sums it. Actual liquidations come either from a ``timestamp,long_usd,short_usd`` CSV (see
:mod:`liqheat_nautilus.evaluation.csv_inputs`) or from the catalog's ``LiquidationEvent`` prints, summed per
UTC-aligned window (:func:`~liqheat_nautilus.evaluation.liquidation_events.aggregate_liquidations`).
"""

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from liqheat_nautilus.core.enums import Side
from liqheat_nautilus.core.units import NS_PER_HOUR, NS_PER_SECOND
from liqheat_nautilus.evaluation.csv_inputs import read_liquidations_csv
from liqheat_nautilus.evaluation.liquidation_events import aggregate_liquidations
from liqheat_nautilus.evaluation.series import BarSeries, EvaluationData, Observations
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.reader import read_liquidation_events, read_market_series

DEFAULT_WINDOW_HOURS = 4.0
"""Window (hours) over which a catalog's ``LiquidationEvent`` prints are summed when no other is given."""


def check_open_interest_of(catalog_path: str | Path, instrument_ids: Sequence[str], option: str) -> None:
    """
    Check that a catalog holds open interest of every instrument a map sums (before anything is replayed).

    Parameters
    ----------
    catalog_path : str or Path
        The ``ParquetDataCatalog`` folder (a missing folder is not checked here: the reader reports it).
    instrument_ids : Sequence[str]
        The summed instruments (a map actor's ``oi_instrument_ids``), e.g.
        ``["SOL-USDT-SWAP.OKX", "SOLUSDT-LINEAR.BYBIT"]``.
    option : str
        The option or field to name in the error, e.g. ``"--oi-instrument-ids"``.

    Raises
    ------
    IngestError
        Naming the catalog, the option and the first instrument without any ``OpenInterest`` row (the summed map
        would never update, as ``liqheat backtest`` reports for an actor's ``oi_instrument_ids``).
    """
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.persistence.scan import SUMMED_OPEN_INTEREST_MISSING, first_without_open_interest

    if not Path(catalog_path).is_dir():
        return
    missing = first_without_open_interest(ParquetDataCatalog(str(catalog_path)), instrument_ids)
    if missing is not None:
        raise IngestError(catalog_path, f"{option}: the catalog has no open interest of {missing}; "
                                        f"{SUMMED_OPEN_INTEREST_MISSING}", field="OpenInterest")


def read_catalog(
    catalog_path: str | Path,
    instrument_id: str,
    liquidations_csv: str | Path | None = None,
    bar_type: str | None = None,
    window_hours: float = DEFAULT_WINDOW_HOURS,
    oi_instrument_ids: Sequence[str] | None = None,
    oi_max_age_secs: int = 0,
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
    oi_instrument_ids : Sequence[str], optional
        Sum the open interest of these instruments instead of reading the instrument's own, as a map actor with
        these ``oi_instrument_ids`` sums it (a reading once every instrument has reported); ``None``: the
        instrument's own open interest.
    oi_max_age_secs : int, default 0
        With ``oi_instrument_ids``: an instrument's reading older than this (seconds, relative to the newest) holds
        the sum back until it reports again (the actor's ``oi_max_age_secs``; 0: never stale).

    Returns
    -------
    EvaluationData
        Bars with ``open_ns = close_ns - bar length`` (the most common spacing), OI in USD (and in base units
        where the venue reported them) at each ``ts_event``, funding rates (fraction) at each ``ts_event``.

    Raises
    ------
    IngestError
        If the catalog is missing, holds no bars or no open interest for the instrument (of an instrument of
        ``oi_instrument_ids``, or no reading at which all of them were reported and fresh), several bar types
        without ``bar_type``, or (without a CSV) no ``LiquidationEvent``.
    """
    path = Path(catalog_path)
    summed = [str(i) for i in oi_instrument_ids] if oi_instrument_ids else None
    series = read_market_series(path, instrument_id, bar_type, oi_instrument_ids=summed,
                                oi_max_age_ns=int(oi_max_age_secs) * NS_PER_SECOND)
    if len(series) < 2:
        raise IngestError(path, "needs at least two bars to infer the bar length", field="Bar")
    values, counts = np.unique(np.diff(series.bar_ts_ns), return_counts=True)
    step = int(values[counts.argmax()])
    bar_series = BarSeries(series.bar_ts_ns - step, series.bar_ts_ns, series.open, series.high, series.low,
                           series.close, series.volume)
    oi_text = f"open interest summed over {' + '.join(summed)}" if summed else ""
    if not series.oi_ts_ns.size:
        raise IngestError(path, f"no {oi_text} reading at which every instrument had reported and none was more "
                                f"than {oi_max_age_secs} s (oi_max_age_secs) behind the newest" if summed
                          else f"no OpenInterest for {instrument_id}", field="OpenInterest")
    if liquidations_csv is not None:
        liquidations = read_liquidations_csv(liquidations_csv)
        liq_source = f"liquidations {liquidations_csv}"
    else:
        events = read_liquidation_events(path, instrument_id)
        if not events:
            raise IngestError(path, f"no LiquidationEvent for {instrument_id} (no liqheat command writes liquidation "
                                    "prints into a catalog): give --liquidations, a CSV of per-window totals "
                                    "timestamp,long_usd,short_usd (docs/evaluation.md)", field="LiquidationEvent")
        liquidations = aggregate_liquidations(
            np.array([e.ts_event for e in events], dtype=np.int64),
            np.array([e.side == Side.LONG for e in events], dtype=bool),
            np.array([e.notional_usd for e in events], dtype=np.float64),
            int(round(window_hours * NS_PER_HOUR)),
        )
        liq_source = f"{len(events)} LiquidationEvent prints per {window_hours:g} h"
    return EvaluationData(
        bars=bar_series,
        open_interest=Observations(series.oi_ts_ns, series.oi_usd, "OpenInterest", base=series.oi_base),
        funding=Observations(series.funding_ts_ns, series.funding_rate, "FundingRate"),
        liquidations=liquidations,
        source=f"catalog {path} ({series.bar_type}{', ' + oi_text if summed else ''}) + {liq_source}",
        is_inverse=series.is_inverse,
        instrument_id=instrument_id,
    )
