"""The dashboard's charts as Plotly JSON, built from served map updates.

They are the figures of :mod:`liqheat_nautilus.charts`, as ``liqheat plot`` draws them.
"""

import numpy as np
import pandas as pd
import plotly.io as pio

from liqheat_nautilus.charts.heatmap import heatmap_figure
from liqheat_nautilus.charts.liquidation_map import MapView, liquidation_map_figure
from liqheat_nautilus.recording import history_from_bins
from liqheat_nautilus.serve.frames import MapFrame


def _empty(title: str) -> bytes:
    return pio.to_json({"data": [], "layout": {"title": {"text": title}, "template": "plotly_dark"}},
                       validate=False, engine="json").encode()


def map_figure_json(frame: MapFrame, instrument_id: str, window_pct: float | None) -> bytes:
    """
    Draw the liquidation map by leverage tier of one update as Plotly JSON.

    Parameters
    ----------
    frame : MapFrame
        The update drawn (its bins and clusters).
    instrument_id : str
        Nautilus instrument id, shown in the title.
    window_pct : float or None
        Price window (percent); ``None``: wide enough for the lowest tier.

    Returns
    -------
    bytes
        ``{"data": [...], "layout": {...}}``; an empty figure with an explanatory title without bins.
    """
    if frame.bins is None or frame.bins.n_rows == 0:
        return _empty(f"{instrument_id}: no map bins published for this update")
    view = MapView.from_bins(frame.bins, frame.clusters, instrument_id)
    return pio.to_json(liquidation_map_figure(view, window_pct=window_pct), validate=False).encode()


def heatmap_figure_json(frames: list[MapFrame], bars, instrument_id: str, start_ns: int, end_ns: int) -> bytes:
    """
    Draw the time × price heatmap with candles of a window as Plotly JSON.

    Parameters
    ----------
    frames : list[MapFrame]
        The updates of the window.
    bars : liqheat_nautilus.serve.sources.Bars
        The instrument's bars (candles and cleared-zone detection).
    instrument_id : str
        Nautilus instrument id, shown in the title.
    start_ns, end_ns : int
        Window (UNIX ns).

    Returns
    -------
    bytes
        ``{"data": [...], "layout": {...}}``; an empty figure with an explanatory title when no update of the
        window has bins.
    """
    bins = [f.bins for f in frames if f.bins is not None and f.bins.n_rows > 0]
    if not bins:
        return _empty(f"{instrument_id}: no map update with bins in this window")
    a = int(np.searchsorted(bars.ts_ns, start_ns, side="left"))
    b = int(np.searchsorted(bars.ts_ns, end_ns, side="right"))
    frame = pd.DataFrame({"open": bars.open[a:b], "high": bars.high[a:b], "low": bars.low[a:b],
                          "close": bars.close[a:b], "volume": bars.volume[a:b]},
                         index=pd.DatetimeIndex(pd.to_datetime(bars.ts_ns[a:b], unit="ns", utc=True), name="ts"))
    fig = heatmap_figure(history_from_bins(bins), frame if len(frame) else None, instrument_id, candles=True)
    return pio.to_json(fig, validate=False).encode()
