"""Maintenance-margin bracket tables (pure numpy).

Source of the default table: Binance's announcement of 2021-03-18 "Binance Futures Will Update the Leverage
and Margin Tiers of BTCUSDT" (USD-M BTCUSDT). The maintenance amount follows Binance's rule
``cum_n = cum_{n-1} + floor_n · (MMR_n - MMR_{n-1})``. Brackets change over time (the current ones come from
the signed ``GET /fapi/v1/leverageBracket``): treat them as configuration.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BracketTable:
    """
    A maintenance-margin bracket table: position-notional brackets -> maintenance margin rate and amount.

    Parameters
    ----------
    notional_floor : tuple[float, ...]
        Lower bound of each bracket's position notional (USD), ascending, first 0.
    notional_cap : tuple[float, ...]
        Upper bound of each bracket (USD).
    max_leverage : tuple[float, ...]
        Maximum leverage allowed in each bracket (x).
    mmr : tuple[float, ...]
        Maintenance margin rate of each bracket (fraction, 0.004 = 0.4 %).
    maintenance_amount : tuple[float, ...]
        Binance's "maintenance amount" (``cum``) of each bracket (USD).

    Raises
    ------
    ValueError
        If the columns differ in length, floors are not ascending from 0, or a rate is outside [0, 1).
    """

    notional_floor: tuple[float, ...]
    notional_cap: tuple[float, ...]
    max_leverage: tuple[float, ...]
    mmr: tuple[float, ...]
    maintenance_amount: tuple[float, ...]

    def __post_init__(self) -> None:
        """Check that the columns are non-empty, of equal length and ordered."""
        n = len(self.notional_floor)
        lengths = {len(self.notional_cap), len(self.max_leverage), len(self.mmr), len(self.maintenance_amount)}
        if n == 0 or lengths != {n}:
            raise ValueError("bracket table columns must be non-empty and of equal length")
        floors = np.asarray(self.notional_floor)
        if floors[0] != 0.0 or np.any(np.diff(floors) <= 0):
            raise ValueError(f"bracket notional floors must ascend from 0, were {self.notional_floor}")
        rates = np.asarray(self.mmr)
        if np.any(rates < 0.0) or np.any(rates >= 1.0):
            raise ValueError(f"maintenance margin rates must lie in [0, 1), were {self.mmr}")

    def lookup(self, notional_usd: np.ndarray | float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """
        Find the bracket of each position notional.

        Parameters
        ----------
        notional_usd : array_like
            Position notional(s) (USD), any shape, >= 0.

        Returns
        -------
        tuple[np.ndarray, np.ndarray, np.ndarray]
            ``(mmr, maintenance_amount, max_leverage)`` with the shape of ``notional_usd``; notionals above
            the last cap use the last bracket.
        """
        notional = np.asarray(notional_usd, dtype=np.float64)
        idx = np.searchsorted(np.asarray(self.notional_floor), notional, side="right") - 1
        idx = np.clip(idx, 0, len(self.notional_floor) - 1)
        return (
            np.asarray(self.mmr)[idx],
            np.asarray(self.maintenance_amount)[idx],
            np.asarray(self.max_leverage)[idx],
        )


BINANCE_BTCUSDT_BRACKETS = BracketTable(
    notional_floor=(0.0, 50e3, 250e3, 1e6, 10e6, 20e6, 50e6, 100e6, 200e6, 300e6),
    notional_cap=(50e3, 250e3, 1e6, 10e6, 20e6, 50e6, 100e6, 200e6, 300e6, 500e6),
    max_leverage=(125.0, 100.0, 50.0, 20.0, 10.0, 5.0, 4.0, 3.0, 2.0, 1.0),
    mmr=(0.004, 0.005, 0.01, 0.025, 0.05, 0.10, 0.125, 0.15, 0.25, 0.50),
    maintenance_amount=(
        0.0, 50.0, 1_300.0, 16_300.0, 266_300.0, 1_266_300.0, 2_516_300.0, 5_016_300.0, 25_016_300.0,
        100_016_300.0,
    ),
)
"""Binance USD-M BTCUSDT brackets (announcement of 2021-03-18), the default table."""
