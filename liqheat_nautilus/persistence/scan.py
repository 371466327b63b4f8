"""What a ``ParquetDataCatalog`` folder holds, read from its files' Parquet metadata (no data loaded)."""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from nautilus_trader.persistence.funcs import class_to_filename, filename_to_class, urisafe_identifier
from nautilus_trader.serialization.arrow.serializer import get_schema

import liqheat_nautilus.data  # noqa: F401  (registers the custom data classes for filename_to_class)
from liqheat_nautilus.persistence.errors import IngestError

INSTRUMENT_TYPES = ("crypto_perpetual", "crypto_future", "currency_pair", "futures_contract", "equity")
"""Catalog folder names of instrument definitions (not data streams)."""

OPTIONAL_COLUMNS = frozenset({"type"})
"""Columns of a data class's Arrow schema that its decoder does without (``customdataclass`` drops ``type``)."""

REINGEST = ("re-ingest this instrument's data into a new catalog (`liqheat catalog ingest ... --catalog NEW`), or "
            "remove the file")
"""The fix of a catalog file that older versions wrote and a backtest cannot read right."""


class MissingColumnsError(IngestError):
    """
    A catalog data file lacks columns of its data class (see :func:`required_columns`).

    Parameters
    ----------
    path : str or Path
        The catalog data file (Parquet).
    columns : iterable of str
        The missing columns, in schema order.
    data_cls : type
        The data class the file's folder stores (named in the message).

    Attributes
    ----------
    columns : tuple[str, ...]
        The missing columns, in schema order.
    """

    def __init__(self, path: str | Path, columns: Iterable[str], data_cls: type) -> None:
        self.columns = tuple(columns)
        super().__init__(path, f"missing column(s) {', '.join(self.columns)} of {data_cls.__name__}: a backtest "
                               f"would read its rows without them, silently (no data or default values); {REINGEST}")


def required_columns(data_cls: type | None) -> tuple[str, ...]:
    """
    Return the columns every catalog file of a data class must hold.

    They are the class's Arrow schema as registered with Nautilus (the one the catalog writes with: Nautilus'
    own for ``Bar``/``TradeTick``..., the fields of a ``customdataclass`` for this package's data types), less
    :data:`OPTIONAL_COLUMNS`.

    Parameters
    ----------
    data_cls : type or None
        The data class (``None``: unknown to this process).

    Returns
    -------
    tuple[str, ...]
        Empty when the class has no registered schema.
    """
    if data_cls is None:
        return ()
    try:
        schema = get_schema(data_cls)
    except KeyError:
        return ()
    return tuple(name for name in schema.names if name not in OPTIONAL_COLUMNS)


def require_catalog(catalog_dir: str | Path) -> Path:
    """
    Return the folder as a ``Path`` when it holds a catalog.

    Parameters
    ----------
    catalog_dir : str or Path
        The catalog folder (it must hold a ``data/`` folder).

    Returns
    -------
    Path
        ``catalog_dir`` as a ``Path``.

    Raises
    ------
    FileNotFoundError
        If the folder does not exist or holds no ``data/`` folder.
    """
    catalog_dir = Path(catalog_dir)
    if not catalog_dir.exists():
        raise FileNotFoundError(f"{catalog_dir}: catalog not found: no such folder (build one with `liqheat catalog "
                                "ingest` or `liqheat catalog fetch`)")
    if not (catalog_dir / "data").is_dir():
        raise FileNotFoundError(f"{catalog_dir}: not a catalog (no data/ folder)")
    return catalog_dir


@dataclass(frozen=True)
class StreamInfo:
    """
    One data stream of a catalog: a data class and an identifier (one folder ``data/<type>/<identifier>/``).

    Attributes
    ----------
    type_name : str
        The catalog folder name of the class (``bar``, ``trade_tick``, ``custom_open_interest``,
        ``crypto_perpetual``, ...).
    data_cls : type or None
        The Nautilus class, when known to this process.
    identifier : str
        Instrument id or bar type.
    files : tuple[Path, ...]
        The Parquet files, sorted by name (= by start time).
    rows : int
        Rows in all files.
    first_ts, last_ts : int or None
        Smallest and largest ``ts_init`` (UNIX ns) from the Parquet statistics; ``None`` if unavailable.
    """

    type_name: str
    data_cls: type | None
    identifier: str
    files: tuple[Path, ...]
    rows: int
    first_ts: int | None
    last_ts: int | None


def ts_range(metadata: pq.FileMetaData) -> tuple[int | None, int | None]:
    """
    Return the smallest and largest ``ts_init`` (UNIX ns) of a Parquet file from its row-group statistics.

    Parameters
    ----------
    metadata : pq.FileMetaData
        The file's Parquet footer.

    Returns
    -------
    tuple[int or None, int or None]
        ``(first, last)`` ``ts_init`` in UNIX nanoseconds; ``(None, None)`` when the file has no ``ts_init`` column,
        no row groups, or a row group without min/max statistics.
    """
    names = metadata.schema.names
    if "ts_init" not in names:
        return None, None
    column = names.index("ts_init")
    lows, highs = [], []
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(column).statistics
        if stats is None or not stats.has_min_max:
            return None, None
        lows.append(int(stats.min))
        highs.append(int(stats.max))
    return (min(lows), max(highs)) if lows else (None, None)


def unreadable(path: Path, exc: BaseException) -> IngestError:
    """
    Return the error of a catalog file that is not readable Parquet (truncated, corrupt, not Parquet at all).

    Parameters
    ----------
    path : Path
        The catalog file.
    exc : BaseException
        What reading its footer raised (its type and first 160 characters are quoted).

    Returns
    -------
    IngestError
        Naming the file: ``not a readable Parquet file (<type>: <message>)``.
    """
    return IngestError(path, f"not a readable Parquet file ({type(exc).__name__}: {str(exc)[:160]})")


def stream_info(folder: Path, on_error: Callable[[IngestError], None] | None = None) -> StreamInfo:
    """
    Summarise one ``data/<type>/<identifier>/`` folder from Parquet metadata.

    Parameters
    ----------
    folder : Path
        The identifier folder.
    on_error : callable, optional
        Receives the error of an unreadable file, which is then left out; default: raise it.

    Returns
    -------
    StreamInfo

    Raises
    ------
    IngestError
        Naming the first file whose Parquet footer cannot be read, or a data file without ``ts_init`` (without
        ``on_error``); a :class:`MissingColumnsError` for a data file without every :func:`required_columns` of
        its class.
    """
    type_name = folder.parent.name
    data_cls = filename_to_class(type_name)
    required = () if type_name in INSTRUMENT_TYPES else required_columns(data_cls)
    files = []
    rows = 0
    first: int | None = None
    last: int | None = None
    for file in sorted(folder.glob("*.parquet")):
        try:
            metadata = pq.ParquetFile(file).metadata
        except (OSError, pa.ArrowException) as exc:
            error = unreadable(file, exc)
            if on_error is None:
                raise error from None
            on_error(error)
            continue
        if "ts_init" not in metadata.schema.names and folder.parent.name not in INSTRUMENT_TYPES:
            # valid Parquet of something else (Nautilus' queries fail on it): left out like an unreadable file
            columns = ", ".join(metadata.schema.names[:8]) or "none"
            error = IngestError(file, f"not a {folder.parent.name} file (no ts_init column; columns: {columns})")
            if on_error is None:
                raise error
            on_error(error)
            continue
        missing = [name for name in required if name not in metadata.schema.names]
        if missing and data_cls is not None:  # Nautilus reads it without error, and without the rows' data
            error = MissingColumnsError(file, missing, data_cls)
            if on_error is None:
                raise error
            on_error(error)
            continue
        files.append(file)
        rows += metadata.num_rows
        lo, hi = ts_range(metadata)
        if lo is not None and hi is not None and metadata.num_rows:
            first = lo if first is None else min(first, lo)
            last = hi if last is None else max(last, hi)
    return StreamInfo(type_name, data_cls, folder.name, tuple(files), rows, first, last)


def scan_catalog(catalog_dir: str | Path, on_error: Callable[[IngestError], None] | None = None) -> list[StreamInfo]:
    """
    Every stream of a catalog, sorted by type then identifier.

    Parameters
    ----------
    catalog_dir : str or Path
        The catalog folder (holding ``data/``).
    on_error : callable, optional
        Receives the error of each unreadable file (see :func:`stream_info`); default: raise it.

    Returns
    -------
    list[StreamInfo]
        Empty for a missing or empty catalog.

    Raises
    ------
    IngestError
        Naming the first unreadable file (without ``on_error``).
    """
    data = Path(catalog_dir) / "data"
    if not data.is_dir():
        return []
    return [stream_info(folder, on_error) for folder in sorted(p for p in data.glob("*/*") if p.is_dir())]


def bar_spans(catalog_dir: str | Path, on_error: Callable[[IngestError], None] | None = None
              ) -> dict[str, tuple[int, int]]:
    """
    Every instrument with bars in a catalog, and the span of its bars (any bar type), from the files' metadata.

    The catalog's instruments a command takes when none is given: ``liqheat plot`` and ``liqheat backtest
    --catalog`` take the only one.

    Parameters
    ----------
    catalog_dir : str or Path
        The catalog folder (holding ``data/``).
    on_error : callable, optional
        Receives the error of each unreadable file (see :func:`stream_info`); default: raise it.

    Returns
    -------
    dict[str, tuple[int, int]]
        ``{instrument_id: (first ts_init, last ts_init)}`` (UNIX ns), sorted by id; empty for a catalog without bars.

    Raises
    ------
    IngestError
        Naming the first unreadable file (without ``on_error``).
    """
    spans: dict[str, tuple[int, int]] = {}
    for stream in scan_catalog(catalog_dir, on_error):
        if stream.type_name == "bar" and stream.first_ts is not None and stream.last_ts is not None:
            iid = "-".join(stream.identifier.split("-")[:-4])  # the bar type's id without its -1-MINUTE-LAST-EXTERNAL
            lo, hi = spans.get(iid, (stream.first_ts, stream.last_ts))
            spans[iid] = (min(lo, stream.first_ts), max(hi, stream.last_ts))
    return dict(sorted(spans.items()))


def last_ts_init(catalog_dir: str | Path, data_cls: type, identifier: str) -> int | None:
    """
    Return the latest ``ts_init`` (UNIX ns) a catalog holds for a class and identifier, ``None`` if it holds none.

    Read from Parquet statistics, not from file names (files split by a range deletion are named after the
    deletion bounds, not their content).

    Parameters
    ----------
    catalog_dir : str or Path
        The catalog folder.
    data_cls : type
        The Nautilus data class (``Bar``, ``TradeTick``, this package's custom data...).
    identifier : str
        The instrument id or bar type of the stream.

    Returns
    -------
    int or None
        UNIX nanoseconds; ``None`` when the stream's folder does not exist or no file has ``ts_init`` statistics.

    Raises
    ------
    IngestError
        As :func:`stream_info`, for an unreadable file of the stream.
    """
    folder = Path(catalog_dir) / "data" / class_to_filename(data_cls) / urisafe_identifier(identifier)
    if not folder.is_dir():
        return None
    return stream_info(folder).last_ts


def stored_precisions(path: Path) -> tuple[int, int] | None:
    """
    Return the price and size precision (decimal places) a bar or trade-tick file's Parquet metadata holds.

    Parameters
    ----------
    path : Path
        A Parquet file of a catalog's ``data/bar/`` or ``data/trade_tick/`` folder.

    Returns
    -------
    tuple[int, int] or None
        ``(price_precision, size_precision)``, ``None`` when the metadata holds none.
    """
    metadata = pq.read_schema(path).metadata or {}
    if b"price_precision" not in metadata or b"size_precision" not in metadata:
        return None
    return int(metadata[b"price_precision"]), int(metadata[b"size_precision"])


@dataclass(frozen=True)
class PrecisionMismatch:
    """
    A bar or trade-tick file whose price/size precision is not its instrument definition's.

    Nautilus decodes a file's prices and sizes at the precision its metadata holds; a backtest stops with a
    ``RuntimeError`` at the first bar whose precision is not the instrument's.

    Attributes
    ----------
    file : Path
        The file (as named in the catalog).
    instrument_id : str
        The instrument.
    held, expected : tuple[int, int]
        ``(price, size)`` decimal places of the file and of the definition.
    """

    file: Path
    instrument_id: str
    held: tuple[int, int]
    expected: tuple[int, int]

    def error(self, definition: str = "definition has", fix: str = REINGEST) -> IngestError:
        """
        Return the error naming the file, both precisions, the consequence and ``fix`` (one line).

        Parameters
        ----------
        definition : str, default "definition has"
            The words after ``"<instrument_id>'s"`` that introduce the expected precisions (e.g. ``"definition
            after this write has"`` while a write is staged).
        fix : str, default REINGEST
            What the user can do, appended as its own sentence (its first letter capitalised).

        Returns
        -------
        IngestError
            Naming :attr:`file`.
        """
        return IngestError(self.file, f"holds prices with {self.held[0]} and sizes with {self.held[1]} decimals, "
                                      f"but {self.instrument_id}'s {definition} {self.expected[0]} and "
                                      f"{self.expected[1]} (its tick or lot size changed); a backtest would stop at "
                                      f"these rows. {fix[:1].upper()}{fix[1:]}")


def _folder_files(root: Path, rel_dir: str) -> dict[str, Path]:
    folder = root / rel_dir
    return {f.name: f for f in sorted(folder.glob("*.parquet"))} if folder.is_dir() else {}


def precision_mismatches(root: str | Path, instrument_id: str, streams: Iterable[str] | None = None,
                         files_of: Callable[[str], dict[str, Path]] | None = None) -> Iterator[PrecisionMismatch]:
    """
    Yield the bar and trade-tick files of an instrument whose precision metadata differs from its definition's.

    Parameters
    ----------
    root : str or Path
        The catalog folder.
    instrument_id : str
        The instrument.
    streams : iterable of str, optional
        Stream folders to check, relative to ``root`` (``data/bar/<bar type>``); default: every bar type of the
        instrument and its trade ticks.
    files_of : callable, optional
        ``files_of(rel_dir) -> {file name: path}``: the files of a folder (a write checks the files it is about to
        commit); default: the folder's Parquet files.

    Yields
    ------
    PrecisionMismatch
        In stream then file order; nothing when the catalog holds no definition of the instrument.

    Raises
    ------
    OSError, pyarrow.ArrowException
        If the definition or a data file is not readable Parquet.
    """
    root = Path(root)
    files_of = files_of or (lambda rel_dir: _folder_files(root, rel_dir))
    definitions = [path for kind in INSTRUMENT_TYPES for path in files_of(f"data/{kind}/{instrument_id}").values()]
    if not definitions:
        return
    row = pq.read_table(definitions[-1], columns=["price_precision", "size_precision"]).to_pylist()[-1]
    expected = (int(row["price_precision"]), int(row["size_precision"]))
    if streams is None:
        streams = [f"data/bar/{p.name}" for p in sorted((root / "data" / "bar").glob(f"{instrument_id}-*"))]
        streams.append(f"data/trade_tick/{instrument_id}")
    for rel_dir in streams:
        for name, path in files_of(rel_dir).items():
            held = stored_precisions(path)
            if held is not None and held != expected:
                yield PrecisionMismatch(root / rel_dir / name, instrument_id, held, expected)


def file_name_interval(name: str) -> tuple[int, int] | None:
    """
    Return the ``ts_init`` range a catalog Parquet file's name gives (Nautilus' ``<start>_<end>.parquet`` naming).

    Parameters
    ----------
    name : str
        The file name.

    Returns
    -------
    tuple[int, int] or None
        First and last ``ts_init`` (UNIX ns, inclusive); ``None`` for a name that gives none.
    """
    from nautilus_trader.persistence.catalog.parquet import _parse_filename_timestamps

    try:
        return _parse_filename_timestamps(name)
    except (ValueError, IndexError):
        return None


def bars_span(catalog, bar_type: str) -> tuple[int, int] | None:
    """
    Return the span of a catalog's bars of one bar type (from its file names): the one place every command reads it.

    Parameters
    ----------
    catalog : ParquetDataCatalog
        The catalog (local or fsspec URL).
    bar_type : str
        The full bar type, e.g. ``"SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL"``.

    Returns
    -------
    tuple[int, int] or None
        The first and last bar ``ts_init`` (UNIX ns, inclusive); ``None`` when the catalog holds no such bars.
    """
    from nautilus_trader.model.data import Bar

    return intervals_span(catalog.get_intervals(Bar, bar_type))


def intervals_span(intervals: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
    """
    Return the span of sorted file intervals (``ParquetDataCatalog.get_intervals``): :func:`bars_span`'s rule.

    For a caller that already holds the intervals (one glob of the catalog, not two).

    Parameters
    ----------
    intervals : sequence of (int, int)
        The files' ``(first, last)`` ``ts_init`` (UNIX ns, inclusive), sorted by start.

    Returns
    -------
    tuple[int, int] or None
        The first interval's start and the last one's end (UNIX ns, inclusive); ``None`` without intervals.
    """
    return (int(intervals[0][0]), int(intervals[-1][1])) if intervals else None


def bar_types_held(catalog, instrument_id: str) -> list[str]:
    """
    Return the bar types a catalog holds of an instrument (its ``data/bar`` folder names), sorted.

    Parameters
    ----------
    catalog : ParquetDataCatalog
        The catalog (local or fsspec URL).
    instrument_id : str
        The instrument.

    Returns
    -------
    list[str]
        E.g. ``["SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL", "SOL-USDT-SWAP.OKX-5-MINUTE-LAST-EXTERNAL"]``.
    """
    folders = catalog.fs.glob(f"{catalog.path}/data/bar/{instrument_id}-*")
    return sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in folders)


def data_span(catalog, data_cls: type, instrument_ids: Iterable[str], start_ns: int | None = None,
              end_ns: int | None = None) -> tuple[int, int] | None:
    """
    Return the span within a period over which every listed instrument has data of a class (from the file names).

    Each instrument's span is that of its files overlapping the period, cut to the period; the result is where all
    of them overlap (a map summing ``oi_instrument_ids`` needs every one).

    Parameters
    ----------
    catalog : ParquetDataCatalog
        The catalog (local or fsspec URL).
    data_cls : type
        The data class, e.g. :class:`~liqheat_nautilus.data.OpenInterest` or
        :class:`~liqheat_nautilus.data.FundingRate`.
    instrument_ids : Iterable[str]
        The instruments (one, or a map actor's ``oi_instrument_ids``).
    start_ns, end_ns : int or None, optional
        The period (UNIX ns, inclusive; ``None`` or 0: open-ended), e.g. the bars' span (:func:`bars_span`).

    Returns
    -------
    tuple[int, int] or None
        First and last time (UNIX ns, inclusive); ``None`` when an instrument has none in the period or the
        instruments' spans do not meet.
    """
    lo, hi = None, None
    for instrument_id in instrument_ids:
        overlapping = [(a, b) for a, b in catalog.get_intervals(data_cls, str(instrument_id))
                       if (not end_ns or a <= end_ns) and (not start_ns or b >= start_ns)]
        if not overlapping:
            return None
        first = max(min(a for a, _ in overlapping), start_ns or 0)
        last = max(b for _, b in overlapping)
        last = min(last, end_ns) if end_ns else last
        lo, hi = (first, last) if lo is None or hi is None else (max(lo, first), min(hi, last))
    return None if lo is None or hi is None or lo > hi else (int(lo), int(hi))


def open_interest_span(catalog, instrument_ids: Iterable[str], start_ns: int | None = None,
                       end_ns: int | None = None) -> tuple[int, int] | None:
    """
    Return the span within a period over which every listed instrument has open interest (:func:`data_span`).

    Parameters
    ----------
    catalog : ParquetDataCatalog
        The catalog (local or fsspec URL).
    instrument_ids : Iterable[str]
        The instruments (one, or a map actor's ``oi_instrument_ids``).
    start_ns, end_ns : int or None, optional
        The period (UNIX ns, inclusive; ``None`` or 0: open-ended).

    Returns
    -------
    tuple[int, int] or None
        First and last time (UNIX ns, inclusive) of ``OpenInterest``; ``None`` when there is no such span.
    """
    from liqheat_nautilus.data import OpenInterest

    return data_span(catalog, OpenInterest, instrument_ids, start_ns, end_ns)


def has_open_interest(catalog, instrument_id: str, start_ns: int | None = None, end_ns: int | None = None
                      ) -> bool:
    """
    Return whether a catalog holds ``OpenInterest`` of an instrument overlapping a period (from its file names).

    Parameters
    ----------
    catalog : ParquetDataCatalog
        The catalog (local or fsspec URL).
    instrument_id : str
        The instrument.
    start_ns, end_ns : int or None, optional
        The period (UNIX ns, inclusive; ``None`` or 0: open-ended).

    Returns
    -------
    bool
        Whether :func:`open_interest_span` finds a span.
    """
    return open_interest_span(catalog, [instrument_id], start_ns, end_ns) is not None


SUMMED_OPEN_INTEREST_MISSING = ("the map sums every instrument listed and would never update (fetch it into this "
                                "catalog: `liqheat catalog fetch <venue> <symbol> --data oi`)")
"""Why an instrument of ``oi_instrument_ids`` without open interest is refused, and the fix (every command's)."""

OPEN_INTEREST_MISSING = ("the liquidation map updates only on open interest (ingest it: `liqheat catalog ingest csv "
                         "--open-interest`, Binance metrics files, `liqheat catalog fetch ... --data oi`)")
"""Why an instrument without open interest in the catalog gets no map update, and the fix (backtest, serve)."""

TRADES_MODE_HINT = ("; the catalog holds trade ticks of {instrument_id}: a map in entry_mode = \"trades\" is opened "
                    "from them without open interest (a backtest's map actor: subscribe_trade_ticks = true and "
                    "map_params_extra = {{ entry_mode = \"trades\" }}; liqheat plot: a --profile-file with "
                    "entry_mode = \"trades\"; docs/backtests.md, docs/methodology.md)")
"""The way out for a catalog of trades without open interest, appended by :func:`open_interest_missing`."""


def open_interest_missing(catalog, instrument_id: str) -> str:
    """
    Return why a map of an instrument without open interest gets no update, and the fixes that apply to the catalog.

    :data:`OPEN_INTEREST_MISSING`, followed by :data:`TRADES_MODE_HINT` when the catalog holds trade ticks of the
    instrument (e.g. Binance aggTrades or ``liqheat catalog ingest csv --trades``): such a catalog can drive a map in
    ``entry_mode = "trades"``, which the refusal should say rather than only ask for open interest.

    Parameters
    ----------
    catalog : ParquetDataCatalog
        The catalog (local or fsspec URL).
    instrument_id : str
        The instrument, e.g. ``"ETHUSDT-PERP.BINANCE"``.

    Returns
    -------
    str
        One clause, to follow "... and " in a refusal.
    """
    from nautilus_trader.model.data import TradeTick

    held = bool(catalog.get_intervals(TradeTick, str(instrument_id)))
    return OPEN_INTEREST_MISSING + (TRADES_MODE_HINT.format(instrument_id=instrument_id) if held else "")


def first_without_open_interest(catalog, instrument_ids: Iterable[str], start_ns: int | None = None,
                                end_ns: int | None = None) -> str | None:
    """
    Return the first instrument a map sums that has no open interest in a period (see :func:`has_open_interest`).

    Parameters
    ----------
    catalog : ParquetDataCatalog
        The catalog.
    instrument_ids : Iterable[str]
        The summed instruments (a map actor's ``oi_instrument_ids``), e.g.
        ``["SOL-USDT-SWAP.OKX", "SOLUSDT-LINEAR.BYBIT"]``.
    start_ns, end_ns : int or None, optional
        The period the readings must overlap (UNIX ns; ``None`` or 0: open-ended).

    Returns
    -------
    str or None
        The instrument id; ``None`` when every one has readings (the refusal's wording:
        :data:`SUMMED_OPEN_INTEREST_MISSING`).
    """
    return next((str(i) for i in instrument_ids if not has_open_interest(catalog, i, start_ns, end_ns)), None)
