"""A whole scripted call: the real AgentSession and the real OpenAI realtime plugin against the local simulator."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
from livekit.agents import Agent, AgentSession, function_tool
from livekit.plugins import openai

from offline_kit.simulator import SIMULATOR_API_KEY, RealtimeSimulator, load_scenario, run_scripted_call
from offline_kit.speech import rms

SPEED = 10.0


class BookingAgent(Agent):
    """A plain test agent: asks the model to greet, and answers the booking tools with fixed JSON."""

    def __init__(self) -> None:
        super().__init__(instructions="Tu es Camille, la réceptionniste du cabinet.")

    async def on_enter(self) -> None:
        self.session.generate_reply()

    @function_tool
    async def check_availability(self, date: str, time: str | None = None) -> str:
        """Find free slots on a day."""
        return json.dumps({"slots": [{"start": f"{date}T09:00:00+01:00", "duration_minutes": 20}]})

    @function_tool
    async def book_appointment(self, date: str, time: str, patient_name: str, phone: str, reason: str) -> str:
        """Book one slot."""
        return json.dumps({"appointment_id": "apt-1", "start": f"{date}T{time}:00+01:00"})

    @function_tool
    async def send_sms(self, confirmation: str) -> str:
        """Send the clinic's confirmation by SMS."""
        return json.dumps({"sms_id": "sms-1", "status": "queued"})


async def test_booking_call_runs_every_tool_and_speaks_every_answer(tmp_path: Path) -> None:
    """The booking scenario runs availability, booking and SMS in order, the agent speaks each answer, and the WAV
    holds both voices."""
    async with RealtimeSimulator(load_scenario("booking"), speed=SPEED) as sim:
        model = openai.realtime.RealtimeModel(base_url=sim.base_url, api_key=SIMULATOR_API_KEY)
        session: AgentSession = AgentSession(llm=model, aec_warmup_duration=None)
        wav = tmp_path / "call.wav"
        try:
            report = await run_scripted_call(
                session, BookingAgent(), "booking", speed=SPEED, wav_path=wav, timeout_s=60
            )
        finally:
            await model.aclose()
        connection = sim.connection

    assert report.ended_by == "script"
    assert [t.name for t in report.tool_calls] == ["check_availability", "book_appointment", "send_sms"]
    assert all(t.round_trip_s is not None and not t.is_error for t in report.tool_calls)
    assert report.agent_lines()[0].startswith("Bonjour, cabinet du docteur Fillion")
    assert "Vous allez recevoir un SMS de confirmation" in report.agent_lines()[-2]
    assert report.greeting_latency_s is not None
    assert len(report.turn_latencies_s) == 3 and None not in report.turn_latencies_s
    assert connection.unscripted == []
    assert [json.loads(o["output"]).get("status") for o in connection.function_call_outputs()][-1] == "queued"
    assert connection.messages("user")[0].startswith("Bonjour, je voudrais prendre rendez-vous")
    assert {"check_availability", "book_appointment", "send_sms"} <= set(connection.tool_names)
    with wave.open(str(wav)) as audio:
        assert (audio.getnchannels(), audio.getframerate()) == (2, 24_000)
        frames = audio.readframes(audio.getnframes())
    channels = np.frombuffer(frames, dtype="<i2").reshape(-1, 2)
    assert len(channels) / 24_000 > 20
    assert rms(channels[:, 0].tobytes()) > 100 and rms(channels[:, 1].tobytes()) > 100
