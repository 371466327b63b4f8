"""A user's own code building ``LiquidationMapActor`` with wrong values: a clear error naming the field, never a
silent empty run. Small BacktestEngine runs on SYNTHETIC flat bars (price 100) and SYNTHETIC open interest."""


import pytest
from nautilus_trader.model.data import BarType
from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus import OpenInterest
from liqheat_nautilus.actor import LiquidationMapActor, LiquidationMapActorConfig
from tests.small_backtest import BAR_TYPE, MINUTE, T0, small_backtest

BTC = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")


def _config(**kwargs) -> LiquidationMapActorConfig:
    fields = {"instrument_id": BTC, "bar_type": BAR_TYPE, **kwargs}
    return LiquidationMapActorConfig(**fields)


@pytest.mark.parametrize(("fields", "message"), [
    # strings that are not ids, or not strings: was "AttributeError: '...' object has no attribute 'value'"
    ({"instrument_id": "BTCUSDT"}, r"Config.instrument_id: 'BTCUSDT' does not parse as InstrumentId"),
    ({"bar_type": "BTCUSDT-PERP.BINANCE-1-MINUTE"}, r"Config.bar_type: .* does not parse as BarType"),
    ({"instrument_id": 42}, r"instrument_id must be of type InstrumentId or str, got int 42"),
    # the prices of another instrument under this instrument's open interest: was accepted (a wrong map)
    ({"bar_type": BarType.from_str("ETHUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL")},
     r"bar_type ETHUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL is of instrument ETHUSDT-PERP.BINANCE, not "
     r"instrument_id BTCUSDT-PERP.BINANCE"),
    # negative values were accepted and behaved as 0 (or as 1 for max_liquidation_events) without a word
    # (Nautilus' PyCondition messages: the field types PositiveInt / NonNegativeInt apply when a file is decoded)
    ({"publish_interval_secs": -5}, r"'LiquidationMapActorConfig.publish_interval_secs' not greater than or "
                                    r"equal to zero \(>= 0\), was -5"),
    ({"warmup_lookback_secs": -1}, r"'LiquidationMapActorConfig.warmup_lookback_secs' not greater than or equal"),
    ({"warmup_timeout_secs": 0}, r"'LiquidationMapActorConfig.warmup_timeout_secs' not a positive integer, was 0"),
    ({"liquidation_match_pct": -0.5}, r"'LiquidationMapActorConfig.liquidation_match_pct' not greater than or equal"),
    ({"liquidation_match_pct": float("nan")}, r"'LiquidationMapActorConfig.liquidation_match_pct' not greater"),
    ({"max_liquidation_events": 0}, r"'LiquidationMapActorConfig.max_liquidation_events' not a positive integer"),
    ({"max_liquidation_events": True}, r"max_liquidation_events must be a whole number, got True"),
    # accepted in Python and truncated: 0.5 became 0, a snapshot on every bar (a file is decoded as int already)
    ({"publish_interval_secs": 0.5}, r"publish_interval_secs must be a whole number, got 0.5"),
    ({"warmup_timeout_secs": 1.5}, r"warmup_timeout_secs must be a whole number, got 1.5"),
    # an inf map parameter failed only when the actor built the engine (OverflowError), mid-run
    ({"map_params_extra": {"seed_lookback_hours": float("inf")}}, r"seed_lookback_hours=inf \(numbers must be finite"),
    # named an internal value ("max_age_ns must be >= 0, was -1000000000") when the actor was built
    ({"oi_max_age_secs": -1}, r"'LiquidationMapActorConfig.oi_max_age_secs' not greater than or equal to zero"),
    # Nautilus' parse error without the field, raised only when the actor was built
    ({"oi_instrument_ids": ["BTCUSDT"]}, r"oi_instrument_ids: 'BTCUSDT' is not a Nautilus instrument id"),
    # one string: was read character by character ("'B' is not an instrument id")
    ({"oi_instrument_ids": "BTCUSDT-PERP.BINANCE"}, r"oi_instrument_ids must be a list of instrument ids"),
    # "could not convert string to float: 'abc'" without the field
    ({"leverage_weights": {"abc": 1.0}}, r"leverage_weights must map leverage tiers to weights"),
    # accepted by the config, then failed inside the engine when the node started the actor
    ({"leverage_weights": {"10": -1.0}}, r"leverage_weights: .*leverage weights must be finite, >= 0"),
    ({"leverage_weights": {"7": 1.0}}, r"leverage_weights: .*leverage weight given for tier 7"),
])
def test_a_bad_config_value_fails_at_construction_naming_the_field(fields, message):
    with pytest.raises((TypeError, ValueError), match=message):
        _config(**fields)


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("publish_interval_secs", -5, ">= 0"), ("oi_max_age_secs", -1, ">= 0"), ("warmup_lookback_secs", -1, ">= 0"),
    ("warmup_timeout_secs", 0, ">= 1"), ("max_liquidation_events", 0, ">= 1"),
    ("liquidation_match_pct", -0.5, ">= 0.0"),
])
def test_a_decoded_config_refuses_a_bad_value_at_the_field(field, value, expected):
    # the field types (Nautilus' PositiveInt / NonNegativeInt / NonNegativeFloat) are checked by msgspec while a file
    # is decoded, at the field; the hand-written checks ran after decoding and msgspec placed them at the root ("$")
    import msgspec

    raw = msgspec.json.encode({"instrument_id": BTC.value, "bar_type": str(BAR_TYPE), field: value})
    with pytest.raises(msgspec.ValidationError, match=rf"{expected} - at `\$\.{field}`"):
        LiquidationMapActorConfig.parse(raw)
    good = msgspec.json.encode({"instrument_id": BTC.value, "bar_type": str(BAR_TYPE), field: 1})
    assert getattr(LiquidationMapActorConfig.parse(good), field) == 1


def test_ids_given_as_strings_are_parsed():
    # was accepted as str, then "AttributeError: 'str' object has no attribute 'value'" when the actor was built
    config = LiquidationMapActorConfig(instrument_id="BTCUSDT-PERP.BINANCE",
                                       bar_type="BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL")
    assert (config.instrument_id, config.bar_type) == (BTC, BAR_TYPE)
    assert LiquidationMapActor(config).config.instrument_id == BTC


def test_good_values_are_still_accepted():
    config = _config(publish_interval_secs=0, leverage_weights={"10": 0.5, "25": 0.5},
                     oi_instrument_ids=["BTCUSDT-PERP.BINANCE", "BTCUSDT-LINEAR.BYBIT"], oi_max_age_secs=0)
    assert config.map_params().leverage_profile == {10.0: 0.5, 25.0: 0.5}
    LiquidationMapActor(config)


def _run(config: LiquidationMapActorConfig, n_bars: int = 30, oi_minutes: tuple[int, ...] = (5, 20)):
    """The actor in a BacktestEngine holding BTCUSDT-PERP.BINANCE, not run: SYNTHETIC flat bars, OI of 1e9 USD."""
    from nautilus_trader.model.data import CustomData, DataType

    oi = [OpenInterest(instrument_id=BTC, venue="BINANCE", open_interest_usd=1e9, ts_event=T0 + m * MINUTE,
                       ts_init=T0 + m * MINUTE) for m in oi_minutes]
    return small_backtest(config, custom=[CustomData(DataType(OpenInterest, metadata={"instrument_id": BTC.value}), d)
                                          for d in oi], n_bars=n_bars, run=False)


def test_an_instrument_missing_from_the_cache_stops_the_run_with_its_id_and_the_cached_ones():
    # before: the actor assumed a linear contract of multiplier 1, subscribed, and the run ended with no signal
    # and no log line
    eth = InstrumentId.from_str("ETHUSDT-PERP.BINANCE")
    engine, _ = _run(_config(instrument_id=eth,
                             bar_type=BarType.from_str("ETHUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL")))
    try:
        with pytest.raises(ValueError, match=r"instrument_id ETHUSDT-PERP.BINANCE is not in the cache "
                                             r"\(instruments: BTCUSDT-PERP.BINANCE\)"):
            engine.run()
    finally:
        engine.dispose()


def test_a_run_that_published_nothing_says_which_input_never_arrived():
    # a bar type absent from the data (5-minute bars asked, 1-minute given) and open interest of another venue:
    # both used to end with 0 clusters and no word
    five = BarType.from_str("BTCUSDT-PERP.BINANCE-5-MINUTE-LAST-EXTERNAL")
    engine, actor = _run(_config(bar_type=five, oi_instrument_ids=["BTCUSDT-PERP.BINANCE", "BTCUSDT-LINEAR.BYBIT"]))
    try:
        engine.run()
        assert actor.snapshots_published == 0
        bars, oi = actor.missing_inputs()
        assert "no bar of bar_type BTCUSDT-PERP.BINANCE-5-MINUTE-LAST-EXTERNAL arrived" in bars
        assert "no OpenInterest of BTCUSDT-LINEAR.BYBIT arrived" in oi  # BINANCE's own did arrive
    finally:
        engine.dispose()


def test_a_run_that_published_has_nothing_missing():
    engine, actor = _run(_config(publish_interval_secs=600))
    try:
        engine.run()
        assert actor.snapshots_published >= 2
        assert actor.missing_inputs() == []
    finally:
        engine.dispose()


def test_a_bar_type_with_a_step_of_0_is_an_error_not_a_process_abort():
    # Nautilus' Rust parser aborted the whole process (exit 134) on it: run in a fresh interpreter
    import subprocess
    import sys

    code = ("from liqheat_nautilus.actor_config import LiquidationMapActorConfig as C\n"
            "try:\n"
            "    C(instrument_id='BTCUSDT-PERP.BINANCE', bar_type='BTCUSDT-PERP.BINANCE-0-MINUTE-LAST-EXTERNAL')\n"
            "except ValueError as exc:\n    print(exc)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-1000:]
    assert proc.stdout.startswith("LiquidationMapActorConfig.bar_type 'BTCUSDT-PERP.BINANCE-0-MINUTE-LAST-EXTERNAL' "
                                  "has a step of 0: a bar type is INSTRUMENT-STEP-AGGREGATION-PRICE_TYPE-SOURCE")
