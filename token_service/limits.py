"""Per-client rate limit: a token bucket for each client address, in this process (so per replica)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`take(key)` spends one token of that key's bucket (`burst` deep, refilled at `per_minute`) and returns None, or
    returns how many whole seconds to wait when the bucket is empty. Memory stays bounded: past `max_keys` addresses,
    buckets that have refilled completely (indistinguishable from new ones) are dropped, then the oldest."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("per_minute must be positive and burst at least 1")
        self.rate = per_minute / 60.0  # tokens per second
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self.buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> int | None:
        now = self.clock()
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self.max_keys:
                self._forget_full(now)
            bucket = self.buckets[key] = _Bucket(tokens=float(self.burst), updated=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))

    def _forget_full(self, now: float) -> None:
        for key, bucket in list(self.buckets.items()):
            if bucket.tokens + (now - bucket.updated) * self.rate >= self.burst:
                del self.buckets[key]
        while len(self.buckets) >= self.max_keys:  # a flood of distinct addresses: the oldest go first
            del self.buckets[next(iter(self.buckets))]
