"""Trades mode (py-liquidation-map parity) on real Binance BTCUSDT trades, and the selection rules."""

import numpy as np
import pandas as pd
import pytest

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.core.trades import (
    PY_LIQUIDATION_MAP_TIERS,
    select_large_trades,
    taker_sides,
    trade_liquidation_levels,
)
from tests.data_files import data_file

TRADES = data_file("binance_um_ws_captures/usdm_btcusdt_20230404.trades.csv")
THRESHOLD = 10_000.0  # USD gross value (py-liquidation-map's mode "gross_value"); 150 of the 2,197 trades


@pytest.fixture(scope="module")
def trades() -> pd.DataFrame:
    df = pd.read_csv(TRADES)
    assert list(df.columns) == [
        "trade_id", "price", "quantity", "transact_time", "is_buyer_maker", "order_type", "event_time",
    ]
    return df


def test_parity_liquidation_prices_on_real_trades(trades):
    out = trade_liquidation_levels(
        trades["price"].to_numpy(), trades["quantity"].to_numpy(), trades["is_buyer_maker"].to_numpy(),
        PY_LIQUIDATION_MAP_TIERS, "gross_value", THRESHOLD,
    )
    # independent reference with pandas, as py-liquidation-map computes it
    amount = trades["price"] * trades["quantity"]
    buy = trades[(~trades["is_buyer_maker"]) & (amount >= THRESHOLD)]
    sell = trades[trades["is_buyer_maker"] & (amount >= THRESHOLD)]
    assert len(out["index"]) == len(buy) + len(sell) == 150
    selected = trades.iloc[out["index"]]
    for j, lev in enumerate(PY_LIQUIDATION_MAP_TIERS):
        for frame, sign in ((buy, 1), (sell, -1)):
            expected = frame["price"].to_numpy() * (1.0 - sign / lev)
            got = out["liquidation_price"][out["side"] == sign, j]
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=0)
    assert set(selected["trade_id"]) == set(buy["trade_id"]) | set(sell["trade_id"])
    np.testing.assert_allclose(out["gross_value"], amount.iloc[out["index"]].to_numpy(), rtol=1e-15)


def test_engine_trades_mode_places_selected_trades_at_their_levels(trades):
    params = MapParams(
        entry_mode="trades", trade_selection="gross_value", trade_threshold=THRESHOLD, model="simple",
        tiers=PY_LIQUIDATION_MAP_TIERS, leverage_profile=dict.fromkeys(PY_LIQUIDATION_MAP_TIERS, 1.0),
        bin_size=1.0, n_bins=8_000,
    )
    engine = LiquidationMapEngine(params)
    for row in trades.itertuples(index=False):
        engine.update_trade(row.price, int(row.transact_time) * 1_000_000, row.quantity, bool(row.is_buyer_maker))
    amount = trades["price"] * trades["quantity"]
    sel = amount >= THRESHOLD
    assert engine.ledger.opened == pytest.approx(float(amount[sel].sum()), rel=1e-12)
    # the 10x tier (10 % away) is never reached in these 8 minutes: its bins hold exactly gross/4 per trade
    # (py-liquidation-map adds the full gross value to every tier; here the tiers share it by weight 1/4)
    long_usd, short_usd = engine.tier_usd()
    maker = trades["is_buyer_maker"]
    for usd, mask, sign in ((long_usd, sel & ~maker, 1), (short_usd, sel & maker, -1)):
        liq = trades["price"][mask].to_numpy() * (1.0 - sign / 10.0)
        bins = np.floor(liq / 1.0).astype(int) - engine.grid.base
        expected = np.bincount(bins, weights=amount[mask].to_numpy() / 4.0, minlength=usd.shape[0])
        np.testing.assert_allclose(usd[:, 0], expected, rtol=1e-12, atol=1e-9)
    led = engine.ledger
    assert led.opened == pytest.approx(engine.active_usd() + engine.outside_usd() + led.swept + led.closed
                                       + led.decayed, rel=1e-12)


def test_engine_update_trades_batch_top_n():
    # synthetic batch: two buyer-taker and two seller-taker trades; top_n = 1 keeps the largest of each side
    engine = LiquidationMapEngine(MapParams(entry_mode="trades", trade_selection="top_n", trade_threshold=1,
                                            model="simple", tiers=(10.0,), leverage_profile={10.0: 1.0},
                                            bin_size=1.0, n_bins=1000))
    opened = engine.update_trades([1000.5, 1000.5, 1001.5, 1000.5], [1.0, 3.0, 2.0, 0.5],
                                  [False, False, True, True], 1)
    assert opened == 2
    long_usd, short_usd = engine.long_usd(), engine.short_usd()
    assert long_usd.sum() == pytest.approx(3001.5)  # 3 × 1000.5 at 900.45
    assert long_usd[engine.grid.local_index(900.45)] == pytest.approx(3001.5)
    assert short_usd[engine.grid.local_index(1101.65)] == pytest.approx(2003.0)  # 2 × 1001.5 at 1101.65


def _one_at_a_time(selection: str, threshold: float, batch_secs: float = 60.0) -> LiquidationMapEngine:
    """Synthetic: four trades fed one at a time (2 buyer-, 2 seller-taker), then a bar that ends the batch."""
    engine = LiquidationMapEngine(MapParams(entry_mode="trades", trade_selection=selection,
                                            trade_threshold=threshold, model="simple", tiers=(10.0,),
                                            leverage_profile={10.0: 1.0}, bin_size=1.0, n_bins=1000,
                                            trade_batch_secs=batch_secs))
    s = 1_000_000_000
    for i, (price, qty, maker) in enumerate([(1000.5, 1.0, False), (1000.5, 3.0, False), (1001.5, 2.0, True),
                                             (1000.5, 0.5, True)]):
        engine.update_trade(price, (i + 1) * s, qty, maker)
    return engine


@pytest.mark.parametrize(("selection", "threshold"), [("top_n", 1.0), ("portion", 0.5)])
def test_trades_fed_one_at_a_time_are_selected_per_batch(selection, threshold):
    # top_n 1 and portion 0.5 (int(2 · 0.5) = 1 per side) both keep the largest trade of each side
    engine = _one_at_a_time(selection, threshold)
    assert engine.ledger.opened == 0.0 and not engine.initialized  # the batch is still open
    engine.update_bar(1001.5, 1000.5, 1001.0, 1.0, 10_000_000_000)  # the batch ends at the bar
    assert engine.initialized
    assert engine.long_usd()[engine.grid.local_index(900.45)] == pytest.approx(3001.5)  # 3 × 1000.5
    assert engine.short_usd()[engine.grid.local_index(1101.65)] == pytest.approx(2003.0)  # 2 × 1001.5
    assert engine.ledger.opened == pytest.approx(3001.5 + 2003.0)


def test_a_batch_also_ends_after_trade_batch_secs():
    engine = _one_at_a_time("top_n", 1.0, batch_secs=2.0)
    # the batch of the first two trades (1 s, 2 s) ended when the third came 2 s after its start: its largest
    # (the 3-unit long) opened; the batch of trades 3 and 4 is still open
    assert engine.ledger.opened == pytest.approx(3001.5)
    engine.update_trade(1000.0, 10_000_000_000)  # a price-only trade 7 s later ends it
    assert engine.ledger.opened == pytest.approx(3001.5 + 2003.0)


def test_gross_value_opens_at_once_one_trade_at_a_time():
    engine = _one_at_a_time("gross_value", 2_000.0)  # 3 × 1000.5 and 2 × 1001.5 reach 2,000 USD
    assert engine.ledger.opened == pytest.approx(3001.5 + 2003.0)


def test_selection_rules_hand_values():
    gross = np.array([5.0, 50.0, 20.0, 7.0, 30.0, 1.0, 40.0, 2.0])
    maker = np.array([False, False, False, False, True, True, True, True])
    assert select_large_trades(gross, maker, "gross_value", 20.0).tolist() == [
        False, True, True, False, True, False, True, False]
    assert select_large_trades(gross, maker, "top_n", 1).tolist() == [
        False, True, False, False, False, False, True, False]
    # portion 0.5: int(4 · 0.5) = 2 per side
    assert select_large_trades(gross, maker, "portion", 0.5).tolist() == [
        False, True, True, False, True, False, True, False]
    # portion 0.2: int(4 · 0.2) = 0 per side (py-liquidation-map's int() truncation)
    assert not select_large_trades(gross, maker, "portion", 0.2).any()
    assert taker_sides(maker).tolist() == [1, 1, 1, 1, -1, -1, -1, -1]
    with pytest.raises(ValueError, match="selection"):
        select_large_trades(gross, maker, "largest", 1.0)
    with pytest.raises(ValueError, match="out of range"):
        select_large_trades(gross, maker, "portion", 1.5)


def test_trade_helpers_refuse_inputs_they_would_misread():
    # each was accepted: top_n 0.5 selected nothing (int(0.5) == 0), a 1-long quantity was broadcast over 3 prices
    # and a negative price gave negative liquidation prices
    with pytest.raises(ValueError, match=r"threshold 0.5 out of range for selection 'top_n' \(a whole count >= 1\)"):
        select_large_trades(np.ones(3), np.zeros(3, bool), "top_n", 0.5)
    with pytest.raises(ValueError, match="equal length"):
        trade_liquidation_levels(np.ones(3), np.ones(1), np.zeros(3, bool))
    with pytest.raises(ValueError, match="prices must be finite and > 0"):
        trade_liquidation_levels(-np.ones(3), np.ones(3), np.zeros(3, bool))
    assert select_large_trades(np.array([1.0, 3.0, 2.0]), np.zeros(3, bool), "top_n", 2.0).tolist() == [
        False, True, True]
