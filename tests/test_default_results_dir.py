"""One rule for where the commands write by default: ``results/`` of the project root (``paths.default_results_dir``),
not of the current folder; an explicit ``--out`` is used as given (relative: to the current folder).

``calibrate --out`` used to default to ``./results`` of the current folder while ``backtest``, ``plot`` and ``sweep``
wrote under the project root, so the profile and the backtests of one project ended up in two places."""

from pathlib import Path

import pytest

from liqheat_nautilus.paths import default_results_dir, project_root
from tests.cli_run import call_liqheat

QUICK = ("--windows", "40", "--trials", "1", "--folds", "1")  # the shipped Coinglass set, about a second


@pytest.fixture
def home_elsewhere(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """``$LIQHEAT_HOME``: a folder with the shipped ``catalog/`` and ``config/`` (links); cwd: another."""
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    for name in ("catalog", "config"):
        (home / name).symlink_to(project_root() / name, target_is_directory=True)
    monkeypatch.setenv("LIQHEAT_HOME", str(home))
    monkeypatch.chdir(elsewhere)
    return home, elsewhere


def test_calibrate_writes_its_profile_under_the_project_root_by_default(home_elsewhere, capsys):
    home, elsewhere = home_elsewhere
    assert default_results_dir() == home / "results"
    proc = call_liqheat(capsys, "calibrate", *QUICK)
    assert proc.returncode == 0, proc.stderr
    written = home / "results" / "calibrated_profile.toml"
    assert written.is_file() and f"profile written to {written}" in proc.stdout
    assert not (elsewhere / "results").exists()  # before: ./results/calibrated_profile.toml of the current folder


def test_an_explicit_relative_out_is_relative_to_the_current_folder(home_elsewhere, capsys):
    home, elsewhere = home_elsewhere
    proc = call_liqheat(capsys, "calibrate", *QUICK, "--out", "mine/p.toml")
    assert proc.returncode == 0, proc.stderr
    assert (elsewhere / "mine" / "p.toml").is_file() and not (home / "results").exists()


def test_sweep_backtest_and_plot_defaults_are_under_the_same_folder(home_elsewhere):
    from liqheat_nautilus.cli import build_parser
    from liqheat_nautilus.sweep import load_grid
    from liqheat_nautilus.sweep.runner import default_out_dir

    home, _ = home_elsewhere
    grid = load_grid(home / "config" / "grids" / "liquidation_hunt_grid.toml")
    assert default_out_dir(grid) == home / "results" / "sweeps" / "liquidation_hunt_grid"
    parser = build_parser()  # no option default is a relative results/ folder, resolved against the current folder
    for argv in (["backtest"], ["plot", "map"], ["sweep", "--grid", "g.toml"], ["calibrate"]):
        args = parser.parse_args(argv)
        out = getattr(args, "results_dir", None) or getattr(args, "out", None)
        assert out is None, (argv, out)
