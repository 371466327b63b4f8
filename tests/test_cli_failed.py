"""``cli.failed``: every command's one-line failure report and its exit status."""

from liqheat_nautilus.cli import EXIT_FAILURE, EXIT_USAGE, failed, main


def test_failed_prints_one_line_on_stderr_and_returns_the_status(capsys):
    assert failed("plot", ValueError("--at must be a UTC time, was 'x'"), EXIT_USAGE) == 2
    assert failed("ingest", "bars.csv line 3: close: not a number") == EXIT_FAILURE == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == ["plot failed: --at must be a UTC time, was 'x'",
                                "ingest failed: bars.csv line 3: close: not a number"]


def test_a_usage_error_of_a_command_exits_2_before_any_work(capsys):
    assert main(["sweep", "--grid", "no_such_grid.toml", "--top", "0"]) == EXIT_USAGE
    assert capsys.readouterr().err.strip() == "sweep failed: --top must be >= 1, got 0"


def test_name_values_reads_each_name_once_and_quotes_a_refused_item():
    from liqheat_nautilus.cli import name_values

    assert name_values([" a =1", "b=2.5"], "--x", "NAME=NUMBER", float) == {"a": 1.0, "b": 2.5}
    for items, message in ((["a"], "--x expects NAME=NUMBER, got 'a'"), (["=1"], "--x expects NAME=NUMBER, got '=1'"),
                           (["a=one"], "--x expects NAME=NUMBER, got 'a=one'"),
                           (["a=1", "a =2"], "--x gives a twice ('a =2'); give each field once")):
        try:
            name_values(items, "--x", "NAME=NUMBER", float)
        except ValueError as exc:
            assert str(exc) == message
        else:
            raise AssertionError(f"{items} accepted")
