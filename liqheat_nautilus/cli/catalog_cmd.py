"""``liqheat catalog ...``: build and inspect Nautilus Parquet catalogs."""

import argparse
import sys
from pathlib import Path

from liqheat_nautilus.ingest.errors import IngestError
from liqheat_nautilus.ingest.okx_sample import IngestSummary, ingest_okx_sample
from liqheat_nautilus.paths import default_catalog_dir, sample_dir


def register(subparsers) -> None:
    """Add ``catalog`` and its subcommands to the ``liqheat`` parser."""
    catalog = subparsers.add_parser("catalog", help="build and inspect Parquet data catalogs")
    sub = catalog.add_subparsers(dest="catalog_command", metavar="SUBCOMMAND")
    ingest = sub.add_parser("ingest", help="ingest exchange files into a catalog")
    ingest_sub = ingest.add_subparsers(dest="source_kind", metavar="SOURCE")
    okx = ingest_sub.add_parser("okx", help="OKX CSV folder (ccxt export layout); default: the embedded sample")
    okx.add_argument("--source", type=Path, default=None, help="folder with ohlcv_1m.csv, open_interest.csv, "
                     "funding_rate.csv (default: the embedded real SOL-USDT-SWAP sample)")
    okx.add_argument("--catalog", type=Path, default=None, help="catalog folder (default: catalog/build/...)")
    okx.add_argument("--instrument", default="SOL-USDT-SWAP.OKX", help="instrument id")
    okx.set_defaults(func=_ingest_okx)
    ingest.set_defaults(func=_ingest_okx, source=None, catalog=None, instrument="SOL-USDT-SWAP.OKX")
    catalog.set_defaults(func=lambda _args: catalog.print_help() or 2)


def print_summary(summary: IngestSummary) -> None:
    """Print what an ingest wrote, one line per data type."""
    import pandas as pd

    print(f"catalog {summary.catalog}  instrument {summary.instrument_id}")
    for name, count in summary.counts.items():
        first = pd.Timestamp(summary.first_ts[name], unit="ns", tz="UTC")
        last = pd.Timestamp(summary.last_ts[name], unit="ns", tz="UTC")
        print(f"  {name:<14} {count:>9,d} rows  {first} -> {last}")


def _ingest_okx(args: argparse.Namespace) -> int:
    source = args.source or sample_dir()
    target = args.catalog or default_catalog_dir()
    try:
        summary = ingest_okx_sample(source, target, args.instrument)
    except IngestError as exc:
        print(f"ingest failed, catalog unchanged: {exc}", file=sys.stderr)
        return 1
    print_summary(summary)
    return 0
