"""Venue-side simulation modules for Nautilus backtests (``BacktestVenueConfig(modules=[...])``)."""

from liqheat_nautilus.simulation.funding import FundingModule, FundingModuleConfig, FundingPayment

__all__ = ["FundingModule", "FundingModuleConfig", "FundingPayment"]
