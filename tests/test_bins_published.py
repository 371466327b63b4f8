"""The map actor publishes its bins only when a consumer needs them: a recorded backtest or a Redis-streaming node."""

import msgspec

from liqheat_nautilus.actor import LiquidationMapActorConfig
from liqheat_nautilus.backtest.config import load_backtest_file, to_run_config
from liqheat_nautilus.live.live_file import LiveFile
from liqheat_nautilus.live.node import build_node_config
from liqheat_nautilus.paths import project_root
from liqheat_nautilus.recording import with_bins_published

ACTOR = "liqheat_nautilus.actor:LiquidationMapActorConfig"
STRATEGY = "strategies.liquidation_hunt:LiquidationHuntConfig"


def test_the_actor_alone_does_not_publish_bins():
    config = LiquidationMapActorConfig(instrument_id="SOL-USDT-SWAP.OKX",
                                       bar_type="SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL")
    assert config.publish_bins is False


def test_only_map_actors_without_an_explicit_setting_are_turned_on():
    assert with_bins_published(ACTOR, {"mmr": 0.005}) == {"mmr": 0.005, "publish_bins": True}
    assert with_bins_published(ACTOR, {"publish_bins": False}) == {"publish_bins": False}  # the file's choice
    assert with_bins_published(STRATEGY, {"risk_per_trade": 0.01}) == {"risk_per_trade": 0.01}
    assert with_bins_published("no.such.module:Config", {}) == {}  # reported by the component checks
    given = {"mmr": 0.005}
    with_bins_published(ACTOR, given)
    assert given == {"mmr": 0.005}  # not changed in place


def _actor_config(tmp_path, record: bool) -> dict:
    text = (project_root() / "config" / "liquidation_hunt.toml").read_text()
    text = text.replace("[data]\n", f"record = {str(record).lower()}\n\n[data]\n", 1)
    path = tmp_path / "run.toml"
    path.write_text(text)
    return to_run_config(load_backtest_file(path)).engine.actors[0].config


def test_a_recorded_backtest_publishes_the_bins_an_unrecorded_one_does_not(tmp_path):
    assert _actor_config(tmp_path, record=True)["publish_bins"] is True
    assert "publish_bins" not in _actor_config(tmp_path, record=False)


def _node_actor_config(message_bus: dict) -> dict:
    live = msgspec.convert({"name": "x", "binance": {"instrument_ids": ["BTCUSDT-PERP.BINANCE"]},
                            "execution": {"mode": "sandbox"}, "message_bus": message_bus,
                            "actors": [{"path": "liqheat_nautilus.actor:LiquidationMapActor", "config_path": ACTOR,
                                        "config": {"instrument_id": "BTCUSDT-PERP.BINANCE",
                                                   "bar_type": "BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"}}]},
                           LiveFile)
    return build_node_config(live).actors[-1].config


def test_a_node_streaming_to_redis_publishes_the_bins_unless_they_are_excluded():
    assert _node_actor_config({"redis_url": "redis://127.0.0.1:6379"})["publish_bins"] is True
    excluded = {"redis_url": "redis://127.0.0.1:6379", "exclude_types": ["LiquidationMapBins"]}
    assert "publish_bins" not in _node_actor_config(excluded)
    assert "publish_bins" not in _node_actor_config({})
