"""Write figures as self-contained HTML (plotly.js embedded, opens offline) and as PNG via headless Chromium."""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go

from liqheat_nautilus.charts.browser import screenshot

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def _file_mode() -> int:
    """Return the mode of a new ordinary file under this process' umask (``0o666 & ~umask``)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask



@dataclass(frozen=True)
class ChartFiles:
    """
    Files written for one figure.

    Attributes
    ----------
    html : Path or None
        The self-contained HTML page (``None`` when not requested).
    png : Path or None
        The PNG image (``None`` when not requested).
    """

    html: Path | None = None
    png: Path | None = None

    def paths(self) -> list[Path]:
        """
        Return the files written, HTML first.

        Returns
        -------
        list[Path]
        """
        return [p for p in (self.html, self.png) if p is not None]


def write_html(fig: go.Figure, path: str | Path) -> Path:
    """
    Write a self-contained HTML page (plotly.js embedded, no network needed to open it).

    The page is written next to its target and renamed into place, so a reader never sees half a file.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The Plotly figure to write.
    path : str or Path
        Output file; its folder is created.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        fig.write_html(tmp, include_plotlyjs=True, full_html=True, config=PLOTLY_CONFIG)
        os.chmod(tmp, _file_mode())  # mkstemp's file is private (0600); a chart is an ordinary file, as the PNG
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def write_png(fig: go.Figure, path: str | Path, width: int = 1400, height: int = 800) -> Path:
    """
    Render a figure to PNG by screenshotting its HTML page in headless Chromium.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The Plotly figure to write.
    path : str or Path
        Output PNG; its folder is created.
    width, height : int, default 1400 × 800
        Image size in pixels (the figure is laid out at exactly this size).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    liqheat_nautilus.charts.browser.BrowserError
        If Chromium is missing or fails.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sized = go.Figure(fig)
    sized.update_layout(width=width, height=height, autosize=False)
    with tempfile.TemporaryDirectory(prefix="liqheat-png-") as tmp:
        page = Path(tmp) / "figure.html"
        sized.write_html(page, include_plotlyjs=True, full_html=True,
                         config={"displaylogo": False, "displayModeBar": False, "staticPlot": True})
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("<head>", "<head><style>html,body{margin:0;padding:0;overflow:hidden}</style>",
                                     1), encoding="utf-8")
        screenshot(page, path, width, height)
    return path


def write_figure(fig: go.Figure, out_dir: str | Path, name: str, formats: tuple[str, ...] = ("html",),
                 width: int = 1400, height: int = 800) -> ChartFiles:
    """
    Write a figure as ``<out_dir>/<name>.html`` and/or ``<out_dir>/<name>.png``.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The Plotly figure to write.
    out_dir : str or Path
        Output folder (created).
    name : str
        File name without extension.
    formats : tuple[str, ...], default ("html",)
        Any of ``"html"`` and ``"png"``.
    width, height : int
        PNG size in pixels (the HTML scales to its window).

    Returns
    -------
    ChartFiles
        Path of each file written, ``None`` for a format not asked for.

    Raises
    ------
    ValueError
        For an unknown format.
    liqheat_nautilus.charts.browser.BrowserError
        If a PNG was asked for and Chromium is missing or fails.
    """
    unknown = set(formats) - {"html", "png"}
    if unknown or not formats:
        raise ValueError(f"formats must be 'html' and/or 'png', were {formats!r}")
    out = Path(out_dir)
    html = write_html(fig, out / f"{name}.html") if "html" in formats else None
    png = write_png(fig, out / f"{name}.png", width, height) if "png" in formats else None
    return ChartFiles(html=html, png=png)
