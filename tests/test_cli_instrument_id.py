"""``--instrument-id`` is the instrument option's name on every command (Nautilus' ``instrument_id``, as evaluate,
calibrate and serve spell it); the commands that called it ``--instrument`` still accept that spelling."""

import pytest

from liqheat_nautilus.cli import build_parser

IID = "BTCUSDT-PERP.BINANCE"
COMMANDS = [
    ["backtest"],
    ["plot", "map"],
    ["plot", "heatmap"],
    ["catalog", "ingest", "okx"],
    ["catalog", "ingest", "binance", "BTCUSDT-1m-2024-01-01.zip", "--catalog", "cat"],
    ["catalog", "ingest", "coinglass"],
    ["catalog", "ingest", "csv", "--catalog", "cat"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:3]))
def test_instrument_id_and_its_former_name_give_the_same_instrument(command):
    parser = build_parser()
    by_new = parser.parse_args([*command, "--instrument-id", IID])
    by_old = parser.parse_args([*command, "--instrument", IID])
    assert by_new.instrument == by_old.instrument == IID
    assert vars(by_new) == vars(by_old)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:3]))
def test_the_help_names_instrument_id(command, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args([*command[:3 if command[0] == "catalog" else len(command)], "--help"])
    text = capsys.readouterr().out
    assert "--instrument-id ID, --instrument ID" in text and "[--instrument-id ID]" in text
