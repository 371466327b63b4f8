"""FundingModule on an inverse (coin-margined) perpetual, checked by hand: the payment is rate x the position's
notional in the settlement coin, ``quantity x multiplier / mark``, and moves the BTC balance by exactly that.
SYNTHETIC flat bars at 50,000 and SYNTHETIC rates on Nautilus' test instrument XBTUSD.BITMEX (inverse, 1 USD per
contract, settled in BTC)."""

from decimal import Decimal

import pytest
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.model.currencies import BTC
from nautilus_trader.model.data import Bar, BarType, CustomData, DataType
from nautilus_trader.model.enums import AccountType, OmsType
from nautilus_trader.model.identifiers import ClientId, Venue
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider

from liqheat_nautilus import FundingRate
from liqheat_nautilus.simulation.funding import FundingModule, FundingModuleConfig
from tests.open_once import OpenOnce, OpenOnceConfig

T0 = 1_700_000_000_000_000_000
MINUTE = 60_000_000_000


@pytest.mark.parametrize(("side", "rate", "expected_btc"), [
    # 10,000 contracts x 1 USD / 50,000 = 0.2 BTC of notional; 0.0001 x 0.2 = 0.00002 BTC
    ("BUY", 0.0001, -0.00002),   # positive rate: the long pays
    ("SELL", 0.0001, +0.00002),  # positive rate: the short receives
    ("BUY", -0.0003, +0.00006),  # negative rate: the long receives 0.0003 x 0.2
])
def test_inverse_contract_funding_is_rate_times_coin_notional(side, rate, expected_btc):
    instrument = TestInstrumentProvider.xbtusd_bitmex()
    assert instrument.is_inverse and instrument.settlement_currency == BTC
    module = FundingModule(FundingModuleConfig())
    engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(log_level="ERROR")))
    engine.add_venue(Venue("BITMEX"), OmsType.NETTING, AccountType.MARGIN, [Money(1, BTC)], base_currency=None,
                     default_leverage=Decimal(10), modules=[module])
    engine.add_instrument(instrument)
    bar_type = BarType.from_str(f"{instrument.id}-1-MINUTE-LAST-EXTERNAL")
    price = Price.from_str("50000.0")
    engine.add_data([Bar(bar_type, price, price, price, price, Quantity.from_int(1_000_000), T0 + i * MINUTE,
                         T0 + i * MINUTE) for i in range(1, 11)])
    funding = FundingRate(instrument_id=instrument.id, rate=rate, ts_event=T0 + 5 * MINUTE + 1,
                          ts_init=T0 + 5 * MINUTE + 1)
    engine.add_data([CustomData(DataType(FundingRate, metadata={"instrument_id": instrument.id.value}), funding)],
                    client_id=ClientId("LIQHEAT"))
    strategy = OpenOnce(OpenOnceConfig(instrument_id=instrument.id, bar_type=bar_type, side=side, quantity="10000"))
    engine.add_strategy(strategy)
    engine.run()
    try:
        (payment,) = module.payments
        assert payment.currency == "BTC"
        assert payment.mark == 50_000.0
        assert payment.notional == pytest.approx(0.2, abs=1e-12)
        assert payment.amount == pytest.approx(expected_btc, abs=1e-12)
        # the balance between the bar before the funding time (minute 5) and the one after (minute 6)
        change = strategy.balances[5] - strategy.balances[4]
        assert change == pytest.approx(expected_btc, abs=1e-12)
    finally:
        engine.dispose()


@pytest.mark.parametrize(("ids", "message"), [
    # a string was iterated character by character: "Error parsing `InstrumentId` from 'S'"
    ("SOL-USDT-SWAP.OKX", r"instrument_ids must be a list of instrument ids, got the string 'SOL-USDT-SWAP.OKX'"),
    (["BTCUSDT"], r"FundingModuleConfig.instrument_ids: 'BTCUSDT' is not a Nautilus instrument id"),
    (["SOL-USDT-SWAP.OKX"] * 2, r"FundingModuleConfig.instrument_ids lists SOL-USDT-SWAP.OKX more than once"),
])
def test_a_bad_instrument_ids_value_names_the_field(ids, message):
    with pytest.raises(ValueError, match=message):
        FundingModuleConfig(instrument_ids=ids)
    assert FundingModuleConfig(instrument_ids=["SOL-USDT-SWAP.OKX"]).instrument_ids == ["SOL-USDT-SWAP.OKX"]
