"""`camille bench voice`: greeting latency and response overhead of the voice agent, measured over scripted calls.

Each call runs the production agent against the local realtime simulator (which answers at once, so what is
measured is Camille's own overhead, not a model's thinking time):
- greeting: caller joins -> first greeting audio frame at the output;
- response overhead: the caller stops speaking (server VAD) -> first agent audio frame at the output.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from camille.stats import percentile

app = typer.Typer(help="Greeting latency and response overhead.", add_completion=False)

BENCH_SCENARIO = """
name: bench
turns:
  - caller: "Bonjour, je voudrais un rendez-vous."
    model:
      - say: "Bien sûr, pour quel jour ?"
  - caller: "Mardi prochain, le matin."
    model:
      - say: "Très bien, je regarde."
  - caller: "Merci, au revoir."
    model:
      - say: "Au revoir."
"""


@app.callback(invoke_without_command=True)
def bench(
    calls: Annotated[int, typer.Option(min=1, help="How many calls to run, one after the other.")] = 5,
    speed: Annotated[float, typer.Option(help="Call time speed-up (audio pacing); latencies are wall time.")] = 4.0,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the figures as JSON here.")] = None,
) -> None:
    """Run scripted calls and report greeting and response-overhead percentiles (ms)."""
    from camille.logs import configure

    if not logging.getLogger().handlers:  # leave a host's logging (pytest's capture) alone
        configure("WARNING")
    logging.getLogger("livekit.agents").setLevel(logging.ERROR)  # "no pause on this output": true, and expected
    report = asyncio.run(run_bench(calls, speed))
    typer.echo(json.dumps(report, indent=2))
    if json_path is not None:
        json_path.write_text(json.dumps(report, indent=2) + "\n")


async def run_bench(calls: int, speed: float) -> dict[str, Any]:
    from camille.bus import EmbeddedNats, connect
    from camille.clinic import load_clinic
    from camille.simulator import Scenario
    from contracts.subjects import AUDIT_STREAM, AUDIT_WILDCARD
    from voice_worker.local_call import offline_phrasebook, run_simulated_call
    from voice_worker.settings import VoiceWorkerSettings

    scenario = Scenario.model_validate(yaml.safe_load(BENCH_SCENARIO))
    greetings: list[float] = []
    responses: list[float] = []
    with tempfile.TemporaryDirectory(prefix="camille-bench-") as tmp, EmbeddedNats(Path(tmp) / "nats") as server:
        settings = VoiceWorkerSettings(data_dir=Path(tmp), phrase_cache_dir=Path(tmp) / "phrases", env="development")
        clinic = load_clinic(settings.clinic_file)
        phrasebook, _ = await offline_phrasebook(settings, clinic)
        nc = await connect(server.url, name="camille-bench")
        await nc.jetstream().add_stream(name=AUDIT_STREAM, subjects=[AUDIT_WILDCARD])
        try:
            for _ in range(calls):
                local = await run_simulated_call(
                    settings, clinic, phrasebook, scenario, nc=nc, speed=speed, timeout_s=120
                )
                metrics = local.call.ctx.metrics
                if metrics.greeting_ms is not None:
                    greetings.append(metrics.greeting_ms)
                responses.extend(metrics.response_ms)
        finally:
            await nc.close()
    return {
        "calls": calls,
        "greeting_samples": len(greetings),
        "greeting_p50_ms": _round(percentile(greetings, 50)),
        "greeting_p95_ms": _round(percentile(greetings, 95)),
        "response_samples": len(responses),
        "response_overhead_p50_ms": _round(percentile(responses, 50)),
        "response_overhead_p95_ms": _round(percentile(responses, 95)),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
