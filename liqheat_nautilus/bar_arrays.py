"""
Nautilus ``Bar`` objects as arrays: every field of many bars read in one compiled pass.

Reading a field of a ``Bar`` from Python builds a ``Price`` or ``Quantity`` object first (``bar.high.as_double()``:
about 0.1 us a field, 0.5 us a bar for the map's five), and NautilusTrader 1.221 has no call that returns the
fields of many bars at once. :func:`bar_arrays` reads them from the bars' own memory (the ``Bar_t`` struct inside
each object, whose field offsets are found once per process from a probe bar of known values), converting each raw
fixed-point value exactly as Nautilus does (``raw as f64 / FIXED_SCALAR``, correctly rounded). The offsets are
checked on the probe, and the first read of real bars in a process is checked against the Python accessors on its
first and last bar (the layout is one per Nautilus build). If a build lays the struct out differently (no unique
offsets, or a check fails), every bar is read through the accessors instead, with one warning in the log: the arrays
are the same either way. Only objects of exactly the type ``Bar`` are read from memory, and only while the caller
holds them.
"""

import ctypes
import logging
from collections.abc import Sequence
from typing import NamedTuple

import numba
import numpy as np
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.objects import FIXED_PRECISION_BYTES, FIXED_SCALAR, Price, Quantity
from numba import types
from numba.extending import intrinsic

__all__ = ["BarArrays", "bar_arrays"]

_LOG = logging.getLogger(__name__)

_FIELDS = ("open", "high", "low", "close", "volume", "ts_event")


class BarArrays(NamedTuple):
    """
    The fields of ``n`` bars, in the order given.

    Attributes
    ----------
    ts_ns : np.ndarray
        ``(n,)`` int64 ``ts_event`` (bar close, UNIX ns).
    open, high, low, close : np.ndarray
        ``(n,)`` float64 prices (``Price.as_double()``).
    volume : np.ndarray
        ``(n,)`` float64 volumes in the instrument's size unit (``Quantity.as_double()``).
    """

    ts_ns: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray


@intrinsic
def _load_u64(typingctx, address):  # noqa: ARG001 (numba's signature)
    """Load the 8 bytes at ``address`` (an integer) as a uint64 (compiled code only)."""
    if not isinstance(address, types.Integer):
        return None

    def codegen(context, builder, signature, args):  # noqa: ARG001
        pointer = builder.inttoptr(args[0], context.get_value_type(types.CPointer(types.uint64)))
        return builder.load(pointer)

    return types.uint64(address), codegen


@numba.njit(cache=True, nogil=True)
def _wide_to_f64(lo, hi, signed):
    """Correctly rounded float64 of the 128-bit integer ``hi·2⁶⁴ + lo`` (two's complement when ``signed``)."""
    zero, one = np.uint64(0), np.uint64(1)
    negative = signed and (hi >> np.uint64(63)) == one
    if negative:  # the magnitude: -value in 128-bit two's complement
        lo = ~lo + one
        hi = ~hi + (one if lo == zero else zero)
    if hi == zero:
        magnitude = float(lo)
    else:  # the top 64 bits with a sticky bit for the rest: their rounding to 53 bits is the value's
        bits = 0
        rest = hi
        while rest != zero:
            rest >>= one
            bits += 1
        if bits == 64:
            top, sticky = hi, lo != zero
        else:
            top = (hi << np.uint64(64 - bits)) | (lo >> np.uint64(bits))
            sticky = (lo << np.uint64(64 - bits)) != zero
        if sticky:
            top |= one
        magnitude = float(top) * 2.0 ** bits
    return -magnitude if negative else magnitude


@numba.njit(cache=True, nogil=True)
def _read_bars(addresses, offsets, wide, scalar, ts_ns, values):
    """
    Fill ``ts_ns`` ``(n,)`` and ``values`` ``(5, n)`` (open, high, low, close, volume) from the bars at ``addresses``.

    ``offsets``: the byte offsets of the five raw values and of ``ts_event`` in a bar object; ``wide``: raw values
    are 128-bit (else 64-bit); prices signed, the volume unsigned.
    """
    for i in range(addresses.shape[0]):
        base = addresses[i]
        for f in range(5):
            at = base + offsets[f]
            lo = _load_u64(at)
            if wide:
                raw = _wide_to_f64(lo, _load_u64(at + 8), f < 4)
            elif f < 4:
                raw = float(np.int64(lo))
            else:
                raw = float(lo)
            values[f, i] = raw / scalar
        ts_ns[i] = np.int64(_load_u64(base + offsets[5]))


def _probe_bar() -> Bar:
    """Return a bar whose raw values are distinct and wide (above 2⁶⁴ under 128-bit precision)."""
    return Bar(BarType.from_str("PROBE-PERP.LIQHEAT-1-MINUTE-LAST-EXTERNAL"), Price.from_str("1234567.891"),
               Price.from_str("2345678.912"), Price.from_str("1123456.789"), Price.from_str("1987654.321"),
               Quantity.from_str("3456789.123"), 1_700_000_000_123_456_789, 1_700_000_000_987_654_321)


def _find_layout() -> np.ndarray | None:
    """Byte offsets of the raw open, high, low, close, volume and ``ts_event`` in a ``Bar`` (None: not found)."""
    if FIXED_PRECISION_BYTES not in (8, 16):
        return None
    probe = _probe_bar()
    memory = ctypes.string_at(id(probe), Bar.__basicsize__)
    patterns = [getattr(probe, name).raw.to_bytes(FIXED_PRECISION_BYTES, "little", signed=name != "volume")
                for name in _FIELDS[:5]] + [probe.ts_event.to_bytes(8, "little")]
    offsets = []
    for pattern in patterns:
        found = [at for at in range(0, len(memory) - len(pattern) + 1, 8) if memory[at:at + len(pattern)] == pattern]
        if len(found) != 1:
            return None
        offsets.append(found[0])
    layout = np.array(offsets, dtype=np.int64)
    if not _matches(_read([probe], layout), [probe]):
        return None
    return layout


def _read(bars: Sequence[Bar], layout: np.ndarray) -> BarArrays:
    """Read ``bars`` (every one an exact ``Bar``) in one compiled pass with the offsets ``layout``."""
    n = len(bars)
    addresses = np.fromiter(map(id, bars), dtype=np.int64, count=n)
    ts_ns, values = np.empty(n, dtype=np.int64), np.empty((5, n))
    _read_bars(addresses, layout, FIXED_PRECISION_BYTES == 16, float(FIXED_SCALAR), ts_ns, values)
    return BarArrays(ts_ns, values[0], values[1], values[2], values[3], values[4])


def _accessor_row(bar: Bar) -> tuple[int, float, float, float, float, float]:
    """One bar's fields through Nautilus' Python accessors."""
    return (bar.ts_event, bar.open.as_double(), bar.high.as_double(), bar.low.as_double(), bar.close.as_double(),
            bar.volume.as_double())


def _matches(arrays: BarArrays, bars: Sequence[Bar]) -> bool:
    """Whether the first and last bar of ``arrays`` equal their accessors' values exactly."""
    return all(tuple(a[i].item() for a in arrays) == _accessor_row(bars[i]) for i in {0, len(bars) - 1})


_UNSET = np.empty(0, dtype=np.int64)
_layout: np.ndarray | None = _UNSET
_checked = False  # a read of real bars agreed with their accessors (the layout is one per Nautilus build)


def _accessor_arrays(bars: Sequence[Bar]) -> BarArrays:
    """Every bar through the accessors (the fallback, and for objects that are not exactly ``Bar``)."""
    n = len(bars)
    return BarArrays(
        np.fromiter((b.ts_event for b in bars), dtype=np.int64, count=n),
        *(np.fromiter((getattr(b, name).as_double() for b in bars), dtype=np.float64, count=n)
          for name in _FIELDS[:5]),
    )


def bar_arrays(bars: Sequence[Bar]) -> BarArrays:
    """
    Return the fields of ``bars`` as arrays, exactly the values of ``ts_event`` and ``as_double()``.

    Parameters
    ----------
    bars : Sequence[Bar]
        ``n`` Nautilus bars (any order; kept alive by the caller while this runs). Other objects with the same
        attributes (e.g. a ``Bar`` subclass) are read through their accessors.

    Returns
    -------
    BarArrays
        ``(n,)`` arrays in the order of ``bars``.

    Raises
    ------
    AttributeError
        If an element has no bar fields.
    """
    global _layout, _checked
    if not bars:
        return _accessor_arrays(bars)
    if _layout is _UNSET:
        _layout = _find_layout()
        if _layout is None:
            _LOG.warning("bar_arrays: this NautilusTrader build lays out Bar differently; reading bars through "
                         "their Python accessors (same values, about 0.5 us a bar)")
    if _layout is not None and {*map(type, bars)} == {Bar}:
        arrays = _read(bars, _layout)
        if _checked or _matches(arrays, bars):
            _checked = True
            return arrays
        _layout = None
        _LOG.warning("bar_arrays: a compiled read disagreed with Bar's accessors; reading bars through the "
                     "accessors from now on")
    return _accessor_arrays(bars)
