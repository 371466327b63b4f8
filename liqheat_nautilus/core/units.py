"""Time units of the whole package: every timestamp is an integer number of UNIX nanoseconds.

Integer constants (not floats) so that conversions such as ``ms * NS_PER_MS`` stay exact for any int64 time
(Nautilus' own ``millis_to_nanos`` goes through a float and can be off by ~100 ns).
"""

NS_PER_US = 1_000
"""Nanoseconds per microsecond."""
NS_PER_MS = 1_000_000
"""Nanoseconds per millisecond."""
NS_PER_SECOND = 1_000_000_000
"""Nanoseconds per second."""
NS_PER_MINUTE = 60 * NS_PER_SECOND
"""Nanoseconds per minute."""
NS_PER_HOUR = 60 * NS_PER_MINUTE
"""Nanoseconds per hour."""
NS_PER_DAY = 24 * NS_PER_HOUR
"""Nanoseconds per day."""

__all__ = ["NS_PER_DAY", "NS_PER_HOUR", "NS_PER_MINUTE", "NS_PER_MS", "NS_PER_SECOND", "NS_PER_US"]
