"""The liquidation-map engine: leveraged positions anchored to open interest, binned by liquidation price.

Data flow. Bars (``update_bar``) are kept for the current open-interest interval and lower/raise the pending
sweep extremes. At the first open-interest reading (``update_open_interest``) the whole open interest is placed
over the lookback's bars (*seed*); at every later reading the positions are turned over (closed by holding time)
and each side is brought back to its share of open interest by opening at the interval's bars or closing. Price
liquidates (sweeps) the levels it reaches, including levels of positions opened earlier in the same interval.
Trades (``update_trade``/``update_trades``) sweep levels, add taker volume and, in ``trades`` mode, open
positions. Funding (``update_funding``) moves the long/short split, the ``dynamic`` leverage and, under
``funding_adjusted``, the levels of open cohorts. Long/short ratios (``update_long_short_ratio``) split open
interest between the sides.

The parts: :mod:`~.models` (liquidation levels), :mod:`~.book_state` (grid, sweeps, ledger), :mod:`~.book`
(opening, closing, decay, funding), :mod:`~.entries` (where positions were opened), :mod:`~.positioning` (the
long/short split), :mod:`~.reads` and :mod:`~.cluster_ids` (clusters, magnet, curves), :mod:`~.engine_trades` (the
trade inputs). See docs/methodology.md for every formula and its source.
"""

import math

import numpy as np

from liqheat_nautilus.core.anchor import OpenInterestAnchor
from liqheat_nautilus.core.book import Ledger, MapBook
from liqheat_nautilus.core.cohorts import SideBook
from liqheat_nautilus.core.engine_trades import TradeInputs, check_time
from liqheat_nautilus.core.enums import STATUS_NAMES
from liqheat_nautilus.core.grid import PriceGrid
from liqheat_nautilus.core.history import MapHistory
from liqheat_nautilus.core.interval import MAX_BARS, IntervalBars
from liqheat_nautilus.core.kernels import bar_run
from liqheat_nautilus.core.leverage import (
    dynamic_normal_parameters,
    leverage_weights,
    normal_leverage_weights,
    standardised_log_leverage,
    tilt_weights,
)
from liqheat_nautilus.core.models import LevelModel
from liqheat_nautilus.core.params import MapParams
from liqheat_nautilus.core.positioning import long_share, ratio_long_share
from liqheat_nautilus.core.reads import MapReads
from liqheat_nautilus.core.units import NS_PER_HOUR, NS_PER_SECOND

__all__ = ["STATUS_NAMES", "Ledger", "LiquidationMapEngine"]

_MAX_PENDING_BARS = MAX_BARS
_ONE_WEIGHT = np.ones((1, 1))
_INF = math.inf
_NO_BAR = math.inf
"""``_last_bar_ns`` before any bar: no time reaches it, so the first bar takes update_bar's checking branch."""


class LiquidationMapEngine(TradeInputs, MapReads):
    """
    Estimates where leveraged perpetual-futures positions would be liquidated.

    Parameters
    ----------
    params : MapParams, optional
        Engine parameters (defaults documented on :class:`MapParams`).

    Raises
    ------
    ValueError
        If the parameters are inconsistent (the message names them).

    Notes
    -----
    The stock: at the first open-interest reading each side holds its share of open interest, placed over the
    bars of the last ``seed_lookback_hours`` with weights ``v_i · 2^(−age_i / h)`` (volume × survival of the
    holding time), leaving out levels that later bars have already reached (those positions would have been
    liquidated). Afterwards, at every reading: every open position is closed at the rate of its holding time
    (``half_life_hours`` in hours of the ``turnover_clock``), then each side is brought to its share of open
    interest: the gap is opened over the interval's bars (``entry_mode``) — levels that later bars of the same
    interval reached are liquidated at once and counted as estimated liquidations — or the excess is closed
    (``close_mode``). The anchor works in position units (base units for linear contracts, USD for inverse), so
    a price move alone opens nothing. ``trades`` mode instead holds only the positions of large taker trades.

    The engine is Nautilus-free and numeric; :class:`~liqheat_nautilus.indicator.LiquidationMap` wraps it as an
    ``Indicator``. Times are UNIX nanoseconds, prices quote currency, notional USD.
    """

    def __init__(self, params: MapParams | None = None) -> None:
        self.params = p = params or MapParams()
        self.tiers = np.asarray(p.leverage_points(), dtype=np.float64)
        self._normal = p.leverage_model == "normal"
        if self._normal:
            if isinstance(p.leverage_profile, str):
                self._mu_sigma = p.normal_mu_sigma()
                self.base_weights = normal_leverage_weights(*self._mu_sigma, tuple(self.tiers))
            else:
                self.base_weights = leverage_weights(p.leverage_profile, tuple(self.tiers))
        else:
            self.base_weights = leverage_weights(p.leverage_profile, tuple(self.tiers))
        self._dynamic = p.leverage_profile == "dynamic"
        self._start_weights = self.base_weights  # update_funding replaces base_weights (normal dynamic); reset restores
        self._z = standardised_log_leverage(tuple(self.tiers))
        self.model = LevelModel(p, self.tiers)
        self.book = MapBook(p, self.model)
        hl = np.asarray(p.tier_half_lives_hours, dtype=np.float64) if p.tier_half_lives_hours else np.full(
            self.tiers.size, p.half_life_hours)
        self._trades_mode = p.entry_mode == "trades"
        self._trades_gross = self._trades_mode and p.trade_selection == "gross_value"
        self._funding_interval_ns = int(p.funding_interval_hours * NS_PER_HOUR)
        self._batch_ns = int(p.trade_batch_secs * NS_PER_SECOND)
        self.history = MapHistory(p.history_capacity, p.n_bins) if p.history_capacity else None
        self._init_reads()
        self.bars = IntervalBars(p.entry_mode == "hot_zones", p.hot_zone_volume_mult, p.hot_zone_window,
                                 int(p.seed_lookback_hours * NS_PER_HOUR))
        self._bar_rows, self._bar_ts, self._hot_mode = self.bars.rows, self.bars.ts, self.bars.hot_mode
        self.anchor = OpenInterestAnchor(p, self.book, self.bars, hl, self._tier_weights, self._long_share)
        self.reset()

    # -- state -----------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Return to the empty state (no grid, no open interest, empty ledger and history)."""
        self.book.reset()
        self.bars.reset()
        self.anchor.reset()
        self.ts_ns = 0
        self._last_bar_ns: float = _NO_BAR  # the previous bar's time (UNIX ns): bars must not go back in time
        self.open_interest_usd = math.nan
        self.seeded = False
        self.funding_rate = 0.0
        self.base_weights = self._start_weights  # the normal dynamic profile at zero funding, as new
        self._funding_known = False  # no rate seen yet: the funding split is neutral (0.5), not a rate of 0
        self.funding_index = 0.0  # cumulative Σ price·rate of the settlements charged (price units)
        self.long_short_ratio = math.nan
        self._last_funding_period = -1
        self._low_since = math.inf
        self._high_since = -math.inf
        self._oi_ts_ns = 0
        self._trade_oi_units = math.nan
        self._trade_batch: list[tuple[float, float, bool]] = []
        self._batch_start_ns = 0
        self._reset_reads()
        if self.history is not None:
            self.history.clear()

    @property
    def initialized(self) -> bool:
        """Whether the map holds positions (the first open-interest reading seeded it, or trades opened some)."""
        return self.seeded

    @property
    def seed_span_hours(self) -> float:
        """
        Hours of bar history the seed placed the open interest over; ``nan`` before the first reading.

        From the first bar's open to the first open-interest reading, at most ``seed_lookback_hours`` (0 with fewer
        than two bars). Below ``seed_lookback_hours`` the stock was spread over less history than configured: feed
        (or request, ``warmup_lookback_secs``) bars from that long before the first reading.
        """
        return self.anchor.seed_span_hours

    @property
    def last_oi_spike(self) -> bool:
        """``oi_spikes`` mode: whether the last open-interest reading was a spike (placed as one VWAP block)."""
        return self.anchor.last_oi_spike

    @property
    def grid(self) -> PriceGrid | None:
        """The price grid (``None`` before the first price)."""
        return self.book.grid

    @property
    def long(self) -> SideBook:
        """The long side's book."""
        return self.book.long

    @property
    def short(self) -> SideBook:
        """The short side's book."""
        return self.book.short

    @property
    def ledger(self) -> Ledger:
        """Cumulative notional per fate (USD)."""
        return self.book.ledger

    @property
    def last_bar_ns(self) -> int:
        """Close time of the last bar fed (UNIX ns; ``-2**63`` before any): an older bar is refused."""
        last = self._last_bar_ns
        return last if last != _NO_BAR else -(2**63)  # type: ignore[return-value]  # an int once a bar was fed

    @property
    def revision(self) -> int:
        """Increases with every change of the per-bin notional (pending sweeps are settled first)."""
        self.book.settle()
        return self.book.revision

    @property
    def price(self) -> float:
        """Last price seen (``nan`` before the first)."""
        return self.book.price

    # -- inputs ------------------------------------------------------------------------------------------

    def update_bar(self, high: float, low: float, close: float, volume: float, ts_ns: int) -> None:
        """
        Feed one bar.

        Parameters
        ----------
        high, low, close : float
            Bar prices, ``0 < low <= close <= high < inf``.
        volume : float
            Bar volume (any unit; only relative volume is used), finite and >= 0.
        ts_ns : int
            Bar close time (UNIX ns), not before the previous bar's: bars are fed in time order.

        Raises
        ------
        ValueError
            If a price or the volume is out of range or not finite, the bar is older than the bar fed before it
            (e.g. bars fed newest first), or ``ts_ns`` of the first bar (since the engine was made or reset) is not
            an integer (a float such as ``1.7e18`` has lost its nanoseconds): the state is unchanged. Later bars'
            times are checked for type only when the bar is refused for another reason: a check on every bar
            would cost the per-bar path 3-5 % (feed integer times; Nautilus' ``ts_event`` is one).
        """
        if not (0.0 < low <= close <= high < _INF and 0.0 <= volume < _INF and ts_ns >= self._last_bar_ns):
            # the slow branch, where every first bar comes (ts_ns >= inf is false): its time's type is checked here
            check_time(ts_ns, "bar")
            if ts_ns < self._last_bar_ns != _NO_BAR:
                raise ValueError(f"bar at {ts_ns} is older than the bar fed before it (at {self._last_bar_ns}): "
                                 "feed bars in time order (UNIX ns)")
            if not (0.0 < low <= close <= high < _INF and 0.0 <= volume < _INF):
                raise ValueError(f"bar at {ts_ns}: need 0 < low <= close <= high < inf and finite volume >= 0, "
                                 f"were high={high}, low={low}, close={close}, volume={volume}")
        self._last_bar_ns = ts_ns
        # the hot path: plain attribute work and one call (the price path) per bar unless something happens
        if self._trade_batch:
            self._flush_trades()
        ts_list = self._bar_ts
        if len(ts_list) >= _MAX_PENDING_BARS:
            self.bars.compact()
        self._bar_rows.extend(((high + low + close) / 3.0, low, high, volume))  # IntervalBars.append inline
        ts_list.append(ts_ns)
        if self._hot_mode:
            self.bars.mark_hot(close, volume)
        self._advance(close, low, high, ts_ns)

    def update_bars(self, high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray,
                    ts_ns: np.ndarray) -> None:
        """
        Feed bars in time order: the same state as :meth:`update_bar` on each in turn, in one compiled pass.

        The bars are fed in runs (:func:`~liqheat_nautilus.core.kernels.bar_run`): each run's rows are appended at
        once and its extremes recorded as its bars' would be one by one; a run ends where the grid re-centres. The
        first bar ever, a bar after pending trades and every bar under ``hot_zones`` (a per-bar volume mean) go
        through :meth:`update_bar`, as does a batch that would need the interval's bars compacted.

        Parameters
        ----------
        high, low, close, volume : np.ndarray
            ``(n,)`` float64 bar prices and volumes (as :meth:`update_bar`).
        ts_ns : np.ndarray
            ``(n,)`` int64 bar close times (UNIX ns), in time order, not before the last bar fed.

        Raises
        ------
        ValueError
            If ``ts_ns`` is not an integer array, or as :meth:`update_bar` at the first bar it refuses (named by
            its time and values): the bars before it are fed, it and those after it are not.
        """
        ts_ns = np.asarray(ts_ns)
        if ts_ns.dtype.kind not in "iu":
            raise ValueError(f"bar times must be integer UNIX nanoseconds, were {ts_ns.dtype} (a float has lost "
                             "its nanoseconds)")
        high, low, close, volume = (np.asarray(a, dtype=np.float64) for a in (high, low, close, volume))
        ts_ns = ts_ns.astype(np.int64, copy=False)
        n, i = len(ts_ns), 0
        rows = np.empty((n, 4))
        book = self.book
        while i < n:
            if self._last_bar_ns == _NO_BAR or self._trade_batch or self._hot_mode or book.grid is None \
                    or len(self._bar_ts) + n - i > _MAX_PENDING_BARS:
                self.update_bar(float(high[i]), float(low[i]), float(close[i]), float(volume[i]), int(ts_ns[i]))
                i += 1
                continue
            stop, low_min, high_max, refused = bar_run(high, low, close, volume, ts_ns, i, self._last_bar_ns,
                                                       book.keep_low, book.keep_high, rows)
            if stop > i:
                self._bar_rows.extend(rows[:stop - i].ravel().tolist())
                self._bar_ts.extend(ts_ns[i:stop].tolist())
                self._last_bar_ns = last_ns = int(ts_ns[stop - 1])
                self._advance(float(close[stop - 1]), low_min, high_max, last_ns)  # the run's extremes: as bar by bar
            i = stop
            if refused:  # update_bar raises with the bar named
                self.update_bar(float(high[i]), float(low[i]), float(close[i]), float(volume[i]), int(ts_ns[i]))
                i += 1

    def update_taker_volume(self, buy_usd: float, sell_usd: float, ts_ns: int) -> None:
        """
        Add taker buy/sell volume (USD) of the current open-interest interval.

        Used by ``taker_share_skew`` and ``taker_leverage_skew``.

        Parameters
        ----------
        buy_usd, sell_usd : float
            Taker buy and sell volume (USD), >= 0.
        ts_ns : int
            Time of the observation (UNIX ns).

        Raises
        ------
        ValueError
            If a volume is negative or not finite.
        """
        if not (0.0 <= buy_usd < math.inf and 0.0 <= sell_usd < math.inf):
            raise ValueError(f"taker volumes must be finite and >= 0, were buy={buy_usd}, sell={sell_usd}")
        self.bars.taker_buy += buy_usd
        self.bars.taker_sell += sell_usd

    def update_long_short_ratio(self, ratio: float, ts_ns: int) -> None:
        """
        Feed a long/short ratio (longs ÷ shorts, accounts or positions).

        With ``side_split`` ``"ratio"`` or ``"auto"`` the next readings split open interest ``r / (1 + r)`` to
        longs.

        Parameters
        ----------
        ratio : float
            The ratio, finite and > 0.
        ts_ns : int
            Observation time (UNIX ns).

        Raises
        ------
        ValueError
            If ``ratio`` is not finite and > 0.
        """
        ratio_long_share(ratio)  # validates
        self.long_short_ratio = float(ratio)

    def update_funding(self, rate: float, ts_ns: int, settled: bool = True) -> None:
        """
        Feed a funding rate (fraction per interval).

        Used by the long/short split (``"funding"``), the ``dynamic`` leverage profile and, under
        ``funding_adjusted``, charged to every open cohort when ``settled``: long and short levels all move by
        ``price·rate / (1 ∓ MMR)`` (see :mod:`liqheat_nautilus.core.funding`), at most once per
        ``funding_interval_hours`` period.

        Parameters
        ----------
        rate : float
            Funding rate, e.g. 0.0001 = 0.01 % per interval.
        ts_ns : int
            Funding time (UNIX ns).
        settled : bool, default True
            Whether this is a settled rate paid at ``ts_ns`` (False for predicted rates).

        Raises
        ------
        ValueError
            If ``rate`` is not finite.
        """
        if not math.isfinite(rate):
            raise ValueError(f"funding rate must be finite, was {rate}")
        check_time(ts_ns, "funding rate")
        self.funding_rate = rate
        self._funding_known = True
        if self._dynamic and self._normal:
            self.base_weights = normal_leverage_weights(*dynamic_normal_parameters(rate), tuple(self.tiers))
        if not (self.params.model == "funding_adjusted" and settled and self.book.grid is not None):
            return
        if self._funding_interval_ns:
            period = ts_ns // self._funding_interval_ns
            if period == self._last_funding_period:
                return
            self._last_funding_period = period
        if math.isfinite(self.book.price):
            self.funding_index += self.book.price * rate
        self.book.charge_funding(rate)

    def update_open_interest(self, oi_usd: float, ts_ns: int, oi_base: float = math.nan) -> float:
        """
        Feed an open-interest reading (USD notional).

        Seed the map (first reading), turn positions over and anchor each side to its share of open interest.

        Parameters
        ----------
        oi_usd : float
            Open interest (USD notional), finite and >= 0.
        ts_ns : int
            Reading time (UNIX ns), not earlier than the previous reading.
        oi_base : float, optional
            Open interest in base units when the venue reports it (linear contracts; else ``oi_usd / price``).

        Returns
        -------
        float
            Notional opened by this reading (USD, both sides; 0 before any price). At the first reading (the
            seed) it includes the positions the seed leaves out because price already reached their levels, so
            it can exceed the open interest (``docs/methodology.md`` §2: they are not estimated liquidations, and
            :meth:`take_swept` does not count them). In ``trades`` mode nothing is opened: a decrease closes the
            same fraction ``|ΔOI| / OI`` of each side.

        Raises
        ------
        ValueError
            If ``oi_usd`` (or a given ``oi_base``) is negative or not finite, or the reading is older than the
            previous one (the state is unchanged).
        """
        if not (0.0 <= oi_usd < math.inf):
            raise ValueError(f"open interest (USD) must be finite and >= 0, was {oi_usd}")
        if not (math.isnan(oi_base) or 0.0 <= oi_base < math.inf):
            raise ValueError(f"open interest (base) must be finite and >= 0 or nan, was {oi_base}")
        if ts_ns.__class__ is not int:  # (a plain int passes check_time)
            check_time(ts_ns, "open-interest reading")  # a nan time passed the order check and switched it off
        if ts_ns < self._oi_ts_ns:
            raise ValueError(f"open-interest reading at {ts_ns} is older than the previous one at {self._oi_ts_ns}")
        book = self.book
        self.open_interest_usd = oi_usd
        self._oi_ts_ns = ts_ns
        if book.grid is None:
            return 0.0
        book.settle()
        units = oi_usd if self.params.inverse else (oi_base if math.isfinite(oi_base) else oi_usd / book.price)
        units *= self.params.leveraged_share  # position units of the liquidatable positions
        if self._trades_mode:
            previous, self._trade_oi_units = self._trade_oi_units, units
            if math.isfinite(previous) and 0.0 < units < previous:
                for sign in (1, -1):
                    book.close_fraction(sign, 1.0 - units / previous)
            self.bars.clear()
            return 0.0
        opened = self.anchor.reading(units, ts_ns)
        self.seeded = True
        self.bars.clear()
        return opened

    def _long_share(self) -> float:
        p = self.params
        funding = self.funding_rate if self._funding_known else math.nan
        return long_share(p.side_split, self.long_short_ratio, funding, p.funding_interval_hours,
                          p.funding_split_sensitivity, self.bars.imbalance(),
                          p.taker_share_skew, p.long_share_offset)

    def _tier_weights(self, imbalance: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Return the leverage weights ``(long, short)`` of new positions.

        The distribution, tilted by funding (tiers ``dynamic``) and taker imbalance (``taker_leverage_skew``).
        """
        p = self.params
        a = 0.0
        if self._dynamic and not self._normal:
            a += p.dynamic_sensitivity * self.funding_rate
        a += p.taker_leverage_skew * imbalance
        if a == 0.0:
            return self.base_weights, self.base_weights
        a = min(max(a, -p.dynamic_max_tilt), p.dynamic_max_tilt)
        return (tilt_weights(self.base_weights, tuple(self.tiers), a, self._z),
                tilt_weights(self.base_weights, tuple(self.tiers), -a, self._z))

    def liquidation_prices(self, entries: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
        """
        Liquidation prices of entries × tiers × sizes (:meth:`~.models.LevelModel.liquidation_prices`).

        Parameters
        ----------
        entries : np.ndarray
            Shape ``(n,)`` entry prices (price).
        side : int
            +1 long, -1 short.

        Returns
        -------
        tuple[np.ndarray, np.ndarray]
            ``(prices, size_weights)``: shape ``(n, n_tiers, n_sizes)`` liquidation prices and ``(n_sizes,)`` weights
            (:meth:`~liqheat_nautilus.core.models.LevelModel.liquidation_prices` gives the layout per model).
        """
        return self.model.liquidation_prices(entries, side)

