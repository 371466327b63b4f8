"""Exchange history through ccxt (Binance USD-M, Bybit, OKX, Hyperliquid perpetuals) into Nautilus catalogs."""
