"""Latest open interest per source (a venue or an instrument id) and its sum over the configured ones."""

import math
from collections.abc import Sequence

import numpy as np


class OpenInterestBook:
    """
    Holds the latest open interest of each source and sums it over the configured sources.

    The map scales by the open interest of the whole market (e.g. Binance + Bybit + OKX + Hyperliquid) or of
    the instrument's own venue only. The names below say "venue"; a source may be any key, and the actor keys its
    book by instrument id (two instruments of one venue, e.g. USD-M and COIN-M, are two sources). The sum is
    reported only once every configured venue has reported (otherwise a venue's first report would look like new
    positions), and a venue whose latest report is older than ``max_age_ns`` makes the sum unavailable again.

    Parameters
    ----------
    venues : tuple[str, ...]
        Venues to sum (e.g. ``("BINANCE", "BYBIT", "OKX")``), compared case-insensitively; empty: only
        ``own_venue``.
    own_venue : str, default ""
        The instrument's venue, used when ``venues`` is empty.
    max_age_ns : int, default 0
        A venue's report older than this (UNIX ns, relative to the newest report) is stale; 0 disables.

    Raises
    ------
    ValueError
        If neither ``venues`` nor ``own_venue`` is given or ``max_age_ns`` < 0.
    """

    def __init__(self, venues: tuple[str, ...] = (), own_venue: str = "", max_age_ns: int = 0) -> None:
        names = tuple(v.upper() for v in venues) if venues else ((own_venue.upper(),) if own_venue else ())
        if not names:
            raise ValueError("OpenInterestBook needs configured venues or the instrument's own venue")
        if max_age_ns < 0:
            raise ValueError(f"max_age_ns must be >= 0, was {max_age_ns}")
        self.venues = names
        self.max_age_ns = int(max_age_ns)
        self._usd: dict[str, float] = {}
        self._base: dict[str, float] = {}
        self._ts: dict[str, int] = {}

    def update(self, venue: str, oi_usd: float, ts_ns: int, oi_base: float = math.nan) -> bool:
        """
        Record a venue's open interest.

        Parameters
        ----------
        venue : str
            Reporting venue (case-insensitive).
        oi_usd : float
            Open interest (USD notional), finite and >= 0.
        ts_ns : int
            Observation time (UNIX ns).
        oi_base : float, optional
            Open interest in base units, ``nan`` when unknown.

        Returns
        -------
        bool
            Whether the venue is one of the configured venues (reports of other venues are ignored).

        Raises
        ------
        ValueError
            If ``oi_usd`` is negative or not finite.
        """
        if not (math.isfinite(oi_usd) and oi_usd >= 0.0):
            raise ValueError(f"open interest (USD) of venue {venue!r} must be finite and >= 0, was {oi_usd}")
        name = venue.upper()
        if name not in self.venues:
            return False
        self._usd[name] = float(oi_usd)
        self._base[name] = float(oi_base)
        self._ts[name] = int(ts_ns)
        return True

    @property
    def ready(self) -> bool:
        """Whether every configured venue has a report that is not stale."""
        if len(self._usd) < len(self.venues):
            return False
        max_age = self.max_age_ns
        if max_age and len(self._ts) > 1:  # a lone venue's report is the newest: never stale
            newest = max(self._ts.values())
            return all(newest - t <= max_age for t in self._ts.values())
        return True

    def total_usd(self) -> float:
        """
        Sum of the latest open interest (USD) over the configured venues; ``nan`` unless :attr:`ready`.

        Returns
        -------
        float
        """
        totals = self.totals()
        return totals[0] if totals is not None else math.nan

    def total_base(self) -> float:
        """
        Sum in base units; ``nan`` unless ready and every configured venue reported base units.

        Returns
        -------
        float
        """
        totals = self.totals()
        return totals[1] if totals is not None else math.nan

    def totals(self) -> tuple[float, float] | None:
        """
        Return ``(total_usd(), total_base())`` with one staleness check, or ``None`` unless :attr:`ready`.

        Returns
        -------
        tuple[float, float] or None
            The sums of :meth:`total_usd` and :meth:`total_base` when every venue has a fresh report.
        """
        if not self.ready:
            return None
        venues = self.venues
        # base: nan propagates when a venue's base units are unknown
        return math.fsum(map(self._usd.__getitem__, venues)), math.fsum(map(self._base.__getitem__, venues))

    def latest(self, venue: str) -> float:
        """
        Latest open interest of one venue.

        Parameters
        ----------
        venue : str
            Venue name (case-insensitive).

        Returns
        -------
        float
            USD, ``nan`` when the venue has not reported.
        """
        return self._usd.get(venue.upper(), math.nan)

    def reset(self) -> None:
        """Forget all reports."""
        self._usd.clear()
        self._base.clear()
        self._ts.clear()


def summed_readings(ts_ns: np.ndarray, sources: Sequence[str], oi_usd: np.ndarray, oi_base: np.ndarray,
                    configured: Sequence[str], max_age_ns: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """
    Sum the open interest of several sources into the readings the map receives, as the actor does.

    The readings are taken in time order through an :class:`OpenInterestBook` of the ``configured`` sources; at
    each distinct time, once every reading of that time is recorded, the book's sums are one reading if the book is
    :attr:`~OpenInterestBook.ready` (every source reported, none stale). This is what
    :class:`~liqheat_nautilus.actor.LiquidationMapActor` feeds its map from readings released together.

    Parameters
    ----------
    ts_ns : np.ndarray
        Shape ``(n,)`` int64 observation times (UNIX ns), in any order.
    sources : Sequence[str]
        Length ``n``: each reading's source (an instrument id); readings of unconfigured sources are ignored.
    oi_usd, oi_base : np.ndarray
        Shape ``(n,)`` open interest (USD notional; base units, ``nan`` when unknown).
    configured : Sequence[str]
        The sources to sum (e.g. a map actor's ``oi_instrument_ids``).
    max_age_ns : int, default 0
        As :class:`OpenInterestBook` (0: no staleness).

    Returns
    -------
    tuple of np.ndarray
        ``(ts_ns, usd, base)``, shapes ``(m,)``: one summed reading per distinct time at which the book was ready
        (``base`` is ``nan`` when a source's base units are unknown).

    Raises
    ------
    ValueError
        If ``configured`` is empty, the lengths differ, or a reading's USD value is negative or not finite.
    """
    n = len(sources)
    if not (np.shape(ts_ns) == np.shape(oi_usd) == np.shape(oi_base) == (n,)):
        raise ValueError(f"summed_readings: {n} sources but arrays of shapes {np.shape(ts_ns)}, "
                         f"{np.shape(oi_usd)}, {np.shape(oi_base)}")
    book = OpenInterestBook(venues=tuple(configured), max_age_ns=max_age_ns)
    order = np.argsort(np.asarray(ts_ns, dtype=np.int64), kind="stable")
    times, usd, base = [], [], []
    for pos, k in enumerate(order):
        ts = int(ts_ns[k])
        book.update(sources[k], float(oi_usd[k]), ts, float(oi_base[k]))
        last_of_time = pos + 1 == n or int(ts_ns[order[pos + 1]]) != ts
        totals = book.totals() if last_of_time else None
        if totals is not None:
            times.append(ts)
            usd.append(totals[0])
            base.append(totals[1])
    return (np.array(times, dtype=np.int64), np.array(usd, dtype=np.float64), np.array(base, dtype=np.float64))
