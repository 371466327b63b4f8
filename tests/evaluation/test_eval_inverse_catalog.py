"""``liqheat evaluate --dataset catalog`` on an inverse (coin-margined) instrument: the replay takes
``MapParams.inverse`` from the catalog's definition of the instrument (``MarketSeries.is_inverse``), as plot, serve
and the actor do; a ``--param inverse`` that contradicts the instrument is refused.

The catalog is the real OKX sample with its instrument definition replaced by a SYNTHETIC inverse one (same id,
10 USD a contract); the liquidation windows are SYNTHETIC (the ramp of tests/evaluation/conftest.py): only the
plumbing is checked, not the figures' meaning.
"""

import json
import shutil
from pathlib import Path

import pytest

from liqheat_nautilus.cli import build_parser
from liqheat_nautilus.cli.evaluate_cmd import load_data
from tests.cli_run import assert_clean_failure, call_liqheat

OKX = "SOL-USDT-SWAP.OKX"


def _inverse_copy(okx_catalog: Path, tmp_path: Path) -> Path:
    """The OKX sample catalog whose definition of the instrument is a SYNTHETIC inverse perpetual."""
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.adapters.common.instruments import PerpetualSpec, make_perpetual

    catalog = tmp_path / "inverse"
    shutil.copytree(okx_catalog, catalog)
    for folder in (catalog / "data").iterdir():
        if folder.name in ("crypto_perpetual", "instrument"):
            shutil.rmtree(folder)
    spec = PerpetualSpec(OKX, "SOL-USD-SWAP", "SOL", "USD", "SOL", "0.01", "1", multiplier="10", is_inverse=True)
    ParquetDataCatalog(str(catalog)).write_data([make_perpetual(spec)])
    return catalog


def _args(catalog: Path, liquidations: Path, *extra: str) -> list[str]:
    return ["evaluate", "--dataset", "catalog", "--catalog", str(catalog), "--instrument-id", OKX, "--liquidations",
            str(liquidations), "--models", "isolated_mmr", "--profiles", "neutral", "--bootstrap", "0", *extra]


def _long_totals(capsys, catalog: Path, liquidations: Path) -> list[float]:
    proc = call_liqheat(capsys, *_args(catalog, liquidations, "--json", "-"))
    assert proc.returncode == 0, proc.stderr
    return [run["long"]["estimated_total_usd"] for run in json.loads(proc.stdout)["runs"]]


def test_an_inverse_catalog_is_evaluated_with_the_inverse_formulas(okx_catalog, synthetic_liquidations, tmp_path,
                                                                  capsys):
    from liqheat_nautilus.replay import instrument_params

    inverse = _inverse_copy(okx_catalog, tmp_path)
    data = load_data(build_parser().parse_args(_args(inverse, synthetic_liquidations)))
    linear = load_data(build_parser().parse_args(_args(okx_catalog, synthetic_liquidations)))
    assert (data.is_inverse, linear.is_inverse) == (True, False)
    from liqheat_nautilus.core import MapParams

    assert instrument_params(MapParams(), data.market_series()).inverse is True
    with pytest.raises(ValueError, match=r"MapParams\(inverse=True\) contradicts the instrument EVALUATION"):
        instrument_params(MapParams(inverse=True), linear.market_series())  # was turned linear, silently
    # the same bars, open interest and windows: only the liquidation formulas differ (the old code ran both linear)
    assert _long_totals(capsys, inverse, synthetic_liquidations) != _long_totals(capsys, okx_catalog,
                                                                                 synthetic_liquidations)


def test_a_param_inverse_contradicting_the_instrument_is_refused(okx_catalog, synthetic_liquidations, tmp_path,
                                                                 capsys):
    inverse = _inverse_copy(okx_catalog, tmp_path)
    proc = call_liqheat(capsys, *_args(inverse, synthetic_liquidations, "--param", "inverse=false"))
    assert_clean_failure(proc, "evaluate failed", "inverse=false", "instrument, which is inverse")
    proc = call_liqheat(capsys, *_args(okx_catalog, synthetic_liquidations, "--param", "inverse=true"))
    assert_clean_failure(proc, "evaluate failed", "inverse=true", "instrument, which is linear")
    # agreeing with the instrument is accepted
    proc = call_liqheat(capsys, *_args(inverse, synthetic_liquidations, "--param", "inverse=true", "--json", "-"))
    assert proc.returncode == 0, proc.stderr


def test_a_profile_file_inverse_contradicting_the_instrument_is_refused_naming_the_file(okx_catalog,
                                                                                          synthetic_liquidations,
                                                                                          tmp_path, capsys):
    # was: each replay raised, a traceback on stderr, an "error" row in the report and exit 0
    from liqheat_nautilus.core.profile import dump_profile

    profile = dump_profile(tmp_path / "inv.toml", {"inverse": True, "half_life_hours": 12.0}, {})
    proc = call_liqheat(capsys, *_args(okx_catalog, synthetic_liquidations, "--profile-file", str(profile)))
    assert_clean_failure(proc, "evaluate failed", "inv.toml", "inverse = true", "instrument, which is linear")
    assert proc.stdout == ""


def test_the_coinglass_set_is_its_instrument_toml_s_linear_contract(tmp_path, capsys):
    # the set's instrument.toml defines BTCUSDT-PERP.BINANCE as linear, but its data did not say so: a profile or
    # --param with inverse = true evaluated (and calibrated) the linear perpetual with the inverse formulas, exit 0
    from liqheat_nautilus.core.profile import dump_profile
    from liqheat_nautilus.evaluation.coinglass import read_coinglass_dir

    assert read_coinglass_dir().is_inverse is False
    profile = dump_profile(tmp_path / "inv.toml", {"inverse": True, "half_life_hours": 12.0}, {})
    proc = call_liqheat(capsys, "evaluate", "--profile-file", str(profile), "--no-grid", "--windows", "30")
    assert_clean_failure(proc, "evaluate failed", "inv.toml", "inverse = true", "instrument, which is linear")
    proc = call_liqheat(capsys, "evaluate", "--param", "inverse=true", "--no-grid", "--windows", "30")
    assert_clean_failure(proc, "evaluate failed", "inverse=true", "instrument, which is linear")
