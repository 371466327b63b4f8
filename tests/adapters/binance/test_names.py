"""File names of data.binance.vision archives."""

import pytest

from liqheat_nautilus.adapters.binance.loaders import parse_binance_name, plan_file
from liqheat_nautilus.persistence.errors import IngestError


@pytest.mark.parametrize(("name", "symbol", "kind", "interval", "monthly", "coin_m", "interval_ns"), [
    ("BTCUSDT-1m-2024-01-01.zip", "BTCUSDT", "klines", "1m", False, False, 60_000_000_000),
    ("BTCUSDT-4h-2024-01.zip", "BTCUSDT", "klines", "4h", True, False, 4 * 3_600_000_000_000),
    ("BTCUSD_PERP-aggTrades-2026-05-08.zip", "BTCUSD_PERP", "aggTrades", "", False, True, 0),
    ("BTCUSDT-fundingRate-2026-04.zip", "BTCUSDT", "fundingRate", "", True, False, 0),
    ("ETHUSDT-metrics-2024-03-02.csv", "ETHUSDT", "metrics", "", False, False, 0),
    ("BTCUSDT-trades-2024-03-02.csv", "BTCUSDT", "trades", "", False, False, 0),
])
def test_names(name, symbol, kind, interval, monthly, coin_m, interval_ns):
    parsed = parse_binance_name(f"/some/dir/{name}")
    assert (parsed.symbol, parsed.kind, parsed.interval, parsed.is_monthly, parsed.is_coin_margined,
            parsed.interval_ns) == (symbol, kind, interval, monthly, coin_m, interval_ns)


def test_bad_name():
    with pytest.raises(IngestError, match="not a data.binance.vision name"):
        parse_binance_name("BTCUSDT-bookDepth-2024-01-01.zip")


@pytest.mark.parametrize(("kind", "instrument_id", "missing"), [
    ("aggTrades", None, "--instrument-id"),
    (None, "BTCUSDT-PERP.BINANCE", "--kind"),
    (None, None, "--kind and --instrument-id"),
])
def test_a_renamed_file_names_the_options_it_needs(kind, instrument_id, missing):
    # the error said only that the name is not an archive name, not which option would ingest it
    with pytest.raises(IngestError, match=f"not a data.binance.vision name .*; a renamed file needs {missing} "):
        plan_file("/data/mytrades.csv", instrument_id=instrument_id, kind=kind)


@pytest.mark.parametrize("name", ["BTC-PERP-1m-2022-01.csv", "BTCUSDT-1m-2024-04-01.zip"])
def test_an_instrument_of_another_venue_is_named_as_such(name):
    # was: "file is for symbol 'BTC', whose instrument id is 'BTC-PERP.BINANCE', not 'BTC-PERP.FTX'" (a symbol read
    # back from the id the user gave), or the mismatch of a file name's symbol
    with pytest.raises(IngestError, match=r"'BTC-PERP\.FTX' is not a Binance instrument") as caught:
        plan_file(name, "BTC-PERP.FTX", "klines", "1m")
    assert caught.value.field == "--instrument-id"
