"""The engine configurations the benchmarks and the output check run (``MapParams`` overrides by name)."""

CONFIGS: dict[str, dict] = {
    "default": {},
    "isolated_mmr": {"model": "isolated_mmr"},
    "ensemble": {"model": "ensemble"},
    "funding_adjusted+dynamic+newest_first": {
        "model": "funding_adjusted", "funding_base_model": "binance_standard", "leverage_profile": "dynamic",
        "close_mode": "newest_first",
    },
    "hot_zones+tier_half_lives": {
        "entry_mode": "hot_zones", "tier_half_lives_hours": (168.0, 120.0, 72.0, 72.0, 36.0, 24.0, 18.0, 18.0),
    },
    "oi_spikes+taker_skew": {"entry_mode": "oi_spikes", "taker_share_skew": 0.5, "taker_leverage_skew": 1.0},
    "vwap+time_clock": {"entry_mode": "vwap", "turnover_clock": "time"},
    "reference+normal": {"entry_mode": "reference", "leverage_model": "normal"},
    "sigma_clusters+swept_share": {"cluster_method": "sigma", "status_rule": "swept_share"},
}
"""Name -> ``MapParams`` overrides; ``"default"`` first (funding_adjusted over binance_standard, 4 position sizes)."""
