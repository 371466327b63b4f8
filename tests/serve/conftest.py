"""Fixtures of the ``liqheat serve`` tests: a catalog app over the real OKX sample with one recorded backtest run,
a local redis-server, and Chromium for the browser test.

Redis: ``.ci/run`` starts Debian's ``redis-server`` on a free port and passes ``LIQHEAT_TEST_REDIS_URL``; without it
a private ``redis-server`` is started on a free 127.0.0.1 port for the session (and stopped after it);
``restartable_redis`` is a private one per test that the test stops and starts again. Under CI
(``CI`` true) a missing redis-server or Chromium fails the tests instead of skipping them.
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import msgspec
import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENT = "SOL-USDT-SWAP.OKX"
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require(what: str, reason: str) -> None:
    """Skip (fail under CI) when a system tool is missing."""
    if IN_CI:
        pytest.fail(f"CI=true but {what} is missing: {reason}")
    pytest.skip(f"{what} missing: {reason}")


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def served_catalog(okx_catalog) -> tuple[Path, str]:
    """The real OKX catalog with one recorded backtest run (the liquidation hunt over its last 4 days)."""
    from liqheat_nautilus.backtest.config import load_backtest_file
    from liqheat_nautilus.backtest.runner import run_backtest
    from liqheat_nautilus.paths import config_dir

    spec = load_backtest_file(config_dir() / "liquidation_hunt.toml")
    spec = msgspec.structs.replace(spec, record=True, data=msgspec.structs.replace(
        spec.data, catalog=str(okx_catalog), start="2026-06-22T00:00:00Z"))
    outcome = run_backtest(spec, show_progress=False)
    return okx_catalog, str(outcome.result.instance_id)


@pytest.fixture(scope="session")
def catalog_source(served_catalog):
    """A warmed-up catalog source (default replay of the instrument done)."""
    from liqheat_nautilus.serve.maps import MapStore
    from liqheat_nautilus.serve.sources import CatalogSource

    source = CatalogSource(MapStore(served_catalog[0]))
    source.warm_up()
    return source


@pytest.fixture(scope="session")
def client(catalog_source):
    """A TestClient of the catalog app (no token)."""
    from fastapi.testclient import TestClient

    from liqheat_nautilus.serve.app import create_app

    with TestClient(create_app(catalog_source)) as c:
        yield c


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """URL of a running redis-server (CI's, or a private one on a free port)."""
    url = os.environ.get("LIQHEAT_TEST_REDIS_URL")
    if url:
        yield url
        return
    port = free_port()
    proc = _start_redis_server(port, tmp_path_factory.mktemp("redis"))
    try:
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def _start_redis_server(port: int, folder: Path) -> subprocess.Popen:
    """A private ``redis-server`` on 127.0.0.1:``port`` (no persistence), once it answers PING."""
    exe = shutil.which("redis-server")
    if exe is None:
        require("redis-server", "apt-get install redis-server (.ci/run installs and starts it)")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return proc
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    proc.wait(10)
    pytest.fail(f"redis-server did not answer on port {port}")


class RestartableRedis:
    """A private redis-server that a test stops and starts again on the same port (:attr:`url`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Start it (it answers PING on return)."""
        self.proc = _start_redis_server(self.port, self.folder)

    def stop(self) -> None:
        """Stop it (its port refuses connections on return)."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture
def restartable_redis(tmp_path):
    """A started :class:`RestartableRedis`, stopped after the test."""
    server = RestartableRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_db(redis_url):
    """A synchronous client of the test Redis, emptied before the test."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def chromium_driver():
    """Paths of Debian's chromium and chromedriver (skip, or fail under CI, when missing)."""
    from liqheat_nautilus.charts.browser import find_chromium

    chromium = find_chromium()
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists()
                                              else None)
    if chromium is None or driver is None:
        require("chromium / chromedriver", "apt-get install chromium chromium-driver (.ci/run installs them)")
    return chromium, driver
