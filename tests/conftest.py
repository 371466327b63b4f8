"""Shared fixtures: paths to the real data and a session-wide built copy of the embedded OKX catalog.

The tests folder is put on ``sys.path`` so test helpers import by their place in it
(``adapters.binance.local_binance``, ``adapters.ccxt.emulators``), whichever tests run.
"""

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))
ROOT = TESTS.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
OKX_SAMPLE = ROOT / "catalog" / "okx_sol_usdt_swap_2026-06"


@pytest.fixture(scope="session")
def okx_catalog(tmp_path_factory) -> Path:
    """A catalog built once per session from the real OKX sample shipped in catalog/ (not the user's build)."""
    from liqheat_nautilus.adapters.okx.loaders import ingest_okx_sample

    path = tmp_path_factory.mktemp("okx") / "catalog"
    ingest_okx_sample(OKX_SAMPLE, path)
    return path
