"""The live file's ``[message_bus]`` section -> NautilusTrader's ``MessageBusConfig`` (Redis streams)."""

import msgspec
import pytest
from nautilus_trader.model.data import QuoteTick, TradeTick

from liqheat_nautilus.live.live_file import LiveFile, MessageBusSection
from liqheat_nautilus.live.node import build_node_config, message_bus_config


def test_off_by_default():
    assert message_bus_config(MessageBusSection()) is None
    live = msgspec.convert({"name": "x", "binance": {"instrument_ids": ["BTCUSDT-PERP.BINANCE"]},
                            "execution": {"mode": "sandbox"}}, LiveFile)
    assert build_node_config(live).message_bus is None


def test_redis_streams_json_one_stream_per_topic(monkeypatch):
    monkeypatch.setenv("REDIS_PASSWORD", "from-the-environment")
    config = message_bus_config(MessageBusSection(redis_url="rediss://cache.internal:6380", autotrim_mins=90,
                                                  buffer_interval_ms=50))
    db = config.database
    assert (db.type, db.host, db.port, db.ssl, db.password) == ("redis", "cache.internal", 6380, True,
                                                                "from-the-environment")
    assert config.encoding == "json" and config.stream_per_topic and config.autotrim_mins == 90
    assert config.buffer_interval_ms == 50 and config.use_trader_id
    assert QuoteTick in config.types_filter and TradeTick in config.types_filter  # high-rate data stays out
    live = msgspec.convert({"name": "x", "binance": {"instrument_ids": ["BTCUSDT-PERP.BINANCE"]},
                            "execution": {"mode": "sandbox"},
                            "message_bus": {"redis_url": "redis://127.0.0.1:6379", "exclude_types": []}}, LiveFile)
    node_config = build_node_config(live)
    assert node_config.message_bus.database.port == 6379 and node_config.message_bus.types_filter is None


@pytest.mark.parametrize(("section", "match"), [
    ({"redis_url": "http://127.0.0.1:6379"}, "redis://host:port"),
    ({"redis_url": "redis://:secret@127.0.0.1:6379"}, "REDIS_PASSWORD"),
    ({"redis_url": "redis://127.0.0.1:6379/3"}, "database 0"),
    ({"redis_url": "redis://127.0.0.1", "encoding": "xml"}, "encoding"),
    ({"redis_url": "redis://127.0.0.1", "exclude_types": ["Quotes"]}, "Quotes"),
])
def test_bad_sections_are_refused_naming_the_field(section, match):
    with pytest.raises(ValueError, match=match):
        message_bus_config(MessageBusSection(**section))


def test_unknown_fields_are_refused():
    with pytest.raises(msgspec.ValidationError, match="password"):
        msgspec.convert({"redis_url": "redis://h", "password": "x"}, MessageBusSection)
