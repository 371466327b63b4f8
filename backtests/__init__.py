"""Backtests of liqheat-nautilus strategies over Nautilus Parquet catalogs, driven by config files."""
