"""The liquidation map (Coinglass style): notional per price bin stacked by leverage tier, with cumulative curves.

Price runs along the x axis, estimated liquidation notional (USD) up the left y axis: long liquidations sit
left of (below) the current price, short liquidations right of (above) it, each bar stacked by leverage tier.
The cumulative long and short curves (:meth:`LiquidationMapEngine.cumulative_curves`) use the right y axis;
the current price is a red dashed line; hovering a cluster marker shows its price, notional and strength.
"""

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
        Instrument id for the title.
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
            clusters=tuple(c for c in found if c.status != "CLEARED"), instrument=instrument,
        )


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

    Returns
    -------
    str
        HTML-ish text (``<br>`` line breaks) for a Plotly hover label.
    """
    return (
        f"<b>{c.side} cluster #{c.cluster_id}</b><br>"
        f"price {c.price_level:,.4g} ({c.price_low:,.4g} – {c.price_high:,.4g})<br>"
        f"notional {_usd(c.notional_usd)} (~{c.liquidation_count:,d} liquidations)<br>"
        f"strength {c.strength:.2f} · avg leverage {c.leverage_tier:.0f}x<br>"
        f"distance {c.distance_pct:+.2f} % · {c.status}"
    )


def liquidation_map_figure(view: MapView, window_pct: float = 10.0, title: str | None = None) -> go.Figure:
    """
    Build the liquidation-map figure.

    Parameters
    ----------
    view : MapView
        The map (see :meth:`MapView.from_engine`).
    window_pct : float, default 10
        Price window shown: ``price · (1 ± window_pct / 100)``; > 0.
    title : str, optional
        Figure title (default: instrument, time and price).

    Returns
    -------
    plotly.graph_objects.Figure
        Traces, in order: per tier a long bar trace (``meta["side"] == "long"``) and a short bar trace
        (``"short"``), both ``meta["tier"]`` = leverage, stacked (``barmode="stack"``); the cumulative long and
        short curves on ``yaxis2`` (``meta["kind"] == "cumulative"``); the cluster markers
        (``meta["kind"] == "clusters"``). The current price is a red dashed layout shape.

    Raises
    ------
    ValueError
        If ``window_pct`` is not > 0 or the view's arrays disagree in shape.
    """
    if not window_pct > 0.0:
        raise ValueError(f"window_pct must be > 0, was {window_pct}")
    n = view.centres.shape[0]
    shape = (n, view.tiers.shape[0])
    if view.long_tier.shape != shape or view.short_tier.shape != shape:
        raise ValueError(f"liquidation map: tier arrays must have shape {shape}, were {view.long_tier.shape} "
                         f"and {view.short_tier.shape}")
    price = view.price
    lo, hi = price * (1.0 - window_pct / 100.0), price * (1.0 + window_pct / 100.0)
    inside = (view.centres >= lo) & (view.centres <= hi)
    colours = tier_colours(view.tiers)
    fig = go.Figure()
    for j, tier in enumerate(view.tiers.tolist()):
        name = f"{tier:g}x"
        for side, arr in (("long", view.long_tier), ("short", view.short_tier)):
            rows = inside & (arr[:, j] > 0.0)  # the bins where this tier holds notional
            fig.add_trace(go.Bar(
                x=view.centres[rows], y=arr[rows, j], name=name, legendgroup=name, showlegend=side == "long",
                marker={"color": colours[j], "line": {"width": 0}}, width=view.width,
                meta={"side": side, "tier": tier},
                hovertemplate=f"{side} {name}<br>price %{{x:,.4g}}<br>%{{y:$,.0f}}<extra></extra>",
            ))
    below = inside & (view.centres <= price + view.width / 2.0)
    above = inside & (view.centres >= price - view.width / 2.0)
    fig.add_trace(go.Scatter(
        x=view.centres[below], y=view.long_cum[below], name="cumulative long liquidations", yaxis="y2",
        mode="lines", line={"color": LONG_COLOUR, "width": 2}, fill="tozeroy", fillcolor="rgba(246,70,93,0.10)",
        meta={"kind": "cumulative", "side": "long"},
        hovertemplate="cumulative long<br>price %{x:,.4g}<br>%{y:$,.0f}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=view.centres[above], y=view.short_cum[above], name="cumulative short liquidations", yaxis="y2",
        mode="lines", line={"color": SHORT_COLOUR, "width": 2}, fill="tozeroy", fillcolor="rgba(14,203,129,0.10)",
        meta={"kind": "cumulative", "side": "short"},
        hovertemplate="cumulative short<br>price %{x:,.4g}<br>%{y:$,.0f}<extra></extra>",
    ))
    shown = [c for c in view.clusters if lo <= c.price_level <= hi]
    if shown:
        totals = view.long_tier.sum(axis=1) + view.short_tier.sum(axis=1)
        k = np.clip(np.searchsorted(view.centres - view.width / 2.0, [c.price_level for c in shown]) - 1, 0, n - 1)
        fig.add_trace(go.Scatter(
            x=[c.price_level for c in shown], y=totals[k] * 1.04, mode="markers+text",
            text=[f"#{c.cluster_id}" if c.cluster_id else "" for c in shown], textposition="top center",
            textfont={"color": "#dddddd", "size": 10},
            marker={"symbol": "diamond", "size": [8 + 10 * c.strength for c in shown],
                    "color": [LONG_COLOUR if c.side == "LONG" else SHORT_COLOUR for c in shown],
                    "line": {"color": "#ffffff", "width": 1}},
            hovertext=[cluster_hover_text(c) for c in shown], hoverinfo="text", name="clusters",
            meta={"kind": "clusters"},
        ))
    when = pd.Timestamp(view.ts_ns, unit="ns", tz="UTC").strftime("%Y-%m-%d %H:%M UTC") if view.ts_ns else ""
    fig.add_shape(type="line", x0=price, x1=price, y0=0.0, y1=1.0, xref="x", yref="paper",
                  line={"color": PRICE_COLOUR, "width": 2, "dash": "dash"}, name="current price")
    fig.add_annotation(x=price, y=1.0, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                       text=f"current price {price:,.4g}", font={"color": PRICE_COLOUR})
    fig.update_layout(
        title={"text": title or f"{view.instrument} liquidation map · {when}".strip(" ·"), "x": 0.01},
        template="plotly_dark", paper_bgcolor=BACKGROUND, plot_bgcolor=BACKGROUND, barmode="stack", bargap=0.0,
        xaxis={"title": "price", "range": [lo, hi], "showgrid": False},
        yaxis={"title": "estimated liquidation notional (USD per bin)", "rangemode": "tozero", "tickprefix": "$",
               "tickformat": "~s"},
        yaxis2={"title": "cumulative liquidations (USD)", "overlaying": "y", "side": "right",
                "rangemode": "tozero", "showgrid": False, "tickprefix": "$", "tickformat": ".3~s"},
        legend={"orientation": "h", "y": -0.14, "x": 0.0, "title": {"text": "leverage"}},
        hovermode="closest", margin={"l": 70, "r": 80, "t": 60, "b": 90},
    )
    return fig
