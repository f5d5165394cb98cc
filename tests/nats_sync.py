"""Waiting until the NATS server has read what a client sent, which nats-py's `flush()` alone does not promise."""

from __future__ import annotations

import asyncio

from nats.aio.client import Client as NATS
from nats.aio.subscription import Subscription


async def settled(*clients: NATS) -> None:
    """Return once the server has read every subscription and message each client had queued, in that order.

    nats-py's `flush()` writes its PING straight to the socket, while SUB and PUB wait in a buffer for the client's
    flusher task: one PONG can come back before the server has read a subscription or a message queued just before
    it, and a message published from another connection then finds nobody listening (seen in CI). The second round
    trip leaves after the flusher has written them, and the server answers each client in order."""
    for nc in clients:
        await nc.flush()
        await nc.flush()


async def delivered(sub: Subscription, reader: NATS, *publishers: NATS) -> None:
    """Return once what `publishers` sent to `sub` (a subscription of `reader` with a callback) has been handed to
    that callback: unsubscribing earlier discards what is still queued in the client."""
    await settled(*publishers, reader)
    for _ in range(1000):  # each queued message is handed over within a loop turn or two
        if not sub.pending_msgs:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{sub.pending_msgs} messages still queued for the callback after 10 s")
