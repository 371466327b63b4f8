"""``liqheat live``: run the liquidation map and strategies on a Nautilus TradingNode (Binance testnet by default)."""

import argparse
import json
import sys
from pathlib import Path

from liqheat_nautilus.cli import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, failed
from liqheat_nautilus.paths import config_dir

DEFAULT_CONFIG = "live_binance.toml"


def register(subparsers) -> None:
    """
    Add ``live`` to the ``liqheat`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``liqheat`` parser's subcommands (``ArgumentParser.add_subparsers()``).
    """
    parser = subparsers.add_parser(
        "live",
        help="run live on a Nautilus TradingNode (Binance USD-M; testnet by default, sandbox paper trading, "
             "mainnet only with --mainnet)",
        description="Run the live file's actors and strategies on a Nautilus TradingNode: Binance USD-M data, "
                    "execution on the testnet (default), in the sandbox (paper trading) or, with --mainnet and the "
                    "file's confirmation, on mainnet. --check validates the file and exits.",
    )
    parser.add_argument("--config", type=Path, default=None, help=f"live file (.toml); default config/{DEFAULT_CONFIG}")
    parser.add_argument("--mainnet", action="store_true",
                        help='allow mainnet execution (also needs [execution] mode = "mainnet" and mainnet_confirm)')
    parser.add_argument("--duration", type=float, default=None,
                        help="stop gracefully after this many seconds (default: run until Ctrl-C)")
    parser.add_argument("--summary", type=Path, default=None, help="write a JSON run summary here")
    parser.add_argument("--check", action="store_true",
                        help="only check the live file (and the mainnet guard) and that its [message_bus] Redis "
                             "accepts the node's credentials, print what it would run, exit 0; no keys needed, no "
                             "node started")
    parser.add_argument("--log-level", default=None,
                        help="Nautilus log level: OFF, TRACE, DEBUG, INFO, WARNING or ERROR (default: the file's)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from liqheat_nautilus import validation
    from liqheat_nautilus.live.live_file import check_mainnet_guard, load_live_file, mainnet_flag_mismatch
    from liqheat_nautilus.live.node import build_node, run_node_async
    from liqheat_nautilus.live.summary import collect_summary

    path = args.config or config_dir() / DEFAULT_CONFIG
    try:
        log_level = args.log_level and validation.log_level(args.log_level)  # Nautilus' parser would abort
        if args.duration is not None:
            validation.number(args.duration, "--duration", minimum=0.0, exclusive=True)
        if args.summary is not None:
            validation.output_file(args.summary, "--summary", {"--config": path})  # a summary over the live file
    except ValueError as exc:
        return failed("live", exc, EXIT_USAGE)
    try:
        live = load_live_file(path)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        return failed("live", exc)
    try:
        check_mainnet_guard(live, args.mainnet)  # before the rest: its message names the file too
    except ValueError as exc:  # --mainnet disagreeing with the file's mode is a usage error
        status = EXIT_USAGE if mainnet_flag_mismatch(live, args.mainnet) else EXIT_FAILURE
        return failed("live", f"{path}: {exc}", status)
    try:
        validation.log_level(log_level or live.log_level, f"{path}: log_level")
        validation.trader_id(live.trader_id, f"{path}: trader_id")
        if args.check:
            from liqheat_nautilus.live.live_file import describe_live_file
            from liqheat_nautilus.live.node import build_node_config, check_redis_reachable

            build_node_config(live, mainnet_flag=args.mainnet, log_level=log_level)
            check_redis_reachable(live.message_bus)  # the start's check: an unusable Redis loses every stream
            bus = f"; message bus {live.message_bus.redis_url} answers" if live.message_bus.redis_url else ""
            print(f"{path}: ok: {describe_live_file(live)}{bus}")
            return 0
        node = build_node(live, mainnet_flag=args.mainnet, log_level=log_level)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        return failed("live", exc)
    loop = node.get_event_loop()
    if loop is None:  # a built node has its loop; dispose() closes it
        node.dispose()
        return failed("live", "the node has no event loop")
    try:
        run_info = loop.run_until_complete(run_node_async(node, live, args.duration))
        outages = run_info.pop("redis_outages", [])
        summary = collect_summary(node, run_info)
    finally:
        node.dispose()
    if live.message_bus.redis_url:
        summary["message_bus"] = _redis_at_stop(live, outages)
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)  # after a run: a missing folder lost the summary
        args.summary.write_text(json.dumps(summary, indent=2, default=str))
    shown = {k: summary[k] for k in ("run", "orders", "positions", "feeds", "map", "message_bus") if k in summary}
    # each poll target's health: without it a venue unreachable for the whole run showed only "OpenInterest": 0
    shown["poller"] = {key: {k: st.get(k) for k in ("published", "errors", "stale", "last_error")}
                       for key, st in summary["poller"].items()}
    print(json.dumps(shown, default=str))
    if not run_info["trader_started"]:
        if run_info["stopped_by"] == "signal":  # Ctrl-C or SIGTERM while the node was still starting
            print(f"live interrupted: {run_info['problem']}", file=sys.stderr)
            return EXIT_INTERRUPTED
        return failed("live", run_info['problem'])
    return 0


def _redis_at_stop(live, outages: list[dict]) -> dict:
    """
    Check the ``[message_bus]`` Redis again after the run; warn on stderr when it is gone or was gone during the run.

    NautilusTrader 1.221 logs nothing when its Redis writes fail: a Redis that went away during the run lost every
    stream message after that (seen offline: also after it was back), and the run still ended with exit 0.

    Parameters
    ----------
    live : LiveFile
        The file (its ``[message_bus]`` has a ``redis_url``).
    outages : list of dict
        What :func:`~liqheat_nautilus.live.node.watch_redis` recorded during the run.

    Returns
    -------
    dict
        ``{"redis_url": str, "reachable_at_stop": bool, "problem": str, "outages": list}`` (``problem`` "" when
        reachable), for the run summary.
    """
    from liqheat_nautilus.live.node import REDIS_WATCH_SECS, check_redis_reachable

    url = live.message_bus.redis_url
    try:
        check_redis_reachable(live.message_bus)
    except RuntimeError as exc:
        since = f" (unreachable since {outages[-1]['first_failed']})" if outages else ""
        print(f"live: WARNING: at the end of the run, {exc}{since}; stream messages published while it was "
              "unreachable were lost (NautilusTrader reports no Redis write error)", file=sys.stderr)
        return {"redis_url": url, "reachable_at_stop": False, "problem": str(exc), "outages": outages}
    if outages:
        spans = ", ".join(f"{o['first_failed']} to {o['answered_again'] or 'the end'}" for o in outages)
        print(f"live: WARNING: the [message_bus] Redis {url} was unreachable during the run ({len(outages)} "
              f"outage(s) seen by a check every {REDIS_WATCH_SECS:g} s: {spans}); stream messages from the first "
              f"on may be lost, also after Redis answered again (NautilusTrader 1.221 reports no Redis write error "
              f"and was seen not to write to a restarted Redis again): see message_bus.outages in the summary",
              file=sys.stderr)
    return {"redis_url": url, "reachable_at_stop": True, "problem": "", "outages": outages}
