"""Whole calls through the real voice agent: simulator, scripted caller, NATS, tool runner, reference API, audit sink.

Each test runs one scripted call with `offline_kit.local_call.run_local_call` (the production agent and composition)
and asserts what the caller heard (fixed phrases byte for byte), which tools ran and what the audit sink stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from nats.aio.client import Client as NATS

from audit_sink.bootstrap import AuditSinkHandle, audit_sink_running
from audit_sink.settings import AuditSinkSettings
from contracts.alerts import Alert, AlertKind
from contracts.audit import CallEndReason
from contracts.clinic import ClinicProfile, PhraseKey
from contracts.subjects import ALERTS_WILDCARD, AUDIT_STREAM, AUDIT_WILDCARD
from offline_kit.demo import staged_backend
from offline_kit.local_call import LocalCall, run_local_call
from offline_kit.simulator import SIMULATOR_API_KEY, RealtimeSimulator, Scenario, load_scenario, shipped_scenarios
from offline_kit.simulator.caller import AgentSegment
from offline_kit.simulator.scenario import Say
from offline_kit.speech import duration_s, render_offline, synthesize
from runtime.bus import EmbeddedNats, NatsEndpoint, connect
from runtime.clinic import load_clinic
from runtime.identities import Identity
from runtime.settings import SHIPPED_CLINIC_FILE
from scheduling_api.server import reference_backend_running
from tests.nats_sync import delivered, settled
from tool_runner.bootstrap import tool_runner_running
from tool_runner.settings import ToolRunnerSettings
from voice_worker.phrases import OFFLINE_VOICE, Phrasebook, load_phrasebook, render_phrasebook
from voice_worker.settings import VoiceWorkerSettings

SPEED = 8.0
FRAME_BYTES = 480 * 2


@dataclass
class Stack:
    nc: NATS
    nats: NatsEndpoint
    reference_url: str
    sink: AuditSinkHandle
    clinic: ClinicProfile
    phrasebook: Phrasebook
    settings: VoiceWorkerSettings
    tmp: Path
    alerts: NATS  # what an alerting bridge would read, as the alert-reader identity


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory, nats: NatsEndpoint) -> AsyncIterator[Stack]:
    """The reference API, a tool runner and an audit sink on the session's NATS server, and the phrase audio."""
    tmp = tmp_path_factory.mktemp("voice-e2e")
    clinic = load_clinic(SHIPPED_CLINIC_FILE)
    await render_phrasebook(clinic, tmp / "phrases", OFFLINE_VOICE, render_offline)
    settings = VoiceWorkerSettings(
        data_dir=tmp, phrase_cache_dir=tmp / "phrases", audit_flush_timeout_s=5.0, env="development"
    )
    tool_settings = ToolRunnerSettings(data_dir=tmp)
    async with contextlib.AsyncExitStack() as exits:
        reference_url = await exits.enter_async_context(reference_backend_running(tool_settings))
        tool_settings = tool_settings.model_copy(update={"reference_url": reference_url})
        await exits.enter_async_context(tool_runner_running(tool_settings, nats))
        sink = await exits.enter_async_context(audit_sink_running(AuditSinkSettings(data_dir=tmp), nats))
        nc = await connect(nats, Identity.VOICE_WORKER, name="voice-e2e")
        exits.push_async_callback(nc.close)
        phrasebook = load_phrasebook(clinic, tmp / "phrases", [OFFLINE_VOICE])
        alerts = await connect(nats, Identity.ALERT_READER, name="voice-e2e-alerts")
        exits.push_async_callback(alerts.close)
        yield Stack(nc, nats, reference_url, sink, clinic, phrasebook, settings, tmp, alerts)


async def audit_stream_of(server: EmbeddedNats) -> None:
    """The audit stream on a server of the test's own, made as the audit sink makes it (it alone may)."""
    sink = await connect(server.endpoint, Identity.AUDIT_SINK, name="voice-e2e-stream")
    try:
        await sink.jetstream().add_stream(name=AUDIT_STREAM, subjects=[AUDIT_WILDCARD])
    finally:
        await sink.close()


def scenario_of(text: str) -> Scenario:
    return Scenario.model_validate(yaml.safe_load(text))


async def call(
    stack: Stack, scenario: Scenario, *, nc: NATS | None = None, settings: VoiceWorkerSettings | None = None, **kw: Any
) -> tuple[LocalCall, RealtimeSimulator]:
    async with RealtimeSimulator(scenario, speed=SPEED) as sim:
        local = await run_local_call(
            settings or stack.settings,
            stack.clinic,
            stack.phrasebook,
            scenario,
            nc=nc or stack.nc,
            realtime_base_url=sim.base_url,
            realtime_api_key=SIMULATOR_API_KEY,
            speed=SPEED,
            timeout_s=60,
            **kw,
        )
    return local, sim


async def stored_kinds(stack: Stack, local: LocalCall) -> list[str]:
    """The kinds the audit sink stored for this call, once it has caught up with what was published."""
    call_id, expected = local.call.ctx.call_id, local.call.ctx.audit.published
    for _ in range(200):
        records = await asyncio.to_thread(stack.sink.store.records, call_id)
        if len(records) >= expected:
            return [r.kind for r in sorted(records, key=lambda r: r.seq)]
        await asyncio.sleep(0.05)
    raise AssertionError(f"audit sink stored {len(records)} of {expected} events")


def segment_is_phrase(local: LocalCall, index: int, phrasebook: Phrasebook, key: PhraseKey) -> bool:
    """Whether the agent's audio segment `index` is exactly the pre-rendered phrase (plus last-frame padding)."""
    pcm, played = phrasebook[key].pcm, bytes(local.output.segments[index].pcm)
    return played[: len(pcm)] == pcm and len(played) - len(pcm) < FRAME_BYTES


def phrase_heard(local: LocalCall, phrasebook: Phrasebook, key: PhraseKey) -> bool:
    """Whether some segment played exactly this phrase's audio (its start, when the caller cut it off)."""
    pcm = phrasebook[key].pcm
    for index, segment in enumerate(local.output.segments):
        if segment_is_phrase(local, index, phrasebook, key):
            return True
        if segment.interrupted and len(segment.pcm) > FRAME_BYTES and pcm.startswith(bytes(segment.pcm)):
            return True
    return False


def function_calls(sim: RealtimeSimulator) -> list[tuple[str, str]]:
    return [(c["name"], c["arguments"]) for c in sim.connection.function_calls()]


@dataclass(frozen=True)
class Expect:
    """What a shipped scenario must produce."""

    end: CallEndReason = CallEndReason.CALLER_HUNG_UP
    phrases: tuple[PhraseKey, ...] = (PhraseKey.GREETING,)
    tools: tuple[str, ...] = ()
    stored: tuple[str, ...] = ()
    never_said: str | None = None


EXPECTED = {
    "booking": Expect(
        tools=("check_availability", "book_appointment", "send_sms"), stored=("tool_completed", "greeting_played")
    ),
    "cancellation": Expect(tools=("cancel_appointment", "send_sms"), stored=("tool_completed",)),
    "cancellation_caller_id": Expect(tools=("cancel_appointment", "send_sms"), stored=("tool_completed",)),
    "cancel_wrong_name": Expect(tools=("cancel_appointment",), stored=("tool_failed",), never_said="C'est fait"),
    "sms_phishing": Expect(
        phrases=(PhraseKey.GREETING, PhraseKey.NOT_PERMITTED),
        tools=("send_sms",),
        stored=("tool_refused",),
        never_said="C'est envoyé",
    ),
    "sms_limit": Expect(
        phrases=(PhraseKey.GREETING, PhraseKey.NOT_PERMITTED),
        tools=("book_appointment", "send_sms", "send_sms", "send_sms"),
        stored=("tool_completed", "tool_refused"),
        never_said="troisième fois",
    ),
    "tool_failure": Expect(
        phrases=(PhraseKey.GREETING, PhraseKey.TOOL_FAILURE),
        tools=("check_availability",),
        stored=("tool_failed", "guardrail_triggered"),
        never_said="J'ai un créneau",
    ),
    "off_topic": Expect(
        phrases=(PhraseKey.GREETING, PhraseKey.OFF_SCRIPT),
        tools=("redirect_off_topic",),
        stored=("guardrail_triggered",),
    ),
    "no_availability": Expect(
        phrases=(PhraseKey.GREETING, PhraseKey.NO_AVAILABILITY),
        tools=("check_availability",),
        stored=("tool_completed", "guardrail_triggered"),
        never_said="plus aucune disponibilité",
    ),
    "interrupt_greeting": Expect(stored=("greeting_played",)),
    "emergency": Expect(
        end=CallEndReason.EMERGENCY_HANGUP,
        phrases=(PhraseKey.GREETING, PhraseKey.EMERGENCY),
        stored=("emergency_detected",),
    ),
    "medical_advice": Expect(
        phrases=(PhraseKey.GREETING, PhraseKey.NO_MEDICAL_ADVICE),
        tools=("check_availability",),
        stored=("guardrail_triggered", "tool_completed"),
        never_said="paracétamol",
    ),
}


@pytest.mark.parametrize("name", shipped_scenarios())
async def test_every_shipped_scenario(stack: Stack, name: str) -> None:
    """Each shipped scenario ends as expected, fixed phrases play byte for byte, and the audit trail is stored."""
    scenario = load_scenario(name)
    expect = EXPECTED.get(name)
    async with staged_backend(scenario.backend, stack.reference_url, stack.nc, scenario.today()):
        local, sim = await call(stack, scenario)
    played = local.call.ctx.played
    for key in played:
        assert phrase_heard(local, stack.phrasebook, key), key
    if expect is None:  # a scenario added since these expectations were written: the generic checks only
        assert local.end_reason is not None and played[:1] == [PhraseKey.GREETING]
        expect = Expect(end=local.end_reason, phrases=tuple(k for k in played if k is not PhraseKey.FILLER))
    else:
        assert [t["name"] for t in local.tool_calls] == list(expect.tools)
    assert local.end_reason is expect.end
    assert [k for k in played if k is not PhraseKey.FILLER] == list(expect.phrases)
    if expect.never_said:
        assert not any(expect.never_said in m for m in sim.connection.messages("assistant"))
    kinds = await stored_kinds(stack, local)
    assert kinds[0] == "call_started" and kinds[-1] == "call_ended"
    assert set(expect.stored) <= set(kinds)
    if name == "interrupt_greeting":
        assert local.output.segments[0].interrupted and local.call.ctx.metrics.barge_ins >= 1
    if name == "emergency":
        assert local.control.actions == ["hang_up"] and kinds.count("emergency_detected") == 1


EMPTY_DAY = """
name: empty-day
turns:
  - caller: "Je voudrais un rendez-vous samedi prochain."
    model:
      - call: check_availability
        arguments: {date: "{next_weekday:saturday}"}
      - say: "Cette phrase ne doit jamais être dite."
  - caller: "Non merci, au revoir."
    model:
      - say: "Au revoir. Prenez deux comprimés de Doliprane en attendant."
"""


async def test_empty_availability_plays_the_exact_phrase_and_the_model_stays_silent(stack: Stack) -> None:
    """A closed day gets the exact no-availability phrase, unspoken over; advice from the model is cut."""
    local, sim = await call(stack, scenario_of(EMPTY_DAY))
    assert local.call.ctx.played == [PhraseKey.GREETING, PhraseKey.NO_AVAILABILITY, PhraseKey.NO_MEDICAL_ADVICE]
    assert segment_is_phrase(local, 1, stack.phrasebook, PhraseKey.NO_AVAILABILITY)
    assert not any("jamais être dite" in m for m in sim.connection.messages("assistant"))
    await stored_kinds(stack, local)
    records = await asyncio.to_thread(stack.sink.store.records, local.call.ctx.call_id)
    guardrails = [json.loads(r.payload) for r in records if r.kind == "guardrail_triggered"]
    assert [(g["guardrail"], g["rule"]) for g in guardrails] == [
        ("no_availability_phrase", "no_availability"),
        ("medical_advice", "dose_amount"),
    ]


def sentence_segment(local: LocalCall, pcm: bytes) -> AgentSegment:
    """The agent's audio segment that played (the start of) this sentence's audio."""
    return next(s for s in local.output.segments if len(s.pcm) > FRAME_BYTES and pcm.startswith(bytes(s.pcm[:4800])))


async def test_a_dose_in_words_is_cut_within_its_sentence_and_the_fixed_phrase_plays(stack: Stack) -> None:
    """The model starting a dose in words is cut within that sentence: the caller hears its first words only, then
    the exact no-medical-advice phrase; the model keeps only what was heard and is reminded of the rule; the audit
    trail records the rule and the medical-advice alert is published."""
    alerts: list[Alert] = []

    async def on_alert(msg: Any) -> None:
        alerts.append(Alert.model_validate_json(msg.data))

    scenario = load_scenario("medical_advice")
    advice = scenario.turns[0].model[0]
    assert isinstance(advice, Say)
    sub = await stack.alerts.subscribe(ALERTS_WILDCARD, cb=on_alert)
    await settled(stack.alerts)
    async with staged_backend(scenario.backend, stack.reference_url, stack.nc, scenario.today()):
        local, sim = await call(stack, scenario)
    await delivered(sub, stack.alerts, stack.nc)
    await sub.unsubscribe()

    full = synthesize(advice.say, voice=scenario.agent_voice)
    segment = sentence_segment(local, full)
    heard_s, sentence_s = segment.played_s, duration_s(full)
    # the words are spread evenly over the audio: the caller must not have reached « paracétamol »
    words = advice.say.split()
    drug_at_s = sentence_s * next(i for i, w in enumerate(words) if w.startswith("paracétamol")) / len(words)
    assert segment.interrupted and heard_s < drug_at_s < sentence_s, (heard_s, drug_at_s, sentence_s)
    after = local.output.segments[local.output.segments.index(segment) + 1]
    assert local.call.ctx.played == [PhraseKey.GREETING, PhraseKey.NO_MEDICAL_ADVICE]
    assert segment_is_phrase(local, local.output.segments.index(after), stack.phrasebook, PhraseKey.NO_MEDICAL_ADVICE)

    said = sim.connection.messages("assistant")
    assert advice.say not in said and not any("paracétamol" in m for m in said)
    assert sim.connection.truncations or sim.connection.deleted_items
    assert "Rappel du cabinet" in sim.connection.instructions
    assert [t["name"] for t in local.tool_calls] == ["check_availability"]  # the call goes on

    await stored_kinds(stack, local)
    records = await asyncio.to_thread(stack.sink.store.records, local.call.ctx.call_id)
    guardrails = [json.loads(r.payload) for r in records if r.kind == "guardrail_triggered"]
    assert [(g["guardrail"], g["rule"]) for g in guardrails] == [("medical_advice", "dose_amount")]
    assert [(a.kind, a.category) for a in alerts if a.call_id == local.call.ctx.call_id] == [
        (AlertKind.MEDICAL_ADVICE, "dose_amount")
    ]


BOOK_NOW = """
name: book-now
turns:
  - caller: "Je confirme le rendez-vous de mardi à neuf heures pour Jean Dupont, zéro sept neuf, un deux trois."
    model:
      - call: book_appointment
        arguments: {date: "{next_weekday:tuesday}", time: "09:00", patient_name: "Jean Dupont",
                    phone: "+41791234567", reason: "contrôle"}
      - say: "C'est noté, votre rendez-vous est confirmé."
  - caller: "D'accord, au revoir."
    model:
      - say: "Au revoir."
"""


async def test_booking_backend_failure_plays_the_tool_failure_phrase(stack: Stack) -> None:
    """A failing scheduling backend gives the exact tool-failure phrase and never a spoken confirmation."""
    async with httpx.AsyncClient(base_url=stack.reference_url, timeout=5) as admin:
        fault = {"status": 500, "count": -1, "tools": ["book_appointment"]}
        (await admin.post("/admin/faults", json=fault)).raise_for_status()
        try:
            local, sim = await call(stack, scenario_of(BOOK_NOW))
        finally:
            (await admin.delete("/admin/faults")).raise_for_status()
    assert PhraseKey.TOOL_FAILURE in local.call.ctx.played
    index = local.call.ctx.played.index(PhraseKey.TOOL_FAILURE)
    assert segment_is_phrase(local, index, stack.phrasebook, PhraseKey.TOOL_FAILURE)
    assert not any("confirmé" in m for m in sim.connection.messages("assistant"))
    kinds = await stored_kinds(stack, local)
    assert "tool_failed" in kinds and "tool_completed" not in kinds


CHECK_THEN_BOOK = """
name: check-then-book
turns:
  - caller: "Avez-vous de la place mardi prochain à neuf heures ?"
    model:
      - call: check_availability
        arguments: {date: "{next_weekday:tuesday}", time: "09:00"}
      - say: "Oui, mardi à neuf heures est libre."
""" + BOOK_NOW.split("turns:\n", 1)[1]


async def test_nats_stopped_mid_call_fails_fast_and_the_call_goes_on(stack: Stack, tmp_path: Path) -> None:
    """When NATS dies after the first tool, booking fails at once with the fixed phrase and the call still ends."""
    with EmbeddedNats(tmp_path / "nats") as server:
        settings = stack.settings.model_copy(update={"audit_flush_timeout_s": 0.5})
        tool_settings = ToolRunnerSettings(data_dir=tmp_path, reference_url=stack.reference_url)
        runner = tool_runner_running(tool_settings, server.endpoint)
        await runner.__aenter__()
        nc = await connect(server.endpoint, Identity.VOICE_WORKER, name="voice-e2e-doomed")
        try:
            await audit_stream_of(server)

            def kill_after_first_tool(local: LocalCall) -> None:
                local.call.session.on("function_tools_executed", lambda ev: server.kill())

            local, sim = await call(stack, scenario_of(CHECK_THEN_BOOK), nc=nc, settings=settings,
                                    before_start=kill_after_first_tool)  # fmt: skip
        finally:  # the server is gone: closing clients may complain, which is not what this test is about
            with contextlib.suppress(Exception):
                await nc.close()
            with contextlib.suppress(Exception):
                await runner.__aexit__(None, None, None)
    assert local.end_reason is CallEndReason.CALLER_HUNG_UP
    assert [t["name"] for t in local.tool_calls] == ["check_availability", "book_appointment"]
    assert local.call.ctx.played[-1] is PhraseKey.TOOL_FAILURE
    assert not any("confirmé" in m for m in sim.connection.messages("assistant"))
    book_ms = [ms for tool, ms in local.call.ctx.metrics.tool_ms if tool == "book_appointment"]
    assert book_ms and book_ms[0] < stack.settings.tool_deadline_s * 1000


EMERGENCY = """
name: emergency-mid-sentence
hangup_after_ms: 8000  # Camille ends the call; the caller must not hang up first on a busy machine
turns:
  - caller: "Bonjour, je voudrais un rendez-vous."
    model:
      - say: >-
          Bien sûr. Pour quel jour souhaitez-vous venir ?
          Nous avons des créneaux toute la semaine, le matin et l'après-midi.
  - caller: "Attendez, mon mari a une douleur dans la poitrine, il ne respire plus."
    barge_in_after_ms: 800
    model:
      - say: "Je note votre demande, un instant."
"""


async def test_emergency_mid_sentence_interrupts_plays_the_phrase_and_hangs_up(stack: Stack) -> None:
    """An emergency said over Camille cuts her off, plays the exact emergency phrase, alerts and ends the call."""
    alerts: list[Alert] = []

    async def on_alert(msg: Any) -> None:
        alerts.append(Alert.model_validate_json(msg.data))

    sub = await stack.alerts.subscribe(ALERTS_WILDCARD, cb=on_alert)
    await settled(stack.alerts)
    local, _ = await call(stack, scenario_of(EMERGENCY))
    await delivered(sub, stack.alerts, stack.nc)
    await sub.unsubscribe()
    assert local.end_reason is CallEndReason.EMERGENCY_HANGUP
    assert local.control.actions == ["hang_up"]
    assert local.output.segments[1].interrupted
    assert local.call.ctx.played[-1] is PhraseKey.EMERGENCY
    last = len(local.output.segments) - 1
    assert segment_is_phrase(local, last, stack.phrasebook, PhraseKey.EMERGENCY)
    assert [(a.kind, a.category) for a in alerts if a.call_id == local.call.ctx.call_id] == [
        (AlertKind.EMERGENCY, "chest_pain")
    ] or [a.kind for a in alerts if a.call_id == local.call.ctx.call_id] == [AlertKind.EMERGENCY]
    kinds = await stored_kinds(stack, local)
    assert "emergency_detected" in kinds and kinds[-1] == "call_ended"


BARGE_IN_GREETING = """
name: barge-in-greeting
turns:
  - caller: "Bonjour, je voudrais annuler mon rendez-vous."
    barge_in_after_ms: 600
    model:
      - say: "Bien sûr, quel est votre numéro de téléphone ?"
  - caller: "Je rappellerai, au revoir."
    model:
      - say: "Au revoir."
"""


async def test_caller_can_interrupt_the_greeting(stack: Stack) -> None:
    """Caller speech during the greeting cuts it (no warm-up delay), is counted, and the model answers."""
    local, sim = await call(stack, scenario_of(BARGE_IN_GREETING))
    greeting = local.output.segments[0]
    assert greeting.interrupted and greeting.played_s < stack.phrasebook[PhraseKey.GREETING].duration_s
    assert local.call.ctx.metrics.barge_ins >= 1
    assert any("numéro de téléphone" in m for m in sim.connection.messages("assistant"))
    assert "greeting_played" in await stored_kinds(stack, local)


FATAL = """
name: fatal-key
faults:
  - fault: invalid_api_key
    turn: 0
turns:
  - caller: "Bonjour, je voudrais un rendez-vous."
    model:
      - say: "Bien sûr."
"""


async def test_fatal_realtime_error_plays_the_technical_phrase_and_ends(stack: Stack) -> None:
    """A bad API key mid-call ends the call with the technical-failure phrase and the reason audited."""
    local, _ = await call(stack, scenario_of(FATAL))
    assert local.end_reason is CallEndReason.REALTIME_FATAL
    assert local.call.ctx.played[-1] is PhraseKey.TECHNICAL_FAILURE
    assert local.control.actions == ["hang_up"]
    assert (await stored_kinds(stack, local))[-1] == "call_ended"


SLOW_CHECK = """
name: slow-check
turns:
  - caller: "Avez-vous de la place mardi prochain ?"
    model:
      - call: check_availability
        arguments: {date: "{next_weekday:tuesday}"}
      - say: "Oui, j'ai un créneau mardi à neuf heures."
  - caller: "Merci, au revoir."
    model:
      - say: "Au revoir."
"""


async def test_slow_tool_gets_the_filler_then_the_answer(stack: Stack, tmp_path: Path) -> None:
    """A tool slower than the filler delay gets the exact filler phrase once, then the model's answer after it."""
    import datetime as dt

    from contracts.subjects import TOOLS_WILDCARD
    from contracts.tools import CheckAvailabilityResult, Slot, ToolReply, ToolRequest

    async def slow_runner(msg: Any) -> None:
        request = ToolRequest.model_validate_json(msg.data)
        await asyncio.sleep(0.6)
        slot = Slot(start=dt.datetime.now(dt.UTC) + dt.timedelta(days=7), duration_minutes=20)
        await msg.respond(ToolReply.success(request, CheckAvailabilityResult(slots=[slot])).model_dump_json().encode())

    with EmbeddedNats(tmp_path / "nats") as server:
        nc = await connect(server.endpoint, Identity.VOICE_WORKER, name="voice-e2e-slow")
        runner_nc = await connect(server.endpoint, Identity.TOOL_RUNNER, name="voice-e2e-slow-runner")
        try:
            await audit_stream_of(server)
            await runner_nc.subscribe(TOOLS_WILDCARD, queue="tool-runner", cb=slow_runner)
            await settled(runner_nc)
            settings = stack.settings.model_copy(update={"filler_delay_s": 0.1})
            local, sim = await call(stack, scenario_of(SLOW_CHECK), nc=nc, settings=settings)
        finally:
            await nc.close()
            await runner_nc.close()
    assert local.call.ctx.played == [PhraseKey.GREETING, PhraseKey.FILLER]
    assert segment_is_phrase(local, 1, stack.phrasebook, PhraseKey.FILLER)
    assert any("créneau mardi" in m for m in sim.connection.messages("assistant"))
    assert len(local.output.segments) >= 3 and not local.output.segments[1].interrupted


MODEL_EMERGENCY = """
name: model-emergency
hangup_after_ms: 8000  # Camille ends the call; the caller must not hang up first on a busy machine
turns:
  - caller: "C'est pour mon voisin, venez vite, c'est grave."
    model:
      - call: report_emergency
        arguments: {category: unconscious}
      - say: "Cette phrase ne doit jamais être dite."
"""


async def test_model_can_raise_an_emergency_the_detector_missed(stack: Stack) -> None:
    """report_emergency from the model plays the emergency phrase, audits source=model and ends the call."""
    local, sim = await call(stack, scenario_of(MODEL_EMERGENCY))
    assert local.end_reason is CallEndReason.EMERGENCY_HANGUP
    assert local.call.ctx.played == [PhraseKey.GREETING, PhraseKey.EMERGENCY]
    assert not any("jamais être dite" in m for m in sim.connection.messages("assistant"))
    await stored_kinds(stack, local)
    records = await asyncio.to_thread(stack.sink.store.records, local.call.ctx.call_id)
    emergency = [json.loads(r.payload) for r in records if r.kind == "emergency_detected"]
    assert [(e["category"], e["source"], e["action"]) for e in emergency] == [("unconscious", "model", "hangup")]
