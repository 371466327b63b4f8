"""The one place that knows where the tests' real data live: ``tests/data/`` (provenance in its ``README.md``)."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def data_file(relative: str) -> Path:
    """
    Path of a file shipped in ``tests/data/``.

    Parameters
    ----------
    relative : str
        Path below ``tests/data/``, e.g. ``"binance_cm_aggtrades/BTCUSD_PERP-aggTrades-2026-05-08.zip"``.

    Returns
    -------
    Path
        Absolute path of the file.

    Raises
    ------
    FileNotFoundError
        If the file is not in the repository: a test fails (never skips) when its data are missing.
    """
    path = DATA_DIR / relative
    if not path.is_file():
        raise FileNotFoundError(f"test data file {path} is missing (see tests/data/README.md)")
    return path
