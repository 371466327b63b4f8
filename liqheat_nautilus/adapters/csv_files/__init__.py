"""A user's own CSV files of one perpetual (bars, open interest, funding, trades): ``liqheat catalog ingest csv``."""
