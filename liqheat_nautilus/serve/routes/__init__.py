"""The routes of ``liqheat serve``, one router per resource, in the order the application includes them.

Each module's ``router(ctx)`` builds an :class:`fastapi.APIRouter` around the application's shared
:class:`~liqheat_nautilus.serve.context.ApiContext`: :mod:`.pages` (dashboard and its static files),
:mod:`.service` (health, status, stats), :mod:`.maps` (maps, levels, heatmap, history, models, best cluster,
signals, and their Plotly figures) and :mod:`.stream` (server-sent events).
"""

from liqheat_nautilus.serve.routes import maps, pages, service, stream

ROUTERS = (pages, service, maps, stream)
"""Route modules in inclusion order (the OpenAPI schema lists their paths in this order)."""

__all__ = ["ROUTERS"]
