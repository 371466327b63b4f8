"""The default map through a real crash: FTX BTC-PERP 1-minute bars, 2022-01-19 .. 2022-01-24 (BTC -21 % low to
high, -13 % on 2022-01-21 alone), checked after every open-interest reading.

The bars are real (``tests/data/ftx_btc_perp_1m``). The open interest and the funding are **synthetic** (the data
set has neither): a constant 20,000 BTC of open contracts (so the USD figure follows price and the map must close
and reopen nothing for the contract count itself) and a settled +0.01 % every 8 h (longs pay).
"""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from tests.data_files import data_file

NS_MINUTE = 60_000_000_000
NS_HOUR = 60 * NS_MINUTE
OI_BTC = 20_000.0  # SYNTHETIC open interest (contracts of 1 BTC)
FUNDING = 0.0001  # SYNTHETIC settled funding rate every 8 h


@pytest.fixture(scope="module")
def crash():
    """Replay the six days through the default engine; return the engine and what each reading left behind."""
    bars = pd.read_csv(data_file("ftx_btc_perp_1m/ftx-btc-perp-20220119-20220124_1m.csv.gz"))
    open_ns = pd.to_datetime(bars["timestamp"], utc=True).astype("int64").to_numpy()
    assert np.all(np.diff(open_ns) == NS_MINUTE)  # complete: one bar a minute
    e = LiquidationMapEngine(MapParams())  # the default: funding_adjusted over Binance's brackets
    readings = []
    charged = 0.0
    for ts, high, low, close, volume in zip(open_ns + NS_MINUTE, bars["high"], bars["low"], bars["close"],
                                            bars["volume"], strict=True):  # ts: the bar's close
        e.update_bar(float(high), float(low), float(close), float(volume), int(ts))
        if ts % NS_HOUR:
            continue
        if ts % (8 * NS_HOUR) == 0:
            e.update_funding(FUNDING, int(ts))
            charged += float(close) * FUNDING
        share = e._long_share()  # the split this reading applies
        e.update_open_interest(OI_BTC * float(close), int(ts), oi_base=OI_BTC)
        long_swept, short_swept = e.take_swept()
        readings.append({"ts": int(ts), "close": float(close), "share": share, "units": e.side_units(),
                         "active": e.active_usd() + e.outside_usd(), "ledger": dataclasses.astuple(e.ledger),
                         "long_swept": long_swept, "short_swept": short_swept, "charged": charged,
                         "funding_index": e.funding_index,
                         "finite": bool(np.all(np.isfinite(e.long.usd)) and np.all(np.isfinite(e.short.usd))),
                         "non_negative": bool(np.all(e.long.usd >= 0.0) and np.all(e.short.usd >= 0.0))})
    return e, pd.DataFrame(readings)


def test_every_reading_keeps_the_ledger_and_the_anchor(crash):
    _, r = crash
    assert len(r) == 6 * 24 and r["finite"].all() and r["non_negative"].all()
    for row in r.itertuples():
        opened, swept, closed, decayed = row.ledger  # the engine's Ledger, in field order (USD)
        assert math.isclose(opened, row.active + swept + closed + decayed, rel_tol=1e-9)
        long_units, short_units = row.units  # contracts (BTC) per side: the reading's split of the open interest
        assert long_units == pytest.approx(row.share * OI_BTC, rel=1e-9)
        assert short_units == pytest.approx((1.0 - row.share) * OI_BTC, rel=1e-9)


def test_the_crash_liquidates_longs_and_the_rebound_shorts(crash):
    _, r = crash
    day = pd.to_datetime(r["ts"] - NS_HOUR, utc=True).dt.strftime("%m-%d")  # the hour each reading closes
    by_day = r.groupby(day)[["long_swept", "short_swept"]].sum()
    # 2022-01-21: 40,689 -> 36,515 (low 35,399); the calm 2022-01-19 moved 3.5 % high to low
    assert by_day.loc["01-21", "long_swept"] > 5.0 * by_day.loc["01-19", "long_swept"]
    assert by_day.loc["01-21", "long_swept"] > 5.0 * by_day.loc["01-21", "short_swept"]
    assert by_day["long_swept"].idxmax() in ("01-21", "01-22", "01-24")  # the sell-off days, not the calm ones
    # 2022-01-24: a new low at 32,837, then +14 % to 37,596: shorts opened near the low are liquidated
    assert by_day.loc["01-24", "short_swept"] > 0.0


def test_funding_moves_the_levels_by_what_was_paid(crash):
    e, r = crash
    assert r["charged"].iloc[-1] > 0.0
    np.testing.assert_allclose(r["funding_index"], r["charged"], rtol=1e-12)
    assert e.funding_index == pytest.approx(sum(r["close"][r["ts"] % (8 * NS_HOUR) == 0]) * FUNDING, rel=1e-12)
