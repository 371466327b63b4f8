"""What a ``ParquetDataCatalog`` folder holds, read from its files' Parquet metadata (no data loaded)."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from nautilus_trader.persistence.funcs import class_to_filename, filename_to_class, urisafe_identifier

import liqheat_nautilus.data  # noqa: F401  (registers the custom data classes for filename_to_class)
from liqheat_nautilus.persistence.errors import IngestError

INSTRUMENT_TYPES = ("crypto_perpetual", "crypto_future", "currency_pair", "futures_contract", "equity")
"""Catalog folder names of instrument definitions (not data streams)."""


def require_catalog(catalog_dir: str | Path) -> Path:
    """
    Return the folder as a ``Path`` when it holds a catalog.

    Raises
    ------
    FileNotFoundError
        If the folder does not exist or holds no ``data/`` folder.
    """
    catalog_dir = Path(catalog_dir)
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
    """Smallest and largest ``ts_init`` (UNIX ns) of a Parquet file from its row-group statistics (or ``None``)."""
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
    """Return the error of a catalog file that is not readable Parquet (truncated, corrupt, not Parquet at all)."""
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
        ``on_error``).
    """
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
        files.append(file)
        rows += metadata.num_rows
        lo, hi = ts_range(metadata)
        if lo is not None and hi is not None and metadata.num_rows:
            first = lo if first is None else min(first, lo)
            last = hi if last is None else max(last, hi)
    type_name = folder.parent.name
    return StreamInfo(type_name, filename_to_class(type_name), folder.name, tuple(files), rows, first, last)


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


def last_ts_init(catalog_dir: str | Path, data_cls: type, identifier: str) -> int | None:
    """
    Return the latest ``ts_init`` (UNIX ns) a catalog holds for a class and identifier, ``None`` if it holds none.

    Read from Parquet statistics, not from file names (files split by a range deletion are named after the
    deletion bounds, not their content).
    """
    folder = Path(catalog_dir) / "data" / class_to_filename(data_cls) / urisafe_identifier(identifier)
    if not folder.is_dir():
        return None
    return stream_info(folder).last_ts
