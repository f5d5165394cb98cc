"""The clinic file: everything that makes Camille one clinic's receptionist rather than another's."""

from __future__ import annotations

import datetime as dt
import re
import string
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from contracts.base import Contract, Identifier
from contracts.french import french_date, french_time
from contracts.phi import DEFAULT_REGION
from contracts.tools import BookingRules, SmsConfirmation

Name = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
Sentence = Annotated[str, StringConstraints(min_length=1, max_length=400)]
Interval = Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


# What a caller must be told to dial, by the clinic's country (ISO 3166 code of `phone_region`). Extend it to serve a
# new country: a clinic whose region is not here is refused, because its emergency phrase cannot be checked.
EMERGENCY_NUMBERS: dict[str, frozenset[str]] = {
    "FR": frozenset({"15", "112"}),
    "CH": frozenset({"144", "112"}),
    "BE": frozenset({"112"}),
    "LU": frozenset({"112"}),
    "MC": frozenset({"112", "15"}),
    "CA": frozenset({"911"}),
}
# The IANA time zones a clinic of each country may keep its diary in.
REGION_ZONES: dict[str, frozenset[str]] = {
    "FR": frozenset({"Europe/Paris"}),
    "CH": frozenset({"Europe/Zurich"}),
    "BE": frozenset({"Europe/Brussels"}),
    "LU": frozenset({"Europe/Luxembourg"}),
    "MC": frozenset({"Europe/Monaco", "Europe/Paris"}),
    "CA": frozenset(
        {
            "America/Toronto",
            "America/Montreal",
            "America/Moncton",
            "America/Halifax",
            "America/Winnipeg",
            "America/Edmonton",
            "America/Vancouver",
            "America/Regina",
            "America/St_Johns",
        }
    ),
}
_DIGIT_RUN = re.compile(r"\d+")


class PhraseKey(StrEnum):
    """Fixed phrases: spoken word for word from pre-rendered audio, never paraphrased by the model."""

    GREETING = "greeting"
    EMERGENCY = "emergency"
    NO_AVAILABILITY = "no_availability"
    TOOL_FAILURE = "tool_failure"
    OFF_SCRIPT = "off_script"
    FILLER = "filler"
    TECHNICAL_FAILURE = "technical_failure"
    NO_MEDICAL_ADVICE = "no_medical_advice"
    NOT_PERMITTED = "not_permitted"


class Practitioner(Contract):
    id: Identifier
    name: Name
    title: Name | None = None


class Location(Contract):
    id: Identifier
    name: Name
    address: Sentence | None = None


class EmergencyPolicy(Contract):
    number: Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{2,15}$")] = "15"
    action: Literal["transfer", "hangup"] = "hangup"
    transfer_to: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None,
        description="SIP URI or tel: number for a cold transfer; required when action is transfer.",
    )

    @model_validator(mode="after")
    def _transfer_has_target(self) -> Self:
        if self.action == "transfer" and not self.transfer_to:
            raise ValueError("emergency.transfer_to is required when emergency.action is 'transfer'")
        return self


SMS_PLACEHOLDERS = frozenset({"clinic", "date", "time", "practitioner", "clinic_phone"})


class SmsTemplates(Contract):
    booking_confirmation: Sentence
    cancellation_confirmation: Sentence

    @field_validator("booking_confirmation", "cancellation_confirmation")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name}
        if unknown := names - SMS_PLACEHOLDERS:
            raise ValueError(f"unknown placeholders {sorted(unknown)}; allowed: {sorted(SMS_PLACEHOLDERS)}")
        return value


class CallLimits(Contract):
    """What one call may do at most; the tool runner refuses the next one with `limit_reached`."""

    sms: int = Field(default=2, ge=0, le=20, description="SMS sent.")
    cancellation_attempts: int = Field(default=3, ge=0, le=20, description="Cancellations tried, found or not.")
    bookings: int = Field(default=2, ge=0, le=20, description="Appointments booked.")
    tool_calls: int = Field(default=30, ge=1, le=200, description="Tool calls of any kind.")


Region = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class ClinicProfile(Contract):
    name: Name
    assistant_name: Name = "Camille"
    practitioner_phrase: Name = Field(description="How the office is named aloud, e.g. 'cabinet du docteur Fillion'.")
    timezone: Annotated[str, StringConstraints(max_length=64)] = "Europe/Paris"
    phone_region: Region = DEFAULT_REGION
    phone: Annotated[str, StringConstraints(max_length=32)]
    practitioners: list[Practitioner] = Field(min_length=1)
    locations: list[Location] = Field(default_factory=list)
    opening_hours: dict[Weekday, list[Interval]]
    slot_minutes: int = Field(default=20, ge=5, le=240)
    booking_horizon_days: int = Field(default=60, ge=1, le=366)
    emergency: EmergencyPolicy = EmergencyPolicy()
    phrases: dict[PhraseKey, Sentence]
    sms_templates: SmsTemplates
    sms_countries: list[Region] | None = Field(
        default=None, min_length=1, description="Countries whose numbers may get an SMS; unset: phone_region only."
    )
    limits: CallLimits = CallLimits()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown IANA time zone") from None
        return value

    @field_validator("opening_hours")
    @classmethod
    def _ordered_intervals(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, intervals in value.items():
            previous_end = dt.time.min
            for interval in intervals:
                start, end = (dt.time.fromisoformat(part) for part in interval.split("-"))
                if not previous_end <= start < end:
                    raise ValueError(f"{day}: intervals must be increasing and not overlap ({interval})")
                previous_end = end
        return value

    @field_validator("phrases")
    @classmethod
    def _every_phrase(cls, value: dict[PhraseKey, str]) -> dict[PhraseKey, str]:
        if missing := set(PhraseKey) - set(value):
            raise ValueError(f"missing phrases: {sorted(missing)}")
        return value

    @model_validator(mode="after")
    def _fits_its_country(self) -> Self:
        if problems := country_problems(self):
            raise PydanticCustomError(
                "clinic_country", "{summary}", {"summary": "; ".join(problems), "problems": problems}
            )
        return self

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def hours(self) -> dict[int, tuple[tuple[dt.time, dt.time], ...]]:
        """Opening hours by ISO weekday (1 = Monday)."""
        parsed: dict[int, tuple[tuple[dt.time, dt.time], ...]] = {}
        for day, intervals in self.opening_hours.items():
            parsed[WEEKDAYS.index(day) + 1] = tuple(
                (dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in (i.split("-") for i in intervals)
            )
        return parsed

    def booking_rules(self, now: dt.datetime) -> BookingRules:
        return BookingRules(
            timezone=self.zone,
            now=now,
            opening_hours=self.hours(),
            phone_region=self.phone_region,
            horizon_days=self.booking_horizon_days,
        )

    def phrase(self, key: PhraseKey) -> str:
        return self.phrases[key]

    def sms_regions(self) -> frozenset[str]:
        return frozenset(self.sms_countries or [self.phone_region])

    def confirmation_text(self, kind: SmsConfirmation, start: dt.datetime, practitioner: str | None) -> str:
        """The clinic's SMS template of this kind, filled in for one appointment (day and time in the clinic's zone,
        in French)."""
        booking = SmsConfirmation(kind) is SmsConfirmation.BOOKING
        template = self.sms_templates.booking_confirmation if booking else self.sms_templates.cancellation_confirmation
        local = start.astimezone(self.zone)
        return template.format(
            clinic=self.name,
            date=french_date(local.date()),
            time=french_time(local.time()),
            practitioner=practitioner or self.practitioners[0].name,
            clinic_phone=self.phone,
        )


def country_problems(clinic: ClinicProfile) -> list[str]:
    """What does not fit the clinic's country: its emergency number, the numbers its emergency phrase tells callers
    to dial, and its time zone."""
    region = clinic.phone_region
    numbers = EMERGENCY_NUMBERS.get(region)
    if numbers is None:
        return [f"phone_region {region}: no emergency numbers known for this country (see EMERGENCY_NUMBERS)"]
    problems = []
    allowed = " or ".join(sorted(numbers, key=int))
    if clinic.emergency.number not in numbers:
        problems.append(
            f"emergency.number {clinic.emergency.number} is not an emergency number in {region} ({allowed})"
        )
    spoken = _DIGIT_RUN.findall(clinic.phrases.get(PhraseKey.EMERGENCY, ""))
    if wrong := [number for number in spoken if number not in numbers]:
        problems.append(
            f"phrases.emergency says to dial {', '.join(wrong)}: not an emergency number in {region} ({allowed})"
        )
    elif clinic.emergency.number not in spoken:
        problems.append(f"phrases.emergency does not give the emergency number {clinic.emergency.number}")
    zones = REGION_ZONES.get(region, frozenset())
    if clinic.timezone not in zones:
        problems.append(
            f"timezone {clinic.timezone} is not a time zone of {region} ({', '.join(sorted(zones)) or 'none known'})"
        )
    return problems
