"""``liqheat catalog ...``: build (ingest, fetch), check (validate) and describe (info) Nautilus Parquet catalogs."""

import argparse
import sys
from pathlib import Path

from liqheat_nautilus.adapters.binance.loaders import KINDS
from liqheat_nautilus.adapters.okx.loaders import ingest_okx_sample
from liqheat_nautilus.paths import default_catalog_dir, sample_dir
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.writer import IngestSummary


def register(subparsers) -> None:
    """Add ``catalog`` and its subcommands (``ingest``, ``fetch``, ``validate``, ``info``) to the parser."""
    catalog = subparsers.add_parser("catalog", help="build and inspect Parquet data catalogs")
    sub = catalog.add_subparsers(dest="catalog_command", metavar="SUBCOMMAND")
    _register_ingest(sub)
    _register_fetch(sub)
    validate = sub.add_parser("validate", help="check a catalog: duplicates, gaps, order, bad values, outliers")
    validate.add_argument("--catalog", type=Path, default=None, help="catalog folder (default: the embedded one)")
    validate.add_argument("--max-jump-pct", type=float, default=10.0,
                          help="price move between consecutive bars/trades reported as an outlier (default 10)")
    validate.add_argument("--strict", action="store_true", help="exit non-zero on warnings too")
    validate.set_defaults(func=_validate)
    info = sub.add_parser("info", help="instruments, data types, row counts and time ranges of a catalog")
    info.add_argument("--catalog", type=Path, default=None, help="catalog folder (default: the embedded one)")
    info.set_defaults(func=_info)
    catalog.set_defaults(func=lambda _args: catalog.print_help() or 2)


def _register_ingest(sub) -> None:
    ingest = sub.add_parser("ingest", help="ingest exchange files into a catalog")
    ingest_sub = ingest.add_subparsers(dest="source_kind", metavar="SOURCE")
    okx = ingest_sub.add_parser("okx", help="OKX CSV folder (ccxt export layout); default: the embedded sample")
    okx.add_argument("--source", type=Path, default=None, help="folder with ohlcv_1m.csv, open_interest.csv, "
                     "funding_rate.csv (default: the embedded real SOL-USDT-SWAP sample)")
    okx.add_argument("--catalog", type=Path, default=None, help="catalog folder (default: catalog/build/...)")
    okx.add_argument("--instrument", default="SOL-USDT-SWAP.OKX", help="instrument id")
    _add_instrument_sources(okx, exchange_info=False)
    okx.set_defaults(func=_ingest_okx)
    binance = ingest_sub.add_parser(
        "binance", help="data.binance.vision USD-M/COIN-M files: klines, aggTrades, trades, metrics, fundingRate",
    )
    binance.add_argument("files", nargs="+", type=Path, metavar="FILE",
                         help=".zip or .csv archive files, e.g. BTCUSDT-1m-2024-01-01.zip")
    binance.add_argument("--catalog", type=Path, required=True, help="catalog folder to create or update")
    binance.add_argument("--instrument", default=None,
                         help="instrument id, e.g. BTCUSDT-PERP.BINANCE (default: NautilusTrader's id of the file "
                              "name's symbol: BTCUSDT -> BTCUSDT-PERP.BINANCE, BTCUSD_PERP -> BTCUSD-PERP.BINANCE)")
    binance.add_argument("--kind", default=None, choices=KINDS,
                         help="file kind, for files not named like the archive")
    binance.add_argument("--interval", default=None, help="kline interval (1m, 1h, ...) for renamed kline files")
    binance.add_argument("--chunk-rows", type=int, default=None, help="rows per Parquet file (default 500000)")
    binance.add_argument("--no-verify", action="store_true", help="skip .CHECKSUM verification")
    _add_instrument_sources(binance, exchange_info=True)
    binance.set_defaults(func=_ingest_binance)
    coinglass = ingest_sub.add_parser(
        "coinglass", help="the Coinglass BTC 4 h set (default: the shipped catalog/coinglass_btc_4h) as a catalog of "
                          "the Binance BTCUSDT perpetual: 1 h bars, open interest, funding, taker volume")
    coinglass.add_argument("--source", type=Path, default=None,
                           help="folder of the set (default: the shipped catalog/coinglass_btc_4h)")
    coinglass.add_argument("--catalog", type=Path, default=None,
                           help="catalog folder (default: catalog/build/coinglass_btc_4h)")
    coinglass.add_argument("--instrument", default="BTCUSDT-PERP.BINANCE", help="instrument id")
    _add_instrument_sources(coinglass, exchange_info=True)
    coinglass.set_defaults(func=_ingest_coinglass)
    ingest.set_defaults(func=_ingest_okx, source=None, catalog=None, instrument="SOL-USDT-SWAP.OKX",
                        instrument_spec=[], exchange_info=[], offline=False, api_base=None)


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
    fetch.add_argument("--catalog", type=Path, required=True, help="catalog folder to create or extend")
    fetch.add_argument("--data", default=None,
                       help="comma-separated kinds among bars, trades, oi, funding (default: bars, oi and funding, "
                            "without oi where the venue has no OI history)")
    fetch.add_argument("--timeframe", default="1m", help="bar timeframe (default 1m)")
    fetch.add_argument("--oi-period", default="5m", help="open-interest history period (default 5m)")
    fetch.add_argument("--no-resume", action="store_true",
                       help="refetch the whole range (replacing it) instead of continuing after stored data")
    fetch.add_argument("--retries", type=int, default=5, help="retries per request on 429/5xx/network errors")
    fetch.add_argument("--api-base", default=None, help=argparse.SUPPRESS)  # proxy / local recorded server
    fetch.add_argument("--no-progress", action="store_true", help="no progress bar")
    fetch.set_defaults(func=_fetch)


def print_summary(summary: IngestSummary) -> None:
    """Print what an ingest wrote, one line per data type."""
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


def _ingest_okx(args: argparse.Namespace) -> int:
    source = args.source or sample_dir()
    target = args.catalog or default_catalog_dir()
    try:
        summary = ingest_okx_sample(source, target, args.instrument, instruments=_instrument_sources(args))
    except IngestError as exc:
        print(f"ingest failed, catalog unchanged: {exc}", file=sys.stderr)
        return 1
    print_summary(summary)
    return 0


def _ingest_binance(args: argparse.Namespace) -> int:
    from liqheat_nautilus.adapters.binance.loaders import ingest_binance_files
    from liqheat_nautilus.persistence.writer import DEFAULT_CHUNK_ROWS

    try:
        summary = ingest_binance_files(args.files, args.catalog, instrument_id=args.instrument, kind=args.kind,
                                       interval=args.interval, chunk_rows=args.chunk_rows or DEFAULT_CHUNK_ROWS,
                                       verify=not args.no_verify, instruments=_instrument_sources(args))
    except IngestError as exc:
        print(f"ingest failed, catalog unchanged: {exc}", file=sys.stderr)
        return 1
    print_summary(summary)
    return 0


def _ingest_coinglass(args: argparse.Namespace) -> int:
    from liqheat_nautilus.adapters.coinglass.loaders import default_coinglass_catalog_dir, ingest_coinglass

    try:
        summary = ingest_coinglass(args.source, args.catalog or default_coinglass_catalog_dir(), args.instrument,
                                   instruments=_instrument_sources(args))
    except IngestError as exc:
        print(f"ingest failed, catalog unchanged: {exc}", file=sys.stderr)
        return 1
    print_summary(summary)
    return 0


def _parse_utc_ms(text: str) -> int:
    import pandas as pd

    stamp = pd.Timestamp(text)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.value // 1_000_000)


def _fetch(args: argparse.Namespace) -> int:
    import ccxt

    from liqheat_nautilus.adapters.ccxt.config import venue_spec
    from liqheat_nautilus.adapters.ccxt.loaders import FetchPlan, fetch_to_catalog
    from liqheat_nautilus.adapters.ccxt.paging import RetryPolicy

    if args.data is None:
        kinds = ("bars", "oi", "funding") if venue_spec(args.exchange).oi_history else ("bars", "funding")
    else:
        kinds = tuple(k.strip() for k in args.data.split(",") if k.strip())
    try:
        plan = FetchPlan(exchange=args.exchange, symbol=args.symbol, start_ms=_parse_utc_ms(args.start),
                         end_ms=_parse_utc_ms(args.end), kinds=kinds,
                         timeframe=args.timeframe, oi_period=args.oi_period, resume=not args.no_resume)
        summary = fetch_to_catalog(plan, args.catalog, api_base=args.api_base,
                                   policy=RetryPolicy(retries=args.retries), progress=not args.no_progress,
                                   log=lambda line: print(line, file=sys.stderr))
    except (IngestError, ValueError, ccxt.BaseError) as exc:
        print(f"fetch failed, catalog unchanged: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print_summary(summary)
    return 0


def _catalog_or_default(args: argparse.Namespace) -> Path:
    """``--catalog``, or the embedded catalog, built from the shipped real OKX sample on first use."""
    path = args.catalog or default_catalog_dir()
    if args.catalog is None and not path.exists():
        print(f"building the embedded catalog {path} from the real OKX sample (first use)...", file=sys.stderr)
        ingest_okx_sample(sample_dir(), path)
    return path


def _validate(args: argparse.Namespace) -> int:
    from liqheat_nautilus.persistence.validate import validate_catalog

    try:
        report = validate_catalog(_catalog_or_default(args), max_jump=args.max_jump_pct / 100.0)
    except FileNotFoundError as exc:
        print(f"validate failed: {exc}", file=sys.stderr)
        return 1
    print(report.format())
    return 1 if report.errors or (args.strict and report.warnings) else 0


def _info(args: argparse.Namespace) -> int:
    from liqheat_nautilus.persistence.info import catalog_info

    try:
        info = catalog_info(_catalog_or_default(args))
    except FileNotFoundError as exc:
        print(f"info failed: {exc}", file=sys.stderr)
        return 1
    print(info.format())
    return 0
