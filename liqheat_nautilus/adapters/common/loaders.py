"""What the whole-folder loaders (the OKX sample, the Coinglass set) share: rebuilding a catalog from in-memory
streams in one transaction."""

from pathlib import Path

from nautilus_trader.model.instruments import Instrument

from liqheat_nautilus.persistence.staging import staged_catalog
from liqheat_nautilus.persistence.writer import IngestSummary


def rebuild_catalog(catalog_dir: str | Path, instrument: Instrument, groups: dict[str, list]) -> IngestSummary:
    """
    Replace a catalog with one instrument and whole data streams, atomically (a staging folder swapped in).

    Parameters
    ----------
    catalog_dir : str or Path
        The catalog folder to (re)build; its previous content is replaced only if every write succeeds.
    instrument : Instrument
        The instrument definition.
    groups : dict[str, list]
        ``{stream name: objects}``, each list non-empty and sorted by ``ts_init``.

    Returns
    -------
    IngestSummary
        Counts and first/last ``ts_event`` (UNIX ns) per stream name.
    """
    with staged_catalog(catalog_dir, fresh=True) as catalog:
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
