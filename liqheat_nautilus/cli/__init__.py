"""
The ``liqheat`` command line: ``liqheat <command> ...``; each command lives in its own module.

Here: the options several commands share (Ray, summed open interest) and the interrupt handling.
"""

import argparse
import contextlib
import functools
import importlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

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


EXIT_FAILURE = 1
"""Exit status when a command's inputs cannot be read or used (a missing or damaged file, unusable data)."""

EXIT_USAGE = 2
"""Exit status of a usage error: an option value refused before any work (argparse's own status)."""

EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C or SIGTERM (128 + SIGINT, as shells report it); every command uses it."""

Handler = Callable[[argparse.Namespace], int]
"""A command's ``args.func``: the parsed arguments in, the exit status out."""

Value = TypeVar("Value")


def failed(command: str, problem: object, status: int = EXIT_FAILURE) -> int:
    """
    Report a command's failure as one line on stderr, ``<command> failed: <problem>``, and return its exit status.

    Every command ends a failure this way, with no traceback: :data:`EXIT_USAGE` for an option value refused before
    any work, :data:`EXIT_FAILURE` for inputs that cannot be read or used.

    Parameters
    ----------
    command : str
        What failed as the user named it, e.g. ``"plot"`` or ``"ingest"``.
    problem : object
        The exception or the text that says what is wrong (its ``str`` is printed; it names the file, row, field
        or option).
    status : int, default EXIT_FAILURE
        The exit status to return.

    Returns
    -------
    int
        ``status``.
    """
    print(f"{command} failed: {problem}", file=sys.stderr)
    return status


def interrupted_by_user(exc: BaseException) -> bool:
    """
    Return whether an exception is Ctrl-C, also when a compiled kernel wrapped it.

    A ``KeyboardInterrupt`` raised while numba dispatches a kernel reaches Python as a ``SystemError`` ("returned a
    result with an exception set") whose cause chain holds the ``KeyboardInterrupt``.

    Parameters
    ----------
    exc : BaseException
        The exception a command handler caught.

    Returns
    -------
    bool
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def on_interrupt(message: str) -> Callable[[Handler], Handler]:
    """
    Return a decorator for a command handler that ends a Ctrl-C (:func:`interrupted_by_user`) with ``message``.

    The decorated handler prints ``message`` on stderr and returns :data:`EXIT_INTERRUPTED` instead of raising.

    Parameters
    ----------
    message : str
        What the interruption left behind, e.g. ``"evaluate interrupted: nothing written"``.

    Returns
    -------
    callable
        ``handler -> handler``.
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(args: argparse.Namespace) -> int:
            try:
                return handler(args)
            except BaseException as exc:
                if not interrupted_by_user(exc):
                    raise
                print(message, file=sys.stderr)
                return EXIT_INTERRUPTED

        return run

    return decorate


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """
    Make SIGTERM end the block like Ctrl-C (a ``KeyboardInterrupt``: rolled back or cleaned up, no traceback).

    Without it SIGTERM kills the process mid-way, leaving what the command was writing (a catalog write's staged
    files until the next command, a backtest's partial recording).

    Yields
    ------
    None
    """
    def handler(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def add_ray_arguments(parser: argparse.ArgumentParser, what: str, workers_default: int | None = 1) -> None:
    """
    Add ``--workers`` and ``--address``: how many of a command's independent runs go at once, and on which Ray.

    ``evaluate``, ``calibrate`` and ``sweep`` share these options (:mod:`liqheat_nautilus.sweep.executor` runs them).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    what : str
        What runs at once, plural (``"runs"``, ``"trials"``, ``"cells"``), for the help.
    workers_default : int or None, default 1
        ``1``: one after another in this process unless ``--workers`` or ``--address`` is given; ``None``: always
        on Ray, as many at once as it has CPUs.
    """
    if workers_default is None:
        workers_help = f"{what} run at once (default: the machine's CPUs, or the cluster's)"
        local = "start a local Ray"
    else:
        workers_help = (f"{what} run at once; more than 1 runs them as Ray tasks on a local Ray (default "
                        f"{workers_default}: one after another in this process)")
        local = "this process, or a local Ray with --workers"
    parser.add_argument("--workers", type=int, default=workers_default, help=workers_help)
    parser.add_argument("--address", default=None,
                        help=f"run the {what} on a Ray cluster: 'auto' (this machine ran `ray start`), "
                             f"'ray://HOST:10001' (Ray Client) or 'HOST:6379' (see docs/sweep.md); default: {local}")


class OneFile(argparse.Action):
    """
    An input-file option given at most once: a second one is a usage error naming both files (exit 2).

    argparse keeps the last value of a repeated option, so ``--trades a.csv --trades b.csv`` read only ``b.csv``
    and lost ``a.csv`` without a word.
    """

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        """Store the file, or stop with a usage error if the option already holds one."""
        before = getattr(namespace, self.dest, None)
        if before is not None:
            parser.error(f"{option_string} given twice ({before}, {values}): one file per option (for several "
                         "files, run the command once per file, or join them into one)")
        setattr(namespace, self.dest, values)


def add_instrument_argument(parser: argparse.ArgumentParser, help_text: str, default: str | None = None) -> None:
    """
    Add ``--instrument-id ID``, also accepted as ``--instrument`` (its former name), parsed into ``args.instrument``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    help_text : str
        The option's help.
    default : str, optional
        The instrument id when the option is not given.
    """
    parser.add_argument("--instrument-id", "--instrument", dest="instrument", metavar="ID", default=default,
                        help=help_text)


def ray_options(args: argparse.Namespace) -> None:
    """
    Check ``--workers`` and ``--address`` (:func:`add_ray_arguments`) before any data is read.

    The executor's own checks came after the data was loaded (calibrate had printed its first fold, sweep had
    created its output folder) and exited 1.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of a command with :func:`add_ray_arguments`.

    Raises
    ------
    ValueError
        Naming the option: ``--workers`` < 1, or an ``--address`` that is not 'auto', 'ray://HOST:PORT' or
        'HOST:PORT' (a usage error).
    """
    from liqheat_nautilus.sweep.executor import ExecutorError, address_host_port

    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    if args.address is not None:
        try:
            address_host_port(args.address)
        except ExecutorError as exc:
            raise ValueError(f"--address: {exc}") from None


def name_values(items: list[str], option: str, form: str, parse_value: Callable[[str], Value]) -> dict[str, Value]:
    """
    Read a repeatable ``NAME=VALUE`` option (``--param``, ``--fit``) into ``{NAME: parse_value(VALUE)}``.

    Parameters
    ----------
    items : list[str]
        The option's values as given, e.g. ``["half_life_hours=72", "entry_mode=vwap"]``.
    option : str
        The option's name for messages, e.g. ``"--param"``.
    form : str
        The form an item must have, for messages, e.g. ``"NAME=LOW:HIGH[:log] with LOW < HIGH"``.
    parse_value : callable
        ``str -> value``; raises ``ValueError`` for a value it refuses.

    Returns
    -------
    dict
        Name (stripped of spaces) -> parsed value, in the order given.

    Raises
    ------
    ValueError
        If an item has no ``=`` or no name, if ``parse_value`` refuses its value (the message quotes the item and
        ``form``), or if a name is given twice (the last would otherwise win silently).
    """
    out: dict[str, Value] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"{option} expects {form}, got {item!r}")
        if name in out:
            raise ValueError(f"{option} gives {name} twice ({item!r}); give each field once")
        try:
            out[name] = parse_value(raw)
        except ValueError:
            raise ValueError(f"{option} expects {form}, got {item!r}") from None
    return out


def add_oi_arguments(p: argparse.ArgumentParser, scope: str = "") -> None:
    """
    Add ``--oi-instrument-ids`` and ``--oi-max-age-secs``: the map sized on open interest summed over instruments.

    They mean what ``LiquidationMapActorConfig.oi_instrument_ids`` and ``oi_max_age_secs`` mean; check them with
    :func:`summed_oi_options`.

    Parameters
    ----------
    p : argparse.ArgumentParser
        The subcommand's parser (``evaluate``, ``calibrate``, ``serve``).
    scope : str, default ""
        Where the options apply, put before their help text (e.g. ``"--dataset catalog: "``).
    """
    p.add_argument("--oi-instrument-ids", nargs="+", default=None, metavar="ID",
                   help=f"{scope}size the map on these instruments' open interest summed, as a map actor configured "
                        "with oi_instrument_ids = [...] does (e.g. SOL-USDT-SWAP.OKX SOLUSDT-LINEAR.BYBIT; a sum "
                        "only once every one has reported; read from the same catalog). Default: the instrument's own "
                        "open interest")
    p.add_argument("--oi-max-age-secs", type=int, default=None, metavar="N",
                   help="with --oi-instrument-ids: an instrument's reading more than N seconds behind the newest holds "
                        "the sum back until it reports again (the actor's oi_max_age_secs; default 0: never stale)")


def summed_oi_options(args: argparse.Namespace) -> tuple[list[str] | None, int]:
    """
    Return the checked ``--oi-instrument-ids`` and ``--oi-max-age-secs`` (see :func:`add_oi_arguments`).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of a command with :func:`add_oi_arguments`.

    Returns
    -------
    tuple[list[str] or None, int]
        The instrument ids (``None``: the instrument's own open interest) and the maximum age (seconds, >= 0).

    Raises
    ------
    ValueError
        Naming the option: ``--oi-max-age-secs`` < 0 or given without ``--oi-instrument-ids`` (it would be
        ignored), an id that is not a Nautilus instrument id, or an id listed twice (the sum would never be ready).
    """
    from liqheat_nautilus import validation

    ids, max_age = args.oi_instrument_ids, args.oi_max_age_secs
    if max_age is not None and max_age < 0:
        raise ValueError(f"--oi-max-age-secs must be >= 0, got {max_age}")
    if not ids:
        if max_age is not None:
            raise ValueError("--oi-max-age-secs applies only with --oi-instrument-ids (ignored without it)")
        return None, 0
    validation.instrument_ids(ids, "--oi-instrument-ids")
    return [str(i) for i in ids], int(max_age or 0)


def _version_line() -> str:
    """Return ``liqheat-nautilus X (NautilusTrader Y, Python Z)``, the line ``liqheat --version`` prints."""
    from importlib.metadata import version

    import liqheat_nautilus

    python = ".".join(str(part) for part in sys.version_info[:3])
    nautilus = version("nautilus_trader")
    return f"liqheat-nautilus {liqheat_nautilus.__version__} (NautilusTrader {nautilus}, Python {python})"


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
    parser.add_argument("--version", action="version", version=_version_line(),
                        help="print the versions of liqheat-nautilus, NautilusTrader and Python, and exit")
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
    try:
        parser = build_parser()  # imports the commands (NautilusTrader among them: most of a second)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_USAGE
        return int(args.func(args) or 0)
    except BrokenPipeError:  # the reader of our output went away (`liqheat catalog info | head`)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's final flush of stdout would fail again
        return 141
    except BaseException as exc:  # Ctrl-C, also inside a compiled kernel (a SystemError wrapping it)
        if not interrupted_by_user(exc):
            raise
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
