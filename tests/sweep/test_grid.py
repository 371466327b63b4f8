"""The grid file: errors name the file and field; the expansion is the Cartesian product of the axes, each cell a
complete backtest file keyed by its content. No Ray here."""

import importlib.util
from pathlib import Path

import msgspec
import pytest

from liqheat_nautilus.cli import main
from liqheat_nautilus.paths import config_dir, project_root
from liqheat_nautilus.sweep import expand, load_grid
from liqheat_nautilus.sweep.grid import cell_key

BASE = config_dir() / "liquidation_hunt.toml"


def write(tmp_path: Path, text: str, name: str = "grid.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_example_grid_expands_to_the_product(tmp_path):
    grid_path = project_root() / "config" / "grids" / "liquidation_hunt_grid.toml"
    grid = load_grid(grid_path)
    cells = expand(grid, grid_path)
    assert len(cells) == 2 * 2 * 2
    assert len({c.key for c in cells}) == 8
    combos = {(c.axes["strategy.min_strength"], c.axes["actor.leverage_profile"], c.axes["period"]) for c in cells}
    assert combos == {(s, p, w) for s in (0.5, 0.7) for p in ("neutral", "aggressive")
                      for w in ("first week", "second week")}
    for c in cells:
        (strategy,) = c.spec.strategies
        (actor,) = c.spec.actors
        assert strategy.config["min_strength"] == c.axes["strategy.min_strength"]
        assert actor.config["leverage_profile"] == c.axes["actor.leverage_profile"]
        assert (c.spec.data.start, c.spec.data.end) == (c.axes["start"], c.axes["end"])
        assert Path(c.spec.data.catalog).is_absolute()
        # untouched fields come from the base file
        assert strategy.config["max_distance_pct"] == 2.0 and actor.config["model"] == "isolated_mmr"
    # two weeks of equal length, back to back (both bounds inclusive): the second ended a minute late
    import pandas as pd

    weeks = sorted({(pd.Timestamp(c.axes["start"]), pd.Timestamp(c.axes["end"])) for c in cells})
    assert [end - start for start, end in weeks] == [pd.Timedelta(days=7) - pd.Timedelta(minutes=1)] * 2
    assert weeks[1][0] - weeks[0][1] == pd.Timedelta(minutes=1)


def test_key_is_the_hash_of_the_whole_config(tmp_path):
    grid = load_grid(write(tmp_path, f'name = "g"\nbase = "{BASE}"\n[axes.strategy]\nmin_strength = [0.5, 0.7]\n'))
    a = expand(grid)
    again = expand(grid)
    assert [c.key for c in a] == [c.key for c in again]  # stable across runs
    # the same cell through another base file that differs in one field gets another key
    base2 = write(tmp_path, BASE.read_text().replace("max_positions = 1", "max_positions = 2"), "base2.toml")
    b = expand(load_grid(write(tmp_path, f'name = "g"\nbase = "{base2}"\n[axes.strategy]\nmin_strength = [0.5, 0.7]\n',
                                "g2.toml")))
    assert {c.key for c in a}.isdisjoint(c.key for c in b)
    # and the key is the config's hash, not the cell's position
    swapped = msgspec.structs.replace(a[0].spec, name="other")
    assert cell_key(swapped) != a[0].key


def test_several_bases_and_instrument_switch(tmp_path):
    oi = config_dir() / "oi_sizing.toml"
    grid = load_grid(write(tmp_path, f'name = "g"\nbase = ["{BASE}", "{oi}"]\n'
                                     '[axes]\ninstruments = ["SOL-USDT-SWAP.OKX", "BTCUSDT-PERP.BINANCE"]\n'))
    cells = expand(grid)
    assert len(cells) == 4
    assert {c.axes["backtest"] for c in cells} == {"liquidation_hunt", "oi_sizing"}
    btc = next(c for c in cells if c.axes["instrument"] == "BTCUSDT-PERP.BINANCE")
    assert btc.spec.data.instrument_id == "BTCUSDT-PERP.BINANCE" and btc.spec.venue.name == "BINANCE"
    for component in (*btc.spec.actors, *btc.spec.strategies):
        assert component.config["instrument_id"] == "BTCUSDT-PERP.BINANCE"
        assert component.config["bar_type"] == "BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"
    assert btc.label.startswith(btc.spec.name) and "instrument=BTCUSDT-PERP.BINANCE" in btc.label


def test_dotted_fields_venue_and_url_catalogs(tmp_path):
    oi = config_dir() / "oi_sizing.toml"
    grid = load_grid(write(tmp_path, f'name = "g"\nbase = "{oi}"\n'
                                     '[axes]\ncatalogs = ["relative/cat", "s3://bucket/cat"]\n'
                                     '[axes.strategy]\n"oi_sizer.base_multiplier" = [0.25]\n'
                                     '[axes.venue]\ndefault_leverage = [3.0, 5.0]\n'))
    cells = expand(grid)
    assert len(cells) == 4
    catalogs = {c.spec.data.catalog for c in cells}
    assert catalogs == {str((project_root() / "relative/cat").resolve()), "s3://bucket/cat"}
    for c in cells:
        sizer = c.spec.strategies[0].config["oi_sizer"]
        assert sizer["base_multiplier"] == 0.25 and sizer["oi_multipliers"] == [1.5, 1.0]  # the rest kept
        assert c.spec.venue.default_leverage == c.axes["venue.default_leverage"]
    url = next(c for c in cells if c.spec.data.catalog.startswith("s3://"))
    location = url.spec.catalog_location()
    assert location == {"catalog_path": "bucket/cat", "catalog_fs_protocol": "s3"}


@pytest.mark.parametrize(("body", "expected"), [
    ('name = "g"\nbase = "B"\nsortby = "sharpe"\n', "sortby"),
    ('name = "g"\nbase = "B"\n[axes]\nstrategies = {min_strength = [1]}\n', "strategies"),
    ('name = "g"\nbase = "B"\n[axes.strategy]\nmin_strength = []\n', "axes.strategy.min_strength"),
    ('name = "g"\nbase = "B"\n[axes]\nperiods = []\n', "axes.periods"),
    ('name = "g"\nbase = "B"\n[[axes.periods]]\nstart = "June"\n', "'axes.periods[0]' start: not a time"),
    ('name = "g"\nbase = "B"\n[[axes.periods]]\nstart = "2026-06-12"\nend = "2026-06-11"\n', "'axes.periods[0]' end"),
    # two periods of one name: --dry-run and the table listed different periods' cells under the same name
    ('name = "g"\nbase = "B"\n[[axes.periods]]\nname = "w"\nend = "2026-06-18"\n[[axes.periods]]\nname = "w"\n'
     'start = "2026-06-18"\n', "field 'axes.periods[1]': its name 'w' is that of axes.periods[0]"),
    ('name = "g"\nbase = "B"\n[[axes.periods]]\nstart = "2026-06-18"\n[[axes.periods]]\nstart = "2026-06-18"\n',
     "its name '2026-06-18..end' is that of axes.periods[0]"),
    ('name = "g"\nbase = "B"\nsort_by = "pnl"\n', "sort_by"),
    ('name = "g"\nbase = "B"\n[axes.venue]\nleverage = [1.0]\n', "axes.venue.leverage"),
    # --dry-run said "to run"; every cell then failed on it after Ray had started
    ('name = "g"\nbase = "B"\nlog_level = "LOUD"\n', "field 'log_level' must be one of"),
    ('base = "B"\n', "name"),
    ('name = "../up"\nbase = "B"\n', "[name]: expected a string matching"),
    ('name = "g"\nbase = "B"\n[axes]\ncatalogs = "one"\n',
     "[axes] catalogs: expected a list (or nothing), got a string"),
    # one value where a list is expected was named "[axes] strategy" (msgspec names a table's key "[...]")
    ('name = "g"\nbase = "B"\n[axes.strategy]\nmin_strength = 0.5\n',
     "field 'axes.strategy.min_strength': expected a list of values, got a number (one value is a list of one: "
     "min_strength = [0.5])"),
    ('name = "g"\nbase = "B"\n[axes.actor]\nmmr = [0.005]\nleverage_profile = "neutral"\n',
     "field 'axes.actor.leverage_profile': expected a list of values, got a string"),
    ('name = "g"\nbase = "B"\n[axes.strategy]\nmin_strength = [0.5]\n[axes.venue]\ndefault_leverage = {x = 1}\n',
     "field 'axes.venue.default_leverage': expected a list of values, got a table"),
])
def test_bad_grid_names_the_field(tmp_path, body, expected):
    path = write(tmp_path, body.replace('"B"', f'"{BASE}"'))
    with pytest.raises(ValueError, match="grid.toml") as info:
        load_grid(path)
    assert expected in str(info.value)


def test_unknown_strategy_or_actor_field_is_named_with_a_suggestion(tmp_path):
    path = write(tmp_path, f'name = "g"\nbase = "{BASE}"\n[axes.strategy]\nmin_strenght = [0.5]\n')
    with pytest.raises(ValueError, match=r"axes\.strategy\.min_strenght.*did you mean 'min_strength'"):
        expand(load_grid(path), path)
    path = write(tmp_path, f'name = "g"\nbase = "{BASE}"\n[axes.actor]\nleverage = [0.5]\n')
    with pytest.raises(ValueError, match=r"axes\.actor\.leverage.*LiquidationMapActorConfig"):
        expand(load_grid(path), path)
    path = write(tmp_path, f'name = "g"\nbase = "{BASE}"\n[axes.venue]\ndefault_leverage = ["high"]\n')
    with pytest.raises(ValueError, match=r"grid\.toml: cell .*default_leverage"):
        expand(load_grid(path), path)


@pytest.mark.parametrize(("section", "name", "owner", "right"), [
    ("actor", "min_strength", "strategies.liquidation_hunt:LiquidationHuntConfig", "strategy"),
    ("strategy", "leverage_profile", "liqheat_nautilus.actor:LiquidationMapActorConfig", "actor"),
])
def test_a_field_under_the_wrong_axis_names_the_right_one(tmp_path, section, name, owner, right):
    """A strategy field under [axes.actor] (or the reverse) was answered "did you mean 'instrument_id'?"."""
    path = write(tmp_path, f'name = "g"\nbase = "{BASE}"\n[axes.{section}]\n{name} = [0.5]\n')
    with pytest.raises(ValueError) as info:
        expand(load_grid(path), path)
    message = str(info.value)
    assert f"field 'axes.{section}.{name}'" in message and "has no field" in message
    assert f"it is a field of {owner}: put it under [axes.{right}]" in message and "did you mean" not in message


def test_cli_bad_grid_exits_1_without_traceback(tmp_path, capsys):
    path = write(tmp_path, f'name = "g"\nbase = "{BASE}"\n[axes.strategy]\nmin_strenght = [0.5]\n')
    assert main(["sweep", "--grid", str(path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "min_strenght" in err and "Traceback" not in err
    assert main(["sweep", "--grid", str(tmp_path / "missing.toml")]) == 1
    assert "grid file not found" in capsys.readouterr().err
    good = write(tmp_path, f'name = "g"\nbase = "{BASE}"\n', "good.toml")
    assert main(["sweep", "--grid", str(good), "--sort-by", "pnl"]) == 2  # a bad option value: a usage error
    assert "valid: total_return_pct" in capsys.readouterr().err


def test_dry_run_lists_the_cells(tmp_path, capsys):
    path = write(tmp_path, f'name = "g"\nbase = "{BASE}"\n[axes.actor]\nmmr = [0.004, 0.005, 0.006]\n')
    assert main(["sweep", "--grid", str(path), "--out", str(tmp_path / "out"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.count("to run") == 3 and "mmr=0.006" in out and "3 cells" in out
    assert not (tmp_path / "out").exists()


def test_dry_run_checks_that_each_cells_catalog_covers_it(tmp_path, capsys, okx_catalog):
    # the real OKX sample's bars span 2026-06-11 -> 2026-06-26: a period of 2020 and another instrument cannot run
    path = write(tmp_path, f'name = "g"\nbase = "{BASE}"\n[axes]\ncatalogs = ["{okx_catalog}"]\n'
                           'instruments = ["SOL-USDT-SWAP.OKX", "BTC-USDT-SWAP.OKX"]\n'
                           '[[axes.periods]]\nname = "old"\nstart = "2020-01-01"\nend = "2020-02-01"\n'
                           '[[axes.periods]]\nname = "in"\nstart = "2026-06-12"\nend = "2026-06-13"\n')
    assert main(["sweep", "--grid", str(path), "--out", str(tmp_path / "out"), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert out.count("CANNOT RUN") == 3 and out.count("to run") == 1 and "3 cannot run" in out
    assert "bars between start 2020-01-01 and end 2020-02-01; the catalog's bars span 2026-06-11" in out
    assert out.count("instrument BTC-USDT-SWAP.OKX is not in the catalog") == 2
    assert not (tmp_path / "out").exists()


def test_dry_run_names_a_catalog_url_whose_fsspec_driver_is_missing(tmp_path, capsys):
    # docs/sweep.md's grid has an s3:// catalog: without s3fs the dry run said so in a traceback
    if importlib.util.find_spec("s3fs") is not None:
        pytest.skip("s3fs is installed: the s3:// URL would be read")
    path = write(tmp_path, f'name = "g"\nbase = "{BASE}"\n[axes]\ncatalogs = ["s3://my-bucket/catalogs/okx"]\n')
    assert main(["sweep", "--grid", str(path), "--out", str(tmp_path / "out"), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "CANNOT RUN" in out and "catalog s3://my-bucket/catalogs/okx: Install s3fs to access S3" in out


def test_one_sweep_at_a_time_per_output_folder(tmp_path):
    from filelock import FileLock

    from liqheat_nautilus.sweep import Executor, run_sweep

    grid = load_grid(write(tmp_path, f'name = "g"\nbase = "{BASE}"\n'))
    out = tmp_path / "out"
    out.mkdir()
    with FileLock(str(out / ".sweep.lock")), Executor(in_process=True) as ex, \
            pytest.raises(ValueError, match="in use by another running sweep"):
        run_sweep(grid, ex, out, progress=False)
    assert not (out / "results.parquet").exists()


def test_a_bad_instrument_of_the_grid_is_named_as_the_grid_field(tmp_path):
    # the message named "--instrument", an option of `liqheat backtest` the user never gave
    grid_path = tmp_path / "g.toml"
    grid_path.write_text(f'name = "g"\nbase = "{project_root() / "config" / "liquidation_hunt.toml"}"\n[axes]\n'
                         'instruments = ["garbage"]\n')
    with pytest.raises(ValueError, match=r"\[axes\] instruments 'garbage' is not a Nautilus instrument id"):
        expand(load_grid(grid_path), grid_path)


def test_out_folder_holding_a_users_grid_toml_is_refused_and_kept(tmp_path, capsys):
    """``--out`` a folder of grid files holding its own grid.toml: that file was overwritten by the grid's copy."""
    from liqheat_nautilus.sweep import Executor, run_sweep

    grid = write(tmp_path, f'name = "g"\nbase = "{BASE}"\n[axes.strategy]\nmin_strength = [0.5]\n', "other.toml")
    folder = tmp_path / "grids"
    folder.mkdir()
    (folder / "grid.toml").write_text("# the user's own grid\n")
    assert main(["sweep", "--grid", str(grid), "--out", str(folder), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert f"{folder} holds a grid.toml that is not a sweep's" in err and "--out" in err
    with pytest.raises(ValueError, match="not a sweep's"), Executor(in_process=True) as ex:
        run_sweep(load_grid(grid), ex, folder, grid_path=grid, progress=False)
    assert (folder / "grid.toml").read_text() == "# the user's own grid\n" and sorted(folder.iterdir()) == [
        folder / "grid.toml"]
    (folder / "cells").mkdir()  # a sweep's folder (its earlier copy of the grid): resumed as before
    assert main(["sweep", "--grid", str(grid), "--out", str(folder), "--dry-run"]) == 0


def test_dry_run_names_the_grid_axis_for_an_instrument_not_in_the_catalog(okx_catalog, tmp_path, capsys):
    """A cell whose instrument (from axes.instruments) is not in its catalog: the hint names the grid's axis too."""
    path = write(tmp_path, f'name = "g"\nbase = "{BASE}"\n[axes]\ncatalogs = ["{okx_catalog}"]\n'
                           'instruments = ["SOL-USDT-SWAP.OKX", "BTC-USDT-SWAP.OKX"]\n')
    assert main(["sweep", "--grid", str(path), "--out", str(tmp_path / "out"), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "instrument BTC-USDT-SWAP.OKX is not in the catalog" in out and "it holds: SOL-USDT-SWAP.OKX" in out
    assert "axes.instruments" in out and "1 cannot run" in out


@pytest.mark.parametrize(("axes", "field", "value"), [
    ("[axes.strategy]\nmin_strength = [0.5, 0.7, 0.5]\n", "axes.strategy.min_strength", "0.5"),
    ("[axes.actor]\nbin_bps = [10, 10.0]\n", "axes.actor.bin_bps", "10.0"),
    ('[axes]\ninstruments = ["SOL-USDT-SWAP.OKX", "SOL-USDT-SWAP.OKX"]\n', "axes.instruments", '"SOL-USDT-SWAP.OKX"'),
])
def test_a_value_listed_twice_in_an_axis_is_refused(tmp_path, axes, field, value):
    """[0.5, 0.5] (meant [0.5, 0.6]) silently gave half the cells the axes promise; it is named now."""
    path = write(tmp_path, f'name = "g"\nbase = "{BASE}"\n{axes}')
    with pytest.raises(ValueError) as info:
        load_grid(path)
    assert f"grid.toml: field '{field}': the value {value} is listed twice" in str(info.value)


def test_true_and_1_are_different_axis_values(tmp_path):
    path = write(tmp_path, f'name = "g"\nbase = "{BASE}"\n[axes.strategy]\nmin_strength = [1, 0.5]\n'
                           '[axes.venue]\nfunding = [true, false]\n')
    assert len(expand(load_grid(path), path)) == 4


def test_a_field_of_only_one_base_files_strategy_names_that_file(tmp_path):
    """base = [liquidation_hunt, cluster_breakout] with a cluster_breakout-only field: it said "did you mean
    'max_stop_pct'?" about liquidation_hunt, as if the name were misspelt."""
    other = config_dir() / "cluster_breakout.toml"
    path = write(tmp_path, f'name = "g"\nbase = ["{BASE}", "{other}"]\n[axes.strategy]\nmax_chase_pct = [0.5]\n')
    with pytest.raises(ValueError) as info:
        expand(load_grid(path), path)
    message = str(info.value)
    assert "field 'axes.strategy.max_chase_pct': strategies.liquidation_hunt:LiquidationHuntConfig" in message
    assert f"only strategies.cluster_breakout:ClusterBreakoutConfig in {other} has it" in message
    assert "did you mean" not in message
    path = write(tmp_path, f'name = "g"\nbase = ["{BASE}", "{BASE}"]\n')
    with pytest.raises(ValueError, match=r"field 'base': the value .* is listed twice"):
        load_grid(path)
