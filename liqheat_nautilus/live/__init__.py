"""Live trading on a Nautilus ``TradingNode`` (``liqheat live``): the venue-independent node assembly.

The venue clients live in :mod:`liqheat_nautilus.adapters` (Binance data and guarded execution clients, the ccxt
open-interest / funding poller). Modules here (one concept each):

- :mod:`.sections` — the TOML file's sections (embed the adapters' configs); :mod:`.live_file` — loading and
  checking it; :mod:`.keys` — environment keys;
- :mod:`.node` — node builder, bounded run, graceful shutdown; :mod:`.summary` — the run summary;
- :mod:`.monitor` — feed subscriptions and counters.

The notional limits the execution clients enforce are the adapters'
(:mod:`liqheat_nautilus.adapters.common.risk_guard`).
"""
