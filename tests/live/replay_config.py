"""The live file of the offline replay test: sandbox execution, every Binance URL pointed at the local server."""

import json
from pathlib import Path

INSTRUMENT = "BTCUSDT-PERP.BINANCE"
BAR_TYPE = f"{INSTRUMENT}-200-TICK-LAST-INTERNAL"


def _strategy_table(path: str, config_path: str, **config: str) -> str:
    """A ``[[strategies]]`` table on the replayed instrument, with further ``[strategies.config]`` string fields."""
    fields = "".join(f"{key} = {json.dumps(value)}\n" for key, value in config.items())
    return (f'\n[[strategies]]\npath = "{path}"\nconfig_path = "{config_path}"\n[strategies.config]\n'
            f'instrument_id = "{INSTRUMENT}"\n{fields}')


def write_replay_toml(path: Path, base_url: str, probe: bool = True, hunt: bool = True, oms: str = "HEDGING",
                      close_positions: bool = True, done_file: Path | None = None,
                      done_when: dict[str, int] | None = None) -> Path:
    """
    Write the live file of the replay test.

    The map uses 200-trade bars aggregated by Nautilus from the replayed trades (the captures have no kline
    stream). Warm-up asks the poller for open-interest and funding history over 400 days (Nautilus drops response
    rows outside the request window; the real funding rows are from April 2026); bars warm-up is off: the replayed
    data are from 2023 while the node's clock is now, so no recorded bars fall in a "last N seconds" window.

    Parameters
    ----------
    path : Path
        Where to write.
    base_url : str
        ``http://127.0.0.1:<port>`` of :class:`adapters.binance.local_binance.LocalBinance` (``ws://`` on the
        same port).
    probe, hunt : bool
        Include the probe strategy / the liquidation-hunt strategy.
    oms : str
        Sandbox OMS type.
    close_positions : bool
        ``[shutdown] close_positions``.
    done_file, done_when : optional
        The probe strategy writes ``done_file`` once it has counted ``done_when`` (see ``probe_strategy.py``).

    Returns
    -------
    Path
    """
    ws_url = base_url.replace("http://", "ws://")
    text = f'''
name = "offline_replay"
log_level = "INFO"
[execution]
mode = "sandbox"
[binance]
instrument_ids = ["{INSTRUMENT}"]
base_url_http = "{base_url}"
base_url_ws = "{ws_url}"
funding_min_interval_secs = 60
update_instruments_interval_mins = 0
[sandbox]
starting_balances = ["10000 USDT"]
default_leverage = 5.0
oms_type = "{oms}"
[risk]
max_order_submit_rate = "20/00:00:01"
max_notional_per_order = {{ "{INSTRUMENT}" = 1000 }}
max_position_notional = {{ "{INSTRUMENT}" = 3000 }}
[shutdown]
close_positions = {str(close_positions).lower()}
grace_secs = 2.0
[poller]
interval_secs = 1.0
stale_after_secs = 30
request_timeout_secs = 5
api_base_overrides = {{ binance = "{base_url}" }}
ccxt_options = {{ binance = {{ fetchMarkets = ["linear"] }} }}
[[poller.targets]]
exchange = "binance"
symbol = "BTC/USDT:USDT"
instrument_id = "{INSTRUMENT}"
[monitor]
heartbeat_secs = 5
[[actors]]
path = "liqheat_nautilus.actor:LiquidationMapActor"
config_path = "liqheat_nautilus.actor:LiquidationMapActorConfig"
[actors.config]
instrument_id = "{INSTRUMENT}"
bar_type = "{BAR_TYPE}"
subscribe_trade_ticks = true
publish_interval_secs = 60
warmup_lookback_secs = 34560000
warmup_bars = false
warmup_client_id = "LIQHEAT_OI"
liquidation_client_id = "BINANCE"
'''
    if probe:
        text += _strategy_table("probe_strategy:ProbeStrategy", "probe_strategy:ProbeStrategyConfig")
        if done_file is not None:
            counts = ", ".join(f"{key} = {n}" for key, n in (done_when or {}).items())
            text += f"done_file = {json.dumps(str(done_file))}\ndone_when = {{ {counts} }}\n"
    if hunt:
        text += _strategy_table("strategies.liquidation_hunt:LiquidationHuntStrategy",
                                "strategies.liquidation_hunt:LiquidationHuntConfig", bar_type=BAR_TYPE,
                                trade_size="0.002")
    path.write_text(text)
    return path
