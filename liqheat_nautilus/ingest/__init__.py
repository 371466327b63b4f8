"""Building Nautilus ``ParquetDataCatalog`` folders from exchange files, atomically."""

from liqheat_nautilus.ingest.errors import IngestError

__all__ = ["IngestError"]
