"""Service routes: liveness, what is served (instruments, models, profiles, runs) and server statistics."""

import importlib.metadata
import time

from fastapi import APIRouter

from liqheat_nautilus.core.units import NS_PER_SECOND
from liqheat_nautilus.serve import models as m
from liqheat_nautilus.serve.context import ApiContext


def package_version() -> str:
    """
    Return the installed liqheat-nautilus version (``"0"`` when not installed).

    Returns
    -------
    str
        The distribution's version (``importlib.metadata``), e.g. for ``/health``.
    """
    try:
        return importlib.metadata.version("liqheat-nautilus")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def rss_bytes() -> int:
    """
    Return the resident memory of this process (bytes; the peak where ``/proc`` is missing).

    Returns
    -------
    int
        Resident set size from ``/proc/self/statm`` (pages × page size); without ``/proc``, the peak
        ``ru_maxrss``, which macOS gives in bytes and Linux and the BSDs in KiB (× 1024).
    """
    try:
        with open("/proc/self/statm") as fh:
            import os

            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource
        import sys

        peak = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        return peak if sys.platform == "darwin" else peak * 1024


def router(ctx: ApiContext) -> APIRouter:
    """
    Build the service routes: liveness, what is served, statistics (tag ``service``).

    Parameters
    ----------
    ctx : ApiContext
        Its source (mode, state, runs, store) and request counters are reported.

    Returns
    -------
    APIRouter
        ``/health``, ``/api/status``, ``/api/stats``.
    """
    api = APIRouter(tags=["service"])
    source = ctx.source

    @api.get("/health", response_model=m.Health)
    async def health() -> m.Health:
        """Liveness: answers while the server runs."""
        return m.Health(status="ok", mode=source.mode, version=package_version(), time_ns=time.time_ns())

    @api.get("/api/status", response_model=m.StatusResponse)
    def status() -> m.StatusResponse:
        """Per instrument: INITIALIZING / READY / ERROR; the selectable models, profiles and recorded runs."""
        runs = []
        store = ctx.store
        warnings = list(getattr(store, "profile_warnings", {}).values())
        runs_of = getattr(source, "runs", None)
        if runs_of is not None:
            for r in runs_of():
                model, profile = r.map_labels  # map_profile / map_params_extra included
                runs.append(m.RunInfo(run_id=r.run_id, instruments=list(r.instruments),
                                      strategies=list(r.strategies), model=model, leverage_profile=profile,
                                      recorded_ns=r.modified_ns))
                warnings += [f"recorded run {r.run_id}: {w}" for w in r.profile_warnings.values()]
        state, message = source.overall()
        return m.StatusResponse(
            mode=source.mode, state=state, message=message,
            instruments=[m.InstrumentStatus(**s) for s in source.status()],
            models=list(store.models) if store else [], profiles=list(store.profiles) if store else [],
            default_model=store.default_model if store else "", default_profile=store.default_profile if store else "",
            runs=runs, snapshot_interval_s=int(getattr(store, "snapshot_interval_ns", 0) // NS_PER_SECOND),
            warnings=warnings,
        )

    @api.get("/api/stats", response_model=m.StatsResponse)
    def stats() -> m.StatsResponse:
        """Report requests served, stream clients, memory, cached replays, live messages read."""
        store = ctx.store
        replays = [m.ReplayCacheEntry(instrument_id=i, model=mo, leverage_profile=p, frames=n, position_ns=pos)
                   for i, mo, p, n, pos in (store.cached() if store else [])]
        return m.StatsResponse(
            mode=source.mode, uptime_s=time.time() - source.started, requests=ctx.counters["requests"],
            stream_clients=ctx.counters["stream_clients"], memory_rss_bytes=rss_bytes(),
            replays_built=getattr(store, "replays_built", 0), replays=replays,
            live_messages=int(getattr(source, "messages_read", 0)),
        )

    return api
