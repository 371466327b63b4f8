"""Shared pieces of the compiled kernels.

The ``njit`` decorator, status and method codes, row sums, numpy's
pairwise summation and the position units of a bin's notional.

A private module: import the public names from :mod:`liqheat_nautilus.core.kernels`.
"""

import hashlib
import os
from pathlib import Path

import numba
import numpy as np

METHOD_QUANTILE = 0
METHOD_SIGMA = 1
# bin status codes (``SideBook.status``; names in ``core.enums.STATUS_NAMES``)
STATUS_ACTIVE = 0
STATUS_PARTIAL = 1
STATUS_CLEARED = 2

jit = numba.njit(cache=True, nogil=True)


@jit
def row_sum(usd, k):
    """
    Notional of bin ``k``: the sum of row ``k`` of ``usd`` over the tiers, added left to right.

    Parameters
    ----------
    usd : np.ndarray
        ``(n_bins, n_tiers)`` float64, notional per bin and leverage tier (USD).
    k : int
        The bin (row), ``0 <= k < n_bins``.

    Returns
    -------
    float
        The bin's notional (USD; ``+0.0`` for a row of zeros).
    """
    total = 0.0
    for t in range(usd.shape[1]):
        total += usd[k, t]
    return total


SOURCES_STAMP = "liqheat_kernels.sources.sha256"
"""File beside numba's cached kernels holding the digest of the kernel sources they were compiled from."""


def drop_stale_caches(cache_dir: Path, sources: Path) -> bool:
    """
    Delete numba's cached kernels when any kernel source changed since they were compiled.

    numba invalidates a cached function only when its *own* file changes: a kernel that calls one of another file
    (``anchor_interval`` → ``scatter.open_cohort``) or uses a constant of ``_base`` keeps its old machine code after
    that file changes, e.g. after a ``git pull`` into an editable install, and computes the old map silently. The
    digest of every ``*.py`` of ``sources`` is kept in :data:`SOURCES_STAMP` in ``cache_dir``; when it differs,
    every ``*.nbi``/``*.nbc`` there is deleted (each kernel then compiles again once) and the new digest written.

    Parameters
    ----------
    cache_dir : Path
        numba's cache folder of the kernels (``__pycache__`` beside them, or under ``NUMBA_CACHE_DIR``).
    sources : Path
        The kernel package's folder.

    Returns
    -------
    bool
        Whether caches were dropped (``False`` also when the folder cannot be written: numba then caches nothing
        there either).
    """
    digest = hashlib.sha256()
    for path in sorted(sources.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    want = digest.hexdigest()
    stamp = cache_dir / SOURCES_STAMP
    try:
        if stamp.read_text() == want:
            return False
    except OSError:
        pass
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for cached in [*cache_dir.glob("*.nbi"), *cache_dir.glob("*.nbc")]:
            cached.unlink(missing_ok=True)
        partial = cache_dir / f"{SOURCES_STAMP}.{os.getpid()}"
        partial.write_text(want)
        os.replace(partial, stamp)  # another process starting at once writes the same digest
    except OSError:
        return False
    return True


drop_stale_caches(Path(getattr(getattr(row_sum, "_cache", None), "_cache_path", Path(__file__).parent / "__pycache__")),
                  Path(__file__).parent)


@jit
def row_nonzero(usd, k):
    """
    Whether bin ``k`` holds notional: any tier of row ``k`` of ``usd`` above zero.

    Parameters
    ----------
    usd : np.ndarray
        ``(n_bins, n_tiers)`` float64, notional per bin and leverage tier (USD).
    k : int
        The bin (row), ``0 <= k < n_bins``.

    Returns
    -------
    bool
    """
    # an explicit loop (numba does not compile a generator inside any())
    for t in range(usd.shape[1]):  # noqa: SIM110
        if usd[k, t] > 0.0:
            return True
    return False


@jit
def row_totals(usd):
    """
    Notional per bin: the row sums of ``usd``.

    Parameters
    ----------
    usd : np.ndarray
        ``(n_bins, n_tiers)`` float64 USD.

    Returns
    -------
    np.ndarray
        ``(n_bins,)`` float64 USD (tiers summed in order).
    """
    n = usd.shape[0]
    out = np.empty(n)
    for k in range(n):
        out[k] = row_sum(usd, k)
    return out


@jit
def position_units(usd_amount, t, k, unit_w, inverse, base, width):
    """Position units of ``usd_amount`` USD in bin ``k``, tier ``t``: USD (inverse) or base ≈ USD·f_t / centre."""
    if inverse:
        return usd_amount
    return usd_amount * unit_w[t] / ((base + k + 0.5) * width)


@jit
def _block_sum(values, lo, n):
    """Numpy's pairwise summation of a run of at most 128 values (the leaves of :func:`pairwise_sum`)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += values[i]
        return res
    v = values[lo:lo + n]  # indices from 0: no negative-index handling in the loop
    r0, r1, r2, r3 = v[0], v[1], v[2], v[3]
    r4, r5, r6, r7 = v[4], v[5], v[6], v[7]
    stop = n - n % 8
    for i in range(8, stop, 8):
        r0 += v[i]
        r1 += v[i + 1]
        r2 += v[i + 2]
        r3 += v[i + 3]
        r4 += v[i + 4]
        r5 += v[i + 5]
        r6 += v[i + 6]
        r7 += v[i + 7]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(stop, n):
        res += v[i]
    return res


@jit
def pairwise_sum(values, lo, n):
    """
    ``values[lo:lo + n].sum()`` exactly as numpy computes it (its pairwise summation of a contiguous float64 run).

    numpy adds runs of fewer than 8 values in order; up to 128 values in eight interleaved partial sums combined
    as ``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))`` plus the remainder in order; longer runs are split
    at half (rounded down to a multiple of 8) and the halves' sums added. Reproducing it keeps the compiled paths
    bit-identical with the numpy code they replace. (The recursion is unrolled onto an explicit stack: numba's
    on-disk cache cannot load a recursive function called from another one.)

    Parameters
    ----------
    values : np.ndarray
        1-d float64, contiguous.
    lo, n : int
        First index and count.

    Returns
    -------
    float
    """
    return pairwise_sum_nonzero(values, lo, n, lo, lo + n)  # every value may be non-zero: the same splits


@jit
def pairwise_sum_nonzero(values, lo, n, nz_lo, nz_hi):
    """
    :func:`pairwise_sum` of ``values[lo:lo + n]`` when every non-zero value lies in ``values[nz_lo:nz_hi]``.

    The same splits and additions as :func:`pairwise_sum`, but a part lying wholly outside ``nz_lo..nz_hi - 1`` is
    not read: its sum is taken as ``0.0``, which is what adding its zeros gives (``+0.0``; adding it to the other
    part's sum changes nothing), so the result is bit-identical for values that are ``+0.0`` there, e.g. a side's
    grid outside its span of bins.

    Parameters
    ----------
    values : np.ndarray
        1-d float64, contiguous, ``+0.0`` outside ``nz_lo..nz_hi - 1`` and not ``-0.0`` anywhere.
    lo, n : int
        First index and count.
    nz_lo, nz_hi : int
        The half-open index range that holds every non-zero value (may be empty: ``nz_hi <= nz_lo``).

    Returns
    -------
    float
    """
    if n <= 128:
        if lo + n <= nz_lo or lo >= nz_hi:
            return 0.0
        return _block_sum(values, lo, n)
    st_lo = np.empty(64, dtype=np.int64)
    st_n = np.empty(64, dtype=np.int64)
    st_stage = np.empty(64, dtype=np.int64)
    st_acc = np.empty(64)
    st_lo[0], st_n[0], st_stage[0] = lo, n, 0
    top = 1
    ret = 0.0
    while top > 0:
        f = top - 1
        f_lo, f_n = st_lo[f], st_n[f]
        if f_lo + f_n <= nz_lo or f_lo >= nz_hi:  # only zeros: their sum is +0.0
            ret = 0.0
            top -= 1
            continue
        if f_n <= 128:
            ret = _block_sum(values, f_lo, f_n)
            top -= 1
            continue
        half = f_n // 2
        half -= half % 8
        stage = st_stage[f]
        if stage == 0:  # first half
            st_stage[f] = 1
            st_lo[top], st_n[top], st_stage[top] = f_lo, half, 0
            top += 1
        elif stage == 1:  # second half, keeping the first's sum
            st_acc[f] = ret
            st_stage[f] = 2
            st_lo[top], st_n[top], st_stage[top] = f_lo + half, f_n - half, 0
            top += 1
        else:
            ret = st_acc[f] + ret
            top -= 1
    return ret
