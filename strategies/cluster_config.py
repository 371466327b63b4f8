"""The configuration shared by the liquidation-map strategies, and the ranges of their numeric fields."""

from decimal import Decimal

from strategies.bracket_config import BracketStrategyConfig
from strategies.oi_sizer import OISizerConfig

_FIELD_RANGES = {
    "max_leverage": (lambda v: v >= 0, ">= 0 (0 = no cap)"),
    "stop_buffer_pct": (lambda v: v >= 0, ">= 0"),
    "default_stop_pct": (lambda v: v > 0, "> 0"),
    "max_stop_pct": (lambda v: v > 0, "> 0"),
    "min_risk_reward": (lambda v: v >= 0, ">= 0"),
    "min_strength": (lambda v: 0 <= v <= 1, "in [0, 1] (a cluster's strength is its notional / the largest's)"),
    "min_notional_usd": (lambda v: v >= 0, ">= 0"),
    "min_distance_pct": (lambda v: v >= 0, ">= 0"),
    "max_distance_pct": (lambda v: v > 0, "> 0"),
    "entry_zone_pct": (lambda v: v > 0, "> 0"),
    "fallback_reward_risk": (lambda v: v > 0, "> 0"),
    "max_chase_pct": (lambda v: v > 0, "> 0 (a breakout is entered at most this far beyond the cluster)"),
    "trailing_stop_bps": (lambda v: v >= 0, ">= 0 (0 = fixed stop)"),
    "take_profit_pct": (lambda v: v > 0, "> 0"),
}
"""Valid ranges of the strategies' numeric config fields, checked for the fields a config has (:func:`check_ranges`,
when :class:`~strategies.cluster_strategy.ClusterStrategy` is built): a value out of range would never trade, or fail
mid-run."""


class ClusterStrategyConfig(BracketStrategyConfig, frozen=True):
    """
    Settings shared by every liquidation-map strategy: risk sizing and stop placement.

    Plus those of :class:`~strategies.brackets.BracketStrategyConfig`: ``instrument_id``, ``bar_type``,
    ``max_positions``, ``time_stop_minutes``, ``emulation_trigger``, ``flatten_on_stop``, ``log_signals``.

    Parameters
    ----------
    risk_per_trade : float, default 0.005
        Fraction of account equity lost if the stop is hit (0.005 = 0.5 %). Ignored when ``trade_size`` is set.
    trade_size : Decimal, optional
        Fixed order quantity (contracts) instead of risk sizing.
    max_leverage : float, default 3.0
        Cap on a position's notional as a multiple of equity, applied after the OI sizer, also to ``trade_size``
        (0 = no cap).
    min_risk_reward : float, default 0.0
        Skip setups whose ``|TP - entry| / |entry - SL|`` is below this.
    stop_buffer_pct : float, default 0.1
        Distance beyond a cluster edge for stops (percent of price).
    default_stop_pct : float, default 1.0
        Stop distance (percent) when the strategy has no cluster to anchor the stop.
    max_stop_pct : float, default 3.0
        Largest stop distance (percent); at least ``default_stop_pct``.
    oi_sizer : OISizerConfig, optional
        When set, every entry's size is multiplied by :class:`~strategies.oi_sizer.OISizer` (OI tier x skew).

    Raises
    ------
    ValueError
        If ``default_stop_pct`` is above ``max_stop_pct`` (every default stop would be cut to ``max_stop_pct``),
        naming both; and as :class:`~strategies.brackets.BracketStrategyConfig` for the ids. The other ranges are
        checked when the strategy is built (:class:`ClusterStrategy`).
    """

    risk_per_trade: float = 0.005
    trade_size: Decimal | None = None
    max_leverage: float = 3.0
    min_risk_reward: float = 0.0
    stop_buffer_pct: float = 0.1
    default_stop_pct: float = 1.0
    max_stop_pct: float = 3.0
    oi_sizer: OISizerConfig | None = None

    def __post_init__(self) -> None:
        """Parse the ids (:class:`~strategies.brackets.BracketStrategyConfig`), then check the two stop distances."""
        super().__post_init__()
        if self.default_stop_pct > self.max_stop_pct:  # False for NaN: the range checks report it
            raise ValueError(f"{type(self).__name__}.default_stop_pct ({self.default_stop_pct}) must be at most "
                             f"max_stop_pct ({self.max_stop_pct}): every default stop would be cut to max_stop_pct")


def check_ranges(config: ClusterStrategyConfig) -> None:
    """
    Check the numeric fields of a liquidation-map strategy's config.

    :class:`~strategies.cluster_strategy.ClusterStrategy` calls it when it is built.

    Parameters
    ----------
    config : ClusterStrategyConfig
        The config (of any subclass: the fields of :data:`_FIELD_RANGES` it has are checked).

    Raises
    ------
    ValueError
        Naming the field: ``risk_per_trade`` outside (0, 1) without a ``trade_size``, a ``trade_size`` that is not
        positive, a field outside its range (:data:`_FIELD_RANGES`), or ``min_distance_pct >= max_distance_pct``.
    """
    if config.trade_size is None and not 0.0 < config.risk_per_trade < 1.0:
        raise ValueError(f"{type(config).__name__}.risk_per_trade must be in (0, 1), "
                         f"got {config.risk_per_trade}")
    if config.trade_size is not None and not config.trade_size > 0:
        raise ValueError(f"{type(config).__name__}.trade_size must be > 0 (or unset for risk sizing), "
                         f"got {config.trade_size}")
    for field, (valid, text) in _FIELD_RANGES.items():
        value = getattr(config, field, None)
        if value is not None and not valid(value):
            raise ValueError(f"{type(config).__name__}.{field} must be {text}, got {value}")
    low, high = getattr(config, "min_distance_pct", None), getattr(config, "max_distance_pct", None)
    if low is not None and high is not None and not low < high:
        raise ValueError(f"{type(config).__name__}.min_distance_pct ({low}) must be below max_distance_pct "
                         f"({high}): no cluster could qualify")
