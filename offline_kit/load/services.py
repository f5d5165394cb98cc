"""The shared side of a load test, each part in a process of its own as deployed: the realtime simulator (the
model's side), the reference API with the audit sink, and each tool-runner replica.

Each sends ("ready", detail) on its pipe, then answers commands until ("stop",): the audit sink answers
("stored", [(call_id, expected), ...]) with how many of each call's events it has stored.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.bus import NatsEndpoint

STORED_WAIT_S = 30.0


def simulator_main(conn: Connection, scenario_ref: str, speed: float) -> None:
    asyncio.run(_simulator(conn, scenario_ref, speed))


async def _simulator(conn: Connection, scenario_ref: str, speed: float) -> None:
    from offline_kit.simulator import RealtimeSimulator, load_scenario

    _quiet()
    async with RealtimeSimulator(load_scenario(scenario_ref), speed=speed) as simulator:
        conn.send(("ready", simulator.base_url))
        await _serve(conn, {})


def audit_and_reference_main(conn: Connection, data_dir: str, nats: NatsEndpoint) -> None:
    asyncio.run(_audit_and_reference(conn, Path(data_dir), nats))


async def _audit_and_reference(conn: Connection, data_dir: Path, nats: NatsEndpoint) -> None:
    from audit_sink.bootstrap import audit_sink_running
    from audit_sink.settings import AuditSinkSettings
    from scheduling_api.server import reference_backend_running
    from tool_runner.settings import ToolRunnerSettings

    _quiet()
    async with (
        reference_backend_running(ToolRunnerSettings(data_dir=data_dir)) as reference_url,
        audit_sink_running(AuditSinkSettings(data_dir=data_dir), nats) as sink,
    ):

        async def stored(pairs: list[tuple[str, int]]) -> list[int]:
            deadline = time.monotonic() + STORED_WAIT_S
            counts = []
            for call_id, expected in pairs:
                while True:
                    count = len(await asyncio.to_thread(sink.store.records, call_id))
                    if count >= expected or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.1)
                counts.append(count)
            return counts

        conn.send(("ready", reference_url))
        await _serve(conn, {"stored": stored})


def tool_runner_main(conn: Connection, data_dir: str, nats: NatsEndpoint, reference_url: str) -> None:
    asyncio.run(_tool_runner(conn, Path(data_dir), nats, reference_url))


async def _tool_runner(conn: Connection, data_dir: Path, nats: NatsEndpoint, reference_url: str) -> None:
    from tool_runner.bootstrap import tool_runner_running
    from tool_runner.settings import ToolRunnerSettings

    _quiet()
    settings = ToolRunnerSettings(data_dir=data_dir, reference_url=reference_url)
    async with tool_runner_running(settings, nats):
        conn.send(("ready", None))
        await _serve(conn, {})


async def _serve(conn: Connection, handlers: dict[str, Callable[..., Awaitable[Any]]]) -> None:
    """Answer commands from the pipe until ("stop",) or the load test is gone."""
    while True:
        try:
            command, *args = await asyncio.to_thread(conn.recv)
        except EOFError:
            return
        if command == "stop":
            return
        conn.send((command, await handlers[command](*args)))


def _quiet() -> None:
    from runtime.logs import configure

    configure("WARNING")
