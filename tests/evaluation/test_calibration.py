"""``calibrate``: walk-forward folds that never fit on their test block, the closed-form ``leveraged_share`` and the
profile it writes. On a tiny SYNTHETIC data set (a seeded random walk with made-up liquidations), labelled as such:
the figures mean nothing, only the method is checked.
"""

import math

import numpy as np
import pytest

from liqheat_nautilus.cli.calibrate_cmd import _table, result_to_dict
from liqheat_nautilus.core import MapParams
from liqheat_nautilus.core.profile import load_profile
from liqheat_nautilus.evaluation import calibration
from liqheat_nautilus.evaluation.baselines import excursion_oi
from liqheat_nautilus.evaluation.calibration import ParamRange, calibrate
from liqheat_nautilus.evaluation.replay import replay
from liqheat_nautilus.evaluation.runner import EvaluationSettings, judged_windows

from .synthetic import data, hourly_bars, windows

N_WINDOWS = 48  # 8 days of 4 h windows
SPACE = {"leverage_mean": ParamRange(5.0, 60.0, log=True), "half_life_hours": ParamRange(6.0, 96.0, log=True)}


@pytest.fixture(scope="module")
def synthetic_set():
    """SYNTHETIC: 8 days of hourly bars (random walk, 1.5 % hourly moves), OI every 4 h, and liquidations that
    follow the adverse excursion × OI with noise, scaled to about 0.01 % of it (so the map must shrink)."""
    rng = np.random.default_rng(42)
    n = N_WINDOWS * 4 + 8
    close = 30_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.015, n)))
    high = close * (1.0 + rng.uniform(0.0, 0.01, n))
    low = close * (1.0 - rng.uniform(0.0, 0.01, n))
    bars = hourly_bars(high, low, close, rng.uniform(1.0, 3.0, n))
    oi_hours = np.arange(0, n, 4)
    oi_usd = 1e9 * np.exp(np.cumsum(rng.normal(0.0, 0.02, oi_hours.size)))
    shell = data(bars, oi_hours, oi_usd, windows(N_WINDOWS))
    exc_long, exc_short = excursion_oi(shell)
    noise = rng.lognormal(0.0, 0.5, (2, N_WINDOWS))
    liq = windows(N_WINDOWS, long_usd=np.nan_to_num(exc_long) * 1e-4 * noise[0],
                  short_usd=np.nan_to_num(exc_short) * 1e-4 * noise[1])
    d = data(bars, oi_hours, oi_usd, liq)
    return d, judged_windows(d, EvaluationSettings(n_boot=0))


def test_walk_forward_folds_never_fit_on_their_test_block(synthetic_set, monkeypatch):
    d, judged = synthetic_set
    masks = []  # the window masks every candidate was scored on, in order
    real_score = calibration.score_windows

    def spy(data_, fields, mask):
        masks.append(mask.copy())
        return real_score(data_, fields, mask)

    monkeypatch.setattr(calibration, "score_windows", spy)
    result = calibrate(d, judged, space=SPACE, folds=2, n_trials=3, seed=1)
    idx = np.flatnonzero(judged)
    blocks = np.array_split(idx, 3)
    assert len(result.folds) == 2
    # fold k (1, 2) fits its 3 trials on blocks 0..k-1 only and is scored on block k
    for k in (1, 2):
        fit_masks = masks[3 * (k - 1): 3 * k]
        expected = np.zeros(len(judged), dtype=bool)
        expected[np.concatenate(blocks[:k])] = True
        for m in fit_masks:
            assert np.array_equal(m, expected)
            assert not m[blocks[k]].any()  # never a test window
        fold = result.folds[k - 1]
        assert fold.fit_windows[1] < fold.test_windows[0]  # ISO strings: fitted strictly before tested
        assert set(fold.params) == {*SPACE, "leveraged_share"}
    # the final fit uses every judged window (and says so)
    assert np.array_equal(masks[6], judged)
    assert result.fitted_windows[2] == idx.size
    for v in (result.oos_long, result.oos_short, result.in_sample_long, result.in_sample_short):
        assert -1.0 <= v <= 1.0


def test_leveraged_share_matches_the_totals_on_the_fitted_windows(synthetic_set):
    d, judged = synthetic_set
    result = calibrate(d, judged, space=SPACE, folds=2, n_trials=3, seed=2)
    w = d.liquidations
    share = result.params["leveraged_share"]
    assert 0.0 < share < 1.0  # not clipped: the closed form applies exactly
    # replaying the written configuration: estimated total == actual total over the fitted windows
    r = replay(d, MapParams(**result.base, **result.params))
    est = float(r.est_long_usd[judged].sum() + r.est_short_usd[judged].sum())
    actual = float(w.long_usd[judged].sum() + w.short_usd[judged].sum())
    assert est == pytest.approx(actual, rel=1e-6)
    # the reported per-side ratios are consistent with it: Σ ratio·actual = actual
    combined = (result.totals_ratio_long * w.long_usd[judged].sum()
                + result.totals_ratio_short * w.short_usd[judged].sum())
    assert combined == pytest.approx(actual, rel=1e-6)
    # each fold's share matches the totals of *its* fitted windows (blocks before its test block)
    blocks = np.array_split(np.flatnonzero(judged), 3)
    fold = result.folds[0]
    r1 = replay(d, MapParams(**result.base, **fold.params))
    fit = blocks[0]
    assert float(r1.est_long_usd[fit].sum() + r1.est_short_usd[fit].sum()) == pytest.approx(
        float(w.long_usd[fit].sum() + w.short_usd[fit].sum()), rel=1e-6)


def test_calibrate_rejects_bad_settings(synthetic_set):
    d, judged = synthetic_set
    with pytest.raises(ValueError, match="folds"):
        calibrate(d, judged, folds=0)
    with pytest.raises(ValueError, match="half_life_hour"):
        calibrate(d, judged, space={"half_life_hour": ParamRange(1.0, 2.0)})
    few = np.zeros_like(judged)
    few[:3] = True
    with pytest.raises(ValueError, match="too few"):
        calibrate(d, few, folds=2)


def _iso(ns) -> list[str]:
    return [str(t) for t in np.asarray(ns).astype("datetime64[ns]").astype("datetime64[s]")]


def test_calibrate_cli_writes_a_profile_the_engine_loads(tmp_path, synthetic_set, capsys):
    import pandas as pd

    from liqheat_nautilus.cli import build_parser

    d, _ = synthetic_set
    b, oi, w = d.bars, d.open_interest, d.liquidations
    pd.DataFrame({"timestamp": _iso(b.open_ns), "open": b.open, "high": b.high, "low": b.low, "close": b.close,
                  "volume": b.volume}).to_csv(tmp_path / "bars.csv", index=False)
    pd.DataFrame({"timestamp": _iso(oi.ts_ns), "oi_usd": oi.value}).to_csv(tmp_path / "oi.csv", index=False)
    pd.DataFrame({"timestamp": _iso(w.start_ns), "long_usd": w.long_usd, "short_usd": w.short_usd}).to_csv(
        tmp_path / "liq.csv", index=False)
    out = tmp_path / "profile.toml"
    args = build_parser().parse_args([
        "calibrate", "--dataset", "csv", "--bars", str(tmp_path / "bars.csv"), "--open-interest",
        str(tmp_path / "oi.csv"), "--liquidations", str(tmp_path / "liq.csv"), "--folds", "1", "--trials", "2",
        "--fit", "leverage_mean=5:60:log", "--out", str(out)])
    assert args.func(args) == 0
    fields = load_profile(out)
    assert fields["leverage_model"] == "normal" and 5.0 <= fields["leverage_mean"] <= 60.0
    assert 0.0 < fields["leveraged_share"] <= 1.0
    assert "profile written to" in capsys.readouterr().out
    bad = build_parser().parse_args(["calibrate", "--dataset", "csv", "--bars", str(tmp_path / "bars.csv"),
                                     "--open-interest", str(tmp_path / "oi.csv"), "--liquidations",
                                     str(tmp_path / "liq.csv"), "--fit", "leverage_mean=60:5", "--out", str(out)])
    assert bad.func(bad) == 2  # an option value: a usage error
    assert "--fit expects" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["--warmup-hours", "-1"], "--warmup-hours (hours, >= 0): [-1.0]"),
    (["--param", "leverage_mean=-3"], "map parameters rejected (--param): "),  # calibrate has no --bin-bps
    # both fixed and fitted: exit 0 and a profile holding the fit beside a different [calibration.fixed] value
    (["--param", "half_life_hours=5", "--fit", "half_life_hours=6:336"],
     "half_life_hours both fixed (--param) and fitted (--fit"),
    (["--param", "leverage_mean=5"], "leverage_mean both fixed (--param) and fitted (--fit; fitted by default"),
    (["--seed", "-1"], "--seed must lie in 0 .. 2**32 - 1, was -1"),
    (["--windows", "0"], "--windows must be >= 1, was 0"),
])
def test_bad_calibrate_options_stop_before_fitting(argv, message, tmp_path, capsys):
    # on the shipped set; each used to fit and write a profile (rc 0) or fail with a library message
    from liqheat_nautilus.cli import build_parser

    out = tmp_path / "p.toml"
    args = build_parser().parse_args(["calibrate", *argv, "--trials", "1", "--folds", "2", "--out", str(out)])
    assert args.func(args) == 2  # option values: a usage error, as the other commands'
    assert message in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize(("profile", "expected"), [("neutral", (25.0, 15.0)), ("conservative", (12.0, 8.0))])
def test_the_first_trial_is_the_base_configuration(synthetic_set, monkeypatch, profile, expected):
    # leverage_mean/std = 0 mean "the profile's μ and σ"; they were clipped to the search space's lower corner, so
    # the first trial (and a 1-trial fit) was N(3, 2), not the configuration the fit starts from
    d, judged = synthetic_set
    tried = []
    real_score = calibration.score_windows

    def spy(data_, fields, mask):
        tried.append(MapParams(**fields).normal_mu_sigma())
        return real_score(data_, fields, mask)

    monkeypatch.setattr(calibration, "score_windows", spy)
    space = {"leverage_mean": ParamRange(3.0, 80.0, log=True), "leverage_std": ParamRange(2.0, 40.0, log=True)}
    result = calibrate(d, judged, base={"leverage_model": "normal", "leverage_profile": profile}, space=space,
                       folds=1, n_trials=1, seed=0)
    assert set(tried) == {expected}  # every fit's only trial
    assert (result.params["leverage_mean"], result.params["leverage_std"]) == expected


def test_few_windows_and_undefined_figures_are_explained(synthetic_set):
    # 6 judged windows, 2 folds: test blocks of 2 windows; the long liquidations of fold 2's test block are 0 USD
    # (a quiet block, SYNTHETIC). It printed nan and a totals ratio near 0 or of 1e14 without a word.
    import dataclasses
    import math

    d, judged = synthetic_set
    few = np.zeros_like(judged)
    idx = np.flatnonzero(judged)[:6]
    few[idx] = True
    quiet = d.liquidations.long_usd.copy()
    quiet[idx[4:]] = 0.0
    d = dataclasses.replace(d, liquidations=dataclasses.replace(d.liquidations, long_usd=quiet))
    result = calibrate(d, few, space=SPACE, folds=2, n_trials=2, seed=3)
    f1, f2 = result.folds
    assert math.isnan(f2.test_long) and math.isnan(f2.default_long) and math.isnan(f2.baseline_long)
    assert not any(math.isnan(v) for v in (f1.test_long, f1.test_short, f2.test_short))
    where = f"fold 2's test windows ({f2.test_windows[0]} .. {f2.test_windows[1]})"
    assert result.notes[0] == (f"The actual long liquidations are 0 USD in all 2 of {where}: every long Spearman there "
                               "is undefined (nan); the long totals ratio there is undefined (nan): no actual "
                               "liquidation to divide by.")
    # the ratio itself: estimated / 0 USD was divided by a 1e-12 floor instead (about 1e14), now undefined
    assert math.isnan(f2.totals_ratio_long) and math.isfinite(f2.totals_ratio_short)
    assert result_to_dict(result)["folds"][1]["totals_ratio_long"] is None  # null in --json
    assert not any("fold 1's" in n for n in result.notes)  # its figures are defined
    assert result.notes[-1].startswith("The walk-forward test blocks hold only 2 windows (the first fold is fitted "
                                       "on 2): a Spearman over so few windows")
    assert f"(long {result.oos_totals_ratio_long:.2f}, short {result.oos_totals_ratio_short:.2f})" in result.notes[-1]
    printed = _table(result).splitlines()
    assert printed[-len(result.notes):] == [f"note: {n}" for n in result.notes]


def test_totals_ratios_over_no_actual_liquidation_are_undefined_and_noted(synthetic_set):
    # every judged window's actual long liquidations are 0 USD (SYNTHETIC): each long totals ratio (fold, out of
    # sample, final fit) divided a positive estimate by 0 USD (floored at 1e-12: about 1e14 printed)
    import dataclasses
    import math

    d, judged = synthetic_set
    d = dataclasses.replace(d, liquidations=dataclasses.replace(d.liquidations,
                                                                long_usd=np.zeros_like(d.liquidations.long_usd)))
    result = calibrate(d, judged, space=SPACE, folds=2, n_trials=2, seed=4)
    longs = [f.totals_ratio_long for f in result.folds] + [result.oos_totals_ratio_long, result.totals_ratio_long]
    assert all(math.isnan(r) for r in longs), longs
    shorts = [f.totals_ratio_short for f in result.folds] + [result.oos_totals_ratio_short, result.totals_ratio_short]
    assert all(math.isfinite(r) and r > 0 for r in shorts), shorts
    text = _table(result)
    assert "totals ratio long nan, short" in text and "e+1" not in text
    doc = result_to_dict(result)
    assert doc["oos_totals_ratio_long"] is None and doc["totals_ratio_long"] is None
    assert all(f["totals_ratio_long"] is None for f in doc["folds"])
    for where in ("the out-of-sample windows (all folds)", "the judged windows (in sample)"):  # the notes say why
        assert any(where in n and "the long totals ratio there is undefined (nan)" in n for n in result.notes), where


def test_totals_ratio_is_undefined_without_actual_liquidations():
    from liqheat_nautilus.evaluation.metrics import totals_ratio

    assert totals_ratio(3.0, 2.0) == 1.5 and totals_ratio(0.0, 4.0) == 0.0
    assert math.isnan(totals_ratio(5e5, 0.0)) and math.isnan(totals_ratio(0.0, 0.0))


def test_a_run_with_enough_windows_has_no_note(synthetic_set):
    d, judged = synthetic_set
    assert np.flatnonzero(judged).size >= 30  # blocks of >= 10 windows for 2 folds
    result = calibrate(d, judged, space=SPACE, folds=2, n_trials=2, seed=4)
    # two trials land below the default configuration here (said, and counted below); nothing else is noted
    assert [n for n in result.notes if "below the default configuration" not in n] == []
    assert any(n.startswith("the fit scores below the default configuration out of sample") for n in result.notes)
    assert [x for x in _table(result).splitlines() if x.startswith("note:")] == [f"note: {n}" for n in result.notes]
