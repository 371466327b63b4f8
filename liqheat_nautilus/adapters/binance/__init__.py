"""Binance adapter: public-data archives, the liquidation-print / funding data client, risk-guarded execution."""
