"""Nautilus ``ParquetDataCatalog`` folders: writing (atomic, chunked), reading, scanning, validating, describing.

Modules: :mod:`.transaction` (crash-safe journalled writes, consistent reads), :mod:`.writer` (range-replacing
chunked writes, what a write did), :mod:`.reader` (the one reader of bars, open interest and funding),
:mod:`.scan`, :mod:`.validate`, :mod:`.info`;
and the generic input plumbing the venue loaders share (it lives here because ``adapters`` depend on
``persistence``, never the reverse): :mod:`.errors` (``IngestError``), :mod:`.checks` (row checks),
:mod:`.csv_stream` (streamed files), :mod:`.table` (whole small files with a header), :mod:`.checksum`,
:mod:`.timestamps`.
"""

from liqheat_nautilus.persistence.errors import IngestError

__all__ = ["IngestError"]
