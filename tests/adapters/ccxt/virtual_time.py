"""Virtual time for the poll loops of ``CcxtDataClient``, so that poller tests do not depend on the machine's speed.

The poller waits between polls with ``await self._sleep(seconds)`` and reads time from its Nautilus clock. A test
gives it :attr:`VirtualTime.clock` (a ``TestClock``) and :meth:`VirtualTime.sleep`; :meth:`VirtualTime.run_for` then
moves the clock from one wake-up to the next, and only once every poll task is parked in ``sleep``. Requests still
go to the local servers and take real time, but which polls happen by a given virtual instant is the same on a fast
machine and on a loaded one.
"""

import asyncio
import heapq
import itertools

from nautilus_trader.common.component import TestClock

from liqheat_nautilus.core.units import NS_PER_SECOND

START_NS = 1_712_707_200 * NS_PER_SECOND  # 2024-04-10 00:00 UTC: the virtual clock's start (any fixed instant)


class VirtualTime:
    """
    A Nautilus ``TestClock`` and the ``sleep`` coroutine the poller awaits between polls.

    Parameters
    ----------
    start_ns : int
        Initial time of the clock (UNIX ns).

    Attributes
    ----------
    clock : TestClock
        Give it to the poller (and its message bus).
    waits : list[tuple[str, float]]
        Every ``sleep`` call in order: (name of the asyncio task, seconds).
    """

    def __init__(self, start_ns: int = START_NS) -> None:
        self.clock = TestClock()
        self.clock.set_time(start_ns)
        self.waits: list[tuple[str, float]] = []
        self._sleepers: list[tuple[int, int, asyncio.Future]] = []  # heap of (wake-up ns, order, future)
        self._order = itertools.count()
        self._parked: asyncio.Event | None = None

    def waits_of(self, task_name: str) -> list[float]:
        """Seconds asked for by one task, in order (poll tasks are named ``"oi-poll <exchange>:<symbol>"``)."""
        return [secs for name, secs in self.waits if name == task_name]

    async def sleep(self, secs: float) -> None:
        """Park the calling task until the virtual clock reaches now + ``secs``."""
        future = asyncio.get_running_loop().create_future()
        wake_ns = self.clock.timestamp_ns() + round(secs * NS_PER_SECOND)
        heapq.heappush(self._sleepers, (wake_ns, next(self._order), future))
        self.waits.append((asyncio.current_task().get_name(), secs))
        self._event().set()
        await future

    async def run_for(self, secs: float, sleepers: int, guard_secs: float = 120.0) -> None:
        """
        Advance the clock by ``secs``, waking the parked tasks in time order.

        Parameters
        ----------
        secs : float
            Virtual seconds to advance; a task due exactly at the end is woken.
        sleepers : int
            Number of tasks that park in :meth:`sleep` (the poller's targets): the clock moves only when all are
            parked, so every poll due before a wake-up has completed.
        guard_secs : float
            Real seconds after which a task that never parks again fails the test (a hang, not a timing bound).

        Raises
        ------
        AssertionError
            If the tasks did not all park within ``guard_secs``.
        """
        end_ns = self.clock.timestamp_ns() + round(secs * NS_PER_SECOND)
        try:
            await asyncio.wait_for(self._advance_to(end_ns, sleepers), guard_secs)
        except TimeoutError as exc:
            raise AssertionError(f"{sleepers} tasks did not all park within {guard_secs} s: "
                                 f"{self._live_count()} parked") from exc

    def run_poller(self, loop: asyncio.AbstractEventLoop, poller, secs: float, sleepers: int) -> None:
        """
        Connect a poller on ``loop``, let its poll loops run for ``secs`` of virtual time (:meth:`run_for`), disconnect.

        Parameters
        ----------
        loop : asyncio.AbstractEventLoop
            The poller's event loop (not running).
        poller : CcxtDataClient
            A poller whose clock and ``_sleep`` are this virtual time's.
        secs : float
            Virtual seconds to run.
        sleepers : int
            As in :meth:`run_for` (the poller's targets).
        """
        async def run() -> None:
            await poller._connect()
            await self.run_for(secs, sleepers=sleepers)
            await poller._disconnect()

        loop.run_until_complete(run())

    async def _advance_to(self, end_ns: int, sleepers: int) -> None:
        parked = self._event()
        while True:
            while self._live_count() < sleepers:
                parked.clear()
                await parked.wait()
            while self._sleepers[0][2].done():  # cancelled sleepers (a disconnect) are dropped
                heapq.heappop(self._sleepers)
            wake_ns, _, future = self._sleepers[0]
            if wake_ns > end_ns:
                self.clock.set_time(end_ns)
                return
            heapq.heappop(self._sleepers)
            self.clock.set_time(wake_ns)
            future.set_result(None)

    def _live_count(self) -> int:
        return sum(not future.done() for _, _, future in self._sleepers)

    def _event(self) -> asyncio.Event:
        if self._parked is None:
            self._parked = asyncio.Event()
        return self._parked
