"""The Prometheus plumbing every service shares: the endpoint, the names, and the voice worker's per-process files."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from audit_sink.metrics import AuditSinkMetrics
from runtime.metrics import PREFIX, MetricFiles, metrics_endpoint, new_registry
from tool_runner.metrics import ToolRunnerMetrics
from voice_worker.capacity import WorkerMetrics
from voice_worker.metrics import VoiceMetrics


def every_service_registry() -> CollectorRegistry:
    """One registry holding every metric Camille defines, as `camille up` plus a voice worker would expose them."""
    registry = new_registry()
    VoiceMetrics(registry)
    WorkerMetrics(registry)
    ToolRunnerMetrics(registry)
    AuditSinkMetrics(registry)
    return registry


def metric_names(registry: CollectorRegistry) -> set[str]:
    """Every series name `registry` can expose (counters with `_total`, histograms with `_bucket`, `_count`, `_sum`),
    whether or not a labelled series has been created yet."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum")}
    names = set()
    for family in registry.collect():
        names.add(family.name)
        names.update(family.name + suffix for suffix in suffixes.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return names


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_every_metric_name_starts_with_camille() -> None:
    """Every family of every service, process metrics included, is named camille_*."""
    families = list(every_service_registry().collect())
    assert len(families) > 20
    assert all(family.name.startswith(PREFIX) for family in families), [f.name for f in families]


def test_metric_names_lists_series_not_yet_created() -> None:
    """A labelled counter with no series yet still contributes its `_total` name (what rules and dashboards use)."""
    names = metric_names(every_service_registry())
    assert {"camille_tool_round_trip_errors_total", "camille_response_latency_seconds_bucket"} <= names


def test_the_endpoint_serves_the_registry_on_the_configured_port() -> None:
    """/metrics answers on the configured port with the registry's series, and stops with the block."""
    registry = CollectorRegistry()
    ToolRunnerMetrics(registry).answered("book_appointment", 0.02, "timeout")
    port = free_port()
    with metrics_endpoint(registry, port, "127.0.0.1") as served:
        assert served == port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            body = answer.read().decode()
    assert 'camille_tool_runner_errors_total{code="timeout",tool="book_appointment"} 1.0' in body
    with pytest.raises(OSError):  # nothing listens any more
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5)


def test_port_zero_serves_nothing() -> None:
    """CAMILLE_METRICS_PORT=0 turns the endpoint off."""
    with metrics_endpoint(CollectorRegistry(), 0, "127.0.0.1") as served:
        assert served is None


JOB_PROCESS = """
import sys
from pathlib import Path
from runtime.metrics import use_multiprocess
use_multiprocess(Path(sys.argv[1]))
import pytest
from prometheus_client import CollectorRegistry
from contracts.tools import ToolName
from voice_worker.metrics import CallMetrics, VoiceMetrics
call = CallMetrics(VoiceMetrics(CollectorRegistry()))
call.call_started("sip")
call.response(300.0)
call.tool(ToolName.BOOK_APPOINTMENT, 20.0, "ok")
call.tool(ToolName.BOOK_APPOINTMENT, 4000.0, "timeout")
if sys.argv[2] == "hang-up":
    call.call_ended("caller_hung_up")
"""


def run_jobs(directory: Path, *endings: str) -> None:
    """One process per call, as LiveKit runs them; "crash" leaves its call counted as active."""
    for ending in endings:
        subprocess.run([sys.executable, "-c", JOB_PROCESS, str(directory), ending], check=True, timeout=60)


def test_the_files_of_every_job_process_add_up_and_fold_when_they_end(tmp_path: Path) -> None:
    """Totals cover every job process; folding ended ones keeps them, drops a crashed call's gauge, and leaves a file
    per type however many processes came and went."""
    files = MetricFiles(tmp_path)
    registry = CollectorRegistry()
    registry.register(files)

    def sample(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    run_jobs(tmp_path, "hang-up", "hang-up", "crash")
    assert sample("camille_calls_started_total", channel="sip") == 3
    assert sample("camille_calls_active") == 1  # the crashed process's file still says so
    assert sample("camille_tool_round_trip_errors_total", tool="book_appointment", code="timeout") == 3
    assert len(files.fold_ended()) == 3
    assert sample("camille_calls_active") is None  # no live process holds a call
    assert sample("camille_calls_started_total", channel="sip") == 3
    assert sample("camille_tool_round_trip_seconds_count", tool="book_appointment") == 6
    assert sample("camille_response_latency_seconds_bucket", le="0.5") == 3
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["counter_archive.db", "histogram_archive.db"]

    run_jobs(tmp_path, "hang-up", "hang-up")
    assert len(files.fold_ended()) == 2
    assert sample("camille_calls_ended_total", reason="caller_hung_up") == 4
    assert sample("camille_tool_round_trip_seconds_bucket", tool="book_appointment", le="0.025") == 5
    assert sample("camille_tool_round_trip_seconds_count", tool="book_appointment") == 10
    assert len(list(tmp_path.glob("*.db"))) == 2
