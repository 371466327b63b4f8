"""Detected clusters (`ClusterInfo`) and their stable identity across updates (`ClusterTracker`).

Detection itself (a threshold per side, runs of bins above it) is the compiled read
(:func:`~liqheat_nautilus.core.kernels.read_map`), described in docs/methodology.md.
"""

from dataclasses import dataclass
from operator import itemgetter

from liqheat_nautilus.core.enums import ClusterStatus, Side


@dataclass(frozen=True)
class ClusterInfo:
    """
    A detected liquidation cluster (the pure counterpart of the ``LiquidationCluster`` data type).

    Prices in quote currency, notional in USD, leverage in x, distance in percent, times in UNIX nanoseconds;
    ``liqheat_nautilus.data.LiquidationCluster`` gives each field's full meaning.

    Parameters
    ----------
    cluster_id : int
        Identifier kept across map updates while the zone overlaps its earlier self (:class:`ClusterTracker`).
    side : str
        ``"LONG"`` (zone below price: longs liquidated on a fall) or ``"SHORT"`` (zone above price).
    price_level : float
        Notional-weighted centre of the zone (price).
    price_low, price_high : float
        Lower and upper edge of the zone (price).
    leverage_tier : float
        Notional-weighted mean leverage of the zone's positions (x).
    notional_usd : float
        Estimated position notional liquidated in the zone (USD).
    liquidation_count : int
        ``notional_usd`` / the average position notional (``MapParams.avg_position_usd``).
    strength : float
        ``notional_usd`` relative to the largest live cluster of the same read, in [0, 1] (0 when ``CLEARED``).
    distance_pct : float
        Signed distance from price to ``price_level`` (% of price, negative below).
    status : str
        ``"ACTIVE"``, ``"PARTIAL"`` or ``"CLEARED"`` (:class:`~liqheat_nautilus.core.enums.ClusterStatus`).
    first_seen, last_seen : int
        UNIX times (ns) the zone was first and last detected.
    """

    cluster_id: int
    side: str
    price_level: float
    price_low: float
    price_high: float
    leverage_tier: float
    notional_usd: float
    liquidation_count: int
    strength: float
    distance_pct: float
    status: str
    first_seen: int
    last_seen: int


class ClusterTracker:
    """
    Keeps cluster identities stable across map updates by overlap matching.

    A new cluster takes the id of the earlier cluster of the same side whose price range overlaps it most
    (each earlier cluster is matched at most once, largest new clusters first); ranges are widened by
    ``match_tolerance`` (price, the engine sets one bin width) on each side, so a cluster that moved by a bin
    (funding shift, partial sweep of its edge bin) keeps its id instead of churning. An earlier cluster that is no
    longer detected and whose range price has passed through since the last update (bar low at or below its
    ``price_low`` for ``LONG``, bar high at or above its ``price_high`` for ``SHORT``) is reported once with
    status ``CLEARED``; one that vanished for another reason (positions closed, decay) is dropped silently.

    Parameters
    ----------
    match_tolerance : float, default 0.0
        Widening (price) of the earlier ranges when matching, >= 0.
    """

    def __init__(self, match_tolerance: float = 0.0) -> None:
        self._previous: dict[int, ClusterInfo] = {}
        self._next_id = 1
        self.match_tolerance = float(match_tolerance)

    def reset(self) -> None:
        """Forget all clusters and restart ids at 1."""
        self._previous.clear()
        self._next_id = 1

    def update(
        self,
        detected: list[ClusterInfo],
        ts_ns: int,
        low_since: float,
        high_since: float,
    ) -> list[ClusterInfo]:
        """
        Assign ids to freshly detected clusters and report cleared ones.

        Parameters
        ----------
        detected : list[ClusterInfo]
            Clusters of this update with ``cluster_id`` 0 and ``first_seen``/``last_seen`` unset.
        ts_ns : int
            Time of this update (UNIX ns).
        low_since, high_since : float
            Lowest low and highest high traded since the previous update (price).

        Returns
        -------
        list[ClusterInfo]
            The detected clusters with ids and times, followed by newly ``CLEARED`` ones.
        """
        return self.update_fields([dict(c.__dict__) for c in detected], ts_ns, low_since, high_since)

    def update_fields(
        self,
        detected: list[dict],
        ts_ns: int,
        low_since: float,
        high_since: float,
    ) -> list[ClusterInfo]:
        """
        :meth:`update` for clusters given as field dicts (builds each :class:`ClusterInfo` once).

        Parameters
        ----------
        detected : list[dict]
            The :class:`ClusterInfo` fields of each detected cluster (``cluster_id``, ``first_seen`` and
            ``last_seen`` are set here); the dicts are modified.
        ts_ns, low_since, high_since
            As :meth:`update`.

        Returns
        -------
        list[ClusterInfo]
            As :meth:`update`.
        """
        unmatched = dict(self._previous)
        tol = self.match_tolerance
        # candidate ranges per side as plain tuples (the matching loop is pure Python, keep it light)
        candidates: dict[str, list[tuple[int, float, float]]] = {Side.LONG: [], Side.SHORT: []}
        for cid, prev in unmatched.items():
            candidates.setdefault(prev.side, []).append((cid, prev.price_low - tol, prev.price_high + tol))
        result: list[ClusterInfo] = []
        # largest first (reverse=True keeps the sort stable: equal notionals stay in input order)
        for fields in sorted(detected, key=_notional, reverse=True):
            best, best_overlap = -1, 0.0
            low, high = fields["price_low"], fields["price_high"]
            side_candidates = candidates.get(fields["side"], [])
            for i, (_, prev_low, prev_high) in enumerate(side_candidates):
                overlap = (prev_high if prev_high < high else high) - (prev_low if prev_low > low else low)
                if overlap > best_overlap:
                    best, best_overlap = i, overlap
            if best >= 0:
                best_id = side_candidates.pop(best)[0]  # each earlier cluster is matched at most once
                first_seen = unmatched.pop(best_id).first_seen
            else:
                best_id, first_seen = self._next_id, ts_ns
                self._next_id += 1
            fields["cluster_id"], fields["first_seen"], fields["last_seen"] = best_id, first_seen, ts_ns
            result.append(_cluster_info(fields))
        self._previous = {c.cluster_id: c for c in result}
        for prev in unmatched.values():
            passed = low_since <= prev.price_low if prev.side == Side.LONG else high_since >= prev.price_high
            if passed:
                result.append(_updated(prev, status=ClusterStatus.CLEARED, strength=0.0))
        return result


_FIELD_NAMES = tuple(ClusterInfo.__dataclass_fields__)
_notional = itemgetter("notional_usd")
_new_object = object.__new__


def _cluster_info(fields: dict) -> ClusterInfo:
    """
    ``ClusterInfo(**fields)`` without the frozen-dataclass ``__init__`` (one ``object.__setattr__`` per field).

    When ``fields`` holds exactly the dataclass fields in declaration order, the instance's ``__dict__`` is
    filled with them directly (the same attributes, values and order as the generated ``__init__`` gives);
    anything else goes through the normal constructor (and its errors).
    """
    if tuple(fields) != _FIELD_NAMES:
        return ClusterInfo(**fields)
    cluster = _new_object(ClusterInfo)
    cluster.__dict__.update(fields)
    return cluster


def _updated(cluster: ClusterInfo, **changes) -> ClusterInfo:
    """Return a copy with some fields changed (``dataclasses.replace`` without its per-field overhead)."""
    fields = dict(cluster.__dict__)
    fields.update(changes)
    return _cluster_info(fields)
