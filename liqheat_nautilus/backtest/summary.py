"""The short human summary printed after a backtest."""

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # (not imported at run time: backtest.metrics uses money_decimals, and runner imports metrics)
    from liqheat_nautilus.backtest.runner import BacktestOutcome

CENT_CURRENCIES = frozenset({"USD", "EUR", "USDT", "USDC", "BUSD", "FDUSD", "TUSD", "USDP", "DAI", "USDE"})
"""Fiat and USD stablecoins: amounts printed to the cent. Any other settlement currency (a coin-margined contract's
BTC, ETH, ...) is printed to 8 decimals, so that a result of a fraction of a coin does not read as 0.00."""


def money_decimals(currency: str) -> int:
    """
    Return the decimals an amount of ``currency`` is printed with: 2 for fiat and USD stablecoins, else 8.

    Parameters
    ----------
    currency : str
        A currency code (``"USDT"``, ``"BTC"``).

    Returns
    -------
    int
    """
    return 2 if currency.upper() in CENT_CURRENCIES else 8


def format_ts(ns: int | None) -> str:
    """
    Format a UNIX-nanosecond time as a UTC timestamp string, ``"-"`` for 0 or ``None`` (no data).

    Parameters
    ----------
    ns : int or None
        UNIX nanoseconds (Nautilus' ``BacktestResult.backtest_start`` / ``backtest_end``, ``None`` without data).

    Returns
    -------
    str
    """
    return str(pd.Timestamp(ns, unit="ns", tz="UTC")) if ns else "-"


def format_summary(outcome: "BacktestOutcome", top: int = 5) -> str:
    """
    Format the summary: data span, clusters published, orders, positions, PnL, strongest clusters of the last update.

    Parameters
    ----------
    outcome : BacktestOutcome
        A finished run.
    top : int, default 5
        How many of the strongest clusters of the last map update to list (its time is printed: the map updates
        hourly by default, so it can be up to an interval before the last bar).

    Returns
    -------
    str
        Several lines of text.
    """
    r = outcome.result
    lines = [
        f"backtest {outcome.spec.name!r} on {outcome.spec.data.instrument_id} ({outcome.spec.catalog_path()})",
        f"  data span        {format_ts(r.backtest_start)} -> {format_ts(r.backtest_end)}  "
        f"({r.iterations:,d} data points)",
        f"  map signals      {outcome.clusters_published:,d} clusters, {outcome.snapshots_published:,d} snapshots "
        f"published; " + (f"{outcome.clusters_received:,d} clusters received by strategies"
                          if outcome.clusters_received is not None
                          else "receipt not counted (no strategy keeps a clusters_received count)"),
        "  trade signals    " + (f"{len(outcome.entries):,d} entries ({len(outcome.signals):,d} decisions recorded)"
                                 if outcome.signal_logs else "not recorded (no strategy keeps a signals log)"),
        f"  orders           {r.total_orders:,d} submitted, {outcome.orders_filled:,d} fills",
        f"  positions        {r.total_positions:,d}",
    ]
    for currency, stats in (r.stats_pnls or {}).items():
        pnl = stats.get("PnL (total)", float("nan"))
        pct = stats.get("PnL% (total)", float("nan"))
        d = money_decimals(str(currency))
        lines.append(f"  PnL              {pnl:,.{d}f} {currency} ({pct:+.3f} %), funding "
                     f"{outcome.funding_total:+,.{d}f} over {len(outcome.funding_payments)} payments")
    row = outcome.row
    if row is not None:
        lines.append(f"  statistics       Sharpe {_fixed(row.sharpe)}, Sortino {_fixed(row.sortino)}, max drawdown "
                     f"{row.max_drawdown_pct:.2f} %, win rate {_percent(row.win_rate_pct)}, "
                     f"exposure {row.exposure_pct:.1f} %")
    if outcome.final_clusters:
        shown, when = min(top, len(outcome.final_clusters)), format_ts(outcome.final_clusters_ns)
        lines.append(f"  strongest clusters at the last map update, {when} (top {shown}):")  # not the last bar
        lines.append("      id  side    level        range                 notional USD  lev   strength  dist %")
        for c in outcome.final_clusters[:top]:
            lines.append(
                f"    {c.cluster_id:>4d}  {c.side:<6} {c.price_level:>10.4f}  {c.price_low:>9.4f}-{c.price_high:<9.4f}"
                f"  {c.notional_usd:>14,.0f}  {c.leverage_tier:>4.0f}x  {c.strength:>6.2f}  {c.distance_pct:>+7.2f}",
            )
    if outcome.results_path is not None:
        lines.append(f"  reports          {outcome.results_path}")
    if outcome.map_actors and not (outcome.snapshots_published or outcome.clusters_published):
        why = "; ".join(outcome.map_missing) or ("its inputs came only at the end of the data (no bar after its "
                                                 "first open-interest reading): widen [data] start / end")
        lines.append(f"  WARNING          the liquidation map published nothing: {why}")
    for warning in getattr(outcome, "profile_warnings", []):  # an outcome pickled before the field: none
        lines.append(f"  WARNING          {warning}")
    for unheard in getattr(outcome, "unheard_subscriptions", []):  # an outcome pickled before the field: none
        lines.append(f"  WARNING          {unheard}")
    if funding_missing := getattr(outcome, "funding_missing", ""):  # an outcome pickled before the field: none
        lines.append(f"  WARNING          {funding_missing}")
    if outcome.catalog_changed:
        lines.append(f"  WARNING          {catalog_changed_message(outcome)}")
    return "\n".join(lines)


def _fixed(value: float) -> str:
    """``value`` with two decimals, ``-`` when undefined (``nan``: e.g. a Sharpe ratio without trades)."""
    return "-" if value != value else f"{value:.2f}"


def _percent(value: float) -> str:
    """``value`` with one decimal and ``%``, ``-`` when undefined (``nan``: e.g. a win rate without trades)."""
    return "-" if value != value else f"{value:.1f} %"


def catalog_changed_message(outcome: "BacktestOutcome") -> str:
    """
    Say that another process committed to the run's catalog while the run read it (``outcome.catalog_changed``).

    Parameters
    ----------
    outcome : BacktestOutcome
        A finished run.

    Returns
    -------
    str
        One line naming the run and the catalog.
    """
    return (f"another process committed a write to the catalog {outcome.spec.catalog_path()} while backtest "
            f"{outcome.spec.name!r} read it: its data may mix two states of the catalog; run it again")
