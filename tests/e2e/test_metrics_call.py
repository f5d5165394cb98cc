"""Whole calls through the local stack with one registry for every service, then a scrape of what Prometheus would see.

The calls are real (the production agent against the simulator, tools through NATS and the tool runner, the audit
sink storing the trail); the registry is the one `camille up` serves. Every label value must come from a closed set
named by the contracts, and nothing a caller said or gave (name, phone number, reason, words) may appear.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from nats.aio.client import Client as NATS
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from audit_sink.settings import AuditSinkSettings
from camille.stack import LocalStack, local_stack
from contracts.audit import (
    AuditEvent,
    CallEndReason,
    Channel,
    EmergencySource,
    Guardrail,
)
from contracts.clinic import ClinicProfile, PhraseKey
from contracts.emergency import DetectorLayer, EmergencyCategory
from contracts.tools import ToolErrorCode, ToolName
from offline_kit.demo import staged_backend
from offline_kit.local_call import run_simulated_call
from offline_kit.simulator import Scenario, load_scenario
from offline_kit.speech import render_offline
from runtime.bus import NatsEndpoint, connect
from runtime.clinic import load_clinic
from runtime.identities import Identity
from runtime.metrics import PREFIX, new_registry
from runtime.settings import SHIPPED_CLINIC_FILE
from tool_runner.settings import ToolRunnerSettings
from voice_worker.advice import RULES
from voice_worker.gateway import Unreachable
from voice_worker.metrics import VoiceMetrics
from voice_worker.phrases import OFFLINE_VOICE, Phrasebook, load_phrasebook, render_phrasebook
from voice_worker.settings import VoiceWorkerSettings

SPEED = 8.0
SHIPPED = ("booking", "emergency", "tool_failure", "off_topic", "no_availability", "cancellation")
ADVICE = """
name: advice
turns:
  - caller: "Je m'appelle Odile Vernier, j'ai une sinusite depuis lundi, rappelez-moi au 0612345678."
    model:
      - say: "Prenez deux comprimés de Doliprane et reposez-vous bien."
  - caller: "Merci, au revoir."
    model:
      - say: "Au revoir."
"""
PHONE_LIKE = re.compile(r"\d{6,}")
PHI_ARGUMENTS = ("patient_name", "phone", "reason", "to", "text")


def _payload_kinds() -> set[str]:
    """Every audit payload kind (the discriminator of the envelope's payload union)."""
    schema = AuditEvent.model_json_schema()
    return {definition["properties"]["kind"]["const"] for definition in schema["$defs"].values()
            if "kind" in definition.get("properties", {}) and "const" in definition["properties"]["kind"]}  # fmt: skip


def closed_sets() -> dict[str, set[str]]:
    """What each label may hold, from the contracts (not from the code under test)."""
    return {
        "tool": {tool.value for tool in ToolName},
        "code": {code.value for code in ToolErrorCode}
        | {reason.value for reason in Unreachable}
        | {"not_permitted", "limit_reached"},
        "reason": {reason.value for reason in CallEndReason} | {"not_permitted", "limit_reached"},
        "channel": {channel.value for channel in Channel},
        "kind": _payload_kinds(),
        "category": {category.value for category in EmergencyCategory},
        "source": {source.value for source in EmergencySource},
        "layer": {layer.value for layer in DetectorLayer},
        "guardrail": {guardrail.value for guardrail in Guardrail},
        "rule": {rule.name for rule in RULES} | {key.value for key in PhraseKey} | {"model", "other"},
    }


def caller_words(scenarios: list[Scenario]) -> set[str]:
    """Words of five letters or more that callers said, or that the model passed as PHI tool arguments."""
    texts = []
    for scenario in scenarios:
        data = scenario.model_dump(mode="json")
        texts += [turn["caller"] for turn in data["turns"]]
        for step in (step for turn in data["turns"] for step in turn["model"]):
            arguments = step.get("arguments") or {}
            texts += [str(arguments[key]) for key in PHI_ARGUMENTS if key in arguments]
    return {word.lower() for text in texts for word in re.findall(r"[^\W\d_]{5,}", text)}


@dataclass
class Run:
    registry: CollectorRegistry
    scenarios: list[Scenario]
    stack: LocalStack


async def _calls(stack: LocalStack, nc: NATS, tmp: Path, registry: CollectorRegistry) -> list[Scenario]:
    clinic: ClinicProfile = load_clinic(SHIPPED_CLINIC_FILE)
    await render_phrasebook(clinic, tmp / "phrases", OFFLINE_VOICE, render_offline)
    phrasebook: Phrasebook = load_phrasebook(clinic, tmp / "phrases", [OFFLINE_VOICE])
    settings = VoiceWorkerSettings(data_dir=tmp, phrase_cache_dir=tmp / "phrases", audit_flush_timeout_s=5.0)
    metrics = VoiceMetrics(registry)
    scenarios = [load_scenario(name) for name in SHIPPED] + [Scenario.model_validate(yaml.safe_load(ADVICE))]
    for scenario in scenarios:
        async with staged_backend(scenario.backend, stack.reference_url, nc, scenario.today()):
            await run_simulated_call(
                settings, clinic, phrasebook, scenario, nc=nc, speed=SPEED, timeout_s=60, metrics=metrics
            )
    return scenarios


@pytest.fixture(scope="module")
async def run(tmp_path_factory: pytest.TempPathFactory, nats: NatsEndpoint) -> AsyncIterator[Run]:
    """Seven calls through one local stack whose services all count into one registry."""
    tmp = tmp_path_factory.mktemp("metrics-e2e")
    registry = new_registry()
    tools = ToolRunnerSettings(data_dir=tmp)
    async with local_stack(nats, tools, AuditSinkSettings(data_dir=tmp), registry=registry) as stack:
        nc = await connect(nats, Identity.VOICE_WORKER, name="metrics-e2e")
        try:
            scenarios = await _calls(stack, nc, tmp, registry)
            yield Run(registry, scenarios, stack)
        finally:
            with contextlib.suppress(Exception):
                await nc.close()


def scrape(registry: CollectorRegistry) -> tuple[str, list[Any]]:
    text = generate_latest(registry).decode()
    return text, list(text_string_to_metric_families(text))


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


async def test_every_label_value_comes_from_a_closed_set(run: Run) -> None:
    """After real calls, every label of every series holds a contract value (or a bucket bound), never PHI."""
    text, families = scrape(run.registry)
    allowed = closed_sets()
    words = caller_words(run.scenarios)
    assert {"dupont", "odile", "vernier", "sinusite"} <= words  # the canaries are in play
    seen: set[str] = set()
    for family in families:
        for sample in family.samples:
            for name, label in sample.labels.items():
                seen.add(name)
                if name == "le":
                    assert label == "+Inf" or float(label) > 0, (sample.name, label)
                    continue
                assert label in allowed.get(name, set()), (sample.name, name, label)
                assert not PHONE_LIKE.search(label)
                assert not any(word in label.lower() for word in words), (sample.name, label)
    assert {"tool", "code", "reason", "channel", "kind", "category", "source", "guardrail", "rule"} <= seen
    for canary in ("Dupont", "Vernier", "791234567", "612345678", "contrôle", "sinusite"):
        assert canary not in text


async def test_every_metric_name_starts_with_camille(run: Run) -> None:
    """Every family a scrape of the whole stack shows is named camille_*."""
    _, families = scrape(run.registry)
    assert families and all(family.name.startswith(PREFIX) for family in families)


async def test_the_calls_are_counted(run: Run) -> None:
    """Calls, latencies, tools, emergencies and guardrails moved as the calls did; audit published = stored."""
    registry = run.registry
    assert value(registry, "camille_calls_started_total", channel="simulator") == len(run.scenarios)
    assert value(registry, "camille_calls_active") == 0
    assert value(registry, "camille_calls_ended_total", reason="emergency_hangup") == 1
    assert value(registry, "camille_calls_ended_total", reason="caller_hung_up") == len(run.scenarios) - 1
    assert value(registry, "camille_greeting_latency_seconds_count") == len(run.scenarios)
    assert value(registry, "camille_response_latency_seconds_count") >= len(run.scenarios)
    assert value(registry, "camille_tool_round_trip_seconds_count", tool="book_appointment") >= 1
    assert value(registry, "camille_tool_runner_duration_seconds_count", tool="book_appointment") >= 1
    failed = value(
        registry, "camille_tool_round_trip_errors_total", tool="check_availability", code="backend_unavailable"
    )
    assert failed >= 1 and failed == value(
        registry, "camille_tool_runner_errors_total", tool="check_availability", code="backend_unavailable"
    )
    emergencies = sum(value(registry, "camille_emergencies_total", category=c.value, source=s.value)
                      for c in EmergencyCategory for s in EmergencySource)  # fmt: skip
    assert emergencies == 1
    assert value(registry, "camille_guardrail_hits_total", guardrail="medical_advice", rule="dose_amount") == 1
    assert value(registry, "camille_guardrail_hits_total", guardrail="off_script", rule="model") == 1
    assert value(registry, "camille_audit_events_dropped_total") == 0
    published = sum(s.value for f in scrape(registry)[1] if f.name == "camille_audit_events_published"
                    for s in f.samples if s.name.endswith("_total"))  # fmt: skip
    for _ in range(100):
        if value(registry, "camille_audit_events_stored_total") >= published:
            break
        await asyncio.sleep(0.05)
    assert published > 0 and value(registry, "camille_audit_events_stored_total") == published
