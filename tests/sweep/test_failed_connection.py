"""A sweep whose Ray cannot start or be reached runs nothing and writes nothing: no output folder is left that
looks resumable, and a folder the user already had is left as it was. One line names the address, exit 1.

No Ray starts here: the address refuses connections (``127.0.0.1:1``), or ``ray.init`` raises the error Ray gives
for ``--address auto`` on a machine without a cluster (a real ``auto`` would connect to any Ray running on the
machine, such as another test's)."""

from pathlib import Path

import pytest

from liqheat_nautilus.cli import main
from liqheat_nautilus.paths import config_dir

BASE = config_dir() / "liquidation_hunt.toml"
NO_CLUSTER = ("Could not find any running Ray instance. Please specify the one to connect to by setting `--address` "
              "flag or `RAY_ADDRESS` environment variable.")  # ray.init(address="auto")'s message, Ray 2.x


@pytest.fixture
def no_ray(monkeypatch):
    """Ray not initialised in this process (the session's test Ray may be), and ``ray.init`` finding no cluster."""
    import ray

    def init(**kwargs):
        assert kwargs.get("address") is not None, "a local Ray would have been started"
        raise ConnectionError(NO_CLUSTER)

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", init)


def _grid(tmp_path: Path) -> Path:
    path = tmp_path / "g.toml"
    path.write_text(f'name = "g"\nbase = "{BASE}"\n[axes.strategy]\nmin_strength = [0.5, 0.7]\n')
    return path


@pytest.mark.parametrize("address", ["auto", "127.0.0.1:1"])
def test_a_failed_connection_leaves_no_new_folder(no_ray, tmp_path, capsys, address):
    out = tmp_path / "results" / "sweeps" / "g"
    assert main(["sweep", "--grid", str(_grid(tmp_path)), "--out", str(out), "--address", address,
                 "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sweep failed: ") and f"Ray at {address!r}" in err
    assert "Traceback" not in err
    assert not (tmp_path / "results").exists()  # before: grid.toml, .sweep.lock and cells/*/config.json


def test_a_failed_connection_leaves_an_existing_folder_as_it_was(no_ray, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("the user's\n")
    assert main(["sweep", "--grid", str(_grid(tmp_path)), "--out", str(out), "--address", "auto"]) == 1
    assert "Ray at 'auto'" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_a_failed_connection_leaves_a_sweeps_folder_resumable_as_it_was(no_ray, tmp_path):
    """A sweep's own folder (interrupted before): its grid copy, its finished cells and lock stay untouched."""
    out = tmp_path / "sweep"
    (out / "cells" / "0123456789abcdef").mkdir(parents=True)
    (out / "cells" / "0123456789abcdef" / "result.json").write_text('{"status": "ok"}\n')
    (out / "grid.toml").write_text("# the copy of an earlier run\n")
    (out / ".sweep.lock").touch()
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    assert main(["sweep", "--grid", str(_grid(tmp_path)), "--out", str(out), "--address", "auto"]) == 1
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert (out / "grid.toml").read_text() == "# the copy of an earlier run\n"
