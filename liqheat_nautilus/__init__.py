"""liqheat-nautilus: liquidation maps for crypto perpetual futures on NautilusTrader.

Public API
----------
- :class:`LiquidationMap` — the Nautilus ``Indicator``;
- :class:`LiquidationMapActor` / :class:`LiquidationMapActorConfig` — the ``Actor`` that publishes signals;
- data types :class:`OpenInterest`, :class:`FundingRate`, :class:`LongShortRatio`, :class:`TakerVolume`,
  :class:`LiquidationCluster`, :class:`LiquidationMapSnapshot`;
- :class:`MapParams` and :class:`LiquidationMapEngine` — the numpy core (hot loops compiled with numba),
  no Nautilus imports.

The names are imported on first use, so ``import liqheat_nautilus.core`` (the maths alone) does not import
NautilusTrader.
"""

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "LiquidationMapActor": "liqheat_nautilus.actor",
    "LiquidationMapActorConfig": "liqheat_nautilus.actor",
    "LiquidationMapEngine": "liqheat_nautilus.core",
    "MapParams": "liqheat_nautilus.core",
    "FundingRate": "liqheat_nautilus.data",
    "LiquidationCluster": "liqheat_nautilus.data",
    "LiquidationMapSnapshot": "liqheat_nautilus.data",
    "LongShortRatio": "liqheat_nautilus.data",
    "OpenInterest": "liqheat_nautilus.data",
    "TakerVolume": "liqheat_nautilus.data",
    "LiquidationMap": "liqheat_nautilus.indicator",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    """Import a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'liqheat_nautilus' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
