"""ccxt unified rows (OHLCV, trades, open-interest and funding-rate history) to Nautilus objects.

ccxt's unified structures (docs.ccxt.com, "Unified API"): OHLCV ``[open time ms, open, high, low, close,
volume]`` with volume in base currency (ccxt picks the venue's base-volume column: OKX ``volCcy``, Bybit inverse
``turnover``); trades with ``side`` the taker's side; open interest with
``openInterestAmount`` in contracts and ``openInterestValue`` in quote (USD) when the venue gives it; funding
history with ``fundingRate`` per interval at ``timestamp``.
"""

import math
from collections.abc import Callable

import numpy as np
from nautilus_trader.model.data import Bar, BarType, TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.instruments import CryptoPerpetual

from liqheat_nautilus.core.units import NS_PER_HOUR, NS_PER_MS
from liqheat_nautilus.data import FundingRate, OpenInterest
from liqheat_nautilus.ingest.errors import IngestError

_TIMEFRAME_UNITS = {"m": ("MINUTE", 60_000), "h": ("HOUR", 3_600_000), "d": ("DAY", 86_400_000)}


def timeframe_ms(timeframe: str) -> int:
    """
    Length of a ccxt timeframe (``"1m"``, ``"5m"``, ``"1h"``, ``"1d"``) in milliseconds.

    Raises
    ------
    ValueError
        For an unsupported timeframe.
    """
    try:
        return int(timeframe[:-1]) * _TIMEFRAME_UNITS[timeframe[-1]][1]
    except (KeyError, ValueError):
        raise ValueError(f"unsupported timeframe {timeframe!r}; use e.g. 1m, 5m, 1h, 1d") from None


def bar_type_for(instrument: CryptoPerpetual, timeframe: str) -> BarType:
    """The Nautilus bar type ``<instrument>-<n>-<MINUTE|HOUR|DAY>-LAST-EXTERNAL`` of a ccxt timeframe."""
    timeframe_ms(timeframe)
    return BarType.from_str(f"{instrument.id}-{int(timeframe[:-1])}-{_TIMEFRAME_UNITS[timeframe[-1]][0]}"
                            "-LAST-EXTERNAL")


def bars_from_ohlcv(rows: list, instrument: CryptoPerpetual, timeframe: str, source: str) -> list[Bar]:
    """
    Convert ccxt OHLCV rows to bars stamped at the bar close (open time + timeframe), like the archive ingest.

    The bar volume is stored in the instrument's size unit, contracts, as the archive klines and trade ticks
    are: base volume / contract size for linear contracts, base volume x close / contract size (USD) for inverse
    ones (the close stands in for the bar's unknown VWAP).

    Parameters
    ----------
    rows : list of list
        ``[open_ms, open, high, low, close, volume]``, ascending.
    instrument : CryptoPerpetual
        Price/size precision.
    timeframe : str
        ccxt timeframe.
    source : str
        Named in errors (``"<exchange> <symbol> ohlcv"``).

    Returns
    -------
    list[Bar]

    Raises
    ------
    IngestError
        For a missing/non-positive price, negative volume or inconsistent OHLC (naming the open time as field).
    """
    arr = np.array([[float("nan") if v is None else v for v in r[:6]] for r in rows], dtype=np.float64)
    if not len(arr):
        return []
    o, h, lo, c = arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4]
    v = np.nan_to_num(arr[:, 5], nan=0.0)
    bad = ~np.isfinite(arr[:, 1:5]).all(axis=1) | (arr[:, 1:5] <= 0).any(axis=1) | (v < 0)
    bad |= (h < np.maximum(np.maximum(o, c), lo)) | (lo > np.minimum(o, c))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise IngestError(source, f"bad candle {rows[pos]!r}", field=f"open_time={int(arr[pos, 0])}")
    multiplier = float(instrument.multiplier)
    v = v * c / multiplier if instrument.is_inverse else v / multiplier
    ts = (arr[:, 0].astype(np.int64) + timeframe_ms(timeframe)) * NS_PER_MS
    ts_u = ts.astype(np.uint64)
    return Bar.from_raw_arrays_to_list(bar_type_for(instrument, timeframe), instrument.price_precision,
                                       instrument.size_precision, o.copy(), h.copy(), lo.copy(), c.copy(),
                                       v.copy(), ts_u, ts_u)


def ticks_from_trades(rows: list[dict], instrument: CryptoPerpetual, source: str) -> list[TradeTick]:
    """
    Convert ccxt trades to trade ticks (aggressor = ccxt ``side``, the taker's; size in contracts).

    Raises
    ------
    IngestError
        For a trade without id, timestamp, positive price or positive amount.
    """
    if not rows:
        return []
    sides = {"buy": AggressorSide.BUYER.value, "sell": AggressorSide.SELLER.value}
    for r in rows:
        if r.get("id") is None or r.get("timestamp") is None or not (r.get("price") or 0) > 0 \
                or not (r.get("amount") or 0) > 0:
            raise IngestError(source, f"bad trade {r.get('info')!r}", field=f"id={r.get('id')}")
    price = np.array([r["price"] for r in rows], dtype=np.float64)
    size = np.array([r["amount"] for r in rows], dtype=np.float64)
    side = np.array([sides.get(r.get("side"), AggressorSide.NO_AGGRESSOR.value) for r in rows], dtype=np.uint8)
    ts = np.array([r["timestamp"] for r in rows], dtype=np.uint64) * np.uint64(NS_PER_MS)
    return TradeTick.from_raw_arrays_to_list(instrument.id, instrument.price_precision, instrument.size_precision,
                                             price, size, side, [str(r["id"]) for r in rows], ts, ts)


def open_interest_from_history(rows: list[dict], instrument: CryptoPerpetual, venue: str,
                               price_at: Callable[[int], float] | None, source: str) -> list[OpenInterest]:
    """
    Convert ccxt open-interest history to :class:`OpenInterest` carrying the venue.

    USD is ``openInterestValue`` when the venue gives it (Binance, OKX, Bybit inverse); else, for a linear
    contract, contracts x contract size x price, with the price from ``price_at`` (Bybit linear reports only
    base units). Contracts are ``openInterestAmount`` (or USD / contract size for inverse contracts); base units
    are contracts x contract size for linear contracts, ``nan`` otherwise.

    Parameters
    ----------
    rows : list of dict
        ccxt open-interest structures, ascending.
    instrument : CryptoPerpetual
        Gives contract size (multiplier) and linear/inverse.
    venue : str
        Stored in each item (``OpenInterest.venue``).
    price_at : callable, optional
        ``price_at(ts_ms) -> price``, needed only when USD must be computed.
    source : str
        Named in errors.

    Returns
    -------
    list[OpenInterest]

    Raises
    ------
    IngestError
        For a row with neither USD value nor amount, or a negative/NaN value.
    """
    size = float(instrument.multiplier)
    items = []
    for r in rows:
        ts = r.get("timestamp")
        contracts = r.get("openInterestAmount")
        usd = r.get("openInterestValue")
        if instrument.is_inverse:
            if usd is None and contracts is not None:
                usd = contracts * size
            if contracts is None and usd is not None:
                contracts = usd / size
            base = math.nan
        else:
            base = contracts * size if contracts is not None else math.nan
            if usd is None and contracts is not None and price_at is not None:
                usd = base * price_at(int(ts))
        if ts is None or usd is None or not math.isfinite(usd) or usd < 0:
            raise IngestError(source, f"open interest without a usable USD value: {r.get('info')!r}",
                              field=f"timestamp={ts}")
        t = int(ts) * NS_PER_MS
        items.append(OpenInterest(instrument_id=instrument.id, venue=venue, open_interest_usd=float(usd),
                                  open_interest_contracts=float("nan") if contracts is None else float(contracts),
                                  open_interest_base=float(base), ts_event=t, ts_init=t))
    return items


def funding_interval_hours(rows: list[dict], default: float = 8.0) -> float:
    """
    The funding interval inferred from consecutive funding times (median step, rounded to whole hours).

    Parameters
    ----------
    rows : list of dict
        ccxt funding-rate history, ascending.
    default : float, default 8.0
        When fewer than two rows.

    Returns
    -------
    float
        Hours.
    """
    ts = np.array([r["timestamp"] for r in rows if r.get("timestamp") is not None], dtype=np.int64)
    if len(ts) < 2:
        return default
    hours = float(np.round(np.median(np.diff(ts)) / 3_600_000))
    return hours if hours > 0 else default


def funding_from_history(rows: list[dict], instrument: CryptoPerpetual, interval_hours: float,
                         source: str) -> list[FundingRate]:
    """
    Convert ccxt funding-rate history to :class:`FundingRate` (``next_funding_ns`` = time + interval).

    Raises
    ------
    IngestError
        For a row without timestamp or with a non-finite rate.
    """
    items = []
    step = int(round(interval_hours * NS_PER_HOUR))
    for r in rows:
        rate = r.get("fundingRate")
        if r.get("timestamp") is None or rate is None or not math.isfinite(rate):
            raise IngestError(source, f"bad funding row {r.get('info')!r}", field=f"timestamp={r.get('timestamp')}")
        t = int(r["timestamp"]) * NS_PER_MS
        items.append(FundingRate(instrument_id=instrument.id, rate=float(rate), interval_hours=float(interval_hours),
                                 next_funding_ns=t + step, ts_event=t, ts_init=t))
    return items
