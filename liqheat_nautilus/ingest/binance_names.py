"""What a data.binance.vision file holds, read from its name."""

import re
from dataclasses import dataclass
from pathlib import Path

from liqheat_nautilus.core.units import NS_PER_DAY, NS_PER_HOUR, NS_PER_MINUTE
from liqheat_nautilus.ingest.errors import IngestError

KINDS = ("klines", "aggTrades", "trades", "metrics", "fundingRate")

_KLINE_INTERVALS = {
    "1m": (1, "MINUTE"), "3m": (3, "MINUTE"), "5m": (5, "MINUTE"), "15m": (15, "MINUTE"), "30m": (30, "MINUTE"),
    "1h": (1, "HOUR"), "2h": (2, "HOUR"), "4h": (4, "HOUR"), "6h": (6, "HOUR"), "8h": (8, "HOUR"),
    "12h": (12, "HOUR"), "1d": (1, "DAY"),
}
_UNIT_NS = {"MINUTE": NS_PER_MINUTE, "HOUR": NS_PER_HOUR, "DAY": NS_PER_DAY}

_NAME = re.compile(
    r"^(?P<symbol>[A-Z0-9_]+)-(?P<kind>aggTrades|trades|metrics|fundingRate|"
    + "|".join(_KLINE_INTERVALS)
    + r")-(?P<date>\d{4}-\d{2}(?:-\d{2})?)\.(?:csv|zip)$",
)


@dataclass(frozen=True)
class BinanceFileName:
    """
    The parts of a data.binance.vision file name ``SYMBOL-KIND-DATE.(zip|csv)``.

    Attributes
    ----------
    symbol : str
        Venue symbol, e.g. ``"BTCUSDT"`` (USD-M) or ``"BTCUSD_PERP"`` (COIN-M).
    kind : str
        One of :data:`KINDS`.
    date : str
        ``YYYY-MM-DD`` (daily file) or ``YYYY-MM`` (monthly file).
    interval : str
        Kline interval (``"1m"``, ``"1h"``, ...), empty for other kinds.
    """

    symbol: str
    kind: str
    date: str
    interval: str = ""

    @property
    def is_coin_margined(self) -> bool:
        """COIN-M (``dapi``) symbols carry an underscore suffix (``_PERP`` or a delivery date)."""
        return "_" in self.symbol

    @property
    def is_monthly(self) -> bool:
        """Monthly archive (``YYYY-MM``) rather than daily."""
        return len(self.date) == 7

    @property
    def bar_step(self) -> int:
        """Kline step ``n`` of the Nautilus bar specification (0 for non-kline files)."""
        return _KLINE_INTERVALS[self.interval][0] if self.interval else 0

    @property
    def bar_aggregation(self) -> str:
        """Kline aggregation (``MINUTE``/``HOUR``/``DAY``) of the bar specification (empty for non-klines)."""
        return _KLINE_INTERVALS[self.interval][1] if self.interval else ""

    @property
    def interval_ns(self) -> int:
        """Kline interval in nanoseconds (0 for non-kline files)."""
        return self.bar_step * _UNIT_NS[self.bar_aggregation] if self.interval else 0


def parse_binance_name(path: str | Path) -> BinanceFileName:
    """
    Parse a data.binance.vision file name.

    Parameters
    ----------
    path : str or Path
        E.g. ``.../BTCUSDT-1m-2024-01-01.zip``, ``BTCUSD_PERP-aggTrades-2026-05-08.zip``,
        ``BTCUSDT-fundingRate-2026-04.zip``, ``BTCUSDT-metrics-2024-01-01.csv``.

    Returns
    -------
    BinanceFileName

    Raises
    ------
    IngestError
        If the name does not follow the archive's ``SYMBOL-KIND-DATE`` pattern.
    """
    name = Path(path).name
    match = _NAME.match(name)
    if match is None:
        raise IngestError(path, "file name is not a data.binance.vision name SYMBOL-KIND-DATE.(zip|csv) with KIND "
                                f"in {KINDS} (klines as an interval such as 1m)")
    kind = match["kind"]
    interval = ""
    if kind in _KLINE_INTERVALS:
        interval, kind = kind, "klines"
    return BinanceFileName(symbol=match["symbol"], kind=kind, date=match["date"], interval=interval)
