"""``liqheat catalog ...``: build (ingest, fetch), check (validate) and describe (info) Nautilus Parquet catalogs.

Writes go through :func:`~liqheat_nautilus.persistence.transaction.catalog_transaction`: a failure, Ctrl-C or
SIGTERM leaves the catalog as it was (exit 1, or 130 when interrupted), one line on standard error says why.
"""

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from liqheat_nautilus.adapters.binance.loaders import KINDS, KLINE_INTERVALS
from liqheat_nautilus.adapters.okx.loaders import ingest_okx_sample
from liqheat_nautilus.cli import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    OneFile,
    add_instrument_argument,
    failed,
    sigterm_as_interrupt,
)
from liqheat_nautilus.paths import OKX_CATALOG_NAME, default_catalog_dir, sample_dir
from liqheat_nautilus.persistence.errors import IngestError, IngestOptionError
from liqheat_nautilus.persistence.transaction import COMMITTED_FLAG, CommitIncompleteError
from liqheat_nautilus.persistence.writer import DEFAULT_CHUNK_ROWS, IngestSummary


def register(subparsers) -> None:
    """
    Add ``catalog`` and its subcommands (``ingest``, ``fetch``, ``validate``, ``info``) to the ``liqheat`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``liqheat`` parser's subcommands (``ArgumentParser.add_subparsers()``).
    """
    catalog = subparsers.add_parser("catalog", help="build and inspect Parquet data catalogs")
    sub = catalog.add_subparsers(dest="catalog_command", metavar="SUBCOMMAND")
    _register_ingest(sub)
    _register_fetch(sub)
    validate = sub.add_parser("validate", help="check a catalog: duplicates, gaps, order, bad values, outliers")
    validate.add_argument("--catalog", type=Path, default=None,
                          help=f"catalog folder (default: the embedded one, catalog/build/{OKX_CATALOG_NAME})")
    validate.add_argument("--max-jump-pct", default="10", metavar="PERCENT",
                          help="price move between consecutive bars/trades reported as an outlier, in percent "
                               "(default 10)")
    validate.add_argument("--strict", action="store_true", help="exit non-zero on warnings too")
    validate.set_defaults(func=_validate)
    info = sub.add_parser("info", help="instruments, data types, row counts and time ranges of a catalog")
    info.add_argument("--catalog", type=Path, default=None,
                      help=f"catalog folder (default: the embedded one, catalog/build/{OKX_CATALOG_NAME})")
    info.set_defaults(func=_info)
    catalog.set_defaults(func=lambda _args: catalog.print_help() or 2)


def _add_lock_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lock-timeout", default=None, metavar="SECONDS",
                        help="while another process writes the catalog, wait at most this long (default: wait until "
                             "it has finished; 0: fail at once)")


def _register_ingest(sub) -> None:
    ingest = sub.add_parser("ingest", help="ingest exchange files into a catalog")
    ingest_sub = ingest.add_subparsers(dest="source_kind", metavar="SOURCE")
    okx = ingest_sub.add_parser("okx", help="OKX CSV folder (ccxt export layout); default: the embedded sample")
    okx.add_argument("--source", type=Path, default=None, help="folder with ohlcv_1m.csv, open_interest.csv, "
                     "funding_rate.csv (default: the embedded real SOL-USDT-SWAP sample)")
    okx.add_argument("--catalog", type=Path, default=None,
                     help="catalog folder to create or add to: new, empty, or a catalog (default: "
                          f"catalog/build/{OKX_CATALOG_NAME})")
    add_instrument_argument(okx, "instrument id (default %(default)s)", default="SOL-USDT-SWAP.OKX")
    _add_instrument_sources(okx, exchange_info=False)
    _add_lock_timeout(okx)
    okx.set_defaults(func=_ingest_okx)
    binance = ingest_sub.add_parser(
        "binance", help="data.binance.vision USD-M/COIN-M files: klines, aggTrades, trades, metrics, fundingRate",
    )
    binance.add_argument("files", nargs="+", type=Path, metavar="FILE",
                         help=".zip or .csv archive files, e.g. BTCUSDT-1m-2024-01-01.zip")
    binance.add_argument("--catalog", type=Path, required=True,
                         help="catalog folder to create or add to: new, empty, or a catalog")
    add_instrument_argument(binance, "instrument id, e.g. BTCUSDT-PERP.BINANCE (default: NautilusTrader's id of the "
                                     "file name's symbol: BTCUSDT -> BTCUSDT-PERP.BINANCE, BTCUSD_PERP -> "
                                     "BTCUSD-PERP.BINANCE)")
    binance.add_argument("--kind", default=None, choices=KINDS,
                         help="file kind, for files not named like the archive (default: from the file name)")
    binance.add_argument("--interval", default=None,
                         help=f"kline interval for renamed kline files: {', '.join(KLINE_INTERVALS)} (default: from "
                              "the file name)")
    binance.add_argument("--chunk-rows", default=None, metavar="ROWS",
                         help=f"rows per Parquet file (default {DEFAULT_CHUNK_ROWS})")
    binance.add_argument("--no-verify", action="store_true", help="skip .CHECKSUM verification")
    _add_price_check(binance, "klines or trades")
    _add_instrument_sources(binance, exchange_info=True)
    _add_lock_timeout(binance)
    binance.set_defaults(func=_ingest_binance)
    coinglass = ingest_sub.add_parser(
        "coinglass", help="the Coinglass BTC 4 h set (default: the shipped catalog/coinglass_btc_4h) as a catalog of "
                          "the Binance BTCUSDT perpetual: 1 h bars, open interest, funding, taker volume")
    coinglass.add_argument("--source", type=Path, default=None,
                           help="folder of the set (default: the shipped catalog/coinglass_btc_4h)")
    coinglass.add_argument("--catalog", type=Path, default=None,
                           help="catalog folder to create or add to: new, empty, or a catalog (default: "
                                "catalog/build/coinglass_btc_4h)")
    add_instrument_argument(coinglass, "instrument id (default %(default)s)", default="BTCUSDT-PERP.BINANCE")
    _add_instrument_sources(coinglass, exchange_info=True)
    _add_lock_timeout(coinglass)
    coinglass.set_defaults(func=_ingest_coinglass)
    _register_ingest_csv(ingest_sub)
    ingest.set_defaults(func=_ingest_okx, source=None, catalog=None, instrument="SOL-USDT-SWAP.OKX",
                        instrument_spec=[], exchange_info=[], offline=False, api_base=None, lock_timeout=None)


def _register_ingest_csv(ingest_sub) -> None:
    csv = ingest_sub.add_parser(
        "csv", help="your own CSV files of one perpetual: bars, open interest, funding, trades (layout: docs/data.md, "
                    "'Your own CSV files')")
    csv.add_argument("--catalog", type=Path, required=True,
                     help="catalog folder to create or add to: new, empty, or a catalog")
    csv.add_argument("--instrument-spec", action="append", type=Path, default=[], metavar="FILE",
                     help="instrument-spec file (TOML or JSON, [[perpetual]] entries, as catalog/*/instrument.toml; "
                          "see docs/data.md); repeatable; else the catalog's definition")
    add_instrument_argument(csv, "instrument id, e.g. SOL-USDT-SWAP.OKX (default: the spec file's only perpetual)")
    csv.add_argument("--bars", type=Path, default=None, metavar="FILE", action=OneFile,
                     help="bars: timestamp,open,high,low,close,volume (timestamp = bar open, or close with "
                          "--bar-time close; epoch s/ms/us/ns or ISO-8601; any column order, other columns ignored)")
    csv.add_argument("--bar-time", choices=("open", "close"), default=None,
                     help="whether the --bars timestamp is the bar's open time (default; stored stamped at open + "
                          "the bar's length) or its close time (stored as given)")
    csv.add_argument("--bar-spec", default=None, metavar="SPEC",
                     help="bar specification of --bars or --bars-from-trades, time bars only (default 1-MINUTE-LAST); "
                          "stored as <instrument>-<SPEC>-EXTERNAL")
    csv.add_argument("--open-interest", type=Path, default=None, metavar="FILE", action=OneFile,
                     help="open interest: timestamp and one or more of open_interest_usd, open_interest_contracts, "
                          "open_interest_base")
    csv.add_argument("--funding", type=Path, default=None, metavar="FILE", action=OneFile,
                     help="funding: timestamp (the funding time), funding_rate (fraction per interval)")
    csv.add_argument("--funding-interval-hours", default=None, metavar="HOURS",
                     help="funding interval of --funding: > 0 and at most 168 hours (default 8)")
    csv.add_argument("--trades", type=Path, default=None, metavar="FILE", action=OneFile,
                     help="trades, in this column order: timestamp,price,quantity,side(buy/sell aggressor),trade_id")
    csv.add_argument("--bars-from-trades", action="store_true",
                     help="also build --bar-spec bars from --trades with NautilusTrader's TimeBarAggregator (for a "
                          "catalog without bar files: backtest and plot read bars)")
    csv.add_argument("--chunk-rows", default=None, metavar="ROWS",
                     help=f"trades per Parquet file (default {DEFAULT_CHUNK_ROWS})")
    _add_price_check(csv, "bars or trades")
    _add_lock_timeout(csv)
    csv.set_defaults(func=_ingest_csv)


def _add_price_check(parser: argparse.ArgumentParser, what: str) -> None:
    """``--no-price-check`` (see persistence.checks.PriceScale), of the ingests that check their files' price scale."""
    parser.add_argument("--no-price-check", action="store_true",
                        help=f"accept {what} whose prices are 5 times or more above or below the instrument's in "
                             "the catalog (or the file's previous row): refused by default, as another instrument's "
                             "file")


def _add_instrument_sources(parser: argparse.ArgumentParser, exchange_info: bool) -> None:
    """Options naming where instrument definitions come from (see adapters.common.providers)."""
    parser.add_argument("--instrument-spec", action="append", type=Path, default=[], metavar="FILE",
                        help="instrument-spec file (TOML or JSON, [[perpetual]] entries; see docs/data.md); "
                             "repeatable; wins over every other source")
    if exchange_info:
        parser.add_argument("--exchange-info", action="append", type=Path, default=[], metavar="FILE",
                            help="a saved Binance GET /fapi/v1/exchangeInfo (USD-M) or /dapi/v1/exchangeInfo "
                                 "(COIN-M) response; repeatable")
    parser.add_argument("--offline", action="store_true",
                        help="never ask the venue: instruments only from the files given and the catalog")
    parser.add_argument("--api-base", default=None, help=argparse.SUPPRESS)  # proxy / local recorded server


def _instrument_sources(args: argparse.Namespace):
    from liqheat_nautilus.adapters.common.providers import InstrumentSources

    return InstrumentSources(spec_files=tuple(args.instrument_spec),
                             exchange_info_files=tuple(getattr(args, "exchange_info", None) or ()),
                             online=not args.offline, api_base=args.api_base)


def _register_fetch(sub) -> None:
    fetch = sub.add_parser("fetch", help="fetch history through ccxt: bars, trades, open interest, funding")
    fetch.add_argument("exchange", choices=["binance", "bybit", "okx", "hyperliquid"],
                       help="binance = Binance USD-M futures")
    fetch.add_argument("symbol", help="ccxt symbol (BTC/USDT:USDT) or venue id (BTCUSDT, BTC-USDT-SWAP)")
    fetch.add_argument("--start", required=True, help="UTC start, e.g. 2024-04-01 or 2024-04-01T12:00")
    fetch.add_argument("--end", required=True, help="UTC end (exclusive)")
    fetch.add_argument("--catalog", type=Path, required=True,
                       help="catalog folder to create or extend: new, empty, or a catalog")
    fetch.add_argument("--data", default=None,
                       help="comma-separated kinds among bars, trades, oi, funding (default: bars, oi and funding, "
                            "without oi where the venue has no OI history)")
    fetch.add_argument("--timeframe", default="1m", help="bar timeframe (default 1m)")
    fetch.add_argument("--oi-period", default="5m", help="open-interest history period (default 5m)")
    fetch.add_argument("--no-resume", action="store_true",
                       help="refetch the whole range (replacing it) instead of continuing after stored data")
    fetch.add_argument("--retries", default="5", metavar="N",
                       help="retries per request on 429/5xx/network errors (default 5)")
    fetch.add_argument("--api-base", default=None, help=argparse.SUPPRESS)  # proxy / local recorded server
    fetch.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_lock_timeout(fetch)
    fetch.set_defaults(func=_fetch)


def print_summary(summary: IngestSummary) -> None:
    """
    Print what an ingest or fetch wrote: the catalog and instrument, then one line per data type (rows, time span).

    Parameters
    ----------
    summary : IngestSummary
        What the write reports (rows per data type; first and last UNIX ns per type that has times).
    """
    import pandas as pd

    print(f"catalog {summary.catalog}  instrument {summary.instrument_id}")
    width = max([14, *(len(k) for k in summary.counts)])
    for name, count in summary.counts.items():
        if name not in summary.first_ts:
            print(f"  {name:<{width}} {count:>9,d} rows")
            continue
        first = pd.Timestamp(summary.first_ts[name], unit="ns", tz="UTC")
        last = pd.Timestamp(summary.last_ts[name], unit="ns", tz="UTC")
        print(f"  {name:<{width}} {count:>9,d} rows  {first} -> {last}")


def _write(verb: str, action: Callable[[], IngestSummary]) -> int:
    """
    Run an ingest or fetch; one line on stderr and a non-zero exit for every failure.

    Returns
    -------
    int
        0 done, 1 refused or failed (the catalog unchanged), 2 bad option (also one the ingest finds unusable:
        :class:`~liqheat_nautilus.persistence.errors.IngestOptionError`), 130 interrupted.
    """
    summary = None
    try:
        with sigterm_as_interrupt():  # also while the summary prints: SIGTERM then ended the process with 143
            summary = action()
            print_summary(summary)
    except KeyboardInterrupt as exc:
        if summary is not None or getattr(exc, COMMITTED_FLAG, False):
            print(f"{verb} interrupted after its commit point: the catalog holds the complete new data (a step left "
                  "undone is finished by the next command on this catalog)", file=sys.stderr)
        else:
            print(f"{verb} interrupted: nothing was committed, the catalog is unchanged", file=sys.stderr)
        return EXIT_INTERRUPTED
    except CommitIncompleteError as exc:
        print(f"{verb} committed but not finished: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except IngestOptionError as exc:  # an option's value, found unusable by the ingest: nothing was written
        return failed(verb, exc, EXIT_USAGE)
    except IngestError as exc:
        print(f"{verb} failed, catalog unchanged: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:  # permissions, a vanished folder, ...: the transaction rolled back
        if summary is not None:  # committed; the summary could not be written (a closed pipe: cli.main's case)
            raise
        print(f"{verb} failed, catalog unchanged: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return 0


def _lock_timeout(args: argparse.Namespace) -> float | None:
    from liqheat_nautilus import validation

    value = getattr(args, "lock_timeout", None)
    return None if value is None else validation.number(value, "--lock-timeout", minimum=0.0)


def _chunk_rows(args: argparse.Namespace) -> int:
    from liqheat_nautilus import validation

    value = args.chunk_rows
    return DEFAULT_CHUNK_ROWS if value is None else int(validation.number(value, "--chunk-rows", minimum=1,
                                                                          integer=True))


def _ingest(args: argparse.Namespace, ingest: Callable[..., IngestSummary], *positional: object,
            checks: dict[str, Callable[[], object]] | None = None, venue: str | None = None,
            **keywords: object) -> int:
    """
    Check the option values, then run ``ingest(*positional, **keywords, **checked)`` as one catalog write.

    ``checked`` holds each of ``checks`` evaluated (keyword name -> check) and ``lock_timeout`` from
    ``--lock-timeout``; a ``ValueError`` of a check, or an ``--instrument-id`` that is not ``SYMBOL.VENUE`` (of
    ``venue``, when given), is a usage error (one line, exit 2) and nothing is written.
    """
    from liqheat_nautilus import validation

    try:
        if getattr(args, "instrument", None) is not None:  # (the ingest's own check named the source, exit 1)
            iid = validation.instrument_id(args.instrument, "--instrument-id")
            if venue is not None and iid.venue.value != venue:
                raise ValueError(f"--instrument-id {args.instrument!r} is not an instrument of {venue}, the venue "
                                 f"this command reads, e.g. 'SOL-USDT-SWAP.{venue}'")
        checked = {name: check() for name, check in (checks or {}).items()}
        checked["lock_timeout"] = _lock_timeout(args)
    except ValueError as exc:
        return failed("ingest", exc, EXIT_USAGE)
    return _write("ingest", lambda: ingest(*positional, **keywords, **checked))


def _ingest_okx(args: argparse.Namespace) -> int:
    from liqheat_nautilus.adapters.okx.providers import OKX_VENUE

    return _ingest(args, ingest_okx_sample, args.source or sample_dir(), args.catalog or default_catalog_dir(),
                   args.instrument, venue=OKX_VENUE, instruments=_instrument_sources(args))


def _ingest_binance(args: argparse.Namespace) -> int:
    from liqheat_nautilus.adapters.binance.loaders import ingest_binance_files

    def interval() -> str | None:
        if args.interval is not None and args.interval not in KLINE_INTERVALS:
            raise ValueError(f"--interval must be one of {', '.join(KLINE_INTERVALS)}; got {args.interval!r}")
        return args.interval

    return _ingest(args, ingest_binance_files, args.files, args.catalog,
                   checks={"chunk_rows": lambda: _chunk_rows(args), "interval": interval},
                   instrument_id=args.instrument, kind=args.kind, verify=not args.no_verify,
                   instruments=_instrument_sources(args), price_check=not args.no_price_check)


def _ingest_coinglass(args: argparse.Namespace) -> int:
    from liqheat_nautilus.adapters.coinglass.loaders import default_coinglass_catalog_dir, ingest_coinglass

    return _ingest(args, ingest_coinglass, args.source, args.catalog or default_coinglass_catalog_dir(),
                   args.instrument, instruments=_instrument_sources(args))


def _ingest_csv(args: argparse.Namespace) -> int:
    from liqheat_nautilus import validation
    from liqheat_nautilus.adapters.csv_files.loaders import ingest_csv

    def bar_spec() -> str:
        if args.bar_spec is not None and args.bars is None and not args.bars_from_trades:
            raise ValueError(f"--bar-spec {args.bar_spec} applies to --bars or --bars-from-trades only: no bars are "
                             "written without them")
        return args.bar_spec or "1-MINUTE-LAST"

    def bar_time() -> str:
        if args.bar_time is not None and args.bars is None:
            raise ValueError(f"--bar-time {args.bar_time} applies to --bars only (the time of a bar file's rows)")
        return args.bar_time or "open"

    def funding_interval_hours() -> float:
        if args.funding_interval_hours is not None and args.funding is None:
            raise ValueError(f"--funding-interval-hours {args.funding_interval_hours} applies to --funding only (the "
                             "interval of a funding file's rates)")
        hours = "8" if args.funding_interval_hours is None else args.funding_interval_hours
        return validation.funding_interval_hours(hours, "--funding-interval-hours")

    def bars_from_trades() -> bool:  # first, as ingest_csv checks them (kept there for library callers)
        if args.bars_from_trades and (args.trades is None or args.bars is not None):
            raise ValueError("--bars-from-trades needs --trades and no --bars (both would be the same bars)")
        if args.bars is None and args.open_interest is None and args.funding is None and args.trades is None:
            raise ValueError("nothing to ingest: give --bars, --open-interest, --funding and/or --trades")
        return bool(args.bars_from_trades)

    return _ingest(args, ingest_csv, args.catalog, args.instrument_spec, checks={
        "bars_from_trades": bars_from_trades, "chunk_rows": lambda: _chunk_rows(args),
        "funding_interval_hours": funding_interval_hours, "bar_spec": bar_spec, "bar_time": bar_time,
    }, instrument_id=args.instrument, bars=args.bars, open_interest=args.open_interest,
        funding=args.funding, trades=args.trades, price_check=not args.no_price_check)


def _parse_utc_ms(text: str, option: str) -> int:
    from liqheat_nautilus import validation

    ns = validation.utc_time(text, option)
    if ns is None:
        raise ValueError(f"{option} must be a UTC time such as 2024-04-01 or 2024-04-01T12:00; got {text!r}")
    return ns // 1_000_000


def _fetch(args: argparse.Namespace) -> int:
    import ccxt

    from liqheat_nautilus import validation
    from liqheat_nautilus.adapters.ccxt.config import venue_spec
    from liqheat_nautilus.adapters.ccxt.loaders import FETCH_KINDS, FetchPlan, fetch_to_catalog, no_oi_history
    from liqheat_nautilus.adapters.ccxt.paging import RetryPolicy
    from liqheat_nautilus.adapters.ccxt.parsing import timeframe_ms

    try:
        if not args.symbol.strip() or any(c.isspace() for c in args.symbol):  # was asked of the venue, retried ~30 s
            raise ValueError(f"SYMBOL must be a ccxt symbol (BTC/USDT:USDT) or a venue id (BTCUSDT, BTC-USDT-SWAP), "
                             f"without spaces; got {args.symbol!r}")
        if args.data is None:
            kinds = ("bars", "oi", "funding") if venue_spec(args.exchange).oi_history else ("bars", "funding")
        else:
            kinds = tuple(k.strip() for k in args.data.split(",") if k.strip())
            unknown = [k for k in kinds if k not in FETCH_KINDS]
            if unknown or not kinds:
                raise ValueError(f"--data must list kinds among {', '.join(FETCH_KINDS)}; got {args.data!r}")
            if "oi" in kinds and not venue_spec(args.exchange).oi_history:  # was exit 1, "ValueError: ..."
                raise ValueError(f"--data oi: {no_oi_history(venue_spec(args.exchange))}")
        for option, value in (("--timeframe", args.timeframe), ("--oi-period", args.oi_period)):
            try:
                timeframe_ms(value)
            except ValueError:
                raise ValueError(f"{option} must be a timeframe such as 1m, 5m, 1h, 1d; got {value!r}") from None
        served = tuple(getattr(ccxt, venue_spec(args.exchange).ccxt_id)().timeframes or ())  # ccxt's table, offline
        if served and args.timeframe not in served:  # was sent, refused by the venue and retried 5 times (~30 s)
            raise ValueError(f"--timeframe {args.timeframe!r}: {args.exchange} serves bars of {', '.join(served)}")
        start_ms, end_ms = _parse_utc_ms(args.start, "--start"), _parse_utc_ms(args.end, "--end")
        if end_ms <= start_ms:
            raise ValueError(f"--end ({args.end}) must be after --start ({args.start})")
        if start_ms >= time.time() * 1000:  # the venue answers with no rows: an empty fetch reported as done
            raise ValueError(f"--start ({args.start}) is in the future: there is no history to fetch yet")
        retries = int(validation.number(args.retries, "--retries", minimum=0, integer=True))
        lock_timeout = _lock_timeout(args)
    except ValueError as exc:
        return failed("fetch", exc, EXIT_USAGE)
    plan = FetchPlan(exchange=args.exchange, symbol=args.symbol, start_ms=start_ms, end_ms=end_ms, kinds=kinds,
                     timeframe=args.timeframe, oi_period=args.oi_period, resume=not args.no_resume)

    def run() -> IngestSummary:
        try:
            return fetch_to_catalog(plan, args.catalog, api_base=args.api_base, policy=RetryPolicy(retries=retries),
                                    progress=not args.no_progress, log=lambda line: print(line, file=sys.stderr),
                                    lock_timeout=lock_timeout)
        except IngestError:
            raise
        except (ValueError, ccxt.BaseError) as exc:
            raise IngestError(f"{args.exchange} {args.symbol}", f"{type(exc).__name__}: {exc}") from None

    return _write("fetch", run)


def _catalog_or_default(args: argparse.Namespace) -> Path:
    """``--catalog``, or the embedded catalog, built from the shipped real OKX sample on first use."""
    path = args.catalog or default_catalog_dir()
    if args.catalog is None and not path.exists():
        print(f"building the embedded catalog {path} from the real OKX sample (first use)...", file=sys.stderr)
        ingest_okx_sample(sample_dir(), path)
    return path


def _validate(args: argparse.Namespace) -> int:
    from liqheat_nautilus import validation
    from liqheat_nautilus.persistence.validate import validate_catalog

    try:
        max_jump = validation.number(args.max_jump_pct, "--max-jump-pct", minimum=0.0, exclusive=True)
    except ValueError as exc:
        return failed("validate", exc, EXIT_USAGE)
    try:
        report = validate_catalog(_catalog_or_default(args), max_jump=max_jump / 100.0)
    except (FileNotFoundError, IngestError) as exc:
        return failed("validate", exc)
    print(report.format())
    return EXIT_FAILURE if report.errors or (args.strict and report.warnings) else 0


def _info(args: argparse.Namespace) -> int:
    from liqheat_nautilus.persistence.info import catalog_info

    try:
        info = catalog_info(_catalog_or_default(args))
    except (FileNotFoundError, IngestError) as exc:
        return failed("info", exc)
    print(info.format())
    return 0
