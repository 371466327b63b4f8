"""``liqheat calibrate`` and ``evaluate`` as a user runs them: bad options, Ctrl-C and a failed write lose nothing.

In this process on the first 40 windows of the shipped Coinglass set, one trial and one fold (about a second);
the figures are not looked at, only what is printed and written.
"""

import pytest

from liqheat_nautilus.cli import calibrate_cmd, evaluate_cmd
from tests.cli_run import assert_clean_failure, call_liqheat

QUICK = ("--windows", "40", "--trials", "1", "--folds", "1")


@pytest.mark.parametrize(("option", "value"), [("--trials", "0"), ("--folds", "0"), ("--batch", "-1")])
def test_counts_below_one_name_the_option(capsys, tmp_path, option, value):
    proc = call_liqheat(capsys, "calibrate", *QUICK, option, value, "--out", tmp_path / "p.toml")
    assert_clean_failure(proc, f"{option} must be >= 1, was {value}")


def test_too_many_folds_gives_the_most_the_windows_allow(capsys, tmp_path):
    proc = call_liqheat(capsys, "calibrate", "--windows", "40", "--trials", "1", "--folds", "30",
                        "--out", tmp_path / "p.toml")
    # the command is named once (was "calibrate failed: calibrate: 34 judged windows ...")
    assert_clean_failure(proc, "calibrate failed: 34 judged windows are too few for 30 folds", "at most 16 folds")


def test_a_failed_profile_write_still_prints_the_fit(capsys, tmp_path, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(calibrate_cmd, "dump_profile", disk_full)
    proc = call_liqheat(capsys, "calibrate", *QUICK, "--out", tmp_path / "p.toml")
    assert_clean_failure(proc, "calibrate failed: cannot write", "No space left on device", "the fit is printed above",
                         among_logs=True)  # after the fold progress lines
    assert "out of sample (all folds)" in proc.stdout and "final fit on 34 windows" in proc.stdout


def test_ctrl_c_while_writing_leaves_the_previous_profile_whole(capsys, tmp_path, monkeypatch):
    out = tmp_path / "p.toml"
    out.write_text("# the previous profile\n")
    real = calibrate_cmd.dump_profile

    def interrupted_half_way(path, fields, description):
        real(path, fields, description)
        text = path.read_text()
        path.write_text(text[: len(text) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(calibrate_cmd, "dump_profile", interrupted_half_way)
    proc = call_liqheat(capsys, "calibrate", *QUICK, "--out", out)
    assert proc.returncode == 130 and "Traceback" not in proc.stderr
    assert out.read_text() == "# the previous profile\n"
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]


@pytest.mark.parametrize(("command", "module", "function"), [("calibrate", calibrate_cmd, "calibrate"),
                                                             ("evaluate", evaluate_cmd, "run_evaluation")])
def test_ctrl_c_inside_a_compiled_kernel_is_an_interrupt_not_a_traceback(capsys, tmp_path, monkeypatch, command,
                                                                         module, function):
    # Ctrl-C while numba dispatches a kernel reaches Python as SystemError caused by the KeyboardInterrupt
    def kernel_interrupted(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise SystemError("CPUDispatcher(<function interval_entries>) returned a result with an exception "
                              "set") from exc

    monkeypatch.setattr(module, function, kernel_interrupted)
    extra = ["--out", tmp_path / "p.toml", "--trials", "1", "--folds", "1"] if command == "calibrate" else ["--no-grid"]
    proc = call_liqheat(capsys, command, "--windows", "40", *extra)
    assert proc.returncode == 130
    assert f"{command} interrupted" in proc.stderr and not (tmp_path / "p.toml").exists()


@pytest.mark.parametrize(("argv", "expected"), [
    (["--dataset", "csv", "--data-dir", "x", "--bars", "b.csv"], "--data-dir does not apply to --dataset csv"),
    (["--catalog", "c", "--instrument-id", "X.Y", "--bars", "b.csv"], "--bars does not apply to --dataset catalog"),
    (["--taker-volume", "t.csv"], "--taker-volume does not apply to --dataset coinglass (only to --dataset csv)"),
])
def test_an_input_option_the_dataset_would_ignore_is_named(capsys, tmp_path, argv, expected):
    for command in ("evaluate", "calibrate"):
        proc = call_liqheat(capsys, command, *argv, "--out" if command == "calibrate" else "--no-grid",
                            *([tmp_path / "p.toml"] if command == "calibrate" else []))
        assert_clean_failure(proc, expected)


def test_a_failed_json_write_prints_the_report_instead(capsys, tmp_path, monkeypatch):
    from pathlib import Path

    out = tmp_path / "r.json"
    real = Path.write_text

    def disk_full(self, *args, **kwargs):
        if self == out:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", disk_full)
    proc = call_liqheat(capsys, "evaluate", "--windows", "40", "--no-grid", "--bootstrap", "0", "--json", out)
    assert_clean_failure(proc, f"cannot write --json {out}", "printed on stdout instead", among_logs=True)
    assert '"n_windows": 34' in proc.stdout


@pytest.mark.parametrize(("argv", "expected"), [
    # the command named once (was "calibrate failed: calibrate: model cannot be fitted ...")
    (["--fit", "model=1:2"], "calibrate failed: model cannot be fitted: it is not a number (value 'funding_adjusted')"),
    (["--param", "leverage_modle=normal"], "unknown map parameter(s) ['leverage_modle']; valid: ["),
    (["--fit", "leverage_mean=-5:10"],
     "calibrate failed: the fit range of leverage_mean (-5 .. 10) reaches a value MapParams rejects"),
    (["--param", "half_life_hours=-1"], "half_life_hours=-1"),
])
def test_bad_fit_or_param_stops_before_reading_data(capsys, tmp_path, argv, expected):
    # a missing Coinglass folder proves the check comes first: it would fail there otherwise
    proc = call_liqheat(capsys, "calibrate", "--data-dir", tmp_path / "missing", *argv, "--out", tmp_path / "p.toml")
    assert_clean_failure(proc, expected)


def test_the_profile_records_the_instrument_of_its_data(capsys, tmp_path):
    import tomllib

    from liqheat_nautilus.core.profile import profile_instrument_warning

    out = tmp_path / "p.toml"
    proc = call_liqheat(capsys, "calibrate", *QUICK, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert tomllib.loads(out.read_text())["calibration"]["instrument_id"] == "BTCUSDT-PERP.BINANCE"  # the set's
    assert profile_instrument_warning(out, "BTCUSDT-PERP.BINANCE") == ""
    warning = profile_instrument_warning(out, "SOL-USDT-SWAP.OKX")
    assert warning.startswith(f"map profile {out} was fitted on BTCUSDT-PERP.BINANCE (Coinglass BTC 4h")
    assert "not on SOL-USDT-SWAP.OKX" in warning and "--instrument-id SOL-USDT-SWAP.OKX" in warning
