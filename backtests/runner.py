"""Run a backtest file on Nautilus' ``BacktestNode`` and collect what a user wants to see."""

from dataclasses import dataclass, field
from pathlib import Path

from nautilus_trader.backtest.node import BacktestNode
from nautilus_trader.backtest.results import BacktestResult

from backtests.config import BacktestFile, load_backtest_file, to_run_config
from liqheat_nautilus.actor import LiquidationMapActor
from liqheat_nautilus.core.clusters import ClusterInfo
from liqheat_nautilus.ingest.okx_sample import ingest_okx_sample
from liqheat_nautilus.paths import default_catalog_dir, sample_dir


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
    clusters_received : int
        Cluster signals received by the strategies, summed.
    signals : list[dict]
        Trade-signal records of the strategies (``strategy`` key added).
    final_clusters : list[ClusterInfo]
        The map's live clusters at the end, strongest first.
    orders_filled : int
        Fills reported by the execution engine.
    """

    spec: BacktestFile
    result: BacktestResult
    clusters_published: int = 0
    snapshots_published: int = 0
    clusters_received: int = 0
    signals: list[dict] = field(default_factory=list)
    final_clusters: list[ClusterInfo] = field(default_factory=list)
    orders_filled: int = 0


def ensure_default_catalog(spec: BacktestFile) -> None:
    """
    Build the embedded OKX catalog if the spec uses it and it is absent.

    Raises
    ------
    FileNotFoundError
        If the spec names another catalog that does not exist.
    """
    path = spec.catalog_path().resolve()
    if path.exists():
        return
    if path == default_catalog_dir().resolve():
        print(f"building the embedded catalog {path} from the real OKX sample (first use)...")
        ingest_okx_sample(sample_dir(), path, spec.data.instrument_id)
        return
    raise FileNotFoundError(f"catalog not found: {path} (build it with `liqheat catalog ingest ...`)")


def run_backtest(spec: BacktestFile | str | Path, log_level: str = "ERROR") -> BacktestOutcome:
    """
    Run a backtest file on a ``BacktestNode``.

    Parameters
    ----------
    spec : BacktestFile, str or Path
        The parsed file or its path.
    log_level : str, default "ERROR"
        Nautilus log level.

    Returns
    -------
    BacktestOutcome

    Raises
    ------
    FileNotFoundError
        If the config or catalog is missing.
    ValueError
        If the config is invalid.
    Exception
        Whatever the engine raised during the run (``raise_exception=True``).
    """
    if not isinstance(spec, BacktestFile):
        spec = load_backtest_file(spec)
    ensure_default_catalog(spec)
    run_config = to_run_config(spec, log_level=log_level)
    node = BacktestNode(configs=[run_config])
    try:
        result = node.run()[0]
        engine = node.get_engine(run_config.id)
        outcome = BacktestOutcome(spec=spec, result=result)
        for actor in engine.trader.actors():
            if isinstance(actor, LiquidationMapActor):
                outcome.clusters_published += actor.clusters_published
                outcome.snapshots_published += actor.snapshots_published
                if actor.map is not None:
                    live = [c for c in actor.map.clusters if c.status != "CLEARED"]
                    outcome.final_clusters.extend(sorted(live, key=lambda c: -c.strength))
        for strategy in engine.trader.strategies():
            outcome.clusters_received += getattr(strategy, "clusters_received", 0)
            outcome.signals.extend({"strategy": str(strategy.id), **s} for s in getattr(strategy, "signals", []))
        outcome.orders_filled = len(engine.trader.generate_fills_report())
        return outcome
    finally:
        node.dispose()
