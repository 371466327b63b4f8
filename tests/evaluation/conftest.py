"""Fixtures of the evaluation tests."""

from pathlib import Path

import pytest


@pytest.fixture
def synthetic_liquidations(tmp_path) -> Path:
    """A SYNTHETIC liquidations CSV: 4 h windows over 2026-06-12 .. 2026-06-25 with a made-up ramp of USD values
    (the OKX sample has no real liquidation record)."""
    path = tmp_path / "synthetic_liquidations.csv"
    lines = ["timestamp,long_usd,short_usd"]
    for i in range(13 * 6):
        day, hour = divmod(i, 6)
        lines.append(f"2026-06-{12 + day:02d}T{4 * hour:02d}:00:00,{1000 + 10 * i},{2000 - 10 * i}")
    path.write_text("\n".join(lines) + "\n")
    return path
