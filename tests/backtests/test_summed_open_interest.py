"""A backtest sums the open interest of every instrument in a map actor's ``oi_instrument_ids``, as a live node does.

The catalog (``two_venue_catalog``, tests/conftest.py) is the real OKX sample plus the open interest of a second
instrument, ``SOLUSDT-LINEAR.BYBIT``: SYNTHETIC readings (half of each real OKX reading, at the same times). The
backtest was refused before ("summing venues is for live nodes").
"""

from pathlib import Path

import pytest
from nautilus_trader.backtest.node import BacktestNode

from liqheat_nautilus.backtest.config import load_backtest_file, to_run_config
from liqheat_nautilus.backtest.runner import check_catalog
from liqheat_nautilus.paths import config_dir
from tests.conftest import SECOND_VENUE as BYBIT

OKX = "SOL-USDT-SWAP.OKX"
END = "2026-06-12T12:00"


def _file(tmp_path: Path, catalog: Path, oi_ids: list[str] | None) -> Path:
    text = (config_dir() / "liquidation_hunt.toml").read_text()
    text = text.replace('catalog = "catalog/build/okx_sol_usdt_swap"', f'catalog = "{catalog}"', 1)
    text = text.replace("[data]\n", f'[data]\nend = "{END}"\n', 1)
    if oi_ids is not None:
        text = text.replace("n_bins = 1000\n", f"n_bins = 1000\noi_instrument_ids = {oi_ids!r}\n".replace("'", '"'), 1)
    path = tmp_path / "summed.toml"
    path.write_text(text)
    return path


def _map_open_interest(path: Path) -> float:
    spec = load_backtest_file(path)
    check_catalog(spec)
    config = to_run_config(spec)
    node = BacktestNode(configs=[config])
    try:
        node.run()
        actor = node.get_engine(config.id).trader.actors()[0]
        assert actor.snapshots_published > 0
        return actor.map.engine.open_interest_usd
    finally:
        node.dispose()


def test_the_map_is_fed_the_sum_of_both_venues(two_venue_catalog, tmp_path):
    alone = _map_open_interest(_file(tmp_path, two_venue_catalog, None))
    summed = _map_open_interest(_file(tmp_path, two_venue_catalog, [OKX, BYBIT]))
    assert alone > 1e6
    assert summed == pytest.approx(1.5 * alone, rel=1e-12)
    # the other venue alone drives the map too (the OKX readings are replayed but not summed)
    assert _map_open_interest(_file(tmp_path, two_venue_catalog, [BYBIT])) == pytest.approx(0.5 * alone, rel=1e-12)


def test_the_run_reads_only_the_listed_instruments_open_interest(two_venue_catalog, tmp_path):
    config = to_run_config(load_backtest_file(_file(tmp_path, two_venue_catalog, [OKX, BYBIT])))
    summed = [d for d in config.data if d.metadata == {"instrument_id": BYBIT}]
    assert len(summed) == 1 and summed[0].instrument_id is None and BYBIT in summed[0].filter_expr
    assert [d for d in config.data if d.metadata == {"instrument_id": OKX}]  # the instrument's own inputs stay


def test_an_instrument_without_open_interest_in_the_catalog_is_named(two_venue_catalog, tmp_path):
    spec = load_backtest_file(_file(tmp_path, two_venue_catalog, [OKX, "BTCUSDT-PERP.BINANCE"]))
    with pytest.raises(ValueError, match=r"actors\[0\].config.oi_instrument_ids: .* no open interest of "
                                         r"BTCUSDT-PERP.BINANCE .* would never update"):
        check_catalog(spec)


def test_a_map_profile_with_inverse_true_over_a_linear_instrument_is_refused_before_the_run(okx_catalog, tmp_path):
    # the actor took the instrument's contract and the run went on as if the profile said nothing
    from liqheat_nautilus.core.profile import dump_profile

    profile = dump_profile(tmp_path / "inv.toml", {"inverse": True, "half_life_hours": 12.0}, {})
    path = _file(tmp_path, okx_catalog, None)
    path.write_text(path.read_text().replace("n_bins = 1000\n", f'n_bins = 1000\nmap_profile = "{profile}"\n', 1))
    with pytest.raises(ValueError, match=r"actors\[0\].config: map_profile .*inv\.toml: inverse = true contradicts "
                                         r"the instrument SOL-USDT-SWAP\.OKX, which is linear"):
        check_catalog(load_backtest_file(path))
