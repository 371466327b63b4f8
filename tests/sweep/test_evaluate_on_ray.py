"""``liqheat evaluate`` on the executor: the model × profile runs as Ray tasks give the same report as the
in-process loop (real shipped Coinglass set, first 120 windows)."""

import dataclasses
import json
import shutil
import tempfile

import pytest

from liqheat_nautilus.cli import main
from liqheat_nautilus.evaluation.coinglass import read_coinglass_dir
from liqheat_nautilus.evaluation.runner import EvaluationSettings, RunResult, run_evaluation
from liqheat_nautilus.sweep import Executor


def _runs(report) -> list[RunResult]:
    return [dataclasses.replace(r, replay_seconds=0.0) for r in report.runs]


def test_evaluate_runs_on_ray_give_the_same_report(ray_session):
    data = read_coinglass_dir(None).head_windows(120)
    settings = EvaluationSettings(models=("isolated_mmr", "simple"), profiles=("neutral", "aggressive"), n_boot=20)
    serial = run_evaluation(data, settings)
    with Executor(workers=2) as ex:
        started = []
        on_ray = run_evaluation(data, settings, executor=ex, progress=started.append)
    grid = [(m, p) for m in settings.models for p in settings.profiles]
    assert [(r.model, r.profile) for r in on_ray.runs] == [("default", "defaults"), *grid]
    assert _runs(on_ray) == _runs(serial)
    assert sorted(started) == sorted(["default × defaults", *(f"{m} × {p}" for m, p in grid)])
    assert all(not r.error and r.long.n_windows > 0 for r in on_ray.runs)
    with pytest.raises(ValueError, match="unknown leverage profile"):  # checked before anything runs
        run_evaluation(data, dataclasses.replace(settings, profiles=("neutral", "bogus")))


def test_evaluate_cli_workers_flag(ray_session, tmp_path, capsys):
    out = tmp_path / "ev.json"
    args = ["evaluate", "--windows", "80", "--models", "simple", "--profiles", "neutral", "conservative",
            "--bootstrap", "0", "--json", str(out)]
    assert main([*args, "--workers", "2"]) == 0
    on_ray = json.loads(out.read_text())
    assert main(args) == 0
    serial = json.loads(out.read_text())
    for report in (on_ray, serial):
        report.pop("seconds")
        for run in report["runs"]:
            run.pop("replay_seconds")
    assert on_ray == serial and len(on_ray["runs"]) == 4  # the default, the shipped calibrated profile, 2 grid runs
    assert main([*args, "--workers", "0"]) == 2  # an option value: a usage error, as sweep's --workers 0
    assert "--workers must be >= 1" in capsys.readouterr().err


@pytest.mark.parametrize(("command", "started", "message"), [
    (["evaluate", "--workers", "2", "--json"], "evaluating", "evaluate interrupted: nothing written"),
    (["calibrate", "--folds", "2", "--trials", "40", "--workers", "2", "--out"], "fold 1/2",
     "calibrate interrupted: no profile written"),
], ids=["evaluate", "calibrate"])
def test_sigterm_during_a_command_on_ray_stops_like_ctrl_c(tmp_path, command, started, message):
    """SIGTERM to ``liqheat evaluate`` / ``calibrate --workers 2`` while on Ray: exit 130 and its one-line message.

    Before, ``ray.init`` had replaced the handler with ``sys.exit(15)``: status 15 and Ray's "SIGTERM received"
    dump on stderr.
    """
    import os
    import subprocess
    import sys

    ray_tmp = tempfile.mkdtemp(prefix="lqe")  # short: Ray's socket paths live below it
    env = {**os.environ, "RAY_TMPDIR": ray_tmp, "RAY_USAGE_STATS_ENABLED": "0"}
    cmd = [sys.executable, "-m", "liqheat_nautilus.cli", *command, str(tmp_path / "report.json")]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # evaluate: a run submitted to Ray; calibrate: its first fold's trials on Ray
            if line.startswith(started):
                break
        proc.terminate()
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
        shutil.rmtree(ray_tmp, ignore_errors=True)
    assert proc.returncode == 130, stderr
    assert message in stderr
    assert "SIGTERM received" not in stderr and "Traceback" not in stdout + stderr
    assert not (tmp_path / "report.json").exists()
