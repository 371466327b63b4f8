"""Row-level checks of tabular exchange data that name the file, line and field of the first bad value."""

from pathlib import Path

import numpy as np
import pandas as pd

from liqheat_nautilus.persistence.errors import IngestError

HEADER_LINES = 1


def line_of(position: int, header_lines: int = HEADER_LINES) -> int:
    """1-based file line of the row at 0-based ``position`` in a frame read from a CSV with a header."""
    return int(position) + 1 + header_lines


def require_columns(df: pd.DataFrame, columns: list[str], path: str | Path) -> None:
    """
    Check that the frame has the columns.

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
            raise IngestError(path, f"not a finite number: {df[column].iloc[pos]!r}", line_of(pos, header_lines),
                              column)
        df[column] = values.astype(np.float64)


def require_positive(df: pd.DataFrame, columns: list[str], path: str | Path, allow_zero: bool = False,
                     header_lines: int = HEADER_LINES) -> None:
    """
    Reject values <= 0 (or < 0 with ``allow_zero``).

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
            raise IngestError(path, f"{what}: {values[pos]!r}", line_of(pos, header_lines), column)


def require_ohlc_consistent(df: pd.DataFrame, path: str | Path, header_lines: int = HEADER_LINES) -> None:
    """
    Reject bars whose high is below max(open, close) or whose low is above min(open, close) (so also low > high).

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


def require_increasing(ts_ms: np.ndarray, path: str | Path, field: str, header_lines: int = HEADER_LINES) -> None:
    """
    Reject timestamps that repeat or go backwards.

    Raises
    ------
    IngestError
        Naming the line of the first timestamp not after its predecessor.
    """
    bad = np.diff(ts_ms) <= 0
    if bad.any():
        pos = int(np.flatnonzero(bad)[0]) + 1
        kind = "duplicate" if ts_ms[pos] == ts_ms[pos - 1] else "earlier than the previous row"
        raise IngestError(path, f"timestamp {ts_ms[pos]} is {kind}", line_of(pos, header_lines), field)
