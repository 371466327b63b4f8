"""``liqheat plot map|heatmap``: draw the liquidation map or heatmap of a catalog at a time, as HTML and PNG."""

import argparse
import dataclasses
import math
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

from liqheat_nautilus.cli import EXIT_USAGE, add_instrument_argument, failed
from liqheat_nautilus.cli.plot_window import ReplayWindow
from liqheat_nautilus.core.units import NS_PER_HOUR, NS_PER_MINUTE, NS_PER_SECOND

if TYPE_CHECKING:
    from liqheat_nautilus.actor import LiquidationMapActorConfig
    from liqheat_nautilus.core import LiquidationMapEngine, MapParams
    from liqheat_nautilus.replay import ReplayState

DEFAULT_INSTRUMENT = "SOL-USDT-SWAP.OKX"
MAP_OPTION_DEFAULTS = {"model": "isolated_mmr", "leverage_profile": "neutral", "mmr": 0.005, "bin_bps": 10.0,
                       "n_bins": 1000}
"""The map options' values when neither they nor ``--backtest-file`` are given: the main job's actor config
(``config/liquidation_hunt.toml``, the embedded OKX sample's contract)."""


def register(subparsers) -> None:
    """
    Add ``plot`` and its ``map`` / ``heatmap`` subcommands to the ``liqheat`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``liqheat`` parser's subcommands (``ArgumentParser.add_subparsers()``).
    """
    plot = subparsers.add_parser("plot", help="draw the liquidation map or heatmap (HTML that opens offline, PNG)")
    sub = plot.add_subparsers(dest="plot_command", metavar="CHART")
    for name, text in (("map", "liquidation map at a time: notional per price bin stacked by leverage tier"),
                       ("heatmap", "liquidation heatmap (time x price) up to a time, with the price path")):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("--catalog", type=Path, default=None,
                       help="Nautilus catalog folder (default: the embedded real OKX sample, built on first use)")
        add_instrument_argument(p, "instrument id of the catalog (default: the catalog's only instrument; "
                                   f"{DEFAULT_INSTRUMENT} in the embedded catalog)")
        p.add_argument("--bar-spec", default=None,
                       help="bar specification (default 1-MINUTE-LAST, or the backtest file's)")
        p.add_argument("--at", default=None,
                       help="ISO-8601 UTC time of the map, within the bars' span (default: the last bar, once open "
                            "interest lies within the bars' span; or the backtest file's end)")
        p.add_argument("--out", type=Path, default=None, help="output folder (default results/charts of the project)")
        p.add_argument("--name", default=None, help="file name without extension (default: chart, instrument, time)")
        p.add_argument("--formats", default="html,png",
                       help="comma-separated: html (self-contained page) and/or png (headless Chromium); "
                            "default html,png")
        p.add_argument("--backtest-file", type=Path, default=None, metavar="FILE",
                       help="draw the map of the LiquidationMapActor in this backtest file (.toml/.yaml/.json, as "
                            "`liqheat backtest --config` reads it): its map parameters (map_profile included), "
                            "catalog, instrument and bar spec, and the inputs its run feeds it (with "
                            "subscribe_trade_ticks the catalog's trade ticks too, any entry_mode); --catalog/"
                            "--instrument-id/--bar-spec still override the file's, the map options below cannot be "
                            "given with it")
        p.add_argument("--model", default=None,
                       help=f"liquidation-price model (default {MAP_OPTION_DEFAULTS['model']})")
        p.add_argument("--leverage-profile", default=None,
                       help=f"leverage profile (default {MAP_OPTION_DEFAULTS['leverage_profile']})")
        p.add_argument("--mmr", type=float, default=None,
                       help=f"maintenance margin rate (default {MAP_OPTION_DEFAULTS['mmr']})")
        p.add_argument("--bin-bps", type=float, default=None,
                       help=f"bin width in bps of the first price (default {MAP_OPTION_DEFAULTS['bin_bps']:g})")
        p.add_argument("--n-bins", type=int, default=None,
                       help=f"bins of the map grid (default {MAP_OPTION_DEFAULTS['n_bins']})")
        p.add_argument("--profile-file", type=Path, default=None, metavar="FILE",
                       help="map profile file (TOML, e.g. from `liqheat calibrate`); its fields replace the options "
                            "above, as in the actor's map_profile; entry_mode = \"trades\" opens the map from the "
                            "catalog's trade ticks up to --at")
        p.add_argument("--snapshot-minutes", type=int, default=None,
                       help="snapshot interval of the heatmap history in minutes (default 60, as the actor; with "
                            "--backtest-file the actor's publish_interval_secs)")
        if name == "map":
            p.add_argument("--window-pct", type=float, default=None,
                           help="price window +/- percent (default: wide enough for every leverage tier, 25 for 5x)")
        else:
            p.add_argument("--hours", type=float, default=0.0,
                           help="show only the last HOURS before --at (default 0: all of the history)")
        p.set_defaults(func=_run, chart=name)
    plot.set_defaults(func=lambda _args: plot.print_help() or 2)


def _catalog(args: argparse.Namespace) -> Path:
    from liqheat_nautilus.paths import default_catalog_dir, sample_dir

    path = args.catalog or default_catalog_dir()
    if not path.exists() and path.resolve() == default_catalog_dir().resolve():
        from liqheat_nautilus.adapters.okx.loaders import ingest_okx_sample

        print(f"building the embedded catalog {path} from the real OKX sample (first use)...", file=sys.stderr)
        ingest_okx_sample(sample_dir(), path)
    return path


def check_map_options(args: argparse.Namespace) -> None:
    """
    Refuse a map option given with ``--backtest-file`` (whose actor sets the map): a usage error.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``plot map`` / ``plot heatmap`` arguments.

    Raises
    ------
    ValueError
        Naming the map options (``--model``, ``--leverage-profile``, ``--mmr``, ``--bin-bps``, ``--n-bins``,
        ``--profile-file``) given with ``--backtest-file``.
    """
    if args.backtest_file is None:
        return
    given = [f"--{name.replace('_', '-')}" for name in MAP_OPTION_DEFAULTS if getattr(args, name) is not None]
    given += ["--profile-file"] if args.profile_file is not None else []
    if given:
        raise ValueError(f"{', '.join(given)} cannot be given with --backtest-file: the file's LiquidationMapActor "
                         "sets the map (edit its [actors.config] or the map_profile it names)")


def map_source(args: argparse.Namespace) -> "LiquidationMapActorConfig | None":
    """
    Settle where the chart's map parameters come from: ``--backtest-file``'s map actor, or the options.

    Without ``--backtest-file``, options left out take :data:`MAP_OPTION_DEFAULTS` (``--bar-spec`` 1-MINUTE-LAST,
    ``--snapshot-minutes`` 60). With it, ``--catalog``, ``--instrument-id`` and ``--bar-spec`` default to the file's
    (``--instrument-id`` also renames the actor's instrument, as ``liqheat backtest --instrument-id`` does) and
    ``--snapshot-minutes`` to the actor's ``publish_interval_secs``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``plot map`` / ``plot heatmap`` arguments; the defaults are filled in place.

    Returns
    -------
    LiquidationMapActorConfig or None
        The file's map actor config, or ``None`` without ``--backtest-file``.

    Raises
    ------
    FileNotFoundError
        If the backtest file does not exist.
    ValueError
        If a map option is given with ``--backtest-file`` (:func:`check_map_options`); the file does not load
        (naming it and the field), has no liquidation-map actor or several, or reads an fsspec URL catalog. Open
        interest summed over ``oi_instrument_ids`` is summed as the actor sums it; trade ticks are replayed as its
        run feeds them.
    """
    from liqheat_nautilus.backtest.config import is_url, load_backtest_file

    check_map_options(args)
    args.window = ReplayWindow()
    if args.backtest_file is None:
        for name, value in MAP_OPTION_DEFAULTS.items():
            if getattr(args, name) is None:
                setattr(args, name, value)
        args.bar_spec = args.bar_spec or "1-MINUTE-LAST"
        args.snapshot_minutes = 60 if args.snapshot_minutes is None else args.snapshot_minutes
        return None
    spec = load_backtest_file(args.backtest_file)
    if args.catalog is not None:
        spec = spec.with_catalog(args.catalog)
    if args.instrument is not None:
        spec = spec.with_instrument(args.instrument)
    if is_url(spec.data.catalog):
        raise ValueError(f"{args.backtest_file}: [data] catalog {spec.data.catalog} is a URL; plot reads a local "
                         "catalog folder (give one with --catalog)")
    try:
        config = spec.map_actor_config()
    except ValueError as exc:
        raise ValueError(f"{args.backtest_file}: {exc}") from None
    args.catalog, args.instrument = spec.catalog_path(), spec.data.instrument_id
    args.bar_spec = args.bar_spec or spec.data.bar_spec
    if args.snapshot_minutes is None:
        args.snapshot_minutes = max(1, config.publish_interval_secs // 60)
    args.window = ReplayWindow.of_backtest(spec, config)
    return config


def check_options(args: argparse.Namespace) -> None:
    """
    Check the map options before any data is read, listing the valid values of a wrong one.

    Run after :func:`map_source` (which fills the defaults); with ``--backtest-file`` the map options are the actor
    config's, already checked.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``liqheat plot map`` or ``liqheat plot heatmap``.

    Raises
    ------
    ValueError
        Naming the option: ``--model``, ``--leverage-profile``, ``--mmr``, ``--bin-bps`` or ``--n-bins`` outside
        what ``MapParams`` takes (its valid values are named), a non-positive or non-finite ``--window-pct``, a
        non-positive ``--snapshot-minutes``, a negative, non-finite or huge ``--hours``, a ``--name`` holding a
        folder, an ``--instrument-id`` that is not an instrument id, a ``--bar-spec`` that is not a bar specification,
        an ``--out`` that cannot be a folder to write into (a file, inside a file, or not writable:
        :func:`~liqheat_nautilus.validation.output_dir`).
    """
    from liqheat_nautilus import validation
    from liqheat_nautilus.core import MapParams
    from liqheat_nautilus.evaluation.checks import MAX_HOURS

    if args.backtest_file is None:  # else the file's actor config checked them (map_source)
        options = {"model": "--model", "leverage_profile": "--leverage-profile", "mmr": "--mmr",
                   "bin_bps": "--bin-bps", "n_bins": "--n-bins"}
        try:  # MapParams' own ranges (mmr below 1/the highest leverage, ...), named as the options
            MapParams(**{field: getattr(args, field) for field in options})
        except ValueError as exc:
            message = str(exc).removeprefix("invalid liquidation-map parameter(s): ")
            for field, option in options.items():
                message = re.sub(rf"\b{field}=", f"{option} ", message)
            raise ValueError(message) from None
    if not 0.0 <= getattr(args, "hours", 0.0) <= MAX_HOURS:  # also refuses nan; beyond it ns overflow (traceback)
        raise ValueError(f"--hours must be a number in 0 .. {MAX_HOURS:.0f} (0: all of the history); got "
                         f"{args.hours!r}")
    if getattr(args, "window_pct", None) is not None and not 0.0 < args.window_pct < math.inf:  # None: every tier
        raise ValueError(f"--window-pct must be a finite number > 0; got {args.window_pct!r}")
    if args.name is not None and (not args.name or Path(args.name).name != args.name or args.name in (".", "..")):
        raise ValueError(f"--name must be a file name without a folder; got {args.name!r}")
    if args.snapshot_minutes < 1:
        raise ValueError(f"--snapshot-minutes must be a whole number >= 1; got {args.snapshot_minutes!r}")
    # as backtest's: a value that cannot be right whatever the catalog holds is a usage error (they exited 1)
    if args.instrument is not None:
        validation.instrument_id(args.instrument, "--instrument-id")
    if args.bar_spec is not None:
        validation.bar_spec(args.bar_spec, "--bar-spec", args.instrument or DEFAULT_INSTRUMENT)
    if args.out is not None:  # a file, inside a file, or not writable (the default folder is checked on writing)
        validation.output_dir(args.out, "--out")


def choose_instrument(catalog: Path, requested: str | None) -> tuple[str, int, int]:
    """
    Return the instrument to draw and the time span of its bars, from the catalog's file metadata.

    Parameters
    ----------
    catalog : Path
        The catalog folder.
    requested : str, optional
        ``--instrument-id``; default: the catalog's only instrument with bars.

    Returns
    -------
    tuple[str, int, int]
        Instrument id, first and last bar ``ts_init`` (UNIX ns).

    Raises
    ------
    ValueError
        If the instrument has no bars in the catalog, or none was given and the catalog holds several (the
        instruments with bars are listed).
    """
    from liqheat_nautilus.persistence.scan import bar_spans

    if not catalog.is_dir():
        from liqheat_nautilus.validation import wrong_kind

        raise FileNotFoundError(wrong_kind(catalog, True, "catalog folder") or f"{catalog}: catalog not found: no "
                                "such folder (build one with `liqheat catalog ingest` or `liqheat catalog fetch`)")
    spans = bar_spans(catalog)
    held = ", ".join(spans) or "none"
    if requested is None:
        if len(spans) != 1:
            raise ValueError(f"the catalog {catalog} holds bars of several instruments ({held}): choose one with "
                             "--instrument-id" if spans else f"the catalog {catalog} holds no bars")
        requested = next(iter(spans))
    if requested not in spans:
        raise ValueError(f"--instrument-id {requested} has no bars in the catalog {catalog}; it holds: {held}")
    return requested, spans[requested][0], spans[requested][1]


def plot_params(args: argparse.Namespace, actor_config: "LiquidationMapActorConfig | None" = None) -> "MapParams":
    """
    Return the engine parameters of a chart: the options, then the ``--profile-file`` fields.

    With ``actor_config`` (``--backtest-file``, :func:`map_source`) they are the actor's, exactly as it builds them
    (``LiquidationMapActorConfig.map_params``).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``plot map`` / ``plot heatmap`` arguments.
    actor_config : LiquidationMapActorConfig, optional
        The backtest file's map actor config.

    Returns
    -------
    MapParams
        The actor config's parameters, else the options (filled in by :func:`map_source`), then the profile file's
        fields over them. ``inverse`` is left to the replay, which takes it from the catalog's definition of the
        instrument (``MarketSeries.is_inverse``, :func:`~liqheat_nautilus.replay.instrument_params`), as the actor
        does.

    Raises
    ------
    ValueError
        If the profile file cannot be read or holds a bad field (``ProfileError``, naming file and field), or a
        value is out of range.
    """
    from liqheat_nautilus.core import MapParams
    from liqheat_nautilus.core.profile import load_profile

    if actor_config is not None:
        return actor_config.map_params()
    fields: dict = {"model": args.model, "leverage_profile": args.leverage_profile, "mmr": args.mmr,
                    "bin_bps": args.bin_bps, "n_bins": args.n_bins}
    if args.profile_file is not None:
        fields.update(load_profile(args.profile_file))
    return MapParams(**fields)


def map_profile_of(args: argparse.Namespace, actor_config: "LiquidationMapActorConfig | None") -> str | None:
    """
    Return the map profile file the chart's map uses: ``--profile-file``, else the backtest file's actor's.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments (``args.profile_file``).
    actor_config : LiquidationMapActorConfig or None
        :func:`map_source`'s result.

    Returns
    -------
    str or None
        The file's path; ``None`` when the map has no profile.
    """
    if args.profile_file is not None:
        return str(args.profile_file)
    return actor_config.map_profile if actor_config is not None else None


class AtOutOfRangeError(ValueError):
    """``--at`` lies outside the catalog's bars of the chart's bar type or a backtest file's period (exit 2)."""


def chart_time(catalog: Path, instrument: str, bar_spec: str, at_ns: int | None, at_text: str | None,
               window: ReplayWindow, backtest_file: Path | None, oi_instrument_ids: list[str],
               needs_open_interest: bool = True) -> int:
    """
    Return the time a chart is drawn at: ``--at``, else the window's end, else where bars and open interest end.

    The spans are read as ``liqheat backtest``'s pre-run check reads them (``persistence.scan``'s
    :func:`~liqheat_nautilus.persistence.scan.bars_span` and
    :func:`~liqheat_nautilus.persistence.scan.open_interest_span`):
    without ``--at`` (and without a backtest file's ``end``) the chart stands at the bars' last one, once some open
    interest the map sums lies within the bars' span: readings after the last bar are not placed at its price, and
    bars after the last reading still move the map, as in a backtest (in ``entry_mode = "trades"`` no open interest
    is needed).

    Parameters
    ----------
    catalog : Path
        The catalog folder.
    instrument : str
        The instrument drawn.
    bar_spec : str
        ``--bar-spec`` (the bar type is ``<instrument>-<bar_spec>-EXTERNAL``).
    at_ns : int or None
        ``--at`` (UNIX ns).
    at_text : str or None
        ``--at`` as given, for the errors.
    window : ReplayWindow
        What is replayed (with ``--backtest-file``, its period: :meth:`ReplayWindow.clip`).
    backtest_file : Path or None
        ``--backtest-file``, for the errors.
    oi_instrument_ids : list[str]
        The instruments whose open interest the map reads (the instrument, or the actor's ``oi_instrument_ids``).
    needs_open_interest : bool, default True
        ``False`` for a map in ``entry_mode = "trades"``.

    Returns
    -------
    int
        UNIX ns.

    Raises
    ------
    AtOutOfRangeError
        If ``--at`` lies outside the bars' span or the backtest file's period (naming it).
    ValueError
        If the catalog holds no bars of the bar type (the bar types it holds are named), or without ``--at`` no open
        interest overlaps the bars (both spans named).
    """
    import pandas as pd
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.persistence.scan import bar_types_held, bars_span, open_interest_missing, open_interest_span

    def text(span: tuple[int, int]) -> str:
        return " -> ".join(str(pd.Timestamp(t, unit="ns", tz="UTC")) for t in span)

    cat = ParquetDataCatalog(str(catalog))
    bar_type = f"{instrument}-{bar_spec}-EXTERNAL"
    bars = bars_span(cat, bar_type)
    if bars is None:
        raise ValueError(f"the catalog {catalog} has no {bar_type} bars; bar types of {instrument}: "
                         f"{', '.join(bar_types_held(cat, instrument)) or 'none'} (choose one with --bar-spec)")
    if at_ns is not None and not bars[0] <= at_ns <= bars[1]:
        raise AtOutOfRangeError(f"--at {at_text} is outside the data: the bars of {instrument} span {text(bars)} "
                                 f"({bar_type}); give a time in that span")
    try:
        at = window.clip(at_ns, at_text, backtest_file)
    except ValueError as exc:  # --at outside the file's period
        raise AtOutOfRangeError(str(exc)) from exc
    if at is not None:
        return at
    if not needs_open_interest:
        return bars[1]
    start = max(bars[0], window.start_ns) if window.start_ns is not None else bars[0]
    overlap = open_interest_span(cat, oi_instrument_ids, start, bars[1])
    if overlap is None:
        held = [f"{i} {text(span)}" if (span := open_interest_span(cat, [i])) else f"{i} none"
                for i in oi_instrument_ids]
        # (--at does not help: readings outside the bars have no price to be placed at, the map stays empty)
        raise ValueError(f"no open interest overlaps the bars of {instrument} ({bar_type}, {text((start, bars[1]))})"
                         f" in the catalog {catalog}; open interest held: {'; '.join(held)}; "
                         f"{open_interest_missing(cat, instrument)}")
    return bars[1]


def replay_state(args: argparse.Namespace, at_ns: int | None,
                 actor_config: "LiquidationMapActorConfig | None") -> "ReplayState":
    """
    Replay the chart's map up to ``--at``: the catalog's data, or with ``--backtest-file`` what its map actor sees.

    With ``--backtest-file`` the replay is the run's (:meth:`ReplayWindow.of_backtest`): the bars of the actor's
    warm-up lookback before the file's ``start``, then everything from the start to ``--at`` (default the file's
    ``end``), so the map is the one the actor had at that time. An actor with ``subscribe_trade_ticks`` is also fed
    the catalog's trade ticks the run streams it (:attr:`ReplayWindow.trades_ns`), in its order
    (:mod:`liqheat_nautilus.replay`).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed and checked arguments (:func:`map_source`, :func:`check_options`); ``args.instrument`` is set to
        the instrument drawn.
    at_ns : int or None
        ``--at`` (UNIX ns); ``None``: the backtest file's ``end``, else the end of the span where the bars and
        the open interest overlap (:func:`chart_time`).
    actor_config : LiquidationMapActorConfig or None
        :func:`map_source`'s result.

    Returns
    -------
    ReplayState

    Raises
    ------
    FileNotFoundError, ValueError
        If the catalog is missing, has no bars of the instrument (in the backtest file's period), no open interest
        overlaps the bars (without ``--at``), or the map is still empty then (no open-interest reading before it);
        :class:`AtOutOfRangeError` if ``--at`` lies outside the bars' span or the file's period.
    """
    import pandas as pd

    from liqheat_nautilus.persistence.reader import read_market_series
    from liqheat_nautilus.replay import InverseContradictionError, replay_engine

    window: ReplayWindow = getattr(args, "window", None) or ReplayWindow()
    catalog = _catalog(args)
    instrument, _, _ = choose_instrument(catalog, args.instrument)
    params = plot_params(args, actor_config)
    args.instrument = instrument
    ratio_kind, summed, max_age_ns = "accounts", None, 0
    if actor_config is not None:
        ratio_kind = actor_config.long_short_ratio_kind
        if actor_config.oi_instrument_ids:
            summed = [str(i) for i in actor_config.oi_instrument_ids]
            max_age_ns = int(actor_config.oi_max_age_secs) * NS_PER_SECOND
    trades_mode = str(params.entry_mode) == "trades"
    at_ns = chart_time(catalog, instrument, args.bar_spec, at_ns, args.at, window, args.backtest_file,
                       summed or [instrument], needs_open_interest=not trades_mode)
    if trades_mode and window.trades_ns is None and args.backtest_file is None:
        # a trades-mode profile on the catalog's replay: its positions come from the catalog's trade ticks up to
        # the chart's time (without them the map stayed empty and the error blamed the missing open interest)
        window = dataclasses.replace(window, trades_ns=(0, at_ns))
    series = read_market_series(catalog, args.instrument, args.bar_spec, start_ns=window.bars_start_ns, end_ns=at_ns,
                                ratio_kind=ratio_kind, oi_instrument_ids=summed, oi_max_age_ns=max_age_ns,
                                trade_ticks=window.trades_ns is not None)
    if window.start_ns is not None:
        series = series.since(window.start_ns, window.bars_start_ns)
    if window.trades_ns is not None:
        series = series.keep_trades(*window.trades_ns)
    try:
        state = replay_engine(series, params, at_ns, snapshot_interval_ns=args.snapshot_minutes * NS_PER_MINUTE)
    except InverseContradictionError as exc:  # name the profile file that set inverse, when one did
        if source := map_profile_of(args, actor_config):
            raise ValueError(f"{source}: {exc}") from None
        raise
    if not state.engine.initialized:  # an empty chart, exit 0 and no word, before the first reading
        from liqheat_nautilus.persistence.scan import scan_catalog

        def utc(t: int) -> str:
            return str(pd.Timestamp(t, unit="ns", tz="UTC"))

        streams = [s for s in scan_catalog(catalog) if s.type_name == "custom_open_interest"
                   and s.identifier == instrument and s.first_ts is not None and s.last_ts is not None]
        lo = min((int(cast(int, s.first_ts)) for s in streams), default=None)
        hi = max((int(cast(int, s.last_ts)) for s in streams), default=None)
        first = (f"its first open-interest reading is at {utc(lo)}" if lo is not None
                 else "the catalog holds no open interest of it")
        bar_ts = state.series.bar_ts_ns
        if lo is not None and hi is not None and len(bar_ts) and hi < bar_ts[0]:  # every reading before the bars
            first = (f"its open interest ({utc(lo)} -> {utc(hi)}) ends before its first bar ({utc(int(bar_ts[0]))}): "
                     "a reading is placed at the bars' prices, so the bars must cover the readings")
        when = str(pd.Timestamp(state.at_ns, unit="ns", tz="UTC"))
        if trades_mode:
            raise ValueError(f"the map of {instrument} is empty at {when}: no trade tick of it was selected by then "
                             "(entry_mode = 'trades' opens positions from the catalog's trade ticks: ingest them, "
                             "e.g. `liqheat catalog ingest csv --trades`, or lower trade_threshold)")
        raise ValueError(f"the map of {instrument} is empty at {when}: {first} (the map places open interest)")
    return state


def narrow_grid_warning(engine: "LiquidationMapEngine", options: bool = True) -> str:
    """
    Say why a map has nothing to draw when its grid is too narrow to hold any liquidation level, else ``""``.

    ``MapParams`` takes any ``bin_bps`` > 0, but the grid spans only ``n_bins`` bins around the price: a tiny bin
    width (``--bin-bps 1e-6``) leaves every liquidation price of a position opened at the current price (the
    model's levels, maintenance margin included) outside it, and the chart comes out empty. Maps with notional,
    or whose grid is wide enough, get no warning.

    Parameters
    ----------
    engine : LiquidationMapEngine
        The replayed engine (initialized: it has a grid).
    options : bool, default True
        Name the ``--bin-bps`` / ``--n-bins`` options (else the map parameters ``bin_bps`` / ``n_bins``).

    Returns
    -------
    str
        One sentence: the grid's span, the nearest level's distance and what to widen; ``""`` when the map has
        notional on its grid or the grid is not the reason.
    """
    grid = engine.grid
    if grid is None:
        return ""
    long_usd, short_usd = engine.tier_usd()
    if float(long_usd.sum()) > 0.0 or float(short_usd.sum()) > 0.0:
        return ""
    import numpy as np

    price = float(engine.price)
    half_pct = 100.0 * grid.n_bins * grid.width / 2.0 / price
    # the model's own levels of a position opened at the price (maintenance margin included)
    levels = np.concatenate([engine.liquidation_prices(np.array([price]), side)[0].ravel() for side in (1, -1)])
    levels = levels[np.isfinite(levels) & (levels > 0.0)]
    nearest_pct = float(np.min(np.abs(levels / price - 1.0))) * 100.0 if levels.size else math.inf
    if half_pct >= nearest_pct:
        return ""
    p = engine.params
    bps, bins = ("--bin-bps", "--n-bins") if options else ("bin_bps", "n_bins")
    width = f"bin_size {p.bin_size:g}" if p.bin_size > 0.0 else f"{bps} {p.bin_bps:g}"
    default_bps, default_bins = cast(float, MAP_OPTION_DEFAULTS["bin_bps"]), cast(int, MAP_OPTION_DEFAULTS["n_bins"])
    return (f"the map has nothing to draw: its grid ({bins} {p.n_bins} x {width}) spans +/-{half_pct:.3g} % around "
            f"the price, and the nearest liquidation level of a position opened at the price (the map's model, "
            f"up to {max(engine.tiers):g}x) lies {nearest_pct:.3g} % away; widen it with a larger {bps} or {bins} "
            f"(the default {bps} {default_bps:g} with {default_bins} bins spans "
            f"+/-{default_bps * default_bins / 200:g} %)")


def _run(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from liqheat_nautilus import validation
    from liqheat_nautilus.charts.browser import BrowserError, find_chromium
    from liqheat_nautilus.charts.heatmap import heatmap_figure
    from liqheat_nautilus.charts.liquidation_map import MapView, liquidation_map_figure
    from liqheat_nautilus.charts.output import write_figure
    from liqheat_nautilus.core.profile import profile_instrument_warning
    from liqheat_nautilus.paths import default_results_dir

    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    try:  # option values that need no file: a usage error (exit 2, as argparse's and the other commands')
        if not formats or set(formats) - {"html", "png"}:
            raise ValueError(f"--formats must list html and/or png, was {args.formats!r}")
        at_ns = validation.utc_time(args.at or "", "--at")
        check_map_options(args)
    except ValueError as exc:
        return failed("plot", exc, EXIT_USAGE)
    try:
        actor_config = map_source(args)
        try:
            check_options(args)
        except ValueError as exc:
            return failed("plot", exc, EXIT_USAGE)
        try:
            state = replay_state(args, at_ns, actor_config)
        except AtOutOfRangeError as exc:
            return failed("plot", exc, EXIT_USAGE)
        profile = map_profile_of(args, actor_config)
        if profile and (mismatch := profile_instrument_warning(profile, args.instrument)):
            print(f"WARNING: {mismatch}", file=sys.stderr)  # drawn all the same, as the actor runs with it
        if warning := narrow_grid_warning(state.engine, options=args.backtest_file is None):
            if args.chart == "heatmap" and not len(state.history.get("ts_ns", ())):
                raise ValueError(warning)  # no snapshot to draw at all (snapshots are of maps with notional)
            print(f"WARNING: {warning}", file=sys.stderr)  # the map chart is drawn, empty
        if "png" in formats and find_chromium() is None:  # before writing: the HTML page alone was left behind
            raise BrowserError("no Chromium found for the PNG: install Debian's `chromium` package (apt-get install "
                               "chromium) or set LIQHEAT_CHROMIUM, or give --formats html")
        out = validation.output_dir(args.out or default_results_dir() / "charts", "--out")
        # the time the chart's title names: the map's (its last bar), not the last event replayed
        when = pd.Timestamp(state.engine.ts_ns, unit="ns", tz="UTC").strftime("%Y%m%dT%H%M")
        if args.chart == "map":
            fig = liquidation_map_figure(MapView.from_engine(state.engine, state.clusters, args.instrument),
                                         window_pct=args.window_pct)
        else:
            history = state.history
            if args.hours > 0 and len(history.get("ts_ns", ())):
                keep = history["ts_ns"] >= state.at_ns - int(args.hours * NS_PER_HOUR)
                history = {k: np.asarray(v)[keep] for k, v in history.items()}
            fig = heatmap_figure(history, state.series.bars_frame(), args.instrument)
        name = args.name or f"{'liquidation_map' if args.chart == 'map' else 'liquidation_heatmap'}_" \
                            f"{args.instrument.replace('.', '_')}_{when}"
        for fmt in ("html", "png"):  # the page first: it is written even when Chromium is missing
            if fmt in formats:
                print(write_figure(fig, out, name, (fmt,)).paths()[0], flush=True)
    except (FileNotFoundError, ValueError, OSError, BrowserError) as exc:  # ProfileError is a ValueError
        return failed("plot", exc)
    return 0
