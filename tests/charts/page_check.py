"""Test helper: load a chart page in headless Chromium and collect its JavaScript errors (test-only)."""

import html as htmllib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from liqheat_nautilus.charts.browser import run_chromium


def dump_dom(html: str | Path, timeout: float = 60.0, budget_ms: int = 10_000) -> str:
    """
    Load a local HTML page, let it run, and return the serialized DOM.

    Parameters
    ----------
    html : str or Path
        The page (loaded from its ``file://`` URL).
    timeout : float, default 60
        Seconds before Chromium is abandoned.
    budget_ms : int, default 10000
        ``--virtual-time-budget`` in virtual milliseconds.

    Returns
    -------
    str
        ``document.documentElement.outerHTML`` after load.

    Raises
    ------
    BrowserError
        If Chromium fails.
    """
    return run_chromium(Path(html).resolve().as_uri(), "--dump-dom", f"--virtual-time-budget={budget_ms}",
                        timeout=timeout)


_COLLECTOR = """<script>
(function () {
  var errors = [];
  window.addEventListener("error", function (e) { errors.push("error: " + (e.message || String(e))); });
  window.addEventListener("unhandledrejection", function (e) { errors.push("unhandled rejection: " + e.reason); });
  var original = console.error;
  console.error = function () { errors.push("console.error: " + Array.prototype.join.call(arguments, " "));
                                return original.apply(console, arguments); };
  window.addEventListener("load", function () {
    setTimeout(function () {
      var out = document.createElement("pre");
      out.id = "liqheat-js-errors";
      out.setAttribute("data-count", String(errors.length));
      out.textContent = JSON.stringify(errors);
      document.body.appendChild(out);
    }, 500);
  });
})();
</script>"""


@dataclass(frozen=True)
class PageCheck:
    """
    What a headless load of a chart page showed.

    Attributes
    ----------
    dom : str
        The serialized DOM after load.
    errors : list[str]
        JavaScript errors (uncaught errors, unhandled rejections, ``console.error`` calls) during the load.
    collector_ran : bool
        Whether the injected error collector reported at all (False: the page never finished loading).
    plotly_roots : int
        Number of ``main-svg`` elements (Plotly draws its figure into them).
    """

    dom: str
    errors: list[str]
    collector_ran: bool
    plotly_roots: int


def check_page(html: str | Path, work_dir: str | Path, timeout: float = 60.0) -> PageCheck:
    """
    Load a chart page in headless Chromium with a JavaScript error collector injected first in ``<head>``.

    The page is copied into ``work_dir`` with the collector (which records ``error`` and
    ``unhandledrejection`` events and ``console.error`` calls, then writes them into a ``<pre>`` 0.5 s after
    ``load``), loaded from its ``file://`` URL and its DOM dumped.

    Parameters
    ----------
    html : str or Path
        The chart page.
    work_dir : str or Path
        Folder for the instrumented copy.
    timeout : float, default 60
        Seconds before Chromium is abandoned.

    Returns
    -------
    PageCheck

    Raises
    ------
    BrowserError
        If Chromium is missing or fails.
    """
    text = Path(html).read_text(encoding="utf-8")
    head = text.find("<head>")
    text = text[: head + 6] + _COLLECTOR + text[head + 6 :] if head >= 0 else _COLLECTOR + text
    copy = Path(work_dir) / f"checked-{Path(html).name}"
    copy.write_text(text, encoding="utf-8")
    dom = dump_dom(copy, timeout=timeout)
    match = re.search(r'<pre id="liqheat-js-errors" data-count="(\d+)">(.*?)</pre>', dom, re.S)
    errors: list[str] = []
    if match:
        raw = htmllib.unescape(match.group(2))
        try:
            errors = [str(e) for e in json.loads(raw)]
        except json.JSONDecodeError:
            errors = [raw]
    return PageCheck(dom=dom, errors=errors, collector_ran=match is not None,
                     plotly_roots=len(re.findall(r'class="main-svg"', dom)))
