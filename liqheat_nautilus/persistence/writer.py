"""Chunked, idempotent writes of one data stream into a catalog transaction.

``ParquetDataCatalog.write_data`` names each file after the first and last ``ts_init`` it holds and asserts that
the closed intervals of a directory's files are disjoint. So a stream is written as chunks cut only where the
timestamp changes (trades sharing a millisecond stay in one file), into a scratch catalog of the
:class:`~liqheat_nautilus.persistence.transaction.CatalogTransaction`; when the source is complete, the new files
replace whatever the catalog held for the same type and identifier in the source's closed range
``[first ts_init, last ts_init]`` (files partly inside the range keep their rows outside it), and the transaction
commits everything at once. Re-ingesting the same file therefore leaves identical content, and a source overlapping
earlier data (a monthly file over daily ones) replaces that range instead of duplicating it. The range is closed
and in ``ts_init`` units: a source cut in the middle of a millisecond (never the case for archive files, which hold
whole days or months) replaces that whole millisecond.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from liqheat_nautilus.persistence.transaction import CatalogTransaction

DEFAULT_CHUNK_ROWS = 500_000
"""Rows per Parquet file (and the bound on objects held in memory per stream)."""


@dataclass(frozen=True)
class IngestSummary:
    """
    What one ingest or fetch wrote, per data stream.

    Attributes
    ----------
    catalog : str
        The catalog folder.
    instrument_id : str
        The instrument(s) written (comma-separated when several).
    counts : dict[str, int]
        Rows written per stream name (``Bar``, ``OpenInterest``, ``"TradeTick BTCUSD-PERP.BINANCE"``, ...).
    first_ts, last_ts : dict[str, int]
        First and last ``ts_event`` (UNIX ns) per stream name.
    """

    catalog: str
    instrument_id: str
    counts: dict[str, int]
    first_ts: dict[str, int]
    last_ts: dict[str, int]


class RangeReplacingWriter:
    """
    Write one stream (one data class and identifier, sorted by ``ts_init``) into a catalog transaction in chunks.

    Parameters
    ----------
    catalog : CatalogTransaction
        The open write (from :func:`~liqheat_nautilus.persistence.transaction.catalog_transaction`).
    data_cls : type
        The Nautilus data class of the stream.
    identifier : str
        Instrument id (or bar type string for bars).
    chunk_rows : int, default DEFAULT_CHUNK_ROWS
        Target rows per file; a chunk is extended past it while the timestamp repeats.

    Raises
    ------
    ValueError
        If ``chunk_rows`` < 1.

    Notes
    -----
    Call :meth:`add` with consecutive pieces of the stream, then :meth:`finish` once. Nothing reaches the
    catalog before the transaction commits.
    """

    def __init__(self, catalog: "CatalogTransaction", data_cls: type, identifier: str,
                 chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
        if chunk_rows < 1:
            raise ValueError(f"chunk_rows must be >= 1, was {chunk_rows}")
        self.catalog = catalog
        self.data_cls = data_cls
        self.identifier = identifier
        self.chunk_rows = chunk_rows
        self._scratch = catalog.new_scratch()
        self._objs: list = []
        self._ts: list[np.ndarray] = []
        self._buffered = 0
        self.count = 0
        self.first_ts: int | None = None
        self.last_ts: int | None = None

    def add(self, objs: list, ts_init: np.ndarray | Sequence[int]) -> None:
        """
        Append objects (sorted, continuing the stream) and write full chunks to the scratch catalog.

        Parameters
        ----------
        objs : list
            Nautilus objects of ``data_cls``.
        ts_init : np.ndarray or sequence of int, shape (len(objs),)
            Their ``ts_init`` in ns, non-decreasing and not before the previous piece.
        """
        if not objs:
            return
        self._objs.extend(objs)
        self._ts.append(np.asarray(ts_init, dtype=np.int64))
        self._buffered += len(objs)
        if self.first_ts is None:
            self.first_ts = int(ts_init[0])
        self.last_ts = int(ts_init[-1])
        self.count += len(objs)
        while self._buffered >= self.chunk_rows:
            ts = np.concatenate(self._ts)
            # Cut after the last row whose successor has a later timestamp, at or after chunk_rows.
            later = np.flatnonzero(ts[self.chunk_rows - 1:-1] != ts[self.chunk_rows:])
            if not len(later):
                break  # the tail repeats one timestamp: wait for more rows
            cut = self.chunk_rows + int(later[0])
            self._scratch.write_data(self._objs[:cut])
            self._objs = self._objs[cut:]
            self._ts = [ts[cut:]]
            self._buffered -= cut

    def finish(self) -> tuple[int, int | None, int | None]:
        """
        Write the remainder and stage the new files as the stream's content in their range.

        Returns
        -------
        tuple[int, int | None, int | None]
            Rows written, first and last ``ts_init`` (ns; ``None`` when the stream was empty).
        """
        if self._objs:
            self._scratch.write_data(self._objs)
            self._objs, self._ts, self._buffered = [], [], 0
        if self.first_ts is not None and self.last_ts is not None:  # set together by the first non-empty add
            self.catalog.replace_range(self._scratch.path, self.first_ts, self.last_ts)
        return self.count, self.first_ts, self.last_ts
