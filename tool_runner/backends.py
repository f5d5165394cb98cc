"""Webhook backends: how one webhook operation becomes one HTTP request, and how the answer becomes a typed outcome.

The three kinds share signing, timeouts and the HTTP status mapping; they differ in URL, auth headers, body
shape and error bodies. `WebhookBackend.call` adds retries (only for retryable outcomes, bounded by the
caller's deadline, honouring Retry-After) and a per-backend circuit breaker.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook

from contracts.base import Contract
from contracts.tools import ToolErrorCode, ToolFailure
from contracts.webhooks import WEBHOOK_RESULT_MODELS, WebhookOperation
from tool_runner.http import AnswerTooLarge, HttpPoster, TransportFailure, UndecodableAnswer
from tool_runner.resilience import CircuitBreaker, Monotonic, backoff_delay, parse_retry_after
from tool_runner.routing import Backend, Route

Clock = Callable[[], dt.datetime]
MIN_USEFUL_ATTEMPT_S = 0.05  # below this much time left, another attempt cannot finish before the deadline


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one call (or one attempt) came to: a validated result, or a typed failure."""

    result: Contract | None = None
    failure: ToolFailure | None = None
    attempts: int = 1
    backend_down: bool = False  # counts against the circuit breaker

    @classmethod
    def failed(cls, code: ToolErrorCode, message: str, *, down: bool = False, **extra: Any) -> Outcome:
        return cls(failure=ToolFailure.of(code, message, **extra), backend_down=down)


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


class WebhookBackend:
    """The generic `http` kind: POST {url}{path} with the operation's arguments as the JSON body."""

    def __init__(
        self,
        name: str,
        config: Backend,
        routes: Mapping[WebhookOperation, Route],
        secrets: Mapping[str, str],
        client: HttpPoster,
        *,
        max_response_bytes: int = 256 * 1024,
        monotonic: Monotonic | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.routes = routes
        self.client = client
        self.max_response_bytes = max_response_bytes
        self._signer = Webhook(secrets[config.signing_secret_env])
        self._secrets = secrets
        self._rng = rng or random.Random()
        self.breaker = CircuitBreaker(config.breaker, monotonic) if monotonic else CircuitBreaker(config.breaker)

    # Conventions of the kind -------------------------------------------------------------------------------
    def url_for(self, operation: WebhookOperation) -> str:
        return self.config.url.rstrip("/") + (self.routes[operation].path or f"/{operation.value}")

    def encode_body(self, arguments: Contract) -> bytes:
        """The request body: the operation's arguments as JSON, serialised once from the validated model."""
        return arguments.model_dump_json().encode()

    def auth_headers(self) -> dict[str, str]:
        return {}

    def kind_failure(self, status: int, body: Any) -> Outcome | None:
        """A failure read from the kind's own error body, before the generic status mapping."""
        return None

    # One attempt -------------------------------------------------------------------------------------------
    def headers_for(self, key: str, body: bytes) -> dict[str, str]:
        now = dt.datetime.now(dt.UTC)
        signature = self._signer.sign(msg_id=key, timestamp=now, data=body.decode())
        return {
            **self.config.headers,
            **self.auth_headers(),
            "content-type": "application/json",
            "accept": "application/json",
            "idempotency-key": key,
            "webhook-id": key,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature,
        }

    async def attempt(self, operation: WebhookOperation, body: bytes, key: str, budget_s: float) -> Outcome:
        total_s = min(self.config.timeouts.total_s, budget_s)
        try:
            async with asyncio.timeout(total_s):
                answer = await self.client.post(
                    self.url_for(operation),
                    body,
                    self.headers_for(key, body),
                    self.config.timeouts,
                    self.max_response_bytes,
                )
        except TimeoutError:
            return Outcome.failed(ToolErrorCode.TIMEOUT, f"no complete answer within {total_s:.2f} s", down=True)
        except AnswerTooLarge:
            return Outcome.failed(ToolErrorCode.BACKEND_ERROR, "the backend's answer is too large")
        except UndecodableAnswer:
            return Outcome.failed(ToolErrorCode.BACKEND_ERROR, "the backend's answer cannot be decoded")
        except TransportFailure as exc:
            code = ToolErrorCode.TIMEOUT if exc.kind == "timeout" else ToolErrorCode.BACKEND_UNAVAILABLE
            return Outcome.failed(code, f"HTTP {exc.detail}", down=True)
        return self.interpret(operation, answer.status, answer.headers, answer.body)

    def interpret(self, operation: WebhookOperation, status: int, headers: Mapping[str, str], raw: bytes) -> Outcome:
        if 200 <= status < 300:
            try:  # parsed and validated in one pass: the success path runs on every call
                return Outcome(result=WEBHOOK_RESULT_MODELS[operation].model_validate_json(raw))
            except ValidationError as exc:
                first = exc.errors(include_input=False, include_url=False)[0]
                if first["type"] == "json_invalid":
                    return Outcome.failed(ToolErrorCode.BACKEND_ERROR, f"HTTP {status} answer is not JSON")
                where = ".".join(str(p) for p in first["loc"]) or "body"
                return Outcome.failed(
                    ToolErrorCode.BACKEND_ERROR, f"HTTP {status} answer fails the result schema at {where}"[:300]
                )
        body = _json_or_none(raw)
        if (specific := self.kind_failure(status, body)) is not None:
            return specific
        return status_failure(status, body, parse_retry_after(headers.get("retry-after")))

    # The whole call ----------------------------------------------------------------------------------------
    async def call(
        self, operation: WebhookOperation, arguments: Contract, key: str, remaining_s: Callable[[], float]
    ) -> Outcome:
        body = self.encode_body(arguments)
        policy = self.config.retry
        outcome: Outcome | None = None
        for attempt in range(1, policy.max_attempts + 1):
            budget = remaining_s()
            if budget <= 0:
                break
            if not self.breaker.allow():
                retry_in = round(self.breaker.retry_in(), 3)
                outcome = Outcome.failed(
                    ToolErrorCode.BACKEND_UNAVAILABLE, "circuit open: backend failing", retry_after_s=retry_in
                )
                break
            outcome = await self.attempt(operation, body, key, budget)
            self._record(outcome, capped=budget < self.config.timeouts.total_s)
            outcome = Outcome(outcome.result, outcome.failure, attempt, outcome.backend_down)
            if outcome.failure is None or not outcome.failure.retryable or attempt == policy.max_attempts:
                break
            delay = max(backoff_delay(policy, attempt, self._rng), outcome.failure.retry_after_s or 0.0)
            if remaining_s() - delay < MIN_USEFUL_ATTEMPT_S:
                break
            await asyncio.sleep(delay)
        if outcome is None:  # built only when needed: the success path runs on every call
            return Outcome.failed(ToolErrorCode.DEADLINE_EXCEEDED, "no time left to call the backend")
        return outcome

    def _record(self, outcome: Outcome, *, capped: bool) -> None:
        if outcome.backend_down and capped and outcome.failure and outcome.failure.code is ToolErrorCode.TIMEOUT:
            self.breaker.record_neutral()  # cut short by the caller's deadline: says nothing about the backend
        elif outcome.backend_down:
            self.breaker.record_failure()
        else:
            self.breaker.record_success()


def status_failure(status: int, body: Any, retry_after: float | None) -> Outcome:
    """The generic HTTP status -> typed failure mapping every kind falls back on."""
    extra: dict[str, Any] = {"retry_after_s": retry_after} if retry_after is not None else {}
    field = body.get("field") if isinstance(body, dict) and isinstance(body.get("field"), str) else None
    if status == 409:
        return Outcome.failed(ToolErrorCode.SLOT_UNAVAILABLE, "HTTP 409: the slot is taken")
    if status == 404:
        return Outcome.failed(ToolErrorCode.NOT_FOUND, "HTTP 404: no such appointment")
    if status in (400, 422):
        return Outcome.failed(
            ToolErrorCode.INVALID_ARGUMENTS,
            f"HTTP {status}: the backend refused the arguments",
            field=field[:200] if field else None,
        )
    if status == 408:
        return Outcome.failed(ToolErrorCode.TIMEOUT, "HTTP 408", down=True, **extra)
    if status == 429:
        return Outcome.failed(ToolErrorCode.RATE_LIMITED, "HTTP 429: rate limited", **extra)
    if status >= 500:
        return Outcome.failed(ToolErrorCode.BACKEND_UNAVAILABLE, f"HTTP {status}", down=True, **extra)
    if status in (401, 403):
        return Outcome.failed(ToolErrorCode.BACKEND_ERROR, f"HTTP {status}: the backend refused our credentials")
    return Outcome.failed(ToolErrorCode.BACKEND_ERROR, f"HTTP {status}: unexpected answer")


# PostgREST error codes (SQLSTATE or PGRST...) -> our codes. PTxxx is PostgREST's "raise with HTTP status xxx".
_POSTGREST_CODES: dict[str, ToolErrorCode] = {
    "23505": ToolErrorCode.SLOT_UNAVAILABLE,  # unique_violation: someone else has the slot
    "PT409": ToolErrorCode.SLOT_UNAVAILABLE,
    "P0002": ToolErrorCode.NOT_FOUND,  # no_data_found
    "PT404": ToolErrorCode.NOT_FOUND,
    "22023": ToolErrorCode.INVALID_ARGUMENTS,  # invalid_parameter_value
    "22007": ToolErrorCode.INVALID_ARGUMENTS,  # invalid_datetime_format
    "22008": ToolErrorCode.INVALID_ARGUMENTS,  # datetime_field_overflow
    "22P02": ToolErrorCode.INVALID_ARGUMENTS,  # invalid_text_representation
    "PT422": ToolErrorCode.INVALID_ARGUMENTS,
    "PGRST202": ToolErrorCode.BACKEND_ERROR,  # function not found: the routing names a missing RPC
    "42883": ToolErrorCode.BACKEND_ERROR,  # undefined_function
    "PGRST301": ToolErrorCode.BACKEND_ERROR,  # JWT invalid
    "PGRST302": ToolErrorCode.BACKEND_ERROR,  # anonymous access refused
    "57014": ToolErrorCode.TIMEOUT,  # query_canceled (statement_timeout)
    "40001": ToolErrorCode.BACKEND_UNAVAILABLE,  # serialization_failure: try again
    "40P01": ToolErrorCode.BACKEND_UNAVAILABLE,  # deadlock_detected: try again
}


class SupabaseBackend(WebhookBackend):
    """PostgREST RPC: POST {url}/rest/v1/rpc/{function}, named arguments p_<field>, apikey + Bearer."""

    ARG_PREFIX = "p_"

    def url_for(self, operation: WebhookOperation) -> str:
        return f"{self.config.url.rstrip('/')}/rest/v1/rpc/{self.routes[operation].path or operation.value}"

    def encode_body(self, arguments: Contract) -> bytes:
        named = {f"{self.ARG_PREFIX}{name}": value for name, value in arguments.model_dump(mode="json").items()}
        named.pop(f"{self.ARG_PREFIX}tool", None)
        return json.dumps(named, ensure_ascii=False, separators=(",", ":")).encode()

    def auth_headers(self) -> dict[str, str]:
        assert self.config.api_key_env is not None  # checked by the routing model
        key = self._secrets[self.config.api_key_env]
        return {"apikey": key, "authorization": f"Bearer {key}"}

    def kind_failure(self, status: int, body: Any) -> Outcome | None:
        if not isinstance(body, dict) or not isinstance(body.get("code"), str):
            return None
        code = _POSTGREST_CODES.get(body["code"])
        if code is None:
            return None
        hint = body.get("hint")
        field = hint.removeprefix(self.ARG_PREFIX)[:200] if isinstance(hint, str) and hint.startswith("p_") else None
        down = code in (ToolErrorCode.TIMEOUT, ToolErrorCode.BACKEND_UNAVAILABLE)
        return Outcome.failed(code, f"PostgREST {body['code']} (HTTP {status})", down=down, field=field)


class N8nBackend(WebhookBackend):
    """n8n Webhook node with Header Auth; the answer and its status come from a "Respond to Webhook" node."""

    def auth_headers(self) -> dict[str, str]:
        assert self.config.auth_header is not None and self.config.auth_secret_env is not None
        return {self.config.auth_header: self._secrets[self.config.auth_secret_env]}

    def kind_failure(self, status: int, body: Any) -> Outcome | None:
        message = body.get("message") if isinstance(body, dict) else None
        # n8n's own 404 for an unknown or inactive workflow is a misconfiguration, not a missing appointment.
        if status == 404 and isinstance(message, str) and "not registered" in message:
            return Outcome.failed(ToolErrorCode.BACKEND_ERROR, "n8n: webhook not registered (workflow inactive?)")
        if status in (401, 403):
            return Outcome.failed(ToolErrorCode.BACKEND_ERROR, f"n8n: header auth refused (HTTP {status})")
        return None


KINDS: dict[str, type[WebhookBackend]] = {"http": WebhookBackend, "supabase": SupabaseBackend, "n8n": N8nBackend}
