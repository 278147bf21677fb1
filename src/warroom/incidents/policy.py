"""The severity policy: levels with criteria, response targets, paging mode, cadence, and business hours.

Defaults follow DESIGN.md. An organisation overrides them with a TOML policy file (WARROOM_POLICY);
see docs/configuration.md. The file is validated at start and every error names its place.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from warroom.core.errors import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
USER_SHARES = ("all", "many", "some", "few")
FEATURES = ("core", "major", "minor", "cosmetic")
NEXT_BUSINESS_DAY = "next_business_day"
DURATION_RE = re.compile(r"^\s*(\d+)\s*(s|m|min|h|d)\s*$")
DURATION_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """'15m', '1h', '30 min', '2d' -> timedelta. 'immediate' is zero."""
    if text.strip() == "immediate":
        return timedelta(0)
    match = DURATION_RE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration; write e.g. 15m, 1h, 4h, 1d or 'immediate'")
    return timedelta(seconds=int(match.group(1)) * DURATION_UNITS[match.group(2)])


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "immediate"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class TriageRule(_Strict):
    """Matches impact answers; every key given must match, keys left out match anything."""

    service_down: bool | None = None
    users: list[Literal["all", "many", "some", "few"]] | None = None
    feature: list[Literal["core", "major", "minor", "cosmetic"]] | None = None

    def matches(self, *, service_down: bool, users: str, feature: str) -> bool:
        return (
            (self.service_down is None or self.service_down == service_down)
            and (self.users is None or users in self.users)
            and (self.feature is None or feature in self.feature)
        )

    def explain(self, *, service_down: bool, users: str, feature: str) -> str:
        """Why this rule matched, in the words of the answers it looked at."""
        parts = []
        if self.service_down is not None:
            parts.append("the service is down" if service_down else "the service is up")
        if self.users is not None:
            parts.append(f"{users} users are affected")
        if self.feature is not None:
            parts.append(f"a {feature} feature is impacted")
        return " and ".join(parts) or "its rule matches any impact"


class SeverityLevel(_Strict):
    name: str = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")
    label: str = ""
    criteria: str = Field(min_length=1)
    response_target: str = Field(description="'immediate', a duration such as 15m, or next_business_day")
    paging: Literal["all_hands", "escalate", "low_urgency"]
    postmortem_required: bool = False
    update_interval: str
    # How the public status page calls an incident of this level (Statuspage's impact); None
    # means by rank: the first level critical, the second major, the third minor, others none.
    public_impact: Literal["none", "minor", "major", "critical"] | None = None
    triage: list[TriageRule] = []

    @field_validator("response_target")
    @classmethod
    def _target(cls, value: str) -> str:
        if value != NEXT_BUSINESS_DAY:
            parse_duration(value)
        return value

    @field_validator("update_interval")
    @classmethod
    def _interval(cls, value: str) -> str:
        if parse_duration(value) <= timedelta(0):
            raise ValueError("update_interval must be longer than zero")
        return value

    @property
    def update_every(self) -> timedelta:
        return parse_duration(self.update_interval)

    @property
    def counts_business_time(self) -> bool:
        return self.response_target == NEXT_BUSINESS_DAY


class BusinessHours(_Strict):
    start: str = "09:00"
    end: str = "17:00"
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = list(WEEKDAYS[:5])

    @field_validator("start", "end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a time of day; write HH:MM") from None
        return value

    @model_validator(mode="after")
    def _order(self) -> BusinessHours:
        if time.fromisoformat(self.start) >= time.fromisoformat(self.end):
            raise ValueError("business_hours.start must be before business_hours.end")
        if not self.days:
            raise ValueError("business_hours.days must name at least one weekday")
        return self


class SeverityPolicy(_Strict):
    timezone: str = "UTC"
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    business_hours: BusinessHours = BusinessHours()
    # A required postmortem is due at the close of this many business days after resolution.
    postmortem_due_business_days: int = Field(default=5, ge=1, le=60)
    severities: list[SeverityLevel]

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}; use an IANA name such as Europe/Berlin") from None
        return value

    @model_validator(mode="after")
    def _check(self) -> SeverityPolicy:
        if not self.severities:
            raise ValueError("at least one severity level is needed")
        folded = [level.name.casefold() for level in self.severities]
        # Compared without case, reported as written in the file.
        duplicates = sorted({lv.name for lv in self.severities if folded.count(lv.name.casefold()) > 1})
        if duplicates:
            raise ValueError(f"severity names must be unique; repeated: {', '.join(duplicates)}")
        if self.holiday_subdivision and not self.holiday_country:
            raise ValueError("holiday_subdivision needs holiday_country")
        if self.holiday_country:
            supported = holidays.list_supported_countries()
            if self.holiday_country not in supported:
                raise ValueError(f"holiday_country {self.holiday_country!r} is not a supported "
                                 "ISO 3166 code (e.g. US, DE, GB)")
            subdivisions = supported[self.holiday_country]
            if self.holiday_subdivision and self.holiday_subdivision not in subdivisions:
                raise ValueError(f"holiday_subdivision {self.holiday_subdivision!r} is not one of "
                                 f"{self.holiday_country}'s: {', '.join(subdivisions[:20])}")
        return self

    # --- lookups -------------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return [level.name for level in self.severities]

    def level(self, name: str) -> SeverityLevel | None:
        wanted = name.strip().casefold()
        for level in self.severities:
            if level.name.casefold() == wanted:
                return level
        return None

    def rank(self, name: str) -> int:
        """0 for the most severe level."""
        return self.names.index(name)

    # --- business time -------------------------------------------------------------------------

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_holiday(self, day: date) -> bool:
        if not self.holiday_country:
            return False
        return day in holidays.country_holidays(
            self.holiday_country, subdiv=self.holiday_subdivision, years=day.year)

    def is_business_day(self, day: date) -> bool:
        return WEEKDAYS[day.weekday()] in self.business_hours.days and not self.is_holiday(day)

    def next_business_day_close(self, moment: datetime) -> datetime:
        """The close of business on the first business day after the one `moment` falls on."""
        day = moment.astimezone(self.zone).date() + timedelta(days=1)
        for _ in range(366):
            if self.is_business_day(day):
                close = datetime.combine(day, time.fromisoformat(self.business_hours.end), self.zone)
                return close.astimezone(ZoneInfo("UTC"))
            day += timedelta(days=1)
        raise ConfigError("policy", "no business day within a year: check business_hours and holidays")

    def business_days_after(self, moment: datetime, days: int) -> datetime:
        """The close of business on the `days`-th business day after the day `moment` falls on."""
        close = moment
        for _ in range(days):
            close = self.next_business_day_close(close)
        return close

    def response_due(self, severity: str, declared_at: datetime) -> datetime:
        level = self.level(severity)
        assert level is not None, severity
        if level.counts_business_time:
            return self.next_business_day_close(declared_at)
        return declared_at + parse_duration(level.response_target)

    # --- triage --------------------------------------------------------------------------------

    def propose(self, *, service_down: bool, users: str, feature: str) -> TriageProposal:
        for level in self.severities:
            for rule in level.triage:
                if rule.matches(service_down=service_down, users=users, feature=feature):
                    why = rule.explain(service_down=service_down, users=users, feature=feature)
                    return TriageProposal(level, f"{level.name}: {why}; criterion: {level.criteria}")
        least = self.severities[-1]
        return TriageProposal(least, f"{least.name}: no more severe level matched; criterion: {least.criteria}")


@dataclass(frozen=True)
class TriageProposal:
    level: SeverityLevel
    reason: str


DEFAULT_POLICY_TOML = """
timezone = "UTC"

[business_hours]
start = "09:00"
end = "17:00"
days = ["mon", "tue", "wed", "thu", "fri"]

[[severities]]
name = "SEV1"
label = "Critical"
criteria = "Service down, all users affected"
response_target = "immediate"
paging = "all_hands"
postmortem_required = true
update_interval = "30m"
public_impact = "critical"
triage = [{ service_down = true }, { users = ["all"], feature = ["core"] }]

[[severities]]
name = "SEV2"
label = "Major"
criteria = "Major feature degraded, many users affected"
response_target = "15m"
paging = "escalate"
postmortem_required = true
update_interval = "60m"
public_impact = "major"
triage = [{ users = ["all", "many"], feature = ["core", "major"] }]

[[severities]]
name = "SEV3"
label = "Minor"
criteria = "Minor feature issue, some users affected"
response_target = "60m"
paging = "escalate"
postmortem_required = false
update_interval = "4h"
public_impact = "minor"
triage = [{ feature = ["core", "major", "minor"] }]

[[severities]]
name = "SEV4"
label = "Low"
criteria = "Cosmetic or low-impact issue"
response_target = "next_business_day"
paging = "low_urgency"
postmortem_required = false
update_interval = "24h"
public_impact = "none"
triage = [{ feature = ["cosmetic"] }]
"""


def _format_validation_error(exc: ValidationError, data: dict) -> str:
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        place = ""
        for i, part in enumerate(loc):
            if isinstance(part, int) and i > 0 and loc[i - 1] == "severities":
                try:
                    place += f"[{data['severities'][part].get('name', part)}]"
                except (KeyError, IndexError, AttributeError):
                    place += f"[{part}]"
            else:
                place += ("." if place else "") + str(part)
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{place or 'policy'}: {message}")
    return "; ".join(lines)


def parse_policy(text: str, source: str = "policy") -> SeverityPolicy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("WARROOM_POLICY", f"{source} is not valid TOML: {exc}") from None
    try:
        return SeverityPolicy.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("WARROOM_POLICY", f"{source}: {_format_validation_error(exc, data)}") from None


def default_policy() -> SeverityPolicy:
    return parse_policy(DEFAULT_POLICY_TOML, "built-in policy")


def load_policy(path: Path | None) -> SeverityPolicy:
    if path is None:
        return default_policy()
    return parse_policy(path.read_text(encoding="utf-8"), str(path))
