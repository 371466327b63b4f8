"""Example NautilusTrader strategies trading on liqheat-nautilus liquidation-map signals.

- :mod:`strategies.liquidation_hunt`: toward strong clusters near price;
- :mod:`strategies.support_resistance`: clusters as support and resistance;
- :mod:`strategies.cluster_breakout`: continuation through cleared clusters;
- :mod:`strategies.oi_sizing`: magnet-bias entries sized by :class:`strategies.oi_sizer.OISizer`;
- :mod:`strategies.base`: what they share (brackets, risk sizing, rejects, signal records).
"""
