"""The load shapes of `camille bench tools` (tool_runner.benchmark.timed): every call is counted, and spread callers
really arrive one after the other while a burst starts together."""

import asyncio
import time

from tool_runner.benchmark import timed


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
