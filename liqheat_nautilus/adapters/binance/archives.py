"""Binance archive rows (data.binance.vision) -> Nautilus objects, checked on the way (no I/O).

One converter class per archive kind. Each takes Arrow batches in file order and returns the Nautilus objects and
their ``ts_init`` (UNIX ns), checking values on the way; an :class:`IngestError` names file, line and field.
Conventions (binance/binance-public-data README):

- klines: ``open_time`` is the bar open; the bar is stamped at its close, ``open_time + interval`` (the archive's
  ``close_time`` is that minus 1 ms). ``volume`` is in base units (USD-M) or contracts (COIN-M). Each kline also
  gives the bar's taker volume (:mod:`.positioning`).
- aggTrades / trades: ``is_buyer_maker`` true means the buyer was the resting order, so the aggressor sold:
  ``AggressorSide.SELLER``; otherwise ``BUYER``. Quantities are base units (USD-M) or contracts (COIN-M); the
  tick keeps the venue's unit and the instrument's multiplier converts contracts to USD (BTCUSD_PERP: 100 USD).
- metrics (the ``futures/data/openInterestHist`` values every 5 minutes): USD-M ``sum_open_interest`` is base units
  and ``sum_open_interest_value`` USD; COIN-M ``sum_open_interest`` is contracts and ``sum_open_interest_value``
  base units; the rest follows :func:`~liqheat_nautilus.adapters.common.parsing.open_interest_from_venue`. The
  ratio columns become long/short ratios (:mod:`.positioning`).
"""

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from nautilus_trader.model.data import Bar, BarType, TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.instruments import CryptoPerpetual

from liqheat_nautilus.adapters.binance.positioning import long_short_ratios_of_metrics, taker_volume_of_klines
from liqheat_nautilus.adapters.common.converters import ArchiveConverter
from liqheat_nautilus.adapters.common.parsing import (
    FUNDING_RATE_MAX,
    OPEN_INTEREST_UNITS_MAX,
    funding_rate_from_venue,
    open_interest_from_venue,
)
from liqheat_nautilus.data import FundingRate, OpenInterest
from liqheat_nautilus.persistence.csv_stream import Batch
from liqheat_nautilus.persistence.timestamps import text_times_ns
from liqheat_nautilus.validation import FUNDING_INTERVAL_MAX_HOURS

if TYPE_CHECKING:  # the loaders import the converters; the converters only read a name's attributes
    from liqheat_nautilus.adapters.binance.loaders import BinanceFileName


class KlineConverter(ArchiveConverter):
    """``*-<interval>-*`` klines -> Nautilus ``Bar`` stamped at the bar close (``open_time + interval``)."""

    data_cls = Bar
    time_column = "open_time"
    price_column = "close"
    name: "BinanceFileName"

    def __init__(self, path: str, instrument: CryptoPerpetual, name: "BinanceFileName") -> None:
        super().__init__(path, instrument, name)
        self.bar_type = BarType.from_str(
            f"{instrument.id}-{name.bar_step}-{name.bar_aggregation}-LAST-EXTERNAL",
        )

    @property
    def identifier(self) -> str:
        """The bar type string (the catalog keys bars by bar type)."""
        return str(self.bar_type)

    def convert(self, batch: Batch) -> tuple[list, np.ndarray]:
        """
        Convert a klines batch; see :meth:`ArchiveConverter.convert`.

        Parameters
        ----------
        batch : Batch
            Kline rows in file order (``open_time`` epoch in the file's unit; prices in the quote currency;
            ``volume`` in base units on USD-M, contracts on COIN-M).

        Returns
        -------
        tuple[list[Bar], np.ndarray]
            The bars and their ``ts_init`` (int64 UNIX ns, shape (n,)): the bar close, ``open_time + interval``.
            The batch's taker volumes are kept for the loader (:mod:`.positioning`).

        Raises
        ------
        IngestError
            Naming line and field of the first time out of order or off an interval boundary, price or volume that
            is not positive (volume: negative) or does not fit the instrument's precision, or inconsistent bar.
        """
        open_ns = self._epoch(batch, "open_time")
        self._ordered(batch, open_ns)
        self._on_interval_boundaries(batch, open_ns)
        o, h, lo, c = (self._fixed(batch, k, "price") for k in ("open", "high", "low", "close"))
        volume = self._fixed(batch, "volume", "quantity", allow_zero=True)
        bad_high = h < np.maximum(np.maximum(o, c), lo)
        bad_low = lo > np.minimum(o, c)
        for mask, column in ((bad_high, "high"), (bad_low, "low")):
            if mask.any():
                pos = int(np.flatnonzero(mask)[0])
                raise self._fail(batch, pos, column,
                                 f"inconsistent bar open={o[pos]} high={h[pos]} low={lo[pos]} close={c[pos]}")
        ts = open_ns + self.name.interval_ns
        ts_u = ts.astype(np.uint64)
        bars = Bar.from_raw_arrays_to_list(self.bar_type, self.instrument.price_precision,
                                           self.instrument.size_precision, o, h, lo, c, volume, ts_u, ts_u)
        self._extra.update(taker_volume_of_klines(self, batch, volume, ts))
        return bars, ts

    def _on_interval_boundaries(self, batch: Batch, open_ns: np.ndarray) -> None:
        """
        Check that every kline opens on a boundary of the file's interval, as Binance's klines do (UTC).

        Klines of another interval (a renamed file, a wrong ``--interval``) would become bars of the wrong bar type
        (1-minute rows stored as 5-minute bars).
        """
        step = self.name.interval_ns
        off = open_ns % step
        if off.any():
            pos = int(np.flatnonzero(off)[0])
            when = pd.Timestamp(int(open_ns[pos]), unit="ns").strftime("%Y-%m-%dT%H:%M:%SZ")
            interval = self.name.interval
            raise self._fail(batch, pos, "open_time",
                             f"a kline opening at {when} is not on a {interval} boundary (UTC): the rows are not "
                             f"{interval} klines, as the file name or --interval says")

class _TradeConverter(ArchiveConverter):
    data_cls = TradeTick
    strictly_increasing = False
    price_column = "price"
    id_column = ""
    qty_column = ""

    def __init__(self, path: str, instrument: CryptoPerpetual, name: "BinanceFileName") -> None:
        super().__init__(path, instrument, name)
        self._last_id: int | None = None

    def _unique_ids(self, batch: Batch) -> None:
        """Trade ids increase strictly through an archive file: a repeat is a duplicated row, a step back a mix-up."""
        ids = batch.table.column(self.id_column).to_numpy()
        full = np.concatenate(([self._last_id], ids)) if self._last_id is not None else ids
        steps = np.diff(full)
        bad = steps <= 0
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            kind = "repeats an earlier row's id (duplicate trade)" if steps[pos] == 0 else \
                "is lower than the previous row's id (ids must increase)"
            row = pos + (0 if self._last_id is not None else 1)
            raise self._fail(batch, row, self.id_column, f"trade id {int(full[pos + 1])} {kind}")
        if len(ids):
            self._last_id = int(ids[-1])

    def convert(self, batch: Batch) -> tuple[list, np.ndarray]:
        """
        Convert a trades batch; see :meth:`ArchiveConverter.convert`.

        Parameters
        ----------
        batch : Batch
            aggTrades or trades rows in file order (time epoch in the file's unit; ``price`` in the quote currency;
            quantity in base units on USD-M, contracts on COIN-M; ``is_buyer_maker``; the trade id).

        Returns
        -------
        tuple[list[TradeTick], np.ndarray]
            The trade ticks (aggressor ``SELLER`` when ``is_buyer_maker``, else ``BUYER``) and their ``ts_init``
            (int64 UNIX ns, shape (n,)): the trade time.

        Raises
        ------
        IngestError
            Naming line and field of the first time that goes backwards, price or quantity that is not positive or
            does not fit the instrument's precision, or trade id that repeats or goes backwards.
        """
        ts = self._epoch(batch, self.time_column)
        self._ordered(batch, ts)
        price = self._fixed(batch, "price", "price")
        size = self._fixed(batch, self.qty_column, "quantity")
        self._unique_ids(batch)
        buyer_maker = batch.table.column("is_buyer_maker").to_numpy(zero_copy_only=False)
        sides = np.where(buyer_maker, AggressorSide.SELLER.value, AggressorSide.BUYER.value).astype(np.uint8)
        ids = pc.cast(batch.table.column(self.id_column), pa.string()).to_pylist()
        ts_u = ts.astype(np.uint64)
        ticks = TradeTick.from_raw_arrays_to_list(self.instrument.id, self.instrument.price_precision,
                                                  self.instrument.size_precision, price, size, sides, ids,
                                                  ts_u, ts_u)
        return ticks, ts


class AggTradeConverter(_TradeConverter):
    """``*-aggTrades-*`` -> ``TradeTick`` (trade id = ``agg_trade_id``, time = ``transact_time``)."""

    time_column = "transact_time"
    id_column = "agg_trade_id"
    qty_column = "quantity"


class TradeConverter(_TradeConverter):
    """``*-trades-*`` -> ``TradeTick`` (trade id = ``id``, time = ``time``)."""

    time_column = "time"
    id_column = "id"
    qty_column = "qty"


class MetricsConverter(ArchiveConverter):
    """
    ``*-metrics-*`` (5-minute open-interest statistics) -> :class:`OpenInterest` with venue ``BINANCE``.

    ``create_time`` is read by :func:`~liqheat_nautilus.persistence.timestamps.text_times_ns`, as every time column
    written as text: the archive's ``2024-04-10 00:05:00`` (UTC) or any ISO-8601 date-time, or epoch integers of the
    file's unit (s, ms, µs or ns).
    """

    data_cls = OpenInterest
    time_column = "create_time"

    def convert(self, batch: Batch) -> tuple[list, np.ndarray]:
        """
        Convert a metrics batch; see :meth:`ArchiveConverter.convert`.

        Parameters
        ----------
        batch : Batch
            Metrics rows in file order (``create_time`` as text, ``symbol``, ``sum_open_interest``: base units on
            USD-M, contracts on COIN-M; ``sum_open_interest_value``: USD on USD-M, base asset on COIN-M).

        Returns
        -------
        tuple[list[OpenInterest], np.ndarray]
            The open-interest values and their ``ts_init`` (int64 UNIX ns, shape (n,)): ``create_time``. The
            batch's long/short ratios are kept for the loader (:mod:`.positioning`).

        Raises
        ------
        IngestError
            Naming line and field of the first time that is unreadable or out of order, a ``symbol`` that is not
            the instrument's, or an open interest that is negative, not finite or too large.
        """
        text = batch.table.column("create_time").to_numpy(zero_copy_only=False).astype(str)
        ts = text_times_ns(text, self._unit, self.path, batch.first_line, "create_time")
        self._ordered(batch, ts)
        symbols = batch.table.column("symbol").to_numpy(zero_copy_only=False).astype(str)
        wrong = symbols != self.instrument.raw_symbol.value
        if wrong.any():
            pos = int(np.flatnonzero(wrong)[0])
            raise self._fail(batch, pos, "symbol", f"{str(symbols[pos])!r} is not {self.instrument.raw_symbol}")
        amount = self._floats(batch, "sum_open_interest", "non-negative", OPEN_INTEREST_UNITS_MAX).tolist()
        value = self._floats(batch, "sum_open_interest_value", "non-negative", OPEN_INTEREST_UNITS_MAX).tolist()
        inst = self.instrument
        # USD-M: amount in base units, value in USD; COIN-M: amount in contracts, value in the base asset (coin)
        names = ("contracts", "base") if inst.is_inverse else ("base", "usd")
        size, venue = float(inst.multiplier), inst.id.venue.value
        items = []
        for pos, (t, a, v) in enumerate(zip(ts.tolist(), amount, value, strict=True)):
            try:
                items.append(open_interest_from_venue(inst.id, venue, contract_size=size, inverse=inst.is_inverse,
                                                      ts_event=t, ts_init=t, **dict(zip(names, (a, v), strict=True))))
            except ValueError as exc:
                raise self._fail(batch, pos, "sum_open_interest_value", str(exc)) from None
        self._extra.update(long_short_ratios_of_metrics(self, batch, ts))
        return items, ts


class FundingRateConverter(ArchiveConverter):
    """``*-fundingRate-*`` -> :class:`FundingRate` (``next_funding_ns`` = calc_time + interval)."""

    data_cls = FundingRate
    time_column = "calc_time"

    def convert(self, batch: Batch) -> tuple[list, np.ndarray]:
        """
        Convert a fundingRate batch; see :meth:`ArchiveConverter.convert`.

        Parameters
        ----------
        batch : Batch
            fundingRate rows in file order (``calc_time`` epoch in the file's unit, ``funding_interval_hours``,
            ``last_funding_rate`` as a fraction per interval).

        Returns
        -------
        tuple[list[FundingRate], np.ndarray]
            The funding rates and their ``ts_init`` (int64 UNIX ns, shape (n,)): ``calc_time``.

        Raises
        ------
        IngestError
            Naming line and field of the first time out of order, interval that is not positive or above
            :data:`~liqheat_nautilus.validation.FUNDING_INTERVAL_MAX_HOURS`, or rate that is not finite or beyond
            :data:`~liqheat_nautilus.adapters.common.parsing.FUNDING_RATE_MAX`.
        """
        ts = self._epoch(batch, "calc_time")
        self._ordered(batch, ts)
        hours = self._floats(batch, "funding_interval_hours", maximum=FUNDING_INTERVAL_MAX_HOURS)
        rate = self._floats(batch, "last_funding_rate", "any", maximum=FUNDING_RATE_MAX)
        items = [
            funding_rate_from_venue(self.instrument.id, r, interval_hours=h, ts_event=t, ts_init=t)
            for t, r, h in zip(ts.tolist(), rate.tolist(), hours.tolist(), strict=True)
        ]
        return items, ts


CONVERTERS: dict[str, type[ArchiveConverter]] = {
    "klines": KlineConverter,
    "aggTrades": AggTradeConverter,
    "trades": TradeConverter,
    "metrics": MetricsConverter,
    "fundingRate": FundingRateConverter,
}
"""Converter class per archive kind."""
