"""The anchor to open interest: seed the map with the whole open interest, turn it over, keep each side at its share.

At the first reading the whole open interest is placed over the lookback's bars (*seed*). At every later reading:

1. every open position is closed at the rate of its holding time: ``N ← N · 2^(−Δτ / h_t)`` per leverage point,
   ``Δτ`` the elapsed hours of the turnover clock (``"volume"``: ``Δt · v / v̄``, busy intervals age positions
   faster; ``"time"``: wall clock);
2. each side is brought to its share of open interest (in position units: base units for linear contracts, USD
   for inverse, so a price move alone opens nothing): the gap is opened at the interval's bars (``entry_mode``;
   levels the interval's later bars reached are liquidated at once, and enough is opened that the gap survives),
   or the excess is closed (``close_mode``).

So gross opening = what holding time closed + what price liquidated + the net change of open interest: the
interval's turnover is placed at its own prices, where its own later bars can liquidate it.
"""

import math
from collections import deque
from collections.abc import Callable

import numpy as np

from liqheat_nautilus.core.book import MapBook
from liqheat_nautilus.core.entries import (
    REFERENCE_OI_QUANTILE,
    REFERENCE_VOLUME_QUANTILE,
    bar_entries,
    clock_ages,
    holding_survival,
    is_oi_spike,
    reference_entries,
    volume_span_hours,
)
from liqheat_nautilus.core.interval import IntervalBars
from liqheat_nautilus.core.params import MapParams
from liqheat_nautilus.core.units import NS_PER_HOUR

__all__ = ["OpenInterestAnchor"]

_ONE_WEIGHT = np.ones((1, 1))
_NO_DECAY = np.zeros(0)


def seed_is_short(span_hours: float, lookback_hours: float) -> bool:
    """
    Return whether a seed had clearly less bar history than its lookback (under 95 % of it; ``nan``: no seed).

    Parameters
    ----------
    span_hours : float
        Hours of bars the seed used (``OpenInterestAnchor.seed_span_hours``).
    lookback_hours : float
        ``MapParams.seed_lookback_hours``.

    Returns
    -------
    bool
    """
    return span_hours < 0.95 * lookback_hours
TierWeights = Callable[[float], tuple[np.ndarray, np.ndarray]]
LongShare = Callable[[], float]


class OpenInterestAnchor:
    """
    Seeds the book at the first open-interest reading and anchors it to every later one.

    Parameters
    ----------
    params : MapParams
        ``seed_lookback_hours``, ``half_life_hours``/``tier_half_lives_hours``, ``turnover_clock``, ``entry_mode``
        (and its settings), ``inverse``.
    book : MapBook
        The book it opens in and closes from.
    bars : IntervalBars
        The interval's bars (the lookback's before the first reading).
    half_lives : np.ndarray
        ``(n_tiers,)`` holding half-life of each leverage point (hours; 0: never closed by age).
    tier_weights : callable
        ``tier_weights(imbalance) -> (long, short)`` leverage weights of new positions.
    long_share : callable
        ``long_share() -> float``: the long side's share of open interest now.

    Attributes
    ----------
    seeded : bool
        The first reading has placed the open interest.
    seed_span_hours : float
        Hours of bars the seed placed the open interest over (from the first bar's open to the first reading, at
        most ``seed_lookback_hours``; 0 with fewer than two bars); ``nan`` before the seed.
    last_oi_spike : bool
        ``oi_spikes`` mode: the last reading was a spike.
    """

    def __init__(self, params: MapParams, book: MapBook, bars: IntervalBars, half_lives: np.ndarray,
                 tier_weights: TierWeights, long_share: LongShare) -> None:
        self.params = params
        self.book = book
        self.bars = bars
        self.half_lives = np.asarray(half_lives, dtype=np.float64)
        self._decays = bool(np.any(self.half_lives > 0.0))
        self._hl_safe = np.where(self.half_lives > 0.0, self.half_lives, 1.0)
        self._hl_none = ~(self.half_lives > 0.0)
        self._some_never = bool(np.any(self._hl_none))  # a tier never closed by age
        self._needs_vwap = params.entry_mode in ("oi_spikes", "reference")
        self._tier_weights = tier_weights
        self._long_share = long_share
        self._lookback_ns = int(params.seed_lookback_hours * NS_PER_HOUR)
        self.reset()

    def reset(self) -> None:
        """Forget every reading."""
        self.seeded = False
        self.seed_span_hours = math.nan
        self.last_oi_spike = False
        self.units = math.nan  # last reading in position units
        self.ts_ns = 0
        self._volume_rate = math.nan  # mean volume per hour (turnover clock)
        self._deltas: deque[float] = deque(maxlen=self.params.spike_window)
        self._periods: deque[tuple[int, float, float]] = deque()  # reference: (time, volume, ΔOI) of readings
        self._last_close = math.nan

    def reading(self, units: float, ts_ns: int) -> float:
        """
        Apply one open-interest reading (the book is settled and has a grid).

        Parameters
        ----------
        units : float
            Open interest in position units (base units, or USD for inverse contracts), already scaled by
            ``leveraged_share``.
        ts_ns : int
            Reading time (UNIX ns), not earlier than the previous one.

        Returns
        -------
        float
            Notional opened (USD, both sides).
        """
        previous, self.units = self.units, units
        dt_ns, self.ts_ns = (ts_ns - self.ts_ns if self.seeded else 0), ts_ns
        if not self.seeded:
            opened = self._seed(units, ts_ns)
            self.seeded = True
            self._last_close = self.book.price
            return opened
        hours = self._clock_hours(dt_ns / NS_PER_HOUR)
        factor = _NO_DECAY
        if self._decays and hours > 0.0:
            factor = np.exp2(-hours / self._hl_safe)  # the holding-time survival 2^(−Δτ/h_t); 1 where h_t = 0
            if self._some_never:
                factor[self._hl_none] = 1.0
        p, price, book = self.params, self.book.price, self.book
        self.last_oi_spike = False
        long_w, short_w = self._tier_weights(self.bars.imbalance())
        share = self._long_share()
        long_units, short_units = share * units, (1.0 - share) * units
        if not self._needs_vwap and book.fused_anchor:  # the common case: one compiled call, the floor in it
            inputs = self.bars.profile_inputs(p.entry_mode, p.hot_zone_share)
            if inputs is not None:  # the interval's entries computed inside the same call
                return book.anchor_bars(factor, inputs[0], inputs[1], p.interval_entry_groups, long_w, short_w,
                                        long_units, short_units, p.turnover_floor)
            entries, weights, lowest, highest = self.bars.entries(p.entry_mode, p.hot_zone_share, price, False,
                                                                  p.interval_entry_groups)
            return book.anchor(factor, entries, weights, lowest, highest, long_w, short_w, long_units, short_units,
                               p.turnover_floor)
        if p.turnover_floor:
            self._floor(factor, long_units, short_units)
        if factor.size:
            book.decay(factor)
        if not self._needs_vwap:  # the open-interest change in USD is used by oi_spikes and reference only
            entries, weights, lowest, highest = self.bars.entries(p.entry_mode, p.hot_zone_share, price, False,
                                                                  p.interval_entry_groups)
            opened = self._to_target(1, long_units, entries, weights, long_w, lowest)
            return opened + self._to_target(-1, short_units, entries, weights, short_w, highest)
        vwap = self.bars.vwap(price)
        delta_usd = (units - previous) * (1.0 if p.inverse else vwap)
        if p.entry_mode == "oi_spikes":
            self.last_oi_spike = is_oi_spike(delta_usd, list(self._deltas), p.spike_k_sigma, p.spike_min_samples)
            self._deltas.append(delta_usd)
        targets = ((1, long_units, long_w), (-1, short_units, short_w))
        if p.entry_mode == "reference":
            return self._anchor_reference(targets, delta_usd, vwap)
        entries, weights, lowest, highest = self.bars.entries(p.entry_mode, p.hot_zone_share, price,
                                                              self.last_oi_spike, p.interval_entry_groups)
        if book.fused_anchor:
            return book.anchor(_NO_DECAY, entries, weights, lowest, highest, long_w, short_w, long_units,
                               short_units)
        opened = 0.0
        for sign, target, tier_w in targets:
            opened += self._to_target(sign, target, entries, weights, tier_w, lowest if sign > 0 else highest)
        return opened

    def _floor(self, factor: np.ndarray, long_target: float, short_target: float) -> None:
        """
        Close ahead of the decay so that each side still opens what holding time closes (``turnover_floor``).

        The step-by-step paths; the fused path does the same inside :func:`~.kernels.anchor_sides`.

        A side whose target is below what survives the decay would open nothing; closing the fall from its older
        positions first (pro rata, which commutes with the per-tier decay) leaves ``target − replaced`` after the
        decay, so the reading opens ``min(replaced, target)`` units at the interval's bars. With ``close_mode =
        "newest_first"`` the close does not commute with the decay: the side still ends at its target, and opens
        about ``replaced``.

        Parameters
        ----------
        factor : np.ndarray
            ``(n_tiers,)`` holding-time survival factors of this reading, or ``(0,)`` (no decay: nothing to do).
        long_target, short_target : float
            Position units (base units, or USD for inverse contracts) each side must hold after the reading.
        """
        if not factor.size:
            return
        book = self.book
        book.settle()  # what the pending sweeps liquidate is not there to be replaced
        for sign, target in ((1, long_target), (-1, short_target)):
            held = book.side(sign).units
            total = float(held.sum())
            after = float(held @ factor)
            replaced = total - after
            if replaced > 0.0 and target < after and after > 0.0:
                keep = max(target - replaced, 0.0)
                book.close_fraction(sign, 1.0 - keep / after)

    def _to_target(self, sign: int, target: float, entries: np.ndarray, weights: np.ndarray, tier_w: np.ndarray,
                   adverse: np.ndarray) -> float:
        """Open the gap to ``target`` units at the entries, or close the excess; return the USD opened."""
        have = self.book.units(sign)
        gap = target - have
        if gap > 0.0:
            return self._open_units(sign, gap, entries, weights, tier_w, adverse)
        if gap < 0.0 and have > 0.0:
            self.book.close_fraction(sign, min(-gap / have, 1.0))
        return 0.0

    def _clock_hours(self, hours: float) -> float:
        """Elapsed hours of the turnover clock for an interval of ``hours`` with the bars' volume."""
        if self.params.turnover_clock == "time" or hours <= 0.0:
            return hours
        volume = self.bars.total_volume()
        rate = self._volume_rate
        if not (rate > 0.0):  # no mean volume yet (no seed bars): this interval defines it and ages by time
            if volume > 0.0:
                self._volume_rate = volume / hours
            return hours
        if volume <= 0.0:
            return hours
        alpha = min(hours / max(self.params.seed_lookback_hours, hours), 1.0)
        self._volume_rate = rate + alpha * (volume / hours - rate)
        return volume / rate

    def _seed(self, units: float, ts_ns: int) -> float:
        """Place the whole open interest over the lookback's bars (volume × holding-time survival, survivors)."""
        book, p, price = self.book, self.params, self.book.price
        ts, typical, volume, lows, highs = self.bars.since(ts_ns - self._lookback_ns) if self._lookback_ns else (
            np.zeros(0, dtype=np.int64),) * 5
        swept_before = book.swept_long, book.swept_short
        span = volume_span_hours(ts, ts_ns)
        self.seed_span_hours = min(span, p.seed_lookback_hours)
        long_w, short_w = self._tier_weights(0.0)
        share = self._long_share()
        if ts.size and p.entry_mode == "reference":
            opened = self._seed_reference(units, share, long_w, short_w, ts, typical, volume)
        else:
            if ts.size:
                vsum = float(volume.sum())
                self._volume_rate = vsum / span if vsum > 0.0 and span > 0.0 else math.nan
                vol_w = volume / vsum if vsum > 0.0 else np.full(volume.size, 1.0 / volume.size)
                weights = vol_w[:, None]
                if self._decays:
                    weights = weights * holding_survival(clock_ages(ts, volume, ts_ns, p.turnover_clock),
                                                         self.half_lives)
                    # each tier's column sums to 1 (MapBook.open); volume alone where survival underflowed to 0
                    col = weights.sum(axis=0)
                    weights = np.where(col > 0.0, weights / np.where(col > 0.0, col, 1.0), vol_w[:, None])
                entries, weights, lowest, highest = bar_entries(typical, lows, highs, weights, price)
            else:
                entries, weights, lowest, highest = np.array([price]), _ONE_WEIGHT, np.array([price]), np.array(
                    [price])
            opened = self._open_units(1, share * units, entries, weights, long_w, lowest)
            opened += self._open_units(-1, (1.0 - share) * units, entries, weights, short_w, highest)
        book.swept_long, book.swept_short = swept_before  # what the past liquidated is not an estimate of now
        return opened

    def _seed_reference(self, units: float, share: float, long_w: np.ndarray, short_w: np.ndarray, ts: np.ndarray,
                        close: np.ndarray, volume: np.ndarray) -> float:
        """
        Seed by the reference blend over hourly periods of the lookback.

        This is how the reference API builds its whole map (stateless: no survivorship; no OI history before the
        first reading, so no hot zones).
        """
        hour = (ts // NS_PER_HOUR).astype(np.int64)
        starts = np.flatnonzero(np.r_[True, hour[1:] != hour[:-1]])
        ends = np.r_[starts[1:], hour.size]
        p_close = close[ends - 1]
        p_vol = np.add.reduceat(volume, starts)
        returns = np.r_[0.0, p_close[1:] / p_close[:-1] - 1.0]
        d_oi = np.full(p_close.size, np.nan)
        vol_thr = float(np.quantile(p_vol, REFERENCE_VOLUME_QUANTILE))
        opened = 0.0
        for sign, target, tier_w in ((1, share * units, long_w), (-1, (1.0 - share) * units, short_w)):
            prices, weights = reference_entries(p_close, p_vol, returns, d_oi, sign, vol_thr, math.inf)
            opened += self._open_units(sign, target, prices, weights[:, None], tier_w,
                                       np.full(prices.size, self.book.price))
        return opened

    def _anchor_reference(self, targets: tuple, delta_usd: float, vwap: float) -> float:
        """Anchor with the reference blend: this interval is one period, classified against the lookback's."""
        price = self.book.price
        volume = self.bars.total_volume()
        ret = price / self._last_close - 1.0 if math.isfinite(self._last_close) else 0.0
        self._last_close = price
        cut = self.ts_ns - self._lookback_ns
        while self._periods and self._periods[0][0] < cut:
            self._periods.popleft()
        vols = np.array([v for _, v, _ in self._periods])
        d_ois = np.abs(np.array([d for _, _, d in self._periods]))
        vol_thr = float(np.quantile(vols, REFERENCE_VOLUME_QUANTILE)) if vols.size else math.inf
        oi_thr = float(np.quantile(d_ois, REFERENCE_OI_QUANTILE)) if d_ois.size else math.inf
        self._periods.append((self.ts_ns, volume, delta_usd))
        opened = 0.0
        for sign, target, tier_w in targets:
            prices, weights = reference_entries(np.array([vwap]), np.array([volume]), np.array([ret]),
                                                np.array([delta_usd]), sign, vol_thr, oi_thr)
            opened += self._to_target(sign, target, prices, weights[:, None], tier_w, np.full(prices.size, price))
        return opened

    def _open_units(self, sign: int, units: float, entries: np.ndarray, weights: np.ndarray, tier_w: np.ndarray,
                    adverse: np.ndarray) -> float:
        """Open enough notional that ``units`` position units survive the sweeps of the entries' later prices."""
        return self.book.open_units(sign, units, entries, weights, tier_w, adverse)
