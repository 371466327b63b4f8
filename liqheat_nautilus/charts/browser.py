"""Headless Chromium (Debian's ``chromium`` package) for PNG screenshots of chart pages.

Kaleido's static export downloads a browser of its own, which an offline machine cannot do; a screenshot of the
self-contained HTML page by the system Chromium gives the same picture. Every run uses a fresh profile folder
and the flags that keep Chromium off the network (no background networking, component updates or sync).
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--hide-scrollbars",
    "--mute-audio",
)
"""Flags of every run (``--no-sandbox`` because CI runs as root)."""

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class BrowserError(RuntimeError):
    """Chromium is missing or failed; the message says which command and what it printed."""


def find_chromium() -> str | None:
    """
    Locate a Chromium executable.

    Returns
    -------
    str or None
        ``$LIQHEAT_CHROMIUM`` when set, else ``/usr/bin/chromium`` or the first of ``chromium``,
        ``chromium-browser``, ``google-chrome`` on ``PATH``; ``None`` when there is none.
    """
    env = os.environ.get("LIQHEAT_CHROMIUM")
    if env:
        return env
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def run_chromium(url: str, *args: str, timeout: float = 60.0, chromium: str | None = None) -> str:
    """
    Run headless Chromium once on a URL with a fresh ``--user-data-dir``.

    Parameters
    ----------
    url : str
        ``file://`` or ``http://127.0.0.1`` URL.
    *args : str
        Extra flags (e.g. ``--screenshot=...``, ``--dump-dom``).
    timeout : float, default 60
        Seconds before the run is abandoned.
    chromium : str, optional
        Executable (default: :func:`find_chromium`).

    Returns
    -------
    str
        What Chromium wrote to stdout (the DOM for ``--dump-dom``).

    Raises
    ------
    BrowserError
        If no Chromium is found, it exits non-zero or times out.
    """
    exe = chromium or find_chromium()
    if exe is None:
        raise BrowserError("no Chromium found: install Debian's `chromium` package (apt-get install chromium) "
                           "or set LIQHEAT_CHROMIUM to a Chromium executable")
    with tempfile.TemporaryDirectory(prefix="liqheat-chromium-") as profile:
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise BrowserError(f"Chromium timed out after {timeout:.0f} s: {' '.join(cmd)}") from exc
        except OSError as exc:
            raise BrowserError(f"cannot run Chromium {exe!r}: {exc} (install Debian's `chromium` package or fix "
                               f"LIQHEAT_CHROMIUM)") from exc
    if done.returncode != 0:
        raise BrowserError(f"Chromium exited with {done.returncode}: {' '.join(cmd)}\n{done.stderr[-2000:]}")
    return done.stdout


def screenshot(html: str | Path, png: str | Path, width: int, height: int, timeout: float = 60.0,
               budget_ms: int = 10_000) -> Path:
    """
    Screenshot a local HTML page into a PNG of ``width × height`` pixels.

    Parameters
    ----------
    html : str or Path
        The page (loaded from its ``file://`` URL).
    png : str or Path
        Output PNG path (its folder must exist).
    width, height : int
        Window size in CSS pixels.
    timeout : float, default 60
        Seconds before Chromium is abandoned.
    budget_ms : int, default 10000
        ``--virtual-time-budget``: virtual milliseconds the page may run (scripts, timers) before the shot.

    Returns
    -------
    Path
        ``png``.

    Raises
    ------
    BrowserError
        If Chromium fails or writes no file.
    """
    png = Path(png).resolve()
    png.unlink(missing_ok=True)
    run_chromium(Path(html).resolve().as_uri(), f"--screenshot={png}", f"--window-size={width},{height}",
                 f"--virtual-time-budget={budget_ms}", timeout=timeout)
    if not png.is_file() or png.stat().st_size == 0:
        raise BrowserError(f"Chromium wrote no screenshot to {png}")
    return png
