"""Liquidation-price formulas: Binance's own liquidationPrice (real REST fixture) and hand-computed values."""

import json
import math

import numpy as np
import pytest

from liqheat_nautilus.core.brackets import BINANCE_BTCUSDT_BRACKETS
from liqheat_nautilus.core.liquidation_price import (
    cross_liquidation_price,
    inverse_isolated_liquidation_price,
    isolated_liquidation_price,
    simple_liquidation_price,
)
from tests.data_files import data_file

FIXTURE = data_file("binance_rest_fixtures/binance_positions_and_swap_klines.json")


def test_cross_formula_reproduces_binance_position_risk_liquidation_price():
    # Real Binance fapi/v2/positionRisk response (ccxt static fixture): cross margin, one-way mode.
    data = json.loads(FIXTURE.read_text())
    position = data["fapi_v2_positionRisk_BTCUSDT_2024-07-28"][0]
    wallet = data["fapi_account_same_time"]["ccxt_parsed_collateral_for_first_positionRisk"]
    quantity = float(position["positionAmt"])
    lp = float(
        cross_liquidation_price(wallet, quantity, float(position["entryPrice"]), 1 if quantity > 0 else -1, 0.004),
    )
    expected = float(position["liquidationPrice"])
    assert expected == 64846.98753790
    assert abs(lp - expected) / expected < 1e-6


# One position per bracket of Binance's BTCUSDT table at entry 50,000 and the bracket's maximum leverage.
# Expected values by hand: long EP·(1 - 1/L - cum/N)/(1 - MMR), short EP·(1 + 1/L + cum/N)/(1 + MMR), e.g.
# bracket 1: 50000·(1 - 1/125)/(1 - 0.004) = 49600/0.996 = 49799.19678714859; bracket 3:
# 50000·(1 - 0.02 - 1300/500000)/0.99 = 48870/0.99 = 49363.63636363636.
BRACKET_CASES = [
    # notional, max leverage, expected long, expected short
    (20_000.0, 125.0, 49799.1967871485943775, 50199.2031872509960159),
    (100_000.0, 100.0, 49723.6180904522613065, 50273.6318407960199004),
    (500_000.0, 50.0, 49363.6363636363636363, 50623.7623762376237623),
    (5_000_000.0, 20.0, 48550.7692307692307692, 51378.5365853658536585),
    (15_000_000.0, 10.0, 46434.0350877192982456, 53226.3492063492063492),
    (30_000_000.0, 5.0, 42099.4444444444444444, 56464.0909090909090909),
    (75_000_000.0, 4.0, 40939.9619047619047619, 57046.6962962962962962),
    (150_000_000.0, 3.0, 37248.5098039215686274, 59425.0144927536231884),
    (250_000_000.0, 2.0, 26662.32, 64002.608),
    (400_000_000.0, 1.0, -25004.075, 75001.3583333333333333),  # 1x long: no liquidation (negative price)
]


@pytest.mark.parametrize(("notional", "leverage", "long_lp", "short_lp"), BRACKET_CASES)
def test_isolated_formula_with_each_btcusdt_bracket(notional, leverage, long_lp, short_lp):
    mmr, cum, max_lev = BINANCE_BTCUSDT_BRACKETS.lookup(notional)
    assert float(max_lev) == leverage
    got_long = float(isolated_liquidation_price(50_000.0, leverage, 1, mmr, cum, notional))
    got_short = float(isolated_liquidation_price(50_000.0, leverage, -1, mmr, cum, notional))
    assert got_long == pytest.approx(long_lp, rel=1e-12)
    assert got_short == pytest.approx(short_lp, rel=1e-12)


def test_bracket_maintenance_amounts_follow_binance_rule():
    # cum_n = cum_{n-1} + floor_n · (MMR_n - MMR_{n-1})
    b = BINANCE_BTCUSDT_BRACKETS
    for n in range(1, len(b.mmr)):
        expected = b.maintenance_amount[n - 1] + b.notional_floor[n] * (b.mmr[n] - b.mmr[n - 1])
        assert b.maintenance_amount[n] == pytest.approx(expected, abs=1e-6)


def test_bracket_lookup_boundaries():
    mmr, cum, lev = BINANCE_BTCUSDT_BRACKETS.lookup(np.array([0.0, 49_999.99, 50_000.0, 1e6, 6e8]))
    assert mmr.tolist() == [0.004, 0.004, 0.005, 0.025, 0.5]
    assert cum.tolist() == [0.0, 0.0, 50.0, 16_300.0, 100_016_300.0]
    assert lev.tolist() == [125.0, 125.0, 100.0, 20.0, 1.0]


def test_simple_formula_hand_values():
    # py-liquidation-map: price·(1 ∓ 1/L); buffer 0.002 moves both toward the entry
    assert float(simple_liquidation_price(28_000.0, 100.0, 1)) == pytest.approx(27_720.0, rel=1e-15)
    assert float(simple_liquidation_price(28_000.0, 100.0, -1)) == pytest.approx(28_280.0, rel=1e-15)
    assert float(simple_liquidation_price(28_000.0, 10.0, 1, 0.002)) == pytest.approx(25_256.0, rel=1e-15)
    assert float(simple_liquidation_price(28_000.0, 10.0, -1, 0.002)) == pytest.approx(30_744.0, rel=1e-15)


def test_inverse_formula_hand_values():
    # COIN-M isolated, cum 0: long EP·(1+MMR)/(1+1/L) = 50000·1.005/1.05; short 50000·0.995/0.95
    assert float(inverse_isolated_liquidation_price(50_000.0, 20.0, 1, 0.005)) == pytest.approx(
        47857.142857142857, rel=1e-12,
    )
    assert float(inverse_isolated_liquidation_price(50_000.0, 20.0, -1, 0.005)) == pytest.approx(
        52368.421052631579, rel=1e-12,
    )


def test_inverse_formula_zeroes_coin_equity_at_maintenance():
    # At the inverse long LP, coin equity (margin + PnL) equals the maintenance margin N·MMR/LP (cum 0).
    ep, lev, mmr, notional = 60_000.0, 25.0, 0.004, 10_000.0
    lp = float(inverse_isolated_liquidation_price(ep, lev, 1, mmr))
    equity = notional / (ep * lev) + notional * (1.0 / ep - 1.0 / lp)
    assert math.isclose(equity, notional * mmr / lp, rel_tol=1e-12)


def test_linear_isolated_equity_equals_maintenance_at_liquidation():
    # At the linear short LP: N/L + Q·(EP - LP) = Q·LP·MMR - cum   (Q = N/EP)
    ep, lev, mmr, cum, notional = 3_000.0, 20.0, 0.01, 1_300.0, 400_000.0
    lp = float(isolated_liquidation_price(ep, lev, -1, mmr, cum, notional))
    q = notional / ep
    assert math.isclose(notional / lev + q * (ep - lp), q * lp * mmr - cum, rel_tol=1e-12)


def test_closest_liquidation_distance_is_the_highest_leverage_reach():
    from liqheat_nautilus.core import LiquidationMapEngine, MapParams

    # default (funding_adjusted over binance_standard, no settlement yet): 125x in the first bracket (MMR 0.40 %,
    # no maintenance amount at 1,000 USD):
    # long LP = E (1 - 1/125) / (1 - 0.004) -> 1 - 0.992/0.996; short LP = E (1 + 1/125) / (1 + 0.004)
    model = LiquidationMapEngine(MapParams()).model
    assert model.closest_distance(1) == pytest.approx(1.0 - 0.992 / 0.996, rel=1e-12)
    assert model.closest_distance(-1) == pytest.approx(1.008 / 1.004 - 1.0, rel=1e-12)
    # simple model E (1 -/+ 1/L) with leverage points 5x and 20x: 5 %, whatever the weights
    simple = LiquidationMapEngine(MapParams(model="simple", tiers=(5.0, 20.0),
                                            leverage_profile={5.0: 0.99, 20.0: 0.01})).model
    assert simple.closest_distance(1) == pytest.approx(0.05) and simple.closest_distance(-1) == pytest.approx(0.05)
    # 1x long is never liquidated (level 0): only the 2x level counts
    one = LiquidationMapEngine(MapParams(model="simple", tiers=(1.0, 2.0), leverage_profile={1.0: 0.5, 2.0: 0.5})).model
    assert one.closest_distance(1) == pytest.approx(0.5)
