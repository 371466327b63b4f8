"""OI sizer (hand-computed multipliers) and the OI-sized magnet strategy on SYNTHETIC scenarios."""

import math
from decimal import Decimal

import msgspec
import pytest
from nautilus_trader.model.enums import PositionSide

from strategies.oi_sizer import OISizer, OISizerConfig
from strategies.oi_sizing import OISizedMagnetConfig, OISizedMagnetStrategy


@pytest.mark.parametrize(("oi", "expected"), [
    (6e9, 1.5), (5e9, 1.0), (2e9, 1.0), (1e9, 0.5), (3e8, 0.5),  # thresholds are strict (> 5 B, > 1 B)
])
def test_tier_multiplier(oi, expected):
    assert OISizer().tier_multiplier(oi) == expected


@pytest.mark.parametrize(("long_usd", "short_usd", "side", "expected"), [
    (130.0, 100.0, PositionSide.SHORT, 1.25),  # ratio 1.3 > 1.2 favours shorts
    (130.0, 100.0, PositionSide.LONG, 0.75),
    (120.0, 100.0, PositionSide.SHORT, 1.0),   # exactly 1.2: neutral
    (100.0, 100.0, PositionSide.LONG, 1.0),
    (70.0, 100.0, PositionSide.LONG, 1.25),    # ratio 0.7 < 0.8 favours longs
    (70.0, 100.0, PositionSide.SHORT, 0.75),
    (10.0, 0.0, PositionSide.SHORT, 1.25),     # only longs to liquidate: ratio inf
    (0.0, 0.0, PositionSide.LONG, 1.0),        # empty map: ratio 1
])
def test_skew(long_usd, short_usd, side, expected):
    assert OISizer().skew(side, long_usd, short_usd) == expected


def test_size_combines_tier_and_skew():
    sizer = OISizer()
    # 6 B USD OI -> x1.5; ratio 1.3 favours shorts -> x1.25 for a short: 10 x 1.875
    assert sizer.size(Decimal("10"), PositionSide.SHORT, 6e9, 130.0, 100.0) == pytest.approx(18.75)
    assert sizer.size(Decimal("10"), PositionSide.LONG, 6e9, 130.0, 100.0) == pytest.approx(11.25)
    assert OISizer.long_short_ratio(5.0, 0.0) == math.inf


def test_thresholds_are_config_and_validated():
    custom = OISizer(OISizerConfig(oi_tiers_usd=(3e8, 1e8), oi_multipliers=(2.0, 1.0), base_multiplier=0.25))
    assert custom.tier_multiplier(4e8) == 2.0 and custom.tier_multiplier(5e7) == 0.25
    with pytest.raises(ValueError, match="strictly descending"):
        OISizer(OISizerConfig(oi_tiers_usd=(1e9, 5e9)))
    with pytest.raises(ValueError, match="one entry per oi_tiers_usd"):
        OISizer(OISizerConfig(oi_multipliers=(1.5,)))
    with pytest.raises(ValueError, match="long_favour_ratio"):
        OISizer(OISizerConfig(long_favour_ratio=1.5, short_favour_ratio=1.2))
    with pytest.raises(ValueError, match="PositionSide.LONG or PositionSide.SHORT"):
        OISizer().skew(PositionSide.FLAT, 1.0, 1.0)


def test_sizer_config_parses_from_a_toml_strategy_config():
    raw = msgspec.toml.decode(b'''
instrument_id = "SOL-USDT-SWAP.OKX"
bar_type = "SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL"
[oi_sizer]
oi_tiers_usd = [225000000.0, 205000000.0]
favoured_multiplier = 2.0
''')
    config = OISizedMagnetConfig.parse(msgspec.json.encode(raw))
    assert config.oi_sizer.oi_tiers_usd == (225e6, 205e6)
    assert config.oi_sizer.favoured_multiplier == 2.0
    assert config.oi_sizer.oi_multipliers == (1.5, 1.0)  # default kept


@pytest.mark.parametrize(("long_usd", "short_usd", "quantity"), [
    (130e6, 100e6, 112.5),  # ratio 1.3 favours shorts; a long gets 100 x 1.5 x 0.75
    (70e6, 100e6, 187.5),   # ratio 0.7 favours longs; 100 x 1.5 x 1.25
])
def test_magnet_strategy_sizes_with_the_sizer(make_scenario, long_usd, short_usd, quantity):
    # synthetic: bias UP, short-side cluster at 101 (+1 %), total OI 6 B USD (tier x1.5), fixed base size 100
    s = make_scenario()
    s.bars(s.flat(100.0, 8))
    s.cluster(4, 1, "SHORT", 101.0, strength=0.5)
    s.snapshot(4, bias="UP", total_oi_usd=6e9, long_usd=long_usd, short_usd=short_usd)
    strategy = s.strategy(OISizedMagnetStrategy, OISizedMagnetConfig, trade_size=Decimal("100"))
    s.run(strategy)
    [entry] = s.entries(strategy)
    assert entry["position_side"] == "LONG" and entry["take_profit"] == 101.0
    assert entry["quantity"] == quantity
    assert entry["sentiment"] == "BULLISH"
    assert "OI sizer x" in entry["reason"]


def test_magnet_strategy_needs_a_bias(make_scenario):
    s = make_scenario()
    s.bars(s.flat(100.0, 8))
    s.cluster(4, 1, "SHORT", 101.0, strength=0.5)
    s.snapshot(4, bias="UNBIASED")
    strategy = s.strategy(OISizedMagnetStrategy, OISizedMagnetConfig)
    s.run(strategy)
    assert strategy.signals == []
