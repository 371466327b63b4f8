"""Module-level task functions for the executor tests (Ray workers import them by module path)."""

import ctypes
import os
import time


def square_and_talk(shared: dict, x: int) -> int:
    """Print through Python and through the C library (file descriptor 1), then return ``shared['k'] * x * x``."""
    print(f"python says {x}")
    libc = ctypes.CDLL(None)
    libc.printf(b"C printf says %d\n", x)
    libc.fflush(None)
    if x == 3:
        raise ValueError(f"three is not welcome ({x})")
    return shared["k"] * x * x


def slow_pid(path: str, seconds: float) -> int:
    """Append this worker's pid to ``path``, sleep, return the pid."""
    with open(path, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    time.sleep(seconds)
    return os.getpid()


def talk_then_sleep(path: str, words: str, seconds: float) -> int:
    """Print ``words`` (captured), append this worker's pid to ``path``, sleep, return the pid."""
    print(words, flush=True)
    return slow_pid(path, seconds)
