"""The dashboard page and its static files (not in the OpenAPI schema)."""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from liqheat_nautilus.serve.context import ApiContext
from liqheat_nautilus.serve.security import COOKIE

STATIC = Path(__file__).resolve().parents[1] / "static"
"""The dashboard's files (``index.html``, ``dashboard.js``, ``dashboard.css``)."""


def router(ctx: ApiContext) -> APIRouter:
    """
    Build the dashboard's routes.

    Parameters
    ----------
    ctx : ApiContext
        The application's settings (token) are read.

    Returns
    -------
    APIRouter
        ``/`` (``?token=`` sets the session cookie, then redirects), ``/static/plotly.min.js`` (Plotly's bundle),
        ``/static/dashboard.{js,css}``.
    """
    api = APIRouter(include_in_schema=False)

    @api.get("/")
    def dashboard(token: str | None = None) -> Response:
        if token is not None and ctx.settings.token is not None:  # the middleware has checked it
            response = RedirectResponse("/", status_code=303)
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
            return response
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    @api.get("/static/plotly.min.js")
    def plotly_js() -> FileResponse:
        import plotly

        return FileResponse(Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
                            media_type="application/javascript")

    @api.get("/static/{name}")
    def static(name: Annotated[str, PathParam(pattern=r"^dashboard\.(js|css)$")]) -> FileResponse:
        media = "application/javascript" if name.endswith(".js") else "text/css"
        return FileResponse(STATIC / name, media_type=media)

    return api
