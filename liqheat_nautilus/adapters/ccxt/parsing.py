"""ccxt unified structures (OHLCV, trades, open interest and funding rates, current and history) to Nautilus objects.

ccxt's unified structures (docs.ccxt.com, "Unified API"): OHLCV ``[open time ms, open, high, low, close,
volume]`` with volume in base currency (ccxt picks the venue's base-volume column: OKX ``volCcy``, Bybit inverse
``turnover``); trades with ``side`` the taker's side; open interest with
``openInterestAmount`` in contracts and ``openInterestValue`` in quote (USD) when the venue gives it; funding
history with ``fundingRate`` per interval at ``timestamp``.
"""

import bisect
import math
from collections.abc import Callable

import numpy as np
from nautilus_trader.model.data import Bar, BarType, TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import CryptoPerpetual

from liqheat_nautilus.adapters.common.parsing import funding_rate_from_venue, open_interest_from_venue
from liqheat_nautilus.core.units import NS_PER_DAY, NS_PER_HOUR, NS_PER_MINUTE, NS_PER_MS
from liqheat_nautilus.data import FundingRate, OpenInterest
from liqheat_nautilus.persistence.errors import IngestError

_TIMEFRAME_UNITS = {"m": ("MINUTE", NS_PER_MINUTE // NS_PER_MS), "h": ("HOUR", NS_PER_HOUR // NS_PER_MS),
                    "d": ("DAY", NS_PER_DAY // NS_PER_MS)}


def timeframe_ms(timeframe: str) -> int:
    """
    Length of a ccxt timeframe (``"1m"``, ``"5m"``, ``"1h"``, ``"1d"``) in milliseconds.

    Parameters
    ----------
    timeframe : str
        A count >= 1 followed by a unit: ``m`` (minutes), ``h`` (hours) or ``d`` (days).

    Returns
    -------
    int
        Milliseconds (``"5m"``: 300000).

    Raises
    ------
    ValueError
        For an unsupported timeframe (a unit other than m, h, d or a count below 1).
    """
    count = timeframe[:-1]
    if not (count.isascii() and count.isdigit() and int(count) > 0 and timeframe[-1:] in _TIMEFRAME_UNITS):
        raise ValueError(f"unsupported timeframe {timeframe!r}; use e.g. 1m, 5m, 1h, 1d")
    return int(count) * _TIMEFRAME_UNITS[timeframe[-1]][1]


def close_at(ohlcv: list, timeframe: str) -> Callable[[int], float]:
    """
    Return ``price_at(ts_ms)``: the close of the last candle closed at or before ``ts_ms``.

    Used to value an open-interest history row at its own time (base units in USD, or an inverse contract's USD
    in base units), in the fetch and in the live warm-up alike.

    Parameters
    ----------
    ohlcv : list
        ccxt OHLCV rows ``[open time (UNIX ms), open, high, low, close, volume]``, ascending.
    timeframe : str
        Their ccxt timeframe (a candle closes ``timeframe_ms(timeframe)`` after it opens).

    Returns
    -------
    callable
        ``int -> float``; the first candle's close before it closed, ``nan`` when ``ohlcv`` is empty.

    Raises
    ------
    ValueError
        For an unsupported timeframe.
    """
    step = timeframe_ms(timeframe)
    closes_at = [int(r[0]) + step for r in ohlcv]
    closes = [float(r[4]) for r in ohlcv]

    def price_at(ts_ms: int) -> float:
        i = bisect.bisect_right(closes_at, ts_ms) - 1
        return closes[max(i, 0)] if closes else math.nan

    return price_at


def bar_type_for(instrument: CryptoPerpetual, timeframe: str) -> BarType:
    """
    Return the Nautilus bar type ``<instrument>-<n>-<MINUTE|HOUR|DAY>-LAST-EXTERNAL`` of a ccxt timeframe.

    Parameters
    ----------
    instrument : CryptoPerpetual
        The instrument of the bars (its id starts the bar type).
    timeframe : str
        A ccxt timeframe (``"1m"``, ``"5m"``, ``"1h"``, ``"1d"``; see :func:`timeframe_ms`).

    Returns
    -------
    BarType
        E.g. ``BTCUSDT-PERP.BINANCE-5-MINUTE-LAST-EXTERNAL`` for ``"5m"``.

    Raises
    ------
    ValueError
        For an unsupported timeframe (:func:`timeframe_ms`).
    """
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

    Parameters
    ----------
    rows : list[dict]
        ccxt unified trade structures, ascending: ``id``, ``timestamp`` (UNIX ms), ``price`` (quote currency),
        ``amount`` (contracts of the market, kept as the tick's size) and ``side`` (``"buy"`` or ``"sell"``; any
        other value gives ``NO_AGGRESSOR``).
    instrument : CryptoPerpetual
        The instrument (id, price and size precision).
    source : str
        Named in errors, e.g. ``"binance BTC/USDT:USDT trades"``.

    Returns
    -------
    list[TradeTick]
        One tick a row, ``ts_event`` = ``ts_init`` = ``timestamp`` in UNIX ns; empty for no rows.

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
    side = np.array([sides.get(str(r.get("side")), AggressorSide.NO_AGGRESSOR.value) for r in rows], dtype=np.uint8)
    ts = np.array([r["timestamp"] for r in rows], dtype=np.uint64) * np.uint64(NS_PER_MS)
    return TradeTick.from_raw_arrays_to_list(instrument.id, instrument.price_precision, instrument.size_precision,
                                             price, size, side, [str(r["id"]) for r in rows], ts, ts)


def finite_or_nan(value: object) -> float:
    """
    Return ``value`` as a float, ``nan`` when missing, not a number or not finite.

    Parameters
    ----------
    value : object
        A field of a ccxt structure (a number, numeric text, or ``None``).

    Returns
    -------
    float
        ``float(value)``, or ``nan``.
    """
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return out if math.isfinite(out) else math.nan


def open_interest_figures(row: dict, exchange_id: str, inverse: bool) -> dict[str, float]:
    """
    Return the figures of a ccxt open-interest structure by unit, as the venue reported them.

    ccxt's ``openInterestAmount`` is in contracts of the market's ``contractSize`` (Binance USD-M, Bybit linear and
    Hyperliquid report base units with a contract size of 1) and ``openInterestValue`` in USD, except for
    Binance COIN-M, whose ``sumOpenInterestValue`` (passed through as the value) is in the base asset.

    Parameters
    ----------
    row : dict
        A ccxt open-interest structure.
    exchange_id : str
        ccxt exchange id (``binance``, ``binancecoinm``, ``bybit``, ...).
    inverse : bool
        Whether the market is inverse (coin-margined).

    Returns
    -------
    dict[str, float]
        Keyword arguments ``contracts`` and ``usd`` (or ``base``) of
        :func:`~liqheat_nautilus.adapters.common.parsing.open_interest_from_venue`; ``nan`` when not reported.
    """
    amount, value = finite_or_nan(row.get("openInterestAmount")), finite_or_nan(row.get("openInterestValue"))
    if inverse and exchange_id.startswith("binance"):
        return {"contracts": amount, "base": value}
    return {"contracts": amount, "usd": value}


def open_interest_from_ccxt(row: dict, instrument_id: InstrumentId, venue: str, *, exchange_id: str,
                            contract_size: float, inverse: bool, price: float, ts_init: int | None = None,
                            now_ms: int | None = None) -> OpenInterest | None:
    """
    Convert one ccxt open-interest structure (current or history) to :class:`OpenInterest`.

    Parameters
    ----------
    row : dict
        The ccxt structure.
    instrument_id : InstrumentId
        The instrument the open interest is published under.
    venue : str
        ``OpenInterest.venue``.
    exchange_id : str
        ccxt exchange id (see :func:`open_interest_figures`).
    contract_size : float
        The market's ``contractSize`` (``Instrument.multiplier``).
    inverse : bool
        Whether the market is inverse.
    price : float
        Price at the observation (``nan`` when unknown), to convert between base units and USD.
    ts_init : int, optional
        Creation time (UNIX ns); default ``ts_event``.
    now_ms : int, optional
        Observation time (UNIX ms) for venues that send none (Hyperliquid).

    Returns
    -------
    OpenInterest or None
        ``None`` when neither a timestamp nor ``now_ms`` is known, or the USD value cannot be known (see
        :func:`~liqheat_nautilus.adapters.common.parsing.open_interest_from_venue`).

    Raises
    ------
    ValueError
        If a reported figure is negative.
    """
    ts_ms = row.get("timestamp") or now_ms
    if ts_ms is None:
        return None
    ts_event = int(ts_ms) * NS_PER_MS
    return open_interest_from_venue(instrument_id, venue, contract_size=contract_size, inverse=inverse,
                                    ts_event=ts_event, ts_init=ts_event if ts_init is None else ts_init,
                                    price=price, **open_interest_figures(row, exchange_id, inverse))


def open_interest_from_history(rows: list[dict], instrument: CryptoPerpetual, venue: str, exchange_id: str,
                               price_at: Callable[[int], float] | None, source: str) -> list[OpenInterest]:
    """
    Convert ccxt open-interest history to :class:`OpenInterest` (units by :func:`open_interest_figures`).

    Parameters
    ----------
    rows : list of dict
        ccxt open-interest structures, ascending.
    instrument : CryptoPerpetual
        Gives contract size (multiplier) and linear/inverse.
    venue : str
        Stored in each item (``OpenInterest.venue``).
    exchange_id : str
        ccxt exchange id.
    price_at : callable, optional
        ``price_at(ts_ms) -> price``: values base units in USD (linear venues reporting base units only) and gives
        the base units of inverse contracts.
    source : str
        Named in errors.

    Returns
    -------
    list[OpenInterest]

    Raises
    ------
    IngestError
        For a row without timestamp, with a negative figure, or whose USD value cannot be known.
    """
    size = float(instrument.multiplier)
    items = []
    for r in rows:
        ts = r.get("timestamp")
        if ts is None:
            raise IngestError(source, f"open interest without a timestamp: {r.get('info')!r}", field="timestamp")
        price = price_at(int(ts)) if price_at is not None else math.nan
        try:
            oi = open_interest_from_ccxt(r, instrument.id, venue, exchange_id=exchange_id, contract_size=size,
                                         inverse=instrument.is_inverse, price=price)
        except ValueError as exc:
            raise IngestError(source, f"{exc}: {r.get('info')!r}", field=f"timestamp={ts}") from None
        if oi is None:
            raise IngestError(source, f"open interest without a usable USD value: {r.get('info')!r}",
                              field=f"timestamp={ts}")
        items.append(oi)
    return items


def funding_interval_hours(times_ms: list[int], default: float) -> float:
    """
    Funding interval (hours) of a history page: the median spacing of its funding times, to the minute.

    Parameters
    ----------
    times_ms : list[int]
        Funding times (UNIX ms), any order.
    default : float
        Returned with fewer than two distinct times.

    Returns
    -------
    float
        Hours (8 for Binance/Bybit/OKX BTC, 1 for Hyperliquid).
    """
    ordered = sorted(set(times_ms))
    gaps = sorted(b - a for a, b in zip(ordered, ordered[1:], strict=False))
    if not gaps:
        return default
    return round(gaps[len(gaps) // 2] / 60_000) / 60.0


def funding_from_history(rows: list[dict], instrument_id: InstrumentId, default_interval_hours: float, source: str,
                         ts_init: int | None = None) -> list[FundingRate]:
    """
    Convert ccxt funding-rate history to :class:`FundingRate` (the history fetch and the poller's warm-up).

    History rows carry no interval: it is the spacing of the venue's funding times (:func:`funding_interval_hours`,
    Hyperliquid 1 h); each row is a settled rate stamped at its funding time, so ``next_funding_ns`` is the time
    plus one interval.

    Parameters
    ----------
    rows : list of dict
        ccxt funding-rate history structures (``timestamp`` ms, ``fundingRate`` per interval).
    instrument_id : InstrumentId
        The perpetual.
    default_interval_hours : float
        Interval when fewer than two rows give a spacing.
    source : str
        Named in errors.
    ts_init : int, optional
        Creation time (UNIX ns); default each row's ``ts_event``.

    Returns
    -------
    list[FundingRate]

    Raises
    ------
    IngestError
        For a row without timestamp or with a non-finite rate.
    """
    interval = funding_interval_hours([int(r["timestamp"]) for r in rows if r.get("timestamp") is not None],
                                      default_interval_hours)
    items = []
    for r in rows:
        rate = finite_or_nan(r.get("fundingRate"))
        if r.get("timestamp") is None or not math.isfinite(rate):
            raise IngestError(source, f"bad funding row {r.get('info')!r}", field=f"timestamp={r.get('timestamp')}")
        t = int(r["timestamp"]) * NS_PER_MS
        items.append(funding_rate_from_venue(instrument_id, rate, interval_hours=interval, ts_event=t,
                                             ts_init=t if ts_init is None else ts_init))
    return items


def _interval_hours(text: object, default: float) -> float:
    if isinstance(text, str) and text.endswith("h") and text[:-1].replace(".", "", 1).isdigit():
        return float(text[:-1])
    return default


def funding_from_ccxt(raw: dict, instrument_id: InstrumentId, default_interval_hours: float,
                      now_ns: int) -> FundingRate:
    """
    Convert a ccxt current funding-rate structure (``fetch_funding_rate``) to :class:`FundingRate`.

    ccxt's ``fundingTimestamp`` is when ``fundingRate`` is next paid (Binance/Bybit ``nextFundingTime``, OKX
    ``fundingTime``, Hyperliquid the next hour); OKX's ``nextFundingTimestamp`` is the settlement after that.

    Parameters
    ----------
    raw : dict
        The ccxt structure.
    instrument_id : InstrumentId
        The perpetual.
    default_interval_hours : float
        Interval when the venue does not send one (ccxt ``interval`` such as ``"8h"``).
    now_ns : int
        Receive time (UNIX ns): ``ts_init``, and ``ts_event`` when the venue sends no timestamp.

    Returns
    -------
    FundingRate
        ``next_funding_ns`` 0 when the venue sends no next funding time.

    Raises
    ------
    ValueError
        If the structure has no finite ``fundingRate``.
    """
    rate = finite_or_nan(raw.get("fundingRate"))
    if not math.isfinite(rate):
        raise ValueError(f"funding response has no finite fundingRate: {raw.get('info')!r}")
    next_ms = raw.get("fundingTimestamp") or raw.get("nextFundingTimestamp") or 0
    return funding_rate_from_venue(instrument_id, rate,
                                   interval_hours=_interval_hours(raw.get("interval"), default_interval_hours),
                                   ts_event=int(raw.get("timestamp") or now_ns // NS_PER_MS) * NS_PER_MS,
                                   ts_init=now_ns, next_funding_ns=int(next_ms) * NS_PER_MS)
