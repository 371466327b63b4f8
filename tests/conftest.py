"""Shared fixtures: a session-wide built copy of the embedded OKX catalog (real test data: tests/data_files.py)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OKX_SAMPLE = ROOT / "catalog" / "okx_sol_usdt_swap_2026-06"


@pytest.fixture(scope="session")
def okx_catalog(tmp_path_factory) -> Path:
    """A catalog built once per session from the real OKX sample shipped in catalog/ (not the user's build)."""
    from liqheat_nautilus.ingest.okx_sample import ingest_okx_sample

    path = tmp_path_factory.mktemp("okx") / "catalog"
    ingest_okx_sample(OKX_SAMPLE, path)
    return path
