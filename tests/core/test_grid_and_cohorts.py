"""Grid helpers and cohort layers: hand-computed fractional shifts, row shifts and newest-first closing."""

import numpy as np
import pytest

from liqheat_nautilus.core.cohorts import SideBook
from liqheat_nautilus.core.grid import PriceGrid, shift_fractional, shift_rows


def test_shift_fractional_hand_values():
    col = np.array([0.0, 10.0, 0.0, 0.0])
    assert shift_fractional(col, 0.25) == 0.0
    np.testing.assert_allclose(col, [0.0, 7.5, 2.5, 0.0])
    col = np.array([0.0, 10.0, 0.0, 0.0])
    lost = shift_fractional(col, -1.5)  # half to bin -1 (lost), half to bin 0
    assert lost == pytest.approx(5.0)
    np.testing.assert_allclose(col, [5.0, 0.0, 0.0, 0.0])
    block = np.array([[1.0, 2.0], [0.0, 0.0]])
    shift_fractional(block, 1.0)  # whole rows, all columns
    np.testing.assert_allclose(block, [[0.0, 0.0], [1.0, 2.0]])


def test_shift_rows_and_grid_indices():
    a = np.arange(5.0)
    shift_rows(a, 2, -1.0)
    assert a.tolist() == [2.0, 3.0, 4.0, -1.0, -1.0]
    shift_rows(a, -1, 0.0)
    assert a.tolist() == [0.0, 2.0, 3.0, 4.0, -1.0]
    g = PriceGrid(0.5, 8, 100.2)  # bin of 100.2 is 200; base 200 - 4
    assert g.base == 196 and g.local_index(100.2) == 4
    assert g.lower_edge(0) == 98.0 and g.edges()[-1] == 102.0
    with pytest.raises(ValueError, match="bin_width"):
        PriceGrid(0.0, 8, 100.0)


def test_side_book_per_tier_shift_with_layers():
    side = SideBook(6, 2, n_layers=2)
    side.new_cohort()
    added = np.zeros((6, 2))
    added[2] = [4.0, 8.0]
    side.add(added)
    lost = side.shift_tiers_fractional(np.array([0.5, -1.0]))
    assert lost == 0.0
    np.testing.assert_allclose(side.usd[:, 0], [0, 0, 2.0, 2.0, 0, 0])
    np.testing.assert_allclose(side.usd[:, 1], [0, 8.0, 0, 0, 0, 0])
    np.testing.assert_allclose(side.layers.sum(axis=0), side.usd)


def test_side_book_close_newest_and_pro_rata():
    side = SideBook(3, 1, n_layers=3)
    for k, amount in enumerate((10.0, 20.0, 30.0)):
        side.new_cohort()
        added = np.zeros((3, 1))
        added[k, 0] = amount
        side.add(added)
    assert side.close_newest(35.0) == pytest.approx(35.0)  # all of the 30, then 5 of the 20
    np.testing.assert_allclose(side.usd[:, 0], [10.0, 15.0, 0.0])
    assert side.close_pro_rata(0.2) == pytest.approx(5.0)
    np.testing.assert_allclose(side.usd[:, 0], [8.0, 12.0, 0.0])
    assert side.close_newest(1e9) == pytest.approx(20.0)  # never more than the side holds
    with pytest.raises(ValueError, match="cohort layers"):
        SideBook(3, 1, n_layers=1)


def test_shift_fractional_matches_the_linear_split_definition():
    rng = np.random.default_rng(7)  # synthetic random profiles
    for shift in (-3.75, -1.0, -0.2, 0.6, 2.0, 2.3, 9.5):
        col = rng.random(8)
        expected = np.zeros(8)
        whole, frac = int(np.floor(shift)), shift - np.floor(shift)
        for p, v in enumerate(col):
            for target, share in ((p + whole, 1 - frac), (p + whole + 1, frac)):
                if 0 <= target < 8:
                    expected[target] += share * v
        total = col.sum()
        lost = shift_fractional(col, shift)
        np.testing.assert_allclose(col, expected, rtol=1e-12, atol=1e-15)
        assert lost == pytest.approx(total - expected.sum(), abs=1e-12)


def test_status_names_follow_the_kernels_codes():
    # one table names the kernels' bin status codes; the engine and serve's responses read that same table
    from liqheat_nautilus.core import engine
    from liqheat_nautilus.core.enums import STATUS_NAMES, ClusterStatus
    from liqheat_nautilus.core.kernels import STATUS_ACTIVE, STATUS_CLEARED, STATUS_PARTIAL
    from liqheat_nautilus.serve import responses

    assert STATUS_NAMES[STATUS_ACTIVE] == ClusterStatus.ACTIVE
    assert STATUS_NAMES[STATUS_PARTIAL] == ClusterStatus.PARTIAL
    assert STATUS_NAMES[STATUS_CLEARED] == ClusterStatus.CLEARED
    assert engine.STATUS_NAMES is STATUS_NAMES and responses.STATUS_NAMES is STATUS_NAMES
