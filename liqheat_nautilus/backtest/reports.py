"""The results folder of a run: Nautilus' reports, the signal log, funding payments and the statistics.

``results/<name>-<UTC time>/`` holds

- ``orders.csv``, ``fills.csv``, ``positions.csv``, ``account.csv``: Nautilus' report generators on
  ``engine.trader`` (``generate_orders_report``, ``generate_fills_report``, ``generate_positions_report``,
  ``generate_account_report``); the account report from the account states as they were published
  (:class:`AccountStateLog`: NautilusTrader 1.221 changes a stored state's balance in place later);
- ``signals.csv``: every strategy's trade-signal records (columns :data:`liqheat_nautilus.signals.SIGNAL_COLUMNS`);
- ``funding.csv``: the funding payments applied by :class:`~liqheat_nautilus.simulation.FundingModule`;
- ``stats.json``: Nautilus' ``stats_pnls`` / ``stats_returns`` and the comparison row.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
from nautilus_trader.analysis.reporter import ReportProvider
from nautilus_trader.model.events import AccountState

from liqheat_nautilus.signals import SIGNAL_COLUMNS

ACCOUNT_TOPIC = "events.account.*"
"""Message-bus topics of the portfolio's account states (``events.account.<account id>``)."""

REPORT_FILES = ("orders.csv", "fills.csv", "positions.csv", "account.csv", "signals.csv", "funding.csv",
                "stats.json")
"""Files every results folder holds."""


@dataclass
class RunReports:
    """
    The report tables of one run (kept after the engine is disposed).

    Attributes
    ----------
    orders, fills, positions, account : pandas.DataFrame
        Nautilus' reports.
    signals : pandas.DataFrame
        Trade-signal records.
    funding : pandas.DataFrame
        Funding payments.
    """

    orders: pd.DataFrame = field(default_factory=pd.DataFrame)
    fills: pd.DataFrame = field(default_factory=pd.DataFrame)
    positions: pd.DataFrame = field(default_factory=pd.DataFrame)
    account: pd.DataFrame = field(default_factory=pd.DataFrame)
    signals: pd.DataFrame = field(default_factory=pd.DataFrame)
    funding: pd.DataFrame = field(default_factory=pd.DataFrame)


class AccountStateLog:
    """
    A copy of every account state as the portfolio published it: what ``account.csv`` is generated from.

    NautilusTrader 1.221's ``AccountsManager`` deducts a fill's commission by assigning ``total`` and ``free`` of
    the account's current ``AccountBalance``, the object the previous ``AccountState`` holds, so that state (the
    account's history, which ``generate_account_report`` reads) shows the balance after the next fill's commission:
    the report's first row, at the start of the run, showed the balance after the first entry's commission. A copy
    taken when a state is first published keeps the balance it had. Subscribe it to :data:`ACCOUNT_TOPIC` before the
    run; pass it to :func:`collect_reports`.

    Attributes
    ----------
    events : list[AccountState]
        The copies, in the order the states were first published (a state published again is kept once).
    """

    def __init__(self) -> None:
        self.events: list[AccountState] = []
        self._seen: set = set()

    def __call__(self, event: AccountState) -> None:
        """
        Keep a copy of ``event`` unless it was seen before.

        Parameters
        ----------
        event : AccountState
            A state published on :data:`ACCOUNT_TOPIC`.
        """
        if event.id not in self._seen:
            self._seen.add(event.id)
            self.events.append(AccountState.from_dict(AccountState.to_dict(event)))

    def report(self, venue: str) -> pd.DataFrame:
        """
        Return Nautilus' account report (``ReportProvider.generate_account_report``) of the copies of one venue.

        Parameters
        ----------
        venue : str
            The venue name (the issuer of the account id).

        Returns
        -------
        pandas.DataFrame
            Empty when no state of that venue was published.
        """
        history = SimpleNamespace(events=[e for e in self.events if e.account_id.get_issuer() == venue])
        return ReportProvider.generate_account_report(history)  # it reads the .events of an Account only


def collect_reports(engine, venue: str, signals: list[dict], funding: list[dict],
                    account_states: AccountStateLog | None = None) -> RunReports:
    """
    Generate the report tables from a finished engine.

    Parameters
    ----------
    engine : nautilus_trader.backtest.engine.BacktestEngine
        The engine after the run (before dispose).
    venue : str
        The venue name for the account report.
    signals : list[dict]
        Trade-signal records (``strategy`` key included).
    funding : list[dict]
        Funding payments.
    account_states : AccountStateLog, optional
        The account states as published during the run (the account report is generated from them); without it
        from the account's own history, whose balances NautilusTrader 1.221 changed after the fact (see
        :class:`AccountStateLog`).

    Returns
    -------
    RunReports
    """
    from nautilus_trader.model.identifiers import Venue

    trader = engine.trader
    signals_df = pd.DataFrame(signals, columns=list(SIGNAL_COLUMNS))
    if not signals_df.empty:
        signals_df.insert(1, "time", pd.to_datetime(signals_df["ts"], unit="ns", utc=True))
    funding_df = pd.DataFrame(funding)
    if not funding_df.empty:
        funding_df.insert(1, "time", pd.to_datetime(funding_df["ts"], unit="ns", utc=True))
    return RunReports(
        orders=trader.generate_orders_report(),
        fills=trader.generate_fills_report(),
        positions=trader.generate_positions_report(),
        account=(account_states.report(venue) if account_states is not None
                 else trader.generate_account_report(Venue(venue))),
        signals=signals_df,
        funding=funding_df,
    )


def results_folder(base: Path, name: str, now: pd.Timestamp | None = None) -> Path:
    """
    Create a new folder ``<base>/<name>-<UTC time>`` (``YYYYmmddTHHMMSSZ``; suffixed ``-2``, ``-3``... if taken).

    Parameters
    ----------
    base : Path
        The results root.
    name : str
        Run name.
    now : pandas.Timestamp, optional
        The time (default now, UTC).

    Returns
    -------
    Path
        The created folder.
    """
    now = now or pd.Timestamp.now(tz="UTC")
    stem = f"{name}-{now.strftime('%Y%m%dT%H%M%SZ')}"
    path = Path(base) / stem
    n = 1
    while path.exists():
        n += 1
        path = Path(base) / f"{stem}-{n}"
    path.mkdir(parents=True)
    return path


def write_reports(folder: Path, reports: RunReports, stats: dict) -> list[Path]:
    """
    Write the report tables and the statistics to ``folder``.

    Parameters
    ----------
    folder : Path
        An existing folder.
    reports : RunReports
        The tables.
    stats : dict
        JSON-serialisable statistics (non-finite floats are written as ``null``).

    Returns
    -------
    list[Path]
        The files written (:data:`REPORT_FILES`).
    """
    folder = Path(folder)
    written = []
    for name in ("orders", "fills", "positions", "account", "signals", "funding"):
        path = folder / f"{name}.csv"
        getattr(reports, name).to_csv(path, index=name not in ("signals", "funding"))
        written.append(path)
    path = folder / "stats.json"
    # the round trip writes non-JSON values as strings and reads NaN/Infinity back as None
    cleaned = json.loads(json.dumps(stats, default=str), parse_constant=lambda _: None)
    path.write_text(json.dumps(cleaned, indent=2, sort_keys=True))
    written.append(path)
    return written

