"""Chart routes: the figures of :mod:`liqheat_nautilus.charts` (as ``liqheat plot`` draws them) as Plotly JSON,
for the dashboard (tag ``charts``)."""

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from liqheat_nautilus.serve import models as m
from liqheat_nautilus.serve.context import ApiContext
from liqheat_nautilus.serve.query import ERRORS, AtQ, InstrumentQ, ModelQ, RangeName, RunQ, TimeQ, parse_time_param


def router(ctx: ApiContext) -> APIRouter:
    """
    Build the chart routes.

    Parameters
    ----------
    ctx : ApiContext

    Returns
    -------
    APIRouter
        ``/charts/map`` and ``/charts/heatmap``; each answer cached per map update and window.
    """
    if TYPE_CHECKING:
        ProfileQ = Annotated[str | None, Query()]  # noqa: N806 (a type alias)
    else:
        ProfileQ = ctx.profile_query  # noqa: N806 (a type alias)
    api = APIRouter(tags=["charts"], responses=ERRORS)
    source = ctx.source

    @api.get("/charts/map", response_model=m.FigureResponse)
    def chart_map(instrument_id: InstrumentQ = None, model: ModelQ = None, profile: ProfileQ = None,
                  run: RunQ = None, at: AtQ = None,
                  window_pct: Annotated[float | None, Query(gt=0.0, le=50.0, description="Price window (percent); "
                                                            "default: wide enough for the lowest leverage tier.")]
                  = None) -> Response:
        """The liquidation map by leverage tier as a Plotly figure (liqheat_nautilus.charts.liquidation_map)."""
        from liqheat_nautilus.serve.figures import map_figure_json

        at_ns = parse_time_param(at, "at")
        sel = ctx.select(instrument_id, model, profile, run)
        frame = ctx.frame_or_404(sel, at_ns)
        key = ("chart-map", sel, frame.ts_ns, frame.bins is not None, window_pct)
        return ctx.remembered(key, map_figure_json, frame, sel.instrument_id, window_pct)

    @api.get("/charts/heatmap", response_model=m.FigureResponse)
    def chart_heatmap(instrument_id: InstrumentQ = None, model: ModelQ = None, profile: ProfileQ = None,
                      run: RunQ = None,
                      start: Annotated[TimeQ, Query(description="Window start.")] = None,
                      end: Annotated[TimeQ, Query(description="Window end.")] = None,
                      range: Annotated[RangeName, Query(description="Window length when start is omitted.")] = "3d"  # noqa: A002
                      ) -> Response:
        """The time × price heatmap with candles as a Plotly figure (liqheat_nautilus.charts.heatmap)."""
        from liqheat_nautilus.serve.figures import heatmap_figure_json

        sel = ctx.select(instrument_id, model, profile, run)
        start_ns, end_ns = ctx.window(start, end, range, sel)
        _, frames = source.heatmap(sel, start_ns, end_ns)
        key = ("chart-heatmap", sel, start_ns, end_ns, len(frames), frames[-1].ts_ns if frames else 0)
        return ctx.remembered(key, heatmap_figure_json, frames, source.bars(sel.instrument_id), sel.instrument_id,
                              start_ns, end_ns)

    return api
