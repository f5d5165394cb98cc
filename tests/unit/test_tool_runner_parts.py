"""The tool runner's pure parts: backoff, Retry-After, circuit breaker, routing file, secrets and settings."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts.tools import ToolErrorCode, ToolName, ToolRequest
from contracts.webhooks import WebhookOperation
from runtime.settings import ConfigurationError
from scheduling_api.settings import ReferenceSettings
from tests.fakes import ManualClock
from tool_runner.bootstrap import resolve_secrets
from tool_runner.resilience import CircuitBreaker, backoff_delay, parse_retry_after
from tool_runner.routing import BreakerPolicy, RetryPolicy, RoutingFileError, load_routing
from tool_runner.runner import invalid_reply
from tool_runner.settings import SHIPPED_ROUTING_FILE, ToolRunnerSettings


def test_backoff_stays_under_the_exponential_ceiling() -> None:
    """Full-jitter delays never exceed min(max_delay, base * 2^(n-1)) and are never negative."""
    policy = RetryPolicy(max_attempts=5, base_delay_s=0.1, max_delay_s=0.3)
    rng = random.Random(7)
    for attempt, ceiling in [(1, 0.1), (2, 0.2), (3, 0.3), (4, 0.3)]:
        delays = [backoff_delay(policy, attempt, rng) for _ in range(200)]
        assert min(delays) >= 0 and max(delays) <= ceiling


def test_retry_after_reads_seconds_and_http_dates() -> None:
    """Retry-After as seconds or as an HTTP date gives seconds to wait; garbage gives None."""
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now_epoch=1445412480.0) == 30.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_breaker_opens_allows_one_trial_then_closes_or_reopens() -> None:
    """Closed until the threshold, open until reset_after_s, then one trial that closes it or opens it again."""
    clock = ManualClock(100.0)
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=2, reset_after_s=10), clock)
    breaker.record_failure()
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow() and breaker.retry_in() == 10
    clock.now += 10
    assert breaker.allow() and not breaker.allow()  # one trial only
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now += 10
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow()


def test_shipped_routing_points_every_tool_at_the_reference_url() -> None:
    """The shipped tools.yaml routes the five webhook operations to the reference backend at the given URL."""
    routing = load_routing(SHIPPED_ROUTING_FILE, {"CAMILLE_REFERENCE_URL": "http://127.0.0.1:1234"})
    assert set(routing.tools) == set(WebhookOperation)
    assert {routing.backends[r.backend].url for r in routing.tools.values()} == {"http://127.0.0.1:1234"}


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("backends: {}\ntools: {}\n", "no route for operations"),
        ("backends:\n  a: {kind: supabase, url: 'http://x', signing_secret_env: S}\ntools: {}\n", "api_key_env"),
        ("backends:\n  a: {kind: http, url: '${MISSING}', signing_secret_env: S}\ntools: {}\n", "MISSING"),
        ("backends: [\n", "not valid YAML"),
    ],
)
def test_bad_routing_files_are_refused_with_the_reason(tmp_path: Path, text: str, complaint: str) -> None:
    """A routing file with a missing route, a missing key, an unset placeholder or bad YAML is refused clearly."""
    path = tmp_path / "tools.yaml"
    path.write_text(text)
    with pytest.raises(RoutingFileError, match=complaint):
        load_routing(path, {})


def test_missing_secrets_are_listed_by_variable_name() -> None:
    """Every secret the routing file names but the environment lacks is listed in one error."""
    routing = load_routing(SHIPPED_ROUTING_FILE, {"CAMILLE_REFERENCE_URL": "http://x"})
    with pytest.raises(ConfigurationError, match="CAMILLE_WEBHOOK_SECRET"):
        resolve_secrets(routing, {}, {})
    assert resolve_secrets(routing, {"CAMILLE_WEBHOOK_SECRET": "whsec_x"}, {}) == {"CAMILLE_WEBHOOK_SECRET": "whsec_x"}


def test_production_requires_a_real_webhook_secret(tmp_path: Path) -> None:
    """In production both services refuse to start without CAMILLE_WEBHOOK_SECRET (and the API without a DB URL)."""
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text("x")
    with pytest.raises(ConfigurationError, match="CAMILLE_WEBHOOK_SECRET"):
        ToolRunnerSettings(env="production", nats_url="nats://n:4222", clinic_file=clinic)
    with pytest.raises(ConfigurationError, match="CAMILLE_REFERENCE_DB_URL"):
        ReferenceSettings(env="production", clinic_file=clinic, webhook_secret="whsec_x")
    assert not ReferenceSettings(
        env="production", clinic_file=clinic, webhook_secret="whsec_x", reference_db_url="postgresql://db/x"
    ).admin_enabled


def test_invalid_reply_names_the_field_not_the_union_tag() -> None:
    """A rejected argument is named arguments.<field> (without the union's tag) and the value is not echoed."""
    data = json.dumps(
        {
            "message_id": "m1",
            "call_id": "c1",
            "tool_call_id": "t1",
            "idempotency_key": "0" * 64,
            "deadline": "2030-01-01T00:00:00Z",
            "arguments": {
                "tool": "cancel_appointment",
                "date": "2030-01-07",
                "phone": "0899123456",  # premium-rate in France, the default region
                "patient_name": "x",
            },
        }
    ).encode()
    with pytest.raises(ValidationError) as exc:
        ToolRequest.model_validate_json(data)
    reply = invalid_reply(ToolName.CANCEL_APPOINTMENT, data, exc.value)
    assert reply.error is not None and reply.error.code is ToolErrorCode.INVALID_ARGUMENTS
    assert reply.error.field == "arguments.phone" and "0899123456" not in reply.model_dump_json()
    assert (reply.request_id, reply.call_id, reply.tool_call_id) == ("m1", "c1", "t1")
