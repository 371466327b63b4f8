"""Writers of small SYNTHETIC files in the data.binance.vision layouts (test helper).

The layouts (column order and names) are the documented ones (binance/binance-public-data README); the values are
made up and labelled synthetic in every test that uses them.
"""

import hashlib
import zipfile
from pathlib import Path

from liqheat_nautilus.adapters.binance.loaders import LAYOUTS


def write_archive(folder: Path, name: str, rows: list[list], header: bool = True, as_zip: bool = True,
                  checksum: bool = False) -> Path:
    """
    Write ``rows`` as the CSV of archive kind inferred from ``name`` (``.zip`` with one member, or ``.csv``).

    Parameters
    ----------
    folder : Path
        Where to write.
    name : str
        File name without extension, e.g. ``"BTCUSDT-1m-2024-04-10"``.
    rows : list of list
        Data rows (values written with ``str``).
    header : bool
        Write the documented header line first.
    as_zip : bool
        Zip the CSV (as the archive does) or leave it as ``.csv``.
    checksum : bool
        Also write the ``<file>.CHECKSUM`` sibling (``sha256sum`` format).

    Returns
    -------
    Path
        The written file.
    """
    kind = next(k for k in LAYOUTS if f"-{k}-" in name) if "-1m-" not in name and "-5m-" not in name else "klines"
    lines = [",".join(LAYOUTS[kind].columns)] if header else []
    lines += [",".join(str(v) for v in row) for row in rows]
    text = "\n".join(lines) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    if as_zip:
        path = folder / f"{name}.zip"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{name}.csv", text)
    else:
        path = folder / f"{name}.csv"
        path.write_text(text)
    if checksum:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        (folder / f"{path.name}.CHECKSUM").write_text(f"{digest}  {path.name}\n")
    return path


def snapshot(folder: Path) -> list[tuple[str, bytes]]:
    """Every file under ``folder`` with its bytes, to compare a catalog before and after a failed ingest."""
    return sorted((str(p.relative_to(folder)), p.read_bytes()) for p in folder.rglob("*") if p.is_file())


FIXTURES = Path(__file__).parent / "fixtures"
FAPI_EXCHANGE_INFO = FIXTURES / "binance_fapi_exchange_info_recorded.json"
"""RECORDED Binance USD-M exchangeInfo entries (BTCUSDT, LTCUSDT, ADAUSDT, DOGEUSDT; see fixtures/README.md)."""
DAPI_EXCHANGE_INFO = FIXTURES / "binance_dapi_exchange_info_recorded.json"
"""RECORDED Binance COIN-M exchangeInfo entry (BTCUSD_PERP, 100 USD per contract)."""


def recorded_instruments():
    """Offline instrument sources: the recorded USD-M and COIN-M exchangeInfo files (no network)."""
    from liqheat_nautilus.adapters.common.providers import InstrumentSources

    return InstrumentSources.offline(exchange_info=[FAPI_EXCHANGE_INFO, DAPI_EXCHANGE_INFO])

