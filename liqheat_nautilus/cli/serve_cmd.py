"""``liqheat serve``: the REST API, event stream and dashboard of liquidation maps (FastAPI + uvicorn)."""

import argparse
import sys
from pathlib import Path

from liqheat_nautilus.cli import (
    EXIT_FAILURE,
    EXIT_USAGE,
    add_oi_arguments,
    failed,
    sigterm_as_interrupt,
    summed_oi_options,
)

SHUTDOWN_GRACE_SECS = 10
"""Seconds Ctrl-C (SIGINT/SIGTERM) lets open requests finish before uvicorn cancels them (event streams end at
once)."""

#: uvicorn's log level names (``uvicorn.config.LOG_LEVELS``; not imported here to keep ``liqheat --help`` fast).
UVICORN_LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")

LIVE_HISTORY = 5000
"""Map updates kept per instrument by ``serve --live`` unless ``--live-history`` says otherwise."""


def register(subparsers) -> None:
    """
    Add ``serve`` and its options to the ``liqheat`` subparsers.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers()`` of the ``liqheat`` parser returned; the ``serve`` parser added to
        it sets ``func`` to the command's handler.
    """
    parser = subparsers.add_parser(
        "serve", help="REST API + live dashboard of the map (catalog replays and recorded runs, or a live node via "
                      "Redis)",
        description="Serve liquidation maps over HTTP: a dashboard at /, the API documented at /docs. Historical "
                    "maps are replayed from a catalog (any model, leverage profile and time; backtests recorded "
                    "into the catalog are listed as runs), live maps are read from the Redis streams of a running "
                    "`liqheat live` node with a [message_bus] section. Binds 127.0.0.1 by default; any other "
                    "--host needs a token in the environment variable LIQHEAT_SERVE_TOKEN.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--catalog", type=Path, default=None,
                        help="Nautilus catalog folder (default: the embedded real OKX sample, built on first use)")
    source.add_argument("--live", metavar="REDIS_URL", default=None,
                        help="follow a live node's Redis streams, e.g. redis://127.0.0.1:6379 (password from "
                             "REDIS_PASSWORD)")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.add_argument("--bar-spec", default=None, help="catalog mode: bars replayed (default 1-MINUTE-LAST)")
    parser.add_argument("--instrument-id", default=None,
                        help="catalog mode: serve only this instrument (default: every instrument with --bar-spec "
                             "bars; needed with --oi-instrument-ids when several have them)")
    add_oi_arguments(parser, "catalog mode: ")
    parser.add_argument("--snapshot-minutes", type=int, default=None,
                        help="catalog mode: interval of replayed map updates, as the actor's publish interval "
                             "(default 60)")
    parser.add_argument("--profile-file", type=Path, action="append", default=[], metavar="FILE",
                        help="catalog mode: map profile file (liqheat calibrate's TOML [map] fields), offered as a "
                             "profile named after the file; repeatable")
    parser.add_argument("--trader-id", default=None, help="--live: only this trader's streams (default: all)")
    parser.add_argument("--live-history", type=int, default=None, metavar="N",
                        help=f"--live: map updates kept per instrument (default {LIVE_HISTORY}; memory is bounded "
                             "by it)")
    parser.add_argument("--cors-origin", action="append", default=[], metavar="URL",
                        help="allow this browser origin (CORS, GET only); repeatable; default: CORS off")
    parser.add_argument("--refresh-secs", type=float, default=None,
                        help="catalog mode: extend the replays over data appended to the catalog, checked every "
                             "this many seconds (default 60; 0: never)")
    parser.add_argument("--no-warm-up", action="store_true",
                        help="catalog mode: do not replay the default map of each instrument at start")
    parser.add_argument("--log-level", default="warning", type=str.lower, choices=UVICORN_LOG_LEVELS,
                        help="uvicorn log level: %(choices)s (default warning)")
    parser.set_defaults(func=_run)


def _catalog(path: Path | None) -> Path:
    from liqheat_nautilus.paths import default_catalog_dir, sample_dir

    path = path or default_catalog_dir()
    if not path.exists() and path.resolve() == default_catalog_dir().resolve():
        from liqheat_nautilus.adapters.okx.loaders import ingest_okx_sample

        print(f"building the embedded catalog {path} from the real OKX sample (first use)...", file=sys.stderr)
        ingest_okx_sample(sample_dir(), path)
    return path


def check_options(args: argparse.Namespace) -> tuple[str | None, list[str]]:
    """
    Check the option values that need no data: a bad one is a usage error (exit 2, as argparse's).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``liqheat serve`` (:func:`register`'s options).

    Returns
    -------
    tuple[str or None, list[str]]
        The API token (``None`` on a loopback ``--host``) and the CORS origins.

    Raises
    ------
    ValueError
        Naming the option: ``--port`` outside 1..65535, ``--refresh-secs`` < 0 or NaN, ``--snapshot-minutes`` < 1,
        ``--live-history`` < 10, ``--live-history`` or ``--trader-id`` without ``--live``, an ``--instrument-id``
        that is not a Nautilus instrument id (``SYMBOL.VENUE``), a ``--trader-id`` that is not a Nautilus trader
        id (``NAME-TAG``, no Redis pattern characters), a catalog option (``--instrument-id``,
        ``--oi-instrument-ids``, ``--oi-max-age-secs``, ``--bar-spec``, ``--snapshot-minutes``, ``--refresh-secs``,
        ``--profile-file``, ``--no-warm-up``) with ``--live``, bad summed-OI options
        (:func:`~liqheat_nautilus.cli.summed_oi_options`), a ``--live`` URL that is not
        ``redis://``/``rediss://`` or carries a password, a ``--cors-origin`` that is not an origin, or a ``--host``
        other than loopback without a token in the environment.
    """
    from liqheat_nautilus import validation
    from liqheat_nautilus.serve.security import cors_origins, token_for

    if not 1 <= args.port <= 65535:
        raise ValueError(f"--port must be in 1..65535, was {args.port}")
    if args.refresh_secs is not None and not args.refresh_secs >= 0.0:
        raise ValueError(f"--refresh-secs must be a number >= 0 (0: never), was {args.refresh_secs}")
    if args.snapshot_minutes is not None and args.snapshot_minutes < 1:
        raise ValueError(f"--snapshot-minutes must be >= 1, was {args.snapshot_minutes}")
    if args.live:
        from liqheat_nautilus.serve.live import check_redis_url

        catalog_only = [option for option, value in (
            ("--instrument-id", args.instrument_id), ("--oi-instrument-ids", args.oi_instrument_ids),
            ("--oi-max-age-secs", args.oi_max_age_secs), ("--bar-spec", args.bar_spec),
            ("--snapshot-minutes", args.snapshot_minutes), ("--refresh-secs", args.refresh_secs),
            ("--profile-file", args.profile_file or None),
            ("--no-warm-up", args.no_warm_up or None)) if value is not None]  # (a live source replays nothing)
        if catalog_only:  # (all but the first three were ignored silently)
            raise ValueError(f"{' and '.join(catalog_only)} {'applies' if len(catalog_only) == 1 else 'apply'} only "
                             "to a catalog, not with --live (a live node publishes its own maps: its actor's "
                             "configuration decides them)")
        if args.live_history is not None and args.live_history < 10:
            raise ValueError(f"--live-history must be >= 10, was {args.live_history}")
        if args.trader_id is not None:  # no node streams under another name: the server waited forever
            validation.trader_id(args.trader_id, "--trader-id")
            if any(c in args.trader_id for c in "*?[]\\"):  # a Redis pattern would read other traders' streams
                raise ValueError(f"--trader-id must be one trader id such as 'LIQHEAT-001' (the live file's "
                                 f"trader_id), not a pattern; got {args.trader_id!r}")
        check_redis_url(args.live)
    else:
        if args.instrument_id is not None:  # (a usage error: it was "no bars of <it>", exit 1)
            validation.instrument_id(args.instrument_id, "--instrument-id")
        if args.bar_spec is not None:  # (a usage error: it was "no instrument has <it> bars", exit 1)
            validation.bar_spec(args.bar_spec, "--bar-spec")
        live_only = [option for option, value in (("--live-history", args.live_history),
                                                  ("--trader-id", args.trader_id)) if value is not None]
        if live_only:
            verb = "applies" if len(live_only) == 1 else "apply"
            raise ValueError(f"{' and '.join(live_only)} {verb} only with --live (ignored without it)")
        summed_oi_options(args)
    token = token_for(args.host)
    return token, cors_origins(args.cors_origin)


def build_source(args: argparse.Namespace):
    """
    Return the map source of the parsed arguments (checked by :func:`check_options` first).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``liqheat serve`` (:func:`register`'s options).

    Returns
    -------
    liqheat_nautilus.serve.sources.MapSource
        A ``LiveSource`` with ``--live``, else a ``CatalogSource`` over the catalog's ``MapStore``.

    Raises
    ------
    FileNotFoundError, ValueError
        For a bad option value (as :func:`check_options`), a missing catalog or profile file, a bad profile, a
        damaged catalog or one without bars, an ``--instrument-id`` without bars, an instrument of
        ``--oi-instrument-ids`` without open interest in the catalog, or ``--oi-instrument-ids`` without
        ``--instrument-id`` over a catalog with bars of several instruments.
    """
    from liqheat_nautilus.core.units import NS_PER_MINUTE, NS_PER_SECOND

    check_options(args)
    if args.live:
        from liqheat_nautilus.serve.live import LiveSource

        return LiveSource(args.live, trader_id=args.trader_id,
                          max_frames=LIVE_HISTORY if args.live_history is None else args.live_history)
    from liqheat_nautilus.serve.maps import DEFAULT_BAR_SPEC, NAMED_PROFILES, MapStore, load_profile_file
    from liqheat_nautilus.serve.sources import CatalogSource

    profiles: dict[str, dict] = {}
    files: dict[str, str] = {}
    for path in args.profile_file:  # served under the file's name: a second one of a name replaced the first
        name, fields = load_profile_file(path)
        if name in files and Path(files[name]).resolve() == Path(path).resolve():  # not "rename the file"
            raise ValueError(f"--profile-file {path} is given twice; give each profile file once")
        if name in NAMED_PROFILES or name in profiles:
            taken = "a leverage profile's" if name in NAMED_PROFILES else f"that of --profile-file {files[name]}"
            raise ValueError(f"--profile-file {path}: it would be served as profile {name!r} (its file name), which "
                             f"is {taken}; rename the file")
        profiles[name], files[name] = fields, str(path)
    catalog = _catalog(args.catalog)
    oi_ids, oi_max_age_secs = summed_oi_options(args)
    if oi_ids:
        from liqheat_nautilus.evaluation.catalog_input import check_open_interest_of

        check_open_interest_of(catalog, oi_ids, "--oi-instrument-ids")
    store = MapStore(catalog, bar_spec=args.bar_spec or DEFAULT_BAR_SPEC,
                     snapshot_interval_ns=(args.snapshot_minutes or 60) * NS_PER_MINUTE,
                     profiles=profiles, instrument_id=args.instrument_id, oi_instrument_ids=oi_ids,
                     oi_max_age_ns=oi_max_age_secs * NS_PER_SECOND)
    source = CatalogSource(store)
    if not source.instruments():
        raise ValueError(f"catalog {store.catalog}: no instrument has {args.bar_spec or DEFAULT_BAR_SPEC} bars")
    _check_profiles_inverse(catalog, source.instruments(), profiles, files)
    store.profile_warnings = _profile_instrument_warnings(source.instruments(), files)
    for warning in store.profile_warnings.values():
        print(f"WARNING  {warning}", file=sys.stderr)
    return source


def _profile_instrument_warnings(served: list[str], files: dict[str, str]) -> dict[tuple[str, str], str]:
    """
    Say which ``--profile-file`` was fitted on another instrument than a served one.

    The actor, ``liqheat backtest``, ``plot`` and ``evaluate`` warn so
    (:func:`~liqheat_nautilus.core.profile.profile_instrument_warning`); ``serve`` offers every profile for every
    instrument it serves, so it warns once per (profile, other instrument) at start, lists the warnings in
    ``/api/status`` and returns the pair's warning with every map answer (``profile_warning``).

    Parameters
    ----------
    served : list[str]
        The instruments served.
    files : dict[str, str]
        Profile name -> the file it was read from.

    Returns
    -------
    dict[tuple[str, str], str]
        ``(profile name, instrument) -> sentence`` for each profile file and served instrument it was not fitted on
        (none for a profile that records no instrument).
    """
    from liqheat_nautilus.core.profile import profile_instrument_warning

    return {(name, iid): w for name, path in files.items() for iid in served
            if (w := profile_instrument_warning(path, iid))}


def _check_profiles_inverse(catalog: Path, served: list[str], profiles: dict[str, dict],
                            files: dict[str, str]) -> None:
    """
    Refuse a ``--profile-file`` whose ``[map] inverse`` contradicts a served instrument's definition.

    Every request for that profile would otherwise fail (``500``, the replay refusing ``inverse = true`` over a linear
    instrument) or be silently replayed as the instrument is (``inverse = false`` over an inverse one). The check is
    ``liqheat evaluate``'s (:func:`~liqheat_nautilus.replay.check_inverse_fields`).

    Parameters
    ----------
    catalog : Path
        The served catalog.
    served : list[str]
        The instruments served.
    profiles : dict[str, dict]
        Profile name -> ``MapParams`` fields.
    files : dict[str, str]
        Profile name -> the file it was read from.

    Raises
    ------
    ValueError
        Naming the file and the instrument of the other kind.
    """
    setting = {name: fields for name, fields in profiles.items() if "inverse" in fields}
    if not setting:
        return
    from liqheat_nautilus.persistence.reader import read_instruments
    from liqheat_nautilus.replay import check_inverse_fields

    instruments = read_instruments(catalog)
    for name, fields in setting.items():
        for iid in served:
            known = instruments.get(iid)
            check_inverse_fields(fields, bool(known.is_inverse) if known is not None else None,
                                 f"--profile-file {files[name]}", iid)


def _large_buffers_from_mmap(threshold: int = 1 << 20) -> None:
    """
    Let glibc serve allocations of ``threshold`` bytes and more (big JSON answers) with mmap.

    Freeing them then returns the memory to the system at once: with glibc's default (a threshold that grows
    after each large free) a long-running server's resident memory creeps up as worker threads' heaps fragment.
    No-op off glibc.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, int(threshold))  # M_MMAP_THRESHOLD (a fixed value also stops the dynamic adjustment)
    except (OSError, AttributeError):
        pass


def _check_listen(host: str, port: int) -> None:
    """
    Check that the server can listen on ``host:port`` before it is announced and started.

    Raises
    ------
    ValueError
        Naming the address and the operating system's reason (e.g. the port is in use by another process).
    """
    import socket

    try:
        socket.create_server((host, port)).close()  # SO_REUSEADDR on POSIX, as uvicorn binds
    except OSError as exc:
        raise ValueError(f"cannot listen on {host}:{port} (--host/--port): {exc.strerror or exc}") from None


def _run(args: argparse.Namespace) -> int:
    """
    Run ``liqheat serve`` with the parsed arguments and return its exit status.

    Exit status: 2 for a bad option value (:func:`check_options`, as argparse's own errors), 1 when the server cannot
    start (a missing or damaged catalog, a bad profile file, an address it cannot listen on), 0 after Ctrl-C or
    SIGTERM (a graceful shutdown either way).
    """
    import threading

    import uvicorn

    from liqheat_nautilus.serve.app import ServeSettings, create_app

    try:
        token, origins = check_options(args)
    except ValueError as exc:  # a bad option value: a usage error
        return failed("serve", exc, EXIT_USAGE)
    try:
        source = build_source(args)
    except (FileNotFoundError, ValueError) as exc:
        return failed("serve", exc)
    try:
        _check_listen(args.host, args.port)
    except ValueError as exc:
        source.close()
        return failed("serve", exc)
    _large_buffers_from_mmap()
    app = create_app(source, ServeSettings(token=token, cors_origins=origins,
                                           refresh_secs=60.0 if args.refresh_secs is None else args.refresh_secs))
    if source.mode == "catalog" and not args.no_warm_up:
        threading.Thread(target=source.warm_up, name="liqheat-warm-up", daemon=True).start()
    what = f"live Redis {args.live}" if args.live else f"catalog {source.catalog}"
    if args.oi_instrument_ids:
        what += f", open interest summed over {' + '.join(args.oi_instrument_ids)}"
    print(f"liqheat serve: http://{args.host}:{args.port}/ ({what}); API docs at /docs; Ctrl-C stops", flush=True)
    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:  # Ctrl-C / SIGTERM: end the event streams, then shut down
            source.end_streams()
            super().handle_exit(sig, frame)

    server = Server(uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level,
                                   access_log=False, lifespan="on", timeout_graceful_shutdown=SHUTDOWN_GRACE_SECS))
    try:
        # uvicorn re-raises the signal that stopped it after its graceful shutdown: Ctrl-C as a KeyboardInterrupt,
        # SIGTERM (a service manager's stop) killed the process with 143 and skipped source.close(); both end here
        with sigterm_as_interrupt():
            server.run()
    except KeyboardInterrupt:
        return 0
    except SystemExit as exc:  # uvicorn exits when it cannot bind
        return int(exc.code or 1)
    finally:
        source.close()
    return 0 if server.started else EXIT_FAILURE
