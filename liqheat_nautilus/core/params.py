"""Parameters of the liquidation-map engine (pure Python; the Nautilus configs map onto it)."""

from dataclasses import dataclass, field

from liqheat_nautilus.core.brackets import BINANCE_BTCUSDT_BRACKETS, BracketTable
from liqheat_nautilus.core.leverage import DEFAULT_TIERS

STATIC_MODELS = ("simple", "isolated_mmr", "binance_standard")
MODELS = (*STATIC_MODELS, "funding_adjusted", "ensemble")
ENTRY_MODES = ("volume_profile", "vwap", "hot_zones", "oi_spikes", "trades")
CLOSE_MODES = ("pro_rata", "newest_first")
TRADE_SELECTIONS = ("gross_value", "top_n", "portion")


@dataclass(frozen=True)
class MapParams:
    """
    Every parameter of :class:`~liqheat_nautilus.core.engine.LiquidationMapEngine`.

    Parameters
    ----------
    tiers : tuple[float, ...]
        Leverage tiers (x).
    leverage_profile : str or dict[float, float]
        ``"conservative"``, ``"neutral"``, ``"aggressive"``, ``"dynamic"`` or ``{tier: weight}``.
    model : str
        Liquidation-price model: ``"simple"`` (``entry·(1 ∓ 1/L ± buffer)``), ``"isolated_mmr"`` (Binance
        isolated formula with ``mmr`` and ``maintenance_amount``), ``"binance_standard"`` (default; the isolated formula
        with MMR and maintenance amount from ``brackets`` for each assumed position size),
        ``"funding_adjusted"`` (``funding_base_model`` whose levels move with the funding each cohort pays or
        receives after it opened) or ``"ensemble"`` (mixture of the static models by ``ensemble_weights``).
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
    half_life_hours : float
        Exponential decay half-life of open cohorts in hours, applied at OI updates; 0 disables decay.
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
        Static model under ``"funding_adjusted"`` (``"simple"``, ``"isolated_mmr"``, ``"binance_standard"``).
    funding_interval_hours : float
        Settlement interval (h) of ``funding_adjusted``: at most one funding charge per interval (0: charge
        every settled update).
    ensemble_weights : dict[str, float] or None
        ``{model: weight}`` over the static models for ``"ensemble"`` (None: equal weights).
    tier_half_lives_hours : tuple[float, ...]
        Per-tier half-lives (h), one per tier, 0 = no decay for that tier; replaces ``half_life_hours`` when
        given (empty: use ``half_life_hours`` for all tiers).
    dynamic_sensitivity : float
        Tilt per unit funding rate of the ``dynamic`` profile (>= 0).
    dynamic_max_tilt : float
        Bound on the ``dynamic`` (and taker) tilt ``|a|`` (in [0, 3]).
    net_liquidations : bool
        OI-delta modes: a liquidation also lowers open interest, so the notional swept on a side since the
        previous OI update is added back to that side's flow: each side changes by ``ΔOI + swept_side``
        (opened when > 0, closed when < 0) instead of ``ΔOI``; the map's side totals then follow open interest.
        False keeps the plain rule (an OI decrease closes ``|ΔOI|`` from survivors, so liquidations that caused
        it are removed twice).
    """

    tiers: tuple[float, ...] = DEFAULT_TIERS
    leverage_profile: str | dict = "neutral"
    model: str = "binance_standard"
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
    half_life_hours: float = 0.0
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
    funding_base_model: str = "isolated_mmr"
    funding_interval_hours: float = 8.0
    ensemble_weights: dict | None = None
    tier_half_lives_hours: tuple[float, ...] = ()
    dynamic_sensitivity: float = 2_000.0
    dynamic_max_tilt: float = 1.0
    net_liquidations: bool = False

    def __post_init__(self) -> None:
        checks = {
            "model": self.model in MODELS,
            "entry_mode": self.entry_mode in ENTRY_MODES,
            "mmr": 0.0 <= self.mmr < 1.0,
            "maintenance_amount": self.maintenance_amount >= 0.0,
            "buffer": 0.0 <= self.buffer < 1.0,
            "bin_bps": self.bin_bps > 0.0,
            "bin_size": self.bin_size >= 0.0,
            "n_bins": self.n_bins >= 8,
            "recentre_margin": 0.0 < self.recentre_margin < 0.5,
            "half_life_hours": self.half_life_hours >= 0.0,
            "avg_position_usd": self.avg_position_usd > 0.0,
            "cluster_method": self.cluster_method in ("quantile", "sigma"),
            "cluster_quantile": 0.0 <= self.cluster_quantile < 1.0,
            "cluster_max_gap": self.cluster_max_gap >= 0,
            "max_clusters_per_side": self.max_clusters_per_side >= 1,
            "magnet_dead_band": 0.0 <= self.magnet_dead_band < 1.0,
            "history_capacity": self.history_capacity >= 0,
            "position_sizes_usd": len(self.position_sizes_usd) == len(self.position_size_weights) > 0
            and all(s > 0 for s in self.position_sizes_usd)
            and all(w >= 0 for w in self.position_size_weights)
            and sum(self.position_size_weights) > 0,
            "close_mode": self.close_mode in CLOSE_MODES,
            "cohort_layers": self.cohort_layers >= 2,
            "hot_zone_share": 0.0 <= self.hot_zone_share <= 1.0,
            "hot_zone_volume_mult": self.hot_zone_volume_mult > 0.0,
            "hot_zone_window": self.hot_zone_window >= 1,
            "spike_k_sigma": self.spike_k_sigma > 0.0,
            "spike_window": self.spike_window >= 2,
            "spike_min_samples": 2 <= self.spike_min_samples <= self.spike_window,
            "trade_selection": self.trade_selection in TRADE_SELECTIONS,
            "trade_threshold": self.trade_threshold > 0.0
            and (self.trade_selection != "portion" or self.trade_threshold <= 1.0),
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
            "tier_half_lives_hours": len(self.tier_half_lives_hours) in (0, len(self.tiers))
            and all(h >= 0.0 for h in self.tier_half_lives_hours),
            "dynamic_sensitivity": self.dynamic_sensitivity >= 0.0,
            "dynamic_max_tilt": 0.0 <= self.dynamic_max_tilt <= 3.0,
            # a long's level must lie below its entry: MMR and buffer below the highest tier's 1/L
            "tiers": len(self.tiers) > 0 and all(t > 1.0 for t in self.tiers),
        }
        if checks["tiers"]:
            inv_max = 1.0 / max(self.tiers)
            checks["mmr"] = checks["mmr"] and self.mmr < inv_max
            checks["buffer"] = checks["buffer"] and self.buffer < inv_max
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            values = ", ".join(f"{name}={getattr(self, name)!r}" for name in bad)
            raise ValueError(f"invalid liquidation-map parameter(s): {values}")
