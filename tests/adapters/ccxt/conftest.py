"""Fixtures: a local recorded-response exchange server (127.0.0.1, random port), stopped after each test."""

import pytest

from liqheat_nautilus.adapters.ccxt.paging import RetryPolicy
from tests.adapters.ccxt.emulators import SyntheticSeries
from tests.adapters.ccxt.recorded_server import RecordedExchangeServer


@pytest.fixture
def serve():
    """Start a server for an emulator: ``server = serve(emulator)``; every server is stopped at teardown."""
    servers: list[RecordedExchangeServer] = []

    def start(emulator) -> RecordedExchangeServer:
        server = RecordedExchangeServer(emulator).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def series() -> SyntheticSeries:
    """SYNTHETIC market history (300 one-minute candles, 2,500 trades, 5-minute OI, 8-hourly funding)."""
    return SyntheticSeries.build()


@pytest.fixture
def fast_retries() -> RetryPolicy:
    """Retries with 10 ms base backoff so the tests stay fast."""
    return RetryPolicy(retries=3, base_delay=0.01, max_delay=0.05)
