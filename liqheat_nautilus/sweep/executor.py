"""One executor for every grid of independent runs: Ray tasks (a local Ray or a cluster), or in-process.

``liqheat sweep`` (backtest cells), ``liqheat evaluate --workers N`` (model × profile runs) and ``liqheat
calibrate`` (Optuna trials) submit plain module-level functions here. Each call runs as one Ray task with one
CPU; a task whose worker process dies is re-run by Ray (``max_retries``), an exception raised by the function is
*not* retried: it comes back as the task's ``error`` while the other tasks go on. Whatever the function prints
(including Nautilus' Rust logger, which writes to the file descriptors directly) is captured per task and
returned as ``TaskResult.log`` instead of reaching the terminal.

A task captures into ``liqheat-task-<id>.log`` in the temp folder (``tempfile.gettempdir()``) and removes it when
it returns. The driver names that file when it submits the task, so when the task's worker dies (killed, out of
memory, a crash in compiled code) beyond the retries, or the task is cancelled, the driver reads what the task had
written into the failed result's ``TaskResult.log`` and removes the file, which the dead worker could not. On a
cluster, the file of a task that died on another machine is on that machine, out of the driver's reach.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import signal
import socket
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from liqheat_nautilus.sweep.capture import captured_output, log_tail

DEFAULT_MAX_RETRIES = 3
"""Ray re-runs a task this many times when its worker process dies (not when the function raises)."""


class ExecutorError(RuntimeError):
    """The executor cannot start (Ray missing, cluster unreachable, bad option)."""


@dataclass
class TaskResult:
    """
    What one task returned.

    Attributes
    ----------
    key : str
        The caller's identifier of the task (e.g. the hash of a sweep cell's config).
    label : str
        A short human description.
    value : Any
        The function's return value (``None`` when it failed).
    error : str
        ``"<ExceptionType>: <message>"`` when the function raised or its worker died beyond the retries,
        else ``""``.
    traceback : str
        The formatted traceback of ``error`` (empty when there is none).
    log : str
        Everything the task wrote to stdout/stderr (its last
        :data:`~liqheat_nautilus.sweep.capture.MAX_LOG_BYTES` bytes).
    seconds : float
        Wall time of the function in its worker, seconds.
    pid : int
        Process id of the worker that ran it (0 when unknown).
    host : str
        Host name of that worker.
    """

    key: str
    label: str = ""
    value: Any = None
    error: str = ""
    traceback: str = ""
    log: str = ""
    seconds: float = 0.0
    pid: int = 0
    host: str = ""

    @property
    def ok(self) -> bool:
        """True when the function returned without raising."""
        return not self.error


LOG_PREFIX = "liqheat-task-"
"""Name prefix of a task's captured-output file in the temp folder (``liqheat-task-<id>.log``)."""


@contextlib.contextmanager
def signals_held(*signums: int) -> Iterator[list[int]]:
    """
    Hold signals (Ctrl-C's SIGINT, SIGTERM) back during the block; the caller then acts on them.

    ``ray.init`` interrupted half-way left the Ray processes it had already started (its dashboard and runtime-env
    agents) running after ``liqheat sweep`` had exited: they were not yet registered, so ``ray.shutdown`` could not
    find them. A signal is held only while Python handles it (``liqheat``'s commands handle both); one ignored or
    left to the default action, or handled outside Python, is not, and nothing is held off the main thread.

    Parameters
    ----------
    *signums : int
        The signals, e.g. ``signal.SIGINT, signal.SIGTERM``.

    Yields
    ------
    list[int]
        The signals that arrived during the block, in order (empty when none did).
    """
    held: list[int] = []
    with contextlib.ExitStack() as restore:
        for signum in signums:
            previous = signal.getsignal(signum)
            if not callable(previous):  # SIG_IGN or SIG_DFL (not Python's KeyboardInterrupt), or set from C
                continue
            try:
                signal.signal(signum, lambda number, frame: held.append(number))  # noqa: ARG005
            except ValueError:  # not the main thread (signals are handled in the main thread)
                break
            restore.callback(signal.signal, signum, previous)
        yield held


@contextlib.contextmanager
def sigterm_kept_from_ray() -> Iterator[None]:
    """
    Keep ``ray.init`` from taking over SIGTERM in this process when Python handles it here already.

    ``ray.init`` sets two SIGTERM handlers in the driver: a Python one (``sys.exit(15)``) and, when it creates the
    driver's core worker, Abseil's failure-signal handler (C++: a "SIGTERM received" dump, then an abort). A
    SIGTERM while Ray started met one of them: exit 15 or 134, no table written, whatever the command had set.
    During the block Ray sets neither, so the handler in place (a command's :func:`~liqheat_nautilus.cli.
    sigterm_as_interrupt`, or :func:`signals_held`) stays in force. The failure-signal handler is then not
    installed in this process at all (Ray's ``RAY_DISABLE_FAILURE_SIGNAL_HANDLER``): a native crash of the driver
    prints no C++ stack; Ray's worker processes keep theirs. Nothing changes when SIGTERM is not handled by Python.

    Yields
    ------
    None
    """
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):
        yield
        return
    import ray._private.ray_constants as ray_constants
    import ray._private.utils as ray_utils

    patches = [(ray_utils, "set_sigterm_handler", lambda handler: None),  # noqa: ARG005
               (ray_constants, "RAY_DISABLE_FAILURE_SIGNAL_HANDLER", True)]
    saved = [(module, name, getattr(module, name)) for module, name, _ in patches if hasattr(module, name)]
    for module, name, value in patches:
        if hasattr(module, name):
            setattr(module, name, value)
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)
        with contextlib.suppress(ValueError):  # not the main thread: Ray set none either
            signal.signal(signal.SIGTERM, previous)  # also if a later Ray sets it another way


def task_log_path(name: str) -> str:
    """
    Return the path of a task's captured-output file in this machine's temp folder.

    Parameters
    ----------
    name : str
        The file name the driver chose (``liqheat-task-<id>.log``).

    Returns
    -------
    str
        ``tempfile.gettempdir() / name``.
    """
    return os.path.join(tempfile.gettempdir(), name)


def call_captured(fn: Callable, args: tuple, key: str, label: str, capture: bool = True,
                  log_name: str = "") -> TaskResult:
    """
    Call ``fn(*args)`` and wrap what happened in a :class:`TaskResult` (the body of every task).

    Parameters
    ----------
    fn : Callable
        A module-level (picklable) function.
    args : tuple
        Its positional arguments.
    key, label : str
        Copied into the result.
    capture : bool, default True
        Capture stdout/stderr into ``TaskResult.log``.
    log_name : str, optional
        The captured-output file's name in the temp folder (:func:`task_log_path`), chosen by the driver so that
        it can remove the file of a worker that died; truncated first (a retry's log is its own). Default: a new
        unique ``liqheat-task-*.log``.

    Returns
    -------
    TaskResult
        ``error``/``traceback`` set when ``fn`` raised an ``Exception`` (``KeyboardInterrupt`` propagates).
    """
    result = TaskResult(key=key, label=label, pid=os.getpid(), host=socket.gethostname())
    started = time.perf_counter()
    if log_name:
        path = task_log_path(log_name)
        open(path, "wb").close()
    else:
        fd, path = tempfile.mkstemp(prefix=LOG_PREFIX, suffix=".log")
        os.close(fd)
    try:
        with captured_output(path) if capture else contextlib.nullcontext():
            try:
                result.value = fn(*args)
            except Exception as exc:  # noqa: BLE001 (reported as the task's error, the other tasks go on)
                result.error = f"{type(exc).__name__}: {exc}"
                result.traceback = traceback.format_exc()
                print(result.traceback, file=sys.stderr)
        result.log = log_tail(path) if capture else ""
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    result.seconds = time.perf_counter() - started
    return result


def take_dead_task_log(name: str) -> str:
    """
    Return what a task whose worker died had captured, and remove its file (the dead worker could not).

    Parameters
    ----------
    name : str
        The task's captured-output file name (:func:`task_log_path`).

    Returns
    -------
    str
        The file's last :data:`~liqheat_nautilus.sweep.capture.MAX_LOG_BYTES` bytes; ``""`` when there is no such
        file on this machine (the task never started, or ran on another machine of a cluster).
    """
    path = task_log_path(name)
    try:
        text = log_tail(path)
    except OSError:
        return ""
    with contextlib.suppress(OSError):
        os.unlink(path)
    return text


def address_host_port(address: str) -> tuple[str, int] | None:
    """
    Return the host and port of a ``host:port`` or ``ray://host:port`` Ray address, ``None`` for one left to Ray.

    ``"auto"``, ``"local"`` and other URLs are left to Ray.

    Parameters
    ----------
    address : str
        The ``--address`` value.

    Returns
    -------
    tuple[str, int] or None

    Raises
    ------
    ExecutorError
        If the address has none of these forms (e.g. ``""`` or ``"bogus"``).
    """
    target = address.removeprefix("ray://")
    if address in ("auto", "local") or "://" in target:
        return None
    host, sep, port = target.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ExecutorError(f"Ray address {address!r}: expected 'auto', 'ray://HOST:PORT' or 'HOST:PORT'")
    return host, int(port)


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """
    Fail fast when a ``host:port`` or ``ray://host:port`` Ray address does not accept TCP connections.

    Ray itself retries for a minute or more. ``"auto"`` and ``"local"`` are left to Ray.

    Parameters
    ----------
    address : str
        The ``--address`` value.
    timeout : float, default 5.0
        Seconds to wait for the connection.

    Raises
    ------
    ExecutorError
        If the address is malformed or nothing listens there.
    """
    host_port = address_host_port(address)
    if host_port is None:
        return
    try:
        socket.create_connection(host_port, timeout=timeout).close()
    except OSError as exc:
        raise ExecutorError(f"cannot reach Ray at {address!r}: {exc}") from exc


def _ray_task(fn: Callable, key: str, label: str, capture: bool, log_name: str, *args: Any) -> TaskResult:
    """Run one cell as a Ray task (``args`` top-level, so that Ray resolves object-store handles among them)."""
    return call_captured(fn, args, key, label, capture, log_name)


@dataclass
class _Pending:
    """A submitted task: its Ray reference (or, in-process, the call to make)."""

    key: str
    label: str
    ref: Any = None
    call: tuple | None = None
    log_name: str = ""  # the task's captured-output file (Ray tasks with captured logs)


@dataclass
class Executor:
    """
    Run independent function calls as Ray tasks, or one after another in this process.

    Use as a context manager: Ray is started (or connected to) on entry and shut down on exit if this
    executor started it; a Ray already initialised by the caller is used as it is and left running.

    Parameters
    ----------
    workers : int, optional
        At most this many tasks run at once. A local Ray gets this many CPUs (default: the machine's CPU count);
        on a cluster the default is the cluster's CPU count.
    address : str, optional
        ``None``: start a local Ray (or use the one already initialised). ``"auto"``: the cluster this machine
        belongs to (``ray start`` was run). ``"ray://host:10001"``: a remote cluster through Ray Client.
        ``"host:6379"``: a cluster's GCS address.
    in_process : bool, default False
        No Ray: run each task in this process when its result is asked for (the sequential baseline;
        ``liqheat evaluate``'s default).
    max_retries : int, default 3
        Ray re-runs a task whose worker died this many times.
    capture_logs : bool, default True
        Capture each task's stdout/stderr into :attr:`TaskResult.log`.
    env : dict, optional
        Environment variables for the workers (Ray ``runtime_env``).

    Raises
    ------
    ExecutorError
        If ``workers`` < 1 (on entry), or Ray cannot start or reach the address (on the first submission).

    Notes
    -----
    Each task asks Ray for one CPU (``num_cpus=1``), so Ray places at most one task per core of each node;
    ``workers`` caps the tasks in flight from this driver. Usage statistics of a Ray started here are off
    (``RAY_USAGE_STATS_ENABLED=0``): nothing leaves the machine.
    """

    workers: int | None = None
    address: str | None = None
    in_process: bool = False
    max_retries: int = DEFAULT_MAX_RETRIES
    capture_logs: bool = True
    env: dict = field(default_factory=dict)
    _started_ray: bool = field(default=False, init=False, repr=False)
    _remote: Any = field(default=None, init=False, repr=False)
    _pending: dict = field(default_factory=dict, init=False, repr=False)
    _slots: int = field(default=1, init=False, repr=False)

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def __enter__(self) -> Executor:
        """Start the executor (:meth:`start`) for a ``with`` block."""
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the executor (:meth:`close`) at the end of the ``with`` block, whatever happened in it."""
        self.close()

    @property
    def slots(self) -> int:
        """How many tasks run at once (1 in-process; with Ray known once it has started)."""
        if not self.in_process:
            self._ray()
        return self._slots

    def start(self) -> None:
        """
        Check the options.

        Ray itself is started (or connected to) when the first task or object is submitted, so an executor that
        ends up with nothing to run costs nothing.

        Raises
        ------
        ExecutorError
            If ``workers`` < 1.
        """
        if self.workers is not None and self.workers < 1:
            raise ExecutorError(f"workers must be >= 1, got {self.workers}")
        if self.in_process:
            self._slots = 1

    def connect(self) -> None:
        """
        Start or connect to Ray now, rather than at the first submission (nothing in-process).

        Raises
        ------
        ExecutorError
            If Ray cannot start or the address cannot be reached.
        KeyboardInterrupt
            After Ctrl-C (or, in ``liqheat``, SIGTERM) during the start, once what had started is stopped.
        """
        if not self.in_process:
            self._ray()

    def _ray(self) -> Any:
        """Ray, started or connected to on first use."""
        import ray

        if self._remote is not None:
            return ray
        if not ray.is_initialized():
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "logging_level": logging.ERROR}
            if self.env:
                kwargs["runtime_env"] = {"env_vars": {k: str(v) for k, v in self.env.items()}}
            if self.address is None:
                kwargs["num_cpus"] = self.workers or os.cpu_count() or 1
            else:
                check_reachable(self.address)
                kwargs["address"] = self.address
            error: Exception | None = None
            # a local Ray interrupted while starting outlived the driver; connecting to a cluster stays interruptible
            hold = (signal.SIGINT, signal.SIGTERM) if self.address is None else ()
            with signals_held(*hold) as interrupted, sigterm_kept_from_ray():
                try:
                    ray.init(**kwargs)
                except Exception as exc:  # noqa: BLE001 (Ray raises ConnectionError, RuntimeError, ValueError...)
                    error = exc
            if interrupted:  # Ctrl-C or SIGTERM while Ray started: stop what it started, then stop as Ctrl-C does
                with contextlib.suppress(Exception):
                    ray.shutdown()
                raise KeyboardInterrupt
            if error is not None:
                where = "a local Ray" if self.address is None else f"Ray at {self.address!r}"
                raise ExecutorError(f"cannot start {where}: {type(error).__name__}: {error}") from error
            self._started_ray = True
        self._slots = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._remote = ray.remote(num_cpus=1, max_retries=self.max_retries, retry_exceptions=False)(_ray_task)
        return ray

    def close(self) -> None:
        """Cancel what is still running and shut Ray down if this executor started it."""
        self.cancel()
        if self._started_ray:
            import ray

            ray.shutdown()
            self._started_ray = False

    # -- tasks -----------------------------------------------------------------------------------------------------

    def put(self, obj: Any) -> Any:
        """
        Share a large argument once with every task (Ray's object store; the object itself in-process).

        Parameters
        ----------
        obj : Any
            A picklable object the tasks read (e.g. the bars every run of ``evaluate`` replays).

        Returns
        -------
        Any
            A handle to pass as a task argument.
        """
        if self.in_process:
            return obj
        return self._ray().put(obj)

    def submit(self, fn: Callable, *args: Any, key: str, label: str = "") -> str:
        """
        Submit ``fn(*args)``.

        Parameters
        ----------
        fn : Callable
            A module-level function (it is pickled by reference; workers import its module).
        *args : Any
            Arguments (handles from :meth:`put` are resolved by Ray before the call).
        key : str
            Unique identifier of this task among the pending ones.
        label : str, optional
            Human description.

        Returns
        -------
        str
            ``key``.

        Raises
        ------
        ValueError
            If ``key`` is already pending.
        """
        if key in self._pending:
            raise ValueError(f"task {key!r} is already pending")
        pending = _Pending(key, label)
        if self.in_process:
            pending.call = (fn, args)
        else:
            self._ray()
            pending.log_name = f"{LOG_PREFIX}{uuid.uuid4().hex}.log" if self.capture_logs else ""
            pending.ref = self._remote.remote(fn, key, label, self.capture_logs, pending.log_name, *args)
        self._pending[key] = pending
        return key

    @property
    def pending(self) -> int:
        """Tasks submitted and not yet returned by :meth:`as_completed`."""
        return len(self._pending)

    def as_completed(self, timeout: float | None = None) -> Iterator[TaskResult]:
        """
        Yield the pending tasks' results as they finish (in-process: in submission order, run on demand).

        Parameters
        ----------
        timeout : float, optional
            Stop yielding after this many seconds without a finished task (the rest stays pending).

        Yields
        ------
        TaskResult
            A task whose worker died more than ``max_retries`` times comes back with ``error`` set and, in
            ``log``, what it had written (its captured-output file is then removed).
        """
        while self._pending:
            if self.in_process:
                key, p = next(iter(self._pending.items()))
                fn, args = p.call
                result = call_captured(fn, args, key, p.label, self.capture_logs)
                del self._pending[key]
                yield result
                continue
            import ray

            by_ref = {p.ref: p for p in self._pending.values()}
            done, _ = ray.wait(list(by_ref), num_returns=1, timeout=timeout)
            if not done:
                return
            for ref in done:
                p = by_ref[ref]
                del self._pending[p.key]
                try:
                    result = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 (worker died beyond retries, task cancelled, ...)
                    result = TaskResult(key=p.key, label=p.label, error=f"{type(exc).__name__}: {exc}")
                    if p.log_name:  # what the dead worker wrote, then its file (left in the temp folder before)
                        result.log = take_dead_task_log(p.log_name)
                yield result

    def cancel(self) -> None:
        """
        Stop every pending task (running ones are killed) and forget them.

        On a Ray this executor started or connected to, it disconnects (``ray.shutdown``): Ray ends the job and
        kills the workers still running its tasks, and a later submission connects again. On a Ray the caller
        initialised, each task is cancelled with ``ray.cancel(force=True)``.

        Notes
        -----
        Disconnecting is preferred because ``ray.cancel`` can race, inside Ray's driver, with the reply of a task
        that is just finishing and abort the whole process (Ray's check "Tried to complete task that was not
        pending", ray-project/ray#54846; here 1 Ctrl-C in 25 on ``liqheat sweep`` before this was changed).
        """
        if not self.in_process and self._pending:
            import ray

            if self._started_ray:
                ray.shutdown()
                self._started_ray = False
                self._remote = None
            else:
                for p in self._pending.values():
                    with contextlib.suppress(Exception):
                        ray.cancel(p.ref, force=True)
            for p in self._pending.values():  # the killed tasks' files
                if p.log_name:
                    take_dead_task_log(p.log_name)
        self._pending.clear()

    def map(
        self,
        fn: Callable,
        items: Iterable[tuple[str, str, Sequence[Any]]],
        shared: Sequence[Any] = (),
        on_submit: Callable[[str], None] | None = None,
    ) -> Iterator[TaskResult]:
        """
        Run ``fn(*shared, *args)`` for every ``(key, label, args)``, keeping at most :attr:`slots` in flight.

        Parameters
        ----------
        fn : Callable
            A module-level function.
        items : Iterable[tuple[str, str, Sequence]]
            ``(key, label, args)`` per task; keys must be unique.
        shared : Sequence, optional
            Leading arguments common to every task, put once in Ray's object store.
        on_submit : Callable[[str], None], optional
            Called with a task's key when it is submitted.

        Yields
        ------
        TaskResult
            In completion order. On ``KeyboardInterrupt`` the pending tasks are cancelled and the interrupt
            propagates.
        """
        queue = iter(items)
        first = next(queue, None)
        if first is None:
            return
        queue = itertools.chain([first], queue)
        handles = tuple(self.put(obj) for obj in shared)
        exhausted = False
        try:
            while True:
                while not exhausted and self.pending < self.slots:
                    item = next(queue, None)
                    if item is None:
                        exhausted = True
                        break
                    key, label, args = item
                    self.submit(fn, *handles, *args, key=key, label=label)
                    if on_submit is not None:
                        on_submit(key)
                if not self.pending:
                    return
                yield next(self.as_completed())
        except BaseException:
            self.cancel()
            raise
