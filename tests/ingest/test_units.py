"""File names, timestamp units and checksums of data.binance.vision archives."""

import hashlib

import numpy as np
import pytest

from liqheat_nautilus.ingest.binance_names import parse_binance_name
from liqheat_nautilus.ingest.checksum import verify_checksum
from liqheat_nautilus.ingest.errors import IngestError
from liqheat_nautilus.ingest.timestamps import epoch_to_ns


@pytest.mark.parametrize(("name", "symbol", "kind", "interval", "monthly", "coin_m", "interval_ns"), [
    ("BTCUSDT-1m-2024-01-01.zip", "BTCUSDT", "klines", "1m", False, False, 60_000_000_000),
    ("BTCUSDT-4h-2024-01.zip", "BTCUSDT", "klines", "4h", True, False, 4 * 3_600_000_000_000),
    ("BTCUSD_PERP-aggTrades-2026-05-08.zip", "BTCUSD_PERP", "aggTrades", "", False, True, 0),
    ("BTCUSDT-fundingRate-2026-04.zip", "BTCUSDT", "fundingRate", "", True, False, 0),
    ("ETHUSDT-metrics-2024-03-02.csv", "ETHUSDT", "metrics", "", False, False, 0),
    ("BTCUSDT-trades-2024-03-02.csv", "BTCUSDT", "trades", "", False, False, 0),
])
def test_names(name, symbol, kind, interval, monthly, coin_m, interval_ns):
    parsed = parse_binance_name(f"/some/dir/{name}")
    assert (parsed.symbol, parsed.kind, parsed.interval, parsed.is_monthly, parsed.is_coin_margined,
            parsed.interval_ns) == (symbol, kind, interval, monthly, coin_m, interval_ns)


def test_bad_name():
    with pytest.raises(IngestError, match="not a data.binance.vision name"):
        parse_binance_name("BTCUSDT-bookDepth-2024-01-01.zip")


def test_ms_and_us_by_magnitude():
    # 2026-05-08 00:00:00.020 UTC in ms; 2025-01-01 00:00:00.000001 UTC in us (spot files from 2025 on)
    got = epoch_to_ns(np.array([1_778_198_400_020, 1_735_689_600_000_001]))
    assert got.tolist() == [1_778_198_400_020_000_000, 1_735_689_600_000_001_000]


def test_checksum(tmp_path):
    path = tmp_path / "X-aggTrades-2024-01-01.zip"
    path.write_bytes(b"archive bytes")
    assert verify_checksum(path) is False  # no sidecar
    sidecar = tmp_path / "X-aggTrades-2024-01-01.zip.CHECKSUM"
    sidecar.write_text(f"{hashlib.sha256(b'archive bytes').hexdigest()}  {path.name}\n")
    assert verify_checksum(path) is True
    path.write_bytes(b"archive bytez")
    with pytest.raises(IngestError, match="does not match"):
        verify_checksum(path)
    sidecar.write_text("garbage\n")
    with pytest.raises(IngestError, match="not a sha256 checksum line"):
        verify_checksum(path)
