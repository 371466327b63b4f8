"""The backtest report: price over the liquidation heatmap with entries/exits, equity, drawdown, comparison table.

Inputs are Nautilus' own reports (``trader.generate_positions_report()``, ``generate_fills_report()``,
``generate_account_report(venue)``) as pandas DataFrames, the bars and the map's snapshot history, and an
optional strategy-comparison DataFrame (one row per strategy or variant). Equity, drawdown and the entries and exits
are computed by :mod:`~liqheat_nautilus.charts.report_data`.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from liqheat_nautilus.charts.heatmap import LIVE_COLORBAR, default_y_range, heatmap_data, heatmap_traces
from liqheat_nautilus.charts.output import ChartFiles, write_figure
from liqheat_nautilus.charts.palette import BACKGROUND, HEATMAP_COLOURSCALE, LONG_COLOUR, PATH_COLOUR, SHORT_COLOUR
from liqheat_nautilus.charts.report_data import (
    drawdown_pct,
    equity_curve,
    money_value,
    require_columns,
    trades_from_positions,
    utc_index,
)
from liqheat_nautilus.times import parse_time

ENTRY_LONG_COLOUR = "#33d17a"
ENTRY_SHORT_COLOUR = "#ff5c8a"


def _fmt(value: object) -> str:
    """Format a table cell: floats to 2 decimals from 100 up, 4 significant digits below, "–" for NaN."""
    if isinstance(value, float | np.floating):
        value = float(value)
        if not math.isfinite(value):
            return "–"
        return f"{value:,.2f}" if abs(value) >= 100 else f"{value:,.4g}"
    return str(value)


def comparison_frame(comparison) -> pd.DataFrame | None:
    """
    Return the comparison table as a DataFrame.

    Parameters
    ----------
    comparison : pandas.DataFrame, list or None
        A DataFrame (returned as is), or rows: ``liqheat_nautilus.backtest.metrics.ComparisonRow`` objects (the
        headers and texts of the command line's table, :func:`~liqheat_nautilus.backtest.metrics.formatted_row`:
        ``-`` where undefined), or dicts / objects with ``to_dict()``; a ``name`` field becomes the index.

    Returns
    -------
    pandas.DataFrame or None
        ``None`` for ``None`` or no rows.
    """
    if comparison is None:
        return None
    if isinstance(comparison, pd.DataFrame):
        return comparison
    if not comparison:
        return None
    # imported here: the backtest package costs ~0.3 s, which `liqheat plot` and `liqheat serve` need not pay
    from liqheat_nautilus.backtest.metrics import ComparisonRow, formatted_row

    if all(isinstance(r, ComparisonRow) for r in comparison):  # as the command line prints them
        frame = pd.DataFrame([formatted_row(r) for r in comparison])
        return frame.set_index(frame.columns[0])
    rows = [r.to_dict() if hasattr(r, "to_dict") else dict(r) for r in comparison]
    frame = pd.DataFrame(rows)
    return frame.set_index("name") if "name" in frame.columns else frame


def comparison_table(comparison: pd.DataFrame) -> go.Table:
    """
    Build the strategy-comparison table as a Plotly table (index as the first column).

    Parameters
    ----------
    comparison : pandas.DataFrame
        One row per strategy or variant, any columns.

    Returns
    -------
    plotly.graph_objects.Table
    """
    frame = comparison.reset_index()
    return go.Table(
        header={"values": [f"<b>{c}</b>" for c in frame.columns], "fill_color": "#2a2340", "align": "left",
                "font": {"color": "#f0f0f0"}, "height": 30},
        cells={"values": [[_fmt(v) for v in frame[c]] for c in frame.columns], "fill_color": "#1c1730",
               "align": "left", "font": {"color": "#e0e0e0"}, "height": 26},
        meta={"kind": "comparison"},
    )


def backtest_report_figure(
    bars: pd.DataFrame,
    *,
    history: dict[str, np.ndarray] | None = None,
    positions: pd.DataFrame | None = None,
    fills: pd.DataFrame | None = None,
    account: pd.DataFrame | None = None,
    comparison: pd.DataFrame | list | None = None,
    title: str = "Backtest report",
    multiplier: float = 1.0,
    starting_balance: float = 0.0,
    instrument: str = "",
    inverse: bool = False,
) -> go.Figure:
    """
    Build the backtest report figure.

    Parameters
    ----------
    bars : pandas.DataFrame
        UTC ``DatetimeIndex`` (bar close) with ``high``, ``low``, ``close``.
    history : dict[str, np.ndarray], optional
        ``MapHistory.ordered()`` for the heatmap underlay.
    positions : pandas.DataFrame, optional
        Nautilus positions report (entries and exits, unrealised PnL).
    fills : pandas.DataFrame, optional
        Nautilus fills report (``ts_event``, ``last_px``, ``order_side``): buy/sell markers when ``positions``
        is not given.
    account : pandas.DataFrame, optional
        Nautilus account report (``total`` balance).
    comparison : pandas.DataFrame or list, optional
        Strategy comparison table, or rows (see :func:`comparison_frame`).
    title : str, default "Backtest report"
        The figure's title (top left).
    multiplier : float, default 1
        Contract multiplier for the unrealised PnL (base units per contract; USD per contract when ``inverse``).
    starting_balance : float, default 0
        Balance when no account report is given.
    instrument : str, optional
        Instrument id (the price axis names its quote currency).
    inverse : bool, default False
        Inverse (coin-margined) contract: unrealised PnL and equity in the base currency (see
        :func:`equity_curve`).

    Returns
    -------
    plotly.graph_objects.Figure
        Row 1: heatmap layers, ``price`` line, ``entries`` (long and short traces) and ``exits`` (in profit and at
        a loss) markers (``meta["kind"]``), each trace in one colour so that the legend matches; row 2: ``equity``;
        row 3: ``drawdown``; row 4 (with ``comparison``): the ``comparison`` table.

    Raises
    ------
    ValueError
        If a report lacks a required column (named in the message) or ``bars`` is empty.
    """
    from liqheat_nautilus.charts.liquidation_map import price_text, quote_currency

    require_columns(bars, "bars", ("high", "low", "close"))
    if len(bars) == 0:
        raise ValueError("backtest report: no bars")
    currency = quote_currency(instrument) if instrument else "quote currency"
    table = comparison_frame(comparison)
    if table is not None and len(table) == 0:
        table = None
    rows = 4 if table is not None else 3
    specs: list[list[dict[str, str]]] = [[{}], [{}], [{}]]
    if table is not None:
        specs.append([{"type": "table"}])
    table_share = min(0.35, 0.12 + 0.03 * len(table)) if table is not None else 0.0
    heights = [0.6, 0.24, 0.16] if table is None else [(1.0 - table_share) * h for h in (0.6, 0.24, 0.16)]
    heights = heights + ([table_share] if table is not None else [])
    fig = make_subplots(rows=rows, cols=1, specs=specs, row_heights=heights, vertical_spacing=0.035,
                        subplot_titles=["price, liquidation heatmap, entries and exits", "equity (mark to market)",
                                        "drawdown (%)"] + (["strategy comparison"] if table is not None else []))
    y_range = default_y_range(np.r_[bars["low"].to_numpy(float), bars["high"].to_numpy(float)], 3.0)
    if history is not None and len(history.get("ts_ns", ())) > 0:
        data = heatmap_data(history, bars)
        domain_top = 1.0
        colorbar = {**LIVE_COLORBAR, "y": domain_top, "yanchor": "top", "len": heights[0] * 0.95}
        for trace in heatmap_traces(data, y_range, colorbar=colorbar):
            fig.add_trace(trace, row=1, col=1)
        fig.add_shape(type="rect", xref="x domain", yref="y domain", x0=0.0, x1=1.0, y0=0.0, y1=1.0, layer="below",
                      fillcolor=HEATMAP_COLOURSCALE[0][1], line={"width": 0})  # the scale's zero under the heatmap
    fig.add_trace(go.Scatter(x=bars.index, y=bars["close"], mode="lines", name="price",
                             line={"color": PATH_COLOUR, "width": 1.2}, meta={"kind": "price"}), row=1, col=1)
    trades = trades_from_positions(positions) if positions is not None and len(positions) else None
    if trades is not None:
        # one trace per legend entry, each in one fixed colour, so the legend shows what is drawn
        for name, mask, symbol, colour in (
                ("long entries", trades["direction"] > 0, "triangle-up", ENTRY_LONG_COLOUR),
                ("short entries", trades["direction"] < 0, "triangle-down", ENTRY_SHORT_COLOUR)):
            these = trades[mask]
            fig.add_trace(go.Scatter(
                x=these["ts_open"], y=these["px_open"], mode="markers", name=name,
                marker={"symbol": symbol, "size": 11, "color": colour, "line": {"color": "#000000", "width": 1}},
                hovertext=[f"{'LONG' if d > 0 else 'SHORT'} {q:g} @ {price_text(p)}<br>{pid}" for d, q, p, pid in
                           zip(these["direction"], these["qty"], these["px_open"], these["position_id"],
                               strict=True)],
                hoverinfo="text+x", meta={"kind": "entries", "side": "long" if symbol == "triangle-up" else "short"},
            ), row=1, col=1)
        done = trades[trades["ts_close"].notna()]
        for name, mask, colour in (("exits in profit", done["pnl"] >= 0, SHORT_COLOUR),
                                   ("exits at a loss", done["pnl"] < 0, LONG_COLOUR)):
            these = done[mask]
            fig.add_trace(go.Scatter(
                x=these["ts_close"], y=these["px_close"], mode="markers", name=name,
                marker={"symbol": "x", "size": 9, "color": colour, "line": {"color": "#000000", "width": 1}},
                hovertext=[f"exit @ {price_text(p)}<br>PnL {pnl:+,.2f}<br>{pid}" for p, pnl, pid in
                           zip(these["px_close"], these["pnl"], these["position_id"], strict=True)],
                hoverinfo="text+x", meta={"kind": "exits", "outcome": "profit" if colour == SHORT_COLOUR else "loss"},
            ), row=1, col=1)
    elif fills is not None and len(fills):
        require_columns(fills, "fills report", ("ts_event", "last_px", "order_side"))
        side = fills["order_side"].astype(str)
        for name, mask, symbol, colour in (("buys", side == "BUY", "triangle-up", ENTRY_LONG_COLOUR),
                                           ("sells", side == "SELL", "triangle-down", ENTRY_SHORT_COLOUR)):
            fig.add_trace(go.Scatter(x=utc_index(fills.loc[mask, "ts_event"]),
                                     y=fills.loc[mask, "last_px"].map(money_value), mode="markers", name=name,
                                     marker={"symbol": symbol, "size": 9, "color": colour}, meta={"kind": name}),
                          row=1, col=1)
    equity = equity_curve(bars, account, trades, multiplier, starting_balance, inverse)
    dd = drawdown_pct(equity)
    fig.add_trace(go.Scatter(x=equity.index, y=equity, mode="lines", name="equity",
                             line={"color": "#7aa2ff", "width": 1.5}, meta={"kind": "equity"}), row=2, col=1)
    fig.add_trace(go.Scatter(x=dd.index, y=dd, mode="lines", name="drawdown", fill="tozeroy",
                             line={"color": LONG_COLOUR, "width": 1}, fillcolor="rgba(246,70,93,0.3)",
                             meta={"kind": "drawdown"}), row=3, col=1)
    if table is not None:
        fig.add_trace(comparison_table(table), row=4, col=1)
    fig.update_xaxes(matches="x", showgrid=False, row=2, col=1)
    fig.update_xaxes(matches="x", showgrid=False, row=3, col=1)
    fig.update_xaxes(showgrid=False, showticklabels=False, range=[bars.index[0], bars.index[-1]], row=1, col=1)
    fig.update_xaxes(showticklabels=False, row=2, col=1)
    fig.update_yaxes(title_text=f"price ({currency})", range=list(y_range), showgrid=False, row=1, col=1)
    fig.update_yaxes(title_text="equity", row=2, col=1)
    fig.update_yaxes(title_text="%", row=3, col=1)
    fig.update_layout(
        title={"text": title, "x": 0.01}, template="plotly_dark", paper_bgcolor=BACKGROUND,
        plot_bgcolor=BACKGROUND, legend={"orientation": "h", "y": 1.02, "x": 0.5, "yanchor": "bottom"},
        margin={"l": 70, "r": 30, "t": 90, "b": 40}, height=int(1000 / (1.0 - table_share)),
    )
    return fig


def write_backtest_report(out_dir: str | Path, bars: pd.DataFrame, *, name: str = "backtest_report",
                          formats: tuple[str, ...] = ("html",), width: int = 1400, height: int = 1200,
                          **figure_kwargs) -> ChartFiles:
    """
    Build the report (see :func:`backtest_report_figure`) and write it as ``<out_dir>/<name>.html`` / ``.png``.

    Parameters
    ----------
    out_dir : str or Path
        Output folder (created).
    bars : pandas.DataFrame
        Bars (UTC index, ``high``/``low``/``close``).
    name : str, default "backtest_report"
        File name without extension.
    formats : tuple[str, ...], default ("html",)
        ``"html"`` and/or ``"png"`` (PNG through headless Chromium).
    width, height : int
        PNG size in pixels.
    **figure_kwargs
        ``history``, ``positions``, ``fills``, ``account``, ``comparison``, ``title``, ``multiplier``,
        ``starting_balance``, ``instrument``, ``inverse`` of :func:`backtest_report_figure`.

    Returns
    -------
    ChartFiles
        The report's ``.html`` and/or ``.png`` path (``None`` for a format not asked for).

    Raises
    ------
    ValueError
        As :func:`backtest_report_figure`.
    liqheat_nautilus.charts.browser.BrowserError
        If a PNG was asked for and Chromium is missing or fails.
    """
    fig = backtest_report_figure(bars, **figure_kwargs)
    return write_figure(fig, out_dir, name, formats, width, height)


def report_from_outcome(outcome, out_dir: str | Path, *, comparison: pd.DataFrame | list | None = None,
                        formats: tuple[str, ...] = ("html",), name: str | None = None) -> ChartFiles:
    """
    Write the report of a ``liqheat_nautilus.backtest.runner.BacktestOutcome``.

    The heatmap underlay is the run's **recording** (what the liquidation-map actor published, written by
    Nautilus' streaming during the run; see :mod:`liqheat_nautilus.recording`): nothing is replayed. A run
    without a recording (``record = false``) gets the report without the heatmap. The bars are read from the
    run's catalog. Positions, fills and account reports (DataFrames of Nautilus' ``trader.generate_*_report()``)
    are read from ``outcome.reports`` (``positions``, ``fills``, ``account``) or else from the attributes
    ``positions_report``, ``fills_report``, ``account_report``; without them the report shows price, heatmap and a
    flat equity line at the starting balance.

    Parameters
    ----------
    outcome : liqheat_nautilus.backtest.runner.BacktestOutcome
        A finished run (``spec`` is its backtest file, ``result.instance_id`` its recording).
    out_dir : str or Path
        Output folder.
    comparison : pandas.DataFrame or list, optional
        Strategy comparison table or rows (see :func:`comparison_frame`); default: the outcome's own ``row``
        (``liqheat_nautilus.backtest.metrics.ComparisonRow``), if any.
    formats : tuple[str, ...], default ("html",)
        ``"html"`` and/or ``"png"``.
    name : str, optional
        File name without extension (default ``<spec name>_report``).

    Returns
    -------
    ChartFiles
        The files written under ``out_dir``.

    Raises
    ------
    ValueError
        If the catalog is missing or has no bars for the run (``IngestError``), the recording is malformed or a
        report lacks a column.
    """
    from liqheat_nautilus.persistence.reader import read_market_series
    from liqheat_nautilus.recording import list_recordings, load_recording

    spec = outcome.spec
    instrument = spec.data.instrument_id
    series = read_market_series(spec.catalog_path(), instrument, spec.data.bar_spec,
                                parse_time(spec.data.start), parse_time(spec.data.end))
    run_id = str(getattr(getattr(outcome, "result", None), "instance_id", "") or "")
    history = None
    if run_id and any(r.run_id == run_id and instrument in r.instruments
                      for r in list_recordings(spec.catalog_path())):
        history = load_recording(spec.catalog_path(), run_id).history(instrument)
    reports = getattr(outcome, "reports", None)

    def report(name: str) -> pd.DataFrame | None:
        frame = getattr(reports, name, None)
        return frame if frame is not None else getattr(outcome, f"{name}_report", None)

    # the contract as the run traded it: multiplier and inverse give the unrealised PnL of open positions
    from liqheat_nautilus.adapters.common.providers import catalog_instruments

    contract = catalog_instruments(spec.catalog_path()).get(instrument)
    multiplier = float(contract.multiplier) if contract is not None else 1.0
    inverse = bool(contract.is_inverse) if contract is not None else False
    starting = 0.0
    if getattr(spec, "venue", None) is not None and spec.venue.starting_balances:
        starting = money_value(spec.venue.starting_balances[0])
    if comparison is None and getattr(outcome, "row", None) is not None:
        comparison = [outcome.row]
    return write_backtest_report(
        out_dir, series.bars_frame(), name=name or f"{spec.name}_report", formats=formats,
        history=history, positions=report("positions"), fills=report("fills"), account=report("account"),
        comparison=comparison_frame(comparison), title=f"Backtest {spec.name!r} · {instrument}",
        starting_balance=starting, instrument=instrument, multiplier=multiplier, inverse=inverse,
    )
