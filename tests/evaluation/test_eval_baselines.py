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
from liqheat_nautilus.evaluation.price_path import close_at, extremes_between

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
