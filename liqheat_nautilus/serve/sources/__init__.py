"""Where ``liqheat serve`` gets its maps: a catalog (replays and recorded runs) or, in :mod:`..live`, Redis.

Every source answers the same questions with :class:`~liqheat_nautilus.serve.frames.MapFrame` objects, so the
API (:mod:`liqheat_nautilus.serve.app`) does not know where a map came from: :mod:`.base` holds what every source
shares (selection, request errors, bars), :mod:`.catalog` the catalog source.
"""

from liqheat_nautilus.serve.sources.base import (
    EMPTY_BARS,
    Bars,
    InvalidRequest,
    MapSource,
    Mode,
    NoMapUpdate,
    NotReady,
    Selection,
    SourceKind,
    State,
    UnknownName,
)
from liqheat_nautilus.serve.sources.catalog import CatalogSource

__all__ = ["EMPTY_BARS", "Bars", "CatalogSource", "InvalidRequest", "MapSource", "Mode", "NoMapUpdate", "NotReady",
           "Selection", "SourceKind", "State", "UnknownName"]
