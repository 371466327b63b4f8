"""What ``liqheat plot --backtest-file`` replays: the window of a backtest's map actor and the span of its run."""

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from liqheat_nautilus.core.units import NS_PER_SECOND

if TYPE_CHECKING:
    from liqheat_nautilus.actor import LiquidationMapActorConfig
    from liqheat_nautilus.backtest.config import BacktestFile

__all__ = ["ReplayWindow", "backtest_span"]


@dataclass(frozen=True)
class ReplayWindow:
    """
    The bars and other inputs a chart replays: the whole catalog, or what a backtest's map actor sees.

    Attributes
    ----------
    bars_start_ns : int or None
        First bar (UNIX ns, inclusive); ``None``: the catalog's first.
    start_ns : int or None
        First open interest, funding, long/short ratio and taker volume (UNIX ns, inclusive); ``None``: the
        catalog's first.
    end_ns : int or None
        Last of everything (UNIX ns, inclusive); ``None``: the catalog's last.
    period : str
        The backtest file's period as written (``""`` without one), for the errors.
    trades_ns : tuple[int, int] or None
        For a map actor with ``subscribe_trade_ticks``: the first and last time (UNIX ns, inclusive) of the trade
        ticks its run streams it (:func:`backtest_span`); ``None``: no trade ticks are replayed.
    """

    bars_start_ns: int | None = None
    start_ns: int | None = None
    end_ns: int | None = None
    period: str = ""
    trades_ns: tuple[int, int] | None = None

    @classmethod
    def of_backtest(cls, spec: "BacktestFile", config: "LiquidationMapActorConfig") -> "ReplayWindow":
        """
        Return what a backtest's map actor sees.

        The file's ``[data]`` start to end, and before the start the bars of its warm-up lookback
        (``warmup_lookback_secs``, the seed lookback by default; none when ``warmup_bars`` is off), as the run
        requests them from the catalog; with ``subscribe_trade_ticks`` the trade ticks over the run's span
        (:func:`backtest_span`), as Nautilus streams them.

        Parameters
        ----------
        spec : BacktestFile
            The backtest file.
        config : LiquidationMapActorConfig
            Its map actor's config as the run gets it (:meth:`BacktestFile.map_actor_config`).

        Returns
        -------
        ReplayWindow
        """
        from liqheat_nautilus.times import parse_time

        start, end = parse_time(spec.data.start), parse_time(spec.data.end)
        lookback = int(config.warmup_lookback_secs) * NS_PER_SECOND if config.warmup_bars else 0
        bars_start = None if start is None else start - lookback
        period = f"{spec.data.start or 'the first data'} -> {spec.data.end or 'the last data'}"
        trades = (backtest_span(spec) or (0, -1)) if config.subscribe_trade_ticks else None
        return cls(bars_start, start, end, period if start is not None or end is not None else "", trades)

    def clip(self, at_ns: int | None, at_text: str | None, file: Path | None) -> int | None:
        """
        Return the time to replay up to: ``--at``, else the window's end (``None``: the end of the data).

        Parameters
        ----------
        at_ns : int or None
            ``--at`` (UNIX ns).
        at_text : str or None
            ``--at`` as given, for the error.
        file : Path or None
            ``--backtest-file``, for the error.

        Returns
        -------
        int or None
            UNIX ns; ``None`` replays to the end of the data.

        Raises
        ------
        ValueError
            If ``--at`` lies outside the backtest file's period (naming both).
        """
        if at_ns is None:
            return self.end_ns
        if (self.start_ns is not None and at_ns < self.start_ns) or (self.end_ns is not None and at_ns > self.end_ns):
            raise ValueError(f"--at {at_text} is outside the period of the backtest file {file}: {self.period}")
        return at_ns


def backtest_span(spec: "BacktestFile") -> tuple[int, int] | None:
    """
    Return the span a backtest of the file runs over: the first and last ``ts_init`` of the data it loads.

    The run config gives Nautilus no start or end, so ``BacktestEngine.run`` starts its clock at the first item of
    the data its ``BacktestDataConfig`` entries load and stops after the last; subscribed trade ticks are streamed
    from the catalog over exactly that span (from the clock at subscription, the run's start, to the run's end).
    The data are loaded as ``BacktestNode`` loads them (``load_data_config``).

    Parameters
    ----------
    spec : BacktestFile
        The backtest file (its catalog, instrument, period and actors).

    Returns
    -------
    tuple[int, int] or None
        ``(first, last)`` UNIX ns, inclusive; ``None`` when the run would load no data.
    """
    from nautilus_trader.backtest.node import BacktestNode

    from liqheat_nautilus.backtest.config import to_run_config

    first, last = None, None
    for data_config in to_run_config(spec).data:
        data = BacktestNode.load_data_config(data_config).data
        if data:
            lo, hi = min(d.ts_init for d in data), max(d.ts_init for d in data)
            first, last = lo if first is None else min(first, lo), hi if last is None else max(last, hi)
    return None if first is None or last is None else (int(first), int(last))
