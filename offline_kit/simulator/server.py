"""A local server that speaks the OpenAI Realtime WebSocket protocol, driven by a scenario.

async with RealtimeSimulator(load_scenario("booking"), speed=4.0) as sim:
    model = openai.realtime.RealtimeModel(base_url=sim.base_url, api_key=SIMULATOR_API_KEY)
    ...
    assert sim.connection.function_calls()[0]["name"] == "check_availability"

One server can also play a different scenario on each connection (the load test's calls share one): register the
scenario (`register`, or `POST /v1/scenarios` with its JSON from another process) and connect to the base URL it
returns, which names it in the query string.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import time
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import WSMsgType, web

from offline_kit.simulator.connection import Connection
from offline_kit.simulator.scenario import Fault, Scenario, load_scenario
from offline_kit.speech import synthesize

logger = logging.getLogger(__name__)

SIMULATOR_API_KEY = "sk-simulator-0000000000000000000000000000"
API_KEY_FORMAT = re.compile(r"^sk-[A-Za-z0-9_-]{20,}$")
_CLOSE = object()


class RealtimeSimulator:
    """An async context manager serving `ws://HOST:PORT/v1/realtime`; every connection is one call of the scenario.

    `speed` paces the model's audio (2.0 streams it twice as fast as real time). `api_key`, when set, is the only
    key accepted; otherwise any key of the right format (`sk-` then 20+ letters, digits, `-` or `_`) is.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float = 1.0,
        api_key: str | None = None,
        cache_dir: Path | None = None,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.host, self.port, self.speed = host, port, speed
        self.connections: list[Connection] = []
        self._api_key = api_key
        self._cache_dir = cache_dir
        self._today = today or (lambda: self.scenario.today())
        self._speech: dict[tuple[str, str], bytes] = {}
        self._registered: dict[str, Scenario] = {}
        self._armed: deque[Fault] = deque()
        self._closers: dict[str, Callable[[], Any]] = {}
        self._runner: web.AppRunner | None = None

    # -- lifecycle ----------------------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Render the model's speech, then listen; raises `SynthesisUnavailable` before listening if it cannot."""
        await self._render(self.scenario)
        app = web.Application()
        app.router.add_post("/v1/scenarios", self._register)
        app.router.add_get("/v1/realtime", self._realtime)
        app.router.add_get("/realtime", self._realtime)
        app.router.add_get("/health", self._health)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        logger.info("realtime simulator listening on %s (scenario %s)", self.base_url, self.scenario.name)

    async def aclose(self) -> None:
        await self.drop_connections()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        """What `RealtimeModel(base_url=...)` takes."""
        return f"http://{self.host}:{self.port}/v1"

    # -- inspection and control ---------------------------------------------------------------------------------

    @property
    def connection(self) -> Connection:
        """The latest connection (the plugin opens a new one when it reconnects)."""
        if not self.connections:
            raise LookupError("no client has connected yet")
        return self.connections[-1]

    async def wait_for(self, condition: Callable[[], object], *, timeout_s: float = 15.0, what: str = "") -> None:
        """Poll until `condition()` is truthy; raise TimeoutError naming `what` otherwise."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if condition():
                    return
            except LookupError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"simulator: timed out waiting for {what or 'a condition'}")
            await asyncio.sleep(0.02)

    def fail_next_response(self, fault: Fault) -> None:
        """The next response on any connection fails as `fault` says (or the socket drops, for DROP_SOCKET)."""
        self._armed.append(fault)

    async def inject(self, fault: Fault) -> None:
        """Send `fault` now on every open connection as a bare `error` event (or drop the socket)."""
        for connection in list(self.connections):
            if not connection.closed:
                await connection.apply_fault(fault, in_response=False)

    async def drop_connections(self) -> None:
        """Close every open socket abruptly, as a network failure would."""
        for close in list(self._closers.values()):
            close()

    async def speech(self, text: str, voice: str | None = None) -> bytes:
        key = (text, voice or self.scenario.agent_voice)
        if key not in self._speech:
            self._speech[key] = await asyncio.to_thread(synthesize, text, voice=key[1], cache_dir=self._cache_dir)
        return self._speech[key]

    async def register(self, scenario: Scenario) -> str:
        """Render the scenario's speech and return the base URL whose connections play it."""
        await self._render(scenario)
        key = uuid.uuid4().hex
        self._registered[key] = scenario
        return f"{self.base_url}?scenario={key}"

    async def _render(self, scenario: Scenario) -> None:
        _, model_texts = scenario.spoken_texts()
        for text in model_texts:
            await self.speech(text, scenario.agent_voice)

    # -- transport ----------------------------------------------------------------------------------------------

    async def _register(self, request: web.Request) -> web.Response:
        try:
            scenario = Scenario.model_validate(await request.json())
        except ValueError as exc:
            return web.json_response({"error": {"message": f"not a scenario: {type(exc).__name__}"}}, status=400)
        return web.json_response({"base_url": await self.register(scenario)})

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "scenario": self.scenario.name})

    def _key_problem(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        if self._api_key is not None:
            return None if token == self._api_key else "wrong key"
        return None if API_KEY_FORMAT.match(token) else "malformed key"

    async def _realtime(self, request: web.Request) -> web.StreamResponse:
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return _request_error(401, "missing_api_key", "You didn't provide an API key.")
        key = request.query.get("scenario")
        if key is not None and key not in self._registered:
            return _request_error(404, "unknown_scenario", "No such scenario.")
        scenario = self._registered[key] if key is not None else self.scenario
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        queue: asyncio.Queue[object] = asyncio.Queue()

        async def write() -> None:
            while (event := await queue.get()) is not _CLOSE:
                try:
                    await ws.send_str(json.dumps(event, ensure_ascii=False))
                except ConnectionError:
                    return
            await ws.close()

        async def close_after_pending() -> None:
            queue.put_nowait(_CLOSE)

        connection = Connection(
            scenario=scenario,
            model=request.query.get("model", ""),
            speech=lambda text: self.speech(text, scenario.agent_voice),
            send=queue.put_nowait,
            close=close_after_pending,
            speed=self.speed,
            take_fault=lambda: self._armed.popleft() if self._armed else None,
            today=self._today if scenario is self.scenario else scenario.today,
        )
        self.connections.append(connection)
        writer = asyncio.create_task(write(), name=f"simulator.write.{connection.id}")
        self._closers[connection.id] = lambda: queue.put_nowait(_CLOSE)
        try:
            connection.start()
            if self._key_problem(request) is not None:
                await connection.apply_fault(Fault.INVALID_API_KEY)
            for fault in (f.fault for f in scenario.faults if f.turn is None):
                await connection.apply_fault(fault, in_response=False)
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    event = json.loads(message.data)
                except ValueError:
                    connection.emit_error("The message is not valid JSON.", code="invalid_json")
                    continue
                if isinstance(event, dict):
                    await connection.handle(event)
        finally:
            self._closers.pop(connection.id, None)
            await connection.aclose()
            queue.put_nowait(_CLOSE)
            await writer
        return ws


def _request_error(status: int, code: str, message: str) -> web.Response:
    """An error answer shaped as OpenAI's API shapes a refused request."""
    return web.json_response(
        {"error": {"type": "invalid_request_error", "code": code, "message": message}}, status=status
    )
