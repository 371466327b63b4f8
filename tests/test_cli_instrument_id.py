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


CHECKED = [
    ["backtest"],
    ["plot", "map"],
    ["plot", "heatmap"],
    ["serve", "--no-warm-up", "--catalog", "{tmp}"],
    ["evaluate", "--dataset", "catalog", "--catalog", "{tmp}"],
    ["calibrate", "--dataset", "catalog", "--catalog", "{tmp}", "--out", "{tmp}/cat/p.toml"],
    ["catalog", "ingest", "okx", "--catalog", "{tmp}/cat"],
    ["catalog", "ingest", "binance", "{tmp}/BTCUSDT-1m-2024-01-01.zip", "--catalog", "{tmp}/cat"],
    ["catalog", "ingest", "coinglass", "--catalog", "{tmp}/cat"],
    ["catalog", "ingest", "csv", "--catalog", "{tmp}/cat", "--open-interest", "{tmp}/oi.csv"],
]


@pytest.mark.parametrize("command", CHECKED, ids=lambda c: " ".join(c[:3]))
def test_an_id_that_is_not_symbol_venue_is_a_usage_error_naming_the_option(command, capsys, tmp_path):
    # serve, evaluate and the ingests exited 1 after looking for it ("no bars of bogus", or the ingest's source
    # folder named as the culprit); a malformed id is wrong whatever the files hold, as backtest and plot say
    from tests.cli_run import assert_clean_failure, call_liqheat

    argv = [part.replace("{tmp}", str(tmp_path)) for part in command]
    proc = call_liqheat(capsys, *argv, "--instrument-id", "bogus")
    assert_clean_failure(proc, "--instrument-id 'bogus' is not a Nautilus instrument id SYMBOL.VENUE")
    assert proc.returncode == 2 and not (tmp_path / "cat").exists()
