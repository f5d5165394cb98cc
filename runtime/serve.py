"""Serve until the process is asked to stop (SIGTERM from an orchestrator, SIGINT from Ctrl-C), and serve an ASGI
app inside a process that owns its signals."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Iterator
from typing import Any

import uvicorn


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


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the process that embeds the server owns the signals


@contextlib.asynccontextmanager
async def asgi_served(app: Any, *, host: str, port: int, **options: Any) -> AsyncIterator[int]:
    """Serve `app` on host:port until exit; yields the bound port (port 0 picks a free one).

    `options` are uvicorn.Config's; the server logs warnings only, keeps no access log and runs no lifespan.
    """
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off", access_log=False, **options)
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # raises why it could not start
                raise RuntimeError(f"the server on {host}:{port} stopped while starting")
            await asyncio.sleep(0.01)
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)
