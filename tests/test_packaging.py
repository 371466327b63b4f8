"""What a wheel (``pip install .``, not editable) carries: every non-Python file of the packages is declared as
package data in ``pyproject.toml``, so ``liqheat serve``'s dashboard and the ``py.typed`` marker are installed."""

import fnmatch
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("liqheat_nautilus", "strategies")
SKIPPED_SUFFIXES = {".py", ".pyc", ".pyi", ".nbi", ".nbc"}  # sources, and bytecode/numba caches made at run time


def _declared() -> dict[str, list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"].get("package-data", {})


def _is_declared(path: Path, declared: dict[str, list[str]]) -> bool:
    # setuptools matches a package's patterns against paths relative to that package's folder
    for package, patterns in declared.items():
        folder = ROOT.joinpath(*package.split("."))
        if folder in path.parents:
            rel = path.relative_to(folder).as_posix()
            if any(fnmatch.fnmatch(rel, pattern) for pattern in patterns):
                return True
    return False


def test_every_non_python_file_of_the_packages_is_package_data():
    declared = _declared()
    data_files = [p for package in PACKAGES for p in (ROOT / package).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix not in SKIPPED_SUFFIXES]
    assert data_files, "expected the dashboard's static files at least"
    missing = [str(p.relative_to(ROOT)) for p in data_files if not _is_declared(p, declared)]
    assert not missing, f"not in [tool.setuptools.package-data] of pyproject.toml, so not in a wheel: {missing}"


def test_the_package_is_marked_typed():
    assert (ROOT / "liqheat_nautilus" / "py.typed").is_file()
    assert "py.typed" in _declared()["liqheat_nautilus"]


def test_version_is_written_once_and_printed_by_the_cli(capsys):
    from importlib.metadata import version

    import liqheat_nautilus
    from tests.cli_run import call_liqheat

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in config["project"] and "version" in config["project"]["dynamic"]
    assert config["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "liqheat_nautilus.__version__"}
    with pytest.raises(SystemExit) as exc:  # argparse's version action exits 0 after printing
        call_liqheat(capsys, "--version")
    assert exc.value.code == 0
    nautilus = version("nautilus_trader")
    expected = f"liqheat-nautilus {liqheat_nautilus.__version__} (NautilusTrader {nautilus}, Python 3.11."
    assert capsys.readouterr().out.strip().startswith(expected)
