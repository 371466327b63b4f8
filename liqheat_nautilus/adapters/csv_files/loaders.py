"""``liqheat catalog ingest csv``: a user's own CSV files of one perpetual into a catalog, in one atomic write.

The files (layout in docs/data.md, "Your own CSV files") are read by the readers the exchange ingests use: bars,
open interest and funding by :func:`~liqheat_nautilus.persistence.table.read_table` (the OKX folder's reader: columns
by header name, any order, other columns ignored) and the converters of :mod:`~liqheat_nautilus.adapters.common.tables`
(open interest and funding through the one normaliser); trades are streamed (:mod:`.trades`). Times are epoch
integers (s, ms, µs or ns, detected from each file's first row) or ISO-8601 date-times (UTC unless an offset is
given). The instrument comes from an instrument-spec file (``--instrument-spec``) or the catalog, never online.
"""

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from nautilus_trader.model.data import BarType, TradeTick
from nautilus_trader.model.enums import BarAggregation, PriceType

from liqheat_nautilus import validation
from liqheat_nautilus.adapters.common.instruments import load_instrument_specs
from liqheat_nautilus.adapters.common.providers import InstrumentSources, catalog_instruments, resolve_instruments
from liqheat_nautilus.adapters.common.tables import (
    BAR_TIMES,
    OHLCV,
    bars_of_table,
    funding_of_table,
    open_interest_of_table,
)
from liqheat_nautilus.adapters.csv_files.parsing import TRADES_LAYOUT, PlainTradeConverter, TradeBars
from liqheat_nautilus.persistence.checks import PriceScale, line_of
from liqheat_nautilus.persistence.csv_stream import DEFAULT_BLOCK_BYTES, iter_batches
from liqheat_nautilus.persistence.errors import IngestError, require_file
from liqheat_nautilus.persistence.reader import value_at
from liqheat_nautilus.persistence.table import read_table
from liqheat_nautilus.persistence.transaction import catalog_transaction, check_target, log_stderr
from liqheat_nautilus.persistence.writer import DEFAULT_CHUNK_ROWS, IngestSummary, RangeReplacingWriter

TIME_COLUMN = "timestamp"
"""The time column of every plain CSV file."""

OPEN_INTEREST_COLUMNS = {"usd": "open_interest_usd", "contracts": "open_interest_contracts",
                         "base": "open_interest_base"}
"""The open-interest figures a plain file may have (at least one), as the normaliser names them -> column."""

FUNDING_COLUMN = "funding_rate"
"""The funding file's rate column: a fraction per funding interval, positive when longs pay shorts."""

TIME_AGGREGATIONS = (BarAggregation.SECOND, BarAggregation.MINUTE, BarAggregation.HOUR, BarAggregation.DAY)
"""The bar aggregations of ``--bar-spec``: time bars on a fixed UTC grid."""


def parse_bar_spec(text: str, instrument_id: str, where: str | Path = "--bar-spec") -> BarType:
    """
    Return the bar type ``<instrument_id>-<spec>-EXTERNAL`` of a bar specification such as ``1-MINUTE-LAST``.

    Parameters
    ----------
    text : str
        ``<step>-<SECOND|MINUTE|HOUR|DAY>-<price type>``.
    instrument_id : str
        The instrument.
    where : str or Path, default "--bar-spec"
        Named in the error (the file the bars come from).

    Returns
    -------
    BarType

    Raises
    ------
    IngestError
        If the text is no bar specification, or not one of time bars of those units (field ``--bar-spec``).
    """
    try:
        validation.bar_spec(text.strip(), "", instrument_id)
    except ValueError as exc:
        raise IngestError(where, str(exc).strip(), field="--bar-spec") from None
    bar_type = BarType.from_str(f"{instrument_id}-{text.strip()}-EXTERNAL")
    if bar_type.spec.aggregation not in TIME_AGGREGATIONS:
        raise IngestError(where, f"{text!r}: only time bars (SECOND, MINUTE, HOUR, DAY) can be ingested",
                          field="--bar-spec")
    return bar_type


def _instrument(spec_files: Sequence[Path], instrument_id: str | None, catalog_dir: str | Path,
                where: str | Path):
    """Return the instrument: ``instrument_id`` (default: the spec files' only perpetual) from the files or catalog."""
    specs: dict = {}
    for path in spec_files:
        for iid, instrument in load_instrument_specs(path).items():
            specs.setdefault(iid, instrument)
    if instrument_id is None:
        if len(specs) != 1:
            if specs:
                listed = f"they define {sorted(specs)}"
            else:  # the definition would come from the catalog: never guessed, as another contract's files would
                held = sorted(catalog_instruments(catalog_dir))  # go in under the catalog's instrument unseen
                listed = (f"no --instrument-spec file was given; the catalog defines {held}" if held else
                          "no --instrument-spec file was given and the catalog defines no instrument: give its "
                          "definition with --instrument-spec FILE")
            raise IngestError(where, f"give the instrument id with --instrument-id ({listed})", field="--instrument-id")
        instrument_id = next(iter(specs))
    known = specs.get(instrument_id) or catalog_instruments(catalog_dir).get(instrument_id)
    raw = known.raw_symbol.value if known is not None else instrument_id.rpartition(".")[0]
    sources = InstrumentSources(spec_files=tuple(spec_files), online=False, exchange_info_option=False)
    return resolve_instruments({instrument_id: raw}, catalog_dir, sources, where=where)[instrument_id][0]


def ingest_csv(catalog_dir: str | Path, instrument_spec: Sequence[str | Path] = (), instrument_id: str | None = None,
               bars: str | Path | None = None, bar_spec: str = "1-MINUTE-LAST", bar_time: str = "open",
               open_interest: str | Path | None = None, funding: str | Path | None = None,
               funding_interval_hours: float = 8.0, trades: str | Path | None = None, bars_from_trades: bool = False,
               chunk_rows: int = DEFAULT_CHUNK_ROWS, block_bytes: int = DEFAULT_BLOCK_BYTES,
               lock_timeout: float | None = None, log: Callable[[str], None] = log_stderr,
               price_check: bool = True) -> IngestSummary:
    """
    Add a perpetual's own CSV files (any of bars, open interest, funding, trades) to a catalog, atomically.

    Every file is read and checked before anything is committed; each stream then replaces what the catalog held for
    the same type and instrument (bar type for bars) in the stream's time range. Re-running is idempotent, and a
    failure leaves the catalog unchanged.

    Parameters
    ----------
    catalog_dir : str or Path
        The catalog folder: new, empty, or a catalog.
    instrument_spec : sequence of str or Path, default ()
        Instrument-spec files (TOML or JSON, ``[[perpetual]]`` entries); first match wins, then the catalog.
    instrument_id : str, optional
        The instrument (default: the spec files' only perpetual).
    bars : str or Path, optional
        ``timestamp,open,high,low,close,volume`` (the bar's open or close time, see ``bar_time``; volume in the
        instrument's size unit).
    bar_spec : str, default "1-MINUTE-LAST"
        Bar specification of ``bars`` (and of the bars built from the trades): time bars, stored as
        ``<instrument_id>-<bar_spec>-EXTERNAL``. Every bar must open (and so close) on the specification's UTC grid.
    bar_time : {"open", "close"}, default "open"
        What the ``timestamp`` of ``bars`` is: the bar's open time (the bar is stored stamped at open + its length)
        or its close time (stored stamped at that time, as given).
    open_interest : str or Path, optional
        ``timestamp`` and one or more of ``open_interest_usd``, ``open_interest_contracts``, ``open_interest_base``
        (blank: not reported); a row without USD is valued at the close of the last bar closed by then (linear: its
        USD; inverse: its coin amount), among ``bars`` and the catalog's bars of ``bar_spec`` outside their span (else
        the catalog's finest bar type of the instrument): the same figures whether the bars come in this call or
        were ingested before; a row no bar prices is refused.
    funding : str or Path, optional
        ``timestamp`` (the funding time) and ``funding_rate`` (fraction per interval).
    funding_interval_hours : float, default 8.0
        The funding interval of the rates.
    trades : str or Path, optional
        ``timestamp,price,quantity,side,trade_id`` in this order (:mod:`.trades`).
    bars_from_trades : bool, default False
        Build ``bar_spec`` bars (price type LAST) from the trades with NautilusTrader's ``TimeBarAggregator``
        instead of reading ``bars``.
    chunk_rows : int, default 500_000
        Trades per written Parquet file.
    block_bytes : int, default 8 MiB
        CSV bytes of trades parsed per batch.
    lock_timeout, log
        As for :func:`~liqheat_nautilus.persistence.transaction.catalog_transaction`.
    price_check : bool, default True
        Refuse bars or trades whose price scale is far off the instrument's (the catalog's bars and trades nearest
        in time, then each previous row: :class:`~liqheat_nautilus.persistence.checks.PriceScale`); ``False``
        (``--no-price-check``) accepts them.

    Returns
    -------
    IngestSummary
        Counts and first/last ``ts_event`` per stream (``Bar``, ``OpenInterest``, ``FundingRate``, ``TradeTick``).

    Raises
    ------
    IngestError
        For no input file, a bad option (``--bar-spec``, ``--bar-time``, ``--bars-from-trades``,
        ``--funding-interval-hours``), a
        missing or bad file (naming file, line and field), a price far off the instrument's scale (with
        ``price_check``), an instrument no spec file nor the catalog defines, a refused target, a busy catalog or a
        full disk; the catalog is left as it was.
    """
    files = {name: Path(p) for name, p in (("--bars", bars), ("--open-interest", open_interest),
                                          ("--funding", funding), ("--trades", trades)) if p is not None}
    if bars_from_trades and (trades is None or bars is not None):  # first: alone it was "nothing to ingest"
        raise IngestError(catalog_dir, "needs --trades and no --bars (both would be the same bars)",
                          field="--bars-from-trades")
    if not files:
        raise IngestError(catalog_dir, "nothing to ingest: give --bars, --open-interest, --funding and/or --trades")
    if bar_time not in BAR_TIMES:
        raise IngestError(bars if bars is not None else catalog_dir,
                          f"must be one of {', '.join(BAR_TIMES)}, was {bar_time!r}", field="--bar-time")
    try:
        funding_interval_hours = validation.funding_interval_hours(funding_interval_hours, "--funding-interval-hours")
    except ValueError as exc:
        raise IngestError(catalog_dir, str(exc)) from None
    for path in files.values():
        require_file(path)
    first = next(iter(files.values()))
    check_target(catalog_dir, (*files.values(), *map(Path, instrument_spec)))
    bar_source = files.get("--bars", files["--trades"] if bars_from_trades else None)
    if bar_source is not None:  # checked before the instrument look-up
        parse_bar_spec(bar_spec, "X.CSV", bar_source)
    instrument = _instrument([Path(p) for p in instrument_spec], instrument_id, catalog_dir, first)
    iid = instrument.id
    bar_type = parse_bar_spec(bar_spec, iid.value, bar_source or "--bar-spec")
    if bars_from_trades and bar_type.spec.price_type != PriceType.LAST:
        raise IngestError(files["--trades"], f"bars built from trades are LAST bars, not {bar_spec!r}",
                          field="--bar-spec")
    step_ns = int(bar_type.spec.get_interval_ns())

    groups: dict[str, list] = {}
    if bars is not None:
        df, times_ns = read_table(bars, list(OHLCV), TIME_COLUMN, iso=True)
        groups["Bar"] = bars_of_table(df, times_ns, bars, bar_type, instrument, step_ns, TIME_COLUMN,
                                      on_boundaries=True, bar_time=bar_time)
    oi_table = None
    oi_path = Path(open_interest) if open_interest is not None else catalog_dir
    if open_interest is not None:
        oi_table = read_table(open_interest, [], TIME_COLUMN, optional=tuple(OPEN_INTEREST_COLUMNS.values()),
                              iso=True)
        if not any(c in oi_table[0].columns for c in OPEN_INTEREST_COLUMNS.values()):
            raise IngestError(open_interest, f"missing column: one of {list(OPEN_INTEREST_COLUMNS.values())} is "
                                             f"needed; found {list(oi_table[0].columns)}",
                              field=OPEN_INTEREST_COLUMNS["usd"])
    if funding is not None:
        df, ts_ns = read_table(funding, [FUNDING_COLUMN], TIME_COLUMN, iso=True)
        groups["FundingRate"] = funding_of_table(df, ts_ns, funding, iid, FUNDING_COLUMN, funding_interval_hours,
                                                 TIME_COLUMN)

    sources = (*files.values(), *map(Path, instrument_spec))
    spans: dict[str, tuple[int, int, int]] = {}
    with catalog_transaction(catalog_dir, sources=sources, lock_timeout=lock_timeout, log=log,
                             command="ingest csv") as catalog:
        checked: list[tuple[int, float, int, str]] = []  # the bars' prices, for the trades of a new catalog
        if price_check and bars is not None:  # under the lock, before anything is staged
            stamps = np.array([b.ts_event for b in groups["Bar"]], dtype=np.int64)
            closes = np.array([b.close.as_double() for b in groups["Bar"]], dtype=np.float64)
            PriceScale(catalog_dir, iid.value, bars, earlier=checked).check(stamps, closes, line_of(0), "close")
        catalog.write_data([instrument])
        if trades is not None:
            converter = PlainTradeConverter(str(trades), instrument)
            writer = RangeReplacingWriter(catalog, TradeTick, iid.value, chunk_rows)
            builder = TradeBars(instrument, bar_type) if bars_from_trades else None
            scale = PriceScale(catalog_dir, iid.value, trades, earlier=checked) if price_check else None
            for batch in iter_batches(trades, TRADES_LAYOUT, block_bytes):
                ticks, ts = converter.convert(batch)
                if scale is not None:
                    scale.check_batch(ts, batch, converter.price_column)
                writer.add(ticks, ts)
                if builder is not None:
                    builder.add(ticks)
            converter.check_unique_ids(lambda: iter_batches(trades, TRADES_LAYOUT, block_bytes))
            count, t0, t1 = writer.finish()
            if not count or t0 is None or t1 is None:
                raise IngestError(trades, "no data rows")
            if note := converter.off_tick_note():
                log(f"{trades}: {note}")
            spans["TradeTick"] = (count, t0, t1)
            if builder is not None:
                groups["Bar"] = builder.finish()
                if note := builder.flat_stretch_note():
                    log(f"note: {trades}: {note}")
        if oi_table is not None:
            df, ts_ns = oi_table
            columns = {k: c for k, c in OPEN_INTEREST_COLUMNS.items() if c in df.columns}
            groups["OpenInterest"] = open_interest_of_table(
                df, ts_ns, oi_path, iid, iid.venue.value, columns, contract_size=float(instrument.multiplier),
                inverse=bool(instrument.is_inverse),
                prices=_prices_at(catalog_dir, bar_type, groups.get("Bar", []), ts_ns))
        for items in groups.values():
            catalog.write_data(items)
    for name, items in groups.items():
        spans[name] = (len(items), int(items[0].ts_event), int(items[-1].ts_event))
    if trades is not None and "Bar" not in groups:
        log("note: no bars were written; `liqheat backtest` and `liqheat plot` read bars: add --bars-from-trades "
            "to build them from the trades (docs/data.md)")
    return IngestSummary(catalog=str(Path(catalog_dir).resolve()), instrument_id=iid.value,
                         counts={k: v[0] for k, v in spans.items()}, first_ts={k: v[1] for k, v in spans.items()},
                         last_ts={k: v[2] for k, v in spans.items()})


def _prices_at(catalog_dir: str | Path, bar_type: BarType, bars: list, ts_ns: np.ndarray) -> np.ndarray:
    """
    Return the close of the last bar closed by each time (``nan`` where none has), among the bars after this write.

    Those are the command's ``bars`` (of ``bar_type``) and the catalog's bars of that type outside their span, so an
    open-interest row is valued the same whether its bars come in the same command or were ingested before. When
    neither holds bars of ``bar_type``, the catalog's finest bar type of the instrument is read (the writer holds
    the catalog's lock).
    """
    from liqheat_nautilus.persistence.reader import stored_prices

    ts, close = stored_prices(catalog_dir, "bar", str(bar_type))
    if not bars and not ts.size:
        iid = str(bar_type.instrument_id)
        held = [BarType.from_str(d.name) for d in sorted((Path(catalog_dir) / "data" / "bar").glob(f"{iid}-*"))
                if d.is_dir()]
        held = [b for b in held if b.spec.aggregation in TIME_AGGREGATIONS]
        if held:
            ts, close = stored_prices(catalog_dir, "bar", str(min(held, key=lambda b: b.spec.get_interval_ns())))
    if bars:
        new_ts = np.array([b.ts_event for b in bars], dtype=np.int64)
        outside = (ts < new_ts[0]) | (ts > new_ts[-1])  # the command's bars replace the catalog's in their span
        ts = np.concatenate((ts[outside], new_ts))
        close = np.concatenate((close[outside], np.array([b.close.as_double() for b in bars], dtype=np.float64)))
        order = np.argsort(ts, kind="stable")
        ts, close = ts[order], close[order]
    return value_at(ts, close, ts_ns)
