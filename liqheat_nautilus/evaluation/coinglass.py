"""Reader for the shipped Coinglass BTC 4-hourly set (``catalog/coinglass_btc_4h/``).

Files (all ``timestamp`` values are the UTC **open** time of a bar; see the folder's README.md):

* ``coinglass_liquidation_4h.csv`` ``timestamp,long_usd,short_usd``: USD liquidated on Binance in the window.
* ``coinglass_oi_4h.csv`` ``timestamp,open,high,low,close``: open interest in USD, all exchanges aggregated;
  the ``close`` is the open interest at the window's end, so it is observed at ``timestamp + 4 h``.
* ``coinglass_funding_4h.csv`` ``timestamp,open,high,low,close``: funding rate in **percent** per interval; the
  ``close`` (÷ 100) is observed at ``timestamp + 4 h``.
* ``coinglass_taker_volume_4h.csv`` ``timestamp,buy_usd,sell_usd``: Binance taker volume of the window, fed to
  the engine at the window's end (it only matters with non-zero taker skew parameters).
* ``binance_btcusdt_1h.csv`` ``timestamp,open,high,low,close,volume``: Binance BTCUSDT spot 1 h bars.
"""

from pathlib import Path

from liqheat_nautilus.core.units import NS_PER_HOUR
from liqheat_nautilus.evaluation.csv_inputs import (
    read_bars_csv,
    read_csv,
    read_liquidations_csv,
    read_observations_csv,
    read_taker_csv,
    typical_step_ns,
)
from liqheat_nautilus.evaluation.series import EvaluationData
from liqheat_nautilus.paths import project_root
from liqheat_nautilus.persistence.errors import IngestError

LIQUIDATIONS_FILE = "coinglass_liquidation_4h.csv"
OPEN_INTEREST_FILE = "coinglass_oi_4h.csv"
FUNDING_FILE = "coinglass_funding_4h.csv"
TAKER_FILE = "coinglass_taker_volume_4h.csv"
BARS_FILE = "binance_btcusdt_1h.csv"
INSTRUMENT_FILE = "instrument.toml"
INSTRUMENT_ID = "BTCUSDT-PERP.BINANCE"
"""The instrument the shipped set describes (Binance's BTCUSDT perpetual, as its ``instrument.toml`` defines it): the
default of ``liqheat catalog ingest coinglass``."""
DEFAULT_DIR = Path("catalog") / "coinglass_btc_4h"

NOTES = (
    "Open interest is Coinglass' all-exchange aggregate while liquidations are Binance only: the map's USD "
    "figures are not on the scale of the actual ones. Correlations and top-decile overlaps are scale-free.",
    "The price path is Binance BTCUSDT spot (1 h bars), not the perpetual's mark price.",
)


def default_dataset_dir() -> Path:
    """
    Where the shipped set lives: ``catalog/coinglass_btc_4h`` under the project root.

    Returns
    -------
    Path
        ``liqheat_nautilus.paths.project_root() / "catalog" / "coinglass_btc_4h"``.
    """
    return project_root() / DEFAULT_DIR


def _shown(folder: Path) -> str:
    """Show the folder relative to the project root when it lies inside it (stable text for published reports)."""
    try:
        return str(folder.resolve().relative_to(project_root().resolve()))
    except ValueError:
        return str(folder)


def _instrument(folder: Path) -> tuple[str | None, bool | None]:
    """
    Return the instrument id and contract (inverse or not) of the folder's ``instrument.toml``.

    The set is replayed as that instrument (``liqheat catalog ingest coinglass``), so a ``--param`` or profile
    ``inverse`` that contradicts it is refused, as on a catalog, and ``liqheat calibrate`` records the id.

    Returns
    -------
    tuple[str or None, bool or None]
        ``(instrument_id, is_inverse)``; ``(None, None)`` without the file or with several instruments in it.

    Raises
    ------
    IngestError
        If the folder's ``instrument.toml`` is not a valid instrument-spec file.
    """
    from liqheat_nautilus.adapters.common.instruments import load_instrument_specs

    spec = folder / INSTRUMENT_FILE
    specs = load_instrument_specs(spec) if spec.is_file() else {}
    if len(specs) != 1:
        return None, None
    [(instrument_id, instrument)] = specs.items()
    return instrument_id, bool(instrument.is_inverse)


def _label(folder: Path, window_ns: int) -> str:
    """
    Name a Coinglass folder in reports: ``"Coinglass BTC 4h (catalog/coinglass_btc_4h)"``.

    The symbol is the base currency of the folder's ``instrument.toml`` (the instrument the set is ingested as),
    left out when the folder has none; the hours are the liquidation windows' length.

    Raises
    ------
    IngestError
        If the folder's ``instrument.toml`` is not a valid instrument-spec file.
    """
    from liqheat_nautilus.adapters.common.instruments import load_instrument_specs  # builds Nautilus instruments:
    # imported here so that the evaluation package stays importable without NautilusTrader

    spec = folder / INSTRUMENT_FILE
    bases = [] if not spec.is_file() else sorted({i.base_currency.code for i in load_instrument_specs(spec).values()})
    return " ".join(["Coinglass", *bases, f"{window_ns / NS_PER_HOUR:g}h", f"({_shown(folder)})"])


def read_coinglass_dir(directory: str | Path | None = None) -> EvaluationData:
    """
    Read the Coinglass BTC 4 h set into :class:`EvaluationData`.

    Parameters
    ----------
    directory : str or Path, optional
        Folder holding the four CSV files (default :func:`default_dataset_dir`).

    Returns
    -------
    EvaluationData
        Bars (1 h), open interest (USD, observed at each 4 h window end), funding (fraction, ditto), taker
        volume (ditto, when the file is present) and the actual liquidation windows.

    Raises
    ------
    IngestError
        If a file is missing or a value is bad (naming file, line and field), or the OI file's bar length
        differs from the liquidation windows'.
    """
    folder = Path(directory) if directory is not None else default_dataset_dir()
    if not folder.is_dir():
        raise IngestError(folder, "a file, not the Coinglass dataset folder" if folder.exists()
                          else "Coinglass dataset folder not found")
    liquidations = read_liquidations_csv(folder / LIQUIDATIONS_FILE)
    window_ns = int(liquidations.end_ns[0] - liquidations.start_ns[0])
    for name in (OPEN_INTEREST_FILE, FUNDING_FILE):
        read_csv(folder / name, ["timestamp", "open", "high", "low", "close"])
    open_interest = read_observations_csv(folder / OPEN_INTEREST_FILE, "close", offset_ns=window_ns)
    oi_step = typical_step_ns(open_interest.ts_ns, folder / OPEN_INTEREST_FILE)
    if oi_step != window_ns:
        raise IngestError(folder / OPEN_INTEREST_FILE,
                          f"bar length {oi_step / 3.6e12:g} h differs from the liquidation windows' "
                          f"{window_ns / 3.6e12:g} h ({LIQUIDATIONS_FILE}): the two files must share one window "
                          "length", field="timestamp")
    funding = read_observations_csv(folder / FUNDING_FILE, "close", scale=0.01, offset_ns=window_ns,
                                    allow_negative=True)
    bars = read_bars_csv(folder / BARS_FILE)
    taker = read_taker_csv(folder / TAKER_FILE) if (folder / TAKER_FILE).is_file() else None
    instrument_id, is_inverse = _instrument(folder)
    return EvaluationData(
        is_inverse=is_inverse,
        bars=bars,
        open_interest=open_interest,
        funding=funding,
        liquidations=liquidations,
        source=_label(folder, window_ns),
        notes=NOTES,
        taker=taker,
        instrument_id=instrument_id,
    )
