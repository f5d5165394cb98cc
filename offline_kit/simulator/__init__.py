"""A local OpenAI Realtime protocol server driven by scenario files, and a scripted caller for `AgentSession`s.

    from livekit.agents import AgentSession
    from livekit.plugins import openai
    from offline_kit.simulator import SIMULATOR_API_KEY, RealtimeSimulator, load_scenario, run_scripted_call

    scenario = load_scenario("booking")                      # shipped name, or a path to a YAML file
    async with RealtimeSimulator(scenario, speed=4.0) as sim:
        model = openai.realtime.RealtimeModel(base_url=sim.base_url, api_key=SIMULATOR_API_KEY)
        session = AgentSession(llm=model, aec_warmup_duration=None)
        report = await run_scripted_call(session, agent, scenario, speed=4.0, wav_path=Path("call.wav"))
        await model.aclose()
        sim.connection.function_calls()                      # what the model asked for, with arguments
        sim.connection.function_call_outputs()               # what the tools answered

Use the same `speed` for the server (pace of the model's audio) and the caller (pace of the call clock).
"""

from offline_kit.simulator.call import CallReport, ScriptedCall, ToolRoundTrip, TranscriptEntry, run_scripted_call
from offline_kit.simulator.caller import (
    AgentSegment,
    CallClock,
    CallerUtterance,
    RecordingAudioOutput,
    ScriptedCallerInput,
    render_caller_speech,
    write_call_wav,
)
from offline_kit.simulator.connection import Connection, ResponseRecord, Truncation, item_text
from offline_kit.simulator.scenario import (
    BackendSetup,
    Branch,
    Call,
    Fault,
    FaultAt,
    Say,
    Scenario,
    ScenarioError,
    Turn,
    load_scenario,
    looks_like_error,
    resolve_dates,
    shipped_scenarios,
)
from offline_kit.simulator.server import API_KEY_FORMAT, SIMULATOR_API_KEY, RealtimeSimulator

__all__ = [
    "API_KEY_FORMAT",
    "SIMULATOR_API_KEY",
    "AgentSegment",
    "BackendSetup",
    "Branch",
    "Call",
    "CallClock",
    "CallReport",
    "CallerUtterance",
    "Connection",
    "Fault",
    "FaultAt",
    "RealtimeSimulator",
    "RecordingAudioOutput",
    "ResponseRecord",
    "Say",
    "Scenario",
    "ScenarioError",
    "ScriptedCall",
    "ScriptedCallerInput",
    "ToolRoundTrip",
    "TranscriptEntry",
    "Truncation",
    "Turn",
    "item_text",
    "load_scenario",
    "looks_like_error",
    "render_caller_speech",
    "resolve_dates",
    "run_scripted_call",
    "shipped_scenarios",
    "write_call_wav",
]
