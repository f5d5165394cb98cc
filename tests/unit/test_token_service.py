"""The token API: tokens verified with the secret, origins and rate limits enforced, every error in JSON."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from livekit.api import TokenVerifier

from token_service.app import create_app
from token_service.limits import RateLimiter
from token_service.origins import OriginPolicy
from token_service.tokens import TokenIssuer

KEY = "APIcamilletest"
SECRET = "a-test-secret-that-is-long-enough-for-hs256"
LISTED = "https://www.cabinet-fillion.example"


def client(*, burst: int = 5, per_minute: float = 6.0, ttl_s: int = 300, origins: tuple[str, ...] = ()) -> TestClient:
    issuer = TokenIssuer(
        livekit_url="wss://livekit.example", api_key=KEY, api_secret=SECRET, ttl=dt.timedelta(seconds=ttl_s)
    )
    return TestClient(create_app(issuer, OriginPolicy(frozenset(origins)), RateLimiter(per_minute, burst)))


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, SECRET, algorithms=["HS256"], issuer=KEY)
    return decoded


def test_token_grants_one_fresh_room_with_camille_dispatched() -> None:
    """The token, verified with the secret, lets a caller join only its own new room, publish the microphone and
    subscribe, and the room's configuration dispatches the camille agent."""
    response = client().post("/api/token")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"url", "token", "room"} and body["url"] == "wss://livekit.example"
    token = claims(body["token"])
    video = token["video"]
    assert video["roomJoin"] is True and video["room"] == body["room"]
    assert video["canPublish"] is True and video["canSubscribe"] is True
    assert video["canPublishSources"] == ["microphone"] and video["canPublishData"] is False
    assert not {"roomCreate", "roomAdmin", "roomList", "roomRecord", "agent"} & set(video)
    assert token["roomConfig"]["name"] == body["room"]
    assert [agent["agentName"] for agent in token["roomConfig"]["agents"]] == ["camille"]
    assert token["kind"] == "standard"
    parsed = TokenVerifier(KEY, SECRET).verify(body["token"])  # LiveKit's own reading agrees
    assert parsed.room_config is not None and parsed.room_config.agents[0].agent_name == "camille"
    assert response.headers["cache-control"] == "no-store"


def test_token_expires_after_the_configured_few_minutes() -> None:
    """The token is valid from now for the configured TTL, and refused once that has passed."""
    raw = client(ttl_s=240).post("/api/token").json()["token"]
    token = claims(raw)
    assert token["exp"] - token["nbf"] in {240, 241}  # both stamps are whole seconds taken a moment apart
    # A negative leeway moves the verifier's clock to one second past the expiry.
    one_second_late = -(token["exp"] - time.time() + 1)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(raw, SECRET, algorithms=["HS256"], issuer=KEY, leeway=one_second_late, options={"verify_nbf": False})


def test_each_call_gets_a_new_random_identity_and_room() -> None:
    """Two requests get different caller identities and rooms, and neither says anything about the caller."""
    api = client()
    first, second = (claims(api.post("/api/token").json()["token"]) for _ in range(2))
    assert first["sub"] != second["sub"] and first["video"]["room"] != second["video"]["room"]
    for token in (first, second):
        assert token["sub"].startswith("caller-") and len(token["sub"]) >= len("caller-") + 16
        assert not {"name", "metadata", "attributes"} & set(token)


def test_a_token_signed_with_another_secret_does_not_verify() -> None:
    """The signature really binds the claims to the secret."""
    token = client().post("/api/token").json()["token"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, SECRET + "x", algorithms=["HS256"], issuer=KEY)


def test_pages_of_other_origins_are_refused_with_json() -> None:
    """A page on an unlisted origin gets 403 and a JSON error, for the request and for its preflight."""
    api = client(origins=(LISTED,))
    response = api.post("/api/token", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.json()["error"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in response.headers
    preflight = api.options("/api/token", headers={"Origin": "https://evil.example"})
    assert preflight.status_code == 403 and preflight.json()["error"] == "origin_not_allowed"


def test_the_services_own_page_and_listed_origins_get_tokens() -> None:
    """Same-origin requests pass without configuration; a listed origin passes and may read the answer (CORS)."""
    api = client(origins=(LISTED,))
    own = api.post("/api/token", headers={"Origin": "http://testserver"})
    assert own.status_code == 200
    listed = api.post("/api/token", headers={"Origin": LISTED})
    assert listed.status_code == 200 and listed.headers["access-control-allow-origin"] == LISTED
    preflight = api.options("/api/token", headers={"Origin": LISTED, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == LISTED


def test_too_many_requests_from_one_address_get_429_with_retry_after() -> None:
    """Past the burst, a client gets 429 with a Retry-After in whole seconds and a JSON error."""
    api = client(burst=2, per_minute=6)
    assert [api.post("/api/token").status_code for _ in range(2)] == [200, 200]
    refused = api.post("/api/token")
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert refused.headers["retry-after"] == "10"  # 6 a minute: the next token in 10 s


def test_errors_are_json() -> None:
    """Unknown paths and wrong methods answer JSON, not HTML."""
    api = client()
    missing = api.get("/no-such-page")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = api.post("/")
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"


def test_the_page_is_french_and_locked_down() -> None:
    """`/` serves the French call page with its script, under a policy that only lets it reach LiveKit and itself."""
    api = client()
    page = api.get("/")
    assert page.status_code == 200 and '<html lang="fr">' in page.text
    assert 'src="camille.js"' in page.text and api.get("/camille.js").status_code == 200
    policy = page.headers["content-security-policy"]
    assert "connect-src 'self' wss://livekit.example https://livekit.example" in policy
    assert "frame-ancestors 'none'" in policy
    assert api.get("/healthz").json() == {"status": "ok"}
