"""Map routes (tag ``maps``) and their Plotly figures (tag ``charts``).

Maps: the map at a time, levels by leverage, the time × price heatmap, real liquidations, the models side by
side, the best cluster and trade signals. Charts: the figures of :mod:`liqheat_nautilus.charts`, as ``liqheat
plot`` draws them, for the dashboard.
"""

import time
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import Response

from liqheat_nautilus.core.enums import Side
from liqheat_nautilus.serve import models as m
from liqheat_nautilus.serve import responses as r
from liqheat_nautilus.serve.context import ApiContext
from liqheat_nautilus.serve.frames import MapFrame, best_cluster, cluster_score
from liqheat_nautilus.serve.query import (
    ERRORS,
    AtQ,
    InstrumentQ,
    ModelQ,
    RangeName,
    RunQ,
    TimeQ,
    WindowQ,
    parse_time_param,
    refuse_range_with_start,
)
from liqheat_nautilus.serve.sources import Selection

RANGE_HELP = "Window length, ending at end, when start is omitted (refused with start)."
"""OpenAPI description of the windowed routes' ``range``."""


def router(ctx: ApiContext) -> APIRouter:  # noqa: C901 (one closure per route)
    """
    Build the map and chart routes.

    Parameters
    ----------
    ctx : ApiContext
        The map source (its store's profiles are the ``profile`` enum) and the answer cache.

    Returns
    -------
    APIRouter
        ``/api/liquidation-map``, ``/liquidations/{levels,heatmap,history,compare-models}``,
        ``/api/heatmap/{instrument_id}/best``, ``/signals``, ``/charts/{map,heatmap}``; 404 / 422 answers
        documented (:data:`~.query.ERRORS`).
    """
    if TYPE_CHECKING:
        ProfileQ = Annotated[str | None, Query()]  # noqa: N806 (a type alias)
    else:
        ProfileQ = ctx.profile_query  # noqa: N806 (a type alias)
    api = APIRouter(responses=ERRORS)
    source = ctx.source

    @api.get("/api/liquidation-map", response_model=m.LiquidationMapResponse, tags=["maps"])
    async def liquidation_map(instrument_id: InstrumentQ = None, model: ModelQ = None, profile: ProfileQ = None,
                              run: RunQ = None, at: AtQ = None, window_pct: WindowQ = 10.0) -> Response:
        """Return the map at a time.

        Summary (price, 24 h high/low, open interest, funding), direction (bias, magnet forces, nearest clusters),
        bins sorted by price with USD intensity and status, and the clusters.
        """
        at_ns = parse_time_param(at, "at")
        sel = ctx.select(instrument_id, model, profile, run)

        def build(frame: MapFrame) -> bytes:
            hl = source.bars(sel.instrument_id).high_low(frame.ts_ns)
            funding = source.funding_at(sel.instrument_id, frame.ts_ns)
            return r.map_response(sel, frame, window_pct, hl, funding).model_dump_json().encode()

        return await ctx.framed(sel, at_ns, "map", (window_pct,), build)

    @api.get("/liquidations/levels", response_model=m.LevelsResponse, tags=["maps"])
    async def levels(instrument_id: InstrumentQ = None, model: ModelQ = None, profile: ProfileQ = None,
                     run: RunQ = None, at: AtQ = None, window_pct: WindowQ = 10.0) -> Response:
        """Liquidation levels per price bin × leverage tier (non-empty cells within window_pct of price)."""
        at_ns = parse_time_param(at, "at")
        sel = ctx.select(instrument_id, model, profile, run)
        return await ctx.framed(sel, at_ns, "levels", (window_pct,),
                                lambda frame: r.levels_response(sel, frame, window_pct).model_dump_json().encode())

    def heatmap_body(sel: Selection, start: str | None, end: str | None, range_name: str, levels: int) -> bytes:
        start_ns, end_ns = ctx.window(start, end, range_name, sel)
        frames = ctx.frames_or_404(sel, start_ns, end_ns)
        return r.heatmap_body(sel, frames, source.bars(sel.instrument_id), source.side_totals, start_ns, end_ns,
                              levels)

    @api.get("/liquidations/heatmap", response_model=m.HeatmapResponse, tags=["maps"],
             dependencies=[Depends(refuse_range_with_start)])
    async def heatmap(instrument_id: InstrumentQ = None, model: ModelQ = None, profile: ProfileQ = None,
                      run: RunQ = None,
                      start: Annotated[TimeQ, Query(description="Window start (time).")] = None,
                      end: Annotated[TimeQ, Query(description="Window end (default: latest).")] = None,
                      range: Annotated[RangeName, Query(description=RANGE_HELP)] = "24h",  # noqa: A002
                      levels: Annotated[int, Query(ge=10, le=1000, description="Most price levels returned.")] = 200
                      ) -> Response:
        """Time × price heatmap: price levels, [time index, price index, USD] cells, OHLCV candles (12 h .. 30 d)."""
        parse_time_param(start, "start"), parse_time_param(end, "end")  # 422 before any work
        sel = ctx.select(instrument_id, model, profile, run)
        key = ("heatmap", sel, start, end, range, levels, source.sequence)
        return await ctx.cached(key, heatmap_body, sel, start, end, range, levels)

    @api.get("/liquidations/history", response_model=m.HistoryResponse, tags=["maps"],
             dependencies=[Depends(refuse_range_with_start)])
    def history(instrument_id: InstrumentQ = None,
                start: Annotated[TimeQ, Query(description="Window start (time).")] = None,
                end: Annotated[TimeQ, Query(description="Window end (default: latest).")] = None,
                range: Annotated[RangeName, Query(description=RANGE_HELP)] = "24h",  # noqa: A002
                limit: Annotated[int, Query(ge=1, le=10_000, description="Most records returned.")] = 1000
                ) -> m.HistoryResponse:
        """Real liquidation records (LiquidationEvent) in a window, where the catalog or stream holds them."""
        sel = ctx.select(instrument_id, None, None, None)
        start_ns, end_ns = ctx.window(start, end, range, sel)
        available, note, events = source.liquidations(sel.instrument_id, start_ns, end_ns)
        if available and not events:  # not a bare empty list: say where the records are (e.g. a window after them)
            _, _, every = source.liquidations(sel.instrument_id, 0, 2**63 - 1)
            if every:
                first, last = min(e.ts_event for e in every), max(e.ts_event for e in every)
                note = (f"no LiquidationEvent record of {sel.instrument_id} from {r.iso(start_ns)} to "
                        f"{r.iso(end_ns)}; its {len(every)} records span {r.iso(first)} .. {r.iso(last)}")
        records = [r.liquidation_record(e) for e in events[-limit:]]
        return m.HistoryResponse(
            instrument_id=sel.instrument_id, start_ns=start_ns, end_ns=end_ns, available=available, note=note,
            long_usd=sum(x.notional_usd for x in records if x.side == Side.LONG),
            short_usd=sum(x.notional_usd for x in records if x.side == Side.SHORT), truncated=len(events) > limit,
            records=records)

    @api.get("/liquidations/compare-models", response_model=m.CompareModelsResponse, tags=["maps"])
    def compare_models(instrument_id: InstrumentQ = None, profile: ProfileQ = None, run: RunQ = None,
                       at: AtQ = None) -> m.CompareModelsResponse:
        """Every liquidation-price model on the same data at one time.

        Replays of each model; a recorded run or the live node has its one model.
        """
        at_ns = parse_time_param(at, "at")
        sel = ctx.select(instrument_id, None, profile, run)
        if at_ns is None:
            latest = source.frame_at(sel, None)
            at_ns = latest.ts_ns if latest is not None else time.time_ns()
        else:  # a time before the data is a 404 naming the data's start, as for one model's map (not all-null models)
            ctx.frame_or_404(sel, at_ns)
        return m.CompareModelsResponse(
            instrument_id=sel.instrument_id, source=sel.source, leverage_profile=sel.profile, at_ns=at_ns,
            models=[r.model_map(name, frame) for name, frame in source.compare(sel, at_ns)])

    @api.get("/api/heatmap/{instrument_id}/best", response_model=m.BestClusterResponse, tags=["maps"])
    def best(instrument_id: Annotated[str, PathParam(max_length=64, description="Instrument id.")],
             model: ModelQ = None, profile: ProfileQ = None, run: RunQ = None, at: AtQ = None,
             side: Annotated[Literal["LONG", "SHORT"] | None, Query(description="Only clusters of this side.")] = None
             ) -> m.BestClusterResponse:
        """Return the best live cluster by strength and distance: score = strength / (1 + |distance_pct|)."""
        at_ns = parse_time_param(at, "at")
        sel = ctx.select(instrument_id, model, profile, run)
        frame = ctx.frame_or_404(sel, at_ns)
        c = best_cluster(frame, side)
        return m.BestClusterResponse(**r.map_key(sel, frame), price=float(frame.snapshot.price),
                                     score=cluster_score(c.strength, c.distance_pct) if c is not None else None,
                                     cluster=r.cluster_level(c) if c is not None else None)

    @api.get("/signals", response_model=m.SignalsResponse, tags=["maps"])
    def signals(instrument_id: InstrumentQ = None, run: RunQ = None,
                limit: Annotated[int, Query(ge=1, le=5000, description="Most signals returned (newest).")] = 500
                ) -> m.SignalsResponse:
        """Trade signals: of a recorded run (catalog mode, run=...) or of the live node."""
        sel = ctx.select(instrument_id, None, None, run)
        note, rows = source.signals(sel)
        return m.SignalsResponse(instrument_id=sel.instrument_id, source=sel.source, note=note,
                                 signals=[r.signal_record(row, sel.instrument_id) for row in rows[-limit:]])

    # -- charts (the dashboard draws these: the same figures as `liqheat plot`) -----------------------------

    @api.get("/charts/map", response_model=m.FigureResponse, tags=["charts"])
    def chart_map(instrument_id: InstrumentQ = None, model: ModelQ = None, profile: ProfileQ = None,
                  run: RunQ = None, at: AtQ = None,
                  window_pct: Annotated[float | None, Query(
                      gt=0.0, le=50.0, allow_inf_nan=False,
                      description="Price window (percent); default: wide enough for the lowest leverage tier.")]
                  = None) -> Response:
        """Draw the liquidation map by leverage tier as a Plotly figure (liqheat_nautilus.charts.liquidation_map)."""
        from liqheat_nautilus.serve.figures import map_figure_json  # plotly: imported on first use

        at_ns = parse_time_param(at, "at")
        sel = ctx.select(instrument_id, model, profile, run)
        frame = ctx.frame_or_404(sel, at_ns)
        key = ("chart-map", sel, frame.ts_ns, frame.bins is not None, window_pct)
        return ctx.remembered(key, map_figure_json, frame, sel.instrument_id, window_pct)

    @api.get("/charts/heatmap", response_model=m.FigureResponse, tags=["charts"],
             dependencies=[Depends(refuse_range_with_start)])
    def chart_heatmap(instrument_id: InstrumentQ = None, model: ModelQ = None, profile: ProfileQ = None,
                      run: RunQ = None,
                      start: Annotated[TimeQ, Query(description="Window start.")] = None,
                      end: Annotated[TimeQ, Query(description="Window end.")] = None,
                      range: Annotated[RangeName, Query(description=RANGE_HELP)] = "3d"  # noqa: A002
                      ) -> Response:
        """Draw the time × price heatmap with candles as a Plotly figure (liqheat_nautilus.charts.heatmap)."""
        from liqheat_nautilus.serve.figures import heatmap_figure_json

        sel = ctx.select(instrument_id, model, profile, run)
        start_ns, end_ns = ctx.window(start, end, range, sel)
        ctx.frames_or_404(sel, start_ns, end_ns)
        _, frames = source.heatmap(sel, start_ns, end_ns)
        key = ("chart-heatmap", sel, start_ns, end_ns, len(frames), frames[-1].ts_ns if frames else 0)
        return ctx.remembered(key, heatmap_figure_json, frames, source.bars(sel.instrument_id), sel.instrument_id,
                              start_ns, end_ns)

    return api
