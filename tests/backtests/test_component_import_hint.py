"""A strategy module of the user's own that ``liqheat`` cannot import: the error says how to make it importable."""

import pytest
from nautilus_trader.trading.strategy import Strategy

from liqheat_nautilus.components import resolve_class


def _message(path: str) -> str:
    with pytest.raises(ValueError) as info:
        resolve_class(path, "strategies[0].path", Strategy)
    return str(info.value)


def test_a_module_in_the_current_folder_is_named_with_pythonpath(tmp_path, monkeypatch):
    # `liqheat backtest --config my.toml` from the folder holding my_fade.py said only "module 'my_fade' not found
    # (No module named 'my_fade')": the console script does not import from the current folder
    (tmp_path / "my_fade.py").write_text("")
    monkeypatch.chdir(tmp_path)
    message = _message("my_fade:Fade")
    assert message.startswith("strategies[0].path: module 'my_fade' not found")
    assert f"{tmp_path / 'my_fade.py'} is in the current folder" in message
    assert "PYTHONPATH=." in message


def test_a_module_elsewhere_gets_the_pythonpath_hint_without_a_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    message = _message("my_fade:Fade")
    assert "in the current folder" not in message and "PYTHONPATH=<its folder>" in message


def test_a_misspelt_module_of_an_installed_package_gets_no_pythonpath_hint():
    message = _message("strategies.liquidation_hnt:LiquidationHuntStrategy")
    assert "module 'strategies.liquidation_hnt' not found" in message and "PYTHONPATH" not in message
