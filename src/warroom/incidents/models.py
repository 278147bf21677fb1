from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.catalog.models import Service
from warroom.core.db import Base, UTCDateTime
from warroom.incidents.lifecycle import allowed_next
from warroom.users.models import User

incident_services = Table(
    "incident_services",
    Base.metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Counter(Base):
    """Named sequences that stay gapless and unique across processes (row lock on PostgreSQL,
    the write lock on SQLite)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        # Covers the status filter, the newest-first order and the visibility check together, so
        # counting and paging the open incidents reads the index alone, not 1 table row per match.
        Index("ix_incidents_status_id_visibility", "status", "id", "visibility"),
        Index("ix_incidents_declared", "declared_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[str] = mapped_column(Text, default="")
    resolution: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    visibility: Mapped[str] = mapped_column(String(16))
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    commander_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The sooner of the last update's promised next update and the severity's cadence; None once
    # resolved. Set by warroom.comms when updates are posted and severities change.
    next_update_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    commander: Mapped[User | None] = relationship(foreign_keys=[commander_id], lazy="joined")
    services: Mapped[list[Service]] = relationship(secondary=incident_services, order_by=Service.name)
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="RoleAssignment.id")

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"

    @property
    def allowed_transitions(self) -> list[str]:
        return list(allowed_next(self.status))

    @property
    def response_target_met(self) -> bool | None:
        if self.acknowledged_at is None:
            return None
        return self.acknowledged_at <= self.response_due_at


class RoleAssignment(Base):
    """Who holds a supporting role (deputy, scribe, comms lead, responder) in an incident.

    The commander is not here: it is `Incident.commander_id`, so there is exactly one by construction.
    """

    __tablename__ = "incident_roles"
    __table_args__ = (UniqueConstraint("incident_id", "role", "user_id", name="uq_incident_roles_holder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(16))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())

    incident: Mapped[Incident] = relationship(back_populates="roles")
    user: Mapped[User] = relationship(lazy="joined")


class Participant(Base):
    """Everyone who is part of an incident; restricted incidents are visible only to them (and admins)."""

    __tablename__ = "incident_participants"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TimelineEvent(Base):
    """Append-only: the service writes one for every change. Only `starred` may change later."""

    __tablename__ = "timeline_events"
    __table_args__ = (Index("ix_timeline_incident_occurred", "incident_id", "occurred_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    starred: Mapped[bool] = mapped_column(Boolean, default=False)

    actor: Mapped[User | None] = relationship(lazy="joined")
