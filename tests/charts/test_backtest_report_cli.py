"""``liqheat backtest`` writes the report chart into the run's results folder (default on, --no-report off)."""

from liqheat_nautilus.cli import main


def test_backtest_writes_report_chart_by_default(okx_catalog, tmp_path, capsys):
    code = main(["backtest", "--catalog", str(okx_catalog), "--results-dir", str(tmp_path), "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out
    (folder,) = [p for p in tmp_path.iterdir() if p.name.startswith("liquidation_hunt-")]
    html = folder / "liquidation_hunt_report.html"
    assert html.is_file() and html.stat().st_size > 100_000  # plotly.js is embedded: opens offline
    assert f"report chart     {html}" in out
    assert "fills.csv" in {p.name for p in folder.iterdir()}


def test_no_report_flag_skips_the_chart(okx_catalog, tmp_path):
    code = main(["backtest", "--catalog", str(okx_catalog), "--results-dir", str(tmp_path), "--no-progress",
                 "--no-report"])
    assert code == 0
    (folder,) = list(tmp_path.iterdir())
    assert not list(folder.glob("*_report.html"))


def test_without_chromium_the_png_is_named_as_skipped(okx_catalog, tmp_path, capsys, monkeypatch):
    # the PNG line of the README's expected output was missing without a word when no Chromium was installed
    import liqheat_nautilus.charts.browser as browser

    monkeypatch.setattr(browser, "find_chromium", lambda: None)
    code = main(["backtest", "--catalog", str(okx_catalog), "--results-dir", str(tmp_path), "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out
    (folder,) = [p for p in tmp_path.iterdir() if p.name.startswith("liquidation_hunt-")]
    assert not list(folder.glob("*.png")) and (folder / "liquidation_hunt_report.html").is_file()
    assert "report chart     PNG skipped: no Chromium found (apt-get install chromium" in out


def test_a_failing_chromium_skips_the_png_and_keeps_the_run(okx_catalog, tmp_path, capsys, monkeypatch):
    # a Chromium that fails (here /bin/false) ended a finished run with a BrowserError traceback and exit 1
    monkeypatch.setenv("LIQHEAT_CHROMIUM", "/bin/false")
    code = main(["backtest", "--catalog", str(okx_catalog), "--results-dir", str(tmp_path), "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out
    (folder,) = [p for p in tmp_path.iterdir() if p.name.startswith("liquidation_hunt-")]
    assert not list(folder.glob("*.png")) and (folder / "liquidation_hunt_report.html").is_file()
    assert f"report chart     {folder / 'liquidation_hunt_report.html'}" in out
    assert "report chart     PNG skipped: Chromium exited with 1" in out
