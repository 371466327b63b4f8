"""A local Ray (2 CPUs) for the sweep tests, started once per session and checked to leave no process behind.

Every process of this Ray inherits the marker variable ``LIQHEAT_TEST_RAY`` (set before ``ray.init``); after
``ray.shutdown()`` the teardown waits for those processes to end, kills any that remain (by pid) and fails.
"""

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest

MARKER = "LIQHEAT_TEST_RAY"


def marked_pids(marker_value: str) -> list[int]:
    """Pids of the processes whose initial environment holds ``LIQHEAT_TEST_RAY=<marker_value>``."""
    needle = f"{MARKER}={marker_value}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def process_title(pid: int) -> str:
    """The command line (Ray sets ``ray::<task function>`` on a worker running a task)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


@pytest.fixture(scope="session")
def ray_session():
    """``ray.init(num_cpus=2)`` in a private temp folder; yields the marker value; no leftover process after."""
    import ray

    temp = tempfile.mkdtemp(prefix="lqray")  # short: Ray's socket paths live below it
    marker = Path(temp).name
    os.environ[MARKER] = marker  # inherited by Ray's services (and so by its workers), not by later processes
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _temp_dir=temp, logging_level="ERROR")
    finally:
        del os.environ[MARKER]
    try:
        yield marker
    finally:
        ray.shutdown()
        deadline = time.monotonic() + 20
        while marked_pids(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = marked_pids(marker)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)
        assert not left, f"Ray processes left after shutdown: {[process_title(p) for p in left]}"
