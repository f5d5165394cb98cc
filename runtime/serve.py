"""Serve until the process is asked to stop: SIGTERM (an orchestrator) or SIGINT (Ctrl-C)."""

from __future__ import annotations

import asyncio
import contextlib
import signal


async def wait_for_stop_signal() -> None:
    """Return once SIGTERM or SIGINT arrives; the caller then drains and closes what it serves."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # platforms without signal handlers in the loop
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)
