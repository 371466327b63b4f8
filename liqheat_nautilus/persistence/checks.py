"""Row-level checks of tabular exchange data that name the file, line and field of the first bad value."""

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from liqheat_nautilus.persistence.errors import IngestError

if TYPE_CHECKING:
    from liqheat_nautilus.persistence.csv_stream import Batch

HEADER_LINES = 1


def line_of(position: int, header_lines: int = HEADER_LINES) -> int:
    """
    Return the 1-based file line of the row at 0-based ``position`` in a frame read from a CSV with a header.

    Parameters
    ----------
    position : int
        0-based position of the row in the frame (the first data row is 0).
    header_lines : int, default 1
        Lines before the first data row (the header).

    Returns
    -------
    int
        ``position + 1 + header_lines``.
    """
    return int(position) + 1 + header_lines


def require_columns(df: pd.DataFrame, columns: list[str], path: str | Path) -> None:
    """
    Check that the frame has the columns.

    Parameters
    ----------
    df : pd.DataFrame
        The rows read from the file.
    columns : list[str]
        The column names the file must have.
    path : str or Path
        The file (for error messages).

    Raises
    ------
    IngestError
        Naming the first missing column.
    """
    for column in columns:
        if column not in df.columns:
            raise IngestError(path, f"missing column; found {list(df.columns)}", field=column)


def to_numeric(df: pd.DataFrame, columns: list[str], path: str | Path, header_lines: int = HEADER_LINES) -> None:
    """
    Convert columns to float64 in place, rejecting non-numbers, NaN and infinities.

    Parameters
    ----------
    df : pd.DataFrame
        The rows read from the file; its ``columns`` are replaced by their float64 values.
    columns : list[str]
        The columns to convert (each must exist in ``df``).
    path : str or Path
        The file (for error messages).
    header_lines : int, default 1
        Lines before the first data row, to name a bad value's file line.

    Raises
    ------
    IngestError
        Naming the line and field of the first bad value.
    """
    for column in columns:
        values = pd.to_numeric(df[column], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(dtype=np.float64, na_value=np.nan))
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            value = df[column].iloc[pos]
            value = value.item() if isinstance(value, np.generic) else value  # nan, not np.float64(nan)
            raise IngestError(path, f"not a finite number: {value!r}", line_of(pos, header_lines), column)
        df[column] = values.astype(np.float64)


def require_positive(df: pd.DataFrame, columns: list[str], path: str | Path, allow_zero: bool = False,
                     header_lines: int = HEADER_LINES) -> None:
    """
    Reject values <= 0 (or < 0 with ``allow_zero``).

    Parameters
    ----------
    df : pd.DataFrame
        The rows read from the file, ``columns`` already numeric (:func:`to_numeric`).
    columns : list[str]
        The columns to check.
    path : str or Path
        The file (for error messages).
    allow_zero : bool, default False
        Whether 0 is accepted (only negative values are refused then).
    header_lines : int, default 1
        Lines before the first data row, to name a bad value's file line.

    Raises
    ------
    IngestError
        Naming the line and field of the first bad value.
    """
    for column in columns:
        values = df[column].to_numpy()
        bad = values < 0 if allow_zero else values <= 0
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            what = "negative" if allow_zero else "not positive"
            raise IngestError(path, f"{what}: {float(values[pos])!r}", line_of(pos, header_lines), column)


def require_ohlc_consistent(df: pd.DataFrame, path: str | Path, header_lines: int = HEADER_LINES) -> None:
    """
    Reject bars whose high is below max(open, close) or whose low is above min(open, close) (so also low > high).

    Parameters
    ----------
    df : pd.DataFrame
        Bars with numeric ``open``, ``high``, ``low`` and ``close`` columns (prices).
    path : str or Path
        The file (for error messages).
    header_lines : int, default 1
        Lines before the first data row, to name a bad bar's file line.

    Raises
    ------
    IngestError
        Naming the line and field of the first inconsistent bar.
    """
    o, h, lo, c = (df[k].to_numpy() for k in ("open", "high", "low", "close"))
    bad_high = h < np.maximum(o, c)
    bad_low = lo > np.minimum(o, c)
    for mask, column in ((bad_high, "high"), (bad_low, "low")):
        if mask.any():
            pos = int(np.flatnonzero(mask)[0])
            raise IngestError(path, f"inconsistent bar open={o[pos]} high={h[pos]} low={lo[pos]} close={c[pos]}",
                              line_of(pos, header_lines), column)


def require_increasing(ts_ns: np.ndarray, path: str | Path, field: str, header_lines: int = HEADER_LINES) -> None:
    """
    Reject timestamps (UNIX ns) that repeat or go backwards.

    Parameters
    ----------
    ts_ns : np.ndarray, shape (n,)
        The rows' times (UNIX nanoseconds), in file order.
    path : str or Path
        The file (for error messages).
    field : str
        The time column (named in the error).
    header_lines : int, default 1
        Lines before the first data row, to name the bad row's file line.

    Raises
    ------
    IngestError
        Naming the line of the first timestamp not after its predecessor, and both times (UTC; they were given as
        nanosecond counts).
    """
    bad = np.diff(ts_ns) <= 0
    if bad.any():
        pos = int(np.flatnonzero(bad)[0]) + 1
        this, previous = (pd.Timestamp(int(ts_ns[i]), unit="ns", tz="UTC").isoformat() for i in (pos, pos - 1))
        kind = ("repeats the previous row's" if ts_ns[pos] == ts_ns[pos - 1]
                else f"is earlier than the previous row's ({previous})")
        raise IngestError(path, f"timestamp {this} {kind}", line_of(pos, header_lines), field)


def fixed_point_problem(values: np.ndarray, precision: int, kind: str,
                        allow_zero: bool = False) -> tuple[int, str] | None:
    """
    Return the first price or quantity Nautilus cannot hold at an instrument's precision.

    Nautilus stores ``Price``/``Quantity`` as fixed-point integers: a value above ``PRICE_MAX``/``QUANTITY_MAX``
    cannot be built (its Rust constructor aborts the process), and a positive value that rounds to 0 at the
    instrument's precision would become a price of 0 (or a trade of size 0).

    Parameters
    ----------
    values : np.ndarray, shape (n,)
        Finite, non-negative values.
    precision : int
        Decimal places of the instrument's price (``price_precision``) or size (``size_precision``).
    kind : str
        ``"price"`` or ``"quantity"``.
    allow_zero : bool, default False
        Whether 0 (and values rounding to it) are valid (bar volumes).

    Returns
    -------
    tuple[int, str] or None
        Position of the first bad value and what is wrong, or ``None`` when all can be stored.
    """
    from nautilus_trader.model.objects import PRICE_MAX, QUANTITY_MAX

    maximum = PRICE_MAX if kind == "price" else QUANTITY_MAX
    big = values > maximum
    if big.any():
        pos = int(np.flatnonzero(big)[0])
        return pos, f"{float(values[pos])!r} is above the largest {kind} Nautilus can hold ({maximum:,.0f})"
    if not allow_zero:
        zero = np.round(values, precision) <= 0
        if zero.any():
            pos = int(np.flatnonzero(zero)[0])
            return pos, (f"{float(values[pos])!r} rounds to 0 at the instrument's {kind} precision ({precision} "
                         "decimal places)")
    return None


def _units(values: np.ndarray, precision: int) -> tuple[np.ndarray, np.ndarray]:
    """``values`` in units of the last decimal place (float64) and those units rounded to whole numbers."""
    scaled = np.asarray(values, dtype=np.float64) * 10.0**precision
    return scaled, np.round(scaled)


def too_many_decimals(values: np.ndarray, precision: int, kind: str, increment: object,
                      scope: np.ndarray | None = None) -> tuple[int, str] | None:
    """
    Return the first value with more decimal places than the instrument's precision, and the message refusing it.

    Parameters
    ----------
    values : np.ndarray, shape (n,)
        Finite prices or quantities.
    precision : int
        The instrument's ``price_precision`` (``kind="price"``) or ``size_precision`` (``"quantity"``).
    kind : str
        ``"price"`` or ``"quantity"``.
    increment : object
        The instrument's ``price_increment`` or ``size_increment`` (named in the message).
    scope : np.ndarray, optional
        Every value the instrument must fit (e.g. all price columns of the file), counted and fitted in the message;
        default ``values``.

    Returns
    -------
    tuple[int, str] or None
        ``(position, message)`` of the first such value (:func:`finer_than_precision`), or ``None``. The message
        also counts the values with more decimal places and gives the increment that fits them all
        (:func:`decimals_needed`), so that the instrument definition can be fixed in one step.
    """
    pos = finer_than_precision(values, precision)
    if pos is None:
        return None
    what, step, field = (("price", f"tick {increment}", "price_increment") if kind == "price" else
                         ("size", f"size increment {increment}", "size_increment"))
    scope = values if scope is None else scope
    n_finer = int(np.count_nonzero(_finer(scope, precision)))
    needed = decimals_needed(scope, precision)
    fits = (f"a {field} of {10.0 ** -needed:.{needed}f} or finer fits them" if needed is not None else
            f"some have more than {MAX_DECIMALS} decimal places")
    return pos, (f"{float(values[pos])!r} has more decimal places than the instrument's {what} precision "
                 f"({precision}; {step}): it would be rounded; {n_finer:,} of the {len(scope):,} values checked "
                 f"have more ({fits}); the instrument definition does not fit this file (give one with a finer "
                 f"{field}, --instrument-spec)")


MAX_DECIMALS = 12
"""Most decimal places :func:`decimals_needed` looks for (a price or size increment of 1e-12)."""


def decimals_needed(values: np.ndarray, precision: int) -> int | None:
    """
    Return the fewest decimal places above ``precision`` that hold every value without rounding.

    Parameters
    ----------
    values : np.ndarray, shape (n,)
        Finite values, some with more decimal places than ``precision`` (:func:`finer_than_precision`).
    precision : int
        Decimal places allowed now.

    Returns
    -------
    int or None
        ``precision + 1 .. MAX_DECIMALS``; ``None`` when even :data:`MAX_DECIMALS` places do not hold them all.
    """
    for decimals in range(precision + 1, MAX_DECIMALS + 1):
        if not _finer(values, decimals).any():
            return decimals
    return None


def finer_than_precision(values: np.ndarray, precision: int) -> int | None:
    """
    Return the position of the first value with more decimal places than ``precision``, or ``None``.

    Such a value cannot be a Nautilus ``Price`` at that precision without rounding it (``Price(value, precision)``
    and ``Instrument.make_price`` round). The binary noise of a decimal read as float (``70000.1`` is
    ``70000.100000000006``) is not a decimal place.

    Parameters
    ----------
    values : np.ndarray, shape (n,)
        Finite values.
    precision : int
        Decimal places allowed (the instrument's ``price_precision``).

    Returns
    -------
    int or None
        Position of the first value with more decimals.
    """
    bad = _finer(values, precision)
    return int(np.flatnonzero(bad)[0]) if bad.any() else None


def _finer(values: np.ndarray, precision: int) -> np.ndarray:
    """Which values have more than ``precision`` decimal places (bool, shape of ``values``)."""
    scaled, units = _units(values, precision)
    return np.abs(scaled - units) > 1e-6 + np.abs(scaled) * 2.0**-50  # a few ulps: float noise, not a decimal


def off_increment(values: np.ndarray, precision: int, increment: float) -> np.ndarray:
    """
    Return which values (at ``precision`` decimal places) are not a whole multiple of ``increment``.

    Parameters
    ----------
    values : np.ndarray, shape (n,)
        Finite values with at most ``precision`` decimal places (:func:`finer_than_precision`).
    precision : int
        Decimal places of ``increment`` (the instrument's ``price_precision``).
    increment : float
        The tick (the instrument's ``price_increment``).

    Returns
    -------
    np.ndarray, shape (n,), bool
        True where the value is off the increment's grid. Values beyond 2**53 units of the last decimal place
        (where float64 no longer holds every whole number) are not judged.
    """
    step = round(float(increment) * 10.0**precision)
    _, units = _units(values, precision)
    if step <= 1:
        return np.zeros(len(units), dtype=bool)
    return (np.remainder(units, step) != 0) & (np.abs(units) < 2.0**53)


def price_jumps(prices: np.ndarray, max_jump: float, previous: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """
    Return the moves between consecutive prices and which are beyond ``max_jump``: the one outlier rule.

    ``liqheat catalog validate`` warns about such moves between consecutive bars or trades (``max_jump`` 10 %), and
    an ingest refuses a price scale far off the instrument's (:class:`PriceScale`, a factor of
    :data:`PRICE_SCALE_RATIO`). A move is ``|log(p[i] / p[i-1])|``, so a fall to ``1 / (1 + max_jump)`` counts as
    a rise to ``1 + max_jump`` does.

    Parameters
    ----------
    prices : np.ndarray, shape (n,)
        Positive, finite prices in time order.
    max_jump : float
        The largest accepted relative rise (0.10: 10 %).
    previous : float, optional
        The price before ``prices[0]`` (the previous block's last, or a reference), compared with ``prices[0]``.

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        The absolute log moves and the mask of those beyond ``log1p(max_jump)``; each of length ``n`` with
        ``previous`` (move ``i`` ends at ``prices[i]``), else ``n - 1`` (move ``i`` ends at ``prices[i + 1]``).
    """
    full = np.concatenate(([previous], prices)) if previous is not None else np.asarray(prices, dtype=np.float64)
    moves = np.abs(np.diff(np.log(full)))
    return moves, moves > np.log1p(max_jump)


PRICE_SCALE_RATIO = 5.0
"""A price this many times above or below the instrument's price before it (the catalog's, or the file's previous
row) is refused by :class:`PriceScale`: another instrument's file (ETH trades for BTC), or prices in another unit."""


class PriceScale:
    """
    Refuse a file's prices whose scale is far off the instrument's: the catalog's prices or the file's previous row.

    The first price of the file is compared with the catalog's price of the instrument nearest to it in time (the
    last bar close or trade at or before it, else the first after it), every later one with the row before it, by
    :func:`price_jumps` with a factor of :data:`PRICE_SCALE_RATIO`: ETH trades ingested for BTC (20 times lower), or
    prices in cents, stop the ingest at their first line instead of passing with an off-tick note and a later
    ``validate`` outlier warning. The catalog is read when :meth:`check` is first called: call it while holding the
    catalog's writer lock (inside the write's transaction, before anything is staged).

    Parameters
    ----------
    catalog_dir : str or Path
        The target catalog.
    instrument_id : str
        The instrument whose bars and trades the file's prices are compared with.
    path : str or Path
        The file (for error messages).
    option : str, default "--no-price-check"
        How to accept the prices all the same (named in the error).
    earlier : list, optional
        One list shared by the checks of the instrument's files within one ingest command: each check adds the first
        and last row of every batch it passed, ``(ts_ns, price, line, path)``. When the catalog holds no price of the
        instrument yet, the first price of a later file is compared with the nearest of them in time, so two files
        of different instruments ingested together into a new catalog (or a bars file and a trades file of
        different scales) are refused as well. ``None``: the catalog only.
    """

    def __init__(self, catalog_dir: str | Path, instrument_id: str, path: str | Path,
                 option: str = "--no-price-check", earlier: list[tuple[int, float, int, str]] | None = None) -> None:
        self.catalog_dir = Path(catalog_dir)
        self.instrument_id = instrument_id
        self.path = str(path)
        self.option = option
        self.earlier = earlier
        self._previous: tuple[float, int] | None = None  # the last price checked and its line

    def check(self, ts_ns: np.ndarray, prices: np.ndarray, first_line: int, field: str) -> None:
        """
        Check the next rows of the file (consecutive lines, in file order).

        Parameters
        ----------
        ts_ns : np.ndarray, shape (n,)
            The rows' times (UNIX ns).
        prices : np.ndarray, shape (n,)
            Their prices (positive, finite).
        first_line : int
            1-based file line of ``prices[0]``.
        field : str
            The price column (named in the error).

        Raises
        ------
        IngestError
            Naming the file, the first line whose price is :data:`PRICE_SCALE_RATIO` times or more above or below the
            price before it, the field, both prices and the option that accepts them.
        """
        prices = np.asarray(prices, dtype=np.float64)
        if not len(prices):
            return
        reference = staged = None
        if self._previous is None:
            from liqheat_nautilus.persistence.reader import nearest_stored_price

            reference = nearest_stored_price(self.catalog_dir, self.instrument_id, int(ts_ns[0]))
            if reference is None and self.earlier:  # a new catalog: the files checked before in the same command
                staged = min(self.earlier, key=lambda sample: abs(sample[0] - int(ts_ns[0])))
            previous = reference[1] if reference is not None else (staged[1] if staged is not None else None)
        else:
            previous = self._previous[0]
        moves, beyond = price_jumps(prices, PRICE_SCALE_RATIO - 1.0, previous)
        if beyond.any():
            move = int(np.flatnonzero(beyond)[0])
            pos = move if previous is not None else move + 1
            before = float(previous if pos == 0 else prices[pos - 1])  # type: ignore[arg-type]
            value = float(prices[pos])
            if pos == 0 and reference is not None:
                ts, _, what = reference
                when = str(np.datetime64(int(ts), "ns"))[:19] + "Z"
                against = f"the catalog's {what} of {self.instrument_id} nearest to it ({before!r} at {when})"
            elif pos == 0 and staged is not None:
                ts, _, line, other = staged
                when = str(np.datetime64(int(ts), "ns"))[:19] + "Z"
                against = (f"the price on line {line} of {other} ({before!r} at {when}), ingested for "
                           f"{self.instrument_id} in the same command")
            else:
                line = first_line + pos - 1 if pos else self._previous[1]  # type: ignore[index]
                against = f"the price on line {line} ({before!r})"
            factor = max(value / before, before / value)
            raise IngestError(self.path, f"{value!r} is {factor:.1f} times {'above' if value > before else 'below'} "
                                         f"{against}: a price scale far off the instrument's (limit "
                                         f"{PRICE_SCALE_RATIO:g} times), as of another instrument's file or prices "
                                         f"in another unit; nothing was written. If these really are "
                                         f"{self.instrument_id}'s prices, give {self.option}",
                              row=first_line + pos, field=field)
        self._previous = (float(prices[-1]), first_line + len(prices) - 1)
        if self.earlier is not None:
            self.earlier.append((int(ts_ns[0]), float(prices[0]), first_line, self.path))
            self.earlier.append((int(ts_ns[-1]), float(prices[-1]), self._previous[1], self.path))

    def check_batch(self, ts_ns: np.ndarray, batch: "Batch", column: str) -> None:
        """
        Check the next batch of a streamed file: :meth:`check` of its ``column``.

        Parameters
        ----------
        ts_ns : np.ndarray, shape (n,)
            The batch's row times (UNIX ns; a bar's close time), as its converter returned them.
        batch : Batch
            The rows, in file order, already converted (so ``column`` holds positive, finite numbers).
        column : str
            The price column (a trade's ``price``, a kline's ``close``; named in the error).

        Raises
        ------
        IngestError
            As :meth:`check`.
        """
        prices = batch.table.column(column).to_numpy(zero_copy_only=False)
        self.check(ts_ns, prices, batch.first_line, column)


class UniqueIds:
    """
    Refuse an id that occurs twice in a file read in batches, however far apart the two rows are.

    A trade id twice, for instance, is a duplicated row that would count the same trade twice. Each batch's ids are
    kept as 64-bit hashes (8 bytes a row, hashed by pandas' vectorised ``hash_array``), and :meth:`check` sorts them
    once at the end of the file. Only when two hashes are equal is the file read again, to find the first id that
    really repeats (a hash collision of two different ids is not an error) and name both lines.

    Parameters
    ----------
    path : str or Path
        The file (for error messages).
    field : str
        The id column's name (for error messages).
    what : str, default "id"
        What an id is, in messages (``"trade id"``).
    reason : str, default ""
        Why a repeat is refused, appended to the message.
    """

    def __init__(self, path: str | Path, field: str, what: str = "id", reason: str = "") -> None:
        self.path = str(path)
        self.field = field
        self.what = what
        self.reason = reason
        self._hashes: list[np.ndarray] = []

    @staticmethod
    def _hash(ids: list[str]) -> np.ndarray:
        return pd.util.hash_array(np.array(ids, dtype=object), categorize=False)

    def add(self, ids: list[str]) -> None:
        """
        Take the next ids of the file.

        Parameters
        ----------
        ids : list[str]
            The ids of the next rows, in file order, as they will be stored.
        """
        if ids:
            self._hashes.append(self._hash(ids))

    def check(self, reread: Callable[[], Iterable[tuple[int, list[str]]]]) -> None:
        """
        Refuse the file when an id of it occurs twice.

        Parameters
        ----------
        reread : callable
            Reads the file again: yields ``(first_line, ids)`` per batch, in file order, as given to :meth:`add`
            (``first_line`` is the 1-based file line of ``ids[0]``). Called only when two hashes are equal.

        Raises
        ------
        IngestError
            Naming the file, the line of the first id that occurs a second time, the field, the id and the line of
            its first occurrence.
        """
        if not self._hashes:
            return
        hashes = np.concatenate(self._hashes)
        self._hashes = []
        hashes.sort()
        same = hashes[1:] == hashes[:-1]
        if not same.any():
            return
        repeated = np.unique(hashes[1:][same])
        del hashes, same
        seen: dict[str, int] = {}
        for first_line, ids in reread():
            for pos in np.flatnonzero(np.isin(self._hash(ids), repeated)).tolist():
                text, line = ids[pos], first_line + pos
                if text in seen:
                    why = f": {self.reason}" if self.reason else ""
                    raise IngestError(self.path, f"{self.what} {text[:60]!r} occurs again, first on line "
                                                 f"{seen[text]}{why}", row=line, field=self.field)
                seen[text] = line
