"""Fixtures of the offline live tests: the local Binance stand-in (127.0.0.1 only)."""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from local_binance import LocalBinance  # noqa: E402


@pytest.fixture
def local_binance_http():
    """A local server without the websocket captures (HTTP tests)."""
    servers = []

    def make(**kwargs) -> tuple[LocalBinance, str]:
        server = LocalBinance(**kwargs)
        base = server.start(with_captures=False)
        servers.append(server)
        return server, base

    yield make
    for server in servers:
        server.stop()
