"""Fixtures shared by the adapter tests: the local Binance stand-in (127.0.0.1 only)."""

import pytest

from tests.adapters.binance.local_binance import LocalBinance


@pytest.fixture
def local_binance_http():
    """A local server without the websocket captures (HTTP tests): ``server, base_url = local_binance_http()``."""
    servers = []

    def make(**kwargs) -> tuple[LocalBinance, str]:
        server = LocalBinance(**kwargs)
        base = server.start(with_captures=False)
        servers.append(server)
        return server, base

    yield make
    for server in servers:
        server.stop()
