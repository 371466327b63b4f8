"""Example NautilusTrader strategies trading on liqheat-nautilus liquidation-map signals."""
