"""API shapes of the status page's admin side: components and their groups, scheduled maintenance,
and the page's settings. Strict like every input of the API: a string is not a number, unknown
fields are refused, and each problem names its field."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from warroom.incidents.schemas import Moment
from warroom.statuspage.maintenance import MOVES
from warroom.statuspage.models import Component, ComponentGroup, Maintenance, StatusPage

ComponentStatus = Literal["operational", "degraded_performance", "partial_outage", "major_outage",
                          "under_maintenance"]
MaintenanceStatus = Literal["scheduled", "in_progress", "verifying", "completed", "canceled"]
Position = Field(default=0, ge=0, le=10000, description="Order on the page, smallest first")


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- components and groups ------------------------------------------------------------------------

class ComponentIn(_Input):
    name: StrictStr = Field(min_length=1, max_length=100)
    description: StrictStr = Field(default="", max_length=2000)
    service: StrictStr | None = Field(
        default=None, max_length=100,
        description="A catalog service: its open public incidents set the component's status")
    group: StrictStr | None = Field(default=None, max_length=100, description="A group's name or public id")
    position: StrictInt = Position
    override: ComponentStatus | None = Field(
        default=None, description="Pin this status whatever the incidents say; null derives it")


class ComponentPatch(_Input):
    """Only the fields present change; null clears the service, the group or the override."""

    name: StrictStr | None = Field(default=None, min_length=1, max_length=100)
    description: StrictStr | None = Field(default=None, max_length=2000)
    service: StrictStr | None = Field(default=None, max_length=100)
    group: StrictStr | None = Field(default=None, max_length=100)
    position: StrictInt | None = Field(default=None, ge=0, le=10000)
    override: ComponentStatus | None = None

    def changes(self) -> dict:
        return self.model_dump(exclude_unset=True)


class ComponentRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    public_id: str
    name: str


class ComponentOut(BaseModel):
    public_id: str
    name: str
    description: str
    service: str | None = Field(description="The catalog service it follows, if any")
    group: str | None = Field(description="The name of its group, if any")
    position: int
    status: str = Field(description="What the page shows: the override, or derived from incidents and "
                                    "maintenance")
    override: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, component: Component, service_names: dict[int, str]) -> ComponentOut:
        return cls(public_id=component.public_id, name=component.name, description=component.description,
                   service=service_names.get(component.service_id) if component.service_id else None,
                   group=component.group.name if component.group else None, position=component.position,
                   status=component.status, override=component.override, created_at=component.created_at,
                   updated_at=component.updated_at)


class GroupIn(_Input):
    name: StrictStr = Field(min_length=1, max_length=100)
    description: StrictStr = Field(default="", max_length=2000)
    position: StrictInt = Position


class GroupOut(BaseModel):
    public_id: str
    name: str
    description: str
    position: int
    components: list[str] = Field(description="Names of its components, in page order")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, group: ComponentGroup, components: list[Component]) -> GroupOut:
        return cls(public_id=group.public_id, name=group.name, description=group.description,
                   position=group.position, components=[c.name for c in components if c.group_id == group.id],
                   created_at=group.created_at, updated_at=group.updated_at)


# --- maintenance ----------------------------------------------------------------------------------

class MaintenanceIn(_Input):
    title: StrictStr = Field(min_length=1, max_length=200)
    body: StrictStr = Field(default="", max_length=10000, description="What customers are told")
    starts_at: Moment
    ends_at: Moment = Field(description="After starts_at, at most 30 days later, in the future")
    components: list[StrictStr] = Field(default_factory=list, max_length=100,
                                        description="Names or public ids of the components it touches")


class MaintenancePatch(_Input):
    """Only the fields present (and not null) change. Once it has started only its end can move."""

    title: StrictStr | None = Field(default=None, min_length=1, max_length=200)
    body: StrictStr | None = Field(default=None, max_length=10000)
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    components: list[StrictStr] | None = Field(default=None, max_length=100)


class MaintenanceMove(_Input):
    status: MaintenanceStatus
    body: StrictStr = Field(default="", max_length=10000,
                            description="The public update's text; empty: the standard words for the status")


class MaintenanceUpdateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    public_id: str
    status: str
    body: str
    at: datetime


class MaintenanceOut(BaseModel):
    public_id: str
    title: str
    body: str
    status: str
    allowed_moves: list[str] = Field(description="The statuses it can be moved to by hand now")
    starts_at: datetime
    ends_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    components: list[ComponentRef]
    updates: list[MaintenanceUpdateOut] = Field(description="Its public timeline, oldest first")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, maintenance: Maintenance) -> MaintenanceOut:
        return cls(public_id=maintenance.public_id, title=maintenance.title, body=maintenance.body,
                   status=maintenance.status, allowed_moves=list(MOVES[maintenance.status]),
                   starts_at=maintenance.starts_at, ends_at=maintenance.ends_at,
                   started_at=maintenance.started_at, completed_at=maintenance.completed_at,
                   components=[ComponentRef.model_validate(c) for c in maintenance.components],
                   updates=[MaintenanceUpdateOut.model_validate(u) for u in maintenance.updates],
                   created_at=maintenance.created_at, updated_at=maintenance.updated_at)


# --- the page's settings --------------------------------------------------------------------------

class PageSettingsIn(_Input):
    """Every setting (PUT replaces them all; read them first to change one)."""

    name: StrictStr = Field(min_length=1, max_length=100, description="The page's title")
    url: StrictStr = Field(max_length=300, description="Where customers reach it; empty, or http(s)://")
    logo_url: StrictStr = Field(max_length=500, description="Empty, http(s)://..., or a path on this site: /...")
    brand_color: StrictStr = Field(max_length=7, description="#rrggbb", examples=["#1f6feb"])
    timezone: StrictStr = Field(max_length=64, description="IANA name: the page's days are counted in it",
                                examples=["Europe/Berlin"])


class PageSettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    url: str
    logo_url: str
    brand_color: str
    timezone: str
    version: int = Field(description="Moves with every public change; the page is rebuilt from it")
    changed_at: datetime

    @classmethod
    def of(cls, page: StatusPage) -> PageSettingsOut:
        return cls.model_validate(page)
