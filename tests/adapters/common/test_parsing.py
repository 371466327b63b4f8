"""The one open-interest / funding normaliser: every unit rule against hand-computed values.

Figures are SYNTHETIC round numbers chosen so the expected values can be checked by hand: a price of 70,000 USD,
80,000 BTC of open interest (5.6e9 USD), a linear contract of 0.01 BTC and an inverse contract of 100 USD.
"""

import math

import pytest
from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus.adapters.common.parsing import funding_rate_from_venue, open_interest_from_venue

IID = InstrumentId.from_str("BTC-PERP.TEST")
HOUR_NS = 3_600_000_000_000
NAN = math.nan


def _oi(**kwargs):
    return open_interest_from_venue(IID, "TEST", ts_event=1, ts_init=2, **kwargs)


@pytest.mark.parametrize(("inverse", "size", "given", "price", "expected"), [
    # linear, contract 0.01 BTC: contracts x 0.01 = base, base x price = USD
    (False, 0.01, {"contracts": 8_000_000.0}, 70_000.0, (8_000_000.0, 80_000.0, 5.6e9)),
    (False, 0.01, {"base": 80_000.0}, 70_000.0, (8_000_000.0, 80_000.0, 5.6e9)),
    (False, 0.01, {"contracts": 8_000_000.0, "usd": 5.6e9}, NAN, (8_000_000.0, 80_000.0, 5.6e9)),
    (False, 1.0, {"base": 80_000.0, "usd": 5.6e9}, NAN, (80_000.0, 80_000.0, 5.6e9)),
    (False, 0.01, {"usd": 5.6e9}, NAN, (NAN, NAN, 5.6e9)),  # USD only, no price: the rest stays unknown
    (False, 0.01, {"usd": 5.6e9}, 70_000.0, (8_000_000.0, 80_000.0, 5.6e9)),  # USD and a price: base = USD / price
    # inverse, contract 100 USD: contracts x 100 = USD, USD / 100 = contracts, USD / price = base (coin)
    (True, 100.0, {"contracts": 56_000_000.0}, 70_000.0, (56_000_000.0, 80_000.0, 5.6e9)),
    (True, 100.0, {"usd": 5.6e9}, 70_000.0, (56_000_000.0, 80_000.0, 5.6e9)),
    (True, 100.0, {"contracts": 56_000_000.0}, NAN, (56_000_000.0, NAN, 5.6e9)),  # no price: base unknown
    (True, 100.0, {"contracts": 56_000_000.0, "base": 80_100.0}, 70_000.0, (56_000_000.0, 80_100.0, 5.6e9)),
])
def test_open_interest_unit_rules(inverse, size, given, price, expected):
    oi = _oi(contract_size=size, inverse=inverse, price=price, **given)
    got = (oi.open_interest_contracts, oi.open_interest_base, oi.open_interest_usd)
    for value, want in zip(got, expected, strict=True):
        assert math.isnan(value) if math.isnan(want) else value == pytest.approx(want, rel=1e-12)
    assert (oi.instrument_id, oi.venue, oi.ts_event, oi.ts_init) == (IID, "TEST", 1, 2)


def test_open_interest_without_a_usd_value_is_none_and_bad_figures_are_errors():
    # a linear venue reporting base units only, before any price is known
    assert _oi(contract_size=1.0, inverse=False, base=80_000.0) is None
    assert _oi(contract_size=1.0, inverse=False, base=80_000.0, price=0.0) is None  # a zero price is no price
    assert _oi(contract_size=100.0, inverse=True) is None
    with pytest.raises(ValueError, match="usd must be >= 0"):
        _oi(contract_size=1.0, inverse=False, usd=-1.0)
    with pytest.raises(ValueError, match="contract size"):
        _oi(contract_size=0.0, inverse=False, usd=1.0)
    # a non-finite figure counts as not reported
    oi = _oi(contract_size=1.0, inverse=False, usd=math.inf, base=2.0, price=3.0)
    assert oi.open_interest_usd == 6.0


def test_funding_settled_record_and_venue_next_time():
    settled = funding_rate_from_venue(IID, 0.0001, interval_hours=8.0, ts_event=10 * HOUR_NS, ts_init=11)
    assert (settled.rate, settled.interval_hours, settled.next_funding_ns) == (0.0001, 8.0, 18 * HOUR_NS)
    assert (settled.ts_event, settled.ts_init) == (10 * HOUR_NS, 11)
    predicted = funding_rate_from_venue(IID, -0.0002, interval_hours=1.0, ts_event=5, ts_init=6,
                                        next_funding_ns=HOUR_NS)
    assert predicted.next_funding_ns == HOUR_NS
    unknown = funding_rate_from_venue(IID, 0.0, interval_hours=4.0, ts_event=5, ts_init=6, next_funding_ns=0)
    assert unknown.next_funding_ns == 0
    with pytest.raises(ValueError, match="finite"):
        funding_rate_from_venue(IID, math.nan, interval_hours=8.0, ts_event=0, ts_init=0)
    with pytest.raises(ValueError, match="interval"):
        funding_rate_from_venue(IID, 0.0001, interval_hours=0.0, ts_event=0, ts_init=0)


@pytest.mark.parametrize("hours", [0.0, -8.0, math.nan, math.inf, 169.0, 8760.0])
def test_a_funding_interval_out_of_range_is_refused_naming_the_field(hours):
    # only > 0 was checked: an interval of a year (a unit slip, days or minutes for hours) was stored as given
    with pytest.raises(ValueError, match=r"funding interval_hours must be a number > 0 and <= 168; got "):
        funding_rate_from_venue(IID, 0.0001, interval_hours=hours, ts_event=0, ts_init=0)
    assert funding_rate_from_venue(IID, 0.0001, interval_hours=168.0, ts_event=0, ts_init=0).interval_hours == 168.0
