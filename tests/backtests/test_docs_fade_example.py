"""docs/examples/fade_cluster.py (a strategy of the user's own on the map's signals, documented in
docs/backtests.md) runs as the docs say, through the real CLI on the REAL OKX sample, and trades."""

import re

import pandas as pd

from tests.cli_run import ROOT, assert_clean_failure, run_liqheat

EXAMPLES = ROOT / "docs" / "examples"
ENV = {"PYTHONPATH": f"{ROOT}:{EXAMPLES}"}


def test_the_fade_example_trades_on_the_map_signals(okx_catalog, tmp_path):
    proc = run_liqheat("backtest", "--config", EXAMPLES / "fade_cluster.toml", "--catalog", okx_catalog,
                       "--results-dir", tmp_path, "--no-report", "--no-progress", env=ENV, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    published = re.search(r"map signals +([\d,]+) clusters, [\d,]+ snapshots published; ([\d,]+) clusters received",
                          out)
    assert published and published[1] == published[2] != "0", out  # every published cluster reached it
    assert "WARNING" not in out
    positions = int(re.search(r"positions +(\d+)", out)[1])
    [folder] = tmp_path.iterdir()
    report = pd.read_csv(folder / "positions.csv")
    assert positions > 10 and len(report) == positions  # Nautilus' positions report
    assert (report["side"] == "FLAT").all()  # each bracket ended at its stop-loss or take-profit, or at the end
    fills = pd.read_csv(folder / "fills.csv")
    assert len(fills) == 2 * positions  # one entry and one exit each


def test_the_fade_example_without_a_map_actor_is_refused(tmp_path):
    text = (EXAMPLES / "fade_cluster.toml").read_text()
    head, rest = text.split("[[actors]]", 1)
    path = tmp_path / "no_actor.toml"
    path.write_text(head.replace('"catalog/build', f'"{ROOT}/catalog/build') + "[[strategies]]"
                    + rest.split("[[strategies]]", 1)[1])
    proc = run_liqheat("backtest", "--config", path, env=ENV)
    assert_clean_failure(proc, "strategies[0]: FadeCluster trades on the clusters of a LiquidationMapActor of "
                               "SOL-USDT-SWAP.OKX, but [[actors]] holds 0 liquidation-map actors")
