"""Every shipped scenario plays to its end through the real AgentSession and OpenAI plugin, with a plain test agent."""

from __future__ import annotations

import pytest
from livekit.agents import AgentSession, ToolError
from livekit.plugins import openai

from offline_kit.simulator import SIMULATOR_API_KEY, CallReport, RealtimeSimulator, load_scenario, run_scripted_call
from offline_kit.simulator.server import Connection
from tests.fakes import ScenarioAgent

SPEED = 10.0


async def _play(name: str, agent: ScenarioAgent) -> tuple[CallReport, Connection]:
    async with RealtimeSimulator(load_scenario(name), speed=SPEED) as sim:
        model = openai.realtime.RealtimeModel(base_url=sim.base_url, api_key=SIMULATOR_API_KEY)
        session: AgentSession = AgentSession(llm=model, aec_warmup_duration=None)
        try:
            report = await run_scripted_call(session, agent, name, speed=SPEED, timeout_s=60)
        finally:
            await model.aclose()
        return report, sim.connection


@pytest.mark.parametrize(
    ("name", "outputs", "tools", "last_agent_words"),
    [
        ("no_availability", {"check_availability": {"slots": []}}, ["check_availability"], "Au revoir"),
        (
            "tool_failure",
            {"check_availability": ToolError("Erreur : le service de rendez-vous est indisponible.")},
            ["check_availability"],
            "Je vous prie de m'excuser",
        ),
        ("cancellation", {}, ["cancel_appointment", "send_sms"], "Je vous en prie"),
        ("off_topic", {}, ["redirect_off_topic"], "Au revoir"),
        ("emergency", {}, ["report_emergency"], "composez le 15"),
    ],
)
async def test_shipped_scenario_plays_to_the_end(
    name: str, outputs: dict[str, object], tools: list[str], last_agent_words: str
) -> None:
    """The scenario's tools run in order, every response was scripted, and the agent's last line is the script's."""
    agent = ScenarioAgent(outputs)
    report, connection = await _play(name, agent)

    assert report.ended_by == "script"
    assert [call[0] for call in agent.calls] == tools
    assert connection.unscripted == []
    assert last_agent_words in report.agent_lines()[-1]
    assert len(connection.messages("user")) == len(load_scenario(name).turns)


async def test_no_availability_branch_answers_from_the_empty_slot_list() -> None:
    """An empty slot list takes the scenario's no-availability branch instead of offering a slot."""
    report, _ = await _play("no_availability", ScenarioAgent({"check_availability": {"slots": []}}))

    assert any("plus aucune disponibilité" in line for line in report.agent_lines())
    assert not any("Voulez-vous que je réserve" in line for line in report.agent_lines())


async def test_tool_failure_branch_never_confirms() -> None:
    """A failing availability check takes the error branch: the agent apologises and never offers the slot."""
    report, _ = await _play(
        "tool_failure", ScenarioAgent({"check_availability": ToolError("Erreur : service indisponible.")})
    )

    assert any("une erreur est survenue" in line for line in report.agent_lines())
    assert not any("J'ai un créneau" in line for line in report.agent_lines())
    assert report.tool_calls[0].is_error
