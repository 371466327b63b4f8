"""The Coinglass BTC 4-hourly data set (open interest, funding, taker volume) with Binance BTCUSDT bars."""
