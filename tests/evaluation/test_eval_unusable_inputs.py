"""Inputs that leave nothing to compare stop the evaluation with a reason, not a table of nan (SYNTHETIC data)."""

import numpy as np
import pytest

from liqheat_nautilus.evaluation.runner import EvaluationSettings, judged_windows, run_evaluation

from .synthetic import data, hourly_bars, windows

SETTINGS = EvaluationSettings(n_boot=0, grid=False, touch_hours=(4.0,), bias_hours=(4.0,))


def _data(n_windows: int = 12, oi_hours=(4, 8, 12, 16), long_usd=None, short_usd=None):
    # synthetic: a gently oscillating hourly price path covering the windows, OI readings at oi_hours
    hours = 4 * n_windows + 8
    close = 100.0 + np.sin(np.arange(hours) / 3.0)
    bars = hourly_bars(close + 0.5, close - 0.5, close)
    long_usd = np.arange(n_windows, dtype=float) if long_usd is None else long_usd
    short_usd = np.arange(n_windows, dtype=float)[::-1] if short_usd is None else short_usd
    return data(bars, list(oi_hours), [1000.0 + 10 * i for i in range(len(oi_hours))],
                windows(n_windows, long_usd=long_usd, short_usd=short_usd))


def test_open_interest_of_another_period_is_named():
    # every OI reading lies 100 days before the windows: the map would run on stale open interest
    d = _data(oi_hours=(-2400, -2396, -2392))
    with pytest.raises(ValueError, match=r"open interest \(oi, .*no reading within the 12 liquidation windows"):
        run_evaluation(d, SETTINGS)


def test_no_judged_window_says_which_input_is_short():
    d = _data(n_windows=5)  # 5 windows of 4 h: all inside the 24 h warm-up
    with pytest.raises(ValueError, match=r"of the 5 windows .*, 5 fall in the warm-up of 24 h .*--warmup-hours"):
        judged_windows(d, SETTINGS)


def test_zero_liquidations_everywhere_is_an_error():
    zeros = np.zeros(12)
    with pytest.raises(ValueError, match="actual liquidations are 0 on both sides in all 6 judged windows"):
        run_evaluation(_data(long_usd=zeros, short_usd=zeros), SETTINGS)


def test_open_interest_of_zeros_is_an_error():
    d = _data()
    d = data(d.bars, [4, 8, 12, 16], [0.0] * 4, d.liquidations)
    with pytest.raises(ValueError, match=r"open interest \(oi\) is 0 in all 4 readings"):
        run_evaluation(d, SETTINGS)


def test_every_undefined_figure_is_explained_in_the_notes():
    # long side all zero; the open interest falls to 0 after the first reading, so the map estimates nothing
    d = _data(long_usd=np.zeros(12))
    d = data(d.bars, [4, 8, 12, 16], [1000.0, 0.0, 0.0, 0.0], d.liquidations)
    report = run_evaluation(d, SETTINGS)
    run = report.runs[0]
    assert np.isnan(run.long.map.spearman) and np.isnan(run.short.map.spearman)
    notes = "\n".join(report.notes)
    assert "--bootstrap 0: the block-bootstrap intervals" in notes
    assert "The actual long liquidations are 0 USD in every one of the 6 judged windows" in notes
    assert "The default configuration estimated no short liquidation in any judged window" in notes


def test_a_holdout_after_every_window_is_an_error_not_an_empty_row():
    d = _data()
    settings = EvaluationSettings(n_boot=0, grid=False, touch_hours=(4.0,), bias_hours=(4.0,),
                                  holdout_start="2030-01-01")
    with pytest.raises(ValueError, match="holdout_start 2030-01-01: none of the 6 judged windows starts on or after"):
        run_evaluation(d, settings)


def test_more_windows_than_the_data_holds_is_not_labelled_as_a_cut():
    d = _data()
    assert d.head_windows(1000).source == d.source and d.head_windows(3).source.endswith("(first 3 windows)")


@pytest.mark.parametrize("hours", ["0", "-4", "nan"])
def test_window_hours_out_of_range_names_the_option(capsys, hours):
    from tests.cli_run import assert_clean_failure, call_liqheat

    proc = call_liqheat(capsys, "evaluate", "--no-grid", "--window-hours", hours)
    assert_clean_failure(proc, "--window-hours must be > 0 and at most 1000000")


def test_windows_past_the_bars_are_counted_in_a_note():
    d = _data()
    cut = d.bars.slice_time(d.bars.close_ns[0], d.bars.close_ns[0] + 35 * 3_600_000_000_000)  # 36 h of bars
    report = run_evaluation(data(cut, [4, 8, 12, 16], [1000.0, 1010.0, 1020.0, 1030.0], d.liquidations), SETTINGS)
    assert report.n_windows == 3
    assert "3 windows after the warm-up are not judged: 3 have no bar of the price path closing inside them" in \
        "\n".join(report.notes)


def test_an_evaluation_whose_every_run_failed_is_an_error(monkeypatch):
    # a report of "error" cells only was printed and the command exited 0 (here every run raises, as a worker
    # that died would leave them)
    import liqheat_nautilus.evaluation.runner as runner

    def broken(*args, **kwargs):
        raise RuntimeError("SYNTHETIC failure inside the replay")

    monkeypatch.setattr(runner, "evaluate_run", broken)
    with pytest.raises(ValueError, match=r"every run failed \(1\); the first, default × defaults: .*SYNTHETIC failure"):
        run_evaluation(_data(), SETTINGS)
