"""The ``liqheat`` command line: ``liqheat <command> ...``; each command lives in its own module."""

import argparse
import importlib
import os
import sys

COMMAND_MODULES: list[str] = [
    "liqheat_nautilus.cli.catalog_cmd",
    "liqheat_nautilus.cli.backtest_cmd",
    "liqheat_nautilus.cli.evaluate_cmd",
    "liqheat_nautilus.cli.calibrate_cmd",
    "liqheat_nautilus.cli.live_cmd",
    "liqheat_nautilus.cli.plot_cmd",
    "liqheat_nautilus.cli.serve_cmd",
    "liqheat_nautilus.cli.sweep_cmd",
]
"""Modules that each define ``register(subparsers)`` adding one subcommand whose handler is ``args.func``."""


def build_parser() -> argparse.ArgumentParser:
    """
    Return the argument parser with every registered subcommand.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="liqheat",
        description="Liquidation maps for crypto perpetual futures on NautilusTrader.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """
    Entry point of the ``liqheat`` console script.

    Parameters
    ----------
    argv : list[str], optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Process exit code (0 success, 1 failure, 2 usage error, 130 interrupted, 141 output pipe closed).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output went away (`liqheat catalog info | head`)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's final flush of stdout would fail again
        return 141


if __name__ == "__main__":
    sys.exit(main())
