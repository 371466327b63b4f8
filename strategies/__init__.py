"""Example NautilusTrader strategies trading on liqheat-nautilus liquidation-map signals.

Backtest and live files name them by importable path (``path = "strategies.liquidation_hunt:..."``); the library
never imports this package.

- :mod:`strategies.liquidation_hunt`: toward strong clusters near price;
- :mod:`strategies.support_resistance`: clusters as support and resistance;
- :mod:`strategies.cluster_breakout`: continuation through cleared clusters;
- :mod:`strategies.oi_sizing`: magnet-bias entries sized by :class:`strategies.oi_sizer.OISizer`;
- :mod:`strategies.cluster_strategy`: what they share (cluster data, stops, risk sizing); its config and the
  fields' ranges in :mod:`strategies.cluster_config`;
- :mod:`strategies.brackets`: bracket orders and their life (rejects, partial fills, time stop, signal records); its
  config in :mod:`strategies.bracket_config`.
"""
