"""ccxt adapter: history fetch into a catalog and the live open-interest / funding poller."""
