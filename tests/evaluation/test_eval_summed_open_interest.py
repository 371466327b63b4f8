"""``liqheat evaluate`` / ``calibrate --dataset catalog --oi-instrument-ids``: the map sized on open interest summed
over several instruments, as a map actor with ``oi_instrument_ids`` sizes it.

The catalog (``two_venue_catalog``, tests/conftest.py) is the real OKX sample plus a SYNTHETIC second instrument,
``SOLUSDT-LINEAR.BYBIT``, whose readings are half of each OKX reading at the same times: summed over both the open
interest is 1.5 times OKX's, over the second alone 0.5 times. The liquidation windows are SYNTHETIC (the ramp of
test_eval_catalog_input.py): only the plumbing is checked, not the figures' meaning.
"""

import json
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest

from liqheat_nautilus.cli import build_parser
from liqheat_nautilus.cli.evaluate_cmd import load_data
from tests.cli_run import assert_clean_failure, call_liqheat
from tests.conftest import SECOND_VENUE

OKX = "SOL-USDT-SWAP.OKX"


def _catalog_args(catalog: Path, liquidations: Path) -> list[str]:
    return ["--dataset", "catalog", "--catalog", str(catalog), "--instrument-id", OKX, "--liquidations",
            str(liquidations)]


def _load(catalog: Path, liquidations: Path, *extra: str):
    """The command's own parse and read (``evaluate_cmd.load_data``) of the catalog dataset."""
    return load_data(build_parser().parse_args(["evaluate", *_catalog_args(catalog, liquidations), *extra]))


def test_the_read_open_interest_is_the_sum_of_the_listed_instruments(two_venue_catalog, synthetic_liquidations):
    alone = _load(two_venue_catalog, synthetic_liquidations).open_interest
    both = _load(two_venue_catalog, synthetic_liquidations, "--oi-instrument-ids", OKX, SECOND_VENUE)
    second = _load(two_venue_catalog, synthetic_liquidations, "--oi-instrument-ids", SECOND_VENUE).open_interest
    assert len(alone) > 100
    for summed, factor in ((both.open_interest, 1.5), (second, 0.5)):
        np.testing.assert_array_equal(summed.ts_ns, alone.ts_ns)
        np.testing.assert_allclose(summed.value, factor * alone.value, rtol=1e-12)
        np.testing.assert_allclose(summed.base, factor * alone.base, rtol=1e-12)
    assert f"open interest summed over {OKX} + {SECOND_VENUE}" in both.source


def test_a_stale_instrument_holds_the_sum_back_after_oi_max_age_secs(two_venue_catalog, synthetic_liquidations,
                                                                   tmp_path):
    from nautilus_trader.model.identifiers import InstrumentId
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.data import OpenInterest

    catalog = tmp_path / "three"
    shutil.copytree(two_venue_catalog, catalog)
    cat = ParquetDataCatalog(str(catalog))
    okx = sorted((d.data for d in cat.query(OpenInterest, identifiers=[OKX])), key=lambda d: d.ts_event)
    third = InstrumentId.from_str("SOLUSDT-PERP.BINANCE")
    # SYNTHETIC: a third instrument that reports only with the first 24 OKX readings, then never again
    cat.write_data([OpenInterest(instrument_id=third, venue="BINANCE", open_interest_usd=1e6, open_interest_base=1e4,
                                 ts_event=d.ts_event, ts_init=d.ts_init) for d in okx[:24]])
    ids = ("--oi-instrument-ids", OKX, str(third))
    never_stale = _load(catalog, synthetic_liquidations, *ids).open_interest
    hour = _load(catalog, synthetic_liquidations, *ids, "--oi-max-age-secs", "3600").open_interest
    okx_ts = np.array([d.ts_event for d in okx])
    assert len(never_stale) == okx_ts.size  # the last reading counts forever without a maximum age
    expected = okx_ts[okx_ts <= okx[23].ts_event + 3600 * 10**9]
    np.testing.assert_array_equal(hour.ts_ns, expected)
    assert 24 <= expected.size < okx_ts.size


def _evaluate_totals(capsys, tmp_path, catalog, liquidations, *extra) -> tuple[float, float, str]:
    out = tmp_path / "report.json"
    proc = call_liqheat(capsys, "evaluate", *_catalog_args(catalog, liquidations), "--no-grid", "--bootstrap", "0",
                        "--json", out, *extra)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    run = report["runs"][0]
    return run["long"]["estimated_total_usd"], run["short"]["estimated_total_usd"], report["source"]


def test_evaluate_judges_the_map_sized_on_the_summed_open_interest(two_venue_catalog, synthetic_liquidations,
                                                                  tmp_path, capsys):
    long_1, short_1, source_1 = _evaluate_totals(capsys, tmp_path, two_venue_catalog, synthetic_liquidations)
    long_2, short_2, source_2 = _evaluate_totals(capsys, tmp_path, two_venue_catalog, synthetic_liquidations,
                                                 "--oi-instrument-ids", OKX, SECOND_VENUE, "--oi-max-age-secs", "0")
    long_h, short_h, _ = _evaluate_totals(capsys, tmp_path, two_venue_catalog, synthetic_liquidations,
                                          "--oi-instrument-ids", SECOND_VENUE)
    assert long_1 > 0 and short_1 > 0
    # the map's notional scales with the open interest it is sized on
    assert (long_2, short_2) == pytest.approx((1.5 * long_1, 1.5 * short_1), rel=1e-9)
    assert (long_h, short_h) == pytest.approx((0.5 * long_1, 0.5 * short_1), rel=1e-9)
    assert "summed" not in source_1 and f"summed over {OKX} + {SECOND_VENUE}" in source_2


def test_calibrate_fits_the_summed_map_and_says_so_in_the_profile(two_venue_catalog, synthetic_liquidations,
                                                                 tmp_path, capsys):
    quick = ("--trials", "1", "--folds", "1", "--seed", "3")
    shares = []
    for name, extra in (("alone", ()), ("both", ("--oi-instrument-ids", OKX, SECOND_VENUE))):
        out = tmp_path / f"{name}.toml"
        proc = call_liqheat(capsys, "calibrate", *_catalog_args(two_venue_catalog, synthetic_liquidations), *quick,
                            "--out", out, *extra)
        assert proc.returncode == 0, proc.stderr
        profile = tomllib.loads(out.read_text())
        assert ("summed over" in profile["calibration"]["data"]) == bool(extra), profile["calibration"]
        assert profile["calibration"]["instrument_id"] == OKX  # the map's instrument (--instrument-id)
        shares.append(profile["map"]["leveraged_share"])
    # the same trial (ranks do not change with the scale); the share of the open interest that is leveraged, fitted
    # to the actual totals, is 1/1.5 of the single venue's: the fit saw 1.5 times the open interest
    assert shares[0] > 0 and shares[1] == pytest.approx(shares[0] / 1.5, rel=1e-9)


@pytest.mark.parametrize("command", ["evaluate", "calibrate"])
@pytest.mark.parametrize(("argv", "expected"), [
    (["--oi-instrument-ids", OKX], "--oi-instrument-ids does not apply to --dataset coinglass (only to --dataset "
                                   "catalog)"),
    (["--dataset", "csv", "--bars", "b.csv", "--open-interest", "o.csv", "--liquidations", "l.csv",
      "--oi-instrument-ids", OKX, "--oi-max-age-secs", "60"], "does not apply to --dataset csv"),
    (["--catalog", "c", "--instrument-id", OKX, "--oi-max-age-secs", "-1", "--oi-instrument-ids", OKX],
     "--oi-max-age-secs must be >= 0, got -1"),
    (["--catalog", "c", "--instrument-id", OKX, "--oi-max-age-secs", "60"],
     "--oi-max-age-secs applies only with --oi-instrument-ids"),
    (["--catalog", "c", "--instrument-id", OKX, "--oi-instrument-ids", "SOLUSDT"],
     "--oi-instrument-ids: 'SOLUSDT' is not a Nautilus instrument id"),
    (["--catalog", "c", "--instrument-id", OKX, "--oi-instrument-ids", OKX, SECOND_VENUE, OKX],
     f"--oi-instrument-ids lists {OKX} more than once"),
])
def test_summed_oi_options_that_cannot_apply_are_refused_by_name(capsys, tmp_path, command, argv, expected):
    # usage errors: refused before any file is read (exit 2), the option named
    out = ["--out", tmp_path / "p.toml"] if command == "calibrate" else ["--no-grid"]
    proc = call_liqheat(capsys, command, *argv, *out)
    assert proc.returncode == 2
    assert_clean_failure(proc, expected)
    assert not (tmp_path / "p.toml").exists()


@pytest.mark.parametrize("command", ["evaluate", "calibrate"])
def test_an_instrument_without_open_interest_names_it_and_the_option(capsys, tmp_path, two_venue_catalog,
                                                                    synthetic_liquidations, command):
    out = ["--out", tmp_path / "p.toml"] if command == "calibrate" else ["--no-grid"]
    proc = call_liqheat(capsys, command, *_catalog_args(two_venue_catalog, synthetic_liquidations),
                        "--oi-instrument-ids", OKX, "BTCUSDT-PERP.BINANCE", *out)
    assert proc.returncode == 1
    assert_clean_failure(proc, f"{command} failed: {two_venue_catalog}", "--oi-instrument-ids: the catalog has no "
                         "open interest of BTCUSDT-PERP.BINANCE", "would never update")
