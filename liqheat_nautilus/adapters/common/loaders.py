"""
What the whole-folder loaders (the OKX sample, the Coinglass set) share.

They write in-memory streams of one instrument into a catalog in one crash-safe transaction.
"""

from collections.abc import Callable
from pathlib import Path

from nautilus_trader.model.instruments import Instrument

from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.transaction import catalog_transaction, log_stderr
from liqheat_nautilus.persistence.writer import IngestSummary


def write_streams(catalog_dir: str | Path, instrument: Instrument, groups: dict[str, list],
                  sources: tuple[str | Path, ...] = (), lock_timeout: float | None = None,
                  log: Callable[[str], None] | None = log_stderr, command: str = "") -> IngestSummary:
    """
    Add one instrument and whole data streams to a catalog (new or existing), in one commit.

    Each stream replaces what the catalog held for the same data type and instrument in the stream's closed
    ``ts_init`` range (:meth:`~liqheat_nautilus.persistence.transaction.CatalogTransaction.write_data`); other
    instruments, other types and other times stay as they were.

    Parameters
    ----------
    catalog_dir : str or Path
        The catalog folder: new, empty, or a catalog.
    instrument : Instrument
        The instrument definition.
    groups : dict[str, list]
        ``{stream name: objects}``, each list sorted by ``ts_init``.
    sources : tuple of str or Path
        The input files or folders (the catalog may be none of them).
    lock_timeout : float, optional
        Seconds to wait while another process writes the catalog (default: as long as it takes; 0: fail at once).
    log : callable, default: print to stderr
        Receives one line when the write waits for another writer or finishes an interrupted one.
    command : str, default ""
        What is writing, recorded in the catalog's manifest.

    Returns
    -------
    IngestSummary
        Counts and first/last ``ts_event`` (UNIX ns) per stream name.

    Raises
    ------
    IngestError
        If a stream is empty (naming it; nothing is written), or for a refused target, a busy catalog or a full
        disk (the catalog is left as it was).
    """
    for name, items in groups.items():
        if not items:
            raise IngestError(sources[0] if sources else catalog_dir, "no rows to write", field=name)
    with catalog_transaction(catalog_dir, sources=sources, lock_timeout=lock_timeout, log=log,
                             command=command) as catalog:
        catalog.write_data([instrument])
        for items in groups.values():
            catalog.write_data(items)
    return IngestSummary(
        catalog=str(Path(catalog_dir).resolve()),
        instrument_id=instrument.id.value,
        counts={k: len(v) for k, v in groups.items()},
        first_ts={k: int(v[0].ts_event) for k, v in groups.items()},
        last_ts={k: int(v[-1].ts_event) for k, v in groups.items()},
    )
