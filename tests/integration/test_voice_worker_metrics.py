"""The voice worker's one endpoint shows what its LiveKit job processes counted, and keeps it after they end.

A real `AgentServer` (unregistered: no LiveKit server here) runs in a child process with its process executor, as in
production, and is given a job. Without an OpenAI key the job ends at once; what matters is that the metrics its
process built at prewarm reach the main process's endpoint, and that folding the ended processes' files
keeps every total.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from offline_kit.speech import render_offline
from runtime.clinic import load_clinic
from runtime.settings import SHIPPED_CLINIC_FILE
from voice_worker.phrases import OFFLINE_VOICE, render_phrasebook

WORKER = """
import asyncio, json, os, sys, urllib.request
from livekit.agents import JobExecutorType
from voice_worker.server import agent_server
from voice_worker.settings import VoiceWorkerSettings

settings = VoiceWorkerSettings()
server = agent_server(settings)
server.update_options(job_executor_type=JobExecutorType.PROCESS)

def scrape():
    url = f"http://127.0.0.1:{settings.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as answer:
        return answer.read().decode()

async def main():
    started = asyncio.Event()
    server.on("worker_started", started.set)
    run = asyncio.create_task(server.run(devmode=True, unregistered=True))
    await asyncio.wait_for(started.wait(), 60)
    await server.simulate_job("room", fake_job=True)
    files = settings.resolved_metric_files_dir()
    for _ in range(600):  # the job processes end, then the watcher folds their files into the archive
        counters = {p.name for p in files.glob("counter_*.db")}
        if counters == {"counter_archive.db"} and not server.active_jobs:
            break
        await asyncio.sleep(0.1)
    result = {"metrics": await asyncio.to_thread(scrape), "files": sorted(p.name for p in files.glob("*.db"))}
    await server.aclose()
    await asyncio.wait_for(run, 30)
    print(json.dumps(result))

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_job_process_metrics_reach_the_worker_endpoint_and_survive_the_process(tmp_path: Path) -> None:
    """Series only job processes create show on the main endpoint with LiveKit's own; ended processes fold away."""
    await render_phrasebook(load_clinic(SHIPPED_CLINIC_FILE), tmp_path / "phrases", OFFLINE_VOICE, render_offline)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LIVEKIT_", "PROMETHEUS_"))}
    env |= {"CAMILLE_DATA_DIR": str(tmp_path), "CAMILLE_PHRASE_CACHE_DIR": str(tmp_path / "phrases"),
            "CAMILLE_METRICS_PORT": str(free_port())}  # fmt: skip
    command = [sys.executable, "-c", WORKER]
    done = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    metrics = result["metrics"]
    assert 'camille_emergencies_total{category="chest_pain",source="detector"} 0.0' in metrics  # from a job process
    assert "lk_agents_proc_initialize_duration_seconds_count" in metrics  # LiveKit's, from the main process
    assert "camille_voice_worker_registered 0.0" in metrics  # unregistered: no LiveKit server
    job_pids = [name for name in result["files"] if name.startswith("counter_") and name != "counter_archive.db"]
    assert "counter_archive.db" in result["files"] and job_pids == []
