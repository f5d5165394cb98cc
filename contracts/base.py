"""Base model and identifier types every contract uses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

SCHEMA_VERSION = 1


class Contract(BaseModel):
    """Frozen, strict about unknown fields, and never echoes input values in its errors (they may be PHI)."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


def new_message_id() -> str:
    """A fresh message id: 32 lowercase hex characters."""
    return uuid.uuid4().hex


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry a time zone")
    return value.astimezone(UTC)


# Ids travel in NATS subjects and headers, so they are restricted to subject-safe characters.
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
MessageId = Identifier
CallId = Identifier
AwareDatetime = Annotated[datetime, AfterValidator(_aware_utc)]
# Short operational text that must never carry PHI (error messages, reasons, rule names).
SafeText = Annotated[str, StringConstraints(max_length=300)]
