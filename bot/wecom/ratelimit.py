"""An async rate limiter that spaces calls evenly (a token bucket refilled at a fixed rate)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class RateLimiter:
    """At most `rate_per_second` acquisitions per second, `burst` of them back to back.

    Each caller reserves the next free slot synchronously, so concurrent callers queue in arrival order
    without a lock; the caller then sleeps until its slot.
    """

    def __init__(
        self, rate_per_second: float, *, burst: int = 1, clock: Callable[[], float] = time.monotonic
    ):
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.interval = 1.0 / rate_per_second
        self.burst = max(1, burst)
        self._clock = clock
        self._next_slot = float("-inf")

    def reserve(self) -> float:
        """Claim a slot and return how long to wait for it."""
        now = self._clock()
        slot = max(self._next_slot, now - (self.burst - 1) * self.interval)
        self._next_slot = slot + self.interval
        return max(0.0, slot - now)

    async def acquire(self) -> None:
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)
