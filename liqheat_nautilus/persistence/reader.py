"""The one reader of a catalog's market inputs: bars, open interest, funding, positioning data, trades as numpy arrays.

``liqheat plot``, the backtest report chart and ``liqheat evaluate`` all read through :func:`read_market_series`,
so they see the same rows the :class:`~liqheat_nautilus.actor.LiquidationMapActor` sees in a backtest, open interest
in base units and trade quantities in base units (as the actor's map converts them) included.
"""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from liqheat_nautilus.core.trades import trade_base_units
from liqheat_nautilus.persistence.errors import IngestError


@dataclass(frozen=True)
class MarketSeries:
    """
    Bars, open interest, funding and positioning data of one instrument as numpy arrays (time ascending).

    Attributes
    ----------
    instrument_id : str
        E.g. ``"SOL-USDT-SWAP.OKX"``.
    bar_ts_ns : np.ndarray
        Shape ``(n,)`` int64 bar ``ts_event`` (bar close, UNIX ns).
    open, high, low, close, volume : np.ndarray
        Shape ``(n,)`` float64 bar prices (quote currency) and volume (the instrument's size unit: base units or
        contracts).
    oi_ts_ns : np.ndarray
        Shape ``(m,)`` int64 open-interest times (UNIX ns).
    oi_usd, oi_base : np.ndarray
        Shape ``(m,)`` open interest (USD notional) and in base units (``nan`` when the venue did not report it).
    funding_ts_ns : np.ndarray
        Shape ``(f,)`` int64 funding times (UNIX ns).
    funding_rate : np.ndarray
        Shape ``(f,)`` funding rate (fraction per interval).
    bar_type : str
        The bar type read (``""`` when built by hand).
    ratio_ts_ns, ratio : np.ndarray
        Shape ``(r,)``: long/short ratio observations (UNIX ns; longs ÷ shorts), empty when none.
    taker_ts_ns, taker_buy_usd, taker_sell_usd : np.ndarray
        Shape ``(q,)``: taker volume per period (UNIX ns of the period end; USD), empty when none.
    trade_ticks : bool
        The series holds the instrument's trade ticks (read with ``trade_ticks=True``): the inputs of a map actor
        with ``subscribe_trade_ticks``, which a replay feeds in that actor's order (:mod:`liqheat_nautilus.replay`).
    trade_ts_ns : np.ndarray
        Shape ``(t,)`` int64 trade ``ts_event`` (UNIX ns), empty unless ``trade_ticks``.
    trade_price : np.ndarray
        Shape ``(t,)`` float64 trade prices (quote currency).
    trade_quantity : np.ndarray
        Shape ``(t,)`` float64 trade quantities in base units, converted from the tick size (contracts) as the
        actor's map converts them (:func:`~liqheat_nautilus.core.trades.trade_base_units`: × multiplier, ÷ price when
        inverse).
    trade_seller_taker : np.ndarray
        Shape ``(t,)`` bool: the seller was the aggressor (``AggressorSide.SELLER``; Binance's ``is_buyer_maker``).
    is_inverse : bool or None, default None
        The catalog's definition of the instrument is an inverse (coin-margined) contract; ``None`` when unknown
        (a series built by hand, or a catalog without the definition). A replay takes ``MapParams.inverse`` from
        it when known (:class:`~liqheat_nautilus.replay.MapReplay`), as the actor asks its instrument.
    """

    instrument_id: str
    bar_ts_ns: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    oi_ts_ns: np.ndarray
    oi_usd: np.ndarray
    oi_base: np.ndarray
    funding_ts_ns: np.ndarray
    funding_rate: np.ndarray
    bar_type: str = ""
    ratio_ts_ns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ratio: np.ndarray = field(default_factory=lambda: np.zeros(0))
    taker_ts_ns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    taker_buy_usd: np.ndarray = field(default_factory=lambda: np.zeros(0))
    taker_sell_usd: np.ndarray = field(default_factory=lambda: np.zeros(0))
    trade_ticks: bool = False
    trade_ts_ns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    trade_price: np.ndarray = field(default_factory=lambda: np.zeros(0))
    trade_quantity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    trade_seller_taker: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    is_inverse: bool | None = None

    def __post_init__(self) -> None:
        """
        Check that trades come only with ``trade_ticks``.

        Raises
        ------
        ValueError
            If the series holds trades and ``trade_ticks`` is false.
        """
        if not self.trade_ticks and self.trade_ts_ns.size:
            raise ValueError(f"MarketSeries of {self.instrument_id}: {self.trade_ts_ns.size} trades given with "
                             "trade_ticks=False (set trade_ticks=True: the trades of an actor subscribed to them)")

    def __len__(self) -> int:
        """Return the number of bars."""
        return int(self.bar_ts_ns.size)

    def until(self, at_ns: int) -> "MarketSeries":
        """
        Return the part of the series at or before ``at_ns``.

        Parameters
        ----------
        at_ns : int
            Cut-off time (UNIX ns, inclusive).

        Returns
        -------
        MarketSeries
        """
        return self._cut(at_ns, at_ns, "right", keep_before=True)

    def since(self, start_ns: int, bars_start_ns: int | None = None) -> "MarketSeries":
        """
        Return the part of the series at or after ``start_ns`` (the bars at or after ``bars_start_ns``).

        A backtest that starts late feeds its map actor this: the bars of its warm-up lookback before the start,
        every other input from the start on.

        Parameters
        ----------
        start_ns : int
            Start of the open interest, funding, long/short ratio, taker volume and trades (UNIX ns, inclusive).
        bars_start_ns : int, optional
            Start of the bars (UNIX ns, inclusive); default ``start_ns``.

        Returns
        -------
        MarketSeries
        """
        return self._cut(start_ns if bars_start_ns is None else bars_start_ns, start_ns, "left", keep_before=False)

    def _cut(self, bars_ns: int, others_ns: int, side: Literal["left", "right"], keep_before: bool) -> "MarketSeries":
        """Keep the rows before (``keep_before``) or from the ``searchsorted(side)`` position of each time."""
        columns = {"bar": ("bar_ts_ns", "open", "high", "low", "close", "volume"),
                   "oi": ("oi_ts_ns", "oi_usd", "oi_base"), "funding": ("funding_ts_ns", "funding_rate"),
                   "ratio": ("ratio_ts_ns", "ratio"), "taker": ("taker_ts_ns", "taker_buy_usd", "taker_sell_usd"),
                   "trade": ("trade_ts_ns", "trade_price", "trade_quantity", "trade_seller_taker")}
        cut: dict[str, Any] = {}
        for kind, names in columns.items():
            at = int(np.searchsorted(getattr(self, names[0]), bars_ns if kind == "bar" else others_ns, side=side))
            part = slice(None, at) if keep_before else slice(at, None)
            cut.update({name: getattr(self, name)[part] for name in names})
        return dataclasses.replace(self, **cut)

    def keep_trades(self, first_ns: int, last_ns: int) -> "MarketSeries":
        """
        Return the series with only the trades within ``[first_ns, last_ns]``; the other inputs are kept.

        Parameters
        ----------
        first_ns, last_ns : int
            Inclusive bounds (UNIX ns), e.g. the span over which a backtest streams trade ticks to an actor.

        Returns
        -------
        MarketSeries
        """
        ts = self.trade_ts_ns
        part = slice(int(np.searchsorted(ts, first_ns, side="left")), int(np.searchsorted(ts, last_ns, side="right")))
        return dataclasses.replace(self, trade_ts_ns=ts[part], trade_price=self.trade_price[part],
                                   trade_quantity=self.trade_quantity[part],
                                   trade_seller_taker=self.trade_seller_taker[part])

    def bars_frame(self) -> pd.DataFrame:
        """
        Return the bars as a DataFrame.

        Returns
        -------
        pandas.DataFrame
            Index ``ts`` (UTC timestamps of the bar close), columns ``open``, ``high``, ``low``, ``close``,
            ``volume``.
        """
        index = pd.DatetimeIndex(pd.to_datetime(self.bar_ts_ns, unit="ns", utc=True), name="ts")
        return pd.DataFrame({"open": self.open, "high": self.high, "low": self.low, "close": self.close,
                             "volume": self.volume}, index=index)


def value_at(ts_ns: np.ndarray, values: np.ndarray, at_ns: np.ndarray) -> np.ndarray:
    """
    Return the last value observed at or before each query time (step interpolation).

    Parameters
    ----------
    ts_ns : np.ndarray
        Shape ``(n,)`` int64 observation times, increasing.
    values : np.ndarray
        Shape ``(n,)`` observed values.
    at_ns : np.ndarray
        Shape ``(m,)`` int64 query times.

    Returns
    -------
    np.ndarray
        Shape ``(m,)`` float64; ``nan`` where no observation precedes the query.
    """
    pos = np.searchsorted(ts_ns, at_ns, side="right") - 1
    out = np.full(np.shape(at_ns), np.nan)
    ok = pos >= 0
    out[ok] = np.asarray(values, dtype=np.float64)[pos[ok]]
    return out


def _sorted(items: list) -> list:
    """Return custom data unwrapped from ``CustomData`` and sorted by ``ts_event`` (stable)."""
    return sorted((getattr(x, "data", x) for x in items), key=lambda x: x.ts_event)


def read_market_series(
    catalog: str | Path,
    instrument_id: str,
    bar_type: str | None = None,
    start_ns: int | None = None,
    end_ns: int | None = None,
    ratio_kind: str = "accounts",
    oi_instrument_ids: Sequence[str] | None = None,
    oi_max_age_ns: int = 0,
    trade_ticks: bool = False,
) -> MarketSeries:
    """
    Read bars, open interest, funding, positioning data (and trades) of one instrument from a ``ParquetDataCatalog``.

    Parameters
    ----------
    catalog : str or Path
        Catalog folder (e.g. ``catalog/build/okx_sol_usdt_swap``).
    instrument_id : str
        Instrument id, e.g. ``"SOL-USDT-SWAP.OKX"``; open interest and funding are read for it.
    bar_type : str, optional
        A full bar type (``"SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL"``) or a bar specification
        (``"1-MINUTE-LAST"``, read as ``<instrument_id>-1-MINUTE-LAST-EXTERNAL``). Default: the instrument's only
        bar type in the catalog.
    start_ns, end_ns : int, optional
        Inclusive time bounds (UNIX ns).
    ratio_kind : str, default "accounts"
        Which ``LongShortRatio`` rows to read (one of ``RATIO_KINDS``; a Binance catalog holds three kinds per
        5-minute stamp).
    oi_instrument_ids : Sequence[str], optional
        Sum the open interest of these instruments instead of reading the instrument's own (a map actor's
        ``oi_instrument_ids``; e.g. the same contract on several venues), as the actor sums it
        (:func:`~liqheat_nautilus.core.open_interest_book.summed_readings`).
    oi_max_age_ns : int, default 0
        With ``oi_instrument_ids``: a source's reading older than this (ns) behind the newest makes the sum
        unavailable (the actor's ``oi_max_age_secs``; 0: never).
    trade_ticks : bool, default False
        Also read the instrument's ``TradeTick`` rows in the bounds (Nautilus' ``ParquetDataCatalog.trade_ticks``),
        with quantities in base units as a map actor with ``subscribe_trade_ticks`` converts them (the catalog's
        definition of the instrument gives the multiplier and whether it is inverse).

    Returns
    -------
    MarketSeries
        Rows sorted by ``ts_event``; open interest, funding, positioning data and trades may be empty. Read as one
        committed state of the catalog (:func:`~liqheat_nautilus.persistence.transaction.consistent_read`).

    Raises
    ------
    IngestError
        If the catalog folder does not exist, holds no bars of the bar type (or instrument) in the bounds, or
        holds several bar types for the instrument and ``bar_type`` is not given; with ``trade_ticks``, if it holds
        no definition of the instrument (field ``Instrument``: the trade sizes cannot be converted); naming the
        file, if one is not readable Parquet.
    """
    import pyarrow as pa

    from liqheat_nautilus.persistence.transaction import consistent_read

    path = Path(catalog)
    if not path.is_dir():
        raise IngestError(path, "a file, not a catalog folder" if path.exists() else "catalog not found: no such "
                          "folder (build one with `liqheat catalog ingest` or `liqheat catalog fetch`)")
    summed = (tuple(str(i) for i in oi_instrument_ids), int(oi_max_age_ns)) if oi_instrument_ids else None
    try:
        return consistent_read(path, lambda: _read(path, instrument_id, bar_type, start_ns, end_ns, ratio_kind,
                                                   summed, trade_ticks))
    except pa.ArrowException:  # a truncated or foreign file: named as plot, backtest and serve name it
        from liqheat_nautilus.persistence.scan import scan_catalog

        scan_catalog(path)  # raises the IngestError of the first unreadable file
        raise


def read_instruments(catalog: str | Path) -> dict[str, Any]:
    """
    Read the instrument definitions a ``ParquetDataCatalog`` holds.

    Parameters
    ----------
    catalog : str or Path
        Catalog folder (need not exist).

    Returns
    -------
    dict[str, Instrument]
        Nautilus instruments by instrument id (``"BTCUSD-PERP.BINANCE"``); empty when the folder holds no data.

    Raises
    ------
    Exception
        What Nautilus' decoders raise on a damaged definition (callers name the file).
    """
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    path = Path(catalog)
    if not (path / "data").is_dir():
        return {}
    return {i.id.value: i for i in ParquetDataCatalog(str(path)).instruments()}


def read_liquidation_events(catalog: str | Path, instrument_id: str) -> list:
    """
    Read the instrument's ``LiquidationEvent`` prints from a ``ParquetDataCatalog``.

    Parameters
    ----------
    catalog : str or Path
        Catalog folder.
    instrument_id : str
        Instrument id, e.g. ``"BTCUSDT-PERP.BINANCE"``.

    Returns
    -------
    list of LiquidationEvent
        Sorted by ``ts_event`` (stable); empty when the catalog holds none (or has never held the type).
    """
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.data import LiquidationEvent

    return _sorted(_query_if_present(ParquetDataCatalog(str(catalog)), LiquidationEvent, instrument_id, {}))


def _no_bars(path: Path, wanted: str) -> str:
    """Return the message of a read that found no bars: the bar types the catalog holds, or that it holds none."""
    from liqheat_nautilus.persistence.scan import scan_catalog

    held = sorted(s.identifier for s in scan_catalog(path, on_error=lambda error: None) if s.type_name == "bar")
    if not any(h == wanted or h.startswith(f"{wanted}-") for h in held):
        return f"no bars of {wanted}; the catalog's bar types: {', '.join(held) if held else 'none'}"
    return f"no bars of {wanted} in the requested time range"


def _read(path: Path, instrument_id: str, bar_type: str | None, start_ns: int | None, end_ns: int | None,
          ratio_kind: str, summed: tuple[tuple[str, ...], int] | None = None, trade_ticks: bool = False
          ) -> MarketSeries:
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.bar_arrays import bar_arrays
    from liqheat_nautilus.data import FundingRate, LongShortRatio, OpenInterest, TakerVolume

    cat = ParquetDataCatalog(str(path))
    bounds = {"start": start_ns, "end": end_ns}
    if bar_type and not bar_type.startswith(f"{instrument_id}-"):
        bar_type = f"{instrument_id}-{bar_type}-EXTERNAL"
    if bar_type:
        bars = cat.bars(bar_types=[bar_type], start=start_ns, end=end_ns)
    else:
        bars = cat.bars(instrument_ids=[instrument_id], start=start_ns, end=end_ns)
    if not bars:
        raise IngestError(path, _no_bars(path, bar_type or instrument_id), field="Bar")
    kinds = sorted({str(b.bar_type) for b in bars})
    if len(kinds) > 1:
        raise IngestError(path, f"several bar types {kinds}: choose one (liqheat evaluate and calibrate: "
                          f"--bar-type, e.g. --bar-type {kinds[0]}; in Python: bar_type)", field="Bar")
    bars = sorted(bars, key=lambda b: b.ts_event)
    if summed is None:
        oi_ts, oi_usd, oi_base = _oi_arrays(_sorted(cat.query(OpenInterest, identifiers=[instrument_id],
                                                              start=start_ns, end=end_ns)))
    else:
        oi_ts, oi_usd, oi_base = _summed_open_interest(cat, path, summed, start_ns, end_ns)
    funding = _sorted(cat.query(FundingRate, identifiers=[instrument_id], start=start_ns, end=end_ns))
    ratios = [r for r in _sorted(_query_if_present(cat, LongShortRatio, instrument_id, bounds))
              if r.kind == ratio_kind]
    taker = _sorted(_query_if_present(cat, TakerVolume, instrument_id, bounds))
    instrument = read_instruments(path).get(instrument_id)
    trades = _trade_arrays(cat, path, instrument, instrument_id, start_ns, end_ns) if trade_ticks else {}
    fields = bar_arrays(bars)
    return MarketSeries(
        instrument_id=instrument_id,
        bar_ts_ns=fields.ts_ns,
        open=fields.open,
        high=fields.high,
        low=fields.low,
        close=fields.close,
        volume=fields.volume,
        oi_ts_ns=oi_ts,
        oi_usd=oi_usd,
        oi_base=oi_base,
        funding_ts_ns=np.array([d.ts_event for d in funding], dtype=np.int64),
        funding_rate=np.array([d.rate for d in funding], dtype=np.float64),
        bar_type=kinds[0],
        ratio_ts_ns=np.array([d.ts_event for d in ratios], dtype=np.int64),
        ratio=np.array([d.ratio for d in ratios], dtype=np.float64),
        taker_ts_ns=np.array([d.ts_event for d in taker], dtype=np.int64),
        taker_buy_usd=np.array([d.buy_usd for d in taker], dtype=np.float64),
        taker_sell_usd=np.array([d.sell_usd for d in taker], dtype=np.float64),
        is_inverse=bool(instrument.is_inverse) if instrument is not None else None,
        **trades,
    )


def _trade_arrays(cat, path: Path, instrument, instrument_id: str, start_ns: int | None, end_ns: int | None
                  ) -> dict[str, Any]:
    """Return the ``MarketSeries`` trade fields of the instrument's ``TradeTick`` rows in the bounds."""
    from nautilus_trader.model.enums import AggressorSide

    if instrument is None:
        raise IngestError(path, f"no definition of {instrument_id}: its trade sizes cannot be converted to base units "
                                "(ingest the instrument with its data)", field="Instrument")
    ticks = cat.trade_ticks(instrument_ids=[instrument_id], start=start_ns, end=end_ns)
    n = len(ticks)
    ts = np.fromiter((t.ts_event for t in ticks), dtype=np.int64, count=n)
    order = np.argsort(ts, kind="stable")  # the catalog returns ts_init order; the replay orders by ts_event
    price = np.fromiter((t.price.as_double() for t in ticks), dtype=np.float64, count=n)[order]
    size = np.fromiter((t.size.as_double() for t in ticks), dtype=np.float64, count=n)[order]
    seller = np.fromiter((t.aggressor_side == AggressorSide.SELLER for t in ticks), dtype=bool, count=n)[order]
    return {"trade_ticks": True, "trade_ts_ns": ts[order], "trade_price": price,
            "trade_quantity": trade_base_units(size, price, float(instrument.multiplier), bool(instrument.is_inverse)),
            "trade_seller_taker": seller}


def _summed_open_interest(cat, path: Path, summed: tuple[tuple[str, ...], int], start_ns: int | None,
                          end_ns: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the open interest of several instruments summed as the actor sums it (``read_market_series``)."""
    from liqheat_nautilus.core.open_interest_book import summed_readings
    from liqheat_nautilus.data import OpenInterest

    ids, max_age_ns = summed
    rows = []
    for iid in ids:
        found = _sorted(_query_if_present(cat, OpenInterest, iid, {"start": start_ns, "end": end_ns}))
        if not found:
            raise IngestError(path, f"no open interest of {iid} (one of the summed oi_instrument_ids) in the "
                                    "requested time range", field="OpenInterest")
        rows += found
    ts_ns, usd, base = _oi_arrays(rows)
    return summed_readings(ts_ns, [d.instrument_id.value for d in rows], usd, base, ids, max_age_ns)


def _oi_arrays(rows: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``OpenInterest`` rows as ``(ts_event (n,) int64 ns, USD (n,), base units (n,))`` arrays."""
    return (np.array([d.ts_event for d in rows], dtype=np.int64),
            np.array([d.open_interest_usd for d in rows], dtype=np.float64),
            np.array([d.open_interest_base for d in rows], dtype=np.float64))


def _query_if_present(cat, cls, instrument_id: str, bounds: dict) -> list:
    """Rows of a custom data type, or none when the catalog has never held that type."""
    try:
        return cat.query(cls, identifiers=[instrument_id], **bounds)
    except (FileNotFoundError, ValueError, KeyError):
        return []


STORED_PRICE_COLUMNS = {"bar": "close", "trade_tick": "price"}
"""The price column read by :func:`stored_prices` per catalog folder kind: bar closes, trade prices."""


def _price_file(file: Path, column: str) -> tuple[np.ndarray, np.ndarray]:
    """``ts_init`` (int64 ns) and one price column (float64) of a catalog Parquet file."""
    import pyarrow.parquet as pq

    from liqheat_nautilus.persistence.validate import decode_fixed

    table = pq.read_table(file, columns=["ts_init", column])
    return table.column("ts_init").to_numpy().astype(np.int64), decode_fixed(table.column(column))


def stored_prices(catalog: str | Path, kind: str, identifier: str, start_ns: int | None = None,
                  end_ns: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """
    Read one stream's prices straight from its Parquet files: bar closes or trade prices, with their ``ts_init``.

    Only the two columns of the files whose names overlap the bounds are read (no Nautilus objects), so a
    long stream costs little. Meant for a writer holding the catalog's lock (the committed state cannot change).

    Parameters
    ----------
    catalog : str or Path
        Catalog folder (need not exist).
    kind : {"bar", "trade_tick"}
        The catalog folder of the stream (:data:`STORED_PRICE_COLUMNS`).
    identifier : str
        The bar type (``"BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"``) or instrument id.
    start_ns, end_ns : int, optional
        Inclusive ``ts_init`` bounds (UNIX ns).

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        ``ts_init`` (int64 ns) and prices (float64), sorted by time; empty when the catalog holds none.
    """
    from nautilus_trader.persistence.funcs import urisafe_identifier

    from liqheat_nautilus.persistence.scan import file_name_interval  # (this module is imported without Nautilus)

    folder = Path(catalog) / "data" / kind / urisafe_identifier(identifier)
    times: list[np.ndarray] = []
    prices: list[np.ndarray] = []
    for file in sorted(folder.glob("*.parquet")) if folder.is_dir() else ():
        span = file_name_interval(file.name)
        if span is not None and ((end_ns is not None and span[0] > end_ns) or
                                 (start_ns is not None and span[1] < start_ns)):
            continue
        ts, price = _price_file(file, STORED_PRICE_COLUMNS[kind])
        keep = np.ones(len(ts), dtype=bool)
        if start_ns is not None:
            keep &= ts >= start_ns
        if end_ns is not None:
            keep &= ts <= end_ns
        times.append(ts[keep])
        prices.append(price[keep])
    if not times:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    ts, price = np.concatenate(times), np.concatenate(prices)
    order = np.argsort(ts, kind="stable")
    return ts[order], price[order]


def nearest_stored_price(catalog: str | Path, instrument_id: str, at_ns: int) -> tuple[int, float, str] | None:
    """
    Return the catalog's price of an instrument nearest in time to ``at_ns``: a bar close (any bar type) or a trade.

    Of each stream only the file starting last at or before ``at_ns`` and the one starting first after it are read;
    the price is the last at or before ``at_ns``, else the first after it, whichever of all streams is nearest.
    Meant for a writer holding the catalog's lock.

    Parameters
    ----------
    catalog : str or Path
        Catalog folder (need not exist).
    instrument_id : str
        The instrument.
    at_ns : int
        The time (UNIX ns).

    Returns
    -------
    tuple[int, float, str] or None
        ``(ts_init, price, what)`` with ``what`` ``"bar close"`` or ``"trade price"``; ``None`` when the catalog
        holds no bar or trade of the instrument.
    """
    from nautilus_trader.persistence.funcs import urisafe_identifier

    from liqheat_nautilus.persistence.scan import file_name_interval

    data = Path(catalog) / "data"
    folders = [("bar", d) for d in sorted((data / "bar").glob(f"{urisafe_identifier(instrument_id)}-*"))]
    folders.append(("trade_tick", data / "trade_tick" / urisafe_identifier(instrument_id)))
    best: tuple[int, int, float, str] | None = None  # distance, ts, price, what
    for kind, folder in folders:
        if not folder.is_dir():
            continue
        spans = [(span, f) for f in sorted(folder.glob("*.parquet"))
                 if (span := file_name_interval(f.name)) is not None]
        before = [sf for sf in spans if sf[0][0] <= at_ns]
        after = [sf for sf in spans if sf[0][0] > at_ns]
        picked = ([max(before, key=lambda sf: sf[0][0])[1]] if before else []) + \
                 ([min(after, key=lambda sf: sf[0][0])[1]] if after else [])
        what = "bar close" if kind == "bar" else "trade price"
        for file in picked:
            ts, price = _price_file(file, STORED_PRICE_COLUMNS[kind])
            if not len(ts):
                continue
            pos = int(np.searchsorted(ts, at_ns, side="right")) - 1
            for i in {max(pos, 0), min(pos + 1, len(ts) - 1)}:
                candidate = (abs(int(ts[i]) - at_ns) + (0 if ts[i] <= at_ns else 1), int(ts[i]), float(price[i]), what)
                if best is None or candidate[0] < best[0]:
                    best = candidate
    return None if best is None else best[1:]
