"""`camille up` runs the services in one process: a real tool request gets a real answer, and Ctrl-C stops it."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import socket
import sys
import urllib.request
from pathlib import Path

import httpx
from nats.aio.client import Client as NATS

from contracts.subjects import tool_subject
from contracts.tools import CheckAvailabilityArgs, ToolReply, ToolRequest


async def _wait_for(stream: asyncio.StreamReader, needle: str, timeout_s: float = 60) -> list[str]:
    """The lines printed up to and including the first that holds `needle`."""
    seen: list[str] = []

    async def scan() -> list[str]:
        while line := (await stream.readline()).decode():
            seen.append(line)
            if needle in line:
                return seen
        raise AssertionError(f"{needle!r} never printed:\n{''.join(seen)}")

    return await asyncio.wait_for(scan(), timeout_s)


def next_weekday() -> dt.date:
    day = dt.date.today() + dt.timedelta(days=1)
    while day.isoweekday() > 5:
        day += dt.timedelta(days=1)
    return day


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        return str(answer.read().decode())


async def test_up_answers_tool_requests_and_stops_on_ctrl_c(nats_url: str, nc: NATS, tmp_path: Path) -> None:
    """With NATS_URL set, `camille up` answers check_availability from the reference backend, serves the call page and
    its tokens, counts the call on its one metrics endpoint (CAMILLE_METRICS_PORT), and exits on SIGINT."""
    port = free_port()
    env = os.environ | {"NATS_URL": nats_url, "CAMILLE_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env |= {"CAMILLE_METRICS_PORT": str(port)}
    for name in ("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "CAMILLE_WEB_PORT"):
        env.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "camille.cli", "up", "--reference-port", "0", "--web-port", "0"],
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        printed = await _wait_for(process.stdout, "Ctrl-C to stop")
        [page_line] = [line for line in printed if line.startswith("call page: ")]
        page = page_line.split()[2]
        async with httpx.AsyncClient(timeout=10) as http:
            assert '<html lang="fr">' in (await http.get(page)).text
            grant = (await http.post(page + "api/token")).json()
        assert grant["url"] == "ws://127.0.0.1:7880" and grant["room"].startswith("call-")
        request = ToolRequest.create(
            call_id="up-test",
            tool_call_id="fc_1",
            deadline=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=10),
            arguments=CheckAvailabilityArgs(date=next_weekday()),
        )
        message = await nc.request(tool_subject("check_availability"), request.model_dump_json().encode(), timeout=10)
        reply = ToolReply.model_validate_json(message.data)
        assert reply.ok and reply.request_id == request.message_id
        assert reply.result is not None and reply.result.tool == "check_availability"
        metrics = await asyncio.to_thread(scrape, port)
        assert 'camille_tool_runner_duration_seconds_count{tool="check_availability"} 1.0' in metrics
        assert "camille_audit_consumer_lag_events" in metrics and "camille_process_resident_memory_bytes" in metrics
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, out.decode()
