"""The evaluation series refuse bad rows with a message naming the series, the field and the row (SYNTHETIC rows)."""

import numpy as np
import pytest

from liqheat_nautilus.evaluation.series import BarSeries, LiquidationWindows, Observations, TakerFlow

T = np.array([1, 2, 3], dtype=np.int64)
ONES = np.ones(3)


def _bars(**change):
    cols = dict(open_ns=T - 1, close_ns=T, open=ONES, high=ONES, low=ONES, close=ONES, volume=ONES)
    return BarSeries(**{**cols, **change})


def _windows(**change):
    cols = dict(start_ns=T * 10, end_ns=T * 10 + 5, long_usd=ONES, short_usd=ONES)
    return LiquidationWindows(**{**cols, **change})


@pytest.mark.parametrize(("build", "message"), [
    (lambda: _bars(close_ns=np.array([1, 3, 3])), r"^bars: timestamps must be strictly increasing \(row 2 is not\)"),
    (lambda: _bars(volume=np.ones(2)), r"^bars: field 'volume' has shape \(2,\), timestamps \(3,\)"),
    (lambda: _bars(high=np.array([1.0, np.inf, 1.0])), r"^bars: field 'high' is not finite at row 1"),
    (lambda: _bars(volume=np.array([1.0, 1.0, -1.0])), r"^bars: prices must be > 0 with high >= low, volume >= 0"),
    (lambda: Observations(T, np.array([1.0, np.nan, 2.0]), name="open interest"),
     r"^open interest: field 'value' is not finite at row 1"),
    (lambda: Observations(T, ONES, name="funding", base=np.ones(4)),
     r"^funding: field 'base' has shape \(4,\), timestamps \(3,\)"),
    (lambda: TakerFlow(T, np.array([1.0, np.nan, 1.0]), ONES),
     r"^taker volume: field 'buy_usd' is not finite at row 1"),
    (lambda: TakerFlow(T, ONES, np.array([0.0, -2.0, 1.0])), r"^taker volume: buy_usd and sell_usd must be >= 0"),
    (lambda: _windows(short_usd=np.array([0.0, -1.0, 0.0])), r"^liquidations: long_usd and short_usd must be >= 0"),
    (lambda: _windows(end_ns=T * 10 + 11), r"^liquidations: windows must have end > start and must not overlap"),
])
def test_bad_rows_are_refused_naming_series_field_and_row(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_open_interest_in_base_units_may_be_missing_and_cuts_keep_the_checks():
    # nan base = the venue did not report base units (the engine then divides USD by price)
    oi = Observations(T, ONES * 100.0, name="open interest", base=np.array([1.0, np.nan, 2.0]))
    cut = oi.slice_time(2, 3)
    assert cut.ts_ns.tolist() == [2, 3] and np.isnan(cut.base[0]) and cut.base[1] == 2.0
    assert len(_bars().slice_time(2, 2)) == 1
