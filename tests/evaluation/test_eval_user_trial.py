"""What a user trying evaluate/calibrate on their own (real, shipped) data ran into: each used to pass silently,
print a traceback, or show a zero-width interval as if it were precise."""

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from liqheat_nautilus.cli.evaluate_cmd import main as evaluate_main
from liqheat_nautilus.core.profile import dump_profile
from liqheat_nautilus.evaluation.attraction import cluster_attraction
from liqheat_nautilus.evaluation.checks import funding_units_note, oi_gap_note
from liqheat_nautilus.evaluation.coinglass import read_coinglass_dir
from liqheat_nautilus.evaluation.metrics import bootstrap_block
from liqheat_nautilus.evaluation.notes import profile_notes
from liqheat_nautilus.evaluation.report import _ratio
from liqheat_nautilus.evaluation.runner import EvaluationSettings, _context
from liqheat_nautilus.evaluation.tracking import track_side
from tests.cli_run import call_liqheat

SHIPPED = Path(__file__).resolve().parents[2] / "catalog" / "coinglass_btc_4h"


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "cg"
    shutil.copytree(SHIPPED, folder)
    return folder


def test_attraction_without_a_measurable_horizon_is_nan_not_an_error():
    # synthetic: two snapshots, neither with the horizon inside the price path (nan extremes)
    nan = np.array([np.nan, np.nan])
    a = cluster_attraction(np.array([0, 1]), np.array([-1.0, 2.0]), np.array([1.0, 1.0]), nan, nan,
                           np.ones(2, dtype=bool), 24.0, n_boot=0)
    assert a.n_snapshots == 0 and a.n_clusters == 0
    assert math.isnan(a.hit_rate) and math.isnan(a.lift) and all(math.isnan(x) for x in a.lift_ci)


def test_a_touch_horizon_past_the_data_is_a_note_not_a_traceback(capsys):
    # printed a traceback per run and "every run failed" (exit 1)
    assert evaluate_main(["--no-grid", "--bootstrap", "0", "--touch-hours", "10000", "--markdown"]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "had no judged snapshot with 10000 h of bars after it" in out
    assert "| default configuration | all (537) | 0.89 vs 0.81 |" in out  # the tracking figures stand


def test_bootstrap_block_is_a_day_or_twice_the_horizon():
    assert bootstrap_block(4.0) == 6 and bootstrap_block(1.0) == 24 and bootstrap_block(48.0) == 1
    assert bootstrap_block(4.0, 24.0) == 12 and bootstrap_block(4.0, 4.0) == 6 and bootstrap_block(4.0, 25.0) == 13


def test_no_more_windows_than_one_block_gives_no_interval():
    # synthetic: with n <= block every moving-block resample is the sample itself; the "interval" was the point
    rng = np.random.default_rng(1)
    actual, estimate, base = rng.random(7), rng.random(7), rng.random(7)
    six = track_side("long", actual[:6], estimate[:6], base[:6], base[:6], block=6, n_boot=50)
    assert all(math.isnan(x) for x in six.spearman_gain_ci)
    seven = track_side("long", actual, estimate, base, base, block=6, n_boot=50)
    assert all(math.isfinite(x) for x in seven.spearman_gain_ci)


def test_few_windows_get_nan_intervals_and_a_note(capsys):
    # --windows 10 judges 4 windows: printed "0.60 [0.60, 0.60]" and "+0.0 [+0.0, +0.0]" without a word
    assert evaluate_main(["--no-grid", "--windows", "10", "--bias-hours", "24", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "Only 4 window(s) are judged, no more than one bootstrap block (6 windows, one day)" in out
    assert "had only 4 snapshot(s) with 24 h of bars after them" in out
    assert "[nan, nan]" in out


def test_a_holdout_of_one_block_gets_its_own_note(capsys):
    # the holdout's gain intervals were nan (JSON null) with no word, while every window together had intervals
    assert evaluate_main(["--no-grid", "--holdout-start", "2026-01-04", "--bootstrap", "50", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "Only 6 holdout window(s), no more than one bootstrap block (6 windows, one day)" in out
    assert "window(s) are judged, no more than one bootstrap block" not in out
    assert evaluate_main(["--no-grid", "--holdout-start", "2026-01-03", "--bootstrap", "50", "--markdown"]) == 0
    assert "holdout window(s), no more than one bootstrap block" not in capsys.readouterr().out  # 12 windows


def test_a_profile_is_said_to_be_in_sample_on_the_windows_it_was_fitted_on(tmp_path):
    data = read_coinglass_dir(SHIPPED)
    inside = tmp_path / "inside.toml"
    dump_profile(inside, {"half_life_hours": 48.0}, {"fitted_on": "2025-10-07T12:00Z .. 2025-10-31T20:00Z (x)"})
    later = tmp_path / "later.toml"
    dump_profile(later, {"half_life_hours": 48.0}, {"fitted_on": "2026-02-01T00:00Z .. 2026-03-01T00:00Z (x)"})
    bare = tmp_path / "bare.toml"
    dump_profile(bare, {"half_life_hours": 48.0}, {})
    by_hand = tmp_path / "by_hand.toml"
    dump_profile(by_hand, {"half_life_hours": 48.0}, {"fitted_on": "autumn .. winter"})
    s = EvaluationSettings(profile_files=(str(inside), str(later), str(bare), str(by_hand)),
                           holdout_start="2025-12-01")
    notes = profile_notes(data, s, _context(data, s))
    assert len(notes) == 2  # nothing for a profile without fitted_on, or with one that is not a span of times
    # windows starting 2025-10-07T12:00 (the first judged one, after the 24 h warm-up) .. 2025-10-31T20:00, every
    # 4 h: 584 h / 4 + 1 = 147 starts, none in the holdout from 2025-12-01
    starts = data.liquidations.start_ns
    lo, hi = np.datetime64("2025-10-07T12:00", "ns").astype(np.int64), np.datetime64("2025-10-31T20:00", "ns")
    expected = int(((starts >= lo) & (starts <= hi.astype(np.int64))).sum())
    assert expected == 147
    assert "inside's calibration section says it was fitted on" in notes[0]
    assert f": {expected} of the 537 judged windows lie in that span, 0 of the 210 holdout windows" in notes[0]
    assert "later's" in notes[1] and "none of the judged windows lies in that span" in notes[1]


def test_a_profile_of_another_instrument_is_said_so(tmp_path, capsys):
    # evaluate --profile-file with a profile fitted on another instrument applied it without a word, while the
    # actor, backtest and plot warned
    data = read_coinglass_dir(SHIPPED)
    assert data.instrument_id == "BTCUSDT-PERP.BINANCE"  # the set's, from its instrument.toml
    sol = tmp_path / "sol.toml"
    dump_profile(sol, {"half_life_hours": 48.0}, {"instrument_id": "SOL-USDT-SWAP.OKX", "data": "OKX sample"})
    btc = tmp_path / "btc.toml"
    dump_profile(btc, {"half_life_hours": 48.0}, {"instrument_id": "BTCUSDT-PERP.BINANCE"})
    s = EvaluationSettings(profile_files=(str(sol), str(btc)))
    (note,) = profile_notes(data, s, _context(data, s))  # none for the set's own instrument
    assert note.startswith(f"Map profile {sol} was fitted on SOL-USDT-SWAP.OKX (OKX sample), not on "
                           "BTCUSDT-PERP.BINANCE")
    assert evaluate_main(["--no-grid", "--windows", "30", "--profile-file", str(sol)]) == 0
    out = " ".join(capsys.readouterr().out.split())  # rich wraps the notes
    assert f"Map profile {sol} was fitted on SOL-USDT-SWAP.OKX" in out


def test_open_interest_gaps_are_noted_with_the_windows_inside(tmp_path):
    assert oi_gap_note(read_coinglass_dir(SHIPPED)) == ()  # the shipped readings are every 4 h
    folder = _copy(tmp_path)
    oi = folder / "coinglass_oi_4h.csv"
    rows = oi.read_text(encoding="utf-8").splitlines()
    oi.write_text("\n".join(rows[:200] + rows[230:]) + "\n", encoding="utf-8")  # 30 readings (5 days) removed
    (note,) = oi_gap_note(read_coinglass_dir(folder))
    # data rows 200..229 removed: the readings of rows 199 and 230 are 31 intervals (124 h) apart; a reading stands
    # at its window's end, so the windows starting from row 199's end (row 200's start) up to before row 230's end
    # (row 231's start), rows 200..230, start inside the gap: 31 windows
    assert "has 1 gap(s) longer than 3× its usual interval of 4 h" in note
    assert "(124 h); 31 windows start inside a gap" in note


def test_funding_in_percent_is_noted(tmp_path):
    assert funding_units_note(read_coinglass_dir(SHIPPED)) == ()  # Coinglass' percent, divided by 100 on reading
    folder = _copy(tmp_path)
    funding = folder / "coinglass_funding_4h.csv"
    lines = funding.read_text(encoding="utf-8").splitlines()
    scaled = [lines[0]] + [",".join([r.split(",")[0]] + [str(100.0 * float(x)) for x in r.split(",")[1:]])
                           for r in lines[1:]]
    funding.write_text("\n".join(scaled) + "\n", encoding="utf-8")  # percent of percent: 100 times too large
    data = read_coinglass_dir(folder)
    (note,) = funding_units_note(data)
    median = float(np.median(np.abs(data.funding.value)))
    assert median > 0.001 and f"median |rate| of {100.0 * median:.3g} % per interval" in note


def test_totals_ratios_keep_their_significant_digits():
    # 0.0052 (open interest in BTC instead of USD) printed as 0.0
    assert [_ratio(x) for x in (523.4, 12.5, 1.2249, 0.87, 0.0052, math.nan)] == [
        "523", "12", "1.22", "0.87", "0.0052", "nan"]


@pytest.mark.parametrize(("argv", "message"), [
    # --param won silently over --bin-bps
    (["--bin-bps", "5", "--param", "bin_bps=1"], "--param bin_bps: set the map grid with --bin-bps"),
    (["--param", "n_bins=500"], "--param n_bins: set the map grid with --n-bins"),
    # the JSON was printed and --markdown ignored
    (["--json", "-", "--markdown"], "--json - and --markdown both print to stdout"),
])
def test_conflicting_options_are_usage_errors(argv, message, capsys):
    assert evaluate_main([*argv, "--no-grid"]) == 2
    err = capsys.readouterr().err
    assert message in err and "evaluating" not in err


def test_json_file_and_markdown_give_both(tmp_path, capsys):
    out_file = tmp_path / "r.json"
    assert evaluate_main(["--no-grid", "--bootstrap", "0", "--json", str(out_file), "--markdown"]) == 0
    assert out_file.is_file() and "| default configuration | all (537) |" in capsys.readouterr().out


def test_calibrate_says_when_the_profile_it_writes_is_below_the_defaults(tmp_path, capsys):
    # 4 trials, 2 folds (seed 0): the final fit scored 0.878 / 0.803 in sample against the default's 0.887 / 0.825,
    # and the profile was written without a word
    proc = call_liqheat(capsys, "calibrate", "--trials", "4", "--folds", "2", "--out", tmp_path / "p.toml")
    assert proc.returncode == 0
    out = proc.stdout
    line = next(x for x in out.splitlines() if x.startswith("  in sample"))
    fit_long, default_long = (float(v) for v in
                              line.split("long ")[1].split(", short")[0].replace("(default ", "").rstrip(")").split())
    assert fit_long < default_long
    assert "note: the final fit (the profile written) scores below the default configuration" in out


def test_calibrate_names_the_fixed_fields_when_a_fitted_one_does_not_apply(tmp_path, capsys):
    proc = call_liqheat(capsys, "calibrate", "--trials", "3", "--folds", "1", "--param", "leverage_model=tiers",
                        "--out", tmp_path / "p.toml")
    assert proc.returncode == 2
    err = proc.stderr
    assert "with the fixed fields (leverage_model='tiers'); if leverage_mean does not apply with them, leave it " \
           "out of --fit" in err
    assert not (tmp_path / "p.toml").exists()


def test_a_window_length_mismatch_names_both_files(tmp_path):
    # only the liquidations were changed to 8 h windows; the message named the untouched open-interest file alone
    from liqheat_nautilus.persistence.errors import IngestError

    folder = _copy(tmp_path)
    liq = folder / "coinglass_liquidation_4h.csv"
    rows = liq.read_text(encoding="utf-8").splitlines()
    liq.write_text("\n".join(rows[:1] + rows[1::2]) + "\n", encoding="utf-8")  # every other 4 h window: 8 h
    with pytest.raises(IngestError, match=r"coinglass_oi_4h\.csv.*bar length 4 h differs from the liquidation "
                                          r"windows' 8 h \(coinglass_liquidation_4h\.csv\)"):
        read_coinglass_dir(folder)


def test_an_input_file_given_twice_is_a_usage_error(capsys):
    # argparse kept the last file without a word
    from liqheat_nautilus.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["evaluate", "--dataset", "csv", "--bars", "a.csv", "--bars", "b.csv"])
    assert stop.value.code == 2 and "--bars given twice (a.csv, b.csv)" in capsys.readouterr().err


def _csv_route_files(tmp_path: Path, oi_column: str, rate_column: str) -> list[str]:
    """The shipped (REAL) Coinglass set in evaluate's plain-CSV layout, with the given value-column names."""
    import pandas as pd

    window = pd.Timedelta(hours=4)
    oi = pd.read_csv(SHIPPED / "coinglass_oi_4h.csv", parse_dates=["timestamp"])
    funding = pd.read_csv(SHIPPED / "coinglass_funding_4h.csv", parse_dates=["timestamp"])
    folder = tmp_path / f"{oi_column}_{rate_column}"
    folder.mkdir()
    # as the coinglass reader aligns them: readings at the window's end, funding percent -> fraction
    pd.DataFrame({"timestamp": (oi.timestamp + window).dt.strftime("%Y-%m-%dT%H:%M:%SZ"), oi_column: oi.close}
                 ).to_csv(folder / "oi.csv", index=False)
    pd.DataFrame({"timestamp": (funding.timestamp + window).dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  rate_column: funding.close / 100.0}).to_csv(folder / "funding.csv", index=False)
    return ["--bars", str(SHIPPED / "binance_btcusdt_1h.csv"), "--open-interest", str(folder / "oi.csv"),
            "--funding", str(folder / "funding.csv"), "--liquidations", str(SHIPPED / "coinglass_liquidation_4h.csv")]


def test_csv_route_reads_the_column_names_of_ingest_csv_files(tmp_path, capsys):
    # a user's files made for `liqheat catalog ingest csv` (open_interest_usd, funding_rate) were refused by
    # `evaluate --dataset csv` ("field 'rate': missing column"), which wants oi_usd and rate: both names are read now
    from liqheat_nautilus.evaluation.csv_inputs import read_observations_csv

    theirs = _csv_route_files(tmp_path, "open_interest_usd", "funding_rate")
    ours = _csv_route_files(tmp_path, "oi_usd", "rate")
    a = read_observations_csv(theirs[3], "oi_usd", aliases=("open_interest_usd",))
    b = read_observations_csv(ours[3], "oi_usd")
    assert len(a.ts_ns) == 543 and np.array_equal(a.ts_ns, b.ts_ns) and np.array_equal(a.value, b.value)
    argv = ["evaluate", "--dataset", "csv", "--no-grid", "--windows", "30", "--bootstrap", "0", "--json", "-"]
    runs = []
    for files in (theirs, ours):
        proc = call_liqheat(capsys, *argv, *files)
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout)["runs"][0]["long"])
    assert runs[0] == runs[1]
    # neither name: the error names both and what the file has
    (tmp_path / "bad.csv").write_text("timestamp,oi\n2025-10-06T16:00:00Z,1\n", encoding="utf-8")
    proc = call_liqheat(capsys, *argv, *theirs[:2], "--open-interest", str(tmp_path / "bad.csv"), *theirs[4:])
    assert proc.returncode == 1
    assert "field 'oi_usd': missing column (or open_interest_usd); found ['timestamp', 'oi']" in proc.stderr
