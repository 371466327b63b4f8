"""One comparison row per run, from Nautilus' portfolio analyzer, plus the buy-and-hold row of the same bars.

Sources (nothing here re-implements a statistic Nautilus has):

- total return: the analyzer's ``PnL% (total)`` (account balance change incl. fees and funding, plus unrealized);
- Sharpe, Sortino, profit factor: the analyzer's ``Sharpe Ratio (252 days)``, ``Sortino Ratio (252 days)``,
  ``Profit Factor`` (computed by Nautilus from the positions' realized returns);
- win rate: the analyzer's ``Win Rate`` (share of positions with a positive realized PnL; ``nan`` without
  positions, where the analyzer says 0.0);
- trades: Nautilus' ``BacktestResult.total_positions``;
- max drawdown and exposure: NautilusTrader 1.221 has no such statistic, so they come from
  :class:`~liqheat_nautilus.backtest.monitor.RunMonitor` (mark-to-market equity each bar; share of bars with an
  open position);
- buy and hold: return ``last close / first open - 1``; Sharpe and Sortino by Nautilus' own ``SharpeRatio`` /
  ``SortinoRatio`` statistics applied to its daily close-to-close returns; drawdown of the close path.
"""

import math
from dataclasses import asdict, dataclass, field

from nautilus_trader.analysis import SharpeRatio, SortinoRatio

from liqheat_nautilus.backtest.monitor import RunStats
from liqheat_nautilus.backtest.summary import money_decimals

COLUMNS = (
    ("name", "run", "{}"),
    ("total_return_pct", "return %", "{:+.2f}"),
    ("sharpe", "Sharpe", "{:.2f}"),
    ("sortino", "Sortino", "{:.2f}"),
    ("max_drawdown_pct", "max DD %", "{:.2f}"),
    ("win_rate_pct", "win %", "{:.1f}"),
    ("profit_factor", "profit factor", "{:.2f}"),
    ("trades", "trades", "{:d}"),
    ("exposure_pct", "exposure %", "{:.1f}"),
    ("funding", "funding", "{:+,.{decimals}f}"),
)
"""(field, header, format) of the comparison table; ``{decimals}``: the row's money decimals (``money_decimals``)."""


@dataclass(frozen=True)
class ComparisonRow:
    """
    One line of the comparison table of ``liqheat backtest --all``: a run or buy-and-hold.

    Attributes
    ----------
    name : str
        Run (config) name, or ``"buy & hold"``.
    total_return_pct : float
        Total return of the account (percent).
    sharpe, sortino : float
        Annualised (252 days) ratios, ``nan`` when undefined.
    max_drawdown_pct : float
        Maximum drawdown of mark-to-market equity (percent of the peak).
    win_rate_pct : float
        Winning positions (percent), ``nan`` without positions or when not applicable.
    profit_factor : float
        Gross wins / gross losses of position returns, ``nan`` when undefined.
    trades : int
        Positions opened.
    exposure_pct : float
        Bars with an open position (percent).
    funding : float
        Net funding received (settlement currency; negative = paid).
    currency : str
        The settlement currency of ``funding`` (``""`` when none, as buy and hold): its decimals in the table are the
        summary's (:func:`~liqheat_nautilus.backtest.summary.money_decimals`: 2 for USD and stablecoins, 8 for a
        coin-margined contract's BTC, ETH, ...). Not in :meth:`to_dict` (the comparison CSV and ``stats.json``).
    """

    name: str
    total_return_pct: float
    sharpe: float
    sortino: float
    max_drawdown_pct: float
    win_rate_pct: float
    profit_factor: float
    trades: int
    exposure_pct: float
    funding: float
    currency: str = field(default="")

    def to_dict(self) -> dict:
        """
        Return the row as a ``dict`` (without ``currency``).

        Returns
        -------
        dict[str, float | int | str]
            Field name -> value.
        """
        out = asdict(self)
        del out["currency"]
        return out


def _num(value) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def strategy_row(name: str, result, monitor: RunStats | None, funding: float = 0.0) -> ComparisonRow:
    """
    Return the comparison row of a finished run.

    Parameters
    ----------
    name : str
        Run name.
    result : nautilus_trader.backtest.results.BacktestResult
        Nautilus' result of the run.
    monitor : RunStats or RunMonitor, optional
        What the run's monitor measured (drawdown, exposure); ``nan`` without it.
    funding : float, default 0.0
        Net funding of the run.

    Returns
    -------
    ComparisonRow
    """
    pnls: dict[str, float] = next(iter((result.stats_pnls or {}).values()), {})
    returns = result.stats_returns or {}
    return ComparisonRow(
        name=name,
        total_return_pct=_num(pnls.get("PnL% (total)")),
        sharpe=_num(returns.get("Sharpe Ratio (252 days)")),
        sortino=_num(returns.get("Sortino Ratio (252 days)")),
        max_drawdown_pct=100.0 * monitor.max_drawdown if monitor is not None else math.nan,
        # Nautilus' Win Rate is 0.0 without positions: undefined (nan), as Sharpe and profit factor are
        win_rate_pct=100.0 * _num(pnls.get("Win Rate")) if result.total_positions else math.nan,
        profit_factor=_num(returns.get("Profit Factor")),
        trades=int(result.total_positions),
        exposure_pct=100.0 * monitor.exposure if monitor is not None else math.nan,
        funding=float(funding),
        currency=str(next(iter(result.stats_pnls or {}), "")),  # the summary's PnL currency (the same account)
    )


def buy_and_hold_row(monitor: RunStats) -> ComparisonRow:
    """
    Buy and hold over the bars a monitor saw (no fees, no funding).

    Parameters
    ----------
    monitor : RunStats or RunMonitor
        What a monitor measured over a run.

    Returns
    -------
    ComparisonRow
        ``trades`` 1, exposure 100 %, win rate and profit factor ``nan``.
    """
    days = sorted(monitor.daily_closes.items())
    daily = {}
    previous = monitor.first_open
    for ts, close in days:
        daily[int(ts)] = close / previous - 1.0
        previous = close
    total = (monitor.last_close / monitor.first_open - 1.0) * 100.0 if monitor.bars else math.nan
    return ComparisonRow(
        name="buy & hold",
        total_return_pct=total,
        sharpe=_num(SharpeRatio().calculate_from_returns(daily)) if len(daily) > 1 else math.nan,
        sortino=_num(SortinoRatio().calculate_from_returns(daily)) if len(daily) > 1 else math.nan,
        max_drawdown_pct=100.0 * monitor.bh_max_drawdown,
        win_rate_pct=math.nan,
        profit_factor=math.nan,
        trades=1 if monitor.bars else 0,
        exposure_pct=100.0 if monitor.bars else 0.0,
        funding=math.nan,
    )


def formatted_row(row: ComparisonRow) -> dict[str, str]:
    """
    Return a row's cells as the comparison table prints them: header -> text (``-`` where undefined).

    Parameters
    ----------
    row : ComparisonRow
        One backtest's figures (money in the row's ``currency``, ratios, percentages).

    Returns
    -------
    dict[str, str]
        In the order of :data:`COLUMNS`.
    """
    cells = {}
    decimals = money_decimals(row.currency) if row.currency else 2
    for name, header, fmt in COLUMNS:
        value = getattr(row, name)
        cells[header] = "-" if isinstance(value, float) and math.isnan(value) else fmt.format(value, decimals=decimals)
    return cells


def format_table(rows: list[ComparisonRow], markdown: bool = False) -> str:
    """
    Render rows as a fixed-width text table (or a Markdown table).

    Parameters
    ----------
    rows : list[ComparisonRow]
        One row per backtest (``liqheat backtest --all`` compares them).
    markdown : bool, default False
        Markdown pipe table instead of aligned text.

    Returns
    -------
    str
    """
    headers = [h for _, h, _ in COLUMNS]
    cells = [list(formatted_row(row).values()) for row in rows]
    if markdown:
        out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" if i == 0 else "---:"
                                                              for i in range(len(headers))) + "|"]
        out += ["| " + " | ".join(line) + " |" for line in cells]
        return "\n".join(out)
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    fmt_line = lambda items: "  ".join(  # noqa: E731
        (s.ljust(w) if i == 0 else s.rjust(w)) for i, (s, w) in enumerate(zip(items, widths, strict=True)))
    return "\n".join([fmt_line(headers), "  ".join("-" * w for w in widths), *(fmt_line(c) for c in cells)])
