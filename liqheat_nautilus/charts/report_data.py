"""The backtest report's data: entries and exits, mark-to-market equity and drawdown from Nautilus' own reports.

Inputs are Nautilus' reports as pandas DataFrames (``trader.generate_positions_report()``,
``generate_account_report(venue)``) and the bars; pure pandas/numpy, no figure.

Equity is marked to market on the bar closes: the account balance (``total`` of the account report, which moves
when positions close and commissions are paid) plus the unrealised PnL of the positions open at each close,
``(close - avg_px_open) · quantity · multiplier`` for a long and the negative for a short (linear contracts), in the
quote currency; ``(1 / avg_px_open - 1 / close) · quantity · multiplier`` for a long of an inverse (coin-margined)
contract, whose multiplier is USD per contract and whose PnL and balance are in the base currency.
Drawdown is ``equity / running maximum - 1`` in percent.
"""

import math

import numpy as np
import pandas as pd

__all__ = ["drawdown_pct", "equity_curve", "money_value", "require_columns", "trades_from_positions", "utc_index"]


def money_value(value) -> float:
    """
    Read a Nautilus money/quantity cell (``"12.5 USDT"``, ``"100.00"``, a number) as a float (``nan`` if empty).

    Parameters
    ----------
    value : object
        A report cell: a number, text whose first word is a number (thousands separators ``,`` allowed; a currency
        code after it is dropped), or ``None`` / ``""`` / ``"nan"`` / ``"None"``.

    Returns
    -------
    float
        The amount (in the cell's currency or unit), ``nan`` for an empty cell.

    Raises
    ------
    ValueError
        When the text's first word is not a number.
    """
    if value is None:
        return math.nan
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    text = str(value).strip()
    if not text or text.lower() in ("nan", "none"):
        return math.nan
    return float(text.split()[0].replace(",", ""))


def utc_index(values) -> pd.DatetimeIndex:
    """
    Return timestamps (datetime-like or UNIX ns integers) as a UTC ``DatetimeIndex``.

    Parameters
    ----------
    values : array-like, shape (n,)
        Integers (UNIX nanoseconds), or datetimes / ISO-8601 text (naive values are taken as UTC, aware ones
        converted to UTC).

    Returns
    -------
    pd.DatetimeIndex
        Length ``n``, tz UTC.
    """
    arr = pd.Index(values)
    if pd.api.types.is_integer_dtype(arr.dtype):
        return pd.DatetimeIndex(pd.to_datetime(arr, unit="ns", utc=True))
    return pd.DatetimeIndex(pd.to_datetime(arr, utc=True))


def require_columns(frame: pd.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    """
    Check that a report has the columns a computation reads.

    Parameters
    ----------
    frame : pandas.DataFrame
        The report.
    name : str
        Its name in the error (e.g. ``"positions report"``).
    columns : tuple[str, ...]
        The columns needed.

    Raises
    ------
    ValueError
        Naming the report, the missing columns and the columns it has.
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing}; columns were {list(frame.columns)}")


def trades_from_positions(positions: pd.DataFrame) -> pd.DataFrame:
    """
    Entries and exits from a Nautilus positions report.

    Parameters
    ----------
    positions : pandas.DataFrame
        ``trader.generate_positions_report()``: columns ``entry`` (``BUY``/``SELL``), ``ts_opened``,
        ``ts_closed``, ``avg_px_open``, ``avg_px_close``, ``peak_qty`` (or ``quantity``), ``realized_pnl``.

    Returns
    -------
    pandas.DataFrame
        One row per position: ``position_id``, ``direction`` (+1 long, -1 short), ``qty``, ``ts_open``,
        ``px_open``, ``ts_close`` (``NaT`` while open), ``px_close``, ``pnl`` (realised, quote currency).

    Raises
    ------
    ValueError
        If a required column is missing or ``entry`` is not ``BUY``/``SELL`` (the row is named).
    """
    require_columns(positions, "positions report", ("entry", "ts_opened", "avg_px_open"))
    qty_col = "peak_qty" if "peak_qty" in positions.columns else "quantity"
    require_columns(positions, "positions report", (qty_col,))
    direction = []
    for pid, entry in zip(positions.index, positions["entry"].astype(str), strict=True):
        if entry not in ("BUY", "SELL"):
            raise ValueError(f"positions report: row {pid!r}: field 'entry' must be BUY or SELL, was {entry!r}")
        direction.append(1 if entry == "BUY" else -1)
    closed = positions["ts_closed"] if "ts_closed" in positions.columns else pd.Series(pd.NaT, positions.index)
    px_close = positions["avg_px_close"] if "avg_px_close" in positions.columns else np.nan
    pnl = positions["realized_pnl"].map(money_value) if "realized_pnl" in positions.columns else np.nan
    return pd.DataFrame({
        "position_id": positions.index.astype(str),
        "direction": direction,
        "qty": positions[qty_col].map(money_value).to_numpy(float),
        "ts_open": utc_index(positions["ts_opened"]),
        "px_open": positions["avg_px_open"].map(money_value).to_numpy(float),
        "ts_close": utc_index(closed),
        "px_close": pd.Series(px_close, index=positions.index).map(money_value).to_numpy(float),
        "pnl": pd.Series(pnl, index=positions.index).to_numpy(float),
    }).reset_index(drop=True)


def equity_curve(bars: pd.DataFrame, account: pd.DataFrame | None = None, trades: pd.DataFrame | None = None,
                 multiplier: float = 1.0, starting_balance: float = 0.0, inverse: bool = False) -> pd.Series:
    """
    Mark-to-market equity on the bar closes.

    Parameters
    ----------
    bars : pandas.DataFrame
        UTC ``DatetimeIndex`` (bar close) and a ``close`` column.
    account : pandas.DataFrame, optional
        ``trader.generate_account_report(venue)``: UTC index and a ``total`` column (balance); when absent the
        balance is ``starting_balance`` plus the realised PnL of the closed ``trades``.
    trades : pandas.DataFrame, optional
        :func:`trades_from_positions` output, for the unrealised PnL of open positions.
    multiplier : float, default 1
        Contract multiplier: base units per contract (linear), USD per contract (inverse).
    starting_balance : float, default 0
        Balance before the first trade when there is no account report.
    inverse : bool, default False
        Inverse (coin-margined) contract: the unrealised PnL is ``direction · qty · multiplier ·
        (1 / px_open - 1 / close)``, in the base currency the account settles in.

    Returns
    -------
    pandas.Series
        Equity (the settlement currency: quote for linear, base for inverse contracts) indexed by the bar closes,
        named ``equity``.

    Raises
    ------
    ValueError
        If ``bars`` lacks ``close`` or ``account`` lacks ``total``.
    """
    require_columns(bars, "bars", ("close",))
    idx = bars.index.asi8
    close = bars["close"].to_numpy(float)
    if account is not None and len(account):
        require_columns(account, "account report", ("total",))
        acc_ns = utc_index(account.index).asi8
        total = account["total"].map(money_value).to_numpy(float)
        order = np.argsort(acc_ns, kind="stable")
        acc_ns, total = acc_ns[order], total[order]
        pos = np.searchsorted(acc_ns, idx, side="right") - 1
        balance = np.where(pos >= 0, total[np.clip(pos, 0, None)], total[0])
    else:
        balance = np.full(idx.size, float(starting_balance))
        if trades is not None:
            for t in trades.itertuples():
                if pd.notna(t.ts_close) and math.isfinite(t.pnl):
                    balance[idx >= t.ts_close.value] += t.pnl
    unrealised = np.zeros(idx.size)
    if trades is not None:
        for t in trades.itertuples():
            start = int(np.searchsorted(idx, t.ts_open.value, side="left"))
            stop = int(np.searchsorted(idx, t.ts_close.value, side="left")) if pd.notna(t.ts_close) else idx.size
            move = 1.0 / t.px_open - 1.0 / close[start:stop] if inverse else close[start:stop] - t.px_open
            unrealised[start:stop] += t.direction * move * t.qty * multiplier
    return pd.Series(balance + unrealised, index=bars.index, name="equity")


def drawdown_pct(equity: pd.Series) -> pd.Series:
    """
    Drawdown from the running peak, in percent (0 at a new high, negative below it).

    Parameters
    ----------
    equity : pandas.Series
        Equity (> 0).

    Returns
    -------
    pandas.Series
        ``(equity / equity.cummax() - 1) · 100``, named ``drawdown_pct``; ``nan`` while the peak is <= 0 (a PnL
        curve without a starting balance has no percentage drawdown).
    """
    peak = equity.cummax()
    dd = (equity / peak.where(peak > 0.0) - 1.0) * 100.0
    return dd.rename("drawdown_pct")
