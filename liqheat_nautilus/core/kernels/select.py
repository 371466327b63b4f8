"""Compiled selection of the largest trades of a batch (``trade_selection`` ``top_n`` and ``portion``)."""

import numpy as np

from liqheat_nautilus.core.kernels._base import jit


@jit
def _worse(values, heap, a, b):
    """Whether heap slot ``a`` ranks below slot ``b``: a smaller value, or the same value and a later position."""
    va = values[heap[a]]
    vb = values[heap[b]]
    return va < vb or (va == vb and heap[a] > heap[b])


@jit
def _offer(values, heap, k, filled, j):
    """
    Offer position ``j`` to the min-heap ``heap`` of the ``k`` best positions so far (the worst at the root).

    Return the new fill. The caller offers a position to a full heap only when its value is above the root's.
    """
    if filled < k:
        i = filled
        heap[i] = j
        while i > 0:
            parent = (i - 1) // 2
            if not _worse(values, heap, i, parent):
                break
            heap[i], heap[parent] = heap[parent], heap[i]
            i = parent
        return filled + 1
    heap[0] = j
    i = 0
    while True:
        worst = i
        left = 2 * i + 1
        right = left + 1
        if left < k and _worse(values, heap, left, worst):
            worst = left
        if right < k and _worse(values, heap, right, worst):
            worst = right
        if worst == i:
            return filled
        heap[i], heap[worst] = heap[worst], heap[i]
        i = worst


@jit
def largest_per_side(values, is_second, k_first, k_second):
    """
    Mask of the ``k`` largest values of each of two sides, ties taken earliest first.

    Per side, what a stable descending sort of that side's values keeps first. One pass over the values with a
    heap of each side's best so far: O(n log k), about n comparisons when k ≪ n, because a value not above its
    heap's worst is dropped at once. Scanning in position order, an equal later value never displaces an earlier
    one, which is the tie rule.

    Parameters
    ----------
    values : np.ndarray
        Shape ``(n,)`` float64, finite (e.g. trade gross values in USD).
    is_second : np.ndarray
        Shape ``(n,)`` bool: the position belongs to the second side (e.g. ``is_buyer_maker``: a short).
    k_first, k_second : int
        How many of each side to keep (>= 0; more than the side holds keeps all of it).

    Returns
    -------
    np.ndarray
        Shape ``(n,)`` bool, true at the kept positions.
    """
    n = values.size
    k_first = min(max(k_first, 0), n)
    k_second = min(max(k_second, 0), n)
    heap_first = np.empty(k_first, dtype=np.int64)
    heap_second = np.empty(k_second, dtype=np.int64)
    n_first = 0
    n_second = 0
    # the value a newcomer must exceed: -inf while a heap fills, then its worst value. The side is looked at only
    # for the rare newcomer that passes, so the loop does not branch on the (unpredictable) side of each position
    floor_first = -np.inf if k_first > 0 else np.inf
    floor_second = -np.inf if k_second > 0 else np.inf
    for j in range(n):
        second = is_second[j]
        floor = floor_second if second else floor_first
        if values[j] > floor:
            if second:
                n_second = _offer(values, heap_second, k_second, n_second, j)
                if n_second == k_second:
                    floor_second = values[heap_second[0]]
            else:
                n_first = _offer(values, heap_first, k_first, n_first, j)
                if n_first == k_first:
                    floor_first = values[heap_first[0]]
    mask = np.zeros(n, dtype=np.bool_)
    for i in range(n_first):
        mask[heap_first[i]] = True
    for i in range(n_second):
        mask[heap_second[i]] = True
    return mask
