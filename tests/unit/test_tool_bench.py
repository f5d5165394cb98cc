"""`camille bench tools`: the load shapes (every call is counted, spread callers really arrive one after the other
while a burst starts together) and the summary (the default transport, run as deployed)."""

import asyncio
import time
from pathlib import Path

import yaml

from offline_kit.bench.tools import DEPLOYED_REPLICAS, headline, label, timed
from tool_runner.http import TRANSPORTS


async def _first_calls(concurrency: int, total: int, spread_s: float) -> tuple[list[float], list[float]]:
    origin = time.perf_counter()
    starts: list[float] = []

    async def call() -> None:
        starts.append(time.perf_counter() - origin)
        await asyncio.sleep(0.001)

    samples = await timed(call, concurrency, total, spread_s=spread_s)
    return samples, sorted(starts)[:concurrency]


async def test_every_call_of_the_measurement_is_a_sample() -> None:
    samples, _ = await _first_calls(10, 50, spread_s=0.01)
    assert len(samples) == 50
    assert all(s >= 1.0 for s in samples)  # milliseconds, and each call slept 1 ms


async def test_spread_callers_arrive_over_the_spread_and_a_burst_arrives_at_once() -> None:
    _, spread = await _first_calls(10, 10, spread_s=0.2)
    _, burst = await _first_calls(10, 10, spread_s=0.0)
    assert spread[-1] - spread[0] >= 0.15  # the tenth caller starts 9/10 of 0.2 s after the first
    assert burst[-1] - burst[0] < spread[-1] - spread[0]


def _figures(replicas: int) -> dict[str, float]:
    """Detailed figures as `run` collects them: each path's overhead distinct, so a mix-up shows."""
    figures: dict[str, float] = {}
    for index, path in enumerate(
        [f"direct_{label(t)}" for t in TRANSPORTS]
        + [f"tools_{label(t)}" for t in TRANSPORTS]
        + [f"tools_aiohttp_{replicas}_replicas"]
    ):
        for shape in ("at_1", "at_50", "at_50_burst"):
            figures[f"{path}_overhead_{shape}_p50_ms"] = index + 0.5
            figures[f"{path}_overhead_{shape}_p99_ms"] = index + 0.9
    return figures


def test_the_summary_is_the_default_transport_run_as_deployed() -> None:
    figures = _figures(DEPLOYED_REPLICAS)
    out = headline(figures, delay_ms=20.0, replicas=DEPLOYED_REPLICAS)
    deployed = f"tools_aiohttp_{DEPLOYED_REPLICAS}_replicas"
    assert out["replicas"] == DEPLOYED_REPLICAS
    assert out["overhead_p99_ms_at_50"] == figures[f"{deployed}_overhead_at_50_p99_ms"]
    assert out["overhead_p50_ms_at_1"] == figures[f"{deployed}_overhead_at_1_p50_ms"]
    assert out["overhead_p99_ms_at_50_burst"] == figures[f"{deployed}_overhead_at_50_burst_p99_ms"]
    assert out["overhead_p99_ms_at_50_one_replica"] == figures["tools_aiohttp_overhead_at_50_p99_ms"]
    assert out["direct_p99_ms_at_50_burst"] == figures["direct_aiohttp_overhead_at_50_burst_p99_ms"]
    assert out["round_trip_ratio_p99_at_50"] == round((20 + figures[f"{deployed}_overhead_at_50_p99_ms"]) / 20.9, 3)
    assert out["lower_p99_transport_at_50"] == "aiohttp"  # the smallest direct figure in this made-up set


def test_one_replica_summarises_the_single_runner() -> None:
    out = headline(_figures(1), delay_ms=20.0, replicas=1)
    assert out["overhead_p99_ms_at_50"] == out["overhead_p99_ms_at_50_one_replica"]


def test_the_benchmark_runs_as_many_tool_runners_as_the_deployments(repo_root: Path) -> None:
    compose = yaml.safe_load((repo_root / "compose.yaml").read_text())
    assert compose["services"]["tool-runner"]["deploy"]["replicas"] == DEPLOYED_REPLICAS
    documents = [d for d in yaml.safe_load_all((repo_root / "k8s" / "tool-runner.yaml").read_text()) if d]
    [deployment] = [d for d in documents if d["kind"] == "Deployment"]
    [autoscaler] = [d for d in documents if d["kind"] == "HorizontalPodAutoscaler"]
    assert deployment["spec"]["replicas"] == autoscaler["spec"]["minReplicas"] == DEPLOYED_REPLICAS
