"""Typed response models of the ``liqheat serve`` API (pydantic; they document the OpenAPI schema, with units).

Units everywhere: prices in the instrument's quote currency (USDT for the shipped instruments), notional in USD,
leverage in x, distances in percent of price, funding rates as fractions per funding interval, times as UNIX
nanoseconds (``*_ns``) with an ISO-8601 UTC copy where useful. Values the JSON cannot carry (NaN) are ``null``.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Mode = Literal["catalog", "live"]
Source = Literal["replay", "recording", "live"]
State = Literal["INITIALIZING", "READY", "ERROR"]
# The names of core.enums.Side, ClusterStatus and Bias, restated as Literal types: mypy checks the API models
# against them statically (a Literal cannot be built from an enum at type-check time), and the enum classes as
# field types would change the OpenAPI schema (a $ref to a named enum instead of an inline one).
SideName = Literal["LONG", "SHORT"]
StatusName = Literal["ACTIVE", "PARTIAL", "CLEARED"]
BiasName = Literal["UP", "DOWN", "UNBIASED"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TimeSpan(_Model):
    """The times a request could have asked about (a 404 for a time or window without a map update)."""

    start: str = Field(description="First valid time: the map's first update (ISO-8601 UTC).")
    end: str = Field(description="Last valid time (ISO-8601 UTC): for `at`, the data's end (a live node: its latest "
                                 "update); for a window, the map's last update.")
    start_ns: int = Field(description="`start` in UNIX ns.")
    end_ns: int = Field(description="`end` in UNIX ns.")


class ErrorDetail(_Model):
    """A 404: what was not found; for an unknown name the valid ones, for a time without a map update its span."""

    detail: str = Field(description="What was wrong with the request.")
    known: list[str] | None = Field(default=None, description="Unknown instrument or run only: the valid values "
                                                                "(e.g. the known instrument ids).")
    span: TimeSpan | None = Field(default=None, description="A time or window without a map update only: the "
                                                              "times with one (absent when the map has none).")


class ValidationItem(BaseModel):
    """One invalid request field (FastAPI's validation error layout; ``input`` and ``ctx`` may follow)."""

    model_config = ConfigDict(extra="allow")
    loc: list[str | int] = Field(description="Where the field is, e.g. ['query', 'at'].")
    msg: str = Field(description="Why it is invalid.")
    type: str = Field(description="Error kind.")


class ValidationErrorResponse(_Model):
    """422: one or more request fields are invalid; each item names its field."""

    detail: list[ValidationItem] = Field(description="One item per invalid request field.")


class Health(_Model):
    """Liveness."""

    status: Literal["ok"] = Field(description="Always 'ok' when the server answers.")
    mode: Mode = Field(description="'catalog' (historical replays and recordings) or 'live' (Redis streams).")
    version: str = Field(description="liqheat-nautilus version.")
    time_ns: int = Field(description="Server time (UNIX ns).")


class RunInfo(_Model):
    """A recorded backtest run in the catalog (``record = true``)."""

    run_id: str = Field(description="The run's kernel instance id (UUID); pass it as `run`.")
    instruments: list[str] = Field(description="Instruments with recorded map updates.")
    strategies: list[str] = Field(description="Strategy class paths of the run.")
    model: str = Field(description="Liquidation-price model of the run's map actor ('' if unknown).")
    leverage_profile: str = Field(description="Leverage profile of the run's map actor ('' if unknown).")
    recorded_ns: int = Field(description="When the recording was last written (UNIX ns).")


class InstrumentStatus(_Model):
    """Readiness of one instrument's map."""

    instrument_id: str = Field(description="Nautilus instrument id, e.g. 'SOL-USDT-SWAP.OKX'.")
    state: State = Field(description="INITIALIZING (replay or first live update pending), READY, ERROR.")
    message: str = Field(description="Why the state is what it is (the error for ERROR).")
    frames: int = Field(ge=0, description="Map updates available (default model/profile in catalog mode).")
    first_ns: int | None = Field(description="Time of the first data point (UNIX ns).")
    last_ns: int | None = Field(description="Time of the last data point (UNIX ns).")


class StatusResponse(_Model):
    """What the server serves: instruments and their state, and the selectable models, profiles and runs."""

    mode: Mode = Field(description="'catalog' (replays and recorded runs) or 'live' (a node's Redis streams).")
    state: State = Field(description="READY when every instrument is; ERROR when the source fails (e.g. Redis "
                                      "unreachable) or an instrument failed; INITIALIZING otherwise.")
    message: str = Field(description="What the source is doing or what failed.")
    instruments: list[InstrumentStatus] = Field(description="The served instruments and their state.")
    models: list[str] = Field(description="Liquidation-price models (catalog mode; live: the node's own map).")
    profiles: list[str] = Field(description="Leverage profiles, including calibrated profile files loaded.")
    default_model: str = Field(description="Model used when a request names none.")
    default_profile: str = Field(description="Leverage profile used when a request names none.")
    runs: list[RunInfo] = Field(description="Recorded backtest runs in the catalog.")
    snapshot_interval_s: int = Field(description="Interval of replayed map updates (seconds).")
    warnings: list[str] = Field(default_factory=list, description="Map profile files fitted on another instrument "
                                "than one served (its [calibration] instrument_id), and recorded runs whose map "
                                "actor used one ('recorded run <run_id>: ...'), one sentence each; they still apply.")


class ClusterLevel(_Model):
    """A liquidation cluster: a price zone where many leveraged positions would be liquidated."""

    cluster_id: int = Field(description="Stable id across updates while the zone persists.")
    side: SideName = Field(description="LONG: longs liquidated if price falls to it (below price); SHORT: above.")
    price_level: float = Field(description="Notional-weighted centre of the zone (price).")
    price_low: float = Field(description="Lower edge of the zone (price).")
    price_high: float = Field(description="Upper edge of the zone (price).")
    leverage_tier: float = Field(description="Notional-weighted mean leverage of the zone (x).")
    notional_usd: float = Field(description="Estimated notional that would be liquidated in the zone (USD).")
    liquidation_count: int = Field(description="Estimated number of positions (notional / average position USD).")
    strength: float = Field(description="Notional relative to the largest cluster of the update, in [0, 1].")
    distance_pct: float = Field(description="Signed distance from price to price_level (percent; < 0 below).")
    status: StatusName = Field(description="ACTIVE (untouched), PARTIAL (price entered), CLEARED (passed through).")
    first_seen_ns: int = Field(description="First detection (UNIX ns).")
    last_seen_ns: int = Field(description="Last detection (UNIX ns).")


class Summary(_Model):
    """Market and map totals at the update."""

    price: float = Field(description="Price at the update (quote currency).")
    high_24h: float | None = Field(description="Highest price of the 24 h up to the update (quote currency).")
    low_24h: float | None = Field(description="Lowest price of the 24 h up to the update (quote currency).")
    total_oi_usd: float | None = Field(description="Open interest used by the map (USD notional).")
    funding_rate: float | None = Field(description="Latest funding rate at the update (fraction per interval).")
    funding_ts_ns: int | None = Field(description="Time of that funding rate (UNIX ns).")
    long_liquidation_usd: float = Field(description="Long notional open in the map, all below price (USD).")
    short_liquidation_usd: float = Field(description="Short notional open in the map, all above price (USD).")
    swept_long_usd: float = Field(description="Long liquidations swept by price since the previous update (USD).")
    swept_short_usd: float = Field(description="Short liquidations swept since the previous update (USD).")


class Direction(_Model):
    """Where liquidation notional pulls price (the magnet)."""

    bias: BiasName = Field(description="UP, DOWN or UNBIASED (net force within the dead band).")
    magnet_up: float = Field(description="Pull of short notional above price: sum of USD / distance² (USD / %²).")
    magnet_down: float = Field(description="Pull of long notional below price (USD / %²).")
    magnet_net: float = Field(description="magnet_up - magnet_down (USD / %²).")
    nearest_above: ClusterLevel | None = Field(description="Nearest live cluster above price.")
    nearest_below: ClusterLevel | None = Field(description="Nearest live cluster below price.")


class MapBin(_Model):
    """One price bin of the map."""

    price_low: float = Field(description="Lower edge (price).")
    price_high: float = Field(description="Upper edge (price).")
    long_usd: float = Field(description="Long notional liquidated if price reaches the bin (USD).")
    short_usd: float = Field(description="Short notional liquidated if price reaches the bin (USD).")
    total_usd: float = Field(description="long_usd + short_usd (USD).")
    intensity: float = Field(ge=0.0, le=1.0, description="total_usd / the largest total_usd of the bins returned.")
    long_status: StatusName = Field(description="Status of the bin's long notional.")
    short_status: StatusName = Field(description="Status of the bin's short notional.")


class MapIdentity(_Model):
    """Which map a response shows: instrument, source, model, leverage profile and recorded run."""

    instrument_id: str = Field(description="Nautilus instrument id.")
    source: Source = Field(description="replay (engine over the catalog), recording (a backtest run), live.")
    model: str = Field(description="Liquidation-price model ('' when the live node's is unknown).")
    leverage_profile: str = Field(description="Leverage profile ('' when unknown).")
    run_id: str | None = Field(description="The recorded run, for source 'recording'.")
    profile_warning: str = Field("", description="'' or why the profile may not suit this instrument: a map profile "
                                 "file fitted on another instrument (its [calibration] instrument_id); it still "
                                 "applies.")


class MapKey(MapIdentity):
    """Which map a response shows, and which of its updates."""

    ts_ns: int = Field(description="Time of the map update shown (UNIX ns): the last one at or before `at`.")
    time: str = Field(description="ts_ns as ISO-8601 UTC.")


class LiquidationMapResponse(MapKey):
    """The liquidation map at one time: summary, direction, bins sorted by price, clusters."""

    bin_width: float | None = Field(description="Bin width (price); null when the source published no bins.")
    summary: Summary = Field(description="Totals of the map and of the bins returned.")
    direction: Direction = Field(description="Magnet forces and the bias they give.")
    bins: list[MapBin] = Field(description="Bins within window_pct of price, ascending in price.")
    clusters: list[ClusterLevel] = Field(description="Clusters of the update, strongest first (CLEARED last).")


class LeverageLevel(_Model):
    """Notional of one price bin and one leverage tier."""

    price_low: float = Field(description="Lower edge of the bin (price).")
    price_high: float = Field(description="Upper edge of the bin (price).")
    leverage: float = Field(description="Leverage tier (x).")
    long_usd: float = Field(description="Long notional of this tier in the bin (USD).")
    short_usd: float = Field(description="Short notional of this tier in the bin (USD).")


class LevelsResponse(MapKey):
    """Liquidation levels per bin × leverage tier (non-empty cells only), ascending in price then leverage."""

    price: float = Field(description="Price at the update.")
    tiers: list[float] = Field(description="Leverage tiers of the map (x).")
    levels: list[LeverageLevel] = Field(description="Non-empty cells, ascending in price then leverage.")


class HeatmapResponse(MapIdentity):
    """Time × price liquidation heatmap: price levels, [time index, price index, USD] cells, OHLCV candles."""

    start_ns: int = Field(description="Window start (UNIX ns).")
    end_ns: int = Field(description="Window end (UNIX ns).")
    times_ns: list[int] = Field(description="Time of each heatmap column, a map update (UNIX ns).")
    price_levels: list[float] = Field(description="Centre of each price level (price), ascending.")
    level_width: float = Field(description="Width of a price level (price): whole bins merged.")
    cells: list[list[int | float]] = Field(
        description="[time index, price index, USD] for each non-empty cell (indices are whole numbers into times_ns "
                    "and price_levels): open long + short notional (USD).")
    max_usd: float = Field(description="Largest cell value (USD), 0 when there is no cell.")
    candle_interval_s: int = Field(description="Length of a candle (seconds).")
    candles: list[list[int | float]] = Field(
        description="[start time (UNIX ns), open, high, low, close (price), volume (base units)].")


class LiquidationRecord(_Model):
    """One real liquidation reported by a venue."""

    ts_ns: int = Field(description="Time of the liquidation (UNIX ns).")
    side: SideName = Field(description="Side of the liquidated position.")
    price: float = Field(description="Liquidation price (quote currency).")
    quantity: float = Field(description="Quantity liquidated (instrument size unit, base units for USD-M).")
    notional_usd: float = Field(description="price × quantity × multiplier (USD).")
    source: str = Field(description="Venue source, e.g. 'forceOrder' or 'trade:INSURANCE_FUND'.")


class HistoryResponse(_Model):
    """Real liquidation records in a window (where the catalog or the stream holds them)."""

    instrument_id: str = Field(description="The instrument asked for.")
    start_ns: int = Field(description="Start of the window (UNIX ns, included).")
    end_ns: int = Field(description="End of the window (UNIX ns, included).")
    available: bool = Field(description="Whether the source holds liquidation records for this instrument at all.")
    note: str = Field(description="Where the records come from, or why there are none.")
    long_usd: float = Field(description="Sum of the long liquidations returned (USD).")
    short_usd: float = Field(description="Sum of the short liquidations returned (USD).")
    truncated: bool = Field(description="True when more than `limit` records matched (the newest are returned).")
    records: list[LiquidationRecord] = Field(description="The liquidations in the window, oldest first.")


class ModelMap(_Model):
    """One model's map at the requested time."""

    model: str = Field(description="Liquidation-price model.")
    ts_ns: int | None = Field(description="Time of the update used (UNIX ns); null when the map had none yet.")
    long_liquidation_usd: float = Field(description="Long notional in the map (USD).")
    short_liquidation_usd: float = Field(description="Short notional in the map (USD).")
    bias: BiasName = Field(description="Magnet bias: UP, DOWN or UNBIASED.")
    magnet_net: float = Field(description="Net magnet force (USD / %²).")
    nearest_above: ClusterLevel | None = Field(description="Nearest live cluster above price (null if none).")
    nearest_below: ClusterLevel | None = Field(description="Nearest live cluster below price (null if none).")
    top_clusters: list[ClusterLevel] = Field(description="The three strongest live clusters.")


class CompareModelsResponse(_Model):
    """Every liquidation-price model on the same data, at one time."""

    instrument_id: str = Field(description="The instrument asked for.")
    source: Source = Field(description="Where the maps come from: replay (catalog mode) or live.")
    leverage_profile: str = Field(description="Leverage profile every model ran with.")
    at_ns: int = Field(description="Requested time (UNIX ns).")
    models: list[ModelMap] = Field(description="One map per liquidation-price model.")


class BestClusterResponse(MapKey):
    """The best cluster by strength and distance: score = strength / (1 + |distance_pct|)."""

    price: float = Field(description="Price at the update.")
    score: float | None = Field(description="The cluster's score (null when there is no live cluster).")
    cluster: ClusterLevel | None = Field(description="The best live cluster (null when there is none).")


class TradeSignalRecord(_Model):
    """A strategy's decision (the TradeSignal record)."""

    ts_ns: int = Field(description="Decision time (UNIX ns).")
    strategy: str = Field(description="Strategy id that decided.")
    action: str = Field(description="ENTER, SKIP, EXIT, REJECTED or PARTIAL.")
    instrument_id: str = Field(description="Instrument of the decision.")
    position_side: SideName = Field(description="Direction of the trade (Nautilus PositionSide name).")
    entry: float | None = Field(description="Entry price.")
    stop_loss: float | None = Field(description="Stop-loss price.")
    take_profit: float | None = Field(description="Take-profit price.")
    quantity: float = Field(description="Order quantity (instrument size unit).")
    confidence: float = Field(description="In [0, 1].")
    risk_reward: float | None = Field(description="|take_profit - entry| / |entry - stop_loss|.")
    reason: str = Field(description="Why the strategy decided so, in words.")
    cluster_id: int = Field(description="Cluster behind the decision, -1 if none.")
    support: float | None = Field(description="Long-side cluster level below that the strategy saw (price).")
    resistance: float | None = Field(description="Short-side cluster level above that the strategy saw (price).")
    sentiment: str = Field(description="BULLISH, BEARISH or NEUTRAL.")


class SignalsResponse(_Model):
    """Trade signals of a recorded run or of the live node."""

    instrument_id: str = Field(description="The instrument asked for.")
    source: Source = Field(description="Where the signals come from (a recorded run or the live node).")
    note: str = Field(description="Where the signals come from, or why there are none.")
    signals: list[TradeSignalRecord] = Field(description="Newest last.")


class ReplayCacheEntry(_Model):
    """A cached replay."""

    instrument_id: str = Field(description="Instrument of the replay.")
    model: str = Field(description="Liquidation-price model of the replay.")
    leverage_profile: str = Field(description="Leverage profile of the replay.")
    frames: int = Field(description="Map updates computed so far.")
    position_ns: int = Field(description="Time the replay has reached (UNIX ns).")


class StatsResponse(_Model):
    """Server statistics."""

    mode: Mode = Field(description="'catalog' or 'live'.")
    uptime_s: float = Field(description="Seconds since start.")
    requests: int = Field(description="HTTP requests answered (refused ones and CORS preflights included).")
    stream_clients: int = Field(description="Open event-stream connections.")
    memory_rss_bytes: int = Field(description="Resident memory of the server process (bytes).")
    replays_built: int = Field(description="Replays started since start (catalog mode).")
    replays: list[ReplayCacheEntry] = Field(description="Replays held in the cache (catalog mode).")
    live_messages: int = Field(description="Redis stream entries read (live mode).")


class FigureResponse(_Model):
    """A Plotly figure (``data`` traces and ``layout``) as drawn by liqheat_nautilus.charts."""

    model_config = ConfigDict(extra="allow")
    data: list[dict] = Field(description="Plotly traces.")
    layout: dict = Field(description="Plotly layout.")


class StreamEvent(_Model):
    """Pushed on the event stream when a new map update arrives."""

    instrument_id: str = Field(description="Instrument of the update.")
    ts_ns: int = Field(description="Time of the update (UNIX ns).")
    price: float = Field(description="Price at the update.")
    bias: BiasName = Field(description="Magnet bias: UP, DOWN or UNBIASED.")
    clusters: int = Field(description="Number of clusters in the update.")
    sequence: int = Field(description="Increases with every update the server has received.")
