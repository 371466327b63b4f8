"""Reading a whole small CSV file with a header (bars, open interest, funding) into checked columns.

The reader of the OKX folder layout and of ``liqheat catalog ingest csv``'s bars / open-interest / funding files:
columns are found by their header name (any order, other columns ignored), every value is checked, and an error names
the file, the physical line and the field. Large files of trades are streamed instead
(:mod:`~liqheat_nautilus.persistence.csv_stream`).
"""

from pathlib import Path

import numpy as np
import pandas as pd

from liqheat_nautilus.persistence.checks import line_of, require_columns, require_increasing, to_numeric
from liqheat_nautilus.persistence.csv_stream import check_lines
from liqheat_nautilus.persistence.errors import IngestError, require_file
from liqheat_nautilus.persistence.timestamps import EpochUnit, text_times_ns


def read_table(path: str | Path, columns: list[str], time_column: str = "ts", optional: tuple[str, ...] = (),
               iso: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
    """
    Return the checked rows of a CSV file with a header and their times in UNIX ns.

    Parameters
    ----------
    path : str or Path
        The file.
    columns : list[str]
        Required columns besides ``time_column``; converted to float64 (finite numbers only).
    time_column : str, default "ts"
        The time column: epoch integers (unit detected from the first row), or with ``iso`` also ISO-8601
        date-times (:func:`~liqheat_nautilus.persistence.timestamps.text_times_ns`).
    optional : tuple[str, ...], default ()
        Numeric columns read when present (blank cells allowed: ``nan``).
    iso : bool, default False
        Accept ISO-8601 date-times in ``time_column``.

    Returns
    -------
    tuple[pd.DataFrame, np.ndarray]
        The rows (numeric columns as float64) and their times (int64 ns), strictly increasing.

    Raises
    ------
    IngestError
        For a missing file or column, an unreadable file, a blank line between rows or an over-long line, no data
        rows, a bad number or time, or a repeated or backward time (naming file, line and field).
    """
    path = require_file(path)
    check_lines(path)  # a line too long, or a blank line (pandas skips it: later lines would be misnumbered)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise IngestError(path, f"not a readable CSV: {str(exc).strip()}") from None
    require_columns(df, [time_column, *columns], path)
    if not len(df):
        raise IngestError(path, "no data rows (only a header)", row=2)
    ts_ns = text_times_ns(df[time_column].to_numpy(dtype=str), EpochUnit(path), path, line_of(0), time_column,
                          iso=iso)
    to_numeric(df, [c for c in columns if c != time_column], path)
    for column in optional:
        if column in df.columns:
            blank = df[column].str.strip() == ""
            df.loc[blank, column] = "nan"
            values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            bad = np.isnan(values) & ~blank.to_numpy() | np.isinf(values)
            if bad.any():
                pos = int(np.flatnonzero(bad)[0])
                raise IngestError(path, f"not a finite number: {df[column].iloc[pos]!r}", line_of(pos), column)
            df[column] = values
    require_increasing(ts_ns, path, time_column)
    return df, ts_ns
