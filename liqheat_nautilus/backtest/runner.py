"""Run a backtest file on Nautilus' ``BacktestNode`` and collect what a user wants to see.

:func:`run_backtest` is the public entry point (``from liqheat_nautilus.backtest import run_backtest``): it checks
the catalog first (:func:`check_catalog`: the instrument is in it, it has bars in the file's time range, a starting
balance is in the instrument's settlement currency), runs the node, and returns a picklable
:class:`BacktestOutcome`.
"""

import dataclasses
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from nautilus_trader.backtest.node import BacktestNode
from nautilus_trader.backtest.results import BacktestResult
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.persistence.funcs import class_to_filename, urisafe_identifier

from liqheat_nautilus import validation
from liqheat_nautilus.actor import LiquidationMapActor
from liqheat_nautilus.actor_publishing import unheard_signal_subscriptions
from liqheat_nautilus.adapters.okx.loaders import ingest_okx_sample
from liqheat_nautilus.backtest.config import BacktestFile, is_url, load_backtest_file
from liqheat_nautilus.backtest.metrics import ComparisonRow, strategy_row
from liqheat_nautilus.backtest.monitor import RunMonitor, RunMonitorConfig, RunStats
from liqheat_nautilus.backtest.reports import (
    ACCOUNT_TOPIC,
    AccountStateLog,
    RunReports,
    collect_reports,
    results_folder,
    write_reports,
)
from liqheat_nautilus.backtest.run_config import open_catalog, to_run_config
from liqheat_nautilus.components import ComponentSection, check_component, is_map_actor_config
from liqheat_nautilus.core.clusters import ClusterInfo
from liqheat_nautilus.core.enums import ClusterStatus
from liqheat_nautilus.paths import default_catalog_dir, sample_dir
from liqheat_nautilus.persistence.scan import (
    SUMMED_OPEN_INTEREST_MISSING,
    bar_types_held,
    bars_span,
    data_span,
    first_without_open_interest,
    has_open_interest,
    intervals_span,
    open_interest_missing,
    precision_mismatches,
    scan_catalog,
)
from liqheat_nautilus.persistence.transaction import committed_generation, unchanged_since
from liqheat_nautilus.recording import discard_recording, write_signals
from liqheat_nautilus.simulation.funding import PAYMENTS_TOPIC


@dataclass
class BacktestOutcome:
    """
    The result of one backtest run.

    Attributes
    ----------
    spec : BacktestFile
        The backtest file that was run.
    result : BacktestResult
        Nautilus' result (span, iterations, total orders and positions, PnL and return statistics).
    clusters_published, snapshots_published : int
        Signals published by the liquidation-map actor(s).
    clusters_received : int or None
        Cluster signals received by the strategies that count them (a ``clusters_received`` attribute, as the
        shipped ``ClusterStrategy`` keeps), summed; ``None`` when no strategy of the run counts them.
    signals : list[dict]
        Trade-signal records of the strategies (``strategy`` key set), every action.
    signal_logs : int
        Strategies of the run that keep a trade-signal log (a ``signals`` attribute, as the shipped
        ``BracketStrategy`` keeps); with none, :attr:`signals` is empty whatever the strategies traded.
    final_clusters : list[ClusterInfo]
        The map's live clusters at its last update (the last one published, at :attr:`final_clusters_ns`; not
        necessarily at the last bar), strongest first.
    final_clusters_ns : int
        Time (UNIX ns) of the map update :attr:`final_clusters` were read at; 0 without one (the latest of several
        map actors').
    orders_filled : int
        Fills reported by the execution engine.
    funding_payments : list[dict]
        Funding payments applied by the venue's ``FundingModule`` (see
        :class:`~liqheat_nautilus.simulation.FundingPayment`).
    run_stats : RunStats or None
        What the run's monitor measured (drawdown, exposure, buy-and-hold path).
    row : ComparisonRow or None
        The run's line of the comparison table.
    reports : RunReports
        Nautilus' reports, the signal log and the funding payments as tables.
    results_path : Path or None
        The folder the reports were written to, if any.
    catalog_changed : bool
        Whether another process committed a write to the (local) catalog while the run read it, so that its data
        may mix two committed states (:func:`~liqheat_nautilus.persistence.transaction.unchanged_since`); run it
        again.
    map_actors : int
        Liquidation-map actors of the run.
    map_missing : list[str]
        What those actors never received of what the map needs to publish (``missing_inputs``), one sentence each.
    unheard_subscriptions : list[str]
        Subscriptions of the run's strategies (or actors) to map signals that no map actor of the run published to
        (a wrong ``instrument_id`` metadata, no map actor): their subscribers received none
        (:func:`~liqheat_nautilus.actor_publishing.unheard_signal_subscriptions`), one sentence each.
    profile_warnings : list[str]
        Map actors whose ``map_profile`` was fitted on another instrument
        (:func:`~liqheat_nautilus.core.profile.profile_instrument_warning`), one sentence each.
    funding_missing : str
        With ``[venue] funding = true``: one sentence saying the catalog holds no funding rates of the instrument in
        the run's span, so no funding was charged (:func:`funding_warning`); ``""`` otherwise.
    """

    spec: BacktestFile
    result: BacktestResult
    clusters_published: int = 0
    snapshots_published: int = 0
    clusters_received: int | None = None
    signals: list[dict] = field(default_factory=list)
    signal_logs: int = 0
    final_clusters: list[ClusterInfo] = field(default_factory=list)
    final_clusters_ns: int = 0
    orders_filled: int = 0
    funding_payments: list[dict] = field(default_factory=list)
    run_stats: RunStats | None = None
    row: ComparisonRow | None = None
    reports: RunReports = field(default_factory=RunReports)
    results_path: Path | None = None
    catalog_changed: bool = False
    map_actors: int = 0
    map_missing: list[str] = field(default_factory=list)
    unheard_subscriptions: list[str] = field(default_factory=list)
    profile_warnings: list[str] = field(default_factory=list)
    funding_missing: str = ""

    @property
    def entries(self) -> list[dict]:
        """The ``ENTER`` records (one bracket each)."""
        return [s for s in self.signals if s.get("action", "ENTER") == "ENTER"]

    @property
    def funding_total(self) -> float:
        """Net funding received (negative = paid), settlement currency."""
        return float(sum(p["amount"] for p in self.funding_payments))


def ensure_default_catalog(spec: BacktestFile) -> None:
    """
    Build the embedded OKX catalog if the spec uses it and it is absent.

    Parameters
    ----------
    spec : BacktestFile
        The backtest file.

    Raises
    ------
    FileNotFoundError
        If the spec names another local catalog that does not exist.
    """
    if is_url(spec.data.catalog):  # an fsspec URL: Nautilus reads it
        return
    path = spec.catalog_path().resolve()
    if path.exists():
        return
    if default_catalog_unbuilt(spec):
        print(f"building the embedded catalog {path} from the real OKX sample (first use)...")
        ingest_okx_sample(sample_dir(), path)
        return
    from liqheat_nautilus.adapters.coinglass.loaders import default_coinglass_catalog_dir

    command = "coinglass" if path == default_coinglass_catalog_dir().resolve() else "..."  # config/coinglass/*.toml
    raise FileNotFoundError(f"catalog not found: {path} (build it with `liqheat catalog ingest {command}`)")


def default_catalog_unbuilt(spec: BacktestFile) -> bool:
    """
    Tell whether ``spec`` (a :class:`BacktestFile`) reads the embedded OKX catalog before it is built.

    Returns ``True`` when its ``[data] catalog`` is the local :func:`~liqheat_nautilus.paths.default_catalog_dir`
    and that folder does not exist yet (:func:`ensure_default_catalog` builds it on first use).

    Parameters
    ----------
    spec : BacktestFile
        The parsed backtest file.

    Returns
    -------
    bool
        ``False`` for a catalog URL, an existing folder or any other folder.
    """
    if is_url(spec.data.catalog):
        return False
    path = spec.catalog_path().resolve()
    return not path.exists() and path == default_catalog_dir().resolve()


def check_catalog(spec: BacktestFile) -> int:
    """
    Check that the catalog can feed the run, before the node is built.

    Parameters
    ----------
    spec : BacktestFile
        The backtest file.

    Returns
    -------
    int
        The number of bars the run will replay (from the catalog's bar intervals and the bar step; a progress
        total).

    Raises
    ------
    FileNotFoundError
        If the catalog folder does not exist or is not a catalog.
    ValueError
        One line: the instrument is not in the catalog (the catalog's instruments are listed), the catalog has no
        bars of the bar type (the bar types it holds are listed) or none between ``start`` and ``end`` (its bar
        span is given), no starting balance is in the instrument's settlement currency, ``[venue]
        default_leverage`` is above the instrument's maximum (1 / its ``margin_init``), the file has a
        liquidation-map actor and the catalog no open interest of the instrument in the run's time range (its bars'
        span without ``start``/``end``) (unless the
        actor's map is in ``entry_mode = "trades"``, which opens positions from trade ticks) or of an
        instrument in the actor's ``oi_instrument_ids`` (the map would never update), a ``map_profile`` or
        ``map_params_extra`` that sets ``inverse = true`` for a linear instrument, or the fsspec driver of a
        catalog URL's protocol (``s3fs`` for ``s3://``) is not installed; an ``IngestError`` (a ``ValueError``)
        naming a catalog file that is not readable Parquet, lacks a column of its data class (a run would silently
        get no data), or holds bars of ``bar_type`` at another price/size precision than the instrument's (a run
        would stop at them).
    """
    path: str | Path = spec.data.catalog if is_url(spec.data.catalog) else spec.catalog_path()
    try:
        catalog = open_catalog(spec)
    except ImportError as exc:  # fsspec's driver for the protocol (s3fs, gcsfs, adlfs) is not installed
        raise ValueError(f"catalog {path}: {exc} (the fsspec driver of its protocol)") from None
    if not catalog.fs.isdir(f"{catalog.path}/data"):
        raise FileNotFoundError(f"{path} is not a Nautilus catalog (no data/ folder); build one with "
                                f"`liqheat catalog ingest ...` or `liqheat catalog fetch ...`")
    if not is_url(spec.data.catalog):
        # a file that is not readable Parquet, or lacks columns of its class: one line naming it, not a Rust
        # error mid-run or a run that silently gets no data
        scan_catalog(path)
    instruments = {str(i.id): i for i in catalog.instruments()}
    iid = spec.data.instrument_id
    if iid not in instruments:
        held = ", ".join(sorted(instruments)) or "none"
        raise ValueError(f"instrument {iid} is not in the catalog {path}; it holds: {held} "
                         f"(choose one with --instrument-id, [data] instrument_id or a sweep grid's axes.instruments)")
    if not is_url(spec.data.catalog):  # bars at another precision than the instrument's: the run would stop at them
        bars = f"data/{class_to_filename(Bar)}/{urisafe_identifier(spec.bar_type)}"
        mismatch = next(precision_mismatches(path, iid, [bars]), None)
        if mismatch is not None:
            raise mismatch.error()
    settlement = instruments[iid].get_settlement_currency()
    currencies = [validation.money(b, "[venue] starting_balances").currency for b in spec.venue.starting_balances]
    if settlement not in currencies:
        raise ValueError(f"[venue] starting_balances {list(spec.venue.starting_balances)} hold no "
                         f"{settlement.code}, the settlement currency of {iid} (add a {settlement.code} balance; with "
                         f"liqheat backtest: --starting-balance '<amount> {settlement.code}')")
    margin_init = float(instruments[iid].margin_init)
    if margin_init > 0 and spec.venue.default_leverage > 1 / margin_init:
        raise ValueError(f"[venue] default_leverage {spec.venue.default_leverage:g} is above {iid}'s maximum "
                         f"{1 / margin_init:g} (1 / its margin_init {instruments[iid].margin_init}); "
                         f"give 1 to {1 / margin_init:g}")
    intervals = catalog.get_intervals(Bar, spec.bar_type)
    bars_ns = intervals_span(intervals)  # bars_span's rule, without globbing the catalog a second time
    if bars_ns is None:
        raise ValueError(f"the catalog {path} has no {spec.bar_type} bars; bar types of {iid}: "
                         f"{', '.join(bar_types_held(catalog, iid)) or 'none'} (choose one with --bar-spec or "
                         "[data] bar_spec)")
    lo_ns, hi_ns = validation.time_range(spec.data.start, spec.data.end, "[data]")
    step = BarType.from_str(spec.bar_type).spec.timedelta.value
    total = 0
    for start, end in intervals:
        start, end = max(start, lo_ns) if lo_ns else start, min(end, hi_ns) if hi_ns else end
        if end >= start:
            total += (end - start) // step + 1 if step > 0 else 1
    span = (f"between start {spec.data.start or '(the first bar)'} and end {spec.data.end or '(the last bar)'}"
            if spec.data.start or spec.data.end else "in the catalog's whole span ([data] start and end not set)")
    first, last = (pd.Timestamp(t, unit="ns", tz="UTC") for t in bars_ns)
    if total == 0:
        raise ValueError(f"no {spec.bar_type} bars {span}; the catalog's bars span {first} -> {last}")
    # the open interest must overlap the run: without start/end, the bars' span (readings years away from the bars
    # passed this check and the run published nothing, exit 0)
    oi_lo, oi_hi = lo_ns or bars_ns[0], hi_ns or bars_ns[1]
    if not (spec.data.start or spec.data.end):
        span = f"within its bars' span {first} -> {last} ([data] start and end not set)"
    for i, actor in enumerate(spec.actors):  # the map updates on open interest: without it the run trades nothing
        if not is_map_actor_config(actor.config_path):
            continue
        try:  # a profile's inverse = true over a linear instrument: refused before the run, not silently dropped
            check_component(actor, "actor", f"actors[{i}]").map_params(
                inverse=bool(instruments[iid].is_inverse), inverse_known=True)
        except ValueError as exc:
            raise ValueError(f"actors[{i}].config: {exc}") from None
        summed = [str(x) for x in actor.config.get("oi_instrument_ids") or []]
        missing = first_without_open_interest(catalog, summed, oi_lo, oi_hi)
        if missing is not None:
            raise ValueError(f"actors[{i}].config.oi_instrument_ids: the catalog {path} has no open interest of "
                             f"{missing} {span}; {SUMMED_OPEN_INTEREST_MISSING}")
        if not summed and not trades_mode(actor, f"actors[{i}]") and not has_open_interest(catalog, iid, oi_lo,
                                                                                         oi_hi):
            raise ValueError(f"actors[{i}]: the catalog {path} has no open interest of {iid} {span}, and "
                             f"{open_interest_missing(catalog, iid)}")
    return int(total)


def funding_warning(spec: BacktestFile) -> str:
    """
    Say that a run with ``[venue] funding = true`` will charge no funding: the catalog has no rates in its span.

    Funding is on by default and many catalogs (bars and open interest alone) hold no funding rates, so this is a
    warning, not a refusal: the run is valid, its PnL has no funding term. Run after :func:`check_catalog` (the
    catalog has bars of the run).

    Parameters
    ----------
    spec : BacktestFile
        The backtest file.

    Returns
    -------
    str
        One sentence, ``no FundingRate data for <instrument_id> in <catalog> between <A> and <B>; funding not
        charged (...)``, naming the run's span (``[data] start``/``end``, else the bars'); ``""`` when funding is
        off or the catalog holds ``FundingRate`` records of the instrument overlapping that span.
    """
    from liqheat_nautilus.data import FundingRate

    if not spec.venue.funding:
        return ""
    catalog = open_catalog(spec)
    bars_ns = bars_span(catalog, spec.bar_type)
    lo_ns, hi_ns = validation.time_range(spec.data.start, spec.data.end, "[data]")
    if bars_ns is not None:
        lo_ns, hi_ns = max(lo_ns or bars_ns[0], bars_ns[0]), min(hi_ns or bars_ns[1], bars_ns[1])
    if data_span(catalog, FundingRate, [spec.data.instrument_id], lo_ns, hi_ns) is not None:
        return ""
    path = spec.data.catalog if is_url(spec.data.catalog) else spec.catalog_path()
    first, last = (str(pd.Timestamp(t, unit="ns", tz="UTC")) if t else "-" for t in (lo_ns, hi_ns))
    return (f"no FundingRate data for {spec.data.instrument_id} in {path} between {first} and {last}; funding not "
            "charged (ingest the rates, e.g. `liqheat catalog ingest csv --funding`, or set [venue] funding = false)")


def trades_mode(actor: ComponentSection, field: str) -> bool:
    """
    Return whether a liquidation-map actor's map is in ``entry_mode = "trades"``.

    That map opens positions from the trade ticks (``subscribe_trade_ticks``) and publishes without any
    open-interest reading (docs/methodology.md, ``entry_mode``), so its run needs no open interest.

    Parameters
    ----------
    actor : ComponentSection
        A ``[[actors]]`` entry whose ``config_path`` is a ``LiquidationMapActorConfig``.
    field : str
        Where it is written (``"actors[0]"``), for the errors.

    Returns
    -------
    bool
        ``True`` when its map parameters (``map_params_extra`` and ``map_profile`` included) say ``trades``.

    Raises
    ------
    ValueError
        If the config is invalid (naming the field; the loaded file was already checked).
    """
    config = check_component(actor, "actor", field)
    return str(config.map_params().entry_mode) == "trades"


class RunFailedError(ValueError):
    """
    A component of the run (a strategy, an actor, a venue module) raised while the engine ran it.

    The message names the exception and where it was raised (the innermost frame: in a strategy of your own, its
    file and line); the exception itself is the ``__cause__``, and Nautilus logs its traceback at ERROR. A
    ``ValueError``, so ``liqheat backtest`` reports it as one ``backtest failed: <file>: ...`` line (exit 1) and
    ``--all`` runs the other files.
    """


def run_failure(exc: BaseException) -> RunFailedError:
    """
    Return the :class:`RunFailedError` of an exception raised during a run.

    Parameters
    ----------
    exc : BaseException
        What the engine raised.

    Returns
    -------
    RunFailedError
        ``the run stopped: <type>: <message> (raised at <file>:<line> in <function>)``.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (raised at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    return RunFailedError(f"the run stopped: {type(exc).__name__}: {exc}{where}")


def with_unrealized_pnl(engine, result: BacktestResult, venue: str) -> BacktestResult:
    """
    Return ``result`` with its PnL statistics including the unrealized PnL of the positions still open at the end.

    NautilusTrader 1.221's ``BacktestEngine.get_result`` computes ``stats_pnls`` without it (its post-run log passes
    it, "Unrealized PnLs (included in totals)"): a strategy that ends holding a position had a ``PnL (total)`` and
    ``PnL% (total)`` of its fees and funding alone (100 SOL held over the sample: +0.003 % for a mark-to-market
    +0.56 %). The statistics are Nautilus' own, ``PortfolioAnalyzer.get_performance_stats_pnls(currency,
    unrealized_pnl)`` with ``Portfolio.unrealized_pnls(venue)``, as in that log.

    Parameters
    ----------
    engine : nautilus_trader.backtest.engine.BacktestEngine
        The engine after the run (before dispose).
    result : BacktestResult
        Its result.
    venue : str
        The venue name.

    Returns
    -------
    BacktestResult
        ``result`` itself when nothing is open (every shipped strategy closes its positions when it stops).
    """
    from nautilus_trader.model.identifiers import Venue

    unrealized = {currency.code: money for currency, money in
                  (engine.portfolio.unrealized_pnls(Venue(venue)) or {}).items() if money.as_double() != 0.0}
    if not unrealized:
        return result
    analyzer = engine.portfolio.analyzer
    stats = {code: (analyzer.get_performance_stats_pnls(unrealized[code].currency, unrealized[code])
                    if code in unrealized else values) for code, values in (result.stats_pnls or {}).items()}
    return dataclasses.replace(result, stats_pnls=stats)


def run_backtest(
    spec: BacktestFile | str | Path,
    log_level: str = "ERROR",
    results_dir: str | Path | None = None,
    show_progress: bool = True,
) -> BacktestOutcome:
    """
    Run a backtest file on a ``BacktestNode``.

    A :class:`~liqheat_nautilus.backtest.monitor.RunMonitor` is added to the engine (progress bar, drawdown, exposure,
    buy-and-hold path), funding payments published by the venue's ``FundingModule`` are collected, and the
    reports are generated before the node is disposed.

    Parameters
    ----------
    spec : BacktestFile, str or Path
        The parsed file or its path.
    log_level : str, default "ERROR"
        Nautilus log level.
    results_dir : str or Path, optional
        When given, write the reports to a new ``<results_dir>/<name>-<UTC time>/`` folder.
    show_progress : bool, default True
        Show a progress bar when the run lasts longer than a few seconds.

    Returns
    -------
    BacktestOutcome

    Raises
    ------
    FileNotFoundError
        If the config or catalog is missing.
    ValueError
        If the config is invalid, the catalog cannot feed it (:func:`check_catalog`), ``log_level`` is not a
        Nautilus log level, ``results_dir`` is a file, or the run replayed no data; ``IngestError`` (a
        ``ValueError``) if a commit to the catalog by another process did not finish within 60 s before the run.
    RunFailedError
        A ``ValueError``: a component raised during the run (``raise_exception=True``; the exception is its
        ``__cause__``); like Ctrl-C, it discards the run's partial recording (``record = true``), which the report
        chart and ``liqheat serve`` would show as a run.
    """
    if not isinstance(spec, BacktestFile):
        spec = load_backtest_file(spec)
    if results_dir is not None:
        validation.output_dir(results_dir, "results_dir")
    ensure_default_catalog(spec)
    bars_expected = check_catalog(spec)
    funding_missing = funding_warning(spec)
    # Nautilus reads the catalog while it builds and starts the run, and cannot read it again: start from a
    # committed state (a commit being applied is waited for, a crashed one finished) and report a commit meanwhile
    local = None if is_url(spec.data.catalog) else spec.catalog_path()
    generation_before = committed_generation(local) if local is not None else 0
    run_config = to_run_config(spec, log_level=log_level)
    node = BacktestNode(configs=[run_config])
    recording: str | None = None  # the instance id of a recording not finished yet
    engine = None
    try:
        node.build()
        engine = node.get_engine(run_config.id)
        if engine is None:  # build() makes one engine per run config
            raise RuntimeError(f"BacktestNode built no engine for run {run_config.id}")
        if spec.record:
            recording = str(engine.instance_id)
        monitor = RunMonitor(RunMonitorConfig(
            instrument_id=InstrumentId.from_str(spec.data.instrument_id), bar_type=BarType.from_str(spec.bar_type),
            expected_bars=bars_expected, show_progress=show_progress, label=spec.name,
        ))
        engine.add_actor(monitor)
        payments: list[dict] = []
        engine.kernel.msgbus.subscribe(topic=PAYMENTS_TOPIC, handler=payments.append)
        account_states = AccountStateLog()
        engine.kernel.msgbus.subscribe(topic=ACCOUNT_TOPIC, handler=account_states)
        try:
            raw = node.run()[0]
        except Exception as exc:  # a component raised (Ctrl-C inside a compiled kernel arrives wrapped: kept)
            from liqheat_nautilus.cli import interrupted_by_user

            if interrupted_by_user(exc):
                raise
            if engine.kernel.trader.is_running:
                engine.end()  # stop what the run started: dispose logged RUNNING -> DISPOSE errors
            raise run_failure(exc) from exc
        result = with_unrealized_pnl(engine, raw, spec.venue.name)
        outcome = BacktestOutcome(spec=spec, result=result, run_stats=monitor.stats(), funding_payments=payments,
                                  catalog_changed=local is not None and not unchanged_since(local, generation_before),
                                  funding_missing=funding_missing)
        for actor in engine.trader.actors():
            if isinstance(actor, LiquidationMapActor):
                outcome.map_actors += 1
                if actor.profile_warning:
                    outcome.profile_warnings.append(actor.profile_warning)
                outcome.map_missing.extend(actor.missing_inputs())
                outcome.clusters_published += actor.clusters_published
                outcome.snapshots_published += actor.snapshots_published
                if actor.map is not None:
                    live = [c for c in actor.map.clusters if c.status != ClusterStatus.CLEARED]
                    outcome.final_clusters.extend(sorted(live, key=lambda c: -c.strength))
                if actor.last_snapshot is not None:  # the update those clusters were published with
                    outcome.final_clusters_ns = max(outcome.final_clusters_ns, int(actor.last_snapshot.ts_event))
        outcome.unheard_subscriptions = unheard_signal_subscriptions(
            engine.kernel.msgbus, [a for a in engine.trader.actors() if isinstance(a, LiquidationMapActor)])
        for strategy in engine.trader.strategies():
            received = getattr(strategy, "clusters_received", None)
            if received is not None:
                outcome.clusters_received = (outcome.clusters_received or 0) + received
            log = getattr(strategy, "signals", None)
            if log is not None:
                outcome.signal_logs += 1
                outcome.signals.extend({**s, "strategy": str(strategy.id)} for s in log)
        outcome.signals.sort(key=lambda s: s.get("ts", 0))
        outcome.reports = collect_reports(engine, spec.venue.name, outcome.signals, payments, account_states)
        outcome.orders_filled = len(outcome.reports.fills)
        if spec.record:
            write_signals(spec.catalog_path(), result.instance_id, outcome.reports.signals)
            recording = None
        outcome.row = strategy_row(spec.name, result, outcome.run_stats, outcome.funding_total)
    except KeyboardInterrupt:  # Ctrl-C (or SIGTERM, see cli.sigterm_as_interrupt) mid-run
        if engine is not None and engine.kernel.trader.is_running:
            engine.end()  # stop what the run started, as its own end does: dispose logged RUNNING -> DISPOSE errors
        raise
    finally:
        node.dispose()
        if recording is not None:  # Ctrl-C or an error mid-run: no partial run for the report chart and serve
            discard_recording(spec.catalog_path(), recording)
    if result.iterations == 0:
        raise ValueError(f"the run replayed 0 data points of {spec.data.instrument_id} from {spec.catalog_path()}")
    if results_dir is not None:
        outcome.results_path = results_folder(Path(results_dir), spec.name)
        stats = {"name": spec.name, "backtest_start": result.backtest_start, "backtest_end": result.backtest_end,
                 "stats_pnls": result.stats_pnls, "stats_returns": result.stats_returns,
                 "total_orders": result.total_orders, "total_positions": result.total_positions,
                 "comparison": outcome.row.to_dict(), "funding_total": outcome.funding_total}
        write_reports(outcome.results_path, outcome.reports, stats)
    return outcome
