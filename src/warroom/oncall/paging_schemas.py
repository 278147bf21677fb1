"""API shapes of contact methods, notification rules, escalation policies and pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from warroom.incidents.schemas import UserKey
from warroom.users.schemas import UserRef

ContactKind = Literal["email", "slack", "webhook"]
Urgency = Literal["high", "low"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ContactMethodIn(_In):
    kind: ContactKind
    address: StrictStr = Field(min_length=1, max_length=500,
                               description="an e-mail address, a Slack user id (U…), or an https:// URL")
    label: StrictStr = Field(default="", max_length=100)


class VerifyIn(_In):
    code: StrictStr = Field(min_length=1, max_length=20, description="the code the test message carried")


class ContactMethodOut(BaseModel):
    id: int
    kind: str
    address: str
    label: str
    verified: bool
    verified_at: datetime | None
    created_at: datetime
    # Shown for webhooks only: the Standard Webhooks secret the receiver verifies signatures with.
    signing_secret: str | None = None


class TestSent(BaseModel):
    contact_method: ContactMethodOut
    message_id: int
    code_expires_at: datetime


class NotificationRuleIn(_In):
    contact_method: StrictInt = Field(description="id of one of your verified contact methods")
    urgency: Urgency
    delay_minutes: StrictInt = Field(default=0, ge=0, le=1440)


class NotificationRuleOut(BaseModel):
    id: int
    contact_method: ContactMethodOut
    urgency: str
    delay_minutes: int


class TargetIn(_In):
    type: Literal["user", "schedule"]
    ref: UserKey = Field(description="user id, email or handle; or schedule id or name")


class TargetOut(BaseModel):
    type: str
    id: int
    name: str


class LevelIn(_In):
    delay_minutes: StrictInt = Field(ge=1, le=1440, description="wait this long for an ack before the next level")
    targets: list[TargetIn] = Field(min_length=1, max_length=20)


class LevelOut(BaseModel):
    position: int
    delay_minutes: int
    targets: list[TargetOut]


class EscalationPolicyIn(_In):
    name: StrictStr = Field(min_length=1, max_length=100)
    description: StrictStr = Field(default="", max_length=2000)
    repeat: StrictInt = Field(default=0, ge=0, le=9, description="run the whole policy again up to N times")
    levels: list[LevelIn] = Field(min_length=1, max_length=10)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return value.strip().lower()


class EscalationPolicyOut(BaseModel):
    id: int
    name: str
    description: str
    repeat: int
    levels: list[LevelOut]
    services: list[str]


class ServicePolicyIn(_In):
    escalation_policy: StrictStr | StrictInt | None = Field(description="policy id or name; null: page nobody")


class NotificationOut(BaseModel):
    user: UserRef
    level: int
    round: int
    kind: str
    contact_method_id: int | None
    due_at: datetime
    sent_at: datetime | None
    canceled_at: datetime | None


class PageOut(BaseModel):
    id: int
    policy: str
    mode: str
    urgency: str
    status: str
    level: int = Field(description="1-based level escalation has reached")
    round: int = Field(description="1-based run of the policy")
    started_at: datetime
    next_step_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: UserRef | None
    ended_at: datetime | None
    notifications: list[NotificationOut]


class PagingOut(BaseModel):
    incident: str
    acknowledged_at: datetime | None
    response_due_at: datetime
    response_target_met: bool | None
    pages: list[PageOut]
