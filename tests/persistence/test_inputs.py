"""Generic file-input helpers: timestamp units by magnitude and ``.CHECKSUM`` sidecars (data.binance.vision format)."""

import hashlib

import numpy as np
import pytest

from liqheat_nautilus.persistence.checksum import verify_checksum
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.timestamps import epoch_to_ns


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
