"""The chart pages rendered by a real browser: headless Chromium (Debian's ``chromium``) loads each generated HTML
from its ``file://`` URL; Plotly's SVG root must be present, no JavaScript error raised, the screenshot not blank.

Chromium is required under CI (``CI`` set to true): the test fails there when it is missing. Elsewhere it is
skipped with the reason when Chromium is absent.
"""

import os

import numpy as np
import pandas as pd
import pytest

from liqheat_nautilus.charts.backtest_report import write_backtest_report
from liqheat_nautilus.charts.browser import find_chromium, screenshot
from liqheat_nautilus.cli import main
from liqheat_nautilus.core import MapParams
from liqheat_nautilus.persistence.reader import read_market_series
from liqheat_nautilus.replay import replay_engine
from tests.charts.page_check import check_page

LAYER = {"map": 'class="barlayer', "heatmap": 'class="heatmaplayer', "report": 'class="heatmaplayer'}
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="module")
def chromium():
    exe = find_chromium()
    if exe is None:
        if IN_CI:
            pytest.fail("CI=true but no Chromium found: .ci/run must install Debian's chromium package")
        pytest.skip("no Chromium on this machine (apt-get install chromium); required and run under CI")
    return exe


def _pixels(png):
    from PIL import Image

    with Image.open(png) as img:
        return np.asarray(img.convert("RGB"), dtype=np.float64)


@pytest.fixture(scope="module")
def rendered(chromium, okx_catalog, tmp_path_factory):
    """The map and heatmap of the real OKX sample at 2026-06-22 00:00 UTC, written as HTML + PNG by the CLI, and
    a backtest report over the real bars and map history (its comparison table is SYNTHETIC)."""
    out = tmp_path_factory.mktemp("charts")
    for chart in ("map", "heatmap"):
        assert main(["plot", chart, "--catalog", str(okx_catalog), "--at", "2026-06-22T00:00", "--out", str(out),
                     "--name", chart, "--formats", "html,png"]) == 0
    series = read_market_series(okx_catalog, "SOL-USDT-SWAP.OKX")
    state = replay_engine(series, MapParams(mmr=0.005))
    table = pd.DataFrame({"return %": [0.1, -0.2]}, index=pd.Index(["a", "b"], name="strategy"))
    write_backtest_report(out, series.bars_frame(), name="report", formats=("html", "png"), width=1400, height=800,
                          history=state.history, comparison=table, starting_balance=1000.0)
    return out


@pytest.mark.parametrize("chart", ["map", "heatmap", "report"])
def test_page_renders_without_javascript_errors(rendered, chart, tmp_path):
    page = check_page(rendered / f"{chart}.html", tmp_path)
    assert page.collector_ran, "the page never reached its load event"
    assert page.errors == []
    assert page.plotly_roots >= 1  # Plotly drew its <svg class="main-svg">
    assert LAYER[chart] in page.dom  # the figure's own layer was drawn, not only an empty frame


@pytest.mark.parametrize("chart", ["map", "heatmap", "report"])
def test_png_is_not_blank(rendered, chart):
    px = _pixels(rendered / f"{chart}.png")
    assert px.shape == (800, 1400, 3)
    assert px.std(axis=(0, 1)).max() > 10.0  # a blank or single-colour page has ~0
    # many distinct colours: bars in eight tier colours, or the heatmap's colour scale
    assert len(np.unique(px.reshape(-1, 3)[::7], axis=0)) > 200


def test_error_collector_and_blank_check_can_fail(chromium, tmp_path):
    """Controls: a throwing page is reported and a blank page's screenshot has no variance."""
    bad = tmp_path / "bad.html"
    bad.write_text("<html><head></head><body><script>throw new Error('boom')</script></body></html>")
    page = check_page(bad, tmp_path)
    assert page.collector_ran and page.errors == ["error: Uncaught Error: boom"] and page.plotly_roots == 0
    blank = tmp_path / "blank.html"
    blank.write_text("<html><body style='margin:0;background:#fff'></body></html>")
    px = _pixels(screenshot(blank, tmp_path / "blank.png", 320, 200))
    assert px.std(axis=(0, 1)).max() < 1.0
