"""The simulator's wire protocol, checked with a raw websocket client against the orders the plugin relies on."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from offline_kit.simulator import SIMULATOR_API_KEY, RealtimeSimulator, Scenario
from offline_kit.speech import SAMPLE_RATE, silence, synthesize

WS_TIMEOUT = aiohttp.ClientWSTimeout(ws_close=10)
TODAY = dt.date(2031, 3, 4)  # a Tuesday
SCENARIO = Scenario.model_validate(
    {
        "name": "protocol",
        "greeting": [{"say": "Bonjour, cabinet du docteur Fillion."}],
        "turns": [
            {
                "caller": "Je voudrais un rendez-vous demain.",
                "model": [
                    {
                        "call": "check_availability",
                        "arguments": {"date": "{tomorrow}", "time": "09:00"},
                        "branches": [{"if_error": True, "then": [{"say": "Désolée, une erreur est survenue."}]}],
                    },
                    {"say": "J'ai un créneau demain à neuf heures."},
                ],
            }
        ],
    }
)
LONG = Scenario.model_validate(
    {
        "name": "protocol_long",
        "greeting": [{"say": "Bonjour, vous êtes bien au cabinet du docteur Fillion, que puis-je faire pour vous ?"}],
        "turns": [{"caller": "Bonjour."}],
    }
)


class RawClient:
    """A bare realtime client: sends JSON events and reads server events in order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.received: list[dict[str, Any]] = []

    async def send(self, type_: str, **fields: Any) -> None:
        await self.ws.send_str(json.dumps({"type": type_, **fields}))

    async def until(self, type_: str, *, timeout_s: float = 10.0) -> list[dict[str, Any]]:
        """Every event up to and including the first of `type_`."""
        events: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout_s):
            while True:
                message = await self.ws.receive()
                assert message.type == aiohttp.WSMsgType.TEXT, f"socket ended: {message.type}"
                event = json.loads(message.data)
                events.append(event)
                self.received.append(event)
                if event["type"] == type_:
                    return events


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _connect(http: aiohttp.ClientSession, sim: RealtimeSimulator, key: str = SIMULATOR_API_KEY) -> RawClient:
    async with asyncio.timeout(10):
        ws = await http.ws_connect(
            f"{sim.base_url}/realtime?model=gpt-realtime",
            headers={"Authorization": f"Bearer {key}"},
            timeout=WS_TIMEOUT,
        )
    client = RawClient(ws)
    await client.until("session.created")
    return client


def _types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


def _collapse(types: list[str]) -> list[str]:
    """Event types with runs of audio/transcript deltas folded into one marker."""
    out: list[str] = []
    for type_ in types:
        kind = "deltas" if type_.endswith(".delta") else type_
        if not out or out[-1] != kind or kind != "deltas":
            out.append(kind)
    return out


async def test_missing_authorization_is_refused_with_http_401(http: aiohttp.ClientSession) -> None:
    """A handshake without a bearer token is refused with HTTP 401, as the service does."""
    async with RealtimeSimulator(SCENARIO) as sim:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            async with asyncio.timeout(10):
                await http.ws_connect(f"{sim.base_url}/realtime?model=gpt-realtime", timeout=WS_TIMEOUT)
    assert refused.value.status == 401


async def test_malformed_key_gets_invalid_api_key_then_the_socket_closes(http: aiohttp.ClientSession) -> None:
    """A key of the wrong format gets an invalid_api_key error event, then the server closes the socket."""
    async with RealtimeSimulator(SCENARIO) as sim:
        client = await _connect(http, sim, key="secret")
        error = (await client.until("error"))[-1]
        closing = await client.ws.receive(timeout=5)
    assert error["error"]["code"] == "invalid_api_key"
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)


async def test_session_update_merges_and_a_missing_type_is_an_error_naming_the_event(
    http: aiohttp.ClientSession,
) -> None:
    """session.update answers session.updated with the merged session; one without session.type gets an error."""
    async with RealtimeSimulator(SCENARIO) as sim:
        client = await _connect(http, sim)
        await client.send("session.update", session={"type": "realtime", "instructions": "Sois brève."})
        updated = (await client.until("session.updated"))[-1]
        await client.send("session.update", event_id="evt_bad", session={"instructions": "x"})
        error = (await client.until("error"))[-1]
        connection = sim.connection
    assert updated["session"]["instructions"] == "Sois brève."
    assert updated["session"]["audio"]["input"]["turn_detection"]["type"] == "server_vad"
    assert error["error"]["event_id"] == "evt_bad"
    assert connection.instructions == "Sois brève." and len(connection.session_updates) == 1


async def test_item_create_answers_added_in_place_and_rejects_duplicates_and_unknown_anchors(
    http: aiohttp.ClientSession,
) -> None:
    """Each conversation.item.create gets conversation.item.added at its place; bad ones get errors, nothing else."""
    async with RealtimeSimulator(SCENARIO) as sim:
        client = await _connect(http, sim)
        first = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "A"}],
        }
        second = {"id": "msg_2", "type": "message", "role": "user", "content": [{"type": "input_text", "text": "B"}]}
        await client.send("conversation.item.create", item=first, previous_item_id=None)
        added = (await client.until("conversation.item.added"))[-1]
        await client.send("conversation.item.create", item=second, previous_item_id="root")
        root = (await client.until("conversation.item.added"))[-1]
        await client.send("conversation.item.create", event_id="evt_dup", item=first)
        duplicate = (await client.until("error"))[-1]
        third = {**second, "id": "msg_3"}
        await client.send("conversation.item.create", event_id="evt_anchor", item=third, previous_item_id="nope")
        unknown = (await client.until("error"))[-1]
        await client.send("conversation.item.delete", item_id="msg_1")
        deleted = (await client.until("conversation.item.deleted"))[-1]
        connection = sim.connection
    assert added["item"]["id"] == "msg_1" and added["previous_item_id"] is None
    assert root["item"]["id"] == "msg_2" and root["previous_item_id"] is None
    assert duplicate["error"]["code"] == "item_create_duplicate_item_id"
    assert duplicate["error"]["event_id"] == "evt_dup"
    assert unknown["error"]["event_id"] == "evt_anchor"
    assert deleted["item_id"] == "msg_1"
    assert [i["id"] for i in connection.items] == ["msg_2"]
    assert connection.messages("user") == ["B"]


async def test_audio_response_follows_the_order_the_plugin_expects(http: aiohttp.ClientSession) -> None:
    """response.create yields created (metadata echoed), item and part announced, deltas, then the done events."""
    async with RealtimeSimulator(SCENARIO, speed=50) as sim:
        client = await _connect(http, sim)
        await client.send("response.create", event_id="r1", response={"metadata": {"client_event_id": "r1"}})
        events = await client.until("response.done")
    assert _collapse(_types(events)) == [
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
        "deltas",
        "response.output_audio.done",
        "response.output_audio_transcript.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.done",
    ]
    assert events[0]["response"]["metadata"] == {"client_event_id": "r1"}
    audio = b"".join(base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta")
    spoken = "".join(e["delta"] for e in events if e["type"] == "response.output_audio_transcript.delta")
    assert audio == await sim.speech("Bonjour, cabinet du docteur Fillion.")
    assert spoken == "Bonjour, cabinet du docteur Fillion."
    assert events[-1]["response"]["status"] == "completed"
    assert events[-1]["response"]["output"][0]["content"][0]["transcript"] == spoken


async def _speak_turn(client: RawClient, text: str) -> None:
    pcm = synthesize(text, voice="fr") + silence(1.0)
    step = SAMPLE_RATE // 10 * 2
    for start in range(0, len(pcm), step):
        await client.send("input_audio_buffer.append", audio=base64.b64encode(pcm[start : start + step]).decode())


async def test_caller_turn_then_function_call_then_output_then_answer(http: aiohttp.ClientSession) -> None:
    """Caller audio yields VAD, commit, user item, response, transcription, a function call with full arguments in
    output_item.done; the function output and response.create then yield the next scripted answer."""
    async with RealtimeSimulator(SCENARIO, speed=50, today=lambda: TODAY) as sim:
        client = await _connect(http, sim)
        transcription = {"model": "gpt-4o-mini-transcribe", "language": "fr"}
        await client.send(
            "session.update", session={"type": "realtime", "audio": {"input": {"transcription": transcription}}}
        )
        await client.until("session.updated")
        await _speak_turn(client, "Je voudrais un rendez-vous demain.")
        turn = await client.until("response.done")
        call = next(e for e in turn if e["type"] == "response.output_item.done")["item"]
        output = {"type": "function_call_output", "call_id": call["call_id"], "output": '{"slots": ["09:00"]}'}
        await client.send("conversation.item.create", item=output)
        await client.until("conversation.item.added")
        await client.send("response.create", response={})
        answer = await client.until("response.done")
        connection = sim.connection
    assert _collapse(_types(turn)) == [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "response.created",
        "deltas",
        "conversation.item.input_audio_transcription.completed",
        "response.output_item.added",
        "conversation.item.added",
        "deltas",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.done",
    ]
    started, stopped = turn[0], turn[1]
    assert started["item_id"] == stopped["item_id"] == turn[2]["item_id"] == turn[3]["item"]["id"]
    assert 0 <= started["audio_start_ms"] < stopped["audio_end_ms"]
    assert turn[6]["type"].startswith("conversation.item.input_audio_transcription")
    completed = next(e for e in turn if e["type"].endswith("transcription.completed"))
    assert completed["transcript"] == "Je voudrais un rendez-vous demain."
    assert call["name"] == "check_availability"
    assert json.loads(call["arguments"]) == {"date": "2031-03-05", "time": "09:00"}
    spoken = "".join(e["delta"] for e in answer if e["type"] == "response.output_audio_transcript.delta")
    assert spoken == "J'ai un créneau demain à neuf heures."
    assert [r.trigger for r in connection.responses] == ["server_vad", "client"]
    assert connection.messages("user") == ["Je voudrais un rendez-vous demain."]


async def test_error_output_takes_the_error_branch(http: aiohttp.ClientSession) -> None:
    """A function output that looks like an error replaces the rest of the turn with the scenario's error branch."""
    async with RealtimeSimulator(SCENARIO, speed=50) as sim:
        client = await _connect(http, sim)
        await _speak_turn(client, "Je voudrais un rendez-vous demain.")
        turn = await client.until("response.done")
        call = next(e for e in turn if e["type"] == "response.output_item.done")["item"]
        output = {"type": "function_call_output", "call_id": call["call_id"], "output": '{"error": "backend_down"}'}
        await client.send("conversation.item.create", item=output)
        await client.send("response.create", response={})
        answer = await client.until("response.done")
    spoken = "".join(e["delta"] for e in answer if e["type"] == "response.output_audio_transcript.delta")
    assert spoken == "Désolée, une erreur est survenue."


async def test_cancel_ends_the_active_response_and_truncate_cuts_its_item(http: aiohttp.ClientSession) -> None:
    """response.cancel during speech ends it as cancelled with an incomplete item; truncation within the audio sent
    is confirmed and beyond it is an error; cancelling with nothing active is the service's 'Cancellation failed'."""
    async with RealtimeSimulator(LONG, speed=1) as sim:
        client = await _connect(http, sim)
        await client.send("response.create", response={})
        await client.until("response.output_audio.delta")
        await client.send("response.create", event_id="evt_second", response={})
        busy = (await client.until("error"))[-1]
        await client.send("response.cancel")
        done = (await client.until("response.done"))[-1]
        item_id = done["response"]["output"][0]["id"]
        await client.send("conversation.item.truncate", item_id=item_id, content_index=0, audio_end_ms=100)
        truncated = (await client.until("conversation.item.truncated"))[-1]
        await client.send("conversation.item.truncate", item_id=item_id, content_index=0, audio_end_ms=60_000)
        too_far = (await client.until("error"))[-1]
        await client.send("response.cancel")
        nothing = (await client.until("error"))[-1]
        connection = sim.connection
    assert busy["error"]["code"] == "conversation_already_has_active_response"
    assert done["response"]["status"] == "cancelled"
    assert done["response"]["status_details"] == {"type": "cancelled", "reason": "client_cancelled"}
    assert done["response"]["output"][0]["status"] == "incomplete"
    assert truncated["audio_end_ms"] == 100
    assert too_far["error"]["code"] == "invalid_value"
    assert nothing["error"]["message"].startswith("Cancellation failed")
    assert [(t.item_id, t.audio_end_ms) for t in connection.truncations] == [(item_id, 100)]
    assert [r.status for r in connection.responses] == ["cancelled"]


async def test_commit_needs_100_ms_of_audio_and_clear_empties_the_buffer(http: aiohttp.ClientSession) -> None:
    """Committing an almost empty buffer is input_audio_buffer_commit_empty, a clear is confirmed, and unknown or
    malformed events get errors while the connection stays up."""
    async with RealtimeSimulator(SCENARIO) as sim:
        client = await _connect(http, sim)
        await client.send("input_audio_buffer.append", audio=base64.b64encode(silence(0.05)).decode())
        await client.send("input_audio_buffer.commit")
        empty = (await client.until("error"))[-1]
        await client.send("input_audio_buffer.clear")
        await client.until("input_audio_buffer.cleared")
        await client.send("no.such.event")
        unknown = (await client.until("error"))[-1]
        await client.send("response.create", event_id="evt_bad", response="now")
        malformed = (await client.until("error"))[-1]
        await client.send("input_audio_buffer.clear")
        await client.until("input_audio_buffer.cleared")
    assert empty["error"]["code"] == "input_audio_buffer_commit_empty"
    assert unknown["error"]["code"] == "invalid_value"
    assert malformed["error"]["event_id"] == "evt_bad"


async def test_dropped_socket_closes_the_connection_from_the_server_side(http: aiohttp.ClientSession) -> None:
    """drop_connections() closes every open socket, which the client sees as a close."""
    async with RealtimeSimulator(SCENARIO) as sim:
        client = await _connect(http, sim)
        await sim.drop_connections()
        message = await client.ws.receive(timeout=5)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)


async def test_a_registered_scenario_plays_on_its_own_connections_and_an_unknown_one_is_refused(
    http: aiohttp.ClientSession,
) -> None:
    """A scenario posted to /v1/scenarios greets on the URL it got back, beside the server's own; an unknown
    scenario id is refused with HTTP 404."""
    async with RealtimeSimulator(SCENARIO, today=lambda: TODAY) as sim:
        async with http.post(f"{sim.base_url}/scenarios", json=LONG.model_dump(mode="json")) as answer:
            registered = (await answer.json())["base_url"]
        async with http.post(f"{sim.base_url}/scenarios", json={"name": 1}) as bad:
            assert bad.status == 400
        async with asyncio.timeout(10):
            ws = await http.ws_connect(
                registered.replace("/v1?", "/v1/realtime?"),
                headers={"Authorization": f"Bearer {SIMULATOR_API_KEY}"},
                timeout=WS_TIMEOUT,
            )
        client = RawClient(ws)
        await client.until("session.created")
        await client.send("response.create")
        transcript = "".join(
            e["delta"]
            for e in await client.until("response.done")
            if e["type"] == "response.output_audio_transcript.delta"
        )
        assert transcript == LONG.greeting[0].say
        assert sim.connection.scenario is not SCENARIO
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            async with asyncio.timeout(10):
                await http.ws_connect(
                    f"{sim.base_url}/realtime?scenario=nope",
                    headers={"Authorization": f"Bearer {SIMULATOR_API_KEY}"},
                    timeout=WS_TIMEOUT,
                )
        assert refused.value.status == 404
