"""Barge-in, reconnection and injected errors, seen through the real AgentSession and OpenAI realtime plugin."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from livekit.agents import AgentSession
from livekit.agents.voice.events import CloseEvent, ErrorEvent
from livekit.plugins import openai

from offline_kit.simulator import (
    SIMULATOR_API_KEY,
    CallReport,
    Fault,
    FaultAt,
    RealtimeSimulator,
    Scenario,
    load_scenario,
    run_scripted_call,
)
from tests.fakes import ScenarioAgent

SPEED = 10.0


async def _call(
    sim: RealtimeSimulator, scenario: str | Scenario, *, api_key: str = SIMULATOR_API_KEY, **kwargs: Any
) -> tuple[CallReport, AgentSession]:
    model = openai.realtime.RealtimeModel(base_url=sim.base_url, api_key=api_key)
    session: AgentSession = AgentSession(llm=model, aec_warmup_duration=None)
    try:
        report = await run_scripted_call(session, ScenarioAgent(), scenario, speed=SPEED, timeout_s=30, **kwargs)
    finally:
        await model.aclose()
    return report, session


async def test_barge_in_cancels_the_greeting_and_truncates_it_where_the_caller_cut_in() -> None:
    """Caller speech 1.2 s into the greeting cancels that response and truncates its item near 1.2 s of audio."""
    async with RealtimeSimulator(load_scenario("interrupt_greeting"), speed=SPEED) as sim:
        report, _ = await _call(sim, "interrupt_greeting")
        connection = sim.connection

    greeting = connection.responses[0]
    assert greeting.status == "cancelled"
    assert [t.item_id for t in connection.truncations] == greeting.output_item_ids
    assert 1200 <= connection.truncations[0].audio_end_ms < 2500
    assert report.interruptions == 1
    assert report.ended_by == "script"
    assert "ouvert seulement le matin" in report.agent_lines()[-2]
    assert connection.unscripted == []


async def test_reconnect_after_a_dropped_socket_replays_the_history() -> None:
    """After the socket drops mid-call the plugin reconnects, replays the conversation, and the call completes."""
    async with RealtimeSimulator(load_scenario("booking"), speed=SPEED) as sim:
        call = asyncio.create_task(_call(sim, "booking"))
        await sim.wait_for(
            lambda: (
                len(sim.connection.messages("assistant")) >= 2 and sim.connection.responses[-1].status != "in_progress"
            ),
            timeout_s=30,
            what="the answer to the first caller turn",
        )
        first = sim.connection
        first_items = [(i["type"], i.get("role")) for i in first.items]
        await sim.drop_connections()
        report, _ = await call

    assert len(sim.connections) >= 2
    replayed = sim.connections[1]
    assert [(i["type"], i.get("role")) for i in replayed.items][: len(first_items)] == first_items
    assert replayed.messages("user")[0] == first.messages("user")[0]
    assert replayed.function_calls()[0]["name"] == "check_availability"
    assert replayed.tool_names == first.tool_names and replayed.instructions == first.instructions
    assert report.ended_by == "script"
    assert [t.name for t in report.tool_calls] == ["check_availability", "book_appointment", "send_sms"]
    assert any(e["recoverable"] for e in report.errors)


@pytest.mark.parametrize(("fault", "code"), [(Fault.INSUFFICIENT_QUOTA, "insufficient_quota")])
async def test_fatal_error_ends_the_call_without_a_close_event(fault: Fault, code: str) -> None:
    """A fatal error (no quota) reaches the session as a non-recoverable error and the scripted call ends on it."""
    async with RealtimeSimulator(load_scenario("booking"), speed=SPEED) as sim:
        sim.fail_next_response(fault)
        report, _ = await _call(sim, "booking")

    assert report.ended_by == "fatal_error"
    assert report.errors[-1]["recoverable"] is False
    assert report.errors[-1]["code"] == code


async def test_bad_api_key_is_a_fatal_invalid_api_key_error() -> None:
    """A malformed key gets the service's invalid_api_key error event, which the session reports as fatal."""
    async with RealtimeSimulator(load_scenario("booking"), speed=SPEED) as sim:
        model = openai.realtime.RealtimeModel(base_url=sim.base_url, api_key="not-a-key")
        session: AgentSession = AgentSession(llm=model, aec_warmup_duration=None)
        errors: list[ErrorEvent] = []
        closes: list[CloseEvent] = []
        session.on("error", errors.append)
        session.on("close", closes.append)
        try:
            await session.start(ScenarioAgent(greet=False))
            await sim.wait_for(lambda: errors, timeout_s=15, what="the session's error event")
            await asyncio.sleep(0.3)
            assert closes == []
        finally:
            await session.aclose()
            await model.aclose()

    assert sim.connection.errors_sent[0]["code"] == "invalid_api_key"
    assert errors[0].error.recoverable is False
    assert getattr(getattr(errors[0].error.error, "body", None), "code", None) == "invalid_api_key"


@pytest.mark.parametrize(("fault", "code"), [(Fault.RATE_LIMITED, "rate_limit_exceeded"), (Fault.SERVER_ERROR, None)])
async def test_recoverable_errors_reach_the_session_and_the_call_goes_on(fault: Fault, code: str | None) -> None:
    """Rate limiting and server errors reach the session as recoverable errors; the call still plays to its end."""
    async with RealtimeSimulator(load_scenario("off_topic"), speed=SPEED) as sim:
        call = asyncio.create_task(_call(sim, "off_topic"))
        await sim.wait_for(lambda: sim.connection.messages("assistant"), timeout_s=30, what="the greeting")
        await sim.inject(fault)
        report, _ = await call

    assert report.ended_by == "script"
    assert [e["recoverable"] for e in report.errors] == [True]
    assert report.errors[0]["code"] == code
    assert sim.connection.errors_sent[0]["type"] == ("server_error" if code is None else "invalid_request_error")


async def test_failed_response_for_rate_limit_is_recoverable() -> None:
    """A scenario fault fails the answer to the last turn with a rate limit: a recoverable error, nothing said."""
    scenario = load_scenario("off_topic").model_copy(update={"faults": [FaultAt(fault=Fault.RATE_LIMITED, turn=1)]})
    async with RealtimeSimulator(scenario, speed=SPEED) as sim:
        report, _ = await _call(sim, scenario, no_answer_s=0.5)
        last = sim.connection.responses[-1]

    assert (last.turn, last.status, last.reason) == (1, "failed", "rate_limited")
    assert [(e["recoverable"], e["code"]) for e in report.errors] == [(True, "rate_limit_exceeded")]
    assert report.ended_by == "script"
    assert "Au revoir" not in report.agent_lines()[-1]


async def test_concurrent_calls_keep_separate_conversations() -> None:
    """Two calls at once on one simulator each get their own connection, conversation and tool calls."""
    async with RealtimeSimulator(load_scenario("booking"), speed=SPEED) as sim:
        reports = await asyncio.gather(_call(sim, "booking"), _call(sim, "booking"))

    assert [r.ended_by for r, _ in reports] == ["script", "script"]
    assert len(sim.connections) == 2
    for connection in sim.connections:
        names = [c["name"] for c in connection.function_calls()]
        assert names == ["check_availability", "book_appointment", "send_sms"]
        assert len(connection.messages("user")) == 3 and connection.unscripted == []
