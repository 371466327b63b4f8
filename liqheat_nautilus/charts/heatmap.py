"""The liquidation heatmap (time × price) from the engine's snapshot ring buffer, with the price path over it.

Each snapshot of :class:`~liqheat_nautilus.core.history.MapHistory` is one column; its long and short notional
per bin are placed on one global price grid (global bin ``g = base + k`` covers ``[g·w, (g+1)·w)``, so columns
line up after the grid re-centres). Colour is USD per bin on a purple -> blue -> teal -> yellow scale.

Cleared zones: a bin is *cleared* between two snapshots when its notional fell and the price traded into it in
between (for a long bin the lowest low reached the bin's upper edge, for a short bin the highest high reached its
lower edge; highs and lows come from the bars when given, else from the two snapshot prices). The swept notional
stays on the chart as a faded grey layer under the live density, fading further with a half-life. The history
holds totals only, so notional closed by an open-interest decrease in a bin that price also reached during the same
interval is counted as cleared too.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqheat_nautilus.charts.palette import (
    BACKGROUND,
    CANDLE_DOWN_COLOUR,
    CANDLE_UP_COLOUR,
    CLEARED_COLOURSCALE,
    CLEARED_OPACITY,
    HEATMAP_COLOURSCALE,
    PATH_COLOUR,
)
from liqheat_nautilus.core.grid import common_grid
from liqheat_nautilus.core.units import NS_PER_HOUR, NS_PER_MINUTE

LIVE_COLORBAR = {"title": {"text": "USD / bin"}, "tickprefix": "$", "tickformat": ".3~s"}
SCALES = ("percentile", "log", "linear")
"""Colour scales of the live layer: percentile rank of a cell among the populated cells (default; every colour
covers the same share of cells, so a few huge bins cannot wash the rest out), log10 of USD, or linear USD."""
PERCENTILE_TICKS = (0.0, 0.25, 0.5, 0.75, 0.9, 0.99)
_HISTORY_KEYS = ("ts_ns", "price", "base", "width", "long_usd", "short_usd")


@dataclass(frozen=True)
class HeatmapData:
    """
    The heatmap's matrices on a common price grid.

    Attributes
    ----------
    ts_ns : np.ndarray
        Shape ``(k,)`` int64 snapshot times (UNIX ns).
    price : np.ndarray
        Shape ``(k,)`` price at each snapshot.
    centres : np.ndarray
        Shape ``(g,)`` price of each row (bin centre), ascending.
    width : float
        Bin width (price).
    live_usd : np.ndarray
        Shape ``(k, g)`` open long + short notional (USD) per snapshot and bin.
    cleared_usd : np.ndarray
        Shape ``(k, g)`` faded remnant (USD) of notional swept by price, decayed by the half-life.
    swept_usd : np.ndarray
        Shape ``(k, g)`` notional (USD) swept between snapshot ``t - 1`` and ``t`` (0 in the first column).
    """

    ts_ns: np.ndarray
    price: np.ndarray
    centres: np.ndarray
    width: float
    live_usd: np.ndarray
    cleared_usd: np.ndarray
    swept_usd: np.ndarray


def _path_extremes(ts_ns: np.ndarray, price: np.ndarray, bars: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Lowest low and highest high between consecutive snapshots ``(t-1, t]`` (index 0: the first price)."""
    lows = np.minimum(price, np.r_[price[:1], price[:-1]])
    highs = np.maximum(price, np.r_[price[:1], price[:-1]])
    if bars is None or len(bars) == 0:
        return lows, highs
    bar_ns = bars.index.asi8 if isinstance(bars.index, pd.DatetimeIndex) else np.asarray(bars.index, np.int64)
    bar_low, bar_high = bars["low"].to_numpy(float), bars["high"].to_numpy(float)
    cut = np.searchsorted(bar_ns, ts_ns, side="right")
    for t in range(1, ts_ns.size):
        a, b = cut[t - 1], cut[t]
        if b > a:
            lows[t] = min(lows[t], bar_low[a:b].min())
            highs[t] = max(highs[t], bar_high[a:b].max())
    return lows, highs


def heatmap_data(history: dict[str, np.ndarray], bars: pd.DataFrame | None = None,
                 cleared_half_life_hours: float = 12.0) -> HeatmapData:
    """
    Put the snapshots on one grid and find the cleared zones.

    Snapshots taken before the map re-binned its grid (``MapParams.regrid_ratio``) are re-binned onto the newest
    bin width (:func:`~liqheat_nautilus.core.grid.common_grid`, uniform within each bin).

    Parameters
    ----------
    history : dict[str, np.ndarray]
        ``MapHistory.ordered()`` (``ts_ns``, ``price``, ``base``, ``width``, ``long_usd``, ``short_usd``).
    bars : pandas.DataFrame, optional
        Bars with a UTC ``DatetimeIndex`` (bar close) and ``low``/``high`` columns, for the price reached between
        snapshots (see :meth:`liqheat_nautilus.persistence.reader.MarketSeries.bars_frame`).
    cleared_half_life_hours : float, default 12
        Half-life (hours) of the faded cleared layer; 0 keeps only the snapshot at which a zone was cleared.

    Returns
    -------
    HeatmapData

    Raises
    ------
    ValueError
        If a key is missing or the history is empty.
    """
    missing = [k for k in _HISTORY_KEYS if k not in history]
    if missing:
        raise ValueError(f"heatmap: history lacks field(s) {missing} (pass MapHistory.ordered())")
    ts_ns = np.asarray(history["ts_ns"], dtype=np.int64)
    k = ts_ns.size
    if k == 0:
        raise ValueError("heatmap: the history holds no snapshot (enable history_capacity and record_history())")
    # a map that re-binned its grid (regrid_ratio): older snapshots onto the newest width
    g0, width, (glong, gshort) = common_grid(history["base"], history["width"], history["long_usd"],
                                             history["short_usd"])
    g = glong.shape[1]
    price = np.asarray(history["price"], dtype=np.float64)
    lows, highs = _path_extremes(ts_ns, price, bars)
    lower_edges = (g0 + np.arange(g)) * width
    upper_edges = lower_edges + width
    swept = np.zeros((k, g))
    cleared = np.zeros((k, g))
    for t in range(1, k):
        hit_long = upper_edges >= lows[t]
        hit_short = lower_edges <= highs[t]
        drop_long = np.clip(glong[t - 1] - glong[t], 0.0, None) * hit_long
        drop_short = np.clip(gshort[t - 1] - gshort[t], 0.0, None) * hit_short
        swept[t] = drop_long + drop_short
        hours = (ts_ns[t] - ts_ns[t - 1]) / 3.6e12
        keep = 0.5 ** (hours / cleared_half_life_hours) if cleared_half_life_hours > 0.0 else 0.0
        cleared[t] = cleared[t - 1] * keep + swept[t]
    return HeatmapData(ts_ns=ts_ns, price=price, centres=(g0 + np.arange(g) + 0.5) * width, width=width,
                       live_usd=glong + gshort, cleared_usd=cleared, swept_usd=swept)


def _usd_label(x: float) -> str:
    for unit, scale in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= scale:
            return f"${x / scale:,.3g}{unit}"
    return f"${x:,.0f}" if abs(x) >= 1.0 else "<$1"


def heatmap_traces(data: HeatmapData, y_range: tuple[float, float], zmax_quantile: float = 0.995,
                   colorbar: dict | None = None, cleared_floor: float = 0.02,
                   max_columns: int = 2000, scale: str = "percentile") -> list[go.Heatmap]:
    """
    Build the two heatmap layers (faded cleared zones, then live density) cropped to a price range.

    Parameters
    ----------
    data : HeatmapData
        Snapshots of the map over time: bin centres (price), live and cleared USD per bin and snapshot.
    y_range : tuple[float, float]
        ``(low, high)`` prices of the rows kept.
    zmax_quantile : float, default 0.995
        ``scale="linear"``: the colour scale tops out at this quantile of the non-zero live cells (a few huge bins
        would otherwise wash the rest out); in (0, 1].
    colorbar : dict, optional
        Plotly colour-bar settings of the live layer.
    cleared_floor : float, default 0.02
        The cleared layer tops out at the 90 % quantile ``c`` of the freshly swept cells; remnants that decayed
        below ``cleared_floor · c`` are left out (transparent).
    max_columns : int, default 2000
        At most this many snapshots are drawn (evenly spaced, always the first and the last), which bounds the
        page size of long histories.
    scale : str, default "percentile"
        Live colour scale, one of :data:`SCALES`: ``"percentile"`` colours a cell by its rank among the populated
        cells shown (the colour bar is labelled with the USD at those ranks), ``"log"`` by ``log10(USD)``,
        ``"linear"`` by USD up to the ``zmax_quantile``. Hover always shows USD.

    Returns
    -------
    list[plotly.graph_objects.Heatmap]
        ``[cleared, live]``; empty cells are ``nan`` (transparent). ``meta["kind"]`` is ``"cleared"`` /
        ``"live"``, the live layer's ``meta["scale"]`` the scale.

    Raises
    ------
    ValueError
        For an unknown ``scale``.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, was {scale!r}")
    rows = (data.centres >= y_range[0]) & (data.centres <= y_range[1])
    cols = np.arange(data.ts_ns.size)
    if cols.size > max_columns:
        cols = np.unique(np.linspace(0, cols.size - 1, max(max_columns, 2)).round().astype(np.int64))
    x = pd.to_datetime(data.ts_ns[cols], unit="ns", utc=True)
    y = data.centres[rows]
    live = data.live_usd[np.ix_(cols, rows)].T
    cleared = data.cleared_usd[np.ix_(cols, rows)].T
    positive = np.sort(live[live > 0.0])
    fresh = data.swept_usd[:, rows]
    fresh = fresh[fresh > 0.0]
    cmax = float(np.quantile(fresh, 0.9)) if fresh.size else 1.0
    usd = np.where(live > 0.0, live, np.nan)
    bar = dict(colorbar or LIVE_COLORBAR)
    if scale == "percentile" and positive.size:
        live_z = np.where(live > 0.0, np.searchsorted(positive, live, side="right") / positive.size, np.nan)
        zmin, zmax = 0.0, 1.0
        bar.update(tickmode="array", tickvals=list(PERCENTILE_TICKS),
                   ticktext=[_usd_label(float(np.quantile(positive, q))) for q in PERCENTILE_TICKS],
                   title={"text": "USD / bin (percentile scale)"})
        bar.pop("tickformat", None)
        bar.pop("tickprefix", None)
    elif scale == "log" and positive.size:
        live_z = np.where(live > 0.0, np.log10(np.maximum(live, 1e-12)), np.nan)
        # the floor is the 1st percentile (at least $1): dust left by partial sweeps would stretch the scale
        zmin = float(np.log10(max(float(np.quantile(positive, 0.01)), 1.0)))
        zmax = max(float(np.log10(positive[-1])), zmin + 1.0)
        decades = np.arange(np.ceil(zmin), np.floor(zmax) + 1)
        bar.update(tickmode="array", tickvals=decades.tolist(), ticktext=[_usd_label(10.0 ** d) for d in decades],
                   title={"text": "USD / bin (log scale)"})
        bar.pop("tickformat", None)
        bar.pop("tickprefix", None)
    else:
        live_z = usd
        zmin, zmax = 0.0, float(np.quantile(positive, zmax_quantile)) if positive.size else 1.0
    cleared_z = np.where(cleared >= cleared_floor * cmax, cleared, np.nan)
    from liqheat_nautilus.charts.liquidation_map import price_hover_format

    y_format = price_hover_format((y_range[0] + y_range[1]) / 2.0)  # no exponent for a BTC price
    return [
        go.Heatmap(x=x, y=y, z=cleared_z, zmin=0.0, zmax=cmax, colorscale=CLEARED_COLOURSCALE,
                   opacity=CLEARED_OPACITY, showscale=False, name="cleared (swept) zones", meta={"kind": "cleared"},
                   hovertemplate=f"%{{x}}<br>price %{{y:{y_format}}}<br>cleared %{{z:$,.0f}}"
                                 "<extra>cleared zone</extra>",
                   hoverongaps=False),
        go.Heatmap(x=x, y=y, z=live_z, zmin=zmin, zmax=zmax, colorscale=HEATMAP_COLOURSCALE,
                   name="liquidation density", meta={"kind": "live", "scale": scale}, colorbar=bar, customdata=usd,
                   hovertemplate=f"%{{x}}<br>price %{{y:{y_format}}}<br>%{{customdata:$,.0f}}"
                                 "<extra>liquidations</extra>",
                   hoverongaps=False),
    ]


def ohlcv_candles(bar_ts: np.ndarray, open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray,
            volume: np.ndarray, start_ns: int, end_ns: int, interval_ns: int) -> np.ndarray:
    """
    OHLCV candles of ``interval_ns`` from bars (a candle per interval that holds a bar).

    Parameters
    ----------
    bar_ts : np.ndarray
        ``(n,)`` bar close times (UNIX ns), ascending.
    open_, high, low, close, volume : np.ndarray
        ``(n,)`` bar prices (quote currency) and volume (base units).
    start_ns, end_ns : int
        Window (inclusive).
    interval_ns : int
        Candle length (ns, > 0); candles start at multiples of it.

    Returns
    -------
    np.ndarray
        ``(c, 6)`` float64 rows ``[start time (ns), open, high, low, close, volume]``.
    """
    a = int(np.searchsorted(bar_ts, start_ns, side="left"))
    b = int(np.searchsorted(bar_ts, end_ns, side="right"))
    if b <= a:
        return np.zeros((0, 6))
    ts = bar_ts[a:b]
    bucket = (ts - 1) // interval_ns  # a bar closing exactly on a boundary belongs to the candle it closes
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    out = np.empty((starts.size, 6))
    out[:, 0] = bucket[starts] * interval_ns
    out[:, 1] = open_[a:b][starts]
    out[:, 2] = np.maximum.reduceat(high[a:b], starts)
    out[:, 3] = np.minimum.reduceat(low[a:b], starts)
    out[:, 4] = close[a:b][np.r_[starts[1:] - 1, b - a - 1]]
    out[:, 5] = np.add.reduceat(volume[a:b], starts)
    return out


def default_y_range(prices: np.ndarray, pad_pct: float = 5.0) -> tuple[float, float]:
    """
    Price range of the heatmap: the path's extremes widened by ``pad_pct`` percent.

    Parameters
    ----------
    prices : np.ndarray
        Prices of the path (any shape).
    pad_pct : float, default 5
        Padding in percent of price below the low and above the high.

    Returns
    -------
    tuple[float, float]
    """
    finite = prices[np.isfinite(prices)]
    return float(finite.min() * (1.0 - pad_pct / 100.0)), float(finite.max() * (1.0 + pad_pct / 100.0))


def heatmap_figure(history: dict[str, np.ndarray], bars: pd.DataFrame | None = None, instrument: str = "",
                   pad_pct: float = 5.0, cleared_half_life_hours: float = 12.0,
                   title: str | None = None, candles: bool = False, scale: str = "percentile") -> go.Figure:
    """
    Build the liquidation heatmap figure.

    Parameters
    ----------
    history : dict[str, np.ndarray]
        ``MapHistory.ordered()`` of the engine (see :func:`liqheat_nautilus.replay.replay_engine`), or
        :func:`liqheat_nautilus.recording.history_from_bins` of published bins.
    bars : pandas.DataFrame, optional
        Bars (UTC index, ``open``/``low``/``high``/``close``) for the price path and cleared-zone detection;
        default: the snapshot prices.
    instrument : str, optional
        Instrument id for the title and the price axis' currency.
    pad_pct : float, default 5
        Price padding around the path (percent).
    cleared_half_life_hours : float, default 12
        Fade of the cleared layer (see :func:`heatmap_data`).
    title : str, optional
        Figure title.
    candles : bool, default False
        Draw the price as OHLC candles (one per snapshot interval, at most 400) instead of the close line.
    scale : str, default "percentile"
        Live colour scale (see :func:`heatmap_traces`).

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: cleared layer (heatmap, ``meta["kind"] == "cleared"``), live density (``"live"``), price path
        (scatter, ``"price"``) or candles (``"candles"``). The y axis range is the padded path range.

    Raises
    ------
    ValueError
        As :func:`heatmap_data` and :func:`heatmap_traces`.
    """
    from liqheat_nautilus.charts.liquidation_map import price_hover_format, quote_currency

    data = heatmap_data(history, bars, cleared_half_life_hours)
    t0, t1 = data.ts_ns[0], data.ts_ns[-1]
    window = None
    if bars is not None and len(bars):
        window = bars[(bars.index.asi8 >= t0) & (bars.index.asi8 <= t1)]
    if window is not None and len(window):
        px, py = window.index, window["close"].to_numpy(float)
        y_range = default_y_range(np.r_[window["low"].to_numpy(float), window["high"].to_numpy(float),
                                        data.price], pad_pct)
    else:
        px, py = pd.to_datetime(data.ts_ns, unit="ns", utc=True), data.price
        y_range = default_y_range(data.price, pad_pct)
    fig = go.Figure(heatmap_traces(data, y_range, scale=scale))
    if candles and window is not None and len(window) and "open" in window.columns:
        gaps = np.diff(data.ts_ns)
        step = int(max(np.median(gaps) if gaps.size else NS_PER_HOUR, (t1 - t0) / 400, NS_PER_MINUTE))
        ts = window.index.asi8
        ohlc = ohlcv_candles(ts, window["open"].to_numpy(float), window["high"].to_numpy(float),
                             window["low"].to_numpy(float), window["close"].to_numpy(float),
                             window["volume"].to_numpy(float) if "volume" in window.columns else np.zeros(ts.size),
                             int(ts[0]), int(ts[-1]), step)
        fig.add_trace(go.Candlestick(
            x=pd.to_datetime(ohlc[:, 0] + step / 2, unit="ns", utc=True), open=ohlc[:, 1], high=ohlc[:, 2],
            low=ohlc[:, 3], close=ohlc[:, 4], name="price (candles)", meta={"kind": "candles"},
            increasing={"line": {"color": CANDLE_UP_COLOUR, "width": 1}, "fillcolor": CANDLE_UP_COLOUR},
            decreasing={"line": {"color": CANDLE_DOWN_COLOUR, "width": 1}, "fillcolor": CANDLE_DOWN_COLOUR},
        ))
    else:
        fig.add_trace(go.Scatter(x=px, y=py, mode="lines", line={"color": PATH_COLOUR, "width": 1.4}, name="price",
                                 meta={"kind": "price"},
                                 hovertemplate=f"%{{x}}<br>price %{{y:{price_hover_format(float(np.nanmedian(py)))}}}"
                                               "<extra></extra>"))
    start = pd.Timestamp(int(t0), unit="ns", tz="UTC").strftime("%Y-%m-%d %H:%M")
    end = pd.Timestamp(int(t1), unit="ns", tz="UTC").strftime("%Y-%m-%d %H:%M UTC")
    currency = quote_currency(instrument) if instrument else "quote currency"
    fig.update_layout(
        title={"text": title or f"{instrument} liquidation heatmap · {start} → {end}".strip(" ·"), "x": 0.01},
        template="plotly_dark", paper_bgcolor=BACKGROUND, plot_bgcolor=HEATMAP_COLOURSCALE[0][1],
        xaxis={"title": "time (UTC)", "showgrid": False, "rangeslider": {"visible": False}},
        yaxis={"title": f"price ({currency})", "range": list(y_range), "showgrid": False},
        legend={"orientation": "h", "y": -0.12, "x": 0.0}, margin={"l": 70, "r": 30, "t": 60, "b": 80},
    )
    return fig
