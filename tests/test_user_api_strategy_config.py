"""The example strategies built in a user's own code with wrong values: refused when built, naming the field,
instead of a run that never trades (or stops at its first setup)."""

import pytest
from nautilus_trader.model.data import BarType
from nautilus_trader.model.identifiers import InstrumentId

from strategies.cluster_breakout import ClusterBreakoutConfig, ClusterBreakoutStrategy
from strategies.liquidation_hunt import LiquidationHuntConfig, LiquidationHuntStrategy
from strategies.oi_sizing import OISizedMagnetConfig, OISizedMagnetStrategy
from strategies.support_resistance import SupportResistanceConfig, SupportResistanceStrategy

IID = InstrumentId.from_str("SOL-USDT-SWAP.OKX")
BAR_TYPE = BarType.from_str("SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL")
HUNT = (LiquidationHuntStrategy, LiquidationHuntConfig)


def _build(strategy_cls, config_cls, **fields):
    return strategy_cls(config_cls(**{"instrument_id": IID, "bar_type": BAR_TYPE, **fields}))


@pytest.mark.parametrize(("pair", "fields", "message"), [
    # a string that is not an id, or not a string: was accepted, then failed inside the node's start
    (HUNT, {"instrument_id": "SOLUSDT"}, r"HuntConfig.instrument_id: 'SOLUSDT' does not parse as InstrumentId"),
    (HUNT, {"instrument_id": 7}, r"LiquidationHuntConfig.instrument_id must be of type InstrumentId or str"),
    # was accepted: one instrument traded on another's prices
    (HUNT, {"bar_type": BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL")},
     r"bar_type BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL is of instrument BTCUSDT-PERP.BINANCE"),
    # were accepted and the strategy never traded: no cluster is stronger than 1 or inside an empty band
    (HUNT, {"min_strength": 5.0}, r"LiquidationHuntConfig.min_strength must be in \[0, 1\]"),
    (HUNT, {"min_distance_pct": 3.0, "max_distance_pct": 2.0}, r"min_distance_pct \(3.0\) must be below"),
    ((OISizedMagnetStrategy, OISizedMagnetConfig), {"max_distance_pct": 0.1},
     r"OISizedMagnetConfig.min_distance_pct \(0.3\) must be below max_distance_pct \(0.1\)"),
    # was accepted, then stop_outside_zones raised "initial_stop ... must be below the entry" at the first setup
    (HUNT, {"default_stop_pct": 0.0}, r"default_stop_pct must be > 0, got 0.0"),
    (HUNT, {"stop_buffer_pct": -0.1}, r"stop_buffer_pct must be >= 0"),
    (HUNT, {"time_stop_minutes": -1}, r"'LiquidationHuntConfig.time_stop_minutes' not greater than or equal to zero"),
    (HUNT, {"max_positions": 0}, r"'LiquidationHuntConfig.max_positions' not a positive integer, was 0"),
    ((SupportResistanceStrategy, SupportResistanceConfig), {"entry_zone_pct": 0.0}, r"entry_zone_pct must be > 0"),
    ((SupportResistanceStrategy, SupportResistanceConfig), {"fallback_reward_risk": -2.0},
     r"fallback_reward_risk must be > 0"),
    ((ClusterBreakoutStrategy, ClusterBreakoutConfig), {"trailing_stop_bps": -100.0},
     r"trailing_stop_bps must be >= 0"),
    ((ClusterBreakoutStrategy, ClusterBreakoutConfig), {"take_profit_pct": 0.0}, r"take_profit_pct must be > 0"),
    # was accepted and could never trade: a breakout enters only when 0 < beyond <= max_chase_pct
    ((ClusterBreakoutStrategy, ClusterBreakoutConfig), {"max_chase_pct": 0.0}, r"max_chase_pct must be > 0"),
])
def test_a_bad_strategy_config_value_is_refused_naming_the_field(pair, fields, message):
    with pytest.raises((TypeError, ValueError), match=message):
        _build(*pair, **fields)


@pytest.mark.parametrize("pair", [HUNT, (SupportResistanceStrategy, SupportResistanceConfig),
                                  (ClusterBreakoutStrategy, ClusterBreakoutConfig),
                                  (OISizedMagnetStrategy, OISizedMagnetConfig)])
def test_the_defaults_and_edge_values_are_accepted(pair):
    _build(*pair)
    _build(*pair, min_strength=0.0, stop_buffer_pct=0.0, time_stop_minutes=0)


@pytest.mark.parametrize("config_cls", [LiquidationHuntConfig, SupportResistanceConfig, ClusterBreakoutConfig,
                                        OISizedMagnetConfig])
def test_a_default_stop_beyond_the_largest_is_refused_with_the_config(config_cls):
    # was accepted silently: every default stop was cut to max_stop_pct, so default_stop_pct did nothing
    with pytest.raises(ValueError, match=rf"{config_cls.__name__}.default_stop_pct \(5.0\) must be at most "
                                         r"max_stop_pct \(3.0\)"):
        config_cls(instrument_id=IID, bar_type=BAR_TYPE, default_stop_pct=5.0, max_stop_pct=3.0)
    assert config_cls(instrument_id=IID, bar_type=BAR_TYPE, default_stop_pct=3.0, max_stop_pct=3.0).max_stop_pct == 3.0


def test_ids_given_as_strings_are_parsed():
    # was accepted as str, then failed with a Cython type error inside the node's start
    strategy = _build(*HUNT, instrument_id="SOL-USDT-SWAP.OKX", bar_type="SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL")
    assert (strategy.config.instrument_id, strategy.config.bar_type) == (IID, BAR_TYPE)


@pytest.mark.parametrize(("fields", "message"), [
    ({"max_positions": 0}, r"'LiquidationHuntConfig.max_positions' not a positive integer, was 0"),
    ({"max_positions": 1.5}, r"LiquidationHuntConfig.max_positions must be a whole number, got 1.5"),
    ({"time_stop_minutes": -30}, r"'LiquidationHuntConfig.time_stop_minutes' not greater than or equal to zero"),
    ({"time_stop_minutes": 0.5}, r"LiquidationHuntConfig.time_stop_minutes must be a whole number, got 0.5"),
])
def test_the_bracket_limits_are_refused_by_the_config_itself(fields, message):
    # were accepted by the config (a config built for later, or for a sweep, held them) and refused only when the
    # strategy was built; 1.5 positions and 0.5 minutes were accepted even then
    with pytest.raises(ValueError, match=message):
        LiquidationHuntConfig(instrument_id=IID, bar_type=BAR_TYPE, **fields)


@pytest.mark.parametrize(("field", "value", "expected"), [("max_positions", 0, ">= 1"),
                                                          ("time_stop_minutes", -1, ">= 0")])
def test_a_decoded_strategy_config_refuses_a_bad_limit_at_the_field(field, value, expected):
    import msgspec

    raw = msgspec.json.encode({"instrument_id": IID.value, "bar_type": str(BAR_TYPE), field: value})
    with pytest.raises(msgspec.ValidationError, match=rf"{expected} - at `\$\.{field}`"):
        LiquidationHuntConfig.parse(raw)
