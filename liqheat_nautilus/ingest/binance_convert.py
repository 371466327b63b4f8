"""Conversion of data.binance.vision archive rows to Nautilus objects, with per-row checks.

One converter class per archive kind. Each takes Arrow batches in file order and returns the Nautilus objects and
their ``ts_init`` (UNIX ns), checking values on the way; an :class:`IngestError` names file, line and field.

Conventions (Binance public-data documentation, binance/binance-public-data README):

- klines: ``open_time`` is the bar open; the bar is stamped at its close, ``open_time + interval`` (the archive's
  ``close_time`` is that minus 1 ms). ``volume`` is in base units (USD-M) or contracts (COIN-M).
- aggTrades / trades: ``is_buyer_maker`` true means the buyer was the resting order, so the aggressor sold:
  ``AggressorSide.SELLER``; otherwise ``BUYER``. Quantities are base units (USD-M) or contracts (COIN-M); the
  tick keeps the venue's unit and the instrument's multiplier converts contracts to USD (BTCUSD_PERP: 100 USD).
- metrics (the ``futures/data/openInterestHist`` values every 5 minutes): USD-M ``sum_open_interest`` is base units
  and ``sum_open_interest_value`` USD; COIN-M ``sum_open_interest`` is contracts and ``sum_open_interest_value``
  base units, so USD = contracts x contract size.
- fundingRate: ``calc_time`` is the funding time, ``last_funding_rate`` the fraction per interval.
"""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from nautilus_trader.model.data import Bar, BarType, TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.instruments import CryptoPerpetual

from liqheat_nautilus.core.units import NS_PER_HOUR
from liqheat_nautilus.data import FundingRate, OpenInterest
from liqheat_nautilus.ingest.binance_names import BinanceFileName
from liqheat_nautilus.ingest.csv_stream import Batch
from liqheat_nautilus.ingest.errors import IngestError
from liqheat_nautilus.ingest.timestamps import epoch_to_ns


class ArchiveConverter:
    """
    Base class: converts batches of one archive file, keeping the timestamp-order check across batches.

    Parameters
    ----------
    path : str
        The source file (for error messages).
    instrument : CryptoPerpetual
        The instrument the rows belong to (price/size precision, multiplier, inverse flag).
    name : BinanceFileName
        The parsed file name (kline interval, symbol).

    Attributes
    ----------
    data_cls : type
        The Nautilus class produced.
    strictly_increasing : bool
        Whether timestamps must strictly increase (else non-decreasing: trades share milliseconds).
    time_column : str
        The column checked for order.
    """

    data_cls: type = object
    strictly_increasing = True
    time_column = ""

    def __init__(self, path: str, instrument: CryptoPerpetual, name: BinanceFileName) -> None:
        self.path = path
        self.instrument = instrument
        self.name = name
        self._last_ts: int | None = None

    @property
    def identifier(self) -> str:
        """The catalog identifier (instrument id, or bar type for bars)."""
        return self.instrument.id.value

    def convert(self, batch: Batch) -> tuple[list, np.ndarray]:
        """
        Convert one batch.

        Parameters
        ----------
        batch : Batch
            Rows in file order.

        Returns
        -------
        tuple[list, np.ndarray]
            The objects and their ``ts_init`` (int64 ns, shape (n,)), in file order.

        Raises
        ------
        IngestError
            For a bad value (naming line and field).
        """
        raise NotImplementedError

    # -- checks ----------------------------------------------------------------------------------------------

    def _fail(self, batch: Batch, pos: int, field: str, message: str) -> IngestError:
        return IngestError(self.path, message, row=batch.first_line + int(pos), field=field)

    def _floats(self, batch: Batch, column: str, minimum: str = "positive") -> np.ndarray:
        values = np.array(batch.table.column(column).to_numpy(zero_copy_only=False), dtype=np.float64)
        bad = ~np.isfinite(values)
        if minimum == "positive":
            bad |= values <= 0
        elif minimum == "non-negative":
            bad |= values < 0
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise self._fail(batch, pos, column, f"{values[pos]!r} is not a finite {minimum} number")
        return values

    def _ordered(self, batch: Batch, ts: np.ndarray) -> None:
        if self._last_ts is not None:
            ts_all = np.concatenate(([self._last_ts], ts))
            offset = 1
        else:
            ts_all, offset = ts, 0
        steps = np.diff(ts_all)
        bad = steps <= 0 if self.strictly_increasing else steps < 0
        if bad.any():
            pos = int(np.flatnonzero(bad)[0]) + 1 - offset
            kind = "repeats the previous row's" if steps[pos - 1 + offset] == 0 else "is earlier than the previous"
            raise self._fail(batch, pos, self.time_column, f"timestamp {kind} ({int(ts_all[pos + offset])} ns)")
        if len(ts):
            self._last_ts = int(ts[-1])

    def _epoch(self, batch: Batch, column: str) -> np.ndarray:
        raw = batch.table.column(column).to_numpy()
        if (raw <= 0).any():
            pos = int(np.flatnonzero(raw <= 0)[0])
            raise self._fail(batch, pos, column, f"timestamp {raw[pos]} is not positive")
        return epoch_to_ns(raw)


class KlineConverter(ArchiveConverter):
    """``*-<interval>-*`` klines -> Nautilus ``Bar`` stamped at the bar close (``open_time + interval``)."""

    data_cls = Bar
    time_column = "open_time"

    def __init__(self, path: str, instrument: CryptoPerpetual, name: BinanceFileName) -> None:
        super().__init__(path, instrument, name)
        self.bar_type = BarType.from_str(
            f"{instrument.id}-{name.bar_step}-{name.bar_aggregation}-LAST-EXTERNAL",
        )

    @property
    def identifier(self) -> str:
        """The bar type string (the catalog keys bars by bar type)."""
        return str(self.bar_type)

    def convert(self, batch: Batch) -> tuple[list, np.ndarray]:
        """Convert a klines batch; see :meth:`ArchiveConverter.convert`."""
        open_ns = self._epoch(batch, "open_time")
        self._ordered(batch, open_ns)
        o, h, lo, c = (self._floats(batch, k) for k in ("open", "high", "low", "close"))
        volume = self._floats(batch, "volume", "non-negative")
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
        return bars, ts


class _TradeConverter(ArchiveConverter):
    data_cls = TradeTick
    strictly_increasing = False
    id_column = ""
    qty_column = ""

    def convert(self, batch: Batch) -> tuple[list, np.ndarray]:
        """Convert a trades batch; see :meth:`ArchiveConverter.convert`."""
        ts = self._epoch(batch, self.time_column)
        self._ordered(batch, ts)
        price = self._floats(batch, "price")
        size = self._floats(batch, self.qty_column)
        # Sizes that round to zero at the instrument's size precision would be rejected by Nautilus.
        tiny = np.round(size, self.instrument.size_precision) <= 0
        if tiny.any():
            pos = int(np.flatnonzero(tiny)[0])
            raise self._fail(batch, pos, self.qty_column,
                             f"{size[pos]!r} rounds to zero at size precision {self.instrument.size_precision}")
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
    """``*-metrics-*`` (5-minute open-interest statistics) -> :class:`OpenInterest` with venue ``BINANCE``."""

    data_cls = OpenInterest
    time_column = "create_time"

    def _times(self, batch: Batch) -> np.ndarray:
        text = batch.table.column("create_time").to_numpy(zero_copy_only=False).astype(str)
        if len(text) and text[0].strip().isdigit():
            try:
                return self._epoch_text(batch, text)
            except ValueError:
                pass
        parsed = pd.to_datetime(pd.Series(text), utc=True, errors="coerce", format="ISO8601")
        bad = parsed.isna().to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise self._fail(batch, pos, "create_time", f"not a date-time: {text[pos]!r}")
        return parsed.astype("int64").to_numpy()

    def _epoch_text(self, batch: Batch, text: np.ndarray) -> np.ndarray:
        for pos, value in enumerate(text):
            if not value.strip().isdigit():
                raise self._fail(batch, pos, "create_time", f"not an epoch timestamp: {value!r}")
        return epoch_to_ns(text.astype(np.int64))

    def convert(self, batch: Batch) -> tuple[list, np.ndarray]:
        """Convert a metrics batch; see :meth:`ArchiveConverter.convert`."""
        ts = self._times(batch)
        self._ordered(batch, ts)
        symbols = batch.table.column("symbol").to_numpy(zero_copy_only=False).astype(str)
        wrong = symbols != self.instrument.raw_symbol.value
        if wrong.any():
            pos = int(np.flatnonzero(wrong)[0])
            raise self._fail(batch, pos, "symbol", f"{symbols[pos]!r} is not {self.instrument.raw_symbol}")
        amount = self._floats(batch, "sum_open_interest", "non-negative")
        value = self._floats(batch, "sum_open_interest_value", "non-negative")
        multiplier = float(self.instrument.multiplier)
        if self.instrument.is_inverse:
            contracts, base, usd = amount, value, amount * multiplier
        else:
            base, usd, contracts = amount, value, amount / multiplier
        venue = self.instrument.id.venue.value
        items = [
            OpenInterest(instrument_id=self.instrument.id, venue=venue, open_interest_usd=float(u),
                         open_interest_contracts=float(k), open_interest_base=float(b), ts_event=int(t),
                         ts_init=int(t))
            for t, u, k, b in zip(ts, usd, contracts, base, strict=True)
        ]
        return items, ts


class FundingRateConverter(ArchiveConverter):
    """``*-fundingRate-*`` -> :class:`FundingRate` (``next_funding_ns`` = calc_time + interval)."""

    data_cls = FundingRate
    time_column = "calc_time"

    def convert(self, batch: Batch) -> tuple[list, np.ndarray]:
        """Convert a fundingRate batch; see :meth:`ArchiveConverter.convert`."""
        ts = self._epoch(batch, "calc_time")
        self._ordered(batch, ts)
        hours = self._floats(batch, "funding_interval_hours")
        rate = self._floats(batch, "last_funding_rate", "any")
        items = [
            FundingRate(instrument_id=self.instrument.id, rate=float(r), interval_hours=float(h),
                        next_funding_ns=int(t) + int(round(h * NS_PER_HOUR)), ts_event=int(t), ts_init=int(t))
            for t, r, h in zip(ts, rate, hours, strict=True)
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
