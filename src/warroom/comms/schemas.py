"""API shapes of communication: updates, templates, channels, routes and deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from warroom.incidents.schemas import Moment, UserRef

Audience = Literal["internal", "public", "customers"]
UpdateKind = Literal["initial", "update", "mitigated", "resolved"]
ChannelKind = Literal["email", "slack", "teams", "webhook"]
Event = Literal["declared", "severity_changed", "status_changed", "update_posted", "update_overdue",
                "resolved"]
EVENTS: tuple[str, ...] = Event.__args__  # type: ignore[attr-defined]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UpdateIn(_Input):
    audience: Audience = "internal"
    whats_happening: StrictStr = Field(min_length=1, max_length=5000)
    who_is_affected: StrictStr = Field(min_length=1, max_length=5000)
    what_we_are_doing: StrictStr = Field(min_length=1, max_length=5000)
    next_update_at: Moment | None = Field(
        default=None, description="When the next update will be posted; required unless resolved, "
                                  "must be in the future")


class UpdateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    audience: str
    kind: str
    status: str
    whats_happening: str
    who_is_affected: str
    what_we_are_doing: str
    next_update_at: datetime | None
    subject: str
    text: str
    author: UserRef | None
    posted_at: datetime


class UpdatePreview(BaseModel):
    audience: str
    kind: str
    subject: str
    text: str


class TemplateIn(_Input):
    subject: StrictStr = Field(min_length=1, max_length=20000)
    body: StrictStr = Field(min_length=1, max_length=20000)


class TemplateOut(BaseModel):
    audience: str
    kind: str
    subject: str
    body: str
    customized: bool
    updated_at: datetime | None = None


class RouteIn(_Input):
    events: list[Event] = Field(default_factory=list, description="Empty: every event")
    severities: list[StrictStr] = Field(default_factory=list, description="Empty: every severity")
    services: list[StrictStr] = Field(default_factory=list, description="Empty: every service")
    audiences: list[Audience] = Field(default_factory=list, description="Empty: every audience")


class RouteOut(RouteIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int


class ChannelIn(_Input):
    name: StrictStr = Field(min_length=1, max_length=100)
    kind: ChannelKind
    settings: dict[str, Any] = Field(default_factory=dict, description="Shown back: recipients, channel")
    secrets: dict[str, StrictStr] = Field(default_factory=dict,
                                          description="Write-only: webhook URLs, tokens, signing keys")
    enabled: StrictBool = True
    routes: list[RouteIn] = Field(default_factory=lambda: [RouteIn()], max_length=50)


class ChannelPatch(_Input):
    name: StrictStr | None = Field(default=None, min_length=1, max_length=100)
    settings: dict[str, Any] | None = None
    secrets: dict[str, StrictStr] | None = Field(default=None, description="Replaces the named secrets")
    enabled: StrictBool | None = None
    routes: list[RouteIn] | None = Field(default=None, max_length=50)


class ChannelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    settings: dict[str, Any]
    secrets_set: list[str] = Field(description="Names of the secrets that are set; values never leave")
    enabled: bool
    routes: list[RouteOut]
    created_at: datetime
    updated_at: datetime


class ChannelCreated(ChannelOut):
    signing_secret: str | None = Field(
        default=None, description="Webhook channels: the Standard Webhooks secret, shown this once")


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    started_at: datetime
    finished_at: datetime
    ok: bool
    detail: str


class DeliveryOut(BaseModel):
    id: int
    key: str
    transport: str
    channel: str | None
    event: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str


class DeliveryDetail(DeliveryOut):
    """One message with every attempt at sending it."""

    attempts_made: list[AttemptOut]
