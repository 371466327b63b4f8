"""The liquidation map (Coinglass style): notional per price bin stacked by leverage tier, with cumulative curves.

Price runs along the x axis, estimated liquidation notional (USD) up the left y axis: long liquidations sit
left of (below) the current price, short liquidations right of (above) it, each bar stacked by leverage tier.
The cumulative long and short curves (:meth:`LiquidationMapEngine.cumulative_curves`) use the right y axis;
the current price is a red dashed line; hovering a cluster marker shows its price, notional and strength.
"""

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqheat_nautilus.charts.palette import (
    BACKGROUND,
    LONG_COLOUR,
    PRICE_COLOUR,
    SHORT_COLOUR,
    tier_colours,
)
from liqheat_nautilus.core import ClusterInfo, LiquidationMapEngine
from liqheat_nautilus.core.enums import ClusterStatus, Side


@dataclass(frozen=True)
class MapView:
    """
    What the liquidation map shows, read from an engine through its public API.

    Attributes
    ----------
    price : float
        Current price.
    ts_ns : int
        Time of the map (UNIX ns).
    width : float
        Bin width (price).
    centres : np.ndarray
        Shape ``(n_bins,)`` bin centres (price).
    tiers : np.ndarray
        Shape ``(n_tiers,)`` leverage tiers (x).
    long_tier, short_tier : np.ndarray
        Shape ``(n_bins, n_tiers)`` open long / short notional (USD) per bin and tier.
    long_cum, short_cum : np.ndarray
        Shape ``(n_bins,)`` cumulative liquidation notional (USD) outward from price.
    clusters : tuple[ClusterInfo, ...]
        Live clusters (``CLEARED`` ones are left out).
    instrument : str
        Instrument id for the title (and the quote currency of the price axis).
    """

    price: float
    ts_ns: int
    width: float
    centres: np.ndarray
    tiers: np.ndarray
    long_tier: np.ndarray
    short_tier: np.ndarray
    long_cum: np.ndarray
    short_cum: np.ndarray
    clusters: tuple[ClusterInfo, ...] = field(default_factory=tuple)
    instrument: str = ""

    @classmethod
    def from_engine(cls, engine: LiquidationMapEngine, clusters: list[ClusterInfo] | None = None,
                    instrument: str = "") -> "MapView":
        """
        Read the view from an engine (``tier_usd()``, ``cumulative_curves()``, ``grid``, ``price``).

        Parameters
        ----------
        engine : LiquidationMapEngine
            An engine that has seen at least one price.
        clusters : list[ClusterInfo], optional
            Clusters to label (default: ``engine.detect_clusters()``, which does not touch cluster ids).
        instrument : str, optional
            Instrument id for the title.

        Returns
        -------
        MapView
            The engine's map at its last price; clusters other than ``CLEARED`` labelled.

        Raises
        ------
        ValueError
            If the engine has no grid yet (no price seen).
        """
        if engine.grid is None:
            raise ValueError("liquidation map: the engine has seen no price yet (no grid)")
        long_tier, short_tier = engine.tier_usd()
        long_cum, short_cum = engine.cumulative_curves()
        found = engine.detect_clusters() if clusters is None else clusters
        return cls(
            price=float(engine.price), ts_ns=int(engine.ts_ns), width=float(engine.grid.width),
            centres=engine.grid.centres(), tiers=np.asarray(engine.tiers, dtype=np.float64),
            long_tier=long_tier, short_tier=short_tier, long_cum=long_cum, short_cum=short_cum,
            clusters=tuple(c for c in found if c.status != ClusterStatus.CLEARED), instrument=instrument,
        )

    @classmethod
    def from_bins(cls, bins, clusters=(), instrument: str = "") -> "MapView":
        """
        Read the view from published :class:`~liqheat_nautilus.data.LiquidationMapBins` (a recording, Redis).

        The cumulative curves are the engine's (:meth:`LiquidationMapEngine.cumulative_curves`): long notional
        summed downward from the bin holding price, short notional summed upward from it.

        Parameters
        ----------
        bins : LiquidationMapBins
            The map's bins at one update (``n_rows`` > 0).
        clusters : sequence, optional
            ``LiquidationCluster`` / ``ClusterInfo`` of the same update to label.
        instrument : str, optional
            Instrument id for the title.

        Returns
        -------
        MapView
            The published map of that update (bins of the published rows only).

        Raises
        ------
        ValueError
            If the bins hold no row.
        """
        if bins.n_rows == 0:
            raise ValueError("liquidation map: the published bins are empty (no notional yet)")
        long_tier, short_tier = bins.long_tier_usd(), bins.short_tier_usd()
        width = float(bins.bin_width)
        centres = bins.lower_edges() + width / 2.0
        k = int(np.floor(bins.price / width)) - int(bins.first_bin)  # row holding price (may lie outside)
        long_cum = np.cumsum(long_tier.sum(axis=1)[::-1])[::-1]
        short_cum = np.cumsum(short_tier.sum(axis=1))
        long_cum[max(k + 1, 0) :] = 0.0
        short_cum[: max(k, 0)] = 0.0
        return cls(price=float(bins.price), ts_ns=int(bins.ts_event), width=width, centres=centres,
                   tiers=bins.tier_values().astype(np.float64), long_tier=long_tier, short_tier=short_tier,
                   long_cum=long_cum, short_cum=short_cum,
                   clusters=tuple(c for c in clusters if c.status != ClusterStatus.CLEARED), instrument=instrument)


def _usd(x: float) -> str:
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(x) >= scale:
            return f"${x / scale:,.2f}{unit}"
    return f"${x:,.0f}"


def cluster_hover_text(c: ClusterInfo) -> str:
    """
    Hover label of a cluster: side, id, price level and range, notional, strength, leverage, distance.

    Parameters
    ----------
    c : ClusterInfo
        The cluster (prices, notional USD, strength in [0, 1], leverage x, distance %).

    Returns
    -------
    str
        HTML-ish text (``<br>`` line breaks) for a Plotly hover label.
    """
    return (
        f"<b>{c.side} cluster #{c.cluster_id}</b><br>"
        f"price {price_text(c.price_level)} ({price_text(c.price_low)} – {price_text(c.price_high)})<br>"
        f"notional {_usd(c.notional_usd)} (~{c.liquidation_count:,d} liquidations)<br>"
        f"strength {c.strength:.2f} · avg leverage {c.leverage_tier:.0f}x<br>"
        f"distance {c.distance_pct:+.2f} % · {c.status}"
    )


def price_text(price: float) -> str:
    """
    Format a price with four significant digits and never an exponent.

    ``f"{p:,.4g}"`` for prices from 0.0001 to 9,999 (``71.15``); larger ones in whole units (``80,150``, where
    ``.4g`` wrote ``8.015e+04``), smaller ones with the decimals four significant digits need (``0.00001234``).

    Parameters
    ----------
    price : float
        A price (any finite value; nan and inf are written as Python formats them).

    Returns
    -------
    str
    """
    if not math.isfinite(price) or price == 0.0:
        return f"{price:,.4g}"
    exponent = math.floor(math.log10(abs(price)))
    if -4 <= exponent < 4:
        return f"{price:,.4g}"
    return f"{price:,.{max(0, 3 - exponent)}f}"


def price_hover_format(price: float) -> str:
    """
    Return the d3 format of prices near ``price`` in a Plotly hover template: as :func:`price_text`.

    d3's ``,.4g`` writes ``8.015e+4`` for a BTC price; whole units are used from 10,000 up.

    Parameters
    ----------
    price : float
        A typical price of the chart (the current price).

    Returns
    -------
    str
        ``",.4g"``, ``",.0f"`` from 10,000 up, or fixed decimals below 0.0001.
    """
    if not math.isfinite(price) or price == 0.0:
        return ",.4g"
    exponent = math.floor(math.log10(abs(price)))
    if -4 <= exponent < 4:
        return ",.4g"
    return f",.{max(0, 3 - exponent)}f"


def quote_currency(instrument_id: str) -> str:
    """
    Return the quote currency of an instrument id, for axis titles.

    Parameters
    ----------
    instrument_id : str
        E.g. ``"SOL-USDT-SWAP.OKX"``, ``"BTCUSDT-PERP.BINANCE"``, ``"BTC/USD:BTC"``.

    Returns
    -------
    str
        ``"USDT"``, ``"USDC"``, ``"USD"``, ... or ``"quote currency"`` when it cannot be told.
    """
    parts = re.split(r"[-/:_]", instrument_id.rsplit(".", 1)[0].upper())
    quotes = ("FDUSD", "USDT", "USDC", "BUSD", "USD")
    if len(parts) > 1 and parts[1] in quotes:
        return parts[1]
    return next((q for q in quotes if parts[0].endswith(q) and len(parts[0]) > len(q)), "quote currency")


def nice_step(span: float, target_ticks: int = 5) -> float:
    """
    Choose a round tick step (1, 2, 2.5 or 5 × 10^k) giving about ``target_ticks`` ticks over ``span``.

    Parameters
    ----------
    span : float
        Axis span (> 0).
    target_ticks : int, default 5
        About how many ticks the axis should get (>= 1; smaller values count as 1).

    Returns
    -------
    float
    """
    if not span > 0.0 or not math.isfinite(span):
        return 1.0
    raw = span / max(target_ticks, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for mult in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= mult * power * (1 + 1e-9):
            return mult * power
    return 10.0 * power


def round_axis(top: float, target_ticks: int = 5) -> dict:
    """
    Build Plotly axis settings with round ticks from 0 to a round top above ``top``.

    Parameters
    ----------
    top : float
        Largest value shown (>= 0).
    target_ticks : int, default 5
        About how many ticks the axis should get (:func:`nice_step`).

    Returns
    -------
    dict
        ``tick0``, ``dtick``, ``range``.
    """
    step = nice_step(top if top > 0 else 1.0, target_ticks)
    return {"tick0": 0.0, "dtick": step, "range": [0.0, step * max(1, math.ceil(top / step * 1.0001))]}


def default_window_pct(tiers, margin: float = 1.25, cap: float = 50.0) -> float:
    """
    Price window (percent) wide enough to show the lowest leverage tier's liquidation levels.

    A position at leverage ``L`` is liquidated about ``100 / L`` percent from its entry (less the maintenance
    margin), so the 5x tier sits ~20 % from price; the window is ``margin · 100 / min(tiers)``, at most ``cap``.

    Parameters
    ----------
    tiers : sequence of float
        Leverage tiers (x).
    margin : float, default 1.25
        Room beyond the lowest tier's distance (entries spread around price).
    cap : float, default 50
        Upper bound (percent).

    Returns
    -------
    float
    """
    lowest = float(np.min(tiers)) if len(tiers) else 10.0
    return float(min(cap, margin * 100.0 / max(lowest, 1.0)))


def _label_shifts(xs: list[float], ys: list[float], sizes: list[float], x_span: float, y_top: float,
                  plot_px: float = 350.0) -> list[float]:
    """
    Place cluster labels: vertical offsets (px), each above its own marker.

    A label is raised further while it would overlap another marker or a label already placed (within 3.5 % of
    the x span and 13 px plus the marker's radius; y is converted to pixels with ``plot_px`` for the axis top
    ``y_top``).
    """
    scale = plot_px / y_top if y_top > 0 else 0.0
    markers = [(x, y * scale, s / 2.0) for x, y, s in zip(xs, ys, sizes, strict=True)]
    labels: list[tuple[float, float]] = []  # (x, label centre height in px)
    shifts: list[float] = [0.0] * len(xs)
    for i in sorted(range(len(xs)), key=lambda j: (ys[j], xs[j])):
        shift = sizes[i] / 2.0 + 9.0
        near = [(my, r) for j, (mx, my, r) in enumerate(markers) if j != i and abs(xs[i] - mx) < 0.035 * x_span]
        close = [lh for x, lh in labels if abs(xs[i] - x) < 0.035 * x_span]
        while shift < 400.0 and (any(abs(ys[i] * scale + shift - my) < 8.0 + r for my, r in near)
                                 or any(abs(ys[i] * scale + shift - lh) < 13.0 for lh in close)):
            shift += 13.0
        labels.append((xs[i], ys[i] * scale + shift))
        shifts[i] = shift
    return shifts


def liquidation_map_figure(view: MapView, window_pct: float | None = None, title: str | None = None) -> go.Figure:
    """
    Build the liquidation-map figure.

    Parameters
    ----------
    view : MapView
        The map (see :meth:`MapView.from_engine`).
    window_pct : float, optional
        Price window shown: ``price · (1 ± window_pct / 100)``; > 0. Default: :func:`default_window_pct` of the
        view's tiers, so every tier (the 5x tier ~20 % away) is visible.
    title : str, optional
        Figure title (default: instrument, time and price).

    Returns
    -------
    plotly.graph_objects.Figure
        Traces, in order: per tier a long bar trace (``meta["side"] == "long"``) and a short bar trace
        (``"short"``), both ``meta["tier"]`` = leverage, stacked (``barmode="stack"``), one legend entry per tier
        whether or not it has bars in the window; the cumulative long and short curves on ``yaxis2``
        (``meta["kind"] == "cumulative"``); the cluster markers, one trace per side in that side's colour
        (``meta["kind"] == "clusters"``, ``meta["side"]``), labelled by annotations above the markers. The current
        price is a red dashed layout shape. Both value axes have round ticks; the price axis names the currency.

    Raises
    ------
    ValueError
        If ``window_pct`` is not > 0 or the view's arrays disagree in shape.
    """
    if window_pct is None:
        window_pct = default_window_pct(view.tiers)
    if not window_pct > 0.0:
        raise ValueError(f"window_pct must be > 0, was {window_pct}")
    n = view.centres.shape[0]
    shape = (n, view.tiers.shape[0])
    if view.long_tier.shape != shape or view.short_tier.shape != shape:
        raise ValueError(f"liquidation map: tier arrays must have shape {shape}, were {view.long_tier.shape} "
                         f"and {view.short_tier.shape}")
    price = view.price
    currency = quote_currency(view.instrument) if view.instrument else "quote currency"
    lo, hi = price * (1.0 - window_pct / 100.0), price * (1.0 + window_pct / 100.0)
    inside = (view.centres >= lo) & (view.centres <= hi)
    colours = tier_colours(view.tiers)
    x_format = price_hover_format(price)
    fig = go.Figure()
    for j, tier in enumerate(view.tiers.tolist()):
        name = f"{tier:g}x"
        for side, arr in (("long", view.long_tier), ("short", view.short_tier)):
            rows = inside & (arr[:, j] > 0.0)  # the bins where this tier holds notional
            fig.add_trace(go.Bar(
                x=view.centres[rows], y=arr[rows, j], name=name, legendgroup=name, showlegend=side == "long",
                marker={"color": colours[j], "line": {"width": 0}}, width=view.width,
                meta={"side": side, "tier": tier},
                hovertemplate=f"{side} {name}<br>price %{{x:{x_format}}}<br>%{{y:$,.0f}}<extra></extra>",
            ))
    below = inside & (view.centres <= price + view.width / 2.0)
    above = inside & (view.centres >= price - view.width / 2.0)
    fig.add_trace(go.Scatter(
        x=view.centres[below], y=view.long_cum[below], name="cumulative long liquidations", yaxis="y2",
        mode="lines", line={"color": LONG_COLOUR, "width": 2}, fill="tozeroy", fillcolor="rgba(246,70,93,0.10)",
        meta={"kind": "cumulative", "side": "long"},
        hovertemplate=f"cumulative long<br>price %{{x:{x_format}}}<br>%{{y:$,.0f}}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=view.centres[above], y=view.short_cum[above], name="cumulative short liquidations", yaxis="y2",
        mode="lines", line={"color": SHORT_COLOUR, "width": 2}, fill="tozeroy", fillcolor="rgba(14,203,129,0.10)",
        meta={"kind": "cumulative", "side": "short"},
        hovertemplate=f"cumulative short<br>price %{{x:{x_format}}}<br>%{{y:$,.0f}}<extra></extra>",
    ))
    totals = view.long_tier.sum(axis=1) + view.short_tier.sum(axis=1)
    stack_top = float(totals[inside].max()) if inside.any() else 0.0
    cum_top = float(max(view.long_cum[below].max(initial=0.0), view.short_cum[above].max(initial=0.0)))
    shown = [c for c in view.clusters if lo <= c.price_level <= hi]
    rows = np.clip(np.searchsorted(view.centres - view.width / 2.0, [c.price_level for c in shown]) - 1, 0, n - 1)
    marker_y = (totals[rows] * 1.04).tolist() if shown else []
    sizes = [8 + 10 * c.strength for c in shown]
    left = round_axis(stack_top * 1.15)  # room for the markers and their labels above the tallest bar
    shifts = _label_shifts([c.price_level for c in shown], marker_y, sizes, hi - lo, left["range"][1])
    for side, colour in ((Side.LONG, LONG_COLOUR), (Side.SHORT, SHORT_COLOUR)):
        idx = [i for i, c in enumerate(shown) if c.side == side]
        if not idx:
            continue
        fig.add_trace(go.Scatter(
            x=[shown[i].price_level for i in idx], y=[marker_y[i] for i in idx], mode="markers",
            marker={"symbol": "diamond", "size": [sizes[i] for i in idx], "color": colour,
                    "line": {"color": "#ffffff", "width": 1}},
            hovertext=[cluster_hover_text(shown[i]) for i in idx], hoverinfo="text",
            name=f"{side.lower()} clusters", meta={"kind": "clusters", "side": side},
        ))
    for c, y, shift in zip(shown, marker_y, shifts, strict=True):
        if c.cluster_id:
            fig.add_annotation(x=c.price_level, y=y, text=f"#{c.cluster_id}", showarrow=False, yshift=shift,
                               font={"color": "#dddddd", "size": 10}, name="cluster label")
    when = pd.Timestamp(view.ts_ns, unit="ns", tz="UTC").strftime("%Y-%m-%d %H:%M UTC") if view.ts_ns else ""
    fig.add_shape(type="line", x0=price, x1=price, y0=0.0, y1=1.0, xref="x", yref="paper",
                  line={"color": PRICE_COLOUR, "width": 2, "dash": "dash"}, name="current price")
    fig.add_annotation(x=price, y=1.0, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                       text=f"current price {price_text(price)} "
                            f"{currency if currency != 'quote currency' else ''}".strip(),
                       font={"color": PRICE_COLOUR})
    right = round_axis(cum_top)
    x_step = nice_step(hi - lo, 8)
    fig.update_layout(
        title={"text": title or f"{view.instrument} liquidation map · {when}".strip(" ·"), "x": 0.01},
        template="plotly_dark", paper_bgcolor=BACKGROUND, plot_bgcolor=BACKGROUND, barmode="stack", bargap=0.0,
        xaxis={"title": f"price ({currency})", "range": [lo, hi], "showgrid": False, "tick0": 0.0, "dtick": x_step,
               "tickformat": _tick_format(x_step)},
        yaxis={"title": "estimated liquidation notional (USD per bin)", "tickprefix": "$", "tickformat": "~s",
               **left},
        yaxis2={"title": "cumulative liquidations (USD)", "overlaying": "y", "side": "right", "showgrid": False,
                "tickprefix": "$", "tickformat": "~s", **right},
        legend={"orientation": "h", "y": -0.14, "x": 0.0, "title": {"text": "leverage"}},
        hovermode="closest", margin={"l": 70, "r": 80, "t": 60, "b": 90},
    )
    return fig


def _tick_format(step: float) -> str:
    """Enough decimals to tell ticks ``step`` apart, with thousands separators."""
    decimals = max(0, -int(math.floor(math.log10(step)))) if step > 0 else 0
    if step * 10 ** decimals % 1 > 1e-9:
        decimals += 1
    return f",.{decimals}f"
