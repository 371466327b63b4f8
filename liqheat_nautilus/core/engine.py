"""The liquidation-map engine: cohorts of leveraged positions binned by liquidation price (pure numpy).

Data flow: bars (``update_bar``) feed the interval's volume profile and sweep liquidation levels that price
reaches; open-interest updates (``update_open_interest``) open or close position notional; trades
(``update_trade``/``update_trades``) sweep levels, add taker volume and, in ``trades`` mode, open positions;
funding updates (``update_funding``) tilt the ``dynamic`` leverage profile and, under ``funding_adjusted``,
move the levels of open cohorts. Per-bar work is scalar (a few comparisons and list appends); grid work happens
only on OI updates, funding settlements, sweeps, re-centring and reads.

Notional ledger (USD, checked by property tests): every dollar opened ends up in exactly one of
``active`` (still in the grid), ``swept`` (liquidated by price), ``closed`` (OI decreases), ``decayed``
(half-life) or ``dropped`` (liquidation price outside the grid range, or pushed out by re-centring or a
funding shift).
"""

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from liqheat_nautilus.core.clusters import ClusterInfo, ClusterTracker
from liqheat_nautilus.core.cohorts import STATUS_ACTIVE, STATUS_CLEARED, STATUS_PARTIAL, SideBook
from liqheat_nautilus.core.entries import (
    hot_zone_profile,
    is_oi_spike,
    taker_imbalance,
    volume_profile,
    vwap_block,
)
from liqheat_nautilus.core.enums import Bias, ClusterStatus, Side
from liqheat_nautilus.core.funding import funding_price_shift, tier_mmr
from liqheat_nautilus.core.grid import PriceGrid
from liqheat_nautilus.core.history import MapHistory
from liqheat_nautilus.core.kernels import (
    METHOD_QUANTILE,
    METHOD_SIGMA,
    magnet_sums,
    read_map,
    scatter_cohort,
    sweep_down,
    sweep_up,
)
from liqheat_nautilus.core.leverage import leverage_weights, standardised_log_leverage, tilt_weights
from liqheat_nautilus.core.liquidation_price import (
    inverse_isolated_liquidation_price,
    isolated_liquidation_price,
    simple_liquidation_price,
)
from liqheat_nautilus.core.magnet import Magnet, magnet_from_forces
from liqheat_nautilus.core.params import STATIC_MODELS, MapParams
from liqheat_nautilus.core.trades import select_large_trades
from liqheat_nautilus.core.units import NS_PER_HOUR

STATUS_NAMES = tuple(ClusterStatus)  # indexed by the kernels' status codes 0, 1, 2
__all__ = [
    "STATUS_ACTIVE",
    "STATUS_CLEARED",
    "STATUS_NAMES",
    "STATUS_PARTIAL",
    "Ledger",
    "LiquidationMapEngine",
]

_MAX_PENDING_BARS = 4096
_add_reduce = np.add.reduce


@dataclass
class Ledger:
    """Cumulative notional (USD) per fate, for both sides together."""

    opened: float = 0.0
    swept: float = 0.0
    closed: float = 0.0
    decayed: float = 0.0
    dropped: float = 0.0


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
        If the parameters are inconsistent (e.g. a named leverage profile with custom tiers).

    Notes
    -----
    Entry inference (OI delta): an open-interest increase of ΔOI base units, valued at the interval's VWAP,
    opens that USD notional of longs *and* of shorts (every contract has a buyer and a seller); it is spread
    over the interval's bars by volume (or by the ``hot_zones``/``oi_spikes`` rules) and over the leverage tiers
    by the profile. A decrease closes the same notional from each side, pro rata or newest first. In
    ``trades`` mode large taker trades open positions on the taker side instead. Liquidation prices follow
    the configured model; price reaching a bin liquidates (sweeps) it: fully when price passed through the
    bin (``CLEARED``), the traded share of the bin's range when it only entered (``PARTIAL``).

    ``revision`` (int) increases with every change of the per-bin notional (opening, closing, sweep, decay,
    funding shift, re-centring): a caller can skip recomputing reads (clusters, magnet, snapshots) while it
    is unchanged.
    """

    def __init__(self, params: MapParams | None = None) -> None:
        self.params = params or MapParams()
        p = self.params
        self.tiers = np.asarray(p.tiers, dtype=np.float64)
        self.base_weights = leverage_weights(p.leverage_profile, p.tiers)
        self._z = standardised_log_leverage(p.tiers)
        sizes = np.asarray(p.position_sizes_usd, dtype=np.float64)
        self._size_weights = np.asarray(p.position_size_weights, dtype=np.float64)
        self._size_weights = self._size_weights / self._size_weights.sum()
        self._sizes = sizes
        self._funding_adjusted = p.model == "funding_adjusted"
        self._static_model = p.funding_base_model if self._funding_adjusted else p.model
        ens = p.ensemble_weights or {m: 1.0 for m in STATIC_MODELS}
        total = sum(ens.values())
        self._ensemble = [(m, w / total) for m, w in ens.items() if w > 0.0]
        self._tier_mmr = (
            tier_mmr(self._static_model, self.tiers.size, p.mmr, p.brackets, self._sizes, self._size_weights)
            if self._funding_adjusted
            else np.zeros(self.tiers.size)
        )
        if p.tier_half_lives_hours:
            hl = np.asarray(p.tier_half_lives_hours, dtype=np.float64)
        else:
            hl = np.full(self.tiers.size, p.half_life_hours)
        self._tier_half_lives = hl
        self._decays = bool(np.any(hl > 0.0))
        self._hot_mode = p.entry_mode == "hot_zones"
        self._trades_mode = p.entry_mode == "trades"
        self._trades_gross = self._trades_mode and p.trade_selection == "gross_value"
        self._hot_alpha = 2.0 / (p.hot_zone_window + 1.0)
        self._funding_interval_ns = int(p.funding_interval_hours * NS_PER_HOUR)
        # Every model except inverse isolated_mmr with a maintenance amount gives levels proportional to the
        # entry price: cache the factor per side (one multiply per opening instead of the whole formula).
        models = [m for m, _ in self._ensemble] if self._static_model == "ensemble" else [self._static_model]
        self._factors: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        if not (p.inverse and p.maintenance_amount > 0.0 and "isolated_mmr" in models):
            for side in (1, -1):
                prices, weights = self._formula_prices(np.ones(1), side)
                self._factors[side] = (prices, weights)  # (1, n_tiers, n_sizes) levels per unit of entry
        self._method_code = METHOD_SIGMA if p.cluster_method == "sigma" else METHOD_QUANTILE
        self.history = MapHistory(p.history_capacity, p.n_bins) if p.history_capacity else None
        self.tracker = ClusterTracker()
        self.reset()

    # -- state -----------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Return to the empty state (no grid, no OI, empty ledger and history)."""
        p = self.params
        self.grid: PriceGrid | None = None
        n_tiers = self.tiers.size
        n_layers = p.cohort_layers if p.close_mode == "newest_first" else 0
        self.long = SideBook(p.n_bins, n_tiers, n_layers)
        self.short = SideBook(p.n_bins, n_tiers, n_layers)
        self.ledger = Ledger()
        self.revision = 0  # bumped by every change of the per-bin notional (reads can be skipped when equal)
        self.price = math.nan
        self.ts_ns = 0
        self.open_interest_usd = math.nan
        self._oi_base = math.nan
        self.funding_rate = 0.0
        self.funding_index = 0.0  # cumulative Σ price·rate of the settlements charged (price units)
        self._last_funding_period = -1
        self._pending_price: list[float] = []
        self._pending_volume: list[float] = []
        self._pending_hot: list[float] = []
        self._vol_ema = math.nan
        self._prev_close = math.nan
        self._oi_deltas: deque[float] = deque(maxlen=p.spike_window)
        self.last_oi_spike = False
        self._taker_buy = 0.0
        self._taker_sell = 0.0
        self._long_trigger = -math.inf  # a bar low below this sweeps longs
        self._short_trigger = math.inf  # a bar high above this sweeps shorts
        self._low_since = math.inf
        self._high_since = -math.inf
        self._swept_long = 0.0
        self._swept_short = 0.0
        self._oi_swept_long = 0.0  # swept since the last OI update (net_liquidations)
        self._oi_swept_short = 0.0
        self._last_decay_ns = 0
        self._lo_idx = 0
        self._hi_idx = 0
        self._keep_low = -math.inf
        self._keep_high = math.inf
        self.tracker.reset()
        if self.history is not None:
            self.history.clear()

    @property
    def initialized(self) -> bool:
        """Whether the grid exists (a first price was seen)."""
        return self.grid is not None

    # -- inputs ------------------------------------------------------------------------------------------

    def update_bar(self, high: float, low: float, close: float, volume: float, ts_ns: int) -> None:
        """
        Feed one bar.

        Parameters
        ----------
        high, low, close : float
            Bar prices, ``low <= close <= high``, > 0.
        volume : float
            Bar volume (any unit; only relative volume within an OI interval is used), >= 0.
        ts_ns : int
            Bar close time (UNIX ns).
        """
        if self.grid is None:
            self._init_grid(close)
        pending = self._pending_price
        if len(pending) >= _MAX_PENDING_BARS:
            self._compact_pending()
            pending = self._pending_price
        pending.append((high + low + close) / 3.0)
        self._pending_volume.append(volume)
        if self._hot_mode:
            ema = self._vol_ema
            if ema != ema:  # first bar: no rolling mean yet
                ema = volume
            hot = volume > self.params.hot_zone_volume_mult * ema and close > self._prev_close
            self._pending_hot.append(1.0 if hot else 0.0)
            self._vol_ema = ema + self._hot_alpha * (volume - ema)
            self._prev_close = close
        # _advance inlined (hot path: scalar comparisons only unless a level is reached); keep both alike
        if low < self._long_trigger:
            self._sweep_long(low)
        if high > self._short_trigger:
            self._sweep_short(high)
        if low < self._low_since:
            self._low_since = low
        if high > self._high_since:
            self._high_since = high
        self.price = close
        self.ts_ns = ts_ns
        if not self._keep_low <= close < self._keep_high:
            self._recentre(close)

    def update_trade(
        self,
        price: float,
        ts_ns: int,
        quantity: float = math.nan,
        is_buyer_maker: bool = False,
    ) -> None:
        """
        Feed one trade: sweeps levels it reaches; with a quantity, adds taker volume and (``trades`` mode with
        ``gross_value`` selection) opens a position when its gross value reaches ``trade_threshold``.

        Parameters
        ----------
        price : float
            Trade price, > 0.
        ts_ns : int
            Trade time (UNIX ns).
        quantity : float, optional
            Trade quantity in base units (``nan``: price only).
        is_buyer_maker : bool, default False
            Binance's flag: true when the seller was the taker (the trade opens a short in ``trades`` mode).
        """
        if self.grid is None:
            self._init_grid(price)
        self._advance(price, price, price, ts_ns)
        if quantity > 0.0:  # false for nan
            gross = price * quantity
            if is_buyer_maker:
                self._taker_sell += gross
            else:
                self._taker_buy += gross
            if self._trades_gross and gross >= self.params.trade_threshold:
                side = -1 if is_buyer_maker else 1
                self._open_trades(np.array([price]), np.array([gross]), side)

    def update_trades(self, prices, quantities, is_buyer_maker, ts_ns: int) -> int:
        """
        Feed a batch of trades (e.g. one second or one bar of aggTrades) treated as one bar.

        The batch's low and high sweep levels first; then its taker volume is added to the interval and, in
        ``trades`` mode, the large trades selected by ``trade_selection`` (within this batch) open positions
        on their taker side at their prices, the full gross value spread over the tiers by the profile.

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
        if self.grid is None:
            self._init_grid(float(prices[0]))
        self._advance(float(prices.max()), float(prices.min()), float(prices[-1]), ts_ns)
        gross = prices * qty
        sell = float(gross[maker].sum())
        self._taker_sell += sell
        self._taker_buy += float(gross.sum()) - sell
        if not self._trades_mode:
            return 0
        mask = select_large_trades(gross, maker, self.params.trade_selection, self.params.trade_threshold)
        opened = 0
        for side, side_mask in ((1, mask & ~maker), (-1, mask & maker)):
            if side_mask.any():
                self._open_trades(prices[side_mask], gross[side_mask], side)
                opened += int(side_mask.sum())
        return opened

    def update_taker_volume(self, buy_usd: float, sell_usd: float, ts_ns: int) -> None:
        """
        Add taker buy/sell volume of the current OI interval (for ``taker_share_skew``/``taker_leverage_skew``).

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
        if not (math.isfinite(buy_usd) and math.isfinite(sell_usd) and buy_usd >= 0.0 and sell_usd >= 0.0):
            raise ValueError(f"taker volumes must be finite and >= 0, were buy={buy_usd}, sell={sell_usd}")
        self._taker_buy += buy_usd
        self._taker_sell += sell_usd

    def _advance(self, high: float, low: float, close: float, ts_ns: int) -> None:
        """Sweep the levels ``[low, high]`` reached, then move to ``close`` (``update_bar`` inlines this)."""
        if low < self._long_trigger:
            self._sweep_long(low)
        if high > self._short_trigger:
            self._sweep_short(high)
        if low < self._low_since:
            self._low_since = low
        if high > self._high_since:
            self._high_since = high
        self.price = close
        self.ts_ns = ts_ns
        if not self._keep_low <= close < self._keep_high:
            self._recentre(close)

    def _set_keep_range(self) -> None:
        """Prices inside which no re-centring is needed: local bins ``[lo_idx, hi_idx]``."""
        grid = self.grid
        self._keep_low = (grid.base + self._lo_idx) * grid.width
        self._keep_high = (grid.base + self._hi_idx + 1) * grid.width

    def update_funding(self, rate: float, ts_ns: int, settled: bool = True) -> None:
        """
        Feed a funding rate (fraction per interval).

        Used by the ``dynamic`` leverage profile (the latest rate) and, under ``funding_adjusted``, charged to
        every open cohort when ``settled``: long levels and short levels all move by
        ``price·rate / (1 ∓ MMR)`` (see :mod:`liqheat_nautilus.core.funding`), at most once per
        ``funding_interval_hours`` period (so a per-second predicted-rate feed is charged once per period).

        Parameters
        ----------
        rate : float
            Funding rate, e.g. 0.0001 = 0.01 % per interval.
        ts_ns : int
            Funding time (UNIX ns).
        settled : bool, default True
            Whether this is a settled rate that was paid at ``ts_ns`` (False for predicted rates).

        Raises
        ------
        ValueError
            If ``rate`` is not finite.
        """
        if not math.isfinite(rate):
            raise ValueError(f"funding rate must be finite, was {rate}")
        self.funding_rate = rate
        if not (self._funding_adjusted and settled and self.grid is not None):
            return
        if self._funding_interval_ns:
            period = ts_ns // self._funding_interval_ns
            if period == self._last_funding_period:
                return
            self._last_funding_period = period
        self._charge_funding(rate)

    def update_open_interest(self, oi_usd: float, ts_ns: int, oi_base: float = math.nan) -> float:
        """
        Feed an open-interest observation; opens or closes position notional.

        The change is measured in base units (``oi_base`` when finite, else ``oi_usd`` divided by the current
        price) so that a price move alone does not look like new positions, and valued at the interval VWAP.

        Parameters
        ----------
        oi_usd : float
            Open interest (USD notional), >= 0.
        ts_ns : int
            Observation time (UNIX ns).
        oi_base : float, optional
            Open interest in base units when the venue reports it.

        Returns
        -------
        float
            The notional change applied to *each* side (USD): > 0 opened, < 0 closed, 0 for the first
            observation or before any price. In ``trades`` mode increases open nothing (0 is returned) and a
            decrease closes the same *fraction* ``|ΔOI| / OI`` of each side (the map holds only the large
            trades, not the whole open interest).

        Raises
        ------
        ValueError
            If ``oi_usd`` is negative or not finite.
        """
        if not (math.isfinite(oi_usd) and oi_usd >= 0.0):
            raise ValueError(f"open interest (USD) must be finite and >= 0, was {oi_usd}")
        self.open_interest_usd = oi_usd
        if self.grid is None:
            return 0.0
        base = oi_base if math.isfinite(oi_base) else oi_usd / self.price
        previous, self._oi_base = self._oi_base, base
        self._apply_decay(ts_ns)
        if not math.isfinite(previous):
            self._clear_pending()
            return 0.0
        p = self.params
        prices, volume, hot = self._pending_arrays()
        entry_p, entry_w = volume_profile(prices, volume)
        vwap = float(np.dot(entry_p, entry_w))
        delta_usd = (base - previous) * vwap
        self.last_oi_spike = False
        if p.entry_mode == "oi_spikes":
            self.last_oi_spike = is_oi_spike(delta_usd, list(self._oi_deltas), p.spike_k_sigma,
                                             p.spike_min_samples)
            self._oi_deltas.append(delta_usd)
        if self._trades_mode:
            if delta_usd < 0.0 and previous > 0.0:
                self._close_fraction(min(-(base - previous) / previous, 1.0))
            self._clear_pending()
            return min(delta_usd, 0.0)
        imbalance = taker_imbalance(self._taker_buy, self._taker_sell)
        skew = p.taker_share_skew * imbalance
        if p.net_liquidations:
            flows = (delta_usd * (1.0 + skew) + self._oi_swept_long, delta_usd * (1.0 - skew) + self._oi_swept_short)
        elif delta_usd > 0.0:
            flows = (delta_usd * (1.0 + skew), delta_usd * (1.0 - skew))
        else:
            flows = (delta_usd, delta_usd)
        if flows[0] > 0.0 or flows[1] > 0.0:
            if p.entry_mode == "vwap" or self.last_oi_spike:
                entry_p, entry_w = vwap_block(prices, volume)
            elif self._hot_mode:
                entry_p, entry_w = hot_zone_profile(prices, volume, hot, p.hot_zone_share)
            self._open(entry_p, entry_w, max(flows[0], 0.0), max(flows[1], 0.0), imbalance)
        if flows[0] < 0.0 or flows[1] < 0.0:
            self._close(max(-flows[0], 0.0), max(-flows[1], 0.0))
        self._clear_pending()
        return delta_usd

    # -- reads -------------------------------------------------------------------------------------------

    def long_usd(self) -> np.ndarray:
        """Open long notional (USD) per bin, shape ``(n_bins,)``; all of it lies below price."""
        return self.long.totals()

    def short_usd(self) -> np.ndarray:
        """Open short notional (USD) per bin, shape ``(n_bins,)``; all of it lies above price."""
        return self.short.totals()

    def bin_status(self) -> tuple[np.ndarray, np.ndarray]:
        """Status codes per bin (0 ACTIVE, 1 PARTIAL, 2 CLEARED) for ``(long, short)``, int8 ``(n_bins,)``."""
        return self.long.status.copy(), self.short.status.copy()

    def take_swept(self) -> tuple[float, float]:
        """Return and reset the estimated liquidations (USD) swept since the last call: ``(long, short)``."""
        swept = (self._swept_long, self._swept_short)
        self._swept_long = self._swept_short = 0.0
        return swept

    def cumulative_curves(self) -> tuple[np.ndarray, np.ndarray]:
        """
        The "depth" view: cumulative liquidation notional outward from price.

        Returns
        -------
        tuple[np.ndarray, np.ndarray]
            ``(long_cum, short_cum)``, each ``(n_bins,)`` USD: ``long_cum[k]`` is the long notional liquidated
            if price falls to bin ``k`` (0 above price); ``short_cum[k]`` the short notional liquidated if it
            rises to bin ``k`` (0 below price). Monotone outward from price.
        """
        long_t, short_t = self.long_usd(), self.short_usd()
        long_cum = np.cumsum(long_t[::-1])[::-1]
        short_cum = np.cumsum(short_t)
        if self.grid is not None:
            k = self.grid.local_index(self.price)
            long_cum[max(k + 1, 0) :] = 0.0
            short_cum[: max(k, 0)] = 0.0
        return long_cum, short_cum

    def magnet(self) -> Magnet:
        """Magnet force and bias at the current price (see :func:`~liqheat_nautilus.core.magnet.magnet_force`)."""
        if self.grid is None:
            return Magnet(0.0, 0.0, 0.0, Bias.UNBIASED)
        up, down = magnet_sums(self.long.usd, self.short.usd, self.grid.base, self.grid.width, self.price)
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
        """One compiled pass (:func:`~.kernels.read_map`): cluster fields, magnet ``up`` and ``down``."""
        if self.grid is None:
            return [], 0.0, 0.0
        p = self.params
        width, base, price = self.grid.width, self.grid.base, self.price
        runs, n_long, up, down = read_map(
            self.long.usd, self.short.usd, self.long.status, self.short.status, self.tiers, base, width,
            self._method_code, p.cluster_quantile, p.cluster_k_sigma, p.cluster_max_gap, p.max_clusters_per_side,
            price,
        )
        if not len(runs):
            return [], up, down
        rows = runs.tolist()
        top = max(r[2] for r in rows)
        avg = p.avg_position_usd
        return [
            {
                "cluster_id": 0, "side": Side.SHORT if i >= n_long else Side.LONG, "price_level": level,
                "price_low": (base + int(a)) * width, "price_high": (base + int(b) + 1) * width,
                "leverage_tier": lev, "notional_usd": notional, "liquidation_count": int(round(notional / avg)),
                "strength": min(max(notional / top, 0.0), 1.0), "distance_pct": (level - price) / price * 100.0,
                "status": ClusterStatus.PARTIAL if partial else ClusterStatus.ACTIVE, "first_seen": 0, "last_seen": 0,
            }
            for i, (a, b, notional, level, lev, partial) in enumerate(rows)
        ], up, down

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
        :meth:`update_clusters` followed by :meth:`magnet`, sharing one computation of the per-bin totals.

        Returns
        -------
        tuple[list[ClusterInfo], Magnet]
            Exactly what ``(update_clusters(), magnet())`` return.
        """
        fields, up, down = self._read()
        result = self.tracker.update_fields(fields, self.ts_ns, self._low_since, self._high_since)
        self._low_since, self._high_since = math.inf, -math.inf
        # read_map's forces are magnet_sums' (the same compiled code on the same arrays; 0, 0 without a grid)
        return result, magnet_from_forces(up, down, self.params.magnet_dead_band)

    def record_history(self) -> None:
        """Append the current per-bin notional to the snapshot ring buffer (no-op when disabled)."""
        if self.history is not None and self.grid is not None:
            self.history.push(self.ts_ns, self.price, self.grid.base, self.grid.width, self.long_usd(),
                              self.short_usd())

    def active_usd(self) -> float:
        """Total open notional (USD) of both sides in the grid."""
        return float(self.long.usd.sum() + self.short.usd.sum())

    def memory_bytes(self) -> int:
        """Bytes held by the engine's arrays (both sides, cohort layers and the snapshot ring buffer)."""
        total = self.long.nbytes() + self.short.nbytes()
        if self.history is not None:
            h = self.history
            total += sum(a.nbytes for a in (h.ts_ns, h.price, h.base, h.width, h.long_usd, h.short_usd))
        return total

    def tier_usd(self) -> tuple[np.ndarray, np.ndarray]:
        """Open notional (USD) per bin × tier, ``(long, short)``, each a copy of shape ``(n_bins, n_tiers)``."""
        return self.long.usd.copy(), self.short.usd.copy()

    # -- internals ---------------------------------------------------------------------------------------

    def _init_grid(self, price: float) -> None:
        p = self.params
        width = p.bin_size if p.bin_size > 0.0 else price * p.bin_bps / 1e4
        self.grid = PriceGrid(width, p.n_bins, price)
        self.tracker.match_tolerance = width
        margin = int(p.n_bins * p.recentre_margin)
        self._lo_idx, self._hi_idx = margin, p.n_bins - 1 - margin
        self._set_keep_range()
        self.price = price

    def _compact_pending(self) -> None:
        """Merge the pending bars into at most two entries (non-hot and hot), each at its VWAP."""
        groups: dict[float, list[float]] = {}
        hot = self._pending_hot if self._hot_mode else [0.0] * len(self._pending_price)
        for pr, v, h in zip(self._pending_price, self._pending_volume, hot, strict=True):
            g = groups.setdefault(h, [0.0, 0.0, 0.0])
            g[0] += pr * v
            g[1] += v
            g[2] += pr
        count = len(self._pending_price)
        self._pending_price, self._pending_volume, self._pending_hot = [], [], []
        for h, (pv, v, p_sum) in groups.items():
            self._pending_price.append(pv / v if v > 0.0 else p_sum / count)
            self._pending_volume.append(v)
            if self._hot_mode:
                self._pending_hot.append(h)

    def _clear_pending(self) -> None:
        self._pending_price.clear()
        self._pending_volume.clear()
        self._pending_hot.clear()
        self._taker_buy = self._taker_sell = 0.0
        self._oi_swept_long = self._oi_swept_short = 0.0

    def _pending_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self._pending_price:
            return np.array([self.price]), np.array([1.0]), np.zeros(1)
        hot = np.asarray(self._pending_hot) if self._hot_mode else np.zeros(len(self._pending_price))
        return np.asarray(self._pending_price), np.asarray(self._pending_volume), hot

    def _entry_profile(self) -> tuple[np.ndarray, np.ndarray]:
        prices, volume, _ = self._pending_arrays()
        if self.params.entry_mode == "vwap":
            return vwap_block(prices, volume)
        return volume_profile(prices, volume)

    def _tier_weights(self, imbalance: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Tier weights ``(long, short)``: the profile tilted by funding (``dynamic``) and taker imbalance."""
        p = self.params
        a = 0.0
        if p.leverage_profile == "dynamic":
            a += p.dynamic_sensitivity * self.funding_rate
        a += p.taker_leverage_skew * imbalance
        if a == 0.0:
            return self.base_weights, self.base_weights
        a = min(max(a, -p.dynamic_max_tilt), p.dynamic_max_tilt)
        return (tilt_weights(self.base_weights, p.tiers, a, self._z),
                tilt_weights(self.base_weights, p.tiers, -a, self._z))

    def liquidation_prices(self, entries: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
        """
        Liquidation prices of the configured model for entries × tiers (× position sizes × models).

        Parameters
        ----------
        entries : np.ndarray
            Shape ``(n,)`` entry prices.
        side : int
            +1 long, -1 short.

        Returns
        -------
        tuple[np.ndarray, np.ndarray]
            ``(prices, size_weights)``: prices of shape ``(n, n_tiers, n_sizes)`` and the weight of each size,
            shape ``(n_sizes,)`` summing to 1 (``n_sizes`` is 1 for ``simple``/``isolated_mmr``, the number of
            assumed position sizes for ``binance_standard``, and the concatenation over the models, weighted by
            ``ensemble_weights``, for ``ensemble``). ``funding_adjusted`` opens at its base model's prices.
        """
        cached = self._factors.get(side)
        if cached is not None:
            return np.asarray(entries, dtype=np.float64)[:, None, None] * cached[0], cached[1]
        return self._formula_prices(entries, side)

    def _formula_prices(self, entries: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
        if self._static_model == "ensemble":
            parts = [self._static_prices(m, entries, side) for m, _ in self._ensemble]
            prices = np.concatenate([pr for pr, _ in parts], axis=2)
            weights = np.concatenate([sw * w for (_, sw), (_, w) in zip(parts, self._ensemble, strict=True)])
            return prices, weights
        return self._static_prices(self._static_model, entries, side)

    def _static_prices(self, model: str, entries: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
        p = self.params
        e = np.asarray(entries, dtype=np.float64)[:, None, None]
        lev = self.tiers[None, :, None]
        formula = inverse_isolated_liquidation_price if p.inverse else isolated_liquidation_price
        if model == "simple":
            return simple_liquidation_price(e, lev, side, p.buffer), np.ones(1)
        if model == "isolated_mmr":
            return formula(e, lev, side, p.mmr, p.maintenance_amount, p.avg_position_usd), np.ones(1)
        # binance_standard: per assumed position size, the bracket's MMR and maintenance amount; a tier above
        # the bracket's maximum leverage is capped at that maximum (Binance does not allow it).
        sizes = self._sizes[None, None, :]
        mmr, cum, max_lev = p.brackets.lookup(sizes)
        if p.inverse:
            cum = cum / e  # the table's USD maintenance amount in coin at the entry price
        return formula(e, np.minimum(lev, max_lev), side, mmr, cum, sizes), self._size_weights

    def _open(self, prices: np.ndarray, weights: np.ndarray, long_usd: float, short_usd: float,
              imbalance: float = 0.0) -> None:
        long_w, short_w = self._tier_weights(imbalance)
        for side_sign, side, tier_w, amount in (
            (1, self.long, long_w, long_usd),
            (-1, self.short, short_w, short_usd),
        ):
            self._open_side(side_sign, side, prices, weights, tier_w, amount)
        self._sweep_beyond_price()

    def _open_trades(self, prices: np.ndarray, gross: np.ndarray, side_sign: int) -> None:
        total = float(gross.sum())
        if total <= 0.0:
            return
        long_w, short_w = self._tier_weights()
        side, tier_w = (self.long, long_w) if side_sign > 0 else (self.short, short_w)
        self._open_side(side_sign, side, prices, gross / total, tier_w, total)
        self._sweep_beyond_price()

    def _open_side(self, side_sign: int, side: SideBook, prices: np.ndarray, weights: np.ndarray,
                   tier_w: np.ndarray, amount_usd: float) -> None:
        if amount_usd <= 0.0:
            return
        entries = np.asarray(prices, dtype=np.float64)
        cached = self._factors.get(side_sign)
        # levels per unit of entry (1, n_tiers, n_sizes) when the model is proportional, else the levels
        levels, size_w = cached if cached is not None else self._formula_prices(entries, side_sign)
        side.new_cohort()
        self._add(side, entries, levels, cached is not None, weights, tier_w, size_w, amount_usd, side_sign)
        self.ledger.opened += amount_usd

    def _sweep_beyond_price(self) -> None:
        # Levels already beyond the current price could not have survived: sweep them now.
        if self.price < self._long_trigger:
            self._sweep_long(self.price)
        if self.price > self._short_trigger:
            self._sweep_short(self.price)

    def _add(self, side: SideBook, entries: np.ndarray, levels: np.ndarray, per_unit: bool, weights: np.ndarray,
             tier_w: np.ndarray, size_w: np.ndarray, amount_usd: float, side_sign: int) -> None:
        """
        Add a cohort: ``amount_usd·weights[i]·tier_w[t]·size_w[s]`` at entry ``i``'s liquidation price
        (``levels`` as :func:`~.kernels.scatter_cohort` takes them); levels outside the grid are dropped (ledger).
        """
        grid = self.grid
        slot = side.order[-1] if side.layers is not None and side.order else -1
        dropped, k_min, k_max = scatter_cohort(
            entries, levels, per_unit, weights, tier_w, size_w, amount_usd, grid.base * grid.width, grid.width,
            grid.base, side.usd, side.layer_block, slot, side.status, side.share,
        )
        self.ledger.dropped += dropped
        if k_max < 0:
            return
        if side_sign > 0:
            side.edge = max(side.edge, k_max)
        else:
            side.edge = k_min if side.edge < 0 else min(side.edge, k_min)
        self._set_triggers()

    def _set_triggers(self) -> None:
        self.revision += 1  # every mutation of the grid ends here
        grid = self.grid
        w = grid.width
        # Python floats (``.item``): the triggers are compared with every bar's low and high
        k = self.long.edge
        if k >= 0:
            self._long_trigger = (grid.base + k) * w + w * (1.0 - self.long.share.item(k))
        else:
            self._long_trigger = -math.inf
        k = self.short.edge
        if k >= 0:
            self._short_trigger = (grid.base + k) * w + w * self.short.share.item(k)
        else:
            self._short_trigger = math.inf

    def _recompute_edges(self) -> None:
        n = self.long.usd.shape[0]
        nz = self.long.nonzero_rows(0, n)
        self.long.edge = int(nz[-1]) if nz.size else -1
        nz = self.short.nonzero_rows(0, n)
        self.short.edge = int(nz[0]) if nz.size else -1
        self._set_triggers()

    def _recompute_edges_after_scaling(self) -> None:
        """
        :meth:`_recompute_edges` after ``usd`` was multiplied by factors >= 0 (pro-rata closing, decay).

        Bins beyond an edge are empty and stay empty under scaling, so an edge whose bin still holds notional
        is still the edge; only a side whose edge bin emptied is searched again.
        """
        for side, highest in ((self.long, True), (self.short, False)):
            k = side.edge
            if k >= 0 and _add_reduce(side.usd[k]) > 0.0:
                continue
            nz = side.nonzero_rows(0, side.usd.shape[0])
            side.edge = (int(nz[-1]) if highest else int(nz[0])) if nz.size else -1
        self._set_triggers()

    def _sweep_long(self, low: float) -> None:
        """Price fell to ``low``: liquidate the long levels it reached (:func:`~.kernels.sweep_down`)."""
        side, grid = self.long, self.grid
        width = grid.width
        j = int(math.floor(low / width)) - grid.base  # grid.local_index(low), inlined (hot path)
        swept, side.edge = sweep_down(side.usd, side.layer_block, side.status, side.share, side.edge, j,
                                      ((grid.base + j) * width + width - low) / width)
        self._swept_long += swept
        self._oi_swept_long += swept
        self.ledger.swept += swept
        self._set_triggers()

    def _sweep_short(self, high: float) -> None:
        """Price rose to ``high``: liquidate the short levels it reached (:func:`~.kernels.sweep_up`)."""
        side, grid = self.short, self.grid
        width = grid.width
        j = int(math.floor(high / width)) - grid.base  # grid.local_index(high), inlined (hot path)
        swept, side.edge = sweep_up(side.usd, side.layer_block, side.status, side.share, side.edge, j,
                                    (high - (grid.base + j) * width) / width)
        self._swept_short += swept
        self._oi_swept_short += swept
        self.ledger.swept += swept
        self._set_triggers()

    def _close(self, long_usd: float, short_usd: float | None = None) -> None:
        newest = self.params.close_mode == "newest_first"
        short_usd = long_usd if short_usd is None else short_usd
        for side, amount_usd in ((self.long, long_usd), (self.short, short_usd)):
            total = float(_add_reduce(side.usd, axis=None))  # == usd.sum()
            if total <= 0.0 or amount_usd <= 0.0:
                continue
            if newest:
                self.ledger.closed += side.close_newest(amount_usd)
            else:
                self.ledger.closed += side.close_pro_rata(min(amount_usd / total, 1.0), total)
        if newest:
            self._recompute_edges()
        else:
            self._recompute_edges_after_scaling()

    def _close_fraction(self, fraction: float) -> None:
        newest = self.params.close_mode == "newest_first"
        for side in (self.long, self.short):
            total = float(side.usd.sum())
            if total <= 0.0:
                continue
            if newest:
                self.ledger.closed += side.close_newest(fraction * total)
            else:
                self.ledger.closed += side.close_pro_rata(fraction)
        if newest:
            self._recompute_edges()
        else:
            self._recompute_edges_after_scaling()

    def _apply_decay(self, ts_ns: int) -> None:
        if self._decays and self._last_decay_ns:
            hours = (ts_ns - self._last_decay_ns) / NS_PER_HOUR
            hl = self._tier_half_lives
            factor = np.where(hl > 0.0, 0.5 ** (hours / np.where(hl > 0.0, hl, 1.0)), 1.0)
            before = self.long.usd.sum(axis=0) + self.short.usd.sum(axis=0)
            self.long.scale(factor)
            self.short.scale(factor)
            self.ledger.decayed += float(np.dot(before, 1.0 - factor))
            self._recompute_edges_after_scaling()
        self._last_decay_ns = ts_ns

    def _charge_funding(self, rate: float) -> None:
        """Move every open cohort's levels by one funding settlement (see :mod:`~.funding`)."""
        if rate == 0.0 or not math.isfinite(self.price):
            return
        self.funding_index += self.price * rate
        for side_sign, side in ((1, self.long), (-1, self.short)):
            shift = funding_price_shift(self.price, rate, side_sign, self._tier_mmr) / self.grid.width
            self.ledger.dropped += side.shift_tiers_fractional(shift)
            refilled = (side.totals() > 0.0) & (side.status == STATUS_CLEARED)
            side.status[refilled] = STATUS_ACTIVE
            side.share[refilled] = 0.0
        self._recompute_edges()
        self._sweep_beyond_price()

    def _recentre(self, price: float) -> None:
        grid = self.grid
        shift = grid.base_for(price) - grid.base
        for side in (self.long, self.short):
            self.ledger.dropped += side.shift(shift)
        grid.base += shift
        self._set_keep_range()
        self._recompute_edges()
