"""OKX adapter: the OKX CSV sample (ccxt export layout) and its instrument."""
