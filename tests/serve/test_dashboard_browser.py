"""The dashboard in a real browser: Debian's Chromium driven by Selenium (chromedriver) executes the page's
JavaScript against a uvicorn server of the real OKX sample. The charts' traces are drawn, the cluster table has
the rows the API returns, a change of model redraws, a pushed update reaches the page through the event stream,
and the console stays free of errors.

``LIQHEAT_DOCS_SCREENSHOT=docs/dashboard.png`` also saves the screenshot there (how the README's image is made).
"""

import os
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--hide-scrollbars", "--mute-audio",
         "--window-size=1400,1750")


@pytest.fixture(scope="module")
def server(catalog_source):
    import socket

    import uvicorn

    from liqheat_nautilus.serve.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(catalog_source), host="127.0.0.1", port=port, log_level="warning",
                                        lifespan="on"))
    thread = threading.Thread(target=srv.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(15)


@pytest.fixture(scope="module")
def browser(chromium_driver, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = chromium_driver
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(driver), options=options)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


def _wait(drv, script: str, timeout: float = 60.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, timeout, poll_frequency=0.1).until(lambda d: d.execute_script(script))


def test_dashboard_draws_the_served_map_and_follows_the_stream(server, browser, catalog_source, tmp_path):
    browser.get(server + "/")
    _wait(browser, "return Number(document.body.dataset.ready) >= 1")
    # charts: the figures the server built are drawn into Plotly's SVG, not just an empty frame
    counts = browser.execute_script("""
        const m = document.getElementById('map-chart'), h = document.getElementById('heatmap-chart');
        return {mapTraces: m.data.length, bars: m.querySelectorAll('.barlayer .point').length,
                heatTraces: h.data.length, heatImages: h.querySelectorAll('.heatmaplayer image').length,
                candles: h.querySelectorAll('.boxlayer .trace').length,
                title: m.layout.title.text};""")
    assert counts["mapTraces"] >= 16 and counts["bars"] > 100
    assert counts["heatTraces"] == 3 and counts["heatImages"] >= 1 and counts["candles"] >= 1
    assert "SOL-USDT-SWAP.OKX liquidation map" in counts["title"]
    # the cluster table holds the API's clusters, in the API's order
    api = httpx.get(server + "/api/liquidation-map", timeout=30).json()
    rows = browser.execute_script(
        "return [...document.querySelectorAll('#clusters tbody tr')].map(r => Number(r.dataset.clusterId));")
    assert rows == [c["cluster_id"] for c in api["clusters"]] and len(rows) > 0
    assert browser.find_element("id", "bias").text == api["direction"]["bias"]
    # another model: the page asks for it and redraws
    renders = browser.execute_script("return window.liqheat.renders")
    browser.execute_script("const s = document.getElementById('model'); s.value = 'simple';"
                           "s.dispatchEvent(new Event('change'));")
    _wait(browser, f"return window.liqheat.renders > {renders} && window.liqheat.lastMap.model === 'simple'")
    # a pushed update (a new map update reaching the server) appears on the page through the event stream
    frame = catalog_source.latest["SOL-USDT-SWAP.OKX"]
    pushed = int(browser.execute_script("return Number(document.body.dataset.pushed)"))
    renders = browser.execute_script("return window.liqheat.renders")
    catalog_source.notify(frame)
    _wait(browser, f"return Number(document.body.dataset.pushed) > {pushed} && window.liqheat.renders > {renders}")
    text = browser.find_element("id", "pushed").text
    iso = np.datetime_as_string(np.datetime64(frame.ts_ns, "ns"), unit="s") + "Z"
    assert iso in text and f"{frame.snapshot.price:g}" in text.replace(",", "")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    shot = tmp_path / "dashboard.png"
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(shot))
    from PIL import Image

    with Image.open(shot) as img:
        px = np.asarray(img.convert("RGB"), dtype=float)
    assert px.std(axis=(0, 1)).max() > 10.0 and len(np.unique(px.reshape(-1, 3)[::11], axis=0)) > 200
    target = os.environ.get("LIQHEAT_DOCS_SCREENSHOT")
    if target:
        Path(target).write_bytes(shot.read_bytes())


def test_dashboard_shows_the_status_warnings_and_marks_a_failed_time_as_such(server, browser, catalog_source,
                                                                            monkeypatch):
    # a --profile-file fitted on another instrument was warned on stderr and in /api/status only: the dashboard,
    # where the profile is picked, said nothing. And a time after the data showed the error beside the previous
    # map, still labelled "(latest)".
    from liqheat_nautilus.core.profile import profile_instrument_warning

    shipped = Path(__file__).resolve().parents[2] / "config" / "profiles" / "btc_coinglass_calibrated.toml"
    warning = profile_instrument_warning(shipped, "SOL-USDT-SWAP.OKX")
    assert warning and "BTCUSDT-PERP.BINANCE" in warning
    monkeypatch.setattr(catalog_source.store, "profile_warnings",
                        {("btc_coinglass_calibrated", "SOL-USDT-SWAP.OKX"): warning})
    browser.get(server + "/")
    _wait(browser, "return Number(document.body.dataset.ready) >= 1")
    shown = browser.find_element("id", "warnings")
    # the session's catalog may also hold another test's recorded run with that profile ("recorded run <id>: ...")
    assert shown.is_displayed() and shown.text.splitlines()[0] == "warning: " + warning
    latest = browser.find_element("id", "when").text
    assert latest.endswith(" (latest)")
    browser.execute_script("const a = document.getElementById('at'); a.value = '2030-01-01T00:00';"
                           "a.dispatchEvent(new Event('change'));")
    _wait(browser, "return !document.getElementById('error').hidden")
    assert "after the data, whose bars end at 2026-06-26" in browser.find_element("id", "error").text
    when = browser.find_element("id", "when")
    assert when.text == latest.replace(" (latest)", " (still shown: the request failed)")
    assert "stale" in when.get_attribute("class")
    browser.find_element("id", "latest").click()  # back to a good answer: the marks go
    _wait(browser, "return document.getElementById('error').hidden")
    assert when.text == latest and "stale" not in when.get_attribute("class")
    monkeypatch.undo()
    browser.get(server + "/")
    _wait(browser, "return Number(document.body.dataset.ready) >= 1")
    left = browser.find_element("id", "warnings").text.splitlines()  # no profile-file warning: not shown
    assert not [line for line in left if not line.startswith("warning: recorded run ")]
