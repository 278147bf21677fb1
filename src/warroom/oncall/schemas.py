"""API shapes of on-call schedules, layers, overrides, answers and calendar feeds.

Instants are ISO 8601 with an offset (answers in UTC). A layer's `start` is different: a local
date-time without an offset, read in the schedule's timezone, because a rotation that hands off
at 09:00 must keep doing so whatever the UTC offset of the day.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, NaiveDatetime, StrictInt,
                      StrictStr)
from pydantic_core import PydanticCustomError

from warroom.incidents.schemas import Moment, UserKey
from warroom.oncall.rotation import WEEKDAYS
from warroom.users.schemas import UserRef

Unit = Literal["hours", "days", "weeks"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CLOCK_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
HANDOFF_RE = re.compile(r"^(?:(mon|tue|wed|thu|fri|sat|sun)\s+)?([01]?\d|2[0-3]):([0-5]\d)$")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


def _name(value: str) -> str:
    if not NAME_RE.match(value):
        raise ValueError("must be lowercase letters, digits, '.', '_' or '-', starting with a letter or digit "
                         f"(e.g. payments-primary), not {value!r}")
    return value


def _zone_name(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"must be an IANA timezone name such as Europe/Berlin, not {value!r}") from None
    return value


def _local_only(value: Any) -> Any:
    # A number would be read as seconds since 1970, and an offset would say the time is not local.
    if isinstance(value, int | float):
        raise PydanticCustomError("datetime_type", "Input should be a valid datetime")
    if isinstance(value, str) and re.search(r"(Z|[+-]\d\d:?\d\d)$", value.strip()):
        raise ValueError("must be a local date-time without an offset (it is read in the schedule's "
                         "timezone), e.g. 2026-12-01T09:00")
    return value


def _not_a_number(value: Any) -> Any:
    # In a query string a number is still text; pydantic would read it as seconds since 1970.
    if isinstance(value, int | float) or (isinstance(value, str) and re.fullmatch(r"\s*-?[\d.]+\s*", value)):
        raise PydanticCustomError("datetime_type", "Input should be a valid datetime")
    return value


def _clock(value: str) -> str:
    if not CLOCK_RE.match(value) and value != "24:00":
        raise ValueError(f"must be a time of day HH:MM (00:00 to 24:00), not {value!r}")
    return value


def _handoff(value: str) -> str:
    if not HANDOFF_RE.match(value.strip().lower()):
        raise ValueError(f"must be HH:MM, or a weekday and HH:MM for weekly shifts (e.g. 'mon 09:00'), "
                         f"not {value!r}")
    return value.strip().lower()


ScheduleName = Annotated[StrictStr, Field(min_length=1, max_length=100, examples=["payments-primary"]),
                         AfterValidator(_name)]
ZoneName = Annotated[StrictStr, Field(max_length=64, examples=["Europe/Berlin"]), AfterValidator(_zone_name)]
LocalDateTime = Annotated[NaiveDatetime, BeforeValidator(_local_only)]
ClockTime = Annotated[StrictStr, AfterValidator(_clock)]
QueryMoment = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScheduleIn(_Input):
    name: ScheduleName
    timezone: ZoneName
    description: StrictStr = Field(default="", max_length=2000)


class SchedulePatch(_Input):
    """Fields left out stay. A new timezone keeps the layers' wall-clock times (09:00 stays 09:00)."""

    name: ScheduleName | None = None
    timezone: ZoneName | None = None
    description: StrictStr | None = Field(default=None, max_length=2000)


class RestrictionIn(_Input):
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1, max_length=7)
    start: ClockTime = Field(description="HH:MM, local")
    end: ClockTime = Field(description="HH:MM, local; at or before start: the window ends the next day")


class LayerIn(_Input):
    name: StrictStr = Field(default="", max_length=100)
    users: list[UserKey] = Field(min_length=1, max_length=50,
                                 description="The rotation's turns in order: user ids, emails or handles")
    shift_length: StrictInt = Field(ge=1, le=1000)
    shift_unit: Unit
    start: LocalDateTime = Field(description="When the layer begins covering: a local date-time in the "
                                             "schedule's timezone (a date alone means its midnight)")
    handoff: Annotated[StrictStr, AfterValidator(_handoff)] | None = Field(
        default=None, description="When shifts change: 'HH:MM', or 'mon 09:00' for weekly shifts; "
                                  "default: the start's time (and weekday)")
    restrictions: list[RestrictionIn] = Field(default_factory=list, max_length=20,
                                              description="Cover only these windows; empty: always")
    position: StrictInt | None = Field(default=None, ge=1, description="1 = lowest priority; default: on top")


class OverrideIn(_Input):
    user: UserKey = Field(description="User id, email or handle")
    starts_at: Moment
    ends_at: Moment


class FeedIn(_Input):
    """Exactly one of the two: a schedule's feed, or a person's across every schedule."""

    schedule: StrictStr | None = Field(default=None, min_length=1, max_length=100)
    user: UserKey | None = Field(default=None, description="User id, email, handle; 'me'")


class RestrictionOut(BaseModel):
    days: list[str]
    start: str
    end: str


class LayerOut(BaseModel):
    id: int
    position: int
    name: str
    users: list[UserRef]
    shift_length: int
    shift_unit: str
    start: str = Field(description="Local date-time in the schedule's timezone")
    handoff: str
    restrictions: list[RestrictionOut]
    deactivated_users: list[UserRef] = Field(
        description="People in the rotation whose accounts were deactivated since: their turns are skipped "
                    "(a lower layer covers, or nobody is on call and nobody is paged). Take them out.")


class ScheduleOut(BaseModel):
    id: int
    name: str
    timezone: str
    description: str
    layers: list[LayerOut]
    created_at: datetime
    updated_at: datetime


class OverrideOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user: UserRef
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    created_by: UserRef | None


class SpanOut(BaseModel):
    start: datetime
    end: datetime
    user: UserRef
    source: Literal["layer", "override"]
    layer_id: int | None
    override_id: int | None


class GapOut(BaseModel):
    start: datetime
    end: datetime
    skipped_user: UserRef | None = Field(
        default=None, description="Whose turn it is, when the gap is a deactivated person's shift or override")
    layer_id: int | None = Field(default=None, description="The layer of that shift")
    override_id: int | None = Field(default=None, description="The override of that person")


class OnCallOut(BaseModel):
    schedule: str
    timezone: str
    at: datetime
    user: UserRef | None = Field(description="Null: nobody is on call (a gap)")
    source: Literal["layer", "override"] | None
    layer_id: int | None
    override_id: int | None
    since: datetime | None = Field(description="Start of this stretch (null: over a month ago)")
    until: datetime | None = Field(description="End of this stretch (null: over a month ahead)")
    skipped_user: UserRef | None = Field(
        default=None, description="A deactivated person whose turn it is: not paged; `user` covers instead "
                                  "(a lower layer), or nobody")


class FinalOut(BaseModel):
    schedule: str
    timezone: str
    since: datetime
    until: datetime
    spans: list[SpanOut]
    gaps: list[GapOut]


class FeedOut(BaseModel):
    id: int
    kind: Literal["schedule", "user"]
    schedule: str | None
    user: UserRef | None
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class FeedCreated(FeedOut):
    url: str = Field(description="The secret feed URL. Shown only in this response; anyone with it can read "
                                 "the feed")
    token: str
