"""A user feeding ``LiquidationMap`` by hand (the README's own-strategy way) with data of two instruments: a clear
error, not a map of one instrument's prices scaled by another's open interest. SYNTHETIC values."""

import pytest
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Price, Quantity

from liqheat_nautilus import FundingRate, LiquidationMap, MapParams, OpenInterest

SOL = InstrumentId.from_str("SOL-USDT-SWAP.OKX")
BTC = InstrumentId.from_str("BTC-USDT-SWAP.OKX")


def _bar(instrument: InstrumentId, ts: int) -> Bar:
    bar_type = BarType.from_str(f"{instrument}-1-MINUTE-LAST-EXTERNAL")
    p = Price.from_str("100.00")
    return Bar(bar_type, p, p, p, p, Quantity.from_str("7.00"), ts, ts)


def _oi(instrument: InstrumentId, usd: float, ts: int) -> OpenInterest:
    return OpenInterest(instrument_id=instrument, venue="OKX", open_interest_usd=usd, ts_event=ts, ts_init=ts)


def test_open_interest_of_another_instrument_is_refused_naming_both():
    # before: the BTC reading (60 B USD) was placed on the SOL map at SOL's price, silently
    liq = LiquidationMap(MapParams(bin_size=1.0, n_bins=100))
    liq.handle_bar(_bar(SOL, 60))
    assert liq.instrument_id == SOL  # adopted from the first bar
    with pytest.raises(ValueError, match=r"LiquidationMap of SOL-USDT-SWAP.OKX was handed OpenInterest of "
                                         r"BTC-USDT-SWAP.OKX"):
        liq.handle_open_interest(_oi(BTC, 6e10, 61))
    assert not liq.initialized
    liq.handle_open_interest(_oi(SOL, 2e8, 62))
    assert liq.initialized and liq.open_interest_usd == 2e8


def test_a_given_instrument_refuses_other_funding_and_reset_keeps_it():
    liq = LiquidationMap(MapParams(bin_size=1.0, n_bins=100), instrument_id=SOL)
    with pytest.raises(ValueError, match="was handed FundingRate of BTC-USDT-SWAP.OKX"):
        liq.handle_funding_rate(FundingRate(instrument_id=BTC, rate=1e-4, ts_event=60, ts_init=60))
    liq.handle_bar(_bar(SOL, 60))
    liq.reset()
    assert liq.instrument_id == SOL


def test_an_adopted_instrument_is_forgotten_on_reset():
    liq = LiquidationMap(MapParams(bin_size=1.0, n_bins=100))
    liq.handle_bar(_bar(SOL, 60))
    liq.reset()
    assert liq.instrument_id is None
    liq.handle_bar(_bar(BTC, 120))  # a reset map may be reused for another instrument
    assert liq.instrument_id == BTC
    with pytest.raises(TypeError, match="instrument_id"):
        LiquidationMap(instrument_id=42)


def test_the_instrument_id_may_be_given_as_its_string():
    # a string raised a TypeError from Nautilus' type check instead of being parsed
    liq = LiquidationMap(MapParams(bin_size=1.0, n_bins=100), instrument_id="SOL-USDT-SWAP.OKX")
    assert liq.instrument_id == SOL and isinstance(liq.instrument_id, InstrumentId)
    with pytest.raises(ValueError, match="instrument_id"):  # its instrument is checked as with an InstrumentId
        liq.handle_funding_rate(FundingRate(instrument_id=BTC, rate=1e-4, ts_event=60, ts_init=60))
    liq.reset()
    assert liq.instrument_id == SOL  # the configured instrument, kept over a reset


@pytest.mark.parametrize("text", ["SOLUSDT", "", ".OKX"])
def test_an_instrument_id_string_that_is_not_one_names_the_argument_and_the_form(text):
    with pytest.raises(ValueError, match=rf"instrument_id '{text}' is not a Nautilus instrument id SYMBOL\.VENUE"):
        LiquidationMap(instrument_id=text)


def test_for_instrument_takes_the_contract_from_the_instrument():
    # the standalone indicator could not tell an inverse contract by itself: MapParams(inverse=True) and the
    # multiplier had to be passed by hand (forgetting them gave linear formulas and sizes in contracts)
    from nautilus_trader.model.data import TradeTick
    from nautilus_trader.model.enums import AggressorSide
    from nautilus_trader.model.identifiers import TradeId
    from nautilus_trader.test_kit.providers import TestInstrumentProvider

    inverse = TestInstrumentProvider.xbtusd_bitmex()  # 1 USD per contract
    linear = TestInstrumentProvider.ethusdt_perp_binance()
    assert inverse.is_inverse and not linear.is_inverse
    liq_map = LiquidationMap.for_instrument(inverse, MapParams(model="isolated_mmr", bin_bps=10.0))
    assert liq_map.engine.params.inverse and liq_map.instrument_id == inverse.id
    assert liq_map.contract_multiplier == float(inverse.multiplier)
    assert liq_map.engine.params.model == "isolated_mmr"  # the other parameters are kept
    seen = []
    liq_map.update_trade_raw = lambda price, ts, quantity, maker: seen.append(quantity)
    liq_map.handle_trade_tick(TradeTick(inverse.id, Price.from_str("50000.0"), Quantity.from_int(20_000),
                                        AggressorSide.BUYER, TradeId("1"), 1, 1))
    assert seen == [pytest.approx(20_000 * 1.0 / 50_000.0)]  # contracts × 1 USD ÷ price = 0.4 BTC
    # params saying inverse for a linear instrument: the instrument decides
    linear_map = LiquidationMap.for_instrument(linear, MapParams(inverse=True))
    assert not linear_map.engine.params.inverse and linear_map.instrument_id == linear.id
    with pytest.raises(TypeError):
        LiquidationMap.for_instrument("ETHUSDT-PERP.BINANCE")


@pytest.mark.parametrize("multiplier", [float("inf"), float("nan"), 0.0, -1.0])
def test_a_contract_multiplier_must_be_a_finite_positive_number(multiplier):
    # inf was accepted; every trade tick then failed with an error about its quantity
    with pytest.raises(ValueError, match="contract_multiplier"):
        LiquidationMap(MapParams(), contract_multiplier=multiplier)


def test_custom_data_as_a_backtest_delivers_it_is_unwrapped():
    # on_data of a backtest receives the catalog's OpenInterest wrapped in CustomData; handed on as it came, it
    # failed with "AttributeError: 'CustomData' object has no attribute 'instrument_id'"
    from liqheat_nautilus.data import as_custom_data

    liq = LiquidationMap(MapParams(bin_size=1.0, n_bins=100), instrument_id=SOL)
    liq.handle_bar(_bar(SOL, 60))
    liq.handle_open_interest(as_custom_data(_oi(SOL, 2e8, 61)))
    assert liq.initialized and liq.open_interest_usd == 2e8
    with pytest.raises(ValueError, match="was handed OpenInterest of BTC-USDT-SWAP.OKX"):  # still checked inside
        liq.handle_open_interest(as_custom_data(_oi(BTC, 6e10, 62)))


def test_another_data_type_is_refused_naming_the_method_and_the_type():
    # was "AttributeError: ... object has no attribute 'rate'" (or a wrong number read from a same-named field)
    liq = LiquidationMap(MapParams(bin_size=1.0, n_bins=100), instrument_id=SOL)
    with pytest.raises(TypeError, match=r"LiquidationMap.handle_funding_rate takes a FundingRate \(or CustomData of "
                                        r"one\), was handed OpenInterest"):
        liq.handle_funding_rate(_oi(SOL, 2e8, 61))
    with pytest.raises(TypeError, match=r"handle_open_interest takes an OpenInterest \(or CustomData of one\), "
                                        r"was handed Bar"):
        liq.handle_open_interest(_bar(SOL, 60))
