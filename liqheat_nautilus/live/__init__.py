"""Live trading on a Nautilus ``TradingNode`` (``liqheat live``).

Modules (one concept each):

- :mod:`.binance_messages` — pure conversions: ``forceOrder`` / insurance-fund trades -> ``LiquidationEvent``,
  ``BinanceFuturesMarkPriceUpdate`` -> ``FundingRate``, the funding throttle;
- :mod:`.binance_data`, :mod:`.binance_factory` — Nautilus' Binance USD-M data client plus those feeds;
- :mod:`.oi_config`, :mod:`.oi_poller`, :mod:`.oi_factory` — open-interest / funding poller (ccxt.async_support);
- :mod:`.risk_guard`, :mod:`.guarded_exec` — notional limits enforced in the execution clients (Binance, sandbox);
- :mod:`.monitor` — feed subscriptions and counters;
- :mod:`.live_file` — the TOML file; :mod:`.keys` — environment keys;
- :mod:`.node` — node builder, bounded run, graceful shutdown; :mod:`.summary` — the run summary.
"""
