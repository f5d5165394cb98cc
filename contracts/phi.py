"""Personal health information as a type: masked when printed, plain only when serialised on purpose."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Any

import phonenumbers
from pydantic import GetCoreSchemaHandler, ValidationInfo
from pydantic_core import PydanticCustomError, core_schema

MASK = "***"


class PHI:
    """A string that carries PHI. `str()` and `repr()` mask it; `reveal()` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return f"PHI('{MASK}')"

    def __format__(self, format_spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PHI) and hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("PHI", self._value))

    def __len__(self) -> int:
        return len(self._value)


def _reveal(value: PHI) -> str:
    return value.reveal()


def _to_phi(value: Any) -> Any:
    return value.reveal() if isinstance(value, PHI) else value


@dataclass(frozen=True, slots=True)
class PHIText:
    """Annotation for a PHI string field with length limits (validated before it is wrapped)."""

    max_length: int
    min_length: int = 1

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        text = core_schema.str_schema(min_length=self.min_length, max_length=self.max_length, strip_whitespace=True)
        return core_schema.no_info_before_validator_function(
            _to_phi,
            core_schema.no_info_after_validator_function(PHI, text),
            serialization=core_schema.plain_serializer_function_ser_schema(_reveal, when_used="always"),
        )


# Premium-rate, shared-cost and personal numbers cost the clinic or the caller money: never text or call them.
_REJECTED_TYPES = {
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    phonenumbers.PhoneNumberType.UAN,
    phonenumbers.PhoneNumberType.VOICEMAIL,
}
DEFAULT_REGION = "FR"  # the shipped clinic's country; a clinic's own `phone_region` is passed where known


def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """Parse a spoken or typed phone number and return it in E.164, or raise a PydanticCustomError."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise PydanticCustomError("phone_unparsable", "not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise PydanticCustomError("phone_invalid", "not a valid phone number")
    if phonenumbers.number_type(number) in _REJECTED_TYPES:
        raise PydanticCustomError("phone_premium", "premium-rate and shared-cost numbers are not accepted")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_region(e164: str | PHI) -> str | None:
    """The ISO country code of a phone number (E.164), or None when no single country owns it."""
    try:
        number = phonenumbers.parse(e164.reveal() if isinstance(e164, PHI) else e164, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    return region if region and region != "001" else None


def _phone_from(value: Any, info: ValidationInfo) -> PHI:
    raw = _to_phi(value)
    if not isinstance(raw, str) or len(raw) > 32:
        raise PydanticCustomError("phone_unparsable", "not a phone number")
    context = info.context if isinstance(info.context, dict) else {}
    return PHI(normalize_phone(raw, context.get("phone_region", DEFAULT_REGION)))


@dataclass(frozen=True, slots=True)
class PhoneNumberField:
    """Annotation for a phone number: normalised to E.164, rejected when invalid or premium-rate."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(
            _phone_from,
            json_schema_input_schema=core_schema.str_schema(max_length=32),
            serialization=core_schema.plain_serializer_function_ser_schema(_reveal, when_used="always"),
        )

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict[str, Any]:
        return {
            "type": "string",
            "maxLength": 32,
            "description": "Phone number; E.164 once validated (+41791234567). Swiss/French local forms accepted.",
        }


PatientName = Annotated[PHI, PHIText(max_length=120)]
Reason = Annotated[PHI, PHIText(max_length=300)]
SmsText = Annotated[PHI, PHIText(max_length=480)]  # three concatenated GSM segments
# The longest transcript one audit event carries; a longer one is audited in several segments.
TRANSCRIPT_MAX_CHARS = 4000
Transcript = Annotated[PHI, PHIText(max_length=TRANSCRIPT_MAX_CHARS, min_length=0)]
PhoneNumber = Annotated[PHI, PhoneNumberField()]
