"""Tables of the public status page. API shapes are in schemas.py.

Everything public gets a random `public_id` (Statuspage-style, 12 characters) instead of our own
numbers, so the page never tells how many internal incidents or components exist.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.core.db import Base, UTCDateTime

COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage",
                      "under_maintenance")
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "verifying", "completed", "canceled")
SUBSCRIBER_KINDS = ("email", "webhook")


class StatusPage(Base):
    """The one status page of this installation (id 1): its look, the secret that signs its links,
    and `version`, which every public change increments in the same transaction: the cached page of
    every web process is valid while the version it was built from is current."""

    __tablename__ = "status_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="Status")
    url: Mapped[str] = mapped_column(String(300), default="")
    logo_url: Mapped[str] = mapped_column(String(500), default="")
    brand_color: Mapped[str] = mapped_column(String(7), default="#1f6feb")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    link_secret: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ComponentGroup(Base):
    __tablename__ = "status_component_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Component(Base):
    """A part of the product as customers know it. Linked to a service, its status follows the open
    public incidents of that service (worst wins) and running maintenance; `override` pins it."""

    __tablename__ = "status_components"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"), unique=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("status_component_groups.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(32), default="operational")
    override: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    group: Mapped[ComponentGroup | None] = relationship(lazy="joined")


class ComponentStatusChange(Base):
    """The component's status from `at` until its next change: what the uptime bars are drawn from."""

    __tablename__ = "status_component_history"
    __table_args__ = (Index("ix_status_component_history", "component_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("status_components.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class PublicIncident(Base):
    """The public identity of an incident once it has been public: its id on the page and feeds."""

    __tablename__ = "status_public_incidents"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    first_public_at: Mapped[datetime] = mapped_column(UTCDateTime())


maintenance_components = Table(
    "status_maintenance_components", Base.metadata,
    Column("maintenance_id", ForeignKey("status_maintenances.id", ondelete="CASCADE"), primary_key=True),
    Column("component_id", ForeignKey("status_components.id", ondelete="CASCADE"), primary_key=True),
)


class Maintenance(Base):
    __tablename__ = "status_maintenances"
    __table_args__ = (Index("ix_status_maintenances_window", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    components: Mapped[list[Component]] = relationship(secondary=maintenance_components,
                                                       order_by=Component.position)
    updates: Mapped[list[MaintenanceUpdate]] = relationship(
        cascade="all, delete-orphan", order_by="MaintenanceUpdate.id")


class MaintenanceUpdate(Base):
    """Each move of a maintenance (and its text then): the maintenance's public timeline."""

    __tablename__ = "status_maintenance_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    maintenance_id: Mapped[int] = mapped_column(ForeignKey("status_maintenances.id", ondelete="CASCADE"),
                                                index=True)
    status: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Subscriber(Base):
    """Someone told of public changes: an e-mail address (after confirming it) or a webhook URL.
    `components` are public ids; empty means every component."""

    __tablename__ = "status_subscribers"
    __table_args__ = (Index("ix_status_subscribers_target", "kind", "target", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(500))
    components: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SubscriptionRequest(Base):
    """One public subscribe request, kept an hour or so for the per-address and per-IP limits.
    The address is stored as a keyed hash: the log must not become a list of addresses."""

    __tablename__ = "status_subscription_requests"
    __table_args__ = (Index("ix_status_subscription_requests_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    client_ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())

