"""`camille bench voice`: greeting latency and response overhead of the voice agent, measured over scripted calls.

Each call runs the production agent against the local realtime simulator (which answers at once, so what is
measured is Camille's own overhead, not a model's thinking time):
- greeting: caller joins -> first greeting audio frame at the output;
- response overhead: the caller stops speaking (server VAD) -> first agent audio frame at the output.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml

from offline_kit.stats import percentile

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


async def run_bench(calls: int, speed: float) -> dict[str, Any]:
    from contracts.subjects import AUDIT_STREAM, AUDIT_WILDCARD
    from offline_kit.local_call import offline_phrasebook, run_simulated_call
    from offline_kit.simulator import Scenario
    from runtime.bus import EmbeddedNats, connect
    from runtime.clinic import load_clinic
    from runtime.identities import Identity
    from voice_worker.settings import VoiceWorkerSettings

    scenario = Scenario.model_validate(yaml.safe_load(BENCH_SCENARIO))
    greetings: list[float] = []
    responses: list[float] = []
    with tempfile.TemporaryDirectory(prefix="camille-bench-") as tmp, EmbeddedNats(Path(tmp) / "nats") as server:
        settings = VoiceWorkerSettings(data_dir=Path(tmp), phrase_cache_dir=Path(tmp) / "phrases", env="development")
        clinic = load_clinic(settings.clinic_file)
        phrasebook, _ = await offline_phrasebook(settings, clinic)
        sink = await connect(server.endpoint, Identity.AUDIT_SINK, name="camille-bench-stream")
        await sink.jetstream().add_stream(name=AUDIT_STREAM, subjects=[AUDIT_WILDCARD])  # as the audit sink would
        await sink.close()
        nc = await connect(server.endpoint, Identity.VOICE_WORKER, name="camille-bench")
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
