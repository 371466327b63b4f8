"""Colours of the liquidation charts (Coinglass-like): leverage tiers, sides, the heatmap colour scale."""

TIER_COLOURS: dict[float, str] = {
    5.0: "#5b8ff9",
    10.0: "#5ad8a6",
    20.0: "#9fb40f",
    25.0: "#f6bd16",
    50.0: "#e8684a",
    75.0: "#6dc8ec",
    100.0: "#9270ca",
    125.0: "#ff9d4d",
}
"""Bar colour of each default leverage tier (x); other tiers take :data:`FALLBACK_COLOURS` in order."""

FALLBACK_COLOURS: tuple[str, ...] = ("#269a99", "#ff99c3", "#b8e986", "#c2c8d5", "#d4a373", "#8d99ae")

LONG_COLOUR = "#f6465d"
"""Cumulative long-liquidation curve (longs are liquidated below price)."""
SHORT_COLOUR = "#0ecb81"
"""Cumulative short-liquidation curve (shorts are liquidated above price)."""
PRICE_COLOUR = "#ff2d2d"
"""Current-price line of the liquidation map (drawn dashed)."""
PATH_COLOUR = "#f5f5f5"
"""Price path over the heatmap."""
BACKGROUND = "#14101f"
"""Plot background (dark, as the heatmap's lowest colour)."""

HEATMAP_COLOURSCALE: list[list] = [
    [0.0, "#2a0b4a"],
    [0.2, "#4b1d91"],
    [0.45, "#2c5fc4"],
    [0.7, "#17a99b"],
    [0.88, "#8fd14f"],
    [1.0, "#fde725"],
]
"""Liquidation-density colour scale: purple -> blue -> teal -> yellow (low -> high USD per bin)."""

CLEARED_COLOURSCALE: list[list] = [
    [0.0, "rgba(58, 54, 70, 0.0)"],
    [0.3, "rgba(58, 54, 70, 0.55)"],
    [1.0, "rgba(58, 54, 70, 1.0)"],
]
"""Dark grey of cleared (swept) zones, transparent at 0 so a decaying remnant fades out. It is never brighter than
the 20th-percentile colour of the live scale (``#4b1d91``): a cleared zone must not outshine populated bins; it
differs from them by hue (grey, not purple)."""
CLEARED_OPACITY = 0.8

CANDLE_UP_COLOUR = "#26a69a"
"""Rising candles."""
CANDLE_DOWN_COLOUR = "#ef5350"
"""Falling candles."""


def tier_colours(tiers) -> list[str]:
    """
    One distinct colour per leverage tier.

    Parameters
    ----------
    tiers : sequence of float
        Leverage tiers (x), e.g. ``(5, 10, 20, 25, 50, 75, 100, 125)``.

    Returns
    -------
    list[str]
        Hex colours, same order as ``tiers``; tiers outside :data:`TIER_COLOURS` take unused fallback colours.
    """
    used: set[str] = set()
    out: list[str] = []
    spare = [*FALLBACK_COLOURS, *TIER_COLOURS.values()]
    for tier in tiers:
        colour = TIER_COLOURS.get(float(tier))
        if colour is None or colour in used:
            colour = next((c for c in spare if c not in used), FALLBACK_COLOURS[len(out) % len(FALLBACK_COLOURS)])
        used.add(colour)
        out.append(colour)
    return out
