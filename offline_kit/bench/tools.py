"""The measurements behind `camille bench tools` (see bench.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from contracts.subjects import tool_subject
from contracts.tools import ToolReply
from offline_kit.stats import percentile
from offline_kit.webhook import tool_request
from runtime.bus import EmbeddedNats, connect, free_port
from tool_runner.bootstrap import wait_until_answering
from tool_runner.http import TRANSPORTS, Transport, http_poster
from tool_runner.routing import Timeouts
from tool_runner.settings import ToolRunnerSettings

ANSWER = {
    "tool": "check_availability",
    "slots": [
        {"start": "2030-01-07T09:00:00+01:00", "duration_minutes": 20, "practitioner": "Dr Fillion"},
        {"start": "2030-01-07T09:20:00+01:00", "duration_minutes": 20, "practitioner": "Dr Fillion"},
    ],
}
DEPLOYED_REPLICAS = 2  # tool runners in compose.yaml and k8s/tool-runner.yaml (a test keeps them equal)
TARGET_P99_MS = 10.0
DEFAULT_TRANSPORT: Transport = ToolRunnerSettings.model_fields["http_transport"].default
ROUTING = """
backends:
  bench:
    kind: http
    url: ${BENCH_URL}
    signing_secret_env: CAMILLE_WEBHOOK_SECRET
    timeouts: {connect_s: 2, read_s: 5, total_s: 5}
    retry: {max_attempts: 1}
    breaker: {failure_threshold: 1000}
tools:
  check_availability: {backend: bench, path: /check}
  book_appointment: {backend: bench, path: /book}
  find_appointments: {backend: bench, path: /find}
  cancel_appointment: {backend: bench, path: /cancel}
  send_sms: {backend: bench, path: /sms}
"""


async def timed(
    call: Callable[[], Awaitable[None]], concurrency: int, total: int, *, spread_s: float = 0.0
) -> list[float]:
    """Latencies (ms) of every one of `total` calls made by `concurrency` callers in a closed loop.

    The clock starts when `call()` has returned its awaitable: what `call` does before its first `await` (building
    the request, as the voice worker does before it sends one) is not the round trip and is not timed.

    With `spread_s`, caller i starts at i * spread_s / concurrency: callers arrive independently, as phone calls do,
    and keep `concurrency` calls in flight from then on. Without it they all start at the same instant, and the
    first waves reach the webhook as one burst (what a synchronized test harness makes; the direct HTTP baseline
    shows the same tail). Every call of a measurement is counted in both shapes.
    """
    samples: list[float] = []
    per_caller = max(1, total // concurrency)

    async def caller(index: int) -> None:
        await asyncio.sleep(index * spread_s / concurrency)
        for _ in range(per_caller):
            pending = call()
            started = time.perf_counter()
            await pending
            samples.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(caller(i) for i in range(concurrency)))
    return samples


def summary(name: str, samples: list[float], delay_ms: float) -> dict[str, float]:
    overhead = [s - delay_ms for s in samples]
    figures = {}
    for q in (50, 99):
        value = percentile(overhead, q)
        if value is None:
            raise RuntimeError(f"{name}: no samples")
        figures[f"{name}_p{q}_ms"] = round(value, 3)
    return figures


def label(transport: Transport) -> str:
    return transport.replace("-", "_")


async def direct_http(url: str, transport: Transport, delay_ms: float, calls: int) -> dict[str, float]:
    """The same webhook called in-process through the HTTP client alone: the baseline."""
    figures: dict[str, float] = {}
    poster = http_poster(transport)
    body = json.dumps({"tool": "check_availability", "date": "2030-01-07"}).encode()
    headers = {"content-type": "application/json"}

    async def call() -> None:
        answer = await poster.post(f"{url}/check", body, headers, Timeouts(), 1 << 20)
        if answer.status != 200:
            raise RuntimeError(f"benchmark webhook answered {answer.status}")

    try:
        await timed(call, 10, 100)  # warm the pool
        name = f"direct_{label(transport)}"
        figures |= summary(f"{name}_overhead_at_1", await timed(call, 1, calls // 5), delay_ms)
        figures |= summary(f"{name}_overhead_at_50", await timed(call, 50, calls, spread_s=delay_ms / 1000), delay_ms)
        figures |= summary(f"{name}_overhead_at_50_burst", await timed(call, 50, calls), delay_ms)
    finally:
        await poster.aclose()
    return figures


async def serve_webhook(port: int, delay_s: float) -> None:
    """The benchmark's webhook as its own process (as a clinic's server would be), as lean as aiohttp allows: it
    shares the cores with the tool runner, so every cycle it spends is one the runner does not get."""
    body = json.dumps(ANSWER).encode()

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(delay_s)
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()


def spawn(code: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code], env={**os.environ, **(env or {})})


async def until_listening(port: int) -> None:
    for _ in range(500):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.02)
    raise RuntimeError("the benchmark webhook did not start")


def start_replica(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A `camille tool-runner` process; returns once it logged that it is ready (it answers on every subject)."""
    code = "from camille.cli import main; import sys; sys.argv = ['camille', 'tool-runner']; main()"
    process = subprocess.Popen(
        [sys.executable, "-c", code], env={**os.environ, **env, "CAMILLE_LOG_LEVEL": "INFO"}, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    stderr = process.stderr
    for line in stderr:
        if b"tool runner ready" in line:
            threading.Thread(target=stderr.read, daemon=True).start()  # keep draining: a full pipe would block it
            return process
    raise RuntimeError("a tool runner replica did not start")


async def through_tool_runner(
    nats_url: str,
    hook_url: str,
    data_dir: Path,
    transport: Transport,
    delay_ms: float,
    calls: int,
    replicas: int = 1,
) -> dict[str, float]:
    routing = data_dir / "bench-tools.yaml"
    routing.write_text(ROUTING)
    env = {
        "NATS_URL": nats_url,
        "BENCH_URL": hook_url,
        "CAMILLE_DATA_DIR": str(data_dir),
        "CAMILLE_ROUTING_FILE": str(routing),
        "CAMILLE_HTTP_TRANSPORT": transport,
        "CAMILLE_IDEMPOTENCY_BUCKET": f"bench_{label(transport)}",
    }
    runners = [await asyncio.to_thread(start_replica, env) for _ in range(replicas)]
    name = f"tools_{label(transport)}" + (f"_{replicas}_replicas" if replicas > 1 else "")
    try:
        nc = await connect(nats_url, name="bench")
        try:
            await wait_until_answering(nc, timeout_s=10)

            subject = tool_subject("check_availability")

            def call() -> Awaitable[None]:
                request = tool_request(
                    {"tool": "check_availability", "date": "2030-01-07"},
                    now=dt.datetime.now(dt.UTC),
                    call_id=uuid.uuid4().hex,  # one call each: a call's own state is read and written
                    tool_call_id=uuid.uuid4().hex,
                    timeout_s=10,
                )
                return send(request.model_dump_json().encode())

            async def send(body: bytes) -> None:
                msg = await nc.request(subject, body, timeout=10)
                if not ToolReply.model_validate_json(msg.data).ok:
                    raise RuntimeError("benchmark call failed")

            await timed(call, 10, 100)
            gc.collect()
            gc.freeze()
            figures = summary(f"{name}_overhead_at_1", await timed(call, 1, calls // 5), delay_ms)
            spread = delay_ms / 1000
            figures |= summary(f"{name}_overhead_at_50", await timed(call, 50, calls, spread_s=spread), delay_ms)
            figures |= summary(f"{name}_overhead_at_50_burst", await timed(call, 50, calls), delay_ms)
            return figures
        finally:
            await nc.close()
    finally:
        for runner in runners:
            runner.send_signal(signal.SIGTERM)
        for runner in runners:
            await asyncio.to_thread(runner.wait, 20)


async def run(delay_s: float, calls: int, replicas: int = DEPLOYED_REPLICAS) -> dict[str, Any]:
    delay_ms = delay_s * 1000
    port = free_port()
    hook = spawn(f"import uvloop, offline_kit.bench.tools as b; uvloop.run(b.serve_webhook({port}, {delay_s}))")
    url = f"http://127.0.0.1:{port}"
    await until_listening(port)
    figures: dict[str, Any] = {"webhook_delay_ms": delay_ms, "calls_at_50": calls}
    try:
        with tempfile.TemporaryDirectory(prefix="camille-bench-") as tmp, EmbeddedNats(Path(tmp) / "nats") as server:
            for transport in TRANSPORTS:
                figures |= await direct_http(url, transport, delay_ms, calls)
                figures |= await through_tool_runner(server.url, url, Path(tmp), transport, delay_ms, calls)
            if replicas > 1:  # as deployed: the queue group spreads the calls over the replicas (and the cores)
                figures |= await through_tool_runner(
                    server.url, url, Path(tmp), DEFAULT_TRANSPORT, delay_ms, calls, replicas=replicas
                )
    finally:
        hook.terminate()
        hook.wait(10)
    return figures | headline(figures, delay_ms, replicas)


def headline(figures: dict[str, Any], delay_ms: float, replicas: int) -> dict[str, Any]:
    """The summary keys, read off the detailed figures.

    The transport is chosen on the direct HTTP figures (what the transport itself does at 50 in flight). The
    overhead is reported for the transport the settings use by default, run as deployed: `replicas` tool runners
    sharing the queue group (compose.yaml and k8s run DEPLOYED_REPLICAS). One replica's figures stay beside them.
    """
    chosen = label(DEFAULT_TRANSPORT)
    measured = f"tools_{chosen}" + (f"_{replicas}_replicas" if replicas > 1 else "")
    out: dict[str, Any] = {
        "lower_p99_transport_at_50": min(TRANSPORTS, key=lambda t: figures[f"direct_{label(t)}_overhead_at_50_p99_ms"]),
        "default_transport": DEFAULT_TRANSPORT,
        "replicas": replicas,
    }
    for level in ("1", "50"):
        for q in ("p50", "p99"):
            overhead = out[f"overhead_{q}_ms_at_{level}"] = figures[f"{measured}_overhead_at_{level}_{q}_ms"]
            direct = figures[f"direct_{chosen}_overhead_at_{level}_{q}_ms"] + delay_ms
            tools = overhead + delay_ms
            out[f"round_trip_ratio_{q}_at_{level}"] = round(tools / direct, 3) if direct > 0 else None
    out["overhead_p99_ms_at_50_one_replica"] = figures[f"tools_{chosen}_overhead_at_50_p99_ms"]
    # The key counts every call of callers that arrive spread over one webhook delay; the synchronized start is
    # reported beside it, with the direct call's own figure for the same shape.
    out["overhead_p99_ms_at_50_burst"] = figures[f"{measured}_overhead_at_50_burst_p99_ms"]
    out["direct_p99_ms_at_50_burst"] = figures[f"direct_{chosen}_overhead_at_50_burst_p99_ms"]
    out["target_overhead_p99_ms_at_50"] = TARGET_P99_MS
    return out
