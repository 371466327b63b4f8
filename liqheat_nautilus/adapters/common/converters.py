"""The venue-neutral base of the file converters: batches of one source file -> Nautilus objects, checked.

A converter takes Arrow batches of one file in file order and returns the Nautilus objects and their ``ts_init``
(UNIX ns), checking values on the way (prices and sizes at the instrument's precision, timestamp order across
batches); an :class:`IngestError` names file, line and field. The Binance archive converters
(:mod:`~liqheat_nautilus.adapters.binance.archives`) and the plain CSV layout's trades
(:mod:`~liqheat_nautilus.adapters.csv_files.parsing`) subclass :class:`ArchiveConverter`.
"""

import numpy as np
from nautilus_trader.model.instruments import CryptoPerpetual

from liqheat_nautilus.persistence.checks import fixed_point_problem, off_increment, too_many_decimals
from liqheat_nautilus.persistence.csv_stream import Batch
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.timestamps import EpochUnit


class ArchiveConverter:
    """
    Base class: converts batches of one archive file, keeping the timestamp-order check across batches.

    Parameters
    ----------
    path : str
        The source file (for error messages).
    instrument : CryptoPerpetual
        The instrument the rows belong to (price/size precision, multiplier, inverse flag).
    name : object or None
        The parsed file name, for converters that need it (a Binance archive's
        :class:`~liqheat_nautilus.adapters.binance.loaders.BinanceFileName`: kline interval, symbol); ``None`` when
        the rows say all (the plain CSV layout's trades, :mod:`~liqheat_nautilus.adapters.csv_files.parsing`).

    Attributes
    ----------
    data_cls : type
        The Nautilus class produced.
    strictly_increasing : bool
        Whether timestamps must strictly increase (else non-decreasing: trades share milliseconds).
    time_column : str
        The column checked for order.
    price_column : str
        The column of the price that stands for a row (a bar's close, a trade's price), which an ingest's
        :class:`~liqheat_nautilus.persistence.checks.PriceScale` compares with the instrument's; ``""`` for rows
        without a price (open interest, funding).
    """

    data_cls: type = object
    strictly_increasing = True
    time_column = ""
    price_column = ""

    def __init__(self, path: str, instrument: CryptoPerpetual, name: object | None) -> None:
        self.path = path
        self.instrument = instrument
        self.name = name
        self._last_ts: int | None = None
        self._unit = EpochUnit(path)
        self._extra: dict[tuple[type, str], tuple[list, np.ndarray]] = {}
        self._off_tick = 0
        self._first_off_tick: tuple[int, str, float] | None = None  # line, field, value

    def off_tick_note(self) -> str:
        """
        Say how many prices of the file so far are off the instrument's tick, or ``""`` when none is.

        Such prices are kept as they are, as Nautilus' ``Price`` and ``Instrument.make_price`` keep them: a price
        is held at the instrument's precision, not snapped to its tick, and the venue's tick may have been finer
        when the file was written (a price with more decimals than the precision is refused instead).

        Returns
        -------
        str
            One sentence naming the count, the tick and the first such value's line and field.
        """
        if self._first_off_tick is None:
            return ""
        line, field, value = self._first_off_tick
        inst = self.instrument
        many = self._off_tick > 1
        return (f"{self._off_tick:,} price{'s are' if many else ' is'} off the instrument's tick "
                f"{inst.price_increment} (first: line {line}, field {field!r}: {value!r}), kept as "
                f"{'they are' if many else 'it is'} at its precision ({inst.price_precision} decimal places): the "
                "venue's tick may have been finer when the file was written")

    def take_extra(self) -> dict[tuple[type, str], tuple[list, np.ndarray]]:
        """
        Return the other streams the last :meth:`convert` produced (klines: taker volume; metrics: long/short ratios).

        Returns
        -------
        dict[tuple[type, str], tuple[list, np.ndarray]]
            ``{(data class, catalog identifier): (objects, ts_init int64 ns)}`` in time order; emptied by the call.
        """
        extra, self._extra = self._extra, {}
        return extra

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

    def _floats(self, batch: Batch, column: str, minimum: str = "positive", maximum: float = np.inf) -> np.ndarray:
        values = np.array(batch.table.column(column).to_numpy(zero_copy_only=False), dtype=np.float64)
        bad = ~np.isfinite(values)
        if minimum == "positive":
            bad |= values <= 0
        elif minimum == "non-negative":
            bad |= values < 0
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            wanted = "finite number" if minimum == "any" else f"finite {minimum} number"  # was "finite any number"
            raise self._fail(batch, pos, column, f"{float(values[pos])!r} is not a {wanted}")
        big = np.abs(values) > maximum
        if big.any():
            pos = int(np.flatnonzero(big)[0])
            raise self._fail(batch, pos, column,
                             f"{float(values[pos])!r} is above the largest accepted value {maximum:g}")
        return values

    def _fixed(self, batch: Batch, column: str, kind: str, allow_zero: bool = False) -> np.ndarray:
        """
        Return a price or quantity column, checked to be representable by Nautilus at the instrument's precision.

        A trade's quantity (``kind="quantity"``, zero not allowed) must not have more decimal places than the
        instrument's size precision (``Quantity`` would round it); a bar's volume (a sum, ``allow_zero``) may.
        """
        values = self._floats(batch, column, "non-negative" if allow_zero else "positive")
        inst = self.instrument
        precision = inst.price_precision if kind == "price" else inst.size_precision
        problem = fixed_point_problem(values, precision, kind, allow_zero)
        if problem is not None:
            raise self._fail(batch, problem[0], column, problem[1])
        if kind == "price":
            self._on_tick(batch, column, values)
        elif not allow_zero and (fine := too_many_decimals(values, precision, kind, inst.size_increment)):
            raise self._fail(batch, fine[0], column, fine[1])
        return values

    def _on_tick(self, batch: Batch, column: str, prices: np.ndarray) -> None:
        """Refuse a price with more decimals than the instrument's precision; count those off its tick."""
        inst = self.instrument
        fine = too_many_decimals(prices, inst.price_precision, "price", inst.price_increment)
        if fine is not None:
            raise self._fail(batch, fine[0], column, fine[1])
        off = off_increment(prices, inst.price_precision, float(inst.price_increment))
        if off.any():
            first = int(np.flatnonzero(off)[0])
            self._off_tick += int(off.sum())
            line = batch.first_line + first
            if self._first_off_tick is None or line < self._first_off_tick[0]:
                self._first_off_tick = (line, column, float(prices[first]))

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
            this, previous = int(ts_all[pos + offset]), int(ts_all[pos + offset - 1])
            kind = ("repeats the previous row's" if this == previous
                    else f"is earlier than the previous row's ({previous} ns)")
            raise self._fail(batch, pos, self.time_column, f"timestamp {this} ns {kind}")
        if len(ts):
            self._last_ts = int(ts[-1])

    def _epoch(self, batch: Batch, column: str) -> np.ndarray:
        return self._unit.to_ns(batch.table.column(column).to_numpy(), batch.first_line, column)
