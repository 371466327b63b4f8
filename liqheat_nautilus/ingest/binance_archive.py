"""Ingest of data.binance.vision futures archives (USD-M and COIN-M) into a Nautilus catalog.

Files are streamed in Arrow batches (bounded memory), converted by :mod:`binance_convert`, and written in chunks by
:class:`~liqheat_nautilus.ingest.chunk_writer.RangeReplacingWriter` inside one
:func:`~liqheat_nautilus.ingest.staging.staged_catalog` transaction: a bad file anywhere stops the ingest and the
catalog is left as it was.
"""

from collections.abc import Iterable
from pathlib import Path

from liqheat_nautilus.ingest.binance_convert import CONVERTERS
from liqheat_nautilus.ingest.binance_layouts import LAYOUTS
from liqheat_nautilus.ingest.binance_names import KINDS, BinanceFileName, parse_binance_name
from liqheat_nautilus.ingest.checksum import verify_checksum
from liqheat_nautilus.ingest.chunk_writer import DEFAULT_CHUNK_ROWS, RangeReplacingWriter
from liqheat_nautilus.ingest.csv_stream import DEFAULT_BLOCK_BYTES, iter_batches
from liqheat_nautilus.ingest.errors import IngestError
from liqheat_nautilus.ingest.instruments import KNOWN_PERPETUALS, known_perpetual
from liqheat_nautilus.ingest.okx_sample import IngestSummary
from liqheat_nautilus.ingest.staging import staged_catalog

VENUE = "BINANCE"


def plan_file(path: str | Path, instrument_id: str | None = None, kind: str | None = None,
              interval: str | None = None) -> tuple[BinanceFileName, str]:
    """
    Decide what a file holds and which instrument it belongs to.

    Parameters
    ----------
    path : str or Path
        An archive file.
    instrument_id : str, optional
        Overrides the ``SYMBOL.BINANCE`` taken from the file name; required when the name is not a
        data.binance.vision name. Must agree with the name's symbol when both exist.
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
        If kind or instrument cannot be determined, or the instrument is not a known contract.
    """
    try:
        name = parse_binance_name(path)
    except IngestError:
        if kind is None or instrument_id is None:
            raise
        if kind not in KINDS:
            raise IngestError(path, f"unknown kind {kind!r}; expected one of {KINDS}") from None
        if kind == "klines" and not interval:
            raise IngestError(path, "kline files need an interval such as 1m") from None
        name = BinanceFileName(symbol=instrument_id.split(".")[0], kind=kind, date="",
                               interval=interval if kind == "klines" else "")
    if kind is not None and kind != name.kind:
        raise IngestError(path, f"file name says {name.kind!r}, but kind {kind!r} was given")
    iid = instrument_id or f"{name.symbol}.{VENUE}"
    if iid.split(".")[0] != name.symbol:
        raise IngestError(path, f"file is for symbol {name.symbol!r}, not for instrument {iid!r}")
    if iid not in KNOWN_PERPETUALS:
        raise IngestError(path, f"no contract specification for {iid!r}; known: {sorted(KNOWN_PERPETUALS)}")
    return name, iid


def ingest_binance_files(paths: Iterable[str | Path], catalog_dir: str | Path, instrument_id: str | None = None,
                         kind: str | None = None, interval: str | None = None,
                         chunk_rows: int = DEFAULT_CHUNK_ROWS, block_bytes: int = DEFAULT_BLOCK_BYTES,
                         verify: bool = True) -> IngestSummary:
    """
    Ingest data.binance.vision futures archive files into a catalog, atomically and idempotently.

    For each file: the ``.CHECKSUM`` sibling is verified when present (before anything is written), the rows are
    streamed, checked and converted (klines -> ``Bar``, aggTrades/trades -> ``TradeTick``, metrics ->
    :class:`~liqheat_nautilus.data.OpenInterest`, fundingRate -> :class:`~liqheat_nautilus.data.FundingRate`),
    and the instrument definition is written. Each file replaces whatever the catalog held for the same type and
    instrument within the file's time range, so re-running is idempotent and overlapping files do not duplicate
    rows.

    Parameters
    ----------
    paths : iterable of str or Path
        ``.zip`` or ``.csv`` archive files (daily or monthly, with or without header row); ``.CHECKSUM`` files in
        the list are skipped (each is verified with its archive).
    catalog_dir : str or Path
        The catalog folder to create or update.
    instrument_id : str, optional
        Instrument id (default ``SYMBOL.BINANCE`` from each file name); see :func:`plan_file`.
    kind, interval : str, optional
        For files whose names are not data.binance.vision names; see :func:`plan_file`.
    chunk_rows : int, default 500_000
        Rows per written Parquet file (bounds memory together with ``block_bytes``).
    block_bytes : int, default 8 MiB
        CSV bytes parsed per batch.
    verify : bool, default True
        Verify ``.CHECKSUM`` files when present.

    Returns
    -------
    IngestSummary
        ``instrument_id`` lists the instruments; ``counts``/``first_ts``/``last_ts`` are keyed
        ``"<Type> <identifier>"`` (e.g. ``"TradeTick BTCUSD_PERP.BINANCE"``), times in UNIX ns.

    Raises
    ------
    IngestError
        For a bad name, checksum, header, row or value (naming file, line and field); the catalog is unchanged.
    """
    paths = [Path(p) for p in paths if not str(p).endswith(".CHECKSUM")]  # sidecars are read with their file
    if not paths:
        raise IngestError(catalog_dir, "no input files given")
    plans = [(path, *plan_file(path, instrument_id, kind, interval)) for path in paths]
    if verify:
        for path, _, _ in plans:
            verify_checksum(path)
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    with staged_catalog(catalog_dir) as catalog:
        for iid in sorted({iid for _, _, iid in plans}):
            catalog.write_data([known_perpetual(iid)])
        for path, name, iid in plans:
            converter = CONVERTERS[name.kind](str(path), known_perpetual(iid), name)
            writer = RangeReplacingWriter(catalog, converter.data_cls, converter.identifier, chunk_rows)
            for batch in iter_batches(path, LAYOUTS[name.kind], block_bytes):
                writer.add(*converter.convert(batch))
            count, t0, t1 = writer.finish()
            if not count:
                raise IngestError(path, "no data rows")
            key = f"{converter.data_cls.__name__} {converter.identifier}"
            counts[key] = counts.get(key, 0) + count
            first[key] = min(first.get(key, t0), t0)
            last[key] = max(last.get(key, t1), t1)
    return IngestSummary(
        catalog=str(Path(catalog_dir).resolve()),
        instrument_id=", ".join(sorted({iid for _, _, iid in plans})),
        counts=counts,
        first_ts=first,
        last_ts=last,
    )
