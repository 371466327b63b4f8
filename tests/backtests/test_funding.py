"""FundingModule: a position held across a funding time pays/receives exactly rate x notional at the mark.
SYNTHETIC prices and rates (see conftest); expected amounts computed by hand in the comments."""

import pytest
from nautilus_trader.config import ImportableActorConfig

from liqheat_nautilus.backtest import load_backtest_file, to_run_config
from liqheat_nautilus.paths import config_dir
from liqheat_nautilus.simulation import FundingModule


def test_long_pays_positive_funding_at_the_mark(funding_market):
    # long 1000 SOL opened at 100; the close is 101 at minute 10 when a +0.01 % funding settles:
    # notional 1000 x 101 = 101,000 USDT; the long pays 0.0001 x 101,000 = 10.10 USDT
    m = funding_market([100.0] * 5 + [101.0] * 10)
    m.funding(10, 0.0001)
    s = m.open_once(side="BUY", quantity="1000")
    assert s.balances[11] - s.balances[10] == pytest.approx(-10.10, abs=1e-8)
    assert s.balances[10] == s.balances[2]  # nothing else moved the balance in between
    [payment] = m.module.payments
    assert (payment.side, payment.quantity, payment.mark, payment.notional) == ("LONG", 1000.0, 101.0, 101_000.0)
    assert payment.amount == pytest.approx(-10.10, abs=1e-12)
    assert m.module.totals() == {"USDT": pytest.approx(-10.10, abs=1e-12)}


@pytest.mark.parametrize(("side", "rate", "expected"), [
    ("SELL", 0.0001, +10.10),   # the short receives
    ("BUY", -0.0002, +20.20),   # negative rate: the long receives 0.0002 x 101,000
    ("SELL", -0.0002, -20.20),  # and the short pays
])
def test_sign_convention(funding_market, side, rate, expected):
    m = funding_market([100.0] * 5 + [101.0] * 10)
    m.funding(10, rate)
    s = m.open_once(side=side, quantity="1000")
    assert s.balances[11] - s.balances[10] == pytest.approx(expected, abs=1e-8)


def test_no_position_no_payment_and_duplicates_apply_once(funding_market):
    # funding at minute 2 comes before the position (opened at bar 4); minute 8 is sent twice
    m = funding_market([100.0] * 12)
    m.funding(2, 0.0001)
    m.funding(8, 0.0001)
    m.funding(8, 0.0001)
    s = m.open_once(side="BUY", quantity="1000", open_at=4)
    [payment] = m.module.payments
    assert payment.amount == pytest.approx(-10.0, abs=1e-12)  # 0.0001 x 1000 x 100, once
    assert s.balances[3] == s.balances[0]


def test_nautilus_funding_rate_update_is_applied(funding_market):
    # Nautilus' own FundingRateUpdate (not catalog-writable in 1.221, but usable in BacktestEngine.add_data)
    m = funding_market([100.0] * 12)
    m.funding_update(6, "0.0003")
    s = m.open_once(side="SELL", quantity="500")
    assert s.balances[7] - s.balances[6] == pytest.approx(0.0003 * 500 * 100.0, abs=1e-8)  # short receives 15


def test_shipped_configs_put_the_module_on_the_venue():
    spec = load_backtest_file(config_dir() / "liquidation_hunt.toml")
    [venue] = to_run_config(spec).venues
    [module] = venue.modules
    assert isinstance(module, ImportableActorConfig)
    assert module.actor_path == "liqheat_nautilus.simulation.funding:FundingModule"
    from nautilus_trader.common.config import ActorFactory

    assert isinstance(ActorFactory.create(module), FundingModule)


def test_funding_on_without_rates_in_the_catalog_is_warned_about(okx_catalog, tmp_path, capsys):
    # the real OKX sample without its funding file: the run said only "funding +0.00 over 0 payments"
    import shutil

    from liqheat_nautilus.cli import main

    catalog = tmp_path / "no_funding"
    shutil.copytree(okx_catalog, catalog)
    shutil.rmtree(catalog / "data" / "custom_funding_rate")
    text = (config_dir() / "liquidation_hunt.toml").read_text()
    text = text.replace('catalog = "catalog/build/okx_sol_usdt_swap"', f'catalog = "{catalog}"', 1)
    path = tmp_path / "run.toml"
    path.write_text(text.replace("[data]\n", '[data]\nend = "2026-06-12T12:00"\n', 1))
    capsys.readouterr()
    assert main(["backtest", "--config", str(path), "--no-reports", "--no-progress"]) == 0  # a warning, not a refusal
    warnings = [line for line in capsys.readouterr().out.splitlines() if "WARNING" in line]
    assert warnings == [f"  WARNING          no FundingRate data for SOL-USDT-SWAP.OKX in {catalog} between "
                        "2026-06-11 15:25:00+00:00 and 2026-06-12 12:00:00+00:00; funding not charged (ingest the "
                        "rates, e.g. `liqheat catalog ingest csv --funding`, or set [venue] funding = false)"]
    from liqheat_nautilus.backtest.runner import funding_warning

    spec = load_backtest_file(path)
    # without [data] end: the bars' span is named
    assert "between 2026-06-11 15:25:00+00:00 and 2026-06-26 15:24:00+00:00;" in funding_warning(
        load_backtest_file(config_dir() / "liquidation_hunt.toml").with_catalog(catalog))
    # funding off, or rates in the catalog: no warning
    off = tmp_path / "off.toml"
    off.write_text(path.read_text().replace("funding = true", "funding = false"))
    assert funding_warning(load_backtest_file(off)) == ""
    assert funding_warning(spec.with_catalog(okx_catalog)) == ""
