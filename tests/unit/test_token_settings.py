"""Token service settings and rate limiter: development just works, production refuses the dev credentials."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from runtime.settings import ConfigurationError
from token_service.limits import RateLimiter
from token_service.settings import TokenServiceSettings

LIVEKIT_ENV = ("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "CAMILLE_WEB_ORIGINS", "CAMILLE_ENV")
REAL_SECRET = "s3cr3t-of-the-clinic-livekit-server-0123456789"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LIVEKIT_ENV:
        monkeypatch.delenv(name, raising=False)


def test_development_defaults_are_livekit_server_dev() -> None:
    """With nothing set, tokens are for `livekit-server --dev` on this machine, served on port 8780."""
    settings = TokenServiceSettings()
    assert settings.livekit_url == "ws://127.0.0.1:7880"
    assert settings.livekit_api_key.get_secret_value() == "devkey"
    assert settings.livekit_api_secret.get_secret_value() == "secret"
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", 8780)


def test_production_refuses_to_start_without_real_livekit_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """In production the dev URL, key and secret are each refused, all in one message naming the variables."""
    monkeypatch.setenv("CAMILLE_ENV", "production")
    with pytest.raises(ConfigurationError) as refused:
        TokenServiceSettings()
    message = str(refused.value)
    assert "LIVEKIT_URL" in message and "LIVEKIT_API_KEY" in message and "LIVEKIT_API_SECRET" in message
    assert "NATS_URL" not in message and "CAMILLE_CLINIC_FILE" not in message  # this service uses neither


def test_production_refuses_a_short_secret_without_printing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A secret shorter than LiveKit's 32 characters is refused, and the error does not echo it."""
    monkeypatch.setenv("CAMILLE_ENV", "production")
    monkeypatch.setenv("LIVEKIT_URL", "wss://livekit.cabinet.example")
    monkeypatch.setenv("LIVEKIT_API_KEY", "APIclinic")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "tooShortSecret")
    with pytest.raises(ConfigurationError) as refused:
        TokenServiceSettings()
    assert "at least 32" in str(refused.value) and "tooShortSecret" not in str(refused.value)


def test_production_with_real_credentials_starts_and_keeps_the_secret_out_of_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Real credentials and a wss:// URL are accepted; the secret never shows in the settings' text."""
    monkeypatch.setenv("CAMILLE_ENV", "production")
    monkeypatch.setenv("LIVEKIT_URL", "wss://livekit.cabinet.example")
    monkeypatch.setenv("LIVEKIT_API_KEY", "APIclinic")
    monkeypatch.setenv("LIVEKIT_API_SECRET", REAL_SECRET)
    monkeypatch.setenv("CAMILLE_WEB_ORIGINS", "https://www.cabinet.example")
    settings = TokenServiceSettings()
    assert REAL_SECRET not in repr(settings) and REAL_SECRET not in str(settings)


def test_production_refuses_a_plain_ws_url_and_http_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Browsers on an https page cannot open ws://, and an http:// origin is not one to trust with tokens."""
    monkeypatch.setenv("CAMILLE_ENV", "production")
    monkeypatch.setenv("LIVEKIT_URL", "ws://livekit.cabinet.example")
    monkeypatch.setenv("LIVEKIT_API_KEY", "APIclinic")
    monkeypatch.setenv("LIVEKIT_API_SECRET", REAL_SECRET)
    monkeypatch.setenv("CAMILLE_WEB_ORIGINS", "http://www.cabinet.example")
    with pytest.raises(ConfigurationError) as refused:
        TokenServiceSettings()
    assert "wss://" in str(refused.value) and "CAMILLE_WEB_ORIGINS" in str(refused.value)


def test_origins_are_read_comma_separated_and_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    """Origins come as browsers send them: lower case, no default port; a path is refused."""
    monkeypatch.setenv("CAMILLE_WEB_ORIGINS", "https://WWW.Cabinet.example:443, http://localhost:5173")
    assert TokenServiceSettings().web_origins == ("https://www.cabinet.example", "http://localhost:5173")
    monkeypatch.setenv("CAMILLE_WEB_ORIGINS", "https://www.cabinet.example/rendez-vous")
    with pytest.raises(ValidationError):
        TokenServiceSettings()


def test_rate_limiter_refills_at_its_rate() -> None:
    """A bucket of 2 at 6 a minute: two at once, then one every 10 seconds, with the wait reported in seconds."""
    now = [0.0]
    limiter = RateLimiter(per_minute=6, burst=2, clock=lambda: now[0])
    assert [limiter.take("a"), limiter.take("a"), limiter.take("a")] == [None, None, 10]
    now[0] = 4.0
    assert limiter.take("a") == 6
    now[0] = 10.0
    assert limiter.take("a") is None and limiter.take("a") == 10
    assert limiter.take("b") is None  # another address has its own bucket


def test_rate_limiter_memory_stays_bounded() -> None:
    """Past max_keys addresses the limiter forgets refilled buckets, then the oldest, never growing further."""
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=1, clock=lambda: now[0], max_keys=100)
    for address in range(1000):
        limiter.take(f"10.0.{address // 256}.{address % 256}")
    assert len(limiter.buckets) <= 100
    assert limiter.take("10.0.3.231") == 1  # the latest address is still counted
