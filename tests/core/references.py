"""numpy references the compiled kernels and the engine are tested against (test-only; not the library's API).

``find_runs`` and ``cluster_threshold`` give the cluster detection that ``kernels.read_map`` / ``read_tracked`` run as
one compiled loop; ``vwap_block`` the ``vwap`` entry mode's single block.
"""

import numpy as np

from liqheat_nautilus.core.entries import volume_profile


def find_runs(mask: np.ndarray, max_gap: int) -> list[tuple[int, int]]:
    """
    Group the True positions of a boolean mask into runs, merging gaps of at most ``max_gap`` False bins.

    Parameters
    ----------
    mask : np.ndarray
        Shape ``(n,)`` bool.
    max_gap : int
        Largest number of consecutive False bins bridged inside one run (>= 0).

    Returns
    -------
    list[tuple[int, int]]
        Inclusive ``(first, last)`` index pairs, ascending.
    """
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > max_gap + 1)  # gaps wider than max_gap end a run
    firsts = np.concatenate((idx[:1], idx[breaks + 1]))
    lasts = np.concatenate((idx[breaks], idx[-1:]))
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


def cluster_threshold(totals: np.ndarray, method: str, quantile: float, k_sigma: float) -> float:
    """
    Notional (USD) a bin needs to belong to a cluster.

    Parameters
    ----------
    totals : np.ndarray
        Shape ``(n_bins,)`` per-bin notional (USD) of one side.
    method : str
        ``"quantile"``: the ``quantile`` of the non-empty bins; ``"sigma"``: mean + ``k_sigma``·std of the
        non-empty bins.
    quantile : float
        In [0, 1).
    k_sigma : float
        Number of standard deviations.

    Returns
    -------
    float
        ``inf`` when no bin is non-empty.

    Raises
    ------
    ValueError
        If ``method`` is unknown.
    """
    nonzero = totals[totals > 0.0]
    if nonzero.size == 0:
        return float("inf")
    if method == "quantile":
        return float(np.quantile(nonzero, quantile))  # numpy's default ("linear") interpolation
    if method == "sigma":
        return float(nonzero.mean() + k_sigma * nonzero.std())
    raise ValueError(f"cluster threshold method must be 'quantile' or 'sigma', was {method!r}")


def vwap_block(prices: np.ndarray, volume: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """
    One block at the interval's volume-weighted typical price ``Σ p_i v_i / Σ v_i``.

    Parameters
    ----------
    prices, volume : np.ndarray
        As :func:`volume_profile`.

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        ``(array([vwap]), array([1.0]))``.
    """
    p, w = volume_profile(prices, volume)
    return np.array([float(np.dot(p, w))]), np.array([1.0])
