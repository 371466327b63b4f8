"""Positioning data of the Binance archives: taker volume from klines, long/short ratios from ``metrics`` files.

Called by the archive converters of :mod:`.archives` on the batch they are converting; errors name file, line and
field through the converter (``ArchiveConverter._fail``).

- klines -> :class:`~liqheat_nautilus.data.TakerVolume`, one per bar, stamped at the bar close: USD-M
  ``taker_buy_quote_volume`` (USD; USDT taken as USD) and ``quote_volume`` minus it; COIN-M ``taker_buy_volume`` and
  ``volume`` minus it, in contracts, times the contract size (USD per contract).
- metrics (Binance's 5-minute ``futures/data`` statistics) -> :class:`~liqheat_nautilus.data.LongShortRatio`, one
  per filled ratio cell (:data:`METRICS_RATIO_COLUMNS`); a blank cell is no observation. The fourth ratio column,
  ``sum_taker_long_short_vol_ratio`` (taker buy ÷ sell volume of the same 5 minutes), carries no amount while
  ``TakerVolume`` is in USD; the amounts are exactly in the klines of the period, so taker volume is taken from
  the klines and this column is checked (a positive number or blank), not stored.
"""

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from liqheat_nautilus.core.units import NS_PER_SECOND
from liqheat_nautilus.data import LongShortRatio, TakerVolume
from liqheat_nautilus.persistence.csv_stream import Batch

if TYPE_CHECKING:
    from liqheat_nautilus.adapters.binance.archives import KlineConverter
    from liqheat_nautilus.adapters.common.converters import ArchiveConverter

METRICS_PERIOD_SECS = 300
"""The metrics archive's statistics period (5 minutes)."""

METRICS_RATIO_COLUMNS = {
    "top_trader_positions": "sum_toptrader_long_short_ratio",
    "top_trader_accounts": "count_toptrader_long_short_ratio",
    "accounts": "count_long_short_ratio",
}
"""``LongShortRatio.kind`` -> metrics column; written in this order at each timestamp (``accounts`` last)."""

Streams = dict[tuple[type, str], tuple[list, np.ndarray]]


def taker_volume_of_klines(conv: "KlineConverter", batch: Batch, volume: np.ndarray, ts: np.ndarray) -> Streams:
    """
    Return the bars' taker buy and sell volume in USD.

    Parameters
    ----------
    conv : KlineConverter
        The klines converter (instrument, file name, error helpers).
    batch : Batch
        The klines rows.
    volume : np.ndarray
        Shape ``(n,)`` float64 bar volume (base units, or contracts for COIN-M), already checked.
    ts : np.ndarray
        Shape ``(n,)`` int64 bar close times (UNIX ns).

    Returns
    -------
    Streams
        ``{(TakerVolume, instrument id): (objects, ts)}``.

    Raises
    ------
    IngestError
        For a negative or non-numeric volume, or a taker buy volume above the bar's volume (naming line and field).
    """
    inst = conv.instrument
    if inst.is_inverse:  # COIN-M: contracts x USD per contract
        size = float(inst.multiplier)
        total, buy_col = volume * size, "taker_buy_volume"
        buy = conv._floats(batch, buy_col, "non-negative") * size
    else:
        total, buy_col = conv._floats(batch, "quote_volume", "non-negative"), "taker_buy_quote_volume"
        buy = conv._floats(batch, buy_col, "non-negative")
    over = buy > total * (1.0 + 1e-9) + 1e-9
    if over.any():
        pos = int(np.flatnonzero(over)[0])
        raise conv._fail(batch, pos, buy_col, f"taker buy volume {buy[pos]!r} exceeds the bar's volume")
    sell = np.maximum(total - buy, 0.0)
    period = int(conv.name.interval_ns // NS_PER_SECOND)
    iid = inst.id
    items = [TakerVolume(instrument_id=iid, buy_usd=b, sell_usd=v, period_secs=period, ts_event=t, ts_init=t)
             for b, v, t in zip(buy.tolist(), sell.tolist(), ts.tolist(), strict=True)]
    return {(TakerVolume, iid.value): (items, ts)}


def _ratio_column(conv: "ArchiveConverter", batch: Batch, column: str) -> np.ndarray:
    """Return a ratio column: ``nan`` where blank; a bad or non-positive value is an error naming line and field."""
    text = np.char.strip(batch.table.column(column).to_numpy(zero_copy_only=False).astype(str))
    values = np.full(len(text), np.nan)
    filled = (text != "") & (text != "None")
    if filled.any():
        parsed = pd.to_numeric(pd.Series(text[filled]), errors="coerce").to_numpy(dtype=np.float64)
        bad = ~(np.isfinite(parsed) & (parsed > 0))
        if bad.any():
            pos = int(np.flatnonzero(filled)[int(np.flatnonzero(bad)[0])])
            raise conv._fail(batch, pos, column, f"{text[pos]!r} is not a positive number")
        values[filled] = parsed
    return values


def long_short_ratios_of_metrics(conv: "ArchiveConverter", batch: Batch, ts: np.ndarray) -> Streams:
    """
    Return the long/short ratio columns of a metrics batch, ``accounts`` last at each timestamp.

    Parameters
    ----------
    conv : ArchiveConverter
        The metrics converter.
    batch : Batch
        The metrics rows.
    ts : np.ndarray
        Shape ``(n,)`` int64 ``create_time`` of the rows (UNIX ns).

    Returns
    -------
    Streams
        ``{(LongShortRatio, instrument id): (objects, ts)}``, empty when every cell is blank.

    Raises
    ------
    IngestError
        For a ratio cell that is not a positive number (naming line and field).
    """
    iid = conv.instrument.id
    _ratio_column(conv, batch, "sum_taker_long_short_vol_ratio")  # checked only (see the module docstring)
    columns = {kind: _ratio_column(conv, batch, column) for kind, column in METRICS_RATIO_COLUMNS.items()}
    items: list[LongShortRatio] = []
    stamps: list[int] = []
    for k, t in enumerate(ts.tolist()):
        for kind, values in columns.items():
            if not np.isnan(values[k]):
                items.append(LongShortRatio(instrument_id=iid, ratio=float(values[k]), kind=kind,
                                            period_secs=METRICS_PERIOD_SECS, ts_event=t, ts_init=t))
                stamps.append(t)
    return {(LongShortRatio, iid.value): (items, np.asarray(stamps, dtype=np.int64))} if items else {}
