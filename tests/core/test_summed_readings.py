"""``summed_readings``: open interest of several sources summed as the actor sums it (hand-computed values)."""

import math

import numpy as np
import pytest

from liqheat_nautilus.core.open_interest_book import summed_readings

H = 3_600_000_000_000


def test_one_reading_per_time_once_every_source_reported():
    ts = np.array([0, 0, H, 2 * H, 2 * H, 3 * H], dtype=np.int64)
    src = ["A", "B", "A", "B", "C", "A"]  # C is not configured: ignored
    usd = np.array([10.0, 5.0, 12.0, 6.0, 999.0, 11.0])
    base = np.array([1.0, 0.5, 1.2, 0.6, 9.0, 1.1])
    t, u, b = summed_readings(ts, src, usd, base, ["A", "B"])
    np.testing.assert_array_equal(t, [0, H, 2 * H, 3 * H])
    np.testing.assert_allclose(u, [15.0, 17.0, 18.0, 17.0])  # 10+5, 12+5, 12+6, 11+6
    np.testing.assert_allclose(b, [1.5, 1.7, 1.8, 1.7])


def test_nothing_before_every_source_reported_and_stale_sources_pause_the_sum():
    ts = np.array([0, H, 2 * H, 5 * H, 6 * H], dtype=np.int64)
    t, u, b = summed_readings(ts, ["A", "A", "B", "A", "B"], np.array([1.0, 2.0, 3.0, 4.0, 5.0]),
                              np.array([math.nan] * 5), ["A", "B"], max_age_ns=2 * H)
    # 0 and H: B has not reported; 2H: 2+3; 5H: B's reading (2H) is 3 h old > 2 h: stale; 6H: 4+5
    np.testing.assert_array_equal(t, [2 * H, 6 * H])
    np.testing.assert_allclose(u, [5.0, 9.0])
    assert np.isnan(b).all()  # base units unknown


def test_input_in_any_order_and_bad_values():
    t, u, _ = summed_readings(np.array([H, 0, 0], dtype=np.int64), ["A", "B", "A"], np.array([3.0, 2.0, 1.0]),
                              np.zeros(3), ["A", "B"])
    np.testing.assert_array_equal(t, [0, H])
    np.testing.assert_allclose(u, [3.0, 5.0])
    with pytest.raises(ValueError, match="must be finite and >= 0"):
        summed_readings(np.array([0], dtype=np.int64), ["A"], np.array([-1.0]), np.zeros(1), ["A"])
    with pytest.raises(ValueError, match="2 sources but arrays"):
        summed_readings(np.array([0], dtype=np.int64), ["A", "B"], np.zeros(1), np.zeros(1), ["A"])
