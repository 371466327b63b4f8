"""A fast evaluation on a slice of the real shipped Coinglass set: structure and finite figures."""

import json
import math
from pathlib import Path

import pytest

from liqheat_nautilus.cli import build_parser
from liqheat_nautilus.cli.evaluate_cmd import main as evaluate_main
from liqheat_nautilus.cli.evaluate_cmd import parse_params
from liqheat_nautilus.evaluation.coinglass import read_coinglass_dir
from liqheat_nautilus.evaluation.report import all_tables, render_markdown, report_to_dict
from liqheat_nautilus.evaluation.runner import EvaluationSettings, run_evaluation

SHIPPED = Path(__file__).resolve().parents[2] / "catalog" / "coinglass_btc_4h"
SHIPPED_PROFILE = Path(__file__).resolve().parents[2] / "config" / "profiles" / "btc_coinglass_calibrated.toml"


@pytest.fixture(scope="module")
def slice_report():
    data = read_coinglass_dir(SHIPPED).head_windows(150)  # 25 days incl. the 2025-10-10 crash
    settings = EvaluationSettings(models=("isolated_mmr",), profiles=("neutral", "dynamic"), n_boot=50)
    return run_evaluation(data, settings)


def test_slice_report_structure_and_finite_figures(slice_report):
    r = slice_report
    assert r.n_windows == 150 - 6  # 24 h warm-up = 6 windows of 4 h
    assert r.window_hours == 4.0
    # the default configuration first, then the grid
    assert [(x.model, x.profile) for x in r.runs] == [("default", "defaults"), ("isolated_mmr", "neutral"),
                                                      ("isolated_mmr", "dynamic")]
    for run in r.runs:
        assert run.error == ""
        for side in (run.long, run.short):
            assert side.n_windows == r.n_windows
            for agreement in (side.map, side.baseline_abs_return, side.baseline_excursion):
                for v in (agreement.spearman, agreement.pearson, agreement.top_overlap):
                    assert math.isfinite(v) and -1.0 <= v <= 1.0
            assert side.estimated_total_usd > 0.0 and side.actual_total_usd > 0.0
            lo, hi = side.spearman_gain_ci
            assert math.isfinite(lo) and lo <= hi
        (att,) = run.attraction
        assert att.n_clusters > 0 and 0.0 <= att.hit_rate <= 1.0 and 0.0 <= att.base_rate <= 1.0
        assert att.hit_rate_ci[0] <= att.hit_rate <= att.hit_rate_ci[1]
        assert [b.horizon_hours for b in run.bias] == [4.0, 24.0]
        for b in run.bias:
            assert b.n_calls > 0 and b.hit_rate_ci[0] <= b.hit_rate <= b.hit_rate_ci[1]


def test_slice_report_tables_and_json(slice_report):
    tables = all_tables(slice_report)
    # headline, summary, tracking long/short, attraction 24 h, bias 4 h and 24 h
    assert len(tables) == 1 + 1 + 2 + 1 + 2
    assert tables[0].title.startswith("Headline")
    assert all(len(row) == len(t.headers) for t in tables for row in t.rows)
    md = render_markdown(slice_report)
    assert "| isolated_mmr | dynamic |" in md
    doc = json.loads(json.dumps(report_to_dict(slice_report), allow_nan=False))
    assert doc["settings"]["models"] == ["isolated_mmr"]
    assert doc["runs"][0]["model"] == "default"
    assert all(run["long"]["map"]["spearman"] is not None for run in doc["runs"])


def test_cli_evaluate_writes_json(tmp_path, capsys):
    out = tmp_path / "report.json"
    code = evaluate_main(["--data-dir", str(SHIPPED), "--models", "simple", "--profiles", "neutral",
                          "--windows", "60", "--bootstrap", "0", "--json", str(out)])
    assert code == 0
    doc = json.loads(out.read_text())
    # the shipped set: the default configuration, the shipped calibrated profile, then the one grid run
    assert doc["n_windows"] == 54
    assert [(run["model"], run["profile"]) for run in doc["runs"]] == [
        ("default", "defaults"), ("profile", "btc_coinglass_calibrated"), ("simple", "neutral")]
    assert doc["runs"][-1]["long"]["spearman_gain_ci"] == [None, None]  # bootstrap skipped


def test_evaluate_is_registered_in_the_liqheat_cli():
    args = build_parser().parse_args(["evaluate", "--models", "simple"])
    assert args.func.__module__ == "liqheat_nautilus.cli.evaluate_cmd"


def test_cli_reports_missing_options_as_a_usage_error(tmp_path, capsys):
    code = evaluate_main(["--dataset", "csv", "--bars", str(tmp_path / "missing.csv")])
    assert code == 2  # options missing whatever the files hold (exit 2, as argparse's); a bad file exits 1
    assert "needs --open-interest, --liquidations" in capsys.readouterr().err


def test_cli_reports_a_missing_file_and_exits_1(tmp_path, capsys):
    code = evaluate_main(["--dataset", "csv", "--bars", str(tmp_path / "missing.csv"), "--open-interest",
                          str(tmp_path / "oi.csv"), "--liquidations", str(tmp_path / "liq.csv")])
    assert code == 1
    assert "missing.csv" in capsys.readouterr().err


def test_param_values_parse_as_json_else_string():
    assert parse_params(["half_life_hours=72", "entry_mode=vwap", "tiers=[5, 10]", "inverse=true"]) == {
        "half_life_hours": 72, "entry_mode": "vwap", "tiers": (5, 10), "inverse": True}
    with pytest.raises(ValueError, match="NAME=VALUE"):
        parse_params(["half_life_hours"])


def test_a_rejected_engine_parameter_is_refused_before_anything_runs(capsys):
    data = read_coinglass_dir(SHIPPED).head_windows(30)
    with pytest.raises(ValueError, match="bin_size"):
        run_evaluation(data, EvaluationSettings(models=("simple",), profiles=("neutral",), n_boot=0,
                                                extra_params={"bin_size": -1.0}))
    with pytest.raises(ValueError, match="bin_wdith"):
        run_evaluation(data, EvaluationSettings(n_boot=0, extra_params={"bin_wdith": 1.0}))
    with pytest.raises(ValueError, match="magic"):
        run_evaluation(data, EvaluationSettings(models=("magic",), n_boot=0))
    code = evaluate_main(["--data-dir", str(SHIPPED), "--windows", "30", "--param", "bin_size=-1"])
    assert code == 2 and "bin_size" in capsys.readouterr().err  # an option value: a usage error


def test_a_configuration_rejected_by_one_grid_run_is_reported_in_that_run():
    # custom tiers with a {tier: weight} profile are valid; the grid's named profiles are not defined on them
    data = read_coinglass_dir(SHIPPED).head_windows(30)
    report = run_evaluation(data, EvaluationSettings(models=("simple",), profiles=("neutral",), n_boot=0,
                                                     extra_params={"tiers": (10.0, 20.0),
                                                                   "leverage_profile": {10.0: 1.0, 20.0: 1.0}}))
    default, grid = report.runs
    assert default.error == "" and default.long is not None
    assert "leverage_profile" in grid.error and grid.long is None
    assert any("error" in row for t in all_tables(report) for row in t.rows)


def test_csv_mode_reproduces_the_coinglass_reader(tmp_path):
    # the real shipped files rewritten in the generic CSV formats must give the same report
    import pandas as pd

    oi = pd.read_csv(SHIPPED / "coinglass_oi_4h.csv", parse_dates=["timestamp"])
    pd.DataFrame({"timestamp": (oi["timestamp"] + pd.Timedelta(hours=4)).dt.strftime("%Y-%m-%dT%H:%M:%S"),
                  "oi_usd": oi["close"]}).to_csv(tmp_path / "oi.csv", index=False)
    fu = pd.read_csv(SHIPPED / "coinglass_funding_4h.csv", parse_dates=["timestamp"])
    pd.DataFrame({"timestamp": (fu["timestamp"] + pd.Timedelta(hours=4)).dt.strftime("%Y-%m-%dT%H:%M:%S"),
                  "rate": fu["close"] / 100.0}).to_csv(tmp_path / "funding.csv", index=False)
    # the same profile file and holdout for both (the shipped set gets them by default, CSV files do not)
    common = ["--models", "binance_standard", "--profiles", "dynamic", "--windows", "90", "--bootstrap", "20",
              "--profile-file", str(SHIPPED_PROFILE), "--holdout-start", "2025-10-15"]
    assert evaluate_main(["--data-dir", str(SHIPPED), *common, "--json", str(tmp_path / "a.json")]) == 0
    assert evaluate_main(["--dataset", "csv", "--bars", str(SHIPPED / "binance_btcusdt_1h.csv"),
                          "--open-interest", str(tmp_path / "oi.csv"), "--funding", str(tmp_path / "funding.csv"),
                          "--liquidations", str(SHIPPED / "coinglass_liquidation_4h.csv"),
                          "--taker-volume", str(SHIPPED / "coinglass_taker_volume_4h.csv"),
                          *common, "--json", str(tmp_path / "b.json")]) == 0
    a, b = (json.loads((tmp_path / n).read_text()) for n in ("a.json", "b.json"))
    assert a["n_holdout"] > 0 and len(a["runs"]) == 3
    # the source names every file read (it left out the funding and taker-volume files)
    assert b["source"] == (f"CSV files ({SHIPPED / 'binance_btcusdt_1h.csv'}, {tmp_path / 'oi.csv'}, "
                           f"{tmp_path / 'funding.csv'}, {SHIPPED / 'coinglass_liquidation_4h.csv'}, "
                           f"{SHIPPED / 'coinglass_taker_volume_4h.csv'}) (first 90 windows)")
    for doc in (a, b):
        doc.pop("source"), doc.pop("notes"), doc.pop("seconds")
        for run in doc["runs"]:
            run.pop("replay_seconds")
    # funding is scaled x0.01 by one path and /100 by the other: allow last-digit differences only
    flat_a, flat_b = _flat(a), _flat(b)
    assert flat_a.keys() == flat_b.keys()
    for key, value in flat_a.items():
        assert flat_b[key] == (pytest.approx(value, rel=1e-9, abs=1e-12) if isinstance(value, float) else value), key


def _flat(obj, prefix=""):
    if isinstance(obj, dict):
        return {k: v for key, item in obj.items() for k, v in _flat(item, f"{prefix}/{key}").items()}
    if isinstance(obj, list):
        return {k: v for i, item in enumerate(obj) for k, v in _flat(item, f"{prefix}/{i}").items()}
    return {prefix: obj}


def test_a_seed_with_less_bar_history_than_its_lookback_is_noted(slice_report):
    # the shipped bars start 35 days before the first open-interest reading: a full 14-day seed, no note
    assert slice_report.notes == read_coinglass_dir(SHIPPED).notes
    assert all(run.seed_span_hours == run.seed_lookback_hours == 336.0 for run in slice_report.runs)
    # the same real data with the bars cut to start 8 h before the first reading: the seed had 8 h, and says so
    import dataclasses

    data = read_coinglass_dir(SHIPPED).head_windows(30)
    first_oi = int(data.open_interest.ts_ns[0])
    cut = dataclasses.replace(data, bars=data.bars.slice_time(first_oi - 7 * 3_600_000_000_000, 2**62))
    report = run_evaluation(cut, EvaluationSettings(grid=False, n_boot=10))
    (run,) = report.runs
    assert run.seed_span_hours == pytest.approx(8.0)  # hourly bars closing 7 h before the reading and on: 8 bars
    (note,) = set(report.notes) - set(data.notes)
    assert "only 8.0 h of bars" in note and "seed_lookback_hours = 336" in note


def test_windows_after_the_shipped_set_are_counted_as_out_of_sample():
    import dataclasses

    import numpy as np

    from liqheat_nautilus.cli.evaluate_cmd import SHIPPED_END, out_of_sample_note
    from liqheat_nautilus.evaluation.series import LiquidationWindows

    data = read_coinglass_dir(SHIPPED)
    assert out_of_sample_note(data) == ()  # the shipped set itself ends before SHIPPED_END
    # SYNTHETIC: the last three shipped windows moved 30 days later (only their start times matter here)
    w = data.liquidations
    shift = np.zeros(len(w), dtype=np.int64)
    shift[-3:] = 30 * 86_400_000_000_000
    later = dataclasses.replace(data, liquidations=LiquidationWindows(w.start_ns + shift, w.end_ns + shift,
                                                                      w.long_usd, w.short_usd))
    (note,) = out_of_sample_note(later)
    assert note.startswith(f"3 of the {len(w)} windows start on or after {SHIPPED_END}")
    assert "shipped calibrated profile" in note
    # a CSV or catalog dataset (any instrument) is not judged with the shipped profile: the note names the defaults
    (note,) = out_of_sample_note(later, with_profile=False)
    assert note.startswith(f"3 of the {len(w)} windows") and "profile" not in note


def test_a_later_coinglass_folder_gets_no_repeated_holdout(tmp_path):
    # the shipped files cut to the windows from 2025-12-01 (the holdout start) on, bars from 14 days before
    import pandas as pd

    for f in SHIPPED.iterdir():
        if f.suffix != ".csv":
            (tmp_path / f.name).write_bytes(f.read_bytes())
            continue
        frame = pd.read_csv(f)
        cut = "2025-11-17" if f.name.endswith("_1h.csv") else "2025-12-01"
        frame[pd.to_datetime(frame["timestamp"]) >= pd.Timestamp(cut)].to_csv(tmp_path / f.name, index=False)
    assert evaluate_main(["--data-dir", str(tmp_path), "--no-grid", "--bootstrap", "10",
                          "--json", str(tmp_path / "r.json")]) == 0
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["n_holdout"] == 0 and doc["settings"]["holdout_start"] is None
    assert [run["model"] for run in doc["runs"]] == ["default", "profile"]  # the shipped profile, out of its sample
    assert evaluate_main(["--data-dir", str(SHIPPED), "--no-grid", "--windows", "360", "--bootstrap", "10",
                          "--json", str(tmp_path / "s.json")]) == 0
    shipped = json.loads((tmp_path / "s.json").read_text())
    assert shipped["settings"]["holdout_start"] == "2025-12-01" and shipped["n_holdout"] == 27
    # windows wholly before the holdout start: no empty "holdout (0)" rows
    assert evaluate_main(["--data-dir", str(SHIPPED), "--no-grid", "--windows", "200", "--bootstrap", "10",
                          "--json", str(tmp_path / "e.json")]) == 0
    assert json.loads((tmp_path / "e.json").read_text())["settings"]["holdout_start"] is None


@pytest.mark.parametrize(("argv", "message"), [
    (["--windows", "0"], "--windows must be >= 1, was 0"),
    (["--warmup-hours", "-1"], "--warmup-hours (hours, >= 0): [-1.0]"),
    (["--touch-hours", "24", "0"], "--touch-hours (hours, > 0): [0.0]"),
    (["--bias-hours", "nan"], "--bias-hours (hours, > 0): [nan]"),
    (["--top-k", "0"], "--top-k (>= 1): [0]"),
    (["--bootstrap", "-1"], "--bootstrap (>= 0): [-1]"),
    # ran every replay, then failed with "MemoryError: Unable to allocate 745. GiB" (exit 1)
    (["--bootstrap", "99999999999"], "--bootstrap (at most 1,000,000): [99999999999]"),
    (["--holdout-start", "notadate"], "--holdout-start must be a UTC date or time"),
    # these named the settings (oi_venue_share, max_distance_pct, bin_bps), not the options the user typed
    (["--oi-venue-share", "0"], "--oi-venue-share must lie in (0, 1], was 0.0"),
    (["--max-distance-pct", "0"], "--max-distance-pct (percent, > 0): [0.0]"),
    (["--min-distance-pct", "-0.5"], "--min-distance-pct (percent, >= 0 and below --max-distance-pct): [-0.5]"),
    (["--min-distance-pct", "5"], "--min-distance-pct (percent, >= 0 and below --max-distance-pct): [5.0]"),
    (["--bin-bps", "0"], "map parameters rejected (--bin-bps/--n-bins/--param): "),
    (["--param", "nope=1"], "--param: unknown map parameter(s) ['nope']"),
    # ignored silently: the shipped set's windows are 4 h whatever it said
    (["--window-hours", "2"], "--window-hours does not apply to --dataset coinglass (only to --dataset catalog)"),
    (["--param", "leverage_mean=abc"], "leverage_mean='abc' (expected a number)"),
    # the grid's selections beside --no-grid were silently ignored (exit 0, no isolated_mmr run in the report)
    (["--models", "isolated_mmr", "--profiles", "neutral"],
     "--models and --profiles choose the grid's runs; --no-grid skips the grid"),
])
def test_bad_settings_stop_before_any_replay_with_a_named_message(argv, message, capsys):
    # each used to run (rc 0: --windows 0 judged everything, --touch-hours 0 printed a traceback per configuration)
    # or fail naming nothing
    assert evaluate_main([*argv, "--no-grid"]) == 2  # option values: a usage error (they exited 1, unlike plot's)
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and "evaluating" not in err


def test_a_holdout_past_the_data_names_the_option(capsys):
    # named the settings field ("holdout_start 2030-01-01: ..."), not the option the user typed
    assert evaluate_main(["--no-grid", "--bootstrap", "0", "--holdout-start", "2030-01-01"]) == 1  # the data's span
    err = capsys.readouterr().err
    assert err.startswith("evaluate failed: --holdout-start 2030-01-01: none of the ") and err.count("\n") == 1
    assert "judged windows starts on or after it" in err and "evaluating" not in err
