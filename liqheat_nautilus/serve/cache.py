"""Answer caching of ``liqheat serve``: encoded JSON bodies kept per map update, and one computation per question.

The JSON of a map response depends only on the map update and the request's parameters, so it is kept (bounded by
size) and a repeated question costs a dictionary lookup; concurrent identical questions share one computation in a
worker thread (:class:`SingleFlight`).
"""

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from fastapi.concurrency import run_in_threadpool


class JsonCache:
    """
    An LRU of encoded JSON bodies, bounded by their total size, so memory stays flat.

    Parameters
    ----------
    max_bytes : int, default 32 MiB
        Largest total size of the bodies kept (bytes); the least recently used go first (the newest is always kept).
    """

    def __init__(self, max_bytes: int = 32 * 2**20) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        """
        Look a body up (thread-safe).

        Parameters
        ----------
        key : hashable
            What the body answers (route, selection, update time, parameters).

        Returns
        -------
        bytes or None
            The body, ``None`` when not cached.
        """
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> bytes:
        """
        Keep a body (thread-safe), dropping the least recently used ones beyond ``max_bytes``.

        Parameters
        ----------
        key : hashable
            Everything the answer depends on (route, selection, update, parameters).
        body : bytes
            The encoded answer (JSON); its length counts towards ``max_bytes``.

        Returns
        -------
        bytes
            ``body``, for ``return cache.put(key, build())``.
        """
        with self._lock:
            old = self._items.pop(key, None)
            self.size += len(body) - (len(old) if old is not None else 0)
            self._items[key] = body
            while self.size > self.max_bytes and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self.size -= len(dropped)
        return body


class SingleFlight:
    """Run a computation in a worker thread once per key at a time: concurrent askers share the result."""

    def __init__(self) -> None:
        self._inflight: dict[Hashable, asyncio.Future[bytes]] = {}

    async def run(self, key: Hashable, fn: Callable[..., bytes], *args: Any) -> bytes:
        """
        Compute ``fn(*args)`` in a worker thread, or wait for the same key's computation already running.

        A burst of the same question costs one computation, not one per request.

        Parameters
        ----------
        key : hashable
            Identifies the question.
        fn : callable
            Returns the encoded answer.
        *args
            Its arguments.

        Returns
        -------
        bytes
            ``fn(*args)``.

        Raises
        ------
        BaseException
            Whatever ``fn`` raised (every waiter re-raises it).
        """
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            body = await run_in_threadpool(fn, *args)
            future.set_result(body)
            return body
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here: the waiters (if any) re-raise it
            raise
        finally:
            self._inflight.pop(key, None)
