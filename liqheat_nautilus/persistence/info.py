"""``liqheat catalog info``: the instruments and data streams a catalog holds."""

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.reader import read_instruments
from liqheat_nautilus.persistence.scan import INSTRUMENT_TYPES, StreamInfo, require_catalog, scan_catalog
from liqheat_nautilus.persistence.transaction import consistent_read


@dataclass(frozen=True)
class CatalogInfo:
    """
    Contents of a catalog.

    Attributes
    ----------
    catalog : str
        The folder.
    instruments : list[str]
        One line per instrument definition (id, class, linear/inverse, multiplier, increments).
    streams : list[StreamInfo]
        Every data stream with row count and ``ts_init`` range (UNIX ns).
    """

    catalog: str
    instruments: list[str]
    streams: list[StreamInfo]

    def format(self) -> str:
        """
        Readable multi-line text: instruments, then one line per data stream.

        Returns
        -------
        str
        """
        lines = [f"catalog {self.catalog}", f"instruments ({len(self.instruments)}):"]
        lines += [f"  {line}" for line in self.instruments] or ["  (none)"]
        data = [s for s in self.streams if s.type_name not in INSTRUMENT_TYPES]
        lines.append(f"data ({len(data)} streams):")
        lines.append(f"  {'type':<22} {'identifier':<46} {'rows':>12}  {'first (UTC)':<20} {'last (UTC)':<20} files")
        for s in data:
            first = "-" if s.first_ts is None else pd.Timestamp(s.first_ts, unit="ns").strftime("%Y-%m-%d %H:%M:%S")
            last = "-" if s.last_ts is None else pd.Timestamp(s.last_ts, unit="ns").strftime("%Y-%m-%d %H:%M:%S")
            name = s.data_cls.__name__ if s.data_cls is not None else s.type_name
            lines.append(f"  {name:<22} {s.identifier:<46} {s.rows:>12,}  {first:<20} {last:<20} {len(s.files)}")
        return "\n".join(lines)


def catalog_info(catalog_dir: str | Path) -> CatalogInfo:
    """
    Describe a catalog from its instrument definitions and Parquet metadata.

    Parameters
    ----------
    catalog_dir : str or Path
        The catalog folder.

    Returns
    -------
    CatalogInfo

    Raises
    ------
    FileNotFoundError
        If the folder holds no ``data/`` folder.
    IngestError
        Naming a file that is not readable Parquet.
    """
    catalog_dir = require_catalog(catalog_dir)
    return consistent_read(catalog_dir, lambda: _catalog_info(catalog_dir))


def _catalog_info(catalog_dir: Path) -> CatalogInfo:
    streams = scan_catalog(catalog_dir)  # first: names an unreadable file
    lines = []
    try:
        instruments = list(read_instruments(catalog_dir).values())
    except Exception as exc:  # Nautilus' decoders raise various types on a damaged definition
        folder = catalog_dir / "data"
        raise IngestError(folder, f"an instrument definition cannot be read ({type(exc).__name__}: {exc})") from None
    for inst in instruments:
        kind = "inverse" if getattr(inst, "is_inverse", False) else "linear"
        lines.append(f"{inst.id}  {type(inst).__name__} {kind}  multiplier {inst.multiplier}  "
                     f"tick {inst.price_increment}  lot {inst.size_increment}  settle "
                     f"{getattr(inst, 'settlement_currency', inst.quote_currency)}")
    return CatalogInfo(str(catalog_dir.resolve()), lines, streams)
