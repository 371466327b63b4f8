"""Response bodies of the ``liqheat serve`` map routes, built from :class:`~.frames.MapFrame` objects.

Pure conversion: a map update (snapshot, clusters, bins) and the request's parameters in, a typed model of
:mod:`.models` (or, for the heatmap's tens of thousands of cells, its JSON directly) out. Units as in
:mod:`.models`: prices in quote currency, notional in USD, leverage in x, times in UNIX ns.
"""

from collections.abc import Callable
from typing import Any, cast

import numpy as np
import orjson
import pandas as pd
from fastapi.responses import Response

from liqheat_nautilus.charts.heatmap import ohlcv_candles
from liqheat_nautilus.core.enums import STATUS_NAMES, Bias, ClusterStatus, Side
from liqheat_nautilus.core.grid import common_grid
from liqheat_nautilus.core.units import NS_PER_SECOND
from liqheat_nautilus.serve import models as m
from liqheat_nautilus.serve.frames import BinsView, MapFrame, finite_or_none, heatmap_grid
from liqheat_nautilus.serve.query import CANDLE_STEPS_NS, MAX_CANDLES, MAX_COLUMNS
from liqheat_nautilus.serve.sources import Bars, Selection

SideTotals = Callable[[Any], tuple[np.ndarray, np.ndarray]]
"""``bins -> (long_usd, short_usd)`` per row of published bins (:meth:`~.sources.MapSource.side_totals`)."""


def iso(ns: int) -> str:
    """
    Format UNIX ns as ISO-8601 UTC (``...Z``).

    Parameters
    ----------
    ns : int
        Time (UNIX ns).

    Returns
    -------
    str
        E.g. ``2026-06-20T12:00:00Z`` (fractional seconds when ``ns`` has them, up to nanoseconds).
    """
    return pd.Timestamp(int(ns), unit="ns", tz="UTC").isoformat().replace("+00:00", "Z")


def json_response(body: bytes) -> Response:
    """
    Wrap an encoded JSON body as a response.

    Parameters
    ----------
    body : bytes
        The JSON document, already encoded (e.g. by orjson or a model's ``model_dump_json``).

    Returns
    -------
    Response
        Status 200, ``application/json``, ``body`` unchanged.
    """
    return Response(content=body, media_type="application/json")


def bias_name(value: str) -> m.BiasName:
    """
    Return the snapshot's bias as the API names it (anything unknown is ``UNBIASED``).

    Parameters
    ----------
    value : str
        ``LiquidationMapSnapshot.bias``: ``UP``, ``DOWN`` or ``UNBIASED``.

    Returns
    -------
    BiasName
        ``value`` when it is a :class:`~liqheat_nautilus.core.enums.Bias` name, else ``"UNBIASED"``.
    """
    return cast(m.BiasName, value) if value in tuple(Bias) else "UNBIASED"


def cluster_level(c: Any) -> m.ClusterLevel:
    """
    Convert a cluster to its response model.

    Parameters
    ----------
    c : LiquidationCluster or ClusterInfo
        Prices in quote currency, notional in USD, times in UNIX ns.

    Returns
    -------
    ClusterLevel
        Side and status are validated by the model (``LONG``/``SHORT``; ``ACTIVE``/``PARTIAL``/``CLEARED``).
    """
    return m.ClusterLevel(
        cluster_id=int(c.cluster_id), side=cast(m.SideName, str(c.side)), price_level=float(c.price_level),
        price_low=float(c.price_low), price_high=float(c.price_high), leverage_tier=float(c.leverage_tier),
        notional_usd=float(c.notional_usd), liquidation_count=int(c.liquidation_count), strength=float(c.strength),
        distance_pct=float(c.distance_pct), status=cast(m.StatusName, str(c.status)), first_seen_ns=int(c.first_seen),
        last_seen_ns=int(c.last_seen),
    )


def ordered_clusters(frame: MapFrame) -> list[m.ClusterLevel]:
    """
    Return the update's clusters: the live ones strongest first, then the cleared ones.

    Parameters
    ----------
    frame : MapFrame
        The map update.

    Returns
    -------
    list[ClusterLevel]
        Every cluster of the update (``CLEARED`` ones last, in the update's order).
    """
    cleared = [c for c in frame.clusters if c.status == ClusterStatus.CLEARED]
    return [cluster_level(c) for c in (*frame.live_clusters, *cleared)]


def cluster_by_id(frame: MapFrame, cluster_id: int) -> m.ClusterLevel | None:
    """
    Return the update's live cluster of this id, ``None`` if there is none.

    Parameters
    ----------
    frame : MapFrame
        The map update.
    cluster_id : int
        E.g. the snapshot's ``nearest_above_id`` / ``nearest_below_id``; ``-1`` (no cluster) finds none.

    Returns
    -------
    ClusterLevel or None
        ``None`` when the update has no cluster of this id that is not ``CLEARED``.
    """
    found = next((c for c in frame.clusters if c.cluster_id == cluster_id and c.status != ClusterStatus.CLEARED), None)
    return cluster_level(found) if found is not None else None


def map_identity(sel: Selection) -> dict[str, Any]:
    """
    Return the :class:`~.models.MapIdentity` fields of a response: which map.

    Parameters
    ----------
    sel : Selection
        Which map (from ``MapSource.select``).

    Returns
    -------
    dict[str, Any]
        ``instrument_id``, ``source``, ``model``, ``leverage_profile`` (the selection's ``profile``), ``run_id``
        and ``profile_warning``.
    """
    return {"instrument_id": sel.instrument_id, "source": sel.source, "model": sel.model,
            "leverage_profile": sel.profile, "run_id": sel.run_id, "profile_warning": sel.profile_warning}


def map_key(sel: Selection, frame: MapFrame) -> dict[str, Any]:
    """
    Return the :class:`~.models.MapKey` fields of a response: which map, at which update.

    Parameters
    ----------
    sel : Selection
        Which map (from ``MapSource.select``).
    frame : MapFrame
        The update shown.

    Returns
    -------
    dict[str, Any]
        :func:`map_identity`'s fields, ``ts_ns`` (UNIX ns) and ``time`` (ISO-8601 UTC).
    """
    return {**map_identity(sel), "ts_ns": int(frame.ts_ns), "time": iso(frame.ts_ns)}


def _status_name(code: Any) -> m.StatusName:
    """Name a bin status code (0, 1, 2: ``ACTIVE``, ``PARTIAL``, ``CLEARED``)."""
    return cast(m.StatusName, str(STATUS_NAMES[int(code)]))


def _map_bins(frame: MapFrame, window_pct: float) -> tuple[list[m.MapBin], float | None]:
    """Bins within ``window_pct`` of price with their intensity (USD / the largest), and the bin width."""
    if frame.bins is None:
        return [], None
    view = BinsView.of(frame.bins)
    idx = view.window(frame.snapshot.price, window_pct)
    total = view.long_usd[idx] + view.short_usd[idx]
    top = float(total.max()) if total.size else 0.0
    bins = []
    for k, tot in zip(idx.tolist(), total.tolist(), strict=True):
        lo = float(view.lower[k])
        bins.append(m.MapBin(price_low=lo, price_high=lo + view.width, long_usd=float(view.long_usd[k]),
                             short_usd=float(view.short_usd[k]), total_usd=tot,
                             intensity=tot / top if top > 0 else 0.0,
                             long_status=_status_name(view.long_status[k]),
                             short_status=_status_name(view.short_status[k])))
    return bins, view.width


def map_response(sel: Selection, frame: MapFrame, window_pct: float, high_low: tuple[float, float] | None,
                 funding: tuple[float, int] | None) -> m.LiquidationMapResponse:
    """
    Build ``/api/liquidation-map``'s answer.

    Parameters
    ----------
    sel : Selection
        Which map.
    frame : MapFrame
        The update shown.
    window_pct : float
        Half-width of the price window of the bins (percent of price).
    high_low : tuple[float, float] or None
        Highest and lowest price of the 24 h up to the update (:meth:`~.sources.Bars.high_low`).
    funding : tuple[float, int] or None
        Latest funding rate (fraction per interval) and its time (UNIX ns).

    Returns
    -------
    LiquidationMapResponse
    """
    snap = frame.snapshot
    bins, width = _map_bins(frame, window_pct)
    return m.LiquidationMapResponse(
        **map_key(sel, frame), bin_width=width,
        summary=m.Summary(
            price=float(snap.price), high_24h=high_low[0] if high_low else None,
            low_24h=high_low[1] if high_low else None, total_oi_usd=finite_or_none(snap.total_oi_usd),
            funding_rate=funding[0] if funding else None, funding_ts_ns=funding[1] if funding else None,
            long_liquidation_usd=float(snap.long_liquidation_usd),
            short_liquidation_usd=float(snap.short_liquidation_usd),
            swept_long_usd=float(snap.swept_long_usd), swept_short_usd=float(snap.swept_short_usd)),
        direction=m.Direction(
            bias=bias_name(snap.bias), magnet_up=float(snap.magnet_up), magnet_down=float(snap.magnet_down),
            magnet_net=float(snap.magnet_net), nearest_above=cluster_by_id(frame, snap.nearest_above_id),
            nearest_below=cluster_by_id(frame, snap.nearest_below_id)),
        bins=bins, clusters=ordered_clusters(frame),
    )


def levels_response(sel: Selection, frame: MapFrame, window_pct: float) -> m.LevelsResponse:
    """
    Build ``/liquidations/levels``' answer: notional per bin and leverage tier (non-empty cells only).

    Parameters
    ----------
    sel : Selection
        Which map (from ``MapSource.select``).
    frame : MapFrame
        The update shown; without bins the answer has no tiers and no levels.
    window_pct : float
        Half-width of the price window (percent of price).

    Returns
    -------
    LevelsResponse
        Levels ascending in price, then leverage.
    """
    out, tiers = [], []
    if frame.bins is not None:
        view = BinsView.of(frame.bins)
        tiers = view.tiers.tolist()
        idx = view.window(frame.snapshot.price, window_pct)
        rows, cols = np.nonzero((view.long_tier[idx] > 0.0) | (view.short_tier[idx] > 0.0))
        for r, c in zip(idx[rows].tolist(), cols.tolist(), strict=True):
            lo = float(view.lower[r])
            out.append(m.LeverageLevel(price_low=lo, price_high=lo + view.width, leverage=tiers[c],
                                       long_usd=float(view.long_tier[r, c]), short_usd=float(view.short_tier[r, c])))
    return m.LevelsResponse(**map_key(sel, frame), price=float(frame.snapshot.price), tiers=tiers, levels=out)


def model_map(model: str, frame: MapFrame | None) -> m.ModelMap:
    """
    Summarise one model's update for ``/liquidations/compare-models`` (empty when it had none yet).

    Parameters
    ----------
    model : str
        Liquidation-price model name (``"live"`` for a live node's map).
    frame : MapFrame or None
        The model's last update at or before the requested time; ``None`` when it had none yet.

    Returns
    -------
    ModelMap
        Notional (USD), bias, net magnet force (USD / %²), nearest clusters and the three strongest live ones; for
        ``None``: ``ts_ns`` null, zero notional, ``UNBIASED`` and no cluster.
    """
    if frame is None:
        return m.ModelMap(model=model, ts_ns=None, long_liquidation_usd=0.0, short_liquidation_usd=0.0,
                          bias="UNBIASED", magnet_net=0.0, nearest_above=None, nearest_below=None, top_clusters=[])
    snap = frame.snapshot
    return m.ModelMap(
        model=model, ts_ns=frame.ts_ns, long_liquidation_usd=float(snap.long_liquidation_usd),
        short_liquidation_usd=float(snap.short_liquidation_usd), bias=bias_name(snap.bias),
        magnet_net=float(snap.magnet_net), nearest_above=cluster_by_id(frame, snap.nearest_above_id),
        nearest_below=cluster_by_id(frame, snap.nearest_below_id),
        top_clusters=[cluster_level(c) for c in frame.live_clusters[:3]])


def liquidation_record(e: Any) -> m.LiquidationRecord:
    """
    Convert a ``LiquidationEvent`` (price in quote currency, notional in USD, time in UNIX ns).

    Parameters
    ----------
    e : LiquidationEvent
        A real liquidation as the catalog or the live stream holds it.

    Returns
    -------
    LiquidationRecord
        A side that is not ``LONG``/``SHORT`` is answered as ``LONG``.
    """
    return m.LiquidationRecord(ts_ns=int(e.ts_event), side=e.side if e.side in tuple(Side) else "LONG",
                               price=float(e.price), quantity=float(e.quantity), notional_usd=float(e.notional_usd),
                               source=str(e.source))


def signal_record(r: dict[str, Any], instrument_id: str) -> m.TradeSignalRecord:
    """
    Convert a ``TradeSignal`` dict (prices in quote currency; missing or NaN values are ``None``).

    Parameters
    ----------
    r : dict[str, Any]
        A :meth:`~liqheat_nautilus.signals.TradeSignal.to_dict` row (or a row of a recorded run's signals log):
        ``ts``, ``action`` and ``position_side`` required, the other fields optional.
    instrument_id : str
        The instrument answered when the row has no ``instrument_id``.

    Returns
    -------
    TradeSignalRecord
        Missing ``quantity`` / ``confidence`` are 0, ``cluster_id`` -1, ``sentiment`` ``NEUTRAL``.

    Raises
    ------
    KeyError
        If ``ts``, ``action`` or ``position_side`` is missing.
    pydantic.ValidationError
        If ``position_side`` is not ``LONG`` or ``SHORT``.
    """
    return m.TradeSignalRecord(
        ts_ns=int(r["ts"]), strategy=str(r.get("strategy", "")), action=str(r["action"]),
        instrument_id=str(r.get("instrument_id", instrument_id)), position_side=r["position_side"],
        entry=finite_or_none(r.get("entry")), stop_loss=finite_or_none(r.get("stop_loss")),
        take_profit=finite_or_none(r.get("take_profit")), quantity=float(r.get("quantity") or 0.0),
        confidence=float(r.get("confidence") or 0.0), risk_reward=finite_or_none(r.get("risk_reward")),
        reason=str(r.get("reason", "")), cluster_id=int(r.get("cluster_id", -1)),
        support=finite_or_none(r.get("support")), resistance=finite_or_none(r.get("resistance")),
        sentiment=str(r.get("sentiment", "NEUTRAL")))


def heatmap_body(sel: Selection, frames: list[MapFrame], bars: Bars, side_totals: SideTotals, start_ns: int,
                 end_ns: int, levels: int) -> bytes:
    """
    Encode ``/liquidations/heatmap``'s answer (the :class:`~.models.HeatmapResponse` layout).

    Tens of thousands of cells are encoded directly (orjson) instead of validating each with pydantic; the OpenAPI
    schema documents the layout and the Schemathesis tests check it.

    Parameters
    ----------
    sel : Selection
        Which map (from ``MapSource.select``): the answer's identity fields.
    frames : list[MapFrame]
        The window's updates; those without bins are skipped, more than ``MAX_COLUMNS`` thinned evenly.
    bars : Bars
        The instrument's bars (candles: the shortest step of ``CANDLE_STEPS_NS`` giving <= ``MAX_CANDLES``).
    side_totals : callable
        ``bins -> (long_usd, short_usd)`` per bin row.
    start_ns, end_ns : int
        Window (UNIX ns).
    levels : int
        Most price levels (bins merged; :func:`~.frames.heatmap_grid`), over the candles' range ±10 %.

    Returns
    -------
    bytes
        JSON; cells are ``[time index, price index, USD]`` (USD rounded to the cent, cells under half a cent
        dropped).
    """
    shown = [(f, f.bins) for f in frames if f.bins is not None and f.bins.n_rows > 0]
    if len(shown) > MAX_COLUMNS:
        keep = np.unique(np.linspace(0, len(shown) - 1, MAX_COLUMNS).round().astype(np.int64))
        shown = [shown[k] for k in keep.tolist()]
    step = next((s for s in CANDLE_STEPS_NS if (end_ns - start_ns) / s <= MAX_CANDLES), CANDLE_STEPS_NS[-1])
    ohlcv = ohlcv_candles(bars.ts_ns, bars.open, bars.high, bars.low, bars.close, bars.volume, start_ns, end_ns, step)
    times: list[int] = []
    price_levels: list[float] = []
    cells: list[list[int | float]] = []
    width, top = 0.0, 0.0
    if shown:
        prices = np.r_[ohlcv[:, 2], ohlcv[:, 3]] if len(ohlcv) else np.array([f.snapshot.price for f, _ in shown])
        lo, hi = float(prices.min()) * 0.9, float(prices.max()) * 1.1
        # a map that re-binned its grid (regrid_ratio) or a node restarted at another price has another bin
        # width: the older updates are moved onto the newest one
        sides = [side_totals(b) for _, b in shown]
        g0, width, (longs, shorts) = common_grid([b.first_bin for _, b in shown], [b.bin_width for _, b in shown],
                                                 [s[0] for s in sides], [s[1] for s in sides])
        rows = [(f.ts_ns, f.snapshot.price, g0, longs[t], shorts[t]) for t, (f, _) in enumerate(shown)]
        grid = heatmap_grid(rows, width, lo, hi, levels)
        t_idx, p_idx = np.nonzero(grid.usd >= 0.005)
        values = np.round(grid.usd[t_idx, p_idx], 2)  # USD to the cent: shorter JSON, nothing lost
        times = grid.ts_ns.tolist()
        price_levels = grid.levels.tolist()
        cells = [list(c) for c in zip(t_idx.tolist(), p_idx.tolist(), values.tolist(), strict=True)]
        width, top = grid.level_width, float(values.max()) if values.size else 0.0
    return orjson.dumps({
        **map_identity(sel), "start_ns": start_ns, "end_ns": end_ns,
        "times_ns": times, "price_levels": price_levels, "level_width": width, "cells": cells, "max_usd": top,
        "candle_interval_s": step // NS_PER_SECOND,
        "candles": [[int(r[0]), *r[1:].tolist()] for r in ohlcv],
    })
