"""Baselines and price-path look-ups of ``liqheat evaluate`` on SYNTHETIC hand-built series."""

import math

import numpy as np
import pytest

from liqheat_nautilus.evaluation.baselines import (
    abs_return_oi,
    excursion_oi,
    independent_hit_rate,
    same_distance_touch_rate,
    touched,
)
from liqheat_nautilus.evaluation.price_path import adverse_moves, close_at, extremes_between

from .synthetic import NS_PER_HOUR, T0, data, hourly_bars, windows


def _eight_bars():
    # synthetic closes 100, 102, 101, 99 | 98, 100, 103, 104 ; highs = close + 1, lows = close - 2
    close = np.array([100.0, 102.0, 101.0, 99.0, 98.0, 100.0, 103.0, 104.0])
    return hourly_bars(close + 1.0, close - 2.0, close)


def test_close_at_and_extremes_between_follow_bar_close_times():
    bars = _eight_bars()
    # the bar opening at T0 closes at T0 + 1 h
    assert math.isnan(close_at(bars, np.array([T0]))[0])
    assert close_at(bars, np.array([T0 + 4 * NS_PER_HOUR]))[0] == 99.0
    assert close_at(bars, np.array([T0 + 4 * NS_PER_HOUR + 1]))[0] == 99.0
    low, high = extremes_between(bars, np.array([T0 + 4 * NS_PER_HOUR]), np.array([T0 + 8 * NS_PER_HOUR]))
    # bars 5..8 (closes 98, 100, 103, 104): lows 96 (98 - 2), highs 105 (104 + 1)
    assert low[0] == 96.0 and high[0] == 105.0


def test_adverse_moves_are_the_largest_fall_after_a_high_and_rise_after_a_low():
    bars = _eight_bars()
    # with opens (previous close) widening the range, the bars are (high, low):
    # 1-4: (101, 98) (103, 100) (102, 99) (101, 97); 5-8: (99, 96) (101, 98) (104, 100) (105, 102)
    fall, rise = adverse_moves(bars, np.array([T0, T0 + 4 * NS_PER_HOUR]),
                               np.array([T0 + 4 * NS_PER_HOUR, T0 + 8 * NS_PER_HOUR]))
    # window 1: running highs 101, 103, 103, 103 against lows 98, 100, 99, 97: largest fall 1 - 97/103;
    # running lows 98, 98, 98, 97 against highs 101, 103, 102, 101: largest rise 103/98 - 1
    assert fall[0] == pytest.approx(6.0 / 103.0) and rise[0] == pytest.approx(5.0 / 98.0)
    # window 2: the largest fall is inside bar 7 (high 104, low 100, in either order): 1 - 100/104, more than
    # 1 - 96/99 at bar 5, the window's lowest low; the rise runs from 96 (bar 5) to 105 (bar 8)
    assert fall[1] == pytest.approx(4.0 / 104.0) and rise[1] == pytest.approx(9.0 / 96.0)
    assert fall[1] > 1.0 - 96.0 / 99.0  # not the drop from the window's first high to its lowest low
    (empty_fall,), (empty_rise,) = adverse_moves(bars, np.array([T0 + 20 * NS_PER_HOUR]),
                                                 np.array([T0 + 24 * NS_PER_HOUR]))
    assert math.isnan(empty_fall) and math.isnan(empty_rise)


def test_abs_return_and_excursion_baselines_by_hand():
    bars = _eight_bars()
    liq = windows(2)
    d = data(bars, [0, 4], [1000.0, 2000.0], liq)
    base = abs_return_oi(d)
    # window 1 starts at T0: no price yet -> nan; window 2: |104 / 99 - 1| * OI(T0 + 4 h) = 2000 * 5/99
    assert math.isnan(base[0])
    assert base[1] == pytest.approx(2000.0 * 5.0 / 99.0)
    exc_long, exc_short = excursion_oi(d)
    # window 2 from close 99: lowest low 96 -> drop 3/99; highest high 105 -> rise 6/99
    assert exc_long[1] == pytest.approx(2000.0 * 3.0 / 99.0)
    assert exc_short[1] == pytest.approx(2000.0 * 6.0 / 99.0)


def test_touched_and_same_distance_base_rate():
    max_drop = np.array([-0.01, -0.03, -0.05, 0.0])
    max_rise = np.array([0.01, 0.02, 0.04, 0.0])
    assert touched(np.array([-0.02, 0.02]), np.array([-0.03, -0.03]), np.array([0.01, 0.01])).tolist() == [
        True, False]
    # 2 of 4 snapshots dropped at least 2 %, 2 of 4 rose at least 2 %, 1 of 4 rose at least 3 %
    rates = same_distance_touch_rate(np.array([-0.02, 0.02, 0.03]), max_drop, max_rise)
    assert rates.tolist() == pytest.approx([0.5, 0.5, 0.25])


def test_independent_hit_rate_by_hand():
    calls = np.array([1, 1, 1, -1])
    outcomes = np.array([1, -1, 1, 1])
    # P(call up) = 0.75, P(up) = 0.75: 0.75 * 0.75 + 0.25 * 0.25 = 0.625
    assert independent_hit_rate(calls, outcomes) == pytest.approx(0.625)
    assert math.isnan(independent_hit_rate(np.array([]), np.array([])))
