"""Scenario files: what the caller says and when, and how the simulated model answers each caller turn.

A call is a list of caller turns. Each turn carries the model's behaviour as a list of steps run one response at a
time: `say` speaks a text; `call` calls a function, and once its output comes back the first matching branch's
steps replace the rest of the turn (no branch matches: the turn goes on with the next step).

A branch matches when every condition it states holds:
- `if_output_contains`: the output contains one of these strings (case-insensitive);
- `if_error: true`: the output *looks like an error* (see `looks_like_error`); `if_error: false`: it does not.

Arguments are JSON values; strings may hold date placeholders resolved when the call is made, so scenarios never go
stale: `{today}`, `{tomorrow}`, `{in_days:N}`, `{next_weekday:tuesday}` (the next one strictly after today, in the
scenario's time zone), each rendered as an ISO date YYYY-MM-DD.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SHIPPED_DIR = Path(__file__).parent / "scenarios"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PLACEHOLDER = re.compile(r"\{(today|tomorrow|in_days:(\d{1,3})|next_weekday:([a-z]+))\}")
_ERROR_PREFIXES = ("error", "erreur", "an internal error occurred")


class ScenarioError(ValueError):
    """A scenario file cannot be found or is invalid; the message names the file and the problem."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Say(_Model):
    say: str = Field(min_length=1, description="What the model says (synthesised speech plus its transcript).")


class Branch(_Model):
    if_output_contains: list[str] | None = None
    if_error: bool | None = None
    then: list[Step] = Field(default_factory=list)

    @field_validator("if_output_contains", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    def matches(self, output: str) -> bool:
        if self.if_output_contains is not None and not any(
            needle.lower() in output.lower() for needle in self.if_output_contains
        ):
            return False
        return self.if_error is None or self.if_error == looks_like_error(output)


class Call(_Model):
    call: str = Field(min_length=1, pattern=r"^[a-zA-Z0-9_-]{1,64}$", description="The function name.")
    arguments: dict[str, Any] = Field(default_factory=dict)
    branches: list[Branch] = Field(default_factory=list)

    def branch_for(self, output: str) -> Branch | None:
        return next((branch for branch in self.branches if branch.matches(output)), None)


Step = Say | Call
Branch.model_rebuild()


class Fault(StrEnum):
    """Failures the simulator injects on demand, as the real service reports them."""

    INVALID_API_KEY = "invalid_api_key"
    INSUFFICIENT_QUOTA = "insufficient_quota"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    DROP_SOCKET = "drop_socket"


class FaultAt(_Model):
    """A fault fired once when the model answers caller turn `turn` (0-based), or on every connect when unset.

    At a turn, the answer is replaced: a failed response (quota, rate limit), an error event (server error, bad key)
    or a dropped socket, after which the plugin reconnects and replays what it had confirmed.
    """

    fault: Fault
    turn: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _no_drop_loop(self) -> FaultAt:
        if self.fault is Fault.DROP_SOCKET and self.turn is None:
            raise ValueError("drop_socket on every connect would loop the plugin's reconnection forever: set a turn")
        return self


class BackendSetup(_Model):
    """How the scheduling backend should be staged for this call (the demo applies it; the simulator does not).

    Strings may hold the date placeholders; `resolved(today)` returns them as ISO dates.
    """

    closed_days: list[str] = Field(default_factory=list, description="Days with no free slot.")
    failing_tools: list[str] = Field(default_factory=list, description="Tools whose backend calls fail.")
    appointments: list[dict[str, Any]] = Field(
        default_factory=list, description="Appointments that exist before the call (date, time, patient, phone...)."
    )

    def resolved(self, today: dt.date) -> BackendSetup:
        return BackendSetup.model_validate(resolve_dates(self.model_dump(), today))


class Turn(_Model):
    caller: str = Field(min_length=1, description="What the caller says; also what the server's transcription says.")
    after_agent_ms: int = Field(default=700, ge=0, description="Silence after the agent stops speaking.")
    at_ms: int | None = Field(default=None, ge=0, description="Absolute start, from the start of the call.")
    barge_in_after_ms: int | None = Field(
        default=None, ge=0, description="Speak over the agent once it has been speaking this long."
    )
    wait_for_agent: bool = Field(default=True, description="Wait until the agent has answered the previous turn.")
    model: list[Step] = Field(default_factory=list, description="The model's behaviour for this turn.")

    @model_validator(mode="after")
    def _one_timing(self) -> Turn:
        if self.at_ms is not None and self.barge_in_after_ms is not None:
            raise ValueError("a turn has either at_ms or barge_in_after_ms, not both")
        return self


class Scenario(_Model):
    name: str = Field(pattern=r"^[a-z0-9_-]{1,64}$")
    description: str = ""
    timezone: str = "Europe/Zurich"
    caller_voice: str = "fr"
    agent_voice: str = "fr+f3"
    greeting: list[Step] = Field(
        default_factory=list, description="The model's answer when asked to speak before any caller turn."
    )
    fallback: str = Field(
        default="Pardon, pouvez-vous répéter ?", min_length=1, description="Said when the script has no answer."
    )
    turns: list[Turn] = Field(min_length=1)
    hangup_after_ms: int = Field(default=1500, ge=0, description="Silence after the agent's last answer, then hang up.")
    faults: list[FaultAt] = Field(default_factory=list)
    backend: BackendSetup = Field(default_factory=BackendSetup)
    caller_phone: str | None = Field(
        default=None, max_length=32, description="The caller id a SIP line presents for this call; unset: a web call."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    def today(self, now: dt.datetime | None = None) -> dt.date:
        return (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(self.timezone)).date()

    def spoken_texts(self) -> tuple[set[str], set[str]]:
        """(caller texts, model texts): everything the simulator will have to synthesise."""
        model: set[str] = {self.fallback}
        _collect_says(self.greeting, model)
        for turn in self.turns:
            _collect_says(turn.model, model)
        return {turn.caller for turn in self.turns}, model


def _collect_says(steps: list[Step], into: set[str]) -> None:
    for step in steps:
        if isinstance(step, Say):
            into.add(step.say)
        else:
            for branch in step.branches:
                _collect_says(branch.then, into)


def looks_like_error(output: str) -> bool:
    """A tool output looks like an error when it starts with "error"/"erreur" or LiveKit's "An internal error
    occurred", or is a JSON object with a truthy "error" key or with "ok": false.

    The wire format carries no error flag (a `ToolError`'s text arrives as a plain output), so a scenario that must
    recognise a particular speakable error uses `if_output_contains`.
    """
    text = output.strip()
    if text.lower().startswith(_ERROR_PREFIXES):
        return True
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict) and (bool(value.get("error")) or value.get("ok") is False)


def resolve_dates(value: Any, today: dt.date) -> Any:
    """Replace the date placeholders in every string of a JSON value."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda match: _date_for(match, today).isoformat(), value)
    if isinstance(value, list):
        return [resolve_dates(item, today) for item in value]
    if isinstance(value, dict):
        return {key: resolve_dates(item, today) for key, item in value.items()}
    return value


def _date_for(match: re.Match[str], today: dt.date) -> dt.date:
    token, days, weekday = match.group(1), match.group(2), match.group(3)
    if token == "today":
        return today
    if token == "tomorrow":
        return today + dt.timedelta(days=1)
    if days is not None:
        return today + dt.timedelta(days=int(days))
    if weekday not in WEEKDAYS:
        raise ScenarioError(f"unknown weekday in placeholder: {weekday!r}")
    ahead = (WEEKDAYS.index(weekday) - today.weekday() - 1) % 7 + 1
    return today + dt.timedelta(days=ahead)


def shipped_scenarios() -> list[str]:
    return sorted(path.stem for path in SHIPPED_DIR.glob("*.yaml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by name (e.g. "booking"), or a YAML file by path."""
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = SHIPPED_DIR / f"{name_or_path}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = ", ".join(shipped_scenarios())
        raise ScenarioError(f"no scenario {str(name_or_path)!r} (shipped: {known})") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None
    try:
        return Scenario.model_validate(data)
    except ValueError as exc:
        raise ScenarioError(f"{path}: invalid scenario: {exc}") from None
