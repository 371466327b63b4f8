"""Trades files of the plain CSV layout -> Nautilus ``TradeTick``, and time bars built from them by NautilusTrader.

A trades file is streamed (:func:`~liqheat_nautilus.persistence.csv_stream.iter_batches`, bounded memory) and
checked by the file converters' checks (:class:`~liqheat_nautilus.adapters.common.converters.ArchiveConverter`):
its columns are, in this order, ``timestamp,price,quantity,side,trade_id`` (header optional):

- ``timestamp``: epoch integer (s, ms, µs or ns, detected from the first row) or ISO-8601 date-time; never
  decreasing (trades may share a time);
- ``price``, ``quantity``: positive; not more decimal places than the instrument's precisions;
- ``side``: the aggressor, ``buy`` / ``sell`` (also ``buyer`` / ``seller``, ``b`` / ``s``; any case);
- ``trade_id``: the venue's id, 1 to 36 characters, each once in the file (a duplicated row would count the same
  trade twice; checked at the end of the file, :class:`~liqheat_nautilus.persistence.checks.UniqueIds`).

Bars from trades (``--bars-from-trades``) are NautilusTrader's own: a ``TimeBarAggregator`` driven by a
``TestClock``, whose timers fire before a trade of the same time, as in a backtest. A bar covers
``[open, close)`` (a trade exactly at a boundary opens the next bar, as exchanges' candles count it), is stamped at
its close, and an interval without trades gives a flat bar at the last price with volume 0 (the aggregator's
``build_with_no_updates``). The last bar closes at the first boundary after the last trade.
"""

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
from nautilus_trader.common.component import TestClock
from nautilus_trader.data.aggregation import TimeBarAggregator
from nautilus_trader.model.data import Bar, BarType, TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.instruments import CryptoPerpetual

from liqheat_nautilus.adapters.common.converters import ArchiveConverter
from liqheat_nautilus.persistence.checks import UniqueIds
from liqheat_nautilus.persistence.csv_stream import Batch, CsvLayout
from liqheat_nautilus.persistence.timestamps import text_times_ns

TRADES_LAYOUT = CsvLayout(
    "plain trades",
    ("timestamp", "price", "quantity", "side", "trade_id"),
    (pa.string(), pa.float64(), pa.float64(), pa.string(), pa.string()),
    {"quantity": ("size", "qty"), "timestamp": ("ts", "time")},
)
"""The columns of a plain trades file."""

_SIDES = {"buy": AggressorSide.BUYER.value, "buyer": AggressorSide.BUYER.value, "b": AggressorSide.BUYER.value,
          "sell": AggressorSide.SELLER.value, "seller": AggressorSide.SELLER.value, "s": AggressorSide.SELLER.value}

TRADE_ID_MAX_CHARS = 36
"""Longest trade id Nautilus' ``TradeId`` holds."""


class PlainTradeConverter(ArchiveConverter):
    """
    Batches of a plain trades file -> ``TradeTick`` (see the module docstring for the columns).

    Parameters
    ----------
    path : str
        The file (for error messages).
    instrument : CryptoPerpetual
        The instrument the trades belong to.
    """

    data_cls = TradeTick
    strictly_increasing = False
    time_column = "timestamp"
    price_column = "price"

    def __init__(self, path: str, instrument: CryptoPerpetual) -> None:
        super().__init__(path, instrument, None)
        self._unique = UniqueIds(path, "trade_id", "trade id", "a duplicated row would count the same trade twice")

    @staticmethod
    def trade_ids(batch: Batch) -> list[str]:
        """
        Return a batch's trade ids as stored (surrounding blanks removed).

        Parameters
        ----------
        batch : Batch
            Rows of a plain trades file.

        Returns
        -------
        list[str]
            One id a row, in file order.
        """
        return [s.strip() for s in batch.table.column("trade_id").to_pylist()]

    def check_unique_ids(self, reread: Callable[[], Iterable[Batch]]) -> None:
        """
        Refuse a trade id that occurs twice in the file (call after the last :meth:`convert`).

        Parameters
        ----------
        reread : callable
            Streams the file's batches again (only called when two ids may be equal).

        Raises
        ------
        IngestError
            Naming the file, the line of the second occurrence, the field ``trade_id`` and the first one's line.
        """
        self._unique.check(lambda: ((b.first_line, self.trade_ids(b)) for b in reread()))

    def convert(self, batch: Batch) -> tuple[list, np.ndarray]:
        """
        Convert a trades batch; see :meth:`ArchiveConverter.convert`.

        Parameters
        ----------
        batch : Batch
            Rows of the plain trades layout in file order (``timestamp,price,quantity,side,trade_id``; price in
            the quote currency, quantity in the instrument's size unit).

        Returns
        -------
        tuple[list[TradeTick], np.ndarray]
            The trade ticks and their ``ts_init`` (int64 UNIX ns, shape (n,)): ``timestamp``.

        Raises
        ------
        IngestError
            Naming line and field of the first time that is unreadable or decreasing, price or quantity that is not
            positive or does not fit the instrument's precision, unknown side, or trade id of 0 or more than
            :data:`TRADE_ID_MAX_CHARS` characters. (Repeated ids are refused at the end of the file, by
            :meth:`check_unique_ids`.)
        """
        text = batch.table.column("timestamp").to_numpy(zero_copy_only=False).astype(str)
        ts = text_times_ns(text, self._unit, self.path, batch.first_line, "timestamp")
        self._ordered(batch, ts)
        price = self._fixed(batch, "price", "price")
        size = self._fixed(batch, "quantity", "quantity")
        side_text = np.char.lower(np.char.strip(batch.table.column("side").to_numpy(zero_copy_only=False)
                                                .astype(str)))
        known = np.isin(side_text, list(_SIDES))
        if not known.all():
            pos = int(np.flatnonzero(~known)[0])
            raise self._fail(batch, pos, "side", f"{str(side_text[pos])!r} is not an aggressor side: buy or sell")
        sides = np.array([_SIDES[s] for s in side_text.tolist()], dtype=np.uint8)
        ids = self.trade_ids(batch)
        for pos, trade_id in enumerate(ids):
            if not 0 < len(trade_id) <= TRADE_ID_MAX_CHARS:
                raise self._fail(batch, pos, "trade_id", f"a trade id must have 1 to {TRADE_ID_MAX_CHARS} "
                                                         f"characters: {trade_id[:60]!r}")
        self._unique.add(ids)
        ts_u = ts.astype(np.uint64)
        ticks = TradeTick.from_raw_arrays_to_list(self.instrument.id, self.instrument.price_precision,
                                                  self.instrument.size_precision, price, size, sides, ids, ts_u, ts_u)
        return ticks, ts


FLAT_STRETCH_NOTE_NS = 24 * 3_600 * 1_000_000_000
"""A stretch of bars without a trade at least this long (ns, a day) gets a note from ``--bars-from-trades``."""


class TradeBars:
    """
    Time bars of a trade stream, built by NautilusTrader's ``TimeBarAggregator`` (see the module docstring).

    Parameters
    ----------
    instrument : CryptoPerpetual
        The instrument of the trades and bars.
    bar_type : BarType
        A time bar type of price type ``LAST`` (e.g. ``<id>-1-MINUTE-LAST-EXTERNAL``).
    """

    def __init__(self, instrument: CryptoPerpetual, bar_type: BarType) -> None:
        self.instrument = instrument
        self.bar_type = bar_type
        self.step_ns = int(bar_type.spec.get_interval_ns())
        self.bars: list[Bar] = []
        self._clock = TestClock()
        self._aggregator: TimeBarAggregator | None = None
        self._last_ns: int | None = None

    def add(self, ticks: list[TradeTick]) -> None:
        """
        Feed trades in time order.

        Parameters
        ----------
        ticks : list[TradeTick]
            The next trades (non-decreasing ``ts_init``).
        """
        if not ticks:
            return
        clock = self._clock
        if self._aggregator is None:  # the first bar opens at the boundary before the first trade
            clock.set_time(int(ticks[0].ts_init) // self.step_ns * self.step_ns)
            self._aggregator = TimeBarAggregator(self.instrument, self.bar_type, self.bars.append, clock)
        handle = self._aggregator.handle_trade_tick
        for tick in ticks:
            for event in clock.advance_time(tick.ts_init):  # timers first: a boundary trade opens the next bar
                event.handle()
            handle(tick)
        self._last_ns = int(ticks[-1].ts_init)

    def finish(self) -> list[Bar]:
        """
        Close the last bar (at the first boundary after the last trade) and return all bars.

        Returns
        -------
        list[Bar]
            Sorted by ``ts_init`` (stamped at the bar close).
        """
        if self._aggregator is not None and self._last_ns is not None:
            for event in self._clock.advance_time((self._last_ns // self.step_ns + 1) * self.step_ns):
                event.handle()
            self._aggregator.stop()
            self._aggregator = None
        return self.bars

    def flat_stretch_note(self, min_ns: int = FLAT_STRETCH_NOTE_NS) -> str:
        """
        Say how long the longest stretch of flat bars (no trade in their interval) is, when it lasts ``min_ns`` or more.

        Such bars are built at the last price with volume 0, as the aggregator builds them; over a gap of days in
        the trades file (two recordings joined into one file) they are not market data, and no later check tells
        them from real quiet bars (``liqheat catalog validate`` sees a gapless bar series).

        Parameters
        ----------
        min_ns : int, default FLAT_STRETCH_NOTE_NS
            The shortest stretch worth a note (UNIX ns duration).

        Returns
        -------
        str
            One sentence; ``""`` when no stretch lasts that long (or before :meth:`finish`).
        """
        flat = np.array([b.volume.as_double() == 0.0 for b in self.bars], dtype=bool)
        if not flat.any():
            return ""
        edges = np.flatnonzero(np.diff(np.concatenate(([0], flat.astype(np.int8), [0]))))
        starts, stops = edges[::2], edges[1::2]  # runs of flat bars: [start, stop)
        longest = int(np.argmax(stops - starts))
        first, count = int(starts[longest]), int(stops[longest] - starts[longest])
        if count * self.step_ns < min_ns:
            return ""
        opened = pd.Timestamp(int(self.bars[first].ts_event) - self.step_ns, unit="ns", tz="UTC")
        closed = pd.Timestamp(int(self.bars[first + count - 1].ts_event), unit="ns", tz="UTC")
        return (f"{int(flat.sum()):,} of the {len(self.bars):,} bars built are flat (no trade in their interval); "
                f"{count:,} in a row, {count * self.step_ns / 3.6e12:.1f} h from {opened} to {closed}, hold the last "
                "price with volume 0: if the file joins separate recordings, those bars are not market data "
                "(ingest each recording with its own command)")
