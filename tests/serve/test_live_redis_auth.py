"""``liqheat live`` with a ``[message_bus]`` whose Redis refuses the node's credentials fails before the node starts.

NautilusTrader 1.221's Redis bus reported nothing when it could not authenticate: the node ran, exited 0 and every
stream was lost (seen by hand: a Redis with ``requirepass`` and no ``REDIS_PASSWORD``, a wrong one, or
``REDIS_PASSWORD`` set for a Redis without a password). The check runs against the tests' real redis-server, given a
password for the test only.
"""

from pathlib import Path

import pytest

from liqheat_nautilus.live.node import check_redis_reachable
from liqheat_nautilus.live.sections import MessageBusSection

CONFIG = Path(__file__).resolve().parents[2] / "config"
PASSWORD = "test-only-password-1234"


@pytest.fixture
def protected_redis(redis_url, redis_db):
    """The test Redis with ``requirepass`` set for the duration of the test (then removed again)."""
    import redis

    redis_db.config_set("requirepass", PASSWORD)
    try:
        yield redis_url
    finally:
        admin = redis.Redis.from_url(redis_url, password=PASSWORD)
        admin.config_set("requirepass", "")
        admin.close()


def _section(url: str) -> MessageBusSection:
    return MessageBusSection(redis_url=url)


def test_a_password_protected_redis_without_redis_password_is_refused(protected_redis, monkeypatch):
    monkeypatch.delenv("REDIS_PASSWORD", raising=False)
    with pytest.raises(RuntimeError, match="the server requires a password: set REDIS_PASSWORD"):
        check_redis_reachable(_section(protected_redis))


def test_a_wrong_redis_password_is_refused_without_showing_it(protected_redis, monkeypatch):
    monkeypatch.setenv("REDIS_PASSWORD", "not-the-password")
    with pytest.raises(RuntimeError, match="refused the password in REDIS_PASSWORD") as info:
        check_redis_reachable(_section(protected_redis))
    assert "not-the-password" not in str(info.value)


def test_the_right_redis_password_passes(protected_redis, monkeypatch):
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    check_redis_reachable(_section(protected_redis))  # no error


def test_a_password_for_a_redis_without_one_is_refused(redis_url, redis_db, monkeypatch):
    # redis-py's own client accepts this, NautilusTrader's bus streamed nothing
    monkeypatch.setenv("REDIS_PASSWORD", "set-by-mistake")
    with pytest.raises(RuntimeError, match="or the server has none: then unset REDIS_PASSWORD"):
        check_redis_reachable(_section(redis_url))
    monkeypatch.delenv("REDIS_PASSWORD")
    check_redis_reachable(_section(redis_url))  # no error


def test_liqheat_live_names_the_field_and_exits_1(protected_redis, monkeypatch, capsys, tmp_path):
    from liqheat_nautilus.cli import main

    for name in ("BINANCE_API_KEY", "BINANCE_API_SECRET"):
        monkeypatch.setenv(name, "set")
    monkeypatch.delenv("REDIS_PASSWORD", raising=False)
    monkeypatch.setattr("liqheat_nautilus.live.node.TradingNode", lambda *a, **k: pytest.fail("a node was built"))
    path = tmp_path / "redis.toml"
    path.write_text((CONFIG / "live_sandbox.toml").read_text() + f'\n[message_bus]\nredis_url = "{protected_redis}"\n')
    assert main(["live", "--config", str(path), "--duration", "1"]) == 1
    err = capsys.readouterr().err
    assert f"live failed: [message_bus] redis_url '{protected_redis}': the server requires a password" in err
    assert "Traceback" not in err


def test_liqheat_live_check_runs_the_same_redis_check(protected_redis, monkeypatch, capsys, tmp_path):
    # --check said ok for a Redis the start then refused; it reports the result of the same AUTH + PING
    from liqheat_nautilus.cli import main

    path = tmp_path / "redis.toml"
    path.write_text((CONFIG / "live_sandbox.toml").read_text() + f'\n[message_bus]\nredis_url = "{protected_redis}"\n')
    monkeypatch.delenv("REDIS_PASSWORD", raising=False)
    assert main(["live", "--check", "--config", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"live failed: [message_bus] redis_url '{protected_redis}': the server requires a password" in captured.err
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    assert main(["live", "--check", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: ok: mode sandbox;") and out.rstrip().endswith(
        f"; message bus {protected_redis} answers")
