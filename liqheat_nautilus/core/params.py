"""Parameters of the liquidation-map engine (pure Python; the Nautilus configs map onto it)."""

import math
from dataclasses import dataclass, field, fields
from numbers import Integral, Real

import numpy as np

from liqheat_nautilus.core.brackets import BINANCE_BTCUSDT_BRACKETS, BracketTable
from liqheat_nautilus.core.leverage import (
    DEFAULT_TIERS,
    NORMAL_LEVERAGE_GRID,
    NORMAL_PROFILES,
    PROFILES,
    leverage_weights,
)

STATIC_MODELS = ("simple", "isolated_mmr", "binance_standard")
MODELS = (*STATIC_MODELS, "funding_adjusted", "ensemble")
ENTRY_MODES = ("volume_profile", "vwap", "hot_zones", "oi_spikes", "reference", "trades")
CLOSE_MODES = ("pro_rata", "newest_first")
TRADE_SELECTIONS = ("gross_value", "top_n", "portion")
LEVERAGE_MODELS = ("normal", "tiers")
SIDE_SPLITS = ("auto", "ratio", "funding", "equal")
TURNOVER_CLOCKS = ("volume", "time")
STATUS_RULES = ("path", "swept_share")


_TYPE_NAMES = {float: "a number", int: "a whole number", str: "a string", bool: "true or false"}


MAX_BINS = 100_000
"""Most bins a map may hold (10 bp bins × 100,000 span prices over a factor of 2·10⁴); memory grows with
``n_bins × n_tiers × (2 + 2·cohort_layers)`` float64: a typo such as 100,000,000 used to exhaust memory."""
MAX_HISTORY_CELLS = 250_000_000
"""Most ``history_capacity × n_bins`` cells of the heatmap ring buffer (2 GB of float64 per side; a year of
5-minute readings at 1,000 bins needs about 110 M)."""


def _all_finite(value: object) -> bool:
    """Whether every number in a field (a number, or the numbers of a tuple or dict) is finite (bools aside)."""
    if isinstance(value, dict):
        return all(_all_finite(v) for v in value.values())
    if isinstance(value, tuple | list):
        return all(_all_finite(v) for v in value)
    if isinstance(value, Real) and not isinstance(value, bool | np.bool_):
        return math.isfinite(value)
    return True


_RULES = {
    "leverage_mean": "in [0, 1e4); only with leverage_model='normal'",
    "leverage_std": "in [0, 1e4); only with leverage_model='normal'",
    "mmr": "in [0, 1/the highest leverage)",
    "maintenance_amount": ">= 0 (USD)",
    "buffer": "in [0, 1/the highest leverage)",
    "bin_bps": "> 0 (bps)",
    "bin_size": ">= 0 (price; 0: use bin_bps)",
    "n_bins": f"in [8, {MAX_BINS:,}]",
    "recentre_margin": "in (0, 0.5)",
    "regrid_ratio": "0 (never) or > 1",
    "half_life_hours": ">= 0 (0: no closing by age)",
    "seed_lookback_hours": ">= 0",
    "funding_split_sensitivity": ">= 0",
    "leveraged_share": "in (0, 1]",
    "long_share_offset": "in [-0.45, 0.45]",
    "trade_batch_secs": "> 0 (seconds)",
    "avg_position_usd": "> 0 (USD)",
    "cluster_quantile": "in [0, 1)",
    "cluster_k_sigma": "> 0",
    "cluster_max_gap": ">= 0 (bins)",
    "max_clusters_per_side": ">= 1",
    "magnet_dead_band": "in [0, 1)",
    "history_capacity": f">= 0, with history_capacity × n_bins <= {MAX_HISTORY_CELLS:,} (the ring buffer's cells)",
    "position_sizes_usd": "as many sizes (> 0 USD) as position_size_weights (>= 0, not all 0)",
    "cohort_layers": "in [2, 64]",
    "hot_zone_share": "in [0, 1]",
    "hot_zone_volume_mult": "> 0",
    "hot_zone_window": ">= 1 (bars)",
    "spike_k_sigma": "> 0",
    "spike_window": ">= 2 (readings)",
    "spike_min_samples": "in [2, spike_window]",
    "trade_threshold": "> 0 (USD; a share in (0, 1] with trade_selection='portion', a whole count >= 1 with 'top_n')",
    "taker_share_skew": "in [0, 1]",
    "taker_leverage_skew": ">= 0",
    "funding_interval_hours": ">= 0 (0: charge at every funding reading)",
    "ensemble_weights": "a dict of static models to weights >= 0, not all 0",
    "tier_half_lives_hours": "empty, or one half-life >= 0 per leverage point",
    "dynamic_sensitivity": ">= 0",
    "dynamic_max_tilt": "in [0, 3]",
    "interval_entry_groups": ">= 0 (0: no merging)",
    "tiers": "distinct leverage points >= 1",
}
"""The valid values of each range-checked :class:`MapParams` field, named in its error message."""


def _is_type(value: object, kind: type) -> bool:
    """Whether ``value`` fits a scalar field of type ``kind``: ints count as numbers, bools only as bools."""
    is_bool = isinstance(value, (bool, np.bool_))
    if is_bool or kind is bool:
        return is_bool and kind is bool
    if kind is float:
        return isinstance(value, Real)
    if kind is int:
        return isinstance(value, Integral)
    return isinstance(value, kind)


@dataclass(frozen=True)
class MapParams:
    """
    Every parameter of :class:`~liqheat_nautilus.core.engine.LiquidationMapEngine`.

    Parameters
    ----------
    tiers : tuple[float, ...] or None
        Leverage points (x, each >= 1); ``None``: the leverage model's own (see :meth:`leverage_points`).
    leverage_model : str
        ``"tiers"`` (default: weights on :data:`~.leverage.DEFAULT_TIERS`, 5x...125x) or ``"normal"`` (leverage ~
        N(μ, σ) clipped to [1, 125] on :data:`~.leverage.NORMAL_LEVERAGE_GRID`, the Liquidation Map Indicator API's
        method).
    leverage_profile : str or dict[float, float]
        ``"conservative"``, ``"neutral"``, ``"aggressive"``, ``"dynamic"`` (the named profiles of the leverage
        model) or ``{tier: weight}``.
    leverage_mean, leverage_std : float
        ``"normal"`` model: μ and σ (x) replacing the profile's when > 0 (what ``liqheat calibrate`` fits).
    model : str
        Liquidation-price model: ``"simple"`` (``entry·(1 ∓ 1/L ± buffer)``), ``"isolated_mmr"`` (Binance
        isolated formula with ``mmr`` and ``maintenance_amount``), ``"binance_standard"`` (the isolated formula
        with MMR and maintenance amount from ``brackets`` for each assumed position size),
        ``"funding_adjusted"`` (default: ``funding_base_model`` whose levels move with the funding each cohort pays
        or receives after it opened, as the venue takes funding out of a position's margin) or ``"ensemble"``
        (mixture of the static models by ``ensemble_weights``).
    mmr : float
        Maintenance margin rate (fraction) of ``isolated_mmr``.
    maintenance_amount : float
        Maintenance amount ``cum`` (USD) of ``isolated_mmr``, applied to positions of ``avg_position_usd``.
    buffer : float
        Buffer of ``simple`` (fraction of entry toward the entry).
    brackets : BracketTable
        Maintenance-margin brackets of ``binance_standard`` (default: Binance BTCUSDT).
    position_sizes_usd, position_size_weights : tuple[float, ...]
        Assumed distribution of position notional (USD) for ``binance_standard``.
    inverse : bool
        Coin-margined (inverse) contract: use the COIN-M formulas.
    entry_mode : str
        ``"volume_profile"``: an OI increase is spread over the interval's bars by volume, each at its typical
        price (H+L+C)/3; ``"vwap"``: placed at the interval's volume-weighted typical price; ``"hot_zones"``:
        volume profile in which "hot" bars (close above the previous close on volume above
        ``hot_zone_volume_mult`` × its rolling mean) take ``hot_zone_share`` of the increase; ``"oi_spikes"``:
        volume profile, except that an increase larger than ``spike_k_sigma`` standard deviations of the last
        ``spike_window`` OI changes is placed as one block at the interval's VWAP; ``"trades"``
        (py-liquidation-map): large taker trades fed through ``update_trades``/``update_trade`` open positions
        on the taker side (buyer taker -> long); OI increases open nothing, decreases still close.
    bin_bps : float
        Bin width in basis points of the first price seen (used when ``bin_size`` is 0).
    bin_size : float
        Absolute bin width (price); 0 to use ``bin_bps``.
    n_bins : int
        Bins held by the re-centring grid.
    recentre_margin : float
        Re-centre when price comes within this fraction of ``n_bins`` of either end.
    regrid_ratio : float
        With ``bin_bps`` (``bin_size`` 0): at a re-centring, re-bin the grid at ``price · bin_bps / 10⁴`` when the
        bin width is off that by more than this factor (default 2: price halved or doubled since the width was
        set), so the map keeps its resolution and range in percent of price (``BookState.regrid``); 0 keeps the
        first price's width for good.
    half_life_hours : float
        Holding time of positions: every cohort is closed at the rate ``2^(−Δτ / half_life_hours)`` (``Δτ`` in
        hours of the ``turnover_clock``), and the anchor to open interest re-opens what was closed at the
        interval's prices (turnover); 0 disables closing by age. Default 72 h, the middle of the per-tier
        holding half-lives 168/120/72/36/18 h of other designs (docs/references.md).
    seed_lookback_hours : float
        At the first open-interest reading the whole open interest is placed over the bars of this lookback
        (volume × survival weights); 0 places it at the current price.
    turnover_clock : str
        ``"volume"`` (default): age advances with traded volume, ``Δτ = Δt · v / v̄`` (``v̄`` the mean volume
        per unit of time of the last ``seed_lookback_hours``), so busy intervals turn more positions over;
        ``"time"``: wall-clock hours.
    side_split : str
        How open interest is split between long and short positions: ``"ratio"`` (the latest long/short ratio
        fed through ``update_long_short_ratio``: long share ``r / (1 + r)``), ``"funding"`` (long share
        ``0.5 + 0.2·tanh(k·(f₈ − 0.0001))``, ``f₈`` the rate per 8 h, ``k = funding_split_sensitivity``),
        ``"equal"`` (0.5) or ``"auto"`` (default: the ratio once one was fed, else funding).
    funding_split_sensitivity : float
        ``k`` of the ``"funding"`` split (per unit rate per 8 h, >= 0).
    leveraged_share : float
        Share of open interest held by positions that can be liquidated (in (0, 1]; the rest — hedged or
        over-collateralised positions — is not placed). Scales every notional of the map; ``calibrate`` sets it
        so that estimated and actual liquidation totals match.
    turnover_floor : bool
        Replace what holding time closed even when a side's target falls below what is left (default ``True``):
        the side then opens the closed units at the interval's bars, where the interval's own later prices can
        liquidate them, and closes the fall from its older positions. ``False``: such a side only closes, so an
        interval with falling open interest opens nothing on that side (the map had no estimate in 4-16 % of the
        shipped set's 4 h windows that way; chosen on windows before 2025-12-01, see docs/evaluation.md).
    long_share_offset : float
        Added to the long share of every split (then clipped to [0.05, 0.95]); what ``calibrate`` fits.
    status_rule : str
        Bin status: ``"path"`` (default: PARTIAL once price entered the bin, CLEARED once it passed through)
        or ``"swept_share"`` (the reference API's: CLEARED when > 80 % of the bin was swept, PARTIAL > 20 %).
    trade_batch_secs : float
        ``"trades"`` mode with ``top_n``/``portion``: trades fed one at a time (``update_trade``) are selected
        per batch, a batch ending at each bar or after this many seconds of trade time (> 0).
    avg_position_usd : float
        Average position notional (USD) used to turn notional into an estimated liquidation count.
    cluster_method : str
        ``"quantile"`` or ``"sigma"`` threshold for cluster bins.
    cluster_quantile : float
        Quantile of non-empty bins for ``"quantile"``.
    cluster_k_sigma : float
        k for ``"sigma"``.
    cluster_max_gap : int
        Gaps of up to this many bins are merged into one cluster.
    max_clusters_per_side : int
        Largest clusters kept per side.
    magnet_dead_band : float
        Relative dead band of the bias.
    history_capacity : int
        Capacity of the snapshot ring buffer (0 disables it).
    extra : dict
        Free-form settings kept for adapters (unused by the engine).
    close_mode : str
        ``"pro_rata"`` (every open cohort shrinks by the same fraction on an OI decrease) or ``"newest_first"``
        (the most recently opened cohorts are closed first; cohorts live in ``cohort_layers`` layers, the
        oldest layers merged when more are needed).
    cohort_layers : int
        Cohort layers kept per side for ``"newest_first"`` (>= 2); memory ``cohort_layers × n_bins × n_tiers``
        float64 per side.
    hot_zone_share : float
        Share of an OI increase given to hot bars in ``"hot_zones"`` (in [0, 1]).
    hot_zone_volume_mult : float
        A bar is hot when its volume exceeds this multiple of the rolling mean volume (> 0).
    hot_zone_window : int
        Span (bars) of the exponential rolling mean of volume (>= 1).
    spike_k_sigma : float
        ``"oi_spikes"``: a change ΔOI is a spike when ``|ΔOI| > spike_k_sigma · σ`` of recent changes (> 0).
    spike_window : int
        Number of recent OI changes (USD) in σ (>= 2).
    spike_min_samples : int
        Changes needed before spikes are detected (>= 2, <= ``spike_window``).
    trade_selection : str
        ``"trades"`` mode selection, per side: ``"gross_value"`` (price × quantity >= ``trade_threshold`` USD),
        ``"top_n"`` (the ``trade_threshold`` largest of a batch) or ``"portion"`` (the top
        ``int(n · trade_threshold)`` of a batch).
    trade_threshold : float
        USD for ``"gross_value"``, a count for ``"top_n"``, a fraction in (0, 1] for ``"portion"``.
    taker_share_skew : float
        In [0, 1]: with taker imbalance ``I = (buy - sell) / (buy + sell)`` of the interval, an OI increase of
        ΔOI opens ``ΔOI·(1 + s·I)`` long and ``ΔOI·(1 - s·I)`` short notional (total still 2·ΔOI).
    taker_leverage_skew : float
        >= 0: the aggressive side's tier weights are tilted toward higher leverage by ``a = skew·I`` (the
        same bounded exponential tilt as ``dynamic``, see :func:`~liqheat_nautilus.core.leverage.tilt_weights`).
    funding_base_model : str
        Static model under ``"funding_adjusted"`` (``"simple"``, ``"isolated_mmr"``, ``"binance_standard"``;
        default ``"binance_standard"``, Binance's brackets).
    funding_interval_hours : float
        Settlement interval (h) of ``funding_adjusted``: at most one funding charge per interval (0: charge
        every settled update).
    ensemble_weights : dict[str, float] or None
        ``{model: weight}`` over the static models for ``"ensemble"`` (None: equal weights).
    tier_half_lives_hours : tuple[float, ...]
        Per-tier holding half-lives (h), one per leverage point, 0 = never closed by age; replaces
        ``half_life_hours`` when given (empty: ``half_life_hours`` for all).
    dynamic_sensitivity : float
        Tilt per unit funding rate of the ``dynamic`` profile (>= 0).
    dynamic_max_tilt : float
        Bound on the ``dynamic`` (and taker) tilt ``|a|`` (in [0, 3]).
    interval_entry_groups : int
        Cost cap of an open-interest reading (>= 0; 0: no cap): an interval with more bars than this has its
        consecutive bars merged into this many groups, each treated as one coarser bar (volume-weighted typical
        price, lowest low, highest high) by the intrabar rule, so a reading costs at most ``6 ×
        interval_entry_groups`` entries per side whatever the bar and open-interest resolutions. Intervals of at
        most this many bars (e.g. 1-minute bars with 5- or 15-minute open interest) are unchanged; see
        docs/methodology.md §10 for its measured effect.
    """

    tiers: tuple[float, ...] | None = None
    leverage_model: str = "tiers"
    leverage_profile: str | dict = "neutral"
    leverage_mean: float = 0.0
    leverage_std: float = 0.0
    model: str = "funding_adjusted"
    mmr: float = 0.004
    maintenance_amount: float = 0.0
    buffer: float = 0.0
    brackets: BracketTable = BINANCE_BTCUSDT_BRACKETS
    position_sizes_usd: tuple[float, ...] = (1_000.0, 10_000.0, 100_000.0, 1_000_000.0)
    position_size_weights: tuple[float, ...] = (0.3, 0.4, 0.2, 0.1)
    inverse: bool = False
    entry_mode: str = "volume_profile"
    bin_bps: float = 10.0
    bin_size: float = 0.0
    n_bins: int = 1000
    recentre_margin: float = 0.2
    regrid_ratio: float = 2.0
    half_life_hours: float = 72.0
    seed_lookback_hours: float = 336.0
    turnover_clock: str = "volume"
    side_split: str = "auto"
    funding_split_sensitivity: float = 2_500.0
    leveraged_share: float = 1.0
    turnover_floor: bool = True
    long_share_offset: float = 0.0
    status_rule: str = "path"
    trade_batch_secs: float = 60.0
    avg_position_usd: float = 10_000.0
    cluster_method: str = "quantile"
    cluster_quantile: float = 0.9
    cluster_k_sigma: float = 2.0
    cluster_max_gap: int = 1
    max_clusters_per_side: int = 8
    magnet_dead_band: float = 0.05
    history_capacity: int = 0
    extra: dict = field(default_factory=dict)
    close_mode: str = "pro_rata"
    cohort_layers: int = 8
    hot_zone_share: float = 0.7
    hot_zone_volume_mult: float = 1.0
    hot_zone_window: int = 60
    spike_k_sigma: float = 3.0
    spike_window: int = 48
    spike_min_samples: int = 8
    trade_selection: str = "gross_value"
    trade_threshold: float = 100_000.0
    taker_share_skew: float = 0.0
    taker_leverage_skew: float = 0.0
    funding_base_model: str = "binance_standard"
    funding_interval_hours: float = 8.0
    ensemble_weights: dict | None = None
    tier_half_lives_hours: tuple[float, ...] = ()
    dynamic_sensitivity: float = 2_000.0
    dynamic_max_tilt: float = 1.0
    interval_entry_groups: int = 64

    def leverage_points(self) -> tuple[float, ...]:
        """
        Return the leverage points (x) of the map's tier axis.

        Returns
        -------
        tuple[float, ...]
            ``tiers`` when given, else the leverage model's own: :data:`~.leverage.NORMAL_LEVERAGE_GRID` for
            ``"normal"``, :data:`~.leverage.DEFAULT_TIERS` for ``"tiers"``.
        """
        if self.tiers is not None:
            return tuple(float(t) for t in self.tiers)
        return NORMAL_LEVERAGE_GRID if self.leverage_model == "normal" else DEFAULT_TIERS

    def normal_mu_sigma(self) -> tuple[float, float]:
        """
        Return μ and σ (x) of the ``"normal"`` leverage model as the engine uses them.

        Returns
        -------
        tuple[float, float]
            ``leverage_mean`` / ``leverage_std`` where > 0, else the named profile's (``NORMAL_PROFILES``; the
            ``dynamic`` profile at zero funding and a ``{tier: weight}`` profile count as ``neutral``, 25x / 15x).
        """
        named = self.leverage_profile if isinstance(self.leverage_profile, str) else "neutral"
        mu, sigma = NORMAL_PROFILES.get(named, NORMAL_PROFILES["neutral"])
        return (self.leverage_mean or mu, self.leverage_std or sigma)

    def __post_init__(self) -> None:
        """Check every field; raise ``ValueError`` naming the invalid ones (wrong types first)."""
        mistyped = [f"{f.name}={getattr(self, f.name)!r} (expected {_TYPE_NAMES[f.type]})" for f in fields(self)
                    if f.type in _TYPE_NAMES and not _is_type(getattr(self, f.name), f.type)]
        if mistyped:
            raise ValueError(f"invalid liquidation-map parameter type(s): {', '.join(mistyped)}")
        if not isinstance(self.brackets, BracketTable):
            raise ValueError(f"invalid liquidation-map parameter type(s): brackets={self.brackets!r} (expected a "
                             "BracketTable, e.g. liqheat_nautilus.core.brackets.BINANCE_BTCUSDT_BRACKETS)")
        infinite = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                    if not _all_finite(getattr(self, f.name))]
        if infinite:  # inf passed the range checks below and failed later (OverflowError) or emptied the map
            raise ValueError(f"invalid liquidation-map parameter(s): {', '.join(infinite)} (numbers must be finite)")
        tiers = self.leverage_points()
        named = isinstance(self.leverage_profile, str)
        profiles = (*NORMAL_PROFILES, "dynamic") if self.leverage_model == "normal" else (*PROFILES, "dynamic")
        checks = {
            "model": self.model in MODELS,
            "entry_mode": self.entry_mode in ENTRY_MODES,
            "leverage_model": self.leverage_model in LEVERAGE_MODELS,
            "leverage_profile": (not named and len(self.leverage_profile) > 0) or self.leverage_profile in profiles,
            # μ and σ belong to the normal model: given with "tiers" they would be ignored silently (a misspelt
            # leverage_model is named by its own check, not again through them)
            "leverage_mean": 0.0 <= self.leverage_mean < 1e4 and (self.leverage_mean == 0.0
                                                                   or self.leverage_model != "tiers"),
            "leverage_std": 0.0 <= self.leverage_std < 1e4 and (self.leverage_std == 0.0
                                                                 or self.leverage_model != "tiers"),
            "mmr": 0.0 <= self.mmr < 1.0,
            "maintenance_amount": self.maintenance_amount >= 0.0,
            "buffer": 0.0 <= self.buffer < 1.0,
            "bin_bps": self.bin_bps > 0.0,
            "bin_size": self.bin_size >= 0.0,
            "n_bins": 8 <= self.n_bins <= MAX_BINS,
            "recentre_margin": 0.0 < self.recentre_margin < 0.5,
            "regrid_ratio": self.regrid_ratio == 0.0 or self.regrid_ratio > 1.0,
            "half_life_hours": self.half_life_hours >= 0.0,
            "seed_lookback_hours": self.seed_lookback_hours >= 0.0,
            "turnover_clock": self.turnover_clock in TURNOVER_CLOCKS,
            "side_split": self.side_split in SIDE_SPLITS,
            "funding_split_sensitivity": self.funding_split_sensitivity >= 0.0,
            "leveraged_share": 0.0 < self.leveraged_share <= 1.0,
            "long_share_offset": -0.45 <= self.long_share_offset <= 0.45,
            "status_rule": self.status_rule in STATUS_RULES,
            "trade_batch_secs": self.trade_batch_secs > 0.0,
            "avg_position_usd": self.avg_position_usd > 0.0,
            "cluster_method": self.cluster_method in ("quantile", "sigma"),
            "cluster_quantile": 0.0 <= self.cluster_quantile < 1.0,
            "cluster_k_sigma": self.cluster_k_sigma > 0.0,
            "cluster_max_gap": self.cluster_max_gap >= 0,
            "max_clusters_per_side": self.max_clusters_per_side >= 1,
            "magnet_dead_band": 0.0 <= self.magnet_dead_band < 1.0,
            "history_capacity": 0 <= self.history_capacity <= MAX_HISTORY_CELLS // max(self.n_bins, 1),
            "position_sizes_usd": len(self.position_sizes_usd) == len(self.position_size_weights) > 0
            and all(s > 0 for s in self.position_sizes_usd)
            and all(w >= 0 for w in self.position_size_weights)
            and sum(self.position_size_weights) > 0,
            "close_mode": self.close_mode in CLOSE_MODES,
            "cohort_layers": 2 <= self.cohort_layers <= 64,
            "hot_zone_share": 0.0 <= self.hot_zone_share <= 1.0,
            "hot_zone_volume_mult": self.hot_zone_volume_mult > 0.0,
            "hot_zone_window": self.hot_zone_window >= 1,
            "spike_k_sigma": self.spike_k_sigma > 0.0,
            "spike_window": self.spike_window >= 2,
            "spike_min_samples": 2 <= self.spike_min_samples <= self.spike_window,
            "trade_selection": self.trade_selection in TRADE_SELECTIONS,
            "trade_threshold": self.trade_threshold > 0.0
            and (self.trade_selection != "portion" or self.trade_threshold <= 1.0)
            and (self.trade_selection != "top_n" or float(self.trade_threshold).is_integer()),
            "taker_share_skew": 0.0 <= self.taker_share_skew <= 1.0,
            "taker_leverage_skew": self.taker_leverage_skew >= 0.0,
            "funding_base_model": self.funding_base_model in STATIC_MODELS,
            "funding_interval_hours": self.funding_interval_hours >= 0.0,
            "ensemble_weights": self.ensemble_weights is None
            or (
                len(self.ensemble_weights) > 0
                and all(m in STATIC_MODELS for m in self.ensemble_weights)
                and all(w >= 0.0 for w in self.ensemble_weights.values())
                and sum(self.ensemble_weights.values()) > 0.0
            ),
            "tier_half_lives_hours": len(self.tier_half_lives_hours) in (0, len(tiers))
            and all(h >= 0.0 for h in self.tier_half_lives_hours),
            "dynamic_sensitivity": self.dynamic_sensitivity >= 0.0,
            "dynamic_max_tilt": 0.0 <= self.dynamic_max_tilt <= 3.0,
            "interval_entry_groups": self.interval_entry_groups >= 0,
            # leverage >= 1 (1x positions are never liquidated on the long side); MMR and buffer below the
            # highest leverage's 1/L so that a long's level lies below its entry
            "tiers": len(tiers) > 0 and all(t >= 1.0 for t in tiers) and len(set(tiers)) == len(tiers),
        }
        if checks["tiers"]:
            inv_max = 1.0 / max(tiers)
            checks["mmr"] = checks["mmr"] and self.mmr < inv_max
            checks["buffer"] = checks["buffer"] and self.buffer < inv_max
        if named and self.leverage_model == "tiers" and self.tiers is not None and tiers != DEFAULT_TIERS:
            checks["leverage_profile"] = False  # the named tier profiles are defined on DEFAULT_TIERS
        weights_problem = ""
        if not named and checks["leverage_profile"] and checks["tiers"]:  # the engine failed on it, naming no field
            try:
                leverage_weights(self.leverage_profile, tiers)
            except (ValueError, TypeError) as exc:
                checks["leverage_profile"], weights_problem = False, str(exc)
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            choices = {"model": MODELS, "entry_mode": ENTRY_MODES, "leverage_model": LEVERAGE_MODELS,
                       "leverage_profile": profiles, "turnover_clock": TURNOVER_CLOCKS, "side_split": SIDE_SPLITS,
                       "status_rule": STATUS_RULES, "close_mode": CLOSE_MODES, "trade_selection": TRADE_SELECTIONS,
                       "cluster_method": ("quantile", "sigma"), "funding_base_model": STATIC_MODELS}
            rules = {**_RULES, **{name: f"one of {', '.join(values)}" for name, values in choices.items()}}
            if checks["tiers"]:
                top = max(tiers)
                for name in ("mmr", "buffer"):
                    rules[name] = f"in [0, 1/{top:g}) = [0, {1.0 / top:.6g}): below 1/the highest leverage"
            if named and self.leverage_model == "tiers" and self.tiers is not None:
                rules["leverage_profile"] += " (named profiles need the default tiers; give a dict of weights)"
            if weights_problem:
                rules["leverage_profile"] = f"{{tier: weight}} on the leverage points {list(tiers)}: {weights_problem}"
            values = ", ".join(f"{name}={getattr(self, name)!r}" + (f" ({rules[name]})" if name in rules else "")
                               for name in bad)
            raise ValueError(f"invalid liquidation-map parameter(s): {values}")
