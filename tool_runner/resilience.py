"""Retry delays and a circuit breaker: small, clock-injected, and free of I/O so tests can drive them directly."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tool_runner.routing import BreakerPolicy, RetryPolicy

Monotonic = Callable[[], float]


def backoff_delay(policy: RetryPolicy, attempt: int, rng: random.Random | None = None) -> float:
    """Full-jitter exponential backoff before retry number `attempt` (1 = the first retry)."""
    ceiling = min(policy.max_delay_s, policy.base_delay_s * 2 ** (attempt - 1))
    return (rng or random).uniform(0, ceiling)


def parse_retry_after(value: str | None, now_epoch: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now_epoch is None else now_epoch))


@dataclass
class CircuitBreaker:
    """Closed -> open after `failure_threshold` consecutive failures -> one trial call after `reset_after_s`.

    Only failures that say the backend is down (timeouts, 5xx, connection errors) count; a 409 or a 404 is the
    backend working.
    """

    policy: BreakerPolicy
    monotonic: Monotonic = time.monotonic
    _failures: int = 0
    _opened_at: float | None = None
    _trial_in_flight: bool = field(default=False)

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "half_open" if self.monotonic() - self._opened_at >= self.policy.reset_after_s else "open"

    def retry_in(self) -> float:
        if self._opened_at is None:
            return 0.0
        return max(0.0, self.policy.reset_after_s - (self.monotonic() - self._opened_at))

    def allow(self) -> bool:
        """Whether a call may go out now (in half-open state, only one trial at a time)."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self._failures, self._opened_at, self._trial_in_flight = 0, None, False

    def record_failure(self) -> None:
        self._failures += 1
        if self._trial_in_flight or self._failures >= self.policy.failure_threshold:
            self._opened_at = self.monotonic()
        self._trial_in_flight = False

    def record_neutral(self) -> None:
        """A call that says nothing about the backend's health (e.g. abandoned at the caller's deadline)."""
        self._trial_in_flight = False
