"""
What every venue adapter shares.

The open-interest / funding normaliser, contract specifications, the archive converter base and the execution
clients' risk guard (notional limits).
"""
