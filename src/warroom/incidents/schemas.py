"""API shapes for incidents, the timeline, severities and triage."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StrictStr,
)
from pydantic_core import PydanticCustomError

from warroom.catalog.schemas import ServiceOut
from warroom.users.schemas import UserRef

Visibility = Literal["public", "internal", "restricted"]
Status = Literal["triage", "investigating", "identified", "mitigated", "resolved", "closed", "canceled"]
Role = Literal["commander", "deputy", "scribe", "comms_lead", "responder"]
UserKey = StrictStr | StrictInt


def _not_a_number(value: Any) -> Any:
    # JSON has no date-time type: take an ISO 8601 string (or a datetime from Python callers), never
    # a number, which pydantic would otherwise read as seconds or milliseconds since 1970.
    if isinstance(value, int | float):
        raise PydanticCustomError("datetime_type", "Input should be a valid datetime")
    return value


Moment = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Link(_Input):
    title: StrictStr = Field(default="", max_length=200)
    url: StrictStr = Field(min_length=1, max_length=2000, pattern=r"^https?://")


class IncidentCreate(_Input):
    title: StrictStr = Field(min_length=1, max_length=200)
    severity: StrictStr = Field(description="A level of the severity policy, e.g. SEV1")
    summary: StrictStr = Field(default="", max_length=20000)
    impact: StrictStr = Field(default="", max_length=20000, description="Who is affected, and how")
    services: list[StrictStr] = Field(default_factory=list, max_length=50)
    visibility: Visibility = "internal"
    commander: UserKey | None = Field(default=None, description="User id, email or handle")
    labels: list[StrictStr] = Field(default_factory=list, max_length=50)
    links: list[Link] = Field(default_factory=list, max_length=50)
    started_at: Moment | None = Field(default=None, description="When impact began; default now")
    detected_at: Moment | None = None


class IncidentPatch(_Input):
    """Only the fields present are changed; each change is a timeline event."""

    title: StrictStr | None = Field(default=None, min_length=1, max_length=200)
    severity: StrictStr | None = None
    summary: StrictStr | None = Field(default=None, max_length=20000)
    impact: StrictStr | None = Field(default=None, max_length=20000)
    services: list[StrictStr] | None = Field(default=None, max_length=50)
    visibility: Visibility | None = None
    labels: list[StrictStr] | None = Field(default=None, max_length=50)
    links: list[Link] | None = Field(default=None, max_length=50)
    started_at: Moment | None = None
    detected_at: Moment | None = None


class StatusChange(_Input):
    status: Status
    note: StrictStr | None = Field(default=None, max_length=20000)
    resolution: StrictStr | None = Field(default=None, max_length=20000,
                                         description="Required when resolving: what fixed it")


class RoleAssign(_Input):
    role: Role
    user: UserKey


class NoteCreate(_Input):
    body: StrictStr = Field(min_length=1, max_length=20000)
    occurred_at: Moment | None = Field(default=None, description="Backdate to when it happened")
    starred: StrictBool = False


class StarChange(_Input):
    starred: StrictBool


class RoleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: str
    user: UserRef
    assigned_at: datetime


class IncidentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ref: str
    title: str
    summary: str
    impact: str
    resolution: str
    severity: str
    status: str
    visibility: str
    labels: list[str]
    links: list[dict[str, Any]]
    services: list[ServiceOut]
    commander: UserRef | None
    roles: list[RoleOut]
    allowed_transitions: list[str]
    started_at: datetime
    detected_at: datetime
    declared_at: datetime
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    canceled_at: datetime | None
    response_due_at: datetime
    response_target_met: bool | None = Field(
        description="True if acknowledged by response_due_at, False if not, null while still pending")
    next_update_due: datetime | None = Field(
        description="When the next status update is owed: the sooner of the last update's promise and "
                    "the severity's cadence; null once resolved")
    updated_at: datetime


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    total: int
    next_cursor: str | None


class TimelineEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    actor: UserRef | None
    occurred_at: datetime
    recorded_at: datetime
    body: str
    data: dict[str, Any]
    starred: bool


class TimelinePage(BaseModel):
    items: list[TimelineEventOut]
    next_cursor: str | None


class TriageAnswers(_Input):
    service_down: StrictBool = Field(description="Is the service down for its users?")
    users: Literal["all", "many", "some", "few"] = Field(description="Share of users affected")
    feature: Literal["core", "major", "minor", "cosmetic"] = Field(description="What kind of feature")


class SeverityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    label: str
    criteria: str
    response_target: str
    paging: str
    postmortem_required: bool
    update_interval: str


class TriageProposalOut(BaseModel):
    severity: str
    reason: str
    level: SeverityOut


class BusinessHoursOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    start: str
    end: str
    days: list[str]


class PolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    timezone: str
    holiday_country: str | None
    holiday_subdivision: str | None
    business_hours: BusinessHoursOut
    severities: list[SeverityOut]
