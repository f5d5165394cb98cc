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
import nats
import nats.errors
import pytest

from contracts.subjects import tool_subject
from contracts.tools import CheckAvailabilityArgs, ToolReply, ToolRequest
from runtime.bus import NatsEndpoint, connect
from runtime.identities import Identity


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


async def test_up_answers_tool_requests_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """On its embedded NATS, `camille up` refuses an anonymous client, answers check_availability from the reference
    backend to a client signed in as the voice worker (its seed in the data dir, 0600), serves the call page and its
    tokens, counts the call on its one metrics endpoint (CAMILLE_METRICS_PORT), and exits on SIGINT."""
    port = free_port()
    env = os.environ | {"CAMILLE_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env |= {"CAMILLE_METRICS_PORT": str(port)}
    for name in ("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "CAMILLE_WEB_PORT", "NATS_URL",
                 "CAMILLE_NATS_URL", "CAMILLE_NATS_CREDS_FILE"):  # fmt: skip
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
        [nats_line] = [line for line in printed if line.startswith("NATS: ")]
        url = nats_line.split()[1]
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await nats.connect(url, connect_timeout=2, allow_reconnect=False, max_reconnect_attempts=0)
        seed = tmp_path / "nats" / "credentials" / "voice-worker.nk"
        assert seed.stat().st_mode & 0o777 == 0o600
        nc = await connect(NatsEndpoint(url, creds_file=seed), Identity.VOICE_WORKER, name="up-test")
        request = ToolRequest.create(
            call_id="up-test",
            tool_call_id="fc_1",
            deadline=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=10),
            arguments=CheckAvailabilityArgs(date=next_weekday()),
        )
        message = await nc.request(tool_subject("check_availability"), request.model_dump_json().encode(), timeout=10)
        await nc.close()
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
