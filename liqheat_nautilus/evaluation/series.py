"""The time series an evaluation reads: bars, open interest, funding and actual liquidations (numpy arrays)."""

from dataclasses import dataclass, fields, replace
from typing import ClassVar, Self

import numpy as np

from liqheat_nautilus.core.units import NS_PER_HOUR
from liqheat_nautilus.persistence.reader import MarketSeries, value_at


@dataclass(frozen=True)
class TimeSeries:
    """
    Base of the evaluation's series: parallel ``(n,)`` array fields, one of which holds the times that order them.

    Subclasses are frozen dataclasses naming that field in ``TIME_FIELD``; every ``np.ndarray`` field is cut alike
    and checked alike (:meth:`__post_init__`, again after a cut); a subclass adds its own checks after calling it.
    """

    TIME_FIELD: ClassVar[str]
    """The field holding the times (UNIX ns) that :meth:`slice_time` selects on."""
    LABEL: ClassVar[str] = "series"
    """What the series is, in error messages."""
    NON_NEGATIVE: ClassVar[tuple[str, ...]] = ()
    """Fields whose values must be >= 0."""
    MAY_BE_NAN: ClassVar[tuple[str, ...]] = ()
    """Fields whose values may be ``nan`` (not reported)."""

    def __post_init__(self) -> None:
        """
        Check the rows.

        Raises
        ------
        ValueError
            If the times are not one-dimensional and strictly increasing, an array field's shape differs from
            theirs, a value is not finite (``MAY_BE_NAN`` fields excepted) or a ``NON_NEGATIVE`` value is < 0; the
            message names the series (:attr:`LABEL`), the field and the first row at fault.
        """
        label = self._label()
        ts = getattr(self, self.TIME_FIELD)
        if ts.ndim != 1:
            raise ValueError(f"{label}: timestamps must be one-dimensional, shape was {ts.shape}")
        if ts.size > 1 and np.any(np.diff(ts) <= 0):
            pos = int(np.flatnonzero(np.diff(ts) <= 0)[0]) + 1
            raise ValueError(f"{label}: timestamps must be strictly increasing (row {pos} is not)")
        for f in fields(self):
            arr = getattr(self, f.name)
            if f.name == self.TIME_FIELD or not isinstance(arr, np.ndarray):
                continue
            if arr.shape != ts.shape:
                raise ValueError(f"{label}: field {f.name!r} has shape {arr.shape}, timestamps {ts.shape}")
            if f.name not in self.MAY_BE_NAN and not np.isfinite(arr).all():
                pos = int(np.flatnonzero(~np.isfinite(arr))[0])
                raise ValueError(f"{label}: field {f.name!r} is not finite at row {pos}")
        if any(np.any(getattr(self, name) < 0.0) for name in self.NON_NEGATIVE):
            raise ValueError(f"{label}: {' and '.join(self.NON_NEGATIVE)} must be >= 0")

    def _label(self) -> str:
        """Return the series' name in error messages (:attr:`LABEL`)."""
        return self.LABEL

    def __len__(self) -> int:
        """Return the number of rows."""
        return int(getattr(self, self.TIME_FIELD).size)

    def take(self, index: np.ndarray | slice) -> Self:
        """
        Keep the rows at ``index`` of every array field (other fields, e.g. a name, are kept as they are).

        Parameters
        ----------
        index : np.ndarray or slice
            A boolean mask of shape ``(n,)`` or a slice.

        Returns
        -------
        Self
            A series of the same class.
        """
        cut = {f.name: v[index] for f in fields(self)
               if isinstance(v := getattr(self, f.name), np.ndarray)}
        return replace(self, **cut)

    def slice_time(self, start_ns: int, end_ns: int) -> Self:
        """
        Rows whose time (the ``TIME_FIELD``) lies in ``[start_ns, end_ns]``.

        Parameters
        ----------
        start_ns, end_ns : int
            Inclusive bounds (UNIX ns).

        Returns
        -------
        Self
            A series of the same class.
        """
        ts = getattr(self, self.TIME_FIELD)
        return self.take((ts >= start_ns) & (ts <= end_ns))


@dataclass(frozen=True)
class BarSeries(TimeSeries):
    """
    OHLCV bars of the price path.

    Parameters
    ----------
    open_ns, close_ns : np.ndarray
        Shape ``(n,)`` int64 bar open and close times (UNIX ns), strictly increasing, ``close_ns > open_ns``.
    open, high, low, close : np.ndarray
        Shape ``(n,)`` float64 prices (quote currency).
    volume : np.ndarray
        Shape ``(n,)`` float64 volume (any unit; the engine uses relative volume only).

    Raises
    ------
    ValueError
        If shapes differ, values are not finite, times are not increasing or a bar is inconsistent.
    """

    open_ns: np.ndarray
    close_ns: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    TIME_FIELD: ClassVar[str] = "close_ns"
    LABEL: ClassVar[str] = "bars"

    def __post_init__(self) -> None:
        """Check the bars (``ValueError``): times increasing, close after open, prices > 0, high >= low, volume >= 0."""
        super().__post_init__()
        if np.any(self.close_ns <= self.open_ns):
            raise ValueError("bars: every close time must be after its open time")
        if np.any(self.low <= 0.0) or np.any(self.high < self.low) or np.any(self.volume < 0.0):
            raise ValueError("bars: prices must be > 0 with high >= low, volume >= 0")

@dataclass(frozen=True)
class Observations(TimeSeries):
    """
    Point observations of one quantity (open interest in USD, or a funding rate as a fraction per interval).

    Parameters
    ----------
    ts_ns : np.ndarray
        Shape ``(n,)`` int64 observation times (UNIX ns), strictly increasing.
    value : np.ndarray
        Shape ``(n,)`` float64 values.
    name : str
        What the values are (used in error messages).
    base : np.ndarray, optional
        Open interest only: shape ``(n,)`` float64 open interest in base units, ``nan`` where the venue did not
        report it (the engine then divides the USD value by the price, as the actor does).

    Raises
    ------
    ValueError
        If shapes differ, values are not finite or times are not increasing.
    """

    ts_ns: np.ndarray
    value: np.ndarray
    name: str = "observations"
    base: np.ndarray | None = None
    TIME_FIELD: ClassVar[str] = "ts_ns"
    MAY_BE_NAN: ClassVar[tuple[str, ...]] = ("base",)

    def _label(self) -> str:
        """Return :attr:`name` (what the values are)."""
        return self.name

    def at(self, at_ns: np.ndarray) -> np.ndarray:
        """
        Return the value last observed at or before each time (step interpolation, e.g. the open interest known then).

        Parameters
        ----------
        at_ns : np.ndarray
            Shape ``(m,)`` int64 times (UNIX ns).

        Returns
        -------
        np.ndarray
            Shape ``(m,)`` float64 values (the unit of :attr:`value`); ``nan`` before the first observation.
        """
        return value_at(self.ts_ns, self.value, at_ns)


@dataclass(frozen=True)
class TakerFlow(TimeSeries):
    """
    Taker buy and sell volume per period, observed at the period end.

    Parameters
    ----------
    ts_ns : np.ndarray
        Shape ``(n,)`` int64 observation times (period ends, UNIX ns), strictly increasing.
    buy_usd, sell_usd : np.ndarray
        Shape ``(n,)`` float64 taker buy / sell volume (USD) of the period, >= 0.

    Raises
    ------
    ValueError
        If shapes differ, values are negative or not finite, or times are not increasing.
    """

    ts_ns: np.ndarray
    buy_usd: np.ndarray
    sell_usd: np.ndarray
    TIME_FIELD: ClassVar[str] = "ts_ns"
    LABEL: ClassVar[str] = "taker volume"
    NON_NEGATIVE: ClassVar[tuple[str, ...]] = ("buy_usd", "sell_usd")


@dataclass(frozen=True)
class LiquidationWindows(TimeSeries):
    """
    Actual liquidations aggregated per time window.

    Parameters
    ----------
    start_ns, end_ns : np.ndarray
        Shape ``(n,)`` int64 window bounds (UNIX ns), ``[start, end)``, strictly increasing, not overlapping.
    long_usd, short_usd : np.ndarray
        Shape ``(n,)`` float64 USD notional of long and short positions liquidated in the window, >= 0.

    Raises
    ------
    ValueError
        If shapes differ, values are negative or not finite, or windows overlap.
    """

    start_ns: np.ndarray
    end_ns: np.ndarray
    long_usd: np.ndarray
    short_usd: np.ndarray
    TIME_FIELD: ClassVar[str] = "start_ns"
    LABEL: ClassVar[str] = "liquidations"
    NON_NEGATIVE: ClassVar[tuple[str, ...]] = ("long_usd", "short_usd")

    def __post_init__(self) -> None:
        """Check the windows: increasing, not overlapping, shapes equal, USD finite and >= 0 (``ValueError``)."""
        super().__post_init__()
        if np.any(self.end_ns <= self.start_ns) or np.any(self.end_ns[:-1] > self.start_ns[1:]):
            raise ValueError("liquidations: windows must have end > start and must not overlap")


@dataclass(frozen=True)
class EvaluationData:
    """
    Everything one evaluation needs.

    Parameters
    ----------
    bars : BarSeries
        The price path (its bars may start before the first window: they warm the grid up).
    open_interest : Observations
        Open interest (USD notional) observations.
    funding : Observations
        Funding rates (fraction per funding interval); may be empty.
    liquidations : LiquidationWindows
        Actual liquidations per window; the windows define the evaluation's snapshots (at each window end).
    source : str
        Human-readable description of where the data came from.
    notes : tuple[str, ...]
        Caveats printed with the report (e.g. scope mismatch of OI and liquidations).
    taker : TakerFlow, optional
        Taker buy/sell volume per period (fed to the engine's ``update_taker_volume``; it only matters when
        the engine's taker skew parameters are non-zero).
    is_inverse : bool, optional
        The instrument is an inverse (coin-margined) contract (from the catalog's definition of it); ``None`` when
        unknown (CSV inputs). The replay's ``MapParams.inverse`` follows it when known.
    instrument_id : str, optional
        The instrument the data describe (``"BTCUSDT-PERP.BINANCE"`` for the Coinglass set, the catalog's for
        ``--dataset catalog``); ``None`` when unknown (CSV inputs). ``liqheat calibrate`` records it in the profile.
    """

    bars: BarSeries
    open_interest: Observations
    funding: Observations
    liquidations: LiquidationWindows
    source: str = ""
    notes: tuple[str, ...] = ()
    taker: TakerFlow | None = None
    is_inverse: bool | None = None
    instrument_id: str | None = None

    def check_inverse(self, fields: dict, source: str = "--param") -> None:
        """
        Refuse an ``inverse`` engine parameter that contradicts the instrument.

        :func:`~liqheat_nautilus.replay.check_inverse_fields` with the data's ``is_inverse``.

        Parameters
        ----------
        fields : dict
            Engine parameters given by the user (``--param NAME=VALUE``, or a profile file's ``[map]``).
        source : str, default "--param"
            Where they came from: ``"--param"`` or the profile file (named in the error).

        Raises
        ------
        ValueError
            If ``fields`` sets ``inverse`` and the data's instrument is known to be the other kind (naming the
            source and both kinds).
        """
        from liqheat_nautilus.replay import check_inverse_fields

        check_inverse_fields(fields, self.is_inverse, source)

    def market_series(self, instrument_id: str = "EVALUATION") -> MarketSeries:
        """
        Convert the inputs to the replay driver's :class:`~liqheat_nautilus.persistence.reader.MarketSeries`.

        Parameters
        ----------
        instrument_id : str, default "EVALUATION"
            A label.

        Returns
        -------
        MarketSeries
            Bars at their close times; open interest (USD, and base units where known), funding and taker volume.
        """
        b, oi, f, t = self.bars, self.open_interest, self.funding, self.taker
        empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0)
        return MarketSeries(
            instrument_id, b.close_ns, b.open, b.high, b.low, b.close, b.volume, oi.ts_ns, oi.value,
            oi.base if oi.base is not None else np.full(oi.ts_ns.size, np.nan), f.ts_ns, f.value,
            taker_ts_ns=t.ts_ns if t is not None else empty_i, taker_buy_usd=t.buy_usd if t is not None else empty_f,
            taker_sell_usd=t.sell_usd if t is not None else empty_f, is_inverse=self.is_inverse,
        )

    def head_windows(self, n: int) -> "EvaluationData":
        """
        Cut the data after the first ``n`` liquidation windows (keeping the bars needed to look ahead).

        Parameters
        ----------
        n : int
            Number of windows kept, >= 1.

        Returns
        -------
        EvaluationData
            Bars are kept up to 7 days past the last kept window so look-ahead horizons stay measurable.

        Raises
        ------
        ValueError
            If ``n`` < 1.
        """
        if n < 1:
            raise ValueError(f"head_windows: n must be >= 1, was {n}")
        liq = self.liquidations.take(slice(0, n))
        end = int(liq.end_ns[-1])
        first = int(np.iinfo(np.int64).min)
        return EvaluationData(
            bars=self.bars.slice_time(first, end + 7 * 24 * NS_PER_HOUR),
            open_interest=self.open_interest.slice_time(first, end),
            funding=self.funding.slice_time(first, end),
            liquidations=liq,
            source=self.source + (f" (first {n} windows)" if n < len(self.liquidations) else ""),
            notes=self.notes,
            taker=self.taker.slice_time(first, end) if self.taker is not None else None,
            is_inverse=self.is_inverse,
            instrument_id=self.instrument_id,
        )
