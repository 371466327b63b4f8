"""The order in which inputs stamped with the same time are fed to the map: by the actor and by every replay."""

FEED_ORDER: tuple[str, ...] = ("Bar", "FundingRate", "LongShortRatio", "TakerVolume", "OpenInterest", "TradeTick")
"""Type names in feeding order at equal times: the bar first, then the funding rate, long/short ratio, taker volume,
the open-interest reading (it closes its interval) and trades. Names, not classes, so that the replay driver
(:mod:`liqheat_nautilus.replay`) stays free of NautilusTrader."""
