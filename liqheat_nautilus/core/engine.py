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

The parts: :mod:`~.models` (liquidation levels), :mod:`~.book` (grid, sweeps, closing, ledger), :mod:`~.entries`
(where positions were opened), :mod:`~.positioning` (the long/short split), :mod:`~.reads` (clusters, magnet,
curves). See docs/methodology.md for every formula and its source.
"""

import math
from collections import deque

import numpy as np

from liqheat_nautilus.core.book import Ledger, MapBook
from liqheat_nautilus.core.clusters import ClusterInfo, ClusterTracker
from liqheat_nautilus.core.cohorts import SideBook
from liqheat_nautilus.core.entries import (
    REFERENCE_OI_QUANTILE,
    REFERENCE_VOLUME_QUANTILE,
    bar_entries,
    clock_ages,
    holding_survival,
    hot_zone_profile,
    is_oi_spike,
    reference_entries,
    taker_imbalance,
    volume_profile,
)
from liqheat_nautilus.core.enums import Bias, ClusterStatus
from liqheat_nautilus.core.grid import PriceGrid
from liqheat_nautilus.core.history import MapHistory
from liqheat_nautilus.core.kernels import magnet_sums
from liqheat_nautilus.core.leverage import (
    NORMAL_PROFILES,
    dynamic_normal_parameters,
    leverage_weights,
    normal_leverage_weights,
    standardised_log_leverage,
    tilt_weights,
)
from liqheat_nautilus.core.magnet import Magnet, magnet_from_forces
from liqheat_nautilus.core.models import LevelModel
from liqheat_nautilus.core.params import MapParams
from liqheat_nautilus.core.positioning import long_share, ratio_long_share
from liqheat_nautilus.core.reads import bin_status, cluster_fields, cumulative_curves
from liqheat_nautilus.core.trades import select_large_trades
from liqheat_nautilus.core.units import NS_PER_HOUR, NS_PER_SECOND

STATUS_NAMES = tuple(ClusterStatus)  # indexed by the kernels' status codes 0, 1, 2
__all__ = ["STATUS_NAMES", "Ledger", "LiquidationMapEngine"]

_MAX_PENDING_BARS = 8192
_ONE_WEIGHT = np.ones((1, 1))


class LiquidationMapEngine:
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
                self._mu_sigma = NORMAL_PROFILES.get(p.leverage_profile, NORMAL_PROFILES["neutral"])
                if p.leverage_mean > 0.0 or p.leverage_std > 0.0:
                    self._mu_sigma = (p.leverage_mean or self._mu_sigma[0], p.leverage_std or self._mu_sigma[1])
                self.base_weights = normal_leverage_weights(*self._mu_sigma, tuple(self.tiers))
            else:
                self.base_weights = leverage_weights(p.leverage_profile, tuple(self.tiers))
        else:
            self.base_weights = leverage_weights(p.leverage_profile, tuple(self.tiers))
        self._dynamic = p.leverage_profile == "dynamic"
        self._z = standardised_log_leverage(tuple(self.tiers))
        self.model = LevelModel(p, self.tiers)
        self.book = MapBook(p, self.model)
        hl = np.asarray(p.tier_half_lives_hours, dtype=np.float64) if p.tier_half_lives_hours else np.full(
            self.tiers.size, p.half_life_hours)
        self._half_lives = hl
        self._decays = bool(np.any(hl > 0.0))
        self._hot_mode = p.entry_mode == "hot_zones"
        self._trades_mode = p.entry_mode == "trades"
        self._trades_gross = self._trades_mode and p.trade_selection == "gross_value"
        self._hot_alpha = 2.0 / (p.hot_zone_window + 1.0)
        self._funding_interval_ns = int(p.funding_interval_hours * NS_PER_HOUR)
        self._lookback_ns = int(p.seed_lookback_hours * NS_PER_HOUR)
        self._batch_ns = int(p.trade_batch_secs * NS_PER_SECOND)
        self.history = MapHistory(p.history_capacity, p.n_bins) if p.history_capacity else None
        self.tracker = ClusterTracker()
        self.reset()

    # -- state -----------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Return to the empty state (no grid, no open interest, empty ledger and history)."""
        p = self.params
        self.book.reset()
        self.ts_ns = 0
        self.open_interest_usd = math.nan
        self.seeded = False
        self.funding_rate = 0.0
        self.funding_index = 0.0  # cumulative Σ price·rate of the settlements charged (price units)
        self.long_short_ratio = math.nan
        self._last_funding_period = -1
        self._pp: list[float] = []  # pending bars of the interval: typical price, volume, low, high, time, hot
        self._pv: list[float] = []
        self._pl: list[float] = []
        self._ph: list[float] = []
        self._pt: list[int] = []
        self._phot: list[float] = []
        self._vol_ema = math.nan
        self._prev_close = math.nan
        self._oi_deltas: deque[float] = deque(maxlen=p.spike_window)
        self._periods: deque[tuple[int, float, float]] = deque()  # reference mode: (ts, volume, ΔOI) of readings
        self._last_close = math.nan  # close at the previous reading (reference mode returns)
        self.last_oi_spike = False
        self._taker_buy = 0.0
        self._taker_sell = 0.0
        self._low_since = math.inf
        self._high_since = -math.inf
        self._oi_ts_ns = 0
        self._oi_units = math.nan
        self._volume_rate = math.nan  # mean volume per hour (turnover clock)
        self._trade_batch: list[tuple[float, float, bool]] = []
        self._batch_start_ns = 0
        self.tracker.reset()
        if self.history is not None:
            self.history.clear()

    @property
    def initialized(self) -> bool:
        """Whether the map holds positions (the first open-interest reading seeded it, or trades opened some)."""
        return self.seeded

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
    def revision(self) -> int:
        """Increases with every change of the per-bin notional."""
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
            Bar close time (UNIX ns).

        Raises
        ------
        ValueError
            If a price or the volume is out of range or not finite (the state is unchanged).
        """
        if not (0.0 < low <= close <= high < math.inf and 0.0 <= volume < math.inf):
            raise ValueError(f"bar at {ts_ns}: need 0 < low <= close <= high < inf and finite volume >= 0, were "
                             f"high={high}, low={low}, close={close}, volume={volume}")
        book = self.book
        if book.grid is None:
            book.init_grid(close)
        if self._trade_batch:
            self._flush_trades()
        if len(self._pp) >= _MAX_PENDING_BARS:
            self._compact_pending()
        self._pp.append((high + low + close) / 3.0)
        self._pv.append(volume)
        self._pl.append(low)
        self._ph.append(high)
        self._pt.append(ts_ns)
        if self._hot_mode:
            ema = self._vol_ema
            if ema != ema:  # first bar: no rolling mean yet
                ema = volume
            hot = volume > self.params.hot_zone_volume_mult * ema and close > self._prev_close
            self._phot.append(1.0 if hot else 0.0)
            self._vol_ema = ema + self._hot_alpha * (volume - ema)
            self._prev_close = close
        # deferred sweeps: only the extremes are recorded here (MapBook.settle sweeps when the state is needed)
        if low < book.pending_low:
            book.pending_low = low
        if high > book.pending_high:
            book.pending_high = high
        if low < self._low_since:
            self._low_since = low
        if high > self._high_since:
            self._high_since = high
        book.price = close
        self.ts_ns = ts_ns
        if not book.keep_low <= close < book.keep_high:
            book.recentre(close)

    def _advance(self, price: float, low: float, high: float, ts_ns: int) -> None:
        """Record a price path ``[low, high]`` ending at ``price`` (trades, liquidation prints)."""
        book = self.book
        if book.grid is None:
            book.init_grid(price)
        if low < book.pending_low:
            book.pending_low = low
        if high > book.pending_high:
            book.pending_high = high
        if low < self._low_since:
            self._low_since = low
        if high > self._high_since:
            self._high_since = high
        book.price = price
        self.ts_ns = ts_ns
        if not book.keep_low <= price < book.keep_high:
            book.recentre(price)

    def update_trade(self, price: float, ts_ns: int, quantity: float = math.nan,
                     is_buyer_maker: bool = False) -> None:
        """
        Feed one trade: its price sweeps the levels it reaches; with a quantity it adds taker volume and, in
        ``trades`` mode, opens a position when selected (``gross_value``: at once when ``price × quantity`` reaches
        ``trade_threshold``; ``top_n``/``portion``: within the current batch, selected when the batch ends at the
        next bar or after ``trade_batch_secs``).

        Parameters
        ----------
        price : float
            Trade price, finite and > 0.
        ts_ns : int
            Trade time (UNIX ns).
        quantity : float, optional
            Trade quantity in base units (``nan``: price only).
        is_buyer_maker : bool, default False
            Binance's flag: true when the seller was the taker (the trade opens a short in ``trades`` mode).

        Raises
        ------
        ValueError
            If ``price`` is not finite and > 0 (the state is unchanged).
        """
        if not 0.0 < price < math.inf:
            raise ValueError(f"trade at {ts_ns}: price must be finite and > 0, was {price}")
        if self._trade_batch and ts_ns - self._batch_start_ns >= self._batch_ns:
            self._flush_trades()
        self._advance(price, price, price, ts_ns)
        if quantity > 0.0:  # false for nan
            gross = price * quantity
            if is_buyer_maker:
                self._taker_sell += gross
            else:
                self._taker_buy += gross
            if self._trades_mode:
                if self._trades_gross:
                    if gross >= self.params.trade_threshold:
                        self._open_trades(np.array([price]), np.array([gross]), -1 if is_buyer_maker else 1)
                else:
                    if not self._trade_batch:
                        self._batch_start_ns = ts_ns
                    self._trade_batch.append((price, gross, bool(is_buyer_maker)))

    def _flush_trades(self) -> None:
        batch, self._trade_batch = self._trade_batch, []
        prices = np.fromiter((b[0] for b in batch), dtype=np.float64, count=len(batch))
        gross = np.fromiter((b[1] for b in batch), dtype=np.float64, count=len(batch))
        maker = np.fromiter((b[2] for b in batch), dtype=bool, count=len(batch))
        self._open_selected(prices, gross, maker)

    def update_trades(self, prices, quantities, is_buyer_maker, ts_ns: int) -> int:
        """
        Feed a batch of trades (e.g. one second or one bar of aggTrades) treated as one bar.

        The batch's low and high sweep levels; its taker volume is added to the interval and, in ``trades``
        mode, the large trades selected by ``trade_selection`` (within this batch) open positions on their taker
        side at their prices, the full gross value spread over the leverage points.

        Parameters
        ----------
        prices : array_like
            Shape ``(n,)`` trade prices, > 0, in time order.
        quantities : array_like
            Shape ``(n,)`` quantities (base units), >= 0.
        is_buyer_maker : array_like
            Shape ``(n,)`` bool (true: seller taker -> short).
        ts_ns : int
            Time of the batch's last trade (UNIX ns).

        Returns
        -------
        int
            Number of trades that opened positions.

        Raises
        ------
        ValueError
            If the arrays differ in length or a price is not finite and > 0.
        """
        prices = np.asarray(prices, dtype=np.float64)
        qty = np.asarray(quantities, dtype=np.float64)
        maker = np.asarray(is_buyer_maker, dtype=bool)
        if not (prices.shape == qty.shape == maker.shape) or prices.ndim != 1:
            raise ValueError(
                f"update_trades: prices, quantities and is_buyer_maker must be 1-d of equal length, were "
                f"{prices.shape}, {qty.shape}, {maker.shape}",
            )
        if prices.size == 0:
            return 0
        if not np.all(np.isfinite(prices) & (prices > 0.0)):
            raise ValueError("update_trades: prices must be finite and > 0")
        if self._trade_batch:
            self._flush_trades()
        self._advance(float(prices[-1]), float(prices.min()), float(prices.max()), ts_ns)
        gross = prices * qty
        sell = float(gross[maker].sum())
        self._taker_sell += sell
        self._taker_buy += float(gross.sum()) - sell
        if not self._trades_mode:
            return 0
        return self._open_selected(prices, gross, maker)

    def _open_selected(self, prices: np.ndarray, gross: np.ndarray, maker: np.ndarray) -> int:
        mask = select_large_trades(gross, maker, self.params.trade_selection, self.params.trade_threshold)
        opened = 0
        for side, side_mask in ((1, mask & ~maker), (-1, mask & maker)):
            if side_mask.any():
                self._open_trades(prices[side_mask], gross[side_mask], side)
                opened += int(side_mask.sum())
        return opened

    def _open_trades(self, prices: np.ndarray, gross: np.ndarray, sign: int) -> None:
        total = float(gross.sum())
        if total <= 0.0:
            return
        long_w, short_w = self._tier_weights()
        price = self.book.price
        self.book.open(sign, prices, (gross / total)[:, None], long_w if sign > 0 else short_w, total,
                       np.full(prices.size, price))
        self.seeded = True

    def update_taker_volume(self, buy_usd: float, sell_usd: float, ts_ns: int) -> None:
        """
        Add taker buy/sell volume of the current open-interest interval (``taker_share_skew``,
        ``taker_leverage_skew``).

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
        self._taker_buy += buy_usd
        self._taker_sell += sell_usd

    def update_long_short_ratio(self, ratio: float, ts_ns: int) -> None:
        """
        Feed a long/short ratio (longs ÷ shorts, accounts or positions): with ``side_split`` ``"ratio"`` or
        ``"auto"`` the next readings split open interest ``r / (1 + r)`` to longs.

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
        self.funding_rate = rate
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
        Feed an open-interest reading: seed the map (first reading), turn positions over and anchor each side to
        its share of open interest.

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
            Notional opened by this reading (USD, both sides; 0 before any price). In ``trades`` mode nothing is
            opened: a decrease closes the same fraction ``|ΔOI| / OI`` of each side.

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
        if ts_ns < self._oi_ts_ns:
            raise ValueError(f"open-interest reading at {ts_ns} is older than the previous one at {self._oi_ts_ns}")
        book = self.book
        self.open_interest_usd = oi_usd
        if book.grid is None:
            return 0.0
        book.settle()
        units = oi_usd if self.params.inverse else (oi_base if math.isfinite(oi_base) else oi_usd / book.price)
        units *= self.params.leveraged_share  # position units of the liquidatable positions
        previous, self._oi_units = self._oi_units, units
        dt_ns, self._oi_ts_ns = (ts_ns - self._oi_ts_ns if self._oi_ts_ns else 0), ts_ns
        if self._trades_mode:
            if math.isfinite(previous) and 0.0 < units < previous:
                for sign in (1, -1):
                    book.close_fraction(sign, 1.0 - units / previous)
            self._clear_pending()
            return 0.0
        if not self.seeded:
            opened = self._seed(units, ts_ns)
            self.seeded = True
            self._last_close = book.price
            self._clear_pending()
            return opened
        hours = dt_ns / NS_PER_HOUR
        clock_hours = self._clock_hours(hours)
        if self._decays and clock_hours > 0.0:
            hl = self._half_lives
            book.decay(np.where(hl > 0.0, np.exp2(-clock_hours / np.where(hl > 0.0, hl, 1.0)), 1.0))
        vwap = self._interval_vwap()
        delta_usd = (units - previous) * (1.0 if self.params.inverse else vwap)
        self.last_oi_spike = False
        if self.params.entry_mode == "oi_spikes":
            self.last_oi_spike = is_oi_spike(delta_usd, list(self._oi_deltas), self.params.spike_k_sigma,
                                             self.params.spike_min_samples)
            self._oi_deltas.append(delta_usd)
        entries, weights, lowest, highest = self._interval_entries(vwap)
        opened = self._anchor(units, entries, weights, lowest, highest, vwap, delta_usd)
        self._clear_pending()
        return opened

    # -- seeding, turnover and the anchor ---------------------------------------------------------------------

    def _clock_hours(self, hours: float) -> float:
        """Elapsed hours of the turnover clock for an interval of ``hours`` with the pending bars' volume."""
        if self.params.turnover_clock == "time" or hours <= 0.0:
            return hours
        volume = math.fsum(self._pv)
        rate = self._volume_rate
        if not (rate > 0.0) or volume <= 0.0:
            return hours
        alpha = min(hours / max(self.params.seed_lookback_hours, hours), 1.0)
        self._volume_rate = rate + alpha * (volume / hours - rate)
        return volume / rate

    def _seed(self, units: float, ts_ns: int) -> float:
        """Place the whole open interest over the lookback's bars (volume × holding-time survival)."""
        book, p = self.book, self.params
        ts = np.asarray(self._pt, dtype=np.int64)
        keep = ts >= ts_ns - self._lookback_ns if self._lookback_ns else np.zeros(ts.size, dtype=bool)
        price = book.price
        if keep.any():
            entries = np.asarray(self._pp)[keep]
            volume = np.asarray(self._pv)[keep]
            lows, highs = np.asarray(self._pl)[keep], np.asarray(self._ph)[keep]
            ages = clock_ages(ts[keep], volume, ts_ns, p.turnover_clock)
            span = max((ts_ns - int(ts[keep][0])) / NS_PER_HOUR, 1e-9)
            vsum = float(volume.sum())
            self._volume_rate = vsum / span if vsum > 0.0 else math.nan
            vol_w = volume / vsum if vsum > 0.0 else np.full(volume.size, 1.0 / volume.size)
            surv = holding_survival(ages, self._half_lives) if self._decays else None
            weights = (vol_w[:, None] * surv) if surv is not None else vol_w[:, None]
            if p.entry_mode != "reference":
                entries, weights, lowest, highest = bar_entries(entries, lows, highs, weights, price)
        else:
            entries, weights = np.array([price]), _ONE_WEIGHT
            lowest = highest = np.array([price])
        if p.entry_mode == "reference" and keep.any():
            return self._seed_reference(units, ts[keep], entries, np.asarray(self._pv)[keep])
        swept_before = book.swept_long, book.swept_short
        share = self._long_share()
        long_w, short_w = self._tier_weights()
        opened = 0.0
        for sign, target, tier_w, at in ((1, share * units, long_w, lowest), (-1, (1.0 - share) * units, short_w,
                                                                             highest)):
            opened += self._open_units(sign, target, entries, weights, tier_w, at)
        book.swept_long, book.swept_short = swept_before  # positions the past liquidated are not estimates of now
        return opened

    def _seed_reference(self, units: float, ts: np.ndarray, close: np.ndarray, volume: np.ndarray) -> float:
        """
        Seed by the reference blend over hourly periods of the lookback, as the reference API builds its whole map
        (stateless: no survivorship; no OI history before the first reading, so no hot zones).
        """
        hour = (ts // NS_PER_HOUR).astype(np.int64)
        starts = np.flatnonzero(np.r_[True, hour[1:] != hour[:-1]])
        ends = np.r_[starts[1:], hour.size]
        p_close = np.array([close[b - 1] for b in ends])
        p_vol = np.add.reduceat(volume, starts)
        returns = np.r_[0.0, p_close[1:] / p_close[:-1] - 1.0]
        d_oi = np.full(p_close.size, np.nan)
        vol_thr = float(np.quantile(p_vol, REFERENCE_VOLUME_QUANTILE)) if p_vol.size else math.inf
        book = self.book
        swept_before = book.swept_long, book.swept_short
        share = self._long_share()
        long_w, short_w = self._tier_weights()
        opened = 0.0
        for sign, target, tier_w in ((1, share * units, long_w), (-1, (1.0 - share) * units, short_w)):
            prices, weights = reference_entries(p_close, p_vol, returns, d_oi, sign, vol_thr, math.inf)
            at = np.full(prices.size, book.price)
            opened += self._open_units(sign, target, prices, weights[:, None], tier_w, at)
        book.swept_long, book.swept_short = swept_before
        return opened

    def _interval_vwap(self) -> float:
        """Volume-weighted typical price of the interval's bars (the current price without bars)."""
        if not self._pp:
            return self.book.price
        entry_p, entry_w = volume_profile(np.asarray(self._pp), np.asarray(self._pv))
        return float(np.dot(entry_p, entry_w))

    def _interval_entries(self, vwap: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Entries of the interval's openings by ``entry_mode``: prices, weights ``(n, 1)``, adverse prices."""
        price = self.book.price
        mode = self.params.entry_mode
        if not self._pp or mode == "vwap" or self.last_oi_spike:
            one = np.array([price])
            return np.array([vwap]), _ONE_WEIGHT, one, one
        prices, volume = np.asarray(self._pp), np.asarray(self._pv)
        if mode == "hot_zones":
            entry_p, entry_w = hot_zone_profile(prices, volume, np.asarray(self._phot), self.params.hot_zone_share)
        else:
            entry_p, entry_w = volume_profile(prices, volume)
        return bar_entries(entry_p, np.asarray(self._pl), np.asarray(self._ph), entry_w[:, None], price)

    def _anchor(self, units: float, entries: np.ndarray, weights: np.ndarray, lowest: np.ndarray,
                highest: np.ndarray, vwap: float, delta_usd: float) -> float:
        """Bring each side to its share of open interest: open the gap at the interval's entries, or close."""
        book, p = self.book, self.params
        share = self._long_share()
        imbalance = taker_imbalance(self._taker_buy, self._taker_sell)
        long_w, short_w = self._tier_weights(imbalance)
        if p.entry_mode == "reference":
            return self._anchor_reference(units, share, long_w, short_w, delta_usd, vwap)
        opened = 0.0
        for sign, target, tier_w, at in ((1, share * units, long_w, lowest), (-1, (1.0 - share) * units, short_w,
                                                                             highest)):
            gap = target - book.units(sign)
            if gap > 0.0:
                opened += self._open_units(sign, gap, entries, weights, tier_w, at)
            elif gap < 0.0:
                have = book.units(sign)
                book.close_fraction(sign, min(-gap / have, 1.0) if have > 0.0 else 0.0)
        return opened

    def _anchor_reference(self, units: float, share: float, long_w: np.ndarray, short_w: np.ndarray,
                          delta_usd: float, vwap: float) -> float:
        """The anchor with the reference blend: this interval is one period, classified against the lookback's."""
        price, book = self.book.price, self.book
        volume = math.fsum(self._pv)
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
        for sign, target, tier_w in ((1, share * units, long_w), (-1, (1.0 - share) * units, short_w)):
            gap = target - book.units(sign)
            if gap > 0.0:
                prices, weights = reference_entries(np.array([vwap]), np.array([volume]), np.array([ret]),
                                                    np.array([delta_usd]), sign, vol_thr, oi_thr)
                at = np.full(prices.size, price)
                opened += self._open_units(sign, gap, prices, weights[:, None], tier_w, at)
            elif gap < 0.0:
                have = book.units(sign)
                book.close_fraction(sign, min(-gap / have, 1.0) if have > 0.0 else 0.0)
        return opened

    def _open_units(self, sign: int, units: float, entries: np.ndarray, weights: np.ndarray, tier_w: np.ndarray,
                    sweep_at: np.ndarray) -> float:
        """Open enough notional that ``units`` position units survive the sweeps of the entries' later bars."""
        if units <= 0.0:
            return 0.0
        survive = self.book.open_survival(sign, entries, weights, tier_w, sweep_at)
        if survive <= 0.0:
            return 0.0
        amount = units / survive
        self.book.open(sign, entries, weights, tier_w, amount, sweep_at)
        return amount

    def _long_share(self) -> float:
        p = self.params
        return long_share(p.side_split, self.long_short_ratio, self.funding_rate, p.funding_interval_hours,
                          p.funding_split_sensitivity, taker_imbalance(self._taker_buy, self._taker_sell),
                          p.taker_share_skew, p.long_share_offset)

    def _tier_weights(self, imbalance: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Leverage weights ``(long, short)``: the distribution, tilted by funding (tiers ``dynamic``) and taker
        imbalance (``taker_leverage_skew``)."""
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

    # -- pending bars ------------------------------------------------------------------------------------------

    def _clear_pending(self) -> None:
        """Start a new interval: drop the pending bars and the taker volume."""
        for pending in (self._pp, self._pv, self._pl, self._ph, self._pt, self._phot):
            pending.clear()
        self._taker_buy = self._taker_sell = 0.0

    def _compact_pending(self) -> None:
        """Halve the pending bars by merging neighbours (VWAP price, summed volume, min low, max high, last time),
        dropping bars older than the lookback first."""
        if self._pt and self._lookback_ns:
            cut = self._pt[-1] - self._lookback_ns
            first = next((i for i, t in enumerate(self._pt) if t >= cut), len(self._pt))
            if first > 0:
                for lst in (self._pp, self._pv, self._pl, self._ph, self._pt, self._phot):
                    del lst[:first]
                if len(self._pp) < _MAX_PENDING_BARS:
                    return
        n = len(self._pp) // 2 * 2
        pp, pv = np.asarray(self._pp[:n]), np.asarray(self._pv[:n])
        v2 = pv[0::2] + pv[1::2]
        price = np.where(v2 > 0.0, (pp[0::2] * pv[0::2] + pp[1::2] * pv[1::2]) / np.where(v2 > 0.0, v2, 1.0),
                         0.5 * (pp[0::2] + pp[1::2]))
        low = np.minimum(np.asarray(self._pl[:n:2]), np.asarray(self._pl[1:n:2]))
        high = np.maximum(np.asarray(self._ph[:n:2]), np.asarray(self._ph[1:n:2]))
        tail = slice(n, None)
        self._pp = price.tolist() + self._pp[tail]
        self._pv = v2.tolist() + self._pv[tail]
        self._pl = low.tolist() + self._pl[tail]
        self._ph = high.tolist() + self._ph[tail]
        self._pt = self._pt[1:n:2] + self._pt[tail]
        if self._hot_mode:
            hot = np.maximum(np.asarray(self._phot[:n:2]), np.asarray(self._phot[1:n:2]))
            self._phot = hot.tolist() + self._phot[tail]

    # -- reads -------------------------------------------------------------------------------------------

    def liquidation_prices(self, entries: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
        """Liquidation prices of entries × tiers × sizes (see :meth:`~.models.LevelModel.liquidation_prices`)."""
        return self.model.liquidation_prices(entries, side)

    def long_usd(self) -> np.ndarray:
        """Open long notional (USD) per bin, shape ``(n_bins,)``; all of it lies below price."""
        self.book.settle()
        return self.book.long.totals()

    def short_usd(self) -> np.ndarray:
        """Open short notional (USD) per bin, shape ``(n_bins,)``; all of it lies above price."""
        self.book.settle()
        return self.book.short.totals()

    def tier_usd(self) -> tuple[np.ndarray, np.ndarray]:
        """Open notional (USD) per bin × leverage point, ``(long, short)``, each a copy ``(n_bins, n_tiers)``."""
        self.book.settle()
        return self.book.long.usd.copy(), self.book.short.usd.copy()

    def bin_status(self) -> tuple[np.ndarray, np.ndarray]:
        """Status codes per bin (0 ACTIVE, 1 PARTIAL, 2 CLEARED; ``status_rule``) ``(long, short)``, int8."""
        self.book.settle()
        rule = self.params.status_rule
        return (bin_status(self.book.long.status, self.book.long.share, rule).copy(),
                bin_status(self.book.short.status, self.book.short.share, rule).copy())

    def take_swept(self) -> tuple[float, float]:
        """Return and reset the estimated liquidations (USD) swept since the last call: ``(long, short)``."""
        return self.book.take_swept()

    def side_units(self) -> tuple[float, float]:
        """Position units held per side ``(long, short)``: base units (linear) or USD (inverse contracts)."""
        return self.book.units(1), self.book.units(-1)

    def side_usd_at_price(self) -> tuple[float, float]:
        """Open notional per side valued at the current price ``(long, short)`` (USD; comparable with OI)."""
        price = self.book.price
        k = 1.0 if self.params.inverse else price
        return self.book.units(1) * k, self.book.units(-1) * k

    def cumulative_curves(self) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative liquidation notional outward from price (see :func:`~.reads.cumulative_curves`)."""
        self.book.settle()
        return cumulative_curves(self.book)

    def magnet(self) -> Magnet:
        """Magnet force and bias at the current price (see :func:`~liqheat_nautilus.core.magnet.magnet_force`)."""
        book = self.book
        if book.grid is None:
            return Magnet(0.0, 0.0, 0.0, Bias.UNBIASED)
        book.settle()
        up, down = magnet_sums(book.long.usd, book.short.usd, book.grid.base, book.grid.width, book.price)
        return magnet_from_forces(up, down, self.params.magnet_dead_band)

    def detect_clusters(self) -> list[ClusterInfo]:
        """
        Detect clusters on both sides without assigning ids (``cluster_id`` 0, times 0).

        Returns
        -------
        list[ClusterInfo]
            At most ``max_clusters_per_side`` per side, strength relative to the largest of all.
        """
        return [ClusterInfo(**fields) for fields in self._read()[0]]

    def _read(self) -> tuple[list[dict], float, float]:
        if self.book.grid is None:
            return [], 0.0, 0.0
        self.book.settle()
        return cluster_fields(self.book, self.params, self.tiers)

    def update_clusters(self) -> list[ClusterInfo]:
        """
        Detect clusters, match them to earlier ones (stable ids) and report those price has cleared.

        Returns
        -------
        list[ClusterInfo]
            Current clusters (``ACTIVE``/``PARTIAL``) followed by clusters ``CLEARED`` since the last call.
        """
        return self.update_clusters_and_magnet()[0]

    def update_clusters_and_magnet(self) -> tuple[list[ClusterInfo], Magnet]:
        """
        :meth:`update_clusters` followed by :meth:`magnet`, sharing one pass over the bins.

        Returns
        -------
        tuple[list[ClusterInfo], Magnet]
            Exactly what ``(update_clusters(), magnet())`` return.
        """
        fields, up, down = self._read()
        if self.book.grid is not None:
            self.tracker.match_tolerance = self.book.grid.width
        result = self.tracker.update_fields(fields, self.ts_ns, self._low_since, self._high_since)
        self._low_since, self._high_since = math.inf, -math.inf
        return result, magnet_from_forces(up, down, self.params.magnet_dead_band)

    def record_history(self) -> None:
        """Append the current per-bin notional to the snapshot ring buffer (no-op when disabled)."""
        if self.history is not None and self.book.grid is not None:
            self.history.push(self.ts_ns, self.book.price, self.book.grid.base, self.book.grid.width,
                              self.long_usd(), self.short_usd())

    def active_usd(self) -> float:
        """Total open notional (USD) of both sides in the grid."""
        self.book.settle()
        return self.book.active_usd()

    def outside_usd(self) -> float:
        """Open notional (USD) of both sides whose levels lie outside the grid (never liquidated within it)."""
        return self.book.outside_usd()

    def memory_bytes(self) -> int:
        """Bytes held by the engine's arrays (both sides, cohort layers and the snapshot ring buffer)."""
        total = self.book.long.nbytes() + self.book.short.nbytes()
        if self.history is not None:
            h = self.history
            total += sum(a.nbytes for a in (h.ts_ns, h.price, h.base, h.width, h.long_usd, h.short_usd))
        return total
