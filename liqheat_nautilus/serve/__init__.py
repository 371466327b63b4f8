"""``liqheat serve``: liquidation maps over HTTP (FastAPI + uvicorn): REST API, event stream, dashboard."""
