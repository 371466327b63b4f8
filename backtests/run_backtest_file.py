"""Run a backtest file on your own NautilusTrader ``BacktestNode``, with liqheat-nautilus as a library.

This is what you would write in your own project (``liqheat backtest`` does the same plus reports and charts):

    python backtests/run_backtest_file.py config/liquidation_hunt.toml [--catalog PATH/TO/CATALOG]

The file names the strategies and actors by importable path (``strategies.liquidation_hunt:...``); the library
checks it while loading it, translates it into Nautilus' ``BacktestRunConfig``, and Nautilus runs it.
"""

import argparse
import sys

from nautilus_trader.backtest.node import BacktestNode

from liqheat_nautilus.backtest import check_catalog, ensure_default_catalog, load_backtest_file, to_run_config
from liqheat_nautilus.backtest.runner import with_unrealized_pnl


def main(argv: list[str] | None = None) -> int:
    """Run the file given on the command line; print what each strategy did. Returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="backtest file (.toml, .yaml or .json)")
    parser.add_argument("--catalog", default=None, help="Nautilus catalog folder instead of the file's")
    args = parser.parse_args(argv)
    try:
        spec = load_backtest_file(args.config)  # types, enum values, times, balances, components: checked here
        if args.catalog:
            spec = spec.with_catalog(args.catalog)
        ensure_default_catalog(spec)  # builds the embedded real OKX sample on first use
        check_catalog(spec)  # the instrument and its bars are in the catalog
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    run_config = to_run_config(spec)
    node = BacktestNode(configs=[run_config])
    try:
        [result] = node.run()
        engine = node.get_engine(run_config.id)
        # Nautilus' result leaves out the PnL of positions still open at the end; liqheat backtest counts it
        result = with_unrealized_pnl(engine, result, spec.venue.name)
        for strategy in engine.trader.strategies():
            signals = getattr(strategy, "signals", None)  # the shipped strategies' decision log; yours may have none
            if signals is not None:
                entries = [s for s in signals if s["action"] == "ENTER"]
                print(f"{strategy.id}: {len(entries)} entries, {len(signals)} decisions")
    finally:
        node.dispose()
    pnl = {currency: stats["PnL (total)"] for currency, stats in result.stats_pnls.items()}
    print(f"{result.total_orders} orders, {result.total_positions} positions, PnL {pnl}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
