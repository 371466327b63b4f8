"""A bounded ring buffer of map snapshots (time × price) for heatmaps (pure numpy)."""

import numpy as np


class MapHistory:
    """
    Fixed-capacity ring buffer of per-bin long/short notional.

    Memory is ``capacity × n_bins × 2`` float64 plus four ``capacity`` vectors, whatever the history length.

    Parameters
    ----------
    capacity : int
        Number of snapshots kept (>= 1); the oldest is overwritten.
    n_bins : int
        Bins per snapshot.

    Raises
    ------
    ValueError
        If ``capacity`` < 1.
    """

    def __init__(self, capacity: int, n_bins: int) -> None:
        if capacity < 1:
            raise ValueError(f"history capacity must be >= 1, was {capacity}")
        self.capacity = capacity
        self.ts_ns = np.zeros(capacity, dtype=np.int64)
        self.price = np.zeros(capacity)
        self.base = np.zeros(capacity, dtype=np.int64)
        self.width = np.zeros(capacity)
        self.long_usd = np.zeros((capacity, n_bins))
        self.short_usd = np.zeros((capacity, n_bins))
        self._count = 0

    def clear(self) -> None:
        """Drop all snapshots."""
        self._count = 0

    def __len__(self) -> int:
        """Return the number of snapshots held."""
        return min(self._count, self.capacity)

    def push(self, ts_ns: int, price: float, base: int, width: float, long_usd, short_usd) -> None:
        """
        Append one snapshot.

        Parameters
        ----------
        ts_ns : int
            Snapshot time (UNIX ns).
        price : float
            Price at the snapshot.
        base : int
            Global index of the grid's first bin (bin ``g`` covers ``[g·width, (g+1)·width)``).
        width : float
            Bin width (price).
        long_usd, short_usd : np.ndarray
            Shape ``(n_bins,)`` notional (USD) per bin.
        """
        i = self._count % self.capacity
        self.ts_ns[i], self.price[i], self.base[i], self.width[i] = ts_ns, price, base, width
        self.long_usd[i] = long_usd
        self.short_usd[i] = short_usd
        self._count += 1

    def ordered(self) -> dict[str, np.ndarray]:
        """
        Return the snapshots oldest first.

        Returns
        -------
        dict[str, np.ndarray]
            ``ts_ns``, ``price``, ``base``, ``width`` of shape ``(m,)`` and ``long_usd``, ``short_usd`` of shape
            ``(m, n_bins)``, ``m = len(self)``.
        """
        m = len(self)
        start = self._count - m
        order = (np.arange(start, self._count)) % self.capacity
        return {
            "ts_ns": self.ts_ns[order],
            "price": self.price[order],
            "base": self.base[order],
            "width": self.width[order],
            "long_usd": self.long_usd[order],
            "short_usd": self.short_usd[order],
        }
