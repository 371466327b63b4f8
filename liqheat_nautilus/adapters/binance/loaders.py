"""Binance public-data archives (data.binance.vision, USD-M and COIN-M futures) into a Nautilus catalog.

What an archive holds: its file name (:func:`parse_binance_name`) and column layout (:data:`LAYOUTS`, as documented in
binance/binance-public-data). Files are streamed in Arrow batches (bounded memory), converted by the converters of
:mod:`.parsing`, and written in chunks by :class:`~liqheat_nautilus.persistence.writer.RangeReplacingWriter` inside
one :func:`~liqheat_nautilus.persistence.transaction.catalog_transaction`: every file is read and checked before
anything is committed, so a bad file anywhere stops the ingest and the catalog is left as it was.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from liqheat_nautilus.adapters.binance.archives import CONVERTERS
from liqheat_nautilus.adapters.binance.providers import binance_instrument_id, raw_symbol_of
from liqheat_nautilus.adapters.common.providers import InstrumentSources, refuse_legacy_ids, resolve_instruments
from liqheat_nautilus.core.units import NS_PER_DAY, NS_PER_HOUR, NS_PER_MINUTE
from liqheat_nautilus.data import TakerVolume
from liqheat_nautilus.persistence.checks import PriceScale
from liqheat_nautilus.persistence.checksum import unverified_note, verify_checksums
from liqheat_nautilus.persistence.csv_stream import DEFAULT_BLOCK_BYTES, CsvLayout, iter_batches
from liqheat_nautilus.persistence.errors import IngestError, require_file
from liqheat_nautilus.persistence.transaction import catalog_transaction, check_target, log_stderr
from liqheat_nautilus.persistence.writer import DEFAULT_CHUNK_ROWS, IngestSummary, RangeReplacingWriter

# -- file layouts ------------------------------------------------------------------------------------------------

_I, _F, _B, _S = pa.int64(), pa.float64(), pa.bool_(), pa.string()

LAYOUTS: dict[str, CsvLayout] = {
    layout.kind: layout
    for layout in (
        CsvLayout(
            "klines",
            ("open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "count",
             "taker_buy_volume", "taker_buy_quote_volume", "ignore"),
            (_I, _F, _F, _F, _F, _F, _I, _F, _I, _F, _F, _S),
            # COIN-M klines: volume in contracts, "quote" columns are in base asset.
            {"quote_volume": ("base_volume",), "taker_buy_quote_volume": ("taker_buy_base_volume",)},
        ),
        CsvLayout(
            "aggTrades",
            ("agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time",
             "is_buyer_maker"),
            (_I, _F, _F, _I, _I, _I, _B),
            {},
        ),
        CsvLayout(
            "trades",
            ("id", "price", "qty", "quote_qty", "time", "is_buyer_maker"),
            (_I, _F, _F, _F, _I, _B),
            # COIN-M trades: qty in contracts, base_qty in base asset.
            {"quote_qty": ("base_qty",)},
        ),
        CsvLayout(
            "metrics",
            ("create_time", "symbol", "sum_open_interest", "sum_open_interest_value",
             "count_toptrader_long_short_ratio", "sum_toptrader_long_short_ratio", "count_long_short_ratio",
             "sum_taker_long_short_vol_ratio"),
            (_S, _S, _F, _F, _S, _S, _S, _S),  # ratio columns may be blank: read as text, parsed per row
            {},
        ),
        CsvLayout(
            "fundingRate",
            ("calc_time", "funding_interval_hours", "last_funding_rate"),
            (_I, _F, _F),
            {},
        ),
    )
}
"""Layout per archive kind."""


# -- file names ----------------------------------------------------------------------------------------------------

KINDS = ("klines", "aggTrades", "trades", "metrics", "fundingRate")

_KLINE_INTERVALS = {
    "1m": (1, "MINUTE"), "3m": (3, "MINUTE"), "5m": (5, "MINUTE"), "15m": (15, "MINUTE"), "30m": (30, "MINUTE"),
    "1h": (1, "HOUR"), "2h": (2, "HOUR"), "4h": (4, "HOUR"), "6h": (6, "HOUR"), "8h": (8, "HOUR"),
    "12h": (12, "HOUR"), "1d": (1, "DAY"),
}
KLINE_INTERVALS = tuple(_KLINE_INTERVALS)
"""Kline intervals of the archive (``1m`` ... ``1d``), the valid values of ``interval``."""
_UNIT_NS = {"MINUTE": NS_PER_MINUTE, "HOUR": NS_PER_HOUR, "DAY": NS_PER_DAY}

_NAME = re.compile(
    r"^(?P<symbol>[A-Z0-9_]+)-(?P<kind>aggTrades|trades|metrics|fundingRate|"
    + "|".join(_KLINE_INTERVALS)
    + r")-(?P<date>\d{4}-\d{2}(?:-\d{2})?)\.(?:csv|zip)$",
)


@dataclass(frozen=True)
class BinanceFileName:
    """
    The parts of a data.binance.vision file name ``SYMBOL-KIND-DATE.(zip|csv)``.

    Attributes
    ----------
    symbol : str
        Venue symbol, e.g. ``"BTCUSDT"`` (USD-M) or ``"BTCUSD_PERP"`` (COIN-M).
    kind : str
        One of :data:`KINDS`.
    date : str
        ``YYYY-MM-DD`` (daily file) or ``YYYY-MM`` (monthly file).
    interval : str
        Kline interval (``"1m"``, ``"1h"``, ...), empty for other kinds.
    """

    symbol: str
    kind: str
    date: str
    interval: str = ""

    @property
    def is_coin_margined(self) -> bool:
        """COIN-M (``dapi``) symbols carry an underscore suffix (``_PERP`` or a delivery date)."""
        return "_" in self.symbol

    @property
    def is_monthly(self) -> bool:
        """Monthly archive (``YYYY-MM``) rather than daily."""
        return len(self.date) == 7

    @property
    def bar_step(self) -> int:
        """Kline step ``n`` of the Nautilus bar specification (0 for non-kline files)."""
        return _KLINE_INTERVALS[self.interval][0] if self.interval else 0

    @property
    def bar_aggregation(self) -> str:
        """Kline aggregation (``MINUTE``/``HOUR``/``DAY``) of the bar specification (empty for non-klines)."""
        return _KLINE_INTERVALS[self.interval][1] if self.interval else ""

    @property
    def interval_ns(self) -> int:
        """Kline interval in nanoseconds (0 for non-kline files)."""
        return self.bar_step * _UNIT_NS[self.bar_aggregation] if self.interval else 0


def parse_binance_name(path: str | Path) -> BinanceFileName:
    """
    Parse a data.binance.vision file name.

    Parameters
    ----------
    path : str or Path
        E.g. ``.../BTCUSDT-1m-2024-01-01.zip``, ``BTCUSD_PERP-aggTrades-2026-05-08.zip``,
        ``BTCUSDT-fundingRate-2026-04.zip``, ``BTCUSDT-metrics-2024-01-01.csv``.

    Returns
    -------
    BinanceFileName

    Raises
    ------
    IngestError
        If the name does not follow the archive's ``SYMBOL-KIND-DATE`` pattern.
    """
    name = Path(path).name
    match = _NAME.match(name)
    if match is None:
        raise IngestError(path, "file name is not a data.binance.vision name SYMBOL-KIND-DATE.(zip|csv) with KIND "
                                f"in {KINDS} (klines as an interval such as 1m)")
    kind = match["kind"]
    interval = ""
    if kind in _KLINE_INTERVALS:
        interval, kind = kind, "klines"
    return BinanceFileName(symbol=match["symbol"], kind=kind, date=match["date"], interval=interval)


# -- ingest --------------------------------------------------------------------------------------------------------

def plan_file(path: str | Path, instrument_id: str | None = None, kind: str | None = None,
              interval: str | None = None) -> tuple[BinanceFileName, str]:
    """
    Decide what a file holds and which instrument it belongs to.

    Parameters
    ----------
    path : str or Path
        An archive file.
    instrument_id : str, optional
        The Nautilus instrument id (``BTCUSDT-PERP.BINANCE``); by default the one NautilusTrader's Binance adapter
        gives the file name's symbol. Must agree with the name's symbol when both exist; required when the name
        is not a data.binance.vision name (the venue symbol is then read back from the id, :func:`raw_symbol_of`).
    kind : str, optional
        One of ``klines``, ``aggTrades``, ``trades``, ``metrics``, ``fundingRate``; required (with
        ``interval`` for klines) when the name is not a data.binance.vision name.
    interval : str, optional
        Kline interval (``"1m"``) for renamed kline files.

    Returns
    -------
    tuple[BinanceFileName, str]
        The parsed (or given) name and the instrument id.

    Raises
    ------
    IngestError
        If kind or instrument cannot be determined, the instrument id is not of venue ``BINANCE`` or is not the
        file's symbol's.
    """
    if instrument_id is not None and not instrument_id.endswith(".BINANCE"):
        raise IngestError(path, f"{instrument_id!r} is not a Binance instrument: `ingest binance` reads Binance "
                                "archives, whose instruments have NautilusTrader's Binance ids (BTCUSDT-PERP.BINANCE, "
                                "BTCUSD-PERP.BINANCE)", field="--instrument-id")
    try:
        name = parse_binance_name(path)
    except IngestError as exc:
        if kind is None or instrument_id is None:
            missing = " and ".join(o for o, v in (("--kind", kind), ("--instrument-id", instrument_id)) if v is None)
            raise IngestError(path, f"{exc.message}; a renamed file needs {missing} (with --interval for "
                                    "klines)") from None
        if kind not in KINDS:
            raise IngestError(path, f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}",
                              field="--kind") from None
        if kind == "klines" and interval not in _KLINE_INTERVALS:
            raise IngestError(path, f"kline files need an interval, one of {', '.join(KLINE_INTERVALS)}; got "
                                    f"{interval!r}", field="--interval") from None
        name = BinanceFileName(symbol=raw_symbol_of(instrument_id), kind=kind, date="",
                               interval=(interval or "") if kind == "klines" else "")
    if kind is not None and kind != name.kind:
        raise IngestError(path, f"file name says {name.kind!r}, but kind {kind!r} was given")
    expected = binance_instrument_id(name.symbol).value
    iid = instrument_id or expected
    if iid != expected:
        raise IngestError(path, f"file is for symbol {name.symbol!r}, whose instrument id is {expected!r}, not "
                                f"{iid!r}")
    return name, iid


def _finer_klines(catalog_dir: str | Path, written: list[tuple[str, int, int, int]], instrument_id: str,
                  interval_ns: int, t0: int | None, t1: int | None) -> str:
    """
    Return the spec of klines finer than ``interval_ns`` among the bars closing ``t0`` to ``t1``, or ``""``.

    Looked for among the kline files this ingest has ``written`` (instrument, interval, first, last) and the bars the
    catalog already holds. One ``TakerVolume`` stream per instrument comes from the finest klines: a coarser file
    would replace its rows in its span (a 5-minute file, the 1-minute taker volume).
    """
    if t0 is None or t1 is None:
        return ""
    start = t0 - interval_ns  # bars are stamped at their close: the file's first bar opens here
    for iid, step, first, last in written:
        if iid == instrument_id and step < interval_ns and first <= t1 and last > start:
            return next(f"{n}-{unit}-LAST" for n, unit in _KLINE_INTERVALS.values() if n * _UNIT_NS[unit] == step)
    if not (Path(catalog_dir) / "data" / "bar").is_dir():
        return ""
    from nautilus_trader.model.data import Bar
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    catalog = ParquetDataCatalog(str(catalog_dir))
    for n, unit in sorted(set(_KLINE_INTERVALS.values()), key=lambda v: v[0] * _UNIT_NS[v[1]]):
        if n * _UNIT_NS[unit] >= interval_ns:
            break
        bar_type = f"{instrument_id}-{n}-{unit}-LAST-EXTERNAL"
        if any(a <= t1 and b > start for a, b in catalog.get_intervals(Bar, bar_type)):
            return f"{n}-{unit}-LAST"
    return ""


def ingest_binance_files(paths: Iterable[str | Path], catalog_dir: str | Path, instrument_id: str | None = None,
                         kind: str | None = None, interval: str | None = None,
                         chunk_rows: int = DEFAULT_CHUNK_ROWS, block_bytes: int = DEFAULT_BLOCK_BYTES,
                         verify: bool = True, instruments: InstrumentSources | None = None,
                         lock_timeout: float | None = None, log: Callable[[str], None] = log_stderr,
                         price_check: bool = True) -> IngestSummary:
    """
    Ingest data.binance.vision futures archive files into a catalog, atomically and idempotently.

    The instruments are found before anything is read (:func:`~liqheat_nautilus.adapters.common.providers.
    resolve_instruments`: the user's spec or exchangeInfo files, the catalog's own definitions, else Binance's
    ``exchangeInfo`` online) and written with the data. For each file: the ``.CHECKSUM`` sibling is verified when
    present (before anything is written), the rows are streamed, checked and converted (klines -> ``Bar`` and
    :class:`~liqheat_nautilus.data.TakerVolume`; aggTrades/trades -> ``TradeTick``; metrics ->
    :class:`~liqheat_nautilus.data.OpenInterest` and :class:`~liqheat_nautilus.data.LongShortRatio`; fundingRate ->
    :class:`~liqheat_nautilus.data.FundingRate`). Each file replaces whatever the catalog held for the same type
    and instrument within the file's time range, so re-running is idempotent and overlapping files do not duplicate
    rows.

    Parameters
    ----------
    paths : iterable of str or Path
        ``.zip`` or ``.csv`` archive files (daily or monthly, with or without header row); ``.CHECKSUM`` files in
        the list are skipped (each is verified with its archive).
    catalog_dir : str or Path
        The catalog folder to create or update.
    instrument_id : str, optional
        Instrument id (default: NautilusTrader's id of each file name's symbol, ``BTCUSDT-PERP.BINANCE``); see
        :func:`plan_file`.
    kind, interval : str, optional
        For files whose names are not data.binance.vision names; see :func:`plan_file`.
    chunk_rows : int, default 500_000
        Rows per written Parquet file (bounds memory together with ``block_bytes``).
    block_bytes : int, default 8 MiB
        CSV bytes parsed per batch.
    verify : bool, default True
        Verify ``.CHECKSUM`` files when present; the files without one are named in one ``log`` line (ingested all
        the same).
    instruments : InstrumentSources, optional
        Where instrument definitions may come from besides the catalog (default: Binance online).
    lock_timeout, log
        As for :func:`~liqheat_nautilus.persistence.transaction.catalog_transaction`.
    price_check : bool, default True
        Refuse a klines or trades file whose prices (a kline's close, a trade's price) are on a scale far off the
        instrument's, as another symbol's archive renamed or given ``--instrument-id`` would be: the file's first
        row is compared with the catalog's bar close or trade of the instrument nearest in time, every later row
        with the row before it (:class:`~liqheat_nautilus.persistence.checks.PriceScale`, as ``ingest csv``);
        ``False`` (``--no-price-check``) accepts them.

    Returns
    -------
    IngestSummary
        ``instrument_id`` lists the instruments; ``counts``/``first_ts``/``last_ts`` are keyed
        ``"<Type> <identifier>"`` (e.g. ``"TradeTick BTCUSD-PERP.BINANCE"``), times in UNIX ns.

    Raises
    ------
    IngestError
        For a bad name, checksum, header, row or value (naming file, line and field), a price far off the
        instrument's scale (with ``price_check``; naming file, line, field and both prices), an instrument no source
        defines, a target that is not a catalog, a busy catalog or a full disk; the catalog is unchanged.
    ValueError
        If ``chunk_rows`` < 1.
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, was {chunk_rows}")
    paths = [Path(p) for p in paths if not str(p).endswith(".CHECKSUM")]  # sidecars are read with their file
    if not paths:
        raise IngestError(catalog_dir, "no input files given")
    for path in paths:  # before the instrument look-up, which may ask the venue online
        require_file(path)
    check_target(catalog_dir, tuple(paths))  # before its instrument definitions are read
    plans = [(path, *plan_file(path, instrument_id, kind, interval)) for path in paths]
    wanted = {iid: name.symbol for _, name, iid in plans}
    first_file: dict[str, str | Path] = {}  # an instrument no source defines is named with its (first) file
    for path, _, iid in plans:
        first_file.setdefault(iid, path)
    defs = resolve_instruments(wanted, catalog_dir, instruments, where=first_file)
    refuse_legacy_ids(catalog_dir, [d[0] for d in defs.values()], where=plans[0][0])
    unverified = verify_checksums(path for path, _, _ in plans) if verify else []  # said once they are ingested
    spans: dict[str, list[tuple[int, int, int]]] = {}  # per stream: (first, last, rows) of each file written
    klines: list[tuple[str, int, int, int]] = []  # kline files written: instrument, interval (ns), first, last

    def record(key: str, count: int, t0: int | None, t1: int | None) -> None:
        if not count or t0 is None or t1 is None:  # nothing written (the times are None exactly then)
            return
        # a file replaces the rows of earlier files within its span: those it covers whole no longer count (the
        # same file given twice, a daily file then its monthly one)
        kept = [s for s in spans.get(key, []) if not t0 <= s[0] <= s[1] <= t1]
        spans[key] = [*kept, (t0, t1, count)]

    with catalog_transaction(catalog_dir, sources=tuple(paths), lock_timeout=lock_timeout, log=log,
                             command="ingest binance") as catalog:
        catalog.write_data([defs[iid][0] for iid in sorted(defs)])
        checked: dict[str, list] = {}  # per instrument, the prices its files passed (PriceScale's ``earlier``)
        for path, name, iid in plans:
            converter = CONVERTERS[name.kind](str(path), defs[iid][0], name)
            writer = RangeReplacingWriter(catalog, converter.data_cls, converter.identifier, chunk_rows)
            extra: dict[tuple[type, str], RangeReplacingWriter] = {}
            # under the lock, each batch before it is staged (a refusal leaves the catalog as it was)
            scale = (PriceScale(catalog_dir, iid, path, earlier=checked.setdefault(iid, []))
                     if price_check and converter.price_column else None)
            for batch in iter_batches(path, LAYOUTS[name.kind], block_bytes):
                items, ts_ns = converter.convert(batch)
                if scale is not None:
                    scale.check_batch(ts_ns, batch, converter.price_column)
                writer.add(items, ts_ns)
                for (cls, identifier), (objs, ts) in converter.take_extra().items():
                    if (cls, identifier) not in extra:
                        extra[(cls, identifier)] = RangeReplacingWriter(catalog, cls, identifier, chunk_rows)
                    extra[(cls, identifier)].add(objs, ts)
            count, t0, t1 = writer.finish()
            if not count:
                raise IngestError(path, "no data rows")
            if note := converter.off_tick_note():
                log(f"{path}: {note}")
            record(f"{converter.data_cls.__name__} {converter.identifier}", count, t0, t1)
            finer = _finer_klines(catalog_dir, klines, iid, name.interval_ns, t0, t1) if name.kind == "klines" else ""
            if name.kind == "klines" and t0 is not None and t1 is not None:  # set when rows were written
                klines.append((iid, name.interval_ns, t0, t1))
            for (cls, identifier), extra_writer in extra.items():
                if cls is TakerVolume and finer:  # not staged: the finer klines' taker volume stays
                    log(f"{path}: its taker volume is not written: the catalog has {finer} bars of {iid} over its "
                        f"span, and taker volume comes from the finest klines (the bars are written)")
                    continue
                record(f"{cls.__name__} {identifier}", *extra_writer.finish())
    if (note := unverified_note(unverified)) and log is not None:  # (log=None: a caller that wants no lines)
        log(note)
    return IngestSummary(
        catalog=str(Path(catalog_dir).resolve()),
        instrument_id=", ".join(sorted(defs)),
        counts={key: sum(s[2] for s in parts) for key, parts in spans.items()},
        first_ts={key: min(s[0] for s in parts) for key, parts in spans.items()},
        last_ts={key: max(s[1] for s in parts) for key, parts in spans.items()},
    )
