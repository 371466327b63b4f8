"""Entry-inference helpers (hand-computed) and the cross-venue open-interest book."""

import math

import numpy as np
import pytest

from liqheat_nautilus.core.entries import (
    hot_zone_profile,
    is_oi_spike,
    taker_imbalance,
    volume_profile,
)
from liqheat_nautilus.core.open_interest_book import OpenInterestBook
from tests.core.references import vwap_block


def test_volume_profile_and_vwap():
    prices, volume = np.array([100.0, 110.0]), np.array([1.0, 3.0])
    p, w = volume_profile(prices, volume)
    assert w.tolist() == [0.25, 0.75]
    p, w = vwap_block(prices, volume)
    assert p.tolist() == [107.5] and w.tolist() == [1.0]
    _, w = volume_profile(prices, np.zeros(2))  # no volume: equal shares
    assert w.tolist() == [0.5, 0.5]


def test_hot_zone_profile_hand_value():
    # volume 1, 10, 1 -> base shares 1/12, 10/12, 1/12; bar 2 hot takes 0.7 more
    _, w = hot_zone_profile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0, 1.0]), np.array([0.0, 1.0, 0.0]), 0.7)
    np.testing.assert_allclose(w, [0.3 / 12, 0.3 * 10 / 12 + 0.7, 0.3 / 12], rtol=1e-15)
    assert math.isclose(w.sum(), 1.0)
    _, w = hot_zone_profile(np.array([1.0, 2.0]), np.array([1.0, 3.0]), np.zeros(2), 0.7)
    assert w.tolist() == [0.25, 0.75]  # no hot bar: plain volume profile


def test_oi_spike_threshold():
    recent = [1.0, -1.0, 1.0, -1.0]  # mean 0, population sigma 1
    assert is_oi_spike(3.5, recent, 3.0, 4)
    assert not is_oi_spike(2.9, recent, 3.0, 4)
    assert is_oi_spike(-3.5, recent, 3.0, 4)
    assert not is_oi_spike(100.0, recent, 3.0, 5)  # too few samples
    assert not is_oi_spike(100.0, [2.0, 2.0, 2.0], 3.0, 2)  # sigma 0


def test_taker_imbalance():
    assert taker_imbalance(3.0, 1.0) == 0.5
    assert taker_imbalance(0.0, 2.0) == -1.0
    assert taker_imbalance(0.0, 0.0) == 0.0


def test_open_interest_book_sums_configured_venues_once_all_reported():
    book = OpenInterestBook(("binance", "OKX"))
    assert book.update("BINANCE", 100.0, 1, 2.0)
    assert math.isnan(book.total_usd())  # OKX not seen yet
    assert not book.update("BYBIT", 50.0, 1)  # not configured: ignored
    assert book.update("okx", 40.0, 2, 0.8)
    assert book.ready
    assert book.total_usd() == 140.0
    assert book.total_base() == pytest.approx(2.8)
    book.update("OKX", 60.0, 3)  # base unknown now -> total_base nan
    assert book.total_usd() == 160.0
    assert math.isnan(book.total_base())
    assert book.latest("Binance") == 100.0


def test_open_interest_book_own_venue_and_staleness():
    own = OpenInterestBook(own_venue="OKX")
    own.update("OKX", 7.0, 0)
    assert own.venues == ("OKX",) and own.total_usd() == 7.0
    stale = OpenInterestBook(("A", "B"), max_age_ns=10)
    stale.update("A", 1.0, 0)
    stale.update("B", 2.0, 5)
    assert stale.total_usd() == 3.0
    stale.update("B", 2.0, 20)  # A's report is now 20 ns older than B's
    assert math.isnan(stale.total_usd())
    with pytest.raises(ValueError, match="finite"):
        stale.update("A", -1.0, 30)
    with pytest.raises(ValueError, match="venues"):
        OpenInterestBook()


def test_hot_zone_weights_sum_to_one_with_subnormal_volumes():
    from liqheat_nautilus.core.entries import hot_zone_profile

    prices = np.array([400.0, 700.0, 900.0])
    for volume, hot, expected in (
        ([0.0, 5e-324, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]),  # was [0, 1.3, 0]: 0.7 × 5e-324 = 5e-324
        ([5e-324, 1e-323, 0.0], [1.0, 1.0, 0.0], [1 / 3, 2 / 3, 0.0]),  # 1 and 2 subnormal units: shares 1/3, 2/3
        ([1.0, 3.0, 0.0], [0.0, 1.0, 0.0], [0.3 * 0.25, 0.3 * 0.75 + 0.7, 0.0]),  # normal volumes: the formula
    ):
        _, w = hot_zone_profile(prices, np.array(volume), np.array(hot), 0.7)
        np.testing.assert_allclose(w, expected, rtol=1e-15, atol=1e-15)
        assert abs(w.sum() - 1.0) < 1e-15
