"""Venue adapters, laid out like NautilusTrader's (``nautilus_trader/adapters/<venue>/``).

Each venue package uses the same file roles: ``config`` (client configs), ``data`` (live data clients),
``execution`` (execution clients), ``factories`` (``Live*ClientFactory``), ``providers`` (instruments), ``loaders``
(history and public-data archives into a catalog) and ``parsing`` (venue messages and rows into Nautilus objects).

- :mod:`.binance`: data.binance.vision archives; the ``forceOrder`` / funding data client; the risk-guarded
  execution clients (Binance, and Nautilus' sandbox for paper trading on Binance data).
- :mod:`.ccxt`: history fetch (Binance USD-M, Bybit, OKX, Hyperliquid) and the live open-interest / funding poller.
- :mod:`.okx`: the OKX CSV sample.
- :mod:`.csv_files`: a user's own CSV files of any perpetual (bars, open interest, funding, trades).
- :mod:`.common`: what every venue shares: the open-interest / funding normaliser and contract specifications.
"""
