"""numpy references the compiled kernels and the engine are tested against (test-only; not the library's API).

``find_runs`` and ``cluster_threshold`` give the cluster detection that ``kernels.read_map`` / ``read_tracked`` run as
one compiled loop; ``vwap_block`` the ``vwap`` entry mode's single block; ``open_survival`` the share of a cohort
that ``MapBook.open_units`` computes inside its compiled call.
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


def open_survival(book, sign: int, entries: np.ndarray, weights: np.ndarray, tier_w: np.ndarray,
                  sweep_at: np.ndarray) -> float:
    """
    Return the share of a cohort that would survive ``book.open``, in position units per USD.

    Surviving means not liquidated at once (numpy; the engine computes it inside ``MapBook.open_units``).

    Parameters
    ----------
    book : MapBook
        The book (its level model and contract).
    sign, entries, weights, tier_w, sweep_at
        As ``MapBook.open``.

    Returns
    -------
    float
        Units surviving per USD opened (base units per USD for linear contracts, 1 at most for inverse);
        0 when nothing survives.
    """
    levels, size_w, per_unit = book.model.levels(entries, sign)
    entries = np.asarray(entries, dtype=np.float64)
    prices = entries[:, None, None] * levels if per_unit else levels  # (n, n_tiers, n_sizes)
    reached = (prices >= sweep_at[:, None, None]) & (prices > 0.0) if sign > 0 else prices <= sweep_at[:, None,
                                                                                                        None]
    w = weights if weights.shape[1] > 1 else np.broadcast_to(weights, (entries.size, tier_w.size))
    mass = w[:, :, None] * tier_w[None, :, None] * size_w[None, None, :]
    unit = 1.0 if book._inverse else 1.0 / entries[:, None, None]
    return float((mass * unit * ~reached).sum())
