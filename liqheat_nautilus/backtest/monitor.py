"""``RunMonitor``: a cheap actor the runner adds to every backtest for progress and the equity path.

Per bar it does a few scalar operations: counts bars (progress bar), tracks whether the instrument has an open
position (exposure, judged at the next bar from the position events), the mark-to-market equity (account balance +
unrealized PnL of open positions) and its running peak (maximum drawdown; NautilusTrader 1.221's portfolio analyzer
has no drawdown statistic), and the buy-and-hold path of the same bars (first open, daily closes, running peak).
The progress bar (rich) appears only when the run has lasted longer than ``progress_after_secs`` of wall time.
"""

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nautilus_trader.common.actor import Actor
from nautilus_trader.common.config import ActorConfig
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.events import PositionClosed, PositionEvent, PositionOpened
from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus.core.units import NS_PER_DAY
from liqheat_nautilus.equity import instrument_equity

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


@dataclass(frozen=True)
class RunStats:
    """
    What a :class:`RunMonitor` measured, kept after the engine is disposed (plain data: picklable).

    Attributes
    ----------
    bars : int
        Bars seen.
    bars_exposed : int
        Bars at whose close the instrument had an open position: a position opened at or before the bar's time and
        closed after it (``ts_opened <= ts_event < ts_closed``, as the positions report's times say).
    max_drawdown : float
        Largest fall of mark-to-market equity from its running peak, as a fraction of the peak (>= 0).
    first_open, last_close : float
        Buy-and-hold entry and exit prices (quote currency).
    bh_max_drawdown : float
        Largest fall of the close from its running peak (fraction).
    daily_closes : dict[int, float]
        Last close of each UTC day (day start in UNIX ns -> price).
    first_ns, last_ns : int
        ``ts_event`` of the first and last bar (UNIX ns).
    progress_shown : bool
        Whether the progress bar was displayed.
    """

    bars: int = 0
    bars_exposed: int = 0
    max_drawdown: float = 0.0
    first_open: float = math.nan
    last_close: float = math.nan
    bh_max_drawdown: float = 0.0
    daily_closes: dict[int, float] = field(default_factory=dict)
    first_ns: int = 0
    last_ns: int = 0
    progress_shown: bool = False

    @property
    def exposure(self) -> float:
        """Fraction of bars with an open position (``nan`` before the first bar)."""
        return self.bars_exposed / self.bars if self.bars else math.nan


class RunMonitorConfig(ActorConfig, frozen=True):
    """
    Configuration of :class:`RunMonitor`: the instrument and bars it follows, and its progress bar.

    Parameters
    ----------
    instrument_id : InstrumentId
        The traded instrument.
    bar_type : BarType
        The bars replayed.
    expected_bars : int, default 0
        Bars expected in the run (progress total; 0 = unknown).
    show_progress : bool, default True
        Allow the progress bar.
    progress_after_secs : float, default 2.0
        Wall-clock seconds after which the progress bar appears.
    label : str, default ""
        Text in front of the progress bar.
    """

    instrument_id: InstrumentId
    bar_type: BarType
    expected_bars: int = 0
    show_progress: bool = True
    progress_after_secs: float = 2.0
    label: str = ""


class RunMonitor(Actor):
    """
    Progress, exposure, equity drawdown and buy-and-hold tracking over the bars of a run.

    Parameters
    ----------
    config : RunMonitorConfig
        The configuration.

    Attributes
    ----------
    bars, bars_exposed, max_drawdown, first_open, last_close, bh_max_drawdown, daily_closes, first_ns, last_ns,
    progress_shown
        As in :class:`RunStats` (a copy: :meth:`stats`), updated at each bar; ``bars_exposed`` counts the bars judged
        so far, every one but the last (:attr:`bars_exposed_total` and :meth:`stats` include it).
    """

    def __init__(self, config: RunMonitorConfig) -> None:
        super().__init__(config)
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._wall_start = 0.0
        self.progress_shown = False
        self._reset_counters()

    def _reset_counters(self) -> None:
        self.bars = 0
        self.bars_exposed = 0
        self.max_drawdown = 0.0
        self._equity_peak = -math.inf
        self.first_open = math.nan
        self.last_close = math.nan
        self.bh_max_drawdown = 0.0
        self._bh_peak = -math.inf
        self.daily_closes: dict[int, float] = {}
        self.first_ns = 0
        self.last_ns = 0
        self._currency = None
        self._open_since: dict[str, int] = {}  # open positions of the instrument: id -> ts_opened
        self._closed: list[tuple[int, int]] = []  # (ts_opened, ts_closed) of positions closed since the last bar
        self._pending_ns: int | None = None  # the bar whose exposure is not counted yet (the last one seen)

    def on_start(self) -> None:
        """Subscribe to the bars and start the wall clock."""
        instrument = self.cache.instrument(self.config.instrument_id)
        self._currency = instrument.get_settlement_currency() if instrument is not None else None
        self.subscribe_bars(self.config.bar_type)
        self.msgbus.subscribe(topic="events.position.*", handler=self._on_position_event)
        self._wall_start = time.monotonic()

    def on_stop(self) -> None:
        """Close the progress bar."""
        self._close_progress()

    def on_reset(self) -> None:
        """Reset the counters."""
        self._reset_counters()

    def on_bar(self, bar: Bar) -> None:
        """
        Update progress, exposure, equity drawdown and buy-and-hold from a bar of ``config.bar_type``.

        Parameters
        ----------
        bar : Bar
            A bar of the run; bars of another bar type are ignored. Its close (quote currency) and ``ts_event``
            (UNIX ns, the bar close) feed the buy-and-hold path and the daily closes.
        """
        if bar.bar_type != self.config.bar_type:
            return
        close = bar.close.as_double()
        if self._pending_ns is not None:  # the previous bar: its own orders' fills are known now
            self.bars_exposed += self._exposed_at(self._pending_ns)
            self._closed.clear()
        self._pending_ns = bar.ts_event
        if self.bars == 0:
            self.first_open = bar.open.as_double()
            self.first_ns = bar.ts_event
        self.bars += 1
        self.last_close = close
        self.last_ns = bar.ts_event
        self.daily_closes[bar.ts_event - bar.ts_event % NS_PER_DAY] = close
        self._bh_peak = max(self._bh_peak, close)
        self.bh_max_drawdown = max(self.bh_max_drawdown, 1.0 - close / self._bh_peak)
        self._update_equity()
        if self.bars % 1000 == 0 and self.config.show_progress:
            self._tick_progress()

    def _update_equity(self) -> None:
        if self._currency is None:
            return
        iid = self.config.instrument_id
        equity = instrument_equity(self.portfolio, iid, self._currency)
        if math.isnan(equity):  # no account yet
            return
        if equity > self._equity_peak:
            self._equity_peak = equity
        elif self._equity_peak > 0:
            self.max_drawdown = max(self.max_drawdown, 1.0 - equity / self._equity_peak)

    def _on_position_event(self, event: PositionEvent) -> None:
        """Keep the open positions of the instrument and those closed since the last bar (with their times)."""
        if event.instrument_id != self.config.instrument_id:
            return
        if isinstance(event, PositionClosed):
            self._open_since.pop(event.position_id.value, None)
            self._closed.append((event.ts_opened, event.ts_closed))
        elif isinstance(event, PositionOpened):  # (a netting position reopened after closing keeps its id)
            self._open_since[event.position_id.value] = event.ts_opened

    def _exposed_at(self, ts_ns: int) -> bool:
        """
        Return whether a position was open at ``ts_ns``: opened at or before it and not closed by then.

        A bar is judged at the next bar (or at the end): an entry filled at the bar's own time is known only after
        the strategies have handled the bar (it filled after this actor's ``on_bar``, which therefore missed the entry
        bar of every position), and an exit at the next bar's time is known when that bar arrives.
        """
        return (any(opened <= ts_ns for opened in self._open_since.values())
                or any(opened <= ts_ns < closed for opened, closed in self._closed))

    @property
    def bars_exposed_total(self) -> int:
        """Bars with an open position, the last bar's included (judged with what is known now)."""
        pending = self._pending_ns is not None and self._exposed_at(self._pending_ns)
        return self.bars_exposed + int(pending)

    @property
    def exposure(self) -> float:
        """Fraction of bars with an open position (``nan`` before the first bar)."""
        return self.bars_exposed_total / self.bars if self.bars else math.nan

    def stats(self) -> RunStats:
        """
        Return a copy of what was measured so far.

        Returns
        -------
        RunStats
        """
        return RunStats(bars=self.bars, bars_exposed=self.bars_exposed_total, max_drawdown=self.max_drawdown,
                        first_open=self.first_open, last_close=self.last_close, bh_max_drawdown=self.bh_max_drawdown,
                        daily_closes=dict(self.daily_closes), first_ns=self.first_ns, last_ns=self.last_ns,
                        progress_shown=self.progress_shown)

    def _tick_progress(self) -> None:
        if self._progress is None:
            if time.monotonic() - self._wall_start < self.config.progress_after_secs:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            # on stderr: stdout holds the summary (rich left an empty line there when stdout was not a terminal)
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("bars"), TimeRemainingColumn(), transient=True,
                                      console=Console(stderr=True))
            self._progress.start()
            self.progress_shown = True
            self._task = self._progress.add_task(self.config.label or "backtest",
                                                 total=self.config.expected_bars or None)
        if self._task is not None:
            self._progress.update(self._task, completed=self.bars)

    def _close_progress(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
