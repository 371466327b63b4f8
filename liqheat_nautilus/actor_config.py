"""``LiquidationMapActorConfig``: the configuration of :class:`~liqheat_nautilus.actor.LiquidationMapActor`."""

import dataclasses
from typing import Any

from nautilus_trader.common.config import ActorConfig, NonNegativeFloat, NonNegativeInt, PositiveInt
from nautilus_trader.core.correctness import PyCondition
from nautilus_trader.model.data import BarType
from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus.core.params import MapParams
from liqheat_nautilus.core.profile import load_profile
from liqheat_nautilus.data import RATIO_KINDS
from liqheat_nautilus.validation import instrument_and_bar_type, instrument_ids, whole_number

_MAP_DEFAULTS = MapParams()  # the actor config's defaults are the engine's


class LiquidationMapActorConfig(ActorConfig, frozen=True):
    """
    Configuration of :class:`LiquidationMapActor` (a msgspec struct, usable in ``ImportableActorConfig``).

    Parameters
    ----------
    instrument_id : InstrumentId
        The perpetual instrument (a string such as ``"BTCUSDT-PERP.BINANCE"`` is parsed).
    bar_type : BarType
        Bars of that instrument feeding the map (1-minute recommended; a string is parsed).
    subscribe_trade_ticks : bool, default False
        Also sweep levels with trade prices.
    publish_interval_secs : int, default 3600
        Publish clusters and a snapshot on the first bar at or after each interval (seconds), and on the first bar
        after an open-interest update that changed the clusters (see :class:`LiquidationMapActor`); >= 0, 0 = on
        every bar once the map is initialized.
    model : str, default "funding_adjusted"
        Liquidation-price model (see :class:`~liqheat_nautilus.core.params.MapParams`; the default moves Binance's
        bracket levels, ``funding_base_model = "binance_standard"``, by the funding each position paid).
    leverage_profile : str, default "neutral"
        Leverage distribution profile.
    leverage_weights : dict[str, float], optional
        User ``{tier: weight}`` (tier as a string, e.g. ``{"10": 0.5, "25": 0.5}``); overrides the profile.
    mmr : float, default 0.004
        Maintenance margin rate of ``isolated_mmr`` (fraction).
    bin_bps : float, default 10.0
        Bin width in basis points of the first price.
    bin_size : float, default 0.0
        Absolute bin width (price); overrides ``bin_bps`` when > 0.
    n_bins : int, default 1000
        Bins in the re-centring grid.
    half_life_hours : float, default 72.0
        Holding half-life of positions (turnover; 0 = never closed by age). Every default of this config is
        :class:`~liqheat_nautilus.core.params.MapParams`' own, so the actor without options is the default map.
    cluster_quantile : float, default 0.9
        Bin notional quantile a cluster bin must reach.
    max_clusters_per_side : int, default 8
        Clusters published per side.
    avg_position_usd : float, default 10000.0
        Average position notional (USD) for liquidation counts.
    magnet_dead_band : float, default 0.05
        Relative dead band of the bias.
    history_capacity : int, default 0
        Snapshot ring-buffer capacity for heatmaps (0 = off).
    long_short_ratio_kind : str, default "accounts"
        Which :class:`~liqheat_nautilus.data.LongShortRatio` rows split open interest between the sides (one of
        ``RATIO_KINDS``: ``"accounts"``, ``"top_trader_accounts"``, ``"top_trader_positions"``); the others are
        ignored.
    map_profile : str, optional
        Path of a map profile file (``liqheat calibrate`` writes them; see
        :mod:`liqheat_nautilus.core.profile`): its ``[map]`` fields replace the fields above.
    map_params_extra : dict, optional
        Any other :class:`~liqheat_nautilus.core.params.MapParams` field by name (e.g.
        ``{"entry_mode": "vwap", "close_mode": "newest_first", "cluster_max_gap": 2}``); lists become tuples.
        Applied last (over the profile).
    oi_instrument_ids : list[str], optional
        Instruments whose open interest is summed to scale the map (e.g.
        ``["BTCUSDT-PERP.BINANCE", "BTCUSD-PERP.BINANCE", "BTCUSDT-LINEAR.BYBIT", "BTC-USDT-SWAP.OKX"]``), keyed by
        ``OpenInterest.instrument_id`` (its ``venue`` field is not used); the map updates only once every instrument
        has reported. ``None``: the instrument's own open interest.
    oi_max_age_secs : int, default 0
        An instrument's open interest older than this (seconds, relative to the newest report) is stale and holds
        the map's open-interest updates back until it reports again (0 = never stale).
    warmup_lookback_secs : int, default 0
        On start, request this much history (seconds before now) so the map is seeded from it before the first
        signal (0 = no warm-up; 1,209,600 = the seed's 14-day lookback). Bars of ``bar_type`` come from the
        default client of the venue (or a catalog). Until every request has answered (or
        ``warmup_timeout_secs`` passed) history *and* live data are held back; then everything is fed in time
        order (bars, funding, ratios, taker volume, open interest at equal times), so the first open-interest
        reading seeds the map from the bars before it, as in a backtest.
    warmup_timeout_secs : int, default 120
        Longest wait for the warm-up requests before feeding what arrived.
    warmup_bars : bool, default True
        Request ``bar_type`` bars for the warm-up (``request_bars``).
    warmup_client_id : str, optional
        Client serving open-interest and funding history (``request_data``), e.g. ``"LIQHEAT_OI"`` (the live
        poller); ``None``: no open-interest/funding warm-up.
    liquidation_client_id : str, optional
        Client to subscribe :class:`~liqheat_nautilus.data.LiquidationEvent` from (e.g. ``"BINANCE"``); ``None``:
        only listen (another component subscribes).
    liquidation_match_pct : float, default 0.25
        A liquidation print confirms a same-side cluster whose zone, widened by this percent of price on each
        side, contains the print's price.
    max_liquidation_events : int, default 10000
        Liquidation prints kept in :attr:`LiquidationMapActor.liquidation_events`.
    publish_bins : bool, default False
        Also publish :class:`~liqheat_nautilus.data.LiquidationMapBins` (notional per bin and tier) with each
        snapshot, for recordings, Redis consumers and ``liqheat serve``. Backtest files with ``record = true`` and
        live files with a ``[message_bus]`` turn it on unless the actor's config sets it
        (:func:`~liqheat_nautilus.recording.with_bins_published`).
    """

    instrument_id: InstrumentId
    bar_type: BarType
    subscribe_trade_ticks: bool = False
    publish_interval_secs: NonNegativeInt = 3600
    model: str = _MAP_DEFAULTS.model
    leverage_profile: str = "neutral"
    leverage_weights: dict[str, float] | None = None
    mmr: float = _MAP_DEFAULTS.mmr
    bin_bps: float = _MAP_DEFAULTS.bin_bps
    bin_size: float = _MAP_DEFAULTS.bin_size
    n_bins: int = _MAP_DEFAULTS.n_bins
    half_life_hours: float = _MAP_DEFAULTS.half_life_hours
    cluster_quantile: float = _MAP_DEFAULTS.cluster_quantile
    max_clusters_per_side: int = _MAP_DEFAULTS.max_clusters_per_side
    avg_position_usd: float = _MAP_DEFAULTS.avg_position_usd
    magnet_dead_band: float = _MAP_DEFAULTS.magnet_dead_band
    history_capacity: int = _MAP_DEFAULTS.history_capacity
    long_short_ratio_kind: str = "accounts"
    map_profile: str | None = None
    map_params_extra: dict | None = None
    oi_instrument_ids: list[str] | None = None
    oi_max_age_secs: NonNegativeInt = 0
    warmup_lookback_secs: NonNegativeInt = 0
    warmup_timeout_secs: PositiveInt = 120
    warmup_bars: bool = True
    warmup_client_id: str | None = None
    liquidation_client_id: str | None = None
    liquidation_match_pct: NonNegativeFloat = 0.25
    max_liquidation_events: PositiveInt = 10_000
    publish_bins: bool = False

    def __post_init__(self) -> None:
        """
        Validate the config when it is built (a bad value fails here, not mid-run or silently).

        Raises
        ------
        TypeError
            If ``instrument_id`` / ``bar_type`` are neither an ``InstrumentId`` / ``BarType`` nor a string (a
            string is parsed with ``InstrumentId.from_str`` / ``BarType.from_str``).
        ValueError
            Naming the field: an ``instrument_id`` / ``bar_type`` string that does not parse, ``bar_type`` of
            another instrument than ``instrument_id``, an interval, age, lookback, timeout or count that is not a
            whole number, a negative interval, age, lookback or match percentage, a
            non-positive ``warmup_timeout_secs`` or ``max_liquidation_events``, an ``oi_instrument_ids`` entry that
            is not an instrument id or is listed twice, an unknown ``long_short_ratio_kind``, or an invalid map
            parameter (see :meth:`map_params`).
        """
        instrument_and_bar_type(self, "the map needs the prices of the instrument whose open interest it places")
        for name in ("publish_interval_secs", "oi_max_age_secs", "warmup_lookback_secs", "warmup_timeout_secs",
                     "max_liquidation_events"):  # also in Python (the field types apply when a file is decoded)
            whole_number(getattr(self, name), f"LiquidationMapActorConfig.{name}",
                         positive=name in ("warmup_timeout_secs", "max_liquidation_events"))
        PyCondition.not_negative(self.liquidation_match_pct, "LiquidationMapActorConfig.liquidation_match_pct")
        instrument_ids(self.oi_instrument_ids, "LiquidationMapActorConfig.oi_instrument_ids")
        if self.long_short_ratio_kind not in RATIO_KINDS:
            raise ValueError(f"long_short_ratio_kind {self.long_short_ratio_kind!r} is not one of {list(RATIO_KINDS)}")
        self.map_params()

    def map_params(self, inverse: bool = False, inverse_known: bool = False) -> MapParams:
        """
        Return the engine parameters of this config.

        Parameters
        ----------
        inverse : bool, default False
            Whether the instrument is coin-margined.
        inverse_known : bool, default False
            Whether ``inverse`` is the instrument's definition (the actor's instrument, a catalog's), not a
            default: then an ``inverse = true`` from ``map_profile`` or ``map_params_extra`` over a linear
            instrument is refused (the map would otherwise silently take the instrument's contract).

        Returns
        -------
        MapParams

        Raises
        ------
        ValueError
            If a parameter is out of range (the message names it), ``leverage_weights`` is not a {tier: weight}
            mapping, the profile file cannot be read, or
            ``entry_mode = "trades"`` with a ``top_n``/``portion`` selection is configured without
            ``subscribe_trade_ticks`` (the map would never open a position).
            Also if ``inverse_known`` and ``map_profile`` or ``map_params_extra`` sets ``inverse = true`` for a
            linear instrument (naming the source and the instrument).
        """
        profile: Any = self.leverage_profile
        if self.leverage_weights:
            try:
                profile = {float(k): float(v) for k, v in self.leverage_weights.items()}
            except (TypeError, ValueError):
                raise ValueError("LiquidationMapActorConfig.leverage_weights must map leverage tiers to weights, "
                                 f"e.g. {{'10': 0.5, '25': 0.5}}, got {self.leverage_weights!r}") from None
        fields: dict[str, Any] = {
            "leverage_profile": profile, "model": self.model, "mmr": self.mmr, "bin_bps": self.bin_bps,
            "bin_size": self.bin_size, "n_bins": self.n_bins, "half_life_hours": self.half_life_hours,
            "cluster_quantile": self.cluster_quantile, "max_clusters_per_side": self.max_clusters_per_side,
            "avg_position_usd": self.avg_position_usd, "magnet_dead_band": self.magnet_dead_band,
            "history_capacity": self.history_capacity, "inverse": inverse,
        }
        if self.map_profile:
            fields.update(load_profile(self.map_profile))
        known = {f.name for f in dataclasses.fields(MapParams)}
        for name, value in (self.map_params_extra or {}).items():
            if name not in known:
                raise ValueError(f"map_params_extra: {name!r} is not a MapParams field; known: {sorted(known)}")
            fields[name] = tuple(value) if isinstance(value, list) else value
        try:
            params = MapParams(**fields)
        except ValueError as exc:  # the weights are this config's leverage_weights: name that field
            if self.leverage_weights and "leverage_profile=" in str(exc):
                raise ValueError(f"LiquidationMapActorConfig.leverage_weights: {exc}") from None
            raise
        if params.inverse and not inverse and inverse_known:  # the profile / extra contradicts the instrument
            source = f"map_profile {self.map_profile}" if self.map_profile and "inverse" not in (
                self.map_params_extra or {}) else "map_params_extra"
            raise ValueError(f"{source}: inverse = true contradicts the instrument {self.instrument_id}, which is "
                             "linear (is_inverse=False); drop inverse: the instrument's definition decides")
        if params.entry_mode == "trades" and not self.subscribe_trade_ticks:
            raise ValueError("entry_mode 'trades' opens positions from trade ticks: set subscribe_trade_ticks = true "
                             "(or choose another entry_mode)")
        return params
