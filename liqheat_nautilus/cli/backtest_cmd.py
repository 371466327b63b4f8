"""``liqheat backtest``: run a backtest from a config file (default: the embedded real sample)."""

import argparse
import sys
from pathlib import Path

from liqheat_nautilus.paths import config_dir

DEFAULT_CONFIG = "liquidation_hunt.toml"


def register(subparsers) -> None:
    """Add ``backtest`` to the ``liqheat`` parser."""
    parser = subparsers.add_parser(
        "backtest",
        help="run a backtest (default: liquidation hunt on the embedded real OKX sample)",
    )
    parser.add_argument("--config", type=Path, default=None,
                        help=f"backtest file (.toml/.yaml/.json); default config/{DEFAULT_CONFIG}")
    parser.add_argument("--log-level", default="ERROR", help="Nautilus log level (default ERROR)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from backtests.runner import run_backtest
    from backtests.summary import format_summary

    path = args.config or config_dir() / DEFAULT_CONFIG
    try:
        outcome = run_backtest(path, log_level=args.log_level)
    except (FileNotFoundError, ValueError) as exc:
        print(f"backtest failed: {exc}", file=sys.stderr)
        return 1
    print(format_summary(outcome))
    return 0
