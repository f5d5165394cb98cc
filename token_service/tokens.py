"""One call's LiveKit grant: a fresh room, a random caller identity, the agent dispatched, a short validity."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from livekit.api import AccessToken, RoomAgentDispatch, RoomConfiguration, VideoGrants

# The caller publishes their microphone and nothing else; no data messages, no metadata of their own.
CALLER_SOURCES = ["microphone"]
ROOM_EMPTY_TIMEOUT_S = 60  # a room nobody joined (token unused) closes after this
ROOM_DEPARTURE_TIMEOUT_S = 20  # and after the last participant has left


@dataclass(frozen=True)
class CallGrant:
    url: str
    token: str
    room: str


@dataclass(frozen=True)
class TokenIssuer:
    livekit_url: str
    api_key: str
    api_secret: str = field(repr=False)  # stays out of logs and tracebacks
    agent_name: str = "camille"
    ttl: dt.timedelta = dt.timedelta(minutes=5)

    def issue(self) -> CallGrant:
        """A new room and a caller identity, both random: nothing in them says who is calling."""
        room = f"call-{secrets.token_hex(12)}"
        identity = f"caller-{secrets.token_hex(8)}"
        grants = VideoGrants(
            room_join=True,
            room=room,
            can_publish=True,
            can_publish_sources=CALLER_SOURCES,
            can_subscribe=True,
            can_publish_data=False,
            can_update_own_metadata=False,
        )
        config = RoomConfiguration(
            name=room,
            empty_timeout=ROOM_EMPTY_TIMEOUT_S,
            departure_timeout=ROOM_DEPARTURE_TIMEOUT_S,
            agents=[RoomAgentDispatch(agent_name=self.agent_name)],
        )
        token = (
            AccessToken(self.api_key, self.api_secret)
            .with_identity(identity)
            .with_kind("standard")
            .with_grants(grants)
            .with_room_config(config)
            .with_ttl(self.ttl)
            .to_jwt()
        )
        return CallGrant(url=self.livekit_url, token=token, room=room)
