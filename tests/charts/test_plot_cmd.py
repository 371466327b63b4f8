"""``liqheat plot map|heatmap`` on the real OKX sample: files written, paths printed, errors reported."""

import re
import shutil
from pathlib import Path

from liqheat_nautilus.cli import main
from liqheat_nautilus.paths import sample_dir


def test_plot_map_and_heatmap_write_self_contained_html(okx_catalog, tmp_path, capsys):
    for chart in ("map", "heatmap"):
        code = main(["plot", chart, "--catalog", str(okx_catalog), "--at", "2026-06-18T06:30",
                     "--out", str(tmp_path), "--formats", "html"])
        assert code == 0
    printed = capsys.readouterr().out.split()
    assert [p.rsplit("/", 1)[-1] for p in printed] == [
        "liquidation_map_SOL-USDT-SWAP_OKX_20260618T0630.html",
        "liquidation_heatmap_SOL-USDT-SWAP_OKX_20260618T0630.html",
    ]
    for path in printed:
        text = Path(path).read_text(encoding="utf-8")
        assert "Plotly.newPlot" in text  # plotly.js is embedded: the page opens offline
        assert '<script src="http' not in text and "cdn.plot.ly" not in text.split("Plotly.newPlot")[1]
    # the map stands at the bar closing 2026-06-18 06:30 UTC: ohlcv_1m.csv row ts=1781764140000 (opens 06:29),
    # close 71.15
    assert "current price 71.15" in Path(printed[0]).read_text(encoding="utf-8")


def test_plot_reports_bad_input(okx_catalog, tmp_path, capsys):
    # bad option values are usage errors (exit 2, as argparse's); a missing catalog is a failure (exit 1)
    assert main(["plot", "map", "--catalog", str(okx_catalog), "--at", "yesterday-ish", "--out", str(tmp_path)]) == 2
    assert "--at: not a time" in capsys.readouterr().err  # the option named
    assert main(["plot", "map", "--catalog", str(okx_catalog), "--formats", "svg", "--out", str(tmp_path)]) == 2
    assert "--formats" in capsys.readouterr().err
    assert main(["plot", "map", "--catalog", str(okx_catalog), "--model", "isolated", "--out", str(tmp_path)]) == 2
    assert "--model 'isolated' (one of" in capsys.readouterr().err
    # each exited 1 (after reading the catalog), where backtest's same mistakes exit 2
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for option, value, said in (("--instrument-id", "garbage", "is not a Nautilus instrument id"),
                                ("--bar-spec", "garbage", "is not a bar specification"),
                                ("--out", str(blocker), "is a file, not a folder")):
        argv = ["plot", "map", "--catalog", str(okx_catalog), "--out", str(tmp_path), option, value]
        assert main(argv) == 2 and f"{option} " in (err := capsys.readouterr().err) and said in err
    blocker.unlink()
    assert main(["plot", "heatmap", "--catalog", str(tmp_path / "missing"), "--out", str(tmp_path)]) == 1
    assert "catalog not found" in capsys.readouterr().err
    # an --at outside the bars' span is a usage error naming that span (it exited 1)
    assert main(["plot", "map", "--catalog", str(okx_catalog), "--at", "2020-01-01", "--out", str(tmp_path)]) == 2
    assert ("--at 2020-01-01 is outside the data: the bars of SOL-USDT-SWAP.OKX span 2026-06-11 15:25:00+00:00 -> "
            "2026-06-26 15:24:00+00:00 (SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL)") in capsys.readouterr().err
    # before the first open-interest reading the chart was empty, exit 0 and no word
    assert main(["plot", "map", "--catalog", str(okx_catalog), "--at", "2026-06-11T15:30", "--out", str(tmp_path)]) == 1
    assert ("the map of SOL-USDT-SWAP.OKX is empty at 2026-06-11 15:30:00+00:00: its first open-interest reading is "
            "at 2026-06-11 16:00:00+00:00") in capsys.readouterr().err
    # nan and inf were accepted (exit 0); --window-pct nan exited 1 naming the setting, not the option
    # --hours 1e300: an OverflowError traceback after the replay (its nanoseconds)
    hours = "--hours must be a number in 0 .. 1000000 (0: all of the history)"
    for chart, option, value, said in (("heatmap", "--hours", "nan", hours), ("heatmap", "--hours", "1e300", hours),
                                       ("map", "--window-pct", "inf", "--window-pct must be a finite number"),
                                       ("map", "--window-pct", "nan", "--window-pct must be a finite number")):
        assert main(["plot", chart, "--catalog", str(okx_catalog), option, value, "--out", str(tmp_path)]) == 2
        assert said in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_a_grid_too_narrow_for_any_liquidation_level_is_warned_about(okx_catalog, tmp_path, capsys):
    # --bin-bps 1e-6 (MapParams takes any bin_bps > 0) drew an empty chart, exit 0 and no word
    from liqheat_nautilus.cli.plot_cmd import narrow_grid_warning

    base = ["--catalog", str(okx_catalog), "--at", "2026-06-18T06:30", "--out", str(tmp_path), "--formats", "html"]
    # the map is drawn (empty) with a warning; the heatmap has no snapshot to draw: it said "the history holds no
    # snapshot (enable history_capacity and record_history())"
    for chart, code, said in (("map", 0, "WARNING: "), ("heatmap", 1, "plot failed: ")):
        assert main(["plot", chart, *base, "--bin-bps", "1e-6"]) == code
        err = capsys.readouterr().err
        assert err.startswith(f"{said}the map has nothing to draw: its grid (--n-bins 1000 x --bin-bps 1e-06) "
                              "spans +/-"), err
        assert "larger --bin-bps or --n-bins" in err
        # the model's nearest level (maintenance margin included), not 1/L of the highest tier (0.8 % at 125x)
        nearest = float(re.search(r"up to 125x\) lies ([0-9.]+) % away", err).group(1))
        assert 0.0 < nearest < 0.8
    for bps in ("10", "1"):  # 1 bps: the grid (+/-0.5 %) holds the nearest levels
        assert main(["plot", "map", *base, "--bin-bps", bps]) == 0
        assert "WARNING" not in capsys.readouterr().err
    assert narrow_grid_warning(type("NoGrid", (), {"grid": None})()) == ""


def test_chart_pages_are_ordinary_files(okx_catalog, tmp_path, capsys):
    # the page was written through mkstemp and kept its private mode (0600) while the PNG was 0644
    import os

    mask = os.umask(0o022)
    try:
        assert main(["plot", "map", "--catalog", str(okx_catalog), "--out", str(tmp_path), "--formats", "html",
                     "--name", "m"]) == 0
    finally:
        os.umask(mask)
    assert (tmp_path / "m.html").stat().st_mode & 0o777 == 0o644


def test_page_is_still_written_when_chromium_cannot_run(okx_catalog, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LIQHEAT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    code = main(["plot", "map", "--catalog", str(okx_catalog), "--out", str(tmp_path), "--name", "m"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out.split() == [str(tmp_path / "m.html")] and (tmp_path / "m.html").is_file()
    assert "cannot run Chromium" in captured.err and not (tmp_path / "m.png").exists()


def test_png_without_any_chromium_fails_before_writing_anything(okx_catalog, tmp_path, capsys, monkeypatch):
    # the map's HTML was written, then "no Chromium found": half the output
    import liqheat_nautilus.charts.browser as browser

    monkeypatch.setattr(browser, "find_chromium", lambda: None)
    out = tmp_path / "charts"
    code = main(["plot", "map", "--catalog", str(okx_catalog), "--out", str(out), "--name", "m"])
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert "no Chromium found for the PNG" in err and "or give --formats html" in err
    assert main(["plot", "map", "--catalog", str(okx_catalog), "--out", str(out), "--name", "m",
                 "--formats", "html"]) == 0 and (out / "m.html").is_file()


def test_plot_params_take_the_profile_file_and_the_instruments_inverse_flag(okx_catalog, tmp_path):
    from liqheat_nautilus.cli import build_parser
    from liqheat_nautilus.cli.plot_cmd import map_source, plot_params
    from liqheat_nautilus.core.profile import load_profile
    from liqheat_nautilus.paths import project_root
    from liqheat_nautilus.serve.maps import MapStore

    profile = project_root() / "config" / "profiles" / "btc_coinglass_calibrated.toml"
    args = build_parser().parse_args(["plot", "map", "--profile-file", str(profile), "--mmr", "0.004"])
    assert map_source(args) is None  # no backtest file: the options, with their defaults filled in
    params = plot_params(args)
    fitted = load_profile(profile)
    assert params.leverage_mean == fitted["leverage_mean"] and params.leveraged_share == fitted["leveraged_share"]
    assert params.mmr == 0.004 and params.inverse is False  # an option the profile does not set; a linear swap
    # an inverse contract gets the inverse formulas, as in the actor (the plot and serve replays were linear): the
    # one catalog read says so and the replay follows it
    from liqheat_nautilus.persistence.reader import read_market_series

    assert read_market_series(okx_catalog, "SOL-USDT-SWAP.OKX").is_inverse is False
    store = MapStore(okx_catalog)
    assert store.replay("SOL-USDT-SWAP.OKX", "isolated_mmr", "neutral").params.inverse is False


def test_plot_reports_a_bad_profile_file(okx_catalog, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[map]\nleverage_mean = "high"\n')
    assert main(["plot", "map", "--catalog", str(okx_catalog), "--profile-file", str(bad), "--out",
                 str(tmp_path / "out"), "--formats", "html"]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "leverage_mean='high' (expected a number)" in err
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_plot_warns_of_a_profile_fitted_on_another_instrument(okx_catalog, tmp_path, capsys):
    from liqheat_nautilus.paths import project_root

    profile = project_root() / "config" / "profiles" / "btc_coinglass_calibrated.toml"  # fitted on BTCUSDT
    assert main(["plot", "map", "--catalog", str(okx_catalog), "--profile-file", str(profile), "--out",
                 str(tmp_path / "out"), "--formats", "html"]) == 0  # drawn all the same
    captured = capsys.readouterr()
    assert f"WARNING: map profile {profile} was fitted on BTCUSDT-PERP.BINANCE" in captured.err
    assert "not on SOL-USDT-SWAP.OKX" in captured.err and captured.out.strip().endswith(".html")


def test_plot_names_the_profile_whose_inverse_contradicts_the_instrument(okx_catalog, tmp_path, capsys):
    profile = tmp_path / "inv.toml"  # the map was refused without naming the file that set inverse
    profile.write_text("[map]\ninverse = true\nhalf_life_hours = 24.0\n")
    assert main(["plot", "map", "--catalog", str(okx_catalog), "--profile-file", str(profile), "--out",
                 str(tmp_path / "out"), "--formats", "html"]) == 1
    assert f"plot failed: {profile}: MapParams(inverse=True) contradicts the instrument SOL-USDT-SWAP.OKX" \
        in capsys.readouterr().err


def test_backtest_file_draws_its_map_actors_parameters(okx_catalog, tmp_path, capsys):
    from liqheat_nautilus.cli import build_parser
    from liqheat_nautilus.cli.plot_cmd import map_source, plot_params
    from liqheat_nautilus.core.profile import load_profile
    from liqheat_nautilus.paths import config_dir, project_root

    # the main job's file: the same map as the options' defaults (they are that file's actor config)
    main_job = build_parser().parse_args(["plot", "map", "--backtest-file", str(config_dir() / "liquidation_hunt.toml"),
                                          "--catalog", str(okx_catalog)])
    config = map_source(main_job)
    assert config is not None and main_job.instrument == "SOL-USDT-SWAP.OKX" and main_job.bar_spec == "1-MINUTE-LAST"
    plain = build_parser().parse_args(["plot", "map"])
    map_source(plain)
    assert plot_params(main_job, config) == plot_params(plain)
    # another actor config: its fields and its map_profile reach the chart, as they reach the actor
    profile = project_root() / "config" / "profiles" / "btc_coinglass_calibrated.toml"
    text = (config_dir() / "liquidation_hunt.toml").read_text().replace(
        "mmr = 0.005", f'mmr = 0.006\nmap_profile = "{profile}"').replace(
        "publish_interval_secs = 3600", "publish_interval_secs = 1800")
    mine = tmp_path / "mine.toml"
    mine.write_text(text)
    args = build_parser().parse_args(["plot", "map", "--backtest-file", str(mine), "--catalog", str(okx_catalog)])
    params = plot_params(args, map_source(args))
    fitted = load_profile(profile)
    assert params.mmr == 0.006 and params.leverage_mean == fitted["leverage_mean"]
    assert params.leveraged_share == fitted["leveraged_share"] and args.snapshot_minutes == 30
    assert main(["plot", "heatmap", "--backtest-file", str(mine), "--catalog", str(okx_catalog), "--at",
                 "2026-06-18T06:30", "--out", str(tmp_path / "out"), "--formats", "html"]) == 0
    assert capsys.readouterr().out.strip().endswith("liquidation_heatmap_SOL-USDT-SWAP_OKX_20260618T0630.html")


def test_backtest_file_errors_name_the_clash_or_the_file(okx_catalog, tmp_path, capsys):
    from liqheat_nautilus.paths import config_dir

    hunt = str(config_dir() / "liquidation_hunt.toml")
    out = tmp_path / "out"
    # an option clash: a usage error (exit 2; it exited 1)
    assert main(["plot", "map", "--backtest-file", hunt, "--mmr", "0.004", "--n-bins", "500", "--out", str(out)]) == 2
    assert "--mmr, --n-bins cannot be given with --backtest-file" in capsys.readouterr().err
    assert main(["plot", "map", "--backtest-file", str(tmp_path / "nope.toml"), "--out", str(out)]) == 1
    assert "backtest config not found" in capsys.readouterr().err
    no_actor = tmp_path / "no_actor.toml"
    text = (config_dir() / "liquidation_hunt.toml").read_text()
    no_actor.write_text(text[:text.index("[[actors]]")] + text[text.index("[[strategies]]"):])
    assert main(["plot", "map", "--backtest-file", str(no_actor), "--catalog", str(okx_catalog), "--out",
                 str(out)]) == 1
    err = capsys.readouterr().err
    assert str(no_actor) in err and "0 liquidation-map actors" in err and "Traceback" not in err
    assert not out.exists()


def _catalog_with_late_open_interest(okx_catalog: Path, tmp_path: Path, days: int, keep_own: bool = True) -> Path:
    """The OKX sample with its open interest shifted ``days`` later ingested too (real readings, moved in time)."""
    catalog = tmp_path / "late_oi"
    shutil.copytree(okx_catalog, catalog)
    if not keep_own:
        shutil.rmtree(catalog / "data" / "custom_open_interest")
    shift_ms = days * 86_400_000
    rows = (sample_dir() / "open_interest.csv").read_text().splitlines()[1:]
    (tmp_path / "oi.csv").write_text("timestamp,open_interest_usd\n" + "".join(
        f"{int(r.split(',')[0]) + shift_ms},{r.split(',')[2]}\n" for r in rows))
    assert main(["catalog", "ingest", "csv", "--catalog", str(catalog), "--instrument-id", "SOL-USDT-SWAP.OKX",
                 "--open-interest", str(tmp_path / "oi.csv")]) == 0
    return catalog


def test_open_interest_wholly_before_the_bars_is_named_as_such(okx_catalog, tmp_path, capsys):
    # the sample's readings moved 30 days before its bars: the refusal said "give --at", and with --at the map was
    # empty "...: its first open-interest reading is at 2026-05-12 16:00", a time before --at that explained nothing
    catalog = _catalog_with_late_open_interest(okx_catalog, tmp_path, -30, keep_own=False)
    capsys.readouterr()
    out = tmp_path / "out"
    assert main(["plot", "map", "--catalog", str(catalog), "--out", str(out), "--formats", "html"]) == 1
    err = capsys.readouterr().err
    assert "no open interest overlaps the bars" in err and "give --at" not in err
    assert main(["plot", "map", "--catalog", str(catalog), "--at", "2026-06-20", "--out", str(out),
                 "--formats", "html"]) == 1
    err = capsys.readouterr().err
    assert ("the map of SOL-USDT-SWAP.OKX is empty at 2026-06-20 00:00:00+00:00: its open interest "
            "(2026-05-12 16:00:00+00:00 -> 2026-05-27 15:00:00+00:00) ends before its first bar "
            "(2026-06-11 15:25:00+00:00)") in err, err
    assert not out.exists()


def test_default_at_is_where_bars_and_open_interest_overlap(okx_catalog, tmp_path, capsys):
    # open interest going on 30 days after the last bar: without --at the map stood at the catalog's last reading
    # (2026-07-26 15:00, a month of readings placed at the last bar's price), the file was named after it and the
    # title after the last bar (2026-06-26 15:24); now both stand at the last bar, the readings after it unused
    catalog = _catalog_with_late_open_interest(okx_catalog, tmp_path, 30)
    capsys.readouterr()
    out = tmp_path / "out"
    for chart, title in (("map", "liquidation map · 2026-06-26 15:24 UTC"),
                         ("heatmap", "liquidation heatmap · 2026-06-11 16:01 → 2026-06-26 15:24 UTC")):
        assert main(["plot", chart, "--catalog", str(catalog), "--out", str(out), "--formats", "html"]) == 0
        printed = Path(capsys.readouterr().out.strip())
        assert printed.name == f"liquidation_{'map' if chart == 'map' else 'heatmap'}_SOL-USDT-SWAP_OKX_" \
                               "20260626T1524.html"
        assert title in printed.read_text(encoding="utf-8")
    # an --at among the late readings but after the last bar is refused, naming the bars' span
    assert main(["plot", "map", "--catalog", str(catalog), "--at", "2026-07-20", "--out", str(out)]) == 2
    assert ("plot failed: --at 2026-07-20 is outside the data: the bars of SOL-USDT-SWAP.OKX span 2026-06-11 "
            "15:25:00+00:00 -> 2026-06-26 15:24:00+00:00 (SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL)") \
        in capsys.readouterr().err


def test_no_open_interest_within_the_bars_is_named_without_at(okx_catalog, tmp_path, capsys):
    # readings only after the bars: the map was drawn at the last reading, over the last bar's price, exit 0
    catalog = _catalog_with_late_open_interest(okx_catalog, tmp_path, 30, keep_own=False)
    capsys.readouterr()
    assert main(["plot", "map", "--catalog", str(catalog), "--out", str(tmp_path / "out"), "--formats", "html"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("plot failed: no open interest overlaps the bars of SOL-USDT-SWAP.OKX (SOL-USDT-SWAP.OKX-"
                          "1-MINUTE-LAST-EXTERNAL, 2026-06-11 15:25:00+00:00 -> 2026-06-26 15:24:00+00:00)"), err
    assert "open interest held: SOL-USDT-SWAP.OKX 2026-07-11 16:00:00+00:00 -> 2026-07-26 15:00:00+00:00" in err
    # --at cannot help (readings outside the bars have no price), and the catalog holds no trades for the trades mode
    assert "give --at" not in err and "trade ticks" not in err
    assert not (tmp_path / "out").exists()
