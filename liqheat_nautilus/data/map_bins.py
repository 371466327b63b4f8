"""The ``LiquidationMapBins`` custom data type: the map's notional per price bin and leverage tier at one instant."""

import base64
import zlib

import numpy as np
from nautilus_trader.core.data import Data
from nautilus_trader.model.custom import customdataclass
from nautilus_trader.model.identifiers import InstrumentId

_USD_DTYPE = np.dtype("<f4")
_TIER_DTYPE = np.dtype("<f8")
_STATUS_DTYPE = np.dtype("i1")


def _raw(value) -> bytes:
    """Bytes of an array field: ``bytes`` as stored (Arrow, msgpack), or base64 text (the JSON encoding)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return base64.b64decode(value)
    raise TypeError(f"LiquidationMapBins: an array field must be bytes or base64 text, was {type(value).__name__}")


def _pack(array: np.ndarray) -> bytes:
    return zlib.compress(array.tobytes(), 1)


def _unpack(blob: bytes, dtype: np.dtype) -> np.ndarray:
    return np.frombuffer(zlib.decompress(blob), dtype=dtype)


@customdataclass
class LiquidationMapBins(Data):
    """
    The liquidation map's open notional per price bin and leverage tier (the data behind the map and heatmap).

    Only the rows between the lowest and the highest non-empty bin are carried (``n_rows`` of them, starting at
    global bin ``first_bin``); global bin ``g`` covers prices ``[g·bin_width, (g+1)·bin_width)``. Arrays are
    zlib-compressed little-endian bytes (most bin × tier cells are empty: about ten times smaller), so the type
    round-trips through the catalog (Arrow binary), msgpack and JSON (:meth:`to_dict` with the array fields as
    base64 text, back with :meth:`from_dict`); read them with the accessor methods.

    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument of the map.
    price : float
        Price (quote currency) at the update.
    bin_width : float
        Width of a bin (price).
    first_bin : int
        Global index of the first row carried.
    n_rows : int
        Number of rows carried (0 when the map is empty).
    tiers : bytes
        zlib of ``float64`` leverage tiers (x), shape ``(n_tiers,)``.
    long_usd, short_usd : bytes
        zlib of ``float32`` open long / short notional (USD) per bin and tier, shape ``(n_rows, n_tiers)``
        row-major.
    long_status, short_status : bytes
        zlib of ``int8`` bin status per row (0 ``ACTIVE``, 1 ``PARTIAL``, 2 ``CLEARED``), shape ``(n_rows,)``.
    ts_event, ts_init : int
        UNIX times (nanoseconds) of the map update (the same as the snapshot's).
    """

    instrument_id: InstrumentId = InstrumentId.from_str("NULL.NULL")
    price: float = 0.0
    bin_width: float = 0.0
    first_bin: int = 0
    n_rows: int = 0
    tiers: bytes = b""
    long_usd: bytes = b""
    short_usd: bytes = b""
    long_status: bytes = b""
    short_status: bytes = b""

    @classmethod
    def from_dict(cls, data: dict) -> "LiquidationMapBins":
        """
        Rebuild from :meth:`to_dict` output or its JSON form (array fields as base64 text).

        Parameters
        ----------
        data : dict
            Field values, ``type`` (ignored), ``ts_event``, ``ts_init`` (int or decimal text).

        Returns
        -------
        LiquidationMapBins

        Raises
        ------
        KeyError, TypeError, ValueError
            If a field is missing or malformed.
        """
        return cls(
            instrument_id=InstrumentId.from_str(str(data["instrument_id"])), price=float(data["price"]),
            bin_width=float(data["bin_width"]), first_bin=int(data["first_bin"]), n_rows=int(data["n_rows"]),
            tiers=_raw(data["tiers"]), long_usd=_raw(data["long_usd"]), short_usd=_raw(data["short_usd"]),
            long_status=_raw(data["long_status"]), short_status=_raw(data["short_status"]),
            ts_event=int(data["ts_event"]), ts_init=int(data["ts_init"]),
        )

    @classmethod
    def from_arrays(cls, instrument_id: InstrumentId, price: float, bin_width: float, base: int, tiers,
                    long_tier_usd: np.ndarray, short_tier_usd: np.ndarray, long_status: np.ndarray,
                    short_status: np.ndarray, ts_ns: int) -> "LiquidationMapBins":
        """
        Build from a map's full grid, keeping only the rows between the first and last non-empty bin.

        Parameters
        ----------
        instrument_id : InstrumentId
            The instrument of the map.
        price : float
            Current price.
        bin_width : float
            Bin width (price).
        base : int
            Global index of the grid's first bin.
        tiers : sequence of float
            Leverage tiers (x), ``(n_tiers,)``.
        long_tier_usd, short_tier_usd : np.ndarray
            ``(n_bins, n_tiers)`` notional (USD), e.g. ``LiquidationMapEngine.tier_usd()``.
        long_status, short_status : np.ndarray
            ``(n_bins,)`` status codes, e.g. ``LiquidationMapEngine.bin_status()``.
        ts_ns : int
            ``ts_event`` and ``ts_init`` (UNIX ns).

        Returns
        -------
        LiquidationMapBins
        """
        filled = np.flatnonzero((long_tier_usd > 0.0).any(axis=1) | (short_tier_usd > 0.0).any(axis=1))
        lo, hi = (int(filled[0]), int(filled[-1]) + 1) if filled.size else (0, 0)
        return cls(
            instrument_id=instrument_id, price=float(price), bin_width=float(bin_width), first_bin=int(base) + lo,
            n_rows=hi - lo, tiers=_pack(np.asarray(tiers, dtype=_TIER_DTYPE)),
            long_usd=_pack(np.ascontiguousarray(long_tier_usd[lo:hi], dtype=_USD_DTYPE)),
            short_usd=_pack(np.ascontiguousarray(short_tier_usd[lo:hi], dtype=_USD_DTYPE)),
            long_status=_pack(np.asarray(long_status[lo:hi], dtype=_STATUS_DTYPE)),
            short_status=_pack(np.asarray(short_status[lo:hi], dtype=_STATUS_DTYPE)),
            ts_event=int(ts_ns), ts_init=int(ts_ns),
        )

    def tier_values(self) -> np.ndarray:
        """
        Leverage tiers (x), ``float64`` ``(n_tiers,)``.

        Returns
        -------
        np.ndarray
        """
        return _unpack(self.tiers, _TIER_DTYPE)

    def long_tier_usd(self) -> np.ndarray:
        """
        Open long notional (USD) per row and tier, ``float64`` ``(n_rows, n_tiers)``.

        Returns
        -------
        np.ndarray
        """
        return _unpack(self.long_usd, _USD_DTYPE).astype(np.float64).reshape(self.n_rows, self.tier_values().size)

    def short_tier_usd(self) -> np.ndarray:
        """
        Open short notional (USD) per row and tier, ``float64`` ``(n_rows, n_tiers)``.

        Returns
        -------
        np.ndarray
        """
        return _unpack(self.short_usd, _USD_DTYPE).astype(np.float64).reshape(self.n_rows, self.tier_values().size)

    def statuses(self) -> tuple[np.ndarray, np.ndarray]:
        """
        Status codes ``(long, short)``, ``int8`` ``(n_rows,)`` each (0 ACTIVE, 1 PARTIAL, 2 CLEARED).

        Returns
        -------
        tuple[np.ndarray, np.ndarray]
        """
        return _unpack(self.long_status, _STATUS_DTYPE), _unpack(self.short_status, _STATUS_DTYPE)

    def lower_edges(self) -> np.ndarray:
        """
        Lower edge (price) of each row, ``(n_rows,)``.

        Returns
        -------
        np.ndarray
        """
        return (self.first_bin + np.arange(self.n_rows)) * self.bin_width
