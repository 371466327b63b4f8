"""The executor on a local Ray (2 CPUs) and in-process: failures are per task, output is captured per task,
shared objects go through the object store, a killed worker's task is re-run."""

import glob
import os
import signal
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from liqheat_nautilus.sweep import Executor, ExecutorError
from liqheat_nautilus.sweep.executor import check_reachable, signals_held

from .tasks import slow_pid, square_and_talk, talk_then_sleep

ITEMS = [(f"k{x}", f"x={x}", (x,)) for x in range(5)]


def _run(executor):
    with executor:
        return {r.key: r for r in executor.map(square_and_talk, ITEMS, shared=({"k": 10},))}


@pytest.mark.parametrize("in_process", [False, True], ids=["ray", "in-process"])
def test_failures_are_per_task_and_output_is_captured(ray_session, in_process, capfd):
    results = _run(Executor(workers=2, in_process=in_process))
    assert sorted(results) == [f"k{x}" for x in range(5)]
    for x in (0, 1, 2, 4):
        r = results[f"k{x}"]
        assert r.ok and r.value == 10 * x * x and r.label == f"x={x}"
        assert f"python says {x}" in r.log and f"C printf says {x}" in r.log
    bad = results["k3"]
    assert not bad.ok and bad.value is None and bad.error == "ValueError: three is not welcome (3)"
    assert "Traceback" in bad.traceback and "three is not welcome" in bad.log
    assert "says" not in capfd.readouterr().out  # nothing reached the terminal


def test_ray_runs_in_parallel_worker_processes(ray_session, tmp_path):
    pids = tmp_path / "pids"
    with Executor(workers=2) as ex:
        assert ex.slots == 2
        started = time.perf_counter()
        out = list(ex.map(slow_pid, [(str(i), "", (str(pids), 1.0)) for i in range(4)]))
        elapsed = time.perf_counter() - started
    assert all(r.ok for r in out) and len({r.value for r in out}) >= 2
    assert all(r.pid == r.value and r.pid != os.getpid() for r in out)
    assert elapsed < 3.5  # 4 x 1 s on 2 workers (sequentially it would take 4 s)


def test_submit_and_as_completed_for_ask_tell_loops(ray_session):
    """The pattern an Optuna ask/tell loop uses: keep N trials in flight, tell each result as it comes."""
    told = []
    with Executor(workers=2) as ex:
        asked = iter(range(6))
        for _ in range(ex.slots):
            x = next(asked)
            ex.submit(square_and_talk, {"k": 1}, x + 4, key=f"t{x}")
        while ex.pending:
            result = next(ex.as_completed())
            told.append((result.key, result.value))
            x = next(asked, None)
            if x is not None:
                ex.submit(square_and_talk, {"k": 1}, x + 4, key=f"t{x}")
    assert sorted(told) == sorted((f"t{x}", (x + 4) ** 2) for x in range(6))
    with Executor(in_process=True) as ex:
        ex.submit(square_and_talk, {"k": 1}, 2, key="a")
        with pytest.raises(ValueError, match="already pending"):
            ex.submit(square_and_talk, {"k": 1}, 2, key="a")


def _first_pid(pids, timeout: float = 120.0) -> int:
    """The pid the first task wrote to ``pids``, once its line is complete (the file exists a moment before)."""
    deadline = time.monotonic() + timeout
    while not (pids.exists() and pids.read_text().endswith("\n")):
        assert time.monotonic() < deadline, "the task did not start"
        time.sleep(0.05)
    return int(pids.read_text().split()[0])


def test_a_killed_worker_is_retried(ray_session, tmp_path):
    pids = tmp_path / "pids"
    with Executor(workers=2, max_retries=2) as ex:
        ex.submit(slow_pid, str(pids), 3.0, key="victim")
        first = _first_pid(pids)
        os.kill(first, signal.SIGKILL)
        (result,) = list(ex.as_completed())
    assert result.ok and result.value != first
    assert [int(p) for p in pids.read_text().split()] == [first, result.value]  # ran twice, finished once
    with Executor(workers=1, max_retries=0) as ex:
        pids.unlink()
        words = f"last words {uuid.uuid4().hex}"
        ex.submit(talk_then_sleep, str(pids), words, 3.0, key="victim")
        os.kill(_first_pid(pids), signal.SIGKILL)
        (result,) = list(ex.as_completed())
    assert not result.ok and "Worker" in result.error  # no retry left: reported, not raised
    # what the dead worker had written is in the result, and its liqheat-task-*.log no longer in the temp folder
    # (it was left there, and the result's log was empty)
    assert words in result.log
    assert [p for p in glob.glob(os.path.join(tempfile.gettempdir(), "liqheat-task-*.log")) if words in _text(p)] == []


def _text(path: str) -> str:
    """A file's text, ``""`` once it is gone (other processes' task files come and go)."""
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def test_bad_options_and_unreachable_cluster():
    with pytest.raises(ExecutorError, match="workers must be >= 1"), Executor(workers=0):
        pass
    for address in ("127.0.0.1:1", "ray://127.0.0.1:1"):
        with pytest.raises(ExecutorError, match="cannot reach Ray at .*refused"):
            check_reachable(address)
    with pytest.raises(ExecutorError, match="expected 'auto', 'ray://HOST:PORT' or 'HOST:PORT'"):
        check_reachable("headnode")
    check_reachable("auto")  # left to Ray


def test_signals_held_records_sigint_and_sigterm_and_restores_the_handlers():
    """Both signals arriving inside the block are recorded, not acted on; the handlers are the caller's after."""
    def raise_interrupt(signum, frame):
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, raise_interrupt)
    try:
        int_handler = signal.getsignal(signal.SIGINT)
        with signals_held(signal.SIGINT, signal.SIGTERM) as held:
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handlers run between bytecodes of the main thread
        assert held == [signal.SIGTERM, signal.SIGINT]
        assert signal.getsignal(signal.SIGTERM) is raise_interrupt and signal.getsignal(signal.SIGINT) is int_handler
    finally:
        signal.signal(signal.SIGTERM, before)


def test_signals_held_leaves_an_unhandled_signal_alone():
    """A signal Python does not handle (default action) is not held: the block does not swallow it."""
    before = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with signals_held(signal.SIGTERM) as held:
            assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        assert held == []
    finally:
        signal.signal(signal.SIGTERM, before)
