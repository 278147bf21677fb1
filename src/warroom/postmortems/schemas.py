"""API shapes of postmortems and action items."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from warroom.incidents.schemas import Moment
from warroom.users.schemas import UserRef

PostmortemStatus = Literal["draft", "in_review", "published"]
ActionType = Literal["mitigate", "prevent", "detect", "process"]
ActionStatus = Literal["open", "done", "wont_do"]
Priority = Literal["high", "medium", "low"]
TEXT = 20_000
ITEM = 2_000


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WhyIn(_Input):
    question: StrictStr = Field(min_length=1, max_length=ITEM)
    answer: StrictStr = Field(min_length=1, max_length=ITEM)


class EntryIn(_Input):
    at: Moment
    text: StrictStr = Field(min_length=1, max_length=ITEM)


class PostmortemPatch(_Input):
    """Sections to replace; those left out stay as they are. `version` (the one you loaded) makes
    a save fail with 409 if someone saved in between, instead of overwriting their words."""

    version: int | None = Field(default=None, ge=1)
    summary: StrictStr | None = Field(default=None, max_length=TEXT)
    impact: StrictStr | None = Field(default=None, max_length=TEXT)
    detection: StrictStr | None = Field(default=None, max_length=TEXT)
    whys: list[WhyIn] | None = Field(default=None, max_length=20,
                                     description="The 5-whys chain in order; the last answer is the systemic cause")
    contributing_factors: list[StrictStr] | None = Field(default=None, max_length=50)
    went_well: list[StrictStr] | None = Field(default=None, max_length=50)
    went_poorly: list[StrictStr] | None = Field(default=None, max_length=50)
    got_lucky: list[StrictStr] | None = Field(default=None, max_length=50)
    timeline: list[EntryIn] | None = Field(default=None, max_length=500)


class StatusChangeIn(_Input):
    status: PostmortemStatus
    confirm_warnings: StrictBool = Field(default=False, description="Publish even with blameless-check warnings")


class ReviewerIn(_Input):
    user: StrictStr = Field(min_length=1, description="Email, handle or id")


class WhyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    question: str
    answer: str


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    text: str


class ReviewerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user: UserRef
    added_at: datetime
    approved_at: datetime | None


class WarningOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    section: str
    phrase: str
    excerpt: str
    suggestion: str


class DurationsOut(BaseModel):
    """Seconds; null while the phase has not happened."""

    detect: int | None
    acknowledge: int | None
    mitigate: int | None
    resolve: int | None


class ActionItemIn(_Input):
    title: StrictStr = Field(min_length=1, max_length=300)
    owner: StrictStr = Field(min_length=1, description="Email, handle or id of the owner")
    due_on: date
    priority: Priority = "medium"
    type: ActionType = "prevent"
    ticket_url: StrictStr = Field(default="", max_length=500)


class ActionItemPatch(_Input):
    title: StrictStr | None = Field(default=None, min_length=1, max_length=300)
    owner: StrictStr | None = Field(default=None, min_length=1)
    due_on: date | None = None
    priority: Priority | None = None
    type: ActionType | None = None
    status: ActionStatus | None = None
    wont_do_reason: StrictStr | None = Field(default=None, max_length=ITEM,
                                             description="Required when status is wont_do")
    ticket_url: StrictStr | None = Field(default=None, max_length=500)


class ActionItemOut(BaseModel):
    id: int
    incident: str = Field(description="The incident's ref, e.g. INC-7")
    incident_title: str
    title: str
    owner: UserRef
    due_on: date
    priority: str
    type: str
    status: str
    wont_do_reason: str
    ticket_url: str
    overdue: bool
    created_at: datetime
    completed_at: datetime | None


class PostmortemOut(BaseModel):
    incident: str
    incident_title: str
    status: str
    required: bool
    due_at: datetime | None
    version: int
    summary: str
    impact: str
    detection: str
    whys: list[WhyOut]
    contributing_factors: list[str]
    went_well: list[str]
    went_poorly: list[str]
    got_lucky: list[str]
    timeline: list[EntryOut]
    durations: DurationsOut
    reviewers: list[ReviewerOut]
    action_items: list[ActionItemOut]
    warnings: list[WarningOut]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    published_by: UserRef | None


class RevisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    changed_at: datetime
    changed_by: UserRef | None
    status: str
    changes: dict = Field(description="Section -> {before, after}")
