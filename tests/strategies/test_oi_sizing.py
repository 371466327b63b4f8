"""OI sizer (hand-computed multipliers) and the OI-sized magnet strategy on SYNTHETIC scenarios, with and without
the venue's long/short ratio."""

import math
from decimal import Decimal

import msgspec
import pytest
from nautilus_trader.model.data import CustomData, DataType
from nautilus_trader.model.enums import PositionSide

from liqheat_nautilus.data import LongShortRatio
from strategies.oi_sizer import OISizer, OISizerConfig
from strategies.oi_sizing import OISizedMagnetConfig, OISizedMagnetStrategy
from tests.strategies.runs import run_strategy


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
    assert OISizer.liquidation_ratio(5.0, 0.0) == math.inf


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


@pytest.mark.parametrize("field", ["base_multiplier", "favoured_multiplier", "disfavoured_multiplier"])
def test_a_negative_or_nan_multiplier_is_refused_naming_the_field(field):
    with pytest.raises(ValueError, match=rf"'OISizerConfig.{field}' not greater than or equal to zero"):
        OISizer(OISizerConfig(**{field: -0.5}))
    with pytest.raises(ValueError, match=rf"'OISizerConfig.{field}' not greater than or equal to zero"):
        OISizer(OISizerConfig(**{field: math.nan}))  # was accepted (nan < 0 is False): every size became nan
    with pytest.raises(msgspec.ValidationError, match=rf">= 0.0 - at `\$\.{field}`"):  # a file: at decoding
        msgspec.convert({field: -0.5}, OISizerConfig)


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
    strategy = run_strategy(s, OISizedMagnetStrategy, OISizedMagnetConfig, trade_size=Decimal("100"))
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
    strategy = run_strategy(s, OISizedMagnetStrategy, OISizedMagnetConfig)
    assert strategy.signals == []


def test_venue_ratio_decides_the_skew_when_present():
    sizer = OISizer()
    # the map's liquidations 130/100 = 1.3 favour shorts ...
    assert sizer.skew(PositionSide.SHORT, 130.0, 100.0) == 1.25
    # ... until the venue's account ratio 0.7 (more short accounts) arrives: it favours longs
    assert sizer.update_ratio(0.7, "accounts") is True
    assert sizer.decisive_ratio(130.0, 100.0) == (0.7, "accounts long/short")
    assert sizer.skew(PositionSide.SHORT, 130.0, 100.0) == 0.75
    assert sizer.skew(PositionSide.LONG, 130.0, 100.0) == 1.25
    assert sizer.update_ratio(2.0, "top_trader_positions") is False  # another kind: ignored
    assert sizer.update_ratio(float("nan")) is False and sizer.update_ratio(0.0) is False
    assert sizer.long_short_ratio == 0.7
    ignoring = OISizer(OISizerConfig(use_long_short_ratio=False))
    ignoring.update_ratio(0.7)
    assert ignoring.skew(PositionSide.SHORT, 130.0, 100.0) == 1.25  # the map's ratio again
    top = OISizer(OISizerConfig(ratio_kind="top_trader_positions"))
    assert top.update_ratio(2.0, "top_trader_positions") and top.skew(PositionSide.SHORT, 1.0, 1.0) == 1.25
    sizer.reset()
    assert sizer.long_short_ratio is None
    with pytest.raises(ValueError, match="ratio_kind must be one of"):
        OISizer(OISizerConfig(ratio_kind="whales"))


def _ratio(s, minute: int, ratio: float, kind: str = "accounts") -> None:
    """Queue a SYNTHETIC venue long/short ratio just after the bar of ``minute``."""
    ts = s.ts(minute) + 1
    r = LongShortRatio(instrument_id=s.instrument_id, ratio=ratio, kind=kind, period_secs=3600, ts_event=ts,
                       ts_init=ts)
    s._custom.append(CustomData(DataType(LongShortRatio, metadata={"instrument_id": s.instrument_id.value}), r))


@pytest.mark.parametrize(("ratios", "quantity", "note"), [
    ([], 112.5, "liquidation long/short 1.30"),  # no venue ratio: the map's 1.3 favours shorts, long x0.75
    ([(2, 0.7, "accounts")], 187.5, "accounts long/short 0.70"),  # venue: more short accounts, long x1.25
    ([(2, 0.7, "accounts"), (3, 3.0, "top_trader_positions")], 187.5, "accounts long/short 0.70"),
    ([(2, 0.7, "accounts"), (3, 1.0, "accounts")], 150.0, "accounts long/short 1.00"),  # latest: neutral
])
def test_magnet_strategy_uses_the_real_long_short_ratio(make_scenario, ratios, quantity, note):
    # synthetic: bias UP, short-side cluster at 101, OI 6 B (x1.5), map liquidations long 130 M / short 100 M
    s = make_scenario()
    s.bars(s.flat(100.0, 8))
    for minute, ratio, kind in ratios:
        _ratio(s, minute, ratio, kind)
    s.cluster(4, 1, "SHORT", 101.0, strength=0.5)
    s.snapshot(4, bias="UP", total_oi_usd=6e9, long_usd=130e6, short_usd=100e6)
    strategy = run_strategy(s, OISizedMagnetStrategy, OISizedMagnetConfig, trade_size=Decimal("100"))
    [entry] = s.entries(strategy)
    assert entry["quantity"] == quantity
    assert note in entry["reason"]
    assert strategy.ratios_received == sum(kind == "accounts" for _, _, kind in ratios)
