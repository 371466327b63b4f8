"""``LiquidationMapActor``: feeds a :class:`LiquidationMap` from the message bus and publishes its signals."""

from nautilus_trader.common.actor import Actor
from nautilus_trader.common.config import ActorConfig
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import Bar, BarType, CustomData, DataType, TradeTick
from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus.core.clusters import ClusterInfo
from liqheat_nautilus.core.params import MapParams
from liqheat_nautilus.data import FundingRate, LiquidationCluster, LiquidationMapSnapshot, OpenInterest
from liqheat_nautilus.indicator import LiquidationMap

NS_PER_SECOND = 1_000_000_000


class LiquidationMapActorConfig(ActorConfig, frozen=True):
    """
    Configuration of :class:`LiquidationMapActor` (a msgspec struct, usable in ``ImportableActorConfig``).

    Parameters
    ----------
    instrument_id : InstrumentId
        The perpetual instrument.
    bar_type : BarType
        Bars feeding the map (1-minute recommended).
    subscribe_trade_ticks : bool, default False
        Also sweep levels with trade prices.
    publish_interval_secs : int, default 3600
        Publish clusters and a snapshot on the first bar at or after each interval (seconds), and after each
        open-interest update.
    model : str, default "isolated_mmr"
        Liquidation-price model (see :class:`~liqheat_nautilus.core.params.MapParams`).
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
    half_life_hours : float, default 0.0
        Cohort decay half-life (0 = none).
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
    """

    instrument_id: InstrumentId
    bar_type: BarType
    subscribe_trade_ticks: bool = False
    publish_interval_secs: int = 3600
    model: str = "isolated_mmr"
    leverage_profile: str = "neutral"
    leverage_weights: dict[str, float] | None = None
    mmr: float = 0.004
    bin_bps: float = 10.0
    bin_size: float = 0.0
    n_bins: int = 1000
    half_life_hours: float = 0.0
    cluster_quantile: float = 0.9
    max_clusters_per_side: int = 8
    avg_position_usd: float = 10_000.0
    magnet_dead_band: float = 0.05
    history_capacity: int = 0

    def map_params(self, inverse: bool = False) -> MapParams:
        """
        The engine parameters of this config.

        Parameters
        ----------
        inverse : bool, default False
            Whether the instrument is coin-margined.

        Returns
        -------
        MapParams

        Raises
        ------
        ValueError
            If a parameter is out of range (the message names it).
        """
        profile = (
            {float(k): float(v) for k, v in self.leverage_weights.items()}
            if self.leverage_weights
            else self.leverage_profile
        )
        return MapParams(
            leverage_profile=profile, model=self.model, mmr=self.mmr, bin_bps=self.bin_bps,
            bin_size=self.bin_size, n_bins=self.n_bins, half_life_hours=self.half_life_hours,
            cluster_quantile=self.cluster_quantile, max_clusters_per_side=self.max_clusters_per_side,
            avg_position_usd=self.avg_position_usd, magnet_dead_band=self.magnet_dead_band,
            history_capacity=self.history_capacity, inverse=inverse,
        )


class LiquidationMapActor(Actor):
    """
    Runs a :class:`LiquidationMap` on bars, open interest and funding, and publishes its signals.

    Subscribes to ``config.bar_type`` bars (and trade ticks when configured) and to the
    :class:`~liqheat_nautilus.data.OpenInterest` / :class:`~liqheat_nautilus.data.FundingRate` custom data of
    ``config.instrument_id``. Publishes :class:`~liqheat_nautilus.data.LiquidationCluster` and
    :class:`~liqheat_nautilus.data.LiquidationMapSnapshot` with
    ``DataType(cls, metadata={"instrument_id": "<id>"})``: subscribe to that (or to ``DataType(cls)``) to receive
    them. Clusters are published before the snapshot of the same update.

    Parameters
    ----------
    config : LiquidationMapActorConfig
        The configuration.
    """

    def __init__(self, config: LiquidationMapActorConfig) -> None:
        super().__init__(config)
        self.map: LiquidationMap | None = None
        self._metadata = {"instrument_id": config.instrument_id.value}
        self._cluster_type = DataType(LiquidationCluster, metadata=self._metadata)
        self._snapshot_type = DataType(LiquidationMapSnapshot, metadata=self._metadata)
        self._interval_ns = int(config.publish_interval_secs) * NS_PER_SECOND
        self._next_publish_ns = 0
        self._oi_pending = False
        self.clusters_published = 0
        self.snapshots_published = 0
        self.last_snapshot: LiquidationMapSnapshot | None = None

    def on_start(self) -> None:
        """Build the map and subscribe to bars, trades (optional), open interest and funding."""
        instrument = self.cache.instrument(self.config.instrument_id)
        inverse = bool(instrument.is_inverse) if instrument is not None else False
        self.map = LiquidationMap(self.config.map_params(inverse=inverse))
        self.register_indicator_for_bars(self.config.bar_type, self.map)
        self.subscribe_bars(self.config.bar_type)
        if self.config.subscribe_trade_ticks:
            self.register_indicator_for_trade_ticks(self.config.instrument_id, self.map)
            self.subscribe_trade_ticks(self.config.instrument_id)
        self.subscribe_data(DataType(OpenInterest))
        self.subscribe_data(DataType(FundingRate))

    def on_reset(self) -> None:
        """Reset the map (``engine.reset()`` does not reset indicators) and the counters."""
        if self.map is not None:
            self.map.reset()
        self._next_publish_ns = 0
        self._oi_pending = False
        self.clusters_published = self.snapshots_published = 0
        self.last_snapshot = None

    def on_data(self, data: Data) -> None:
        """Feed open interest and funding of the configured instrument to the map."""
        if isinstance(data, CustomData):
            data = data.data
        if self.map is None or getattr(data, "instrument_id", None) != self.config.instrument_id:
            return
        if isinstance(data, OpenInterest):
            self.map.handle_open_interest(data)
            self._oi_pending = True
        elif isinstance(data, FundingRate):
            self.map.handle_funding_rate(data)

    def on_bar(self, bar: Bar) -> None:
        """Publish after an open-interest update or when the publish interval has elapsed."""
        if bar.bar_type != self.config.bar_type or self.map is None:
            return
        if self._oi_pending or bar.ts_event >= self._next_publish_ns:
            self.publish_map(bar.ts_event)

    def on_trade_tick(self, tick: TradeTick) -> None:
        """Trade ticks only feed the map (registered indicator); nothing to do here."""

    def publish_map(self, ts_ns: int) -> None:
        """
        Publish the current clusters and a snapshot (no-op until the map is initialized).

        Parameters
        ----------
        ts_ns : int
            ``ts_event``/``ts_init`` of the published data (UNIX ns).
        """
        self._oi_pending = False
        self._next_publish_ns = ts_ns + self._interval_ns
        if not self.map.initialized:
            return
        infos = self.map.update_clusters()
        for info in infos:
            self.publish_data(self._cluster_type, self._to_cluster(info, ts_ns))
        self.clusters_published += len(infos)
        snapshot = self._to_snapshot(infos, ts_ns)
        self.publish_data(self._snapshot_type, snapshot)
        self.snapshots_published += 1
        self.last_snapshot = snapshot
        self.map.engine.record_history()

    def _to_cluster(self, c: ClusterInfo, ts_ns: int) -> LiquidationCluster:
        return LiquidationCluster(
            instrument_id=self.config.instrument_id, cluster_id=c.cluster_id, side=c.side,
            price_level=c.price_level, price_low=c.price_low, price_high=c.price_high,
            leverage_tier=c.leverage_tier, notional_usd=c.notional_usd, liquidation_count=c.liquidation_count,
            strength=c.strength, distance_pct=c.distance_pct, status=c.status, first_seen=c.first_seen,
            last_seen=c.last_seen, ts_event=ts_ns, ts_init=ts_ns,
        )

    def _to_snapshot(self, infos: list[ClusterInfo], ts_ns: int) -> LiquidationMapSnapshot:
        engine = self.map.engine
        price = engine.price
        live = [c for c in infos if c.status != "CLEARED"]
        above = min((c for c in live if c.price_level > price), key=lambda c: c.price_level, default=None)
        below = max((c for c in live if c.price_level < price), key=lambda c: c.price_level, default=None)
        magnet = engine.magnet()
        swept_long, swept_short = engine.take_swept()
        nan = float("nan")
        return LiquidationMapSnapshot(
            instrument_id=self.config.instrument_id, price=price, total_oi_usd=engine.open_interest_usd,
            long_liquidation_usd=float(engine.long.usd.sum()), short_liquidation_usd=float(engine.short.usd.sum()),
            swept_long_usd=swept_long, swept_short_usd=swept_short, magnet_up=magnet.up,
            magnet_down=magnet.down, magnet_net=magnet.net, bias=magnet.bias,
            nearest_above_price=above.price_level if above else nan,
            nearest_above_usd=above.notional_usd if above else 0.0,
            nearest_above_id=above.cluster_id if above else -1,
            nearest_below_price=below.price_level if below else nan,
            nearest_below_usd=below.notional_usd if below else 0.0,
            nearest_below_id=below.cluster_id if below else -1,
            ts_event=ts_ns, ts_init=ts_ns,
        )
